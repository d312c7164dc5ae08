/* serve_map.c - the map's data: addresses placed by the local geolocation database (/api/geoip),
 * and the monitors and links at the places of their configuration with the newest route of each
 * link, hop by hop, each hop placed when its address can be (/api/map). docs/web-api.md, "The
 * map". */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "base/stats.h"
#include "serve/geoip.h"
#include "serve/serve_impl.h"

#define SB_GEOIP_MAX_ADDRS 256
#define SB_MAP_DAYS 7 /* how far back the newest route of a link is looked for */
#define SB_MAP_MAX_HOPS 255

/* "geoip": the database's type and build time, or null without one. */
static void sb_geoip_about(sb_json *j, const sb_geoip *g)
{
	sb_json_key(j, "geoip");
	if (g == NULL) {
		sb_json_null(j);
		return;
	}
	sb_json_obj(j);
	sb_json_kstr(j, "type", sb_geoip_type(g));
	sb_json_kint(j, "built", sb_geoip_built(g));
	sb_json_obj_end(j);
}

/* The members of an address as the database knows it: kind, lat, lon, accuracy_km, city,
 * country (null where unknown). */
static void sb_geo_members(sb_json *j, const sb_geo *g)
{
	sb_json_kstr(j, "kind", sb_geo_kind_name(g->kind));
	int placed = g->kind == SB_GEO_PLACE;
	sb_json_knum(j, "lat", placed ? g->lat : NAN);
	sb_json_knum(j, "lon", placed ? g->lon : NAN);
	sb_json_knum(j, "accuracy_km", placed && g->accuracy_km > 0 ? g->accuracy_km : NAN);
	sb_json_kstr(j, "city", g->city[0] ? g->city : NULL);
	sb_json_kstr(j, "country", g->country[0] ? g->country : NULL);
}

void sb_api_geoip(sb_req *r)
{
	const char *arg = sb_req_arg(r, "ip");
	if (arg == NULL || *arg == '\0') {
		sb_reply_error(r, 400, "ip: expected one or more addresses, separated by commas");
		return;
	}
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_geoip_about(&j, r->srv->geo);
	sb_json_key(&j, "addresses");
	sb_json_arr(&j);
	size_t n = 0;
	for (const char *p = arg; *p != '\0';) {
		size_t len = strcspn(p, ",");
		char ip[64];
		sb_geo g;
		if (len >= sizeof(ip) || ++n > SB_GEOIP_MAX_ADDRS ||
		    (snprintf(ip, sizeof(ip), "%.*s", (int)len, p),
		     sb_geoip_lookup(r->srv->geo, ip, &g) == SB_GEO_INVALID)) {
			sb_json_free(&j);
			if (n > SB_GEOIP_MAX_ADDRS)
				sb_reply_error(r, 400, "ip: at most %d addresses at once",
					       SB_GEOIP_MAX_ADDRS);
			else
				sb_reply_error(r, 400,
					       "ip: '%.*s' is not a numeric IPv4 or IPv6 address",
					       (int)(len < 64 ? len : 64), p);
			return;
		}
		sb_json_obj(&j);
		sb_json_kstr(&j, "ip", ip);
		sb_geo_members(&j, &g);
		sb_json_obj_end(&j);
		p += len;
		if (*p == ',')
			p++;
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	sb_reply_json(r, 200, &j);
}

/* ---- the map ---- */

/* The newest record of each link that holds a route: its JSON field text (owned). */
typedef struct sb_map_route {
	int64_t monitor, link, ts;
	const sb_rec_decl *d;
	char *hops;
} sb_map_route;

typedef struct sb_map_routes {
	sb_map_route *v;
	size_t n, cap;
	const sb_rec_decl *d; /* the test being read */
	int field;            /* its JSON field */
	size_t first;         /* its first entry */
} sb_map_routes;

static int sb_map_route_row(void *ctx, const sb_rec *row)
{
	sb_map_routes *rs = ctx;
	const sb_rec_val *v = &row->v[rs->field];
	if (!v->has || v->s == NULL)
		return SB_OK;
	sb_map_route *last = rs->n > rs->first ? &rs->v[rs->n - 1] : NULL;
	if (last == NULL || last->monitor != row->monitor || last->link != row->link) {
		sb_grow(&rs->v, &rs->cap, rs->n, sizeof(*rs->v));
		last = &rs->v[rs->n++];
		memset(last, 0, sizeof(*last));
		last->monitor = row->monitor;
		last->link = row->link;
		last->d = rs->d;
	}
	if (row->ts >= last->ts) {
		free(last->hops);
		last->hops = sb_xstrdup(v->s);
		last->ts = row->ts;
	}
	return SB_OK;
}

/* A route is a JSON list of hops, each a list of probes {rtt, ipaddr, name, anno}, as the SDK's
 * sb_traceroute_parse writes it; its first JSON field of that form makes a record a route. The
 * hops as a document under "h", or SB_EPARSE. */
static int sb_map_route_doc(const char *text, bson_t *doc)
{
	char *wrapped = sb_xasprintf("{\"h\": %s}", text);
	bson_error_t be;
	int ok = bson_init_from_json(doc, wrapped, -1, &be);
	free(wrapped);
	if (!ok)
		return SB_EPARSE;
	bson_iter_t it, hop;
	if (!bson_iter_init_find(&it, doc, "h") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &hop)) {
		bson_destroy(doc);
		return SB_EPARSE;
	}
	while (bson_iter_next(&hop)) {
		bson_iter_t probe;
		if (!BSON_ITER_HOLDS_ARRAY(&hop) || !bson_iter_recurse(&hop, &probe)) {
			bson_destroy(doc);
			return SB_EPARSE;
		}
		while (bson_iter_next(&probe))
			if (!BSON_ITER_HOLDS_DOCUMENT(&probe)) {
				bson_destroy(doc);
				return SB_EPARSE;
			}
	}
	return SB_OK;
}

