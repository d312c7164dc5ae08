/* csvlayer.c - an example layer module: traffic read from CSV files served over HTTP, one per
 * interface, instead of MRTG logs. Written against the installed SDK alone (docs/modules.md walks
 * through it):
 *
 *     cc -shared -fPIC $(pkg-config --cflags scanbackup) -o csvlayer.so csvlayer.c
 *     cp csvlayer.so "$(pkg-config --variable=moduledir scanbackup)"
 *
 * Its interfaces are listed in sources/SCAN/CSV, one line url;name;capacity;type, the url being
 * the interface's CSV. The module asks for <url>?date=YYYY-MM-DD and reads rows of
 *
 *     time,in,out[,in_max,out_max]
 *
 * time in unix seconds, rates in bytes/s, a header line first (any line whose first field is not
 * a number is skipped). Without in_max and out_max the maxima are the averages. */
#include <string.h>

#include <scanbackup/scanbackup.h>

/* Where the samples go: the CSV_HISTORY table (collection), with the layer's fields. */
static const sb_schema csv_schema = {
	.layer = "CSV",
	.table = "CSV_HISTORY",
	.key = "name",
	.index_stem = "csv",
	.in_only = 0,
};

/* fetch: the request for one interface's day. */
static int csv_fetch(sb_job *job)
{
	char *url = sb_xasprintf("%s?date=%s", sb_job_source_url(job), sb_job_date(job));
	int rc = sb_job_set_url(job, url);
	free(url);
	if (rc == SB_OK)
		rc = sb_job_add_header(job, "Accept: text/csv");
	if (rc == SB_OK)
		rc = sb_job_set_credentials(job, 0); /* the SCAN password is not this server's */
	return rc;
}

/* What parse keeps between the pieces of a body: the line being read. */
typedef struct csv_state {
	char line[512];
	size_t len;
	int overlong; /* the line did not fit: skipped */
	unsigned rows, skipped;
} csv_state;

/* Splits line at commas into at most max fields; returns how many. */
static int csv_fields(char *line, char **field, int max)
{
	int n = 0;
	for (char *p = line; n < max;) {
		field[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* One complete line: a sample of the day is handed to the core. */
static void csv_line(sb_job *job, csv_state *st)
{
	st->line[st->len] = '\0';
	st->len = 0;
	if (st->line[0] != '\0' && st->line[strlen(st->line) - 1] == '\r')
		st->line[strlen(st->line) - 1] = '\0'; /* CRLF */
	if (st->overlong || st->line[0] == '\0') {
		st->skipped += st->overlong;
		st->overlong = 0;
		return;
	}
	char *f[6];
	int n = csv_fields(st->line, f, 6);
	sb_sample s;
	if (sb_parse_int64(f[0], &s.ts) != SB_OK)
		return; /* the header, or a comment */
	if ((n != 3 && n != 5) || sb_parse_int64(f[1], &s.in_avg) != SB_OK ||
	    sb_parse_int64(f[2], &s.out_avg) != SB_OK) {
		st->skipped++;
		return;
	}
	s.in_max = s.in_avg;
	s.out_max = s.out_avg;
	if (n == 5 && (sb_parse_int64(f[3], &s.in_max) != SB_OK ||
		       sb_parse_int64(f[4], &s.out_max) != SB_OK)) {
		st->skipped++;
		return;
	}
	/* the file may hold other days: keep this job's (the core would refuse the others) */
	int64_t start, end;
	sb_job_day(job, &start, &end);
	if (s.ts < start || s.ts >= end)
		return;
	if (sb_job_put_sample(job, &s) == SB_OK)
		st->rows++;
}

/* parse: pieces of the body as they arrive, then buf NULL at its end. */
static int csv_parse(sb_job *job, const char *buf, size_t len)
{
	csv_state *st = sb_job_data(job);
	if (st == NULL) { /* the start of a body */
		st = sb_xcalloc(1, sizeof(*st));
		sb_job_set_data(job, st, free);
	}
	if (buf == NULL) { /* the end: the last line may lack its newline */
		if (st->len > 0 || st->overlong)
			csv_line(job, st);
		if (st->skipped > 0)
			sb_job_log(job, SB_LOG_WARNING, "%u malformed CSV rows skipped",
				   st->skipped);
		return SB_OK;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			csv_line(job, st);
		else if (st->len + 1 < sizeof(st->line))
			st->line[st->len++] = buf[i];
		else
			st->overlong = 1;
	}
	return 0;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "csvlayer",
	.kind = SB_KIND_LAYER,
	.schema = &csv_schema,
	.description = "traffic from CSV files over HTTP (time,in,out rows)",
	.fetch = csv_fetch,
	.parse = csv_parse,
};
