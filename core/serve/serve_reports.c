/* serve_reports.c - /api/reports: the report list (report/registry.h), and a report's workbook
 * written by a child `scanbackup report` process. The request's connection is suspended while the
 * child runs; one thread of this file waits for every child at once (a pidfd each, in one epoll
 * set, the nearest deadline as its timeout), kills those past it, and resumes the connections,
 * whose answer is then made on a pool thread. No request thread waits. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/period.h"
#include "report/registry.h"
#include "serve/serve_impl.h"

extern char **environ;

/* Workbooks written at once; more get 429 and Retry-After. */
#define SB_REPORTS_AT_ONCE 2
/* A report ends itself at REPORT_TIMEOUT (cmd_report.c); the server kills it this much later. */
#define SB_REPORT_KILL_AFTER 20.0

/* One report being written for one request. */
typedef struct sb_rjob {
	sb_srv *s;
	struct MHD_Connection *conn;
	char name[SB_REPORT_NAME_MAX + 1];
	char period[24]; /* "2026-11-20" or "2026-11-16_2026-11-22": in the download's name */
	char *dir;       /* the child's --out folder (its report.log too); removed with the job */
	pid_t pid;
	int pidfd;
	double deadline; /* sb_time_mono */
	int killed;      /* SIGKILL sent */
	/* the outcome, set by the reports thread before it resumes the connection */
	int status; /* from waitpid */
	int timed_out;
	int stopped; /* killed because the server stops */
	struct sb_rjob *next;
} sb_rjob;

struct sb_reports {
	pthread_t thread;
	int epfd;
	int evfd; /* wakes the thread: a job added, or stop */
	pthread_mutex_t mu;
	sb_rjob *jobs; /* children running, guarded by mu */
	int stop;      /* guarded by mu: no job is taken any more */
	int joined;
	pthread_cond_t done; /* signalled with mu each time a job is freed */
};

/* ---- /api/reports ---- */

static int sb_entry_by_name(const void *a, const void *b)
{
	return strcmp((*(sb_report_entry *const *)a)->name, (*(sb_report_entry *const *)b)->name);
}

void sb_api_reports(sb_req *r)
{
	sb_report_dirs dirs;
	sb_report_dirs_of(r->srv->o->s, &dirs);
	sb_report_entry *v = NULL;
	size_t n = 0;
	sb_report_list(&dirs, &v, &n);
	/* the reports that run: a name hidden by an earlier folder is not listed twice */
	sb_report_entry **shown = sb_xcalloc(n + 1, sizeof(*shown));
	size_t ns = 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i].hidden)
			shown[ns++] = &v[i];
	qsort(shown, ns, sizeof(*shown), sb_entry_by_name);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	/* the day offered: the newest with daily summaries (yesterday when the store has none) */
	char y[11];
	sb_err err = {0};
	if (sb_srv_default_day(r->srv, y, &err) != SB_OK)
		sb_date_format(sb_date_add(sb_date_today(), -1), y);
	sb_json_kstr(&j, "date", y);
	sb_json_key(&j, "reports");
	sb_json_arr(&j);
	for (size_t i = 0; i < ns; i++) {
		sb_json_obj(&j);
		sb_json_kstr(&j, "name", shown[i]->name);
		sb_json_kstr(&j, "title", shown[i]->title);
		/* a report of a period with a second fortnight takes segunda=1 */
		sb_date any = {2026, 1, 1}, f, t;
		sb_json_kbool(&j, "segunda",
			      sb_period_of(shown[i]->name, any, SB_PERIOD_SECOND, &f, &t) == SB_OK);
		sb_json_obj_end(&j);
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	free(shown);
	sb_report_list_free(&v, n);
	sb_report_dirs_free(&dirs);
	sb_reply_json(r, 200, &j);
}

/* ---- the jobs ---- */

