/* fuzz_spool.c - libFuzzer target: the spool readers of both versions (records checked by CRC-32,
 * merged per interface; the one-interface files of version 1) and a round trip through the
 * writer. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "format/spool.h"
#include "fuzz.h"

/* Layer and date names used as folder names. */
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

/* Whether a and b hold the same day (times included). */
static int same_day(const sb_spool_day *a, const sb_spool_day *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->type, b->type) == 0 &&
	       strcmp(a->url, b->url) == 0 && a->has_capacity == b->has_capacity &&
	       (!a->has_capacity || a->capacity == b->capacity) && a->n == b->n &&
	       (a->n == 0 || (memcmp(a->samples, b->samples, a->n * sizeof(*a->samples)) == 0 &&
			      memcmp(a->times, b->times, a->n * sizeof(*a->times)) == 0));
}

/* Writes days[0..n) (of one layer and date) with the writer and reads them back: the same days. */
static void round_trip(sb_spool_day *days, size_t n)
{
	if (n == 0 || !sb_fuzz_is_name(days[0].layer, SB_FUZZ_NAME_MAX) ||
	    !sb_fuzz_is_name(days[0].date, SB_FUZZ_NAME_MAX))
		return; /* the collector's own layer names and dates are plain names */
	for (size_t i = 0; i < n; i++)
		if (strchr(days[i].name, '\n') != NULL || strchr(days[i].type, '\n') != NULL ||
		    strchr(days[i].url, '\n') != NULL)
			return; /* never read from a file: a line ends there */
	char *data_dir = sb_xasprintf("%s/data", sb_fuzz_tmpdir());
	sb_spool_writer *w = NULL;
	sb_err err = {0};
	int rc = sb_spool_writer_open(data_dir, days[0].layer, days[0].date, &w, &err);
	if (rc != SB_OK)
		fprintf(stderr, "%s\n", err.msg);
	SB_FUZZ_CHECK(rc == SB_OK);
	for (size_t i = 0; i < n; i++) {
		rc = sb_spool_writer_put(w, &days[i], &err);
		if (rc != SB_OK)
			fprintf(stderr, "%s\n", err.msg);
		SB_FUZZ_CHECK(rc == SB_OK);
	}
	char *path = sb_xstrdup(sb_spool_writer_path(w));
	SB_FUZZ_CHECK(sb_spool_writer_close(&w, 0, &err) == SB_OK);
	sb_spool_reader *r = NULL;
	SB_FUZZ_CHECK(sb_spool_open(data_dir, days[0].layer, days[0].date, NULL, NULL, &r, &err) ==
		      SB_OK);
	for (size_t i = 0; i < n; i++) {
		sb_spool_day back;
		SB_FUZZ_CHECK(sb_spool_next(r, &back, &err) == SB_OK);
		SB_FUZZ_CHECK(same_day(&back, &days[i]));
		sb_spool_day_free(&back);
	}
	sb_spool_day none;
	SB_FUZZ_CHECK(sb_spool_next(r, &none, &err) == SB_ENOTFOUND);
	SB_FUZZ_CHECK(sb_spool_skipped(r) == 0 && sb_spool_file_done(r, 0));
	sb_spool_close(&r);
	unlink(path);
	/* and the date and layer folders the writer made (rmdir keeps them unless empty) */
	for (int k = 0; k < 2; k++) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
	free(path);
	free(data_dir);
}

/* The input as a spool file of this version: whatever it holds, every day handed out is well
 * formed, ordered and unique, and writes back the same. */
static void read_v2(const uint8_t *data, size_t size)
{
	char *in = sb_xasprintf("%s/in.spool", sb_fuzz_tmpdir());
	sb_fuzz_write_file(in, data, size);
	sb_spool_reader *r = NULL;
	sb_err err = {0};
	SB_FUZZ_CHECK(sb_spool_open_file(in, NULL, NULL, &r, &err) == SB_OK);
	size_t n = 0, cap = 0;
	sb_spool_day *days = NULL;
	int rc;
	sb_spool_day d;
	while ((rc = sb_spool_next(r, &d, &err)) == SB_OK) {
		SB_FUZZ_CHECK(d.layer != NULL && d.date != NULL && d.name != NULL &&
			      d.type != NULL && d.url != NULL);
		SB_FUZZ_CHECK(!d.has_capacity || d.capacity != 0);
		for (size_t i = 1; i < d.n; i++)
			SB_FUZZ_CHECK(d.samples[i - 1].ts < d.samples[i].ts);
		if (n > 0) {
			int c = strcmp(days[n - 1].name, d.name);
			SB_FUZZ_CHECK(c < 0 || (c == 0 && strcmp(days[n - 1].type, d.type) < 0));
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			days = sb_xrealloc(days, cap * sizeof(*days));
		}
		days[n++] = d;
	}
	SB_FUZZ_CHECK(rc == SB_ENOTFOUND);
	sb_spool_close(&r);
	round_trip(days, n);
	for (size_t i = 0; i < n; i++)
		sb_spool_day_free(&days[i]);
	free(days);
	unlink(in);
	free(in);
}

/* The input as a spool file of version 1. */
static void read_v1(const uint8_t *data, size_t size)
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
		round_trip(&d, 1);
		sb_spool_day_free(&d);
	} else {
		SB_FUZZ_CHECK(strncmp(err.msg, in, strlen(in)) == 0);
	}
	SB_FUZZ_CHECK(d.layer == NULL && d.name == NULL && d.samples == NULL && d.times == NULL &&
		      d.n == 0);
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_v1(data, size);
	read_v2(data, size);
	return 0;
}
