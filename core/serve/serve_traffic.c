/* serve_traffic.c - the traffic API: an interface's samples and days (the layers overview is
 * serve_find.c's). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/period.h"
#include "base/stats.h"
#include "base/timeutil.h"
#include "format/sources.h"
#include "serve/serve_impl.h"

static sb_date sb_yesterday(void)
{
	return sb_date_add(sb_date_today(), -1);
}

/* ---- /api/interface ---- */

typedef struct sb_series {
	int64_t *t, *in_avg, *out_avg, *in_max, *out_max;
	size_t n, cap;
	double capacity;
	int unordered; /* a row's instant is not after the previous one's */
	int too_many;
	size_t max;
} sb_series;

static int sb_series_row(void *ctx, const sb_history_row *row)
{
	sb_series *s = ctx;
	if (s->n == s->max) {
		s->too_many = 1;
		return SB_ETOOBIG;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->t = sb_xrealloc(s->t, s->cap * sizeof(int64_t));
		s->in_avg = sb_xrealloc(s->in_avg, s->cap * sizeof(int64_t));
		s->out_avg = sb_xrealloc(s->out_avg, s->cap * sizeof(int64_t));
		s->in_max = sb_xrealloc(s->in_max, s->cap * sizeof(int64_t));
		s->out_max = sb_xrealloc(s->out_max, s->cap * sizeof(int64_t));
	}
	/* rows come by (date, time): the repeated hour of a day whose clock goes back interleaves
	 * (docs/storage.md), so the instants are sorted once the query is over */
	int64_t ts;
	if (sb_time_key_parse(row->date, row->time, &ts) != SB_OK)
		return SB_OK;
	if (s->n > 0 && ts <= s->t[s->n - 1])
		s->unordered = 1;
	s->t[s->n] = ts;
	s->in_avg[s->n] = row->in_avg;
	s->out_avg[s->n] = row->out_avg;
	s->in_max[s->n] = row->in_max;
	s->out_max[s->n] = row->out_max;
	s->capacity = row->capacity;
	s->n++;
	return SB_OK;
}

/* One point of a series being put in time order. */
typedef struct sb_point {
	int64_t t, in_avg, out_avg, in_max, out_max;
} sb_point;

static int sb_point_cmp(const void *a, const void *b)
{
	int64_t x = ((const sb_point *)a)->t, y = ((const sb_point *)b)->t;
	return x < y ? -1 : x > y;
}

/* Puts the points in time order (stable for equal instants, which rows never share). */
static void sb_series_sort(sb_series *s)
{
	if (!s->unordered)
		return;
	sb_point *p = sb_xmalloc(s->n * sizeof(*p));
	for (size_t i = 0; i < s->n; i++)
		p[i] = (sb_point){s->t[i], s->in_avg[i], s->out_avg[i], s->in_max[i],
				  s->out_max[i]};
	qsort(p, s->n, sizeof(*p), sb_point_cmp);
	for (size_t i = 0; i < s->n; i++) {
		s->t[i] = p[i].t;
		s->in_avg[i] = p[i].in_avg;
		s->out_avg[i] = p[i].out_avg;
		s->in_max[i] = p[i].in_max;
		s->out_max[i] = p[i].out_max;
	}
	free(p);
}

static void sb_series_free(sb_series *s)
{
	free(s->t), free(s->in_avg), free(s->out_avg), free(s->in_max), free(s->out_max);
}

static void sb_json_int_array(sb_json *j, const char *key, const int64_t *v, size_t n)
{
	sb_json_key(j, key);
	sb_json_arr(j);
	for (size_t i = 0; i < n; i++)
		sb_json_int(j, v[i]);
	sb_json_arr_end(j);
}

/* The 95th percentile of v by the report's rank rule (v copied, not reordered). */
static int64_t sb_p95(const int64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	int64_t *c = sb_xmalloc(n * sizeof(*c));
	memcpy(c, v, n * sizeof(*c));
	int64_t p = sb_stats_percentile_i64(c, n, 95);
	free(c);
	return p;
}

typedef struct sb_days {
	sb_json *j;
	const char *type;
	int in_only;
	size_t n;
	double capacity; /* the newest day's */
} sb_days;

