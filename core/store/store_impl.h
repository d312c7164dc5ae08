/* store_impl.h - private to the store: the backend hooks and the names both backends share. */
#ifndef SB_STORE_STORE_IMPL_H
#define SB_STORE_STORE_IMPL_H

#include "store/store.h"

/* The hooks of one backend. Every hook MUST exist, except those said MAY (NULL: the core's way
 * over the other hooks). sb_store_* in store.c has already checked the arguments (non-NULL store,
 * valid schema names, non-NULL row strings) before a hook runs. */
typedef struct sb_store_ops {
	const char *name; /* "sqlite", "mongodb" */
	int (*start)(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err);
	int (*drop)(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err);
	int (*put_history)(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
			   size_t n, sb_err *err);
	int (*put_summary)(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err);
	int (*query_summary)(sb_store *st, const char *layer, const char *name, const char *from,
			     const char *to, sb_summary_fn fn, void *ctx, sb_err *err);
	int (*newest_summary)(sb_store *st, const char *layer, const char *before, char out[11],
			      sb_err *err);
	/* MAY: sb_store_query_summary_newest */
	int (*query_summary_newest)(sb_store *st, const char *from, const char *to,
				    sb_summary_fn fn, void *ctx, sb_err *err);
	int (*query_history)(sb_store *st, const sb_schema *schema, const char *name,
			     const char *type, const char *from, const char *to, sb_history_fn fn,
			     void *ctx, sb_err *err);
	int (*start_records)(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err);
	int (*drop_records)(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err);
	int (*put_records)(sb_store *st, const sb_rec_decl *d, const sb_rec *rows, size_t n,
			   sb_err *err);
	int (*query_records)(sb_store *st, const sb_rec_decl *d, int64_t monitor, int64_t link,
			     int64_t from, int64_t to, sb_rec_fn fn, void *ctx, sb_err *err);
	void (*close)(sb_store *st); /* frees everything, including st */
} sb_store_ops;

/* The common head of every backend's store; a backend's struct starts with it. */
struct sb_store {
	const sb_store_ops *ops;
};

/* Backend constructors. path/uri is what follows "sqlite:" / the whole mongodb URI; opts is
 * never NULL (defaults filled in). */
int sb_store_sqlite_open(const char *path, const sb_store_opts *opts, sb_store **out, sb_err *err);
int sb_store_mongo_open(const char *uri, const sb_store_opts *opts, sb_store **out, sb_err *err);

/* One index of a table/collection, under its old tool's name (docs/data.md). */
typedef struct sb_store_index {
	char name[64];
	const char *fields[4];
	size_t nfields;
	int unique;
} sb_store_index;

#define SB_STORE_MAX_INDEXES 3

/* Fills idx with the indexes of a layer's history table (unique PK index, date index) and
 * returns how many. The unique index of an in_only schema (IPBRAS) uses the old tool's key order
 * (key, date, time, type); the others (key, type, date, time). */
size_t sb_store_history_indexes(const sb_schema *schema, sb_store_index idx[SB_STORE_MAX_INDEXES]);

/* Same for DAILY_SUMMARY_HISTORY: unique (name, typeLayer, type, date), (date) and
 * (date, typeLayer). */
size_t sb_store_summary_indexes(sb_store_index idx[SB_STORE_MAX_INDEXES]);

/* The columns of a record table before the declared fields (the first three are the PK). */
#define SB_REC_KEY_COLS 5
#define SB_REC_PK_COLS 3
extern const char *const sb_store_rec_keys[SB_REC_KEY_COLS]; /* monitor, link, timestamp,
								* date, time */

/* The indexes of a record table: unique_<stem>_index (monitor, link, timestamp) and
 * <stem>_by_date_index (date). Returns how many. */
size_t sb_store_record_indexes(const sb_rec_decl *d, sb_store_index idx[SB_STORE_MAX_INDEXES]);

/* Returns a copy of uri (caller frees) with the password of its userinfo replaced by "***". */
char *sb_store_mask_uri(const char *uri);

/* Returns a copy of msg (caller frees) with every occurrence of uri's password replaced by
 * "***", for library messages that might quote the URI. */
char *sb_store_scrub(const char *msg, const char *uri);

#endif