/* The JSON fields of d that may hold a route, newest records first found; the route of each
 * link over the last SB_MAP_DAYS. */
static int sb_collect_routes(sb_srv *s, sb_map_routes *rs, sb_err *err)
{
	sb_store *st = sb_srv_store(s, err);
	if (st == NULL)
		return err->code != SB_OK ? err->code : SB_ESTORE;
	int64_t now = (int64_t)time(NULL);
	sb_rec_decl **decls = NULL;
	size_t ndecls = sb_rec_set_list(s->decls, &decls);
	int rc = SB_OK;
	for (size_t i = 0; i < ndecls && rc == SB_OK; i++) {
		for (size_t f = 0; f < decls[i]->n && rc == SB_OK; f++) {
			if (decls[i]->f[f].type != SB_FIELD_JSON)
				continue;
			rs->d = decls[i];
			rs->field = (int)f;
			rs->first = rs->n;
			rc = sb_store_query_records(st, decls[i], -1, -1, now - SB_MAP_DAYS * 86400,
						    now + 3600, sb_map_route_row, rs, err);
			/* only the field's values that read as routes are kept */
			size_t k = rs->first;
			for (size_t e = rs->first; e < rs->n; e++) {
				bson_t doc;
				if (sb_map_route_doc(rs->v[e].hops, &doc) == SB_OK) {
					bson_destroy(&doc);
					rs->v[k++] = rs->v[e];
				} else {
					free(rs->v[e].hops);
				}
			}
			rs->n = k;
		}
	}
	sb_srv_store_put(s, st);
	/* the entries point at the declarations, which the server's set keeps */
	sb_rec_list_free(decls, ndecls);
	return rc;
}

/* One hop: the first address that answered, the median RTT of its replies, and where that
 * address is. */
static void sb_hop_json(sb_json *j, const sb_geoip *geo, size_t n, bson_iter_t *probes)
{
	char ip[64] = "", name[256] = "";
	double rtts[64];
	size_t nrtt = 0, sent = 0;
	while (bson_iter_next(probes)) {
		bson_iter_t p, f;
		if (!bson_iter_recurse(probes, &p))
			continue;
		sent++;
		if (bson_iter_find_descendant(&p, "ipaddr", &f) && BSON_ITER_HOLDS_UTF8(&f) &&
		    ip[0] == '\0')
			snprintf(ip, sizeof(ip), "%s", bson_iter_utf8(&f, NULL));
		bson_iter_recurse(probes, &p);
		if (bson_iter_find_descendant(&p, "name", &f) && BSON_ITER_HOLDS_UTF8(&f) &&
		    name[0] == '\0')
			snprintf(name, sizeof(name), "%s", bson_iter_utf8(&f, NULL));
		bson_iter_recurse(probes, &p);
		if (bson_iter_find_descendant(&p, "rtt", &f) && BSON_ITER_HOLDS_NUMBER(&f) &&
		    nrtt < SB_ARRAY_SIZE(rtts))
			rtts[nrtt++] = bson_iter_as_double(&f);
	}
	sb_json_obj(j);
	sb_json_kint(j, "hop", (int64_t)n);
	sb_json_kstr(j, "ip", ip[0] ? ip : NULL);
	sb_json_kstr(j, "name", name[0] && strcmp(name, ip) != 0 ? name : NULL);
	sb_json_knum(j, "rtt", nrtt > 0 ? sb_stats_median_dbl(rtts, nrtt) : NAN);
	sb_json_kint(j, "sent", (int64_t)sent);
	sb_json_kint(j, "replies", (int64_t)nrtt);
	sb_geo g;
	if (ip[0] == '\0') {
		memset(&g, 0, sizeof(g));
		sb_json_kstr(j, "kind", "silent");
		sb_json_knum(j, "lat", NAN);
		sb_json_knum(j, "lon", NAN);
		sb_json_knum(j, "accuracy_km", NAN);
		sb_json_kstr(j, "city", NULL);
		sb_json_kstr(j, "country", NULL);
	} else {
		sb_geoip_lookup(geo, ip, &g);
		sb_geo_members(j, &g);
	}
	sb_json_obj_end(j);
}

