/* mrtg_test.c - the MRTG parser on generated logs: local days, DST, the section end, bad lines. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/cpu.h"
#include "base/sb.h"
#include "base/timeutil.h"
#include "format/mrtg.h"
#include "tap.h"

/* A growable text. */
typedef struct text {
	char *s;
	size_t len, cap;
} text;

static void text_reserve(text *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	t->s = sb_xrealloc(t->s, cap);
	t->cap = cap;
}

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text_reserve(t, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Inserts s at byte offset at. */
static void text_insert(text *t, size_t at, const char *s, size_t n)
{
	text_reserve(t, n);
	memmove(t->s + at + n, t->s + at, t->len - at + 1);
	memcpy(t->s + at, s, n);
	t->len += n;
}

/* Byte offset of the sample line whose timestamp is ts, (size_t)-1 if none. Line 1 never
 * matches: it has no newline before it. */
static size_t text_line_at(const text *t, int64_t ts)
{
	char key[32];
	snprintf(key, sizeof(key), "\n%" PRId64 " ", ts);
	const char *hit = strstr(t->s, key);
	return hit != NULL ? (size_t)(hit - t->s) + 1 : (size_t)-1;
}

/* Removes the line whose timestamp is ts. */
static void text_drop(text *t, int64_t ts)
{
	size_t at = text_line_at(t, ts);
	size_t end = at + strcspn(t->s + at, "\n") + 1;
	memmove(t->s + at, t->s + end, t->len - end + 1);
	t->len -= end - at;
}

/* Inserts s just before the line whose timestamp is ts; returns that line's 1-based number. */
static unsigned text_insert_before(text *t, int64_t ts, const char *s, size_t n)
{
	size_t at = text_line_at(t, ts);
	unsigned line = 1;
	for (size_t i = 0; i < at; i++)
		line += t->s[i] == '\n';
	text_insert(t, at, s, n);
	return line;
}

/* The values the generator writes for a timestamp, so that every kept sample can be checked. */
static sb_mrtg_sample sample_of(int64_t ts)
{
	int64_t in = ts % 1000003, out = ts % 999983;
	return (sb_mrtg_sample){ts, in, out, in + 7, out + 11};
}

static void add_sample(text *t, int64_t ts)
{
	sb_mrtg_sample s = sample_of(ts);
	text_add(t, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", s.ts, s.in_avg,
		 s.out_avg, s.in_max, s.out_max);
}

static int64_t grid_below(int64_t ts)
{
	return (ts - 1) / 300 * 300;
}

/* A realistic MRTG log polled at now: the counters, the latest poll, a partial bucket when now is
 * not on a 5-minute boundary (half-way into the current bucket), 599 aligned lines, then 600
 * 30-minute, 600 2-hour and 797 daily lines. */
static text gen_log(int64_t now)
{
	text t = {0};
	text_add(&t, "%" PRId64 " 18446744073709551615 2251799813685248\n", now);
	add_sample(&t, now);
	int64_t a0 = grid_below(now);
	if (now % 300 >= 2)
		add_sample(&t, a0 + now % 300 / 2);
	int64_t ts = a0;
	for (int i = 0; i < SB_MRTG_SECTION_LINES; i++, ts -= 300)
		add_sample(&t, ts);
	/* ts is now 300 s before the last 5-minute line: where the first 30-minute line sits */
	static const struct {
		int64_t step;
		int lines;
	} coarse[] = {{1800, 600}, {7200, 600}, {86400, 797}};
	for (size_t c = 0; c < SB_ARRAY_SIZE(coarse); c++)
		for (int i = 0; i < coarse[c].lines; i++, ts -= coarse[c].step)
			add_sample(&t, ts);
	return t;
}

/* Feeds s[0..len) in chunks of `chunk` bytes, then finishes. Returns the number of bytes fed when
 * feed first returned 1, or len if it never did. */
static size_t parse(sb_mrtg_parser *p, const char *s, size_t len, int64_t start, int64_t end,
		    size_t chunk)
{
	sb_mrtg_init(p, start, end);
	size_t off = 0, stopped = len;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		int r = sb_mrtg_feed(p, s + off, n);
		off += n;
		if (r == 1 && stopped == len)
			stopped = off;
		if (r == 1)
			break;
	}
	sb_mrtg_finish(p);
	return stopped;
}

