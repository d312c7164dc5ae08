/* http.h - the HTTP engine: many transfers in flight over libcurl multi, bodies streamed to callers. */
#ifndef SB_NET_HTTP_H
#define SB_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "base/settings.h"
#include "net/evloop.h"

/* Engine settings. Strings are copied by sb_http_new. */
typedef struct sb_http_opts {
	long parallel; /* transfers in flight at once, and connections open at most (default 32) */
	/* Transfers in flight at once to a server known to multiplex (default 0: parallel). Once a
	 * transfer to an origin (sb_http_url_origin) ended over HTTP/2, requests to it start while
	 * fewer than streams are in flight, over the connections already open (still at most
	 * parallel of them); requests to other origins start only while fewer than parallel are. */
	long streams;
	/* Requests in flight at once on one HTTP/1.1 connection (default 1: one, then its answer).
	 * More pipelines them: GETs without extra headers, an etag or on_header to an http(s)
	 * origin are written back to back on at most parallel connections of their own (HTTP/1.1
	 * even where the server offers HTTP/2) and their answers read in order. A 2xx or 4xx answer
	 * framed by its Content-Length ends its request there (classified as below); after a 5xx or
	 * a 3xx the request goes again the usual way, one at a time per connection. The requests a
	 * connection leaves unanswered (closed by the server, lost, timed out) are written again,
	 * the one whose answer was awaited the usual way when the connection was lost. A server
	 * that answers in a way pipelining cannot follow (no Content-Length, chunked, compressed,
	 * HTTP/1.0, three connections lost in a row without an answer) is no longer pipelined to
	 * for the engine's life (one warning). */
	long pipeline;
	long connect_timeout_ms; /* per attempt (default 10000) */
	long timeout_ms;         /* whole transfer, per attempt (default 60000) */
	long retries;     /* extra attempts on timeouts, 5xx, connection errors (default 2) */
	long backoff_ms;  /* wait before retry k is backoff_ms * 2^(k-1) (default 500) */
	const char *user; /* Basic auth user, NULL for none */
	const char *password;
	int tls_verify;        /* verify peer and host (default 1) */
	const char *ca_bundle; /* CA file, NULL for the system's */
	size_t max_body;       /* bytes accepted per body before SB_ETOOBIG (0 = 64 MiB) */
	int follow_redirects;  /* follow up to 5 redirects (default 1); 0: a 3xx is the answer */
	int fresh_connect; /* 1: every attempt on a new connection, closed after it (default 0) */
	int http_only;     /* 1: only http:// and https:// URLs, no file:// (default 0) */
	const char *user_agent; /* NULL: "scanbackup/<version>" */
	/* NULL (default): sb_http_run drives the transfers, on an epoll loop of the engine's own.
	 * Else the engine runs on this event loop
	 * (one thread, evloop.h): requests start as soon as a transfer slot is free, callbacks run
	 * from the loop's callbacks, and sb_http_run is refused. The loop must outlive the engine. */
	sb_loop *loop;
} sb_http_opts;

/* Fills o with the defaults above. */
void sb_http_opts_default(sb_http_opts *o);

/* Fills o with the defaults, then the transport settings of s: SCAN_PARALLEL,
 * SCAN_CONNECT_TIMEOUT, SCAN_TIMEOUT, SCAN_RETRIES, TLS_VERIFY and CA_BUNDLE (the string is s's). */
void sb_http_opts_settings(sb_http_opts *o, const sb_settings *s);

/* What became of one request; handed to on_done. */
typedef struct sb_http_result {
	int code; /* SB_OK or SB_EHTTP, SB_EAUTH, SB_ETIMEOUT, SB_ECONNECT, SB_ETLS, SB_ETRUNCATED, ... */
	long status;  /* last HTTP status, 0 if none (or file://) */
	int attempts; /* attempts made, 1 + retries used */
	int stopped;  /* 1 if on_data asked to stop early */
	size_t bytes; /* body bytes handed to on_data in the last attempt */
	/* The Content-Range of the answer (a 206), "bytes first-last/total": offsets from 0, total
	 * the whole body's size; -1 when the answer had none (total also when it said "*"). */
	int64_t range_first, range_last, range_total;
	double seconds; /* wall time of all attempts */
	double last_ms; /* the last attempt from start to end as libcurl timed it (connect, request,
			 * response); -1 when it ended before libcurl ran it */
	char msg[256];  /* human readable cause when code != SB_OK (no credentials in it) */
	char excerpt[160]; /* the start of a non-2xx answer's body, on one line ("" if none) */
} sb_http_result;

