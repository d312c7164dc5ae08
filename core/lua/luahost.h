/* luahost.h - the Lua 5.4 host: one lua_State per script run, the `sb` library, tracebacks.
 *
 * A command builds an sb_lua_env, picks the library sections it wants (reports, scraping...) and
 * runs one script. Every call into Lua goes through lua_pcall with a traceback handler, so a script
 * error comes back as SB_ELUA with "file:line: message" and the traceback in err. The allocator
 * is capped (SB_LUA_MEM_MAX), so a runaway script fails cleanly instead of eating the box. */
#ifndef SB_LUA_LUAHOST_H
#define SB_LUA_LUAHOST_H

#include <lua.h>

#include "base/sb.h"
#include "base/settings.h"
#include "plugin/module.h"
#include "store/store.h"

#define SB_LUA_MEM_MAX ((size_t)1 << 30)

/* What scripts can reach. Borrowed pointers; they must outlive the run. */
typedef struct sb_lua_env {
	const sb_settings *s;
	sb_store *store;    /* NULL if the script needs none (sections check) */
	sb_modules *mods;   /* loaded modules (layer schemas), may be NULL */
	const char *script; /* path of the script being run */
	void *user;         /* extra context of the command */
} sb_lua_env;

/* A library section: adds its functions to the `sb` table at stack index sb_index. */
typedef void (*sb_lua_section)(lua_State *L, int sb_index);

/* Runs the Lua file path in a new state with the standard libraries, the base `sb` functions
 * (sb.log, sb.setting, sb.date helpers, sb.version) and the given sections. The script's return
 * values are left for `collect` (may be NULL), called before the state is closed; collect returns
 * SB_OK or an error code (it fills err). args (NULL-terminated, may be NULL) become the global
 * table `arg`. Returns SB_OK, or SB_ELUA with err = "file:line: message\ntraceback". */
int sb_lua_run(const sb_lua_env *env, const char *path, const sb_lua_section *sections,
	       size_t nsections, const char *const *args,
	       int (*collect)(lua_State *L, void *ctx, sb_err *err), void *ctx, sb_err *err);

/* The env of the running state (for section functions). */
const sb_lua_env *sb_lua_env_of(lua_State *L);

/* Calls the function at the top of the stack (below its nargs arguments) with a traceback
 * handler. On error returns SB_ELUA and fills err with the message and traceback. */
int sb_lua_pcall(lua_State *L, int nargs, int nresults, sb_err *err);

#endif
