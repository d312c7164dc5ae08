/* stats.h - order statistics shared by the reports, the dashboard and the monitor: percentiles
 * and medians of integers and doubles, each computed here and nowhere else.
 *
 * The percentile rule (nearest rank): the pct-th percentile of n samples is the sample at the
 * 1-based rank ceil(pct·n/100) once they are sorted ascending, computed in integers (95 % of 20
 * samples is rank 19, never 20 from a rounding error). So the 100th percentile is the maximum,
 * the 50th of an even count is the lower of the two middle samples, and a percentile is always
 * one of the samples.
 *
 * The median is the usual one: the middle sample of an odd count, the mean of the two middle
 * samples of an even count (so it may lie between two samples).
 *
 * Every function here reorders v (selection, O(n) on average, no allocation), is thread-safe on
 * distinct arrays, and returns 0 when n is 0: a caller that must tell "no sample" apart checks n
 * first. v must hold no NaN. */
#ifndef SB_BASE_STATS_H
#define SB_BASE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/common.h>

/* sb_stats_rank, sb_stats_percentile_i64 / _dbl and sb_stats_median_i64 / _dbl are declared in
 * the SDK (scanbackup/common.h): modules use the same rule. */

#endif
