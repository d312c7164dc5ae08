/* fsutil.h - file system helpers: folders, whole-file reads and atomic writes. */
#ifndef SB_BASE_FSUTIL_H
#define SB_BASE_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "base/sb.h"

/* mkdir -p path (mode 0755). Returns SB_OK or SB_EIO (errno kept). */
int sb_fs_mkdirs(const char *path);
/* mkdir -p of the folder that holds path. */
int sb_fs_mkdirs_for(const char *path);

/* Reads a whole file into a new NUL-terminated buffer (caller frees *out). Files over max bytes
 * are SB_ETOOBIG; a missing file SB_ENOTFOUND; other failures SB_EIO. err names the path. */
int sb_fs_read(const char *path, size_t max, char **out, size_t *len, sb_err *err);

/* An atomic write: data goes to "<path>.tmp.<pid>" in the same folder, and only
 * sb_fs_atomic_commit makes it appear under path (fsync, rename, fsync of the folder). */
typedef struct sb_fs_atomic {
	FILE *f;  /* write here */
	int sync; /* fsync file and folder on commit (1 after open); 0 for writers that call
			 * sb_fs_sync once after a batch of files */
	char *path;
	char *tmp;
} sb_fs_atomic;

int sb_fs_atomic_open(sb_fs_atomic *a, const char *path, sb_err *err);
/* Flushes, syncs and renames. On failure the temp file is removed and path is untouched. */
int sb_fs_atomic_commit(sb_fs_atomic *a, sb_err *err);
/* Drops the temp file (safe after commit or a failed open). */
void sb_fs_atomic_abort(sb_fs_atomic *a);

/* Writes len bytes to path atomically. */
int sb_fs_write_atomic(const char *path, const void *data, size_t len, sb_err *err);

/* Flushes the whole file system holding path to disk (syncfs): one call after many unsynced
 * atomic writes. Returns SB_OK or SB_EIO. */
int sb_fs_sync(const char *path);

/* 1 if path exists and is a directory / a regular file. */
int sb_fs_is_dir(const char *path);
int sb_fs_is_file(const char *path);

/* The one directory lister of the engine. */

/* Which entries a listing keeps. */
typedef enum sb_fs_type {
	SB_FS_ANY,  /* every kind of entry */
	SB_FS_FILE, /* regular files, or symbolic links to one (stat) */
	SB_FS_DIR,  /* directories, not a symbolic link to one (lstat) */
} sb_fs_type;

typedef struct sb_fs_filter {
	int hidden;                    /* keep names starting with '.' too ("." and ".." never) */
	sb_fs_type type;               /* what kind of entry */
	int (*keep)(const char *name); /* 1 to keep the name; NULL keeps every name */
} sb_fs_filter;

/* The names in dir that pass f (NULL: every name but hidden ones), sorted by strcmp, in *out
 * (free with sb_fs_list_free; NULL when there is none) and their count in *n. Returns SB_OK,
 * SB_ENOTFOUND when dir does not exist, or SB_EIO when it cannot be read; err (may be NULL) then
 * names dir and the system's reason. */
int sb_fs_list_filter(const char *dir, const sb_fs_filter *f, char ***out, size_t *n, sb_err *err);

/* sb_fs_list_filter of the names (not hidden, of any kind) for which keep returns 1; a missing
 * or unreadable dir gives NULL and 0. Free with sb_fs_list_free. */
char **sb_fs_list(const char *dir, int (*keep)(const char *name), size_t *n);
void sb_fs_list_free(char **names, size_t n);

/* Joins a and b with one '/' into a new string. */
char *sb_fs_join(const char *a, const char *b);

#endif
