/* store.c - the history store front: picks the backend from the URI and checks arguments. */
#include "config.h"

#include "store/store_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SB_STORE_DEFAULT_TIMEOUT_MS 10000
/* The longest table, key or index stem: a module's names are at most 40 bytes
 * (scanbackup/layer.h), a coarser table's add "_30M". */
#define SB_STORE_NAME_MAX 48
#define SB_STORE_URI_FORMS "sqlite:PATH, mongodb://HOST[:PORT]/DB or mongodb+srv://HOST/DB"

/* Finds the password of uri's userinfo: sets *pw and returns its length (0: none). */
static size_t sb_store_password(const char *uri, const char **pw)
{
	const char *scheme = strstr(uri, "://");
	const char *auth = scheme != NULL ? scheme + 3 : uri;
	size_t auth_len = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth + auth_len; p++)
		if (*p == '@')
			at = p;
	const char *colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon == NULL)
		return 0;
	*pw = colon + 1;
	return (size_t)(at - *pw);
}

char *sb_store_mask_uri(const char *uri)
{
	if (uri == NULL)
		return sb_xstrdup("(null)");
	const char *pw = NULL;
	size_t len = sb_store_password(uri, &pw);
	if (len == 0)
		return sb_xstrdup(uri);
	return sb_xasprintf("%.*s***%s", (int)(pw - uri), uri, pw + len);
}

