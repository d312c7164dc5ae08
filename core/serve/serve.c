/* serve.c - the web server's plumbing: libmicrohttpd, routes, auth gate, files, log, stop. */
#include "config.h"

#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "serve/serve_impl.h"

/* ---- routes ---- */

typedef struct sb_route {
	const char *method;
	const char *pattern; /* "/api/monitors/ * /links" without blanks: '*' is one segment */
	sb_auth auth;
	void (*fn)(sb_req *r);
	size_t body_max; /* bytes a body may have (0: 64 KiB) */
} sb_route;

#define SB_RESULTS_MAX ((size_t)16 << 20)

static const sb_route sb_routes[] = {
	{"POST", "/api/login", SB_AUTH_PUBLIC, sb_api_login, 0},
	{"POST", "/api/logout", SB_AUTH_VIEWER, sb_api_logout, 0},
	{"GET", "/api/session", SB_AUTH_VIEWER, sb_api_session, 0},
	{"POST", "/api/session/password", SB_AUTH_VIEWER, sb_api_password, 0},
	{"GET", "/api/users", SB_AUTH_ADMIN, sb_api_users, 0},
	{"POST", "/api/users", SB_AUTH_ADMIN, sb_api_user_add, 0},
	{"PUT", "/api/users/*", SB_AUTH_ADMIN, sb_api_user_put, 0},
	{"DELETE", "/api/users/*", SB_AUTH_ADMIN, sb_api_user_del, 0},
	{"GET", "/api/layers", SB_AUTH_VIEWER, sb_api_layers, 0},
	{"GET", "/api/find", SB_AUTH_VIEWER, sb_api_find, 0},
	{"GET", "/api/forecast", SB_AUTH_VIEWER, sb_api_forecast, 0},
	{"GET", "/api/interface", SB_AUTH_VIEWER, sb_api_interface, 0},
	{"GET", "/api/reports", SB_AUTH_VIEWER, sb_api_reports, 0},
	{"GET", "/api/reports/*", SB_AUTH_VIEWER, sb_api_report_file, 0},
	{"GET", "/api/monitors", SB_AUTH_VIEWER, sb_api_monitors, 0},
	{"POST", "/api/monitors", SB_AUTH_VIEWER, sb_api_monitor_add, 0},
	{"GET", "/api/monitors/*", SB_AUTH_VIEWER, sb_api_monitor_get, 0},
	{"PUT", "/api/monitors/*", SB_AUTH_VIEWER, sb_api_monitor_put, 0},
	{"DELETE", "/api/monitors/*", SB_AUTH_VIEWER, sb_api_monitor_del, 0},
	{"POST", "/api/monitors/*/token", SB_AUTH_VIEWER, sb_api_monitor_token, 0},
	{"DELETE", "/api/monitors/*/token", SB_AUTH_VIEWER, sb_api_monitor_revoke, 0},
	{"POST", "/api/monitors/*/links", SB_AUTH_VIEWER, sb_api_link_add, 0},
	{"PUT", "/api/monitors/*/links/*", SB_AUTH_VIEWER, sb_api_link_put, 0},
	{"DELETE", "/api/monitors/*/links/*", SB_AUTH_VIEWER, sb_api_link_del, 0},
	{"PUT", "/api/monitors/*/tests/*", SB_AUTH_VIEWER, sb_api_test_put, 0},
	{"DELETE", "/api/monitors/*/tests/*", SB_AUTH_VIEWER, sb_api_test_del, 0},
	{"PUT", "/api/monitors/*/owner", SB_AUTH_VIEWER, sb_api_monitor_owner, 0},
	{"POST", "/api/monitors/*/shares", SB_AUTH_VIEWER, sb_api_share_add, 0},
	{"DELETE", "/api/monitors/*/shares/*", SB_AUTH_VIEWER, sb_api_share_del, 0},
	{"GET", "/api/monitors/*/config", SB_AUTH_MONITOR, sb_api_monitor_config, 0},
	{"POST", "/api/monitors/*/results", SB_AUTH_MONITOR, sb_api_monitor_results,
	 SB_RESULTS_MAX},
	{"GET", "/api/probes/link", SB_AUTH_VIEWER, sb_api_probe_link, 0},
	{"GET", "/api/geoip", SB_AUTH_VIEWER, sb_api_geoip, 0},
	{"GET", "/api/map", SB_AUTH_VIEWER, sb_api_map, 0},
	{"GET", "/api/alerts", SB_AUTH_VIEWER, sb_api_alerts, 0},
};

/* Splits path into segments (in r->segbuf). Returns 0 when the path is too long or deep. */
static int sb_req_split(sb_req *r, const char *path)
{
	r->nsegs = 0;
	size_t n = strlen(path);
	if (n >= sizeof(r->segbuf))
		return 0;
	memcpy(r->segbuf, path, n + 1);
	char *p = r->segbuf;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if (r->nsegs == SB_REQ_MAX_SEGS)
			return 0;
		r->segs[r->nsegs++] = p;
		char *e = strchr(p, '/');
		if (e == NULL)
			break;
		*e = '\0';
		p = e + 1;
	}
	return 1;
}

/* 1 if the request's segments match pattern. */
static int sb_route_match(const sb_req *r, const char *pattern)
{
	size_t i = 0;
	const char *p = pattern;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		size_t len = strcspn(p, "/");
		if (i >= r->nsegs)
			return 0;
		if (!(len == 1 && *p == '*') &&
		    (strlen(r->segs[i]) != len || strncmp(r->segs[i], p, len) != 0))
			return 0;
		i++;
		p += len;
	}
	return i == r->nsegs;
}

