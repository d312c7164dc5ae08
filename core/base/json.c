/* json.c - the JSON text writer: escaping, separators and the size cap. */
#include "config.h"

#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/numtext.h"
#include "base/sb.h"

void sb_json_init(sb_json *j, size_t max)
{
	memset(j, 0, sizeof(*j));
	j->max = max != 0 ? max : (size_t)64 << 20;
	j->first[0] = 1;
}

static void sb_json_put(sb_json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (n > j->max || j->len > j->max - n) {
		j->failed = 1;
		return;
	}
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap != 0 ? j->cap : 256;
		while (cap < j->len + n + 1)
			cap *= 2;
		j->buf = sb_xrealloc(j->buf, cap);
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* The separator before a value (or a key) at the current depth. */
static void sb_json_sep(sb_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		sb_json_put(j, ",", 1);
	j->first[j->depth] = 0;
}

static void sb_json_open(sb_json *j, char c)
{
	sb_json_sep(j);
	if (j->depth + 1 >= SB_JSON_DEPTH) {
		j->failed = 1;
		return;
	}
	sb_json_put(j, &c, 1);
	j->depth++;
	j->first[j->depth] = 1;
}

static void sb_json_close(sb_json *j, char c)
{
	if (j->depth == 0) {
		j->failed = 1;
		return;
	}
	j->depth--;
	sb_json_put(j, &c, 1);
}

void sb_json_obj(sb_json *j)
{
	sb_json_open(j, '{');
}

void sb_json_obj_end(sb_json *j)
{
	sb_json_close(j, '}');
}

void sb_json_arr(sb_json *j)
{
	sb_json_open(j, '[');
}

void sb_json_arr_end(sb_json *j)
{
	sb_json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid. */
static size_t sb_json_utf8(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0xFF >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static void sb_json_escaped(sb_json *j, const char *s, size_t n)
{
	sb_json_put(j, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* bytes copied as they are, pending */
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		const char *esc = NULL;
		char buf[8];
		size_t step = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
			snprintf(buf, sizeof(buf), "\\u%04x", c);
			esc = buf;
		} else if (c >= 0x80) {
			step = sb_json_utf8(p + i, n - i);
			if (step == 0) {
				esc = "\\ufffd";
				step = 1;
			}
		}
		if (esc != NULL) {
			sb_json_put(j, s + i - run, run);
			run = 0;
			sb_json_put(j, esc, strlen(esc));
		} else {
			run += step;
		}
		i += step;
	}
	sb_json_put(j, s + n - run, run);
	sb_json_put(j, "\"", 1);
}

void sb_json_key(sb_json *j, const char *key)
{
	sb_json_sep(j);
	sb_json_escaped(j, key, strlen(key));
	sb_json_put(j, ":", 1);
	j->after_key = 1;
}

void sb_json_strn(sb_json *j, const char *s, size_t n)
{
	sb_json_sep(j);
	sb_json_escaped(j, s, n);
}

void sb_json_str(sb_json *j, const char *s)
{
	if (s == NULL)
		sb_json_null(j);
	else
		sb_json_strn(j, s, strlen(s));
}

void sb_json_int(sb_json *j, int64_t v)
{
	/* without printf: the chart answers hold tens of thousands of these */
	char buf[SB_TEXT_INT_MAX];
	sb_json_sep(j);
	sb_json_put(j, buf, (size_t)(sb_text_int(buf, v) - buf));
}

void sb_json_num(sb_json *j, double v)
{
	if (!isfinite(v)) {
		sb_json_null(j);
		return;
	}
	char buf[40];
	int n;
	if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(buf, sizeof(buf), "%.0f", v);
	else
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	sb_json_sep(j);
	sb_json_put(j, buf, (size_t)n);
}

void sb_json_bool(sb_json *j, int v)
{
	sb_json_sep(j);
	sb_json_put(j, v ? "true" : "false", v ? 4 : 5);
}

void sb_json_null(sb_json *j)
{
	sb_json_sep(j);
	sb_json_put(j, "null", 4);
}

void sb_json_raw(sb_json *j, const char *text, size_t n)
{
	sb_json_sep(j);
	sb_json_put(j, text, n);
}

void sb_json_kstr(sb_json *j, const char *key, const char *s)
{
	sb_json_key(j, key);
	sb_json_str(j, s);
}

void sb_json_kint(sb_json *j, const char *key, int64_t v)
{
	sb_json_key(j, key);
	sb_json_int(j, v);
}

void sb_json_knum(sb_json *j, const char *key, double v)
{
	sb_json_key(j, key);
	sb_json_num(j, v);
}

void sb_json_knum_if(sb_json *j, const char *key, int has, double v)
{
	sb_json_key(j, key);
	if (has)
		sb_json_num(j, v);
	else
		sb_json_null(j);
}

void sb_json_kbool(sb_json *j, const char *key, int v)
{
	sb_json_key(j, key);
	sb_json_bool(j, v);
}

char *sb_json_take(sb_json *j, size_t *len)
{
	char *out = NULL;
	if (!j->failed && j->depth == 0 && !j->after_key) {
		if (j->buf == NULL)
			j->buf = sb_xstrdup("");
		out = j->buf;
		if (len != NULL)
			*len = j->len;
		j->buf = NULL;
	}
	sb_json_free(j);
	return out;
}

void sb_json_free(sb_json *j)
{
	free(j->buf);
	size_t max = j->max;
	sb_json_init(j, max);
}
