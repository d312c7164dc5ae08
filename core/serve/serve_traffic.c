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
		sb_json_key(j, "use");
		if (row->has_use)
			sb_json_num(j, row->use);
		else
			sb_json_null(j);
	}
	sb_json_key(j, "samples");
	if (row->samples >= 0)
		sb_json_int(j, row->samples);
	else
		sb_json_null(j);
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
		sb_json_key(&j, "daily");
		sb_json_arr(&j);
		sb_days d = {&j, type, sc->in_only, 0, 0};
		rc = sb_store_query_summary(st, sc->layer, name, fs, ts, sb_day_row, &d, &err);
		sb_json_arr_end(&j);
		/* nothing in the range: is the interface known at all? */
		if (rc == SB_OK && s.n == 0 && d.n == 0) {
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
