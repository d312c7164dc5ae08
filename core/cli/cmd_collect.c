/* cmd_collect.c - the nightly job's commands: scan, daily, updater, database, run. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/period.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "collect/backfill.h"
#include "collect/daily.h"
#include "collect/pending.h"
#include "collect/scan.h"
#include "collect/updater.h"
#include "format/runstatus.h"
#include "store/alerthist.h"
#include "store/store.h"

/* ---- how each stage ended: data/run-status.tsv (format/runstatus.h) ---- */

/* Sets st's status from the stage's exit status and its times, then writes it; a failure to
 * write is logged, never the stage's own. */
static void sb_stage_record(sb_cli *cli, sb_run_stage *st, int64_t started, int exit)
{
	snprintf(st->status, sizeof(st->status), "%s",
		 exit == SB_EXIT_OK        ? "ok"
		 : exit == SB_EXIT_PARTIAL ? "partial"
		 : exit == SB_EXIT_EMPTY   ? "empty"
					   : "failed");
	st->started = started;
	st->finished = (int64_t)time(NULL);
	sb_err err = {0};
	if (sb_run_status_put(cli->s.data_dir, st, &err) != SB_OK)
		sb_log(SB_LOG_WARNING, "run", "the run status: %s", err.msg);
}

/* The scan figures of a stage's record. */
static void sb_stage_scan_counts(sb_run_stage *st, const sb_scan_stats *s)
{
	st->interfaces = (int64_t)s->interfaces;
	st->ok = (int64_t)s->ok;
	st->short_days = (int64_t)s->short_days;
	st->failed = (int64_t)s->failed;
	st->samples = (int64_t)s->samples;
}

/* Records how an updater stage ended with its load's figures. */
static void sb_stage_record_load(sb_cli *cli, const char *stage, const char *date, int64_t started,
				 const sb_load_stats *ls, int exit)
{
	sb_run_stage st;
	sb_run_stage_init(&st, stage, date);
	st.rows = (int64_t)ls->rows;
	st.files = (int64_t)ls->files;
	st.kept = (int64_t)ls->kept;
	st.writes = (int64_t)ls->writes;
	st.write_seconds = ls->write_seconds;
	st.write_max = ls->write_max;
	sb_stage_record(cli, &st, started, exit);
}

/* ---- the options of the stages ---- */

/* Options shared by scan / daily / updater / run: --date, --force, --layer L, and --<layer> flags. */
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
		return sb_cli_bad_usage(c, "too many layers (at most %zu)",
					SB_ARRAY_SIZE(a->layers.names));
	a->layers.names[a->layers.n++] = name;
	return SB_EXIT_OK;
}

/* The old scanner's arguments after the options: FECHA [CAPA] (scanner.sh 2026-11-20 BORDE), the
 * same as --date FECHA --layer CAPA. A form that could mean something else is refused, saying
 * what was expected. */
static int sb_stage_positional(const sb_command *c, int argc, char **argv, sb_stage_args *a)
{
	int left = argc - optind;
	if (left <= 0)
		return SB_EXIT_OK;
	const char *day = argv[optind];
	sb_date d;
	if (sb_date_parse(day, &d) != SB_OK)
		return sb_cli_bad_usage(
			c,
			"'%s': expected FECHA [CAPA], a date YYYY-MM-DD first, then "
			"a layer (a layer alone: --layer %s)",
			day, day);
	if (a->have_date)
		return sb_cli_bad_usage(c,
					"the day is given twice (--date and %s): expected one date",
					day);
	a->date = d;
	a->have_date = 1;
	if (left == 1)
		return SB_EXIT_OK;
	const char *layer = argv[optind + 1];
	if (sb_date_parse(layer, &d) == SB_OK)
		return sb_cli_bad_usage(c,
					"two dates (%s and %s): expected FECHA [CAPA], one day "
					"(several: scanbackup backfill --from D --to D)",
					day, layer);
	if (left > 2)
		return sb_cli_bad_usage(c, "unexpected argument %s: expected FECHA [CAPA]",
					argv[optind + 2]);
	return sb_add_layer(c, a, layer);
}

