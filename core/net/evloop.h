/* evloop.h - the monitor's event loop: fd watches, timers, signals and child processes on epoll. */
#ifndef SB_NET_EVLOOP_H
#define SB_NET_EVLOOP_H

#include <stddef.h>
#include <sys/signalfd.h>

#include "base/sb.h"

/* One loop runs on one thread; nothing here is thread-safe. Callbacks run on that thread, one at
 * a time, from sb_loop_run_once. */
typedef struct sb_loop sb_loop;
typedef struct sb_timer sb_timer;
typedef struct sb_watch sb_watch;
typedef struct sb_child sb_child;

typedef void (*sb_timer_fn)(void *arg);
/* events: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP as epoll reported them. */
typedef void (*sb_watch_fn)(int fd, unsigned events, void *arg);
typedef void (*sb_signal_fn)(const struct signalfd_siginfo *si, void *arg);
/* status: as waitpid gives it; out: the child's stdout and stderr (at most max_out bytes, NUL
 * terminated, valid during the call); truncated: 1 if more was written and dropped. */
typedef void (*sb_child_fn)(int status, const char *out, size_t len, int truncated, void *arg);

/* Creates a loop. SIGCHLD is blocked and handled by the loop from here on. */
int sb_loop_new(sb_loop **out, sb_err *err);
/* Kills (SIGKILL) and reaps the children left, frees every timer and watch; sets *l to NULL. */
void sb_loop_free(sb_loop **l);

/* A one-shot timer at monotonic time due (sb_time_mono seconds). Returns the timer (never NULL).
 * A timer is gone once its callback ran: never cancel it after that. */
sb_timer *sb_loop_timer(sb_loop *l, double due, sb_timer_fn fn, void *arg);
/* A one-shot timer seconds from now (0 or less: at once), as sb_loop_timer(l, sb_time_mono() +
 * seconds, ...). Timers armed with the same delay cost the heap nothing but the first of them:
 * arm this way whatever many callers arm with a few delays (a probe's interval, its timeout). */
sb_timer *sb_loop_timer_in(sb_loop *l, double seconds, sb_timer_fn fn, void *arg);
/* Cancels a pending timer (NULL is a no-op). */
void sb_loop_timer_cancel(sb_loop *l, sb_timer *t);

/* Watches fd for events (EPOLLIN and/or EPOLLOUT). The fd stays the caller's. Returns NULL with
 * err filled when epoll refuses the fd. */
sb_watch *sb_loop_watch(sb_loop *l, int fd, unsigned events, sb_watch_fn fn, void *arg,
			sb_err *err);
/* Changes the events of a watch. */
int sb_loop_watch_mod(sb_loop *l, sb_watch *w, unsigned events);
/* Stops a watch (safe from any callback, also the watch's own); the fd is not closed. */
void sb_loop_unwatch(sb_loop *l, sb_watch *w);

/* Blocks the n signals and delivers them to fn through a signalfd (one handler for all). */
int sb_loop_signals(sb_loop *l, const int *sigs, size_t n, sb_signal_fn fn, void *arg, sb_err *err);

/* Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and stdout + stderr into a
 * pipe read by the loop, signals reset to their defaults. fn runs once the child exited and its
 * output ended. Returns the child, or NULL with err filled. */
sb_child *sb_loop_spawn(sb_loop *l, char *const argv[], size_t max_out, sb_child_fn fn, void *arg,
			sb_err *err);
/* Runs run(run_arg) in a child made by fork() and follows it as sb_loop_spawn does: stdin from
 * /dev/null, stdout and stderr into the pipe, every other fd closed, signals reset; the child's
 * exit status is run's return (0..255). In the child only run executes: it must take no lock
 * another thread of the parent may have held at the fork (no sb_log, no store). */
sb_child *sb_loop_fork(sb_loop *l, int (*run)(void *run_arg), void *run_arg, size_t max_out,
		       sb_child_fn fn, void *arg, sb_err *err);
/* Kills a child (SIGKILL); its callback never runs; it is reaped in the background. */
void sb_loop_kill(sb_loop *l, sb_child *c);
/* The pid of a child. */
int sb_child_pid(const sb_child *c);

/* Waits for events at most max_wait seconds (or until the next timer) and runs the callbacks.
 * Returns SB_OK, or SB_EIO when epoll itself fails. */
int sb_loop_run_once(sb_loop *l, double max_wait);

/* Children running (not yet reaped), killed ones included. */
size_t sb_loop_children(const sb_loop *l);

#endif