char *sb_store_scrub(const char *msg, const char *uri)
{
	const char *pw = NULL;
	size_t len = uri != NULL ? sb_store_password(uri, &pw) : 0;
	size_t cap = strlen(msg) * 3 + 1, n = 0;
	char *out = sb_xmalloc(cap);
	for (const char *p = msg; *p != '\0';) {
		if (len > 0 && strncmp(p, pw, len) == 0) {
			memcpy(out + n, "***", 3);
			n += 3;
			p += len;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

/* Table, key and index names are spliced into SQL and index names: letters, digits, '_' only. */
static int sb_store_check_ident(const char *what, const char *s, sb_err *err)
{
	if (s == NULL || *s == '\0')
		return sb_err_set(err, SB_EINVAL, "store: schema has no %s", what);
	for (const char *p = s; *p != '\0'; p++) {
		int good = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '_';
		if (!good)
			return sb_err_set(err, SB_EINVAL,
					  "store: schema %s '%s' is not a plain name", what, s);
	}
	if (strlen(s) > SB_STORE_NAME_MAX)
		return sb_err_set(err, SB_EINVAL, "store: schema %s '%s' is too long", what, s);
	return SB_OK;
}

static int sb_store_check_schema(const sb_schema *schema, sb_err *err)
{
	if (schema == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no schema given");
	int rc = sb_store_check_ident("layer", schema->layer, err);
	if (rc == SB_OK)
		rc = sb_store_check_ident("table", schema->table, err);
	if (rc == SB_OK)
		rc = sb_store_check_ident("key", schema->key, err);
	if (rc == SB_OK)
		rc = sb_store_check_ident("index stem", schema->index_stem, err);
	return rc;
}

static int sb_store_check_schemas(const sb_schema *const *schemas, size_t n, sb_err *err)
{
	if (n > 0 && schemas == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no schemas given");
	for (size_t i = 0; i < n; i++) {
		int rc = sb_store_check_schema(schemas[i], err);
		if (rc != SB_OK)
			return rc;
	}
	return SB_OK;
}

/* ---- the tables of MRTG's consolidations ---- */

const int32_t sb_coarse_res[SB_COARSE_N] = {SB_RES_30MIN, SB_RES_2HOUR, SB_RES_1DAY};

static const struct {
	int32_t res;
	const char *table, *stem, *label;
} sb_res_names[] = {
	{SB_RES_5MIN, "", "", "5 min"},
	{SB_RES_30MIN, "_30M", "_30m", "30 min"},
	{SB_RES_2HOUR, "_2H", "_2h", "2 h"},
	{SB_RES_1DAY, "_1D", "_1d", "1 day"},
};

int sb_coarse_index(int32_t res)
{
	for (int i = 0; i < SB_COARSE_N; i++)
		if (sb_coarse_res[i] == res)
			return i;
	return -1;
}

const char *sb_res_label(int32_t res)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_res_names); i++)
		if (sb_res_names[i].res == res)
			return sb_res_names[i].label;
	return NULL;
}

int sb_schema_coarse(const sb_schema *layer, int32_t res, sb_coarse_schema *out)
{
	memset(out, 0, sizeof(*out));
	int k = sb_coarse_index(res);
	if (k < 0 || layer == NULL || layer->table == NULL || layer->index_stem == NULL)
		return -1;
	snprintf(out->table, sizeof(out->table), "%s%s", layer->table, sb_res_names[k + 1].table);
	snprintf(out->index_stem, sizeof(out->index_stem), "%s%s", layer->index_stem,
		 sb_res_names[k + 1].stem);
	out->schema = *layer;
	out->schema.table = out->table;
	out->schema.index_stem = out->index_stem;
	return 0;
}

/* The schemas given and, after them, the tables of their coarser resolutions: what start and
 * drop handle. *coarse (free it) holds the derived schemas the list points into. */
static const sb_schema **sb_store_with_coarse(const sb_schema *const *schemas, size_t n,
					      sb_coarse_schema **coarse, size_t *nall)
{
	*coarse = sb_xcalloc(n * SB_COARSE_N + 1, sizeof(**coarse));
	const sb_schema **all = sb_xcalloc(n * (SB_COARSE_N + 1) + 1, sizeof(*all));
	for (size_t i = 0; i < n; i++)
		all[i] = schemas[i];
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < SB_COARSE_N; k++) {
			sb_coarse_schema *c = &(*coarse)[i * SB_COARSE_N + (size_t)k];
			sb_schema_coarse(schemas[i], sb_coarse_res[k], c);
			all[n + i * SB_COARSE_N + (size_t)k] = &c->schema;
		}
	*nall = n * (SB_COARSE_N + 1);
	return all;
}

size_t sb_store_history_indexes(const sb_schema *schema, sb_store_index idx[SB_STORE_MAX_INDEXES])
{
	memset(idx, 0, sizeof(*idx) * SB_STORE_MAX_INDEXES);
	snprintf(idx[0].name, sizeof(idx[0].name), "unique_%s_index", schema->index_stem);
	idx[0].unique = 1;
	idx[0].nfields = 4;
	idx[0].fields[0] = schema->key;
	if (schema->in_only) {
		idx[0].fields[1] = "date";
		idx[0].fields[2] = "time";
		idx[0].fields[3] = "type";
	} else {
		idx[0].fields[1] = "type";
		idx[0].fields[2] = "date";
		idx[0].fields[3] = "time";
	}
	snprintf(idx[1].name, sizeof(idx[1].name), "%s_by_date_index", schema->index_stem);
	idx[1].nfields = 1;
	idx[1].fields[0] = "date";
	return 2;
}

size_t sb_store_summary_indexes(sb_store_index idx[SB_STORE_MAX_INDEXES])
{
	static const sb_store_index summary[SB_STORE_MAX_INDEXES] = {
		{"unique_daily_summary_index", {"name", "typeLayer", "type", "date"}, 4, 1},
		{"daily_summary_by_date_index", {"date"}, 1, 0},
		{"daily_summary_by_date_typelayer_index", {"date", "typeLayer"}, 2, 0},
	};
	memcpy(idx, summary, sizeof(summary));
	return SB_STORE_MAX_INDEXES;
}

int sb_store_open(const char *uri, const sb_store_opts *opts, sb_store **out, sb_err *err)
{
	if (out == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no output pointer");
	*out = NULL;
	if (uri == NULL || *uri == '\0')
		return sb_err_set(err, SB_EINVAL, "store: no DATABASE_URI given (expected %s)",
				  SB_STORE_URI_FORMS);
	sb_store_opts o = {NULL, SB_STORE_DEFAULT_TIMEOUT_MS};
	if (opts != NULL) {
		o = *opts;
		if (o.timeout_ms <= 0)
			o.timeout_ms = SB_STORE_DEFAULT_TIMEOUT_MS;
	}
	if (strncmp(uri, "sqlite:", 7) == 0) {
		if (uri[7] == '\0')
			return sb_err_set(err, SB_EINVAL,
					  "store: DATABASE_URI 'sqlite:' names no file (expected "
					  "sqlite:PATH)");
		return sb_store_sqlite_open(uri + 7, &o, out, err);
	}
	if (strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0)
		return sb_store_mongo_open(uri, &o, out, err);
	char *masked = sb_store_mask_uri(uri);
	int rc = sb_err_set(err, SB_EINVAL, "store: unsupported DATABASE_URI '%s' (expected %s)",
			    masked, SB_STORE_URI_FORMS);
	free(masked);
	return rc;
}

void sb_store_close(sb_store **st)
{
	if (st == NULL || *st == NULL)
		return;
	(*st)->ops->close(*st);
	*st = NULL;
}

const char *sb_store_backend(const sb_store *st)
{
	return st != NULL ? st->ops->name : "none";
}

int sb_store_start(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	int rc = sb_store_check_schemas(schemas, n, err);
	if (rc != SB_OK)
		return rc;
	sb_coarse_schema *coarse = NULL;
	size_t nall = 0;
	const sb_schema **all = sb_store_with_coarse(schemas, n, &coarse, &nall);
	rc = st->ops->start(st, all, nall, err);
	free(all);
	free(coarse);
	return rc;
}

int sb_store_drop(sb_store *st, const sb_schema *const *schemas, size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	int rc = sb_store_check_schemas(schemas, n, err);
	if (rc != SB_OK)
		return rc;
	sb_coarse_schema *coarse = NULL;
	size_t nall = 0;
	const sb_schema **all = sb_store_with_coarse(schemas, n, &coarse, &nall);
	rc = st->ops->drop(st, all, nall, err);
	free(all);
	free(coarse);
	return rc;
}

int sb_store_put_history(sb_store *st, const sb_schema *schema, const sb_history_row *rows,
			 size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	int rc = sb_store_check_schema(schema, err);
	if (rc != SB_OK)
		return rc;
	if (n == 0)
		return SB_OK;
	if (rows == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no rows given");
	for (size_t i = 0; i < n; i++) {
		const sb_history_row *r = &rows[i];
		if (r->name == NULL || r->type == NULL || r->date == NULL || r->time == NULL)
			return sb_err_set(err, SB_EINVAL,
					  "store: %s row %zu lacks %s, type, date or time",
					  schema->table, i + 1, schema->key);
	}
	return st->ops->put_history(st, schema, rows, n, err);
}

int sb_store_put_summary(sb_store *st, const sb_summary_row *rows, size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	if (n == 0)
		return SB_OK;
	if (rows == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no rows given");
	for (size_t i = 0; i < n; i++) {
		const sb_summary_row *r = &rows[i];
		if (r->name == NULL || r->type == NULL || r->date == NULL || r->layer == NULL)
			return sb_err_set(err, SB_EINVAL,
					  "store: %s row %zu lacks name, type, date or typeLayer",
					  SB_STORE_SUMMARY_TABLE, i + 1);
	}
	return st->ops->put_summary(st, rows, n, err);
}

int sb_store_query_summary(sb_store *st, const char *layer, const char *name, const char *from,
			   const char *to, sb_summary_fn fn, void *ctx, sb_err *err)
{
	if (st == NULL || fn == NULL)
		return sb_err_set(err, SB_EINVAL, "store: query without a store or a callback");
	return st->ops->query_summary(st, layer, name, from, to, fn, ctx, err);
}

/* The core's sb_store_query_summary_newest: the rows of the range come by interface and date,
 * so the last row of each interface is held until the next interface shows. */
typedef struct sb_newest {
	sb_summary_fn fn;
	void *ctx;
	sb_summary_row held;
	char *name, *type, *date, *layer;
	int have;
} sb_newest;

static void sb_newest_drop(sb_newest *n)
{
	sb_free(n->name);
	sb_free(n->type);
	sb_free(n->date);
	sb_free(n->layer);
}

static int sb_newest_row(void *ctx, const sb_summary_row *row)
{
	sb_newest *n = ctx;
	int rc = SB_OK;
	if (n->have && (strcmp(n->name, row->name) != 0 || strcmp(n->type, row->type) != 0 ||
			strcmp(n->layer, row->layer) != 0))
		rc = n->fn(n->ctx, &n->held);
	sb_newest_drop(n);
	n->held = *row;
	n->held.name = n->name = sb_xstrdup(row->name);
	n->held.type = n->type = sb_xstrdup(row->type);
	n->held.date = n->date = sb_xstrdup(row->date);
	n->held.layer = n->layer = sb_xstrdup(row->layer);
	n->have = 1;
	return rc;
}

int sb_store_query_summary_newest(sb_store *st, const char *from, const char *to, sb_summary_fn fn,
				  void *ctx, sb_err *err)
{
	if (st == NULL || fn == NULL)
		return sb_err_set(err, SB_EINVAL, "store: query without a store or a callback");
	if (st->ops->query_summary_newest != NULL)
		return st->ops->query_summary_newest(st, from, to, fn, ctx, err);
	sb_newest n = {.fn = fn, .ctx = ctx};
	int rc = st->ops->query_summary(st, NULL, NULL, from, to, sb_newest_row, &n, err);
	if (rc == SB_OK && n.have)
		rc = fn(ctx, &n.held);
	sb_newest_drop(&n);
	return rc;
}

int sb_store_newest_summary(sb_store *st, const char *layer, const char *before, char out[11],
			    sb_err *err)
{
	out[0] = '\0';
	if (st == NULL || layer == NULL || before == NULL)
		return sb_err_set(err, SB_EINVAL,
				  "store: newest summary without a store or a layer");
	return st->ops->newest_summary(st, layer, before, out, err);
}

int sb_store_query_history(sb_store *st, const sb_schema *schema, const char *name,
			   const char *type, const char *from, const char *to, sb_history_fn fn,
			   void *ctx, sb_err *err)
{
	if (st == NULL || fn == NULL)
		return sb_err_set(err, SB_EINVAL, "store: query without a store or a callback");
	int rc = sb_store_check_schema(schema, err);
	return rc != SB_OK ? rc
			   : st->ops->query_history(st, schema, name, type, from, to, fn, ctx, err);
}

/* ---- the records of the monitor's tests ---- */

const char *const sb_store_rec_keys[SB_REC_KEY_COLS] = {"monitor", "link", "timestamp", "date",
							"time"};

size_t sb_store_record_indexes(const sb_rec_decl *d, sb_store_index idx[SB_STORE_MAX_INDEXES])
{
	memset(idx, 0, sizeof(*idx) * SB_STORE_MAX_INDEXES);
	snprintf(idx[0].name, sizeof(idx[0].name), "unique_%s_index", d->stem);
	idx[0].unique = 1;
	idx[0].nfields = 3;
	idx[0].fields[0] = "monitor";
	idx[0].fields[1] = "link";
	idx[0].fields[2] = "timestamp";
	snprintf(idx[1].name, sizeof(idx[1].name), "%s_by_date_index", d->stem);
	idx[1].nfields = 1;
	idx[1].fields[0] = "date";
	return 2;
}

static int sb_store_check_decls(sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	if (n > 0 && decls == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no record declarations given");
	for (size_t i = 0; i < n; i++)
		if (decls[i] == NULL)
			return sb_err_set(err, SB_EINVAL, "store: record declaration %zu missing",
					  i + 1);
	return SB_OK;
}

int sb_store_start_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	int rc = sb_store_check_decls(decls, n, err);
	return rc != SB_OK || n == 0 ? rc : st->ops->start_records(st, decls, n, err);
}

int sb_store_drop_records(sb_store *st, sb_rec_decl *const *decls, size_t n, sb_err *err)
{
	if (st == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open");
	int rc = sb_store_check_decls(decls, n, err);
	return rc != SB_OK || n == 0 ? rc : st->ops->drop_records(st, decls, n, err);
}

int sb_store_put_records(sb_store *st, const sb_rec_decl *d, const sb_rec *rows, size_t n,
			 sb_err *err)
{
	if (st == NULL || d == NULL)
		return sb_err_set(err, SB_EINVAL, "store: not open, or no record declaration");
	if (n == 0)
		return SB_OK;
	if (rows == NULL)
		return sb_err_set(err, SB_EINVAL, "store: no rows given");
	for (size_t i = 0; i < n; i++) {
		const sb_rec *r = &rows[i];
		if (r->date == NULL || r->time == NULL || r->v == NULL)
			return sb_err_set(err, SB_EINVAL,
					  "store: %s row %zu lacks date, time or values", d->table,
					  i + 1);
		for (size_t k = 0; k < d->n; k++) {
			const sb_rec_field *f = &d->f[k];
			int text = f->type == SB_FIELD_STRING || f->type == SB_FIELD_JSON;
			if ((!r->v[k].has && !f->optional) ||
			    (r->v[k].has && text && r->v[k].s == NULL))
				return sb_err_set(err, SB_EINVAL, "store: %s row %zu lacks %s",
						  d->table, i + 1, f->name);
		}
	}
	return st->ops->put_records(st, d, rows, n, err);
}

int sb_store_query_records(sb_store *st, const sb_rec_decl *d, int64_t monitor, int64_t link,
			   int64_t from, int64_t to, sb_rec_fn fn, void *ctx, sb_err *err)
{
	if (st == NULL || fn == NULL || d == NULL)
		return sb_err_set(err, SB_EINVAL,
				  "store: query without a store, a declaration or a callback");
	return st->ops->query_records(st, d, monitor, link, from, to, fn, ctx, err);
}

/* ---- the names of the links ---- */

typedef struct sb_names_acc {
	sb_link_name *v;
	size_t n, cap;
	int64_t at;
} sb_names_acc;

static char *sb_names_text(const sb_rec_val *v)
{
	return v->has && v->s != NULL ? sb_xstrdup(v->s) : NULL;
}

/* Rows come ordered by monitor, link, timestamp: each replaces the link's name until one given
 * at or after a->at is kept. */
static int sb_names_row(void *ctx, const sb_rec *r)
{
	sb_names_acc *a = ctx;
	sb_link_name *l = NULL;
	if (a->n > 0 && a->v[a->n - 1].monitor == r->monitor && a->v[a->n - 1].link == r->link) {
		l = &a->v[a->n - 1];
		if (l->ts >= a->at)
			return SB_OK;
		free(l->name);
		free(l->ip);
		free(l->monitor_name);
	} else {
		sb_grow(&a->v, &a->cap, a->n, sizeof(*a->v));
		l = &a->v[a->n++];
	}
	l->monitor = r->monitor;
	l->link = r->link;
	l->ts = r->ts;
	l->name = sb_names_text(&r->v[0]);
	l->ip = sb_names_text(&r->v[1]);
	l->monitor_name = sb_names_text(&r->v[2]);
	if (l->name == NULL)
		l->name = sb_xstrdup("");
	return SB_OK;
}

int sb_store_link_names(sb_store *st, int64_t monitor, int64_t at, sb_link_name **out, size_t *n,
			sb_err *err)
{
	*out = NULL;
	*n = 0;
	sb_rec_decl *d = sb_rec_names_decl();
	sb_names_acc a = {.at = at};
	/* every time a record may carry (2000 to 2100), as a number any MongoDB peer reads */
	int rc = sb_store_query_records(st, d, monitor, -1, 0, INT64_C(4102444800), sb_names_row,
					&a, err);
	sb_rec_decl_unref(d);
	if (rc != SB_OK) {
		sb_link_names_free(a.v, a.n);
		return rc;
	}
	*out = a.v;
	*n = a.n;
	return SB_OK;
}

void sb_link_names_free(sb_link_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].ip);
		free(v[i].monitor_name);
	}
	free(v);
}

const sb_link_name *sb_link_names_find(const sb_link_name *v, size_t n, int64_t monitor,
				       int64_t link)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].monitor < monitor || (v[mid].monitor == monitor && v[mid].link < link))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].monitor == monitor && v[lo].link == link ? &v[lo] : NULL;
}
