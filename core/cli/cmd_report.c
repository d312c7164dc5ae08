/* cmd_report.c - the report command: runs scripts/reports/<NAME>.lua over the store. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/period.h"
#include "base/stats.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lua/luahost.h"
#include "report/probes_lua.h"
#include "report/registry.h"
#include "report/report_lua.h"
#include "report/xlsx.h"
#include "store/store.h"

/* A path from a setting: absolute, or relative to the project root. */
static char *sb_report_rooted(const sb_settings *s, const char *p)
{
	return p[0] == '/' ? sb_xstrdup(p) : sb_fs_join(s->root, p);
}

/* --list: every folder with its reports and their titles (registry.h). */
static int sb_report_print_list(const sb_report_dirs *d)
{
	sb_report_entry *v = NULL;
	size_t n = 0;
	sb_report_list(d, &v, &n);
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		printf("reports in %s%s:\n", d->dir[i],
		       d->dir[i] == d->builtin ? "" : " (REPORTS_SCRIPTS)");
		size_t here = 0;
		for (; k < n && v[k].dir == i; k++, here++)
			printf("  %-14s %s%s\n", v[k].name, v[k].title,
			       v[k].hidden ? " (hidden by the one above)" : "");
		if (here == 0)
			printf("  (none)\n");
	}
	sb_report_list_free(&v, n);
	return n > 0 ? SB_EXIT_OK : SB_EXIT_FAIL;
}

/* collect: every file the script wrote, and every one it left as it was (a run without data),
 * printed once it has finished. */
typedef struct sb_report_run {
	const char *name;
	const sb_report_ctx *ctx;
	size_t outputs;
} sb_report_run;

/* "from 2026-11-01 to 2026-11-15" (or "for 2026-11-20") of the run's period; "" if none known. */
static void sb_report_span(const sb_report_ctx *c, char *out, size_t size)
{
	out[0] = '\0';
	if (!c->have_period)
		return;
	char a[11], b[11];
	sb_date_format(c->period_from, a);
	sb_date_format(c->period_to, b);
	if (strcmp(a, b) == 0)
		snprintf(out, size, " for %s", a);
	else
		snprintf(out, size, " from %s to %s", a, b);
}

