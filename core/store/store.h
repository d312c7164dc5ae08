/* store.h - the history store: one interface, two backends (SQLite embedded, MongoDB) by DATABASE_URI. */
#ifndef SB_STORE_STORE_H
#define SB_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "format/record.h"
#include "format/summary.h"
#include "store/schema.h"

/* One raw 5-minute sample of an interface: a row of <LAYER>_HISTORY. For an in_only schema
 * (IPBRAS) out_avg and out_max are ignored and the key field is "brasname". Strings are borrowed. */
typedef struct sb_history_row {
	const char *name; /* stored under schema->key */
	const char *type;
	const char *date; /* "YYYY-MM-DD" local */
	const char *time; /* "HH:MM:SS" local */
	double capacity;  /* Gbps (stored as a number) */
	int64_t in_avg;   /* inProm */
	int64_t out_avg;  /* outProm */
	int64_t in_max;   /* inMaxProm */
	int64_t out_max;  /* outMaxProm */
} sb_history_row;

/* Backend-independent settings. */
typedef struct sb_store_opts {
	const char *write_concern; /* MongoDB: "majority", "1", "0"...; NULL = server default */
	long timeout_ms; /* bounds each exchange: connect, server selection, each reply (MongoDB);
			  * the busy wait (SQLite). Default 10000 */
} sb_store_opts;

typedef struct sb_store sb_store;

/* The table/collection of the daily summaries of every layer. */
#define SB_STORE_SUMMARY_TABLE "DAILY_SUMMARY_HISTORY"

/* Storage types, the same in both backends: name, type, brasname, date, time and typeLayer are
 * strings; capacity is a double; history measures are 64-bit integers (SQLite INTEGER, BSON long);
 * summary measures and use are doubles (SQLite REAL, BSON double); an unknown use (has_use 0)
 * is SQLite NULL and, in MongoDB, a double NaN, which the old tool's validators accept (they
 * require a number) and every reader takes for unknown (docs/storage.md);
 * samples is a 64-bit integer, stored only when >= 0 (SQLite NULL, MongoDB field absent otherwise);
 * resolution a 64-bit integer, stored only when coarser than 5 minutes (read back as
 * SB_RES_5MIN otherwise).
 * Reading accepts any BSON number (int, long, double) for the measures, as the old tool wrote them;
 * a use that is null, NaN or missing reads as unknown; a capacity stored as a string holding a
 * number reads as that number (anything else as 0, unknown).
 *
 * A store is not thread-safe: use one per thread. */

/* Opens the store named by uri: "sqlite:PATH" (relative to the current directory) or
 * "mongodb://..." / "mongodb+srv://...". Nothing is sent until first use for MongoDB; SQLite opens
 * the file (creating it, not its directory) in WAL mode. opts may be NULL (defaults). MongoDB: the
 * database is the URI's path ("ScanBackupDB" when absent); serverSelectionTimeoutMS,
 * connectTimeoutMS and socketTimeoutMS (the longest wait for any reply) come from
 * opts->timeout_ms unless the URI sets them, so a server that stops answering fails a call after
 * about that long instead of holding it. Returns SB_OK and *out
 * (free with sb_store_close), or an error with err filled: SB_EINVAL for a URI of another form or a
 * bad write concern, SB_ESTORE when the database cannot be opened. Messages never contain the
 * URI's password. */
int sb_store_open(const char *uri, const sb_store_opts *opts, sb_store **out, sb_err *err);

/* Closes and frees the store; sets *st to NULL. */
void sb_store_close(sb_store **st);

/* Short name of the backend: "sqlite" or "mongodb". */
const char *sb_store_backend(const sb_store *st);

/* Creates what is missing: the tables/collections of the given schemas, their tables of coarser
 * resolutions (sb_schema_coarse) and DAILY_SUMMARY_HISTORY,
 * their unique PK indexes and the date / (date, typeLayer) indexes, under the old tool's names
 * (docs/data.md). MongoDB: a new collection gets a $jsonSchema validator, an existing one without
 * any validator gets it too (collMod), one with a validator keeps it (such as the old tool's).
 * Idempotent. Fails on the first refusal (a conflicting index, no right to collMod, ...). */
int sb_store_start(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err);

/* Drops every table/collection of the given schemas, their tables of coarser resolutions and
 * DAILY_SUMMARY_HISTORY (with their indexes); a missing one is not an error. */
int sb_store_drop(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err);

/* Upserts rows keyed on the PK (key, type, date, time): loading the same rows twice changes
 * nothing. Returns SB_OK only when every row is confirmed stored (MongoDB: acknowledged under the
 * write concern); otherwise an error, and the caller must assume none was stored.
 * SQLite: one transaction per call, so it is all or nothing; a missing table is created with its
 * indexes first (a fresh database works without sb_store_start). MongoDB: unordered bulk upserts
 * ($set of the non-key fields) in batches of 1000; before the first write of the process to a
 * collection (of a host and database), what sb_store_start would create is ensured: the
 * collection, its validator and its indexes, so that a database where `database start` never ran
 * gets its unique index before its first row. That costs a listCollections and a createIndexes
 * once per collection and process. A refused index fails the call (nothing written); a refused
 * collMod for want of rights is a warning, as the rows are valid anyway. The same holds for
 * sb_store_put_summary and sb_store_put_records. Thread-safe across stores. */
int sb_store_put_history(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
			 size_t n, sb_err *err);

