/* probe_json.c - a number or a string out of a tool's JSON output (libbson's JSON parser). */
#include "config.h"

#include <scanbackup/probes.h>

#include <bson/bson.h>
#include <stdio.h>
#include <string.h>

/* Finds path in json; SB_OK with *doc (to destroy) and *it on the value. */
static int sb_probe_json_find(const char *json, const char *path, bson_t *doc, bson_iter_t *it)
{
	if (json == NULL || path == NULL)
		return SB_EINVAL;
	size_t n = strlen(json);
	if (n > ((size_t)64 << 20))
		return SB_EPARSE;
	/* libbson reads a document: the text goes under one key, so a list works too */
	char *wrapped = sb_xasprintf("{\"v\":%s}", json);
	bson_error_t be;
	int ok = bson_init_from_json(doc, wrapped, -1, &be);
	free(wrapped);
	if (!ok)
		return SB_EPARSE;
	bson_iter_t top;
	if (!bson_iter_init_find(&top, doc, "v") ||
	    !(BSON_ITER_HOLDS_DOCUMENT(&top) || BSON_ITER_HOLDS_ARRAY(&top))) {
		bson_destroy(doc);
		return SB_EPARSE;
	}
	char *full = sb_xasprintf("v.%s", path);
	bson_iter_t root;
	int found = bson_iter_init(&root, doc) && bson_iter_find_descendant(&root, full, it);
	free(full);
	if (!found) {
		bson_destroy(doc);
		return SB_ENOTFOUND;
	}
	return SB_OK;
}

int sb_probe_json_number(const char *json, const char *path, double *out)
{
	bson_t doc;
	bson_iter_t it;
	int rc = sb_probe_json_find(json, path, &doc, &it);
	if (rc != SB_OK)
		return rc;
	rc = SB_ENOTFOUND;
	if (BSON_ITER_HOLDS_NUMBER(&it)) {
		*out = bson_iter_as_double(&it);
		rc = SB_OK;
	}
	bson_destroy(&doc);
	return rc;
}

int sb_probe_json_string(const char *json, const char *path, char *buf, size_t size)
{
	bson_t doc;
	bson_iter_t it;
	int rc = sb_probe_json_find(json, path, &doc, &it);
	if (rc != SB_OK)
		return rc;
	rc = SB_ENOTFOUND;
	if (BSON_ITER_HOLDS_UTF8(&it) && size > 0) {
		snprintf(buf, size, "%s", bson_iter_utf8(&it, NULL));
		rc = SB_OK;
	}
	bson_destroy(&doc);
	return rc;
}
