/* store_mongo.c - the MongoDB history store: validated collections, unordered bulk upserts. */
#include "config.h"

#include "base/log.h"
#include "store/store_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>

#include <mongoc/mongoc.h>

#define SB_MONGO_DEFAULT_DB "ScanBackupDB"
#define SB_MONGO_APPNAME "scanbackup"
#define SB_MONGO_BATCH 1000 /* documents per bulk execute */

/* Server error codes that mean "already done". */
#define SB_MONGO_NAMESPACE_NOT_FOUND 26
#define SB_MONGO_NAMESPACE_EXISTS 48
#define SB_MONGO_UNAUTHORIZED 13
#define SB_MONGO_DUPLICATE_KEY 11000

typedef struct sb_mongo_store {
	sb_store base;
	mongoc_client_t *client;
	char *db_name;
	char *where;                /* "host:port[,host:port...]" for messages */
	mongoc_write_concern_t *wc; /* NULL: the URI's or the server's default */
} sb_mongo_store;

static sb_mongo_store *sb_mongo(sb_store *st)
{
	return (sb_mongo_store *)st;
}

static once_flag sb_mongo_once = ONCE_FLAG_INIT;

/* The collections this process has already made sure of, as "host\x1fdb\x1fcollection": a
 * write path ensures each one once per process (sb_mongo_ensure_once). */
static mtx_t sb_mongo_seen_mu;
static char **sb_mongo_seen;
static size_t sb_mongo_nseen;

static void sb_mongo_cleanup(void)
{
	mongoc_cleanup();
	for (size_t i = 0; i < sb_mongo_nseen; i++)
		free(sb_mongo_seen[i]);
	free(sb_mongo_seen);
	sb_mongo_seen = NULL;
	sb_mongo_nseen = 0;
	mtx_destroy(&sb_mongo_seen_mu);
}

/* libmongoc's own log lines go to ours: errors only at debug level, since each one also comes
 * back as the bson_error_t that sb_err carries (so a failure is reported once); warnings as
 * warnings; chatter dropped. */
static void sb_mongo_log(mongoc_log_level_t level, const char *domain, const char *message,
			 void *data)
{
	(void)data;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		sb_log(SB_LOG_DEBUG, "mongodb", "%s: %s", domain, message);
	else if (level == MONGOC_LOG_LEVEL_WARNING)
		sb_log(SB_LOG_WARNING, "mongodb", "%s: %s", domain, message);
}

/* libmongoc is initialised once per process and cleaned up at exit (it cannot be initialised
 * again after mongoc_cleanup, so no reference counting across stores). */
static void sb_mongo_global_init(void)
{
	mongoc_log_set_handler(sb_mongo_log, NULL);
	mongoc_init();
	if (mtx_init(&sb_mongo_seen_mu, mtx_plain) != thrd_success)
		abort();
	atexit(sb_mongo_cleanup);
}

/* Errors that mean the server could not be reached at all. */
static int sb_mongo_unreachable(const bson_error_t *e)
{
	return e->domain == MONGOC_ERROR_SERVER_SELECTION || e->domain == MONGOC_ERROR_STREAM;
}

/* Translates a libmongoc error into err (SB_ESTORE, with the server's or the driver's message). */
static int sb_mongo_fail(sb_mongo_store *m, const char *what, const bson_error_t *e, sb_err *err)
{
	if (sb_mongo_unreachable(e))
		return sb_err_set(err, SB_ESTORE, "cannot reach MongoDB at %s: %s", m->where,
				  e->message);
	if (e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
		return sb_err_set(err, SB_ESTORE, "MongoDB at %s refused the credentials: %s",
				  m->where, e->message);
	return sb_err_set(err, SB_ESTORE, "MongoDB %s: %s: %s", m->db_name, what, e->message);
}

/* How a field is stored and validated. */
typedef enum {
	SB_MONGO_STRING,   /* required string */
	SB_MONGO_NUMBER,   /* required int, long or double */
	SB_MONGO_NULLABLE, /* required number or null (use) */
	SB_MONGO_COUNT,    /* optional int or long (samples) */
	SB_MONGO_INTEGER,  /* required int or long (record keys, INT fields) */
	SB_MONGO_BOOL      /* required bool (BOOL fields) */
} sb_mongo_kind;

typedef struct sb_mongo_field {
	const char *name;
	sb_mongo_kind kind;
	int optional; /* not required; null allowed besides the kind's types */
} sb_mongo_field;

#define SB_MONGO_MAX_FIELDS (SB_REC_KEY_COLS + SB_REC_MAX_FIELDS)

static size_t sb_mongo_history_fields(const sb_schema *schema, sb_mongo_field *f)
{
	size_t n = 0;
	f[n++] = (sb_mongo_field){schema->key, SB_MONGO_STRING, 0};
	f[n++] = (sb_mongo_field){"type", SB_MONGO_STRING, 0};
	f[n++] = (sb_mongo_field){"date", SB_MONGO_STRING, 0};
	f[n++] = (sb_mongo_field){"time", SB_MONGO_STRING, 0};
	f[n++] = (sb_mongo_field){"capacity", SB_MONGO_NUMBER, 0};
	f[n++] = (sb_mongo_field){"inProm", SB_MONGO_NUMBER, 0};
	f[n++] = (sb_mongo_field){"inMaxProm", SB_MONGO_NUMBER, 0};
	if (!schema->in_only) {
		f[n++] = (sb_mongo_field){"outProm", SB_MONGO_NUMBER, 0};
		f[n++] = (sb_mongo_field){"outMaxProm", SB_MONGO_NUMBER, 0};
	}
	return n;
}

static const sb_mongo_field sb_mongo_summary_fields[] = {
	{"name", SB_MONGO_STRING, 0},       {"type", SB_MONGO_STRING, 0},
	{"date", SB_MONGO_STRING, 0},       {"typeLayer", SB_MONGO_STRING, 0},
	{"capacity", SB_MONGO_NUMBER, 0},   {"inProm", SB_MONGO_NUMBER, 0},
	{"inMaxProm", SB_MONGO_NUMBER, 0},  {"outProm", SB_MONGO_NUMBER, 0},
	{"outMaxProm", SB_MONGO_NUMBER, 0}, {"use", SB_MONGO_NULLABLE, 0},
	{"samples", SB_MONGO_COUNT, 0},     {"resolution", SB_MONGO_COUNT, 0},
};

static void sb_mongo_append_types(bson_t *prop, const char *const *types, size_t n)
{
	bson_t arr;
	BSON_APPEND_ARRAY_BEGIN(prop, "bsonType", &arr);
	for (size_t i = 0; i < n; i++) {
		char idx[16];
		const char *key = NULL;
		size_t klen = bson_uint32_to_string((uint32_t)i, &key, idx, sizeof(idx));
		bson_append_utf8(&arr, key, (int)klen, types[i], -1);
	}
	bson_append_array_end(prop, &arr);
}

/* opts of "create": {validator: {$jsonSchema: {bsonType: "object", required: [...],
 * properties: {...}}}}. */
static void sb_mongo_validator(bson_t *opts, const sb_mongo_field *f, size_t n)
{
	bson_t validator, schema, required, props;
	BSON_APPEND_DOCUMENT_BEGIN(opts, "validator", &validator);
	BSON_APPEND_DOCUMENT_BEGIN(&validator, "$jsonSchema", &schema);
	BSON_APPEND_UTF8(&schema, "bsonType", "object");
	BSON_APPEND_ARRAY_BEGIN(&schema, "required", &required);
	uint32_t nreq = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i].kind == SB_MONGO_COUNT || f[i].optional)
			continue;
		char idx[16];
		const char *key = NULL;
		size_t klen = bson_uint32_to_string(nreq++, &key, idx, sizeof(idx));
		bson_append_utf8(&required, key, (int)klen, f[i].name, -1);
	}
	bson_append_array_end(&schema, &required);
	BSON_APPEND_DOCUMENT_BEGIN(&schema, "properties", &props);
	for (size_t i = 0; i < n; i++) {
		bson_t prop;
		BSON_APPEND_DOCUMENT_BEGIN(&props, f[i].name, &prop);
		const char *types[5];
		size_t nt = 0;
		switch (f[i].kind) {
		case SB_MONGO_STRING:
			types[nt++] = "string";
			break;
		case SB_MONGO_NULLABLE:
		case SB_MONGO_NUMBER:
			types[nt++] = "int";
			types[nt++] = "long";
			types[nt++] = "double";
			if (f[i].kind == SB_MONGO_NULLABLE)
				types[nt++] = "null";
			break;
		case SB_MONGO_COUNT:
		case SB_MONGO_INTEGER:
			types[nt++] = "int";
			types[nt++] = "long";
			break;
		case SB_MONGO_BOOL:
			types[nt++] = "bool";
			break;
		}
		if (f[i].optional)
			types[nt++] = "null";
		if (nt == 1)
			BSON_APPEND_UTF8(&prop, "bsonType", types[0]);
		else
			sb_mongo_append_types(&prop, types, nt);
		bson_append_document_end(&props, &prop);
	}
	bson_append_document_end(&schema, &props);
	bson_append_document_end(&validator, &schema);
	bson_append_document_end(opts, &validator);
}

