/* monitor_remote.c - the monitor box's sync thread: monitor.json pulled, trace lines pushed. */
#include "config.h"

#include "monitor/monitor_remote.h"

#include <bson/bson.h>
#include <curl/curl.h>
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
#include "store/store_impl.h"

#define SB_REMOTE_MAX_BODY ((size_t)4 << 20)
#define SB_REMOTE_BATCH_LINES 5000

struct sb_remote {
	const sb_settings *s;
	const char *config_path;
	char *base; /* MONITOR_CENTRAL_URL without a trailing '/' */
	char *auth; /* "Authorization: Bearer <token>" */
	long long id;
	double interval;
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

typedef struct sb_body {
	char *p;
	size_t len;
	int over;
} sb_body;

static size_t sb_body_write(char *data, size_t size, size_t n, void *ctx)
{
	sb_body *b = ctx;
	size_t k = size * n;
	if (b->len + k > SB_REMOTE_MAX_BODY) {
		b->over = 1;
		return 0;
	}
	b->p = sb_xrealloc(b->p, b->len + k + 1);
	memcpy(b->p + b->len, data, k);
	b->len += k;
	b->p[b->len] = '\0';
	return k;
}

typedef struct sb_hdrs {
	char etag[64];
} sb_hdrs;

static size_t sb_header_line(char *data, size_t size, size_t n, void *ctx)
{
	sb_hdrs *h = ctx;
	size_t k = size * n;
	if (k > 6 && strncasecmp(data, "ETag:", 5) == 0) {
		const char *v = data + 5;
		while (*v == ' ')
			v++;
		size_t len = strcspn(v, "\r\n");
		if (len < sizeof(h->etag)) {
			memcpy(h->etag, v, len);
			h->etag[len] = '\0';
		}
	}
	return k;
}

static int sb_abort_check(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	const sb_remote *r = ctx;
	return atomic_load(&r->stop) ? 1 : 0;
}

/* One request: method GET (body NULL) or POST text/plain. Returns SB_OK with *status and the
 * answer in *out (caller frees out->p), or SB_ECONNECT / SB_ETIMEOUT / SB_ETLS / SB_ECANCELED. */
static int sb_remote_call(sb_remote *r, const char *path, const char *body, size_t len,
			  const char *if_none_match, long *status, sb_body *out, sb_hdrs *hdrs,
			  sb_err *err)
{
	memset(out, 0, sizeof(*out));
	CURL *c = curl_easy_init();
	if (c == NULL)
		return sb_err_set(err, SB_ENOMEM, "libcurl: no handle");
	char *url = sb_xasprintf("%s%s", r->base, path);
	struct curl_slist *h = curl_slist_append(NULL, r->auth);
	h = curl_slist_append(h, "Accept: application/json");
	char inm[100];
	if (if_none_match != NULL && *if_none_match != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", if_none_match);
		h = curl_slist_append(h, inm);
	}
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: text/plain; charset=utf-8");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sb_body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sb_header_line);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sb_abort_check);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->s->tls_verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->s->tls_verify ? 2L : 0L);
	if (r->s->ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, r->s->ca_bundle);
	CURLcode cc = curl_easy_perform(c);
	int rc = SB_OK;
	if (cc != CURLE_OK) {
		int code = cc == CURLE_OPERATION_TIMEDOUT    ? SB_ETIMEOUT
			   : cc == CURLE_ABORTED_BY_CALLBACK ? SB_ECANCELED
			   : cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR
				   ? SB_ETLS
				   : SB_ECONNECT;
		rc = sb_err_set(err, code, "%s%s: %s", r->base, path, curl_easy_strerror(cc));
		sb_free(out->p);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	return rc;
}

/* ---- the central server as the store of the trace loader ---- */

/* The store handed to sb_trace_load: its put_probe sends the rows as trace lines. */
typedef struct sb_central_store {
	sb_store head;
	sb_remote *r;
	size_t sent;
} sb_central_store;

static int sb_central_unsupported(sb_err *err)
{
	return sb_err_set(err, SB_EINVAL, "the central server only takes probe results");
}

static int sb_central_start(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	(void)st, (void)schemas, (void)n;
	return sb_central_unsupported(err);
}

static int sb_central_put_history(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
				  size_t n, sb_err *err)
{
	(void)st, (void)schema, (void)rows, (void)n;
	return sb_central_unsupported(err);
}

static int sb_central_put_summary(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err)
{
	(void)st, (void)rows, (void)n;
	return sb_central_unsupported(err);
}

static int sb_central_query_summary(sb_store *st, const char *layer, const char *name,
				    const char *from, const char *to, sb_summary_fn fn, void *ctx,
				    sb_err *err)
{
	(void)st, (void)layer, (void)name, (void)from, (void)to, (void)fn, (void)ctx;
	return sb_central_unsupported(err);
}

static int sb_central_query_history(sb_store *st, const sb_schema *schema, const char *name,
				    const char *type, const char *from, const char *to,
				    sb_history_fn fn, void *ctx, sb_err *err)
{
	(void)st, (void)schema, (void)name, (void)type, (void)from, (void)to, (void)fn, (void)ctx;
	return sb_central_unsupported(err);
}

static int sb_central_probes(sb_store *st, sb_err *err)
{
	(void)st;
	return sb_central_unsupported(err);
}

static int sb_central_query_probe(sb_store *st, sb_probe_kind kind, int64_t monitor, int64_t link,
				  int64_t from, int64_t to, sb_probe_fn fn, void *ctx, sb_err *err)
{
	(void)st, (void)kind, (void)monitor, (void)link, (void)from, (void)to, (void)fn, (void)ctx;
	return sb_central_unsupported(err);
}

static void sb_central_close(sb_store *st)
{
	(void)st; /* lives on the sync thread's stack */
}

/* Appends one row as "<link>\t<trace line>\n", the line as the monitor wrote it (trace.h). */
static void sb_central_line(char **buf, size_t *len, size_t *cap, sb_probe_kind kind,
			    const sb_probe_row *row)
{
	char stamp[32];
	sb_trace_stamp(row->ts, stamp);
	char *line;
	if (kind == SB_PROBE_PING)
		line = sb_xasprintf("%" PRId64 "\t%s\tping\t%s\t%.17g\t%.17g\t%" PRId64 "\t%" PRId64
				    "\n",
				    row->link, stamp, row->target, row->rtt, row->loss, row->sent,
				    row->received);
	else if (kind == SB_PROBE_HTTP)
		line = sb_xasprintf("%" PRId64 "\t%s\thttp\t%s\t%" PRId64 "\t%.17g\t%s\n",
				    row->link, stamp, row->target, row->status, row->rtt,
				    row->error != NULL ? row->error : "");
	else
		line = sb_xasprintf("%" PRId64 "\t%s\ttrace\t%s\t%s\n", row->link, stamp,
				    row->target, row->hops != NULL ? row->hops : "[]");
	size_t n = strlen(line);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = sb_xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, line, n + 1);
	*len += n;
	free(line);
}

/* Sends rows in batches; SB_OK only when the server confirmed every line of every batch. */
static int sb_central_put_probe(sb_store *st, sb_probe_kind kind, const sb_probe_row *rows,
				size_t n, sb_err *err)
{
	sb_central_store *cs = (sb_central_store *)(void *)st;
	sb_remote *r = cs->r;
	char path[80];
	snprintf(path, sizeof(path), "/api/monitors/%lld/results", r->id);
	for (size_t i = 0; i < n;) {
		size_t k = n - i < SB_REMOTE_BATCH_LINES ? n - i : SB_REMOTE_BATCH_LINES;
		char *buf = NULL;
		size_t len = 0, cap = 0;
		for (size_t j = 0; j < k; j++)
			sb_central_line(&buf, &len, &cap, kind, &rows[i + j]);
		long status = 0;
		sb_body out;
		sb_hdrs hdrs = {""};
		int rc = sb_remote_call(r, path, buf, len, NULL, &status, &out, &hdrs, err);
		free(buf);
		if (rc != SB_OK)
			return rc;
		if (status != 200) {
			rc = sb_err_set(err, status == 401 || status == 403 ? SB_EAUTH : SB_EHTTP,
					"%s%s: HTTP %ld: %.200s", r->base, path, status,
					out.p != NULL ? out.p : "");
			free(out.p);
			return rc;
		}
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
			       "central: %lld of %zu result lines refused "
			       "(see the server's log)",
			       rejected, k);
		cs->sent += (size_t)stored;
		i += k;
	}
	return SB_OK;
}