/* "route" of a link: null, or its test, time and hops. */
static void sb_map_route_json(sb_json *j, const sb_geoip *geo, const sb_map_routes *rs,
			      int64_t monitor, int64_t link)
{
	const sb_map_route *best = NULL;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].monitor == monitor && rs->v[i].link == link &&
		    (best == NULL || rs->v[i].ts > best->ts))
			best = &rs->v[i];
	sb_json_key(j, "route");
	bson_t doc;
	if (best == NULL || sb_map_route_doc(best->hops, &doc) != SB_OK) {
		sb_json_null(j);
		return;
	}
	sb_json_obj(j);
	sb_json_kstr(j, "test", best->d->test);
	sb_json_kint(j, "t", best->ts);
	sb_json_key(j, "hops");
	sb_json_arr(j);
	bson_iter_t it, hop;
	bson_iter_init_find(&it, &doc, "h");
	bson_iter_recurse(&it, &hop);
	size_t n = 0;
	while (bson_iter_next(&hop) && n < SB_MAP_MAX_HOPS) {
		bson_iter_t probes;
		bson_iter_recurse(&hop, &probes);
		sb_hop_json(j, geo, ++n, &probes);
	}
	sb_json_arr_end(j);
	sb_json_obj_end(j);
	bson_destroy(&doc);
}

typedef struct sb_map_ctx {
	sb_srv *srv;
	sb_json *j;
	const sb_map_routes *routes;
	sb_req *req; /* whose map: the monitors this user may see */
} sb_map_ctx;

static int sb_map_monitor(void *ctx, const sb_monitor_rec *m)
{
	sb_map_ctx *mc = ctx;
	sb_json *j = mc->j;
	sb_err err = {0};
	sb_link_rec *links = NULL;
	size_t n = 0;
	if (sb_monitor_access(mc->req, m->id) == SB_ACCESS_NONE)
		return SB_OK;
	int rc = sb_servedb_links(mc->srv->db, m->id, &links, &n, &err);
	if (rc != SB_OK)
		return rc;
	sb_json_obj(j);
	sb_json_kint(j, "id", m->id);
	sb_json_kstr(j, "name", m->name);
	sb_place_json(j, &m->place, 1);
	sb_json_key(j, "links");
	sb_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		sb_json_obj(j);
		sb_json_kint(j, "id", links[i].id);
		sb_json_kstr(j, "name", links[i].name);
		sb_json_kstr(j, "ip", links[i].ip);
		sb_json_kbool(j, "status", links[i].status);
		sb_place_json(j, &links[i].place, 1);
		sb_map_route_json(j, mc->srv->geo, mc->routes, m->id, links[i].id);
		sb_json_obj_end(j);
	}
	sb_json_arr_end(j);
	sb_json_obj_end(j);
	free(links);
	return SB_OK;
}

void sb_api_map(sb_req *r)
{
	sb_err err = {0};
	sb_map_routes routes = {0};
	int rc = sb_collect_routes(r->srv, &routes, &err);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kint(&j, "now", (int64_t)time(NULL));
	sb_json_key(&j, "tiles");
	if (r->srv->o->map_tiles == NULL) {
		sb_json_null(&j);
	} else {
		sb_json_obj(&j);
		sb_json_kstr(&j, "url", r->srv->o->map_tiles);
		sb_json_kstr(&j, "attribution", r->srv->o->map_attribution);
		sb_json_obj_end(&j);
	}
	sb_geoip_about(&j, r->srv->geo);
	sb_json_key(&j, "monitors");
	sb_json_arr(&j);
	sb_map_ctx mc = {r->srv, &j, &routes, r};
	if (rc == SB_OK)
		rc = sb_servedb_monitors(r->srv->db, sb_map_monitor, &mc, &err);
	for (size_t i = 0; i < routes.n; i++)
		free(routes.v[i].hops);
	free(routes.v);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	sb_reply_json(r, 200, &j);
}
