/* serve_monitors.c - remote monitors: managed from the dashboard, their monitor.json pulled and
 * their trace lines pushed over the engine's own protocol (docs/web-api.md, "Remote monitors").
 *
 * A monitor box holds MONITOR_CENTRAL_URL and its token "sbm_<id>_<secret>". It pulls
 * GET /api/monitors/<id>/config (the monitor.json the dashboard's links and tests make, with an
 * ETag: the config version) and pushes POST /api/monitors/<id>/results, a text/plain body of
 * lines "<link id>\t<trace line>" (a record line of format/record.h, read with the declaration of
 * the probe module whose tag starts it, its ranges checked). A line is taken
 * only for a link of that monitor's own configuration. The answer counts what the server holds
 * ("stored": new records plus replays of held ones) and what it refused, line by line; the box
 * removes the lines from its spool only then, so resending after a lost answer is harmless: a
 * replayed record is a no-op, and a record contradicting one already held (same monitor, link
 * and timestamp, other values) is refused and logged, never overwritten. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format/monitor_config.h"
#include "serve/serve_impl.h"

#define SB_RESULTS_LINES 100000

/* ---- the monitor.json of a monitor ---- */

void sb_place_json(sb_json *j, const sb_place *p, int nulls)
{
	if (!p->set && !nulls)
		return;
	sb_json_knum_if(j, "lat", p->set, p->lat);
	sb_json_knum_if(j, "lon", p->set, p->lon);
}

/* Builds the monitor.json text of a monitor from servedb (caller frees). When replace_test is
 * set, that test's params become replace_params (NULL: the test is left out): the config as it
 * would be after an edit, to check it before storing. */
static int sb_monitor_json(sb_srv *s, const sb_monitor_rec *m, const char *replace_test,
			   const char *replace_params, char **out, size_t *len, sb_err *err)
{
	sb_link_rec *links = NULL;
	size_t nlinks = 0, ntests = 0;
	sb_test_rec *tests = NULL;
	int rc = sb_servedb_links(s->db, m->id, &links, &nlinks, err);
	if (rc == SB_OK)
		rc = sb_servedb_tests(s->db, m->id, &tests, &ntests, err);
	if (rc != SB_OK) {
		free(links);
		return rc;
	}
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_knum(&j, "sleep_time", m->sleep_time);
	sb_json_key(&j, "tests");
	sb_json_obj(&j);
	int replaced = 0;
	for (size_t i = 0; i < ntests; i++) {
		const char *params = tests[i].params;
		if (replace_test != NULL && strcmp(tests[i].name, replace_test) == 0) {
			replaced = 1;
			params = replace_params;
		}
		if (params == NULL)
			continue;
		sb_json_key(&j, tests[i].name);
		sb_json_raw(&j, params, strlen(params));
	}
	if (replace_test != NULL && !replaced && replace_params != NULL) {
		sb_json_key(&j, replace_test);
		sb_json_raw(&j, replace_params, strlen(replace_params));
	}
	sb_json_obj_end(&j);
	sb_json_key(&j, "links");
	sb_json_obj(&j);
	for (size_t i = 0; i < nlinks; i++) {
		sb_json_key(&j, links[i].name);
		sb_json_obj(&j);
		sb_json_kbool(&j, "status", links[i].status);
		sb_json_kstr(&j, "ip", links[i].ip);
		sb_json_kint(&j, "id", links[i].id);
		sb_place_json(&j, &links[i].place, 0);
		sb_json_obj_end(&j);
	}
	sb_json_obj_end(&j);
	sb_place_json(&j, &m->place, 0);
	sb_json_kint(&j, "id", m->id);
	sb_json_obj_end(&j);
	free(links);
	sb_servedb_tests_free(tests, ntests);
	*out = sb_json_take(&j, len);
	if (*out == NULL)
		return sb_err_set(err, SB_ETOOBIG, "the monitor's config is too large");
	return SB_OK;
}

/* The probe module named name among the server's modules, or NULL. */
static const sb_module_def *sb_probe_module(sb_srv *s, const char *name)
{
	const sb_modules *mods = s->o->mods;
	for (size_t i = 0; mods != NULL && i < mods->n; i++)
		if (mods->v[i].def->kind == SB_KIND_PROBE &&
		    strcmp(mods->v[i].def->name, name) == 0)
			return mods->v[i].def;
	return NULL;
}

/* Checks a monitor.json text the way the monitor will: the file's rules, then each test against
 * its module's parameter table. SB_OK or SB_EINVAL/SB_EPARSE with the key named. */
static int sb_monitor_json_check(sb_srv *s, const char *text, size_t len, sb_err *err)
{
	sb_mon_config c;
	int rc = sb_mon_config_parse("monitor.json", text, len, &c, err);
	if (rc != SB_OK)
		return rc;
	for (size_t i = 0; i < c.ntests && rc == SB_OK; i++) {
		const sb_module_def *def = sb_probe_module(s, c.tests[i].name);
		if (def == NULL) {
			rc = sb_err_set(err, SB_EINVAL,
					"no probe module %s (scanbackup modules lists them)",
					c.tests[i].name);
			break;
		}
		sb_paramset *ps = NULL;
		rc = sb_mon_params_build("monitor.json", &c.tests[i], def->params, &ps, err);
		if (ps != NULL)
			sb_paramset_unref(ps);
	}
	sb_mon_config_free(&c);
	return rc;
}

/* ---- the dashboard's calls ---- */

/* The newest record of each test with an up field on each link over the last day, found by
 * sb_api_monitors / sb_api_monitor_get. */
typedef struct sb_last {
	int64_t monitor, link, ts;
	const sb_rec_decl *d;
	int up;
	double value; /* the headline value; NAN when none */
} sb_last;

typedef struct sb_lasts {
	sb_last *v;
	size_t n, cap;
	const sb_rec_decl *d; /* the test being read */
	size_t first;         /* its first entry */
} sb_lasts;

static int sb_last_row(void *ctx, const sb_rec *row)
{
	sb_lasts *l = ctx;
	sb_last *last = l->n > l->first ? &l->v[l->n - 1] : NULL;
	if (last == NULL || last->monitor != row->monitor || last->link != row->link) {
		sb_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
		last = &l->v[l->n++];
		last->monitor = row->monitor;
		last->link = row->link;
		last->d = l->d;
	}
	sb_avail_rec a;
	sb_rec_avail(l->d, row, &a);
	last->ts = row->ts;
	last->up = a.up;
	last->value = a.rtt >= 0 ? a.rtt : NAN;
	return SB_OK;
}