/* The request methods. A HEAD has no body; a POST sends req.body. */
typedef enum { SB_HTTP_GET = 0, SB_HTTP_HEAD, SB_HTTP_POST } sb_http_method;

/* One request. The struct is copied by sb_http_add; url is copied; ctx is the caller's.
 * Callbacks run one at a time on the thread that calls sb_http_run (or runs the engine's loop). */
typedef struct sb_http_req {
	const char *url;
	void *ctx;
	sb_http_method method; /* SB_HTTP_GET unless set */
	const char *body;      /* SB_HTTP_POST: the body, the caller's until on_done */
	size_t body_len;
	/* MAY: extra request header lines ("Name: value"), NULL-terminated; copied by sb_http_add. */
	const char *const *headers;
	/* MAY: an entity tag; sent as If-None-Match, and a 304 answer is then a success (code SB_OK,
	 * status 304, no body). */
	const char *etag;
	long timeout_ms; /* whole transfer per attempt; 0: the engine's opts.timeout_ms */
	/* MAY: called with each header field of each response (redirects included), name and value
	 * without surrounding blanks, valid during the call. */
	void (*on_header)(void *ctx, const char *name, const char *value);
	/* MAY: called when an attempt starts (also before each retry): reset any parse state. */
	void (*on_start)(void *ctx);
	/* MAY: called with each piece of a 2xx body as it arrives (already decompressed).
	 * Return 0 to go on, 1 to stop reading (the transfer then ends successfully with stopped = 1),
	 * or a negative SB_ code to fail the request without retry. After a stop nothing more is
	 * handed over; over HTTP/1.x the rest of the body, when it is at most 256 KiB, is still read
	 * and dropped so that the connection serves the next request (a longer rest closes it);
	 * over HTTP/2 the stream alone is reset. */
	int (*on_data)(void *ctx, const char *buf, size_t len);
	/* MUST: called exactly once when the request is over (success or final failure). */
	void (*on_done)(void *ctx, const sb_http_result *res);
	/* MAY: a byte range, "first-last" or "first-" (offsets from 0; copied by sb_http_add), asked
	 * as Range: bytes=... (file:// honours it too). A server may ignore it and send all with 200. */
	const char *range;
	/* 1: send no credentials (opts.user, opts.password) with this request. */
	int anonymous;
} sb_http_req;

typedef struct sb_http sb_http;
/* A request known to the engine, from sb_http_add until its on_done has been called. */
typedef struct sb_http_job sb_http_job;

/* Creates an engine. Returns SB_OK and *out, or an error with err filled. */
int sb_http_new(const sb_http_opts *opts, sb_http **out, sb_err *err);

/* Queues a request. Without a loop nothing is sent before sb_http_run; on a loop it starts from
 * the loop's next round. on_done is never called from inside sb_http_add. Returns SB_OK (and, if
 * job is not NULL, *job for sb_http_drop) or SB_ENOMEM (SB_EINVAL if url or on_done is NULL, or
 * a POST without body). A queued request costs a small struct, its URL and headers, nothing more:
 * easy handles and buffers belong to the at most opts.parallel (opts.streams) transfers in flight.
 *
 * How a request ends is decided in one place (http.c, sb_http_classify), for every user:
 *   2xx (and 304 to a request with an etag)   SB_OK
 *   401, 403, 407                             SB_EAUTH    not retried
 *   any other status (3xx not followed too)   SB_EHTTP    retried when 5xx
 *   timeout (connect or transfer)             SB_ETIMEOUT retried
 *   refused, unreachable, reset, no answer    SB_ECONNECT retried
 *   body shorter than announced               SB_ETRUNCATED retried
 *   TLS handshake failure / verification      SB_ETLS     retried / not retried
 *   body over max_body                        SB_ETOOBIG  not retried
 *   on_data error, bad URL, file:// missing   its code, SB_EINVAL, SB_ENOTFOUND
 *   sb_http_cancel                            SB_ECANCELED
 * Retries wait backoff_ms * 2^(k-1) (the wait does not hold up other transfers). */
int sb_http_add(sb_http *h, const sb_http_req *req, sb_http_job **job);

/* Forgets a request that has not ended (its on_done not yet called): a transfer in flight is cut,
 * and its on_done is never called. Not from an on_header or on_data callback (libcurl is running
 * then); from any on_done it is fine. */
