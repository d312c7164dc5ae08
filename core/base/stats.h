/* stats.h - order statistics shared by the reports, the dashboard and the monitor. */
#ifndef SB_BASE_STATS_H
#define SB_BASE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The 1-based nearest rank of the pct-th percentile among n sorted samples: ceil(pct·n/100),
 * computed in integers (so 95 % of 20 is rank 19, not 20 from a rounding error); 0 when n is 0.
 * pct is 1..100. */
int64_t sb_stats_rank(int64_t n, int pct);

/* The pct-th percentile of v[0..n) by that rank rule: the value that would sit at rank
 * sb_stats_rank(n, pct) if v were sorted ascending (found by selection, O(n); v is reordered).
 * 0 when n is 0. */
int64_t sb_stats_percentile(int64_t *v, size_t n, int pct);

#endif
