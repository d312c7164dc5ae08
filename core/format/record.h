/* record.h - a probe test's record (docs/modules.md, "Records"): the declaration a module makes,
 * checked and copied out of it; the values of one run; and the record's line in the trace files.
 * Every part of the core that handles probe results (the monitor, the trace loader, the store,
 * the remote box's push, the dashboard, the reports) works from a declaration and knows no test.
 *
 * A trace line is tab separated: the run's time stamp "2026-11-20T10:15:00Z" (UTC, on the test's
 * grid), the record's tag, then one value per declared field in declaration order, except the
 * fields the core counts (count_of), which are never written:
 *     2026-11-20T10:15:00Z  ping  127.0.0.1  0.045  0.0  3  3  0.041  0.052  0.004
 * No value (null) is an empty field. A line may stop before the last fields when those are all
 * optional: a line written before they were declared still reads, with no value for them. A
 * NUMBER is written with its declared decimals, or as the shortest text that reads back the same
 * double; a BOOL as true or false; a string's tabs and line breaks become spaces. */
#ifndef SB_FORMAT_RECORD_H
#define SB_FORMAT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/probes.h>

#include "base/avail.h"
#include "base/sb.h"

#define SB_REC_MAX_FIELDS 32
#define SB_REC_MAX_NAME 40
#define SB_REC_STRING_MAX 4096
#define SB_REC_JSON_MAX ((size_t)1 << 20)

/* One declared field, copied out of the module. */
typedef struct sb_rec_field {
	char *name;
	sb_field_type type;
	char *unit; /* "" when none */
	char *help; /* "" when none */
	int optional;
	int ranged; /* INT, NUMBER: min and max apply */
	double min, max;
	size_t maxlen; /* STRING, JSON: most bytes */
	int decimals;  /* NUMBER: decimals written, 0 shortest */
	int count_of;  /* the JSON field this INT counts, or -1 */
	int at_most;   /* the field whose value this one's may not exceed, or -1 */
} sb_rec_field;

/* A checked declaration. It owns copies of everything, so it outlives the module it came from;
 * reference counted (thread-safe), immutable once made. */
typedef struct sb_rec_decl {
	char *test;     /* "ping" */
	char *tag;      /* "ping" (trace lines) */
	char table[64]; /* "PING_HISTORY" */
	char stem[48];  /* "ping": unique_ping_index, ping_by_date_index */
	sb_rec_field *f;
	size_t n;
	size_t nwritten; /* fields written in a line (those without count_of) */
	int up;          /* field indexes, -1 when none */
	int headline;
	int loss;
	int refs;
} sb_rec_decl;

/* Checks the record a module declares for test (the module's name) and copies it: SB_OK and *out
 * (one reference), or SB_EINVAL with err saying what is wrong and what was expected ("record
 * field 2 'rtt': unknown type 9: expected SB_FIELD_INT, ..."). Thread-safe. */
int sb_rec_decl_new(const char *test, const sb_probe_record *rec, sb_rec_decl **out, sb_err *err);
/* A reference more (returns d); one less, freeing at the last. NULL is ignored. Thread-safe. */
sb_rec_decl *sb_rec_decl_ref(sb_rec_decl *d);
void sb_rec_decl_unref(sb_rec_decl *d);
/* The index of the field named name, or -1. */
int sb_rec_field_index(const sb_rec_decl *d, const char *name);
/* "int", "number", "string", "json" or "bool". */
const char *sb_rec_type_name(sb_field_type t);
/* 1 for INT, NUMBER and BOOL: the fields charted and averaged. */
int sb_rec_numeric(sb_field_type t);

/* The value of one field: has is 0 for no value (null). */
typedef struct sb_rec_val {
	int has;
	int64_t i;     /* INT, BOOL (0 or 1) */
	double d;      /* NUMBER */
	const char *s; /* STRING, JSON: borrowed */
} sb_rec_val;

/* One record: the key, its local date and time, and decl->n values. Strings are borrowed. */
typedef struct sb_rec {
	int64_t monitor, link, ts;
	const char *date, *time; /* "YYYY-MM-DD", "HH:MM:SS" in local time */
	const sb_rec_val *v;
} sb_rec;

/* Checks values v[0..d->n) against the declaration and fills the counted fields: a required
 * field without value, a value out of its range or over the field it is at most, a string or JSON
 * text too long, JSON that is not one valid value (or not a list where a field counts its items)
 * make it SB_EINVAL with why naming the field and what was expected. */
int sb_rec_check(const sb_rec_decl *d, sb_rec_val *v, char *why, size_t whysize);

/* The trace line of a record stamped ts (without its newline; caller frees). v must have passed
 * sb_rec_check. */
char *sb_rec_line(const sb_rec_decl *d, int64_t ts, const sb_rec_val *v);

