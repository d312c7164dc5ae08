/* settings.c - the settings table: one entry per key with its type, place, default and meaning;
 * the loader that checks a .env file against it, key by key and value by value. */
#include "config.h"

#include "base/settings.h"

#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/dotenv.h"
#include "base/fsutil.h"
#include "base/timeutil.h"

extern char **environ;

typedef enum {
	SB_SET_STR,    /* string */
	SB_SET_PATH,   /* path: absolute, or relative to the root */
	SB_SET_URL,    /* http:// or https:// URL */
	SB_SET_LONG,   /* whole number within [min, max] */
	SB_SET_DOUBLE, /* number within [min, max] */
	SB_SET_BOOL,   /* yes/no */
	SB_SET_LEVEL,  /* a log level */
	SB_SET_ZONE,   /* a time zone the C library knows */
	SB_SET_FAMILY, /* keys starting with key: each a string, read with sb_settings_get */
	SB_SET_ROOT    /* PWDSCANBACKUP: the root, read from the environment before the file */
} sb_set_type;

/* Setting flags. */
#define SB_SET_SECRET 1u    /* a password, a token or a URI that may hold one: masked */
#define SB_SET_FILE_ONLY 2u /* not taken from the environment (TZ: the C library reads it) */

/* One setting: its key, an older name also accepted, its type and place, its default (as text,
 * or NULL for none; shown says what the default is when the text does not), range, flags and
 * meaning. */
typedef struct sb_setting_def {
	const char *key;
	const char *alias;
	sb_set_type type;
	size_t offset;
	const char *def;
	const char *shown;
	double min, max;
	unsigned flags;
	const char *help;
} sb_setting_def;

#define SB_S(field) offsetof(sb_settings, field)
#define SB_NOFIELD ((size_t)-1)

