/* tap.h - a tiny Test Anything Protocol harness for the C unit tests (one header, no library).
 *
 * ok(cond, fmt, ...) and the is_* comparisons print "ok N - name" or "not ok N - name" with what
 * differed. A check that cannot run where the test runs (something it needs is missing) is never
 * left out silently: skip(reason, fmt, ...) prints "ok N - name # SKIP reason", which the TAP
 * driver counts as a skip, and skip_rest(fmt, ...) reports the rest of the program as one named
 * skip and ends it. CI treats any skip as a failure, since it installs everything. Include it
 * after config.h (tap_tempdir uses mkdtemp, a POSIX.1-2008 function). */
#ifndef SB_TAP_H
#define SB_TAP_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n;
static int tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		int tap_c_ = (cond) ? 1 : 0;                                                       \
		tap_n++;                                                                           \
		if (!tap_c_)                                                                       \
			tap_failed++;                                                              \
		printf("%s %d - ", tap_c_ ? "ok" : "not ok", tap_n);                               \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!tap_c_)                                                                       \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		fflush(stdout);                                                                    \
	} while (0)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                   \
		ok(tap_g_ == tap_w_, __VA_ARGS__);                                                 \
		if (tap_g_ != tap_w_)                                                              \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_);                       \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *tap_g_ = (got), *tap_w_ = (want);                                      \
		int tap_eq_ = (tap_g_ == NULL && tap_w_ == NULL) ||                                \
			      (tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0);   \
		ok(tap_eq_, __VA_ARGS__);                                                          \
		if (!tap_eq_)                                                                      \
			printf("#   got \"%s\", want \"%s\"\n", tap_g_ ? tap_g_ : "(null)",        \
			       tap_w_ ? tap_w_ : "(null)");                                        \
	} while (0)

#define is_double(got, want, eps, ...)                                                             \
	do {                                                                                       \
		double tap_g_ = (got), tap_w_ = (want);                                            \
		ok(fabs(tap_g_ - tap_w_) <= (eps), __VA_ARGS__);                                   \
		if (!(fabs(tap_g_ - tap_w_) <= (eps)))                                             \
			printf("#   got %.17g, want %.17g\n", tap_g_, tap_w_);                     \
	} while (0)

/* One check that cannot run here: "ok N - name # SKIP reason". reason (a plain string without
 * a newline) says what is missing and how to get it; the name is printf-formatted. */
#define skip(reason, ...)                                                                          \
	do {                                                                                       \
		tap_n++;                                                                           \
		printf("ok %d - ", tap_n);                                                         \
		printf(__VA_ARGS__);                                                               \
		printf(" # SKIP %s\n", (reason));                                                  \
		fflush(stdout);                                                                    \
	} while (0)

/* Prints the plan and returns the process exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

/* Skips the rest of the program: one skip named after the source file and line it was called
 * from, with the printf-formatted reason, then the plan; exits with tap_done()'s status (the
 * checks made before still count). */
#define skip_rest(...)                                                                             \
	do {                                                                                       \
		tap_n++;                                                                           \
		printf("ok %d - the rest of %s from line %d # SKIP ", tap_n, __FILE__, __LINE__);  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		exit(tap_done());                                                                  \
	} while (0)

/* xorshift64: a test's pseudo-random numbers, the same at every run from the same *state (not
 * 0). */
static inline uint64_t tap_rnd(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* A new empty folder under $TMPDIR (else /tmp) named after what, its path in dir (at least 256
 * bytes): 1 when made. Remove it with tap_rmtree. */
static inline int tap_tempdir(char *dir, size_t size, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, size, "%s/sb-%s-", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp", what);
	if (n < 0 || (size_t)n + 7 > size)
		return 0;
	memset(dir + n, 'X', 6); /* the six characters mkdtemp replaces */
	dir[n + 6] = '\0';
	return mkdtemp(dir) != NULL;
}

/* Removes a folder tap_tempdir made, with everything in it: 1 when done. */
static inline int tap_rmtree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0;
}

#endif
