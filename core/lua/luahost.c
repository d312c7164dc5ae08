/* luahost.c - the Lua 5.4 host: a capped state per run, the base `sb` library, tracebacks. */
#include "config.h"

#include "lua/luahost.h"

#include <errno.h>
#include <lauxlib.h>
#include <libgen.h>
#include <limits.h>
#include <lualib.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/forecast.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/period.h"
#include "base/stats.h"
#include "base/timeutil.h"

/* Folders a run may read or write (each kept as written and, when it exists, resolved). */
#define SB_LUA_DIRS 16
/* The count hook runs every this many Lua instructions. */
#define SB_LUA_HOOK_COUNT 10000

/* One run: the allocator's ud, so any lua_State of the run finds it with lua_getallocf. */
typedef struct sb_lua_host {
	size_t used; /* bytes held by the state */
	const sb_lua_env *env;
	const char *path;
	char who[64]; /* script base name, for sb.log */
	const sb_lua_section *sections;
	size_t nsections;
	const char *const *args;
	int (*collect)(lua_State *L, void *ctx, sb_err *err);
	void *collect_ctx;
	sb_err *collect_err;
	int collect_rc;
	int trusted;                  /* full Lua: no sandbox */
	char *read_dirs[SB_LUA_DIRS]; /* absolute, clean */
	size_t nread;
	char *write_dirs[SB_LUA_DIRS];
	size_t nwrite;
	double deadline; /* sb_time_mono() when the run is over; 0: never */
	int expired;     /* the deadline passed, or sb_lua_interrupt was called */
	sb_err cause;    /* a service failure behind the script's error (sb_lua_service_error) */
} sb_lua_host;

/* Set by sb_lua_interrupt (a signal handler). */
static volatile sig_atomic_t sb_lua_interrupted;

/* The allocator: realloc with a running total; a request that would pass SB_LUA_MEM_MAX fails,
 * which Lua turns into a "not enough memory" error. */
static void *sb_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	sb_lua_host *h = ud;
	size_t old = ptr != NULL ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		h->used -= old;
		return NULL;
	}
	if (nsize > old &&
	    (nsize - old > SB_LUA_MEM_MAX || h->used + (nsize - old) > SB_LUA_MEM_MAX))
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	h->used = h->used - old + nsize;
	return p;
}

static sb_lua_host *sb_lua_host_of(lua_State *L)
{
	void *ud = NULL;
	lua_getallocf(L, &ud);
	return ud;
}

const sb_lua_env *sb_lua_env_of(lua_State *L)
{
	return sb_lua_host_of(L)->env;
}

int sb_lua_env_hides(const sb_lua_env *env, int64_t monitor)
{
	if (env == NULL || env->nhidden_monitors == 0)
		return 0;
	size_t lo = 0, hi = env->nhidden_monitors;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (env->hidden_monitors[mid] < monitor)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < env->nhidden_monitors && env->hidden_monitors[lo] == monitor;
}

int sb_lua_service_error(lua_State *L, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *msg = lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	sb_err_set(&sb_lua_host_of(L)->cause, code != SB_OK ? code : SB_ELUA, "%s", msg);
	luaL_where(L, 1);
	lua_insert(L, -2);
	lua_concat(L, 2);
	return lua_error(L);
}

/* 1 if the first line of msg holds "something:<digits>:", the position Lua puts on errors. */
static int sb_lua_has_position(const char *msg)
{
	for (const char *p = msg; *p != '\0' && *p != '\n'; p++) {
		if (*p != ':' || p == msg)
			continue;
		const char *q = p + 1;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1 && *q == ':')
			return 1;
	}
	return 0;
}

/* The message handler: makes the message a string, puts the position of the innermost Lua
 * function in front when the message has none, and appends the traceback. */
