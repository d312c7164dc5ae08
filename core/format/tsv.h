/* tsv.h - the one reader of the engine's own tab-separated files (the spool files of spool.h and
 * the daily summary files of summary.h): the file read whole, a NUL byte refused, lines split at
 * tabs and numbered, and errors that name the file and the line.
 *
 * Every line ends with '\n'; a last line without one is an error (a file cut short). Fields are
 * not unescaped: the writers never put a tab or a newline inside a field. */
#ifndef SB_FORMAT_TSV_H
#define SB_FORMAT_TSV_H

#include <stddef.h>

#include "base/sb.h"

typedef struct sb_tsv {
	const char *path; /* for messages; the caller's, not copied */
	char *buf;        /* the whole file, NUL-terminated; split in place line by line */
	char *next;       /* the start of the next line */
	unsigned line;    /* 1-based number of the line sb_tsv_next last looked at */
} sb_tsv;

/* Reads path whole (at most max bytes) into t. A file holding a NUL byte is SB_EPARSE: "<path>: a
 * NUL byte at offset N: not a <what> file" (a NUL would silently end the lines). Other failures
 * are those of sb_fs_read. On failure t holds nothing to free. */
int sb_tsv_open(sb_tsv *t, const char *path, size_t max, const char *what, sb_err *err);

/* The next line split at its tabs into at most max fields f[0..] (the last field keeps any further
 * tabs; max >= 1); returns how many. The fields point into t's buffer and stay valid until
 * sb_tsv_close. At the end of the file returns 0; a last line without '\n' returns -1. Either way
 * t->line is then the number of the line that was expected, for the caller's message. */
int sb_tsv_next(sb_tsv *t, char **f, size_t max);

/* Sets err to SB_EPARSE "<path>:<line>: expected <what the format says>" and returns SB_EPARSE. */
int sb_tsv_fail(const sb_tsv *t, sb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Hands t's buffer (where the fields point) to the caller, who frees it; t keeps nothing. */
char *sb_tsv_take(sb_tsv *t);

/* Frees t's buffer (a taken or failed t holds none). */
void sb_tsv_close(sb_tsv *t);

#endif
