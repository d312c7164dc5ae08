/* cli.h - what every command shares: settings, log, lock and modules, set up in one place. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include "lock.h"
#include "module.h"
#include "sb.h"
#include "settings.h"

/* Exit statuses of the scanbackup command. */
enum {
	SB_EXIT_OK = 0,
	SB_EXIT_FAIL = 1,    /* the command failed */
	SB_EXIT_USAGE = 2,   /* bad command line */
	SB_EXIT_PARTIAL = 3  /* it ran, but some interfaces failed (details in the log) */
};

typedef struct sb_cli {
	const char *root;    /* --root */
	int dev;             /* --dev */
	int yes;             /* --yes */
	sb_settings s;
	int have_settings;
	sb_lock lock;
	sb_modules mods;
	int have_mods;
	const char *cmd;     /* the command's name, for the lock and the log */
} sb_cli;

/* What a command needs before it runs. */
enum {
	SB_NEED_LOCK = 1,     /* the data directory lock */
	SB_NEED_MODULES = 2,  /* every module of the modules directory */
	SB_NEED_LOG = 4       /* the ScanBackup.log file (otherwise the terminal only) */
};

/* Loads settings, sets the time zone, opens the log, takes the lock and loads the modules, as
 * needs asks. Prints the error and returns non-zero on failure. */
int sb_cli_setup(sb_cli *cli, int needs);

/* Releases everything sb_cli_setup took. */
void sb_cli_teardown(sb_cli *cli);

/* The modules directory in use: MODULES_DIR, else the build tree's modules/ when run from it, else
 * the installed $(pkglibdir). Returned string is owned by the caller. */
char *sb_cli_modules_dir(const sb_settings *s);

/* Asks "question [y/N]" on the terminal; without a terminal returns 0 unless cli->yes. */
int sb_cli_confirm(const sb_cli *cli, const char *question);

#endif
