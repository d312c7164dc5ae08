/* xlsx_test.c - sb.xlsx: files appear only on close, failures and forgotten workbooks leave
 * nothing, objects refuse use after close, argument errors name the script line. */
#include "config.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "lua/luahost.h"
#include "report/report_lua.h"
#include "report/xlsx.h"
#include "tap.h"

static char dir[256];
static char out[300]; /* dir/out.xlsx */
static char tmp[340]; /* its temp name */

static const char *script(const char *name, const char *body)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sb_err err = {0};
	if (sb_fs_write_atomic(path, body, strlen(body), &err) != SB_OK)
		printf("# cannot write %s: %s\n", path, err.msg);
	return path;
}

/* Runs body with OUT defined as the output path; returns the host's code, err filled. */
static int run(const char *name, const char *body, sb_err *err)
{
	char *full = sb_xasprintf("local OUT = '%s'\n%s", out, body);
	const char *path = script(name, full);
	free(full);
	sb_err_clear(err);
	sb_lua_env env = {.script = path, .trusted = 1};
	const sb_lua_section sections[] = {sb_lua_open_report, sb_lua_open_xlsx};
	return sb_lua_run(&env, path, sections, 2, NULL, NULL, NULL, err);
}

/* 1 if path is a zip (an xlsx) file. */
static int is_zip(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	char sig[4] = {0};
	size_t n = fread(sig, 1, 4, f);
	fclose(f);
	return n == 4 && memcmp(sig, "PK\003\004", 4) == 0;
}

static int gone(void)
{
	return access(out, F_OK) != 0 && access(tmp, F_OK) != 0;
}

static void expect_error(const char *name, const char *body, const char *where, const char *what,
			 const char *desc)
{
	sb_err err = {0};
	int rc = run(name, body, &err);
	ok(rc == SB_ELUA && strstr(err.msg, where) != NULL && strstr(err.msg, what) != NULL, "%s",
	   desc);
	if (rc != SB_ELUA || strstr(err.msg, what) == NULL)
		printf("#   message: %s\n", err.msg);
	ok(gone(), "... and no file is left (%s)", name);
	unlink(out);
}

static const char book[] =
	"local wb = sb.xlsx.workbook(OUT, {constant_memory = true})\n"
	"local ws = wb:add_worksheet('Datos')\n"
	"local h = wb:add_format{bold = true, font_color = 0xFFFFFF, bg_color = '#16365C',\n"
	"  border = 'thin', border_color = 0, align = 'center'}\n"
	"local n = wb:add_format{num_format = '0.00', border = true}\n"
	"ws:set_column(0, 0, 40)\n"
	"ws:write_row(0, 0, {'Interfaz', 'Uso'}, h)\n"
	"ws:freeze_panes(1, 0)\n"
	"for i = 1, 20 do ws:write_row(i, 0, {'if' .. i, i * 5.5}, {nil, n}) end\n"
	"ws:write_row(21, 0, {'sin uso', nil, n = 2}, n)\n"
	"ws:conditional_format(1, 1, 21, 1, {type = 'cell', criteria = '>', value = 80,\n"
	"  format = wb:add_format{bg_color = 0xFFC7CE}})\n"
	"ws:conditional_format(1, 1, 21, 1, {type = '3_color_scale', min_color = 0x63BE7B,\n"
	"  mid_color = 0xFFEB84, max_color = 0xF8696B})\n"
	"local ch = wb:add_chart('bar')\n"
	"ch:add_series{categories = {'Datos', 1, 0, 10, 0}, values = {'Datos', 1, 1, 10, 1},\n"
	"  name = 'Uso'}\n"
	"ch:add_series{values = sb.xlsx.range('Datos', 1, 1, 5, 1)}\n"
	"ch:set_title('Top'); ch:set_legend('none'); ch:set_y_axis{name = '%'}\n"
	"ws:insert_chart(1, 4, ch, {x_scale = 1.5})\n";

