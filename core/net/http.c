/* http.c - the HTTP engine: a queue of requests run over libcurl multi, at most `parallel` in flight
 * (`streams` to a server that multiplexes), driven by sb_http_run or by an event loop. The only file
 * that calls libcurl. */
#include "config.h"

#include "net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "net/http1.h"

#define SB_HTTP_USER_AGENT "scanbackup/" PACKAGE_VERSION
#define SB_HTTP_MAX_REDIRS 5L
#define SB_HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)
/* A non-2xx body is read and dropped up to this many bytes, so that its connection can be reused;
 * a longer one is cut off (the request fails on its status either way). */
#define SB_HTTP_DISCARD_MAX ((size_t)64 << 10)
/* After on_data asked to stop, the rest of an HTTP/1.x body up to this many bytes is read and
 * dropped, so that the connection stays open for the next request; a longer rest is cut off (and
 * the connection with it). Over HTTP/2 only the stream is reset: the connection stays anyway. */
#define SB_HTTP_DRAIN_MAX ((size_t)256 << 10)
/* The longest wait between two attempts, whatever backoff_ms and the attempt number say. */
#define SB_HTTP_MAX_BACKOFF_MS (3600L * 1000L)
/* The longest wait of sb_http_run's loop when nothing else bounds it. */
#define SB_HTTP_POLL_MS 1000

typedef struct sb_http_slot sb_http_slot;
typedef struct sb_http_pipe sb_http_pipe;
static void sb_http_pipes_new(sb_http *h);

#define SB_HTTP_ORIGIN_MAX 300

/* A set of origins, "scheme://host:port" as sb_http_url_origin writes them. */
struct sb_http_origins {
	char (*v)[SB_HTTP_ORIGIN_MAX];
	size_t n;
};

static void sb_http_origins_put(sb_http_origins *o, const char *url);
static int sb_http_origins_hold(const sb_http_origins *o, const char *origin);

/* A request in the queue, waiting for a retry, or in flight. It is all a queued request costs, so
 * it stays small: the copy of the caller's request and the URL in the same allocation, and the
 * request's header lines. */
struct sb_http_job {
	struct sb_http_job *next;
	sb_http_req req; /* req.url and req.range point to url below; headers and etag are NULL */
	int has_etag;    /* req.etag was set: a 304 is a success */
	struct curl_slist *headers; /* the request's header lines, NULL if none */
	sb_http_slot *slot;         /* the transfer running it, NULL while queued or waiting */
	int64_t t0_ms;              /* start of the first attempt */
	int64_t due_ms;             /* when a waiting retry may start */
	int attempts;               /* attempts started */
	int mux;                    /* its origin is known to multiplex (checked when it started) */
	sb_http_pipe *pipe; /* the pipelined connection its request was written on, NULL if none */
	int no_pipe;        /* goes the usual way: a pipe gave it back, or it cannot be pipelined */
	int dropped;        /* sb_http_drop while on a pipe: its answer is read and dropped */
	int64_t sent_ms;    /* when a pipe took it */
	/* Its request as a pipe writes it, then a NUL and its origin; made when a pipe is first
	 * sought for it (NULL before) and kept while it waits for room. */
	char *pipe_text;
	size_t pipe_len; /* of the request alone */
	char url[];
};

/* What the answer being read (by a transfer or on a pipe) has come to. */
typedef struct sb_http_answer {
	int stopped;                         /* on_data returned 1 */
	int too_big;                         /* the body went over max_body */
	int consumer_rc;                     /* negative SB_ code returned by on_data, else 0 */
	size_t bytes;                        /* body bytes handed to on_data */
	int64_t cr_first, cr_last, cr_total; /* the answer's Content-Range, -1 when none */
	size_t excerpt_len;
	char excerpt[160]; /* the start of a non-2xx body */
} sb_http_answer;

/* One transfer in flight: an easy handle (kept and reused, so the connection and DNS caches of the
 * multi handle serve the next request) and the state of the current attempt. */
struct sb_http_slot {
	sb_http *h;
	CURL *easy;
	sb_http_job *job; /* NULL while idle */
	sb_http_answer ans;
	int encoded;     /* the answer has a Content-Encoding: its length is not the body's */
	size_t received; /* body bytes curl delivered, dropped ones included */
	size_t drained;  /* body bytes read and dropped after on_data asked to stop */
	char errbuf[CURL_ERROR_SIZE];
};

struct sb_http {
	sb_http_opts opts; /* strings point to the copies below */
	char *user;
	char *password;
	char *ca_bundle;
	char *user_agent;
	CURLM *multi;
	sb_http_slot *slots; /* nslots of them: opts.parallel, or opts.streams when more */
	sb_http_slot **idle; /* stack of slots without a job */
	long nslots;
	long nidle;
	long active; /* slots with a job attached to the multi handle */
	/* The origins a transfer ended with over HTTP/2 (or later): requests to them may have up to
	 * nslots in flight, the others opts.parallel. Unused when nslots is opts.parallel. */
	sb_http_origins mux;
	sb_http_job *queue_head;
	sb_http_job *queue_tail;
	sb_http_job *wait_head; /* retries waiting for their backoff, earliest due first */
	sb_http_job *wait_tail;
	int running; /* inside sb_http_run */
	atomic_int cancelled;
	/* Without a loop of the caller's: the engine's own, which sb_http_run turns, and an eventfd
	 * that sb_http_cancel writes to wake it (from any thread). */
	sb_loop *own_loop;
	int wake_fd;
	sb_watch *wake_watch;
	/* On a loop: */
	int busy;              /* inside libcurl or starting transfers: no kick needed */
	sb_timer *curl_timer;  /* the timeout libcurl asked for */
	sb_timer *kick_timer;  /* starts what sb_http_add queued, from the loop */
	sb_timer *retry_timer; /* the first waiting retry is due */
	/* HTTP/1.1 pipelining (opts.pipeline > 1): opts.parallel pipes, the jobs on them, the
	 * origins no longer pipelined to, pipes lost in a row without an answer, the Basic
	 * credentials' header line, and the timer that looks for pipes without progress. */
	sb_http_pipe *pipes;
	long pipe_jobs;
	sb_http_origins nopipe;
	int pipe_losses;
	char *auth;
	sb_timer *pipe_timer;
	sb_http_pipe_stats pipe_stats;
};

void sb_http_opts_default(sb_http_opts *o)
{
	*o = (sb_http_opts){
		.parallel = 32,
		.streams = 0,
		.pipeline = 1,
		.connect_timeout_ms = 10000,
		.timeout_ms = 60000,
		.retries = 2,
		.backoff_ms = 500,
		.user = NULL,
		.password = NULL,
		.tls_verify = 1,
		.ca_bundle = NULL,
		.max_body = 0,
		.follow_redirects = 1,
		.fresh_connect = 0,
		.http_only = 0,
		.user_agent = NULL,
		.loop = NULL,
	};
}

void sb_http_opts_settings(sb_http_opts *o, const sb_settings *s)
{
	sb_http_opts_default(o);
	o->parallel = s->parallel;
	o->connect_timeout_ms = s->connect_timeout * 1000;
	o->timeout_ms = s->timeout * 1000;
	o->retries = s->retries;
	o->tls_verify = s->tls_verify;
	o->ca_bundle = s->ca_bundle;
}

static int64_t sb_http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Overwrites a secret before its memory is freed, in a way the compiler may not drop. */
static void sb_http_wipe(char *s)
{
	if (s != NULL)
		sodium_memzero(s, strlen(s));
}

/* Finds the userinfo ("user:password") of url: sets *start and *len and returns 1, or returns 0. */
static int sb_http_userinfo(const char *url, size_t *start, size_t *len)
{
	const char *sep = strstr(url, "://");
	if (sep == NULL)
		return 0;
	const char *auth = sep + 3;
	size_t auth_len = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < auth_len; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (at == NULL)
		return 0;
	*start = (size_t)(auth - url);
	*len = (size_t)(at - auth);
	return 1;
}

char *sb_http_redact_url(const char *url)
{
	size_t start = 0;
	size_t len = 0;
	if (!sb_http_userinfo(url, &start, &len))
		return sb_xstrdup(url);
	/* Drop the userinfo and its '@'. */
	size_t total = strlen(url);
	char *out = sb_xmalloc(total - len);
	memcpy(out, url, start);
	memcpy(out + start, url + start + len + 1, total - start - len);
	return out;
}

