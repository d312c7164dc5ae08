/* log.h - the log: data/logs/ScanBackup.log lines "YYYY-MM-DD HH:MM:SS LEVEL [who] message". */
#ifndef SB_BASE_LOG_H
#define SB_BASE_LOG_H

#include <stdio.h>

#include <scanbackup/common.h>

/* sb_log_level and sb_log are the SDK's (scanbackup/common.h). */

/* Opens (appends to) the log file path, creating its folder. echo: also write lines to stderr
 * (0 = never, 1 = always). Lines above level are dropped. Before sb_log_open (or if it fails)
 * lines go to stderr only. Returns SB_OK or SB_EIO. Not thread-safe: call from the main thread. */
int sb_log_open(const char *path, int echo, sb_log_level level);

/* sb_log writes the same message format from the same speaker at most SB_LOG_BURST times per
 * run; the rest are counted and reported by sb_log_close. */
#define SB_LOG_BURST 50

/* Reopens the log file opened by sb_log_open under the same path (after logrotate moved it),
 * keeping echo and level, and reports and resets the burst counts so a daemon is never silenced.
 * Returns SB_OK, or SB_EIO when the file cannot be opened (the old one stays in use). Does
 * nothing before sb_log_open. */
int sb_log_reopen(void);

/* Reports suppressed messages and closes the log. */
void sb_log_close(void);

/* Parses "error", "warning", "info", "debug". Returns SB_OK or SB_EINVAL. */
int sb_log_level_parse(const char *s, sb_log_level *out);

/* An extra log file of the same format (Alertas-SCAN.log, monitor.log): open, write, close. */
typedef struct sb_logfile {
	FILE *f;
} sb_logfile;

int sb_logfile_open(sb_logfile *lf, const char *path);
void sb_logfile_write(sb_logfile *lf, sb_log_level level, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sb_logfile_close(sb_logfile *lf);

#endif
