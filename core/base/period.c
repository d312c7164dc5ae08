/* period.c - report periods and the calendar sums over them (days, expected samples). */
#include "config.h"

#include "base/period.h"

#include <string.h>

#include "base/sb.h"

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t sb_period_daynum(sb_date d)
{
	int64_t y = d.year - (d.month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d.month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int sb_period_of(const char *name, sb_date last, int form, sb_date *from, sb_date *to)
{
	if (name == NULL || (form & ~(SB_PERIOD_LITERAL | SB_PERIOD_SECOND)) != 0 ||
	    form == (SB_PERIOD_LITERAL | SB_PERIOD_SECOND))
		return SB_EINVAL;
	int literal = form == SB_PERIOD_LITERAL;
	if ((form & SB_PERIOD_SECOND) && strcmp(name, "quincenal") != 0)
		return SB_EINVAL;
	*to = last;
	if (strcmp(name, "diario") == 0) {
		*from = last;
	} else if (strcmp(name, "semanal") == 0) {
		if (!literal) {
			/* weekday: 1 Monday .. 7 Sunday; back to the Sunday on or before last */
			*to = sb_date_add(last, -(sb_date_weekday(last) % 7));
		}
		*from = sb_date_add(*to, -6);
	} else if (strcmp(name, "quincenal") == 0) {
		if (literal) {
			*from = sb_date_add(last, -14);
		} else if (form & SB_PERIOD_SECOND) {
			*from = (sb_date){last.year, last.month, 16};
			/* the day before the 1st of the next month */
			sb_date next = sb_date_add((sb_date){last.year, last.month, 28}, 4);
			*to = sb_date_add((sb_date){next.year, next.month, 1}, -1);
		} else {
			*from = (sb_date){last.year, last.month, 1};
			*to = (sb_date){last.year, last.month, 15};
		}
	} else if (strcmp(name, "mensual") == 0) {
		*from = literal ? sb_date_add(last, -29) : (sb_date){last.year, last.month, 1};
	} else {
		return SB_EINVAL;
	}
	return SB_OK;
}

long sb_period_days(sb_date from, sb_date to)
{
	int64_t n = sb_period_daynum(to) - sb_period_daynum(from) + 1;
	return n > 0 ? (long)n : 0;
}

int64_t sb_period_expected_samples(sb_date from, sb_date to)
{
	int64_t total = 0;
	for (long i = 0, n = sb_period_days(from, to); i < n; i++) {
		int64_t start, end;
		sb_date_bounds(sb_date_add(from, (int)i), &start, &end);
		total += (end - start) / 300;
	}
	return total;
}
