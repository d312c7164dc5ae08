/* mrtglog.h - an MRTG .log read whole: every section, the 5-minute one and MRTG's 30-minute,
 * 2-hour and 1-day consolidations, each line with the interval it covers. */
#ifndef SB_FORMAT_MRTGLOG_H
#define SB_FORMAT_MRTGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "format/mrtg.h"

/* The sections of a log and the seconds each line of them covers (docs/mrtg.md). */
#define SB_MRTG_RES_5MIN 300
#define SB_MRTG_RES_30MIN 1800
#define SB_MRTG_RES_2HOUR 7200
#define SB_MRTG_RES_1DAY 86400

/* Lines of each consolidated section as MRTG writes them (after an optional partial line). */
#define SB_MRTG_30MIN_LINES 600
#define SB_MRTG_2HOUR_LINES 600
#define SB_MRTG_1DAY_LINES 732

/* The largest log read whole: about 2,540 lines of at most 60 bytes are 150 KB. */
#define SB_MRTG_LOG_MAX ((size_t)16 << 20)

/* One line of the layout. */
typedef struct sb_mrtg_line {
	sb_mrtg_sample s; /* ts and the four values as MRTG wrote them */
	int32_t res;      /* its section: SB_MRTG_RES_5MIN, _30MIN, _2HOUR or _1DAY */
	int32_t window;   /* seconds before ts it covers: res for a full line; less for the partial
			   * line a section may start with (it covers (ts rounded down to res, ts]);
			   * line 2 covers the time back to the line after it */
	unsigned lineno;  /* 1-based line number in the log */
} sb_mrtg_line;

/* A log read whole. */
typedef struct sb_mrtg_log {
	sb_mrtg_line *lines;  /* every line of the layout, newest first (owned) */
	size_t n;             /* their count */
	size_t n5;            /* the first n5 are the 5-minute section (exactly what sb_mrtg_feed
			       * reads: line 2, the partial bucket, up to 599 aligned lines) */
	size_t ncoarse[3];    /* lines of the 30-minute, 2-hour and 1-day sections, partials
			       * included */
	unsigned nbad;        /* malformed lines (sb_mrtg_line_kind, or a timestamp not older
			       * than the line before), skipped */
	unsigned first_bad;   /* line number of the first, 0 if none */
	unsigned nstray;      /* well-formed lines that fit no section (below), skipped */
	unsigned first_stray; /* line number of the first, 0 if none */
} sb_mrtg_log;

/* Reads the log buf[0..len) (at most SB_MRTG_LOG_MAX bytes, any line ending, a last line without
 * newline read if complete). The 5-minute section is the one sb_mrtg_feed finds. After it come
 * the 30-minute, 2-hour and 1-day sections, in that order; each may start with one partial line
 * (a timestamp not on a multiple of its resolution), then has at most 600, 600 and 732 lines
 * stamped on multiples of its resolution, each covering the resolution before it. A line on the
 * section's multiples counts as one of its full lines only when the next line is at least one
 * resolution older, and the section ends at its last full line, at the first line that is not
 * one, or at the first one older than the grid hung from its first full line. A line that fits no
 * section (such as 5-minute lines left beyond the 5-minute grid of a log with gaps) is a stray:
 * counted and skipped, as is everything after the 1-day section. So the lines read tile time:
 * each line's ts minus its window is the next line's ts in a log as MRTG writes it.
 * Returns SB_OK (malformed lines never fail the read) or SB_ETOOBIG for a longer log; out is
 * filled either way (free with sb_mrtg_log_free). Thread-safe. */
int sb_mrtg_log_read(const char *buf, size_t len, sb_mrtg_log *out);

/* Frees what sb_mrtg_log_read allocated; log may be read again. */
void sb_mrtg_log_free(sb_mrtg_log *log);

/* The index 0, 1, 2 of a coarse resolution (30 min, 2 h, 1 day) in ncoarse and friends; -1 for
 * any other value. */
int sb_mrtg_coarse_index(int32_t res);

#endif
