/* store_sqlite.c - the embedded history store: one SQLite file in WAL mode, idempotent upserts. */
#include "config.h"

#include "store/store_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/keyset.h"
#include "store/sqldb.h"

/* Upper bound of a "YYYY-MM-DD" date range when the caller gives none. */
#define SB_SQLITE_DATE_MIN ""
#define SB_SQLITE_DATE_MAX "9999-99-99"

typedef struct sb_sqlite_store {
	sb_store base;
	sb_sqldb sql; /* the connection and its kept statements */
} sb_sqlite_store;

/* A column of a table: its name and its declaration. The PK columns come first. */
typedef struct sb_sqlite_col {
	const char *name;
	const char *decl;
} sb_sqlite_col;

#define SB_SQLITE_MAX_COLS 12

/* A SQL text built in a fixed buffer; identifiers are short checked names (at most 40 bytes, 37
 * columns), so 16 KiB is plenty. */
typedef struct sb_sql {
	char text[16384];
	size_t len;
	int overflow;
} sb_sql;

static void sb_sql_add(sb_sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_sql_add(sb_sql *q, const char *fmt, ...)
{
	if (q->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(q->text + q->len, sizeof(q->text) - q->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(q->text) - q->len)
		q->overflow = 1;
	else
		q->len += (size_t)n;
}

static sb_sqlite_store *sb_sqlite(sb_store *st)
{
	return (sb_sqlite_store *)st;
}

static size_t sb_sqlite_history_cols(const sb_schema *schema, sb_sqlite_col *cols)
{
	size_t n = 0;
	cols[n++] = (sb_sqlite_col){schema->key, "TEXT NOT NULL"};
	cols[n++] = (sb_sqlite_col){"type", "TEXT NOT NULL"};
	cols[n++] = (sb_sqlite_col){"date", "TEXT NOT NULL"};
	cols[n++] = (sb_sqlite_col){"time", "TEXT NOT NULL"};
	cols[n++] = (sb_sqlite_col){"capacity", "REAL NOT NULL"};
	cols[n++] = (sb_sqlite_col){"inProm", "INTEGER NOT NULL"};
	cols[n++] = (sb_sqlite_col){"inMaxProm", "INTEGER NOT NULL"};
	if (!schema->in_only) {
		cols[n++] = (sb_sqlite_col){"outProm", "INTEGER NOT NULL"};
		cols[n++] = (sb_sqlite_col){"outMaxProm", "INTEGER NOT NULL"};
	}
	return n;
}

static const sb_sqlite_col sb_sqlite_summary_cols[] = {
	{"name", "TEXT NOT NULL"},       {"type", "TEXT NOT NULL"},
	{"date", "TEXT NOT NULL"},       {"typeLayer", "TEXT NOT NULL"},
	{"capacity", "REAL NOT NULL"},   {"inProm", "REAL NOT NULL"},
	{"inMaxProm", "REAL NOT NULL"},  {"outProm", "REAL NOT NULL"},
	{"outMaxProm", "REAL NOT NULL"}, {"use", "REAL"},
	{"samples", "INTEGER"},          {"resolution", "INTEGER"},
};

/* Where samples and resolution sit among those columns. */
#define SB_SQLITE_SUM_SAMPLES 10
#define SB_SQLITE_SUM_RESOLUTION 11

/* A summary is replaced only by one of the same or a finer resolution (NULL: 5 minutes). */
#define SB_SQLITE_SUM_GUARD                                                                        \
	"COALESCE(\"resolution\", 300) >= COALESCE(excluded.\"resolution\", 300)"

/* Number of leading PK columns in both kinds of table. */
#define SB_SQLITE_PK_COLS 4

/* Creates table and indexes when missing (inside the caller's transaction). The unique index of
 * the PK becomes the table's own key (WITHOUT ROWID: one b-tree instead of a table plus an index
 * holding the same columns again, a third faster to load); the other indexes keep the MongoDB
 * names. */
static int sb_sqlite_ensure(sb_sqlite_store *s, const char *table, const sb_sqlite_col *cols,
			    size_t ncols, const sb_store_index *idx, size_t nidx, sb_err *err)
{
	sb_sql q = {.len = 0};
	sb_sql_add(&q, "CREATE TABLE IF NOT EXISTS \"%s\" (", table);
	for (size_t i = 0; i < ncols; i++)
		sb_sql_add(&q, "%s\"%s\" %s", i ? ", " : "", cols[i].name, cols[i].decl);
	const sb_store_index *pk = NULL;
	for (size_t i = 0; i < nidx && pk == NULL; i++)
		if (idx[i].unique)
			pk = &idx[i];
	if (pk != NULL) {
		sb_sql_add(&q, ", PRIMARY KEY (");
		for (size_t f = 0; f < pk->nfields; f++)
			sb_sql_add(&q, "%s\"%s\"", f ? ", " : "", pk->fields[f]);
		sb_sql_add(&q, ")) WITHOUT ROWID;\n");
	} else {
		sb_sql_add(&q, ");\n");
	}
	for (size_t i = 0; i < nidx; i++) {
		if (&idx[i] == pk)
			continue;
		sb_sql_add(&q, "CREATE %sINDEX IF NOT EXISTS \"%s\" ON \"%s\" (",
			   idx[i].unique ? "UNIQUE " : "", idx[i].name, table);
		for (size_t f = 0; f < idx[i].nfields; f++)
			sb_sql_add(&q, "%s\"%s\"", f ? ", " : "", idx[i].fields[f]);
		sb_sql_add(&q, ");\n");
	}
	if (q.overflow)
		return sb_err_set(err, SB_EINVAL, "sqlite: table definition of %s too long", table);
	char what[128];
	snprintf(what, sizeof(what), "cannot create table %s", table);
	return sb_sqldb_exec(&s->sql, q.text, what, err);
}

static int sb_sqlite_ensure_history(sb_sqlite_store *s, const sb_schema *schema, sb_err *err)
{
	sb_sqlite_col cols[SB_SQLITE_MAX_COLS];
	size_t ncols = sb_sqlite_history_cols(schema, cols);
	sb_store_index idx[SB_STORE_MAX_INDEXES];
	size_t nidx = sb_store_history_indexes(schema, idx);
	return sb_sqlite_ensure(s, schema->table, cols, ncols, idx, nidx, err);
}

static int sb_sqlite_ensure_summary(sb_sqlite_store *s, sb_err *err)
{
	sb_store_index idx[SB_STORE_MAX_INDEXES];
	size_t nidx = sb_store_summary_indexes(idx);
	return sb_sqlite_ensure(s, SB_STORE_SUMMARY_TABLE, sb_sqlite_summary_cols,
				SB_ARRAY_SIZE(sb_sqlite_summary_cols), idx, nidx, err);
}

/* The upsert: insert, or on a PK conflict update the other columns when one differs (so loading
 * the same rows again writes nothing) and guard (SQL, NULL for none) holds. keep_old[i] set: a
 * NULL keeps the stored value. */
static void sb_sqlite_upsert_rows_sql(sb_sql *q, const char *table, const sb_sqlite_col *cols,
				      size_t ncols, size_t npk, const int *keep_old,
				      const char *guard, size_t nrows)
{
	sb_sql_add(q, "INSERT INTO \"%s\" (", table);
	for (size_t i = 0; i < ncols; i++)
		sb_sql_add(q, "%s\"%s\"", i ? ", " : "", cols[i].name);
	sb_sql_add(q, ") VALUES ");
	for (size_t r = 0; r < nrows; r++) {
		sb_sql_add(q, "%s(", r ? ", " : "");
		for (size_t i = 0; i < ncols; i++)
			sb_sql_add(q, "%s?%zu", i ? ", " : "", r * ncols + i + 1);
		sb_sql_add(q, ")");
	}
	sb_sql_add(q, " ON CONFLICT (");
	for (size_t i = 0; i < npk; i++)
		sb_sql_add(q, "%s\"%s\"", i ? ", " : "", cols[i].name);
	sb_sql_add(q, ") DO UPDATE SET ");
	for (size_t i = npk; i < ncols; i++) {
		const char *c = cols[i].name;
		if (keep_old != NULL && keep_old[i])
			sb_sql_add(q, "%s\"%s\" = COALESCE(excluded.\"%s\", \"%s\")",
				   i > npk ? ", " : "", c, c, c);
		else
			sb_sql_add(q, "%s\"%s\" = excluded.\"%s\"", i > npk ? ", " : "", c, c);
	}
	sb_sql_add(q, " WHERE %s%s(", guard != NULL ? guard : "", guard != NULL ? " AND " : "");
	for (size_t i = npk; i < ncols; i++) {
		const char *c = cols[i].name;
		if (keep_old != NULL && keep_old[i])
			sb_sql_add(q,
				   "%s(excluded.\"%s\" IS NOT NULL AND "
				   "\"%s\" IS NOT excluded.\"%s\")",
				   i > npk ? " OR " : "", c, c, c);
		else
			sb_sql_add(q, "%s\"%s\" IS NOT excluded.\"%s\"", i > npk ? " OR " : "", c,
				   c);
	}
	sb_sql_add(q, ")");
}

static void sb_sqlite_upsert_sql(sb_sql *q, const char *table, const sb_sqlite_col *cols,
				 size_t ncols, size_t npk, const int *keep_old, const char *guard)
{
	sb_sqlite_upsert_rows_sql(q, table, cols, ncols, npk, keep_old, guard, 1);
}

static int sb_sqlite_start(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_sqlite_ensure_history(s, schemas[i], err);
	if (rc == SB_OK)
		rc = sb_sqlite_ensure_summary(s, err);
	return sb_sqldb_end(&s->sql, rc, NULL, err);
}

static int sb_sqlite_drop_table(sb_sqlite_store *s, const char *table, sb_err *err)
{
	char sql[128], what[128];
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS \"%s\"", table);
	snprintf(what, sizeof(what), "cannot drop table %s", table);
	return sb_sqldb_exec(&s->sql, sql, what, err);
}

static int sb_sqlite_drop(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	sb_sqldb_forget_all(&s->sql);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_sqlite_drop_table(s, schemas[i]->table, err);
	if (rc == SB_OK)
		rc = sb_sqlite_drop_table(s, SB_STORE_SUMMARY_TABLE, err);
	return sb_sqldb_end(&s->sql, rc, NULL, err);
}

/* Ends a put (sb_sqldb_end): commits when rc is SB_OK; otherwise rolls back and forgets the
 * statement, which is prepared afresh next time. Returns the outcome. */
static int sb_sqlite_end_put(sb_sqlite_store *s, sqlite3_stmt *stmt, const char *key, int rc,
			     sb_err *err)
{
	if (stmt != NULL)
		sqlite3_clear_bindings(stmt);
	const char *const forget[] = {key, NULL};
	return sb_sqldb_end(&s->sql, rc, forget, err);
}

/* The upsert statement of a history table, creating the table first if needed (inside the
 * caller's transaction). */
static int sb_sqlite_history_stmt(sb_sqlite_store *s, const sb_schema *schema, const char *key,
				  size_t nrows, sqlite3_stmt **out, sb_err *err)
{
	*out = sb_sqldb_kept(&s->sql, key);
	if (*out != NULL)
		return SB_OK;
	int rc = sb_sqlite_ensure_history(s, schema, err);
	if (rc != SB_OK)
		return rc;
	sb_sqlite_col cols[SB_SQLITE_MAX_COLS];
	size_t ncols = sb_sqlite_history_cols(schema, cols);
	sb_sql q = {.len = 0};
	sb_sqlite_upsert_rows_sql(&q, schema->table, cols, ncols, SB_SQLITE_PK_COLS, NULL, NULL,
				  nrows);
	if (q.overflow)
		return sb_err_set(err, SB_EINVAL, "sqlite: upsert of %s too long", schema->table);
	if (sb_sqldb_keep(&s->sql, key, q.text, out) != SQLITE_OK)
		return sb_sqldb_fail(&s->sql, "cannot prepare the upsert", err);
	return SB_OK;
}

/* Binds one history row at parameter offset base (0 for the first row of a statement). */
static void sb_sqlite_bind_history(sqlite3_stmt *stmt, const sb_schema *schema, int base,
				   const sb_history_row *r)
{
	sqlite3_bind_text(stmt, base + 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, base + 2, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, base + 3, r->date, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, base + 4, r->time, -1, SQLITE_STATIC);
	sqlite3_bind_double(stmt, base + 5, r->capacity);
	sqlite3_bind_int64(stmt, base + 6, r->in_avg);
	sqlite3_bind_int64(stmt, base + 7, r->in_max);
	if (!schema->in_only) {
		sqlite3_bind_int64(stmt, base + 8, r->out_avg);
		sqlite3_bind_int64(stmt, base + 9, r->out_max);
	}
}

/* Rows per multi-row INSERT: one statement step per 32 rows instead of one per row. */
#define SB_SQLITE_ROWS_PER_INSERT 32

static int sb_sqlite_put_history(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
				 size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	char key1[96], keyn[96];
	snprintf(key1, sizeof(key1), "put:%s", schema->table);
	snprintf(keyn, sizeof(keyn), "put%d:%s", SB_SQLITE_ROWS_PER_INSERT, schema->table);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	sqlite3_stmt *one = NULL, *many = NULL;
	rc = sb_sqlite_history_stmt(s, schema, key1, 1, &one, err);
	if (rc == SB_OK)
		rc = sb_sqlite_history_stmt(s, schema, keyn, SB_SQLITE_ROWS_PER_INSERT, &many, err);
	int ncols = schema->in_only ? 7 : 9;
	for (size_t i = 0; rc == SB_OK && i < n;) {
		size_t k = n - i >= SB_SQLITE_ROWS_PER_INSERT ? SB_SQLITE_ROWS_PER_INSERT : 1;
		sqlite3_stmt *stmt = k > 1 ? many : one;
		for (size_t j = 0; j < k; j++)
			sb_sqlite_bind_history(stmt, schema, (int)j * ncols, &rows[i + j]);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			const sb_history_row *r = &rows[i];
			char what[160];
			if (k == 1)
				snprintf(what, sizeof(what), "cannot store %s row %zu (%s %s %s)",
					 schema->table, i + 1, r->name, r->date, r->time);
			else
				snprintf(what, sizeof(what),
					 "cannot store %s rows %zu-%zu (from %s %s %s)",
					 schema->table, i + 1, i + k, r->name, r->date, r->time);
			rc = sb_sqldb_fail(&s->sql, what, err);
		}
		sqlite3_reset(stmt);
		i += k;
	}
	if (one != NULL)
		sqlite3_clear_bindings(one);
	if (many != NULL)
		sqlite3_clear_bindings(many);
	const char *const forget[] = {key1, keyn, NULL};
	return sb_sqldb_end(&s->sql, rc, forget, err);
}

