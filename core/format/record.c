/* record.c - probe records: declarations checked and copied, values checked, trace lines. */
#include "config.h"

#include "format/record.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/numtext.h"
#include "base/timeutil.h"

/* The time stamps a trace line may carry. */
#define SB_REC_MIN_TS INT64_C(946684800)  /* 2000-01-01 */
#define SB_REC_MAX_TS INT64_C(4102444800) /* 2100-01-01 */
#define SB_REC_JSON_DEPTH 64

static const char *const sb_rec_reserved[] = {"monitor", "link", "timestamp",
					      "date",    "time", "_id"};

const char *sb_rec_type_name(sb_field_type t)
{
	switch (t) {
	case SB_FIELD_INT:
		return "int";
	case SB_FIELD_NUMBER:
		return "number";
	case SB_FIELD_STRING:
		return "string";
	case SB_FIELD_JSON:
		return "json";
	case SB_FIELD_BOOL:
		return "bool";
	}
	return "unknown";
}

int sb_rec_numeric(sb_field_type t)
{
	return t == SB_FIELD_INT || t == SB_FIELD_NUMBER || t == SB_FIELD_BOOL;
}

/* ---- declarations ---- */

/* A name for a column: a letter, then letters, digits or '_', at most SB_REC_MAX_NAME bytes. */
static int sb_rec_plain_name(const char *s)
{
	if (s == NULL || !isalpha((unsigned char)s[0]) || strlen(s) > SB_REC_MAX_NAME)
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

static void sb_rec_decl_free(sb_rec_decl *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->f[i].name);
		free(d->f[i].unit);
		free(d->f[i].help);
	}
	free(d->f);
	free(d->test);
	free(d->tag);
	free(d);
}

/* The index of a role's field (name NULL: -1 and SB_OK); it must exist and be of a type
 * allowed by mask (1 << type). */
static int sb_rec_role(sb_rec_decl *d, const char *role, const char *name, unsigned mask,
		       const char *types, int *out, sb_err *err)
{
	*out = -1;
	if (name == NULL)
		return SB_OK;
	int i = sb_rec_field_index(d, name);
	if (i < 0)
		return sb_err_set(err, SB_EINVAL,
				  "record: %s names '%.60s', which is no field of the record", role,
				  name);
	if (!(mask & (1u << d->f[i].type)))
		return sb_err_set(err, SB_EINVAL, "record: %s field '%s' is a %s: expected %s",
				  role, name, sb_rec_type_name(d->f[i].type), types);
	*out = i;
	return SB_OK;
}

static int sb_rec_check_field(const sb_probe_field *pf, size_t k, sb_rec_field *f, sb_err *err)
{
	if (!sb_rec_plain_name(pf->name))
		return sb_err_set(err, SB_EINVAL,
				  "record field %zu '%.60s': expected a name of a letter, then "
				  "letters, digits or '_', at most %d bytes",
				  k + 1, pf->name, SB_REC_MAX_NAME);
	for (size_t r = 0; r < SB_ARRAY_SIZE(sb_rec_reserved); r++)
		if (strcasecmp(pf->name, sb_rec_reserved[r]) == 0)
			return sb_err_set(err, SB_EINVAL,
					  "record field %zu '%s': the name is the core's (monitor, "
					  "link, timestamp, date and time are in every record)",
					  k + 1, pf->name);
	if (pf->type < SB_FIELD_INT || pf->type > SB_FIELD_BOOL)
		return sb_err_set(
			err, SB_EINVAL,
			"record field %zu '%s': unknown type %d: expected SB_FIELD_INT, "
			"SB_FIELD_NUMBER, SB_FIELD_STRING, SB_FIELD_JSON or SB_FIELD_BOOL",
			k + 1, pf->name, (int)pf->type);
	f->type = pf->type;
	f->optional = pf->optional != 0;
	f->count_of = -1;
	f->at_most = -1;
	if (pf->type == SB_FIELD_INT || pf->type == SB_FIELD_NUMBER) {
		if (!isfinite(pf->min) || !isfinite(pf->max) || pf->min > pf->max)
			return sb_err_set(err, SB_EINVAL,
					  "record field %zu '%s': expected min <= max, both finite",
					  k + 1, pf->name);
		f->ranged = !(pf->min == 0 && pf->max == 0);
		f->min = pf->min;
		f->max = pf->max;
	}
	if (pf->type == SB_FIELD_NUMBER) {
		if (pf->decimals < 0 || pf->decimals > 9)
			return sb_err_set(err, SB_EINVAL,
					  "record field %zu '%s': decimals %d: expected 0 to 9",
					  k + 1, pf->name, pf->decimals);
		f->decimals = pf->decimals;
	}
	if (pf->type == SB_FIELD_STRING || pf->type == SB_FIELD_JSON) {
		size_t cap = pf->type == SB_FIELD_STRING ? SB_REC_STRING_MAX : SB_REC_JSON_MAX;
		if (!(pf->max >= 0 && pf->max <= (double)cap))
			return sb_err_set(err, SB_EINVAL,
					  "record field %zu '%s': max %g bytes: expected 0 to %zu",
					  k + 1, pf->name, pf->max, cap);
		f->maxlen = pf->max > 0 ? (size_t)pf->max : cap;
	}
	f->name = sb_xstrdup(pf->name);
	f->unit = sb_xstrdup(pf->unit != NULL ? pf->unit : "");
	f->help = sb_xstrdup(pf->help != NULL ? pf->help : "");
	if (strlen(f->unit) > 32 || strpbrk(f->unit, "\t\r\n") != NULL)
		return sb_err_set(
			err, SB_EINVAL,
			"record field %zu '%s': expected a unit of at most 32 bytes on one "
			"line",
			k + 1, pf->name);
	return SB_OK;
}

