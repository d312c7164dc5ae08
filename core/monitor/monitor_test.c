/* monitor_test.c - unit tests of monitor.json parsing, probe parameters, output parsers, trace files. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/stats.h"
#include "format/monitor_config.h"
#include "monitor/trace.h"
#include "store/store.h"
#include "tap.h"
#include <scanbackup/probes.h>

static int parse(const char *text, sb_mon_config *c, sb_err *err)
{
	sb_err_clear(err);
	return sb_mon_config_parse("monitor.json", text, strlen(text), c, err);
}

static void check_error(const char *text, const char *want)
{
	sb_mon_config c;
	sb_err err = {0};
	int rc = parse(text, &c, &err);
	ok(rc != SB_OK && strstr(err.msg, want) != NULL, "refused with \"%s\"", want);
	if (rc == SB_OK)
		sb_mon_config_free(&c);
	else if (strstr(err.msg, want) == NULL)
		printf("#   got: %s\n", err.msg);
}

static const sb_probe_param defs[] = {
	{"count", SB_PARAM_INT, "3", 1, 100, "echo requests"},
	{"timeout", SB_PARAM_NUMBER, "1", 0.01, 60, NULL},
	{"path", SB_PARAM_STRING, "/", 0, 64, NULL},
	{"probe_interval", SB_PARAM_NUMBER, "1", 0.01, 60, NULL},
	{"verbose", SB_PARAM_BOOL, "false", 0, 0, NULL},
	{NULL, 0, NULL, 0, 0, NULL},
};

static void test_config(void)
{
	const char *good =
		"{\"sleep_time\": 10, \"tests\": {\"httping\": {\"port_8\": 80, \"path_9\": "
		"\"/octopusmonitor/\","
		" \"path_8\": \"\", \"interval\": 300, \"timeout\": 5, \"probe_interval_9\": 0.5}},"
		" \"links\": {\"RESIDE\": {\"status\": true, \"ip\": \" 150.185.138.59\", \"id\": "
		"9},"
		" \"ULA Site\": {\"status\": false, \"ip\": \"::1\", \"id\": 8}}, \"id\": 2}";
	sb_mon_config c;
	sb_err err = {0};
	is_int(parse(good, &c, &err), SB_OK, "a config with per-link parameters parses");
	is_int(c.id, 2, "monitor id");
	is_int(c.ntests, 1, "one test");
	is_int(c.tests[0].interval, 300, "interval");
	is_int(c.nlinks, 2, "two links");
	ok(c.name == NULL, "no name given: none");
	is_int(c.links[0].id, 8, "links sorted by id");
	is_int(c.links[0].family, 6, "::1 is IPv6");
	is_str(c.links[1].ip, "150.185.138.59", "blanks around the ip are dropped");
	is_int(c.links[0].status, 0, "status false");
	ok(sb_mon_config_link(&c, 9) == &c.links[1], "link by id");
	ok(!c.place.set && !c.links[0].place.set, "no place unless the config gives one");

	static const sb_probe_param http[] = {
		{"port", SB_PARAM_INT, "80", 1, 65535, NULL},
		{"path", SB_PARAM_STRING, "/", 0, 1024, NULL},
		{"timeout", SB_PARAM_NUMBER, "5", 0.01, 300, NULL},
		{"probe_interval", SB_PARAM_NUMBER, "1", 0.01, 60, NULL},
		{NULL, 0, NULL, 0, 0, NULL},
	};
	sb_paramset *ps = NULL;
	is_int(sb_mon_params_build("monitor.json", &c.tests[0], http, &ps, &err), SB_OK,
	       "parameters of the example check out");
	sb_param_type t;
	is_str(sb_paramset_get(ps, "path", 9, &t)->str, "/octopusmonitor/",
	       "path_9 overrides for link 9");
	is_str(sb_paramset_get(ps, "path", 7, &t)->str, "/", "other links get the default");
	is_int((long)sb_paramset_get(ps, "port", 8, &t)->num, 80, "port_8");
	ok(sb_paramset_get(ps, "probe_interval", 9, &t)->num == 0.5,
	   "a name with _ takes an override too");
	ok(sb_paramset_get(ps, "probe_interval", 8, &t)->num == 1,
	   "and keeps its default elsewhere");
	ok(sb_paramset_get(ps, "nosuch", 8, &t) == NULL, "an undeclared name has no value");
	sb_paramset_unref(ps);
	sb_mon_config_free(&c);

	const char *bad_param =
		"{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": "
		"{\"interval\": 60, \"count\": 0}}}";
	is_int(parse(bad_param, &c, &err), SB_OK, "parses before the module is known");
	ok(sb_mon_params_build("monitor.json", &c.tests[0], defs, &ps, &err) == SB_EINVAL &&
		   strstr(err.msg,
			  "monitor.json: tests.ping.count: expected an integer from 1 to 100") !=
			   NULL,
	   "a value out of range names the key: %s", err.msg);
	sb_mon_config_free(&c);
	const char *unknown = "{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": "
			      "{\"interval\": 60, \"colour\": 3}}}";
	parse(unknown, &c, &err);
	sb_err_clear(&err);
	ok(sb_mon_params_build("monitor.json", &c.tests[0], defs, &ps, &err) == SB_EINVAL &&
		   strstr(err.msg, "tests.ping.colour: unknown parameter") != NULL,
	   "an unknown parameter is named: %s", err.msg);
	sb_mon_config_free(&c);
	const char *wrong = "{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": "
			    "{\"interval\": 60, \"verbose_3\": 1}}}";
	parse(wrong, &c, &err);
	sb_err_clear(&err);
	ok(sb_mon_params_build("monitor.json", &c.tests[0], defs, &ps, &err) == SB_EINVAL &&
		   strstr(err.msg, "tests.ping.verbose_3: expected true or false") != NULL,
	   "a per-link override is checked too: %s", err.msg);
	sb_mon_config_free(&c);

	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": "
		    "{\"interval\": 0}}}",
		    "monitor.json: tests.ping.interval: expected a positive integer");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": "
		    "{\"interval\": 1.5}}}",
		    "tests.ping.interval: expected a positive integer");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"ping\": {}}}",
		    "tests.ping.interval: missing");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {\"../x\": "
		    "{\"interval\": 5}}}",
		    "tests.../x: a test is named after its module");
	check_error("{\"sleep_time\": -1, \"id\": 1, \"links\": {}, \"tests\": {}}",
		    "sleep_time: expected a positive number");
	check_error("{\"sleep_time\": 1, \"links\": {}, \"tests\": {}}", "id: missing");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}}", "links: missing");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {}, \"extra\": 1}",
		    "extra: unknown key");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {}, \"name\": 7}",
		    "name: expected the monitor's name");
	sb_mon_config named;
	ok(parse("{\"sleep_time\": 1, \"id\": 1, \"links\": {}, \"tests\": {}, \"name\": "
		 "\"Caracas\"}",
		 &named, &err) == SB_OK &&
		   strcmp(named.name, "Caracas") == 0,
	   "a monitor's name is kept");
	sb_mon_config_free(&named);
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"www.example.com\", \"id\": 1}}}",
		    "links.a.ip: expected a numeric IPv4 or IPv6 address");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1},"
		    " \"b\": {\"ip\": \"127.0.0.2\", \"id\": 1}}}",
		    "is also the id of link");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\"}}}",
		    "links.a.id: missing");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1, \"status\": \"yes\"}}}",
		    "links.a.status: expected true or false");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"tests\": {}, \"links\": {}}",
		    "tests: the key appears twice");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1}, \"b\": {\"ip\": \"127.0.0.2\", \"id\": 2}, \"c\": "
		    "{\"ip\": "
		    "\"127.0.0.3\", \"id\": 3}, \"b\": {\"ip\": \"127.0.0.4\", \"id\": 4}}}",
		    "monitor.json: links.b: the key appears twice");
	check_error(
		"{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		"\"127.0.0.1\", \"id\": 1, \"lat\": 91, \"lon\": 0}}}",
		"monitor.json: links.a.lat: expected degrees of latitude, a number from -90 to 90");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1, \"lat\": 10, \"lon\": \"-66\"}}}",
		    "links.a.lon: expected degrees of longitude, a number from -180 to 180");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1, \"lat\": 10}}}",
		    "links.a.lon: missing (a place is given by lat and lon together)");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {}, \"lon\": -181, "
		    "\"lat\": 0}",
		    "monitor.json: lon: expected degrees of longitude");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {}, \"lon\": 5}",
		    "monitor.json: lat: missing (a place is given by lat and lon together)");
	check_error("{\"sleep_time\": 1, \"id\": 1, \"tests\": {}, \"links\": {\"a\": {\"ip\": "
		    "\"127.0.0.1\", \"id\": 1, \"where\": 1}}}",
		    "links.a.where: unknown key (a link has status, ip, id, lat and lon)");
	check_error("{\"sleep_time\": 1, \"id\": 1,", "monitor.json: not a JSON object");
	check_error("", "the file is empty");

	const char *placed =
		"{\"sleep_time\": 1, \"id\": 3, \"lat\": 10.5, \"lon\": -66.9, \"tests\": {},"
		" \"links\": {\"a\": {\"ip\": \"192.0.2.1\", \"id\": 1, \"lon\": -180,"
		" \"lat\": -90}, \"b\": {\"ip\": \"192.0.2.2\", \"id\": 2}}}";
	sb_err_clear(&err);
	is_int(parse(placed, &c, &err), SB_OK, "places of the monitor and a link parse");
	ok(c.place.set && c.place.lat == 10.5 && c.place.lon == -66.9, "the monitor's place");
	ok(c.links[0].place.set && c.links[0].place.lat == -90 && c.links[0].place.lon == -180,
	   "a link's place, in either order, at the edges of the ranges");
	ok(!c.links[1].place.set, "a link without one has none");
	sb_mon_config_free(&c);
	ok(sb_place_ok(0, 180) && !sb_place_ok(90.5, 0) && !sb_place_ok(0, -180.01) &&
		   !sb_place_ok(0.0 / 0.0, 0),
	   "sb_place_ok: the ranges, and no NaN");
}

static void test_ping_parse(void)
{
	const char *out = "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n"
			  "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms\n"
			  "64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.250 ms\n"
			  "64 bytes from 127.0.0.1: icmp_seq=4 ttl=64 time=0.100 ms\n"
			  "\n--- 127.0.0.1 ping statistics ---\n"
			  "4 packets transmitted, 3 received, 25% packet loss, time 3004ms\n"
			  "rtt min/avg/max/mdev = 0.045/0.131/0.250/0.087 ms\n";
	double rtts[8];
	size_t n = 0;
	int sent = 0, received = 0;
	is_int(sb_ping_parse(out, rtts, 8, &n, &sent, &received), SB_OK, "ping output parses");
	is_int(n, 3, "three RTTs");
	is_int(sent, 4, "sent");
	is_int(received, 3, "received");
	is_double(sb_stats_median_dbl(rtts, n), 0.1, 1e-9, "the record's RTT: the median of three");
	is_int(sb_ping_parse("ping: connect: Network is unreachable\n", rtts, 8, &n, &sent,
			     &received),
	       SB_EPARSE, "no statistics line: a parse error");
}

static void test_traceroute_parse(void)
{
	const char *out =
		"traceroute to 150.185.138.59 (150.185.138.59), 30 hops max, 60 byte packets\n"
		" 1  192.168.1.1 (192.168.1.1)  0.296 ms  0.399 ms  0.504 ms\n"
		" 5  10.1.230.98 (10.1.230.98)  582.430 ms *  583.399 ms\n"
		" 9  te4-1.mag01.mia03.atlas.cogentco.com (154.54.31.230)  590.031 ms "
		"te7-1.mag01.mia03.atlas.cogentco.com (154.54.47.154)  596.323 ms  593.998 ms\n"
		"10  * 38.104.95.186 (38.104.95.186)  594.960 ms !H 570.787 ms\n";
	char *json = NULL;
	size_t nhops = 0;
	is_int(sb_traceroute_parse(out, &json, &nhops), SB_OK,
	       "a traceroute with names, asterisks and annotations parses");
	is_int(nhops, 4, "four hops");
	ok(json != NULL &&
		   strstr(json,
			  "{\"anno\": null, \"rtt\": null, \"ipaddr\": null, \"name\": null}") !=
			   NULL,
	   "a * is a probe of nulls");
	ok(json != NULL &&
		   strstr(json,
			  "{\"rtt\": 596.323, \"ipaddr\": \"154.54.47.154\", \"name\": "
			  "\"te7-1.mag01.mia03.atlas.cogentco.com\", \"anno\": null}") != NULL,
	   "a second address within a hop is followed");
	ok(json != NULL && strstr(json, "\"rtt\": 594.960, \"ipaddr\": \"38.104.95.186\", "
					"\"name\": \"38.104.95.186\", \"anno\": \"!H\"}") != NULL,
	   "an annotation sticks to its probe");
	free(json);
	is_int(sb_traceroute_parse(
		       " 1  10.0.0.1  0.05 ms  0.04 ms\n 2  10.0.1.2  0.09 ms  0.08 ms\n", &json,
		       &nhops),
	       SB_OK, "-n output parses");
	ok(nhops == 2 && strstr(json, "\"ipaddr\": \"10.0.1.2\", \"name\": \"10.0.1.2\"") != NULL,
	   "with -n the name is the address");
	free(json);
	is_int(sb_traceroute_parse("traceroute: unknown host\n", &json, &nhops), SB_EPARSE,
	       "no hop: a parse error");
}

/* A record as the ping module declares it (the test knows no module). */
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
	{.name = "received", .type = SB_FIELD_INT, .min = 0, .max = 1000000},
	{.name = "jitter", .type = SB_FIELD_NUMBER, .optional = 1, .decimals = 3},
	{.name = NULL},
};