/* ---- replies ---- */

static void sb_add_common_headers(sb_req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Content-Security-Policy", r->srv->csp);
	if (r->srv->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (atomic_load(&r->srv->stopping))
		MHD_add_response_header(resp, "Connection", "close");
	for (size_t i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr[i].name, r->hdr[i].value);
}

static void sb_queue(sb_req *r, unsigned status, struct MHD_Response *resp, uint64_t bytes)
{
	if (resp == NULL) {
		r->replied = 1;
		r->dead = 1;
		r->status = 500;
		return;
	}
	sb_add_common_headers(r, resp);
	if (MHD_queue_response(r->conn, status, resp) != MHD_YES) {
		r->status = 500;
		r->dead = 1;
	} else {
		r->status = status;
	}
	MHD_destroy_response(resp);
	r->replied = 1;
	r->bytes = bytes;
}

void sb_reply(sb_req *r, unsigned status, const char *ctype, char *buf, size_t len)
{
	if (r->replied) {
		free(buf);
		return;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, len > 0 ? buf : NULL,
						len > 0 ? MHD_RESPMEM_MUST_FREE
							: MHD_RESPMEM_PERSISTENT);
	if (len == 0 || resp == NULL)
		free(buf);
	if (resp != NULL && ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	if (resp != NULL && strncmp(r->url, "/api/", 5) == 0)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	sb_queue(r, status, resp, len);
}

void sb_reply_header(sb_req *r, const char *name, const char *value)
{
	if (r->nhdr == SB_ARRAY_SIZE(r->hdr))
		return;
	snprintf(r->hdr[r->nhdr].name, sizeof(r->hdr[r->nhdr].name), "%s", name);
	r->hdr[r->nhdr].value = sb_xstrdup(value);
	r->nhdr++;
}

void sb_reply_json(sb_req *r, unsigned status, sb_json *j)
{
	size_t len = 0;
	char *text = sb_json_take(j, &len);
	if (text == NULL) {
		sb_reply_error(r, 503, "the answer is too large: ask for a shorter range");
		return;
	}
	sb_reply(r, status, "application/json; charset=utf-8", text, len);
}

void sb_reply_error(sb_req *r, unsigned status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_kstr(&j, "error", msg);
	sb_json_obj_end(&j);
	size_t len = 0;
	char *text = sb_json_take(&j, &len);
	sb_reply(r, status, "application/json; charset=utf-8", text, len);
}

/* ---- the answer cache ---- */

int sb_reply_cached(sb_req *r)
{
	sb_srv *s = r->srv;
	if (s->o->cache_seconds <= 0 || strlen(r->uri) >= sizeof(s->cache[0].key) - 1)
		return 0;
	double now = sb_time_mono();
	char *copy = NULL;
	size_t len = 0;
	pthread_mutex_lock(&s->cache_mu);
	for (size_t i = 0; i < SB_CACHE_SLOTS; i++) {
		sb_cache_entry *e = &s->cache[i];
		if (e->body != NULL && e->expires > now && strcmp(e->key, r->uri) == 0) {
			copy = sb_xmalloc(e->len + 1);
			memcpy(copy, e->body, e->len + 1);
			len = e->len;
			e->used = now;
			break;
		}
	}
	pthread_mutex_unlock(&s->cache_mu);
	if (copy == NULL)
		return 0;
	sb_reply_header(r, "X-Cache", "hit");
	sb_reply(r, 200, "application/json; charset=utf-8", copy, len);
	return 1;
}

static void sb_cache_drop(sb_srv *s, sb_cache_entry *e)
{
	s->cache_bytes -= e->len;
	sb_free(e->body);
	e->len = 0;
	e->key[0] = '\0';
}

void sb_reply_json_cache(sb_req *r, sb_json *j)
{
	sb_srv *s = r->srv;
	size_t len = 0;
	char *text = sb_json_take(j, &len);
	if (text == NULL) {
		sb_reply_error(r, 503, "the answer is too large: ask for a shorter range");
		return;
	}
	if (s->o->cache_seconds > 0 && strlen(r->uri) < sizeof(s->cache[0].key) - 1 &&
	    len <= SB_CACHE_MAX_BYTES / 8) {
		double now = sb_time_mono();
		pthread_mutex_lock(&s->cache_mu);
		/* the slot of the same key, else an empty or expired one, else the least used */
		sb_cache_entry *slot = NULL;
		for (size_t i = 0; i < SB_CACHE_SLOTS && slot == NULL; i++)
			if (strcmp(s->cache[i].key, r->uri) == 0)
				slot = &s->cache[i];
		for (size_t i = 0; i < SB_CACHE_SLOTS && slot == NULL; i++)
			if (s->cache[i].body == NULL || s->cache[i].expires <= now)
				slot = &s->cache[i];
		if (slot == NULL) {
			slot = &s->cache[0];
			for (size_t i = 1; i < SB_CACHE_SLOTS; i++)
				if (s->cache[i].used < slot->used)
					slot = &s->cache[i];
		}
		if (slot->body != NULL)
			sb_cache_drop(s, slot);
		/* room under the byte cap: drop the least used others */
		while (s->cache_bytes + len > SB_CACHE_MAX_BYTES) {
			sb_cache_entry *lru = NULL;
			for (size_t i = 0; i < SB_CACHE_SLOTS; i++)
				if (s->cache[i].body != NULL &&
				    (lru == NULL || s->cache[i].used < lru->used))
					lru = &s->cache[i];
			if (lru == NULL)
				break;
			sb_cache_drop(s, lru);
		}
		slot->body = sb_xmalloc(len + 1);
		memcpy(slot->body, text, len + 1);
		slot->len = len;
		snprintf(slot->key, sizeof(slot->key), "%s", r->uri);
		slot->expires = now + (double)s->o->cache_seconds;
		slot->used = now;
		s->cache_bytes += len;
		pthread_mutex_unlock(&s->cache_mu);
	}
	sb_reply(r, 200, "application/json; charset=utf-8", text, len);
}

void sb_reply_ok(sb_req *r)
{
	sb_reply(r, 200, "application/json; charset=utf-8", sb_xstrdup("{\"ok\":true}"), 11);
}

void sb_reply_store_error(sb_req *r, const sb_err *err)
{
	sb_log(SB_LOG_ERROR, "serve", "store: %s", err->msg);
	sb_reply_error(r, 503, "the database is not available: %s", err->msg);
}

void sb_reply_db(sb_req *r, int rc, const sb_err *err)
{
	if (rc == SB_ENOTFOUND)
		sb_reply_error(r, 404, "%s", err->msg);
	else if (rc == SB_EINVAL)
		sb_reply_error(r, 400, "%s", err->msg);
	else
		sb_reply_store_error(r, err);
}

/* ---- request helpers ---- */

const char *sb_req_arg(sb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sb_req_header(sb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int sb_req_json(sb_req *r, bson_t *doc)
{
	const char *ct = sb_req_header(r, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
		sb_reply_error(r, 415, "send the body as application/json");
		return SB_EINVAL;
	}
	char why[SB_BODY_WHY];
	if (sb_body_parse(r->body, r->body_len, doc, why) != SB_OK) {
		sb_reply_error(r, 400, "%s", why);
		return SB_EINVAL;
	}
	return SB_OK;
}

int sb_req_date(sb_req *r, const char *name, sb_date def, sb_date *out)
{
	const char *v = sb_req_arg(r, name);
	if (v == NULL || *v == '\0') {
		*out = def;
		return SB_OK;
	}
	if (sb_date_parse(v, out) != SB_OK) {
		sb_reply_error(r, 400, "%s: expected a date YYYY-MM-DD", name);
		return SB_EINVAL;
	}
	return SB_OK;
}

int sb_req_seg_id(sb_req *r, size_t i, int64_t *out)
{
	int64_t v = 0;
	if (i >= r->nsegs || sb_parse_int64(r->segs[i], &v) != SB_OK || v <= 0 || v > INT32_MAX) {
		sb_reply_error(r, 404, "no such item: %s", i < r->nsegs ? r->segs[i] : "");
		return SB_EINVAL;
	}
	*out = v;
	return SB_OK;
}

int sb_body_str(sb_req *r, const bson_t *doc, const char *key, const char **out)
{
	char why[SB_BODY_WHY];
	int got = sb_body_get_str(doc, key, out, why);
	if (got < 0)
		sb_reply_error(r, 400, "%s", why);
	return got;
}

int sb_body_num(sb_req *r, const bson_t *doc, const char *key, double *out)
{
	char why[SB_BODY_WHY];
	int got = sb_body_get_num(doc, key, out, why);
	if (got < 0)
		sb_reply_error(r, 400, "%s", why);
	return got;
}

int sb_body_bool(sb_req *r, const bson_t *doc, const char *key, int *out)
{
	char why[SB_BODY_WHY];
	int got = sb_body_get_bool(doc, key, out, why);
	if (got < 0)
		sb_reply_error(r, 400, "%s", why);
	return got;
}

/* ---- the store pool ---- */

sb_store *sb_srv_store(sb_srv *s, sb_err *err)
{
	pthread_mutex_lock(&s->store_mu);
	while (s->nfree == 0)
		pthread_cond_wait(&s->store_cv, &s->store_mu);
	sb_store *st = s->stores[--s->nfree];
	pthread_mutex_unlock(&s->store_mu);
	if (st == NULL) {
		const sb_settings *set = s->o->s;
		sb_store_opts so = {.write_concern = set->mongo_write_concern,
				    .timeout_ms = set->db_timeout * 1000};
		if (sb_store_open(set->database_uri, &so, &st, err) != SB_OK) {
			sb_srv_store_put(s, NULL);
			return NULL;
		}
	}
	return st;
}

void sb_srv_store_put(sb_srv *s, sb_store *st)
{
	pthread_mutex_lock(&s->store_mu);
	s->stores[s->nfree++] = st;
	pthread_cond_signal(&s->store_cv);
	pthread_mutex_unlock(&s->store_mu);
}

const sb_schema *sb_srv_layer(sb_srv *s, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < s->nlayers; i++)
		if (strcasecmp(s->layers[i]->layer, name) == 0)
			return s->layers[i];
	return NULL;
}

/* ---- static files ---- */

/* Files a visitor without a session may fetch: the login page and what it loads. */
static const char *const sb_public_files[] = {"login.html",       "assets/login.js",
					      "assets/app.css",   "assets/favicon.svg",
					      "assets/i18n.js",   "assets/i18n/es.js",
					      "assets/i18n/en.js"};

static const char *sb_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".json", "application/json"},
		{".map", "application/json"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < SB_ARRAY_SIZE(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* A path of the web folder: letters, digits, '-', '_', '.', '/' and no "..". */
static int sb_static_path_ok(const char *p)
{
	if (*p == '\0' || strlen(p) > 200 || strstr(p, "..") != NULL || *p == '.')
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '/'))
			return 0;
	return 1;
}

static void sb_serve_file(sb_req *r)
{
	const char *url = r->url;
	while (*url == '/')
		url++;
	const char *file = url;
	if (*url == '\0' || strcmp(url, "index.html") == 0)
		file = "index.html";
	else if (strcmp(url, "login") == 0)
		file = "login.html";
	int public = 0;
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_public_files); i++)
	public |= strcmp(file, sb_public_files[i]) == 0;
	int page = strcmp(file, "index.html") == 0 || strstr(file, ".html") != NULL;
	if (!public && !r->have_session) {
		if (page) {
			sb_reply_header(r, "Location", "/login");
			sb_reply(r, 302, "text/plain; charset=utf-8",
				 sb_xstrdup("sign in at /login\n"), 18);
		} else {
			sb_reply_error(r, 401, "sign in first");
		}
		return;
	}
	if (!r->srv->have_web) {
		static const char msg[] =
			"The dashboard's files were not built (node and npm are needed "
			"at build time); the JSON API under /api/ works.\n";
		sb_reply(r, 404, "text/plain; charset=utf-8", sb_xstrdup(msg), sizeof(msg) - 1);
		return;
	}
	if (!sb_static_path_ok(file)) {
		sb_reply_error(r, 404, "not found");
		return;
	}
	char *path = sb_fs_join(r->srv->o->web_dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		sb_reply_error(r, 404, "not found");
		return;
	}
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_mtime,
		 (unsigned long long)st.st_size);
	const char *inm = sb_req_header(r, "If-None-Match");
	sb_reply_header(r, "ETag", etag);
	sb_reply_header(r, "Cache-Control", "no-cache");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		close(fd);
		sb_reply(r, 304, NULL, NULL, 0);
		return;
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (resp == NULL)
		close(fd);
	else
		MHD_add_response_header(resp, "Content-Type", sb_content_type(file));
	sb_queue(r, 200, resp, (uint64_t)st.st_size);
}

