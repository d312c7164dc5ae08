/* geoip.h - where an IP address is, from a local MaxMind DB file (GEOIP_DATABASE): the only file
 * that includes maxminddb.h. Nothing is looked up elsewhere: without a file every public address
 * is unknown. Addresses that are never routed on the Internet (private, shared, loopback,
 * link-local, multicast, reserved) are said to be private and never looked up, so no place is
 * guessed for them. */
#ifndef SB_SERVE_GEOIP_H
#define SB_SERVE_GEOIP_H

#include <stdint.h>

#include "base/sb.h"

typedef struct sb_geoip sb_geoip;

/* What is known of an address. */
typedef enum sb_geo_kind {
	SB_GEO_PLACE = 0,   /* the database places it: lat, lon (and city, country when it says) */
	SB_GEO_PRIVATE = 1, /* never routed on the Internet: no place */
	SB_GEO_UNKNOWN = 2, /* public, but no database, or the database has no place for it */
	SB_GEO_INVALID = 3  /* not a numeric IPv4 or IPv6 address */
} sb_geo_kind;

typedef struct sb_geo {
	sb_geo_kind kind;
	double lat, lon;    /* degrees (SB_GEO_PLACE) */
	double accuracy_km; /* the database's radius around the place, 0 when it gives none */
	char city[96];      /* its name in Spanish, else English, else ""; UTF-8 */
	char country[4];    /* ISO 3166-1 alpha-2, else "" */
} sb_geo;

/* Opens a MaxMind DB file (GeoLite2-City, GeoIP2-City, DB-IP City Lite in MMDB form, ...).
 * SB_OK, or SB_EIO / SB_EPARSE with err naming the file and libmaxminddb's reason. *out is the
 * caller's: sb_geoip_close. Lookups on one handle are thread-safe (the file is mapped read
 * only). */
int sb_geoip_open(const char *path, sb_geoip **out, sb_err *err);
void sb_geoip_close(sb_geoip **g);

/* The database's type ("GeoLite2-City") and build time (unix seconds), as its metadata says. */
const char *sb_geoip_type(const sb_geoip *g);
int64_t sb_geoip_built(const sb_geoip *g);

/* 1 when ip (numeric) is never routed on the Internet: 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 224/4 and above; ::, ::1, fc00::/7, fe80::/10,
 * ff00::/8, and IPv4-mapped, -compatible or NAT64 forms of those. Documentation ranges
 * (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) count as public: they are looked up. */
int sb_geoip_private(const char *ip);

/* Fills out for ip (g may be NULL: then public addresses are unknown). Returns out->kind. */
sb_geo_kind sb_geoip_lookup(const sb_geoip *g, const char *ip, sb_geo *out);

/* The kind as the API writes it: "place", "private", "unknown" or "invalid". */
const char *sb_geo_kind_name(sb_geo_kind k);

#endif
