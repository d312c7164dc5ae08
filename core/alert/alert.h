/* alert.h - the alerts (docs/alerts.md): the rules of alerts.conf evaluated, each change of state
 * (firing, resolved) kept in ALERT_HISTORY and sent by mail and webhook through a durable outbox.
 *
 * What lives in the data folder, under data/alerts/:
 *   state      the alerts firing now: rule, subject, since, value, message (tab separated)
 *   outbox/    one file per change not yet stored and sent on every channel; each evaluation
 *              retries what is left, so a refused delivery is sent later, never lost nor doubled
 *   sent       the time of each message sent in the last hour, per channel (the rate limit)
 *   lock       held while one process evaluates
 * Everything is written atomically. Nothing here blocks collection or probes: `run` evaluates once
 * it has stored the night, and the daemons evaluate on a thread of their own. */
#ifndef SB_ALERT_ALERT_H
#define SB_ALERT_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "alert/rules.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "plugin/module.h"

/* The rules file of s: ALERTS_FILE, relative to the root (caller frees). */
char *sb_alert_rules_path(const sb_settings *s);

typedef struct sb_alert_opts {
	sb_date day;     /* the day the day-based rules look at; .year == 0: yesterday */
	int64_t now;     /* 0: the clock */
	int deliver;     /* 1: send what the outbox holds after the evaluation */
	const char *who; /* the log's speaker: "alerts", "run", "serve", "monitor" */
} sb_alert_opts;

/* What one evaluation did. */
typedef struct sb_alert_report {
	size_t rules;        /* enabled rules evaluated */
	size_t failed_rules; /* rules that could not be evaluated (their alerts kept as they were) */
	size_t firing;       /* alerts firing after it */
	size_t fired, resolved;
	size_t sent;    /* messages sent */
	size_t waiting; /* changes left in the outbox (a channel refused, or the rate limit) */
} sb_alert_report;

/* Evaluates every enabled rule, records the changes (state, outbox), and, when o->deliver, stores
 * and sends what the outbox holds. mods gives the layers and the probe tests. SB_OK even when
 * some rules or deliveries failed (each is logged and counted in rep); an error (err set) only
 * when the data folder cannot be written or another process holds data/alerts/lock past 30 s.
 * Thread-safe across calls (the lock). */
int sb_alert_check(const sb_settings *s, const sb_modules *mods, const sb_alert_rules *rules,
		   const sb_alert_opts *o, sb_alert_report *rep, sb_err *err);

/* Calls fn with each alert firing now (data/alerts/state), in rule then subject order. */
typedef struct sb_alert_firing {
	const char *rule, *subject, *message;
	int64_t since;
	int has_value;
	double value;
} sb_alert_firing;
int sb_alert_firing_each(const sb_settings *s, int (*fn)(void *ctx, const sb_alert_firing *a),
			 void *ctx, sb_err *err);

/* Sends one test message on every channel of rules' [deliver] now, without the outbox.
 * Returns SB_OK when each channel took it; else the first failure (each logged). */
int sb_alert_send_test(const sb_settings *s, const sb_alert_rules *rules, sb_err *err);

/* ---- the daemons: rules reloaded on change or on request, evaluated every ALERT_INTERVAL ---- */

typedef struct sb_alert_watch sb_alert_watch;

/* Starts a thread that evaluates the rules every ALERT_INTERVAL seconds (and delivers), reading
 * the file again when it changed or after sb_alert_watch_reload; a file that does not validate
 * is logged with its line and the previous rules keep running. s and mods must outlive it.
 * Returns SB_OK and *out; without a rules file the thread waits for one. */
int sb_alert_watch_start(const sb_settings *s, const sb_modules *mods, const char *who,
			 sb_alert_watch **out, sb_err *err);

/* Asks the thread to read the file again and evaluate now (from a SIGHUP). Async-signal-safe. */
void sb_alert_watch_reload(sb_alert_watch *w);

/* Stops the thread (an evaluation under way ends first) and frees it; sets *w to NULL. */
void sb_alert_watch_stop(sb_alert_watch **w);

#endif
