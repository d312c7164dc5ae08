/* registry.h - the report scripts: the folders they are looked up in, which names are safe, their
 * titles, the list. `scanbackup report` and the web server's /api/reports both go through it, so
 * a name means the same script, and is refused in the same words, on both. */
#ifndef SB_REPORT_REGISTRY_H
#define SB_REPORT_REGISTRY_H

#include <stddef.h>

#include "base/sb.h"
#include "base/settings.h"

/* The longest report name, and the longest title kept (bytes, with its NUL). */
#define SB_REPORT_NAME_MAX 64
#define SB_REPORT_TITLE_MAX 400

/* The folders report scripts are looked up in, in order: REPORTS_SCRIPTS when set (absolute, or
 * relative to the root), then the reports/ folder of the scripts folder (settings.h,
 * sb_settings_scripts_dir). Strings owned by the struct. */
typedef struct sb_report_dirs {
	char *dir[2];
	size_t n;
	const char *builtin; /* = dir[n - 1]: the shipped scripts, and their lib/ */
} sb_report_dirs;

/* Fills d from the settings; free with sb_report_dirs_free. */
void sb_report_dirs_of(const sb_settings *s, sb_report_dirs *d);
void sb_report_dirs_free(sb_report_dirs *d);

/* SB_OK when name is a report name: 1 to SB_REPORT_NAME_MAX letters, digits, '_', '-' or '.',
 * not starting with '.' or '-' (so a plain file name, never a path); else SB_EINVAL with err
 * saying so ("'..' is not a report name: ..."; err may be NULL). */
int sb_report_name_check(const char *name, sb_err *err);

/* The script of report name: the first <dir>/<name>.lua that is a regular file. Returns SB_OK with
 * *path (caller frees); SB_EINVAL when name is not a report name (sb_report_name_check);
 * SB_ENOTFOUND when no folder has it ("unknown report 'x'" in err). */
int sb_report_find(const sb_report_dirs *d, const char *name, char **path, sb_err *err);

/* The title of a script: its first comment line ("-- diario.lua - Reporte diario" gives
 * "Reporte diario"; a "#!" line before it is skipped), cut at a character boundary to fit size
 * bytes; "" when it has none or cannot be read. */
void sb_report_title(const char *path, char *out, size_t size);

/* One report script found by sb_report_list. */
typedef struct sb_report_entry {
	char *name; /* without ".lua" */
	char *path;
	char title[SB_REPORT_TITLE_MAX];
	size_t dir; /* index in the folders */
	int hidden; /* an earlier folder has a script of the same name: that one is run */
} sb_report_entry;

/* Every report script of the folders (regular files named <report name>.lua), folder by folder
 * and by name within one; a missing folder has none. *v (caller frees with sb_report_list_free)
 * and *n. */
void sb_report_list(const sb_report_dirs *d, sb_report_entry **v, size_t *n);
void sb_report_list_free(sb_report_entry **v, size_t n);

#endif
