/* probes_lua.c - sb.probes: the records of the monitor's tests in Lua, each read with the
 * declaration of its probe module (format/record.h), and the availability and heat map rules of
 * base/avail.h over them. */
#include "config.h"

#include "report/probes_lua.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "base/avail.h"
#include "base/period.h"
#include "base/timeutil.h"
#include "lua/luahost.h"
#include "plugin/module.h"
#include "report/report_lua.h"
#include "store/store.h"

typedef struct sb_lp_call {
	lua_State *L;
	const sb_rec_decl *d;
	int each; /* stack index of the each function, 0 when building a list */
	int list; /* stack index of the result list */
	lua_Integer n;
	size_t rows; /* records handed to the script */
} sb_lp_call;

static void sb_lp_str(lua_State *L, const char *k, const char *v)
{
	if (v == NULL)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void sb_lp_int(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static void sb_lp_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

/* Pushes a record as a table: monitor, link, timestamp, date, time and each field with a value
 * (JSON fields as their text). */
static void sb_lp_push_record(lua_State *L, const sb_rec_decl *d, const sb_rec *r)
{
	lua_createtable(L, 0, (int)d->n + 5);
	sb_lp_int(L, "monitor", r->monitor);
	sb_lp_int(L, "link", r->link);
	sb_lp_int(L, "timestamp", r->ts);
	sb_lp_str(L, "date", r->date);
	sb_lp_str(L, "time", r->time);
	for (size_t k = 0; k < d->n; k++) {
		const sb_rec_val *v = &r->v[k];
		if (!v->has)
			continue;
		switch (d->f[k].type) {
		case SB_FIELD_INT:
			lua_pushinteger(L, (lua_Integer)v->i);
			break;
		case SB_FIELD_NUMBER:
			lua_pushnumber(L, v->d);
			break;
		case SB_FIELD_BOOL:
			lua_pushboolean(L, v->i != 0);
			break;
		case SB_FIELD_STRING:
		case SB_FIELD_JSON:
			lua_pushstring(L, v->s);
			break;
		}
		lua_setfield(L, -2, d->f[k].name);
	}
}

static int sb_lp_row(void *ctx, const sb_rec *r)
{
	sb_lp_call *c = ctx;
	lua_State *L = c->L;
	if (sb_lua_env_hides(sb_lua_env_of(L), r->monitor))
		return SB_OK;
	if (c->each)
		lua_pushvalue(L, c->each);
	sb_lp_push_record(L, c->d, r);
	if (c->each)
		lua_call(L, 1, 0);
	else
		lua_rawseti(L, c->list, ++c->n);
	c->rows++;
	return SB_OK;
}

/* The declaration of test among the env's probe modules; raises an error naming fn when there is
 * none. The module list outlives the call. */
static const sb_rec_decl *sb_lp_decl(lua_State *L, const char *fn, const char *test)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	sb_loaded_module *m = env != NULL && env->mods != NULL && test != NULL
				      ? sb_modules_find(env->mods, test)
				      : NULL;
	if (m == NULL || m->rec == NULL)
		luaL_error(L, "%s: no probe module '%s' (scanbackup modules lists them)", fn,
			   test != NULL ? test : "?");
	return m->rec;
}

/* A "YYYY-MM-DD" argument of the table at index 1, or none. */
static int sb_lp_date(lua_State *L, const char *fn, const char *k, sb_date *d)
{
	lua_getfield(L, 1, k);
	int have = !lua_isnil(L, -1);
	if (have) {
		const char *s = lua_tostring(L, -1);
		if (s == NULL || sb_date_parse(s, d) != SB_OK)
			luaL_error(L, "%s: %s: expected a date YYYY-MM-DD", fn, k);
	}
	lua_pop(L, 1);
	return have;
}

static int64_t sb_lp_id(lua_State *L, const char *fn, const char *k)
{
	lua_getfield(L, 1, k);
	int64_t v = -1;
	if (!lua_isnil(L, -1)) {
		int isnum = 0;
		lua_Integer i = lua_tointegerx(L, -1, &isnum);
		if (!isnum || i < 0)
			luaL_error(L, "%s: %s: expected a whole number >= 0", fn, k);
		v = (int64_t)i;
	}
	lua_pop(L, 1);
	return v;
}

/* Raises an error naming the first key of the table at index 1 that is not in allowed. */
static void sb_lp_check_keys(lua_State *L, const char *fn, const char *const *allowed)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int known = 0;
		for (size_t i = 0; k != NULL && allowed[i] != NULL; i++)
			known |= strcmp(k, allowed[i]) == 0;
		if (!known)
			luaL_error(L, "%s: unknown argument %s", fn,
				   k != NULL ? k : "(not a name)");
		lua_pop(L, 1);
	}
}

