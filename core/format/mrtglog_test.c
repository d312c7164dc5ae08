/* mrtglog_test.c - whole MRTG logs read section by section: MRTG's own layout, its boundaries,
 * logs with gaps, bad lines, cut logs and lines past the end. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/sb.h"
#include "format/mrtglog.h"
#include "tap.h"

typedef struct text {
	char *s;
	size_t len, cap;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = sb_xrealloc(t->s, t->cap);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* The values written for a line: a function of its time and resolution. */
static sb_mrtg_sample value_of(int64_t ts, int64_t res)
{
	int64_t in = ts % 1000003 + res, out = ts % 999983 + 2 * res;
	return (sb_mrtg_sample){ts, in, out, in + 7, out + 11};
}

/* How a generated log differs from MRTG's own. */
typedef struct gen_opts {
	int64_t gap_from, gap_to; /* 5-minute lines stamped in [from, to) left out, the section
				   * keeping 599 aligned lines (it reaches further back) */
	int64_t bad_at;           /* a malformed line written before the line stamped bad_at */
	size_t cut;               /* keep only this many lines (0: all) */
	int extra;                /* lines written after the 1-day section */
	int crlf;                 /* CR LF line ends, the last line without any */
} gen_opts;

typedef struct gen {
	text t;
	size_t lines;
	const gen_opts *o;
} gen;

static void gen_line(gen *g, int64_t ts, int64_t res)
{
	if (g->o->cut > 0 && g->lines >= g->o->cut)
		return;
	if (g->o->bad_at != 0 && ts == g->o->bad_at) {
		text_add(&g->t, "%" PRId64 " 12 x3 4 5%s", ts + 1, g->o->crlf ? "\r\n" : "\n");
		g->lines++;
	}
	sb_mrtg_sample v = value_of(ts, res);
	text_add(&g->t, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "%s", v.ts,
		 v.in_avg, v.out_avg, v.in_max, v.out_max, g->o->crlf ? "\r\n" : "\n");
	g->lines++;
}

static int64_t floor_to(int64_t ts, int64_t step)
{
	return ts - ts % step;
}

/* The log MRTG's rateup writes when it polls at now, 300 s after its previous poll: the counters,
 * the latest poll, a partial line stamped with the previous poll when it is off the 5-minute
 * grid, 599 lines on it, then for 30 minutes, 2 hours and 1 day a partial line (when the time
 * reached is off that grid) and 600, 600, 732 lines. Returns the text; *last5 gets the stamp of
 * the last 5-minute line. */
static text gen_log(int64_t now, const gen_opts *o, int64_t *last5)
{
	gen g = {.o = o};
	text_add(&g.t, "%" PRId64 " 18446744073709551615 2251799813685248%s", now,
		 o->crlf ? "\r\n" : "\n");
	g.lines = 1;
	gen_line(&g, now, 300);
	int64_t prev = now - 300, plan = floor_to(prev, 300);
	if (plan < prev)
		gen_line(&g, prev, 300);
	int64_t t = plan;
	for (int x = 1; x < 600; t -= 300) {
		if (t >= o->gap_from && t < o->gap_to)
			continue;
		gen_line(&g, t, 300);
		*last5 = t;
		x++;
	}
	static const int64_t steps[3][2] = {{1800, 600}, {7200, 600}, {86400, 732}};
	for (int s = 0; s < 3; s++) {
		plan = floor_to(t, steps[s][0]);
		if (plan < t)
			gen_line(&g, t, steps[s][0]);
		t = plan;
		for (int x = 0; x < steps[s][1]; x++, t -= steps[s][0])
			gen_line(&g, t, steps[s][0]);
	}
	for (int x = 0; x < o->extra; x++, t -= 86400)
		gen_line(&g, t, 86400);
	if (o->crlf && g.t.len >= 2)
		g.t.len -= 2; /* the last line without its line end */
	return g.t;
}

/* 1 if every line read carries the values written for it and the lines tile time. */
static int lines_ok(const sb_mrtg_log *log, const char *what)
{
	for (size_t i = 0; i < log->n; i++) {
		const sb_mrtg_line *l = &log->lines[i];
		sb_mrtg_sample want = value_of(l->s.ts, l->res);
		if (i > 0 && memcmp(&l->s, &want, sizeof(want)) != 0) {
			printf("# %s: line %u (ts %" PRId64 ") holds other values\n", what,
			       l->lineno, l->s.ts);
			return 0;
		}
		if (i + 1 < log->n && l->s.ts - l->window != log->lines[i + 1].s.ts) {
			printf("# %s: line %u: ts %" PRId64
			       " - window %d is not the next ts %" PRId64 "\n",
			       what, l->lineno, l->s.ts, l->window, log->lines[i + 1].s.ts);
			return 0;
		}
	}
	return 1;
}

