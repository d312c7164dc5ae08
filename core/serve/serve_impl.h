/* serve_impl.h - private to the web server: the request, the server state, replies and handlers. */
#ifndef SB_SERVE_SERVE_IMPL_H
#define SB_SERVE_SERVE_IMPL_H

#include <bson/bson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/json.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "serve/geoip.h"
#include "serve/login_limit.h"
#include "serve/serve.h"
#include "serve/serve_body.h"
#include "serve/servedb.h"
#include "store/store.h"

/* Who may call a route. */
typedef enum sb_auth {
	SB_AUTH_PUBLIC = 0, /* anyone (the login page and the login call) */
	SB_AUTH_VIEWER = 1, /* a signed-in user */
	SB_AUTH_ADMIN = 2,  /* a signed-in admin */
	SB_AUTH_MONITOR = 3 /* a remote monitor's bearer token for the monitor of segment 2, or a
			     * signed-in user who may see it (read) / manage it (write) */
} sb_auth;

#define SB_REQ_MAX_SEGS 8

typedef struct sb_srv sb_srv;

/* One request, from its first line to the completed callback. Handlers run on a pool thread. */
typedef struct sb_req sb_req;
struct sb_req {
	sb_srv *srv;
	struct MHD_Connection *conn;
	char uri[512]; /* as received (path and query, cut), for the access log */
	const char *method;
	const char *url; /* decoded path, valid while the handler runs */
	char ip[64];
	double t0;
	char *body; /* the request body, NUL-terminated (NULL when empty) */
	size_t body_len;
	size_t body_max;
	int body_over; /* the body was larger than body_max (dropped) */
	/* auth */
	int have_session;
	sb_session sess;
	char cookie[SB_TOKEN_HEX + 1];
	int64_t monitor; /* > 0: authenticated with this monitor's token */
	/* path segments of url ("api", "monitors", "3", ...) */
	char *segs[SB_REQ_MAX_SEGS];
	size_t nsegs;
	char segbuf[512];
	/* reply: extra headers for the answer, then what was sent */
	struct {
		char name[32];
		char *value;
	} hdr[6];
	size_t nhdr;
	unsigned status;
	uint64_t bytes;
	int replied;
	int dead; /* no answer could be queued: the connection is dropped */
	/* a handler waiting for something without holding its thread (sb_req_suspend) */
	int suspended;
	void (*resume)(sb_req *r);   /* called on a pool thread once the connection is resumed */
	void *job;                   /* the handler's state meanwhile */
	void (*job_free)(void *job); /* frees job if the request ends before resume took it */
};

/* A cached answer: the JSON text of a GET, by its URI. */
typedef struct sb_cache_entry {
	char key[512];
	char *body;
	size_t len;
	double expires, used;
} sb_cache_entry;

/* Entries of the sign-in rate limit (40 bytes each). */
#define SB_LOGIN_SLOTS 16384

#define SB_CACHE_SLOTS 64
#define SB_CACHE_MAX_BYTES ((size_t)64 << 20)

struct sb_srv {
	const sb_serve_opts *o;
	sb_servedb *db;
	struct MHD_Daemon *mhd;
	int tls;
	int have_web;
	/* the store: one handle per request thread, lent out by sb_srv_store */
	pthread_mutex_t store_mu;
	pthread_cond_t store_cv;
	sb_store **stores;
	size_t nstores, nfree;
	/* the layers of the loaded modules, in module order */
	const sb_schema *layers[32];
	size_t nlayers;
	/* the records of the probe modules (format/record.h) */
	sb_rec_set *decls;
	/* access log */
	pthread_mutex_t log_mu;
	sb_logfile access;
	/* requests in flight, and the stop flag */
	atomic_int inflight;
	atomic_int stopping;
	/* the sign-in rate limit (login_limit.h), password hashes running */
	pthread_mutex_t rl_mu;
	sb_login_limit *limit;
	/* origins browsers may send changes from ("scheme://host:port") */
	char origins[6][300];
	size_t norigins;
	atomic_int hashing;
	/* results pushed by remote monitors are checked against the store and written one push
	 * at a time */
	pthread_mutex_t push_mu;
	/* reports being written by child processes (serve_reports.c), and their count */
	struct sb_reports *reports;
	atomic_int reports_writing;
	/* the interfaces catalogues of the days asked for (serve_find.c) */
	struct sb_catalogs *cats;
	/* the geolocation database (GEOIP_DATABASE), or NULL */
	sb_geoip *geo;
	/* the Content-Security-Policy of every answer: SERVE_MAP_TILES's origin may serve images */
	char csp[640];
	/* the answer cache */
	pthread_mutex_t cache_mu;
	sb_cache_entry cache[SB_CACHE_SLOTS];
	size_t cache_bytes;
};

/* ---- replies (serve.c): each handler queues exactly one ---- */