static const sb_setting_def sb_setting_defs[] = {
	/* the store */
	{"DATABASE_URI", "URI_MONGO", SB_SET_STR, SB_S(database_uri), NULL,
	 "sqlite:data/scanbackup.db", 0, 0, SB_SET_SECRET,
	 "where the history is stored: `sqlite:PATH` (relative to the root) or `mongodb://...`"},
	{"MONGO_WRITE_CONCERN", NULL, SB_SET_STR, SB_S(mongo_write_concern), NULL, "the server's",
	 0, 0, 0, "the write concern of MongoDB writes: majority, 1, ..."},
	{"DB_TIMEOUT", NULL, SB_SET_LONG, SB_S(db_timeout), "10", NULL, 1, 3600, 0,
	 "seconds to wait for the database, per exchange: connecting, server selection, each reply "
	 "of MongoDB, a locked SQLite file"},
	{"DATA_DIR", NULL, SB_SET_PATH, SB_S(data_dir), NULL, "data", 0, 0, 0,
	 "the data folder: the spool, the logs, the SQLite file, the reports"},
	/* collecting */
	{"USERSCAN", NULL, SB_SET_STR, SB_S(scan_user), NULL, "none", 0, 0, 0,
	 "the user name the nightly job sends to the SCAN portal (HTTP Basic, with each first "
	 "request): to the origins of the SCAN_URL_* settings only, or to every server of the "
	 "sources when none is set"},
	{"PASSWORDSCAN", NULL, SB_SET_STR, SB_S(scan_password), NULL, "none", 0, 0, SB_SET_SECRET,
	 "its password"},
	{"SCAN_PARALLEL", NULL, SB_SET_LONG, SB_S(parallel), "32", NULL, 1, 1024, 0,
	 "downloads in flight at most, and connections open at most (over HTTP/2 the MRTG logs' "
	 "downloads may be more: SCAN_STREAMS)"},
	{"SCAN_STREAMS", NULL, SB_SET_LONG, SB_S(streams), "100", NULL, 1, 1024, 0,
	 "downloads of the MRTG logs (scan, backfill) in flight at most once the portal has "
	 "answered one over HTTP/2: they share the connections already open, still at most "
	 "SCAN_PARALLEL; a value below SCAN_PARALLEL counts as SCAN_PARALLEL"},
	{"SCAN_PIPELINE", NULL, SB_SET_LONG, SB_S(pipeline), "1", NULL, 1, 100, 0,
	 "downloads of the MRTG logs (scan, backfill) in flight at once on one HTTP/1.1 "
	 "connection: above 1 the requests are pipelined (written back to back, answered in "
	 "order), over HTTP/1.1 even when the portal offers HTTP/2; a portal that answers in a "
	 "way that cannot be pipelined is warned about and asked one request at a time"},
	{"SCAN_CONNECT_TIMEOUT", NULL, SB_SET_LONG, SB_S(connect_timeout), "10", NULL, 1, 600, 0,
	 "seconds to connect, per attempt"},
	{"SCAN_TIMEOUT", NULL, SB_SET_LONG, SB_S(timeout), "60", NULL, 1, 3600, 0,
	 "seconds a download may take, per attempt"},
	{"SCAN_RETRIES", NULL, SB_SET_LONG, SB_S(retries), "2", NULL, 0, 10, 0,
	 "further attempts after a failure that may pass (a timeout, a 5xx answer, a lost "
	 "connection)"},
	{"TLS_VERIFY", NULL, SB_SET_BOOL, SB_S(tls_verify), "yes", NULL, 0, 0, 0,
	 "verify the servers' TLS certificates"},
	{"CA_BUNDLE", NULL, SB_SET_PATH, SB_S(ca_bundle), NULL, "the system's", 0, 0, 0,
	 "a file of CA certificates to verify them with"},
	{"SUMMARY_FACTOR", NULL, SB_SET_DOUBLE, SB_S(factor), "8.022e-9", NULL, 0, 1e9, 0,
	 "from the bytes per second of the MRTG logs to the Gbps of the daily summaries"},
	{"TIMEZONE", NULL, SB_SET_ZONE, SB_S(timezone), NULL, "TZ, else the host's", 0, 0, 0,
	 "the time zone of the days (America/Caracas): a sample belongs to the local day of its "
	 "timestamp"},
	{"TZ", NULL, SB_SET_ZONE, SB_S(tz_file), NULL, "none", 0, 0, SB_SET_FILE_ONLY,
	 "in the file: the time zone when TIMEZONE is unset and the environment has no TZ"},
	/* the sources scrapers */
	{"SCAN_USERNAME", NULL, SB_SET_STR, SB_S(scraper_user), NULL, "none", 0, 0, 0,
	 "the user name `updater sources` sends to the portal's pages (its origin only)"},
	{"SCAN_PASSWORD", NULL, SB_SET_STR, SB_S(scraper_password), NULL, "none", 0, 0,
	 SB_SET_SECRET, "its password"},
	{"SCAN_URL_", NULL, SB_SET_FAMILY, SB_NOFIELD, NULL, "none", 0, 0, 0,
	 "`SCAN_URL_<LAYER>` or `SCAN_URL_<LAYER>_<VENDOR>`: the portal page a scraper reads for "
	 "a layer or one vendor of it"},
	/* scripts, modules and reports */
	{"MODULES_DIR", NULL, SB_SET_PATH, SB_S(modules_dir), NULL, "the installed modules", 0, 0,
	 0, "the folder of the layer and probe modules"},
	{"SCRIPTS_DIR", NULL, SB_SET_PATH, SB_S(scripts_dir), NULL,
	 "`<root>/scripts`, else the installed scripts", 0, 0, 0,
	 "the folder of the Lua scripts (reports/, sources/)"},
	{"REPORTS_DIR", NULL, SB_SET_PATH, SB_S(reports_dir), NULL, "data/reports", 0, 0, 0,
	 "where reports are written"},
	{"REPORTS_SCRIPTS", NULL, SB_SET_PATH, SB_S(reports_scripts), NULL, "none", 0, 0, 0,
	 "a folder of the user's own report scripts, looked in before scripts/reports"},
	{"REPORT_TIMEOUT", NULL, SB_SET_LONG, SB_S(report_timeout), "300", NULL, 1, 86400, 0,
	 "seconds a report may run, on the command line and on the dashboard"},
	{"LUA_TRUSTED", NULL, SB_SET_BOOL, SB_S(lua_trusted), "no", NULL, 0, 0, 0,
	 "yes: report and scraper scripts get full Lua instead of the sandbox"},
	{"USE_AMBER", NULL, SB_SET_DOUBLE, SB_S(use_amber), "50", NULL, 0, 1e6, 0,
	 "the use (%) from which a report's use column turns amber"},
	{"USE_RED", NULL, SB_SET_DOUBLE, SB_S(use_red), "80", NULL, 0, 1e6, 0,
	 "the use (%) above which it turns red (not below USE_AMBER)"},
	/* the capacity forecast */
	{"FORECAST_DAYS", NULL, SB_SET_LONG, SB_S(forecast_days), "90", NULL, 2, 3660, 0,
	 "the days whose 95th percentile and peak the capacity forecast fits, up to the last day "
	 "(docs/forecast.md)"},
	{"FORECAST_MIN_DAYS", NULL, SB_SET_LONG, SB_S(forecast_min_days), "30", NULL, 2, 3660, 0,
	 "the days with samples an interface needs before a crossing date is given"},
	{"FORECAST_MIN_R2", NULL, SB_SET_DOUBLE, SB_S(forecast_min_r2), "0.5", NULL, 0, 1, 0,
	 "the least R² of the fitted line for a crossing date to be given"},
	{"FORECAST_HORIZON", NULL, SB_SET_LONG, SB_S(forecast_horizon), "365", NULL, 1, 36600, 0,
	 "the most days after the last one a crossing date may lie"},
	{"FORECAST_THRESHOLD", NULL, SB_SET_DOUBLE, SB_S(forecast_threshold), "80", NULL, 1, 1000,
	 0, "the use (% of the capacity) whose crossing the forecast dates"},
	{"LOG_LEVEL", NULL, SB_SET_LEVEL, SB_S(log_level), "info", NULL, 0, 0, 0,
	 "the least important log lines kept"},
	/* the probe monitor */
	{"MONITOR_CONFIG", NULL, SB_SET_PATH, SB_S(monitor_config), NULL, "monitor.json", 0, 0, 0,
	 "the monitor's configuration"},
	{"MONITOR_PARALLEL", NULL, SB_SET_LONG, SB_S(monitor_parallel), "1024", NULL, 1, 65536, 0,
	 "probes holding a socket, child or HTTP transfer of their own at most; more wait"},
	{"MONITOR_STOP_GRACE", NULL, SB_SET_DOUBLE, SB_S(monitor_stop_grace), "30", NULL, 0, 3600,
	 0, "seconds the running probes get after SIGTERM"},
	{"MONITOR_CENTRAL_URL", NULL, SB_SET_URL, SB_S(monitor_central_url), NULL,
	 "none (a box on its own)", 0, 0, 0,
	 "the dashboard that manages this box: its configuration is pulled from there, its "
	 "results pushed there"},
	{"MONITOR_TOKEN", NULL, SB_SET_STR, SB_S(monitor_token), NULL, "none", 0, 0, SB_SET_SECRET,
	 "the token the dashboard issued for this monitor (`sbm_<id>_<secret>`)"},
	{"MONITOR_SYNC_INTERVAL", NULL, SB_SET_DOUBLE, SB_S(monitor_sync_interval), "10", NULL, 0.1,
	 86400, 0, "seconds between two rounds with the dashboard"},
	{"MONITOR_SYNC_TIMEOUT", NULL, SB_SET_DOUBLE, SB_S(monitor_sync_timeout), "120", NULL, 0.1,
	 3600, 0, "seconds one request to the dashboard may take"},
	/* the alerts (docs/alerts.md) */
	{"ALERTS_FILE", NULL, SB_SET_PATH, SB_S(alerts_file), NULL, "alerts.conf", 0, 0, 0,
	 "the alert rules, read by each `run` and `alerts check`, and again by the daemons when it "
	 "changes"},
	{"ALERT_INTERVAL", NULL, SB_SET_LONG, SB_S(alert_interval), "60", NULL, 1, 86400, 0,
	 "seconds between two evaluations of the rules in `serve` and `monitor`"},
	{"ALERT_SMTP_URL", NULL, SB_SET_STR, SB_S(alert_smtp_url), NULL, "none", 0, 0, 0,
	 "the mail server: `smtp://HOST[:PORT]` (with STARTTLS) or `smtps://HOST[:PORT]`"},
	{"ALERT_SMTP_STARTTLS", NULL, SB_SET_BOOL, SB_S(alert_smtp_starttls), "yes", NULL, 0, 0, 0,
	 "require STARTTLS on an smtp:// server (no: send in the clear if it offers none)"},
	{"ALERT_SMTP_USER", NULL, SB_SET_STR, SB_S(alert_smtp_user), NULL, "none (no AUTH)", 0, 0,
	 0, "the user name the mail server's AUTH takes"},
	{"ALERT_SMTP_PASSWORD", NULL, SB_SET_STR, SB_S(alert_smtp_password), NULL, "none", 0, 0,
	 SB_SET_SECRET, "its password"},
	{"ALERT_MAIL_FROM", NULL, SB_SET_STR, SB_S(alert_mail_from), NULL, "none", 0, 0, 0,
	 "the sender of the alert mails (an address)"},
	{"ALERT_WEBHOOK_SECRET", NULL, SB_SET_STR, SB_S(alert_webhook_secret), NULL, "none", 0, 0,
	 SB_SET_SECRET,
	 "the shared secret of the webhook's signature (`X-Scanbackup-Signature: sha256=` the "
	 "HMAC-SHA256 of the body)"},
	/* the web dashboard */
	{"SERVE_LISTEN", NULL, SB_SET_STR, SB_S(serve_listen), "127.0.0.1:8080", NULL, 0, 0, 0,
	 "`ADDR:PORT`, `[V6ADDR]:PORT` or `PORT`"},
	{"SERVE_TLS_CERT", NULL, SB_SET_PATH, SB_S(serve_tls_cert), NULL, "none", 0, 0, 0,
	 "a PEM certificate; with SERVE_TLS_KEY the dashboard speaks HTTPS only"},
	{"SERVE_TLS_KEY", NULL, SB_SET_PATH, SB_S(serve_tls_key), NULL, "none", 0, 0, 0,
	 "its PEM key"},
	{"SERVE_PUBLIC_URL", NULL, SB_SET_STR, SB_S(serve_public_url), NULL, "none", 0, 0, 0,
	 "the dashboard's address as browsers see it (`https://HOST[:PORT]`), when reached "
	 "through a name or a proxy"},
	{"SERVE_DB", NULL, SB_SET_PATH, SB_S(serve_db), NULL, "data/serve.db", 0, 0, 0,
	 "the dashboard's accounts, sessions and monitors"},
	{"SERVE_ACCESS_LOG", NULL, SB_SET_PATH, SB_S(serve_access_log), NULL,
	 "data/logs/access.log", 0, 0, 0, "one line per request"},
	{"SERVE_WEB_DIR", NULL, SB_SET_PATH, SB_S(serve_web_dir), NULL, "the installed front end",
	 0, 0, 0, "the front end's files"},
	{"SERVE_THREADS", NULL, SB_SET_LONG, SB_S(serve_threads), "4", NULL, 1, 256, 0,
	 "request threads"},
	{"SERVE_SESSION_HOURS", NULL, SB_SET_LONG, SB_S(serve_session_hours), "12", NULL, 1,
	 24 * 90, 0, "a session's lifetime in hours"},
	{"SERVE_SESSION_IDLE", NULL, SB_SET_LONG, SB_S(serve_session_idle), "120", NULL, 0,
	 60 * 24 * 90, 0, "minutes without a request that end a session (0: never)"},
	{"SERVE_LOGIN_MAX_FAILS", NULL, SB_SET_LONG, SB_S(serve_login_max_fails), "5", NULL, 1,
	 1000, 0, "failed sign-ins per address and user within SERVE_LOGIN_WINDOW before a wait"},
	{"SERVE_LOGIN_WINDOW", NULL, SB_SET_LONG, SB_S(serve_login_window), "900", NULL, 1, 86400,
	 0, "that window, in seconds"},
	{"SERVE_STOP_GRACE", NULL, SB_SET_DOUBLE, SB_S(serve_stop_grace), "10", NULL, 0, 3600, 0,
	 "seconds the requests in flight get after SIGTERM"},
	{"SERVE_MAX_RANGE_DAYS", NULL, SB_SET_LONG, SB_S(serve_max_range_days), "92", NULL, 1, 3660,
	 0, "the longest range of raw samples one chart may ask for, in days"},
	{"SERVE_CACHE_SECONDS", NULL, SB_SET_LONG, SB_S(serve_cache_seconds), "60", NULL, 0, 86400,
	 0, "how long a traffic answer is kept and served again (0: never)"},
	{"SERVE_METRICS", NULL, SB_SET_BOOL, SB_S(serve_metrics), "no", NULL, 0, 0, 0,
	 "yes: the dashboard answers `/metrics` in the Prometheus text format (docs/web-api.md)"},
	{"SERVE_METRICS_TOKEN", NULL, SB_SET_STR, SB_S(serve_metrics_token), NULL, "none", 0, 0,
	 SB_SET_SECRET, "a token `/metrics` then asks for (`Authorization: Bearer TOKEN`)"},
	{"SERVE_MAP_TILES", NULL, SB_SET_URL, SB_S(serve_map_tiles), NULL,
	 "none (the map on a plain background)", 0, 0, 0,
	 "the map's tiles: a URL with {z}, {x} and {y} "
	 "(`https://tiles.example.net/{z}/{x}/{y}.png`); "
	 "browsers fetch them from there, nothing else is fetched from outside"},
	{"SERVE_MAP_ATTRIBUTION", NULL, SB_SET_STR, SB_S(serve_map_attribution), NULL, "none", 0, 0,
	 0, "the text the map shows for its tiles (their source and licence)"},
	{"GEOIP_DATABASE", NULL, SB_SET_PATH, SB_S(geoip_database), NULL,
	 "none (traceroute hops without a place)", 0, 0, 0,
	 "a MaxMind DB file (GeoLite2-City, DB-IP City Lite) that places the public addresses of "
	 "traceroute hops on the map; looked up locally, never on the network"},
	/* the environment */
	{"PWDSCANBACKUP", NULL, SB_SET_ROOT, SB_NOFIELD, NULL, "the current directory", 0, 0, 0,
	 "the root directory when --root is not given (read from the environment; in a file it "
	 "has no effect)"},
};

