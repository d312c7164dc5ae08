/* dotenv.c - .env parser (python-dotenv rules, no expansion); never echoes a value in a message. */
#include "config.h"

#include "base/dotenv.h"

#include "base/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A .env file is a few dozen lines; anything this big is not one. */
#define SB_DOTENV_FILE_MAX (1024u * 1024u)

/* The parse position. Messages name path and line only: a .env line may hold a password. */
typedef struct sb_dotenv_in {
	const char *s;
	size_t len, i;
	unsigned line;
	const char *path;
	sb_err *err;
} sb_dotenv_in;

static int sb_dotenv_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int sb_dotenv_key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int sb_dotenv_key_char(char c)
{
	return sb_dotenv_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* At the end of a line: '\n', "\r\n", a '\r' ending the input, or the end of the input. */
static int sb_dotenv_at_eol(const sb_dotenv_in *in)
{
	if (in->i >= in->len || in->s[in->i] == '\n')
		return 1;
	return in->s[in->i] == '\r' && (in->i + 1 == in->len || in->s[in->i + 1] == '\n');
}

static void sb_dotenv_skip_blanks(sb_dotenv_in *in)
{
	while (in->i < in->len && sb_dotenv_is_blank(in->s[in->i]))
		in->i++;
}

/* Moves past the end of the current line. */
static void sb_dotenv_next_line(sb_dotenv_in *in)
{
	while (in->i < in->len && in->s[in->i] != '\n')
		in->i++;
	if (in->i < in->len) {
		in->i++;
		in->line++;
	}
}

/* Reads a quoted value after its opening quote into out and its length into *len.
 * Returns SB_OK, or SB_EPARSE (err set) when the quote is never closed. */
static int sb_dotenv_quoted(sb_dotenv_in *in, char quote, char *out, size_t *len)
{
	unsigned opened = in->line;
	size_t n = 0;
	while (in->i < in->len) {
		char c = in->s[in->i++];
		if (c == quote) {
			*len = n;
			return SB_OK;
		}
		if (c == '\n') {
			in->line++;
		} else if (c == '\r' && in->i < in->len && in->s[in->i] == '\n') {
			continue; /* CRLF inside a value becomes LF */
		} else if (c == '\\' && quote == '"' && in->i < in->len) {
			static const char from[] = "nrt\"\\$";
			static const char to[] = "\n\r\t\"\\$";
			const char *esc = memchr(from, in->s[in->i], sizeof(from) - 1);
			if (esc != NULL) {
				out[n++] = to[esc - from];
				in->i++;
				continue;
			}
		}
		out[n++] = c;
	}
	return sb_err_set(
		in->err, SB_EPARSE,
		"%s:%u: unterminated %s-quoted value: expected a closing %c for the quote "
		"opened on this line",
		in->path, opened, quote == '"' ? "double" : "single", quote);
}

/* Reads an unquoted value (the blanks after '=' already skipped; raw is where they began). */
static size_t sb_dotenv_unquoted(sb_dotenv_in *in, size_t raw, char *out)
{
	size_t start = in->i, end = in->i;
	while (!sb_dotenv_at_eol(in)) {
		char c = in->s[in->i];
		if (c == '#' && in->i > raw && sb_dotenv_is_blank(in->s[in->i - 1]))
			break; /* " #" starts a comment */
		in->i++;
		if (!sb_dotenv_is_blank(c))
			end = in->i;
	}
	memcpy(out, in->s + start, end - start);
	return end - start;
}

/* Parses one assignment at the current position (blanks before it skipped). */
static int sb_dotenv_assignment(sb_dotenv_in *in, char *scratch, sb_dotenv_fn fn, void *ctx)
{
	unsigned line = in->line;
	const char *s = in->s;
	if (in->len - in->i > 6 && memcmp(s + in->i, "export", 6) == 0 &&
	    sb_dotenv_is_blank(s[in->i + 6])) {
		size_t save = in->i;
		in->i += 6;
		sb_dotenv_skip_blanks(in);
		if (in->i < in->len && s[in->i] == '=')
			in->i = save; /* "export = value": the key is "export" */
	}
	size_t k0 = in->i;
	if (in->i < in->len && sb_dotenv_key_start(s[in->i]))
		while (in->i < in->len && sb_dotenv_key_char(s[in->i]))
			in->i++;
	size_t klen = in->i - k0;
	sb_dotenv_skip_blanks(in);
	if (klen == 0 || in->i == in->len || s[in->i] != '=') {
		size_t rest = in->len - k0;
		const char *nl = memchr(s + k0, '\n', rest);
		if (memchr(s + k0, '=', nl != NULL ? (size_t)(nl - (s + k0)) : rest) == NULL)
			return sb_err_set(in->err, SB_EPARSE,
					  "%s:%u: expected KEY=VALUE, found no '='", in->path,
					  line);
		return sb_err_set(in->err, SB_EPARSE,
				  "%s:%u: expected KEY=VALUE, with KEY a letter or '_' followed by "
				  "letters, digits, '_', '.' or '-'",
				  in->path, line);
	}
	in->i++; /* '=' */
	memcpy(scratch, s + k0, klen);
	scratch[klen] = '\0';
	char *value = scratch + klen + 1;
	size_t raw = in->i;
	sb_dotenv_skip_blanks(in);
	size_t vlen = 0;
	if (in->i < in->len && (s[in->i] == '"' || s[in->i] == '\'')) {
		char quote = s[in->i++];
		int rc = sb_dotenv_quoted(in, quote, value, &vlen);
		if (rc != SB_OK)
			return rc;
		sb_dotenv_skip_blanks(in);
		if (in->i < in->len && s[in->i] == '#')
			while (!sb_dotenv_at_eol(in))
				in->i++;
		if (!sb_dotenv_at_eol(in))
			return sb_err_set(
				in->err, SB_EPARSE,
				"%s:%u: expected the end of the line or a # comment after "
				"the closing quote",
				in->path, in->line);
	} else {
		vlen = sb_dotenv_unquoted(in, raw, value);
	}
	value[vlen] = '\0';
	return fn(ctx, scratch, value, in->path, line);
}

int sb_dotenv_parse(const char *buf, size_t len, const char *path, sb_dotenv_fn fn, void *ctx,
		    sb_err *err)
{
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		buf += 3;
		len -= 3;
	}
	const char *nul = len > 0 ? memchr(buf, '\0', len) : NULL;
	if (nul != NULL) {
		unsigned line = 1;
		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		return sb_err_set(err, SB_EPARSE, "%s:%u: expected text, found a NUL byte", path,
				  line);
	}
	/* key and value together are never longer than the input */
	char *scratch = sb_xmalloc(len + 2);
	sb_dotenv_in in = {.s = buf, .len = len, .line = 1, .path = path, .err = err};
	int rc = SB_OK;
	while (rc == SB_OK && in.i < len) {
		sb_dotenv_skip_blanks(&in);
		if (!sb_dotenv_at_eol(&in) && buf[in.i] != '#')
			rc = sb_dotenv_assignment(&in, scratch, fn, ctx);
		if (rc == SB_OK)
			sb_dotenv_next_line(&in);
	}
	free(scratch);
	return rc;
}

int sb_dotenv_load(const char *path, sb_dotenv_fn fn, void *ctx, sb_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	sb_err rerr = {0};
	int rc = sb_fs_read(path, SB_DOTENV_FILE_MAX, &buf, &len, &rerr);
	if (rc == SB_ENOTFOUND)
		return rc; /* a missing .env is no error: err stays clear */
	if (rc != SB_OK)
		return sb_err_set(err, rc, "%s", rerr.msg);
	rc = sb_dotenv_parse(buf, len, path, fn, ctx, err);
	free(buf);
	return rc;
}
