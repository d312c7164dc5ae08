/* serve_find.c - the interfaces of a day (catalog.h), kept in memory per day: the layers overview
 * with its totals and top lists (/api/layers) and the search over every layer (/api/find, JSON or
 * CSV). A catalogue is built from the daily summaries of the 30 days up to its day and used for
 * SERVE_CACHE_SECONDS; then the first call that finds it old builds the next one while the other
 * calls go on with the old one, so no call but the very first of a day waits for the store. */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/period.h"
#include "base/timeutil.h"
#include "serve/catalog.h"
#include "serve/serve_impl.h"

/* Days kept at once, and how far back a catalogue looks for an interface's newest summary. */
#define SB_CAT_SLOTS 4
#define SB_CAT_WINDOW 30
#define SB_FIND_LIMIT 100
#define SB_FIND_LIMIT_MAX 1000
#define SB_TOP 10

typedef struct sb_cat_slot {
	char day[11];
	sb_cat *cat;
	double built, used; /* sb_time_mono */
	int building;
} sb_cat_slot;

struct sb_catalogs {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sb_cat_slot slot[SB_CAT_SLOTS];
	char newest[11]; /* the default day, found at newest_at */
	double newest_at;
	char backend[16];
};

void sb_catalogs_new(sb_srv *s)
{
	s->cats = sb_xcalloc(1, sizeof(*s->cats));
	pthread_mutex_init(&s->cats->mu, NULL);
	pthread_cond_init(&s->cats->cv, NULL);
}

void sb_catalogs_free(sb_srv *s)
{
	if (s->cats == NULL)
		return;
	for (size_t i = 0; i < SB_CAT_SLOTS; i++)
		sb_cat_unref(s->cats->slot[i].cat);
	pthread_mutex_destroy(&s->cats->mu);
	pthread_cond_destroy(&s->cats->cv);
	free(s->cats);
	s->cats = NULL;
}

/* ---- building ---- */

typedef struct sb_cat_build {
	sb_srv *s;
	sb_cat *cat;
} sb_cat_build;

static int sb_cat_row(void *ctx, const sb_summary_row *row)
{
	sb_cat_build *b = ctx;
	const sb_schema *sc = sb_srv_layer(b->s, row->layer);
	if (sc == NULL)
		return SB_OK; /* a layer without its module is not shown */
	sb_summary_row r = *row;
	r.layer = sc->layer;
	sb_cat_add(b->cat, &r, sc->in_only);
	return SB_OK;
}

/* A new catalogue of day from the store. */
static int sb_cat_build_day(sb_srv *s, const char *day, sb_cat **out, sb_err *err)
{
	sb_date d;
	if (sb_date_parse(day, &d) != SB_OK)
		return sb_err_set(err, SB_EINVAL, "%s: expected a date YYYY-MM-DD", day);
	char from[11];
	sb_date_format(sb_date_add(d, -SB_CAT_WINDOW), from);
	sb_store *st = sb_srv_store(s, err);
	if (st == NULL)
		return err->code != SB_OK ? err->code : SB_ESTORE;
	sb_cat_build b = {s, sb_cat_new(day)};
	int rc = sb_store_query_summary_newest(st, from, day, sb_cat_row, &b, err);
	pthread_mutex_lock(&s->cats->mu);
	snprintf(s->cats->backend, sizeof(s->cats->backend), "%s", sb_store_backend(st));
	pthread_mutex_unlock(&s->cats->mu);
	sb_srv_store_put(s, st);
	if (rc != SB_OK) {
		sb_cat_unref(b.cat);
		return rc;
	}
	sb_cat_finish(b.cat);
	*out = b.cat;
	return SB_OK;
}

static sb_cat_slot *sb_slot_of(struct sb_catalogs *cs, const char *day)
{
	for (size_t i = 0; i < SB_CAT_SLOTS; i++)
		if (strcmp(cs->slot[i].day, day) == 0)
			return &cs->slot[i];
	return NULL;
}

/* A slot for a new day: an empty one, else the least used one not being built; NULL if every
 * slot is being built. */
