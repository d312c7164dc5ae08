/* probe.c - a probe's life: the services a probe module calls, its records, its end. */
#include "config.h"

#include <scanbackup/probes.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "monitor/monitor_impl.h"
#include "monitor/trace.h"
#include "net/http.h"

/* A probe's deadline: twice its interval, at least this. */
#define SB_PROBE_MIN_DEADLINE 10.0

typedef enum { SB_RES_TIMER, SB_RES_WATCH, SB_RES_CHILD, SB_RES_HTTP } sb_res_kind;

static void sb_probe_rec_free(sb_probe *p);

struct sb_pres {
	sb_res_kind kind;
	sb_probe *p;
	sb_timer *timer;
	sb_watch *watch;
	int fd;
	sb_child *child;
	sb_http_job *job;
	void (*fn)(void); /* the module's callback, cast back by kind */
	void *arg;
	sb_pres *next;
};

static sb_pres *sb_res_new(sb_probe *p, sb_res_kind kind, void (*fn)(void), void *arg)
{
	if (kind != SB_RES_TIMER && !p->owns) {
		p->owns = 1; /* until it ends: MONITOR_PARALLEL bounds such probes */
		p->mon->owning++;
	}
	sb_pres *r = p->spare;
	if (r != NULL)
		memset(r, 0, sizeof(*r));
	else
		r = sb_xcalloc(1, sizeof(*r));
	p->spare = NULL;
	r->kind = kind;
	r->p = p;
	r->fd = -1;
	r->fn = fn;
	r->arg = arg;
	r->next = p->res;
	p->res = r;
	return r;
}

static void sb_res_unlink(sb_probe *p, sb_pres *r)
{
	for (sb_pres **pr = &p->res; *pr != NULL; pr = &(*pr)->next) {
		if (*pr == r) {
			*pr = r->next;
			return;
		}
	}
}

static void sb_res_release(sb_mon *m, sb_pres *r)
{
	switch (r->kind) {
	case SB_RES_TIMER:
		sb_loop_timer_cancel(m->loop, r->timer);
		break;
	case SB_RES_WATCH:
		sb_loop_unwatch(m->loop, r->watch); /* NULL once a write watch has fired */
		close(r->fd);
		break;
	case SB_RES_CHILD:
		sb_loop_kill(m->loop, r->child);
		break;
	case SB_RES_HTTP:
		sb_http_drop(m->http, r->job);
		m->http_running--;
		break;
	}
	free(r);
}

/* ---- what to test ---- */

const char *sb_probe_test(const sb_probe *p)
{
	return p->test->name;
}

int64_t sb_probe_link_id(const sb_probe *p)
{
	return p->link_id;
}

const char *sb_probe_link_name(const sb_probe *p)
{
	return p->link_name;
}

const char *sb_probe_link_ip(const sb_probe *p)
{
	return p->ip;
}

int sb_probe_link_family(const sb_probe *p)
{
	return p->family;
}

int64_t sb_probe_time(const sb_probe *p)
{
	return p->ts;
}

long sb_probe_param_int(const sb_probe *p, const char *name)
{
	const sb_pval *v = sb_paramset_get(p->params, name, p->link_id, NULL);
	return v != NULL ? (long)v->num : 0;
}

double sb_probe_param_number(const sb_probe *p, const char *name)
{
	const sb_pval *v = sb_paramset_get(p->params, name, p->link_id, NULL);
	return v != NULL ? v->num : 0;
}

const char *sb_probe_param_str(const sb_probe *p, const char *name)
{
	const sb_pval *v = sb_paramset_get(p->params, name, p->link_id, NULL);
	return v != NULL ? v->str : NULL;
}

int sb_probe_param_bool(const sb_probe *p, const char *name)
{
	const sb_pval *v = sb_paramset_get(p->params, name, p->link_id, NULL);
	return v != NULL ? v->b : 0;
}

void sb_probe_set_data(sb_probe *p, void *data, void (*free_fn)(void *data))
{
	p->data = data;
	p->free_data = free_fn;
}

