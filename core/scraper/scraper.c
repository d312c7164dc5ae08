/* scraper.c - the scraping section of the Lua host: HTTP, HTML with XPath, text, sources files. */
#include "config.h"

#include "scraper/scraper.h"

#include <errno.h>
#include <lauxlib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "format/sources.h"
#include "lua/luahost.h"
#include "net/http.h"

#define SB_LUA_DOC "sb.html.doc"
#define SB_LUA_NODE "sb.html.node"
#define SB_LUA_GUARD "sb.guard"

/* ---- guards: C memory owned by a userdata, so a Lua error between malloc and free leaks nothing */

typedef struct sb_guard {
	void *p[4];
	void (*f[4])(void *);
} sb_guard;

/* Pushes an empty guard. [-0, +1] */
static sb_guard *sb_guard_push(lua_State *L)
{
	sb_guard *g = lua_newuserdatauv(L, sizeof(*g), 0);
	memset(g, 0, sizeof(*g));
	luaL_setmetatable(L, SB_LUA_GUARD);
	return g;
}

/* Frees what g holds now (the guard itself goes with the garbage). */
static void sb_guard_release(sb_guard *g)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(g->p); i++) {
		if (g->p[i] != NULL)
			g->f[i](g->p[i]);
		g->p[i] = NULL;
	}
}

static int sb_guard_gc(lua_State *L)
{
	sb_guard_release(luaL_checkudata(L, 1, SB_LUA_GUARD));
	return 0;
}

static void sb_xml_free(void *p)
{
	xmlFree(p);
}

/* ---- sb.http ---- */

/* One transfer: the body gathered in memory, and how it ended. */
typedef struct sb_fetch {
	char *body;
	size_t len, cap, max;
	sb_http_result res;
	int done;
} sb_fetch;

typedef struct sb_fetches {
	sb_fetch *v;
	size_t n;
} sb_fetches;

static void sb_fetches_free(void *p)
{
	sb_fetches *fs = p;
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].body);
	free(fs->v);
	free(fs);
}

static void sb_fetch_start(void *ctx)
{
	((sb_fetch *)ctx)->len = 0;
}

static int sb_fetch_data(void *ctx, const char *buf, size_t len)
{
	sb_fetch *f = ctx;
	if (len > f->max - f->len)
		return SB_ETOOBIG;
	if (f->len + len + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 16384;
		while (cap < f->len + len + 1)
			cap *= 2;
		char *b = realloc(f->body, cap);
		if (b == NULL)
			return SB_ENOMEM;
		f->body = b;
		f->cap = cap;
	}
	memcpy(f->body + f->len, buf, len);
	f->len += len;
	return 0;
}

static void sb_fetch_done(void *ctx, const sb_http_result *res)
{
	sb_fetch *f = ctx;
	f->res = *res;
	f->done = 1;
}

/* Engine options: the settings, then the script's opts table at index arg (may be absent).
 * *auth: whether the script wants the SCAN credentials sent (to the portal's origin only). */
static void sb_http_opts_of(lua_State *L, int arg, sb_http_opts *o, int *auth)
{
	const sb_settings *s = sb_lua_env_of(L)->s;
	if (s != NULL)
		sb_http_opts_settings(o, s);
	else
		sb_http_opts_default(o);
	*auth = 1;
	if (!lua_isnoneornil(L, arg)) {
		luaL_checktype(L, arg, LUA_TTABLE);
		if (lua_getfield(L, arg, "timeout") != LUA_TNIL) {
			lua_Number t = luaL_checknumber(L, -1);
			luaL_argcheck(L, t > 0 && t <= 3600, arg,
				      "timeout: expected 0 < seconds <= 3600");
			o->timeout_ms = (long)(t * 1000);
		}
		if (lua_getfield(L, arg, "connect_timeout") != LUA_TNIL) {
			lua_Number t = luaL_checknumber(L, -1);
			luaL_argcheck(L, t > 0 && t <= 600, arg,
				      "connect_timeout: expected 0 < seconds <= 600");
			o->connect_timeout_ms = (long)(t * 1000);
		}
		if (lua_getfield(L, arg, "retries") != LUA_TNIL) {
			lua_Integer r = luaL_checkinteger(L, -1);
			luaL_argcheck(L, r >= 0 && r <= 10, arg, "retries: expected 0 to 10");
			o->retries = (long)r;
		}
		if (lua_getfield(L, arg, "auth") != LUA_TNIL)
			*auth = lua_toboolean(L, -1);
		lua_pop(L, 4);
	}
	if (s == NULL || s->scraper_user == NULL)
		*auth = 0;
	o->max_body = (size_t)64 << 20;
	o->http_only = 1;
}

#define SB_ORIGIN_MAX 300

static void sb_portal_free(void *p)
{
	sb_http_origins *o = p;
	sb_http_origins_free(&o);
}

/* Runs the requests of fs not already done on one engine holding the SCAN credentials (when
 * auth); a request whose cred flag is 0 goes without them. Returns SB_OK or the error of a
 * request that could not be queued. */
