/* mrtglog.c - an MRTG log read whole: the 5-minute section as the day parser finds it, then the
 * consolidated sections, every line with the interval it covers. */
#include "config.h"

#include "format/mrtglog.h"

#include <stdint.h>
#include <string.h>

#include "base/sb.h"

/* The consolidated sections in the order MRTG writes them. */
static const struct {
	int32_t res;
	unsigned lines;
} sb_mrtg_coarse[3] = {
	{SB_MRTG_RES_30MIN, SB_MRTG_30MIN_LINES},
	{SB_MRTG_RES_2HOUR, SB_MRTG_2HOUR_LINES},
	{SB_MRTG_RES_1DAY, SB_MRTG_1DAY_LINES},
};

int sb_mrtg_coarse_index(int32_t res)
{
	for (int i = 0; i < 3; i++)
		if (sb_mrtg_coarse[i].res == res)
			return i;
	return -1;
}

/* A well-formed line after the 5-minute section, waiting for its place. */
typedef struct sb_mrtg_cand {
	sb_mrtg_sample s;
	unsigned lineno;
} sb_mrtg_cand;

static void sb_mrtg_log_push(sb_mrtg_log *log, size_t *cap, const sb_mrtg_sample *s, int32_t res,
			     int32_t window, unsigned lineno)
{
	sb_grow(&log->lines, cap, log->n, sizeof(*log->lines));
	log->lines[log->n++] = (sb_mrtg_line){*s, res, window, lineno};
}

static void sb_mrtg_log_stray(sb_mrtg_log *log, unsigned lineno)
{
	if (log->nstray++ == 0)
		log->first_stray = lineno;
}

static void sb_mrtg_log_bad(sb_mrtg_log *log, unsigned lineno)
{
	if (log->nbad++ == 0 || lineno < log->first_bad)
		log->first_bad = lineno;
}

static int64_t sb_mrtg_floor(int64_t ts, int64_t step)
{
	int64_t r = ts % step;
	return ts - (r < 0 ? r + step : r);
}

/* Places the lines after the 5-minute section in the consolidated sections (the rules of
 * sb_mrtg_log_read). */
static void sb_mrtg_log_coarse(sb_mrtg_log *log, size_t *cap, const sb_mrtg_cand *c, size_t n)
{
	int sec = 0;
	unsigned taken = 0;
	int64_t floor = 0;
	size_t pending = SIZE_MAX; /* a partial line waiting for the section's first full line */
	for (size_t i = 0; i < n; i++) {
		int64_t ts = c[i].s.ts;
		for (;;) {
			if (sec == 3) {
				sb_mrtg_log_stray(log, c[i].lineno);
				break;
			}
			int64_t res = sb_mrtg_coarse[sec].res;
			int full = ts % res == 0 && (i + 1 == n || c[i + 1].s.ts <= ts - res);
			if (full && taken == 0)
				floor = ts - (int64_t)(sb_mrtg_coarse[sec].lines - 1) * res;
			if (taken > 0 && (!full || ts < floor)) {
				sec++; /* the section is over: this line opens the next one */
				taken = 0;
				continue;
			}
			if (!full) {
				if (pending != SIZE_MAX)
					sb_mrtg_log_stray(log, c[pending].lineno);
				pending = i;
				break;
			}
			if (pending != SIZE_MAX) {
				const sb_mrtg_cand *p = &c[pending];
				int64_t start = sb_mrtg_floor(p->s.ts, res);
				if (start >= ts) {
					sb_mrtg_log_push(log, cap, &p->s, (int32_t)res,
							 (int32_t)(p->s.ts - start), p->lineno);
					log->ncoarse[sec]++;
				} else {
					sb_mrtg_log_stray(log, p->lineno);
				}
				pending = SIZE_MAX;
			}
			sb_mrtg_log_push(log, cap, &c[i].s, (int32_t)res, (int32_t)res,
					 c[i].lineno);
			log->ncoarse[sec]++;
			if (++taken == sb_mrtg_coarse[sec].lines) {
				sec++;
				taken = 0;
			}
			break;
		}
	}
	if (pending != SIZE_MAX && sec < 3) { /* a log cut right after a partial line */
		const sb_mrtg_cand *p = &c[pending];
		int64_t res = sb_mrtg_coarse[sec].res;
		sb_mrtg_log_push(log, cap, &p->s, (int32_t)res,
				 (int32_t)(p->s.ts - sb_mrtg_floor(p->s.ts, res)), p->lineno);
		log->ncoarse[sec]++;
	} else if (pending != SIZE_MAX) {
		sb_mrtg_log_stray(log, c[pending].lineno);
	}
}

