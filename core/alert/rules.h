/* rules.h - the alert rules file (alerts.conf, docs/alerts.md): read line by line, checked key by
 * key against the kinds of kinds.c, every refusal naming file:line.
 *
 * The file:
 *   # a comment
 *   [deliver]                         how messages leave (at most once in the file)
 *   mail = noc@example.net, ops@example.net
 *   webhook = https://hooks.example.net/scanbackup
 *   rate_limit = 20                   messages per channel and hour at most
 *   digest = yes                      the nightly run's findings in one message per channel
 *   [rule borde-alto]                 one section per rule; the name is letters, digits, _ - .
 *   kind = use                        a kind of kinds.c, first in the section
 *   layer = BORDE                     then the keys the kind takes (sb_alert_kinds[].keys)
 *   over = 90
 * Every rule also takes severity (warning or critical) and enabled (yes or no). */
#ifndef SB_ALERT_RULES_H
#define SB_ALERT_RULES_H

#include <stddef.h>

#include "base/sb.h"

typedef struct sb_alert_kind sb_alert_kind;

/* One rule. Strings are owned by the rule set; a key the rule did not set holds its default. */
typedef struct sb_alert_rule {
	char *name;
	const sb_alert_kind *kind;
	unsigned line;  /* of its [rule ...] header */
	char *severity; /* "warning" or "critical" */
	int enabled;
	char *layer, *type, *iface; /* glob patterns (fnmatch) on typeLayer, type and name */
	char *stat;                 /* use: "peak" or "p95" */
	double over;                /* the threshold: use %, loss %, RTT ms */
	long days;                  /* use: the last N days all over; forecast: within N days */
	long samples;               /* nightly: fewer samples than this is a short day */
	char *test;                 /* probe: the test (its module's name) */
	char *on;                   /* probe: "down", "loss" or "rtt" */
	long minutes;               /* probe: for N minutes; silent: no record for N minutes */
	long monitor, link;         /* probe, silent: the monitor's and link's id, -1 any */
	double hours;               /* run: no run for so long; spool: a day kept so long */
} sb_alert_rule;

typedef struct sb_alert_rules {
	char *path;
	sb_alert_rule *v;
	size_t n;
	char **mail; /* [deliver] mail: addresses */
	size_t nmail;
	char *webhook;   /* [deliver] webhook: URL, NULL when none */
	long rate_limit; /* messages per channel and hour (default 20) */
	int digest;      /* 1 (default): the nightly findings of one evaluation in one message */
} sb_alert_rules;

/* Parses text (the contents of path, named in messages). Returns SB_OK and *out (free with
 * sb_alert_rules_free), or SB_EINVAL with err like "alerts.conf:12: rule borde-alto: over:
 * expected a number from 0 to 1000000, got "ninety""; *out is untouched then. */
int sb_alert_rules_parse(const char *path, const char *text, size_t len, sb_alert_rules *out,
			 sb_err *err);

/* Reads and parses the file at path; a missing file is SB_ENOTFOUND. */
int sb_alert_rules_load(const char *path, sb_alert_rules *out, sb_err *err);

/* Frees what the set owns and zeroes it. */
void sb_alert_rules_free(sb_alert_rules *r);

/* The rule of that name, or NULL. */
const sb_alert_rule *sb_alert_rules_find(const sb_alert_rules *r, const char *name);

#endif
