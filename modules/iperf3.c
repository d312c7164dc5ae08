/* iperf3.c - the iperf3 probe: TCP throughput to an iperf3 server on the link, over libiperf;
 * per run the rate sent and received, the retransmissions and the time it took. */
#include <stdint.h> /* before iperf_api.h, which uses uint64_t without it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <iperf_api.h>

#include <scanbackup/scanbackup.h>

static const sb_probe_param sb_iperf3_params[] = {
	{"port", SB_PARAM_INT, "5201", 1, 65535, "the iperf3 server's TCP port"},
	{"duration", SB_PARAM_INT, "5", 1, 60, "seconds of traffic per run"},
	{"streams", SB_PARAM_INT, "1", 1, 16, "parallel TCP streams"},
	{"reverse", SB_PARAM_BOOL, "false", 0, 0, "true: the server sends, the monitor receives"},
	{"connect_timeout", SB_PARAM_NUMBER, "5", 0.1, 60, "seconds to wait for the connection"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* What a run writes (IPERF3_HISTORY). A run that could not measure (no server, busy, refused)
 * writes its error and no rates: the link counts as down for it. */
static const sb_probe_field sb_iperf3_fields[] = {
	{.name = "ip", .type = SB_FIELD_STRING, .max = 2048, .help = "the link's address"},
	{.name = "port", .type = SB_FIELD_INT, .min = 1, .max = 65535, .help = "the server's port"},
	{.name = "received",
	 .type = SB_FIELD_NUMBER,
	 .unit = "bit/s",
	 .optional = 1,
	 .min = 0,
	 .max = 1e15,
	 .decimals = 0,
	 .help = "the rate the receiving end counted: the throughput"},
	{.name = "sent",
	 .type = SB_FIELD_NUMBER,
	 .unit = "bit/s",
	 .optional = 1,
	 .min = 0,
	 .max = 1e15,
	 .decimals = 0,
	 .help = "the rate the sending end wrote"},
	{.name = "retransmits",
	 .type = SB_FIELD_INT,
	 .optional = 1,
	 .min = 0,
	 .max = 1e12,
	 .help = "TCP segments the sender retransmitted (none when the kernel does not say)"},
	{.name = "seconds",
	 .type = SB_FIELD_NUMBER,
	 .unit = "s",
	 .optional = 1,
	 .min = 0,
	 .max = 3600,
	 .decimals = 3,
	 .help = "how long the traffic ran"},
	{.name = "reverse", .type = SB_FIELD_BOOL, .help = "the server sent"},
	{.name = "error",
	 .type = SB_FIELD_STRING,
	 .optional = 1,
	 .max = 512,
	 .help = "iperf3's words when the run could not measure"},
	{.name = NULL},
};

static const sb_probe_record sb_iperf3_record = {
	.fields = sb_iperf3_fields,
	.up = "received",
	.headline = "received",
};

/* What the child needs, copied before the fork: it may call nothing of the SDK. */
typedef struct sb_iperf3_run {
	char host[64];
	int port, duration, streams, reverse, connect_ms;
} sb_iperf3_run;

/* In the child: one iperf3 client run; its JSON report goes to stdout (libiperf prints it, an
 * "error" member included when the run failed). Returns 0, or 1 when the run failed. */
static int sb_iperf3_child(void *arg)
{
	const sb_iperf3_run *r = arg;
	struct iperf_test *t = iperf_new_test();
	if (t == NULL || iperf_defaults(t) < 0) {
		printf("{\"error\": \"cannot set up an iperf3 test\"}\n");
		return 1;
	}
	iperf_set_test_role(t, 'c');
	iperf_set_test_server_hostname(t, r->host);
	iperf_set_test_server_port(t, r->port);
	iperf_set_test_duration(t, r->duration);
	iperf_set_test_num_streams(t, r->streams);
	iperf_set_test_reverse(t, r->reverse);
	iperf_set_test_connect_timeout(t, r->connect_ms);
	iperf_set_test_json_output(t, 1);
	int rc = iperf_run_client(t);
	iperf_free_test(t);
	return rc < 0 ? 1 : 0;
}

/* The record from the child's JSON report. */
static void sb_iperf3_done(sb_probe *p, int status, const char *out, size_t len, void *arg)
{
	(void)len;
	const sb_iperf3_run *r = arg;
	sb_probe_set_string(p, "ip", sb_probe_link_ip(p));
	sb_probe_set_int(p, "port", r->port);
	sb_probe_set_bool(p, "reverse", r->reverse);
	char error[512] = "";
	double sent = 0, received = 0, retr = 0, secs = 0;
	int json = sb_probe_json_string(out, "error", error, sizeof(error));
	if (json == SB_EPARSE) {
		/* no report at all: the child died, or libiperf gave up before its JSON began */
		snprintf(error, sizeof(error), "iperf3 gave no report (exit status %d): %.*s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, (int)strcspn(out, "\n"),
			 out);
	} else if (json != SB_OK &&
		   (sb_probe_json_number(out, "end.sum_sent.bits_per_second", &sent) != SB_OK ||
		    sb_probe_json_number(out, "end.sum_received.bits_per_second", &received) !=
			    SB_OK)) {
		snprintf(error, sizeof(error),
			 "iperf3's report has no end.sum_sent and "
			 "end.sum_received rates");
	}
	if (error[0] == '\0' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		sb_probe_set_number(p, "sent", sent);
		sb_probe_set_number(p, "received", received);
		if (sb_probe_json_number(out, "end.sum_sent.retransmits", &retr) == SB_OK)
			sb_probe_set_int(p, "retransmits", (int64_t)retr);
		if (sb_probe_json_number(out, "end.sum_received.seconds", &secs) == SB_OK)
			sb_probe_set_number(p, "seconds", secs);
	} else {
		sb_probe_set_string(p, "error", error[0] ? error : "iperf3 failed");
	}
	sb_probe_put(p);
	sb_probe_done(p);
}

static int sb_iperf3_probe(sb_probe *p)
{
	sb_iperf3_run *r = sb_xcalloc(1, sizeof(*r));
	snprintf(r->host, sizeof(r->host), "%s", sb_probe_link_ip(p));
	r->port = (int)sb_probe_param_int(p, "port");
	r->duration = (int)sb_probe_param_int(p, "duration");
	r->streams = (int)sb_probe_param_int(p, "streams");
	r->reverse = sb_probe_param_bool(p, "reverse");
	r->connect_ms = (int)(sb_probe_param_number(p, "connect_timeout") * 1000.0);
	sb_probe_set_data(p, r, free);
	int rc = sb_probe_fork(p, sb_iperf3_child, r, 256 << 10, sb_iperf3_done, r);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot start the iperf3 client");
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "iperf3",
	.kind = SB_KIND_PROBE,
	.description = "iperf3 over libiperf: TCP throughput to an iperf3 server on the link",
	.params = sb_iperf3_params,
	.probe = sb_iperf3_probe,
	.record = &sb_iperf3_record,
};
