/* cmd_serve.c - the serve command (web dashboard) and the user command (its accounts). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "serve/serve.h"
#include "serve/servedb.h"

/* A path setting: absolute, relative to the root, or def under the data folder when unset. */
static char *sb_serve_path(const sb_settings *s, const char *value, const char *def)
{
	if (value == NULL || *value == '\0')
		return sb_fs_join(s->data_dir, def);
	return value[0] == '/' ? sb_xstrdup(value) : sb_fs_join(s->root, value);
}

/* The front end's files: SERVE_WEB_DIR, else the build tree's web/dist when run from it, else
 * the installed $(pkgdatadir)/web. */
static char *sb_serve_web_dir(const sb_settings *s)
{
	if (s->serve_web_dir != NULL && *s->serve_web_dir != '\0')
		return s->serve_web_dir[0] == '/' ? sb_xstrdup(s->serve_web_dir)
						  : sb_fs_join(s->root, s->serve_web_dir);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		char *mk = sb_fs_join(dir, "Makefile");
		char *web = sb_fs_join(dir, "web/dist");
		int build_tree = sb_fs_is_file(mk);
		free(mk);
		if (build_tree)
			return web;
		free(web);
	}
	return sb_fs_join(SB_PKGDATADIR, "web");
}

int sb_cmd_serve(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"listen", required_argument, NULL, 'l'},
		{"tls-cert", required_argument, NULL, 'c'},
		{"tls-key", required_argument, NULL, 'k'},
		{"port-file", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	const char *listen = NULL, *cert = NULL, *key = NULL, *port_file = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'p':
			port_file = optarg;
			break;
		default:
			return sb_cli_bad_usage(c, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int rc = sb_cli_setup(cli, SB_NEED_MODULES | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	const sb_settings *s = &cli->s;
	char *db = sb_serve_path(s, s->serve_db, "serve.db");
	char *access = sb_serve_path(s, s->serve_access_log, "logs/access.log");
	char *web = sb_serve_web_dir(s);
	char *geoip = s->geoip_database != NULL ? sb_serve_path(s, s->geoip_database, "") : NULL;
	char *tls_cert = cert != NULL                ? sb_xstrdup(cert)
			 : s->serve_tls_cert != NULL ? sb_serve_path(s, s->serve_tls_cert, "")
						     : NULL;
	char *tls_key = key != NULL                ? sb_xstrdup(key)
			: s->serve_tls_key != NULL ? sb_serve_path(s, s->serve_tls_key, "")
						   : NULL;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	sb_serve_opts o = {
		.s = s,
		.mods = &cli->mods,
		.listen = listen != NULL ? listen : s->serve_listen,
		.tls_cert = tls_cert,
		.tls_key = tls_key,
		.web_dir = web,
		.db_path = db,
		.access_log = access,
		.exe = exe,
		.port_file = port_file,
		.threads = s->serve_threads,
		.session_hours = s->serve_session_hours,
		.session_idle = s->serve_session_idle,
		.login_max_fails = s->serve_login_max_fails,
		.login_window = s->serve_login_window,
		.public_url = s->serve_public_url,
		.stop_grace = s->serve_stop_grace,
		.max_range_days = s->serve_max_range_days,
		.cache_seconds = s->serve_cache_seconds,
		.geoip_db = geoip,
		.map_tiles = s->serve_map_tiles,
		.map_attribution = s->serve_map_attribution,
	};
	sb_err err = {0};
	long users = 0;
	sb_servedb *sdb = NULL;
	if (sb_fs_mkdirs_for(db) == SB_OK && sb_servedb_open(db, &sdb, &err) == SB_OK &&
	    sb_servedb_user_count(sdb, &users, &err) == SB_OK && users == 0)
		sb_log(SB_LOG_WARNING, "serve",
		       "no users yet: add one with `scanbackup user add NAME "
		       "--role admin`");
	sb_servedb_close(&sdb);
	sb_err_clear(&err);
	sb_cli_alerts alerts = {.cli = cli, .who = "serve"};
	o.on_ready = sb_cli_alerts_start;
	o.on_hup = sb_cli_alerts_hup;
	o.hup_arg = &alerts;
	rc = sb_serve_run(&o, &err);
	if (rc != SB_OK)
		sb_log(SB_LOG_ERROR, "serve", "%s", err.msg);
	sb_cli_alerts_stop(&alerts);
	free(db), free(access), free(web), free(tls_cert), free(tls_key), free(geoip);
	return rc == SB_OK ? SB_EXIT_OK : SB_EXIT_FAIL;
}

/* ---- user ---- */

/* Reads one line (without its newline) into buf; 0 at end of input. */
static int sb_read_line(FILE *f, char *buf, size_t size)
{
	if (fgets(buf, (int)size, f) == NULL)
		return 0;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 1;
}

/* Asks for a password on the terminal without echo. */
static int sb_ask_password(const char *prompt, char *buf, size_t size)
{
	struct termios t, quiet;
	if (tcgetattr(STDIN_FILENO, &t) != 0)
		return 0;
	quiet = t;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int ok = sb_read_line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	fprintf(stderr, "\n");
	return ok;
}

/* The new password: from stdin with --password-stdin, else asked twice on the terminal. */
static int sb_new_password(int from_stdin, char *buf, size_t size)
{
	if (from_stdin) {
		if (!sb_read_line(stdin, buf, size)) {
			fprintf(stderr, "scanbackup user: no password on standard input\n");
			return SB_EXIT_USAGE;
		}
		return SB_EXIT_OK;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "scanbackup user: no terminal to ask the password on: pass it on "
				"standard input with --password-stdin\n");
		return SB_EXIT_USAGE;
	}
	char again[1100];
	if (!sb_ask_password("New password: ", buf, size) ||
	    !sb_ask_password("Repeat it: ", again, sizeof(again)))
		return SB_EXIT_FAIL;
	int same = strcmp(buf, again) == 0;
	memset(again, 0, sizeof(again));
	if (!same) {
		fprintf(stderr, "scanbackup user: the two passwords differ\n");
		return SB_EXIT_FAIL;
	}
	return SB_EXIT_OK;
}

static int sb_user_print(void *ctx, const char *name, sb_role role, int64_t created)
{
	(void)ctx;
	char when[32] = "-";
	time_t t = (time_t)created;
	struct tm tm;
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%-24s %-7s %s\n", name, sb_role_name(role), when);
	return SB_OK;
}

int sb_cmd_user(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"role", required_argument, NULL, 'r'},
		{"password-stdin", no_argument, NULL, 'P'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *role_name = NULL;
	int from_stdin = 0, force = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'r':
			role_name = optarg;
			break;
		case 'P':
			from_stdin = 1;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return sb_cli_bad_usage(c, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return sb_cli_bad_usage(c, "%s", "add, passwd, del or list?");
	const char *verb = argv[optind++];
	const char *name = optind < argc ? argv[optind++] : NULL;
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	int list = strcmp(verb, "list") == 0;
	if (!list && strcmp(verb, "add") != 0 && strcmp(verb, "passwd") != 0 &&
	    strcmp(verb, "del") != 0)
		return sb_cli_bad_usage(c, "unknown action '%s': add, passwd, del or list", verb);
	if (!list && name == NULL)
		return sb_cli_bad_usage(c, "user %s needs a user name", verb);
	if (list && name != NULL)
		return sb_cli_bad_usage(c, "%s", "user list takes no name");
	sb_role role = SB_ROLE_VIEWER;
	if (role_name != NULL &&
	    (strcmp(verb, "add") != 0 || sb_role_parse(role_name, &role) != SB_OK))
		return sb_cli_bad_usage(c, "%s", "--role admin|viewer goes with user add");
	if (name != NULL && !sb_servedb_user_name_ok(name))
		return sb_cli_bad_usage(
			c,
			"'%s': a user name is 1 to 64 letters, digits, '.', '_', '-' "
			"or '@'",
			name);
	int rc = sb_cli_setup(cli, 0);
	if (rc != SB_EXIT_OK)
		return rc;
	char *db_path = sb_serve_path(&cli->s, cli->s.serve_db, "serve.db");
	sb_err err = {0};
	sb_servedb *db = NULL;
	if (sb_fs_mkdirs_for(db_path) != SB_OK) {
		fprintf(stderr, "scanbackup user: cannot create the folder of %s: %s\n", db_path,
			strerror(errno));
		free(db_path);
		return SB_EXIT_FAIL;
	}
	if (sb_servedb_open(db_path, &db, &err) != SB_OK) {
		fprintf(stderr, "scanbackup user: %s\n", err.msg);
		free(db_path);
		return SB_EXIT_FAIL;
	}
	char pw[1100] = "";
	rc = SB_EXIT_OK;
	if (list) {
		printf("%-24s %-7s %s\n", "NAME", "ROLE", "CREATED");
		if (sb_servedb_users(db, sb_user_print, NULL, &err) != SB_OK)
			rc = SB_EXIT_FAIL;
	} else if (strcmp(verb, "del") == 0) {
		if (sb_servedb_user_del(db, name, force, &err) != SB_OK)
			rc = SB_EXIT_FAIL;
		else
			printf("user %s deleted\n", name);
	} else {
		rc = sb_new_password(from_stdin, pw, sizeof(pw));
		if (rc == SB_EXIT_OK) {
			int r = strcmp(verb, "add") == 0
					? sb_servedb_user_add(db, name, pw, role, &err)
					: sb_servedb_user_passwd(db, name, pw, &err);
			if (r != SB_OK)
				rc = r == SB_EINVAL ? SB_EXIT_USAGE : SB_EXIT_FAIL;
			else if (strcmp(verb, "add") == 0)
				printf("user %s added (%s)\n", name, sb_role_name(role));
			else
				printf("password of %s changed; their sessions ended\n", name);
		}
	}
	memset(pw, 0, sizeof(pw));
	if (rc != SB_EXIT_OK && err.code != SB_OK)
		fprintf(stderr, "scanbackup user: %s\n", err.msg);
	sb_servedb_close(&db);
	free(db_path);
	return rc;
}