static int sb_http_fetch_run(const sb_http_opts *base, const sb_settings *s, int auth,
			     const char *const *urls, sb_fetches *fs, const unsigned char *cred,
			     sb_err *err)
{
	sb_http_opts o = *base;
	if (auth) {
		o.user = s->scraper_user;
		o.password = s->scraper_password;
	}
	sb_http *h = NULL;
	int rc = sb_http_new(&o, &h, err);
	for (size_t i = 0; i < fs->n && rc == SB_OK; i++) {
		if (fs->v[i].done)
			continue;
		sb_http_req req = {
			.url = urls[i],
			.ctx = &fs->v[i],
			.anonymous = !cred[i],
			.on_start = sb_fetch_start,
			.on_data = sb_fetch_data,
			.on_done = sb_fetch_done,
		};
		rc = sb_http_add(h, &req, NULL);
		if (rc != SB_OK)
			sb_err_set(err, rc, "%s", sb_strerror(rc));
	}
	if (rc == SB_OK)
		sb_http_run(h);
	sb_http_free(&h);
	return rc;
}

/* Runs every URL to its end. Only absolute http:// and https:// URLs are fetched (others fail
 * without a request); the SCAN credentials go only to URLs of the portal's origins (scheme, host
 * and port of a SCAN_URL_* setting) and libcurl never carries them across a redirect to another
 * origin. The result is owned by a guard pushed on the stack. [-0, +1] */
static sb_fetches *sb_http_fetch(lua_State *L, const char *const *urls, size_t n, int opts_arg)
{
	sb_http_opts o;
	int auth = 0;
	sb_http_opts_of(L, opts_arg, &o, &auth);
	const sb_settings *s = sb_lua_env_of(L)->s;
	sb_guard *g = sb_guard_push(L);
	sb_fetches *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		luaL_error(L, "sb.http: out of memory");
	g->p[0] = fs;
	g->f[0] = sb_fetches_free;
	fs->v = calloc(n ? n : 1, sizeof(*fs->v));
	unsigned char *cred = calloc(n ? n : 1, 1);
	g->p[1] = cred;
	g->f[1] = free;
	sb_http_origins *portal = sb_http_portal_origins(s);
	g->p[2] = portal;
	g->f[2] = sb_portal_free;
	if (fs->v == NULL || cred == NULL)
		luaL_error(L, "sb.http: out of memory");
	fs->n = n;
	for (size_t i = 0; i < n; i++) {
		sb_fetch *f = &fs->v[i];
		f->max = o.max_body;
		char origin[SB_ORIGIN_MAX];
		if (sb_http_url_origin(urls[i], origin, sizeof(origin)) != SB_OK) {
			f->done = 1;
			f->res.code = SB_EINVAL;
			snprintf(f->res.msg, sizeof(f->res.msg),
				 "only absolute http:// and https:// URLs are fetched");
			continue;
		}
		cred[i] = (unsigned char)(auth && sb_http_origins_has(portal, urls[i]));
	}
	sb_err err = {0};
	int rc = sb_http_fetch_run(&o, s, auth, urls, fs, cred, &err);
	if (rc != SB_OK)
		luaL_error(L, "sb.http: %s", err.msg);
	return fs;
}

/* "GET <url without credentials>: <cause>". [-0, +1] */
static const char *sb_http_push_error(lua_State *L, const char *url, const sb_fetch *f)
{
	char *safe = sb_http_redact_url(url);
	const char *cause = f->done ? f->res.msg : "not run";
	const char *hint =
		f->res.code == SB_EAUTH ? " (check SCAN_USERNAME and SCAN_PASSWORD)" : "";
	const char *msg = lua_pushfstring(L, "GET %s: %s%s", safe,
					  *cause ? cause : sb_strerror(f->res.code), hint);
	free(safe);
	return msg;
}

/* sb.http.get(url [, opts]) -> body, status | nil, message, status. Only a 2xx is a body: an
 * error page (401, 404, 500 after retries) is never handed over as content. [-2, +2|3] */
static int sb_lua_http_get(lua_State *L)
{
	lua_settop(L, 2);
	const char *url = luaL_checkstring(L, 1);
	sb_fetches *fs = sb_http_fetch(L, &url, 1, 2);
	const sb_fetch *f = &fs->v[0];
	if (f->done && f->res.code == SB_OK) {
		lua_pushlstring(L, f->body != NULL ? f->body : "", f->len);
		lua_pushinteger(L, f->res.status);
		return 2;
	}
	lua_pushnil(L);
	sb_http_push_error(L, url, f);
	lua_pushinteger(L, f->done ? f->res.status : 0);
	return 3;
}

/* sb.http.get_all({url, ...} [, opts]) -> {{url=, body=, status=} or {url=, err=, status=}, ...},
 * failures: every URL fetched concurrently (SCAN_PARALLEL at once), results in the given order.
 * [-2, +2] */
static int sb_lua_http_get_all(lua_State *L)
{
	lua_settop(L, 2); /* the opts (or nil) stay at 2 whatever was passed */
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 1);
	luaL_argcheck(L, n >= 0 && n <= 1000000, 1, "at most a million URLs");
	const char **urls = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
	lua_newtable(L); /* keeps the URL strings alive */
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_geti(L, 1, i) != LUA_TSTRING)
			return luaL_argerror(L, 1,
					     lua_pushfstring(L, "item %I is not a URL string",
							     (lua_Integer)i));
		urls[i - 1] = lua_tostring(L, -1);
		lua_rawseti(L, -2, i);
	}
	sb_fetches *fs = sb_http_fetch(L, urls, (size_t)n, 2);
	lua_createtable(L, (int)n, 0);
	lua_Integer failures = 0;
	for (lua_Integer i = 1; i <= n; i++) {
		const sb_fetch *f = &fs->v[i - 1];
		lua_createtable(L, 0, 3);
		lua_pushstring(L, urls[i - 1]);
		lua_setfield(L, -2, "url");
		lua_pushinteger(L, f->done ? f->res.status : 0);
		lua_setfield(L, -2, "status");
		if (f->done && f->res.code == SB_OK) {
			lua_pushlstring(L, f->body != NULL ? f->body : "", f->len);
			lua_setfield(L, -2, "body");
		} else {
			failures++;
			sb_http_push_error(L, urls[i - 1], f);
			lua_setfield(L, -2, "err");
		}
		lua_rawseti(L, -2, i);
	}
	lua_pushinteger(L, failures);
	return 2;
}