/* Replaces every occurrence of secret in msg, a string in a buffer of size bytes, with "***". */
static void sb_http_scrub(char *msg, size_t size, const char *secret)
{
	size_t secret_len = strlen(secret);
	if (secret_len == 0 || strstr(msg, secret) == NULL)
		return;
	char *out = sb_xmalloc(size);
	size_t o = 0;
	const char *p = msg;
	while (*p != '\0' && o + 1 < size) {
		if (strncmp(p, secret, secret_len) == 0) {
			for (int i = 0; i < 3 && o + 1 < size; i++)
				out[o++] = '*';
			p += secret_len;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	memcpy(msg, out, o + 1);
	free(out);
}

/* Removes the engine's password and any password written in url from msg. */
static void sb_http_scrub_msg(const sb_http *h, const char *url, char *msg, size_t size)
{
	if (h->password != NULL)
		sb_http_scrub(msg, size, h->password);
	size_t start = 0;
	size_t len = 0;
	if (!sb_http_userinfo(url, &start, &len))
		return;
	const char *info = url + start;
	const char *colon = memchr(info, ':', len);
	if (colon == NULL)
		return;
	char *secret = sb_xstrndup(colon + 1, len - (size_t)(colon + 1 - info));
	sb_http_scrub(msg, size, secret);
	sb_http_wipe(secret);
	free(secret);
}

static const char *sb_http_reason(long status)
{
	static const struct {
		long status;
		const char *text;
	} reasons[] = {
		{300, "Multiple Choices"},
		{301, "Moved Permanently"},
		{302, "Found"},
		{303, "See Other"},
		{304, "Not Modified"},
		{307, "Temporary Redirect"},
		{308, "Permanent Redirect"},
		{400, "Bad Request"},
		{401, "Unauthorized"},
		{403, "Forbidden"},
		{404, "Not Found"},
		{405, "Method Not Allowed"},
		{407, "Proxy Authentication Required"},
		{408, "Request Timeout"},
		{410, "Gone"},
		{413, "Content Too Large"},
		{429, "Too Many Requests"},
		{500, "Internal Server Error"},
		{501, "Not Implemented"},
		{502, "Bad Gateway"},
		{503, "Service Unavailable"},
		{504, "Gateway Timeout"},
	};
	for (size_t i = 0; i < SB_ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "";
}

/* Whether to read the rest of a body whose reader asked to stop (and drop it), rather than cut
 * the transfer: over HTTP/1.x cutting closes the connection, so a rest of at most
 * SB_HTTP_DRAIN_MAX bytes is read (an unknown rest is read up to that many bytes, then cut). Over
 * HTTP/2 and HTTP/3 a cut resets the stream alone. */
static int sb_http_drain_rest(sb_http_slot *s)
{
	long version = 0;
	curl_easy_getinfo(s->easy, CURLINFO_HTTP_VERSION, &version);
	if (version != CURL_HTTP_VERSION_1_0 && version != CURL_HTTP_VERSION_1_1)
		return 0; /* file://, HTTP/2, HTTP/3 */
	curl_off_t length = -1;
	curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
	if (length >= 0 && !s->encoded && (size_t)length > s->received &&
	    (size_t)length - s->received > SB_HTTP_DRAIN_MAX)
		return 0;
	return 1;
}

static void sb_http_answer_reset(sb_http_answer *a)
{
	a->stopped = a->too_big = a->consumer_rc = 0;
	a->bytes = 0;
	a->cr_first = a->cr_last = a->cr_total = -1;
	a->excerpt_len = 0;
	a->excerpt[0] = '\0';
}

/* Keeps the start of a non-2xx body, on one line. */
static void sb_http_answer_excerpt(sb_http_answer *a, const char *buf, size_t len)
{
	for (size_t i = 0; i < len && a->excerpt_len + 1 < sizeof(a->excerpt); i++) {
		unsigned char c = (unsigned char)buf[i];
		a->excerpt[a->excerpt_len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	a->excerpt[a->excerpt_len] = '\0';
}

/* Hands a piece of a 2xx body to req's reader, unless the answer is over for it (the reader asked
 * to stop or refused the body, or the body went over max_body). */
static void sb_http_answer_feed(sb_http_answer *a, const sb_http_req *req, size_t max_body,
				const char *buf, size_t len)
{
	if (a->stopped || a->too_big || a->consumer_rc < 0)
		return;
	if (len > max_body - a->bytes) {
		a->too_big = 1;
		return;
	}
	int rc = req->on_data != NULL ? req->on_data(req->ctx, buf, len) : 0;
	if (rc < 0) {
		a->consumer_rc = rc;
		return;
	}
	a->bytes += len;
	if (rc > 0)
		a->stopped = 1;
}

static void sb_http_msg(sb_http_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets res's code when the reader refused the body or it went over max_body; returns 1 then. */
static int sb_http_answer_failed(const sb_http_answer *a, size_t max_body, sb_http_result *res)
{
	if (a->consumer_rc < 0) {
		res->code = a->consumer_rc;
		sb_http_msg(res, "body refused by its reader: %s", sb_strerror(a->consumer_rc));
		return 1;
	}
	if (a->too_big) {
		res->code = SB_ETOOBIG;
		sb_http_msg(res, "body larger than %zu bytes", max_body);
		return 1;
	}
	return 0;
}

/* Copies what the answer came to into res, once res->code is set. */
static void sb_http_answer_fill(const sb_http_answer *a, sb_http_result *res)
{
	res->stopped = a->stopped;
	res->bytes = a->bytes;
	res->range_first = a->cr_first;
	res->range_last = a->cr_last;
	res->range_total = a->cr_total;
	if (res->code != SB_OK)
		memcpy(res->excerpt, a->excerpt, a->excerpt_len + 1);
}

/* The write callback: hands a 2xx (or file://) body to on_data, drops any other. Returning less
 * than len makes curl end the transfer with CURLE_WRITE_ERROR; the slot says why. */
static size_t sb_http_on_body(char *buf, size_t size, size_t nmemb, void *userdata)
{
	sb_http_slot *s = userdata;
	sb_http_answer *a = &s->ans;
	size_t len = size * nmemb;
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	s->received += len;
	if (status != 0 && (status < 200 || status > 299)) {
		sb_http_answer_excerpt(a, buf, len);
		return s->received <= SB_HTTP_DISCARD_MAX ? len : 0;
	}
	if (a->stopped) {
		s->drained += len;
		return s->drained <= SB_HTTP_DRAIN_MAX ? len : 0;
	}
	sb_http_answer_feed(a, &s->job->req, s->h->opts.max_body, buf, len);
	if (a->too_big || a->consumer_rc < 0)
		return 0;
	if (a->stopped)
		return sb_http_drain_rest(s) ? len : 0;
	return len;
}

/* The header callback: notes the answer's Content-Range and Content-Encoding, and hands each
 * "Name: value" line to on_header. */
static size_t sb_http_on_header_line(char *buf, size_t size, size_t nmemb, void *userdata)
{
	sb_http_slot *s = userdata;
	size_t len = size * nmemb;
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) { /* a new answer (after a redirect, a 1xx) */
		s->encoded = 0;
		s->ans.cr_first = s->ans.cr_last = s->ans.cr_total = -1;
		return len;
	}
	if (len > 17 && strncasecmp(buf, "Content-Encoding:", 17) == 0) {
		const char *v = buf + 17;
		while (v < buf + len && (*v == ' ' || *v == '\t'))
			v++;
		s->encoded = (size_t)(buf + len - v) >= 8 && strncasecmp(v, "identity", 8) != 0;
	} else if (len > 14 && strncasecmp(buf, "Content-Range:", 14) == 0) {
		sb_http1_content_range(buf + 14, len - 14, &s->ans.cr_first, &s->ans.cr_last,
				       &s->ans.cr_total);
	}
	if (s->job == NULL || s->job->req.on_header == NULL)
		return len;
	const char *colon = memchr(buf, ':', len);
	if (colon == NULL || colon == buf)
		return len; /* a status line or the blank line ending the headers */
	char *line = sb_xstrndup(buf, len);
	char *name = line;
	char *value = line + (colon - buf) + 1;
	value[-1] = '\0';
	size_t n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		name[--n] = '\0';
	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n > 0 && (value[n - 1] == '\r' || value[n - 1] == '\n' || value[n - 1] == ' ' ||
			 value[n - 1] == '\t'))
		value[--n] = '\0';
	s->job->req.on_header(s->job->req.ctx, name, value);
	free(line);
	return len;
}

/* Creates the slot's easy handle with every option that does not change between requests. */
static int sb_http_easy_new(sb_http *h, sb_http_slot *s, sb_err *err)
{
	CURL *e = curl_easy_init();
	if (e == NULL)
		return sb_err_set(err, SB_ENOMEM, "cannot create a curl handle");
	CURLcode rc = CURLE_OK;
	const char *failed = NULL;
#define SB_HTTP_SET(opt, val)                                                                      \
	do {                                                                                       \
		CURLcode c_ = curl_easy_setopt(e, opt, val);                                       \
		if (rc == CURLE_OK && c_ != CURLE_OK) {                                            \
			rc = c_;                                                                   \
			failed = #opt;                                                             \
		}                                                                                  \
	} while (0)
	SB_HTTP_SET(CURLOPT_PRIVATE, s);
	SB_HTTP_SET(CURLOPT_NOSIGNAL, 1L);
	SB_HTTP_SET(CURLOPT_ERRORBUFFER, s->errbuf);
	SB_HTTP_SET(CURLOPT_WRITEFUNCTION, sb_http_on_body);
	SB_HTTP_SET(CURLOPT_WRITEDATA, s);
	SB_HTTP_SET(CURLOPT_HEADERFUNCTION, sb_http_on_header_line);
	SB_HTTP_SET(CURLOPT_HEADERDATA, s);
	SB_HTTP_SET(CURLOPT_USERAGENT, h->user_agent);
#if LIBCURL_VERSION_NUM >= 0x075500
	SB_HTTP_SET(CURLOPT_PROTOCOLS_STR, h->opts.http_only ? "http,https" : "http,https,file");
	SB_HTTP_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SB_HTTP_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS |
					      (h->opts.http_only ? 0 : CURLPROTO_FILE)));
	SB_HTTP_SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SB_HTTP_SET(CURLOPT_FOLLOWLOCATION, h->opts.follow_redirects ? 1L : 0L);
	SB_HTTP_SET(CURLOPT_MAXREDIRS, SB_HTTP_MAX_REDIRS);
	if (h->opts.fresh_connect) {
		SB_HTTP_SET(CURLOPT_FRESH_CONNECT, 1L);
		SB_HTTP_SET(CURLOPT_FORBID_REUSE, 1L);
	}
	SB_HTTP_SET(CURLOPT_ACCEPT_ENCODING, "");
	SB_HTTP_SET(CURLOPT_CONNECTTIMEOUT_MS, h->opts.connect_timeout_ms);
	SB_HTTP_SET(CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
	SB_HTTP_SET(CURLOPT_TCP_KEEPALIVE, 1L);
	/* No CURLOPT_PIPEWAIT: libcurl (7.88) parks a transfer that waits for a connection able to
	 * multiplex while the server's HTTP version is unknown or while another connection to it is
	 * still being set up, wakes parked transfers one at a time only when some transfer ends, and
	 * counts the parked time against CURLOPT_TIMEOUT_MS. Behind one slow answer, the parked
	 * requests then time out without having been sent. Without it, the first transfers to a
	 * server each open a connection; once one has HTTP/2, the later ones share it. */
	SB_HTTP_SET(CURLOPT_SSL_VERIFYPEER, h->opts.tls_verify ? 1L : 0L);
	SB_HTTP_SET(CURLOPT_SSL_VERIFYHOST, h->opts.tls_verify ? 2L : 0L);
	if (h->ca_bundle != NULL)
		SB_HTTP_SET(CURLOPT_CAINFO, h->ca_bundle);
	if (h->user != NULL) {
		SB_HTTP_SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SB_HTTP_SET(CURLOPT_USERNAME, h->user);
		SB_HTTP_SET(CURLOPT_PASSWORD, h->password != NULL ? h->password : "");
	}
#undef SB_HTTP_SET
	/* HTTP/2 is a preference: a libcurl built without it still speaks HTTP/1.1. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		return sb_err_set(err, rc == CURLE_OUT_OF_MEMORY ? SB_ENOMEM : SB_EINVAL,
				  "libcurl refused %s: %s", failed, curl_easy_strerror(rc));
	}
	s->easy = e;
	return SB_OK;
}

int sb_http_global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc == CURLE_OK)
		return SB_OK;
	return rc == CURLE_OUT_OF_MEMORY ? SB_ENOMEM : SB_EIO;
}

void sb_http_global_cleanup(void)
{
	curl_global_cleanup();
}

static int sb_http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp);
static int sb_http_timer_cb(CURLM *multi, long timeout_ms, void *userp);
static void sb_http_kicked(void *arg);

static void sb_http_woken(int fd, unsigned events, void *arg)
{
	uint64_t n;
	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		sb_log(SB_LOG_WARNING, "http", "the engine's wake-up: %s", strerror(errno));
}

/* The engine's own loop, for sb_http_run, and the eventfd that wakes it. */
static int sb_http_own_loop(sb_http *h, sb_err *err)
{
	int rc = sb_loop_new(&h->own_loop, err);
	if (rc != SB_OK)
		return rc;
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->wake_fd < 0)
		return sb_err_set(err, SB_EIO, "http: cannot make an eventfd: %s", strerror(errno));
	h->wake_watch = sb_loop_watch(h->own_loop, h->wake_fd, EPOLLIN, sb_http_woken, h, err);
	if (h->wake_watch == NULL)
		return err->code != SB_OK ? err->code : SB_EIO;
	h->opts.loop = h->own_loop;
	return SB_OK;
}

int sb_http_new(const sb_http_opts *opts, sb_http **out, sb_err *err)
{
	*out = NULL;
	sb_http_opts o;
	if (opts != NULL)
		o = *opts;
	else
		sb_http_opts_default(&o);
	if (o.parallel < 1 || o.parallel > 100000)
		return sb_err_set(err, SB_EINVAL, "http: parallel must be 1 to 100000, not %ld",
				  o.parallel);
	if (o.streams < 0 || o.streams > 100000)
		return sb_err_set(err, SB_EINVAL, "http: streams must be 0 to 100000, not %ld",
				  o.streams);
	if (o.pipeline < 1 || o.pipeline > 1000)
		return sb_err_set(err, SB_EINVAL, "http: pipeline must be 1 to 1000, not %ld",
				  o.pipeline);
	if (o.connect_timeout_ms < 0 || o.timeout_ms < 0)
		return sb_err_set(err, SB_EINVAL, "http: timeouts must not be negative");
	if (o.retries < 0 || o.retries > 100)
		return sb_err_set(err, SB_EINVAL, "http: retries must be 0 to 100, not %ld",
				  o.retries);
	if (o.backoff_ms < 0)
		return sb_err_set(err, SB_EINVAL, "http: backoff_ms must not be negative");
	if (o.max_body == 0)
		o.max_body = SB_HTTP_DEFAULT_MAX_BODY;

	sb_http *h = sb_xcalloc(1, sizeof(*h));
	h->wake_fd = -1;
	h->user = o.user != NULL ? sb_xstrdup(o.user) : NULL;
	h->password = o.password != NULL ? sb_xstrdup(o.password) : NULL;
	h->ca_bundle = o.ca_bundle != NULL ? sb_xstrdup(o.ca_bundle) : NULL;
	h->user_agent = sb_xstrdup(o.user_agent != NULL ? o.user_agent : SB_HTTP_USER_AGENT);
	o.user = h->user;
	o.password = h->password;
	o.ca_bundle = h->ca_bundle;
	o.user_agent = h->user_agent;
	h->opts = o;
	atomic_init(&h->cancelled, 0);
	h->nslots = o.streams > o.parallel ? o.streams : o.parallel;
	h->slots = sb_xcalloc((size_t)h->nslots, sizeof(*h->slots));
	h->idle = sb_xcalloc((size_t)h->nslots, sizeof(*h->idle));
	for (long i = h->nslots - 1; i >= 0; i--) {
		h->slots[i].h = h;
		h->idle[h->nidle++] = &h->slots[i];
	}
	if (o.pipeline > 1)
		sb_http_pipes_new(h);
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		sb_http_free(&h);
		return sb_err_set(err, SB_ENOMEM, "http: cannot create a curl multi handle");
	}
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, o.parallel);
	if (h->nslots > o.parallel) {
		/* More transfers than connections: those past parallel share the connections open
		 * (libcurl 7.88 picks an idle one first, else the first with a stream free, and
		 * allows 100 streams on one unless told more). The cap makes a transfer wait inside
		 * libcurl, rather than connect, should none have room: with a server that allows
		 * fewer streams than that on its connections (nginx: 128), and that wait counts
		 * against the transfer's timeout. */
		curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o.parallel);
		curl_multi_setopt(h->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, h->nslots);
	}
	if (h->opts.loop == NULL) {
		/* sb_http_run turns a loop of the engine's own: libcurl's socket interface on epoll
		 * costs a few system calls per event, where its poll interface walks every socket
		 * in flight at every turn */
		int rc = sb_http_own_loop(h, err);
		if (rc != SB_OK) {
			sb_http_free(&h);
			return rc;
		}
	}
	if (h->opts.loop != NULL) {
		curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sb_http_socket_cb);
		curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
		curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, sb_http_timer_cb);
		curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	}
	/* One handle now, so that options libcurl refuses are reported here rather than per request;
	 * the others are made when first needed. */
	int rc = sb_http_easy_new(h, &h->slots[0], err);
	if (rc != SB_OK) {
		sb_http_free(&h);
		return rc;
	}
	*out = h;
	return SB_OK;
}

