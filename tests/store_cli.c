/* store_cli.c - test driver of the history store: runs one store call from the command line. */
#include "config.h"

#include "base/sb.h"
#include "base/timeutil.h"
#include "monitor/trace.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The six layer schemas of docs/data.md (the real ones live in the modules). */
static const sb_schema cli_schemas[] = {
	{"BORDE", "BORDE_HISTORY", "name", "borde", 0},
	{"BRAS", "BRAS_HISTORY", "name", "bras", 0},
	{"CACHING", "CACHING_HISTORY", "name", "caching", 0},
	{"RAI", "RAI_HISTORY", "name", "rai", 0},
	{"IXP", "IXP_HISTORY", "name", "ixp", 0},
	{"IPBRAS", "IPBRAS_HISTORY", "brasname", "ip_bras", 1},
};

static const char usage[] =
	"usage: store_cli [-w WRITE_CONCERN] [-t TIMEOUT_MS] URI COMMAND [ARGS]\n"
	"  start | drop\n"
	"  put-history LAYER FILE   lines: name;type;date;time;capacity;inProm;inMaxProm"
	"[;outProm;outMaxProm]\n"
	"  put-summary FILE         lines: name;type;date;typeLayer;capacity;inProm;inMaxProm;"
	"outProm;outMaxProm;use|null[;samples[;resolution]]\n"
	"  query-history LAYER FROM TO [NAME [TYPE]]   ('-' = any; LAYER_30M, _2H, _1D: its "
	"coarser tables)\n"
	"  query-summary FROM TO [LAYER [NAME]]        ('-' = any)\n"
	"  start-probes | drop-probes\n"
	"  put-probe MONITOR LINK FILE   lines: trace records (ping, http or trace)\n"
	"  query-probe KIND FROM TO [MONITOR [LINK]]   KIND ping|http|trace; unix times; '-' = "
	"any\n";

/* A layer, or one of its coarser tables: "BORDE", "BORDE_30M", "IPBRAS_1D"... */
static const sb_schema *cli_schema(const char *layer)
{
	static sb_coarse_schema coarse;
	static const struct {
		const char *suffix;
		int32_t res;
	} res[] = {{"_30M", SB_RES_30MIN}, {"_2H", SB_RES_2HOUR}, {"_1D", SB_RES_1DAY}};
	for (size_t i = 0; i < SB_ARRAY_SIZE(cli_schemas); i++) {
		size_t n = strlen(cli_schemas[i].layer);
		if (strncmp(cli_schemas[i].layer, layer, n) != 0)
			continue;
		if (layer[n] == '\0')
			return &cli_schemas[i];
		for (size_t k = 0; k < SB_ARRAY_SIZE(res); k++)
			if (strcmp(layer + n, res[k].suffix) == 0 &&
			    sb_schema_coarse(&cli_schemas[i], res[k].res, &coarse) == 0)
				return &coarse.schema;
	}
	return NULL;
}

static const char *cli_opt(int argc, char **argv, int i)
{
	if (i >= argc || strcmp(argv[i], "-") == 0)
		return NULL;
	return argv[i];
}

/* Reads a whole file into a NUL-terminated buffer (caller frees). */
static char *cli_slurp(const char *path, sb_err *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = sb_xmalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len - 1 == 0) {
			cap *= 2;
			buf = sb_xrealloc(buf, cap);
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Splits line at ';' in place into at most max fields; returns the count. */
static size_t cli_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	for (char *p = line; n < max;) {
		fields[n++] = p;
		char *semi = strchr(p, ';');
		if (semi == NULL)
			break;
		*semi = '\0';
		p = semi + 1;
	}
	return n;
}

