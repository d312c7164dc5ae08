/* job_test.c - the layer SDK over one job: the request fetch describes, the samples parse hands
 * over (the day's only, any order, the last of a ts winning, a hard cap), the parse hook's end call
 * and the restart of an attempt. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "collect/job.h"
#include "tap.h"

static const sb_schema schema = {"TLAYER", "TLAYER_HISTORY", "name", "tlayer", 0};

/* A parse hook that keeps a count in its job data and puts one sample per piece. */
static int frees;
static int end_calls;

static void count_free(void *p)
{
	frees++;
	free(p);
}

static int test_parse(sb_job *job, const char *buf, size_t len)
{
	int *pieces = sb_job_data(job);
	if (pieces == NULL) {
		pieces = sb_xcalloc(1, sizeof(*pieces));
		sb_job_set_data(job, pieces, count_free);
	}
	if (buf == NULL) {
		end_calls++;
		return *pieces == 99 ? SB_EPARSE : SB_OK;
	}
	int64_t start = 0;
	sb_job_day(job, &start, NULL);
	sb_sample s = {start + 300 * (int64_t)len, (int64_t)len, 0, 0, 0};
	sb_job_put_sample(job, &s);
	(*pieces)++;
	return 0;
}

int main(void)
{
	sb_module_def def = {SB_MODULE_HEADER, .name = "tlayer", .kind = SB_KIND_LAYER,
			     .schema = &schema, .parse = test_parse};
	sb_loaded_module mod = {.def = &def, .path = "/modules/tlayer.so", .enabled = 1};
	sb_source src = {.url = (char *)"x.html", .name = (char *)"IF 1", .type = (char *)"T"};
	const int64_t d0 = 1790000000, d1 = d0 + 86400;
	sb_job job;
	sb_job_init(&job, &src, &mod, "2026-09-21", d0, d1, sb_xstrdup("file:///x.log"));

	/* fetch */
	is_str(sb_job_name(&job), "IF 1", "the interface's name");
	is_int((int)sb_job_capacity(&job), 0, "no capacity reads 0");
	is_int(sb_job_set_url(&job, ""), SB_EINVAL, "an empty URL is refused");
	is_int(sb_job_set_url(&job, "http://h/a\r\nX: y"), SB_EINVAL,
	       "a URL with CR LF is refused");
	is_str(job.url, "file:///x.log", "and the URL stays as it was");
	is_int(sb_job_add_header(&job, "Accept: text/csv"), SB_OK, "a header line");
	is_int(sb_job_add_header(&job, "X-A: 1\r\nX-B: 2"), SB_EINVAL,
	       "a header with CR LF is refused");
	is_int(sb_job_add_header(&job, "no colon"), SB_EINVAL, "a header without ':' is refused");
	is_int(sb_job_add_header(&job, ": empty name"), SB_EINVAL,
	       "a header without name is refused");
	is_int(sb_job_add_header(&job, "Bad Name: x"), SB_EINVAL, "a name with a blank is refused");
	is_int((int)job.nheaders, 1, "only the good line was kept");
	ok(job.headers[1] == NULL, "the header list stays NULL-terminated");
	for (int i = 1; i < SB_JOB_MAX_HEADERS; i++)
		sb_job_add_header(&job, "X-N: n");
	is_int(sb_job_add_header(&job, "X-Over: 1"), SB_EINVAL, "at most 16 header lines");
	is_int(sb_job_set_range(&job, 10, 5), SB_EINVAL, "a range ending before it starts");
	is_int(sb_job_set_range(&job, -1, 5), SB_EINVAL, "a negative offset");
	is_int(sb_job_set_range(&job, 100, -1), SB_OK, "a range to the end");
	is_str(job.range, "100-", "is asked as first-");
	is_int(sb_job_set_range(&job, 0, 4095), SB_OK, "a closed range");
	is_str(job.range, "0-4095", "is asked as first-last");
	is_int(sb_job_set_credentials(&job, 2), SB_EINVAL, "credentials: 0 or 1 only");
	is_int(sb_job_set_credentials(&job, 0), SB_OK, "credentials off");
	ok(job.anonymous, "the request goes without them");
	is_int(sb_job_set_post(&job, "a=1", 3), SB_OK, "a POST body");
	ok(job.body_len == 3 && memcmp(job.body, "a=1", 3) == 0, "is copied");

	/* parse: samples of the day only, in any order, the last of a ts winning */
	sb_job_attempt(&job);
	sb_sample late = {d1, 1, 1, 1, 1}, early = {d0 - 1, 1, 1, 1, 1};
	is_int(sb_job_put_sample(&job, &late), SB_EINVAL,
	       "a sample at the next midnight is refused");
	is_int(sb_job_put_sample(&job, &early), SB_EINVAL, "a sample before midnight is refused");
	is_int((int)job.refused, 2, "both counted");
	ok(job.first_refused == d1, "the first refused is remembered");
	sb_sample a = {d0 + 600, 6, 0, 0, 0}, b = {d0, 1, 0, 0, 0}, c = {d0 + 600, 7, 0, 0, 0};
	is_int(sb_job_put_sample(&job, &a), SB_OK, "a sample of the day");
	sb_job_put_sample(&job, &b);
	sb_job_put_sample(&job, &c);
	sb_sample *v = NULL;
	size_t n = 0;
	is_int(sb_job_samples(&job, &v, &n), SB_OK, "the samples");
	ok(n == 2 && v[0].ts == d0 && v[1].ts == d0 + 600, "oldest first, each ts once");
	ok(n == 2 && v[1].in_avg == 7, "the last one put of a ts wins");

	/* newest first (an MRTG log's order), already oldest first, and a run with one repeat */
	for (int order = 0; order < 3; order++) {
		sb_job_attempt(&job);
		for (int64_t i = 0; i < 288; i++) {
			int64_t k = order == 0 ? 287 - i : i;
			sb_sample s = {d0 + 300 * k, k, 0, 0, 0};
			sb_job_put_sample(&job, &s);
		}
		if (order == 2) {
			sb_sample s = {d0 + 300 * 100, 1000, 0, 0, 0};
			sb_job_put_sample(&job, &s);
		}
		sb_job_samples(&job, &v, &n);
		int sorted = n == 288;
		for (size_t i = 0; sorted && i < n; i++)
			sorted = v[i].ts == d0 + 300 * (int64_t)i &&
				 v[i].in_avg == (order == 2 && i == 100 ? 1000 : (int64_t)i);
		ok(sorted, "%s: 288 samples oldest first, each with its own values",
		   order == 0   ? "newest first"
		   : order == 1 ? "oldest first"
				: "a repeated ts");
	}

	/* the cap: one sample a second */
	sb_job_attempt(&job);
	int rc = SB_OK;
	for (int64_t t = d0; t < d1 && rc == SB_OK; t++) {
		sb_sample s = {t, 1, 1, 1, 1};
		rc = sb_job_put_sample(&job, &s);
	}
	is_int(rc, SB_OK, "a sample every second of the day fits");
	sb_sample again = {d0 + 5, 2, 2, 2, 2};
	is_int(sb_job_put_sample(&job, &again), SB_OK, "a repeated second replaces");
	sb_sample more = {d0 + 5, 3, 3, 3, 3};
	sb_job_put_sample(&job, &more);
	is_int(sb_job_samples(&job, &v, &n), SB_OK, "still within the cap");
	ok(n == 86400 && v[5].in_avg == 3, "86400 samples, the replaced one last put");
	sb_sample extra = {d0 + 86400, 1, 1, 1, 1};
	is_int(sb_job_put_sample(&job, &extra), SB_EINVAL, "past the day: refused, not counted");
	job.day_end++; /* one more second in the day than the cap holds */
	is_int(sb_job_put_sample(&job, &extra), SB_OK, "the day's last second");
	job.day_end--;

	/* the parse hook, its data, its end call, a restart */
	sb_job_attempt(&job);
	frees = end_calls = 0;
	is_int(sb_job_feed(&job, "abc", 3), 0, "a piece goes to the module's parse");
	sb_job_feed(&job, "abcd", 4);
	ok(sb_job_data(&job) != NULL && *(int *)sb_job_data(&job) == 2,
	   "its data lives across pieces");
	sb_job_attempt(&job);
	ok(sb_job_data(&job) == NULL && frees == 1, "a restart frees the data");
	is_int((int)job.n, 0, "and drops the samples put");
	sb_job_feed(&job, "ab", 2);
	is_int(sb_job_end(&job), SB_OK, "the end of the body");
	is_int(end_calls, 1, "parse hears the end once");
	sb_job_samples(&job, &v, &n);
	ok(n == 1 && v[0].ts == d0 + 600, "the attempt's one sample");
	*(int *)sb_job_data(&job) = 99;
	is_int(sb_job_end(&job), SB_EPARSE, "an end call that fails fails the job");

	/* the core MRTG parser, when parse is NULL */
	def.parse = NULL;
	sb_job_attempt(&job);
	char log[256];
	snprintf(log, sizeof(log), "%lld 1 2\n%lld 10 20 30 40\n%lld 11 21 31 41\n",
		 (long long)d0 + 7300, (long long)d0 + 7200, (long long)d0 + 6900);
	sb_job_feed(&job, log, strlen(log));
	is_int(sb_job_end(&job), SB_OK, "an MRTG body");
	sb_job_samples(&job, &v, &n);
	ok(n == 2 && v[0].ts == d0 + 6900 && v[1].in_avg == 10, "its samples, oldest first");

	sb_job_release(&job);
	is_int(frees, 2, "the data of both bodies parsed was freed, once each");
	return tap_done();
}