static void sb_http_job_free(sb_http_job *job)
{
	curl_slist_free_all(job->headers);
	free(job->pipe_text);
	free(job);
}

/* Appends line to *list; returns 0 when out of memory (the list is then freed). */
static int sb_http_header_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);
	if (l == NULL) {
		curl_slist_free_all(*list);
		*list = NULL;
		return 0;
	}
	*list = l;
	return 1;
}

int sb_http_add(sb_http *h, const sb_http_req *req, sb_http_job **out)
{
	if (out != NULL)
		*out = NULL;
	if (req->url == NULL || req->on_done == NULL ||
	    (req->method == SB_HTTP_POST && req->body == NULL) || req->timeout_ms < 0)
		return SB_EINVAL;
	size_t len = strlen(req->url);
	size_t rlen = req->range != NULL ? strlen(req->range) + 1 : 0;
	sb_http_job *job = malloc(sizeof(*job) + len + 1 + rlen);
	if (job == NULL)
		return SB_ENOMEM;
	memset(job, 0, sizeof(*job));
	memcpy(job->url, req->url, len + 1);
	job->req = *req;
	job->req.url = job->url;
	if (rlen > 0) {
		memcpy(job->url + len + 1, req->range, rlen);
		job->req.range = job->url + len + 1;
	}
	job->req.headers = NULL;
	job->req.etag = NULL;
	int ok = 1;
	for (size_t i = 0; ok && req->headers != NULL && req->headers[i] != NULL; i++)
		ok = sb_http_header_add(&job->headers, req->headers[i]);
	if (ok && req->etag != NULL && *req->etag != '\0') {
		char *line = sb_xasprintf("If-None-Match: %s", req->etag);
		ok = sb_http_header_add(&job->headers, line);
		free(line);
		job->has_etag = 1;
	}
	if (!ok) {
		free(job);
		return SB_ENOMEM;
	}
	if (h->queue_tail != NULL)
		h->queue_tail->next = job;
	else
		h->queue_head = job;
	h->queue_tail = job;
	if (out != NULL)
		*out = job;
	if (h->opts.loop != NULL && !h->busy && h->kick_timer == NULL)
		h->kick_timer = sb_loop_timer(h->opts.loop, sb_time_mono(), sb_http_kicked, h);
	return SB_OK;
}

