/* sources.c - reads the sources files (url;name;capacity;type a line) into a list of interfaces. */
#include "config.h"

#include "format/sources.h"

#include "base/fsutil.h"
#include "base/keyset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A sources file is a few thousand short lines; anything this big is not one. */
#define SB_SOURCES_FILE_MAX (64u * 1024u * 1024u)

#define SB_SOURCES_EXPECTED "expected url;name;capacity;type"

/* A byte range of the input. */
typedef struct sb_span {
	const char *s;
	size_t n;
} sb_span;

static int sb_sources_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static sb_span sb_sources_trim(sb_span f)
{
	while (f.n > 0 && sb_sources_is_blank(f.s[0])) {
		f.s++;
		f.n--;
	}
	while (f.n > 0 && sb_sources_is_blank(f.s[f.n - 1]))
		f.n--;
	return f;
}

static void sb_sources_warnf(sb_sources_warn_fn warn, void *ctx, const char *path, unsigned line,
			     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void sb_sources_warnf(sb_sources_warn_fn warn, void *ctx, const char *path, unsigned line,
			     const char *fmt, ...)
{
	if (warn == NULL)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(ctx, path, line, msg);
}

/* Parses a capacity in Gbps: digits with at most one '.' or ',' as the decimal mark. */
static int sb_sources_capacity(sb_span f, double *out)
{
	char num[64];
	if (f.n == 0 || f.n >= sizeof(num))
		return SB_EINVAL;
	int digits = 0, marks = 0;
	for (size_t i = 0; i < f.n; i++) {
		char c = f.s[i];
		if (c >= '0' && c <= '9') {
			digits++;
			num[i] = c;
		} else if ((c == '.' || c == ',') && marks++ == 0) {
			num[i] = '.';
		} else {
			return SB_EINVAL;
		}
	}
	num[f.n] = '\0';
	if (digits == 0)
		return SB_EINVAL;
	return sb_parse_double(num, out);
}

/* The offset of the first byte of s[0..n) that does not belong to well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF), or n when it is all UTF-8. */
static size_t sb_sources_utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len = c < 0x80                 ? 1
			     : c >= 0xC2 && c <= 0xDF ? 2
			     : c >= 0xE0 && c <= 0xEF ? 3
			     : c >= 0xF0 && c <= 0xF4 ? 4
						      : 0;
		if (len == 0 || i + len > n)
			return i;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
		    (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
			return i;
		i += len;
	}
	return n;
}

/* A name or type as every stage carries it: each control character a space, trimmed. Sets
 * *changed when a control character was replaced. Caller frees. */
static char *sb_sources_normalise(sb_span f, int *changed)
{
	char *s = sb_xstrndup(f.s, f.n);
	*changed = 0;
	for (char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			*p = ' ';
			*changed = 1;
		}
	}
	sb_span t = sb_sources_trim((sb_span){s, strlen(s)});
	memmove(s, t.s, t.n);
	s[t.n] = '\0';
	return s;
}

/* Checks that a name or type is UTF-8 and at most max bytes; otherwise warns and returns 0. */
static int sb_sources_text_ok(sb_span f, const char *what, size_t max, const char *path,
			      unsigned line, sb_sources_warn_fn warn, void *ctx)
{
	size_t bad = sb_sources_utf8_bad((const unsigned char *)f.s, f.n);
	if (bad < f.n) {
		sb_sources_warnf(
			warn, ctx, path, line,
			"expected UTF-8 text in the %s, got byte 0x%02X at byte %zu of it; "
			"line skipped",
			what, (unsigned)(unsigned char)f.s[bad], bad + 1);
		return 0;
	}
	if (f.n > max) {
		sb_sources_warnf(warn, ctx, path, line,
				 "expected a %s of at most %zu bytes, got %zu; line skipped", what,
				 max, f.n);
		return 0;
	}
	return 1;
}

/* Reads one line (without its '\n') into *src (its strings the caller's); returns 1, or 0 when
 * the line holds no interface (a comment, a blank line, or a bad line, said through warn). The
 * duplicate check is the caller's. */