static sb_cat_slot *sb_slot_free(struct sb_catalogs *cs)
{
	sb_cat_slot *best = NULL;
	for (size_t i = 0; i < SB_CAT_SLOTS; i++) {
		sb_cat_slot *x = &cs->slot[i];
		if (x->building)
			continue;
		if (x->day[0] == '\0')
			return x;
		if (best == NULL || x->used < best->used)
			best = x;
	}
	return best;
}

int sb_srv_catalog(sb_srv *s, const char *day, sb_cat **out, sb_err *err)
{
	double life = (double)s->o->cache_seconds;
	if (life <= 0)
		return sb_cat_build_day(s, day, out, err);
	struct sb_catalogs *cs = s->cats;
	pthread_mutex_lock(&cs->mu);
	for (;;) {
		double now = sb_time_mono();
		sb_cat_slot *x = sb_slot_of(cs, day);
		if (x != NULL && x->cat != NULL) {
			x->used = now;
			if (now - x->built < life || x->building) {
				*out = sb_cat_ref(x->cat);
				pthread_mutex_unlock(&cs->mu);
				return SB_OK;
			}
		} else if (x != NULL) { /* its first catalogue is being built */
			pthread_cond_wait(&cs->cv, &cs->mu);
			continue;
		} else {
			x = sb_slot_free(cs);
			if (x == NULL) {
				pthread_cond_wait(&cs->cv, &cs->mu);
				continue;
			}
			sb_cat_unref(x->cat);
			x->cat = NULL;
			snprintf(x->day, sizeof(x->day), "%s", day);
			x->used = now;
		}
		/* this call builds the day's catalogue; a slot being built is never taken */
		x->building = 1;
		pthread_mutex_unlock(&cs->mu);
		sb_cat *fresh = NULL;
		int rc = sb_cat_build_day(s, day, &fresh, err);
		pthread_mutex_lock(&cs->mu);
		x->building = 0;
		if (rc == SB_OK) {
			sb_cat_unref(x->cat);
			x->cat = fresh;
			x->built = sb_time_mono();
			*out = sb_cat_ref(fresh);
		} else if (x->cat == NULL) {
			x->day[0] = '\0';
		}
		pthread_cond_broadcast(&cs->cv);
		pthread_mutex_unlock(&cs->mu);
		return rc;
	}
}

/* The newest date with a daily summary: the max of the dates seen. */
static int sb_newest_row(void *ctx, const sb_summary_row *row)
{
	char *newest = ctx;
	if (strcmp(row->date, newest) > 0)
		snprintf(newest, 11, "%s", row->date);
	return SB_OK;
}

/* The newest day with summaries up to yesterday (at most 400 days back, looking further only
 * when nearer days have none), else yesterday. */
static int sb_newest_day(sb_srv *s, char out[11], sb_err *err)
{
	static const int back[] = {0, 7, 60, 400};
	sb_date y = sb_date_add(sb_date_today(), -1);
	char newest[11] = "", from[11], to[11];
	sb_date_format(y, to);
	sb_store *st = sb_srv_store(s, err);
	if (st == NULL)
		return err->code != SB_OK ? err->code : SB_ESTORE;
	int rc = SB_OK;
	for (size_t i = 0; i < SB_ARRAY_SIZE(back) && rc == SB_OK && newest[0] == '\0'; i++) {
		sb_date_format(sb_date_add(y, -back[i]), from);
		rc = sb_store_query_summary(st, NULL, NULL, from, to, sb_newest_row, newest, err);
	}
	sb_srv_store_put(s, st);
	if (rc == SB_OK)
		snprintf(out, 11, "%s", newest[0] != '\0' ? newest : to);
	return rc;
}

int sb_srv_default_day(sb_srv *s, char out[11], sb_err *err)
{
	struct sb_catalogs *cs = s->cats;
	double life = (double)s->o->cache_seconds;
	pthread_mutex_lock(&cs->mu);
	int fresh = cs->newest[0] != '\0' && sb_time_mono() - cs->newest_at < life;
	if (fresh)
		snprintf(out, 11, "%s", cs->newest);
	pthread_mutex_unlock(&cs->mu);
	if (fresh)
		return SB_OK;
	int rc = sb_newest_day(s, out, err);
	if (rc == SB_OK) {
		pthread_mutex_lock(&cs->mu);
		snprintf(cs->newest, sizeof(cs->newest), "%s", out);
		cs->newest_at = sb_time_mono();
		pthread_mutex_unlock(&cs->mu);
	}
	return rc;
}

