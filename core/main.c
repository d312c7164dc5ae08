/* main.c - the scanbackup command line: one binary, one subcommand per stage. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"
#include "http.h"
#include "log.h"
#include "scan.h"
#include "stages.h"
#include "store.h"
#include "timeutil.h"

typedef struct sb_command {
	const char *name;
	int (*run)(sb_cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* options after the command name, one per line */
} sb_command;

static const sb_command *sb_find_command(const char *name);

/* Options every command understands. */
#define SB_COMMON_OPTS \
	{"root", required_argument, NULL, 'R'}, {"dev", no_argument, NULL, 'D'}, \
		{"help", no_argument, NULL, 'h'}

#define SB_COMMON_USAGE \
	"  --root DIR      project root (default: $PWDSCANBACKUP, else the current directory)\n" \
	"  --dev           read .env.development instead of .env.production / .env\n" \
	"  --help          this help\n"

static void sb_usage_of(const sb_command *c, FILE *f)
{
	fprintf(f, "usage: scanbackup %s [options]\n\n%s\n\noptions:\n%s" SB_COMMON_USAGE, c->name,
		c->summary, c->usage);
}

/* Handles a common option; returns 1 if handled, -1 on --help (usage printed), 0 otherwise. */
static int sb_common_opt(sb_cli *cli, const sb_command *c, int opt)
{
	switch (opt) {
	case 'R':
		cli->root = optarg;
		return 1;
	case 'D':
		cli->dev = 1;
		return 1;
	case 'h':
		sb_usage_of(c, stdout);
		return -1;
	default:
		return 0;
	}
}

