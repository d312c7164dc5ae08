/* monitor_config.c - monitor.json read with libbson's JSON parser, checked key by key. */
#include "config.h"

#include "format/monitor_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <bson/bson.h>

#include "base/keyset.h"

#define SB_MON_MAX_STRING 1024
#define SB_MON_MAX_INTERVAL 86400L
#define SB_MON_MAX_SLEEP 86400.0

/* A test or link name is used in paths (data/PROBES/<test>/, the module file): plain words. */
static int sb_mon_plain_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 40)
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Returns 1 and *out when the iterator holds a number. */
static int sb_mon_number(const bson_iter_t *it, double *out, int *integral)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32:
		*out = bson_iter_int32(it);
		*integral = 1;
		return 1;
	case BSON_TYPE_INT64:
		*out = (double)bson_iter_int64(it);
		*integral = 1;
		return 1;
	case BSON_TYPE_DOUBLE:
		*out = bson_iter_double(it);
		*integral = isfinite(*out) && *out == floor(*out);
		return isfinite(*out);
	default:
		return 0;
	}
}

/* Fails when the document holds the same key twice, naming the first key seen again. */
static int sb_mon_no_dups(const char *path, const char *where, const bson_t *doc, sb_err *err)
{
	bson_iter_t a;
	if (!bson_iter_init(&a, doc))
		return SB_OK;
	sb_keyset seen; /* a set, not a pairwise check: 50,000 links are read at once */
	sb_keyset_init(&seen, 0);
	int rc = SB_OK;
	while (rc == SB_OK && bson_iter_next(&a)) {
		int added = 0;
		sb_keyset_put(&seen, bson_iter_key(&a), bson_iter_key_len(&a), &added);
		if (!added)
			rc = sb_err_set(err, SB_EINVAL, "%s: %s%s%s: the key appears twice", path,
					where, *where ? "." : "", bson_iter_key(&a));
	}
	sb_keyset_free(&seen);
	return rc;
}

int sb_place_ok(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 &&
	       lon <= 180;
}

/* One coordinate of a place, key "lat" or "lon" of where ("links.<name>", or "" for the
 * monitor), into p; have collects which (1: lat, 2: lon). */
static int sb_mon_coord(const char *path, const char *where, const bson_iter_t *it, sb_place *p,
			unsigned *have, sb_err *err)
{
	int lat = strcmp(bson_iter_key(it), "lat") == 0;
	double lim = lat ? 90 : 180, num = 0;
	int integral = 0;
	if (!sb_mon_number(it, &num, &integral) || !sb_place_ok(lat ? num : 0, lat ? 0 : num))
		return sb_err_set(
			err, SB_EINVAL,
			"%s: %s%s%s: expected degrees of %s, a number from %.15g to %.15g", path,
			where, *where ? "." : "", bson_iter_key(it), lat ? "latitude" : "longitude",
			-lim, lim);
	if (lat)
		p->lat = num;
	else
		p->lon = num;
	*have |= lat ? 1u : 2u;
	return SB_OK;
}

/* After the keys of where: a place has both coordinates or none. */
static int sb_mon_place_end(const char *path, const char *where, sb_place *p, unsigned have,
			    sb_err *err)
{
	if (have == 1u || have == 2u)
		return sb_err_set(err, SB_EINVAL,
				  "%s: %s%s%s: missing (a place is given by lat and lon together)",
				  path, where, *where ? "." : "", have == 1u ? "lon" : "lat");
	p->set = have == 3u;
	return SB_OK;
}

static int sb_mon_subdoc(const bson_iter_t *it, bson_t *out)
{
	const uint8_t *data = NULL;
	uint32_t len = 0;
	bson_iter_document(it, &len, &data);
	return bson_init_static(out, data, len) ? SB_OK : SB_EPARSE;
}

