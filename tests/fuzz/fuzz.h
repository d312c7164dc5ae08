/* fuzz.h - the libFuzzer entry point shared by the fuzz targets and the replay tests. */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs one input through a parser and checks its invariants; aborts on a violation. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void sb_fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* Aborts when cond is false, so that libFuzzer and the replay tests both report it. */
#define SB_FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			sb_fuzz_fail(#cond, __FILE__, __LINE__); \
	} while (0)

#endif
