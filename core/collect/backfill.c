/* backfill.c - the backfill stage: sources -> fetch hook -> HTTP engine -> the whole MRTG log ->
 * 5-minute days into the spool, coarser lines and their day summaries into backfill files; and
 * the load of those files into the store. */
#include "config.h"

#include "collect/backfill.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/period.h"
#include "collect/job.h"
#include "collect/scan.h"
#include "format/coarse.h"
#include "format/mrtglog.h"
#include "format/sources.h"
#include "format/spool.h"
#include "format/summary.h"
#include "net/http.h"

_Static_assert(SB_MRTG_RES_30MIN == SB_RES_30MIN && SB_MRTG_RES_2HOUR == SB_RES_2HOUR &&
		       SB_MRTG_RES_1DAY == SB_RES_1DAY && SB_MRTG_RES_5MIN == SB_RES_5MIN,
	       "MRTG's sections are the store's resolutions");

/* Days a backfill reports on at most: the range a log can hold (two years) and then some. */
#define SB_BF_MAX_DAYS 4000

/* One backfill in progress. */
typedef struct sb_bf_state {
	const sb_settings *s;
	const sb_backfill_opts *o;
	sb_backfill_stats *stats;
	char from[11], to[11]; /* from "" when unbounded */
	int64_t to_daynum;
	size_t (*at)[4]; /* per day, at[daynum(to) - daynum(d)] */
	size_t nat;
	size_t total, done;
	double started, last_progress;
	int wrote;               /* some file was written: sync the spool at the end */
	sb_http_origins *portal; /* where the SCAN credentials go (sb_job_credentials) */
	/* the spool files written, one per layer and day (docs/storage.md); few days hold 5-minute
	 * lines, so a short list */
	struct sb_bf_spool {
		const char *layer;
		char date[11];
		sb_spool_writer *w;
	} * spools;
	size_t nspools;
} sb_bf_state;

/* One interface: the SDK's job (the request its fetch hook describes) and the body. */
typedef struct sb_bf_job {
	sb_job job;
	sb_bf_state *run;
	char *body;
	size_t len, cap;
} sb_bf_job;

