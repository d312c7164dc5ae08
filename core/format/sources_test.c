/* sources_test.c - sources files: fields, comments, CRLF, capacities, duplicates and warnings. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sb.h"
#include "format/sources.h"
#include "tap.h"

/* The warnings received, as "PATH:LINE: MSG". */
typedef struct warnings {
	char *v[64];
	size_t n;
} warnings;

static void collect(void *ctx, const char *path, unsigned line, const char *msg)
{
	warnings *w = ctx;
	if (w->n < SB_ARRAY_SIZE(w->v))
		w->v[w->n++] = sb_xasprintf("%s:%u: %s", path, line, msg);
}

static void warnings_free(warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	w->n = 0;
}

/* 1 if some warning starts with prefix and contains needle. */
static int warned(const warnings *w, const char *prefix, const char *needle)
{
	for (size_t i = 0; i < w->n; i++)
		if (strncmp(w->v[i], prefix, strlen(prefix)) == 0 &&
		    strstr(w->v[i], needle) != NULL)
			return 1;
	return 0;
}

static const sb_source *find(const sb_sources *s, const char *name, const char *type)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0 && strcmp(s->v[i].type, type) == 0)
			return &s->v[i];
	return NULL;
}

static const char sample[] = "# BORDE sources\n"                                          /* 1 */
			     "   # an indented comment\n"                                 /* 2 */
			     "\n"                                                         /* 3 */
			     "http://scan/a.html;ROUTER A/1 - GI0/0/1;10;CISCO\r\n"       /* 4 */
			     "  http://scan/b.html ;  BRAS  NORTE / 2 ; 10,5 ; UPLINK \n" /* 5 */
			     "http://scan/c.html;C;2.5;HUAWEI\n"                          /* 6 */
			     "http://scan/d.html;D;;JUNIPER\n"                            /* 7 */
			     "http://scan/e.html;E;abc;ZTE\n"                             /* 8 */
			     "http://scan/f.html;F;10\n"                                  /* 9 */
			     "http://scan/g.html\n"                                       /* 10 */
			     "http://scan/h.html;H;1;CISCO;extra\n"                       /* 11 */
			     "http://scan/i.html;ROUTER A/1 - GI0/0/1;40;CISCO\n"         /* 12 */
			     "http://scan/j.html;ROUTER A/1 - GI0/0/1;40;HUAWEI\n"        /* 13 */
			     ";K;1;CISCO\n"                                               /* 14 */
			     "http://scan/x.html; ;1;CISCO\n"                             /* 15 */
			     "http://scan/l.html;L;0;CISCO\n"                             /* 16 */
			     "http://scan/m.html;M;1e3;CISCO\n"                           /* 17 */
			     "http://scan/n.html;N;-5;CISCO\n"                            /* 18 */
			     "http://scan/p.html;P;1,2,3;CISCO\n"                         /* 19 */
			     "\t\r\n"                                                     /* 20 */
			     "http://scan/o.html;O;100;ZTE"; /* 21, no newline */