/* ---- the gate: route, auth, CSRF, body size ---- */

/* Writes the origin of url ("scheme://host[:port]", an optional "/" after it) as
 * "scheme://host:port", scheme and host lower case, the scheme's default port written out.
 * Returns 1, or 0 when url is no http(s) origin (a path, a query, user info, a bad port). */
static int sb_origin_norm(const char *url, char *out, size_t size)
{
	const char *scheme = NULL;
	long port = 0;
	if (strncasecmp(url, "http://", 7) == 0) {
		scheme = "http";
		port = 80;
		url += 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		scheme = "https";
		port = 443;
		url += 8;
	} else {
		return 0;
	}
	size_t hl = 0;
	if (*url == '[') {
		const char *e = strchr(url, ']');
		if (e == NULL)
			return 0;
		hl = (size_t)(e - url) + 1;
	} else {
		hl = strcspn(url, ":/?#@");
	}
	if (hl == 0 || hl > 253)
		return 0;
	char host[256];
	for (size_t i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7F || c == '@' || c == '/' || c == '\\')
			return 0;
		host[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	host[hl] = '\0';
	const char *p = url + hl;
	if (*p == ':') {
		p++;
		size_t dl = strspn(p, "0123456789");
		if (dl == 0 || dl > 5)
			return 0;
		char num[8];
		memcpy(num, p, dl);
		num[dl] = '\0';
		if (sb_parse_long(num, &port) != SB_OK || port < 1 || port > 65535)
			return 0;
		p += dl;
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		return 0;
	int n = snprintf(out, size, "%s://%s:%ld", scheme, host, port);
	return n > 0 && (size_t)n < size;
}

/* The origin of a tile URL (SERVE_MAP_TILES) into out, normalised as sb_origin_norm does: the
 * URL must be http(s), its host written out (no {s}), its path holding {z}, {x} and {y}. */
static int sb_tiles_origin(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	if (host == NULL || strstr(url, "{z}") == NULL || strstr(url, "{x}") == NULL ||
	    strstr(url, "{y}") == NULL)
		return SB_EINVAL;
	size_t n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
	char base[300];
	if (n >= sizeof(base) || url[n] != '/')
		return SB_EINVAL;
	memcpy(base, url, n);
	base[n] = '\0';
	if (strpbrk(base, "{}") != NULL || !sb_origin_norm(base, out, size))
		return SB_EINVAL;
	return SB_OK;
}

/* Adds an origin browsers may send changes from (normalised by sb_origin_norm). */
static void sb_origin_add(sb_srv *s, const char *url)
{
	if (s->norigins < SB_ARRAY_SIZE(s->origins) &&
	    sb_origin_norm(url, s->origins[s->norigins], sizeof(s->origins[0])))
		s->norigins++;
}

/* 1 when the request has no Origin (not a browser's cross-site request) or one of the origins
 * of this server: SERVE_PUBLIC_URL's and the listen address's. The Host header, which the
 * client chooses, plays no part. */
static int sb_origin_ok(sb_req *r)
{
	const char *origin = sb_req_header(r, "Origin");
	if (origin == NULL)
		return 1;
	char norm[sizeof(r->srv->origins[0])];
	if (!sb_origin_norm(origin, norm, sizeof(norm)))
		return 0;
	for (size_t i = 0; i < r->srv->norigins; i++)
		if (strcmp(norm, r->srv->origins[i]) == 0)
			return 1;
	return 0;
}

/* The origins of the listen address ss bound on port: its own, and localhost's when it is a
 * loopback or wildcard address (for a wildcard one, SERVE_PUBLIC_URL names the others). */
static void sb_origins_of_listen(sb_srv *s, const struct sockaddr_storage *ss, unsigned port)
{
	const char *scheme = s->tls ? "https" : "http";
	char host[INET6_ADDRSTRLEN] = "";
	int loop = 0, any = 0, v6 = ss->ss_family == AF_INET6;
	if (v6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		inet_ntop(AF_INET6, a, host, sizeof(host));
		loop = IN6_IS_ADDR_LOOPBACK(a);
		any = IN6_IS_ADDR_UNSPECIFIED(a);
	} else {
		const struct in_addr *a = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
		inet_ntop(AF_INET, a, host, sizeof(host));
		loop = (ntohl(a->s_addr) >> 24) == 127;
		any = a->s_addr == htonl(INADDR_ANY);
	}
	char url[128];
	if (!any) {
		snprintf(url, sizeof(url), v6 ? "%s://[%s]:%u" : "%s://%s:%u", scheme, host, port);
		sb_origin_add(s, url);
	}
	if (loop || any) {
		snprintf(url, sizeof(url), "%s://localhost:%u", scheme, port);
		sb_origin_add(s, url);
	}
	if (any) {
		snprintf(url, sizeof(url), "%s://127.0.0.1:%u", scheme, port);
		sb_origin_add(s, url);
		snprintf(url, sizeof(url), "%s://[::1]:%u", scheme, port);
		sb_origin_add(s, url);
		if (s->o->public_url == NULL)
			sb_log(SB_LOG_WARNING, "serve",
			       "listening on every address: changes from a browser are accepted "
			       "from localhost only until SERVE_PUBLIC_URL names the dashboard's "
			       "address");
	}
}

static const sb_route *sb_route_find(sb_req *r, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_routes); i++) {
		if (!sb_route_match(r, sb_routes[i].pattern))
			continue;
		*path_known = 1;
		if (strcmp(sb_routes[i].method, r->method) == 0)
			return &sb_routes[i];
	}
	return NULL;
}

