/* serve_metrics.c - /metrics: the nightly job, the spool, the store's writes and the probes in
 * the Prometheus text exposition format (docs/web-api.md, "Metrics"). */
#include "config.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/timeutil.h"
#include "format/alertstate.h"
#include "format/runstatus.h"
#include "format/spool.h"
#include "serve/serve_impl.h"

/* A label value as the format wants it: backslash, double quote and newline escaped. */
static void sb_prom_label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void sb_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{key="value"[,key2="value2"]} v. key2 may be NULL. */
static void sb_prom_sample(FILE *f, const char *name, const char *key, const char *value,
			   const char *key2, const char *value2, double v)
{
	fprintf(f, "%s{%s=\"", name, key);
	sb_prom_label(f, value);
	fputc('"', f);
	if (key2 != NULL) {
		fprintf(f, ",%s=\"", key2);
		sb_prom_label(f, value2);
		fputc('"', f);
	}
	fprintf(f, "} %.17g\n", v);
}

/* ---- the nightly job: data/run-status.tsv ---- */

/* A whole-number field of the stages, one sample per stage that has it. */
static void sb_prom_stage_field(FILE *f, const sb_run_stage *v, size_t n, const char *name,
				const char *help, size_t off)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t x = *(const int64_t *)(const void *)((const char *)&v[i] + off);
		if (x < 0)
			continue;
		if (!any)
			sb_prom_family(f, name, "gauge", help);
		any = 1;
		sb_prom_sample(f, name, "stage", v[i].stage, NULL, NULL, (double)x);
	}
}

static void sb_prom_stages(FILE *f, const sb_run_stage *v, size_t n)
{
	if (n == 0)
		return;
	sb_prom_family(f, "scanbackup_stage_last_end_timestamp_seconds", "gauge",
		       "When the stage last ended (unix time).");
	for (size_t i = 0; i < n; i++)
		sb_prom_sample(f, "scanbackup_stage_last_end_timestamp_seconds", "stage",
			       v[i].stage, NULL, NULL, (double)v[i].finished);
	sb_prom_family(f, "scanbackup_stage_last_duration_seconds", "gauge",
		       "How long the stage's last run took.");
	for (size_t i = 0; i < n; i++)
		sb_prom_sample(f, "scanbackup_stage_last_duration_seconds", "stage", v[i].stage,
			       NULL, NULL, (double)(v[i].finished - v[i].started));
	sb_prom_family(
		f, "scanbackup_stage_last_day_timestamp_seconds", "gauge",
		"The start (local midnight, unix time) of the day the stage last worked on.");
	for (size_t i = 0; i < n; i++) {
		sb_date d;
		int64_t start, end;
		if (sb_date_parse(v[i].date, &d) != SB_OK)
			continue;
		sb_date_bounds(d, &start, &end);
		sb_prom_sample(f, "scanbackup_stage_last_day_timestamp_seconds", "stage",
			       v[i].stage, NULL, NULL, (double)start);
	}
	static const char *const statuses[] = {"ok", "partial", "empty", "failed"};
	sb_prom_family(f, "scanbackup_stage_last_status", "gauge",
		       "1 for how the stage last ended: ok, partial (some interfaces or files "
		       "left), empty (no sample of the day) or failed.");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < SB_ARRAY_SIZE(statuses); k++)
			sb_prom_sample(f, "scanbackup_stage_last_status", "stage", v[i].stage,
				       "status", statuses[k],
				       strcmp(v[i].status, statuses[k]) == 0 ? 1 : 0);
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].ok < 0)
			continue;
		if (!any)
			sb_prom_family(f, "scanbackup_stage_last_interfaces", "gauge",
				       "The interfaces of the stage's last scan: ok, short (fewer "
				       "samples than the day has) or failed.");
		any = 1;
		const int64_t counts[] = {v[i].ok, v[i].short_days, v[i].failed};
		static const char *const results[] = {"ok", "short", "failed"};
		for (size_t k = 0; k < 3; k++)
			sb_prom_sample(f, "scanbackup_stage_last_interfaces", "stage", v[i].stage,
				       "result", results[k], (double)counts[k]);
	}
	sb_prom_stage_field(f, v, n, "scanbackup_stage_last_samples",
			    "The 5-minute samples the stage last read.",
			    offsetof(sb_run_stage, samples));
	sb_prom_stage_field(f, v, n, "scanbackup_stage_last_rows",
			    "The rows the stage last stored.", offsetof(sb_run_stage, rows));
	sb_prom_stage_field(f, v, n, "scanbackup_stage_last_files_kept",
			    "The files the stage's last load left in the spool.",
			    offsetof(sb_run_stage, kept));
	sb_prom_stage_field(f, v, n, "scanbackup_store_last_writes",
			    "The store writes (batches) of the stage's last load.",
			    offsetof(sb_run_stage, writes));
	const char *names[] = {"scanbackup_store_last_write_seconds",
			       "scanbackup_store_last_write_max_seconds"};
	const char *helps[] = {"The time the stage's last load spent writing to the store.",
			       "The slowest store write of the stage's last load."};
	for (size_t k = 0; k < 2; k++) {
		any = 0;
		for (size_t i = 0; i < n; i++) {
			double x = k == 0 ? v[i].write_seconds : v[i].write_max;
			if (x < 0)
				continue;
			if (!any)
				sb_prom_family(f, names[k], "gauge", helps[k]);
			any = 1;
			sb_prom_sample(f, names[k], "stage", v[i].stage, NULL, NULL, x);
		}
	}
}

