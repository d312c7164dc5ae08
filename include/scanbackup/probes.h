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
/* Calls fn once, when fd is writable or reports an error or a hang-up: a non-blocking connect()
 * has ended (getsockopt SO_ERROR says how). The fd is then no longer watched, but it stays the
 * core's until the probe ends. Ownership as for sb_probe_watch. */
SB_API int sb_probe_watch_write(sb_probe *p, int fd, sb_probe_fd_fn fn, void *arg);

typedef void (*sb_probe_shared_fn)(int fd, void *arg);
/* The socket (domain, type, protocol) the probes of this test share, say one ICMP datagram socket
 * per address family for every link: opened by the core (non-blocking, close-on-exec) when a
 * probe first asks for it and kept, watched, for the test's whole life; fn(fd, arg) is called
 * each time it is readable, with no probe: the module finds which of its probes a datagram
 * belongs to (the ping module: by the echo's sequence number and its source address) and may
 * end that probe from there. The same triple always gives the same socket, and the first fn and
 * arg stay. The fd is the core's: never close it. Probes on a shared socket hold no descriptor
 * of their own, so they do not count against MONITOR_PARALLEL. Returns SB_OK with *fd set, or
 * SB_EIO with errno as socket() left it (EACCES: net.ipv4.ping_group_range leaves the monitor
 * out). */
SB_API int sb_probe_shared_socket(sb_probe *p, int domain, int type, int protocol,
				  sb_probe_shared_fn fn, void *arg, int *fd);

/* out: the command's stdout and stderr, NUL terminated (at most max_out bytes; 0 = 64 KiB);
 * status: as from waitpid. */
typedef void (*sb_probe_exit_fn)(sb_probe *p, int status, const char *out, size_t len, void *arg);
/* Runs a command (argv[0] looked up in PATH, LC_ALL=C) and calls fn when it has exited. It is
 * killed if the probe ends first. */
SB_API int sb_probe_spawn(sb_probe *p, char *const argv[], size_t max_out, sb_probe_exit_fn fn,
			  void *arg);

/* Runs fn(arg) in a child process, a copy of the monitor made by fork(), for a library call that
 * blocks (libiperf): the monitor's loop goes on meanwhile. fn's stdout and stderr are collected
 * as for sb_probe_spawn, and its return value (0 to 255) is the child's exit status; done is called
 * once it has exited. In the child only fn runs, on a copy of the module's memory: it must call
 * nothing of this SDK (the core's locks may be held by another thread at the fork), and a fork of
 * a large monitor costs some milliseconds. The child is killed if the probe ends first. */
SB_API int sb_probe_fork(sb_probe *p, int (*fn)(void *arg), void *arg, size_t max_out,
			 sb_probe_exit_fn done, void *done_arg);

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

/* The number or the string at path in a JSON text (a tool's output): path names object members
 * and array items (from 0) with dots, "end.sum_received.bits_per_second", "intervals.0.sum".
 * Return SB_OK, or SB_ENOTFOUND when there is nothing of that type there, or SB_EPARSE when json
 * is not one valid JSON object or array. The string is copied into buf (cut to size - 1 bytes,
 * NUL terminated). */
SB_API int sb_probe_json_number(const char *json, const char *path, double *out);
SB_API int sb_probe_json_string(const char *json, const char *path, char *buf, size_t size);

/* ---- its record: what one run writes ---- */

/* The type of a record field. */
typedef enum sb_field_type {
	SB_FIELD_INT = 1,    /* a whole number (64-bit) */
	SB_FIELD_NUMBER = 2, /* a finite number (double) */
	SB_FIELD_STRING = 3, /* text (UTF-8); tabs and line breaks become spaces; "" is no value */
	SB_FIELD_JSON = 4,   /* one JSON value, kept as its text */
	SB_FIELD_BOOL = 5    /* true or false */
} sb_field_type;

