/* stages.c - daily summaries from the spool, and the updater that moves the spool into the store. */
#include "config.h"

#include "stages.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "spool.h"
#include "summary.h"
#include "timeutil.h"

/* Rows per store call: big enough to amortise a transaction, small enough to bound memory. */
#define SB_BATCH_ROWS 20000

int sb_layer_selected(const sb_layer_filter *f, const char *layer)
{
	if (f == NULL || f->n == 0)
		return 1;
	for (size_t i = 0; i < f->n; i++)
		if (strcasecmp(f->names[i], layer) == 0)
			return 1;
	return 0;
}

const sb_schema **sb_layer_schemas(sb_modules *mods, size_t *n)
{
	const sb_schema **v = sb_xcalloc(mods->n ? mods->n : 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < mods->n; i++)
		if (mods->v[i].enabled && mods->v[i].def->kind == SB_KIND_LAYER)
			v[(*n)++] = mods->v[i].def->schema;
	return v;
}

/* ---- daily ---- */

typedef struct sb_daily_layer {
	const sb_settings *s;
	const sb_schema *schema;
	sb_summary_row *rows;
	size_t n, cap;
	sb_daily_stats *stats;
} sb_daily_layer;

static int sb_daily_file(void *ctx, const char *path, const char *date)
{
	sb_daily_layer *L = ctx;
	(void)date;
	sb_spool_day d;
	sb_err err = {0};
	if (sb_spool_read_day(path, &d, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "daily", "%s (file kept, not summarised)", err.msg);
		L->stats->bad_files++;
		return SB_OK;
	}
	if (d.n > 0) {
		if (L->n == L->cap) {
			L->cap = L->cap ? L->cap * 2 : 256;
			L->rows = sb_xrealloc(L->rows, L->cap * sizeof(*L->rows));
		}
		sb_summary_row *r = &L->rows[L->n++];
		memset(r, 0, sizeof(*r));
		sb_summary_compute(L->schema, d.samples, d.n, d.capacity, d.has_capacity, L->s->factor,
				   r);
		r->name = d.name;   /* ownership moves to the row */
		r->type = d.type;
		d.name = NULL;
		d.type = NULL;
		L->stats->interfaces++;
		L->stats->samples += d.n;
	}
	sb_spool_day_free(&d);
	return SB_OK;
}

int sb_daily_run(const sb_settings *s, sb_modules *mods, const char *date,
		 const sb_layer_filter *layers, sb_daily_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	int rc = SB_OK;
	for (size_t i = 0; i < mods->n && rc == SB_OK; i++) {
		const sb_loaded_module *m = &mods->v[i];
		if (!m->enabled || m->def->kind != SB_KIND_LAYER ||
		    !sb_layer_selected(layers, m->def->schema->layer))
			continue;
		sb_daily_layer L = {.s = s, .schema = m->def->schema, .stats = stats};
		rc = sb_spool_list(s->data_dir, m->def->schema->layer, date, sb_daily_file, &L, err);
		if (rc == SB_OK && L.n > 0) {
			for (size_t k = 0; k < L.n; k++) {
				L.rows[k].date = date;
				L.rows[k].layer = m->def->schema->layer;
			}
			rc = sb_summary_write(s->data_dir, date, m->def->schema->layer, L.rows, L.n, err);
			if (rc == SB_OK) {
				stats->layers++;
				sb_log(SB_LOG_INFO, "daily", "%s %s: %zu interfaces summarised",
				       m->def->schema->layer, date, L.n);
			}
		} else if (rc == SB_OK) {
			sb_log(SB_LOG_INFO, "daily", "%s %s: nothing in the spool to summarise",
			       m->def->schema->layer, date);
		}
		for (size_t k = 0; k < L.n; k++) {
			free((char *)L.rows[k].name);
			free((char *)L.rows[k].type);
		}
		free(L.rows);
	}
	return rc;
}

/* ---- updater data ---- */

typedef struct sb_loader {
	sb_store *st;
	const sb_schema *schema;
	sb_spool_day *days;    /* files of the pending batch */
	char **paths;
	size_t ndays, capdays;
	sb_history_row *rows;
	size_t nrows, caprows;
	sb_load_stats *stats;
	sb_err *err;
} sb_loader;

static void sb_loader_reset(sb_loader *L)
{
	for (size_t i = 0; i < L->ndays; i++) {
		sb_spool_day_free(&L->days[i]);
		free(L->paths[i]);
	}
	L->ndays = 0;
	L->nrows = 0;
}

/* Stores the pending batch; on success removes its files. */
static int sb_loader_flush(sb_loader *L)
{
	if (L->ndays == 0)
		return SB_OK;
	int rc = sb_store_put_history(L->st, L->schema, L->rows, L->nrows, L->err);
	if (rc != SB_OK) {
		L->stats->kept += L->ndays;
		sb_loader_reset(L);
		return rc;
	}
	for (size_t i = 0; i < L->ndays; i++) {
		if (unlink(L->paths[i]) != 0)
			sb_log(SB_LOG_WARNING, "updater", "%s: stored but not removed: %s", L->paths[i],
			       strerror(errno));
		L->stats->files++;
	}
	L->stats->rows += L->nrows;
	sb_loader_reset(L);
	return SB_OK;
}

