/* record_test.c - probe records: declarations refused with what was expected, values checked,
 * trace lines written and read back (old lines without the fields declared since included). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/record.h"
#include "tap.h"

static const sb_probe_field ping_fields[] = {
	{.name = "ip", .type = SB_FIELD_STRING, .max = 2048},
	{.name = "rtt",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .min = -1,
	 .max = 3600000,
	 .decimals = 3},
	{.name = "loss", .type = SB_FIELD_NUMBER, .unit = "%", .min = 0, .max = 100, .decimals = 1},
	{.name = "sent", .type = SB_FIELD_INT, .min = 0, .max = 1000000},
	{.name = "received", .type = SB_FIELD_INT, .min = 0, .max = 1000000, .at_most = "sent"},
	{.name = "min", .type = SB_FIELD_NUMBER, .unit = "ms", .optional = 1, .decimals = 3},
	{.name = "jitter", .type = SB_FIELD_NUMBER, .unit = "ms", .optional = 1},
	{.name = NULL},
};

static const sb_probe_record ping_rec = {.fields = ping_fields,
					 .up = "received",
					 .headline = "rtt",
					 .loss = "loss"};

/* The message of a refused declaration, or "" when it was accepted. */
static const char *refused(const char *test, const sb_probe_record *rec)
{
	static sb_err err;
	sb_err_clear(&err);
	sb_rec_decl *d = NULL;
	if (sb_rec_decl_new(test, rec, &d, &err) == SB_OK) {
		sb_rec_decl_unref(d);
		return "";
	}
	return err.msg;
}

static void test_declarations(void)
{
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	is_int(sb_rec_decl_new("ping", &ping_rec, &d, &err), SB_OK, "a good record");
	is_str(d->table, "PING_HISTORY", "its table: the test in upper case");
	is_str(d->stem, "ping", "its index stem");
	is_str(d->tag, "ping", "its tag: the test's name");
	ok(d->n == 7 && d->nwritten == 7 && d->up == 4 && d->headline == 1 && d->loss == 2,
	   "fields and roles");
	sb_rec_decl_unref(d);

	const sb_probe_field unknown[] = {{.name = "a", .type = SB_FIELD_INT},
					  {.name = "b", .type = (sb_field_type)9},
					  {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = unknown}),
		  "record field 2 'b': unknown type 9: expected SB_FIELD_INT") != NULL,
	   "an unknown type is refused, naming the field and what was expected");
	const sb_probe_field dup[] = {{.name = "rtt", .type = SB_FIELD_NUMBER},
				      {.name = "loss", .type = SB_FIELD_NUMBER},
				      {.name = "RTT", .type = SB_FIELD_INT},
				      {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = dup}),
		  "field 'RTT' declared twice (fields 1 and 3): expected each name once") != NULL,
	   "a duplicate field is refused (SQL columns ignore case)");
	const sb_probe_field reserved[] = {{.name = "timestamp", .type = SB_FIELD_INT},
					   {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = reserved}), "the core's") != NULL,
	   "a field named like a key column is refused");
	const sb_probe_field badname[] = {{.name = "r t", .type = SB_FIELD_INT}, {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = badname}), "expected a name") != NULL,
	   "a name that is no column name is refused");
	ok(strstr(refused("t", &(sb_probe_record){.fields = ping_fields, .up = "ip"}),
		  "up field 'ip' is a string: expected int, number or bool") != NULL,
	   "an up role on a string is refused");
	ok(strstr(refused("t", &(sb_probe_record){.fields = ping_fields, .headline = "none"}),
		  "headline names 'none', which is no field") != NULL,
	   "a role naming no field is refused");
	const sb_probe_field badcount[] = {{.name = "hops", .type = SB_FIELD_STRING},
					   {.name = "n", .type = SB_FIELD_INT, .count_of = "hops"},
					   {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = badcount}),
		  "expected an int field counting the items of a json field") != NULL,
	   "count_of of a string is refused");
	const sb_probe_field badrange[] =
		{{.name = "x", .type = SB_FIELD_NUMBER, .min = 5, .max = 1}, {.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = badrange}), "min <= max") != NULL,
	   "an empty range is refused");
	ok(strstr(refused("t", NULL), "no record declared") != NULL, "no record at all is refused");
	const sb_probe_field none[] = {{.name = NULL}};
	ok(strstr(refused("t", &(sb_probe_record){.fields = none}), "no fields") != NULL,
	   "a record without fields is refused");
	ok(strstr(refused("my test", &ping_rec), "plain name") != NULL,
	   "a test whose name makes no table name is refused");
}

