/* replay.c - unit test replaying a fuzz target's seed corpus and regression inputs (TAP). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sb.h"
#include "fuzz.h"
#include "tap.h"

#ifndef SB_FUZZ_TARGET
#error "SB_FUZZ_TARGET must name the target, e.g. -DSB_FUZZ_TARGET='\"mrtg\"'"
#endif

/* Reads path into an exactly sized buffer (so that an overread is caught); NULL on failure. */
static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *buf = sb_xmalloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = sb_xrealloc(buf, cap);
		}
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return NULL;
	}
	uint8_t *exact = sb_xmalloc(n);
	memcpy(exact, buf, n);
	free(buf);
	*size = n;
	return exact;
}

static int skip_name(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6) != 0;
}

/* Runs every file of top_srcdir/tests/fuzz/<kind>/<target>; returns how many ran. */
static int replay(const char *top, const char *kind)
{
	char *dir = sb_xasprintf("%s/tests/fuzz/%s/%s", top, kind, SB_FUZZ_TARGET);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, skip_name, alphasort);
	ok(n >= 0, "%s is readable", dir);
	for (int i = 0; i < n; i++) {
		char *path = sb_xasprintf("%s/%s", dir, names[i]->d_name);
		size_t size = 0;
		uint8_t *data = read_all(path, &size);
		printf("# replaying %s (%zu bytes)\n", path, size);
		fflush(stdout);
		ok(data != NULL && LLVMFuzzerTestOneInput(data, size) == 0, "%s/%s/%s", kind,
		   SB_FUZZ_TARGET, names[i]->d_name);
		free(data);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
	return n;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	if (top == NULL || top[0] == '\0')
		top = ".";
	ok(replay(top, "corpus") > 0, "the %s seed corpus is not empty", SB_FUZZ_TARGET);
	replay(top, "regressions");
	return tap_done();
}