/* Parses the stage options, then FECHA [CAPA] (sb_stage_positional); unknown --word options are
 * layer flags (--borde), checked against the loaded layer modules by sb_check_layers. Returns
 * SB_EXIT_OK, SB_EXIT_USAGE or -1 for --help. */
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
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return -1;
		if (common > 0)
			continue;
		switch (opt) {
		case 'd':
			if (sb_cli_parse_date(c, optarg, &a->date) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			a->have_date = 1;
			break;
		case 'f':
			if (!a->allow_force)
				return sb_cli_bad_usage(c, "%s",
							"--force is not an option of this command");
			a->force = 1;
			break;
		case 'l':
			if (sb_add_layer(c, a, optarg) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			break;
		case 's':
			if (sb_cli_parse_shard(optarg, &a->scan.shard_k, &a->scan.shard_n) != SB_OK)
				return sb_cli_bad_usage(c,
							"--shard %s: expected K/N with 1 <= K <= N",
							optarg);
			break;
		case 'P':
			a->scan.progress = 0;
			break;
		default: {
			const char *arg = argv[optind - 1];
			if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL ||
			    arg[2] == '\0')
				return sb_cli_bad_usage(c, "unknown option %s", arg);
			if (sb_add_layer(c, a, arg + 2) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
		}
		}
	}
	opterr = 1;
	int rc = sb_stage_positional(c, argc, argv, a);
	if (rc != SB_EXIT_OK)
		return rc;
	if (a->force && a->have_date)
		return sb_cli_bad_usage(c, "%s", "--date and --force exclude each other");
	return SB_EXIT_OK;
}

/* Every named layer must be a loaded layer module. */
static int sb_check_layers(sb_cli *cli, const sb_command *c, const sb_stage_args *a)
{
	for (size_t i = 0; i < a->layers.n; i++) {
		if (sb_layer_find(&cli->mods, a->layers.names[i]) == NULL)
			return sb_cli_bad_usage(
				c, "unknown option or layer '%s' (layers: see scanbackup modules)",
				a->layers.names[i]);
	}
	return SB_EXIT_OK;
}

/* Sets up for a stage command: options, settings, lock, log, modules, layers, default date. */
static int sb_stage_setup(sb_cli *cli, const sb_command *c, int argc, char **argv, sb_stage_args *a)
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

/* ---- scan ---- */

/* Scans a->date, one pass per layer named (every layer when none), the stats summed in *total.
 * Returns SB_EXIT_OK, or SB_EXIT_FAIL when a pass could not run (logged). */
static int sb_scan_passes(sb_cli *cli, sb_stage_args *a, sb_scan_stats *total)
{
	memset(total, 0, sizeof(*total));
	a->scan.date = a->date;
	size_t passes = a->layers.n > 0 ? a->layers.n : 1;
	for (size_t i = 0; i < passes; i++) {
		a->scan.layer = a->layers.n > 0 ? a->layers.names[i] : NULL;
		sb_scan_stats st;
		sb_err err = {0};
		if (sb_scan_run(&cli->s, &cli->mods, &a->scan, &st, &err) != SB_OK) {
			sb_log(SB_LOG_ERROR, "scan", "%s", err.msg);
			return SB_EXIT_FAIL;
		}
		total->interfaces += st.interfaces;
		total->ok += st.ok;
		total->short_days += st.short_days;
		total->failed += st.failed;
		total->samples += st.samples;
		total->seconds += st.seconds;
	}
	return SB_EXIT_OK;
}

/* How a scan ended: SB_EXIT_EMPTY when interfaces were listed but none got a sample of the day,
 * else SB_EXIT_PARTIAL when some failed, else SB_EXIT_OK. */