static const luaL_Reg sb_lua_http_funcs[] = {
	{"get", sb_lua_http_get},
	{"get_all", sb_lua_http_get_all},
	{NULL, NULL},
};

/* ---- sb.html ---- */

typedef struct sb_lua_doc {
	htmlDocPtr doc;
} sb_lua_doc;

typedef struct sb_lua_node {
	xmlNodePtr node;
} sb_lua_node;

static int sb_doc_gc(lua_State *L)
{
	sb_lua_doc *d = luaL_checkudata(L, 1, SB_LUA_DOC);
	if (d->doc != NULL)
		xmlFreeDoc(d->doc);
	d->doc = NULL;
	return 0;
}

/* Length of the UTF-8 sequence at s[0..len) and its code point, or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and truncated sequences included). */
static size_t sb_utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t k = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	if (k == 0 || k > len)
		return 0;
	unsigned v = c & (0x7F >> k);
	for (size_t j = 1; j < k; j++) {
		if ((s[j] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[j] & 0x3F);
	}
	static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[k] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return k;
}

/* 1 if s[0..len) is valid UTF-8. */
static int sb_utf8_valid(const unsigned char *s, size_t len)
{
	unsigned cp;
	for (size_t i = 0, k; i < len; i += k)
		if ((k = sb_utf8_next(s + i, len - i, &cp)) == 0)
			return 0;
	return 1;
}

/* Pushes a node userdata that keeps its document (the userdata at doc_index) alive. [-0, +1] */
static void sb_node_push(lua_State *L, xmlNodePtr n, int doc_index)
{
	if (n == NULL) {
		lua_pushnil(L);
		return;
	}
	sb_lua_node *u = lua_newuserdatauv(L, sizeof(*u), 1);
	u->node = n;
	lua_pushvalue(L, doc_index);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, SB_LUA_NODE);
}

/* sb.html.parse(text [, base_url]) -> document | nil, message. Text that is valid UTF-8 is read as
 * UTF-8 whatever the page's meta tag says (indexmaker declares iso-8859-15 over UTF-8 titles);
 * anything else follows the page's declaration, else Latin-1. [-2, +1|2] */
static int sb_lua_html_parse(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	const char *base = luaL_optstring(L, 2, NULL);
	luaL_argcheck(L, len <= INT_MAX, 1, "document too large");
	sb_lua_doc *d = lua_newuserdatauv(L, sizeof(*d), 0);
	d->doc = NULL;
	luaL_setmetatable(L, SB_LUA_DOC);
	int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		   HTML_PARSE_NONET | HTML_PARSE_COMPACT;
	const char *enc = NULL;
	if (sb_utf8_valid((const unsigned char *)text, len)) {
		enc = "UTF-8";
		opts |= HTML_PARSE_IGNORE_ENC;
	}
	d->doc = len > 0 ? htmlReadMemory(text, (int)len, base, enc, opts) : NULL;
	if (d->doc == NULL || xmlDocGetRootElement(d->doc) == NULL) {
		lua_pushnil(L);
		lua_pushfstring(L, "%s: not an HTML document", base != NULL ? base : "(text)");
		return 2;
	}
	return 1;
}

/* Appends the text under n to b, runs of blanks (and no-break spaces) as one space. *space says
 * a blank is pending. */
static void sb_node_text(luaL_Buffer *b, xmlNodePtr top, int *space, int *any)
{
	xmlNodePtr n = top;
	while (n != NULL) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    n->content != NULL) {
			const unsigned char *s = n->content;
			for (size_t i = 0; s[i] != '\0'; i++) {
				unsigned c = s[i];
				if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
				    c == '\v' || (c == 0xC2 && s[i + 1] == 0xA0)) {
					if (c == 0xC2)
						i++;
					*space = 1;
					continue;
				}
				if (*space && *any)
					luaL_addchar(b, ' ');
				*space = 0;
				*any = 1;
				luaL_addchar(b, (char)c);
			}
		}
		/* depth first through the subtree of top (attributes: their value children) */
		if (n->children != NULL && n->type != XML_ENTITY_REF_NODE) {
			n = n->children;
			continue;
		}
		while (n != top && n->next == NULL)
			n = n->parent;
		if (n == top)
			break;
		n = n->next;
	}
}

/* node:text() -> the text of the node and everything under it, blanks squeezed, trimmed. */
static int sb_lua_node_text(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	int space = 0, any = 0;
	sb_node_text(&b, u->node, &space, &any);
	luaL_pushresult(&b);
	return 1;
}

