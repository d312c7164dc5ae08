/* servedb.c - the web server's SQLite file: users (argon2id), sessions, monitors, tokens. */
#include "config.h"

#include "serve/servedb.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/sqldb.h"

struct sb_servedb {
	sb_sqldb sql; /* the connection, used under mu */
	pthread_mutex_t mu;
	/* a valid hash of a random password, checked when the user is unknown (same timing) */
	char dummy[crypto_pwhash_STRBYTES];
};

static const char sb_servedb_schema[] =
	"CREATE TABLE IF NOT EXISTS users ("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sessions ("
	" id TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, created INTEGER NOT NULL,"
	" seen INTEGER NOT NULL, expires INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user);"
	"CREATE TABLE IF NOT EXISTS monitors ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, sleep_time REAL NOT NULL,"
	" token_hash TEXT, token_created INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1, pulled INTEGER NOT NULL DEFAULT 0,"
	" last_seen INTEGER NOT NULL DEFAULT 0, results INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS links ("
	" monitor INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, ip TEXT NOT NULL,"
	" status INTEGER NOT NULL, PRIMARY KEY (monitor, id), UNIQUE (monitor, name));"
	"CREATE TABLE IF NOT EXISTS tests ("
	" monitor INTEGER NOT NULL, name TEXT NOT NULL, params TEXT NOT NULL,"
	" PRIMARY KEY (monitor, name));"
	/* where monitors (link 0) and links stand on the map; a table of its own, so that a file
	 * made before places existed gains it as it is opened */
	"CREATE TABLE IF NOT EXISTS places ("
	" monitor INTEGER NOT NULL, link INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
	" PRIMARY KEY (monitor, link));"
	/* who owns a monitor (none: the admins, as every monitor of a file made before owners
	 * existed) and who else may see it; tables of their own for the same reason */
	"CREATE TABLE IF NOT EXISTS owners (monitor INTEGER PRIMARY KEY, owner TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS shares ("
	" monitor INTEGER NOT NULL, user TEXT NOT NULL, PRIMARY KEY (monitor, user));"
	"CREATE INDEX IF NOT EXISTS shares_by_user ON shares (user);";

const char *sb_role_name(sb_role r)
{
	return r == SB_ROLE_ADMIN ? "admin" : "viewer";
}

int sb_role_parse(const char *s, sb_role *out)
{
	if (s != NULL && strcmp(s, "admin") == 0)
		*out = SB_ROLE_ADMIN;
	else if (s != NULL && strcmp(s, "viewer") == 0)
		*out = SB_ROLE_VIEWER;
	else
		return SB_EINVAL;
	return SB_OK;
}

int sb_servedb_user_name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return 0;
	return 1;
}

int sb_servedb_label_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7F)
			return 0;
	return 1;
}

int sb_servedb_password_ok(const char *pw, sb_err *err)
{
	size_t n = pw != NULL ? strlen(pw) : 0;
	if (n < 8)
		return sb_err_set(err, SB_EINVAL, "the password must have at least 8 characters");
	if (n > 1024)
		return sb_err_set(err, SB_EINVAL, "the password must have at most 1024 characters");
	return SB_OK;
}

static void sb_hex(const unsigned char *b, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, b, n);
}

/* A new random token in hex (SB_TOKEN_HEX + 1 bytes). */
static void sb_random_hex(char *out)
{
	unsigned char b[SB_TOKEN_HEX / 2];
	randombytes_buf(b, sizeof(b));
	sb_hex(b, sizeof(b), out);
}

/* The stored form of a secret: hex of its BLAKE2b-256. */
static void sb_secret_hash(const char *secret, char out[SB_TOKEN_HEX + 1])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
	sb_hex(h, sizeof(h), out);
}

static int64_t sb_now(void)
{
	return (int64_t)time(NULL);
}

int sb_servedb_open(const char *path, sb_servedb **out, sb_err *err)
{
	if (sodium_init() < 0)
		return sb_err_set(err, SB_EINVAL, "libsodium could not be initialised");
	sb_servedb *db = sb_xcalloc(1, sizeof(*db));
	pthread_mutex_init(&db->mu, NULL);
	const sb_sqldb_opts o = {.timeout_ms = 10000};
	int rc = sb_sqldb_open(&db->sql, path, &o, err);
	if (rc == SB_OK)
		rc = sb_sqldb_exec(&db->sql, sb_servedb_schema, "cannot create the tables", err);
	if (rc == SB_OK) {
		char pw[SB_TOKEN_HEX + 1];
		sb_random_hex(pw);
		if (crypto_pwhash_str(db->dummy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			rc = sb_err_set(err, SB_ENOMEM, "argon2id: out of memory");
	}
	if (rc != SB_OK) {
		sb_servedb_close(&db);
		return rc;
	}
	*out = db;
	return SB_OK;
}

void sb_servedb_close(sb_servedb **pdb)
{
	sb_servedb *db = *pdb;
	if (db == NULL)
		return;
	sb_sqldb_close(&db->sql);
	pthread_mutex_destroy(&db->mu);
	free(db);
	*pdb = NULL;
}

static void sb_lock(sb_servedb *db)
{
	pthread_mutex_lock(&db->mu);
}

static void sb_unlock(sb_servedb *db)
{
	pthread_mutex_unlock(&db->mu);
}

/* Runs one statement with text/int binds given as a format: 't' text, 'i' int64, 'd' double.
 * Returns SB_OK and the number of changed rows in *changes (may be NULL). Mutex held. */
static int sb_db_run(sb_servedb *db, const char *sql, const char *fmt, const void *const *args,
		     int *changes, sb_err *err)
{
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, sql, &st, err);
	if (rc != SB_OK)
		return rc;
	for (int i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] == 't')
			sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
		else if (fmt[i] == 'i')
			sqlite3_bind_int64(st, i + 1, *(const int64_t *)args[i]);
		else
			sqlite3_bind_double(st, i + 1, *(const double *)args[i]);
	}
	int s = sqlite3_step(st);
	if (s != SQLITE_DONE && s != SQLITE_ROW) {
		/* a constraint (a name taken) is the caller's to explain, not a database failure */
		if ((s & 0xff) == SQLITE_CONSTRAINT)
			rc = sb_err_set(err, SB_EINVAL, "%s", sqlite3_errmsg(db->sql.db));
		else
			rc = sb_sqldb_fail(&db->sql, "write", err);
	}
	if (changes != NULL)
		*changes = sqlite3_changes(db->sql.db);
	sqlite3_finalize(st);
	return rc;
}