static int sb_sqlite_summary_stmt(sb_sqlite_store *s, const char *key, sqlite3_stmt **out,
				  sb_err *err)
{
	*out = sb_sqldb_kept(&s->sql, key);
	if (*out != NULL)
		return SB_OK;
	int rc = sb_sqlite_ensure_summary(s, err);
	if (rc != SB_OK)
		return rc;
	/* An unknown samples (NULL) keeps a count stored earlier; a NULL use is a value, and a
	 * NULL resolution is 5 minutes. */
	int keep_old[SB_ARRAY_SIZE(sb_sqlite_summary_cols)] = {0};
	keep_old[SB_SQLITE_SUM_SAMPLES] = 1;
	sb_sql q = {.len = 0};
	sb_sqlite_upsert_sql(&q, SB_STORE_SUMMARY_TABLE, sb_sqlite_summary_cols,
			     SB_ARRAY_SIZE(sb_sqlite_summary_cols), SB_SQLITE_PK_COLS, keep_old,
			     SB_SQLITE_SUM_GUARD);
	if (q.overflow)
		return sb_err_set(err, SB_EINVAL, "sqlite: upsert of %s too long",
				  SB_STORE_SUMMARY_TABLE);
	if (sb_sqldb_keep(&s->sql, key, q.text, out) != SQLITE_OK)
		return sb_sqldb_fail(&s->sql, "cannot prepare the upsert", err);
	return SB_OK;
}

