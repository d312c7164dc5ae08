/* json.h - a small JSON text writer (escaping, commas, a size cap) for the web server's answers. */
#ifndef SB_BASE_JSON_H
#define SB_BASE_JSON_H

#include <stddef.h>
#include <stdint.h>

/* A JSON document being written. Calls append to it in document order; commas between members
 * and elements are written by the writer. Strings are escaped for JSON and for safe embedding in
 * HTML (<, >, & as \u escapes); invalid UTF-8 bytes become U+FFFD. Numbers that are not finite
 * are written as null. Once the text would exceed max bytes, or containers nest deeper than
 * SB_JSON_DEPTH, the writer is marked failed and ignores further calls. Not thread-safe; one
 * writer per document. */
#define SB_JSON_DEPTH 32

typedef struct sb_json {
	char *buf;
	size_t len, cap, max;
	int failed;
	int depth;
	unsigned char first[SB_JSON_DEPTH]; /* 1 while the container at that depth is empty */
	int after_key;
} sb_json;

/* Starts an empty document that may grow to max bytes (0 = 64 MiB). */
void sb_json_init(sb_json *j, size_t max);

/* Containers. */
void sb_json_obj(sb_json *j);
void sb_json_obj_end(sb_json *j);
void sb_json_arr(sb_json *j);
void sb_json_arr_end(sb_json *j);

/* A member name inside an object; the next value call writes its value. */
void sb_json_key(sb_json *j, const char *key);

/* Values. sb_json_str(NULL) writes null. */
void sb_json_str(sb_json *j, const char *s);
void sb_json_strn(sb_json *j, const char *s, size_t n);
void sb_json_int(sb_json *j, int64_t v);
void sb_json_num(sb_json *j, double v);
void sb_json_bool(sb_json *j, int v);
void sb_json_null(sb_json *j);
/* Already valid JSON text (a value), copied as it is. */
void sb_json_raw(sb_json *j, const char *text, size_t n);

/* Key + value shorthands. */
void sb_json_kstr(sb_json *j, const char *key, const char *s);
void sb_json_kint(sb_json *j, const char *key, int64_t v);
void sb_json_knum(sb_json *j, const char *key, double v);
/* key: v when has, else null (a value that may be absent). */
void sb_json_knum_if(sb_json *j, const char *key, int has, double v);
void sb_json_kbool(sb_json *j, const char *key, int v);

/* Returns the text (NUL-terminated, caller frees) and its length, or NULL when the writer failed
 * (over the cap, nesting, or unbalanced containers); the writer is reset either way. */
char *sb_json_take(sb_json *j, size_t *len);

/* Frees the text of a writer not taken. */
void sb_json_free(sb_json *j);

#endif
