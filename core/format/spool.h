/* spool.h - the write-ahead spool: the raw samples of each layer's day under
 * data/SCAN/<LAYER>/<DATE>/, kept until the store confirmed them.
 *
 * A scan appends one record per interface to one file per layer and day, <NNNNNN>.spool (the next
 * number in the folder: a later scan of the same day writes the next file). Format (UTF-8, tab
 * separated, docs/storage.md):
 *     #scanbackup-spool	2	<LAYER>	<DATE>
 * then records, each one
 *     @	<bytes of the body>	<CRC-32 of the body, 8 hex digits>
 * followed by its body:
 *     name	<interface name>
 *     type	<type>
 *     capacity	<Gbps, empty when missing>
 *     url	<where it came from>
 *     samples	<N>
 *     <N lines, oldest first: unix ts, stored local time, in_avg, out_avg, in_max, out_max>
 * The stored local time is HH:MM:SS, or HH:MM:SS+hh:mm for the repeated hour of a day whose
 * clock goes back (sb_time_key, docs/storage.md).
 *
 * A record is trusted only whole and with its checksum: one cut by a kill or a crash (the file's
 * end) or damaged is skipped and said, never read in part. Versions before 2 wrote one file per
 * interface and day, <name>@<type>.tsv (sb_spool_read_day); readers take both. */
#ifndef SB_FORMAT_SPOOL_H
#define SB_FORMAT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "base/timeutil.h"
#include "format/mrtg.h"

/* One interface's day. Strings and arrays are owned by whoever filled it: the readers allocate
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

/* The file name of one interface's files, "<name>@<type>.tsv": every byte outside [A-Za-z0-9._-]
 * of name and type written as %XX, a name's leading '.' too (never a hidden file); when that
 * name@type passes 200 bytes, its first 160 bytes are kept and followed by "~" and 16 hex digits
 * of a hash of the name and type, so the name stays within NAME_MAX whatever the interface's
 * (readers take the name from inside the file). Version 1 spool files were named so; the
 * backfill files are (coarse.h). Caller frees. */
char *sb_spool_file_name(const char *name, const char *type);

/* ---- writing ---- */

typedef struct sb_spool_writer sb_spool_writer;

/* Creates the next spool file of layer's date under data_dir (folders made as needed) and writes
 * its first line. Returns SB_OK and *out, or SB_EIO with err naming the file. */
int sb_spool_writer_open(const char *data_dir, const char *layer, const char *date,
			 sb_spool_writer **out, sb_err *err);

/* Appends d (its layer and date are the file's) as one record, in one write: once it returns
 * SB_OK the record survives the process being killed. On failure (SB_EIO, err filled) the file is
 * cut back to its last whole record, so later records still follow whole ones. Not thread-safe. */
int sb_spool_writer_put(sb_spool_writer *w, const sb_spool_day *d, sb_err *err);

/* The file being written. */
const char *sb_spool_writer_path(const sb_spool_writer *w);

/* Closes the file; with durable, its data and folder reach the disk first (fdatasync, fsync).
 * Frees *w and sets it NULL (also when it fails). */
int sb_spool_writer_close(sb_spool_writer **w, int durable, sb_err *err);

/* ---- reading ---- */

/* Called with each problem a reader skips over: "<file>:<line>: expected ...: <what became of
 * it>", for the caller's log. damaged is 0 for a record cut short at a file's end (what a kill or
 * a crash during a scan leaves: its interface was never counted as collected), 1 for damage (the
 * file is kept). */
typedef void (*sb_spool_warn_fn)(void *ctx, int damaged, const char *msg);

typedef struct sb_spool_reader sb_spool_reader;

/* Opens the spool of layer's date under data_dir: every spool file of the folder, those of older
 * versions first, then by number. A missing folder is an empty spool. Returns SB_OK and *out, or
 * SB_EIO when the folder cannot be read. warn (may be NULL) hears each file or record skipped. */
int sb_spool_open(const char *data_dir, const char *layer, const char *date, sb_spool_warn_fn warn,
		  void *ctx, sb_spool_reader **out, sb_err *err);

/* The same over one spool file (of either version). */
int sb_spool_open_file(const char *path, sb_spool_warn_fn warn, void *ctx, sb_spool_reader **out,
		       sb_err *err);

/* The next interface's day, by name then type: the samples of all its records, where two hold
 * the same timestamp the later file's (of one file, the later record's); capacity and url of its
 * latest record. Returns SB_OK with *d filled (free with sb_spool_day_free), SB_ENOTFOUND after
 * the last one, or SB_EIO (err filled) when a file cannot be read any more. */
int sb_spool_next(sb_spool_reader *r, sb_spool_day *d, sb_err *err);

/* The files the reader holds, in reading order. */
size_t sb_spool_nfiles(const sb_spool_reader *r);
const char *sb_spool_file(const sb_spool_reader *r, size_t i);

/* 1 when everything in file i was read and is either in a day handed out by sb_spool_next or
 * was a record cut short at the file's end (the write a kill or crash interrupted, which its scan
 * never counted): such a file may go once its days are stored. 0 while days of it are still to
 * come, or when a record or the file itself was damaged (kept, for a person to look at). */
int sb_spool_file_done(const sb_spool_reader *r, size_t i);

/* Records and files skipped as unreadable so far (cut-off ends included). */
size_t sb_spool_skipped(const sb_spool_reader *r);

void sb_spool_close(sb_spool_reader **r);

/* Reads a version 1 spool file, one interface's day. A malformed file is SB_EPARSE with err
 * naming the file and line. */
int sb_spool_read_day(const char *path, sb_spool_day *out, sb_err *err);

/* Frees what a reader allocated. */
void sb_spool_day_free(sb_spool_day *d);

/* ---- listing ---- */

/* 1 if a file name is a spool file's: "*.spool", or "*.tsv" of version 1. */
int sb_spool_is_file(const char *name);

/* Calls fn for every spool file of layer under data_dir, for one date or every date (date NULL),
 * dates in order, files in reading order. fn returns SB_OK to go on. */
typedef int (*sb_spool_fn)(void *ctx, const char *path, const char *date);
int sb_spool_list(const char *data_dir, const char *layer, const char *date, sb_spool_fn fn,
		  void *ctx, sb_err *err);

#endif