/* The raw value of attribute name of n, pushed, or nil. [-0, +1] */
static const char *sb_node_push_attr(lua_State *L, xmlNodePtr n, const char *name)
{
	xmlAttrPtr a = n->type == XML_ELEMENT_NODE ? xmlHasProp(n, (const xmlChar *)name) : NULL;
	if (a == NULL) {
		lua_pushnil(L);
		return NULL;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (xmlNodePtr c = a->children; c != NULL; c = c->next)
		if (c->content != NULL)
			luaL_addstring(&b, (const char *)c->content);
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

/* node:attr(name) -> the attribute's value, or nil. */
static int sb_lua_node_attr(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	sb_node_push_attr(L, u->node, luaL_checkstring(L, 2));
	return 1;
}

/* node:url([attr]) -> the attribute (default "href") resolved against the page's URL (and any
 * <base href>), or nil when the node has no such attribute. */
static int sb_lua_node_url(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	const char *value = sb_node_push_attr(L, u->node, luaL_optstring(L, 2, "href"));
	if (value == NULL)
		return 1;
	sb_guard *g = sb_guard_push(L);
	/* For HTML, libxml2's xmlNodeGetBase only reads <base href>, which may itself be relative
	 * to the page's URL. */
	const xmlChar *page = u->node->doc->URL;
	xmlChar *base_href = xmlNodeGetBase(u->node->doc, u->node);
	g->p[0] = base_href;
	g->f[0] = sb_xml_free;
	xmlChar *base = base_href != NULL && page != NULL ? xmlBuildURI(base_href, page) : NULL;
	g->p[2] = base;
	g->f[2] = sb_xml_free;
	const xmlChar *effective = base != NULL ? base : base_href != NULL ? base_href : page;
	xmlChar *abs = xmlBuildURI((const xmlChar *)value, effective);
	g->p[1] = abs;
	g->f[1] = sb_xml_free;
	if (abs != NULL)
		lua_pushstring(L, (const char *)abs);
	else
		lua_pushvalue(L, -2);
	sb_guard_release(g);
	return 1;
}

/* 1 if n is an element named tag (any element when tag is NULL). */
static int sb_node_is(xmlNodePtr n, const char *tag)
{
	return n->type == XML_ELEMENT_NODE &&
	       (tag == NULL || strcasecmp((const char *)n->name, tag) == 0);
}

/* node:next([tag]) -> the next element in document order (its own children first, then what
 * follows it), of that tag if given, or nil. Like BeautifulSoup's find_next. */
static int sb_lua_node_next(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	const char *tag = luaL_optstring(L, 2, NULL);
	xmlNodePtr n = u->node;
	if (n->type == XML_ATTRIBUTE_NODE)
		n = n->parent;
	for (;;) {
		if (n->children != NULL && n->type == XML_ELEMENT_NODE) {
			n = n->children;
		} else {
			while (n != NULL && n->next == NULL)
				n = n->parent;
			if (n == NULL)
				break;
			n = n->next;
		}
		if (sb_node_is(n, tag))
			break;
	}
	lua_getiuservalue(L, 1, 1);
	sb_node_push(L, n, lua_gettop(L));
	return 1;
}

/* node:next_sibling([tag]) -> the next element sibling (of that tag), or nil. */
static int sb_lua_node_next_sibling(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	const char *tag = luaL_optstring(L, 2, NULL);
	xmlNodePtr n = u->node->type == XML_ATTRIBUTE_NODE ? NULL : u->node->next;
	while (n != NULL && !sb_node_is(n, tag))
		n = n->next;
	lua_getiuservalue(L, 1, 1);
	sb_node_push(L, n, lua_gettop(L));
	return 1;
}

/* node:parent() -> the parent element, or nil. */
static int sb_lua_node_parent(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	xmlNodePtr n = u->node->parent;
	lua_getiuservalue(L, 1, 1);
	sb_node_push(L, n != NULL && n->type == XML_ELEMENT_NODE ? n : NULL, lua_gettop(L));
	return 1;
}

/* node:children([tag]) -> {element children (of that tag)}. */
static int sb_lua_node_children(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	const char *tag = luaL_optstring(L, 2, NULL);
	lua_getiuservalue(L, 1, 1);
	int doc = lua_gettop(L);
	lua_newtable(L);
	lua_Integer i = 0;
	if (u->node->type == XML_ELEMENT_NODE)
		for (xmlNodePtr c = u->node->children; c != NULL; c = c->next)
			if (sb_node_is(c, tag)) {
				sb_node_push(L, c, doc);
				lua_rawseti(L, -2, ++i);
			}
	return 1;
}

/* node:name() -> the tag name in lower case ("#text" for text, the name for an attribute). */
static int sb_lua_node_name(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	if (u->node->type == XML_TEXT_NODE || u->node->type == XML_CDATA_SECTION_NODE)
		lua_pushliteral(L, "#text");
	else
		lua_pushstring(L, u->node->name != NULL ? (const char *)u->node->name : "");
	return 1;
}

static int sb_lua_node_tostring(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	lua_pushfstring(L, "html node <%s> line %d",
			u->node->name ? (const char *)u->node->name : "?",
			(int)xmlGetLineNo(u->node));
	return 1;
}

static void sb_xpath_error(void *ctx, xmlErrorPtr e)
{
	char *msg = ctx;
	if (msg[0] == '\0' && e != NULL && e->message != NULL) {
		snprintf(msg, 200, "%s", e->message);
		msg[strcspn(msg, "\n")] = '\0';
	}
}

static void sb_xpath_ctx_free(void *p)
{
	xmlXPathFreeContext(p);
}

static void sb_xpath_obj_free(void *p)
{
	xmlXPathFreeObject(p);
}

/* Evaluates expr with node as the context (the whole document when node is NULL); the document
 * userdata is at doc_index. A node set becomes a list of nodes in document order; a number,
 * string or boolean result is returned as such. [-0, +1] */
static int sb_xpath(lua_State *L, xmlDocPtr doc, xmlNodePtr node, const char *expr, int doc_index)
{
	char msg[200] = "";
	sb_guard *g = sb_guard_push(L);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	if (ctx == NULL)
		return luaL_error(L, "xpath: out of memory");
	g->p[0] = ctx;
	g->f[0] = sb_xpath_ctx_free;
	ctx->node = node != NULL ? node : (xmlNodePtr)doc;
	ctx->error = sb_xpath_error;
	ctx->userData = msg;
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	if (r == NULL)
		return luaL_error(L, "xpath \"%s\": %s", expr,
				  msg[0] ? msg : "cannot be evaluated");
	g->p[1] = r;
	g->f[1] = sb_xpath_obj_free;
	switch (r->type) {
	case XPATH_NODESET: {
		int n = r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
		lua_createtable(L, n, 0);
		for (int i = 0; i < n; i++) {
			sb_node_push(L, r->nodesetval->nodeTab[i], doc_index);
			lua_rawseti(L, -2, i + 1);
		}
		break;
	}
	case XPATH_BOOLEAN:
		lua_pushboolean(L, r->boolval);
		break;
	case XPATH_NUMBER:
		lua_pushnumber(L, r->floatval);
		break;
	case XPATH_STRING:
		lua_pushstring(L, r->stringval != NULL ? (const char *)r->stringval : "");
		break;
	default:
		return luaL_error(L, "xpath \"%s\": unsupported result type", expr);
	}
	return 1;
}

/* doc:xpath(expr) -> list of nodes (or a number, string, boolean). */
static int sb_lua_doc_xpath(lua_State *L)
{
	sb_lua_doc *d = luaL_checkudata(L, 1, SB_LUA_DOC);
	return sb_xpath(L, d->doc, NULL, luaL_checkstring(L, 2), 1);
}

/* doc:root() -> the document element. */
static int sb_lua_doc_root(lua_State *L)
{
	sb_lua_doc *d = luaL_checkudata(L, 1, SB_LUA_DOC);
	sb_node_push(L, xmlDocGetRootElement(d->doc), 1);
	return 1;
}

/* doc:base() -> the URL the document was parsed with, or nil. */
static int sb_lua_doc_base(lua_State *L)
{
	sb_lua_doc *d = luaL_checkudata(L, 1, SB_LUA_DOC);
	if (d->doc->URL != NULL)
		lua_pushstring(L, (const char *)d->doc->URL);
	else
		lua_pushnil(L);
	return 1;
}

/* node:xpath(expr) -> expr evaluated with the node as context ("./li", ".//a/@href"). */
static int sb_lua_node_xpath(lua_State *L)
{
	sb_lua_node *u = luaL_checkudata(L, 1, SB_LUA_NODE);
	const char *expr = luaL_checkstring(L, 2);
	lua_getiuservalue(L, 1, 1);
	return sb_xpath(L, u->node->doc, u->node, expr, lua_gettop(L));
}

static const luaL_Reg sb_lua_doc_methods[] = {
	{"xpath", sb_lua_doc_xpath},
	{"root", sb_lua_doc_root},
	{"base", sb_lua_doc_base},
	{NULL, NULL},
};

static const luaL_Reg sb_lua_node_methods[] = {
	{"text", sb_lua_node_text},
	{"attr", sb_lua_node_attr},
	{"url", sb_lua_node_url},
	{"next", sb_lua_node_next},
	{"next_sibling", sb_lua_node_next_sibling},
	{"parent", sb_lua_node_parent},
	{"children", sb_lua_node_children},
	{"name", sb_lua_node_name},
	{"xpath", sb_lua_node_xpath},
	{NULL, NULL},
};

static const luaL_Reg sb_lua_html_funcs[] = {
	{"parse", sb_lua_html_parse},
	{NULL, NULL},
};

/* ---- sb.text ---- */

/* ASCII of U+00A0..U+00FF (NULL: dropped). */
static const char *const sb_latin1_ascii[96] = {
	" ",  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "a",  NULL, NULL, "-",
	NULL, NULL, NULL, NULL, "2",  "3",  NULL, NULL, NULL, NULL, NULL, "1",  "o",  NULL,
	NULL, NULL, NULL, NULL, "A",  "A",  "A",  "A",  "A",  "A",  "AE", "C",  "E",  "E",
	"E",  "E",  "I",  "I",  "I",  "I",  "D",  "N",  "O",  "O",  "O",  "O",  "O",  NULL,
	"O",  "U",  "U",  "U",  "U",  "Y",  "TH", "ss", "a",  "a",  "a",  "a",  "a",  "a",
	"ae", "c",  "e",  "e",  "e",  "e",  "i",  "i",  "i",  "i",  "d",  "n",  "o",  "o",
	"o",  "o",  "o",  NULL, "o",  "u",  "u",  "u",  "u",  "y",  "th", "y",
};

/* Base letters of U+0100..U+017F ('?' marks the ligatures handled apart). */
static const char sb_latin_ext_a[] = "AaAaAaCcCcCcCcDd"
				     "DdEeEeEeEeEeGgGg"
				     "GgGgHhHhIiIiIiIi"
				     "Ii??JjKkkLlLlLlL"
				     "lLlNnNnNnnNnOoOo"
				     "Oo??RrRrRrSsSsSs"
				     "SsTtTtTtUuUuUuUu"
				     "UuUuWwYyYZzZzZzs";

/* The ASCII of one code point, or NULL to drop it. */
static const char *sb_ascii_of(unsigned cp, char one[2])
{
	if (cp >= 0xA0 && cp <= 0xFF)
		return sb_latin1_ascii[cp - 0xA0];
	if (cp >= 0x100 && cp <= 0x17F) {
		switch (cp) {
		case 0x132:
			return "IJ";
		case 0x133:
			return "ij";
		case 0x152:
			return "OE";
		case 0x153:
			return "oe";
		default:
			one[0] = sb_latin_ext_a[cp - 0x100];
			one[1] = '\0';
			return one;
		}
	}
	if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000)
		return " ";
	if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
		return "-";
	if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A)
		return "'";
	if (cp == 0x201C || cp == 0x201D || cp == 0x201E)
		return "\"";
	if (cp == 0x2026)
		return "...";
	return NULL;
}

