/* scan.h - the collector: every interface's MRTG log of the target day into the spool. */
#ifndef SB_COLLECT_SCAN_H
#define SB_COLLECT_SCAN_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "net/http.h"
#include "plugin/module.h"

typedef struct sb_scan_opts {
	sb_date date;      /* target day (local) */
	const char *layer; /* only this layer (case-insensitive), NULL = all */
	unsigned shard_k;  /* keep interfaces whose name hashes to shard_k (1..shard_n) */
	unsigned shard_n;  /* 0 or 1 = no sharding */
	int progress;      /* print a progress line on stderr */
} sb_scan_opts;

/* What a scan did. */
typedef struct sb_scan_stats {
	size_t interfaces, ok, short_days, failed, skipped_shard;
	size_t samples;
	size_t bytes;
	size_t ranged;        /* logs asked for in byte ranges (docs/mrtg.md) */
	size_t range_grown;   /* ... whose first range ended before the day's start */
	size_t range_ignored; /* ... whose server answered the whole log */
	size_t range_refused; /* ... asked again whole after a 416 (or a range not at the start) */
	double seconds;
} sb_scan_stats;

/* Collects the target day of every interface of every enabled layer module (or of opts->layer):
 * reads sources/SCAN/<LAYER>, fetches the logs concurrently, keeps the day's 5-minute samples,
 * appends each interface's day to its layer's spool file of the day, one line per interface to
 * Alertas-SCAN.log.
 * A failing interface is logged and counted; it never stops the others.
 * Returns SB_OK if the scan ran (see stats for failures), or an error that stopped it all. */
int sb_scan_run(const sb_settings *s, sb_modules *mods, const sb_scan_opts *opts,
		sb_scan_stats *stats, sb_err *err);

/* The stable shard of an interface name: 1..n (FNV-1a 32-bit of the name, mod n, plus one). */
unsigned sb_scan_shard_of(const char *name, unsigned n);

/* The URL the core fetches for a sources url: ".html"/".htm" become ".log"; a scheme-less path
 * is a local file (relative to root) turned into a file:// URL. Caller frees. */
char *sb_scan_log_url(const char *root, const char *url);

/* The HTTP engine's options for downloading MRTG logs (scan, backfill), from the SCAN_* settings
 * and the portal's credentials; the strings are s's. */
void sb_scan_http_opts(const sb_settings *s, sb_http_opts *ho);

/* The requests a scan or a backfill keeps in flight at most: over HTTP/1.1 SCAN_PARALLEL
 * connections each with SCAN_PIPELINE, over HTTP/2 SCAN_STREAMS (at least SCAN_PARALLEL). */
void sb_scan_in_flight(const sb_settings *s, long *http1, long *http2);

#endif
