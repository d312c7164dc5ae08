/* monitor_config.h - monitor.json: parsed (libbson's JSON reader) and validated, keys named in errors.
 *
 * The file (docs/monitor.md):
 *   { "sleep_time": 10,                      seconds between checks of the file (> 0)
 *     "tests": { "<module>": { "interval": 60, "<param>": v, "<param>_<link id>": v, ... }, ... },
 *     "links": { "<name>": { "status": true, "ip": "192.0.2.7", "id": 7,
 *                            "lat": 10.49, "lon": -66.88 }, ... },
 *     "lat": 10.5, "lon": -66.9,             where the monitor stands (optional)
 *     "name": "Caracas",                     what the monitor is called (optional)
 *     "id": 2 }                              the monitor's id
 * "interval" (whole seconds, 1..86400) is the core's; every other test key is checked against the
 * module's parameter table once the module is loaded (sb_mon_params_build). status defaults to
 * true; ip is a numeric IPv4 or IPv6 address; link ids are whole numbers >= 0, unique. A place
 * (lat, lon: degrees of latitude -90..90 and longitude -180..180, WGS84, both or neither) is for
 * the dashboard's map; the monitor itself never reads it. */
#ifndef SB_FORMAT_MONITOR_CONFIG_H
#define SB_FORMAT_MONITOR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <scanbackup/probes.h>

#include "base/sb.h"

/* A JSON value of a test's key. */
typedef enum { SB_JV_INT, SB_JV_DOUBLE, SB_JV_STRING, SB_JV_BOOL, SB_JV_OTHER } sb_jv_kind;

typedef struct sb_mon_kv {
	char *key;
	sb_jv_kind kind;
	double num; /* SB_JV_INT, SB_JV_DOUBLE */
	char *str;  /* SB_JV_STRING */
	int b;      /* SB_JV_BOOL */
} sb_mon_kv;

typedef struct sb_mon_test {
	char *name;
	long interval;
	sb_mon_kv *kv; /* every key but interval, in file order */
	size_t nkv;
} sb_mon_test;

/* Where a monitor or a link stands on the map: set is 0 when the config gives no place. */
typedef struct sb_place {
	int set;
	double lat, lon; /* degrees, WGS84 */
} sb_place;

/* 1 when lat and lon are a place: finite, latitude -90..90, longitude -180..180. The one rule of
 * monitor.json and of the dashboard's API. */
int sb_place_ok(double lat, double lon);

typedef struct sb_mon_link {
	char *name;
	int64_t id;
	char *ip;
	int family; /* 4 or 6 */
	int status;
	sb_place place;
} sb_mon_link;

#define SB_MON_MAX_NAME 200

typedef struct sb_mon_config {
	int64_t id;
	char *name; /* NULL: none given */
	double sleep_time;
	sb_place place; /* the monitor's own */
	sb_mon_test *tests;
	size_t ntests;
	sb_mon_link *links; /* sorted by id */
	size_t nlinks;
} sb_mon_config;

/* Parses and validates text (the contents of the file path, used in messages). Returns SB_OK, or
 * SB_EPARSE / SB_EINVAL with err like "monitor.json: tests.ping.interval: expected a positive
 * integer". out is untouched on failure. */
int sb_mon_config_parse(const char *path, const char *text, size_t len, sb_mon_config *out,
			sb_err *err);

/* Frees what the config owns. */
void sb_mon_config_free(sb_mon_config *c);

/* The link of that id, or NULL. */
const sb_mon_link *sb_mon_config_link(const sb_mon_config *c, int64_t id);

/* A test's parameter values checked against the module's table (defs may be NULL): immutable,
 * reference counted, shared by the probes that run with it. */
typedef struct sb_pval {
	double num;
	char *str;
	int b;
} sb_pval;

typedef struct sb_pover {
	int64_t link;
	sb_pval v;
} sb_pover;

typedef struct sb_pentry {
	char *name;
	sb_param_type type;
	sb_pval v;
	sb_pover *ov; /* sorted by link */
	size_t nov;
} sb_pentry;

typedef struct sb_paramset {
	int refs;
	sb_pentry *v;
	size_t n;
} sb_paramset;

/* Builds the parameter set of test t from its keys and defs: unknown keys, wrong types, values out
 * of range and missing required parameters are SB_EINVAL naming "path: tests.<t>.<key>". */
int sb_mon_params_build(const char *path, const sb_mon_test *t, const sb_probe_param *defs,
			sb_paramset **out, sb_err *err);

/* Takes / drops a reference (the last drop frees). */
sb_paramset *sb_paramset_ref(sb_paramset *ps);
void sb_paramset_unref(sb_paramset *ps);

/* The value of name for link (its override, else the test's), or NULL when undeclared. */
const sb_pval *sb_paramset_get(const sb_paramset *ps, const char *name, int64_t link,
			       sb_param_type *type);

#endif
