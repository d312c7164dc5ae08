/* geoip_test.c - unit tests of the address rules of geoip.c: what counts as private and is never
 * looked up, what is no address, a file that is no MaxMind DB. The lookups in a real database
 * are tested against the server (tests/integration/serve_map.py). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "serve/geoip.h"
#include "tap.h"

int main(void)
{
	static const char *const private[] = {
		"10.1.2.3",   "172.16.0.1",      "172.31.255.254",  "192.168.0.1",      "127.0.0.1",
		"100.64.0.1", "100.127.1.1",     "169.254.10.10",   "0.0.0.0",          "224.0.0.5",
		"240.0.0.1",  "192.0.0.8",       "198.18.0.1",      "198.19.255.1",     "::",
		"::1",        "fd00::1",         "fc12::9",         "fe80::1",          "fec0::1",
		"ff02::1",    "::ffff:10.0.0.1", "64:ff9b::c0a8:1", "2002:c0a8:101::1",
	};
	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
		sb_geo g;
		ok(sb_geoip_private(private[i]) &&
			   sb_geoip_lookup(NULL, private[i], &g) == SB_GEO_PRIVATE,
		   "%s is private", private[i]);
	}
	static const char *const public[] = {
		"8.8.8.8",           "172.32.0.1",      "172.15.255.1", "100.128.0.1",
		"203.0.113.5",       "198.51.100.7",    "192.0.2.1",    "198.20.0.1",
		"169.253.1.1",       "2001:db8::1",     "2800:3f0::1",  "::ffff:203.0.113.5",
		"2002:cb00:7105::1", "223.255.255.255",
	};
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
		sb_geo g;
		ok(!sb_geoip_private(public[i]) &&
			   sb_geoip_lookup(NULL, public[i], &g) == SB_GEO_UNKNOWN &&
			   g.city[0] == '\0',
		   "%s is public, and unknown without a database", public[i]);
	}
	static const char *const invalid[] = {"",           "www.example.com", "10.0.0",
					      "10.0.0.256", "1::2::3",         " 10.0.0.1",
					      "10.0.0.1/24"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		sb_geo g;
		ok(sb_geoip_lookup(NULL, invalid[i], &g) == SB_GEO_INVALID &&
			   !sb_geoip_private(invalid[i]),
		   "\"%s\" is no address", invalid[i]);
	}
	is_str(sb_geo_kind_name(SB_GEO_PLACE), "place", "kind names");
	is_str(sb_geo_kind_name(SB_GEO_PRIVATE), "private", "kind names");

	char path[] = "/tmp/sbgeoip-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "not a database\n", 15) == 15, "a file that is no database");
	close(fd);
	sb_geoip *db = NULL;
	sb_err err = {0};
	int rc = sb_geoip_open(path, &db, &err);
	ok(rc == SB_EPARSE && db == NULL && strstr(err.msg, path) != NULL &&
		   strstr(err.msg, "not a MaxMind DB file") != NULL,
	   "is refused, the file named: %s", err.msg);
	unlink(path);
	sb_err_clear(&err);
	rc = sb_geoip_open(path, &db, &err);
	ok(rc == SB_EIO && db == NULL && strstr(err.msg, path) != NULL,
	   "a missing file is refused, named: %s", err.msg);
	sb_geoip_close(&db);
	ok(db == NULL, "closing nothing is harmless");
	return tap_done();
}
