/* cmd_admin.c - housekeeping commands: modules, setup-files, clean-data, config. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "collect/daily.h"
#include "collect/pending.h"
#include "collect/scan.h"
#include "format/spool.h"
#include "store/store.h"

/* ---- modules ---- */

int sb_cmd_modules(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {SB_COMMON_OPTS, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common == 0)
			return sb_cli_bad_usage(c, "%s", "unknown option");
	}
	int rc = sb_cli_setup(cli, SB_NEED_MODULES);
	if (rc != SB_EXIT_OK)
		return rc;
	char *dir = sb_settings_modules_dir(&cli->s);
	printf("modules in %s (this scanbackup: ABI %d)\n", dir, SB_MODULE_ABI);
	free(dir);
	printf("%-12s %-6s %-4s %-9s %-8s %s\n", "NAME", "KIND", "ABI", "LAYER", "STATE", "FILE");
	for (size_t i = 0; i < cli->mods.n; i++) {
		const sb_loaded_module *m = &cli->mods.v[i];
		printf("%-12s %-6s %-4u %-9s %-8s %s\n", m->def->name,
		       sb_module_kind_name(m->def->kind), (unsigned)m->def->abi,
		       m->def->schema != NULL ? m->def->schema->layer : "-",
		       m->enabled ? "ok" : "disabled", m->path);
	}
	return SB_EXIT_OK;
}

/* ---- setup-files, clean-data ---- */

