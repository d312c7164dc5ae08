/* timeutil.c - calendar arithmetic (proleptic Gregorian) and local-time day boundaries. */
#include "config.h"

#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sb.h"

static int sb_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int sb_month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && sb_is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long sb_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static sb_date sb_civil_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	return (sb_date){(int)(y + (m <= 2)), (int)m, (int)d};
}

int sb_date_parse(const char *s, sb_date *out)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return SB_EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return SB_EINVAL;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > sb_month_days(y, m))
		return SB_EINVAL;
	*out = (sb_date){y, m, d};
	return SB_OK;
}

void sb_date_format(sb_date d, char *buf)
{
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u,
		 (unsigned)d.day % 100u);
}

sb_date sb_date_add(sb_date d, int n)
{
	return sb_civil_from_days(sb_days_from_civil(d.year, d.month, d.day) + n);
}

int sb_date_weekday(sb_date d)
{
	long z = sb_days_from_civil(d.year, d.month, d.day); /* 1970-01-01 was a Thursday */
	long w = ((z % 7) + 7 + 3) % 7;                      /* 0 = Monday */
	return (int)w + 1;
}

int sb_date_cmp(sb_date a, sb_date b)
{
	long x = sb_days_from_civil(a.year, a.month, a.day);
	long y = sb_days_from_civil(b.year, b.month, b.day);
	return x < y ? -1 : x > y;
}

sb_date sb_date_of(int64_t ts)
{
	time_t t = (time_t)ts;
	struct tm tm;
	localtime_r(&t, &tm);
	return (sb_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

sb_date sb_date_today(void)
{
	return sb_date_of((int64_t)time(NULL));
}

/* Local midnight of d; where midnight does not exist (a DST jump at 00:00) the first existing
 * instant of the day. */
static int64_t sb_local_midnight(sb_date d)
{
	struct tm tm = {0};
	tm.tm_year = d.year - 1900;
	tm.tm_mon = d.month - 1;
	tm.tm_mday = d.day;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	/* mktime normalises a missing 00:00 forward into the same day or back into the previous one;
	 * step until the local date is d and the previous second is not. */
	sb_date got = sb_date_of((int64_t)t);
	while (sb_date_cmp(got, d) < 0) {
		t += 1800;
		got = sb_date_of((int64_t)t);
	}
	while (sb_date_cmp(sb_date_of((int64_t)t - 1800), d) == 0)
		t -= 1800;
	return (int64_t)t;
}

void sb_date_bounds(sb_date d, int64_t *start, int64_t *end)
{
	*start = sb_local_midnight(d);
	*end = sb_local_midnight(sb_date_add(d, 1));
}

void sb_time_local(int64_t ts, char *date_buf, char *time_buf)
{
	time_t t = (time_t)ts;
	struct tm tm;
	localtime_r(&t, &tm);
	if (date_buf != NULL)
		sb_date_format((sb_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday}, date_buf);
	if (time_buf != NULL)
		snprintf(time_buf, 9, "%02u:%02u:%02u", (unsigned)tm.tm_hour % 24u,
			 (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u);
}

/* The longest fold handled: offsets have gone back by 30 minutes, 1 hour or 2 hours. */
#define SB_TIME_FOLD_MAX 7200

/* 1 if the local date and time of ts (tm, from localtime_r) were already shown at an earlier
 * instant: the offset dropped by d within the last SB_TIME_FOLD_MAX seconds and ts - d was still
 * under the old offset. */
static int sb_time_repeated(int64_t ts, const struct tm *tm)
{
	time_t before = (time_t)(ts - SB_TIME_FOLD_MAX);
	struct tm b;
	localtime_r(&before, &b);
	long d = b.tm_gmtoff - tm->tm_gmtoff;
	if (d <= 0 || d > SB_TIME_FOLD_MAX)
		return 0;
	time_t earlier = (time_t)(ts - d);
	struct tm e;
	localtime_r(&earlier, &e);
	return e.tm_gmtoff == tm->tm_gmtoff + d && e.tm_mday == tm->tm_mday &&
	       e.tm_hour == tm->tm_hour && e.tm_min == tm->tm_min && e.tm_sec == tm->tm_sec;
}

void sb_time_key(int64_t ts, char *date_buf, char *time_buf)
{
	time_t t = (time_t)ts;
	struct tm tm;
	localtime_r(&t, &tm);
	if (date_buf != NULL)
		sb_date_format((sb_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday}, date_buf);
	if (time_buf == NULL)
		return;
	snprintf(time_buf, 9, "%02u:%02u:%02u", (unsigned)tm.tm_hour % 24u,
		 (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u);
	if (sb_time_repeated(ts, &tm)) {
		long off = tm.tm_gmtoff;
		unsigned a = (unsigned)(off < 0 ? -off : off) / 60u;
		snprintf(time_buf + 8, SB_TIME_KEY_SIZE - 8, "%c%02u:%02u", off < 0 ? '-' : '+',
			 a / 60u % 100u, a % 60u);
	}
}

/* The value of two digits at s, or -1. */
static int sb_time_2digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int sb_time_key_valid(const char *t)
{
	size_t n = strlen(t);
	if ((n != 8 && n != 14) || t[2] != ':' || t[5] != ':')
		return 0;
	int h = sb_time_2digits(t), m = sb_time_2digits(t + 3), s = sb_time_2digits(t + 6);
	if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
		return 0;
	if (n == 8)
		return 1;
	int oh = sb_time_2digits(t + 9), om = sb_time_2digits(t + 12);
	return (t[8] == '+' || t[8] == '-') && t[11] == ':' && oh >= 0 && oh <= 23 && om >= 0 &&
	       om <= 59;
}

static long sb_time_offset(int64_t ts)
{
	time_t t = (time_t)ts;
	struct tm tm;
	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

int sb_time_key_parse(const char *date, const char *hms, int64_t *ts)
{
	sb_date d;
	if (sb_date_parse(date, &d) != SB_OK || !sb_time_key_valid(hms))
		return SB_EINVAL;
	int64_t wall = (int64_t)sb_days_from_civil(d.year, d.month, d.day) * 86400 +
		       sb_time_2digits(hms) * 3600 + sb_time_2digits(hms + 3) * 60 +
		       sb_time_2digits(hms + 6);
	if (hms[8] != '\0') {
		int64_t off = sb_time_2digits(hms + 9) * 3600 + sb_time_2digits(hms + 12) * 60;
		*ts = wall - (hms[8] == '-' ? -off : off);
		return SB_OK;
	}
	/* The instants showing wall lie within [wall - 14 h, wall + 12 h] (the widest offsets); the
	 * offsets at both ends are the ones in force there (at most one change in between). */
	long offs[2] = {sb_time_offset(wall - 14 * 3600), sb_time_offset(wall + 12 * 3600)};
	int found = 0;
	int64_t best = 0;
	for (int i = 0; i < 2; i++) {
		int64_t t = wall - offs[i];
		if (sb_time_offset(t) == offs[i] && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	*ts = found ? best : wall - offs[0];
	return SB_OK;
}

void sb_time_set_zone(const char *tz)
{
	if (tz != NULL && *tz != '\0')
		setenv("TZ", tz, 1);
	tzset();
}

double sb_time_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