/* Adds the configured write concern to a command's opts. */
static void sb_mongo_append_wc(sb_mongo_store *m, bson_t *opts)
{
	if (m->wc != NULL)
		mongoc_write_concern_append(m->wc, opts);
}

/* What a collection needs: the fields its validator checks and its indexes. */
typedef struct sb_mongo_spec {
	const char *name;
	sb_mongo_field f[SB_MONGO_MAX_FIELDS];
	size_t nf;
	sb_store_index idx[SB_STORE_MAX_INDEXES];
	size_t nidx;
} sb_mongo_spec;

static void sb_mongo_spec_history(const sb_schema *schema, sb_mongo_spec *spec)
{
	spec->name = schema->table;
	spec->nf = sb_mongo_history_fields(schema, spec->f);
	spec->nidx = sb_store_history_indexes(schema, spec->idx);
}

static void sb_mongo_spec_summary(sb_mongo_spec *spec)
{
	spec->name = SB_STORE_SUMMARY_TABLE;
	spec->nf = SB_ARRAY_SIZE(sb_mongo_summary_fields);
	memcpy(spec->f, sb_mongo_summary_fields, sizeof(sb_mongo_summary_fields));
	spec->nidx = sb_store_summary_indexes(spec->idx);
}

/* A record collection: the key fields, then the declared ones (format/record.h). */
static void sb_mongo_spec_record(const sb_rec_decl *d, sb_mongo_spec *spec)
{
	sb_mongo_field *f = spec->f;
	size_t n = 0;
	for (; n < SB_REC_PK_COLS; n++)
		f[n] = (sb_mongo_field){sb_store_rec_keys[n], SB_MONGO_INTEGER, 0};
	f[n++] = (sb_mongo_field){"date", SB_MONGO_STRING, 0};
	f[n++] = (sb_mongo_field){"time", SB_MONGO_STRING, 0};
	for (size_t i = 0; i < d->n; i++) {
		sb_mongo_kind k = SB_MONGO_STRING;
		if (d->f[i].type == SB_FIELD_INT)
			k = SB_MONGO_INTEGER;
		else if (d->f[i].type == SB_FIELD_NUMBER)
			k = SB_MONGO_NUMBER;
		else if (d->f[i].type == SB_FIELD_BOOL)
			k = SB_MONGO_BOOL;
		f[n++] = (sb_mongo_field){d->f[i].name, k, d->f[i].optional};
	}
	spec->name = d->table;
	spec->nf = n;
	spec->nidx = sb_store_record_indexes(d, spec->idx);
}

/* How a collection stands: 0 missing, 1 present without a validator, 2 present with one. */
static int sb_mongo_coll_state(sb_mongo_store *m, mongoc_database_t *db, const char *name,
			       int *state, sb_err *err)
{
	bson_t opts = BSON_INITIALIZER, filter;
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "filter", &filter);
	BSON_APPEND_UTF8(&filter, "name", name);
	bson_append_document_end(&opts, &filter);
	mongoc_cursor_t *cur = mongoc_database_find_collections_with_opts(db, &opts);
	bson_destroy(&opts);
	*state = 0;
	const bson_t *doc = NULL;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it, sub;
		if (!bson_iter_init_find(&it, doc, "name") || !BSON_ITER_HOLDS_UTF8(&it) ||
		    strcmp(bson_iter_utf8(&it, NULL), name) != 0)
			continue;
		*state = 1;
		uint32_t len = 0;
		const uint8_t *data = NULL;
		if (bson_iter_init_find(&it, doc, "options") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
		    bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "validator") &&
		    BSON_ITER_HOLDS_DOCUMENT(&sub)) {
			bson_iter_document(&sub, &len, &data);
			if (len > 5) /* an empty document is 5 bytes */
				*state = 2;
		}
	}
	bson_error_t e;
	int rc = SB_OK;
	if (mongoc_cursor_error(cur, &e)) {
		char what[128];
		snprintf(what, sizeof(what), "cannot list collection %s", name);
		rc = sb_mongo_fail(m, what, &e, err);
	}
	mongoc_cursor_destroy(cur);
	return rc;
}

/* Makes sure the collection exists with a validator: creates a missing one with ours; gives
 * ours to one that has none (a server creates a collection without one on the first write);
 * keeps any validator already there, such as the old tool's. With strict 0 (a write path), a
 * server refusing the collMod for want of rights is a warning, since the rows are valid anyway. */
