/* stats.c - order statistics: the percentile rank rule, the median, and the selection both use. */
#include "config.h"

#include "base/stats.h"

int64_t sb_stats_rank(int64_t n, int pct)
{
	if (n <= 0)
		return 0;
	return (n * pct + 99) / 100;
}

/* sb_stats_select_<name>(v, n, k): the k-th smallest (0-based) of v[0..n), reordering v so that
 * v[0..k) <= v[k] <= v(k..n) (Hoare's selection with a median-of-three pivot). */
#define SB_STATS_SELECT(name, type)                                                                \
	static type sb_stats_select_##name(type *v, size_t n, size_t k)                            \
	{                                                                                          \
		size_t lo = 0, hi = n - 1;                                                         \
		while (lo < hi) {                                                                  \
			size_t mid = lo + (hi - lo) / 2;                                           \
			type a = v[lo], b = v[mid], c = v[hi];                                     \
			type pivot = a < b ? (b < c   ? b                                          \
					      : a < c ? c                                          \
						      : a)                                         \
					   : (a < c   ? a                                          \
					      : b < c ? c                                          \
						      : b);                                        \
			size_t i = lo, j = hi;                                                     \
			for (;;) {                                                                 \
				while (v[i] < pivot)                                               \
					i++;                                                       \
				while (v[j] > pivot)                                               \
					j--;                                                       \
				if (i >= j)                                                        \
					break;                                                     \
				type t = v[i];                                                     \
				v[i] = v[j];                                                       \
				v[j] = t;                                                          \
				i++;                                                               \
				j--;                                                               \
			}                                                                          \
			/* now v[lo..j] <= pivot <= v[j+1..hi] (i is j or j + 1) */                \
			if (k <= j)                                                                \
				hi = j;                                                            \
			else                                                                       \
				lo = j + 1;                                                        \
		}                                                                                  \
		return v[k];                                                                       \
	}

SB_STATS_SELECT(i64, int64_t)
SB_STATS_SELECT(dbl, double)

/* The smallest of v[from..n). */
#define SB_STATS_MIN(name, type)                                                                   \
	static type sb_stats_min_##name(const type *v, size_t from, size_t n)                      \
	{                                                                                          \
		type m = v[from];                                                                  \
		for (size_t i = from + 1; i < n; i++)                                              \
			if (v[i] < m)                                                              \
				m = v[i];                                                          \
		return m;                                                                          \
	}

SB_STATS_MIN(i64, int64_t)
SB_STATS_MIN(dbl, double)

int64_t sb_stats_percentile_i64(int64_t *v, size_t n, int pct)
{
	int64_t rank = sb_stats_rank((int64_t)n, pct);
	if (rank == 0)
		return 0;
	return sb_stats_select_i64(v, n, (size_t)rank - 1);
}

double sb_stats_percentile_dbl(double *v, size_t n, int pct)
{
	int64_t rank = sb_stats_rank((int64_t)n, pct);
	if (rank == 0)
		return 0;
	return sb_stats_select_dbl(v, n, (size_t)rank - 1);
}

/* For an even n the upper middle sample is the smallest of what selection left above the lower
 * one. */
double sb_stats_median_i64(int64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	int64_t lower = sb_stats_select_i64(v, n, (n - 1) / 2);
	if (n % 2 == 1)
		return (double)lower;
	return ((double)lower + (double)sb_stats_min_i64(v, n / 2, n)) / 2.0;
}

double sb_stats_median_dbl(double *v, size_t n)
{
	if (n == 0)
		return 0;
	double lower = sb_stats_select_dbl(v, n, (n - 1) / 2);
	if (n % 2 == 1)
		return lower;
	return (lower + sb_stats_min_dbl(v, n / 2, n)) / 2.0;
}