static int sb_mon_parse_test(const char *path, const bson_iter_t *it, sb_mon_test *t, sb_err *err)
{
	const char *name = bson_iter_key(it);
	t->name = sb_xstrdup(name);
	t->interval = 0;
	if (!sb_mon_plain_name(name))
		return sb_err_set(err, SB_EINVAL,
				  "%s: tests.%s: a test is named after its module: letters, "
				  "digits, _ and - only",
				  path, name);
	if (!BSON_ITER_HOLDS_DOCUMENT(it))
		return sb_err_set(err, SB_EINVAL, "%s: tests.%s: expected an object of parameters",
				  path, name);
	bson_t doc;
	if (sb_mon_subdoc(it, &doc) != SB_OK)
		return sb_err_set(err, SB_EPARSE, "%s: tests.%s: unreadable", path, name);
	char where[96];
	snprintf(where, sizeof(where), "tests.%s", name);
	int rc = sb_mon_no_dups(path, where, &doc, err);
	if (rc != SB_OK)
		return rc;
	bson_iter_t p;
	bson_iter_init(&p, &doc);
	int have_interval = 0;
	size_t count = bson_count_keys(&doc);
	t->kv = sb_xcalloc(count ? count : 1, sizeof(*t->kv));
	while (bson_iter_next(&p)) {
		const char *key = bson_iter_key(&p);
		double num = 0;
		int integral = 0;
		if (strcmp(key, "interval") == 0) {
			if (!sb_mon_number(&p, &num, &integral) || !integral || num < 1 ||
			    num > SB_MON_MAX_INTERVAL)
				return sb_err_set(err, SB_EINVAL,
						  "%s: tests.%s.interval: expected a positive "
						  "integer (seconds, at most %ld)",
						  path, name, SB_MON_MAX_INTERVAL);
			t->interval = (long)num;
			have_interval = 1;
			continue;
		}
		sb_mon_kv *kv = &t->kv[t->nkv++];
		kv->key = sb_xstrdup(key);
		if (sb_mon_number(&p, &num, &integral)) {
			kv->kind = integral ? SB_JV_INT : SB_JV_DOUBLE;
			kv->num = num;
		} else if (BSON_ITER_HOLDS_UTF8(&p)) {
			uint32_t len = 0;
			const char *s = bson_iter_utf8(&p, &len);
			kv->kind = SB_JV_STRING;
			kv->str = sb_xstrndup(s, len);
		} else if (BSON_ITER_HOLDS_BOOL(&p)) {
			kv->kind = SB_JV_BOOL;
			kv->b = bson_iter_bool(&p);
		} else {
			kv->kind = SB_JV_OTHER;
		}
	}
	if (!have_interval)
		return sb_err_set(
			err, SB_EINVAL,
			"%s: tests.%s.interval: missing (seconds between runs, a positive integer)",
			path, name);
	return SB_OK;
}

