/* scanbackup/probes.h - what a probe module declares (its parameters) and calls: its link and
 * parameters, the core's non-blocking services (timers, fd watches, child processes, HTTP) and
 * the records it writes.
 *
 * Everything here runs on the monitor's event-loop thread and is called from the probe hook or
 * from the callbacks it registered; nothing here is thread-safe and nothing blocks. A probe's
 * resources (timers, watched fds, children, HTTP transfers, its data) are released by the core
 * when the probe ends, whichever way it ends: a module never frees them itself. After
 * sb_probe_done or sb_probe_fail the probe must not be used; callbacks of an ended probe never
 * run. */
#ifndef SCANBACKUP_PROBES_H
#define SCANBACKUP_PROBES_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/common.h>

/* One run of a probe test on one link (opaque). */
typedef struct sb_probe sb_probe;

/* ---- what the module declares ---- */

/* The type of a probe parameter. */
typedef enum sb_param_type {
	SB_PARAM_INT = 1,    /* a whole number (a JSON number without fraction) */
	SB_PARAM_NUMBER = 2, /* any number */
	SB_PARAM_STRING = 3, /* a string of at most max bytes (max 0: 1024) */
	SB_PARAM_BOOL = 4    /* true or false */
} sb_param_type;

/* One parameter of a probe test: name, type, default as plain text ("3", "1.5", "/", "true";
 * NULL: required), inclusive range of a number. Static constants of the module; the table ends
 * with an entry whose name is NULL. */
typedef struct sb_probe_param {
	const char *name;
	sb_param_type type;
	const char *def;
	double min, max;
	const char *help; /* one line for messages */
} sb_probe_param;

/* ---- what to test ---- */

/* The test's name (the module's name, "ping"). */
SB_API const char *sb_probe_test(const sb_probe *p);
/* The link: its id, its name (the key in monitor.json) and its address, a numeric IPv4 or IPv6
 * address (never a host name: the monitor makes no DNS queries). */
SB_API int64_t sb_probe_link_id(const sb_probe *p);
SB_API const char *sb_probe_link_name(const sb_probe *p);
SB_API const char *sb_probe_link_ip(const sb_probe *p);
/* 4 or 6. */
SB_API int sb_probe_link_family(const sb_probe *p);
/* The run's time on the test's grid (unix seconds): what the record is stamped with. */
SB_API int64_t sb_probe_time(const sb_probe *p);

/* Parameter values for this link: the per-link override <name>_<link id> when the config has
 * one, else the test's value, else the module's default. Every declared parameter has a value
 * (validated when the config was loaded); an undeclared name gives 0 / NULL. Strings are owned
 * by the core and live as long as the probe. */
SB_API long sb_probe_param_int(const sb_probe *p, const char *name);
SB_API double sb_probe_param_number(const sb_probe *p, const char *name);
SB_API const char *sb_probe_param_str(const sb_probe *p, const char *name);
SB_API int sb_probe_param_bool(const sb_probe *p, const char *name);

/* ---- state ---- */

/* Attaches the module's state; free_fn (may be NULL) runs when the probe ends. */
SB_API void sb_probe_set_data(sb_probe *p, void *data, void (*free_fn)(void *data));
SB_API void *sb_probe_data(const sb_probe *p);

/* ---- services (each returns SB_OK or an SB_ error after logging nothing) ---- */

typedef void (*sb_probe_timer_fn)(sb_probe *p, void *arg);
/* Calls fn once, seconds from now (0: on the next turn of the loop). */
SB_API int sb_probe_timer(sb_probe *p, double seconds, sb_probe_timer_fn fn, void *arg);

typedef void (*sb_probe_fd_fn)(sb_probe *p, int fd, void *arg);
/* Calls fn each time fd is readable. On SB_OK the fd belongs to the core, which closes it when
 * the probe ends; on failure it is still the caller's. */
SB_API int sb_probe_watch(sb_probe *p, int fd, sb_probe_fd_fn fn, void *arg);

/* out: the command's stdout and stderr, NUL terminated (at most max_out bytes; 0 = 64 KiB);
 * status: as from waitpid. */
