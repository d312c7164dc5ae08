/* settings.c - the settings table: one entry per key with its type, place and default. */
#include "config.h"

#include "base/settings.h"

#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/dotenv.h"
#include "base/fsutil.h"

extern char **environ;

typedef enum { SB_SET_STR, SB_SET_LONG, SB_SET_DOUBLE, SB_SET_BOOL } sb_set_type;

/* One setting: its key, an older name also accepted, where it lives, its default and range. */
typedef struct sb_setting_def {
	const char *key;
	const char *alias;
	sb_set_type type;
	size_t offset;
	const char *def;
	double min, max;
	int secret;
} sb_setting_def;

#define SB_S(field) offsetof(sb_settings, field)

static const sb_setting_def sb_setting_defs[] = {
	{"DATABASE_URI", "URI_MONGO", SB_SET_STR, SB_S(database_uri), NULL, 0, 0, 1},
	{"MONGO_WRITE_CONCERN", NULL, SB_SET_STR, SB_S(mongo_write_concern), NULL, 0, 0, 0},
	{"DB_TIMEOUT", NULL, SB_SET_LONG, SB_S(db_timeout), "10", 1, 3600, 0},
	{"DATA_DIR", NULL, SB_SET_STR, SB_S(data_dir), NULL, 0, 0, 0},
	{"USERSCAN", NULL, SB_SET_STR, SB_S(scan_user), NULL, 0, 0, 0},
	{"PASSWORDSCAN", NULL, SB_SET_STR, SB_S(scan_password), NULL, 0, 0, 1},
	{"SCAN_USERNAME", NULL, SB_SET_STR, SB_S(scraper_user), NULL, 0, 0, 0},
	{"SCAN_PASSWORD", NULL, SB_SET_STR, SB_S(scraper_password), NULL, 0, 0, 1},
	{"SCAN_PARALLEL", NULL, SB_SET_LONG, SB_S(parallel), "32", 1, 1024, 0},
	{"SCAN_CONNECT_TIMEOUT", NULL, SB_SET_LONG, SB_S(connect_timeout), "10", 1, 600, 0},
	{"SCAN_TIMEOUT", NULL, SB_SET_LONG, SB_S(timeout), "60", 1, 3600, 0},
	{"SCAN_RETRIES", NULL, SB_SET_LONG, SB_S(retries), "2", 0, 10, 0},
	{"TLS_VERIFY", NULL, SB_SET_BOOL, SB_S(tls_verify), "yes", 0, 0, 0},
	{"CA_BUNDLE", NULL, SB_SET_STR, SB_S(ca_bundle), NULL, 0, 0, 0},
	{"MODULES_DIR", NULL, SB_SET_STR, SB_S(modules_dir), NULL, 0, 0, 0},
	{"SCRIPTS_DIR", NULL, SB_SET_STR, SB_S(scripts_dir), NULL, 0, 0, 0},
	{"REPORTS_DIR", NULL, SB_SET_STR, SB_S(reports_dir), NULL, 0, 0, 0},
	{"REPORTS_SCRIPTS", NULL, SB_SET_STR, SB_S(reports_scripts), NULL, 0, 0, 0},
	{"SUMMARY_FACTOR", NULL, SB_SET_DOUBLE, SB_S(factor), "8.022e-9", 0, 1e9, 0},
	{"TIMEZONE", NULL, SB_SET_STR, SB_S(timezone), NULL, 0, 0, 0},
	{"LOG_LEVEL", NULL, SB_SET_STR, SB_S(log_level), "info", 0, 0, 0},
	{"USE_AMBER", NULL, SB_SET_DOUBLE, SB_S(use_amber), "50", 0, 1e6, 0},
	{"USE_RED", NULL, SB_SET_DOUBLE, SB_S(use_red), "80", 0, 1e6, 0},
	{"SERVE_LISTEN", NULL, SB_SET_STR, SB_S(serve_listen), "127.0.0.1:8080", 0, 0, 0},
	{"SERVE_TLS_CERT", NULL, SB_SET_STR, SB_S(serve_tls_cert), NULL, 0, 0, 0},
	{"SERVE_TLS_KEY", NULL, SB_SET_STR, SB_S(serve_tls_key), NULL, 0, 0, 0},
	{"SERVE_DB", NULL, SB_SET_STR, SB_S(serve_db), NULL, 0, 0, 0},
	{"SERVE_ACCESS_LOG", NULL, SB_SET_STR, SB_S(serve_access_log), NULL, 0, 0, 0},
	{"SERVE_WEB_DIR", NULL, SB_SET_STR, SB_S(serve_web_dir), NULL, 0, 0, 0},
	{"SERVE_THREADS", NULL, SB_SET_LONG, SB_S(serve_threads), "4", 1, 256, 0},
	{"SERVE_SESSION_HOURS", NULL, SB_SET_LONG, SB_S(serve_session_hours), "12", 1, 24 * 90, 0},
	{"SERVE_SESSION_IDLE", NULL, SB_SET_LONG, SB_S(serve_session_idle), "120", 0, 60 * 24 * 90,
	 0},
	{"SERVE_LOGIN_MAX_FAILS", NULL, SB_SET_LONG, SB_S(serve_login_max_fails), "5", 1, 1000, 0},
	{"SERVE_LOGIN_WINDOW", NULL, SB_SET_LONG, SB_S(serve_login_window), "900", 1, 86400, 0},
	{"SERVE_STOP_GRACE", NULL, SB_SET_DOUBLE, SB_S(serve_stop_grace), "10", 0, 3600, 0},
	{"SERVE_MAX_RANGE_DAYS", NULL, SB_SET_LONG, SB_S(serve_max_range_days), "92", 1, 3660, 0},
	{"SERVE_CACHE_SECONDS", NULL, SB_SET_LONG, SB_S(serve_cache_seconds), "60", 0, 86400, 0},
	{"SERVE_PUBLIC_URL", NULL, SB_SET_STR, SB_S(serve_public_url), NULL, 0, 0, 0},
	{"REPORT_TIMEOUT", NULL, SB_SET_LONG, SB_S(report_timeout), "300", 1, 86400, 0},
	{"LUA_TRUSTED", NULL, SB_SET_BOOL, SB_S(lua_trusted), "no", 0, 0, 0},
};

