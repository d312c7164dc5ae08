/* spool.c - the spool: records appended per layer and day, checked when read, merged per
 * interface; and the per-interface files of version 1. */
#include "config.h"

#include "format/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/numtext.h"
#include "base/timeutil.h"
#include "format/crc32.h"
#include "format/tsv.h"

#define SB_SPOOL_MAGIC "#scanbackup-spool"
/* The largest record body read: a day of one sample a second with long names and values. */
#define SB_SPOOL_RECORD_MAX ((size_t)16 << 20)
/* How much of a record is read to learn its interface and size before its body is needed. */
#define SB_SPOOL_PEEK 8192
/* Room before a formatted body for its record line. */
#define SB_SPOOL_HEADROOM 32
/* File names stay below NAME_MAX (255 bytes): an escaped name@type longer than this keeps its
 * first SB_SPOOL_KEEP bytes and gets "~" and a hash of the whole name and type instead. */
#define SB_SPOOL_FILE_MAX 200
#define SB_SPOOL_KEEP 160

/* ---- an interface's file name ---- */

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
		/* the hash of name, NUL, type, NUL: distinct interfaces keep distinct files */
		uint64_t h = sb_fnv1a64(SB_FNV64_BASIS, name, strlen(name) + 1);
		h = sb_fnv1a64(h, type, strlen(type) + 1);
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

/* ---- writing ---- */

/* A sample line's start: the timestamp, the stored time and their tabs. */
#define SB_SPOOL_LEAD_SIZE (SB_TEXT_INT_MAX + SB_TIME_KEY_SIZE + 2)

/* A sample line's start kept for the next record, "<ts>\t<time>\t" (not NUL-terminated). */
typedef struct sb_spool_kept_lead {
	unsigned char len;
	char text[SB_SPOOL_LEAD_SIZE];
} sb_spool_kept_lead;

struct sb_spool_writer {
	int fd;
	char *path;
	char *layer, *date;
	off_t size; /* the first line and the whole records written */
	int broken; /* a failed write could not be taken back: nothing more is appended */
	char *buf;  /* SB_SPOOL_HEADROOM bytes, then the body being formatted */
	size_t len; /* bytes used in buf */
	size_t cap;
	int64_t *ts; /* a record's timestamps and their stored times, when the caller has none */
	char (*keys)[SB_TIME_KEY_SIZE];
	sb_spool_kept_lead *lead; /* each sample line's start */
	size_t nkeys;
	size_t nvalid;     /* keys[0..nvalid) and lead[0..nvalid) are the times and line starts
			    * of ts[0..nvalid): the last record's, which the next one most often
			    * repeats (a layer's logs share the grid) */
	unsigned zone_gen; /* sb_time_zone_generation when they were worked out */
};

static int sb_spool_number_of(const char *name, unsigned long *n)
{
	size_t len = strlen(name);
	if (len != 12 || strcmp(name + 6, ".spool") != 0)
		return 0;
	unsigned long v = 0;
	for (size_t i = 0; i < 6; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	*n = v;
	return 1;
}

static int sb_spool_numbered(const char *name)
{
	unsigned long n;
	return sb_spool_number_of(name, &n);
}

/* Writes all of buf at the file's end; SB_OK or SB_EIO with errno kept. */
static int sb_spool_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return SB_EIO;
		}
		buf += w;
		len -= (size_t)w;
	}
	return SB_OK;
}