static int sb_scan_outcome(const sb_scan_stats *t)
{
	if (t->interfaces > 0 && t->samples == 0)
		return SB_EXIT_EMPTY;
	return t->failed > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

/* Says why an empty scan (sb_scan_outcome) found nothing, on the terminal and in the log (who:
 * "scan" or "run"). */
static void sb_scan_say_empty(const sb_scan_stats *t, sb_date date, const char *who)
{
	char day[11], why[400];
	sb_date_format(date, day);
	int64_t ago = sb_period_daynum(sb_date_today()) - sb_period_daynum(date);
	if (t->failed == t->interfaces)
		snprintf(why, sizeof(why),
			 "none of the %zu interfaces could be downloaded (each is named in "
			 "data/logs/ScanBackup.log)",
			 t->interfaces);
	else if (ago <= 0)
		snprintf(why, sizeof(why), "%s has not ended yet (the default day is yesterday)",
			 day);
	else if (ago > 2)
		snprintf(why, sizeof(why),
			 "%s is %lld days ago, probably outside SCAN's window: its logs keep "
			 "5-minute samples for about 3 days (50 hours); scanbackup backfill reads "
			 "what their 30-minute, 2-hour and 1-day lines keep of older days",
			 day, (long long)ago);
	else
		snprintf(why, sizeof(why),
			 "the %zu logs read hold nothing of %s: are they still updated, and do the "
			 "sources files point at them?",
			 t->interfaces - t->failed, day);
	printf("%s: %s: nothing collected: no interface has a sample of the day: %s\n", who, day,
	       why);
	sb_log(SB_LOG_WARNING, who,
	       "%s: nothing collected: no interface has a sample of the day: %s", day, why);
}

int sb_cmd_scan(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	sb_stage_args a = {0};
	int rc = sb_stage_setup(cli, c, argc, argv, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	char date[11];
	sb_date_format(a.date, date);
	sb_run_stage rec;
	sb_run_stage_init(&rec, "scan", date);
	int64_t started = (int64_t)time(NULL);
	sb_scan_stats st;
	rc = sb_scan_passes(cli, &a, &st);
	if (rc != SB_EXIT_OK) {
		sb_stage_record(cli, &rec, started, SB_EXIT_FAIL);
		return rc;
	}
	sb_stage_scan_counts(&rec, &st);
	int out = sb_scan_outcome(&st);
	sb_stage_record(cli, &rec, started, out);
	char line[512];
	snprintf(line, sizeof(line),
		 "scan: %s: %zu interfaces: %zu ok, %zu short, %zu failed; %zu samples; %.1f s "
		 "(%.0f interfaces/s)",
		 date, st.interfaces, st.ok, st.short_days, st.failed, st.samples, st.seconds,
		 st.seconds > 0 ? (double)st.interfaces / st.seconds : 0.0);
	sb_log(SB_LOG_INFO, "scan", "%s", line + 6);
	printf("%s\n", line);
	if (out == SB_EXIT_EMPTY)
		sb_scan_say_empty(&st, a.date, "scan");
	return out;
}

/* ---- daily, updater, database, run ---- */

/* store: where to summarise a layer from when its spool is empty (NULL: the spool only). */
static int sb_do_daily(sb_cli *cli, sb_store *store, const char *date,
		       const sb_layer_filter *layers)
{
	sb_daily_stats st;
	sb_err err = {0};
	sb_run_stage rec;
	sb_run_stage_init(&rec, "daily", date);
	int64_t started = (int64_t)time(NULL);
	if (sb_daily_run(&cli->s, &cli->mods, store, date, layers, &st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "daily", "%s", err.msg);
		sb_stage_record(cli, &rec, started, SB_EXIT_FAIL);
		return SB_EXIT_FAIL;
	}
	rec.interfaces = (int64_t)st.interfaces;
	rec.samples = (int64_t)st.samples;
	sb_stage_record(cli, &rec, started, st.bad_files ? SB_EXIT_PARTIAL : SB_EXIT_OK);
	char stored[64] = "";
	if (st.stored_only > 0)
		snprintf(stored, sizeof(stored), " (%zu of them already stored)", st.stored_only);
	printf("daily: %s: %zu interfaces summarised in %zu layers from %zu samples%s%s\n", date,
	       st.interfaces, st.layers, st.samples, stored,
	       st.bad_files ? " (some spool files unreadable)" : "");
	return st.bad_files ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

int sb_cmd_daily(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	sb_stage_args a = {0};
	int rc = sb_stage_setup(cli, c, argc, argv, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	char date[11];
	sb_date_format(a.date, date);
	/* without the store, daily still summarises the spool */
	sb_store *st = NULL;
	sb_store_opts o = {.write_concern = cli->s.mongo_write_concern,
			   .timeout_ms = cli->s.db_timeout * 1000};
	sb_err err = {0};
	if (sb_store_open(cli->s.database_uri, &o, &st, &err) != SB_OK)
		sb_log(SB_LOG_WARNING, "daily", "%s: summarising the spool only", err.msg);
	rc = sb_do_daily(cli, st, date, &a.layers);
	sb_store_close(&st);
	return rc;
}

static int sb_do_load_data(sb_cli *cli, sb_store *st, const char *date,
			   const sb_layer_filter *layers)
{
	sb_load_stats ls;
	sb_err err = {0};
	int64_t started = (int64_t)time(NULL);
	int rc = sb_updater_data(&cli->s, &cli->mods, st, date, layers, isatty(STDERR_FILENO), &ls,
				 &err);
	sb_stage_record_load(cli, "updater_data", date, started, &ls,
			     rc != SB_OK   ? SB_EXIT_FAIL
			     : ls.kept > 0 ? SB_EXIT_PARTIAL
					   : SB_EXIT_OK);
	printf("updater data: %s: %zu samples from %zu spool files stored in %s; %zu files kept\n",
	       date != NULL ? date : "all dates", ls.rows, ls.files, sb_store_backend(st), ls.kept);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater",
		       "%s; the spool files not stored are kept for the next run", err.msg);
		return SB_EXIT_FAIL;
	}
	return ls.kept > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

static int sb_do_load_daily(sb_cli *cli, sb_store *st, const char *date)
{
	sb_load_stats ls;
	sb_err err = {0};
	int64_t started = (int64_t)time(NULL);
	int rc = sb_updater_daily(&cli->s, st, date, &ls, &err);
	sb_stage_record_load(cli, "updater_daily", date, started, &ls,
			     rc != SB_OK   ? SB_EXIT_FAIL
			     : ls.kept > 0 ? SB_EXIT_PARTIAL
					   : SB_EXIT_OK);
	printf("updater daily: %s: %zu summaries from %zu files stored in %s; %zu files kept\n",
	       date != NULL ? date : "all dates", ls.rows, ls.files, sb_store_backend(st), ls.kept);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater",
		       "%s; the summary files not stored are kept for the next run", err.msg);
		return SB_EXIT_FAIL;
	}
	return ls.kept > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

int sb_cmd_updater(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			sb_cli_usage_of(c, stdout);
			return SB_EXIT_OK;
		}
		return sb_cli_bad_usage(c, "%s",
					"expected what to load: data, daily, sources or probes");
	}
	const char *what = argv[1];
	if (strcmp(what, "sources") == 0)
		return sb_cmd_updater_sources(cli, c, argc - 1, argv + 1);
	if (strcmp(what, "probes") == 0)
		return sb_cmd_updater_probes(cli, c, argc - 1, argv + 1);
	if (strcmp(what, "data") != 0 && strcmp(what, "daily") != 0)
		return sb_cli_bad_usage(
			c, "unknown target '%s': expected data, daily, sources or probes", what);
	sb_stage_args a = {.allow_force = 1};
	int rc = sb_stage_setup(cli, c, argc - 1, argv + 1, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	if (strcmp(what, "daily") == 0 && a.layers.n > 0)
		return sb_cli_bad_usage(c, "%s", "updater daily loads every layer: no layer flags");
	sb_store *st = NULL;
	rc = sb_cli_open_store(cli, &st);
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

int sb_cmd_database(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			sb_cli_usage_of(c, stdout);
			return SB_EXIT_OK;
		}
		return sb_cli_bad_usage(c, "%s", "expected start or drop");
	}
	const char *what = argv[1];
	int drop = strcmp(what, "drop") == 0;
	if (!drop && strcmp(what, "start") != 0)
		return sb_cli_bad_usage(c, "unknown action '%s': expected start or drop", what);
	int rc = sb_cli_simple_opts(cli, c, argc - 1, argv + 1, 1);
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
			fprintf(stderr, "database drop: nothing dropped (confirm on a terminal, or "
					"pass --yes)\n");
			return SB_EXIT_FAIL;
		}
	}
	sb_store *st = NULL;
	rc = sb_cli_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	size_t n = 0;
	const sb_schema **schemas = sb_layer_schemas(&cli->mods, &n);
	sb_err err = {0};
	int src = drop ? sb_store_drop(st, schemas, n, &err) : sb_store_start(st, schemas, n, &err);
	/* the tables of the probe modules' records: PING_HISTORY, HTTPING_HISTORY, ... */
	sb_rec_set *set = sb_modules_records(&cli->mods);
	sb_rec_decl **decls = NULL;
	size_t ndecls = sb_rec_set_list(set, &decls);
	sb_rec_set_free(&set);
	/* and LINKS_HISTORY, the names the monitors give their links, and ALERT_HISTORY, the
	 * alerts' changes of state */
	decls = sb_xrealloc(decls, (ndecls + 2) * sizeof(*decls));
	decls[ndecls++] = sb_rec_names_decl();
	decls[ndecls++] = sb_alert_history_decl();
	if (src == SB_OK)
		src = drop ? sb_store_drop_records(st, decls, ndecls, &err)
			   : sb_store_start_records(st, decls, ndecls, &err);
	sb_rec_list_free(decls, ndecls);
	if (src != SB_OK) {
		sb_log(SB_LOG_ERROR, "database", "%s", err.msg);
		rc = SB_EXIT_FAIL;
	} else {
		sb_log(SB_LOG_INFO, "database",
		       "%s: %s done for %zu layer tables (each with its 30-minute, 2-hour and "
		       "1-day tables), DAILY_SUMMARY_HISTORY and %zu record tables (the probes', "
		       "LINKS_HISTORY, ALERT_HISTORY)",
		       sb_store_backend(st), what, n, ndecls);
		printf("database %s: %s: %zu layer tables (each with its 30-minute, 2-hour and "
		       "1-day tables), DAILY_SUMMARY_HISTORY and %zu record tables (the probes', "
		       "LINKS_HISTORY, ALERT_HISTORY)\n",
		       what, sb_store_backend(st), n, ndecls);
	}
	free(schemas);
	sb_store_close(&st);
	return rc;
}