static size_t count_res(const sb_mrtg_log *log, int32_t res, int partial)
{
	size_t n = 0;
	for (size_t i = log->n5; i < log->n; i++)
		n += log->lines[i].res == res && (log->lines[i].window != res) == partial;
	return n;
}

static void test_mrtg_layout(int64_t now, const char *what)
{
	gen_opts o = {0};
	int64_t last5 = 0;
	text t = gen_log(now, &o, &last5);
	sb_mrtg_log log;
	is_int(sb_mrtg_log_read(t.s, t.len, &log), SB_OK, "%s: read", what);
	int partial5 = (now - 300) % 300 != 0;
	is_int(log.n5, 600 + partial5, "%s: the 5-minute section is line 2, %sthe 599 lines", what,
	       partial5 ? "the partial bucket and " : "");
	is_int(log.lines[log.n5 - 1].s.ts, last5, "%s: ... down to the last 5-minute line", what);
	const sb_mrtg_line *first = &log.lines[log.n5];
	is_int(first->s.ts, last5 - 300, "%s: the first 30-minute line sits 300 s after it", what);
	is_int(first->res, SB_MRTG_RES_30MIN, "%s: and is read as 30-minute data", what);
	int has_partial = (last5 - 300) % 1800 != 0;
	is_int(count_res(&log, SB_MRTG_RES_30MIN, 1), has_partial, "%s: %s 30-minute partial line",
	       what, has_partial ? "one" : "no");
	if (has_partial)
		is_int(first->window, (last5 - 300) % 1800,
		       "%s: the partial line covers back to the 30-minute boundary", what);
	is_int(count_res(&log, SB_MRTG_RES_30MIN, 0), 600, "%s: 600 full 30-minute lines", what);
	is_int(count_res(&log, SB_MRTG_RES_2HOUR, 0), 600, "%s: 600 full 2-hour lines", what);
	is_int(count_res(&log, SB_MRTG_RES_1DAY, 0), 732, "%s: 732 full 1-day lines", what);
	is_int(log.ncoarse[0] + log.ncoarse[1] + log.ncoarse[2], log.n - log.n5,
	       "%s: every line after the 5-minute section is in one of the three", what);
	ok(log.nbad == 0 && log.nstray == 0, "%s: nothing bad, nothing stray", what);
	ok(lines_ok(&log, what), "%s: values kept, the lines tile time", what);
	const sb_mrtg_line *last = &log.lines[log.n - 1];
	is_int(last->s.ts % 86400, 0, "%s: the last line is a day line at UTC midnight", what);
	sb_mrtg_log_free(&log);
	free(t.s);
}

