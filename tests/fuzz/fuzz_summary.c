/* fuzz_summary.c - libFuzzer target: the DAILY_SUMMARY reader, its rows, and a round trip. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "format/summary.h"
#include "fuzz.h"

/* Room below NAME_MAX (255) for ".tsv" and the writer's ".tmp.<pid>" suffix. */
#define SB_FUZZ_NAME_MAX 200

static void check_file(const sb_summary_file *f, const char *s)
{
	SB_FUZZ_CHECK(f->layer != NULL && f->date != NULL);
	SB_FUZZ_CHECK(strchr(f->layer, '\t') == NULL && strchr(f->date, '\t') == NULL);
	/* the header, the column line and one line per row */
	size_t lines = 0;
	for (const char *p = s; *p != '\0'; p++)
		lines += *p == '\n';
	SB_FUZZ_CHECK(lines == 2 + f->n);
	SB_FUZZ_CHECK(f->n == 0 || f->rows != NULL);
	for (size_t i = 0; i < f->n; i++) {
		const sb_summary_row *r = &f->rows[i];
		SB_FUZZ_CHECK(r->name != NULL && r->type != NULL);
		SB_FUZZ_CHECK(strpbrk(r->name, "\t\n") == NULL && strpbrk(r->type, "\t\n") == NULL);
		SB_FUZZ_CHECK(r->layer == f->layer && r->date == f->date);
		SB_FUZZ_CHECK(isfinite(r->capacity) && isfinite(r->in_prom) &&
			      isfinite(r->in_max_prom) && isfinite(r->out_prom) &&
			      isfinite(r->out_max_prom) && isfinite(r->use));
		SB_FUZZ_CHECK(r->has_use || r->use == 0);
	}
}

/* s as the writer puts it: tabs, newlines and carriage returns made spaces. */
static int same_field(const char *written, const char *s)
{
	for (; *s != '\0'; s++, written++) {
		char want = *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s;
		if (*written != want)
			return 0;
	}
	return *written == '\0';
}

/* Doubles compared bit for bit (the writer prints 17 significant digits). */
static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Writes the rows under the temp folder and reads them back: the same rows. */
static void round_trip(const sb_summary_file *f)
{
	if (!sb_fuzz_is_name(f->layer, SB_FUZZ_NAME_MAX) ||
	    !sb_fuzz_is_name(f->date, SB_FUZZ_NAME_MAX))
		return; /* the daily stage's own layer names and dates are plain names */
	char *data_dir = sb_xasprintf("%s/data", sb_fuzz_tmpdir());
	sb_err err = {0};
	int rc = sb_summary_write(data_dir, f->date, f->layer, f->rows, f->n, &err);
	if (rc != SB_OK)
		fprintf(stderr, "%s\n", err.msg);
	SB_FUZZ_CHECK(rc == SB_OK);
	char *path = sb_summary_path(data_dir, f->date, f->layer);
	sb_summary_file back;
	rc = sb_summary_read(path, &back, &err);
	if (rc != SB_OK)
		fprintf(stderr, "%s\n", err.msg);
	SB_FUZZ_CHECK(rc == SB_OK);
	SB_FUZZ_CHECK(strcmp(back.layer, f->layer) == 0 && strcmp(back.date, f->date) == 0);
	SB_FUZZ_CHECK(back.n == f->n);
	for (size_t i = 0; i < f->n; i++) {
		const sb_summary_row *a = &f->rows[i], *b = &back.rows[i];
		SB_FUZZ_CHECK(same_field(b->name, a->name) && same_field(b->type, a->type));
		SB_FUZZ_CHECK(same_double(b->capacity, a->capacity) &&
			      same_double(b->in_prom, a->in_prom) &&
			      same_double(b->in_max_prom, a->in_max_prom) &&
			      same_double(b->out_prom, a->out_prom) &&
			      same_double(b->out_max_prom, a->out_max_prom));
		SB_FUZZ_CHECK(b->has_use == a->has_use && same_double(b->use, a->use));
		SB_FUZZ_CHECK(b->samples == a->samples && b->resolution == a->resolution);
	}
	sb_summary_file_free(&back);
	unlink(path);
	/* and the date folder the writer made (rmdir keeps it unless empty) */
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
	free(data_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = sb_xasprintf("%s/in.tsv", sb_fuzz_tmpdir());
	sb_fuzz_write_file(in, data, size);
	sb_summary_file f;
	sb_err err = {0};
	int rc = sb_summary_read(in, &f, &err);
	SB_FUZZ_CHECK(rc == SB_OK || rc == SB_EPARSE);
	SB_FUZZ_CHECK(err.code == rc);
	if (rc == SB_OK) {
		char *s = sb_fuzz_cstr(data, size);
		check_file(&f, s);
		free(s);
		round_trip(&f);
		sb_summary_file_free(&f);
	} else {
		SB_FUZZ_CHECK(strncmp(err.msg, in, strlen(in)) == 0);
	}
	SB_FUZZ_CHECK(f.rows == NULL && f.strings == NULL && f.n == 0);
	free(in);
	return 0;
}
