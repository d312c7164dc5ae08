/* evloop.c - the monitor's event loop: epoll, a timer heap, a signalfd and spawned children. */
#include "config.h"

#include "net/evloop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/timeutil.h"

extern char **environ;

#define SB_LOOP_EVENTS 64

struct sb_timer {
	double due;
	unsigned long seq; /* insertion order: equal times fire first in, first out */
	size_t pos;        /* index in the heap; SB_TIMER_QUEUED: in its lane behind the head */
	sb_timer_fn fn;
	void *arg;
	struct sb_lane *lane;  /* armed with a delay (sb_loop_timer_in) that has a lane, or NULL */
	sb_timer *prev, *next; /* in the lane */
};

#define SB_TIMER_QUEUED ((size_t)-1)

/* Timers armed with the same delay are due in the order they were armed (the monotonic clock
 * does not go back): a lane holds them first in, first out, and only its head is in the heap.
 * Ten thousand probes each waiting a second keep one entry in the heap, not ten thousand, and
 * a timer behind the head is armed and cancelled without touching the heap. */
#define SB_LOOP_LANES 8

typedef struct sb_lane {
	double delay;
	sb_timer *head, *tail;
} sb_lane;

struct sb_watch {
	int fd;
	int dead; /* unwatched: freed after the current batch of events */
	sb_watch_fn fn;
	void *arg;
	sb_watch *next_dead;
};

struct sb_child {
	pid_t pid;
	int fd; /* read end of the output pipe, -1 at end of output */
	sb_watch *w;
	char *out;
	size_t len, cap, max;
	int truncated;
	int exited, status;
	int killed; /* no callback: reap only */
	sb_child_fn fn;
	void *arg;
	sb_loop *l;
	sb_child *next;
};

struct sb_loop {
	int ep;
	int sigfd;
	sigset_t sigs;
	sb_watch *sigw;
	sb_signal_fn sig_fn;
	void *sig_arg;
	sb_timer **heap;
	size_t nheap, capheap;
	unsigned long seq;
	sb_lane lanes[SB_LOOP_LANES];
	size_t nlanes;
	sb_watch *dead;
	sb_child *children;
	int dispatching;
};

/* ---- timers: a binary min-heap on (due, seq), and lanes of timers armed with one delay ---- */

static int sb_timer_before(const sb_timer *a, const sb_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void sb_heap_set(sb_loop *l, size_t i, sb_timer *t)
{
	l->heap[i] = t;
	t->pos = i;
}

static void sb_heap_up(sb_loop *l, size_t i)
{
	sb_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!sb_timer_before(t, l->heap[p]))
			break;
		sb_heap_set(l, i, l->heap[p]);
		i = p;
	}
	sb_heap_set(l, i, t);
}

static void sb_heap_down(sb_loop *l, size_t i)
{
	sb_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && sb_timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!sb_timer_before(l->heap[c], t))
			break;
		sb_heap_set(l, i, l->heap[c]);
		i = c;
	}
	sb_heap_set(l, i, t);
}

static void sb_heap_remove(sb_loop *l, sb_timer *t)
{
	size_t i = t->pos;
	sb_timer *last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	sb_heap_set(l, i, last);
	sb_heap_up(l, i);
	sb_heap_down(l, last->pos);
}

static void sb_heap_push(sb_loop *l, sb_timer *t)
{
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 64;
		l->heap = sb_xrealloc(l->heap, l->capheap * sizeof(*l->heap));
	}
	sb_heap_set(l, l->nheap++, t);
	sb_heap_up(l, t->pos);
}

/* Takes t out of the heap or its lane; the lane's next timer, when t was its head, takes t's
 * place in the heap (it is due no earlier, so it only sinks). */
static void sb_timer_unlink(sb_loop *l, sb_timer *t)
{
	sb_lane *lane = t->lane;
	if (lane == NULL) {
		sb_heap_remove(l, t);
		return;
	}
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		lane->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		lane->tail = t->prev;
	if (t->pos == SB_TIMER_QUEUED)
		return;
	if (lane->head == NULL) {
		sb_heap_remove(l, t);
		return;
	}
	sb_heap_set(l, t->pos, lane->head);
	sb_heap_down(l, lane->head->pos);
}

