/* fuzz_webjson.c - libFuzzer target: a JSON request body of the dashboard read as the server reads
 * it (serve_body.h): parsed, its members taken by type, read as a monitor, a link and a test's
 * parameters; what the server writes back from it (the parameters, the document as JSON) must be
 * JSON that reads again, and the parameters must go through the monitor.json check unharmed. */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "format/monitor_config.h"
#include "fuzz.h"
#include "serve/serve_body.h"

/* text must read back as a JSON object. */
static bson_t *reparse(const char *text, size_t len)
{
	bson_error_t be;
	bson_t *doc = bson_new_from_json((const uint8_t *)text, (ssize_t)len, &be);
	if (doc == NULL)
		fprintf(stderr, "libbson: %s\njson: %.*s\n", be.message, (int)len, text);
	SB_FUZZ_CHECK(doc != NULL);
	return doc;
}

static void check_members(const bson_t *doc)
{
	static const char *const keys[] = {"user",       "password", "old", "name",
					   "role",       "ip",       "id",  "status",
					   "sleep_time", "interval", "lat", "lon"};
	char why[SB_BODY_WHY];
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *s = NULL;
		double d = 0;
		int b = 0;
		int64_t id = -1;
		int got = sb_body_get_str(doc, keys[i], &s, why);
		SB_FUZZ_CHECK(got >= -1 && got <= 1 && (got != 1 || s != NULL));
		got = sb_body_get_num(doc, keys[i], &d, why);
		SB_FUZZ_CHECK(got != 1 || isfinite(d));
		got = sb_body_get_bool(doc, keys[i], &b, why);
		SB_FUZZ_CHECK(got != 1 || b == 0 || b == 1);
		got = sb_body_get_id(doc, keys[i], INT32_MAX, &id, why);
		SB_FUZZ_CHECK(got != 1 || (id >= 0 && id <= INT32_MAX));
	}
}

static void check_link(const bson_t *doc)
{
	sb_link_rec l = {.id = 0, .name = "x", .ip = "127.0.0.1", .status = 1};
	char why[SB_BODY_WHY];
	if (sb_body_link(doc, &l, why) != SB_OK) {
		SB_FUZZ_CHECK(why[0] != '\0');
		return;
	}
	unsigned char buf[16];
	SB_FUZZ_CHECK(l.id >= 0 && l.id <= INT32_MAX && (l.status == 0 || l.status == 1));
	SB_FUZZ_CHECK(sb_servedb_label_ok(l.name));
	SB_FUZZ_CHECK(inet_pton(AF_INET, l.ip, buf) == 1 || inet_pton(AF_INET6, l.ip, buf) == 1);
	SB_FUZZ_CHECK(!l.place.set || sb_place_ok(l.place.lat, l.place.lon));
}

static void check_params(const bson_t *doc)
{
	char why[SB_BODY_WHY];
	char *params = sb_body_test_params(doc, why);
	if (params == NULL) {
		SB_FUZZ_CHECK(why[0] != '\0');
		return;
	}
	bson_t *back = reparse(params, strlen(params));
	SB_FUZZ_CHECK(bson_count_keys(back) == bson_count_keys(doc));
	bson_destroy(back);
	/* the monitor.json the server builds around them, as sb_check_edit does */
	char *text = sb_xasprintf("{\"sleep_time\": 10, \"id\": 1, \"links\": {\"a\": {\"ip\": "
				  "\"127.0.0.1\", \"id\": 1}}, \"tests\": {\"probe\": %s}}",
				  params);
	sb_mon_config c;
	memset(&c, 0, sizeof(c));
	sb_err err = {0};
	int rc = sb_mon_config_parse("monitor.json", text, strlen(text), &c, &err);
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EINVAL || rc == SB_EPARSE);
	if (rc == SB_OK)
		sb_mon_config_free(&c);
	free(text);
	free(params);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bson_t doc;
	char why[SB_BODY_WHY];
	if (sb_body_parse((const char *)data, size, &doc, why) != SB_OK) {
		SB_FUZZ_CHECK(why[0] != '\0');
		return 0;
	}
	check_members(&doc);
	const char *name = NULL;
	double sleep = 10;
	int64_t id = 0;
	if (sb_body_monitor(&doc, &name, &sleep, &id, why) == SB_OK)
		SB_FUZZ_CHECK(isfinite(sleep) && id >= 0 && id <= INT32_MAX);
	check_link(&doc);
	check_params(&doc);
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_bson(&j, &doc, 0);
	size_t len = 0;
	char *text = sb_json_take(&j, &len);
	if (text != NULL) {
		bson_t *back = reparse(text, len);
		bson_destroy(back);
		free(text);
	}
	bson_destroy(&doc);
	return 0;
}