typedef struct sb_mon_list {
	sb_srv *srv;
	sb_json *j;
	sb_lasts *lasts;
	int detail;
	sb_req *req;     /* whose list: a monitor only for who may see it */
	int64_t *listed; /* the ids of the monitors registered here */
	size_t nlisted;
} sb_mon_list;

/* The "interval" of a test's parameters (a JSON object text), or 0. */
static long sb_params_interval(const char *params)
{
	bson_t doc;
	bson_error_t be;
	long v = 0;
	if (params == NULL || !bson_init_from_json(&doc, params, -1, &be))
		return 0;
	bson_iter_t it;
	if (bson_iter_init_find(&it, &doc, "interval") && BSON_ITER_HOLDS_NUMBER(&it))
		v = (long)bson_iter_as_int64(&it);
	bson_destroy(&doc);
	return v > 0 ? v : 0;
}

void sb_monitor_intervals(sb_srv *s, int64_t monitor, sb_mon_intervals *out)
{
	memset(out, 0, sizeof(*out));
	sb_test_rec *tests = NULL;
	size_t n = 0;
	sb_err err = {0};
	if (sb_servedb_tests(s->db, monitor, &tests, &n, &err) != SB_OK)
		return;
	for (size_t i = 0; i < n && out->n < SB_ARRAY_SIZE(out->v); i++) {
		long v = sb_params_interval(tests[i].params);
		if (v <= 0)
			continue;
		snprintf(out->test[out->n], sizeof(out->test[0]), "%s", tests[i].name);
		out->v[out->n++] = v;
		if (out->shortest == 0 || v < out->shortest)
			out->shortest = v;
	}
	sb_servedb_tests_free(tests, n);
}

long sb_mon_interval_of(const sb_mon_intervals *iv, const char *test)
{
	for (size_t i = 0; i < iv->n; i++)
		if (strcmp(iv->test[i], test) == 0)
			return iv->v[i];
	return 0;
}

const char *sb_link_state(int have, int64_t t, int up, long interval, int64_t now)
{
	if (!have || interval <= 0)
		return "unknown";
	if (now - t > 2 * (int64_t)interval)
		return "stale";
	return up ? "up" : "down";
}

const char *sb_link_states(int up, int down, int stale)
{
	return down ? "down" : up ? "up" : stale ? "stale" : "unknown";
}

static void sb_last_json(sb_json *j, const sb_last *last, const sb_mon_intervals *iv, int64_t now)
{
	const sb_rec_decl *d = last->d;
	long interval = sb_mon_interval_of(iv, d->test);
	sb_json_obj(j);
	sb_json_kstr(j, "test", d->test);
	sb_json_kint(j, "t", last->ts);
	sb_json_kbool(j, "up", last->up);
	sb_json_kstr(j, "state", sb_link_state(1, last->ts, last->up, interval, now));
	sb_json_kint(j, "interval", interval);
	sb_json_kstr(j, "field", d->headline >= 0 ? d->f[d->headline].name : NULL);
	sb_json_knum(j, "value", last->value);
	sb_json_kstr(j, "unit", d->headline >= 0 ? d->f[d->headline].unit : NULL);
	sb_json_kint(j, "decimals", d->headline >= 0 ? d->f[d->headline].decimals : 0);
	sb_json_obj_end(j);
}

/* A link: "results", the newest record of each test with an up field, each with its state by its
 * test's interval; "last", the newest of them; "state", the link's (docs/web-api.md, "The state
 * of a link"): down when a result in time is down, else up when one is up, else stale when the
 * results are old, else unknown. */
static void sb_link_json(sb_json *j, const sb_link_rec *l, const sb_lasts *lasts, int64_t monitor,
			 const sb_mon_intervals *iv, int64_t now)
{
	sb_json_obj(j);
	sb_json_kint(j, "id", l->id);
	sb_json_kstr(j, "name", l->name);
	sb_json_kstr(j, "ip", l->ip);
	sb_json_kbool(j, "status", l->status);
	sb_place_json(j, &l->place, 1);
	const sb_last *newest = NULL;
	int up = 0, down = 0, stale = 0;
	sb_json_key(j, "results");
	sb_json_arr(j);
	for (size_t i = 0; i < lasts->n; i++) {
		const sb_last *x = &lasts->v[i];
		if (x->monitor != monitor || x->link != l->id)
			continue;
		sb_last_json(j, x, iv, now);
		const char *st =
			sb_link_state(1, x->ts, x->up, sb_mon_interval_of(iv, x->d->test), now);
		up |= strcmp(st, "up") == 0;
		down |= strcmp(st, "down") == 0;
		stale |= strcmp(st, "stale") == 0;
		if (newest == NULL || x->ts > newest->ts)
			newest = x;
	}
	sb_json_arr_end(j);
	sb_json_key(j, "last");
	if (newest == NULL)
		sb_json_null(j);
	else
		sb_last_json(j, newest, iv, now);
	sb_json_kstr(j, "state", sb_link_states(up, down, stale));
	sb_json_obj_end(j);
}