static sb_timer *sb_timer_new(sb_loop *l, double due, sb_timer_fn fn, void *arg)
{
	sb_timer *t = sb_xcalloc(1, sizeof(*t));
	t->due = due;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	return t;
}

sb_timer *sb_loop_timer(sb_loop *l, double due, sb_timer_fn fn, void *arg)
{
	sb_timer *t = sb_timer_new(l, due, fn, arg);
	sb_heap_push(l, t);
	return t;
}

/* The lane of delay: its own, an empty one taken over, or NULL when every lane is busy with
 * another delay. */
static sb_lane *sb_lane_for(sb_loop *l, double delay)
{
	sb_lane *empty = NULL;
	for (size_t i = 0; i < l->nlanes; i++) {
		if (l->lanes[i].delay == delay)
			return &l->lanes[i];
		if (empty == NULL && l->lanes[i].head == NULL)
			empty = &l->lanes[i];
	}
	if (empty == NULL && l->nlanes < SB_LOOP_LANES)
		empty = &l->lanes[l->nlanes++];
	if (empty != NULL)
		empty->delay = delay;
	return empty;
}

sb_timer *sb_loop_timer_in(sb_loop *l, double seconds, sb_timer_fn fn, void *arg)
{
	if (!(seconds > 0))
		seconds = 0;
	double due = sb_time_mono() + seconds;
	sb_lane *lane = sb_lane_for(l, seconds);
	if (lane == NULL || (lane->tail != NULL && due < lane->tail->due))
		return sb_loop_timer(l, due, fn, arg);
	sb_timer *t = sb_timer_new(l, due, fn, arg);
	t->lane = lane;
	t->prev = lane->tail;
	if (lane->tail != NULL) {
		lane->tail->next = t;
		lane->tail = t;
		t->pos = SB_TIMER_QUEUED;
		return t;
	}
	lane->head = lane->tail = t;
	sb_heap_push(l, t);
	return t;
}

void sb_loop_timer_cancel(sb_loop *l, sb_timer *t)
{
	if (t == NULL)
		return;
	sb_timer_unlink(l, t);
	free(t);
}

/* ---- fd watches ---- */

sb_watch *sb_loop_watch(sb_loop *l, int fd, unsigned events, sb_watch_fn fn, void *arg, sb_err *err)
{
	sb_watch *w = sb_xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		sb_err_set(err, SB_EIO, "epoll: cannot watch fd %d: %s", fd, strerror(errno));
		free(w);
		return NULL;
	}
	return w;
}

int sb_loop_watch_mod(sb_loop *l, sb_watch *w, unsigned events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, w->fd, &ev) == 0 ? SB_OK : SB_EIO;
}

void sb_loop_unwatch(sb_loop *l, sb_watch *w)
{
	if (w == NULL || w->dead)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = 1;
	w->next_dead = l->dead;
	l->dead = w;
}