/* Calls fn on every non-blank, non-comment line of buf (modified in place). */
static int cli_lines(char *buf, const char *path, int (*fn)(char **f, size_t n, void *arg),
		     void *arg, sb_err *err)
{
	long lineno = 0;
	for (char *line = buf; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if (*line != '\0' && *line != '#') {
			char *f[12];
			size_t n = cli_split(line, f, SB_ARRAY_SIZE(f));
			if (fn(f, n, arg) != SB_OK)
				return sb_err_set(err, SB_EPARSE, "%s:%ld: bad row", path, lineno);
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return SB_OK;
}

typedef struct cli_history {
	const sb_schema *schema;
	sb_history_row *rows;
	size_t n, cap;
} cli_history;

static int cli_history_line(char **f, size_t n, void *arg)
{
	cli_history *h = arg;
	size_t want = h->schema->in_only ? 7 : 9;
	if (n < 7 || (n != want && n != 9))
		return SB_EINVAL;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->rows = sb_xrealloc(h->rows, h->cap * sizeof(*h->rows));
	}
	sb_history_row *r = &h->rows[h->n];
	memset(r, 0, sizeof(*r));
	r->name = f[0];
	r->type = f[1];
	r->date = f[2];
	r->time = f[3];
	if (sb_parse_double(f[4], &r->capacity) != SB_OK ||
	    sb_parse_int64(f[5], &r->in_avg) != SB_OK || sb_parse_int64(f[6], &r->in_max) != SB_OK)
		return SB_EINVAL;
	if (n == 9 && (sb_parse_int64(f[7], &r->out_avg) != SB_OK ||
		       sb_parse_int64(f[8], &r->out_max) != SB_OK))
		return SB_EINVAL;
	h->n++;
	return SB_OK;
}

typedef struct cli_summary {
	sb_summary_row *rows;
	size_t n, cap;
} cli_summary;

static int cli_summary_line(char **f, size_t n, void *arg)
{
	cli_summary *s = arg;
	if (n < 10 || n > 12)
		return SB_EINVAL;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->rows = sb_xrealloc(s->rows, s->cap * sizeof(*s->rows));
	}
	sb_summary_row *r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->name = f[0];
	r->type = f[1];
	r->date = f[2];
	r->layer = f[3];
	r->samples = -1;
	if (sb_parse_double(f[4], &r->capacity) != SB_OK ||
	    sb_parse_double(f[5], &r->in_prom) != SB_OK ||
	    sb_parse_double(f[6], &r->in_max_prom) != SB_OK ||
	    sb_parse_double(f[7], &r->out_prom) != SB_OK ||
	    sb_parse_double(f[8], &r->out_max_prom) != SB_OK)
		return SB_EINVAL;
	if (strcmp(f[9], "null") != 0 && f[9][0] != '\0') {
		if (sb_parse_double(f[9], &r->use) != SB_OK)
			return SB_EINVAL;
		r->has_use = 1;
	}
	if (n >= 11 && sb_parse_long(f[10], &r->samples) != SB_OK)
		return SB_EINVAL;
	long res = 0;
	if (n == 12 && (sb_parse_long(f[11], &res) != SB_OK || res < 0 || res > 86400))
		return SB_EINVAL;
	r->resolution = (int32_t)res;
	s->n++;
	return SB_OK;
}

static int cli_print_history(void *ctx, const sb_history_row *r)
{
	const sb_schema *schema = ctx;
	printf("%s;%s;%s;%s;%.17g;%" PRId64 ";%" PRId64, r->name, r->type, r->date, r->time,
	       r->capacity, r->in_avg, r->in_max);
	if (!schema->in_only)
		printf(";%" PRId64 ";%" PRId64, r->out_avg, r->out_max);
	printf("\n");
	return SB_OK;
}

static int cli_print_summary(void *ctx, const sb_summary_row *r)
{
	printf("%s;%s;%s;%s;%.17g;%.17g;%.17g;%.17g;%.17g;", r->name, r->type, r->date, r->layer,
	       r->capacity, r->in_prom, r->in_max_prom, r->out_prom, r->out_max_prom);
	if (r->has_use)
		printf("%.17g", r->use);
	else
		printf("null");
	printf(";%ld", r->samples);
	if (r->resolution > SB_RES_5MIN) /* 5-minute rows print as before */
		printf(";%d", (int)r->resolution);
	printf("\n");
	return SB_OK;
}

/* ---- probe records ---- */

