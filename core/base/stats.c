/* stats.c - order statistics: the percentile rank rule and selection. */
#include "config.h"

#include "base/stats.h"

int64_t sb_stats_rank(int64_t n, int pct)
{
	if (n <= 0)
		return 0;
	return (n * pct + 99) / 100;
}

/* The k-th smallest (0-based) of v[0..n), reordering v (Hoare's selection). */
static int64_t sb_stats_select(int64_t *v, long n, long k)
{
	long lo = 0, hi = n - 1;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		int64_t a = v[lo], b = v[mid], c = v[hi];
		int64_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		long i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

int64_t sb_stats_percentile(int64_t *v, size_t n, int pct)
{
	int64_t rank = sb_stats_rank((int64_t)n, pct);
	if (rank == 0)
		return 0;
	return sb_stats_select(v, (long)n, (long)rank - 1);
}