int sb_rec_decl_new(const char *test, const sb_probe_record *rec, sb_rec_decl **out, sb_err *err)
{
	*out = NULL;
	if (!sb_rec_plain_name(test) || strlen(test) > 24)
		return sb_err_set(
			err, SB_EINVAL,
			"record of test '%.60s': a test with a record needs a plain name of "
			"at most 24 bytes (letters, digits, '_')",
			test != NULL ? test : "");
	if (rec == NULL || rec->fields == NULL)
		return sb_err_set(err, SB_EINVAL,
				  "no record declared: a probe module declares what it writes "
				  "(sb_module_def.record, with its fields)");
	size_t n = 0;
	while (rec->fields[n].name != NULL) {
		if (++n > SB_REC_MAX_FIELDS)
			return sb_err_set(err, SB_EINVAL,
					  "record: more than %d fields (or no NULL name ending the "
					  "table)",
					  SB_REC_MAX_FIELDS);
	}
	if (n == 0)
		return sb_err_set(err, SB_EINVAL, "record: no fields: expected 1 to %d",
				  SB_REC_MAX_FIELDS);
	sb_rec_decl *d = sb_xcalloc(1, sizeof(*d));
	d->refs = 1;
	d->test = sb_xstrdup(test);
	d->f = sb_xcalloc(n, sizeof(*d->f));
	int rc = SB_OK;
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		rc = sb_rec_check_field(&rec->fields[i], i, &d->f[i], err);
		if (rc == SB_OK)
			d->n = i + 1;
		for (size_t j = 0; j < i && rc == SB_OK; j++)
			if (strcasecmp(d->f[j].name, rec->fields[i].name) == 0)
				rc = sb_err_set(err, SB_EINVAL,
						"record: field '%s' declared twice (fields %zu and "
						"%zu): expected each name once",
						rec->fields[i].name, j + 1, i + 1);
	}
	if (rc != SB_OK) {
		for (size_t i = d->n; i < n; i++) { /* the failing field's copies */
			free(d->f[i].name);
			free(d->f[i].unit);
			free(d->f[i].help);
		}
		sb_rec_decl_free(d);
		return rc;
	}
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		const char *of = rec->fields[i].count_of;
		if (of == NULL) {
			d->nwritten++;
			continue;
		}
		int j = sb_rec_field_index(d, of);
		if (d->f[i].type != SB_FIELD_INT || j < 0 || d->f[j].type != SB_FIELD_JSON)
			rc = sb_err_set(
				err, SB_EINVAL,
				"record field '%s': count_of '%.60s': expected an int field "
				"counting the items of a json field of the record",
				d->f[i].name, of);
		else if (d->f[j].optional && !d->f[i].optional)
			rc = sb_err_set(
				err, SB_EINVAL,
				"record field '%s' counts the optional field '%s': expected "
				"it optional too",
				d->f[i].name, of);
		else
			d->f[i].count_of = j;
	}
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		const char *cap = rec->fields[i].at_most;
		if (cap == NULL)
			continue;
		int j = sb_rec_field_index(d, cap);
		int num_i = d->f[i].type == SB_FIELD_INT || d->f[i].type == SB_FIELD_NUMBER;
		if (!num_i || j < 0 || j == (int)i ||
		    (d->f[j].type != SB_FIELD_INT && d->f[j].type != SB_FIELD_NUMBER))
			rc = sb_err_set(
				err, SB_EINVAL,
				"record field '%s': at_most '%.60s': expected another int or "
				"number field of the record, for an int or number field",
				d->f[i].name, cap);
		else
			d->f[i].at_most = j;
	}
	const unsigned num = 1u << SB_FIELD_INT | 1u << SB_FIELD_NUMBER;
	if (rc == SB_OK)
		rc = sb_rec_role(d, "up", rec->up, num | 1u << SB_FIELD_BOOL, "int, number or bool",
				 &d->up, err);
	if (rc == SB_OK)
		rc = sb_rec_role(d, "headline", rec->headline, num, "int or number", &d->headline,
				 err);
	if (rc == SB_OK)
		rc = sb_rec_role(d, "loss", rec->loss, 1u << SB_FIELD_NUMBER, "a number (%)",
				 &d->loss, err);
	for (size_t i = 0; rc == SB_OK && d->headline < 0 && rec->headline == NULL && i < n; i++)
		if (d->f[i].type == SB_FIELD_INT || d->f[i].type == SB_FIELD_NUMBER)
			d->headline = (int)i;
	const char *tag = rec->tag != NULL ? rec->tag : test;
	if (rc == SB_OK && !sb_rec_plain_name(tag))
		rc = sb_err_set(err, SB_EINVAL,
				"record: tag '%.60s': expected a word of letters, digits or '_'",
				tag);
	if (rc != SB_OK) {
		sb_rec_decl_free(d);
		return rc;
	}
	d->tag = sb_xstrdup(tag);
	size_t k = 0;
	for (; test[k] != '\0'; k++) {
		d->table[k] = (char)toupper((unsigned char)test[k]);
		d->stem[k] = (char)tolower((unsigned char)test[k]);
	}
	snprintf(d->table + k, sizeof(d->table) - k, "_HISTORY");
	d->stem[k] = '\0';
	*out = d;
	return SB_OK;
}

