/* dotenv_test.c - .env parsing: export, quotes, escapes, comments, CRLF and error messages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/dotenv.h"
#include "base/sb.h"
#include "tap.h"

/* The assignments received, in order. */
typedef struct env {
	char *key[32];
	char *value[32];
	unsigned line[32];
	size_t n;
	size_t stop_after; /* return SB_ECANCELED on this call (1-based), 0 = never */
} env;

static int collect(void *ctx, const char *key, const char *value, const char *path, unsigned line)
{
	env *e = ctx;
	if (e->n < SB_ARRAY_SIZE(e->key)) {
		e->key[e->n] = sb_xstrdup(key);
		e->value[e->n] = sb_xstrdup(value);
		e->line[e->n] = line;
	}
	e->n++;
	return e->stop_after != 0 && e->n == e->stop_after ? SB_ECANCELED : SB_OK;
}

static void env_free(env *e)
{
	for (size_t i = 0; i < e->n && i < SB_ARRAY_SIZE(e->key); i++) {
		free(e->key[i]);
		free(e->value[i]);
	}
	*e = (env){0};
}

/* Index of the last assignment of key, -1 if none. */
static int env_find(const env *e, const char *key)
{
	int found = -1;
	for (size_t i = 0; i < e->n && i < SB_ARRAY_SIZE(e->key); i++)
		if (strcmp(e->key[i], key) == 0)
			found = (int)i;
	return found;
}

static const char *env_get(const env *e, const char *key)
{
	int i = env_find(e, key);
	return i < 0 ? NULL : e->value[i];
}

static const char sample[] = "# settings\n"                                        /* 1 */
			     "   # indented comment\n"                             /* 2 */
			     "\n"                                                  /* 3 */
			     "export DATABASE_URI=sqlite:data/x.db\n"              /* 4 */
			     "USERSCAN = alice   \n"                               /* 5 */
			     "PASSWORDSCAN='p@ss #not a comment $HOME \\n'\n"      /* 6 */
			     "MULTI=\"line1\n"                                     /* 7 */
			     "line2\\tTab \\\"q\\\" \\\\ \\$HOME \\q\"  # after\n" /* 8 */
			     "EMPTY=\n"                                            /* 9 */
			     "EMPTY2=   # only a comment\n"                        /* 10 */
			     "HASH=a#b\n"                                          /* 11 */
			     "INLINE=value # comment\n"                            /* 12 */
			     "SPACED =  a b  c  \t\n"                              /* 13 */
			     "CRLF=x\r\n"                                          /* 14 */
			     "DOT.KEY-1=v\n"                                       /* 15 */
			     "export = plain\n"                                    /* 16 */
			     "\texport   TABBED=\"t\"\n"                           /* 17 */
			     "SINGLE_MULTI='a\r\n"                                 /* 18 */
			     "b'\n"                                                /* 19 */
			     "URL=http://h/p?a=1&b=2\n"                            /* 20 */
			     "USERSCAN=bob\n"                                      /* 21 */
			     "LAST=end"; /* 22, no newline */

static void test_parse(void)
{
	env e = {0};
	sb_err err = {0};
	int rc = sb_dotenv_parse(sample, strlen(sample), ".env", collect, &e, &err);
	is_int(rc, SB_OK, "the sample parses");
	ok(err.code == SB_OK, "no error recorded (%s)", err.msg);
	is_int(e.n, 17, "17 assignments");
	is_str(env_get(&e, "DATABASE_URI"), "sqlite:data/x.db", "export prefix");
	is_int(e.line[env_find(&e, "DATABASE_URI")], 4, "... its line");
	ok(env_find(&e, "export DATABASE_URI") < 0, "the prefix is not part of the key");
	is_str(e.key[0], "DATABASE_URI", "file order kept");
	is_str(e.value[1], "alice", "blanks around '=' and trailing blanks dropped");
	is_str(env_get(&e, "PASSWORDSCAN"), "p@ss #not a comment $HOME \\n",
	       "single quotes are literal");
	is_str(env_get(&e, "MULTI"), "line1\nline2\tTab \"q\" \\ $HOME \\q",
	       "double quotes: multi-line, escapes, unknown escape kept");
	is_int(e.line[env_find(&e, "MULTI")], 7, "a multi-line value has the line where it starts");
	is_int(e.line[env_find(&e, "EMPTY")], 9, "line numbers continue after a multi-line value");
	is_str(env_get(&e, "EMPTY"), "", "KEY= is an empty value");
	is_str(env_get(&e, "EMPTY2"), "", "KEY= # comment is an empty value");
	is_str(env_get(&e, "HASH"), "a#b", "# inside a word is not a comment");
	is_str(env_get(&e, "INLINE"), "value", "inline comment dropped");
	is_str(env_get(&e, "SPACED"), "a b  c", "inner blanks kept");
	is_str(env_get(&e, "CRLF"), "x", "CRLF");
	is_str(env_get(&e, "DOT.KEY-1"), "v", "'.' and '-' in keys");
	is_str(env_get(&e, "export"), "plain", "export = ... is a key named export");
	is_str(env_get(&e, "TABBED"), "t", "indented export with several blanks");
	is_str(env_get(&e, "SINGLE_MULTI"), "a\nb", "single quotes span lines, CRLF becomes LF");
	is_str(env_get(&e, "URL"), "http://h/p?a=1&b=2", "'=' inside a value");
	ok(env_find(&e, "USERSCAN") == 15 && strcmp(e.value[1], "alice") == 0,
	   "a repeated key is reported again, in order");
	is_str(env_get(&e, "LAST"), "end", "last line without newline");
	is_int(e.line[env_find(&e, "LAST")], 22, "... its line");
	env_free(&e);

	const char *bom = "\xEF\xBB\xBF"
			  "A=1\n";
	rc = sb_dotenv_parse(bom, strlen(bom), ".env", collect, &e, &err);
	ok(rc == SB_OK && e.n == 1 && strcmp(e.key[0], "A") == 0, "a byte order mark is skipped");
	env_free(&e);
	rc = sb_dotenv_parse("", 0, ".env", collect, &e, &err);
	ok(rc == SB_OK && e.n == 0, "an empty file");
	rc = sb_dotenv_parse("# only\n\n  \r\n", 12, ".env", collect, &e, &err);
	ok(rc == SB_OK && e.n == 0, "comments and blanks only");
}

