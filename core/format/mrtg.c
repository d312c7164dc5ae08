/* mrtg.c - streaming MRTG .log parser: finds the 5-minute section and keeps one day of it. */
#include "config.h"

#include "format/mrtg.h"

#include <stddef.h>
#include <string.h>

#include "base/cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SB_MRTG_SIMD 1
#endif

#define SB_MRTG_STEP 300

/* Where the parser is in the log layout (the internal `state`). */
enum {
	SB_MRTG_HEADER = 0, /* waiting for line 1 (the counters) */
	SB_MRTG_LATEST,     /* waiting for line 2 (the latest poll) */
	SB_MRTG_PARTIAL,    /* line 2 seen: a partial bucket or the first aligned line comes next */
	SB_MRTG_GRID        /* inside the 599 aligned lines */
};

/* The fields of one line: up to 5 values; a sixth field only marks the line as too long. */
typedef struct sb_mrtg_fields {
	int n;             /* fields found, at most 6 */
	int digits_only;   /* every field is made of decimal digits */
	unsigned overflow; /* bit i set: field i does not fit in int64 */
	int64_t v[5];
} sb_mrtg_fields;

void sb_mrtg_init(sb_mrtg_parser *p, int64_t day_start, int64_t day_end)
{
	/* the state, not the 24 KB of samples and line behind it: a parser is set up again for each
	 * interface and each attempt */
	memset(p, 0, offsetof(sb_mrtg_parser, samples));
	p->day_start = day_start;
	p->day_end = day_end;
	p->section_left = SB_MRTG_SECTION_LINES;
	p->state = SB_MRTG_HEADER;
}

static int sb_mrtg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

#ifdef SB_MRTG_SIMD

#define SB_MRTG_TARGET __attribute__((target("ssse3")))

/* The leading decimal digits of p[0..end) as a number: their count, 0..16, and in *v their
 * value, found and summed without a branch on the digits. The 16 bytes from p (near the line's
 * end, its last 16 moved down with zeros behind them: the line is at least 16 bytes long and is
 * never read outside) have their digits moved to the end of the lane behind zeros, then summed
 * pairwise, 2, 4 and 8 digits at a time. */
SB_MRTG_TARGET static size_t sb_mrtg_digits16(const char *p, const char *end, uint64_t *v)
{
	const __m128i index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m128i c;
	if (end - p >= 16) {
		c = _mm_loadu_si128((const __m128i *)(const void *)p);
	} else {
		/* byte i takes byte i + k of the last 16; past them (over 15) PSHUFB puts a zero,
		 * which ends the digits */
		__m128i to = _mm_add_epi8(index, _mm_set1_epi8((char)(16 - (end - p))));
		to = _mm_or_si128(to, _mm_cmpgt_epi8(to, _mm_set1_epi8(15)));
		c = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(end - 16)),
				     to);
	}
	__m128i d = _mm_sub_epi8(c, _mm_set1_epi8('0'));
	__m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	unsigned n = (unsigned)__builtin_ctz(~(unsigned)_mm_movemask_epi8(digit)); /* <= 16 */
	/* byte i takes byte i - (16 - n): below 0 (negative, the top bit set) PSHUFB puts a zero */
	__m128i x = _mm_shuffle_epi8(d, _mm_add_epi8(index, _mm_set1_epi8((char)((int)n - 16))));
	x = _mm_maddubs_epi16(x,
			      _mm_set_epi8(1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10));
	x = _mm_madd_epi16(x, _mm_set_epi16(1, 100, 1, 100, 1, 100, 1, 100));
	x = _mm_packs_epi32(x, x);
	x = _mm_madd_epi16(x, _mm_set_epi16(1, 10000, 1, 10000, 1, 10000, 1, 10000));
	uint64_t hi = (uint32_t)_mm_cvtsi128_si32(x);
	uint64_t lo = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x, 4));
	*v = hi * 100000000u + lo;
	return n;
}

#endif