static void test_trace(void)
{
	char *path = sb_trace_path("/d", "ping", 2, 7, 1763633700);
	is_str(path, "/d/PROBES/ping/2/7/2025-11-20T10.trace",
	       "trace path: test, monitor, link, UTC hour");
	free(path);

	/* appends and a load into SQLite: stored rows leave, bad lines go to .rejected */
	const sb_probe_record rec = {.fields = ping_fields, .up = "received", .loss = "loss"};
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	is_int(sb_rec_decl_new("ping", &rec, &d, &err), SB_OK, "a ping record declared");
	sb_rec_set *set = sb_rec_set_new();
	sb_rec_set_add(set, d);
	char dir[256];
	ok(tap_tempdir(dir, sizeof(dir), "montest"), "temp dir");
	char *p1 = sb_trace_path(dir, "ping", 2, 7, 1763633700);
	const char *l1 = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t0.045\t0.0\t3\t3";
	const char *l2 = "2025-11-20T10:16:00Z\tping\t127.0.0.1\t-1.000\t100.0\t3\t0\t";
	is_int(sb_trace_append(p1, l1, strlen(l1), &err), SB_OK, "append creates folders");
	is_int(sb_trace_append(p1, l2, strlen(l2), &err), SB_OK, "append");
	is_int(sb_trace_append(p1, "garbage", 7, &err), SB_OK, "append a bad line");
	char *other = sb_trace_path(dir, "nomodule", 2, 7, 1763633700);
	is_int(sb_trace_append(other, l1, strlen(l1), &err), SB_OK,
	       "a file of a test no module declares");
	char *db = sb_xasprintf("sqlite:%s/t.db", dir);
	sb_store *st = NULL;
	is_int(sb_store_open(db, NULL, &st, &err), SB_OK, "store opens");
	sb_trace_stats stats;
	const sb_trace_sink sink = sb_trace_store_sink(st);
	is_int(sb_trace_load(dir, set, &sink, 0, &stats, &err), SB_OK, "load");
	is_int(stats.rows, 2, "two records stored");
	is_int(stats.rejected, 1, "one line rejected");
	is_int(stats.kept, 1, "the file of the undeclared test is kept");
	ok(!sb_fs_is_file(p1), "the trace file left the spool");
	ok(sb_fs_is_file(other), "the undeclared test's file stays");
	char *rej = sb_xasprintf("%s.rejected", p1);
	ok(sb_fs_is_file(rej), "the bad line was kept aside");
	free(rej);
	is_int(sb_trace_append(p1, l1, strlen(l1), &err), SB_OK, "append the same record again");
	is_int(sb_trace_load(dir, set, &sink, 0, &stats, &err), SB_OK, "load again");
	is_int(stats.rows, 1, "stored again (an idempotent upsert)");
	sb_store_close(&st);
	sb_rec_set_free(&set);
	sb_rec_decl_unref(d);
	free(db);
	free(p1);
	free(other);
	ok(tap_rmtree(dir), "cleanup");
}

