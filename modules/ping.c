/* ping.c - the ping probe: ICMP echo over a datagram socket, or the system ping where that is
 * refused; per run the median RTT, the loss and the spread of the replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <scanbackup/scanbackup.h>

#define SB_PING_MAX_COUNT 100

static const sb_probe_param sb_ping_params[] = {
	{"count", SB_PARAM_INT, "3", 1, SB_PING_MAX_COUNT, "echo requests per run"},
	{"timeout", SB_PARAM_NUMBER, "1", 0.01, 60, "seconds to wait for each reply"},
	{"probe_interval", SB_PARAM_NUMBER, "1", 0.01, 60, "seconds between two requests"},
	{"method", SB_PARAM_STRING, "auto", 0, 16,
	 "auto (an ICMP datagram socket, else the system ping), socket or system"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* What a run writes (PING_HISTORY): the median RTT and the loss, as always, and the spread of
 * the replies SmokePing users read: the fastest, the slowest, and the jitter. */
static const sb_probe_field sb_ping_fields[] = {
	{.name = "ip", .type = SB_FIELD_STRING, .max = 2048, .help = "the link's address"},
	{.name = "rtt",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .min = -1,
	 .max = 3600000,
	 .decimals = 3,
	 .help = "median round-trip time of the replies; -1 when none came back"},
	{.name = "loss",
	 .type = SB_FIELD_NUMBER,
	 .unit = "%",
	 .min = 0,
	 .max = 100,
	 .decimals = 1,
	 .help = "echo requests left without a reply"},
	{.name = "sent",
	 .type = SB_FIELD_INT,
	 .min = 0,
	 .max = 1000000,
	 .help = "echo requests sent"},
	{.name = "received",
	 .type = SB_FIELD_INT,
	 .min = 0,
	 .max = 1000000,
	 .at_most = "sent",
	 .help = "replies received"},
	{.name = "min",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .optional = 1,
	 .min = 0,
	 .max = 3600000,
	 .decimals = 3,
	 .help = "the fastest reply"},
	{.name = "max",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .optional = 1,
	 .min = 0,
	 .max = 3600000,
	 .decimals = 3,
	 .help = "the slowest reply"},
	{.name = "jitter",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .optional = 1,
	 .min = 0,
	 .max = 3600000,
	 .decimals = 3,
	 .help = "mean deviation: the mean distance of the replies' RTTs from their mean"},
	{.name = NULL},
};

static const sb_probe_record sb_ping_record = {
	.fields = sb_ping_fields,
	.up = "received",
	.headline = "rtt",
	.loss = "loss",
};

/* The record of one run on one link, from the RTTs (ms) of the replies that came back in time
 * (rtt[0..n), reordered) and the requests sent and replies counted; then the probe ends. This is
 * all a run's outcome needs: it does not matter how the echoes went out and came back. */
static void sb_ping_result(sb_probe *p, double *rtt, size_t n, int sent, int received)
{
	sb_probe_set_string(p, "ip", sb_probe_link_ip(p));
	sb_probe_set_int(p, "sent", sent);
	sb_probe_set_int(p, "received", received);
	sb_probe_set_number(p, "loss",
			    sent > 0 ? 100.0 * (double)(sent - received) / (double)sent : 100.0);
	if (n == 0) {
		sb_probe_set_number(p, "rtt", -1);
	} else {
		double lo = rtt[0], hi = rtt[0], sum = 0, dev = 0;
		for (size_t i = 0; i < n; i++) {
			lo = rtt[i] < lo ? rtt[i] : lo;
			hi = rtt[i] > hi ? rtt[i] : hi;
			sum += rtt[i];
		}
		double mean = sum / (double)n;
		for (size_t i = 0; i < n; i++)
			dev += rtt[i] > mean ? rtt[i] - mean : mean - rtt[i];
		sb_probe_set_number(p, "min", lo);
		sb_probe_set_number(p, "max", hi);
		sb_probe_set_number(p, "jitter", dev / (double)n);
		sb_probe_set_number(p, "rtt", sb_stats_median_dbl(rtt, n));
	}
	sb_probe_put(p);
	sb_probe_done(p);
}

