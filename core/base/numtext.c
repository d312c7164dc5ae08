/* numtext.c - decimal text of integers and fixed-point numbers without printf. */
#include "config.h"

#include "base/numtext.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char sb_text_pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";

static void sb_text_pair(char *p, unsigned v)
{
	memcpy(p, sb_text_pairs + 2 * v, 2);
}

/* v < 10^4 as exactly four digits. */
static void sb_text_four(char *p, unsigned v)
{
	sb_text_pair(p, v / 100);
	sb_text_pair(p + 2, v % 100);
}

/* v < 10^8 as exactly eight digits. */
static void sb_text_eight(char *p, uint32_t v)
{
	sb_text_four(p, v / 10000);
	sb_text_four(p + 4, v % 10000);
}

/* u < 10^8 at p, forwards; returns the end. Four digits a step in 32 bits. */
static char *sb_text_small(char *p, uint32_t u)
{
	if (u >= 10000) {
		p = sb_text_small(p, u / 10000);
		sb_text_four(p, u % 10000);
		return p + 4;
	}
	if (u >= 1000) {
		sb_text_four(p, u);
		return p + 4;
	}
	if (u >= 100) {
		*p = (char)('0' + u / 100);
		sb_text_pair(p + 1, u % 100);
		return p + 3;
	}
	if (u >= 10) {
		sb_text_pair(p, u);
		return p + 2;
	}
	*p = (char)('0' + u);
	return p + 1;
}

char *sb_text_int(char *p, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (v < 0)
		*p++ = '-';
	/* the leading part below 10^8, then whole groups of eight digits in 32 bits each */
	if (u < 100000000u)
		return sb_text_small(p, (uint32_t)u);
	if (u < 10000000000000000u) {
		p = sb_text_small(p, (uint32_t)(u / 100000000u));
		sb_text_eight(p, (uint32_t)(u % 100000000u));
		return p + 8;
	}
	p = sb_text_small(p, (uint32_t)(u / 10000000000000000u));
	u %= 10000000000000000u;
	sb_text_eight(p, (uint32_t)(u / 100000000u));
	sb_text_eight(p + 8, (uint32_t)(u % 100000000u));
	return p + 16;
}

size_t sb_text_fixed(char *buf, size_t size, double v, int decimals)
{
	static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	/* 10^d is exact, so the product x = v * 10^d is within half an ulp of the exact one; below
	 * 1e9 that is under 6e-8, and floor(x) and its fraction are exact. Unless the fraction is
	 * within 1e-6 of one half, the exact product rounds to the same integer as x: the one
	 * printf's exact decimal rounding gives. Negative numbers (printf writes "-0.000" for a
	 * tiny one, and for -0) go the slow way too. */
	if (decimals >= 0 && decimals <= 9 && size >= 32 && !signbit(v)) {
		double x = v * scale[decimals];
		if (x < 1e9) { /* false for NaN */
			double whole = floor(x);
			double frac = x - whole;
			if (fabs(frac - 0.5) > 1e-6) {
				static const uint32_t tens[] = {1,         10,       100,
								1000,      10000,    100000,
								1000000,   10000000, 100000000,
								1000000000};
				uint64_t q = (uint64_t)whole + (frac > 0.5);
				char *p = sb_text_int(buf, (int64_t)(q / tens[decimals]));
				if (decimals > 0) {
					*p++ = '.';
					uint64_t f = q % tens[decimals];
					for (int i = decimals - 1; i >= 0; i--) {
						p[i] = (char)('0' + f % 10);
						f /= 10;
					}
					p += decimals;
				}
				*p = '\0';
				return (size_t)(p - buf);
			}
		}
	}
	int n = snprintf(buf, size, "%.*f", decimals, v);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}