/* The day of the "date" argument, else the default day; 400 answered on a bad date. */
static int sb_req_day(sb_req *r, char day[11])
{
	const char *v = sb_req_arg(r, "date");
	if (v != NULL && *v != '\0') {
		sb_date d;
		if (sb_date_parse(v, &d) != SB_OK) {
			sb_reply_error(r, 400, "date: expected a date YYYY-MM-DD");
			return SB_EINVAL;
		}
		sb_date_format(d, day);
		return SB_OK;
	}
	sb_err err = {0};
	if (sb_srv_default_day(r->srv, day, &err) != SB_OK) {
		sb_reply_store_error(r, &err);
		return SB_ESTORE;
	}
	return SB_OK;
}

/* ---- JSON ---- */

static void sb_item_json(sb_json *j, const sb_cat_item *f, int with_layer)
{
	sb_json_obj(j);
	if (with_layer) {
		sb_json_kstr(j, "layer", f->layer);
		sb_json_kbool(j, "in_only", f->in_only);
	}
	sb_json_kstr(j, "name", f->name);
	sb_json_kstr(j, "type", f->type);
	sb_json_key(j, "router");
	sb_json_strn(j, f->name, f->router_len);
	sb_json_kstr(j, "date", f->date);
	sb_json_kbool(j, "of_day", f->of_day);
	sb_json_knum(j, "capacity", f->capacity);
	sb_json_knum(j, "in_prom", f->in_prom);
	sb_json_knum(j, "in_max_prom", f->in_max_prom);
	if (!f->in_only) {
		sb_json_knum(j, "out_prom", f->out_prom);
		sb_json_knum(j, "out_max_prom", f->out_max_prom);
		sb_json_knum_if(j, "use", f->has_use, f->use);
	}
	sb_json_knum(j, "peak", f->peak);
	sb_json_key(j, "samples");
	if (f->samples >= 0)
		sb_json_int(j, f->samples);
	else
		sb_json_null(j);
	sb_json_kint(j, "resolution", f->resolution);
	sb_json_obj_end(j);
}

static void sb_total_json(sb_json *j, const sb_cat_total *t, int in_only)
{
	sb_json_obj(j);
	if (t->router != NULL) {
		sb_json_key(j, "router");
		sb_json_strn(j, t->router, t->router_len);
	}
	sb_json_kint(j, "interfaces", (int64_t)t->interfaces);
	sb_json_kint(j, "of_day", (int64_t)t->of_day);
	sb_json_knum(j, "capacity", t->capacity);
	sb_json_knum(j, "in_prom", t->in_prom);
	sb_json_knum(j, "in_max_prom", t->in_max_prom);
	if (!in_only) {
		sb_json_knum(j, "out_prom", t->out_prom);
		sb_json_knum(j, "out_max_prom", t->out_max_prom);
		sb_json_knum_if(j, "use_max", t->has_use, t->use_max);
	}
	sb_json_obj_end(j);
}

/* ---- /api/layers ---- */