/* Removes the files of a flat folder (hidden ones too) and the folder. */
static void sb_rm_flat(const char *dir)
{
	sb_fs_filter all = {.hidden = 1, .type = SB_FS_ANY};
	char **names = NULL;
	size_t n = 0;
	sb_fs_list_filter(dir, &all, &names, &n, NULL);
	for (size_t i = 0; i < n; i++) {
		char *p = sb_fs_join(dir, names[i]);
		unlink(p);
		free(p);
	}
	sb_fs_list_free(names, n);
	rmdir(dir);
}

/* Frees a job whose child has been reaped (also when its request ended first). */
static void sb_rjob_free(void *p)
{
	sb_rjob *job = p;
	struct sb_reports *rs = job->s->reports;
	sb_rm_flat(job->dir);
	free(job->dir);
	pthread_mutex_lock(&rs->mu);
	atomic_fetch_sub(&job->s->reports_writing, 1);
	pthread_cond_broadcast(&rs->done);
	pthread_mutex_unlock(&rs->mu);
	free(job);
}

/* The cause a failed report command gave: its last log line ("report NAME failed: CAUSE"),
 * without the log's "YYYY-MM-DD HH:MM:SS LEVEL [who] " and "report NAME failed: " prefixes; at
 * most size bytes. */
static void sb_last_line(const char *path, char *out, size_t size)
{
	out[0] = '\0';
	char *text = NULL;
	size_t len = 0;
	if (sb_fs_read(path, 1 << 20, &text, &len, NULL) != SB_OK)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	char *nl = strrchr(text, '\n');
	const char *line = nl != NULL ? nl + 1 : text;
	const char *who = strstr(line, "] ");
	if (strlen(line) > 20 && line[4] == '-' && line[13] == ':' && who != NULL)
		line = who + 2;
	const char *failed = strncmp(line, "report ", 7) == 0 ? strstr(line, " failed: ") : NULL;
	if (failed != NULL)
		line = failed + 9;
	snprintf(out, size, "%s", line);
	free(text);
}

/* An .xlsx file name. */
static int sb_is_xlsx(const char *name)
{
	size_t len = strlen(name);
	return len > 5 && strcmp(name + len - 5, ".xlsx") == 0;
}

/* The period a report request covers, for the download's name: from..to when given; else the
 * period of the report's name (diario, semanal, quincenal, mensual: base/period.h) ending at date
 * (default yesterday, as the command's) in its form (SB_PERIOD_*); else that last day alone. */
static void sb_report_period(const char *name, const char *date, const char *from, const char *to,
			     int form, char *out, size_t size)
{
	sb_date a, b, last = sb_date_add(sb_date_today(), -1);
	int given = from != NULL && to != NULL && sb_date_parse(from, &a) == SB_OK &&
		    sb_date_parse(to, &b) == SB_OK;
	if (!given && date != NULL)
		sb_date_parse(date, &last);
	if (!given && sb_period_of(name, last, form, &a, &b) != SB_OK)
		a = b = last;
	char fa[11], fb[11];
	sb_date_format(a, fa);
	sb_date_format(b, fb);
	if (strcmp(fa, fb) == 0)
		snprintf(out, size, "%s", fa);
	else
		snprintf(out, size, "%s_%s", fa, fb);
}

