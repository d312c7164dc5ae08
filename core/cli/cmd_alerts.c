/* cmd_alerts.c - `scanbackup alerts check | list | test | rules`, and the evaluation `run` makes
 * once it has stored the night. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "base/json.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "store/alerthist.h"

/* Loads the rules file of the settings: SB_EXIT_OK, or SB_EXIT_FAIL with the message printed. */
static int sb_alerts_load(sb_cli *cli, sb_alert_rules *rules)
{
	char *path = sb_alert_rules_path(&cli->s);
	sb_err err = {0};
	int rc = sb_alert_rules_load(path, rules, &err);
	free(path);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "alerts", "%s", err.msg);
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}

static void sb_alerts_print(const char *who, const sb_alert_report *rep)
{
	printf("%s: %zu rules evaluated%s: %zu firing (%zu new, %zu resolved); %zu messages sent, "
	       "%zu changes waiting in the outbox\n",
	       who, rep->rules, rep->failed_rules ? " (some failed: see the log)" : "", rep->firing,
	       rep->fired, rep->resolved, rep->sent, rep->waiting);
}

/* The rules file read and evaluated once, its outcome printed: SB_EXIT_OK or SB_EXIT_FAIL. */
static int sb_alerts_evaluate(sb_cli *cli, const sb_alert_opts *o, sb_alert_report *rep)
{
	sb_alert_rules rules;
	if (sb_alerts_load(cli, &rules) != SB_EXIT_OK)
		return SB_EXIT_FAIL;
	sb_err err = {0};
	int rc = sb_alert_check(&cli->s, &cli->mods, &rules, o, rep, &err);
	sb_alert_rules_free(&rules);
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, o->who, "alerts: %s", err.msg);
		return SB_EXIT_FAIL;
	}
	sb_alerts_print("alerts", rep);
	return SB_EXIT_OK;
}

int sb_cli_alerts_after_run(sb_cli *cli, sb_date day)
{
	char *path = sb_alert_rules_path(&cli->s);
	int exists = access(path, F_OK) == 0;
	free(path);
	if (!exists)
		return SB_EXIT_OK;
	sb_alert_opts o = {.day = day, .deliver = 1, .who = "run"};
	sb_alert_report rep;
	return sb_alerts_evaluate(cli, &o, &rep);
}

void sb_cli_alerts_start(void *arg)
{
	sb_cli_alerts *a = arg;
	sb_err err = {0};
	if (sb_alert_watch_start(&a->cli->s, &a->cli->mods, a->who, &a->watch, &err) != SB_OK)
		sb_log(SB_LOG_ERROR, a->who, "%s", err.msg);
	sb_err_clear(&err);
}

void sb_cli_alerts_hup(void *arg)
{
	sb_alert_watch_reload(((sb_cli_alerts *)arg)->watch);
}

void sb_cli_alerts_stop(sb_cli_alerts *a)
{
	sb_alert_watch_stop(&a->watch);
}