/* ---- the spool ---- */

typedef struct sb_prom_spool {
	size_t files;
	char oldest[11];
} sb_prom_spool;

static int sb_prom_spool_file(void *ctx, const char *path, const char *date)
{
	(void)path;
	sb_prom_spool *c = ctx;
	if (c->files++ == 0 || strcmp(date, c->oldest) < 0)
		snprintf(c->oldest, sizeof(c->oldest), "%s", date);
	return SB_OK;
}

static void sb_prom_spool_all(FILE *f, sb_srv *s)
{
	sb_prom_spool c[SB_ARRAY_SIZE(s->layers)];
	memset(c, 0, sizeof(c));
	for (size_t i = 0; i < s->nlayers; i++) {
		sb_err err = {0};
		if (sb_spool_list(s->o->s->data_dir, s->layers[i]->layer, NULL, sb_prom_spool_file,
				  &c[i], &err) != SB_OK)
			sb_log(SB_LOG_WARNING, "serve", "/metrics: %s", err.msg);
	}
	sb_prom_family(f, "scanbackup_spool_files", "gauge",
		       "Raw spool files waiting for the store, by layer.");
	for (size_t i = 0; i < s->nlayers; i++)
		sb_prom_sample(f, "scanbackup_spool_files", "layer", s->layers[i]->layer, NULL,
			       NULL, (double)c[i].files);
	sb_prom_family(f, "scanbackup_spool_oldest_day_age_seconds", "gauge",
		       "Seconds since the end of the oldest day in a layer's spool (layers with "
		       "files only).");
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < s->nlayers; i++) {
		sb_date d;
		int64_t start, end;
		if (c[i].files == 0 || sb_date_parse(c[i].oldest, &d) != SB_OK)
			continue;
		sb_date_bounds(d, &start, &end);
		sb_prom_sample(f, "scanbackup_spool_oldest_day_age_seconds", "layer",
			       s->layers[i]->layer, NULL, NULL, (double)(now - end));
	}
}

/* ---- the probes ---- */

typedef struct sb_prom_probes {
	struct {
		char test[64];
		char state[16];
		size_t n;
	} v[256];
	size_t n;
} sb_prom_probes;

static void sb_prom_probe_state(void *ctx, const char *test, const char *state)
{
	sb_prom_probes *p = ctx;
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].test, test) == 0 && strcmp(p->v[i].state, state) == 0) {
			p->v[i].n++;
			return;
		}
	}
	if (p->n == SB_ARRAY_SIZE(p->v))
		return;
	snprintf(p->v[p->n].test, sizeof(p->v[0].test), "%s", test);
	snprintf(p->v[p->n].state, sizeof(p->v[0].state), "%s", state);
	p->v[p->n++].n = 1;
}

/* ---- the alerts: data/alerts/ ---- */

