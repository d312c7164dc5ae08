/* scan.c - the collector stage: sources -> fetch hook -> HTTP engine -> parse hook -> spool. */
#include "config.h"

#include "collect/scan.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/workq.h"
#include "collect/job.h"
#include "format/sources.h"
#include "format/spool.h"
#include "net/http.h"

/* A log line of the 5-minute section is at most this long, as far as a first byte range is sized
 * before any log of the layer has been read (timestamp and four values of up to 12 digits). */
#define SB_SCAN_LINE_GUESS 64
/* The 5-minute section, the lines before it and the first coarse line that ends it. */
#define SB_SCAN_SECTION_LINES (SB_MRTG_MAX_SAMPLES + 3)
/* Interfaces whose records wait for the spool's writer thread, at most (each holds its job). */
#define SB_SCAN_WRITES_WAITING 64
/* Requests handed to the HTTP engine ahead of the transfers in flight, per transfer slot (of
 * SCAN_STREAMS, the most there may be). */
#define SB_SCAN_AHEAD 2

typedef struct sb_scan_job sb_scan_job;

/* One layer of the scan: its interfaces, read one at a time as their jobs are made (so memory does
 * not grow with their number), its spool file, and what its logs need, learned as they arrive
 * (it sizes the byte ranges asked for). */
typedef struct sb_scan_layer {
	const sb_loaded_module *m; /* NULL: not scanned */
	sb_sources_reader *src;
	sb_spool_writer
		*spool; /* the layer's spool file of the day, opened with its first record */
	uint64_t need;  /* the most bytes a log of the layer needed to reach the day's start */
	size_t pending; /* its jobs made and not yet done */
	/* Once its sources are read and its jobs done, the spool file is closed durably by a
	 * thread of its own while the scan goes on (joined before the scan returns), else at the
	 * end; how that close went. */
	pthread_t syncer;
	int syncing;
	sb_spool_writer *closing;
	int sync_rc;
	sb_err sync_err;
} sb_scan_layer;

/* One scan in progress. */
typedef struct sb_scan_state {
	const sb_settings *s;
	const sb_scan_opts *opts;
	sb_scan_stats *stats;
	sb_http *http;
	sb_http_origins *portal; /* where the SCAN credentials go (sb_job_credentials) */
	char date[11];
	int64_t day_start, day_end;
	size_t expected; /* 5-minute samples in the day: 288, or 276/300 on DST days */
	size_t total, done;
	sb_scan_layer *layers; /* one per loaded module (unused ones empty) */
	size_t nlayers;
	size_t next_layer; /* the layer whose interfaces are being handed to the engine */
	size_t in_engine;  /* jobs handed to the engine and not done */
	size_t ahead;      /* how many may be */
	double started, last_progress;
	sb_logfile alerts;
	/* Writes the records to the spool files on a thread of its own while the scan goes on
	 * (NULL: in place): formatting them and the file system's work take a third of the
	 * collector's CPU. Only it touches a layer's spool writer until the layer is done. */
	sb_workq *writer;
} sb_scan_state;

unsigned sb_scan_shard_of(const char *name, unsigned n)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return n <= 1 ? 1 : (unsigned)(h % n) + 1;
}

static int sb_has_scheme(const char *url)
{
	const char *colon = strstr(url, "://");
	if (colon == NULL || colon == url)
		return 0;
	for (const char *p = url; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '+' ||
		      *p == '-' || *p == '.'))
			return 0;
	return 1;
}