/* Environment variables whose names start so are the engine's to check: one that is no key is
 * noted (a misspelt key would else be ignored without a word). */
static const char *const sb_setting_own_prefixes[] = {"SCAN_",   "SERVE_",   "MONITOR_",
						      "REPORT_", "REPORTS_", "ALERT_"};

/* One assignment of the file. */
struct sb_settings_kv {
	char *key, *value;
};

static const sb_setting_def *sb_setting_find(const char *key)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (d->type == SB_SET_FAMILY)
			continue;
		if (strcmp(d->key, key) == 0 || (d->alias != NULL && strcmp(d->alias, key) == 0))
			return d;
	}
	return NULL;
}

/* The family key belongs to, or NULL. */
static const sb_setting_def *sb_setting_family(const char *key)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		size_t n = strlen(d->key);
		if (d->type == SB_SET_FAMILY && strncmp(key, d->key, n) == 0 && key[n] != '\0')
			return d;
	}
	return NULL;
}

/* The key of the table closest to key, or NULL when none is close (a third of its length at
 * most, up to 3 edits). */
static const char *sb_setting_near(const char *key)
{
	size_t limit = strlen(key) / 3;
	if (limit > 3)
		limit = 3;
	if (limit < 1)
		limit = 1;
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		const char *names[] = {d->key, d->alias};
		for (size_t k = 0; k < 2; k++) {
			if (names[k] == NULL || d->type == SB_SET_FAMILY)
				continue;
			size_t dist = sb_str_distance(key, names[k], limit);
			if (dist < best_d) {
				best_d = dist;
				best = d->key;
			}
		}
	}
	return best;
}

