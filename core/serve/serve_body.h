/* serve_body.h - the dashboard's JSON request bodies, read without a connection: the body parsed
 * as a JSON object, its members by type, and the bodies of monitors, links and tests. Every
 * refusal fills why with the message the API answers (400); nothing here touches a request, so
 * the fuzz target of tests/fuzz/fuzz_webjson.c drives exactly what the server runs. */
#ifndef SB_SERVE_SERVE_BODY_H
#define SB_SERVE_SERVE_BODY_H

#include <bson/bson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "serve/servedb.h"

#define SB_BODY_WHY 300

/* text (len bytes, not NUL-terminated) parsed as one JSON object into doc (bson_destroy it after
 * SB_OK). SB_EINVAL with why otherwise: not an object, not JSON, or a body libbson reads as a
 * document but with a key holding a NUL. */
int sb_body_parse(const char *text, size_t len, bson_t *doc, char why[SB_BODY_WHY]);

/* Member key of doc: 0 when absent or null (*out untouched), 1 when read, -1 when of another type
 * (why names the key and the type expected). A string holds no NUL; a number is finite. */
int sb_body_get_str(const bson_t *doc, const char *key, const char **out, char why[SB_BODY_WHY]);
int sb_body_get_num(const bson_t *doc, const char *key, double *out, char why[SB_BODY_WHY]);
int sb_body_get_bool(const bson_t *doc, const char *key, int *out, char why[SB_BODY_WHY]);

/* A whole number from 0 to max, as for ids: 0 absent, 1 read, -1 not such a number. */
int sb_body_get_id(const bson_t *doc, const char *key, int64_t max, int64_t *out,
		   char why[SB_BODY_WHY]);

/* A monitor's body: name (a string), sleep_time (a number) and, when id is not NULL, id (0 to
 * INT32_MAX); servedb checks the name and sleep_time. Absent members leave their value. SB_OK or
 * SB_EINVAL. */
int sb_body_monitor(const bson_t *doc, const char **name, double *sleep, int64_t *id,
		    char why[SB_BODY_WHY]);

/* A place's members "lat" and "lon" into p: both numbers (sb_place_ok) set it, both null clear
 * it, both absent leave p alone; one without the other is refused. SB_OK or SB_EINVAL. */
int sb_body_place(const bson_t *doc, sb_place *p, char why[SB_BODY_WHY]);

/* A link's body into l: name (a label), ip (a numeric IPv4 or IPv6 address), id (0 to
 * INT32_MAX), status (true/false), its place (sb_body_place); absent members keep l's value.
 * SB_OK or SB_EINVAL. */
int sb_body_link(const bson_t *doc, sb_link_rec *l, char why[SB_BODY_WHY]);

/* A test's parameters: every member a number, a string or true/false under a name of 1 to 64
 * bytes, rewritten as a compact JSON object (caller frees). NULL with why otherwise. */
char *sb_body_test_params(const bson_t *doc, char why[SB_BODY_WHY]);

/* Writes a BSON document (array when array is 1) as JSON: strings, numbers, booleans, null and
 * nesting; other BSON types (and numbers that are not finite) as null. */
void sb_json_bson(sb_json *j, const bson_t *doc, int array);

#endif
