/* lua_report.h - the report side of the Lua host: report periods, store queries, output files.
 *
 * The period math (DESIGN §5) is plain C so it can be tested on its own; sb_lua_open_report
 * exposes it and the store to report scripts as sb.period*, sb.store.* and sb.report.* (the
 * Lua API is in docs/lua-api.md, "Reports"). */
#ifndef SB_LUA_REPORT_H
#define SB_LUA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "timeutil.h"

/* ---- periods ---- */

/* The period a report covers. last is the last day the report may cover: yesterday when run
 * without --date (T−1 of DESIGN §5), else the --date given. name is one of:
 *   diario     last .. last
 *   semanal    the last complete Monday..Sunday week ending on or before last;
 *              literal: the 7 days ending at last
 *   quincenal  days 1..15 of last's month; literal: the 15 days ending at last
 *   mensual    day 1 of last's month .. last (run on the 1st, last is the previous month's
 *              last day: the whole previous month); literal: the 30 days ending at last
 * Returns SB_OK with *from <= *to, or SB_EINVAL for an unknown name. */
int sb_report_period(const char *name, sb_date last, int literal, sb_date *from, sb_date *to);

/* Days from..to inclusive (0 when to < from). */
long sb_report_days(sb_date from, sb_date to);

/* 5-minute samples expected from the first local midnight of from to the last of to: the sum
 * over the days of (local day length / 300 s), so 288 a normal day, 276 or 300 on DST days.
 * Uses the process time zone (sb_time_set_zone). */
int64_t sb_report_expected_samples(sb_date from, sb_date to);

/* The 1-based nearest rank of the pct-th percentile among n sorted samples: ceil(pct·n/100),
 * computed in integers (so 95 % of 20 is rank 19, not 20 from a rounding error); 0 when n is 0.
 * pct is 1..100. */
int64_t sb_report_rank(int64_t n, int pct);

/* The pct-th percentile of v[0..n) by that rank rule: the value that would sit at rank
 * sb_report_rank(n, pct) if v were sorted ascending (found by selection, O(n); v is reordered).
 * 0 when n is 0. */
int64_t sb_report_percentile(int64_t *v, size_t n, int pct);

/* ---- the Lua section ---- */

/* What the `report` command hands its script, as the env's user pointer. Borrowed strings. */
typedef struct sb_report_ctx {
	const char *name;      /* the report's name: its file name without ".lua" */
	const char *format;    /* "xlsx", "csv" or "json" */
	const char *out_dir;   /* absolute output folder */
	const char *lua_path;  /* prepended to package.path ("dir/?.lua;dir2/?.lua"), may be NULL */
	sb_date date;          /* the last day the report may cover */
	int literal;           /* --literal */
	int have_range;        /* --from/--to given: from, to below */
	sb_date from, to;
} sb_report_ctx;

/* Adds to the `sb` table at sb_index: sb.store (summaries, history, history_stats, layers,
 * backend; they raise an error when the env has no store), sb.period, sb.period_days,
 * sb.period_samples, sb.output_file, and, when the env's user pointer is an sb_report_ctx (it
 * must then be one), sb.report and the package.path entries of lua_path. Stack effect: none. */
void sb_lua_open_report(lua_State *L, int sb_index);

/* Records path as a file the script wrote (xlsx workbooks, output files). */
void sb_lua_note_output(lua_State *L, const char *path);

/* Pushes the array of paths recorded so far (empty if none). Stack effect: +1. */
void sb_lua_push_outputs(lua_State *L);

#endif