/* Writes the cause of a failure into res->msg, cut to fit. */
static void sb_http_msg(sb_http_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

/* Reports the end of a request to its owner and frees it. */
static void sb_http_finish(sb_http *h, sb_http_job *job, sb_http_result *res)
{
	res->attempts = job->attempts;
	res->seconds = job->attempts > 0 ? (double)(sb_http_now_ms() - job->t0_ms) / 1000.0 : 0.0;
	if (res->code != SB_OK) {
		sb_http_scrub_msg(h, job->url, res->msg, sizeof(res->msg));
		sb_http_scrub_msg(h, job->url, res->excerpt, sizeof(res->excerpt));
	} else {
		res->msg[0] = '\0';
		res->excerpt[0] = '\0';
	}
	job->req.on_done(job->req.ctx, res);
	sb_http_job_free(job);
}

/* Ends a request that failed before curl could run it. */
static void sb_http_fail(sb_http *h, sb_http_job *job, int code, const char *what)
{
	sb_http_result res = {.code = code,
			      .last_ms = -1,
			      .range_first = -1,
			      .range_last = -1,
			      .range_total = -1};
	sb_http_msg(&res, "%s", what);
	sb_http_finish(h, job, &res);
}

/* Starts the next attempt of job on an idle slot. */
static void sb_http_start(sb_http *h, sb_http_job *job, int64_t now)
{
	sb_http_slot *s = h->idle[--h->nidle];
	if (s->easy == NULL && sb_http_easy_new(h, s, NULL) != SB_OK) {
		h->idle[h->nidle++] = s;
		sb_http_fail(h, job, SB_ENOMEM, "cannot create a curl handle");
		return;
	}
	s->job = job;
	job->slot = s;
	sb_http_answer_reset(&s->ans);
	s->received = 0;
	s->drained = 0;
	s->encoded = 0;
	s->errbuf[0] = '\0';
	if (job->attempts == 0)
		job->t0_ms = now;
	job->attempts++;
	if (job->req.on_start != NULL)
		job->req.on_start(job->req.ctx);
	CURL *e = s->easy;
	const sb_http_req *req = &job->req;
	CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, req->url);
	/* The options of one request: the handle keeps those of the one before otherwise. */
	if (rc == CURLE_OK && req->method == SB_HTTP_HEAD)
		rc = curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (rc == CURLE_OK && req->method == SB_HTTP_POST) {
		rc = curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					      (curl_off_t)req->body_len);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
	} else if (rc == CURLE_OK) {
		rc = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->headers);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_RANGE, req->range);
	if (rc == CURLE_OK && h->user != NULL)
		rc = curl_easy_setopt(e, CURLOPT_USERNAME, req->anonymous ? NULL : h->user);
	if (rc == CURLE_OK && h->user != NULL)
		rc = curl_easy_setopt(e, CURLOPT_PASSWORD,
				      req->anonymous ? NULL
				      : h->password  ? h->password
						     : "");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
				      req->timeout_ms > 0 ? req->timeout_ms : h->opts.timeout_ms);
	CURLMcode mc = rc == CURLE_OK ? curl_multi_add_handle(h->multi, e) : CURLM_OK;
	if (rc != CURLE_OK || mc != CURLM_OK) {
		s->job = NULL;
		job->slot = NULL;
		h->idle[h->nidle++] = s;
		sb_http_fail(h, job, SB_ENOMEM,
			     rc != CURLE_OK ? curl_easy_strerror(rc) : curl_multi_strerror(mc));
		return;
	}
	h->active++;
}

/* The job to start next, left in its list: a retry whose wait is over, else the queue's head. */
static sb_http_job *sb_http_ready(const sb_http *h, int64_t now)
{
	if (h->wait_head != NULL && h->wait_head->due_ms <= now)
		return h->wait_head;
	return h->queue_head;
}

/* Takes the job sb_http_ready names out of its list and returns it (NULL if none). */
static sb_http_job *sb_http_next(sb_http *h, int64_t now)
{
	sb_http_job *job = sb_http_ready(h, now);
	if (job == NULL)
		return NULL;
	if (job == h->wait_head) {
		h->wait_head = job->next;
		if (h->wait_head == NULL)
			h->wait_tail = NULL;
	} else {
		h->queue_head = job->next;
		if (h->queue_head == NULL)
			h->queue_tail = NULL;
	}
	job->next = NULL;
	return job;
}

/* Whether job may start now: any while fewer than opts.parallel are in flight; past that, while a
 * slot is free, one whose origin a transfer ended with over HTTP/2 (its connection multiplexes). */
static int sb_http_may_start(sb_http *h, sb_http_job *job)
{
	if (h->nidle == 0)
		return 0;
	if (h->active < h->opts.parallel)
		return 1;
	if (!job->mux && h->mux.n > 0)
		job->mux = sb_http_origins_has(&h->mux, job->url);
	return job->mux;
}

/* Notes the origin of a transfer that ended over HTTP/2 or HTTP/3: more may go to it at once. */
static void sb_http_note_mux(sb_http *h, CURL *easy)
{
	long version = 0;
	curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
	if (version != CURL_HTTP_VERSION_2_0 && version != CURL_HTTP_VERSION_3)
		return;
	char *url = NULL;
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	if (url != NULL)
		sb_http_origins_put(&h->mux, url);
}

static int sb_http_pipeable(const sb_http *h, const sb_http_job *job);
static int sb_http_pipe_place(sb_http *h, sb_http_job *job, int64_t now);

static void sb_http_start_ready(sb_http *h)
{
	int64_t now = sb_http_now_ms();
	for (;;) {
		sb_http_job *job = sb_http_ready(h, now);
		if (job == NULL)
			break;
		if (sb_http_pipeable(h, job)) {
			int placed = sb_http_pipe_place(h, job, now);
			if (placed > 0)
				continue;
			if (placed == 0)
				break;
		}
		if (!sb_http_may_start(h, job))
			break;
		sb_http_start(h, sb_http_next(h, now), now);
	}
}

/* Puts job on the wait list, due after the backoff of the retry it is about to make. */
static void sb_http_schedule_retry(sb_http *h, sb_http_job *job)
{
	long wait = h->opts.backoff_ms;
	for (int k = 1; k < job->attempts && wait < SB_HTTP_MAX_BACKOFF_MS; k++)
		wait *= 2;
	if (wait > SB_HTTP_MAX_BACKOFF_MS)
		wait = SB_HTTP_MAX_BACKOFF_MS;
	job->due_ms = sb_http_now_ms() + wait;
	job->next = NULL;
	/* Most retries are due after all those already waiting: append without a walk. */
	if (h->wait_tail == NULL || h->wait_tail->due_ms <= job->due_ms) {
		if (h->wait_tail != NULL)
			h->wait_tail->next = job;
		else
			h->wait_head = job;
		h->wait_tail = job;
		return;
	}
	sb_http_job **p = &h->wait_head;
	while ((*p)->due_ms <= job->due_ms)
		p = &(*p)->next;
	job->next = *p;
	*p = job;
}

/* Sets res->code and res->msg from an HTTP status that is not 2xx; returns 1 if worth a retry. */
static int sb_http_classify_status(long status, sb_http_result *res)
{
	const char *reason = sb_http_reason(status);
	sb_http_msg(res, "HTTP %ld%s%s", status, *reason ? " " : "", reason);
	if (status == 401 || status == 403 || status == 407) {
		res->code = SB_EAUTH;
		return 0;
	}
	res->code = SB_EHTTP;
	return status >= 500 && status <= 599;
}

/* Words for a failed connect from the system's errno. */
static const char *sb_http_connect_cause(long os_errno)
{
	switch (os_errno) {
	case ECONNREFUSED:
		return "connection refused";
	case ENETUNREACH:
		return "network unreachable";
	case EHOSTUNREACH:
		return "host unreachable";
	case ETIMEDOUT:
		return "connect timed out";
	default:
		return NULL;
	}
}

/* Sets res->code and res->msg from how curl ended an attempt; returns 1 if worth a retry. The only
 * place where curl's codes become SB_ codes. */
static int sb_http_classify(sb_http *h, sb_http_slot *s, CURLcode rc, sb_http_result *res)
{
	const char *detail = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);
	if (s->ans.stopped) {
		res->code = SB_OK;
		return 0;
	}
	if (sb_http_answer_failed(&s->ans, h->opts.max_body, res))
		return 0;
	long status = res->status;
	int status_ok = status == 0 || (status >= 200 && status <= 299) ||
			(status == 304 && s->job->has_etag);
	if (!status_ok && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR || rc == CURLE_PARTIAL_FILE))
		return sb_http_classify_status(status, res);

	long os_errno = 0;
	curl_off_t total_us = 0;
	curl_off_t got = 0;
	curl_off_t expected = -1;
	switch (rc) {
	case CURLE_OK:
		res->code = SB_OK;
		return 0;
	case CURLE_OPERATION_TIMEDOUT: {
		res->code = SB_ETIMEOUT;
		curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &total_us);
		int connecting =
			status == 0 && (strncmp(s->errbuf, "Connection timed out", 20) == 0 ||
					strncmp(s->errbuf, "Resolving timed out", 19) == 0);
		/* Say the limit that was hit; curl's clock may stop a millisecond short of it. */
		long limit =
			s->job->req.timeout_ms > 0 ? s->job->req.timeout_ms : h->opts.timeout_ms;
		if (connecting && h->opts.connect_timeout_ms > 0 &&
		    (limit == 0 || h->opts.connect_timeout_ms < limit))
			limit = h->opts.connect_timeout_ms;
		long ms = (long)(total_us / 1000);
		if (ms < limit)
			ms = limit;
		if (connecting)
			sb_http_msg(res, "connect timed out after %ld ms", ms);
		else if (status == 0)
			sb_http_msg(res, "timed out after %ld ms waiting for a response", ms);
		else
			sb_http_msg(res, "timed out after %ld ms with %zu body bytes received", ms,
				    s->received);
		return 1;
	}
	case CURLE_COULDNT_CONNECT: {
		res->code = SB_ECONNECT;
		curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &os_errno);
		const char *cause = sb_http_connect_cause(os_errno);
		sb_http_msg(res, "%s", cause != NULL ? cause : detail);
		return 1;
	}
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		res->code = SB_ECONNECT;
		curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &os_errno);
		if (rc == CURLE_GOT_NOTHING)
			sb_http_msg(res, "connection closed without a response");
		else if (os_errno == ECONNRESET)
			sb_http_msg(res, "connection reset by peer");
		else
			sb_http_msg(res, "%s", detail);
		return 1;
	case CURLE_PARTIAL_FILE:
		res->code = SB_ETRUNCATED;
		curl_easy_getinfo(s->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
		curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
		if (expected >= 0)
			sb_http_msg(res, "body truncated after %lld of %lld bytes", (long long)got,
				    (long long)expected);
		else
			sb_http_msg(res, "body truncated after %lld bytes", (long long)got);
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		res->code = SB_ETLS;
		sb_http_msg(res, "TLS handshake failed: %s", detail);
		return 1;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		res->code = SB_ETLS;
		sb_http_msg(res, "TLS: %s", detail);
		return 0;
	case CURLE_TOO_MANY_REDIRECTS:
		res->code = SB_EHTTP;
		sb_http_msg(res, "more than %ld redirects", SB_HTTP_MAX_REDIRS);
		return 0;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		res->code = SB_EINVAL;
		sb_http_msg(res, "bad URL: %s", detail);
		return 0;
	case CURLE_FILE_COULDNT_READ_FILE:
		res->code = SB_ENOTFOUND;
		sb_http_msg(res, "%s", detail);
		return 0;
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
		res->code = SB_EAUTH;
		sb_http_msg(res, "%s", detail);
		return 0;
	case CURLE_BAD_CONTENT_ENCODING:
		res->code = SB_EPARSE;
		sb_http_msg(res, "body cannot be decoded: %s", detail);
		return 0;
	case CURLE_FILESIZE_EXCEEDED:
		res->code = SB_ETOOBIG;
		sb_http_msg(res, "%s", detail);
		return 0;
	case CURLE_OUT_OF_MEMORY:
		res->code = SB_ENOMEM;
		sb_http_msg(res, "%s", detail);
		return 0;
	default:
		res->code = SB_EIO;
		sb_http_msg(res, "%s", detail);
		return 0;
	}
}