int main(void)
{
	/* 2026-11-21 04:02:17 UTC: every section with a partial line */
	test_mrtg_layout(1795320137, "04:02:17");
	/* polls on the 5-minute grid: no partial bucket; the 30-minute grid reached exactly */
	int64_t now = 1795320000 + 300 * 2;
	test_mrtg_layout(now, "on the grid");

	/* a log with a 3.5-hour gap in its 5-minute lines, still 599 of them: the grid hung from
	 * line 2 ends the 5-minute section, the 42 lines beyond it are strays */
	{
		int64_t t0 = 1795320137;
		gen_opts o = {.gap_from = floor_to(t0, 300) - 20 * 3600,
			      .gap_to = floor_to(t0, 300) - 20 * 3600 + 42 * 300};
		int64_t last5 = 0;
		text t = gen_log(t0, &o, &last5);
		sb_mrtg_log log;
		sb_mrtg_log_read(t.s, t.len, &log);
		is_int(log.n5, 601 - 42, "gap: the 5-minute section stops at its grid");
		/* the last of them, right above the first 30-minute line, is that section's
		 * partial line when no partial line of MRTG's stands there: it covers exactly the 5
		 * minutes before it, as a partial line would */
		int aligned = (last5 - 300) % 1800 == 0;
		is_int(log.nstray, 42 - aligned, "gap: the 5-minute lines beyond it are strays");
		is_int(log.first_stray, log.lines[log.n5 - 1].lineno + 1,
		       "gap: the first stray is the line after the section");
		is_int(count_res(&log, SB_MRTG_RES_30MIN, 0), 600,
		       "gap: none of them is taken for a full 30-minute line, even on the half "
		       "hour");
		is_int(log.lines[log.n5].s.ts, aligned ? last5 : last5 - 300,
		       "gap: the 30-minute section starts where MRTG's does");
		ok(log.nbad == 0, "gap: no bad line");
		sb_mrtg_log_free(&log);
		free(t.s);
	}

	/* a malformed line among the 2-hour lines: skipped, the section goes on */
	{
		int64_t t0 = 1795320137;
		int64_t at = floor_to(t0, 7200) - 40 * 86400;
		gen_opts o = {.bad_at = at};
		int64_t last5 = 0;
		text t = gen_log(t0, &o, &last5);
		sb_mrtg_log log;
		sb_mrtg_log_read(t.s, t.len, &log);
		is_int(log.nbad, 1, "bad line: counted");
		is_int(count_res(&log, SB_MRTG_RES_2HOUR, 0), 600,
		       "bad line: the 2-hour section whole");
		is_int(count_res(&log, SB_MRTG_RES_1DAY, 0), 732,
		       "bad line: the 1-day section whole");
		ok(log.nstray == 0 && lines_ok(&log, "bad line"), "bad line: nothing else lost");
		sb_mrtg_log_free(&log);
		free(t.s);
	}

	/* a log cut in its 2-hour section; and one with lines past the 1-day section */
	{
		int64_t t0 = 1795320137;
		gen_opts o = {.cut = 1 + 601 + 601 + 300};
		int64_t last5 = 0;
		text t = gen_log(t0, &o, &last5);
		sb_mrtg_log log;
		sb_mrtg_log_read(t.s, t.len, &log);
		is_int(log.n, o.cut - 1, "cut: every line up to the cut");
		ok(log.ncoarse[1] > 0 && log.ncoarse[1] < 600, "cut: part of the 2-hour section");
		is_int(log.ncoarse[2], 0, "cut: no 1-day line");
		ok(log.nbad == 0 && log.nstray == 0, "cut: nothing bad");
		sb_mrtg_log_free(&log);
		free(t.s);
		gen_opts x = {.extra = 5};
		t = gen_log(t0, &x, &last5);
		sb_mrtg_log_read(t.s, t.len, &log);
		is_int(log.ncoarse[2], 733,
		       "extra: the 1-day section stops at 732 lines and its partial");
		is_int(log.nstray, 5, "extra: the lines after it are strays");
		sb_mrtg_log_free(&log);
		free(t.s);
	}

	/* CR LF, no newline at the end */
	{
		int64_t t0 = 1795320137;
		gen_opts o = {.crlf = 1};
		int64_t last5 = 0;
		text t = gen_log(t0, &o, &last5);
		sb_mrtg_log log;
		sb_mrtg_log_read(t.s, t.len, &log);
		is_int(log.ncoarse[2], 733, "crlf: every 1-day line, the last without a line end");
		ok(log.nbad == 0 && log.nstray == 0 && lines_ok(&log, "crlf"), "crlf: all read");
		sb_mrtg_log_free(&log);
		free(t.s);
	}

	/* only the 5-minute section; an empty log; one too long */
	{
		int64_t t0 = 1795320137;
		gen_opts o = {.cut = 1 + 601};
		int64_t last5 = 0;
		text t = gen_log(t0, &o, &last5);
		sb_mrtg_log log;
		sb_mrtg_log_read(t.s, t.len, &log);
		ok(log.n5 == 601 && log.n == 601, "5-minute only: read, nothing coarser");
		sb_mrtg_log_free(&log);
		free(t.s);
		is_int(sb_mrtg_log_read("", 0, &log), SB_OK, "empty: read");
		ok(log.n == 0 && log.nbad == 0, "empty: nothing");
		sb_mrtg_log_free(&log);
		is_int(sb_mrtg_log_read("", SB_MRTG_LOG_MAX + 1, &log), SB_ETOOBIG,
		       "past %zu bytes: refused", SB_MRTG_LOG_MAX);
	}
	is_int(sb_mrtg_coarse_index(SB_MRTG_RES_2HOUR), 1, "2 hours is the second coarse section");
	is_int(sb_mrtg_coarse_index(300), -1, "5 minutes is not a coarse section");
	return tap_done();
}