static int sb_date_strcmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Worst of two stage outcomes: a failure, else a partial result, else OK. */
static int sb_worst(int a, int b)
{
	if (a == SB_EXIT_FAIL || b == SB_EXIT_FAIL)
		return SB_EXIT_FAIL;
	return a != SB_EXIT_OK ? a : b;
}

/* ---- backfill ---- */

/* "2026-01-01 to 2026-03-31: 30 min; ..." for the days of a backfill from first to last:
 * consecutive days with the same coarsest resolution among their interfaces make one range;
 * days without data say "no data". */
static void sb_backfill_ranges(const sb_backfill_stats *st, sb_date first, sb_date last, char *buf,
			       size_t size)
{
	static const char *const labels[5] = {"5 min", "30 min", "2 h", "1 day", "no data"};
	size_t used = 0, next = 0;
	buf[0] = '\0';
	int64_t d0 = sb_period_daynum(first), d1 = sb_period_daynum(last);
	int cur = -1;
	int64_t since = d0;
	for (int64_t d = d0; d <= d1 + 1; d++) {
		int k = 4;
		while (next < st->ndays && sb_period_daynum(st->days[next].date) < d)
			next++;
		if (d <= d1 && next < st->ndays && sb_period_daynum(st->days[next].date) == d) {
			k = 3;
			while (k > 0 && st->days[next].at[k] == 0)
				k--;
		}
		if (d <= d1 && (cur == -1 || k == cur)) {
			cur = k;
			continue;
		}
		char a[11], b[11];
		sb_date_format(sb_date_add(first, (int)(since - d0)), a);
		sb_date_format(sb_date_add(first, (int)(d - 1 - d0)), b);
		int w = d - 1 > since ? snprintf(buf + used, size - used, "%s%s to %s: %s",
						 used ? "; " : "", a, b, labels[cur])
				      : snprintf(buf + used, size - used, "%s%s: %s",
						 used ? "; " : "", a, labels[cur]);
		if (w < 0 || (size_t)w >= size - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)w;
		cur = k;
		since = d;
	}
}

