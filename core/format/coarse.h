/* coarse.h - the spool file of what `backfill` read of one interface's log beyond its 5-minute
 * part: the lines of MRTG's consolidations and the daily summaries made from them.
 *
 * data/SCAN/BACKFILL/<LAYER>/<name>@<type>.tsv (the name escaped as sb_spool_file_name does),
 * written atomically, removed once the store confirmed every row of it. Format (tab separated):
 *     #scanbackup-backfill	1
 *     layer	BORDE
 *     name	<interface name>
 *     type	<type>
 *     capacity	<Gbps, empty when missing>
 *     url	<where it came from>
 *     lines	<N>
 *     summaries	<M>
 *     #resolution	ts	date	time	in_avg	out_avg	in_max	out_max
 *     <N lines, newest first: seconds, unix ts, the stored local date and time of ts, 4 integers>
 *     #date	capacity	inProm	inMaxProm	outProm	outMaxProm	use	samples	resolution
 *     <M lines: one daily summary each, numbers with 17 significant digits, use empty when null>
 */
#ifndef SB_FORMAT_COARSE_H
#define SB_FORMAT_COARSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "base/timeutil.h"
#include "format/mrtglog.h"
#include "format/summary.h"

/* One interface's file. Strings and arrays are owned by whoever filled it: the reader allocates
 * (free with sb_coarse_free); a writer may point at its own data. */
typedef struct sb_coarse_file {
	char *layer, *name, *type, *url;
	double capacity;
	int has_capacity;
	size_t n;            /* lines */
	sb_mrtg_line *lines; /* s and res used (window and lineno are not kept) */
	char (*dates)[11];   /* stored local date of each line's ts; the writer computes them */
	char (*times)[SB_TIME_KEY_SIZE]; /* and time (sb_time_key) when NULL */
	size_t nsum;                     /* daily summaries */
	sb_summary_row *sums;            /* date, measures, use, samples, resolution (name, type and
					  * layer are the file's) */
	char (*sum_dates)[11];           /* the reader's storage of sums[i].date */
} sb_coarse_file;

/* The file of an interface: <data_dir>/SCAN/BACKFILL/<layer>/<file>. Caller frees. */
char *sb_coarse_path(const char *data_dir, const char *layer, const char *name, const char *type);

/* Writes f atomically, not synced (the caller syncs the batch with sb_fs_sync; a file cut short
 * is refused by the reader, whose counts it no longer matches). */
int sb_coarse_write(const char *data_dir, const sb_coarse_file *f, sb_err *err);

/* Reads a file; a malformed one is SB_EPARSE naming the file and line. */
int sb_coarse_read(const char *path, sb_coarse_file *out, sb_err *err);

/* Frees what sb_coarse_read allocated. */
void sb_coarse_free(sb_coarse_file *f);

/* Calls fn for every file of layer under data_dir, in sorted order (temp files skipped); fn
 * returns SB_OK to go on. A missing folder has no file. */
typedef int (*sb_coarse_fn)(void *ctx, const char *path);
int sb_coarse_list(const char *data_dir, const char *layer, sb_coarse_fn fn, void *ctx);

#endif
