/* json_test.c - the JSON writer: separators, escaping (HTML-safe, bad UTF-8), numbers, the cap. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "tap.h"

static char *sb_doc(void (*build)(sb_json *j), size_t max)
{
	sb_json j;
	sb_json_init(&j, max);
	build(&j);
	return sb_json_take(&j, NULL);
}

static void sb_nested(sb_json *j)
{
	sb_json_obj(j);
	sb_json_kstr(j, "a", "x");
	sb_json_key(j, "b");
	sb_json_arr(j);
	sb_json_int(j, 1);
	sb_json_int(j, -2);
	sb_json_obj(j);
	sb_json_obj_end(j);
	sb_json_arr(j);
	sb_json_arr_end(j);
	sb_json_arr_end(j);
	sb_json_kbool(j, "c", 1);
	sb_json_key(j, "d");
	sb_json_null(j);
	sb_json_kstr(j, "e", NULL);
	sb_json_obj_end(j);
}

static void sb_escapes(sb_json *j)
{
	sb_json_str(j, "q\"b\\n\n<script>&\x01\t");
}

static void sb_bad_utf8(sb_json *j)
{
	sb_json_str(j, "a\xff\xc3\xa9\xed\xa0\x80z");
}

static void sb_numbers(sb_json *j)
{
	sb_json_arr(j);
	sb_json_num(j, 1.5);
	sb_json_num(j, 3.0);
	sb_json_num(j, NAN);
	sb_json_num(j, INFINITY);
	sb_json_num(j, 8.022e-9);
	sb_json_int(j, INT64_MIN);
	sb_json_arr_end(j);
}

static void sb_maybe(sb_json *j)
{
	sb_json_obj(j);
	sb_json_knum_if(j, "has", 1, 2.5);
	sb_json_knum_if(j, "lacks", 0, 2.5);
	sb_json_obj_end(j);
}

static void sb_big(sb_json *j)
{
	sb_json_arr(j);
	for (int i = 0; i < 1000; i++)
		sb_json_str(j, "0123456789");
	sb_json_arr_end(j);
}

static void sb_unbalanced(sb_json *j)
{
	sb_json_obj(j);
	sb_json_key(j, "a");
}

static void sb_deep(sb_json *j)
{
	for (int i = 0; i < SB_JSON_DEPTH + 2; i++)
		sb_json_arr(j);
	for (int i = 0; i < SB_JSON_DEPTH + 2; i++)
		sb_json_arr_end(j);
}

int main(void)
{
	char *s = sb_doc(sb_nested, 0);
	is_str(s, "{\"a\":\"x\",\"b\":[1,-2,{},[]],\"c\":true,\"d\":null,\"e\":null}",
	       "commas and nesting");
	free(s);
	s = sb_doc(sb_escapes, 0);
	is_str(s, "\"q\\\"b\\\\n\\n\\u003cscript\\u003e\\u0026\\u0001\\t\"",
	       "quotes, backslashes, controls and <>& escaped");
	free(s);
	s = sb_doc(sb_bad_utf8, 0);
	is_str(s, "\"a\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffdz\"",
	       "valid UTF-8 kept, invalid bytes and surrogates replaced");
	free(s);
	s = sb_doc(sb_numbers, 0);
	is_str(s, "[1.5,3,null,null,8.0220000000000006e-09,-9223372036854775808]",
	       "numbers: integral, non-finite as null, full precision");
	free(s);
	s = sb_doc(sb_maybe, 0);
	is_str(s, "{\"has\":2.5,\"lacks\":null}", "a number that may be absent: null when it is");
	free(s);
	s = sb_doc(sb_big, 5000);
	ok(s == NULL, "over the cap: no text");
	free(s);
	s = sb_doc(sb_big, 0);
	ok(s != NULL && strlen(s) == 2 + 1000 * 12 + 999, "under the default cap: whole");
	free(s);
	s = sb_doc(sb_unbalanced, 0);
	ok(s == NULL, "unbalanced containers: no text");
	s = sb_doc(sb_deep, 0);
	ok(s == NULL, "nesting deeper than SB_JSON_DEPTH: no text");
	return tap_done();
}
