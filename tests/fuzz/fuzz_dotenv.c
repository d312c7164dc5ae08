/* fuzz_dotenv.c - libFuzzer target: the .env parser, its keys, line numbers and errors. */
#include "config.h"

#include <string.h>

#include "base/dotenv.h"
#include "fuzz.h"

/* What the callback saw. */
typedef struct seen {
	unsigned lines;     /* lines in the input */
	unsigned last_line; /* line of the previous assignment */
	size_t size;        /* input size */
	size_t calls;
	size_t stop_after; /* return SB_ECANCELED on this call (1-based), 0 = never */
} seen;

static int is_key_char(char c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

static int check_assignment(void *ctx, const char *key, const char *value, const char *path,
			    unsigned line)
{
	seen *w = ctx;
	SB_FUZZ_CHECK(strcmp(path, "fuzz.env") == 0);
	SB_FUZZ_CHECK(key[0] != '\0');
	for (size_t i = 0; key[i] != '\0'; i++)
		SB_FUZZ_CHECK(is_key_char(key[i], i == 0));
	SB_FUZZ_CHECK(strlen(key) + strlen(value) <= w->size);
	SB_FUZZ_CHECK(line >= 1 && line <= w->lines && line > w->last_line);
	w->last_line = line;
	w->calls++;
	return w->stop_after != 0 && w->calls == w->stop_after ? SB_ECANCELED : SB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	seen w = {.lines = 1, .size = size};
	for (size_t i = 0; i < size; i++)
		w.lines += data[i] == '\n';
	sb_err err = {0};
	int rc = sb_dotenv_parse(s, size, "fuzz.env", check_assignment, &w, &err);
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EPARSE);
	SB_FUZZ_CHECK(err.code == rc);
	SB_FUZZ_CHECK(rc == SB_OK || strncmp(err.msg, "fuzz.env:", 9) == 0);

	/* a callback that stops at the second assignment */
	seen stop = {.lines = w.lines, .size = size, .stop_after = 2};
	sb_err err2 = {0};
	int rc2 = sb_dotenv_parse(s, size, "fuzz.env", check_assignment, &stop, &err2);
	if (w.calls >= 2)
		SB_FUZZ_CHECK(rc2 == SB_ECANCELED && stop.calls == 2 && err2.code == SB_OK);
	else
		SB_FUZZ_CHECK(rc2 == rc && stop.calls == w.calls && strcmp(err.msg, err2.msg) == 0);
	return 0;
}
