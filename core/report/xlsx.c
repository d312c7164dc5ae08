/* xlsx.c - the `sb.xlsx` Lua library: workbooks, worksheets, formats and charts. */
#include "config.h"

#include "report/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <xlsxwriter.h>

#include "base/fsutil.h"
#include "base/sb.h"
#include "report/report_lua.h"

#define SB_XLSX_BOOK "sb.xlsx.workbook"
#define SB_XLSX_SHEET "sb.xlsx.worksheet"
#define SB_XLSX_FORMAT "sb.xlsx.format"
#define SB_XLSX_CHART "sb.xlsx.chart"

/* A workbook being written. wb is NULL once it was closed or discarded. */
typedef struct sb_xlsx_book {
	lxw_workbook *wb;
	char *path; /* where wb:close() puts it */
	char *tmp;  /* where libxlsxwriter writes it */
	int constant_memory;
	int closed; /* 1 after a successful close (for messages) */
} sb_xlsx_book;

/* A worksheet, format or chart; its workbook's userdata is its user value 1, so the book
 * outlives every object that points into it. */
typedef struct sb_xlsx_obj {
	void *p;
	sb_xlsx_book *book;
} sb_xlsx_obj;

/* ---- helpers ---- */

/* Frees what the book owns; the temp file goes too unless it was renamed. */
static void sb_xlsx_discard(sb_xlsx_book *b)
{
	if (b->wb != NULL) {
		lxw_workbook_free(b->wb);
		b->wb = NULL;
	}
	if (b->tmp != NULL) {
		unlink(b->tmp);
		sb_free(b->tmp);
	}
	sb_free(b->path);
}

/* fsync tmp, rename it to path, fsync the folder. Returns 0, or -1 with msg filled. */
static int sb_xlsx_commit(const char *tmp, const char *path, char *msg, size_t len)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(msg, len, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(msg, len, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		return -1;
	}
	char *copy = sb_xstrdup(path);
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static sb_xlsx_book *sb_xlsx_check_book(lua_State *L, int idx)
{
	sb_xlsx_book *b = luaL_checkudata(L, idx, SB_XLSX_BOOK);
	if (b->wb == NULL)
		luaL_error(L, "workbook %s was already %s", b->path != NULL ? b->path : "",
			   b->closed ? "closed" : "discarded");
	return b;
}

/* An object of metatable tname whose workbook is still open. */
static sb_xlsx_obj *sb_xlsx_check_obj(lua_State *L, int idx, const char *tname, const char *what)
{
	sb_xlsx_obj *o = luaL_checkudata(L, idx, tname);
	if (o->book->wb == NULL)
		luaL_error(L, "%s used after its workbook was closed or discarded", what);
	return o;
}

/* A pushed object sharing book (at stack index book_idx). */
static sb_xlsx_obj *sb_xlsx_push_obj(lua_State *L, int book_idx, const char *tname, void *p)
{
	book_idx = lua_absindex(L, book_idx);
	sb_xlsx_obj *o = lua_newuserdatauv(L, sizeof(*o), 1);
	o->p = p;
	o->book = lua_touserdata(L, book_idx);
	luaL_setmetatable(L, tname);
	lua_pushvalue(L, book_idx);
	lua_setiuservalue(L, -2, 1);
	return o;
}

static lxw_row_t sb_xlsx_row(lua_State *L, int idx)
{
	lua_Integer r = luaL_checkinteger(L, idx);
	luaL_argcheck(L, r >= 0 && r < LXW_ROW_MAX, idx, "row out of range 0..1048575");
	return (lxw_row_t)r;
}

static lxw_col_t sb_xlsx_col(lua_State *L, int idx)
{
	lua_Integer c = luaL_checkinteger(L, idx);
	luaL_argcheck(L, c >= 0 && c < LXW_COL_MAX, idx, "column out of range 0..16383");
	return (lxw_col_t)c;
}

/* The format at idx (nil or none: NULL); it must belong to book. */
static lxw_format *sb_xlsx_opt_format(lua_State *L, int idx, const sb_xlsx_book *book)
{
	if (lua_isnoneornil(L, idx))
		return NULL;
	sb_xlsx_obj *f = luaL_checkudata(L, idx, SB_XLSX_FORMAT);
	luaL_argcheck(L, f->book == book, idx, "format of another workbook");
	return f->p;
}

/* A colour: an integer 0xRRGGBB or a string "#RRGGBB" / "RRGGBB". Black is passed on as
 * LXW_COLOR_BLACK, since libxlsxwriter reads 0 as "no colour". */
static lxw_color_t sb_xlsx_color(lua_State *L, int idx, const char *what)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_Integer v = 0;
		if (!lua_isinteger(L, idx) || (v = lua_tointeger(L, idx)) < 0 || v > 0xFFFFFF)
			luaL_error(L, "%s: expected a colour 0xRRGGBB or \"#RRGGBB\"", what);
		return v == 0 ? LXW_COLOR_BLACK : (lxw_color_t)v;
	}
	const char *s = lua_tostring(L, idx);
	if (s == NULL)
		luaL_error(L, "%s: expected a colour 0xRRGGBB or \"#RRGGBB\"", what);
	if (s[0] == '#')
		s++;
	lxw_color_t v = 0;
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char ch = s[n];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;
		if (d < 0 || n >= 6)
			break;
		v = v << 4 | (lxw_color_t)d;
	}
	if (n != 6 || s[n] != '\0')
		luaL_error(L, "%s: expected a colour 0xRRGGBB or \"#RRGGBB\", got \"%s\"", what,
			   lua_tostring(L, idx));
	return v == 0 ? LXW_COLOR_BLACK : v;
}

/* Looks name up in a NULL-terminated list of names; returns its value or raises an error. */
typedef struct sb_xlsx_name {
	const char *name;
	int value;
} sb_xlsx_name;

