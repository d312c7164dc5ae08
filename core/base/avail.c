/* avail.c - the availability rule and the RTT heat map of a probed link (rules in avail.h). */
#include "config.h"

#include "base/avail.h"

#include <string.h>

#include "base/period.h"
#include "base/sb.h"
#include "base/stats.h"

/* A silence longer than this many steps is a period without data. */
#define SB_AVAIL_SILENCE 3

/* The expected step of avail.h: the 50th percentile of the gaps, at least 1 s. */
static int64_t sb_avail_step(const sb_avail_rec *r, size_t n)
{
	if (n < 2)
		return 60;
	int64_t *gap = sb_xmalloc((n - 1) * sizeof(*gap));
	for (size_t i = 0; i + 1 < n; i++)
		gap[i] = r[i + 1].t - r[i].t;
	int64_t step = sb_stats_percentile_i64(gap, n - 1, 50);
	free(gap);
	return step > 0 ? step : 1;
}

static void sb_avail_add(sb_avail *a, size_t *cap, int64_t start, int64_t end, sb_avail_state state,
			 size_t records)
{
	sb_grow(&a->periods, cap, a->nperiods, sizeof(*a->periods));
	a->periods[a->nperiods++] =
		(sb_avail_period){.start = start, .end = end, .state = state, .records = records};
	int64_t len = end - start;
	if (state == SB_AVAIL_UP && len > a->longest_up)
		a->longest_up = len;
	if (state == SB_AVAIL_DOWN && len > a->longest_down)
		a->longest_down = len;
}

void sb_avail_compute(const sb_avail_rec *r, size_t n, sb_avail *out)
{
	memset(out, 0, sizeof(*out));
	out->step = sb_avail_step(r, n);
	out->records = n;
	for (size_t i = 0; i < n; i++)
		out->up += r[i].up != 0;
	if (n > 0)
		out->pct = 100.0 * (double)out->up / (double)n;
	int64_t step = out->step, silence = SB_AVAIL_SILENCE * step;
	size_t cap = 0;
	size_t i = 0;
	while (i < n) {
		int up = r[i].up != 0;
		size_t k = i + 1;
		while (k < n && (r[k].up != 0) == up && r[k].t - r[k - 1].t <= silence)
			k++;
		int64_t end = r[k - 1].t + step;
		sb_avail_add(out, &cap, r[i].t, end, up ? SB_AVAIL_UP : SB_AVAIL_DOWN, k - i);
		if (k < n && r[k].t - r[k - 1].t > silence)
			sb_avail_add(out, &cap, end, r[k].t, SB_AVAIL_NONE, 0);
		i = k;
	}
}

void sb_avail_free(sb_avail *a)
{
	sb_free(a->periods);
	a->nperiods = 0;
}

const char *sb_avail_state_name(sb_avail_state s)
{
	switch (s) {
	case SB_AVAIL_UP:
		return "up";
	case SB_AVAIL_DOWN:
		return "down";
	case SB_AVAIL_NONE:
		break;
	}
	return "none";
}

/* The cell of the record at t: day · 24 + hour, or -1 outside the map. day_of caches the last
 * local date seen (records come mostly in order). */
typedef struct sb_heat_day {
	char date[16];
	long day;
} sb_heat_day;

static long sb_heat_cell_of(int64_t t, int64_t from_num, long days, sb_heat_day *c)
{
	char date[16], hms[16];
	sb_time_local(t, date, hms);
	if (strcmp(date, c->date) != 0) {
		sb_date d;
		memcpy(c->date, date, sizeof(date));
		c->day = sb_date_parse(date, &d) == SB_OK ? (long)(sb_period_daynum(d) - from_num)
							  : -1;
	}
	int hour = (hms[0] - '0') * 10 + (hms[1] - '0');
	if (c->day < 0 || c->day >= days || hour < 0 || hour > 23)
		return -1;
	return c->day * 24 + hour;
}

void sb_avail_heatmap(const sb_avail_rec *r, size_t n, sb_date from, long days, sb_avail_heat *out)
{
	memset(out, 0, sizeof(*out));
	if (days < 0)
		days = 0;
	out->days = days;
	size_t ncells = (size_t)days * 24;
	out->cells = sb_xcalloc(ncells > 0 ? ncells : 1, sizeof(*out->cells));
	/* each record's cell, then the RTTs grouped by cell (a counting sort) */
	long *cell = sb_xmalloc((n > 0 ? n : 1) * sizeof(*cell));
	size_t *first = sb_xcalloc(ncells + 1, sizeof(*first));
	sb_heat_day cache = {.date = "", .day = -1};
	int64_t from_num = sb_period_daynum(from);
	for (size_t i = 0; i < n; i++) {
		cell[i] = sb_heat_cell_of(r[i].t, from_num, days, &cache);
		if (cell[i] < 0)
			continue;
		sb_avail_cell *c = &out->cells[cell[i]];
		c->records++;
		c->loss += r[i].loss;
		if (r[i].up) {
			c->up++;
			if (r[i].rtt >= 0) {
				c->nrtt++;
				first[cell[i] + 1]++;
			}
		}
	}
	for (size_t c = 0; c < ncells; c++)
		first[c + 1] += first[c];
	size_t nrtt = first[ncells];
	double *rtt = sb_xmalloc((nrtt > 0 ? nrtt : 1) * sizeof(*rtt));
	size_t *fill = sb_xmalloc((ncells > 0 ? ncells : 1) * sizeof(*fill));
	if (ncells > 0)
		memcpy(fill, first, ncells * sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		if (cell[i] >= 0 && r[i].up && r[i].rtt >= 0) {
			rtt[fill[cell[i]]++] = r[i].rtt;
			sb_avail_cell *hc = &out->cells[cell[i]];
			if (hc->rtt_max < r[i].rtt)
				hc->rtt_max = r[i].rtt;
		}
	for (size_t c = 0; c < ncells; c++) {
		sb_avail_cell *hc = &out->cells[c];
		if (hc->records > 0)
			hc->loss /= (double)hc->records;
		if (hc->nrtt > 0)
			hc->rtt = sb_stats_median_dbl(rtt + first[c], hc->nrtt);
		out->records += hc->records;
		out->up += hc->up;
		out->active_hours += hc->up > 0;
	}
	for (long d = 0; d < days; d++) {
		int on = 0;
		for (int h = 0; h < 24; h++)
			on |= out->cells[d * 24 + h].up > 0;
		out->active_days += on;
	}
	out->nrtt = nrtt;
	if (nrtt > 0) {
		out->rtt_min = out->rtt_max = rtt[0];
		for (size_t i = 1; i < nrtt; i++) {
			if (rtt[i] < out->rtt_min)
				out->rtt_min = rtt[i];
			if (rtt[i] > out->rtt_max)
				out->rtt_max = rtt[i];
		}
		out->rtt_median = sb_stats_median_dbl(rtt, nrtt);
	}
	free(cell), free(first), free(rtt), free(fill);
}

void sb_avail_heat_free(sb_avail_heat *h)
{
	sb_free(h->cells);
	h->days = 0;
}