static int sb_bad_usage(const sb_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sb_bad_usage(const sb_command *c, const char *fmt, ...)
{
	fprintf(stderr, "scanbackup %s: ", c->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see scanbackup %s --help)\n", c->name);
	return SB_EXIT_USAGE;
}

static int sb_parse_date_opt(const sb_command *c, const char *arg, sb_date *out)
{
	if (sb_date_parse(arg, out) != SB_OK)
		return sb_bad_usage(c, "--date %s: expected a date YYYY-MM-DD", arg);
	return SB_EXIT_OK;
}

/* ---- scan ---- */

static int sb_parse_shard(const char *arg, unsigned *k, unsigned *n)
{
	long a, b;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", arg);
	char *slash = strchr(buf, '/');
	if (slash == NULL)
		return SB_EINVAL;
	*slash = '\0';
	if (sb_parse_long(buf, &a) != SB_OK || sb_parse_long(slash + 1, &b) != SB_OK || b < 1 ||
	    b > 10000 || a < 1 || a > b)
		return SB_EINVAL;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return SB_OK;
}

static int sb_cmd_scan(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("scan");
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"date", required_argument, NULL, 'd'},
		{"layer", required_argument, NULL, 'l'},
		{"shard", required_argument, NULL, 's'},
		{"no-progress", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	sb_scan_opts so = {.progress = isatty(STDERR_FILENO)};
	int have_date = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'd':
			if (sb_parse_date_opt(c, optarg, &so.date) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			have_date = 1;
			break;
		case 'l':
			so.layer = optarg;
			break;
		case 's':
			if (sb_parse_shard(optarg, &so.shard_k, &so.shard_n) != SB_OK)
				return sb_bad_usage(c, "--shard %s: expected K/N with 1 <= K <= N", optarg);
			break;
		case 'P':
			so.progress = 0;
			break;
		default:
			return sb_bad_usage(c, "%s", "unknown option");
		}
	}
	if (optind < argc)
		return sb_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	if (!have_date)
		so.date = sb_date_add(sb_date_today(), -1);
	sb_scan_stats st;
	sb_err err = {0};
	if (sb_scan_run(&cli->s, &cli->mods, &so, &st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "scan", "%s", err.msg);
		return SB_EXIT_FAIL;
	}
	char date[11];
	sb_date_format(so.date, date);
	char line[512];
	snprintf(line, sizeof(line),
		 "scan: %s: %zu interfaces: %zu ok, %zu short, %zu failed; %zu samples; %.1f s (%.0f interfaces/s)",
		 date, st.interfaces, st.ok, st.short_days, st.failed, st.samples, st.seconds,
		 st.seconds > 0 ? (double)st.interfaces / st.seconds : 0.0);
	sb_log(SB_LOG_INFO, "scan", "%s", line + 6);
	printf("%s\n", line);
	return st.failed > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

/* ---- modules ---- */

static int sb_cmd_modules(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("modules");
	static const struct option opts[] = {SB_COMMON_OPTS, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common == 0)
			return sb_bad_usage(c, "%s", "unknown option");
	}
	int rc = sb_cli_setup(cli, SB_NEED_MODULES);
	if (rc != SB_EXIT_OK)
		return rc;
	char *dir = sb_cli_modules_dir(&cli->s);
	printf("modules in %s (this scanbackup: ABI %d)\n", dir, SB_MODULE_ABI);
	free(dir);
	printf("%-12s %-6s %-4s %-9s %-8s %s\n", "NAME", "KIND", "ABI", "LAYER", "STATE", "FILE");
	for (size_t i = 0; i < cli->mods.n; i++) {
		const sb_loaded_module *m = &cli->mods.v[i];
		printf("%-12s %-6s %-4u %-9s %-8s %s\n", m->def->name, sb_module_kind_name(m->def->kind),
		       (unsigned)m->def->abi, m->def->schema != NULL ? m->def->schema->layer : "-",
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

static int sb_simple_opts(sb_cli *cli, const sb_command *c, int argc, char **argv, int with_yes)
{
	static const struct option opts[] = {SB_COMMON_OPTS, {"yes", no_argument, NULL, 'y'},
					     {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_common_opt(cli, c, opt);
		if (common < 0)
			return -1;
		if (common > 0)
			continue;
		if (opt == 'y' && with_yes) {
			cli->yes = 1;
			continue;
		}
		return sb_bad_usage(c, "%s", "unknown option");
	}
	if (optind < argc)
		return sb_bad_usage(c, "unexpected argument %s", argv[optind]);
	return SB_EXIT_OK;
}

static int sb_cmd_setup_files(sb_cli *cli, int argc, char **argv)
{
	int rc = sb_simple_opts(cli, sb_find_command("setup-files"), argc, argv, 0);
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
				sb_log(SB_LOG_INFO, "setup", "created the empty sources file %s", src);
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

/* Removes every file below path (not path itself); counts files removed. */
static int sb_remove_tree(const char *path, size_t *count)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? SB_OK : SB_EIO;
	int rc = SB_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = sb_fs_join(path, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (sb_remove_tree(p, count) != SB_OK || rmdir(p) != 0)
				rc = SB_EIO;
		} else if (unlink(p) == 0) {
			(*count)++;
		} else {
			rc = SB_EIO;
		}
		free(p);
	}
	closedir(d);
	return rc;
}

static int sb_count_files(const char *path, size_t *count)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return SB_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = sb_fs_join(path, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			sb_count_files(p, count);
		else
			(*count)++;
		free(p);
	}
	closedir(d);
	return SB_OK;
}

static int sb_cmd_clean_data(sb_cli *cli, int argc, char **argv)
{
	int rc = sb_simple_opts(cli, sb_find_command("clean-data"), argc, argv, 1);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	char *spool = sb_fs_join(cli->s.data_dir, "SCAN");
	size_t n = 0;
	sb_count_files(spool, &n);
	if (n == 0) {
		printf("clean-data: the spool %s is already empty\n", spool);
		free(spool);
		return SB_EXIT_OK;
	}
	char q[1200];
	snprintf(q, sizeof(q),
		 "Delete %zu spool files under %s? Data not yet stored in the database is lost.", n,
		 spool);
	if (!sb_cli_confirm(cli, q)) {
		fprintf(stderr, "clean-data: nothing deleted (confirm on a terminal, or pass --yes)\n");
		free(spool);
		return SB_EXIT_FAIL;
	}
	size_t removed = 0;
	rc = sb_remove_tree(spool, &removed);
	sb_log(rc == SB_OK ? SB_LOG_INFO : SB_LOG_ERROR, "clean-data", "%zu spool files deleted under %s%s",
	       removed, spool, rc == SB_OK ? "" : " (some could not be deleted)");
	free(spool);
	return rc == SB_OK ? SB_EXIT_OK : SB_EXIT_FAIL;
}

/* ---- config ---- */

static int sb_cmd_config(sb_cli *cli, int argc, char **argv)
{
	int rc = sb_simple_opts(cli, sb_find_command("config"), argc, argv, 0);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, 0);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_settings_dump(&cli->s, stdout);
	char *dir = sb_cli_modules_dir(&cli->s);
	printf("modules_dir_in_use=%s\ndata_dir_in_use=%s\n", dir, cli->s.data_dir);
	free(dir);
	return SB_EXIT_OK;
}


/* ---- daily, updater, database, run ---- */

/* Options shared by daily / updater / run: --date, --force, --layer L, and --<layer> flags. */
typedef struct sb_stage_args {
	sb_date date;
	int have_date;
	int force;
	int allow_force;
	sb_layer_filter layers;
	sb_scan_opts scan;
} sb_stage_args;

static int sb_add_layer(const sb_command *c, sb_stage_args *a, const char *name)
{
	if (a->layers.n == SB_ARRAY_SIZE(a->layers.names))
		return sb_bad_usage(c, "too many layers (at most %zu)", SB_ARRAY_SIZE(a->layers.names));
	a->layers.names[a->layers.n++] = name;
	return SB_EXIT_OK;
}

/* Parses the stage options; unknown --word options are layer flags (--borde), checked against the
 * loaded layer modules by sb_check_layers. Returns SB_EXIT_OK, SB_EXIT_USAGE or -1 for --help. */
static int sb_stage_opts(sb_cli *cli, const sb_command *c, int argc, char **argv, sb_stage_args *a)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"date", required_argument, NULL, 'd'},
		{"force", no_argument, NULL, 'f'},
		{"layer", required_argument, NULL, 'l'},
		{"shard", required_argument, NULL, 's'},
		{"no-progress", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	a->scan.progress = isatty(STDERR_FILENO);
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_common_opt(cli, c, opt);
		if (common < 0)
			return -1;
		if (common > 0)
			continue;
		switch (opt) {
		case 'd':
			if (sb_parse_date_opt(c, optarg, &a->date) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			a->have_date = 1;
			break;
		case 'f':
			if (!a->allow_force)
				return sb_bad_usage(c, "%s", "--force is not an option of this command");
			a->force = 1;
			break;
		case 'l':
			if (sb_add_layer(c, a, optarg) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			break;
		case 's':
			if (sb_parse_shard(optarg, &a->scan.shard_k, &a->scan.shard_n) != SB_OK)
				return sb_bad_usage(c, "--shard %s: expected K/N with 1 <= K <= N", optarg);
			break;
		case 'P':
			a->scan.progress = 0;
			break;
		default: {
			const char *arg = argv[optind - 1];
			if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL || arg[2] == '\0')
				return sb_bad_usage(c, "unknown option %s", arg);
			if (sb_add_layer(c, a, arg + 2) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
		}
		}
	}
	opterr = 1;
	if (optind < argc)
		return sb_bad_usage(c, "unexpected argument %s", argv[optind]);
	if (a->force && a->have_date)
		return sb_bad_usage(c, "%s", "--date and --force exclude each other");
	return SB_EXIT_OK;
}

/* Every named layer must be a loaded layer module. */
static int sb_check_layers(sb_cli *cli, const sb_command *c, const sb_stage_args *a)
{
	for (size_t i = 0; i < a->layers.n; i++) {
		int found = 0;
		for (size_t k = 0; k < cli->mods.n && !found; k++) {
			const sb_loaded_module *m = &cli->mods.v[k];
			found = m->enabled && m->def->kind == SB_KIND_LAYER &&
				strcasecmp(m->def->schema->layer, a->layers.names[i]) == 0;
		}
		if (!found)
			return sb_bad_usage(c, "unknown option or layer '%s' (layers: see scanbackup modules)",
					    a->layers.names[i]);
	}
	return SB_EXIT_OK;
}

static int sb_open_store(sb_cli *cli, sb_store **st)
{
	sb_store_opts o = {.write_concern = cli->s.mongo_write_concern,
			   .timeout_ms = cli->s.db_timeout * 1000};
	sb_err err = {0};
	if (sb_store_open(cli->s.database_uri, &o, st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "store", "%s", err.msg);
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}

/* Sets up for a stage command: options, settings, lock, log, modules, layers, default date. */
static int sb_stage_setup(sb_cli *cli, const sb_command *c, int argc, char **argv,
			  sb_stage_args *a)
{
	int rc = sb_stage_opts(cli, c, argc, argv, a);
	if (rc != SB_EXIT_OK)
		return rc;
	rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	rc = sb_check_layers(cli, c, a);
	if (rc != SB_EXIT_OK)
		return rc;
	if (!a->have_date)
		a->date = sb_date_add(sb_date_today(), -1);
	return SB_EXIT_OK;
}

static int sb_do_daily(sb_cli *cli, const char *date, const sb_layer_filter *layers)
{
	sb_daily_stats st;
	sb_err err = {0};
	if (sb_daily_run(&cli->s, &cli->mods, date, layers, &st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "daily", "%s", err.msg);
		return SB_EXIT_FAIL;
	}
	printf("daily: %s: %zu interfaces summarised in %zu layers from %zu samples%s\n", date,
	       st.interfaces, st.layers, st.samples, st.bad_files ? " (some spool files unreadable)" : "");
	return st.bad_files ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

static int sb_cmd_daily(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("daily");
	sb_stage_args a = {0};
	int rc = sb_stage_setup(cli, c, argc, argv, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	char date[11];
	sb_date_format(a.date, date);
	return sb_do_daily(cli, date, &a.layers);
}

static int sb_do_load_data(sb_cli *cli, sb_store *st, const char *date,
			   const sb_layer_filter *layers)
{
	sb_load_stats ls;
	sb_err err = {0};
	int rc = sb_updater_data(&cli->s, &cli->mods, st, date, layers, &ls, &err);
	printf("updater data: %s: %zu samples from %zu spool files stored in %s; %zu files kept\n",
	       date != NULL ? date : "all dates", ls.rows, ls.files, sb_store_backend(st), ls.kept);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s; the spool files not stored are kept for the next run",
		       err.msg);
		return SB_EXIT_FAIL;
	}
	return ls.kept > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

static int sb_do_load_daily(sb_cli *cli, sb_store *st, const char *date)
{
	sb_load_stats ls;
	sb_err err = {0};
	int rc = sb_updater_daily(&cli->s, st, date, &ls, &err);
	printf("updater daily: %s: %zu summaries from %zu files stored in %s; %zu files kept\n",
	       date != NULL ? date : "all dates", ls.rows, ls.files, sb_store_backend(st), ls.kept);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s; the summary files not stored are kept for the next run",
		       err.msg);
		return SB_EXIT_FAIL;
	}
	return ls.kept > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

static int sb_cmd_updater(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("updater");
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			sb_usage_of(c, stdout);
			return SB_EXIT_OK;
		}
		return sb_bad_usage(c, "%s", "expected what to load: data or daily");
	}
	const char *what = argv[1];
	if (strcmp(what, "data") != 0 && strcmp(what, "daily") != 0)
		return sb_bad_usage(c, "unknown target '%s': expected data or daily", what);
	sb_stage_args a = {.allow_force = 1};
	int rc = sb_stage_setup(cli, c, argc - 1, argv + 1, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	if (strcmp(what, "daily") == 0 && a.layers.n > 0)
		return sb_bad_usage(c, "%s", "updater daily loads every layer: no layer flags");
	sb_store *st = NULL;
	rc = sb_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	char date[11];
	sb_date_format(a.date, date);
	const char *d = a.force ? NULL : date;
	rc = strcmp(what, "data") == 0 ? sb_do_load_data(cli, st, d, &a.layers)
				       : sb_do_load_daily(cli, st, d);
	sb_store_close(&st);
	return rc;
}

static int sb_cmd_database(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("database");
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			sb_usage_of(c, stdout);
			return SB_EXIT_OK;
		}
		return sb_bad_usage(c, "%s", "expected start or drop");
	}
	const char *what = argv[1];
	int drop = strcmp(what, "drop") == 0;
	if (!drop && strcmp(what, "start") != 0)
		return sb_bad_usage(c, "unknown action '%s': expected start or drop", what);
	int rc = sb_simple_opts(cli, c, argc - 1, argv + 1, 1);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	if (drop) {
		char q[600];
		int sqlite = strncmp(cli->s.database_uri, "sqlite:", 7) == 0;
		snprintf(q, sizeof(q), "Drop every scanbackup table of %s%s? All history is lost.",
			 sqlite ? "the SQLite database " : "the MongoDB database",
			 sqlite ? cli->s.database_uri + 7 : "");
		if (!sb_cli_confirm(cli, q)) {
			fprintf(stderr, "database drop: nothing dropped (confirm on a terminal, or pass --yes)\n");
			return SB_EXIT_FAIL;
		}
	}
	sb_store *st = NULL;
	rc = sb_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	size_t n = 0;
	const sb_schema **schemas = sb_layer_schemas(&cli->mods, &n);
	sb_err err = {0};
	int src = drop ? sb_store_drop(st, schemas, n, &err) : sb_store_start(st, schemas, n, &err);
	if (src != SB_OK) {
		sb_log(SB_LOG_ERROR, "database", "%s", err.msg);
		rc = SB_EXIT_FAIL;
	} else {
		sb_log(SB_LOG_INFO, "database", "%s: %s done for %zu layer tables and DAILY_SUMMARY_HISTORY",
		       sb_store_backend(st), what, n);
		printf("database %s: %s: %zu layer tables and DAILY_SUMMARY_HISTORY\n", what,
		       sb_store_backend(st), n);
	}
	free(schemas);
	sb_store_close(&st);
	return rc;
}

