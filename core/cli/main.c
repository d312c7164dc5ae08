/* main.c - the scanbackup command line: one binary, one subcommand per stage. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cpu.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "net/http.h"

/* ---- the table ---- */

static const sb_command sb_commands[] = {
	{"run", sb_cmd_run,
	 "The nightly job: scan + daily + updater data + updater daily for the target day.\n"
	 "Exit 0 only when everything collected was stored; 3 when some interfaces failed to "
	 "download;\n4 when no interface had a sample of the day. run FECHA = run --date FECHA.",
	 "  --date D        the day (default: yesterday, local time)\n"
	 "  --layer L       only this layer (repeatable); --borde, --bras ... also work\n"
	 "  --shard K/N     only the interfaces whose name hashes to K of N\n"
	 "  --no-progress   no progress line even on a terminal\n"},
	{"backfill", sb_cmd_backfill,
	 "Read each interface's whole MRTG log and store the history it keeps beyond the nightly\n"
	 "job's: its days of 5-minute samples as scan does, the lines of MRTG's 30-minute, 2-hour\n"
	 "and 1-day consolidations in <LAYER>_HISTORY_30M, _2H and _1D, and the daily summary of\n"
	 "every other day from them, marked with its resolution (a finer summary is never\n"
	 "replaced). Everything goes through the spool. Exit 3 when some interfaces failed.",
	 "  --from D        the first day (default: the oldest day the logs hold)\n"
	 "  --to D          the last day, before today (default: yesterday, local time)\n"
	 "  --layer L       only this layer (repeatable)\n"
	 "  --no-progress   no progress line even on a terminal\n"},
	{"daily", sb_cmd_daily,
	 "Compute the daily summary of every interface spooled for the day into "
	 "data/SCAN/DAILY_SUMMARY/.\n"
	 "A layer whose spool was already loaded is summarised from the raw samples in the store.\n"
	 "daily FECHA [CAPA] = daily --date FECHA --layer CAPA.",
	 "  --date D        the day (default: yesterday)\n"
	 "  --layer L       only this layer (repeatable)\n"},
	{"updater", sb_cmd_updater,
	 "updater data | daily | probes | sources: load the spools into the store, or refresh the "
	 "sources files.",
	 "  data            raw samples (data/SCAN/<LAYER>/)\n"
	 "  daily           daily summaries (data/SCAN/DAILY_SUMMARY/)\n"
	 "  probes          the monitor's trace files (data/PROBES/) into PING_HISTORY,\n"
	 "                  HTTPING_HISTORY and TRACEROUTE_HISTORY\n"
	 "  sources         run the scrapers scripts/sources/<layer>.lua: sources/SCAN/<LAYER> "
	 "updated,\n"
	 "                  the old file kept in sources/BK_SCAN/ (no flag: every layer whose "
	 "URLs\n"
	 "                  are set; --mrtg-index URL --layer L [--type T]: from an MRTG index "
	 "page)\n"
	 "  --date D        only this day (default: yesterday)\n"
	 "  --force         every day found in the spool (probes: the hour in progress too)\n"
	 "  --borde --bras --caching --rai --ixp --ipbras   (data, sources) only these layers\n"},
	{"database", sb_cmd_database,
	 "database start | drop: create the missing tables/collections and indexes, or drop them "
	 "all.",
	 "  --yes           (drop) do not ask\n"},
	{"scan", sb_cmd_scan,
	 "Collect the target day (default: yesterday) of every interface of sources/SCAN/<LAYER>\n"
	 "into the spool data/SCAN/<LAYER>/<DATE>/. Exit 3 when some interfaces failed, 4 when no\n"
	 "interface had a sample of the day (outside SCAN's ~3 days of 5-minute samples?).\n"
	 "scan FECHA [CAPA], the old scanner's form, is scan --date FECHA --layer CAPA.",
	 "  --date D        the day to collect, YYYY-MM-DD (default: yesterday, local time)\n"
	 "  --layer L       only this layer (repeatable); --borde, --bras ... also work\n"
	 "  --shard K/N     only the interfaces whose name hashes to K of N (several collectors)\n"
	 "  --no-progress   no progress line even on a terminal\n"},
	{"alerts", sb_cmd_alerts,
	 "alerts check | list | firing | test | rules: the alert rules of alerts.conf "
	 "(docs/alerts.md).\n"
	 "check evaluates them now, records each change of state in ALERT_HISTORY and sends it by\n"
	 "mail and webhook (exit 3 when a rule failed or a message waits in the outbox); list\n"
	 "prints the changes, firing the alerts firing now, test sends a test message on every\n"
	 "channel, rules validates the file.",
	 "  --date D        (check) the day the day-based rules look at (default: yesterday)\n"
	 "  --no-send       (check) leave the changes in the outbox, unrecorded and unsent\n"
	 "                  until the next delivery\n"
	 "  --from D --to D (list) the period (default: the last 30 days)\n"
	 "  --rule NAME     (list) one rule's changes\n"
	 "  --state S       (list) firing or resolved only\n"
	 "  --json          (list) as a JSON array\n"},
	{"modules", sb_cmd_modules, "List the modules found: name, kind, ABI, layer, state, file.",
	 ""},
	{"setup-files", sb_cmd_setup_files,
	 "Create the data/ and sources/ folders and an empty sources file per layer module.", ""},
	{"clean-data", sb_cmd_clean_data,
	 "Delete what the spool (data/SCAN) holds that the store already has, and temporary "
	 "files; name what was never stored and keep it. Asks on a terminal; --yes otherwise.",
	 "  --yes                do not ask\n"
	 "  --discard-unstored   delete the files never stored too (their data is lost)\n"},
	{"config", sb_cmd_config,
	 "Print every setting in effect (passwords masked), or with --doc the table of every key:\n"
	 "type, default and meaning (docs/settings.md).",
	 "  --doc           the settings table as Markdown rows, not the values\n"},
	{"monitor", sb_cmd_monitor,
	 "monitor start | stop | status | run | check: the probe monitor daemon (ping, httping, "
	 "...).\n"
	 "start daemonises, run stays in the foreground (systemd), check validates monitor.json.\n"
	 "Its probe records go to data/PROBES/; `scanbackup updater probes` stores them.",
	 "  --config FILE   the config (default: MONITOR_CONFIG, else <root>/monitor.json)\n"},
	{"serve", sb_cmd_serve,
	 "The web dashboard: traffic and probe charts, remote monitors, users (docs/web-api.md).\n"
	 "Runs until SIGTERM; settings SERVE_* (listen address, TLS, threads, sessions).",
	 "  --listen A:P    address and port (default: SERVE_LISTEN, 127.0.0.1:8080; port 0: any "
	 "free)\n"
	 "  --tls-cert F    PEM certificate, with --tls-key F: HTTPS (or SERVE_TLS_CERT/KEY)\n"
	 "  --port-file F   write the port listened on to F\n"},
	{"user", sb_cmd_user,
	 "user add NAME [--role admin|viewer] | passwd NAME | del NAME | list: the dashboard's "
	 "users.",
	 "  --role R        (add) admin: manage monitors, links, tests, users; viewer (default): "
	 "read\n"
	 "  --password-stdin  read the password from standard input (else asked on the terminal)\n"
	 "  --force         (del) also the last admin\n"},
	{"report", sb_cmd_report,
	 "report NAME: run scripts/reports/NAME.lua over the store (an Excel workbook by default).",
	 SB_REPORT_USAGE
	 "  --list          the reports found, each with its one-line description\n"},
	{"diario", sb_cmd_report, "The daily report Data_Diario_BBIP.xlsx (= report diario).",
	 SB_REPORT_USAGE},
	{"semanal", sb_cmd_report, "The weekly report Data_Semanal_BBIP.xlsx (= report semanal).",
	 SB_REPORT_USAGE},
	{"quincenal", sb_cmd_report,
	 "The fortnightly report Data_Quincenal_BBIP.xlsx (= report quincenal).", SB_REPORT_USAGE},
	{"mensual", sb_cmd_report, "The monthly report Data_Mensual_BBIP.xlsx (= report mensual).",
	 SB_REPORT_USAGE},
};