/* " (did you mean KEY?)" for key, or "". */
static void sb_setting_hint(const char *key, char *out, size_t size)
{
	const char *near = sb_setting_near(key);
	if (near != NULL)
		snprintf(out, size, " (did you mean %s?)", near);
	else
		out[0] = '\0';
}

/* A bound of a range as the docs and messages write it: 0.1, 3600, 1e9. */
static void sb_setting_num(double v, char *out, size_t size)
{
	snprintf(out, size, "%g", v);
	char *e = strchr(out, 'e');
	if (e == NULL)
		return;
	/* "1e+09" -> "1e9", "1e-05" -> "1e-5" */
	char *w = e + 1, *r = e + 1;
	if (*r == '+')
		r++;
	else if (*r == '-')
		*w++ = *r++;
	while (*r == '0' && r[1] != '\0')
		r++;
	memmove(w, r, strlen(r) + 1);
}

static const char *sb_level_names[] = {"error", "warning", "info", "debug"};

/* Stores value into the field of d. where names the origin for messages. */
static int sb_setting_apply(sb_settings *s, const sb_setting_def *d, const char *value,
			    const char *where, sb_err *err)
{
	if (d->offset == SB_NOFIELD)
		return SB_OK;
	char *field = (char *)s + d->offset;
	switch (d->type) {
	case SB_SET_URL:
		if (*value != '\0' && strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0)
			return sb_err_set(err, SB_EINVAL,
					  "%s: %s=\"%s\": expected a URL http://HOST[:PORT] or "
					  "https://...",
					  where, d->key, value);
		/* fall through */
	case SB_SET_STR:
	case SB_SET_PATH: {
		char **p = (char **)(void *)field;
		free(*p);
		*p = *value != '\0' ? sb_xstrdup(value) : NULL;
		return SB_OK;
	}
	case SB_SET_ZONE: {
		char near[128];
		if (*value != '\0' && sb_time_zone_check(value, near, sizeof(near)) != SB_OK)
			return sb_err_set(err, SB_EINVAL,
					  "%s: %s=\"%s\": expected a time zone of the tz database "
					  "(America/Caracas, UTC) or a POSIX TZ rule%s%s%s",
					  where, d->key, value, near[0] ? " (did you mean " : "",
					  near, near[0] ? "?)" : "");
		char **p = (char **)(void *)field;
		free(*p);
		*p = *value != '\0' ? sb_xstrdup(value) : NULL;
		return SB_OK;
	}
	case SB_SET_LEVEL: {
		for (size_t i = 0; i < SB_ARRAY_SIZE(sb_level_names); i++) {
			if (strcasecmp(value, sb_level_names[i]) == 0) {
				char **p = (char **)(void *)field;
				free(*p);
				*p = sb_xstrdup(sb_level_names[i]);
				return SB_OK;
			}
		}
		return sb_err_set(err, SB_EINVAL,
				  "%s: %s=\"%s\": expected error, warning, info or debug", where,
				  d->key, value);
	}
	case SB_SET_LONG: {
		long v;
		if (sb_parse_long(value, &v) != SB_OK || v < (long)d->min || v > (long)d->max)
			return sb_err_set(err, SB_EINVAL,
					  "%s: %s=\"%s\": expected a whole number from %ld to %ld",
					  where, d->key, value, (long)d->min, (long)d->max);
		*(long *)(void *)field = v;
		return SB_OK;
	}
	case SB_SET_DOUBLE: {
		double v;
		if (sb_parse_double(value, &v) != SB_OK || v < d->min || v > d->max) {
			char lo[32], hi[32];
			sb_setting_num(d->min, lo, sizeof(lo));
			sb_setting_num(d->max, hi, sizeof(hi));
			return sb_err_set(err, SB_EINVAL,
					  "%s: %s=\"%s\": expected a number from %s to %s", where,
					  d->key, value, lo, hi);
		}
		*(double *)(void *)field = v;
		return SB_OK;
	}
	case SB_SET_BOOL: {
		int v;
		if (sb_parse_bool(value, &v) != SB_OK)
			return sb_err_set(err, SB_EINVAL, "%s: %s=\"%s\": expected yes or no",
					  where, d->key, value);
		*(int *)(void *)field = v;
		return SB_OK;
	}
	case SB_SET_FAMILY:
	case SB_SET_ROOT:
		return SB_OK;
	}
	return SB_EINVAL;
}