/* A sink that keeps nothing and says so: the loader removes what it read. On put, it may append
 * a line to a trace file, as the monitor would between the loader's read and its removal. */
typedef struct sink_ctx {
	const char *append_to, *line;
	const char *cut; /* then written to append_to with no newline: a line being written */
	int fd;          /* when >= 0, each record's "<link> <ts>" is written here */
} sink_ctx;

static int sink_put(void *ctx, const sb_rec_decl *d, const sb_rec *recs, size_t n, sb_err *err)
{
	(void)d;
	sink_ctx *c = ctx;
	if (c->append_to != NULL)
		sb_trace_append(c->append_to, c->line, strlen(c->line), err);
	if (c->cut != NULL) {
		int fd = open(c->append_to, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0 || write(fd, c->cut, strlen(c->cut)) != (ssize_t)strlen(c->cut))
			return SB_EIO;
		close(fd);
	}
	for (size_t i = 0; c->fd >= 0 && i < n; i++) {
		char buf[64];
		int len = snprintf(buf, sizeof(buf), "%lld %lld\n", (long long)recs[i].link,
				   (long long)recs[i].ts);
		if (write(c->fd, buf, (size_t)len) != len)
			return SB_EIO;
	}
	return SB_OK;
}

static sb_rec_set *ping_set(void);

