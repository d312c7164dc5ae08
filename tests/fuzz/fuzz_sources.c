/* fuzz_sources.c - libFuzzer target: the sources file parser and the invariants of its result. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "format/sources.h"
#include "fuzz.h"

static void check_warning(void *ctx, const char *path, unsigned line, const char *msg)
{
	const unsigned *lines = ctx;
	SB_FUZZ_CHECK(strcmp(path, "fuzz") == 0);
	SB_FUZZ_CHECK(line >= 1 && line <= *lines);
	SB_FUZZ_CHECK(msg != NULL && msg[0] != '\0');
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void check_field(const char *f, int may_be_empty)
{
	size_t n = strlen(f);
	SB_FUZZ_CHECK(may_be_empty || n > 0);
	SB_FUZZ_CHECK(n == 0 || (!is_blank(f[0]) && !is_blank(f[n - 1])));
	SB_FUZZ_CHECK(strchr(f, ';') == NULL && strchr(f, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	sb_sources s = {0};
	SB_FUZZ_CHECK(sb_sources_parse((const char *)data, size, "fuzz", &s, check_warning,
				       &lines) == SB_OK);
	for (size_t i = 0; i < s.n; i++) {
		const sb_source *v = &s.v[i];
		check_field(v->url, 0);
		check_field(v->name, 0);
		check_field(v->type, 1);
		SB_FUZZ_CHECK(isfinite(v->capacity) && v->capacity >= 0);
		SB_FUZZ_CHECK(v->has_capacity == (v->capacity > 0));
		SB_FUZZ_CHECK(v->line >= 1 && v->line <= lines);
		SB_FUZZ_CHECK(i == 0 || v->line > s.v[i - 1].line);
		for (size_t j = 0; j < i; j++)
			SB_FUZZ_CHECK(strcmp(v->name, s.v[j].name) != 0 ||
				      strcmp(v->type, s.v[j].type) != 0);
	}
	sb_sources_free(&s);
	SB_FUZZ_CHECK(s.n == 0 && s.v == NULL);
	return 0;
}
