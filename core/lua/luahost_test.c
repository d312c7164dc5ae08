/* luahost_test.c - the Lua host: error positions and tracebacks, memory cap, sections, collect. */
#include "config.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "lua/luahost.h"
#include "tap.h"

static char dir[256];

/* Writes name (relative to dir) with body; returns the full path (static buffer per call). */
static const char *script(const char *name, const char *body)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	sb_err err = {0};
	sb_fs_mkdirs_for(p);
	if (sb_fs_write_atomic(p, body, strlen(body), &err) != SB_OK)
		printf("# cannot write %s: %s\n", p, err.msg);
	return p;
}

/* What collect saw: the number of results and each as a string (tostring). */
typedef struct got {
	int n;
	char v[4][128];
	int fail;
} got;

static int collect(lua_State *L, void *ctx, sb_err *err)
{
	got *g = ctx;
	g->n = lua_gettop(L);
	for (int i = 1; i <= g->n && i <= 4; i++) {
		const char *s = luaL_tolstring(L, i, NULL);
		snprintf(g->v[i - 1], sizeof(g->v[i - 1]), "%s", s);
		lua_pop(L, 1);
	}
	if (g->fail)
		return sb_err_set(err, SB_EINVAL, "collect refused the results");
	return SB_OK;
}

static int run(const sb_lua_env *env, const char *path, const sb_lua_section *secs, size_t n,
	       const char *const *args, got *g, sb_err *err)
{
	memset(err, 0, sizeof(*err));
	return sb_lua_run(env, path, secs, n, args, g != NULL ? collect : NULL, g, err);
}

static const sb_lua_env *seen_env;

static char out_dir[300];

/* check(path, write) -> true, or false and the reason: sb_lua_check_path from a script. */
static int lua_check(lua_State *L)
{
	sb_err err = {0};
	int rc = sb_lua_check_path(L, luaL_checkstring(L, 1), lua_toboolean(L, 2), &err);
	lua_pushboolean(L, rc == SB_OK);
	lua_pushstring(L, err.msg);
	return 2;
}

static void section_paths(lua_State *L, int sb_index)
{
	sb_lua_allow_dir(L, out_dir, 1);
	lua_pushcfunction(L, lua_check);
	lua_setfield(L, sb_index, "check");
}

static void section_a(lua_State *L, int sb_index)
{
	seen_env = sb_lua_env_of(L);
	lua_pushinteger(L, 42);
	lua_setfield(L, sb_index, "answer");
	lua_pushstring(L, "a");
	lua_setfield(L, sb_index, "order");
}

static void section_b(lua_State *L, int sb_index)
{
	lua_getfield(L, sb_index, "order");
	lua_pushfstring(L, "%sb", lua_tostring(L, -1));
	lua_setfield(L, sb_index, "order");
}

/* sb.down(): a service of the engine that fails (as the store does when it does not answer). */
static int lua_down(lua_State *L)
{
	return sb_lua_service_error(L, SB_ESTORE, "sb.down: cannot reach %s", "the store");
}

static void section_down(lua_State *L, int sb_index)
{
	lua_pushcfunction(L, lua_down);
	lua_setfield(L, sb_index, "down");
}

