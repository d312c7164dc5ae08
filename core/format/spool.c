/* spool.c - spool files of interface days: atomic writes, strict reads, sorted listings. */
#include "config.h"

#include "format/spool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "format/tsv.h"

/* File names stay below NAME_MAX (255 bytes): an escaped name@type longer than this keeps its
 * first SB_SPOOL_KEEP bytes and gets "~" and a hash of the whole name and type instead. */
#define SB_SPOOL_FILE_MAX 200
#define SB_SPOOL_KEEP 160

/* Appends s to buf (room for 3 bytes per byte of s) with every byte outside [A-Za-z0-9._-] as %XX,
 * and a leading '.' too when lead (no hidden files). */
static void sb_spool_escape(char *buf, const char *s, int lead)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(buf);
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '.' && !(lead && p == s)) || c == '_' || c == '-') {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
}

char *sb_spool_file_name(const char *name, const char *type)
{
	size_t cap = 3 * (strlen(name) + strlen(type)) + 32;
	char *file = sb_xmalloc(cap);
	file[0] = '\0';
	sb_spool_escape(file, name, 1);
	size_t n = strlen(file);
	file[n++] = '@';
	file[n] = '\0';
	sb_spool_escape(file, type, 0);
	n = strlen(file);
	if (n > SB_SPOOL_FILE_MAX) {
		/* FNV-1a 64 of name, NUL, type: distinct interfaces keep distinct files */
		uint64_t h = 14695981039346656037ULL;
		for (int part = 0; part < 2; part++) {
			for (const unsigned char *p = (const unsigned char *)(part ? type : name);
			     *p; p++)
				h = (h ^ *p) * 1099511628211ULL;
			h *= 1099511628211ULL;
		}
		n = SB_SPOOL_KEEP;
		if (file[n - 1] == '%')
			n -= 1;
		else if (file[n - 2] == '%')
			n -= 2;
		snprintf(file + n, cap - n, "~%016" PRIx64, h);
		n = strlen(file);
	}
	snprintf(file + n, cap - n, ".tsv");
	return file;
}

char *sb_spool_day_path(const char *data_dir, const char *layer, const char *date, const char *name,
			const char *type)
{
	char *file = sb_spool_file_name(name, type);
	char *path = sb_xasprintf("%s/SCAN/%s/%s/%s", data_dir, layer, date, file);
	free(file);
	return path;
}

int sb_spool_write_day(const char *data_dir, const sb_spool_day *d, int durable, sb_err *err)
{
	char *path = sb_spool_day_path(data_dir, d->layer, d->date, d->name, d->type);
	sb_fs_atomic a;
	int rc = sb_fs_atomic_open(&a, path, err);
	free(path);
	if (rc != SB_OK)
		return rc;
	a.sync = durable;
	FILE *f = a.f;
	fprintf(f, "#scanbackup-spool\t1\nlayer\t%s\nname\t%s\ntype\t%s\ncapacity\t", d->layer,
		d->name, d->type);
	if (d->has_capacity)
		fprintf(f, "%.17g", d->capacity);
	fprintf(f,
		"\ndate\t%s\nurl\t%s\nsamples\t%zu\n#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n",
		d->date, d->url != NULL ? d->url : "", d->n);
	for (size_t i = 0; i < d->n; i++) {
		const sb_mrtg_sample *s = &d->samples[i];
		char tbuf[SB_TIME_KEY_SIZE];
		const char *t = d->times != NULL ? d->times[i] : tbuf;
		if (d->times == NULL)
			sb_time_key(s->ts, NULL, tbuf);
		fprintf(f, "%" PRId64 "\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\n",
			s->ts, t, s->in_avg, s->out_avg, s->in_max, s->out_max);
	}
	return sb_fs_atomic_commit(&a, err);
}

/* A whole decimal integer (optional '-'); faster than strtoll on the load's hot path. */
static int sb_spool_int(const char *s, int64_t *out)
{
	int neg = *s == '-';
	s += neg;
	if (*s == '\0')
		return SB_EINVAL;
	uint64_t v = 0;
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return SB_EINVAL;
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return SB_EINVAL;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return SB_OK;
}