static void sb_loop_reap_dead(sb_loop *l)
{
	while (l->dead != NULL) {
		sb_watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
}

/* ---- children ---- */

static void sb_child_unlink(sb_loop *l, sb_child *c)
{
	for (sb_child **pc = &l->children; *pc != NULL; pc = &(*pc)->next) {
		if (*pc == c) {
			*pc = c->next;
			return;
		}
	}
}

static void sb_child_close_output(sb_loop *l, sb_child *c)
{
	if (c->fd < 0)
		return;
	sb_loop_unwatch(l, c->w);
	c->w = NULL;
	close(c->fd);
	c->fd = -1;
}

/* Runs the callback and frees the child once it exited and its output ended. */
static void sb_child_maybe_finish(sb_loop *l, sb_child *c)
{
	if (!c->exited || c->fd >= 0)
		return;
	sb_child_unlink(l, c);
	if (!c->killed && c->fn != NULL)
		c->fn(c->status, c->out != NULL ? c->out : "", c->len, c->truncated, c->arg);
	free(c->out);
	free(c);
}

/* Output of a child: keeps up to max bytes; at end of output closes the pipe. */
static void sb_child_readable(int fd, unsigned events, void *arg)
{
	sb_child *c = arg;
	(void)events;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			size_t room = c->max - c->len;
			size_t keep = (size_t)n > room ? room : (size_t)n;
			if (keep < (size_t)n)
				c->truncated = 1;
			if (keep > 0) {
				if (c->len + keep + 1 > c->cap) {
					c->cap = (c->len + keep + 1) * 2;
					if (c->cap > c->max + 1)
						c->cap = c->max + 1;
					c->out = sb_xrealloc(c->out, c->cap);
				}
				memcpy(c->out + c->len, buf, keep);
				c->len += keep;
				c->out[c->len] = '\0';
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* end of output, or an error: both end it */
	}
	sb_child_close_output(c->l, c);
	sb_child_maybe_finish(c->l, c);
}

static void sb_loop_sigchld(sb_loop *l)
{
	for (;;) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		for (sb_child *c = l->children; c != NULL; c = c->next) {
			if (c->pid == pid) {
				c->exited = 1;
				c->status = status;
				sb_child_maybe_finish(l, c);
				break;
			}
		}
	}
}

static void sb_loop_signalled(int fd, unsigned events, void *arg)
{
	sb_loop *l = arg;
	(void)events;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			sb_loop_sigchld(l);
		else if (l->sig_fn != NULL)
			l->sig_fn(&si, l->sig_arg);
	}
}

static int sb_loop_set_sigmask(sb_loop *l, sb_err *err)
{
	if (sigprocmask(SIG_BLOCK, &l->sigs, NULL) != 0)
		return sb_err_set(err, SB_EIO, "sigprocmask: %s", strerror(errno));
	int fd = signalfd(l->sigfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return sb_err_set(err, SB_EIO, "signalfd: %s", strerror(errno));
	if (l->sigfd < 0) {
		l->sigfd = fd;
		l->sigw = sb_loop_watch(l, fd, EPOLLIN, sb_loop_signalled, l, err);
		if (l->sigw == NULL)
			return SB_EIO;
	}
	return SB_OK;
}

int sb_loop_signals(sb_loop *l, const int *sigs, size_t n, sb_signal_fn fn, void *arg, sb_err *err)
{
	for (size_t i = 0; i < n; i++)
		sigaddset(&l->sigs, sigs[i]);
	l->sig_fn = fn;
	l->sig_arg = arg;
	return sb_loop_set_sigmask(l, err);
}

/* Follows a child that was just started, its output coming from fd (the pipe's read end). */
static sb_child *sb_loop_track(sb_loop *l, pid_t pid, int fd, size_t max_out, sb_child_fn fn,
			       void *arg, sb_err *err)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	sb_child *c = sb_xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->fd = fd;
	c->max = max_out > 0 ? max_out : 65536;
	c->fn = fn;
	c->arg = arg;
	c->l = l;
	c->w = sb_loop_watch(l, fd, EPOLLIN, sb_child_readable, c, err);
	c->next = l->children;
	l->children = c;
	if (c->w == NULL) {
		close(c->fd);
		c->fd = -1;
		sb_loop_kill(l, c);
		return NULL;
	}
	return c;
}

sb_child *sb_loop_spawn(sb_loop *l, char *const argv[], size_t max_out, sb_child_fn fn, void *arg,
			sb_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		sb_err_set(err, SB_EIO, "pipe: %s", strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid = 0;
	int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		sb_err_set(err, SB_EIO, "cannot run %s: %s", argv[0], strerror(rc));
		return NULL;
	}
	return sb_loop_track(l, pid, p[0], max_out, fn, arg, err);
}

sb_child *sb_loop_fork(sb_loop *l, int (*run)(void *run_arg), void *run_arg, size_t max_out,
		       sb_child_fn fn, void *arg, sb_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		sb_err_set(err, SB_EIO, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		sb_err_set(err, SB_EIO, "fork: %s", strerror(e));
		return NULL;
	}
	if (pid == 0) {
		/* the child: nothing of the parent's but the pipe, signals as in a new process */
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0 && nul != 0)
			dup2(nul, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close_range(3, ~0U, 0);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		__fpurge(stdout);
		__fpurge(stderr);
		int rc = run(run_arg);
		fflush(stdout);
		fflush(stderr);
		_exit(rc & 255);
	}
	close(p[1]);
	return sb_loop_track(l, pid, p[0], max_out, fn, arg, err);
}

