/* fsutil.c - folders, whole-file reads and atomic temp-file-and-rename writes. */
#include "config.h"

#include "base/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sb_fs_mkdirs(const char *path)
{
	char *p = sb_xstrdup(path);
	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return SB_EIO;
		}
		*s = '/';
	}
	int rc = (mkdir(p, 0755) == 0 || errno == EEXIST) && sb_fs_is_dir(p) ? SB_OK : SB_EIO;
	free(p);
	return rc;
}

int sb_fs_mkdirs_for(const char *path)
{
	char *p = sb_xstrdup(path);
	char *slash = strrchr(p, '/');
	int rc = SB_OK;
	if (slash != NULL && slash != p) {
		*slash = '\0';
		rc = sb_fs_mkdirs(p);
	}
	free(p);
	return rc;
}

int sb_fs_read(const char *path, size_t max, char **out, size_t *len, sb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return sb_err_set(err, SB_ENOTFOUND, "%s: no such file", path);
		return sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
	}
	size_t cap = 4096, n = 0;
	char *buf = sb_xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				return sb_err_set(err, SB_ETOOBIG, "%s: larger than %zu bytes",
						  path, max);
			}
			cap *= 2;
			buf = sb_xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return sb_err_set(err, SB_EIO, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		return sb_err_set(err, SB_ETOOBIG, "%s: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*out = buf;
	if (len != NULL)
		*len = n;
	return SB_OK;
}

int sb_fs_atomic_open(sb_fs_atomic *a, const char *path, sb_err *err)
{
	a->f = NULL;
	a->path = NULL;
	a->tmp = NULL;
	if (sb_fs_mkdirs_for(path) != SB_OK)
		return sb_err_set(err, SB_EIO, "cannot create the folder of %s: %s", path,
				  strerror(errno));
	a->tmp = sb_xasprintf("%s.tmp.%ld", path, (long)getpid());
	a->f = fopen(a->tmp, "we");
	if (a->f == NULL) {
		int e = errno;
		sb_free(a->tmp);
		return sb_err_set(err, SB_EIO, "%s: %s", path, strerror(e));
	}
	a->path = sb_xstrdup(path);
	a->sync = 1;
	return SB_OK;
}

static void sb_fs_sync_dir(const char *path)
{
	char *p = sb_xstrdup(path);
	int fd = open(dirname(p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(p);
}

int sb_fs_atomic_commit(sb_fs_atomic *a, sb_err *err)
{
	if (a->f == NULL)
		return sb_err_set(err, SB_EINVAL, "atomic write not open");
	int failed = ferror(a->f) || fflush(a->f) != 0 || (a->sync && fsync(fileno(a->f)) != 0);
	int e = errno;
	failed |= fclose(a->f) != 0;
	a->f = NULL;
	if (!failed && rename(a->tmp, a->path) != 0) {
		failed = 1;
		e = errno;
	}
	if (failed) {
		int rc = sb_err_set(err, SB_EIO, "%s: %s", a->path, strerror(e ? e : EIO));
		sb_fs_atomic_abort(a);
		return rc;
	}
	if (a->sync)
		sb_fs_sync_dir(a->path);
	sb_free(a->tmp);
	sb_free(a->path);
	return SB_OK;
}

void sb_fs_atomic_abort(sb_fs_atomic *a)
{
	if (a->f != NULL)
		fclose(a->f);
	a->f = NULL;
	if (a->tmp != NULL)
		unlink(a->tmp);
	sb_free(a->tmp);
	sb_free(a->path);
}

int sb_fs_write_atomic(const char *path, const void *data, size_t len, sb_err *err)
{
	sb_fs_atomic a;
	int rc = sb_fs_atomic_open(&a, path, err);
	if (rc != SB_OK)
		return rc;
	if (len > 0 && fwrite(data, 1, len, a.f) != len) {
		sb_fs_atomic_abort(&a);
		return sb_err_set(err, SB_EIO, "%s: write failed", path);
	}
	return sb_fs_atomic_commit(&a, err);
}

int sb_fs_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SB_EIO;
	int rc = syncfs(fd) == 0 ? SB_OK : SB_EIO;
	close(fd);
	return rc;
}

int sb_fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sb_fs_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int sb_fs_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the entry name of dir is of the kind t. */
static int sb_fs_type_ok(const char *dir, const char *name, sb_fs_type t)
{
	if (t == SB_FS_ANY)
		return 1;
	char *path = sb_fs_join(dir, name);
	struct stat st;
	int ok = t == SB_FS_FILE ? stat(path, &st) == 0 && S_ISREG(st.st_mode)
				 : lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
	free(path);
	return ok;
}

int sb_fs_list_filter(const char *dir, const sb_fs_filter *f, char ***out, size_t *n, sb_err *err)
{
	static const sb_fs_filter plain = {0};
	if (f == NULL)
		f = &plain;
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		int e = errno;
		return sb_err_set(err, e == ENOENT ? SB_ENOTFOUND : SB_EIO, "%s: %s", dir,
				  strerror(e));
	}
	char **v = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    (name[0] == '.' && !f->hidden) || (f->keep != NULL && !f->keep(name)) ||
		    !sb_fs_type_ok(dir, name, f->type))
			continue;
		sb_grow(&v, &cap, *n, sizeof(*v));
		v[(*n)++] = sb_xstrdup(name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), sb_fs_cmp);
	*out = v;
	return SB_OK;
}

char **sb_fs_list(const char *dir, int (*keep)(const char *name), size_t *n)
{
	const sb_fs_filter f = {.keep = keep};
	char **v = NULL;
	if (sb_fs_list_filter(dir, &f, &v, n, NULL) != SB_OK)
		return NULL;
	return v;
}

void sb_fs_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *sb_fs_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return sb_xasprintf("%.*s/%s", (int)la, a, b);
}
