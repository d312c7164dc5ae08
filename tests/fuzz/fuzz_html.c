/* fuzz_html.c - libFuzzer target: a portal page handled as the scrapers handle it: sb.html.parse
 * with the page's URL, the XPath queries of scripts/sources/lib/portal.lua, every node method on
 * what they find, and the sb.text functions on the texts, in the Lua sandbox. The script checks
 * the invariants (docs/lua-api.md, "Scraping") and raises on a broken one. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lua/luahost.h"
#include "scraper/scraper.h"

static const char sb_fuzz_script[] =
	"local page = ...\n"
	"local base = 'http://portal.example:8080/scan/borde/index.html'\n"
	"local doc, err = sb.html.parse(page, base)\n"
	"if not doc then assert(type(err) == 'string'); return end\n"
	"assert(doc:base() == base and doc:root() ~= nil)\n"
	"local function str(s) assert(type(s) == 'string'); return s end\n"
	"local function walk(node)\n"
	"  str(node:name()); str(node:text())\n"
	"  local u = node:url()\n"
	"  if u ~= nil then str(u) end\n"
	"  local a = node:attr('href'); if a ~= nil then str(a) end\n"
	"  node:attr('class'); node:url('src')\n"
	"  node:next(); node:next('a'); node:next_sibling(); node:next_sibling('li')\n"
	"  local p = node:parent(); if p then str(p:name()) end\n"
	"  assert(type(node:children()) == 'table' and type(node:children('a')) == 'table')\n"
	"  local r = node:xpath('./*'); assert(type(r) == 'table')\n"
	"  node:xpath('.//a/@href'); node:xpath('(.//p)[1]'); node:xpath('string(.)')\n"
	"  local t = node:text()\n"
	"  local plain = sb.text.strip_accents(t)\n"
	"  assert(not plain:find('[\\128-\\255]'), 'strip_accents left a byte that is not ASCII')\n"
	"  str(sb.text.upper(t)); str(sb.text.trim(t))\n"
	"  assert(type(sb.text.split(t)) == 'table' and type(sb.text.split(t, 'X')) == 'table')\n"
	"end\n"
	"local queries = {'//a[@href]', '//a/@href', '//title', '//li[@id=\"subtitulo\"]',\n"
	"  \"//ul[contains(concat(' ', @class, ' '), ' list-group ')]//li\", '//img/@src',\n"
	"  '//td', '//base', '//*[@class]', '//text()'}\n"
	"for _, q in ipairs(queries) do\n"
	"  local r = doc:xpath(q)\n"
	"  assert(type(r) == 'table', q)\n"
	"  for i, node in ipairs(r) do\n"
	"    if i > 40 then break end\n"
	"    walk(node)\n"
	"  end\n"
	"end\n"
	"assert(type(doc:xpath('count(//*)')) == 'number')\n"
	"assert(type(doc:xpath('string(//title)')) == 'string')\n"
	"assert(type(doc:xpath('boolean(//a)')) == 'boolean')\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4200];
	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "%s/page.lua", sb_fuzz_tmpdir());
		sb_fuzz_write_file(path, (const uint8_t *)sb_fuzz_script, strlen(sb_fuzz_script));
	}
	char *page = sb_fuzz_cstr(data, size);
	const char *args[] = {page, NULL};
	sb_lua_env env = {.script = path};
	const sb_lua_section sections[] = {sb_lua_open_web};
	sb_err err = {0};
	int rc = sb_lua_run(&env, path, sections, 1, args, NULL, NULL, &err);
	if (rc != SB_OK)
		fprintf(stderr, "%s\n", err.msg);
	SB_FUZZ_CHECK(rc == SB_OK);
	free(page);
	return 0;
}