/* 1 if the samples are exactly newest, newest-300, ..., oldest with the generated values, minus
 * the timestamps listed in skip. */
static int samples_are(const sb_mrtg_parser *p, int64_t newest, int64_t oldest, const int64_t *skip,
		       size_t nskip)
{
	unsigned i = 0;
	for (int64_t ts = newest; ts >= oldest; ts -= 300) {
		int skipped = 0;
		for (size_t k = 0; k < nskip; k++)
			skipped |= skip[k] == ts;
		if (skipped)
			continue;
		if (i >= p->n)
			return 0;
		sb_mrtg_sample want = sample_of(ts);
		if (memcmp(&p->samples[i], &want, sizeof(want)) != 0) {
			printf("# sample %u: got ts %" PRId64 ", want %" PRId64 "\n", i,
			       p->samples[i].ts, ts);
			return 0;
		}
		i++;
	}
	return i == p->n;
}

static int same_result(const sb_mrtg_parser *a, const sb_mrtg_parser *b)
{
	return a->n == b->n && a->nbad == b->nbad && a->first_bad == b->first_bad &&
	       a->done == b->done && a->lineno == b->lineno &&
	       memcmp(a->samples, b->samples, a->n * sizeof(a->samples[0])) == 0;
}

static void day_bounds(const char *zone, const char *date, int64_t *start, int64_t *end)
{
	sb_date d;
	sb_time_set_zone(zone);
	sb_date_parse(date, &d);
	sb_date_bounds(d, start, end);
}

/* A full day fetched the next morning: every 5-minute sample of the local day, nothing else. */
static void test_day(sb_mrtg_parser *p, const char *zone, const char *date, unsigned want)
{
	int64_t s, e;
	day_bounds(zone, date, &s, &e);
	text t = gen_log(e + 3 * 3600 + 17);
	size_t stopped = parse(p, t.s, t.len, s, e, t.len);
	is_int(p->n, want, "%s %s: %u samples", zone, date, want);
	ok(samples_are(p, e - 300, s, NULL, 0),
	   "%s %s: every sample from %s 00:00 to the last "
	   "one before midnight, values intact",
	   zone, date, date);
	char db[11], tb[9];
	sb_time_local(p->samples[p->n ? p->n - 1 : 0].ts, db, tb);
	ok(strcmp(db, date) == 0 && strcmp(tb, "00:00:00") == 0,
	   "%s %s: the oldest sample is stamped %s %s local", zone, date, db, tb);
	sb_time_local(p->samples[0].ts, db, tb);
	ok(strcmp(db, date) == 0 && strcmp(tb, "23:55:00") == 0,
	   "%s %s: the newest sample is stamped %s %s local", zone, date, db, tb);
	ok(p->nbad == 0 && p->first_bad == 0, "%s %s: no bad line", zone, date);
	ok(p->done == 1 && stopped == t.len, "%s %s: done, with feed returning 1", zone, date);
	/* the parse ends on the first line older than the day: what the day needed ends with it */
	size_t older = text_line_at(&t, s - 300);
	size_t need = older + strcspn(t.s + older, "\n") + 1;
	is_int(p->used, need, "%s %s: the day needed the log's first %zu bytes", zone, date, need);
	parse(p, t.s, t.len, s, e, 7);
	is_int(p->used, need, "%s %s: the same, fed 7 bytes at a time", zone, date);
	parse(p, t.s, need, s, e, 4096);
	ok(p->done == 1 && p->n == want, "%s %s: those bytes alone give the whole day", zone, date);
	free(t.s);
}