void sb_loop_kill(sb_loop *l, sb_child *c)
{
	if (c == NULL)
		return;
	if (!c->exited)
		kill(c->pid, SIGKILL);
	c->killed = 1;
	sb_child_close_output(l, c);
	sb_child_maybe_finish(l, c);
}

int sb_child_pid(const sb_child *c)
{
	return (int)c->pid;
}

size_t sb_loop_children(const sb_loop *l)
{
	size_t n = 0;
	for (const sb_child *c = l->children; c != NULL; c = c->next)
		n++;
	return n;
}

/* ---- the loop ---- */

int sb_loop_new(sb_loop **out, sb_err *err)
{
	sb_loop *l = sb_xcalloc(1, sizeof(*l));
	l->sigfd = -1;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		int rc = sb_err_set(err, SB_EIO, "epoll_create1: %s", strerror(errno));
		free(l);
		return rc;
	}
	sigemptyset(&l->sigs);
	sigaddset(&l->sigs, SIGCHLD);
	int rc = sb_loop_set_sigmask(l, err);
	if (rc != SB_OK) {
		sb_loop_free(&l);
		return rc;
	}
	*out = l;
	return SB_OK;
}

void sb_loop_free(sb_loop **lp)
{
	sb_loop *l = *lp;
	if (l == NULL)
		return;
	for (sb_child *c = l->children; c != NULL; c = c->next)
		if (!c->exited)
			kill(c->pid, SIGKILL);
	while (l->children != NULL) {
		sb_child *c = l->children;
		if (!c->exited)
			waitpid(c->pid, NULL, 0);
		l->children = c->next;
		sb_child_close_output(l, c);
		free(c->out);
		free(c);
	}
	for (size_t i = 0; i < l->nheap; i++)
		if (l->heap[i]->lane == NULL)
			free(l->heap[i]);
	free(l->heap);
	for (size_t i = 0; i < l->nlanes; i++)
		while (l->lanes[i].head != NULL) {
			sb_timer *t = l->lanes[i].head;
			l->lanes[i].head = t->next;
			free(t);
		}
	sb_loop_unwatch(l, l->sigw);
	sb_loop_reap_dead(l);
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->ep);
	free(l);
	*lp = NULL;
}

int sb_loop_run_once(sb_loop *l, double max_wait)
{
	double now = sb_time_mono();
	double wait = max_wait;
	if (l->nheap > 0 && l->heap[0]->due - now < wait)
		wait = l->heap[0]->due - now;
	struct epoll_event evs[SB_LOOP_EVENTS];
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
	/* nanosecond timeouts: timers fire on time, not up to a millisecond late */
	if (wait < 0)
		wait = 0;
	struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
	int n = epoll_pwait2(l->ep, evs, SB_LOOP_EVENTS, &ts, NULL);
	if (n < 0 && errno == ENOSYS)
		n = epoll_wait(l->ep, evs, SB_LOOP_EVENTS, (int)(wait * 1000.0 + 0.999));
#else
	int n = epoll_wait(l->ep, evs, SB_LOOP_EVENTS,
			   wait <= 0 ? 0 : (int)(wait * 1000.0 + 0.999));
#endif
	if (n < 0 && errno != EINTR)
		return SB_EIO;
	for (int i = 0; i < n; i++) {
		sb_watch *w = evs[i].data.ptr;
		if (!w->dead)
			w->fn(w->fd, evs[i].events, w->arg);
	}
	sb_loop_reap_dead(l);
	now = sb_time_mono();
	while (l->nheap > 0 && l->heap[0]->due <= now) {
		sb_timer *t = l->heap[0];
		sb_timer_unlink(l, t);
		t->fn(t->arg);
		free(t);
		sb_loop_reap_dead(l);
	}
	return SB_OK;
}
