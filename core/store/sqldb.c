/* sqldb.c - the SQLite helper: open with the pragmas, error mapping, kept statements, the end of
 * a write transaction. */
#include "config.h"

#include "store/sqldb.h"

#include <limits.h>
#include <string.h>

struct sb_sqldb_kept {
	char *key;
	sqlite3_stmt *stmt;
	struct sb_sqldb_kept *next;
};

int sb_sqldb_fail(const sb_sqldb *d, const char *what, sb_err *err)
{
	int code = sqlite3_errcode(d->db) & 0xff;
	int rc = code == SQLITE_NOMEM ? SB_ENOMEM : SB_ESTORE;
	return sb_err_set(err, rc, "sqlite %s: %s: %s", d->path, what, sqlite3_errmsg(d->db));
}

int sb_sqldb_exec(sb_sqldb *d, const char *sql, const char *what, sb_err *err)
{
	if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sb_sqldb_fail(d, what, err);
	return SB_OK;
}

int sb_sqldb_open(sb_sqldb *d, const char *path, const sb_sqldb_opts *o, sb_err *err)
{
	memset(d, 0, sizeof(*d));
	d->path = sb_xstrdup(path);
	int rc = SB_OK;
	if (sqlite3_open_v2(path, &d->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		if (d->db != NULL)
			rc = sb_sqldb_fail(d, "cannot open", err);
		else
			rc = sb_err_set(err, SB_ENOMEM, "sqlite %s: cannot open: out of memory",
					path);
		sb_sqldb_close(d);
		return rc;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, o->timeout_ms > INT_MAX ? INT_MAX
				    : o->timeout_ms < 0     ? 0
							    : (int)o->timeout_ms);
	rc = sb_sqldb_exec(d, "PRAGMA journal_mode = WAL", "cannot switch to WAL mode", err);
	if (rc == SB_OK)
		rc = sb_sqldb_exec(d, "PRAGMA synchronous = FULL", "cannot set synchronous", err);
	if (rc == SB_OK && o->pragmas != NULL)
		rc = sb_sqldb_exec(d, o->pragmas, "cannot set the pragmas", err);
	if (rc != SB_OK)
		sb_sqldb_close(d);
	return rc;
}

void sb_sqldb_forget_all(sb_sqldb *d)
{
	while (d->kept != NULL) {
		struct sb_sqldb_kept *k = d->kept;
		d->kept = k->next;
		sqlite3_finalize(k->stmt);
		free(k->key);
		free(k);
	}
}

void sb_sqldb_close(sb_sqldb *d)
{
	sb_sqldb_forget_all(d);
	if (d->db != NULL)
		sqlite3_close(d->db);
	d->db = NULL;
	sb_free(d->path);
}

int sb_sqldb_prepare(sb_sqldb *d, const char *sql, sqlite3_stmt **out, sb_err *err)
{
	*out = NULL;
	if (sqlite3_prepare_v2(d->db, sql, -1, out, NULL) != SQLITE_OK) {
		sqlite3_finalize(*out);
		*out = NULL;
		return sb_sqldb_fail(d, "cannot prepare a statement", err);
	}
	return SB_OK;
}

sqlite3_stmt *sb_sqldb_kept(sb_sqldb *d, const char *key)
{
	for (struct sb_sqldb_kept *k = d->kept; k != NULL; k = k->next)
		if (strcmp(k->key, key) == 0)
			return k->stmt;
	return NULL;
}

int sb_sqldb_keep(sb_sqldb *d, const char *key, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return rc;
	}
	struct sb_sqldb_kept *k = sb_xcalloc(1, sizeof(*k));
	k->key = sb_xstrdup(key);
	k->stmt = stmt;
	k->next = d->kept;
	d->kept = k;
	*out = stmt;
	return SQLITE_OK;
}

void sb_sqldb_forget(sb_sqldb *d, const char *key)
{
	for (struct sb_sqldb_kept **pk = &d->kept; *pk != NULL; pk = &(*pk)->next) {
		if (strcmp((*pk)->key, key) == 0) {
			struct sb_sqldb_kept *k = *pk;
			*pk = k->next;
			sqlite3_finalize(k->stmt);
			free(k->key);
			free(k);
			return;
		}
	}
}

int sb_sqldb_begin(sb_sqldb *d, sb_err *err)
{
	return sb_sqldb_exec(d, "BEGIN IMMEDIATE", "cannot start a write transaction", err);
}

int sb_sqldb_end(sb_sqldb *d, int rc, const char *const *forget, sb_err *err)
{
	if (rc == SB_OK) {
		if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
			return SB_OK;
		rc = sb_sqldb_fail(d, "commit failed", err);
	}
	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; forget != NULL && forget[i] != NULL; i++)
		sb_sqldb_forget(d, forget[i]);
	return rc;
}
