/* serve_probes.c - the probe API of one link: for each test that has records of it in the range,
 * the record's declaration, one series per field of a number type, the availability from the up
 * field with its continuous up/down periods, the hour x day heat map of the headline value, the
 * newest record, the runs where a JSON field (a traceroute's hops) changed, and the state now by
 * the test's interval. No test is known here: everything comes from the declarations of the probe
 * modules (format/record.h). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/avail.h"
#include "base/period.h"
#include "plugin/module.h"
#include "serve/serve_impl.h"

#define SB_MAX_PERIODS 5000
#define SB_MAX_CHANGES 200

/* ---- gathering one test's records ---- */

/* A kept copy of a record: its time and values (strings copied). */
typedef struct sb_lrec {
	int64_t t;
	sb_rec_val *v;
} sb_lrec;

/* A JSON field's runs where its text, numbers left out, changed: each starts a new shape (for a
 * route: new hops), dated by its first run and its last; a shape seen again after another one
 * starts a new entry; the first may have begun before the range. */
typedef struct sb_jchange {
	int64_t t;     /* the first run with this shape */
	int64_t until; /* the last run with it */
	size_t runs;
	char *sig;   /* the text without its numbers */
	char *value; /* the JSON text of its first run */
} sb_jchange;

typedef struct sb_jchanges {
	sb_jchange *v;
	size_t n, cap;
	size_t dropped; /* older entries left out (at most SB_MAX_CHANGES are kept) */
} sb_jchanges;

typedef struct sb_ltest {
	const sb_rec_decl *d;
	int64_t *t;
	double **num; /* per field of a number type: the values (NAN: none) */
	sb_avail_rec *av;
	size_t n, cap, max;
	int too_many;
	sb_lrec last;      /* the newest record */
	sb_jchanges *json; /* per field (JSON fields only) */
} sb_ltest;

static void sb_ltest_free(sb_ltest *lt)
{
	const sb_rec_decl *d = lt->d;
	for (size_t k = 0; k < d->n; k++) {
		free(lt->num[k]);
		for (size_t i = 0; i < lt->json[k].n; i++) {
			free(lt->json[k].v[i].sig);
			free(lt->json[k].v[i].value);
		}
		free(lt->json[k].v);
		if (lt->last.v != NULL &&
		    (d->f[k].type == SB_FIELD_STRING || d->f[k].type == SB_FIELD_JSON))
			free((char *)lt->last.v[k].s);
	}
	free(lt->num);
	free(lt->json);
	free(lt->last.v);
	free(lt->t);
	free(lt->av);
}

/* The JSON text without its numbers: two runs of one route differ only in their RTTs. */
static char *sb_json_shape(const char *s)
{
	size_t n = strlen(s);
	char *out = sb_xmalloc(n + 1), *w = out;
	int in_str = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (in_str) {
			*w++ = *p;
			if (*p == '\\' && p[1] != '\0')
				*w++ = *++p;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"') {
			in_str = 1;
			*w++ = *p;
		} else if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '+' ||
			   *p == 'e' || *p == 'E') {
			continue;
		} else if (*p != ' ') {
			*w++ = *p;
		}
	}
	*w = '\0';
	return out;
}

static void sb_jchanges_add(sb_jchanges *c, int64_t t, const char *value)
{
	char *sig = sb_json_shape(value);
	if (c->n > 0 && strcmp(c->v[c->n - 1].sig, sig) == 0) {
		c->v[c->n - 1].until = t;
		c->v[c->n - 1].runs++;
		free(sig);
		return;
	}
	if (c->n == SB_MAX_CHANGES) { /* keep the newest */
		free(c->v[0].sig);
		free(c->v[0].value);
		memmove(c->v, c->v + 1, (c->n - 1) * sizeof(*c->v));
		c->n--;
		c->dropped++;
	}
	sb_grow(&c->v, &c->cap, c->n, sizeof(*c->v));
	c->v[c->n++] = (sb_jchange){t, t, 1, sig, sb_xstrdup(value)};
}

