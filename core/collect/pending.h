/* pending.h - what the spool still holds: days no run has stored yet, temporary files left by
 * interrupted writes, and whether a spool file's rows are already in the store. */
#ifndef SB_COLLECT_PENDING_H
#define SB_COLLECT_PENDING_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"
#include "plugin/module.h"
#include "store/store.h"

/* 1 if a file name is "<name>.tmp.<digits>": the temporary file of an atomic write (sb_fs_atomic),
 * left behind when the write was interrupted. */
int sb_pending_is_temp(const char *name);

/* Removes the temporary files that interrupted atomic writes (a kill, a power loss) left under
 * <data_dir>/SCAN: names ending in ".tmp.<digits>" in a layer's or DAILY_SUMMARY's date folders.
 * Only call it holding the data directory's lock (no other writer is running). Logs each file it
 * cannot remove. Returns how many it removed. */
size_t sb_pending_clean_temps(const char *data_dir);

/* The dates that have spool files waiting: raw files of the selected enabled layer modules, and
 * daily summary files. Sorted ascending, unique; *n gets the count. Free with sb_fs_list_free. */
char **sb_pending_dates(const sb_settings *s, sb_modules *mods, const sb_layer_filter *layers,
			size_t *n);

/* Whether everything a spool file holds is in the store already, with the same values:
 * SB_PENDING_STORED, SB_PENDING_UNSTORED, or SB_PENDING_UNREADABLE when the file cannot be read
 * (err says why). schema is the layer of a raw file, NULL for a daily summary file. A store error
 * is returned as a negative SB_ code (err filled). */
enum { SB_PENDING_STORED = 0, SB_PENDING_UNSTORED = 1, SB_PENDING_UNREADABLE = 2 };
int sb_pending_check(sb_store *st, const sb_schema *schema, const char *path, sb_err *err);

/* The same for a backfill file of layer schema (data/SCAN/BACKFILL/<LAYER>/, format/coarse.h):
 * stored when each of its lines is in the layer's table of its resolution with the same values,
 * and each summary is stored with the same values, or a finer summary is stored for that day. */
int sb_pending_check_coarse(sb_store *st, const sb_schema *schema, const char *path, sb_err *err);

#endif