static int sb_sources_read_line(sb_span l, unsigned line, const char *path, sb_source *src,
				sb_sources_warn_fn warn, void *ctx)
{
	l = sb_sources_trim(l);
	if (l.n == 0 || l.s[0] == '#')
		return 0;
	if (memchr(l.s, '\0', l.n) != NULL) {
		sb_sources_warnf(warn, ctx, path, line, "%s, got a NUL byte; line skipped",
				 SB_SOURCES_EXPECTED);
		return 0;
	}
	sb_span f[4];
	size_t nf = 0;
	const char *p = l.s, *end = l.s + l.n;
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		if (nf < 4)
			f[nf] = sb_sources_trim((sb_span){p, (size_t)(stop - p)});
		nf++;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	if (nf < 4) {
		sb_sources_warnf(warn, ctx, path, line, "%s, got %zu field%s; line skipped",
				 SB_SOURCES_EXPECTED, nf, nf == 1 ? "" : "s");
		return 0;
	}
	if (nf > 4)
		sb_sources_warnf(warn, ctx, path, line, "%s, got %zu fields; using the first 4",
				 SB_SOURCES_EXPECTED, nf);
	if (f[0].n == 0 || f[1].n == 0) {
		sb_sources_warnf(warn, ctx, path, line, "%s, got an empty %s; line skipped",
				 SB_SOURCES_EXPECTED, f[0].n == 0 ? "url" : "name");
		return 0;
	}
	if (!sb_sources_text_ok(f[1], "name", SB_SOURCE_NAME_MAX, path, line, warn, ctx) ||
	    !sb_sources_text_ok(f[3], "type", SB_SOURCE_TYPE_MAX, path, line, warn, ctx))
		return 0;
	int name_changed = 0, type_changed = 0;
	char *name = sb_sources_normalise(f[1], &name_changed);
	char *type = sb_sources_normalise(f[3], &type_changed);
	if (name[0] == '\0') {
		sb_sources_warnf(warn, ctx, path, line,
				 "%s, got a name of control characters only; "
				 "line skipped",
				 SB_SOURCES_EXPECTED);
		free(name);
		free(type);
		return 0;
	}
	if (name_changed || type_changed)
		sb_sources_warnf(
			warn, ctx, path, line,
			"a tab, CR or other control character in the %s is read as a space: "
			"\"%s\" (%s); line kept",
			name_changed ? "name" : "type", name, type);
	double capacity = 0;
	if (f[2].n > 0 && sb_sources_capacity(f[2], &capacity) != SB_OK) {
		sb_sources_warnf(warn, ctx, path, line,
				 "expected a capacity in Gbps such as 10 or 2.5, got \"%.*s\"; "
				 "taken as missing",
				 (int)f[2].n, f[2].s);
		capacity = 0;
	}
	if (type[0] == '\0')
		sb_sources_warnf(warn, ctx, path, line, "%s, got an empty type; kept",
				 SB_SOURCES_EXPECTED);
	*src = (sb_source){
		.url = sb_xstrndup(f[0].s, f[0].n),
		.name = name,
		.type = type,
		.capacity = capacity,
		.has_capacity = capacity > 0,
		.line = line,
	};
	return 1;
}

/* The line of an earlier interface of the file with src's name and type (said through warn), or
 * 0 after noting src. seen holds the interfaces read so far, keyed "name\0type\0", each with the
 * unsigned line it was read at: a duplicate is found in constant time whatever the file's length;
 * the keys are the set's own, so a reader that hands interfaces out one at a time keeps it while
 * reading once through. */
static unsigned sb_sources_duplicate(sb_keyset *seen, const sb_source *src, const char *path,
				     sb_sources_warn_fn warn, void *ctx)
{
	const char *parts[] = {src->name, src->type};
	int added;
	unsigned *at = sb_keyset_put_strs(seen, parts, 2, &added);
	unsigned first = added ? 0 : *at;
	if (added)
		*at = src->line;
	if (first != 0)
		sb_sources_warnf(warn, ctx, path, src->line,
				 "duplicate of line %u (same name \"%s\" and type \"%s\"); "
				 "line skipped",
				 first, src->name, src->type);
	return first;
}

static void sb_source_free(sb_source *src)
{
	sb_free(src->url);
	sb_free(src->name);
	sb_free(src->type);
}

int sb_sources_parse(const char *buf, size_t len, const char *path, sb_sources *out,
		     sb_sources_warn_fn warn, void *ctx)
{
	sb_keyset seen; /* duplicates are looked for within this file */
	sb_keyset_init(&seen, sizeof(unsigned));
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		buf += 3;
		len -= 3;
	}
	unsigned line = 0;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - buf) : len;
		sb_source src;
		if (sb_sources_read_line((sb_span){buf, n}, ++line, path, &src, warn, ctx)) {
			if (sb_sources_duplicate(&seen, &src, path, warn, ctx) != 0) {
				sb_source_free(&src);
			} else {
				sb_grow(&out->v, &out->cap, out->n, sizeof(out->v[0]));
				out->v[out->n++] = src;
			}
		}
		if (nl == NULL)
			break;
		buf += n + 1;
		len -= n + 1;
	}
	sb_keyset_free(&seen);
	return SB_OK;
}

