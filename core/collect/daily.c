/* daily.c - the daily stage: each interface's daily summary from its spooled raw samples. */
#include "config.h"

#include "collect/daily.h"

#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "format/spool.h"
#include "format/summary.h"

/* ---- daily ----
 *
 * The summary of an interface's day is computed from every sample the engine holds for it: the
 * spool's (fresh) and the store's (loaded earlier). Re-collecting a day SCAN has partly forgotten
 * therefore never replaces a summary by one of fewer samples. Where both hold a sample (same stored
 * time), the spool's value counts: it is the one the updater is about to store. */

/* One interface's stored samples of the day. */
typedef struct sb_daily_iface {
	char *name, *type;
	double capacity;
	sb_mrtg_sample *v;
	char (*times)[SB_TIME_KEY_SIZE];
	size_t n, cap;
	int used; /* summarised together with a spool file */
} sb_daily_iface;

typedef struct sb_daily_stored {
	sb_daily_iface *v;
	size_t n, cap;
} sb_daily_stored;

typedef struct sb_daily_layer {
	const sb_settings *s;
	const sb_schema *schema;
	const char *date;
	sb_daily_stored stored;
	sb_summary_row *rows;
	size_t n, cap;
	sb_daily_stats *stats;
} sb_daily_layer;

static int sb_daily_stored_row(void *ctx, const sb_history_row *r)
{
	sb_daily_stored *st = ctx;
	sb_daily_iface *f = st->n > 0 ? &st->v[st->n - 1] : NULL;
	if (f == NULL || strcmp(f->name, r->name) != 0 || strcmp(f->type, r->type) != 0) {
		sb_grow(&st->v, &st->cap, st->n, sizeof(*st->v));
		f = &st->v[st->n++];
		*f = (sb_daily_iface){.name = sb_xstrdup(r->name), .type = sb_xstrdup(r->type)};
	}
	if (!sb_time_key_valid(r->time))
		return SB_OK; /* a row no stage writes: not a sample of the grid */
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 300;
		f->v = sb_xrealloc(f->v, f->cap * sizeof(*f->v));
		f->times = sb_xrealloc(f->times, f->cap * sizeof(*f->times));
	}
	f->capacity = r->capacity;
	f->v[f->n] = (sb_mrtg_sample){0, r->in_avg, r->out_avg, r->in_max, r->out_max};
	snprintf(f->times[f->n], sizeof(f->times[f->n]), "%s", r->time);
	f->n++;
	return SB_OK;
}

static int sb_daily_iface_cmp(const void *a, const void *b)
{
	const sb_daily_iface *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->type, y->type);
}

static void sb_daily_stored_free(sb_daily_stored *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i].name);
		free(st->v[i].type);
		free(st->v[i].v);
		free(st->v[i].times);
	}
	sb_free(st->v);
	st->n = 0;
}

static sb_daily_iface *sb_daily_find(sb_daily_stored *st, const char *name, const char *type)
{
	sb_daily_iface key = {.name = (char *)name, .type = (char *)type};
	return st->n > 0 ? bsearch(&key, st->v, st->n, sizeof(*st->v), sb_daily_iface_cmp) : NULL;
}

/* Adds the summary of one interface's n samples; the row takes ownership of name and type.
 * fresh: how many came from the spool (the rest were only in the store). */
static void sb_daily_add(sb_daily_layer *L, const sb_mrtg_sample *v, size_t n, size_t fresh,
			 double capacity, int has_capacity, char *name, char *type)
{
	sb_grow(&L->rows, &L->cap, L->n, sizeof(*L->rows));
	sb_summary_row *r = &L->rows[L->n++];
	memset(r, 0, sizeof(*r));
	sb_summary_compute(L->schema, v, n, capacity, has_capacity, L->s->factor, r);
	r->name = name;
	r->type = type;
	L->stats->interfaces++;
	L->stats->samples += n;
	L->stats->stored_only += n - fresh;
	if (n > fresh)
		sb_log(SB_LOG_INFO, "daily",
		       "%s %s (%s) %s: %zu samples: %zu collected now, %zu already stored",
		       L->schema->layer, name, type, L->date, n, fresh, n - fresh);
}

