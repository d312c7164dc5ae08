/* timeutil_test.c - dates, weekdays and local day boundaries across DST changes. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/sb.h"
#include "base/timeutil.h"
#include "tap.h"

/* sb_time_utc_stamp against the C library's gmtime_r and strftime: the epoch and the second
 * before it, leap days, centuries, the last second four digits hold and past it, and a walk of
 * uneven steps over 1900-2400; the years below 1000 the C library writes without zeros. */
static void test_utc_stamp(void)
{
	static const int64_t at[] = {0,
				     -1,
				     86399,
				     86400,
				     951782400,
				     951868799,
				     4107542400,
				     -2208988800,
				     1763633700,
				     253402300799,
				     253402300800,
				     -62135596800,
				     -62135596801,
				     32503680000,
				     -86401};
	char mine[32], libc[32], first[128] = "";
	int bad = 0, n = 0;
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]) + 200000; k++) {
		int64_t ts = k < sizeof(at) / sizeof(at[0])
				     ? at[k]
				     : -2208988800 +
					       (int64_t)(k - sizeof(at) / sizeof(at[0])) * 63113 +
					       (int64_t)k % 86400;
		time_t t = (time_t)ts;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(libc, sizeof(libc), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (tm.tm_year + 1900 < 1000)
			continue; /* %Y writes no leading zeros */
		sb_time_utc_stamp(ts, mine);
		n++;
		if (strcmp(mine, libc) != 0 && bad++ == 0)
			snprintf(first, sizeof(first), "%lld: %s, the C library %s", (long long)ts,
				 mine, libc);
	}
	ok(bad == 0 && n > 200000, "UTC stamps as the C library writes them (%d of %d differ) %s",
	   bad, n, first);
	sb_time_utc_stamp(1763633700, mine);
	sb_time_utc_stamp(1763633760, libc);
	sb_time_utc_stamp(1763633700, mine);
	ok(strcmp(mine, "2025-11-20T10:15:00Z") == 0 && strcmp(libc, "2025-11-20T10:16:00Z") == 0,
	   "a record's stamp, again after another: %s, %s", mine, libc);
	sb_time_utc_stamp(-62135596800, mine);
	is_str(mine, "0001-01-01T00:00:00Z", "four digits of a year below 1000 (ISO 8601)");
	sb_time_utc_stamp(253402300800, mine);
	is_str(mine, "10000-01-01T00:00:00Z", "a year of five digits");
}