int sb_mrtg_log_read(const char *buf, size_t len, sb_mrtg_log *out)
{
	memset(out, 0, sizeof(*out));
	if (len > SB_MRTG_LOG_MAX)
		return SB_ETOOBIG;
	size_t cap = 0, ncand = 0, capcand = 0;
	sb_mrtg_cand *cand = NULL;
	/* the 5-minute section: the day parser's own rules, over every time */
	sb_mrtg_parser *p = sb_xmalloc(sizeof(*p));
	sb_mrtg_init(p, INT64_MIN, INT64_MAX);
	int64_t last_ts = INT64_MAX;
	unsigned lineno = 0;
	for (size_t off = 0; off < len;) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;
		off += n + (nl != NULL);
		lineno++;
		if (!p->done) {
			unsigned before = p->n;
			sb_mrtg_feed(p, line, n + (nl != NULL));
			if (nl == NULL)
				sb_mrtg_finish(p);
			if (p->n > before) {
				const sb_mrtg_sample *s = &p->samples[p->n - 1];
				sb_mrtg_log_push(out, &cap, s, SB_MRTG_RES_5MIN, SB_MRTG_RES_5MIN,
						 lineno);
				last_ts = s->ts;
			}
			if (!p->done || p->n > before)
				continue;
			/* this line ended the section without being part of it: it is coarser */
		}
		int64_t v[5] = {0};
		sb_mrtg_kind kind = sb_mrtg_line_kind(line, n, v);
		if (kind == SB_MRTG_BLANK)
			continue;
		if (kind != SB_MRTG_SAMPLE || v[0] >= last_ts) {
			sb_mrtg_log_bad(out, lineno);
			continue;
		}
		last_ts = v[0];
		sb_grow(&cand, &capcand, ncand, sizeof(*cand));
		cand[ncand++] = (sb_mrtg_cand){{v[0], v[1], v[2], v[3], v[4]}, lineno};
	}
	out->n5 = out->n;
	if (p->nbad > 0) {
		unsigned first = out->first_bad;
		out->nbad += p->nbad;
		out->first_bad = first == 0 || p->first_bad < first ? p->first_bad : first;
	}
	free(p);
	/* windows of the 5-minute section: line 2 reaches back to the line after it, the partial
	 * bucket to the 5-minute boundary below it */
	for (size_t i = 0; i < out->n5; i++) {
		sb_mrtg_line *l = &out->lines[i];
		if (i == 0 && out->n5 > 1) {
			int64_t w = l->s.ts - out->lines[1].s.ts;
			l->window = (int32_t)(w < INT32_MAX ? w : INT32_MAX);
		} else if (l->s.ts % SB_MRTG_RES_5MIN != 0)
			l->window = (int32_t)(l->s.ts - sb_mrtg_floor(l->s.ts, SB_MRTG_RES_5MIN));
	}
	sb_mrtg_log_coarse(out, &cap, cand, ncand);
	free(cand);
	return SB_OK;
}

void sb_mrtg_log_free(sb_mrtg_log *log)
{
	sb_free(log->lines);
	memset(log, 0, sizeof(*log));
}
