/* avail_test.c - the availability rule (expected step, periods, silences, longest up and down) and
 * the hour-by-day RTT heat map, on records with irregular steps and gaps. */
#include "config.h"

#include "base/avail.h"
#include "base/sb.h"
#include "tap.h"

#define T0 1795132800 /* 2026-11-20 00:00:00 UTC */

static sb_avail_rec up(int64_t t, double rtt)
{
	return (sb_avail_rec){.t = t, .rtt = rtt, .loss = 0, .up = 1};
}

static sb_avail_rec down(int64_t t)
{
	return (sb_avail_rec){.t = t, .rtt = -1, .loss = 100, .up = 0};
}

static int period_is(const sb_avail *a, size_t i, int64_t start, int64_t end, sb_avail_state s,
		     size_t records)
{
	if (i >= a->nperiods)
		return 0;
	const sb_avail_period *p = &a->periods[i];
	if (p->start == start && p->end == end && p->state == s && p->records == records)
		return 1;
	printf("#   period %zu: %lld..%lld %s %zu\n", i, (long long)p->start, (long long)p->end,
	       sb_avail_state_name(p->state), p->records);
	return 0;
}

static void test_empty_and_one(void)
{
	sb_avail a;
	sb_avail_compute(NULL, 0, &a);
	ok(a.step == 60 && a.records == 0 && a.up == 0 && a.nperiods == 0 && a.longest_up == 0 &&
		   a.longest_down == 0,
	   "no records: step 60 s, no period");
	sb_avail_free(&a);
	sb_avail_rec one = up(1000, 1);
	sb_avail_compute(&one, 1, &a);
	ok(a.nperiods == 1 && period_is(&a, 0, 1000, 1060, SB_AVAIL_UP, 1) && a.longest_up == 60 &&
		   a.pct == 100,
	   "one record: one up period of the default step");
	sb_avail_free(&a);
}

static void test_irregular(void)
{
	/* gaps 60 61 59 60 60 60 60 580 61 59: the median gap is 60 */
	sb_avail_rec r[] = {up(0, 1),   up(60, 1),  up(121, 1),  up(180, 1), down(240), down(300),
			    up(360, 1), up(420, 1), up(1000, 1), down(1061), down(1120)};
	size_t n = SB_ARRAY_SIZE(r);
	sb_avail a;
	sb_avail_compute(r, n, &a);
	is_int(a.step, 60, "the expected step is the median gap");
	ok(a.records == 11 && a.up == 7, "11 records, 7 up");
	is_double(a.pct, 700.0 / 11, 1e-12, "availability: 7 of 11");
	is_int(a.nperiods, 6, "six periods");
	ok(period_is(&a, 0, 0, 240, SB_AVAIL_UP, 4),
	   "up from the first record to the last + a step");
	ok(period_is(&a, 1, 240, 360, SB_AVAIL_DOWN, 2), "then down");
	ok(period_is(&a, 2, 360, 480, SB_AVAIL_UP, 2), "then up");
	ok(period_is(&a, 3, 480, 1000, SB_AVAIL_NONE, 0),
	   "a silence of more than 3 steps: no data until the next record");
	ok(period_is(&a, 4, 1000, 1060, SB_AVAIL_UP, 1), "up again after the silence");
	ok(period_is(&a, 5, 1061, 1180, SB_AVAIL_DOWN, 2), "and down to the end");
	ok(a.longest_up == 240 && a.longest_down == 120, "longest up 240 s, longest down 120 s");
	sb_avail_free(&a);

	/* a silence inside one state also splits, and is not counted as down */
	sb_avail_rec d[] = {down(0), down(60), down(120), down(1000), down(1060)};
	sb_avail_compute(d, SB_ARRAY_SIZE(d), &a);
	ok(a.nperiods == 3 && period_is(&a, 1, 180, 1000, SB_AVAIL_NONE, 0) &&
		   a.longest_down == 180,
	   "a down link that went silent: the silence is not downtime");
	sb_avail_free(&a);

	/* exactly 3 steps is not a silence */
	sb_avail_rec e[] = {up(0, 1), up(60, 1), up(120, 1), up(300, 1)};
	sb_avail_compute(e, SB_ARRAY_SIZE(e), &a);
	ok(a.nperiods == 1 && period_is(&a, 0, 0, 360, SB_AVAIL_UP, 4),
	   "a gap of exactly 3 steps stays inside the period");
	sb_avail_free(&a);

	/* an even count of gaps: the lower middle one */
	sb_avail_rec f[] = {up(0, 1), up(60, 1), up(180, 1)};
	sb_avail_compute(f, SB_ARRAY_SIZE(f), &a);
	is_int(a.step, 60, "gaps 60 and 120: the step is the lower middle gap, 60");
	sb_avail_free(&a);

	/* records sharing a second: the step is at least 1 s */
	sb_avail_rec g[] = {up(5, 1), up(5, 1), up(5, 1)};
	sb_avail_compute(g, SB_ARRAY_SIZE(g), &a);
	ok(a.step == 1 && period_is(&a, 0, 5, 6, SB_AVAIL_UP, 3), "a zero gap: step 1 s");
	sb_avail_free(&a);
}