static int sb_mongo_ensure_collection(sb_mongo_store *m, mongoc_database_t *db,
				      const sb_mongo_spec *spec, int strict, sb_err *err)
{
	int state = 0;
	int rc = sb_mongo_coll_state(m, db, spec->name, &state, err);
	if (rc != SB_OK || state == 2)
		return rc;
	bson_error_t e;
	char what[128];
	bson_t opts = BSON_INITIALIZER;
	if (state == 0) {
		sb_mongo_validator(&opts, spec->f, spec->nf);
		sb_mongo_append_wc(m, &opts);
		mongoc_collection_t *coll =
			mongoc_database_create_collection(db, spec->name, &opts, &e);
		bson_destroy(&opts);
		if (coll != NULL) {
			mongoc_collection_destroy(coll);
			return SB_OK;
		}
		if (e.code == SB_MONGO_NAMESPACE_EXISTS) /* created meanwhile by someone else */
			return SB_OK;
		snprintf(what, sizeof(what), "cannot create collection %s", spec->name);
		return sb_mongo_fail(m, what, &e, err);
	}
	bson_t cmd = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&cmd, "collMod", spec->name);
	sb_mongo_validator(&cmd, spec->f, spec->nf);
	sb_mongo_append_wc(m, &opts);
	bool ok = mongoc_database_write_command_with_opts(db, &cmd, &opts, NULL, &e);
	bson_destroy(&opts);
	bson_destroy(&cmd);
	if (ok)
		return SB_OK;
	if (!strict && !sb_mongo_unreachable(&e) && e.code == SB_MONGO_UNAUTHORIZED) {
		sb_log(SB_LOG_WARNING, "mongodb",
		       "%s has no validator and this user may not add one (%s); "
		       "`scanbackup database start` as a user with dbAdmin adds it",
		       spec->name, e.message);
		return SB_OK;
	}
	snprintf(what, sizeof(what), "cannot add a validator to collection %s", spec->name);
	return sb_mongo_fail(m, what, &e, err);
}

/* createIndexes with the old tool's names (docs/data.md); the server does nothing for an identical
 * index. */
static int sb_mongo_ensure_indexes(sb_mongo_store *m, mongoc_database_t *db, const char *name,
				   const sb_store_index *idx, size_t nidx, sb_err *err)
{
	bson_t cmd = BSON_INITIALIZER, list;
	BSON_APPEND_UTF8(&cmd, "createIndexes", name);
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &list);
	for (size_t i = 0; i < nidx; i++) {
		char ikey[16];
		const char *key = NULL;
		size_t klen = bson_uint32_to_string((uint32_t)i, &key, ikey, sizeof(ikey));
		bson_t spec, keys;
		bson_append_document_begin(&list, key, (int)klen, &spec);
		BSON_APPEND_DOCUMENT_BEGIN(&spec, "key", &keys);
		for (size_t k = 0; k < idx[i].nfields; k++)
			BSON_APPEND_INT32(&keys, idx[i].fields[k], 1);
		bson_append_document_end(&spec, &keys);
		BSON_APPEND_UTF8(&spec, "name", idx[i].name);
		if (idx[i].unique)
			BSON_APPEND_BOOL(&spec, "unique", true);
		bson_append_document_end(&list, &spec);
	}
	bson_append_array_end(&cmd, &list);
	bson_t opts = BSON_INITIALIZER;
	sb_mongo_append_wc(m, &opts);
	bson_error_t e;
	bool ok = mongoc_database_write_command_with_opts(db, &cmd, &opts, NULL, &e);
	bson_destroy(&opts);
	bson_destroy(&cmd);
	if (ok)
		return SB_OK;
	char what[128];
	snprintf(what, sizeof(what), "cannot create the indexes of %s", name);
	return sb_mongo_fail(m, what, &e, err);
}

static char *sb_mongo_seen_key(const sb_mongo_store *m, const char *name)
{
	return sb_xasprintf("%s\x1f%s\x1f%s", m->where, m->db_name, name);
}

static size_t sb_mongo_seen_find(const char *key)
{
	for (size_t i = 0; i < sb_mongo_nseen; i++)
		if (strcmp(sb_mongo_seen[i], key) == 0)
			return i;
	return SIZE_MAX;
}

/* Marks a collection ensured (add 1) or not any more (add 0, after a drop). */
static void sb_mongo_seen_set(const sb_mongo_store *m, const char *name, int add)
{
	char *key = sb_mongo_seen_key(m, name);
	mtx_lock(&sb_mongo_seen_mu);
	size_t i = sb_mongo_seen_find(key);
	if (add && i == SIZE_MAX) {
		sb_mongo_seen = sb_xrealloc(sb_mongo_seen, (sb_mongo_nseen + 1) * sizeof(char *));
		sb_mongo_seen[sb_mongo_nseen++] = key;
		key = NULL;
	} else if (!add && i != SIZE_MAX) {
		free(sb_mongo_seen[i]);
		sb_mongo_seen[i] = sb_mongo_seen[--sb_mongo_nseen];
	}
	mtx_unlock(&sb_mongo_seen_mu);
	free(key);
}

static int sb_mongo_seen_has(const sb_mongo_store *m, const char *name)
{
	char *key = sb_mongo_seen_key(m, name);
	mtx_lock(&sb_mongo_seen_mu);
	int has = sb_mongo_seen_find(key) != SIZE_MAX;
	mtx_unlock(&sb_mongo_seen_mu);
	free(key);
	return has;
}

/* The collection, its validator and its indexes, whatever this process knows (database start). */
static int sb_mongo_ensure(sb_mongo_store *m, mongoc_database_t *db, const sb_mongo_spec *spec,
			   int strict, sb_err *err)
{
	int rc = sb_mongo_ensure_collection(m, db, spec, strict, err);
	if (rc == SB_OK)
		rc = sb_mongo_ensure_indexes(m, db, spec->name, spec->idx, spec->nidx, err);
	if (rc == SB_OK)
		sb_mongo_seen_set(m, spec->name, 1);
	return rc;
}

/* The same on a write path: once per process and collection, so a database where `database
 * start` never ran still gets validators and unique indexes before its first row. */
static int sb_mongo_ensure_once(sb_mongo_store *m, const sb_mongo_spec *spec, sb_err *err)
{
	if (sb_mongo_seen_has(m, spec->name))
		return SB_OK;
	mongoc_database_t *db = mongoc_client_get_database(m->client, m->db_name);
	int rc = sb_mongo_ensure(m, db, spec, 0, err);
	mongoc_database_destroy(db);
	return rc;
}

static int sb_mongo_start(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	sb_mongo_store *m = sb_mongo(st);
	mongoc_database_t *db = mongoc_client_get_database(m->client, m->db_name);
	int rc = SB_OK;
	sb_mongo_spec spec;
	for (size_t i = 0; rc == SB_OK && i < n; i++) {
		sb_mongo_spec_history(schemas[i], &spec);
		rc = sb_mongo_ensure(m, db, &spec, 1, err);
	}
	if (rc == SB_OK) {
		sb_mongo_spec_summary(&spec);
		rc = sb_mongo_ensure(m, db, &spec, 1, err);
	}
	mongoc_database_destroy(db);
	return rc;
}

