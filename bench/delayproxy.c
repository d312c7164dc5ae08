/* delayproxy.c - a loopback TCP proxy that adds a round-trip time, for benchmarks over a "WAN"
 * where the kernel's netem is not available.
 *
 * Usage: delayproxy --target PORT [--listen PORT] [--rtt-ms MS] [--rate-mbit MBIT]
 *                   [--port-file FILE] [--max-conns N] [--buffer BYTES]
 *
 * Listens on 127.0.0.1 (a free port unless --listen; the port is printed, and written whole to
 * --port-file) and relays every connection to 127.0.0.1:TARGET. Each byte read from one side is
 * written to the other half the round-trip time later (default 30 ms round trip), and a
 * connection's first bytes from the client wait one more round trip, as a TCP handshake over the
 * link would make them. End of stream travels with the same delay. With --rate-mbit the link
 * also has a rate, each direction its own, shared by every connection as one line is: a chunk
 * read waits until the chunks before it in that direction have gone out at that rate, then
 * travels the half round trip (default: no rate, as fast as loopback). Bounded: at most --max-conns
 * connections (default 1024; more are closed at once) and --buffer bytes waiting per direction
 * (default 4 MiB; reading from that side pauses until it drains). Loopback only, by
 * construction. Stops on SIGINT or SIGTERM. Built by bench/collect.sh (cc -O2); Linux 5.11 and
 * glibc 2.35 or later (epoll_pwait2). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

typedef struct chunk {
	struct chunk *next;
	int64_t due_us; /* when it may be written */
	size_t len, off;
	int eof; /* the end of the stream, to pass on as a shutdown */
	char data[];
} chunk;

/* One direction of a connection: bytes read from `from`, written to `to`. */
typedef struct half {
	int from, to;
	chunk *head, *tail;
	size_t queued;
	int read_eof;  /* `from` said end of stream */
	int write_eof; /* ... and it was passed on */
} half;

typedef struct conn {
	int cfd, sfd;
	int64_t ready_us; /* the client's first bytes wait until then (the handshake's round trip) */
	half up, down;    /* client -> server, server -> client */
	int watched[2];   /* cfd, sfd registered with epoll */
	unsigned mask[2]; /* ... for these events */
	int dead;
	struct conn *next;
} conn;

static int64_t one_way_us = 15000, rtt_us = 30000;
static long rate_mbit;		 /* 0: no rate */
static int64_t line_free_us[2]; /* up, down: when the line is free for the next chunk */
static size_t buffer_max = 4u << 20;
static long max_conns = 1024, nconns;
static int ep;
static conn *conns;
static volatile sig_atomic_t stopping;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The epoll events fd wants: reading until its side ended (and while its direction has room),
 * writing while the other direction has due bytes that did not fit. An fd wanting neither is
 * taken out, so that a hung-up peer does not wake the loop for nothing. */
static void watch(conn *c, int fd)
{
	int i = fd == c->sfd;
	half *in = i ? &c->down : &c->up;  /* read from fd */
	half *out = i ? &c->up : &c->down; /* written to fd */
	struct epoll_event ev = {.data.u64 = (uint64_t)(uintptr_t)c | (uint64_t)i};
	if (!in->read_eof && in->queued < buffer_max)
		ev.events |= EPOLLIN;
	if (out->head != NULL && out->head->off > 0)
		ev.events |= EPOLLOUT;
	if (ev.events == 0 && in->read_eof) {
		if (c->watched[i])
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		c->watched[i] = 0;
		return;
	}
	if (c->watched[i] && c->mask[i] == ev.events)
		return; /* no change: no system call */
	if (epoll_ctl(ep, c->watched[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
		c->dead = 1;
	c->watched[i] = 1;
	c->mask[i] = ev.events;
}

static void push(half *h, chunk *k)
{
	k->next = NULL;
	if (h->tail != NULL)
		h->tail->next = k;
	else
		h->head = k;
	h->tail = k;
	h->queued += k->len;
}

static void drop_chunks(half *h);

static void read_side(conn *c, half *h)
{
	if (h->read_eof)
		return;
	chunk *k = malloc(sizeof(*k) + CHUNK);
	if (k == NULL) {
		c->dead = 1;
		return;
	}
	ssize_t n = read(h->from, k->data, CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(k);
		return;
	}
	if (n < 0) {
		n = 0; /* a reset: an end of stream */
	}
	int64_t t = now_us();
	if (h == &c->up && t < c->ready_us)
		t = c->ready_us;
	if (rate_mbit > 0) { /* megabits a second are bits a microsecond */
		int64_t *free_at = &line_free_us[h == &c->down];
		if (t < *free_at)
			t = *free_at;
		t += ((int64_t)n * 8 + rate_mbit - 1) / rate_mbit;
		*free_at = t;
	}
	k->due_us = t + one_way_us;
	k->len = (size_t)n;
	k->off = 0;
	k->eof = n == 0;
	h->read_eof = n == 0;
	push(h, k);
}

/* Writes what is due; returns the time the next chunk is due, or INT64_MAX. */
static int64_t write_side(half *h, int64_t now)
{
	while (h->head != NULL && h->head->due_us <= now) {
		chunk *k = h->head;
		if (k->eof) {
			shutdown(h->to, SHUT_WR);
			h->write_eof = 1;
		} else {
			ssize_t n = write(h->to, k->data + k->off, k->len - k->off);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return INT64_MAX; /* EPOLLOUT says when */
			if (n < 0) { /* the reader went away: nothing more goes this way */
				drop_chunks(h);
				h->queued = 0;
				h->write_eof = 1;
				return INT64_MAX;
			}
			k->off += (size_t)n;
			h->queued -= (size_t)n;
			if (k->off < k->len)
				return INT64_MAX;
		}
		h->head = k->next;
		if (h->head == NULL)
			h->tail = NULL;
		free(k);
	}
	return h->head != NULL ? h->head->due_us : INT64_MAX;
}

static void drop_chunks(half *h)
{
	while (h->head != NULL) {
		chunk *k = h->head;
		h->head = k->next;
		free(k);
	}
	h->tail = NULL;
}

static void conn_close(conn *c)
{
	close(c->cfd);
	close(c->sfd);
	drop_chunks(&c->up);
	drop_chunks(&c->down);
	nconns--;
}

static void accept_one(int lfd, int target)
{
	int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (nconns >= max_conns) {
		close(cfd);
		return;
	}
	int sfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)target)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sfd < 0 || connect(sfd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(cfd);
		if (sfd >= 0)
			close(sfd);
		return;
	}
	nonblock(cfd);
	nonblock(sfd);
	conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(cfd);
		close(sfd);
		return;
	}
	c->cfd = cfd;
	c->sfd = sfd;
	c->ready_us = now_us() + rtt_us;
	c->up = (half){.from = cfd, .to = sfd};
	c->down = (half){.from = sfd, .to = cfd};
	c->next = conns;
	conns = c;
	nconns++;
	watch(c, cfd);
	watch(c, sfd);
}

