/* timeutil.c - calendar arithmetic (proleptic Gregorian) and local-time day boundaries. */
#include "config.h"

#include "base/timeutil.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
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

/* sb_time_utc_stamp made afresh: by hand for the years four digits hold. */
static void sb_time_utc_stamp_of(int64_t ts, char *buf)
{
	int64_t days = ts / 86400, sec = ts % 86400;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	sb_date d = days >= -3000000 && days <= 3000000 ? sb_civil_from_days((long)days)
							: (sb_date){-1, 1, 1};
	if (d.year < 0 || d.year > 9999) {
		time_t t = (time_t)ts;
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(buf, 32, "%lld", (long long)ts);
		return;
	}
	const int part[] = {d.year / 100,      d.year % 100,         d.month,        d.day,
			    (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60)};
	static const char before[] = "\0\0--T::"; /* what goes before each two digits */
	char *p = buf;
	for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		if (before[i] != '\0')
			*p++ = before[i];
		*p++ = (char)('0' + part[i] / 10);
		*p++ = (char)('0' + part[i] % 10);
	}
	memcpy(p, "Z", 2);
}

/* The stamp of one time, for another of the same: a monitor's run stamps each of its records,
 * and each record's file name, with its grid time. */
void sb_time_utc_stamp(int64_t ts, char *buf)
{
	static _Thread_local int have;
	static _Thread_local int64_t last_ts;
	static _Thread_local char last[32];
	if (!have || ts != last_ts) {
		sb_time_utc_stamp_of(ts, last);
		last_ts = ts;
		have = 1;
	}
	memcpy(buf, last, sizeof(last));
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

static long sb_time_offset(int64_t ts);

/* Writes HH:MM:SS of the wall seconds into the day w (0..86399) at out, NUL-terminated. */
static void sb_time_hms(long w, char *out)
{
	long h = w / 3600, m = w / 60 % 60, s = w % 60;
	out[0] = (char)('0' + h / 10);
	out[1] = (char)('0' + h % 10);
	out[2] = ':';
	out[3] = (char)('0' + m / 10);
	out[4] = (char)('0' + m % 10);
	out[5] = ':';
	out[6] = (char)('0' + s / 10);
	out[7] = (char)('0' + s % 10);
	out[8] = '\0';
}

/* The wall clock of ts in seconds into the local day, and its offset. */
static long sb_time_wall(int64_t ts, long *off)
{
	time_t t = (time_t)ts;
	struct tm tm;
	localtime_r(&t, &tm);
	*off = tm.tm_gmtoff;
	return (long)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

void sb_time_keys(const int64_t *ts, size_t n, char (*out)[SB_TIME_KEY_SIZE])
{
	/* [from, from + 3600]: the wall clock moves with the instant, and no time is repeated */
	int64_t from = 1, to = 0;
	long wall = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t t = ts[i];
		if (t < from || t > to) {
			long off, off_end, off_fold = sb_time_offset(t - SB_TIME_FOLD_MAX);
			wall = sb_time_wall(t, &off);
			long wall_end = sb_time_wall(t + 3600, &off_end);
			from = 1;
			to = 0;
			if (off == off_end && off == off_fold &&
			    wall_end == (wall + 3600) % 86400) {
				from = t;
				to = t + 3600;
			}
		}
		if (t < from || t > to) {
			sb_time_key(t, NULL, out[i]);
			continue;
		}
		sb_time_hms((long)((wall + (t - from)) % 86400), out[i]);
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

/* The folder of the tz database. */
static const char *sb_zone_dir(void)
{
	const char *d = getenv("TZDIR");
	return d != NULL && d[0] == '/' ? d : "/usr/share/zoneinfo";
}

/* 1 when path is a compiled zone file ("TZif" magic). */
static int sb_zone_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	char magic[4];
	int yes = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return yes;
}

/* Skips a POSIX TZ zone name ("EST", "<-04>"); NULL when there is none. */
static const char *sb_posix_name(const char *p)
{
	const char *q = p;
	if (*q == '<') {
		for (q++; isalnum((unsigned char)*q) || *q == '+' || *q == '-'; q++)
			;
		return *q == '>' && q - p >= 4 ? q + 1 : NULL;
	}
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* Skips [+-]hh[:mm[:ss]]; NULL when there is none. */
static const char *sb_posix_offset(const char *p, int signed_ok)
{
	if (signed_ok && (*p == '+' || *p == '-'))
		p++;
	for (int part = 0; part < 3; part++) {
		if (part > 0) {
			if (*p != ':')
				return p;
			p++;
		}
		int digits = 0;
		while (isdigit((unsigned char)*p) && digits < 3)
			p++, digits++;
		if (digits == 0 || digits > (part == 0 ? 3 : 2))
			return NULL;
	}
	return p;
}

/* Skips a date rule: Jn, n or Mm.w.d, then an optional /time. */
static const char *sb_posix_rule(const char *p)
{
	if (*p == 'M') {
		p++;
		for (int part = 0; part < 3; part++) {
			if (part > 0 && *p++ != '.')
				return NULL;
			if (!isdigit((unsigned char)*p))
				return NULL;
			while (isdigit((unsigned char)*p))
				p++;
		}
	} else {
		if (*p == 'J')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == '/')
		p = sb_posix_offset(p + 1, 1);
	return p;
}

/* 1 when tz is a POSIX TZ rule: std offset [dst [offset] [,start[/time],end[/time]]]. */
static int sb_posix_tz(const char *tz)
{
	const char *p = sb_posix_name(tz);
	if (p == NULL || (p = sb_posix_offset(p, 1)) == NULL)
		return 0;
	if (*p == '\0')
		return 1;
	if ((p = sb_posix_name(p)) == NULL)
		return 0;
	if (*p != '\0' && *p != ',' && (p = sb_posix_offset(p, 1)) == NULL)
		return 0;
	if (*p == '\0')
		return 1;
	if (*p++ != ',' || (p = sb_posix_rule(p)) == NULL || *p++ != ',' ||
	    (p = sb_posix_rule(p)) == NULL)
		return 0;
	return *p == '\0';
}

/* Looks in dir for the entry closest to name, closer than *best edits: into near (as
 * prefix + entry) and *best. */
static void sb_zone_nearest(const char *dir, const char *prefix, const char *name, char *near,
			    size_t size, size_t *best)
{
	char **names = NULL;
	size_t n = 0;
	sb_fs_filter all = {.type = SB_FS_ANY};
	if (sb_fs_list_filter(dir, &all, &names, &n, NULL) != SB_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t d = sb_str_distance(name, names[i], *best - 1);
		if (d < *best) { /* the first of the closest, in sorted order */
			*best = d;
			snprintf(near, size, "%s%s", prefix, names[i]);
		}
	}
	sb_fs_list_free(names, n);
}

/* The zone of the database closest to name (at most 3 edits in all) into near: "Amrica/Caracs"
 * is looked for in every region close to "Amrica", "Caracas" in the top level and in every
 * region. */
static void sb_zone_hint(const char *name, char *near, size_t size)
{
	const char *top = sb_zone_dir();
	size_t best = 4;
	const char *slash = strrchr(name, '/');
	char *want_region = slash != NULL ? sb_xstrndup(name, (size_t)(slash - name)) : NULL;
	const char *city = slash != NULL ? slash + 1 : name;
	if (want_region == NULL)
		sb_zone_nearest(top, "", name, near, size, &best);
	char **regions = NULL;
	size_t n = 0;
	sb_fs_filter dirs = {.type = SB_FS_DIR};
	if (sb_fs_list_filter(top, &dirs, &regions, &n, NULL) == SB_OK) {
		for (size_t i = 0; i < n && best > 0; i++) {
			size_t rd = want_region != NULL
					    ? sb_str_distance(want_region, regions[i], best - 1)
					    : 0;
			if (rd >= best)
				continue;
			size_t left = best - rd; /* what the city may still cost, plus one */
			char found[128] = "";
			char *rdir = sb_fs_join(top, regions[i]);
			char *prefix = sb_xasprintf("%s/", regions[i]);
			sb_zone_nearest(rdir, prefix, city, found, sizeof(found), &left);
			if (found[0] != '\0') {
				best = rd + left;
				snprintf(near, size, "%s", found);
			}
			free(prefix);
			free(rdir);
		}
		sb_fs_list_free(regions, n);
	}
	free(want_region);
}

int sb_time_zone_check(const char *tz, char *near, size_t near_size)
{
	if (near != NULL && near_size > 0)
		near[0] = '\0';
	if (tz == NULL || *tz == '\0')
		return SB_EINVAL;
	const char *name = tz[0] == ':' ? tz + 1 : tz;
	int path_ok = *name != '\0' && strstr(name, "..") == NULL;
	if (path_ok) {
		char *path = name[0] == '/' ? sb_xstrdup(name) : sb_fs_join(sb_zone_dir(), name);
		int yes = sb_zone_file(path);
		free(path);
		if (yes)
			return SB_OK;
	}
	if (sb_posix_tz(tz))
		return SB_OK;
	if (near != NULL && near_size > 0 && path_ok && name[0] != '/')
		sb_zone_hint(name, near, near_size);
	return SB_EINVAL;
}

static atomic_uint sb_time_zone_gen;

void sb_time_set_zone(const char *tz)
{
	if (tz != NULL && *tz != '\0')
		setenv("TZ", tz, 1);
	tzset();
	atomic_fetch_add(&sb_time_zone_gen, 1);
}

unsigned sb_time_zone_generation(void)
{
	return atomic_load(&sb_time_zone_gen);
}

double sb_time_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
