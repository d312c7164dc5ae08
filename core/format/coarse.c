/* coarse.c - the backfill spool files: an interface's coarser lines and the day summaries made
 * from them, written atomically and read strictly. */
#include "config.h"

#include "format/coarse.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"
#include "format/spool.h"
#include "format/tsv.h"

/* At most this many lines and summaries in a file: a log holds about 1,940 and 800. */
#define SB_COARSE_MAX 100000

char *sb_coarse_path(const char *data_dir, const char *layer, const char *name, const char *type)
{
	char *file = sb_spool_file_name(name, type);
	char *path = sb_xasprintf("%s/SCAN/BACKFILL/%s/%s", data_dir, layer, file);
	free(file);
	return path;
}

/* Writes s with tabs and newlines turned into spaces (they separate fields and rows). */
static void sb_coarse_put(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

int sb_coarse_write(const char *data_dir, const sb_coarse_file *c, sb_err *err)
{
	char *path = sb_coarse_path(data_dir, c->layer, c->name, c->type);
	sb_fs_atomic a;
	int rc = sb_fs_atomic_open(&a, path, err);
	free(path);
	if (rc != SB_OK)
		return rc;
	a.sync = 0;
	FILE *f = a.f;
	fprintf(f, "#scanbackup-backfill\t1\nlayer\t%s\nname\t", c->layer);
	sb_coarse_put(f, c->name);
	fputs("\ntype\t", f);
	sb_coarse_put(f, c->type);
	fputs("\ncapacity\t", f);
	if (c->has_capacity)
		fprintf(f, "%.17g", c->capacity);
	fputs("\nurl\t", f);
	sb_coarse_put(f, c->url);
	fprintf(f,
		"\nlines\t%zu\nsummaries\t%zu\n"
		"#resolution\tts\tdate\ttime\tin_avg\tout_avg\tin_max\tout_max\n",
		c->n, c->nsum);
	for (size_t i = 0; i < c->n; i++) {
		const sb_mrtg_line *l = &c->lines[i];
		char d[11], t[SB_TIME_KEY_SIZE];
		if (c->dates == NULL || c->times == NULL)
			sb_time_key(l->s.ts, d, t);
		fprintf(f,
			"%d\t%" PRId64 "\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64
			"\n",
			(int)l->res, l->s.ts, c->dates != NULL ? c->dates[i] : d,
			c->times != NULL ? c->times[i] : t, l->s.in_avg, l->s.out_avg, l->s.in_max,
			l->s.out_max);
	}
	fputs("#date\tcapacity\tinProm\tinMaxProm\toutProm\toutMaxProm\tuse\tsamples\tresolution\n",
	      f);
	for (size_t i = 0; i < c->nsum; i++) {
		const sb_summary_row *r = &c->sums[i];
		fprintf(f, "%s\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t", r->date, r->capacity,
			r->in_prom, r->in_max_prom, r->out_prom, r->out_max_prom);
		if (r->has_use)
			fprintf(f, "%.17g", r->use);
		fprintf(f, "\t%ld\t%d\n", r->samples, (int)r->resolution);
	}
	return sb_fs_atomic_commit(&a, err);
}

static int sb_coarse_res_ok(long v)
{
	return v == SB_MRTG_RES_30MIN || v == SB_MRTG_RES_2HOUR || v == SB_MRTG_RES_1DAY;
}

static int sb_coarse_date_ok(const char *s)
{
	sb_date d;
	return sb_date_parse(s, &d) == SB_OK;
}

int sb_coarse_read(const char *path, sb_coarse_file *out, sb_err *err)
{
	memset(out, 0, sizeof(*out));
	sb_tsv t;
	int rc = sb_tsv_open(&t, path, 64u << 20, "backfill", err);
	if (rc != SB_OK)
		return rc;
	static const char *const keys[] = {"#scanbackup-backfill",
					   "layer",
					   "name",
					   "type",
					   "capacity",
					   "url",
					   "lines",
					   "summaries",
					   "#resolution"};
	size_t want = 0, want_sum = 0;
	const char *expected = NULL;
	for (size_t k = 0; k < SB_ARRAY_SIZE(keys); k++) {
		char *f[2];
		expected = keys[k];
		if (sb_tsv_next(&t, f, 2) != 2 || strcmp(f[0], keys[k]) != 0)
			goto bad;
		char *v = f[1];
		int64_t n = 0;
		switch (k) {
		case 0:
			if (strcmp(v, "1") != 0)
				goto bad;
			break;
		case 1:
			out->layer = sb_xstrdup(v);
			break;
		case 2:
			out->name = sb_xstrdup(v);
			break;
		case 3:
			out->type = sb_xstrdup(v);
			break;
		case 4:
			if (*v != '\0') {
				if (sb_parse_double(v, &out->capacity) != SB_OK)
					goto bad;
				out->has_capacity = out->capacity != 0;
			}
			break;
		case 5:
			out->url = sb_xstrdup(v);
			break;
		case 6:
		case 7:
			if (sb_parse_int64(v, &n) != SB_OK || n < 0 || n > SB_COARSE_MAX)
				goto bad;
			*(k == 6 ? &want : &want_sum) = (size_t)n;
			break;
		default:
			break;
		}
	}
	out->lines = sb_xcalloc(want + 1, sizeof(*out->lines));
	out->dates = sb_xcalloc(want + 1, sizeof(*out->dates));
	out->times = sb_xcalloc(want + 1, sizeof(*out->times));
	expected = "resolution, ts, date, time and four integers separated by tabs";
	while (out->n < want) {
		char *f[8];
		if (sb_tsv_next(&t, f, 8) != 8)
			goto bad;
		sb_mrtg_line *l = &out->lines[out->n];
		int64_t res = 0;
		if (sb_parse_int64(f[0], &res) != SB_OK || !sb_coarse_res_ok((long)res) ||
		    sb_parse_int64(f[1], &l->s.ts) != SB_OK || !sb_coarse_date_ok(f[2]) ||
		    !sb_time_key_valid(f[3]) || sb_parse_int64(f[4], &l->s.in_avg) != SB_OK ||
		    sb_parse_int64(f[5], &l->s.out_avg) != SB_OK ||
		    sb_parse_int64(f[6], &l->s.in_max) != SB_OK ||
		    sb_parse_int64(f[7], &l->s.out_max) != SB_OK)
			goto bad;
		l->res = (int32_t)res;
		l->window = (int32_t)res;
		snprintf(out->dates[out->n], sizeof(out->dates[0]), "%s", f[2]);
		snprintf(out->times[out->n], sizeof(out->times[0]), "%s", f[3]);
		out->n++;
	}
	expected = "the summaries' column line '#date capacity ...'";
	char *h[1];
	if (sb_tsv_next(&t, h, 1) != 1 || strncmp(h[0], "#date\t", 6) != 0)
		goto bad;
	out->sums = sb_xcalloc(want_sum + 1, sizeof(*out->sums));
	out->sum_dates = sb_xcalloc(want_sum + 1, sizeof(*out->sum_dates));
	expected = "a date, 6 numbers, a sample count and a resolution (1800, 7200 or 86400) "
		   "separated by tabs";
	while (out->nsum < want_sum) {
		char *f[9];
		if (sb_tsv_next(&t, f, 9) != 9 || !sb_coarse_date_ok(f[0]))
			goto bad;
		sb_summary_row *r = &out->sums[out->nsum];
		long samples = 0, res = 0;
		if (sb_parse_double(f[1], &r->capacity) != SB_OK ||
		    sb_parse_double(f[2], &r->in_prom) != SB_OK ||
		    sb_parse_double(f[3], &r->in_max_prom) != SB_OK ||
		    sb_parse_double(f[4], &r->out_prom) != SB_OK ||
		    sb_parse_double(f[5], &r->out_max_prom) != SB_OK ||
		    (*f[6] != '\0' && sb_parse_double(f[6], &r->use) != SB_OK) ||
		    sb_parse_long(f[7], &samples) != SB_OK || samples < 0 ||
		    sb_parse_long(f[8], &res) != SB_OK || !sb_coarse_res_ok(res))
			goto bad;
		r->has_use = *f[6] != '\0';
		r->samples = samples;
		r->resolution = (int32_t)res;
		snprintf(out->sum_dates[out->nsum], sizeof(out->sum_dates[0]), "%s", f[0]);
		r->date = out->sum_dates[out->nsum];
		r->name = out->name;
		r->type = out->type;
		r->layer = out->layer;
		out->nsum++;
	}
	expected = "the end of the file after the announced lines and summaries";
	char *rest[1];
	if (sb_tsv_next(&t, rest, 1) != 0)
		goto bad;
	sb_tsv_close(&t);
	return SB_OK;
bad:
	sb_tsv_fail(&t, err, "%s", expected);
	sb_tsv_close(&t);
	sb_coarse_free(out);
	return SB_EPARSE;
}

void sb_coarse_free(sb_coarse_file *f)
{
	sb_free(f->layer);
	sb_free(f->name);
	sb_free(f->type);
	sb_free(f->url);
	sb_free(f->lines);
	sb_free(f->dates);
	sb_free(f->times);
	sb_free(f->sums);
	sb_free(f->sum_dates);
	f->n = f->nsum = 0;
}

static int sb_coarse_is_file(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".tsv") == 0;
}

int sb_coarse_list(const char *data_dir, const char *layer, sb_coarse_fn fn, void *ctx)
{
	char *dir = sb_xasprintf("%s/SCAN/BACKFILL/%s", data_dir, layer);
	const sb_fs_filter files = {.hidden = 1, .keep = sb_coarse_is_file};
	char **names = NULL;
	size_t n = 0;
	sb_fs_list_filter(dir, &files, &names, &n, NULL);
	int rc = SB_OK;
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		char *path = sb_fs_join(dir, names[i]);
		rc = fn(ctx, path);
		free(path);
	}
	sb_fs_list_free(names, n);
	free(dir);
	return rc;
}