/* Runs a backfill and prints what it did. Returns SB_EXIT_OK, SB_EXIT_PARTIAL (some interfaces
 * failed) or SB_EXIT_FAIL; *fine gets the dates spooled at 5 minutes (sb_fs_list_free). */
static int sb_do_backfill(sb_cli *cli, const sb_backfill_opts *o, const char *who, char ***fine,
			  size_t *nfine)
{
	sb_backfill_stats st;
	sb_err err = {0};
	*fine = NULL;
	*nfine = 0;
	if (sb_backfill_run(&cli->s, &cli->mods, o, &st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "backfill", "%s", err.msg);
		sb_backfill_free(&st);
		return SB_EXIT_FAIL;
	}
	char from[11] = "", to[11], span[48];
	if (o->has_from)
		sb_date_format(o->from, from);
	sb_date_format(o->to, to);
	if (!o->has_from)
		snprintf(span, sizeof(span), "the days up to %s", to);
	else if (strcmp(from, to) == 0)
		snprintf(span, sizeof(span), "%s", to);
	else
		snprintf(span, sizeof(span), "%s to %s", from, to);
	char line[1024];
	snprintf(line, sizeof(line),
		 "%s: %s: %zu interfaces: %zu ok, %zu failed%s; %zu lines (%zu of 30 min, "
		 "%zu of 2 h, %zu of 1 day) and %zu day summaries from them; %zu days of 5-minute "
		 "samples (%zu samples); %.1f s",
		 who, span, st.interfaces, st.ok, st.failed,
		 st.skipped > 0 ? ", some layers skipped" : "",
		 st.lines[0] + st.lines[1] + st.lines[2], st.lines[0], st.lines[1], st.lines[2],
		 st.summaries, st.fine_days, st.fine_samples, st.seconds);
	sb_log(SB_LOG_INFO, "backfill", "%s", line + strlen(who) + 2);
	printf("%s\n", line);
	char ranges[4096] = "";
	if (o->has_from || st.ndays > 0)
		sb_backfill_ranges(&st, o->has_from ? o->from : st.days[0].date, o->to, ranges,
				   sizeof(ranges));
	if (ranges[0] != '\0') {
		printf("%s: days by resolution: %s\n", who, ranges);
		sb_log(SB_LOG_INFO, "backfill", "days by resolution: %s", ranges);
	}
	for (size_t i = 0; i < st.ndays; i++) {
		if (st.days[i].at[0] == 0)
			continue;
		*fine = sb_xrealloc(*fine, (*nfine + 1) * sizeof(**fine));
		(*fine)[*nfine] = sb_xmalloc(11);
		sb_date_format(st.days[i].date, (*fine)[(*nfine)++]);
	}
	int rc = st.failed > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
	sb_backfill_free(&st);
	return rc;
}

