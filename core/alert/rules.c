/* rules.c - alerts.conf read line by line: sections, keys checked against a table, file:line in
 * every refusal. */
#include "config.h"

#include "alert/rules.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alert/alert_impl.h"
#include "base/fsutil.h"

#define SB_ALERT_FILE_MAX (1024u * 1024u)
#define SB_ALERT_MAX_RULES 4096
#define SB_ALERT_MAX_VALUE 1024

typedef enum { SB_AK_STR, SB_AK_NUM, SB_AK_INT, SB_AK_CHOICE } sb_alert_key_type;

/* A key a rule may hold: where it goes, its default and what it accepts. */
typedef struct sb_alert_keydef {
	const char *name;
	sb_alert_key_type type;
	size_t off;
	const char *def;
	double min, max;     /* SB_AK_NUM, SB_AK_INT */
	const char *choices; /* SB_AK_CHOICE: space separated */
} sb_alert_keydef;

#define SB_R(f) offsetof(sb_alert_rule, f)

/* Every key of a rule; which a kind takes is its row of sb_alert_kinds[] (kinds.c). */
static const sb_alert_keydef sb_alert_keys[] = {
	{"severity", SB_AK_CHOICE, SB_R(severity), "warning", 0, 0, "warning critical"},
	{"layer", SB_AK_STR, SB_R(layer), "*", 0, 0, NULL},
	{"type", SB_AK_STR, SB_R(type), "*", 0, 0, NULL},
	{"interface", SB_AK_STR, SB_R(iface), "*", 0, 0, NULL},
	{"stat", SB_AK_CHOICE, SB_R(stat), "peak", 0, 0, "peak p95"},
	{"over", SB_AK_NUM, SB_R(over), "0", 0, 1e6, NULL},
	{"days", SB_AK_INT, SB_R(days), "1", 1, 3660, NULL},
	{"samples", SB_AK_INT, SB_R(samples), "276", 1, 100000, NULL},
	{"test", SB_AK_STR, SB_R(test), "ping", 0, 0, NULL},
	{"on", SB_AK_CHOICE, SB_R(on), "down", 0, 0, "down loss rtt"},
	{"minutes", SB_AK_INT, SB_R(minutes), "15", 1, 525600, NULL},
	{"monitor", SB_AK_INT, SB_R(monitor), "-1", -1, 9e15, NULL},
	{"link", SB_AK_INT, SB_R(link), "-1", -1, 9e15, NULL},
	{"hours", SB_AK_NUM, SB_R(hours), "26", 0.01, 87600, NULL},
};

static const sb_alert_keydef *sb_alert_key_find(const char *name)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_alert_keys); i++)
		if (strcmp(sb_alert_keys[i].name, name) == 0)
			return &sb_alert_keys[i];
	return NULL;
}

/* 1 when word is one of the space separated words of list. */
static int sb_alert_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = sp != NULL ? sp + 1 : NULL;
	}
	return 0;
}

static void sb_alert_rule_free(sb_alert_rule *r)
{
	free(r->name);
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_alert_keys); i++) {
		const sb_alert_keydef *k = &sb_alert_keys[i];
		if (k->type == SB_AK_STR || k->type == SB_AK_CHOICE) {
			char **p = (char **)((char *)r + k->off);
			free(*p);
			*p = NULL;
		}
	}
}

/* Stores text as the value of k in r; SB_OK or SB_EINVAL with what was expected, and what was
 * found (its first 40 bytes), in why. */
static int sb_alert_key_set(sb_alert_rule *r, const sb_alert_keydef *k, const char *text, char *why,
			    size_t whysize)
{
	void *at = (char *)r + k->off;
	switch (k->type) {
	case SB_AK_STR:
	case SB_AK_CHOICE:
		if (k->type == SB_AK_CHOICE && !sb_alert_word_in(k->choices, text)) {
			snprintf(why, whysize, "expected one of: %s; got \"%.40s\"", k->choices,
				 text);
			return SB_EINVAL;
		}
		if (*text == '\0') {
			snprintf(why, whysize, "expected a value");
			return SB_EINVAL;
		}
		free(*(char **)at);
		*(char **)at = sb_xstrdup(text);
		return SB_OK;
	case SB_AK_NUM: {
		double v = 0;
		if (sb_parse_double(text, &v) != SB_OK || !isfinite(v) || v < k->min ||
		    v > k->max) {
			snprintf(why, whysize,
				 "expected a number from %.15g to %.15g, got \"%.40s\"", k->min,
				 k->max, text);
			return SB_EINVAL;
		}
		*(double *)at = v;
		return SB_OK;
	}
	case SB_AK_INT: {
		int64_t v = 0;
		if (sb_parse_int64(text, &v) != SB_OK || v < k->min || v > k->max) {
			snprintf(why, whysize,
				 "expected a whole number from %.0f to %.0f, got \"%.40s\"", k->min,
				 k->max, text);
			return SB_EINVAL;
		}
		*(long *)at = (long)v;
		return SB_OK;
	}
	}
	return SB_EINVAL;
}