static int sb_xlsx_lookup(lua_State *L, const sb_xlsx_name *names, const char *name,
			  const char *what)
{
	for (const sb_xlsx_name *n = names; n->name != NULL; n++)
		if (strcmp(n->name, name) == 0)
			return n->value;
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (const sb_xlsx_name *n = names; n->name != NULL; n++) {
		if (n != names)
			luaL_addstring(&b, ", ");
		luaL_addstring(&b, n->name);
	}
	luaL_pushresult(&b);
	return luaL_error(L, "%s: unknown value \"%s\" (expected one of: %s)", what, name,
			  lua_tostring(L, -1));
}

/* Raises a Lua error for a libxlsxwriter failure of a worksheet call. */
static void sb_xlsx_fail(lua_State *L, const sb_xlsx_obj *ws, lxw_error e, const char *what)
{
	if (e == LXW_NO_ERROR)
		return;
	const lxw_worksheet *w = ws->p;
	luaL_error(L, "worksheet '%s': %s: %s%s", w->name, what, lxw_strerror(e),
		   e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE && ws->book->constant_memory
			   ? " (constant_memory: rows must be written in order, and each row "
			     "only before the next one)"
			   : "");
}

/* ---- formats ---- */

static const sb_xlsx_name sb_xlsx_borders[] = {
	{"none", LXW_BORDER_NONE},     {"thin", LXW_BORDER_THIN},     {"medium", LXW_BORDER_MEDIUM},
	{"dashed", LXW_BORDER_DASHED}, {"dotted", LXW_BORDER_DOTTED}, {"thick", LXW_BORDER_THICK},
	{"double", LXW_BORDER_DOUBLE}, {"hair", LXW_BORDER_HAIR},     {NULL, 0},
};

static const sb_xlsx_name sb_xlsx_aligns[] = {
	{"left", LXW_ALIGN_LEFT},
	{"center", LXW_ALIGN_CENTER},
	{"right", LXW_ALIGN_RIGHT},
	{"fill", LXW_ALIGN_FILL},
	{"justify", LXW_ALIGN_JUSTIFY},
	{"center_across", LXW_ALIGN_CENTER_ACROSS},
	{"distributed", LXW_ALIGN_DISTRIBUTED},
	{NULL, 0},
};

static const sb_xlsx_name sb_xlsx_valigns[] = {
	{"top", LXW_ALIGN_VERTICAL_TOP},
	{"vcenter", LXW_ALIGN_VERTICAL_CENTER},
	{"bottom", LXW_ALIGN_VERTICAL_BOTTOM},
	{"vjustify", LXW_ALIGN_VERTICAL_JUSTIFY},
	{NULL, 0},
};

/* A border style: a name of sb_xlsx_borders, or true for thin. */
static uint8_t sb_xlsx_border(lua_State *L, int idx, const char *key)
{
	if (lua_type(L, idx) == LUA_TBOOLEAN)
		return lua_toboolean(L, idx) ? LXW_BORDER_THIN : LXW_BORDER_NONE;
	if (lua_type(L, idx) != LUA_TSTRING)
		luaL_error(L, "add_format: %s: expected a border style name or a boolean", key);
	return (uint8_t)sb_xlsx_lookup(L, sb_xlsx_borders, lua_tostring(L, idx), key);
}

static const char *sb_xlsx_str(lua_State *L, int idx, const char *where, const char *key)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		luaL_error(L, "%s: %s: expected a string, got %s", where, key,
			   luaL_typename(L, idx));
	return lua_tostring(L, idx);
}

static double sb_xlsx_num(lua_State *L, int idx, const char *where, const char *key)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		luaL_error(L, "%s: %s: expected a number, got %s", where, key,
			   luaL_typename(L, idx));
	return lua_tonumber(L, idx);
}

/* Applies one property (value at the top of the stack) to f. */
static void sb_xlsx_format_prop(lua_State *L, lxw_format *f, const char *k)
{
	const char *w = "add_format";
	int on = lua_toboolean(L, -1);
	if (strcmp(k, "bold") == 0) {
		if (on)
			format_set_bold(f);
	} else if (strcmp(k, "italic") == 0) {
		if (on)
			format_set_italic(f);
	} else if (strcmp(k, "underline") == 0) {
		if (on)
			format_set_underline(f, LXW_UNDERLINE_SINGLE);
	} else if (strcmp(k, "strikeout") == 0) {
		if (on)
			format_set_font_strikeout(f);
	} else if (strcmp(k, "text_wrap") == 0) {
		if (on)
			format_set_text_wrap(f);
	} else if (strcmp(k, "shrink") == 0) {
		if (on)
			format_set_shrink(f);
	} else if (strcmp(k, "font_name") == 0) {
		format_set_font_name(f, sb_xlsx_str(L, -1, w, k));
	} else if (strcmp(k, "font_size") == 0) {
		format_set_font_size(f, sb_xlsx_num(L, -1, w, k));
	} else if (strcmp(k, "font_color") == 0) {
		format_set_font_color(f, sb_xlsx_color(L, -1, "add_format: font_color"));
	} else if (strcmp(k, "bg_color") == 0) {
		format_set_bg_color(f, sb_xlsx_color(L, -1, "add_format: bg_color"));
	} else if (strcmp(k, "fg_color") == 0) {
		format_set_fg_color(f, sb_xlsx_color(L, -1, "add_format: fg_color"));
	} else if (strcmp(k, "pattern") == 0) {
		double p = sb_xlsx_num(L, -1, w, k);
		if (p < 0 || p > 18)
			luaL_error(L, "add_format: pattern: expected 0..18");
		format_set_pattern(f, (uint8_t)p);
	} else if (strcmp(k, "border") == 0) {
		format_set_border(f, sb_xlsx_border(L, -1, k));
	} else if (strcmp(k, "top") == 0) {
		format_set_top(f, sb_xlsx_border(L, -1, k));
	} else if (strcmp(k, "bottom") == 0) {
		format_set_bottom(f, sb_xlsx_border(L, -1, k));
	} else if (strcmp(k, "left") == 0) {
		format_set_left(f, sb_xlsx_border(L, -1, k));
	} else if (strcmp(k, "right") == 0) {
		format_set_right(f, sb_xlsx_border(L, -1, k));
	} else if (strcmp(k, "border_color") == 0) {
		format_set_border_color(f, sb_xlsx_color(L, -1, "add_format: border_color"));
	} else if (strcmp(k, "num_format") == 0) {
		format_set_num_format(f, sb_xlsx_str(L, -1, w, k));
	} else if (strcmp(k, "align") == 0) {
		format_set_align(f, (uint8_t)sb_xlsx_lookup(L, sb_xlsx_aligns,
							    sb_xlsx_str(L, -1, w, k), "align"));
	} else if (strcmp(k, "valign") == 0) {
		format_set_align(f, (uint8_t)sb_xlsx_lookup(L, sb_xlsx_valigns,
							    sb_xlsx_str(L, -1, w, k), "valign"));
	} else if (strcmp(k, "indent") == 0) {
		double n = sb_xlsx_num(L, -1, w, k);
		if (n < 0 || n > 250)
			luaL_error(L, "add_format: indent: expected 0..250");
		format_set_indent(f, (uint8_t)n);
	} else {
		luaL_error(L, "add_format: unknown property \"%s\" (see docs/lua-api.md, xlsx)", k);
	}
}