static int sb_mongo_drop_collection(sb_mongo_store *m, const char *name, sb_err *err)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->db_name, name);
	bson_t opts = BSON_INITIALIZER;
	sb_mongo_append_wc(m, &opts);
	bson_error_t e;
	bool ok = mongoc_collection_drop_with_opts(coll, &opts, &e);
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	sb_mongo_seen_set(m, name, 0);
	/* Servers before 7.0 answer "ns not found" for a missing collection. */
	if (ok || (!sb_mongo_unreachable(&e) && (e.code == SB_MONGO_NAMESPACE_NOT_FOUND ||
						 strstr(e.message, "ns not found") != NULL)))
		return SB_OK;
	char what[128];
	snprintf(what, sizeof(what), "cannot drop collection %s", name);
	return sb_mongo_fail(m, what, &e, err);
}

static int sb_mongo_drop(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	sb_mongo_store *m = sb_mongo(st);
	int rc = SB_OK;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_mongo_drop_collection(m, schemas[i]->table, err);
	if (rc == SB_OK)
		rc = sb_mongo_drop_collection(m, SB_STORE_SUMMARY_TABLE, err);
	return rc;
}

/* Builds one upsert: q = the PK fields (and a condition), set = the other fields, unset = fields
 * to remove (left empty when none). */
typedef void (*sb_mongo_build_fn)(const void *rows, size_t i, const void *arg, bson_t *q,
				  bson_t *set, bson_t *unset);

static void sb_mongo_build_history(const void *rows, size_t i, const void *arg, bson_t *q,
				   bson_t *set, bson_t *unset)
{
	(void)unset;
	const sb_schema *schema = arg;
	const sb_history_row *r = (const sb_history_row *)rows + i;
	BSON_APPEND_UTF8(q, schema->key, r->name);
	BSON_APPEND_UTF8(q, "type", r->type);
	BSON_APPEND_UTF8(q, "date", r->date);
	BSON_APPEND_UTF8(q, "time", r->time);
	BSON_APPEND_DOUBLE(set, "capacity", r->capacity);
	BSON_APPEND_INT64(set, "inProm", r->in_avg);
	BSON_APPEND_INT64(set, "inMaxProm", r->in_max);
	if (!schema->in_only) {
		BSON_APPEND_INT64(set, "outProm", r->out_avg);
		BSON_APPEND_INT64(set, "outMaxProm", r->out_max);
	}
}

/* A summary coarser than 5 minutes replaces only one of the same or a coarser resolution: the
 * filter asks for it, so against a finer summary (a 5-minute one has no resolution field) the
 * upsert turns into an insert the unique index refuses (E11000), which sb_mongo_put counts as
 * stored. A 5-minute summary replaces anything and drops a coarser one's resolution. */
static int sb_mongo_summary_coarse(const void *rows, size_t i)
{
	return ((const sb_summary_row *)rows)[i].resolution > SB_RES_5MIN;
}

static void sb_mongo_build_summary(const void *rows, size_t i, const void *arg, bson_t *q,
				   bson_t *set, bson_t *unset)
{
	(void)arg;
	const sb_summary_row *r = (const sb_summary_row *)rows + i;
	BSON_APPEND_UTF8(q, "name", r->name);
	BSON_APPEND_UTF8(q, "type", r->type);
	BSON_APPEND_UTF8(q, "date", r->date);
	BSON_APPEND_UTF8(q, "typeLayer", r->layer);
	if (r->resolution > SB_RES_5MIN) {
		bson_t cond;
		BSON_APPEND_DOCUMENT_BEGIN(q, "resolution", &cond);
		BSON_APPEND_INT64(&cond, "$gte", r->resolution);
		bson_append_document_end(q, &cond);
	}
	BSON_APPEND_DOUBLE(set, "capacity", r->capacity);
	BSON_APPEND_DOUBLE(set, "inProm", r->in_prom);
	BSON_APPEND_DOUBLE(set, "inMaxProm", r->in_max_prom);
	BSON_APPEND_DOUBLE(set, "outProm", r->out_prom);
	BSON_APPEND_DOUBLE(set, "outMaxProm", r->out_max_prom);
	/* An unknown use is a double NaN, not null: the old tool's validators require a number, and
	 * every reader here takes NaN for "no use" (docs/storage.md). */
	BSON_APPEND_DOUBLE(set, "use", r->has_use ? r->use : NAN);
	if (r->samples >= 0)
		BSON_APPEND_INT64(set, "samples", (int64_t)r->samples);
	if (r->resolution > SB_RES_5MIN)
		BSON_APPEND_INT64(set, "resolution", r->resolution);
	else
		BSON_APPEND_UTF8(unset, "resolution", "");
}

/* Whether the write errors of a bulk's reply are all duplicate keys of rows dup_ok accepts
 * (rows first.. of the bulk); a write-concern error or any other write error is not. */
static int sb_mongo_only_kept(const bson_t *reply, const void *rows, size_t first,
			      int (*dup_ok)(const void *rows, size_t i))
{
	bson_iter_t it, errs;
	if (dup_ok == NULL || bson_iter_init_find(&it, reply, "writeConcernErrors") ||
	    !bson_iter_init_find(&it, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &errs))
		return 0;
	size_t seen = 0;
	while (bson_iter_next(&errs)) {
		bson_iter_t e;
		if (!BSON_ITER_HOLDS_DOCUMENT(&errs) || !bson_iter_recurse(&errs, &e))
			return 0;
		int64_t index = -1, code = 0;
		while (bson_iter_next(&e)) {
			if (strcmp(bson_iter_key(&e), "index") == 0 && BSON_ITER_HOLDS_NUMBER(&e))
				index = bson_iter_as_int64(&e);
			else if (strcmp(bson_iter_key(&e), "code") == 0 &&
				 BSON_ITER_HOLDS_NUMBER(&e))
				code = bson_iter_as_int64(&e);
		}
		if (index < 0 || code != SB_MONGO_DUPLICATE_KEY ||
		    !dup_ok(rows, first + (size_t)index))
			return 0;
		seen++;
	}
	return seen > 0;
}

/* Upserts rows in unordered bulks of SB_MONGO_BATCH; any write or write-concern error fails,
 * except a duplicate key on a row dup_ok (may be NULL) accepts: an upsert whose condition kept
 * the stored document. arg goes to build (the schema, or a record declaration). */
