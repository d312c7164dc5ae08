/* scanbackup/layer.h - what a layer module declares (its schema) and calls from its hooks.
 *
 * A layer collects one time series per interface listed in sources/SCAN/<LAYER> (a line
 * url;name;capacity;type). During `scanbackup scan` the core makes one job per interface, calls
 * the module's fetch hook to describe the request, runs every transfer itself and hands the
 * body to the parse hook. The job and everything it returns belong to the core and live until
 * the job ends; hooks run on the scan's thread, one at a time. */
#ifndef SCANBACKUP_LAYER_H
#define SCANBACKUP_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/common.h>

/* Where a layer's samples are stored. Every string is a static constant of the module; names
 * are letters, digits and '_' only, at most 40 bytes. */
typedef struct sb_schema {
	const char *layer;      /* "BORDE": sources/SCAN/<layer>, data/SCAN/<layer>, typeLayer */
	const char *table;      /* "BORDE_HISTORY": the table / collection of the raw samples */
	const char *key;        /* the interface field: "name", or "brasname" for IPBRAS */
	const char *index_stem; /* "borde" -> unique_borde_index, borde_by_date_index */
	int in_only;            /* 1: only inProm and inMaxProm (counts, IPBRAS); 0: traffic */
} sb_schema;

/* One interface's collection during a scan (opaque). */
typedef struct sb_job sb_job;

/* The interface of the job, as its sources line gives it. */
SB_API const char *sb_job_name(const sb_job *job);
SB_API const char *sb_job_type(const sb_job *job);
/* The url field of the sources line, unchanged (a SCAN page, or a path relative to the root). */
SB_API const char *sb_job_source_url(const sb_job *job);
/* The capacity in Gbps; 0 when the sources line gives none. */
SB_API double sb_job_capacity(const sb_job *job);
/* The day collected, "YYYY-MM-DD" (local time). */
SB_API const char *sb_job_date(const sb_job *job);

/* fetch: replaces the URL the core will fetch (copied). Returns SB_OK, or SB_EINVAL for an
 * empty URL. */
SB_API int sb_job_set_url(sb_job *job, const char *url);

/* parse: the core MRTG parser over this job's day. Same contract as the parse hook: feed it the
 * pieces of the body; returns 0 for more, 1 once nothing more of the day can follow. */
SB_API int sb_job_mrtg_feed(sb_job *job, const char *buf, size_t len);

#endif
