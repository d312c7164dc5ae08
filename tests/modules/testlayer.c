/* testlayer.c - a layer module with its own fetch and parse hooks, for the loader tests. */
#include <stdio.h>
#include <string.h>

#include <scanbackup/scanbackup.h>

static const sb_schema sb_testlayer_schema = {
	.layer = "TESTLAYER",
	.table = "TESTLAYER_HISTORY",
	.key = "name",
	.index_stem = "testlayer",
};

static int sb_testlayer_calls;

static int sb_testlayer_init(const sb_module_def *self)
{
	(void)self;
	sb_testlayer_calls = 0;
	return SB_OK;
}

/* Fetches the .log of the source's .html page with "?from=testlayer" appended. */
static int sb_testlayer_fetch(sb_job *job)
{
	const char *src = sb_job_source_url(job);
	size_t n = strlen(src);
	if (n > 5 && strcmp(src + n - 5, ".html") == 0)
		n -= 5;
	char url[2048];
	snprintf(url, sizeof(url), "%.*s.log?from=testlayer", (int)n, src);
	return sb_job_set_url(job, url);
}

static int sb_testlayer_parse(sb_job *job, const char *buf, size_t len)
{
	sb_testlayer_calls++;
	return sb_job_mrtg_feed(job, buf, len);
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "testlayer",
	.kind = SB_KIND_LAYER,
	.schema = &sb_testlayer_schema,
	.description = "test layer with its own fetch and parse hooks",
	.init = sb_testlayer_init,
	.fetch = sb_testlayer_fetch,
	.parse = sb_testlayer_parse,
};