/* One field of a test's record. Static constants of the module, like the rest of the record. */
typedef struct sb_probe_field {
	const char *name;   /* the column: a letter, then letters, digits or '_', at most 40 bytes;
			     * not monitor, link, timestamp, date or time (every record has those) */
	sb_field_type type; /* SB_FIELD_... */
	const char *unit;   /* "ms", "%", "bit/s"...: for charts and reports; NULL: none */
	int optional;       /* 1: a run may leave it without a value (null); 0: required */
	double min, max;    /* INT, NUMBER: the inclusive range of a value (both 0: any);
			     * STRING, JSON: max is the most bytes (0: 4096 for a string, 1 MiB for
			     * JSON) */
	int decimals;       /* NUMBER: decimals it is written with (0: as many as it takes to read
			     * back the same value); also how the dashboard shows it */
	const char *count_of; /* INT only, MAY: the number of items of the JSON list in the field
			       * of this name, counted by the core (the module never sets it) */
	const char *at_most;  /* INT, NUMBER, MAY: another such field of the record whose value
			       * this one's may not exceed (ping: received at most sent) */
	const char *help;     /* one line: what it is */
} sb_probe_field;

/* What a test writes once per run on a link, declared by the module (sb_module_def.record). The
 * core stores it without knowing the test: one line per run in the test's trace files, a table or
 * MongoDB collection <TEST>_HISTORY (the test's name in upper case) with the fields monitor, link,
 * timestamp (integers; unique together), date, time (local, strings) and then the declared ones
 * in their order; unique_<test>_index and <test>_by_date_index. The dashboard draws one chart per
 * field of a number type, and the availability of the link from the up field; reports read it with
 * sb.probes (docs/lua-api.md). The loader refuses a module whose record is malformed (an unknown
 * type, a name used twice, a role naming no suitable field), naming the module file. */
typedef struct sb_probe_record {
	const sb_probe_field *fields; /* ended by an entry whose name is NULL; 1 to 32 fields */
	const char *up;       /* MAY: an INT, NUMBER or BOOL field: the link answered when its
			       * value is > 0 (true); no value is down. NULL: no availability */
	const char *headline; /* MAY: the INT or NUMBER field that is the run's value (ping: rtt):
			       * the heat map's, and the first of status lines. A value below 0 is
			       * read as "none" there. NULL: the first INT or NUMBER field */
	const char *loss;     /* MAY: a NUMBER field in % of the run that was lost (ping: loss),
			       * averaged in the heat map. NULL: a run counts 0 when up, 100 when
			       * down */
	const char *tag;      /* MAY: the word that starts the record's trace lines; NULL: the
			       * test's name (httping and traceroute keep "http" and "trace") */
} sb_probe_record;

/* Setting the values of this run's record, one field at a time, by name; then sb_probe_put writes
 * it to the test's trace file data/PROBES/<test>/<monitor>/<link>/<hour>.trace, stamped with
 * sb_probe_time (`scanbackup updater probes` loads them into the store). A value is copied. A set
 * of a field the record does not declare, or of another type (an int may go into a NUMBER field),
 * returns SB_EINVAL and makes the put refuse the record; so does a missing required field or a
 * value out of its range. A refused record is logged with the module file and what was expected,
 * and the probe ends as failed; the other probes and tests go on. At most one record per probe. */
SB_API int sb_probe_set_int(sb_probe *p, const char *field, int64_t v);
SB_API int sb_probe_set_number(sb_probe *p, const char *field, double v);
SB_API int sb_probe_set_string(sb_probe *p, const char *field, const char *v);
/* v must be one valid JSON value (checked by sb_probe_put). */
SB_API int sb_probe_set_json(sb_probe *p, const char *field, const char *v);
SB_API int sb_probe_set_bool(sb_probe *p, const char *field, int v);
/* Writes the record. Returns SB_OK, SB_EINVAL when it was refused (see above), or SB_EIO when the
 * trace file cannot be written (logged). */
SB_API int sb_probe_put(sb_probe *p);

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
