/* alertstate.c - data/alerts/state read and written; the outbox's file names. */
#include "config.h"

#include "format/alertstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "format/tsv.h"

#define SB_ALERT_STATE_MAX (64u * 1024u * 1024u)
#define SB_ALERT_STATE_FIELDS 8

char *sb_alert_file(const char *data_dir, const char *name)
{
	char *dir = sb_fs_join(data_dir, "alerts");
	char *p = sb_fs_join(dir, name);
	free(dir);
	return p;
}

sb_alert_state *sb_alert_states_add(sb_alert_states *st)
{
	sb_grow(&st->v, &st->cap, st->n, sizeof(*st->v));
	sb_alert_state *a = &st->v[st->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

void sb_alert_states_free(sb_alert_states *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i].rule);
		free(st->v[i].subject);
		free(st->v[i].kind);
		free(st->v[i].severity);
		free(st->v[i].message);
	}
	free(st->v);
	memset(st, 0, sizeof(*st));
}

static int sb_alert_state_cmp(const void *x, const void *y)
{
	const sb_alert_state *a = x, *b = y;
	int c = strcmp(a->rule, b->rule);
	return c != 0 ? c : strcmp(a->subject, b->subject);
}

void sb_alert_states_sort(sb_alert_states *st)
{
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), sb_alert_state_cmp);
}

int sb_alert_state_read(const char *data_dir, const char *who, sb_alert_states *st, sb_err *err)
{
	char *path = sb_alert_file(data_dir, "state");
	if (!sb_fs_is_file(path)) {
		free(path);
		return SB_OK;
	}
	sb_tsv t;
	int rc = sb_tsv_open(&t, path, SB_ALERT_STATE_MAX, "alerts' state", err);
	if (rc != SB_OK) {
		free(path);
		return rc;
	}
	char *f[SB_ALERT_STATE_FIELDS];
	int nf;
	while ((nf = sb_tsv_next(&t, f, SB_ALERT_STATE_FIELDS)) != 0) {
		int64_t since = 0;
		int hv = 0;
		double v = 0;
		if (nf == SB_ALERT_STATE_FIELDS && sb_parse_int64(f[4], &since) == SB_OK &&
		    sb_parse_bool(f[5], &hv) == SB_OK && sb_parse_double(f[6], &v) == SB_OK) {
			sb_alert_state *a = sb_alert_states_add(st);
			a->rule = sb_xstrdup(f[0]);
			a->subject = sb_xstrdup(f[1]);
			a->kind = sb_xstrdup(f[2]);
			a->severity = sb_xstrdup(f[3]);
			a->since = since;
			a->has_value = hv;
			a->value = v;
			a->message = sb_xstrdup(f[7]);
		} else if (nf < 0 || f[0][0] != '#') {
			sb_log(SB_LOG_WARNING, who,
			       "%s:%u: expected rule, subject, kind, severity, since, has value, "
			       "value and message separated by tabs: dropped",
			       path, t.line);
		}
		if (nf < 0)
			break;
	}
	sb_tsv_close(&t);
	free(path);
	return SB_OK;
}

/* Tabs and line breaks of a field become spaces (the file is tab separated lines). */
static char *sb_alert_field(const char *s)
{
	char *c = sb_xstrdup(s != NULL ? s : "");
	for (char *p = c; *p != '\0'; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	return c;
}

int sb_alert_state_write(const char *data_dir, sb_alert_states *st, sb_err *err)
{
	sb_alert_states_sort(st);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return sb_err_set(err, SB_ENOMEM, "out of memory");
	fputs("# rule\tsubject\tkind\tseverity\tsince\thas value\tvalue\tmessage\n", f);
	for (size_t i = 0; i < st->n; i++) {
		const sb_alert_state *a = &st->v[i];
		char *rule = sb_alert_field(a->rule), *subj = sb_alert_field(a->subject),
		     *kind = sb_alert_field(a->kind), *sev = sb_alert_field(a->severity),
		     *msg = sb_alert_field(a->message);
		fprintf(f, "%s\t%s\t%s\t%s\t%lld\t%s\t%.17g\t%s\n", rule, subj, kind, sev,
			(long long)a->since, a->has_value ? "yes" : "no", a->value, msg);
		free(rule);
		free(subj);
		free(kind);
		free(sev);
		free(msg);
	}
	if (fclose(f) != 0) {
		free(text);
		return sb_err_set(err, SB_ENOMEM, "out of memory");
	}
	char *path = sb_alert_file(data_dir, "state");
	int rc = sb_fs_mkdirs_for(path) == SB_OK
			 ? sb_fs_write_atomic(path, text, len, err)
			 : sb_err_set(err, SB_EIO, "cannot create the folder of %s", path);
	free(path);
	free(text);
	return rc;
}

void sb_alert_outbox_name(char *buf, size_t size, int64_t ts, unsigned seq)
{
	snprintf(buf, size, "%015lld-%06u.alert", (long long)ts, seq);
}

int sb_alert_outbox_is_change(const char *name)
{
	size_t n = strlen(name);
	return n > 6 && strcmp(name + n - 6, ".alert") == 0;
}

size_t sb_alert_outbox_count(const char *data_dir)
{
	char *dir = sb_alert_file(data_dir, "outbox");
	size_t n = 0;
	char **names = sb_fs_list(dir, sb_alert_outbox_is_change, &n);
	sb_fs_list_free(names, n);
	free(dir);
	return n;
}
