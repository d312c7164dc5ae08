/* mrtg.h - streaming parser of MRTG .log files that keeps the 5-minute samples of one local day. */
#ifndef SB_MRTG_H
#define SB_MRTG_H

#include <stddef.h>
#include <stdint.h>

/* The 5-minute section of an MRTG log holds at most: line 2, one partial bucket, 599 lines. */
#define SB_MRTG_MAX_SAMPLES 601
#define SB_MRTG_SECTION_LINES 599
#define SB_MRTG_LINE_MAX 256

/* One MRTG line: the five columns, values as MRTG wrote them. */
typedef struct sb_mrtg_sample {
	int64_t ts;
	int64_t in_avg, out_avg, in_max, out_max;
} sb_mrtg_sample;

/* Parser state. Plain data, no heap: init it, feed it, read samples[0..n) (newest first). */
typedef struct sb_mrtg_parser {
	int64_t day_start, day_end;  /* keep samples with day_start <= ts < day_end */
	sb_mrtg_sample samples[SB_MRTG_MAX_SAMPLES];
	unsigned n;                  /* samples kept */
	unsigned lineno;             /* lines seen so far (1-based after the first) */
	unsigned section_left;       /* aligned 5-minute lines still expected in the section */
	unsigned nbad;               /* malformed lines skipped */
	unsigned first_bad;          /* line number of the first malformed line, 0 if none */
	int state;                   /* internal */
	int done;                    /* 1 once nothing further can belong to the day */
	int64_t last_ts;             /* internal: previous timestamp seen */
	size_t len;                  /* bytes in buf */
	int overlong;                /* internal: current line exceeded SB_MRTG_LINE_MAX */
	char buf[SB_MRTG_LINE_MAX];
} sb_mrtg_parser;

/* Prepares p to keep the samples stamped within [day_start, day_end). */
void sb_mrtg_init(sb_mrtg_parser *p, int64_t day_start, int64_t day_end);

/* Feeds the next len bytes of the log body (any split, lines may span calls).
 * Returns 0 to ask for more, 1 once the rest of the log cannot hold samples of the day (the caller
 * may stop the transfer). Never fails: malformed lines are counted in nbad/first_bad and skipped. */
int sb_mrtg_feed(sb_mrtg_parser *p, const char *buf, size_t len);

/* Ends the input: a final line without newline is parsed if it is complete. */
void sb_mrtg_finish(sb_mrtg_parser *p);

#endif
