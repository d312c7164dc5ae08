/* serve_body.c - the dashboard's JSON request bodies, read without a connection. */
#include "config.h"

#include "serve/serve_body.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int sb_why(char why[SB_BODY_WHY], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sb_why(char why[SB_BODY_WHY], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, SB_BODY_WHY, fmt, ap);
	va_end(ap);
	return SB_EINVAL;
}

int sb_body_parse(const char *text, size_t len, bson_t *doc, char why[SB_BODY_WHY])
{
	if (text == NULL || len == 0)
		return sb_why(why, "the request needs a JSON object as its body");
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i == len || text[i] != '{')
		return sb_why(why, "the body must be a JSON object");
	bson_error_t be;
	if (!bson_init_from_json(doc, text, (ssize_t)len, &be))
		return sb_why(why, "the body is not valid JSON: %.200s", be.message);
	return SB_OK;
}

int sb_body_get_str(const bson_t *doc, const char *key, const char **out, char why[SB_BODY_WHY])
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || BSON_ITER_HOLDS_NULL(&it))
		return 0;
	if (!BSON_ITER_HOLDS_UTF8(&it)) {
		sb_why(why, "%s: expected a string", key);
		return -1;
	}
	uint32_t len = 0;
	const char *s = bson_iter_utf8(&it, &len);
	if (strlen(s) != len) {
		sb_why(why, "%s: a string may not hold NUL characters", key);
		return -1;
	}
	*out = s;
	return 1;
}

int sb_body_get_num(const bson_t *doc, const char *key, double *out, char why[SB_BODY_WHY])
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || BSON_ITER_HOLDS_NULL(&it))
		return 0;
	if (!BSON_ITER_HOLDS_NUMBER(&it) || !isfinite(bson_iter_as_double(&it))) {
		sb_why(why, "%s: expected a number", key);
		return -1;
	}
	*out = bson_iter_as_double(&it);
	return 1;
}

int sb_body_get_bool(const bson_t *doc, const char *key, int *out, char why[SB_BODY_WHY])
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || BSON_ITER_HOLDS_NULL(&it))
		return 0;
	if (!BSON_ITER_HOLDS_BOOL(&it)) {
		sb_why(why, "%s: expected true or false", key);
		return -1;
	}
	*out = bson_iter_bool(&it);
	return 1;
}

int sb_body_get_id(const bson_t *doc, const char *key, int64_t max, int64_t *out,
		   char why[SB_BODY_WHY])
{
	double v = 0;
	int got = sb_body_get_num(doc, key, &v, why);
	if (got <= 0)
		return got;
	/* compared as doubles first: a cast of a double out of int64_t's range is undefined */
	if (!(v >= 0 && v <= (double)max) || v != floor(v)) {
		sb_why(why, "%s: expected a whole number from 0 to %lld", key, (long long)max);
		return -1;
	}
	*out = (int64_t)v;
	return 1;
}

int sb_body_monitor(const bson_t *doc, const char **name, double *sleep, int64_t *id,
		    char why[SB_BODY_WHY])
{
	if (sb_body_get_str(doc, "name", name, why) < 0 ||
	    sb_body_get_num(doc, "sleep_time", sleep, why) < 0 ||
	    (id != NULL && sb_body_get_id(doc, "id", INT32_MAX, id, why) < 0))
		return SB_EINVAL;
	return SB_OK; /* the name and sleep_time rules are servedb's */
}

int sb_body_place(const bson_t *doc, sb_place *p, char why[SB_BODY_WHY])
{
	double lat = 0, lon = 0;
	int a = sb_body_get_num(doc, "lat", &lat, why);
	int b = a < 0 ? -1 : sb_body_get_num(doc, "lon", &lon, why);
	if (a < 0 || b < 0)
		return SB_EINVAL;
	bson_iter_t it;
	int named_lat = bson_iter_init_find(&it, doc, "lat");
	int named_lon = bson_iter_init_find(&it, doc, "lon");
	if (!named_lat && !named_lon)
		return SB_OK;
	if (a != b || named_lat != named_lon)
		return sb_why(why,
			      "%s: missing (a place is given by lat and lon together; both "
			      "null remove it)",
			      a > b || (named_lat && !named_lon) ? "lon" : "lat");
	if (a == 0) {
		p->set = 0;
		return SB_OK;
	}
	if (!sb_place_ok(lat, lon))
		return sb_why(why, "lat, lon: expected degrees, a latitude from -90 to 90 and a "
				   "longitude from -180 to 180");
	p->set = 1;
	p->lat = lat;
	p->lon = lon;
	return SB_OK;
}

