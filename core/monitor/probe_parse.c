/* probe_parse.c - the system ping's and traceroute's output read into numbers and JSON. */
#include "config.h"

#include <scanbackup/probes.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ping ---- */

int sb_ping_parse(const char *out, double *rtts, size_t max, size_t *nrtt, int *sent, int *received)
{
	*nrtt = 0;
	*sent = *received = 0;
	int have_stats = 0;
	for (const char *line = out; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		const char *t = strstr(buf, " time=");
		if (strstr(buf, "bytes from") != NULL && t != NULL && *nrtt < max) {
			char *end = NULL;
			double v = strtod(t + 6, &end);
			if (end != t + 6 && isfinite(v) && v >= 0)
				rtts[(*nrtt)++] = v;
		}
		const char *tx = strstr(buf, " packets transmitted, ");
		if (tx != NULL) {
			/* the line starts with the count sent; no more can come back */
			char *end = NULL;
			long a = strtol(buf, &end, 10);
			int a_ok = end != buf && end == tx;
			long b = strtol(tx + 22, &end, 10);
			if (a_ok && end != tx + 22 && a >= 0 && b >= 0 && a < 1000000 && b <= a) {
				*sent = (int)a;
				*received = (int)b;
				have_stats = 1;
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return have_stats ? SB_OK : SB_EPARSE;
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

/* The length of the UTF-8 sequence at p, or 0 if it is not valid UTF-8 (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF). */
static size_t sb_utf8_len(const unsigned char *p)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000}; /* by length */
	if (p[0] < 0x80)
		return 1;
	size_t n = 0;
	if ((p[0] & 0xE0) == 0xC0)
		n = 2;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4;
	else
		return 0;
	uint32_t c = p[0] & (0x7Fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0; /* also at the terminating NUL */
		c = c << 6 | (p[i] & 0x3Fu);
	}
	if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return n;
}

/* A JSON string of s, or null. A byte that is not part of valid UTF-8 becomes U+FFFD, so that
 * JSON readers (libbson) take the string. */
static void sb_buf_json_str(sb_buf *b, const char *s)
{
	if (s == NULL) {
		sb_buf_add(b, "null");
		return;
	}
	sb_buf_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		size_t n = sb_utf8_len(p);
		if (n == 0)
			sb_buf_add(b, "\\ufffd");
		else if (n > 1)
			sb_buf_add(b, "%.*s", (int)n, (const char *)p);
		else if (*p == '"' || *p == '\\')
			sb_buf_add(b, "\\%c", *p);
		else if (*p < 0x20)
			sb_buf_add(b, "\\u%04x", *p);
		else
			sb_buf_add(b, "%c", *p);
		p += n > 0 ? n : 1;
	}
	sb_buf_add(b, "\"");
}

/* An RTT as traceroute prints it ("0.296"), copied as is into the JSON, so it must also be a
 * JSON number: 1 to 9 digits without a leading zero, optionally '.' and digits. */
static int sb_is_rtt(const char *t)
{
	size_t n = strspn(t, "0123456789");
	if (n == 0 || n > 9 || (t[0] == '0' && n > 1))
		return 0;
	if (t[n] == '.') {
		size_t frac = strspn(t + n + 1, "0123456789");
		if (frac == 0)
			return 0;
		n += 1 + frac;
	}
	return t[n] == '\0';
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
				sb_buf_add(&b,
					   "%s{\"anno\": null, \"rtt\": null, \"ipaddr\": null, "
					   "\"name\": null}",
					   nprobes++ ? ", " : "");
			} else if (t[0] == '!') {
				if (open_probe) {
					sb_buf_json_str(&b, t);
					sb_buf_add(&b, "}");
					open_probe = 0;
				}
			} else if (sb_is_rtt(t) && i + 1 < nt && strcmp(tok[i + 1], "ms") == 0) {
				if (open_probe)
					sb_buf_add(&b, "null}");
				sb_buf_add(&b,
					   "%s{\"rtt\": %s, \"ipaddr\": ", nprobes++ ? ", " : "",
					   t);
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
