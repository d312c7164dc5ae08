/* cmd_sources.c - updater sources: runs the Lua scrapers of scripts/sources/, one layer each. */
#include "config.h"

#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lua/luahost.h"
#include "scraper/scraper.h"

#define SB_SOURCES_MAX_SCRIPTS 32

/* What a scraper script returned (see docs/lua-api.md, "The scraper scripts' result"). */
typedef struct sb_sources_report {
	char layer[64];
	char skipped[512]; /* why nothing was done ("" when it ran) */
	long found, added, removed, zero;
	int changed;
	char *removed_list; /* one "NAME (TYPE)" a line, or NULL */
	char *zero_list;
} sb_sources_report;

/* Reads integer field key of the table at index t (0 when absent). */
static int sb_report_count(lua_State *L, int t, const char *key, long *out, sb_err *err)
{
	int type = lua_getfield(L, t, key);
	int isint = 0;
	lua_Integer v = lua_tointegerx(L, -1, &isint);
	lua_pop(L, 1);
	if (type == LUA_TNIL) {
		*out = 0;
		return SB_OK;
	}
	if (!isint || v < 0)
		return sb_err_set(err, SB_EINVAL,
				  "the script's result: %s must be a whole number >= 0", key);
	*out = (long)v;
	return SB_OK;
}

/* Joins the strings of list field key of the table at t into a new string, one a line. */
static char *sb_report_list(lua_State *L, int t, const char *key)
{
	char *out = NULL;
	size_t len = 0;
	if (lua_getfield(L, t, key) == LUA_TTABLE) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, -1, i);
			const char *s = lua_tostring(L, -1);
			if (s != NULL) {
				size_t sl = strlen(s);
				out = sb_xrealloc(out, len + sl + 2);
				memcpy(out + len, s, sl);
				len += sl;
				out[len++] = '\n';
				out[len] = '\0';
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return out;
}

/* collect: the script's first result must be the report table. */
static int sb_sources_collect(lua_State *L, void *ctx, sb_err *err)
{
	sb_sources_report *r = ctx;
	if (lua_type(L, 1) != LUA_TTABLE)
		return sb_err_set(err, SB_EINVAL,
				  "the script must return its report table "
				  "{layer = ..., found = ..., ...}, it returned %s",
				  luaL_typename(L, 1));
	if (lua_getfield(L, 1, "layer") != LUA_TSTRING)
		return sb_err_set(err, SB_EINVAL, "the script's result: layer must be a string");
	snprintf(r->layer, sizeof(r->layer), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "skipped") == LUA_TSTRING)
		snprintf(r->skipped, sizeof(r->skipped), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, 1, "changed");
	r->changed = lua_toboolean(L, -1);
	lua_pop(L, 1);
	int rc = sb_report_count(L, 1, "found", &r->found, err);
	if (rc == SB_OK)
		rc = sb_report_count(L, 1, "added", &r->added, err);
	if (rc == SB_OK)
		rc = sb_report_count(L, 1, "removed", &r->removed, err);
	if (rc == SB_OK)
		rc = sb_report_count(L, 1, "zero", &r->zero, err);
	if (rc != SB_OK)
		return rc;
	r->removed_list = sb_report_list(L, 1, "removed_list");
	r->zero_list = sb_report_list(L, 1, "zero_list");
	return SB_OK;
}

/* Prints each line of list with a prefix. */
static void sb_print_list(const char *prefix, const char *list)
{
	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "\n");
		printf("  %s: %.*s\n", prefix, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* How one script ended. */
enum { SB_SOURCES_DONE, SB_SOURCES_FAILED, SB_SOURCES_SKIPPED };

/* Runs one scraper script and prints its report. A script skipped (none of its URLs set) though
 * asked for by name counts as failed. */
static int sb_sources_run_one(sb_cli *cli, const char *path, const char *const *args, int named,
			      const char *layer)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	sb_lua_env env = {.s = &cli->s, .script = path};
	const sb_lua_section sections[] = {sb_lua_open_web};
	sb_sources_report r = {0};
	sb_err err = {0};
	int rc = sb_lua_run(&env, path, sections, SB_ARRAY_SIZE(sections), args, sb_sources_collect,
			    &r, &err);
	int status = SB_SOURCES_DONE;
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "sources", "%s: %s", base, err.msg);
		printf("%s: FAILED (%.*s); sources/SCAN/%s is left as it was\n", layer,
		       (int)strcspn(err.msg, "\n"), err.msg, layer);
		status = SB_SOURCES_FAILED;
	} else if (r.skipped[0] != '\0') {
		printf("%s: skipped: %s\n", r.layer, r.skipped);
		status = SB_SOURCES_SKIPPED;
		if (named) {
			sb_log(SB_LOG_ERROR, "sources", "%s: asked for, but %s", r.layer,
			       r.skipped);
			status = SB_SOURCES_FAILED;
		}
	} else {
		sb_log(SB_LOG_INFO, "sources",
		       "%s: %ld found, %ld added, %ld removed, %ld with capacity 0%s", r.layer,
		       r.found, r.added, r.removed, r.zero,
		       r.changed ? "; file updated" : "; file unchanged");
		printf("%s: %ld found, %ld added, %ld removed, %ld with capacity 0 "
		       "(sources/SCAN/%s %s)\n",
		       r.layer, r.found, r.added, r.removed, r.zero, r.layer,
		       r.changed ? "updated; the old file is in sources/BK_SCAN/" : "unchanged");
		sb_print_list("removed", r.removed_list);
		sb_print_list("capacity 0", r.zero_list);
		printf("  review sources/SCAN/%s before the next run\n", r.layer);
	}
	free(r.removed_list);
	free(r.zero_list);
	return status;
}

