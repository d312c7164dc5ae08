/* monitor.c - the probe monitor: a grid scheduler on one event loop, hot reload, pid file, status. */
#include "config.h"

#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/timeutil.h"
#include "monitor/monitor_impl.h"
#include "monitor/monitor_remote.h"
#include "monitor/trace.h"

#define SB_MON_MAX_CONFIG ((size_t)16 << 20)

/* A run's probes are made this long before its grid time, so that at the grid time the loop only
 * has to start them (a thousand allocations would otherwise delay every start). */
#define SB_MON_PREPARE 0.025

/* The daemon: the probe machinery (sb_mon) plus config, files and life cycle. */
typedef struct sb_daemon {
	sb_mon m;
	const sb_monitor_opts *o;
	sb_mon_config cfg;
	int have_cfg;
	char *cfg_text;     /* the text applied */
	char *refused_text; /* the last text refused (not reported again) */
	struct stat cfg_st; /* of the file when last read */
	char **skipped;     /* tests whose module could not be loaded */
	size_t nskipped;
	char last_refusal[512];
	time_t loaded_at, started_at;
	double started_mono;
	sb_timer *check_timer, *hour_timer, *grace_timer;
	int stop_now;
	int pid_fd;
	sb_rec_set *decls; /* the record of every test seen, for the trace loader of the sync */
} sb_daemon;

static double sb_real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- per-link state ---- */