static int sb_lua_msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
					      luaL_typename(L, 1));
	}
	if (!sb_lua_has_position(msg)) {
		lua_Debug ar;
		for (int level = 1; lua_getstack(L, level, &ar); level++) {
			if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
				msg = lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline,
						      msg);
				break;
			}
		}
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int sb_lua_pcall(lua_State *L, int nargs, int nresults, sb_err *err)
{
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, sb_lua_msgh);
	lua_insert(L, base);
	int rc = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	if (rc == LUA_OK)
		return SB_OK;
	const char *msg = lua_tostring(L, -1);
	sb_lua_host *hh = sb_lua_host_of(L);
	if (hh->deadline > 0 && (sb_lua_interrupted || sb_time_mono() >= hh->deadline))
		hh->expired = 1;
	if (hh->expired) {
		const char *name = hh->env != NULL && hh->env->timeout_name != NULL
					   ? hh->env->timeout_name
					   : "the time limit";
		sb_err_set(err, SB_ELUA, "%s: stopped: the run took longer than %s allows (%.0f s)",
			   hh->path != NULL ? hh->path : "lua", name,
			   hh->env != NULL ? hh->env->timeout : 0.0);
		lua_pop(L, 1);
		return SB_ELUA;
	}
	if (hh->cause.code != SB_OK && rc != LUA_ERRMEM) {
		int code = hh->cause.code;
		sb_err_set(err, code, "%s", hh->cause.msg);
		lua_pop(L, 1);
		return code;
	}
	if (rc == LUA_ERRMEM) {
		const sb_lua_host *h = sb_lua_host_of(L);
		sb_err_set(err, SB_ELUA, "%s: not enough memory (scripts may use at most %zu MiB)",
			   h->path != NULL ? h->path : "lua", SB_LUA_MEM_MAX >> 20);
	} else {
		sb_err_set(err, SB_ELUA, "%s",
			   msg != NULL ? msg : "(error object is not a string)");
	}
	lua_pop(L, 1);
	return SB_ELUA;
}

/* ---- the sandbox: folders ---- */

/* path made absolute (against the current folder) with its symbolic links and ".." resolved:
 * realpath() of its longest existing head, and the rest of it appended, which may not hold "."
 * or "..". NULL when that is not possible. Caller frees. */
static char *sb_lua_resolve(const char *path)
{
	char *abs;
	if (path[0] == '/') {
		abs = sb_xstrdup(path);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		abs = sb_fs_join(cwd, path);
	}
	char *real = realpath(abs, NULL);
	size_t cut = strlen(abs);
	while (real == NULL && cut > 0) {
		while (cut > 0 && abs[cut - 1] != '/')
			cut--; /* the head ends before the last name not yet tried */
		const char *rest = abs + cut;
		for (const char *p = rest; *p != '\0';) {
			size_t len = strcspn(p, "/");
			if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
				free(abs);
				return NULL;
			}
			p += len + (p[len] == '/');
		}
		while (cut > 1 && abs[cut - 1] == '/')
			cut--;
		char save = abs[cut];
		abs[cut] = '\0';
		char *head = realpath(cut > 0 ? abs : "/", NULL);
		abs[cut] = save;
		if (head != NULL) {
			real = sb_fs_join(head, rest);
			free(head);
			break;
		}
		if (cut <= 1)
			break;
	}
	free(abs);
	return real;
}

/* 1 when path is dir or lies under it. */
static int sb_lua_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void sb_lua_host_allow(sb_lua_host *h, const char *dir, int write)
{
	char *real = sb_lua_resolve(dir);
	char **v = write ? h->write_dirs : h->read_dirs;
	size_t *n = write ? &h->nwrite : &h->nread;
	if (real != NULL && *n < SB_LUA_DIRS)
		v[(*n)++] = real;
	else
		free(real);
}

/* The folders every run may read: the script's own, the scripts folder, REPORTS_SCRIPTS. */
static void sb_lua_host_dirs(sb_lua_host *h, const char *path)
{
	char *copy = sb_xstrdup(path);
	sb_lua_host_allow(h, dirname(copy), 0);
	free(copy);
	const sb_settings *s = h->env->s;
	if (s == NULL)
		return;
	char *scripts = sb_settings_scripts_dir(s);
	sb_lua_host_allow(h, scripts, 0);
	free(scripts);
	if (s->reports_scripts != NULL) {
		char *mine = s->reports_scripts[0] == '/' || s->root == NULL
				     ? sb_xstrdup(s->reports_scripts)
				     : sb_fs_join(s->root, s->reports_scripts);
		sb_lua_host_allow(h, mine, 0);
		free(mine);
	}
}

static void sb_lua_host_free(sb_lua_host *h)
{
	for (size_t i = 0; i < h->nread; i++)
		free(h->read_dirs[i]);
	for (size_t i = 0; i < h->nwrite; i++)
		free(h->write_dirs[i]);
	h->nread = h->nwrite = 0;
}

void sb_lua_allow_dir(lua_State *L, const char *dir, int write)
{
	sb_lua_host_allow(sb_lua_host_of(L), dir, write);
}