static int sb_sqlite_put_summary(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	const char *key = "put:" SB_STORE_SUMMARY_TABLE;
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	sqlite3_stmt *stmt = NULL;
	rc = sb_sqlite_summary_stmt(s, key, &stmt, err);
	for (size_t i = 0; rc == SB_OK && i < n; i++) {
		const sb_summary_row *r = &rows[i];
		sqlite3_bind_text(stmt, 1, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, r->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, r->date, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, r->layer, -1, SQLITE_STATIC);
		sqlite3_bind_double(stmt, 5, r->capacity);
		sqlite3_bind_double(stmt, 6, r->in_prom);
		sqlite3_bind_double(stmt, 7, r->in_max_prom);
		sqlite3_bind_double(stmt, 8, r->out_prom);
		sqlite3_bind_double(stmt, 9, r->out_max_prom);
		if (r->has_use)
			sqlite3_bind_double(stmt, 10, r->use);
		else
			sqlite3_bind_null(stmt, 10);
		if (r->samples >= 0)
			sqlite3_bind_int64(stmt, 11, r->samples);
		else
			sqlite3_bind_null(stmt, 11);
		if (r->resolution > SB_RES_5MIN)
			sqlite3_bind_int64(stmt, 12, r->resolution);
		else
			sqlite3_bind_null(stmt, 12);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			char what[160];
			snprintf(what, sizeof(what), "cannot store %s row %zu (%s %s %s)",
				 SB_STORE_SUMMARY_TABLE, i + 1, r->layer, r->name, r->date);
			rc = sb_sqldb_fail(&s->sql, what, err);
		}
		sqlite3_reset(stmt);
	}
	return sb_sqlite_end_put(s, stmt, key, rc, err);
}

/* Gets (or prepares and keeps) a query. *out stays NULL when the table does not exist. */
static int sb_sqlite_query_stmt(sb_sqlite_store *s, const char *key, const sb_sql *q,
				sqlite3_stmt **out, sb_err *err)
{
	*out = sb_sqldb_kept(&s->sql, key);
	if (*out != NULL)
		return SB_OK;
	if (q->overflow)
		return sb_err_set(err, SB_EINVAL, "sqlite: query too long");
	if (sb_sqldb_keep(&s->sql, key, q->text, out) == SQLITE_OK)
		return SB_OK;
	*out = NULL;
	if (strncmp(sqlite3_errmsg(s->sql.db), "no such table", 13) == 0)
		return SB_OK;
	return sb_sqldb_fail(&s->sql, "cannot prepare the query", err);
}