static int sb_method_changes(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static void sb_dispatch(sb_req *r)
{
	if (!sb_req_split(r, r->url)) {
		sb_reply_error(r, 414, "the path is too long");
		return;
	}
	if (r->nsegs == 1 && strcmp(r->segs[0], "metrics") == 0) {
		sb_serve_metrics(r); /* its own gate: SERVE_METRICS, SERVE_METRICS_TOKEN */
		return;
	}
	int api = r->nsegs > 0 && strcmp(r->segs[0], "api") == 0;
	if (!api) {
		if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
			sb_reply_header(r, "Allow", "GET, HEAD");
			sb_reply_error(r, 405, "only GET here");
			return;
		}
		sb_auth_session(r);
		sb_serve_file(r);
		return;
	}
	int known = 0;
	const sb_route *rt = sb_route_find(r, &known);
	if (rt == NULL) {
		if (known)
			sb_reply_error(r, 405, "%s is not allowed on %s", r->method, r->url);
		else
			sb_reply_error(r, 404, "no API call %s", r->url);
		return;
	}
	if (r->body_over) {
		sb_reply_error(r, 413, "the body is larger than %zu bytes", r->body_max);
		return;
	}
	size_t max = rt->body_max != 0 ? rt->body_max : 65536;
	if (r->body_len > max) {
		sb_reply_error(r, 413, "the body is larger than %zu bytes", max);
		return;
	}
	if (sb_method_changes(r->method) && !sb_origin_ok(r)) {
		sb_reply_error(r, 403, "cross-site request refused");
		return;
	}
	if (rt->auth == SB_AUTH_MONITOR) {
		int rc = r->monitor > 0 ? SB_OK : sb_auth_monitor(r);
		if (rc == SB_OK) {
			rt->fn(r);
			return;
		}
		if (rc == SB_EAUTH) {
			sb_reply_error(r, 401, "the monitor token is wrong or revoked");
			return;
		}
		if (sb_method_changes(r->method)) {
			sb_reply_error(r, 401,
				       "a monitor token is required (Authorization: Bearer ...)");
			return;
		}
	}
	if (rt->auth != SB_AUTH_PUBLIC) {
		sb_auth_session(r);
		if (!r->have_session) {
			sb_reply_error(r, 401, "sign in first");
			return;
		}
		if (rt->auth == SB_AUTH_ADMIN && r->sess.role != SB_ROLE_ADMIN) {
			sb_reply_error(r, 403, "this needs the admin role");
			return;
		}
		if (sb_method_changes(r->method)) {
			const char *tok = sb_req_header(r, "X-CSRF-Token");
			if (tok == NULL || strlen(tok) != SB_TOKEN_HEX ||
			    sodium_memcmp(tok, r->sess.csrf, SB_TOKEN_HEX) != 0) {
				sb_reply_error(r, 403,
					       "missing or wrong CSRF token (X-CSRF-Token)");
				return;
			}
		}
		/* a monitor's calls: only for those who may see it, changes for who manages it */
		if (strncmp(rt->pattern, "/api/monitors/*", 15) == 0 && sb_monitor_gate(r) != SB_OK)
			return;
	}
	rt->fn(r);
}