/* The alerts firing now, counted per rule and severity; and the changes waiting to be sent. */
static void sb_prom_alerts(FILE *f, const char *data_dir)
{
	sb_alert_states st = {0};
	sb_err err = {0};
	int ok = sb_alert_state_read(data_dir, "serve", &st, &err) == SB_OK;
	if (!ok)
		sb_log(SB_LOG_WARNING, "serve", "/metrics: %s", err.msg);
	sb_prom_family(f, "scanbackup_alerts_readable", "gauge",
		       "1 when data/alerts/state could be read (or does not exist yet).");
	fprintf(f, "scanbackup_alerts_readable %d\n", ok);
	sb_alert_states_sort(&st);
	sb_prom_family(f, "scanbackup_alerts_firing", "gauge",
		       "Alerts firing now per rule and severity (alerts.conf), as the last "
		       "evaluation left them.");
	for (size_t i = 0; i < st.n;) {
		size_t j = i + 1;
		while (j < st.n && strcmp(st.v[j].rule, st.v[i].rule) == 0 &&
		       strcmp(st.v[j].severity, st.v[i].severity) == 0)
			j++;
		sb_prom_sample(f, "scanbackup_alerts_firing", "rule", st.v[i].rule, "severity",
			       st.v[i].severity, (double)(j - i));
		i = j;
	}
	sb_alert_states_free(&st);
	sb_prom_family(f, "scanbackup_alerts_outbox", "gauge",
		       "Alert changes not yet stored and sent on every channel (a channel refused, "
		       "or the rate limit): retried at each evaluation.");
	fprintf(f, "scanbackup_alerts_outbox %zu\n", sb_alert_outbox_count(data_dir));
}

/* ---- the answer ---- */

/* 1 when the request may read the metrics: no token set, or "Authorization: Bearer <token>". */
static int sb_prom_authorized(sb_req *r)
{
	const char *want = r->srv->o->s->serve_metrics_token;
	if (want == NULL || *want == '\0')
		return 1;
	const char *h = sb_req_header(r, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	size_t n = strlen(want);
	return strlen(h) == n && sodium_memcmp(h, want, n) == 0;
}

void sb_serve_metrics(sb_req *r)
{
	if (!r->srv->o->s->serve_metrics) {
		sb_reply_error(r, 404, "not found");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		sb_reply_header(r, "Allow", "GET, HEAD");
		sb_reply_error(r, 405, "only GET here");
		return;
	}
	if (!sb_prom_authorized(r)) {
		sb_reply_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		sb_reply_error(r, 401,
			       "the metrics token is missing or wrong (SERVE_METRICS_TOKEN)");
		return;
	}
	sb_prom_probes *probes = sb_xcalloc(1, sizeof(*probes));
	sb_err err = {0};
	int probes_ok = sb_probe_states(r->srv, sb_prom_probe_state, probes, &err) == SB_OK;
	if (!probes_ok)
		sb_log(SB_LOG_WARNING, "serve", "/metrics: the probes' states: %s", err.msg);
	sb_run_stage stages[SB_RUN_STAGES];
	size_t nstages = 0;
	sb_err serr = {0};
	int stages_ok =
		sb_run_status_read(r->srv->o->s->data_dir, stages, &nstages, &serr) == SB_OK;
	if (!stages_ok)
		sb_log(SB_LOG_WARNING, "serve", "/metrics: %s", serr.msg);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		free(probes);
		sb_reply_error(r, 503, "out of memory");
		return;
	}
	sb_prom_family(f, "scanbackup_build_info", "gauge", "The engine's version.");
	sb_prom_sample(f, "scanbackup_build_info", "version", PACKAGE_VERSION, NULL, NULL, 1);
	sb_prom_family(f, "scanbackup_run_status_readable", "gauge",
		       "1 when data/run-status.tsv could be read (or does not exist yet).");
	fprintf(f, "scanbackup_run_status_readable %d\n", stages_ok);
	sb_prom_stages(f, stages, nstages);
	sb_prom_spool_all(f, r->srv);
	sb_prom_family(f, "scanbackup_probes_readable", "gauge",
		       "1 when the probes' states could be read from the store.");
	fprintf(f, "scanbackup_probes_readable %d\n", probes_ok);
	if (probes->n > 0) {
		sb_prom_family(f, "scanbackup_probe_links", "gauge",
			       "Enabled links of the dashboard's monitors by test and state (up, "
			       "down, stale, unknown), from their newest result of the last day.");
		for (size_t i = 0; i < probes->n; i++)
			sb_prom_sample(f, "scanbackup_probe_links", "test", probes->v[i].test,
				       "state", probes->v[i].state, (double)probes->v[i].n);
	}
	free(probes);
	sb_prom_alerts(f, r->srv->o->s->data_dir);
	if (fclose(f) != 0) {
		free(buf);
		sb_reply_error(r, 503, "out of memory");
		return;
	}
	sb_reply_header(r, "Cache-Control", "no-store");
	sb_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}