static void test_section_end(sb_mrtg_parser *p)
{
	int64_t s, e;
	day_bounds("UTC", "2026-11-21", &s, &e);
	/* fetched 40 h after the day: the 5-minute section ends inside the day */
	int64_t now = e + 40 * 3600 + 123;
	int64_t last5 = grid_below(now) - 598 * 300;
	ok(last5 > s + 300 && last5 < e, "the last 5-minute line falls inside the day");
	text t = gen_log(now);
	ok(text_line_at(&t, last5 - 300) != (size_t)-1,
	   "the first 30-minute line is on the day too");
	parse(p, t.s, t.len, s, e, t.len);
	is_int(p->n, (e - 300 - last5) / 300 + 1,
	       "kept the 5-minute lines down to the section end");
	ok(samples_are(p, e - 300, last5, NULL, 0), "... and nothing from the 30-minute section");
	is_int(p->section_left, 0, "the whole section was counted");
	ok(p->done && p->nbad == 0, "done, no bad line");

	/* the log cut right after the 599th aligned line: done on that very line */
	size_t cut = text_line_at(&t, last5 - 300);
	sb_mrtg_init(p, s, e);
	is_int(sb_mrtg_feed(p, t.s, cut - 1), 0,
	       "up to the 599th line without its newline: more wanted");
	is_int(sb_mrtg_feed(p, "\n", 1), 1, "its newline ends the section");
	is_int(p->samples[p->n ? p->n - 1 : 0].ts, last5, "... and that line was kept");

	/* missing 5-minute lines must not let the 30-minute line in */
	text g = gen_log(now);
	int64_t gone[] = {e - 3000, e - 3300, last5 + 600};
	for (size_t i = 0; i < SB_ARRAY_SIZE(gone); i++)
		text_drop(&g, gone[i]);
	parse(p, g.s, g.len, s, e, g.len);
	ok(samples_are(p, e - 300, last5, gone, SB_ARRAY_SIZE(gone)),
	   "3 missing 5-minute lines: the others kept, still nothing past the section");
	ok(p->done && p->nbad == 0, "gaps are not bad lines");
	free(g.s);

	/* garbage lines take no place in the section */
	text b = gen_log(now);
	unsigned first = text_insert_before(&b, e - 600, "garbage here\n", 13);
	text_insert_before(&b, last5 + 300, "1 2 3\n", 6);
	text_insert_before(&b, last5, "x\n", 2);
	parse(p, b.s, b.len, s, e, b.len);
	ok(samples_are(p, e - 300, last5, NULL, 0),
	   "3 bad lines inside the section: the 599 aligned lines are still all read, no more");
	is_int(p->nbad, 3, "3 bad lines counted");
	is_int(p->first_bad, first, "first bad line number");
	free(b.s);

	/* a line replaced by garbage: the count would run one line long; the grid end stops it */
	text r = gen_log(now);
	size_t at = text_line_at(&r, e - 900);
	memcpy(r.s + at, "zzzz", 4);
	parse(p, r.s, r.len, s, e, r.len);
	int64_t replaced[] = {e - 900};
	ok(samples_are(p, e - 300, last5, replaced, 1),
	   "a garbled 5-minute line: the 30-minute line after the section is still refused");
	is_int(p->nbad, 1, "the garbled line is counted");
	free(r.s);
	free(t.s);
}

static void test_partial(sb_mrtg_parser *p)
{
	sb_time_set_zone("UTC");
	int64_t base = 1795300000 / 300 * 300;
	int64_t now = base + 150;
	text t = gen_log(now);
	parse(p, t.s, t.len, now - 3600, now + 1, t.len);
	is_int(p->n, 14, "latest poll, partial bucket and 12 aligned lines in the last hour");
	is_int(p->samples[0].ts, now, "line 2 is kept with its own time");
	is_int(p->samples[1].ts, now - 75, "the partial bucket is kept");
	is_int(p->samples[1].in_avg, sample_of(now - 75).in_avg, "... with its values");
	is_int(p->samples[2].ts, now - 150, "then the aligned lines");
	is_int(p->samples[13].ts, now - 150 - 11 * 300, "down to the window start");
	free(t.s);

	/* everything: line 2, the partial bucket, 599 lines */
	t = gen_log(now);
	parse(p, t.s, t.len, 0, INT64_MAX, t.len);
	is_int(p->n, SB_MRTG_MAX_SAMPLES, "an open window keeps the whole section, no more");
	is_int(p->samples[p->n ? p->n - 1 : 0].ts, now - 150 - 598 * 300,
	       "... ending at the 599th aligned line");
	ok(p->done == 1 && p->nbad == 0, "... done, no bad line");
	free(t.s);

	/* polled on a boundary: no partial bucket, the grid starts 300 s before line 2 */
	now = base;
	t = gen_log(now);
	parse(p, t.s, t.len, 0, INT64_MAX, t.len);
	is_int(p->n, 600, "aligned poll: line 2 and 599 lines");
	is_int(p->samples[1].ts, now - 300, "the first aligned line is 300 s before line 2");
	is_int(p->samples[599].ts, now - 599 * 300, "the last one 599 steps before");
	is_int(p->nbad, 0, "no bad line");
	free(t.s);
}