sb_rec_decl *sb_rec_decl_ref(sb_rec_decl *d)
{
	if (d != NULL)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

void sb_rec_decl_unref(sb_rec_decl *d)
{
	if (d != NULL && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0)
		sb_rec_decl_free(d);
}

int sb_rec_field_index(const sb_rec_decl *d, const char *name)
{
	for (size_t i = 0; name != NULL && i < d->n; i++)
		if (d->f[i].name[0] == name[0] && strcmp(d->f[i].name, name) == 0)
			return (int)i; /* a module sets every field of a record by name */
	return -1;
}

/* ---- JSON syntax ---- */

typedef struct sb_jscan {
	const char *p, *end;
	int depth;
} sb_jscan;

static void sb_jspace(sb_jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int sb_jlit(sb_jscan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return 0;
	s->p += n;
	return 1;
}

static int sb_jstring(sb_jscan *s)
{
	s->p++; /* the opening quote */
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p++;
		if (c == '"')
			return 1;
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (s->p >= s->end)
				return 0;
			char e = *s->p++;
			if (e == 'u') {
				for (int i = 0; i < 4; i++, s->p++)
					if (s->p >= s->end || !isxdigit((unsigned char)*s->p))
						return 0;
			} else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
				return 0;
			}
		}
	}
	return 0;
}

static int sb_jdigits(sb_jscan *s)
{
	const char *start = s->p;
	while (s->p < s->end && isdigit((unsigned char)*s->p))
		s->p++;
	return s->p > start;
}

static int sb_jnumber(sb_jscan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!sb_jdigits(s))
		return 0;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!sb_jdigits(s))
			return 0;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!sb_jdigits(s))
			return 0;
	}
	return 1;
}

static int sb_jvalue(sb_jscan *s, long *items);