static int sb_daily_time_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Summarises one interface's spooled day, with the samples the store holds and the spool lacks. */
static void sb_daily_day(sb_daily_layer *L, sb_spool_day *d)
{
	sb_daily_iface *f = sb_daily_find(&L->stored, d->name, d->type);
	size_t n = d->n;
	sb_mrtg_sample *v = d->samples;
	sb_mrtg_sample *merged = NULL;
	if (f != NULL) {
		f->used = 1;
		/* the stored samples the spool lacks, found by their stored time */
		const char **mine = sb_xmalloc((d->n ? d->n : 1) * sizeof(*mine));
		for (size_t i = 0; i < d->n; i++)
			mine[i] = d->times[i];
		qsort(mine, d->n, sizeof(*mine), sb_daily_time_cmp);
		merged = sb_xmalloc((d->n + f->n ? d->n + f->n : 1) * sizeof(*merged));
		memcpy(merged, d->samples, d->n * sizeof(*merged));
		for (size_t i = 0; i < f->n; i++) {
			const char *t = f->times[i];
			if (d->n == 0 ||
			    bsearch(&t, mine, d->n, sizeof(*mine), sb_daily_time_cmp) == NULL)
				merged[n++] = f->v[i];
		}
		free(mine);
		v = merged;
	}
	if (n > 0) {
		sb_daily_add(L, v, n, d->n, d->capacity, d->has_capacity, d->name, d->type);
		d->name = NULL; /* now the row's */
		d->type = NULL;
	}
	free(merged);
}

static void sb_daily_warn(void *ctx, int damaged, const char *msg)
{
	sb_daily_layer *L = ctx;
	L->stats->bad_files += damaged != 0;
	sb_log(damaged ? SB_LOG_ERROR : SB_LOG_WARNING, "daily", "%s (not summarised)", msg);
}

/* Summarises every interface day the spool holds for the layer's date. */
static int sb_daily_spool(sb_daily_layer *L, sb_err *err)
{
	sb_spool_reader *r = NULL;
	int rc =
		sb_spool_open(L->s->data_dir, L->schema->layer, L->date, sb_daily_warn, L, &r, err);
	if (rc != SB_OK)
		return rc;
	sb_spool_day d;
	while ((rc = sb_spool_next(r, &d, err)) == SB_OK) {
		sb_daily_day(L, &d);
		sb_spool_day_free(&d);
	}
	sb_spool_close(&r);
	return rc == SB_ENOTFOUND ? SB_OK : rc;
}

int sb_daily_run(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		 const sb_layer_filter *layers, sb_daily_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	int rc = SB_OK;
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(mods, layers, &i)) != NULL;) {
		const char *layer = m->def->schema->layer;
		sb_daily_layer L = {.s = s, .schema = m->def->schema, .date = date, .stats = stats};
		if (st != NULL) {
			sb_err qerr = {0};
			int qrc = sb_store_query_history(st, m->def->schema, NULL, NULL, date, date,
							 sb_daily_stored_row, &L.stored, &qerr);
			if (qrc != SB_OK) {
				sb_log(SB_LOG_WARNING, "daily",
				       "%s %s: the samples already stored could not be read (%s): "
				       "summarising the spool only; the next run summarises again",
				       layer, date, qerr.msg);
				sb_daily_stored_free(&L.stored);
			}
			if (L.stored.n > 1) /* qsort must not get NULL, even for 0 rows */
				qsort(L.stored.v, L.stored.n, sizeof(*L.stored.v),
				      sb_daily_iface_cmp);
		}
		size_t before = stats->stored_only;
		rc = sb_daily_spool(&L, err);
		size_t from_spool = L.n;
		/* interfaces the store holds and the spool does not (not collected this time) */
		for (size_t k = 0; rc == SB_OK && k < L.stored.n; k++) {
			sb_daily_iface *f = &L.stored.v[k];
			if (f->used || f->n == 0)
				continue;
			sb_daily_add(&L, f->v, f->n, 0, f->capacity, f->capacity != 0, f->name,
				     f->type);
			f->name = NULL;
			f->type = NULL;
		}
		if (rc == SB_OK && L.n > 0) {
			for (size_t k = 0; k < L.n; k++) {
				L.rows[k].date = date;
				L.rows[k].layer = layer;
			}
			rc = sb_summary_write(s->data_dir, date, layer, L.rows, L.n, err);
			if (rc == SB_OK) {
				stats->layers++;
				sb_log(SB_LOG_INFO, "daily",
				       "%s %s: %zu interfaces summarised (%zu from the spool, %zu "
				       "from "
				       "the store alone; %zu samples only in the store)",
				       layer, date, L.n, from_spool, L.n - from_spool,
				       stats->stored_only - before);
			}
		} else if (rc == SB_OK) {
			sb_log(SB_LOG_INFO, "daily", "%s %s: nothing to summarise in %s", layer,
			       date, st != NULL ? "the spool or the store" : "the spool");
		}
		for (size_t k = 0; k < L.n; k++) {
			free((char *)L.rows[k].name);
			free((char *)L.rows[k].type);
		}
		free(L.rows);
		sb_daily_stored_free(&L.stored);
	}
	return rc;
}