static void test_bad_lines(sb_mrtg_parser *p)
{
	int64_t s, e;
	day_bounds("UTC", "2026-11-21", &s, &e);
	text t = gen_log(e + 3 * 3600 + 17);
	char bad[512];
	snprintf(bad, sizeof(bad),
		 "hello world\n"
		 "1795300000 1 2 3\n"
		 "1795300000 1 2 3 4 5\n"
		 "-1795300000 1 2 3 4\n"
		 "17952x0000 1 2 3 4\n"
		 "99999999999999999999 1 2 3 4\n"
		 "1795300000 1 -2 3 4\n"
		 "%" PRId64 " 1 2 3 4\n" /* same time as the line before: not decreasing */
		 "%" PRId64 " 1 2 3 4\n" /* off the 5-minute grid */
		 "   \t \r\n"            /* blank: not bad */
		 "\r\n"
		 "\n",
		 e - 300, e - 450);
	unsigned first = text_insert_before(&t, e - 600, bad, strlen(bad));
	parse(p, t.s, t.len, s, e, t.len);
	is_int(p->n, 288, "bad lines skipped, the day complete");
	ok(samples_are(p, e - 300, s, NULL, 0), "... with the right values");
	is_int(p->nbad, 9, "9 bad lines, blank lines not among them");
	is_int(p->first_bad, first, "first_bad is the line number of the first one");

	/* huge lines are skipped without being buffered, in any chunking */
	char *huge = sb_xmalloc(200002);
	memset(huge, 'x', 100000);
	huge[100000] = '\n';
	memset(huge + 100001, '7', 100000);
	huge[200001] = '\n';
	text h = gen_log(e + 3 * 3600 + 17);
	unsigned hl = text_insert_before(&h, e - 900, huge, 200002);
	size_t chunks[] = {h.len, 4096, 1};
	for (size_t i = 0; i < SB_ARRAY_SIZE(chunks); i++) {
		parse(p, h.s, h.len, s, e, chunks[i]);
		ok(p->n == 288 && p->nbad == 2 && p->first_bad == hl &&
			   samples_are(p, e - 300, s, NULL, 0),
		   "two 100 kB lines in chunks of %zu: 2 bad, the day complete", chunks[i]);
	}
	free(huge);
	free(h.s);
	free(t.s);

	/* exactly SB_MRTG_LINE_MAX bytes is a line; one more is too long */
	char line[SB_MRTG_LINE_MAX + 2];
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = SB_MRTG_LINE_MAX + (size_t)extra;
		memset(line, ' ', n);
		memcpy(line, "1700000000 5 6 7 8", 18);
		line[n] = '\n';
		sb_mrtg_init(p, 0, INT64_MAX);
		sb_mrtg_feed(p, "1700000000 1 2\n", 15);
		sb_mrtg_feed(p, line, n + 1);
		sb_mrtg_finish(p);
		ok(extra ? p->n == 0 && p->nbad == 1 && p->first_bad == 2
			 : p->n == 1 && p->nbad == 0,
		   "a line of %zu bytes is %s", n, extra ? "too long" : "accepted");
	}

	/* a value over int64 */
	const char *big = "1700000000 1 2\n1700000000 9223372036854775808 1 1 1\n"
			  "1700000000 9223372036854775807 1 1 1\n";
	parse(p, big, strlen(big), 0, INT64_MAX, strlen(big));
	ok(p->nbad == 1 && p->n == 1 && p->samples[0].in_avg == INT64_MAX,
	   "2^63 is bad, 2^63-1 is kept");
}

