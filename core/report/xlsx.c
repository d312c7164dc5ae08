/* xlsx.c - the `sb.xlsx` Lua library: workbooks, worksheets, formats and charts. */
#include "config.h"

#include "report/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <xlsxwriter.h>

#include "base/fsutil.h"
#include "base/sb.h"
#include "lua/luahost.h"
#include "report/report_lua.h"
#include "report/textfit.h"

#define SB_XLSX_BOOK "sb.xlsx.workbook"
#define SB_XLSX_SHEET "sb.xlsx.worksheet"
#define SB_XLSX_FORMAT "sb.xlsx.format"
#define SB_XLSX_CHART "sb.xlsx.chart"
#define SB_XLSX_AUTOFIT_MAX 60.0 /* the widest column autofit makes by default */

/* Print settings a script chose itself for a sheet; close() gives the others their defaults. */
enum {
	SB_XLSX_SET_ORIENT = 1, /* set_landscape / set_portrait */
	SB_XLSX_SET_FIT = 2,    /* fit_to_pages / set_print_scale */
	SB_XLSX_SET_REPEAT = 4, /* repeat_rows */
	SB_XLSX_SET_FOOTER = 8, /* set_footer */
};

/* What the library knows of one column: the widest content written to it (for autofit) and the
 * width and format the script gave it (width < 0: never set). */
typedef struct sb_xlsx_col_info {
	double fit;
	double width;
	lxw_format *fmt;
} sb_xlsx_col_info;

/* A row height the script set (points). */
typedef struct sb_xlsx_row_height {
	lxw_row_t row;
	double points;
} sb_xlsx_row_height;

/* A worksheet's state beside libxlsxwriter's: owned by its book. */
typedef struct sb_xlsx_sheet {
	lxw_worksheet *ws;
	sb_xlsx_row_height *heights; /* sorted by row */
	size_t nheights, capheights;
	unsigned set;     /* SB_XLSX_SET_* */
	lxw_row_t frozen; /* rows frozen at the top: the header printed on every page */
	sb_xlsx_col_info *cols;
	size_t ncols; /* entries of cols */
} sb_xlsx_sheet;

/* A workbook being written. wb is NULL once it was closed or discarded. */
typedef struct sb_xlsx_book {
	lxw_workbook *wb;
	char *path; /* where wb:close() puts it */
	char *tmp;  /* where libxlsxwriter writes it */
	int constant_memory;
	int closed;         /* 1 after a successful close (for messages) */
	int print_defaults; /* close() gives each sheet the default page setup and widths */
	char *title;        /* the title and subject properties, for the default footer */
	char *subject;
	sb_xlsx_sheet **sheets;
	size_t nsheets;
} sb_xlsx_book;

/* A worksheet, format or chart; its workbook's userdata is its user value 1, so the book
 * outlives every object that points into it. sheet is the worksheet's state (NULL for the
 * others). */
typedef struct sb_xlsx_obj {
	void *p;
	sb_xlsx_book *book;
	sb_xlsx_sheet *sheet;
} sb_xlsx_obj;

/* ---- helpers ---- */

/* Frees the sheets' states and the copied properties. */
static void sb_xlsx_free_state(sb_xlsx_book *b)
{
	for (size_t i = 0; i < b->nsheets; i++) {
		free(b->sheets[i]->cols);
		free(b->sheets[i]->heights);
		free(b->sheets[i]);
	}
	sb_free(b->sheets);
	b->nsheets = 0;
	sb_free(b->title);
	sb_free(b->subject);
}

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
	sb_xlsx_free_state(b);
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
	o->sheet = NULL;
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

/* sb.xlsx.workbook(path [, {constant_memory=bool, tmpdir=dir, print_defaults=bool}]) -> workbook */
static int sb_xlsx_workbook(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lxw_workbook_options opts = {0};
	int print_defaults = 1;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 2) != 0) {
			const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
			if (strcmp(k, "constant_memory") == 0)
				opts.constant_memory = lua_toboolean(L, -1) ? LXW_TRUE : LXW_FALSE;
			else if (strcmp(k, "tmpdir") == 0)
				opts.tmpdir = (char *)sb_xlsx_str(L, -1, "workbook", k);
			else if (strcmp(k, "print_defaults") == 0)
				print_defaults = lua_toboolean(L, -1);
			else
				return luaL_error(
					L,
					"workbook: unknown option \"%s\" (constant_memory, "
					"tmpdir, print_defaults)",
					k);
			lua_pop(L, 1);
		}
	}
	luaL_argcheck(L, path[0] != '\0', 1, "empty path");
	sb_err err = {0};
	if (sb_lua_check_path(L, path, 1, &err) != SB_OK ||
	    (opts.tmpdir != NULL && sb_lua_check_path(L, opts.tmpdir, 1, &err) != SB_OK))
		return luaL_error(L, "workbook: %s", err.msg);
	sb_xlsx_book *b = lua_newuserdatauv(L, sizeof(*b), 0);
	memset(b, 0, sizeof(*b));
	luaL_setmetatable(L, SB_XLSX_BOOK);
	b->print_defaults = print_defaults;
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
	sb_xlsx_sheet *st = sb_xcalloc(1, sizeof(*st));
	st->ws = ws;
	b->sheets = sb_xrealloc(b->sheets, (b->nsheets + 1) * sizeof(*b->sheets));
	b->sheets[b->nsheets++] = st;
	sb_xlsx_push_obj(L, 1, SB_XLSX_SHEET, ws)->sheet = st;
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
	if (p.title != NULL) {
		free(b->title);
		b->title = sb_xstrdup(p.title);
	}
	if (p.subject != NULL) {
		free(b->subject);
		b->subject = sb_xstrdup(p.subject);
	}
	return 0;
}

