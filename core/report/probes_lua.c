/* probes_lua.c - sb.probes.query: PING_HISTORY, HTTPING_HISTORY and TRACEROUTE_HISTORY in Lua. */
#include "config.h"

#include "report/probes_lua.h"

#include <lauxlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "lua/luahost.h"
#include "store/store.h"

typedef struct sb_lp_call {
	lua_State *L;
	sb_probe_kind kind;
	int each; /* stack index of the each function, 0 when building a list */
	int list; /* stack index of the result list */
	lua_Integer n;
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

static int sb_lp_row(void *ctx, const sb_probe_row *r)
{
	sb_lp_call *c = ctx;
	lua_State *L = c->L;
	if (c->each)
		lua_pushvalue(L, c->each);
	lua_createtable(L, 0, 12);
	sb_lp_int(L, "monitor", r->monitor);
	sb_lp_int(L, "link", r->link);
	sb_lp_int(L, "timestamp", r->ts);
	sb_lp_str(L, "date", r->date);
	sb_lp_str(L, "time", r->time);
	switch (c->kind) {
	case SB_PROBE_PING:
		sb_lp_str(L, "ip", r->target);
		sb_lp_num(L, "rtt", r->rtt);
		sb_lp_num(L, "loss", r->loss);
		sb_lp_int(L, "sent", r->sent);
		sb_lp_int(L, "received", r->received);
		break;
	case SB_PROBE_HTTP:
		sb_lp_str(L, "url", r->target);
		sb_lp_int(L, "status", r->status);
		sb_lp_num(L, "total", r->rtt);
		sb_lp_str(L, "error", r->error);
		break;
	case SB_PROBE_TRACE:
		sb_lp_str(L, "ip", r->target);
		sb_lp_str(L, "hops", r->hops);
		sb_lp_int(L, "nhops", r->nhops);
		break;
	}
	if (c->each) {
		lua_call(L, 1, 0);
	} else {
		lua_rawseti(L, c->list, ++c->n);
	}
	return SB_OK;
}

/* A "YYYY-MM-DD" argument of the table at index 1, or none. */
static int sb_lp_date(lua_State *L, const char *k, sb_date *d)
{
	lua_getfield(L, 1, k);
	int have = !lua_isnil(L, -1);
	if (have) {
		const char *s = lua_tostring(L, -1);
		if (s == NULL || sb_date_parse(s, d) != SB_OK)
			luaL_error(L, "sb.probes.query: %s: expected a date YYYY-MM-DD", k);
	}
	lua_pop(L, 1);
	return have;
}

static int64_t sb_lp_id(lua_State *L, const char *k)
{
	lua_getfield(L, 1, k);
	int64_t v = -1;
	if (!lua_isnil(L, -1)) {
		int isnum = 0;
		lua_Integer i = lua_tointegerx(L, -1, &isnum);
		if (!isnum || i < 0)
			luaL_error(L, "sb.probes.query: %s: expected a whole number >= 0", k);
		v = (int64_t)i;
	}
	lua_pop(L, 1);
	return v;
}

/* sb.probes.query{kind = "ping"|"http"|"trace", monitor =, link =, from =, to =, each =} ->
 * rows ordered by monitor, link, timestamp (from..to: local days, both included). */
static int sb_lp_query(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	static const char *const allowed[] = {"kind", "monitor", "link", "from",
					      "to",   "each",    NULL};
	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int known = 0;
		for (size_t i = 0; k != NULL && allowed[i] != NULL; i++)
			known |= strcmp(k, allowed[i]) == 0;
		if (!known)
			return luaL_error(L, "sb.probes.query: unknown argument %s",
					  k != NULL ? k : "(not a name)");
		lua_pop(L, 1);
	}
	lua_getfield(L, 1, "kind");
	static const char *const kinds[] = {"ping", "http", "trace", NULL};
	int kind = luaL_checkoption(L, -1, NULL, kinds);
	lua_pop(L, 1);
	int64_t monitor = sb_lp_id(L, "monitor"), link = sb_lp_id(L, "link");
	sb_date d;
	int64_t from = 0, to = INT64_MAX, end = 0;
	if (sb_lp_date(L, "from", &d))
		sb_date_bounds(d, &from, &end);
	if (sb_lp_date(L, "to", &d))
		sb_date_bounds(d, &end, &to);
	const sb_lua_env *env = sb_lua_env_of(L);
	if (env == NULL || env->store == NULL)
		return luaL_error(L, "sb.probes.query: no store in this run");
	lua_getfield(L, 1, "each");
	sb_lp_call c = {.L = L, .kind = (sb_probe_kind)kind};
	if (!lua_isnil(L, -1)) {
		luaL_checktype(L, -1, LUA_TFUNCTION);
		c.each = lua_gettop(L);
	} else {
		lua_newtable(L);
		c.list = lua_gettop(L);
	}
	sb_err err = {0};
	if (sb_store_query_probe(env->store, (sb_probe_kind)kind, monitor, link, from, to,
				 sb_lp_row, &c, &err) != SB_OK)
		return luaL_error(L, "sb.probes.query: %s", err.msg);
	return c.each ? 0 : 1;
}

void sb_lua_open_probes(lua_State *L, int sb_index)
{
	sb_index = lua_absindex(L, sb_index);
	static const luaL_Reg funcs[] = {
		{"query", sb_lp_query},
		{NULL, NULL},
	};
	luaL_newlib(L, funcs);
	lua_setfield(L, sb_index, "probes");
}
