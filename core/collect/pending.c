/* pending.c - what the spool still holds: days not yet stored, temporary files, stored or not. */
#include "config.h"

#include "collect/pending.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "format/coarse.h"
#include "format/spool.h"
#include "format/summary.h"

int sb_pending_is_temp(const char *name)
{
	const char *p = strstr(name, ".tmp.");
	if (p == NULL || p == name)
		return 0;
	const char *last = NULL;
	while (p != NULL) { /* the last ".tmp." of the name */
		last = p;
		p = strstr(p + 1, ".tmp.");
	}
	const char *d = last + 5;
	if (*d == '\0')
		return 0;
	for (; *d != '\0'; d++)
		if (*d < '0' || *d > '9')
			return 0;
	return 1;
}

/* Removes temp files in dir and, down to depth more levels, in its folders (hidden ones too). */
static void sb_pending_clean_dir(const char *dir, int depth, size_t *removed)
{
	const sb_fs_filter temps = {.hidden = 1, .type = SB_FS_FILE, .keep = sb_pending_is_temp};
	char **names = NULL;
	size_t n = 0;
	sb_fs_list_filter(dir, &temps, &names, &n, NULL);
	for (size_t i = 0; i < n; i++) {
		char *p = sb_fs_join(dir, names[i]);
		if (unlink(p) == 0)
			(*removed)++;
		else
			sb_log(SB_LOG_WARNING, "spool", "%s: a temporary file not removed: %s", p,
			       strerror(errno));
		free(p);
	}
	sb_fs_list_free(names, n);
	if (depth <= 0)
		return;
	const sb_fs_filter dirs = {.hidden = 1, .type = SB_FS_DIR};
	sb_fs_list_filter(dir, &dirs, &names, &n, NULL);
	for (size_t i = 0; i < n; i++) {
		char *p = sb_fs_join(dir, names[i]);
		sb_pending_clean_dir(p, depth - 1, removed);
		free(p);
	}
	sb_fs_list_free(names, n);
}

size_t sb_pending_clean_temps(const char *data_dir)
{
	char *base = sb_fs_join(data_dir, "SCAN");
	size_t removed = 0;
	sb_pending_clean_dir(base, 2, &removed); /* SCAN/<LAYER>/<DATE>/file */
	free(base);
	return removed;
}

static int sb_pending_is_date(const char *name)
{
	sb_date d;
	return sb_date_parse(name, &d) == SB_OK;
}

/* Adds to *v the dates under base that hold at least one spool or summary file. */
static void sb_pending_add_dates(const char *base, char ***v, size_t *n)
{
	size_t ndates = 0;
	char **dates = sb_fs_list(base, sb_pending_is_date, &ndates);
	for (size_t i = 0; i < ndates; i++) {
		char *dir = sb_fs_join(base, dates[i]);
		size_t nfiles = 0;
		const sb_fs_filter spool = {.hidden = 1, .keep = sb_spool_is_file}; /* as spool.h */
		char **files = NULL;
		sb_fs_list_filter(dir, &spool, &files, &nfiles, NULL);
		sb_fs_list_free(files, nfiles);
		free(dir);
		if (nfiles == 0)
			continue;
		*v = sb_xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = sb_xstrdup(dates[i]);
	}
	sb_fs_list_free(dates, ndates);
}

