/* workq.h - one worker thread that runs work in the order it was handed, and gives each piece
 * back, done, to the thread that handed it: that thread keeps its own state to itself, and the
 * worker touches only what the work carries. */
#ifndef SB_BASE_WORKQ_H
#define SB_BASE_WORKQ_H

#include <stddef.h>

#include "base/sb.h"

/* One piece of work, embedded in the caller's own record. */
typedef struct sb_work {
	struct sb_work *next;           /* the queue's, then the list of done work */
	void (*run)(struct sb_work *w); /* runs on the worker thread */
} sb_work;

typedef struct sb_workq sb_workq;

/* Starts the worker; at most max pieces (at least 1) wait for it or run at once. SB_OK and *out,
 * or SB_EIO when no thread could be made (the caller then does the work in place). */
int sb_workq_start(size_t max, sb_workq **out);

/* Hands w to the worker, first waiting while max pieces are not done. */
void sb_workq_put(sb_workq *q, sb_work *w);

/* The pieces done and not yet taken, in the order they were handed (a list through next), or
 * NULL. Does not wait. */
sb_work *sb_workq_take(sb_workq *q);

/* Waits until every piece is done, stops the worker and frees *q (NULL after); returns the pieces
 * done and not yet taken, as sb_workq_take does. */
sb_work *sb_workq_finish(sb_workq **q);

#endif