typedef void (*sb_probe_exit_fn)(sb_probe *p, int status, const char *out, size_t len, void *arg);
/* Runs a command (argv[0] looked up in PATH, LC_ALL=C) and calls fn when it has exited. It is
 * killed if the probe ends first. */
SB_API int sb_probe_spawn(sb_probe *p, char *const argv[], size_t max_out, sb_probe_exit_fn fn,
			  void *arg);

/* What a HEAD request gave. */
typedef struct sb_probe_http_result {
	int code; /* SB_OK when a status line came back, else SB_ETIMEOUT, SB_ECONNECT, SB_ETLS... */
	long status;     /* HTTP status, 0 when none */
	double total_ms; /* connect + request + response headers; -1 when code != SB_OK */
	char error[160]; /* the HTTP engine's words for the failure when code != SB_OK */
} sb_probe_http_result;

typedef void (*sb_probe_http_fn)(sb_probe *p, const sb_probe_http_result *r, void *arg);
/* Sends one HEAD request to url on a fresh connection (no reuse, no redirects followed, no retry,
 * TLS verified as TLS_VERIFY / CA_BUNDLE say) through the core's HTTP engine on the monitor's loop,
 * and calls fn with the outcome. timeout: seconds for the whole request. */
SB_API int sb_probe_http_head(sb_probe *p, const char *url, double timeout, sb_probe_http_fn fn,
			      void *arg);

/* ---- parsers of the system tools' output (pure functions, thread-safe) ---- */

/* Parses iputils ping output (LC_ALL=C): the RTT of each reply ("time=0.045 ms", at most max
 * kept in rtts; only finite values >= 0) and the statistics line ("3 packets transmitted, 2
 * received"). Returns SB_OK, or SB_EPARSE when no valid statistics line (with received <= sent)
 * is found. */
SB_API int sb_ping_parse(const char *out, double *rtts, size_t max, size_t *nrtt, int *sent,
			 int *received);

/* Parses traceroute output (with or without -n) into a JSON list of hops, one list of probes per
 * hop, each {"anno": "!H" or null, "rtt": ms or null, "ipaddr": ..., "name": ...}; a "*" is a
 * probe whose four fields are null. Only plain decimals ("0.296") count as RTTs, and bytes that
 * are not UTF-8 become U+FFFD, so the JSON is valid. *json is the caller's to free. Returns
 * SB_OK, or SB_EPARSE when no hop line was found. */
SB_API int sb_traceroute_parse(const char *out, char **json, size_t *nhops);

/* ---- results ---- */

/* Records written to the test's trace file data/PROBES/<test>/<monitor>/<link>/<hour>.trace,
 * stamped with sb_probe_time; `scanbackup updater probes` loads them into the store. At most one
 * record per probe (a second one is ignored). */

/* A ping: median RTT in ms (-1 when nothing came back), loss in %, probes sent and answered. */
SB_API void sb_probe_put_ping(sb_probe *p, double rtt_ms, double loss, int sent, int received);
/* An HTTP request: the URL, the status (0 none), the total time in ms (-1 none), an error text or
 * NULL. */
SB_API void sb_probe_put_http(sb_probe *p, const char *url, long status, double total_ms,
			      const char *error);
/* A route: hops as JSON (the list sb_traceroute_parse builds) and the number of hops. */
SB_API void sb_probe_put_trace(sb_probe *p, const char *hops_json, size_t nhops);

/* Ends the probe normally (after its put). */
SB_API void sb_probe_done(sb_probe *p);
/* Ends the probe as failed (the test could not be run at all: no socket, no command): the message
 * goes to the monitor log (rate-limited) and to status; no record is written. The probe hook
 * that calls it still returns SB_OK. */
SB_API void sb_probe_fail(sb_probe *p, int code, const char *fmt, ...) SB_PRINTF(3, 4);

/* A log line about this probe: "[<test>] link <id> (<name>) <ip>: message" (rate-limited).
 * level: an sb_log_level. */
SB_API void sb_probe_log(const sb_probe *p, int level, const char *fmt, ...) SB_PRINTF(3, 4);

#endif
