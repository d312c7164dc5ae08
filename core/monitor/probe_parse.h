/* probe_parse.h - what the probe modules share: the system ping's and traceroute's output parsed. */
#ifndef SB_MONITOR_PROBE_PARSE_H
#define SB_MONITOR_PROBE_PARSE_H

#include <stddef.h>

#include "base/sb.h"

/* Parses iputils ping output (LC_ALL=C): the RTT of each reply ("time=0.045 ms", at most max
 * kept in rtts; only finite values >= 0) and the statistics line ("3 packets transmitted, 2
 * received"). Returns SB_OK, or SB_EPARSE when no valid statistics line (with received <= sent)
 * is found. Thread-safe. */
int sb_ping_parse(const char *out, double *rtts, size_t max, size_t *nrtt, int *sent,
		  int *received);

/* Parses traceroute output (with or without -n) into the thesis' JSON list of hops, one list of
 * probes per hop, each {"anno": "!H" or null, "rtt": ms or null, "ipaddr": ..., "name": ...};
 * a "*" is a probe whose four fields are null. Only plain decimals ("0.296") count as RTTs, and
 * bytes that are not UTF-8 become U+FFFD, so the JSON is valid. *json is the caller's to free.
 * Returns SB_OK, or SB_EPARSE when no hop line was found. Thread-safe. */
int sb_traceroute_parse(const char *out, char **json, size_t *nhops);

#endif