static int sb_monitor_item(void *ctx, const sb_monitor_rec *m)
{
	sb_mon_list *ml = ctx;
	sb_json *j = ml->j;
	sb_err err = {0};
	sb_link_rec *links = NULL;
	size_t n = 0;
	ml->listed = sb_xrealloc(ml->listed, (ml->nlisted + 1) * sizeof(*ml->listed));
	ml->listed[ml->nlisted++] = m->id;
	sb_access access = sb_monitor_access(ml->req, m->id);
	if (access == SB_ACCESS_NONE)
		return SB_OK;
	sb_user_name *shares = NULL;
	size_t nshares = 0;
	int rc = sb_servedb_shares(ml->srv->db, m->id, &shares, &nshares, &err);
	if (rc == SB_OK)
		rc = sb_servedb_links(ml->srv->db, m->id, &links, &n, &err);
	if (rc != SB_OK) {
		free(shares);
		return rc;
	}
	sb_json_obj(j);
	sb_json_kint(j, "id", m->id);
	sb_json_kstr(j, "name", m->name);
	sb_json_kbool(j, "registered", 1);
	sb_json_kstr(j, "owner", m->owner[0] != '\0' ? m->owner : NULL);
	sb_json_key(j, "shares");
	sb_json_arr(j);
	for (size_t i = 0; i < nshares; i++)
		sb_json_str(j, shares[i]);
	sb_json_arr_end(j);
	free(shares);
	sb_json_kbool(j, "manage", access == SB_ACCESS_MANAGE);
	sb_json_knum(j, "sleep_time", m->sleep_time);
	sb_place_json(j, &m->place, 1);
	sb_json_kbool(j, "has_token", m->has_token);
	sb_json_kint(j, "token_created", m->token_created);
	sb_json_kint(j, "version", m->version);
	sb_json_kint(j, "pulled", m->pulled);
	sb_json_kint(j, "last_seen", m->last_seen);
	sb_json_kint(j, "results", m->results);
	/* the box is silent when it has not been heard of in three of its shortest test's
	 * intervals (it sends every result it has at each round) */
	sb_mon_intervals iv;
	int64_t now = (int64_t)time(NULL);
	sb_monitor_intervals(ml->srv, m->id, &iv);
	long shortest = iv.shortest;
	sb_json_key(j, "interval");
	if (shortest > 0)
		sb_json_int(j, shortest);
	else
		sb_json_null(j);
	sb_json_key(j, "intervals");
	sb_json_obj(j);
	for (size_t i = 0; i < iv.n; i++)
		sb_json_kint(j, iv.test[i], iv.v[i]);
	sb_json_obj_end(j);
	sb_json_kstr(j, "box",
		     shortest <= 0                                ? "idle"
		     : m->last_seen == 0                          ? "never"
		     : now - m->last_seen > 3 * (int64_t)shortest ? "silent"
								  : "ok");
	sb_json_key(j, "links");
	sb_json_arr(j);
	for (size_t i = 0; i < n; i++)
		sb_link_json(j, &links[i], ml->lasts, m->id, &iv, now);
	sb_json_arr_end(j);
	free(links);
	if (ml->detail) {
		sb_test_rec *tests = NULL;
		size_t nt = 0;
		rc = sb_servedb_tests(ml->srv->db, m->id, &tests, &nt, &err);
		if (rc != SB_OK)
			return rc;
		sb_json_key(j, "tests");
		sb_json_arr(j);
		for (size_t i = 0; i < nt; i++) {
			sb_json_obj(j);
			sb_json_kstr(j, "name", tests[i].name);
			sb_json_key(j, "params");
			sb_json_raw(j, tests[i].params, strlen(tests[i].params));
			sb_json_obj_end(j);
		}
		sb_json_arr_end(j);
		sb_servedb_tests_free(tests, nt);
		sb_json_key(j, "modules");
		sb_json_arr(j);
		const sb_modules *mods = ml->srv->o->mods;
		for (size_t i = 0; mods != NULL && i < mods->n; i++) {
			const sb_module_def *d = mods->v[i].def;
			if (d->kind != SB_KIND_PROBE)
				continue;
			sb_json_obj(j);
			sb_json_kstr(j, "name", d->name);
			sb_json_kstr(j, "description", d->description);
			sb_json_key(j, "params");
			sb_json_arr(j);
			for (const sb_probe_param *p = d->params; p != NULL && p->name != NULL;
			     p++) {
				static const char *const types[] = {"", "int", "number", "string",
								    "bool"};
				sb_json_obj(j);
				sb_json_kstr(j, "name", p->name);
				sb_json_kstr(j, "type",
					     types[p->type >= 1 && p->type <= 4 ? p->type : 0]);
				sb_json_kstr(j, "default", p->def);
				sb_json_kstr(j, "help", p->help);
				sb_json_obj_end(j);
			}
			sb_json_arr_end(j);
			sb_json_obj_end(j);
		}
		sb_json_arr_end(j);
	}
	sb_json_obj_end(j);
	return SB_OK;
}

/* The newest record of each test with an up field on every link of monitor (-1: all) over the
 * last day. */
static int sb_collect_lasts(sb_srv *s, int64_t monitor, sb_lasts *l, sb_err *err)
{
	sb_store *st = sb_srv_store(s, err);
	if (st == NULL)
		return err->code != SB_OK ? err->code : SB_ESTORE;
	int64_t now = (int64_t)time(NULL);
	sb_rec_decl **decls = NULL;
	size_t ndecls = sb_rec_set_list(s->decls, &decls);
	int rc = SB_OK;
	for (size_t i = 0; i < ndecls && rc == SB_OK; i++) {
		if (decls[i]->up < 0)
			continue;
		l->d = decls[i];
		l->first = l->n;
		rc = sb_store_query_records(st, decls[i], monitor, -1, now - 86400, now + 3600,
					    sb_last_row, l, err);
	}
	sb_srv_store_put(s, st);
	/* the entries point at the declarations, which the server's set keeps */
	sb_rec_list_free(decls, ndecls);
	return rc;
}

/* sb_probe_states: one monitor's links, test by test. */
typedef struct sb_state_walk {
	sb_srv *srv;
	const sb_lasts *lasts;
	sb_probe_state_fn fn;
	void *ctx;
	int64_t now;
} sb_state_walk;

static int sb_state_monitor(void *ctx, const sb_monitor_rec *m)
{
	sb_state_walk *w = ctx;
	sb_link_rec *links = NULL;
	size_t n = 0;
	sb_err err = {0};
	int rc = sb_servedb_links(w->srv->db, m->id, &links, &n, &err);
	if (rc != SB_OK)
		return rc;
	sb_mon_intervals iv;
	sb_monitor_intervals(w->srv, m->id, &iv);
	for (size_t i = 0; i < n; i++) {
		if (!links[i].status)
			continue;
		for (size_t t = 0; t < iv.n; t++) {
			const sb_last *last = NULL;
			for (size_t k = 0; k < w->lasts->n && last == NULL; k++) {
				const sb_last *x = &w->lasts->v[k];
				if (x->monitor == m->id && x->link == links[i].id &&
				    strcmp(x->d->test, iv.test[t]) == 0)
					last = x;
			}
			w->fn(w->ctx, iv.test[t],
			      sb_link_state(last != NULL, last != NULL ? last->ts : 0,
					    last != NULL && last->up, iv.v[t], w->now));
		}
	}
	free(links);
	return SB_OK;
}

