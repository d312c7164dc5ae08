/* alerthist.c - ALERT_HISTORY, a record kept by the store like a probe test's. */
#include "config.h"

#include "store/alerthist.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

enum {
	SB_AH_RULE,
	SB_AH_KIND,
	SB_AH_SEVERITY,
	SB_AH_SUBJECT,
	SB_AH_STATE,
	SB_AH_VALUE,
	SB_AH_THRESHOLD,
	SB_AH_MESSAGE,
	SB_AH_N
};

static const sb_probe_field sb_alert_fields[] = {
	{.name = "rule", .type = SB_FIELD_STRING, .max = 64, .help = "the rule's name"},
	{.name = "kind", .type = SB_FIELD_STRING, .max = 32, .help = "the rule's kind"},
	{.name = "severity", .type = SB_FIELD_STRING, .max = 16, .help = "warning or critical"},
	{.name = "subject",
	 .type = SB_FIELD_STRING,
	 .max = 512,
	 .help = "what is in trouble: an interface, a link, a box, the run"},
	{.name = "state", .type = SB_FIELD_STRING, .max = 16, .help = "firing or resolved"},
	{.name = "value", .type = SB_FIELD_NUMBER, .optional = 1, .help = "the value found"},
	{.name = "threshold",
	 .type = SB_FIELD_NUMBER,
	 .optional = 1,
	 .help = "the rule's threshold"},
	{.name = "message", .type = SB_FIELD_STRING, .max = 1024, .help = "one line"},
	{.name = NULL},
};

static const sb_probe_record sb_alert_record = {.fields = sb_alert_fields};

static pthread_once_t sb_alert_once = PTHREAD_ONCE_INIT;
static sb_rec_decl *sb_alert_decl;

static void sb_alert_decl_make(void)
{
	sb_err err = {0};
	if (sb_rec_decl_new("alert", &sb_alert_record, &sb_alert_decl, &err) != SB_OK)
		abort(); /* the declaration above is the code's own */
}

sb_rec_decl *sb_alert_history_decl(void)
{
	pthread_once(&sb_alert_once, sb_alert_decl_make);
	return sb_rec_decl_ref(sb_alert_decl);
}

int64_t sb_alert_key(const char *rule, const char *subject)
{
	/* FNV-1a of rule, 0x1f, subject from the basis the stored keys were made with (FNV's
	 * with its last digit left out): the keys in the stores stay what they were */
	uint64_t h = sb_fnv1a64(UINT64_C(1469598103934665603), rule, strlen(rule));
	h = sb_fnv1a64(h, "\x1f", 1);
	h = sb_fnv1a64(h, subject, strlen(subject));
	return (int64_t)(h & (uint64_t)INT64_MAX);
}

void sb_alert_silent_subject(char *buf, size_t size, int64_t monitor)
{
	snprintf(buf, size, "monitor %" PRId64, monitor);
}

void sb_alert_probe_subject(char *buf, size_t size, const char *test, int64_t monitor, int64_t link)
{
	snprintf(buf, size, "%s monitor %" PRId64 " link %" PRId64, test, monitor, link);
}

int64_t sb_alert_monitor_of(const sb_alert_event *e)
{
	const char *s = NULL;
	if (strcmp(e->kind, "silent") == 0 && strncmp(e->subject, "monitor ", 8) == 0)
		s = e->subject + 8;
	else if (strcmp(e->kind, "probe") == 0 && (s = strstr(e->subject, " monitor ")) != NULL)
		s += 9;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	char *end = NULL;
	errno = 0;
	long long id = strtoll(s, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ' '))
		return -1;
	return (int64_t)id;
}

/* s cut to at most max bytes (its field's limit) at a character's start, ending in "…"; NULL when
 * it fits as it is. The alert keeps its key (sb_alert_key of the whole subject). */
static char *sb_alert_clip(const char *s, size_t max)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	size_t len = strlen(s);
	if (len <= max || max < sizeof(ellipsis))
		return NULL;
	size_t cut = max - (sizeof(ellipsis) - 1);
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	char *c = sb_xmalloc(cut + sizeof(ellipsis));
	memcpy(c, s, cut);
	memcpy(c + cut, ellipsis, sizeof(ellipsis));
	return c;
}

void sb_alert_event_json(sb_json *j, const sb_alert_event *e)
{
	sb_json_kint(j, "id", sb_alert_key(e->rule, e->subject));
	sb_json_kstr(j, "state", e->state);
	sb_json_kstr(j, "rule", e->rule);
	sb_json_kstr(j, "kind", e->kind);
	sb_json_kstr(j, "severity", e->severity);
	sb_json_kstr(j, "subject", e->subject);
	sb_json_knum_if(j, "value", e->has_value, e->value);
	sb_json_knum_if(j, "threshold", e->has_threshold, e->threshold);
	sb_json_kstr(j, "message", e->message);
}