static void sb_alert_rule_defaults(sb_alert_rule *r)
{
	char why[128];
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_alert_keys); i++)
		sb_alert_key_set(r, &sb_alert_keys[i], sb_alert_keys[i].def, why, sizeof(why));
	r->enabled = 1;
}

/* The parse position and what is being built. */
typedef struct sb_alert_in {
	const char *path;
	unsigned line;
	sb_alert_rules *out;
	int section; /* 0 none yet, 1 deliver, 2 rule */
	int have_deliver;
	unsigned char *seen; /* per key of sb_alert_keys, within the current rule */
	int seen_deliver[4];
	sb_err *err;
} sb_alert_in;

static int sb_alert_fail(sb_alert_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sb_alert_fail(sb_alert_in *in, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sb_err_set(in->err, SB_EINVAL, "%s:%u: %s", in->path, in->line, msg);
}

/* The last rule's checks once its section ends: a kind, and the keys its kind requires. */
static int sb_alert_rule_end(sb_alert_in *in)
{
	if (in->section != 2)
		return SB_OK;
	sb_alert_rule *r = &in->out->v[in->out->n - 1];
	unsigned at = in->line;
	in->line = r->line;
	int rc = SB_OK;
	if (r->kind == NULL) {
		char kinds[256];
		sb_alert_kind_names(kinds, sizeof(kinds));
		rc = sb_alert_fail(in, "rule %s: kind: missing (one of %s)", r->name, kinds);
	}
	for (const char *p = r->kind != NULL ? r->kind->required : NULL;
	     rc == SB_OK && p != NULL && *p != '\0';) {
		const char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		const sb_alert_keydef *k = sb_alert_key_find(name);
		if (k != NULL && !in->seen[k - sb_alert_keys])
			rc = sb_alert_fail(in, "rule %s: %s: missing (a %s rule needs it)", r->name,
					   name, r->kind->name);
		p = sp != NULL ? sp + 1 : NULL;
	}
	in->line = at;
	return rc;
}

static int sb_alert_rule_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

static int sb_alert_section(sb_alert_in *in, char *head)
{
	int rc = sb_alert_rule_end(in);
	if (rc != SB_OK)
		return rc;
	if (strcmp(head, "deliver") == 0) {
		if (in->have_deliver)
			return sb_alert_fail(in, "[deliver]: the section appears twice");
		in->have_deliver = 1;
		in->section = 1;
		return SB_OK;
	}
	if (strncmp(head, "rule", 4) != 0 || !isspace((unsigned char)head[4]))
		return sb_alert_fail(in,
				     "[%s]: unknown section (expected [deliver] or [rule NAME])",
				     head);
	char *name = head + 4;
	while (isspace((unsigned char)*name))
		name++;
	if (!sb_alert_rule_name_ok(name))
		return sb_alert_fail(in,
				     "[rule %s]: a rule's name is 1 to 64 letters, digits, _, - "
				     "or .",
				     name);
	const sb_alert_rule *dup = sb_alert_rules_find(in->out, name);
	if (dup != NULL) {
		char line[16];
		snprintf(line, sizeof(line), "%u", dup->line);
		return sb_alert_fail(in, "[rule %s]: the name is also the rule of line %s", name,
				     line);
	}
	if (in->out->n >= SB_ALERT_MAX_RULES)
		return sb_alert_fail(in, "too many rules (at most 4096)");
	in->out->v = sb_xrealloc(in->out->v, (in->out->n + 1) * sizeof(*in->out->v));
	sb_alert_rule *r = &in->out->v[in->out->n++];
	memset(r, 0, sizeof(*r));
	sb_alert_rule_defaults(r);
	r->name = sb_xstrdup(name);
	r->line = in->line;
	memset(in->seen, 0, SB_ARRAY_SIZE(sb_alert_keys));
	in->section = 2;
	return SB_OK;
}

/* "a, b ,c" into a list of trimmed words (empty ones refused). */
static int sb_alert_list(const char *text, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 0)
			return SB_EINVAL;
		*out = sb_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = sb_xstrndup(p, len);
		if (comma == NULL)
			return SB_OK;
		p = comma + 1;
	}
}

