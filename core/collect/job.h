/* job.h - one interface's collection of one day: what the scan keeps per interface, and the layer
 * SDK (scanbackup/layer.h) over it. Private to core/collect. */
#ifndef SB_COLLECT_JOB_H
#define SB_COLLECT_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "format/mrtg.h"
#include "format/sources.h"
#include "net/http.h"
#include "plugin/module.h"

#define SB_JOB_MAX_HEADERS 16
#define SB_JOB_MAX_HEADER_LEN 1024

/* A sample as put, with its arrival order (a later one with the same ts wins). */
typedef struct sb_job_sample {
	sb_sample s;
	size_t seq;
} sb_job_sample;

struct sb_job {
	const sb_source *src;
	const sb_loaded_module *mod;
	const char *date; /* "YYYY-MM-DD", the scan's */
	int64_t day_start, day_end;

	/* the request, as fetch leaves it */
	char *url;
	char *headers[SB_JOB_MAX_HEADERS + 1]; /* NULL-terminated */
	size_t nheaders;
	char range[48]; /* "first-last", "" for none */
	int anonymous;
	char *body; /* a POST body, NULL for a GET */
	size_t body_len;

	/* the current attempt */
	sb_mrtg_parser *parser; /* allocated on first use, kept for retries */
	int mrtg_used;          /* the parser was fed in this attempt */
	sb_job_sample *samples;
	size_t n, cap, seq;
	sb_sample *flat;       /* what sb_job_samples handed out */
	size_t refused;        /* samples outside the day */
	int64_t first_refused; /* the ts of the first one */
	int too_many;          /* a put went over the cap */
	void *data;
	void (*free_data)(void *data);
	int parse_rc; /* the first error parse returned */
	int prefix;   /* the body was the start of the log only (a byte range): its last line may
		       * be cut, so the core MRTG parser leaves it unread at the end */
};

/* Prepares job for one interface of the day [day_start, day_end) named date; url is the default
 * request's (taken over). */
void sb_job_init(sb_job *job, const sb_source *src, const sb_loaded_module *mod, const char *date,
		 int64_t day_start, int64_t day_end, char *url);

/* The start of an attempt: drops what an earlier attempt put and the module's parse data. */
void sb_job_attempt(sb_job *job);

/* A piece of the body: the module's parse hook, or the core MRTG parser. Same return as the hook. */
int sb_job_feed(sb_job *job, const char *buf, size_t len);

/* The body has ended: the module's end call, then the MRTG parser's samples if it was fed (its
 * last line left unread when job->prefix is set). Returns SB_OK or the error parse returned. */
int sb_job_end(sb_job *job);

/* The day's samples, oldest first, each ts once (the job keeps them; valid until the next
 * attempt or sb_job_release). *n gets their count; SB_ETOOBIG if a put went over the cap. */
int sb_job_samples(sb_job *job, sb_sample **out, size_t *n);

/* The URL for messages: url without any user:password@ part, into buf. */
void sb_job_url_safe(const char *url, char *buf, size_t size);

/* Logs what the MRTG parser skipped and the samples parse handed outside the day (naming the
 * module's file). url is the request's, credentials removed. */
void sb_job_report(const sb_job *job, const char *url);

/* Whether the job's request carries the SCAN credentials (USERSCAN, PASSWORDSCAN; sent at once,
 * HTTP Basic): unless fetch said not to, to the portal's origins only (portal: those of the
 * SCAN_URL_* settings, sb_http_portal_origins); with none set, to every server of the sources. */
int sb_job_credentials(const sb_job *job, const sb_http_origins *portal);

/* Frees everything the job holds (not the job itself). */
void sb_job_release(sb_job *job);

#endif
