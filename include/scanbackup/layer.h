/* scanbackup/layer.h - what a layer module declares (its schema and samples) and calls from its
 * fetch and parse hooks.
 *
 * A layer collects one time series per interface listed in sources/SCAN/<LAYER> (a line
 * url;name;capacity;type). During `scanbackup scan` the core makes one job per interface for the
 * target day, calls the module's fetch hook to describe the request, runs every transfer itself
 * (many at once, with retries) and hands the body to the parse hook, which hands samples back with
 * sb_job_put_sample. The core then keeps the day's samples in the spool, summarises them and
 * stores them in the table the schema names. The job and everything it returns belong to the core
 * and live until the job ends; hooks run on the scan's thread, one at a time. */
#ifndef SCANBACKUP_LAYER_H
#define SCANBACKUP_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/common.h>

/* Where a layer's samples are stored. Every string is a static constant of the module; names
 * are letters, digits and '_' only, at most 40 bytes. The core creates the table (SQLite) or the
 * collection (MongoDB, with a validator) and its indexes from this, at `scanbackup database
 * start` and on the first write: fields <key>, type, date, time (strings; unique together),
 * capacity, inProm, inMaxProm and, unless in_only, outProm and outMaxProm (numbers). */
typedef struct sb_schema {
	const char *layer;      /* "BORDE": sources/SCAN/<layer>, data/SCAN/<layer>, typeLayer */
	const char *table;      /* "BORDE_HISTORY": the table / collection of the raw samples */
	const char *key;        /* the interface field: "name", or "brasname" for IPBRAS */
	const char *index_stem; /* "borde" -> unique_borde_index, borde_by_date_index */
	int in_only;            /* 1: only inProm and inMaxProm (counts, IPBRAS); 0: traffic */
} sb_schema;

/* One sample of an interface: the columns of an MRTG line. Values are whole numbers as the
 * source gives them (bytes/s for traffic, counts for an in_only layer, whose out fields are
 * ignored); the daily summary turns them into Gbps with SUMMARY_FACTOR. */
typedef struct sb_sample {
	int64_t ts;      /* unix seconds; the sample covers the interval that ends at ts */
	int64_t in_avg;  /* inProm */
	int64_t out_avg; /* outProm */
	int64_t in_max;  /* inMaxProm */
	int64_t out_max; /* outMaxProm */
} sb_sample;

/* One interface's collection of one day (opaque). */
typedef struct sb_job sb_job;

/* ---- the interface and the day (any hook) ---- */

/* The interface of the job, as its sources line gives it. */
SB_API const char *sb_job_name(const sb_job *job);
SB_API const char *sb_job_type(const sb_job *job);
/* The url field of the sources line, unchanged (a SCAN page, or a path relative to the root). */
SB_API const char *sb_job_source_url(const sb_job *job);
/* The capacity in Gbps; 0 when the sources line gives none. */
SB_API double sb_job_capacity(const sb_job *job);
/* The day collected, "YYYY-MM-DD" (local time: TIMEZONE, else the host's). */
SB_API const char *sb_job_date(const sb_job *job);
/* The same day as unix seconds: [*start, *end), local midnight to local midnight (23 or 25 hours
 * on a day the clock changes). */
SB_API void sb_job_day(const sb_job *job, int64_t *start, int64_t *end);

/* A line "YYYY-MM-DD HH:MM:SS LEVEL [<LAYER>] <name> (<type>): message" in the log. */
SB_API void sb_job_log(const sb_job *job, sb_log_level level, const char *fmt, ...) SB_PRINTF(3, 4);

/* ---- fetch: the request (before it is sent) ----
 * Without a fetch hook, or for whatever it leaves alone, the request is a GET of the default URL
 * (the source url with .html/.htm turned into .log; a path without scheme is a file under the
 * root directory), with the SCAN credentials (USERSCAN, PASSWORDSCAN) when they are set. Each
 * returns SB_OK, or SB_EINVAL for a bad argument (the request is then left as it was). */

/* Replaces the URL (http://, https:// or file://; copied). */
SB_API int sb_job_set_url(sb_job *job, const char *url);
/* Adds a header line "Name: value" (copied; no CR or LF; at most 16 lines of 1 KiB). */
SB_API int sb_job_add_header(sb_job *job, const char *line);
/* Asks for bytes first..last of the body (offsets from 0; last -1: to the end). A server may
 * ignore it and answer the whole body. */
SB_API int sb_job_set_range(sb_job *job, int64_t first, int64_t last);
/* send 0: the request goes without the SCAN credentials; 1 (the default): with them. */
SB_API int sb_job_set_credentials(sb_job *job, int send);
/* Makes the request a POST of len bytes of body (copied). */
SB_API int sb_job_set_post(sb_job *job, const char *body, size_t len);

/* ---- parse: the body (as it streams in) ---- */

/* Hands one sample of the job's day to the core (copied). Returns SB_OK; SB_EINVAL, and the
 * sample is refused, when its ts is outside the job's day (sb_job_day) - the core logs the
 * refusals with the module's file, so the module may simply go on; SB_ETOOBIG past one sample a
 * second. Samples may come in any order; a second sample with the same ts replaces the first. */
SB_API int sb_job_put_sample(sb_job *job, const sb_sample *s);

/* The core MRTG parser over this job's day, for a body in MRTG's .log format: feed it the pieces
 * of the body as parse receives them; it puts the 5-minute samples of the day when the body
 * ends. Returns 0 for more, 1 once nothing more of the day can follow (parse may return it). */
SB_API int sb_job_mrtg_feed(sb_job *job, const char *buf, size_t len);

/* State for parsing one body (a partial line, a parser): free_fn (may be NULL) runs when the job
 * ends and when the transfer is restarted (a retry), after which sb_job_data is NULL again, so a
 * parse hook builds its state when it finds none. */
SB_API void sb_job_set_data(sb_job *job, void *data, void (*free_fn)(void *data));
SB_API void *sb_job_data(const sb_job *job);

#endif
