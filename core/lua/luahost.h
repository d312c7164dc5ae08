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
	int trusted;        /* 1: full Lua, as with LUA_TRUSTED=yes (s->lua_trusted) */
	double timeout;     /* seconds the run may take (0: no limit); named by timeout_name */
	const char *timeout_name; /* the setting behind timeout, for the message (REPORT_TIMEOUT) */
	/* monitors whose probe records sb.probes and whose alerts sb.alerts leave out (a
	 * dashboard account may not see them), sorted ascending; NULL: none */
	const int64_t *hidden_monitors;
	size_t nhidden_monitors;
} sb_lua_env;

/* A library section: adds its functions to the `sb` table at stack index sb_index. */
typedef void (*sb_lua_section)(lua_State *L, int sb_index);

/* Runs the Lua file path in a new state with the standard libraries, the base `sb` functions
 * (sb.log, sb.setting, sb.date helpers, sb.version) and the given sections. The script's return
 * values are left for `collect` (may be NULL), called before the state is closed; collect returns
 * SB_OK or an error code (it fills err). args (NULL-terminated, may be NULL) become the global
 * table `arg`. Returns SB_OK, or SB_ELUA with err = "file:line: message\ntraceback", or the code
 * and message of the service failure that made the script fail (sb_lua_service_error).
 *
 * The sandbox (unless env->trusted or LUA_TRUSTED=yes): the libraries are base (without dofile
 * and loadfile; load reads text chunks only), string (without dump), table, math, utf8,
 * coroutine; os with clock, date, difftime, time and getenv (settings only, never a secret:
 * sb_settings_secret); io with read, write, lines, open, close, type and the standard streams,
 * where a named file may be read only under the readable folders (the script's own, the
 * scripts folder, REPORTS_SCRIPTS and those sections add) and written only under the writable
 * ones (sb_lua_allow_dir); debug with getinfo (no function values) and traceback; require finds
 * Lua files of the readable folders only, never C modules. With env->timeout, a count hook ends
 * the run once the time is over (a Lua error no pcall can keep going), and so does
 * sb_lua_interrupt. The docs are docs/lua-api.md, "The sandbox". */
int sb_lua_run(const sb_lua_env *env, const char *path, const sb_lua_section *sections,
	       size_t nsections, const char *const *args,
	       int (*collect)(lua_State *L, void *ctx, sb_err *err), void *ctx, sb_err *err);

/* Raises a Lua error for a failure of a service the engine gives scripts (the store not
 * answering, a database error): not a fault of the script. The failure is recorded as the run's
 * cause (the first recorded wins): when the run then fails, err gets code and this message alone,
 * with no Lua position or traceback. The message is also the Lua error's, so a script may still
 * catch it with pcall. Never returns. */
int sb_lua_service_error(lua_State *L, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The env of the running state (for section functions). */
const sb_lua_env *sb_lua_env_of(lua_State *L);

/* 1 when env (may be NULL) leaves monitor out of what the script sees (hidden_monitors). */
int sb_lua_env_hides(const sb_lua_env *env, int64_t monitor);

struct sb_forecast;
/* Pushes a fitted line (base/forecast.h) as scripts see it: {days, slope, r2, status, from, to,
 * start, last, cross} (docs/lua-api.md, sb.stats.forecast). [-0, +1] */
void sb_lua_push_forecast(lua_State *L, const struct sb_forecast *f);

/* Calls the function at the top of the stack (below its nargs arguments) with a traceback
 * handler. On error returns SB_ELUA and fills err with the message and traceback, or, when a
 * service failure was recorded (sb_lua_service_error), returns its code with its message. */
int sb_lua_pcall(lua_State *L, int nargs, int nresults, sb_err *err);

/* For sections: lets the running script read files under dir, and write them when write is 1
 * (sb.output_file, sb.xlsx.workbook, io.open). dir is made absolute against the current
 * folder; it need not exist yet. */
void sb_lua_allow_dir(lua_State *L, const char *dir, int write);

/* For sections: prepends the templates ("dir/?.lua;dir2/?.lua") to package.path and lets the
 * script read their folders. */
void sb_lua_add_path(lua_State *L, const char *templates);

/* SB_OK when the running script may read (write 0) or write (write 1) path: always in a trusted
 * run; in the sandbox, when path (with symbolic links resolved, and without a ".." component)
 * lies under a folder allowed for that. Otherwise SB_EINVAL with err saying why. */
int sb_lua_check_path(lua_State *L, const char *path, int write, sb_err *err);

/* 1 when the running script is sandboxed. */
int sb_lua_sandboxed(lua_State *L);

/* Async-signal-safe: makes every run in this process end at its next Lua instruction count, as
 * if its timeout were over (for a process-level limit: a SIGALRM handler calls it). */
void sb_lua_interrupt(void);

#endif
