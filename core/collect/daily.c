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

/* ---- daily ---- */

typedef struct sb_daily_layer {
	const sb_settings *s;
	const sb_schema *schema;
	sb_summary_row *rows;
	size_t n, cap;
	sb_daily_stats *stats;
} sb_daily_layer;

/* Adds the summary of one interface's n samples; the row takes ownership of name and type. */
static void sb_daily_add(sb_daily_layer *L, const sb_mrtg_sample *v, size_t n, double capacity,
			 int has_capacity, char *name, char *type)
{
	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 256;
		L->rows = sb_xrealloc(L->rows, L->cap * sizeof(*L->rows));
	}
	sb_summary_row *r = &L->rows[L->n++];
	memset(r, 0, sizeof(*r));
	sb_summary_compute(L->schema, v, n, capacity, has_capacity, L->s->factor, r);
	r->name = name;
	r->type = type;
	L->stats->interfaces++;
	L->stats->samples += n;
}

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
		sb_daily_add(L, d.samples, d.n, d.capacity, d.has_capacity, d.name, d.type);
		d.name = NULL; /* now the row's */
		d.type = NULL;
	}
	sb_spool_day_free(&d);
	return SB_OK;
}

/* One interface's samples as the store hands them over (ordered by name, type, date, time). */
typedef struct sb_daily_hist {
	sb_daily_layer *L;
	char *name, *type;
	double capacity;
	sb_mrtg_sample *v;
	size_t n, cap;
} sb_daily_hist;

static void sb_daily_hist_flush(sb_daily_hist *h)
{
	if (h->n > 0)
		sb_daily_add(h->L, h->v, h->n, h->capacity, h->capacity != 0, h->name, h->type);
	else {
		free(h->name);
		free(h->type);
	}
	h->name = NULL;
	h->type = NULL;
	h->n = 0;
}

static int sb_daily_hist_row(void *ctx, const sb_history_row *r)
{
	sb_daily_hist *h = ctx;
	if (h->name == NULL || strcmp(h->name, r->name) != 0 || strcmp(h->type, r->type) != 0) {
		sb_daily_hist_flush(h);
		h->name = sb_xstrdup(r->name);
		h->type = sb_xstrdup(r->type);
		h->capacity = r->capacity;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 300;
		h->v = sb_xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	h->v[h->n++] = (sb_mrtg_sample){0, r->in_avg, r->out_avg, r->in_max, r->out_max};
	return SB_OK;
}

int sb_daily_run(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
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
		rc = sb_spool_list(s->data_dir, m->def->schema->layer, date, sb_daily_file, &L,
				   err);
		const char *from = "the spool";
		if (rc == SB_OK && L.n == 0 && st != NULL) {
			/* already loaded (or collected elsewhere): summarise what the store holds */
			sb_daily_hist h = {.L = &L};
			rc = sb_store_query_history(st, m->def->schema, NULL, NULL, date, date,
						    sb_daily_hist_row, &h, err);
			sb_daily_hist_flush(&h);
			free(h.v);
			from = "the store";
		}
		if (rc == SB_OK && L.n > 0) {
			for (size_t k = 0; k < L.n; k++) {
				L.rows[k].date = date;
				L.rows[k].layer = m->def->schema->layer;
			}
			rc = sb_summary_write(s->data_dir, date, m->def->schema->layer, L.rows, L.n,
					      err);
			if (rc == SB_OK) {
				stats->layers++;
				sb_log(SB_LOG_INFO, "daily",
				       "%s %s: %zu interfaces summarised from %s",
				       m->def->schema->layer, date, L.n, from);
			}
		} else if (rc == SB_OK) {
			sb_log(SB_LOG_INFO, "daily", "%s %s: nothing to summarise in %s",
			       m->def->schema->layer, date,
			       st != NULL ? "the spool or the store" : "the spool");
		}
		for (size_t k = 0; k < L.n; k++) {
			free((char *)L.rows[k].name);
			free((char *)L.rows[k].type);
		}
		free(L.rows);
	}
	return rc;
}