static int sb_mongo_put(sb_mongo_store *m, const char *name, const void *arg, const void *rows,
			size_t n, sb_mongo_build_fn build,
			int (*dup_ok)(const void *rows, size_t i), sb_err *err)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->db_name, name);
	bson_t uopts = BSON_INITIALIZER;
	BSON_APPEND_BOOL(&uopts, "upsert", true);
	int rc = SB_OK;
	for (size_t first = 0; rc == SB_OK && first < n; first += SB_MONGO_BATCH) {
		size_t last = n - first > SB_MONGO_BATCH ? first + SB_MONGO_BATCH : n;
		bson_t bopts = BSON_INITIALIZER;
		BSON_APPEND_BOOL(&bopts, "ordered", false);
		mongoc_bulk_operation_t *bulk =
			mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
		bson_destroy(&bopts);
		bson_error_t e;
		char what[160];
		for (size_t i = first; rc == SB_OK && i < last; i++) {
			bson_t q = BSON_INITIALIZER, u = BSON_INITIALIZER, set = BSON_INITIALIZER,
			       unset = BSON_INITIALIZER;
			build(rows, i, arg, &q, &set, &unset);
			BSON_APPEND_DOCUMENT(&u, "$set", &set);
			if (!bson_empty(&unset))
				BSON_APPEND_DOCUMENT(&u, "$unset", &unset);
			bson_destroy(&set);
			bson_destroy(&unset);
			if (!mongoc_bulk_operation_update_one_with_opts(bulk, &q, &u, &uopts, &e)) {
				snprintf(what, sizeof(what), "cannot queue %s row %zu", name,
					 i + 1);
				rc = sb_mongo_fail(m, what, &e, err);
			}
			bson_destroy(&u);
			bson_destroy(&q);
		}
		if (rc == SB_OK) {
			bson_t reply;
			if (mongoc_bulk_operation_execute(bulk, &reply, &e) == 0 &&
			    !sb_mongo_only_kept(&reply, rows, first, dup_ok)) {
				snprintf(what, sizeof(what), "upsert into %s (rows %zu-%zu) failed",
					 name, first + 1, last);
				rc = sb_mongo_fail(m, what, &e, err);
			}
			bson_destroy(&reply);
		}
		mongoc_bulk_operation_destroy(bulk);
	}
	bson_destroy(&uopts);
	mongoc_collection_destroy(coll);
	return rc;
}

static int sb_mongo_put_history(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
				size_t n, sb_err *err)
{
	sb_mongo_spec spec;
	sb_mongo_spec_history(schema, &spec);
	int rc = n > 0 ? sb_mongo_ensure_once(sb_mongo(st), &spec, err) : SB_OK;
	if (rc != SB_OK)
		return rc;
	return sb_mongo_put(sb_mongo(st), schema->table, schema, rows, n, sb_mongo_build_history,
			    NULL, err);
}

static int sb_mongo_without_finer(sb_mongo_store *m, const sb_summary_row *rows, size_t n,
				  sb_summary_row **out, size_t *nout, sb_err *err);

static int sb_mongo_put_summary(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err)
{
	sb_mongo_spec spec;
	sb_mongo_spec_summary(&spec);
	int rc = n > 0 ? sb_mongo_ensure_once(sb_mongo(st), &spec, err) : SB_OK;
	if (rc != SB_OK)
		return rc;
	/* coarser summaries: those a finer one already stored would refuse are left out first,
	 * so that a server whose unique index does not stop an upsert still keeps the finer one */
	sb_summary_row *kept = NULL;
	size_t nkept = n;
	rc = sb_mongo_without_finer(sb_mongo(st), rows, n, &kept, &nkept, err);
	if (rc == SB_OK)
		rc = sb_mongo_put(sb_mongo(st), SB_STORE_SUMMARY_TABLE, NULL,
				  kept != NULL ? kept : rows, nkept, sb_mongo_build_summary,
				  sb_mongo_summary_coarse, err);
	free(kept);
	return rc;
}

/* Field readers of a query result; missing or mistyped fields read as "" / 0. */
static const char *sb_mongo_get_str(const bson_t *doc, const char *field)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return "";
}

/* Returns 1 and *out when field holds a number (int, long, double, decimal excluded). */
static int sb_mongo_get_num(const bson_t *doc, const char *field, double *out)
{
	bson_iter_t it;
	*out = 0;
	if (!bson_iter_init_find(&it, doc, field) || !BSON_ITER_HOLDS_NUMBER(&it))
		return 0;
	*out = bson_iter_as_double(&it);
	return 1;
}

/* A capacity: a number, or a string holding one ("10", "2.5", "2,5"), as the old tool's schema
 * documents it; anything else reads as 0 (unknown), never a misread number. */
static double sb_mongo_get_capacity(const bson_t *doc, const char *field)
{
	bson_iter_t it;
	double v = 0;
	if (sb_mongo_get_num(doc, field, &v))
		return isfinite(v) ? v : 0;
	if (!bson_iter_init_find(&it, doc, field) || !BSON_ITER_HOLDS_UTF8(&it))
		return 0;
	uint32_t len = 0;
	const char *text = bson_iter_utf8(&it, &len);
	char buf[64];
	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, text, len);
	buf[len] = '\0';
	char *comma = strchr(buf, ',');
	if (comma != NULL && strchr(comma + 1, ',') == NULL && strchr(buf, '.') == NULL)
		*comma = '.';
	return sb_parse_double(buf, &v) == SB_OK ? v : 0;
}

static int64_t sb_mongo_get_int(const bson_t *doc, const char *field)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, field))
		return 0;
	if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it))
		return bson_iter_as_int64(&it);
	if (BSON_ITER_HOLDS_DOUBLE(&it)) {
		double d = bson_iter_double(&it);
		return isfinite(d) && fabs(d) < 9.2e18 ? (int64_t)llround(d) : 0;
	}
	return 0;
}

static void sb_mongo_date_range(bson_t *filter, const char *from, const char *to)
{
	if (from == NULL && to == NULL)
		return;
	bson_t range;
	BSON_APPEND_DOCUMENT_BEGIN(filter, "date", &range);
	if (from != NULL)
		BSON_APPEND_UTF8(&range, "$gte", from);
	if (to != NULL)
		BSON_APPEND_UTF8(&range, "$lte", to);
	bson_append_document_end(filter, &range);
}

/* Runs find(filter, sort) on a collection, calling row(doc) for each result. */
static int sb_mongo_find(sb_mongo_store *m, const char *name, const bson_t *filter,
			 const bson_t *opts, int (*row)(const bson_t *doc, void *arg), void *arg,
			 sb_err *err)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->db_name, name);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	const bson_t *doc = NULL;
	int rc = SB_OK;
	while (rc == SB_OK && mongoc_cursor_next(cur, &doc))
		rc = row(doc, arg);
	bson_error_t e;
	if (rc == SB_OK && mongoc_cursor_error(cur, &e)) {
		char what[128];
		snprintf(what, sizeof(what), "query of %s failed", name);
		rc = sb_mongo_fail(m, what, &e, err);
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	return rc;
}

/* The stored summaries of the interfaces and dates of a put's coarser rows: key and resolution. */
typedef struct sb_mongo_stored {
	char *key; /* "name\x1ftype\x1fdate\x1ftypeLayer" */
	int32_t res;
} sb_mongo_stored;

typedef struct sb_mongo_stored_list {
	sb_mongo_stored *v;
	size_t n, cap;
} sb_mongo_stored_list;

static char *sb_mongo_summary_key(const char *name, const char *type, const char *date,
				  const char *layer)
{
	return sb_xasprintf("%s\x1f%s\x1f%s\x1f%s", name, type, date, layer);
}

static int sb_mongo_stored_row(const bson_t *doc, void *arg)
{
	sb_mongo_stored_list *l = arg;
	sb_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	int64_t res = sb_mongo_get_int(doc, "resolution");
	l->v[l->n++] = (sb_mongo_stored){sb_mongo_summary_key(sb_mongo_get_str(doc, "name"),
							      sb_mongo_get_str(doc, "type"),
							      sb_mongo_get_str(doc, "date"),
							      sb_mongo_get_str(doc, "typeLayer")),
					 res > SB_RES_5MIN && res <= INT32_MAX ? (int32_t)res
									       : SB_RES_5MIN};
	return SB_OK;
}