static int sb_ltest_row(void *ctx, const sb_rec *r)
{
	sb_ltest *lt = ctx;
	const sb_rec_decl *d = lt->d;
	if (lt->n == lt->max) {
		lt->too_many = 1;
		return SB_ETOOBIG;
	}
	if (lt->n == lt->cap) {
		lt->cap = lt->cap ? lt->cap * 2 : 1024;
		lt->t = sb_xrealloc(lt->t, lt->cap * sizeof(*lt->t));
		lt->av = sb_xrealloc(lt->av, lt->cap * sizeof(*lt->av));
		for (size_t k = 0; k < d->n; k++)
			if (sb_rec_numeric(d->f[k].type))
				lt->num[k] = sb_xrealloc(lt->num[k], lt->cap * sizeof(double));
	}
	lt->t[lt->n] = r->ts;
	sb_rec_avail(d, r, &lt->av[lt->n]);
	for (size_t k = 0; k < d->n; k++) {
		const sb_rec_val *v = &r->v[k];
		if (sb_rec_numeric(d->f[k].type))
			lt->num[k][lt->n] = !v->has                           ? NAN
					    : d->f[k].type == SB_FIELD_NUMBER ? v->d
									      : (double)v->i;
		else if (d->f[k].type == SB_FIELD_JSON && v->has)
			sb_jchanges_add(&lt->json[k], r->ts, v->s);
	}
	lt->n++;
	/* the newest record, kept whole */
	if (lt->last.v == NULL)
		lt->last.v = sb_xcalloc(d->n, sizeof(*lt->last.v));
	for (size_t k = 0; k < d->n; k++) {
		int text = d->f[k].type == SB_FIELD_STRING || d->f[k].type == SB_FIELD_JSON;
		if (text)
			free((char *)lt->last.v[k].s);
		lt->last.v[k] = r->v[k];
		if (text && r->v[k].has)
			lt->last.v[k].s = sb_xstrdup(r->v[k].s);
	}
	lt->last.t = r->ts;
	return SB_OK;
}

/* ---- the answer: the rules of base/avail.h ---- */

/* Availability: the share of up records and the continuous periods (at most SB_MAX_PERIODS of
 * them listed; the longest are over all). */
static void sb_availability_json(sb_json *j, const sb_avail_rec *r, size_t n)
{
	sb_avail a;
	sb_avail_compute(r, n, &a);
	sb_json_key(j, "availability");
	sb_json_obj(j);
	sb_json_kint(j, "step", a.step);
	sb_json_kint(j, "records", (int64_t)a.records);
	sb_json_kint(j, "up", (int64_t)a.up);
	sb_json_knum_if(j, "pct", a.records > 0, a.pct);
	sb_json_key(j, "periods");
	sb_json_arr(j);
	for (size_t i = 0; i < a.nperiods && i < SB_MAX_PERIODS; i++) {
		sb_json_obj(j);
		sb_json_kint(j, "start", a.periods[i].start);
		sb_json_kint(j, "end", a.periods[i].end);
		sb_json_kstr(j, "state", sb_avail_state_name(a.periods[i].state));
		sb_json_obj_end(j);
	}
	sb_json_arr_end(j);
	sb_json_kbool(j, "periods_cut", a.nperiods > SB_MAX_PERIODS);
	sb_json_kint(j, "longest_up", a.longest_up);
	sb_json_kint(j, "longest_down", a.longest_down);
	sb_json_obj_end(j);
	sb_avail_free(&a);
}

/* The heat map: per local day (rows) and hour (columns), the median and the highest headline
 * value of the up records (null where there is none) and the mean loss % (null without records),
 * with the hours and days that were up and the cell of now. */
static void sb_heatmap_json(sb_json *j, const sb_avail_rec *r, size_t n, sb_date from, long days,
			    int64_t now)
{
	sb_avail_heat hm;
	sb_avail_heatmap(r, n, from, days, &hm);
	sb_json_key(j, "heatmap");
	sb_json_obj(j);
	/* the cell of now (day * 24 + local hour): the cells after it are still to come */
	char nd[11], nt[9];
	sb_time_local(now, nd, nt);
	sb_date today;
	long now_cell = 0;
	if (sb_date_parse(nd, &today) == SB_OK) {
		long d = sb_period_days(from, today) - 1;
		if (sb_period_days(today, from) > 1)
			now_cell = -1;
		else if (d >= days)
			now_cell = days * 24;
		else
			now_cell = d * 24 + (nt[0] - '0') * 10 + (nt[1] - '0');
	}
	sb_json_kint(j, "now_cell", now_cell);
	sb_json_kint(j, "active_hours", hm.active_hours);
	sb_json_kint(j, "active_days", hm.active_days);
	sb_json_key(j, "days");
	sb_json_arr(j);
	for (long d = 0; d < days; d++) {
		char ds[11];
		sb_date_format(sb_date_add(from, (int)d), ds);
		sb_json_str(j, ds);
	}
	sb_json_arr_end(j);
	const char *keys[] = {"value", "max", "loss"};
	for (int which = 0; which < 3; which++) {
		sb_json_key(j, keys[which]);
		sb_json_arr(j);
		for (long d = 0; d < days; d++) {
			sb_json_arr(j);
			for (int h = 0; h < 24; h++) {
				const sb_avail_cell *c = &hm.cells[d * 24 + h];
				if (which == 0 && c->nrtt > 0)
					sb_json_num(j, round(c->rtt * 1000) / 1000);
				else if (which == 1 && c->nrtt > 0)
					sb_json_num(j, round(c->rtt_max * 1000) / 1000);
				else if (which == 2 && c->records > 0)
					sb_json_num(j, round(c->loss * 100) / 100);
				else
					sb_json_null(j);
			}
			sb_json_arr_end(j);
		}
		sb_json_arr_end(j);
	}
	sb_json_obj_end(j);
	sb_avail_heat_free(&hm);
}