size_t sb_text_strip_accents(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t k = sb_utf8_next(u + i, len - i, &cp);
		if (k == 0) { /* not UTF-8: a Latin-1 byte */
			cp = u[i];
			k = 1;
		}
		i += k;
		if (cp < 0x80) {
			out[o++] = (char)cp;
			continue;
		}
		char one[2];
		const char *a = sb_ascii_of(cp, one);
		for (; a != NULL && *a != '\0'; a++)
			out[o++] = *a;
	}
	out[o] = '\0';
	return o;
}

/* Writes code point cp (below U+0800) as UTF-8. */
static size_t sb_utf8_put2(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	out[0] = (char)(0xC0 | (cp >> 6));
	out[1] = (char)(0x80 | (cp & 0x3F));
	return 2;
}

size_t sb_text_upper(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t k = sb_utf8_next(u + i, len - i, &cp);
		if (k == 0 || k > 2) { /* copied as it is */
			k = k == 0 ? 1 : k;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		unsigned up = cp;
		if (cp >= 'a' && cp <= 'z')
			up = cp - 32;
		else if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
			up = cp - 32;
		else if (cp == 0xFF)
			up = 0x178;
		else if ((cp >= 0x100 && cp <= 0x137 && (cp & 1)) ||
			 (cp >= 0x139 && cp <= 0x148 && !(cp & 1)) ||
			 (cp >= 0x14A && cp <= 0x177 && (cp & 1)) ||
			 (cp >= 0x179 && cp <= 0x17E && !(cp & 1)))
			up = cp - 1;
		if (cp == 0x131)
			up = cp; /* dotless i: left alone */
		size_t w = sb_utf8_put2(out + o, up);
		o += w;
		i += k;
	}
	out[o] = '\0';
	return o;
}