static int cli_print_probe(void *ctx, const sb_probe_row *r)
{
	(void)ctx;
	printf("%" PRId64 ";%" PRId64 ";%" PRId64 ";%s;%s;%s;%.17g;%.17g;%" PRId64 ";%" PRId64
	       ";%" PRId64 ";%s;%s;%" PRId64 "\n",
	       r->monitor, r->link, r->ts, r->date, r->time, r->target, r->rtt, r->loss, r->sent,
	       r->received, r->status, r->error != NULL ? r->error : "null",
	       r->hops != NULL ? r->hops : "-", r->nhops);
	return SB_OK;
}

/* The probe commands; SB_ENOTFOUND when cmd is not one of them. */
static int cli_probe(sb_store *st, int argc, char **argv, sb_err *err)
{
	const char *cmd = argv[0];
	if (strcmp(cmd, "start-probes") == 0 && argc == 1)
		return sb_store_start_probes(st, err);
	if (strcmp(cmd, "drop-probes") == 0 && argc == 1)
		return sb_store_drop_probes(st, err);
	if (strcmp(cmd, "put-probe") == 0 && argc == 4) {
		int64_t monitor = 0, link = 0;
		if (sb_parse_int64(argv[1], &monitor) != SB_OK ||
		    sb_parse_int64(argv[2], &link) != SB_OK)
			return sb_err_set(err, SB_EINVAL, "bad monitor or link id");
		char *buf = cli_slurp(argv[3], err);
		if (buf == NULL)
			return err->code;
		sb_probe_row *rows[SB_PROBE_KINDS] = {NULL};
		size_t n[SB_PROBE_KINDS] = {0}, lines = 1;
		for (const char *q = buf; *q != '\0'; q++)
			lines += *q == '\n';
		char(*when)[20] =
			sb_xcalloc(lines, sizeof(*when)); /* local date and time per row */
		size_t nwhen = 0;
		int rc = SB_OK;
		for (char *line = buf; rc == SB_OK && line != NULL && *line != '\0';) {
			char *nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			sb_probe_kind kind;
			sb_probe_row r;
			const char *why = NULL;
			if (*line != '\0') {
				if (sb_trace_parse_line(line, monitor, link, &kind, &r, &why) !=
				    SB_OK) {
					rc = sb_err_set(err, SB_EPARSE, "%s: %s", argv[3], why);
					break;
				}
				sb_time_local(r.ts, when[nwhen], when[nwhen] + 11);
				r.date = when[nwhen];
				r.time = when[nwhen] + 11;
				nwhen++;
				rows[kind] = sb_xrealloc(rows[kind],
							 (n[kind] + 1) * sizeof(*rows[kind]));
				rows[kind][n[kind]++] = r;
			}
			line = nl != NULL ? nl + 1 : NULL;
		}
		for (int k = 0; rc == SB_OK && k < SB_PROBE_KINDS; k++) {
			rc = sb_store_put_probe(st, (sb_probe_kind)k, rows[k], n[k], err);
			if (rc == SB_OK && n[k] > 0)
				printf("stored %zu %s rows\n", n[k],
				       sb_store_probe_table((sb_probe_kind)k));
		}
		for (int k = 0; k < SB_PROBE_KINDS; k++)
			free(rows[k]);
		free(when);
		free(buf);
		return rc;
	}
	if (strcmp(cmd, "query-probe") == 0 && argc >= 4 && argc <= 6) {
		static const char *const kinds[] = {"ping", "http", "trace"};
		int kind = -1;
		for (int k = 0; k < SB_PROBE_KINDS; k++)
			if (strcmp(argv[1], kinds[k]) == 0)
				kind = k;
		int64_t from = 0, to = INT64_MAX, monitor = -1, link = -1;
		if (kind < 0 ||
		    (cli_opt(argc, argv, 2) && sb_parse_int64(argv[2], &from) != SB_OK) ||
		    (cli_opt(argc, argv, 3) && sb_parse_int64(argv[3], &to) != SB_OK) ||
		    (cli_opt(argc, argv, 4) && sb_parse_int64(argv[4], &monitor) != SB_OK) ||
		    (cli_opt(argc, argv, 5) && sb_parse_int64(argv[5], &link) != SB_OK))
			return sb_err_set(err, SB_EINVAL, "bad query-probe arguments");
		return sb_store_query_probe(st, (sb_probe_kind)kind, monitor, link, from, to,
					    cli_print_probe, NULL, err);
	}
	return SB_ENOTFOUND;
}