int sb_body_link(const bson_t *doc, sb_link_rec *l, char why[SB_BODY_WHY])
{
	const char *name = NULL, *ip = NULL;
	int64_t id = l->id;
	int status = l->status;
	if (sb_body_get_str(doc, "name", &name, why) < 0 ||
	    sb_body_get_str(doc, "ip", &ip, why) < 0 ||
	    sb_body_get_id(doc, "id", INT32_MAX, &id, why) < 0 ||
	    sb_body_get_bool(doc, "status", &status, why) < 0 ||
	    sb_body_place(doc, &l->place, why) != SB_OK)
		return SB_EINVAL;
	if (name != NULL && !sb_servedb_label_ok(name))
		return sb_why(why, "name: 1 to 64 printable characters");
	if (ip != NULL) {
		unsigned char buf[16];
		if (strlen(ip) >= sizeof(l->ip) ||
		    (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1))
			return sb_why(why, "ip: expected a numeric IPv4 or IPv6 address");
	}
	if (name != NULL)
		snprintf(l->name, sizeof(l->name), "%s", name);
	if (ip != NULL)
		snprintf(l->ip, sizeof(l->ip), "%s", ip);
	l->id = id;
	l->status = status;
	return SB_OK;
}

char *sb_body_test_params(const bson_t *doc, char why[SB_BODY_WHY])
{
	sb_json j;
	sb_json_init(&j, 16384);
	sb_json_obj(&j);
	bson_iter_t it;
	if (!bson_iter_init(&it, doc)) {
		sb_json_free(&j);
		sb_why(why, "the parameters are not a JSON object");
		return NULL;
	}
	while (bson_iter_next(&it)) {
		uint32_t klen = bson_iter_key_len(&it);
		const char *key = bson_iter_key(&it);
		if (klen == 0 || klen > 64 || strlen(key) != klen) {
			sb_json_free(&j);
			sb_why(why, "a parameter name has 1 to 64 characters");
			return NULL;
		}
		if (BSON_ITER_HOLDS_UTF8(&it)) {
			uint32_t len = 0;
			const char *s = bson_iter_utf8(&it, &len);
			sb_json_key(&j, key);
			sb_json_strn(&j, s, len);
		} else if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it)) {
			sb_json_key(&j, key);
			sb_json_int(&j, bson_iter_as_int64(&it));
		} else if (BSON_ITER_HOLDS_DOUBLE(&it) && isfinite(bson_iter_double(&it))) {
			sb_json_key(&j, key);
			sb_json_num(&j, bson_iter_double(&it));
		} else if (BSON_ITER_HOLDS_BOOL(&it)) {
			sb_json_key(&j, key);
			sb_json_bool(&j, bson_iter_bool(&it));
		} else {
			sb_json_free(&j);
			sb_why(why, "%.64s: a parameter is a number, a string or true/false", key);
			return NULL;
		}
	}
	sb_json_obj_end(&j);
	char *text = sb_json_take(&j, NULL);
	if (text == NULL)
		sb_why(why, "the parameters are too large");
	return text;
}

void sb_json_bson(sb_json *j, const bson_t *doc, int array)
{
	bson_iter_t it;
	if (array)
		sb_json_arr(j);
	else
		sb_json_obj(j);
	if (bson_iter_init(&it, doc)) {
		while (bson_iter_next(&it)) {
			if (!array)
				sb_json_key(j, bson_iter_key(&it));
			if (BSON_ITER_HOLDS_UTF8(&it)) {
				uint32_t len = 0;
				const char *s = bson_iter_utf8(&it, &len);
				sb_json_strn(j, s, len);
			} else if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it)) {
				sb_json_int(j, bson_iter_as_int64(&it));
			} else if (BSON_ITER_HOLDS_DOUBLE(&it)) {
				sb_json_num(j, bson_iter_double(&it));
			} else if (BSON_ITER_HOLDS_BOOL(&it)) {
				sb_json_bool(j, bson_iter_bool(&it));
			} else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
				const uint8_t *data = NULL;
				uint32_t len = 0;
				int arr = BSON_ITER_HOLDS_ARRAY(&it);
				if (arr)
					bson_iter_array(&it, &len, &data);
				else
					bson_iter_document(&it, &len, &data);
				bson_t sub;
				if (bson_init_static(&sub, data, len))
					sb_json_bson(j, &sub, arr);
				else
					sb_json_null(j);
			} else {
				sb_json_null(j);
			}
		}
	}
	if (array)
		sb_json_arr_end(j);
	else
		sb_json_obj_end(j);
}
