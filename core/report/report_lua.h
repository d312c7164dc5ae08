/* report_lua.h - the report side of the Lua host: report periods, store queries, output files.
 *
 * The period math (docs/data.md, Periods) is plain C so it can be tested on its own; sb_lua_open_report
 * exposes it and the store to report scripts as sb.period*, sb.store.* and sb.report.* (the
 * Lua API is in docs/lua-api.md, "Reports"). */
#ifndef SB_REPORT_REPORT_LUA_H
#define SB_REPORT_REPORT_LUA_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "base/timeutil.h"

/* ---- the Lua section ---- */

/* What the `report` command hands its script, as the env's user pointer. Borrowed strings. */
typedef struct sb_report_ctx {
	const char *name;     /* the report's name: its file name without ".lua" */
	const char *format;   /* "xlsx", "csv" or "json" */
	const char *out_dir;  /* absolute output folder */
	const char *lua_path; /* prepended to package.path ("dir/?.lua;dir2/?.lua"), may be NULL */
	sb_date date;         /* the last day the report may cover */
	int literal;          /* --literal */
	int second;           /* --segunda: quincenal's second fortnight (base/period.h) */
	int force;            /* --force: a run without data replaces an existing file too */
	int have_range;       /* --from/--to given: from, to below */
	sb_date from, to;
	/* filled by the run (sb_lua_report_read) */
	size_t queries;  /* data queries the script made: sb.store.summaries, history, ... */
	size_t rows;     /* the rows (or interfaces, links) they handed it */
	int have_period; /* the period the script last took from sb.report.range: */
	sb_date period_from, period_to;
} sb_report_ctx;

/* 1 when the run of ctx made data queries and none found anything: its period has no data. */
int sb_report_ctx_empty(const sb_report_ctx *ctx);

/* Adds to the `sb` table at sb_index: sb.store (summaries, history, history_stats, layers,
 * backend; they raise an error when the env has no store), sb.period, sb.period_days,
 * sb.period_samples, sb.output_file, and, when the env's user pointer is an sb_report_ctx (it
 * must then be one), sb.report, the package.path entries of lua_path (their folders readable)
 * and out_dir as the folder the script may write (sb_lua_allow_dir). Stack effect: none. */
void sb_lua_open_report(lua_State *L, int sb_index);

/* Counts a data query of the run and the rows it handed the script (sb.store.*, sb.probes); no
 * effect outside a report run. */
void sb_lua_report_read(lua_State *L, size_t rows);

/* Asked before an output replaces path (xlsx workbooks, output files): 1 when it must not, the
 * file there being kept, because the run found no data (sb_report_ctx_empty), --force was not
 * given and path exists; path is then recorded (sb_lua_push_kept). 0 otherwise. */
int sb_lua_output_kept(lua_State *L, const char *path);

/* Pushes the array of the paths kept so far by sb_lua_output_kept. Stack effect: +1. */
void sb_lua_push_kept(lua_State *L);

/* Records path as a file the script wrote (xlsx workbooks, output files). */
void sb_lua_note_output(lua_State *L, const char *path);

/* Pushes the array of paths recorded so far (empty if none). Stack effect: +1. */
void sb_lua_push_outputs(lua_State *L);

/* What a workbook's page footer says about the run (xlsx.c): the report's name, and the period
 * the script last took from sb.report.range ("2026-11-01 a 2026-11-20", one date when both ends
 * are the same day), or --from/--to before any call. Each pushes a string, or nil outside a report
 * run or before any period is known. Stack effect: +1. */
void sb_lua_push_report_name(lua_State *L);
void sb_lua_push_report_period(lua_State *L);

#endif