/* sb.probes(test, {monitor =, link =, from =, to =, each =}) -> the test's records ordered by
 * monitor, link, timestamp (from..to: local days, both included). The table may be left out. */
static int sb_lp_query(lua_State *L)
{
	static const char *const allowed[] = {"monitor", "link", "from", "to", "each", NULL};
	const char *fn = "sb.probes";
	/* called as sb.probes(test, {...}): argument 1 is the sb.probes table itself */
	const char *test = luaL_checkstring(L, 2);
	if (lua_isnoneornil(L, 3)) {
		lua_settop(L, 2);
		lua_newtable(L);
	}
	luaL_checktype(L, 3, LUA_TTABLE);
	lua_copy(L, 3, 1); /* the options at index 1, where the helpers look */
	lua_settop(L, 2);
	sb_lp_check_keys(L, fn, allowed);
	const sb_rec_decl *d = sb_lp_decl(L, fn, test);
	int64_t monitor = sb_lp_id(L, fn, "monitor"), link = sb_lp_id(L, fn, "link");
	sb_date day;
	int64_t from = 0, to = INT64_MAX, end = 0;
	if (sb_lp_date(L, fn, "from", &day))
		sb_date_bounds(day, &from, &end);
	if (sb_lp_date(L, fn, "to", &day))
		sb_date_bounds(day, &end, &to);
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->store == NULL)
		return luaL_error(L, "%s: no store in this run", fn);
	lua_getfield(L, 1, "each");
	sb_lp_call c = {.L = L, .d = d};
	if (!lua_isnil(L, -1)) {
		luaL_checktype(L, -1, LUA_TFUNCTION);
		c.each = lua_gettop(L);
	} else {
		lua_newtable(L);
		c.list = lua_gettop(L);
	}
	sb_err err = {0};
	int rc =
		sb_store_query_records(env->store, d, monitor, link, from, to, sb_lp_row, &c, &err);
	if (rc != SB_OK)
		return sb_lua_service_error(L, rc, "%s: %s", fn, err.msg);
	sb_lua_report_read(L, c.rows);
	return c.each ? 0 : 1;
}

/* Pushes a declaration as a table: name, table, up, headline, loss and the fields, each {name,
 * type, unit, optional, decimals, help}. */
static void sb_lp_push_decl(lua_State *L, const sb_rec_decl *d)
{
	lua_createtable(L, 0, 6);
	sb_lp_str(L, "name", d->test);
	sb_lp_str(L, "table", d->table);
	sb_lp_str(L, "up", d->up >= 0 ? d->f[d->up].name : NULL);
	sb_lp_str(L, "headline", d->headline >= 0 ? d->f[d->headline].name : NULL);
	sb_lp_str(L, "loss", d->loss >= 0 ? d->f[d->loss].name : NULL);
	lua_createtable(L, (int)d->n, 0);
	for (size_t k = 0; k < d->n; k++) {
		const sb_rec_field *f = &d->f[k];
		lua_createtable(L, 0, 6);
		sb_lp_str(L, "name", f->name);
		sb_lp_str(L, "type", sb_rec_type_name(f->type));
		sb_lp_str(L, "unit", f->unit);
		sb_lp_str(L, "help", f->help);
		sb_lp_int(L, "decimals", f->decimals);
		lua_pushboolean(L, f->optional);
		lua_setfield(L, -2, "optional");
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "fields");
}