static int sb_hash_password(const char *pw, char out[crypto_pwhash_STRBYTES], sb_err *err)
{
	if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return sb_err_set(err, SB_ENOMEM, "argon2id: out of memory");
	return SB_OK;
}

/* Admins left, mutex held. */
static int sb_admin_count(sb_servedb *db, long *n, sb_err *err)
{
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, "SELECT count(*) FROM users WHERE role = 'admin'", &st,
				  err);
	if (rc != SB_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	else
		rc = sb_sqldb_fail(&db->sql, "count", err);
	sqlite3_finalize(st);
	return rc;
}

/* The role of a user, mutex held: SB_OK, SB_ENOTFOUND. */
static int sb_user_role_of(sb_servedb *db, const char *name, sb_role *role, char *hash,
			   size_t hsize, sb_err *err)
{
	sqlite3_stmt *st;
	int rc =
		sb_sqldb_prepare(&db->sql, "SELECT role, hash FROM users WHERE name = ?", &st, err);
	if (rc != SB_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (sb_role_parse((const char *)sqlite3_column_text(st, 0), role) != SB_OK)
			*role = SB_ROLE_VIEWER;
		if (hash != NULL)
			snprintf(hash, hsize, "%s", (const char *)sqlite3_column_text(st, 1));
	} else if (s == SQLITE_DONE) {
		rc = SB_ENOTFOUND;
	} else {
		rc = sb_sqldb_fail(&db->sql, "read users", err);
	}
	sqlite3_finalize(st);
	return rc;
}

