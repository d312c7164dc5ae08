/* httping.c - the httping probe: one HEAD request per run, its total time and status code. */
#include <stdio.h>
#include <string.h>

#include <scanbackup/scanbackup.h>

static const sb_probe_param sb_httping_params[] = {
	{"port", SB_PARAM_INT, "80", 1, 65535, "TCP port"},
	{"path", SB_PARAM_STRING, "/", 0, 1024, "the path requested (\"\" is /)"},
	{"timeout", SB_PARAM_NUMBER, "5", 0.01, 300, "seconds for the whole request"},
	{"scheme", SB_PARAM_STRING, "http", 0, 8, "http or https"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* What a run writes (HTTPING_HISTORY; its trace lines keep their older tag "http"). */
static const sb_probe_field sb_httping_fields[] = {
	{.name = "url", .type = SB_FIELD_STRING, .max = 2048, .help = "the URL requested"},
	{.name = "status",
	 .type = SB_FIELD_INT,
	 .min = 0,
	 .max = 599,
	 .help = "the HTTP status; 0 when none came back"},
	{.name = "total",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .min = -1,
	 .max = 3600000,
	 .decimals = 3,
	 .help = "connect, request and response headers; -1 when it failed"},
	{.name = "error",
	 .type = SB_FIELD_STRING,
	 .optional = 1,
	 .max = 2048,
	 .help = "why no status came back"},
	{.name = NULL},
};

static const sb_probe_record sb_httping_record = {
	.fields = sb_httping_fields,
	.up = "status",
	.headline = "total",
	.tag = "http",
};

static void sb_httping_done(sb_probe *p, const sb_probe_http_result *r, void *arg)
{
	sb_probe_set_string(p, "url", arg);
	sb_probe_set_int(p, "status", r->status);
	sb_probe_set_number(p, "total", r->code == SB_OK ? r->total_ms : -1);
	if (r->code != SB_OK)
		sb_probe_set_string(p, "error", r->error);
	sb_probe_put(p);
	sb_probe_done(p);
}

static int sb_httping_probe(sb_probe *p)
{
	const char *scheme = sb_probe_param_str(p, "scheme");
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		sb_probe_fail(p, SB_EINVAL, "scheme \"%s\": expected http or https", scheme);
		return SB_OK;
	}
	const char *path = sb_probe_param_str(p, "path");
	int v6 = sb_probe_link_family(p) == 6;
	char *url = sb_xasprintf("%s://%s%s%s:%ld%s%s", scheme, v6 ? "[" : "", sb_probe_link_ip(p),
				 v6 ? "]" : "", sb_probe_param_int(p, "port"),
				 path[0] == '/' ? "" : "/", path);
	sb_probe_set_data(p, url, free);
	int rc = sb_probe_http_head(p, url, sb_probe_param_number(p, "timeout"), sb_httping_done,
				    url);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot start the request");
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "httping",
	.kind = SB_KIND_PROBE,
	.description = "HTTP HEAD: total time and status code per run",
	.params = sb_httping_params,
	.probe = sb_httping_probe,
	.record = &sb_httping_record,
};