static void test_edges(sb_mrtg_parser *p)
{
	sb_mrtg_init(p, 0, INT64_MAX);
	is_int(sb_mrtg_feed(p, NULL, 0), 0, "empty feed asks for more");
	sb_mrtg_finish(p);
	ok(p->n == 0 && p->nbad == 0 && p->lineno == 0 && p->done == 0,
	   "empty input: no sample, no bad line, not done");

	const char *counters = "1700000000 18446744073709551615 99999999999999999999\n"
			       "1700000000 5 6 7 8\n";
	parse(p, counters, strlen(counters), 0, INT64_MAX, 64);
	ok(p->nbad == 0, "line 1 counters beyond int64 are fine");
	ok(p->n == 1 && p->samples[0].in_avg == 5 && p->samples[0].out_max == 8,
	   "line 1 is not a sample, line 2 is");

	const char *only = "1700000000 1 2\n";
	parse(p, only, strlen(only), 0, INT64_MAX, 64);
	ok(p->n == 0 && p->nbad == 0 && p->done == 0, "a log of line 1 only: nothing, not done");

	const char *nohead = "garbage\n1700000000 5 6 7 8\n";
	parse(p, nohead, strlen(nohead), 0, INT64_MAX, 64);
	ok(p->nbad == 1 && p->first_bad == 1 && p->n == 1, "a bad line 1 is counted, then skipped");

	const char *blank_first = "\n\r\n1700000000 1 2\r\n1700000000 5 6 7 8\r\n";
	parse(p, blank_first, strlen(blank_first), 0, INT64_MAX, 64);
	ok(p->nbad == 0 && p->n == 1 && p->lineno == 4, "blank lines before line 1, CRLF");

	const char *last = "1700000000 1 2\n1700000000 5 6 7 8";
	sb_mrtg_init(p, 0, INT64_MAX);
	sb_mrtg_feed(p, last, strlen(last));
	is_int(p->n, 0, "a last line without newline waits");
	sb_mrtg_finish(p);
	is_int(p->n, 1, "... and is read by finish");

	const char *cut = "1700000000 1 2\n1700000000 5 6 7 8\n1699999800 5 6";
	parse(p, cut, strlen(cut), 0, INT64_MAX, 64);
	ok(p->n == 1 && p->nbad == 1 && p->first_bad == 3, "a cut last line is bad");

	const char *older = "1700000000 1 2\n1700000000 5 6 7 8\n1700000100 5 6 7 8\n";
	parse(p, older, strlen(older), 0, INT64_MAX, 64);
	ok(p->n == 1 && p->nbad == 1, "a line newer than the one before it is bad");
}

static void test_streaming(sb_mrtg_parser *p, sb_mrtg_parser *q)
{
	int64_t s, e;
	day_bounds("America/Caracas", "2026-11-21", &s, &e);
	text t = gen_log(e + 7 * 3600 + 42);
	text_insert_before(&t, e - 3000, "bad line\n\n", 10);
	text_insert_before(&t, s + 600, "1 2 3 4 5 6 7\r\n", 15);

	parse(p, t.s, t.len, s, e, t.len);
	ok(p->n == 288 && p->nbad == 2, "whole: 288 samples, 2 bad lines");
	size_t chunks[] = {1, 2, 3, 7, 255, 256, 257, 4096};
	for (size_t i = 0; i < SB_ARRAY_SIZE(chunks); i++) {
		parse(q, t.s, t.len, s, e, chunks[i]);
		ok(same_result(p, q), "chunks of %zu bytes give the same result as the whole",
		   chunks[i]);
	}

	/* CRLF and blank lines everywhere */
	text c = {0};
	for (size_t i = 0; i < t.len; i++) {
		if (t.s[i] == '\n')
			text_add(&c, "\r\n\r\n");
		else
			text_add(&c, "%c", t.s[i]);
	}
	parse(q, c.s, c.len, s, e, 1000);
	ok(q->n == p->n && q->nbad == p->nbad &&
		   memcmp(q->samples, p->samples, p->n * sizeof(p->samples[0])) == 0,
	   "CRLF with a blank line after each line: same samples, same bad count");
	free(c.s);

	/* early stop: feed returns 1 on the chunk that holds the line before the day */
	size_t before = text_line_at(&t, s - 300);
	size_t line_end = before + strcspn(t.s + before, "\n") + 1;
	size_t stopped = parse(q, t.s, t.len, s, e, 1000);
	ok(stopped >= line_end && stopped < line_end + 1000,
	   "feed returns 1 on the chunk with the first line before the day (%zu, line ends at %zu)",
	   stopped, line_end);
	ok(stopped < t.len, "... well before the end of the log (%zu of %zu bytes)", stopped,
	   t.len);
	unsigned n = q->n, nbad = q->nbad;
	is_int(sb_mrtg_feed(q, "junk\n1 2 3 4 5\n", 15), 1, "after done, feed returns 1");
	ok(q->n == n && q->nbad == nbad, "... and ignores its input");
	free(t.s);
}

