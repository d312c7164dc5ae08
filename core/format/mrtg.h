/* mrtg.h - streaming parser of MRTG .log files that keeps the 5-minute samples of one local day. */
#ifndef SB_FORMAT_MRTG_H
#define SB_FORMAT_MRTG_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/layer.h>

/* Layout read by this parser (docs/mrtg.md says why it is so):
 *   line 1     `unix_ts in_counter out_counter`: skipped (the counters may exceed int64; only the
 *              shape is checked: three unsigned integers).
 *   line 2     `unix_ts avg_in avg_out max_in max_out`: the latest poll, any timestamp.
 *   [partial]  optional: the next line if its timestamp is not a multiple of 300.
 *   599 lines  on 5-minute boundaries (ts % 300 == 0), newest first.
 *   the rest   30-minute, 2-hour and 1-day consolidations: never read.
 * Malformed lines (wrong field count, a field that is not an unsigned integer or overflows int64,
 * a timestamp not strictly below the previous sample's, a line longer than SB_MRTG_LINE_MAX bytes,
 * an off-grid timestamp after the partial bucket) are counted in nbad and otherwise ignored, as if
 * absent: they take no place in the layout and do not count toward the 599. Blank lines are
 * skipped and not counted as bad; CRLF is accepted. The first non-blank line is always taken as
 * line 1, and the first well-formed sample line as line 2.
 * The section also ends, whatever the count, at the first aligned line older than the grid hung
 * from the partial bucket (the multiple of 300 at or below its timestamp, minus 598 steps of
 * 300 s), or from line 2 when there is no partial bucket (the largest multiple of 300 below its
 * timestamp, minus 598 steps): so a log with missing 5-minute lines never lets a 30-minute line
 * in. MRTG stamps the partial bucket with its previous poll, 300 s before line 2, so its grid
 * starts one step below line 2's.
 * The 5-minute section holds at most: line 2, one partial bucket, 599 lines. */
#define SB_MRTG_MAX_SAMPLES 601
#define SB_MRTG_SECTION_LINES 599
#define SB_MRTG_LINE_MAX 256

/* One MRTG line: the five columns, values as MRTG wrote them; the SDK's sample
 * (scanbackup/layer.h), which every layer hands to the core. */
typedef sb_sample sb_mrtg_sample;

/* What one line of an MRTG log is, by the rules above (every reader of the format uses this). */
typedef enum sb_mrtg_kind {
	SB_MRTG_BLANK = 0, /* only blanks: skipped, not counted */
	SB_MRTG_COUNTERS, /* the shape of line 1: three unsigned integers, the first fitting int64 */
	SB_MRTG_SAMPLE,   /* five unsigned integers, each fitting int64 */
	SB_MRTG_MALFORMED /* anything else, or longer than SB_MRTG_LINE_MAX bytes */
} sb_mrtg_kind;

/* Classifies the line s[0..len) (without its '\n'; a final '\r' is ignored). For
 * SB_MRTG_SAMPLE, v[0..4] get ts, avg_in, avg_out, max_in, max_out; for SB_MRTG_COUNTERS, v[0]
 * gets ts; otherwise v is left alone. Thread-safe. */
sb_mrtg_kind sb_mrtg_line_kind(const char *s, size_t len, int64_t v[5]);

/* Parser state. Plain data, no heap: init it, feed it, read samples[0..n) (newest first). */
typedef struct sb_mrtg_parser {
	int64_t day_start, day_end; /* keep samples with day_start <= ts < day_end */
	unsigned n;                 /* samples kept */
	unsigned lineno;            /* lines seen so far (1-based after the first) */
	unsigned section_left;      /* aligned 5-minute lines still expected in the section */
	unsigned nbad;              /* malformed lines skipped */
	unsigned first_bad;         /* line number of the first malformed line, 0 if none */
	int state;                  /* internal */
	int done;                   /* 1 once nothing further can belong to the day */
	uint64_t used;    /* bytes of the log read up to the end of the last whole line handled:
				* once done, how much of the log the day needed */
	int64_t last_ts;  /* internal: previous timestamp seen */
	size_t len;       /* bytes in buf */
	uint64_t pending; /* internal: bytes of the current line so far (buf may hold fewer) */
	int overlong;     /* internal: current line exceeded SB_MRTG_LINE_MAX */
	int64_t section_floor; /* internal: oldest timestamp the 5-minute grid can hold */
	/* last, and read only up to n and len: sb_mrtg_init leaves them as they are */
	sb_mrtg_sample samples[SB_MRTG_MAX_SAMPLES];
	char buf[SB_MRTG_LINE_MAX];
} sb_mrtg_parser;

/* Prepares p to keep the samples stamped within [day_start, day_end). */
void sb_mrtg_init(sb_mrtg_parser *p, int64_t day_start, int64_t day_end);

/* Feeds the next len bytes of the log body (any split, lines may span calls).
 * Returns 0 to ask for more, 1 once the rest of the log cannot hold samples of the day (the caller
 * may stop the transfer). Never fails: malformed lines are counted in nbad/first_bad and skipped.
 * Once it has returned 1, later calls ignore their input and return 1. Parsers share nothing, so
 * distinct parsers may be fed from distinct threads. */
int sb_mrtg_feed(sb_mrtg_parser *p, const char *buf, size_t len);

/* Ends the input: a final line without newline is parsed if it is complete (well-formed).
 * done is left as it was: 0 after finish means the log ended before the section did and before
 * reaching day_start, so it may have been cut short. */
void sb_mrtg_finish(sb_mrtg_parser *p);

#endif