/* Keys a .env may hold that are read elsewhere (free-form lookups) or by other tools. */
static const char *const sb_setting_prefixes[] = {"SCAN_URL_", "MONITOR_", "SERVE_"};
static const char *const sb_setting_other[] = {"PWDSCANBACKUP", "TZ"};

/* The .env file's assignments, kept for sb_settings_get. */
typedef struct sb_kv {
	char *key, *value;
} sb_kv;

static sb_kv *sb_file_kv;
static size_t sb_file_nkv;

static const sb_setting_def *sb_setting_find(const char *key)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (strcmp(d->key, key) == 0 || (d->alias != NULL && strcmp(d->alias, key) == 0))
			return d;
	}
	return NULL;
}

static int sb_setting_known_other(const char *key)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_prefixes); i++)
		if (strncmp(key, sb_setting_prefixes[i], strlen(sb_setting_prefixes[i])) == 0)
			return 1;
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_other); i++)
		if (strcmp(key, sb_setting_other[i]) == 0)
			return 1;
	return 0;
}

/* Stores value into the field of d. where names the origin for messages. */
static int sb_setting_apply(sb_settings *s, const sb_setting_def *d, const char *value,
			    const char *where, sb_err *err)
{
	char *field = (char *)s + d->offset;
	switch (d->type) {
	case SB_SET_STR: {
		char **p = (char **)(void *)field;
		free(*p);
		*p = *value != '\0' ? sb_xstrdup(value) : NULL;
		return SB_OK;
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
		if (sb_parse_double(value, &v) != SB_OK || v < d->min || v > d->max)
			return sb_err_set(err, SB_EINVAL,
					  "%s: %s=\"%s\": expected a number from %g to %g", where,
					  d->key, value, d->min, d->max);
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
	sb_file_kv = sb_xrealloc(sb_file_kv, (sb_file_nkv + 1) * sizeof(*sb_file_kv));
	sb_file_kv[sb_file_nkv].key = sb_xstrdup(key);
	sb_file_kv[sb_file_nkv].value = sb_xstrdup(value);
	sb_file_nkv++;
	const sb_setting_def *d = sb_setting_find(key);
	if (d == NULL) {
		if (sb_setting_known_other(key))
			return SB_OK;
		return sb_err_set(c->err, SB_EINVAL, "%s:%u: unknown setting %s", path, line, key);
	}
	char where[600];
	snprintf(where, sizeof(where), "%s:%u", path, line);
	return sb_setting_apply(c->s, d, value, where, c->err);
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
	if (s->timezone == NULL && getenv("TZ") == NULL) {
		const char *tz = sb_settings_get(s, "TZ");
		if (tz != NULL)
			s->timezone = sb_xstrdup(tz);
	}
	if (s->use_red < s->use_amber)
		return sb_err_set(err, SB_EINVAL, "USE_RED (%g) must not be below USE_AMBER (%g)",
				  s->use_red, s->use_amber);
	return SB_OK;
}

const char *sb_settings_get(const sb_settings *s, const char *key)
{
	(void)s;
	const char *v = getenv(key);
	if (v != NULL)
		return v;
	for (size_t i = sb_file_nkv; i-- > 0;)
		if (strcmp(sb_file_kv[i].key, key) == 0)
			return sb_file_kv[i].value;
	return NULL;
}

int sb_settings_secret(const char *key)
{
	const sb_setting_def *d = sb_setting_find(key);
	if (d != NULL && d->secret)
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
	return sb_setting_find(key) != NULL || sb_setting_known_other(key);
}

void sb_settings_each(const sb_settings *s, const char *prefix,
		      void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	(void)s;
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
	for (size_t i = 0; i < sb_file_nkv; i++) {
		const char *key = sb_file_kv[i].key;
		if (strncmp(key, prefix, pl) != 0 || getenv(key) != NULL)
			continue;
		size_t last = i; /* a key set twice in the file: its last value */
		for (size_t j = i + 1; j < sb_file_nkv; j++)
			if (strcmp(sb_file_kv[j].key, key) == 0)
				last = j;
		if (last == i)
			fn(ctx, key, sb_file_kv[i].value);
	}
}

int sb_settings_value(const sb_settings *s, const char *key, sb_setting_value *out)
{
	const sb_setting_def *d = sb_setting_find(key);
	if (d == NULL)
		return SB_ENOTFOUND;
	const char *field = (const char *)s + d->offset;
	memset(out, 0, sizeof(*out));
	out->secret = d->secret;
	switch (d->type) {
	case SB_SET_STR:
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

void sb_settings_free(sb_settings *s)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		if (d->type == SB_SET_STR)
			sb_free(*(char **)(void *)((char *)s + d->offset));
	}
	sb_free(s->root);
	sb_free(s->env_file);
	for (size_t i = 0; i < sb_file_nkv; i++) {
		free(sb_file_kv[i].key);
		free(sb_file_kv[i].value);
	}
	sb_free(sb_file_kv);
	sb_file_nkv = 0;
}

void sb_settings_dump(const sb_settings *s, void *fp)
{
	FILE *f = fp;
	fprintf(f, "root=%s\nenv_file=%s\n", s->root, s->env_file ? s->env_file : "(none)");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_setting_defs); i++) {
		const sb_setting_def *d = &sb_setting_defs[i];
		const char *field = (const char *)s + d->offset;
		switch (d->type) {
		case SB_SET_STR: {
			const char *v = *(char *const *)(const void *)field;
			fprintf(f, "%s=%s\n", d->key, v == NULL ? "" : d->secret ? "********" : v);
			break;
		}
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
		}
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
