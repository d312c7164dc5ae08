/* serve_probes.c - the probe API of one link: RTT and loss over time, the hour x day heat map,
 * availability with its continuous up/down periods, HTTP timings and traceroute paths. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/avail.h"
#include "base/period.h"
#include "serve/serve_impl.h"

#define SB_MAX_PERIODS 5000
#define SB_MAX_CHANGES 200

/* ---- gathering rows ---- */

/* HTTP timings: time, total, status. */
typedef struct sb_pseries {
	int64_t *t;
	double *v, *w;
	size_t n, cap, max;
	int too_many;
} sb_pseries;

static int sb_pseries_add(sb_pseries *s, int64_t t, double v, double w)
{
	if (s->n == s->max) {
		s->too_many = 1;
		return SB_ETOOBIG;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->t = sb_xrealloc(s->t, s->cap * sizeof(*s->t));
		s->v = sb_xrealloc(s->v, s->cap * sizeof(*s->v));
		s->w = sb_xrealloc(s->w, s->cap * sizeof(*s->w));
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->w[s->n] = w;
	s->n++;
	return SB_OK;
}

static void sb_pseries_free(sb_pseries *s)
{
	free(s->t), free(s->v), free(s->w);
}

/* Ping records, as the availability rule reads them. */
typedef struct sb_pings {
	sb_avail_rec *v;
	size_t n, cap, max;
	int too_many;
} sb_pings;

static int sb_ping_row(void *ctx, const sb_probe_row *row)
{
	sb_pings *p = ctx;
	if (p->n == p->max) {
		p->too_many = 1;
		return SB_ETOOBIG;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->v = sb_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = (sb_avail_rec){.t = row->ts,
				      .rtt = row->rtt,
				      .loss = row->loss,
				      .up = row->received > 0};
	return SB_OK;
}

static int sb_http_row(void *ctx, const sb_probe_row *row)
{
	return sb_pseries_add(ctx, row->ts, row->rtt, (double)row->status);
}

/* The paths traceroute found, in time order: each is dated by the first run that took it (a
 * path seen again after another one starts a new entry), with the last run on it. */
typedef struct sb_trun {
	int64_t t;    /* the first run on this path */
	int64_t seen; /* the last run on it */
	size_t runs;
	char *path; /* first address of each hop, comma separated ("*" for none) */
} sb_trun;

typedef struct sb_truns {
	sb_trun *v;
	size_t n, cap;
	int64_t last_t; /* the last run of all, and its hops JSON as stored */
	char *last_hops;
} sb_truns;

/* The first non-empty "ipaddr" of a hop (an array of probes), or "*". */
static void sb_hop_addr(const bson_t *hop, char *out, size_t size)
{
	snprintf(out, size, "*");
	bson_iter_t it;
	if (!bson_iter_init(&it, hop))
		return;
	while (bson_iter_next(&it)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			continue;
		bson_iter_t f;
		if (bson_iter_recurse(&it, &f) && bson_iter_find(&f, "ipaddr") &&
		    BSON_ITER_HOLDS_UTF8(&f)) {
			const char *ip = bson_iter_utf8(&f, NULL);
			if (ip[0] != '\0') {
				snprintf(out, size, "%s", ip);
				return;
			}
		}
	}
}

/* Parses a hops JSON list into doc {"h": [...]}. Returns 1 on success (bson_destroy doc). */
static int sb_hops_parse(const char *hops, bson_t *doc)
{
	size_t n = strlen(hops);
	if (n > (size_t)1 << 20)
		return 0;
	char *wrapped = sb_xasprintf("{\"h\":%s}", hops);
	bson_error_t be;
	int ok = bson_init_from_json(doc, wrapped, -1, &be);
	free(wrapped);
	if (!ok)
		return 0;
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, "h") || !BSON_ITER_HOLDS_ARRAY(&it)) {
		bson_destroy(doc);
		return 0;
	}
	return 1;
}

static char *sb_hops_path(const char *hops)
{
	bson_t doc;
	if (!sb_hops_parse(hops, &doc))
		return sb_xstrdup("?");
	char *path = sb_xstrdup("");
	bson_iter_t it, h;
	if (bson_iter_init_find(&it, &doc, "h") && bson_iter_recurse(&it, &h)) {
		while (bson_iter_next(&h)) {
			char addr[64] = "*";
			if (BSON_ITER_HOLDS_ARRAY(&h)) {
				const uint8_t *data;
				uint32_t len;
				bson_iter_array(&h, &len, &data);
				bson_t hop;
				if (bson_init_static(&hop, data, len))
					sb_hop_addr(&hop, addr, sizeof(addr));
			}
			char *next = sb_xasprintf("%s%s%s", path, path[0] != '\0' ? "," : "", addr);
			free(path);
			path = next;
		}
	}
	bson_destroy(&doc);
	return path;
}