/* One run over a socket. */
typedef struct sb_ping {
	int fd;
	int count, sent, received;
	double interval, timeout;
	double sent_at[SB_PING_MAX_COUNT];
	double rtt[SB_PING_MAX_COUNT];
	char got[SB_PING_MAX_COUNT];
	struct sockaddr_storage to;
	socklen_t tolen;
} sb_ping;

static int sb_ping_from_link(const sb_ping *s, const struct sockaddr_storage *from);

static void sb_ping_finish(sb_probe *p, sb_ping *s)
{
	double v[SB_PING_MAX_COUNT];
	size_t n = 0;
	for (int i = 0; i < s->sent; i++)
		if (s->got[i])
			v[n++] = s->rtt[i];
	sb_ping_result(p, v, n, s->sent, s->received);
}

static void sb_ping_deadline(sb_probe *p, void *arg)
{
	sb_ping_finish(p, arg);
}

static void sb_ping_readable(sb_probe *p, int fd, void *arg)
{
	sb_ping *s = arg;
	unsigned char buf[1500];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fromlen);
		if (n < 0)
			break; /* EAGAIN, or an ICMP error queued for us: the probe counts as lost */
		double now = sb_time_mono();
		if (n < 8 || !sb_ping_from_link(s, &from))
			continue;
		int reply = sb_probe_link_family(p) == 6 ? buf[0] == 129 : buf[0] == 0;
		int seq = (buf[6] << 8 | buf[7]) - 1;
		if (!reply || seq < 0 || seq >= s->sent || s->got[seq])
			continue;
		double rtt = now - s->sent_at[seq];
		if (rtt > s->timeout)
			continue; /* too late: lost */
		s->got[seq] = 1;
		s->rtt[seq] = rtt * 1000.0;
		s->received++;
	}
	if (s->sent == s->count && s->received == s->count)
		sb_ping_finish(p, s);
}

static void sb_ping_send(sb_probe *p, void *arg)
{
	sb_ping *s = arg;
	unsigned char pkt[24];
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = sb_probe_link_family(p) == 6 ? 128 : 8; /* echo request */
	int seq = s->sent + 1;
	pkt[6] = (unsigned char)(seq >> 8);
	pkt[7] = (unsigned char)seq;
	memcpy(pkt + 8, "scanbackup-ping!", 16);
	s->sent_at[s->sent] = sb_time_mono();
	if (sendto(s->fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)&s->to, s->tolen) < 0 &&
	    errno != ENETUNREACH && errno != EHOSTUNREACH && errno != ENOBUFS && errno != EAGAIN)
		sb_probe_log(p, SB_LOG_DEBUG, "send: %s (counted as lost)", strerror(errno));
	s->sent++;
	int rc = s->sent < s->count ? sb_probe_timer(p, s->interval, sb_ping_send, s)
				    : sb_probe_timer(p, s->timeout, sb_ping_deadline, s);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot arm a timer");
}

/* Opens the ICMP datagram socket and fills the link's address; -1 with errno when refused. The
 * socket is not connected: sendto binds it on the first echo, one syscall less per run (a
 * thousand links start at once), and replies are matched on their source address below. */
static int sb_ping_socket(sb_probe *p, sb_ping *s)
{
	int v6 = sb_probe_link_family(p) == 6;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return -1;
	memset(&s->to, 0, sizeof(s->to));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->to;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, sb_probe_link_ip(p), &a->sin6_addr);
		s->tolen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&s->to;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, sb_probe_link_ip(p), &a->sin_addr);
		s->tolen = sizeof(*a);
	}
	return fd;
}