/* The answer, once the child has ended (runs on a pool thread after the resume). */
static void sb_report_answer(sb_req *r)
{
	sb_rjob *job = r->job;
	r->job = NULL;
	const char *name = job->name;
	int code = WIFEXITED(job->status) ? WEXITSTATUS(job->status) : -1;
	char why[400] = "";
	if (code != 0 && !job->timed_out && !job->stopped) {
		char *log = sb_fs_join(job->dir, "report.log");
		sb_last_line(log, why, sizeof(why));
		free(log);
	}
	size_t nout = 0;
	char **outs = code == 0 ? sb_fs_list(job->dir, sb_is_xlsx, &nout) : NULL;
	char *data = NULL;
	size_t len = 0;
	sb_err err = {0};
	if (job->stopped) {
		sb_reply_error(r, 503, "report %s: the server is stopping", name);
	} else if (job->timed_out) {
		double limit = (double)r->srv->o->s->report_timeout + SB_REPORT_KILL_AFTER;
		sb_log(SB_LOG_ERROR, "serve",
		       "report %s: killed after %.0f s (REPORT_TIMEOUT + %.0f s)", name, limit,
		       SB_REPORT_KILL_AFTER);
		sb_reply_error(r, 503, "report %s: the report took more than %.0f s", name, limit);
	} else if (code == 2) {
		sb_reply_error(r, 400, "report %s: %s", name, why);
	} else if (code == 4) {
		/* a period without data: no empty workbook handed out as if it were one */
		sb_reply_error(r, 404, "%s", why);
	} else if (code != 0) {
		sb_log(SB_LOG_ERROR, "serve", "report %s failed: %s", name, why);
		sb_reply_error(r, 503, "report %s failed: %s", name, why);
	} else if (nout == 0) {
		sb_reply_error(r, 503, "report %s wrote no workbook", name);
	} else {
		char *path = sb_fs_join(job->dir, outs[0]);
		if (sb_fs_read(path, (size_t)256 << 20, &data, &len, &err) != SB_OK) {
			sb_reply_error(r, 503, "report %s: %s", name, err.msg);
		} else {
			/* the file named after its period: Data_Diario_BBIP_2026-11-20.xlsx */
			char cd[200];
			int stem = (int)strlen(outs[0]) - 5;
			snprintf(cd, sizeof(cd), "attachment; filename=\"%.*s_%s.xlsx\"", stem,
				 outs[0], job->period);
			sb_reply_header(r, "Content-Disposition", cd);
			sb_reply(
				r, 200,
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				data, len);
			data = NULL;
		}
		free(path);
	}
	free(data);
	sb_fs_list_free(outs, nout);
	sb_rjob_free(job);
}

/* Starts the report command writing into job->dir: SB_OK with job->pid and job->pidfd, or an
 * error with err filled. */
