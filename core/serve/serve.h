/* serve.h - `scanbackup serve`: the web dashboard and the central side of remote monitors.
 *
 * One libmicrohttpd daemon (a pool of threads) answers a JSON API under /api/ and serves the
 * front end's files (web/dist) to signed-in users; the login page is the only page served
 * without a session. It reads the history store of DATABASE_URI (one store handle per thread)
 * and keeps users, sessions and remote monitors in its own SQLite file (servedb.h). Every request
 * gets one line in the access log, "YYYY-MM-DD HH:MM:SS LEVEL [serve] ip user \"METHOD URI\"
 * status bytes ms" (INFO below 400, WARNING 4xx, ERROR 5xx); request bodies are never logged.
 * The API is described in docs/web-api.md. */
#ifndef SB_SERVE_SERVE_H
#define SB_SERVE_SERVE_H

#include "base/sb.h"
#include "base/settings.h"
#include "plugin/module.h"

typedef struct sb_serve_opts {
	const sb_settings *s;   /* database, time zone, factor, root, data_dir */
	const sb_modules *mods; /* the layer schemas and the probe modules' parameters */
	const char *listen;     /* "ADDR:PORT", "[ADDR]:PORT" or "PORT" (then 127.0.0.1);
				 * port 0 picks a free one */
	const char *tls_cert;   /* PEM files: both or neither (then plain HTTP) */
	const char *tls_key;
	const char *web_dir;    /* the front end's files; NULL or missing: API only */
	const char *db_path;    /* servedb file */
	const char *access_log; /* access log file */
	const char *exe;        /* this scanbackup binary, run for xlsx reports */
	const char *port_file;  /* when set, the bound port is written there once listening */
	long threads;           /* request threads (SERVE_THREADS) */
	long session_hours;     /* session lifetime (SERVE_SESSION_HOURS) */
	long session_idle; /* minutes without a request that end a session (SERVE_SESSION_IDLE) */
	long login_max_fails;   /* failed sign-ins per address and account within login_window
			       * (4x per address, 4x per account) before waiting it out */
	long login_window;      /* seconds (login_limit.h) */
	const char *public_url; /* the dashboard's origin as browsers see it (SERVE_PUBLIC_URL,
				 * may be NULL): changes are accepted from it and from the listen
				 * address only */
	double stop_grace;      /* seconds requests in flight get after SIGTERM */
	long max_range_days;    /* longest chart range of raw samples (SERVE_MAX_RANGE_DAYS) */
	const char *geoip_db;   /* a MaxMind DB file placing addresses (GEOIP_DATABASE), or NULL */
	const char *map_tiles;  /* the map's tile URL with {z}, {x}, {y} (SERVE_MAP_TILES), or NULL:
				 * its origin is the only other one the pages may load images from */
	const char *map_attribution; /* the tiles' credit line, or NULL */
	long cache_seconds; /* traffic answers (layers, interface) are kept and served again
			       * for this long (SERVE_CACHE_SECONDS; 0: never): the data changes
			       * once a night */
	/* MAY: called once, on the calling thread, when the server listens (the alert rules start
	 * then, so that a server that cannot start evaluates nothing) */
	void (*on_ready)(void *arg);
	/* MAY: called at each SIGHUP, after the access log is reopened (the alert rules are read
	 * again so) */
	void (*on_hup)(void *arg);
	void *hup_arg; /* the argument of both */
} sb_serve_opts;

/* Runs the server until SIGTERM or SIGINT: opens servedb and the store, binds, writes port_file,
 * answers. SIGHUP reopens the access log (for logrotate). SIGTERM: stops accepting, lets the
 * requests in flight finish within stop_grace seconds, then closes. Returns SB_OK after a clean
 * stop, or an error (bad listen address, port taken, unreadable certificate, database) with err
 * filled before anything was served. Call from the main thread, once. */
int sb_serve_run(const sb_serve_opts *o, sb_err *err);

#endif