/* sb.text.upper(s) -> s upper-cased (ASCII and Latin letters, accented ones included). */
static int sb_lua_text_upper(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, len + 1);
	luaL_pushresultsize(&b, sb_text_upper(s, len, out));
	return 1;
}

/* sb.text.strip_accents(s) -> ASCII text: "ÁREA Ñ" -> "AREA N". */
static int sb_lua_text_strip_accents(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	luaL_argcheck(L, len < ((size_t)1 << 30), 1, "text too long");
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, 2 * len + 1);
	luaL_pushresultsize(&b, sb_text_strip_accents(s, len, out));
	return 1;
}

static int sb_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* sb.text.trim(s) -> s without leading and trailing blanks. */
static int sb_lua_text_trim(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	size_t a = 0;
	while (a < len && sb_is_blank(s[a]))
		a++;
	while (len > a && sb_is_blank(s[len - 1]))
		len--;
	lua_pushlstring(L, s + a, len - a);
	return 1;
}

/* sb.text.split(s [, word]) -> list of the pieces of s between occurrences of word (plain text,
 * empty pieces kept); without word, the words of s between runs of blanks. */
static int sb_lua_text_split(lua_State *L)
{
	size_t len, wlen = 0;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *word = luaL_optlstring(L, 2, NULL, &wlen);
	luaL_argcheck(L, word == NULL || wlen > 0, 2, "the separator must not be empty");
	lua_newtable(L);
	lua_Integer n = 0;
	const char *end = s + len;
	if (word == NULL) {
		const char *p = s;
		for (;;) {
			while (p < end && sb_is_blank(*p))
				p++;
			if (p == end)
				break;
			const char *q = p;
			while (q < end && !sb_is_blank(*q))
				q++;
			lua_pushlstring(L, p, (size_t)(q - p));
			lua_rawseti(L, -2, ++n);
			p = q;
		}
		return 1;
	}
	const char *p = s;
	for (;;) {
		const char *hit = NULL;
		for (const char *q = p; q + wlen <= end; q++)
			if (memcmp(q, word, wlen) == 0) {
				hit = q;
				break;
			}
		const char *stop = hit != NULL ? hit : end;
		lua_pushlstring(L, p, (size_t)(stop - p));
		lua_rawseti(L, -2, ++n);
		if (hit == NULL)
			break;
		p = hit + wlen;
	}
	return 1;
}

static const luaL_Reg sb_lua_text_funcs[] = {
	{"upper", sb_lua_text_upper},
	{"strip_accents", sb_lua_text_strip_accents},
	{"trim", sb_lua_text_trim},
	{"split", sb_lua_text_split},
	{NULL, NULL},
};

/* ---- sb.sources ---- */

#define SB_SOURCES_MAX ((size_t)64 << 20)

/* "<root>/<dir>/<LAYER>" for a layer name of letters, digits, '_' and '-'. [-0, +1] */
static const char *sb_sources_push_path(lua_State *L, const char *dir, int layer_arg)
{
	const char *layer = luaL_checkstring(L, layer_arg);
	luaL_argcheck(L,
		      *layer != '\0' && strspn(layer, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
						      "stuvwxyz0123456789_-") == strlen(layer),
		      layer_arg, "expected a layer name such as BORDE");
	const sb_settings *s = sb_lua_env_of(L)->s;
	if (s == NULL || s->root == NULL)
		luaL_error(L, "sb.sources: no project root in this run");
	return lua_pushfstring(L, "%s/%s/%s", s->root, dir, layer);
}