static void test_write(void)
{
	sb_err err = {0};
	char *body = sb_xasprintf("%s%s", book,
				  "local p = wb:close()\n"
				  "assert(p == OUT, 'close returns the path')\n"
				  "assert(sb.xlsx.cell(0, 27) == 'AB1')\n");
	int rc = run("write.lua", body, &err);
	free(body);
	is_int(rc, SB_OK, "a workbook with formats, widths, freeze, rules and a chart is written");
	if (rc != SB_OK)
		printf("#   %s\n", err.msg);
	ok(is_zip(out), "the file is an xlsx (zip)");
	ok(access(tmp, F_OK) != 0, "no temp file remains");
	unlink(out);

	body = sb_xasprintf("%s%s", book, "error('the report failed')\n");
	expect_error("fail.lua", body, "fail.lua:22:", "the report failed",
		     "an error before close: file:line of the script");
	free(body);

	sb_err_clear(&err);
	body = sb_xasprintf("%s%s", book, "return 1\n");
	rc = run("forgot.lua", body, &err);
	free(body);
	ok(rc == SB_OK && gone(), "a workbook never closed is discarded at the end of the run");

	rc = run("scope.lua",
		 "do local wb <close> = sb.xlsx.workbook(OUT)\n"
		 "wb:add_worksheet('A'):write(0, 0, 1) end\n"
		 "collectgarbage()\nreturn 1\n",
		 &err);
	ok(rc == SB_OK && gone(), "<close> discards a workbook left open");

	rc = run("gc.lua",
		 "for i = 1, 3 do local wb = sb.xlsx.workbook(OUT)\n"
		 "wb:add_worksheet() end\ncollectgarbage()\ncollectgarbage()\n"
		 "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('S')\nwb:close()\n",
		 &err);
	ok(rc == SB_OK && is_zip(out) && access(tmp, F_OK) != 0,
	   "collected workbooks do not disturb a later one of the same path");
	unlink(out);

	rc = run(
		"print.lua",
		"local wb = sb.xlsx.workbook(OUT, {constant_memory = true})\n"
		"local ws = wb:add_worksheet('S')\n"
		"ws:set_portrait(); ws:fit_to_pages(1, 1); ws:repeat_rows(0, 1)\n"
		"ws:set_header('&CT'); ws:set_footer('&L&A&RP &P / &N'); ws:set_paper('a4')\n"
		"ws:set_margins{left = 0.5, right = 0.5}; ws:print_area(0, 0, 40, 5)\n"
		"ws:set_page_breaks{20}; ws:set_print_scale(90)\n"
		"ws:merge_range(0, 0, 0, 3, 'Título', wb:add_format{bold = true})\n"
		"ws:merge_range(1, 0, 2, 1, 42.5)\n"
		"for r = 3, 30 do ws:set_row(r, 30); ws:write(r, 0, 'x') end\n"
		"ws:autofit{min = 2, max = 30}\n"
		"assert(ws:write_title(35, 0, string.rep('M', 40)) >= 3, 'a title spans columns')\n"
		"assert(ws:write_title(36, 0, 'x') == 0, 'a short title stays in its cell')\n"
		"local w = sb.xlsx.text_width('Completitud desconocida', {bold = true})\n"
		"local n, h = sb.xlsx.text_lines('Completitud desconocida', w / 2 + 1, {bold = "
		"true})\n"
		"assert(w > 20 and w < 30 and n == 2 and h == 30, w .. ' ' .. n .. ' ' .. h)\n"
		"local ch = wb:add_chart('line')\n"
		"ch:add_series{values = {'S', 3, 1, 9, 1}, color = 0xFF0000, width = 2,\n"
		"  dash = 'dash', marker = 'circle', marker_size = 5, smooth = true}\n"
		"ch:set_category_axis{name = 'x', label_position = 'low', font_size = 8}\n"
		"ch:set_value_axis{min = 0, max = 10, major_unit = 2, crossing = 0,\n"
		"  major_gridlines = false}\n"
		"ws:insert_chart(3, 2, ch, {width = 400, height = 300})\n"
		"wb:close()\n",
		&err);
	ok(rc == SB_OK && is_zip(out), "print setup, merges, autofit, text measures, a line chart");
	if (rc != SB_OK)
		printf("#   %s\n", err.msg);
	unlink(out);

	rc = run("discard.lua",
		 "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('S')\n"
		 "wb:discard()\nwb:discard()\n",
		 &err);
	ok(rc == SB_OK && gone(), "discard drops the workbook (twice is harmless)");
}