int sb_servedb_user_add(sb_servedb *db, const char *name, const char *password, sb_role role,
			sb_err *err)
{
	if (!sb_servedb_user_name_ok(name))
		return sb_err_set(err, SB_EINVAL,
				  "a user name is 1 to 64 letters, digits, '.', '_', '-' "
				  "or '@'");
	int rc = sb_servedb_password_ok(password, err);
	if (rc != SB_OK)
		return rc;
	char hash[crypto_pwhash_STRBYTES];
	rc = sb_hash_password(password, hash, err);
	if (rc != SB_OK)
		return rc;
	int64_t now = sb_now();
	const char *rname = sb_role_name(role);
	const void *args[] = {name, rname, hash, &now};
	sb_lock(db);
	sb_role old;
	if (sb_user_role_of(db, name, &old, NULL, 0, err) == SB_OK)
		rc = sb_err_set(err, SB_EINVAL, "user %s exists", name);
	else
		rc = sb_db_run(db,
			       "INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)",
			       "ttti", args, NULL, err);
	sb_unlock(db);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

static int sb_end_sessions(sb_servedb *db, const char *name, sb_err *err)
{
	const void *args[] = {name};
	return sb_db_run(db, "DELETE FROM sessions WHERE user = ?", "t", args, NULL, err);
}

int sb_servedb_user_passwd(sb_servedb *db, const char *name, const char *password, sb_err *err)
{
	int rc = sb_servedb_password_ok(password, err);
	if (rc != SB_OK)
		return rc;
	char hash[crypto_pwhash_STRBYTES];
	rc = sb_hash_password(password, hash, err);
	if (rc != SB_OK)
		return rc;
	const void *args[] = {hash, name};
	int changes = 0;
	sb_lock(db);
	rc = sb_db_run(db, "UPDATE users SET hash = ? WHERE name = ?", "tt", args, &changes, err);
	if (rc == SB_OK && changes == 0)
		rc = sb_err_set(err, SB_ENOTFOUND, "no user %s", name);
	if (rc == SB_OK)
		rc = sb_end_sessions(db, name, err);
	sb_unlock(db);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int sb_servedb_user_role(sb_servedb *db, const char *name, sb_role role, sb_err *err)
{
	sb_lock(db);
	sb_role old;
	int rc = sb_user_role_of(db, name, &old, NULL, 0, err);
	if (rc == SB_ENOTFOUND)
		rc = sb_err_set(err, SB_ENOTFOUND, "no user %s", name);
	long admins = 0;
	if (rc == SB_OK && old == SB_ROLE_ADMIN && role != SB_ROLE_ADMIN) {
		rc = sb_admin_count(db, &admins, err);
		if (rc == SB_OK && admins <= 1)
			rc = sb_err_set(err, SB_EINVAL, "%s is the last admin", name);
	}
	if (rc == SB_OK && old != role) {
		const void *args[] = {sb_role_name(role), name};
		rc = sb_db_run(db, "UPDATE users SET role = ? WHERE name = ?", "tt", args, NULL,
			       err);
		if (rc == SB_OK)
			rc = sb_end_sessions(db, name, err);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_user_del(sb_servedb *db, const char *name, int force, sb_err *err)
{
	sb_lock(db);
	sb_role old;
	int rc = sb_user_role_of(db, name, &old, NULL, 0, err);
	if (rc == SB_ENOTFOUND)
		rc = sb_err_set(err, SB_ENOTFOUND, "no user %s", name);
	long admins = 0;
	if (rc == SB_OK && old == SB_ROLE_ADMIN && !force) {
		rc = sb_admin_count(db, &admins, err);
		if (rc == SB_OK && admins <= 1)
			rc = sb_err_set(err, SB_EINVAL, "%s is the last admin", name);
	}
	const void *args[] = {name};
	if (rc == SB_OK)
		rc = sb_db_run(db, "DELETE FROM users WHERE name = ?", "t", args, NULL, err);
	/* the user's monitors go back to the admins; what was shared with the user, unshared */
	if (rc == SB_OK)
		rc = sb_db_run(db, "DELETE FROM owners WHERE owner = ?", "t", args, NULL, err);
	if (rc == SB_OK)
		rc = sb_db_run(db, "DELETE FROM shares WHERE user = ?", "t", args, NULL, err);
	if (rc == SB_OK)
		rc = sb_end_sessions(db, name, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_user_check(sb_servedb *db, const char *name, const char *password, sb_role *role,
			  sb_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int found = 0;
	int rc = SB_OK;
	if (sb_servedb_user_name_ok(name) && password != NULL && strlen(password) <= 1024) {
		sb_lock(db);
		rc = sb_user_role_of(db, name, role, hash, sizeof(hash), err);
		sb_unlock(db);
		if (rc == SB_OK)
			found = 1;
		else if (rc != SB_ENOTFOUND)
			return rc;
	}
	if (!found)
		memcpy(hash, db->dummy, sizeof(hash));
	const char *pw = password != NULL ? password : "";
	size_t n = strlen(pw);
	if (n > 1024)
		n = 1024;
	int good = crypto_pwhash_str_verify(hash, pw, n) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (!found || !good)
		return sb_err_set(err, SB_EAUTH, "wrong user name or password");
	return SB_OK;
}

int sb_servedb_user_exists(sb_servedb *db, const char *name, sb_err *err)
{
	if (!sb_servedb_user_name_ok(name))
		return SB_ENOTFOUND;
	sb_role role;
	sb_lock(db);
	int rc = sb_user_role_of(db, name, &role, NULL, 0, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_users(sb_servedb *db, sb_servedb_user_fn fn, void *ctx, sb_err *err)
{
	sb_lock(db);
	sqlite3_stmt *st = NULL;
	int rc = sb_sqldb_prepare(&db->sql, "SELECT name, role, created FROM users ORDER BY name",
				  &st, err);
	/* copy out first so fn runs without the mutex */
	typedef struct {
		char name[65];
		sb_role role;
		int64_t created;
	} row_t;
	row_t *rows = NULL;
	size_t n = 0, cap = 0;
	int s = SQLITE_DONE;
	while (rc == SB_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		sb_grow(&rows, &cap, n, sizeof(*rows));
		snprintf(rows[n].name, sizeof(rows[n].name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		if (sb_role_parse((const char *)sqlite3_column_text(st, 1), &rows[n].role) != SB_OK)
			rows[n].role = SB_ROLE_VIEWER;
		rows[n].created = sqlite3_column_int64(st, 2);
		n++;
	}
	if (rc == SB_OK && s != SQLITE_DONE)
		rc = sb_sqldb_fail(&db->sql, "read users", err);
	sqlite3_finalize(st);
	sb_unlock(db);
	for (size_t i = 0; i < n && rc == SB_OK; i++)
		rc = fn(ctx, rows[i].name, rows[i].role, rows[i].created);
	free(rows);
	return rc;
}

int sb_servedb_user_count(sb_servedb *db, long *n, sb_err *err)
{
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, "SELECT count(*) FROM users", &st, err);
	if (rc == SB_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*n = (long)sqlite3_column_int64(st, 0);
		else
			rc = sb_sqldb_fail(&db->sql, "count", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	return rc;
}

/* ---- sessions ---- */

int sb_servedb_session_new(sb_servedb *db, const char *user, int64_t ttl,
			   char token[SB_TOKEN_HEX + 1], sb_session *out, sb_err *err)
{
	char id[SB_TOKEN_HEX + 1];
	sb_random_hex(token);
	sb_secret_hash(token, id);
	memset(out, 0, sizeof(*out));
	sb_random_hex(out->csrf);
	snprintf(out->user, sizeof(out->user), "%s", user);
	int64_t now = sb_now();
	out->expires = now + ttl;
	sb_lock(db);
	const void *purge[] = {&now};
	int rc = sb_db_run(db, "DELETE FROM sessions WHERE expires <= ?", "i", purge, NULL, err);
	if (rc == SB_OK)
		rc = sb_user_role_of(db, user, &out->role, NULL, 0, err);
	if (rc == SB_ENOTFOUND)
		rc = sb_err_set(err, SB_ENOTFOUND, "no user %s", user);
	if (rc == SB_OK) {
		const void *args[] = {id, user, out->csrf, &now, &now, &out->expires};
		rc = sb_db_run(db,
			       "INSERT INTO sessions (id, user, csrf, created, seen, expires) "
			       "VALUES (?, ?, ?, ?, ?, ?)",
			       "tttiii", args, NULL, err);
	}
	sb_unlock(db);
	return rc;
}

static int sb_token_hex_ok(const char *t)
{
	if (t == NULL || strlen(t) != SB_TOKEN_HEX)
		return 0;
	for (const char *p = t; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

int sb_servedb_session_get(sb_servedb *db, const char *token, int64_t idle, sb_session *out,
			   sb_err *err)
{
	if (!sb_token_hex_ok(token))
		return SB_ENOTFOUND;
	char id[SB_TOKEN_HEX + 1];
	sb_secret_hash(token, id);
	int64_t now = sb_now();
	sb_lock(db);
	sqlite3_stmt *st;
	int rc =
		sb_sqldb_prepare(&db->sql,
				 "SELECT s.user, s.csrf, s.seen, s.expires, u.role FROM sessions s "
				 "JOIN users u ON u.name = s.user WHERE s.id = ?",
				 &st, err);
	int64_t seen = 0;
	if (rc == SB_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			memset(out, 0, sizeof(*out));
			snprintf(out->user, sizeof(out->user), "%s",
				 (const char *)sqlite3_column_text(st, 0));
			snprintf(out->csrf, sizeof(out->csrf), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			seen = sqlite3_column_int64(st, 2);
			out->expires = sqlite3_column_int64(st, 3);
			if (sb_role_parse((const char *)sqlite3_column_text(st, 4), &out->role) !=
			    SB_OK)
				out->role = SB_ROLE_VIEWER;
			if (out->expires <= now || (idle > 0 && seen + idle <= now))
				rc = SB_ENOTFOUND;
		} else if (s == SQLITE_DONE) {
			rc = SB_ENOTFOUND;
		} else {
			rc = sb_sqldb_fail(&db->sql, "read sessions", err);
		}
		sqlite3_finalize(st);
	}
	/* marking it used costs a write: once a minute is enough for the idle limit */
	if (rc == SB_OK && now - seen >= 60) {
		const void *args[] = {&now, id};
		rc = sb_db_run(db, "UPDATE sessions SET seen = ? WHERE id = ?", "it", args, NULL,
			       err);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_session_del(sb_servedb *db, const char *token, sb_err *err)
{
	if (!sb_token_hex_ok(token))
		return SB_OK;
	char id[SB_TOKEN_HEX + 1];
	sb_secret_hash(token, id);
	const void *args[] = {id};
	sb_lock(db);
	int rc = sb_db_run(db, "DELETE FROM sessions WHERE id = ?", "t", args, NULL, err);
	sb_unlock(db);
	return rc;
}

/* ---- monitors ---- */

static int sb_monitor_exists(sb_servedb *db, int64_t id, sb_err *err)
{
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, "SELECT 1 FROM monitors WHERE id = ?", &st, err);
	if (rc != SB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE)
		rc = sb_err_set(err, SB_ENOTFOUND, "no monitor %" PRId64, id);
	else if (s != SQLITE_ROW)
		rc = sb_sqldb_fail(&db->sql, "read monitors", err);
	sqlite3_finalize(st);
	return rc;
}

static int sb_monitor_bump(sb_servedb *db, int64_t id, sb_err *err)
{
	const void *args[] = {&id};
	return sb_db_run(db, "UPDATE monitors SET version = version + 1 WHERE id = ?", "i", args,
			 NULL, err);
}

static int sb_sleep_ok(double s, sb_err *err)
{
	if (!(s > 0 && s <= 86400))
		return sb_err_set(err, SB_EINVAL, "sleep_time: expected seconds from 0 to 86400");
	return SB_OK;
}

int sb_servedb_monitor_add(sb_servedb *db, int64_t id, const char *name, double sleep_time,
			   const char *owner, int64_t *id_out, sb_err *err)
{
	if (!sb_servedb_label_ok(name))
		return sb_err_set(err, SB_EINVAL, "a monitor name is 1 to 64 printable characters");
	if (id < 0 || id > INT32_MAX)
		return sb_err_set(err, SB_EINVAL, "a monitor id is a whole number from 1 to %d",
				  INT32_MAX);
	int rc = sb_sleep_ok(sleep_time, err);
	if (rc != SB_OK)
		return rc;
	sb_lock(db);
	if (id == 0) {
		sqlite3_stmt *st;
		rc = sb_sqldb_prepare(&db->sql, "SELECT coalesce(max(id), 0) + 1 FROM monitors",
				      &st, err);
		if (rc == SB_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				id = sqlite3_column_int64(st, 0);
			else
				rc = sb_sqldb_fail(&db->sql, "read monitors", err);
			sqlite3_finalize(st);
		}
	} else if (sb_monitor_exists(db, id, NULL) == SB_OK) {
		rc = sb_err_set(err, SB_EINVAL, "monitor %" PRId64 " exists", id);
	}
	if (rc == SB_OK) {
		const void *args[] = {&id, name, &sleep_time};
		rc = sb_db_run(db, "INSERT INTO monitors (id, name, sleep_time) VALUES (?, ?, ?)",
			       "itd", args, NULL, err);
		if (rc == SB_EINVAL) {
			sb_err_clear(err);
			rc = sb_err_set(err, SB_EINVAL, "a monitor named \"%s\" exists", name);
		}
	}
	if (rc == SB_OK && owner != NULL) {
		const void *args[] = {&id, owner};
		rc = sb_db_run(db, "INSERT OR REPLACE INTO owners (monitor, owner) VALUES (?, ?)",
			       "it", args, NULL, err);
	}
	sb_unlock(db);
	if (rc == SB_OK && id_out != NULL)
		*id_out = id;
	return rc;
}

int sb_servedb_monitor_set(sb_servedb *db, int64_t id, const char *name, double sleep_time,
			   sb_err *err)
{
	if (!sb_servedb_label_ok(name))
		return sb_err_set(err, SB_EINVAL, "a monitor name is 1 to 64 printable characters");
	int rc = sb_sleep_ok(sleep_time, err);
	if (rc != SB_OK)
		return rc;
	sb_lock(db);
	rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK) {
		const void *args[] = {name, &sleep_time, &id};
		rc = sb_db_run(
			db,
			"UPDATE monitors SET name = ?, sleep_time = ?, version = version + 1 "
			"WHERE id = ?",
			"tdi", args, NULL, err);
		if (rc == SB_EINVAL) {
			sb_err_clear(err);
			rc = sb_err_set(err, SB_EINVAL, "a monitor named \"%s\" exists", name);
		}
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitor_del(sb_servedb *db, int64_t id, sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	const void *args[] = {&id};
	if (rc == SB_OK)
		rc = sb_sqldb_begin(&db->sql, err);
	if (rc == SB_OK) {
		rc = sb_db_run(db, "DELETE FROM links WHERE monitor = ?", "i", args, NULL, err);
		if (rc == SB_OK)
			rc = sb_db_run(db, "DELETE FROM tests WHERE monitor = ?", "i", args, NULL,
				       err);
		if (rc == SB_OK)
			rc = sb_db_run(db, "DELETE FROM places WHERE monitor = ?", "i", args, NULL,
				       err);
		if (rc == SB_OK)
			rc = sb_db_run(db, "DELETE FROM owners WHERE monitor = ?", "i", args, NULL,
				       err);
		if (rc == SB_OK)
			rc = sb_db_run(db, "DELETE FROM shares WHERE monitor = ?", "i", args, NULL,
				       err);
		if (rc == SB_OK)
			rc = sb_db_run(db, "DELETE FROM monitors WHERE id = ?", "i", args, NULL,
				       err);
		rc = sb_sqldb_end(&db->sql, rc, NULL, err);
	}
	sb_unlock(db);
	return rc;
}

static const char sb_monitor_cols[] =
	"SELECT id, name, sleep_time, token_hash IS NOT NULL, token_created, version, pulled, "
	"last_seen, results, lat, lon, owner FROM monitors "
	"LEFT JOIN places ON places.monitor = monitors.id AND places.link = 0 "
	"LEFT JOIN owners ON owners.monitor = monitors.id";

/* A place from two columns that are both NULL when none is stored. */
static void sb_place_cols(sqlite3_stmt *st, int col, sb_place *p)
{
	p->set = sqlite3_column_type(st, col) != SQLITE_NULL;
	p->lat = p->set ? sqlite3_column_double(st, col) : 0;
	p->lon = p->set ? sqlite3_column_double(st, col + 1) : 0;
}

/* Writes (place->set) or removes the place of (monitor, link), mutex held. */
static int sb_place_put(sb_servedb *db, int64_t monitor, int64_t link, const sb_place *place,
			sb_err *err)
{
	if (place->set && !sb_place_ok(place->lat, place->lon))
		return sb_err_set(err, SB_EINVAL,
				  "a place is a latitude from -90 to 90 and a longitude from -180 "
				  "to 180 degrees");
	if (!place->set) {
		const void *args[] = {&monitor, &link};
		return sb_db_run(db, "DELETE FROM places WHERE monitor = ? AND link = ?", "ii",
				 args, NULL, err);
	}
	const void *args[] = {&monitor, &link, &place->lat, &place->lon};
	return sb_db_run(db,
			 "INSERT INTO places (monitor, link, lat, lon) VALUES (?, ?, ?, ?) "
			 "ON CONFLICT (monitor, link) DO UPDATE SET lat = excluded.lat, "
			 "lon = excluded.lon",
			 "iidd", args, NULL, err);
}

int sb_servedb_monitor_place(sb_servedb *db, int64_t id, const sb_place *place, sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK)
		rc = sb_place_put(db, id, 0, place, err);
	if (rc == SB_OK)
		rc = sb_monitor_bump(db, id, err);
	sb_unlock(db);
	return rc;
}

static void sb_monitor_row(sqlite3_stmt *st, sb_monitor_rec *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	snprintf(m->name, sizeof(m->name), "%s", (const char *)sqlite3_column_text(st, 1));
	m->sleep_time = sqlite3_column_double(st, 2);
	m->has_token = sqlite3_column_int(st, 3);
	m->token_created = sqlite3_column_int64(st, 4);
	m->version = sqlite3_column_int64(st, 5);
	m->pulled = sqlite3_column_int64(st, 6);
	m->last_seen = sqlite3_column_int64(st, 7);
	m->results = sqlite3_column_int64(st, 8);
	sb_place_cols(st, 9, &m->place);
	const unsigned char *owner = sqlite3_column_text(st, 11);
	snprintf(m->owner, sizeof(m->owner), "%s", owner != NULL ? (const char *)owner : "");
}

int sb_servedb_monitor_get(sb_servedb *db, int64_t id, sb_monitor_rec *out, sb_err *err)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s WHERE id = ?", sb_monitor_cols);
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, sql, &st, err);
	if (rc == SB_OK) {
		sqlite3_bind_int64(st, 1, id);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			sb_monitor_row(st, out);
		else if (s == SQLITE_DONE)
			rc = sb_err_set(err, SB_ENOTFOUND, "no monitor %" PRId64, id);
		else
			rc = sb_sqldb_fail(&db->sql, "read monitors", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitors(sb_servedb *db, sb_servedb_monitor_fn fn, void *ctx, sb_err *err)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s ORDER BY id", sb_monitor_cols);
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, sql, &st, err);
	sb_monitor_rec *v = NULL;
	size_t n = 0, cap = 0;
	if (rc == SB_OK) {
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			sb_grow(&v, &cap, n, sizeof(*v));
			sb_monitor_row(st, &v[n++]);
		}
		if (s != SQLITE_DONE)
			rc = sb_sqldb_fail(&db->sql, "read monitors", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	for (size_t i = 0; i < n && rc == SB_OK; i++)
		rc = fn(ctx, &v[i]);
	free(v);
	return rc;
}

int sb_servedb_monitor_token(sb_servedb *db, int64_t id, char *token, size_t size, sb_err *err)
{
	char secret[SB_TOKEN_HEX + 1], hash[SB_TOKEN_HEX + 1];
	sb_random_hex(secret);
	int n = snprintf(token, size, "sbm_%" PRId64 "_%s", id, secret);
	sodium_memzero(secret, sizeof(secret));
	if (n < 0 || (size_t)n >= size)
		return sb_err_set(err, SB_EINVAL, "token buffer too small");
	sb_secret_hash(token, hash);
	int64_t now = sb_now();
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK) {
		const void *args[] = {hash, &now, &id};
		rc = sb_db_run(db,
			       "UPDATE monitors SET token_hash = ?, token_created = ? WHERE id = ?",
			       "tii", args, NULL, err);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitor_revoke(sb_servedb *db, int64_t id, sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK) {
		const void *args[] = {&id};
		rc = sb_db_run(db,
			       "UPDATE monitors SET token_hash = NULL, token_created = 0 "
			       "WHERE id = ?",
			       "i", args, NULL, err);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitor_auth(sb_servedb *db, int64_t id, const char *token, sb_err *err)
{
	if (token == NULL || strlen(token) > 200)
		return sb_err_set(err, SB_EAUTH, "bad monitor token");
	char hash[SB_TOKEN_HEX + 1];
	sb_secret_hash(token, hash);
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql, "SELECT token_hash FROM monitors WHERE id = ?", &st,
				  err);
	int good = 0;
	if (rc == SB_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
			const char *h = (const char *)sqlite3_column_text(st, 0);
			good = strlen(h) == SB_TOKEN_HEX &&
			       sodium_memcmp(h, hash, SB_TOKEN_HEX) == 0;
		}
		sqlite3_finalize(st);
	}
	if (rc == SB_OK && good) {
		int64_t now = sb_now();
		const void *args[] = {&now, &id};
		rc = sb_db_run(db, "UPDATE monitors SET last_seen = ? WHERE id = ?", "ii", args,
			       NULL, err);
	}
	sb_unlock(db);
	if (rc == SB_OK && !good)
		rc = sb_err_set(err, SB_EAUTH, "bad monitor token");
	return rc;
}

int sb_servedb_monitor_pulled(sb_servedb *db, int64_t id, int64_t version, sb_err *err)
{
	const void *args[] = {&version, &id};
	sb_lock(db);
	int rc =
		sb_db_run(db, "UPDATE monitors SET pulled = ? WHERE id = ?", "ii", args, NULL, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitor_pushed(sb_servedb *db, int64_t id, int64_t n, sb_err *err)
{
	const void *args[] = {&n, &id};
	sb_lock(db);
	int rc = sb_db_run(db, "UPDATE monitors SET results = results + ? WHERE id = ?", "ii", args,
			   NULL, err);
	sb_unlock(db);
	return rc;
}

/* ---- links and tests ---- */

int sb_servedb_link_put(sb_servedb *db, int64_t monitor, sb_link_rec *link, int create, sb_err *err)
{
	if (!sb_servedb_label_ok(link->name))
		return sb_err_set(err, SB_EINVAL, "a link name is 1 to 64 printable characters");
	if (link->id < 0 || link->id > INT32_MAX)
		return sb_err_set(err, SB_EINVAL, "a link id is a whole number from 1 to %d",
				  INT32_MAX);
	sb_lock(db);
	int rc = sb_monitor_exists(db, monitor, err);
	if (rc == SB_OK)
		rc = sb_sqldb_begin(&db->sql, err);
	if (rc != SB_OK) {
		sb_unlock(db);
		return rc;
	}
	if (create && link->id == 0) {
		sqlite3_stmt *st;
		rc = sb_sqldb_prepare(
			&db->sql, "SELECT coalesce(max(id), 0) + 1 FROM links WHERE monitor = ?",
			&st, err);
		if (rc == SB_OK) {
			sqlite3_bind_int64(st, 1, monitor);
			if (sqlite3_step(st) == SQLITE_ROW)
				link->id = sqlite3_column_int64(st, 0);
			else
				rc = sb_sqldb_fail(&db->sql, "read links", err);
			sqlite3_finalize(st);
		}
	}
	int64_t status = link->status ? 1 : 0;
	const void *args[] = {link->name, link->ip, &status, &monitor, &link->id};
	int changes = 0;
	if (rc == SB_OK && create) {
		rc = sb_db_run(
			db,
			"INSERT INTO links (name, ip, status, monitor, id) VALUES (?, ?, ?, ?, ?)",
			"ttiii", args, &changes, err);
		if (rc == SB_EINVAL) {
			sb_err_clear(err);
			rc = sb_err_set(err, SB_EINVAL,
					"monitor %" PRId64 " already has a link of id %" PRId64
					" or named \"%s\"",
					monitor, link->id, link->name);
		}
	} else if (rc == SB_OK) {
		rc = sb_db_run(db,
			       "UPDATE links SET name = ?, ip = ?, status = ? WHERE monitor = ? "
			       "AND id = ?",
			       "ttiii", args, &changes, err);
		if (rc == SB_EINVAL) {
			sb_err_clear(err);
			rc = sb_err_set(err, SB_EINVAL,
					"monitor %" PRId64 " already has a link named \"%s\"",
					monitor, link->name);
		} else if (rc == SB_OK && changes == 0) {
			rc = sb_err_set(err, SB_ENOTFOUND,
					"monitor %" PRId64 " has no link %" PRId64, monitor,
					link->id);
		}
	}
	if (rc == SB_OK)
		rc = sb_place_put(db, monitor, link->id, &link->place, err);
	if (rc == SB_OK)
		rc = sb_monitor_bump(db, monitor, err);
	rc = sb_sqldb_end(&db->sql, rc, NULL, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_link_del(sb_servedb *db, int64_t monitor, int64_t link, sb_err *err)
{
	const void *args[] = {&monitor, &link};
	int changes = 0;
	sb_lock(db);
	int rc = sb_db_run(db, "DELETE FROM links WHERE monitor = ? AND id = ?", "ii", args,
			   &changes, err);
	if (rc == SB_OK && changes == 0)
		rc = sb_err_set(err, SB_ENOTFOUND, "monitor %" PRId64 " has no link %" PRId64,
				monitor, link);
	if (rc == SB_OK)
		rc = sb_db_run(db, "DELETE FROM places WHERE monitor = ? AND link = ?", "ii", args,
			       NULL, err);
	if (rc == SB_OK)
		rc = sb_monitor_bump(db, monitor, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_links(sb_servedb *db, int64_t monitor, sb_link_rec **out, size_t *n, sb_err *err)
{
	*out = NULL;
	*n = 0;
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(
		&db->sql,
		"SELECT id, name, ip, status, lat, lon FROM links LEFT JOIN places ON "
		"places.monitor = links.monitor AND places.link = links.id "
		"WHERE links.monitor = ? ORDER BY id",
		&st, err);
	size_t cap = 0;
	if (rc == SB_OK) {
		sqlite3_bind_int64(st, 1, monitor);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			sb_grow(out, &cap, *n, sizeof(**out));
			sb_link_rec *l = &(*out)[(*n)++];
			memset(l, 0, sizeof(*l));
			l->id = sqlite3_column_int64(st, 0);
			snprintf(l->name, sizeof(l->name), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			snprintf(l->ip, sizeof(l->ip), "%s",
				 (const char *)sqlite3_column_text(st, 2));
			l->status = sqlite3_column_int(st, 3);
			sb_place_cols(st, 4, &l->place);
		}
		if (s != SQLITE_DONE)
			rc = sb_sqldb_fail(&db->sql, "read links", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	if (rc != SB_OK) {
		sb_free(*out);
		*n = 0;
	}
	return rc;
}

int sb_servedb_test_put(sb_servedb *db, int64_t monitor, const char *name, const char *params,
			sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, monitor, err);
	if (rc == SB_OK) {
		const void *args[] = {&monitor, name, params};
		rc = sb_db_run(db,
			       "INSERT INTO tests (monitor, name, params) VALUES (?, ?, ?) "
			       "ON CONFLICT (monitor, name) DO UPDATE SET params = excluded.params",
			       "itt", args, NULL, err);
	}
	if (rc == SB_OK)
		rc = sb_monitor_bump(db, monitor, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_test_del(sb_servedb *db, int64_t monitor, const char *name, sb_err *err)
{
	const void *args[] = {&monitor, name};
	int changes = 0;
	sb_lock(db);
	int rc = sb_db_run(db, "DELETE FROM tests WHERE monitor = ? AND name = ?", "it", args,
			   &changes, err);
	if (rc == SB_OK && changes == 0)
		rc = sb_err_set(err, SB_ENOTFOUND, "monitor %" PRId64 " has no test %s", monitor,
				name);
	if (rc == SB_OK)
		rc = sb_monitor_bump(db, monitor, err);
	sb_unlock(db);
	return rc;
}

int sb_servedb_tests(sb_servedb *db, int64_t monitor, sb_test_rec **out, size_t *n, sb_err *err)
{
	*out = NULL;
	*n = 0;
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql,
				  "SELECT name, params FROM tests WHERE monitor = ? ORDER BY name",
				  &st, err);
	size_t cap = 0;
	if (rc == SB_OK) {
		sqlite3_bind_int64(st, 1, monitor);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			sb_grow(out, &cap, *n, sizeof(**out));
			sb_test_rec *t = &(*out)[(*n)++];
			snprintf(t->name, sizeof(t->name), "%s",
				 (const char *)sqlite3_column_text(st, 0));
			t->params = sb_xstrdup((const char *)sqlite3_column_text(st, 1));
		}
		if (s != SQLITE_DONE)
			rc = sb_sqldb_fail(&db->sql, "read tests", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	if (rc != SB_OK) {
		sb_servedb_tests_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void sb_servedb_tests_free(sb_test_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].params);
	free(v);
}

/* ---- owners and shares ---- */

/* SB_OK when an account is named so, else SB_EINVAL "no user NAME"; mutex held. */
static int sb_user_known(sb_servedb *db, const char *name, sb_err *err)
{
	sb_role role;
	int rc = sb_user_role_of(db, name, &role, NULL, 0, err);
	if (rc == SB_ENOTFOUND) {
		sb_err_clear(err);
		rc = sb_err_set(err, SB_EINVAL, "no user %s", name);
	}
	return rc;
}

int sb_servedb_monitor_access(sb_servedb *db, int64_t id, const char *user, sb_role role,
			      sb_access *out, sb_err *err)
{
	*out = SB_ACCESS_NONE;
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK && role == SB_ROLE_ADMIN)
		*out = SB_ACCESS_MANAGE;
	if (rc == SB_OK && role != SB_ROLE_ADMIN) {
		sqlite3_stmt *st;
		rc = sb_sqldb_prepare(
			&db->sql,
			"SELECT 2 FROM owners WHERE monitor = ?1 AND owner = ?2 "
			"UNION ALL SELECT 1 FROM shares WHERE monitor = ?1 AND user = ?2 "
			"ORDER BY 1 DESC LIMIT 1",
			&st, err);
		if (rc == SB_OK) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
			int s = sqlite3_step(st);
			if (s == SQLITE_ROW)
				*out = sqlite3_column_int(st, 0) == 2 ? SB_ACCESS_MANAGE
								      : SB_ACCESS_READ;
			else if (s != SQLITE_DONE)
				rc = sb_sqldb_fail(&db->sql, "read owners", err);
			sqlite3_finalize(st);
		}
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_monitor_owner(sb_servedb *db, int64_t id, const char *owner, sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	if (rc == SB_OK && owner != NULL)
		rc = sb_user_known(db, owner, err);
	const void *args[] = {&id, owner};
	if (rc == SB_OK)
		rc = sb_sqldb_begin(&db->sql, err);
	if (rc == SB_OK) {
		if (owner == NULL) {
			rc = sb_db_run(db, "DELETE FROM owners WHERE monitor = ?", "i", args, NULL,
				       err);
		} else {
			rc = sb_db_run(
				db, "INSERT OR REPLACE INTO owners (monitor, owner) VALUES (?, ?)",
				"it", args, NULL, err);
			/* the new owner needs no share of its own monitor */
			if (rc == SB_OK)
				rc = sb_db_run(db,
					       "DELETE FROM shares WHERE monitor = ? AND user = ?",
					       "it", args, NULL, err);
		}
		rc = sb_sqldb_end(&db->sql, rc, NULL, err);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_share(sb_servedb *db, int64_t id, const char *user, int add, sb_err *err)
{
	sb_lock(db);
	int rc = sb_monitor_exists(db, id, err);
	const void *args[] = {&id, user};
	if (rc == SB_OK && add) {
		rc = sb_user_known(db, user, err);
		if (rc == SB_OK)
			rc = sb_db_run(db,
				       "INSERT OR IGNORE INTO shares (monitor, user) VALUES (?, ?)",
				       "it", args, NULL, err);
	} else if (rc == SB_OK) {
		int changes = 0;
		rc = sb_db_run(db, "DELETE FROM shares WHERE monitor = ? AND user = ?", "it", args,
			       &changes, err);
		if (rc == SB_OK && changes == 0)
			rc = sb_err_set(err, SB_ENOTFOUND,
					"monitor %" PRId64 " is not shared with %s", id, user);
	}
	sb_unlock(db);
	return rc;
}

int sb_servedb_shares(sb_servedb *db, int64_t id, sb_user_name **out, size_t *n, sb_err *err)
{
	*out = NULL;
	*n = 0;
	sb_lock(db);
	sqlite3_stmt *st;
	int rc = sb_sqldb_prepare(&db->sql,
				  "SELECT user FROM shares WHERE monitor = ? ORDER BY user", &st,
				  err);
	size_t cap = 0;
	if (rc == SB_OK) {
		sqlite3_bind_int64(st, 1, id);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			sb_grow(out, &cap, *n, sizeof(**out));
			snprintf((*out)[(*n)++], sizeof(**out), "%s",
				 (const char *)sqlite3_column_text(st, 0));
		}
		if (s != SQLITE_DONE)
			rc = sb_sqldb_fail(&db->sql, "read shares", err);
		sqlite3_finalize(st);
	}
	sb_unlock(db);
	return rc;
}