static void test_lines(void)
{
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	sb_rec_decl_new("ping", &ping_rec, &d, &err);
	sb_rec_val v[SB_REC_MAX_FIELDS];
	memset(v, 0, sizeof(v));
	v[0] = (sb_rec_val){.has = 1, .s = "127.0.0.1"};
	v[1] = (sb_rec_val){.has = 1, .d = 0.0451};
	v[2] = (sb_rec_val){.has = 1, .d = 100.0 / 3};
	v[3] = (sb_rec_val){.has = 1, .i = 3};
	v[4] = (sb_rec_val){.has = 1, .i = 2};
	v[6] = (sb_rec_val){.has = 1, .d = 0.1};
	char why[256];
	is_int(sb_rec_check(d, v, why, sizeof(why)), SB_OK, "the values pass");
	char *line = sb_rec_line(d, 1763633700, v);
	is_str(line, "2025-11-20T10:15:00Z\tping\t127.0.0.1\t0.045\t33.3\t3\t2\t\t0.1",
	       "the line: decimals as declared, no value empty, the shortest text otherwise");
	sb_rec r;
	sb_rec_val back[SB_REC_MAX_FIELDS];
	is_int(sb_rec_parse_line(d, line, 2, 7, &r, back, why, sizeof(why)), SB_OK,
	       "and it reads back");
	ok(r.monitor == 2 && r.link == 7 && r.ts == 1763633700 && back[1].d == 0.045 &&
		   back[2].d == 33.3 && back[3].i == 3 && !back[5].has && back[6].d == 0.1 &&
		   strcmp(back[0].s, "127.0.0.1") == 0,
	   "its values");
	free(line);

	char old[] = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t-1.000\t100.0\t3\t0";
	is_int(sb_rec_parse_line(d, old, 2, 7, &r, back, why, sizeof(why)), SB_OK,
	       "a line written before min and jitter were declared reads: %s", why);
	ok(back[1].d == -1 && back[4].i == 0 && !back[5].has && !back[6].has,
	   "without values for the fields it lacks");
	sb_avail_rec a;
	sb_rec_avail(d, &r, &a);
	ok(a.up == 0 && a.rtt == -1 && a.loss == 100, "as the availability rule reads it");
	char shortl[] = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t-1.000\t100.0\t3";
	ok(sb_rec_parse_line(d, shortl, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "stops before received") != NULL,
	   "a line without a required value is refused: %s", why);
	char range[] = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t1\t120\t3\t3";
	ok(sb_rec_parse_line(d, range, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "loss: 120: expected a number from 0 to 100") != NULL,
	   "a value out of range is refused: %s", why);
	char more[] = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t1\t0\t3\t9";
	ok(sb_rec_parse_line(d, more, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "received: 9: expected at most sent (3)") != NULL,
	   "a value over the field it is at most is refused: %s", why);
	ok(strstr(refused("t",
			  &(sb_probe_record){.fields =
						     (const sb_probe_field[]){{.name = "a",
									       .type = SB_FIELD_INT,
									       .at_most = "a"},
									      {.name = NULL}}}),
		  "at_most 'a': expected another int or number field") != NULL,
	   "a field at most itself is refused");
	char type[] = "2025-11-20T10:15:00Z\tping\t127.0.0.1\tfast\t0\t3\t3";
	ok(sb_rec_parse_line(d, type, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "rtt: 'fast' is not a number") != NULL,
	   "a value of another type is refused: %s", why);
	char tag[] = "2025-11-20T10:15:00Z\thttp\tx\t200\t1\t";
	ok(sb_rec_parse_line(d, tag, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "a http record where a ping record") != NULL,
	   "another test's line is refused: %s", why);
	char many[] = "2025-11-20T10:15:00Z\tping\tx\t1\t0\t3\t3\t1\t1\t1";
	ok(sb_rec_parse_line(d, many, 2, 7, &r, back, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "more values than the 7") != NULL,
	   "a line with more values than declared is refused");
	char stamp[] = "yesterday\tping\t127.0.0.1\t1\t0\t1\t1";
	is_int(sb_rec_parse_line(d, stamp, 2, 7, &r, back, why, sizeof(why)), SB_EPARSE,
	       "a bad stamp is refused");
	char tbuf[16];
	ok(sb_rec_line_tag("2025-11-20T10:15:00Z\thttp\tx", tbuf, sizeof(tbuf)) == SB_OK &&
		   strcmp(tbuf, "http") == 0,
	   "a line's tag");
	char sum[128];
	sb_rec_val s[SB_REC_MAX_FIELDS];
	memset(s, 0, sizeof(s));
	s[0] = (sb_rec_val){.has = 1, .s = "::1"};
	s[1] = (sb_rec_val){.has = 1, .d = -1};
	s[2] = (sb_rec_val){.has = 1, .d = 100};
	s[3] = (sb_rec_val){.has = 1, .i = 3};
	s[4] = (sb_rec_val){.has = 1, .i = 0};
	sb_rec_summary(d, s, sum, sizeof(sum));
	is_str(sum, "down: rtt -1.000 ms, loss 100.0 %, sent 3, received 0, min -, jitter -",
	       "a summary line for status");
	sb_rec_decl_unref(d);
}