int sb_probe_states(sb_srv *s, sb_probe_state_fn fn, void *ctx, sb_err *err)
{
	sb_lasts lasts = {0};
	int rc = sb_collect_lasts(s, -1, &lasts, err);
	if (rc == SB_OK) {
		sb_state_walk w = {s, &lasts, fn, ctx, (int64_t)time(NULL)};
		rc = sb_servedb_monitors(s->db, sb_state_monitor, &w, err);
	}
	free(lasts.v);
	return rc;
}

/* The monitors whose results reached the store without anyone registering them here: each with
 * the names it gave its links (LINKS_HISTORY), "registered": false, no configuration (so no
 * intervals, and the states of its links unknown). */
static int sb_unregistered_items(sb_mon_list *ml, sb_err *err)
{
	sb_store *st = sb_srv_store(ml->srv, err);
	if (st == NULL)
		return err->code != SB_OK ? err->code : SB_ESTORE;
	sb_link_name *names = NULL;
	size_t n = 0;
	int rc = sb_store_link_names(st, -1, INT64_MAX, &names, &n, err);
	sb_srv_store_put(ml->srv, st);
	if (rc != SB_OK)
		return rc;
	int64_t now = (int64_t)time(NULL);
	const sb_mon_intervals none = {0};
	sb_json *j = ml->j;
	for (size_t i = 0; i < n;) {
		size_t k = i;
		while (k < n && names[k].monitor == names[i].monitor)
			k++;
		int listed = 0;
		for (size_t x = 0; x < ml->nlisted && !listed; x++)
			listed = ml->listed[x] == names[i].monitor;
		if (!listed) {
			sb_json_obj(j);
			sb_json_kint(j, "id", names[i].monitor);
			sb_json_kstr(j, "name", names[k - 1].monitor_name);
			sb_json_kbool(j, "registered", 0);
			const sb_place nowhere = {0};
			sb_place_json(j, &nowhere, 1);
			sb_json_key(j, "interval");
			sb_json_null(j);
			sb_json_key(j, "intervals");
			sb_json_obj(j);
			sb_json_obj_end(j);
			sb_json_kstr(j, "box", "unregistered");
			sb_json_key(j, "links");
			sb_json_arr(j);
			for (size_t x = i; x < k; x++) {
				sb_link_rec l = {.id = names[x].link, .status = 1};
				snprintf(l.name, sizeof(l.name), "%s", names[x].name);
				snprintf(l.ip, sizeof(l.ip), "%s",
					 names[x].ip != NULL ? names[x].ip : "");
				sb_link_json(j, &l, ml->lasts, names[x].monitor, &none, now);
			}
			sb_json_arr_end(j);
			sb_json_obj_end(j);
		}
		i = k;
	}
	sb_link_names_free(names, n);
	return SB_OK;
}

void sb_api_monitors(sb_req *r)
{
	sb_err err = {0};
	sb_lasts lasts = {0};
	if (sb_collect_lasts(r->srv, -1, &lasts, &err) != SB_OK) {
		free(lasts.v);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "now", (int64_t)time(NULL));
	sb_json_key(&j, "monitors");
	sb_json_arr(&j);
	sb_mon_list ml = {r->srv, &j, &lasts, 0, r, NULL, 0};
	int rc = sb_servedb_monitors(r->srv->db, sb_monitor_item, &ml, &err);
	/* those nobody registered here have no owner to keep them: everyone's, as in the workbooks */
	if (rc == SB_OK)
		rc = sb_unregistered_items(&ml, &err);
	free(ml.listed);
	free(lasts.v);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	sb_reply_json(r, 200, &j);
}

