/* store_cli.c - test driver of the history store: runs one store call from the command line. */
#include "config.h"

#include "base/sb.h"
#include "base/timeutil.h"
#include "plugin/module.h"
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
	"usage: store_cli [-w WRITE_CONCERN] [-t TIMEOUT_MS] [-m DIR] URI COMMAND [ARGS]\n"
	"  start | drop\n"
	"  put-history LAYER FILE   lines: name;type;date;time;capacity;inProm;inMaxProm"
	"[;outProm;outMaxProm]\n"
	"  put-summary FILE         lines: name;type;date;typeLayer;capacity;inProm;inMaxProm;"
	"outProm;outMaxProm;use|null[;samples[;resolution]]\n"
	"  query-history LAYER FROM TO [NAME [TYPE]]   ('-' = any; LAYER_30M, _2H, _1D: its "
	"coarser tables)\n"
	"  query-summary FROM TO [LAYER [NAME]]        ('-' = any)\n"
	"  start-records | drop-records   the tables of the records of -m DIR's probe modules\n"
	"  put-records MONITOR LINK FILE  lines: trace lines, each read with its tag's record\n"
	"  query-records TEST FROM TO [MONITOR [LINK]]   unix times; '-' = any\n"
	"  -m DIR: the modules declaring the records (default: $MODULES_DIR)\n";

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

/* ---- the records of the monitor's tests, declared by the probe modules of -m DIR ---- */

static sb_rec_set *cli_decls;

static int cli_print_record(void *ctx, const sb_rec *r)
{
	const sb_rec_decl *d = ctx;
	printf("%" PRId64 ";%" PRId64 ";%" PRId64 ";%s;%s", r->monitor, r->link, r->ts, r->date,
	       r->time);
	for (size_t k = 0; k < d->n; k++) {
		const sb_rec_val *v = &r->v[k];
		if (!v->has)
			printf(";null");
		else if (d->f[k].type == SB_FIELD_NUMBER)
			printf(";%.17g", v->d);
		else if (d->f[k].type == SB_FIELD_STRING || d->f[k].type == SB_FIELD_JSON)
			printf(";%s", v->s);
		else
			printf(";%" PRId64, v->i);
	}
	printf("\n");
	return SB_OK;
}

/* put-records: the lines of a trace file, each read with the record its tag names, stored test
 * by test. */
