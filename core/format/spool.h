/* spool.h - the write-ahead spool: one file per interface and day under data/SCAN/<LAYER>/<DATE>/.
 *
 * A spool file is written atomically by the collector and removed only after the store confirmed
 * every row of it. Format (tab separated, UTF-8):
 *     #scanbackup-spool	1
 *     layer	BORDE
 *     name	<interface name>
 *     type	<type>
 *     capacity	<Gbps, empty when missing>
 *     date	YYYY-MM-DD
 *     url	<where it came from>
 *     samples	<N>
 *     #ts	time	in_avg	out_avg	in_max	out_max
 *     <N lines, oldest first: unix ts, stored local time, four integers>
 * The stored local time is HH:MM:SS, or HH:MM:SS+hh:mm for the repeated hour of a day whose
 * clock goes back (sb_time_key, docs/storage.md).
 */
#ifndef SB_FORMAT_SPOOL_H
#define SB_FORMAT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "base/timeutil.h"
#include "format/mrtg.h"

/* One interface's day. Strings and arrays are owned by whoever filled it: the reader allocates
 * (free with sb_spool_day_free); a writer may point at its own data. */
typedef struct sb_spool_day {
	char *layer, *name, *type, *date, *url;
	double capacity;
	int has_capacity;
	size_t n;
	sb_mrtg_sample *samples;         /* oldest first */
	char (*times)[SB_TIME_KEY_SIZE]; /* stored local time of each sample (sb_time_key); the
					  * writer computes it if NULL */
} sb_spool_day;

/* The file of one interface's day: <data_dir>/SCAN/<layer>/<date>/<name>@<type>.tsv, with every
 * byte outside [A-Za-z0-9._-] of name and type written as %XX, and a name's leading '.' too (never
 * a hidden file). When that name@type passes 200 bytes, its first 160 bytes are kept and followed
 * by "~" and 16 hex digits of a hash of the name and type, so the file name stays within NAME_MAX
 * whatever the name (readers take the name from inside the file). Caller frees. */
char *sb_spool_day_path(const char *data_dir, const char *layer, const char *date, const char *name,
			const char *type);

/* The file name alone, "<name>@<type>.tsv" escaped and shortened as above, which every spool
 * file of an interface uses (caller frees). */
char *sb_spool_file_name(const char *name, const char *type);

/* Writes d atomically (temp file, rename) under data_dir. With durable = 0 the file is not synced:
 * the caller syncs the whole batch once with sb_fs_sync (a reader rejects a file whose sample
 * count does not match, so a file cut by a power loss before that sync is never trusted). */
int sb_spool_write_day(const char *data_dir, const sb_spool_day *d, int durable, sb_err *err);

/* Reads a spool file. A malformed file is SB_EPARSE with err naming the file and line. */
int sb_spool_read_day(const char *path, sb_spool_day *out, sb_err *err);

/* Frees what sb_spool_read_day allocated. */
void sb_spool_day_free(sb_spool_day *d);

/* Calls fn for every spool file of layer under data_dir, for one date or every date (date NULL),
 * in sorted order, hidden ones included (older versions named a file after a name's leading dot).
 * fn returns SB_OK to go on. Temp files of interrupted writes are skipped. */
typedef int (*sb_spool_fn)(void *ctx, const char *path, const char *date);
int sb_spool_list(const char *data_dir, const char *layer, const char *date, sb_spool_fn fn,
		  void *ctx, sb_err *err);

#endif