typedef struct sb_sources_read_ctx {
	lua_State *L;
	int warnings;
} sb_sources_read_ctx;

static void sb_sources_read_warn(void *ctx, const char *path, unsigned line, const char *msg)
{
	sb_sources_read_ctx *c = ctx;
	c->warnings++;
	sb_log(SB_LOG_WARNING, "sources", "%s:%u: %s", path, line, msg);
}

static void sb_sources_free_p(void *p)
{
	sb_sources_free(p);
	free(p);
}

/* sb.sources.read(layer) -> rows, comments, exists. rows: {url=, name=, capacity=, type=, line=}
 * in file order, as the core's parser reads them (lines it skips are logged as warnings);
 * comments: the '#' lines; exists: false when the file is missing (rows then empty). */
static int sb_lua_sources_read(lua_State *L)
{
	const char *path = sb_sources_push_path(L, "sources/SCAN", 1);
	sb_guard *g = sb_guard_push(L);
	char *buf = NULL;
	size_t len = 0;
	sb_err err = {0};
	int rc = sb_fs_read(path, SB_SOURCES_MAX, &buf, &len, &err);
	if (rc == SB_ENOTFOUND) {
		lua_newtable(L);
		lua_newtable(L);
		lua_pushboolean(L, 0);
		return 3;
	}
	if (rc != SB_OK)
		return luaL_error(L, "sb.sources.read: %s", err.msg);
	g->p[0] = buf;
	g->f[0] = free;
	sb_sources *src = calloc(1, sizeof(*src));
	if (src == NULL)
		return luaL_error(L, "sb.sources.read: out of memory");
	g->p[1] = src;
	g->f[1] = sb_sources_free_p;
	sb_sources_read_ctx c = {L, 0};
	sb_sources_parse(buf, len, path, src, sb_sources_read_warn, &c);
	lua_createtable(L, (int)src->n, 0);
	for (size_t i = 0; i < src->n; i++) {
		const sb_source *r = &src->v[i];
		lua_createtable(L, 0, 5);
		lua_pushstring(L, r->url);
		lua_setfield(L, -2, "url");
		lua_pushstring(L, r->name);
		lua_setfield(L, -2, "name");
		lua_pushnumber(L, r->capacity);
		lua_setfield(L, -2, "capacity");
		lua_pushstring(L, r->type);
		lua_setfield(L, -2, "type");
		lua_pushinteger(L, r->line);
		lua_setfield(L, -2, "line");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_newtable(L);
	lua_Integer nc = 0;
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl != NULL ? nl : end;
		const char *q = p;
		while (q < stop && sb_is_blank(*q))
			q++;
		if (q < stop && *q == '#') {
			size_t n = (size_t)(stop - q);
			while (n > 0 && sb_is_blank(q[n - 1]))
				n--;
			lua_pushlstring(L, q, n);
			lua_rawseti(L, -2, ++nc);
		}
		p = stop + 1;
	}
	lua_pushboolean(L, 1);
	return 3;
}

/* Reads field key of the row table at the top of the stack as a one-line string without ';'. */
static const char *sb_row_field(lua_State *L, lua_Integer i, const char *key)
{
	if (lua_getfield(L, -1, key) != LUA_TSTRING)
		luaL_error(L, "sb.sources.write: row %I: %s must be a string, got %s",
			   (lua_Integer)i, key, luaL_typename(L, -1));
	size_t len;
	const char *v = lua_tolstring(L, -1, &len);
	const char *why = NULL;
	if (len == 0)
		why = "is empty";
	else if (strpbrk(v, ";\n\r") != NULL || strlen(v) != len)
		why = "holds a ';', a line break or a NUL";
	else if (sb_is_blank(v[0]) || sb_is_blank(v[len - 1]))
		why = "starts or ends with a blank";
	else if (strcmp(key, "url") == 0 && v[0] == '#')
		why = "starts with '#'";
	if (why != NULL)
		luaL_error(L, "sb.sources.write: row %I: %s \"%s\" %s", (lua_Integer)i, key, v,
			   why);
	lua_pop(L, 1);
	return v; /* still referenced by the row table */
}

typedef struct sb_sources_check {
	int warnings;
	char first[600];
} sb_sources_check;

static void sb_sources_check_warn(void *ctx, const char *path, unsigned line, const char *msg)
{
	sb_sources_check *c = ctx;
	if (c->warnings++ == 0)
		snprintf(c->first, sizeof(c->first), "line %u: %s", line, msg);
}

/* Writes a file atomically, naming it in the Lua error on failure. */
static void sb_sources_put(lua_State *L, const char *path, const char *data, size_t len)
{
	sb_err err = {0};
	if (sb_fs_mkdirs_for(path) != SB_OK)
		luaL_error(L, "sb.sources.write: cannot create the folder of %s: %s", path,
			   strerror(errno));
	if (sb_fs_write_atomic(path, data, len, &err) != SB_OK)
		luaL_error(L, "sb.sources.write: %s", err.msg);
}

/* sb.sources.write(layer, rows [, {header = {"# ...", ...}}]) -> changed, path.
 * Every row needs url, name, type (one-line strings without ';') and capacity (a number >= 0);
 * the text is checked by the core's parser (so a duplicate name+type is refused) before anything
 * is written. When it differs from the current file, the current file is first copied to
 * sources/BK_SCAN/<LAYER>, then the new one replaces it atomically. Any error leaves both files
 * as they were. */
