/* fuzz_spool.c - libFuzzer target: the spool file reader, its header and samples, a round trip. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "format/spool.h"
#include "fuzz.h"

/* Room below NAME_MAX (255) for the writer's ".tmp.<pid>" suffix. */
#define SB_FUZZ_NAME_MAX 200

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Line k (0-based) of s, or NULL. */
static const char *line_at(const char *s, unsigned k)
{
	for (; k > 0 && s != NULL; k--) {
		s = strchr(s, '\n');
		if (s != NULL)
			s++;
	}
	return s;
}

static void check_day(const sb_spool_day *d, const char *s)
{
	SB_FUZZ_CHECK(d->layer != NULL && d->name != NULL && d->type != NULL && d->date != NULL &&
		      d->url != NULL);
	SB_FUZZ_CHECK(d->n == 0 || (d->samples != NULL && d->times != NULL));
	SB_FUZZ_CHECK(!d->has_capacity || d->capacity != 0);

	/* n is the count line 8 announces, and the file holds the 9 header lines and n more */
	const char *l = line_at(s, 7);
	SB_FUZZ_CHECK(l != NULL && strncmp(l, "samples\t", 8) == 0);
	char *v = sb_xstrndup(l + 8, strcspn(l + 8, "\n"));
	int64_t announced = -1;
	SB_FUZZ_CHECK(sb_parse_int64(v, &announced) == SB_OK && announced >= 0 &&
		      (uint64_t)announced == d->n);
	free(v);
	size_t lines = 0;
	for (const char *p = s; *p != '\0'; p++)
		lines += *p == '\n';
	SB_FUZZ_CHECK(lines == 9 + d->n);

	/* HH:MM:SS, 00-23, 00-59, 00-60 (a leap second) */
	for (size_t i = 0; i < d->n; i++) {
		const char *t = d->times[i];
		SB_FUZZ_CHECK(strlen(t) == 8 && t[2] == ':' && t[5] == ':');
		SB_FUZZ_CHECK(is_digit(t[0]) && is_digit(t[1]) && is_digit(t[3]) &&
			      is_digit(t[4]) && is_digit(t[6]) && is_digit(t[7]));
		SB_FUZZ_CHECK(strncmp(t, "24", 2) < 0 && strncmp(t + 3, "60", 2) < 0 &&
			      strncmp(t + 6, "61", 2) < 0);
	}
}

/* Writes d under the temp folder and reads it back: the same day. */
static void round_trip(const sb_spool_day *d)
{
	if (!sb_fuzz_is_name(d->layer, SB_FUZZ_NAME_MAX) ||
	    !sb_fuzz_is_name(d->date, SB_FUZZ_NAME_MAX))
		return; /* the collector's own layer names and dates are plain names */
	char *data_dir = sb_xasprintf("%s/data", sb_fuzz_tmpdir());
	char *path = sb_spool_day_path(data_dir, d->layer, d->date, d->name, d->type);
	const char *file = strrchr(path, '/') + 1;
	if (strlen(file) <= SB_FUZZ_NAME_MAX) {
		sb_err err = {0};
		int rc = sb_spool_write_day(data_dir, d, 0, &err);
		if (rc != SB_OK)
			fprintf(stderr, "%s\n", err.msg);
		SB_FUZZ_CHECK(rc == SB_OK);
		sb_spool_day back;
		rc = sb_spool_read_day(path, &back, &err);
		if (rc != SB_OK)
			fprintf(stderr, "%s\n", err.msg);
		SB_FUZZ_CHECK(rc == SB_OK);
		SB_FUZZ_CHECK(strcmp(back.layer, d->layer) == 0 && strcmp(back.date, d->date) == 0);
		SB_FUZZ_CHECK(strcmp(back.name, d->name) == 0 && strcmp(back.type, d->type) == 0);
		SB_FUZZ_CHECK(strcmp(back.url, d->url) == 0);
		SB_FUZZ_CHECK(back.has_capacity == d->has_capacity);
		SB_FUZZ_CHECK(!d->has_capacity || back.capacity == d->capacity);
		SB_FUZZ_CHECK(back.n == d->n);
		SB_FUZZ_CHECK(d->n == 0 ||
			      memcmp(back.samples, d->samples, d->n * sizeof(*d->samples)) == 0);
		SB_FUZZ_CHECK(d->n == 0 ||
			      memcmp(back.times, d->times, d->n * sizeof(*d->times)) == 0);
		sb_spool_day_free(&back);
		unlink(path);
		/* and the date and layer folders the writer made (rmdir keeps them unless empty) */
		char *cut = strrchr(path, '/');
		*cut = '\0';
		rmdir(path);
		cut = strrchr(path, '/');
		*cut = '\0';
		rmdir(path);
	}
	free(path);
	free(data_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = sb_xasprintf("%s/in.tsv", sb_fuzz_tmpdir());
	sb_fuzz_write_file(in, data, size);
	sb_spool_day d;
	sb_err err = {0};
	int rc = sb_spool_read_day(in, &d, &err);
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EPARSE);
	SB_FUZZ_CHECK(err.code == rc);
	if (rc == SB_OK) {
		char *s = sb_fuzz_cstr(data, size);
		check_day(&d, s);
		free(s);
		round_trip(&d);
		sb_spool_day_free(&d);
	} else {
		SB_FUZZ_CHECK(strncmp(err.msg, in, strlen(in)) == 0);
	}
	SB_FUZZ_CHECK(d.layer == NULL && d.name == NULL && d.samples == NULL && d.times == NULL &&
		      d.n == 0);
	free(in);
	return 0;
}
