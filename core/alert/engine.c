/* engine.c - one evaluation: the rules against the data, the state of each alert, the changes
 * into the outbox; and the thread of the daemons that does it on a timer and on reloads. */
#include "config.h"

#include "alert/alert.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert_impl.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "format/alertstate.h"

char *sb_alert_rules_path(const sb_settings *s)
{
	const char *f = s->alerts_file != NULL ? s->alerts_file : "alerts.conf";
	return f[0] == '/' ? sb_xstrdup(f) : sb_fs_join(s->root, f);
}

char *sb_alert_path(const sb_settings *s, const char *name)
{
	return sb_alert_file(s->data_dir, name);
}

int sb_alert_firing_each(const sb_settings *s, int (*fn)(void *ctx, const sb_alert_firing *a),
			 void *ctx, sb_err *err)
{
	sb_alert_states st = {0};
	int rc = sb_alert_state_read(s->data_dir, "alerts", &st, err);
	sb_alert_states_sort(&st);
	for (size_t i = 0; i < st.n && rc == SB_OK; i++) {
		sb_alert_firing a = {st.v[i].rule,  st.v[i].subject,   st.v[i].message,
				     st.v[i].since, st.v[i].has_value, st.v[i].value};
		rc = fn(ctx, &a);
	}
	sb_alert_states_free(&st);
	return rc;
}

/* ---- one evaluation ---- */

