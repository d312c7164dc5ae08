/* avail.h - the availability of a probed link and its hour-by-day RTT heat map, computed from its
 * ping records. The dashboard (/api/probes/link) and the report scripts (sb.probes.availability,
 * sb.probes.heatmap: disponibilidad.lua, latencia.lua) all call these, so the same records give
 * the same figures everywhere. docs/monitor.md states the same rules for users.
 *
 * A record is up when it got at least one reply (received > 0), down otherwise.
 *
 * Availability:
 *   - pct = 100 · up records / records (undefined without records).
 *   - The expected step is the median gap between consecutive records, taken as the 50th
 *     percentile of the gaps by the rank rule of base/stats.h (so with an even count of gaps the
 *     lower of the two middle ones: always a gap that really occurred, in whole seconds); at
 *     least 1 s; 60 s when there are fewer than two records.
 *   - A record stands for the step that follows it, [t, t + step).
 *   - Consecutive records in the same state make one period, from the first one's t to the last
 *     one's t + step. A silence of more than 3 steps between two records ends the period before
 *     it, whatever the states, and is itself a period "none" (no data: neither up nor down) from
 *     that period's end to the next record.
 *   - longest_up / longest_down: the longest period of each state, in seconds.
 *
 * Heat map: one cell per local day (of from..from+days-1) and hour. A cell counts its records
 * and its up records and holds the median (the median of base/stats.h, not the mean) and the
 * highest of the RTTs of its up records whose RTT is known (>= 0), and the mean loss % of its
 * records. An active hour
 * is a cell with an up record; an active day, a day with an active hour. Records outside the
 * days are left out. "Local" is the process time zone (sb_time_set_zone).
 *
 * The functions are pure (no I/O) and thread-safe on distinct arguments. */
#ifndef SB_BASE_AVAIL_H
#define SB_BASE_AVAIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/timeutil.h"

/* One ping record. */
typedef struct sb_avail_rec {
	int64_t t;   /* unix seconds */
	double rtt;  /* ms; < 0 when unknown (nothing came back) */
	double loss; /* % */
	int up;      /* at least one reply */
} sb_avail_rec;

typedef enum sb_avail_state { SB_AVAIL_DOWN, SB_AVAIL_UP, SB_AVAIL_NONE } sb_avail_state;

/* One continuous period, [start, end). */
typedef struct sb_avail_period {
	int64_t start, end;
	sb_avail_state state;
	size_t records; /* 0 for SB_AVAIL_NONE */
} sb_avail_period;

typedef struct sb_avail {
	int64_t step;   /* the expected step, s */
	size_t records; /* all records */
	size_t up;      /* up records */
	double pct;     /* 100 · up / records; 0 without records (check records) */
	int64_t longest_up, longest_down; /* s; 0 when there is no such period */
	sb_avail_period *periods;         /* in time order; owned, freed by sb_avail_free */
	size_t nperiods;
} sb_avail;

/* Computes the availability of the records r[0..n), which must be in time order. *out is the
 * caller's; free it with sb_avail_free. Never fails (aborts only when memory runs out, as
 * sb_xmalloc). */
void sb_avail_compute(const sb_avail_rec *r, size_t n, sb_avail *out);

/* Frees what sb_avail_compute allocated in a (a itself is the caller's); a zeroed a is fine. */
void sb_avail_free(sb_avail *a);

/* "up", "down" or "none". */
const char *sb_avail_state_name(sb_avail_state s);

/* One hour of one day. */
typedef struct sb_avail_cell {
	size_t records; /* records in the hour */
	size_t up;      /* of them, up */
	size_t nrtt;    /* of them, up with a known RTT */
	double rtt;     /* median RTT of those, ms; valid when nrtt > 0 */
	double rtt_max; /* the highest of them, ms; valid when nrtt > 0 */
	double loss;    /* mean loss % of the records; valid when records > 0 */
} sb_avail_cell;

typedef struct sb_avail_heat {
	long days;            /* the days of the map, from the first */
	sb_avail_cell *cells; /* days · 24, cells[day · 24 + hour]; owned (sb_avail_heat_free) */
	long active_hours;    /* cells with an up record */
	long active_days;     /* days with an active hour */
	size_t records, up, nrtt; /* totals over the map */
	double rtt_median;        /* over every RTT of the map; valid when nrtt > 0 */
	double rtt_min, rtt_max;  /* valid when nrtt > 0 */
} sb_avail_heat;

/* Builds the heat map of the records r[0..n) (any order) over the local days from ..
 * from + days - 1 (days >= 0). *out is the caller's; free it with sb_avail_heat_free. */
void sb_avail_heatmap(const sb_avail_rec *r, size_t n, sb_date from, long days, sb_avail_heat *out);

/* Frees what sb_avail_heatmap allocated in h (h itself is the caller's); a zeroed h is fine. */
void sb_avail_heat_free(sb_avail_heat *h);

#endif
