/* ping.c - the ping probe: ICMP echo over the datagram sockets all links share, or the system ping
 * where they are refused; per run the median RTT, the loss and the spread of the replies. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

/* ---- over the test's shared ICMP datagram sockets ----
 *
 * Every link's echoes go out of one socket per address family, so a run of ten thousand links
 * holds two descriptors and starts whole at its grid time. The kernel stamps each socket's echoes
 * with an identifier of its own and hands it the replies that carry it; the sequence number,
 * given out here from one counter for all links, says which link's which echo a reply answers,
 * and its source address must be that link's. */

/* The echoes of every run awaiting a reply: sb_ping_wait[seq] is the run that sent echo seq. */
#define SB_PING_SEQS 65536

typedef struct sb_ping sb_ping;

static sb_ping **sb_ping_wait;
static unsigned sb_ping_seq;

/* One echo of a run. */
typedef struct sb_echo {
	double sent_at; /* monotonic seconds */
	double rtt;     /* ms, once replied */
	uint16_t seq;
	char state; /* SB_ECHO_... */
} sb_echo;

enum { SB_ECHO_UNSENT, SB_ECHO_WAITING, SB_ECHO_REPLIED, SB_ECHO_LOST };

/* One run on one link. */
struct sb_ping {
	sb_probe *p;
	struct sb_round *round; /* the round it sends with; NULL once it left it */
	size_t at;              /* its place in the round */
	int fd;
	int count, sent, received, waiting;
	double interval, timeout;
	struct sockaddr_storage to;
	socklen_t tolen;
	sb_echo echo[]; /* count of them */
};

/* A round: the runs that started on one turn of the loop with the same count, interval and
 * timeout. They send their echoes together, echo k of every run in one pass, from one timer:
 * ten thousand runs cost three passes and a deadline, not forty thousand timers. The timer is a
 * probe's (a module's timers are its probes'): the carrier's, one of the round's runs, and when
 * that run ends first the next run still in the round carries it on. */
typedef struct sb_round {
	sb_ping **run;     /* run[lo..n): NULL once a run ended */
	size_t n, cap, lo; /* run[0..lo) are all NULL */
	size_t live;
	int count, passes; /* echoes each run sends; passes made */
	double interval, timeout;
	double due;            /* monotonic seconds of the next pass, or of the deadline */
	sb_probe *carrier;     /* whose timer is armed for due; NULL while none is */
	int in_pass;           /* runs are ending under a pass: it re-arms when done */
	struct sb_round *next; /* while forming: its first pass not made yet */
} sb_round;

static sb_round *sb_rounds_forming;
/* The largest array of runs a round ended with, for the next round: a run's round grows one as
 * large again, and a burst of frees of large blocks makes the allocator sort all its small
 * ones each time. */
static sb_ping **sb_round_spare;
static size_t sb_round_spare_cap;

static void sb_ping_finish(sb_ping *s)
{
	double v[SB_PING_MAX_COUNT];
	size_t n = 0;
	for (int i = 0; i < s->sent; i++)
		if (s->echo[i].state == SB_ECHO_REPLIED)
			v[n++] = s->echo[i].rtt;
	sb_ping_result(s->p, v, n, s->sent, s->received);
}

static void sb_round_arm(sb_round *r);
static void sb_round_leave(sb_ping *s);

/* The run's end, whichever way (sb_probe_set_data): its echoes no longer wait, and it leaves its
 * round. */
static void sb_ping_free(void *arg)
{
	sb_ping *s = arg;
	for (int i = 0; i < s->sent; i++)
		if (s->echo[i].state == SB_ECHO_WAITING && sb_ping_wait[s->echo[i].seq] == s)
			sb_ping_wait[s->echo[i].seq] = NULL;
	sb_round_leave(s);
	free(s);
}

/* 1 if from is the run's link. */
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

/* One datagram read from a shared socket at now (monotonic), after it waited there for waited
 * seconds since the kernel stamped its arrival (-1 when not stamped). */
