/* evloop_test.c - the loop's timers fire once each, never early, in the order of their due times
 * (the order they were armed when due together), whether armed at a time or after a delay that
 * has a lane; cancelled ones never fire, from outside or from a callback, at the head of a lane
 * or behind it; more delays than lanes still fire in order; freeing the loop frees what waits. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/timeutil.h"
#include "net/evloop.h"
#include "tap.h"

#define N 600
#define STEP 0.004 /* seconds between two delays: far more than arming them all takes */

typedef struct tmr {
	int id, lane;  /* lane: armed after a delay, else at a time */
	double delay;  /* seconds */
	double lo, hi; /* when it is due, at the earliest and the latest: the clock's readings on
			* either side of arming it, plus the delay */
	int cancel_id; /* a timer this one cancels when it fires, or -1 */
	sb_timer *t;
	int fired, cancelled;
	double fired_at;
} tmr;

static tmr tm[N + 1];
static int order[N + 1], nfired;
static sb_loop *loop;

static void fired(void *arg)
{
	tmr *x = arg;
	x->fired++;
	x->fired_at = sb_time_mono();
	order[nfired++] = x->id;
	if (x->cancel_id >= 0 && !tm[x->cancel_id].fired && !tm[x->cancel_id].cancelled) {
		sb_loop_timer_cancel(loop, tm[x->cancel_id].t);
		tm[x->cancel_id].cancelled = 1;
	}
}

static void arm(tmr *x, int id, int lane, double delay)
{
	x->id = id;
	x->lane = lane;
	x->delay = delay;
	x->cancel_id = -1;
	x->fired = x->cancelled = 0;
	double before = sb_time_mono();
	x->t = lane ? sb_loop_timer_in(loop, delay, fired, x)
		    : sb_loop_timer(loop, before + delay, fired, x);
	x->lo = before + (delay > 0 ? delay : 0);
	x->hi = lane ? sb_time_mono() + (delay > 0 ? delay : 0) : x->lo;
}

/* 1 when no timer fired after one it was surely due before, and timers armed with one delay
 * fired in the order they were armed */
static int in_order(void)
{
	for (int i = 0; i < nfired; i++) {
		for (int j = i + 1; j < nfired; j++) {
			const tmr *a = &tm[order[i]], *b = &tm[order[j]];
			if (b->hi < a->lo)
				return 0;
			if (a->lane && b->lane && a->delay == b->delay && b->id < a->id)
				return 0;
		}
	}
	return 1;
}

int main(void)
{
	sb_err err = {0};
	is_int(sb_loop_new(&loop, &err), SB_OK, "a loop");
	uint64_t rnd = 42;

	/* twelve delays (more than the lanes), a few timers at a time of their own, some at once */
	for (int i = 0; i < N; i++) {
		int lane = tap_rnd(&rnd) % 5 != 0;
		double delay = (double)(tap_rnd(&rnd) % 12) * STEP;
		if (!lane)
			delay += STEP / 2; /* between the lanes' dues, so none ties */
		arm(&tm[i], i, lane, delay);
	}
	/* cancel a fifth now (heads, middles and tails of lanes alike), and let some timers cancel
	 * others when they fire */
	int cancelled = 0;
	for (int i = 0; i < N; i++) {
		if (tap_rnd(&rnd) % 5 == 0) {
			sb_loop_timer_cancel(loop, tm[i].t);
			tm[i].cancelled = 1;
			cancelled++;
		} else if (tap_rnd(&rnd) % 7 == 0) {
			tm[i].cancel_id = (int)(tap_rnd(&rnd) % N);
		}
	}
	double until = sb_time_mono() + 13 * STEP + 1.0;
	int left = 1;
	while (left && sb_time_mono() < until) {
		sb_loop_run_once(loop, 0.05);
		left = 0;
		for (int i = 0; i < N; i++)
			left |= !tm[i].fired && !tm[i].cancelled;
	}
	ok(!left, "every timer not cancelled fired");
	int twice = 0, early = 0, cancelled_fired = 0, from_cb = 0;
	for (int i = 0; i < N; i++) {
		twice += tm[i].fired > 1;
		early += tm[i].fired && tm[i].fired_at < tm[i].lo;
		cancelled_fired += tm[i].fired && tm[i].cancelled;
		from_cb += tm[i].cancelled;
	}
	is_int(twice, 0, "none fired twice");
	is_int(early, 0, "none fired before its delay had passed");
	is_int(cancelled_fired, 0, "no cancelled timer fired");
	ok(from_cb > cancelled, "timers were also cancelled by callbacks (%d of %d)",
	   from_cb - cancelled, from_cb);
	is_int(nfired + from_cb, N, "each timer fired or was cancelled");
	ok(in_order(),
	   "they fired in the order of their due times, first armed first at one delay");

	/* one delay, armed in a burst: first in, first out; cancelling the head hands the heap to
	 * the next */
	nfired = 0;
	for (int i = 0; i < 50; i++)
		arm(&tm[i], i, 1, 0.01);
	sb_loop_timer_cancel(loop, tm[0].t);
	sb_loop_timer_cancel(loop, tm[49].t);
	sb_loop_timer_cancel(loop, tm[25].t);
	until = sb_time_mono() + 1.0;
	while (nfired < 47 && sb_time_mono() < until)
		sb_loop_run_once(loop, 0.05);
	int fifo = nfired == 47;
	for (int i = 1, want = 1; fifo && i <= 47; i++, want++) {
		if (want == 25)
			want++;
		fifo = order[i - 1] == want;
	}
	ok(fifo, "one delay: in the order armed, the cancelled ones left out (%d fired)", nfired);

	/* a loop freed with timers waiting in lanes and in the heap frees them (the sanitizers'
	 * leak check says so) */
	for (int i = 0; i < 20; i++)
		arm(&tm[i], i, i % 2, 5.0 + i % 3);
	sb_loop_free(&loop);
	ok(loop == NULL, "the loop freed with timers waiting");
	return tap_done();
}
