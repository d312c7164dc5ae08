/* forecast.h - the capacity forecast: a least-squares line through a daily series (an interface's
 * daily 95th percentile or peak, docs/forecast.md) and the day it reaches a threshold, given only
 * when the data supports it. Computed here and nowhere else: the workbook, the dashboard and the
 * alert rules call it.
 *
 * The fit: y = intercept + slope·x over the n points (x in days, y in any unit), ordinary least
 * squares, with r2 = 1 − SSres/SStot (1 for a series with no spread: a flat line explains it).
 * The projection, in this order:
 *   n < min_days                        SB_FORECAST_FEW    (too few days to say anything)
 *   r2 < min_r2                         SB_FORECAST_WEAK   (the line does not explain the days)
 *   the line at the last day >= limit   SB_FORECAST_ABOVE  (already there)
 *   slope <= 0                          SB_FORECAST_FLAT   (never, at this trend)
 *   the crossing > horizon days ahead   SB_FORECAST_FAR    (too far to extrapolate)
 *   otherwise                           SB_FORECAST_DATE   (cross: the day it reaches limit)
 * Pure functions: thread-safe, no allocation. */
#ifndef SB_BASE_FORECAST_H
#define SB_BASE_FORECAST_H

#include <stddef.h>

typedef enum {
	SB_FORECAST_FEW = 0,
	SB_FORECAST_WEAK,
	SB_FORECAST_ABOVE,
	SB_FORECAST_FLAT,
	SB_FORECAST_FAR,
	SB_FORECAST_DATE
} sb_forecast_status;

/* What a projection needs of the data (FORECAST_MIN_DAYS, FORECAST_MIN_R2, FORECAST_HORIZON). */
typedef struct sb_forecast_rules {
	size_t min_days;
	double min_r2;
	double horizon; /* days after the last point */
} sb_forecast_rules;

typedef struct sb_forecast {
	size_t n;           /* points fitted */
	double slope;       /* y per day */
	double intercept;   /* y at x = 0 */
	double r2;          /* coefficient of determination, 0..1 (0 when n < 2) */
	double first, last; /* the x of the first and last point */
	double at_last;     /* the line at the last point */
	sb_forecast_status status;
	double cross; /* SB_FORECAST_DATE: the x where the line reaches the limit (> last) */
} sb_forecast;

struct sb_settings;

/* The rules of the settings s (FORECAST_MIN_DAYS, FORECAST_MIN_R2, FORECAST_HORIZON); their
 * defaults when s is NULL. */
sb_forecast_rules sb_forecast_rules_of(const struct sb_settings *s);

/* Fits y over x (n points, any order, no NaN) into *f and projects where the line reaches limit
 * under rules (the table above). With n < 2, or every x equal, there is no line: slope and r2 are
 * 0, the intercept the mean, and the status SB_FORECAST_FEW whatever min_days says. */
void sb_forecast_fit(const double *x, const double *y, size_t n, double limit,
		     const sb_forecast_rules *rules, sb_forecast *f);

/* The status's word, as the API and the Lua host spell it: "few", "weak", "above", "flat", "far",
 * "date". */
const char *sb_forecast_status_name(sb_forecast_status s);

#endif
