/* stats_test.c - the nearest-rank percentile and the median, of integers and doubles, against a
 * full sort. */
#include "config.h"

#include <stdlib.h>

#include "base/stats.h"
#include "tap.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_rank(void)
{
	is_int(sb_stats_rank(20, 95), 19,
	       "rank of 95 %% of 20 is 19 (0.95*20 in floating point is not exactly 19)");
	is_int(sb_stats_rank(288, 95), 274, "288 samples: rank 274 (ceil 273.6)");
	is_int(sb_stats_rank(8640, 95), 8208, "a 30-day month: rank 8208");
	is_int(sb_stats_rank(100, 95), 95, "100 samples: rank 95");
	is_int(sb_stats_rank(100, 99), 99, "100 samples: p99 is rank 99");
	is_int(sb_stats_rank(1, 95), 1, "one sample: rank 1");
	is_int(sb_stats_rank(0, 95), 0, "no samples: rank 0");
	is_int(sb_stats_rank(7, 100), 7, "percentile 100 is the maximum");
	is_int(sb_stats_rank(7, 1), 1, "percentile 1 of 7 is the first");
	is_int(sb_stats_rank(4, 50), 2, "p50 of an even count is the lower middle");
}

static void test_fixed(void)
{
	int64_t v[20];
	for (int i = 0; i < 20; i++)
		v[i] = (int64_t)((i * 7) % 20) * 10; /* 0..190, shuffled */
	is_int(sb_stats_percentile_i64(v, 20, 95), 180, "p95 of 0,10..190 is the 19th value, 180");
	int64_t one = 42;
	is_int(sb_stats_percentile_i64(&one, 1, 95), 42, "p95 of one sample is that sample");
	int64_t dup[10] = {5, 5, 5, 1, 9, 9, 9, 9, 1, 5};
	is_int(sb_stats_percentile_i64(dup, 10, 50), 5,
	       "p50 with duplicates (rank 5 of 1,1,5,5,5,5...)");
	is_int(sb_stats_percentile_i64(dup, 0, 95), 0, "p95 of nothing is 0");

	double d[] = {0.25, 0.045, 0.1};
	is_double(sb_stats_median_dbl(d, 3), 0.1, 0, "median of three doubles: the middle one");
	double even[] = {4, 1, 3, 2};
	is_double(sb_stats_median_dbl(even, 4), 2.5, 0, "median of four: the mean of 2 and 3");
	is_double(sb_stats_median_dbl(even, 0), 0, 0, "median of nothing is 0");
	double same[] = {7, 7, 7, 7};
	is_double(sb_stats_median_dbl(same, 4), 7, 0, "median of equal samples");
	int64_t iv[] = {60, 61, 59, 3600};
	is_double(sb_stats_median_i64(iv, 4), 60.5, 0, "median of four integers: 60.5");
	int64_t iv5[] = {60, 61, 59, 3600, 60};
	is_double(sb_stats_median_i64(iv5, 5), 60, 0, "median of five integers: 60");
	double errs[100];
	for (int i = 0; i < 100; i++)
		errs[i] = (double)((i * 37) % 100) / 100; /* 0.00..0.99, shuffled */
	is_double(sb_stats_percentile_dbl(errs, 100, 99), 0.98, 1e-12,
		  "p99 of 100 doubles is rank 99, 0.98");
	is_double(sb_stats_percentile_dbl(errs, 100, 100), 0.99, 1e-12, "p100 is the maximum");
	is_double(sb_stats_percentile_dbl(errs, 100, 50), 0.49, 1e-12, "p50 is rank 50, 0.49");
}

/* Random arrays (many duplicates in half of them) against a full sort. */
static void test_random(void)
{
	srand(7);
	int good = 1;
	for (int round = 0; round < 300 && good; round++) {
		size_t n = 1 + (size_t)(rand() % 3000);
		int64_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
		double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
		for (size_t i = 0; i < n; i++) {
			a[i] = b[i] = (int64_t)(rand() % (round % 2 ? 50 : 1000000)) * 1000003;
			x[i] = y[i] = (double)a[i] / 7.0;
		}
		int pct = 1 + rand() % 100;
		qsort(b, n, sizeof(*b), cmp_i64);
		qsort(y, n, sizeof(*y), cmp_dbl);
		size_t r = (size_t)sb_stats_rank((int64_t)n, pct) - 1;
		double mid =
			n % 2 ? (double)b[n / 2] : ((double)b[n / 2 - 1] + (double)b[n / 2]) / 2;
		double midd = n % 2 ? y[n / 2] : (y[n / 2 - 1] + y[n / 2]) / 2;
		switch (round % 4) {
		case 0:
			good = sb_stats_percentile_i64(a, n, pct) == b[r];
			break;
		case 1:
			good = sb_stats_percentile_dbl(x, n, pct) == y[r];
			break;
		case 2:
			good = sb_stats_median_i64(a, n) == mid;
			break;
		default:
			good = sb_stats_median_dbl(x, n) == midd;
			break;
		}
		if (!good)
			printf("# round %d: n %zu pct %d\n", round, n, pct);
		free(a), free(b), free(x), free(y);
	}
	ok(good, "percentiles and medians equal the sorted values for 300 random arrays");
}

int main(void)
{
	test_rank();
	test_fixed();
	test_random();
	return tap_done();
}
