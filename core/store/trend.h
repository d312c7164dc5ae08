/* trend.h - the capacity forecast of the interfaces of a layer from their stored 5-minute
 * samples (docs/forecast.md): each day's 95th percentile and peak, in Gbps, and the line through
 * each by base/forecast.c. The one place that turns the history into the forecast: the workbook
 * (sb.store.forecast) and the dashboard both call it. */
#ifndef SB_STORE_TREND_H
#define SB_STORE_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "base/forecast.h"
#include "base/sb.h"
#include "store/store.h"

/* One interface over the window. The pointers are valid during the callback only. */
typedef struct sb_trend {
	const char *name, *type;
	double capacity;     /* Gbps, of its newest sample; 0 when unknown */
	size_t ndays;        /* days with samples */
	const int64_t *days; /* each a day number (days since 1970-01-01), ascending */
	const double *p95;   /* that day's max(in p95, out p95) of the 5-minute averages, Gbps */
	const double *peak;  /* that day's max(in max, out max) of the 5-minute maxima, Gbps */
	double limit; /* threshold % of the capacity, Gbps (0 when the capacity is unknown) */
	sb_forecast fit_p95; /* the line through p95 and when it reaches limit */
	sb_forecast fit_peak;
} sb_trend;

typedef int (*sb_trend_fn)(void *ctx, const sb_trend *t);

/* What to forecast: a layer's interfaces (one when name is set) over from..to ("YYYY-MM-DD"). */
typedef struct sb_trend_opts {
	const sb_schema *schema; /* a traffic layer (not in_only) */
	const char *name;        /* NULL: every interface */
	const char *from, *to;
	double factor;    /* SUMMARY_FACTOR: bytes/s -> Gbps */
	double threshold; /* % of the capacity (FORECAST_THRESHOLD) */
	sb_forecast_rules rules;
} sb_trend_opts;

/* Calls fn for every interface with samples in the window, in the store's order (name, type);
 * fn returns SB_OK to go on. With an unknown capacity the fits are stated and their status is
 * at best "far" (no limit to reach). Returns SB_OK, fn's error or the store's. */
int sb_trend_query(sb_store *st, const sb_trend_opts *o, sb_trend_fn fn, void *ctx, sb_err *err);

#endif
