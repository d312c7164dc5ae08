/* daily.h - the daily stage: each interface's daily summary from its spooled raw samples. */
#ifndef SB_COLLECT_DAILY_H
#define SB_COLLECT_DAILY_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"
#include "plugin/module.h"
#include "store/store.h"

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

#endif