static void test_gaps(sb_mrtg_parser *p)
{
	int64_t s, e;
	day_bounds("UTC", "2026-11-21", &s, &e);
	text t = gen_log(e + 3 * 3600 + 17);
	int64_t gone[] = {e - 300, s + 43200, s + 43500, s + 43800, s};
	for (size_t i = 0; i < SB_ARRAY_SIZE(gone); i++)
		text_drop(&t, gone[i]);
	size_t stopped = parse(p, t.s, t.len, s, e, t.len);
	is_int(p->n, 283, "5 missing lines: 283 samples");
	ok(samples_are(p, e - 300, s, gone, SB_ARRAY_SIZE(gone)), "... the others intact");
	ok(p->nbad == 0 && p->done == 1 && stopped == t.len, "gaps are not bad lines; done");
	free(t.s);
}

/* MRTG's own layout: the partial bucket is stamped with the previous poll, 300 s before line 2,
 * so it and the 599 aligned lines after it sit one bucket lower than line 2's grid. Every one of
 * them is 5-minute data, the oldest included; the line after it is coarser. */
static void test_previous_poll(sb_mrtg_parser *p)
{
	int64_t now = 1795320137, prev = now - 300, a = prev - prev % 300;
	text t = {0};
	text_add(&t, "%" PRId64 " 1 2\n", now);
	add_sample(&t, now);
	add_sample(&t, prev);
	for (int i = 0; i < SB_MRTG_SECTION_LINES; i++)
		add_sample(&t, a - 300 * i);
	int64_t oldest = a - 300 * (SB_MRTG_SECTION_LINES - 1);
	add_sample(&t, oldest - 300); /* the first 30-minute line, 300 s older */
	add_sample(&t, oldest - 300 - 1800);
	parse(p, t.s, t.len, 0, INT64_MAX, t.len);
	is_int(p->n, 601, "previous-poll partial: line 2, the partial bucket and 599 lines");
	is_int(p->samples[p->n - 1].ts, oldest,
	       "previous-poll partial: the oldest 5-minute line kept");
	ok(p->done && p->nbad == 0, "previous-poll partial: the 30-minute line ends the section");
	free(t.s);
}

/* The classifier as first written (a check per character and per digit), kept as the reference
 * the faster one must agree with. */
static sb_mrtg_kind ref_line_kind(const char *s, size_t len, int64_t v[5])
{
	if (len > SB_MRTG_LINE_MAX)
		return SB_MRTG_MALFORMED;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	int n = 0, digits_only = 1;
	unsigned overflow = 0;
	int64_t f[5] = {0};
	size_t i = 0;
	while (n < 6) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		int64_t x = 0;
		int fits = 1;
		while (i < len && s[i] != ' ' && s[i] != '\t') {
			char c = s[i++];
			if (c < '0' || c > '9') {
				digits_only = 0;
				continue;
			}
			if (x > (INT64_MAX - (c - '0')) / 10)
				fits = 0;
			else
				x = x * 10 + (c - '0');
		}
		if (!fits)
			overflow |= 1u << n;
		if (n < 5)
			f[n] = x;
		n++;
	}
	if (n == 0)
		return SB_MRTG_BLANK;
	if (n == 3 && digits_only && (overflow & 1u) == 0) {
		v[0] = f[0];
		return SB_MRTG_COUNTERS;
	}
	if (n != 5 || !digits_only || overflow != 0)
		return SB_MRTG_MALFORMED;
	memcpy(v, f, sizeof(f));
	return SB_MRTG_SAMPLE;
}

