/* numtext_test.c - integers and fixed-point numbers written without printf give printf's very
 * characters: edges, ties and a million random values. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/numtext.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int int_same(int64_t v)
{
	char want[32], got[32];
	snprintf(want, sizeof(want), "%" PRId64, v);
	memset(got, '#', sizeof(got));
	char *end = sb_text_int(got, v);
	int past = end[0] != '#' || end[1] != '#'; /* nothing written after the number */
	*end = '\0';
	if (strcmp(want, got) != 0 || past) {
		printf("#   %" PRId64 ": got %s\n", v, got);
		return 0;
	}
	return 1;
}

static int fixed_same(double v, int d)
{
	char want[512], got[512];
	snprintf(want, sizeof(want), "%.*f", d, v);
	size_t n = sb_text_fixed(got, sizeof(got), v, d);
	if (strcmp(want, got) != 0 || n != strlen(want)) {
		printf("#   %.17g with %d decimals: got %s (%zu), printf %s\n", v, d, got, n, want);
		return 0;
	}
	return 1;
}

static void test_int(void)
{
	static const int64_t edge[] = {0,
				       1,
				       -1,
				       9,
				       10,
				       99,
				       100,
				       101,
				       -100,
				       999,
				       1000,
				       1234567890123LL,
				       9999,
				       10000,
				       99999999,
				       100000000,
				       9999999999999999LL,
				       10000000000000000LL,
				       999999999999999999LL,
				       1000000000000000000LL,
				       INT64_MAX,
				       INT64_MIN,
				       INT64_MIN + 1};
	int good = 1;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		good &= int_same(edge[i]);
	ok(good,
	   "integers at the edges (0, powers of ten, INT64_MIN and MAX) as printf writes them");
	good = 1;
	for (int i = 0; i < 200000 && good; i++) {
		uint64_t r = next();
		good &= int_same((int64_t)(r >> (r % 64)) * (r & 1 ? -1 : 1));
	}
	ok(good, "200,000 random integers of every length as printf writes them");
}

static void test_fixed(void)
{
	static const double edge[] = {0.0,     -0.0,        0.5,     1.5,    2.5,
				      0.0005,  0.0015,      1.0005,  2.675,  0.125,
				      0.375,   1e-9,        0.9995,  9.9995, 99.95,
				      123.456, 999999.9995, 1e8,     1e9,    1e15,
				      1e300,   -1.5,        -0.0001, 5e-324, 0.041499999999999999,
				      0.0415};
	int good = 1;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (int d = 0; d <= 9; d++)
			good &= fixed_same(edge[i], d);
	ok(good, "ties, near ties, zero and minus zero, huge and tiny values, 0 to 9 decimals");
	ok(fixed_same(NAN, 3) && fixed_same(INFINITY, 1) && fixed_same(-INFINITY, 0),
	   "not a number and the infinities as printf writes them");
	good = 1;
	for (int i = 0; i < 1000000 && good; i++) {
		uint64_t r = next();
		int d = (int)(r % 10);
		double v;
		switch ((r >> 4) % 4) {
		case 0: /* a round trip time in ms, as the probes measure it */
			v = (double)(r >> 20 & 0xfffff) / 1000.0 + (double)(r >> 40 & 0xff) / 1e6;
			break;
		case 1: /* a decimal with as many digits as asked, and a half beyond: near ties */
			v = ((double)(r >> 12 & 0xffffff) + 0.5) / pow(10, d);
			break;
		case 2: /* any magnitude */
			v = ldexp((double)(r >> 11) / 9007199254740992.0, (int)(r % 80) - 40);
			break;
		default: /* a percentage */
			v = (double)((r >> 16) % 100001) / 1000.0;
			break;
		}
		good &= fixed_same(v, d);
	}
	ok(good, "a million random values with 0 to 9 decimals as printf writes them");
	char small[4];
	size_t n = sb_text_fixed(small, sizeof(small), 123.456, 2);
	is_str(small, "123", "a buffer too small is cut and terminated, as snprintf does");
	is_int((int)n, 3, "and the length says what the buffer holds");
}

int main(void)
{
	test_int();
	test_fixed();
	return tap_done();
}