/* sb.probes.tests() -> the record of each probe module, ordered by test name. */
static int sb_lp_tests(lua_State *L)
{
	const sb_lua_env *env = sb_lua_env_of(L);
	sb_rec_set *set = sb_modules_records(env != NULL ? env->mods : NULL);
	sb_rec_decl **v = NULL;
	size_t n = sb_rec_set_list(set, &v);
	sb_rec_set_free(&set);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		sb_lp_push_decl(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	sb_rec_list_free(v, n);
	return 1;
}

/* ---- per link: the availability rule and the heat map of base/avail.h ---- */

#define SB_LP_MAX_DAYS 3660

/* sb.probes.availability / sb.probes.heatmap in progress: the records of one link at a time
 * (rows come ordered by monitor, link, timestamp) as base/avail.h reads them, turned into one Lua
 * table per link. */
typedef struct sb_lp_links {
	lua_State *L;
	const sb_rec_decl *d;
	int heat;      /* 1: heatmap, 0: availability */
	int list;      /* stack index of the result list */
	lua_Integer n; /* links in the list */
	sb_date from;
	long days;
	size_t max; /* records one link may have */
	int have;   /* a link is being gathered */
	int64_t monitor, link;
	sb_rec newest;    /* its newest record, values and strings copied */
	char when[20];    /* its date and time */
	sb_rec_val *vals; /* d->n */
	sb_avail_rec *v;
	size_t nv, cap;
	sb_link_name *names; /* what the monitors call their links, by the end of the range */
	size_t nnames;
	int lua_failed; /* the Lua error is at the top of the stack */
} sb_lp_links;

static void sb_lp_set_int(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

/* The fields both functions give: monitor, link, name, ip and monitor_name (as the monitor
 * last named the link, when it did), active_hours, active_days, and newest (the link's newest
 * record, as sb.probes gives it). */
static void sb_lp_link_head(lua_State *L, const sb_lp_links *c, const sb_avail_heat *hm)
{
	sb_lp_set_int(L, "monitor", c->monitor);
	sb_lp_set_int(L, "link", c->link);
	const sb_link_name *nm = sb_link_names_find(c->names, c->nnames, c->monitor, c->link);
	if (nm != NULL) {
		sb_lp_str(L, "name", nm->name);
		sb_lp_str(L, "ip", nm->ip);
		sb_lp_str(L, "monitor_name", nm->monitor_name);
	}
	sb_lp_set_int(L, "active_hours", hm->active_hours);
	sb_lp_set_int(L, "active_days", hm->active_days);
	sb_lp_push_record(L, c->d, &c->newest);
	lua_setfield(L, -2, "newest");
}

static void sb_lp_push_availability(lua_State *L, const sb_lp_links *c, const sb_avail_heat *hm)
{
	sb_avail a;
	sb_avail_compute(c->v, c->nv, &a);
	lua_createtable(L, 0, 16);
	sb_lp_link_head(L, c, hm);
	sb_lp_set_int(L, "records", (int64_t)a.records);
	sb_lp_set_int(L, "up", (int64_t)a.up);
	sb_lp_set_int(L, "down", (int64_t)(a.records - a.up));
	sb_lp_num(L, "pct", a.pct);
	sb_lp_set_int(L, "step", a.step);
	sb_lp_set_int(L, "first", c->v[0].t);
	sb_lp_set_int(L, "last", c->v[c->nv - 1].t);
	sb_lp_set_int(L, "longest_up", a.longest_up);
	sb_lp_set_int(L, "longest_down", a.longest_down);
	lua_createtable(L, (int)(a.nperiods < 1000000 ? a.nperiods : 1000000), 0);
	for (size_t i = 0; i < a.nperiods; i++) {
		const sb_avail_period *p = &a.periods[i];
		lua_createtable(L, 0, 4);
		sb_lp_str(L, "state", sb_avail_state_name(p->state));
		sb_lp_set_int(L, "start", p->start);
		sb_lp_set_int(L, "end", p->end);
		sb_lp_set_int(L, "records", (int64_t)p->records);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "periods");
	sb_avail_free(&a);
}

static void sb_lp_push_heatmap(lua_State *L, const sb_lp_links *c, const sb_avail_heat *hm)
{
	lua_createtable(L, 0, 14);
	sb_lp_link_head(L, c, hm);
	sb_lp_set_int(L, "records", (int64_t)hm->records);
	sb_lp_set_int(L, "up", (int64_t)hm->up);
	sb_lp_set_int(L, "nvalues", (int64_t)hm->nrtt);
	if (hm->nrtt > 0) {
		sb_lp_num(L, "median", hm->rtt_median);
		sb_lp_num(L, "min", hm->rtt_min);
		sb_lp_num(L, "max", hm->rtt_max);
	}
	lua_createtable(L, (int)hm->days, 0);
	for (long d = 0; d < hm->days; d++) {
		char ds[11];
		sb_date_format(sb_date_add(c->from, (int)d), ds);
		lua_pushstring(L, ds);
		lua_rawseti(L, -2, d + 1);
	}
	lua_setfield(L, -2, "days");
	lua_createtable(L, (int)hm->days, 0);
	for (long d = 0; d < hm->days; d++) {
		lua_createtable(L, 0, 0);
		for (int h = 0; h < 24; h++) {
			const sb_avail_cell *cell = &hm->cells[d * 24 + h];
			if (cell->records == 0)
				continue;
			lua_createtable(L, 0, 4);
			sb_lp_set_int(L, "records", (int64_t)cell->records);
			sb_lp_set_int(L, "up", (int64_t)cell->up);
			if (cell->nrtt > 0)
				sb_lp_num(L, "value", cell->rtt);
			sb_lp_num(L, "loss", cell->loss);
			lua_rawseti(L, -2, h);
		}
		lua_rawseti(L, -2, d + 1);
	}
	lua_setfield(L, -2, "cells");
}

/* lua_CFunction(c, list): appends the table of the link gathered in c to list. Run under
 * lua_pcall, so a Lua error (out of memory) never unwinds through the store's frames. */
static int sb_lp_push_link(lua_State *L)
{
	sb_lp_links *c = lua_touserdata(L, 1);
	sb_avail_heat hm;
	sb_avail_heatmap(c->v, c->nv, c->from, c->days, &hm);
	if (c->heat)
		sb_lp_push_heatmap(L, c, &hm);
	else
		sb_lp_push_availability(L, c, &hm);
	sb_avail_heat_free(&hm);
	lua_rawseti(L, 2, ++c->n);
	return 0;
}

static int sb_lp_flush(sb_lp_links *c)
{
	if (!c->have || c->nv == 0)
		return SB_OK;
	lua_State *L = c->L;
	lua_pushcfunction(L, sb_lp_push_link);
	lua_pushlightuserdata(L, c);
	lua_pushvalue(L, c->list);
	int failed = lua_pcall(L, 2, 0, 0) != LUA_OK;
	c->nv = 0;
	if (failed) {
		c->lua_failed = 1;
		return SB_ELUA;
	}
	return SB_OK;
}

/* Forgets the copied strings of the newest record. */
static void sb_lp_newest_clear(sb_lp_links *c)
{
	for (size_t k = 0; c->vals != NULL && k < c->d->n; k++)
		if (c->d->f[k].type == SB_FIELD_STRING || c->d->f[k].type == SB_FIELD_JSON) {
			free((char *)c->vals[k].s);
			c->vals[k].s = NULL;
		}
}

static int sb_lp_link_row(void *ctx, const sb_rec *r)
{
	sb_lp_links *c = ctx;
	if (sb_lua_env_hides(sb_lua_env_of(c->L), r->monitor))
		return SB_OK;
	if (!c->have || r->monitor != c->monitor || r->link != c->link) {
		int rc = sb_lp_flush(c);
		if (rc != SB_OK)
			return rc;
		c->have = 1;
		c->monitor = r->monitor;
		c->link = r->link;
	}
	if (c->nv == c->max)
		return SB_ETOOBIG;
	sb_grow(&c->v, &c->cap, c->nv, sizeof(*c->v));
	sb_rec_avail(c->d, r, &c->v[c->nv++]);
	sb_lp_newest_clear(c);
	for (size_t k = 0; k < c->d->n; k++) {
		c->vals[k] = r->v[k];
		int text = c->d->f[k].type == SB_FIELD_STRING || c->d->f[k].type == SB_FIELD_JSON;
		if (text && r->v[k].has)
			c->vals[k].s = sb_xstrdup(r->v[k].s);
	}
	c->newest = *r;
	snprintf(c->when, sizeof(c->when), "%.10s", r->date != NULL ? r->date : "");
	snprintf(c->when + 11, sizeof(c->when) - 11, "%.8s", r->time != NULL ? r->time : "");
	c->newest.date = c->when;
	c->newest.time = c->when + 11;
	c->newest.v = c->vals;
	return SB_OK;
}

/* The body of sb.probes.availability and sb.probes.heatmap: one table per link of a test's
 * records over from..to (both required), ordered by monitor and link. */
static int sb_lp_links_query(lua_State *L, const char *fn, int heat)
{
	static const char *const allowed[] = {"test", "monitor", "link", "from", "to", NULL};
	sb_lp_check_keys(L, fn, allowed);
	lua_getfield(L, 1, "test");
	const char *test = lua_tostring(L, -1);
	if (test == NULL)
		return luaL_error(L, "%s: test is required (the test's name: \"ping\")", fn);
	const sb_rec_decl *d = sb_lp_decl(L, fn, test);
	lua_pop(L, 1);
	if (!heat && d->up < 0)
		return luaL_error(L, "%s: test %s declares no up field: no availability", fn,
				  d->test);
	int64_t monitor = sb_lp_id(L, fn, "monitor"), link = sb_lp_id(L, fn, "link");
	sb_date from, to;
	if (!sb_lp_date(L, fn, "from", &from) || !sb_lp_date(L, fn, "to", &to))
		return luaL_error(L, "%s: from and to are required", fn);
	long days = sb_period_days(from, to);
	if (days <= 0 || days > SB_LP_MAX_DAYS)
		return luaL_error(L, "%s: from..to must be 1 to %d days", fn, SB_LP_MAX_DAYS);
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->store == NULL)
		return luaL_error(L, "%s: no store in this run", fn);
	int64_t t0, t1, u;
	sb_date_bounds(from, &t0, &u);
	sb_date_bounds(to, &u, &t1);
	lua_settop(L, 1);
	lua_newtable(L);
	sb_lp_links c = {.L = L,
			 .d = d,
			 .heat = heat,
			 .list = lua_gettop(L),
			 .from = from,
			 .days = days,
			 .max = (size_t)days * 86400};
	c.vals = sb_xcalloc(d->n, sizeof(*c.vals));
	sb_err err = {0};
	int rc = sb_store_link_names(env->store, monitor, t1, &c.names, &c.nnames, &err);
	if (rc == SB_OK)
		rc = sb_store_query_records(env->store, d, monitor, link, t0, t1, sb_lp_link_row,
					    &c, &err);
	if (rc == SB_OK)
		rc = sb_lp_flush(&c);
	sb_lp_newest_clear(&c);
	sb_link_names_free(c.names, c.nnames);
	free(c.vals);
	free(c.v);
	if (c.lua_failed)
		return lua_error(L);
	if (rc == SB_ETOOBIG)
		return luaL_error(L, "%s: link %d of monitor %d has more than one record a second",
				  fn, (int)c.link, (int)c.monitor);
	if (rc != SB_OK) /* the store failed */
		return sb_lua_service_error(L, rc, "%s: %s", fn,
					    err.msg[0] != '\0' ? err.msg : sb_strerror(rc));
	sb_lua_report_read(L, (size_t)c.n);
	lua_settop(L, c.list);
	return 1;
}

/* sb.probes.availability{test =, from =, to = [, monitor =, link =]} -> per link: the rule of
 * avail.h over the test's up field */
static int sb_lp_availability(lua_State *L)
{
	return sb_lp_links_query(L, "sb.probes.availability", 0);
}

/* sb.probes.heatmap{test =, from =, to = [, monitor =, link =]} -> per link: the map of avail.h
 * over the test's headline value */
static int sb_lp_heatmap(lua_State *L)
{
	return sb_lp_links_query(L, "sb.probes.heatmap", 1);
}

void sb_lua_open_probes(lua_State *L, int sb_index)
{
	sb_index = lua_absindex(L, sb_index);
	static const luaL_Reg funcs[] = {
		{"tests", sb_lp_tests},
		{"availability", sb_lp_availability},
		{"heatmap", sb_lp_heatmap},
		{NULL, NULL},
	};
	luaL_newlib(L, funcs);
	/* sb.probes(test, {...}) calls the table: the records */
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, sb_lp_query);
	lua_setfield(L, -2, "__call");
	lua_setmetatable(L, -2);
	lua_setfield(L, sb_index, "probes");
}
