/* fsutil_test.c - the directory lister: hidden names, kinds of entry (files, links to them,
 * directories), the name filter, sorting, and the errors of a missing folder. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "tap.h"

static char dir[256];

static void touch(const char *name)
{
	char *p = sb_fs_join(dir, name);
	sb_fs_write_atomic(p, "x", 1, NULL);
	free(p);
}

/* The names joined by spaces. */
static const char *joined(char **v, size_t n)
{
	static char buf[256];
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "", v[i]);
	return buf;
}

static int is_lua(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".lua") == 0;
}

static const char *list(const sb_fs_filter *f)
{
	char **v = NULL;
	size_t n = 0;
	static sb_err err;
	sb_err_clear(&err);
	if (sb_fs_list_filter(dir, f, &v, &n, &err) != SB_OK)
		return err.msg;
	const char *s = joined(v, n);
	sb_fs_list_free(v, n);
	return s;
}

static int yes(const char *name)
{
	(void)name;
	return 1;
}

int main(void)
{
	if (!tap_tempdir(dir, sizeof(dir), "fsutil"))
		return 1;
	touch("b.lua");
	touch("a.lua");
	touch(".hidden.lua");
	touch("notes.txt");
	char *sub = sb_fs_join(dir, "sub"), *lfile = sb_fs_join(dir, "link.lua"),
	     *ldir = sb_fs_join(dir, "linkdir"), *gone = sb_fs_join(dir, "dangling.lua");
	sb_fs_mkdirs(sub);
	ok(symlink("a.lua", lfile) == 0 && symlink("sub", ldir) == 0 &&
		   symlink("nothing", gone) == 0,
	   "a folder with files, a hidden one, a folder and links");

	is_str(list(NULL), "a.lua b.lua dangling.lua link.lua linkdir notes.txt sub",
	       "every name but the hidden ones, sorted");
	is_str(list(&(sb_fs_filter){.hidden = 1}),
	       ".hidden.lua a.lua b.lua dangling.lua link.lua linkdir notes.txt sub",
	       "hidden ones too, never . and ..");
	is_str(list(&(sb_fs_filter){.type = SB_FS_FILE, .keep = is_lua}), "a.lua b.lua link.lua",
	       "files: regular ones and links to one, not a dangling link");
	is_str(list(&(sb_fs_filter){.type = SB_FS_DIR}), "sub", "folders: not a link to one");
	is_str(list(&(sb_fs_filter){.hidden = 1, .keep = is_lua}),
	       ".hidden.lua a.lua b.lua dangling.lua link.lua", "the name filter");

	size_t n = 9;
	char **v = sb_fs_list(dir, yes, &n);
	is_str(joined(v, n), "a.lua b.lua dangling.lua link.lua linkdir notes.txt sub",
	       "sb_fs_list is the plain listing");
	sb_fs_list_free(v, n);

	char *missing = sb_fs_join(dir, "missing");
	sb_err err = {0};
	v = (char **)&n;
	is_int(sb_fs_list_filter(missing, NULL, &v, &n, &err), SB_ENOTFOUND,
	       "a missing folder is SB_ENOTFOUND");
	ok(v == NULL && n == 0 && strstr(err.msg, "missing: No such file or directory") != NULL,
	   "with nothing listed and the folder named: %s", err.msg);
	is_int(sb_fs_list_filter(missing, NULL, &v, &n, NULL), SB_ENOTFOUND, "err may be NULL");
	ok(sb_fs_list(missing, yes, &n) == NULL && n == 0, "sb_fs_list: NULL and 0");
	char *file = sb_fs_join(dir, "a.lua");
	is_int(sb_fs_list_filter(file, NULL, &v, &n, NULL), SB_EIO, "a file is no folder: SB_EIO");

	static const char *const names[] = {"a.lua",    "b.lua",   ".hidden.lua", "notes.txt",
					    "link.lua", "linkdir", "dangling.lua"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = sb_fs_join(dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(sub);
	rmdir(dir);
	free(sub), free(lfile), free(ldir), free(gone), free(missing), free(file);
	return tap_done();
}