/* wb:add_format([props]) -> format */
static int sb_xlsx_wb_add_format(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
	lxw_format *f = workbook_add_format(b->wb);
	if (f == NULL)
		return luaL_error(L, "add_format: out of memory");
	if (lua_istable(L, 2)) {
		lua_pushnil(L);
		while (lua_next(L, 2) != 0) {
			if (lua_type(L, -2) != LUA_TSTRING)
				return luaL_error(L, "add_format: property names must be strings");
			sb_xlsx_format_prop(L, f, lua_tostring(L, -2));
			lua_pop(L, 1);
		}
	}
	sb_xlsx_push_obj(L, 1, SB_XLSX_FORMAT, f);
	return 1;
}

/* ---- workbook ---- */

/* sb.xlsx.workbook(path [, {constant_memory=bool, tmpdir=dir}]) -> workbook */
static int sb_xlsx_workbook(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lxw_workbook_options opts = {0};
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 2) != 0) {
			const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
			if (strcmp(k, "constant_memory") == 0)
				opts.constant_memory = lua_toboolean(L, -1) ? LXW_TRUE : LXW_FALSE;
			else if (strcmp(k, "tmpdir") == 0)
				opts.tmpdir = (char *)sb_xlsx_str(L, -1, "workbook", k);
			else
				return luaL_error(
					L,
					"workbook: unknown option \"%s\" (constant_memory, tmpdir)",
					k);
			lua_pop(L, 1);
		}
	}
	luaL_argcheck(L, path[0] != '\0', 1, "empty path");
	sb_xlsx_book *b = lua_newuserdatauv(L, sizeof(*b), 0);
	memset(b, 0, sizeof(*b));
	luaL_setmetatable(L, SB_XLSX_BOOK);
	b->path = sb_xstrdup(path);
	b->tmp = sb_xasprintf("%s.tmp.%ld", path, (long)getpid());
	b->constant_memory = opts.constant_memory;
	if (sb_fs_mkdirs_for(path) != SB_OK)
		return luaL_error(L, "workbook: cannot create the folder of %s: %s", path,
				  strerror(errno));
	b->wb = workbook_new_opt(b->tmp, &opts);
	if (b->wb == NULL)
		return luaL_error(L, "workbook: libxlsxwriter could not start %s%s", path,
				  opts.constant_memory
					  ? " (constant_memory needs a writable temp folder)"
					  : "");
	return 1;
}

/* wb:add_worksheet([name]) -> worksheet */
static int sb_xlsx_wb_add_worksheet(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	const char *name = luaL_optstring(L, 2, NULL);
	if (name != NULL) {
		lxw_error e = workbook_validate_sheet_name(b->wb, name);
		if (e != LXW_NO_ERROR)
			return luaL_error(L, "add_worksheet: sheet name '%s': %s", name,
					  lxw_strerror(e));
	}
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	if (ws == NULL)
		return luaL_error(L, "add_worksheet: libxlsxwriter refused sheet '%s'",
				  name != NULL ? name : "(default)");
	sb_xlsx_push_obj(L, 1, SB_XLSX_SHEET, ws);
	return 1;
}

static const sb_xlsx_name sb_xlsx_chart_types[] = {
	{"bar", LXW_CHART_BAR},
	{"bar_stacked", LXW_CHART_BAR_STACKED},
	{"column", LXW_CHART_COLUMN},
	{"column_stacked", LXW_CHART_COLUMN_STACKED},
	{"line", LXW_CHART_LINE},
	{"area", LXW_CHART_AREA},
	{"pie", LXW_CHART_PIE},
	{"doughnut", LXW_CHART_DOUGHNUT},
	{"scatter", LXW_CHART_SCATTER},
	{"radar", LXW_CHART_RADAR},
	{NULL, 0},
};

/* wb:add_chart(type) -> chart */
static int sb_xlsx_wb_add_chart(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	int type = sb_xlsx_lookup(L, sb_xlsx_chart_types, luaL_checkstring(L, 2), "add_chart");
	lxw_chart *ch = workbook_add_chart(b->wb, (uint8_t)type);
	if (ch == NULL)
		return luaL_error(L, "add_chart: out of memory");
	sb_xlsx_push_obj(L, 1, SB_XLSX_CHART, ch);
	return 1;
}

/* wb:set_properties{title=, subject=, author=, manager=, company=, category=, keywords=,
 * comments=} */
