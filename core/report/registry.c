/* registry.c - the report scripts: lookup in REPORTS_SCRIPTS then scripts/reports, name safety,
 * titles, the list. */
#include "config.h"

#include "report/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"

void sb_report_dirs_of(const sb_settings *s, sb_report_dirs *d)
{
	memset(d, 0, sizeof(*d));
	const char *own = s->reports_scripts;
	if (own != NULL && own[0] != '\0')
		d->dir[d->n++] = own[0] == '/' ? sb_xstrdup(own) : sb_fs_join(s->root, own);
	char *scripts = sb_settings_scripts_dir(s);
	d->dir[d->n++] = sb_fs_join(scripts, "reports");
	free(scripts);
	d->builtin = d->dir[d->n - 1];
}

void sb_report_dirs_free(sb_report_dirs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->dir[i]);
	memset(d, 0, sizeof(*d));
}

/* 1 when name is a report name (registry.h). */
static int sb_report_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || name[0] == '-' ||
	    strlen(name) > SB_REPORT_NAME_MAX)
		return 0;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

/* The name of a report as shown in messages: printable ASCII only, cut. */
static void sb_report_shown(const char *name, char *out, size_t size)
{
	size_t o = 0;
	for (; name[o] != '\0' && o + 4 < size; o++)
		out[o] = name[o] >= 0x20 && name[o] < 0x7f ? name[o] : '?';
	out[o] = '\0';
	if (name[o] != '\0')
		snprintf(out + o, size - o, "...");
}

int sb_report_name_check(const char *name, sb_err *err)
{
	if (sb_report_name_ok(name))
		return SB_OK;
	char shown[SB_REPORT_NAME_MAX + 8];
	sb_report_shown(name, shown, sizeof(shown));
	return sb_err_set(
		err, SB_EINVAL,
		"'%s' is not a report name: 1 to %d letters, digits, '_', '-' or '.', not "
		"starting with '.' or '-'",
		shown, SB_REPORT_NAME_MAX);
}

int sb_report_find(const sb_report_dirs *d, const char *name, char **path, sb_err *err)
{
	*path = NULL;
	int rc = sb_report_name_check(name, err);
	if (rc != SB_OK)
		return rc;
	char shown[SB_REPORT_NAME_MAX + 8];
	sb_report_shown(name, shown, sizeof(shown));
	char *file = sb_xasprintf("%s.lua", name);
	for (size_t i = 0; i < d->n; i++) {
		char *p = sb_fs_join(d->dir[i], file);
		if (sb_fs_is_file(p)) {
			free(file);
			*path = p;
			return SB_OK;
		}
		free(p);
	}
	free(file);
	return sb_err_set(err, SB_ENOTFOUND, "unknown report '%s'", shown);
}

void sb_report_title(const char *path, char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	char line[1024];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "#!", 2) == 0)
			continue;
		if (strncmp(line, "--", 2) != 0)
			break;
		char *p = line + 2;
		while (*p == '-' || *p == ' ' || *p == '\t')
			p++;
		size_t blen = strlen(base);
		if (strncmp(p, base, blen) == 0 && strncmp(p + blen, " - ", 3) == 0)
			p += blen + 3;
		size_t n = strcspn(p, "\r\n");
		if (n >= size) {
			n = size - 1;
			while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
				n--; /* not inside a UTF-8 character */
		}
		memcpy(out, p, n);
		out[n] = '\0';
		break;
	}
	fclose(f);
}

/* A folder entry that may be a report script: "<report name>.lua". */
static int sb_report_file_ok(const char *file)
{
	size_t len = strlen(file);
	if (len <= 4 || len - 4 > SB_REPORT_NAME_MAX || strcmp(file + len - 4, ".lua") != 0)
		return 0;
	char name[SB_REPORT_NAME_MAX + 1];
	memcpy(name, file, len - 4);
	name[len - 4] = '\0';
	return sb_report_name_ok(name);
}

static int sb_report_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const sb_report_entry *)a)->name, ((const sb_report_entry *)b)->name);
}

void sb_report_list(const sb_report_dirs *d, sb_report_entry **out, size_t *nout)
{
	sb_report_entry *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		size_t first = n;
		size_t nf = 0;
		char **files = NULL;
		sb_fs_filter f = {.type = SB_FS_FILE, .keep = sb_report_file_ok};
		sb_fs_list_filter(d->dir[i], &f, &files, &nf, NULL); /* a missing folder has none */
		for (size_t k = 0; k < nf; k++) {
			char *path = sb_fs_join(d->dir[i], files[k]);
			v = sb_xrealloc(v, (n + 1) * sizeof(*v));
			sb_report_entry *e = &v[n++];
			memset(e, 0, sizeof(*e));
			e->name = sb_xstrndup(files[k], strlen(files[k]) - 4);
			e->path = path;
			e->dir = i;
			for (size_t j = 0; j < first && !e->hidden; j++)
				e->hidden = strcmp(v[j].name, e->name) == 0;
			sb_report_title(path, e->title, sizeof(e->title));
		}
		sb_fs_list_free(files, nf);
		if (n > first)
			qsort(v + first, n - first, sizeof(*v), sb_report_entry_cmp);
	}
	*out = v;
	*nout = n;
}

void sb_report_list_free(sb_report_entry **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((*v)[i].name);
		free((*v)[i].path);
	}
	sb_free(*v);
}