static int sb_report_collect(lua_State *L, void *ctx, sb_err *err)
{
	sb_report_run *r = ctx;
	int empty = sb_report_ctx_empty(r->ctx);
	char span[48];
	sb_report_span(r->ctx, span, sizeof(span));
	sb_lua_push_outputs(L);
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		printf("report %s: wrote %s%s%s%s\n", r->name, lua_tostring(L, -1),
		       empty ? " (empty: no data" : "", empty ? span : "", empty ? ")" : "");
		sb_log(SB_LOG_INFO, "report", "%s: wrote %s%s", r->name, lua_tostring(L, -1),
		       empty ? " (empty)" : "");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	sb_lua_push_kept(L);
	lua_Integer nkept = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= nkept; i++) {
		lua_rawgeti(L, -1, i);
		printf("report %s: no data%s: kept %s as it was (--force replaces it with an empty "
		       "one)\n",
		       r->name, span, lua_tostring(L, -1));
		/* a fact of this run; the warning that there was no data comes once, at the end */
		sb_log(SB_LOG_INFO, "report", "%s: no data%s: kept %s as it was", r->name, span,
		       lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->outputs = (size_t)(n + nkept);
	if (n + nkept == 0)
		return sb_err_set(err, SB_ELUA,
				  "%s.lua finished without writing a file "
				  "(a workbook not closed with wb:close()?)",
				  r->name);
	return SB_OK;
}

typedef struct sb_report_opts {
	const char *name;
	sb_report_ctx ctx;
	int have_date, have_from, have_to, list;
	const char *out;
	int64_t hidden[256]; /* --hide-monitors, sorted */
	size_t nhidden;
} sb_report_opts;

static int sb_id_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* --hide-monitors 3,7,12: the monitors whose probe records the report leaves out (the dashboard
 * passes those its account may not see). SB_OK, or SB_EINVAL for anything but ids. */
static int sb_report_hidden(const char *list, sb_report_opts *o)
{
	const char *p = list;
	while (*p != '\0') {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno != 0 || v < 0 || (*end != ',' && *end != '\0') ||
		    o->nhidden == SB_ARRAY_SIZE(o->hidden))
			return SB_EINVAL;
		o->hidden[o->nhidden++] = (int64_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	qsort(o->hidden, o->nhidden, sizeof(*o->hidden), sb_id_cmp);
	return SB_OK;
}

static int sb_report_parse(sb_cli *cli, const sb_command *c, int argc, char **argv,
			   sb_report_opts *o)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"date", required_argument, NULL, 'd'},
		{"literal", no_argument, NULL, 'L'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'F'},
		{"list", no_argument, NULL, 'l'},
		{"force", no_argument, NULL, 'r'},
		{"segunda", no_argument, NULL, 'S'},
		{"second", no_argument, NULL, 'S'},
		{"hide-monitors", required_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	int alias = strcmp(c->name, "report") != 0;
	o->ctx.format = "xlsx";
	o->name = alias ? c->name : NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return -1;
		if (common > 0)
			continue;
		switch (opt) {
		case 'd':
			if (sb_cli_parse_date(c, optarg, &o->ctx.date) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			o->have_date = 1;
			break;
		case 'L':
			o->ctx.literal = 1;
			break;
		case 'f':
		case 't':
			if (sb_date_parse(optarg, opt == 'f' ? &o->ctx.from : &o->ctx.to) != SB_OK)
				return sb_cli_bad_usage(c, "--%s %s: expected a date YYYY-MM-DD",
							opt == 'f' ? "from" : "to", optarg);
			*(opt == 'f' ? &o->have_from : &o->have_to) = 1;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "xlsx") != 0 && strcmp(optarg, "csv") != 0 &&
			    strcmp(optarg, "json") != 0)
				return sb_cli_bad_usage(c,
							"--format %s: expected xlsx, csv or json",
							optarg);
			o->ctx.format = optarg;
			break;
		case 'l':
			o->list = 1;
			break;
		case 'r':
			o->ctx.force = 1;
			break;
		case 'S':
			o->ctx.second = 1;
			break;
		case 'H':
			if (sb_report_hidden(optarg, o) != SB_OK)
				return sb_cli_bad_usage(
					c,
					"--hide-monitors %s: expected monitor ids separated by "
					"commas (at most 256)",
					optarg);
			break;
		default:
			return sb_cli_bad_usage(c, "unknown option %s", argv[optind - 1]);
		}
	}
	if (!alias && !o->list) {
		if (optind >= argc)
			return sb_cli_bad_usage(c, "%s",
						"which report? (scanbackup report --list)");
		o->name = argv[optind++];
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	sb_err err = {0};
	if (o->name != NULL && sb_report_name_check(o->name, &err) != SB_OK)
		return sb_cli_bad_usage(c, "%s", err.msg);
	if (o->have_from != o->have_to)
		return sb_cli_bad_usage(c, "%s", "--from and --to go together");
	if (o->have_from && (o->have_date || o->ctx.literal))
		return sb_cli_bad_usage(c, "%s", "--from/--to exclude --date and --literal");
	if (o->have_from && sb_date_cmp(o->ctx.from, o->ctx.to) > 0)
		return sb_cli_bad_usage(c, "%s", "--from is after --to");
	if (o->have_from && sb_period_days(o->ctx.from, o->ctx.to) > 3660)
		return sb_cli_bad_usage(c, "%s", "--from/--to: at most 3660 days");
	if (o->ctx.second && (o->have_from || o->ctx.literal))
		return sb_cli_bad_usage(
			c, "%s",
			"--segunda is a fortnight of its own: not with --literal or "
			"--from/--to");
	sb_date f, t, any = {2026, 1, 1};
	if (o->ctx.second && o->name != NULL && sb_period_of(o->name, any, 0, &f, &t) == SB_OK &&
	    sb_period_of(o->name, any, SB_PERIOD_SECOND, &f, &t) != SB_OK)
		return sb_cli_bad_usage(c, "--segunda: %s has no second fortnight (quincenal has)",
					o->name);
	o->ctx.have_range = o->have_from;
	return SB_EXIT_OK;
}

/* REPORT_TIMEOUT on the command line: the Lua run stops itself at the limit (luahost's count
 * hook); a script blocked outside Lua gets SIGALRM a second later, which interrupts the system
 * call it waits in and ends the run the same way; if even that does not end it, the process
 * exits SB_REPORT_KILL_GRACE seconds later. */
#define SB_REPORT_KILL_GRACE 10

static volatile sig_atomic_t sb_report_alarms;
static char sb_report_alarm_msg[200];
static size_t sb_report_alarm_len;

static void sb_report_on_alarm(int sig)
{
	(void)sig;
	if (sb_report_alarms++ == 0) {
		sb_lua_interrupt();
		alarm(SB_REPORT_KILL_GRACE);
		return;
	}
	ssize_t w = write(STDERR_FILENO, sb_report_alarm_msg, sb_report_alarm_len);
	(void)w;
	_exit(SB_EXIT_FAIL);
}