const sb_command *sb_cli_find_command(const char *name)
{
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_commands); i++)
		if (strcmp(sb_commands[i].name, name) == 0)
			return &sb_commands[i];
	return NULL;
}

static void sb_usage(FILE *f)
{
	fprintf(f,
		"usage: scanbackup COMMAND [options]   (scanbackup COMMAND --help for details)\n\n"
		"commands:\n");
	for (size_t i = 0; i < SB_ARRAY_SIZE(sb_commands); i++) {
		const char *s = sb_commands[i].summary;
		fprintf(f, "  %-12s %.*s\n", sb_commands[i].name, (int)strcspn(s, "\n"), s);
	}
	fprintf(f, "\nscanbackup --version prints the version, the module ABI and the processor's\n"
		   "ways the hot paths take here.\n");
}

/* The line of --version that says which of the processor's ways the hot paths take here. */
static void sb_version_cpu(void)
{
	int ssse3 = sb_cpu_has(SB_CPU_SSSE3), clmul = sb_cpu_has(SB_CPU_PCLMUL);
	printf("processor: %s%s%s%s\n", ssse3 ? "SSSE3 (an MRTG line's digits 16 at a time)" : "",
	       ssse3 && clmul ? ", " : "", clmul ? "PCLMULQDQ (the spool's CRC-32 folded)" : "",
	       ssse3 || clmul ? "" : "the portable paths only");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		sb_usage(stderr);
		return SB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s (module ABI %d)\n", PACKAGE_STRING, SB_MODULE_ABI);
		sb_version_cpu();
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
	const sb_command *c = sb_cli_find_command(argv[first]);
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
	int rc = c->run(&cli, c, argc - first, argv + first);
	sb_cli_teardown(&cli);
	sb_http_global_cleanup();
	return rc;
}