static void test_json(void)
{
	const sb_probe_field tr[] =
		{{.name = "ip", .type = SB_FIELD_STRING},
		 {.name = "hops", .type = SB_FIELD_JSON},
		 {.name = "nhops", .type = SB_FIELD_INT, .max = 255, .count_of = "hops"},
		 {.name = NULL}};
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	is_int(sb_rec_decl_new("traceroute", &(sb_probe_record){.fields = tr, .tag = "trace"}, &d,
			       &err),
	       SB_OK, "a record whose count the core makes");
	ok(d->nwritten == 2 && d->headline == 2,
	   "the count is not written; the headline by default");
	char line[] = "2025-11-20T10:00:00Z\ttrace\t10.0.0.2\t[[{\"rtt\": 1, \"name\": \"a[1]\"}], "
		      "[{\"rtt\": null}]]";
	sb_rec r;
	sb_rec_val v[SB_REC_MAX_FIELDS];
	char why[256];
	is_int(sb_rec_parse_line(d, line, 2, 7, &r, v, why, sizeof(why)), SB_OK,
	       "a trace line parses: %s", why);
	ok(v[2].has && v[2].i == 2, "the hops counted, brackets inside strings ignored");
	char *out = sb_rec_line(d, r.ts, v);
	ok(strstr(out, "\t[[{") != NULL && strstr(out, "2\n") == NULL &&
		   out[strlen(out) - 1] == ']',
	   "the count is not written back");
	free(out);
	char bad[] = "2025-11-20T10:00:00Z\ttrace\t10.0.0.2\t[[1], [2]";
	ok(sb_rec_parse_line(d, bad, 2, 7, &r, v, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "hops") != NULL,
	   "an unclosed list is refused: %s", why);
	char obj[] = "2025-11-20T10:00:00Z\ttrace\t10.0.0.2\t{\"a\": 1}";
	ok(sb_rec_parse_line(d, obj, 2, 7, &r, v, why, sizeof(why)) == SB_EPARSE &&
		   strstr(why, "expected a JSON list") != NULL,
	   "an object where its items are counted is refused");
	long items = 0;
	ok(sb_rec_json_valid(" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\"]} ", 41, &items) &&
		   items == -1,
	   "JSON: an object");
	ok(!sb_rec_json_valid("[1,]", 4, &items) && !sb_rec_json_valid("01", 2, &items) &&
		   !sb_rec_json_valid("\"a", 2, &items) && !sb_rec_json_valid("[] []", 5, &items),
	   "JSON: trailing commas, leading zeros, open strings, two values are not JSON");
	sb_rec_decl_unref(d);
}

static void test_set(void)
{
	sb_rec_set *set = sb_rec_set_new();
	sb_rec_decl *a = NULL, *b = NULL;
	sb_err err = {0};
	sb_rec_decl_new("ping", &ping_rec, &a, &err);
	sb_rec_decl_new("echo", &(sb_probe_record){.fields = ping_fields, .tag = "e"}, &b, &err);
	sb_rec_set_add(set, a);
	sb_rec_set_add(set, b);
	sb_rec_set_add(set, a); /* the same test again replaces */
	sb_rec_decl **v = NULL;
	size_t n = sb_rec_set_list(set, &v);
	ok(n == 2 && strcmp(v[0]->test, "echo") == 0 && strcmp(v[1]->test, "ping") == 0,
	   "a set lists one declaration per test, by name");
	sb_rec_list_free(v, n);
	sb_rec_decl *f = sb_rec_set_find_tag(set, "e");
	ok(f == b, "found by its tag");
	sb_rec_decl_unref(f);
	ok(sb_rec_set_find(set, "nothing") == NULL, "an unknown test: NULL");
	sb_rec_decl_unref(a);
	sb_rec_decl_unref(b);
	sb_rec_set_free(&set);
	ok(set == NULL, "freed");
}

