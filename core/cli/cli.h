/* cli.h - what every command shares: settings, log, lock and modules, set up in one place. */
#ifndef SB_CLI_CLI_H
#define SB_CLI_CLI_H

#include <stdio.h>

#include "base/lock.h"
#include "base/sb.h"
#include "base/settings.h"
#include "base/timeutil.h"
#include "plugin/module.h"
#include "store/store.h"

/* Exit statuses of the scanbackup command. */
enum {
	SB_EXIT_OK = 0,
	SB_EXIT_FAIL = 1,    /* the command failed */
	SB_EXIT_USAGE = 2,   /* bad command line */
	SB_EXIT_PARTIAL = 3, /* it ran, but some interfaces failed (details in the log) */
	SB_EXIT_EMPTY = 4    /* it ran, but found nothing: no sample of the day (scan, run), or
			      * no data in a report's period (the workbook of a good run is kept) */
};

typedef struct sb_cli {
	const char *root; /* --root */
	int dev;          /* --dev */
	int yes;          /* --yes */
	sb_settings s;
	int have_settings;
	sb_lock lock;
	sb_modules mods;
	int have_mods;
	const char *cmd; /* the command's name, for the lock and the log */
} sb_cli;

/* What a command needs before it runs. */
enum {
	SB_NEED_LOCK = 1,    /* the data directory lock */
	SB_NEED_MODULES = 2, /* every module of the modules directory */
	SB_NEED_LOG = 4      /* the ScanBackup.log file (otherwise the terminal only) */
};

/* Loads settings, sets the time zone, opens the log, takes the lock and loads the modules, as
 * needs asks. Prints the error and returns non-zero on failure. */
int sb_cli_setup(sb_cli *cli, int needs);

/* Releases everything sb_cli_setup took. */
void sb_cli_teardown(sb_cli *cli);

/* Asks "question [y/N]" on the terminal; without a terminal returns 0 unless cli->yes. */
int sb_cli_confirm(const sb_cli *cli, const char *question);

typedef struct sb_command sb_command;

/* One subcommand: run gets its own descriptor (for usage messages) and argv from the command name
 * on (argv[0] is the name). Returns an SB_EXIT_ status. */
struct sb_command {
	const char *name;
	int (*run)(sb_cli *cli, const sb_command *c, int argc, char **argv);
	const char *summary; /* first line is the one-line summary */
	const char *usage;   /* options after the command name, one per line */
};

/* The command of that name, or NULL (main.c holds the table). */
const sb_command *sb_cli_find_command(const char *name);

/* Options every command understands; put SB_COMMON_OPTS first in a getopt_long table and pass
 * every option to sb_cli_common_opt first. */
#define SB_COMMON_OPTS                                                                             \
	{"root", required_argument, NULL, 'R'}, {"dev", no_argument, NULL, 'D'},                   \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

#define SB_COMMON_USAGE                                                                            \
	"  --root DIR      project root (default: $PWDSCANBACKUP, else the current directory)\n"   \
	"  --dev           read .env.development instead of .env.production / .env\n"              \
	"  --help          this help\n"

/* Prints the usage of c to f. */
void sb_cli_usage_of(const sb_command *c, FILE *f);

/* Handles a common option: 1 handled, -1 --help (usage printed: exit 0), 0 not a common one. */
int sb_cli_common_opt(sb_cli *cli, const sb_command *c, int opt);

/* Prints "scanbackup NAME: <message>" and a hint to --help; returns SB_EXIT_USAGE. */
int sb_cli_bad_usage(const sb_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses a --date argument; SB_EXIT_OK or SB_EXIT_USAGE (message printed). */
int sb_cli_parse_date(const sb_command *c, const char *arg, sb_date *out);

/* Parses "K/N" (1 <= K <= N <= 10000). SB_OK or SB_EINVAL. */
int sb_cli_parse_shard(const char *arg, unsigned *k, unsigned *n);

/* For commands with only the common options (and --yes when with_yes): SB_EXIT_OK, -1 after
 * --help, or SB_EXIT_USAGE. */
int sb_cli_simple_opts(sb_cli *cli, const sb_command *c, int argc, char **argv, int with_yes);

/* Opens the store of DATABASE_URI; logs the error and returns SB_EXIT_FAIL on failure. */
int sb_cli_open_store(sb_cli *cli, sb_store **st);

#endif