static int sb_cmd_run(sb_cli *cli, int argc, char **argv)
{
	const sb_command *c = sb_find_command("run");
	sb_stage_args a = {0};
	int rc = sb_stage_setup(cli, c, argc, argv, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	char date[11];
	sb_date_format(a.date, date);
	sb_log(SB_LOG_INFO, "run", "nightly run for %s", date);

	/* 1. scan, one layer filter at a time when several were named */
	a.scan.date = a.date;
	sb_scan_stats total = {0};
	sb_err err = {0};
	size_t passes = a.layers.n > 0 ? a.layers.n : 1;
	for (size_t i = 0; i < passes; i++) {
		a.scan.layer = a.layers.n > 0 ? a.layers.names[i] : NULL;
		sb_scan_stats st;
		if (sb_scan_run(&cli->s, &cli->mods, &a.scan, &st, &err) != SB_OK) {
			sb_log(SB_LOG_ERROR, "scan", "%s", err.msg);
			return SB_EXIT_FAIL;
		}
		total.interfaces += st.interfaces;
		total.ok += st.ok;
		total.short_days += st.short_days;
		total.failed += st.failed;
		total.samples += st.samples;
		total.seconds += st.seconds;
	}
	printf("scan: %s: %zu interfaces: %zu ok, %zu short, %zu failed; %zu samples; %.1f s\n", date,
	       total.interfaces, total.ok, total.short_days, total.failed, total.samples,
	       total.seconds);
	/* 2. daily summaries, 3. raw samples, 4. summaries into the store */
	int drc = sb_do_daily(cli, date, &a.layers);
	sb_store *st = NULL;
	rc = sb_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_err e2 = {0};
	size_t n = 0;
	const sb_schema **schemas = sb_layer_schemas(&cli->mods, &n);
	if (sb_store_start(st, schemas, n, &e2) != SB_OK)
		sb_log(SB_LOG_WARNING, "database", "%s", e2.msg);
	free(schemas);
	int lrc = sb_do_load_data(cli, st, date, &a.layers);
	int src = lrc == SB_EXIT_FAIL ? SB_EXIT_FAIL : sb_do_load_daily(cli, st, date);
	sb_store_close(&st);
	if (lrc == SB_EXIT_FAIL || src == SB_EXIT_FAIL || drc == SB_EXIT_FAIL)
		return SB_EXIT_FAIL;
	if (lrc != SB_EXIT_OK || src != SB_EXIT_OK || drc != SB_EXIT_OK)
		return SB_EXIT_FAIL; /* something collected is still in the spool */
	return total.failed > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

/* ---- the table ---- */

static const sb_command sb_commands[] = {
	{"run", sb_cmd_run,
	 "The nightly job: scan + daily + updater data + updater daily for the target day.\n"
	 "Exit 0 only when everything collected was stored; 3 when some interfaces failed to download.",
	 "  --date D        the day (default: yesterday, local time)\n"
	 "  --layer L       only this layer (repeatable); --borde, --bras ... also work\n"
	 "  --shard K/N     only the interfaces whose name hashes to K of N\n"
	 "  --no-progress   no progress line even on a terminal\n"},
	{"daily", sb_cmd_daily,
	 "Compute the daily summary of every interface spooled for the day into data/SCAN/DAILY_SUMMARY/.",
	 "  --date D        the day (default: yesterday)\n"
	 "  --layer L       only this layer (repeatable)\n"},
	{"updater", sb_cmd_updater,
	 "updater data | daily: load the spool into the store; files leave the spool once stored.",
	 "  data            raw samples (data/SCAN/<LAYER>/)\n"
	 "  daily           daily summaries (data/SCAN/DAILY_SUMMARY/)\n"
	 "  --date D        only this day (default: yesterday)\n"
	 "  --force         every day found in the spool\n"
	 "  --borde --bras --caching --rai --ixp --ipbras   (data) only these layers\n"},
	{"database", sb_cmd_database,
	 "database start | drop: create the missing tables/collections and indexes, or drop them all.",
	 "  --yes           (drop) do not ask\n"},
	{"scan", sb_cmd_scan,
	 "Collect the target day (default: yesterday) of every interface of sources/SCAN/<LAYER>\n"
	 "into the spool data/SCAN/<LAYER>/<DATE>/. Exit 3 when some interfaces failed.",
	 "  --date D        the day to collect, YYYY-MM-DD (default: yesterday, local time)\n"
	 "  --layer L       only this layer (BORDE, BRAS, CACHING, RAI, IXP, IPBRAS, ...)\n"
	 "  --shard K/N     only the interfaces whose name hashes to K of N (several collectors)\n"
	 "  --no-progress   no progress line even on a terminal\n"},
	{"modules", sb_cmd_modules, "List the modules found: name, kind, ABI, layer, state, file.", ""},
	{"setup-files", sb_cmd_setup_files,
	 "Create the data/ and sources/ folders and an empty sources file per layer module.", ""},
	{"clean-data", sb_cmd_clean_data,
	 "Delete the spool (data/SCAN). Asks on a terminal; --yes otherwise.",
	 "  --yes           do not ask\n"},
	{"config", sb_cmd_config, "Print the settings in effect (passwords masked).", ""},
};

static const sb_command *sb_find_command(const char *name)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_commands); i++)
		if (strcmp(sb_commands[i].name, name) == 0)
			return &sb_commands[i];
	return NULL;
}

