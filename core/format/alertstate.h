/* alertstate.h - the alerts' files in <data_dir>/alerts/ (docs/alerts.md): `state`, the alerts
 * firing now, written by each evaluation of the rules (alert/) and read by it and by the
 * dashboard's /metrics; and the names of the changes waiting in `outbox/`.
 *
 * state: a comment line, then one tab-separated line per alert firing: rule, subject, kind,
 * severity, since (unix seconds), has value (yes/no), value, message. Tabs and line breaks inside
 * a field are written as spaces. The file is rewritten whole and renamed into place (atomic) by
 * the process holding data/alerts/lock. */
#ifndef SB_FORMAT_ALERTSTATE_H
#define SB_FORMAT_ALERTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"

/* One alert firing. */
typedef struct sb_alert_state {
	char *rule, *subject, *kind, *severity, *message;
	int64_t since;
	int has_value;
	double value;
	int seen; /* the evaluation's: found again this time (not in the file) */
} sb_alert_state;

typedef struct sb_alert_states {
	sb_alert_state *v;
	size_t n, cap;
} sb_alert_states;

/* <data_dir>/alerts/<name> (caller frees). */
char *sb_alert_file(const char *data_dir, const char *name);

/* Reads <data_dir>/alerts/state into st (appended); a missing file is no alert. A line that is
 * not an alert's state is logged as `who` with file:line and dropped (the next evaluation
 * rewrites the file without it). An error (err set) only when the file cannot be read. */
int sb_alert_state_read(const char *data_dir, const char *who, sb_alert_states *st, sb_err *err);

/* Sorts st by rule then subject and writes it to <data_dir>/alerts/state, atomically. */
int sb_alert_state_write(const char *data_dir, sb_alert_states *st, sb_err *err);

/* A new zeroed entry at the end of st. */
sb_alert_state *sb_alert_states_add(sb_alert_states *st);

/* Frees every entry's strings and the array; st is empty after. */
void sb_alert_states_free(sb_alert_states *st);

/* Sorts st by rule, then subject. */
void sb_alert_states_sort(sb_alert_states *st);

/* The name of a change in the outbox: "<ts, 15 digits>-<seq, 6 digits>.alert" into buf (at least
 * 32 bytes); and whether a file name is one. */
void sb_alert_outbox_name(char *buf, size_t size, int64_t ts, unsigned seq);
int sb_alert_outbox_is_change(const char *name);

/* The changes waiting in <data_dir>/alerts/outbox (0 when there is no such folder). */
size_t sb_alert_outbox_count(const char *data_dir);

#endif