int sb_spool_read_day(const char *path, sb_spool_day *out, sb_err *err)
{
	memset(out, 0, sizeof(*out));
	sb_tsv t;
	int rc = sb_tsv_open(&t, path, 64u << 20, "spool", err);
	if (rc != SB_OK)
		return rc;
	static const char *const keys[] =
		{"#scanbackup-spool", "layer", "name", "type", "capacity", "date", "url",
		 "samples",           "#ts"};
	size_t want = 0;
	for (size_t k = 0; k < SB_ARRAY_SIZE(keys); k++) {
		char *f[2];
		if (sb_tsv_next(&t, f, 2) != 2 || strcmp(f[0], keys[k]) != 0)
			goto bad_header;
		char *v = f[1];
		switch (k) {
		case 0:
			if (strcmp(v, "1") != 0)
				goto bad_header;
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
					goto bad_header;
				out->has_capacity = out->capacity != 0;
			}
			break;
		case 5:
			out->date = sb_xstrdup(v);
			break;
		case 6:
			out->url = sb_xstrdup(v);
			break;
		case 7: {
			int64_t n;
			if (sb_parse_int64(v, &n) != SB_OK || n < 0 || n > 100000)
				goto bad_header;
			want = (size_t)n;
			break;
		}
		default:
			break;
		}
	}
	out->samples = sb_xcalloc(want, sizeof(*out->samples));
	out->times = sb_xcalloc(want, sizeof(*out->times));
	for (;;) {
		char *f[6];
		int nf = sb_tsv_next(&t, f, 6);
		if (nf == 0)
			break;
		if (nf != 6 || out->n >= want || !sb_time_key_valid(f[1]))
			goto bad_line;
		sb_mrtg_sample *s = &out->samples[out->n];
		if (sb_spool_int(f[0], &s->ts) != SB_OK ||
		    sb_spool_int(f[2], &s->in_avg) != SB_OK ||
		    sb_spool_int(f[3], &s->out_avg) != SB_OK ||
		    sb_spool_int(f[4], &s->in_max) != SB_OK ||
		    sb_spool_int(f[5], &s->out_max) != SB_OK)
			goto bad_line;
		memcpy(out->times[out->n], f[1], strlen(f[1]) + 1);
		out->n++;
	}
	if (out->n != want) {
		sb_err_set(err, SB_EPARSE, "%s: %zu samples announced, %zu found", path, want,
			   out->n);
		goto fail;
	}
	sb_tsv_close(&t);
	return SB_OK;

bad_header:
	sb_tsv_fail(&t, err, "the spool header line '%s'",
		    keys[t.line - 1 < SB_ARRAY_SIZE(keys) ? t.line - 1 : 0]);
	goto fail;
bad_line:
	sb_tsv_fail(&t, err, "ts, time and four integers separated by tabs");
fail:
	sb_tsv_close(&t);
	sb_spool_day_free(out);
	return SB_EPARSE;
}

void sb_spool_day_free(sb_spool_day *d)
{
	sb_free(d->layer);
	sb_free(d->name);
	sb_free(d->type);
	sb_free(d->date);
	sb_free(d->url);
	sb_free(d->samples);
	sb_free(d->times);
	d->n = 0;
}

static int sb_is_date_name(const char *s)
{
	sb_date d;
	return sb_date_parse(s, &d) == SB_OK;
}

static int sb_is_spool_name(const char *s)
{
	size_t n = strlen(s);
	return n > 4 && strcmp(s + n - 4, ".tsv") == 0;
}

int sb_spool_list(const char *data_dir, const char *layer, const char *date, sb_spool_fn fn,
		  void *ctx, sb_err *err)
{
	char *base = sb_xasprintf("%s/SCAN/%s", data_dir, layer);
	size_t ndates = 0;
	char **dates = NULL;
	if (date != NULL) {
		dates = sb_xmalloc(sizeof(*dates));
		dates[0] = sb_xstrdup(date);
		ndates = 1;
	} else {
		dates = sb_fs_list(base, sb_is_date_name, &ndates);
	}
	int rc = SB_OK;
	for (size_t i = 0; i < ndates && rc == SB_OK; i++) {
		char *dir = sb_fs_join(base, dates[i]);
		size_t nfiles = 0;
		/* hidden names too: older versions wrote ".name@type.tsv" for a leading dot */
		const sb_fs_filter spool_files = {.hidden = 1, .keep = sb_is_spool_name};
		char **files = NULL;
		sb_fs_list_filter(dir, &spool_files, &files, &nfiles, NULL);
		for (size_t k = 0; k < nfiles && rc == SB_OK; k++) {
			char *path = sb_fs_join(dir, files[k]);
			rc = fn(ctx, path, dates[i]);
			free(path);
		}
		sb_fs_list_free(files, nfiles);
		free(dir);
	}
	sb_fs_list_free(dates, ndates);
	free(base);
	if (rc != SB_OK && err != NULL && err->code == SB_OK)
		sb_err_set(err, rc, "listing the %s spool: %s", layer, sb_strerror(rc));
	return rc;
}
