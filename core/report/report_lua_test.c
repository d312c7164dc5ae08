/* report_lua_test.c - report periods (docs/data.md), expected samples across DST, the percentile
 * rank rule, and the sb.period / sb.report / sb.output_file functions seen from Lua. */
#include "config.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/period.h"
#include "base/timeutil.h"
#include "lua/luahost.h"
#include "report/report_lua.h"
#include "tap.h"

static sb_date day(const char *s)
{
	sb_date d = {0, 0, 0};
	if (sb_date_parse(s, &d) != SB_OK)
		printf("# bad test date %s\n", s);
	return d;
}

/* Checks name over last in a form (0, SB_PERIOD_LITERAL, SB_PERIOD_SECOND) gives
 * want_from..want_to. */
static void period(const char *name, const char *last, int form, const char *want_from,
		   const char *want_to, const char *why)
{
	sb_date from = {0, 0, 0}, to = {0, 0, 0};
	int rc = sb_period_of(name, day(last), form, &from, &to);
	const char *shown = form == SB_PERIOD_LITERAL  ? " --literal"
			    : form == SB_PERIOD_SECOND ? " --segunda"
						       : "";
	char f[11], t[11], got[32];
	sb_date_format(from, f);
	sb_date_format(to, t);
	snprintf(got, sizeof(got), "%s..%s", f, t);
	char want[32];
	snprintf(want, sizeof(want), "%s..%s", want_from, want_to);
	ok(rc == SB_OK, "%s%s %s: accepted", name, shown, last);
	is_str(got, want, "%s%s, last day %s (%s)", name, shown, last, why);
}

static void test_periods(void)
{
	/* diario */
	period("diario", "2026-11-20", 0, "2026-11-20", "2026-11-20", "the day itself");
	period("diario", "2028-02-29", 1, "2028-02-29", "2028-02-29", "--literal changes nothing");

	/* semanal: the last complete Monday..Sunday */
	period("semanal", "2026-11-22", 0, "2026-11-16", "2026-11-22", "last day a Sunday");
	period("semanal", "2026-11-23", 0, "2026-11-16", "2026-11-22", "last day a Monday");
	period("semanal", "2026-11-25", 0, "2026-11-16", "2026-11-22", "a Wednesday");
	period("semanal", "2026-11-21", 0, "2026-11-09", "2026-11-15", "a Saturday");
	period("semanal", "2027-01-02", 0, "2026-12-21", "2026-12-27", "across the new year");
	period("semanal", "2028-03-01", 0, "2028-02-21", "2028-02-27", "after a leap day");
	period("semanal", "2026-11-23", 1, "2026-11-17", "2026-11-23", "literal: 7 days");
	period("semanal", "2028-03-02", 1, "2028-02-25", "2028-03-02", "literal over a leap day");

	/* quincenal: days 1-15 of the month of the last day */
	period("quincenal", "2026-11-20", 0, "2026-11-01", "2026-11-15", "after the 15th");
	period("quincenal", "2026-11-30", 0, "2026-11-01", "2026-11-15", "at a month end");
	period("quincenal", "2026-12-01", 0, "2026-12-01", "2026-12-15", "on the 1st");
	period("quincenal", "2028-02-29", 0, "2028-02-01", "2028-02-15", "on a leap day");
	period("quincenal", "2026-03-01", 1, "2026-02-15", "2026-03-01", "literal: 15 days");
	period("quincenal", "2028-03-01", 1, "2028-02-16", "2028-03-01", "literal over a leap day");

	/* quincenal --segunda: days 16 to the end of the month of the last day */
	const int second = SB_PERIOD_SECOND;
	period("quincenal", "2026-11-30", second, "2026-11-16", "2026-11-30",
	       "run on the 1st: the previous month's");
	period("quincenal", "2026-11-20", second, "2026-11-16", "2026-11-30", "mid fortnight");
	period("quincenal", "2026-11-03", second, "2026-11-16", "2026-11-30", "before the 16th");
	period("quincenal", "2026-12-31", second, "2026-12-16", "2026-12-31", "December, 31 days");
	period("quincenal", "2028-02-29", second, "2028-02-16", "2028-02-29", "a leap February");
	period("quincenal", "2027-02-10", second, "2027-02-16", "2027-02-28", "a common February");
	period("quincenal", "2027-04-30", second, "2027-04-16", "2027-04-30", "April, 30 days");

	/* mensual: day 1 of the last day's month .. the last day */
	period("mensual", "2026-11-20", 0, "2026-11-01", "2026-11-20", "mid month");
	period("mensual", "2026-11-30", 0, "2026-11-01", "2026-11-30",
	       "run on the 1st: the whole previous month");
	period("mensual", "2026-12-31", 0, "2026-12-01", "2026-12-31", "December");
	period("mensual", "2028-02-29", 0, "2028-02-01", "2028-02-29", "a leap February");
	period("mensual", "2027-02-28", 0, "2027-02-01", "2027-02-28", "a common February");
	period("mensual", "2026-12-01", 0, "2026-12-01", "2026-12-01", "the 1st itself");
	period("mensual", "2028-03-01", 1, "2028-02-01", "2028-03-01",
	       "literal: 30 days over Feb 29");
	period("mensual", "2027-01-15", 1, "2026-12-17", "2027-01-15", "literal across years");

	sb_date f, t;
	is_int(sb_period_of("anual", day("2026-11-20"), 0, &f, &t), SB_EINVAL,
	       "an unknown period is refused");
	is_int(sb_period_of(NULL, day("2026-11-20"), 0, &f, &t), SB_EINVAL, "no name refused");
	is_int(sb_period_of("mensual", day("2026-11-20"), SB_PERIOD_SECOND, &f, &t), SB_EINVAL,
	       "only quincenal has a second fortnight");
	is_int(sb_period_of("quincenal", day("2026-11-20"), SB_PERIOD_SECOND | SB_PERIOD_LITERAL,
			    &f, &t),
	       SB_EINVAL, "--segunda and --literal exclude each other");
}