static void test_heatmap(void)
{
	sb_time_set_zone("UTC");
	sb_date from = {2026, 11, 20};
	sb_avail_rec unknown_rtt = up(T0 + 3600 + 60, -1);
	sb_avail_rec r[] = {
		up(T0 - 60, 500), /* the day before: left out */
		up(T0 + 60, 10),
		up(T0 + 120, 1),
		up(T0 + 180, 2),
		down(T0 + 240),
		unknown_rtt,                 /* up, RTT unknown */
		down(T0 + 86400 + 5 * 3600), /* day 2, 05:00 */
		up(T0 + 2 * 86400, 1),       /* after the map */
	};
	sb_avail_heat h;
	sb_avail_heatmap(r, SB_ARRAY_SIZE(r), from, 2, &h);
	const sb_avail_cell *c = &h.cells[0];
	ok(c->records == 4 && c->up == 3 && c->nrtt == 3, "00:00: 4 records, 3 up");
	is_double(c->rtt, 2, 0, "00:00: the median RTT of 10, 1, 2 is 2 (the mean would be 4.33)");
	is_double(c->rtt_max, 10, 0, "00:00: the highest RTT is 10");
	is_double(c->loss, 25, 1e-12, "00:00: mean loss 25 %%");
	c = &h.cells[1];
	ok(c->records == 1 && c->up == 1 && c->nrtt == 0, "01:00: up, without an RTT");
	c = &h.cells[24 + 5];
	ok(c->records == 1 && c->up == 0 && c->loss == 100, "day 2 05:00: one down record");
	ok(h.cells[2].records == 0 && h.cells[24].records == 0, "empty cells stay empty");
	ok(h.active_hours == 2 && h.active_days == 1, "2 active hours, 1 active day");
	ok(h.records == 6 && h.up == 4 && h.nrtt == 3, "totals over the map only");
	ok(h.rtt_median == 2 && h.rtt_min == 1 && h.rtt_max == 10, "median, min and max RTT");
	sb_avail_heat_free(&h);

	sb_avail_heatmap(r, SB_ARRAY_SIZE(r), from, 0, &h);
	ok(h.records == 0 && h.active_hours == 0 && h.nrtt == 0, "a map of no day holds nothing");
	sb_avail_heat_free(&h);

	/* the local hour: Caracas is UTC-4 */
	sb_time_set_zone("America/Caracas");
	sb_avail_rec k = up(T0 + 10 * 3600, 3); /* 06:00 local */
	sb_avail_heatmap(&k, 1, from, 1, &h);
	ok(h.cells[6].nrtt == 1 && h.cells[6].rtt == 3, "hours are local hours");
	sb_avail_heat_free(&h);
}

int main(void)
{
	test_empty_and_one();
	test_irregular();
	test_heatmap();
	return tap_done();
}