static int sb_trace_row(void *ctx, const sb_probe_row *row)
{
	sb_truns *l = ctx;
	if (row->hops == NULL)
		return SB_OK;
	free(l->last_hops);
	l->last_hops = sb_xstrdup(row->hops);
	l->last_t = row->ts;
	char *path = sb_hops_path(row->hops);
	if (l->n > 0 && strcmp(l->v[l->n - 1].path, path) == 0) {
		l->v[l->n - 1].seen = row->ts;
		l->v[l->n - 1].runs++;
		free(path);
		return SB_OK;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = sb_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n] = (sb_trun){.t = row->ts, .seen = row->ts, .runs = 1, .path = path};
	l->n++;
	return SB_OK;
}

static void sb_truns_free(sb_truns *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	free(l->last_hops);
}

/* ---- analysis: the rules of base/avail.h ---- */

/* Availability: the share of records with a reply and the continuous periods (at most
 * SB_MAX_PERIODS of them listed; the longest are over all). */
static void sb_availability_json(sb_json *j, const sb_pings *p)
{
	sb_avail a;
	sb_avail_compute(p->v, p->n, &a);
	sb_json_key(j, "availability");
	sb_json_obj(j);
	sb_json_kint(j, "step", a.step);
	sb_json_kint(j, "records", (int64_t)a.records);
	sb_json_kint(j, "up", (int64_t)a.up);
	sb_json_key(j, "pct");
	if (a.records > 0)
		sb_json_num(j, a.pct);
	else
		sb_json_null(j);
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

/* The heat map: per local day (rows) and hour (columns), the median RTT of the replies (null
 * where there is none) and the mean share of lost probes (null without records), with the
 * hours and days that had a reply. */
static void sb_heatmap_json(sb_json *j, const sb_pings *p, sb_date from, long days, int64_t now)
{
	sb_avail_heat hm;
	sb_avail_heatmap(p->v, p->n, from, days, &hm);
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
	const char *keys[] = {"rtt", "rtt_max", "loss"};
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

static void sb_num_array(sb_json *j, const char *key, const double *v, size_t n)
{
	sb_json_key(j, key);
	sb_json_arr(j);
	for (size_t i = 0; i < n; i++)
		sb_json_num(j, v[i]);
	sb_json_arr_end(j);
}

static void sb_time_array(sb_json *j, const int64_t *t, size_t n)
{
	sb_json_key(j, "t");
	sb_json_arr(j);
	for (size_t i = 0; i < n; i++)
		sb_json_int(j, t[i]);
	sb_json_arr_end(j);
}

/* The ping records as the arrays t, rtt and loss. */
static void sb_ping_arrays(sb_json *j, const sb_pings *p)
{
	const char *keys[] = {"t", "rtt", "loss"};
	for (int k = 0; k < 3; k++) {
		sb_json_key(j, keys[k]);
		sb_json_arr(j);
		for (size_t i = 0; i < p->n; i++) {
			if (k == 0)
				sb_json_int(j, p->v[i].t);
			else
				sb_json_num(j, k == 1 ? p->v[i].rtt : p->v[i].loss);
		}
		sb_json_arr_end(j);
	}
}

static void sb_traceroute(sb_json *j, const sb_truns *tr)
{
	sb_json_key(j, "traceroute");
	sb_json_obj(j);
	sb_json_key(j, "last");
	if (tr->last_hops == NULL) {
		sb_json_null(j);
	} else {
		sb_json_obj(j);
		sb_json_kint(j, "t", tr->last_t);
		sb_json_key(j, "hops");
		bson_t doc;
		bson_iter_t it;
		if (sb_hops_parse(tr->last_hops, &doc)) {
			if (bson_iter_init_find(&it, &doc, "h")) {
				const uint8_t *data;
				uint32_t len;
				bson_iter_array(&it, &len, &data);
				bson_t arr;
				if (bson_init_static(&arr, data, len))
					sb_json_bson(j, &arr, 1);
				else
					sb_json_null(j);
			} else {
				sb_json_null(j);
			}
			bson_destroy(&doc);
		} else {
			sb_json_null(j);
		}
		sb_json_obj_end(j);
	}
	/* the paths in time order, each dated by its first run ("t") and its last ("until"); the
	 * first one may have started before the range ("from_start") */
	sb_json_key(j, "changes");
	sb_json_arr(j);
	size_t first = tr->n > SB_MAX_CHANGES ? tr->n - SB_MAX_CHANGES : 0;
	for (size_t i = first; i < tr->n; i++) {
		sb_json_obj(j);
		sb_json_kint(j, "t", tr->v[i].t);
		sb_json_kint(j, "until", tr->v[i].seen);
		sb_json_kint(j, "runs", (int64_t)tr->v[i].runs);
		sb_json_kbool(j, "from_start", i == 0);
		sb_json_kstr(j, "path", tr->v[i].path);
		sb_json_obj_end(j);
	}
	sb_json_arr_end(j);
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
	size_t cap = (size_t)days * 86400;
	sb_pings ping = {.max = cap};
	sb_pseries http = {.max = cap};
	sb_truns tr = {0};
	int rc = sb_store_query_probe(st, SB_PROBE_PING, monitor, link, t0, t1, sb_ping_row, &ping,
				      &err);
	if (rc == SB_OK || ping.too_many)
		rc = sb_store_query_probe(st, SB_PROBE_HTTP, monitor, link, t0, t1, sb_http_row,
					  &http, &err);
	if (rc == SB_OK || http.too_many)
		rc = sb_store_query_probe(st, SB_PROBE_TRACE, monitor, link, t0, t1, sb_trace_row,
					  &tr, &err);
	sb_srv_store_put(r->srv, st);
	if (rc != SB_OK) {
		free(ping.v), sb_pseries_free(&http), sb_truns_free(&tr);
		free(links);
		sb_reply_store_error(r, &err);
		return;
	}
	if (lk == NULL && ping.n == 0 && http.n == 0 && tr.n == 0) {
		free(ping.v), sb_pseries_free(&http), sb_truns_free(&tr);
		free(links);
		sb_reply_error(r, 404, "no link %" PRId64 " of monitor %" PRId64 "%s", link,
			       monitor, known ? "" : ": no such monitor either");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	long ping_every = 0, shortest = 0;
	if (known)
		sb_monitor_intervals(r->srv, monitor, &ping_every, &shortest);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "monitor", monitor);
	sb_json_kint(&j, "link", link);
	sb_json_kstr(&j, "monitor_name", known ? m.name : NULL);
	sb_json_kstr(&j, "name", lk != NULL ? lk->name : NULL);
	sb_json_kstr(&j, "ip", lk != NULL ? lk->ip : NULL);
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	sb_json_kstr(&j, "from", fs);
	sb_json_kstr(&j, "to", ts);
	sb_json_kint(&j, "start", t0);
	sb_json_kint(&j, "end", t1);
	sb_json_kint(&j, "now", now);
	sb_json_kbool(&j, "configured", lk != NULL);
	sb_json_key(&j, "interval");
	if (ping_every > 0)
		sb_json_int(&j, ping_every);
	else
		sb_json_null(&j);
	/* the state now, when the range reaches today (an older range says nothing of now) */
	sb_json_key(&j, "state");
	if (t1 > now) {
		const sb_avail_rec *last = ping.n > 0 ? &ping.v[ping.n - 1] : NULL;
		sb_json_str(&j, sb_link_state(last != NULL, last != NULL ? last->t : 0,
					      last != NULL ? last->rtt : -1, ping_every, now));
	} else {
		sb_json_null(&j);
	}
	sb_json_key(&j, "ping");
	sb_json_obj(&j);
	sb_ping_arrays(&j, &ping);
	sb_json_obj_end(&j);
	sb_availability_json(&j, &ping);
	sb_heatmap_json(&j, &ping, from, days, now);
	sb_json_key(&j, "http");
	sb_json_obj(&j);
	sb_time_array(&j, http.t, http.n);
	sb_num_array(&j, "total", http.v, http.n);
	sb_num_array(&j, "status", http.w, http.n);
	sb_json_obj_end(&j);
	sb_traceroute(&j, &tr);
	sb_json_obj_end(&j);
	free(ping.v), sb_pseries_free(&http), sb_truns_free(&tr);
	free(links);
	sb_reply_json(r, 200, &j);
}