/* The files kept open between appends: still the protocol (a file the loader removed or renamed
 * a new one over is never written into), and a bounded number of them. */
static void test_trace_keep_open(void)
{
	char dir[256];
	ok(tap_tempdir(dir, sizeof(dir), "monkeep"), "temp dir");
	sb_err err = {0};
	sb_rec_set *set = ping_set();
	sb_trace_keep_open(dir, 4);
	char *p = sb_trace_path(dir, "ping", 1, 1, 1763633700);
	is_int(sb_trace_append(p, "a", 1, &err), SB_OK, "kept: the first append makes the file");
	is_int((long)sb_trace_kept_open(), 1, "and keeps it open");
	is_int(sb_trace_append(p, "b", 1, &err), SB_OK, "kept: a second append");
	char *text = NULL;
	size_t len = 0;
	ok(sb_fs_read(p, 1024, &text, &len, &err) == SB_OK && strcmp(text, "a\nb\n") == 0,
	   "both lines in the file, in order");
	free(text);
	/* while the loader took nothing, an append to a kept file takes no lock: it goes through
	 * with the file locked elsewhere (were it to wait, the alarm would end the test) */
	int other = open(p, O_RDONLY | O_CLOEXEC);
	ok(other >= 0 && flock(other, LOCK_EX) == 0, "the file locked elsewhere");
	alarm(10);
	is_int(sb_trace_append(p, "b2", 2, &err), SB_OK, "an append to the kept file, unlocked");
	alarm(0);
	close(other);
	/* the loader took everything (its lines rejected): the file removed */
	sink_ctx none = {.fd = -1};
	const sb_trace_sink sink = {.put = sink_put, .ctx = &none};
	sb_trace_stats stats;
	is_int(sb_trace_load(dir, set, &sink, 1, &stats, &err), SB_OK, "the loader takes the file");
	ok(!sb_fs_is_file(p) && stats.rejected == 3, "and removes it (%zu lines rejected)",
	   stats.rejected);
	is_int(sb_trace_append(p, "c", 1, &err), SB_OK, "an append after the removal");
	text = NULL;
	ok(sb_fs_read(p, 1024, &text, &len, &err) == SB_OK && strcmp(text, "c\n") == 0,
	   "went into a new file under the name, not the removed one");
	free(text);
	/* a line appended between the loader's read and its removal: the loader keeps it in a new
	 * file renamed over the name, and the next append goes there */
	const char *l1 = "2025-11-20T10:15:00Z\tping\t127.0.0.1\t0.045\t0.0\t3\t3";
	const char *l2 = "2025-11-20T10:16:00Z\tping\t127.0.0.1\t0.046\t0.0\t3\t3";
	unlink(p);
	sb_trace_keep_open(dir, 4);
	is_int(sb_trace_append(p, l1, strlen(l1), &err), SB_OK, "a record in a kept file");
	sink_ctx mid = {.append_to = p, .line = "tail", .fd = -1};
	const sb_trace_sink sink2 = {.put = sink_put, .ctx = &mid};
	is_int(sb_trace_load(dir, set, &sink2, 1, &stats, &err), SB_OK,
	       "loaded, with a line appended meanwhile");
	is_int(sb_trace_append(p, l2, strlen(l2), &err), SB_OK, "an append after the rename");
	text = NULL;
	char *want = sb_xasprintf("tail\n%s\n", l2);
	ok(sb_fs_read(p, 1024, &text, &len, &err) == SB_OK && strcmp(text, want) == 0,
	   "went into the file the name now gives, after the kept line");
	free(want);
	free(text);
	/* a line still being written when the loader reads the size (its head, no newline yet):
	 * left out of the kept tail, for its writer writes it again; before the next line it
	 * would spoil both */
	sink_ctx half = {.append_to = p, .line = "tail2", .cut = "2025-11-20T10:1", .fd = -1};
	const sb_trace_sink sink3 = {.put = sink_put, .ctx = &half};
	is_int(sb_trace_load(dir, set, &sink3, 1, &stats, &err), SB_OK,
	       "loaded, with a line half written meanwhile");
	is_int(sb_trace_append(p, l2, strlen(l2), &err), SB_OK, "the next append");
	text = NULL;
	want = sb_xasprintf("tail2\n%s\n", l2);
	ok(sb_fs_read(p, 1024, &text, &len, &err) == SB_OK && strcmp(text, want) == 0,
	   "the half line left out of the kept tail");
	free(want);
	free(text);
	/* a line cut short by a daemon killed while writing it: the daemon started again ends it
	 * before its next line, so the loader rejects the cut one alone */
	sb_trace_keep_open(dir, 4);
	int raw = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	ok(raw >= 0 && write(raw, "2025-11-20T10:1", 15) == 15, "a line cut short");
	close(raw);
	is_int(sb_trace_append(p, l1, strlen(l1), &err), SB_OK, "the first append after a restart");
	text = NULL;
	want = sb_xasprintf("tail2\n%s\n2025-11-20T10:1\n%s\n", l2, l1);
	ok(sb_fs_read(p, 1024, &text, &len, &err) == SB_OK && strcmp(text, want) == 0,
	   "the cut line ended before the next one");
	free(want);
	free(text);
	/* the next hour: its file takes the place of the link's previous one */
	char *next = sb_trace_path(dir, "ping", 1, 1, 1763633700 + 3600);
	is_int(sb_trace_append(next, "n", 1, &err), SB_OK, "the next hour's file of the link");
	is_int((long)sb_trace_kept_open(), 1, "one file kept for the link, the new hour's");
	ok(sb_fs_is_file(next) && sb_fs_is_file(p), "both hours' files are there");
	free(next);
	/* at most 4 kept; the others are written all the same */
	int all = 1;
	for (int64_t link = 2; link <= 7; link++) {
		char *q = sb_trace_path(dir, "ping", 1, link, 1763633700);
		all &= sb_trace_append(q, "e", 1, &err) == SB_OK && sb_fs_is_file(q);
		free(q);
	}
	ok(all, "six more links' files written");
	is_int((long)sb_trace_kept_open(), 4, "no more than 4 kept open");
	/* a file written once in a while (a link's name) is not kept in a probe's file's place */
	sb_trace_keep_open(dir, 4);
	char *name = sb_trace_path(dir, "links", 1, 1, 1763633700);
	is_int(sb_trace_append_once(name, "n", 1, &err), SB_OK, "a link's name written once");
	is_int((long)sb_trace_kept_open(), 0, "and its file not kept open");
	is_int(sb_trace_append(p, "g", 1, &err), SB_OK, "a probe's append after it");
	is_int((long)sb_trace_kept_open(), 1, "keeps the probe's file open");
	text = NULL;
	ok(sb_fs_read(name, 1024, &text, &len, &err) == SB_OK && strcmp(text, "n\n") == 0,
	   "the name's line is in its file");
	free(text);
	free(name);
	sb_trace_keep_open(NULL, 0);
	is_int((long)sb_trace_kept_open(), 0, "keep_open(0) closes them");
	is_int(sb_trace_append(p, "f", 1, &err), SB_OK, "appends go on without keeping");
	is_int((long)sb_trace_kept_open(), 0, "none kept");
	free(p);
	sb_rec_set_free(&set);
	ok(tap_rmtree(dir), "cleanup");
}

