/* xlsx.h - the `sb.xlsx` section of the Lua host: Excel workbooks over libxlsxwriter.
 *
 * A workbook is written to "<path>.tmp.<pid>" and renamed to path only by a successful
 * wb:close(), so a failed or interrupted report leaves no half-written file. A workbook that is
 * never closed (a script error, a forgotten close, `<close>` leaving scope) is discarded when it
 * is collected, its temp file removed. Worksheets, formats and charts keep their workbook alive
 * and refuse to be used after it was closed or discarded. The Lua API is in docs/lua-api.md
 * ("xlsx"). */
#ifndef SB_REPORT_XLSX_H
#define SB_REPORT_XLSX_H

#include <lua.h>

/* Adds the table `xlsx` (workbook constructor, colour helper) to the `sb` table at stack index
 * sb_index. Stack effect: none. Every successful wb:close() records its path with
 * sb_lua_note_output (lua_report.h). */
void sb_lua_open_xlsx(lua_State *L, int sb_index);

#endif
