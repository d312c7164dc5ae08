/* cli.c - the setup every command shares: settings, time zone, log, lock, modules. */
#include "config.h"

#include "cli.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "timeutil.h"

/* The folder of the running binary when it sits in a build tree (a Makefile beside it), else
 * NULL. Caller frees. */
static char *sb_cli_build_tree(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *dir = sb_xstrdup(dirname(exe));
	char *mk = sb_fs_join(dir, "Makefile");
	int yes = sb_fs_is_file(mk);
	free(mk);
	if (!yes)
		sb_free(dir);
	return dir;
}

char *sb_cli_modules_dir(const sb_settings *s)
{
	if (s->modules_dir != NULL)
		return sb_xstrdup(s->modules_dir);
	/* Run from the build tree: its modules. */
	char *tree = sb_cli_build_tree();
	char *mods = tree != NULL ? sb_fs_join(tree, "modules") : NULL;
	free(tree);
	if (mods != NULL && sb_fs_is_dir(mods))
		return mods;
	free(mods);
	return sb_xstrdup(SB_PKGLIBDIR);
}

char *sb_cli_scripts_dir(const sb_settings *s)
{
	if (s->scripts_dir != NULL)
		return s->scripts_dir[0] == '/' ? sb_xstrdup(s->scripts_dir)
						: sb_fs_join(s->root, s->scripts_dir);
	char *own = sb_fs_join(s->root, "scripts");
	if (sb_fs_is_dir(own))
		return own;
	free(own);
	char *tree = sb_cli_build_tree();
	char *src = sb_fs_join(SB_SRCDIR, "scripts");
	int use_src = tree != NULL && sb_fs_is_dir(src);
	free(tree);
	if (use_src)
		return src;
	free(src);
	return sb_fs_join(SB_PKGDATADIR, "scripts");
}

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
	sb_time_set_zone(cli->s.timezone);
	sb_log_level level = SB_LOG_INFO;
	if (sb_log_level_parse(cli->s.log_level, &level) != SB_OK) {
		fprintf(stderr, "scanbackup: LOG_LEVEL=%s: expected error, warning, info or debug\n",
			cli->s.log_level);
		return SB_EXIT_FAIL;
	}
	if (needs & SB_NEED_LOG) {
		char *path = sb_fs_join(cli->s.data_dir, "logs/ScanBackup.log");
		if (sb_log_open(path, 1, level) != SB_OK)
			fprintf(stderr, "scanbackup: cannot open the log %s: logging to the terminal only\n",
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
		char *dir = sb_cli_modules_dir(&cli->s);
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