static int sb_xlsx_wb_set_properties(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lxw_doc_properties p = {0};
	static const char *const keys[] = {"title",   "subject",  "author",   "manager",
					   "company", "category", "keywords", "comments"};
	char **fields[] = {&p.title,   &p.subject,  &p.author,   &p.manager,
			   &p.company, &p.category, &p.keywords, &p.comments};
	lua_pushnil(L);
	while (lua_next(L, 2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		size_t i = 0;
		while (i < SB_ARRAY_SIZE(keys) && strcmp(keys[i], k) != 0)
			i++;
		if (i == SB_ARRAY_SIZE(keys))
			return luaL_error(L, "set_properties: unknown property \"%s\"", k);
		*fields[i] = (char *)sb_xlsx_str(L, -1, "set_properties", k);
		lua_pop(L, 1);
	}
	lxw_error e = workbook_set_properties(b->wb, &p);
	if (e != LXW_NO_ERROR)
		return luaL_error(L, "set_properties: %s", lxw_strerror(e));
	return 0;
}

/* wb:close() -> path. Writes the file under its temp name, then renames it. On failure
 * nothing is left under either name and an error is raised. */
static int sb_xlsx_wb_close(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	lxw_workbook *wb = b->wb;
	b->wb = NULL; /* workbook_close frees it whatever happens */
	lxw_error e = workbook_close(wb);
	char msg[1024] = "";
	if (e != LXW_NO_ERROR)
		snprintf(msg, sizeof(msg), "%s: %s", b->path, lxw_strerror(e));
	else if (sb_xlsx_commit(b->tmp, b->path, msg, sizeof(msg)) == 0)
		b->closed = 1;
	if (!b->closed) {
		unlink(b->tmp);
		return luaL_error(L, "close: %s", msg);
	}
	sb_free(b->tmp); /* renamed: nothing to remove any more */
	sb_lua_note_output(L, b->path);
	lua_pushstring(L, b->path);
	return 1;
}

/* wb:discard(): drops the workbook without writing anything. */
static int sb_xlsx_wb_discard(lua_State *L)
{
	sb_xlsx_book *b = luaL_checkudata(L, 1, SB_XLSX_BOOK);
	if (b->wb != NULL)
		sb_xlsx_discard(b);
	return 0;
}

/* __gc and __close: a workbook never closed is discarded; free what a closed one still holds. */
static int sb_xlsx_wb_gc(lua_State *L)
{
	sb_xlsx_book *b = luaL_checkudata(L, 1, SB_XLSX_BOOK);
	sb_xlsx_discard(b);
	return 0;
}

static int sb_xlsx_wb_close_scope(lua_State *L)
{
	sb_xlsx_book *b = luaL_checkudata(L, 1, SB_XLSX_BOOK);
	if (b->wb != NULL)
		sb_xlsx_discard(b);
	return 0;
}

static int sb_xlsx_wb_tostring(lua_State *L)
{
	sb_xlsx_book *b = luaL_checkudata(L, 1, SB_XLSX_BOOK);
	lua_pushfstring(L, "xlsx workbook (%s)",
			b->wb != NULL ? "open"
			: b->closed   ? "closed"
				      : "discarded");
	return 1;
}

/* ---- worksheet ---- */

static sb_xlsx_obj *sb_xlsx_sheet(lua_State *L)
{
	return sb_xlsx_check_obj(L, 1, SB_XLSX_SHEET, "worksheet");
}

/* Writes the value at vidx by its type: number, string, boolean, nil (blank). */
static lxw_error sb_xlsx_write_value(lua_State *L, lxw_worksheet *w, lxw_row_t r, lxw_col_t c,
				     int vidx, lxw_format *f)
{
	switch (lua_type(L, vidx)) {
	case LUA_TNUMBER:
		return worksheet_write_number(w, r, c, lua_tonumber(L, vidx), f);
	case LUA_TSTRING:
		return worksheet_write_string(w, r, c, lua_tostring(L, vidx), f);
	case LUA_TBOOLEAN:
		return worksheet_write_boolean(w, r, c, lua_toboolean(L, vidx), f);
	case LUA_TNIL:
	case LUA_TNONE:
		return f != NULL ? worksheet_write_blank(w, r, c, f) : LXW_NO_ERROR;
	default:
		return luaL_error(L, "cannot write a %s to a cell", luaL_typename(L, vidx));
	}
}

/* ws:write(row, col, value [, format]) */
static int sb_xlsx_ws_write(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, sb_xlsx_write_value(L, ws->p, r, c, 4, f), "write");
	return 0;
}

/* ws:write_string(row, col, s [, format]) */
static int sb_xlsx_ws_write_string(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	const char *s = luaL_checkstring(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, worksheet_write_string(ws->p, r, c, s, f), "write_string");
	return 0;
}

/* ws:write_number(row, col, n [, format]) */
static int sb_xlsx_ws_write_number(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	double v = luaL_checknumber(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, worksheet_write_number(ws->p, r, c, v, f), "write_number");
	return 0;
}

/* ws:write_blank(row, col [, format]) */
static int sb_xlsx_ws_write_blank(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	lxw_format *f = sb_xlsx_opt_format(L, 4, ws->book);
	sb_xlsx_fail(L, ws, worksheet_write_blank(ws->p, r, c, f), "write_blank");
	return 0;
}