static int sb_alerts_check(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"date", required_argument, NULL, 'd'},
		{"no-send", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	sb_alert_opts o = {.deliver = 1, .who = "alerts"};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		if (opt == 'd') {
			if (sb_cli_parse_date(c, optarg, &o.day) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
		} else if (opt == 'n') {
			o.deliver = 0;
		} else {
			return sb_cli_bad_usage(c, "%s", "unknown option");
		}
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_alert_report rep;
	if (sb_alerts_evaluate(cli, &o, &rep) != SB_EXIT_OK)
		return SB_EXIT_FAIL;
	return rep.failed_rules > 0 || rep.waiting > 0 ? SB_EXIT_PARTIAL : SB_EXIT_OK;
}

/* ---- list ---- */

typedef struct sb_alerts_out {
	int json;
	sb_json j;
	size_t n;
	const char *rule, *state;
} sb_alerts_out;

static int sb_alerts_row(void *ctx, const sb_alert_event *e)
{
	sb_alerts_out *o = ctx;
	if ((o->rule != NULL && strcmp(o->rule, e->rule) != 0) ||
	    (o->state != NULL && strcmp(o->state, e->state) != 0))
		return SB_OK;
	o->n++;
	char when[32];
	time_t t = (time_t)(e->ts / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (!o->json) {
		printf("%s  %-8s  %-8s  %-20s  %s\n", when, e->state, e->severity, e->rule,
		       e->message);
		return SB_OK;
	}
	sb_json_obj(&o->j);
	sb_json_kstr(&o->j, "time", when);
	sb_json_kint(&o->j, "ts", e->ts / 1000);
	sb_json_kstr(&o->j, "state", e->state);
	sb_json_kstr(&o->j, "rule", e->rule);
	sb_json_kstr(&o->j, "kind", e->kind);
	sb_json_kstr(&o->j, "severity", e->severity);
	sb_json_kstr(&o->j, "subject", e->subject);
	sb_json_kstr(&o->j, "message", e->message);
	sb_json_obj_end(&o->j);
	return SB_OK;
}

static int sb_alerts_list(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"rule", required_argument, NULL, 'r'},
		{"state", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	sb_alerts_out o = {0};
	sb_date from = sb_date_add(sb_date_today(), -30), to = sb_date_today();
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'f':
		case 't':
			if (sb_cli_parse_date(c, optarg, opt == 'f' ? &from : &to) != SB_EXIT_OK)
				return SB_EXIT_USAGE;
			break;
		case 'r':
			o.rule = optarg;
			break;
		case 's':
			if (strcmp(optarg, "firing") != 0 && strcmp(optarg, "resolved") != 0)
				return sb_cli_bad_usage(c,
							"--state %s: expected firing or resolved",
							optarg);
			o.state = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		default:
			return sb_cli_bad_usage(c, "%s", "unknown option");
		}
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_err err = {0};
	sb_store *st = NULL;
	rc = sb_cli_open_store(cli, &st);
	if (rc != SB_EXIT_OK)
		return rc;
	int64_t lo = 0, hi = 0, x = 0;
	sb_date_bounds(from, &lo, &x);
	sb_date_bounds(to, &x, &hi);
	if (o.json) {
		sb_json_init(&o.j, 0);
		sb_json_arr(&o.j);
	}
	rc = sb_alert_history_query(st, lo * 1000, hi * 1000, sb_alerts_row, &o, &err);
	sb_store_close(&st);
	if (rc != SB_OK) {
		if (o.json)
			sb_json_free(&o.j);
		sb_log(SB_LOG_ERROR, "alerts", "%s", err.msg);
		return SB_EXIT_FAIL;
	}
	if (o.json) {
		sb_json_arr_end(&o.j);
		size_t len = 0;
		char *text = sb_json_take(&o.j, &len);
		printf("%s\n", text != NULL ? text : "[]");
		free(text);
	} else if (o.n == 0) {
		printf("no alert changed state in that period\n");
	}
	return SB_EXIT_OK;
}

/* `alerts firing`: the alerts firing now. */
static int sb_alerts_firing_row(void *ctx, const sb_alert_firing *a)
{
	char when[32];
	time_t t = (time_t)a->since;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s  %-20s  %s\n", when, a->rule, a->message);
	(*(size_t *)ctx)++;
	return SB_OK;
}

int sb_cmd_alerts(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			sb_cli_common_opt(cli, c, 'h');
			return SB_EXIT_OK;
		}
		return sb_cli_bad_usage(c, "%s", "expected check, list, firing, test or rules");
	}
	const char *what = argv[1];
	argc--;
	argv++;
	if (strcmp(what, "check") == 0)
		return sb_alerts_check(cli, c, argc, argv);
	if (strcmp(what, "list") == 0)
		return sb_alerts_list(cli, c, argc, argv);
	if (strcmp(what, "firing") != 0 && strcmp(what, "test") != 0 && strcmp(what, "rules") != 0)
		return sb_cli_bad_usage(
			c, "unknown action '%s': expected check, list, firing, test or rules",
			what);
	int rc = sb_cli_simple_opts(cli, c, argc, argv, 0);
	if (rc != SB_EXIT_OK)
		return rc < 0 ? SB_EXIT_OK : rc;
	rc = sb_cli_setup(cli, SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	sb_err err = {0};
	if (strcmp(what, "firing") == 0) {
		size_t n = 0;
		if (sb_alert_firing_each(&cli->s, sb_alerts_firing_row, &n, &err) != SB_OK) {
			sb_log(SB_LOG_ERROR, "alerts", "%s", err.msg);
			return SB_EXIT_FAIL;
		}
		if (n == 0)
			printf("no alert is firing\n");
		return SB_EXIT_OK;
	}
	sb_alert_rules rules;
	if (sb_alerts_load(cli, &rules) != SB_EXIT_OK)
		return SB_EXIT_FAIL;
	if (strcmp(what, "rules") == 0) {
		printf("%s: %zu rules, valid\n", rules.path, rules.n);
		sb_alert_rules_free(&rules);
		return SB_EXIT_OK;
	}
	rc = sb_alert_send_test(&cli->s, &rules, &err);
	sb_alert_rules_free(&rules);
	if (rc != SB_OK)
		return SB_EXIT_FAIL;
	printf("alerts: the test message was sent\n");
	return SB_EXIT_OK;
}