static int sb_mongo_stored_cmp(const void *a, const void *b)
{
	return strcmp(((const sb_mongo_stored *)a)->key, ((const sb_mongo_stored *)b)->key);
}

static int sb_mongo_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The finest resolution stored under key, or 0 when there is none (l sorted by key). */
static int32_t sb_mongo_stored_res(const sb_mongo_stored_list *l, const char *key)
{
	sb_mongo_stored k = {(char *)key, 0};
	const sb_mongo_stored *hit =
		l->n > 0 ? bsearch(&k, l->v, l->n, sizeof(*l->v), sb_mongo_stored_cmp) : NULL;
	if (hit == NULL)
		return 0;
	int32_t res = hit->res; /* a key held twice (no unique index): the finest of them */
	for (const sb_mongo_stored *p = hit; p > l->v && strcmp((p - 1)->key, key) == 0; p--)
		res = (p - 1)->res < res ? (p - 1)->res : res;
	for (const sb_mongo_stored *p = hit + 1; p < l->v + l->n && strcmp(p->key, key) == 0; p++)
		res = p->res < res ? p->res : res;
	return res;
}

/* *out gets the rows of a put but the coarser ones that a finer summary already stored keeps,
 * found with one find over their interfaces and dates (*out NULL when every row stays; else the
 * caller frees it). */
static int sb_mongo_without_finer(sb_mongo_store *m, const sb_summary_row *rows, size_t n,
				  sb_summary_row **out, size_t *nout, sb_err *err)
{
	*out = NULL;
	*nout = n;
	const char **names = sb_xmalloc((n ? n : 1) * sizeof(*names));
	size_t nn = 0;
	const char *lo = NULL, *hi = NULL;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].resolution <= SB_RES_5MIN)
			continue;
		names[nn++] = rows[i].name;
		if (lo == NULL || strcmp(rows[i].date, lo) < 0)
			lo = rows[i].date;
		if (hi == NULL || strcmp(rows[i].date, hi) > 0)
			hi = rows[i].date;
	}
	if (nn == 0) {
		free(names);
		return SB_OK;
	}
	qsort(names, nn, sizeof(*names), sb_mongo_strp_cmp);
	bson_t filter = BSON_INITIALIZER, byname, in, range;
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "name", &byname);
	BSON_APPEND_ARRAY_BEGIN(&byname, "$in", &in);
	uint32_t k = 0;
	for (size_t i = 0; i < nn; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		char idx[16];
		const char *key = NULL;
		size_t klen = bson_uint32_to_string(k++, &key, idx, sizeof(idx));
		bson_append_utf8(&in, key, (int)klen, names[i], -1);
	}
	bson_append_array_end(&byname, &in);
	bson_append_document_end(&filter, &byname);
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "date", &range);
	BSON_APPEND_UTF8(&range, "$gte", lo);
	BSON_APPEND_UTF8(&range, "$lte", hi);
	bson_append_document_end(&filter, &range);
	bson_t opts = BSON_INITIALIZER, proj;
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	static const char *const fields[] = {"name", "type", "date", "typeLayer", "resolution"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(fields); i++)
		BSON_APPEND_INT32(&proj, fields[i], 1);
	bson_append_document_end(&opts, &proj);
	sb_mongo_stored_list stored = {0};
	int rc = sb_mongo_find(m, SB_STORE_SUMMARY_TABLE, &filter, &opts, sb_mongo_stored_row,
			       &stored, err);
	bson_destroy(&opts);
	bson_destroy(&filter);
	free(names);
	if (rc == SB_OK && stored.n > 0) {
		qsort(stored.v, stored.n, sizeof(*stored.v), sb_mongo_stored_cmp);
		*out = sb_xmalloc(n * sizeof(**out));
		size_t w = 0;
		for (size_t i = 0; i < n; i++) {
			const sb_summary_row *r = &rows[i];
			int32_t res = 0;
			if (r->resolution > SB_RES_5MIN) {
				char *key =
					sb_mongo_summary_key(r->name, r->type, r->date, r->layer);
				res = sb_mongo_stored_res(&stored, key);
				free(key);
			}
			if (res == 0 || res >= r->resolution)
				(*out)[w++] = *r;
		}
		*nout = w;
	}
	for (size_t i = 0; i < stored.n; i++)
		free(stored.v[i].key);
	free(stored.v);
	return rc;
}

typedef struct sb_mongo_summary_call {
	sb_summary_fn fn;
	void *ctx;
} sb_mongo_summary_call;

static int sb_mongo_summary_row(const bson_t *doc, void *arg)
{
	sb_mongo_summary_call *call = arg;
	sb_summary_row r = {
		.name = sb_mongo_get_str(doc, "name"),
		.type = sb_mongo_get_str(doc, "type"),
		.date = sb_mongo_get_str(doc, "date"),
		.layer = sb_mongo_get_str(doc, "typeLayer"),
		.samples = -1,
	};
	r.capacity = sb_mongo_get_capacity(doc, "capacity");
	sb_mongo_get_num(doc, "inProm", &r.in_prom);
	sb_mongo_get_num(doc, "inMaxProm", &r.in_max_prom);
	sb_mongo_get_num(doc, "outProm", &r.out_prom);
	sb_mongo_get_num(doc, "outMaxProm", &r.out_max_prom);
	r.has_use = sb_mongo_get_num(doc, "use", &r.use) && !isnan(r.use);
	if (!r.has_use)
		r.use = 0;
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "samples") && BSON_ITER_HOLDS_NUMBER(&it))
		r.samples = (long)sb_mongo_get_int(doc, "samples");
	int64_t res = sb_mongo_get_int(doc, "resolution");
	r.resolution = res > SB_RES_5MIN && res <= INT32_MAX ? (int32_t)res : SB_RES_5MIN;
	return call->fn(call->ctx, &r);
}

static int sb_mongo_query_summary(sb_store *st, const char *layer, const char *name,
				  const char *from, const char *to, sb_summary_fn fn, void *ctx,
				  sb_err *err)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort;
	sb_mongo_date_range(&filter, from, to);
	if (layer != NULL)
		BSON_APPEND_UTF8(&filter, "typeLayer", layer);
	if (name != NULL)
		BSON_APPEND_UTF8(&filter, "name", name);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "typeLayer", 1);
	BSON_APPEND_INT32(&sort, "type", 1);
	BSON_APPEND_INT32(&sort, "name", 1);
	BSON_APPEND_INT32(&sort, "date", 1);
	bson_append_document_end(&opts, &sort);
	sb_mongo_summary_call call = {fn, ctx};
	int rc = sb_mongo_find(sb_mongo(st), SB_STORE_SUMMARY_TABLE, &filter, &opts,
			       sb_mongo_summary_row, &call, err);
	bson_destroy(&opts);
	bson_destroy(&filter);
	return rc;
}

