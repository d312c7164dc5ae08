/* monitor_impl.h - private to the monitor (monitor.c, probe.c): the daemon's state and a probe's. */
#ifndef SB_MONITOR_MONITOR_IMPL_H
#define SB_MONITOR_MONITOR_IMPL_H

#include <netinet/in.h>
#include <stdint.h>

#include "format/monitor_config.h"
#include "format/record.h"
#include "net/evloop.h"
#include "net/http.h"
#include "plugin/module.h"
#include <scanbackup/probes.h>

/* The last outcome of a test on a link, for status. */
typedef struct sb_mlink {
	int64_t link;
	sb_probe *running; /* the probe in flight, or NULL */
	int64_t last_ts;   /* grid time of the last run that ended, 0 none */
	int last_brief;    /* the last outcome is a record's numbers, not a text */
	union {
		char text[128];     /* "failed: ...", "cancelled: ..." */
		sb_rec_brief brief; /* "rtt 0.041 ms, loss 0%" when status asks */
	} last;
	unsigned long runs, overruns;
} sb_mlink;

/* A socket the probes of a test share (sb_probe_shared_socket), open and watched for the test's
 * life. */
typedef struct sb_mshared {
	int domain, type, protocol;
	int fd;
	sb_watch *watch;
	sb_probe_shared_fn fn;
	void *arg;
	struct sb_mshared *next;
} sb_mshared;

/* A test: its module, schedule and per-link state. Freed once removed and without probes. */
typedef struct sb_mtest {
	char *name;
	sb_loaded_module mod;
	long interval;
	sb_paramset *params;
	sb_timer *tick;    /* the next run's preparation, NULL when unscheduled */
	sb_timer *go;      /* the prepared run's start at its grid time, or NULL */
	sb_probe *pending; /* the prepared run's probes, waiting for go */
	int64_t next_ts;   /* grid time of the next run */
	sb_mlink *links;   /* sorted by link id */
	size_t nlinks;
	size_t inflight;    /* probes started or queued, not yet ended */
	int retired;        /* removed from the config: unload when inflight reaches 0 */
	sb_mshared *shared; /* its probes' shared sockets */
	struct sb_mtest *next;
} sb_mtest;

/* A resource a probe holds; released when the probe ends. */
typedef struct sb_pres sb_pres;

struct sb_probe {
	struct sb_mon *mon;
	sb_mtest *test;
	sb_paramset *params;
	int64_t monitor, link_id, ts;
	char *link_name; /* in the probe's allocation, after it */
	char ip[INET6_ADDRSTRLEN];
	int family;
	double queued_mono; /* when the run made it */
	double start_mono;  /* when the module's hook was called */
	sb_timer *deadline;
	void *data;
	void (*free_data)(void *);
	sb_pres *res;
	sb_pres *spare; /* a fired timer's, for the next resource, or NULL */
	int started, ended, wrote, ok;
	int owns; /* holds a descriptor, child or HTTP transfer of its own (MONITOR_PARALLEL) */
	sb_rec_val *vals;  /* the record being set (the test's declaration's n values), or NULL */
	char *rec_bad;     /* the first set that did not match the declaration, or NULL */
	char summary[128]; /* "failed: ...", or "" for the record's summary */
	sb_probe *next;    /* run queue, then graveyard */
};

/* Start-time errors of the last probes, for status and the hourly log line. */
#define SB_MON_ERRS 16384

typedef struct sb_mon {
	sb_loop *loop;
	const char *data_dir;
	int tls_verify;
	const char *ca_bundle;
	int64_t monitor_id;
	sb_mtest *tests;
	long parallel;  /* probes holding resources of their own at most (MONITOR_PARALLEL) */
	size_t running; /* probes started, not ended */
	size_t owning; /* of those, the probes holding an fd, child or HTTP transfer of their own */
	sb_probe *queue_head, *queue_tail;
	size_t queued;
	sb_probe *graveyard; /* ended probes, freed after the current callback */
	int stopping;
	sb_http *http;       /* the HTTP engine on the loop, made for the first HTTP probe */
	size_t http_running; /* HTTP requests of probes not yet ended */
	double errs[SB_MON_ERRS];
	size_t nerrs, errpos;
	unsigned long started, ended, failed, cancelled, overruns, written, write_errors;
} sb_mon;

/* probe.c */
/* A probe of test t on link l at grid time ts, queued by the scheduler. */
sb_probe *sb_probe_new(sb_mon *m, sb_mtest *t, const sb_mon_link *l, int64_t ts);
/* Calls the module's hook (the probe may end inside) and arms its deadline. */
void sb_probe_start(sb_probe *p);
/* Ends a probe that has not ended: releases everything; why goes to the log and status. */
void sb_probe_cancel(sb_probe *p, const char *why);
/* Frees the probes that ended; call where no probe callback is on the stack. */
void sb_probe_reap(sb_mon *m);
/* Frees the HTTP engine (after every probe ended). */
void sb_probe_http_shutdown(sb_mon *m);
/* Closes the sockets t's probes shared (once none of them runs). */
void sb_probe_shared_close(sb_mon *m, sb_mtest *t);

/* monitor.c: told once when a probe ends, whichever way. */
void sb_mon_probe_ended(sb_mon *m, sb_probe *p);

#endif
