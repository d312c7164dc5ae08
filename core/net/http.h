/* http.h - the HTTP engine: many transfers in flight over libcurl multi, bodies streamed to callers. */
#ifndef SB_NET_HTTP_H
#define SB_NET_HTTP_H

#include <stddef.h>

#include "base/sb.h"

/* Engine settings. Strings are copied by sb_http_new. */
typedef struct sb_http_opts {
	long parallel;           /* transfers in flight at once (default 32) */
	long connect_timeout_ms; /* per attempt (default 10000) */
	long timeout_ms;         /* whole transfer, per attempt (default 60000) */
	long retries;     /* extra attempts on timeouts, 5xx, connection errors (default 2) */
	long backoff_ms;  /* wait before retry k is backoff_ms * 2^(k-1) (default 500) */
	const char *user; /* Basic auth user, NULL for none */
	const char *password;
	int tls_verify;        /* verify peer and host (default 1) */
	const char *ca_bundle; /* CA file, NULL for the system's */
	size_t max_body;       /* bytes accepted per body before SB_ETOOBIG (0 = 64 MiB) */
} sb_http_opts;

/* Fills o with the defaults above. */
void sb_http_opts_default(sb_http_opts *o);

/* What became of one request; handed to on_done. */
typedef struct sb_http_result {
	int code; /* SB_OK or SB_EHTTP, SB_EAUTH, SB_ETIMEOUT, SB_ECONNECT, SB_ETLS, SB_ETRUNCATED, ... */
	long status;    /* last HTTP status, 0 if none (or file://) */
	int attempts;   /* attempts made, 1 + retries used */
	int stopped;    /* 1 if on_data asked to stop early */
	size_t bytes;   /* body bytes handed to on_data in the last attempt */
	double seconds; /* wall time of all attempts */
	char msg[256];  /* human readable cause when code != SB_OK (no credentials in it) */
} sb_http_result;

/* One request. The struct is copied by sb_http_add; url is copied; ctx is the caller's.
 * Callbacks run on the thread that calls sb_http_run, one at a time. */
typedef struct sb_http_req {
	const char *url;
	void *ctx;
	/* MAY: called when an attempt starts (also before each retry): reset any parse state. */
	void (*on_start)(void *ctx);
	/* MAY: called with each piece of a 2xx body as it arrives (already decompressed).
	 * Return 0 to go on, 1 to stop reading (the transfer then ends successfully with stopped = 1),
	 * or a negative SB_ code to fail the request without retry. */
	int (*on_data)(void *ctx, const char *buf, size_t len);
	/* MUST: called exactly once when the request is over (success or final failure). */
	void (*on_done)(void *ctx, const sb_http_result *res);
} sb_http_req;

typedef struct sb_http sb_http;

/* Creates an engine. Returns SB_OK and *out, or an error with err filled. */
int sb_http_new(const sb_http_opts *opts, sb_http **out, sb_err *err);

/* Queues a request; nothing is sent before sb_http_run. Returns SB_OK or SB_ENOMEM (SB_EINVAL if
 * url or on_done is NULL). A queued request costs a small struct and its URL, nothing more: easy
 * handles and buffers belong to the at most opts.parallel transfers in flight.
 * Retried: timeouts, connection failures, truncated bodies and 5xx statuses, after backoff_ms *
 * 2^(k-1) (the wait does not hold up other transfers). Not retried: 4xx (401/403 -> SB_EAUTH, others
 * -> SB_EHTTP), TLS verification failures, on_data errors, SB_ETOOBIG. */
int sb_http_add(sb_http *h, const sb_http_req *req);

/* Runs every queued request to its end, at most opts.parallel at once, and returns SB_OK
 * (individual failures are reported to each on_done). Requests may be added from callbacks;
 * sb_http_run and sb_http_free must not be called from them (sb_http_run then returns SB_EINVAL).
 * If libcurl's multi handle itself fails, every request left gets on_done with that error and the
 * error is returned. One engine is used by one thread at a time. */
int sb_http_run(sb_http *h);

/* Frees the engine (queued requests not run are dropped without on_done). Sets *h to NULL. */
void sb_http_free(sb_http **h);

/* Returns a copy of url without its userinfo ("user:password@"), fit for logs; caller frees. */
char *sb_http_redact_url(const char *url);

/* Process-wide libcurl setup/teardown; call once from main. */
int sb_http_global_init(void);
void sb_http_global_cleanup(void);

#endif
