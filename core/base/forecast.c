/* forecast.c - the least-squares line of a daily series and the day it reaches a limit. */
#include "config.h"

#include "base/forecast.h"

#include <math.h>

#include "base/settings.h"

sb_forecast_rules sb_forecast_rules_of(const sb_settings *s)
{
	if (s == NULL)
		return (sb_forecast_rules){.min_days = 30, .min_r2 = 0.5, .horizon = 365};
	return (sb_forecast_rules){.min_days = (size_t)s->forecast_min_days,
				   .min_r2 = s->forecast_min_r2,
				   .horizon = (double)s->forecast_horizon};
}

/* The sums are taken about the means (two passes), so x in days since 1970 loses no precision. */
void sb_forecast_fit(const double *x, const double *y, size_t n, double limit,
		     const sb_forecast_rules *rules, sb_forecast *f)
{
	*f = (sb_forecast){.n = n, .status = SB_FORECAST_FEW};
	if (n == 0)
		return;
	double mx = 0, my = 0;
	f->first = f->last = x[0];
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
		if (x[i] < f->first)
			f->first = x[i];
		if (x[i] > f->last)
			f->last = x[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxx = 0, sxy = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;
		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	f->intercept = my;
	f->at_last = my;
	if (n < 2 || sxx <= 0)
		return;
	f->slope = sxy / sxx;
	f->intercept = my - f->slope * mx;
	f->at_last = f->intercept + f->slope * f->last;
	/* SSres = syy − slope·sxy for the least-squares line */
	f->r2 = syy > 0 ? (f->slope * sxy) / syy : 1.0;
	if (f->r2 < 0)
		f->r2 = 0;
	if (f->r2 > 1)
		f->r2 = 1;
	if (n < rules->min_days)
		return;
	if (f->r2 < rules->min_r2) {
		f->status = SB_FORECAST_WEAK;
		return;
	}
	if (f->at_last >= limit) {
		f->status = SB_FORECAST_ABOVE;
		return;
	}
	if (f->slope <= 0) {
		f->status = SB_FORECAST_FLAT;
		return;
	}
	double cross = (limit - f->intercept) / f->slope;
	if (!isfinite(cross) || cross - f->last > rules->horizon) {
		f->status = SB_FORECAST_FAR;
		return;
	}
	f->cross = cross;
	f->status = SB_FORECAST_DATE;
}

const char *sb_forecast_status_name(sb_forecast_status s)
{
	static const char *const names[] = {"few", "weak", "above", "flat", "far", "date"};
	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "few";
}