static void sb_bf_progress(sb_bf_state *r, int final)
{
	if (!r->o->progress)
		return;
	double now = sb_time_mono();
	if (!final && now - r->last_progress < 0.2)
		return;
	r->last_progress = now;
	double el = now - r->started;
	double rate = el > 0 ? (double)r->done / el : 0;
	double eta = rate > 0 ? (double)(r->total - r->done) / rate : 0;
	fprintf(stderr, "\r[backfill] %zu/%zu interfaces  %.0f/s  %zu failed  ETA %.0fs   ",
		r->done, r->total, rate, r->stats->failed, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* 1 if the local date d ("YYYY-MM-DD") is in the range. */
static int sb_bf_in_range(const sb_bf_state *r, const char *d)
{
	return strcmp(d, r->to) <= 0 && (r->from[0] == '\0' || strcmp(d, r->from) >= 0);
}

/* Counts a day of an interface at resolution index k (0: 5 minutes). */
static void sb_bf_count_day(sb_bf_state *r, sb_date d, int k)
{
	int64_t off = r->to_daynum - sb_period_daynum(d);
	if (off < 0 || off >= SB_BF_MAX_DAYS)
		return;
	if ((size_t)off >= r->nat) {
		size_t n = (size_t)off + 64;
		r->at = sb_xrealloc(r->at, n * sizeof(*r->at));
		memset(r->at + r->nat, 0, (n - r->nat) * sizeof(*r->at));
		r->nat = n;
	}
	r->at[off][k]++;
}

static void sb_bf_start(void *ctx)
{
	sb_bf_job *bj = ctx;
	bj->len = 0;
	sb_job_attempt(&bj->job);
}

static int sb_bf_data(void *ctx, const char *buf, size_t len)
{
	sb_bf_job *bj = ctx;
	if (len > SB_MRTG_LOG_MAX - bj->len)
		return SB_ETOOBIG;
	if (bj->len + len > bj->cap) {
		size_t cap = bj->cap ? bj->cap : 256 * 1024;
		while (cap < bj->len + len)
			cap *= 2;
		bj->body = sb_xrealloc(bj->body, cap);
		bj->cap = cap;
	}
	memcpy(bj->body + bj->len, buf, len);
	bj->len += len;
	return 0;
}

/* Spools the 5-minute samples of one day (v newest first) as scan does. */
static int sb_bf_fine_day(sb_bf_job *bj, const char *date, const sb_mrtg_line *v, size_t n,
			  sb_err *err)
{
	sb_job *job = &bj->job;
	sb_mrtg_sample *s = sb_xmalloc(n * sizeof(*s));
	for (size_t i = 0; i < n; i++)
		s[i] = v[n - 1 - i].s; /* oldest first */
	sb_spool_day d = {
		.layer = (char *)job->mod->def->schema->layer,
		.name = job->src->name,
		.type = job->src->type,
		.date = (char *)date,
		.url = job->url,
		.capacity = job->src->capacity,
		.has_capacity = job->src->has_capacity,
		.n = n,
		.samples = s,
	};
	sb_bf_state *r = bj->run;
	struct sb_bf_spool *sp = NULL;
	for (size_t i = 0; i < r->nspools && sp == NULL; i++)
		if (r->spools[i].layer == d.layer && strcmp(r->spools[i].date, date) == 0)
			sp = &r->spools[i];
	int rc = SB_OK;
	if (sp == NULL) {
		sb_spool_writer *w = NULL;
		rc = sb_spool_writer_open(r->s->data_dir, d.layer, date, &w, err);
		if (rc == SB_OK) {
			r->spools = sb_xrealloc(r->spools, (r->nspools + 1) * sizeof(*r->spools));
			sp = &r->spools[r->nspools++];
			sp->layer = d.layer;
			snprintf(sp->date, sizeof(sp->date), "%s", date);
			sp->w = w;
		}
	}
	if (rc == SB_OK)
		rc = sb_spool_writer_put(sp->w, &d, err);
	free(s);
	return rc;
}

/* The days of the log: its 5-minute days spooled, its coarser lines and the summaries of the
 * other days in the backfill file. */
static int sb_bf_log(sb_bf_job *bj, const sb_mrtg_log *log, sb_err *err)
{
	sb_bf_state *r = bj->run;
	sb_job *job = &bj->job;
	const sb_source *src = job->src;
	int rc = SB_OK;
	/* the 5-minute days, newest first; they keep the daily stage's 5-minute summary */
	char fine_lo[11] = "9999-99-99"; /* the oldest 5-minute day of the log */
	for (size_t i = 0; i < log->n5 && rc == SB_OK;) {
		char d[11];
		sb_time_local(log->lines[i].s.ts, d, NULL);
		size_t k = i + 1;
		for (char e[11]; k < log->n5; k++) {
			sb_time_local(log->lines[k].s.ts, e, NULL);
			if (strcmp(e, d) != 0)
				break;
		}
		snprintf(fine_lo, sizeof(fine_lo), "%s", d);
		if (sb_bf_in_range(r, d)) {
			rc = sb_bf_fine_day(bj, d, &log->lines[i], k - i, err);
			if (rc == SB_OK) {
				sb_date dd;
				sb_date_parse(d, &dd);
				sb_bf_count_day(r, dd, 0);
				r->stats->fine_days++;
				r->stats->fine_samples += k - i;
				r->wrote = 1;
			}
		}
		i = k;
	}
	if (rc != SB_OK)
		return rc;
	/* the coarser lines: the full ones stamped in the range, for their tables; each one (partial
	 * lines too) counts for the day holding its middle, unless that day is a 5-minute one */
	size_t nc = log->n - log->n5;
	sb_coarse_file f = {
		.layer = (char *)job->mod->def->schema->layer,
		.name = src->name,
		.type = src->type,
		.url = job->url,
		.capacity = src->capacity,
		.has_capacity = src->has_capacity,
		.lines = sb_xmalloc((nc ? nc : 1) * sizeof(*f.lines)),
		.dates = sb_xmalloc((nc ? nc : 1) * sizeof(*f.dates)),
		.times = sb_xmalloc((nc ? nc : 1) * sizeof(*f.times)),
		.sums = sb_xcalloc(nc ? nc : 1, sizeof(*f.sums)),
		.sum_dates = sb_xmalloc((nc ? nc : 1) * sizeof(*f.sum_dates)),
	};
	const sb_schema *schema = job->mod->def->schema;
	size_t lines[3] = {0};
	for (size_t i = log->n5; i < log->n; i++) {
		const sb_mrtg_line *l = &log->lines[i];
		if (l->window != l->res)
			continue;
		sb_time_key(l->s.ts, f.dates[f.n], f.times[f.n]);
		if (!sb_bf_in_range(r, f.dates[f.n]))
			continue;
		f.lines[f.n++] = *l;
		lines[sb_mrtg_coarse_index(l->res)]++;
	}
	for (size_t i = log->n5; i < log->n;) {
		char d[11];
		sb_time_local(log->lines[i].s.ts - log->lines[i].window / 2, d, NULL);
		size_t k = i + 1;
		for (char e[11]; k < log->n; k++) {
			const sb_mrtg_line *l = &log->lines[k];
			sb_time_local(l->s.ts - l->window / 2, e, NULL);
			if (strcmp(e, d) != 0)
				break;
		}
		if (sb_bf_in_range(r, d) && strcmp(d, fine_lo) < 0) {
			sb_summary_row *row = &f.sums[f.nsum];
			sb_summary_compute_lines(schema, &log->lines[i], k - i, src->capacity,
						 src->has_capacity, r->s->factor, row);
			snprintf(f.sum_dates[f.nsum], sizeof(f.sum_dates[0]), "%s", d);
			row->date = f.sum_dates[f.nsum];
			f.nsum++;
			sb_date dd;
			sb_date_parse(d, &dd);
			sb_bf_count_day(r, dd, 1 + sb_mrtg_coarse_index(row->resolution));
		}
		i = k;
	}
	if (f.n > 0 || f.nsum > 0) {
		rc = sb_coarse_write(r->s->data_dir, &f, err);
		if (rc == SB_OK) {
			r->wrote = 1;
			for (int k = 0; k < 3; k++)
				r->stats->lines[k] += lines[k];
			r->stats->summaries += f.nsum;
		}
	}
	sb_log(SB_LOG_DEBUG, schema->layer,
	       "%s (%s): %zu 5-minute lines, %zu lines of 30 minutes, %zu of 2 hours, %zu of 1 "
	       "day; %zu days summarised from them",
	       src->name, src->type, log->n5, lines[0], lines[1], lines[2], f.nsum);
	free(f.lines);
	free(f.dates);
	free(f.times);
	free(f.sums);
	free(f.sum_dates);
	return rc;
}

static void sb_bf_done(void *ctx, const sb_http_result *res)
{
	sb_bf_job *bj = ctx;
	sb_job *job = &bj->job;
	sb_bf_state *r = bj->run;
	const char *layer = job->mod->def->schema->layer;
	char url[1024];
	sb_job_url_safe(job->url, url, sizeof(url));
	r->done++;
	r->stats->bytes += res->bytes;
	int rc = res->code;
	char why[600];
	snprintf(why, sizeof(why), "%s", res->msg);
	if (rc == SB_OK) {
		sb_mrtg_log log;
		sb_err e = {0};
		rc = sb_mrtg_log_read(bj->body, bj->len, &log);
		if (rc == SB_OK) {
			if (log.nbad > 0)
				sb_log(SB_LOG_WARNING, layer,
				       "%s (%s): %u malformed lines skipped, first at line %u of "
				       "%s",
				       job->src->name, job->src->type, log.nbad, log.first_bad,
				       url);
			if (log.nstray > 0)
				sb_log(SB_LOG_WARNING, layer,
				       "%s (%s): %u lines outside MRTG's layout skipped (past the "
				       "5-minute grid or a section's end), first at line %u of %s",
				       job->src->name, job->src->type, log.nstray, log.first_stray,
				       url);
			rc = sb_bf_log(bj, &log, &e);
			if (rc != SB_OK)
				snprintf(why, sizeof(why), "cannot write the spool: %s", e.msg);
		} else {
			snprintf(why, sizeof(why), "the log is larger than %zu bytes",
				 SB_MRTG_LOG_MAX);
		}
		sb_mrtg_log_free(&log);
	}
	if (rc == SB_OK) {
		r->stats->ok++;
	} else {
		r->stats->failed++;
		sb_log(SB_LOG_ERROR, layer, "%s (%s): %s: %s (after %d attempt%s)", job->src->name,
		       job->src->type, url, why, res->attempts, res->attempts == 1 ? "" : "s");
	}
	sb_free(bj->body);
	bj->len = bj->cap = 0;
	sb_job_attempt(job);
	sb_bf_progress(r, 0);
}

static void sb_bf_warn(void *ctx, const char *path, unsigned line, const char *msg)
{
	sb_log(SB_LOG_WARNING, (const char *)ctx, "%s:%u: %s", path, line, msg);
}

/* Queues every interface of one layer module; sources and jobs are kept in the arrays given. */
static int sb_bf_queue_layer(sb_bf_state *r, sb_http *h, const sb_loaded_module *m, sb_sources *src,
			     sb_bf_job **jobs, size_t *njobs)
{
	const char *layer = m->def->schema->layer;
	char *rel = sb_xasprintf("sources/SCAN/%s", layer);
	char *path = sb_fs_join(r->s->root, rel);
	free(rel);
	sb_err e = {0};
	int rc = sb_sources_load(path, src, sb_bf_warn, (void *)layer, &e);
	free(path);
	if (rc == SB_ENOTFOUND) {
		sb_log(SB_LOG_WARNING, layer,
		       "%s: no sources file, layer skipped (scanbackup setup-files creates it)",
		       e.msg);
		return SB_OK;
	}
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, layer, "%s", e.msg);
		return rc;
	}
	if (m->def->parse != NULL) {
		sb_log(SB_LOG_WARNING, layer,
		       "module %s (%s) reads a format of its own (its parse hook): backfill reads "
		       "MRTG logs only, so the layer's %zu interfaces are skipped",
		       m->def->name, m->path, src->n);
		r->stats->skipped += src->n;
		return SB_OK;
	}
	int64_t day_start, day_end;
	sb_date_bounds(r->o->to, &day_start, &day_end);
	*jobs = sb_xcalloc(src->n ? src->n : 1, sizeof(**jobs));
	for (size_t i = 0; i < src->n; i++) {
		const sb_source *so = &src->v[i];
		sb_bf_job *bj = &(*jobs)[(*njobs)++];
		bj->run = r;
		sb_job *job = &bj->job;
		sb_job_init(job, so, m, r->to, day_start, day_end,
			    sb_scan_log_url(r->s->root, so->url));
		if (m->def->fetch != NULL && (rc = m->def->fetch(job)) != SB_OK) {
			sb_log(SB_LOG_ERROR, layer,
			       "%s (%s): module %s (%s) could not build the request: %s", so->name,
			       so->type, m->def->name, m->path, sb_strerror(rc));
			r->stats->failed++;
			continue;
		}
		sb_http_req req = {.url = job->url,
				   .ctx = bj,
				   .method = job->body != NULL ? SB_HTTP_POST : SB_HTTP_GET,
				   .body = job->body,
				   .body_len = job->body_len,
				   .headers = (const char *const *)job->headers,
				   .anonymous = !sb_job_credentials(job, r->portal),
				   .on_start = sb_bf_start,
				   .on_data = sb_bf_data,
				   .on_done = sb_bf_done};
		if (sb_http_add(h, &req, NULL) != SB_OK)
			return SB_ENOMEM;
		r->total++;
	}
	r->stats->interfaces += *njobs;
	return SB_OK;
}

