/* cli_opts.c - option parsing and usage messages shared by every command. */
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
#include "collect/daily.h"
#include "collect/scan.h"
#include "store/store.h"

#include <stdarg.h>

void sb_cli_usage_of(const sb_command *c, FILE *f)
{
	fprintf(f, "usage: scanbackup %s [options]\n\n%s\n\noptions:\n%s" SB_COMMON_USAGE, c->name,
		c->summary, c->usage);
}

/* Handles a common option; returns 1 if handled, -1 on --help (usage printed), 0 otherwise. */
int sb_cli_common_opt(sb_cli *cli, const sb_command *c, int opt)
{
	switch (opt) {
	case 'R':
		cli->root = optarg;
		return 1;
	case 'D':
		cli->dev = 1;
		return 1;
	case 'h':
		sb_cli_usage_of(c, stdout);
		return -1;
	default:
		return 0;
	}
}

int sb_cli_bad_usage(const sb_command *c, const char *fmt, ...)
{
	fprintf(stderr, "scanbackup %s: ", c->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see scanbackup %s --help)\n", c->name);
	return SB_EXIT_USAGE;
}

int sb_cli_parse_date(const sb_command *c, const char *arg, sb_date *out)
{
	if (sb_date_parse(arg, out) != SB_OK)
		return sb_cli_bad_usage(c, "--date %s: expected a date YYYY-MM-DD", arg);
	return SB_EXIT_OK;
}

int sb_cli_parse_shard(const char *arg, unsigned *k, unsigned *n)
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

int sb_cli_simple_opts(sb_cli *cli, const sb_command *c, int argc, char **argv, int with_yes)
{
	static const struct option opts[] = {SB_COMMON_OPTS,
					     {"yes", no_argument, NULL, 'y'},
					     {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return -1;
		if (common > 0)
			continue;
		if (opt == 'y' && with_yes) {
			cli->yes = 1;
			continue;
		}
		return sb_cli_bad_usage(c, "%s", "unknown option");
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	return SB_EXIT_OK;
}

int sb_cli_open_store(sb_cli *cli, sb_store **st)
{
	sb_store_opts o = {.write_concern = cli->s.mongo_write_concern,
			   .timeout_ms = cli->s.db_timeout * 1000};
	sb_err err = {0};
	if (sb_store_open(cli->s.database_uri, &o, st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "store",
		       "%s (nothing stored: the spool is kept for the next run)", err.msg);
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}