static void test_days_and_samples(void)
{
	is_int(sb_period_days(day("2028-02-01"), day("2028-02-29")), 29, "29 days in Feb 2028");
	is_int(sb_period_days(day("2026-12-25"), day("2027-01-05")), 12, "days across a year");
	is_int(sb_period_days(day("2026-11-20"), day("2026-11-19")), 0, "to before from: 0 days");

	sb_time_set_zone("America/Caracas"); /* no DST */
	is_int(sb_period_expected_samples(day("2026-11-01"), day("2026-11-30")), 30 * 288,
	       "Caracas: 288 samples a day");
	sb_time_set_zone("America/New_York");
	is_int(sb_period_expected_samples(day("2026-03-08"), day("2026-03-08")), 276,
	       "New York, spring forward: 276 samples");
	is_int(sb_period_expected_samples(day("2026-11-01"), day("2026-11-01")), 300,
	       "New York, fall back: 300 samples");
	is_int(sb_period_expected_samples(day("2026-03-02"), day("2026-03-08")), 7 * 288 - 12,
	       "a week with a short day");
	is_int(sb_period_expected_samples(day("2026-03-01"), day("2026-03-31")), 31 * 288 - 12,
	       "March with its short day");
	sb_time_set_zone("Europe/Madrid");
	is_int(sb_period_expected_samples(day("2026-03-29"), day("2026-03-29")), 276,
	       "Madrid's spring forward is another day");
	is_int(sb_period_expected_samples(day("2026-10-25"), day("2026-10-25")), 300,
	       "Madrid, fall back");
	is_int(sb_period_expected_samples(day("2026-11-20"), day("2026-11-19")), 0,
	       "an empty period expects nothing");
}

/* ---- from Lua ---- */

static char dir[256];

static const char *script(const char *name, const char *body)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sb_err err = {0};
	if (sb_fs_write_atomic(path, body, strlen(body), &err) != SB_OK)
		printf("# cannot write %s: %s\n", path, err.msg);
	return path;
}

typedef struct got {
	char v[4][160];
	int n;
	char outputs[4][256];
	int noutputs;
} got;