/* ---- access log ---- */

typedef struct sb_argbuf {
	char *p;
	size_t left;
	int first;
} sb_argbuf;

/* Appends s to the log form of the URI: spaces, quotes and control characters %-escaped. */
static void sb_argbuf_put(sb_argbuf *b, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0' && b->left > 4; c++) {
		if (*c <= 0x20 || *c == '"' || *c == '%' || *c >= 0x7F || *c == '&' || *c == '=') {
			snprintf(b->p, b->left, "%%%02X", *c);
			b->p += 3;
			b->left -= 3;
		} else {
			*b->p++ = (char)*c;
			b->left--;
		}
	}
	*b->p = '\0';
}

static enum MHD_Result sb_arg_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	sb_argbuf *b = cls;
	if (b->left < 8)
		return MHD_NO;
	*b->p++ = b->first ? '?' : '&';
	b->left--;
	*b->p = '\0';
	b->first = 0;
	sb_argbuf_put(b, key);
	if (value != NULL && b->left > 2) {
		*b->p++ = '=';
		b->left--;
		*b->p = '\0';
		sb_argbuf_put(b, value);
	}
	return MHD_YES;
}

static void sb_access_line(sb_req *r)
{
	sb_srv *s = r->srv;
	char who[80];
	if (r->monitor > 0)
		snprintf(who, sizeof(who), "monitor:%" PRId64, r->monitor);
	else if (r->have_session)
		snprintf(who, sizeof(who), "%s", r->sess.user);
	else
		snprintf(who, sizeof(who), "-");
	double ms = (sb_time_mono() - r->t0) * 1000.0;
	sb_log_level lvl = r->status >= 500   ? SB_LOG_ERROR
			   : r->status >= 400 ? SB_LOG_WARNING
					      : SB_LOG_INFO;
	pthread_mutex_lock(&s->log_mu);
	sb_logfile_write(&s->access, lvl, "serve", "%s %s \"%s %s\" %u %" PRIu64 " %.1fms", r->ip,
			 who, r->method != NULL ? r->method : "-", r->uri, r->status, r->bytes, ms);
	pthread_mutex_unlock(&s->log_mu);
}

