/* probe_parse.c - the system ping's and traceroute's output read into numbers and JSON. */
#include "config.h"

#include "probe_parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ping ---- */

int sb_ping_parse(const char *out, double *rtts, size_t max, size_t *nrtt, int *sent,
		  int *received)
{
	*nrtt = 0;
	*sent = *received = 0;
	int have_stats = 0;
	for (const char *line = out; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), line);
		const char *t = strstr(buf, " time=");
		if (strstr(buf, "bytes from") != NULL && t != NULL && *nrtt < max) {
			char *end = NULL;
			double v = strtod(t + 6, &end);
			if (end != t + 6 && v >= 0)
				rtts[(*nrtt)++] = v;
		}
		const char *tx = strstr(buf, " packets transmitted, ");
		if (tx != NULL) {
			char *end = NULL;
			long a = strtol(buf, &end, 10);
			long b = strtol(tx + 22, &end, 10);
			if (end != tx + 22 && a >= 0 && b >= 0 && a < 1000000 && b < 1000000) {
				*sent = (int)a;
				*received = (int)b;
				have_stats = 1;
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return have_stats ? SB_OK : SB_EPARSE;
}

static int sb_cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double sb_median(double *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), sb_cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* ---- traceroute ---- */

typedef struct sb_buf {
	char *s;
	size_t len, cap;
} sb_buf;

static void sb_buf_add(sb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_buf_add(sb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = sb_xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A JSON string of s, or null. */
static void sb_buf_json_str(sb_buf *b, const char *s)
{
	if (s == NULL) {
		sb_buf_add(b, "null");
		return;
	}
	sb_buf_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			sb_buf_add(b, "\\%c", *p);
		else if (*p < 0x20)
			sb_buf_add(b, "\\u%04x", *p);
		else
			sb_buf_add(b, "%c", *p);
	}
	sb_buf_add(b, "\"");
}

static int sb_is_number(const char *t)
{
	char *end = NULL;
	strtod(t, &end);
	return end != t && *end == '\0' && isdigit((unsigned char)t[0]);
}

/* A token that names a host: an address, or a name followed by "(address)". */
static int sb_is_addr(const char *t)
{
	int dots = 0, colons = 0;
	for (const char *p = t; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (*p == ':')
			colons++;
		else if (!isxdigit((unsigned char)*p))
			return 0;
	}
	return dots == 3 || colons >= 2;
}

#define SB_TR_TOKENS 128

int sb_traceroute_parse(const char *out, char **json, size_t *nhops)
{
	sb_buf b = {0};
	sb_buf_add(&b, "[");
	*nhops = 0;
	for (const char *line = out; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char *copy = sb_xstrndup(line, len);
		line = nl != NULL ? nl + 1 : NULL;
		char *tok[SB_TR_TOKENS];
		size_t nt = 0;
		for (char *p = copy; *p != '\0' && nt < SB_TR_TOKENS;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			if (*p == '\0')
				break;
			tok[nt++] = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if (*p != '\0')
				*p++ = '\0';
		}
		long hop = 0;
		if (nt < 2 || sb_parse_long(tok[0], &hop) != SB_OK || hop < 1) {
			free(copy);
			continue; /* the header, or noise */
		}
		sb_buf_add(&b, "%s[", *nhops ? ", " : "");
		(*nhops)++;
		const char *name = NULL, *ip = NULL;
		size_t nprobes = 0;
		int open_probe = 0; /* the last probe's object is still open for an annotation */
		for (size_t i = 1; i < nt; i++) {
			const char *t = tok[i];
			if (strcmp(t, "*") == 0) {
				if (open_probe)
					sb_buf_add(&b, "null}");
				open_probe = 0;
				sb_buf_add(&b, "%s{\"anno\": null, \"rtt\": null, \"ipaddr\": null, \"name\": null}",
					   nprobes++ ? ", " : "");
			} else if (t[0] == '!') {
				if (open_probe) {
					sb_buf_json_str(&b, t);
					sb_buf_add(&b, "}");
					open_probe = 0;
				}
			} else if (sb_is_number(t) && i + 1 < nt && strcmp(tok[i + 1], "ms") == 0) {
				if (open_probe)
					sb_buf_add(&b, "null}");
				sb_buf_add(&b, "%s{\"rtt\": %s, \"ipaddr\": ", nprobes++ ? ", " : "", t);
				sb_buf_json_str(&b, ip);
				sb_buf_add(&b, ", \"name\": ");
				sb_buf_json_str(&b, name);
				sb_buf_add(&b, ", \"anno\": ");
				open_probe = 1;
				i++;
			} else if (i + 1 < nt && tok[i + 1][0] == '(') {
				name = t;
				char *q = tok[i + 1] + 1;
				q[strcspn(q, ")")] = '\0';
				ip = q;
				i++;
			} else if (sb_is_addr(t)) {
				name = ip = t;
			}
		}
		if (open_probe)
			sb_buf_add(&b, "null}");
		sb_buf_add(&b, "]");
		free(copy);
	}
	sb_buf_add(&b, "]");
	if (*nhops == 0) {
		free(b.s);
		*json = NULL;
		return SB_EPARSE;
	}
	*json = b.s;
	return SB_OK;
}