/* A layer script's file name: *.lua but mrtg-index.lua. */
static int sb_sources_is_script(const char *name)
{
	size_t len = strlen(name);
	return len > 4 && strcmp(name + len - 4, ".lua") == 0 &&
	       strcmp(name, "mrtg-index.lua") != 0;
}

/* The paths of the layer scripts of dir (regular files, hidden ones too), sorted, at most max.
 * Returns how many. */
static size_t sb_sources_scripts(const char *dir, char **out, size_t max)
{
	const sb_fs_filter scripts = {.hidden = 1,
				      .type = SB_FS_FILE,
				      .keep = sb_sources_is_script};
	char **names = NULL;
	size_t n = 0;
	sb_fs_list_filter(dir, &scripts, &names, &n, NULL);
	size_t k = 0;
	for (; k < n && k < max; k++)
		out[k] = sb_fs_join(dir, names[k]);
	sb_fs_list_free(names, n);
	return k;
}

int sb_cmd_updater_sources(sb_cli *cli, const sb_command *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SB_COMMON_OPTS,
		{"mrtg-index", required_argument, NULL, 'm'},
		{"layer", required_argument, NULL, 'l'},
		{"type", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *layers[SB_SOURCES_MAX_SCRIPTS];
	size_t nlayers = 0;
	const char *index_url = NULL, *index_layer = NULL, *index_type = NULL;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int common = sb_cli_common_opt(cli, c, opt);
		if (common < 0)
			return SB_EXIT_OK;
		if (common > 0)
			continue;
		switch (opt) {
		case 'm':
			index_url = optarg;
			break;
		case 'l':
			index_layer = optarg;
			break;
		case 't':
			index_type = optarg;
			break;
		default: {
			const char *arg = argv[optind - 1];
			if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL ||
			    arg[2] == '\0' ||
			    strspn(arg + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"
					    "23456789_") != strlen(arg + 2))
				return sb_cli_bad_usage(c, "unknown option %s", arg);
			if (nlayers == SB_SOURCES_MAX_SCRIPTS)
				return sb_cli_bad_usage(c, "too many layers");
			layers[nlayers++] = arg + 2;
		}
		}
	}
	opterr = 1;
	if (optind < argc)
		return sb_cli_bad_usage(c, "unexpected argument %s", argv[optind]);
	if (index_url != NULL && (index_layer == NULL || nlayers > 0))
		return sb_cli_bad_usage(c, "%s",
					"--mrtg-index URL needs --layer NAME and no layer flags");
	if (index_url == NULL && (index_layer != NULL || index_type != NULL))
		return sb_cli_bad_usage(c, "%s", "--layer and --type go with --mrtg-index URL");

	int rc = sb_cli_setup(cli, SB_NEED_LOCK | SB_NEED_LOG);
	if (rc != SB_EXIT_OK)
		return rc;
	char *scripts = sb_settings_scripts_dir(&cli->s);
	char *dir = sb_fs_join(scripts, "sources");
	free(scripts);
	char *paths[SB_SOURCES_MAX_SCRIPTS];
	size_t n = 0;
	rc = SB_EXIT_OK;
	if (index_url != NULL) {
		paths[n++] = sb_fs_join(dir, "mrtg-index.lua");
	} else if (nlayers > 0) {
		for (size_t i = 0; i < nlayers; i++) {
			char *file = sb_xasprintf("%s.lua", layers[i]);
			for (char *p = file; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			paths[n++] = sb_fs_join(dir, file);
			free(file);
		}
	} else {
		n = sb_sources_scripts(dir, paths, SB_ARRAY_SIZE(paths));
		if (n == 0) {
			sb_log(SB_LOG_ERROR, "sources", "no scraper scripts (*.lua) in %s", dir);
			rc = SB_EXIT_FAIL;
		}
	}
	for (size_t i = 0; i < n && rc == SB_EXIT_OK; i++) {
		if (!sb_fs_is_file(paths[i])) {
			sb_log(SB_LOG_ERROR, "sources",
			       "no scraper script %s (the layer flags name scripts "
			       "of %s)",
			       paths[i], dir);
			rc = SB_EXIT_FAIL;
		}
	}
	if (rc == SB_EXIT_OK) {
		/* mrtg-index.lua gets URL, LAYER [, TYPE] as arg[1..3] */
		const char *args[] = {index_url, index_layer, index_type, NULL};
		int named = index_url != NULL || nlayers > 0;
		size_t done = 0, failed = 0;
		for (size_t i = 0; i < n; i++) {
			/* the layer a script writes, for messages when it fails before saying so */
			const char *base = strrchr(paths[i], '/') + 1;
			char layer[64];
			if (index_url != NULL)
				snprintf(layer, sizeof(layer), "%s", index_layer);
			else
				snprintf(layer, sizeof(layer), "%.*s", (int)strcspn(base, "."),
					 base);
			for (char *p = layer; *p != '\0'; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
			int status =
				sb_sources_run_one(cli, paths[i], index_url != NULL ? args : NULL,
						   named, layer);
			done += status == SB_SOURCES_DONE;
			failed += status == SB_SOURCES_FAILED;
		}
		if (failed > 0) {
			rc = SB_EXIT_FAIL;
		} else if (done == 0) {
			sb_log(SB_LOG_ERROR, "sources",
			       "nothing refreshed: no layer has its "
			       "SCAN_URL_<LAYER>_<VENDOR> set (see scanbackup config)");
			rc = SB_EXIT_FAIL;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(dir);
	return rc;
}
