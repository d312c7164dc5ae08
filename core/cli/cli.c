/* cli.c - the setup every command shares: settings, time zone, log, lock, modules. */
#include "config.h"

#include "cli/cli.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"

static void sb_cli_module_warn(void *ctx, const char *path, int code, const char *msg)
{
	(void)ctx;
	(void)path;
	sb_log(code == SB_EABI ? SB_LOG_ERROR : SB_LOG_WARNING, "modules", "%s", msg);
}

int sb_cli_setup(sb_cli *cli, int needs)
{
	sb_err err = {0};
	if (sb_settings_load(&cli->s, cli->root, cli->dev, &err) != SB_OK) {
		fprintf(stderr, "scanbackup: %s\n", err.msg);
		sb_settings_free(&cli->s);
		return SB_EXIT_FAIL;
	}
	cli->have_settings = 1;
	for (size_t i = 0; i < cli->s.nnotes; i++)
		fprintf(stderr, "scanbackup: warning: %s\n", cli->s.notes[i]);
	sb_time_set_zone(cli->s.timezone);
	sb_log_level level = SB_LOG_INFO;
	if (sb_log_level_parse(cli->s.log_level, &level) != SB_OK) {
		fprintf(stderr,
			"scanbackup: LOG_LEVEL=%s: expected error, warning, info or debug\n",
			cli->s.log_level);
		return SB_EXIT_FAIL;
	}
	if (needs & SB_NEED_LOG) {
		char *path = sb_fs_join(cli->s.data_dir, "logs/ScanBackup.log");
		if (sb_log_open(path, 1, level) != SB_OK)
			fprintf(stderr,
				"scanbackup: cannot open the log %s: logging to the terminal "
				"only\n",
				path);
		free(path);
	}
	if (needs & SB_NEED_LOCK) {
		if (sb_lock_acquire(&cli->lock, cli->s.data_dir, cli->cmd, &err) != SB_OK) {
			sb_log(SB_LOG_ERROR, cli->cmd, "%s", err.msg);
			return SB_EXIT_FAIL;
		}
	} else {
		cli->lock.fd = -1;
	}
	if (needs & SB_NEED_MODULES) {
		char *dir = sb_settings_modules_dir(&cli->s);
		int rc = sb_modules_load(dir, &cli->mods, sb_cli_module_warn, NULL, &err);
		free(dir);
		if (rc != SB_OK) {
			sb_log(SB_LOG_ERROR, "modules", "%s", err.msg);
			return SB_EXIT_FAIL;
		}
		cli->have_mods = 1;
	}
	return SB_EXIT_OK;
}

void sb_cli_teardown(sb_cli *cli)
{
	if (cli->have_mods)
		sb_modules_free(&cli->mods);
	cli->have_mods = 0;
	sb_lock_release(&cli->lock);
	sb_log_close();
	if (cli->have_settings)
		sb_settings_free(&cli->s);
	cli->have_settings = 0;
}

int sb_cli_confirm(const sb_cli *cli, const char *question)
{
	if (cli->yes)
		return 1;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char answer[16];
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return 0;
	return strcasecmp(answer, "y\n") == 0 || strcasecmp(answer, "yes\n") == 0;
}