static sb_mlink *sb_mtest_link(sb_mtest *t, int64_t id)
{
	size_t lo = 0, hi = t->nlinks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->links[mid].link == id)
			return &t->links[mid];
		if (t->links[mid].link < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Rebuilds t's link states for the links of cfg (sorted by id), keeping those that stay. */
static void sb_mtest_relink(sb_mtest *t, const sb_mon_config *cfg)
{
	sb_mlink *v = sb_xcalloc(cfg->nlinks ? cfg->nlinks : 1, sizeof(*v));
	for (size_t i = 0; i < cfg->nlinks; i++) {
		sb_mlink *old = sb_mtest_link(t, cfg->links[i].id);
		if (old != NULL) {
			v[i] = *old;
			old->running = NULL;
		} else {
			v[i].link = cfg->links[i].id;
		}
	}
	/* probes of removed links keep running; they no longer have a state to report to */
	free(t->links);
	t->links = v;
	t->nlinks = cfg->nlinks;
}

/* ---- start-time errors ---- */

static void sb_mon_record_error(sb_mon *m, double ms)
{
	m->errs[m->errpos] = ms;
	m->errpos = (m->errpos + 1) % SB_MON_ERRS;
	if (m->nerrs < SB_MON_ERRS)
		m->nerrs++;
}

/* p50, p99 and max (the 100th percentile) of the recorded start errors, by the percentile rule of
 * base/stats.h; returns how many there were. */
static size_t sb_mon_percentiles(const sb_mon *m, double *p50, double *p99, double *max)
{
	*p50 = *p99 = *max = 0;
	if (m->nerrs == 0)
		return 0;
	double *v = sb_xmalloc(m->nerrs * sizeof(*v));
	memcpy(v, m->errs, m->nerrs * sizeof(*v));
	*p50 = sb_stats_percentile_dbl(v, m->nerrs, 50);
	*p99 = sb_stats_percentile_dbl(v, m->nerrs, 99);
	*max = sb_stats_percentile_dbl(v, m->nerrs, 100);
	free(v);
	return m->nerrs;
}

/* ---- the run queue ---- */

static void sb_mon_enqueue(sb_mon *m, sb_probe *p)
{
	p->next = NULL;
	if (m->queue_tail != NULL)
		m->queue_tail->next = p;
	else
		m->queue_head = p;
	m->queue_tail = p;
	m->queued++;
}

/* A queued probe that will never start (its test was removed, or we stop). */
static void sb_mon_drop(sb_mon *m, sb_probe *p)
{
	sb_mtest *t = p->test;
	sb_mlink *s = sb_mtest_link(t, p->link_id);
	if (s != NULL && s->running == p)
		s->running = NULL;
	t->inflight--;
	p->ended = 1;
	p->next = m->graveyard;
	m->graveyard = p;
}

/* Starts queued probes while fewer than parallel hold resources of their own. Each start adds at
 * most one such probe, so there are never more; probes on their test's shared sockets (ping) do
 * not count, so a run of those starts whole at its grid time. */
static void sb_mon_dispatch(sb_mon *m)
{
	while (m->queue_head != NULL && (m->stopping || (long)m->owning < m->parallel)) {
		sb_probe *p = m->queue_head;
		m->queue_head = p->next;
		if (m->queue_head == NULL)
			m->queue_tail = NULL;
		m->queued--;
		if (m->stopping || p->test->retired) {
			sb_mon_drop(m, p);
			continue;
		}
		m->running++;
		m->started++;
		sb_mon_record_error(m, (sb_real_now() - (double)p->ts) * 1000.0);
		sb_probe_start(p);
	}
}

void sb_mon_probe_ended(sb_mon *m, sb_probe *p)
{
	sb_mtest *t = p->test;
	if (p->started)
		m->running--;
	m->ended++;
	t->inflight--;
	sb_mlink *s = sb_mtest_link(t, p->link_id);
	if (s != NULL && s->running == p) {
		s->running = NULL;
		s->last_ts = p->ts;
		s->runs++;
		_Static_assert(sizeof(s->last.text) == sizeof(p->summary),
			       "a summary fits the status");
		/* a record written and no word since: its numbers, summed up when asked for */
		int rec = p->summary[0] == '\0' && p->wrote;
		s->last_brief =
			rec && sb_rec_brief_keep(t->mod.rec, p->vals, &s->last.brief) == SB_OK;
		if (!s->last_brief) {
			if (rec)
				sb_rec_summary(t->mod.rec, p->vals, p->summary, sizeof(p->summary));
			memcpy(s->last.text, p->summary, sizeof(s->last.text));
		}
	}
}

/* ---- the schedule ---- */

static void sb_mtest_tick(void *arg);
static void sb_mtest_go(void *arg);
static void sb_fmt_local(time_t t, char *buf);

/* Arms t's timer for grid time ts (unix seconds). */
static void sb_mtest_arm(sb_daemon *d, sb_mtest *t, int64_t ts)
{
	t->next_ts = ts;
	double due = sb_time_mono() + ((double)ts - SB_MON_PREPARE - sb_real_now());
	t->tick = sb_loop_timer(d->m.loop, due, sb_mtest_tick, t);
}

/* The next grid time strictly after now. */
static int64_t sb_mtest_next(long interval, double now)
{
	int64_t n = (int64_t)floor(now / (double)interval) + 1;
	return n * (int64_t)interval;
}

static void sb_mtest_schedule(sb_daemon *d, sb_mtest *t)
{
	sb_loop_timer_cancel(d->m.loop, t->tick);
	t->tick = NULL;
	sb_mtest_arm(d, t, sb_mtest_next(t->interval, sb_real_now()));
}

static sb_daemon *sb_tick_daemon; /* the one daemon of the process, for the timer callbacks */

static void sb_mtest_tick(void *arg)
{
	sb_mtest *t = arg;
	sb_daemon *d = sb_tick_daemon;
	sb_mon *m = &d->m;
	t->tick = NULL;
	double now = sb_real_now();
	if (now <
	    (double)t->next_ts - SB_MON_PREPARE - 0.0005) { /* the clock was slewed: wait on */
		sb_mtest_arm(d, t, t->next_ts);
		return;
	}
	int64_t ts = t->next_ts;
	char when[24];
	sb_fmt_local((time_t)ts, when);
	size_t queued = 0, overran = 0;
	for (size_t i = 0; i < d->cfg.nlinks; i++) {
		const sb_mon_link *l = &d->cfg.links[i];
		if (!l->status)
			continue;
		sb_mlink *s = sb_mtest_link(t, l->id);
		if (s == NULL)
			continue;
		if (s->running != NULL) {
			s->overruns++;
			m->overruns++;
			overran++;
			sb_log(SB_LOG_WARNING, t->name,
			       "link %lld (%s) %s: the run of %lld is still going at %s: this run "
			       "skipped",
			       (long long)l->id, l->name, l->ip, (long long)s->running->ts, when);
			continue;
		}
		sb_probe *p = sb_probe_new(m, t, l, ts);
		s->running = p;
		t->inflight++;
		p->next = t->pending;
		t->pending = p;
		queued++;
	}
	sb_log(SB_LOG_DEBUG, t->name, "run of %s: %zu links queued, %zu still running from before",
	       when, queued, overran);
	int64_t next = ts + t->interval;
	if ((double)next <= now) {
		int64_t skip = sb_mtest_next(t->interval, now);
		sb_log(SB_LOG_WARNING, t->name,
		       "%lld runs missed (the clock jumped or the loop stalled)",
		       (long long)((skip - next) / t->interval));
		next = skip;
	}
	sb_mtest_arm(d, t, next);
	sb_loop_timer_cancel(m->loop, t->go);
	t->go = sb_loop_timer(m->loop, sb_time_mono() + ((double)ts - sb_real_now()), sb_mtest_go,
			      t);
}

/* The prepared run's grid time: its probes join the queue, in link order, and start. */
static void sb_mtest_go(void *arg)
{
	sb_mtest *t = arg;
	sb_mon *m = &sb_tick_daemon->m;
	t->go = NULL;
	sb_probe *rev = NULL;
	while (t->pending != NULL) {
		sb_probe *p = t->pending;
		t->pending = p->next;
		p->next = rev;
		rev = p;
	}
	while (rev != NULL) {
		sb_probe *p = rev;
		rev = p->next;
		sb_mon_enqueue(m, p);
	}
	sb_mon_dispatch(m);
}

/* Drops a prepared run that will not start (its test removed, or the monitor stopping). */
static void sb_mtest_unprepare(sb_mon *m, sb_mtest *t)
{
	sb_loop_timer_cancel(m->loop, t->go);
	t->go = NULL;
	while (t->pending != NULL) {
		sb_probe *p = t->pending;
		t->pending = p->next;
		sb_mon_drop(m, p);
	}
}

/* ---- tests: load, retire, free ---- */

static sb_mtest *sb_mon_find_test(sb_mon *m, const char *name)
{
	for (sb_mtest *t = m->tests; t != NULL; t = t->next)
		if (!t->retired && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void sb_mtest_free(sb_mon *m, sb_mtest *t)
{
	sb_probe_shared_close(m, t);
	sb_module_unload(&t->mod);
	sb_paramset_unref(t->params);
	free(t->links);
	free(t->name);
	free(t);
}

static void sb_mon_retire(sb_daemon *d, sb_mtest *t, const char *why)
{
	sb_loop_timer_cancel(d->m.loop, t->tick);
	t->tick = NULL;
	sb_mtest_unprepare(&d->m, t);
	t->retired = 1;
	sb_log(SB_LOG_INFO, t->name, "test %s: unscheduled%s%s", why,
	       t->inflight ? "; unloaded when its " : "", t->inflight ? "running probes end" : "");
}

/* Unloads the retired tests whose probes all ended (never from inside a probe callback). */
static void sb_mon_collect(sb_daemon *d)
{
	for (sb_mtest **pt = &d->m.tests; *pt != NULL;) {
		sb_mtest *t = *pt;
		if (t->retired && t->inflight == 0) {
			*pt = t->next;
			sb_log(SB_LOG_INFO, t->name, "module %s unloaded", t->mod.path);
			sb_mtest_free(&d->m, t);
		} else {
			pt = &t->next;
		}
	}
}

/* Loads a test's probe module. Returns SB_OK, or an error with err filled (not found, refused,
 * not a probe). */
static int sb_mon_load_module(const char *dir, const char *name, sb_loaded_module *out, sb_err *err)
{
	int rc = sb_module_load_one(dir, name, out, err);
	if (rc != SB_OK)
		return rc;
	if (out->def->kind != SB_KIND_PROBE || strcmp(out->def->name, name) != 0) {
		rc = sb_err_set(err, SB_EMODULE,
				"%s: module '%s' is a %s module, not the probe '%s'", out->path,
				out->def->name, sb_module_kind_name(out->def->kind), name);
		sb_module_unload(out);
		return rc;
	}
	return SB_OK;
}

/* ---- the config ---- */

typedef struct sb_prepared {
	sb_mtest *existing;   /* the running test it updates, or NULL */
	sb_loaded_module mod; /* a newly loaded module */
	int loaded;
	int skip;
	sb_paramset *params;
} sb_prepared;

static void sb_daemon_set_skipped(sb_daemon *d, char **names, size_t n)
{
	for (size_t i = 0; i < d->nskipped; i++)
		free(d->skipped[i]);
	free(d->skipped);
	d->skipped = names;
	d->nskipped = n;
}

/* Applies a parsed config all or nothing: on error nothing changed and cfg is freed. */
static int sb_same_text(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The names of the links into the spool (format/record.h, SB_REC_NAMES): every link at start,
 * then those added, renamed or readdressed, all of them when the monitor's id or name changed. */
static void sb_daemon_write_names(sb_daemon *d, const sb_mon_config *cfg, int first)
{
	sb_rec_decl *nd = sb_rec_names_decl();
	int64_t now = (int64_t)time(NULL);
	int all = first || d->cfg.id != cfg->id || !sb_same_text(d->cfg.name, cfg->name);
	for (size_t i = 0; i < cfg->nlinks; i++) {
		const sb_mon_link *l = &cfg->links[i];
		const sb_mon_link *o = all ? NULL : sb_mon_config_link(&d->cfg, l->id);
		if (o != NULL && strcmp(o->name, l->name) == 0 && strcmp(o->ip, l->ip) == 0)
			continue;
		sb_rec_val v[3] = {{.has = 1, .s = l->name},
				   {.has = 1, .s = l->ip},
				   {.has = cfg->name != NULL, .s = cfg->name}};
		char why[256];
		if (sb_rec_check(nd, v, why, sizeof(why)) != SB_OK) {
			sb_log(SB_LOG_ERROR, "monitor", "name of link %lld not kept: %s",
			       (long long)l->id, why);
			continue;
		}
		char *line = sb_rec_line(nd, now, v);
		char *path = sb_trace_path(d->m.data_dir, SB_REC_NAMES, cfg->id, l->id, now);
		sb_err e = {0};
		if (sb_trace_append_once(path, line, strlen(line), &e) != SB_OK)
			sb_log(SB_LOG_ERROR, "monitor", "%s", e.msg);
		free(path);
		free(line);
	}
	sb_rec_decl_unref(nd);
}

static int sb_daemon_apply(sb_daemon *d, sb_mon_config *cfg, const char *text, sb_err *err)
{
	sb_mon *m = &d->m;
	const char *path = d->o->config_path;
	sb_prepared *pr = sb_xcalloc(cfg->ntests ? cfg->ntests : 1, sizeof(*pr));
	char **skipped = sb_xcalloc(cfg->ntests ? cfg->ntests : 1, sizeof(*skipped));
	size_t nskipped = 0;
	int rc = SB_OK;
	for (size_t i = 0; i < cfg->ntests && rc == SB_OK; i++) {
		const sb_mon_test *t = &cfg->tests[i];
		pr[i].existing = sb_mon_find_test(m, t->name);
		const sb_module_def *def = NULL;
		if (pr[i].existing != NULL) {
			def = pr[i].existing->mod.def;
		} else {
			sb_err e = {0};
			if (sb_mon_load_module(d->o->modules_dir, t->name, &pr[i].mod, &e) !=
			    SB_OK) {
				int again = 0;
				for (size_t k = 0; k < d->nskipped; k++)
					again |= strcmp(d->skipped[k], t->name) == 0;
				sb_log(again ? SB_LOG_DEBUG : SB_LOG_ERROR, t->name,
				       "test %s skipped: %s", t->name, e.msg);
				pr[i].skip = 1;
				skipped[nskipped++] = sb_xstrdup(t->name);
				continue;
			}
			pr[i].loaded = 1;
			def = pr[i].mod.def;
		}
		rc = sb_mon_params_build(path, t, def->params, &pr[i].params, err);
	}
	if (rc != SB_OK) {
		for (size_t i = 0; i < cfg->ntests; i++) {
			if (pr[i].loaded)
				sb_module_unload(&pr[i].mod);
			sb_paramset_unref(pr[i].params);
		}
		for (size_t i = 0; i < nskipped; i++)
			free(skipped[i]);
		free(skipped);
		free(pr);
		sb_mon_config_free(cfg);
		return rc;
	}
	/* commit */
	int first = !d->have_cfg;
	for (sb_mtest *t = m->tests; t != NULL; t = t->next) {
		if (t->retired)
			continue;
		int kept = 0;
		for (size_t i = 0; i < cfg->ntests && !kept; i++)
			kept = !pr[i].skip && strcmp(cfg->tests[i].name, t->name) == 0;
		if (!kept)
			sb_mon_retire(d, t, "removed from the config");
	}
	for (size_t i = 0; i < cfg->ntests; i++) {
		if (pr[i].skip)
			continue;
		const sb_mon_test *ct = &cfg->tests[i];
		sb_mtest *t = pr[i].existing;
		if (t != NULL) {
			sb_paramset_unref(t->params);
			t->params = pr[i].params;
			sb_mtest_relink(t, cfg);
			if (t->interval != ct->interval) {
				sb_log(SB_LOG_INFO, t->name,
				       "test rescheduled: every %ld s (was %ld s)", ct->interval,
				       t->interval);
				t->interval = ct->interval;
				sb_mtest_schedule(d, t);
			}
			continue;
		}
		t = sb_xcalloc(1, sizeof(*t));
		t->name = sb_xstrdup(ct->name);
		t->mod = pr[i].mod;
		t->interval = ct->interval;
		t->params = pr[i].params;
		sb_mtest_relink(t, cfg);
		t->next = m->tests;
		m->tests = t;
		if (t->mod.rec != NULL)
			sb_rec_set_add(d->decls, t->mod.rec);
		sb_mtest_schedule(d, t);
		sb_log(SB_LOG_INFO, t->name, "test %s: module %s loaded, every %ld s",
		       first ? "scheduled" : "added", t->mod.path, t->interval);
	}
	size_t enabled = 0;
	for (size_t i = 0; i < cfg->nlinks; i++)
		enabled += cfg->links[i].status != 0;
	if (!first) {
		/* links added, removed, enabled or disabled: said once, by count */
		size_t added = 0, removed = 0, toggled = 0;
		for (size_t i = 0; i < cfg->nlinks; i++) {
			const sb_mon_link *o = sb_mon_config_link(&d->cfg, cfg->links[i].id);
			if (o == NULL)
				added++;
			else if (o->status != cfg->links[i].status ||
				 strcmp(o->ip, cfg->links[i].ip) != 0)
				toggled++;
		}
		for (size_t i = 0; i < d->cfg.nlinks; i++)
			removed += sb_mon_config_link(cfg, d->cfg.links[i].id) == NULL;
		if (added || removed || toggled)
			sb_log(SB_LOG_INFO, "monitor", "links: %zu added, %zu removed, %zu changed",
			       added, removed, toggled);
	}
	sb_daemon_write_names(d, cfg, first);
	if (d->have_cfg)
		sb_mon_config_free(&d->cfg);
	d->cfg = *cfg;
	d->have_cfg = 1;
	m->monitor_id = cfg->id;
	free(d->cfg_text);
	d->cfg_text = sb_xstrdup(text);
	sb_free(d->refused_text);
	d->last_refusal[0] = '\0';
	d->loaded_at = time(NULL);
	sb_daemon_set_skipped(d, skipped, nskipped);
	free(pr);
	size_t ntests = 0;
	for (sb_mtest *t = m->tests; t != NULL; t = t->next)
		ntests += !t->retired;
	sb_log(SB_LOG_INFO, "monitor",
	       "config %s %s: monitor %lld, %zu tests, %zu links (%zu enabled), checked every %g s",
	       path, first ? "loaded" : "reloaded", (long long)cfg->id, ntests, cfg->nlinks,
	       enabled, cfg->sleep_time);
	return SB_OK;
}

/* Reads the file; applies it when it changed (or always, with force). Returns SB_OK when
 * nothing had to change or the new config runs. */
static int sb_daemon_reload(sb_daemon *d, int force, sb_err *err)
{
	const char *path = d->o->config_path;
	struct stat st;
	if (stat(path, &st) != 0)
		return sb_err_set(err, SB_ENOTFOUND, "%s: %s", path, strerror(errno));
	int same_stat = d->have_cfg && st.st_ino == d->cfg_st.st_ino &&
			st.st_size == d->cfg_st.st_size &&
			st.st_mtim.tv_sec == d->cfg_st.st_mtim.tv_sec &&
			st.st_mtim.tv_nsec == d->cfg_st.st_mtim.tv_nsec;
	int retry = 0;
	for (size_t i = 0; i < d->nskipped && !retry; i++) {
		char *la = sb_xasprintf("%s/%s.la", d->o->modules_dir, d->skipped[i]);
		char *so = sb_xasprintf("%s/%s.so", d->o->modules_dir, d->skipped[i]);
		retry = sb_fs_is_file(la) || sb_fs_is_file(so);
		free(la);
		free(so);
	}
	if (same_stat && !force && !retry)
		return SB_OK;
	char *text = NULL;
	size_t len = 0;
	int rc = sb_fs_read(path, SB_MON_MAX_CONFIG, &text, &len, err);
	if (rc != SB_OK)
		return rc;
	d->cfg_st = st;
	if (!force && !retry && d->cfg_text != NULL && strcmp(text, d->cfg_text) == 0) {
		free(text); /* touched, or put back as it was after a refused edit */
		sb_free(d->refused_text);
		d->last_refusal[0] = '\0';
		return SB_OK;
	}
	if (!force && d->refused_text != NULL && strcmp(text, d->refused_text) == 0) {
		free(text);
		return SB_OK; /* refused before and reported then */
	}
	sb_mon_config cfg;
	rc = sb_mon_config_parse(path, text, len, &cfg, err);
	if (rc == SB_OK)
		rc = sb_daemon_apply(d, &cfg, text, err);
	if (rc != SB_OK) {
		free(d->refused_text);
		d->refused_text = text;
		snprintf(d->last_refusal, sizeof(d->last_refusal), "%s", err->msg);
		return rc;
	}
	free(text);
	return SB_OK;
}

/* ---- periodic work ---- */

static double sb_daemon_sleep_time(const sb_daemon *d)
{
	return d->have_cfg ? d->cfg.sleep_time : 10.0;
}

static void sb_daemon_check(void *arg)
{
	sb_daemon *d = arg;
	d->check_timer = NULL;
	sb_err err = {0};
	if (sb_daemon_reload(d, 0, &err) != SB_OK)
		sb_log(SB_LOG_ERROR, "monitor", "%s; the previous config keeps running", err.msg);
	if (!d->m.stopping)
		d->check_timer = sb_loop_timer(d->m.loop, sb_time_mono() + sb_daemon_sleep_time(d),
					       sb_daemon_check, d);
}

static void sb_daemon_hourly(void *arg)
{
	sb_daemon *d = arg;
	sb_mon *m = &d->m;
	double p50, p99, max;
	size_t n = sb_mon_percentiles(m, &p50, &p99, &max);
	sb_log(SB_LOG_INFO, "monitor",
	       "so far: %lu probes started, %lu records written, %lu overruns, %lu failed, %lu "
	       "cancelled; start error over the last %zu: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
	       m->started, m->written, m->overruns, m->failed, m->cancelled, n, p50, p99, max);
	/* reopening resets the log's per-message burst counters, so a daemon is never silenced */
	sb_log_reopen();
	double now = sb_real_now();
	double next = (floor(now / 3600.0) + 1) * 3600.0;
	d->hour_timer = sb_loop_timer(m->loop, sb_time_mono() + (next - now), sb_daemon_hourly, d);
}

/* ---- status ---- */

static void sb_fmt_duration(double s, char *buf, size_t size)
{
	long t = (long)s;
	if (t >= 86400)
		snprintf(buf, size, "%ldd %02ldh %02ldm %02lds", t / 86400, t / 3600 % 24,
			 t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%02ldh %02ldm %02lds", t / 3600, t / 60 % 60, t % 60);
}

static void sb_fmt_local(time_t t, char *buf)
{
	char date[11], hms[9];
	sb_time_local((int64_t)t, date, hms);
	snprintf(buf, 24, "%s %s", date, hms);
}

static void sb_daemon_status(sb_daemon *d, int nonce)
{
	sb_mon *m = &d->m;
	sb_fs_atomic a;
	sb_err err = {0};
	if (sb_fs_atomic_open(&a, d->o->status_path, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "monitor", "%s", err.msg);
		return;
	}
	FILE *f = a.f;
	char up[48], since[24], loaded[24];
	sb_fmt_duration(sb_time_mono() - d->started_mono, up, sizeof(up));
	sb_fmt_local(d->started_at, since);
	sb_fmt_local(d->loaded_at, loaded);
	fprintf(f, "monitor %lld: running, pid %ld, up %s (since %s)\n", (long long)m->monitor_id,
		(long)getpid(), up, since);
	fprintf(f, "config: %s, loaded %s, checked every %g s\n", d->o->config_path, loaded,
		sb_daemon_sleep_time(d));
	if (d->last_refusal[0] != '\0')
		fprintf(f, "config refused (the one above keeps running): %s\n", d->last_refusal);
	size_t ntests = 0;
	for (sb_mtest *t = m->tests; t != NULL; t = t->next)
		ntests += !t->retired;
	size_t enabled = 0;
	for (size_t i = 0; i < d->cfg.nlinks; i++)
		enabled += d->cfg.links[i].status != 0;
	fprintf(f, "tests: %zu; links: %zu (%zu enabled)\n", ntests, d->cfg.nlinks, enabled);
	for (sb_mtest *t = m->tests; t != NULL; t = t->next) {
		if (t->retired)
			continue;
		char next[24];
		sb_fmt_local((time_t)t->next_ts, next);
		fprintf(f, "  %-12s every %ld s, next run %s, %zu running, module %s\n", t->name,
			t->interval, next, t->inflight, t->mod.path);
	}
	for (size_t i = 0; i < d->nskipped; i++)
		fprintf(f, "  %-12s skipped: no such probe module in %s\n", d->skipped[i],
			d->o->modules_dir);
	double p50, p99, max;
	size_t n = sb_mon_percentiles(m, &p50, &p99, &max);
	fprintf(f,
		"probes: %zu running, %zu queued; %lu started, %lu records written, %lu overruns, "
		"%lu failed, %lu cancelled\n",
		m->running, m->queued, m->started, m->written, m->overruns, m->failed,
		m->cancelled);
	fprintf(f, "start error (last %zu probes): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", n, p50,
		p99, max);
	fprintf(f, "\n%-12s %8s  %-20s %-8s %-19s  %s\n", "TEST", "LINK", "NAME", "STATE",
		"LAST RUN", "RESULT");
	for (sb_mtest *t = m->tests; t != NULL; t = t->next) {
		if (t->retired)
			continue;
		for (size_t i = 0; i < t->nlinks; i++) {
			const sb_mlink *s = &t->links[i];
			const sb_mon_link *l = sb_mon_config_link(&d->cfg, s->link);
			char last[24] = "-", result[sizeof(s->last.text)];
			if (s->last_ts > 0)
				sb_fmt_local((time_t)s->last_ts, last);
			if (s->last_brief)
				sb_rec_brief_summary(t->mod.rec, &s->last.brief, result,
						     sizeof(result));
			else
				memcpy(result, s->last.text, sizeof(result));
			fprintf(f, "%-12s %8lld  %-20.20s %-8s %-19s  %s\n", t->name,
				(long long)s->link, l != NULL ? l->name : "?",
				s->running != NULL          ? "running"
				: (l != NULL && !l->status) ? "disabled"
							    : "idle",
				last, s->last_ts > 0 ? result : "-");
		}
	}
	fprintf(f, "# request %d\n", nonce);
	if (sb_fs_atomic_commit(&a, &err) != SB_OK)
		sb_log(SB_LOG_ERROR, "monitor", "%s", err.msg);
}

/* ---- signals and shutdown ---- */

static void sb_daemon_cancel_all(sb_daemon *d, const char *why)
{
	sb_mon *m = &d->m;
	for (sb_mtest *t = m->tests; t != NULL; t = t->next)
		for (size_t i = 0; i < t->nlinks; i++)
			if (t->links[i].running != NULL && t->links[i].running->started)
				sb_probe_cancel(t->links[i].running, why);
}

static void sb_daemon_grace_over(void *arg)
{
	sb_daemon *d = arg;
	d->grace_timer = NULL;
	sb_log(SB_LOG_WARNING, "monitor", "%zu probes still running after %g s: cancelled",
	       d->m.running, d->o->stop_grace);
	sb_daemon_cancel_all(d, "cancelled at shutdown");
	d->stop_now = 1;
}

static void sb_daemon_stop(sb_daemon *d, int signo)
{
	sb_mon *m = &d->m;
	if (m->stopping) {
		sb_log(SB_LOG_WARNING, "monitor", "%s again: cancelling the running probes",
		       strsignal(signo));
		sb_daemon_cancel_all(d, "cancelled at shutdown");
		d->stop_now = 1;
		return;
	}
	m->stopping = 1;
	sb_log(SB_LOG_INFO, "monitor", "%s: stopping; %zu probes running may finish (at most %g s)",
	       strsignal(signo), m->running, d->o->stop_grace);
	for (sb_mtest *t = m->tests; t != NULL; t = t->next) {
		sb_loop_timer_cancel(m->loop, t->tick);
		t->tick = NULL;
		sb_mtest_unprepare(m, t);
	}
	sb_loop_timer_cancel(m->loop, d->check_timer);
	d->check_timer = NULL;
	sb_mon_dispatch(m); /* drops the queue */
	d->grace_timer =
		sb_loop_timer(m->loop, sb_time_mono() + d->o->stop_grace, sb_daemon_grace_over, d);
}

static void sb_daemon_signal(const struct signalfd_siginfo *si, void *arg)
{
	sb_daemon *d = arg;
	switch (si->ssi_signo) {
	case SIGTERM:
	case SIGINT:
		sb_daemon_stop(d, (int)si->ssi_signo);
		break;
	case SIGHUP: {
		sb_log(SB_LOG_INFO, "monitor", "SIGHUP: reloading %s", d->o->config_path);
		/* the same file, echo and level as the command opened it with (logrotate) */
		if (sb_log_reopen() != SB_OK)
			sb_log(SB_LOG_ERROR, "monitor", "cannot reopen the log: %s",
			       strerror(errno));
		sb_err err = {0};
		if (!d->m.stopping && sb_daemon_reload(d, 1, &err) != SB_OK)
			sb_log(SB_LOG_ERROR, "monitor", "%s; the previous config keeps running",
			       err.msg);
		if (d->o->on_hup != NULL)
			d->o->on_hup(d->o->hup_arg);
		break;
	}
	case SIGUSR1:
		sb_daemon_status(d, si->ssi_int);
		break;
	default:
		break;
	}
}

/* ---- the pid file ---- */

int sb_monitor_pid(const char *pid_path, long *pid, int *running)
{
	*pid = 0;
	*running = 0;
	int fd = open(pid_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SB_OK : SB_EIO;
	char buf[32] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (sb_parse_long(buf, pid) != SB_OK)
		*pid = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
		*running = 1;
	close(fd);
	return SB_OK;
}

/* Takes the pid file: its lock is the monitor's life. */
static int sb_daemon_take_pid(sb_daemon *d, sb_err *err)
{
	const char *path = d->o->pid_path;
	if (sb_fs_mkdirs_for(path) != SB_OK)
		return sb_err_set(err, SB_EIO, "%s: cannot create its folder: %s", path,
				  strerror(errno));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return sb_err_set(err, SB_ELOCKED, "the monitor already runs (pid %s, pid file %s)",
				  *buf != '\0' ? buf : "unknown", path);
	}
	if (*buf != '\0')
		sb_log(SB_LOG_WARNING, "monitor",
		       "%s named pid %s but nobody held it (a crash?): replaced", path, buf);
	char line[32];
	int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		close(fd);
		return sb_err_set(err, SB_EIO, "%s: cannot write: %s", path, strerror(errno));
	}
	d->pid_fd = fd;
	return SB_OK;
}

static void sb_daemon_release_pid(sb_daemon *d)
{
	if (d->pid_fd < 0)
		return;
	unlink(d->o->pid_path); /* while still holding the lock */
	close(d->pid_fd);
	d->pid_fd = -1;
}

static void sb_ready(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_ready(int fd, const char *fmt, ...)
{
	if (fd < 0)
		return;
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 &&
	    write(fd, buf, (size_t)n > sizeof(buf) - 1 ? sizeof(buf) - 1 : (size_t)n) < 0) {
		/* the client went away: nobody to tell */
	}
	close(fd);
}

/* ---- the run ---- */

static void sb_daemon_free(sb_daemon *d)
{
	sb_mon *m = &d->m;
	sb_probe_reap(m);
	while (m->tests != NULL) {
		sb_mtest *t = m->tests;
		m->tests = t->next;
		sb_loop_timer_cancel(m->loop, t->tick);
		sb_mtest_unprepare(m, t);
		sb_mtest_free(m, t);
	}
	sb_probe_reap(m); /* the prepared runs dropped above */
	sb_probe_http_shutdown(m);
	sb_loop_timer_cancel(m->loop, d->check_timer);
	sb_loop_timer_cancel(m->loop, d->hour_timer);
	sb_loop_timer_cancel(m->loop, d->grace_timer);
	sb_loop_free(&m->loop);
	if (d->have_cfg)
		sb_mon_config_free(&d->cfg);
	sb_daemon_set_skipped(d, NULL, 0);
	free(d->cfg_text);
	free(d->refused_text);
	sb_daemon_release_pid(d);
	sb_rec_set_free(&d->decls);
	sb_trace_keep_open(NULL, 0);
}

static void sb_daemon_module_warn(void *ctx, const char *path, int code, const char *msg)
{
	(void)ctx, (void)path, (void)code;
	sb_log(SB_LOG_DEBUG, "monitor", "%s", msg);
}

int sb_monitor_run(const sb_monitor_opts *o, sb_err *err)
{
	sb_daemon *d = sb_xcalloc(1, sizeof(*d));
	d->o = o;
	d->pid_fd = -1;
	sb_mon *m = &d->m;
	m->data_dir = o->s->data_dir;
	m->tls_verify = o->s->tls_verify;
	m->ca_bundle = o->s->ca_bundle;
	m->parallel = o->parallel > 0 ? o->parallel : 1024;
	sb_tick_daemon = d;
	d->decls = sb_rec_set_new();
	setenv("LC_ALL", "C", 1); /* parseable output of ping and traceroute */
	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl); /* one socket per probe in flight */
	}
	/* the links' trace files of the hour kept open between runs, in what the descriptors
	 * leave beside the probes in flight and 1,024 more (the loop, the store, the logs) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t need = (rlim_t)m->parallel + 1024;
		rlim_t room = rl.rlim_cur == RLIM_INFINITY ? 65536
			      : rl.rlim_cur > need         ? rl.rlim_cur - need
							   : 0;
		sb_trace_keep_open(m->data_dir, room > 65536 ? 65536 : (size_t)room);
	}
	int rc = sb_daemon_take_pid(d, err);
	if (rc == SB_OK)
		rc = sb_loop_new(&m->loop, err);
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
	if (rc == SB_OK)
		rc = sb_loop_signals(m->loop, sigs, SB_ARRAY_SIZE(sigs), sb_daemon_signal, d, err);
	if (rc == SB_OK)
		rc = sb_daemon_reload(d, 1, err);
	if (rc != SB_OK) {
		sb_ready(o->ready_fd, "ERR %s\n", err->msg);
		sb_daemon_free(d);
		free(d);
		return rc;
	}
	d->started_at = time(NULL);
	d->started_mono = sb_time_mono();
	sb_log(SB_LOG_INFO, "monitor", "started, pid %ld, %ld probes in flight at most",
	       (long)getpid(), m->parallel);
	sb_ready(o->ready_fd, "OK %ld\n", (long)getpid());
	if (o->on_ready != NULL)
		o->on_ready(o->hup_arg);
	sb_remote *remote = NULL; /* the dashboard's sync thread, when MONITOR_CENTRAL_URL is set */
	sb_err scan = {0};        /* the records of the modules here, for a spool of older tests */
	if (sb_modules_scan_records(o->modules_dir, d->decls, sb_daemon_module_warn, NULL, &scan) !=
	    SB_OK)
		sb_log(SB_LOG_WARNING, "monitor", "%s", scan.msg);
	if (sb_remote_start(o->s, o->config_path, d->decls, &remote, err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "monitor", "%s: results stay in data/PROBES/", err->msg);
		sb_err_clear(err);
	}
	d->check_timer = sb_loop_timer(m->loop, sb_time_mono() + sb_daemon_sleep_time(d),
				       sb_daemon_check, d);
	double now = sb_real_now();
	d->hour_timer =
		sb_loop_timer(m->loop, sb_time_mono() + ((floor(now / 3600.0) + 1) * 3600.0 - now),
			      sb_daemon_hourly, d);
	while (!d->stop_now && !(m->stopping && m->running == 0 && m->http_running == 0)) {
		if (sb_loop_run_once(m->loop, 3600.0) != SB_OK) {
			rc = sb_err_set(err, SB_EIO, "the event loop failed: %s", strerror(errno));
			break;
		}
		sb_probe_reap(m);
		sb_mon_collect(d);
		sb_mon_dispatch(m);
		sb_probe_reap(m);
	}
	sb_remote_stop(&remote);
	sb_log(SB_LOG_INFO, "monitor",
	       "stopped: %lu probes started, %lu records written, %lu overruns", m->started,
	       m->written, m->overruns);
	sb_daemon_free(d);
	free(d);
	sb_tick_daemon = NULL;
	return rc;
}

/* ---- check ---- */

int sb_monitor_check(const char *config_path, const char *modules_dir, FILE *out, sb_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = sb_fs_read(config_path, SB_MON_MAX_CONFIG, &text, &len, err);
	if (rc != SB_OK)
		return rc;
	sb_mon_config cfg;
	rc = sb_mon_config_parse(config_path, text, len, &cfg, err);
	free(text);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; i < cfg.ntests && rc == SB_OK; i++) {
		const sb_mon_test *t = &cfg.tests[i];
		sb_loaded_module mod;
		sb_err e = {0};
		if (sb_mon_load_module(modules_dir, t->name, &mod, &e) != SB_OK) {
			if (out != NULL)
				fprintf(out, "  %-12s skipped: %s\n", t->name, e.msg);
			continue;
		}
		sb_paramset *ps = NULL;
		rc = sb_mon_params_build(config_path, t, mod.def->params, &ps, err);
		if (rc == SB_OK && out != NULL)
			fprintf(out, "  %-12s every %ld s (%s)\n", t->name, t->interval, mod.path);
		sb_paramset_unref(ps);
		sb_module_unload(&mod);
	}
	if (rc == SB_OK && out != NULL)
		fprintf(out, "%s: monitor %lld, %zu tests, %zu links: ok\n", config_path,
			(long long)cfg.id, cfg.ntests, cfg.nlinks);
	sb_mon_config_free(&cfg);
	return rc;
}