static int sb_day_row(void *ctx, const sb_summary_row *row)
{
	sb_days *d = ctx;
	if (d->type != NULL && strcmp(d->type, row->type) != 0)
		return SB_OK;
	d->n++;
	d->capacity = row->capacity;
	sb_json *j = d->j;
	sb_json_obj(j);
	sb_json_kstr(j, "date", row->date);
	sb_json_kstr(j, "type", row->type);
	sb_json_knum(j, "capacity", row->capacity);
	sb_json_knum(j, "in_prom", row->in_prom);
	sb_json_knum(j, "in_max_prom", row->in_max_prom);
	if (!d->in_only) {
		sb_json_knum(j, "out_prom", row->out_prom);
		sb_json_knum(j, "out_max_prom", row->out_max_prom);
		sb_json_knum_if(j, "use", row->has_use, row->use);
	}
	sb_json_key(j, "samples");
	if (row->samples >= 0)
		sb_json_int(j, row->samples);
	else
		sb_json_null(j);
	sb_json_kint(j, "resolution", row->resolution > 0 ? row->resolution : SB_RES_5MIN);
	sb_json_obj_end(j);
	return SB_OK;
}

/* Any summary of the interface (of its type when one is given), outside the range too: counts
 * them and keeps the newest capacity. */
static int sb_any_day_row(void *ctx, const sb_summary_row *row)
{
	sb_days *d = ctx;
	if (d->type != NULL && strcmp(d->type, row->type) != 0)
		return SB_OK;
	d->n++;
	d->capacity = row->capacity;
	return SB_OK;
}

/* ---- where 5-minute samples are missing: MRTG's coarser lines ---- */

/* A span of time drawn, [a, b). */
typedef struct sb_span {
	int64_t a, b;
} sb_span;

/* The spans drawn: sorted, disjoint. */
typedef struct sb_spans {
	sb_span *v;
	size_t n, cap;
} sb_spans;

static int sb_span_cmp(const void *x, const void *y)
{
	int64_t p = ((const sb_span *)x)->a, q = ((const sb_span *)y)->a;
	return p < q ? -1 : p > q;
}

/* The start of the span a sample or line stamped ts at resolution res stands for: the
 * resolution before it, or for a section's partial line, off the multiples of its resolution in
 * UTC, the time since the multiple below it (docs/mrtg.md). */
static int64_t sb_span_start(int64_t ts, int64_t res)
{
	int64_t off = ts % res;
	return off != 0 ? ts - off : ts - res;
}

/* Adds the spans of the n instants t (ascending) at resolution step and merges them with those
 * drawn so far. */
static void sb_spans_add(sb_spans *sp, const int64_t *t, size_t n, int64_t step)
{
	if (n == 0)
		return; /* nothing to add (and sp->v may still be NULL, which qsort must not get) */
	if (sp->n + n > sp->cap) {
		sp->cap = sp->n + n;
		sp->v = sb_xrealloc(sp->v, sp->cap * sizeof(*sp->v));
	}
	for (size_t i = 0; i < n; i++)
		sp->v[sp->n++] = (sb_span){sb_span_start(t[i], step), t[i]};
	qsort(sp->v, sp->n, sizeof(*sp->v), sb_span_cmp);
	size_t k = 0;
	for (size_t i = 0; i < sp->n; i++) {
		if (k > 0 && sp->v[i].a <= sp->v[k - 1].b) {
			if (sp->v[i].b > sp->v[k - 1].b)
				sp->v[k - 1].b = sp->v[i].b;
		} else {
			sp->v[k++] = sp->v[i];
		}
	}
	sp->n = k;
}