/* Handles the end of one attempt: frees its slot, then finishes the request or schedules a retry. */
static void sb_http_done(sb_http *h, CURL *easy, CURLcode rc)
{
	char *priv = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
	sb_http_slot *s = (sb_http_slot *)(void *)priv;
	sb_http_job *job = s->job;
	sb_http_result res = {0};
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_off_t total_us = 0;
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
	res.last_ms = (double)total_us / 1000.0;
	int retry = sb_http_classify(h, s, rc, &res);
	sb_http_answer_fill(&s->ans, &res);
	if (h->nslots > h->opts.parallel && !job->mux)
		sb_http_note_mux(h, easy);
	curl_multi_remove_handle(h->multi, easy);
	s->job = NULL;
	job->slot = NULL;
	h->idle[h->nidle++] = s;
	h->active--;
	if (res.code != SB_OK && retry && job->attempts <= h->opts.retries) {
		sb_http_schedule_retry(h, job);
		return;
	}
	sb_http_finish(h, job, &res);
}

static void sb_http_drain(sb_http *h)
{
	int left = 0;
	CURLMsg *m;
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m does not survive curl_multi_remove_handle: copy what is needed first. */
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		sb_http_done(h, easy, rc);
	}
}

static void sb_http_pipes_end(sb_http *h, int code, const char *why);

/* Ends every request still known to the engine with code, after the multi handle failed. */
static void sb_http_abort_all(sb_http *h, int code, const char *why)
{
	for (long i = 0; i < h->nslots; i++) {
		sb_http_slot *s = &h->slots[i];
		if (s->job == NULL)
			continue;
		curl_multi_remove_handle(h->multi, s->easy);
		sb_http_job *job = s->job;
		s->job = NULL;
		job->slot = NULL;
		h->idle[h->nidle++] = s;
		h->active--;
		sb_http_fail(h, job, code, why);
	}
	sb_http_pipes_end(h, code, why);
	sb_http_job *job;
	while ((job = sb_http_next(h, INT64_MAX)) != NULL)
		sb_http_fail(h, job, code, why);
}

/* ---- on an event loop: libcurl's socket interface ---- */

static void sb_http_retry_due(void *arg);
static void sb_http_pipe_watchdog(void *arg);

/* After libcurl ran or requests were added: starts what may start, and sets the retry timer. */
static void sb_http_settle(sb_http *h)
{
	h->busy = 1;
	sb_http_start_ready(h);
	h->busy = 0;
	sb_loop *l = h->opts.loop;
	sb_loop_timer_cancel(l, h->retry_timer);
	h->retry_timer = NULL;
	if (h->wait_head != NULL && sb_http_may_start(h, h->wait_head)) {
		int64_t wait = h->wait_head->due_ms - sb_http_now_ms();
		h->retry_timer =
			sb_loop_timer(l, sb_time_mono() + (wait > 0 ? (double)wait / 1000.0 : 0.0),
				      sb_http_retry_due, h);
	}
	if (h->pipe_jobs > 0 && h->pipe_timer == NULL)
		h->pipe_timer = sb_loop_timer(l, sb_time_mono() + 1.0, sb_http_pipe_watchdog, h);
}

static void sb_http_action(sb_http *h, curl_socket_t fd, int mask)
{
	int running = 0;
	h->busy = 1;
	CURLMcode mc = curl_multi_socket_action(h->multi, fd, mask, &running);
	if (mc == CURLM_OK)
		sb_http_drain(h);
	else
		sb_http_abort_all(h, mc == CURLM_OUT_OF_MEMORY ? SB_ENOMEM : SB_EIO,
				  curl_multi_strerror(mc));
	h->busy = 0;
	sb_http_settle(h);
}

static void sb_http_fd_ready(int fd, unsigned events, void *arg)
{
	int mask = 0;
	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	sb_http_action(arg, fd, mask);
}

static void sb_http_curl_timeout(void *arg)
{
	sb_http *h = arg;
	h->curl_timer = NULL;
	sb_http_action(h, CURL_SOCKET_TIMEOUT, 0);
}

static void sb_http_kicked(void *arg)
{
	sb_http *h = arg;
	h->kick_timer = NULL;
	sb_http_settle(h);
}

static void sb_http_retry_due(void *arg)
{
	sb_http *h = arg;
	h->retry_timer = NULL;
	sb_http_settle(h);
}

static int sb_http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	sb_http *h = userp;
	sb_watch *w = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			sb_loop_unwatch(h->opts.loop, w);
			curl_multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	unsigned events =
		(what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (w != NULL)
		return sb_loop_watch_mod(h->opts.loop, w, events) == SB_OK ? 0 : -1;
	w = sb_loop_watch(h->opts.loop, fd, events, sb_http_fd_ready, h, NULL);
	if (w == NULL)
		return -1; /* libcurl then fails the transfer on that socket */
	curl_multi_assign(h->multi, fd, w);
	return 0;
}

static int sb_http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	sb_http *h = userp;
	(void)multi;
	sb_loop_timer_cancel(h->opts.loop, h->curl_timer);
	h->curl_timer = NULL;
	if (timeout_ms >= 0)
		h->curl_timer =
			sb_loop_timer(h->opts.loop, sb_time_mono() + (double)timeout_ms / 1000.0,
				      sb_http_curl_timeout, h);
	return 0;
}

/* ---- HTTP/1.1 pipelining ----
 *
 * A pipe is a connection libcurl opened (TCP, TLS and its verification: CURLOPT_CONNECT_ONLY) on
 * which the engine writes several GETs back to back and reads the answers in the order asked.
 * Each pipe has a multi handle of its own: libcurl prunes the idle connections of a multi
 * handle's cache that have data to read as dead when another one connects, which a pipe with
 * answers on their way is. */

/* Pipes lost in a row without an answer before an origin is no longer pipelined to. */
#define SB_HTTP_PIPE_LOSSES 3

typedef enum { SB_PIPE_FREE = 0, SB_PIPE_CONNECTING, SB_PIPE_OPEN } sb_http_pipe_state;

struct sb_http_pipe {
	sb_http *h;
	sb_http_pipe_state state;
	CURLM *multi;
	CURL *easy;
	char origin[SB_HTTP_ORIGIN_MAX];
	sb_watch *watch; /* the open connection's socket (libcurl's own while connecting) */
	unsigned events;
	sb_timer *curl_timer;     /* libcurl's, while connecting */
	sb_http_job *head, *tail; /* in the order written: the answers come in this order */
	long njobs;
	long answered;       /* answers read on this connection */
	int64_t progress_ms; /* the last byte written or read, or the first request taken */
	char *out;           /* requests not yet written, from out_off */
	size_t out_len, out_off, out_cap;
	sb_http1_reader rd; /* the answers, read in order (while the pipe is in use); rd.head is
			     * the head of the answer being read */
	sb_http_answer ans;
	char errbuf[CURL_ERROR_SIZE];
};

static void sb_http_settle(sb_http *h);

/* Writes "user:password" in base64 after "Authorization: Basic ", with CRLF. */
static char *sb_http_basic_line(const char *user, const char *password)
{
	static const char pre[] = "Authorization: Basic ";
	char *plain = sb_xasprintf("%s:%s", user, password != NULL ? password : "");
	size_t n = strlen(plain);
	size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL); /* with NUL */
	char *line = sb_xmalloc(sizeof(pre) - 1 + b64 + 2);
	memcpy(line, pre, sizeof(pre) - 1);
	sodium_bin2base64(line + sizeof(pre) - 1, b64, (const unsigned char *)plain, n,
			  sodium_base64_VARIANT_ORIGINAL);
	memcpy(line + sizeof(pre) - 1 + b64 - 1, "\r\n", 3);
	sb_http_wipe(plain);
	free(plain);
	return line;
}

/* The engine's pipes, all free, and the header line of its credentials. */
static void sb_http_pipes_new(sb_http *h)
{
	h->pipes = sb_xcalloc((size_t)h->opts.parallel, sizeof(*h->pipes));
	for (long i = 0; i < h->opts.parallel; i++)
		h->pipes[i].h = h;
	if (h->user != NULL)
		h->auth = sb_http_basic_line(h->user, h->password);
}

/* Whether the engine pipelines job, before its URL is read: a GET of the caller's without extra
 * header lines, an etag or a header callback. */
static int sb_http_pipeable(const sb_http *h, const sb_http_job *job)
{
	return h->pipes != NULL && !job->no_pipe && job->req.method == SB_HTTP_GET &&
	       job->headers == NULL && !job->has_etag && job->req.on_header == NULL &&
	       (strncasecmp(job->url, "http://", 7) == 0 ||
		strncasecmp(job->url, "https://", 8) == 0);
}

