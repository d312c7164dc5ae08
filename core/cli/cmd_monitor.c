/* cmd_monitor.c - `scanbackup monitor start | stop | status | run | check` and `updater probes`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "monitor/monitor.h"
#include "monitor/monitor_remote.h"
#include "monitor/trace.h"
#include "store/store.h"

/* Seconds `stop` waits beyond the daemon's own grace before giving up. */
#define SB_MON_STOP_SLACK 15.0

typedef struct sb_mon_paths {
	char *config, *modules, *pid, *status, *log, *data;
	long parallel;
	double grace;
} sb_mon_paths;

static void sb_mon_paths_free(sb_mon_paths *p)
{
	free(p->config);
	free(p->modules);
	free(p->pid);
	free(p->status);
	free(p->log);
	free(p->data);
}

/* An absolute version of path (relative ones against base); caller frees. */
static char *sb_mon_abs(const char *base, const char *path)
{
	char *joined = path[0] == '/' ? sb_xstrdup(path) : sb_fs_join(base, path);
	char real[PATH_MAX];
	if (realpath(joined, real) != NULL) {
		free(joined);
		return sb_xstrdup(real);
	}
	return joined;
}

/* Works out every path and the MONITOR_ settings. Returns SB_EXIT_OK or prints and fails. */
static int sb_mon_resolve(sb_cli *cli, const char *config, sb_mon_paths *p)
{
	memset(p, 0, sizeof(*p));
	const sb_settings *s = &cli->s;
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(cwd, sizeof(cwd), "%s", s->root);
	if (config != NULL)
		p->config = sb_mon_abs(cwd, config);
	else if (s->monitor_config != NULL)
		p->config = sb_mon_abs(s->root, s->monitor_config);
	else
		p->config = sb_fs_join(s->root, "monitor.json");
	p->data = sb_mon_abs(s->root, s->data_dir);
	char *mods = sb_settings_modules_dir(s);
	p->modules = sb_mon_abs(cwd, mods);
	free(mods);
	p->pid = sb_fs_join(p->data, "monitor.pid");
	p->status = sb_fs_join(p->data, "monitor.status");
	p->log = sb_fs_join(p->data, "logs/monitor.log");
	p->parallel = s->monitor_parallel;
	p->grace = s->monitor_stop_grace;
	return SB_EXIT_OK;
}

static void sb_mon_opts_of(sb_cli *cli, const sb_mon_paths *p, int ready_fd, sb_monitor_opts *o)
{
	*o = (sb_monitor_opts){
		.s = &cli->s,
		.config_path = p->config,
		.modules_dir = p->modules,
		.pid_path = p->pid,
		.status_path = p->status,
		.parallel = p->parallel,
		.stop_grace = p->grace,
		.ready_fd = ready_fd,
	};
	/* the daemon's data_dir must be absolute too: it chdirs to / */
	free(cli->s.data_dir);
	cli->s.data_dir = sb_xstrdup(p->data);
}

/* sb_monitor_run with the alert rules evaluated beside it, on a thread of their own. */
static int sb_mon_run_alerting(sb_cli *cli, sb_monitor_opts *o, sb_err *err)
{
	sb_cli_alerts alerts = {.cli = cli, .who = "monitor"};
	o->on_ready = sb_cli_alerts_start;
	o->on_hup = sb_cli_alerts_hup;
	o->hup_arg = &alerts;
	int rc = sb_monitor_run(o, err);
	sb_cli_alerts_stop(&alerts);
	return rc;
}