/* Loads the backfill files and prints what it did. */
static int sb_do_load_backfill(sb_cli *cli, sb_store *st, const sb_layer_filter *layers,
			       const char *who)
{
	sb_backfill_load_stats ls;
	sb_err err = {0};
	int rc =
		sb_backfill_load(&cli->s, &cli->mods, st, layers, isatty(STDERR_FILENO), &ls, &err);
	if (ls.files > 0 || ls.kept > 0 || rc != SB_OK)
		printf("%s: %zu lines and %zu day summaries from %zu backfill files stored in %s "
		       "(a finer summary already stored is kept); %zu files kept\n",
		       who, ls.lines, ls.summaries, ls.files, sb_store_backend(st), ls.kept);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "backfill",
		       "%s; the backfill files not stored are kept for the next run", err.msg);
		return SB_EXIT_FAIL;
	}
	return ls.kept > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

/* The nights the store lacks: for each selected layer, the days after its newest daily summary
 * before date and up to the day before date, backfilled from the logs (sb_backfill_run) and said.
 * A layer without any summary yet is no missed night: a hint names `backfill`. *fine gets the days
 * the logs still hold at 5 minutes (spooled for the daily stage). Returns SB_EXIT_OK,
 * SB_EXIT_PARTIAL (some interfaces failed) or SB_EXIT_FAIL (the backfill could not run: the
 * next run tries again, since the store still lacks those days). */
static int sb_run_missed(sb_cli *cli, sb_store *st, const sb_layer_filter *layers, sb_date date,
			 char ***fine, size_t *nfine)
{
	*fine = NULL;
	*nfine = 0;
	char before[11];
	sb_date_format(date, before);
	sb_date last = sb_date_add(date, -1);
	/* layers grouped by the first day they miss */
	sb_layer_filter groups[16];
	sb_date firsts[16];
	size_t ngroups = 0, nempty = 0;
	const sb_loaded_module *m;
	for (size_t i = 0; (m = sb_layers_next(&cli->mods, layers, &i)) != NULL;) {
		const char *layer = m->def->schema->layer;
		char newest[11] = "";
		sb_err err = {0};
		if (sb_store_newest_summary(st, layer, before, newest, &err) != SB_OK) {
			sb_log(SB_LOG_WARNING, "run",
			       "%s: the days already stored cannot be read (%s): missed nights are "
			       "looked for next time",
			       layer, err.msg);
			return SB_EXIT_OK;
		}
		sb_date d;
		if (newest[0] == '\0' || sb_date_parse(newest, &d) != SB_OK) {
			nempty++;
			continue;
		}
		sb_date first = sb_date_add(d, 1);
		if (sb_date_cmp(first, last) > 0)
			continue;
		size_t g = 0;
		while (g < ngroups && sb_date_cmp(firsts[g], first) != 0)
			g++;
		if (g == ngroups) {
			if (ngroups == SB_ARRAY_SIZE(groups))
				continue;
			firsts[ngroups] = first;
			groups[ngroups++] = (sb_layer_filter){.n = 0};
		}
		if (groups[g].n < SB_ARRAY_SIZE(groups[g].names))
			groups[g].names[groups[g].n++] = layer;
	}
	if (nempty > 0 && ngroups == 0)
		sb_log(SB_LOG_INFO, "run",
		       "the store holds no daily summary before %s of %zu layer%s: scanbackup "
		       "backfill fills the history the logs keep (up to two years)",
		       before, nempty, nempty == 1 ? "" : "s");
	int out = SB_EXIT_OK;
	for (size_t g = 0; g < ngroups; g++) {
		char from[11], to[11], names[256] = "";
		sb_date_format(firsts[g], from);
		sb_date_format(last, to);
		for (size_t k = 0, used = 0; k < groups[g].n && used < sizeof(names); k++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 k ? ", " : "", groups[g].names[k]);
		printf("run: %s: %s%s%s never stored: backfilled from the logs\n", names, from,
		       strcmp(from, to) != 0 ? " to " : "", strcmp(from, to) != 0 ? to : "");
		sb_log(SB_LOG_WARNING, "run", "%s: %s to %s never stored: backfilled from the logs",
		       names, from, to);
		sb_backfill_opts o = {.from = firsts[g],
				      .to = last,
				      .has_from = 1,
				      .layers = &groups[g],
				      .progress = isatty(STDERR_FILENO)};
		char **f = NULL;
		size_t nf = 0;
		out = sb_worst(out, sb_do_backfill(cli, &o, "run", &f, &nf));
		for (size_t i = 0; i < nf; i++) {
			*fine = sb_xrealloc(*fine, (*nfine + 1) * sizeof(**fine));
			(*fine)[(*nfine)++] = f[i];
		}
		free(f);
	}
	return out;
}

static int sb_run_nightly(sb_cli *cli, const sb_stage_args *args, sb_run_stage *rec);

int sb_cmd_run(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	sb_stage_args a = {0};
	int rc = sb_stage_setup(cli, c, argc, argv, &a);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	char date[11];
	sb_date_format(a.date, date);
	sb_run_stage rec;
	sb_run_stage_init(&rec, "run", date);
	rec.started = (int64_t)time(NULL);
	rc = sb_run_nightly(cli, &a, &rec);
	sb_stage_record(cli, &rec, rec.started, rc);
	/* the alert rules, on the night stored (a failed run included: the run kind says so) */
	sb_cli_alerts_after_run(cli, a.date);
	return rc;
}