/* The days with data, oldest first. */
static void sb_bf_days(sb_bf_state *r)
{
	for (size_t off = r->nat; off-- > 0;) {
		size_t any = r->at[off][0] + r->at[off][1] + r->at[off][2] + r->at[off][3];
		if (any == 0)
			continue;
		sb_backfill_stats *st = r->stats;
		st->days = sb_xrealloc(st->days, (st->ndays + 1) * sizeof(*st->days));
		sb_backfill_day *d = &st->days[st->ndays++];
		d->date = sb_date_add(r->o->to, -(int)off);
		memcpy(d->at, r->at[off], sizeof(d->at));
	}
}

int sb_backfill_run(const sb_settings *s, sb_modules *mods, const sb_backfill_opts *o,
		    sb_backfill_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	if (sb_date_cmp(o->to, sb_date_today()) >= 0)
		return sb_err_set(err, SB_EINVAL,
				  "backfill covers days before today (the nightly job collects "
				  "today tomorrow)");
	if (o->has_from && sb_date_cmp(o->from, o->to) > 0)
		return sb_err_set(err, SB_EINVAL, "the first day of a backfill is after the last");
	sb_bf_state r = {.s = s, .o = o, .stats = stats, .started = sb_time_mono()};
	if (o->has_from)
		sb_date_format(o->from, r.from);
	sb_date_format(o->to, r.to);
	r.to_daynum = sb_period_daynum(o->to);

	sb_http_opts ho;
	sb_scan_http_opts(s, &ho);
	sb_http *h = NULL;
	int rc = sb_http_new(&ho, &h, err);
	if (rc != SB_OK)
		return rc;
	r.portal = sb_http_portal_origins(s);

	size_t nmods = mods->n ? mods->n : 1, nlayers = 0;
	sb_sources *srcs = sb_xcalloc(nmods, sizeof(*srcs));
	sb_bf_job **jobs = sb_xcalloc(nmods, sizeof(*jobs));
	size_t *njobs = sb_xcalloc(nmods, sizeof(*njobs));
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(mods, o->layers, &i)) != NULL;) {
		size_t k = i - 1;
		rc = sb_bf_queue_layer(&r, h, m, &srcs[k], &jobs[k], &njobs[k]);
		nlayers++;
	}
	if (rc != SB_OK) {
		sb_err_set(err, rc, "the backfill could not start: %s", sb_strerror(rc));
	} else {
		long http1, http2;
		sb_scan_in_flight(s, &http1, &http2);
		sb_log(SB_LOG_INFO, "backfill",
		       "reading the whole logs of %zu interfaces in %zu layers for %s to %s, %ld "
		       "in flight (%ld over HTTP/2)%s",
		       r.total, nlayers, r.from[0] != '\0' ? r.from : "the oldest day they hold",
		       r.to, http1, http2, s->pipeline > 1 ? ", pipelined over HTTP/1.1" : "");
		rc = sb_http_run(h);
		if (rc != SB_OK)
			sb_err_set(err, rc, "the HTTP engine stopped: %s", sb_strerror(rc));
		sb_bf_progress(&r, 1);
		if (r.wrote && sb_fs_sync(s->data_dir) != SB_OK)
			sb_log(SB_LOG_WARNING, "backfill",
			       "%s: could not sync the spool to disk: %s", s->data_dir,
			       strerror(errno));
	}
	/* the spool files were synced with the rest: close them */
	for (size_t i = 0; i < r.nspools; i++) {
		sb_err e = {0};
		if (sb_spool_writer_close(&r.spools[i].w, 0, &e) != SB_OK)
			sb_log(SB_LOG_WARNING, "backfill", "%s", e.msg);
	}
	free(r.spools);
	sb_http_origins_free(&r.portal);
	stats->seconds = sb_time_mono() - r.started;
	sb_bf_days(&r);
	sb_http_free(&h);
	for (size_t i = 0; i < mods->n; i++) {
		for (size_t k = 0; k < njobs[i]; k++) {
			sb_free(jobs[i][k].body);
			sb_job_release(&jobs[i][k].job);
		}
		free(jobs[i]);
		sb_sources_free(&srcs[i]);
	}
	free(jobs);
	free(njobs);
	free(srcs);
	free(r.at);
	return rc;
}

