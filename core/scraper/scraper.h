/* scraper.h - the scraping section of the Lua host: sb.http, sb.html, sb.text, sb.sources. */
#ifndef SB_SCRAPER_SCRAPER_H
#define SB_SCRAPER_SCRAPER_H

#include <lua.h>

/* A luahost section (sb_lua_section). Adds to the `sb` table at sb_index:
 *   sb.http    get / get_all through the core's HTTP engine: http(s) URLs only, SCAN_USERNAME /
 *              SCAN_PASSWORD sent only to the origins of the SCAN_URL_* settings, the SCAN_*
 *              timeouts and retries, TLS_VERIFY and CA_BUNDLE of the settings;
 *   sb.html    parse (libxml2's HTML parser) into documents queried with XPath;
 *   sb.text    upper, strip_accents, trim, split;
 *   sb.sources read / write of sources/SCAN/<LAYER>, every line checked by the core's parser,
 *              the old file copied to sources/BK_SCAN/<LAYER> before it changes.
 * The functions read the settings through sb_lua_env_of(L)->s (may be NULL: defaults, and
 * sb.sources then refuses to run). docs/lua-api.md describes each function. */
void sb_lua_open_web(lua_State *L, int sb_index);

/* Strips accents from UTF-8 text: Latin letters lose their marks (Á -> A, Ñ -> N, ß -> ss),
 * Unicode spaces become ' ', dashes '-', typographic quotes ASCII quotes, and every other
 * non-ASCII character is dropped; a byte that is not valid UTF-8 is read as Latin-1. Writes a
 * NUL-terminated result into out (at most 2 * len + 1 bytes are needed) and returns its length.
 * Thread-safe. */
size_t sb_text_strip_accents(const char *s, size_t len, char *out);

/* Upper-cases ASCII and the Latin-1 and Latin Extended-A letters of UTF-8 text into out (len + 1
 * bytes), leaving everything else as it is. Returns the length. Thread-safe. */
size_t sb_text_upper(const char *s, size_t len, char *out);

#endif
