/* fuzz.h - the libFuzzer entry point and helpers shared by the fuzz targets and replay tests. */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Runs one input through a parser and checks its invariants; aborts on a violation. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void sb_fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* Aborts when cond is false, so that libFuzzer and the replay tests both report it. */
#define SB_FUZZ_CHECK(cond)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			sb_fuzz_fail(#cond, __FILE__, __LINE__);                                   \
	} while (0)

/* The input as a new NUL-terminated string, for parsers that take one (an embedded NUL ends it).
 * Caller frees. */
static inline char *sb_fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	SB_FUZZ_CHECK(s != NULL);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline const char *sb_fuzz_tmpdir(void);

static inline int sb_fuzz_remove_one(const char *path, const struct stat *st, int flag,
				     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void sb_fuzz_tmpdir_remove(void)
{
	nftw(sb_fuzz_tmpdir(), sb_fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private folder for the targets that read files: made on first use under $TMPDIR (default
 * /tmp), removed with everything in it when the process exits normally (a crash leaves it).
 * Not thread-safe. */
static inline const char *sb_fuzz_tmpdir(void)
{
	static char dir[4096];
	if (dir[0] == '\0') {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/sb-fuzz-tmp.XXXXXX",
			 base != NULL && base[0] != '\0' ? base : "/tmp");
		SB_FUZZ_CHECK(mkdtemp(dir) != NULL);
		atexit(sb_fuzz_tmpdir_remove);
	}
	return dir;
}

/* Writes the input to path (replacing it); aborts on failure. */
static inline void sb_fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	SB_FUZZ_CHECK(f != NULL);
	SB_FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
	SB_FUZZ_CHECK(fclose(f) == 0);
}

/* 1 if a writer may use s as one folder or file name under the temp folder: no '/', not "..",
 * at most max bytes (keep room below NAME_MAX for what the writer appends, e.g. ".tmp.<pid>"). */
static inline int sb_fuzz_is_name(const char *s, size_t max)
{
	return strchr(s, '/') == NULL && strcmp(s, "..") != 0 && strlen(s) <= max;
}

#endif