/* A mail address as SMTP takes it: local@domain, printable, no blanks nor angle brackets. */
static int sb_alert_address_ok(const char *a)
{
	const char *at = strchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = a; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == 0x7f)
			return 0;
	return 1;
}

static int sb_alert_deliver_key(sb_alert_in *in, const char *key, const char *value)
{
	static const char *const names[] = {"mail", "webhook", "rate_limit", "digest"};
	size_t k = 0;
	while (k < SB_ARRAY_SIZE(names) && strcmp(names[k], key) != 0)
		k++;
	if (k == SB_ARRAY_SIZE(names))
		return sb_alert_fail(in,
				     "[deliver]: %s: unknown key (expected mail, webhook, "
				     "rate_limit, digest)",
				     key);
	if (in->seen_deliver[k]++)
		return sb_alert_fail(in, "[deliver]: %s: the key appears twice", key);
	sb_alert_rules *o = in->out;
	switch (k) {
	case 0:
		if (sb_alert_list(value, &o->mail, &o->nmail) != SB_OK)
			return sb_alert_fail(
				in, "[deliver]: mail: expected addresses separated by commas");
		for (size_t i = 0; i < o->nmail; i++)
			if (!sb_alert_address_ok(o->mail[i]))
				return sb_alert_fail(in,
						     "[deliver]: mail: \"%s\": expected an address "
						     "such as noc@example.net",
						     o->mail[i]);
		return SB_OK;
	case 1:
		if ((strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) ||
		    strpbrk(value, " \t") != NULL)
			return sb_alert_fail(
				in, "[deliver]: webhook: expected an http:// or https:// URL");
		o->webhook = sb_xstrdup(value);
		return SB_OK;
	case 2: {
		long v = 0;
		if (sb_parse_long(value, &v) != SB_OK || v < 1 || v > 100000)
			return sb_alert_fail(
				in, "[deliver]: rate_limit: expected a whole number from 1 "
				    "to 100000 (messages per channel and hour)");
		o->rate_limit = v;
		return SB_OK;
	}
	default:
		if (sb_parse_bool(value, &o->digest) != SB_OK)
			return sb_alert_fail(in, "[deliver]: digest: expected yes or no");
		return SB_OK;
	}
}

static int sb_alert_rule_key(sb_alert_in *in, const char *key, const char *value)
{
	sb_alert_rule *r = &in->out->v[in->out->n - 1];
	if (strcmp(key, "kind") == 0) {
		if (r->kind != NULL)
			return sb_alert_fail(in, "rule %s: kind: the key appears twice", r->name);
		r->kind = sb_alert_kind_find(value);
		if (r->kind == NULL) {
			char kinds[256];
			sb_alert_kind_names(kinds, sizeof(kinds));
			return sb_alert_fail(in, "rule %s: kind: unknown kind \"%s\" (expected %s)",
					     r->name, value, kinds);
		}
		return SB_OK;
	}
	if (strcmp(key, "enabled") == 0) {
		if (sb_parse_bool(value, &r->enabled) != SB_OK)
			return sb_alert_fail(in, "rule %s: enabled: expected yes or no", r->name);
		return SB_OK;
	}
	if (r->kind == NULL)
		return sb_alert_fail(in, "rule %s: %s: the kind comes first in a rule", r->name,
				     key);
	const sb_alert_keydef *k = sb_alert_key_find(key);
	if (k == NULL || (strcmp(key, "severity") != 0 && !sb_alert_word_in(r->kind->keys, key))) {
		char takes[200];
		snprintf(takes, sizeof(takes), "%s rule takes kind, severity, enabled%s%s",
			 r->kind->name, *r->kind->keys ? " and " : "", r->kind->keys);
		return sb_alert_fail(in, "rule %s: %s: unknown key (a %s)", r->name, key, takes);
	}
	if (in->seen[k - sb_alert_keys]++)
		return sb_alert_fail(in, "rule %s: %s: the key appears twice", r->name, key);
	char why[256];
	if (sb_alert_key_set(r, k, value, why, sizeof(why)) != SB_OK)
		return sb_alert_fail(in, "rule %s: %s: %s", r->name, key, why);
	return SB_OK;
}