/* Upserts daily summaries (sb_summary_row, format/summary.h) keyed on (name, type, date,
 * typeLayer). Same contract as above. A row with samples -1 keeps the count stored earlier; an
 * unknown use overwrites a known one. A row never replaces a stored summary of a finer
 * resolution (a 5-minute one is finer than any): that one is kept, and the row counts as stored. The resolution is stored only when coarser than 5
 * minutes (SQLite NULL, MongoDB field absent otherwise), so 5-minute summaries keep the old
 * tool's fields.
 *
 * Errors of every call below: SB_EINVAL for bad arguments or schema names, SB_ESTORE with the
 * database's own message otherwise ("cannot reach MongoDB at host:port: ..." when unreachable,
 * "sqlite PATH: ...: database is locked" past the busy timeout), SB_ENOMEM. */
int sb_store_put_summary(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err);

/* Row callbacks of the queries; strings are valid only during the call. Return SB_OK to go on,
 * anything else stops the query and is returned. */
typedef int (*sb_summary_fn)(void *ctx, const sb_summary_row *row);
typedef int (*sb_history_fn)(void *ctx, const sb_history_row *row);

/* Daily summaries with from <= date <= to ("YYYY-MM-DD"; NULL = unbounded), optionally only one
 * layer (typeLayer) and/or one interface name (NULL = all), ordered by layer, type, name, date.
 * A missing table/collection yields no rows. SQLite: the rows are of one snapshot (a read
 * transaction unless the caller is inside one), so fn must not write into st. */
int sb_store_query_summary(sb_store *st, const char *layer, const char *name, const char *from,
			   const char *to, sb_summary_fn fn, void *ctx, sb_err *err);

/* The newest daily summary of each interface (name, type, typeLayer) having one with
 * from <= date <= to: one row per interface, in no particular order. As query_summary over the
 * range keeping the last row of each interface, but the SQLite store reads only the keys of the
 * range (its date index) and then the rows it keeps. */
int sb_store_query_summary_newest(sb_store *st, const char *from, const char *to, sb_summary_fn fn,
				  void *ctx, sb_err *err);

/* The newest date before `before` ("YYYY-MM-DD") with a daily summary of layer (typeLayer) into
 * out ("" when there is none). A missing table/collection has none. */
int sb_store_newest_summary(sb_store *st, const char *layer, const char *before, char out[11],
			    sb_err *err);

/* Raw samples of a layer with from <= date <= to (NULL = unbounded), optionally one interface
 * (name, and type unless NULL), ordered by name, type, date, time. A missing table yields no rows. */
int sb_store_query_history(sb_store *st, const sb_schema *schema, const char *name,
			   const char *type, const char *from, const char *to, sb_history_fn fn,
			   void *ctx, sb_err *err);

/* ---- the records of the monitor's tests ---- */

/* Each test's records go to the table (collection) its declaration names, <TEST>_HISTORY
 * (format/record.h): monitor, link, timestamp (64-bit integers, together unique), date and time
 * (local strings "YYYY-MM-DD", "HH:MM:SS"), then the declared fields in their order: INT as a
 * 64-bit integer (SQLite INTEGER, BSON long), BOOL as 0/1 (INTEGER) or a BSON bool, NUMBER as a
 * double (REAL, double), STRING and JSON as text (TEXT, string); no value is SQLite NULL or BSON
 * null, and a required field is NOT NULL (SQLite) and required by the validator (MongoDB).
 * Indexes unique_<test>_index (monitor, link, timestamp) and <test>_by_date_index (date).
 * Reading accepts any BSON number for INT and NUMBER, as for the layers.
 *
 * A table made before a field was declared (PING_HISTORY before min, max and jitter) keeps its
 * rows: the first write adds the missing columns (nullable), and a read before that gives no value
 * for them. An existing MongoDB collection keeps its validator (new fields are not required by
 * it). */

/* Creates what is missing of the tables of the n declarations (MongoDB: collections with a
 * $jsonSchema validator built from the declaration), with their indexes. Idempotent. */
int sb_store_start_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err);

/* Drops the tables of the n declarations (a missing one is not an error). */
int sb_store_drop_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err);

/* Upserts records of one test keyed on (monitor, link, timestamp); the values must have passed
 * sb_rec_check. Same all-or-nothing contract as sb_store_put_history (SQLite: one transaction, the
 * table created or completed first; MongoDB: the collection, its validator and indexes ensured
 * from the declaration before the first write of the process to it). */
int sb_store_put_records(sb_store *st, const sb_rec_decl *d, const sb_rec *rows, size_t n,
			 sb_err *err);

typedef int (*sb_rec_fn)(void *ctx, const sb_rec *r);

/* Records of one test with from <= timestamp < to, optionally one monitor and/or one link (-1 =
 * any), ordered by monitor, link, timestamp. A missing table yields no rows. */
int sb_store_query_records(sb_store *st, const sb_rec_decl *d, int64_t monitor, int64_t link,
			   int64_t from, int64_t to, sb_rec_fn fn, void *ctx, sb_err *err);

/* The name of a link as its monitor gave it (format/record.h, SB_REC_NAMES, in LINKS_HISTORY). */
typedef struct sb_link_name {
	int64_t monitor, link;
	int64_t ts;         /* when the monitor gave it */
	char *name;         /* the key of the link in monitor.json */
	char *ip;           /* NULL when none */
	char *monitor_name; /* NULL when none */
} sb_link_name;

/* The name of each link at the time `at` (unix time; INT64_MAX: now): the newest its monitor
 * gave before then, else the first it gave after (results stored before names were); of one
 * monitor or of all (-1). *out (caller frees with sb_link_names_free) is ordered by monitor and
 * link. A store without names yields none. */
int sb_store_link_names(sb_store *st, int64_t monitor, int64_t at, sb_link_name **out, size_t *n,
			sb_err *err);
void sb_link_names_free(sb_link_name *v, size_t n);
/* The name of (monitor, link) in v, or NULL. */
const sb_link_name *sb_link_names_find(const sb_link_name *v, size_t n, int64_t monitor,
				       int64_t link);

#endif
