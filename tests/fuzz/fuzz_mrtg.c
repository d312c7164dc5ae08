/* fuzz_mrtg.c - libFuzzer target: the MRTG parser, whole against chunked, open window against a day;
 * the whole-log reader against the day parser. */
#include "config.h"

#include <string.h>

#include "format/mrtg.h"
#include "format/mrtglog.h"
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

	/* the whole-log reader: its 5-minute section is the day parser's, then every line older
	 * than the one before, in sections that never go back to a finer one */
	sb_mrtg_log log;
	if (sb_mrtg_log_read(s, size, &log) == SB_OK) {
		SB_FUZZ_CHECK(log.n5 == all.n);
		for (size_t i = 0; i < log.n5; i++)
			SB_FUZZ_CHECK(memcmp(&log.lines[i].s, &all.samples[i],
					     sizeof(all.samples[i])) == 0);
		SB_FUZZ_CHECK(log.ncoarse[0] + log.ncoarse[1] + log.ncoarse[2] == log.n - log.n5);
		SB_FUZZ_CHECK((log.nbad == 0) == (log.first_bad == 0));
		SB_FUZZ_CHECK((log.nstray == 0) == (log.first_stray == 0));
		SB_FUZZ_CHECK(log.nbad >= all.nbad);
		for (size_t i = 1; i < log.n; i++) {
			const sb_mrtg_line *a = &log.lines[i - 1], *b = &log.lines[i];
			SB_FUZZ_CHECK(b->s.ts < a->s.ts && b->lineno > a->lineno);
			SB_FUZZ_CHECK(b->res >= a->res);
			SB_FUZZ_CHECK(i < log.n5 || (b->window > 0 && b->window <= b->res));
			SB_FUZZ_CHECK(i < log.n5 || b->s.ts % b->res == 0 || b->window < b->res);
		}
	}
	sb_mrtg_log_free(&log);
	return 0;
}