/* ws:write_formula(row, col, formula [, format [, value]]) */
static int sb_xlsx_ws_write_formula(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	const char *formula = luaL_checkstring(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	lxw_error e = lua_isnoneornil(L, 6) ? worksheet_write_formula(ws->p, r, c, formula, f)
					    : worksheet_write_formula_num(ws->p, r, c, formula, f,
									  luaL_checknumber(L, 6));
	sb_xlsx_fail(L, ws, e, "write_formula");
	return 0;
}

/* ws:write_row(row, col, values [, formats [, n]]): values[i] goes to column col+i-1;
 * formats is one format for every cell or a table of formats by position. n (default
 * values.n, else #values) counts trailing nils, which become formatted blanks. */
static int sb_xlsx_ws_write_row(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	luaL_checktype(L, 4, LUA_TTABLE);
	int ftable = lua_istable(L, 5);
	lxw_format *all = ftable ? NULL : sb_xlsx_opt_format(L, 5, ws->book);
	lua_Integer n;
	if (!lua_isnoneornil(L, 6)) {
		n = luaL_checkinteger(L, 6);
	} else if (lua_getfield(L, 4, "n") == LUA_TNUMBER) {
		n = lua_tointeger(L, -1);
		lua_pop(L, 1);
	} else {
		lua_pop(L, 1);
		n = (lua_Integer)lua_rawlen(L, 4);
	}
	luaL_argcheck(L, n >= 0 && (lua_Integer)c + n <= LXW_COL_MAX, 6, "too many values");
	for (lua_Integer i = 1; i <= n; i++) {
		lxw_format *f = all;
		if (ftable) {
			lua_rawgeti(L, 5, i);
			if (!lua_isnil(L, -1)) {
				sb_xlsx_obj *fo = luaL_testudata(L, -1, SB_XLSX_FORMAT);
				if (fo == NULL || fo->book != ws->book)
					return luaL_error(
						L,
						"write_row: formats[%d] is not a format of "
						"this workbook",
						(int)i);
				f = fo->p;
			}
			lua_pop(L, 1);
		}
		lua_rawgeti(L, 4, i);
		lxw_error e = sb_xlsx_write_value(L, ws->p, r, (lxw_col_t)(c + i - 1), -1, f);
		lua_pop(L, 1);
		sb_xlsx_fail(L, ws, e, "write_row");
	}
	return 0;
}

/* ws:set_column(first, last, width [, format]) */
static int sb_xlsx_ws_set_column(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_col_t first = sb_xlsx_col(L, 2);
	lxw_col_t last = sb_xlsx_col(L, 3);
	luaL_argcheck(L, last >= first, 3, "last column before the first");
	double width = luaL_checknumber(L, 4);
	luaL_argcheck(L, width >= 0 && width <= 255, 4, "width out of range 0..255");
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, worksheet_set_column(ws->p, first, last, width, f), "set_column");
	return 0;
}

/* ws:set_row(row, height [, format]) */
static int sb_xlsx_ws_set_row(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	double height = luaL_checknumber(L, 3);
	luaL_argcheck(L, height >= 0 && height <= 409, 3, "height out of range 0..409");
	lxw_format *f = sb_xlsx_opt_format(L, 4, ws->book);
	sb_xlsx_fail(L, ws, worksheet_set_row(ws->p, r, height, f), "set_row");
	return 0;
}

/* ws:freeze_panes(row, col): rows above row and columns left of col stay in view. */
static int sb_xlsx_ws_freeze_panes(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	worksheet_freeze_panes(ws->p, sb_xlsx_row(L, 2), sb_xlsx_col(L, 3));
	return 0;
}

/* ws:autofilter(first_row, first_col, last_row, last_col) */
static int sb_xlsx_ws_autofilter(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r1 = sb_xlsx_row(L, 2), r2 = sb_xlsx_row(L, 4);
	lxw_col_t c1 = sb_xlsx_col(L, 3), c2 = sb_xlsx_col(L, 5);
	sb_xlsx_fail(L, ws, worksheet_autofilter(ws->p, r1, c1, r2, c2), "autofilter");
	return 0;
}

static const sb_xlsx_name sb_xlsx_cf_types[] = {
	{"cell", LXW_CONDITIONAL_TYPE_CELL},
	{"formula", LXW_CONDITIONAL_TYPE_FORMULA},
	{"blanks", LXW_CONDITIONAL_TYPE_BLANKS},
	{"no_blanks", LXW_CONDITIONAL_TYPE_NO_BLANKS},
	{"errors", LXW_CONDITIONAL_TYPE_ERRORS},
	{"2_color_scale", LXW_CONDITIONAL_2_COLOR_SCALE},
	{"3_color_scale", LXW_CONDITIONAL_3_COLOR_SCALE},
	{"data_bar", LXW_CONDITIONAL_DATA_BAR},
	{NULL, 0},
};

static const sb_xlsx_name sb_xlsx_cf_criteria[] = {
	{"==", LXW_CONDITIONAL_CRITERIA_EQUAL_TO},
	{"!=", LXW_CONDITIONAL_CRITERIA_NOT_EQUAL_TO},
	{">", LXW_CONDITIONAL_CRITERIA_GREATER_THAN},
	{"<", LXW_CONDITIONAL_CRITERIA_LESS_THAN},
	{">=", LXW_CONDITIONAL_CRITERIA_GREATER_THAN_OR_EQUAL_TO},
	{"<=", LXW_CONDITIONAL_CRITERIA_LESS_THAN_OR_EQUAL_TO},
	{"between", LXW_CONDITIONAL_CRITERIA_BETWEEN},
	{"not_between", LXW_CONDITIONAL_CRITERIA_NOT_BETWEEN},
	{NULL, 0},
};

static const sb_xlsx_name sb_xlsx_cf_rules[] = {
	{"min", LXW_CONDITIONAL_RULE_TYPE_MINIMUM},
	{"num", LXW_CONDITIONAL_RULE_TYPE_NUMBER},
	{"percent", LXW_CONDITIONAL_RULE_TYPE_PERCENT},
	{"percentile", LXW_CONDITIONAL_RULE_TYPE_PERCENTILE},
	{"formula", LXW_CONDITIONAL_RULE_TYPE_FORMULA},
	{"max", LXW_CONDITIONAL_RULE_TYPE_MAXIMUM},
	{NULL, 0},
};

/* A number or a string ("=A1", a formula) for one value of a conditional format. */
static void sb_xlsx_cf_value(lua_State *L, const char *k, double *num, char **str)
{
	if (lua_type(L, -1) == LUA_TNUMBER)
		*num = lua_tonumber(L, -1);
	else if (lua_type(L, -1) == LUA_TSTRING)
		*str = (char *)lua_tostring(L, -1);
	else
		luaL_error(L, "conditional_format: %s: expected a number or a string", k);
}

