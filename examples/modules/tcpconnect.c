/* tcpconnect.c - an example probe module: the time a TCP connection to a port of the link takes to
 * open. Written against the installed SDK alone (docs/modules.md walks through it):
 *
 *     cc -shared -fPIC $(pkg-config --cflags scanbackup) -o tcpconnect.so tcpconnect.c
 *     cp tcpconnect.so "$(pkg-config --variable=moduledir scanbackup)"
 *
 * and in monitor.json, a test of that name:
 *
 *     "tests": { "tcpconnect": { "interval": 60, "port": 443, "port_7": 22 } }
 *
 * Each run opens one connection to <link ip>:<port> and closes it as soon as it is open: the
 * record says whether it opened, in how many milliseconds, and why not when it did not
 * ("Connection refused", or no answer within the timeout). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <scanbackup/scanbackup.h>

/* The parameters a test of this module takes in monitor.json ("port_<link id>" sets one link's). */
static const sb_probe_param tcp_params[] = {
	{"port", SB_PARAM_INT, NULL, 1, 65535, "the TCP port to connect to (required)"},
	{"timeout", SB_PARAM_NUMBER, "3", 0.01, 60, "seconds to wait for the connection"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* What one run writes: TCPCONNECT_HISTORY gets a column per field. */
static const sb_probe_field tcp_fields[] = {
	{.name = "ip", .type = SB_FIELD_STRING, .max = 64, .help = "the link's address"},
	{.name = "port", .type = SB_FIELD_INT, .min = 1, .max = 65535, .help = "the port"},
	{.name = "open", .type = SB_FIELD_BOOL, .help = "the connection opened"},
	{.name = "connect",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .optional = 1, /* no value when it did not open */
	 .min = 0,
	 .max = 60000,
	 .decimals = 3,
	 .help = "the time from connect() to the connection open"},
	{.name = "error",
	 .type = SB_FIELD_STRING,
	 .optional = 1,
	 .max = 200,
	 .help = "why it did not open"},
	{.name = NULL},
};

static const sb_probe_record tcp_record = {
	.fields = tcp_fields,
	.up = "open",          /* the link is up when the port answered */
	.headline = "connect", /* the run's value: the heat map's, the status line's */
};

/* One run's state. */
typedef struct tcp_run {
	double start; /* sb_time_mono() at connect() */
} tcp_run;

/* Writes the record and ends the probe: ms >= 0 when the connection opened, else error. */
static void tcp_result(sb_probe *p, double ms, const char *error)
{
	sb_probe_set_string(p, "ip", sb_probe_link_ip(p));
	sb_probe_set_int(p, "port", sb_probe_param_int(p, "port"));
	sb_probe_set_bool(p, "open", ms >= 0);
	if (ms >= 0)
		sb_probe_set_number(p, "connect", ms);
	else
		sb_probe_set_string(p, "error", error);
	sb_probe_put(p); /* a refused record is logged by the core, naming this file */
	sb_probe_done(p);
}

/* The connect() has ended, one way or the other. */
static void tcp_writable(sb_probe *p, int fd, void *arg)
{
	tcp_run *run = arg;
	double ms = (sb_time_mono() - run->start) * 1000.0;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	tcp_result(p, err == 0 ? ms : -1, strerror(err));
}

/* No answer in time. */
static void tcp_timeout(sb_probe *p, void *arg)
{
	(void)arg;
	tcp_result(p, -1, "no answer within the timeout");
}

/* The probe hook: starts one run on one link, and returns at once. */
static int tcp_probe(sb_probe *p)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	memset(&to, 0, sizeof(to));
	int port = (int)sb_probe_param_int(p, "port");
	if (sb_probe_link_family(p) == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, sb_probe_link_ip(p), &a->sin6_addr);
		tolen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&to;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, sb_probe_link_ip(p), &a->sin_addr);
		tolen = sizeof(*a);
	}
	int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sb_probe_fail(p, SB_EIO, "socket: %s", strerror(errno));
		return SB_OK;
	}
	tcp_run *run = sb_xcalloc(1, sizeof(*run));
	sb_probe_set_data(p, run, free); /* freed by the core when the probe ends */
	run->start = sb_time_mono();
	if (connect(fd, (struct sockaddr *)&to, tolen) == 0) { /* at once, as on loopback */
		double ms = (sb_time_mono() - run->start) * 1000.0;
		close(fd);
		tcp_result(p, ms, NULL);
		return SB_OK;
	}
	if (errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		tcp_result(p, -1, strerror(e)); /* refused at once: the link answered "no" */
		return SB_OK;
	}
	/* from here the fd is the core's: it is closed when the probe ends */
	int rc = sb_probe_watch_write(p, fd, tcp_writable, run);
	if (rc != SB_OK) {
		close(fd);
		sb_probe_fail(p, rc, "cannot watch the socket");
		return SB_OK;
	}
	rc = sb_probe_timer(p, sb_probe_param_number(p, "timeout"), tcp_timeout, run);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot arm a timer");
	return SB_OK;
}

/* The one symbol the module exports. */
const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "tcpconnect",
	.kind = SB_KIND_PROBE,
	.description = "the time a TCP connection to host:port takes to open",
	.params = tcp_params,
	.probe = tcp_probe,
	.record = &tcp_record,
};
