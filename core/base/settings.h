/* settings.h - the settings: defaults, then the root's .env file, then the environment. One typed
 * table (settings.c) declares every key with its type, default and meaning; docs/settings.md is
 * that table (`scanbackup config --doc`, checked by tests/integration/settings.py). */
#ifndef SB_BASE_SETTINGS_H
#define SB_BASE_SETTINGS_H

#include "base/sb.h"

/* Every setting of the engine. Strings are owned by the struct (NULL when unset). */
typedef struct sb_settings {
	char *root;     /* absolute project root (--root, PWDSCANBACKUP, or cwd) */
	char *data_dir; /* DATA_DIR, default <root>/data */
	char *env_file; /* the .env file read, NULL if none */
	int dev;        /* --dev: .env.development */

	char *database_uri; /* DATABASE_URI (old name URI_MONGO); default sqlite:<data>/scanbackup.db */
	char *mongo_write_concern; /* MONGO_WRITE_CONCERN: majority, 1, ... */
	long db_timeout;           /* DB_TIMEOUT seconds */

	char *scan_user;        /* USERSCAN */
	char *scan_password;    /* PASSWORDSCAN */
	char *scraper_user;     /* SCAN_USERNAME */
	char *scraper_password; /* SCAN_PASSWORD */
	long parallel;          /* SCAN_PARALLEL */
	long streams;           /* SCAN_STREAMS: in flight over HTTP/2 */
	long pipeline;          /* SCAN_PIPELINE: in flight on one HTTP/1.1 connection */
	long connect_timeout;   /* SCAN_CONNECT_TIMEOUT seconds */
	long timeout;           /* SCAN_TIMEOUT seconds */
	long retries;           /* SCAN_RETRIES */
	int tls_verify;         /* TLS_VERIFY */
	char *ca_bundle;        /* CA_BUNDLE */

	char *modules_dir;     /* MODULES_DIR */
	char *scripts_dir;     /* SCRIPTS_DIR (Lua: reports/, sources/) */
	char *reports_dir;     /* REPORTS_DIR */
	char *reports_scripts; /* REPORTS_SCRIPTS */
	double factor;         /* SUMMARY_FACTOR, bytes/s -> Gbps */
	char *timezone;        /* TIMEZONE (else TZ, else the host's); a zone the C library knows */
	char *tz_file;         /* TZ in the file (the environment's TZ is the C library's own) */
	char *log_level;       /* LOG_LEVEL: error, warning, info or debug */
	double use_amber;      /* USE_AMBER, % */
	double use_red;        /* USE_RED, % */

	/* the capacity forecast (forecast.h, docs/forecast.md) */
	long forecast_days;        /* FORECAST_DAYS: the days fitted, up to the last */
	long forecast_min_days;    /* FORECAST_MIN_DAYS: days with data a projection needs */
	double forecast_min_r2;    /* FORECAST_MIN_R2 */
	long forecast_horizon;     /* FORECAST_HORIZON: days ahead a crossing is given */
	double forecast_threshold; /* FORECAST_THRESHOLD, % of the capacity */

	/* the alerts (alert/alert.h) */
	char *alerts_file;          /* ALERTS_FILE: the rules (relative to the root) */
	long alert_interval;        /* ALERT_INTERVAL, seconds */
	char *alert_smtp_url;       /* ALERT_SMTP_URL: smtp:// or smtps:// */
	int alert_smtp_starttls;    /* ALERT_SMTP_STARTTLS */
	char *alert_smtp_user;      /* ALERT_SMTP_USER */
	char *alert_smtp_password;  /* ALERT_SMTP_PASSWORD */
	char *alert_mail_from;      /* ALERT_MAIL_FROM */
	char *alert_webhook_secret; /* ALERT_WEBHOOK_SECRET */

	/* scanbackup serve (serve.h) */
	char *serve_listen;     /* SERVE_LISTEN: ADDR:PORT */
	char *serve_tls_cert;   /* SERVE_TLS_CERT: PEM certificate (with SERVE_TLS_KEY: HTTPS) */
	char *serve_tls_key;    /* SERVE_TLS_KEY */
	char *serve_db;         /* SERVE_DB: users, sessions, monitors (default <data>/serve.db) */
	char *serve_access_log; /* SERVE_ACCESS_LOG (default <data>/logs/access.log) */
	char *serve_web_dir;    /* SERVE_WEB_DIR: the built front end */
	long serve_threads;     /* SERVE_THREADS */
	long serve_session_hours;   /* SERVE_SESSION_HOURS */
	long serve_session_idle;    /* SERVE_SESSION_IDLE, minutes */
	long serve_login_max_fails; /* SERVE_LOGIN_MAX_FAILS */
	long serve_login_window;    /* SERVE_LOGIN_WINDOW, seconds */
	double serve_stop_grace;    /* SERVE_STOP_GRACE, seconds */
	long serve_max_range_days;  /* SERVE_MAX_RANGE_DAYS */
	long serve_cache_seconds; /* SERVE_CACHE_SECONDS: traffic answers kept this long (0: never) */
	char *serve_public_url;   /* SERVE_PUBLIC_URL: the dashboard's origin as browsers see it */
	int serve_metrics;        /* SERVE_METRICS: answer /metrics */
	char *serve_metrics_token;   /* SERVE_METRICS_TOKEN: the bearer token /metrics asks for */
	char *serve_map_tiles;       /* SERVE_MAP_TILES: the map's tile URL ({z}, {x}, {y}) */
	char *serve_map_attribution; /* SERVE_MAP_ATTRIBUTION: the tiles' credit line */
	char *geoip_database;        /* GEOIP_DATABASE: a MaxMind DB file placing IP addresses */

	long report_timeout; /* REPORT_TIMEOUT: seconds a report may run (command line and web) */
	int lua_trusted;     /* LUA_TRUSTED: scripts get full Lua instead of the sandbox */

	/* scanbackup monitor (monitor.h, monitor_remote.h) */
	char *monitor_config;         /* MONITOR_CONFIG: monitor.json (relative to the root) */
	long monitor_parallel;        /* MONITOR_PARALLEL: probes in flight */
	double monitor_stop_grace;    /* MONITOR_STOP_GRACE, seconds */
	char *monitor_central_url;    /* MONITOR_CENTRAL_URL: the dashboard managing this box */
	char *monitor_token;          /* MONITOR_TOKEN */
	double monitor_sync_interval; /* MONITOR_SYNC_INTERVAL, seconds */
	double monitor_sync_timeout;  /* MONITOR_SYNC_TIMEOUT, seconds */

	/* The file's assignments in order (sb_settings_get, sb_settings_each), and the warnings of
	 * the load for the caller to show (an environment variable of the engine's families that
	 * is no setting). Owned by the struct. */
	struct sb_settings_kv *kv;
	size_t nkv;
	char **notes;
	size_t nnotes;
} sb_settings;