/* Queues buf (taken: freed with free()) as the answer with that status and content type, plus
 * the security headers every answer carries. */
void sb_reply(sb_req *r, unsigned status, const char *ctype, char *buf, size_t len);
/* Adds a header to the answer about to be queued by the next sb_reply* call of this request. */
void sb_reply_header(sb_req *r, const char *name, const char *value);
/* The JSON text of j (a failed writer answers 503 "answer too large"). */
void sb_reply_json(sb_req *r, unsigned status, sb_json *j);
/* {"error": message}: every 4xx/5xx of the API. */
void sb_reply_error(sb_req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Answers from the cache when it holds a fresh answer to this GET: returns 1 (answered) or 0. */
int sb_reply_cached(sb_req *r);
/* Like sb_reply_json with status 200, keeping a copy of the text in the cache. */
void sb_reply_json_cache(sb_req *r, sb_json *j);
/* {"ok": true} */
void sb_reply_ok(sb_req *r);
/* 503 with the store's message (the database is down or refused). */
void sb_reply_store_error(sb_req *r, const sb_err *err);
/* The answer to a failed servedb call: 404 (SB_ENOTFOUND), 400 (SB_EINVAL) or 503. */
void sb_reply_db(sb_req *r, int rc, const sb_err *err);

/* ---- request helpers (serve.c) ---- */

/* A query argument (decoded), or NULL. */
const char *sb_req_arg(sb_req *r, const char *name);
/* A request header, or NULL. */
const char *sb_req_header(sb_req *r, const char *name);
/* Parses the body as a JSON object into doc (bson_destroy it after SB_OK). Otherwise answers
 * 400/415 and returns SB_EINVAL. */
int sb_req_json(sb_req *r, bson_t *doc);
/* A date argument: absent -> def; bad -> 400 answered and SB_EINVAL. */
int sb_req_date(sb_req *r, const char *name, sb_date def, sb_date *out);
/* A whole-number path segment: bad -> 404 answered and SB_EINVAL. */
int sb_req_seg_id(sb_req *r, size_t i, int64_t *out);

/* Reading a JSON body's members (serve_body.h): a missing member leaves *out alone and returns
 * 0; a member of the wrong type answers 400 naming it and returns -1; 1 when read. */
int sb_body_str(sb_req *r, const bson_t *doc, const char *key, const char **out);
int sb_body_num(sb_req *r, const bson_t *doc, const char *key, double *out);
int sb_body_bool(sb_req *r, const bson_t *doc, const char *key, int *out);

/* Borrows a store handle (blocks while all are lent). NULL with err filled when the store cannot
 * be opened. Give it back with sb_srv_store_put. */
sb_store *sb_srv_store(sb_srv *s, sb_err *err);
void sb_srv_store_put(sb_srv *s, sb_store *st);

/* Suspends the request's connection from inside its handler, which then returns without an answer:
 * its thread serves other connections meanwhile. Whoever owns job later calls
 * MHD_resume_connection (from any thread); resume(r) then runs on a pool thread and must answer
 * (and take job: r->job set to NULL, or it is freed with job_free when the request ends). */
void sb_req_suspend(sb_req *r, void (*resume)(sb_req *r), void *job, void (*job_free)(void *job));

/* The schema of a layer name (any case), or NULL. */
const sb_schema *sb_srv_layer(sb_srv *s, const char *name);

/* ---- handlers ---- */

/* serve_auth.c */
void sb_api_login(sb_req *r);
void sb_api_logout(sb_req *r);
void sb_api_session(sb_req *r);
void sb_api_password(sb_req *r);
void sb_api_users(sb_req *r);
void sb_api_user_add(sb_req *r);
void sb_api_user_put(sb_req *r);
void sb_api_user_del(sb_req *r);
/* Resolves the session cookie of r (sets have_session and sess). */
void sb_auth_session(sb_req *r);

/* serve_find.c: the interfaces of a day (catalog.h) */
struct sb_cat;
void sb_api_layers(sb_req *r);
void sb_api_find(sb_req *r);
/* Makes and frees the catalogues' cache of s (before the pool threads; after they are gone). */
void sb_catalogs_new(sb_srv *s);
void sb_catalogs_free(sb_srv *s);
/* The catalogue of day ("YYYY-MM-DD"), one reference for the caller (sb_cat_unref): kept
 * SERVE_CACHE_SECONDS, then rebuilt by the first call that finds it old while others use it.
 * SB_OK, or the store's error in err. Never call it holding a store handle (it may borrow one). */
int sb_srv_catalog(sb_srv *s, const char *day, struct sb_cat **out, sb_err *err);
/* The day the traffic pages show by default: the newest day with daily summaries up to
 * yesterday, else yesterday (kept SERVE_CACHE_SECONDS). Same rule as sb_srv_catalog's. */
int sb_srv_default_day(sb_srv *s, char out[11], sb_err *err);

/* serve_forecast.c: the capacity forecast of a layer (store/trend.h) */
void sb_api_forecast(sb_req *r);

/* serve_traffic.c */
void sb_api_interface(sb_req *r);

/* serve_reports.c: the report list, and workbooks written by a child `scanbackup report` each,
 * awaited by one thread of their own (a pidfd per child; killed 20 s past REPORT_TIMEOUT), so no
 * request thread waits for a report. */
void sb_api_reports(sb_req *r);
void sb_api_report_file(sb_req *r);
/* Starts the reports' thread (before the pool threads, with the signals blocked). */
int sb_reports_start(sb_srv *s, sb_err *err);
/* Kills the reports still running, resumes their requests (answered 503), and ends the thread;
 * call before MHD_stop_daemon, which must find no suspended connection. Then new report requests
 * are answered 503 at once. Safe to call twice, and without sb_reports_start. */
void sb_reports_stop(sb_srv *s);
/* Frees what sb_reports_start made (after MHD_stop_daemon: no pool thread left). */
void sb_reports_free(sb_srv *s);

/* serve_monitors.c */
void sb_api_monitors(sb_req *r);
/* The gate of the calls on one monitor (/api/monitors/ID...) for a signed-in user: SB_OK when the
 * user may see it (GET) or manage it (the rest); else answers 404 (a monitor the user may not
 * see is one that does not exist) or 403 (seen, not managed) and returns SB_EAUTH. */
int sb_monitor_gate(sb_req *r);
/* What the signed-in user may do with monitor id (SB_ACCESS_NONE as well when there is none). */
sb_access sb_monitor_access(sb_req *r, int64_t id);
void sb_api_monitor_owner(sb_req *r);
void sb_api_share_add(sb_req *r);
void sb_api_share_del(sb_req *r);
void sb_api_monitor_add(sb_req *r);
void sb_api_monitor_get(sb_req *r);
void sb_api_monitor_put(sb_req *r);
void sb_api_monitor_del(sb_req *r);
void sb_api_monitor_token(sb_req *r);
void sb_api_monitor_revoke(sb_req *r);
void sb_api_link_add(sb_req *r);
void sb_api_link_put(sb_req *r);
void sb_api_link_del(sb_req *r);
void sb_api_test_put(sb_req *r);
void sb_api_test_del(sb_req *r);
void sb_api_monitor_config(sb_req *r);
void sb_api_monitor_results(sb_req *r);
/* Authenticates "Authorization: Bearer <token>" for the monitor of segment 2: SB_OK (r->monitor
 * set), SB_ENOTFOUND when there is no bearer header, SB_EAUTH when it is wrong. */
int sb_auth_monitor(sb_req *r);
/* The intervals (s) of a monitor's tests, as its configuration on this server sets them. */
typedef struct sb_mon_intervals {
	char test[32][64];
	long v[32];
	size_t n;
	long shortest; /* of them all; 0: no test */
} sb_mon_intervals;
void sb_monitor_intervals(sb_srv *s, int64_t monitor, sb_mon_intervals *out);
/* The interval of test among them, or 0. */
long sb_mon_interval_of(const sb_mon_intervals *iv, const char *test);
/* A test's state on a link from its newest record (have: one exists; t, up: its time and whether
 * its up field says up) and the test's interval: "unknown" without a record or an interval,
 * "stale" when the record is more than two intervals older than now, else "up" or "down". */
const char *sb_link_state(int have, int64_t t, int up, long interval, int64_t now);
/* A link's state from those of its tests: "down" when one is down, else "up" when one is up,
 * else "stale" when one is stale, else "unknown". */
const char *sb_link_states(int up, int down, int stale);

/* "lat" and "lon" of a place; when none is set, null for both (nulls) or nothing (as monitor.json
 * leaves them out). */
void sb_place_json(sb_json *j, const sb_place *p, int nulls);

/* Calls fn once for each enabled link of every monitor and each test with an interval its
 * monitor runs, with the test's name and its state on the link (sb_link_state: "up", "down",
 * "stale", "unknown"), from the newest record of the last day. SB_OK, or the store's or
 * servedb's error. */
typedef void (*sb_probe_state_fn)(void *ctx, const char *test, const char *state);
int sb_probe_states(sb_srv *s, sb_probe_state_fn fn, void *ctx, sb_err *err);

/* serve_metrics.c: /metrics in the Prometheus text format (SERVE_METRICS) */
void sb_serve_metrics(sb_req *r);

/* serve_probes.c */
void sb_api_probe_link(sb_req *r);

/* serve_map.c */
void sb_api_geoip(sb_req *r);
void sb_api_map(sb_req *r);

/* serve_alerts.c */
void sb_api_alerts(sb_req *r);

#endif
