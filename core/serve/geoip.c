/* geoip.c - addresses placed by a local MaxMind DB file through libmaxminddb; private ranges
 * recognised here, before any lookup. */
#include "config.h"

#include "serve/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb_geoip {
	MMDB_s db;
};

int sb_geoip_open(const char *path, sb_geoip **out, sb_err *err)
{
	sb_geoip *g = sb_xcalloc(1, sizeof(*g));
	int rc = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
	if (rc != MMDB_SUCCESS) {
		free(g);
		return sb_err_set(err,
				  rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR ? SB_EIO
										    : SB_EPARSE,
				  "%s: not a MaxMind DB file that can be read: %s", path,
				  MMDB_strerror(rc));
	}
	*out = g;
	return SB_OK;
}

void sb_geoip_close(sb_geoip **g)
{
	if (*g == NULL)
		return;
	MMDB_close(&(*g)->db);
	free(*g);
	*g = NULL;
}

const char *sb_geoip_type(const sb_geoip *g)
{
	return g->db.metadata.database_type != NULL ? g->db.metadata.database_type : "";
}

int64_t sb_geoip_built(const sb_geoip *g)
{
	return (int64_t)g->db.metadata.build_epoch;
}

static int sb_v4_private(const unsigned char *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
	       (a[0] == 100 && (a[1] & 0xC0) == 64) || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) || (a[0] == 198 && (a[1] & 0xFE) == 18);
}

/* 1 private, 0 public, -1 not an address. */
static int sb_addr_private(const char *ip)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, ip, b) == 1)
		return sb_v4_private(b);
	if (inet_pton(AF_INET6, ip, b) != 1)
		return -1;
	static const unsigned char zero[12] = {0};
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B};
	if (memcmp(b, zero, 12) == 0) /* ::, ::1 and the IPv4-compatible form */
		return (b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1) ||
		       sb_v4_private(b + 12);
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return sb_v4_private(b + 12);
	if (b[0] == 0x20 && b[1] == 0x02) /* 6to4: the IPv4 address it carries */
		return sb_v4_private(b + 2);
	return (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0x80) == 0x80) || b[0] == 0xFF;
}

int sb_geoip_private(const char *ip)
{
	return sb_addr_private(ip) == 1;
}

/* A UTF-8 string at path of the entry into buf ("" when absent or of another type). */
static void sb_geo_str(MMDB_entry_s *e, char *buf, size_t size, const char *const *path)
{
	MMDB_entry_data_s d;
	buf[0] = '\0';
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return;
	size_t n = d.data_size < size - 1 ? d.data_size : size - 1;
	/* not cut inside a UTF-8 sequence */
	while (n > 0 && n < d.data_size && ((unsigned char)d.utf8_string[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, d.utf8_string, n);
	buf[n] = '\0';
}

/* A number at path (double, float or an unsigned integer), or -1 when there is none. */
static int sb_geo_num(MMDB_entry_s *e, const char *const *path, double *out)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return -1;
	switch (d.type) {
	case MMDB_DATA_TYPE_DOUBLE:
		*out = d.double_value;
		return 0;
	case MMDB_DATA_TYPE_FLOAT:
		*out = d.float_value;
		return 0;
	case MMDB_DATA_TYPE_UINT16:
		*out = d.uint16;
		return 0;
	case MMDB_DATA_TYPE_UINT32:
		*out = d.uint32;
		return 0;
	default:
		return -1;
	}
}

sb_geo_kind sb_geoip_lookup(const sb_geoip *g, const char *ip, sb_geo *out)
{
	memset(out, 0, sizeof(*out));
	int priv = sb_addr_private(ip);
	out->kind = priv < 0 ? SB_GEO_INVALID : priv ? SB_GEO_PRIVATE : SB_GEO_UNKNOWN;
	if (out->kind != SB_GEO_UNKNOWN || g == NULL)
		return out->kind;
	int gai = 0, mmdb = 0;
	MMDB_lookup_result_s res = MMDB_lookup_string(&g->db, ip, &gai, &mmdb);
	if (gai != 0 || mmdb != MMDB_SUCCESS || !res.found_entry)
		return out->kind;
	static const char *const lat[] = {"location", "latitude", NULL};
	static const char *const lon[] = {"location", "longitude", NULL};
	static const char *const radius[] = {"location", "accuracy_radius", NULL};
	static const char *const city_es[] = {"city", "names", "es", NULL};
	static const char *const city_en[] = {"city", "names", "en", NULL};
	static const char *const country[] = {"country", "iso_code", NULL};
	sb_geo_str(&res.entry, out->city, sizeof(out->city), city_es);
	if (out->city[0] == '\0')
		sb_geo_str(&res.entry, out->city, sizeof(out->city), city_en);
	sb_geo_str(&res.entry, out->country, sizeof(out->country), country);
	double y = 0, x = 0, r = 0;
	if (sb_geo_num(&res.entry, lat, &y) == 0 && sb_geo_num(&res.entry, lon, &x) == 0 &&
	    y >= -90 && y <= 90 && x >= -180 && x <= 180) {
		out->kind = SB_GEO_PLACE;
		out->lat = y;
		out->lon = x;
		if (sb_geo_num(&res.entry, radius, &r) == 0 && r > 0)
			out->accuracy_km = r;
	}
	return out->kind;
}

const char *sb_geo_kind_name(sb_geo_kind k)
{
	switch (k) {
	case SB_GEO_PLACE:
		return "place";
	case SB_GEO_PRIVATE:
		return "private";
	case SB_GEO_UNKNOWN:
		return "unknown";
	case SB_GEO_INVALID:
		return "invalid";
	}
	return "unknown";
}
