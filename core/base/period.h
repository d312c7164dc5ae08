/* period.h - report periods (diario, semanal, quincenal, mensual) and calendar sums over them. */
#ifndef SB_BASE_PERIOD_H
#define SB_BASE_PERIOD_H

#include <stdint.h>

#include "base/timeutil.h"

/* The forms of a period (flags of sb_period_of). */
enum {
	SB_PERIOD_LITERAL = 1, /* --literal: the days ending at last */
	SB_PERIOD_SECOND = 2   /* --segunda: quincenal's second fortnight */
};

/* The period a report covers. last is the last day the report may cover: yesterday when run
 * without --date (the nightly job has stored it by then), else the --date given. name is one of:
 *   diario     last .. last
 *   semanal    the last complete Monday..Sunday week ending on or before last;
 *              literal: the 7 days ending at last
 *   quincenal  days 1..15 of last's month; literal: the 15 days ending at last; second: days
 *              16 .. the last day of last's month (run on the 1st, last is the previous month's
 *              last day: the previous month's second fortnight)
 *   mensual    day 1 of last's month .. last (run on the 1st, last is the previous month's
 *              last day: the whole previous month); literal: the 30 days ending at last
 * form: 0, SB_PERIOD_LITERAL or SB_PERIOD_SECOND (quincenal only). Returns SB_OK with
 * *from <= *to, or SB_EINVAL for an unknown name or a form the period does not have. */
int sb_period_of(const char *name, sb_date last, int form, sb_date *from, sb_date *to);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t sb_period_daynum(sb_date d);

/* Days from..to inclusive (0 when to < from). */
long sb_period_days(sb_date from, sb_date to);

/* 5-minute samples expected from the first local midnight of from to the last of to: the sum
 * over the days of (local day length / 300 s), so 288 a normal day, 276 or 300 on DST days.
 * Uses the process time zone (sb_time_set_zone). */
int64_t sb_period_expected_samples(sb_date from, sb_date to);

#endif