/* 1 if from is the link's address. */
static int sb_ping_from_link(const sb_ping *s, const struct sockaddr_storage *from)
{
	if (from->ss_family != s->to.ss_family)
		return 0;
	if (from->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
			      &((const struct sockaddr_in6 *)&s->to)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)&s->to)->sin_addr.s_addr;
}

static void sb_ping_system_done(sb_probe *p, int status, const char *out, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	double rtts[SB_PING_MAX_COUNT];
	size_t n = 0;
	int sent = 0, received = 0;
	if (sb_ping_parse(out, rtts, SB_PING_MAX_COUNT, &n, &sent, &received) != SB_OK) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2 &&
		    strstr(out, "nreachable") != NULL) {
			/* no route: the link is down, not the test broken */
			sb_ping_result(p, NULL, 0, (int)sb_probe_param_int(p, "count"), 0);
			return;
		}
		char first[160];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(out, "\n"), out);
		sb_probe_fail(p, SB_EPARSE, "the system ping said: %s", *first ? first : "nothing");
		return;
	}
	sb_ping_result(p, rtts, n, sent, received);
}

static int sb_ping_system(sb_probe *p)
{
	int count = (int)sb_probe_param_int(p, "count");
	double interval = sb_probe_param_number(p, "probe_interval");
	double timeout = sb_probe_param_number(p, "timeout");
	char c[16], i[32], w[32], deadline[32];
	snprintf(c, sizeof(c), "%d", count);
	snprintf(i, sizeof(i), "%.3f", interval);
	snprintf(w, sizeof(w), "%.3f", timeout);
	snprintf(deadline, sizeof(deadline), "%d", (int)((count - 1) * interval + timeout) + 2);
	char ip[64];
	snprintf(ip, sizeof(ip), "%s", sb_probe_link_ip(p));
	char *argv[] = {"ping",   sb_probe_link_family(p) == 6 ? "-6" : "-4",
			"-n",     "-c",
			c,        "-i",
			i,        "-W",
			w,        "-w",
			deadline, ip,
			NULL};
	int rc = sb_probe_spawn(p, argv, 64 << 10, sb_ping_system_done, NULL);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot run the system ping");
	return SB_OK;
}

static int sb_ping_probe(sb_probe *p)
{
	const char *method = sb_probe_param_str(p, "method");
	if (strcmp(method, "system") == 0)
		return sb_ping_system(p);
	if (strcmp(method, "auto") != 0 && strcmp(method, "socket") != 0) {
		sb_probe_fail(p, SB_EINVAL, "method \"%s\": expected auto, socket or system",
			      method);
		return SB_OK;
	}
	sb_ping *s = sb_xcalloc(1, sizeof(*s));
	int fd = sb_ping_socket(p, s);
	if (fd < 0) {
		int e = errno;
		free(s);
		if (strcmp(method, "auto") == 0 &&
		    (e == EACCES || e == EPERM || e == EPROTONOSUPPORT))
			return sb_ping_system(p); /* net.ipv4.ping_group_range leaves us out */
		sb_probe_fail(p, SB_EIO, "ICMP datagram socket: %s", strerror(e));
		return SB_OK;
	}
	s->fd = fd;
	s->count = (int)sb_probe_param_int(p, "count");
	s->interval = sb_probe_param_number(p, "probe_interval");
	s->timeout = sb_probe_param_number(p, "timeout");
	sb_probe_set_data(p, s, free);
	int rc = sb_probe_watch(p, fd, sb_ping_readable, s);
	if (rc != SB_OK) {
		close(fd);
		sb_probe_fail(p, rc, "cannot watch the socket");
		return SB_OK;
	}
	sb_ping_send(p, s);
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "ping",
	.kind = SB_KIND_PROBE,
	.description = "ICMP echo: median RTT, loss, min, max and jitter per run (datagram socket, "
		       "else the system ping)",
	.params = sb_ping_params,
	.probe = sb_ping_probe,
	.record = &sb_ping_record,
};