int sb_sources_load(const char *path, sb_sources *out, sb_sources_warn_fn warn, void *ctx,
		    sb_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = sb_fs_read(path, SB_SOURCES_FILE_MAX, &buf, &len, err);
	if (rc != SB_OK)
		return rc;
	rc = sb_sources_parse(buf, len, path, out, warn, ctx);
	free(buf);
	return rc;
}

/* ---- one interface at a time ---- */

struct sb_sources_reader {
	FILE *f;
	char *path;
	size_t count;   /* the interfaces it hands out */
	unsigned *dups; /* lines skipped as duplicates, ascending */
	size_t ndups, next_dup;
	unsigned line; /* of the last line read */
	char *buf;     /* the last line read */
	size_t cap;
	sb_source cur; /* the interface handed out last */
};

/* The next line of r's file into r->buf (without its '\n'); its length, or -1 at the end. */
static ssize_t sb_sources_getline(sb_sources_reader *r)
{
	ssize_t n = getline(&r->buf, &r->cap, r->f);
	if (n < 0)
		return -1;
	r->line++;
	if (n > 0 && r->buf[n - 1] == '\n')
		n--;
	if (r->line == 1 && n >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
		memmove(r->buf, r->buf + 3, (size_t)n - 3); /* UTF-8 byte order mark */
		n -= 3;
	}
	return n;
}

int sb_sources_open(const char *path, sb_sources_warn_fn warn, void *ctx, sb_sources_reader **out,
		    sb_err *err)
{
	*out = NULL;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return sb_err_set(err, errno == ENOENT ? SB_ENOTFOUND : SB_EIO, "%s: %s", path,
				  strerror(errno));
	sb_sources_reader *r = sb_xcalloc(1, sizeof(*r));
	r->f = f;
	r->path = sb_xstrdup(path);
	/* once through: the warnings, the count, and which lines repeat an interface */
	sb_keyset seen;
	sb_keyset_init(&seen, sizeof(unsigned));
	ssize_t n;
	while ((n = sb_sources_getline(r)) >= 0) {
		sb_source src;
		if (!sb_sources_read_line((sb_span){r->buf, (size_t)n}, r->line, path, &src, warn,
					  ctx))
			continue;
		if (sb_sources_duplicate(&seen, &src, path, warn, ctx) != 0) {
			r->dups = sb_xrealloc(r->dups, (r->ndups + 1) * sizeof(*r->dups));
			r->dups[r->ndups++] = src.line;
		} else {
			r->count++;
		}
		sb_source_free(&src);
	}
	sb_keyset_free(&seen);
	int failed = ferror(f);
	if (failed || fseek(f, 0, SEEK_SET) != 0) {
		int rc = sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno ? errno : EIO));
		sb_sources_close(&r);
		return rc;
	}
	r->line = 0;
	*out = r;
	return SB_OK;
}

size_t sb_sources_count(const sb_sources_reader *r)
{
	return r->count;
}

int sb_sources_next(sb_sources_reader *r, const sb_source **out, sb_err *err)
{
	sb_source_free(&r->cur);
	ssize_t n;
	while ((n = sb_sources_getline(r)) >= 0) {
		if (!sb_sources_read_line((sb_span){r->buf, (size_t)n}, r->line, r->path, &r->cur,
					  NULL, NULL))
			continue;
		if (r->next_dup < r->ndups && r->dups[r->next_dup] == r->line) {
			r->next_dup++;
			sb_source_free(&r->cur);
			continue;
		}
		*out = &r->cur;
		return SB_OK;
	}
	if (ferror(r->f))
		return sb_err_set(err, SB_EIO, "%s: %s", r->path, strerror(errno ? errno : EIO));
	*out = NULL;
	return SB_ENOTFOUND;
}

void sb_sources_close(sb_sources_reader **rp)
{
	sb_sources_reader *r = *rp;
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	sb_source_free(&r->cur);
	free(r->path);
	free(r->dups);
	free(r->buf);
	free(r);
	*rp = NULL;
}

void sb_sources_free(sb_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].url);
		free(s->v[i].name);
		free(s->v[i].type);
	}
	sb_free(s->v);
	s->n = 0;
	s->cap = 0;
}