/* Splits s[0..len) on blanks into unsigned decimal fields. A field's digits are summed in 64
 * unsigned bits without a check per digit: after its leading zeros, up to 18 digits always fit
 * int64, 19 fit when the sum is at most INT64_MAX (it cannot wrap: 10^19 - 1 < 2^64), 20 or more
 * never do. A field with any other character only clears digits_only (its value is not used).
 * wide: len >= 16, and the processor sums up to 16 digits at a time (SSSE3); the rest is the
 * same. */
static inline __attribute__((always_inline)) void sb_mrtg_split_in(const char *s, size_t len,
								   sb_mrtg_fields *f, int wide)
{
	*f = (sb_mrtg_fields){.digits_only = 1};
	const char *p = s, *end = s + len;
	while (f->n < 6) {
		while (p < end && sb_mrtg_is_blank(*p))
			p++;
		if (p == end)
			return;
		while (p < end && *p == '0')
			p++;
		const char *first = p;
		uint64_t v = 0;
		unsigned d;
#ifdef SB_MRTG_SIMD
		if (wide)
			p += sb_mrtg_digits16(p, end, &v);
#else
		(void)wide;
#endif
		while (p < end && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
			v = v * 10 + d;
			p++;
		}
		size_t digits = (size_t)(p - first);
		if (digits > 19 || (digits == 19 && v > (uint64_t)INT64_MAX))
			f->overflow |= 1u << f->n;
		if (p < end && !sb_mrtg_is_blank(*p)) {
			f->digits_only = 0;
			while (p < end && !sb_mrtg_is_blank(*p))
				p++;
		}
		if (f->n < 5)
			f->v[f->n] = (int64_t)v;
		f->n++;
	}
}

static void sb_mrtg_split(const char *s, size_t len, sb_mrtg_fields *f)
{
	sb_mrtg_split_in(s, len, f, 0);
}

#ifdef SB_MRTG_SIMD
SB_MRTG_TARGET static void sb_mrtg_split_wide(const char *s, size_t len, sb_mrtg_fields *f)
{
	sb_mrtg_split_in(s, len, f, 1);
}
#endif

static void sb_mrtg_bad(sb_mrtg_parser *p)
{
	p->nbad++;
	if (p->first_bad == 0)
		p->first_bad = p->lineno;
}

/* The largest multiple of 300 strictly below ts (ts >= 0). */
static int64_t sb_mrtg_grid_below(int64_t ts)
{
	int64_t t = ts - 1;
	int64_t r = t % SB_MRTG_STEP;
	if (r < 0)
		r += SB_MRTG_STEP;
	return t - r;
}

/* Keeps a sample of the section if it is in the day; ends the parse once the day is behind. */
static void sb_mrtg_take(sb_mrtg_parser *p, const sb_mrtg_fields *f)
{
	int64_t ts = f->v[0];
	if (ts < p->day_start) {
		p->done = 1;
		return;
	}
	if (ts < p->day_end && p->n < SB_MRTG_MAX_SAMPLES)
		p->samples[p->n++] = (sb_mrtg_sample){ts, f->v[1], f->v[2], f->v[3], f->v[4]};
}

/* Places one well-formed sample line in the layout. */
static void sb_mrtg_sample_line(sb_mrtg_parser *p, const sb_mrtg_fields *f)
{
	int64_t ts = f->v[0];
	if (p->state != SB_MRTG_LATEST && ts >= p->last_ts) {
		sb_mrtg_bad(p);
		return;
	}
	int aligned = ts % SB_MRTG_STEP == 0;
	if (p->state == SB_MRTG_LATEST) {
		p->section_floor = sb_mrtg_grid_below(ts) -
				   (int64_t)(SB_MRTG_SECTION_LINES - 1) * SB_MRTG_STEP;
		p->state = SB_MRTG_PARTIAL;
	} else if (p->state == SB_MRTG_PARTIAL && !aligned) {
		p->state = SB_MRTG_GRID; /* the partial bucket: the grid hangs from the boundary
					  * below it (MRTG stamps it with its previous poll, which
					  * may lie a whole bucket below line 2) */
		p->section_floor = sb_mrtg_grid_below(ts + 1) -
				   (int64_t)(SB_MRTG_SECTION_LINES - 1) * SB_MRTG_STEP;
	} else {
		p->state = SB_MRTG_GRID;
		if (!aligned) {
			sb_mrtg_bad(p);
			return;
		}
		if (ts < p->section_floor) {
			p->done = 1; /* a coarser line: the 5-minute section is over */
			return;
		}
		if (--p->section_left == 0)
			p->done = 1;
	}
	p->last_ts = ts;
	sb_mrtg_take(p, f);
}