/* ---- print setup and widths given at close ---- */

/* Appends text to buf (of size len, holding n bytes) with '&' doubled, as headers and footers
 * need; stops before a character that would not fit whole. Returns the new length. */
static size_t sb_xlsx_footer_add(char *buf, size_t len, size_t n, const char *text, int escape)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';) {
		size_t clen = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
		size_t need = clen + (escape && *p == '&');
		if (n + need >= len || strnlen((const char *)p, clen) < clen)
			break;
		if (escape && *p == '&')
			buf[n++] = '&';
		memcpy(buf + n, p, clen);
		n += clen;
		p += clen;
	}
	buf[n] = '\0';
	return n;
}

/* The default footer: the title (else the report's name, else the file's name) on the left,
 * the period in the middle, the sheet's name and "Página N de M" on the right. */
static void sb_xlsx_default_footer(lua_State *L, const sb_xlsx_book *b, char *buf, size_t len)
{
	char title[256];
	if (b->title != NULL) {
		snprintf(title, sizeof(title), "%s", b->title);
	} else {
		sb_lua_push_report_name(L);
		if (lua_type(L, -1) == LUA_TSTRING) {
			snprintf(title, sizeof(title), "Reporte %s", lua_tostring(L, -1));
		} else {
			const char *base = strrchr(b->path, '/');
			snprintf(title, sizeof(title), "%s", base != NULL ? base + 1 : b->path);
		}
		lua_pop(L, 1);
	}
	sb_lua_push_report_period(L);
	char period[128] = "";
	if (lua_type(L, -1) == LUA_TSTRING)
		snprintf(period, sizeof(period), "Período %s", lua_tostring(L, -1));
	else if (b->subject != NULL)
		snprintf(period, sizeof(period), "%s", b->subject);
	lua_pop(L, 1);
	/* Excel keeps at most 255 characters: the right part first, then what fits */
	static const char right[] = "&R&A · Página &P de &N";
	size_t room = 255 - (sizeof(right) - 1);
	size_t n = sb_xlsx_footer_add(buf, room < len ? room : len, 0, "&L", 0);
	n = sb_xlsx_footer_add(buf, room < len ? room : len, n, title, 1);
	if (period[0] != '\0') {
		n = sb_xlsx_footer_add(buf, room < len ? room : len, n, "&C", 0);
		n = sb_xlsx_footer_add(buf, room < len ? room : len, n, period, 1);
	}
	sb_xlsx_footer_add(buf, len, n, right, 0);
}

/* Sets the widths of the columns of st that hold content to that content's width, kept
 * between lo and hi; with only_unset, only the columns the script never gave a width. */
static void sb_xlsx_autofit(sb_xlsx_sheet *st, double lo, double hi, int only_unset)
{
	for (size_t c = 0; c < st->ncols; c++) {
		sb_xlsx_col_info *ci = &st->cols[c];
		if (ci->fit <= 0 || (only_unset && ci->width >= 0))
			continue;
		double w = ci->fit < lo ? lo : ci->fit > hi ? hi : ci->fit;
		worksheet_set_column(st->ws, (lxw_col_t)c, (lxw_col_t)c, w, ci->fmt);
		ci->width = w;
	}
}

/* The default page setup of every sheet, for what the script did not choose itself:
 * landscape, one page wide, the frozen rows repeated on each page, the default footer; and
 * the width of their content for the columns it never sized. */
static void sb_xlsx_print_defaults(lua_State *L, sb_xlsx_book *b)
{
	char footer[256];
	int have_footer = 0;
	for (size_t i = 0; i < b->nsheets; i++) {
		sb_xlsx_sheet *st = b->sheets[i];
		if (!(st->set & SB_XLSX_SET_ORIENT))
			worksheet_set_landscape(st->ws);
		if (!(st->set & SB_XLSX_SET_FIT))
			worksheet_fit_to_pages(st->ws, 1, 0);
		if (!(st->set & SB_XLSX_SET_REPEAT) && st->frozen > 0)
			worksheet_repeat_rows(st->ws, 0, st->frozen - 1);
		if (!(st->set & SB_XLSX_SET_FOOTER)) {
			if (!have_footer)
				sb_xlsx_default_footer(L, b, footer, sizeof(footer));
			have_footer = 1;
			worksheet_set_footer(st->ws, footer);
		}
		sb_xlsx_autofit(st, LXW_DEF_COL_WIDTH, SB_XLSX_AUTOFIT_MAX, 1);
	}
}

/* wb:close() -> path. Writes the file under its temp name, then renames it; a report run that
 * found no data keeps the file already there instead (sb_lua_output_kept). On failure nothing is
 * left under either name and an error is raised. */
