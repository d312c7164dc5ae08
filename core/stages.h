/* stages.h - the stages after the scan: daily summaries, and the updater that loads the spool. */
#ifndef SB_STAGES_H
#define SB_STAGES_H

#include <stddef.h>

#include "module.h"
#include "sb.h"
#include "settings.h"
#include "store.h"

/* Which layers a stage works on: NULL or empty = every enabled layer module. */
typedef struct sb_layer_filter {
	const char *names[16];
	size_t n;
} sb_layer_filter;

/* 1 if layer passes the filter (case-insensitive). */
int sb_layer_selected(const sb_layer_filter *f, const char *layer);

typedef struct sb_daily_stats {
	size_t layers, interfaces, samples, bad_files;
} sb_daily_stats;

/* Computes the daily summary of every interface spooled for date in each selected layer and
 * writes data/SCAN/DAILY_SUMMARY/<date>/<LAYER>.tsv atomically (re-running rewrites it). A layer
 * with nothing spooled for date is summarised from the raw samples in st (when st is not NULL),
 * so the stage can be re-run after the spool was loaded. An unreadable spool file is logged and
 * counted, never fatal. */
int sb_daily_run(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		 const sb_layer_filter *layers, sb_daily_stats *stats, sb_err *err);

typedef struct sb_load_stats {
	size_t files, rows, kept;
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

/* The schemas of the enabled layer modules (array owned by the caller, entries by the modules). */
const sb_schema **sb_layer_schemas(sb_modules *mods, size_t *n);

#endif