/* Takes data/alerts/lock, waiting up to 30 s for another evaluation. Returns the fd or -1. */
static int sb_alert_lock(const sb_settings *s, sb_err *err)
{
	char *path = sb_alert_path(s, "lock");
	sb_fs_mkdirs_for(path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	for (int i = 0; i < 300; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			free(path);
			return fd;
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	sb_err_set(err, SB_ELOCKED, "%s: another evaluation holds it", path);
	close(fd);
	free(path);
	return -1;
}

/* The change of one alert into the outbox. */
static int sb_alert_emit(const char *outbox, const sb_alert_rule *r, const sb_alert_state *a,
			 const char *state, int has_value, double value, const char *message,
			 int64_t now, int64_t fixed, unsigned *seq, sb_err *err)
{
	double threshold = 0;
	int has_threshold = r != NULL &&
			    sb_alert_rule_number(r, r->kind->threshold, &threshold) == SB_OK &&
			    threshold > 0;
	/* the clock's milliseconds: later than any change an earlier evaluation made (fixed: an
	 * evaluation of another time than the clock's) */
	struct timespec clk;
	clock_gettime(CLOCK_REALTIME, &clk);
	int64_t ms = fixed > 0 ? fixed * 1000 : (int64_t)clk.tv_sec * 1000 + clk.tv_nsec / 1000000;
	sb_alert_event ev = {.ts = ms + *seq,
			     .rule = a->rule,
			     .kind = a->kind,
			     .severity = a->severity,
			     .subject = a->subject,
			     .state = state,
			     .has_value = has_value,
			     .value = value,
			     .has_threshold = has_threshold,
			     .threshold = threshold,
			     .message = message};
	return sb_alert_outbox_put(outbox, &ev, r != NULL && r->kind->nightly, now, (*seq)++, err);
}

int sb_alert_check(const sb_settings *s, const sb_modules *mods, const sb_alert_rules *rules,
		   const sb_alert_opts *o, sb_alert_report *rep, sb_err *err)
{
	memset(rep, 0, sizeof(*rep));
	const char *who = o->who != NULL ? o->who : "alerts";
	int64_t now = o->now > 0 ? o->now : (int64_t)time(NULL);
	sb_alert_ctx c = {.s = s, .mods = mods, .now = now};
	c.day = o->day.year != 0 ? o->day : sb_date_add(sb_date_of(now), -1);
	int lock = sb_alert_lock(s, err);
	if (lock < 0)
		return err->code;
	sb_alert_states st = {0};
	int rc = sb_alert_state_read(s->data_dir, who, &st, err);
	char *outbox = sb_alert_path(s, "outbox");
	if (rc == SB_OK && sb_fs_mkdirs(outbox) != SB_OK)
		rc = sb_err_set(err, SB_EIO, "cannot create %s", outbox);
	if (rc != SB_OK) {
		free(outbox);
		sb_alert_states_free(&st);
		close(lock);
		return rc;
	}

	sb_store_opts so = {.write_concern = s->mongo_write_concern,
			    .timeout_ms = s->db_timeout * 1000};
	sb_err se = {0};
	if (sb_store_open(s->database_uri, &so, &c.store, &se) != SB_OK)
		sb_log(SB_LOG_ERROR, who, "the store: %s", se.msg);
	c.records = sb_modules_records(mods);

	/* the alerts already firing keep their place; a finding not among them fires */
	size_t nold = st.n;
	unsigned seq = 0;
	int werr = SB_OK;
	for (size_t i = 0; i < rules->n && werr == SB_OK; i++) {
		const sb_alert_rule *r = &rules->v[i];
		if (!r->enabled)
			continue;
		rep->rules++;
		sb_alert_findings f = {0};
		sb_err re = {0};
		if (r->kind->eval(&c, r, &f, &re) != SB_OK) {
			sb_log(SB_LOG_WARNING, who,
			       "rule %s (%s:%u): %s: its alerts keep their state", r->name,
			       rules->path, r->line, re.msg);
			rep->failed_rules++;
			for (size_t k = 0; k < nold; k++)
				if (strcmp(st.v[k].rule, r->name) == 0)
					st.v[k].seen = 1;
			sb_alert_findings_free(&f);
			continue;
		}
		for (size_t j = 0; j < f.n && werr == SB_OK; j++) {
			const sb_alert_finding *x = &f.v[j];
			sb_alert_state *a = NULL;
			for (size_t k = 0; k < st.n && a == NULL; k++)
				if (strcmp(st.v[k].rule, r->name) == 0 &&
				    strcmp(st.v[k].subject, x->subject) == 0)
					a = &st.v[k];
			if (a != NULL) {
				a->seen = 1; /* still firing: no message */
				continue;
			}
			a = sb_alert_states_add(&st);
			a->rule = sb_xstrdup(r->name);
			a->subject = sb_xstrdup(x->subject);
			a->kind = sb_xstrdup(r->kind->name);
			a->severity = sb_xstrdup(r->severity);
			a->message = sb_xstrdup(x->message);
			a->since = now;
			a->has_value = x->has_value;
			a->value = x->value;
			a->seen = 1;
			werr = sb_alert_emit(outbox, r, a, "firing", x->has_value, x->value,
					     x->message, now, o->now, &seq, err);
			if (werr != SB_OK)
				break;
			rep->fired++;
			sb_log(SB_LOG_WARNING, who, "firing: %s: %s", r->name, x->message);
		}
		sb_alert_findings_free(&f);
	}
	/* what was firing and was not found again resolves (also when its rule is gone) */
	for (size_t k = 0; k < st.n && werr == SB_OK; k++) {
		sb_alert_state *a = &st.v[k];
		if (a->seen)
			continue;
		const sb_alert_rule *r = sb_alert_rules_find(rules, a->rule);
		char msg[700];
		if (r == NULL || !r->enabled)
			snprintf(msg, sizeof(msg), "%s (the rule was %s)", a->message,
				 r == NULL ? "removed" : "disabled");
		else
			snprintf(msg, sizeof(msg), "%s: no longer", a->subject);
		werr = sb_alert_emit(outbox, r, a, "resolved", 0, 0, msg, now, o->now, &seq, err);
		if (werr != SB_OK)
			break;
		sb_log(SB_LOG_INFO, who, "resolved: %s: %s", a->rule, a->subject);
		rep->resolved++;
		free(a->rule);
		a->rule = NULL;
	}
	sb_alert_states keep = {0};
	for (size_t k = 0; k < st.n; k++) {
		if (st.v[k].rule == NULL) {
			free(st.v[k].subject);
			free(st.v[k].kind);
			free(st.v[k].severity);
			free(st.v[k].message);
			continue;
		}
		*sb_alert_states_add(&keep) = st.v[k];
	}
	free(st.v);
	st = keep;
	rep->firing = st.n;
	if (werr == SB_OK)
		werr = sb_alert_state_write(s->data_dir, &st, err);
	sb_alert_states_free(&st);
	sb_rec_set_free(&c.records);
	sb_store_close(&c.store);
	if (werr == SB_OK && o->deliver)
		sb_alert_outbox_drain(s, rules, who, now, &rep->sent, &rep->waiting);
	free(outbox);
	close(lock);
	return werr;
}

/* ---- the daemons' thread ---- */

struct sb_alert_watch {
	const sb_settings *s;
	const sb_modules *mods;
	char *who;
	char *path;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	volatile sig_atomic_t reload;
};

static void sb_alert_watch_round(sb_alert_watch *w, sb_alert_rules *rules, int *have,
				 struct stat *known)
{
	struct stat now;
	int exists = stat(w->path, &now) == 0;
	int changed = w->reload || (exists != (known->st_ino != 0)) ||
		      (exists && (now.st_mtime != known->st_mtime ||
				  now.st_size != known->st_size || now.st_ino != known->st_ino ||
				  now.st_mtim.tv_nsec != known->st_mtim.tv_nsec));
	w->reload = 0;
	if (changed) {
		if (exists)
			*known = now;
		else
			memset(known, 0, sizeof(*known));
		sb_alert_rules fresh;
		sb_err err = {0};
		if (!exists) {
			if (*have)
				sb_log(SB_LOG_WARNING, w->who,
				       "%s is gone: the alerts keep the rules read last", w->path);
		} else if (sb_alert_rules_load(w->path, &fresh, &err) != SB_OK) {
			sb_log(SB_LOG_ERROR, w->who, "%s%s", err.msg,
			       *have ? ": the rules read last keep running" : "");
		} else {
			if (*have)
				sb_alert_rules_free(rules);
			*rules = fresh;
			*have = 1;
			sb_log(SB_LOG_INFO, w->who, "alert rules read from %s: %zu rules", w->path,
			       rules->n);
		}
	}
	if (!*have)
		return;
	sb_alert_opts o = {.deliver = 1, .who = w->who};
	sb_alert_report rep;
	sb_err err = {0};
	if (sb_alert_check(w->s, w->mods, rules, &o, &rep, &err) != SB_OK)
		sb_log(SB_LOG_ERROR, w->who, "alerts: %s", err.msg);
}

static void *sb_alert_watch_main(void *arg)
{
	sb_alert_watch *w = arg;
	sb_alert_rules rules = {0};
	int have = 0;
	struct stat known;
	memset(&known, 0, sizeof(known));
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		pthread_mutex_unlock(&w->mu);
		sb_alert_watch_round(w, &rules, &have, &known);
		pthread_mutex_lock(&w->mu);
		/* sleep ALERT_INTERVAL, waking each second for a reload asked from a signal */
		for (long t = 0; t < w->s->alert_interval && !w->stop && !w->reload; t++) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&w->cv, &w->mu, &until);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (have)
		sb_alert_rules_free(&rules);
	return NULL;
}

int sb_alert_watch_start(const sb_settings *s, const sb_modules *mods, const char *who,
			 sb_alert_watch **out, sb_err *err)
{
	sb_alert_watch *w = sb_xcalloc(1, sizeof(*w));
	w->s = s;
	w->mods = mods;
	w->who = sb_xstrdup(who);
	w->path = sb_alert_rules_path(s);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* the thread is born with every signal blocked: the daemon's own thread takes them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, sb_alert_watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w->who);
		free(w->path);
		free(w);
		return sb_err_set(err, SB_ENOMEM, "the alerts' thread: %s", strerror(rc));
	}
	*out = w;
	return SB_OK;
}

void sb_alert_watch_reload(sb_alert_watch *w)
{
	if (w != NULL)
		w->reload = 1;
}

void sb_alert_watch_stop(sb_alert_watch **wp)
{
	sb_alert_watch *w = *wp;
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->who);
	free(w->path);
	free(w);
	*wp = NULL;
}
