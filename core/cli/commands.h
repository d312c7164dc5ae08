/* commands.h - the subcommands of scanbackup, one function each (the table is in main.c). */
#ifndef SB_CLI_COMMANDS_H
#define SB_CLI_COMMANDS_H

#include "cli/cli.h"

/* cmd_collect.c */
int sb_cmd_scan(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_daily(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_updater(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_database(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_run(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_backfill(sb_cli *cli, const sb_command *c, int argc, char **argv);

/* cmd_sources.c: `updater sources` (sb_cmd_updater hands over with argv[0] = "sources"). */
int sb_cmd_updater_sources(sb_cli *cli, const sb_command *c, int argc, char **argv);

/* cmd_monitor.c: the probe monitor daemon, and `updater probes` (argv[0] = "probes"). */
int sb_cmd_monitor(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_updater_probes(sb_cli *cli, const sb_command *c, int argc, char **argv);

/* cmd_serve.c: the web dashboard, and its accounts. */
int sb_cmd_serve(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_user(sb_cli *cli, const sb_command *c, int argc, char **argv);

/* cmd_alerts.c: `alerts check | list | firing | test | rules`; and the evaluation after `run`
 * (of the day it collected; nothing when no rules file exists). */
int sb_cmd_alerts(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cli_alerts_after_run(sb_cli *cli, sb_date day);
/* The alert rules beside a daemon (serve, monitor), evaluated on a thread of their own that
 * starts once the daemon runs, so that one that cannot start evaluates nothing. The three
 * functions take a sb_cli_alerts *: _start as the daemon's on_ready, _hup as its on_hup (the
 * rules read again), _stop when it has ended. */
typedef struct sb_cli_alerts {
	sb_cli *cli;
	const char *who;
	struct sb_alert_watch *watch;
} sb_cli_alerts;
void sb_cli_alerts_start(void *arg);
void sb_cli_alerts_hup(void *arg);
void sb_cli_alerts_stop(sb_cli_alerts *a);

/* cmd_admin.c */
int sb_cmd_modules(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_setup_files(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_clean_data(sb_cli *cli, const sb_command *c, int argc, char **argv);
int sb_cmd_config(sb_cli *cli, const sb_command *c, int argc, char **argv);

/* cmd_report.c: `report NAME`, and the aliases diario, semanal, quincenal, mensual (the command's
 * own name is then the report's). */
int sb_cmd_report(sb_cli *cli, const sb_command *c, int argc, char **argv);

#define SB_REPORT_USAGE                                                                            \
	"  --date D        the last day the report may cover (default: yesterday, local time)\n"   \
	"  --literal       semanal/quincenal/mensual: the 7/15/30 days ending at --date\n"         \
	"  --segunda       quincenal: the second fortnight, days 16 to the month's end\n"          \
	"                  (Data_Quincenal_Segunda_BBIP.xlsx; also --second)\n"                    \
	"  --force         with no data in the period, replace an existing file all the same\n"    \
	"  --from D --to D an explicit period instead\n"                                           \
	"  --out DIR       output folder (default: REPORTS_DIR, data/reports)\n"                   \
	"  --format F      xlsx (default), csv or json\n"                                          \
	"  --hide-monitors LIST  leave out the probe records of these monitor ids (3,7,12):\n"     \
	"                  what the dashboard passes for an account that may not see them\n"

#endif
