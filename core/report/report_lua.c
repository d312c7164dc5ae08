/* report_lua.c - the sb.store / sb.period / sb.report / sb.output_file Lua functions of reports. */
#include "config.h"

#include "report/report_lua.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "base/forecast.h"
#include "base/fsutil.h"
#include "base/period.h"
#include "base/sb.h"
#include "base/stats.h"
#include "base/timeutil.h"
#include "lua/luahost.h"
#include "plugin/module.h"
#include "store/alerthist.h"
#include "store/store.h"
#include "store/trend.h"

#define SB_REP_OUTPUTS "sb.report.outputs"
#define SB_REP_KEPT "sb.report.kept"     /* outputs not written: the file there was kept */
#define SB_REP_PERIOD "sb.report.period" /* the period of the run, for footers */
#define SB_REP_NAME "sb.report.name"     /* the report's name, for footers */
#define SB_REP_FILE "sb.output_file"

/* ---- outputs ---- */

void sb_lua_note_output(lua_State *L, const char *path)
{
	sb_lua_push_outputs(L);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_pop(L, 1);
}

/* Pushes the array at registry key, made when missing. */
static void sb_rep_push_list(lua_State *L, const char *key)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, key);
	}
}

void sb_lua_push_outputs(lua_State *L)
{
	sb_rep_push_list(L, SB_REP_OUTPUTS);
}

void sb_lua_push_kept(lua_State *L)
{
	sb_rep_push_list(L, SB_REP_KEPT);
}

/* The report context of the run, or NULL outside a report run (registry.h: the env's user pointer
 * is then an sb_report_ctx). */
static sb_report_ctx *sb_rep_run(lua_State *L)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	return env != NULL ? env->user : NULL;
}

int sb_report_ctx_empty(const sb_report_ctx *ctx)
{
	return ctx->queries > 0 && ctx->rows == 0;
}

void sb_lua_report_read(lua_State *L, size_t rows)
{
	sb_report_ctx *c = sb_rep_run(L);
	if (c == NULL)
		return;
	c->queries++;
	c->rows += rows;
}

int sb_lua_output_kept(lua_State *L, const char *path)
{
	const sb_report_ctx *c = sb_rep_run(L);
	struct stat sb;
	if (c == NULL || c->force || !sb_report_ctx_empty(c) || stat(path, &sb) != 0)
		return 0;
	sb_lua_push_kept(L);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_pop(L, 1);
	return 1;
}

/* An output file written atomically: sb.output_file(path) -> f; f:write(...), f:close(),
 * f:discard(). Collected or left by `<close>` while open, it is discarded. */
typedef struct sb_rep_file {
	sb_fs_atomic a;
	int open;
} sb_rep_file;

static sb_rep_file *sb_rep_check_file(lua_State *L)
{
	sb_rep_file *f = luaL_checkudata(L, 1, SB_REP_FILE);
	if (!f->open)
		luaL_error(L, "output file already closed or discarded");
	return f;
}

static int sb_rep_file_new(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	sb_err err = {0};
	if (sb_lua_check_path(L, path, 1, &err) != SB_OK)
		return luaL_error(L, "output_file: %s", err.msg);
	sb_rep_file *f = lua_newuserdatauv(L, sizeof(*f), 0);
	memset(f, 0, sizeof(*f));
	luaL_setmetatable(L, SB_REP_FILE);
	if (sb_fs_atomic_open(&f->a, path, &err) != SB_OK)
		return luaL_error(L, "output_file: %s", err.msg);
	f->open = 1;
	return 1;
}

static int sb_rep_file_write(lua_State *L)
{
	sb_rep_file *f = sb_rep_check_file(L);
	for (int i = 2, n = lua_gettop(L); i <= n; i++) {
		size_t len;
		const char *s = luaL_checklstring(L, i, &len);
		if (len > 0 && fwrite(s, 1, len, f->a.f) != len)
			return luaL_error(L, "output_file: %s: %s", f->a.path, strerror(errno));
	}
	lua_settop(L, 1);
	return 1;
}

static int sb_rep_file_close(lua_State *L)
{
	sb_rep_file *f = sb_rep_check_file(L);
	f->open = 0;
	lua_pushstring(L, f->a.path); /* commit frees it */
	if (sb_lua_output_kept(L, lua_tostring(L, -1))) {
		sb_fs_atomic_abort(&f->a);
		return 1;
	}
	sb_err err = {0};
	if (sb_fs_atomic_commit(&f->a, &err) != SB_OK)
		return luaL_error(L, "output_file: %s", err.msg);
	sb_lua_note_output(L, lua_tostring(L, -1));
	return 1;
}

static int sb_rep_file_discard(lua_State *L)
{
	sb_rep_file *f = luaL_checkudata(L, 1, SB_REP_FILE);
	if (f->open)
		sb_fs_atomic_abort(&f->a);
	f->open = 0;
	return 0;
}

/* ---- store queries ---- */

/* The named arguments of the sb.store functions. */
typedef struct sb_rep_args {
	const char *layer, *name, *type, *from, *to;
	int each;  /* stack index of the each function, 0 if none */
	int reuse; /* summaries, history: each gets one table, refilled for every row */
	int pct;   /* history_stats: the percentile, 1..100 */
} sb_rep_args;