/* The unix time of a line's stamp, "2026-11-20T10:15:00Z" (written by sb_time_utc_stamp):
 * SB_OK or SB_EINVAL. */
int sb_rec_parse_stamp(const char *s, int64_t *ts);

/* The tag of a trace line (its second field) into buf; SB_OK or SB_EPARSE. */
int sb_rec_line_tag(const char *line, char *buf, size_t size);

/* Parses one trace line of d (line is split in place; string values point into it) into r and
 * v[0..d->n): the time stamp from 2000 to 2100, the tag d's, the values as sb_rec_check wants
 * them. monitor and link come from elsewhere (the file's path). date and time are left NULL.
 * Returns SB_OK, or SB_EPARSE with why saying what is wrong. */
int sb_rec_parse_line(const sb_rec_decl *d, char *line, int64_t monitor, int64_t link, sb_rec *r,
		      sb_rec_val *v, char *why, size_t whysize);

/* 1 when the values of two records of d are the same. */
int sb_rec_same(const sb_rec_decl *d, const sb_rec_val *a, const sb_rec_val *b);

/* A NUMBER as its field writes it (buf of at least 32 bytes). */
void sb_rec_format_number(double v, int decimals, char *buf, size_t size);

/* One line for status and logs: "rtt 0.041 ms, loss 0.0 %, sent 3, ...", starting with "down: "
 * when the up field says so; cut to size. */
void sb_rec_summary(const sb_rec_decl *d, const sb_rec_val *v, char *buf, size_t size);

/* A record's numbers (its fields of a number type, in order) kept in the room of a summary, for
 * one formatted only when asked for: a monitor keeps the last of every link's, and shows them
 * far less often than it writes them. */
#define SB_REC_BRIEF_MAX 15
typedef struct sb_rec_brief {
	uint64_t has; /* bit k: the k-th number field has a value */
	union {
		int64_t i;
		double d;
	} v[SB_REC_BRIEF_MAX];
} sb_rec_brief;

/* Keeps v's numbers in *b: SB_OK, or SB_EINVAL when d has more than SB_REC_BRIEF_MAX. */
int sb_rec_brief_keep(const sb_rec_decl *d, const sb_rec_val *v, sb_rec_brief *b);
/* sb_rec_summary of the record *b was kept from (with the same d). */
void sb_rec_brief_summary(const sb_rec_decl *d, const sb_rec_brief *b, char *buf, size_t size);

/* The record as the availability rule and the heat map of base/avail.h read it: up from the up
 * field (a record of a test without one counts as up: the heat map takes each of its values, and
 * no availability is made of it), the headline value (-1 when none), the loss field (else 0 up,
 * 100 down). */
void sb_rec_avail(const sb_rec_decl *d, const sb_rec *r, sb_avail_rec *out);

/* 1 when text is one valid JSON value (white space around it allowed), nested at most 64 deep;
 * *items is then the number of items of a top-level list, -1 for anything else. */
int sb_rec_json_valid(const char *text, size_t len, long *items);

/* ---- a set of declarations, one per test ---- */

/* Thread-safe: the monitor adds to it on its loop while the remote box's thread reads it. */
typedef struct sb_rec_set sb_rec_set;

sb_rec_set *sb_rec_set_new(void);
/* Frees the set and drops its references; sets *s to NULL. */
void sb_rec_set_free(sb_rec_set **s);
/* Adds a reference to d, replacing the declaration of the same test. */
void sb_rec_set_add(sb_rec_set *s, sb_rec_decl *d);
/* The declaration of test (by name), or of the test whose lines start with tag: a new reference,
 * or NULL. */
sb_rec_decl *sb_rec_set_find(sb_rec_set *s, const char *test);
sb_rec_decl *sb_rec_set_find_tag(sb_rec_set *s, const char *tag);
/* A snapshot: references to every declaration, sorted by test name (caller unrefs each and frees
 * the array with sb_rec_list_free). Returns the count. */
size_t sb_rec_set_list(sb_rec_set *s, sb_rec_decl ***out);
void sb_rec_list_free(sb_rec_decl **v, size_t n);

/* ---- the names of a monitor's links ---- */

/* The core's own record, beside the tests' ones: what a monitor calls each of its links. The
 * monitor writes one whenever its config gives a link (at start, and when a link's name or
 * address changes) to data/PROBES/links/<monitor>/<link>/, so the names travel as the results do
 * (the spool, the loader, the push to a dashboard) and land in LINKS_HISTORY beside them:
 *     2026-11-20T10:15:03Z  links  RESIDE  150.185.138.59  Caracas
 * Fields: name (the key of the link in monitor.json), ip, monitor_name (monitor.json's "name",
 * optional). A set finds it by its test or tag name "links" (before any module of that name) but
 * never lists it: it is no test. */
#define SB_REC_NAMES "links"
/* A new reference to the declaration (made once; never fails). */
sb_rec_decl *sb_rec_names_decl(void);

#endif
