/* runstatus.c - the stages' last ends in data/run-status.tsv: one key=value line per stage. */
#include "config.h"

#include "format/runstatus.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "format/tsv.h"

#define SB_RUN_STATUS_FILE "run-status.tsv"

/* The whole-number fields, by key. */
static const struct {
	const char *key;
	size_t off;
} sb_run_ints[] = {
	{"started", offsetof(sb_run_stage, started)},
	{"finished", offsetof(sb_run_stage, finished)},
	{"interfaces", offsetof(sb_run_stage, interfaces)},
	{"ok", offsetof(sb_run_stage, ok)},
	{"short", offsetof(sb_run_stage, short_days)},
	{"failed", offsetof(sb_run_stage, failed)},
	{"samples", offsetof(sb_run_stage, samples)},
	{"rows", offsetof(sb_run_stage, rows)},
	{"files", offsetof(sb_run_stage, files)},
	{"kept", offsetof(sb_run_stage, kept)},
	{"writes", offsetof(sb_run_stage, writes)},
};

void sb_run_stage_init(sb_run_stage *st, const char *stage, const char *date)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->stage, sizeof(st->stage), "%s", stage);
	snprintf(st->date, sizeof(st->date), "%s", date != NULL ? date : "");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_run_ints); i++)
		*(int64_t *)(void *)((char *)st + sb_run_ints[i].off) = -1;
	st->write_seconds = st->write_max = -1;
}

/* 1 when s is a word of letters, digits and '_' that fits in size bytes. */
static int sb_run_word(const char *s, size_t size)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return n > 0 && s[n] == '\0' && n < size;
}

static int sb_run_parse_line(const sb_tsv *t, char **f, int nf, sb_run_stage *st, sb_err *err)
{
	if (!sb_run_word(f[0], sizeof(st->stage)))
		return sb_tsv_fail(t, err, "a stage name first, got \"%s\"", f[0]);
	sb_run_stage_init(st, f[0], NULL);
	for (int i = 1; i < nf; i++) {
		char *eq = strchr(f[i], '=');
		if (eq == NULL)
			return sb_tsv_fail(t, err, "key=value, got \"%s\"", f[i]);
		*eq = '\0';
		const char *k = f[i], *v = eq + 1;
		int done = 0;
		for (size_t x = 0; x < SB_ARRAY_SIZE(sb_run_ints) && !done; x++) {
			if (strcmp(k, sb_run_ints[x].key) != 0)
				continue;
			int64_t n;
			if (sb_parse_int64(v, &n) != SB_OK)
				return sb_tsv_fail(t, err, "%s: a whole number, got \"%s\"", k, v);
			*(int64_t *)(void *)((char *)st + sb_run_ints[x].off) = n;
			done = 1;
		}
		if (done)
			continue;
		if (strcmp(k, "write_seconds") == 0 || strcmp(k, "write_max") == 0) {
			double d;
			if (sb_parse_double(v, &d) != SB_OK || d < 0)
				return sb_tsv_fail(t, err, "%s: seconds, got \"%s\"", k, v);
			*(k[6] == 's' ? &st->write_seconds : &st->write_max) = d;
		} else if (strcmp(k, "date") == 0) {
			if (strlen(v) >= sizeof(st->date))
				return sb_tsv_fail(t, err, "date: YYYY-MM-DD, got \"%s\"", v);
			snprintf(st->date, sizeof(st->date), "%s", v);
		} else if (strcmp(k, "status") == 0) {
			if (!sb_run_word(v, sizeof(st->status)))
				return sb_tsv_fail(t, err, "status: a word, got \"%s\"", v);
			snprintf(st->status, sizeof(st->status), "%s", v);
		}
		/* another key: a newer writer's, skipped */
	}
	return SB_OK;
}

int sb_run_status_read(const char *data_dir, sb_run_stage out[SB_RUN_STAGES], size_t *n,
		       sb_err *err)
{
	*n = 0;
	char *path = sb_fs_join(data_dir, SB_RUN_STATUS_FILE);
	sb_tsv t;
	sb_err e = {0};
	int rc = sb_tsv_open(&t, path, 1u << 20, "run status", &e);
	if (rc == SB_ENOTFOUND) {
		free(path);
		return SB_OK;
	}
	if (rc != SB_OK) {
		sb_err_set(err, rc, "%s", e.msg);
		free(path);
		return rc;
	}
	char *f[32];
	int nf;
	while ((nf = sb_tsv_next(&t, f, SB_ARRAY_SIZE(f))) > 0) {
		if (f[0][0] == '#' || (nf == 1 && f[0][0] == '\0'))
			continue;
		if (*n == SB_RUN_STAGES) {
			rc = sb_tsv_fail(&t, err, "at most %d stages", SB_RUN_STAGES);
			break;
		}
		rc = sb_run_parse_line(&t, f, nf, &out[*n], err);
		if (rc != SB_OK)
			break;
		(*n)++;
	}
	if (rc == SB_OK && nf < 0)
		rc = sb_tsv_fail(&t, err, "a line ending in a newline (the file is cut short)");
	sb_tsv_close(&t);
	free(path);
	if (rc != SB_OK)
		*n = 0;
	return rc;
}

static void sb_run_write_line(FILE *f, const sb_run_stage *st)
{
	fprintf(f, "%s\tdate=%s\tstatus=%s", st->stage, st->date, st->status);
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_run_ints); i++) {
		int64_t v = *(const int64_t *)(const void *)((const char *)st + sb_run_ints[i].off);
		if (v >= 0)
			fprintf(f, "\t%s=%lld", sb_run_ints[i].key, (long long)v);
	}
	if (st->write_seconds >= 0)
		fprintf(f, "\twrite_seconds=%.6f", st->write_seconds);
	if (st->write_max >= 0)
		fprintf(f, "\twrite_max=%.6f", st->write_max);
	fputc('\n', f);
}

int sb_run_status_put(const char *data_dir, const sb_run_stage *st, sb_err *err)
{
	sb_run_stage v[SB_RUN_STAGES];
	size_t n = 0;
	sb_err e = {0};
	if (sb_run_status_read(data_dir, v, &n, &e) != SB_OK)
		n = 0; /* a damaged file is replaced by a good one */
	char *path = sb_fs_join(data_dir, SB_RUN_STATUS_FILE);
	sb_fs_atomic a;
	int rc = sb_fs_atomic_open(&a, path, err);
	free(path);
	if (rc != SB_OK)
		return rc;
	fputs("# the nightly job's stages as they last ended (docs/storage.md)\n", a.f);
	int written = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].stage, st->stage) == 0) {
			sb_run_write_line(a.f, st);
			written = 1;
		} else {
			sb_run_write_line(a.f, &v[i]);
		}
	}
	if (!written && n < SB_RUN_STAGES)
		sb_run_write_line(a.f, st);
	return sb_fs_atomic_commit(&a, err);
}