/* Reads the table at index 1 into a; allowed lists the keys this function takes. */
static void sb_rep_parse_args(lua_State *L, const char *fn, const char *const *allowed,
			      sb_rep_args *a)
{
	memset(a, 0, sizeof(*a));
	a->pct = 95;
	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "%s: argument names must be strings", fn);
		const char *k = lua_tostring(L, -2);
		int ok = 0;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(allowed[i], k) == 0;
		if (!ok)
			luaL_error(L, "%s: unknown argument \"%s\"", fn, k);
		lua_pop(L, 1);
	}
	const char **strs[] = {&a->layer, &a->name, &a->type, &a->from, &a->to};
	static const char *const keys[] = {"layer", "name", "type", "from", "to"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(keys); i++) {
		int t = lua_getfield(L, 1, keys[i]);
		if (t != LUA_TNIL && t != LUA_TSTRING)
			luaL_error(L, "%s: %s: expected a string, got %s", fn, keys[i],
				   lua_typename(L, t));
		*strs[i] = lua_tostring(L, -1); /* the table at index 1 keeps it alive */
		lua_pop(L, 1);
	}
	for (size_t i = 3; i < 5; i++) {
		sb_date d;
		if (*strs[i] != NULL && sb_date_parse(*strs[i], &d) != SB_OK)
			luaL_error(L, "%s: %s: expected a date YYYY-MM-DD, got \"%s\"", fn, keys[i],
				   *strs[i]);
	}
	if (lua_getfield(L, 1, "percentile") != LUA_TNIL) {
		lua_Integer p = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
		if (p < 1 || p > 100)
			luaL_error(L, "%s: percentile: expected an integer 1..100", fn);
		a->pct = (int)p;
	}
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "reuse") != LUA_TNIL) {
		if (!lua_isboolean(L, -1))
			luaL_error(L, "%s: reuse: expected a boolean, got %s", fn,
				   luaL_typename(L, -1));
		a->reuse = lua_toboolean(L, -1);
	}
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "each") != LUA_TNIL) {
		luaL_checktype(L, -1, LUA_TFUNCTION);
		a->each = lua_gettop(L); /* stays on the stack */
	} else {
		lua_pop(L, 1);
	}
	if (a->reuse && a->each == 0)
		luaL_error(L, "%s: reuse needs each (the list would hold one table many times)",
			   fn);
}

/* Registry key of the "a query is running" flag: a query started from inside another one's each
 * function would reuse the connection (and SQLite's cached statement) under it. */
static const char sb_rep_busy_key = 0;

static void sb_rep_set_busy(lua_State *L, int busy)
{
	lua_pushboolean(L, busy);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &sb_rep_busy_key);
}

/* The store of the run, marked busy until sb_rep_finish. */
static sb_store *sb_rep_store(lua_State *L, const char *fn)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->store == NULL)
		luaL_error(L, "%s: this run has no store", fn);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &sb_rep_busy_key);
	int busy = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (busy)
		luaL_error(L,
			   "%s: a query cannot start inside another query's each function "
			   "(collect the rows first)",
			   fn);
	return env->store;
}

static const sb_schema *sb_rep_schema(lua_State *L, const char *fn, const char *layer)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	if (layer == NULL)
		luaL_error(L, "%s: layer is required", fn);
	const sb_loaded_module *m = env != NULL ? sb_layer_find(env->mods, layer) : NULL;
	if (m != NULL)
		return m->def->schema;
	luaL_error(L, "%s: no layer module for \"%s\" (see scanbackup modules)", fn, layer);
	return NULL;
}

/* One query in progress. Rows are turned into Lua values inside lua_pcall (sb_rep_protect), so
 * a Lua error never unwinds through the store's C frames: it stops the query, which is then
 * re-raised once the store has returned. */
typedef struct sb_rep_query {
	lua_State *L;
	int target;      /* stack index: the result table, or the each function */
	lua_Integer n;   /* rows appended to the result */
	const void *row; /* the row being pushed */
	int lua_failed;  /* the Lua error is at the top of the stack */
	size_t rows;     /* rows handed to the script */
	int reused;      /* stack index of the table refilled for every row (reuse), 0: none */
	/* history_stats: the interface being accumulated */
	const sb_schema *schema;
	int pct;
	char *name, *type;
	double capacity;
	int64_t newest;    /* unix time of the newest sample (type and capacity come from it) */
	int64_t *in, *out; /* the 5-minute averages */
	size_t n_samples, cap;
	int64_t in_sum, out_sum, in_peak, out_peak;
	char last_date[11];
	int64_t *days;
	size_t n_days, days_cap;
} sb_rep_query;

/* Appends the value at the top of the stack to the result or hands it to each (in Lua). */
static void sb_rep_emit(lua_State *L, sb_rep_query *q)
{
	if (lua_isfunction(L, 1)) {
		lua_pushvalue(L, 1);
		lua_insert(L, -2);
		lua_call(L, 1, 0);
	} else {
		lua_rawseti(L, 1, ++q->n);
	}
}

