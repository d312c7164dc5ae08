/* traceroute.c - the traceroute probe: the system traceroute, its hops kept as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <scanbackup/scanbackup.h>

static const sb_probe_param sb_traceroute_params[] = {
	{"count", SB_PARAM_INT, "3", 1, 10, "probes per hop (TTL)"},
	{"max_ttl", SB_PARAM_INT, "30", 1, 64, "hops tried before the target counts as unreached"},
	{"timeout", SB_PARAM_NUMBER, "5", 0.1, 60, "seconds to wait for each probe"},
	{"resolve", SB_PARAM_BOOL, "false", 0, 0,
	 "name the hops by reverse DNS (sends DNS queries; off by default)"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* What a run writes (TRACEROUTE_HISTORY; its trace lines keep their older tag "trace"). */
static const sb_probe_field sb_traceroute_fields[] = {
	{.name = "ip", .type = SB_FIELD_STRING, .max = 2048, .help = "the link's address"},
	{.name = "hops",
	 .type = SB_FIELD_JSON,
	 .help = "one list of probes per hop, each {anno, rtt, ipaddr, name}"},
	{.name = "nhops",
	 .type = SB_FIELD_INT,
	 .min = 0,
	 .max = 255,
	 .count_of = "hops",
	 .help = "hops to the link"},
	{.name = NULL},
};

static const sb_probe_record sb_traceroute_record = {
	.fields = sb_traceroute_fields,
	.headline = "nhops",
	.tag = "trace",
};

static void sb_traceroute_done(sb_probe *p, int status, const char *out, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	char *json = NULL;
	size_t nhops = 0;
	if (sb_traceroute_parse(out, &json, &nhops) != SB_OK) {
		char first[160];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(out, "\n"), out);
		sb_probe_fail(p, SB_EPARSE, "traceroute (exit %d) said: %s",
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			      *first ? first : "nothing");
		return;
	}
	(void)nhops; /* the core counts them from the list */
	sb_probe_set_string(p, "ip", sb_probe_link_ip(p));
	sb_probe_set_json(p, "hops", json);
	sb_probe_put(p);
	free(json);
	sb_probe_done(p);
}

static int sb_traceroute_probe(sb_probe *p)
{
	char q[16], m[16], w[32], ip[64];
	snprintf(q, sizeof(q), "%ld", sb_probe_param_int(p, "count"));
	snprintf(m, sizeof(m), "%ld", sb_probe_param_int(p, "max_ttl"));
	snprintf(w, sizeof(w), "%.3f", sb_probe_param_number(p, "timeout"));
	snprintf(ip, sizeof(ip), "%s", sb_probe_link_ip(p));
	char *argv[12];
	size_t n = 0;
	argv[n++] = "traceroute";
	if (!sb_probe_param_bool(p, "resolve"))
		argv[n++] = "-n";
	argv[n++] = sb_probe_link_family(p) == 6 ? "-6" : "-4";
	argv[n++] = "-q";
	argv[n++] = q;
	argv[n++] = "-m";
	argv[n++] = m;
	argv[n++] = "-w";
	argv[n++] = w;
	argv[n++] = ip;
	argv[n] = NULL;
	int rc = sb_probe_spawn(p, argv, 256 << 10, sb_traceroute_done, NULL);
	if (rc != SB_OK)
		sb_probe_fail(p, rc, "cannot run traceroute");
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "traceroute",
	.kind = SB_KIND_PROBE,
	.description = "the route to the link: hops of probes (address, name, rtt, annotation)",
	.params = sb_traceroute_params,
	.probe = sb_traceroute_probe,
	.record = &sb_traceroute_record,
};
