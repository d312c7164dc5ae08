/* job.c - one interface's collection: the request fetch describes, the samples parse hands over,
 * and the layer SDK functions (scanbackup/layer.h) that do both. */
#include "config.h"

#include "collect/job.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/timeutil.h"

void sb_job_init(sb_job *job, const sb_source *src, const sb_loaded_module *mod, const char *date,
		 int64_t day_start, int64_t day_end, char *url)
{
	memset(job, 0, sizeof(*job));
	job->src = src;
	job->mod = mod;
	job->date = date;
	job->day_start = day_start;
	job->day_end = day_end;
	job->url = url;
}

/* ---- the interface and the day ---- */

const char *sb_job_name(const sb_job *job)
{
	return job->src->name;
}

const char *sb_job_type(const sb_job *job)
{
	return job->src->type;
}

const char *sb_job_source_url(const sb_job *job)
{
	return job->src->url;
}

double sb_job_capacity(const sb_job *job)
{
	return job->src->has_capacity ? job->src->capacity : 0;
}

const char *sb_job_date(const sb_job *job)
{
	return job->date;
}

void sb_job_day(const sb_job *job, int64_t *start, int64_t *end)
{
	if (start != NULL)
		*start = job->day_start;
	if (end != NULL)
		*end = job->day_end;
}

void sb_job_log(const sb_job *job, sb_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_log(level, job->mod->def->schema->layer, "%s (%s): %s", job->src->name, job->src->type,
	       msg);
}

/* ---- fetch ---- */

int sb_job_set_url(sb_job *job, const char *url)
{
	if (url == NULL || *url == '\0' || strpbrk(url, "\r\n") != NULL)
		return SB_EINVAL;
	free(job->url);
	job->url = sb_xstrdup(url);
	return SB_OK;
}