void *sb_probe_data(const sb_probe *p)
{
	return p->data;
}

/* ---- log ---- */

static void sb_probe_vlog(const sb_probe *p, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void sb_probe_vlog(const sb_probe *p, int level, const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	sb_log((sb_log_level)level, p->test->name, "link %lld (%s) %s: %s", (long long)p->link_id,
	       p->link_name, p->ip, msg);
}

void sb_probe_log(const sb_probe *p, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_probe_vlog(p, level, fmt, ap);
	va_end(ap);
}

/* ---- the end ---- */

/* Releases everything, tells the scheduler, and moves the probe to the graveyard. */
static void sb_probe_end(sb_probe *p)
{
	if (p->ended)
		return;
	p->ended = 1;
	sb_mon *m = p->mon;
	if (p->deadline != NULL) {
		sb_loop_timer_cancel(m->loop, p->deadline);
		p->deadline = NULL;
	}
	while (p->res != NULL) {
		sb_pres *r = p->res;
		p->res = r->next;
		sb_res_release(m, r);
	}
	if (p->owns)
		m->owning--;
	if (p->free_data != NULL)
		p->free_data(p->data);
	p->data = NULL;
	p->free_data = NULL;
	sb_mon_probe_ended(m, p);
	p->next = m->graveyard;
	m->graveyard = p;
}

void sb_probe_done(sb_probe *p)
{
	if (p->ended)
		return;
	p->ok = p->wrote;
	if (!p->wrote)
		snprintf(p->summary, sizeof(p->summary), "ended without a record");
	sb_probe_end(p);
}

void sb_probe_fail(sb_probe *p, int code, const char *fmt, ...)
{
	if (p->ended)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_probe_log(p, SB_LOG_WARNING, "%s (%s)", msg, sb_strerror(code));
	snprintf(p->summary, sizeof(p->summary), "failed: %.110s", msg);
	p->ok = 0;
	p->mon->failed++;
	sb_probe_end(p);
}

void sb_probe_cancel(sb_probe *p, const char *why)
{
	if (p->ended)
		return;
	sb_probe_log(p, SB_LOG_WARNING, "%s", why);
	snprintf(p->summary, sizeof(p->summary), "cancelled: %.100s", why);
	p->ok = 0;
	p->mon->cancelled++;
	sb_probe_end(p);
}

void sb_probe_reap(sb_mon *m)
{
	while (m->graveyard != NULL) {
		sb_probe *p = m->graveyard;
		m->graveyard = p->next;
		sb_paramset_unref(p->params);
		sb_probe_rec_free(p);
		free(p->spare);
		free(p);
	}
}

static void sb_probe_deadline(void *arg)
{
	sb_probe *p = arg;
	p->deadline = NULL;
	char why[96];
	snprintf(why, sizeof(why), "still running after %.0f s: cancelled",
		 sb_time_mono() - p->start_mono);
	sb_probe_cancel(p, why);
}

sb_probe *sb_probe_new(sb_mon *m, sb_mtest *t, const sb_mon_link *l, int64_t ts)
{
	size_t nlen = strlen(l->name); /* the link's name after the probe, in its allocation */
	sb_probe *p = sb_xcalloc(1, sizeof(*p) + nlen + 1);
	p->link_name = memcpy(p + 1, l->name, nlen + 1);
	p->mon = m;
	p->test = t;
	p->params = sb_paramset_ref(t->params);
	p->monitor = m->monitor_id;
	p->link_id = l->id;
	size_t ilen = strnlen(l->ip, sizeof(p->ip) - 1); /* a numeric address: it fits */
	memcpy(p->ip, l->ip, ilen);
	p->ip[ilen] = '\0';
	p->family = l->family;
	p->ts = ts;
	p->queued_mono = sb_time_mono();
	return p;
}

void sb_probe_start(sb_probe *p)
{
	sb_mon *m = p->mon;
	p->started = 1;
	p->start_mono = sb_time_mono();
	double deadline = 2.0 * (double)p->test->interval;
	if (deadline < SB_PROBE_MIN_DEADLINE)
		deadline = SB_PROBE_MIN_DEADLINE;
	p->deadline = sb_loop_timer_in(m->loop, deadline, sb_probe_deadline, p);
	int rc = p->test->mod.def->probe(p);
	if (rc != SB_OK && !p->ended)
		sb_probe_fail(p, rc, "the probe hook failed to start (%d)", rc);
}

/* ---- timers, watches, children ---- */

static void sb_probe_timer_fired(void *arg)
{
	sb_pres *r = arg;
	sb_probe *p = r->p;
	sb_res_unlink(p, r);
	sb_probe_timer_fn fn = (sb_probe_timer_fn)r->fn;
	void *a = r->arg;
	/* kept for the probe's next resource: a probe that sends one echo after another arms its
	 * next timer from this one's callback */
	if (p->spare == NULL && !p->ended)
		p->spare = r;
	else
		free(r);
	if (!p->ended)
		fn(p, a);
}

int sb_probe_timer(sb_probe *p, double seconds, sb_probe_timer_fn fn, void *arg)
{
	if (p->ended || fn == NULL)
		return SB_EINVAL;
	sb_pres *r = sb_res_new(p, SB_RES_TIMER, (void (*)(void))fn, arg);
	r->timer = sb_loop_timer_in(p->mon->loop, seconds, sb_probe_timer_fired, r);
	return SB_OK;
}

static void sb_probe_fd_ready(int fd, unsigned events, void *arg)
{
	sb_pres *r = arg;
	(void)events;
	if (!r->p->ended)
		((sb_probe_fd_fn)r->fn)(r->p, fd, r->arg);
}

/* A write watch fires once: it stops watching, and the fd stays the probe's until it ends. */
static void sb_probe_fd_writable(int fd, unsigned events, void *arg)
{
	sb_pres *r = arg;
	(void)events;
	sb_loop_unwatch(r->p->mon->loop, r->watch);
	r->watch = NULL;
	if (!r->p->ended)
		((sb_probe_fd_fn)r->fn)(r->p, fd, r->arg);
}

static int sb_probe_watch_events(sb_probe *p, int fd, unsigned events, sb_probe_fd_fn fn, void *arg)
{
	if (p->ended || fn == NULL || fd < 0)
		return SB_EINVAL;
	sb_pres *r = sb_res_new(p, SB_RES_WATCH, (void (*)(void))fn, arg);
	sb_err err = {0};
	r->fd = fd;
	r->watch = sb_loop_watch(p->mon->loop, fd, events,
				 events & EPOLLOUT ? sb_probe_fd_writable : sb_probe_fd_ready, r,
				 &err);
	if (r->watch == NULL) {
		sb_res_unlink(p, r);
		free(r);
		return err.code;
	}
	return SB_OK;
}

int sb_probe_watch(sb_probe *p, int fd, sb_probe_fd_fn fn, void *arg)
{
	return sb_probe_watch_events(p, fd, EPOLLIN, fn, arg);
}

int sb_probe_watch_write(sb_probe *p, int fd, sb_probe_fd_fn fn, void *arg)
{
	return sb_probe_watch_events(p, fd, EPOLLOUT, fn, arg);
}

static void sb_probe_child_exited(int status, const char *out, size_t len, int truncated, void *arg)
{
	sb_pres *r = arg;
	sb_probe *p = r->p;
	(void)truncated;
	sb_res_unlink(p, r);
	sb_probe_exit_fn fn = (sb_probe_exit_fn)r->fn;
	void *a = r->arg;
	free(r);
	if (!p->ended)
		fn(p, status, out, len, a);
}

int sb_probe_spawn(sb_probe *p, char *const argv[], size_t max_out, sb_probe_exit_fn fn, void *arg)
{
	if (p->ended || fn == NULL || argv == NULL || argv[0] == NULL)
		return SB_EINVAL;
	sb_pres *r = sb_res_new(p, SB_RES_CHILD, (void (*)(void))fn, arg);
	sb_err err = {0};
	r->child = sb_loop_spawn(p->mon->loop, argv, max_out, sb_probe_child_exited, r, &err);
	if (r->child == NULL) {
		sb_res_unlink(p, r);
		free(r);
		sb_probe_log(p, SB_LOG_WARNING, "%s", err.msg);
		return err.code != SB_OK ? err.code : SB_EIO;
	}
	return SB_OK;
}

int sb_probe_fork(sb_probe *p, int (*fn)(void *arg), void *arg, size_t max_out,
		  sb_probe_exit_fn done, void *done_arg)
{
	if (p->ended || fn == NULL || done == NULL)
		return SB_EINVAL;
	sb_pres *r = sb_res_new(p, SB_RES_CHILD, (void (*)(void))done, done_arg);
	sb_err err = {0};
	r->child = sb_loop_fork(p->mon->loop, fn, arg, max_out, sb_probe_child_exited, r, &err);
	if (r->child == NULL) {
		sb_res_unlink(p, r);
		free(r);
		sb_probe_log(p, SB_LOG_WARNING, "%s", err.msg);
		return err.code != SB_OK ? err.code : SB_EIO;
	}
	return SB_OK;
}

/* ---- sockets shared by a test's probes ---- */

static void sb_probe_shared_ready(int fd, unsigned events, void *arg)
{
	sb_mshared *s = arg;
	(void)events;
	s->fn(fd, s->arg);
}

int sb_probe_shared_socket(sb_probe *p, int domain, int type, int protocol, sb_probe_shared_fn fn,
			   void *arg, int *fd)
{
	*fd = -1;
	if (p->ended || fn == NULL) {
		errno = EINVAL;
		return SB_EINVAL;
	}
	sb_mtest *t = p->test;
	for (sb_mshared *s = t->shared; s != NULL; s = s->next) {
		if (s->domain == domain && s->type == type && s->protocol == protocol) {
			*fd = s->fd;
			return SB_OK;
		}
	}
	int sock = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (sock < 0)
		return SB_EIO;
	sb_mshared *s = sb_xcalloc(1, sizeof(*s));
	s->domain = domain;
	s->type = type;
	s->protocol = protocol;
	s->fd = sock;
	s->fn = fn;
	s->arg = arg;
	sb_err err = {0};
	s->watch = sb_loop_watch(p->mon->loop, sock, EPOLLIN, sb_probe_shared_ready, s, &err);
	if (s->watch == NULL) {
		close(sock);
		free(s);
		errno = EMFILE;
		return err.code != SB_OK ? err.code : SB_EIO;
	}
	s->next = t->shared;
	t->shared = s;
	sb_log(SB_LOG_DEBUG, t->name, "a socket shared by the test's probes opened (fd %d)", sock);
	*fd = sock;
	return SB_OK;
}

void sb_probe_shared_close(sb_mon *m, sb_mtest *t)
{
	while (t->shared != NULL) {
		sb_mshared *s = t->shared;
		t->shared = s->next;
		sb_loop_unwatch(m->loop, s->watch);
		close(s->fd);
		free(s);
	}
}

/* ---- HTTP: the engine on the monitor's loop ---- */

/* The engine's answer turned into the probe's: any status line is a measurement (httping times a
 * 404 or a 500 as well as a 200); no status line is an error with the engine's words for it. */
static void sb_probe_http_done(void *ctx, const sb_http_result *res)
{
	sb_pres *r = ctx;
	sb_mon *m = r->p->mon;
	sb_probe_http_result out;
	memset(&out, 0, sizeof(out));
	out.status = res->status;
	out.total_ms = -1;
	if (res->status != 0 &&
	    (res->code == SB_OK || res->code == SB_EHTTP || res->code == SB_EAUTH)) {
		out.code = SB_OK;
		out.total_ms = res->last_ms;
	} else {
		out.code = res->code != SB_OK ? res->code : SB_ECONNECT;
		snprintf(out.error, sizeof(out.error), "%.150s",
			 res->msg[0] != '\0' ? res->msg : sb_strerror(out.code));
	}
	sb_probe *p = r->p;
	sb_res_unlink(p, r);
	sb_probe_http_fn fn = (sb_probe_http_fn)r->fn;
	void *a = r->arg;
	m->http_running--;
	free(r);
	if (!p->ended)
		fn(p, &out, a);
}

int sb_probe_http_head(sb_probe *p, const char *url, double timeout, sb_probe_http_fn fn, void *arg)
{
	if (p->ended || fn == NULL || url == NULL)
		return SB_EINVAL;
	sb_mon *m = p->mon;
	if (m->http == NULL) {
		sb_http_opts o;
		sb_http_opts_default(&o);
		o.loop = m->loop;
		o.parallel = m->parallel;
		o.connect_timeout_ms = 0; /* the connect may take the request's whole time */
		o.retries = 0;
		o.follow_redirects = 0;
		o.fresh_connect = 1;
		o.http_only = 1;
		o.tls_verify = m->tls_verify;
		o.ca_bundle = m->ca_bundle;
		o.user_agent = "scanbackup-monitor/" PACKAGE_VERSION;
		sb_err err = {0};
		int rc = sb_http_new(&o, &m->http, &err);
		if (rc != SB_OK) {
			sb_probe_log(p, SB_LOG_WARNING, "%s", err.msg);
			return rc;
		}
	}
	long ms = timeout > 0 ? (long)(timeout * 1000.0) : 10000L;
	sb_pres *r = sb_res_new(p, SB_RES_HTTP, (void (*)(void))fn, arg);
	sb_http_req req = {
		.url = url,
		.ctx = r,
		.method = SB_HTTP_HEAD,
		.timeout_ms = ms,
		.on_done = sb_probe_http_done,
	};
	int rc = sb_http_add(m->http, &req, &r->job);
	if (rc != SB_OK) {
		sb_res_unlink(p, r);
		free(r);
		return rc;
	}
	m->http_running++;
	return SB_OK;
}

void sb_probe_http_shutdown(sb_mon *m)
{
	sb_http_free(&m->http);
}

/* ---- records ---- */

static void sb_probe_rec_free(sb_probe *p)
{
	const sb_rec_decl *d = p->test->mod.rec;
	for (size_t i = 0; p->vals != NULL && d != NULL && i < d->n; i++)
		if (d->f[i].type == SB_FIELD_STRING || d->f[i].type == SB_FIELD_JSON)
			free((char *)p->vals[i].s);
	sb_free(p->vals);
	sb_free(p->rec_bad);
}

/* The probe's record values, made at the first use. */
static sb_rec_val *sb_probe_vals(sb_probe *p, const sb_rec_decl *d)
{
	if (p->vals == NULL)
		p->vals = sb_xcalloc(d->n, sizeof(*p->vals));
	return p->vals;
}

/* The slot of field for a set of type (an int may go into a NUMBER field): the value emptied,
 * and the field's declared type in *declared; or NULL with the first mismatch remembered. */
static sb_rec_val *sb_probe_slot(sb_probe *p, const char *field, sb_field_type type,
				 sb_field_type *declared)
{
	const sb_rec_decl *d = p->test->mod.rec;
	if (p->ended || d == NULL)
		return NULL;
	const char *call = sb_rec_type_name(type);
	int i = sb_rec_field_index(d, field);
	char *bad = NULL;
	if (i < 0)
		bad = sb_xasprintf("sb_probe_set_%s(\"%.40s\"): the record declares no such field",
				   call, field != NULL ? field : "(null)");
	else if (d->f[i].count_of >= 0)
		bad = sb_xasprintf("sb_probe_set_%s(\"%s\"): the core counts this field "
				   "(count_of): a module never sets it",
				   call, field);
	else if (d->f[i].type != type && !(type == SB_FIELD_INT && d->f[i].type == SB_FIELD_NUMBER))
		bad = sb_xasprintf("sb_probe_set_%s(\"%s\"): the field is a %s: expected "
				   "sb_probe_set_%s",
				   call, field, sb_rec_type_name(d->f[i].type),
				   sb_rec_type_name(d->f[i].type));
	if (bad != NULL) {
		if (p->rec_bad == NULL)
			p->rec_bad = bad;
		else
			free(bad);
		return NULL;
	}
	sb_rec_val *v = &sb_probe_vals(p, d)[i];
	if (v->has && (d->f[i].type == SB_FIELD_STRING || d->f[i].type == SB_FIELD_JSON))
		free((char *)v->s);
	memset(v, 0, sizeof(*v));
	*declared = d->f[i].type;
	return v;
}

int sb_probe_set_int(sb_probe *p, const char *field, int64_t v)
{
	sb_field_type declared = SB_FIELD_INT;
	sb_rec_val *x = sb_probe_slot(p, field, SB_FIELD_INT, &declared);
	if (x == NULL)
		return SB_EINVAL;
	x->has = 1;
	if (declared == SB_FIELD_NUMBER)
		x->d = (double)v;
	else
		x->i = v;
	return SB_OK;
}

int sb_probe_set_number(sb_probe *p, const char *field, double v)
{
	sb_field_type declared = SB_FIELD_NUMBER;
	sb_rec_val *x = sb_probe_slot(p, field, SB_FIELD_NUMBER, &declared);
	if (x == NULL)
		return SB_EINVAL;
	x->has = 1;
	x->d = v;
	return SB_OK;
}

static int sb_probe_set_text(sb_probe *p, const char *field, sb_field_type type, const char *v)
{
	sb_field_type declared = type;
	sb_rec_val *x = sb_probe_slot(p, field, type, &declared);
	if (x == NULL)
		return SB_EINVAL;
	if (v == NULL)
		return SB_OK; /* no value */
	x->has = 1;
	x->s = sb_xstrdup(v);
	return SB_OK;
}

int sb_probe_set_string(sb_probe *p, const char *field, const char *v)
{
	return sb_probe_set_text(p, field, SB_FIELD_STRING, v);
}

int sb_probe_set_json(sb_probe *p, const char *field, const char *v)
{
	return sb_probe_set_text(p, field, SB_FIELD_JSON, v);
}

int sb_probe_set_bool(sb_probe *p, const char *field, int v)
{
	sb_field_type declared = SB_FIELD_BOOL;
	sb_rec_val *x = sb_probe_slot(p, field, SB_FIELD_BOOL, &declared);
	if (x == NULL)
		return SB_EINVAL;
	x->has = 1;
	x->i = v != 0;
	return SB_OK;
}

/* A record that does not match the declaration: logged with the module file (rate-limited),
 * and the probe fails. */
static int sb_probe_refuse(sb_probe *p, const char *why)
{
	sb_log(SB_LOG_ERROR, p->test->name,
	       "%s: record of test %s refused: %s (the declaration is in sb_module.record)",
	       p->test->mod.path, p->test->name, why);
	sb_probe_fail(p, SB_EINVAL, "its record does not match the module's declaration: %s", why);
	return SB_EINVAL;
}

int sb_probe_put(sb_probe *p)
{
	const sb_rec_decl *d = p->test->mod.rec;
	if (p->ended || d == NULL)
		return SB_EINVAL;
	if (p->wrote) /* at most one record per probe */
		return SB_OK;
	if (p->rec_bad != NULL) {
		char *why = sb_xstrdup(p->rec_bad);
		int rc = sb_probe_refuse(p, why);
		free(why);
		return rc;
	}
	char why[256];
	if (sb_rec_check(d, sb_probe_vals(p, d), why, sizeof(why)) != SB_OK)
		return sb_probe_refuse(p, why);
	p->wrote = 1;
	char *line = sb_rec_line(d, p->ts, p->vals);
	char *path = sb_trace_path(p->mon->data_dir, p->test->name, p->monitor, p->link_id, p->ts);
	sb_err err = {0};
	int rc = sb_trace_append(path, line, strlen(line), &err);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, p->test->name, "%s", err.msg);
		p->mon->write_errors++;
	} else {
		p->mon->written++;
	}
	free(path);
	free(line);
	return rc; /* its summary is made when status asks (sb_mon_probe_ended) */
}
