/* sb.c - error strings, the error record and the allocation and number-parsing helpers. */
#include "config.h"

#include "base/sb.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const sb_errors[] = {
	"success",
	"out of memory",
	"invalid input",
	"input/output error",
	"parse error",
	"not found",
	"HTTP error",
	"timed out",
	"connection failed",
	"authentication refused",
	"module ABI mismatch",
	"module refused",
	"store error",
	"locked by another process",
	"input too large",
	"Lua script error",
	"xlsx writer error",
	"TLS error",
	"canceled",
	"truncated transfer",
};

const char *sb_strerror(int code)
{
	if (code > 0 || (size_t)-code >= SB_ARRAY_SIZE(sb_errors))
		return "unknown error";
	return sb_errors[-code];
}

int sb_err_set(sb_err *err, int code, const char *fmt, ...)
{
	if (err == NULL || err->code != SB_OK)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void sb_err_clear(sb_err *err)
{
	if (err == NULL)
		return;
	err->code = SB_OK;
	err->msg[0] = '\0';
}

static void sb_oom(size_t n)
{
	fprintf(stderr, "scanbackup: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		sb_oom(n);
	return p;
}

void *sb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		sb_oom(n * size);
	return p;
}

void *sb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		sb_oom(n);
	return q;
}

char *sb_xstrdup(const char *s)
{
	return sb_xstrndup(s, strlen(s));
}

char *sb_xstrndup(const char *s, size_t n)
{
	char *p = sb_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		sb_oom(0);
	char *p = sb_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static int sb_only_blanks(const char *s)
{
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int sb_parse_long(const char *s, long *out)
{
	if (s == NULL || sb_only_blanks(s))
		return SB_EINVAL;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || !sb_only_blanks(end))
		return SB_EINVAL;
	*out = v;
	return SB_OK;
}

int sb_parse_int64(const char *s, int64_t *out)
{
	if (s == NULL || sb_only_blanks(s))
		return SB_EINVAL;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || !sb_only_blanks(end))
		return SB_EINVAL;
	*out = (int64_t)v;
	return SB_OK;
}

int sb_parse_double(const char *s, double *out)
{
	if (s == NULL || sb_only_blanks(s))
		return SB_EINVAL;
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || !sb_only_blanks(end) || !isfinite(v))
		return SB_EINVAL;
	*out = v;
	return SB_OK;
}

int sb_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return SB_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return SB_OK;
		}
	}
	return SB_EINVAL;
}

size_t sb_str_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 255 || lb > 255 || (la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	/* three rows of the dynamic programme: two back, one back, this one */
	size_t rows[3][256];
	size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
		}
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] <= limit ? prev[lb] : limit + 1;
}

void sb_grow(void *pv, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	*(void **)pv = sb_xrealloc(*(void **)pv, *cap * size);
}