static int sb_mongo_newest_row(const bson_t *doc, void *arg)
{
	snprintf(arg, 11, "%s", sb_mongo_get_str(doc, "date"));
	return SB_OK;
}

static int sb_mongo_newest_summary(sb_store *st, const char *layer, const char *before,
				   char out[11], sb_err *err)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, range, sort, proj;
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "date", &range);
	BSON_APPEND_UTF8(&range, "$lt", before);
	bson_append_document_end(&filter, &range);
	BSON_APPEND_UTF8(&filter, "typeLayer", layer);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "date", -1);
	bson_append_document_end(&opts, &sort);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "date", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT64(&opts, "limit", 1);
	int rc = sb_mongo_find(sb_mongo(st), SB_STORE_SUMMARY_TABLE, &filter, &opts,
			       sb_mongo_newest_row, out, err);
	bson_destroy(&opts);
	bson_destroy(&filter);
	return rc;
}

typedef struct sb_mongo_history_call {
	const sb_schema *schema;
	sb_history_fn fn;
	void *ctx;
} sb_mongo_history_call;

static int sb_mongo_history_row(const bson_t *doc, void *arg)
{
	sb_mongo_history_call *call = arg;
	int traffic = !call->schema->in_only;
	sb_history_row r = {
		.name = sb_mongo_get_str(doc, call->schema->key),
		.type = sb_mongo_get_str(doc, "type"),
		.date = sb_mongo_get_str(doc, "date"),
		.time = sb_mongo_get_str(doc, "time"),
		.in_avg = sb_mongo_get_int(doc, "inProm"),
		.in_max = sb_mongo_get_int(doc, "inMaxProm"),
		.out_avg = traffic ? sb_mongo_get_int(doc, "outProm") : 0,
		.out_max = traffic ? sb_mongo_get_int(doc, "outMaxProm") : 0,
		.capacity = sb_mongo_get_capacity(doc, "capacity"),
	};
	return call->fn(call->ctx, &r);
}

static int sb_mongo_query_history(sb_store *st, const sb_schema *schema, const char *name,
				  const char *type, const char *from, const char *to,
				  sb_history_fn fn, void *ctx, sb_err *err)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort;
	sb_mongo_date_range(&filter, from, to);
	if (name != NULL)
		BSON_APPEND_UTF8(&filter, schema->key, name);
	if (type != NULL)
		BSON_APPEND_UTF8(&filter, "type", type);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, schema->key, 1);
	BSON_APPEND_INT32(&sort, "type", 1);
	BSON_APPEND_INT32(&sort, "date", 1);
	BSON_APPEND_INT32(&sort, "time", 1);
	bson_append_document_end(&opts, &sort);
	sb_mongo_history_call call = {schema, fn, ctx};
	int rc = sb_mongo_find(sb_mongo(st), schema->table, &filter, &opts, sb_mongo_history_row,
			       &call, err);
	bson_destroy(&opts);
	bson_destroy(&filter);
	return rc;
}

/* ---- the records of the monitor's tests ---- */

static int sb_mongo_start_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	sb_mongo_store *m = sb_mongo(st);
	mongoc_database_t *db = mongoc_client_get_database(m->client, m->db_name);
	int rc = SB_OK;
	for (size_t i = 0; rc == SB_OK && i < n; i++) {
		sb_mongo_spec spec;
		sb_mongo_spec_record(decls[i], &spec);
		rc = sb_mongo_ensure(m, db, &spec, 1, err);
	}
	mongoc_database_destroy(db);
	return rc;
}

static int sb_mongo_drop_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	sb_mongo_store *m = sb_mongo(st);
	int rc = SB_OK;
	for (size_t i = 0; rc == SB_OK && i < n; i++)
		rc = sb_mongo_drop_collection(m, decls[i]->table, err);
	return rc;
}

/* The builder of a record's upsert (sb_mongo_put passes the declaration as its arg). */
static void sb_mongo_build_record(const void *rows, size_t i, const void *arg, bson_t *q,
				  bson_t *set, bson_t *unset)
{
	(void)unset;
	const sb_rec_decl *d = arg;
	const sb_rec *r = (const sb_rec *)rows + i;
	BSON_APPEND_INT64(q, "monitor", r->monitor);
	BSON_APPEND_INT64(q, "link", r->link);
	BSON_APPEND_INT64(q, "timestamp", r->ts);
	BSON_APPEND_UTF8(set, "date", r->date);
	BSON_APPEND_UTF8(set, "time", r->time);
	for (size_t k = 0; k < d->n; k++) {
		const char *name = d->f[k].name;
		const sb_rec_val *v = &r->v[k];
		if (!v->has) {
			BSON_APPEND_NULL(set, name);
			continue;
		}
		switch (d->f[k].type) {
		case SB_FIELD_INT:
			BSON_APPEND_INT64(set, name, v->i);
			break;
		case SB_FIELD_NUMBER:
			BSON_APPEND_DOUBLE(set, name, v->d);
			break;
		case SB_FIELD_BOOL:
			BSON_APPEND_BOOL(set, name, v->i != 0);
			break;
		case SB_FIELD_STRING:
		case SB_FIELD_JSON:
			BSON_APPEND_UTF8(set, name, v->s);
			break;
		}
	}
}

static int sb_mongo_put_records(sb_store *st, const sb_rec_decl *d, const sb_rec *rows, size_t n,
				sb_err *err)
{
	sb_mongo_spec spec;
	sb_mongo_spec_record(d, &spec);
	int rc = n > 0 ? sb_mongo_ensure_once(sb_mongo(st), &spec, err) : SB_OK;
	if (rc != SB_OK)
		return rc;
	return sb_mongo_put(sb_mongo(st), d->table, d, rows, n, sb_mongo_build_record, NULL, err);
}

typedef struct sb_mongo_rec_call {
	const sb_rec_decl *d;
	sb_rec_fn fn;
	void *ctx;
} sb_mongo_rec_call;

static int sb_mongo_rec_row(const bson_t *doc, void *arg)
{
	sb_mongo_rec_call *call = arg;
	const sb_rec_decl *d = call->d;
	sb_rec_val v[SB_REC_MAX_FIELDS];
	memset(v, 0, sizeof(v));
	sb_rec r = {
		.monitor = sb_mongo_get_int(doc, "monitor"),
		.link = sb_mongo_get_int(doc, "link"),
		.ts = sb_mongo_get_int(doc, "timestamp"),
		.date = sb_mongo_get_str(doc, "date"),
		.time = sb_mongo_get_str(doc, "time"),
		.v = v,
	};
	for (size_t k = 0; k < d->n; k++) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, d->f[k].name))
			continue;
		switch (d->f[k].type) {
		case SB_FIELD_INT:
			if (BSON_ITER_HOLDS_NUMBER(&it)) {
				v[k].has = 1;
				v[k].i = sb_mongo_get_int(doc, d->f[k].name);
			}
			break;
		case SB_FIELD_NUMBER:
			v[k].has = sb_mongo_get_num(doc, d->f[k].name, &v[k].d);
			break;
		case SB_FIELD_BOOL:
			if (BSON_ITER_HOLDS_BOOL(&it) || BSON_ITER_HOLDS_NUMBER(&it)) {
				v[k].has = 1;
				v[k].i = bson_iter_as_bool(&it) ? 1 : 0;
			}
			break;
		case SB_FIELD_STRING:
		case SB_FIELD_JSON:
			if (BSON_ITER_HOLDS_UTF8(&it)) {
				v[k].has = 1;
				v[k].s = bson_iter_utf8(&it, NULL);
			}
			break;
		}
	}
	return call->fn(call->ctx, &r);
}