static int sb_loader_file(void *ctx, const char *path, const char *date)
{
	sb_loader *L = ctx;
	(void)date;
	if (L->ndays == L->capdays) {
		L->capdays = L->capdays ? L->capdays * 2 : 64;
		L->days = sb_xrealloc(L->days, L->capdays * sizeof(*L->days));
		L->paths = sb_xrealloc(L->paths, L->capdays * sizeof(*L->paths));
	}
	sb_spool_day *d = &L->days[L->ndays];
	sb_err e = {0};
	if (sb_spool_read_day(path, d, &e) != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s (file kept)", e.msg);
		L->stats->kept++;
		return SB_OK;
	}
	L->paths[L->ndays++] = sb_xstrdup(path);
	if (L->nrows + d->n > L->caprows) {
		L->caprows = L->nrows + d->n + SB_BATCH_ROWS;
		L->rows = sb_xrealloc(L->rows, L->caprows * sizeof(*L->rows));
	}
	for (size_t i = 0; i < d->n; i++) {
		const sb_mrtg_sample *s = &d->samples[i];
		L->rows[L->nrows++] = (sb_history_row){
			.name = d->name, .type = d->type, .date = d->date, .time = d->times[i],
			.capacity = d->has_capacity ? d->capacity : 0,
			.in_avg = s->in_avg, .out_avg = s->out_avg, .in_max = s->in_max,
			.out_max = s->out_max,
		};
	}
	/* rows borrow the strings of days[i], which stay put when days[] itself moves */
	if (L->nrows >= SB_BATCH_ROWS)
		return sb_loader_flush(L);
	return SB_OK;
}

int sb_updater_data(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		    const sb_layer_filter *layers, sb_load_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	int rc = SB_OK;
	for (size_t i = 0; i < mods->n && rc == SB_OK; i++) {
		const sb_loaded_module *m = &mods->v[i];
		if (!m->enabled || m->def->kind != SB_KIND_LAYER ||
		    !sb_layer_selected(layers, m->def->schema->layer))
			continue;
		sb_loader L = {.st = st, .schema = m->def->schema, .stats = stats, .err = err};
		size_t before = stats->rows;
		rc = sb_spool_list(s->data_dir, m->def->schema->layer, date, sb_loader_file, &L, err);
		if (rc == SB_OK)
			rc = sb_loader_flush(&L);
		sb_loader_reset(&L);
		free(L.days);
		free(L.paths);
		free(L.rows);
		if (rc == SB_OK && stats->rows > before)
			sb_log(SB_LOG_INFO, "updater", "%s: %zu samples stored", m->def->schema->layer,
			       stats->rows - before);
	}
	return rc;
}

/* ---- updater daily ---- */

typedef struct sb_sum_loader {
	sb_store *st;
	sb_load_stats *stats;
	sb_err *err;
} sb_sum_loader;

static int sb_sum_file(sb_sum_loader *L, const char *path)
{
	sb_summary_file f;
	sb_err e = {0};
	if (sb_summary_read(path, &f, &e) != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s (file kept)", e.msg);
		L->stats->kept++;
		return SB_OK;
	}
	int rc = sb_store_put_summary(L->st, f.rows, f.n, L->err);
	if (rc == SB_OK) {
		L->stats->rows += f.n;
		L->stats->files++;
		if (unlink(path) != 0)
			sb_log(SB_LOG_WARNING, "updater", "%s: stored but not removed: %s", path,
			       strerror(errno));
	} else {
		L->stats->kept++;
	}
	sb_summary_file_free(&f);
	return rc;
}

static int sb_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir that end with suffix (or are dates when suffix is NULL). */
static char **sb_names(const char *dir, const char *suffix, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	char **v = NULL;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		sb_date dd;
		int keep = suffix != NULL
			? len > strlen(suffix) && strcmp(e->d_name + len - strlen(suffix), suffix) == 0
			: sb_date_parse(e->d_name, &dd) == SB_OK;
		if (!keep || e->d_name[0] == '.')
			continue;
		v = sb_xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = sb_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), sb_cmp_names);
	return v;
}

int sb_updater_daily(const sb_settings *s, sb_store *st, const char *date, sb_load_stats *stats,
		     sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	char *base = sb_fs_join(s->data_dir, "SCAN/DAILY_SUMMARY");
	size_t ndates = 0;
	char **dates = date != NULL ? NULL : sb_names(base, NULL, &ndates);
	if (date != NULL) {
		dates = sb_xmalloc(sizeof(*dates));
		dates[0] = sb_xstrdup(date);
		ndates = 1;
	}
	sb_sum_loader L = {.st = st, .stats = stats, .err = err};
	int rc = SB_OK;
	for (size_t i = 0; i < ndates; i++) {
		char *dir = sb_fs_join(base, dates[i]);
		size_t nfiles = 0;
		char **files = sb_names(dir, ".tsv", &nfiles);
		for (size_t k = 0; k < nfiles; k++) {
			if (rc == SB_OK) {
				char *path = sb_fs_join(dir, files[k]);
				rc = sb_sum_file(&L, path);
				free(path);
			}
			free(files[k]);
		}
		free(files);
		rmdir(dir); /* only succeeds once empty */
		free(dir);
		free(dates[i]);
	}
	free(dates);
	free(base);
	return rc;
}