static int sb_mon_parse_link(const char *path, const bson_iter_t *it, sb_mon_link *l, sb_err *err)
{
	const char *name = bson_iter_key(it);
	l->name = sb_xstrdup(name);
	l->status = 1;
	l->id = -1;
	if (!BSON_ITER_HOLDS_DOCUMENT(it))
		return sb_err_set(err, SB_EINVAL,
				  "%s: links.%s: expected an object with status, ip and id", path,
				  name);
	bson_t doc;
	if (sb_mon_subdoc(it, &doc) != SB_OK)
		return sb_err_set(err, SB_EPARSE, "%s: links.%s: unreadable", path, name);
	char where[160];
	snprintf(where, sizeof(where), "links.%s", name);
	int rc = sb_mon_no_dups(path, where, &doc, err);
	if (rc != SB_OK)
		return rc;
	bson_iter_t p;
	bson_iter_init(&p, &doc);
	unsigned have_place = 0;
	while (bson_iter_next(&p)) {
		const char *key = bson_iter_key(&p);
		double num = 0;
		int integral = 0;
		if (strcmp(key, "lat") == 0 || strcmp(key, "lon") == 0) {
			rc = sb_mon_coord(path, where, &p, &l->place, &have_place, err);
			if (rc != SB_OK)
				return rc;
		} else if (strcmp(key, "status") == 0) {
			if (!BSON_ITER_HOLDS_BOOL(&p))
				return sb_err_set(err, SB_EINVAL,
						  "%s: links.%s.status: expected true or false",
						  path, name);
			l->status = bson_iter_bool(&p);
		} else if (strcmp(key, "id") == 0) {
			if (!sb_mon_number(&p, &num, &integral) || !integral || num < 0 ||
			    num > 9e15)
				return sb_err_set(err, SB_EINVAL,
						  "%s: links.%s.id: expected a whole number >= 0",
						  path, name);
			l->id = (int64_t)num;
		} else if (strcmp(key, "ip") == 0) {
			if (!BSON_ITER_HOLDS_UTF8(&p))
				return sb_err_set(err, SB_EINVAL,
						  "%s: links.%s.ip: expected a string", path, name);
			const char *s = bson_iter_utf8(&p, NULL);
			while (isspace((unsigned char)*s))
				s++;
			size_t n = strlen(s);
			while (n > 0 && isspace((unsigned char)s[n - 1]))
				n--;
			l->ip = sb_xstrndup(s, n);
			unsigned char buf[sizeof(struct in6_addr)];
			if (inet_pton(AF_INET, l->ip, buf) == 1)
				l->family = 4;
			else if (inet_pton(AF_INET6, l->ip, buf) == 1)
				l->family = 6;
			else
				return sb_err_set(err, SB_EINVAL,
						  "%s: links.%s.ip: expected a numeric IPv4 or "
						  "IPv6 address, got \"%s\"",
						  path, name, l->ip);
		} else {
			return sb_err_set(
				err, SB_EINVAL,
				"%s: links.%s.%s: unknown key (a link has status, ip, id, lat and "
				"lon)",
				path, name, key);
		}
	}
	rc = sb_mon_place_end(path, where, &l->place, have_place, err);
	if (rc != SB_OK)
		return rc;
	if (l->id < 0)
		return sb_err_set(err, SB_EINVAL, "%s: links.%s.id: missing", path, name);
	if (l->ip == NULL)
		return sb_err_set(err, SB_EINVAL, "%s: links.%s.ip: missing", path, name);
	return SB_OK;
}