/* The request of job as written on a pipe, a NUL, then its origin (as sb_http_url_origin writes
 * it); *len the request's length. NULL when the URL has credentials of its own or cannot be
 * read. */
static char *sb_http_pipe_request(const sb_http *h, const sb_http_job *job, size_t *len)
{
	char origin[SB_HTTP_ORIGIN_MAX];
	CURLU *u = curl_url();
	if (u == NULL)
		return NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *user = NULL;
	char *text = NULL;
	if (curl_url_set(u, CURLUPART_URL, job->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK || host[0] == '\0')
		goto out;
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	for (char *p = scheme; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (char *p = host; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	int n = snprintf(origin, SB_HTTP_ORIGIN_MAX, "%s://%s:%s", scheme, host, port);
	if (n <= 0 || n >= SB_HTTP_ORIGIN_MAX)
		goto out;
	int default_port = strcmp(port, strcmp(scheme, "https") == 0 ? "443" : "80") == 0;
	const char *range = job->req.range;
	text = sb_xasprintf("GET %s%s%s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: %s\r\n"
			    "Accept: */*\r\n%s%s%s%s\r\n%c%s",
			    path, query != NULL ? "?" : "", query != NULL ? query : "", host,
			    default_port ? "" : ":", default_port ? "" : port, h->user_agent,
			    range != NULL ? "Range: bytes=" : "", range != NULL ? range : "",
			    range != NULL ? "\r\n" : "",
			    h->auth != NULL && !job->req.anonymous ? h->auth : "", '\0', origin);
	*len = strlen(text);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(u);
	return text;
}

/* Puts a job a pipe took back at the head of the queue, as if it had never started. */
static void sb_http_pipe_give_back(sb_http *h, sb_http_job *job, int no_pipe)
{
	if (job->dropped) {
		sb_http_job_free(job);
		return;
	}
	job->attempts--;
	job->no_pipe |= no_pipe;
	h->pipe_stats.again++;
	job->next = h->queue_head;
	h->queue_head = job;
	if (h->queue_tail == NULL)
		h->queue_tail = job;
}

/* Takes the first job off a pipe. */
static sb_http_job *sb_http_pipe_pop(sb_http_pipe *p)
{
	sb_http_job *job = p->head;
	if (job == NULL)
		return NULL;
	p->head = job->next;
	if (p->head == NULL)
		p->tail = NULL;
	job->next = NULL;
	job->pipe = NULL;
	p->njobs--;
	p->h->pipe_jobs--;
	return job;
}

/* Closes a pipe's connection; the jobs on it stay for the caller to hand on. */
static void sb_http_pipe_disconnect(sb_http_pipe *p)
{
	sb_http *h = p->h;
	if (p->watch != NULL && p->state == SB_PIPE_OPEN)
		sb_loop_unwatch(h->opts.loop, p->watch);
	p->watch = NULL;
	if (p->easy != NULL) {
		curl_multi_remove_handle(p->multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
	}
	/* after the easy handle: libcurl told the socket callback to stop watching; the timer
	 * last, as libcurl may set one while it lets go */
	if (p->multi != NULL)
		curl_multi_cleanup(p->multi);
	p->multi = NULL;
	sb_loop_timer_cancel(h->opts.loop, p->curl_timer);
	p->curl_timer = NULL;
	free(p->out);
	p->out = NULL;
	p->out_len = p->out_off = p->out_cap = 0;
	sb_http1_free(&p->rd);
	p->events = 0;
	p->answered = 0;
	p->state = SB_PIPE_FREE;
}

/* Stops pipelining to the origin of p for the engine's life. */
static void sb_http_pipe_stop_origin(sb_http_pipe *p, const char *why)
{
	sb_http *h = p->h;
	if (sb_http_origins_hold(&h->nopipe, p->origin))
		return;
	h->nopipe.v = sb_xrealloc(h->nopipe.v, (h->nopipe.n + 1) * sizeof(*h->nopipe.v));
	memcpy(h->nopipe.v[h->nopipe.n++], p->origin, SB_HTTP_ORIGIN_MAX);
	h->pipe_stats.stopped++;
	sb_log(SB_LOG_WARNING, "http",
	       "%s: pipelining stopped (%s); its requests go one at a time per connection",
	       p->origin, why);
}

/* Closes a pipe and gives its jobs back to the queue, in their order. lost: the connection was
 * lost before it answered all (counted towards stopping pipelining to the origin); the first
 * job, whose answer was awaited, then goes the usual way (which says what failed, and retries),
 * the others to a pipe again. */
static void sb_http_pipe_close(sb_http_pipe *p, int lost, const char *why)
{
	sb_http *h = p->h;
	sb_http_pipe_disconnect(p);
	/* reversed, so that giving each back at the queue's head keeps their order */
	sb_http_job *rev = NULL;
	sb_http_job *job;
	int first = 1;
	while ((job = sb_http_pipe_pop(p)) != NULL) {
		job->no_pipe |= lost && first;
		first = 0;
		job->next = rev;
		rev = job;
	}
	while (rev != NULL) {
		job = rev;
		rev = job->next;
		sb_http_pipe_give_back(h, job, 0);
	}
	if (lost && ++h->pipe_losses >= SB_HTTP_PIPE_LOSSES)
		sb_http_pipe_stop_origin(p, why);
}

/* Writes what the pipe's requests left unwritten, as far as the socket takes it; watches for
 * room when some is left. Returns 0, or -1 when the pipe was closed. */
static int sb_http_pipe_flush(sb_http_pipe *p)
{
	while (p->out_off < p->out_len) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(p->easy, p->out + p->out_off, p->out_len - p->out_off,
					     &sent);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			sb_http_pipe_close(p, 1, curl_easy_strerror(rc));
			return -1;
		}
		p->out_off += sent;
		p->progress_ms = sb_http_now_ms();
	}
	if (p->out_off == p->out_len)
		p->out_off = p->out_len = 0;
	unsigned events = EPOLLIN | (p->out_off < p->out_len ? EPOLLOUT : 0);
	if (events != p->events && sb_loop_watch_mod(p->h->opts.loop, p->watch, events) == SB_OK)
		p->events = events;
	return 0;
}

/* Ends the answer just read: the first job's, whose request ends here when it was a 2xx or a
 * 4xx (final either way), or goes again the usual way (which retries a 5xx and follows a
 * redirect). Returns 0, or -1 when the pipe was closed (Connection: close). */
static int sb_http_pipe_answered(sb_http_pipe *p)
{
	sb_http *h = p->h;
	sb_http_job *job = sb_http_pipe_pop(p);
	long status = p->rd.head.status;
	p->answered++;
	h->pipe_stats.answered++;
	h->pipe_losses = 0;
	if (job->dropped) {
		sb_http_job_free(job);
	} else if ((status >= 200 && status <= 299) || (status >= 400 && status <= 499)) {
		sb_http_result res = {.code = SB_OK,
				      .status = status,
				      .last_ms = (double)(sb_http_now_ms() - job->sent_ms)};
		if (status >= 400)
			sb_http_classify_status(status, &res);
		else
			sb_http_answer_failed(&p->ans, h->opts.max_body, &res);
		sb_http_answer_fill(&p->ans, &res);
		sb_http_finish(h, job, &res);
	} else {
		sb_http_pipe_give_back(h, job, 1);
	}
	sb_http_answer_reset(&p->ans);
	if (p->rd.head.close) {
		sb_http_pipe_close(p, 0, "closed by the server");
		return -1;
	}
	return 0;
}

/* Hands a piece of the body being read to its request's reader (a 2xx) or drops it. */
static void sb_http_pipe_body(sb_http_pipe *p, const char *buf, size_t len)
{
	sb_http_job *job = p->head;
	if (p->rd.head.status < 200 || p->rd.head.status > 299)
		sb_http_answer_excerpt(&p->ans, buf, len);
	else if (!job->dropped)
		sb_http_answer_feed(&p->ans, &job->req, p->h->opts.max_body, buf, len);
}

/* The reader's events on a pipe: an answer's head, a piece of its body, its end. */
static int sb_http_pipe_on_head(void *arg, const sb_http1_head *hd)
{
	sb_http_pipe *p = arg;
	if (p->head == NULL) {
		sb_http_pipe_stop_origin(p, "an answer to no request");
		sb_http_pipe_close(p, 1, "");
		return 1;
	}
	p->ans.cr_first = hd->range_first;
	p->ans.cr_last = hd->range_last;
	p->ans.cr_total = hd->range_total;
	return 0;
}

static int sb_http_pipe_on_body(void *arg, const char *buf, size_t len)
{
	sb_http_pipe_body(arg, buf, len);
	return 0;
}

static int sb_http_pipe_on_end(void *arg)
{
	return sb_http_pipe_answered(arg) != 0;
}

/* Reads what arrived on a pipe: answers, in the order of its requests. Returns 0, or -1 when
 * the pipe was closed. */
static int sb_http_pipe_feed(sb_http_pipe *p, const char *d, size_t n)
{
	const sb_http1_events ev = {sb_http_pipe_on_head, sb_http_pipe_on_body, sb_http_pipe_on_end,
				    p};
	int rc = sb_http1_feed(&p->rd, d, n, &ev);
	if (rc < 0) {
		const char *bad = p->rd.bad;
		sb_http_pipe_stop_origin(p, bad);
		sb_http_pipe_close(p, 1, bad);
	}
	return rc == 0 ? 0 : -1;
}

/* The pipe's socket: room to write, something to read, or the connection's end. */
static void sb_http_pipe_ready(int fd, unsigned events, void *arg)
{
	sb_http_pipe *p = arg;
	sb_http *h = p->h;
	(void)fd;
	h->busy = 1;
	if ((events & EPOLLOUT) && sb_http_pipe_flush(p) != 0)
		goto out;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		char buf[64 << 10];
		for (;;) {
			size_t n = 0;
			CURLcode rc = curl_easy_recv(p->easy, buf, sizeof(buf), &n);
			if (rc == CURLE_AGAIN)
				break;
			if (rc != CURLE_OK || n == 0) {
				/* a server may close a connection between answers (it served
				 * enough on it, or it idled): not a loss when it answered some */
				int lost = rc != CURLE_OK || p->answered == 0 ||
					   !sb_http1_between(&p->rd);
				if (p->njobs > 0)
					sb_log(SB_LOG_INFO, "http",
					       "%s: a pipelined connection ended after %ld "
					       "answers (%s); %ld requests go again",
					       p->origin, p->answered,
					       rc != CURLE_OK ? curl_easy_strerror(rc)
							      : "closed by the server",
					       p->njobs);
				sb_http_pipe_close(p, lost && p->njobs > 0,
						   rc != CURLE_OK ? curl_easy_strerror(rc)
								  : "connections closed early");
				break;
			}
			p->progress_ms = sb_http_now_ms();
			if (sb_http_pipe_feed(p, buf, n) != 0)
				break;
		}
	}
out:
	h->busy = 0;
	sb_http_settle(h);
}

/* The pipe's connection is made (or failed): write the requests waiting on it. */
static void sb_http_pipe_connected(sb_http_pipe *p, CURLcode rc)
{
	sb_http *h = p->h;
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (rc == CURLE_OK)
		curl_easy_getinfo(p->easy, CURLINFO_ACTIVESOCKET, &fd);
	if (rc != CURLE_OK || fd == CURL_SOCKET_BAD) {
		/* the usual way says why, and retries */
		const char *why = rc == CURLE_OK         ? "no socket"
				  : p->errbuf[0] != '\0' ? p->errbuf
							 : curl_easy_strerror(rc);
		sb_http_pipe_close(p, 1, why);
		return;
	}
	/* libcurl has stopped watching the socket: it is the pipe's now */
	sb_err e = {0};
	p->watch = sb_loop_watch(h->opts.loop, (int)fd, EPOLLIN, sb_http_pipe_ready, p, &e);
	if (p->watch == NULL) {
		sb_http_pipe_stop_origin(p, e.msg);
		sb_http_pipe_close(p, 0, e.msg);
		return;
	}
	p->events = EPOLLIN;
	p->state = SB_PIPE_OPEN;
	h->pipe_stats.connections++;
	p->progress_ms = sb_http_now_ms();
	sb_http_pipe_flush(p);
}

/* libcurl's socket and timer callbacks for a pipe's multi handle, while it connects. */
static void sb_http_pipe_action(sb_http_pipe *p, curl_socket_t fd, int mask)
{
	sb_http *h = p->h;
	int running = 0;
	h->busy = 1;
	CURLMcode mc = curl_multi_socket_action(p->multi, fd, mask, &running);
	CURLMsg *m;
	int left = 0;
	while (mc == CURLM_OK && p->state == SB_PIPE_CONNECTING &&
	       (m = curl_multi_info_read(p->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			sb_http_pipe_connected(p, m->data.result);
	if (mc != CURLM_OK && p->state == SB_PIPE_CONNECTING)
		sb_http_pipe_close(p, 1, curl_multi_strerror(mc));
	h->busy = 0;
	sb_http_settle(h);
}

static void sb_http_pipe_fd_ready(int fd, unsigned events, void *arg)
{
	int mask = (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
		   (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
		   (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
	sb_http_pipe_action(arg, fd, mask);
}

static void sb_http_pipe_curl_timeout(void *arg)
{
	sb_http_pipe *p = arg;
	p->curl_timer = NULL;
	sb_http_pipe_action(p, CURL_SOCKET_TIMEOUT, 0);
}

static int sb_http_pipe_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
				  void *socketp)
{
	sb_http_pipe *p = userp;
	sb_watch *w = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			sb_loop_unwatch(p->h->opts.loop, w);
			curl_multi_assign(p->multi, fd, NULL);
		}
		return 0;
	}
	unsigned events =
		(what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (w != NULL)
		return sb_loop_watch_mod(p->h->opts.loop, w, events) == SB_OK ? 0 : -1;
	w = sb_loop_watch(p->h->opts.loop, fd, events, sb_http_pipe_fd_ready, p, NULL);
	if (w == NULL)
		return -1;
	curl_multi_assign(p->multi, fd, w);
	return 0;
}

static int sb_http_pipe_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	sb_http_pipe *p = userp;
	(void)multi;
	sb_loop_timer_cancel(p->h->opts.loop, p->curl_timer);
	p->curl_timer = NULL;
	if (timeout_ms >= 0)
		p->curl_timer =
			sb_loop_timer(p->h->opts.loop, sb_time_mono() + (double)timeout_ms / 1000.0,
				      sb_http_pipe_curl_timeout, p);
	return 0;
}

/* Starts connecting a free pipe to origin. Returns 0, or -1 when libcurl refused. */
static int sb_http_pipe_open(sb_http *h, sb_http_pipe *p, const char *origin)
{
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	sb_http1_init(&p->rd);
	p->multi = curl_multi_init();
	p->easy = curl_easy_init();
	if (p->multi == NULL || p->easy == NULL) {
		sb_http_pipe_disconnect(p);
		return -1;
	}
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, sb_http_pipe_socket_cb);
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, sb_http_pipe_timer_cb);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
	char *url = sb_xasprintf("%s/", origin);
	CURL *e = p->easy;
	CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);
	free(url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	/* through a proxy the requests go in a tunnel (CONNECT): the pipe writes them as to the
	 * server itself */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->opts.connect_timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, h->opts.tls_verify ? 1L : 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, h->opts.tls_verify ? 2L : 0L);
	if (rc == CURLE_OK && h->ca_bundle != NULL)
		rc = curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_bundle);
	if (rc != CURLE_OK || curl_multi_add_handle(p->multi, e) != CURLM_OK) {
		sb_http_pipe_disconnect(p);
		return -1;
	}
	p->errbuf[0] = '\0';
	p->state = SB_PIPE_CONNECTING;
	sb_http_answer_reset(&p->ans);
	return 0;
}

