/* trace.h - the probe spool: one trace file per test, link and hour under data/PROBES/, and the
 * one loader that moves it on, into the store (`scanbackup updater probes`) or to a dashboard (the
 * remote box's push): the same walk with two sinks.
 *
 * Path: <data>/PROBES/<test>/<monitor id>/<link id>/<YYYY-MM-DD>T<HH>.trace, the UTC hour of the
 * run. Each line is one record of the test, in the format of format/record.h, stamped with the
 * run's time on the test's grid:
 *     2026-11-20T10:15:00Z  ping   <ip>   <rtt ms|-1>   <loss %>   <sent>   <received>  ...
 *     2026-11-20T10:15:00Z  http   <url>  <status|0>    <total ms|-1>  <error text, may be empty>
 *     2026-11-20T10:00:00Z  trace  <ip>   <hops JSON>
 * The loader reads a test's folder with the record its module declares (no module, no loading:
 * the files stay). The folder can be synced as it is to a central box that loads it.
 *
 * Concurrency: the monitor appends a line with open(O_APPEND), flock, a check that the path
 * still names the file it opened, write, close (or, for a file it keeps open, a write while the
 * loader's count below has not moved since the file was last checked; else flock, a check that
 * the file still has a name, write, unlock). The loader reads up to the last complete line
 * without a lock, hands the records to the sink, and only after the sink confirmed them takes the
 * lock, raises its count (<data>/PROBES/.consumed, shared by mapping), and removes what it handed
 * over: the file if nothing was added meanwhile, else the head (the whole lines appended since
 * are copied to a new file renamed over it; a line still being written, cut at the size read,
 * is not). An append to a kept file reads the count after its write: when it moved, the file is
 * checked under the lock and the line written again by the path if the file went. A file opened
 * by the path whose last line was cut short (the monitor killed while writing it) is given the
 * newline first, so the cut line is rejected alone. No line is lost by design; a line handed over twice is harmless (both
 * sinks upsert). A trace file removed by hand while the monitor runs goes unseen until its hour
 * is over: take files out of the spool with the loader. */
#ifndef SB_MONITOR_TRACE_H
#define SB_MONITOR_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "format/record.h"
#include "store/store.h"

/* The trace file of a record; caller frees. */
char *sb_trace_path(const char *data_dir, const char *test, int64_t monitor, int64_t link,
		    int64_t ts);

/* Appends one line (the text without its newline) under the protocol above, creating folders.
 * Returns SB_OK or SB_EIO (err names the file). */
int sb_trace_append(const char *path, const char *line, size_t len, sb_err *err);

/* The same for a file written once in a while (a link's name when it changes): it is closed
 * after the write, not kept open (below) in the place of a file a probe writes every run. */
int sb_trace_append_once(const char *path, const char *line, size_t len, sb_err *err);

/* Keeps up to max trace files open between appends (0, the default: none; a new call closes
 * those kept). The protocol holds: an append to a kept file under <data_dir>/PROBES takes no lock
 * while the loader's count stays; once it moved, the append takes the lock and checks that the
 * file still has its name (the loader removes a file, or renames a new one over it, under the
 * same lock), and goes the path's way when it has not. Files not written for over an hour are
 * closed. For a daemon's one thread; max leaves room under RLIMIT_NOFILE for its sockets. */
void sb_trace_keep_open(const char *data_dir, size_t max);

/* How many are open now. */
size_t sb_trace_kept_open(void);

/* Where the loader hands the records of the spool. */
typedef struct sb_trace_sink {
	/* Takes n records of one test (strings and values valid during the call only). Returns
	 * SB_OK only when every one of them is kept for good (stored, or confirmed by the
	 * dashboard); anything else keeps their files in the spool, and is returned by the loader
	 * with err filled. */
	int (*put)(void *ctx, const sb_rec_decl *d, const sb_rec *recs, size_t n, sb_err *err);
	void *ctx;
} sb_trace_sink;

/* The store as a sink: its put is sb_store_put_records. */
sb_trace_sink sb_trace_store_sink(sb_store *st);

typedef struct sb_trace_stats {
	size_t files, rows, kept, rejected;
} sb_trace_stats;

/* Hands every trace file under <data>/PROBES to sink in batches (one test at a time); files of
 * the hour in progress only with force. A test folder whose record no declaration of decls gives
 * is left as it is (its files counted as kept, and logged). Lines that do not parse are logged
 * with file, line and why, and moved to <file>.rejected. A file leaves the spool only once the
 * sink confirmed its records; when the sink fails the rest is kept and its error returned. */
int sb_trace_load(const char *data_dir, sb_rec_set *decls, const sb_trace_sink *sink, int force,
		  sb_trace_stats *stats, sb_err *err);

#endif