static void sb_ping_reply(const unsigned char *buf, size_t n, const struct sockaddr_storage *from,
			  double now, double waited)
{
	if (n < 8 || (from->ss_family == AF_INET6 ? buf[0] != 129 : buf[0] != 0))
		return; /* not an echo reply */
	unsigned seq = (unsigned)buf[6] << 8 | buf[7];
	sb_ping *s = sb_ping_wait[seq];
	if (s == NULL || !sb_ping_from_link(s, from))
		return; /* a late reply, one to another process's echo, or forged */
	int i = 0;
	while (i < s->sent && !(s->echo[i].seq == seq && s->echo[i].state == SB_ECHO_WAITING))
		i++;
	if (i == s->sent)
		return;
	sb_echo *e = &s->echo[i];
	sb_ping_wait[seq] = NULL;
	s->waiting--;
	/* up to the kernel's stamp, so that a busy loop makes no RTT longer, no echo late; the
	 * whole time when there is none or the real-time clock was stepped in between */
	double rtt = now - e->sent_at;
	if (waited >= 0 && waited <= rtt)
		rtt -= waited;
	if (rtt > s->timeout) {
		e->state = SB_ECHO_LOST; /* too late: lost */
	} else {
		e->state = SB_ECHO_REPLIED;
		e->rtt = rtt * 1000.0;
		s->received++;
	}
	if (s->sent == s->count && s->waiting == 0)
		sb_ping_finish(s); /* every echo answered or given up: no need to wait on */
}

#define SB_PING_BATCH 64

/* A shared socket is readable: every reply waiting in it, read SB_PING_BATCH at a time. */
static void sb_ping_readable(int fd, void *arg)
{
	(void)arg;
	static unsigned char bufs[SB_PING_BATCH][192];
	static struct sockaddr_storage from[SB_PING_BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[SB_PING_BATCH];
	struct mmsghdr msgs[SB_PING_BATCH];
	struct iovec iov[SB_PING_BATCH];
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < SB_PING_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		int n = recvmmsg(fd, msgs, SB_PING_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN, or an ICMP error queued: the echo counts as lost */
		/* the time a reply waited in the socket: the real-time clock now, less the
		 * kernel's stamp (real time) */
		double now = sb_time_mono();
		struct timespec real;
		clock_gettime(CLOCK_REALTIME, &real);
		for (int i = 0; i < n; i++) {
			double waited = -1;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL;
			     c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;
					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					waited = (double)(real.tv_sec - ts.tv_sec) +
						 (double)(real.tv_nsec - ts.tv_nsec) / 1e9;
				}
			}
			sb_ping_reply(bufs[i], msgs[i].msg_len, &from[i], now, waited);
		}
		if (n < SB_PING_BATCH)
			return;
	}
}

/* A free sequence number for echo e of s, or -1 when SB_PING_SEQS echoes all wait within their
 * timeout. An echo whose timeout has passed gives its number up: its outcome is known (lost). */
static int sb_ping_take_seq(sb_ping *s, double now)
{
	for (unsigned k = 0; k < SB_PING_SEQS; k++) {
		unsigned seq = sb_ping_seq++ % SB_PING_SEQS;
		sb_ping *o = sb_ping_wait[seq];
		if (o != NULL) {
			int i = 0;
			while (i < o->sent &&
			       !(o->echo[i].seq == seq && o->echo[i].state == SB_ECHO_WAITING))
				i++;
			if (i < o->sent && now - o->echo[i].sent_at <= o->timeout)
				continue;
			if (i < o->sent) {
				o->echo[i].state = SB_ECHO_LOST;
				o->waiting--;
			}
		}
		sb_ping_wait[seq] = s;
		return (int)seq;
	}
	return -1;
}

/* Sends s's next echo. */
static void sb_ping_send(sb_ping *s)
{
	sb_echo *e = &s->echo[s->sent];
	e->sent_at = sb_time_mono();
	int seq = sb_ping_take_seq(s, e->sent_at);
	if (seq < 0) {
		sb_probe_log(s->p, SB_LOG_WARNING,
			     "%d echoes await replies: this one is not sent "
			     "(counted as lost)",
			     SB_PING_SEQS);
		e->state = SB_ECHO_LOST;
	} else {
		unsigned char pkt[24];
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = s->to.ss_family == AF_INET6 ? 128 : 8; /* echo request */
		pkt[6] = (unsigned char)(seq >> 8);
		pkt[7] = (unsigned char)seq;
		memcpy(pkt + 8, "scanbackup-ping!", 16);
		e->seq = (uint16_t)seq;
		e->state = SB_ECHO_WAITING;
		s->waiting++;
		if (sendto(s->fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)&s->to, s->tolen) <
		    0) {
			if (errno != ENETUNREACH && errno != EHOSTUNREACH && errno != ENOBUFS &&
			    errno != EAGAIN)
				sb_probe_log(s->p, SB_LOG_DEBUG, "send: %s (counted as lost)",
					     strerror(errno));
			sb_ping_wait[seq] = NULL;
			e->state = SB_ECHO_LOST;
			s->waiting--;
		}
	}
	s->sent++;
}

