/* backfill.h - the history beyond the nightly job's: each interface's whole MRTG log into the
 * spool (its 5-minute days as scan writes them; the lines of MRTG's 30-minute, 2-hour and 1-day
 * consolidations and the daily summaries made from them as backfill files), then into the store. */
#ifndef SB_COLLECT_BACKFILL_H
#define SB_COLLECT_BACKFILL_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "plugin/module.h"
#include "store/store.h"

typedef struct sb_backfill_opts {
	sb_date from, to;              /* the local days [from, to] */
	int has_from;                  /* 0: from the oldest day the logs hold */
	const sb_layer_filter *layers; /* NULL or empty: every enabled layer module */
	int progress;                  /* a progress line on stderr */
} sb_backfill_opts;

/* One day of the range with data: how many interfaces got it at each resolution (5 minutes,
 * 30 minutes, 2 hours, 1 day). */
typedef struct sb_backfill_day {
	sb_date date;
	size_t at[4];
} sb_backfill_day;

/* What a backfill did. */
typedef struct sb_backfill_stats {
	size_t interfaces, ok, failed;
	size_t skipped;      /* interfaces of layers whose module parses a format of its own */
	size_t lines[3];     /* lines of the 30-minute, 2-hour and 1-day sections spooled */
	size_t summaries;    /* interface days summarised from them */
	size_t fine_days;    /* interface days of 5-minute samples spooled (as scan writes them) */
	size_t fine_samples; /* their samples */
	size_t bytes;
	double seconds;
	sb_backfill_day *days; /* every day with data, oldest first (free with sb_backfill_free) */
	size_t ndays;
} sb_backfill_stats;

/* Reads the whole log of every interface of the selected enabled layer modules (their
 * sources/SCAN/<LAYER>, fetched concurrently as scan fetches them: the module's fetch hook, the
 * HTTP engine) and spools, for each local day of [from, to]:
 *   - a day the log holds 5-minute samples of: those samples, as data/SCAN/<LAYER>/<DATE>/ spool
 *     files exactly as scan writes them (the daily stage summarises them);
 *   - every other day: the day summary made from the coarser lines that count for it
 *     (sb_summary_compute_lines, docs/data.md), in the interface's backfill file;
 * and, in that file, every full line of the 30-minute, 2-hour and 1-day sections stamped in
 * [from, to] (data/SCAN/BACKFILL/<LAYER>/, format/coarse.h), written atomically, the batch synced
 * at the end. A layer whose module has a parse hook (a format other than MRTG's) is skipped and
 * said. One failing interface is logged and counted; it never stops the others. to must be before
 * today. Returns SB_OK if the backfill ran (stats says what failed), or an error that stopped it. */
int sb_backfill_run(const sb_settings *s, sb_modules *mods, const sb_backfill_opts *o,
		    sb_backfill_stats *stats, sb_err *err);

/* Frees stats->days. */
void sb_backfill_free(sb_backfill_stats *stats);

/* What a load of the backfill files did. */
typedef struct sb_backfill_load_stats {
	size_t files, lines, summaries;
	size_t kept; /* backfill files still in the spool once the load ended */
} sb_backfill_load_stats;

/* Loads the backfill files of the selected layers into the store, in batches: the lines into
 * <LAYER>_HISTORY_30M, _2H and _1D, the summaries into DAILY_SUMMARY_HISTORY (where a finer
 * summary is stored, it is kept: sb_store_put_summary). A file is removed only once every row of
 * it is confirmed; on a store error the rest are kept and the error returned. An unreadable file
 * is logged and kept. */
int sb_backfill_load(const sb_settings *s, sb_modules *mods, sb_store *st,
		     const sb_layer_filter *layers, int progress, sb_backfill_load_stats *stats,
		     sb_err *err);

#endif