/* The declaration, as the front end draws from it. */
static void sb_decl_json(sb_json *j, const sb_rec_decl *d)
{
	sb_json_kstr(j, "test", d->test);
	sb_json_kstr(j, "table", d->table);
	sb_json_key(j, "fields");
	sb_json_arr(j);
	for (size_t k = 0; k < d->n; k++) {
		const sb_rec_field *f = &d->f[k];
		sb_json_obj(j);
		sb_json_kstr(j, "name", f->name);
		sb_json_kstr(j, "type", sb_rec_type_name(f->type));
		sb_json_kstr(j, "unit", f->unit);
		sb_json_kint(j, "decimals", f->decimals);
		sb_json_kstr(j, "help", f->help);
		sb_json_kbool(j, "optional", f->optional);
		sb_json_obj_end(j);
	}
	sb_json_arr_end(j);
	sb_json_kstr(j, "up", d->up >= 0 ? d->f[d->up].name : NULL);
	sb_json_kstr(j, "headline", d->headline >= 0 ? d->f[d->headline].name : NULL);
	sb_json_kstr(j, "loss", d->loss >= 0 ? d->f[d->loss].name : NULL);
}

/* One value of a record as JSON: JSON fields as their value, the others by type. */
static void sb_value_json(sb_json *j, const sb_rec_field *f, const sb_rec_val *v)
{
	if (!v->has)
		sb_json_null(j);
	else if (f->type == SB_FIELD_NUMBER)
		sb_json_num(j, v->d);
	else if (f->type == SB_FIELD_BOOL)
		sb_json_bool(j, (int)v->i);
	else if (f->type == SB_FIELD_INT)
		sb_json_int(j, v->i);
	else if (f->type == SB_FIELD_JSON)
		sb_json_raw(j, v->s, strlen(v->s));
	else
		sb_json_str(j, v->s);
}

/* The state of a test on the link now, from its newest record: NULL when the range does not reach
 * now (an older range says nothing of now) or the test has no up field. */
static const char *sb_ltest_state(const sb_ltest *lt, long interval, int64_t end, int64_t now)
{
	if (end <= now || lt->d->up < 0)
		return NULL;
	const sb_avail_rec *last = lt->n > 0 ? &lt->av[lt->n - 1] : NULL;
	return sb_link_state(last != NULL, last != NULL ? last->t : 0, last != NULL && last->up,
			     interval, now);
}