/* 1 when [a, b) meets a span drawn. */
static int sb_spans_meet(const sb_spans *sp, int64_t a, int64_t b)
{
	size_t lo = 0, hi = sp->n; /* the first span ending after a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sp->v[mid].b <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sp->n && sp->v[lo].a < b;
}

/* The lines of one coarser resolution drawn where nothing finer is. */
typedef struct sb_coarse_lines {
	sb_series s;
	const sb_spans *finer;
	int64_t start, end; /* the range */
	int32_t res;
} sb_coarse_lines;

static int sb_coarse_row(void *ctx, const sb_history_row *row)
{
	sb_coarse_lines *c = ctx;
	int64_t ts;
	if (sb_time_key_parse(row->date, row->time, &ts) != SB_OK)
		return SB_OK;
	int64_t a = sb_span_start(ts, c->res);
	if (ts <= c->start || a >= c->end || sb_spans_meet(c->finer, a, ts))
		return SB_OK;
	return sb_series_row(&c->s, row);
}

/* The interface's lines of MRTG's coarser sections over [start, end) wherever no finer data is
 * drawn: 5-minute samples first, then 30-minute lines, then 2-hour, then 1-day lines, each
 * standing for its span (sb_span_start). As "coarse": [{resolution, label, t, in_avg,
 * in_max, out_avg, out_max}] (the resolutions drawn). *lines gets how many. */
static int sb_coarse_json(sb_store *st, const sb_schema *sc, const char *name, const char *type,
			  sb_date from, sb_date to, int64_t start, int64_t end,
			  const sb_series *fine, sb_json *j, size_t *lines, sb_err *err)
{
	sb_spans drawn = {0};
	sb_spans_add(&drawn, fine->t, fine->n, SB_RES_5MIN);
	/* the range's last lines are stamped on the next day */
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(sb_date_add(to, 1), ts);
	size_t most = (size_t)(end - start) / SB_RES_30MIN + 2 * SB_COARSE_N + 2;
	int rc = SB_OK;
	*lines = 0;
	sb_json_key(j, "coarse");
	sb_json_arr(j);
	for (int k = 0; k < SB_COARSE_N && rc == SB_OK; k++) {
		sb_coarse_schema cs;
		if (sb_schema_coarse(sc, sb_coarse_res[k], &cs) != 0)
			continue;
		sb_coarse_lines c = {.s = {.max = most},
				     .finer = &drawn,
				     .start = start,
				     .end = end,
				     .res = sb_coarse_res[k]};
		rc = sb_store_query_history(st, &cs.schema, name, type, fs, ts, sb_coarse_row, &c,
					    err);
		if (rc == SB_OK && c.s.n > 0) {
			sb_series_sort(&c.s);
			sb_spans_add(&drawn, c.s.t, c.s.n, c.res);
			*lines += c.s.n;
			sb_json_obj(j);
			sb_json_kint(j, "resolution", c.res);
			sb_json_kstr(j, "label", sb_res_label(c.res));
			sb_json_int_array(j, "t", c.s.t, c.s.n);
			sb_json_int_array(j, "in_avg", c.s.in_avg, c.s.n);
			sb_json_int_array(j, "in_max", c.s.in_max, c.s.n);
			if (!sc->in_only) {
				sb_json_int_array(j, "out_avg", c.s.out_avg, c.s.n);
				sb_json_int_array(j, "out_max", c.s.out_max, c.s.n);
			}
			sb_json_obj_end(j);
		}
		sb_series_free(&c.s);
	}
	sb_json_arr_end(j);
	free(drawn.v);
	return rc;
}

void sb_api_interface(sb_req *r)
{
	const char *lname = sb_req_arg(r, "layer"), *name = sb_req_arg(r, "name");
	const char *type = sb_req_arg(r, "type");
	if (type != NULL && *type == '\0')
		type = NULL;
	const sb_schema *sc = sb_srv_layer(r->srv, lname);
	if (lname == NULL || name == NULL || *name == '\0') {
		sb_reply_error(r, 400, "layer and name are required");
		return;
	}
	if (sc == NULL) {
		sb_reply_error(r, 400, "layer: no layer %s", lname);
		return;
	}
	if (strlen(name) > SB_SOURCE_NAME_MAX ||
	    (type != NULL && strlen(type) > SB_SOURCE_TYPE_MAX)) {
		sb_reply_error(r, 400, "name or type too long");
		return;
	}
	sb_date to, from, newest = sb_yesterday();
	const char *tov = sb_req_arg(r, "to");
	char nd[11];
	sb_err err = {0};
	if (tov == NULL || *tov == '\0') { /* the default range ends on the newest day with data */
		if (sb_srv_default_day(r->srv, nd, &err) != SB_OK) {
			sb_reply_store_error(r, &err);
			return;
		}
		sb_date_parse(nd, &newest);
	}
	if (sb_req_date(r, "to", newest, &to) != SB_OK ||
	    sb_req_date(r, "from", sb_date_add(to, -6), &from) != SB_OK)
		return;
	long days = sb_period_days(from, to);
	if (days <= 0) {
		sb_reply_error(r, 400, "from is after to");
		return;
	}
	if (days > r->srv->o->max_range_days) {
		sb_reply_error(r, 400, "at most %ld days of samples at once",
			       r->srv->o->max_range_days);
		return;
	}
	int64_t start, end, u0, u1;
	sb_date_bounds(from, &start, &u0);
	sb_date_bounds(to, &u1, &end);
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	if (sb_reply_cached(r))
		return;

	sb_store *st = sb_srv_store(r->srv, &err);
	if (st == NULL) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_series s = {.max = (size_t)days * 300 * 4};
	int rc = sb_store_query_history(st, sc, name, type, fs, ts, sb_series_row, &s, &err);
	sb_json j;
	sb_json_init(&j, 0);
	if (rc == SB_OK || s.too_many) {
		const sb_settings *set = r->srv->o->s;
		sb_series_sort(&s);
		rc = SB_OK;
		sb_json_obj(&j);
		sb_json_kstr(&j, "layer", sc->layer);
		sb_json_kstr(&j, "name", name);
		sb_json_kstr(&j, "type", type);
		sb_json_kbool(&j, "in_only", sc->in_only);
		sb_json_knum(&j, "factor", sc->in_only ? 1.0 : set->factor);
		sb_json_kstr(&j, "unit", sc->in_only ? "IPs" : "Gbps");
		sb_json_kstr(&j, "from", fs);
		sb_json_kstr(&j, "to", ts);
		sb_json_kint(&j, "start", start);
		sb_json_kint(&j, "end", end);
		sb_json_kint(&j, "step", 300);
		sb_json_kint(&j, "expected", sb_period_expected_samples(from, to));
		sb_json_kbool(&j, "truncated", s.too_many);
		sb_json_int_array(&j, "t", s.t, s.n);
		sb_json_int_array(&j, "in_avg", s.in_avg, s.n);
		sb_json_int_array(&j, "in_max", s.in_max, s.n);
		if (!sc->in_only) {
			sb_json_int_array(&j, "out_avg", s.out_avg, s.n);
			sb_json_int_array(&j, "out_max", s.out_max, s.n);
		}
		sb_json_key(&j, "p95");
		sb_json_obj(&j);
		int64_t pin = sb_p95(s.in_avg, s.n);
		sb_json_kint(&j, "in", pin);
		if (!sc->in_only) {
			int64_t pout = sb_p95(s.out_avg, s.n);
			sb_json_kint(&j, "out", pout);
			sb_json_kint(&j, "max", pin > pout ? pin : pout);
		}
		sb_json_kint(&j, "samples", (int64_t)s.n);
		sb_json_obj_end(&j);
		size_t lines = 0;
		rc = sb_coarse_json(st, sc, name, type, from, to, start, end, &s, &j, &lines, &err);
		sb_json_key(&j, "daily");
		sb_json_arr(&j);
		sb_days d = {&j, type, sc->in_only, 0, 0};
		if (rc == SB_OK)
			rc = sb_store_query_summary(st, sc->layer, name, fs, ts, sb_day_row, &d,
						    &err);
		sb_json_arr_end(&j);
		/* nothing in the range: is the interface known at all? */
		if (rc == SB_OK && s.n == 0 && lines == 0 && d.n == 0) {
			rc = sb_store_query_summary(st, sc->layer, name, NULL, NULL, sb_any_day_row,
						    &d, &err);
			if (rc == SB_OK && d.n == 0) {
				sb_srv_store_put(r->srv, st);
				sb_series_free(&s);
				sb_json_free(&j);
				sb_reply_error(r, 404,
					       "no interface %s%s%s in %s: the store holds none",
					       name, type != NULL ? " of type " : "",
					       type != NULL ? type : "", sc->layer);
				return;
			}
		}
		/* the capacity of the newest sample, else of the newest day; 0 is unknown */
		sb_json_knum(&j, "capacity", s.n > 0 ? s.capacity : d.capacity);
		sb_json_obj_end(&j);
	}
	sb_srv_store_put(r->srv, st);
	sb_series_free(&s);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_reply_json_cache(r, &j);
}
