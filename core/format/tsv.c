/* tsv.c - the reader of the spool and summary files: whole file, no NUL, numbered lines. */
#include "config.h"

#include "format/tsv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"

int sb_tsv_open(sb_tsv *t, const char *path, size_t max, const char *what, sb_err *err)
{
	memset(t, 0, sizeof(*t));
	char *buf = NULL;
	size_t len = 0;
	int rc = sb_fs_read(path, max, &buf, &len, err);
	if (rc != SB_OK)
		return rc;
	size_t at = strlen(buf);
	if (at != len) {
		free(buf);
		return sb_err_set(err, SB_EPARSE, "%s: a NUL byte at offset %zu: not a %s file",
				  path, at, what);
	}
	t->path = path;
	t->buf = buf;
	t->next = buf;
	return SB_OK;
}

int sb_tsv_next(sb_tsv *t, char **f, size_t max)
{
	t->line++;
	if (t->next == NULL || *t->next == '\0')
		return 0;
	char *line = t->next;
	char *nl = strchr(line, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	t->next = nl + 1;
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p != '\0' && n < max; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return (int)n;
}

int sb_tsv_fail(const sb_tsv *t, sb_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sb_err_set(err, SB_EPARSE, "%s:%u: expected %s", t->path, t->line, what);
}

char *sb_tsv_take(sb_tsv *t)
{
	char *buf = t->buf;
	t->buf = t->next = NULL;
	return buf;
}

void sb_tsv_close(sb_tsv *t)
{
	sb_free(t->buf);
	t->next = NULL;
}
