/* updater.h - the updater stages: the raw spool and the daily summary files into the store. */
#ifndef SB_COLLECT_UPDATER_H
#define SB_COLLECT_UPDATER_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"
#include "plugin/module.h"
#include "store/store.h"

typedef struct sb_load_stats {
	size_t files, rows;
	size_t kept;   /* files of the load still in the spool once it ended (unreadable, or not
		      * stored because the store failed), counted there */
	size_t writes; /* store writes (one per batch or summary file) */
	double write_seconds; /* the time they took, in all */
	double write_max;     /* the slowest of them */
} sb_load_stats;

/* Loads the raw spool of date (every date when date is NULL) of the selected layers into the
 * store in batches; a file is removed only after the batch holding it was confirmed. On a store
 * error the remaining files are kept and the error returned. progress: a line on stderr with the
 * files done, the rate and the time left (for a terminal). */
int sb_updater_data(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		    const sb_layer_filter *layers, int progress, sb_load_stats *stats, sb_err *err);

/* Loads the daily summary files of date (every date when NULL) into DAILY_SUMMARY_HISTORY; a file
 * is removed once its rows are confirmed. */
int sb_updater_daily(const sb_settings *s, sb_store *st, const char *date, sb_load_stats *stats,
		     sb_err *err);

#endif