typedef struct sb_env_ctx {
	sb_settings *s;
	sb_err *err;
} sb_env_ctx;

static int sb_settings_from_file(void *ctx, const char *key, const char *value, const char *path,
				 unsigned line)
{
	sb_env_ctx *c = ctx;
	sb_settings *s = c->s;
	const sb_setting_def *d = sb_setting_find(key);
	if (d == NULL && sb_setting_family(key) == NULL) {
		char hint[80];
		sb_setting_hint(key, hint, sizeof(hint));
		return sb_err_set(c->err, SB_EINVAL,
				  "%s:%u: unknown setting %s%s (docs/settings.md lists them)", path,
				  line, key, hint);
	}
	s->kv = sb_xrealloc(s->kv, (s->nkv + 1) * sizeof(*s->kv));
	s->kv[s->nkv].key = sb_xstrdup(key);
	s->kv[s->nkv].value = sb_xstrdup(value);
	s->nkv++;
	if (d == NULL)
		return SB_OK;
	char where[600];
	snprintf(where, sizeof(where), "%s:%u", path, line);
	return sb_setting_apply(s, d, value, where, c->err);
}

/* Notes an environment variable of the engine's families that is no setting. */
static void sb_settings_env_check(sb_settings *s)
{
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		size_t len = eq != NULL ? (size_t)(eq - *e) : strlen(*e);
		int ours = 0;
		for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_own_prefixes) && !ours; i++) {
			size_t pl = strlen(sb_setting_own_prefixes[i]);
			ours = len > pl && strncmp(*e, sb_setting_own_prefixes[i], pl) == 0;
		}
		if (!ours || len >= 128)
			continue;
		char key[128];
		memcpy(key, *e, len);
		key[len] = '\0';
		if (sb_setting_find(key) != NULL || sb_setting_family(key) != NULL)
			continue;
		char hint[80];
		sb_setting_hint(key, hint, sizeof(hint));
		s->notes = sb_xrealloc(s->notes, (s->nnotes + 1) * sizeof(*s->notes));
		s->notes[s->nnotes++] =
			sb_xasprintf("environment variable %s is no setting%s: ignored", key, hint);
	}
}