static long number(const char *opt, const char *s, long lo, long hi)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "delayproxy: %s wants a number from %ld to %ld, not '%s'\n", opt,
			lo, hi, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long target = 0, listen_port = 0, rtt_ms = 30;
	const char *port_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			goto usage;
		if (strcmp(a, "--target") == 0)
			target = number(a, v, 1, 65535);
		else if (strcmp(a, "--listen") == 0)
			listen_port = number(a, v, 0, 65535);
		else if (strcmp(a, "--rtt-ms") == 0)
			rtt_ms = number(a, v, 0, 10000);
		else if (strcmp(a, "--rate-mbit") == 0)
			rate_mbit = number(a, v, 1, 1000000);
		else if (strcmp(a, "--max-conns") == 0)
			max_conns = number(a, v, 1, 100000);
		else if (strcmp(a, "--buffer") == 0)
			buffer_max = (size_t)number(a, v, 4096, 1L << 30);
		else if (strcmp(a, "--port-file") == 0)
			port_file = v;
		else
			goto usage;
		i++;
	}
	if (target == 0)
		goto usage;
	rtt_us = rtt_ms * 1000;
	one_way_us = rtt_us / 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port)};
	at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(at);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&at, sizeof(at)) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&at, &alen) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.u64 = 0};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0)
		die("epoll");
	if (port_file != NULL) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (f == NULL || fprintf(f, "%d\n", ntohs(at.sin_port)) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) != 0)
			die(port_file);
	}
	printf("%d\n", ntohs(at.sin_port));
	fflush(stdout);

	struct epoll_event evs[256];
	int64_t next_due = INT64_MAX;
	while (!stopping) {
		/* wait to the microsecond: a millisecond's rounding on each hop would lengthen the
		 * round trip */
		int64_t now = now_us();
		int64_t wait_us = next_due == INT64_MAX ? 1000000
				  : next_due <= now     ? 0
							: next_due - now;
		struct timespec timeout = {.tv_sec = wait_us / 1000000,
					   .tv_nsec = (long)(wait_us % 1000000) * 1000};
		int n = epoll_pwait2(ep, evs, 256, &timeout, NULL);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == 0) {
				for (int k = 0; k < 64; k++)
					accept_one(lfd, (int)target);
				continue;
			}
			conn *c = (conn *)(uintptr_t)(evs[i].data.u64 & ~(uint64_t)1);
			int server = (int)(evs[i].data.u64 & 1);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				read_side(c, server ? &c->down : &c->up);
		}
		/* write what is due everywhere, close what is over, and find the next due time */
		now = now_us();
		next_due = INT64_MAX;
		for (conn **pc = &conns; *pc != NULL;) {
			conn *c = *pc;
			int64_t a = c->dead ? INT64_MAX : write_side(&c->up, now);
			int64_t b = c->dead ? INT64_MAX : write_side(&c->down, now);
			if (c->dead || (c->up.write_eof && c->down.write_eof)) {
				*pc = c->next;
				conn_close(c);
				free(c);
				continue;
			}
			watch(c, c->cfd);
			watch(c, c->sfd);
			if (a < next_due)
				next_due = a;
			if (b < next_due)
				next_due = b;
			pc = &c->next;
		}
	}
	while (conns != NULL) {
		conn *c = conns;
		conns = c->next;
		conn_close(c);
		free(c);
	}
	return 0;
usage:
	fprintf(stderr, "usage: delayproxy --target PORT [--listen PORT] [--rtt-ms MS] "
			"[--rate-mbit MBIT] [--port-file FILE] [--max-conns N] [--buffer BYTES]\n");
	return 2;
}