/* ---- libmicrohttpd callbacks ---- */

void sb_req_suspend(sb_req *r, void (*resume)(sb_req *r), void *job, void (*job_free)(void *job))
{
	r->suspended = 1;
	r->resume = resume;
	r->job = job;
	r->job_free = job_free;
	MHD_suspend_connection(r->conn);
}

static sb_req *sb_req_new(sb_srv *s, struct MHD_Connection *conn, const char *url,
			  const char *method)
{
	sb_req *r = sb_xcalloc(1, sizeof(*r));
	r->srv = s;
	r->conn = conn;
	r->t0 = sb_time_mono();
	r->method = method;
	r->status = 500;
	snprintf(r->ip, sizeof(r->ip), "-");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->ip,
				  sizeof(r->ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  r->ip, sizeof(r->ip));
	}
	/* only a monitor with a valid token may send a large body (its results): others are cut
	 * at 64 KiB before anything is buffered beyond that */
	r->body_max = 65536;
	if (strstr(url, "/results") != NULL && sb_req_split(r, url) && sb_auth_monitor(r) == SB_OK)
		r->body_max = SB_RESULTS_MAX;
	sb_argbuf b = {r->uri, sizeof(r->uri) - 1, 1};
	sb_argbuf_put(&b, url);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, sb_arg_iter, &b);
	atomic_fetch_add(&s->inflight, 1);
	return r;
}

static enum MHD_Result sb_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	(void)version;
	sb_srv *s = cls;
	sb_req *r = *con_cls;
	if (r == NULL) {
		*con_cls = sb_req_new(s, conn, url, method);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		if (!r->body_over && r->body_len + n <= r->body_max) {
			r->body = sb_xrealloc(r->body, r->body_len + n + 1);
			memcpy(r->body + r->body_len, upload_data, n);
			r->body_len += n;
			r->body[r->body_len] = '\0';
		} else {
			r->body_over = 1;
			sb_free(r->body);
			r->body_len = 0;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->replied)
		return MHD_YES;
	r->url = url;
	if (r->suspended) {
		/* resumed: the handler that suspended it answers now */
		r->suspended = 0;
		void (*resume)(sb_req *) = r->resume;
		r->resume = NULL;
		resume(r);
	} else {
		sb_dispatch(r);
	}
	r->url = NULL;
	if (r->suspended)
		return MHD_YES;
	if (!r->replied) {
		sb_log(SB_LOG_ERROR, "serve", "%s %s: no answer was made", method, url);
		r->url = url;
		sb_reply_error(r, 500, "internal error");
		r->url = NULL;
	}
	return r->dead ? MHD_NO : MHD_YES;
}

static void sb_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			    enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	sb_srv *s = cls;
	sb_req *r = *con_cls;
	if (r == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->replied)
		r->status = 499; /* the client went away first */
	sb_access_line(r);
	if (r->job != NULL && r->job_free != NULL)
		r->job_free(r->job);
	for (size_t i = 0; i < r->nhdr; i++)
		free(r->hdr[i].value);
	free(r->body);
	sodium_memzero(&r->sess, sizeof(r->sess));
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

static void sb_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void sb_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	sb_log(SB_LOG_WARNING, "serve", "libmicrohttpd: %s", msg);
}

/* ---- start and stop ---- */