static void test_errors(void)
{
	expect_error("after.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nlocal ws = wb:add_worksheet('S')\n"
		     "wb:discard()\nws:write(0, 0, 1)\n",
		     "after.lua:5:", "worksheet used after its workbook was closed",
		     "a worksheet refuses use after its workbook is gone");
	expect_error("closed.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('S')\nwb:close()\n"
		     "os.remove(OUT)\nwb:add_worksheet('T')\n",
		     "closed.lua:6:", "already closed", "a closed workbook refuses more sheets");
	expect_error("order.lua",
		     "local wb = sb.xlsx.workbook(OUT, {constant_memory = true})\n"
		     "local ws = wb:add_worksheet('S')\nws:write(5, 0, 1)\nws:write(2, 0, 1)\n",
		     "order.lua:5:", "rows must be written in order",
		     "constant_memory: writing an earlier row is an error that says why");
	expect_error("name.lua", "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('a/b')\n",
		     "name.lua:3:", "sheet name 'a/b'", "an invalid sheet name is named");
	expect_error("dup.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('A')\n"
		     "wb:add_worksheet('A')\n",
		     "dup.lua:4:", "sheet name 'A'", "a duplicate sheet name is refused");
	expect_error("prop.lua", "local wb = sb.xlsx.workbook(OUT)\nwb:add_format{blod = true}\n",
		     "prop.lua:3:", "unknown property \"blod\"",
		     "a misspelt format property is named");
	expect_error("color.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nwb:add_format{bg_color = 'red'}\n",
		     "color.lua:3:", "expected a colour", "a colour that is not RRGGBB is refused");
	expect_error("row.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):write(-1, 0, 1)\n",
		     "row.lua:3:", "row out of range", "a negative row is refused");
	expect_error(
		"otherfmt.lua",
		"local a = sb.xlsx.workbook(OUT)\nlocal b = sb.xlsx.workbook(OUT .. '2')\n"
		"local f = b:add_format{bold = true}\na:add_worksheet('S'):write(0, 0, 1, f)\n",
		"otherfmt.lua:5:", "format of another workbook",
		"a format of another workbook is refused");
	expect_error("chart2.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nlocal ws = wb:add_worksheet('S')\n"
		     "local ch = wb:add_chart('bar')\nch:add_series{values = {'S', 0, 0, 1, 0}}\n"
		     "ws:insert_chart(0, 2, ch)\nws:insert_chart(9, 2, ch)\n",
		     "chart2.lua:7:", "inserted only once", "a chart inserted twice is refused");
	expect_error("cf.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):conditional_format(0, 0, 9, 0, {type = 'cell'})\n",
		     "cf.lua:3:", "needs a criteria", "a cell rule without criteria is refused");
	expect_error("type.lua", "local wb = sb.xlsx.workbook(OUT)\nwb:add_chart('pie3d')\n",
		     "type.lua:3:", "unknown value \"pie3d\"",
		     "an unknown chart type lists the known ones");
	expect_error("value.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):write(0, 0, {})\n",
		     "value.lua:3:", "cannot write a table", "a table is not a cell value");

	expect_error("merge1.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):merge_range(0, 0, 0, 0, 'x')\n",
		     "merge1.lua:3:", "at least two cells",
		     "a merged range of one cell is refused");
	expect_error("mergev.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):merge_range(0, 0, 0, 3, true)\n",
		     "mergev.lua:3:", "expected a string, a number or nil",
		     "a merged range takes a string, a number or nil");
	expect_error(
		"fit.lua",
		"local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('S'):fit_to_pages(-1, 0)\n",
		"fit.lua:3:", "pages out of range", "fit_to_pages refuses a negative count");
	expect_error("footer.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):set_footer(string.rep('x', 256))\n",
		     "footer.lua:3:", "255 characters", "a footer over 255 characters is refused");
	expect_error("paper.lua",
		     "local wb = sb.xlsx.workbook(OUT)\nwb:add_worksheet('S'):set_paper('b5')\n",
		     "paper.lua:3:", "unknown value \"b5\"",
		     "an unknown paper lists the known ones");
	expect_error("breaks.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):set_page_breaks{10, 0}\n",
		     "breaks.lua:3:", "entry 2", "a page break on row 0 is refused, by position");
	expect_error("margin.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_worksheet('S'):set_margins{lef = 1}\n",
		     "margin.lua:3:", "unknown margin \"lef\"", "a misspelt margin is named");
	expect_error("axis.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_chart('bar'):set_value_axis{crossing = 'top'}\n",
		     "axis.lua:3:", "crossing: expected",
		     "an axis crossing must be min, max or a value");
	expect_error("series.lua",
		     "local wb = sb.xlsx.workbook(OUT)\n"
		     "wb:add_chart('line'):add_series{values = {'S', 0, 0, 1, 0}, colour = 1}\n",
		     "series.lua:3:", "unknown option \"colour\"",
		     "a misspelt series option is named");
	expect_error("opts.lua", "sb.xlsx.workbook(OUT, {print_default = false})\n",
		     "opts.lua:2:", "unknown option \"print_default\"",
		     "a misspelt workbook option is named");
	expect_error("tw.lua", "sb.xlsx.text_width('x', {size = 0})\n",
		     "tw.lua:2:", "size: expected 1..409", "text_width refuses a font size of 0");

	char bad[300];
	snprintf(bad, sizeof(bad), "%s/nofolder", dir);
	FILE *f = fopen(bad, "w"); /* a file where the folder should be */
	if (f != NULL)
		fclose(f);
	sb_err err = {0};
	char *body = sb_xasprintf("local wb = sb.xlsx.workbook('%s/x.xlsx')\n", bad);
	int rc = run("nodir.lua", body, &err);
	free(body);
	ok(rc == SB_ELUA && strstr(err.msg, "cannot create the folder") != NULL,
	   "an output folder that cannot be made is an error");
}

int main(void)
{
	if (!tap_tempdir(dir, sizeof(dir), "xlsx")) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(out, sizeof(out), "%s/out.xlsx", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	test_write();
	test_errors();
	if (!tap_rmtree(dir))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
