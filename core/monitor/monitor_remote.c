/* monitor_remote.c - the monitor box's sync thread: monitor.json pulled, trace lines pushed. */
#include "config.h"

#include "monitor/monitor_remote.h"

#include <bson/bson.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "monitor/trace.h"
#include "net/http.h"

#define SB_REMOTE_MAX_BODY ((size_t)4 << 20)
#define SB_REMOTE_BATCH_LINES 5000

struct sb_remote {
	const sb_settings *s;
	sb_rec_set *decls; /* the records of the tests, the daemon's */
	const char *config_path;
	char *base; /* MONITOR_CENTRAL_URL without a trailing '/' */
	char *auth; /* "Authorization: Bearer <token>" */
	long long id;
	double interval;
	sb_http *http; /* one request at a time, on the sync thread (or the caller's before it) */
	char etag[64];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int stop;
	int last_ok; /* the previous round worked: log the next failure, not each one */
};

long long sb_remote_token_id(const char *token)
{
	if (token == NULL || strncmp(token, "sbm_", 4) != 0)
		return -1;
	const char *p = token + 4;
	const char *u = strchr(p, '_');
	if (u == NULL || u == p || u - p > 10 || strlen(u + 1) < 32)
		return -1;
	char num[16];
	memcpy(num, p, (size_t)(u - p));
	num[u - p] = '\0';
	long v;
	if (sb_parse_long(num, &v) != SB_OK || v <= 0)
		return -1;
	return v;
}

/* ---- HTTP ---- */

/* An answer of the central server: its body (up to SB_REMOTE_MAX_BODY), ETag and outcome. */
typedef struct sb_answer {
	char *p;
	size_t len;
	char etag[64];
	sb_http_result res;
} sb_answer;

static void sb_answer_start(void *ctx)
{
	sb_answer *a = ctx;
	sb_free(a->p);
	a->len = 0;
	a->etag[0] = '\0';
}

static int sb_answer_data(void *ctx, const char *data, size_t k)
{
	sb_answer *a = ctx;
	a->p = sb_xrealloc(a->p, a->len + k + 1);
	memcpy(a->p + a->len, data, k);
	a->len += k;
	a->p[a->len] = '\0';
	return 0;
}

static void sb_answer_header(void *ctx, const char *name, const char *value)
{
	sb_answer *a = ctx;
	if (strcasecmp(name, "ETag") == 0 && strlen(value) < sizeof(a->etag))
		snprintf(a->etag, sizeof(a->etag), "%s", value);
}

static void sb_answer_done(void *ctx, const sb_http_result *res)
{
	((sb_answer *)ctx)->res = *res;
}

/* One request through the HTTP engine: GET (body NULL; with etag, a 304 is an answer too) or POST
 * text/plain. Returns SB_OK with the answer in *out (caller frees out->p; out->res.status is 2xx or
 * 304), or the engine's code (SB_ECONNECT, SB_ETIMEOUT, SB_EAUTH, SB_EHTTP, SB_ETRUNCATED,
 * SB_ECANCELED, ...) with err naming the URL, the cause and the start of the server's answer. */
static int sb_remote_call(sb_remote *r, const char *path, const char *body, size_t len,
			  const char *etag, sb_answer *out, sb_err *err)
{
	memset(out, 0, sizeof(*out));
	char *url = sb_xasprintf("%s%s", r->base, path);
	const char *headers[] = {r->auth, "Accept: application/json",
				 body != NULL ? "Content-Type: text/plain; charset=utf-8" : NULL,
				 NULL};
	sb_http_req req = {
		.url = url,
		.ctx = out,
		.method = body != NULL ? SB_HTTP_POST : SB_HTTP_GET,
		.body = body,
		.body_len = len,
		.headers = headers,
		.etag = etag,
		.on_start = sb_answer_start,
		.on_header = sb_answer_header,
		.on_data = sb_answer_data,
		.on_done = sb_answer_done,
	};
	out->res.code = SB_ENOMEM;
	int rc = sb_http_add(r->http, &req, NULL);
	if (rc == SB_OK)
		rc = sb_http_run(r->http);
	if (rc == SB_OK)
		rc = out->res.code;
	if (rc != SB_OK) {
		char *safe = sb_http_redact_url(url);
		sb_err_set(err, rc, "%s: %s%s%s", safe,
			   out->res.msg[0] != '\0' ? out->res.msg : sb_strerror(rc),
			   out->res.excerpt[0] != '\0' ? ": " : "", out->res.excerpt);
		free(safe);
		sb_free(out->p);
	}
	free(url);
	return rc;
}

/* ---- the central server as a sink of the trace loader ---- */

typedef struct sb_central_sink {
	sb_remote *r;
	size_t sent;
} sb_central_sink;