/* Fills cf from the options table at idx (which must stay on the stack while cf is used). */
static void sb_xlsx_cf_opts(lua_State *L, int idx, const sb_xlsx_book *book,
			    lxw_conditional_format *cf)
{
	const char *w = "conditional_format";
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "conditional_format: option names must be strings");
		const char *k = lua_tostring(L, -2);
		if (strcmp(k, "type") == 0) {
			cf->type = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_cf_types,
							   sb_xlsx_str(L, -1, w, k),
							   "conditional_format type");
		} else if (strcmp(k, "criteria") == 0) {
			cf->criteria = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_cf_criteria,
							       sb_xlsx_str(L, -1, w, k),
							       "conditional_format criteria");
		} else if (strcmp(k, "value") == 0) {
			sb_xlsx_cf_value(L, k, &cf->value, &cf->value_string);
		} else if (strcmp(k, "min_value") == 0) {
			sb_xlsx_cf_value(L, k, &cf->min_value, &cf->min_value_string);
		} else if (strcmp(k, "mid_value") == 0) {
			sb_xlsx_cf_value(L, k, &cf->mid_value, &cf->mid_value_string);
		} else if (strcmp(k, "max_value") == 0) {
			sb_xlsx_cf_value(L, k, &cf->max_value, &cf->max_value_string);
		} else if (strcmp(k, "min_type") == 0) {
			cf->min_rule_type = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_cf_rules,
								    sb_xlsx_str(L, -1, w, k), k);
		} else if (strcmp(k, "mid_type") == 0) {
			cf->mid_rule_type = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_cf_rules,
								    sb_xlsx_str(L, -1, w, k), k);
		} else if (strcmp(k, "max_type") == 0) {
			cf->max_rule_type = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_cf_rules,
								    sb_xlsx_str(L, -1, w, k), k);
		} else if (strcmp(k, "min_color") == 0) {
			cf->min_color = sb_xlsx_color(L, -1, "conditional_format: min_color");
		} else if (strcmp(k, "mid_color") == 0) {
			cf->mid_color = sb_xlsx_color(L, -1, "conditional_format: mid_color");
		} else if (strcmp(k, "max_color") == 0) {
			cf->max_color = sb_xlsx_color(L, -1, "conditional_format: max_color");
		} else if (strcmp(k, "bar_color") == 0) {
			cf->bar_color = sb_xlsx_color(L, -1, "conditional_format: bar_color");
		} else if (strcmp(k, "format") == 0) {
			sb_xlsx_obj *f = luaL_testudata(L, -1, SB_XLSX_FORMAT);
			if (f == NULL || f->book != book)
				luaL_error(L,
					   "conditional_format: format: expected a format of this "
					   "workbook");
			cf->format = f->p;
		} else if (strcmp(k, "stop_if_true") == 0) {
			cf->stop_if_true = lua_toboolean(L, -1) ? LXW_TRUE : LXW_FALSE;
		} else if (strcmp(k, "multi_range") == 0) {
			cf->multi_range = (char *)sb_xlsx_str(L, -1, w, k);
		} else {
			luaL_error(L, "conditional_format: unknown option \"%s\"", k);
		}
		lua_pop(L, 1);
	}
	if (cf->type == LXW_CONDITIONAL_TYPE_NONE)
		luaL_error(L, "conditional_format: type is required");
	if (cf->type == LXW_CONDITIONAL_TYPE_CELL && cf->criteria == LXW_CONDITIONAL_CRITERIA_NONE)
		luaL_error(L, "conditional_format: a cell rule needs a criteria");
	if (cf->type == LXW_CONDITIONAL_TYPE_FORMULA && cf->value_string == NULL)
		luaL_error(L, "conditional_format: a formula rule needs value = \"=...\"");
}

/* ws:conditional_format(first_row, first_col, last_row, last_col, options) */
static int sb_xlsx_ws_conditional_format(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r1 = sb_xlsx_row(L, 2), r2 = sb_xlsx_row(L, 4);
	lxw_col_t c1 = sb_xlsx_col(L, 3), c2 = sb_xlsx_col(L, 5);
	luaL_argcheck(L, r2 >= r1 && c2 >= c1, 4, "range ends before it starts");
	luaL_checktype(L, 6, LUA_TTABLE);
	lxw_conditional_format cf;
	memset(&cf, 0, sizeof(cf));
	sb_xlsx_cf_opts(L, 6, ws->book, &cf);
	sb_xlsx_fail(L, ws, worksheet_conditional_format_range(ws->p, r1, c1, r2, c2, &cf),
		     "conditional_format");
	return 0;
}

/* ws:insert_chart(row, col, chart [, {x_scale=, y_scale=, x_offset=, y_offset=}]) */
static int sb_xlsx_ws_insert_chart(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 4, SB_XLSX_CHART, "chart");
	luaL_argcheck(L, ch->book == ws->book, 4, "chart of another workbook");
	lxw_chart_options o = {.x_scale = 1, .y_scale = 1};
	if (!lua_isnoneornil(L, 5)) {
		luaL_checktype(L, 5, LUA_TTABLE);
		if (lua_getfield(L, 5, "x_scale") != LUA_TNIL)
			o.x_scale = sb_xlsx_num(L, -1, "insert_chart", "x_scale");
		if (lua_getfield(L, 5, "y_scale") != LUA_TNIL)
			o.y_scale = sb_xlsx_num(L, -1, "insert_chart", "y_scale");
		if (lua_getfield(L, 5, "x_offset") != LUA_TNIL)
			o.x_offset = (int32_t)sb_xlsx_num(L, -1, "insert_chart", "x_offset");
		if (lua_getfield(L, 5, "y_offset") != LUA_TNIL)
			o.y_offset = (int32_t)sb_xlsx_num(L, -1, "insert_chart", "y_offset");
		lua_pop(L, 4);
	}
	lxw_error e = worksheet_insert_chart_opt(ws->p, r, c, ch->p, &o);
	if (e != LXW_NO_ERROR && ((lxw_chart *)ch->p)->in_use)
		return luaL_error(L, "insert_chart: a chart can be inserted only once");
	sb_xlsx_fail(L, ws, e, "insert_chart");
	return 0;
}