static const char *sb_sqlite_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	return t != NULL ? (const char *)t : "";
}

/* Steps a bound query, calling row(stmt) for each row; resets the statement in every case. */
static int sb_sqlite_run(sb_sqlite_store *s, const char *key, sqlite3_stmt *stmt,
			 int (*row)(sqlite3_stmt *stmt, void *arg), void *arg, sb_err *err)
{
	int rc = SB_OK, failed = 0;
	for (;;) {
		int src = sqlite3_step(stmt);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = sb_sqldb_fail(&s->sql, "query failed", err);
			failed = 1;
			break;
		}
		rc = row(stmt, arg);
		if (rc != SB_OK)
			break;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (failed) /* e.g. the table was dropped meanwhile: prepare again next time */
		sb_sqldb_forget(&s->sql, key);
	return rc;
}

typedef struct sb_sqlite_summary_call {
	sb_summary_fn fn;
	void *ctx;
} sb_sqlite_summary_call;

static int sb_sqlite_summary_row(sqlite3_stmt *stmt, void *arg)
{
	sb_sqlite_summary_call *call = arg;
	sb_summary_row r = {
		.name = sb_sqlite_text(stmt, 0),
		.type = sb_sqlite_text(stmt, 1),
		.date = sb_sqlite_text(stmt, 2),
		.layer = sb_sqlite_text(stmt, 3),
		.capacity = sqlite3_column_double(stmt, 4),
		.in_prom = sqlite3_column_double(stmt, 5),
		.in_max_prom = sqlite3_column_double(stmt, 6),
		.out_prom = sqlite3_column_double(stmt, 7),
		.out_max_prom = sqlite3_column_double(stmt, 8),
		.has_use = sqlite3_column_type(stmt, 9) != SQLITE_NULL,
		.use = sqlite3_column_double(stmt, 9),
		.samples = sqlite3_column_type(stmt, 10) != SQLITE_NULL
				   ? (long)sqlite3_column_int64(stmt, 10)
				   : -1,
		.resolution = sqlite3_column_type(stmt, 11) != SQLITE_NULL
				      ? (int32_t)sqlite3_column_int64(stmt, 11)
				      : SB_RES_5MIN,
	};
	return call->fn(call->ctx, &r);
}

static void sb_sqlite_select(sb_sql *q, const char *table, const sb_sqlite_col *cols, size_t ncols)
{
	sb_sql_add(q, "SELECT ");
	for (size_t i = 0; i < ncols; i++)
		sb_sql_add(q, "%s\"%s\"", i ? ", " : "", cols[i].name);
	sb_sql_add(q, " FROM \"%s\" WHERE \"date\" >= ?1 AND \"date\" <= ?2", table);
}

/* ---- the interfaces of a range ---- */

/* The interfaces of a range: a sb_keyset keyed "layer\0type\0name\0" (three strings end to
 * end), each with the first date put with it. */
typedef char sb_ikey_date[11];

/* Adds the interface in columns col, col + 1, col + 2 (layer, type, name) of stmt's row with
 * date unless it is there already (the first date seen is kept). */
static void sb_ikeys_add(sb_keyset *t, sqlite3_stmt *stmt, int col, const char *date)
{
	const char *parts[] = {sb_sqlite_text(stmt, col), sb_sqlite_text(stmt, col + 1),
			       sb_sqlite_text(stmt, col + 2)};
	int added;
	char *d = sb_keyset_put_strs(t, parts, 3, &added);
	if (added)
		snprintf(d, sizeof(sb_ikey_date), "%s", date);
}

/* The three parts of a key. */
static void sb_ikey_parts(const char *key, const char **layer, const char **type, const char **name)
{
	*layer = key;
	*type = *layer + strlen(*layer) + 1;
	*name = *type + strlen(*type) + 1;
}

/* Orders keys by layer, type, name, as SQLite's BINARY collation orders the parts. */
static int sb_ikey_cmp(const void *a, const void *b)
{
	const char *p = *(const char *const *)a, *q = *(const char *const *)b;
	for (int part = 0; part < 3; part++) {
		int c = strcmp(p, q);
		if (c != 0)
			return c;
		p += strlen(p) + 1;
		q += strlen(q) + 1;
	}
	return 0;
}

/* The keys of t in layer, type, name order (t keeps owning them); caller frees the array. */
static const char **sb_ikeys_sorted(const sb_keyset *t)
{
	const char **v = sb_xmalloc((t->n ? t->n : 1) * sizeof(*v));
	size_t n = 0, i = 0;
	for (const char *d; (d = sb_keyset_next(t, &i)) != NULL;)
		v[n++] = sb_keyset_key(t, d, NULL);
	qsort(v, n, sizeof(*v), sb_ikey_cmp);
	return v;
}

/* ---- the summaries of a range ---- */

/* Collects the interface of a key row (typeLayer, type, name). */
static int sb_sqlite_range_key(sqlite3_stmt *stmt, void *arg)
{
	sb_keyset *keys = arg;
	sb_ikeys_add(keys, stmt, 0, "");
	return SB_OK;
}

/* The rows of query_summary. SQLite would sort the whole range, every column of every row, to
 * return it by layer, type, name and date; instead the interfaces of the range come from an index
 * that holds the key columns (the (date, typeLayer) index, or the table's own key for one name:
 * no row is read), are sorted here (a few thousand keys, not the rows), and each one's rows are
 * read from the table's own key (name, typeLayer, type, date), already in date order: the range
 * only, in the order the rows lie in. */