void sb_lua_add_path(lua_State *L, const char *templates)
{
	for (const char *p = templates; *p != '\0';) {
		size_t len = strcspn(p, ";");
		char *t = sb_xmalloc(len + 1);
		memcpy(t, p, len);
		t[len] = '\0';
		char *q = strchr(t, '?');
		if (q != NULL) {
			*q = '\0';
			sb_lua_allow_dir(L, t, 0);
		}
		free(t);
		p += len + (p[len] == ';');
	}
	if (lua_getglobal(L, "package") == LUA_TTABLE) {
		lua_getfield(L, -1, "path");
		lua_pushfstring(L, "%s;%s", templates, lua_tostring(L, -1));
		lua_setfield(L, -3, "path");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

int sb_lua_sandboxed(lua_State *L)
{
	return !sb_lua_host_of(L)->trusted;
}

int sb_lua_check_path(lua_State *L, const char *path, int write, sb_err *err)
{
	const sb_lua_host *h = sb_lua_host_of(L);
	if (h->trusted)
		return SB_OK;
	char *real = sb_lua_resolve(path);
	if (real == NULL)
		return sb_err_set(err, SB_EINVAL,
				  "%s: \".\" or \"..\" in a folder that does not exist is refused "
				  "to scripts",
				  path);
	int ok = 0;
	for (size_t i = 0; i < h->nwrite && !ok; i++)
		ok = sb_lua_under(real, h->write_dirs[i]);
	for (size_t i = 0; !write && i < h->nread && !ok; i++)
		ok = sb_lua_under(real, h->read_dirs[i]);
	free(real);
	if (ok)
		return SB_OK;
	return sb_err_set(
		err, SB_EINVAL,
		write ? "%s: scripts write only into their output folder (LUA_TRUSTED=yes "
			"lifts this)"
		      : "%s: scripts read only the script folders and their output "
			"(LUA_TRUSTED=yes lifts this)",
		path);
}

/* ---- the sandbox: libraries ---- */

/* load(chunk [, name [, mode [, env]]]) reading text only: a binary chunk can crash the state.
 * The original load is upvalue 1. */
static int sb_safe_load(lua_State *L)
{
	int n = lua_gettop(L);
	if (n < 3)
		lua_settop(L, 3);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* os.getenv(name): the settings' own variables, never a secret. */
static int sb_safe_getenv(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const char *v = NULL;
	if (!sb_settings_secret(name) && sb_settings_known(name))
		v = getenv(name);
	if (v != NULL)
		lua_pushstring(L, v);
	else
		lua_pushnil(L);
	return 1;
}

/* io.open(path [, mode]) in the allowed folders; the original is upvalue 1. */
static int sb_safe_io_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	const char *mode = luaL_optstring(L, 2, "r");
	sb_err err = {0};
	if (sb_lua_check_path(L, path, strpbrk(mode, "wa+") != NULL, &err) != SB_OK) {
		luaL_pushfail(L);
		lua_pushstring(L, err.msg);
		lua_pushinteger(L, EACCES);
		return 3;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* io.lines([path, ...]): a named file in the readable folders; the original is upvalue 1. */
static int sb_safe_io_lines(lua_State *L)
{
	if (!lua_isnoneornil(L, 1)) {
		sb_err err = {0};
		if (sb_lua_check_path(L, luaL_checkstring(L, 1), 0, &err) != SB_OK)
			return luaL_error(L, "%s", err.msg);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* debug.getinfo([thread,] f [, what]) without 'f' and 'L' (no function or line table handed
 * out: the functions up the stack include the host's own). The original is upvalue 1. */
static int sb_safe_getinfo(lua_State *L)
{
	int arg = lua_type(L, 1) == LUA_TTHREAD ? 3 : 2;
	const char *what = luaL_optstring(L, arg, "lnSrtu");
	char clean[32];
	size_t n = 0;
	for (const char *p = what; *p != '\0' && n < sizeof(clean) - 1; p++)
		if (*p != 'f' && *p != 'L' && *p != '>')
			clean[n++] = *p;
	clean[n] = '\0';
	lua_settop(L, arg);
	lua_pushstring(L, clean);
	lua_replace(L, arg);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, arg, LUA_MULTRET);
	return lua_gettop(L);
}

/* The require searcher of the sandbox: package.path's templates, a file used only when it lies
 * in the readable folders; text chunks only. The package table is upvalue 1. */
static int sb_safe_searcher(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	lua_getfield(L, lua_upvalueindex(1), "path");
	const char *path = lua_tostring(L, -1);
	if (path == NULL)
		return luaL_error(L, "package.path must be a string");
	const char *mod = luaL_gsub(L, name, ".", "/");
	luaL_Buffer tried;
	luaL_buffinit(L, &tried);
	for (const char *p = path; *p != '\0';) {
		size_t len = strcspn(p, ";");
		lua_pushlstring(L, p, len);
		const char *file = luaL_gsub(L, lua_tostring(L, -1), "?", mod);
		sb_err err = {0};
		if (len > 0 && sb_lua_check_path(L, file, 0, &err) == SB_OK &&
		    access(file, R_OK) == 0) {
			if (luaL_loadfilex(L, file, "t") != LUA_OK)
				return luaL_error(L,
						  "error loading module '%s' from file '%s':\n\t%s",
						  name, file, lua_tostring(L, -1));
			lua_pushstring(L, file);
			return 2;
		}
		lua_pop(L, 2);
		if (len > 0) {
			lua_pushfstring(L, "\n\tno file '%s'", file);
			luaL_addvalue(&tried);
		}
		p += len + (p[len] == ';');
	}
	luaL_pushresult(&tried);
	return 1;
}

/* Replaces field name of the global table and of package.loaded with the table on top. */
static void sb_lua_set_lib(lua_State *L, const char *name)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
	lua_setglobal(L, name);
}

/* Copies the fields names of the table at src into the table on top. */
static void sb_lua_copy(lua_State *L, int src, const char *const *names)
{
	for (; *names != NULL; names++) {
		lua_getfield(L, src, *names);
		lua_setfield(L, -2, *names);
	}
}

/* Pushes a closure of fn over field name of the table at src. */
static void sb_lua_wrap(lua_State *L, int src, const char *name, lua_CFunction fn)
{
	lua_getfield(L, src, name);
	lua_pushcclosure(L, fn, 1);
}

/* Opens the sandbox's libraries (see luahost.h). Runs under lua_pcall. */
static void sb_lua_open_sandbox(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},          {LUA_LOADLIBNAME, luaopen_package},
		{LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_IOLIBNAME, luaopen_io},        {LUA_OSLIBNAME, luaopen_os},
		{LUA_STRLIBNAME, luaopen_string},   {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8},    {LUA_DBLIBNAME, luaopen_debug},
	};
	for (size_t i = 0; i < SB_ARRAY_SIZE(libs); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	int top = lua_gettop(L);
	/* base: no file loading, text chunks only */
	lua_pushglobaltable(L);
	lua_pushnil(L);
	lua_setfield(L, -2, "dofile");
	lua_pushnil(L);
	lua_setfield(L, -2, "loadfile");
	sb_lua_wrap(L, -1, "load", sb_safe_load);
	lua_setfield(L, -2, "load");
	/* string: no dump */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	/* os: the clock and the calendar */
	static const char *const os_keep[] = {"clock", "date", "difftime", "time", NULL};
	int os = (lua_getglobal(L, LUA_OSLIBNAME), lua_gettop(L));
	lua_newtable(L);
	sb_lua_copy(L, os, os_keep);
	lua_pushcfunction(L, sb_safe_getenv);
	lua_setfield(L, -2, "getenv");
	sb_lua_set_lib(L, LUA_OSLIBNAME);
	/* io: the standard streams; named files in the allowed folders */
	static const char *const io_keep[] = {"close", "read",   "write",  "type",
					      "stdin", "stdout", "stderr", NULL};
	int io = (lua_getglobal(L, LUA_IOLIBNAME), lua_gettop(L));
	lua_newtable(L);
	sb_lua_copy(L, io, io_keep);
	sb_lua_wrap(L, io, "open", sb_safe_io_open);
	lua_setfield(L, -2, "open");
	sb_lua_wrap(L, io, "lines", sb_safe_io_lines);
	lua_setfield(L, -2, "lines");
	sb_lua_set_lib(L, LUA_IOLIBNAME);
	/* debug: where am I, and the traceback */
	int dbg = (lua_getglobal(L, LUA_DBLIBNAME), lua_gettop(L));
	lua_newtable(L);
	lua_getfield(L, dbg, "traceback");
	lua_setfield(L, -2, "traceback");
	sb_lua_wrap(L, dbg, "getinfo", sb_safe_getinfo);
	lua_setfield(L, -2, "getinfo");
	sb_lua_set_lib(L, LUA_DBLIBNAME);
	/* package: Lua files of the readable folders; no C module, no probing of other files */
	int pkg = (lua_getglobal(L, LUA_LOADLIBNAME), lua_gettop(L));
	lua_pushnil(L);
	lua_setfield(L, pkg, "loadlib");
	lua_pushnil(L);
	lua_setfield(L, pkg, "searchpath");
	lua_pushliteral(L, "");
	lua_setfield(L, pkg, "cpath");
	lua_pushliteral(L, ""); /* not Lua's usual places: the host and sections add folders */
	lua_setfield(L, pkg, "path");
	lua_createtable(L, 2, 0);
	lua_getfield(L, pkg, "searchers");
	lua_rawgeti(L, -1, 1); /* package.preload */
	lua_rawseti(L, -3, 1);
	lua_pop(L, 1);
	lua_pushvalue(L, pkg);
	lua_pushcclosure(L, sb_safe_searcher, 1);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, pkg, "searchers");
	lua_settop(L, top);
}

/* The count hook: once the run is over, every instruction raises, so no pcall keeps it going. */
static void sb_lua_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	sb_lua_host *h = sb_lua_host_of(L);
	if (!h->expired && !sb_lua_interrupted && sb_time_mono() < h->deadline)
		return;
	h->expired = 1;
	lua_sethook(L, sb_lua_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "the time limit is over");
}

void sb_lua_interrupt(void)
{
	sb_lua_interrupted = 1;
}

/* ---- base functions ---- */

/* sb.log(level, msg): level is "error", "warning", "info" or "debug". [-2, +0] */
static int sb_lua_log(lua_State *L)
{
	const char *level = luaL_checkstring(L, 1);
	const char *msg = luaL_checkstring(L, 2);
	sb_log_level lv;
	if (sb_log_level_parse(level, &lv) != SB_OK)
		return luaL_argerror(L, 1,
				     "expected \"error\", \"warning\", \"info\" or \"debug\"");
	sb_log(lv, sb_lua_host_of(L)->who, "%s", msg);
	return 0;
}

/* sb.setting(key): a known setting typed (string, integer, number, boolean; nil when unset),
 * else the free-form value of the environment or .env file, else nil. Secrets are refused. */
static int sb_lua_setting(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	const sb_settings *s = sb_lua_env_of(L)->s;
	if (sb_settings_secret(key))
		return luaL_error(L, "sb.setting: %s is secret and is not given to scripts", key);
	if (s == NULL) {
		lua_pushnil(L);
		return 1;
	}
	sb_setting_value v;
	if (sb_settings_value(s, key, &v) != SB_OK) {
		/* the sandbox sees the settings' own keys, not the whole environment */
		const char *free_form = sb_lua_sandboxed(L) && !sb_settings_known(key)
						? NULL
						: sb_settings_get(s, key);
		if (free_form != NULL)
			lua_pushstring(L, free_form);
		else
			lua_pushnil(L);
		return 1;
	}
	switch (v.type) {
	case SB_SETTING_STR:
		if (v.str != NULL)
			lua_pushstring(L, v.str);
		else
			lua_pushnil(L);
		break;
	case SB_SETTING_LONG:
		lua_pushinteger(L, (lua_Integer)v.l);
		break;
	case SB_SETTING_DOUBLE:
		lua_pushnumber(L, v.d);
		break;
	case SB_SETTING_BOOL:
		lua_pushboolean(L, v.b);
		break;
	}
	return 1;
}

static sb_date sb_lua_checkdate(lua_State *L, int arg)
{
	const char *s = luaL_checkstring(L, arg);
	sb_date d;
	if (sb_date_parse(s, &d) != SB_OK)
		luaL_argerror(L, arg,
			      lua_pushfstring(L, "expected a date YYYY-MM-DD, got \"%s\"", s));
	return d;
}

static void sb_lua_pushdate(lua_State *L, sb_date d)
{
	char buf[11];
	sb_date_format(d, buf);
	lua_pushstring(L, buf);
}

/* sb.today() -> "YYYY-MM-DD" in local time. [-0, +1] */
static int sb_lua_today(lua_State *L)
{
	sb_lua_pushdate(L, sb_date_today());
	return 1;
}

/* sb.date_add(d, n) -> the date n days after d (n may be negative). [-2, +1] */
static int sb_lua_date_add(lua_State *L)
{
	sb_date d = sb_lua_checkdate(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_argcheck(L, n >= -1000000 && n <= 1000000, 2, "at most a million days");
	sb_lua_pushdate(L, sb_date_add(d, (int)n));
	return 1;
}

/* sb.weekday(d) -> 1 (Monday) .. 7 (Sunday). [-1, +1] */
static int sb_lua_weekday(lua_State *L)
{
	lua_pushinteger(L, sb_date_weekday(sb_lua_checkdate(L, 1)));
	return 1;
}

/* sb.day_bounds(d) -> start, end: unix times of the local midnights starting d and d+1. [-1, +2] */
static int sb_lua_day_bounds(lua_State *L)
{
	int64_t start, end;
	sb_date_bounds(sb_lua_checkdate(L, 1), &start, &end);
	lua_pushinteger(L, (lua_Integer)start);
	lua_pushinteger(L, (lua_Integer)end);
	return 2;
}

/* sb.days_in(from, to) -> {from, ..., to}, every date of the range (empty if to < from). [-2, +1] */
static int sb_lua_days_in(lua_State *L)
{
	sb_date from = sb_lua_checkdate(L, 1);
	sb_date to = sb_lua_checkdate(L, 2);
	lua_newtable(L);
	lua_Integer i = 0;
	for (sb_date d = from; sb_date_cmp(d, to) <= 0; d = sb_date_add(d, 1)) {
		if (++i > 36600)
			return luaL_error(L, "sb.days_in: a range of more than 36600 days");
		sb_lua_pushdate(L, d);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

/* ---- sb.stats: the statistics of base/stats.h over a Lua list ---- */

/* The numbers of the list at arg, copied into a userdata left on the stack (collected with the
 * state, so an error frees it): integers into *iv when every entry is an integer, else doubles
 * into *dv. Returns the count. [-0, +1] */
static size_t sb_lua_numbers(lua_State *L, int arg, int64_t **iv, double **dv)
{
	luaL_checktype(L, arg, LUA_TTABLE);
	size_t n = (size_t)lua_rawlen(L, arg);
	luaL_argcheck(L, n <= (size_t)100000000, arg, "at most 100000000 numbers");
	int ints = 1;
	for (size_t i = 1; i <= n; i++) {
		int t = lua_rawgeti(L, arg, (lua_Integer)i);
		if (t != LUA_TNUMBER)
			luaL_argerror(L, arg,
				      lua_pushfstring(L, "entry %d is a %s, not a number", (int)i,
						      lua_typename(L, t)));
		double d = lua_tonumber(L, -1);
		if (isnan(d))
			luaL_argerror(L, arg, lua_pushfstring(L, "entry %d is NaN", (int)i));
		ints &= lua_isinteger(L, -1);
		lua_pop(L, 1);
	}
	void *buf = lua_newuserdatauv(L, (n > 0 ? n : 1) * sizeof(int64_t), 0);
	*iv = ints ? buf : NULL;
	*dv = ints ? NULL : buf;
	for (size_t i = 1; i <= n; i++) {
		lua_rawgeti(L, arg, (lua_Integer)i);
		if (ints)
			(*iv)[i - 1] = (int64_t)lua_tointeger(L, -1);
		else
			(*dv)[i - 1] = lua_tonumber(L, -1);
		lua_pop(L, 1);
	}
	return n;
}

/* sb.stats.median(list) -> the median of the numbers (the mean of the two middle ones for an
 * even count), nil for an empty list. The list is not changed. [-1, +1] */
static int sb_lua_median(lua_State *L)
{
	int64_t *iv;
	double *dv;
	size_t n = sb_lua_numbers(L, 1, &iv, &dv);
	if (n == 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, iv != NULL ? sb_stats_median_i64(iv, n)
					     : sb_stats_median_dbl(dv, n));
	return 1;
}

/* sb.stats.percentile(list, pct) -> the pct-th percentile (1..100) by the nearest rank: the
 * value at rank ceil(pct·n/100) of the sorted numbers (an integer when all are integers); nil
 * for an empty list. The list is not changed. [-2, +1] */
static int sb_lua_percentile(lua_State *L)
{
	lua_Integer pct = luaL_checkinteger(L, 2);
	luaL_argcheck(L, pct >= 1 && pct <= 100, 2, "expected a percentile 1..100");
	int64_t *iv;
	double *dv;
	size_t n = sb_lua_numbers(L, 1, &iv, &dv);
	if (n == 0)
		lua_pushnil(L);
	else if (iv != NULL)
		lua_pushinteger(L, (lua_Integer)sb_stats_percentile_i64(iv, n, (int)pct));
	else
		lua_pushnumber(L, sb_stats_percentile_dbl(dv, n, (int)pct));
	return 1;
}

/* sb.stats.rank(n, pct) -> the 1-based rank of the pct-th percentile among n samples. [-2, +1] */
static int sb_lua_rank(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1), pct = luaL_checkinteger(L, 2);
	luaL_argcheck(L, n >= 0 && n <= ((lua_Integer)1 << 40), 1, "expected a count >= 0");
	luaL_argcheck(L, pct >= 1 && pct <= 100, 2, "expected a percentile 1..100");
	lua_pushinteger(L, (lua_Integer)sb_stats_rank((int64_t)n, (int)pct));
	return 1;
}

/* The number field key of the table at idx if present (within [lo, hi]), else def. */
static double sb_lua_optfield(lua_State *L, int idx, const char *key, double def, double lo,
			      double hi)
{
	if (lua_isnoneornil(L, idx))
		return def;
	lua_getfield(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return def;
	}
	int isnum = 0;
	double v = lua_tonumberx(L, -1, &isnum);
	if (!isnum || !(v >= lo && v <= hi))
		luaL_argerror(L, idx,
			      lua_pushfstring(L, "%s: expected a number from %f to %f", key, lo,
					      hi));
	lua_pop(L, 1);
	return v;
}

void sb_lua_push_forecast(lua_State *L, const sb_forecast *f)
{
	lua_createtable(L, 0, 9);
	lua_pushinteger(L, (lua_Integer)f->n);
	lua_setfield(L, -2, "days");
	lua_pushnumber(L, f->slope);
	lua_setfield(L, -2, "slope");
	lua_pushnumber(L, f->r2);
	lua_setfield(L, -2, "r2");
	lua_pushstring(L, sb_forecast_status_name(f->status));
	lua_setfield(L, -2, "status");
	if (f->n == 0)
		return;
	sb_date epoch = {1970, 1, 1};
	sb_lua_pushdate(L, sb_date_add(epoch, (int)f->first));
	lua_setfield(L, -2, "from");
	sb_lua_pushdate(L, sb_date_add(epoch, (int)f->last));
	lua_setfield(L, -2, "to");
	lua_pushnumber(L, f->intercept + f->slope * f->first);
	lua_setfield(L, -2, "start");
	lua_pushnumber(L, f->at_last);
	lua_setfield(L, -2, "last");
	if (f->status == SB_FORECAST_DATE) {
		sb_lua_pushdate(L, sb_date_add(epoch, (int)ceil(f->cross)));
		lua_setfield(L, -2, "cross");
	}
}

/* sb.stats.forecast(dates, values, limit [, {min_days=, min_r2=, horizon=}]) -> the least-squares
 * line of values over dates (base/forecast.h; the rules default to the FORECAST_* settings):
 * {days=, slope= (per day), r2=, from=, to=, start= (the line at from), last= (at to),
 * status= "few"|"weak"|"above"|"flat"|"far"|"date", cross= the first day the line reaches limit
 * (status "date" only)}. [-4, +1] */
static int sb_lua_forecast(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	double limit = luaL_checknumber(L, 3);
	if (!lua_isnoneornil(L, 4))
		luaL_checktype(L, 4, LUA_TTABLE);
	lua_settop(L, 4); /* the buffers go above the arguments */
	size_t n = (size_t)lua_rawlen(L, 1);
	luaL_argcheck(L, n <= 100000, 1, "at most 100000 days");
	int64_t *iv;
	double *y;
	luaL_argcheck(L, sb_lua_numbers(L, 2, &iv, &y) == n, 2, "as many values as dates");
	double *x =
		lua_newuserdatauv(L, (n > 0 ? n : 1) * sizeof(double) * (iv != NULL ? 2 : 1), 0);
	if (iv != NULL) {
		/* integer values: the same numbers as doubles */
		y = x + n;
		for (size_t i = 0; i < n; i++)
			y[i] = (double)iv[i];
	}
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		const char *ds = lua_tostring(L, -1);
		sb_date d;
		if (ds == NULL || sb_date_parse(ds, &d) != SB_OK)
			return luaL_argerror(L, 1,
					     lua_pushfstring(L,
							     "entry %d: expected a date YYYY-MM-DD",
							     (int)i + 1));
		x[i] = (double)sb_period_daynum(d);
		lua_pop(L, 1);
	}
	sb_forecast_rules r = sb_forecast_rules_of(sb_lua_env_of(L)->s);
	r.min_days = (size_t)sb_lua_optfield(L, 4, "min_days", (double)r.min_days, 0, 1e6);
	r.min_r2 = sb_lua_optfield(L, 4, "min_r2", r.min_r2, 0, 1);
	r.horizon = sb_lua_optfield(L, 4, "horizon", r.horizon, 0, 1e6);
	sb_forecast f;
	sb_forecast_fit(x, y, n, limit, &r, &f);
	sb_lua_push_forecast(L, &f);
	return 1;
}

static const luaL_Reg sb_lua_stats[] = {
	{"forecast", sb_lua_forecast},
	{"median", sb_lua_median},
	{"percentile", sb_lua_percentile},
	{"rank", sb_lua_rank},
	{NULL, NULL},
};

static const luaL_Reg sb_lua_base[] = {
	{"log", sb_lua_log},         {"setting", sb_lua_setting},
	{"today", sb_lua_today},     {"date_add", sb_lua_date_add},
	{"weekday", sb_lua_weekday}, {"day_bounds", sb_lua_day_bounds},
	{"days_in", sb_lua_days_in}, {NULL, NULL},
};

/* ---- the run ---- */

/* Prepends "<dir>/?.lua;<dir>/lib/?.lua;" to package.path, dir being the script's folder. */
static void sb_lua_set_path(lua_State *L, const char *path)
{
	const char *slash = strrchr(path, '/');
	lua_getglobal(L, "package");
	if (slash == NULL)
		lua_pushstring(L, ".");
	else if (slash == path)
		lua_pushstring(L, "");
	else
		lua_pushlstring(L, path, (size_t)(slash - path));
	const char *dir = lua_tostring(L, -1);
	lua_getfield(L, -2, "path");
	lua_pushfstring(L, "%s/?.lua;%s/lib/?.lua;%s", dir, dir, lua_tostring(L, -1));
	lua_setfield(L, -4, "path");
	lua_pop(L, 3);
}

/* Runs under lua_pcall: libraries, the sb table and its sections, arg, package.path; returns
 * the script's chunk followed by its arguments. [-1, +1+#args] */
static int sb_lua_setup(lua_State *L)
{
	sb_lua_host *h = lua_touserdata(L, 1);
	lua_pop(L, 1);
	if (h->trusted)
		luaL_openlibs(L);
	else
		sb_lua_open_sandbox(L);
	luaL_newlib(L, sb_lua_base);
	int sb_index = lua_gettop(L);
	lua_pushstring(L, PACKAGE_VERSION);
	lua_setfield(L, sb_index, "version");
	luaL_newlib(L, sb_lua_stats);
	lua_setfield(L, sb_index, "stats");
	for (size_t i = 0; i < h->nsections; i++) {
		h->sections[i](L, sb_index);
		lua_settop(L, sb_index);
	}
	/* `require "sb"` returns the same table */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, sb_index);
	lua_setfield(L, -2, "sb");
	lua_pop(L, 1);
	lua_setglobal(L, "sb");

	lua_newtable(L);
	lua_pushstring(L, h->path);
	lua_rawseti(L, -2, 0);
	for (lua_Integer i = 0; h->args != NULL && h->args[i] != NULL; i++) {
		lua_pushstring(L, h->args[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	sb_lua_set_path(L, h->path);

	if (luaL_loadfilex(L, h->path, "t") != LUA_OK)
		return lua_error(L);
	int n = 0;
	for (; h->args != NULL && h->args[n] != NULL; n++)
		lua_pushstring(L, h->args[n]);
	return 1 + n;
}

/* Runs the command's collect under lua_pcall, with the script's results as the only stack values. */
static int sb_lua_collect(lua_State *L)
{
	sb_lua_host *h = sb_lua_host_of(L);
	h->collect_rc = h->collect(L, h->collect_ctx, h->collect_err);
	return 0;
}

int sb_lua_run(const sb_lua_env *env, const char *path, const sb_lua_section *sections,
	       size_t nsections, const char *const *args,
	       int (*collect)(lua_State *L, void *ctx, sb_err *err), void *ctx, sb_err *err)
{
	sb_lua_host h = {
		.env = env,
		.path = path,
		.sections = sections,
		.nsections = nsections,
		.args = args,
		.collect = collect,
		.collect_ctx = ctx,
		.collect_err = err,
		.collect_rc = SB_OK,
	};
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	size_t n = strcspn(base, ".");
	if (n >= sizeof(h.who))
		n = sizeof(h.who) - 1;
	memcpy(h.who, base, n);
	h.who[n] = '\0';

	h.trusted = env->trusted || (env->s != NULL && env->s->lua_trusted);
	sb_lua_host_dirs(&h, path);
	lua_State *L = lua_newstate(sb_lua_alloc, &h);
	if (L == NULL) {
		sb_lua_host_free(&h);
		return sb_err_set(err, SB_ENOMEM, "%s: cannot create a Lua state", path);
	}
	if (env->timeout > 0) {
		h.deadline = sb_time_mono() + env->timeout;
		lua_sethook(L, sb_lua_hook, LUA_MASKCOUNT, SB_LUA_HOOK_COUNT);
	}
	/* Nothing that allocates runs outside lua_pcall (a memory error there would be a panic):
	 * light C functions and light userdata only. Stack: collect, setup, &h. */
	lua_pushcfunction(L, sb_lua_collect);
	lua_pushcfunction(L, sb_lua_setup);
	lua_pushlightuserdata(L, &h);
	int rc = sb_lua_pcall(L, 1, LUA_MULTRET, err);
	if (rc == SB_OK) /* collect, chunk, args... */
		rc = sb_lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, err);
	if (rc == SB_OK && collect != NULL) { /* collect, results... */
		rc = sb_lua_pcall(L, lua_gettop(L) - 1, 0, err);
		if (rc == SB_OK)
			rc = h.collect_rc;
	}
	lua_close(L);
	sb_lua_host_free(&h);
	return rc;
}
