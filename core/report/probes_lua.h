/* probes_lua.h - the monitor's probe records for report scripts: sb.probes (docs/lua-api.md). */
#ifndef SB_REPORT_PROBES_LUA_H
#define SB_REPORT_PROBES_LUA_H

#include <lua.h>

/* A luahost section: adds to the `sb` table at sb_index sb.probes, callable as sb.probes(test,
 * {monitor =, link =, from =, to = [, each =]}) for a test's records, with sb.probes.tests() (the
 * records the probe modules declare), sb.probes.availability{test =, from =, to = [, monitor =,
 * link =]} and sb.probes.heatmap{...} (per link, the rules of base/avail.h). They read the env's
 * store and modules (an error when there is none). */
void sb_lua_open_probes(lua_State *L, int sb_index);

#endif