/* Appends one record as "<link>\t<trace line>\n", the line in the format of format/record.h. */
static void sb_central_line(char **buf, size_t *len, size_t *cap, const sb_rec_decl *d,
			    const sb_rec *rec)
{
	char *text = sb_rec_line(d, rec->ts, rec->v);
	char *line = sb_xasprintf("%" PRId64 "\t%s\n", rec->link, text);
	free(text);
	size_t n = strlen(line);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = sb_xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, line, n + 1);
	*len += n;
	free(line);
}

/* Sends the records in batches; SB_OK only when the server confirmed every line of every batch. */
static int sb_central_put(void *ctx, const sb_rec_decl *d, const sb_rec *recs, size_t n,
			  sb_err *err)
{
	sb_central_sink *cs = ctx;
	sb_remote *r = cs->r;
	char path[80];
	snprintf(path, sizeof(path), "/api/monitors/%lld/results", r->id);
	for (size_t i = 0; i < n;) {
		size_t k = n - i < SB_REMOTE_BATCH_LINES ? n - i : SB_REMOTE_BATCH_LINES;
		char *buf = NULL;
		size_t len = 0, cap = 0;
		for (size_t j = 0; j < k; j++)
			sb_central_line(&buf, &len, &cap, d, &recs[i + j]);
		sb_answer out;
		int rc = sb_remote_call(r, path, buf, len, NULL, &out, err);
		free(buf);
		if (rc != SB_OK)
			return rc;
		/* {"lines":k,"stored":s,"rejected":x,...}: every line was seen */
		long long lines = -1, stored = -1, rejected = -1;
		bson_t doc;
		bson_error_t be;
		if (out.p != NULL && bson_init_from_json(&doc, out.p, (ssize_t)out.len, &be)) {
			bson_iter_t it;
			if (bson_iter_init_find(&it, &doc, "lines") && BSON_ITER_HOLDS_NUMBER(&it))
				lines = bson_iter_as_int64(&it);
			if (bson_iter_init_find(&it, &doc, "stored") && BSON_ITER_HOLDS_NUMBER(&it))
				stored = bson_iter_as_int64(&it);
			if (bson_iter_init_find(&it, &doc, "rejected") &&
			    BSON_ITER_HOLDS_NUMBER(&it))
				rejected = bson_iter_as_int64(&it);
			bson_destroy(&doc);
		}
		free(out.p);
		if (lines != (long long)k || stored + rejected != (long long)k)
			return sb_err_set(err, SB_EHTTP,
					  "%s%s: the answer does not confirm the %zu lines sent",
					  r->base, path, k);
		if (rejected > 0)
			sb_log(SB_LOG_WARNING, "monitor",
			       "central: %lld of %zu %s result lines refused "
			       "(see the server's log)",
			       rejected, k, d->test);
		cs->sent += (size_t)stored;
		i += k;
	}
	return SB_OK;
}

/* ---- one round ---- */

/* Pulls monitor.json; writes it when it changed. */
static int sb_remote_pull(sb_remote *r, sb_err *err)
{
	char path[80];
	snprintf(path, sizeof(path), "/api/monitors/%lld/config", r->id);
	sb_answer out;
	int rc = sb_remote_call(r, path, NULL, 0, r->etag, &out, err);
	if (rc != SB_OK)
		return rc;
	if (out.res.status == 304) {
		free(out.p);
		return SB_OK;
	}
	if (out.p == NULL) {
		rc = sb_err_set(err, SB_EHTTP, "%s%s: HTTP %ld without a body", r->base, path,
				out.res.status);
		return rc;
	}
	char *old = NULL;
	size_t olen = 0;
	int same = sb_fs_read(r->config_path, SB_REMOTE_MAX_BODY, &old, &olen, NULL) == SB_OK &&
		   olen == out.len && memcmp(old, out.p, olen) == 0;
	free(old);
	if (!same) {
		rc = sb_fs_write_atomic(r->config_path, out.p, out.len, err);
		if (rc == SB_OK)
			sb_log(SB_LOG_INFO, "monitor",
			       "central: new config %s written to %s "
			       "(applied at the next check)",
			       out.etag, r->config_path);
	}
	if (rc == SB_OK)
		snprintf(r->etag, sizeof(r->etag), "%s", out.etag);
	free(out.p);
	return rc;
}

/* Pushes every complete trace line of the spool, through the trace loader. */
static int sb_remote_push(sb_remote *r, size_t *sent, sb_err *err)
{
	sb_central_sink cs = {.r = r};
	const sb_trace_sink sink = {.put = sb_central_put, .ctx = &cs};
	sb_trace_stats stats;
	int rc = sb_trace_load(r->s->data_dir, r->decls, &sink, 1, &stats, err);
	*sent = cs.sent;
	return rc;
}

