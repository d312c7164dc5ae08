/* lock.h - one scanbackup process per data directory (an flock held for the life of the command). */
#ifndef SB_BASE_LOCK_H
#define SB_BASE_LOCK_H

#include "base/sb.h"

typedef struct sb_lock {
	int fd;
	char *path;
} sb_lock;

/* Takes <data_dir>/.lock without waiting, and writes our pid and what into it. If another process
 * holds it, returns SB_ELOCKED and err says which pid, command and since when. The lock dies with
 * the process, so a crash never leaves a stale lock. */
int sb_lock_acquire(sb_lock *l, const char *data_dir, const char *what, sb_err *err);

/* Releases the lock (the file stays, harmlessly). */
void sb_lock_release(sb_lock *l);

#endif