/* ---- rounds ---- */

/* Takes r off the forming rounds, if it is there. */
static void sb_round_formed(sb_round *r)
{
	for (sb_round **pr = &sb_rounds_forming; *pr != NULL; pr = &(*pr)->next) {
		if (*pr == r) {
			*pr = r->next;
			break;
		}
	}
	r->next = NULL;
}

static void sb_round_free(sb_round *r)
{
	sb_round_formed(r);
	if (r->cap > sb_round_spare_cap) {
		free(sb_round_spare);
		sb_round_spare = r->run;
		sb_round_spare_cap = r->cap;
	} else {
		free(r->run);
	}
	free(r);
}

/* s leaves its round; the round's timer goes on with another run when s carried it, and the
 * round ends with its last run. */
static void sb_round_leave(sb_ping *s)
{
	sb_round *r = s->round;
	if (r == NULL)
		return;
	s->round = NULL;
	r->run[s->at] = NULL;
	r->live--;
	if (r->carrier == s->p)
		r->carrier = NULL; /* the core released its timer with it */
	if (r->in_pass)
		return; /* the pass re-arms or frees it */
	if (r->live == 0)
		sb_round_free(r);
	else if (r->carrier == NULL)
		sb_round_arm(r);
}

static void sb_round_fire(sb_probe *p, void *arg);

/* Arms the round's timer for r->due on the first run still in it (r->live > 0). */
static void sb_round_arm(sb_round *r)
{
	while (r->run[r->lo] == NULL)
		r->lo++;
	sb_ping *s = r->run[r->lo];
	double in = r->due - sb_time_mono();
	r->carrier = s->p;
	int rc = sb_probe_timer(s->p, in > 0 ? in : 0, sb_round_fire, r);
	if (rc != SB_OK) {
		r->carrier = NULL;
		sb_probe_fail(s->p, rc, "cannot arm a timer"); /* leaves: the next run carries on */
	}
}

/* The round's timer: the next pass, or once every echo is out, the deadline: every run still
 * waiting ends with what came back. Runs may end under it (their replies all in, read during a
 * pass), the carrier too. */
static void sb_round_fire(sb_probe *p, void *arg)
{
	(void)p;
	sb_round *r = arg;
	r->carrier = NULL;
	r->in_pass = 1;
	sb_round_formed(r); /* runs started from now on make a round of their own */
	if (r->passes < r->count) {
		double start = sb_time_mono();
		/* A pass sends in one burst, and the replies (on loopback, made within sendto)
		 * queue in the socket's receive buffer, a few hundred at most: read them every so
		 * many sends, so that none is dropped there. */
		unsigned burst = 0;
		for (size_t i = r->lo; i < r->n; i++) {
			sb_ping *s = r->run[i];
			if (s == NULL)
				continue;
			sb_ping_send(s);
			if (++burst % SB_PING_BATCH == 0)
				sb_ping_readable(s->fd, NULL); /* may end any run, s too */
		}
		r->passes++;
		r->due = r->passes < r->count ? start + r->interval : sb_time_mono() + r->timeout;
	} else {
		for (size_t i = r->lo; i < r->n; i++)
			if (r->run[i] != NULL)
				sb_ping_finish(r->run[i]); /* it leaves the round */
	}
	r->in_pass = 0;
	if (r->live == 0)
		sb_round_free(r);
	else
		sb_round_arm(r);
}

/* s joins the round forming for its count, interval and timeout, or starts one whose first
 * pass is on the next turn of the loop: the run's other links join it first. */