static const sb_store_ops sb_central_ops = {
	.name = "central",
	.start = sb_central_start,
	.drop = sb_central_start,
	.put_history = sb_central_put_history,
	.put_summary = sb_central_put_summary,
	.query_summary = sb_central_query_summary,
	.query_history = sb_central_query_history,
	.start_probes = sb_central_probes,
	.drop_probes = sb_central_probes,
	.put_probe = sb_central_put_probe,
	.query_probe = sb_central_query_probe,
	.close = sb_central_close,
};

/* ---- one round ---- */

/* Pulls monitor.json; writes it when it changed. */
static int sb_remote_pull(sb_remote *r, sb_err *err)
{
	char path[80];
	snprintf(path, sizeof(path), "/api/monitors/%lld/config", r->id);
	long status = 0;
	sb_body out;
	sb_hdrs hdrs = {""};
	int rc = sb_remote_call(r, path, NULL, 0, r->etag, &status, &out, &hdrs, err);
	if (rc != SB_OK)
		return rc;
	if (status == 304) {
		free(out.p);
		return SB_OK;
	}
	if (status != 200 || out.p == NULL) {
		rc = sb_err_set(err, status == 401 ? SB_EAUTH : SB_EHTTP, "%s%s: HTTP %ld: %.200s",
				r->base, path, status, out.p != NULL ? out.p : "");
		free(out.p);
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
			       hdrs.etag, r->config_path);
	}
	if (rc == SB_OK)
		snprintf(r->etag, sizeof(r->etag), "%s", hdrs.etag);
	free(out.p);
	return rc;
}

