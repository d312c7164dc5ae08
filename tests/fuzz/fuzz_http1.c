/* fuzz_http1.c - libFuzzer target: the bytes of a pipelined connection read by the HTTP/1.1 answer
 * reader (net/http1.h), once whole and once in pieces whose size the input's first byte picks:
 * both readings must find the same answers (heads, bodies, ends) and the same refusal, every body
 * exactly as long as its head says, and nothing read outside an answer. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "net/http1.h"

/* What a reading found, folded into one number, and where it stands. */
typedef struct seen {
	uint64_t sum;
	size_t heads, ends;
	int64_t left; /* body bytes the current answer still owes */
	int in;       /* inside an answer: its head read, its end not yet */
} seen;

static void mix(seen *s, uint64_t v)
{
	s->sum = (s->sum ^ v) * 1099511628211ULL;
}

static int on_head(void *arg, const sb_http1_head *h)
{
	seen *s = arg;
	SB_FUZZ_CHECK(!s->in);
	SB_FUZZ_CHECK(h->status >= 200 && h->status <= 999 && h->length >= 0);
	SB_FUZZ_CHECK(h->range_first == -1 ||
		      (h->range_first >= 0 && h->range_last >= h->range_first &&
		       (h->range_total == -1 || h->range_last < h->range_total)));
	mix(s, (uint64_t)h->status);
	mix(s, (uint64_t)h->length);
	mix(s, (uint64_t)h->close);
	mix(s, (uint64_t)h->range_first);
	mix(s, (uint64_t)h->range_last);
	mix(s, (uint64_t)h->range_total);
	s->heads++;
	s->in = 1;
	s->left = h->length;
	return 0;
}

static int on_body(void *arg, const char *buf, size_t len)
{
	seen *s = arg;
	SB_FUZZ_CHECK(s->in && len > 0 && (int64_t)len <= s->left);
	for (size_t i = 0; i < len; i++)
		mix(s, (unsigned char)buf[i]);
	s->left -= (int64_t)len;
	return 0;
}

static int on_end(void *arg)
{
	seen *s = arg;
	SB_FUZZ_CHECK(s->in && s->left == 0);
	s->in = 0;
	s->ends++;
	mix(s, 0xe0d);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = data[0] % 17 + 1;
	const char *d = (const char *)data + 1;
	size_t n = size - 1;
	sb_http1_reader a, b;
	sb_http1_init(&a);
	sb_http1_init(&b);
	seen sa = {0}, sb = {0};
	sb_http1_events ea = {on_head, on_body, on_end, &sa};
	sb_http1_events eb = {on_head, on_body, on_end, &sb};
	int ra = sb_http1_feed(&a, d, n, &ea);
	int rb = 0;
	for (size_t off = 0; off < n && rb == 0; off += step)
		rb = sb_http1_feed(&b, d + off, n - off < step ? n - off : step, &eb);
	SB_FUZZ_CHECK(ra == rb && ra != 1);
	SB_FUZZ_CHECK(ra == 0 || (a.bad != NULL && b.bad != NULL && strcmp(a.bad, b.bad) == 0));
	SB_FUZZ_CHECK(sa.sum == sb.sum && sa.heads == sb.heads && sa.ends == sb.ends);
	SB_FUZZ_CHECK(sa.in == sb.in && sb_http1_between(&a) == sb_http1_between(&b));
	SB_FUZZ_CHECK(sa.ends == sa.heads - (size_t)sa.in);
	SB_FUZZ_CHECK(ra != 0 || sa.in == a.in_body);
	SB_FUZZ_CHECK(sb_http1_feed(&a, "x", 1, &ea) ==
		      (ra == -1 ? -1 : sb_http1_feed(&b, "x", 1, &eb)));
	sb_http1_free(&a);
	sb_http1_free(&b);
	return 0;
}
