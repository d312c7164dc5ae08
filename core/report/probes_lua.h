/* probes_lua.h - the monitor's probe records for report scripts: sb.probes (docs/lua-api.md). */
#ifndef SB_REPORT_PROBES_LUA_H
#define SB_REPORT_PROBES_LUA_H

#include <lua.h>

/* A luahost section: adds sb.probes.query{kind =, monitor =, link =, from =, to = [, each =]} to
 * the `sb` table at sb_index. It reads the env's store (an error when there is none). */
void sb_lua_open_probes(lua_State *L, int sb_index);

#endif