int sb_job_add_header(sb_job *job, const char *line)
{
	if (line == NULL || job->nheaders == SB_JOB_MAX_HEADERS)
		return SB_EINVAL;
	size_t len = strlen(line);
	const char *colon = strchr(line, ':');
	if (len > SB_JOB_MAX_HEADER_LEN || colon == NULL || colon == line ||
	    strpbrk(line, "\r\n") != NULL)
		return SB_EINVAL;
	for (const char *p = line; p < colon; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return SB_EINVAL; /* a field name is a token */
	job->headers[job->nheaders++] = sb_xstrdup(line);
	job->headers[job->nheaders] = NULL;
	return SB_OK;
}

int sb_job_set_range(sb_job *job, int64_t first, int64_t last)
{
	if (first < 0 || (last != -1 && last < first))
		return SB_EINVAL;
	if (last == -1)
		snprintf(job->range, sizeof(job->range), "%lld-", (long long)first);
	else
		snprintf(job->range, sizeof(job->range), "%lld-%lld", (long long)first,
			 (long long)last);
	return SB_OK;
}

int sb_job_set_credentials(sb_job *job, int send)
{
	if (send != 0 && send != 1)
		return SB_EINVAL;
	job->anonymous = !send;
	return SB_OK;
}

int sb_job_set_post(sb_job *job, const char *body, size_t len)
{
	if (body == NULL && len > 0)
		return SB_EINVAL;
	free(job->body);
	job->body = sb_xmalloc(len ? len : 1);
	if (len > 0)
		memcpy(job->body, body, len);
	job->body_len = len;
	return SB_OK;
}

/* ---- parse ---- */

static int sb_job_cmp(const void *a, const void *b)
{
	const sb_job_sample *x = a, *y = b;
	if (x->s.ts != y->s.ts)
		return x->s.ts < y->s.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the samples by time and keeps the last one put of each ts. An MRTG log gives them newest
 * first, each time once: then reversing them is the sort. */
static void sb_job_compact(sb_job *job)
{
	if (job->n == 0)
		return;
	int rising = 1, falling = 1;
	for (size_t i = 1; i < job->n && (rising || falling); i++) {
		int64_t a = job->samples[i - 1].s.ts, b = job->samples[i].s.ts;
		rising &= a < b;
		falling &= a > b;
	}
	if (falling) {
		for (size_t i = 0, j = job->n - 1; i < j; i++, j--) {
			sb_job_sample t = job->samples[i];
			job->samples[i] = job->samples[j];
			job->samples[j] = t;
		}
	}
	if (rising || falling)
		return;
	qsort(job->samples, job->n, sizeof(*job->samples), sb_job_cmp);
	size_t w = 0;
	for (size_t i = 0; i < job->n; i++) {
		if (w > 0 && job->samples[w - 1].s.ts == job->samples[i].s.ts)
			job->samples[w - 1] = job->samples[i];
		else
			job->samples[w++] = job->samples[i];
	}
	job->n = w;
}

/* The put of a sample of the day: the core's own path (MRTG) and the module's. */
static int sb_job_put(sb_job *job, const sb_sample *s)
{
	if (s->ts < job->day_start || s->ts >= job->day_end) {
		if (job->refused++ == 0)
			job->first_refused = s->ts;
		return SB_EINVAL;
	}
	/* at most one sample a second: a day's distinct timestamps */
	size_t max = (size_t)(job->day_end - job->day_start);
	if (job->n == max) {
		sb_job_compact(job);
		size_t lo = 0, hi = job->n;
		while (lo < hi) { /* a full day can still take a repeated second */
			size_t mid = lo + (hi - lo) / 2;
			if (job->samples[mid].s.ts < s->ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < job->n && job->samples[lo].s.ts == s->ts) {
			job->samples[lo] = (sb_job_sample){*s, job->seq++};
			return SB_OK;
		}
	}
	if (job->n == max) {
		job->too_many = 1;
		return SB_ETOOBIG;
	}
	if (job->n == job->cap) {
		job->cap = job->cap ? job->cap * 2 : 320;
		if (job->cap > max)
			job->cap = max;
		job->samples = sb_xrealloc(job->samples, job->cap * sizeof(*job->samples));
	}
	job->samples[job->n++] = (sb_job_sample){*s, job->seq++};
	return SB_OK;
}

int sb_job_put_sample(sb_job *job, const sb_sample *s)
{
	if (job == NULL || s == NULL)
		return SB_EINVAL;
	return sb_job_put(job, s);
}

int sb_job_mrtg_feed(sb_job *job, const char *buf, size_t len)
{
	if (job->parser == NULL) {
		job->parser = sb_xmalloc(sizeof(*job->parser));
		sb_mrtg_init(job->parser, job->day_start, job->day_end);
	}
	job->mrtg_used = 1;
	return buf != NULL ? sb_mrtg_feed(job->parser, buf, len) : job->parser->done;
}

void sb_job_set_data(sb_job *job, void *data, void (*free_fn)(void *data))
{
	if (job->free_data != NULL && job->data != NULL && job->data != data)
		job->free_data(job->data);
	job->data = data;
	job->free_data = free_fn;
}

void *sb_job_data(const sb_job *job)
{
	return job->data;
}

void sb_job_attempt(sb_job *job)
{
	job->n = 0;
	job->seq = 0;
	job->refused = 0;
	job->too_many = 0;
	job->parse_rc = SB_OK;
	job->prefix = 0;
	sb_free(job->flat);
	if (job->parser != NULL)
		sb_mrtg_init(job->parser, job->day_start, job->day_end);
	job->mrtg_used = 0;
	sb_job_set_data(job, NULL, NULL);
}

int sb_job_feed(sb_job *job, const char *buf, size_t len)
{
	const sb_module_def *def = job->mod->def;
	if (def->parse == NULL)
		return sb_job_mrtg_feed(job, buf, len);
	int rc = def->parse(job, buf, len);
	if (rc < 0 && job->parse_rc == SB_OK)
		job->parse_rc = rc;
	return rc < 0 ? rc : rc > 0;
}

int sb_job_end(sb_job *job)
{
	const sb_module_def *def = job->mod->def;
	if (def->parse != NULL && job->parse_rc == SB_OK) {
		int rc = def->parse(job, NULL, 0);
		if (rc < 0)
			job->parse_rc = rc;
	}
	if (job->parse_rc != SB_OK)
		return job->parse_rc;
	if (def->parse == NULL || job->mrtg_used) {
		if (job->parser == NULL)
			return SB_OK; /* an empty body */
		if (!job->prefix)
			sb_mrtg_finish(job->parser);
		for (unsigned i = 0; i < job->parser->n; i++)
			sb_job_put(job, &job->parser->samples[i]);
	}
	return SB_OK;
}

int sb_job_samples(sb_job *job, sb_sample **out, size_t *n)
{
	sb_job_compact(job);
	sb_free(job->flat);
	job->flat = sb_xmalloc((job->n ? job->n : 1) * sizeof(*job->flat));
	for (size_t i = 0; i < job->n; i++)
		job->flat[i] = job->samples[i].s;
	*out = job->flat;
	*n = job->n;
	return job->too_many ? SB_ETOOBIG : SB_OK;
}

void sb_job_url_safe(const char *url, char *buf, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *at = scheme != NULL ? strchr(scheme + 3, '@') : NULL;
	const char *slash = scheme != NULL ? strchr(scheme + 3, '/') : NULL;
	if (at != NULL && (slash == NULL || at < slash))
		snprintf(buf, size, "%.*s%s", (int)(scheme + 3 - url), url, at + 1);
	else
		snprintf(buf, size, "%s", url);
}

void sb_job_report(const sb_job *job, const char *url)
{
	const char *layer = job->mod->def->schema->layer;
	if (job->mrtg_used && job->parser != NULL && job->parser->nbad > 0)
		sb_log(SB_LOG_WARNING, layer,
		       "%s (%s): %u malformed lines skipped, first at line %u of %s",
		       job->src->name, job->src->type, job->parser->nbad, job->parser->first_bad,
		       url);
	if (job->refused > 0) {
		char d[11], t[9];
		sb_time_local(job->first_refused, d, t);
		sb_log(SB_LOG_WARNING, layer,
		       "%s: parse of module %s handed %zu sample%s outside %s for %s (%s), the "
		       "first "
		       "stamped %s %s: refused (expected a unix time from %lld to %lld, the local "
		       "day)",
		       job->mod->path, job->mod->def->name, job->refused,
		       job->refused == 1 ? "" : "s", job->date, job->src->name, job->src->type, d,
		       t, (long long)job->day_start, (long long)job->day_end - 1);
	}
	if (job->too_many)
		sb_log(SB_LOG_ERROR, layer,
		       "%s: parse of module %s handed more than one sample a second for %s (%s): "
		       "the rest refused",
		       job->mod->path, job->mod->def->name, job->src->name, job->src->type);
}

int sb_job_credentials(const sb_job *job, const sb_http_origins *portal)
{
	return !job->anonymous &&
	       (sb_http_origins_count(portal) == 0 || sb_http_origins_has(portal, job->url));
}

void sb_job_release(sb_job *job)
{
	sb_job_set_data(job, NULL, NULL);
	sb_free(job->url);
	for (size_t i = 0; i < job->nheaders; i++)
		sb_free(job->headers[i]);
	job->nheaders = 0;
	sb_free(job->body);
	sb_free(job->parser);
	sb_free(job->samples);
	sb_free(job->flat);
	job->n = job->cap = 0;
}