static int sb_pending_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sb_pending_dates(const sb_settings *s, sb_modules *mods, const sb_layer_filter *layers,
			size_t *n)
{
	char **v = NULL;
	*n = 0;
	const sb_loaded_module *m;
	for (size_t i = 0; (m = sb_layers_next(mods, layers, &i)) != NULL;) {
		char *base = sb_xasprintf("%s/SCAN/%s", s->data_dir, m->def->schema->layer);
		sb_pending_add_dates(base, &v, n);
		free(base);
	}
	char *base = sb_fs_join(s->data_dir, "SCAN/DAILY_SUMMARY");
	sb_pending_add_dates(base, &v, n);
	free(base);
	if (*n == 0)
		return v;
	qsort(v, *n, sizeof(*v), sb_pending_strcmp);
	size_t k = 1;
	for (size_t i = 1; i < *n; i++) {
		if (strcmp(v[i], v[k - 1]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	return v;
}

/* ---- stored or not ---- */

/* The raw samples of one spool file, looked up among the stored rows of its interface's day. */
typedef struct sb_pending_raw {
	const sb_spool_day *d;
	int in_only;
	size_t *order;       /* sample indexes sorted by stored time */
	unsigned char *seen; /* seen[i]: sample i is stored with the same values */
	size_t matched;
} sb_pending_raw;

static int sb_pending_time_cmp(const void *a, const void *b, void *day)
{
	const sb_spool_day *d = day;
	return strcmp(d->times[*(const size_t *)a], d->times[*(const size_t *)b]);
}

static int sb_pending_raw_row(void *ctx, const sb_history_row *r)
{
	sb_pending_raw *c = ctx;
	size_t lo = 0, hi = c->d->n;
	while (lo < hi) { /* the sample stored under r->time, if the file has one */
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->d->times[c->order[mid]], r->time);
		if (cmp == 0) {
			size_t i = c->order[mid];
			const sb_mrtg_sample *s = &c->d->samples[i];
			if (!c->seen[i] && s->in_avg == r->in_avg && s->in_max == r->in_max &&
			    (c->in_only ||
			     (s->out_avg == r->out_avg && s->out_max == r->out_max))) {
				c->seen[i] = 1;
				c->matched++;
			}
			break;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SB_OK;
}

/* Whether one interface's spooled day is stored with the same values: 1 yes, 0 no, or a negative
 * store error. */
static int sb_pending_day_stored(sb_store *st, const sb_schema *schema, const sb_spool_day *d,
				 sb_err *err)
{
	sb_pending_raw c = {.d = d,
			    .in_only = schema->in_only,
			    .order = sb_xmalloc((d->n ? d->n : 1) * sizeof(size_t)),
			    .seen = sb_xcalloc(d->n ? d->n : 1, 1)};
	for (size_t i = 0; i < d->n; i++)
		c.order[i] = i;
	qsort_r(c.order, d->n, sizeof(size_t), sb_pending_time_cmp, (void *)d);
	int rc = sb_store_query_history(st, schema, d->name, d->type, d->date, d->date,
					sb_pending_raw_row, &c, err);
	free(c.order);
	free(c.seen);
	return rc != SB_OK ? rc : c.matched == d->n;
}

/* Notes the first problem the reader met, for the caller's message. */
static void sb_pending_warn(void *ctx, int damaged, const char *msg)
{
	sb_err *err = ctx;
	if (damaged && err != NULL && err->code == SB_OK)
		sb_err_set(err, SB_EPARSE, "%s", msg);
}

static int sb_pending_check_raw(sb_store *st, const sb_schema *schema, const char *path,
				sb_err *err)
{
	sb_spool_reader *r = NULL;
	sb_err bad = {0};
	if (sb_spool_open_file(path, sb_pending_warn, &bad, &r, err) != SB_OK)
		return SB_PENDING_UNREADABLE;
	int out = SB_PENDING_STORED;
	sb_spool_day d;
	int rc;
	while ((rc = sb_spool_next(r, &d, err)) == SB_OK) {
		int stored =
			out == SB_PENDING_STORED ? sb_pending_day_stored(st, schema, &d, err) : 1;
		sb_spool_day_free(&d);
		if (stored < 0) {
			out = stored;
			break;
		}
		if (!stored)
			out = SB_PENDING_UNSTORED;
	}
	if (out >= 0 && rc != SB_OK && rc != SB_ENOTFOUND)
		out = SB_PENDING_UNREADABLE;
	else if (out >= 0 && !sb_spool_file_done(r, 0)) {
		out = SB_PENDING_UNREADABLE;
		if (err != NULL)
			*err = bad;
	}
	sb_spool_close(&r);
	return out;
}

typedef struct sb_pending_sum {
	const sb_summary_file *f;
	unsigned char *seen;
	size_t matched;
} sb_pending_sum;

static int sb_pending_same(double a, double b)
{
	return a == b;
}

static int sb_pending_sum_row(void *ctx, const sb_summary_row *r)
{
	sb_pending_sum *c = ctx;
	for (size_t i = 0; i < c->f->n; i++) {
		const sb_summary_row *w = &c->f->rows[i];
		if (c->seen[i] || strcmp(w->name, r->name) != 0 || strcmp(w->type, r->type) != 0)
			continue;
		int32_t wres = w->resolution > SB_RES_5MIN ? w->resolution : SB_RES_5MIN;
		int32_t rres = r->resolution > SB_RES_5MIN ? r->resolution : SB_RES_5MIN;
		if (rres < wres) { /* a finer summary is stored: the store keeps it, as is done */
			c->seen[i] = 1;
			c->matched++;
		} else if (rres == wres && sb_pending_same(w->in_prom, r->in_prom) &&
			   sb_pending_same(w->in_max_prom, r->in_max_prom) &&
			   sb_pending_same(w->out_prom, r->out_prom) &&
			   sb_pending_same(w->out_max_prom, r->out_max_prom) &&
			   (w->samples < 0 || w->samples == r->samples)) {
			c->seen[i] = 1;
			c->matched++;
		}
		break;
	}
	return SB_OK;
}

static int sb_pending_check_summary(sb_store *st, const char *path, sb_err *err)
{
	sb_summary_file f;
	if (sb_summary_read(path, &f, err) != SB_OK)
		return SB_PENDING_UNREADABLE;
	sb_pending_sum c = {.f = &f, .seen = sb_xcalloc(f.n ? f.n : 1, 1)};
	int rc = sb_store_query_summary(st, f.layer, NULL, f.date, f.date, sb_pending_sum_row, &c,
					err);
	int out = rc != SB_OK ? rc : c.matched == f.n ? SB_PENDING_STORED : SB_PENDING_UNSTORED;
	free(c.seen);
	sb_summary_file_free(&f);
	return out;
}

/* The lines of a backfill file at one resolution, looked up by their stored date and time. */
typedef struct sb_pending_lines {
	const sb_coarse_file *f;
	int in_only;
	size_t *order; /* indexes of the lines of the resolution, sorted by date and time */
	size_t n;
	unsigned char *seen;
	size_t matched;
} sb_pending_lines;

static int sb_pending_line_cmp(const void *a, const void *b, void *file)
{
	const sb_coarse_file *f = file;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(f->dates[x], f->dates[y]);
	return c != 0 ? c : strcmp(f->times[x], f->times[y]);
}

static int sb_pending_line_row(void *ctx, const sb_history_row *r)
{
	sb_pending_lines *c = ctx;
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = c->order[mid];
		int cmp = strcmp(c->f->dates[i], r->date);
		if (cmp == 0)
			cmp = strcmp(c->f->times[i], r->time);
		if (cmp == 0) {
			const sb_mrtg_sample *s = &c->f->lines[i].s;
			if (!c->seen[mid] && s->in_avg == r->in_avg && s->in_max == r->in_max &&
			    (c->in_only ||
			     (s->out_avg == r->out_avg && s->out_max == r->out_max))) {
				c->seen[mid] = 1;
				c->matched++;
			}
			break;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SB_OK;
}

/* The summaries of a backfill file against the stored ones of its interface. */
typedef struct sb_pending_days {
	const sb_coarse_file *f;
	unsigned char *seen;
	size_t matched;
} sb_pending_days;

static int sb_pending_day_row(void *ctx, const sb_summary_row *r)
{
	sb_pending_days *c = ctx;
	if (strcmp(r->type, c->f->type) != 0)
		return SB_OK;
	for (size_t i = 0; i < c->f->nsum; i++) {
		const sb_summary_row *w = &c->f->sums[i];
		if (c->seen[i] || strcmp(w->date, r->date) != 0)
			continue;
		int32_t rres = r->resolution > SB_RES_5MIN ? r->resolution : SB_RES_5MIN;
		if (rres < w->resolution ||
		    (rres == w->resolution && w->in_prom == r->in_prom &&
		     w->in_max_prom == r->in_max_prom && w->out_prom == r->out_prom &&
		     w->out_max_prom == r->out_max_prom && w->samples == r->samples)) {
			c->seen[i] = 1;
			c->matched++;
		}
		break;
	}
	return SB_OK;
}

int sb_pending_check_coarse(sb_store *st, const sb_schema *schema, const char *path, sb_err *err)
{
	sb_coarse_file f;
	if (sb_coarse_read(path, &f, err) != SB_OK)
		return SB_PENDING_UNREADABLE;
	int rc = SB_OK;
	size_t want = 0, matched = 0;
	for (int k = 0; k < SB_COARSE_N && rc == SB_OK; k++) {
		sb_pending_lines c = {.f = &f, .in_only = schema->in_only};
		c.order = sb_xmalloc((f.n ? f.n : 1) * sizeof(size_t));
		const char *lo = NULL, *hi = NULL;
		for (size_t i = 0; i < f.n; i++) {
			if (f.lines[i].res != sb_coarse_res[k])
				continue;
			c.order[c.n++] = i;
			if (lo == NULL || strcmp(f.dates[i], lo) < 0)
				lo = f.dates[i];
			if (hi == NULL || strcmp(f.dates[i], hi) > 0)
				hi = f.dates[i];
		}
		if (c.n > 0) {
			qsort_r(c.order, c.n, sizeof(size_t), sb_pending_line_cmp, &f);
			c.seen = sb_xcalloc(c.n, 1);
			sb_coarse_schema cs;
			sb_schema_coarse(schema, sb_coarse_res[k], &cs);
			rc = sb_store_query_history(st, &cs.schema, f.name, f.type, lo, hi,
						    sb_pending_line_row, &c, err);
			want += c.n;
			matched += c.matched;
			free(c.seen);
		}
		free(c.order);
	}
	if (rc == SB_OK && f.nsum > 0) {
		const char *lo = f.sums[0].date, *hi = f.sums[0].date;
		for (size_t i = 1; i < f.nsum; i++) {
			if (strcmp(f.sums[i].date, lo) < 0)
				lo = f.sums[i].date;
			if (strcmp(f.sums[i].date, hi) > 0)
				hi = f.sums[i].date;
		}
		sb_pending_days c = {.f = &f, .seen = sb_xcalloc(f.nsum, 1)};
		rc = sb_store_query_summary(st, schema->layer, f.name, lo, hi, sb_pending_day_row,
					    &c, err);
		want += f.nsum;
		matched += c.matched;
		free(c.seen);
	}
	sb_coarse_free(&f);
	return rc != SB_OK ? rc : matched == want ? SB_PENDING_STORED : SB_PENDING_UNSTORED;
}

int sb_pending_check(sb_store *st, const sb_schema *schema, const char *path, sb_err *err)
{
	return schema != NULL ? sb_pending_check_raw(st, schema, path, err)
			      : sb_pending_check_summary(st, path, err);
}
