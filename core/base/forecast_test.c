/* forecast_test.c - the least-squares line against series of a known slope, and each reason a
 * projection is or is not given. */
#include "config.h"

#include "base/forecast.h"
#include "tap.h"

static const sb_forecast_rules rules = {.min_days = 30, .min_r2 = 0.5, .horizon = 365};

static void test_exact(void)
{
	/* 90 days from 2026-01-01 (day 20454 since 1970) of 2 Gbps + 0.05 Gbps a day */
	double x[90], y[90];
	for (int i = 0; i < 90; i++) {
		x[i] = 20454 + i;
		y[i] = 2.0 + 0.05 * i;
	}
	sb_forecast f;
	sb_forecast_fit(x, y, 90, 8.0, &rules, &f);
	is_int((long)f.n, 90, "90 points fitted");
	is_double(f.slope, 0.05, 1e-9, "the slope of a straight series is its slope");
	is_double(f.r2, 1.0, 1e-9, "a straight series: R² 1");
	is_double(f.at_last, 2.0 + 0.05 * 89, 1e-9, "the line at the last day is the last value");
	is_int(f.status, SB_FORECAST_DATE, "a rising, well-fitted series gets a date");
	/* 8 = 2 + 0.05·(x − 20454) → x = 20454 + 120 */
	is_double(f.cross, 20454 + 120, 1e-6, "it reaches 8 Gbps 120 days after the first day");
	is_str(sb_forecast_status_name(f.status), "date", "the status's word");
}

static void test_noisy(void)
{
	/* the same slope under a weekly swing of ±0.3 around it, and a fixed disorder of days */
	double x[84], y[84];
	static const double week[7] = {0.3, 0.2, 0.1, 0, -0.1, -0.2, -0.3};
	for (int i = 0; i < 84; i++) {
		int d = (i * 37) % 84; /* 37 is prime to 84: every day once, out of order */
		x[i] = d;
		y[i] = 1.0 + 0.05 * d + week[d % 7];
	}
	sb_forecast f;
	sb_forecast_fit(x, y, 84, 10.0, &rules, &f);
	/* the swing's own trend over each week is −0.1 a day, so over 12 weeks the fit is pulled
	 * a little below 0.05; a full computation gives 0.05 − 0.1·(Σ dx·w)/(Σ dx²) */
	double sxx = 0, sxw = 0, m = 41.5;
	for (int d = 0; d < 84; d++) {
		sxx += (d - m) * (d - m);
		sxw += (d - m) * week[d % 7];
	}
	is_double(f.slope, 0.05 + sxw / sxx, 1e-9, "the slope through a weekly swing");
	ok(f.slope > 0.049 && f.slope < 0.05, "close to the series's slope (%g)", f.slope);
	ok(f.r2 > 0.9 && f.r2 < 1.0, "R² below 1 with the swing (%g)", f.r2);
	is_int(f.status, SB_FORECAST_DATE, "still a date");
	is_double(f.cross, (10.0 - f.intercept) / f.slope, 1e-9, "where the line reaches 10");
}

static void test_statuses(void)
{
	double x[60], y[60];
	sb_forecast f;
	for (int i = 0; i < 60; i++) {
		x[i] = i;
		y[i] = 5.0;
	}
	sb_forecast_fit(x, y, 60, 8.0, &rules, &f);
	is_int(f.status, SB_FORECAST_FLAT, "a flat series never reaches the limit");
	is_double(f.r2, 1.0, 1e-12, "a series with no spread: R² 1");
	is_double(f.slope, 0.0, 1e-12, "slope 0");

	sb_forecast_fit(x, y, 60, 4.0, &rules, &f);
	is_int(f.status, SB_FORECAST_ABOVE, "a series already over the limit");

	for (int i = 0; i < 60; i++)
		y[i] = 5.0 + 0.1 * i;
	sb_forecast_fit(x, y, 29, 100.0, &rules, &f);
	is_int(f.status, SB_FORECAST_FEW, "29 days: too few");
	is_double(f.slope, 0.1, 1e-9, "yet the fit is stated");
	sb_forecast_fit(x, y, 30, 30.0, &rules, &f);
	is_int(f.status, SB_FORECAST_DATE, "30 days are enough");
	is_double(f.cross, 250, 1e-6, "30 = 5 + 0.1·x at x = 250");
	sb_forecast_fit(x, y, 60, 1000.0, &rules, &f);
	is_int(f.status, SB_FORECAST_FAR, "a crossing more than the horizon ahead is not given");

	for (int i = 0; i < 60; i++)
		y[i] = 5.0 - 0.1 * i;
	sb_forecast_fit(x, y, 60, 8.0, &rules, &f);
	is_int(f.status, SB_FORECAST_FLAT, "a falling series is flat for the forecast");
	ok(f.slope < 0, "with its negative slope");

	/* a sawtooth with no trend to speak of */
	for (int i = 0; i < 60; i++)
		y[i] = (i % 2 ? 9.0 : 1.0) + 0.001 * i;
	sb_forecast_fit(x, y, 60, 20.0, &rules, &f);
	is_int(f.status, SB_FORECAST_WEAK, "noise around a slight slope: too weak a fit");
	ok(f.r2 < 0.5, "R² %g", f.r2);

	sb_forecast_fit(x, y, 1, 20.0, &(sb_forecast_rules){0}, &f);
	is_int(f.status, SB_FORECAST_FEW, "one point: no line, whatever the rules");
	is_double(f.intercept, y[0], 0, "its value stated");
	sb_forecast_fit(x, y, 0, 20.0, &rules, &f);
	is_int((long)f.n, 0, "no point");
	for (int i = 0; i < 60; i++)
		x[i] = 7;
	sb_forecast_fit(x, y, 60, 20.0, &(sb_forecast_rules){0}, &f);
	is_int(f.status, SB_FORECAST_FEW, "one day repeated: no line");
}

int main(void)
{
	test_exact();
	test_noisy();
	test_statuses();
	return tap_done();
}