void sb_api_monitor_get(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	sb_monitor_rec m;
	int rc = sb_servedb_monitor_get(r->srv->db, id, &m, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_lasts lasts = {0};
	if (sb_collect_lasts(r->srv, id, &lasts, &err) != SB_OK) {
		free(lasts.v);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json j;
	sb_json_init(&j, 0);
	sb_mon_list ml = {r->srv, &j, &lasts, 1, r, NULL, 0};
	rc = sb_monitor_item(&ml, &m);
	free(ml.listed);
	free(lasts.v);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_reply_json(r, 200, &j);
}

/* Reads name, sleep_time (and id) and the place of a monitor body; answers 400 itself on a bad
 * member. */
static int sb_monitor_body(sb_req *r, const bson_t *doc, const char **name, double *sleep,
			   int64_t *id, sb_place *place)
{
	char why[SB_BODY_WHY];
	if (sb_body_monitor(doc, name, sleep, id, why) != SB_OK ||
	    sb_body_place(doc, place, why) != SB_OK) {
		sb_reply_error(r, 400, "%s", why);
		return SB_EINVAL;
	}
	return SB_OK;
}

/* {"id": id, key: value}: what a monitor added or given away now is. */
static void sb_reply_monitor_is(sb_req *r, unsigned status, int64_t id, const char *key,
				const char *value)
{
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "id", id);
	sb_json_kstr(&j, key, value);
	sb_json_obj_end(&j);
	sb_reply_json(r, status, &j);
}

void sb_api_monitor_add(sb_req *r)
{
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *name = NULL;
	double sleep = 10;
	int64_t id = 0;
	sb_place place = {0};
	if (sb_monitor_body(r, &doc, &name, &sleep, &id, &place) == SB_OK) {
		sb_err err = {0};
		int64_t got = 0;
		if (name == NULL) {
			sb_reply_error(r, 400, "name is required");
		} else {
			/* the monitor belongs to the account that creates it */
			int rc = sb_servedb_monitor_add(r->srv->db, id, name, sleep, r->sess.user,
							&got, &err);
			if (rc == SB_OK && place.set)
				rc = sb_servedb_monitor_place(r->srv->db, got, &place, &err);
			if (rc != SB_OK) {
				sb_reply_db(r, rc, &err);
			} else {
				sb_log(SB_LOG_INFO, "serve", "%s added monitor %" PRId64 " (%s)",
				       r->sess.user, got, name);
				sb_reply_monitor_is(r, 201, got, "name", name);
			}
		}
	}
	bson_destroy(&doc);
}

void sb_api_monitor_put(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	sb_monitor_rec m;
	int rc = sb_servedb_monitor_get(r->srv->db, id, &m, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *name = m.name;
	double sleep = m.sleep_time;
	sb_place place = m.place;
	if (sb_monitor_body(r, &doc, &name, &sleep, NULL, &place) == SB_OK) {
		rc = sb_servedb_monitor_set(r->srv->db, id, name, sleep, &err);
		if (rc == SB_OK && (place.set != m.place.set || place.lat != m.place.lat ||
				    place.lon != m.place.lon))
			rc = sb_servedb_monitor_place(r->srv->db, id, &place, &err);
		if (rc != SB_OK)
			sb_reply_db(r, rc, &err);
		else
			sb_reply_ok(r);
	}
	bson_destroy(&doc);
}

void sb_api_monitor_del(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	int rc = sb_servedb_monitor_del(r->srv->db, id, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_log(SB_LOG_INFO, "serve", "%s deleted monitor %" PRId64, r->sess.user, id);
	sb_reply_ok(r);
}

void sb_api_monitor_token(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	char token[128];
	sb_err err = {0};
	int rc = sb_servedb_monitor_token(r->srv->db, id, token, sizeof(token), &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_log(SB_LOG_INFO, "serve", "%s issued a new token for monitor %" PRId64, r->sess.user,
	       id);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "id", id);
	sb_json_kstr(&j, "token", token);
	sb_json_obj_end(&j);
	memset(token, 0, sizeof(token));
	sb_reply_json(r, 201, &j);
}

void sb_api_monitor_revoke(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	int rc = sb_servedb_monitor_revoke(r->srv->db, id, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_log(SB_LOG_INFO, "serve", "%s revoked the token of monitor %" PRId64, r->sess.user, id);
	sb_reply_ok(r);
}

/* Reads a link body into l (fields absent keep their value); answers 400 itself. */
static int sb_link_body(sb_req *r, const bson_t *doc, sb_link_rec *l)
{
	char why[SB_BODY_WHY];
	if (sb_body_link(doc, l, why) != SB_OK) {
		sb_reply_error(r, 400, "%s", why);
		return SB_EINVAL;
	}
	return SB_OK;
}

/* Stores link l of monitor id (is_new: added, else replaced) and answers it as JSON with status,
 * or answers the database's error. Returns the store's outcome. */
static int sb_link_save_reply(sb_req *r, int64_t id, sb_link_rec *l, int is_new, int status)
{
	sb_err err = {0};
	int rc = sb_servedb_link_put(r->srv->db, id, l, is_new, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return rc;
	}
	sb_json j;
	sb_json_init(&j, 0);
	const sb_lasts none = {0};
	const sb_mon_intervals no_iv = {0};
	sb_link_json(&j, l, &none, id, &no_iv, 0);
	sb_reply_json(r, status, &j);
	return SB_OK;
}

void sb_api_link_add(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	sb_link_rec l = {.status = 1};
	if (sb_link_body(r, &doc, &l) == SB_OK) {
		if (l.name[0] == '\0' || l.ip[0] == '\0')
			sb_reply_error(r, 400, "name and ip are required");
		else
			sb_link_save_reply(r, id, &l, 1, 201);
	}
	bson_destroy(&doc);
}

void sb_api_link_put(sb_req *r)
{
	int64_t id, lid;
	if (sb_req_seg_id(r, 2, &id) != SB_OK || sb_req_seg_id(r, 4, &lid) != SB_OK)
		return;
	sb_err err = {0};
	sb_link_rec *links = NULL;
	size_t n = 0;
	int rc = sb_servedb_links(r->srv->db, id, &links, &n, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_link_rec l = {0};
	int found = 0;
	for (size_t i = 0; i < n && !found; i++)
		if (links[i].id == lid) {
			l = links[i];
			found = 1;
		}
	free(links);
	if (!found) {
		sb_reply_error(r, 404, "monitor %" PRId64 " has no link %" PRId64, id, lid);
		return;
	}
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	if (sb_link_body(r, &doc, &l) == SB_OK) {
		if (l.id != lid) {
			sb_reply_error(r, 400, "id: a link's id cannot change (delete and add it)");
		} else {
			if (sb_link_save_reply(r, id, &l, 0, 200) == SB_OK)
				sb_log(SB_LOG_INFO, "serve",
				       "%s changed link %" PRId64 " of monitor %" PRId64,
				       r->sess.user, lid, id);
		}
	}
	bson_destroy(&doc);
}

void sb_api_link_del(sb_req *r)
{
	int64_t id, lid;
	if (sb_req_seg_id(r, 2, &id) != SB_OK || sb_req_seg_id(r, 4, &lid) != SB_OK)
		return;
	sb_err err = {0};
	int rc = sb_servedb_link_del(r->srv->db, id, lid, &err);
	if (rc != SB_OK)
		sb_reply_db(r, rc, &err);
	else
		sb_reply_ok(r);
}

/* A test's parameters (sb_body_test_params); answers 400 itself. */
static char *sb_test_params(sb_req *r, const bson_t *doc)
{
	char why[SB_BODY_WHY];
	char *text = sb_body_test_params(doc, why);
	if (text == NULL)
		sb_reply_error(r, 400, "%s", why);
	return text;
}

static int sb_test_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

/* Checks the monitor's config with test name set to params (NULL: removed): SB_OK or answered. */
static int sb_check_edit(sb_req *r, const sb_monitor_rec *m, const char *name, const char *params)
{
	char *text = NULL;
	size_t len = 0;
	sb_err err = {0};
	int rc = sb_monitor_json(r->srv, m, name, params, &text, &len, &err);
	if (rc == SB_OK)
		rc = sb_monitor_json_check(r->srv, text, len, &err);
	free(text);
	if (rc == SB_ESTORE)
		sb_reply_store_error(r, &err);
	else if (rc != SB_OK)
		sb_reply_error(r, 400, "%s", err.msg);
	return rc;
}

void sb_api_test_put(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	const char *name = r->segs[4];
	if (!sb_test_name_ok(name) || sb_probe_module(r->srv, name) == NULL) {
		sb_reply_error(r, 400, "no probe module %.40s (scanbackup modules lists them)",
			       name);
		return;
	}
	sb_err err = {0};
	sb_monitor_rec m;
	int rc = sb_servedb_monitor_get(r->srv->db, id, &m, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	char *params = sb_test_params(r, &doc);
	bson_destroy(&doc);
	if (params == NULL)
		return;
	if (sb_check_edit(r, &m, name, params) == SB_OK) {
		rc = sb_servedb_test_put(r->srv->db, id, name, params, &err);
		if (rc != SB_OK) {
			sb_reply_db(r, rc, &err);
		} else {
			sb_log(SB_LOG_INFO, "serve", "%s set test %s of monitor %" PRId64,
			       r->sess.user, name, id);
			sb_reply_ok(r);
		}
	}
	free(params);
}

void sb_api_test_del(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	int rc = sb_servedb_test_del(r->srv->db, id, r->segs[4], &err);
	if (rc != SB_OK)
		sb_reply_db(r, rc, &err);
	else
		sb_reply_ok(r);
}

/* ---- the monitor's calls ---- */

int sb_auth_monitor(sb_req *r)
{
	const char *h = sb_req_header(r, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return SB_ENOTFOUND;
	int64_t id;
	if (r->nsegs < 3 || sb_parse_int64(r->segs[2], &id) != SB_OK || id <= 0)
		return SB_EAUTH;
	sb_err err = {0};
	int rc = sb_servedb_monitor_auth(r->srv->db, id, h + 7, &err);
	if (rc == SB_OK) {
		r->monitor = id;
		return SB_OK;
	}
	if (rc != SB_EAUTH)
		sb_log(SB_LOG_ERROR, "serve", "monitor tokens: %s", err.msg);
	sb_log(SB_LOG_WARNING, "serve", "refused a token for monitor %" PRId64 " from %s", id,
	       r->ip);
	return SB_EAUTH;
}

void sb_api_monitor_config(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	sb_err err = {0};
	sb_monitor_rec m;
	int rc = sb_servedb_monitor_get(r->srv->db, id, &m, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	char etag[40];
	snprintf(etag, sizeof(etag), "\"v%" PRId64 "\"", m.version);
	const char *inm = sb_req_header(r, "If-None-Match");
	if (r->monitor > 0)
		sb_servedb_monitor_pulled(r->srv->db, id, m.version, NULL);
	sb_reply_header(r, "ETag", etag);
	if (inm != NULL && strcmp(inm, etag) == 0) {
		sb_reply(r, 304, NULL, NULL, 0);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	rc = sb_monitor_json(r->srv, &m, NULL, NULL, &text, &len, &err);
	if (rc != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_reply(r, 200, "application/json; charset=utf-8", text, len);
}

/* One line of a push: what it became. */
typedef enum { SB_PUSH_NEW, SB_PUSH_SAME, SB_PUSH_REFUSED } sb_push_state;

typedef struct sb_push_item {
	const sb_rec_decl *d; /* the test's record */
	sb_rec row;
	sb_rec_val *v; /* d->n values (strings point into the body) */
	size_t line;
	sb_push_state state;
	char when[20]; /* local date and time of row.ts */
} sb_push_item;

typedef struct sb_push_error {
	size_t line;
	char why[200];
} sb_push_error;

typedef struct sb_push {
	sb_push_item *items; /* sorted by test, link, timestamp, line */
	size_t n;
	sb_push_error *errs;
	size_t nerr;
	int64_t monitor;
	size_t conflicts;
	sb_rec_decl **decls; /* the server's records */
	size_t ndecls;
} sb_push;

static void sb_push_refuse(sb_push *p, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sb_push_refuse(sb_push *p, size_t line, const char *fmt, ...)
{
	sb_push_error *e = &p->errs[p->nerr++];
	e->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

static int sb_push_item_cmp(const void *a, const void *b)
{
	const sb_push_item *x = a, *y = b;
	int c = strcmp(x->d->test, y->d->test);
	if (c != 0)
		return c;
	if (x->row.link != y->row.link)
		return x->row.link < y->row.link ? -1 : 1;
	if (x->row.ts != y->row.ts)
		return x->row.ts < y->row.ts ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int sb_push_error_cmp(const void *a, const void *b)
{
	const sb_push_error *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The store's record of a key already pushed: the same values make the line a replay (nothing
 * to write), others a conflict (refused and logged; the stored record stays). */
typedef struct sb_push_query {
	sb_push *p;
	size_t from, to; /* the items of one test and link */
} sb_push_query;

static int sb_push_existing(void *ctx, const sb_rec *row)
{
	sb_push_query *q = ctx;
	sb_push *p = q->p;
	size_t lo = q->from, hi = q->to;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->items[mid].row.ts < row->ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < q->to && p->items[i].row.ts == row->ts; i++) {
		sb_push_item *it = &p->items[i];
		if (it->state != SB_PUSH_NEW)
			continue;
		if (sb_rec_same(it->d, it->v, row->v)) {
			it->state = SB_PUSH_SAME;
			continue;
		}
		it->state = SB_PUSH_REFUSED;
		p->conflicts++;
		sb_push_refuse(p, it->line,
			       "conflicts with the stored record of link %" PRId64
			       " at %s %s (other values): not overwritten",
			       it->row.link, it->row.date, it->row.time);
		sb_log(SB_LOG_WARNING, "serve",
		       "monitor %" PRId64 ": line %zu conflicts with the stored %s record of link "
		       "%" PRId64 " at %s %s; refused, the stored one kept",
		       p->monitor, it->line, it->d->table, it->row.link, it->row.date,
		       it->row.time);
	}
	return SB_OK;
}

/* Marks the lines of p that repeat a stored record (SB_PUSH_SAME) or contradict one (refused),
 * test by test and link by link. */
static int sb_push_against_store(sb_push *p, sb_store *st, sb_err *err)
{
	for (size_t i = 0; i < p->n;) {
		size_t j = i;
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		while (j < p->n && p->items[j].d == p->items[i].d &&
		       p->items[j].row.link == p->items[i].row.link) {
			if (p->items[j].state == SB_PUSH_NEW) {
				lo = p->items[j].row.ts < lo ? p->items[j].row.ts : lo;
				hi = p->items[j].row.ts > hi ? p->items[j].row.ts : hi;
			}
			j++;
		}
		if (lo <= hi) {
			sb_push_query q = {p, i, j};
			int rc = sb_store_query_records(st, p->items[i].d, p->monitor,
							p->items[i].row.link, lo, hi + 1,
							sb_push_existing, &q, err);
			if (rc != SB_OK)
				return rc;
		}
		i = j;
	}
	return SB_OK;
}

/* The record a line's tag names among the server's probe modules, or NULL. */
static const sb_rec_decl *sb_push_decl(const sb_push *p, const char *line)
{
	char tag[64];
	if (sb_rec_line_tag(line, tag, sizeof(tag)) != SB_OK)
		return NULL;
	for (size_t i = 0; i < p->ndecls; i++)
		if (strcmp(p->decls[i]->tag, tag) == 0)
			return p->decls[i];
	return NULL;
}

/* Parses the body of a push into p: lines of links not in the monitor's configuration, of tests
 * no probe module here declares, with values out of range or times more than a day ahead are
 * refused; a line repeating an earlier line of the batch is a replay, one contradicting it is
 * refused. */
static void sb_push_parse(sb_req *r, sb_push *p, const sb_link_rec *links, size_t nlinks,
			  size_t *lineno)
{
	int64_t now = (int64_t)time(NULL);
	char *s = r->body;
	while (s != NULL && *s != '\0') {
		char *nl = strchr(s, '\n');
		if (nl != NULL)
			*nl = '\0';
		size_t line = ++*lineno;
		char *text = s;
		s = nl != NULL ? nl + 1 : NULL;
		if (*text == '\0')
			continue;
		char why[200] = "";
		char *tab = strchr(text, '\t');
		int64_t link = 0;
		sb_push_item *it = &p->items[p->n];
		memset(it, 0, sizeof(*it));
		if (tab == NULL) {
			snprintf(why, sizeof(why), "expected <link id>, a tab, then a trace line");
		} else {
			*tab = '\0';
			it->d = sb_push_decl(p, tab + 1);
			char tag[64] = "";
			sb_rec_line_tag(tab + 1, tag, sizeof(tag));
			if (sb_parse_int64(text, &link) != SB_OK || link < 0)
				snprintf(why, sizeof(why), "the link id is not a whole number");
			else if (it->d == NULL)
				snprintf(why, sizeof(why),
					 "no probe module of this server declares records "
					 "tagged '%.40s'",
					 tag);
			else {
				it->v = sb_xcalloc(it->d->n, sizeof(*it->v));
				if (sb_rec_parse_line(it->d, tab + 1, r->monitor, link, &it->row,
						      it->v, why, sizeof(why)) != SB_OK &&
				    why[0] == '\0')
					snprintf(why, sizeof(why), "bad trace line");
			}
		}
		if (why[0] == '\0') {
			size_t k = 0;
			while (k < nlinks && links[k].id != link)
				k++;
			if (k == nlinks) {
				sb_push_refuse(p, line,
					       "link %" PRId64 " is not a link of monitor %" PRId64
					       " (its configuration on this server)",
					       link, r->monitor);
				sb_free(it->v);
				continue;
			}
			if (it->row.ts > now + 86400)
				snprintf(why, sizeof(why),
					 "the time stamp is more than a day ahead of the server's "
					 "clock");
		}
		if (why[0] != '\0') {
			sb_push_refuse(p, line, "%s", why);
			sb_free(it->v);
			continue;
		}
		sb_time_local(it->row.ts, it->when, it->when + 11);
		it->line = line;
		it->state = SB_PUSH_NEW;
		p->n++;
	}
	/* the rows point into the body, which stays put; date and time into their item */
	qsort(p->items, p->n, sizeof(*p->items), sb_push_item_cmp);
	size_t group = 0; /* the first item of the run with the same key */
	for (size_t i = 0; i < p->n; i++) {
		sb_push_item *it = &p->items[i];
		it->row.date = it->when;
		it->row.time = it->when + 11;
		it->row.v = it->v;
		const sb_push_item *first = &p->items[group];
		if (i == 0 || first->d != it->d || first->row.link != it->row.link ||
		    first->row.ts != it->row.ts) {
			group = i;
		} else if (sb_rec_same(it->d, it->v, first->v)) {
			it->state = SB_PUSH_SAME;
		} else {
			it->state = SB_PUSH_REFUSED;
			p->conflicts++;
			sb_push_refuse(
				p, it->line,
				"conflicts with line %zu of this batch (the same record with "
				"other values)",
				first->line);
		}
	}
}

void sb_api_monitor_results(sb_req *r)
{
	const char *ct = sb_req_header(r, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "text/plain", 10) != 0) {
		sb_reply_error(r, 415, "send the result lines as text/plain");
		return;
	}
	size_t nlines = 0;
	for (size_t i = 0; i < r->body_len; i++)
		nlines += r->body[i] == '\n';
	if (r->body_len > 0 && r->body[r->body_len - 1] != '\n')
		nlines++;
	if (nlines > SB_RESULTS_LINES) {
		sb_reply_error(r, 413, "at most %d lines per batch", SB_RESULTS_LINES);
		return;
	}
	sb_err err = {0};
	sb_link_rec *links = NULL;
	size_t nlinks = 0;
	int rc = sb_servedb_links(r->srv->db, r->monitor, &links, &nlinks, &err);
	if (rc != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_push p = {
		.items = sb_xcalloc(nlines + 1, sizeof(sb_push_item)),
		.errs = sb_xcalloc(nlines + 1, sizeof(sb_push_error)),
		.monitor = r->monitor,
	};
	p.ndecls = sb_rec_set_list(r->srv->decls, &p.decls);
	/* and the names of the box's links, which travel as its results do */
	p.decls = sb_xrealloc(p.decls, (p.ndecls + 1) * sizeof(*p.decls));
	p.decls[p.ndecls++] = sb_rec_names_decl();
	size_t lineno = 0;
	sb_push_parse(r, &p, links, nlinks, &lineno);
	free(links);

	/* one push at a time checks and writes, so that two pushes of one record cannot both be
	 * taken for new */
	size_t nnew = 0, nsame = 0;
	pthread_mutex_lock(&r->srv->push_mu);
	sb_store *st = NULL;
	for (size_t i = 0; i < p.n; i++)
		nnew += p.items[i].state == SB_PUSH_NEW;
	if (nnew > 0) {
		st = sb_srv_store(r->srv, &err);
		if (st == NULL)
			rc = err.code != SB_OK ? err.code : SB_ESTORE;
		if (rc == SB_OK)
			rc = sb_push_against_store(&p, st, &err);
	}
	sb_rec *rows = sb_xcalloc(p.n + 1, sizeof(*rows));
	nnew = 0;
	for (size_t i = 0; i < p.n && rc == SB_OK;) { /* test by test: the items are sorted */
		size_t j = i, n = 0;
		for (; j < p.n && p.items[j].d == p.items[i].d; j++)
			if (p.items[j].state == SB_PUSH_NEW)
				rows[n++] = p.items[j].row;
		if (n > 0)
			rc = sb_store_put_records(st, p.items[i].d, rows, n, &err);
		nnew += n;
		i = j;
	}
	if (st != NULL)
		sb_srv_store_put(r->srv, st);
	pthread_mutex_unlock(&r->srv->push_mu);
	free(rows);
	for (size_t i = 0; i < p.n; i++) {
		nsame += p.items[i].state == SB_PUSH_SAME;
		free(p.items[i].v);
	}
	free(p.items);
	sb_rec_list_free(p.decls, p.ndecls);
	if (rc != SB_OK) {
		free(p.errs);
		sb_reply_store_error(r, &err);
		return;
	}
	if (p.nerr > 0)
		sb_log(SB_LOG_WARNING, "serve",
		       "monitor %" PRId64
		       ": %zu result lines refused (%zu conflicting with records "
		       "already held)",
		       r->monitor, p.nerr, p.conflicts);
	sb_servedb_monitor_pushed(r->srv->db, r->monitor, (int64_t)nnew, NULL);
	qsort(p.errs, p.nerr, sizeof(*p.errs), sb_push_error_cmp);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "lines", (int64_t)lineno);
	sb_json_kint(&j, "stored", (int64_t)(nnew + nsame));
	sb_json_kint(&j, "new", (int64_t)nnew);
	sb_json_kint(&j, "rejected", (int64_t)p.nerr);
	sb_json_key(&j, "errors");
	sb_json_arr(&j);
	for (size_t i = 0; i < p.nerr; i++) {
		sb_json_obj(&j);
		sb_json_kint(&j, "line", (int64_t)p.errs[i].line);
		sb_json_kstr(&j, "why", p.errs[i].why);
		sb_json_obj_end(&j);
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	free(p.errs);
	sb_reply_json(r, 200, &j);
}

/* ---- who may see and manage a monitor ---- */

sb_access sb_monitor_access(sb_req *r, int64_t id)
{
	sb_err err = {0};
	sb_access a = SB_ACCESS_NONE;
	if (sb_servedb_monitor_access(r->srv->db, id, r->sess.user, r->sess.role, &a, &err) !=
		    SB_OK &&
	    err.code != SB_ENOTFOUND)
		sb_log(SB_LOG_ERROR, "serve", "monitor %" PRId64 ": %s", id, err.msg);
	return a;
}

int sb_monitor_gate(sb_req *r)
{
	int64_t id;
	if (r->nsegs < 3 || sb_parse_int64(r->segs[2], &id) != SB_OK)
		return SB_OK; /* the handler says what is wrong with the id */
	sb_access a = sb_monitor_access(r, id);
	if (a == SB_ACCESS_NONE) {
		sb_reply_error(r, 404, "no monitor %" PRId64, id);
		return SB_EAUTH;
	}
	if (a == SB_ACCESS_READ && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		sb_reply_error(r, 403,
			       "monitor %" PRId64
			       " is shared with you to see: its owner or an admin "
			       "manages it",
			       id);
		return SB_EAUTH;
	}
	return SB_OK;
}

/* The accounts a monitor is shared with, as the answer to a change of them. */
static void sb_reply_shares(sb_req *r, int64_t id)
{
	sb_user_name *v = NULL;
	size_t n = 0;
	sb_err err = {0};
	int rc = sb_servedb_shares(r->srv->db, id, &v, &n, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "id", id);
	sb_json_key(&j, "shares");
	sb_json_arr(&j);
	for (size_t i = 0; i < n; i++)
		sb_json_str(&j, v[i]);
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	free(v);
	sb_reply_json(r, 200, &j);
}

/* The member "user" or "owner" of a body: a user name, or (null_ok) null. Answers 400 itself. */
static int sb_user_member(sb_req *r, const bson_t *doc, const char *key, int null_ok,
			  const char **out)
{
	char why[SB_BODY_WHY] = "";
	*out = NULL;
	int got = sb_body_get_str(doc, key, out, why);
	if (got < 0) {
		sb_reply_error(r, 400, "%s", why);
		return SB_EINVAL;
	}
	if (got == 0 && !null_ok) {
		sb_reply_error(r, 400, "%s is required (an account's name)", key);
		return SB_EINVAL;
	}
	if (got == 0) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, key)) {
			sb_reply_error(r, 400,
				       "%s is required (an account's name, or null for the admins)",
				       key);
			return SB_EINVAL;
		}
		return SB_OK;
	}
	if (!sb_servedb_user_name_ok(*out)) {
		sb_reply_error(r, 400, "%s: no account is named so", key);
		return SB_EINVAL;
	}
	return SB_OK;
}

void sb_api_monitor_owner(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *owner = NULL;
	if (sb_user_member(r, &doc, "owner", 1, &owner) == SB_OK) {
		sb_err err = {0};
		int rc = sb_servedb_monitor_owner(r->srv->db, id, owner, &err);
		if (rc != SB_OK) {
			sb_reply_db(r, rc, &err);
		} else {
			sb_log(SB_LOG_INFO, "serve", "%s gave monitor %" PRId64 " to %s",
			       r->sess.user, id, owner != NULL ? owner : "the admins");
			sb_reply_monitor_is(r, 200, id, "owner", owner);
		}
	}
	bson_destroy(&doc);
}

void sb_api_share_add(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *user = NULL;
	if (sb_user_member(r, &doc, "user", 0, &user) == SB_OK) {
		sb_err err = {0};
		int rc = sb_servedb_share(r->srv->db, id, user, 1, &err);
		if (rc != SB_OK) {
			sb_reply_db(r, rc, &err);
		} else {
			sb_log(SB_LOG_INFO, "serve", "%s shared monitor %" PRId64 " with %s",
			       r->sess.user, id, user);
			sb_reply_shares(r, id);
		}
	}
	bson_destroy(&doc);
}

void sb_api_share_del(sb_req *r)
{
	int64_t id;
	if (sb_req_seg_id(r, 2, &id) != SB_OK)
		return;
	const char *user = r->nsegs > 4 ? r->segs[4] : "";
	sb_err err = {0};
	int rc = sb_servedb_share(r->srv->db, id, user, 0, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_log(SB_LOG_INFO, "serve", "%s stopped sharing monitor %" PRId64 " with %s", r->sess.user,
	       id, user);
	sb_reply_shares(r, id);
}