static void sb_round_join(sb_ping *s)
{
	sb_round *r = sb_rounds_forming;
	while (r != NULL &&
	       !(r->count == s->count && r->interval == s->interval && r->timeout == s->timeout))
		r = r->next;
	int fresh = r == NULL;
	if (fresh) {
		r = sb_xcalloc(1, sizeof(*r));
		r->count = s->count;
		r->interval = s->interval;
		r->timeout = s->timeout;
		r->due = sb_time_mono();
		r->run = sb_round_spare;
		r->cap = sb_round_spare_cap;
		sb_round_spare = NULL;
		sb_round_spare_cap = 0;
		r->next = sb_rounds_forming;
		sb_rounds_forming = r;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->run = sb_xrealloc(r->run, r->cap * sizeof(*r->run));
	}
	s->round = r;
	s->at = r->n;
	r->run[r->n++] = s;
	r->live++;
	if (fresh)
		sb_round_arm(r);
}

/* Fills the link's address; 0, or -1 when it is not a numeric address of its family. */
static int sb_ping_address(sb_probe *p, sb_ping *s)
{
	memset(&s->to, 0, sizeof(s->to));
	if (sb_probe_link_family(p) == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->to;
		a->sin6_family = AF_INET6;
		s->tolen = sizeof(*a);
		return inet_pton(AF_INET6, sb_probe_link_ip(p), &a->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)&s->to;
	a->sin_family = AF_INET;
	s->tolen = sizeof(*a);
	return inet_pton(AF_INET, sb_probe_link_ip(p), &a->sin_addr) == 1 ? 0 : -1;
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
	int v6 = sb_probe_link_family(p) == 6;
	int fd = -1;
	if (sb_probe_shared_socket(p, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM,
				   v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, sb_ping_readable, NULL,
				   &fd) != SB_OK) {
		int e = errno;
		if (strcmp(method, "auto") == 0 &&
		    (e == EACCES || e == EPERM || e == EPROTONOSUPPORT))
			return sb_ping_system(p); /* net.ipv4.ping_group_range leaves us out */
		sb_probe_fail(p, SB_EIO, "ICMP datagram socket: %s", strerror(e));
		return SB_OK;
	}
	if (sb_ping_wait == NULL)
		sb_ping_wait = sb_xcalloc(SB_PING_SEQS, sizeof(*sb_ping_wait));
	static int stamped[2]; /* the sockets (fd + 1) asked for receive stamps */
	if (stamped[v6] != fd + 1) {
		int on = 1;
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)); /* else: no stamps */
		/* An echo of 44 bytes fits every link whole, so it leaves as an atomic datagram
		 * (RFC 6864): don't fragment, and an IPv4 identification of 0 the kernel need not
		 * draw. Under the default (fragment when the path asks) the kernel draws one for
		 * every echo from a table hashed by destination: a cache miss an echo, about a
		 * twentieth of the monitor's CPU at 10,000 links. IPv6 has no such field. */
		int df = IP_PMTUDISC_DO;
		if (!v6)
			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &df, sizeof(df));
		stamped[v6] = fd + 1;
	}
	int count = (int)sb_probe_param_int(p, "count");
	sb_ping *s = sb_xcalloc(1, sizeof(*s) + (size_t)count * sizeof(sb_echo));
	s->p = p;
	s->fd = fd;
	s->count = count;
	s->interval = sb_probe_param_number(p, "probe_interval");
	s->timeout = sb_probe_param_number(p, "timeout");
	if (sb_ping_address(p, s) != 0) {
		free(s);
		sb_probe_fail(p, SB_EINVAL, "not a numeric address");
		return SB_OK;
	}
	sb_probe_set_data(p, s, sb_ping_free);
	sb_round_join(s);
	return SB_OK;
}

static void sb_ping_fini(const sb_module_def *self)
{
	(void)self;
	sb_free(sb_ping_wait);
	sb_free(sb_round_spare);
	sb_round_spare_cap = 0;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "ping",
	.kind = SB_KIND_PROBE,
	.description = "ICMP echo: median RTT, loss, min, max and jitter per run (datagram socket, "
		       "else the system ping)",
	.params = sb_ping_params,
	.fini = sb_ping_fini,
	.probe = sb_ping_probe,
	.record = &sb_ping_record,
};