static int sb_lua_sources_write(lua_State *L)
{
	lua_settop(L, 3);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer nh = 0;
	if (!lua_isnil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_getfield(L, 3, "header");
		lua_replace(L, 3); /* 3: the header lines, or nil */
		if (!lua_isnil(L, 3)) {
			luaL_checktype(L, 3, LUA_TTABLE);
			nh = luaL_len(L, 3);
		}
	}
	const char *path = sb_sources_push_path(L, "sources/SCAN", 1);
	const char *bk = sb_sources_push_path(L, "sources/BK_SCAN", 1);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (lua_Integer i = 1; i <= nh; i++) {
		lua_geti(L, 3, i);
		size_t hl;
		const char *h = lua_tolstring(L, -1, &hl);
		if (h == NULL || h[0] != '#' || strpbrk(h, "\n\r") != NULL || strlen(h) != hl)
			return luaL_error(
				L,
				"sb.sources.write: header line %I must be one line starting "
				"with '#'",
				(lua_Integer)i);
		lua_pop(L, 1); /* balanced: h stays referenced by the header table */
		luaL_addlstring(&b, h, hl);
		luaL_addchar(&b, '\n');
	}
	lua_Integer n = luaL_len(L, 2);
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_geti(L, 2, i) != LUA_TTABLE)
			return luaL_error(L, "sb.sources.write: row %I is not a table",
					  (lua_Integer)i);
		const char *url = sb_row_field(L, i, "url");
		const char *name = sb_row_field(L, i, "name");
		const char *type = sb_row_field(L, i, "type");
		lua_getfield(L, -1, "capacity");
		int isnum = 0;
		lua_Number cap = lua_tonumberx(L, -1, &isnum);
		if (!isnum || !isfinite(cap) || cap < 0 || cap > 1e9)
			return luaL_error(
				L,
				"sb.sources.write: row %I (%s): capacity must be a number from 0 "
				"to 1e9 Gbps",
				(lua_Integer)i, name);
		lua_pop(L, 1);
		char line[64];
		snprintf(line, sizeof(line), ";%.15g;", (double)cap);
		lua_pop(L, 1); /* the row: its strings stay referenced by rows */
		luaL_addstring(&b, url);
		luaL_addchar(&b, ';');
		luaL_addstring(&b, name);
		luaL_addstring(&b, line);
		luaL_addstring(&b, type);
		luaL_addchar(&b, '\n');
	}
	luaL_pushresult(&b);
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);

	/* the core's parser must read back exactly these rows */
	sb_sources parsed = {0};
	sb_sources_check chk = {0};
	sb_sources_parse(text, len, path, &parsed, sb_sources_check_warn, &chk);
	size_t got = parsed.n;
	sb_sources_free(&parsed);
	if (chk.warnings > 0 || got != (size_t)n)
		return luaL_error(L, "sb.sources.write: %s would not read back: %s", path,
				  chk.warnings > 0 ? chk.first : "row count differs");

	sb_guard *g = sb_guard_push(L);
	char *old = NULL;
	size_t oldlen = 0;
	sb_err err = {0};
	int rc = sb_fs_read(path, SB_SOURCES_MAX, &old, &oldlen, &err);
	if (rc != SB_OK && rc != SB_ENOTFOUND)
		return luaL_error(L, "sb.sources.write: %s", err.msg);
	g->p[0] = old;
	g->f[0] = free;
	if (rc == SB_OK && oldlen == len && memcmp(old, text, len) == 0) {
		lua_pushboolean(L, 0);
		lua_pushstring(L, path);
		return 2;
	}
	if (rc == SB_OK)
		sb_sources_put(L, bk, old, oldlen);
	sb_sources_put(L, path, text, len);
	sb_guard_release(g);
	lua_pushboolean(L, 1);
	lua_pushstring(L, path);
	return 2;
}

static const luaL_Reg sb_lua_sources_funcs[] = {
	{"read", sb_lua_sources_read},
	{"write", sb_lua_sources_write},
	{NULL, NULL},
};

/* ---- the section ---- */

static void sb_xml_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* Registers a metatable name whose __index is the methods table. */
static void sb_lua_new_class(lua_State *L, const char *name, const luaL_Reg *methods,
			     lua_CFunction gc, lua_CFunction tostring)
{
	luaL_newmetatable(L, name);
	if (methods != NULL) {
		lua_newtable(L);
		luaL_setfuncs(L, methods, 0);
		lua_setfield(L, -2, "__index");
	}
	if (gc != NULL) {
		lua_pushcfunction(L, gc);
		lua_setfield(L, -2, "__gc");
	}
	if (tostring != NULL) {
		lua_pushcfunction(L, tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
}

void sb_lua_open_web(lua_State *L, int sb_index)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, sb_xml_silent);
	sb_lua_new_class(L, SB_LUA_GUARD, NULL, sb_guard_gc, NULL);
	sb_lua_new_class(L, SB_LUA_DOC, sb_lua_doc_methods, sb_doc_gc, NULL);
	sb_lua_new_class(L, SB_LUA_NODE, sb_lua_node_methods, NULL, sb_lua_node_tostring);
	luaL_newlib(L, sb_lua_http_funcs);
	lua_setfield(L, sb_index, "http");
	luaL_newlib(L, sb_lua_html_funcs);
	lua_setfield(L, sb_index, "html");
	luaL_newlib(L, sb_lua_text_funcs);
	lua_setfield(L, sb_index, "text");
	luaL_newlib(L, sb_lua_sources_funcs);
	lua_setfield(L, sb_index, "sources");
}