static int sb_report_spawn(sb_srv *s, char *const argv[], sb_rjob *job, sb_err *err)
{
	char *log = sb_fs_join(job->dir, "report.log");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	int e = posix_spawn(&job->pid, s->o->exe, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(log);
	if (e != 0)
		return sb_err_set(err, SB_EIO, "cannot run %s: %s", s->o->exe, strerror(e));
	job->pidfd = pidfd_open(job->pid, 0);
	if (job->pidfd < 0) {
		int pe = errno;
		kill(job->pid, SIGKILL);
		waitpid(job->pid, NULL, 0);
		return sb_err_set(err, SB_EIO, "pidfd_open: %s", strerror(pe));
	}
	return SB_OK;
}

/* The registered monitors the caller may not see, as "3,7,12" for --hide-monitors (caller frees;
 * NULL for none, an admin's). The workbooks of the probes then hold only what the Monitors page
 * shows the account: its own monitors, those shared with it, and those nobody registered. */
typedef struct sb_hidden {
	sb_req *r;
	char *list;
	size_t n;
	int failed;
} sb_hidden;

static int sb_hidden_one(void *ctx, const sb_monitor_rec *m)
{
	sb_hidden *h = ctx;
	sb_access a = SB_ACCESS_NONE;
	sb_err err = {0};
	if (sb_servedb_monitor_access(h->r->srv->db, m->id, h->r->sess.user, h->r->sess.role, &a,
				      &err) != SB_OK) {
		h->failed = 1;
		return SB_OK;
	}
	if (a != SB_ACCESS_NONE || h->n == 256)
		return SB_OK;
	char *prev = h->list;
	h->list = prev == NULL ? sb_xasprintf("%" PRId64, m->id)
			       : sb_xasprintf("%s,%" PRId64, prev, m->id);
	free(prev);
	h->n++;
	return SB_OK;
}

static int sb_hidden_monitors(sb_req *r, char **out)
{
	*out = NULL;
	if (r->sess.role == SB_ROLE_ADMIN)
		return SB_OK;
	sb_hidden h = {.r = r};
	sb_err err = {0};
	if (sb_servedb_monitors(r->srv->db, sb_hidden_one, &h, &err) != SB_OK || h.failed ||
	    h.n == 256) {
		free(h.list);
		return SB_EIO;
	}
	*out = h.list;
	return SB_OK;
}

void sb_api_report_file(sb_req *r)
{
	sb_srv *s = r->srv;
	const sb_settings *set = s->o->s;
	char name[80];
	snprintf(name, sizeof(name), "%s", r->segs[2]);
	size_t nl = strlen(name);
	if (nl > 5 && strcmp(name + nl - 5, ".xlsx") == 0)
		name[nl - 5] = '\0';
	sb_report_dirs dirs;
	sb_report_dirs_of(set, &dirs);
	char *script = NULL;
	sb_err err = {0};
	int rc = sb_report_find(&dirs, name, &script, &err);
	sb_report_dirs_free(&dirs);
	free(script);
	if (rc != SB_OK) {
		sb_reply_error(r, rc == SB_EINVAL ? 400 : 404, "%s", err.msg);
		return;
	}
	const char *date = sb_req_arg(r, "date"), *from = sb_req_arg(r, "from");
	const char *to = sb_req_arg(r, "to"), *literal = sb_req_arg(r, "literal");
	sb_date d;
	if ((date != NULL && sb_date_parse(date, &d) != SB_OK) ||
	    (from != NULL && sb_date_parse(from, &d) != SB_OK) ||
	    (to != NULL && sb_date_parse(to, &d) != SB_OK)) {
		sb_reply_error(r, 400, "date, from and to are dates YYYY-MM-DD");
		return;
	}
	if ((from == NULL) != (to == NULL) || (from != NULL && date != NULL)) {
		sb_reply_error(r, 400, "give date, or from and to");
		return;
	}
	const char *segunda = sb_req_arg(r, "segunda");
	int lit = 0, second = 0;
	if (literal != NULL && sb_parse_bool(literal, &lit) != SB_OK) {
		sb_reply_error(r, 400, "literal: expected 1 or 0");
		return;
	}
	if (segunda != NULL && sb_parse_bool(segunda, &second) != SB_OK) {
		sb_reply_error(r, 400, "segunda: expected 1 or 0");
		return;
	}
	sb_date f, t, last = sb_date_add(sb_date_today(), -1);
	if (second && (lit || from != NULL ||
		       (sb_period_of(name, last, 0, &f, &t) == SB_OK &&
			sb_period_of(name, last, SB_PERIOD_SECOND, &f, &t) != SB_OK))) {
		sb_reply_error(r, 400,
			       "segunda: the second fortnight is quincenal's, not with literal or "
			       "from and to");
		return;
	}
	char *hidden = NULL;
	if (sb_hidden_monitors(r, &hidden) != SB_OK) {
		sb_reply_error(r, 503, "the monitors this account may see cannot be read");
		return;
	}
	struct sb_reports *rs = s->reports;
	if (atomic_fetch_add(&s->reports_writing, 1) >= SB_REPORTS_AT_ONCE) {
		free(hidden);
		atomic_fetch_sub(&s->reports_writing, 1);
		sb_reply_header(r, "Retry-After", "5");
		sb_reply_error(r, 429,
			       "other reports are being written: try again in a few seconds");
		return;
	}
	sb_rjob *job = sb_xcalloc(1, sizeof(*job));
	job->s = s;
	job->conn = r->conn;
	job->pidfd = -1;
	snprintf(job->name, sizeof(job->name), "%s", name);
	sb_report_period(name, date, from, to,
			 (lit ? SB_PERIOD_LITERAL : 0) | (second ? SB_PERIOD_SECOND : 0),
			 job->period, sizeof(job->period));
	const char *tmpdir = getenv("TMPDIR");
	char *dir_t = sb_xasprintf("%s/sb-report-XXXXXX",
				   tmpdir != NULL && tmpdir[0] == '/' ? tmpdir : "/tmp");
	if (mkdtemp(dir_t) == NULL) {
		sb_log(SB_LOG_ERROR, "serve", "report %s: mkdtemp %s: %s", name, dir_t,
		       strerror(errno));
		sb_reply_error(r, 503, "cannot make a temporary folder for the report");
		free(dir_t);
		free(job);
		free(hidden);
		atomic_fetch_sub(&s->reports_writing, 1);
		return;
	}
	job->dir = dir_t;
	char *argv[24];
	size_t a = 0;
	argv[a++] = (char *)s->o->exe;
	argv[a++] = "--root";
	argv[a++] = set->root;
	if (set->dev)
		argv[a++] = "--dev";
	argv[a++] = "report";
	argv[a++] = name;
	argv[a++] = "--out";
	argv[a++] = job->dir;
	argv[a++] = "--format";
	argv[a++] = "xlsx";
	if (date != NULL) {
		argv[a++] = "--date";
		argv[a++] = (char *)date;
	}
	if (from != NULL) {
		argv[a++] = "--from";
		argv[a++] = (char *)from;
		argv[a++] = "--to";
		argv[a++] = (char *)to;
	}
	if (lit)
		argv[a++] = "--literal";
	if (second)
		argv[a++] = "--segunda";
	if (hidden != NULL) {
		argv[a++] = "--hide-monitors";
		argv[a++] = hidden;
	}
	argv[a] = NULL;
	rc = sb_report_spawn(s, argv, job, &err);
	free(hidden);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "serve", "report %s: %s", name, err.msg);
		sb_reply_error(r, 503, "report %s: %s", name, err.msg);
		sb_rjob_free(job);
		return;
	}
	job->deadline = sb_time_mono() + (double)set->report_timeout + SB_REPORT_KILL_AFTER;
	/* Handed to the thread with mu held: it cannot resume the connection before it is
	 * suspended, nor take a job once it stops. */
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = job};
	pthread_mutex_lock(&rs->mu);
	if (rs->stop || epoll_ctl(rs->epfd, EPOLL_CTL_ADD, job->pidfd, &ev) != 0) {
		int stopping = rs->stop;
		pthread_mutex_unlock(&rs->mu);
		pidfd_send_signal(job->pidfd, SIGKILL, NULL, 0);
		while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(job->pidfd);
		sb_reply_error(r, 503, "report %s: %s", name,
			       stopping ? "the server is stopping" : "cannot wait for the report");
		sb_rjob_free(job);
		return;
	}
	sb_req_suspend(r, sb_report_answer, job, sb_rjob_free);
	job->next = rs->jobs;
	rs->jobs = job;
	pthread_mutex_unlock(&rs->mu);
	uint64_t one = 1;
	if (write(rs->evfd, &one, sizeof(one)) < 0) {
		/* the counter is full only when the thread is far behind: it wakes anyway */
	}
}