static void sb_ltest_json(sb_json *j, const sb_ltest *lt, sb_date from, long days, long interval,
			  const char *state, int64_t now)
{
	const sb_rec_decl *d = lt->d;
	sb_json_obj(j);
	sb_decl_json(j, d);
	sb_json_kint(j, "records", (int64_t)lt->n);
	sb_json_key(j, "interval");
	if (interval > 0)
		sb_json_int(j, interval);
	else
		sb_json_null(j);
	sb_json_kstr(j, "state", state);
	sb_json_key(j, "t");
	sb_json_arr(j);
	for (size_t i = 0; i < lt->n; i++)
		sb_json_int(j, lt->t[i]);
	sb_json_arr_end(j);
	sb_json_key(j, "values");
	sb_json_obj(j);
	for (size_t k = 0; k < d->n; k++) {
		if (!sb_rec_numeric(d->f[k].type))
			continue;
		sb_json_key(j, d->f[k].name);
		sb_json_arr(j);
		for (size_t i = 0; i < lt->n; i++)
			sb_json_num(j, lt->num[k][i]); /* NAN: null */
		sb_json_arr_end(j);
	}
	sb_json_obj_end(j);
	if (d->up >= 0)
		sb_availability_json(j, lt->av, lt->n);
	if (d->headline >= 0)
		sb_heatmap_json(j, lt->av, lt->n, from, days, now);
	sb_json_key(j, "last");
	sb_json_obj(j);
	sb_json_kint(j, "t", lt->last.t);
	for (size_t k = 0; k < d->n; k++) {
		sb_json_key(j, d->f[k].name);
		sb_value_json(j, &d->f[k], &lt->last.v[k]);
	}
	sb_json_obj_end(j);
	sb_json_key(j, "changes");
	sb_json_obj(j);
	for (size_t k = 0; k < d->n; k++) {
		if (d->f[k].type != SB_FIELD_JSON)
			continue;
		sb_json_key(j, d->f[k].name);
		sb_json_arr(j);
		for (size_t i = 0; i < lt->json[k].n; i++) {
			sb_json_obj(j);
			sb_json_kint(j, "t", lt->json[k].v[i].t);
			sb_json_kint(j, "until", lt->json[k].v[i].until);
			sb_json_kint(j, "runs", (int64_t)lt->json[k].v[i].runs);
			sb_json_kbool(j, "from_start", i == 0 && lt->json[k].dropped == 0);
			sb_json_key(j, "value");
			sb_json_raw(j, lt->json[k].v[i].value, strlen(lt->json[k].v[i].value));
			sb_json_obj_end(j);
		}
		sb_json_arr_end(j);
	}
	sb_json_obj_end(j);
	sb_json_obj_end(j);
}

