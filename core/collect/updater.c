/* updater.c - the updater stages: the raw spool and the daily summary files into the store. */
#include "config.h"

#include "collect/updater.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "format/spool.h"
#include "format/summary.h"

/* Rows per store call: big enough to amortise a transaction, small enough to bound memory. */
#define SB_BATCH_ROWS 50000

/* ---- updater data ----
 *
 * Two threads: a reader turns the spool, one layer's date after another, into batches of about
 * SB_BATCH_ROWS rows while the calling thread stores the previous batch. A spool file is removed
 * once the store confirmed the batch holding its last rows (and so every batch before it).
 * At most two batches wait between them, so memory stays bounded. */

typedef struct sb_batch {
	sb_spool_day *days;
	size_t ndays, capdays;
	sb_history_row *rows;
	size_t nrows, caprows;
	char **remove; /* spool files whose last rows this batch holds: they go once it is stored */
	size_t nremove;
	struct sb_batch *next;
} sb_batch;

typedef struct sb_loader {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sb_batch *head, *tail; /* full batches waiting to be stored */
	size_t queued;
	int finished;  /* the reader has queued its last batch */
	int stop;      /* the writer failed: the reader stops early */
	sb_batch *cur; /* the reader's batch being filled */
	const sb_settings *s;
	const char *layer, *date;
	size_t total; /* interface days found so far (under mu) */
	int failed;   /* reader: a spool folder or file could not be read */
	sb_err err;   /* ... why */
} sb_loader;

static void sb_batch_free(sb_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ndays; i++)
		sb_spool_day_free(&b->days[i]);
	for (size_t i = 0; i < b->nremove; i++)
		free(b->remove[i]);
	free(b->days);
	free(b->rows);
	free(b->remove);
	free(b);
}

/* Reader: hands the current batch to the writer, waiting while two are queued. */
static int sb_loader_push(sb_loader *L)
{
	sb_batch *b = L->cur;
	L->cur = NULL;
	pthread_mutex_lock(&L->mu);
	while (L->queued >= 2 && !L->stop)
		pthread_cond_wait(&L->cv, &L->mu);
	int stop = L->stop;
	if (!stop && b != NULL) {
		if (L->tail != NULL)
			L->tail->next = b;
		else
			L->head = b;
		L->tail = b;
		L->queued++;
		b = NULL;
	}
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	sb_batch_free(b);
	return stop ? SB_ECANCELED : SB_OK;
}

static sb_batch *sb_loader_batch(sb_loader *L)
{
	if (L->cur == NULL)
		L->cur = sb_xcalloc(1, sizeof(*L->cur));
	return L->cur;
}

/* Reader: hands the files of r read whole by now (and not handed before: done[]) to the current
 * batch, whose rows are their last. */
static void sb_loader_finished(sb_loader *L, sb_spool_reader *r, unsigned char *done)
{
	sb_batch *b = sb_loader_batch(L);
	for (size_t i = 0; i < sb_spool_nfiles(r); i++) {
		if (done[i] || !sb_spool_file_done(r, i))
			continue;
		done[i] = 1;
		b->remove = sb_xrealloc(b->remove, (b->nremove + 1) * sizeof(*b->remove));
		b->remove[b->nremove++] = sb_xstrdup(sb_spool_file(r, i));
	}
}

/* Reader: adds one interface's day to the current batch (taking it over), with the files of r it
 * ended. */
static int sb_loader_day(sb_loader *L, sb_spool_day *d, sb_spool_reader *r, unsigned char *done)
{
	sb_batch *b = sb_loader_batch(L);
	sb_loader_finished(L, r, done);
	if (b->ndays == b->capdays) {
		b->capdays = b->capdays ? b->capdays * 2 : 64;
		b->days = sb_xrealloc(b->days, b->capdays * sizeof(*b->days));
	}
	b->days[b->ndays++] = *d;
	if (b->nrows + d->n > b->caprows) {
		b->caprows = b->nrows + d->n + SB_BATCH_ROWS;
		b->rows = sb_xrealloc(b->rows, b->caprows * sizeof(*b->rows));
	}
	for (size_t i = 0; i < d->n; i++) {
		const sb_mrtg_sample *s = &d->samples[i];
		/* rows borrow the strings of the day, which stay put when days[] itself moves */
		b->rows[b->nrows++] = (sb_history_row){
			.name = d->name,
			.type = d->type,
			.date = d->date,
			.time = d->times[i],
			.capacity = d->has_capacity ? d->capacity : 0,
			.in_avg = s->in_avg,
			.out_avg = s->out_avg,
			.in_max = s->in_max,
			.out_max = s->out_max,
		};
	}
	return b->nrows >= SB_BATCH_ROWS ? sb_loader_push(L) : SB_OK;
}