/* A list or an object (*s->p is its bracket); counts the items into *items when not NULL. */
static int sb_jcontainer(sb_jscan *s, long *items)
{
	char close = *s->p == '[' ? ']' : '}';
	int object = close == '}';
	if (++s->depth > SB_REC_JSON_DEPTH)
		return 0;
	s->p++;
	sb_jspace(s);
	long n = 0;
	if (s->p < s->end && *s->p == close) {
		s->p++;
	} else {
		for (;;) {
			sb_jspace(s);
			if (object) {
				if (s->p >= s->end || *s->p != '"' || !sb_jstring(s))
					return 0;
				sb_jspace(s);
				if (s->p >= s->end || *s->p++ != ':')
					return 0;
			}
			if (!sb_jvalue(s, NULL))
				return 0;
			n++;
			sb_jspace(s);
			if (s->p >= s->end)
				return 0;
			char c = *s->p++;
			if (c == close)
				break;
			if (c != ',')
				return 0;
		}
	}
	s->depth--;
	if (items != NULL)
		*items = n;
	return 1;
}

static int sb_jvalue(sb_jscan *s, long *items)
{
	sb_jspace(s);
	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{':
		return sb_jcontainer(s, NULL);
	case '[':
		return sb_jcontainer(s, items);
	case '"':
		return sb_jstring(s);
	case 't':
		return sb_jlit(s, "true");
	case 'f':
		return sb_jlit(s, "false");
	case 'n':
		return sb_jlit(s, "null");
	default:
		return (*s->p == '-' || isdigit((unsigned char)*s->p)) && sb_jnumber(s);
	}
}

int sb_rec_json_valid(const char *text, size_t len, long *items)
{
	sb_jscan s = {text, text + len, 0};
	long n = -1;
	*items = -1;
	if (!sb_jvalue(&s, &n))
		return 0;
	sb_jspace(&s);
	if (s.p != s.end)
		return 0;
	*items = n;
	return 1;
}

/* ---- values ---- */

static int sb_rec_why(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sb_rec_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return SB_EINVAL;
}

/* "from 0 to 100" of a ranged field, for messages. */
static void sb_rec_range_text(const sb_rec_field *f, char *buf, size_t size)
{
	char lo[32], hi[32];
	sb_rec_format_number(f->min, 0, lo, sizeof(lo));
	sb_rec_format_number(f->max, 0, hi, sizeof(hi));
	snprintf(buf, size, " from %s to %s", lo, hi);
}

