/* serve_alerts.c - GET /api/alerts: the changes of the alerts' state kept in ALERT_HISTORY
 * (docs/alerts.md), filtered, and the alerts whose last change is a firing one; an account sees
 * those about a monitor (kinds probe and silent) only if it sees that monitor. */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/keyset.h"
#include "base/period.h"
#include "base/timeutil.h"
#include "serve/serve_impl.h"
#include "store/alerthist.h"

/* Whether the account may see a monitor, as its Monitors page decides (one nobody registered
 * here is everyone's, as its results are). */
typedef struct sb_alerts_seen {
	int64_t monitor;
	int visible;
} sb_alerts_seen;

/* The filters of a request, and what was found. */
typedef struct sb_alerts_q {
	sb_req *r;
	sb_alerts_seen *seen; /* the monitors looked up so far */
	size_t nseen, capseen;
	const char *state, *severity, *rule, *kind, *q;
	int64_t from_ms, to_ms;
	sb_json *j;
	size_t n, max;
	/* the last change of each alert seen (newest first): only the first of a key counts */
	sb_keyset keys; /* of the int64_t keys */
	size_t firing;
} sb_alerts_q;

static void sb_alerts_event_json(sb_json *j, const sb_alert_event *e)
{
	char date[11], hms[16];
	sb_time_local(e->ts / 1000, date, hms);
	sb_json_obj(j);
	sb_alert_event_json(j, e);
	sb_json_kint(j, "ts", e->ts / 1000);
	sb_json_kstr(j, "date", date);
	sb_json_kstr(j, "time", hms);
	sb_json_obj_end(j);
}

/* 0 for a change about a monitor the account may not see: it does not know that monitor exists. */
static int sb_alerts_visible(sb_alerts_q *q, const sb_alert_event *e)
{
	int64_t monitor = sb_alert_monitor_of(e);
	if (monitor < 0)
		return 1;
	for (size_t i = 0; i < q->nseen; i++)
		if (q->seen[i].monitor == monitor)
			return q->seen[i].visible;
	sb_err err = {0};
	sb_access a = SB_ACCESS_NONE;
	int rc = sb_servedb_monitor_access(q->r->srv->db, monitor, q->r->sess.user, q->r->sess.role,
					   &a, &err);
	if (rc != SB_OK && rc != SB_ENOTFOUND)
		sb_log(SB_LOG_ERROR, "serve", "monitor %" PRId64 ": %s", monitor, err.msg);
	sb_grow(&q->seen, &q->capseen, q->nseen, sizeof(*q->seen));
	q->seen[q->nseen] = (sb_alerts_seen){monitor, rc == SB_ENOTFOUND || a != SB_ACCESS_NONE};
	return q->seen[q->nseen++].visible;
}

static int sb_alerts_match(const sb_alerts_q *q, const sb_alert_event *e)
{
	if (q->state != NULL && strcmp(q->state, e->state) != 0)
		return 0;
	if (q->severity != NULL && strcmp(q->severity, e->severity) != 0)
		return 0;
	if (q->rule != NULL && strcmp(q->rule, e->rule) != 0)
		return 0;
	if (q->kind != NULL && strcmp(q->kind, e->kind) != 0)
		return 0;
	return q->q == NULL || strcasestr(e->subject, q->q) != NULL ||
	       strcasestr(e->message, q->q) != NULL || strcasestr(e->rule, q->q) != NULL;
}

/* The changes of the range, newest first. */
static int sb_alerts_row(void *ctx, const sb_alert_event *e)
{
	sb_alerts_q *q = ctx;
	if (e->ts < q->from_ms || e->ts >= q->to_ms || !sb_alerts_match(q, e) ||
	    !sb_alerts_visible(q, e))
		return SB_OK;
	if (q->n++ < q->max)
		sb_alerts_event_json(q->j, e);
	return SB_OK;
}

/* Adds key to the alerts seen; 0 when it was there already. A set, not a list: the history of
 * all time is read at every request, thousands of alerts long. */
static int sb_alerts_seen_key(sb_alerts_q *q, int64_t key)
{
	int added;
	sb_keyset_put(&q->keys, &key, sizeof(key), &added);
	return added;
}

/* The alerts firing now: those whose newest change (of all time) fired. */
static int sb_alerts_firing(void *ctx, const sb_alert_event *e)
{
	sb_alerts_q *q = ctx;
	int64_t key = sb_alert_key(e->rule, e->subject);
	if (!sb_alerts_seen_key(q, key))
		return SB_OK;
	if (strcmp(e->state, "firing") == 0 && sb_alerts_visible(q, e)) {
		q->firing++;
		sb_alerts_event_json(q->j, e);
	}
	return SB_OK;
}

void sb_api_alerts(sb_req *r)
{
	sb_date to, from;
	if (sb_req_date(r, "to", sb_date_today(), &to) != SB_OK ||
	    sb_req_date(r, "from", sb_date_add(to, -29), &from) != SB_OK)
		return;
	if (sb_period_days(from, to) <= 0) {
		sb_reply_error(r, 400, "from is after to");
		return;
	}
	sb_alerts_q q = {.r = r,
			 .state = sb_req_arg(r, "state"),
			 .severity = sb_req_arg(r, "severity"),
			 .rule = sb_req_arg(r, "rule"),
			 .kind = sb_req_arg(r, "kind"),
			 .q = sb_req_arg(r, "q"),
			 .max = 5000};
	if (q.state != NULL && *q.state == '\0')
		q.state = NULL;
	if (q.severity != NULL && *q.severity == '\0')
		q.severity = NULL;
	if (q.rule != NULL && *q.rule == '\0')
		q.rule = NULL;
	if (q.kind != NULL && *q.kind == '\0')
		q.kind = NULL;
	if (q.q != NULL && *q.q == '\0')
		q.q = NULL;
	if (q.state != NULL && strcmp(q.state, "firing") != 0 && strcmp(q.state, "resolved") != 0) {
		sb_reply_error(r, 400, "state: firing or resolved");
		return;
	}
	int64_t t0, t1, u0, u1;
	sb_date_bounds(from, &t0, &u0);
	sb_date_bounds(to, &u1, &t1);
	q.from_ms = t0 * 1000;
	q.to_ms = t1 * 1000;
	sb_err err = {0};
	sb_store *st = sb_srv_store(r->srv, &err);
	if (st == NULL) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json j;
	sb_json_init(&j, 0);
	q.j = &j;
	sb_json_obj(&j);
	char fs[11], ts[11];
	sb_date_format(from, fs);
	sb_date_format(to, ts);
	sb_json_kstr(&j, "from", fs);
	sb_json_kstr(&j, "to", ts);
	sb_json_key(&j, "firing");
	sb_json_arr(&j);
	int rc = sb_alert_history_query(st, 0, INT64_MAX, sb_alerts_firing, &q, &err);
	sb_json_arr_end(&j);
	sb_json_key(&j, "changes");
	sb_json_arr(&j);
	if (rc == SB_OK)
		rc = sb_alert_history_query(st, q.from_ms, q.to_ms, sb_alerts_row, &q, &err);
	sb_json_arr_end(&j);
	sb_json_kint(&j, "total", (int64_t)q.n);
	sb_json_kbool(&j, "truncated", q.n > q.max);
	sb_json_obj_end(&j);
	sb_srv_store_put(r->srv, st);
	sb_keyset_free(&q.keys);
	free(q.seen);
	if (rc != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_reply_json(r, 200, &j);
}
