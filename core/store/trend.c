/* trend.c - each interface's daily 95th percentile and peak from its 5-minute samples, and the
 * capacity forecast through them. */
#include "config.h"

#include "store/trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/period.h"
#include "base/stats.h"
#include "base/timeutil.h"

typedef struct sb_trend_acc {
	const sb_trend_opts *o;
	sb_trend_fn fn;
	void *ctx;
	/* the interface */
	char *name, *type;
	double capacity;
	char newest[20]; /* "YYYY-MM-DD HH:MM:SS" of the sample capacity came from */
	int64_t *days;
	double *p95, *peak, *x;
	size_t ndays, cap;
	/* its day */
	char date[11];
	int64_t *in, *out;
	size_t n, ncap;
	int64_t max;
} sb_trend_acc;

/* Closes the day being read into the interface's series. */
static void sb_trend_day_end(sb_trend_acc *a)
{
	if (a->n == 0)
		return;
	sb_date d;
	if (sb_date_parse(a->date, &d) == SB_OK) {
		if (a->ndays == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 128;
			a->days = sb_xrealloc(a->days, a->cap * sizeof(*a->days));
			a->p95 = sb_xrealloc(a->p95, a->cap * sizeof(*a->p95));
			a->peak = sb_xrealloc(a->peak, a->cap * sizeof(*a->peak));
			a->x = sb_xrealloc(a->x, a->cap * sizeof(*a->x));
		}
		int64_t in = sb_stats_percentile_i64(a->in, a->n, 95);
		int64_t out = sb_stats_percentile_i64(a->out, a->n, 95);
		a->days[a->ndays] = sb_period_daynum(d);
		a->x[a->ndays] = (double)a->days[a->ndays];
		a->p95[a->ndays] = (double)(in > out ? in : out) * a->o->factor;
		a->peak[a->ndays] = (double)a->max * a->o->factor;
		a->ndays++;
	}
	a->n = 0;
	a->max = 0;
}

/* Hands the interface read to fn and starts afresh. */
static int sb_trend_flush(sb_trend_acc *a)
{
	sb_trend_day_end(a);
	int rc = SB_OK;
	if (a->name != NULL && a->ndays > 0) {
		sb_trend t = {.name = a->name,
			      .type = a->type,
			      .capacity = a->capacity > 0 ? a->capacity : 0,
			      .ndays = a->ndays,
			      .days = a->days,
			      .p95 = a->p95,
			      .peak = a->peak};
		t.limit = t.capacity * a->o->threshold / 100.0;
		double limit = t.capacity > 0 ? t.limit : INFINITY;
		sb_forecast_fit(a->x, a->p95, a->ndays, limit, &a->o->rules, &t.fit_p95);
		sb_forecast_fit(a->x, a->peak, a->ndays, limit, &a->o->rules, &t.fit_peak);
		rc = a->fn(a->ctx, &t);
	}
	free(a->name);
	free(a->type);
	a->name = a->type = NULL;
	a->ndays = 0;
	a->date[0] = '\0';
	a->newest[0] = '\0';
	return rc;
}

static int sb_trend_row(void *ctx, const sb_history_row *r)
{
	sb_trend_acc *a = ctx;
	if (a->name == NULL || strcmp(a->name, r->name) != 0 || strcmp(a->type, r->type) != 0) {
		int rc = sb_trend_flush(a);
		if (rc != SB_OK)
			return rc;
		a->name = sb_xstrdup(r->name);
		a->type = sb_xstrdup(r->type);
	}
	if (strncmp(a->date, r->date, 10) != 0) {
		sb_trend_day_end(a);
		snprintf(a->date, sizeof(a->date), "%.10s", r->date);
	}
	char when[20];
	snprintf(when, sizeof(when), "%.10s %.8s", r->date, r->time);
	if (strcmp(when, a->newest) >= 0) {
		memcpy(a->newest, when, sizeof(when));
		a->capacity = r->capacity;
	}
	if (a->n == a->ncap) {
		a->ncap = a->ncap ? a->ncap * 2 : 512;
		a->in = sb_xrealloc(a->in, a->ncap * sizeof(*a->in));
		a->out = sb_xrealloc(a->out, a->ncap * sizeof(*a->out));
	}
	a->in[a->n] = r->in_avg;
	a->out[a->n] = r->out_avg;
	a->n++;
	if (r->in_max > a->max)
		a->max = r->in_max;
	if (r->out_max > a->max)
		a->max = r->out_max;
	return SB_OK;
}

int sb_trend_query(sb_store *st, const sb_trend_opts *o, sb_trend_fn fn, void *ctx, sb_err *err)
{
	sb_trend_acc a = {.o = o, .fn = fn, .ctx = ctx};
	int rc = sb_store_query_history(st, o->schema, o->name, NULL, o->from, o->to, sb_trend_row,
					&a, err);
	if (rc == SB_OK)
		rc = sb_trend_flush(&a);
	free(a.name);
	free(a.type);
	free(a.days);
	free(a.p95);
	free(a.peak);
	free(a.x);
	free(a.in);
	free(a.out);
	return rc;
}