static int cli_put_records(sb_store *st, int64_t monitor, int64_t link, const char *path,
			   sb_err *err)
{
	char *buf = cli_slurp(path, err);
	if (buf == NULL)
		return err->code;
	size_t lines = 1;
	for (const char *q = buf; *q != '\0'; q++)
		lines += *q == '\n';
	sb_rec *rows = sb_xcalloc(lines, sizeof(*rows));
	const sb_rec_decl **of = sb_xcalloc(lines, sizeof(*of));
	sb_rec_val *vals = sb_xcalloc(lines * SB_REC_MAX_FIELDS, sizeof(*vals));
	char(*when)[20] = sb_xcalloc(lines, sizeof(*when));
	sb_rec_decl **held = sb_xcalloc(lines, sizeof(*held));
	size_t n = 0, lineno = 0;
	int rc = SB_OK;
	for (char *line = buf; rc == SB_OK && line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if (*line != '\0') {
			char tag[64] = "", why[256] = "";
			sb_rec_decl *d = NULL;
			if (sb_rec_line_tag(line, tag, sizeof(tag)) == SB_OK)
				d = sb_rec_set_find_tag(cli_decls, tag);
			if (d == NULL) {
				rc = sb_err_set(err, SB_EPARSE,
						"%s:%zu: no module declares tag '%s'", path, lineno,
						tag);
				break;
			}
			held[n] = d;
			if (sb_rec_parse_line(d, line, monitor, link, &rows[n],
					      &vals[n * SB_REC_MAX_FIELDS], why,
					      sizeof(why)) != SB_OK) {
				rc = sb_err_set(err, SB_EPARSE, "%s:%zu: %s", path, lineno, why);
				n++;
				break;
			}
			sb_time_local(rows[n].ts, when[n], when[n] + 11);
			rows[n].date = when[n];
			rows[n].time = when[n] + 11;
			of[n] = d;
			n++;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	/* test by test, in the order each first appears */
	sb_rec *batch = sb_xcalloc(n + 1, sizeof(*batch));
	for (size_t i = 0; rc == SB_OK && i < n; i++) {
		if (of[i] == NULL)
			continue;
		const sb_rec_decl *d = of[i];
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (of[j] == d) {
				batch[k++] = rows[j];
				of[j] = NULL;
			}
		rc = sb_store_put_records(st, d, batch, k, err);
		if (rc == SB_OK)
			printf("stored %zu %s rows\n", k, d->table);
	}
	for (size_t i = 0; i < n; i++)
		sb_rec_decl_unref(held[i]);
	free(batch);
	free(held);
	free(when);
	free(vals);
	free(of);
	free(rows);
	free(buf);
	return rc;
}

/* The record commands; SB_ENOTFOUND when cmd is not one of them. */
static int cli_records(sb_store *st, int argc, char **argv, sb_err *err)
{
	const char *cmd = argv[0];
	if ((strcmp(cmd, "start-records") == 0 || strcmp(cmd, "drop-records") == 0) && argc == 1) {
		sb_rec_decl **v = NULL;
		size_t n = sb_rec_set_list(cli_decls, &v);
		int rc = cmd[0] == 's' ? sb_store_start_records(st, v, n, err)
				       : sb_store_drop_records(st, v, n, err);
		if (rc == SB_OK)
			printf("%s: %zu tables\n", cmd, n);
		sb_rec_list_free(v, n);
		return rc;
	}
	if (strcmp(cmd, "put-records") == 0 && argc == 4) {
		int64_t monitor = 0, link = 0;
		if (sb_parse_int64(argv[1], &monitor) != SB_OK ||
		    sb_parse_int64(argv[2], &link) != SB_OK)
			return sb_err_set(err, SB_EINVAL, "bad monitor or link id");
		return cli_put_records(st, monitor, link, argv[3], err);
	}
	if (strcmp(cmd, "query-records") == 0 && argc >= 4 && argc <= 6) {
		int64_t from = 0, to = INT64_MAX, monitor = -1, link = -1;
		if ((cli_opt(argc, argv, 2) && sb_parse_int64(argv[2], &from) != SB_OK) ||
		    (cli_opt(argc, argv, 3) && sb_parse_int64(argv[3], &to) != SB_OK) ||
		    (cli_opt(argc, argv, 4) && sb_parse_int64(argv[4], &monitor) != SB_OK) ||
		    (cli_opt(argc, argv, 5) && sb_parse_int64(argv[5], &link) != SB_OK))
			return sb_err_set(err, SB_EINVAL, "bad query-records arguments");
		sb_rec_decl *d = sb_rec_set_find(cli_decls, argv[1]);
		if (d == NULL)
			return sb_err_set(err, SB_EINVAL, "no module declares the test %s",
					  argv[1]);
		int rc = sb_store_query_records(st, d, monitor, link, from, to, cli_print_record, d,
						err);
		sb_rec_decl_unref(d);
		return rc;
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
	int prc = cli_records(st, argc, argv, err);
	if (prc != SB_ENOTFOUND)
		return prc;
	return sb_err_set(err, SB_EINVAL, "bad command or arguments\n%s", usage);
}

int main(int argc, char **argv)
{
	sb_store_opts opts = {NULL, 0};
	const char *modules = getenv("MODULES_DIR");
	int c;
	while ((c = getopt(argc, argv, "w:t:m:")) != -1) {
		if (c == 'w') {
			opts.write_concern = optarg;
		} else if (c == 'm') {
			modules = optarg;
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
	sb_modules mods = {0};
	if (modules != NULL && sb_modules_load(modules, &mods, NULL, NULL, &err) != SB_OK) {
		fprintf(stderr, "store_cli: %s\n", err.msg);
		return 1;
	}
	cli_decls = sb_modules_records(&mods);
	sb_store *st = NULL;
	int rc = sb_store_open(argv[optind], &opts, &st, &err);
	if (rc == SB_OK)
		rc = cli_run(st, argc - optind - 1, argv + optind + 1, &err);
	sb_store_close(&st);
	sb_rec_set_free(&cli_decls);
	sb_modules_free(&mods);
	fflush(stdout);
	if (rc != SB_OK) {
		fprintf(stderr, "store_cli: %s: %s\n", sb_strerror(rc),
			err.code != SB_OK ? err.msg : "(no message)");
		return 1;
	}
	return 0;
}
