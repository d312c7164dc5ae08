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

/* sum / div (div > 0) rounded once to double. */
static double sb_exact_div128(__int128 sum, __int128 div)
{
	const __int128 limit = (__int128)1 << 53;
	if (sum < limit && sum > -limit && div < limit)
		return (double)(int64_t)sum / (double)(int64_t)div;
	return (double)((long double)sum / (long double)div);
}

/* The measures of a summary from its means and maxima (the rules of sb_summary_compute). */
static void sb_summary_fill(const sb_schema *schema, double mean_in, double mean_out,
			    int64_t max_in, int64_t max_out, double capacity, int has_capacity,
			    double factor, sb_summary_row *row)
{
	row->capacity = has_capacity ? capacity : 0;
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
	sb_summary_fill(schema, sb_exact_div(sum_in, n), sb_exact_div(sum_out, n), max_in, max_out,
			capacity, has_capacity, factor, row);
	row->samples = (long)n;
	row->resolution = SB_MRTG_RES_5MIN;
}

void sb_summary_compute_lines(const sb_schema *schema, const sb_mrtg_line *v, size_t n,
			      double capacity, int has_capacity, double factor, sb_summary_row *row)
{
	__int128 sum_in = 0, sum_out = 0, secs = 0;
	int64_t max_in = 0, max_out = 0;
	int32_t res = SB_MRTG_RES_5MIN;
	for (size_t i = 0; i < n; i++) {
		int64_t w = v[i].window > 0 ? v[i].window : 1;
		sum_in += (__int128)v[i].s.in_avg * w;
		sum_out += (__int128)v[i].s.out_avg * w;
		secs += w;
		if (i == 0 || v[i].s.in_max > max_in)
			max_in = v[i].s.in_max;
		if (i == 0 || v[i].s.out_max > max_out)
			max_out = v[i].s.out_max;
		if (v[i].res > res)
			res = v[i].res;
	}
	sb_summary_fill(schema, sb_exact_div128(sum_in, secs), sb_exact_div128(sum_out, secs),
			max_in, max_out, capacity, has_capacity, factor, row);
	row->samples = (long)(secs / SB_MRTG_RES_5MIN);
	row->resolution = res;
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
	/* version 1 as long as every row is of 5-minute samples: files earlier versions can read */
	int v2 = 0;
	for (size_t i = 0; i < n; i++)
		v2 |= rows[i].resolution > SB_MRTG_RES_5MIN;
	fprintf(a.f, "#scanbackup-summary\t%d\t%s\t%s\n", v2 ? 2 : 1, layer, date);
	fprintf(a.f,
		"#name\ttype\tcapacity\tinProm\tinMaxProm\toutProm\toutMaxProm\tuse\tsamples%s\n",
		v2 ? "\tresolution" : "");
	for (size_t i = 0; i < n; i++) {
		const sb_summary_row *r = &rows[i];
		sb_put_field(a.f, r->name);
		fputc('\t', a.f);
		sb_put_field(a.f, r->type);
		fprintf(a.f, "\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t", r->capacity, r->in_prom,
			r->in_max_prom, r->out_prom, r->out_max_prom);
		if (r->has_use)
			fprintf(a.f, "%.17g", r->use);
		fprintf(a.f, "\t%ld", r->samples);
		if (v2)
			fprintf(a.f, "\t%d",
				r->resolution > SB_MRTG_RES_5MIN ? (int)r->resolution
								 : SB_MRTG_RES_5MIN);
		fputc('\n', a.f);
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
	int version = 1;
	for (;;) {
		char *f[10];
		int nf = sb_tsv_next(&t, f, 10);
		if (nf == 0)
			break;
		if (nf < 0)
			goto bad;
		if (t.line == 1) {
			if (nf != 4 || strcmp(f[0], "#scanbackup-summary") != 0 ||
			    (strcmp(f[1], "1") != 0 && strcmp(f[1], "2") != 0))
				goto bad;
			version = f[1][0] - '0';
			out->layer = f[2];
			out->date = f[3];
		} else if (t.line == 2) {
			if (strcmp(f[0], "#name") != 0)
				goto bad;
		} else {
			if (nf != 8 + version)
				goto bad;
			sb_grow(&out->rows, &cap, out->n, sizeof(*out->rows));
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
			r->resolution = SB_MRTG_RES_5MIN;
			long res = 0;
			if (version == 2) {
				if (sb_parse_long(f[9], &res) != SB_OK ||
				    (res != SB_MRTG_RES_5MIN && res != SB_MRTG_RES_30MIN &&
				     res != SB_MRTG_RES_2HOUR && res != SB_MRTG_RES_1DAY))
					goto bad;
				r->resolution = (int32_t)res;
			}
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
		    t.line == 1   ? "the header '#scanbackup-summary 1|2 LAYER DATE'"
		    : t.line == 2 ? "the column line '#name type ...'"
		    : version == 2
			    ? "name, type, 7 numbers and a resolution (300, 1800, 7200 or 86400) "
			      "separated by tabs"
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