static int cli_run(sb_store *st, int argc, char **argv, sb_err *err)
{
	const char *cmd = argv[0];
	const sb_schema *all[SB_ARRAY_SIZE(cli_schemas)];
	for (size_t i = 0; i < SB_ARRAY_SIZE(cli_schemas); i++)
		all[i] = &cli_schemas[i];
	if (strcmp(cmd, "start") == 0 && argc == 1)
		return sb_store_start(st, all, SB_ARRAY_SIZE(all), err);
	if (strcmp(cmd, "drop") == 0 && argc == 1)
		return sb_store_drop(st, all, SB_ARRAY_SIZE(all), err);
	if (strcmp(cmd, "put-history") == 0 && argc == 3) {
		cli_history h = {.schema = cli_schema(argv[1])};
		if (h.schema == NULL)
			return sb_err_set(err, SB_EINVAL, "unknown layer %s", argv[1]);
		char *buf = cli_slurp(argv[2], err);
		if (buf == NULL)
			return err->code;
		int rc = cli_lines(buf, argv[2], cli_history_line, &h, err);
		if (rc == SB_OK)
			rc = sb_store_put_history(st, h.schema, h.rows, h.n, err);
		if (rc == SB_OK)
			printf("stored %zu rows\n", h.n);
		free(h.rows);
		free(buf);
		return rc;
	}
	if (strcmp(cmd, "put-summary") == 0 && argc == 2) {
		cli_summary s = {.n = 0};
		char *buf = cli_slurp(argv[1], err);
		if (buf == NULL)
			return err->code;
		int rc = cli_lines(buf, argv[1], cli_summary_line, &s, err);
		if (rc == SB_OK)
			rc = sb_store_put_summary(st, s.rows, s.n, err);
		if (rc == SB_OK)
			printf("stored %zu rows\n", s.n);
		free(s.rows);
		free(buf);
		return rc;
	}
	if (strcmp(cmd, "query-history") == 0 && argc >= 4 && argc <= 6) {
		const sb_schema *schema = cli_schema(argv[1]);
		if (schema == NULL)
			return sb_err_set(err, SB_EINVAL, "unknown layer %s", argv[1]);
		return sb_store_query_history(st, schema, cli_opt(argc, argv, 4),
					      cli_opt(argc, argv, 5), cli_opt(argc, argv, 2),
					      cli_opt(argc, argv, 3), cli_print_history,
					      (void *)schema, err);
	}
	if (strcmp(cmd, "query-summary") == 0 && argc >= 3 && argc <= 5)
		return sb_store_query_summary(st, cli_opt(argc, argv, 3), cli_opt(argc, argv, 4),
					      cli_opt(argc, argv, 1), cli_opt(argc, argv, 2),
					      cli_print_summary, NULL, err);
	int prc = cli_probe(st, argc, argv, err);
	if (prc != SB_ENOTFOUND)
		return prc;
	return sb_err_set(err, SB_EINVAL, "bad command or arguments\n%s", usage);
}

int main(int argc, char **argv)
{
	sb_store_opts opts = {NULL, 0};
	int c;
	while ((c = getopt(argc, argv, "w:t:")) != -1) {
		if (c == 'w') {
			opts.write_concern = optarg;
		} else if (c == 't' && sb_parse_long(optarg, &opts.timeout_ms) == SB_OK) {
			continue;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		fputs(usage, stderr);
		return 2;
	}
	sb_err err = {0};
	sb_store *st = NULL;
	int rc = sb_store_open(argv[optind], &opts, &st, &err);
	if (rc == SB_OK)
		rc = cli_run(st, argc - optind - 1, argv + optind + 1, &err);
	sb_store_close(&st);
	fflush(stdout);
	if (rc != SB_OK) {
		fprintf(stderr, "store_cli: %s: %s\n", sb_strerror(rc),
			err.code != SB_OK ? err.msg : "(no message)");
		return 1;
	}
	return 0;
}