static int sb_mkdir_report(const char *path)
{
	if (sb_fs_mkdirs(path) != SB_OK) {
		sb_log(SB_LOG_ERROR, "setup", "cannot create %s: %s", path, strerror(errno));
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}

int sb_cmd_setup_files(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	int rc = sb_cli_simple_opts(cli, c, argc, argv, 0);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	const char *dirs[] = {"logs", "SCAN/DAILY_SUMMARY", "reports"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(dirs) && rc == SB_EXIT_OK; i++) {
		char *p = sb_fs_join(cli->s.data_dir, dirs[i]);
		rc = sb_mkdir_report(p);
		free(p);
	}
	size_t created = 0;
	/* every layer module, also one whose init failed this run: its folders are made all the
	 * same (so not the walk over the enabled layers, sb_layers_next) */
	for (size_t i = 0; i < cli->mods.n && rc == SB_EXIT_OK; i++) {
		const sb_loaded_module *m = &cli->mods.v[i];
		if (m->def->kind != SB_KIND_LAYER)
			continue;
		const char *layer = m->def->schema->layer;
		char *spool = sb_xasprintf("%s/SCAN/%s", cli->s.data_dir, layer);
		char *src = sb_xasprintf("%s/sources/SCAN/%s", cli->s.root, layer);
		char *bk = sb_xasprintf("%s/sources/BK_SCAN", cli->s.root);
		rc = sb_mkdir_report(spool);
		if (rc == SB_EXIT_OK)
			rc = sb_mkdir_report(bk);
		if (rc == SB_EXIT_OK && !sb_fs_is_file(src)) {
			sb_err err = {0};
			const char *head = "# url;name;capacity;type   (capacity in Gbps)\n";
			if (sb_fs_write_atomic(src, head, strlen(head), &err) != SB_OK) {
				sb_log(SB_LOG_ERROR, "setup", "%s", err.msg);
				rc = SB_EXIT_FAIL;
			} else {
				sb_log(SB_LOG_INFO, "setup", "created the empty sources file %s",
				       src);
				created++;
			}
		}
		free(spool), free(src), free(bk);
	}
	if (rc == SB_EXIT_OK)
		printf("setup-files: folders ready under %s; %zu new sources files\n", cli->s.root,
		       created);
	return rc;
}

/* Every name in dir, hidden ones too (older versions could write a hidden spool file), sorted;
 * NULL when dir cannot be read. Free with sb_fs_list_free. */
static char **sb_clean_list(const char *dir, size_t *n)
{
	const sb_fs_filter all = {.hidden = 1};
	char **v = NULL;
	sb_fs_list_filter(dir, &all, &v, n, NULL);
	return v;
}

/* One spool file and what clean-data makes of it. */
typedef struct sb_clean_file {
	char *path;
	char *group; /* "<LAYER> <DATE>", "DAILY_SUMMARY <DATE>" or "BACKFILL <LAYER>" */
	int kind;    /* SB_PENDING_* or SB_CLEAN_TEMP */
} sb_clean_file;

enum { SB_CLEAN_TEMP = 3 };

typedef struct sb_clean {
	sb_cli *cli;
	sb_store *st;
	int store_failed; /* the store could not be opened or read: nothing counts as stored */
	sb_clean_file *v;
	size_t n, cap;
} sb_clean;

static const sb_schema *sb_clean_schema(sb_cli *cli, const char *layer, int *known)
{
	*known = strcmp(layer, "DAILY_SUMMARY") == 0;
	if (*known)
		return NULL;
	/* the spool folder bears the layer's exact name */
	const sb_loaded_module *m = sb_layer_find(&cli->mods, layer);
	if (m == NULL || strcmp(m->def->schema->layer, layer) != 0)
		return NULL;
	*known = 1;
	return m->def->schema;
}

/* Classifies one file of the spool: a raw file of schema's layer, a daily summary file (schema
 * NULL), or with coarse set a backfill file of schema's layer. */
static void sb_clean_add(sb_clean *c, const char *path, const char *name, const char *layer,
			 const char *date, const sb_schema *schema, int known, int coarse)
{
	int kind = SB_PENDING_UNSTORED;
	size_t n = strlen(name);
	if (sb_pending_is_temp(name)) {
		kind = SB_CLEAN_TEMP;
	} else if (!known || (schema != NULL ? !sb_spool_is_file(name)
					     : n < 5 || strcmp(name + n - 4, ".tsv") != 0)) {
		sb_log(SB_LOG_WARNING, "clean-data", "%s: not a spool file of a loaded layer: kept",
		       path);
		kind = SB_PENDING_UNREADABLE;
	} else if (!c->store_failed) {
		sb_err err = {0};
		if (c->st == NULL) {
			sb_store_opts o = {.write_concern = c->cli->s.mongo_write_concern,
					   .timeout_ms = c->cli->s.db_timeout * 1000};
			if (sb_store_open(c->cli->s.database_uri, &o, &c->st, &err) != SB_OK)
				c->st = NULL;
		}
		int rc = c->st == NULL ? SB_ESTORE
			 : coarse      ? sb_pending_check_coarse(c->st, schema, path, &err)
				       : sb_pending_check(c->st, schema, path, &err);
		if (rc == SB_PENDING_UNREADABLE)
			sb_log(SB_LOG_WARNING, "clean-data", "%s (kept: it cannot be read)",
			       err.msg);
		if (rc < 0) {
			sb_log(SB_LOG_WARNING, "clean-data",
			       "%s: nothing can be told stored, so every spool file is taken as "
			       "never stored",
			       err.msg);
			c->store_failed = 1;
			rc = SB_PENDING_UNSTORED;
		}
		kind = rc;
	}
	sb_grow(&c->v, &c->cap, c->n, sizeof(*c->v));
	c->v[c->n++] = (sb_clean_file){sb_xstrdup(path), sb_xasprintf("%s %s", layer, date), kind};
}

/* Walks <spool>/<LAYER>/<DATE>/<file> in sorted order, and <spool>/BACKFILL/<LAYER>/<file>. */
static void sb_clean_walk(sb_clean *c, const char *spool)
{
	size_t nl = 0;
	char **layers = sb_clean_list(spool, &nl);
	for (size_t i = 0; i < nl; i++) {
		char *ldir = sb_fs_join(spool, layers[i]);
		int known = 0, coarse = strcmp(layers[i], "BACKFILL") == 0;
		const sb_schema *schema =
			coarse ? NULL : sb_clean_schema(c->cli, layers[i], &known);
		size_t nd = 0;
		char **dates = sb_clean_list(ldir, &nd);
		for (size_t k = 0; k < nd; k++) {
			char *ddir = sb_fs_join(ldir, dates[k]);
			if (coarse) { /* its folders are layers */
				schema = sb_clean_schema(c->cli, dates[k], &known);
				known = known && schema != NULL;
			}
			size_t nf = 0;
			char **files = sb_clean_list(ddir, &nf);
			for (size_t f = 0; f < nf; f++) {
				char *p = sb_fs_join(ddir, files[f]);
				if (sb_fs_is_file(p))
					sb_clean_add(c, p, files[f], layers[i], dates[k], schema,
						     known, coarse);
				free(p);
			}
			sb_fs_list_free(files, nf);
			free(ddir);
		}
		sb_fs_list_free(dates, nd);
		free(ldir);
	}
	sb_fs_list_free(layers, nl);
}

static const char *sb_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

int sb_cmd_clean_data(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {SB_COMMON_OPTS,
					     {"yes", no_argument, NULL, 'y'},
					     {"discard-unstored", no_argument, NULL, 'U'},
					     {NULL, 0, NULL, 0}};
	int discard = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		if (opt == 'y')
			cli->yes = 1;
		else if (opt == 'U')
			discard = 1;
		else
			return sb_cli_bad_usage(c, "%s", "unknown option");
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	char *spool = sb_fs_join(cli->s.data_dir, "SCAN");
	sb_clean cl = {.cli = cli};
	sb_clean_walk(&cl, spool);
	sb_store_close(&cl.st);
	size_t count[4] = {0};
	for (size_t i = 0; i < cl.n; i++)
		count[cl.v[i].kind]++;
	size_t unstored = count[SB_PENDING_UNSTORED] + count[SB_PENDING_UNREADABLE];
	size_t doomed = count[SB_PENDING_STORED] + count[SB_CLEAN_TEMP] + (discard ? unstored : 0);
	if (cl.n == 0)
		printf("clean-data: the spool %s is already empty\n", spool);
	int confirmed = 1;
	if (doomed > 0) {
		char q[1400];
		snprintf(
			q, sizeof(q),
			"Delete %zu spool file%s under %s (%zu already stored, %zu temporary%s)?%s",
			doomed, sb_plural(doomed), spool, count[SB_PENDING_STORED],
			count[SB_CLEAN_TEMP],
			discard && unstored > 0 ? ", and the files never stored" : "",
			discard && unstored > 0 ? " Data never stored in the database is lost."
						: "");
		confirmed = sb_cli_confirm(cli, q);
	}
	if (!confirmed) {
		fprintf(stderr,
			"clean-data: nothing deleted (confirm on a terminal, or pass --yes)\n");
		rc = SB_EXIT_FAIL;
	}
	size_t deleted[4] = {0}, failed = 0;
	for (size_t i = 0; i < cl.n && confirmed; i++) {
		sb_clean_file *f = &cl.v[i];
		int unst = f->kind == SB_PENDING_UNSTORED || f->kind == SB_PENDING_UNREADABLE;
		if (unst && !discard)
			continue;
		if (unlink(f->path) == 0) {
			deleted[f->kind]++;
			if (unst)
				sb_log(SB_LOG_WARNING, "clean-data", "%s: never stored, deleted",
				       f->path);
			char *dir = sb_xstrdup(f->path);
			char *slash = strrchr(dir, '/');
			if (slash != NULL) {
				*slash = '\0';
				rmdir(dir); /* only once empty */
			}
			free(dir);
		} else {
			sb_log(SB_LOG_ERROR, "clean-data", "%s: %s", f->path, strerror(errno));
			failed++;
		}
	}
	/* what was never stored, one line per layer and day */
	for (size_t i = 0; i < cl.n;) {
		size_t k = i, n = 0;
		for (; k < cl.n && strcmp(cl.v[k].group, cl.v[i].group) == 0; k++)
			n += cl.v[k].kind == SB_PENDING_UNSTORED ||
			     cl.v[k].kind == SB_PENDING_UNREADABLE;
		if (n > 0)
			printf("clean-data: %s: %zu file%s never stored, %s\n", cl.v[i].group, n,
			       sb_plural(n), discard && confirmed ? "deleted" : "kept");
		i = k;
	}
	if (confirmed && cl.n > 0) {
		size_t gone_unstored =
			deleted[SB_PENDING_UNSTORED] + deleted[SB_PENDING_UNREADABLE];
		printf("clean-data: %zu file%s already stored and %zu temporary file%s deleted",
		       deleted[SB_PENDING_STORED], sb_plural(deleted[SB_PENDING_STORED]),
		       deleted[SB_CLEAN_TEMP], sb_plural(deleted[SB_CLEAN_TEMP]));
		if (discard)
			printf("; %zu file%s never stored deleted\n", gone_unstored,
			       sb_plural(gone_unstored));
		else if (unstored > 0)
			printf("; %zu file%s never stored kept (scanbackup run stores them; "
			       "clean-data --discard-unstored deletes them)\n",
			       unstored, sb_plural(unstored));
		else
			printf("\n");
		sb_log(SB_LOG_INFO, "clean-data",
		       "%zu stored, %zu temporary and %zu never stored files deleted under %s",
		       deleted[SB_PENDING_STORED], deleted[SB_CLEAN_TEMP], gone_unstored, spool);
	}
	for (size_t i = 0; i < cl.n; i++) {
		free(cl.v[i].path);
		free(cl.v[i].group);
	}
	free(cl.v);
	free(spool);
	return failed > 0 ? SB_EXIT_FAIL : rc;
}

/* ---- config ---- */

int sb_cmd_config(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {SB_COMMON_OPTS,
					     {"doc", no_argument, NULL, 'd'},
					     {NULL, 0, NULL, 0}};
	int doc = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		if (opt == 'd') {
			doc = 1;
			continue;
		}
		return sb_cli_bad_usage(c, "%s", "unknown option");
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	if (doc) {
		sb_settings_doc(stdout); /* the table itself: no root, no file needed */
		return SB_EXIT_OK;
	}
	int rc = sb_cli_setup(cli, 0);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_settings_dump(&cli->s, stdout);
	char *dir = sb_settings_modules_dir(&cli->s);
	printf("modules_dir_in_use=%s\ndata_dir_in_use=%s\n", dir, cli->s.data_dir);
	free(dir);
	return SB_EXIT_OK;
}