char *sb_scan_log_url(const char *root, const char *url)
{
	char *u;
	if (sb_has_scheme(url)) {
		u = sb_xstrdup(url);
	} else {
		/* a local path: percent-encode what a URL cannot carry raw */
		char *path = url[0] == '/' ? sb_xstrdup(url) : sb_fs_join(root, url);
		size_t n = strlen(path);
		u = sb_xmalloc(7 + 3 * n + 1);
		memcpy(u, "file://", 7);
		size_t w = 7;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)path[i];
			if (c <= ' ' || c == '%' || c == '#' || c == '?' || c >= 0x7f) {
				w += (size_t)snprintf(u + w, 4, "%%%02X", c);
			} else {
				u[w++] = (char)c;
			}
		}
		u[w] = '\0';
		free(path);
	}
	size_t n = strlen(u);
	char *q = strpbrk(u, "?#");
	size_t end = q != NULL ? (size_t)(q - u) : n;
	const char *exts[] = {".html", ".htm"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i]);
		if (end >= el && strncasecmp(u + end - el, exts[i], el) == 0) {
			char *r = sb_xasprintf("%.*s.log%s", (int)(end - el), u, u + end);
			free(u);
			return r;
		}
	}
	return u;
}

static void sb_scan_progress(sb_scan_state *r, int final)
{
	if (!r->opts->progress)
		return;
	double now = sb_time_mono();
	if (!final && now - r->last_progress < 0.2)
		return;
	r->last_progress = now;
	double el = now - r->started;
	double rate = el > 0 ? (double)r->done / el : 0;
	double eta = rate > 0 ? (double)(r->total - r->done) / rate : 0;
	fprintf(stderr, "\r[scan] %zu/%zu interfaces  %.0f/s  %zu failed  ETA %.0fs   ", r->done,
		r->total, rate, r->stats->failed, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* A job of this scan, made when it is handed to the engine and freed when it is done: the SDK's
 * job and its interface, the scan and layer it belongs to, and the byte range the core asks for
 * its log. */
struct sb_scan_job {
	sb_job job;
	sb_source src; /* the job's own copy */
	sb_scan_state *run;
	sb_scan_layer *layer;
	int ranged;    /* the core sizes the byte ranges of this job's requests */
	int64_t asked; /* the first bytes of the log the current request asks for; 0: all of it */
	/* the day's samples on their way to the spool's writer thread, and how it went */
	sb_work write;
	const sb_sample *v;
	size_t n;
	int attempts; /* the requests the log took */
	int write_rc;
	sb_err write_err;
};

static int sb_scan_send(sb_scan_job *sj);
static void sb_scan_job_write(sb_work *w);

static void sb_scan_job_start(void *ctx)
{
	sb_job_attempt(&((sb_scan_job *)ctx)->job);
}

static int sb_scan_job_data(void *ctx, const char *buf, size_t len)
{
	return sb_job_feed(&((sb_scan_job *)ctx)->job, buf, len);
}

/* Appends the job's samples (oldest first) to its layer's spool file of the day. */
static int sb_scan_job_spool(sb_scan_job *sj, const sb_sample *v, size_t n, sb_err *err)
{
	sb_scan_state *r = sj->run;
	sb_job *job = &sj->job;
	sb_scan_layer *L = sj->layer;
	if (L->spool == NULL) {
		int rc = sb_spool_writer_open(r->s->data_dir, job->mod->def->schema->layer, r->date,
					      &L->spool, err);
		if (rc != SB_OK)
			return rc;
	}
	sb_spool_day d = {
		.layer = (char *)job->mod->def->schema->layer,
		.name = job->src->name,
		.type = job->src->type,
		.date = r->date,
		.url = job->url,
		.capacity = job->src->capacity,
		.has_capacity = job->src->has_capacity,
		.n = n,
		.samples = (sb_sample *)v,
	};
	return sb_spool_writer_put(L->spool, &d, err);
}

/* The first byte range of a layer's log: what the layer's logs have needed so far, with room for
 * longer lines; before any, the 5-minute lines from now back to the day's start (at most the
 * section) at SB_SCAN_LINE_GUESS bytes each. */
static int64_t sb_scan_first_range(const sb_scan_state *r, const sb_scan_layer *L)
{
	if (L->need > 0)
		return (int64_t)(L->need + L->need / 8 + 1024);
	int64_t lines = ((int64_t)time(NULL) - r->day_start) / 300 + 16;
	if (lines < 16 || lines > SB_SCAN_SECTION_LINES + 16)
		lines = SB_SCAN_SECTION_LINES + 16;
	return lines * SB_SCAN_LINE_GUESS;
}

static void sb_scan_job_free(sb_scan_job *sj)
{
	sb_job_release(&sj->job);
	free(sj->src.url);
	free(sj->src.name);
	free(sj->src.type);
	free(sj);
}

static int sb_scan_rangeable(const sb_job *job);

/* Makes the job of one interface (its fetch hook runs here); NULL when it is not this shard's or
 * its request could not be built (said and counted). */
static sb_scan_job *sb_scan_job_new(sb_scan_state *r, sb_scan_layer *L, const sb_source *so)
{
	const sb_loaded_module *m = L->m;
	const char *layer = m->def->schema->layer;
	if (r->opts->shard_n > 1 &&
	    sb_scan_shard_of(so->name, r->opts->shard_n) != r->opts->shard_k) {
		r->stats->skipped_shard++;
		r->total--;
		return NULL;
	}
	r->stats->interfaces++;
	sb_scan_job *sj = sb_xcalloc(1, sizeof(*sj));
	sj->src = *so;
	sj->src.url = sb_xstrdup(so->url);
	sj->src.name = sb_xstrdup(so->name);
	sj->src.type = sb_xstrdup(so->type);
	sj->run = r;
	sj->layer = L;
	sj->write.run = sb_scan_job_write;
	sb_job *job = &sj->job;
	sb_job_init(job, &sj->src, m, r->date, r->day_start, r->day_end,
		    sb_scan_log_url(r->s->root, so->url));
	int rc;
	if (m->def->fetch != NULL && (rc = m->def->fetch(job)) != SB_OK) {
		sb_log(SB_LOG_ERROR, layer,
		       "%s (%s): module %s (%s) could not build the request: %s", so->name,
		       so->type, m->def->name, m->path, sb_strerror(rc));
		sb_logfile_write(&r->alerts, SB_LOG_ERROR, "scan",
				 "%s %s (%s) %s: failed: no request", layer, so->name, so->type,
				 r->date);
		r->stats->failed++;
		r->done++;
		sb_scan_job_free(sj);
		return NULL;
	}
	sj->ranged = sb_scan_rangeable(job);
	if (sj->ranged) {
		r->stats->ranged++;
		sj->asked = sb_scan_first_range(r, L);
	}
	L->pending++;
	return sj;
}

static void *sb_scan_layer_sync(void *arg)
{
	sb_scan_layer *L = arg;
	L->sync_rc = sb_spool_writer_close(&L->closing, 1, &L->sync_err);
	return NULL;
}

/* A layer whose sources are all read and whose jobs are all done has its spool file complete:
 * it reaches the disk in a thread while the other layers are collected (else at the end). */
static void sb_scan_layer_done(sb_scan_layer *L)
{
	if (L->src != NULL || L->pending > 0 || L->spool == NULL || L->syncing)
		return;
	L->closing = L->spool;
	L->spool = NULL;
	if (pthread_create(&L->syncer, NULL, sb_scan_layer_sync, L) == 0) {
		L->syncing = 1;
		return;
	}
	L->spool = L->closing;
	L->closing = NULL;
}

/* Ends a job made by sb_scan_job_new. */
static void sb_scan_job_end(sb_scan_job *sj)
{
	sb_scan_layer *L = sj->layer;
	sb_scan_job_free(sj);
	L->pending--;
	sb_scan_layer_done(L);
}

/* Hands jobs to the engine until SB_SCAN_AHEAD per transfer slot wait in it, making each from the
 * next interface of the sources files: each request's byte range is sized from what the logs read
 * by then needed, and only the jobs in the engine take memory. */
static void sb_scan_feed(sb_scan_state *r)
{
	while (r->in_engine < r->ahead && r->next_layer < r->nlayers) {
		sb_scan_layer *L = &r->layers[r->next_layer];
		const sb_source *so = NULL;
		sb_err e = {0};
		int rc = L->src != NULL ? sb_sources_next(L->src, &so, &e) : SB_ENOTFOUND;
		if (rc != SB_OK) {
			if (rc != SB_ENOTFOUND)
				sb_log(SB_LOG_ERROR, L->m->def->schema->layer,
				       "%s: the rest of the layer is not collected", e.msg);
			sb_sources_close(&L->src);
			r->next_layer++;
			sb_scan_layer_done(L);
			continue;
		}
		sb_scan_job *sj = sb_scan_job_new(r, L, so);
		if (sj == NULL)
			continue;
		r->in_engine++;
		if (sb_scan_send(sj) != SB_OK) {
			r->in_engine--;
			r->done++;
			r->stats->failed++;
			sb_log(SB_LOG_ERROR, sj->job.mod->def->schema->layer,
			       "%s (%s): the request could not be queued: %s", sj->job.src->name,
			       sj->job.src->type, sb_strerror(SB_ENOMEM));
			sb_scan_job_end(sj);
		}
	}
}

/* Whether the answer just received ends the job's log, or another request follows: after a 416
 * the whole log, after a range that ended before the day's start a range four times as long
 * (the whole log once that would reach its end). Returns 1 when it queued that request, 0 when
 * the job ends with what came, or the error that kept the request from being queued when what
 * came is not the log's start (a range the server answered from elsewhere): nothing of it is
 * kept. The larger range starts again at byte 0: a log MRTG rewrote in between is then read
 * whole from one version, never pieced together from two. */
static int sb_scan_follow_up(sb_scan_job *sj, const sb_http_result *res)
{
	sb_scan_state *r = sj->run;
	sb_job *job = &sj->job;
	if (!sj->ranged || sj->asked == 0)
		return 0;
	if (res->code == SB_EHTTP && res->status == 416) {
		r->stats->range_refused++;
		sj->asked = 0;
	} else if (res->code != SB_OK || res->status != 206) {
		if (res->code == SB_OK)
			r->stats->range_ignored++;
		return 0; /* a failure, or the whole log (200) */
	} else if (res->range_first != 0) {
		r->stats->range_refused++; /* not the start of the log: take it whole */
		sj->asked = 0;
	} else {
		int64_t got = res->range_last + 1;
		int prefix = res->range_total >= 0 ? got < res->range_total : got >= sj->asked;
		if (!prefix)
			return 0; /* the log is shorter than the range: all of it came */
		if (job->parser != NULL && job->parser->done) {
			job->prefix = 1;
			return 0;
		}
		r->stats->range_grown++;
		sj->asked *= 4;
		if (res->range_total >= 0 && sj->asked >= res->range_total)
			sj->asked = 0;
		/* if the longer range cannot be asked for, the start of the log that came is
		 * kept, its last line, which the range may have cut, left unread */
		job->prefix = 1;
	}
	int rc = sb_scan_send(sj);
	if (rc != SB_OK)
		return job->prefix ? 0 : rc;
	return 1;
}

/* The job a write belongs to. */
static sb_scan_job *sb_scan_job_of(sb_work *w)
{
	return (sb_scan_job *)(void *)((char *)w - offsetof(sb_scan_job, write));
}

/* Runs on the spool's writer thread: appends the job's samples to its layer's spool file. */
static void sb_scan_job_write(sb_work *w)
{
	sb_scan_job *sj = sb_scan_job_of(w);
	sj->write_rc = sb_scan_job_spool(sj, sj->v, sj->n, &sj->write_err);
}

/* Counts and logs how the job ended, once its samples are in the spool (or could not be
 * written, or rc says why there were none: why), and ends it. */
static void sb_scan_job_written(sb_scan_job *sj, int rc, const char *why)
{
	sb_scan_state *r = sj->run;
	sb_job *job = &sj->job;
	const char *layer = job->mod->def->schema->layer;
	char url[1024];
	sb_job_url_safe(job->url, url, sizeof(url));
	if (rc == SB_OK)
		sb_job_report(job, url);
	char msg[600];
	size_t n = sj->n;
	if (rc == SB_OK && sj->write_rc != SB_OK) {
		rc = sj->write_rc;
		snprintf(msg, sizeof(msg), "cannot write the spool: %s", sj->write_err.msg);
		why = msg;
	} else if (rc == SB_OK) {
		r->stats->samples += n;
		int short_day = n < r->expected;
		if (short_day)
			r->stats->short_days++;
		else
			r->stats->ok++;
		sb_logfile_write(&r->alerts, short_day ? SB_LOG_WARNING : SB_LOG_INFO, "scan",
				 "%s %s (%s) %s: %zu of %zu samples", layer, job->src->name,
				 job->src->type, r->date, n, r->expected);
		if (n == 0)
			sb_log(SB_LOG_WARNING, layer, "%s (%s): no samples of %s in %s",
			       job->src->name, job->src->type, r->date, url);
	}
	if (rc != SB_OK) {
		r->stats->failed++;
		sb_log(SB_LOG_ERROR, layer, "%s (%s): %s: %s (after %d attempt%s)", job->src->name,
		       job->src->type, url, why, sj->attempts, sj->attempts == 1 ? "" : "s");
		sb_logfile_write(&r->alerts, SB_LOG_ERROR, "scan", "%s %s (%s) %s: failed: %s",
				 layer, job->src->name, job->src->type, r->date, why);
	}
	/* what the day needed is in the spool: the job goes */
	sb_scan_job_end(sj);
}

/* Accounts for the jobs the writer thread is done with (a list of their writes). */
static void sb_scan_collect(sb_scan_state *r, sb_work *w)
{
	while (w != NULL) {
		sb_work *next = w->next;
		sb_scan_job_written(sb_scan_job_of(w), SB_OK, NULL);
		w = next;
	}
}

static void sb_scan_job_done(void *ctx, const sb_http_result *res)
{
	sb_scan_job *sj = ctx;
	sb_job *job = &sj->job;
	sb_scan_state *r = sj->run;
	r->stats->bytes += res->bytes;
	int follow = sb_scan_follow_up(sj, res);
	if (follow > 0)
		return;
	if (sj->ranged && res->code == SB_OK && job->parser != NULL && job->parser->done &&
	    job->parser->used > sj->layer->need)
		sj->layer->need = job->parser->used;
	r->done++;
	r->in_engine--;
	int rc = res->code;
	char why[600];
	snprintf(why, sizeof(why), "%s", res->msg);
	if (follow < 0 && rc == SB_OK) {
		rc = follow;
		snprintf(
			why, sizeof(why),
			"the server answered a byte range from elsewhere than the log's start, and "
			"the whole log could not be asked for: %s",
			sb_strerror(follow));
	}
	if (rc == SB_OK || job->parse_rc != SB_OK) {
		int prc = rc == SB_OK ? sb_job_end(job) : job->parse_rc;
		if (prc != SB_OK) {
			rc = prc;
			snprintf(why, sizeof(why), "parse of module %s (%s) failed: %s",
				 job->mod->def->name, job->mod->path, sb_strerror(prc));
		}
	}
	sj->attempts = res->attempts;
	if (rc == SB_OK) {
		sb_sample *v = NULL;
		sb_job_samples(job, &v, &sj->n);
		sj->v = v;
		if (sj->n > 0 && r->writer != NULL) {
			sb_workq_put(r->writer, &sj->write); /* accounted once written */
		} else {
			if (sj->n > 0)
				sb_scan_job_write(&sj->write); /* in place */
			sb_scan_job_written(sj, SB_OK, NULL);
		}
	} else {
		sb_scan_job_written(sj, rc, why);
	}
	sb_scan_collect(r, r->writer != NULL ? sb_workq_take(r->writer) : NULL);
	sb_scan_progress(r, 0);
	sb_scan_feed(r);
}

static void sb_scan_warn(void *ctx, const char *path, unsigned line, const char *msg)
{
	/* msg says itself what became of the line */
	sb_log(SB_LOG_WARNING, (const char *)ctx, "%s:%u: %s", path, line, msg);
}

/* Hands the job's request to the engine, with the byte range it asks for now. */
static int sb_scan_send(sb_scan_job *sj)
{
	sb_job *job = &sj->job;
	char range[48];
	const char *asked = job->range[0] != '\0' ? job->range : NULL;
	if (sj->ranged && sj->asked > 0) {
		snprintf(range, sizeof(range), "0-%lld", (long long)sj->asked - 1);
		asked = range;
	}
	sb_http_req req = {.url = job->url,
			   .ctx = sj,
			   .method = job->body != NULL ? SB_HTTP_POST : SB_HTTP_GET,
			   .body = job->body,
			   .body_len = job->body_len,
			   .headers = (const char *const *)job->headers,
			   .range = asked,
			   .anonymous = !sb_job_credentials(job, sj->run->portal),
			   .on_start = sb_scan_job_start,
			   .on_data = sb_scan_job_data,
			   .on_done = sb_scan_job_done};
	return sb_http_add(sj->run->http, &req, NULL);
}

/* Whether the core asks for the job's log in byte ranges: a GET over http(s) parsed by the core
 * MRTG parser (a log newest first, so its start holds the day) and no range of the module's. */
static int sb_scan_rangeable(const sb_job *job)
{
	return job->mod->def->parse == NULL && job->body == NULL && job->range[0] == '\0' &&
	       (strncasecmp(job->url, "http://", 7) == 0 ||
		strncasecmp(job->url, "https://", 8) == 0);
}

/* Opens the sources file of one layer module (saying what is wrong in it) and counts its
 * interfaces; a missing file skips the layer. */
static int sb_scan_open_layer(sb_scan_state *r, const sb_loaded_module *m, sb_scan_layer *L)
{
	const char *layer = m->def->schema->layer;
	char *rel = sb_xasprintf("sources/SCAN/%s", layer);
	char *path = sb_fs_join(r->s->root, rel);
	free(rel);
	sb_err e = {0};
	int rc = sb_sources_open(path, sb_scan_warn, (void *)layer, &L->src, &e);
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
	L->m = m;
	r->total += sb_sources_count(L->src);
	return SB_OK;
}

void sb_scan_http_opts(const sb_settings *s, sb_http_opts *ho)
{
	sb_http_opts_settings(ho, s);
	ho->streams = s->streams;
	ho->pipeline = s->pipeline;
	ho->user = s->scan_user;
	ho->password = s->scan_password;
}

void sb_scan_in_flight(const sb_settings *s, long *http1, long *http2)
{
	*http1 = s->parallel * s->pipeline;
	*http2 = s->streams > s->parallel ? s->streams : s->parallel;
}

int sb_scan_run(const sb_settings *s, sb_modules *mods, const sb_scan_opts *opts,
		sb_scan_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	sb_scan_state r = {.s = s, .opts = opts, .stats = stats};
	sb_date_format(opts->date, r.date);
	sb_date_bounds(opts->date, &r.day_start, &r.day_end);
	r.expected = (size_t)((r.day_end - r.day_start) / 300);
	r.started = sb_time_mono();

	sb_http_opts ho;
	sb_scan_http_opts(s, &ho);
	sb_http *h = NULL;
	int rc = sb_http_new(&ho, &h, err);
	if (rc != SB_OK)
		return rc;
	r.http = h;
	long http1, http2;
	sb_scan_in_flight(s, &http1, &http2);
	r.ahead = (size_t)(http1 > http2 ? http1 : http2) * SB_SCAN_AHEAD;
	r.portal = sb_http_portal_origins(s);

	char *alerts = sb_fs_join(s->data_dir, "logs/Alertas-SCAN.log");
	if (sb_logfile_open(&r.alerts, alerts) != SB_OK)
		sb_log(SB_LOG_WARNING, "scan", "%s: %s (alerts not written)", alerts,
		       strerror(errno));
	free(alerts);

	size_t nlayers = 0;
	r.layers = sb_xcalloc(mods->n ? mods->n : 1, sizeof(*r.layers));
	r.nlayers = mods->n;
	int matched = opts->layer == NULL;
	const sb_layer_filter only = {.names = {opts->layer}, .n = opts->layer != NULL};
	const sb_loaded_module *m;
	for (size_t i = 0; rc == SB_OK && (m = sb_layers_next(mods, &only, &i)) != NULL;) {
		size_t k = i - 1; /* the module's place, which its layer takes too */
		matched = 1;
		rc = sb_scan_open_layer(&r, m, &r.layers[k]);
		nlayers++;
	}
	if (rc == SB_OK && !matched)
		rc = sb_err_set(err, SB_ENOTFOUND,
				"no enabled layer module for layer %s (see scanbackup modules)",
				opts->layer);
	else if (rc != SB_OK)
		sb_err_set(err, rc, "the scan could not start: %s", sb_strerror(rc));
	if (rc == SB_OK) {
		sb_log(SB_LOG_INFO, "scan",
		       "collecting %s: %zu interfaces in %zu layers, %ld in flight (%ld over "
		       "HTTP/2)%s",
		       r.date, r.total, nlayers, http1, http2,
		       s->pipeline > 1 ? ", pipelined over HTTP/1.1" : "");
		if (sb_workq_start(SB_SCAN_WRITES_WAITING, &r.writer) != SB_OK)
			sb_log(SB_LOG_WARNING, "scan",
			       "no thread for the spool's writes: written in turn with the "
			       "downloads");
		sb_scan_feed(&r);
		rc = sb_http_run(h);
		if (rc != SB_OK)
			sb_err_set(err, rc, "the HTTP engine stopped: %s", sb_strerror(rc));
		sb_scan_collect(&r, sb_workq_finish(&r.writer));
		sb_scan_progress(&r, 1);
	}
	/* the records were appended without fsync: each file reaches the disk once, when its layer
	 * is done or at the end */
	for (size_t i = 0; i < r.nlayers; i++) {
		sb_scan_layer *L = &r.layers[i];
		if (L->syncing) {
			pthread_join(L->syncer, NULL);
			L->syncing = 0;
		} else if (L->spool != NULL) {
			L->sync_rc = sb_spool_writer_close(&L->spool, 1, &L->sync_err);
		}
		if (L->sync_rc != SB_OK)
			sb_log(SB_LOG_WARNING, "scan", "could not sync the spool to disk: %s",
			       L->sync_err.msg);
	}
	stats->seconds = sb_time_mono() - r.started;
	if (s->pipeline > 1) {
		sb_http_pipe_stats ps;
		sb_http_pipe_stats_get(h, &ps);
		sb_log(SB_LOG_INFO, "scan",
		       "pipelined: %zu answers on %zu connections, %zu requests given back "
		       "(written again or sent one at a time), %zu servers no longer "
		       "pipelined to",
		       ps.answered, ps.connections, ps.again, ps.stopped);
	}
	sb_http_free(&h);
	sb_http_origins_free(&r.portal);
	if (stats->ranged > 0)
		sb_log(SB_LOG_INFO, "scan",
		       "%zu logs asked for in byte ranges: %zu needed a longer one, %zu came whole "
		       "(the server ignored the range), %zu were asked again whole (416)",
		       stats->ranged, stats->range_grown, stats->range_ignored,
		       stats->range_refused);
	for (size_t i = 0; i < mods->n; i++)
		sb_sources_close(&r.layers[i].src);
	free(r.layers);
	sb_logfile_close(&r.alerts);
	return rc;
}