sb_mrtg_kind sb_mrtg_line_kind(const char *s, size_t len, int64_t v[5])
{
	if (len > SB_MRTG_LINE_MAX)
		return SB_MRTG_MALFORMED;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	sb_mrtg_fields f;
#ifdef SB_MRTG_SIMD
	if (len >= 16 && sb_cpu_has(SB_CPU_SSSE3))
		sb_mrtg_split_wide(s, len, &f);
	else
#endif
		sb_mrtg_split(s, len, &f);
	if (f.n == 0)
		return SB_MRTG_BLANK;
	/* the counters may be 64-bit unsigned: only the timestamp has to fit */
	if (f.n == 3 && f.digits_only && (f.overflow & 1u) == 0) {
		v[0] = f.v[0];
		return SB_MRTG_COUNTERS;
	}
	if (f.n != 5 || !f.digits_only || f.overflow != 0)
		return SB_MRTG_MALFORMED;
	memcpy(v, f.v, sizeof(f.v));
	return SB_MRTG_SAMPLE;
}

/* Handles the complete line s[0..len) (without its '\n'); overlong: it was longer than the
 * parser keeps, and s is not its text. */
static void sb_mrtg_line(sb_mrtg_parser *p, const char *s, size_t len, int overlong)
{
	p->lineno++;
	if (overlong) {
		sb_mrtg_bad(p);
		return;
	}
	sb_mrtg_fields f = {.n = 5};
	sb_mrtg_kind kind = sb_mrtg_line_kind(s, len, f.v);
	if (kind == SB_MRTG_BLANK)
		return;
	if (p->state == SB_MRTG_HEADER) {
		p->state = SB_MRTG_LATEST;
		if (kind != SB_MRTG_COUNTERS)
			sb_mrtg_bad(p);
		return;
	}
	if (kind != SB_MRTG_SAMPLE) {
		sb_mrtg_bad(p);
		return;
	}
	sb_mrtg_sample_line(p, &f);
}

/* Handles the line gathered in buf. */
static void sb_mrtg_buffered_line(sb_mrtg_parser *p)
{
	size_t len = p->len;
	int overlong = p->overlong;
	p->len = 0;
	p->overlong = 0;
	sb_mrtg_line(p, p->buf, len, overlong);
}

/* Adds seg[0..n) to the current line, or only notes that the line became too long. */
static void sb_mrtg_append(sb_mrtg_parser *p, const char *seg, size_t n)
{
	if (p->overlong)
		return;
	if (n > sizeof(p->buf) - p->len) {
		p->overlong = 1;
		p->len = 0;
		return;
	}
	memcpy(p->buf + p->len, seg, n);
	p->len += n;
}

int sb_mrtg_feed(sb_mrtg_parser *p, const char *buf, size_t len)
{
	while (len > 0 && !p->done) {
		const char *nl = memchr(buf, '\n', len);
		if (nl == NULL) {
			sb_mrtg_append(p, buf, len);
			p->pending += len;
			break;
		}
		size_t seg = (size_t)(nl - buf);
		if (p->pending == 0) { /* the whole line is here: read in place */
			sb_mrtg_line(p, buf, seg, seg > sizeof(p->buf));
		} else {
			sb_mrtg_append(p, buf, seg);
			sb_mrtg_buffered_line(p);
		}
		p->used += p->pending + seg + 1;
		p->pending = 0;
		buf += seg + 1;
		len -= seg + 1;
	}
	return p->done;
}

void sb_mrtg_finish(sb_mrtg_parser *p)
{
	if (!p->done && (p->len > 0 || p->overlong))
		sb_mrtg_buffered_line(p);
}