static void sb_remote_round(sb_remote *r)
{
	sb_err err = {0};
	size_t sent = 0;
	int rc = sb_remote_pull(r, &err);
	if (rc == SB_OK)
		rc = sb_remote_push(r, &sent, &err);
	if (rc == SB_OK) {
		if (!r->last_ok)
			sb_log(SB_LOG_INFO, "monitor", "central: %s reached again", r->base);
		if (sent > 0)
			sb_log(SB_LOG_DEBUG, "monitor", "central: %zu results confirmed", sent);
		r->last_ok = 1;
	} else if (rc != SB_ECANCELED) {
		if (r->last_ok)
			sb_log(SB_LOG_WARNING, "monitor",
			       "central: %s (results stay in the spool; "
			       "retried every %g s)",
			       err.msg, r->interval);
		r->last_ok = 0;
	}
}

static void *sb_remote_main(void *arg)
{
	sb_remote *r = arg;
	while (!atomic_load(&r->stop)) {
		sb_remote_round(r);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + r->interval;
		ts.tv_sec = (time_t)until;
		ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
		pthread_mutex_lock(&r->mu);
		while (!atomic_load(&r->stop) &&
		       pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

/* ---- start and stop ---- */

/* A sync state from the settings (no thread): SB_OK with *out, NULL when not configured. */
static int sb_remote_new(const sb_settings *s, const char *config_path, sb_rec_set *decls,
			 sb_remote **out, sb_err *err)
{
	*out = NULL;
	const char *url = s->monitor_central_url; /* an http(s) URL: the settings checked it */
	if (url == NULL)
		return SB_OK;
	long long id = sb_remote_token_id(s->monitor_token);
	if (id < 0)
		return sb_err_set(err, SB_EINVAL,
				  "MONITOR_TOKEN: expected the token the dashboard issued "
				  "(sbm_<monitor id>_...)");
	double interval = s->monitor_sync_interval;
	double timeout = s->monitor_sync_timeout;
	sb_http_opts o;
	sb_http_opts_default(&o);
	o.parallel = 1;
	o.retries = 0; /* the next round is the retry */
	o.timeout_ms = (long)(timeout * 1000.0);
	o.connect_timeout_ms = o.timeout_ms < 10000 ? o.timeout_ms : 10000;
	o.follow_redirects = 0;
	o.http_only = 1;
	o.tls_verify = s->tls_verify;
	o.ca_bundle = s->ca_bundle;
	o.max_body = SB_REMOTE_MAX_BODY;
	sb_http *http = NULL;
	int rc = sb_http_new(&o, &http, err);
	if (rc != SB_OK)
		return rc;
	sb_remote *r = sb_xcalloc(1, sizeof(*r));
	r->http = http;
	r->s = s;
	r->decls = decls;
	r->config_path = config_path;
	r->base = sb_xstrdup(url);
	size_t n = strlen(r->base);
	while (n > 0 && r->base[n - 1] == '/')
		r->base[--n] = '\0';
	r->auth = sb_xasprintf("Authorization: Bearer %s", s->monitor_token);
	r->id = id;
	r->interval = interval;
	r->last_ok = 1;
	*out = r;
	return SB_OK;
}

static void sb_remote_free(sb_remote *r)
{
	sb_http_free(&r->http);
	memset(r->auth, 0, strlen(r->auth));
	free(r->auth);
	free(r->base);
	free(r);
}

void sb_remote_bootstrap(const sb_settings *s, const char *config_path)
{
	sb_remote *r = NULL;
	sb_err err = {0};
	if (sb_remote_new(s, config_path, NULL, &r, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "monitor", "%s", err.msg);
		return;
	}
	if (r == NULL)
		return;
	if (sb_remote_pull(r, &err) != SB_OK)
		sb_log(SB_LOG_WARNING, "monitor", "central: %s (starting with the local %s)",
		       err.msg, config_path);
	sb_remote_free(r);
}

int sb_remote_start(const sb_settings *s, const char *config_path, sb_rec_set *decls,
		    sb_remote **out, sb_err *err)
{
	sb_remote *r = NULL;
	*out = NULL;
	int rc = sb_remote_new(s, config_path, decls, &r, err);
	if (rc != SB_OK || r == NULL)
		return rc;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, sb_remote_main, r) != 0) {
		rc = sb_err_set(err, SB_EIO, "cannot start the sync thread: %s", strerror(errno));
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		sb_remote_free(r);
		return rc;
	}
	sb_log(SB_LOG_INFO, "monitor", "central: monitor %lld syncs with %s every %g s", r->id,
	       r->base, r->interval);
	*out = r;
	return SB_OK;
}

void sb_remote_stop(sb_remote **pr)
{
	sb_remote *r = *pr;
	if (r == NULL)
		return;
	sb_http_cancel(r->http); /* a transfer in flight ends now */
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->stop, 1);
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	sb_remote_free(r);
	*pr = NULL;
}
