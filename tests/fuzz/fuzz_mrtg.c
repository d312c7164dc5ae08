/* fuzz_mrtg.c - libFuzzer target: the MRTG parser, whole against chunked, open window against a day. */
#include "config.h"

#include <string.h>

#include "format/mrtg.h"
#include "fuzz.h"

/* Parsers are large: keep them out of the stack. */
static sb_mrtg_parser all, whole, chunked;

static void check_parser(const sb_mrtg_parser *p)
{
	SB_FUZZ_CHECK(p->n <= SB_MRTG_MAX_SAMPLES);
	SB_FUZZ_CHECK(p->nbad <= p->lineno);
	SB_FUZZ_CHECK(p->first_bad <= p->lineno);
	SB_FUZZ_CHECK((p->nbad == 0) == (p->first_bad == 0));
	SB_FUZZ_CHECK(p->len <= sizeof(p->buf));
	for (unsigned i = 0; i < p->n; i++) {
		const sb_mrtg_sample *s = &p->samples[i];
		SB_FUZZ_CHECK(s->ts >= p->day_start && s->ts < p->day_end);
		SB_FUZZ_CHECK(s->in_avg >= 0 && s->out_avg >= 0 && s->in_max >= 0 &&
			      s->out_max >= 0);
		SB_FUZZ_CHECK(i == 0 || s->ts < p->samples[i - 1].ts);
		/* after line 2 and the partial bucket, every sample is on the grid */
		SB_FUZZ_CHECK(i < 2 || s->ts % 300 == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	sb_mrtg_init(&all, INT64_MIN, INT64_MAX);
	SB_FUZZ_CHECK(sb_mrtg_feed(&all, s, size) == all.done);
	sb_mrtg_finish(&all);
	check_parser(&all);

	/* a day around the middle sample, or an empty window */
	int64_t start = 0, end = 0;
	if (all.n > 0) {
		int64_t mid = all.samples[all.n / 2].ts;
		start = mid - 43200;
		end = mid > INT64_MAX - 43200 ? INT64_MAX : mid + 43200;
	}
	sb_mrtg_init(&whole, start, end);
	SB_FUZZ_CHECK(sb_mrtg_feed(&whole, s, size) == whole.done);
	sb_mrtg_finish(&whole);
	check_parser(&whole);

	/* the same bytes in chunks of 1 to 64 bytes, sizes drawn from the input itself */
	sb_mrtg_init(&chunked, start, end);
	size_t off = 0, k = 0;
	while (off < size) {
		size_t n = 1 + data[k++ % size] % 64;
		if (n > size - off)
			n = size - off;
		int r = sb_mrtg_feed(&chunked, s + off, n);
		SB_FUZZ_CHECK(r == chunked.done);
		off += n;
	}
	sb_mrtg_finish(&chunked);
	SB_FUZZ_CHECK(chunked.n == whole.n && chunked.nbad == whole.nbad &&
		      chunked.first_bad == whole.first_bad && chunked.done == whole.done &&
		      chunked.lineno == whole.lineno);
	SB_FUZZ_CHECK(memcmp(chunked.samples, whole.samples, whole.n * sizeof(whole.samples[0])) ==
		      0);

	/* the window only filters: the day is the open window's samples that fall in it */
	unsigned j = 0;
	for (unsigned i = 0; i < all.n; i++) {
		if (all.samples[i].ts < start || all.samples[i].ts >= end)
			continue;
		SB_FUZZ_CHECK(j < whole.n);
		SB_FUZZ_CHECK(memcmp(&whole.samples[j], &all.samples[i], sizeof(all.samples[i])) ==
			      0);
		j++;
	}
	SB_FUZZ_CHECK(j == whole.n);
	return 0;
}
