/* serve_traffic.c - the traffic API: layers overview, an interface's samples and days. */
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

/* ---- /api/layers ---- */

/* One interface of a layer: its newest summary in the window, and whether that is the day asked. */
typedef struct sb_iface {
	char *name, *type;
	char date[11];
	double capacity, in_prom, in_max_prom, out_prom, out_max_prom, use;
	int has_use;
	long samples;
} sb_iface;

typedef struct sb_iface_list {
	sb_iface *v;
	size_t n, cap;
} sb_iface_list;

static int sb_iface_row(void *ctx, const sb_summary_row *row)
{
	sb_iface_list *l = ctx;
	sb_iface *last = l->n > 0 ? &l->v[l->n - 1] : NULL;
	if (last == NULL || strcmp(last->name, row->name) != 0 ||
	    strcmp(last->type, row->type) != 0) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->v = sb_xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		last = &l->v[l->n++];
		memset(last, 0, sizeof(*last));
		last->name = sb_xstrdup(row->name);
		last->type = sb_xstrdup(row->type);
	}
	/* rows come by date within an interface: the last one is the newest */
	snprintf(last->date, sizeof(last->date), "%s", row->date);
	last->capacity = row->capacity;
	last->in_prom = row->in_prom;
	last->in_max_prom = row->in_max_prom;
	last->out_prom = row->out_prom;
	last->out_max_prom = row->out_max_prom;
	last->use = row->use;
	last->has_use = row->has_use;
	last->samples = row->samples;
	return SB_OK;
}