static int sb_mongo_query_records(sb_store *st, const sb_rec_decl *d, int64_t monitor, int64_t link,
				  int64_t from, int64_t to, sb_rec_fn fn, void *ctx, sb_err *err)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort, range;
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "timestamp", &range);
	BSON_APPEND_INT64(&range, "$gte", from);
	BSON_APPEND_INT64(&range, "$lt", to);
	bson_append_document_end(&filter, &range);
	if (monitor >= 0)
		BSON_APPEND_INT64(&filter, "monitor", monitor);
	if (link >= 0)
		BSON_APPEND_INT64(&filter, "link", link);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "monitor", 1);
	BSON_APPEND_INT32(&sort, "link", 1);
	BSON_APPEND_INT32(&sort, "timestamp", 1);
	bson_append_document_end(&opts, &sort);
	sb_mongo_rec_call call = {d, fn, ctx};
	int rc =
		sb_mongo_find(sb_mongo(st), d->table, &filter, &opts, sb_mongo_rec_row, &call, err);
	bson_destroy(&opts);
	bson_destroy(&filter);
	return rc;
}

static void sb_mongo_close(sb_store *st)
{
	sb_mongo_store *m = sb_mongo(st);
	if (m->client != NULL)
		mongoc_client_destroy(m->client);
	if (m->wc != NULL)
		mongoc_write_concern_destroy(m->wc);
	free(m->db_name);
	free(m->where);
	free(m);
}

static const sb_store_ops sb_mongo_ops = {
	.name = "mongodb",
	.start = sb_mongo_start,
	.drop = sb_mongo_drop,
	.put_history = sb_mongo_put_history,
	.put_summary = sb_mongo_put_summary,
	.query_summary = sb_mongo_query_summary,
	.newest_summary = sb_mongo_newest_summary,
	.query_history = sb_mongo_query_history,
	.start_records = sb_mongo_start_records,
	.drop_records = sb_mongo_drop_records,
	.put_records = sb_mongo_put_records,
	.query_records = sb_mongo_query_records,
	.close = sb_mongo_close,
};

/* "host:port,host:port" of the URI (or the SRV name) for messages; never the credentials. */
static char *sb_mongo_where(const mongoc_uri_t *uri)
{
	const char *srv = mongoc_uri_get_srv_hostname(uri);
	if (srv != NULL)
		return sb_xstrdup(srv);
	char buf[512] = "";
	size_t len = 0;
	for (const mongoc_host_list_t *h = mongoc_uri_get_hosts(uri); h != NULL; h = h->next) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "",
				 h->host_and_port);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			break;
		len += (size_t)w;
	}
	return sb_xstrdup(len > 0 ? buf : "(no host)");
}

/* Parses opts->write_concern: "majority" or a number of nodes (0 = unacknowledged). */
static int sb_mongo_parse_wc(const char *text, long timeout_ms, mongoc_write_concern_t **out,
			     sb_err *err)
{
	*out = NULL;
	if (text == NULL || *text == '\0')
		return SB_OK;
	int32_t wtimeout = timeout_ms > INT32_MAX ? INT32_MAX : (int32_t)timeout_ms;
	mongoc_write_concern_t *wc = mongoc_write_concern_new();
	long w = 0;
	if (strcmp(text, "majority") == 0) {
		mongoc_write_concern_set_wmajority(wc, wtimeout);
	} else if (sb_parse_long(text, &w) == SB_OK && w >= 0 && w <= 1000) {
		mongoc_write_concern_set_w(wc, (int32_t)w);
		if (w > 1)
			mongoc_write_concern_set_wtimeout_int64(wc, wtimeout);
	} else {
		mongoc_write_concern_destroy(wc);
		return sb_err_set(err, SB_EINVAL,
				  "MongoDB write concern '%s' is neither "
				  "\"majority\" nor a number of nodes",
				  text);
	}
	*out = wc;
	return SB_OK;
}

int sb_store_mongo_open(const char *uri_text, const sb_store_opts *opts, sb_store **out,
			sb_err *err)
{
	call_once(&sb_mongo_once, sb_mongo_global_init);
	bson_error_t e;
	mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_text, &e);
	if (uri == NULL) {
		char *masked = sb_store_mask_uri(uri_text);
		char *msg = sb_store_scrub(e.message, uri_text);
		int rc = sb_err_set(err, SB_EINVAL, "invalid MongoDB URI '%s': %s", masked, msg);
		free(msg);
		free(masked);
		return rc;
	}
	sb_mongo_store *m = sb_xcalloc(1, sizeof(*m));
	m->base.ops = &sb_mongo_ops;
	m->where = sb_mongo_where(uri);
	const char *db = mongoc_uri_get_database(uri);
	m->db_name = sb_xstrdup(db != NULL && *db != '\0' ? db : SB_MONGO_DEFAULT_DB);
	int32_t timeout = opts->timeout_ms > INT32_MAX ? INT32_MAX : (int32_t)opts->timeout_ms;
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, timeout);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, timeout);
	/* libmongoc waits 300 s for a reply by default: a server that stops answering would hold
	 * every command that long whatever DB_TIMEOUT says. */
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, timeout);
	if (mongoc_uri_get_appname(uri) == NULL)
		mongoc_uri_set_appname(uri, SB_MONGO_APPNAME);
	int rc = sb_mongo_parse_wc(opts->write_concern, opts->timeout_ms, &m->wc, err);
	if (rc != SB_OK)
		goto fail;
	m->client = mongoc_client_new_from_uri_with_error(uri, &e);
	if (m->client == NULL && sb_mongo_unreachable(&e)) {
		rc = sb_mongo_fail(m, "cannot connect", &e, err); /* e.g. the SRV lookup failed */
		goto fail;
	}
	if (m->client == NULL) {
		char *masked = sb_store_mask_uri(uri_text);
		char *msg = sb_store_scrub(e.message, uri_text);
		rc = sb_err_set(err, SB_EINVAL, "cannot use MongoDB URI '%s': %s", masked, msg);
		free(msg);
		free(masked);
		goto fail;
	}
	mongoc_client_set_error_api(m->client, MONGOC_ERROR_API_VERSION_2);
	if (m->wc != NULL)
		mongoc_client_set_write_concern(m->client, m->wc);
	mongoc_uri_destroy(uri);
	*out = &m->base;
	return SB_OK;
fail:
	mongoc_uri_destroy(uri);
	sb_mongo_close(&m->base);
	return rc;
}