static char *sb_settings_root(const char *root)
{
	if (root == NULL || *root == '\0')
		root = getenv("PWDSCANBACKUP");
	if (root != NULL && *root != '\0') {
		char *abs = realpath(root, NULL);
		return abs;
	}
	return getcwd(NULL, 0);
}

int sb_settings_load(sb_settings *s, const char *root, int dev, sb_err *err)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->root = sb_settings_root(root);
	if (s->root == NULL || !sb_fs_is_dir(s->root))
		return sb_err_set(err, SB_ENOTFOUND, "root directory %s: %s",
				  root != NULL ? root : "(current directory)", strerror(errno));
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (d->def != NULL && sb_setting_apply(s, d, d->def, "default", err) != SB_OK)
			return SB_EINVAL;
	}

	const char *const prod[] = {".env.production", ".env"};
	const char *const devs[] = {".env.development"};
	const char *const *names = dev ? devs : prod;
	size_t nnames = dev ? 1 : 2;
	for (size_t i = 0; i < nnames && s->env_file == NULL; i++) {
		char *path = sb_fs_join(s->root, names[i]);
		if (sb_fs_is_file(path))
			s->env_file = path;
		else
			free(path);
	}
	if (dev && s->env_file == NULL)
		return sb_err_set(err, SB_ENOTFOUND, "--dev needs %s/.env.development", s->root);
	if (s->env_file != NULL) {
		sb_env_ctx ctx = {s, err};
		int rc = sb_dotenv_load(s->env_file, sb_settings_from_file, &ctx, err);
		if (rc != SB_OK)
			return rc;
	}

	/* The environment overrides the file; the old name first so the new one wins. */
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if ((d->flags & SB_SET_FILE_ONLY) || d->offset == SB_NOFIELD)
			continue;
		const char *names2[] = {d->alias, d->key};
		for (size_t k = 0; k < 2; k++) {
			const char *v = names2[k] != NULL ? getenv(names2[k]) : NULL;
			if (v == NULL)
				continue;
			char where[80];
			snprintf(where, sizeof(where), "environment variable %s", names2[k]);
			int rc = sb_setting_apply(s, d, v, where, err);
			if (rc != SB_OK)
				return rc;
		}
	}
	sb_settings_env_check(s);

	if (s->data_dir == NULL)
		s->data_dir = sb_fs_join(s->root, "data");
	else if (s->data_dir[0] != '/') {
		char *abs = sb_fs_join(s->root, s->data_dir);
		free(s->data_dir);
		s->data_dir = abs;
	}
	if (s->database_uri == NULL) {
		char *db = sb_fs_join(s->data_dir, "scanbackup.db");
		s->database_uri = sb_xasprintf("sqlite:%s", db);
		free(db);
	} else if (strncmp(s->database_uri, "sqlite:", 7) == 0 && s->database_uri[7] != '/') {
		/* sqlite paths are relative to the root, so cron's working directory does not matter */
		char *db = sb_fs_join(s->root, s->database_uri + 7);
		free(s->database_uri);
		s->database_uri = sb_xasprintf("sqlite:%s", db);
		free(db);
	}
	if (s->reports_dir == NULL)
		s->reports_dir = sb_fs_join(s->data_dir, "reports");
	if (s->timezone == NULL && getenv("TZ") == NULL && s->tz_file != NULL)
		s->timezone = sb_xstrdup(s->tz_file);
	if (s->use_red < s->use_amber)
		return sb_err_set(err, SB_EINVAL, "USE_RED (%g) must not be below USE_AMBER (%g)",
				  s->use_red, s->use_amber);
	if (s->forecast_min_days > s->forecast_days)
		return sb_err_set(err, SB_EINVAL,
				  "FORECAST_MIN_DAYS (%ld) must not be above FORECAST_DAYS (%ld)",
				  s->forecast_min_days, s->forecast_days);
	return SB_OK;
}