int main(void)
{
	test_utc_stamp();
	sb_date d;
	char buf[11];

	ok(sb_date_parse("2024-02-29", &d) == SB_OK, "leap day parses");
	ok(sb_date_parse("2023-02-29", &d) == SB_EINVAL, "29 Feb of a common year is refused");
	ok(sb_date_parse("2024-13-01", &d) == SB_EINVAL, "month 13 is refused");
	ok(sb_date_parse("2024-1-01", &d) == SB_EINVAL, "short form is refused");
	sb_date_parse("2024-02-28", &d);
	sb_date_format(sb_date_add(d, 1), buf);
	is_str(buf, "2024-02-29", "28 Feb + 1 in a leap year");
	sb_date_format(sb_date_add(d, 2), buf);
	is_str(buf, "2024-03-01", "28 Feb + 2 in a leap year");
	sb_date_parse("2026-01-01", &d);
	sb_date_format(sb_date_add(d, -1), buf);
	is_str(buf, "2025-12-31", "new year's day - 1");
	sb_date_parse("2026-11-23", &d);
	is_int(sb_date_weekday(d), 1, "2026-11-23 is a Monday");
	sb_date_parse("2026-11-22", &d);
	is_int(sb_date_weekday(d), 7, "2026-11-22 is a Sunday");

	int64_t s, e;
	sb_time_set_zone("UTC");
	sb_date_parse("2026-11-21", &d);
	sb_date_bounds(d, &s, &e);
	is_int(s, 1795219200, "UTC midnight");
	is_int(e - s, 86400, "a UTC day is 24 h");

	sb_time_set_zone("America/New_York");
	sb_date_parse("2026-03-08", &d);
	sb_date_bounds(d, &s, &e);
	is_int(e - s, 23 * 3600, "spring-forward day in New York is 23 h");
	sb_date_parse("2026-11-01", &d);
	sb_date_bounds(d, &s, &e);
	is_int(e - s, 25 * 3600, "fall-back day in New York is 25 h");
	char db[11], tb[9];
	sb_time_local(s, db, tb);
	is_str(db, "2026-11-01", "start of the day is on the day");
	is_str(tb, "00:00:00", "start of the day is midnight");

	/* Chile's DST change happens at midnight (00:00 does not exist on the spring day). */
	sb_time_set_zone("America/Santiago");
	sb_date_parse("2026-09-06", &d);
	sb_date_bounds(d, &s, &e);
	sb_time_local(s, db, tb);
	is_str(db, "2026-09-06", "a day without a midnight starts on the day");
	is_str(tb, "01:00:00", "... at its first existing hour");
	is_int(e - s, 23 * 3600, "... and is 23 h long");

	/* Stored local times (docs/storage.md): the repeated hour's second pass carries its offset. */
	static const struct {
		const char *zone, *date, *first, *second;
		int fold; /* seconds repeated */
	} folds[] = {
		{"America/New_York", "2026-11-01", "01:05:00", "01:05:00-05:00", 3600},
		{"Europe/Madrid", "2026-10-25", "02:05:00", "02:05:00+01:00", 3600},
		{"Australia/Lord_Howe", "2026-04-05", "01:35:00", "01:35:00+10:30", 1800},
	};
	for (size_t i = 0; i < SB_ARRAY_SIZE(folds); i++) {
		sb_time_set_zone(folds[i].zone);
		sb_date_parse(folds[i].date, &d);
		sb_date_bounds(d, &s, &e);
		int plain = 0, marked = 0, round = 0, order = 1;
		int64_t first = -1, second = -1;
		for (int64_t ts = s; ts < e; ts += 300) {
			char kd[11], kt[SB_TIME_KEY_SIZE];
			sb_time_key(ts, kd, kt);
			int64_t back = 0;
			round += sb_time_key_parse(kd, kt, &back) == SB_OK && back == ts &&
				 strcmp(kd, folds[i].date) == 0;
			if (strlen(kt) == 8)
				plain++;
			else
				marked++;
			if (strcmp(kt, folds[i].first) == 0)
				first = ts;
			if (strcmp(kt, folds[i].second) == 0)
				second = ts;
			order &= sb_time_key_valid(kt);
		}
		int n = (int)((e - s) / 300);
		/* the batch form gives the same keys, on the grid and off it */
		int64_t *v = sb_xmalloc((size_t)n * 2 * sizeof(*v));
		char(*keys)[SB_TIME_KEY_SIZE] = sb_xmalloc((size_t)n * 2 * sizeof(*keys));
		for (int k = 0; k < n; k++) {
			v[2 * k] = s + (int64_t)k * 300;
			v[2 * k + 1] = s + (int64_t)k * 300 + 1 + k % 299;
		}
		sb_time_keys(v, (size_t)n * 2, keys);
		int same = 1;
		for (int k = 0; k < 2 * n; k++) {
			char kt[SB_TIME_KEY_SIZE];
			sb_time_key(v[k], NULL, kt);
			same &= strcmp(kt, keys[k]) == 0;
		}
		ok(same, "%s %s: sb_time_keys gives sb_time_key's keys", folds[i].zone,
		   folds[i].date);
		free(v);
		free(keys);
		is_int(marked, folds[i].fold / 300, "%s %s: the repeated samples carry an offset",
		       folds[i].zone, folds[i].date);
		is_int(plain, n - folds[i].fold / 300, "%s: every other sample is plain",
		       folds[i].zone);
		is_int(round, n, "%s: every stored date and time reads back as its instant",
		       folds[i].zone);
		is_int(second - first, folds[i].fold, "%s: %s is %d s after %s", folds[i].zone,
		       folds[i].second, folds[i].fold, folds[i].first);
		ok(order, "%s: every stored time is valid", folds[i].zone);
	}
	/* the batch form on days with and without a change, and a zone counting leap seconds
	 * (2016-12-31 ends with 23:59:60 in right/UTC) */
	static const struct {
		const char *zone, *date;
	} days[] = {
		{"America/New_York", "2026-03-08"}, {"Europe/Madrid", "2026-03-29"},
		{"Asia/Kathmandu", "2026-11-20"},   {"America/Caracas", "2026-11-20"},
		{"right/UTC", "2016-12-31"},        {"Australia/Lord_Howe", "2026-10-04"},
	};
	for (size_t i = 0; i < SB_ARRAY_SIZE(days); i++) {
		sb_time_set_zone(days[i].zone);
		sb_date_parse(days[i].date, &d);
		sb_date_bounds(d, &s, &e);
		size_t n = (size_t)((e - s) / 37) + 2;
		int64_t *v = sb_xmalloc(n * sizeof(*v));
		char(*keys)[SB_TIME_KEY_SIZE] = sb_xmalloc(n * sizeof(*keys));
		for (size_t k = 0; k < n; k++)
			v[k] = s + (int64_t)k * 37;
		sb_time_keys(v, n, keys);
		size_t same = 0;
		for (size_t k = 0; k < n; k++) {
			char kt[SB_TIME_KEY_SIZE];
			sb_time_key(v[k], NULL, kt);
			same += strcmp(kt, keys[k]) == 0;
		}
		is_int(same, n, "%s %s: sb_time_keys gives sb_time_key's keys every 37 s",
		       days[i].zone, days[i].date);
		free(v);
		free(keys);
	}

	sb_time_set_zone("America/New_York");
	char kt[SB_TIME_KEY_SIZE];
	sb_time_key(1793512800 - 3600, NULL, kt); /* 2026-11-01 01:00 EDT */
	is_str(kt, "01:00:00", "the first pass of the repeated hour is plain");
	sb_time_key(1793512800, NULL, kt);
	is_str(kt, "01:00:00-05:00", "the second pass carries -05:00");
	sb_time_key(1793512800 + 3600, NULL, kt);
	is_str(kt, "02:00:00", "the hour after the fold is plain again");
	int64_t ts = 0;
	ok(sb_time_key_parse("2026-03-08", "02:30:00", &ts) == SB_OK && ts == 1772955000,
	   "a wall time the clock skipped reads with the offset before the change");
	ok(sb_time_key_parse("2026-11-20", "25:00:00", &ts) == SB_EINVAL, "hour 25 is refused");
	ok(sb_time_key_parse("2026-11-20", "01:00:00+5", &ts) == SB_EINVAL,
	   "a cut offset is refused");
	ok(!sb_time_key_valid("01:00:00 -05:00") && !sb_time_key_valid("01:00:00-05:60") &&
		   sb_time_key_valid("23:59:60") && sb_time_key_valid("00:00:00+14:00"),
	   "stored forms: HH:MM:SS with an optional +hh:mm / -hh:mm");
	return tap_done();
}