static int sb_alert_line(sb_alert_in *in, char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	if (n == 0 || *s == '#' || *s == ';')
		return SB_OK;
	if (*s == '[') {
		if (s[n - 1] != ']')
			return sb_alert_fail(in, "expected a section header such as [rule NAME]");
		s[n - 1] = '\0';
		char *head = s + 1;
		while (isspace((unsigned char)*head))
			head++;
		size_t hn = strlen(head);
		while (hn > 0 && isspace((unsigned char)head[hn - 1]))
			head[--hn] = '\0';
		return sb_alert_section(in, head);
	}
	char *eq = strchr(s, '=');
	if (eq == NULL)
		return sb_alert_fail(in, "expected key = value, a [section] or a # comment");
	char *key = s, *value = eq + 1;
	char *ke = eq;
	while (ke > key && isspace((unsigned char)ke[-1]))
		ke--;
	*ke = '\0';
	while (isspace((unsigned char)*value))
		value++;
	if (*key == '\0')
		return sb_alert_fail(in, "expected a key before =");
	if (strlen(value) > SB_ALERT_MAX_VALUE)
		return sb_alert_fail(in, "%s: the value is over 1024 bytes", key);
	if (in->section == 0)
		return sb_alert_fail(
			in, "%s: a key outside a section (start with [deliver] or [rule NAME])",
			key);
	return in->section == 1 ? sb_alert_deliver_key(in, key, value)
				: sb_alert_rule_key(in, key, value);
}

int sb_alert_rules_parse(const char *path, const char *text, size_t len, sb_alert_rules *out,
			 sb_err *err)
{
	sb_alert_rules r = {.rate_limit = 20, .digest = 1};
	unsigned char seen[SB_ARRAY_SIZE(sb_alert_keys)];
	sb_alert_in in = {.path = path, .out = &r, .seen = seen, .err = err};
	int rc = SB_OK;
	if (memchr(text, '\0', len) != NULL) {
		in.line = 1;
		rc = sb_alert_fail(&in, "a NUL byte: not a text file");
	}
	size_t i = 0;
	while (rc == SB_OK && i < len) {
		in.line++;
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
		char *line = sb_xstrndup(text + i, n);
		rc = sb_alert_line(&in, line);
		free(line);
		i += n + 1;
	}
	if (rc == SB_OK) {
		in.line++;
		rc = sb_alert_rule_end(&in);
	}
	if (rc != SB_OK) {
		sb_alert_rules_free(&r);
		return rc;
	}
	r.path = sb_xstrdup(path);
	*out = r;
	return SB_OK;
}

int sb_alert_rules_load(const char *path, sb_alert_rules *out, sb_err *err)
{
	if (!sb_fs_is_file(path))
		return sb_err_set(err, SB_ENOTFOUND, "%s: no such file (the alert rules)", path);
	char *text = NULL;
	size_t len = 0;
	int rc = sb_fs_read(path, SB_ALERT_FILE_MAX, &text, &len, err);
	if (rc != SB_OK)
		return rc;
	rc = sb_alert_rules_parse(path, text, len, out, err);
	free(text);
	return rc;
}

void sb_alert_rules_free(sb_alert_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		sb_alert_rule_free(&r->v[i]);
	free(r->v);
	for (size_t i = 0; i < r->nmail; i++)
		free(r->mail[i]);
	free(r->mail);
	free(r->webhook);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

int sb_alert_rule_number(const sb_alert_rule *r, const char *key, double *out)
{
	const sb_alert_keydef *k = key != NULL ? sb_alert_key_find(key) : NULL;
	if (k == NULL || (k->type != SB_AK_NUM && k->type != SB_AK_INT))
		return SB_ENOTFOUND;
	const void *at = (const char *)r + k->off;
	*out = k->type == SB_AK_NUM ? *(const double *)at : (double)*(const long *)at;
	return SB_OK;
}

const sb_alert_rule *sb_alert_rules_find(const sb_alert_rules *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}