const char *sb_settings_get(const sb_settings *s, const char *key)
{
	const char *v = getenv(key);
	if (v != NULL)
		return v;
	for (size_t i = s->nkv; i-- > 0;)
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	return NULL;
}

int sb_settings_secret(const char *key)
{
	const sb_setting_def *d = sb_setting_find(key);
	if (d != NULL && (d->flags & SB_SET_SECRET))
		return 1;
	static const char *const words[] = {"PASSWORD", "PASSWD",     "TOKEN",
					    "SECRET",   "CREDENTIAL", "PRIVATE"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(words); i++)
		if (strstr(key, words[i]) != NULL)
			return 1;
	size_t n = strlen(key);
	return (n >= 4 && strcmp(key + n - 4, "_KEY") == 0) ||
	       (n >= 3 && strcmp(key + n - 3, "_PW") == 0) ||
	       (n >= 4 && strcmp(key + n - 4, "_PWD") == 0);
}

int sb_settings_known(const char *key)
{
	return sb_setting_find(key) != NULL || sb_setting_family(key) != NULL;
}

void sb_settings_each(const sb_settings *s, const char *prefix,
		      void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	size_t pl = strlen(prefix);
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL || (size_t)(eq - *e) < pl || strncmp(*e, prefix, pl) != 0)
			continue;
		char key[256];
		if ((size_t)(eq - *e) >= sizeof(key))
			continue;
		memcpy(key, *e, (size_t)(eq - *e));
		key[eq - *e] = '\0';
		fn(ctx, key, eq + 1);
	}
	for (size_t i = 0; i < s->nkv; i++) {
		const char *key = s->kv[i].key;
		if (strncmp(key, prefix, pl) != 0 || getenv(key) != NULL)
			continue;
		size_t last = i; /* a key set twice in the file: its last value */
		for (size_t j = i + 1; j < s->nkv; j++)
			if (strcmp(s->kv[j].key, key) == 0)
				last = j;
		if (last == i)
			fn(ctx, key, s->kv[i].value);
	}
}

int sb_settings_value(const sb_settings *s, const char *key, sb_setting_value *out)
{
	const sb_setting_def *d = sb_setting_find(key);
	if (d == NULL || d->offset == SB_NOFIELD)
		return SB_ENOTFOUND;
	const char *field = (const char *)s + d->offset;
	memset(out, 0, sizeof(*out));
	out->secret = (d->flags & SB_SET_SECRET) != 0;
	switch (d->type) {
	case SB_SET_STR:
	case SB_SET_PATH:
	case SB_SET_URL:
	case SB_SET_ZONE:
	case SB_SET_LEVEL:
	case SB_SET_FAMILY:
	case SB_SET_ROOT:
		out->type = SB_SETTING_STR;
		out->str = *(char *const *)(const void *)field;
		break;
	case SB_SET_LONG:
		out->type = SB_SETTING_LONG;
		out->l = *(const long *)(const void *)field;
		break;
	case SB_SET_DOUBLE:
		out->type = SB_SETTING_DOUBLE;
		out->d = *(const double *)(const void *)field;
		break;
	case SB_SET_BOOL:
		out->type = SB_SETTING_BOOL;
		out->b = *(const int *)(const void *)field;
		break;
	}
	return SB_OK;
}

/* 1 when the field of d holds a string. */
static int sb_setting_is_str(const sb_setting_def *d)
{
	return d->offset != SB_NOFIELD &&
	       (d->type == SB_SET_STR || d->type == SB_SET_PATH || d->type == SB_SET_URL ||
		d->type == SB_SET_ZONE || d->type == SB_SET_LEVEL);
}

void sb_settings_free(sb_settings *s)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (sb_setting_is_str(d))
			sb_free(*(char **)(void *)((char *)s + d->offset));
	}
	sb_free(s->root);
	sb_free(s->env_file);
	for (size_t i = 0; i < s->nkv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	sb_free(s->kv);
	s->nkv = 0;
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	sb_free(s->notes);
	s->nnotes = 0;
}