/* One field for the comparison: digits around int64's edge, leading zeros, stray characters. */
static size_t rnd_field(uint64_t *st, char *out)
{
	static const char *edges[] = {"9223372036854775807",
				      "9223372036854775808",
				      "9999999999999999999",
				      "18446744073709551615",
				      "18446744073709551616",
				      "99999999999999999999",
				      "0",
				      "00"};
	uint64_t r = tap_rnd(st);
	size_t n = 0;
	if (r % 4 == 0) {
		size_t zeros = (size_t)(r >> 8) % 4;
		for (size_t i = 0; i < zeros; i++)
			out[n++] = '0';
		const char *e = edges[(r >> 16) % SB_ARRAY_SIZE(edges)];
		memcpy(out + n, e, strlen(e));
		return n + strlen(e);
	}
	static const char alphabet[] = "0123456789x-+.";
	size_t len = 1 + (size_t)(r >> 8) % 21, letters = r % 4 != 3 ? 10 : sizeof(alphabet) - 1;
	for (size_t i = 0; i < len; i++)
		out[n++] = alphabet[tap_rnd(st) % letters];
	return n;
}

/* The classifier agrees with the reference on a million generated lines, the way it reads
 * digits named by how. */
static void test_line_kind_reference(const char *how)
{
	uint64_t st = 0x9e3779b97f4a7c15u;
	char line[4 * SB_MRTG_LINE_MAX];
	size_t differ = 0, kinds[4] = {0};
	for (int i = 0; i < 1000000; i++) {
		size_t n = 0;
		int fields = (int)(tap_rnd(&st) % 8);
		for (int k = 0; k < fields; k++) {
			size_t blanks = (k > 0) + (size_t)(tap_rnd(&st) % 3);
			for (size_t b = 0; b < blanks; b++)
				line[n++] = tap_rnd(&st) % 4 ? ' ' : '\t';
			n += rnd_field(&st, line + n);
		}
		if (tap_rnd(&st) % 8 == 0)
			line[n++] = '\r';
		if (tap_rnd(&st) % 64 == 0) { /* past the longest line */
			memset(line + n, ' ', SB_MRTG_LINE_MAX);
			n += SB_MRTG_LINE_MAX;
		}
		int64_t a[5] = {-1, -1, -1, -1, -1}, b[5] = {-1, -1, -1, -1, -1};
		sb_mrtg_kind ka = sb_mrtg_line_kind(line, n, a), kb = ref_line_kind(line, n, b);
		kinds[kb]++;
		if (ka != kb || memcmp(a, b, sizeof(a)) != 0) {
			if (differ++ == 0)
				printf("# first difference: \"%.*s\": kind %d, reference %d\n",
				       (int)n, line, (int)ka, (int)kb);
		}
	}
	is_int(differ, 0, "the classifier agrees with the reference on a million lines (%s)", how);
	ok(kinds[SB_MRTG_BLANK] > 1000 && kinds[SB_MRTG_COUNTERS] > 1000 &&
		   kinds[SB_MRTG_SAMPLE] > 1000 && kinds[SB_MRTG_MALFORMED] > 1000,
	   "... of every kind (%zu blank, %zu counters, %zu samples, %zu malformed)",
	   kinds[SB_MRTG_BLANK], kinds[SB_MRTG_COUNTERS], kinds[SB_MRTG_SAMPLE],
	   kinds[SB_MRTG_MALFORMED]);
}

int main(void)
{
	sb_mrtg_parser *p = sb_xmalloc(sizeof(*p));
	sb_mrtg_parser *q = sb_xmalloc(sizeof(*q));

	test_day(p, "UTC", "2026-11-21", 288);
	test_day(p, "America/Caracas", "2026-11-21", 288);
	test_day(p, "America/New_York", "2026-11-01", 300);
	test_day(p, "America/New_York", "2026-03-08", 276);
	test_day(p, "America/New_York", "2026-06-15", 288);
	test_section_end(p);
	test_partial(p);
	test_bad_lines(p);
	test_edges(p);
	test_streaming(p, q);
	test_gaps(p);
	test_previous_poll(p);
	test_line_kind_reference(sb_cpu_has(SB_CPU_SSSE3) ? "16 digits at a time"
							  : "this processor: a digit at a time");
	sb_cpu_disable(SB_CPU_SSSE3);
	test_line_kind_reference("a digit at a time");

	free(p);
	free(q);
	return tap_done();
}