/* Pushes every complete trace line of the spool, through the trace loader. */
static int sb_remote_push(sb_remote *r, size_t *sent, sb_err *err)
{
	sb_central_store cs = {.head = {.ops = &sb_central_ops}, .r = r};
	sb_trace_stats stats;
	int rc = sb_trace_load(r->s->data_dir, &cs.head, 1, &stats, err);
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
static int sb_remote_new(const sb_settings *s, const char *config_path, sb_remote **out,
			 sb_err *err)
{
	*out = NULL;
	const char *url = sb_settings_get(s, "MONITOR_CENTRAL_URL");
	if (url == NULL || *url == '\0')
		return SB_OK;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return sb_err_set(err, SB_EINVAL,
				  "MONITOR_CENTRAL_URL=%s: expected http://HOST[:PORT] "
				  "or https://...",
				  url);
	const char *token = sb_settings_get(s, "MONITOR_TOKEN");
	long long id = sb_remote_token_id(token);
	if (id < 0)
		return sb_err_set(err, SB_EINVAL,
				  "MONITOR_TOKEN: expected the token the dashboard issued "
				  "(sbm_<monitor id>_...)");
	double interval = 10;
	const char *iv = sb_settings_get(s, "MONITOR_SYNC_INTERVAL");
	if (iv != NULL &&
	    (sb_parse_double(iv, &interval) != SB_OK || interval < 0.1 || interval > 86400))
		return sb_err_set(err, SB_EINVAL,
				  "MONITOR_SYNC_INTERVAL=%s: expected seconds from 0.1 "
				  "to 86400",
				  iv);
	sb_remote *r = sb_xcalloc(1, sizeof(*r));
	r->s = s;
	r->config_path = config_path;
	r->base = sb_xstrdup(url);
	size_t n = strlen(r->base);
	while (n > 0 && r->base[n - 1] == '/')
		r->base[--n] = '\0';
	r->auth = sb_xasprintf("Authorization: Bearer %s", token);
	r->id = id;
	r->interval = interval;
	r->last_ok = 1;
	*out = r;
	return SB_OK;
}

static void sb_remote_free(sb_remote *r)
{
	memset(r->auth, 0, strlen(r->auth));
	free(r->auth);
	free(r->base);
	free(r);
}

void sb_remote_bootstrap(const sb_settings *s, const char *config_path)
{
	sb_remote *r = NULL;
	sb_err err = {0};
	if (sb_remote_new(s, config_path, &r, &err) != SB_OK) {
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

int sb_remote_start(const sb_settings *s, const char *config_path, sb_remote **out, sb_err *err)
{
	sb_remote *r = NULL;
	*out = NULL;
	int rc = sb_remote_new(s, config_path, &r, err);
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