int sb_rec_check(const sb_rec_decl *d, sb_rec_val *v, char *why, size_t whysize)
{
	for (size_t i = 0; i < d->n; i++) {
		const sb_rec_field *f = &d->f[i];
		sb_rec_val *x = &v[i];
		if (f->count_of >= 0) {
			const sb_rec_val *j = &v[f->count_of];
			long items = -1;
			x->has = 0;
			if (j->has && j->s != NULL &&
			    (!sb_rec_json_valid(j->s, strlen(j->s), &items) || items < 0))
				return sb_rec_why(why, whysize,
						  "%s: expected a JSON list (%s counts its items)",
						  d->f[f->count_of].name, f->name);
			if (j->has) {
				x->has = 1;
				x->i = items;
			}
		}
		if (!x->has || ((f->type == SB_FIELD_STRING || f->type == SB_FIELD_JSON) &&
				(x->s == NULL || x->s[0] == '\0'))) {
			x->has = 0;
			if (!f->optional)
				return sb_rec_why(why, whysize, "%s: a value is required (a %s)",
						  f->name, sb_rec_type_name(f->type));
			continue;
		}
		/* the range's text only for a message: a record a probe run, each field checked */
		char range[80] = "";
		switch (f->type) {
		case SB_FIELD_INT:
			if (f->ranged && ((double)x->i < f->min || (double)x->i > f->max)) {
				sb_rec_range_text(f, range, sizeof(range));
				return sb_rec_why(why, whysize,
						  "%s: %" PRId64 ": expected an int%s", f->name,
						  x->i, range);
			}
			break;
		case SB_FIELD_NUMBER:
			if (!isfinite(x->d) || (f->ranged && (x->d < f->min || x->d > f->max))) {
				char got[32];
				sb_rec_format_number(x->d, 0, got, sizeof(got));
				if (f->ranged)
					sb_rec_range_text(f, range, sizeof(range));
				return sb_rec_why(why, whysize, "%s: %s: expected a number%s",
						  f->name, got, range);
			}
			break;
		case SB_FIELD_BOOL:
			x->i = x->i != 0;
			break;
		case SB_FIELD_STRING:
			if (strlen(x->s) > f->maxlen)
				return sb_rec_why(why, whysize,
						  "%s: %zu bytes: expected at most %zu", f->name,
						  strlen(x->s), f->maxlen);
			break;
		case SB_FIELD_JSON: {
			long items = -1;
			size_t len = strlen(x->s);
			if (len > f->maxlen)
				return sb_rec_why(why, whysize,
						  "%s: %zu bytes of JSON: expected at most %zu",
						  f->name, len, f->maxlen);
			if (!sb_rec_json_valid(x->s, len, &items))
				return sb_rec_why(why, whysize, "%s: expected one valid JSON value",
						  f->name);
			break;
		}
		}
	}
	for (size_t i = 0; i < d->n; i++) {
		const sb_rec_field *f = &d->f[i];
		if (f->at_most < 0 || !v[i].has || !v[f->at_most].has)
			continue;
		const sb_rec_field *g = &d->f[f->at_most];
		double x = f->type == SB_FIELD_NUMBER ? v[i].d : (double)v[i].i;
		double y = g->type == SB_FIELD_NUMBER ? v[f->at_most].d : (double)v[f->at_most].i;
		if (x > y) {
			char a[32], b[32];
			sb_rec_format_number(x, 0, a, sizeof(a));
			sb_rec_format_number(y, 0, b, sizeof(b));
			return sb_rec_why(why, whysize, "%s: %s: expected at most %s (%s)", f->name,
					  a, g->name, b);
		}
	}
	return SB_OK;
}

void sb_rec_format_number(double v, int decimals, char *buf, size_t size)
{
	if (decimals > 0) {
		sb_text_fixed(buf, size, v, decimals);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		char *end = NULL;
		if (strtod(buf, &end) == v && *end == '\0')
			return;
	}
}

/* Appends a tab (the field separator) when tab, then text, to the line being built; a text that
 * may hold tabs or line breaks (a string's: not plain) has them turned into spaces. */
static void sb_rec_put(char **buf, size_t *len, size_t *cap, int tab, const char *text, int plain)
{
	size_t n = strlen(text);
	if (*len + n + 2 > *cap) {
		*cap = (*len + n + 2) * 2;
		if (*cap < 256)
			*cap = 256; /* a whole line of most records at once */
		*buf = sb_xrealloc(*buf, *cap);
	}
	if (tab)
		(*buf)[(*len)++] = '\t';
	if (plain) {
		memcpy(*buf + *len, text, n + 1);
		*len += n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		(*buf)[(*len)++] = c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
	}
	(*buf)[*len] = '\0';
}

char *sb_rec_line(const sb_rec_decl *d, int64_t ts, const sb_rec_val *v)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char stamp[32];
	sb_time_utc_stamp(ts, stamp);
	sb_rec_put(&buf, &len, &cap, 0, stamp, 1);
	sb_rec_put(&buf, &len, &cap, 1, d->tag, 1);
	for (size_t i = 0; i < d->n; i++) {
		const sb_rec_field *f = &d->f[i];
		if (f->count_of >= 0)
			continue;
		char num[40] = "";
		const char *text = num;
		if (!v[i].has)
			text = "";
		else if (f->type == SB_FIELD_INT)
			*sb_text_int(num, v[i].i) = '\0';
		else if (f->type == SB_FIELD_NUMBER)
			sb_rec_format_number(v[i].d, f->decimals, num, sizeof(num));
		else if (f->type == SB_FIELD_BOOL)
			text = v[i].i ? "true" : "false";
		else
			text = v[i].s;
		sb_rec_put(&buf, &len, &cap, 1, text,
			   !v[i].has || (f->type != SB_FIELD_STRING && f->type != SB_FIELD_JSON));
	}
	return buf;
}

int sb_rec_line_tag(const char *line, char *buf, size_t size)
{
	const char *tab = strchr(line, '\t');
	if (tab == NULL)
		return SB_EPARSE;
	size_t n = strcspn(tab + 1, "\t");
	if (n == 0 || n >= size)
		return SB_EPARSE;
	memcpy(buf, tab + 1, n);
	buf[n] = '\0';
	return SB_OK;
}

