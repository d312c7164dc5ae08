/* luahost.c - the Lua 5.4 host: a capped state per run, the base `sb` library, tracebacks. */
#include "config.h"

#include "lua/luahost.h"

#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/stats.h"
#include "base/timeutil.h"

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
} sb_lua_host;

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
	if (s == NULL) {
		lua_pushnil(L);
		return 1;
	}
	sb_setting_value v;
	if (sb_settings_value(s, key, &v) != SB_OK) {
		const char *free_form = sb_settings_get(s, key);
		if (free_form != NULL)
			lua_pushstring(L, free_form);
		else
			lua_pushnil(L);
		return 1;
	}
	if (v.secret)
		return luaL_error(L, "sb.setting: %s is secret and is not given to scripts", key);
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

static const luaL_Reg sb_lua_stats[] = {
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
	luaL_openlibs(L);
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

	lua_State *L = lua_newstate(sb_lua_alloc, &h);
	if (L == NULL)
		return sb_err_set(err, SB_ENOMEM, "%s: cannot create a Lua state", path);
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
	return rc;
}