/* Parses "ADDR:PORT", "[ADDR]:PORT" or "PORT" into ss. */
static int sb_listen_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
			   sb_err *err)
{
	char host[128] = "127.0.0.1";
	const char *port = spec;
	if (spec[0] == '[') {
		const char *e = strchr(spec, ']');
		if (e == NULL || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof(host))
			return sb_err_set(err, SB_EINVAL, "--listen %s: expected [ADDR]:PORT",
					  spec);
		memcpy(host, spec + 1, (size_t)(e - spec - 1));
		host[e - spec - 1] = '\0';
		port = e + 2;
	} else if (strchr(spec, ':') != NULL) {
		const char *c = strrchr(spec, ':');
		if ((size_t)(c - spec) >= sizeof(host) || strchr(spec, ':') != c)
			return sb_err_set(err, SB_EINVAL,
					  "--listen %s: expected ADDR:PORT "
					  "(an IPv6 address in brackets)",
					  spec);
		memcpy(host, spec, (size_t)(c - spec));
		host[c - spec] = '\0';
		port = c + 1;
		if (host[0] == '\0')
			snprintf(host, sizeof(host), "0.0.0.0");
	}
	long p;
	if (sb_parse_long(port, &p) != SB_OK || p < 0 || p > 65535)
		return sb_err_set(err, SB_EINVAL, "--listen %s: the port must be 0 to 65535", spec);
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char pbuf[16];
	snprintf(pbuf, sizeof(pbuf), "%ld", p);
	if (getaddrinfo(host, pbuf, &hints, &ai) != 0 || ai == NULL)
		return sb_err_set(err, SB_EINVAL, "--listen %s: '%s' is not a numeric IP address",
				  spec, host);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return SB_OK;
}

static int sb_write_port(const char *path, unsigned port, sb_err *err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u\n", port);
	return sb_fs_write_atomic(path, buf, (size_t)n, err);
}

static void sb_srv_free(sb_srv *s)
{
	sb_reports_free(s);
	sb_catalogs_free(s);
	for (size_t i = 0; i < s->nstores; i++)
		if (s->stores[i] != NULL)
			sb_store_close(&s->stores[i]);
	free(s->stores);
	sb_servedb_close(&s->db);
	sb_geoip_close(&s->geo);
	sb_logfile_close(&s->access);
	pthread_mutex_destroy(&s->store_mu);
	pthread_cond_destroy(&s->store_cv);
	pthread_mutex_destroy(&s->log_mu);
	pthread_mutex_destroy(&s->rl_mu);
	pthread_mutex_destroy(&s->push_mu);
	sb_rec_set_free(&s->decls);
	sb_login_limit_free(&s->limit);
	for (size_t i = 0; i < SB_CACHE_SLOTS; i++)
		free(s->cache[i].body);
	pthread_mutex_destroy(&s->cache_mu);
	free(s);
}