int sb_alert_history_put(sb_store *st, const sb_alert_event *ev, size_t n, sb_err *err)
{
	sb_rec_decl *d = sb_alert_history_decl();
	sb_rec *rows = sb_xcalloc(n ? n : 1, sizeof(*rows));
	sb_rec_val *vals = sb_xcalloc(n ? n * SB_AH_N : 1, sizeof(*vals));
	char(*keys)[2][SB_TIME_KEY_SIZE] = sb_xcalloc(n ? n : 1, sizeof(*keys));
	char **clipped = sb_xcalloc(n ? 2 * n : 1, sizeof(*clipped));
	int rc = SB_OK;
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		sb_rec_val *v = &vals[i * SB_AH_N];
		const sb_alert_event *e = &ev[i];
		v[SB_AH_RULE] = (sb_rec_val){.has = 1, .s = e->rule};
		v[SB_AH_KIND] = (sb_rec_val){.has = 1, .s = e->kind};
		v[SB_AH_SEVERITY] = (sb_rec_val){.has = 1, .s = e->severity};
		/* a subject or message longer than its field (an interface's name from an old
		 * store can be) is cut rather than refusing the whole batch of changes */
		clipped[2 * i] =
			sb_alert_clip(e->subject, (size_t)sb_alert_fields[SB_AH_SUBJECT].max);
		clipped[2 * i + 1] =
			sb_alert_clip(e->message, (size_t)sb_alert_fields[SB_AH_MESSAGE].max);
		v[SB_AH_SUBJECT] =
			(sb_rec_val){.has = 1,
				     .s = clipped[2 * i] != NULL ? clipped[2 * i] : e->subject};
		v[SB_AH_STATE] = (sb_rec_val){.has = 1, .s = e->state};
		v[SB_AH_VALUE] = (sb_rec_val){.has = e->has_value, .d = e->value};
		v[SB_AH_THRESHOLD] = (sb_rec_val){.has = e->has_threshold, .d = e->threshold};
		v[SB_AH_MESSAGE] = (sb_rec_val){.has = 1,
						.s = clipped[2 * i + 1] != NULL ? clipped[2 * i + 1]
										: e->message};
		char why[256];
		if (sb_rec_check(d, v, why, sizeof(why)) != SB_OK) {
			rc = sb_err_set(err, SB_EINVAL, "ALERT_HISTORY: %s", why);
			break;
		}
		sb_time_local(e->ts / 1000, keys[i][0], keys[i][1]);
		rows[i] = (sb_rec){.monitor = 0,
				   .link = sb_alert_key(e->rule, e->subject),
				   .ts = e->ts,
				   .date = keys[i][0],
				   .time = keys[i][1],
				   .v = v};
	}
	if (rc == SB_OK && n > 0)
		rc = sb_store_put_records(st, d, rows, n, err);
	for (size_t i = 0; i < 2 * n; i++)
		free(clipped[i]);
	free(clipped);
	free(keys);
	free(vals);
	free(rows);
	sb_rec_decl_unref(d);
	return rc;
}

/* The changes read, kept to be handed over newest first. */
typedef struct sb_alert_row {
	int64_t ts;
	char *s[6]; /* rule, kind, severity, subject, state, message */
	int has_value, has_threshold;
	double value, threshold;
} sb_alert_row;

typedef struct sb_alert_rows {
	sb_alert_row *v;
	size_t n, cap;
} sb_alert_rows;

static int sb_alert_row_take(void *ctx, const sb_rec *r)
{
	sb_alert_rows *rows = ctx;
	sb_grow(&rows->v, &rows->cap, rows->n, sizeof(*rows->v));
	sb_alert_row *x = &rows->v[rows->n++];
	static const int str[6] = {SB_AH_RULE,    SB_AH_KIND,  SB_AH_SEVERITY,
				   SB_AH_SUBJECT, SB_AH_STATE, SB_AH_MESSAGE};
	x->ts = r->ts;
	for (int k = 0; k < 6; k++)
		x->s[k] = sb_xstrdup(r->v[str[k]].has && r->v[str[k]].s != NULL ? r->v[str[k]].s
										: "");
	x->has_value = r->v[SB_AH_VALUE].has;
	x->value = r->v[SB_AH_VALUE].d;
	x->has_threshold = r->v[SB_AH_THRESHOLD].has;
	x->threshold = r->v[SB_AH_THRESHOLD].d;
	return SB_OK;
}

static int sb_alert_row_newest(const void *a, const void *b)
{
	const sb_alert_row *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	int c = strcmp(x->s[0], y->s[0]);
	return c != 0 ? c : strcmp(x->s[3], y->s[3]);
}

int sb_alert_history_query(sb_store *st, int64_t from, int64_t to, sb_alert_event_fn fn, void *ctx,
			   sb_err *err)
{
	sb_rec_decl *d = sb_alert_history_decl();
	sb_alert_rows rows = {0};
	int rc = sb_store_query_records(st, d, 0, -1, from, to, sb_alert_row_take, &rows, err);
	sb_rec_decl_unref(d);
	if (rc == SB_OK && rows.n > 1)
		qsort(rows.v, rows.n, sizeof(*rows.v), sb_alert_row_newest);
	for (size_t i = 0; i < rows.n; i++) {
		sb_alert_row *x = &rows.v[i];
		if (rc == SB_OK) {
			sb_alert_event e = {.ts = x->ts,
					    .rule = x->s[0],
					    .kind = x->s[1],
					    .severity = x->s[2],
					    .subject = x->s[3],
					    .state = x->s[4],
					    .message = x->s[5],
					    .has_value = x->has_value,
					    .value = x->value,
					    .has_threshold = x->has_threshold,
					    .threshold = x->threshold};
			rc = fn(ctx, &e);
		}
		for (int k = 0; k < 6; k++)
			free(x->s[k]);
	}
	free(rows.v);
	return rc;
}