/* Puts the ready job (sb_http_ready's) on a pipe to its origin: the least busy with room, or a
 * new one while fewer than opts.parallel are open. Returns 1 when a pipe took it, 0 when it must
 * wait for room, -1 when it goes the usual way (job->no_pipe is then set). */
static int sb_http_pipe_place(sb_http *h, sb_http_job *job, int64_t now)
{
	if (job->pipe_text == NULL)
		job->pipe_text = sb_http_pipe_request(h, job, &job->pipe_len);
	const char *origin = job->pipe_text != NULL ? job->pipe_text + job->pipe_len + 1 : NULL;
	if (origin == NULL || sb_http_origins_hold(&h->nopipe, origin)) {
		job->no_pipe = 1;
		return -1;
	}
	sb_http_pipe *best = NULL, *free_pipe = NULL, *idle = NULL;
	for (long i = 0; i < h->opts.parallel; i++) {
		sb_http_pipe *p = &h->pipes[i];
		if (p->state == SB_PIPE_FREE) {
			if (free_pipe == NULL)
				free_pipe = p;
		} else if (strcmp(p->origin, origin) != 0) {
			if (p->njobs == 0)
				idle = p;
		} else if (p->njobs < h->opts.pipeline &&
			   (best == NULL || p->njobs < best->njobs)) {
			best = p;
		}
	}
	if (best == NULL && free_pipe == NULL && idle != NULL) {
		/* every pipe is open, none to this origin: one left idle by another origin goes */
		sb_http_pipe_close(idle, 0, "");
		free_pipe = idle;
	}
	if ((best == NULL || best->njobs > 0) && free_pipe != NULL) {
		if (sb_http_pipe_open(h, free_pipe, origin) == 0) {
			best = free_pipe;
		} else if (best == NULL) { /* libcurl refused a handle: nothing would wake it */
			job->no_pipe = 1;
			return -1;
		}
	}
	if (best == NULL)
		return 0;
	sb_http_next(h, now); /* job: the one sb_http_ready named */
	job->pipe = best;
	job->next = NULL;
	if (best->tail != NULL)
		best->tail->next = job;
	else
		best->head = job;
	best->tail = job;
	if (best->njobs++ == 0)
		best->progress_ms = now;
	h->pipe_jobs++;
	if (job->attempts == 0)
		job->t0_ms = now;
	job->attempts++;
	job->sent_ms = now;
	if (job->req.on_start != NULL)
		job->req.on_start(job->req.ctx);
	size_t len = job->pipe_len;
	if (best->out_len + len > best->out_cap) {
		best->out_cap = (best->out_len + len) * 2;
		best->out = sb_xrealloc(best->out, best->out_cap);
	}
	memcpy(best->out + best->out_len, job->pipe_text, len);
	best->out_len += len;
	if (best->state == SB_PIPE_OPEN)
		sb_http_pipe_flush(best);
	return 1;
}

/* Every second while requests are on pipes: a pipe that neither wrote nor read for the request
 * timeout is closed, its first request going the usual way (which times it out or retries). */
static void sb_http_pipe_watchdog(void *arg)
{
	sb_http *h = arg;
	h->pipe_timer = NULL;
	int64_t now = sb_http_now_ms();
	for (long i = 0; i < h->opts.parallel; i++) {
		sb_http_pipe *p = &h->pipes[i];
		if (p->njobs == 0)
			continue;
		long limit =
			p->head->req.timeout_ms > 0 ? p->head->req.timeout_ms : h->opts.timeout_ms;
		if (limit <= 0 || now - p->progress_ms < limit)
			continue;
		sb_http_pipe_close(p, 1, "no answer in time");
	}
	sb_http_settle(h);
}

void sb_http_pipe_stats_get(const sb_http *h, sb_http_pipe_stats *st)
{
	*st = h->pipe_stats;
}