int sb_serve_run(const sb_serve_opts *o, sb_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int rc = sb_listen_parse(o->listen, &ss, &sslen, err);
	if (rc != SB_OK)
		return rc;
	char public_origin[300];
	if (o->public_url != NULL &&
	    !sb_origin_norm(o->public_url, public_origin, sizeof(public_origin)))
		return sb_err_set(
			err, SB_EINVAL,
			"SERVE_PUBLIC_URL=%s: expected the dashboard's address as browsers "
			"see it, http(s)://HOST[:PORT] with no path",
			o->public_url);
	char tiles_origin[300] = "";
	if (o->map_tiles != NULL &&
	    sb_tiles_origin(o->map_tiles, tiles_origin, sizeof(tiles_origin)) != SB_OK)
		return sb_err_set(
			err, SB_EINVAL,
			"SERVE_MAP_TILES=%s: expected a tile URL http(s)://HOST[:PORT]/... "
			"with {z}, {x} and {y}, the host written out",
			o->map_tiles);
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return sb_err_set(err, SB_EINVAL,
				  "TLS needs both a certificate and a key "
				  "(SERVE_TLS_CERT, SERVE_TLS_KEY)");
	char *cert = NULL, *key = NULL;
	size_t clen, klen;
	if (o->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return sb_err_set(err, SB_EINVAL,
					  "this libmicrohttpd was built without TLS");
		rc = sb_fs_read(o->tls_cert, 1 << 20, &cert, &clen, err);
		if (rc == SB_OK)
			rc = sb_fs_read(o->tls_key, 1 << 20, &key, &klen, err);
		if (rc != SB_OK) {
			free(cert);
			return rc;
		}
	}

	sb_srv *s = sb_xcalloc(1, sizeof(*s));
	s->o = o;
	s->tls = cert != NULL;
	snprintf(s->csp, sizeof(s->csp),
		 "default-src 'self'; img-src 'self' data:%s%s; style-src 'self'; "
		 "script-src 'self'; connect-src 'self'; object-src 'none'; "
		 "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		 tiles_origin[0] ? " " : "", tiles_origin);
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_cond_init(&s->store_cv, NULL);
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->rl_mu, NULL);
	pthread_mutex_init(&s->push_mu, NULL);
	pthread_mutex_init(&s->cache_mu, NULL);
	sb_catalogs_new(s);
	if (o->public_url != NULL)
		sb_origin_add(s, o->public_url);
	const sb_loaded_module *m;
	for (size_t i = 0; s->nlayers < SB_ARRAY_SIZE(s->layers) &&
			   (m = sb_layers_next(o->mods, NULL, &i)) != NULL;)
		s->layers[s->nlayers++] = m->def->schema;
	s->decls = sb_modules_records(o->mods);
	char *index = o->web_dir != NULL ? sb_fs_join(o->web_dir, "index.html") : NULL;
	s->have_web = index != NULL && sb_fs_is_file(index);
	free(index);
	if (!s->have_web)
		sb_log(SB_LOG_WARNING, "serve",
		       "no dashboard files in %s: serving the API only "
		       "(build with node and npm installed)",
		       o->web_dir != NULL ? o->web_dir : "(none)");

	/* The store: one handle per thread, opened on first use; check it opens now. */
	s->nstores = (size_t)(o->threads > 0 ? o->threads : 4);
	s->stores = sb_xcalloc(s->nstores, sizeof(*s->stores));
	s->nfree = s->nstores;
	rc = sb_login_limit_new(SB_LOGIN_SLOTS, o->login_max_fails, o->login_window, &s->limit);
	if (rc != SB_OK)
		rc = sb_err_set(err, rc, "the sign-in limit: %s", sb_strerror(rc));
	if (rc == SB_OK)
		rc = sb_servedb_open(o->db_path, &s->db, err);
	if (rc == SB_OK && o->geoip_db != NULL) {
		sb_err gerr = {0};
		rc = sb_geoip_open(o->geoip_db, &s->geo, &gerr);
		if (rc != SB_OK)
			rc = sb_err_set(err, rc, "GEOIP_DATABASE: %s", gerr.msg);
		else
			sb_log(SB_LOG_INFO, "serve", "traceroute hops placed by %s (%s)",
			       o->geoip_db, sb_geoip_type(s->geo));
	}
	if (rc == SB_OK && sb_logfile_open(&s->access, o->access_log) != SB_OK)
		rc = sb_err_set(err, SB_EIO, "cannot open the access log %s: %s", o->access_log,
				strerror(errno));
	const char *backend = "";
	if (rc == SB_OK) {
		sb_store *st = sb_srv_store(s, err);
		if (st == NULL) {
			rc = err->code != SB_OK ? err->code : SB_ESTORE;
		} else {
			backend = sb_store_backend(st);
			sb_srv_store_put(s, st);
		}
	}
	if (rc != SB_OK) {
		free(cert), free(key);
		sb_srv_free(s);
		return rc;
	}

	/* The signals go to sigwait below: block them before the pool threads exist. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	rc = sb_reports_start(s, err);
	if (rc != SB_OK) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		free(cert), free(key);
		sb_srv_free(s);
		return rc;
	}

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{s->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_END, 0, NULL},
	};
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, sb_on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, sb_mhd_log, s, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
				  (unsigned int)s->nstores, MHD_OPTION_NOTIFY_COMPLETED,
				  sb_on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
				  MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (key != NULL)
		sodium_memzero(key, klen);
	if (s->mhd == NULL) {
		rc = sb_err_set(err, SB_EIO, "cannot listen on %s: %s", o->listen,
				errno != 0 ? strerror(errno) : "libmicrohttpd refused to start");
	} else {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
		unsigned port = di != NULL ? di->port : 0;
		sb_origins_of_listen(s, &ss, port);
		sb_log(SB_LOG_INFO, "serve",
		       "listening on %s://%s (port %u), %zu threads, %s store",
		       s->tls ? "https" : "http", o->listen, port, s->nstores, backend);
		if (o->port_file != NULL && sb_write_port(o->port_file, port, err) != SB_OK)
			rc = err->code;
		else if (o->on_ready != NULL)
			o->on_ready(o->hup_arg);
	}
	while (rc == SB_OK) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			pthread_mutex_lock(&s->log_mu);
			sb_logfile_close(&s->access);
			if (sb_logfile_open(&s->access, o->access_log) != SB_OK)
				sb_log(SB_LOG_ERROR, "serve", "cannot reopen the access log %s: %s",
				       o->access_log, strerror(errno));
			pthread_mutex_unlock(&s->log_mu);
			sb_log(SB_LOG_INFO, "serve", "SIGHUP: access log reopened");
			if (o->on_hup != NULL)
				o->on_hup(o->hup_arg);
			continue;
		}
		sb_log(SB_LOG_INFO, "serve", "%s: stopping (requests in flight get %g s)",
		       sig == SIGTERM ? "SIGTERM" : "SIGINT", o->stop_grace);
		break;
	}
	if (s->mhd != NULL) {
		atomic_store(&s->stopping, 1);
		/* no new connection from here on (refused: the socket is shut down), but the
		 * socket is closed only after MHD_stop_daemon, as libmicrohttpd's manual says for
		 * its own threads: closed now, its number could go to another socket meanwhile
		 * (a store's connection) while MHD still knows it as its listening one */
		MHD_socket ls = MHD_quiesce_daemon(s->mhd);
		if (ls != MHD_INVALID_SOCKET)
			shutdown(ls, SHUT_RDWR);
		double end = sb_time_mono() + o->stop_grace;
		while (atomic_load(&s->inflight) > 0 && sb_time_mono() < end) {
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		sb_reports_stop(s); /* no connection may stay suspended */
		int left = atomic_load(&s->inflight);
		MHD_stop_daemon(s->mhd);
		s->mhd = NULL;
		if (ls != MHD_INVALID_SOCKET)
			close(ls);
		sb_log(left > 0 ? SB_LOG_WARNING : SB_LOG_INFO, "serve", "stopped%s",
		       left > 0 ? " (some requests were cut at the end of the grace time)" : "");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(cert), free(key);
	sb_srv_free(s);
	return rc;
}