/* ws:name() -> the sheet's name */
static int sb_xlsx_ws_name(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_sheet(L);
	lua_pushstring(L, ((lxw_worksheet *)ws->p)->name);
	return 1;
}

/* ws:activate(): the sheet shown when the file is opened. */
static int sb_xlsx_ws_activate(lua_State *L)
{
	worksheet_activate(sb_xlsx_sheet(L)->p);
	return 0;
}

/* ws:set_landscape() */
static int sb_xlsx_ws_set_landscape(lua_State *L)
{
	worksheet_set_landscape(sb_xlsx_sheet(L)->p);
	return 0;
}

/* ws:hide_gridlines() */
static int sb_xlsx_ws_hide_gridlines(lua_State *L)
{
	worksheet_gridlines(sb_xlsx_sheet(L)->p, LXW_HIDE_ALL_GRIDLINES);
	return 0;
}

/* ---- chart ---- */

/* A chart range at idx: a formula string "=Sheet!$A$2:$A$11" (returned in *formula) or a table
 * {sheet, first_row, first_col, last_row, last_col} (returned in *sheet, r and c). */
static void sb_xlsx_chart_range(lua_State *L, int idx, const char *what, const char **formula,
				const char **sheet, lxw_row_t r[2], lxw_col_t c[2])
{
	*formula = NULL;
	*sheet = NULL;
	if (lua_type(L, idx) == LUA_TSTRING) {
		*formula = lua_tostring(L, idx);
		return;
	}
	if (!lua_istable(L, idx) || lua_rawlen(L, idx) != 5)
		luaL_error(L,
			   "add_series: %s: expected \"=Sheet!$A$1:$A$9\" or "
			   "{sheet, first_row, first_col, last_row, last_col}",
			   what);
	idx = lua_absindex(L, idx);
	lua_rawgeti(L, idx, 1);
	*sheet = sb_xlsx_str(L, -1, "add_series", what);
	lua_pop(L, 1); /* the string stays alive: the table at idx holds it */
	for (int i = 0; i < 4; i++) {
		lua_rawgeti(L, idx, i + 2);
		lua_Integer v = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
		lua_pop(L, 1);
		int is_row = i % 2 == 0;
		if (v < 0 || v >= (is_row ? LXW_ROW_MAX : LXW_COL_MAX))
			luaL_error(L, "add_series: %s: bad %s in position %d", what,
				   is_row ? "row" : "column", i + 2);
		if (is_row)
			r[i / 2] = (lxw_row_t)v;
		else
			c[i / 2] = (lxw_col_t)v;
	}
}

/* chart:add_series{values=range [, categories=range] [, name=string] [, color=colour]} */
static int sb_xlsx_ch_add_series(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_getfield(L, 2, "values");
	lua_getfield(L, 2, "categories");
	lua_getfield(L, 2, "name");
	lua_getfield(L, 2, "color");
	if (lua_isnil(L, 3))
		return luaL_error(L, "add_series: values is required");
	const char *vf, *vs, *cf = NULL, *cs = NULL;
	lxw_row_t vr[2], cr[2];
	lxw_col_t vc[2], cc[2];
	sb_xlsx_chart_range(L, 3, "values", &vf, &vs, vr, vc);
	if (!lua_isnil(L, 4))
		sb_xlsx_chart_range(L, 4, "categories", &cf, &cs, cr, cc);
	lxw_chart_series *s = chart_add_series(ch->p, cf, vf);
	if (s == NULL)
		return luaL_error(L, "add_series: libxlsxwriter refused the series");
	if (vs != NULL)
		chart_series_set_values(s, vs, vr[0], vc[0], vr[1], vc[1]);
	if (cs != NULL)
		chart_series_set_categories(s, cs, cr[0], cc[0], cr[1], cc[1]);
	if (!lua_isnil(L, 5))
		chart_series_set_name(s, sb_xlsx_str(L, 5, "add_series", "name"));
	if (!lua_isnil(L, 6)) {
		lxw_chart_fill fill = {.color = sb_xlsx_color(L, 6, "add_series: color")};
		chart_series_set_fill(s, &fill);
	}
	return 0;
}

/* chart:set_title(text | nil): nil hides the title. */
static int sb_xlsx_ch_set_title(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	if (lua_isnoneornil(L, 2))
		chart_title_off(ch->p);
	else
		chart_title_set_name(ch->p, luaL_checkstring(L, 2));
	return 0;
}

/* Axis options {name=, num_format=, min=, max=, reverse=bool}. */
static void sb_xlsx_axis(lua_State *L, lxw_chart_axis *axis, int idx)
{
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		if (strcmp(k, "name") == 0)
			chart_axis_set_name(axis, sb_xlsx_str(L, -1, "axis", k));
		else if (strcmp(k, "num_format") == 0)
			chart_axis_set_num_format(axis, sb_xlsx_str(L, -1, "axis", k));
		else if (strcmp(k, "min") == 0)
			chart_axis_set_min(axis, sb_xlsx_num(L, -1, "axis", k));
		else if (strcmp(k, "max") == 0)
			chart_axis_set_max(axis, sb_xlsx_num(L, -1, "axis", k));
		else if (strcmp(k, "reverse") == 0) {
			if (lua_toboolean(L, -1))
				chart_axis_set_reverse(axis);
		} else
			luaL_error(
				L,
				"axis: unknown option \"%s\" (name, num_format, min, max, reverse)",
				k);
		lua_pop(L, 1);
	}
}

/* chart:set_x_axis{...}, chart:set_y_axis{...} */
static int sb_xlsx_ch_set_x_axis(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	sb_xlsx_axis(L, chart_axis_get(ch->p, LXW_CHART_AXIS_TYPE_X), 2);
	return 0;
}

static int sb_xlsx_ch_set_y_axis(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	sb_xlsx_axis(L, chart_axis_get(ch->p, LXW_CHART_AXIS_TYPE_Y), 2);
	return 0;
}