/* Parses text expecting SB_EPARSE with a message starting with want. */
static void bad(const char *text, size_t len, const char *want, size_t want_calls, const char *what)
{
	env e = {0};
	sb_err err = {0};
	int rc = sb_dotenv_parse(text, len, "conf/.env", collect, &e, &err);
	ok(rc == SB_EPARSE && err.code == SB_EPARSE && strncmp(err.msg, want, strlen(want)) == 0,
	   "%s: %s", what, err.msg);
	is_int(e.n, want_calls, "%s: assignments before it were delivered", what);
	ok(strstr(err.msg, "s3cr3t") == NULL, "%s: the message does not echo the line", what);
	env_free(&e);
}

#define BAD(literal, ...) bad(literal, sizeof(literal) - 1, __VA_ARGS__)

static void test_errors(void)
{
	BAD("1BAD=s3cr3t\n", "conf/.env:1: expected KEY=VALUE, with KEY a letter", 0,
	    "key starting with a digit");
	BAD("A=1\nKEY NAME=s3cr3t\n", "conf/.env:2: expected KEY=VALUE, with KEY", 1,
	    "key with a blank");
	BAD("A=1\n\ns3cr3t\n", "conf/.env:3: expected KEY=VALUE, found no '='", 1, "no '='");
	BAD("=s3cr3t\n", "conf/.env:1: expected KEY=VALUE, with KEY", 0, "empty key");
	BAD("A=1\nB=\"s3cr3t\nmore\nlines\n",
	    "conf/.env:2: unterminated double-quoted value: expected a closing \"", 1,
	    "unterminated double quote names the line it opened on");
	BAD("A='s3cr3t", "conf/.env:1: unterminated single-quoted value", 0,
	    "unterminated single quote");
	BAD("A=\"s3cr3t\\\"\n", "conf/.env:1: unterminated double-quoted", 0,
	    "an escaped quote does not close");
	BAD("A=\"x\ny\" s3cr3t\n",
	    "conf/.env:2: expected the end of the line or a # comment after the closing quote", 0,
	    "text after the closing quote");
	BAD("A=1\nB=s3\0cr3t\n", "conf/.env:2: expected text, found a NUL byte", 0, "a NUL byte");

	env e = {.stop_after = 2};
	sb_err err = {0};
	int rc = sb_dotenv_parse("A=1\nB=2\nC=3\n", 12, ".env", collect, &e, &err);
	ok(rc == SB_ECANCELED && e.n == 2, "a callback error stops the parse and is returned");
	is_int(err.code, SB_OK, "... err left to the callback");
	env_free(&e);
}

static void test_load(void)
{
	char path[] = "/tmp/sb_dotenv_test_XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	const char *text = "X=1\nY='two'\nZ\n";
	ssize_t wr = write(fd, text, strlen(text));
	close(fd);
	ok(wr == (ssize_t)strlen(text), "written");
	env e = {0};
	sb_err err = {0};
	is_int(sb_dotenv_load(path, collect, &e, &err), SB_EPARSE, "load stops at the bad line");
	ok(e.n == 2 && strcmp(e.value[1], "two") == 0, "... after delivering the good ones");
	char want[128];
	snprintf(want, sizeof(want), "%s:3: expected KEY=VALUE", path);
	ok(strncmp(err.msg, want, strlen(want)) == 0, "... naming path and line: %s", err.msg);
	env_free(&e);
	unlink(path);
	sb_err_clear(&err);
	is_int(sb_dotenv_load(path, collect, &e, &err), SB_ENOTFOUND, "a missing file");
	is_int(err.code, SB_OK, "... leaves err unset");
	is_int(sb_dotenv_load("/", collect, &e, &err), SB_EIO, "a directory");
	is_int(err.code, SB_EIO, "... is an I/O error in err");
}

int main(void)
{
	test_parse();
	test_errors();
	test_load();
	return tap_done();
}