static void sb_loader_warn(void *ctx, int damaged, const char *msg)
{
	(void)ctx;
	sb_log(damaged ? SB_LOG_ERROR : SB_LOG_WARNING, "updater", "%s", msg);
}

/* Reader: every interface day of one date; each file goes with the batch holding its last rows
 * (a file with nothing to store, with the current one). */
static int sb_loader_date(sb_loader *L, const char *date)
{
	sb_spool_reader *r = NULL;
	int rc = sb_spool_open(L->s->data_dir, L->layer, date, sb_loader_warn, NULL, &r, &L->err);
	if (rc != SB_OK)
		return rc;
	unsigned char *done = sb_xcalloc(sb_spool_nfiles(r) + 1, 1);
	sb_spool_day d;
	while ((rc = sb_spool_next(r, &d, &L->err)) == SB_OK) {
		pthread_mutex_lock(&L->mu);
		L->total++;
		pthread_mutex_unlock(&L->mu);
		rc = sb_loader_day(L, &d, r, done);
		if (rc != SB_OK)
			break;
	}
	if (rc == SB_ENOTFOUND) {
		sb_loader_finished(L, r, done);
		rc = SB_OK;
	}
	free(done);
	sb_spool_close(&r);
	return rc;
}

static int sb_is_date_dir(const char *name)
{
	sb_date d;
	return sb_date_parse(name, &d) == SB_OK;
}

static void *sb_loader_reader(void *ctx)
{
	sb_loader *L = ctx;
	size_t ndates = 0;
	char **dates = NULL;
	if (L->date != NULL) {
		dates = sb_xmalloc(sizeof(*dates));
		dates[0] = sb_xstrdup(L->date);
		ndates = 1;
	} else {
		char *base = sb_xasprintf("%s/SCAN/%s", L->s->data_dir, L->layer);
		dates = sb_fs_list(base, sb_is_date_dir, &ndates);
		free(base);
	}
	int rc = SB_OK;
	for (size_t i = 0; i < ndates && rc == SB_OK; i++)
		rc = sb_loader_date(L, dates[i]);
	sb_fs_list_free(dates, ndates);
	if (rc == SB_OK && L->cur != NULL)
		sb_loader_push(L);
	sb_batch_free(L->cur);
	L->cur = NULL;
	pthread_mutex_lock(&L->mu);
	if (rc != SB_OK && rc != SB_ECANCELED)
		L->failed = 1;
	L->finished = 1;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	return NULL;
}

/* Writer: the next full batch, or NULL once the reader is done. */
static sb_batch *sb_loader_pop(sb_loader *L)
{
	pthread_mutex_lock(&L->mu);
	while (L->head == NULL && !L->finished)
		pthread_cond_wait(&L->cv, &L->mu);
	sb_batch *b = L->head;
	if (b != NULL) {
		L->head = b->next;
		if (L->head == NULL)
			L->tail = NULL;
		L->queued--;
		pthread_cond_broadcast(&L->cv);
	}
	pthread_mutex_unlock(&L->mu);
	return b;
}

static int sb_count_file(void *ctx, const char *path, const char *date)
{
	(void)path;
	(void)date;
	(*(size_t *)ctx)++;
	return SB_OK;
}

/* The progress line of a layer's load: interface days stored of those found, samples/s, time
 * left. */