/* Ends the requests on every pipe with code (without on_done when code is 0) and closes them. */
static void sb_http_pipes_end(sb_http *h, int code, const char *why)
{
	for (long i = 0; h->pipes != NULL && i < h->opts.parallel; i++) {
		sb_http_pipe *p = &h->pipes[i];
		if (p->state == SB_PIPE_FREE)
			continue;
		sb_http_pipe_disconnect(p);
		sb_http_job *job;
		while ((job = sb_http_pipe_pop(p)) != NULL) {
			if (job->dropped || code == 0)
				sb_http_job_free(job);
			else
				sb_http_fail(h, job, code, why);
		}
	}
}

/* ---- dropping, cancelling, running ---- */

/* Takes job out of the list starting at *head (tail kept right); returns 1 if it was there. */
static int sb_http_unlist(sb_http_job **head, sb_http_job **tail, sb_http_job *job)
{
	sb_http_job *prev = NULL;
	for (sb_http_job *j = *head; j != NULL; prev = j, j = j->next) {
		if (j != job)
			continue;
		if (prev != NULL)
			prev->next = j->next;
		else
			*head = j->next;
		if (*tail == j)
			*tail = prev;
		j->next = NULL;
		return 1;
	}
	return 0;
}

void sb_http_drop(sb_http *h, sb_http_job *job)
{
	if (job == NULL)
		return;
	if (job->pipe != NULL) { /* written already: its answer is read and dropped */
		job->dropped = 1;
		job->req.on_data = NULL;
		return;
	}
	sb_http_slot *s = job->slot;
	if (s != NULL) {
		curl_multi_remove_handle(h->multi, s->easy);
		s->job = NULL;
		job->slot = NULL;
		h->idle[h->nidle++] = s;
		h->active--;
		/* a slot is free: what waits for one starts from the loop's next round */
		if (h->opts.loop != NULL && !h->busy && h->kick_timer == NULL &&
		    (h->queue_head != NULL || h->wait_head != NULL))
			h->kick_timer =
				sb_loop_timer(h->opts.loop, sb_time_mono(), sb_http_kicked, h);
	} else if (!sb_http_unlist(&h->queue_head, &h->queue_tail, job)) {
		sb_http_unlist(&h->wait_head, &h->wait_tail, job);
	}
	sb_http_job_free(job);
}

void sb_http_cancel(sb_http *h)
{
	atomic_store(&h->cancelled, 1);
	/* wakes sb_http_run's loop; a full counter (EAGAIN) already will */
	uint64_t one = 1;
	if (h->wake_fd >= 0 && write(h->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		sb_log(SB_LOG_WARNING, "http", "the engine's wake-up: %s", strerror(errno));
}

int sb_http_run(sb_http *h)
{
	if (h->running || h->own_loop == NULL)
		return SB_EINVAL;
	h->running = 1;
	int rc = SB_OK;
	if (!atomic_load(&h->cancelled))
		sb_http_settle(h);
	while (h->active > 0 || h->pipe_jobs > 0 || h->queue_head != NULL || h->wait_head != NULL) {
		if (atomic_load(&h->cancelled)) {
			sb_http_abort_all(h, SB_ECANCELED, "canceled");
			break;
		}
		/* the loop wakes for a timer (libcurl's, a retry's), a transfer's events or
		 * sb_http_cancel's eventfd; SB_HTTP_POLL_MS only bounds a wait none of them ends */
		if (sb_loop_run_once(h->own_loop, (double)SB_HTTP_POLL_MS / 1000.0) != SB_OK) {
			rc = SB_EIO;
			sb_http_abort_all(h, rc, strerror(errno));
			break;
		}
	}
	h->running = 0;
	return rc;
}

void sb_http_free(sb_http **hp)
{
	sb_http *h = *hp;
	if (h == NULL)
		return;
	for (long i = 0; h->slots != NULL && i < h->nslots; i++) {
		sb_http_slot *s = &h->slots[i];
		if (s->easy == NULL)
			continue;
		if (s->job != NULL && h->multi != NULL)
			curl_multi_remove_handle(h->multi, s->easy);
		if (s->job != NULL)
			sb_http_job_free(s->job);
		curl_easy_cleanup(s->easy);
	}
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	sb_http_pipes_end(h, 0, NULL);
	/* after the cleanup: libcurl may still have called the timer callback in it */
	if (h->opts.loop != NULL) {
		sb_loop_timer_cancel(h->opts.loop, h->curl_timer);
		sb_loop_timer_cancel(h->opts.loop, h->kick_timer);
		sb_loop_timer_cancel(h->opts.loop, h->retry_timer);
		sb_loop_timer_cancel(h->opts.loop, h->pipe_timer);
	}
	if (h->own_loop != NULL) {
		sb_loop_unwatch(h->own_loop, h->wake_watch);
		sb_loop_free(&h->own_loop);
	}
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	sb_http_job *job;
	while ((job = sb_http_next(h, INT64_MAX)) != NULL)
		sb_http_job_free(job);
	free(h->slots);
	free(h->idle);
	free(h->mux.v);
	free(h->pipes);
	free(h->nopipe.v);
	sb_http_wipe(h->auth);
	sb_free(h->auth);
	sb_free(h->user);
	sb_free(h->user_agent);
	sb_http_wipe(h->password);
	sb_free(h->password);
	sb_free(h->ca_bundle);
	free(h);
	*hp = NULL;
}

/* Whether the set holds origin (as sb_http_url_origin writes one). */
static int sb_http_origins_hold(const sb_http_origins *o, const char *origin)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i], origin) == 0)
			return 1;
	return 0;
}

/* Adds the origin of url to o, unless o holds it or url is not an absolute http(s) URL. */
static void sb_http_origins_put(sb_http_origins *o, const char *url)
{
	char origin[SB_HTTP_ORIGIN_MAX];
	if (sb_http_url_origin(url, origin, sizeof(origin)) != SB_OK ||
	    sb_http_origins_hold(o, origin))
		return;
	o->v = sb_xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	memcpy(o->v[o->n++], origin, sizeof(origin));
}

static void sb_http_origins_add(void *ctx, const char *key, const char *value)
{
	(void)key;
	sb_http_origins_put(ctx, value);
}

sb_http_origins *sb_http_portal_origins(const sb_settings *s)
{
	sb_http_origins *o = sb_xcalloc(1, sizeof(*o));
	sb_settings_each(s, "SCAN_URL_", sb_http_origins_add, o);
	return o;
}

size_t sb_http_origins_count(const sb_http_origins *o)
{
	return o->n;
}

int sb_http_origins_has(const sb_http_origins *o, const char *url)
{
	char origin[SB_HTTP_ORIGIN_MAX];
	return sb_http_url_origin(url, origin, sizeof(origin)) == SB_OK &&
	       sb_http_origins_hold(o, origin);
}

void sb_http_origins_free(sb_http_origins **op)
{
	if (*op == NULL)
		return;
	free((*op)->v);
	free(*op);
	*op = NULL;
}

int sb_http_url_origin(const char *url, char *out, size_t size)
{
	CURLU *u = curl_url();
	if (u == NULL)
		return SB_ENOMEM;
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = SB_EINVAL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
	    host[0] != '\0') {
		for (char *p = scheme; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		for (char *p = host; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		int n = snprintf(out, size, "%s://%s:%s", scheme, host, port);
		rc = n > 0 && (size_t)n < size ? SB_OK : SB_ETOOBIG;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* ---- mail: one SMTP exchange through libcurl's easy interface ---- */

typedef struct sb_mail_src {
	const char *p;
	size_t left;
} sb_mail_src;

static size_t sb_mail_read(char *buf, size_t size, size_t nitems, void *userp)
{
	sb_mail_src *src = userp;
	size_t n = size * nitems;
	if (n > src->left)
		n = src->left;
	memcpy(buf, src->p, n);
	src->p += n;
	src->left -= n;
	return n;
}

int sb_http_send_mail(const sb_http_mail *m, sb_err *err)
{
	if (m->url == NULL ||
	    (strncmp(m->url, "smtp://", 7) != 0 && strncmp(m->url, "smtps://", 8) != 0))
		return sb_err_set(err, SB_EINVAL, "mail: expected an smtp:// or smtps:// URL");
	char *shown = sb_http_redact_url(m->url);
	CURL *e = curl_easy_init();
	if (e == NULL) {
		free(shown);
		return sb_err_set(err, SB_ENOMEM, "mail: libcurl could not start");
	}
	struct curl_slist *rcpt = NULL;
	for (size_t i = 0; i < m->nto; i++)
		rcpt = curl_slist_append(rcpt, m->to[i]);
	char errbuf[CURL_ERROR_SIZE] = "";
	sb_mail_src src = {m->message, m->len};
	char from[512];
	snprintf(from, sizeof(from), "<%s>", m->from != NULL ? m->from : "");
	curl_easy_setopt(e, CURLOPT_URL, m->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, sb_mail_read);
	curl_easy_setopt(e, CURLOPT_READDATA, &src);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, m->timeout_ms > 0 ? m->timeout_ms : 30000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, m->tls_verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, m->tls_verify ? 2L : 0L);
	if (m->ca_bundle != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, m->ca_bundle);
	if (strncmp(m->url, "smtp://", 7) == 0 && m->starttls)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (m->user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	CURLcode rc = curl_easy_perform(e);
	long reply = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply);
	int code = SB_OK;
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
		code = SB_ETIMEOUT;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		code = SB_ECONNECT;
		break;
	case CURLE_LOGIN_DENIED:
		code = SB_EAUTH;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:
		code = SB_ETLS;
		break;
	default:
		code = SB_EHTTP;
		break;
	}
	if (code != SB_OK) {
		char msg[CURL_ERROR_SIZE + 64];
		snprintf(msg, sizeof(msg), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		if (m->password != NULL)
			sb_http_scrub(msg, sizeof(msg), m->password);
		if (reply > 0)
			sb_err_set(err, code, "mail to %s: %s (last reply %ld)", shown, msg, reply);
		else
			sb_err_set(err, code, "mail to %s: %s", shown, msg);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(e);
	free(shown);
	return code;
}