/* Loads the settings. root may be NULL (then PWDSCANBACKUP, then the current directory).
 * dev selects .env.development (which must exist); otherwise .env.production if present, else
 * .env if present. Every key of the file must be a key of the table (or its old name) or of a
 * family (SCAN_URL_*): an unknown one is SB_EINVAL with err naming file:line and, when a key of
 * the table is close, suggesting it ("did you mean SERVE_THREADS?"). A bad value (not a number,
 * out of range, not yes/no, not a time zone, ...) is SB_EINVAL naming file:line and what was
 * expected; in the environment, naming the variable. The environment overrides the file for the
 * table's keys only; an environment variable that starts like the engine's own keys (SCAN_,
 * SERVE_, MONITOR_, REPORT_, REPORTS_, ALERT_) yet is none of them is left alone, with a note in
 * s->notes (and the close key, if any). Free with sb_settings_free, also after a failure. */
int sb_settings_load(sb_settings *s, const char *root, int dev, sb_err *err);

/* The value of key for s: the environment's, else the last one of s's file, else NULL (also for
 * a key s's file does not have). For the families (SCAN_URL_BORDE_HUAWEI...) and the scripts;
 * the table's keys are read from the struct. Returns a string owned by s or the environment. */
const char *sb_settings_get(const sb_settings *s, const char *key);

/* 1 when key names a secret: a setting the table marks secret (passwords, DATABASE_URI), or a
 * name holding PASSWORD, PASSWD, TOKEN, SECRET, CREDENTIAL or PRIVATE, or ending in _KEY, _PW or
 * _PWD (MONITOR_TOKEN, PGPASSWORD...). Scripts are never given such a value. */
int sb_settings_secret(const char *key);

/* 1 when key is a setting a .env file may hold: a key of the table (or its old name), or one of
 * a family (SCAN_URL_*). */
int sb_settings_known(const char *key);

/* Calls fn with every key starting with prefix that the environment or the .env file sets, and
 * its value (the environment's when both set it), in no particular order. */
void sb_settings_each(const sb_settings *s, const char *prefix,
		      void (*fn)(void *ctx, const char *key, const char *value), void *ctx);

/* A setting of the table above, typed (for the Lua host's sb.setting). */
typedef enum {
	SB_SETTING_STR,
	SB_SETTING_LONG,
	SB_SETTING_DOUBLE,
	SB_SETTING_BOOL
} sb_setting_type;

typedef struct sb_setting_value {
	sb_setting_type type;
	const char *str; /* SB_SETTING_STR: owned by s, NULL when unset */
	long l;          /* SB_SETTING_LONG */
	double d;        /* SB_SETTING_DOUBLE */
	int b;           /* SB_SETTING_BOOL */
	int secret;      /* a password or a URI that may hold one */
} sb_setting_value;

/* Looks up key (or its old name) in the settings table and fills *out. Returns SB_OK, or
 * SB_ENOTFOUND when key is not a setting of the table (free-form keys: sb_settings_get). */
int sb_settings_value(const sb_settings *s, const char *key, sb_setting_value *out);

/* Frees everything s owns. */
void sb_settings_free(sb_settings *s);

/* Prints every key of the table with its value (passwords masked), then the families' keys that
 * are set, to f. */
void sb_settings_dump(const sb_settings *s, void *f);

/* Prints the table as the Markdown rows of docs/settings.md: key (and old name), type, default,
 * meaning; one row per key, in the table's order. */
void sb_settings_doc(void *f);

/* The modules directory in use: MODULES_DIR, else the build tree's modules/ when run from it, else
 * the installed $(pkglibdir). Returned string is owned by the caller. */
char *sb_settings_modules_dir(const sb_settings *s);

/* The Lua scripts directory (holding reports/ and sources/): SCRIPTS_DIR (relative to the root
 * unless absolute), else <root>/scripts when it exists, else the source tree's scripts/ when run
 * from the build tree, else the installed $(pkgdatadir)/scripts. Returned string is owned by the
 * caller. */
char *sb_settings_scripts_dir(const sb_settings *s);

#endif
