/* timeutil.h - calendar dates and local-time day boundaries (the host's TZ, or TIMEZONE). */
#ifndef SB_BASE_TIMEUTIL_H
#define SB_BASE_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

/* A calendar date. */
typedef struct sb_date {
	int year, month, day; /* month 1-12, day 1-31 */
} sb_date;

/* Parses "YYYY-MM-DD" (a real calendar date). Returns SB_OK or SB_EINVAL. */
int sb_date_parse(const char *s, sb_date *out);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void sb_date_format(sb_date d, char *buf);
/* The date n days after d (n may be negative). */
sb_date sb_date_add(sb_date d, int n);
/* Day of week, 1 = Monday ... 7 = Sunday. */
int sb_date_weekday(sb_date d);
/* Compares dates: <0, 0, >0. */
int sb_date_cmp(sb_date a, sb_date b);
/* Today in local time. */
sb_date sb_date_today(void);
/* The local date of a unix timestamp. */
sb_date sb_date_of(int64_t ts);

/* Unix times of local midnight starting d and of the next local midnight: [*start, *end).
 * A DST day is 23 or 25 hours long. */
void sb_date_bounds(sb_date d, int64_t *start, int64_t *end);

/* Local "YYYY-MM-DD" and "HH:MM:SS" of a unix timestamp (buffers of 11 and 9 bytes). */
void sb_time_local(int64_t ts, char *date_buf, char *time_buf);

/* Sets the process time zone (TZ) used by everything above; NULL or "" keeps the host's. */
void sb_time_set_zone(const char *tz);

/* Monotonic clock in seconds. */
double sb_time_mono(void);

#endif