/* The core's record of the links' names: found by any set, listed by none, read back. */
static void test_names(void)
{
	sb_rec_decl *nd = sb_rec_names_decl();
	ok(nd != NULL && strcmp(nd->table, "LINKS_HISTORY") == 0 && nd->n == 3 && nd->up < 0,
	   "the names' record: LINKS_HISTORY, name, ip, monitor_name, no up field");
	sb_rec_set *set = sb_rec_set_new();
	sb_rec_decl *f = sb_rec_set_find(set, SB_REC_NAMES), *g = sb_rec_set_find_tag(set, "links");
	ok(f == nd && g == nd, "an empty set finds it by test and by tag");
	sb_rec_decl **v = NULL;
	size_t n = sb_rec_set_list(set, &v);
	ok(n == 0, "but does not list it: it is no test");
	sb_rec_list_free(v, n);
	sb_rec_val in[3] = {{.has = 1, .s = "RESIDE\tCaracas"}, {.has = 1, .s = "192.0.2.7"}, {0}};
	char why[128];
	ok(sb_rec_check(nd, in, why, sizeof(why)) == SB_OK, "a name without monitor name passes");
	char *line = sb_rec_line(nd, 1795132800, in);
	sb_rec r;
	sb_rec_val out[3];
	int rc = sb_rec_parse_line(nd, line, 7, 9, &r, out, why, sizeof(why));
	ok(rc == SB_OK && strcmp(out[0].s, "RESIDE Caracas") == 0 &&
		   strcmp(out[1].s, "192.0.2.7") == 0 && !out[2].has && r.link == 9,
	   "its line reads back (a tab in a name became a space)");
	free(line);
	sb_rec_decl_unref(f);
	sb_rec_decl_unref(g);
	sb_rec_decl_unref(nd);
	sb_rec_set_free(&set);
}

/* A record's numbers kept in a summary's room give the summary later, whatever their types. */
static void test_brief(void)
{
	const sb_probe_field f[] =
		{{.name = "ip", .type = SB_FIELD_STRING},
		 {.name = "rtt", .type = SB_FIELD_NUMBER, .unit = "ms", .decimals = 3},
		 {.name = "up", .type = SB_FIELD_BOOL},
		 {.name = "body", .type = SB_FIELD_JSON, .optional = 1},
		 {.name = "bytes", .type = SB_FIELD_INT, .optional = 1},
		 {.name = "hops", .type = SB_FIELD_INT},
		 {.name = NULL}};
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	is_int(sb_rec_decl_new("probe",
			       &(sb_probe_record){.fields = f, .up = "up", .headline = "rtt"}, &d,
			       &err),
	       SB_OK, "a record of every type");
	sb_rec_val v[SB_REC_MAX_FIELDS];
	memset(v, 0, sizeof(v));
	v[0] = (sb_rec_val){.has = 1, .s = "10.0.0.1"};
	v[1] = (sb_rec_val){.has = 1, .d = 12.3456};
	v[2] = (sb_rec_val){.has = 1, .i = 1};
	v[3] = (sb_rec_val){.has = 1, .s = "[1]"};
	v[5] = (sb_rec_val){.has = 1, .i = ((int64_t)1 << 60) + 1}; /* no double holds it */
	char now[128], later[128];
	sb_rec_summary(d, v, now, sizeof(now));
	sb_rec_brief b;
	is_int(sb_rec_brief_keep(d, v, &b), SB_OK, "its numbers are kept");
	memset(v, 0, sizeof(v)); /* the values are gone when the summary is asked for */
	sb_rec_brief_summary(d, &b, later, sizeof(later));
	is_str(later, now, "and give the summary it had");
	is_str(later, "rtt 12.346 ms, up yes, bytes -, hops 1152921504606846977",
	       "a number, a flag, one without a value, an integer no double holds");
	v[2] = (sb_rec_val){.has = 1, .i = 0};
	sb_rec_brief_keep(d, v, &b);
	sb_rec_brief_summary(d, &b, later, sizeof(later));
	is_str(later, "down: rtt -, up no, bytes -, hops -", "a record that says down");
	sb_rec_decl_unref(d);

	sb_probe_field many[SB_REC_BRIEF_MAX + 2];
	char names[SB_REC_BRIEF_MAX + 1][8];
	for (int i = 0; i <= SB_REC_BRIEF_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i);
		many[i] = (sb_probe_field){.name = names[i], .type = SB_FIELD_INT};
	}
	many[SB_REC_BRIEF_MAX + 1] = (sb_probe_field){.name = NULL};
	is_int(sb_rec_decl_new("wide", &(sb_probe_record){.fields = many}, &d, &err), SB_OK,
	       "a record of more numbers than a brief holds");
	memset(v, 0, sizeof(v));
	is_int(sb_rec_brief_keep(d, v, &b), SB_EINVAL, "is not kept: its summary is made at once");
	sb_rec_decl_unref(d);
}

int main(void)
{
	test_declarations();
	test_lines();
	test_json();
	test_set();
	test_names();
	test_brief();
	return tap_done();
}
