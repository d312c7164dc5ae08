/* alerthist.h - ALERT_HISTORY: every change of an alert's state (firing, resolved), in both
 * backends, declared as a record (format/record.h) so the store keeps it as it keeps a test's:
 * monitor (always 0), link (a 63-bit hash of rule and subject: one alert's changes share it),
 * timestamp (unix milliseconds of the change; the three unique together), date, time (local), then
 * rule, kind, severity, subject, state, value (optional), threshold (optional), message.
 * Indexes unique_alert_index and alert_by_date_index (docs/alerts.md). */
#ifndef SB_STORE_ALERTHIST_H
#define SB_STORE_ALERTHIST_H

#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/sb.h"
#include "store/store.h"

/* One change. Strings are borrowed. */
typedef struct sb_alert_event {
	int64_t ts; /* unix time of the change in milliseconds (distinct for two changes of one
		     * alert, however close) */
	const char *rule, *kind, *severity, *subject;
	const char *state; /* "firing" or "resolved" */
	int has_value;
	double value;
	int has_threshold;
	double threshold;
	const char *message;
} sb_alert_event;

/* The declaration of ALERT_HISTORY: a new reference (sb_rec_decl_unref). Thread-safe. */
sb_rec_decl *sb_alert_history_decl(void);

/* The key an alert's changes share: a hash of rule and subject, 0 .. INT64_MAX. */
int64_t sb_alert_key(const char *rule, const char *subject);

/* The subjects of the alerts about a monitor's box or one of its links: "monitor 7" (kind
 * silent) and "ping monitor 7 link 12" (kind probe), written into buf (cut to its size).
 * sb_alert_monitor_of reads the monitor back from a change of those kinds
 * (-1 for any other change), so that who may see that monitor may see the alert. */
void sb_alert_silent_subject(char *buf, size_t size, int64_t monitor);
void sb_alert_probe_subject(char *buf, size_t size, const char *test, int64_t monitor,
			    int64_t link);
int64_t sb_alert_monitor_of(const sb_alert_event *e);

/* A change's fields as JSON members, inside an object the caller opened: id (sb_alert_key), state,
 * rule, kind, severity, subject, value and threshold (null when absent), message. The webhook's
 * body and /api/alerts both write them; each adds its own time fields. */
void sb_alert_event_json(sb_json *j, const sb_alert_event *e);

/* Upserts n changes (same contract as sb_store_put_records: all or nothing). A subject over 512
 * bytes or a message over 1,024 is stored cut at a character's start and ending in "…" (the
 * change keeps the key of its whole subject); the mail and the webhook carry them whole. */
int sb_alert_history_put(sb_store *st, const sb_alert_event *ev, size_t n, sb_err *err);

/* Calls fn with each change with from <= ts < to (milliseconds), newest first (strings valid during the call);
 * fn returns SB_OK to go on. A missing table has none. */
typedef int (*sb_alert_event_fn)(void *ctx, const sb_alert_event *ev);
int sb_alert_history_query(sb_store *st, int64_t from, int64_t to, sb_alert_event_fn fn, void *ctx,
			   sb_err *err);

#endif