static int sb_xlsx_wb_close(lua_State *L)
{
	sb_xlsx_book *b = sb_xlsx_check_book(L, 1);
	if (b->print_defaults)
		sb_xlsx_print_defaults(L, b);
	lxw_workbook *wb = b->wb;
	b->wb = NULL; /* workbook_close frees it whatever happens */
	lxw_error e = workbook_close(wb);
	char msg[1024] = "";
	int kept = 0;
	if (e != LXW_NO_ERROR)
		snprintf(msg, sizeof(msg), "%s: %s", b->path, lxw_strerror(e));
	else if ((kept = sb_lua_output_kept(L, b->path)) != 0) /* a run without data */
		b->closed = 1;
	else if (sb_xlsx_commit(b->tmp, b->path, msg, sizeof(msg)) == 0)
		b->closed = 1;
	if (!b->closed) {
		unlink(b->tmp);
		return luaL_error(L, "close: %s", msg);
	}
	if (kept)
		unlink(b->tmp);
	sb_free(b->tmp); /* renamed (or dropped): nothing to remove any more */
	sb_xlsx_free_state(b);
	if (!kept)
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

static sb_xlsx_obj *sb_xlsx_check_sheet(lua_State *L)
{
	return sb_xlsx_check_obj(L, 1, SB_XLSX_SHEET, "worksheet");
}

/* The column info of column c of st, the array grown as needed. */
static sb_xlsx_col_info *sb_xlsx_col_of(sb_xlsx_sheet *st, lxw_col_t c)
{
	if (c >= st->ncols) {
		size_t n = st->ncols < 16 ? 16 : st->ncols;
		while (n <= c)
			n *= 2;
		if (n > LXW_COL_MAX)
			n = LXW_COL_MAX;
		st->cols = sb_xrealloc(st->cols, n * sizeof(*st->cols));
		for (size_t i = st->ncols; i < n; i++)
			st->cols[i] = (sb_xlsx_col_info){.fit = 0, .width = -1, .fmt = NULL};
		st->ncols = n;
	}
	return &st->cols[c];
}

/* Notes a string of format f written to column c, for autofit. */
static void sb_xlsx_fit_string(sb_xlsx_sheet *st, lxw_col_t c, const char *s, const lxw_format *f)
{
	double w = sb_textfit_width(s, f != NULL && f->bold, f != NULL ? f->font_size : 0);
	sb_xlsx_col_info *ci = sb_xlsx_col_of(st, c);
	if (w > ci->fit)
		ci->fit = w;
}

/* Notes a number of format f written to column c, as the format shows it. */
static void sb_xlsx_fit_number(sb_xlsx_sheet *st, lxw_col_t c, double v, const lxw_format *f)
{
	char buf[64];
	sb_textfit_number(v, f != NULL ? f->num_format : "", buf, sizeof(buf));
	sb_xlsx_fit_string(st, c, buf, f);
}

/* Writes the value at vidx by its type: number, string, boolean, nil (blank). */
static lxw_error sb_xlsx_write_value(lua_State *L, sb_xlsx_sheet *st, lxw_row_t r, lxw_col_t c,
				     int vidx, lxw_format *f)
{
	lxw_worksheet *w = st->ws;
	switch (lua_type(L, vidx)) {
	case LUA_TNUMBER:
		sb_xlsx_fit_number(st, c, lua_tonumber(L, vidx), f);
		return worksheet_write_number(w, r, c, lua_tonumber(L, vidx), f);
	case LUA_TSTRING:
		sb_xlsx_fit_string(st, c, lua_tostring(L, vidx), f);
		return worksheet_write_string(w, r, c, lua_tostring(L, vidx), f);
	case LUA_TBOOLEAN:
		sb_xlsx_fit_string(st, c, lua_toboolean(L, vidx) ? "TRUE" : "FALSE", f);
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
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, sb_xlsx_write_value(L, ws->sheet, r, c, 4, f), "write");
	return 0;
}

/* ws:write_string(row, col, s [, format]) */
static int sb_xlsx_ws_write_string(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	const char *s = luaL_checkstring(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fit_string(ws->sheet, c, s, f);
	sb_xlsx_fail(L, ws, worksheet_write_string(ws->p, r, c, s, f), "write_string");
	return 0;
}

/* ws:write_number(row, col, n [, format]) */
static int sb_xlsx_ws_write_number(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	double v = luaL_checknumber(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fit_number(ws->sheet, c, v, f);
	sb_xlsx_fail(L, ws, worksheet_write_number(ws->p, r, c, v, f), "write_number");
	return 0;
}

/* ws:write_blank(row, col [, format]) */
static int sb_xlsx_ws_write_blank(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	lxw_format *f = sb_xlsx_opt_format(L, 4, ws->book);
	sb_xlsx_fail(L, ws, worksheet_write_blank(ws->p, r, c, f), "write_blank");
	return 0;
}

/* ws:write_formula(row, col, formula [, format [, value]]) */
static int sb_xlsx_ws_write_formula(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	const char *formula = luaL_checkstring(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	if (!lua_isnoneornil(L, 6))
		sb_xlsx_fit_number(ws->sheet, c, luaL_checknumber(L, 6), f);
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
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
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
		lxw_error e = sb_xlsx_write_value(L, ws->sheet, r, (lxw_col_t)(c + i - 1), -1, f);
		lua_pop(L, 1);
		sb_xlsx_fail(L, ws, e, "write_row");
	}
	return 0;
}

/* ws:set_column(first, last, width [, format]) */
static int sb_xlsx_ws_set_column(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_col_t first = sb_xlsx_col(L, 2);
	lxw_col_t last = sb_xlsx_col(L, 3);
	luaL_argcheck(L, last >= first, 3, "last column before the first");
	double width = luaL_checknumber(L, 4);
	luaL_argcheck(L, width >= 0 && width <= 255, 4, "width out of range 0..255");
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	sb_xlsx_fail(L, ws, worksheet_set_column(ws->p, first, last, width, f), "set_column");
	for (lxw_col_t c = first; c <= last; c++) {
		sb_xlsx_col_info *ci = sb_xlsx_col_of(ws->sheet, c);
		ci->width = width;
		ci->fmt = f;
	}
	return 0;
}

/* The index in st->heights of row r, or where it would go. */
static size_t sb_xlsx_height_slot(const sb_xlsx_sheet *st, lxw_row_t r)
{
	size_t lo = 0, hi = st->nheights;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->heights[mid].row < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Records the height of row r (set_row). */
static void sb_xlsx_note_height(sb_xlsx_sheet *st, lxw_row_t r, double points)
{
	size_t i = sb_xlsx_height_slot(st, r);
	if (i < st->nheights && st->heights[i].row == r) {
		st->heights[i].points = points;
		return;
	}
	if (st->nheights == st->capheights) {
		st->capheights = st->capheights < 64 ? 64 : st->capheights * 2;
		st->heights = sb_xrealloc(st->heights, st->capheights * sizeof(*st->heights));
	}
	memmove(st->heights + i + 1, st->heights + i, (st->nheights - i) * sizeof(*st->heights));
	st->heights[i] = (sb_xlsx_row_height){.row = r, .points = points};
	st->nheights++;
}

/* The pixels of row r as libxlsxwriter counts them (4/3 of its points, truncated). */
static double sb_xlsx_row_px(const sb_xlsx_sheet *st, lxw_row_t r)
{
	size_t i = sb_xlsx_height_slot(st, r);
	double points = i < st->nheights && st->heights[i].row == r ? st->heights[i].points
								    : LXW_DEF_ROW_HEIGHT;
	return (double)(uint32_t)(4.0 / 3.0 * points);
}

/* Moves (*row, *off) down by px pixels over the rows' real heights. */
static void sb_xlsx_walk_rows(const sb_xlsx_sheet *st, lxw_row_t *row, double *off, double px)
{
	double at = *off + px;
	for (;;) {
		double h = sb_xlsx_row_px(st, *row);
		if (at < h || *row + 1 >= LXW_ROW_MAX)
			break;
		at -= h;
		(*row)++;
	}
	*off = at;
}

/* In constant_memory mode libxlsxwriter places an object as if every row before the one being
 * written had the default height (it forgets rows once written out). Turns a chart that should
 * start y_off pixels into row *row and be height pixels tall over the rows' real heights into
 * the row, offset and height that make libxlsxwriter anchor it to the same cells. */
static void sb_xlsx_fix_anchor(const sb_xlsx_sheet *st, lxw_row_t *row, int32_t *y_off,
			       double *height)
{
	double def = (double)(uint32_t)(4.0 / 3.0 * LXW_DEF_ROW_HEIGHT);
	lxw_row_t s = *row;
	double so = 0;
	sb_xlsx_walk_rows(st, &s, &so, *y_off > 0 ? *y_off : 0);
	lxw_row_t e = s;
	double eo = so;
	sb_xlsx_walk_rows(st, &e, &eo, *height);
	double hs = sb_xlsx_row_px(st, s), he = sb_xlsx_row_px(st, e);
	double start = hs > 0 ? so * def / hs : 0;
	double end = (double)(e - s) * def + (he > 0 ? eo * def / he : 0);
	*row = s;
	*y_off = (int32_t)start;
	*height = end - (int32_t)start > 1 ? end - (int32_t)start : 1;
}

/* ws:set_row(row, height [, format]) */
static int sb_xlsx_ws_set_row(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	double height = luaL_checknumber(L, 3);
	luaL_argcheck(L, height >= 0 && height <= 409, 3, "height out of range 0..409");
	lxw_format *f = sb_xlsx_opt_format(L, 4, ws->book);
	sb_xlsx_fail(L, ws, worksheet_set_row(ws->p, r, height, f), "set_row");
	sb_xlsx_note_height(ws->sheet, r, height);
	return 0;
}

/* ws:freeze_panes(row, col): rows above row and columns left of col stay in view. */
static int sb_xlsx_ws_freeze_panes(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	worksheet_freeze_panes(ws->p, r, sb_xlsx_col(L, 3));
	ws->sheet->frozen = r;
	return 0;
}

/* ws:autofilter(first_row, first_col, last_row, last_col) */
static int sb_xlsx_ws_autofilter(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
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
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
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

/* ws:insert_chart(row, col, chart [, {x_scale=, y_scale=, x_offset=, y_offset=, width=,
 * height=}]): width and height in pixels. */
static int sb_xlsx_ws_insert_chart(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
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
		/* libxlsxwriter draws a chart 480 x 288 pixels before scaling */
		if (lua_getfield(L, 5, "width") != LUA_TNIL)
			o.x_scale = sb_xlsx_num(L, -1, "insert_chart", "width") / 480.0;
		if (lua_getfield(L, 5, "height") != LUA_TNIL)
			o.y_scale = sb_xlsx_num(L, -1, "insert_chart", "height") / 288.0;
		lua_pop(L, 6);
		luaL_argcheck(L, o.x_scale > 0 && o.y_scale > 0, 5,
			      "a chart needs a positive size");
	}
	if (ws->book->constant_memory) {
		double height = o.y_scale * 288.0;
		sb_xlsx_fix_anchor(ws->sheet, &r, &o.y_offset, &height);
		o.y_scale = height / 288.0;
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
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lua_pushstring(L, ((lxw_worksheet *)ws->p)->name);
	return 1;
}

/* ws:activate(): the sheet shown when the file is opened. */
static int sb_xlsx_ws_activate(lua_State *L)
{
	worksheet_activate(sb_xlsx_check_sheet(L)->p);
	return 0;
}

/* ws:merge_range(first_row, first_col, last_row, last_col, value [, format]): one cell over
 * the range, holding value (a string, a number or nil). */
static int sb_xlsx_ws_merge_range(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r1 = sb_xlsx_row(L, 2), r2 = sb_xlsx_row(L, 4);
	lxw_col_t c1 = sb_xlsx_col(L, 3), c2 = sb_xlsx_col(L, 5);
	luaL_argcheck(L, r2 >= r1 && c2 >= c1 && (r2 > r1 || c2 > c1), 4,
		      "a merged range spans at least two cells, first to last");
	int t = lua_type(L, 6);
	if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TNIL)
		return luaL_error(L,
				  "merge_range: value: expected a string, a number or nil, got %s",
				  luaL_typename(L, 6));
	lxw_format *f = sb_xlsx_opt_format(L, 7, ws->book);
	const char *text = t == LUA_TSTRING ? lua_tostring(L, 6) : "";
	sb_xlsx_fail(L, ws, worksheet_merge_range(ws->p, r1, c1, r2, c2, text, f), "merge_range");
	if (t == LUA_TNUMBER)
		sb_xlsx_fail(L, ws, worksheet_write_number(ws->p, r1, c1, lua_tonumber(L, 6), f),
			     "merge_range");
	return 0;
}

/* ws:write_title(row, col, text [, format]) -> last column: text on one line, merged over as
 * many columns from col as it needs to show whole (their widths as set so far, else the
 * default), so that it prints whole even past the table below it. */
static int sb_xlsx_ws_write_title(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r = sb_xlsx_row(L, 2);
	lxw_col_t c = sb_xlsx_col(L, 3);
	const char *text = luaL_checkstring(L, 4);
	lxw_format *f = sb_xlsx_opt_format(L, 5, ws->book);
	double need = sb_textfit_width(text, f != NULL && f->bold, f != NULL ? f->font_size : 0);
	lxw_col_t last = c;
	double have = 0;
	for (;;) {
		const sb_xlsx_col_info *ci = sb_xlsx_col_of(ws->sheet, last);
		have += ci->width >= 0 ? ci->width : LXW_DEF_COL_WIDTH;
		if (have >= need || last + 1 >= LXW_COL_MAX)
			break;
		last++;
	}
	lxw_error e = last > c ? worksheet_merge_range(ws->p, r, c, r, last, text, f)
			       : worksheet_write_string(ws->p, r, c, text, f);
	sb_xlsx_fail(L, ws, e, "write_title");
	lua_pushinteger(L, (lua_Integer)last);
	return 1;
}

/* ws:set_landscape(), ws:set_portrait() */
static int sb_xlsx_ws_set_landscape(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	worksheet_set_landscape(ws->p);
	ws->sheet->set |= SB_XLSX_SET_ORIENT;
	return 0;
}

static int sb_xlsx_ws_set_portrait(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	worksheet_set_portrait(ws->p);
	ws->sheet->set |= SB_XLSX_SET_ORIENT;
	return 0;
}

/* ws:fit_to_pages(width, height): printed on at most width x height pages (0: as many as
 * needed). */
static int sb_xlsx_ws_fit_to_pages(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
	luaL_argcheck(L, w >= 0 && w <= 0xFFFF, 2, "pages out of range 0..65535");
	luaL_argcheck(L, h >= 0 && h <= 0xFFFF, 3, "pages out of range 0..65535");
	worksheet_fit_to_pages(ws->p, (uint16_t)w, (uint16_t)h);
	ws->sheet->set |= SB_XLSX_SET_FIT;
	return 0;
}

/* ws:set_print_scale(percent): 10..400, instead of fitting to pages. */
static int sb_xlsx_ws_set_print_scale(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lua_Integer pct = luaL_checkinteger(L, 2);
	luaL_argcheck(L, pct >= 10 && pct <= 400, 2, "scale out of range 10..400");
	worksheet_set_print_scale(ws->p, (uint16_t)pct);
	ws->sheet->set |= SB_XLSX_SET_FIT;
	return 0;
}

/* ws:repeat_rows(first [, last]): rows printed at the top of every page. */
static int sb_xlsx_ws_repeat_rows(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t first = sb_xlsx_row(L, 2);
	lxw_row_t last = lua_isnoneornil(L, 3) ? first : sb_xlsx_row(L, 3);
	luaL_argcheck(L, last >= first, 3, "last row before the first");
	sb_xlsx_fail(L, ws, worksheet_repeat_rows(ws->p, first, last), "repeat_rows");
	ws->sheet->set |= SB_XLSX_SET_REPEAT;
	return 0;
}

/* ws:set_header(text), ws:set_footer(text): Excel's codes (&L &C &R, &P page, &N pages, &A
 * sheet, && an ampersand); at most 255 characters. */
static int sb_xlsx_ws_set_header(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	const char *text = luaL_checkstring(L, 2);
	luaL_argcheck(L, strlen(text) <= 255, 2, "longer than Excel's 255 characters");
	sb_xlsx_fail(L, ws, worksheet_set_header(ws->p, text), "set_header");
	return 0;
}

static int sb_xlsx_ws_set_footer(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	const char *text = luaL_checkstring(L, 2);
	luaL_argcheck(L, strlen(text) <= 255, 2, "longer than Excel's 255 characters");
	sb_xlsx_fail(L, ws, worksheet_set_footer(ws->p, text), "set_footer");
	ws->sheet->set |= SB_XLSX_SET_FOOTER;
	return 0;
}

static const sb_xlsx_name sb_xlsx_papers[] = {
	{"letter", 1}, {"legal", 5}, {"a3", 8}, {"a4", 9}, {"a5", 11}, {NULL, 0},
};

/* ws:set_paper(name): "letter", "legal", "a3", "a4", "a5" (default: the printer's). */
static int sb_xlsx_ws_set_paper(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	int paper = sb_xlsx_lookup(L, sb_xlsx_papers, luaL_checkstring(L, 2), "set_paper");
	worksheet_set_paper(ws->p, (uint8_t)paper);
	return 0;
}

/* ws:set_margins{left =, right =, top =, bottom =}: inches; those not given keep Excel's. */
static int sb_xlsx_ws_set_margins(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	luaL_checktype(L, 2, LUA_TTABLE);
	double m[4] = {-1, -1, -1, -1};
	static const char *const keys[] = {"left", "right", "top", "bottom"};
	lua_pushnil(L);
	while (lua_next(L, 2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		size_t i = 0;
		while (i < SB_ARRAY_SIZE(keys) && strcmp(keys[i], k) != 0)
			i++;
		if (i == SB_ARRAY_SIZE(keys))
			return luaL_error(L,
					  "set_margins: unknown margin \"%s\" (left, right, top, "
					  "bottom)",
					  k);
		m[i] = sb_xlsx_num(L, -1, "set_margins", k);
		if (m[i] < 0 || m[i] > 10)
			return luaL_error(L, "set_margins: %s: expected 0..10 inches", k);
		lua_pop(L, 1);
	}
	worksheet_set_margins(ws->p, m[0], m[1], m[2], m[3]);
	return 0;
}

/* ws:set_page_breaks{row, ...}: a printed page starts at each of these rows (1..1048575). */
static int sb_xlsx_ws_set_page_breaks(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
	luaL_argcheck(L, n <= LXW_BREAKS_MAX, 2, "too many page breaks (at most 1023)");
	lxw_row_t breaks[LXW_BREAKS_MAX + 1];
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		lua_Integer r = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
		lua_pop(L, 1);
		if (r < 1 || r >= LXW_ROW_MAX)
			return luaL_error(L, "set_page_breaks: entry %d: expected a row 1..1048575",
					  (int)i);
		breaks[i - 1] = (lxw_row_t)r;
	}
	breaks[n] = 0;
	sb_xlsx_fail(L, ws, worksheet_set_h_pagebreaks(ws->p, breaks), "set_page_breaks");
	return 0;
}

/* ws:print_area(first_row, first_col, last_row, last_col) */
static int sb_xlsx_ws_print_area(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	lxw_row_t r1 = sb_xlsx_row(L, 2), r2 = sb_xlsx_row(L, 4);
	lxw_col_t c1 = sb_xlsx_col(L, 3), c2 = sb_xlsx_col(L, 5);
	luaL_argcheck(L, r2 >= r1 && c2 >= c1, 4, "range ends before it starts");
	sb_xlsx_fail(L, ws, worksheet_print_area(ws->p, r1, c1, r2, c2), "print_area");
	return 0;
}

/* ws:autofit([{min =, max =}]): every column that holds content gets the width of its widest
 * cell written so far, kept between min (default 4) and max (default 60). */
static int sb_xlsx_ws_autofit(lua_State *L)
{
	sb_xlsx_obj *ws = sb_xlsx_check_sheet(L);
	double lo = 4, hi = SB_XLSX_AUTOFIT_MAX;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 2) != 0) {
			const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
			if (strcmp(k, "min") == 0)
				lo = sb_xlsx_num(L, -1, "autofit", k);
			else if (strcmp(k, "max") == 0)
				hi = sb_xlsx_num(L, -1, "autofit", k);
			else
				return luaL_error(L, "autofit: unknown option \"%s\" (min, max)",
						  k);
			lua_pop(L, 1);
		}
	}
	luaL_argcheck(L, lo >= 0 && hi <= 255 && lo <= hi, 2, "expected 0 <= min <= max <= 255");
	sb_xlsx_autofit(ws->sheet, lo, hi, 0);
	return 0;
}

/* ws:hide_gridlines() */
static int sb_xlsx_ws_hide_gridlines(lua_State *L)
{
	worksheet_gridlines(sb_xlsx_check_sheet(L)->p, LXW_HIDE_ALL_GRIDLINES);
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

/* A series drawn as a line (its colour is the line's), not as a filled shape. */
static int sb_xlsx_chart_is_line(const lxw_chart *ch)
{
	return (ch->type >= LXW_CHART_LINE && ch->type <= LXW_CHART_LINE_STACKED_PERCENT) ||
	       (ch->type >= LXW_CHART_SCATTER &&
		ch->type <= LXW_CHART_SCATTER_SMOOTH_WITH_MARKERS) ||
	       ch->type == LXW_CHART_RADAR || ch->type == LXW_CHART_RADAR_WITH_MARKERS;
}

static const sb_xlsx_name sb_xlsx_markers[] = {
	{"automatic", LXW_CHART_MARKER_AUTOMATIC}, {"none", LXW_CHART_MARKER_NONE},
	{"square", LXW_CHART_MARKER_SQUARE},       {"diamond", LXW_CHART_MARKER_DIAMOND},
	{"triangle", LXW_CHART_MARKER_TRIANGLE},   {"x", LXW_CHART_MARKER_X},
	{"star", LXW_CHART_MARKER_STAR},           {"circle", LXW_CHART_MARKER_CIRCLE},
	{"plus", LXW_CHART_MARKER_PLUS},           {NULL, 0},
};

static const sb_xlsx_name sb_xlsx_dashes[] = {
	{"solid", LXW_CHART_LINE_DASH_SOLID},
	{"round_dot", LXW_CHART_LINE_DASH_ROUND_DOT},
	{"square_dot", LXW_CHART_LINE_DASH_SQUARE_DOT},
	{"dash", LXW_CHART_LINE_DASH_DASH},
	{"dash_dot", LXW_CHART_LINE_DASH_DASH_DOT},
	{"long_dash", LXW_CHART_LINE_DASH_LONG_DASH},
	{NULL, 0},
};

/* chart:add_series{values = range [, categories = range] [, name =] [, color =] [, width =]
 * [, dash =] [, marker =] [, marker_size =] [, smooth =]} */
static int sb_xlsx_ch_add_series(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	luaL_checktype(L, 2, LUA_TTABLE);
	static const char *const known[] = {"values", "categories", "name",   "color",      "width",
					    "dash",   "marker",     "smooth", "marker_size"};
	lua_pushnil(L);
	while (lua_next(L, 2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		size_t i = 0;
		while (i < SB_ARRAY_SIZE(known) && strcmp(known[i], k) != 0)
			i++;
		if (i == SB_ARRAY_SIZE(known))
			return luaL_error(L,
					  "add_series: unknown option \"%s\" (values, categories, "
					  "name, color, width, dash, marker, marker_size, smooth)",
					  k);
		lua_pop(L, 1);
	}
	for (size_t i = 0; i < SB_ARRAY_SIZE(known); i++)
		lua_getfield(L, 2, known[i]); /* at 3 .. 11 */
	if (lua_isnil(L, 3))
		return luaL_error(L, "add_series: values is required");
	const char *vf, *vs, *cf = NULL, *cs = NULL;
	lxw_row_t vr[2], cr[2];
	lxw_col_t vc[2], cc[2];
	sb_xlsx_chart_range(L, 3, "values", &vf, &vs, vr, vc);
	if (!lua_isnil(L, 4))
		sb_xlsx_chart_range(L, 4, "categories", &cf, &cs, cr, cc);
	lxw_chart *chart = ch->p;
	lxw_chart_series *s = chart_add_series(chart, cf, vf);
	if (s == NULL)
		return luaL_error(L, "add_series: libxlsxwriter refused the series");
	if (vs != NULL)
		chart_series_set_values(s, vs, vr[0], vc[0], vr[1], vc[1]);
	if (cs != NULL)
		chart_series_set_categories(s, cs, cr[0], cc[0], cr[1], cc[1]);
	if (!lua_isnil(L, 5))
		chart_series_set_name(s, sb_xlsx_str(L, 5, "add_series", "name"));
	int line = sb_xlsx_chart_is_line(chart);
	lxw_chart_line ln = {0};
	int have_line = 0;
	if (!lua_isnil(L, 6)) {
		lxw_color_t color = sb_xlsx_color(L, 6, "add_series: color");
		if (line) {
			ln.color = color;
			have_line = 1;
		} else {
			lxw_chart_fill fill = {.color = color};
			chart_series_set_fill(s, &fill);
		}
	}
	if (!lua_isnil(L, 7)) {
		double w = sb_xlsx_num(L, 7, "add_series", "width");
		if (w <= 0 || w > 20)
			return luaL_error(L, "add_series: width: expected 0..20 points");
		ln.width = (float)w;
		have_line = 1;
	}
	if (!lua_isnil(L, 8)) {
		ln.dash_type = (uint8_t)sb_xlsx_lookup(L, sb_xlsx_dashes,
						       sb_xlsx_str(L, 8, "add_series", "dash"),
						       "add_series: dash");
		have_line = 1;
	}
	if (have_line)
		chart_series_set_line(s, &ln);
	if (!lua_isnil(L, 9))
		chart_series_set_marker_type(s,
					     (uint8_t)sb_xlsx_lookup(L, sb_xlsx_markers,
								     sb_xlsx_str(L, 9, "add_series",
										 "marker"),
								     "add_series: marker"));
	if (lua_toboolean(L, 10))
		chart_series_set_smooth(s, LXW_TRUE);
	if (!lua_isnil(L, 11)) {
		double sz = sb_xlsx_num(L, 11, "add_series", "marker_size");
		if (sz < 2 || sz > 72)
			return luaL_error(L, "add_series: marker_size: expected 2..72");
		chart_series_set_marker_size(s, (uint8_t)sz);
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

static const sb_xlsx_name sb_xlsx_label_positions[] = {
	{"next_to", LXW_CHART_AXIS_LABEL_POSITION_NEXT_TO},
	{"high", LXW_CHART_AXIS_LABEL_POSITION_HIGH},
	{"low", LXW_CHART_AXIS_LABEL_POSITION_LOW},
	{"none", LXW_CHART_AXIS_LABEL_POSITION_NONE},
	{NULL, 0},
};

/* Axis options {name=, num_format=, min=, max=, reverse=, crossing=, major_gridlines=,
 * major_unit=, label_position=, font_size=}. */
static void sb_xlsx_axis(lua_State *L, lxw_chart_axis *axis, int idx)
{
	const char *w = "axis";
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		if (strcmp(k, "name") == 0) {
			chart_axis_set_name(axis, sb_xlsx_str(L, -1, w, k));
		} else if (strcmp(k, "num_format") == 0) {
			chart_axis_set_num_format(axis, sb_xlsx_str(L, -1, w, k));
		} else if (strcmp(k, "min") == 0) {
			chart_axis_set_min(axis, sb_xlsx_num(L, -1, w, k));
		} else if (strcmp(k, "max") == 0) {
			chart_axis_set_max(axis, sb_xlsx_num(L, -1, w, k));
		} else if (strcmp(k, "reverse") == 0) {
			if (lua_toboolean(L, -1))
				chart_axis_set_reverse(axis);
		} else if (strcmp(k, "crossing") == 0) {
			if (lua_type(L, -1) == LUA_TNUMBER)
				chart_axis_set_crossing(axis, lua_tonumber(L, -1));
			else if (lua_type(L, -1) == LUA_TSTRING &&
				 strcmp(lua_tostring(L, -1), "max") == 0)
				chart_axis_set_crossing_max(axis);
			else if (lua_type(L, -1) == LUA_TSTRING &&
				 strcmp(lua_tostring(L, -1), "min") == 0)
				chart_axis_set_crossing_min(axis);
			else
				luaL_error(L,
					   "axis: crossing: expected \"min\", \"max\" or a number");
		} else if (strcmp(k, "major_gridlines") == 0) {
			chart_axis_major_gridlines_set_visible(axis, lua_toboolean(L, -1)
									     ? LXW_TRUE
									     : LXW_FALSE);
		} else if (strcmp(k, "major_unit") == 0) {
			double u = sb_xlsx_num(L, -1, w, k);
			if (u <= 0)
				luaL_error(L, "axis: major_unit: expected a positive number");
			chart_axis_set_major_unit(axis, u);
		} else if (strcmp(k, "label_position") == 0) {
			chart_axis_set_label_position(
				axis, (uint8_t)sb_xlsx_lookup(L, sb_xlsx_label_positions,
							      sb_xlsx_str(L, -1, w, k),
							      "axis: label_position"));
		} else if (strcmp(k, "font_size") == 0) {
			double sz = sb_xlsx_num(L, -1, w, k);
			if (sz < 1 || sz > 100)
				luaL_error(L, "axis: font_size: expected 1..100 points");
			lxw_chart_font font = {.size = sz};
			chart_axis_set_num_font(axis, &font);
		} else {
			luaL_error(
				L,
				"axis: unknown option \"%s\" (name, num_format, min, max, reverse, "
				"crossing, major_gridlines, major_unit, label_position, font_size)",
				k);
		}
		lua_pop(L, 1);
	}
}

/* chart:set_x_axis{...}, chart:set_y_axis{...}: libxlsxwriter's axes, x horizontal (in a bar
 * chart the x axis holds the values and the y axis the categories). */
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

/* The axis of the categories (value 0) or of the values (1) of chart ch, whatever its type. */
static lxw_chart_axis *sb_xlsx_axis_of(lxw_chart *ch, int values)
{
	int bar = ch->type >= LXW_CHART_BAR && ch->type <= LXW_CHART_BAR_STACKED_PERCENT;
	return chart_axis_get(ch,
			      (values != 0) == bar ? LXW_CHART_AXIS_TYPE_X : LXW_CHART_AXIS_TYPE_Y);
}

/* chart:set_category_axis{...}, chart:set_value_axis{...} */
static int sb_xlsx_ch_set_category_axis(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	sb_xlsx_axis(L, sb_xlsx_axis_of(ch->p, 0), 2);
	return 0;
}

static int sb_xlsx_ch_set_value_axis(lua_State *L)
{
	sb_xlsx_obj *ch = sb_xlsx_check_obj(L, 1, SB_XLSX_CHART, "chart");
	sb_xlsx_axis(L, sb_xlsx_axis_of(ch->p, 1), 2);
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

/* The font of the options table at idx (none: regular 11 points): {bold =, size =}. */
static void sb_xlsx_font_opts(lua_State *L, int idx, const char *what, int *bold, double *size)
{
	*bold = 0;
	*size = 11;
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		if (strcmp(k, "bold") == 0)
			*bold = lua_toboolean(L, -1);
		else if (strcmp(k, "size") == 0)
			*size = sb_xlsx_num(L, -1, what, k);
		else
			luaL_error(L, "%s: unknown option \"%s\" (bold, size)", what, k);
		lua_pop(L, 1);
	}
	if (*size < 1 || *size > 409)
		luaL_error(L, "%s: size: expected 1..409 points", what);
}

/* sb.xlsx.text_width(text [, {bold =, size =}]) -> the column width that shows text whole */
static int sb_xlsx_text_width(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	int bold;
	double size;
	sb_xlsx_font_opts(L, 2, "text_width", &bold, &size);
	lua_pushnumber(L, sb_textfit_width(s, bold, size));
	return 1;
}

/* sb.xlsx.text_lines(text, width [, {bold =, size =}]) -> lines, height: wrapped into a column
 * of that width, the lines it takes and the row height (points) that shows them. */
static int sb_xlsx_text_lines(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	double width = luaL_checknumber(L, 2);
	luaL_argcheck(L, width >= 0 && width <= 255 * 16384.0, 2, "width out of range");
	int bold;
	double size;
	sb_xlsx_font_opts(L, 3, "text_lines", &bold, &size);
	int lines = sb_textfit_lines(s, width, bold, size);
	lua_pushinteger(L, lines);
	lua_pushnumber(L, sb_textfit_height(lines, size));
	return 2;
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
	{"set_portrait", sb_xlsx_ws_set_portrait},
	{"fit_to_pages", sb_xlsx_ws_fit_to_pages},
	{"set_print_scale", sb_xlsx_ws_set_print_scale},
	{"repeat_rows", sb_xlsx_ws_repeat_rows},
	{"set_header", sb_xlsx_ws_set_header},
	{"set_footer", sb_xlsx_ws_set_footer},
	{"set_paper", sb_xlsx_ws_set_paper},
	{"set_margins", sb_xlsx_ws_set_margins},
	{"print_area", sb_xlsx_ws_print_area},
	{"set_page_breaks", sb_xlsx_ws_set_page_breaks},
	{"merge_range", sb_xlsx_ws_merge_range},
	{"write_title", sb_xlsx_ws_write_title},
	{"autofit", sb_xlsx_ws_autofit},
	{"hide_gridlines", sb_xlsx_ws_hide_gridlines},
	{NULL, NULL},
};

static const luaL_Reg sb_xlsx_chart_methods[] = {
	{"add_series", sb_xlsx_ch_add_series},
	{"set_title", sb_xlsx_ch_set_title},
	{"set_x_axis", sb_xlsx_ch_set_x_axis},
	{"set_y_axis", sb_xlsx_ch_set_y_axis},
	{"set_category_axis", sb_xlsx_ch_set_category_axis},
	{"set_value_axis", sb_xlsx_ch_set_value_axis},
	{"set_legend", sb_xlsx_ch_set_legend},
	{"set_style", sb_xlsx_ch_set_style},
	{NULL, NULL},
};

static const luaL_Reg sb_xlsx_funcs[] = {
	{"workbook", sb_xlsx_workbook},     {"cell", sb_xlsx_cell},
	{"range", sb_xlsx_range},           {"text_width", sb_xlsx_text_width},
	{"text_lines", sb_xlsx_text_lines}, {NULL, NULL},
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
