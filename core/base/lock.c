/* lock.c - the data directory lock, an flock on data/.lock holding the owner's pid and command. */
#include "config.h"

#include "base/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"

int sb_lock_acquire(sb_lock *l, const char *data_dir, const char *what, sb_err *err)
{
	l->fd = -1;
	l->path = NULL;
	if (sb_fs_mkdirs(data_dir) != SB_OK)
		return sb_err_set(err, SB_EIO, "cannot create %s: %s", data_dir, strerror(errno));
	char *path = sb_fs_join(data_dir, ".lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char owner[256] = "";
		ssize_t n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		int rc = sb_err_set(
			err, SB_ELOCKED,
			"another scanbackup is working on %s (%s); try again when it ends",
			data_dir, *owner != '\0' ? owner : "owner unknown");
		close(fd);
		free(path);
		return rc;
	}
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	char line[256];
	int len = snprintf(line, sizeof(line), "pid %ld, '%s', since %s\n", (long)getpid(), what,
			   stamp);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		/* The lock itself is held; only its description could not be written. */
	}
	l->fd = fd;
	l->path = path;
	return SB_OK;
}

void sb_lock_release(sb_lock *l)
{
	if (l->fd >= 0) {
		if (ftruncate(l->fd, 0) != 0) {
			/* a stale description is harmless: the flock is what counts */
		}
		flock(l->fd, LOCK_UN);
		close(l->fd);
	}
	l->fd = -1;
	sb_free(l->path);
}