int sb_rec_parse_stamp(const char *s, int64_t *ts)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return SB_EINVAL;
	*ts = (int64_t)timegm(&tm);
	return SB_OK;
}

int sb_rec_parse_line(const sb_rec_decl *d, char *line, int64_t monitor, int64_t link, sb_rec *r,
		      sb_rec_val *v, char *why, size_t whysize)
{
	memset(r, 0, sizeof(*r));
	memset(v, 0, d->n * sizeof(*v));
	r->monitor = monitor;
	r->link = link;
	r->v = v;
	size_t nf = 1;
	for (const char *p = line; (p = strchr(p, '\t')) != NULL; p++)
		nf++;
	if (nf > SB_REC_MAX_FIELDS + 2) {
		snprintf(why, whysize, "more fields than any record has");
		return SB_EPARSE;
	}
	char *f[SB_REC_MAX_FIELDS + 2];
	f[0] = line;
	for (size_t i = 1; i < nf; i++) {
		char *tab = strchr(f[i - 1], '\t');
		*tab = '\0';
		f[i] = tab + 1;
	}
	if (nf < 2 || sb_rec_parse_stamp(f[0], &r->ts) != SB_OK) {
		snprintf(why, whysize, "bad time stamp (expected YYYY-MM-DDTHH:MM:SSZ)");
		return SB_EPARSE;
	}
	if (r->ts < SB_REC_MIN_TS || r->ts > SB_REC_MAX_TS) {
		snprintf(why, whysize, "time stamp before 2000 or after 2100");
		return SB_EPARSE;
	}
	if (strcmp(f[1], d->tag) != 0) {
		snprintf(why, whysize, "a %.40s record where a %s record (test %s) was expected",
			 f[1], d->tag, d->test);
		return SB_EPARSE;
	}
	size_t nvals = nf - 2;
	if (nvals > d->nwritten) {
		snprintf(why, whysize, "more values than the %zu a %s record has", d->nwritten,
			 d->tag);
		return SB_EPARSE;
	}
	size_t k = 0; /* the value's field in the line */
	for (size_t i = 0; i < d->n; i++) {
		const sb_rec_field *fd = &d->f[i];
		if (fd->count_of >= 0)
			continue;
		if (k >= nvals) {
			if (!fd->optional) {
				snprintf(why, whysize,
					 "a %s record has %zu values; this line stops before %s",
					 d->tag, d->nwritten, fd->name);
				return SB_EPARSE;
			}
			k++;
			continue;
		}
		const char *s = f[2 + k++];
		if (*s == '\0')
			continue;
		v[i].has = 1;
		int bad = 0;
		switch (fd->type) {
		case SB_FIELD_INT:
			bad = sb_parse_int64(s, &v[i].i) != SB_OK;
			break;
		case SB_FIELD_NUMBER:
			bad = sb_parse_double(s, &v[i].d) != SB_OK;
			break;
		case SB_FIELD_BOOL:
			if (strcmp(s, "true") == 0)
				v[i].i = 1;
			else if (strcmp(s, "false") == 0)
				v[i].i = 0;
			else
				bad = 1;
			break;
		case SB_FIELD_STRING:
		case SB_FIELD_JSON:
			v[i].s = s;
			break;
		}
		if (bad) {
			snprintf(why, whysize, "%s: '%.40s' is not a%s %s", fd->name, s,
				 fd->type == SB_FIELD_INT ? "n" : "", sb_rec_type_name(fd->type));
			return SB_EPARSE;
		}
	}
	if (sb_rec_check(d, v, why, whysize) != SB_OK)
		return SB_EPARSE;
	return SB_OK;
}

int sb_rec_same(const sb_rec_decl *d, const sb_rec_val *a, const sb_rec_val *b)
{
	for (size_t i = 0; i < d->n; i++) {
		if (a[i].has != b[i].has)
			return 0;
		if (!a[i].has)
			continue;
		switch (d->f[i].type) {
		case SB_FIELD_INT:
		case SB_FIELD_BOOL:
			if (a[i].i != b[i].i)
				return 0;
			break;
		case SB_FIELD_NUMBER:
			if (a[i].d != b[i].d)
				return 0;
			break;
		case SB_FIELD_STRING:
		case SB_FIELD_JSON:
			if (strcmp(a[i].s, b[i].s) != 0)
				return 0;
			break;
		}
	}
	return 1;
}