void sb_backfill_free(sb_backfill_stats *stats)
{
	sb_free(stats->days);
	stats->ndays = 0;
}

/* ---- the load ---- */

/* Rows per batch of a load. */
#define SB_BF_BATCH_ROWS 50000

typedef struct sb_bf_loader {
	const sb_schema *layer;
	sb_coarse_schema coarse[SB_COARSE_N];
	sb_store *st;
	sb_backfill_load_stats *stats;
	sb_err *err;
	int progress;
	size_t total, done;
	double started;
	/* the batch */
	sb_coarse_file *files;
	char **paths;
	size_t nfiles, capfiles, nrows;
} sb_bf_loader;

static void sb_bf_load_progress(sb_bf_loader *L, int final)
{
	if (!L->progress)
		return;
	double el = sb_time_mono() - L->started;
	double left = L->done > 0 ? el * (double)(L->total - L->done) / (double)L->done : 0;
	fprintf(stderr, "\r[backfill] %s: %zu/%zu files stored  ETA %.0fs   ", L->layer->layer,
		L->done, L->total, left);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Stores the batch: the lines of each resolution, then the summaries; removes its files once
 * all is confirmed. Empties the batch either way. */
static int sb_bf_flush(sb_bf_loader *L)
{
	int rc = SB_OK;
	size_t nsum = 0;
	for (size_t i = 0; i < L->nfiles; i++)
		nsum += L->files[i].nsum;
	for (int k = 0; k < SB_COARSE_N && rc == SB_OK; k++) {
		sb_history_row *rows = sb_xmalloc((L->nrows ? L->nrows : 1) * sizeof(*rows));
		size_t n = 0;
		for (size_t i = 0; i < L->nfiles; i++) {
			const sb_coarse_file *f = &L->files[i];
			for (size_t j = 0; j < f->n; j++) {
				const sb_mrtg_line *l = &f->lines[j];
				if (l->res != sb_coarse_res[k])
					continue;
				rows[n++] = (sb_history_row){
					.name = f->name,
					.type = f->type,
					.date = f->dates[j],
					.time = f->times[j],
					.capacity = f->has_capacity ? f->capacity : 0,
					.in_avg = l->s.in_avg,
					.out_avg = l->s.out_avg,
					.in_max = l->s.in_max,
					.out_max = l->s.out_max,
				};
			}
		}
		if (n > 0)
			rc = sb_store_put_history(L->st, &L->coarse[k].schema, rows, n, L->err);
		if (rc == SB_OK)
			L->stats->lines += n;
		free(rows);
	}
	if (rc == SB_OK && nsum > 0) {
		sb_summary_row *sums = sb_xmalloc(nsum * sizeof(*sums));
		size_t n = 0;
		for (size_t i = 0; i < L->nfiles; i++)
			for (size_t j = 0; j < L->files[i].nsum; j++)
				sums[n++] = L->files[i].sums[j];
		rc = sb_store_put_summary(L->st, sums, n, L->err);
		if (rc == SB_OK)
			L->stats->summaries += n;
		free(sums);
	}
	for (size_t i = 0; i < L->nfiles; i++) {
		if (rc == SB_OK) {
			if (unlink(L->paths[i]) != 0)
				sb_log(SB_LOG_WARNING, "backfill", "%s: stored but not removed: %s",
				       L->paths[i], strerror(errno));
			L->stats->files++;
			L->done++;
		}
		sb_coarse_free(&L->files[i]);
		free(L->paths[i]);
	}
	L->nfiles = L->nrows = 0;
	if (rc == SB_OK)
		sb_bf_load_progress(L, 0);
	return rc;
}

static int sb_bf_load_file(void *ctx, const char *path)
{
	sb_bf_loader *L = ctx;
	if (L->nfiles == L->capfiles) {
		L->capfiles = L->capfiles ? L->capfiles * 2 : 64;
		L->files = sb_xrealloc(L->files, L->capfiles * sizeof(*L->files));
		L->paths = sb_xrealloc(L->paths, L->capfiles * sizeof(*L->paths));
	}
	sb_err e = {0};
	sb_coarse_file *f = &L->files[L->nfiles];
	if (sb_coarse_read(path, f, &e) != SB_OK) {
		sb_log(SB_LOG_ERROR, "backfill", "%s (file kept)", e.msg);
		return SB_OK;
	}
	L->paths[L->nfiles++] = sb_xstrdup(path);
	L->nrows += f->n + f->nsum;
	return L->nrows >= SB_BF_BATCH_ROWS ? sb_bf_flush(L) : SB_OK;
}

static int sb_bf_count(void *ctx, const char *path)
{
	(void)path;
	(*(size_t *)ctx)++;
	return SB_OK;
}

int sb_backfill_load(const sb_settings *s, sb_modules *mods, sb_store *st,
		     const sb_layer_filter *layers, int progress, sb_backfill_load_stats *stats,
		     sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	int rc = SB_OK;
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(mods, layers, &i)) != NULL;) {
		sb_bf_loader L = {.layer = m->def->schema,
				  .st = st,
				  .stats = stats,
				  .err = err,
				  .started = sb_time_mono()};
		for (int k = 0; k < SB_COARSE_N; k++)
			sb_schema_coarse(L.layer, sb_coarse_res[k], &L.coarse[k]);
		sb_coarse_list(s->data_dir, L.layer->layer, sb_bf_count, &L.total);
		if (L.total == 0)
			continue;
		L.progress = progress;
		size_t before = stats->files;
		rc = sb_coarse_list(s->data_dir, L.layer->layer, sb_bf_load_file, &L);
		if (rc == SB_OK && L.nfiles > 0)
			rc = sb_bf_flush(&L);
		for (size_t k = 0; k < L.nfiles; k++) { /* what a failed flush left */
			sb_coarse_free(&L.files[k]);
			free(L.paths[k]);
		}
		free(L.files);
		free(L.paths);
		sb_bf_load_progress(&L, 1);
		if (stats->files > before)
			sb_log(SB_LOG_INFO, "backfill", "%s: %zu backfill files stored",
			       L.layer->layer, stats->files - before);
		char *dir = sb_xasprintf("%s/SCAN/BACKFILL/%s", s->data_dir, L.layer->layer);
		rmdir(dir); /* only once empty */
		free(dir);
	}
	for (size_t i = 0; (m = sb_layers_next(mods, layers, &i)) != NULL;)
		sb_coarse_list(s->data_dir, m->def->schema->layer, sb_bf_count, &stats->kept);
	char *base = sb_fs_join(s->data_dir, "SCAN/BACKFILL");
	rmdir(base);
	free(base);
	return rc;
}