static void sb_rep_setstr(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void sb_rep_setnum(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void sb_rep_setint(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

/* Pushes the table of the next row: the reused one (the pusher's argument 3), or a new one of
 * nrec fields. */
static void sb_rep_row_table(lua_State *L, const sb_rep_query *q, int nrec)
{
	if (q->reused != 0)
		lua_pushvalue(L, 3);
	else
		lua_createtable(L, 0, nrec);
}

/* Clears field k of a reused row (a new table has none to clear). */
static void sb_rep_clear(lua_State *L, const sb_rep_query *q, const char *k)
{
	if (q->reused != 0) {
		lua_pushnil(L);
		lua_setfield(L, -2, k);
	}
}

/* lua_CFunction(target, q): pushes the summary row q->row. */
static int sb_rep_push_summary(lua_State *L)
{
	sb_rep_query *q = lua_touserdata(L, 2);
	const sb_summary_row *r = q->row;
	sb_rep_row_table(L, q, 12);
	sb_rep_setstr(L, "name", r->name);
	sb_rep_setstr(L, "type", r->type);
	sb_rep_setstr(L, "date", r->date);
	sb_rep_setstr(L, "typeLayer", r->layer);
	sb_rep_setnum(L, "capacity", r->capacity);
	sb_rep_setnum(L, "inProm", r->in_prom);
	sb_rep_setnum(L, "inMaxProm", r->in_max_prom);
	sb_rep_setnum(L, "outProm", r->out_prom);
	sb_rep_setnum(L, "outMaxProm", r->out_max_prom);
	if (r->has_use)
		sb_rep_setnum(L, "use", r->use);
	else
		sb_rep_clear(L, q, "use");
	if (r->samples >= 0)
		sb_rep_setint(L, "samples", r->samples);
	else
		sb_rep_clear(L, q, "samples");
	sb_rep_setint(L, "resolution", r->resolution > SB_RES_5MIN ? r->resolution : SB_RES_5MIN);
	sb_rep_emit(L, q);
	return 0;
}

/* lua_CFunction(target, q): pushes the history row q->row. */
static int sb_rep_push_history(lua_State *L)
{
	sb_rep_query *q = lua_touserdata(L, 2);
	const sb_history_row *r = q->row;
	sb_rep_row_table(L, q, 10);
	sb_rep_setstr(L, "name", r->name);
	sb_rep_setstr(L, "type", r->type);
	sb_rep_setstr(L, "date", r->date);
	sb_rep_setstr(L, "time", r->time);
	int64_t ts;
	if (sb_time_key_parse(r->date, r->time, &ts) == SB_OK)
		sb_rep_setint(L, "ts", ts);
	else
		sb_rep_clear(L, q, "ts");
	sb_rep_setnum(L, "capacity", r->capacity);
	sb_rep_setint(L, "inProm", r->in_avg);
	sb_rep_setint(L, "inMaxProm", r->in_max);
	if (!q->schema->in_only) {
		sb_rep_setint(L, "outProm", r->out_avg);
		sb_rep_setint(L, "outMaxProm", r->out_max);
	}
	sb_rep_emit(L, q);
	return 0;
}

/* Calls fn(target, q[, the reused row]) protected; on a Lua error keeps it at the top and
 * returns SB_ELUA. */
static int sb_rep_protect(sb_rep_query *q, lua_CFunction fn, const void *row)
{
	lua_State *L = q->L;
	q->row = row;
	lua_pushcfunction(L, fn);
	lua_pushvalue(L, q->target);
	lua_pushlightuserdata(L, q);
	if (q->reused != 0)
		lua_pushvalue(L, q->reused);
	if (lua_pcall(L, q->reused != 0 ? 3 : 2, 0, 0) != LUA_OK) {
		q->lua_failed = 1;
		return SB_ELUA;
	}
	q->rows++;
	return SB_OK;
}

static int sb_rep_on_summary(void *ctx, const sb_summary_row *row)
{
	return sb_rep_protect(ctx, sb_rep_push_summary, row);
}

static int sb_rep_on_history(void *ctx, const sb_history_row *row)
{
	return sb_rep_protect(ctx, sb_rep_push_history, row);
}

/* After a query: re-raises a Lua error, raises a store error, or returns the result count. */
static int sb_rep_finish(lua_State *L, sb_rep_query *q, int rc, const sb_err *err, const char *fn)
{
	sb_rep_set_busy(L, 0);
	if (q->lua_failed)
		return lua_error(L);
	if (rc != SB_OK) /* the store failed: the run's cause, not the script's fault */
		return sb_lua_service_error(L, rc, "%s: %s", fn,
					    err->msg[0] != '\0' ? err->msg : sb_strerror(rc));
	sb_lua_report_read(L, q->rows);
	if (lua_isfunction(L, q->target))
		return 0;
	lua_pushvalue(L, q->target);
	return 1;
}

/* sb.store.summaries{layer=, name=, from=, to=, each=, reuse=} -> rows */
static int sb_rep_summaries(lua_State *L)
{
	static const char *const allowed[] = {"layer", "name", "from", "to", "each", "reuse", NULL};
	const char *fn = "sb.store.summaries";
	sb_rep_args a;
	sb_rep_parse_args(L, fn, allowed, &a);
	sb_store *st = sb_rep_store(L, fn);
	if (a.each == 0)
		lua_newtable(L);
	sb_rep_query q = {.L = L, .target = a.each != 0 ? a.each : lua_gettop(L)};
	if (a.reuse) {
		lua_createtable(L, 0, 12);
		q.reused = lua_gettop(L);
	}
	sb_err err = {0};
	sb_rep_set_busy(L, 1);
	int rc = sb_store_query_summary(st, a.layer, a.name, a.from, a.to, sb_rep_on_summary, &q,
					&err);
	return sb_rep_finish(L, &q, rc, &err, fn);
}

/* sb.store.history{layer=, name=, type=, from=, to=, each=, reuse=} -> rows */
static int sb_rep_history(lua_State *L)
{
	static const char *const allowed[] = {"layer", "name", "type",  "from",
					      "to",    "each", "reuse", NULL};
	const char *fn = "sb.store.history";
	sb_rep_args a;
	sb_rep_parse_args(L, fn, allowed, &a);
	sb_store *st = sb_rep_store(L, fn);
	const sb_schema *schema = sb_rep_schema(L, fn, a.layer);
	if (a.each == 0)
		lua_newtable(L);
	sb_rep_query q = {.L = L, .target = a.each != 0 ? a.each : lua_gettop(L), .schema = schema};
	if (a.reuse) {
		lua_createtable(L, 0, 10);
		q.reused = lua_gettop(L);
	}
	sb_err err = {0};
	sb_rep_set_busy(L, 1);
	int rc = sb_store_query_history(st, schema, a.name, a.type, a.from, a.to, sb_rep_on_history,
					&q, &err);
	return sb_rep_finish(L, &q, rc, &err, fn);
}

static void sb_rep_push_date(lua_State *L, sb_date d);

static int sb_rep_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* lua_CFunction(target, q): pushes the statistics of the interface accumulated in q. */
static int sb_rep_push_stats(lua_State *L)
{
	sb_rep_query *q = lua_touserdata(L, 2);
	size_t n = q->n_samples;
	lua_createtable(L, 0, 14);
	sb_rep_setstr(L, "name", q->name);
	sb_rep_setstr(L, "type", q->type);
	sb_rep_setnum(L, "capacity", q->capacity);
	sb_rep_setint(L, "samples", (int64_t)n);
	/* the distinct dates, in order */
	qsort(q->days, q->n_days, sizeof(*q->days), sb_rep_cmp_i64);
	lua_createtable(L, (int)q->n_days, 0);
	lua_Integer days = 0;
	for (size_t i = 0; i < q->n_days; i++) {
		if (i > 0 && q->days[i] == q->days[i - 1])
			continue;
		sb_rep_push_date(L, sb_date_add((sb_date){1970, 1, 1}, (int)q->days[i]));
		lua_rawseti(L, -2, ++days);
	}
	lua_setfield(L, -2, "dates");
	sb_rep_setint(L, "days", days);
	sb_rep_setint(L, "rank", sb_stats_rank((int64_t)n, q->pct));
	sb_rep_setint(L, "percentile", q->pct);
	sb_rep_setnum(L, "inAvg", (double)q->in_sum / (double)n);
	sb_rep_setint(L, "inPeak", q->in_peak);
	sb_rep_setint(L, "inPct", sb_stats_percentile_i64(q->in, n, q->pct));
	if (!q->schema->in_only) {
		sb_rep_setnum(L, "outAvg", (double)q->out_sum / (double)n);
		sb_rep_setint(L, "outPeak", q->out_peak);
		sb_rep_setint(L, "outPct", sb_stats_percentile_i64(q->out, n, q->pct));
	}
	sb_rep_emit(L, q);
	return 0;
}

/* Hands the accumulated interface (if any) to Lua and starts afresh. */
static int sb_rep_stats_flush(sb_rep_query *q)
{
	int rc = SB_OK;
	if (q->name != NULL && q->n_samples > 0)
		rc = sb_rep_protect(q, sb_rep_push_stats, NULL);
	sb_free(q->name);
	sb_free(q->type);
	q->n_samples = q->n_days = 0;
	q->in_sum = q->out_sum = 0;
	q->in_peak = q->out_peak = INT64_MIN;
	q->newest = INT64_MIN;
	q->last_date[0] = '\0';
	return rc;
}

static int sb_rep_on_stats(void *ctx, const sb_history_row *r)
{
	sb_rep_query *q = ctx;
	if (q->name == NULL || strcmp(q->name, r->name) != 0) {
		int rc = sb_rep_stats_flush(q);
		if (rc != SB_OK)
			return rc;
		q->name = sb_xstrdup(r->name);
	}
	int64_t when = INT64_MIN;
	sb_time_key_parse(r->date, r->time, &when);
	if (q->type == NULL || when > q->newest) {
		free(q->type);
		q->type = sb_xstrdup(r->type);
		q->capacity = r->capacity;
		q->newest = when;
	}
	if (q->n_samples == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 4096;
		q->in = sb_xrealloc(q->in, q->cap * sizeof(*q->in));
		q->out = sb_xrealloc(q->out, q->cap * sizeof(*q->out));
	}
	q->in[q->n_samples] = r->in_avg;
	q->out[q->n_samples] = r->out_avg;
	q->n_samples++;
	q->in_sum += r->in_avg;
	q->out_sum += r->out_avg;
	if (r->in_max > q->in_peak)
		q->in_peak = r->in_max;
	if (r->out_max > q->out_peak)
		q->out_peak = r->out_max;
	if (strncmp(q->last_date, r->date, 10) != 0) {
		sb_date d;
		if (sb_date_parse(r->date, &d) == SB_OK) {
			sb_grow(&q->days, &q->days_cap, q->n_days, sizeof(*q->days));
			q->days[q->n_days++] = sb_period_daynum(d);
		}
		snprintf(q->last_date, sizeof(q->last_date), "%.10s", r->date);
	}
	return SB_OK;
}

/* sb.store.history_stats{layer=, name=, type=, from=, to=, percentile=95, each=} -> one row per
 * interface: name, type, capacity (newest sample), samples, days, dates (sorted), rank,
 * percentile, inAvg, inPeak, inPct, outAvg, outPeak, outPct (raw units: bytes/s or counts). */
static int sb_rep_history_stats(lua_State *L)
{
	static const char *const allowed[] = {"layer", "name",       "type", "from",
					      "to",    "percentile", "each", NULL};
	const char *fn = "sb.store.history_stats";
	sb_rep_args a;
	sb_rep_parse_args(L, fn, allowed, &a);
	sb_store *st = sb_rep_store(L, fn);
	const sb_schema *schema = sb_rep_schema(L, fn, a.layer);
	if (a.each == 0)
		lua_newtable(L);
	sb_rep_query q = {.L = L,
			  .target = a.each != 0 ? a.each : lua_gettop(L),
			  .schema = schema,
			  .pct = a.pct,
			  .newest = INT64_MIN,
			  .in_peak = INT64_MIN,
			  .out_peak = INT64_MIN};
	sb_err err = {0};
	sb_rep_set_busy(L, 1);
	int rc = sb_store_query_history(st, schema, a.name, a.type, a.from, a.to, sb_rep_on_stats,
					&q, &err);
	if (rc == SB_OK)
		rc = sb_rep_stats_flush(&q);
	free(q.name);
	free(q.type);
	free(q.in);
	free(q.out);
	free(q.days);
	return sb_rep_finish(L, &q, rc, &err, fn);
}

/* lua_CFunction(target, q): pushes the forecast of the interface q->row (an sb_trend). */
static int sb_rep_push_trend(lua_State *L)
{
	sb_rep_query *q = lua_touserdata(L, 2);
	const sb_trend *t = q->row;
	lua_createtable(L, 0, 10);
	sb_rep_setstr(L, "name", t->name);
	sb_rep_setstr(L, "type", t->type);
	if (t->capacity > 0) {
		sb_rep_setnum(L, "capacity", t->capacity);
		sb_rep_setnum(L, "limit", t->limit);
	}
	lua_createtable(L, (int)t->ndays, 0);
	for (size_t i = 0; i < t->ndays; i++) {
		sb_rep_push_date(L, sb_date_add((sb_date){1970, 1, 1}, (int)t->days[i]));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "dates");
	const double *series[] = {t->p95, t->peak};
	static const char *const keys[] = {"p95", "peak"};
	for (size_t k = 0; k < 2; k++) {
		lua_createtable(L, (int)t->ndays, 0);
		for (size_t i = 0; i < t->ndays; i++) {
			lua_pushnumber(L, series[k][i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_setfield(L, -2, keys[k]);
	}
	sb_lua_push_forecast(L, &t->fit_p95);
	lua_setfield(L, -2, "p95_fit");
	sb_lua_push_forecast(L, &t->fit_peak);
	lua_setfield(L, -2, "peak_fit");
	sb_rep_emit(L, q);
	return 0;
}

static int sb_rep_on_trend(void *ctx, const sb_trend *t)
{
	return sb_rep_protect(ctx, sb_rep_push_trend, t);
}

/* sb.store.forecast{layer=, name=, from=, to=, each=} -> one row per interface of a traffic
 * layer: name, type, capacity and limit (Gbps; absent when the capacity is unknown), dates,
 * p95 and peak (Gbps, one per date), p95_fit and peak_fit {days, slope, r2, status, start, last,
 * cross} (store/trend.h, docs/forecast.md). to defaults to yesterday, from to FORECAST_DAYS
 * days ending at to. */
static int sb_rep_forecast(lua_State *L)
{
	static const char *const allowed[] = {"layer", "name", "from", "to", "each", NULL};
	const char *fn = "sb.store.forecast";
	sb_rep_args a;
	sb_rep_parse_args(L, fn, allowed, &a);
	sb_store *st = sb_rep_store(L, fn);
	const sb_schema *schema = sb_rep_schema(L, fn, a.layer);
	if (schema->in_only)
		return luaL_error(L, "%s: %s counts, it carries no traffic to forecast", fn,
				  schema->layer);
	const sb_settings *s = sb_lua_env_of(L)->s;
	sb_date to = sb_date_add(sb_date_today(), -1), from;
	if (a.to != NULL)
		sb_date_parse(a.to, &to);
	from = sb_date_add(to, -(int)(s != NULL ? s->forecast_days : 90) + 1);
	if (a.from != NULL)
		sb_date_parse(a.from, &from);
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	sb_trend_opts o = {.schema = schema,
			   .name = a.name,
			   .from = fs,
			   .to = ts,
			   .factor = s != NULL ? s->factor : 8.022e-9,
			   .threshold = s != NULL ? s->forecast_threshold : 80,
			   .rules = sb_forecast_rules_of(s)};
	if (a.each == 0)
		lua_newtable(L);
	sb_rep_query q = {.L = L, .target = a.each != 0 ? a.each : lua_gettop(L), .schema = schema};
	sb_err err = {0};
	sb_rep_set_busy(L, 1);
	int rc = sb_trend_query(st, &o, sb_rep_on_trend, &q, &err);
	return sb_rep_finish(L, &q, rc, &err, fn);
}

/* sb.store.layers() -> {{layer=, table=, key=, in_only=, module=}, ...} */
static int sb_rep_layers(lua_State *L)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	lua_newtable(L);
	lua_Integer n = 0;
	if (env == NULL || env->mods == NULL)
		return 1;
	const sb_loaded_module *m;
	for (size_t i = 0; (m = sb_layers_next(env->mods, NULL, &i)) != NULL;) {
		const sb_schema *s = m->def->schema;
		lua_createtable(L, 0, 5);
		sb_rep_setstr(L, "layer", s->layer);
		sb_rep_setstr(L, "table", s->table);
		sb_rep_setstr(L, "key", s->key);
		lua_pushboolean(L, s->in_only);
		lua_setfield(L, -2, "in_only");
		sb_rep_setstr(L, "module", m->def->name);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

/* sb.store.backend() -> "sqlite" | "mongodb" */
static int sb_rep_backend(lua_State *L)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->store == NULL)
		return luaL_error(L, "sb.store.backend: this run has no store");
	lua_pushstring(L, sb_store_backend(env->store));
	return 1;
}

/* ---- the alerts' history ---- */

/* The changes read, copied before any of them becomes a Lua value. */
typedef struct sb_rep_alerts {
	const char *state, *rule;
	const sb_lua_env *env; /* its hidden monitors' alerts left out */
	sb_alert_event *v;
	size_t n, cap;
} sb_rep_alerts;

static int sb_rep_alert_take(void *ctx, const sb_alert_event *e)
{
	sb_rep_alerts *a = ctx;
	if ((a->state != NULL && strcmp(a->state, e->state) != 0) ||
	    (a->rule != NULL && strcmp(a->rule, e->rule) != 0) ||
	    sb_lua_env_hides(a->env, sb_alert_monitor_of(e)))
		return SB_OK;
	sb_grow(&a->v, &a->cap, a->n, sizeof(*a->v));
	sb_alert_event *c = &a->v[a->n++];
	*c = *e;
	c->rule = sb_xstrdup(e->rule);
	c->kind = sb_xstrdup(e->kind);
	c->severity = sb_xstrdup(e->severity);
	c->subject = sb_xstrdup(e->subject);
	c->state = sb_xstrdup(e->state);
	c->message = sb_xstrdup(e->message);
	return SB_OK;
}

/* sb.alerts{from = "YYYY-MM-DD", to = "YYYY-MM-DD", state = "firing"|"resolved", rule = NAME}
 * -> the changes of the alerts' state (ALERT_HISTORY, docs/alerts.md), newest first, each
 * {date, time, ts, state, rule, kind, severity, subject, value, threshold, message}; value and
 * threshold nil when none. from and to default to the 30 days ending today. The alerts of the
 * monitors the run hides (report --hide-monitors) are left out. */
static int sb_rep_alerts_fn(lua_State *L)
{
	static const char *const allowed[] = {"from", "to", "state", "rule", NULL};
	sb_rep_args a;
	sb_rep_parse_args(L, "sb.alerts", allowed, &a);
	sb_rep_alerts got = {.env = sb_lua_env_of(L)};
	if (lua_getfield(L, 1, "state") == LUA_TSTRING)
		got.state = lua_tostring(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "rule") == LUA_TSTRING)
		got.rule = lua_tostring(L, -1);
	lua_pop(L, 1);
	if (got.state != NULL && strcmp(got.state, "firing") != 0 &&
	    strcmp(got.state, "resolved") != 0)
		return luaL_error(L, "sb.alerts: state: expected \"firing\" or \"resolved\"");
	sb_date to = sb_date_today(), from = sb_date_add(to, -29);
	if (a.to != NULL)
		sb_date_parse(a.to, &to);
	if (a.from != NULL)
		sb_date_parse(a.from, &from);
	int64_t t0, t1, u0, u1;
	sb_date_bounds(from, &t0, &u0);
	sb_date_bounds(to, &u1, &t1);
	sb_store *st = sb_rep_store(L, "sb.alerts");
	sb_err err = {0};
	int rc = sb_alert_history_query(st, t0 * 1000, t1 * 1000, sb_rep_alert_take, &got, &err);
	if (rc == SB_OK) {
		lua_createtable(L, (int)got.n, 0);
		for (size_t i = 0; i < got.n; i++) {
			const sb_alert_event *e = &got.v[i];
			char date[11], hms[16];
			sb_time_local(e->ts / 1000, date, hms);
			lua_createtable(L, 0, 11);
			sb_rep_setstr(L, "date", date);
			sb_rep_setstr(L, "time", hms);
			lua_pushinteger(L, (lua_Integer)(e->ts / 1000));
			lua_setfield(L, -2, "ts");
			sb_rep_setstr(L, "state", e->state);
			sb_rep_setstr(L, "rule", e->rule);
			sb_rep_setstr(L, "kind", e->kind);
			sb_rep_setstr(L, "severity", e->severity);
			sb_rep_setstr(L, "subject", e->subject);
			sb_rep_setstr(L, "message", e->message);
			if (e->has_value) {
				lua_pushnumber(L, e->value);
				lua_setfield(L, -2, "value");
			}
			if (e->has_threshold) {
				lua_pushnumber(L, e->threshold);
				lua_setfield(L, -2, "threshold");
			}
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	}
	for (size_t i = 0; i < got.n; i++) {
		sb_alert_event *e = &got.v[i];
		free((char *)e->rule), free((char *)e->kind), free((char *)e->severity);
		free((char *)e->subject), free((char *)e->state), free((char *)e->message);
	}
	free(got.v);
	if (rc != SB_OK)
		return luaL_error(L, "sb.alerts: %s", err.msg);
	return 1;
}

/* ---- periods in Lua ---- */

static sb_date sb_rep_check_date(lua_State *L, int idx)
{
	const char *s = luaL_checkstring(L, idx);
	sb_date d;
	if (sb_date_parse(s, &d) != SB_OK)
		luaL_argerror(L, idx,
			      lua_pushfstring(L, "expected a date YYYY-MM-DD, got \"%s\"", s));
	return d;
}

static void sb_rep_push_date(lua_State *L, sb_date d)
{
	char buf[11];
	sb_date_format(d, buf);
	lua_pushstring(L, buf);
}

/* The form of a period (base/period.h) from --literal and --segunda. */
static int sb_rep_form(int literal, int second)
{
	return (literal ? SB_PERIOD_LITERAL : 0) | (second ? SB_PERIOD_SECOND : 0);
}

/* sb.period(name [, last [, literal [, second]]]) -> from, to. last defaults to yesterday;
 * second: quincenal's second fortnight. */
static int sb_rep_period(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	sb_date last =
		lua_isnoneornil(L, 2) ? sb_date_add(sb_date_today(), -1) : sb_rep_check_date(L, 2);
	sb_date from, to;
	int literal = lua_toboolean(L, 3), second = lua_toboolean(L, 4);
	if (sb_period_of(name, last, sb_rep_form(literal, second), &from, &to) != SB_OK) {
		if (second && sb_period_of(name, last, 0, &from, &to) == SB_OK)
			return luaL_argerror(L, 4,
					     literal ? "a second fortnight is not literal"
						     : "only quincenal has a second fortnight");
		return luaL_argerror(L, 1,
				     lua_pushfstring(L,
						     "unknown period \"%s\" (diario, semanal, "
						     "quincenal, mensual)",
						     name));
	}
	sb_rep_push_date(L, from);
	sb_rep_push_date(L, to);
	return 2;
}

/* sb.period_days(from, to) -> days in the period */
static int sb_rep_period_days(lua_State *L)
{
	lua_pushinteger(L, sb_period_days(sb_rep_check_date(L, 1), sb_rep_check_date(L, 2)));
	return 1;
}

/* sb.period_samples(from, to) -> 5-minute samples expected in local time */
static int sb_rep_period_samples(lua_State *L)
{
	sb_date from = sb_rep_check_date(L, 1), to = sb_rep_check_date(L, 2);
	luaL_argcheck(L, sb_period_days(from, to) <= 100000, 2, "period too long");
	lua_pushinteger(L, (lua_Integer)sb_period_expected_samples(from, to));
	return 1;
}

/* ---- sb.report ---- */

static const sb_report_ctx *sb_rep_ctx(lua_State *L)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->user == NULL)
		luaL_error(L, "sb.report: not run by scanbackup report");
	return env->user;
}

/* Remembers from..to as the period of the run, for page footers (sb_lua_push_report_period). */
static void sb_rep_note_period(lua_State *L, sb_date from, sb_date to)
{
	sb_report_ctx *c = sb_rep_run(L);
	if (c != NULL) {
		c->have_period = 1;
		c->period_from = from;
		c->period_to = to;
	}
	char f[11], t[11];
	sb_date_format(from, f);
	sb_date_format(to, t);
	if (strcmp(f, t) == 0)
		lua_pushstring(L, f);
	else
		lua_pushfstring(L, "%s a %s", f, t);
	lua_setfield(L, LUA_REGISTRYINDEX, SB_REP_PERIOD);
}

void sb_lua_push_report_period(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, SB_REP_PERIOD);
}

void sb_lua_push_report_name(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, SB_REP_NAME);
}

/* sb.report.range([default_period]) -> from, to: --from/--to when given, else the period named
 * default_period (default: the report's own name) over --date / --literal. */
static int sb_rep_report_range(lua_State *L)
{
	const sb_report_ctx *c = sb_rep_ctx(L);
	if (c->have_range) {
		sb_rep_note_period(L, c->from, c->to);
		sb_rep_push_date(L, c->from);
		sb_rep_push_date(L, c->to);
		return 2;
	}
	const char *name = luaL_optstring(L, 1, c->name);
	sb_date from, to;
	if (c->second && sb_period_of(name, c->date, 0, &from, &to) == SB_OK &&
	    sb_period_of(name, c->date, SB_PERIOD_SECOND, &from, &to) != SB_OK)
		return luaL_error(L,
				  "sb.report.range: --segunda: the period '%s' has no second "
				  "fortnight (quincenal has)",
				  name);
	if (sb_period_of(name, c->date, sb_rep_form(c->literal, c->second), &from, &to) != SB_OK)
		return luaL_error(L,
				  "sb.report.range: report '%s' has no period of its own: pass "
				  "one (diario, semanal, quincenal, mensual) or use --from/--to",
				  name);
	sb_rep_note_period(L, from, to);
	sb_rep_push_date(L, from);
	sb_rep_push_date(L, to);
	return 2;
}

/* sb.report.output(file) -> the path of file in the output folder. */
static int sb_rep_report_output(lua_State *L)
{
	const sb_report_ctx *c = sb_rep_ctx(L);
	const char *file = luaL_checkstring(L, 1);
	luaL_argcheck(L, file[0] != '\0' && file[0] != '.' && strchr(file, '/') == NULL, 1,
		      "expected a plain file name");
	char *path = sb_fs_join(c->out_dir, file);
	lua_pushstring(L, path);
	free(path);
	return 1;
}

static void sb_rep_open_report_table(lua_State *L, int sb_index, const sb_report_ctx *c)
{
	static const luaL_Reg funcs[] = {
		{"range", sb_rep_report_range},
		{"output", sb_rep_report_output},
		{NULL, NULL},
	};
	lua_newtable(L);
	luaL_setfuncs(L, funcs, 0);
	sb_rep_setstr(L, "name", c->name);
	lua_pushstring(L, c->name);
	lua_setfield(L, LUA_REGISTRYINDEX, SB_REP_NAME);
	sb_rep_setstr(L, "format", c->format);
	sb_rep_setstr(L, "out", c->out_dir);
	sb_rep_push_date(L, c->date);
	lua_setfield(L, -2, "date");
	lua_pushboolean(L, c->literal);
	lua_setfield(L, -2, "literal");
	lua_pushboolean(L, c->second);
	lua_setfield(L, -2, "second");
	lua_pushboolean(L, c->force);
	lua_setfield(L, -2, "force");
	if (c->have_range) {
		sb_rep_note_period(L, c->from, c->to);
		sb_rep_push_date(L, c->from);
		lua_setfield(L, -2, "from");
		sb_rep_push_date(L, c->to);
		lua_setfield(L, -2, "to");
	}
	lua_setfield(L, sb_index, "report");
	if (c->out_dir != NULL)
		sb_lua_allow_dir(L, c->out_dir, 1);
	if (c->lua_path != NULL)
		sb_lua_add_path(L, c->lua_path);
}

void sb_lua_open_report(lua_State *L, int sb_index)
{
	static const luaL_Reg store[] = {
		{"summaries", sb_rep_summaries},
		{"history", sb_rep_history},
		{"history_stats", sb_rep_history_stats},
		{"forecast", sb_rep_forecast},
		{"layers", sb_rep_layers},
		{"backend", sb_rep_backend},
		{NULL, NULL},
	};
	static const luaL_Reg top[] = {
		{"period", sb_rep_period},
		{"period_days", sb_rep_period_days},
		{"period_samples", sb_rep_period_samples},
		{"output_file", sb_rep_file_new},
		{"alerts", sb_rep_alerts_fn},
		{NULL, NULL},
	};
	static const luaL_Reg file_methods[] = {
		{"write", sb_rep_file_write},
		{"close", sb_rep_file_close},
		{"discard", sb_rep_file_discard},
		{NULL, NULL},
	};
	sb_index = lua_absindex(L, sb_index);
	luaL_newmetatable(L, SB_REP_FILE);
	lua_newtable(L);
	luaL_setfuncs(L, file_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, sb_rep_file_discard);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, sb_rep_file_discard);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);

	lua_pushvalue(L, sb_index);
	luaL_setfuncs(L, top, 0);
	lua_pop(L, 1);
	lua_newtable(L);
	luaL_setfuncs(L, store, 0);
	lua_setfield(L, sb_index, "store");

	const sb_lua_env *env = sb_lua_env_of(L);
	if (env != NULL && env->user != NULL)
		sb_rep_open_report_table(L, sb_index, env->user);
}