static int sb_sqlite_summary_rows(sb_sqlite_store *s, const char *layer, const char *name,
				  const char *from, const char *to, sb_summary_fn fn, void *ctx,
				  sb_err *err)
{
	char key[64];
	snprintf(key, sizeof(key), "qs:keys%d%d", layer != NULL, name != NULL);
	sb_sql q = {.len = 0};
	sb_sql_add(&q,
		   "SELECT \"typeLayer\", \"type\", \"name\" FROM \"%s\" WHERE \"date\" >= ?1 AND "
		   "\"date\" <= ?2",
		   SB_STORE_SUMMARY_TABLE);
	if (layer != NULL)
		sb_sql_add(&q, " AND \"typeLayer\" = ?3");
	if (name != NULL)
		sb_sql_add(&q, " AND \"name\" = ?4");
	sqlite3_stmt *stmt = NULL;
	int rc = sb_sqlite_query_stmt(s, key, &q, &stmt, err);
	if (rc != SB_OK || stmt == NULL)
		return rc;
	if (from == NULL)
		from = SB_SQLITE_DATE_MIN;
	if (to == NULL)
		to = SB_SQLITE_DATE_MAX;
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
	if (layer != NULL)
		sqlite3_bind_text(stmt, 3, layer, -1, SQLITE_STATIC);
	if (name != NULL)
		sqlite3_bind_text(stmt, 4, name, -1, SQLITE_STATIC);
	sb_keyset keys;
	sb_keyset_init(&keys, sizeof(sb_ikey_date));
	rc = sb_sqlite_run(s, key, stmt, sb_sqlite_range_key, &keys, err);
	if (rc != SB_OK || keys.n == 0) {
		sb_keyset_free(&keys);
		return rc;
	}
	const char **sorted = sb_ikeys_sorted(&keys);
	q = (sb_sql){.len = 0};
	sb_sqlite_select(&q, SB_STORE_SUMMARY_TABLE, sb_sqlite_summary_cols,
			 SB_ARRAY_SIZE(sb_sqlite_summary_cols));
	sb_sql_add(&q,
		   " AND \"name\" = ?3 AND \"typeLayer\" = ?4 AND \"type\" = ?5 ORDER BY \"date\"");
	stmt = NULL;
	rc = sb_sqlite_query_stmt(s, "qs:rows", &q, &stmt, err);
	sb_sqlite_summary_call call = {fn, ctx};
	for (size_t i = 0; rc == SB_OK && stmt != NULL && i < keys.n; i++) {
		const char *l, *t, *n;
		sb_ikey_parts(sorted[i], &l, &t, &n);
		sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, n, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, l, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, t, -1, SQLITE_STATIC);
		rc = sb_sqlite_run(s, "qs:rows", stmt, sb_sqlite_summary_row, &call, err);
	}
	free(sorted);
	sb_keyset_free(&keys);
	return rc;
}

static int sb_sqlite_query_summary(sb_store *st, const char *layer, const char *name,
				   const char *from, const char *to, sb_summary_fn fn, void *ctx,
				   sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	/* the keys and the rows of one snapshot */
	int own = sqlite3_get_autocommit(s->sql.db);
	if (own) {
		int rc = sb_sqldb_exec(&s->sql, "BEGIN", "cannot start a read transaction", err);
		if (rc != SB_OK)
			return rc;
	}
	int rc = sb_sqlite_summary_rows(s, layer, name, from, to, fn, ctx, err);
	if (own)
		rc = sb_sqldb_end(&s->sql, rc, NULL, err);
	return rc;
}

/* ---- the newest summary of each interface ---- */

typedef struct sb_sqlite_newest {
	sb_keyset keys;
	char newest[11]; /* the range's newest date */
	sb_sqlite_summary_call call;
} sb_sqlite_newest;

/* Keys newest first: the first date of each interface is its newest. */
static int sb_sqlite_newest_key(sqlite3_stmt *stmt, void *arg)
{
	sb_sqlite_newest *nw = arg;
	const char *date = sb_sqlite_text(stmt, 3);
	if (nw->newest[0] == '\0')
		snprintf(nw->newest, sizeof(nw->newest), "%s", date);
	sb_ikeys_add(&nw->keys, stmt, 0, date);
	return SB_OK;
}

static int sb_sqlite_query_summary_newest(sb_store *st, const char *from, const char *to,
					  sb_summary_fn fn, void *ctx, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	/* 1. the interfaces of the range and their newest dates, from the (date, typeLayer) index,
	 * which holds the key columns: no row is read */
	sb_sql q = {.len = 0};
	sb_sql_add(&q,
		   "SELECT \"typeLayer\", \"type\", \"name\", \"date\" FROM \"%s\" WHERE \"date\" "
		   ">= ?1 AND \"date\" <= ?2 ORDER BY \"date\" DESC",
		   SB_STORE_SUMMARY_TABLE);
	sqlite3_stmt *stmt = NULL;
	int rc = sb_sqlite_query_stmt(s, "qn:keys", &q, &stmt, err);
	if (rc != SB_OK || stmt == NULL)
		return rc;
	sqlite3_bind_text(stmt, 1, from != NULL ? from : SB_SQLITE_DATE_MIN, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to != NULL ? to : SB_SQLITE_DATE_MAX, -1, SQLITE_STATIC);
	sb_sqlite_newest nw = {.call = {fn, ctx}};
	sb_keyset_init(&nw.keys, sizeof(sb_ikey_date));
	rc = sb_sqlite_run(s, "qn:keys", stmt, sb_sqlite_newest_key, &nw, err);
	if (rc != SB_OK || nw.keys.n == 0) {
		sb_keyset_free(&nw.keys);
		return rc;
	}
	/* 2. the rows of the newest date (the day of most interfaces), whole */
	rc = sb_sqlite_query_summary(st, NULL, NULL, nw.newest, nw.newest, fn, ctx, err);
	/* 3. each interface whose newest date is older, by its key */
	q = (sb_sql){.len = 0};
	sb_sqlite_select(&q, SB_STORE_SUMMARY_TABLE, sb_sqlite_summary_cols,
			 SB_ARRAY_SIZE(sb_sqlite_summary_cols));
	sb_sql_add(&q, " AND \"typeLayer\" = ?3 AND \"type\" = ?4 AND \"name\" = ?5");
	stmt = NULL;
	if (rc == SB_OK)
		rc = sb_sqlite_query_stmt(s, "qn:one", &q, &stmt, err);
	size_t at = 0;
	for (const char *date;
	     rc == SB_OK && stmt != NULL && (date = sb_keyset_next(&nw.keys, &at)) != NULL;) {
		if (strcmp(date, nw.newest) == 0)
			continue;
		const char *l, *t, *n;
		sb_ikey_parts(sb_keyset_key(&nw.keys, date, NULL), &l, &t, &n);
		sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, date, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, l, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, t, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, n, -1, SQLITE_STATIC);
		rc = sb_sqlite_run(s, "qn:one", stmt, sb_sqlite_summary_row, &nw.call, err);
	}
	sb_keyset_free(&nw.keys);
	return rc;
}