/* The nightly job of sb_cmd_run; rec gets the scan's figures. */
static int sb_run_nightly(sb_cli *cli, const sb_stage_args *args, sb_run_stage *rec)
{
	sb_stage_args a = *args;
	int rc;
	char date[11];
	sb_date_format(a.date, date);
	sb_log(SB_LOG_INFO, "run", "nightly run for %s", date);

	/* 0. what a killed run left: temporary files (no other writer holds the lock) */
	size_t temps = sb_pending_clean_temps(cli->s.data_dir);
	if (temps > 0) {
		printf("run: removed %zu temporary file%s left by an interrupted run\n", temps,
		       temps == 1 ? "" : "s");
		sb_log(SB_LOG_INFO, "run", "removed %zu temporary files left by an interrupted run",
		       temps);
	}

	/* 1. scan, one layer filter at a time when several were named */
	sb_scan_stats total;
	rc = sb_scan_passes(cli, &a, &total);
	sb_run_stage scan_rec;
	sb_run_stage_init(&scan_rec, "scan", date);
	if (rc != SB_EXIT_OK) {
		sb_stage_record(cli, &scan_rec, rec->started, SB_EXIT_FAIL);
		return rc;
	}
	printf("scan: %s: %zu interfaces: %zu ok, %zu short, %zu failed; %zu samples; %.1f s\n",
	       date, total.interfaces, total.ok, total.short_days, total.failed, total.samples,
	       total.seconds);
	sb_stage_scan_counts(rec, &total);
	sb_stage_scan_counts(&scan_rec, &total);
	int scanned = sb_scan_outcome(&total);
	sb_stage_record(cli, &scan_rec, rec->started, scanned);
	int empty = scanned == SB_EXIT_EMPTY;
	if (empty)
		sb_scan_say_empty(&total, a.date, "run");

	/* the days earlier runs left in the spool (a night killed half-way, a store that was
	 * down) are stored with this one, oldest first */
	size_t ndates = 0;
	char **dates = sb_pending_dates(&cli->s, &cli->mods, &a.layers, &ndates);
	int have_today = 0;
	char left[1024] = "";
	size_t nleft = 0, used = 0;
	for (size_t i = 0; i < ndates; i++) {
		if (strcmp(dates[i], date) == 0) {
			have_today = 1;
			continue;
		}
		if (used + 16 < sizeof(left))
			used += (size_t)snprintf(left + used, sizeof(left) - used, "%s%s",
						 nleft > 0 ? ", " : "", dates[i]);
		else if (used + 5 < sizeof(left) && strcmp(left + used - 3, "...") != 0)
			used += (size_t)snprintf(left + used, sizeof(left) - used, ", ...");
		nleft++;
	}
	if (!have_today) {
		dates = sb_xrealloc(dates, (ndates + 1) * sizeof(*dates));
		dates[ndates++] = sb_xstrdup(date);
		qsort(dates, ndates, sizeof(*dates), sb_date_strcmp);
	}
	if (nleft > 0) {
		printf("run: %zu day%s left in the spool by earlier runs: %s (stored now, oldest "
		       "first)\n",
		       nleft, nleft == 1 ? "" : "s", left);
		sb_log(SB_LOG_WARNING, "run", "%zu days left in the spool by earlier runs: %s",
		       nleft, left);
	}

	/* 2. daily summaries of what the spool and the store hold, 3. raw samples, 4. summaries
	 * into the store; day by day */
	sb_store *st = NULL;
	rc = sb_cli_open_store(cli, &st);
	if (rc != SB_EXIT_OK) {
		sb_do_daily(cli, NULL, date, &a.layers); /* the summary waits in the spool */
		sb_fs_list_free(dates, ndates);
		return rc;
	}
	sb_err e2 = {0};
	size_t n = 0;
	const sb_schema **schemas = sb_layer_schemas(&cli->mods, &n);
	if (sb_store_start(st, schemas, n, &e2) != SB_OK)
		sb_log(SB_LOG_WARNING, "database", "%s", e2.msg);
	free(schemas);

	/* nights no run stored: read back from the logs, their 5-minute days stored with the
	 * others below, the older ones from MRTG's consolidations */
	char **fine = NULL;
	size_t nfine = 0;
	int missed = sb_run_missed(cli, st, &a.layers, a.date, &fine, &nfine);
	for (size_t i = 0; i < nfine; i++) {
		int known = 0;
		for (size_t k = 0; k < ndates && !known; k++)
			known = strcmp(dates[k], fine[i]) == 0;
		if (known)
			continue;
		dates = sb_xrealloc(dates, (ndates + 1) * sizeof(*dates));
		dates[ndates++] = sb_xstrdup(fine[i]);
	}
	sb_fs_list_free(fine, nfine);
	if (ndates > 1)
		qsort(dates, ndates, sizeof(*dates), sb_date_strcmp);

	int out = SB_EXIT_OK;
	for (size_t i = 0; i < ndates && out != SB_EXIT_FAIL; i++) {
		out = sb_worst(out, sb_do_daily(cli, st, dates[i], &a.layers));
		int lrc = sb_do_load_data(cli, st, dates[i], &a.layers);
		out = sb_worst(out, lrc);
		if (lrc != SB_EXIT_FAIL)
			out = sb_worst(out, sb_do_load_daily(cli, st, dates[i]));
	}
	/* the backfill files: this run's, and any an earlier one left */
	if (out != SB_EXIT_FAIL)
		out = sb_worst(out, sb_do_load_backfill(cli, st, &a.layers, "run"));
	sb_store_close(&st);
	sb_fs_list_free(dates, ndates);
	if (out != SB_EXIT_OK)
		return SB_EXIT_FAIL; /* something collected is still in the spool */
	if (empty)
		return SB_EXIT_EMPTY; /* the earlier days were stored, but this one has nothing */
	return total.failed > 0 || missed == SB_EXIT_PARTIAL ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

int sb_cmd_backfill(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"layer", required_argument, NULL, 'l'},
		{"no-progress", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	sb_stage_args a = {0};
	sb_backfill_opts o = {.progress = isatty(STDERR_FILENO), .layers = &a.layers};
	int have_to = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'f':
			if (sb_cli_parse_date(c, optarg, &o.from) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			o.has_from = 1;
			break;
		case 't':
			if (sb_cli_parse_date(c, optarg, &o.to) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			have_to = 1;
			break;
		case 'l':
			if (sb_add_layer(c, &a, optarg) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			break;
		case 'P':
			o.progress = 0;
			break;
		default:
			return sb_cli_bad_usage(c, "%s", "unknown option");
		}
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	sb_date yesterday = sb_date_add(sb_date_today(), -1);
	if (!have_to)
		o.to = yesterday;
	if (sb_date_cmp(o.to, yesterday) > 0)
		return sb_cli_bad_usage(c, "--to %s: backfill covers days before today",
					argv[optind - 1]);
	if (o.has_from && sb_date_cmp(o.from, o.to) > 0)
		return sb_cli_bad_usage(c, "%s", "--from is after --to");
	int rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	rc = sb_check_layers(cli, c, &a);
	if (rc != SB_EXIT_OK)
		return rc;
	size_t temps = sb_pending_clean_temps(cli->s.data_dir);
	if (temps > 0)
		sb_log(SB_LOG_INFO, "backfill",
		       "removed %zu temporary files left by an interrupted run", temps);
	char **fine = NULL;
	size_t nfine = 0;
	int out = sb_do_backfill(cli, &o, "backfill", &fine, &nfine);
	if (out == SB_EXIT_FAIL)
		return out;
	sb_store *st = NULL;
	if (sb_cli_open_store(cli, &st) != SB_EXIT_OK) {
		/* nothing is lost: the next run or backfill stores what the spool holds */
		for (size_t i = 0; i < nfine; i++)
			sb_do_daily(cli, NULL, fine[i], &a.layers);
		printf("backfill: the store cannot be reached: everything read stays in the spool "
		       "(scanbackup run stores it)\n");
		sb_fs_list_free(fine, nfine);
		return SB_EXIT_FAIL;
	}
	sb_err e2 = {0};
	size_t n = 0;
	const sb_schema **schemas = sb_layer_schemas(&cli->mods, &n);
	if (sb_store_start(st, schemas, n, &e2) != SB_OK)
		sb_log(SB_LOG_WARNING, "database", "%s", e2.msg);
	free(schemas);
	int stored = SB_EXIT_OK;
	for (size_t i = 0; i < nfine && stored != SB_EXIT_FAIL; i++) {
		stored = sb_worst(stored, sb_do_daily(cli, st, fine[i], &a.layers));
		int lrc = sb_do_load_data(cli, st, fine[i], &a.layers);
		stored = sb_worst(stored, lrc);
		if (lrc != SB_EXIT_FAIL)
			stored = sb_worst(stored, sb_do_load_daily(cli, st, fine[i]));
	}
	if (stored != SB_EXIT_FAIL)
		stored = sb_worst(stored, sb_do_load_backfill(cli, st, &a.layers, "backfill"));
	sb_store_close(&st);
	sb_fs_list_free(fine, nfine);
	if (stored != SB_EXIT_OK)
		return SB_EXIT_FAIL; /* something read is still in the spool */
	return out;
}
