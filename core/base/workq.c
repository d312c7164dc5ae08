/* workq.c - one worker thread, its queue of work and its list of work done. */
#include "config.h"

#include "base/workq.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* How long a piece waits at most for the batch that wakes the worker. */
#define SB_WORKQ_LINGER_MS 20

struct sb_workq {
	pthread_mutex_t mu;
	pthread_cond_t work; /* the worker waits for work */
	pthread_cond_t room; /* sb_workq_put waits for a piece to be done */
	pthread_t thread;
	size_t max;
	size_t batch;           /* pieces that wake an idle worker */
	size_t undone;          /* handed and not done: waiting or running */
	sb_work *head, **tail;  /* waiting, oldest first */
	sb_work *done, **dtail; /* done and not taken, oldest first */
	int idle;               /* the worker waits on work */
	int full;               /* sb_workq_put waits on room */
	int stop;
};

static void *sb_workq_main(void *arg)
{
	sb_workq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		/* woken for a batch, or after a while for the pieces that wait */
		if (q->head == NULL && !q->stop) {
			q->idle = 1;
			while (!q->stop && q->undone < q->batch) {
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				ts.tv_nsec += SB_WORKQ_LINGER_MS * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				if (pthread_cond_timedwait(&q->work, &q->mu, &ts) != 0 &&
				    q->head != NULL)
					break;
			}
			q->idle = 0;
		}
		sb_work *w = q->head;
		if (w == NULL)
			break; /* stopped, and nothing waits */
		q->head = w->next;
		if (q->head == NULL)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->mu);
		w->next = NULL;
		w->run(w);
		pthread_mutex_lock(&q->mu);
		*q->dtail = w;
		q->dtail = &w->next;
		q->undone--;
		if (q->full)
			pthread_cond_signal(&q->room);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int sb_workq_start(size_t max, sb_workq **out)
{
	sb_workq *q = sb_xcalloc(1, sizeof(*q));
	q->max = max > 0 ? max : 1;
	q->batch = q->max / 4 > 0 ? q->max / 4 : 1;
	q->tail = &q->head;
	q->dtail = &q->done;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca; /* the worker's waits are timed on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->thread, NULL, sb_workq_main, q) != 0) {
		pthread_cond_destroy(&q->room);
		pthread_cond_destroy(&q->work);
		pthread_mutex_destroy(&q->mu);
		free(q);
		*out = NULL;
		return SB_EIO;
	}
	*out = q;
	return SB_OK;
}

void sb_workq_put(sb_workq *q, sb_work *w)
{
	w->next = NULL;
	pthread_mutex_lock(&q->mu);
	while (q->undone >= q->max) {
		q->full = 1;
		pthread_cond_wait(&q->room, &q->mu);
		q->full = 0;
	}
	*q->tail = w;
	q->tail = &w->next;
	q->undone++;
	/* an idle worker is woken for a batch, not for each piece: a wake-up costs both threads
	 * more than a small piece of work */
	if (q->idle && q->undone >= q->batch)
		pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
}

/* Detaches the list of done work; called with the mutex held. */
static sb_work *sb_workq_detach(sb_workq *q)
{
	sb_work *w = q->done;
	q->done = NULL;
	q->dtail = &q->done;
	return w;
}

sb_work *sb_workq_take(sb_workq *q)
{
	pthread_mutex_lock(&q->mu);
	sb_work *w = sb_workq_detach(q);
	pthread_mutex_unlock(&q->mu);
	return w;
}

sb_work *sb_workq_finish(sb_workq **qp)
{
	sb_workq *q = *qp;
	if (q == NULL)
		return NULL;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	sb_work *w = sb_workq_detach(q);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->mu);
	free(q);
	*qp = NULL;
	return w;
}