static int sb_mon_link_cmp(const void *a, const void *b)
{
	const sb_mon_link *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int sb_mon_config_parse(const char *path, const char *text, size_t len, sb_mon_config *out,
			sb_err *err)
{
	bson_error_t be;
	bson_t doc;
	if (len == 0 || !bson_init_from_json(&doc, text, (ssize_t)len, &be))
		return sb_err_set(err, SB_EPARSE, "%s: not a JSON object: %s", path,
				  len == 0 ? "the file is empty" : be.message);
	sb_mon_config c = {.id = -1, .sleep_time = -1};
	int rc = sb_mon_no_dups(path, "", &doc, err);
	int have_tests = 0, have_links = 0;
	unsigned have_place = 0;
	bson_iter_t it;
	bson_iter_init(&it, &doc);
	while (rc == SB_OK && bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);
		double num = 0;
		int integral = 0;
		if (strcmp(key, "lat") == 0 || strcmp(key, "lon") == 0) {
			rc = sb_mon_coord(path, "", &it, &c.place, &have_place, err);
		} else if (strcmp(key, "sleep_time") == 0) {
			if (!sb_mon_number(&it, &num, &integral) || num <= 0 ||
			    num > SB_MON_MAX_SLEEP)
				rc = sb_err_set(
					err, SB_EINVAL,
					"%s: sleep_time: expected a positive number of seconds",
					path);
			c.sleep_time = num;
		} else if (strcmp(key, "id") == 0) {
			if (!sb_mon_number(&it, &num, &integral) || !integral || num < 0 ||
			    num > 9e15)
				rc = sb_err_set(
					err, SB_EINVAL,
					"%s: id: expected the monitor's id, a whole number >= 0",
					path);
			else
				c.id = (int64_t)num;
		} else if (strcmp(key, "name") == 0) {
			const char *v =
				BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, NULL) : NULL;
			if (v == NULL || v[0] == '\0' || strlen(v) > SB_MON_MAX_NAME)
				rc = sb_err_set(
					err, SB_EINVAL,
					"%s: name: expected the monitor's name, a text of 1 "
					"to %d bytes",
					path, SB_MON_MAX_NAME);
			else
				c.name = sb_xstrdup(v);
		} else if (strcmp(key, "tests") == 0 || strcmp(key, "links") == 0) {
			int tests = key[0] == 't';
			if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
				rc = sb_err_set(err, SB_EINVAL, "%s: %s: expected an object", path,
						key);
				break;
			}
			bson_t sub;
			rc = sb_mon_subdoc(&it, &sub);
			if (rc == SB_OK)
				rc = sb_mon_no_dups(path, key, &sub, err);
			if (rc != SB_OK)
				break;
			size_t n = bson_count_keys(&sub);
			bson_iter_t e;
			bson_iter_init(&e, &sub);
			if (tests) {
				have_tests = 1;
				c.tests = sb_xcalloc(n ? n : 1, sizeof(*c.tests));
				while (rc == SB_OK && bson_iter_next(&e))
					rc = sb_mon_parse_test(path, &e, &c.tests[c.ntests++], err);
			} else {
				have_links = 1;
				c.links = sb_xcalloc(n ? n : 1, sizeof(*c.links));
				while (rc == SB_OK && bson_iter_next(&e))
					rc = sb_mon_parse_link(path, &e, &c.links[c.nlinks++], err);
			}
		} else {
			rc = sb_err_set(
				err, SB_EINVAL,
				"%s: %s: unknown key (expected sleep_time, tests, links, id, name, "
				"lat and lon)",
				path, key);
		}
	}
	bson_destroy(&doc);
	if (rc == SB_OK)
		rc = sb_mon_place_end(path, "", &c.place, have_place, err);
	if (rc == SB_OK && c.sleep_time < 0)
		rc = sb_err_set(err, SB_EINVAL,
				"%s: sleep_time: missing (seconds between checks of this file)",
				path);
	if (rc == SB_OK && c.id < 0)
		rc = sb_err_set(err, SB_EINVAL, "%s: id: missing (the monitor's id)", path);
	if (rc == SB_OK && !have_tests)
		rc = sb_err_set(err, SB_EINVAL, "%s: tests: missing (an object, may be empty)",
				path);
	if (rc == SB_OK && !have_links)
		rc = sb_err_set(err, SB_EINVAL, "%s: links: missing (an object, may be empty)",
				path);
	if (rc == SB_OK && c.nlinks > 1) {
		qsort(c.links, c.nlinks, sizeof(*c.links), sb_mon_link_cmp);
		for (size_t i = 1; i < c.nlinks && rc == SB_OK; i++)
			if (c.links[i].id == c.links[i - 1].id)
				rc = sb_err_set(err, SB_EINVAL,
						"%s: links.%s.id: %lld is also the id of link %s",
						path, c.links[i].name, (long long)c.links[i].id,
						c.links[i - 1].name);
	}
	if (rc != SB_OK) {
		sb_mon_config_free(&c);
		return rc;
	}
	*out = c;
	return SB_OK;
}