static const sb_xlsx_name sb_xlsx_legends[] = {
	{"none", LXW_CHART_LEGEND_NONE},     {"right", LXW_CHART_LEGEND_RIGHT},
	{"left", LXW_CHART_LEGEND_LEFT},     {"top", LXW_CHART_LEGEND_TOP},
	{"bottom", LXW_CHART_LEGEND_BOTTOM}, {NULL, 0},
};

/* chart:set_legend(position): "none", "right", "left", "top", "bottom" */
static int sb_xlsx_ch_set_legend(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	int pos = sb_xlsx_lookup(L, sb_xlsx_legends, luaL_checkstring(L, 2), "set_legend");
	chart_legend_set_position(ch->p, (uint8_t)pos);
	return 0;
}

/* chart:set_style(1..48) */
static int sb_xlsx_ch_set_style(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	lua_Integer st = luaL_checkinteger(L, 2);
	luaL_argcheck(L, st >= 1 && st <= 48, 2, "style out of range 1..48");
	chart_set_style(ch->p, (uint8_t)st);
	return 0;
}

/* ---- registration ---- */

/* sb.xlsx.cell(row, col) -> "A1"-style name (0-based row and column). */
static int sb_xlsx_cell(lua_State *L)
{
	char buf[LXW_MAX_CELL_NAME_LENGTH];
	lxw_rowcol_to_cell(buf, sb_xlsx_row(L, 1), sb_xlsx_col(L, 2));
	lua_pushstring(L, buf);
	return 1;
}

/* sb.xlsx.range(sheet, first_row, first_col, last_row, last_col) -> "='Sheet'!$A$1:$B$2" */
static int sb_xlsx_range(lua_State *L)
{
	const char *sheet = luaL_checkstring(L, 1);
	char buf[LXW_MAX_CELL_RANGE_LENGTH];
	lxw_rowcol_to_range_abs(buf, sb_xlsx_row(L, 2), sb_xlsx_col(L, 3), sb_xlsx_row(L, 4),
				sb_xlsx_col(L, 5));
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	luaL_addstring(&b, "='");
	for (const char *p = sheet; *p != '\0'; p++) {
		if (*p == '\'')
			luaL_addchar(&b, '\'');
		luaL_addchar(&b, *p);
	}
	luaL_addstring(&b, "'!");
	luaL_addstring(&b, buf);
	luaL_pushresult(&b);
	return 1;
}

static const luaL_Reg sb_xlsx_book_methods[] = {
	{"add_worksheet", sb_xlsx_wb_add_worksheet},
	{"add_format", sb_xlsx_wb_add_format},
	{"add_chart", sb_xlsx_wb_add_chart},
	{"set_properties", sb_xlsx_wb_set_properties},
	{"close", sb_xlsx_wb_close},
	{"discard", sb_xlsx_wb_discard},
	{NULL, NULL},
};

static const luaL_Reg sb_xlsx_sheet_methods[] = {
	{"write", sb_xlsx_ws_write},
	{"write_string", sb_xlsx_ws_write_string},
	{"write_number", sb_xlsx_ws_write_number},
	{"write_blank", sb_xlsx_ws_write_blank},
	{"write_formula", sb_xlsx_ws_write_formula},
	{"write_row", sb_xlsx_ws_write_row},
	{"set_column", sb_xlsx_ws_set_column},
	{"set_row", sb_xlsx_ws_set_row},
	{"freeze_panes", sb_xlsx_ws_freeze_panes},
	{"autofilter", sb_xlsx_ws_autofilter},
	{"conditional_format", sb_xlsx_ws_conditional_format},
	{"insert_chart", sb_xlsx_ws_insert_chart},
	{"name", sb_xlsx_ws_name},
	{"activate", sb_xlsx_ws_activate},
	{"set_landscape", sb_xlsx_ws_set_landscape},
	{"hide_gridlines", sb_xlsx_ws_hide_gridlines},
	{NULL, NULL},
};

static const luaL_Reg sb_xlsx_chart_methods[] = {
	{"add_series", sb_xlsx_ch_add_series},
	{"set_title", sb_xlsx_ch_set_title},
	{"set_x_axis", sb_xlsx_ch_set_x_axis},
	{"set_y_axis", sb_xlsx_ch_set_y_axis},
	{"set_legend", sb_xlsx_ch_set_legend},
	{"set_style", sb_xlsx_ch_set_style},
	{NULL, NULL},
};

static const luaL_Reg sb_xlsx_funcs[] = {
	{"workbook", sb_xlsx_workbook},
	{"cell", sb_xlsx_cell},
	{"range", sb_xlsx_range},
	{NULL, NULL},
};

/* Creates metatable tname with methods as __index and the extra metamethods meta (or NULL). */
static void sb_xlsx_metatable(lua_State *L, const char *tname, const luaL_Reg *methods,
			      const luaL_Reg *meta)
{
	luaL_newmetatable(L, tname);
	lua_newtable(L);
	if (methods != NULL)
		luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "__index");
	if (meta != NULL)
		luaL_setfuncs(L, meta, 0);
	lua_pop(L, 1);
}

void sb_lua_open_xlsx(lua_State *L, int sb_index)
{
	static const luaL_Reg book_meta[] = {
		{"__gc", sb_xlsx_wb_gc},
		{"__close", sb_xlsx_wb_close_scope},
		{"__tostring", sb_xlsx_wb_tostring},
		{NULL, NULL},
	};
	sb_index = lua_absindex(L, sb_index);
	sb_xlsx_metatable(L, SB_XLSX_BOOK, sb_xlsx_book_methods, book_meta);
	sb_xlsx_metatable(L, SB_XLSX_SHEET, sb_xlsx_sheet_methods, NULL);
	sb_xlsx_metatable(L, SB_XLSX_FORMAT, NULL, NULL);
	sb_xlsx_metatable(L, SB_XLSX_CHART, sb_xlsx_chart_methods, NULL);
	lua_newtable(L);
	luaL_setfuncs(L, sb_xlsx_funcs, 0);
	lua_setfield(L, sb_index, "xlsx");
}