static int sb_mon_open_log(sb_cli *cli, const sb_mon_paths *p, int echo)
{
	sb_log_level level = SB_LOG_INFO;
	sb_log_level_parse(cli->s.log_level, &level);
	if (sb_log_open(p->log, echo, level) != SB_OK) {
		fprintf(stderr, "scanbackup monitor: cannot open the log %s: %s\n", p->log,
			strerror(errno));
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}

/* ---- start ---- */

/* In the daemon: detaches from the terminal and the session (the second fork's child runs on). */
static void sb_mon_detach(void)
{
	umask(022);
	if (chdir("/") != 0) {
		/* / always exists */
	}
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int sb_mon_start(sb_cli *cli, const sb_mon_paths *p)
{
	long pid = 0;
	int running = 0;
	sb_monitor_pid(p->pid, &pid, &running);
	if (running) {
		fprintf(stderr, "scanbackup monitor: the monitor already runs (pid %ld)\n", pid);
		return SB_EXIT_FAIL;
	}
	sb_err err = {0};
	if (sb_monitor_check(p->config, p->modules, NULL, &err) != SB_OK) {
		fprintf(stderr, "scanbackup monitor: %s\n", err.msg);
		return SB_EXIT_FAIL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "scanbackup monitor: pipe: %s\n", strerror(errno));
		return SB_EXIT_FAIL;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "scanbackup monitor: fork: %s\n", strerror(errno));
		return SB_EXIT_FAIL;
	}
	if (child == 0) {
		close(fds[0]);
		if (setsid() < 0)
			_exit(1);
		pid_t grand = fork();
		if (grand != 0)
			_exit(grand < 0 ? 1 : 0);
		sb_mon_detach();
		sb_monitor_opts o;
		sb_mon_opts_of(cli, p, fds[1], &o);
		if (sb_mon_open_log(cli, p, 0) != SB_EXIT_OK) {
			dprintf(fds[1], "ERR cannot open the log %s\n", p->log);
			_exit(1);
		}
		int rc = sb_mon_run_alerting(cli, &o, &err);
		if (rc != SB_OK)
			sb_log(SB_LOG_ERROR, "monitor", "%s", err.msg);
		return rc == SB_OK ? SB_EXIT_OK : SB_EXIT_FAIL;
	}
	close(fds[1]);
	int status = 0;
	waitpid(child, &status, 0);
	char buf[640] = "";
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (n > 0 && len + (size_t)n < sizeof(buf) - 1) {
			len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			len += (size_t)n;
		break;
	}
	close(fds[0]);
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, "OK ", 3) == 0) {
		printf("monitor started: pid %s, config %s, log %s\n", buf + 3, p->config, p->log);
		return SB_EXIT_OK;
	}
	fprintf(stderr, "scanbackup monitor: %s\n",
		strncmp(buf, "ERR ", 4) == 0 ? buf + 4
					     : "the monitor died while starting (see its log)");
	return SB_EXIT_FAIL;
}

/* ---- stop, status ---- */