/* 1 when the up field says up (0 without an up field). */
static int sb_rec_is_up(const sb_rec_decl *d, const sb_rec_val *v)
{
	if (d->up < 0 || !v[d->up].has)
		return 0;
	return d->f[d->up].type == SB_FIELD_NUMBER ? v[d->up].d > 0 : v[d->up].i > 0;
}

/* Appends text to the summary being built in buf (its NUL kept; cut at size). */
static void sb_rec_sum_put(char *buf, size_t size, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (*len + n >= size) {
		n = *len + 1 < size ? size - 1 - *len : 0;
		memcpy(buf + *len, text, n);
		*len = size; /* marks the cut */
		buf[size - 1] = '\0';
		return;
	}
	memcpy(buf + *len, text, n + 1);
	*len += n;
}

void sb_rec_summary(const sb_rec_decl *d, const sb_rec_val *v, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	if (d->up >= 0 && !sb_rec_is_up(d, v))
		sb_rec_sum_put(buf, size, &len, "down: ");
	int first = 1;
	for (size_t k = 0; k <= d->n && len < size; k++) {
		/* the headline first, then the other fields of a number type */
		size_t i = k == 0 ? (size_t)d->headline : k - 1;
		if ((k == 0 && d->headline < 0) || (k > 0 && (int)i == d->headline))
			continue;
		const sb_rec_field *f = &d->f[i];
		if (!sb_rec_numeric(f->type))
			continue;
		char val[40] = "-";
		if (v[i].has && f->type == SB_FIELD_NUMBER)
			sb_rec_format_number(v[i].d, f->decimals, val, sizeof(val));
		else if (v[i].has && f->type == SB_FIELD_BOOL)
			memcpy(val, v[i].i ? "yes" : "no", v[i].i ? 4 : 3);
		else if (v[i].has)
			*sb_text_int(val, v[i].i) = '\0';
		if (!first)
			sb_rec_sum_put(buf, size, &len, ", ");
		sb_rec_sum_put(buf, size, &len, f->name);
		sb_rec_sum_put(buf, size, &len, " ");
		sb_rec_sum_put(buf, size, &len, val);
		if (f->unit[0] != '\0' && v[i].has) {
			sb_rec_sum_put(buf, size, &len, " ");
			sb_rec_sum_put(buf, size, &len, f->unit);
		}
		first = 0;
	}
	if (len >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

int sb_rec_brief_keep(const sb_rec_decl *d, const sb_rec_val *v, sb_rec_brief *b)
{
	memset(b, 0, sizeof(*b));
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!sb_rec_numeric(d->f[i].type))
			continue;
		if (k == SB_REC_BRIEF_MAX)
			return SB_EINVAL;
		if (v[i].has) {
			b->has |= (uint64_t)1 << k;
			if (d->f[i].type == SB_FIELD_NUMBER)
				b->v[k].d = v[i].d;
			else
				b->v[k].i = v[i].i;
		}
		k++;
	}
	return SB_OK;
}

void sb_rec_brief_summary(const sb_rec_decl *d, const sb_rec_brief *b, char *buf, size_t size)
{
	sb_rec_val v[SB_REC_MAX_FIELDS]; /* a declaration has at most so many */
	memset(v, 0, sizeof(v));
	size_t k = 0;
	for (size_t i = 0; i < d->n && k < SB_REC_BRIEF_MAX; i++) {
		if (!sb_rec_numeric(d->f[i].type))
			continue;
		v[i].has = (b->has >> k & 1) != 0;
		if (d->f[i].type == SB_FIELD_NUMBER)
			v[i].d = b->v[k].d;
		else
			v[i].i = b->v[k].i;
		k++;
	}
	sb_rec_summary(d, v, buf, size);
}

