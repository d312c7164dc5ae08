/* timeutil_test.c - dates, weekdays and local day boundaries across DST changes. */
#include "config.h"

#include "base/sb.h"
#include "base/timeutil.h"
#include "tap.h"

int main(void)
{
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
	return tap_done();
}
