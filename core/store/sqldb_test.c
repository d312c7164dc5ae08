/* sqldb_test.c - the SQLite helper on real files: the pragmas it opens with, its error messages,
 * kept statements, and the end of a transaction (committed, rolled back, a commit that fails). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqldb.h"
#include "tap.h"

static int64_t one_int(sb_sqldb *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	sb_err err = {0};
	int64_t v = -999;
	if (sb_sqldb_prepare(d, sql, &st, &err) == SB_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *one_text(sb_sqldb *d, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	sb_err err = {0};
	snprintf(buf, size, "?");
	if (sb_sqldb_prepare(d, sql, &st, &err) == SB_OK && sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

int main(void)
{
	char dir[64];
	if (!tap_tempdir(dir, sizeof(dir), "sqldb"))
		return 1;
	char path[128], missing[128], buf[64];
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/t.db", dir);
	sb_sqldb d;
	sb_err err = {0};
	sb_sqldb_opts o = {.timeout_ms = 1000, .pragmas = "PRAGMA cache_size = -1234"};

	is_int(sb_sqldb_open(&d, missing, &o, &err), SB_ESTORE, "a file in a missing folder");
	ok(strstr(err.msg, "sqlite ") == err.msg && strstr(err.msg, ": cannot open: ") != NULL,
	   "the message names SQLite, the file and what failed: %s", err.msg);
	ok(d.db == NULL && d.path == NULL, "and leaves nothing to close");

	sb_err_clear(&err);
	is_int(sb_sqldb_open(&d, path, &o, &err), SB_OK, "opens a new file: %s", err.msg);
	is_str(one_text(&d, "PRAGMA journal_mode", buf, sizeof(buf)), "wal", "journal_mode WAL");
	is_int(one_int(&d, "PRAGMA synchronous"), 2, "synchronous FULL");
	is_int(one_int(&d, "PRAGMA cache_size"), -1234, "the caller's pragmas run too");

	is_int(sb_sqldb_exec(&d, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)", "make t", &err),
	       SB_OK, "exec");
	is_int(sb_sqldb_exec(&d, "CREATE TABLE t (k)", "make t again", &err), SB_ESTORE,
	       "a failing statement is SB_ESTORE");
	ok(strstr(err.msg, "t.db: make t again: table t already exists") != NULL,
	   "\"sqlite <path>: <what>: <SQLite's message>\": %s", err.msg);

	/* kept statements */
	sqlite3_stmt *ins = NULL;
	is_int(sb_sqldb_keep(&d, "put:t", "INSERT INTO t VALUES (?1, ?2)", &ins), SQLITE_OK,
	       "a statement is kept");
	ok(sb_sqldb_kept(&d, "put:t") == ins && sb_sqldb_kept(&d, "other") == NULL,
	   "and found again by its key");
	sqlite3_stmt *bad = NULL;
	ok(sb_sqldb_keep(&d, "q", "SELECT * FROM nowhere", &bad) != SQLITE_OK &&
		   sb_sqldb_kept(&d, "q") == NULL,
	   "a statement that does not prepare is not kept");

	/* committed */
	sb_err_clear(&err);
	int rc = sb_sqldb_begin(&d, &err);
	sqlite3_bind_text(ins, 1, "a", -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, 1);
	if (sqlite3_step(ins) != SQLITE_DONE)
		rc = sb_sqldb_fail(&d, "insert", &err);
	sqlite3_reset(ins);
	const char *const forget[] = {"put:t", NULL};
	is_int(sb_sqldb_end(&d, rc, forget, &err), SB_OK, "a transaction commits");
	ok(one_int(&d, "SELECT count(*) FROM t") == 1 && sb_sqldb_kept(&d, "put:t") == ins,
	   "its row is there and the statement still kept");

	/* the caller's failure: rolled back, err left as it was, statement forgotten */
	sb_sqldb_begin(&d, &err);
	sqlite3_bind_text(ins, 1, "b", -1, SQLITE_STATIC);
	sqlite3_step(ins);
	sqlite3_reset(ins);
	sb_err_set(&err, SB_EINVAL, "the caller's own reason");
	is_int(sb_sqldb_end(&d, SB_EINVAL, forget, &err), SB_EINVAL, "a failed put rolls back");
	ok(one_int(&d, "SELECT count(*) FROM t") == 1 && sqlite3_get_autocommit(d.db),
	   "nothing of it stays, no transaction left open");
	is_str(err.msg, "the caller's own reason", "the first error is the one kept");
	ok(sb_sqldb_kept(&d, "put:t") == NULL, "the statement is forgotten");

	/* a commit that fails (a deferred foreign key) is rolled back and reported */
	sb_err_clear(&err);
	sb_sqldb_exec(&d,
		      "PRAGMA foreign_keys = ON; CREATE TABLE c (k TEXT REFERENCES t (k) "
		      "DEFERRABLE INITIALLY DEFERRED)",
		      "make c", &err);
	rc = sb_sqldb_begin(&d, &err);
	if (rc == SB_OK)
		rc = sb_sqldb_exec(&d, "INSERT INTO c VALUES ('nobody')", "insert c", &err);
	is_int(rc, SB_OK, "a row breaking a deferred key goes in");
	is_int(sb_sqldb_end(&d, rc, NULL, &err), SB_ESTORE, "its commit fails and says so");
	ok(strstr(err.msg, "commit failed: FOREIGN KEY constraint failed") != NULL, "%s", err.msg);
	ok(sqlite3_get_autocommit(d.db) && one_int(&d, "SELECT count(*) FROM c") == 0,
	   "rolled back: no transaction left open, no row");

	sb_sqldb_close(&d);
	ok(d.db == NULL && d.path == NULL && d.kept == NULL, "closed, nothing left");
	sb_sqldb_close(&d);
	unlink(path);
	char side[160];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	rmdir(dir);
	return tap_done();
}