static void test_parse(void)
{
	sb_sources s = {0};
	warnings w = {0};
	int rc = sb_sources_parse(sample, strlen(sample), "BORDE", &s, collect, &w);
	is_int(rc, SB_OK, "bad lines are not a failure");
	is_int(s.n, 12, "12 interfaces kept");

	const sb_source *a = find(&s, "ROUTER A/1 - GI0/0/1", "CISCO");
	ok(a != NULL, "a name with '/' and spaces, CRLF line");
	if (a != NULL) {
		is_str(a->url, "http://scan/a.html", "its url");
		ok(a->has_capacity && a->capacity == 10, "its capacity 10");
		is_int(a->line, 4, "its line number");
	}
	const sb_source *b = find(&s, "BRAS  NORTE / 2", "UPLINK");
	ok(b != NULL, "fields trimmed, inner spaces kept");
	if (b != NULL) {
		is_str(b->url, "http://scan/b.html", "url trimmed");
		is_double(b->capacity, 10.5, 1e-12, "comma decimal 10,5");
	}
	const sb_source *c = find(&s, "C", "HUAWEI");
	ok(c != NULL && c->has_capacity && c->capacity == 2.5, "dot decimal 2.5");
	const sb_source *d = find(&s, "D", "JUNIPER");
	ok(d != NULL && !d->has_capacity && d->capacity == 0, "empty capacity: missing");
	ok(!warned(&w, "BORDE:7:", ""), "... without a warning");
	const sb_source *e = find(&s, "E", "ZTE");
	ok(e != NULL && !e->has_capacity && e->capacity == 0, "capacity abc: kept, missing");
	ok(warned(&w, "BORDE:8:", "expected a capacity in Gbps"),
	   "... with a warning saying what was expected");
	ok(find(&s, "F", "") == NULL &&
		   warned(&w, "BORDE:9:", "expected url;name;capacity;type, got 3 fields"),
	   "3 fields: skipped, warned with the line");
	ok(warned(&w, "BORDE:10:", "expected url;name;capacity;type, got 1 field;"),
	   "1 field: warned");
	const sb_source *h = find(&s, "H", "CISCO");
	ok(h != NULL && h->capacity == 1, "5 fields: the first 4 used");
	ok(warned(&w, "BORDE:11:", "got 5 fields; using the first 4"), "... with a warning");
	ok(warned(&w, "BORDE:12:", "duplicate of line 4"),
	   "duplicate name+type warned, naming the first");
	ok(a != NULL && strcmp(a->url, "http://scan/a.html") == 0, "... the first one kept");
	const sb_source *j = find(&s, "ROUTER A/1 - GI0/0/1", "HUAWEI");
	ok(j != NULL && j->line == 13, "same name with another type is not a duplicate");
	ok(warned(&w, "BORDE:14:", "empty url"), "empty url: skipped with a warning");
	ok(warned(&w, "BORDE:15:", "empty name"), "blank name: skipped with a warning");
	const sb_source *l = find(&s, "L", "CISCO");
	ok(l != NULL && !l->has_capacity && !warned(&w, "BORDE:16:", ""),
	   "capacity 0: missing, no warning");
	ok(find(&s, "M", "CISCO") != NULL && warned(&w, "BORDE:17:", "\"1e3\""),
	   "1e3 is not a capacity");
	ok(warned(&w, "BORDE:18:", "\"-5\""), "-5 is not a capacity");
	ok(warned(&w, "BORDE:19:", "\"1,2,3\""), "1,2,3 is not a capacity");
	const sb_source *o = find(&s, "O", "ZTE");
	ok(o != NULL && o->capacity == 100 && o->line == 21, "last line without newline");
	ok(!warned(&w, "BORDE:1:", "") && !warned(&w, "BORDE:2:", "") &&
		   !warned(&w, "BORDE:3:", "") && !warned(&w, "BORDE:20:", ""),
	   "comments and blank lines are silent");
	is_int(w.n, 10, "10 warnings in all");
	for (size_t i = 0; i < s.n; i++)
		ok(s.v[i].url[0] != ' ' && s.v[i].name[0] != ' ' &&
			   strchr(s.v[i].type, ' ') == NULL,
		   "line %u: no blank left around fields", s.v[i].line);

	/* a second file appended to the same list: duplicates are looked for within one file */
	size_t before = s.n;
	warnings_free(&w);
	const char *bom = "\xEF\xBB\xBF"
			  "http://q;Q;1;CISCO\nhttp://q;Q;1;CISCO\n"
			  "http://scan/c.html;C;2.5;HUAWEI\n";
	sb_sources_parse(bom, strlen(bom), "OTHER", &s, collect, &w);
	is_int(s.n, before + 2,
	       "appended, byte order mark ignored, the file's duplicate dropped, "
	       "a name+type already in the list from another file kept");
	ok(w.n == 1 && warned(&w, "OTHER:2:", "duplicate of line 1"), "... and warned");
	sb_sources_free(&s);
	ok(s.n == 0 && s.v == NULL && s.cap == 0, "free leaves the list empty");

	sb_sources_parse(sample, strlen(sample), "BORDE", &s, NULL, NULL);
	is_int(s.n, 12, "no warn callback: same result");
	sb_sources_free(&s);
	sb_sources_parse("", 0, "EMPTY", &s, collect, &w);
	is_int(s.n, 0, "an empty file is an empty list");
	sb_sources_free(&s);
	warnings_free(&w);
}

static void test_load(void)
{
	char path[] = "/tmp/sb_sources_test_XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	ssize_t wr = write(fd, sample, strlen(sample));
	close(fd);
	ok(wr == (ssize_t)strlen(sample), "sample written");
	sb_sources s = {0};
	warnings w = {0};
	sb_err err = {0};
	is_int(sb_sources_load(path, &s, collect, &w, &err), SB_OK, "load a file");
	is_int(s.n, 12, "... same interfaces as the parse");
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s:9:", path);
	ok(warned(&w, prefix, "got 3 fields"), "warnings name the file path");

	/* one at a time: the same interfaces in the same order, the same words, once */
	warnings w2 = {0};
	sb_sources_reader *r = NULL;
	is_int(sb_sources_open(path, collect, &w2, &r, &err), SB_OK, "a reader of the file");
	is_int(sb_sources_count(r), s.n, "... counts the interfaces the load keeps");
	is_int(w2.n, w.n, "... and says what the load says, at open");
	size_t same = 0, got = 0;
	const sb_source *src;
	while (sb_sources_next(r, &src, &err) == SB_OK) {
		same += got < s.n && strcmp(src->url, s.v[got].url) == 0 &&
			strcmp(src->name, s.v[got].name) == 0 &&
			strcmp(src->type, s.v[got].type) == 0 && src->line == s.v[got].line &&
			src->capacity == s.v[got].capacity;
		got++;
	}
	ok(got == s.n && same == s.n, "the reader hands out the load's interfaces (%zu)", got);
	is_int(w2.n, w.n, "... saying nothing more while it does");
	sb_sources_close(&r);
	ok(r == NULL, "closed");
	warnings_free(&w2);
	sb_sources_free(&s);
	warnings_free(&w);
	unlink(path);
	is_int(sb_sources_open(path, collect, &w2, &r, &err), SB_ENOTFOUND,
	       "a reader of a missing file");
	sb_err_clear(&err);

	is_int(sb_sources_load(path, &s, collect, &w, &err), SB_ENOTFOUND, "a missing file");
	is_int(err.code, SB_ENOTFOUND, "... recorded in err");
	sb_err_clear(&err);
	is_int(sb_sources_load("/", &s, collect, &w, &err), SB_EIO, "a directory is unreadable");
	ok(err.code == SB_EIO && strstr(err.msg, "/") != NULL, "... err names it: %s", err.msg);
	is_int(s.n, 0, "nothing appended on failure");
}