/* ---- the reports thread ---- */

/* Reaps a job whose child has exited, takes it off the list and resumes its request. Called with
 * mu held. */
static void sb_reports_reap(struct sb_reports *rs, sb_rjob *job)
{
	while (waitpid(job->pid, &job->status, 0) < 0 && errno == EINTR)
		;
	epoll_ctl(rs->epfd, EPOLL_CTL_DEL, job->pidfd, NULL);
	close(job->pidfd);
	job->pidfd = -1;
	for (sb_rjob **p = &rs->jobs; *p != NULL; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			break;
		}
	}
	MHD_resume_connection(job->conn);
}

static void *sb_reports_main(void *arg)
{
	struct sb_reports *rs = arg;
	pthread_mutex_lock(&rs->mu);
	while (!rs->stop || rs->jobs != NULL) {
		/* deadlines passed (or the server stops): the child is killed, reaped when its
		 * pidfd says it is gone */
		double now = sb_time_mono(), next = -1;
		for (sb_rjob *job = rs->jobs; job != NULL; job = job->next) {
			if (!job->killed && (rs->stop || now >= job->deadline)) {
				pidfd_send_signal(job->pidfd, SIGKILL, NULL, 0);
				job->killed = 1;
				job->timed_out = !rs->stop;
				job->stopped = rs->stop;
			}
			if (!job->killed && (next < 0 || job->deadline < next))
				next = job->deadline;
		}
		int timeout = next < 0 ? -1 : (int)((next - now) * 1000.0) + 1;
		pthread_mutex_unlock(&rs->mu);
		struct epoll_event evs[8];
		int n = epoll_wait(rs->epfd, evs, (int)SB_ARRAY_SIZE(evs), timeout);
		pthread_mutex_lock(&rs->mu);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t count;
				if (read(rs->evfd, &count, sizeof(count)) < 0) {
					/* nothing to read: woken by another event */
				}
				continue;
			}
			sb_reports_reap(rs, evs[i].data.ptr);
		}
	}
	pthread_mutex_unlock(&rs->mu);
	return NULL;
}