void sb_rec_avail(const sb_rec_decl *d, const sb_rec *r, sb_avail_rec *out)
{
	const sb_rec_val *v = r->v;
	out->t = r->ts;
	out->up = d->up < 0 || sb_rec_is_up(d, v);
	out->rtt = -1;
	if (d->headline >= 0 && v[d->headline].has)
		out->rtt = d->f[d->headline].type == SB_FIELD_NUMBER ? v[d->headline].d
								     : (double)v[d->headline].i;
	if (d->loss >= 0 && v[d->loss].has)
		out->loss = v[d->loss].d;
	else
		out->loss = out->up ? 0 : 100;
}

/* ---- the set ---- */

struct sb_rec_set {
	pthread_mutex_t mu;
	sb_rec_decl **v;
	size_t n;
};

sb_rec_set *sb_rec_set_new(void)
{
	sb_rec_set *s = sb_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

void sb_rec_set_free(sb_rec_set **ps)
{
	sb_rec_set *s = *ps;
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		sb_rec_decl_unref(s->v[i]);
	free(s->v);
	pthread_mutex_destroy(&s->mu);
	free(s);
	*ps = NULL;
}

void sb_rec_set_add(sb_rec_set *s, sb_rec_decl *d)
{
	sb_rec_decl_ref(d);
	pthread_mutex_lock(&s->mu);
	size_t i = 0;
	while (i < s->n && strcmp(s->v[i]->test, d->test) != 0)
		i++;
	sb_rec_decl *old = NULL;
	if (i < s->n) {
		old = s->v[i];
	} else {
		s->v = sb_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		s->n++;
	}
	s->v[i] = d;
	pthread_mutex_unlock(&s->mu);
	sb_rec_decl_unref(old);
}

static sb_rec_decl *sb_rec_set_lookup(sb_rec_set *s, const char *name, int by_tag)
{
	if (strcmp(name, SB_REC_NAMES) == 0)
		return sb_rec_names_decl();
	sb_rec_decl *found = NULL;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n && found == NULL; i++)
		if (strcmp(by_tag ? s->v[i]->tag : s->v[i]->test, name) == 0)
			found = sb_rec_decl_ref(s->v[i]);
	pthread_mutex_unlock(&s->mu);
	return found;
}

sb_rec_decl *sb_rec_set_find(sb_rec_set *s, const char *test)
{
	return s != NULL && test != NULL ? sb_rec_set_lookup(s, test, 0) : NULL;
}

sb_rec_decl *sb_rec_set_find_tag(sb_rec_set *s, const char *tag)
{
	return s != NULL && tag != NULL ? sb_rec_set_lookup(s, tag, 1) : NULL;
}

static int sb_rec_cmp_test(const void *a, const void *b)
{
	return strcmp((*(sb_rec_decl *const *)a)->test, (*(sb_rec_decl *const *)b)->test);
}

size_t sb_rec_set_list(sb_rec_set *s, sb_rec_decl ***out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	pthread_mutex_lock(&s->mu);
	size_t n = s->n;
	sb_rec_decl **v = sb_xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = sb_rec_decl_ref(s->v[i]);
	pthread_mutex_unlock(&s->mu);
	if (n > 1)
		qsort(v, n, sizeof(*v), sb_rec_cmp_test);
	*out = v;
	return n;
}

void sb_rec_list_free(sb_rec_decl **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_rec_decl_unref(v[i]);
	free(v);
}

/* ---- the names of a monitor's links ---- */

static const sb_probe_field sb_rec_names_fields[] = {
	{.name = "name", .type = SB_FIELD_STRING, .help = "the link's name"},
	{.name = "ip", .type = SB_FIELD_STRING, .optional = 1, .help = "the link's address"},
	{.name = "monitor_name",
	 .type = SB_FIELD_STRING,
	 .optional = 1,
	 .help = "the monitor's name"},
	{.name = NULL},
};

static pthread_once_t sb_rec_names_once = PTHREAD_ONCE_INIT;
static sb_rec_decl *sb_rec_names;

static void sb_rec_names_make(void)
{
	const sb_probe_record rec = {.fields = sb_rec_names_fields};
	sb_err err = {0};
	if (sb_rec_decl_new(SB_REC_NAMES, &rec, &sb_rec_names, &err) != SB_OK)
		abort(); /* a constant declaration: checked by the unit test */
}

sb_rec_decl *sb_rec_names_decl(void)
{
	pthread_once(&sb_rec_names_once, sb_rec_names_make);
	return sb_rec_decl_ref(sb_rec_names);
}
