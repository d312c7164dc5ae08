/* trace.h - the probe spool: one trace file per test, link and hour under data/PROBES/, and the
 * loader (`scanbackup updater probes`) that moves them into the store.
 *
 * Path: <data>/PROBES/<test>/<monitor id>/<link id>/<YYYY-MM-DD>T<HH>.trace, the UTC hour of the
 * run. Each line is one record, tab separated, stamped with the run's time on the test's grid:
 *     2026-11-20T10:15:00Z  ping   <ip>   <rtt ms|-1>   <loss %>   <sent>   <received>
 *     2026-11-20T10:15:00Z  http   <url>  <status|0>    <total ms|-1>  <error text, may be empty>
 *     2026-11-20T10:00:00Z  trace  <ip>   <hops JSON>
 * The folder can be synced as it is to a central box that loads it.
 *
 * Concurrency: the monitor appends a line with open(O_APPEND), flock, a check that the path
 * still names the file it opened, write, close. The loader reads up to the last complete line
 * without a lock, stores the rows, and only after the store confirmed them takes the lock and
 * removes what it stored: the file if nothing was added meanwhile, else the stored head (the
 * lines appended since are copied to a new file renamed over it). No line is lost or stored
 * twice by design; storing twice would be harmless anyway (upserts). */
#ifndef SB_MONITOR_TRACE_H
#define SB_MONITOR_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "store/store.h"

/* The trace file of a record; caller frees. */
char *sb_trace_path(const char *data_dir, const char *test, int64_t monitor, int64_t link,
		    int64_t ts);

/* Appends one line (the text without its newline) under the protocol above, creating folders.
 * Returns SB_OK or SB_EIO (err names the file). */
int sb_trace_append(const char *path, const char *line, size_t len, sb_err *err);

/* "2026-11-20T10:15:00Z" of a unix time (buf of at least 21 bytes). */
void sb_trace_stamp(int64_t ts, char *buf);
/* Parses such a stamp. Returns SB_OK or SB_EINVAL. */
int sb_trace_parse_stamp(const char *s, int64_t *ts);

typedef struct sb_trace_stats {
	size_t files, rows, kept, rejected;
} sb_trace_stats;

/* Loads every trace file under <data>/PROBES into the store (PING_HISTORY, HTTPING_HISTORY,
 * TRACEROUTE_HISTORY) in batches; files of the hour in progress only with force. Lines that do not
 * parse are logged with file and line and moved to <file>.rejected. A file leaves the spool only
 * once its rows were confirmed; on a store error the rest is kept and the error returned. */
int sb_trace_load(const char *data_dir, sb_store *st, int force, sb_trace_stats *stats,
		  sb_err *err);

/* Parses one record line into row (strings point into line, which is modified). monitor and link
 * come from the file's path. The values must be in range: a time stamp from 2000 to 2100, a
 * target of 1 to 2048 bytes; ping: rtt -1 or 0 to 3600000 ms, loss 0 to 100, 0 <= received <=
 * sent <= 1000000; http: status 0 or 100 to 599, total -1 or 0 to 3600000 ms; trace: one closed
 * JSON list of at most 255 hops. Returns SB_OK or SB_EPARSE with why set to a static reason. */
int sb_trace_parse_line(char *line, int64_t monitor, int64_t link, sb_probe_kind *kind,
			sb_probe_row *row, const char **why);

#endif