static void sb_iface_list_free(sb_iface_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].type);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int sb_iface_by_use(const void *a, const void *b)
{
	const sb_iface *x = *(sb_iface *const *)a, *y = *(sb_iface *const *)b;
	if (x->use != y->use)
		return x->use < y->use ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void sb_iface_json(sb_json *j, const sb_iface *f, int in_only)
{
	sb_json_obj(j);
	sb_json_kstr(j, "name", f->name);
	sb_json_kstr(j, "type", f->type);
	sb_json_kstr(j, "date", f->date);
	sb_json_knum(j, "capacity", f->capacity);
	sb_json_knum(j, "in_prom", f->in_prom);
	sb_json_knum(j, "in_max_prom", f->in_max_prom);
	if (!in_only) {
		sb_json_knum(j, "out_prom", f->out_prom);
		sb_json_knum(j, "out_max_prom", f->out_max_prom);
		sb_json_key(j, "use");
		if (f->has_use)
			sb_json_num(j, f->use);
		else
			sb_json_null(j);
	}
	sb_json_key(j, "samples");
	if (f->samples >= 0)
		sb_json_int(j, f->samples);
	else
		sb_json_null(j);
	sb_json_obj_end(j);
}

/* The newest date with a daily summary: the max of the dates seen. */
static int sb_newest_row(void *ctx, const sb_summary_row *row)
{
	char *newest = ctx;
	if (strcmp(row->date, newest) > 0)
		snprintf(newest, 11, "%s", row->date);
	return SB_OK;
}

/* The newest day with summaries up to day (at most 400 days back, looking further only when
 * nearer days have none); *day stays when there is none. */
static int sb_newest_day(sb_store *st, sb_date *day, sb_err *err)
{
	static const int back[] = {0, 7, 60, 400};
	char newest[11] = "", from[11], to[11];
	sb_date_format(*day, to);
	int rc = SB_OK;
	for (size_t i = 0; i < SB_ARRAY_SIZE(back) && rc == SB_OK && newest[0] == '\0'; i++) {
		sb_date_format(sb_date_add(*day, -back[i]), from);
		rc = sb_store_query_summary(st, NULL, NULL, from, to, sb_newest_row, newest, err);
	}
	sb_date d;
	if (rc == SB_OK && newest[0] != '\0' && sb_date_parse(newest, &d) == SB_OK)
		*day = d;
	return rc;
}

void sb_api_layers(sb_req *r)
{
	sb_date day;
	if (sb_req_date(r, "date", sb_yesterday(), &day) != SB_OK || sb_reply_cached(r))
		return;
	sb_err err = {0};
	sb_store *st = sb_srv_store(r->srv, &err);
	if (st == NULL) {
		sb_reply_store_error(r, &err);
		return;
	}
	/* without a date: yesterday, or the newest day stored when yesterday has nothing yet */
	if (sb_req_arg(r, "date") == NULL && sb_newest_day(st, &day, &err) != SB_OK) {
		sb_srv_store_put(r->srv, st);
		sb_reply_store_error(r, &err);
		return;
	}
	char dstr[11], from[11];
	sb_date_format(day, dstr);
	sb_date_format(sb_date_add(day, -30), from);
	int64_t expected = sb_period_expected_samples(day, day);
	const sb_settings *set = r->srv->o->s;
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kstr(&j, "date", dstr);
	sb_json_kint(&j, "expected", expected);
	sb_json_knum(&j, "factor", set->factor);
	sb_json_knum(&j, "use_amber", set->use_amber);
	sb_json_knum(&j, "use_red", set->use_red);
	sb_json_kstr(&j, "backend", sb_store_backend(st));
	sb_json_key(&j, "layers");
	sb_json_arr(&j);
	int rc = SB_OK;
	for (size_t i = 0; i < r->srv->nlayers && rc == SB_OK; i++) {
		const sb_schema *sc = r->srv->layers[i];
		sb_iface_list l = {0};
		rc = sb_store_query_summary(st, sc->layer, NULL, from, dstr, sb_iface_row, &l,
					    &err);
		if (rc != SB_OK) {
			sb_iface_list_free(&l);
			break;
		}
		sb_json_obj(&j);
		sb_json_kstr(&j, "layer", sc->layer);
		sb_json_kbool(&j, "in_only", sc->in_only);
		sb_json_key(&j, "interfaces");
		sb_json_arr(&j);
		sb_iface **top = sb_xcalloc(l.n + 1, sizeof(*top));
		size_t ntop = 0;
		for (size_t k = 0; k < l.n; k++) {
			sb_iface_json(&j, &l.v[k], sc->in_only);
			if (strcmp(l.v[k].date, dstr) == 0 && l.v[k].has_use && !sc->in_only)
				top[ntop++] = &l.v[k];
		}
		sb_json_arr_end(&j);
		qsort(top, ntop, sizeof(*top), sb_iface_by_use);
		sb_json_key(&j, "top");
		sb_json_arr(&j);
		for (size_t k = 0; k < ntop && k < 10; k++)
			sb_iface_json(&j, top[k], sc->in_only);
		sb_json_arr_end(&j);
		free(top);
		/* short days: fewer samples than the day has, or no summary at all that day */
		sb_json_key(&j, "short");
		sb_json_arr(&j);
		for (size_t k = 0; k < l.n; k++) {
			const sb_iface *f = &l.v[k];
			int missing = strcmp(f->date, dstr) != 0;
			if (!missing && (f->samples < 0 || f->samples >= expected))
				continue;
			sb_json_obj(&j);
			sb_json_kstr(&j, "name", f->name);
			sb_json_kstr(&j, "type", f->type);
			sb_json_kint(&j, "samples", missing ? 0 : f->samples);
			sb_json_kstr(&j, "last", f->date);
			sb_json_obj_end(&j);
		}
		sb_json_arr_end(&j);
		sb_json_obj_end(&j);
		sb_iface_list_free(&l);
	}
	sb_srv_store_put(r->srv, st);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	sb_reply_json_cache(r, &j);
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
} sb_days;

static int sb_day_row(void *ctx, const sb_summary_row *row)
{
	sb_days *d = ctx;
	if (d->type != NULL && strcmp(d->type, row->type) != 0)
		return SB_OK;
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
	sb_date to, from;
	if (sb_req_date(r, "to", sb_yesterday(), &to) != SB_OK ||
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
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	if (sb_reply_cached(r))
		return;

	sb_err err = {0};
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
		sb_json_knum(&j, "capacity", s.capacity);
		sb_json_kstr(&j, "from", fs);
		sb_json_kstr(&j, "to", ts);
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
		sb_days d = {&j, type, sc->in_only};
		rc = sb_store_query_summary(st, sc->layer, name, fs, ts, sb_day_row, &d, &err);
		sb_json_arr_end(&j);
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
