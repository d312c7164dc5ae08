/* sqldb.h - the one SQLite helper of the engine, used by the history store (store_sqlite.c) and by
 * the dashboard's accounts database (serve/servedb.c): opening a file with the engine's pragmas,
 * SQLite's errors translated into SB_E* codes and messages, statements kept for the life of the
 * connection, and the one way a write transaction ends.
 *
 * Opening: read-write, created when missing, no SQLite mutex (the caller serialises), extended
 * result codes, a busy timeout, journal_mode WAL (readers never block the writer) and synchronous
 * FULL (a committed transaction survives a power cut), then the caller's own pragmas.
 *
 * Errors: SQLITE_NOMEM is SB_ENOMEM, everything else SB_ESTORE; the message is
 * "sqlite <path>: <what the caller was doing>: <SQLite's message>".
 *
 * A connection is used by one thread at a time; the functions are not thread-safe on one
 * connection. */
#ifndef SB_STORE_SQLDB_H
#define SB_STORE_SQLDB_H

#include <sqlite3.h>

#include "base/sb.h"

struct sb_sqldb_kept;

typedef struct sb_sqldb {
	sqlite3 *db;
	char *path;
	struct sb_sqldb_kept *kept; /* the kept statements */
} sb_sqldb;

typedef struct sb_sqldb_opts {
	long timeout_ms;     /* how long a statement waits for another connection's lock */
	const char *pragmas; /* more PRAGMA statements, run after the common ones; may be NULL */
} sb_sqldb_opts;

/* Opens path into *d (the caller's struct). On failure err is set and *d holds nothing. */
int sb_sqldb_open(sb_sqldb *d, const char *path, const sb_sqldb_opts *o, sb_err *err);

/* Finalizes the kept statements and closes the connection; a zeroed or closed d is fine. One-off
 * statements must be finalized before. */
void sb_sqldb_close(sb_sqldb *d);

/* Translates the connection's last error into err (the mapping above); returns the SB_E* code. */
int sb_sqldb_fail(const sb_sqldb *d, const char *what, sb_err *err);

/* Runs sql (one or more statements, no results). */
int sb_sqldb_exec(sb_sqldb *d, const char *sql, const char *what, sb_err *err);

/* Prepares a one-off statement, which the caller finalizes (sqlite3_finalize). */
int sb_sqldb_prepare(sb_sqldb *d, const char *sql, sqlite3_stmt **out, sb_err *err);

/* Kept statements: prepared once and found again by a key naming their table and use.
 * sb_sqldb_kept returns the one kept under key, or NULL. sb_sqldb_keep prepares sql and keeps it
 * under key; it returns SQLite's code and does not set an error (for a query, a missing table is
 * no error: the caller decides with sb_sqldb_fail). sb_sqldb_forget finalizes and forgets it (after
 * a failure, so that the next use prepares it against the schema as it is then). */
sqlite3_stmt *sb_sqldb_kept(sb_sqldb *d, const char *key);
int sb_sqldb_keep(sb_sqldb *d, const char *key, const char *sql, sqlite3_stmt **out);
void sb_sqldb_forget(sb_sqldb *d, const char *key);

/* Finalizes and forgets every kept statement (before the schema is dropped). */
void sb_sqldb_forget_all(sb_sqldb *d);

/* Starts a write transaction (BEGIN IMMEDIATE: the write lock is taken now, or the busy timeout
 * runs out now, not halfway through). */
int sb_sqldb_begin(sb_sqldb *d, sb_err *err);

/* Ends the write transaction started by sb_sqldb_begin: when rc is SB_OK it commits, and a commit
 * that fails is rolled back and its error returned; when rc is an error it rolls back, leaving err
 * as it was. In both failing cases the statements kept under the NULL-terminated list forget
 * (may be NULL) are forgotten, so a schema changed meanwhile cannot fail them again. Returns the
 * outcome: SB_OK when committed. */
int sb_sqldb_end(sb_sqldb *d, int rc, const char *const *forget, sb_err *err);

#endif
