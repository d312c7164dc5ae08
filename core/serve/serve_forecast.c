/* serve_forecast.c - /api/forecast: the capacity forecast of a layer's interfaces
 * (docs/forecast.md), the same computation as the pronostico workbook (store/trend.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/period.h"
#include "serve/serve_impl.h"
#include "store/trend.h"

/* One interface of the answer, kept until they are sorted. */
typedef struct sb_fc_item {
	char *name, *type;
	double capacity, limit;
	sb_forecast p95, peak;
	int64_t cross; /* the crossing's day number; INT64_MAX when none */
} sb_fc_item;

typedef struct sb_fc_list {
	sb_fc_item *v;
	size_t n, cap;
} sb_fc_list;

static int sb_fc_add(void *ctx, const sb_trend *t)
{
	sb_fc_list *l = ctx;
	sb_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	sb_fc_item *x = &l->v[l->n++];
	x->name = sb_xstrdup(t->name);
	x->type = sb_xstrdup(t->type);
	x->capacity = t->capacity;
	x->limit = t->limit;
	x->p95 = t->fit_p95;
	x->peak = t->fit_peak;
	x->cross =
		t->fit_p95.status == SB_FORECAST_DATE ? (int64_t)ceil(t->fit_p95.cross) : INT64_MAX;
	return SB_OK;
}

/* The soonest crossing first; then by name, type. */
static int sb_fc_cmp(const void *a, const void *b)
{
	const sb_fc_item *x = a, *y = b;
	if (x->cross != y->cross)
		return x->cross < y->cross ? -1 : 1;
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->type, y->type);
}

static void sb_fc_fit(sb_json *j, const char *key, const sb_forecast *f)
{
	sb_json_key(j, key);
	sb_json_obj(j);
	sb_json_kint(j, "days", (int64_t)f->n);
	sb_json_knum(j, "slope", f->slope);
	sb_json_knum(j, "r2", f->r2);
	sb_json_knum(j, "last", f->n > 0 ? f->at_last : NAN);
	sb_json_kstr(j, "status", sb_forecast_status_name(f->status));
	sb_json_obj_end(j);
}

void sb_api_forecast(sb_req *r)
{
	const char *ln = sb_req_arg(r, "layer");
	const sb_schema *sc = ln != NULL ? sb_srv_layer(r->srv, ln) : NULL;
	if (sc == NULL || sc->in_only) {
		sb_reply_error(r, 400, "layer: expected a traffic layer");
		return;
	}
	if (sb_reply_cached(r))
		return;
	sb_err err = {0};
	sb_date to = {0};
	const char *dv = sb_req_arg(r, "date");
	if (dv == NULL || *dv == '\0') {
		/* the day the traffic pages show */
		char def[11];
		if (sb_srv_default_day(r->srv, def, &err) != SB_OK) {
			sb_reply_store_error(r, &err);
			return;
		}
		sb_date_parse(def, &to);
	} else if (sb_req_date(r, "date", to, &to) != SB_OK) {
		return;
	}
	const sb_settings *s = r->srv->o->s;
	sb_date from = sb_date_add(to, 1 - (int)s->forecast_days);
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	sb_trend_opts o = {.schema = sc,
			   .from = fs,
			   .to = ts,
			   .factor = s->factor,
			   .threshold = s->forecast_threshold,
			   .rules = sb_forecast_rules_of(s)};
	sb_fc_list l = {0};
	sb_store *st = sb_srv_store(r->srv, &err);
	int rc = st != NULL ? sb_trend_query(st, &o, sb_fc_add, &l, &err) : SB_ESTORE;
	if (st != NULL)
		sb_srv_store_put(r->srv, st);
	if (rc == SB_OK && l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), sb_fc_cmp);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kstr(&j, "layer", sc->layer);
	sb_json_kstr(&j, "from", fs);
	sb_json_kstr(&j, "to", ts);
	sb_json_knum(&j, "threshold", s->forecast_threshold);
	sb_json_kint(&j, "min_days", s->forecast_min_days);
	sb_json_knum(&j, "min_r2", s->forecast_min_r2);
	sb_json_kint(&j, "horizon", s->forecast_horizon);
	sb_json_key(&j, "interfaces");
	sb_json_arr(&j);
	int64_t last = sb_period_daynum(to);
	for (size_t i = 0; i < l.n; i++) {
		const sb_fc_item *x = &l.v[i];
		sb_json_obj(&j);
		sb_json_kstr(&j, "name", x->name);
		sb_json_kstr(&j, "type", x->type);
		sb_json_knum(&j, "capacity", x->capacity > 0 ? x->capacity : NAN);
		sb_json_knum(&j, "limit", x->capacity > 0 ? x->limit : NAN);
		sb_fc_fit(&j, "p95", &x->p95);
		sb_fc_fit(&j, "peak", &x->peak);
		if (x->cross != INT64_MAX) {
			char d[11];
			sb_date_format(sb_date_add((sb_date){1970, 1, 1}, (int)x->cross), d);
			sb_json_kstr(&j, "cross", d);
			sb_json_kint(&j, "until", x->cross - last);
		} else {
			sb_json_kstr(&j, "cross", NULL);
			sb_json_key(&j, "until");
			sb_json_null(&j);
		}
		sb_json_obj_end(&j);
		free(x->name);
		free(x->type);
	}
	free(l.v);
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_reply_json_cache(r, &j);
}
