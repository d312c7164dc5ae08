/* dotenv.h - .env files parsed with dotenv rules: KEY=VALUE, quotes, comments, export; no evaluation. */
#ifndef SB_BASE_DOTENV_H
#define SB_BASE_DOTENV_H

#include <stddef.h>

#include "base/sb.h"

/* Called for each assignment, in file order. Return SB_OK to go on; any other code stops the parse
 * and is returned (the callback fills err itself if it wants a message). */
typedef int (*sb_dotenv_fn)(void *ctx, const char *key, const char *value, const char *path,
			    unsigned line);

/* Parses a .env body.
 * Rules: blank lines and lines whose first non-blank is '#' are skipped; an optional `export `
 * prefix; KEY is [A-Za-z_][A-Za-z0-9_.-]*; blanks around '=' are allowed; an unquoted value ends at
 * the end of line or at a " #" comment and is trimmed; 'single quoted' values are literal;
 * "double quoted" values may span lines and understand \n \r \t \" \\ and \$; nothing is expanded
 * or executed. A malformed line is SB_EPARSE with err naming path:line and what was expected. */
int sb_dotenv_parse(const char *buf, size_t len, const char *path, sb_dotenv_fn fn, void *ctx,
		    sb_err *err);

/* Reads path and parses it. A missing file is SB_ENOTFOUND (err not set). */
int sb_dotenv_load(const char *path, sb_dotenv_fn fn, void *ctx, sb_err *err);

#endif