static void sb_mon_sleep(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* 1 while pid exists and is not a zombie (the lock is released a moment before the exit). */
static int sb_mon_alive(long pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return kill((pid_t)pid, 0) == 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static int sb_mon_stop(const sb_mon_paths *p)
{
	long pid = 0;
	int running = 0;
	sb_monitor_pid(p->pid, &pid, &running);
	if (!running) {
		if (pid > 0) {
			fprintf(stderr,
				"scanbackup monitor: the monitor is not running (stale pid file of "
				"pid %ld removed)\n",
				pid);
			unlink(p->pid);
		} else {
			fprintf(stderr, "scanbackup monitor: the monitor is not running\n");
		}
		return SB_EXIT_FAIL;
	}
	if (kill((pid_t)pid, SIGTERM) != 0) {
		fprintf(stderr, "scanbackup monitor: cannot signal pid %ld: %s\n", pid,
			strerror(errno));
		return SB_EXIT_FAIL;
	}
	double waited = 0, limit = p->grace + SB_MON_STOP_SLACK;
	while (waited < limit) {
		sb_mon_sleep(0.05);
		waited += 0.05;
		long again = 0;
		sb_monitor_pid(p->pid, &again, &running);
		if (!running && !sb_mon_alive(pid)) {
			printf("monitor stopped (pid %ld)\n", pid);
			return SB_EXIT_OK;
		}
	}
	fprintf(stderr, "scanbackup monitor: pid %ld is still running after %.0f s\n", pid, limit);
	return SB_EXIT_FAIL;
}

static int sb_mon_status(const sb_mon_paths *p)
{
	long pid = 0;
	int running = 0;
	sb_monitor_pid(p->pid, &pid, &running);
	if (!running) {
		printf("the monitor is not running%s\n",
		       pid > 0 ? " (a stale pid file is left)" : "");
		return SB_EXIT_FAIL;
	}
	int nonce = (int)(((unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL)) & 0x7fffffff);
	union sigval v = {.sival_int = nonce};
	if (sigqueue((pid_t)pid, SIGUSR1, v) != 0) {
		fprintf(stderr, "scanbackup monitor: cannot signal pid %ld: %s\n", pid,
			strerror(errno));
		return SB_EXIT_FAIL;
	}
	char want[48];
	snprintf(want, sizeof(want), "# request %d\n", nonce);
	for (int i = 0; i < 200; i++) {
		char *text = NULL;
		size_t len = 0;
		if (sb_fs_read(p->status, 16 << 20, &text, &len, NULL) == SB_OK) {
			char *at = strstr(text, want);
			if (at != NULL) {
				fwrite(text, 1, (size_t)(at - text), stdout);
				free(text);
				return SB_EXIT_OK;
			}
			free(text);
		}
		sb_mon_sleep(0.025);
	}
	fprintf(stderr, "scanbackup monitor: pid %ld did not answer within 5 s\n", pid);
	return SB_EXIT_FAIL;
}

/* ---- the command ---- */

int sb_cmd_monitor(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			sb_cli_usage_of(c, stdout);
			return SB_EXIT_OK;
		}
		return sb_cli_bad_usage(c, "%s", "expected start, stop, status, run or check");
	}
	const char *what = argv[1];
	static const char *const actions[] = {"start", "stop", "status", "run", "check"};
	int known = 0;
	for (size_t i = 0; i < SB_ARRAY_SIZE(actions); i++)
		known |= strcmp(what, actions[i]) == 0;
	if (!known)
		return sb_cli_bad_usage(
			c, "unknown action '%s': expected start, stop, status, run or check", what);
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"config", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	int opt;
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		if (opt == 'c') {
			config = optarg;
			continue;
		}
		return sb_cli_bad_usage(c, "%s", "unknown option");
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, 0);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_mon_paths p;
	rc = sb_mon_resolve(cli, config, &p);
	if (rc == SB_EXIT_OK && (strcmp(what, "start") == 0 || strcmp(what, "run") == 0))
		sb_remote_bootstrap(&cli->s,
				    p.config); /* a box of the dashboard: monitor.json from it */
	if (rc == SB_EXIT_OK) {
		if (strcmp(what, "start") == 0) {
			rc = sb_mon_start(cli, &p);
		} else if (strcmp(what, "stop") == 0) {
			rc = sb_mon_stop(&p);
		} else if (strcmp(what, "status") == 0) {
			rc = sb_mon_status(&p);
		} else if (strcmp(what, "check") == 0) {
			sb_err err = {0};
			if (sb_monitor_check(p.config, p.modules, stdout, &err) != SB_OK) {
				fprintf(stderr, "scanbackup monitor: %s\n", err.msg);
				rc = SB_EXIT_FAIL;
			}
		} else {
			rc = sb_mon_open_log(cli, &p, 1);
			if (rc == SB_EXIT_OK) {
				sb_monitor_opts o;
				sb_mon_opts_of(cli, &p, -1, &o);
				sb_err err = {0};
				if (sb_mon_run_alerting(cli, &o, &err) != SB_OK) {
					sb_log(SB_LOG_ERROR, "monitor", "%s", err.msg);
					rc = SB_EXIT_FAIL;
				}
			}
		}
	}
	sb_mon_paths_free(&p);
	return rc;
}

/* ---- updater probes ---- */

int sb_cmd_updater_probes(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	int force = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		if (opt == 'f') {
			force = 1;
			continue;
		}
		return sb_cli_bad_usage(c, "%s", "updater probes takes --force only");
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_LOG | SB_NEED_MODULES);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_store *st = NULL;
	rc = sb_cli_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_err err = {0};
	sb_trace_stats ts = {0};
	sb_rec_set *decls = sb_modules_records(&cli->mods); /* each test's table is its module's */
	const sb_trace_sink sink = sb_trace_store_sink(st);
	int src = sb_trace_load(cli->s.data_dir, decls, &sink, force, &ts, &err);
	sb_rec_set_free(&decls);
	printf("updater probes: %zu records from %zu trace files stored in %s; %zu files kept, %zu "
	       "lines rejected%s\n",
	       ts.rows, ts.files, sb_store_backend(st), ts.kept, ts.rejected,
	       force ? "" : " (the hour in progress waits; --force loads it too)");
	sb_store_close(&st);
	if (src != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater",
		       "%s; the trace files not stored are kept for the next run", err.msg);
		return SB_EXIT_FAIL;
	}
	sb_log(SB_LOG_INFO, "updater", "probes: %zu records from %zu trace files stored", ts.rows,
	       ts.files);
	return ts.kept > 0 || ts.rejected > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}
