/* sb.h - the first-error-wins error record; with the SDK's error codes and helpers it includes. */
#ifndef SB_BASE_SB_H
#define SB_BASE_SB_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <scanbackup/common.h>

/* The error codes, sb_strerror, sb_free and the allocation and number helpers are the SDK's
 * (scanbackup/common.h): modules use them too. */

/* An error record owned by the caller. The first error set wins, so the root cause survives the
 * unwinding; later sb_err_set calls on a set record only return their code. */
typedef struct sb_err {
	int code;
	char msg[512];
} sb_err;

/* Records code and a printf-style message in err (if err is not NULL and not already set).
 * Returns code, so callers can write `return sb_err_set(err, SB_EIO, "...")`. */
int sb_err_set(sb_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Clears err so it can be reused. */
void sb_err_clear(sb_err *err);

#define SB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Makes room for one more element in a growable array: when n == *cap, doubles *cap (16 at
 * first) and reallocates *(T **)pv to *cap elements of size bytes. */
void sb_grow(void *pv, size_t *cap, size_t n, size_t size);

/* The edit distance of a and b (case-sensitive), a swap of two neighbouring characters counting as
 * one edit (optimal string alignment): what "did you mean ...?" hints measure. Strings longer
 * than 255 bytes, or a distance above limit, give limit + 1. */
size_t sb_str_distance(const char *a, const char *b, size_t limit);

/* FNV-1a over 64 bits, the hash of the in-memory tables and of the names kept in files: start with
 * SB_FNV64_BASIS and fold the bytes in, piece after piece. */
#define SB_FNV64_BASIS UINT64_C(14695981039346656037)

/* h with the n bytes at p folded in. */
static inline uint64_t sb_fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(1099511628211);
	return h;
}

#endif
