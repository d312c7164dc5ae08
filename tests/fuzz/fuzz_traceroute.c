/* fuzz_traceroute.c - libFuzzer target: traceroute output parsed, its JSON read by libbson. */
#include "config.h"

#include <bson/bson.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include <scanbackup/probes.h>

/* A probe object: the four keys once each; "*" (rtt null) has every field null, a reply a
 * finite rtt >= 0; anno is null or starts with '!'; ipaddr and name are null or strings. */
static void check_probe(const bson_t *probe)
{
	bson_iter_t it;
	SB_FUZZ_CHECK(bson_iter_init(&it, probe));
	unsigned seen = 0, nulls = 0;
	int rtt_null = 0;
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);
		bson_type_t t = bson_iter_type(&it);
		nulls += t == BSON_TYPE_NULL;
		if (strcmp(key, "rtt") == 0) {
			SB_FUZZ_CHECK(!(seen & 1u));
			seen |= 1u;
			rtt_null = t == BSON_TYPE_NULL;
			if (!rtt_null) {
				SB_FUZZ_CHECK(t == BSON_TYPE_DOUBLE || t == BSON_TYPE_INT32 ||
					      t == BSON_TYPE_INT64);
				double v = bson_iter_as_double(&it);
				SB_FUZZ_CHECK(isfinite(v) && v >= 0);
			}
		} else if (strcmp(key, "anno") == 0) {
			SB_FUZZ_CHECK(!(seen & 2u));
			seen |= 2u;
			SB_FUZZ_CHECK(t == BSON_TYPE_NULL ||
				      (t == BSON_TYPE_UTF8 && bson_iter_utf8(&it, NULL)[0] == '!'));
		} else if (strcmp(key, "ipaddr") == 0 || strcmp(key, "name") == 0) {
			unsigned bit = key[0] == 'i' ? 4u : 8u;
			SB_FUZZ_CHECK(!(seen & bit));
			seen |= bit;
			SB_FUZZ_CHECK(t == BSON_TYPE_NULL || t == BSON_TYPE_UTF8);
		} else {
			SB_FUZZ_CHECK(!"an unknown key in a probe");
		}
	}
	SB_FUZZ_CHECK(seen == 15u);
	SB_FUZZ_CHECK(!rtt_null || nulls == 4);
}

/* The hops as serve_probes.c reads them: {"h": <json>} through libbson, h an array of nhops
 * arrays of probe objects. */
static void check_json(const char *json, size_t nhops)
{
	char *wrapped = sb_xasprintf("{\"h\": %s}", json);
	bson_error_t be;
	bson_t *doc = bson_new_from_json((const uint8_t *)wrapped, -1, &be);
	if (doc == NULL)
		fprintf(stderr, "libbson: %s\njson: %s\n", be.message, json);
	SB_FUZZ_CHECK(doc != NULL);
	bson_iter_t it, hops;
	SB_FUZZ_CHECK(bson_iter_init_find(&it, doc, "h") && BSON_ITER_HOLDS_ARRAY(&it));
	SB_FUZZ_CHECK(bson_iter_recurse(&it, &hops));
	size_t n = 0;
	while (bson_iter_next(&hops)) {
		SB_FUZZ_CHECK(BSON_ITER_HOLDS_ARRAY(&hops));
		bson_iter_t probes;
		SB_FUZZ_CHECK(bson_iter_recurse(&hops, &probes));
		while (bson_iter_next(&probes)) {
			SB_FUZZ_CHECK(BSON_ITER_HOLDS_DOCUMENT(&probes));
			const uint8_t *p = NULL;
			uint32_t len = 0;
			bson_iter_document(&probes, &len, &p);
			bson_t probe;
			SB_FUZZ_CHECK(bson_init_static(&probe, p, len));
			check_probe(&probe);
		}
		n++;
	}
	SB_FUZZ_CHECK(n == nhops);
	bson_destroy(doc);
	free(wrapped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = sb_fuzz_cstr(data, size);
	size_t lines = 1;
	for (const char *p = s; *p != '\0'; p++)
		lines += *p == '\n';
	char *json = NULL;
	size_t nhops = 0;
	int rc = sb_traceroute_parse(s, &json, &nhops);
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EPARSE);
	if (rc == SB_OK) {
		SB_FUZZ_CHECK(json != NULL && nhops >= 1 && nhops <= lines);
		check_json(json, nhops);
	} else {
		SB_FUZZ_CHECK(json == NULL && nhops == 0);
	}
	free(json);
	free(s);
	return 0;
}