int sb_spool_writer_open(const char *data_dir, const char *layer, const char *date,
			 sb_spool_writer **out, sb_err *err)
{
	*out = NULL;
	char *dir = sb_xasprintf("%s/SCAN/%s/%s", data_dir, layer, date);
	if (sb_fs_mkdirs(dir) != SB_OK) {
		int rc = sb_err_set(err, SB_EIO, "%s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	size_t n = 0;
	char **names = sb_fs_list(dir, sb_spool_numbered, &n);
	unsigned long next = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned long v;
		if (sb_spool_number_of(names[i], &v) && v >= next)
			next = v + 1;
	}
	sb_fs_list_free(names, n);
	int fd = -1;
	char *path = NULL;
	for (; fd < 0 && next <= 999999; next++) {
		free(path);
		path = sb_xasprintf("%s/%06lu.spool", dir, next);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	free(dir);
	if (fd < 0) {
		int rc = sb_err_set(err, SB_EIO, "%s: %s", path != NULL ? path : date,
				    next > 999999 ? "no spool file number left" : strerror(errno));
		free(path);
		return rc;
	}
	char *first = sb_xasprintf("%s\t2\t%s\t%s\n", SB_SPOOL_MAGIC, layer, date);
	size_t flen = strlen(first);
	int rc = sb_spool_write_all(fd, first, flen);
	free(first);
	if (rc != SB_OK) {
		rc = sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return rc;
	}
	sb_spool_writer *w = sb_xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->path = path;
	w->layer = sb_xstrdup(layer);
	w->date = sb_xstrdup(date);
	w->size = (off_t)flen;
	*out = w;
	return SB_OK;
}

const char *sb_spool_writer_path(const sb_spool_writer *w)
{
	return w->path;
}

static void sb_spool_reserve(sb_spool_writer *w, size_t more)
{
	if (w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 32768;
	while (cap < w->len + more)
		cap *= 2;
	w->buf = sb_xrealloc(w->buf, cap);
	w->cap = cap;
}

static void sb_spool_put_str(sb_spool_writer *w, const char *s)
{
	size_t n = strlen(s);
	sb_spool_reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void sb_spool_put_int(sb_spool_writer *w, int64_t v)
{
	sb_spool_reserve(w, SB_TEXT_INT_MAX);
	w->len = (size_t)(sb_text_int(w->buf + w->len, v) - w->buf);
}

static void sb_spool_put_char(sb_spool_writer *w, char c)
{
	sb_spool_reserve(w, 1);
	w->buf[w->len++] = c;
}

/* Writes a sample line's start, "<ts>\t<time>\t", at p (at most SB_SPOOL_LEAD_SIZE bytes, the
 * time a NUL-terminated sb_time_key) and returns its end. */
static char *sb_spool_lead(char *p, int64_t ts, const char *time)
{
	size_t tl = strnlen(time, SB_TIME_KEY_SIZE - 1);
	p = sb_text_int(p, ts);
	*p++ = '\t';
	memcpy(p, time, tl);
	p += tl;
	*p++ = '\t';
	return p;
}

int sb_spool_writer_put(sb_spool_writer *w, const sb_spool_day *d, sb_err *err)
{
	if (w->broken)
		return sb_err_set(err, SB_EIO,
				  "%s: an earlier write failed and could not be undone", w->path);
	w->len = SB_SPOOL_HEADROOM;
	sb_spool_reserve(w, 0);
	sb_spool_put_str(w, "name\t");
	sb_spool_put_str(w, d->name);
	sb_spool_put_str(w, "\ntype\t");
	sb_spool_put_str(w, d->type);
	sb_spool_put_str(w, "\ncapacity\t");
	if (d->has_capacity) {
		char cap[32];
		snprintf(cap, sizeof(cap), "%.17g", d->capacity);
		sb_spool_put_str(w, cap);
	}
	sb_spool_put_str(w, "\nurl\t");
	sb_spool_put_str(w, d->url != NULL ? d->url : "");
	sb_spool_put_str(w, "\nsamples\t");
	sb_spool_put_int(w, (int64_t)d->n);
	sb_spool_put_char(w, '\n');
	const sb_spool_kept_lead *lead = NULL;
	if (d->times == NULL && d->n > 0) {
		if (d->n > w->nkeys) {
			w->nkeys = d->n;
			w->ts = sb_xrealloc(w->ts, w->nkeys * sizeof(*w->ts));
			w->keys = sb_xrealloc(w->keys, w->nkeys * sizeof(*w->keys));
			w->lead = sb_xrealloc(w->lead, w->nkeys * sizeof(*w->lead));
			w->nvalid = 0;
		}
		unsigned gen = sb_time_zone_generation();
		int same = w->nvalid == d->n && w->zone_gen == gen;
		for (size_t i = 0; i < d->n; i++) {
			same &= w->ts[i] == d->samples[i].ts;
			w->ts[i] = d->samples[i].ts;
		}
		if (!same) {
			sb_time_keys(w->ts, d->n, w->keys);
			for (size_t i = 0; i < d->n; i++) {
				sb_spool_kept_lead *k = &w->lead[i];
				k->len = (unsigned char)(sb_spool_lead(k->text, w->ts[i],
								       w->keys[i]) -
							 k->text);
			}
			w->nvalid = d->n;
			w->zone_gen = gen;
		}
		lead = w->lead;
	}
	for (size_t i = 0; i < d->n; i++) {
		const sb_mrtg_sample *s = &d->samples[i];
		/* four numbers and the line's start, the separators */
		sb_spool_reserve(w, 4 * SB_TEXT_INT_MAX + SB_SPOOL_LEAD_SIZE + 4);
		char *p = w->buf + w->len;
		if (lead != NULL) {
			memcpy(p, lead[i].text, lead[i].len);
			p += lead[i].len;
		} else {
			p = sb_spool_lead(p, s->ts, d->times[i]);
		}
		p = sb_text_int(p, s->in_avg);
		*p++ = '\t';
		p = sb_text_int(p, s->out_avg);
		*p++ = '\t';
		p = sb_text_int(p, s->in_max);
		*p++ = '\t';
		p = sb_text_int(p, s->out_max);
		*p++ = '\n';
		w->len = (size_t)(p - w->buf);
	}
	size_t body = w->len - SB_SPOOL_HEADROOM;
	if (body > SB_SPOOL_RECORD_MAX)
		return sb_err_set(err, SB_ETOOBIG,
				  "%s: the record of %s (%s) is %zu bytes, over %zu", w->path,
				  d->name, d->type, body, SB_SPOOL_RECORD_MAX);
	uint32_t crc = sb_crc32(0, w->buf + SB_SPOOL_HEADROOM, body);
	char head[SB_SPOOL_HEADROOM];
	int hn = snprintf(head, sizeof(head), "@\t%zu\t%08lx\n", body, (unsigned long)crc);
	char *rec = w->buf + SB_SPOOL_HEADROOM - hn;
	memcpy(rec, head, (size_t)hn);
	size_t len = (size_t)hn + body;
	if (sb_spool_write_all(w->fd, rec, len) != SB_OK) {
		int e = errno;
		/* a part of the record may be in the file: take it back, so what follows is whole */
		if (ftruncate(w->fd, w->size) != 0 || lseek(w->fd, w->size, SEEK_SET) != w->size)
			w->broken = 1;
		return sb_err_set(err, SB_EIO, "%s: %s", w->path, strerror(e));
	}
	w->size += (off_t)len;
	return SB_OK;
}

int sb_spool_writer_close(sb_spool_writer **wp, int durable, sb_err *err)
{
	sb_spool_writer *w = *wp;
	if (w == NULL)
		return SB_OK;
	int rc = SB_OK;
	if (durable && fdatasync(w->fd) != 0)
		rc = sb_err_set(err, SB_EIO, "%s: %s", w->path, strerror(errno));
	if (close(w->fd) != 0 && rc == SB_OK)
		rc = sb_err_set(err, SB_EIO, "%s: %s", w->path, strerror(errno));
	if (durable && rc == SB_OK) {
		char *dir = sb_xstrdup(w->path);
		*strrchr(dir, '/') = '\0';
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = sb_err_set(err, SB_EIO, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(dir);
	}
	free(w->path);
	free(w->layer);
	free(w->date);
	free(w->buf);
	free(w->ts);
	free(w->keys);
	free(w->lead);
	free(w);
	*wp = NULL;
	return rc;
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
		/* the values from layer to url are one field each: the writers of version 1 never
		 * wrote a tab inside one, and one there could not be written again in a record */
		if (sb_tsv_next(&t, f, 2) != 2 || strcmp(f[0], keys[k]) != 0 ||
		    (k >= 1 && k <= 6 && strchr(f[1], '\t') != NULL))
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
		if (out->n > 0 && s->ts <= out->samples[out->n - 1].ts) {
			/* the writers of version 1 wrote a day in time order, each sample once */
			sb_tsv_fail(&t, err, "a ts later than the previous line's");
			goto fail;
		}
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

/* ---- reading ---- */

/* One file of a reader. */
typedef struct sb_spool_rfile {
	char *path;
	int version;        /* 1: one interface's day; 2: records */
	int fd;             /* version 2: open while the reader lives, else -1 */
	char *layer, *date; /* version 2: from the first line */
	size_t left;        /* records of it not yet handed out */
	int damaged;        /* a record, or the file, could not be read: keep it */
	sb_spool_day *one;  /* version 1: its day, read when opened */
} sb_spool_rfile;

/* One record of the reader's files: where it is, whose it is. */
typedef struct sb_spool_entry {
	char *name, *type;
	size_t file;
	uint64_t off; /* version 2: the body's first byte */
	size_t len;   /* ... and length */
	uint32_t crc;
	unsigned line; /* the line of its '@' line (of its file's first line for version 1) */
	size_t seq;    /* reading order */
} sb_spool_entry;

struct sb_spool_reader {
	sb_spool_rfile *files;
	size_t nfiles;
	sb_spool_entry *v;
	size_t n, cap, next;
	size_t skipped;
	sb_spool_warn_fn warn;
	void *ctx;
	char *buf; /* a record's body */
	size_t bufcap;
};

static void sb_spool_warnf(sb_spool_reader *r, int damaged, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sb_spool_warnf(sb_spool_reader *r, int damaged, const char *fmt, ...)
{
	r->skipped++;
	if (r->warn == NULL)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->warn(r->ctx, damaged, msg);
}

static int sb_spool_version_of(const char *name)
{
	size_t n = strlen(name);
	if (n > 6 && strcmp(name + n - 6, ".spool") == 0)
		return 2;
	if (n > 4 && strcmp(name + n - 4, ".tsv") == 0)
		return 1;
	return 0;
}

int sb_spool_is_file(const char *name)
{
	return sb_spool_version_of(name) != 0;
}

/* Version 1 files first (older), then by name (by number for version 2). */
static int sb_spool_order(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int vx = sb_spool_version_of(x), vy = sb_spool_version_of(y);
	return vx != vy ? vx - vy : strcmp(x, y);
}

/* The spool files of a folder in reading order, hidden ones too: older versions named a file after
 * a name's leading dot (free with sb_fs_list_free). */
static char **sb_spool_files_of(const char *dir, size_t *n)
{
	const sb_fs_filter spool = {.hidden = 1, .keep = sb_spool_is_file};
	char **names = NULL;
	*n = 0;
	sb_fs_list_filter(dir, &spool, &names, n, NULL);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), sb_spool_order);
	return names;
}

static sb_spool_entry *sb_spool_add(sb_spool_reader *r)
{
	sb_grow(&r->v, &r->cap, r->n, sizeof(*r->v));
	sb_spool_entry *e = &r->v[r->n];
	memset(e, 0, sizeof(*e));
	e->seq = r->n++;
	return e;
}

/* Reads up to len bytes at off into buf; returns the count read, or -1 (errno kept). */
static ssize_t sb_spool_pread(int fd, char *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The value of the line "<key>\t<value>\n" starting at *p (before end); moves *p past it and
 * returns the value NUL-terminated in place, or NULL when the line is not that key's or not
 * whole. */
static char *sb_spool_field(char **p, char *end, const char *key)
{
	size_t kl = strlen(key);
	char *s = *p;
	if ((size_t)(end - s) <= kl || memcmp(s, key, kl) != 0 || s[kl] != '\t')
		return NULL;
	char *nl = memchr(s + kl + 1, '\n', (size_t)(end - s - kl - 1));
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return s + kl + 1;
}

/* Finds the next record line ("@\t" at a line's start) from off: returns its offset (size when
 * none) and adds the lines passed to *line. */
static uint64_t sb_spool_resync(sb_spool_reader *r, int fd, uint64_t off, uint64_t size,
				unsigned *line)
{
	char chunk[65536];
	int at_start = 0; /* the byte before the chunk was a '\n' */
	while (off < size) {
		ssize_t got = sb_spool_pread(fd, chunk, sizeof(chunk), off);
		if (got <= 0)
			return size;
		for (ssize_t i = 0; i < got; i++) {
			if (at_start && chunk[i] == '@' && (i + 1 < got ? chunk[i + 1] == '\t' : 1))
				return off + (uint64_t)i;
			at_start = chunk[i] == '\n';
			*line += at_start;
		}
		off += (uint64_t)got;
	}
	(void)r;
	return size;
}

/* Indexes the records of a version 2 file: their interface, place and size. */
static void sb_spool_index_v2(sb_spool_reader *r, size_t fi, const char *layer, const char *date)
{
	sb_spool_rfile *f = &r->files[fi];
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		sb_spool_warnf(r, 1, "%s: %s: file kept, not read", f->path, strerror(errno));
		f->damaged = 1;
		return;
	}
	uint64_t size = (uint64_t)st.st_size;
	char *peek = sb_xmalloc(SB_SPOOL_PEEK + 1);
	ssize_t got = sb_spool_pread(f->fd, peek, SB_SPOOL_PEEK, 0);
	char *nl = got > 0 ? memchr(peek, '\n', (size_t)got) : NULL;
	if (got >= 0 && nl == NULL && (uint64_t)got == size) {
		/* nothing, or a first line cut short: the scan stopped before its first record */
		if (got > 0)
			sb_spool_warnf(r, 0,
				       "%s:1: the first line is cut short (a write was "
				       "interrupted): the file holds nothing",
				       f->path);
		free(peek);
		return;
	}
	char want[256];
	snprintf(want, sizeof(want), "%s\t2\t", SB_SPOOL_MAGIC);
	char *tab = NULL;
	if (nl != NULL) {
		*nl = '\0';
		tab = strncmp(peek, want, strlen(want)) == 0 ? strchr(peek + strlen(want), '\t')
							     : NULL;
	}
	if (tab != NULL) {
		*tab = '\0';
		f->layer = sb_xstrdup(peek + strlen(want));
		f->date = sb_xstrdup(tab + 1);
	}
	if (tab == NULL || (layer != NULL && strcmp(f->layer, layer) != 0) ||
	    (date != NULL && strcmp(f->date, date) != 0)) {
		sb_spool_warnf(r, 1, "%s:1: expected '%s\t2\t%s\t%s': file kept, not read", f->path,
			       SB_SPOOL_MAGIC, layer != NULL ? layer : "<LAYER>",
			       date != NULL ? date : "<DATE>");
		f->damaged = 1;
		free(peek);
		return;
	}
	uint64_t off = (uint64_t)(nl - peek) + 1;
	unsigned line = 2;
	while (off < size) {
		got = sb_spool_pread(f->fd, peek, SB_SPOOL_PEEK, off);
		if (got < 0) {
			sb_spool_warnf(r, 1, "%s:%u: %s: the rest of the file kept, not read",
				       f->path, line, strerror(errno));
			f->damaged = 1;
			break;
		}
		peek[got] = '\0';
		char *end = peek + got;
		char *hl = memchr(peek, '\n', (size_t)got);
		unsigned long long blen = 0;
		unsigned long crc = 0;
		int hn = 0;
		if (hl == NULL && off + (uint64_t)got == size) {
			sb_spool_warnf(r, 0,
				       "%s:%u: a record cut short at the end of the file (its "
				       "write was interrupted): skipped",
				       f->path, line);
			break;
		}
		if (hl == NULL || sscanf(peek, "@\t%llu\t%8lx\n%n", &blen, &crc, &hn) != 2 ||
		    hn != hl - peek + 1 || blen > SB_SPOOL_RECORD_MAX) {
			unsigned at = line;
			uint64_t to = sb_spool_resync(r, f->fd, off + 1, size, &line);
			sb_spool_warnf(r, 1,
				       "%s:%u: expected a record line '@<tab>bytes<tab>CRC-32': "
				       "%llu bytes skipped, to the next record",
				       f->path, at, (unsigned long long)(to - off));
			f->damaged = 1;
			off = to;
			continue;
		}
		uint64_t body = off + (uint64_t)hn;
		if (body + blen > size) {
			sb_spool_warnf(r, 0,
				       "%s:%u: a record cut short at the end of the file (%llu of "
				       "its %llu bytes; its write was interrupted): skipped",
				       f->path, line, (unsigned long long)(size - body), blen);
			break;
		}
		char *p = peek + hn;
		char *bend = blen < (unsigned long long)(end - p) ? p + blen : end;
		char *name = sb_spool_field(&p, bend, "name");
		char *type = name != NULL ? sb_spool_field(&p, bend, "type") : NULL;
		char *cap = type != NULL ? sb_spool_field(&p, bend, "capacity") : NULL;
		char *url = cap != NULL ? sb_spool_field(&p, bend, "url") : NULL;
		char *cnt = url != NULL ? sb_spool_field(&p, bend, "samples") : NULL;
		int64_t ns = -1;
		if (cnt == NULL || sb_parse_int64(cnt, &ns) != SB_OK || ns < 0) {
			sb_spool_warnf(r, 1,
				       "%s:%u: expected a record's name, type, capacity, url and "
				       "samples lines: record skipped, file kept",
				       f->path, line);
			f->damaged = 1;
			off = body + blen;
			line += 1; /* its lines are unknown: later line numbers count from here */
			continue;
		}
		sb_spool_entry *e = sb_spool_add(r);
		e->name = sb_xstrdup(name);
		e->type = sb_xstrdup(type);
		e->file = fi;
		e->off = body;
		e->len = (size_t)blen;
		e->crc = (uint32_t)crc;
		e->line = line;
		f->left++;
		line += 6 + (unsigned)ns;
		off = body + blen;
	}
	free(peek);
}

/* Reads a version 1 file whole: one record. */
static void sb_spool_index_v1(sb_spool_reader *r, size_t fi)
{
	sb_spool_rfile *f = &r->files[fi];
	sb_spool_day *d = sb_xcalloc(1, sizeof(*d));
	sb_err err = {0};
	if (sb_spool_read_day(f->path, d, &err) != SB_OK) {
		sb_spool_warnf(r, 1, "%s (file kept, not read)", err.msg);
		f->damaged = 1;
		free(d);
		return;
	}
	f->one = d;
	sb_spool_entry *e = sb_spool_add(r);
	e->name = sb_xstrdup(d->name);
	e->type = sb_xstrdup(d->type);
	e->file = fi;
	e->line = 1;
	f->left = 1;
}

static int sb_spool_entry_cmp(const void *a, const void *b)
{
	const sb_spool_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c == 0)
		c = strcmp(x->type, y->type);
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Opens the files (reading order) and indexes their records. */
static sb_spool_reader *sb_spool_reader_new(char **paths, size_t n, const char *layer,
					    const char *date, sb_spool_warn_fn warn, void *ctx)
{
	sb_spool_reader *r = sb_xcalloc(1, sizeof(*r));
	r->warn = warn;
	r->ctx = ctx;
	r->files = sb_xcalloc(n ? n : 1, sizeof(*r->files));
	r->nfiles = n;
	for (size_t i = 0; i < n; i++) {
		sb_spool_rfile *f = &r->files[i];
		f->path = paths[i];
		f->fd = -1;
		f->version = sb_spool_version_of(paths[i]);
		if (f->version == 2)
			sb_spool_index_v2(r, i, layer, date);
		else
			sb_spool_index_v1(r, i);
	}
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), sb_spool_entry_cmp);
	return r;
}

int sb_spool_open(const char *data_dir, const char *layer, const char *date, sb_spool_warn_fn warn,
		  void *ctx, sb_spool_reader **out, sb_err *err)
{
	*out = NULL;
	char *dir = sb_xasprintf("%s/SCAN/%s/%s", data_dir, layer, date);
	size_t n = 0;
	char **names = NULL;
	int rc = sb_fs_list_filter(dir, &(sb_fs_filter){.hidden = 1, .keep = sb_spool_is_file},
				   &names, &n, err);
	if (rc != SB_OK && rc != SB_ENOTFOUND) {
		free(dir);
		return rc;
	}
	if (rc == SB_ENOTFOUND && err != NULL)
		sb_err_clear(err);
	if (n > 1) /* older versions first (their names may be hidden: see sb_spool_files_of) */
		qsort(names, n, sizeof(*names), sb_spool_order);
	for (size_t i = 0; i < n; i++) {
		char *p = sb_fs_join(dir, names[i]);
		free(names[i]);
		names[i] = p;
	}
	free(dir);
	*out = sb_spool_reader_new(names, n, layer, date, warn, ctx);
	free(names);
	return SB_OK;
}

int sb_spool_open_file(const char *path, sb_spool_warn_fn warn, void *ctx, sb_spool_reader **out,
		       sb_err *err)
{
	(void)err;
	char **paths = sb_xmalloc(sizeof(*paths));
	paths[0] = sb_xstrdup(path);
	*out = sb_spool_reader_new(paths, 1, NULL, NULL, warn, ctx);
	free(paths);
	return SB_OK;
}

/* One sample as read, with the order of its record (a later one wins). */
typedef struct sb_spool_got {
	sb_mrtg_sample s;
	char t[SB_TIME_KEY_SIZE];
	size_t rank;
} sb_spool_got;

typedef struct sb_spool_acc {
	sb_spool_got *v;
	size_t n, cap;
} sb_spool_acc;

static void sb_spool_acc_add(sb_spool_acc *a, const sb_mrtg_sample *s, const char *t, size_t rank)
{
	sb_grow(&a->v, &a->cap, a->n, sizeof(*a->v));
	sb_spool_got *g = &a->v[a->n++];
	g->s = *s;
	memset(g->t, 0, sizeof(g->t));
	memcpy(g->t, t, strlen(t) + 1);
	g->rank = rank;
}

static int sb_spool_got_cmp(const void *a, const void *b)
{
	const sb_spool_got *x = a, *y = b;
	if (x->s.ts != y->s.ts)
		return x->s.ts < y->s.ts ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Parses a record's body (NUL-terminated at len) into a; its capacity and url into d. Returns
 * SB_OK, or SB_EPARSE with *bad the body line (1-based) that is not as expected. */
static int sb_spool_parse_body(char *body, size_t len, size_t rank, sb_spool_acc *a,
			       sb_spool_day *d, unsigned *bad)
{
	char *p = body, *end = body + len;
	*bad = 1;
	char *name = sb_spool_field(&p, end, "name");
	char *type = name != NULL ? sb_spool_field(&p, end, "type") : NULL;
	char *cap = type != NULL ? sb_spool_field(&p, end, "capacity") : NULL;
	char *url = cap != NULL ? sb_spool_field(&p, end, "url") : NULL;
	char *cnt = url != NULL ? sb_spool_field(&p, end, "samples") : NULL;
	int64_t ns = -1;
	double capacity = 0;
	if (cnt == NULL || sb_parse_int64(cnt, &ns) != SB_OK || ns < 0 ||
	    (*cap != '\0' && sb_parse_double(cap, &capacity) != SB_OK)) {
		*bad = name == NULL ? 1 : type == NULL ? 2 : cap == NULL ? 3 : url == NULL ? 4 : 5;
		return SB_EPARSE;
	}
	size_t first = a->n;
	for (int64_t i = 0; i < ns; i++) {
		*bad = 6 + (unsigned)i;
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			goto bad;
		*nl = '\0';
		char *f[6];
		int nf = 0;
		f[nf++] = p;
		for (char *q = p; *q != '\0' && nf < 6; q++)
			if (*q == '\t') {
				*q = '\0';
				f[nf++] = q + 1;
			}
		sb_mrtg_sample s;
		if (nf != 6 || strchr(f[5], '\t') != NULL || !sb_time_key_valid(f[1]) ||
		    sb_spool_int(f[0], &s.ts) != SB_OK || sb_spool_int(f[2], &s.in_avg) != SB_OK ||
		    sb_spool_int(f[3], &s.out_avg) != SB_OK ||
		    sb_spool_int(f[4], &s.in_max) != SB_OK ||
		    sb_spool_int(f[5], &s.out_max) != SB_OK)
			goto bad;
		sb_spool_acc_add(a, &s, f[1], rank);
		p = nl + 1;
	}
	if (p != end) {
		*bad = 6 + (unsigned)ns;
		goto bad;
	}
	free(d->url);
	d->url = sb_xstrdup(url);
	d->has_capacity = *cap != '\0' && capacity != 0;
	d->capacity = d->has_capacity ? capacity : 0;
	return SB_OK;
bad:
	a->n = first;
	return SB_EPARSE;
}

/* Adds the samples of one record to a (and its capacity and url to d); 0 when it is skipped. */
static int sb_spool_load(sb_spool_reader *r, const sb_spool_entry *e, sb_spool_acc *a,
			 sb_spool_day *d, sb_err *err, int *io_failed)
{
	sb_spool_rfile *f = &r->files[e->file];
	f->left--;
	if (f->version == 1) {
		const sb_spool_day *one = f->one;
		for (size_t i = 0; i < one->n; i++)
			sb_spool_acc_add(a, &one->samples[i], one->times[i], e->seq);
		free(d->url);
		d->url = sb_xstrdup(one->url != NULL ? one->url : "");
		d->capacity = one->capacity;
		d->has_capacity = one->has_capacity;
		if (d->layer == NULL)
			d->layer = sb_xstrdup(one->layer);
		if (d->date == NULL)
			d->date = sb_xstrdup(one->date);
		return 1;
	}
	if (e->len + 1 > r->bufcap) {
		r->bufcap = e->len + 1;
		r->buf = sb_xrealloc(r->buf, r->bufcap);
	}
	ssize_t got = sb_spool_pread(f->fd, r->buf, e->len, e->off);
	if (got != (ssize_t)e->len) {
		*io_failed = 1;
		f->damaged = 1;
		sb_err_set(err, SB_EIO, "%s:%u: %s", f->path, e->line,
			   got < 0 ? strerror(errno) : "the file got shorter while read");
		return 0;
	}
	r->buf[e->len] = '\0';
	uint32_t crc = sb_crc32(0, r->buf, e->len);
	if (crc != e->crc) {
		sb_spool_warnf(r, 1,
			       "%s:%u: the record of %s (%s) does not match its CRC-32 (%08lx, "
			       "expected %08lx): skipped, file kept",
			       f->path, e->line, e->name, e->type, (unsigned long)crc,
			       (unsigned long)e->crc);
		f->damaged = 1;
		return 0;
	}
	unsigned bad = 0;
	if (sb_spool_parse_body(r->buf, e->len, e->seq, a, d, &bad) != SB_OK) {
		sb_spool_warnf(r, 1, "%s:%u: expected %s: the record of %s (%s) skipped, file kept",
			       f->path, e->line + bad,
			       bad <= 5 ? "the record's name, type, capacity, url and samples lines"
					: "ts, time and four integers separated by tabs",
			       e->name, e->type);
		f->damaged = 1;
		return 0;
	}
	if (d->layer == NULL)
		d->layer = sb_xstrdup(f->layer);
	if (d->date == NULL)
		d->date = sb_xstrdup(f->date);
	return 1;
}

int sb_spool_next(sb_spool_reader *r, sb_spool_day *d, sb_err *err)
{
	memset(d, 0, sizeof(*d));
	while (r->next < r->n) {
		size_t i = r->next, k = i + 1;
		while (k < r->n && strcmp(r->v[k].name, r->v[i].name) == 0 &&
		       strcmp(r->v[k].type, r->v[i].type) == 0)
			k++;
		r->next = k;
		sb_spool_acc a = {0};
		int loaded = 0, io_failed = 0;
		for (size_t j = i; j < k && !io_failed; j++)
			loaded += sb_spool_load(r, &r->v[j], &a, d, err, &io_failed);
		if (io_failed) {
			free(a.v);
			sb_spool_day_free(d);
			return SB_EIO;
		}
		if (loaded == 0) {
			free(a.v);
			sb_spool_day_free(d);
			memset(d, 0, sizeof(*d));
			continue;
		}
		if (a.n > 1)
			qsort(a.v, a.n, sizeof(*a.v), sb_spool_got_cmp);
		size_t w = 0;
		for (size_t j = 0; j < a.n; j++) {
			if (w > 0 && a.v[w - 1].s.ts == a.v[j].s.ts)
				a.v[w - 1] = a.v[j]; /* the later record's */
			else
				a.v[w++] = a.v[j];
		}
		d->name = sb_xstrdup(r->v[i].name);
		d->type = sb_xstrdup(r->v[i].type);
		d->n = w;
		d->samples = sb_xmalloc((w ? w : 1) * sizeof(*d->samples));
		d->times = sb_xmalloc((w ? w : 1) * sizeof(*d->times));
		for (size_t j = 0; j < w; j++) {
			d->samples[j] = a.v[j].s;
			memcpy(d->times[j], a.v[j].t, sizeof(d->times[j]));
		}
		free(a.v);
		return SB_OK;
	}
	return SB_ENOTFOUND;
}

size_t sb_spool_nfiles(const sb_spool_reader *r)
{
	return r->nfiles;
}

const char *sb_spool_file(const sb_spool_reader *r, size_t i)
{
	return r->files[i].path;
}

int sb_spool_file_done(const sb_spool_reader *r, size_t i)
{
	return r->files[i].left == 0 && !r->files[i].damaged;
}

size_t sb_spool_skipped(const sb_spool_reader *r)
{
	return r->skipped;
}

void sb_spool_close(sb_spool_reader **rp)
{
	sb_spool_reader *r = *rp;
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nfiles; i++) {
		sb_spool_rfile *f = &r->files[i];
		if (f->fd >= 0)
			close(f->fd);
		if (f->one != NULL) {
			sb_spool_day_free(f->one);
			free(f->one);
		}
		free(f->path);
		free(f->layer);
		free(f->date);
	}
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].type);
	}
	free(r->files);
	free(r->v);
	free(r->buf);
	free(r);
	*rp = NULL;
}

/* ---- listing ---- */

static int sb_is_date_name(const char *s)
{
	sb_date d;
	return sb_date_parse(s, &d) == SB_OK;
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
		char **files = sb_spool_files_of(dir, &nfiles);
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
