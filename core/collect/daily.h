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
	size_t stored_only; /* samples summarised that were in the store and not in the spool */
} sb_daily_stats;

/* Computes the daily summary of every interface of date in each selected layer and writes
 * data/SCAN/DAILY_SUMMARY/<date>/<LAYER>.tsv atomically (re-running rewrites it). An interface's
 * summary covers every sample held for it: those spooled and, when st is not NULL, those already
 * stored (where both hold a sample, the spool's counts), so collecting a day again never makes its
 * summary worse, and the stage can be re-run after the spool was loaded. Interfaces only in the
 * store are summarised too. Each interface summarised with stored samples is logged. A store that
 * cannot be read is logged (the spool alone is summarised); an unreadable spool file is logged and
 * counted, never fatal. */
int sb_daily_run(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		 const sb_layer_filter *layers, sb_daily_stats *stats, sb_err *err);

#endif