int sb_reports_start(sb_srv *s, sb_err *err)
{
	struct sb_reports *rs = sb_xcalloc(1, sizeof(*rs));
	rs->epfd = epoll_create1(EPOLL_CLOEXEC);
	rs->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (rs->epfd < 0 || rs->evfd < 0 ||
	    epoll_ctl(rs->epfd, EPOLL_CTL_ADD, rs->evfd, &ev) != 0) {
		int e = errno;
		if (rs->epfd >= 0)
			close(rs->epfd);
		if (rs->evfd >= 0)
			close(rs->evfd);
		free(rs);
		return sb_err_set(err, SB_EIO, "the reports' event loop: %s", strerror(e));
	}
	pthread_mutex_init(&rs->mu, NULL);
	pthread_cond_init(&rs->done, NULL);
	int e = pthread_create(&rs->thread, NULL, sb_reports_main, rs);
	if (e != 0) {
		close(rs->epfd);
		close(rs->evfd);
		pthread_mutex_destroy(&rs->mu);
		pthread_cond_destroy(&rs->done);
		free(rs);
		return sb_err_set(err, SB_EIO, "cannot start the reports' thread: %s", strerror(e));
	}
	s->reports = rs;
	return SB_OK;
}

void sb_reports_stop(sb_srv *s)
{
	struct sb_reports *rs = s->reports;
	if (rs == NULL || rs->joined)
		return;
	pthread_mutex_lock(&rs->mu);
	rs->stop = 1;
	pthread_mutex_unlock(&rs->mu);
	uint64_t one = 1;
	if (write(rs->evfd, &one, sizeof(one)) < 0) {
		/* full counter: the thread is awake anyway */
	}
	pthread_join(rs->thread, NULL);
	rs->joined = 1;
	/* The requests of the reports just killed are answered on the pool threads: wait (a little)
	 * until they are, so that the clients get the 503 before the server goes. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&rs->mu);
	while (atomic_load(&s->reports_writing) > 0 &&
	       pthread_cond_timedwait(&rs->done, &rs->mu, &until) == 0)
		;
	pthread_mutex_unlock(&rs->mu);
}

void sb_reports_free(sb_srv *s)
{
	struct sb_reports *rs = s->reports;
	if (rs == NULL)
		return;
	sb_reports_stop(s);
	close(rs->epfd);
	close(rs->evfd);
	pthread_mutex_destroy(&rs->mu);
	pthread_cond_destroy(&rs->done);
	free(rs);
	s->reports = NULL;
}
