/* settings.h - the settings: defaults, then the root's .env file, then the environment. */
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
	char *timezone;        /* TIMEZONE (else TZ, else the host's) */
	char *log_level;       /* LOG_LEVEL */
	double use_amber;      /* USE_AMBER, % */
	double use_red;        /* USE_RED, % */

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

	long report_timeout; /* REPORT_TIMEOUT: seconds a report may run (command line and web) */
	int lua_trusted;     /* LUA_TRUSTED: scripts get full Lua instead of the sandbox */
} sb_settings;

/* Loads the settings. root may be NULL (then PWDSCANBACKUP, then the current directory).
 * dev selects .env.development (which must exist); otherwise .env.production if present, else
 * .env if present. A bad value or an unknown key in the file is SB_EINVAL with err naming the
 * file and line; a bad value in the environment names the variable. */
int sb_settings_load(sb_settings *s, const char *root, int dev, sb_err *err);

/* Looks up a free-form key (SCAN_URL_BORDE_HUAWEI...): the environment first, then the file.
 * Returns a string owned by s or the environment, or NULL. */
const char *sb_settings_get(const sb_settings *s, const char *key);

/* 1 when key names a secret: a setting the table marks secret (passwords, DATABASE_URI), or a
 * name holding PASSWORD, PASSWD, TOKEN, SECRET, CREDENTIAL or PRIVATE, or ending in _KEY, _PW or
 * _PWD (MONITOR_TOKEN, PGPASSWORD...). Scripts are never given such a value. */
int sb_settings_secret(const char *key);

/* 1 when key is a setting a .env file may hold: a key of the table (or its old name), or one of
 * the free-form families (SCAN_URL_*, MONITOR_*, SERVE_*...). */
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

/* Prints every setting with its value and origin (passwords masked) to f. */
void sb_settings_dump(const sb_settings *s, void *f);

/* The modules directory in use: MODULES_DIR, else the build tree's modules/ when run from it, else
 * the installed $(pkglibdir). Returned string is owned by the caller. */
char *sb_settings_modules_dir(const sb_settings *s);

/* The Lua scripts directory (holding reports/ and sources/): SCRIPTS_DIR (relative to the root
 * unless absolute), else <root>/scripts when it exists, else the source tree's scripts/ when run
 * from the build tree, else the installed $(pkgdatadir)/scripts. Returned string is owned by the
 * caller. */
char *sb_settings_scripts_dir(const sb_settings *s);

#endif