void sb_api_probe_link(sb_req *r)
{
	const char *ms = sb_req_arg(r, "monitor"), *ls = sb_req_arg(r, "link");
	int64_t monitor = 0, link = 0;
	if (ms == NULL || ls == NULL || sb_parse_int64(ms, &monitor) != SB_OK ||
	    sb_parse_int64(ls, &link) != SB_OK || monitor < 0 || link < 0) {
		sb_reply_error(r, 400, "monitor and link are required whole numbers");
		return;
	}
	sb_date to, from;
	if (sb_req_date(r, "to", sb_date_today(), &to) != SB_OK ||
	    sb_req_date(r, "from", sb_date_add(to, -6), &from) != SB_OK)
		return;
	long days = sb_period_days(from, to);
	if (days <= 0) {
		sb_reply_error(r, 400, "from is after to");
		return;
	}
	if (days > r->srv->o->max_range_days) {
		sb_reply_error(r, 400, "at most %ld days at once", r->srv->o->max_range_days);
		return;
	}
	int64_t t0, t1, u0, u1;
	sb_date_bounds(from, &t0, &u0);
	sb_date_bounds(to, &u1, &t1);
	(void)u0;
	(void)u1;

	sb_err err = {0};
	sb_link_rec *links = NULL;
	size_t nlinks = 0;
	sb_monitor_rec m;
	int known = sb_servedb_monitor_get(r->srv->db, monitor, &m, &err) == SB_OK;
	sb_err_clear(&err);
	/* a monitor the user may not see is one that does not exist (one nobody registered here has
	 * no owner to keep it: its results are everyone's, as the workbooks' are) */
	if (known && sb_monitor_access(r, monitor) == SB_ACCESS_NONE) {
		sb_reply_error(r, 404, "no link %" PRId64 " of monitor %" PRId64, link, monitor);
		return;
	}
	if (known && sb_servedb_links(r->srv->db, monitor, &links, &nlinks, &err) != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	const sb_link_rec *lk = NULL;
	for (size_t i = 0; i < nlinks; i++)
		if (links[i].id == link)
			lk = &links[i];

	sb_store *st = sb_srv_store(r->srv, &err);
	if (st == NULL) {
		free(links);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_rec_decl **decls = NULL;
	size_t ndecls = sb_rec_set_list(r->srv->decls, &decls);
	sb_ltest *lts = sb_xcalloc(ndecls ? ndecls : 1, sizeof(*lts));
	int rc = SB_OK;
	for (size_t i = 0; i < ndecls && rc == SB_OK; i++) {
		sb_ltest *lt = &lts[i];
		lt->d = decls[i];
		lt->max = (size_t)days * 86400;
		lt->num = sb_xcalloc(decls[i]->n, sizeof(*lt->num));
		lt->json = sb_xcalloc(decls[i]->n, sizeof(*lt->json));
		rc = sb_store_query_records(st, decls[i], monitor, link, t0, t1, sb_ltest_row, lt,
					    &err);
		if (rc == SB_ETOOBIG && lt->too_many)
			rc = SB_OK; /* more than one a second: the first ones */
	}
	/* a link the dashboard does not list goes by the name its monitor gave it */
	sb_link_name *names = NULL;
	size_t nnames = 0;
	if (rc == SB_OK && lk == NULL)
		rc = sb_store_link_names(st, monitor, t1, &names, &nnames, &err);
	const sb_link_name *given = sb_link_names_find(names, nnames, monitor, link);
	sb_srv_store_put(r->srv, st);
	size_t with = 0;
	for (size_t i = 0; i < ndecls; i++)
		with += lts[i].n > 0;
	if (rc == SB_OK && lk == NULL && with == 0) {
		sb_reply_error(r, 404, "no link %" PRId64 " of monitor %" PRId64 "%s", link,
			       monitor, known ? "" : ": no such monitor either");
	} else if (rc == SB_OK) {
		int64_t now = (int64_t)time(NULL);
		sb_mon_intervals iv = {0};
		if (known)
			sb_monitor_intervals(r->srv, monitor, &iv);
		/* the link's state now, from the tests with an up field shown here */
		int up = 0, down = 0, stale = 0;
		long shortest = 0;
		for (size_t i = 0; i < ndecls; i++) {
			long every = sb_mon_interval_of(&iv, decls[i]->test);
			const char *state =
				lts[i].n > 0 ? sb_ltest_state(&lts[i], every, t1, now) : NULL;
			if (state == NULL)
				continue;
			up |= strcmp(state, "up") == 0;
			down |= strcmp(state, "down") == 0;
			stale |= strcmp(state, "stale") == 0;
			if (every > 0 && (shortest == 0 || every < shortest))
				shortest = every;
		}
		sb_json j;
		sb_json_init(&j, 0);
		sb_json_obj(&j);
		sb_json_kint(&j, "monitor", monitor);
		sb_json_kint(&j, "link", link);
		sb_json_kstr(&j, "monitor_name",
			     known           ? m.name
			     : given != NULL ? given->monitor_name
					     : NULL);
		sb_json_kstr(&j, "name",
			     lk != NULL      ? lk->name
			     : given != NULL ? given->name
					     : NULL);
		sb_json_kstr(&j, "ip", lk != NULL ? lk->ip : given != NULL ? given->ip : NULL);
		char fs[11], ts[11];
		sb_date_format(from, fs);
		sb_date_format(to, ts);
		sb_json_kstr(&j, "from", fs);
		sb_json_kstr(&j, "to", ts);
		sb_json_kint(&j, "start", t0);
		sb_json_kint(&j, "end", t1);
		sb_json_kint(&j, "now", now);
		sb_json_kbool(&j, "configured", lk != NULL);
		sb_json_kbool(&j, "registered", known);
		sb_json_key(&j, "interval"); /* the shortest of the tests that make the state */
		if (shortest > 0)
			sb_json_int(&j, shortest);
		else
			sb_json_null(&j);
		sb_json_key(&j, "state");
		if (t1 > now)
			sb_json_str(&j, sb_link_states(up, down, stale));
		else
			sb_json_null(&j);
		sb_json_key(&j, "tests");
		sb_json_arr(&j);
		for (size_t i = 0; i < ndecls; i++) {
			if (lts[i].n == 0)
				continue;
			long every = sb_mon_interval_of(&iv, decls[i]->test);
			sb_ltest_json(&j, &lts[i], from, days, every,
				      sb_ltest_state(&lts[i], every, t1, now), now);
		}
		sb_json_arr_end(&j);
		sb_json_obj_end(&j);
		sb_reply_json(r, 200, &j);
	}
	for (size_t i = 0; i < ndecls; i++)
		if (lts[i].d != NULL)
			sb_ltest_free(&lts[i]);
	free(lts);
	sb_rec_list_free(decls, ndecls);
	sb_link_names_free(names, nnames);
	free(links);
	if (rc != SB_OK)
		sb_reply_store_error(r, &err);
}