void sb_http_drop(sb_http *h, sb_http_job *job);

/* Thread-safe: ends every request of h with SB_ECANCELED as soon as the thread running
 * sb_http_run notices (at once: it is woken up), and every request run on h after. Not for an
 * engine on a loop. */
void sb_http_cancel(sb_http *h);

/* Runs every queued request to its end, at most opts.parallel at once (opts.streams to a server
 * known to multiplex), and returns SB_OK
 * (individual failures are reported to each on_done); SB_EINVAL for an engine on a loop.
 * Requests may be added from callbacks; sb_http_run and sb_http_free must not be called from them
 * (sb_http_run then returns SB_EINVAL).
 * If libcurl's multi handle itself fails, every request left gets on_done with that error and the
 * error is returned. One engine is used by one thread at a time. */
int sb_http_run(sb_http *h);

/* What the engine's pipelining (opts.pipeline > 1) did so far. */
typedef struct sb_http_pipe_stats {
	size_t answered;    /* answers read on pipes */
	size_t connections; /* pipes connected */
	size_t again;       /* requests a pipe gave back: written again, or sent the usual way */
	size_t stopped;     /* origins no longer pipelined to */
} sb_http_pipe_stats;

/* Fills st (all 0 without pipelining). */
void sb_http_pipe_stats_get(const sb_http *h, sb_http_pipe_stats *st);

/* Frees the engine (requests not ended are dropped without on_done). Sets *h to NULL. */
void sb_http_free(sb_http **h);

/* Returns a copy of url without its userinfo ("user:password@"), fit for logs; caller frees. */
char *sb_http_redact_url(const char *url);

/* The origin of url as libcurl reads it, "scheme://host:port" (scheme and host lower case, the
 * scheme's default port written out), into out. SB_OK; SB_EINVAL when url is not an absolute
 * http:// or https:// URL with a host (file://, ftp://, no scheme, unparsable); SB_ETOOBIG when
 * out is too small. Requests to two URLs of the same origin go to the same server. */
int sb_http_url_origin(const char *url, char *out, size_t size);

/* A set of origins: the servers some credentials may go to. */
typedef struct sb_http_origins sb_http_origins;

/* The origins of the SCAN portal: those of the SCAN_URL_* settings of s (a value that is not an
 * absolute http:// or https:// URL names none). The one rule for where the SCAN credentials go:
 * the scrapers send theirs there only, and the nightly job sends USERSCAN/PASSWORDSCAN there only
 * when any is set. Caller frees with sb_http_origins_free. */
sb_http_origins *sb_http_portal_origins(const sb_settings *s);

/* How many origins o holds. */
size_t sb_http_origins_count(const sb_http_origins *o);

/* 1 if url is an absolute http(s) URL whose origin (sb_http_url_origin) is one of o's. */
int sb_http_origins_has(const sb_http_origins *o, const char *url);

void sb_http_origins_free(sb_http_origins **o);

/* Process-wide libcurl setup/teardown; call once from main. */
int sb_http_global_init(void);
void sb_http_global_cleanup(void);

/* ---- mail ---- */

/* One message to send over SMTP. Strings are the caller's. */
typedef struct sb_http_mail {
	const char *url;  /* smtp://host[:port] (STARTTLS) or smtps://host[:port] (TLS at once) */
	const char *user; /* AUTH (PLAIN or LOGIN, as the server offers) when not NULL */
	const char *password;
	int starttls;          /* smtp://: 1 requires STARTTLS (refused if the server lacks it) */
	int tls_verify;        /* verify the server's certificate and name */
	const char *ca_bundle; /* CA file, NULL for the system's */
	long timeout_ms;       /* the whole exchange (0: 30000) */
	const char *from;      /* the envelope sender, an address */
	const char *const *to; /* the recipients' addresses */
	size_t nto;
	const char *message; /* the whole message (headers, blank line, body), CRLF line ends */
	size_t len;
} sb_http_mail;

/* Sends one message, blocking the calling thread for at most timeout_ms. SB_OK once the server
 * accepted it for every recipient; else SB_ECONNECT, SB_ETIMEOUT, SB_ETLS, SB_EAUTH (login
 * refused) or SB_EHTTP (a command refused: its reply in the message), with err saying so without
 * the password. Thread-safe (one exchange per call). */
int sb_http_send_mail(const sb_http_mail *m, sb_err *err);

#endif