int main(void)
{
	if (!tap_tempdir(dir, sizeof(dir), "luahost")) {
		perror("mkdtemp");
		return 1;
	}
	sb_lua_env env = {0};
	sb_err err;
	got g;

	/* errors: file:line first, then a traceback */
	const char *p = script("boom.lua", "local x = 1\n\nerror('boom')\n");
	env.script = p;
	int rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	is_int(rc, SB_ELUA, "a script error is SB_ELUA");
	char want[300];
	snprintf(want, sizeof(want), "%s:3: boom\n", p);
	ok(strncmp(err.msg, want, strlen(want)) == 0, "the first line is file:line: message");
	if (strncmp(err.msg, want, strlen(want)) != 0)
		printf("#   got \"%s\"\n", err.msg);
	ok(strstr(err.msg, "stack traceback:") != NULL, "a traceback follows");

	script("lib/helper.lua", "local M = {}\nfunction M.f(t)\n  return t.x.y\nend\nreturn M\n");
	p = script("req.lua", "local h = require('helper')\nlocal r = h.f({})\nreturn r\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	is_int(rc, SB_ELUA, "an error inside a module of lib/ is SB_ELUA");
	ok(strstr(err.msg, "lib/helper.lua:3: attempt to index") != NULL,
	   "it names the module's file and line");
	ok(strstr(err.msg, "req.lua:2") != NULL, "the traceback names the caller's line");

	p = script("syntax.lua", "local a = 1\nlocal b = = 2\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	is_int(rc, SB_ELUA, "a syntax error is SB_ELUA");
	snprintf(want, sizeof(want), "%s:2:", p);
	ok(strncmp(err.msg, want, strlen(want)) == 0, "a syntax error names file:line");

	p = script("level0.lua", "local t = {}\n\nerror('no position', 0)\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	snprintf(want, sizeof(want), "%s:3: no position", p);
	ok(rc == SB_ELUA && strncmp(err.msg, want, strlen(want)) == 0,
	   "an error without a position gets the script's line");

	p = script("table.lua", "error({})\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "table.lua:1: (error object is a table value)") != NULL,
	   "a non-string error object is described");

	rc = run(&env, "/nonexistent/x.lua", NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "cannot open /nonexistent/x.lua") != NULL,
	   "a missing script is named");

	/* the memory cap */
	p = script("mem.lua", "local ok, e = pcall(string.rep, 'x', 1 << 30)\n"
			      "local small = string.rep('y', 1000)\n"
			      "return ok, e, #small\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, NULL, &g, &err);
	is_int(rc, SB_OK, "a refused allocation can be caught by the script");
	is_str(g.v[0], "false", "1 GiB more than the cap allows is refused");
	is_str(g.v[1], "not enough memory", "with Lua's memory error");
	is_str(g.v[2], "1000", "and the state still works after it");
	p = script("mem2.lua", "local parts = {}\nreturn string.rep('x', (1 << 30) + 1)\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "not enough memory") != NULL &&
		   strstr(err.msg, "1024 MiB") != NULL,
	   "an uncaught memory error names the cap (%s)", err.msg);

	/* sections, in order, with the env reachable */
	sb_lua_section secs[] = {section_a, section_b};
	p = script("sections.lua",
		   "return sb.answer, sb.order, require('sb') == sb, type(sb.version)\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, secs, 2, NULL, &g, &err);
	is_int(rc, SB_OK, "a script with sections runs");
	is_str(g.v[0], "42", "section a added sb.answer");
	is_str(g.v[1], "ab", "sections are called in order on the same table");
	is_str(g.v[2], "true", "require 'sb' is the sb table");
	is_str(g.v[3], "string", "sb.version is a string");
	ok(seen_env == &env, "sb_lua_env_of gives the run's env");

	/* collect: every result, and its error is the run's */
	const char *args[] = {"one", "two", NULL};
	p = script("ret.lua", "return #arg, arg[1], select('#', ...), arg[0] ~= nil\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, args, &g, &err);
	is_int(rc, SB_OK, "collect runs after the script");
	is_int(g.n, 4, "collect gets every returned value");
	is_str(g.v[0], "2", "arg holds the arguments");
	is_str(g.v[1], "one", "arg[1] is the first argument");
	is_str(g.v[2], "2", "the chunk gets them as ... too");
	memset(&g, 0, sizeof(g));
	g.fail = 1;
	rc = run(&env, p, NULL, 0, args, &g, &err);
	ok(rc == SB_EINVAL && strcmp(err.msg, "collect refused the results") == 0,
	   "collect's error is returned");

	/* the base library */
	p = script("dates.lua", "local s, e = sb.day_bounds('2026-11-21')\n"
				"return sb.date_add('2024-02-28', 1), sb.weekday('2026-11-23'),\n"
				"  #sb.days_in('2024-02-27', '2024-03-02') .. ' ' .. "
				"#sb.days_in('2024-03-02', '2024-03-01'),\n"
				"  e - s\n");
	sb_time_set_zone("UTC");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, NULL, &g, &err);
	is_int(rc, SB_OK, "date helpers run");
	is_str(g.v[0], "2024-02-29", "sb.date_add crosses a leap day");
	is_str(g.v[1], "1", "sb.weekday: Monday is 1");
	is_str(g.v[2], "5 0", "sb.days_in is inclusive, empty when reversed");
	is_str(g.v[3], "86400", "sb.day_bounds gives a day");
	/* the statistics */
	p = script("stats.lua",
		   "local v = {5, 1, 4, 2, 3, 6}\n"
		   "local r = sb.stats.percentile(v, 95)\n"
		   "return sb.stats.median(v) .. ' ' .. sb.stats.median({0.3, 0.1, 0.2}),\n"
		   "  math.type(r) .. ' ' .. r .. ' ' .. sb.stats.percentile({0.5, 2.5}, 50),\n"
		   "  table.concat(v, ','),\n"
		   "  tostring(sb.stats.median({})) .. ' ' .. sb.stats.rank(20, 95)\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, NULL, &g, &err);
	is_int(rc, SB_OK, "sb.stats runs");
	is_str(g.v[0], "3.5 0.2", "sb.stats.median: the mean of the middle two of an even count");
	is_str(g.v[1], "integer 6 0.5",
	       "sb.stats.percentile: nearest rank, integers stay integers");
	is_str(g.v[2], "5,1,4,2,3,6", "the list is left as it was");
	is_str(g.v[3], "nil 19", "nil for no numbers; sb.stats.rank is the rule's rank");
	p = script("badstats.lua", "return sb.stats.median({1, 'x'})\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "entry 2 is a string, not a number") != NULL,
	   "sb.stats refuses a list with a string in it");
	/* the forecast: 40 days of 1 + 0.25 a day, integers, from 2026-01-30 across February */
	p = script(
		"forecast.lua",
		"local d, v = {}, {}\n"
		"for i = 0, 39 do d[#d + 1] = sb.date_add('2026-01-30', i); v[#v + 1] = 4 + i end\n"
		"local f = sb.stats.forecast(d, v, 60)\n"
		"local g = sb.stats.forecast(d, v, 60, {min_days = 41})\n"
		"return string.format('%.4f %.4f %d %s %s', f.slope, f.r2, f.days, f.status, "
		"f.cross),\n"
		"  f.from .. ' ' .. f.to .. ' ' .. f.start .. ' ' .. f.last,\n"
		"  g.status .. ' ' .. tostring(g.cross)\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, NULL, &g, &err);
	is_int(rc, SB_OK, "sb.stats.forecast runs (%s)", err.msg);
	/* 60 = 4 + x → 56 days after 2026-01-30: 2026-03-27 */
	is_str(g.v[0], "1.0000 1.0000 40 date 2026-03-27",
	       "sb.stats.forecast: slope per day, R², days, the crossing day");
	is_str(g.v[1], "2026-01-30 2026-03-10 4.0 43.0", "the fitted days and the line's ends");
	is_str(g.v[2], "few nil", "min_days overrides FORECAST_MIN_DAYS; no date then");
	p = script("badforecast.lua", "return sb.stats.forecast({'2026-01-01'}, {1, 2}, 5)\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "as many values as dates") != NULL,
	   "sb.stats.forecast wants a value per date");
	p = script("badpct.lua", "return sb.stats.percentile({1}, 0)\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "expected a percentile 1..100") != NULL,
	   "sb.stats.percentile checks the percentile");
	p = script("baddate.lua", "return sb.weekday('2023-02-29')\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "baddate.lua:1: bad argument #1 to 'weekday'") != NULL,
	   "a bad date is an argument error at the caller's line");
	p = script("badlog.lua", "sb.log('loud', 'x')\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "expected \"error\"") != NULL,
	   "sb.log checks its level");

	char root[300];
	snprintf(root, sizeof(root), "%s/root", dir);
	sb_fs_mkdirs(root);
	char envfile[340];
	snprintf(envfile, sizeof(envfile), "%s/.env", root);
	const char *dotenv = "SCAN_TIMEOUT=31\nTLS_VERIFY=no\nSCAN_URL_RAI_ZTE=http://x/rai\n"
			     "SCAN_PASSWORD=hunter2\n";
	sb_fs_write_atomic(envfile, dotenv, strlen(dotenv), &err);
	unsetenv("SCAN_TIMEOUT");
	unsetenv("TLS_VERIFY");
	unsetenv("SCAN_URL_RAI_ZTE");
	sb_settings s;
	memset(&err, 0, sizeof(err));
	ok(sb_settings_load(&s, root, 0, &err) == SB_OK, "settings load (%s)", err.msg);
	env.s = &s;
	p = script(
		"settings.lua",
		"return math.type(sb.setting('SCAN_TIMEOUT')) .. sb.setting('SCAN_TIMEOUT'),\n"
		"  sb.setting('TLS_VERIFY'), sb.setting('SCAN_URL_RAI_ZTE'), sb.setting('NOPE')\n");
	memset(&g, 0, sizeof(g));
	rc = run(&env, p, NULL, 0, NULL, &g, &err);
	is_int(rc, SB_OK, "sb.setting runs");
	is_str(g.v[0], "integer31", "a number setting is an integer");
	is_str(g.v[1], "false", "a yes/no setting is a boolean");
	is_str(g.v[2], "http://x/rai", "a free-form key is read from the .env");
	is_str(g.v[3], "nil", "an unknown key is nil");
	p = script("secret.lua", "return sb.setting('SCAN_PASSWORD')\n");
	rc = run(&env, p, NULL, 0, NULL, NULL, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "secret") != NULL && strstr(err.msg, "hunter2") == NULL,
	   "a secret setting is refused");
	sb_settings_free(&s);

	/* the sandbox's folders: symbolic links and ".." resolved before the check */
	snprintf(out_dir, sizeof(out_dir), "%s/out", dir);
	char link[300];
	snprintf(link, sizeof(link), "%s/box/escape", dir);
	sb_fs_mkdirs_for(link);
	if (symlink("/etc", link) != 0)
		printf("# cannot make the link %s\n", link);
	sb_lua_env penv = {0};
	const sb_lua_section psec[] = {section_paths};
	char text[2048];
	snprintf(text, sizeof(text),
		 "local o, d = '%s', '%s'\n"
		 "local function c(p, w) return tostring((sb.check(p, w))) end\n"
		 "return table.concat({c(o .. '/new/deeper/f.txt', true), c(o .. '/../x', true),\n"
		 "  c(o .. '/new/../../x', true), c(d .. '/box/escape/passwd', false),\n"
		 "  c(d .. '/box/paths.lua', false), c(d .. '/box/paths.lua', true),\n"
		 "  c(d .. '/box/../box/paths.lua', false), c('/etc/passwd', false)}, ' '),\n"
		 "  select(2, sb.check('/etc/passwd'))\n",
		 out_dir, dir);
	char *body = sb_xstrdup(script("box/paths.lua", text));
	memset(&g, 0, sizeof(g));
	rc = run(&penv, body, psec, 1, NULL, &g, &err);
	is_int(rc, SB_OK, "the sandbox's path checks run (%s)", err.msg);
	is_str(g.v[0], "true false false false true false true false",
	       "writes go under the output folder only (new subfolders, no .. out of it, none "
	       "through a link or a missing folder); reads also in the script's folder, not "
	       "through a link to /etc");
	ok(strstr(g.v[1], "LUA_TRUSTED") != NULL, "a refusal says how to lift it: %s", g.v[1]);
	penv.trusted = 1;
	memset(&g, 0, sizeof(g));
	rc = run(&penv, body, psec, 1, NULL, &g, &err);
	is_str(g.v[0], "true true true true true true true true", "a trusted run may go anywhere");
	free(body);

	/* a service failure: the run fails with its code and message, no traceback */
	static const sb_lua_section down[] = {section_down};
	sb_lua_env denv = {0};
	p = script("down.lua", "local x = 1\nsb.down()\n");
	rc = run(&denv, p, down, 1, NULL, NULL, &err);
	is_int(rc, SB_ESTORE, "a service failure is the run's outcome");
	is_str(err.msg, "sb.down: cannot reach the store", "its message alone, no traceback");
	p = script("caught.lua", "local ok, e = pcall(sb.down)\nreturn e\n");
	memset(&g, 0, sizeof(g));
	rc = run(&denv, p, down, 1, NULL, &g, &err);
	ok(rc == SB_OK && strstr(g.v[0], "sb.down: cannot reach the store") != NULL,
	   "a script may catch it: %s", g.v[0]);
	if (!tap_rmtree(dir))
		printf("# could not remove %s\n", dir);

	return tap_done();
}