static void sb_load_progress(const char *layer, size_t done, size_t total, size_t rows,
			     double started, int final)
{
	double el = sb_time_mono() - started;
	double rate = el > 0 ? (double)rows / el : 0;
	double left = done > 0 && total > done ? el * (double)(total - done) / (double)done : 0;
	fprintf(stderr, "\r[updater] %s: %zu/%zu interfaces  %.0f samples/s  ETA %.0fs   ", layer,
		done, total, rate, left);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Counts one store write that began at t0 (sb_time_mono) into stats. */
static void sb_load_timed(sb_load_stats *stats, double t0)
{
	double took = sb_time_mono() - t0;
	stats->writes++;
	stats->write_seconds += took;
	if (took > stats->write_max)
		stats->write_max = took;
}

/* Removes the spool files whose rows a stored batch ended (a damaged file never gets here: kept
 * for a person to look at, the log said why). */
static void sb_load_remove(sb_batch *b, sb_load_stats *stats)
{
	for (size_t i = 0; i < b->nremove; i++) {
		if (unlink(b->remove[i]) != 0) {
			sb_log(SB_LOG_WARNING, "updater", "%s: stored but not removed: %s",
			       b->remove[i], strerror(errno));
			continue;
		}
		stats->files++;
	}
}

/* Loads one layer's spool: stores batch after batch, removing each file once its rows are
 * confirmed. */
static int sb_load_layer(const sb_settings *s, sb_store *st, const sb_schema *schema,
			 const char *date, int progress, sb_load_stats *stats, sb_err *err)
{
	size_t done = 0, rows = 0;
	double started = sb_time_mono();
	sb_loader L = {.mu = PTHREAD_MUTEX_INITIALIZER,
		       .cv = PTHREAD_COND_INITIALIZER,
		       .s = s,
		       .layer = schema->layer,
		       .date = date};
	pthread_t reader;
	if (pthread_create(&reader, NULL, sb_loader_reader, &L) != 0)
		return sb_err_set(err, SB_ENOMEM, "cannot start the spool reader thread");
	int rc = SB_OK;
	sb_batch *b;
	while ((b = sb_loader_pop(&L)) != NULL) {
		if (rc == SB_OK && b->nrows > 0) {
			double t0 = sb_time_mono();
			rc = sb_store_put_history(st, schema, b->rows, b->nrows, err);
			sb_load_timed(stats, t0);
		}
		if (rc == SB_OK) {
			sb_load_remove(b, stats);
			stats->rows += b->nrows;
			done += b->ndays;
			rows += b->nrows;
			if (progress) {
				pthread_mutex_lock(&L.mu);
				size_t total = L.total;
				pthread_mutex_unlock(&L.mu);
				sb_load_progress(schema->layer, done, total, rows, started, 0);
			}
		} else {
			pthread_mutex_lock(&L.mu);
			L.stop = 1;
			pthread_cond_broadcast(&L.cv);
			pthread_mutex_unlock(&L.mu);
		}
		sb_batch_free(b);
	}
	pthread_join(reader, NULL);
	if (progress && done > 0)
		sb_load_progress(schema->layer, done, L.total, rows, started, 1);
	if (rc == SB_OK && L.failed)
		rc = sb_err_set(err, L.err.code, "%s", L.err.msg);
	return rc;
}

int sb_updater_data(const sb_settings *s, sb_modules *mods, sb_store *st, const char *date,
		    const sb_layer_filter *layers, int progress, sb_load_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	int rc = SB_OK;
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(mods, layers, &i)) != NULL;) {
		size_t before = stats->rows;
		rc = sb_load_layer(s, st, m->def->schema, date, progress, stats, err);
		if (rc == SB_OK && stats->rows > before)
			sb_log(SB_LOG_INFO, "updater", "%s: %zu samples stored",
			       m->def->schema->layer, stats->rows - before);
	}
	/* kept: what is still in the spool, counted, whichever layer or batch stopped the load */
	for (size_t i = 0; (m = sb_layers_next(mods, layers, &i)) != NULL;)
		sb_spool_list(s->data_dir, m->def->schema->layer, date, sb_count_file, &stats->kept,
			      NULL);
	return rc;
}

/* ---- updater daily ---- */

typedef struct sb_sum_loader {
	sb_store *st;
	sb_load_stats *stats;
	sb_err *err;
} sb_sum_loader;

static int sb_sum_file(sb_sum_loader *L, const char *path)
{
	sb_summary_file f;
	sb_err e = {0};
	if (sb_summary_read(path, &f, &e) != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s (file kept)", e.msg);
		return SB_OK;
	}
	double t0 = sb_time_mono();
	int rc = sb_store_put_summary(L->st, f.rows, f.n, L->err);
	sb_load_timed(L->stats, t0);
	if (rc == SB_OK) {
		L->stats->rows += f.n;
		L->stats->files++;
		if (unlink(path) != 0)
			sb_log(SB_LOG_WARNING, "updater", "%s: stored but not removed: %s", path,
			       strerror(errno));
	}
	sb_summary_file_free(&f);
	return rc;
}

static int sb_is_tsv(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".tsv") == 0;
}

int sb_updater_daily(const sb_settings *s, sb_store *st, const char *date, sb_load_stats *stats,
		     sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	char *base = sb_fs_join(s->data_dir, "SCAN/DAILY_SUMMARY");
	size_t ndates = 0;
	char **dates = date != NULL ? NULL : sb_fs_list(base, sb_is_date_dir, &ndates);
	if (date != NULL) {
		dates = sb_xmalloc(sizeof(*dates));
		dates[0] = sb_xstrdup(date);
		ndates = 1;
	}
	sb_sum_loader L = {.st = st, .stats = stats, .err = err};
	int rc = SB_OK;
	for (size_t i = 0; i < ndates; i++) {
		char *dir = sb_fs_join(base, dates[i]);
		size_t nfiles = 0;
		char **files = sb_fs_list(dir, sb_is_tsv, &nfiles);
		for (size_t k = 0; k < nfiles; k++) {
			char *path = sb_fs_join(dir, files[k]);
			if (rc == SB_OK)
				rc = sb_sum_file(&L, path);
			stats->kept += sb_fs_is_file(path); /* still there: not stored */
			free(path);
			free(files[k]);
		}
		free(files);
		rmdir(dir); /* only succeeds once empty */
		free(dir);
		free(dates[i]);
	}
	free(dates);
	free(base);
	return rc;
}