/* A loader in another process takes files while the monitor appends to kept ones: every record
 * appended is handed over, by one of its loads or the last one. */
static void test_trace_race(void)
{
	char dir[256];
	ok(tap_tempdir(dir, sizeof(dir), "monrace"), "temp dir");
	sb_err err = {0};
	sb_rec_set *set = ping_set();
	char *got = sb_xasprintf("%s/got.txt", dir);
	int out = open(got, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ok(out >= 0, "the loaders' list of records");
	char *stop = sb_xasprintf("%s/stop", dir);
	pid_t child = fork();
	if (child == 0) {
		sink_ctx c = {.fd = out};
		const sb_trace_sink sink = {.put = sink_put, .ctx = &c};
		sb_trace_stats stats;
		while (!sb_fs_is_file(stop)) {
			if (sb_trace_load(dir, set, &sink, 1, &stats, &err) != SB_OK)
				_exit(1);
		}
		_exit(0);
	}
	sb_trace_keep_open(dir, 64);
	enum { LINKS = 20, RECORDS = 4000 };
	/* lines of 2 KB, so that many cross a page: the loader sees some of them half written */
	static char host[2001];
	memset(host, 'h', sizeof(host) - 1);
	int all = 1;
	for (int i = 0; i < RECORDS; i++) {
		int64_t link = 1 + i % LINKS, ts = 1763633700 + i;
		char *path = sb_trace_path(dir, "ping", 1, link, 1763633700);
		char line[2100];
		char stamp[32];
		time_t t = (time_t)ts;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(line, sizeof(line), "%s\tping\t%s\t0.045\t0.0\t3\t3", stamp, host);
		all &= sb_trace_append(path, line, strlen(line), &err) == SB_OK;
		free(path);
		if (i % 200 == 0)
			usleep(2000);
	}
	ok(all, "%d records appended to %d kept files", RECORDS, LINKS);
	ok(sb_fs_write_atomic(stop, "", 0, &err) == SB_OK, "the loader told to stop");
	int status = -1;
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process's loads went well");
	sink_ctx c = {.fd = out};
	const sb_trace_sink sink = {.put = sink_put, .ctx = &c};
	sb_trace_stats stats;
	is_int(sb_trace_load(dir, set, &sink, 1, &stats, &err), SB_OK, "the last load");
	close(out);
	char *text = NULL;
	size_t len = 0;
	ok(sb_fs_read(got, (size_t)64 << 20, &text, &len, &err) == SB_OK, "the list read back");
	static char seen[RECORDS];
	memset(seen, 0, sizeof(seen));
	size_t handed = 0;
	for (char *q = text; q != NULL && *q != '\0';) {
		long long link = 0, ts = 0;
		if (sscanf(q, "%lld %lld", &link, &ts) == 2 && ts >= 1763633700 &&
		    ts < 1763633700 + RECORDS && 1 + (ts - 1763633700) % LINKS == link)
			seen[ts - 1763633700] = 1;
		handed++;
		char *nl = strchr(q, '\n');
		q = nl != NULL ? nl + 1 : NULL;
	}
	int lost = 0;
	for (int i = 0; i < RECORDS; i++)
		lost += !seen[i];
	is_int(lost, 0, "no record lost (%zu handed over, some twice)", handed);
	free(text);
	sb_trace_keep_open(NULL, 0);
	sb_rec_set_free(&set);
	free(got);
	free(stop);
	ok(tap_rmtree(dir), "cleanup");
}

static sb_rec_set *ping_set(void)
{
	const sb_probe_record rec = {.fields = ping_fields, .up = "received", .loss = "loss"};
	sb_rec_decl *d = NULL;
	sb_err err = {0};
	if (sb_rec_decl_new("ping", &rec, &d, &err) != SB_OK)
		return NULL;
	sb_rec_set *set = sb_rec_set_new();
	sb_rec_set_add(set, d);
	sb_rec_decl_unref(d);
	return set;
}

int main(void)
{
	test_config();
	test_trace_keep_open();
	test_trace_race();
	test_ping_parse();
	test_traceroute_parse();
	test_trace();
	return tap_done();
}