void sb_api_layers(sb_req *r)
{
	char day[11];
	if (sb_req_day(r, day) != SB_OK || sb_reply_cached(r))
		return;
	const char *lv = sb_req_arg(r, "list");
	int list = 1;
	if (lv != NULL && sb_parse_bool(lv, &list) != SB_OK) {
		sb_reply_error(r, 400, "list: expected 1 or 0");
		return;
	}
	sb_err err = {0};
	sb_cat *c = NULL;
	if (sb_srv_catalog(r->srv, day, &c, &err) != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_date d;
	sb_date_parse(day, &d);
	int64_t expected = sb_period_expected_samples(d, d);
	const sb_settings *set = r->srv->o->s;
	size_t n = sb_cat_count(c);
	size_t *idx = sb_xmalloc((n + 1) * sizeof(*idx));
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kstr(&j, "date", day);
	sb_json_kint(&j, "expected", expected);
	sb_json_knum(&j, "factor", set->factor);
	sb_json_knum(&j, "use_amber", set->use_amber);
	sb_json_knum(&j, "use_red", set->use_red);
	pthread_mutex_lock(&r->srv->cats->mu);
	sb_json_kstr(&j, "backend", r->srv->cats->backend);
	pthread_mutex_unlock(&r->srv->cats->mu);
	sb_json_key(&j, "layers");
	sb_json_arr(&j);
	for (size_t i = 0; i < r->srv->nlayers; i++) {
		const sb_schema *sc = r->srv->layers[i];
		sb_json_obj(&j);
		sb_json_kstr(&j, "layer", sc->layer);
		sb_json_kbool(&j, "in_only", sc->in_only);
		sb_cat_total t;
		sb_cat_layer_total(c, sc->layer, &t);
		sb_json_key(&j, "totals");
		sb_total_json(&j, &t, sc->in_only);
		sb_cat_total *rt = NULL;
		size_t nr = sb_cat_router_totals(c, sc->layer, &rt);
		sb_json_key(&j, "routers");
		sb_json_arr(&j);
		for (size_t k = 0; k < nr; k++)
			sb_total_json(&j, &rt[k], sc->in_only);
		sb_json_arr_end(&j);
		free(rt);
		/* every interface, in natural order */
		sb_cat_query q = {.layer = sc->layer, .key = SB_CAT_NAME};
		size_t all = sb_cat_find(c, &q, 0, n, idx);
		if (list) {
			sb_json_key(&j, "interfaces");
			sb_json_arr(&j);
			for (size_t k = 0; k < all; k++)
				sb_item_json(&j, sb_cat_at(c, idx[k]), 0);
			sb_json_arr_end(&j);
		}
		/* short days: fewer samples than the day has, or no summary at all that day; the
		 * coarsest resolution of the day's summaries */
		int32_t coarsest = SB_RES_5MIN;
		sb_json_key(&j, "short");
		sb_json_arr(&j);
		for (size_t k = 0; k < all; k++) {
			const sb_cat_item *f = sb_cat_at(c, idx[k]);
			if (f->of_day && f->resolution > coarsest)
				coarsest = f->resolution;
			if (f->of_day && (f->samples < 0 || f->samples >= expected))
				continue;
			sb_json_obj(&j);
			sb_json_kstr(&j, "name", f->name);
			sb_json_kstr(&j, "type", f->type);
			sb_json_kint(&j, "samples", f->of_day ? f->samples : 0);
			sb_json_kint(&j, "resolution", f->resolution);
			sb_json_kstr(&j, "last", f->date);
			sb_json_obj_end(&j);
		}
		sb_json_arr_end(&j);
		sb_json_kint(&j, "resolution", coarsest);
		/* the day's highest use: then the peak, then the name */
		sb_json_key(&j, "top");
		sb_json_arr(&j);
		if (!sc->in_only) {
			q = (sb_cat_query){.layer = sc->layer,
					   .of_day = 1,
					   .key = SB_CAT_USE,
					   .desc = 1};
			size_t nt = sb_cat_find(c, &q, 0, SB_TOP, idx);
			for (size_t k = 0; k < nt && k < SB_TOP; k++) {
				const sb_cat_item *f = sb_cat_at(c, idx[k]);
				if (!f->has_use)
					break;
				sb_item_json(&j, f, 0);
			}
		}
		sb_json_arr_end(&j);
		sb_json_obj_end(&j);
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	free(idx);
	sb_cat_unref(c);
	sb_reply_json_cache(r, &j);
}

/* ---- /api/find ---- */

/* A whole-number argument in [0, max]: absent -> def; bad -> 400 answered. */
static int sb_req_count(sb_req *r, const char *name, size_t def, size_t max, size_t *out)
{
	const char *v = sb_req_arg(r, name);
	int64_t n = 0;
	if (v == NULL || *v == '\0') {
		*out = def;
		return SB_OK;
	}
	if (sb_parse_int64(v, &n) != SB_OK || n < 0 || (uint64_t)n > max) {
		sb_reply_error(r, 400, "%s: expected a whole number from 0 to %zu", name, max);
		return SB_EINVAL;
	}
	*out = (size_t)n;
	return SB_OK;
}

/* A growing text (the CSV answer). */
typedef struct sb_text {
	char *p;
	size_t len, cap;
} sb_text;

static void sb_text_put(sb_text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		while (t->len + n + 1 > t->cap)
			t->cap = t->cap ? t->cap * 2 : 4096;
		t->p = sb_xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* One CSV field: quoted when it holds a comma, quote or line break; a text starting with = + -
 * or @ gets a leading apostrophe, so a spreadsheet never reads it as a formula. */
static void sb_csv_text(sb_text *t, const char *s, size_t n)
{
	int quote = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (quote)
		sb_text_put(t, "\"", 1);
	if (n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'))
		sb_text_put(t, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_text_put(t, "\"", 1);
		sb_text_put(t, s + i, 1);
	}
	if (quote)
		sb_text_put(t, "\"", 1);
}

static void sb_csv_num(sb_text *t, int has, double v)
{
	char buf[40];
	int len = has ? snprintf(buf, sizeof(buf), ",%.10g", v) : snprintf(buf, sizeof(buf), ",");
	sb_text_put(t, buf, (size_t)len);
}

/* The matches as CSV, a download named after the day (and the layer when the search had one). */
static void sb_find_csv(sb_req *r, sb_cat *c, const size_t *idx, size_t n, const char *day,
			const char *layer)
{
	sb_text t = {0};
	static const char head[] = "layer,name,type,router,date,capacity_gbps,in_prom,in_max_prom,"
				   "out_prom,out_max_prom,use_pct,samples,resolution_s\r\n";
	sb_text_put(&t, head, sizeof(head) - 1);
	for (size_t i = 0; i < n; i++) {
		const sb_cat_item *f = sb_cat_at(c, idx[i]);
		sb_csv_text(&t, f->layer, strlen(f->layer));
		sb_text_put(&t, ",", 1);
		sb_csv_text(&t, f->name, strlen(f->name));
		sb_text_put(&t, ",", 1);
		sb_csv_text(&t, f->type, strlen(f->type));
		sb_text_put(&t, ",", 1);
		sb_csv_text(&t, f->name, f->router_len);
		sb_text_put(&t, ",", 1);
		sb_text_put(&t, f->date, strlen(f->date));
		sb_csv_num(&t, 1, f->capacity);
		sb_csv_num(&t, 1, f->in_prom);
		sb_csv_num(&t, 1, f->in_max_prom);
		sb_csv_num(&t, !f->in_only, f->out_prom);
		sb_csv_num(&t, !f->in_only, f->out_max_prom);
		sb_csv_num(&t, f->has_use, f->use);
		sb_csv_num(&t, f->samples >= 0, (double)f->samples);
		sb_csv_num(&t, 1, f->resolution);
		sb_text_put(&t, "\r\n", 2);
	}
	char cd[120];
	snprintf(cd, sizeof(cd), "attachment; filename=\"interfaces_%s%s%s.csv\"",
		 layer != NULL ? layer : "", layer != NULL ? "_" : "", day);
	sb_reply_header(r, "Content-Disposition", cd);
	sb_reply(r, 200, "text/csv; charset=utf-8", t.p, t.len);
}

void sb_api_find(sb_req *r)
{
	char day[11];
	if (sb_req_day(r, day) != SB_OK)
		return;
	sb_cat_query q = {.q = sb_req_arg(r, "q"),
			  .layer = sb_req_arg(r, "layer"),
			  .router = sb_req_arg(r, "router"),
			  .type = sb_req_arg(r, "type")};
	if (q.q != NULL && strlen(q.q) > 512) {
		sb_reply_error(r, 400, "q: at most 512 bytes");
		return;
	}
	if (q.layer != NULL && *q.layer == '\0')
		q.layer = NULL;
	if (q.router != NULL && *q.router == '\0')
		q.router = NULL;
	if (q.type != NULL && *q.type == '\0')
		q.type = NULL;
	const sb_schema *lsc = q.layer != NULL ? sb_srv_layer(r->srv, q.layer) : NULL;
	if (q.layer != NULL && lsc == NULL) {
		sb_reply_error(r, 400, "layer: no layer %s", q.layer);
		return;
	}
	const char *sort = sb_req_arg(r, "sort"), *dir = sb_req_arg(r, "dir");
	q.key = SB_CAT_NAME;
	if (sort != NULL && *sort != '\0' && sb_cat_key_parse(sort, &q.key) != SB_OK) {
		sb_reply_error(r, 400,
			       "sort: expected name, layer, type, router, date, capacity, in_prom, "
			       "in_max_prom, out_prom, out_max_prom, peak, use or samples");
		return;
	}
	/* names and dates read upwards by default, figures from the highest */
	q.desc = q.key >= SB_CAT_CAPACITY;
	if (dir != NULL && *dir != '\0') {
		if (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0) {
			sb_reply_error(r, 400, "dir: expected asc or desc");
			return;
		}
		q.desc = strcmp(dir, "desc") == 0;
	}
	const char *ov = sb_req_arg(r, "of_day"), *fmt = sb_req_arg(r, "format");
	if (ov != NULL && *ov != '\0' && sb_parse_bool(ov, &q.of_day) != SB_OK) {
		sb_reply_error(r, 400, "of_day: expected 1 or 0");
		return;
	}
	int csv = 0;
	if (fmt != NULL && *fmt != '\0') {
		if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
			sb_reply_error(r, 400, "format: expected json or csv");
			return;
		}
		csv = strcmp(fmt, "csv") == 0;
	}
	size_t offset = 0, limit = 0;
	if (sb_req_count(r, "offset", 0, 100000000, &offset) != SB_OK ||
	    sb_req_count(r, "limit", SB_FIND_LIMIT, SB_FIND_LIMIT_MAX, &limit) != SB_OK)
		return;
	sb_err err = {0};
	sb_cat *c = NULL;
	if (sb_srv_catalog(r->srv, day, &c, &err) != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	if (csv) { /* every match, in the list's order */
		offset = 0;
		limit = sb_cat_count(c);
	}
	size_t *idx = sb_xmalloc((limit + 1) * sizeof(*idx));
	size_t total = sb_cat_find(c, &q, offset, limit, idx);
	size_t got = total > offset ? total - offset : 0;
	if (got > limit)
		got = limit;
	if (csv) {
		sb_find_csv(r, c, idx, got, day, lsc != NULL ? lsc->layer : NULL);
	} else {
		sb_date d;
		sb_date_parse(day, &d);
		sb_json j;
		sb_json_init(&j, 0);
		sb_json_obj(&j);
		sb_json_kstr(&j, "date", day);
		sb_json_kstr(&j, "q", q.q != NULL ? q.q : "");
		sb_json_kstr(&j, "sort", sb_cat_key_name(q.key));
		sb_json_kstr(&j, "dir", q.desc ? "desc" : "asc");
		sb_json_kint(&j, "offset", (int64_t)offset);
		sb_json_kint(&j, "limit", (int64_t)limit);
		sb_json_kint(&j, "total", (int64_t)total);
		sb_json_kint(&j, "interfaces", (int64_t)sb_cat_count(c));
		sb_json_kint(&j, "expected", sb_period_expected_samples(d, d));
		sb_json_knum(&j, "use_amber", r->srv->o->s->use_amber);
		sb_json_knum(&j, "use_red", r->srv->o->s->use_red);
		sb_json_key(&j, "items");
		sb_json_arr(&j);
		for (size_t i = 0; i < got; i++)
			sb_item_json(&j, sb_cat_at(c, idx[i]), 1);
		sb_json_arr_end(&j);
		sb_json_obj_end(&j);
		sb_reply_json(r, 200, &j);
	}
	free(idx);
	sb_cat_unref(c);
}
