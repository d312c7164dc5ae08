/* summary.c - daily summary math, bit for bit with the old tool, and its spool files. */
#include "config.h"

#include "format/summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"
#include "format/tsv.h"

/* sum / n rounded once to double. Sums below 2^53 and counts are exact doubles, so one IEEE
 * division is the correctly rounded quotient; larger sums (never seen in MRTG data) go through
 * long double. */
static double sb_exact_div(__int128 sum, size_t n)
{
	const __int128 limit = (__int128)1 << 53;
	if (sum < limit && sum > -limit)
		return (double)(int64_t)sum / (double)n;
	return (double)((long double)sum / (long double)n);
}

void sb_summary_compute(const sb_schema *schema, const sb_mrtg_sample *v, size_t n, double capacity,
			int has_capacity, double factor, sb_summary_row *row)
{
	/* Exact integer sums; the quotient is then rounded once, as Python's int / int does. */
	__int128 sum_in = 0, sum_out = 0;
	int64_t max_in = 0, max_out = 0;
	for (size_t i = 0; i < n; i++) {
		sum_in += v[i].in_avg;
		sum_out += v[i].out_avg;
		if (i == 0 || v[i].in_max > max_in)
			max_in = v[i].in_max;
		if (i == 0 || v[i].out_max > max_out)
			max_out = v[i].out_max;
	}
	double mean_in = sb_exact_div(sum_in, n);
	double mean_out = sb_exact_div(sum_out, n);
	row->capacity = has_capacity ? capacity : 0;
	row->samples = (long)n;
	if (schema->in_only) {
		row->in_prom = nearbyint(mean_in); /* default rounding: half to even */
		row->in_max_prom = (double)max_in;
		row->out_prom = 0;
		row->out_max_prom = 0;
		row->has_use = 1;
		row->use = 0;
		return;
	}
	row->in_prom = mean_in * factor;
	row->out_prom = mean_out * factor;
	row->in_max_prom = (double)max_in * factor;
	row->out_max_prom = (double)max_out * factor;
	row->has_use = has_capacity && capacity > 0;
	row->use = row->has_use ? fmax(row->in_max_prom, row->out_max_prom) / capacity * 100 : 0;
}

char *sb_summary_path(const char *data_dir, const char *date, const char *layer)
{
	return sb_xasprintf("%s/SCAN/DAILY_SUMMARY/%s/%s.tsv", data_dir, date, layer);
}

/* Writes s with tabs and newlines turned into spaces (they separate fields and rows). */
static void sb_put_field(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

int sb_summary_write(const char *data_dir, const char *date, const char *layer,
		     const sb_summary_row *rows, size_t n, sb_err *err)
{
	char *path = sb_summary_path(data_dir, date, layer);
	sb_fs_atomic a;
	int rc = sb_fs_atomic_open(&a, path, err);
	free(path);
	if (rc != SB_OK)
		return rc;
	fprintf(a.f, "#scanbackup-summary\t1\t%s\t%s\n", layer, date);
	fprintf(a.f,
		"#name\ttype\tcapacity\tinProm\tinMaxProm\toutProm\toutMaxProm\tuse\tsamples\n");
	for (size_t i = 0; i < n; i++) {
		const sb_summary_row *r = &rows[i];
		sb_put_field(a.f, r->name);
		fputc('\t', a.f);
		sb_put_field(a.f, r->type);
		fprintf(a.f, "\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t", r->capacity, r->in_prom,
			r->in_max_prom, r->out_prom, r->out_max_prom);
		if (r->has_use)
			fprintf(a.f, "%.17g", r->use);
		fprintf(a.f, "\t%ld\n", r->samples);
	}
	return sb_fs_atomic_commit(&a, err);
}

int sb_summary_read(const char *path, sb_summary_file *out, sb_err *err)
{
	memset(out, 0, sizeof(*out));
	sb_tsv t;
	int rc = sb_tsv_open(&t, path, 256u << 20, "summary", err);
	if (rc != SB_OK)
		return rc;
	size_t cap = 0;
	for (;;) {
		char *f[9];
		int nf = sb_tsv_next(&t, f, 9);
		if (nf == 0)
			break;
		if (nf < 0)
			goto bad;
		if (t.line == 1) {
			if (nf != 4 || strcmp(f[0], "#scanbackup-summary") != 0 ||
			    strcmp(f[1], "1") != 0)
				goto bad;
			out->layer = f[2];
			out->date = f[3];
		} else if (t.line == 2) {
			if (strcmp(f[0], "#name") != 0)
				goto bad;
		} else {
			if (nf != 9)
				goto bad;
			if (out->n == cap) {
				cap = cap ? cap * 2 : 64;
				out->rows = sb_xrealloc(out->rows, cap * sizeof(*out->rows));
			}
			sb_summary_row *r = &out->rows[out->n];
			memset(r, 0, sizeof(*r));
			r->name = f[0];
			r->type = f[1];
			r->date = out->date;
			r->layer = out->layer;
			long samples = 0;
			if (sb_parse_double(f[2], &r->capacity) != SB_OK ||
			    sb_parse_double(f[3], &r->in_prom) != SB_OK ||
			    sb_parse_double(f[4], &r->in_max_prom) != SB_OK ||
			    sb_parse_double(f[5], &r->out_prom) != SB_OK ||
			    sb_parse_double(f[6], &r->out_max_prom) != SB_OK ||
			    sb_parse_long(f[8], &samples) != SB_OK)
				goto bad;
			r->samples = samples;
			r->has_use = *f[7] != '\0';
			if (r->has_use && sb_parse_double(f[7], &r->use) != SB_OK)
				goto bad;
			out->n++;
		}
	}
	if (t.line < 3) /* the header and the column line are required */
		goto bad;
	out->strings = sb_tsv_take(&t);
	return SB_OK;
bad:
	sb_tsv_fail(&t, err, "%s",
		    t.line == 1   ? "the header '#scanbackup-summary 1 LAYER DATE'"
		    : t.line == 2 ? "the column line '#name type ...'"
				  : "name, type and 7 numbers separated by tabs");
	sb_tsv_close(&t);
	sb_summary_file_free(out);
	return SB_EPARSE;
}

void sb_summary_file_free(sb_summary_file *f)
{
	sb_free(f->rows);
	sb_free(f->strings);
	f->n = 0;
}