void sb_mon_config_free(sb_mon_config *c)
{
	for (size_t i = 0; i < c->ntests; i++) {
		sb_mon_test *t = &c->tests[i];
		for (size_t k = 0; k < t->nkv; k++) {
			free(t->kv[k].key);
			free(t->kv[k].str);
		}
		free(t->kv);
		free(t->name);
	}
	for (size_t i = 0; i < c->nlinks; i++) {
		free(c->links[i].name);
		free(c->links[i].ip);
	}
	free(c->tests);
	free(c->links);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

const sb_mon_link *sb_mon_config_link(const sb_mon_config *c, int64_t id)
{
	size_t lo = 0, hi = c->nlinks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->links[mid].id == id)
			return &c->links[mid];
		if (c->links[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- parameters ---- */

static const char *sb_param_type_name(sb_param_type t)
{
	switch (t) {
	case SB_PARAM_INT:
		return "an integer";
	case SB_PARAM_NUMBER:
		return "a number";
	case SB_PARAM_STRING:
		return "a string";
	case SB_PARAM_BOOL:
		return "true or false";
	}
	return "a value";
}

/* Checks a value against its definition and fills v. */
static int sb_param_check(const char *path, const char *test, const char *key,
			  const sb_probe_param *d, const sb_mon_kv *kv, sb_pval *v, sb_err *err)
{
	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case SB_PARAM_INT:
	case SB_PARAM_NUMBER: {
		int ok = kv->kind == SB_JV_INT ||
			 (d->type == SB_PARAM_NUMBER && kv->kind == SB_JV_DOUBLE);
		if (!ok || kv->num < d->min || kv->num > d->max)
			return sb_err_set(err, SB_EINVAL,
					  "%s: tests.%s.%s: expected %s from %.15g to %.15g%s%s",
					  path, test, key, sb_param_type_name(d->type), d->min,
					  d->max, d->help != NULL ? " - " : "",
					  d->help != NULL ? d->help : "");
		v->num = kv->num;
		return SB_OK;
	}
	case SB_PARAM_STRING: {
		size_t max = d->max > 0 ? (size_t)d->max : SB_MON_MAX_STRING;
		if (kv->kind != SB_JV_STRING || strlen(kv->str) > max)
			return sb_err_set(err, SB_EINVAL,
					  "%s: tests.%s.%s: expected a string of at most %zu bytes",
					  path, test, key, max);
		v->str = sb_xstrdup(kv->str);
		return SB_OK;
	}
	case SB_PARAM_BOOL:
		if (kv->kind != SB_JV_BOOL)
			return sb_err_set(err, SB_EINVAL, "%s: tests.%s.%s: expected true or false",
					  path, test, key);
		v->b = kv->b;
		return SB_OK;
	}
	return sb_err_set(err, SB_EINVAL, "%s: tests.%s.%s: the module declares an unknown type",
			  path, test, key);
}

/* A default value of the module's table. */
static int sb_param_default(const sb_probe_param *d, sb_pval *v)
{
	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case SB_PARAM_INT:
	case SB_PARAM_NUMBER:
		return sb_parse_double(d->def, &v->num);
	case SB_PARAM_STRING:
		v->str = sb_xstrdup(d->def);
		return SB_OK;
	case SB_PARAM_BOOL:
		return sb_parse_bool(d->def, &v->b);
	}
	return SB_EINVAL;
}

static int sb_pover_cmp(const void *a, const void *b)
{
	const sb_pover *x = a, *y = b;
	return x->link < y->link ? -1 : x->link > y->link;
}

/* Splits "<param>_<digits>" into the parameter and the link id. */
static const sb_probe_param *sb_param_split(const sb_probe_param *defs, const char *key,
					    int64_t *link)
{
	const char *us = strrchr(key, '_');
	if (defs == NULL || us == NULL || us[1] == '\0')
		return NULL;
	for (const char *p = us + 1; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return NULL;
	if (sb_parse_int64(us + 1, link) != SB_OK)
		return NULL;
	for (const sb_probe_param *d = defs; d->name != NULL; d++)
		if (strlen(d->name) == (size_t)(us - key) &&
		    strncmp(d->name, key, (size_t)(us - key)) == 0)
			return d;
	return NULL;
}

int sb_mon_params_build(const char *path, const sb_mon_test *t, const sb_probe_param *defs,
			sb_paramset **out, sb_err *err)
{
	size_t ndefs = 0;
	for (const sb_probe_param *d = defs; d != NULL && d->name != NULL; d++)
		ndefs++;
	sb_paramset *ps = sb_xcalloc(1, sizeof(*ps));
	ps->refs = 1;
	ps->v = sb_xcalloc(ndefs ? ndefs : 1, sizeof(*ps->v));
	ps->n = ndefs;
	int rc = SB_OK;
	char *have = sb_xcalloc(ndefs ? ndefs : 1, 1);
	for (size_t i = 0; i < ndefs; i++) {
		ps->v[i].name = sb_xstrdup(defs[i].name);
		ps->v[i].type = defs[i].type;
		if (defs[i].def != NULL && sb_param_default(&defs[i], &ps->v[i].v) != SB_OK &&
		    rc == SB_OK)
			rc = sb_err_set(err, SB_EMODULE, "module %s: the default of %s is not %s",
					t->name, defs[i].name, sb_param_type_name(defs[i].type));
	}
	for (size_t k = 0; k < t->nkv && rc == SB_OK; k++) {
		const sb_mon_kv *kv = &t->kv[k];
		size_t i = 0;
		while (i < ndefs && strcmp(defs[i].name, kv->key) != 0)
			i++;
		if (i < ndefs) {
			free(ps->v[i].v.str);
			rc = sb_param_check(path, t->name, kv->key, &defs[i], kv, &ps->v[i].v, err);
			have[i] = 1;
			continue;
		}
		int64_t link = 0;
		const sb_probe_param *d = sb_param_split(defs, kv->key, &link);
		if (d == NULL) {
			char names[512] = "";
			size_t len = 0;
			for (size_t j = 0; j < ndefs; j++) {
				int w = snprintf(names + len, sizeof(names) - len, "%s%s",
						 j ? ", " : "", defs[j].name);
				if (w < 0 || (size_t)w >= sizeof(names) - len)
					break;
				len += (size_t)w;
			}
			rc = sb_err_set(err, SB_EINVAL,
					"%s: tests.%s.%s: unknown parameter (%s takes "
					"interval%s%s, each also as <param>_<link id>)",
					path, t->name, kv->key, t->name, ndefs ? ", " : "", names);
			break;
		}
		sb_pentry *e = &ps->v[d - defs];
		e->ov = sb_xrealloc(e->ov, (e->nov + 1) * sizeof(*e->ov));
		e->ov[e->nov].link = link;
		rc = sb_param_check(path, t->name, kv->key, d, kv, &e->ov[e->nov].v, err);
		e->nov++;
	}
	for (size_t i = 0; i < ndefs && rc == SB_OK; i++) {
		if (!have[i] && defs[i].def == NULL) {
			/* required: every link needs a value, from the test or its overrides */
			rc = sb_err_set(err, SB_EINVAL, "%s: tests.%s.%s: missing (%s)", path,
					t->name, defs[i].name,
					defs[i].help != NULL ? defs[i].help : "required");
		}
		if (ps->v[i].nov > 1)
			qsort(ps->v[i].ov, ps->v[i].nov, sizeof(*ps->v[i].ov), sb_pover_cmp);
	}
	free(have);
	if (rc != SB_OK) {
		sb_paramset_unref(ps);
		return rc;
	}
	*out = ps;
	return SB_OK;
}

sb_paramset *sb_paramset_ref(sb_paramset *ps)
{
	ps->refs++;
	return ps;
}

void sb_paramset_unref(sb_paramset *ps)
{
	if (ps == NULL || --ps->refs > 0)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].v.str);
		for (size_t k = 0; k < ps->v[i].nov; k++)
			free(ps->v[i].ov[k].v.str);
		free(ps->v[i].ov);
	}
	free(ps->v);
	free(ps);
}

const sb_pval *sb_paramset_get(const sb_paramset *ps, const char *name, int64_t link,
			       sb_param_type *type)
{
	for (size_t i = 0; ps != NULL && i < ps->n; i++) {
		const sb_pentry *e = &ps->v[i];
		if (strcmp(e->name, name) != 0)
			continue;
		if (type != NULL)
			*type = e->type;
		size_t lo = 0, hi = e->nov;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (e->ov[mid].link == link)
				return &e->ov[mid].v;
			if (e->ov[mid].link < link)
				lo = mid + 1;
			else
				hi = mid;
		}
		return &e->v;
	}
	return NULL;
}
