/* http1.c - HTTP/1.1 answers read one after another from a connection's bytes, each framed by its
 * Content-Length. */
#include "config.h"

#include "net/http1.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/sb.h"

void sb_http1_init(sb_http1_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->buf = sb_xmalloc(SB_HTTP1_HEAD_MAX + 1);
}

void sb_http1_free(sb_http1_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int sb_http1_between(const sb_http1_reader *r)
{
	return !r->in_body && r->len == 0;
}

void sb_http1_content_range(const char *v, size_t len, int64_t *first, int64_t *last,
			    int64_t *total)
{
	char text[96];
	if (len >= sizeof(text))
		return;
	memcpy(text, v, len);
	text[len] = '\0';
	long long f = -1, l = -1, t = -1;
	char star = 0;
	if (sscanf(text, " bytes %lld-%lld/%lld", &f, &l, &t) != 3) {
		t = -1;
		if (sscanf(text, " bytes %lld-%lld/%c", &f, &l, &star) != 3 || star != '*')
			return;
	} else if (t < 0 || l >= t) {
		return; /* a total that is negative, or that the range passes */
	}
	if (f < 0 || l < f)
		return;
	*first = f;
	*last = l;
	*total = t;
}

/* A whole decimal number of at most 18 digits (no sign, no blank); -1 if v is not one. */
static int64_t sb_http1_length(const char *v)
{
	int64_t n = 0;
	size_t i = 0;
	for (; v[i] >= '0' && v[i] <= '9'; i++) {
		if (i == 18)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return i > 0 && v[i] == '\0' ? n : -1;
}

/* Reads the head in r->buf (r->len bytes, ending with its blank line) into r->head. Returns 1 for
 * an answer, 0 for an interim 1xx to skip, -1 with r->bad set. */
static int sb_http1_parse_head(sb_http1_reader *r)
{
	char *text = r->buf;
	text[r->len] = '\0';
	sb_http1_head *h = &r->head;
	*h = (sb_http1_head){.length = -1, .range_first = -1, .range_last = -1, .range_total = -1};
	if (strncmp(text, "HTTP/1.", 7) != 0 || text[7] < '0' || text[7] > '9' || text[8] != ' ' ||
	    text[9] < '1' || text[9] > '9' || text[10] < '0' || text[10] > '9' || text[11] < '0' ||
	    text[11] > '9' || (text[12] != ' ' && text[12] != '\r')) {
		r->bad = "an answer without an HTTP/1.x status line";
		return -1;
	}
	if (text[7] != '1') {
		r->bad = "HTTP/1.0";
		return -1;
	}
	h->status = (text[9] - '0') * 100 + (text[10] - '0') * 10 + (text[11] - '0');
	if (h->status < 200)
		return 0; /* an interim answer: the real one follows */
	int has_length = 0;
	for (char *line = strstr(text, "\r\n"); line != NULL;) {
		line += 2;
		char *end = strstr(line, "\r\n");
		if (end == NULL || end == line)
			break;
		*end = '\0';
		char *colon = strchr(line, ':');
		if (colon != NULL) {
			*colon = '\0';
			char *v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vl = strlen(v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				v[--vl] = '\0';
			if (strcasecmp(line, "Content-Length") == 0) {
				h->length = sb_http1_length(v);
				if (h->length < 0 || has_length) {
					r->bad = "an answer whose Content-Length is not a number";
					return -1;
				}
				has_length = 1;
			} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
				r->bad = "answers in chunks";
				return -1;
			} else if (strcasecmp(line, "Content-Encoding") == 0 &&
				   strcasecmp(v, "identity") != 0) {
				r->bad = "compressed answers";
				return -1;
			} else if (strcasecmp(line, "Content-Range") == 0) {
				sb_http1_content_range(v, vl, &h->range_first, &h->range_last,
						       &h->range_total);
			} else if (strcasecmp(line, "Connection") == 0) {
				h->close = strcasestr(v, "close") != NULL;
			}
		}
		line = end;
	}
	if (!has_length) {
		if (h->status != 204 && h->status != 304) {
			r->bad = "an answer without Content-Length";
			return -1;
		}
		h->length = 0;
	}
	return 1;
}

int sb_http1_feed(sb_http1_reader *r, const char *d, size_t n, const sb_http1_events *ev)
{
	if (r->bad != NULL)
		return -1;
	while (n > 0) {
		if (r->in_body) {
			size_t m = (uint64_t)r->body_left < n ? (size_t)r->body_left : n;
			r->body_left -= (int64_t)m;
			if (r->body_left == 0)
				r->in_body = 0;
			if (ev->body(ev->arg, d, m) != 0)
				return 1;
			d += m;
			n -= m;
			if (!r->in_body && ev->end(ev->arg) != 0)
				return 1;
			continue;
		}
		size_t i = 0;
		while (i < n && r->crlf < 4) {
			char c = d[i++];
			if (c == '\r')
				r->crlf = r->crlf == 2 ? 3 : 1;
			else if (c == '\n')
				r->crlf = r->crlf == 1 ? 2 : r->crlf == 3 ? 4 : 0;
			else
				r->crlf = 0;
		}
		if (r->len + i > SB_HTTP1_HEAD_MAX) {
			r->bad = "an answer's header over 16 KiB";
			return -1;
		}
		memcpy(r->buf + r->len, d, i);
		r->len += i;
		d += i;
		n -= i;
		if (r->crlf < 4)
			continue;
		int kind = sb_http1_parse_head(r);
		r->len = 0;
		r->crlf = 0;
		if (kind < 0)
			return -1;
		if (kind == 0)
			continue;
		r->in_body = r->head.length > 0;
		r->body_left = r->head.length;
		if (ev->head(ev->arg, &r->head) != 0)
			return 1;
		if (!r->in_body && ev->end(ev->arg) != 0)
			return 1;
	}
	return 0;
}
