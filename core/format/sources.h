/* sources.h - the sources files sources/SCAN/<LAYER>: one interface a line, url;name;capacity;type. */
#ifndef SB_FORMAT_SOURCES_H
#define SB_FORMAT_SOURCES_H

#include <stddef.h>

#include "base/sb.h"

/* The longest name and type an interface may have, in bytes: every stage (spool file names,
 * store keys, reports, the dashboard's queries) handles these. */
#define SB_SOURCE_NAME_MAX 256
#define SB_SOURCE_TYPE_MAX 64

/* One interface. Strings are owned by the sb_sources that holds it. */
typedef struct sb_source {
	char *url;
	char *name;
	char *type;
	double capacity;  /* Gbps; 0 when missing */
	int has_capacity; /* 0 when the field was empty or 0 */
	unsigned line;    /* line number in the file */
} sb_source;

typedef struct sb_sources {
	sb_source *v;
	size_t n, cap;
} sb_sources;

/* Called for every line that is skipped or only partly understood; path/line name the place. */
typedef void (*sb_sources_warn_fn)(void *ctx, const char *path, unsigned line, const char *msg);

/* Parses a sources file body. Blank lines and lines starting with '#' are skipped; CRLF accepted;
 * fields are trimmed. Names and types are normalised here, once, for every later stage: each
 * control character in them (tab, CR, ...) becomes a space (reported through warn), then they are
 * trimmed again. A line with fewer than 4 fields, an empty url or name, a name or type that is not
 * UTF-8 or longer than SB_SOURCE_NAME_MAX / SB_SOURCE_TYPE_MAX bytes, or a duplicate name+type is
 * reported through warn and skipped; a capacity that is not a number is reported and taken as
 * missing. Every message says what happened to the line. Appends to out. Returns SB_OK (bad lines
 * are not failures). */
int sb_sources_parse(const char *buf, size_t len, const char *path, sb_sources *out,
		     sb_sources_warn_fn warn, void *ctx);

/* Reads and parses path. A missing file is SB_ENOTFOUND, an unreadable one SB_EIO (err filled). */
int sb_sources_load(const char *path, sb_sources *out, sb_sources_warn_fn warn, void *ctx,
		    sb_err *err);

/* Frees everything out holds and leaves it empty. */
void sb_sources_free(sb_sources *s);

/* The same file read one interface at a time, so that memory does not grow with its length: a
 * first pass at open says what sb_sources_parse says (through warn) and counts the interfaces;
 * then sb_sources_next hands them out in file order, the same ones sb_sources_load would keep.
 * The file is read through one open descriptor: a file renamed over it meanwhile is not seen. */
typedef struct sb_sources_reader sb_sources_reader;

/* Returns SB_OK and *out, SB_ENOTFOUND for a missing file, SB_EIO (err filled). */
int sb_sources_open(const char *path, sb_sources_warn_fn warn, void *ctx, sb_sources_reader **out,
		    sb_err *err);

/* How many interfaces sb_sources_next will hand out. */
size_t sb_sources_count(const sb_sources_reader *r);

/* The next interface into *out (the reader's, valid until the next call): SB_OK, SB_ENOTFOUND
 * after the last one, SB_EIO (err filled). */
int sb_sources_next(sb_sources_reader *r, const sb_source **out, sb_err *err);

void sb_sources_close(sb_sources_reader **r);

#endif
