/* numtext.h - numbers written as text without printf, for the hot paths (the scan's spool
 * records, the monitor's trace records, the web server's JSON): the same characters printf
 * writes, several times faster. */
#ifndef SB_BASE_NUMTEXT_H
#define SB_BASE_NUMTEXT_H

#include <stddef.h>
#include <stdint.h>

/* Room enough for any int64_t in decimal, with its sign (no terminating NUL is written). */
#define SB_TEXT_INT_MAX 20

/* Writes v in decimal at p, as printf's "%" PRId64 does, and returns the end (no NUL). */
char *sb_text_int(char *p, int64_t v);

/* Writes v with exactly `decimals` digits after the point (0..9), NUL-terminated, as
 * snprintf(buf, size, "%.*f", decimals, v) does in the C locale, and returns its length.
 * Values whose rounding printf decides by digits a double product cannot see (a near tie),
 * very large ones and the not finite go through snprintf itself. */
size_t sb_text_fixed(char *buf, size_t size, double v, int decimals);

#endif