static void sb_report_limit(const char *name, long seconds)
{
	int n = snprintf(sb_report_alarm_msg, sizeof(sb_report_alarm_msg),
			 "scanbackup report %s: killed: it ran %ld s past REPORT_TIMEOUT (%ld s) "
			 "outside Lua\n",
			 name, (long)SB_REPORT_KILL_GRACE + 1, seconds);
	sb_report_alarm_len = n > 0 && (size_t)n < sizeof(sb_report_alarm_msg)
				      ? (size_t)n
				      : sizeof(sb_report_alarm_msg) - 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sb_report_on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the blocked call returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)seconds + 1);
}

int sb_cmd_report(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	sb_report_opts o = {0};
	int rc = sb_report_parse(cli, c, argc, argv, &o);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, o.list ? 0 : SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_report_dirs dirs;
	sb_report_dirs_of(&cli->s, &dirs);
	if (o.list) {
		rc = sb_report_print_list(&dirs);
		sb_report_dirs_free(&dirs);
		return rc;
	}
	char *script = NULL;
	sb_err ferr = {0};
	if (sb_report_find(&dirs, o.name, &script, &ferr) != SB_OK) {
		sb_log(SB_LOG_ERROR, "report",
		       "%s: no %s.lua in %s%s%s (scanbackup report --list shows them)", ferr.msg,
		       o.name, dirs.dir[0], dirs.n > 1 ? " or " : "",
		       dirs.n > 1 ? dirs.dir[1] : "");
		sb_report_dirs_free(&dirs);
		return SB_EXIT_FAIL;
	}
	if (!o.have_date)
		o.ctx.date = sb_date_add(sb_date_today(), -1);
	char *out_dir;
	if (o.out != NULL && o.out[0] != '/') {
		char cwd[4096];
		out_dir = getcwd(cwd, sizeof(cwd)) != NULL ? sb_fs_join(cwd, o.out)
							   : sb_xstrdup(o.out);
	} else {
		out_dir = o.out != NULL ? sb_xstrdup(o.out)
					: sb_report_rooted(&cli->s, cli->s.reports_dir);
	}
	char *lua_path = sb_xasprintf("%s/?.lua;%s/lib/?.lua", dirs.builtin, dirs.builtin);
	o.ctx.name = o.name;
	o.ctx.out_dir = out_dir;
	o.ctx.lua_path = lua_path;

	sb_store *st = NULL;
	sb_store_opts so = {.write_concern = cli->s.mongo_write_concern,
			    .timeout_ms = cli->s.db_timeout * 1000};
	sb_err err = {0};
	if (sb_store_open(cli->s.database_uri, &so, &st, &err) != SB_OK) {
		sb_log(SB_LOG_ERROR, "report", "report %s failed: %s", o.name, err.msg);
		rc = SB_EXIT_FAIL;
	} else {
		sb_lua_env env = {.s = &cli->s,
				  .store = st,
				  .mods = &cli->mods,
				  .script = script,
				  .user = &o.ctx,
				  .timeout = (double)cli->s.report_timeout,
				  .timeout_name = "REPORT_TIMEOUT",
				  .hidden_monitors = o.hidden,
				  .nhidden_monitors = o.nhidden};
		sb_report_limit(o.name, cli->s.report_timeout);
		static const sb_lua_section sections[] = {sb_lua_open_report, sb_lua_open_xlsx,
							  sb_lua_open_probes};
		sb_report_run run = {.name = o.name, .ctx = &o.ctx};
		double t0 = sb_time_mono();
		if (sb_lua_run(&env, script, sections, SB_ARRAY_SIZE(sections), NULL,
			       sb_report_collect, &run, &err) != SB_OK) {
			/* the script's traceback first (for its author), then one line with the
			 * cause, last, which is what the dashboard shows */
			const char *tb = strstr(err.msg, "\nstack traceback:");
			if (tb != NULL)
				sb_log(SB_LOG_INFO, "report", "%s: %s", o.name, tb + 1);
			sb_log(SB_LOG_ERROR, "report", "report %s failed: %.*s", o.name,
			       (int)strcspn(err.msg, "\n"), err.msg);
			rc = SB_EXIT_FAIL;
		} else {
			sb_log(SB_LOG_INFO, "report", "%s: done in %.2f s (%s)", o.name,
			       sb_time_mono() - t0, sb_store_backend(st));
			if (sb_report_ctx_empty(&o.ctx)) {
				/* last in the output: what the dashboard says of this run */
				fflush(stdout);
				char span[48];
				sb_report_span(&o.ctx, span, sizeof(span));
				sb_log(SB_LOG_WARNING, "report",
				       "report %s: no data%s in the store", o.name, span);
				rc = SB_EXIT_EMPTY;
			}
		}
		alarm(0);
		sb_store_close(&st);
	}
	free(lua_path);
	free(out_dir);
	free(script);
	sb_report_dirs_free(&dirs);
	return rc;
}
