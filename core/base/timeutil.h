/* timeutil.h - calendar dates and local-time day boundaries (the host's TZ, or TIMEZONE). */
#ifndef SB_BASE_TIMEUTIL_H
#define SB_BASE_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

#include <scanbackup/common.h>

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

/* "2026-11-20T10:15:00Z": unix time ts in UTC, into buf (at least 32 bytes). The year in four
 * digits from 0 to 9999 (ISO 8601), others as strftime's %Y writes them. Without the C library's
 * time-zone lock: one stamp a probe record. */
void sb_time_utc_stamp(int64_t ts, char *buf);

/* Unix times of local midnight starting d and of the next local midnight: [*start, *end).
 * A DST day is 23 or 25 hours long. */
void sb_date_bounds(sb_date d, int64_t *start, int64_t *end);

/* Local "YYYY-MM-DD" and "HH:MM:SS" of a unix timestamp (buffers of 11 and 9 bytes). */
void sb_time_local(int64_t ts, char *date_buf, char *time_buf);

/* Stored local times (docs/storage.md, "Days whose clock goes back"). A sample is stored under
 * its local date and time "HH:MM:SS"; when that local date and time already occurred earlier (the
 * repeated hour of a day whose clock goes back), the time carries the UTC offset then in force,
 * "HH:MM:SS+hh:mm" or "HH:MM:SS-hh:mm", so the two passes of the hour are distinct keys. Every
 * other sample keeps the plain form, so days without a fold are stored as they always were. */
#define SB_TIME_KEY_SIZE 16 /* "HH:MM:SS+hh:mm" and its NUL */

/* The stored local date and time of unix time ts (buffers of 11 and SB_TIME_KEY_SIZE bytes;
 * either may be NULL). */
void sb_time_key(int64_t ts, char *date_buf, char *time_buf);

/* The stored local times of ts[0..n) (ascending, as a day's samples are) into out[0..n): the same
 * as sb_time_key for each, with the C library asked about the zone a few times an hour of samples
 * rather than twice a sample (an hour whose offset is the same at its start, at its end and two
 * hours before its start, when no zone changes twice within an hour, holds no change and no
 * repeated time). */
void sb_time_keys(const int64_t *ts, size_t n, char (*out)[SB_TIME_KEY_SIZE]);

/* The unix time of a stored local date and time: "HH:MM:SS+hh:mm" is that wall time at that
 * offset; "HH:MM:SS" is the first instant of the date showing it (a wall time the clock skipped
 * is read with the offset in force before the change). Returns SB_OK, or SB_EINVAL when date or
 * hms is not in a stored form. */
int sb_time_key_parse(const char *date, const char *hms, int64_t *ts);

/* 1 if hms is in a stored form: HH:MM:SS (00-23, 00-59, 00-60) with an optional +hh:mm or
 * -hh:mm (00-23, 00-59). */
int sb_time_key_valid(const char *hms);

/* SB_OK when tz names a time zone the C library knows: a zone of the tz database
 * ("America/Caracas", "UTC", with an optional leading ':'; the files under $TZDIR, else
 * /usr/share/zoneinfo) or a POSIX TZ rule ("<-04>4", "EST5EDT,M3.2.0,M11.1.0"). Else SB_EINVAL,
 * and near (when not NULL) gets the database's zone closest to tz, or "". The C library takes any
 * other name silently as UTC: this is the check that keeps it from doing so. */
int sb_time_zone_check(const char *tz, char *near, size_t near_size);

/* Sets the process time zone (TZ) used by everything above; NULL or "" keeps the host's. */
void sb_time_set_zone(const char *tz);

/* A number that changes at every sb_time_set_zone: whoever keeps local times worked out earlier
 * knows they may no longer hold. */
unsigned sb_time_zone_generation(void);

/* sb_time_mono, the monotonic clock, is the SDK's (scanbackup/common.h). */

#endif
