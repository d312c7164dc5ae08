/* workq_test.c - the worker runs every piece once, in order, off the caller's thread; the pieces
 * come back in order; no more than max wait or run at once; finish waits for all. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "base/workq.h"
#include "tap.h"

typedef struct piece {
	sb_work w; /* first: a piece is its work */
	size_t id;
	pthread_t ran_on;
	int runs;
} piece;

static atomic_size_t ran;       /* pieces run so far */
static atomic_size_t most;      /* the most seen by a piece as it ran */
static atomic_size_t order_bad; /* pieces run out of order */
static atomic_size_t handed;    /* counted once sb_workq_put returned */

static void run_piece(sb_work *w)
{
	piece *p = (piece *)w;
	p->ran_on = pthread_self();
	p->runs++;
	if (p->id != atomic_load(&ran))
		atomic_fetch_add(&order_bad, 1);
	/* handed and not done: this piece and those behind it (at most: some may be handed and
	 * not counted yet) */
	size_t now = atomic_load(&handed) - atomic_load(&ran);
	if (now > atomic_load(&most))
		atomic_store(&most, now);
	if (p->id % 97 == 0) { /* now and then a slow one, so the queue fills */
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	atomic_fetch_add(&ran, 1);
}

int main(void)
{
	enum { N = 20000, MAX = 8 };
	piece *ps = calloc(N, sizeof(*ps));
	sb_workq *q = NULL;
	is_int(sb_workq_start(MAX, &q), SB_OK, "the worker starts");
	size_t back = 0, back_bad = 0;
	for (size_t i = 0; i < N; i++) {
		ps[i] = (piece){.w = {.run = run_piece}, .id = i};
		sb_workq_put(q, &ps[i].w);
		atomic_fetch_add(&handed, 1);
		for (sb_work *w = sb_workq_take(q); w != NULL; w = w->next)
			back_bad += ((piece *)w)->id != back++;
	}
	for (sb_work *w = sb_workq_finish(&q); w != NULL; w = w->next)
		back_bad += ((piece *)w)->id != back++;
	ok(q == NULL, "finish frees the queue");
	is_int(atomic_load(&ran), N, "every piece ran");
	is_int(back, N, "every piece came back");
	is_int(back_bad, 0, "... in the order handed");
	is_int(atomic_load(&order_bad), 0, "the worker ran them in the order handed");
	size_t once = 0, elsewhere = 0;
	for (size_t i = 0; i < N; i++) {
		once += ps[i].runs == 1;
		elsewhere += !pthread_equal(ps[i].ran_on, pthread_self());
	}
	is_int(once, N, "each exactly once");
	is_int(elsewhere, N, "each on the worker, not on the caller's thread");
	ok(atomic_load(&most) <= MAX, "at most %d waited or ran at once (%zu seen)", MAX,
	   atomic_load(&most));
	ok(atomic_load(&most) >= 2, "... and the queue did fill (%zu at once)", atomic_load(&most));

	/* a piece alone, fewer than a batch: it is done anyway, after a short while */
	is_int(sb_workq_start(64, &q), SB_OK, "a worker with room for 64 starts");
	piece lone = {.w = {.run = run_piece}, .id = N};
	sb_workq_put(q, &lone.w);
	sb_work *got = NULL;
	for (int i = 0; i < 2000 && got == NULL; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
		got = sb_workq_take(q);
	}
	ok(got == &lone.w && lone.runs == 1, "a lone piece is done without waiting for a batch");
	ok(sb_workq_finish(&q) == NULL, "... and is not given back twice");

	/* finishing an idle queue, and one never given work */
	is_int(sb_workq_start(1, &q), SB_OK, "a second worker starts");
	ok(sb_workq_take(q) == NULL, "nothing done before anything is handed");
	ok(sb_workq_finish(&q) == NULL, "an idle worker stops with nothing to give back");
	ok(sb_workq_finish(&q) == NULL, "finishing twice is harmless");
	free(ps);
	return tap_done();
}