/* Prints family members once each (the environment's value when both set one). */
static void sb_settings_dump_member(void *ctx, const char *key, const char *value)
{
	FILE *f = ctx;
	fprintf(f, "%s=%s\n", key, sb_settings_secret(key) ? "********" : value);
}

void sb_settings_dump(const sb_settings *s, void *fp)
{
	FILE *f = fp;
	fprintf(f, "root=%s\nenv_file=%s\n", s->root, s->env_file ? s->env_file : "(none)");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (d->type == SB_SET_FAMILY) {
			sb_settings_each(s, d->key, sb_settings_dump_member, f);
			continue;
		}
		if (d->type == SB_SET_ROOT) {
			const char *v = getenv(d->key);
			fprintf(f, "%s=%s\n", d->key, v != NULL ? v : "");
			continue;
		}
		const char *field = (const char *)s + d->offset;
		switch (d->type) {
		case SB_SET_LONG:
			fprintf(f, "%s=%ld\n", d->key, *(const long *)(const void *)field);
			break;
		case SB_SET_DOUBLE:
			fprintf(f, "%s=%.17g\n", d->key, *(const double *)(const void *)field);
			break;
		case SB_SET_BOOL:
			fprintf(f, "%s=%s\n", d->key,
				*(const int *)(const void *)field ? "yes" : "no");
			break;
		default: {
			const char *v = *(char *const *)(const void *)field;
			fprintf(f, "%s=%s\n", d->key,
				v == NULL                    ? ""
				: (d->flags & SB_SET_SECRET) ? "********"
							     : v);
			break;
		}
		}
	}
}

/* The type of d as docs/settings.md writes it. */
static void sb_setting_type_text(const sb_setting_def *d, char *out, size_t size)
{
	switch (d->type) {
	case SB_SET_STR:
	case SB_SET_FAMILY:
		snprintf(out, size, "string");
		break;
	case SB_SET_PATH:
	case SB_SET_ROOT:
		snprintf(out, size, "path");
		break;
	case SB_SET_URL:
		snprintf(out, size, "URL");
		break;
	case SB_SET_LONG:
		snprintf(out, size, "whole number, %ld to %ld", (long)d->min, (long)d->max);
		break;
	case SB_SET_DOUBLE: {
		char lo[32], hi[32];
		sb_setting_num(d->min, lo, sizeof(lo));
		sb_setting_num(d->max, hi, sizeof(hi));
		snprintf(out, size, "number, %s to %s", lo, hi);
		break;
	}
	case SB_SET_BOOL:
		snprintf(out, size, "yes/no");
		break;
	case SB_SET_LEVEL:
		snprintf(out, size, "error, warning, info or debug");
		break;
	case SB_SET_ZONE:
		snprintf(out, size, "time zone");
		break;
	}
}

void sb_settings_doc(void *fp)
{
	FILE *f = fp;
	fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		char type[128];
		sb_setting_type_text(d, type, sizeof(type));
		fprintf(f, "| `%s%s`", d->key, d->type == SB_SET_FAMILY ? "*" : "");
		if (d->alias != NULL)
			fprintf(f, " (old name `%s`)", d->alias);
		fprintf(f, " | %s | %s | %s%s%s |\n", type, d->def != NULL ? d->def : d->shown,
			d->help, (d->flags & SB_SET_SECRET) ? "; never shown" : "",
			(d->flags & SB_SET_FILE_ONLY) ? "; read from the file only" : "");
	}
}

/* The folder of the running binary when it sits in a build tree (a Makefile beside it), else
 * NULL. Caller frees. */
static char *sb_settings_build_tree(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *dir = sb_xstrdup(dirname(exe));
	char *mk = sb_fs_join(dir, "Makefile");
	int yes = sb_fs_is_file(mk);
	free(mk);
	if (!yes)
		sb_free(dir);
	return dir;
}

char *sb_settings_modules_dir(const sb_settings *s)
{
	if (s->modules_dir != NULL)
		return sb_xstrdup(s->modules_dir);
	/* Run from the build tree: its modules. */
	char *tree = sb_settings_build_tree();
	char *mods = tree != NULL ? sb_fs_join(tree, "modules") : NULL;
	free(tree);
	if (mods != NULL && sb_fs_is_dir(mods))
		return mods;
	free(mods);
	return sb_xstrdup(SB_PKGLIBDIR);
}

char *sb_settings_scripts_dir(const sb_settings *s)
{
	if (s->scripts_dir != NULL)
		return s->scripts_dir[0] == '/' ? sb_xstrdup(s->scripts_dir)
						: sb_fs_join(s->root, s->scripts_dir);
	char *own = sb_fs_join(s->root, "scripts");
	if (sb_fs_is_dir(own))
		return own;
	free(own);
	char *tree = sb_settings_build_tree();
	char *src = sb_fs_join(SB_SRCDIR, "scripts");
	int use_src = tree != NULL && sb_fs_is_dir(src);
	free(tree);
	if (use_src)
		return src;
	free(src);
	return sb_fs_join(SB_PKGDATADIR, "scripts");
}