static int sb_sqlite_newest_row(sqlite3_stmt *stmt, void *arg)
{
	if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		snprintf(arg, 11, "%s", sb_sqlite_text(stmt, 0));
	return SB_OK;
}

static int sb_sqlite_newest_summary(sb_store *st, const char *layer, const char *before,
				    char out[11], sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	const char *key = "ns:" SB_STORE_SUMMARY_TABLE;
	sb_sql q = {.len = 0};
	sb_sql_add(&q,
		   "SELECT max(\"date\") FROM \"%s\" WHERE \"typeLayer\" = ?1 AND \"date\" < ?2",
		   SB_STORE_SUMMARY_TABLE);
	sqlite3_stmt *stmt = NULL;
	int rc = sb_sqlite_query_stmt(s, key, &q, &stmt, err);
	if (rc != SB_OK || stmt == NULL)
		return rc;
	sqlite3_bind_text(stmt, 1, layer, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, before, -1, SQLITE_STATIC);
	return sb_sqlite_run(s, key, stmt, sb_sqlite_newest_row, out, err);
}

typedef struct sb_sqlite_history_call {
	const sb_schema *schema;
	sb_history_fn fn;
	void *ctx;
} sb_sqlite_history_call;

static int sb_sqlite_history_row(sqlite3_stmt *stmt, void *arg)
{
	sb_sqlite_history_call *call = arg;
	int traffic = !call->schema->in_only;
	sb_history_row r = {
		.name = sb_sqlite_text(stmt, 0),
		.type = sb_sqlite_text(stmt, 1),
		.date = sb_sqlite_text(stmt, 2),
		.time = sb_sqlite_text(stmt, 3),
		.capacity = sqlite3_column_double(stmt, 4),
		.in_avg = sqlite3_column_int64(stmt, 5),
		.in_max = sqlite3_column_int64(stmt, 6),
		.out_avg = traffic ? sqlite3_column_int64(stmt, 7) : 0,
		.out_max = traffic ? sqlite3_column_int64(stmt, 8) : 0,
	};
	return call->fn(call->ctx, &r);
}

static int sb_sqlite_query_history(sb_store *st, const sb_schema *schema, const char *name,
				   const char *type, const char *from, const char *to,
				   sb_history_fn fn, void *ctx, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	char key[96];
	snprintf(key, sizeof(key), "qh:%s:%d%d", schema->table, name != NULL, type != NULL);
	sb_sqlite_col cols[SB_SQLITE_MAX_COLS];
	size_t ncols = sb_sqlite_history_cols(schema, cols);
	sb_sql q = {.len = 0};
	sb_sqlite_select(&q, schema->table, cols, ncols);
	if (name != NULL)
		sb_sql_add(&q, " AND \"%s\" = ?3", schema->key);
	if (type != NULL)
		sb_sql_add(&q, " AND \"type\" = ?4");
	sb_sql_add(&q, " ORDER BY \"%s\", \"type\", \"date\", \"time\"", schema->key);
	sqlite3_stmt *stmt = NULL;
	int rc = sb_sqlite_query_stmt(s, key, &q, &stmt, err);
	if (rc != SB_OK || stmt == NULL)
		return rc;
	sqlite3_bind_text(stmt, 1, from != NULL ? from : SB_SQLITE_DATE_MIN, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to != NULL ? to : SB_SQLITE_DATE_MAX, -1, SQLITE_STATIC);
	if (name != NULL)
		sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
	if (type != NULL)
		sqlite3_bind_text(stmt, 4, type, -1, SQLITE_STATIC);
	sb_sqlite_history_call call = {schema, fn, ctx};
	return sb_sqlite_run(s, key, stmt, sb_sqlite_history_row, &call, err);
}

/* ---- the records of the monitor's tests ---- */

#define SB_SQLITE_REC_COLS (SB_REC_KEY_COLS + SB_REC_MAX_FIELDS)

static const char *sb_sqlite_field_decl(const sb_rec_field *f)
{
	switch (f->type) {
	case SB_FIELD_INT:
	case SB_FIELD_BOOL:
		return f->optional ? "INTEGER" : "INTEGER NOT NULL";
	case SB_FIELD_NUMBER:
		return f->optional ? "REAL" : "REAL NOT NULL";
	case SB_FIELD_STRING:
	case SB_FIELD_JSON:
		break;
	}
	return f->optional ? "TEXT" : "TEXT NOT NULL";
}

/* The columns of a record table: the key columns, then the declared fields. */
static size_t sb_sqlite_record_cols(const sb_rec_decl *d, sb_sqlite_col *cols)
{
	static const char *const decls[SB_REC_KEY_COLS] = {"INTEGER NOT NULL", "INTEGER NOT NULL",
							   "INTEGER NOT NULL", "TEXT NOT NULL",
							   "TEXT NOT NULL"};
	size_t n = 0;
	for (; n < SB_REC_KEY_COLS; n++)
		cols[n] = (sb_sqlite_col){sb_store_rec_keys[n], decls[n]};
	for (size_t i = 0; i < d->n; i++)
		cols[n++] = (sb_sqlite_col){d->f[i].name, sb_sqlite_field_decl(&d->f[i])};
	return n;
}

/* Which of cols the table has (have[i] = 1); *exists = 0 when there is no such table. */
static int sb_sqlite_have_cols(sb_sqlite_store *s, const char *table, const sb_sqlite_col *cols,
			       size_t ncols, int *have, int *exists, sb_err *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", table);
	sqlite3_stmt *stmt = NULL;
	int rc = sb_sqldb_prepare(&s->sql, sql, &stmt, err);
	if (rc != SB_OK)
		return rc;
	memset(have, 0, ncols * sizeof(*have));
	*exists = 0;
	int src;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		*exists = 1;
		const char *name = sb_sqlite_text(stmt, 1);
		for (size_t i = 0; i < ncols; i++)
			if (strcasecmp(cols[i].name, name) == 0)
				have[i] = 1;
	}
	if (src != SQLITE_DONE)
		rc = sb_sqldb_fail(&s->sql, "cannot read the columns of a table", err);
	sqlite3_finalize(stmt);
	return rc;
}

