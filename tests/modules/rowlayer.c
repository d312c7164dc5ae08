/* rowlayer.c - a layer module only the tests load, using every layer hook and service: its rows
 * are JSON objects, one a line: {"t": <unix time>, "in": <bytes/s>, "out": <bytes/s>}.
 *
 * fetch asks for <source url>?day=<date>, sends two header lines and no SCAN credentials; the
 * interface's type picks more: POST (the day as a POST body), RANGE (bytes 0-4095 only). parse
 * keeps the partial line between pieces (the job's data) and reads the last line at the end call;
 * a line "!fail" makes it fail the interface. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <scanbackup/scanbackup.h>

static const sb_schema rowlayer_schema = {
	.layer = "ROWLAYER",
	.table = "ROWLAYER_HISTORY",
	.key = "name",
	.index_stem = "rowlayer",
};

static int rowlayer_fetch(sb_job *job)
{
	char url[2048], day[64];
	snprintf(url, sizeof(url), "%s?day=%s", sb_job_source_url(job), sb_job_date(job));
	snprintf(day, sizeof(day), "X-Scan-Day: %s", sb_job_date(job));
	int rc = sb_job_set_url(job, url);
	if (rc == SB_OK)
		rc = sb_job_add_header(job, "Accept: application/x-ndjson");
	if (rc == SB_OK)
		rc = sb_job_add_header(job, day);
	if (rc == SB_OK)
		rc = sb_job_set_credentials(job, 0);
	if (rc == SB_OK && strcmp(sb_job_type(job), "POST") == 0) {
		char body[64];
		int n = snprintf(body, sizeof(body), "day=%s", sb_job_date(job));
		rc = sb_job_set_post(job, body, (size_t)n);
	}
	if (rc == SB_OK && strcmp(sb_job_type(job), "RANGE") == 0)
		rc = sb_job_set_range(job, 0, 4095);
	return rc;
}

/* What parse keeps between the pieces of one body. */
typedef struct rowlayer_state {
	char line[256];
	size_t len;
	int overlong;
	unsigned rows, bad;
} rowlayer_state;

static int rowlayer_line(sb_job *job, rowlayer_state *st)
{
	st->line[st->len] = '\0';
	st->len = 0;
	if (st->overlong) {
		st->overlong = 0;
		st->bad++;
		return SB_OK;
	}
	if (strcmp(st->line, "!fail") == 0) {
		sb_job_log(job, SB_LOG_ERROR, "the body says !fail");
		return SB_EPARSE;
	}
	sb_sample s = {0};
	char end = 0;
	if (sscanf(st->line, " {\"t\": %" SCNd64 " , \"in\": %" SCNd64 " , \"out\": %" SCNd64 " %c",
		   &s.ts, &s.in_avg, &s.out_avg, &end) != 4 ||
	    end != '}') {
		if (st->line[0] != '\0')
			st->bad++;
		return SB_OK;
	}
	s.in_max = s.in_avg;
	s.out_max = s.out_avg;
	st->rows++;
	sb_job_put_sample(job, &s); /* the core refuses, and reports, a row of another day */
	return SB_OK;
}

static int rowlayer_parse(sb_job *job, const char *buf, size_t len)
{
	rowlayer_state *st = sb_job_data(job);
	if (st == NULL) {
		st = sb_xcalloc(1, sizeof(*st));
		sb_job_set_data(job, st, free);
	}
	if (buf == NULL) { /* the end of the body: its last line may have no newline */
		int rc = st->len > 0 ? rowlayer_line(job, st) : SB_OK;
		sb_job_log(job, SB_LOG_INFO, "%u rows read, %u malformed", st->rows, st->bad);
		return rc;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			int rc = rowlayer_line(job, st);
			if (rc != SB_OK)
				return rc;
		} else if (st->len + 1 < sizeof(st->line)) {
			st->line[st->len++] = buf[i];
		} else {
			st->overlong = 1;
		}
	}
	return 0;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "rowlayer",
	.kind = SB_KIND_LAYER,
	.schema = &rowlayer_schema,
	.description = "test layer of JSON rows, fetched and parsed by its own hooks",
	.fetch = rowlayer_fetch,
	.parse = rowlayer_parse,
};
