/* tap_selftest.c - uses every part of tests/tap.h so that tests/integration/harness.py can check
 * what it prints and the exit status it gives.
 *
 * Usage: tap_selftest MODE   with MODE one of
 *   pass   two passing checks
 *   fail   a passing and a failing check
 *   skip   a passing check, a skipped one, a passing one
 *   rest   a passing check, then skip_rest (the last line is never reached) */
#include "config.h"

#include "tap.h"

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	ok(1, "first");
	if (strcmp(mode, "fail") == 0) {
		is_int(2 + 2, 5, "arithmetic");
		return tap_done();
	}
	if (strcmp(mode, "skip") == 0)
		skip("no such thing here", "needs thing %d", 7);
	if (strcmp(mode, "rest") == 0)
		skip_rest("%s is missing", "thing");
	ok(1, "last");
	return tap_done();
}