/* Creates a record table when missing, and adds the columns of fields declared since it was made
 * (nullable: its old rows have no value for them). Inside the caller's transaction. */
static int sb_sqlite_ensure_record(sb_sqlite_store *s, const sb_rec_decl *d, sb_err *err)
{
	sb_sqlite_col cols[SB_SQLITE_REC_COLS];
	size_t ncols = sb_sqlite_record_cols(d, cols);
	sb_store_index idx[SB_STORE_MAX_INDEXES];
	size_t nidx = sb_store_record_indexes(d, idx);
	int rc = sb_sqlite_ensure(s, d->table, cols, ncols, idx, nidx, err);
	int have[SB_SQLITE_REC_COLS], exists = 0;
	if (rc == SB_OK)
		rc = sb_sqlite_have_cols(s, d->table, cols, ncols, have, &exists, err);
	for (size_t i = SB_REC_KEY_COLS; rc == SB_OK && i < ncols; i++) {
		if (have[i])
			continue;
		const sb_rec_field *f = &d->f[i - SB_REC_KEY_COLS];
		char sql[160], what[160];
		snprintf(sql, sizeof(sql), "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s", d->table,
			 f->name,
			 f->type == SB_FIELD_NUMBER                            ? "REAL"
			 : f->type == SB_FIELD_INT || f->type == SB_FIELD_BOOL ? "INTEGER"
									       : "TEXT");
		snprintf(what, sizeof(what), "cannot add the column %s to %s", f->name, d->table);
		rc = sb_sqldb_exec(&s->sql, sql, what, err);
	}
	return rc;
}

static int sb_sqlite_start_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_sqlite_ensure_record(s, decls[i], err);
	return sb_sqldb_end(&s->sql, rc, NULL, err);
}

static int sb_sqlite_drop_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	sb_sqldb_forget_all(&s->sql);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_sqlite_drop_table(s, decls[i]->table, err);
	return sb_sqldb_end(&s->sql, rc, NULL, err);
}

/* Binds value v of field f to parameter i. */
static void sb_sqlite_bind_value(sqlite3_stmt *stmt, int i, const sb_rec_field *f,
				 const sb_rec_val *v)
{
	if (!v->has)
		sqlite3_bind_null(stmt, i);
	else if (f->type == SB_FIELD_NUMBER)
		sqlite3_bind_double(stmt, i, v->d);
	else if (f->type == SB_FIELD_STRING || f->type == SB_FIELD_JSON)
		sqlite3_bind_text(stmt, i, v->s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, i, v->i);
}

static int sb_sqlite_put_records(sb_store *st, const sb_rec_decl *d, const sb_rec *rows, size_t n,
				 sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	char key[96];
	snprintf(key, sizeof(key), "put:%s", d->table);
	int rc = sb_sqldb_begin(&s->sql, err);
	if (rc != SB_OK)
		return rc;
	sb_sqlite_col cols[SB_SQLITE_REC_COLS];
	size_t ncols = sb_sqlite_record_cols(d, cols);
	sqlite3_stmt *stmt = sb_sqldb_kept(&s->sql, key);
	if (stmt == NULL) {
		rc = sb_sqlite_ensure_record(s, d, err);
		if (rc == SB_OK) {
			sb_sql q = {.len = 0};
			sb_sqlite_upsert_sql(&q, d->table, cols, ncols, SB_REC_PK_COLS, NULL, NULL);
			if (q.overflow)
				rc = sb_err_set(err, SB_EINVAL, "sqlite: upsert of %s too long",
						d->table);
			else if (sb_sqldb_keep(&s->sql, key, q.text, &stmt) != SQLITE_OK)
				rc = sb_sqldb_fail(&s->sql, "cannot prepare the upsert", err);
		}
	}
	for (size_t i = 0; rc == SB_OK && i < n; i++) {
		const sb_rec *r = &rows[i];
		sqlite3_bind_int64(stmt, 1, r->monitor);
		sqlite3_bind_int64(stmt, 2, r->link);
		sqlite3_bind_int64(stmt, 3, r->ts);
		sqlite3_bind_text(stmt, 4, r->date, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, r->time, -1, SQLITE_STATIC);
		for (size_t k = 0; k < d->n; k++)
			sb_sqlite_bind_value(stmt, (int)(SB_REC_KEY_COLS + k + 1), &d->f[k],
					     &r->v[k]);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			char what[160];
			snprintf(what, sizeof(what),
				 "cannot store %s row %zu (monitor %lld link %lld at %lld)",
				 d->table, i + 1, (long long)r->monitor, (long long)r->link,
				 (long long)r->ts);
			rc = sb_sqldb_fail(&s->sql, what, err);
		}
		sqlite3_reset(stmt);
	}
	return sb_sqlite_end_put(s, stmt, key, rc, err);
}

typedef struct sb_sqlite_rec_call {
	const sb_rec_decl *d;
	sb_rec_fn fn;
	void *ctx;
} sb_sqlite_rec_call;

static int sb_sqlite_rec_row(sqlite3_stmt *stmt, void *arg)
{
	sb_sqlite_rec_call *call = arg;
	const sb_rec_decl *d = call->d;
	sb_rec_val v[SB_REC_MAX_FIELDS];
	memset(v, 0, sizeof(v));
	sb_rec r = {
		.monitor = sqlite3_column_int64(stmt, 0),
		.link = sqlite3_column_int64(stmt, 1),
		.ts = sqlite3_column_int64(stmt, 2),
		.date = sb_sqlite_text(stmt, 3),
		.time = sb_sqlite_text(stmt, 4),
		.v = v,
	};
	for (size_t k = 0; k < d->n; k++) {
		int col = (int)(SB_REC_KEY_COLS + k);
		if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
			continue;
		v[k].has = 1;
		if (d->f[k].type == SB_FIELD_NUMBER)
			v[k].d = sqlite3_column_double(stmt, col);
		else if (d->f[k].type == SB_FIELD_STRING || d->f[k].type == SB_FIELD_JSON)
			v[k].s = sb_sqlite_text(stmt, col);
		else
			v[k].i = sqlite3_column_int64(stmt, col);
	}
	return call->fn(call->ctx, &r);
}