static int collect(lua_State *L, void *ctx, sb_err *err)
{
	got *g = ctx;
	g->n = lua_gettop(L);
	for (int i = 1; i <= g->n && i <= 4; i++) {
		snprintf(g->v[i - 1], sizeof(g->v[i - 1]), "%s", luaL_tolstring(L, i, NULL));
		lua_pop(L, 1);
	}
	sb_lua_push_outputs(L);
	g->noutputs = (int)lua_rawlen(L, -1);
	for (int i = 1; i <= g->noutputs && i <= 4; i++) {
		lua_rawgeti(L, -1, i);
		snprintf(g->outputs[i - 1], sizeof(g->outputs[i - 1]), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	(void)err;
	return SB_OK;
}

static int run(sb_report_ctx *ctx, const char *path, got *g, sb_err *err)
{
	memset(g, 0, sizeof(*g));
	sb_err_clear(err);
	sb_lua_env env = {.script = path, .user = ctx};
	const sb_lua_section sections[] = {sb_lua_open_report};
	return sb_lua_run(&env, path, sections, 1, NULL, collect, g, err);
}

static void test_lua(void)
{
	sb_report_ctx ctx = {.name = "semanal",
			     .format = "csv",
			     .out_dir = dir,
			     .date = day("2026-11-25"),
			     .literal = 0};
	sb_err err = {0};
	got g;
	const char *p = script("periods.lua",
			       "local f, t = sb.period('mensual', '2028-02-29')\n"
			       "local a, b = sb.report.range()\n"
			       "local c, d = sb.report.range('quincenal')\n"
			       "return f .. '..' .. t, a .. '..' .. b, c .. '..' .. d,\n"
			       "  sb.period_days(f, t) .. ' ' .. sb.report.format .. ' ' ..\n"
			       "  sb.report.date .. ' ' .. tostring(sb.report.literal)\n");
	int rc = run(&ctx, p, &g, &err);
	is_int(rc, SB_OK, "period script runs");
	if (rc != SB_OK)
		printf("# %s\n", err.msg);
	is_str(g.v[0], "2028-02-01..2028-02-29", "sb.period('mensual', leap day)");
	is_str(g.v[1], "2026-11-16..2026-11-22", "sb.report.range(): the report's own period");
	is_str(g.v[2], "2026-11-01..2026-11-15", "sb.report.range('quincenal') over --date");
	is_str(g.v[3], "29 csv 2026-11-25 false", "period_days, format, date, literal");

	ctx.have_range = 1;
	ctx.from = day("2026-10-01");
	ctx.to = day("2026-10-09");
	p = script("range.lua", "local a, b = sb.report.range('mensual')\n"
				"return a .. '..' .. b, sb.report.from, sb.report.to\n");
	rc = run(&ctx, p, &g, &err);
	is_str(g.v[0], "2026-10-01..2026-10-09", "--from/--to win over the period");
	is_str(g.v[1], "2026-10-01", "sb.report.from");

	ctx.have_range = 0;
	ctx.name = "top10";
	p = script("noperiod.lua", "local a, b = sb.report.range()\nreturn a\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "noperiod.lua:1:") != NULL &&
		   strstr(err.msg, "has no period of its own") != NULL,
	   "a report without a period of its own must name one (file:line)");

	p = script("badperiod.lua", "\nlocal a = sb.period('anual', '2026-11-20')\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "badperiod.lua:2:") != NULL &&
		   strstr(err.msg, "unknown period \"anual\"") != NULL,
	   "an unknown period is an error at its line");
	p = script("baddate.lua", "return sb.period_days('2026-02-30', '2026-03-01')\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "expected a date YYYY-MM-DD") != NULL,
	   "a date that does not exist is refused");
	p = script("nostore.lua", "return sb.store.summaries{layer = 'BORDE'}\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "this run has no store") != NULL,
	   "store functions without a store: a clear error");
	p = script("badarg.lua",
		   "return sb.store.summaries{layer = 'BORDE', date = '2026-11-20'}\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "unknown argument \"date\"") != NULL,
	   "a misspelt query argument is named");
	p = script("output.lua", "return sb.report.output('../x.csv')\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "plain file name") != NULL,
	   "sb.report.output refuses paths");

	/* output files: committed on close, nothing left otherwise */
	char out[300], tmp[340], out_dir[300];
	snprintf(out, sizeof(out), "%s/out/a.csv", dir);
	p = script("write.lua", "local f = sb.output_file(sb.report.output('a.csv'))\n"
				"f:write('x,', 1, '\\n')\n"
				"return f:close()\n");
	snprintf(out_dir, sizeof(out_dir), "%s/out", dir);
	ctx.out_dir = out_dir;
	rc = run(&ctx, p, &g, &err);
	is_int(rc, SB_OK, "output_file script runs");
	char *body = NULL;
	size_t len = 0;
	sb_err e2 = {0};
	ok(sb_fs_read(out, 1024, &body, &len, &e2) == SB_OK && strcmp(body, "x,1\n") == 0,
	   "output_file: written on close");
	free(body);
	is_int(g.noutputs, 1, "one output recorded");
	is_str(g.outputs[0], out, "its path");

	unlink(out);
	p = script("fail.lua", "local f = sb.output_file(sb.report.output('a.csv'))\n"
			       "f:write('half')\n"
			       "error('stop here')\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "fail.lua:3: stop here") != NULL,
	   "a failing script: file:line of the error");
	ok(access(out, F_OK) != 0, "... and no output file");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	ok(access(tmp, F_OK) != 0, "... and no temp file");

	p = script("scope.lua", "do local f <close> = sb.output_file(sb.report.output('a.csv'))\n"
				"f:write('x') end\nreturn 1\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_OK && access(out, F_OK) != 0 && access(tmp, F_OK) != 0 && g.noutputs == 0,
	   "an output file left open by <close> is discarded");
	p = script("twice.lua", "local f = sb.output_file(sb.report.output('a.csv'))\n"
				"f:close()\nf:write('x')\n");
	rc = run(&ctx, p, &g, &err);
	ok(rc == SB_ELUA && strstr(err.msg, "twice.lua:3:") != NULL &&
		   strstr(err.msg, "already closed") != NULL,
	   "writing after close is an error");
	unlink(out);
}

int main(void)
{
	test_periods();
	test_days_and_samples();
	if (!tap_tempdir(dir, sizeof(dir), "report-lua")) {
		perror("mkdtemp");
		return 1;
	}
	sb_time_set_zone("America/Caracas");
	test_lua();
	if (!tap_rmtree(dir))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
