/* alert_impl.h - private to core/alert: the kinds of rules and what their evaluation sees. */
#ifndef SB_ALERT_ALERT_IMPL_H
#define SB_ALERT_ALERT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "alert/rules.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "format/record.h"
#include "plugin/module.h"
#include "store/alerthist.h"
#include "store/store.h"

/* What an evaluation reads. */
typedef struct sb_alert_ctx {
	const sb_settings *s;
	sb_store *store; /* NULL: the store cannot be reached (the rules that read it fail) */
	const sb_modules *mods; /* the layers (spool, p95) */
	sb_rec_set *records; /* the probe tests' declarations (may be NULL: no probe rule works) */
	sb_date day;         /* the day the day-based kinds look at (default: yesterday) */
	int64_t now;         /* unix time of the evaluation */
} sb_alert_ctx;

/* One subject a rule finds in trouble. */
typedef struct sb_alert_finding {
	char *subject; /* "BORDE/CISCO/link-1", "monitor 2, link 7", "run" */
	int has_value;
	double value;
	char *message; /* one line, no credentials */
} sb_alert_finding;

typedef struct sb_alert_findings {
	sb_alert_finding *v;
	size_t n, cap;
} sb_alert_findings;

/* Adds a finding; the message is a printf format. */
void sb_alert_found(sb_alert_findings *f, const char *subject, int has_value, double value,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sb_alert_findings_free(sb_alert_findings *f);

/* A kind of rule. ADDING A KIND: write its evaluation (a function of the signature below, in
 * kinds.c) and add a row to sb_alert_kinds[] at the end of kinds.c naming the keys it takes (keys
 * the rules file knows are listed in rules.c, sb_alert_keys[]: a new key is a row there and a
 * field of sb_alert_rule). Nothing else changes: the parser, the state, the history and the
 * delivery work from the table. */
struct sb_alert_kind {
	const char *name;
	const char *keys;      /* the keys it takes besides kind, severity, enabled: "layer type" */
	const char *required;  /* those of them it must be given */
	int nightly;           /* its findings are the nightly run's: one digest message per run */
	const char *threshold; /* the key whose value is its alerts' threshold, NULL when none */
	const char *help;      /* one line for the docs */
	/* Fills out with every subject in trouble now. An error (the store down) is returned
	 * with err set: the rule's alerts then keep their state until an evaluation succeeds. */
	int (*eval)(const sb_alert_ctx *c, const sb_alert_rule *r, sb_alert_findings *out,
		    sb_err *err);
};

extern const sb_alert_kind sb_alert_kinds[];
extern const size_t sb_alert_nkinds;

/* The kind of that name, or NULL. */
const sb_alert_kind *sb_alert_kind_find(const char *name);

/* Splits line at its tabs into at most max fields (in place); returns the count. */
size_t sb_alert_split(char *line, char **f, size_t max);

/* The names of the kinds, "use, nightly, ...", into buf. */
void sb_alert_kind_names(char *buf, size_t size);

/* The value of a number key of r ("over", "hours", ...) into out: SB_OK, or SB_ENOTFOUND. */
int sb_alert_rule_number(const sb_alert_rule *r, const char *key, double *out);

/* ---- the outbox (deliver.c) ---- */

/* Writes one change to <dir>/<ts>-<seq>.alert atomically. nightly: its kind is the nightly run's
 * (sent in one digest per batch when [deliver] digest is on); batch: the evaluation's time. */
int sb_alert_outbox_put(const char *dir, const sb_alert_event *ev, int nightly, int64_t batch,
			unsigned seq, sb_err *err);

/* Stores and sends what the outbox of s holds, oldest first, and removes each change once it is
 * stored and sent on every channel of rules. Failures are logged (by who) and left for the next
 * call; a change is dropped, with an error logged, after 7 days. Adds to *sent and *waiting. */
void sb_alert_outbox_drain(const sb_settings *s, const sb_alert_rules *rules, const char *who,
			   int64_t now, size_t *sent, size_t *waiting);

/* <data_dir>/alerts/<name> (caller frees). */
char *sb_alert_path(const sb_settings *s, const char *name);

#endif
