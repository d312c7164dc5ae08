/* cmd_admin.c - housekeeping commands: modules, setup-files, clean-data, config. */
#include "config.h"

#include <dirent.h>
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
#include "collect/scan.h"
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

int sb_cmd_clean_data(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	int rc = sb_cli_simple_opts(cli, c, argc, argv, 1);
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
		fprintf(stderr,
			"clean-data: nothing deleted (confirm on a terminal, or pass --yes)\n");
		free(spool);
		return SB_EXIT_FAIL;
	}
	size_t removed = 0;
	rc = sb_remove_tree(spool, &removed);
	sb_log(rc == SB_OK ? SB_LOG_INFO : SB_LOG_ERROR, "clean-data",
	       "%zu spool files deleted under %s%s", removed, spool,
	       rc == SB_OK ? "" : " (some could not be deleted)");
	free(spool);
	return rc == SB_OK ? SB_EXIT_OK : SB_EXIT_FAIL;
}

/* ---- config ---- */

int sb_cmd_config(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	int rc = sb_cli_simple_opts(cli, c, argc, argv, 0);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, 0);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_settings_dump(&cli->s, stdout);
	char *dir = sb_settings_modules_dir(&cli->s);
	printf("modules_dir_in_use=%s\ndata_dir_in_use=%s\n", dir, cli->s.data_dir);
	free(dir);
	return SB_EXIT_OK;
}