static void sb_usage(FILE *f)
{
	fprintf(f, "usage: scanbackup COMMAND [options]   (scanbackup COMMAND --help for details)\n\n"
		   "commands:\n");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_commands); i++) {
		const char *s = sb_commands[i].summary;
		fprintf(f, "  %-12s %.*s\n", sb_commands[i].name, (int)strcspn(s, "\n"), s);
	}
	fprintf(f, "\nscanbackup --version prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		sb_usage(stderr);
		return SB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s (module ABI %d)\n", PACKAGE_STRING, SB_MODULE_ABI);
		return SB_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		sb_usage(stdout);
		return SB_EXIT_OK;
	}
	sb_cli cli = {.cmd = argv[1]};
	cli.lock.fd = -1;
	/* Options before the command (scanbackup --root R scan) are moved after it. */
	int first = 1;
	while (first < argc && argv[first][0] == '-') {
		if (strcmp(argv[first], "--root") == 0 && first + 1 < argc) {
			cli.root = argv[first + 1];
			first += 2;
		} else if (strncmp(argv[first], "--root=", 7) == 0) {
			cli.root = argv[first] + 7;
			first++;
		} else if (strcmp(argv[first], "--dev") == 0) {
			cli.dev = 1;
			first++;
		} else {
			break;
		}
	}
	if (first >= argc) {
		sb_usage(stderr);
		return SB_EXIT_USAGE;
	}
	const sb_command *c = sb_find_command(argv[first]);
	if (c == NULL) {
		fprintf(stderr, "scanbackup: unknown command '%s'\n", argv[first]);
		sb_usage(stderr);
		return SB_EXIT_USAGE;
	}
	cli.cmd = c->name;
	if (sb_http_global_init() != SB_OK) {
		fprintf(stderr, "scanbackup: libcurl could not be initialised\n");
		return SB_EXIT_FAIL;
	}
	optind = 1;
	int rc = c->run(&cli, argc - first, argv + first);
	sb_cli_teardown(&cli);
	sb_http_global_cleanup();
	return rc;
}
