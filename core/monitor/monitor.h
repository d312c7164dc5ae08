/* monitor.h - the probe monitor daemon: scheduler, hot reload of monitor.json, pid file, status. */
#ifndef SB_MONITOR_MONITOR_H
#define SB_MONITOR_MONITOR_H

#include <stdio.h>

#include "base/sb.h"
#include "base/settings.h"

/* Where the monitor keeps its files, all absolute. */
typedef struct sb_monitor_opts {
	const sb_settings *s;    /* data_dir, TLS_VERIFY, CA_BUNDLE */
	const char *config_path; /* monitor.json */
	const char *modules_dir; /* probe modules are loaded from here, by test name */
	const char *pid_path;    /* data/monitor.pid */
	const char *status_path; /* data/monitor.status, rewritten on SIGUSR1 */
	long parallel;           /* probes in flight at most (MONITOR_PARALLEL, default 1024) */
	double stop_grace;       /* seconds running probes get after SIGTERM (MONITOR_STOP_GRACE) */
	int ready_fd;            /* >= 0: write "OK <pid>\n" or "ERR <message>\n" once started, then
				   * close it (the `start` client waits for it) */
	/* MAY: called once, on the loop's thread, when the monitor has started (the alert rules
	 * start then, so that a monitor that cannot start evaluates nothing) */
	void (*on_ready)(void *arg);
	/* MAY: called on the loop's thread at each SIGHUP, after the reload (the alert rules are
	 * read again so) */
	void (*on_hup)(void *arg);
	void *hup_arg; /* the argument of both */
} sb_monitor_opts;

/* Runs the monitor in this process until SIGTERM or SIGINT: takes the pid file's lock (a second
 * monitor gets SB_ELOCKED naming the pid of the first; a stale file left by a crash is replaced),
 * loads the config (a bad one is SB_EINVAL/SB_EPARSE before anything runs), then schedules.
 * SIGHUP: reload the config now and reopen the log. SIGUSR1 (sigqueue'd value v): write the
 * status file, ending with the line "# request v". SIGTERM: no new runs, the running probes may
 * finish within stop_grace, then exit. Logs through sb_log (open it first). Returns SB_OK after a
 * clean stop. */
int sb_monitor_run(const sb_monitor_opts *o, sb_err *err);

/* Loads and checks the config and every module it names, without running anything; prints one
 * line per test to out. Unknown modules are reported but, as in the daemon, not an error. */
int sb_monitor_check(const char *config_path, const char *modules_dir, FILE *out, sb_err *err);

/* Reads the pid file: *running is 1 when a monitor holds its lock (then *pid is its pid), else 0
 * (*pid is the pid a stale file names, or 0). Returns SB_OK or SB_EIO. */
int sb_monitor_pid(const char *pid_path, long *pid, int *running);

#endif
