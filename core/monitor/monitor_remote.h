/* monitor_remote.h - the monitor box's side of the central protocol (serve_monitors.c is the
 * other): pull monitor.json from the dashboard, push the trace lines of data/PROBES/ to it.
 *
 * Settings (the box's .env): MONITOR_CENTRAL_URL (the dashboard, "https://central:8443"),
 * MONITOR_TOKEN ("sbm_<monitor id>_<secret>", issued on the dashboard), MONITOR_SYNC_INTERVAL
 * (seconds between two rounds, default 10), MONITOR_SYNC_TIMEOUT (seconds a request may take,
 * default 120; TLS_VERIFY and CA_BUNDLE apply). Requests go through the HTTP engine (net/http.h),
 * which also decides what a failure is called. Without MONITOR_CENTRAL_URL nothing runs and the box
 * works alone (its spool loaded by `scanbackup updater probes`).
 *
 * Each round, on a thread of its own: GET /api/monitors/<id>/config with the ETag of the last one;
 * a changed config replaces monitor.json atomically, and the daemon applies it at its next check
 * (all or nothing, as for a local edit). Then the trace files of the box's monitor id are loaded
 * by the spool's own loader (sb_trace_load) into a sink whose put is a POST of
 * /api/monitors/<id>/results: a file leaves the spool only after the server confirmed its lines,
 * so a box offline for days loses nothing, and a batch resent after a lost answer is stored once
 * (the server upserts on monitor, link and timestamp). Failures are logged (rate-limited) and
 * retried next round. */
#ifndef SB_MONITOR_MONITOR_REMOTE_H
#define SB_MONITOR_MONITOR_REMOTE_H

#include "base/sb.h"
#include "base/settings.h"
#include "format/record.h"

typedef struct sb_remote sb_remote;

/* Starts the sync thread when MONITOR_CENTRAL_URL is set: returns SB_OK with *out (NULL when not
 * configured), or SB_EINVAL (bad URL, token or interval; err says which) with nothing started.
 * decls holds the record declarations of the tests (the daemon adds to it as it loads them; a
 * test folder of the spool without one waits). s, config_path and decls must stay valid until
 * sb_remote_stop. Call with the daemon's signals already blocked, so the thread never takes
 * them. */
int sb_remote_start(const sb_settings *s, const char *config_path, sb_rec_set *decls,
		    sb_remote **out, sb_err *err);

/* Once, before the daemon reads its config: when MONITOR_CENTRAL_URL is set, pulls monitor.json
 * (so a new box needs no file of its own). Failures are logged; the local file, if any, is then
 * used as it is. */
void sb_remote_bootstrap(const sb_settings *s, const char *config_path);

/* Stops the thread (a transfer in flight is cut) and frees; NULL is a no-op. Sets *r to NULL. */
void sb_remote_stop(sb_remote **r);

/* The monitor id a token names ("sbm_<id>_..."), or -1. */
long long sb_remote_token_id(const char *token);

#endif