static int sb_sqlite_query_records(sb_store *st, const sb_rec_decl *d, int64_t monitor,
				   int64_t link, int64_t from, int64_t to, sb_rec_fn fn, void *ctx,
				   sb_err *err)
{
	sb_sqlite_store *s = sb_sqlite(st);
	char key[96];
	snprintf(key, sizeof(key), "qr:%s:%d%d", d->table, monitor >= 0, link >= 0);
	sqlite3_stmt *stmt = sb_sqldb_kept(&s->sql, key);
	int oneoff = 0;
	if (stmt == NULL) {
		/* a column the table does not have yet reads as NULL; such a query is not kept */
		sb_sqlite_col cols[SB_SQLITE_REC_COLS];
		size_t ncols = sb_sqlite_record_cols(d, cols);
		int have[SB_SQLITE_REC_COLS], exists = 0;
		int rc = sb_sqlite_have_cols(s, d->table, cols, ncols, have, &exists, err);
		if (rc != SB_OK || !exists)
			return rc;
		sb_sql q = {.len = 0};
		sb_sql_add(&q, "SELECT ");
		for (size_t i = 0; i < ncols; i++) {
			oneoff |= !have[i];
			if (have[i])
				sb_sql_add(&q, "%s\"%s\"", i ? ", " : "", cols[i].name);
			else
				sb_sql_add(&q, "%sNULL", i ? ", " : "");
		}
		sb_sql_add(&q, " FROM \"%s\" WHERE \"timestamp\" >= ?1 AND \"timestamp\" < ?2",
			   d->table);
		if (monitor >= 0)
			sb_sql_add(&q, " AND \"monitor\" = ?3");
		if (link >= 0)
			sb_sql_add(&q, " AND \"link\" = ?4");
		sb_sql_add(&q, " ORDER BY \"monitor\", \"link\", \"timestamp\"");
		if (q.overflow)
			return sb_err_set(err, SB_EINVAL, "sqlite: query of %s too long", d->table);
		if (oneoff)
			rc = sb_sqldb_prepare(&s->sql, q.text, &stmt, err);
		else if (sb_sqldb_keep(&s->sql, key, q.text, &stmt) != SQLITE_OK)
			rc = sb_sqldb_fail(&s->sql, "cannot prepare the query", err);
		if (rc != SB_OK)
			return rc;
	}
	sqlite3_bind_int64(stmt, 1, from);
	sqlite3_bind_int64(stmt, 2, to);
	if (monitor >= 0)
		sqlite3_bind_int64(stmt, 3, monitor);
	if (link >= 0)
		sqlite3_bind_int64(stmt, 4, link);
	sb_sqlite_rec_call call = {d, fn, ctx};
	int rc = sb_sqlite_run(s, key, stmt, sb_sqlite_rec_row, &call, err);
	if (oneoff)
		sqlite3_finalize(stmt);
	return rc;
}

/* Adds what later versions keep to a database an earlier one created: the resolution of the
 * daily summaries (NULL, 5 minutes, for every row already there). */
static int sb_sqlite_migrate(sb_sqlite_store *s, sb_err *err)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(s->sql.db,
			       "SELECT 1 FROM pragma_table_info('" SB_STORE_SUMMARY_TABLE "') "
			       "WHERE name = 'resolution' OR name = 'name'",
			       -1, &stmt, NULL) != SQLITE_OK)
		return sb_sqldb_fail(&s->sql, "cannot read the table of daily summaries", err);
	int found = 0, src;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
		found++;
	sqlite3_finalize(stmt);
	if (src != SQLITE_DONE)
		return sb_sqldb_fail(&s->sql, "cannot read the table of daily summaries", err);
	if (found != 1) /* no table (0), or a table that has the column (2) */
		return SB_OK;
	return sb_sqldb_exec(&s->sql,
			     "ALTER TABLE \"" SB_STORE_SUMMARY_TABLE "\" ADD COLUMN "
			     "\"resolution\" INTEGER",
			     "cannot add the resolution to the daily summaries", err);
}

static void sb_sqlite_close(sb_store *st)
{
	sb_sqlite_store *s = sb_sqlite(st);
	sb_sqldb_close(&s->sql);
	free(s);
}

static const sb_store_ops sb_sqlite_ops = {
	.name = "sqlite",
	.start = sb_sqlite_start,
	.drop = sb_sqlite_drop,
	.put_history = sb_sqlite_put_history,
	.put_summary = sb_sqlite_put_summary,
	.query_summary = sb_sqlite_query_summary,
	.newest_summary = sb_sqlite_newest_summary,
	.query_summary_newest = sb_sqlite_query_summary_newest,
	.query_history = sb_sqlite_query_history,
	.start_records = sb_sqlite_start_records,
	.drop_records = sb_sqlite_drop_records,
	.put_records = sb_sqlite_put_records,
	.query_records = sb_sqlite_query_records,
	.close = sb_sqlite_close,
};

int sb_store_sqlite_open(const char *path, const sb_store_opts *opts, sb_store **out, sb_err *err)
{
	/* A night's load touches indexes far larger than the default 2 MB page cache. */
	const sb_sqldb_opts o = {.timeout_ms = opts->timeout_ms,
				 .pragmas = "PRAGMA cache_size = -65536; "
					    "PRAGMA wal_autocheckpoint = 16384"};
	sb_sqlite_store *s = sb_xcalloc(1, sizeof(*s));
	s->base.ops = &sb_sqlite_ops;
	int rc = sb_sqldb_open(&s->sql, path, &o, err);
	if (rc == SB_OK)
		rc = sb_sqlite_migrate(s, err);
	if (rc != SB_OK) {
		sb_sqldb_close(&s->sql);
		free(s);
		return rc;
	}
	*out = &s->base;
	return SB_OK;
}