/* Names and types as every later stage sees them: one normalisation, or a refusal. */
static void test_names(void)
{
	char long_ok[SB_SOURCE_NAME_MAX + 1], long_bad[SB_SOURCE_NAME_MAX + 2];
	memset(long_ok, 'x', SB_SOURCE_NAME_MAX);
	long_ok[SB_SOURCE_NAME_MAX] = '\0';
	memset(long_bad, 'y', SB_SOURCE_NAME_MAX + 1);
	long_bad[SB_SOURCE_NAME_MAX + 1] = '\0';
	char *text = sb_xasprintf("u;TAB\tIN\x01NAME;1;CISCO\n"                /* 1 */
				  "u;.dot;1;CIS\rCO\n"                         /* 2 */
				  "u;Pe\xc3\xb1\xc3\xb3n \xe6\x9d\xb1;1;ZTE\n" /* 3 */
				  "u;Pe\xf1on;1;ZTE\n"                         /* 4 */
				  "u;%s;1;ZTE\n"                               /* 5 */
				  "u;%s;1;ZTE\n"                               /* 6 */
				  "u;OVERLONG \xc0\xaf;1;ZTE\n"                /* 7 */
				  "u;SURROGATE \xed\xa0\x80;1;ZTE\n"           /* 8 */
				  "u;TAB IN NAME;1;CISCO\n"                    /* 9 */
				  "u;\x01\x02;1;CISCO\n"                       /* 10 */
				  "u;T;1;%065d\n",                             /* 11 */
				  long_ok, long_bad, 0);
	sb_sources s = {0};
	warnings w = {0};
	sb_sources_parse(text, strlen(text), "F", &s, collect, &w);
	free(text);
	ok(find(&s, "TAB IN NAME", "CISCO") != NULL && warned(&w, "F:1:", "read as a space"),
	   "a tab and a control character inside a name become spaces, said with the line");
	ok(find(&s, ".dot", "CIS CO") != NULL && warned(&w, "F:2:", "in the type"),
	   "a leading dot is kept; a CR inside a type becomes a space");
	ok(find(&s, "Pe\xc3\xb1\xc3\xb3n \xe6\x9d\xb1", "ZTE") != NULL && !warned(&w, "F:3:", ""),
	   "UTF-8 names are kept as they are");
	ok(warned(&w, "F:4:", "expected UTF-8 text in the name, got byte 0xF1 at byte 3"),
	   "a Latin-1 name is refused naming the byte");
	ok(find(&s, long_ok, "ZTE") != NULL, "a name of SB_SOURCE_NAME_MAX bytes is kept");
	ok(warned(&w, "F:6:", "at most 256 bytes, got 257; line skipped"),
	   "one byte more is refused");
	ok(warned(&w, "F:7:", "got byte 0xC0") && warned(&w, "F:8:", "got byte 0xED"),
	   "overlong forms and surrogates are not UTF-8");
	ok(warned(&w, "F:9:", "duplicate of line 1"),
	   "duplicates are found on the normalised name");
	ok(warned(&w, "F:10:", "control characters only"), "a name of control characters only");
	ok(warned(&w, "F:11:", "a type of at most 64 bytes"), "a type over 64 bytes is refused");
	is_int(s.n, 4, "4 interfaces kept");
	sb_sources_free(&s);
	warnings_free(&w);
}

/* A file of many interfaces: every duplicate found, however far from its first line. */
static void test_many(void)
{
	size_t n = 20000, cap = n * 64 + 256;
	char *buf = sb_xmalloc(cap);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "http://s/%zu.html;IF %zu;10;T%zu\n",
					i, i, i % 3);
	len += (size_t)snprintf(buf + len, cap - len,
				"http://s/again.html;IF 7;10;T1\nhttp://s/other.html;IF 7;10;T2\n");
	sb_sources s = {0};
	warnings w = {0};
	sb_sources_parse(buf, len, "MANY", &s, collect, &w);
	is_int(s.n, n + 1, "20,000 interfaces and one more of another type");
	ok(w.n == 1 && warned(&w, "MANY:20001:", "duplicate of line 8"),
	   "the duplicate at the end names the first, 20,000 lines up");
	warnings_free(&w);
	sb_sources_free(&s);
	free(buf);
}

int main(void)
{
	test_parse();
	test_names();
	test_load();
	test_many();
	return tap_done();
}
