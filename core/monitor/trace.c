/* trace.c - probe trace files: locked appends by the monitor, and the loader that hands them to a
 * sink (the store, or the remote box's push). */
#include "config.h"

#include "monitor/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/numtext.h"
#include "base/timeutil.h"

/* Rows per store call (a transaction), and the most bytes read from one trace file. */
#define SB_TRACE_BATCH 20000
#define SB_TRACE_MAX_FILE ((size_t)64 << 20)

char *sb_trace_path(const char *data_dir, const char *test, int64_t monitor, int64_t link,
		    int64_t ts)
{
	/* written by hand, not with printf: one path a record */
	size_t ld = strlen(data_dir), lt = strlen(test);
	char *path = sb_xmalloc(ld + lt + 2 * SB_TEXT_INT_MAX + 48);
	char *p = path;
	memcpy(p, data_dir, ld);
	p += ld;
	memcpy(p, "/PROBES/", 8);
	p += 8;
	memcpy(p, test, lt);
	p += lt;
	*p++ = '/';
	p = sb_text_int(p, monitor);
	*p++ = '/';
	p = sb_text_int(p, link);
	*p++ = '/';
	char stamp[32]; /* the record's stamp up to its hour */
	sb_time_utc_stamp(ts, stamp);
	const char *t = strchr(stamp, 'T');
	size_t n = t != NULL ? (size_t)(t + 3 - stamp) : strlen(stamp);
	memcpy(p, stamp, n);
	memcpy(p + n, ".trace", 7);
	return path;
}

/* Opens path for appending and locks it, making sure the lock is on the file the path names
 * (the loader may have replaced or removed it between our open and our lock); *size (when not
 * NULL) is then the file's size. */
static int sb_trace_open_locked(const char *path, int flags, off_t *size, sb_err *err)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		int fd = open(path, flags | O_CLOEXEC, 0644);
		if (fd < 0 && errno == ENOENT && (flags & O_CREAT)) {
			if (sb_fs_mkdirs_for(path) != SB_OK)
				return sb_err_set(err, SB_EIO, "%s: cannot create its folder: %s",
						  path, strerror(errno));
			fd = open(path, flags | O_CLOEXEC, 0644);
		}
		if (fd < 0)
			return sb_err_set(err, errno == ENOENT ? SB_ENOTFOUND : SB_EIO, "%s: %s",
					  path, strerror(errno));
		if (flock(fd, LOCK_EX) != 0) {
			int rc = sb_err_set(err, SB_EIO, "%s: cannot lock: %s", path,
					    strerror(errno));
			close(fd);
			return rc;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			if (size != NULL)
				*size = a.st_size;
			return fd;
		}
		close(fd);
		if (!(flags & O_CREAT))
			return sb_err_set(err, SB_ENOTFOUND, "%s: removed meanwhile", path);
	}
	return sb_err_set(err, SB_EIO, "%s: keeps being replaced", path);
}

/* The folders of the tests' monitors (<data>/PROBES/<test>/<monitor>) kept open, so that an
 * append walks two names (<link>/<hour>.trace) instead of the whole path twice. Used by the
 * monitor's one thread. */
#define SB_TRACE_DIRS 8

static struct {
	char *path; /* the folder, or NULL */
	int fd;     /* O_PATH */
} sb_trace_dirs[SB_TRACE_DIRS];
static unsigned sb_trace_dir_next;

/* An existing trace file opened for appending and locked through its monitor's folder: the fd,
 * or -1 when that way does not work (no such file yet, a folder replaced): the caller then goes
 * the whole path's way, which creates what is missing. */
static int sb_trace_open_fast(const char *path, off_t *size)
{
	const char *last = strrchr(path, '/'); /* before <hour>.trace */
	if (last == NULL || last == path)
		return -1;
	const char *end = last - 1; /* then the slash before <link> */
	while (end > path && *end != '/')
		end--;
	if (end <= path || *end != '/')
		return -1;
	size_t dlen = (size_t)(end - path);
	const char *rel = end + 1;
	int slot = -1;
	for (int i = 0; i < SB_TRACE_DIRS && slot < 0; i++)
		if (sb_trace_dirs[i].path != NULL &&
		    strncmp(sb_trace_dirs[i].path, path, dlen) == 0 &&
		    sb_trace_dirs[i].path[dlen] == '\0')
			slot = i;
	if (slot < 0) {
		char *dir = sb_xstrndup(path, dlen);
		int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			free(dir);
			return -1;
		}
		slot = (int)(sb_trace_dir_next++ % SB_TRACE_DIRS);
		if (sb_trace_dirs[slot].path != NULL) {
			free(sb_trace_dirs[slot].path);
			close(sb_trace_dirs[slot].fd);
		}
		sb_trace_dirs[slot].path = dir;
		sb_trace_dirs[slot].fd = dfd;
	}
	int dfd = sb_trace_dirs[slot].fd;
	int fd = openat(dfd, rel, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* the lock on the file the name gives, as in sb_trace_open_locked; a monitor's folder is
	 * never renamed, and one removed was emptied first, so no file opens in it */
	struct stat a, b;
	if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && fstatat(dfd, rel, &b, 0) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		*size = a.st_size;
		return fd;
	}
	close(fd);
	free(sb_trace_dirs[slot].path);
	close(sb_trace_dirs[slot].fd);
	sb_trace_dirs[slot].path = NULL;
	return -1;
}

/* ---- the loader's count ----
 *
 * <data>/PROBES/.consumed holds a count (8 bytes, shared by mapping the file) that the loader
 * raises under a trace file's lock before it looks at the file's size to remove it or its head.
 * So an append to a file kept open needs no lock while the count stays what it was when the
 * file was last checked under the lock: it writes, then (a full fence between) reads the count;
 * only when the count moved does it take the lock and check that the file still has its name,
 * and when it has not, the line goes again by the path (it may have gone with the file; twice is
 * harmless, both sinks upsert). Against the loader's "raise, then read the size": either the
 * write is in the size the loader reads (and the line is kept with the file's tail), or the
 * append sees the raised count. A write still under way when the size is read (a line across a
 * page grows the size page by page) ends after the raise, so its append sees the count; the
 * loader leaves the cut line out of the tail it keeps. */

typedef struct sb_trace_count {
	char *root;              /* <data>/PROBES */
	_Atomic uint64_t *count; /* mapped, or NULL */
} sb_trace_count;

static int sb_trace_count_map(sb_trace_count *c, const char *data_dir, sb_err *err)
{
	char *root = sb_fs_join(data_dir, "PROBES");
	char *path = sb_fs_join(root, ".consumed");
	int fd = -1;
	struct stat st;
	void *m = MAP_FAILED;
	if (sb_fs_mkdirs_for(path) == SB_OK &&
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_size >= (off_t)sizeof(uint64_t) || ftruncate(fd, sizeof(uint64_t)) == 0))
		m = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int rc = m == MAP_FAILED ? sb_err_set(err, SB_EIO, "%s: %s", path, strerror(errno)) : SB_OK;
	if (fd >= 0)
		close(fd);
	free(path);
	if (rc != SB_OK) {
		free(root);
		return rc;
	}
	c->root = root;
	c->count = m;
	return SB_OK;
}

static void sb_trace_count_unmap(sb_trace_count *c)
{
	if (c->count != NULL)
		munmap((void *)c->count, sizeof(uint64_t));
	free(c->root);
	c->root = NULL;
	c->count = NULL;
}

/* ---- the files kept open ----
 *
 * A daemon that appends to every link's file of the hour once a run keeps those files open
 * between appends (sb_trace_keep_open), so an append is a write (and, after the loader took
 * files, a lock, a check and an unlock) instead of two path walks, an open and a close; one file
 * a link, its hour's (the next hour's file takes its place). The check that keeps the protocol:
 * under the lock, a file the loader removed or replaced (renamed over) has no link left
 * (st_nlink 0); the append then goes the path's way, which makes the new file. A file not
 * written for over an hour (a link no longer probed) is closed. Used by the monitor's one
 * thread. */

typedef struct sb_trace_kept {
	struct sb_trace_kept *next;
	uint64_t hash; /* of the link's folder: one file kept per link, its hour's */
	size_t dlen;   /* the folder's length in path */
	int fd;
	int counted;      /* under the count's folder: no lock while the count stays */
	uint64_t checked; /* the count when the file was last seen with its name, under the lock */
	double used;      /* monotonic seconds */
	char path[];
} sb_trace_kept;

static struct {
	size_t max; /* 0: none kept */
	size_t n, nbuckets;
	sb_trace_kept **buckets;
	double swept;
	sb_trace_count count; /* of the data folder given */
} sb_trace_fds;

#define SB_TRACE_KEEP_IDLE 3660.0

/* Monotonic seconds to a few milliseconds, for idle times of an hour: the coarse clock, read
 * without the time stamp counter. */
static double sb_trace_clock(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return sb_time_mono();
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t sb_trace_hash(const char *s, size_t n)
{
	return sb_fnv1a64(SB_FNV64_BASIS, s, n);
}

static void sb_trace_forget(sb_trace_kept **at)
{
	sb_trace_kept *k = *at;
	*at = k->next;
	close(k->fd);
	free(k);
	sb_trace_fds.n--;
}

void sb_trace_keep_open(const char *data_dir, size_t max)
{
	for (size_t b = 0; b < sb_trace_fds.nbuckets; b++)
		while (sb_trace_fds.buckets[b] != NULL)
			sb_trace_forget(&sb_trace_fds.buckets[b]);
	free(sb_trace_fds.buckets);
	sb_trace_count_unmap(&sb_trace_fds.count);
	memset(&sb_trace_fds, 0, sizeof(sb_trace_fds));
	if (max == 0)
		return;
	sb_err err = {0};
	if (data_dir != NULL && sb_trace_count_map(&sb_trace_fds.count, data_dir, &err) != SB_OK)
		sb_log(SB_LOG_WARNING, "monitor",
		       "%s: every append takes the trace file's lock (the loader's count is not "
		       "there)",
		       err.msg);
	sb_trace_fds.max = max;
	sb_trace_fds.nbuckets = 64;
	while (sb_trace_fds.nbuckets < max && sb_trace_fds.nbuckets < ((size_t)1 << 20))
		sb_trace_fds.nbuckets <<= 1;
	sb_trace_fds.buckets = sb_xcalloc(sb_trace_fds.nbuckets, sizeof(*sb_trace_fds.buckets));
	sb_trace_fds.swept = sb_time_mono();
}

size_t sb_trace_kept_open(void)
{
	return sb_trace_fds.n;
}

/* Closes the files not written for over an hour; at most once a minute. */
static void sb_trace_sweep(double now)
{
	if (now - sb_trace_fds.swept < 60)
		return;
	sb_trace_fds.swept = now;
	for (size_t b = 0; b < sb_trace_fds.nbuckets; b++) {
		sb_trace_kept **at = &sb_trace_fds.buckets[b];
		while (*at != NULL) {
			if (now - (*at)->used > SB_TRACE_KEEP_IDLE)
				sb_trace_forget(at);
			else
				at = &(*at)->next;
		}
	}
}

static int sb_trace_write(int fd, const char *path, const char *line, size_t len, sb_err *err)
{
	struct iovec iov[2] = {{(void *)line, len}, {"\n", 1}};
	ssize_t w = writev(fd, iov, 2);
	if (w != (ssize_t)(len + 1))
		return sb_err_set(err, SB_EIO, "%s: cannot append: %s", path,
				  w < 0 ? strerror(errno) : "short write");
	return SB_OK;
}

/* A file (of size bytes) whose last line was cut short (its writer killed while writing it) gets
 * the newline it lacks, so the cut line stays one of its own (rejected by the loader, with its
 * place) rather than the head of the next. Under the file's lock, where no other append is under
 * way. */
static void sb_trace_mend_end(int fd, off_t size, const char *path)
{
	char last = '\n';
	if (size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != '\n' &&
	    write(fd, "\n", 1) != 1)
		sb_log(SB_LOG_WARNING, "monitor", "%s: cannot end its cut last line: %s", path,
		       strerror(errno));
}

/* keep: the file may be kept open for the next append (when there is room) */
static int sb_trace_append_keep(const char *path, const char *line, size_t len, int keep,
				sb_err *err)
{
	uint64_t h = 0;
	double now = 0;
	const char *slash = strrchr(path, '/');
	size_t dlen = slash != NULL ? (size_t)(slash - path) : strlen(path);
	if (sb_trace_fds.max > 0) {
		now = sb_trace_clock();
		sb_trace_sweep(now);
		h = sb_trace_hash(path, dlen);
		sb_trace_kept **at = &sb_trace_fds.buckets[h & (sb_trace_fds.nbuckets - 1)];
		while (*at != NULL && ((*at)->hash != h || (*at)->dlen != dlen ||
				       memcmp((*at)->path, path, dlen) != 0))
			at = &(*at)->next;
		if (*at != NULL && strcmp((*at)->path, path) != 0) {
			sb_trace_forget(at); /* the link's file of an hour that is over */
		} else if (*at != NULL) {
			sb_trace_kept *k = *at;
			_Atomic uint64_t *count = sb_trace_fds.count.count;
			int written = 0;
			if (k->counted && atomic_load(count) == k->checked) {
				int rc = sb_trace_write(k->fd, path, line, len, err);
				atomic_thread_fence(memory_order_seq_cst);
				k->used = now;
				if (rc != SB_OK || atomic_load(count) == k->checked)
					return rc;
				written = 1; /* the loader took files meanwhile: check this one */
			}
			struct stat st;
			if (flock(k->fd, LOCK_EX) == 0) {
				uint64_t c = k->counted ? atomic_load(count) : 0;
				if (fstat(k->fd, &st) == 0 && st.st_nlink > 0) {
					int rc = written ? SB_OK
							 : sb_trace_write(k->fd, path, line, len,
									  err);
					flock(k->fd, LOCK_UN);
					k->checked = c;
					k->used = now;
					return rc;
				}
			}
			/* removed or replaced by the loader: the path's way (with the line again
			 * when it was written into the file that went) */
			sb_trace_forget(at);
		}
	}
	off_t size = 0;
	int fd = sb_trace_open_fast(path, &size);
	if (fd < 0)
		fd = sb_trace_open_locked(path, O_RDWR | O_APPEND | O_CREAT, &size, err);
	if (fd < 0)
		return fd;
	sb_trace_mend_end(fd, size, path);
	int rc = sb_trace_write(fd, path, line, len, err);
	if (rc == SB_OK && keep && sb_trace_fds.n < sb_trace_fds.max) {
		size_t plen = strlen(path);
		sb_trace_kept *k = sb_xmalloc(sizeof(*k) + plen + 1);
		memcpy(k->path, path, plen + 1);
		k->hash = h;
		k->dlen = dlen;
		k->fd = fd;
		k->used = now;
		/* under the lock the path's way took: the count the file was seen with */
		const char *root = sb_trace_fds.count.root;
		size_t rlen = root != NULL ? strlen(root) : 0;
		k->counted = root != NULL && strncmp(path, root, rlen) == 0 && path[rlen] == '/';
		k->checked = k->counted ? atomic_load(sb_trace_fds.count.count) : 0;
		sb_trace_kept **b = &sb_trace_fds.buckets[h & (sb_trace_fds.nbuckets - 1)];
		k->next = *b;
		*b = k;
		sb_trace_fds.n++;
		flock(fd, LOCK_UN);
		return rc;
	}
	close(fd);
	return rc;
}

int sb_trace_append(const char *path, const char *line, size_t len, sb_err *err)
{
	return sb_trace_append_keep(path, line, len, 1, err);
}

int sb_trace_append_once(const char *path, const char *line, size_t len, sb_err *err)
{
	return sb_trace_append_keep(path, line, len, 0, err);
}

/* ---- loading ---- */

/* A file read into the current batch: its text (rows point into it) and what to remove later. */
typedef struct sb_trace_file {
	char *path;
	char *text;
	off_t stored;   /* bytes up to the last complete line read */
	char *rejected; /* bad lines, newline-terminated, or NULL */
	size_t nrejected;
} sb_trace_file;

typedef struct sb_trace_batch {
	const char *data_dir;
	const sb_trace_sink *sink;
	int force;
	int64_t hour_now;  /* start of the UTC hour in progress */
	sb_rec_decl *decl; /* the test being read */
	sb_trace_file *files;
	size_t nfiles, capfiles;
	sb_rec *rows; /* their v, date and time are resolved at commit (the arrays below move) */
	sb_rec_val *vals; /* decl->n values per row */
	char (*when)[20]; /* date and time strings of every row */
	size_t nrows, caprows;
	sb_trace_stats *stats;
	sb_err *err;
	sb_trace_count count; /* mapped at the first file taken */
} sb_trace_batch;

/* After the store confirmed: removes the stored head of the file, keeping what was appended. */
static int sb_trace_consume(sb_trace_batch *b, const sb_trace_file *f, sb_err *err)
{
	if (b->count.count == NULL && sb_trace_count_map(&b->count, b->data_dir, err) != SB_OK)
		return SB_EIO; /* without the count, an append to a kept file would not see it */
	if (f->rejected != NULL) {
		char *rej = sb_xasprintf("%s.rejected", f->path);
		FILE *out = fopen(rej, "ae");
		if (out != NULL) {
			fwrite(f->rejected, 1, strlen(f->rejected), out);
			fclose(out);
		} else {
			sb_log(SB_LOG_ERROR, "updater",
			       "%s: %s: the rejected lines stay in the trace file", rej,
			       strerror(errno));
			free(rej);
			return SB_OK;
		}
		free(rej);
	}
	int fd = sb_trace_open_locked(f->path, O_RDWR, NULL, err);
	if (fd == SB_ENOTFOUND)
		return SB_OK;
	if (fd < 0)
		return fd;
	/* raised before the size is read: an append after that read sees it (above) */
	atomic_fetch_add(b->count.count, 1);
	struct stat st;
	int rc = SB_OK;
	if (fstat(fd, &st) != 0) {
		rc = sb_err_set(err, SB_EIO, "%s: %s", f->path, strerror(errno));
	} else {
		/* lines appended while we stored are kept in a new file; a line cut short at the
		 * end is not: an unlocked append still writing it sees the count raised and
		 * writes it again by the path (in front of its next line it would spoil both) */
		size_t rest = st.st_size > f->stored ? (size_t)(st.st_size - f->stored) : 0;
		char *buf = rest > 0 ? sb_xmalloc(rest) : NULL;
		ssize_t got = rest > 0 ? pread(fd, buf, rest, f->stored) : 0;
		const char *nl = got > 0 ? memrchr(buf, '\n', (size_t)got) : NULL;
		size_t whole = nl != NULL ? (size_t)(nl - buf) + 1 : 0;
		if (got != (ssize_t)rest)
			rc = sb_err_set(err, SB_EIO, "%s: cannot read its tail", f->path);
		else if (whole < rest)
			sb_log(SB_LOG_INFO, "updater",
			       "%s: %zu bytes of a line being written or cut short left out",
			       f->path, rest - whole);
		if (rc == SB_OK && whole == 0) {
			if (unlink(f->path) != 0)
				rc = sb_err_set(err, SB_EIO, "%s: cannot remove: %s", f->path,
						strerror(errno));
		} else if (rc == SB_OK) {
			char *tmp = sb_xasprintf("%s.tmp.%ld", f->path, (long)getpid());
			int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (out < 0 || write(out, buf, whole) != (ssize_t)whole ||
			    fsync(out) != 0 || rename(tmp, f->path) != 0) {
				rc = sb_err_set(err, SB_EIO, "%s: cannot rewrite its tail: %s",
						f->path, strerror(errno));
				unlink(tmp);
			}
			if (out >= 0)
				close(out);
			free(tmp);
		}
		free(buf);
	}
	close(fd);
	return rc;
}

/* Hands the batch to the sink, then removes what it confirmed from each file. */
static int sb_trace_commit(sb_trace_batch *b)
{
	int rc = SB_OK;
	if (b->nrows > 0) {
		for (size_t i = 0; i < b->nrows; i++) {
			b->rows[i].v = &b->vals[i * b->decl->n];
			b->rows[i].date = b->when[i];
			b->rows[i].time = b->when[i] + 11;
		}
		rc = b->sink->put(b->sink->ctx, b->decl, b->rows, b->nrows, b->err);
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		sb_trace_file *f = &b->files[i];
		if (rc == SB_OK) {
			sb_err e = {0};
			if (sb_trace_consume(b, f, &e) != SB_OK) {
				sb_log(SB_LOG_ERROR, "updater",
				       "%s (handed over; will be handed over again next time)",
				       e.msg);
				b->stats->kept++;
			}
		} else {
			b->stats->kept++;
		}
		free(f->path);
		free(f->text);
		free(f->rejected);
	}
	if (rc == SB_OK)
		b->stats->rows += b->nrows;
	b->nfiles = 0;
	b->nrows = 0;
	return rc;
}

/* Room for one more row and its values. */
static void sb_trace_grow(sb_trace_batch *b)
{
	if (b->nrows < b->caprows)
		return;
	b->caprows = b->caprows ? b->caprows * 2 : 256;
	b->rows = sb_xrealloc(b->rows, b->caprows * sizeof(*b->rows));
	b->vals = sb_xrealloc(b->vals, b->caprows * SB_REC_MAX_FIELDS * sizeof(*b->vals));
	b->when = sb_xrealloc(b->when, b->caprows * sizeof(*b->when));
}

/* Moves a bad line of f to its rejected text. */
static void sb_trace_reject(sb_trace_batch *b, sb_trace_file *f, const char *line)
{
	size_t old = f->rejected != NULL ? strlen(f->rejected) : 0, n = strlen(line);
	f->rejected = sb_xrealloc(f->rejected, old + n + 2);
	memcpy(f->rejected + old, line, n);
	f->rejected[old + n] = '\n';
	f->rejected[old + n + 1] = '\0';
	f->nrejected++;
	b->stats->rejected++;
}

/* Reads one trace file of the batch's test into the batch. */
static int sb_trace_read(sb_trace_batch *b, const char *path, int64_t monitor, int64_t link)
{
	char *text = NULL;
	size_t len = 0;
	sb_err e = {0};
	int rc = sb_fs_read(path, SB_TRACE_MAX_FILE, &text, &len, &e);
	if (rc == SB_ENOTFOUND)
		return SB_OK;
	if (rc != SB_OK) {
		sb_log(SB_LOG_ERROR, "updater", "%s (file kept)", e.msg);
		b->stats->kept++;
		return SB_OK;
	}
	char *last = len > 0 ? memrchr(text, '\n', len) : NULL;
	if (last == NULL) {
		free(text);
		return SB_OK; /* nothing complete yet */
	}
	*(last + 1) = '\0';
	if (b->nfiles == b->capfiles) {
		b->capfiles = b->capfiles ? b->capfiles * 2 : 64;
		b->files = sb_xrealloc(b->files, b->capfiles * sizeof(*b->files));
	}
	sb_trace_file *f = &b->files[b->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = sb_xstrdup(path);
	f->text = text;
	f->stored = (off_t)(last + 1 - text);
	b->stats->files++;
	/* rows point into text; the line is split in place, so a bad one is copied first */
	size_t lineno = 0;
	for (char *line = text; *line != '\0';) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		lineno++;
		if (*line != '\0') {
			char *copy = sb_xstrdup(line);
			sb_trace_grow(b);
			sb_rec *r = &b->rows[b->nrows];
			sb_rec_val *v = &b->vals[b->nrows * b->decl->n];
			char why[256];
			if (sb_rec_parse_line(b->decl, line, monitor, link, r, v, why,
					      sizeof(why)) != SB_OK) {
				sb_log(SB_LOG_WARNING, "updater",
				       "%s:%zu: %s: line moved to %s.rejected", path, lineno, why,
				       path);
				sb_trace_reject(b, f, copy);
			} else {
				sb_time_local(r->ts, b->when[b->nrows], b->when[b->nrows] + 11);
				b->nrows++;
			}
			free(copy);
		}
		line = nl + 1;
	}
	return SB_OK;
}

static int sb_trace_is_id(const char *s, int64_t *v)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return sb_parse_int64(s, v) == SB_OK;
}

/* An hour file's name: <YYYY-MM-DDTHH>.trace. */
static int sb_trace_file_name(const char *name)
{
	size_t len = strlen(name);
	return len > 6 && strcmp(name + len - 6, ".trace") == 0;
}

/* The hour files of one link folder. */
static int sb_trace_link_dir(sb_trace_batch *b, const char *dir, int64_t monitor, int64_t link)
{
	size_t n = 0;
	char **names = sb_fs_list(dir, sb_trace_file_name, &n);
	int rc = SB_OK;
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		size_t len = strlen(names[i]);
		char stamp[32];
		snprintf(stamp, sizeof(stamp), "%.*s:00:00Z", (int)(len - 6), names[i]);
		int64_t hour = 0;
		if (sb_rec_parse_stamp(stamp, &hour) != SB_OK)
			continue;
		if (!b->force && hour >= b->hour_now)
			continue; /* the hour in progress: next time, or with --force */
		char *path = sb_fs_join(dir, names[i]);
		rc = sb_trace_read(b, path, monitor, link);
		free(path);
		if (rc == SB_OK && b->nrows >= SB_TRACE_BATCH)
			rc = sb_trace_commit(b);
	}
	sb_fs_list_free(names, n);
	return rc;
}

/* The trace files under a test's folder that wait, counted (for a test nobody declares). */
static size_t sb_trace_count_files(const char *tdir)
{
	size_t nfiles = 0, nmon = 0;
	char **mons = sb_fs_list(tdir, NULL, &nmon);
	for (size_t m = 0; m < nmon; m++) {
		char *mdir = sb_fs_join(tdir, mons[m]);
		size_t nlinks = 0;
		char **links = sb_fs_list(mdir, NULL, &nlinks);
		for (size_t l = 0; l < nlinks; l++) {
			char *ldir = sb_fs_join(mdir, links[l]);
			size_t n = 0;
			char **names = sb_fs_list(ldir, sb_trace_file_name, &n);
			sb_fs_list_free(names, n);
			nfiles += n;
			free(ldir);
		}
		sb_fs_list_free(links, nlinks);
		free(mdir);
	}
	sb_fs_list_free(mons, nmon);
	return nfiles;
}

/* Every file of one test's folder, through the batch. */
static int sb_trace_test_dir(sb_trace_batch *b, const char *tdir)
{
	size_t nmon = 0;
	char **mons = sb_fs_list(tdir, NULL, &nmon);
	int rc = SB_OK;
	for (size_t m = 0; m < nmon && rc == SB_OK; m++) {
		int64_t monitor = 0;
		if (!sb_trace_is_id(mons[m], &monitor))
			continue;
		char *mdir = sb_fs_join(tdir, mons[m]);
		size_t nlinks = 0;
		char **links = sb_fs_list(mdir, NULL, &nlinks);
		for (size_t l = 0; l < nlinks && rc == SB_OK; l++) {
			int64_t link = 0;
			if (!sb_trace_is_id(links[l], &link))
				continue;
			char *ldir = sb_fs_join(mdir, links[l]);
			rc = sb_trace_link_dir(b, ldir, monitor, link);
			free(ldir);
		}
		sb_fs_list_free(links, nlinks);
		free(mdir);
	}
	sb_fs_list_free(mons, nmon);
	if (rc == SB_OK)
		rc = sb_trace_commit(
			b); /* a failed commit inside the walk already kept its files */
	return rc;
}

static int sb_trace_store_put(void *ctx, const sb_rec_decl *d, const sb_rec *recs, size_t n,
			      sb_err *err)
{
	return sb_store_put_records(ctx, d, recs, n, err);
}

sb_trace_sink sb_trace_store_sink(sb_store *st)
{
	return (sb_trace_sink){.put = sb_trace_store_put, .ctx = st};
}

int sb_trace_load(const char *data_dir, sb_rec_set *decls, const sb_trace_sink *sink, int force,
		  sb_trace_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	sb_trace_batch b = {.data_dir = data_dir,
			    .sink = sink,
			    .force = force,
			    .stats = stats,
			    .err = err};
	int64_t now = (int64_t)time(NULL);
	b.hour_now = now - now % 3600;
	char *root = sb_fs_join(data_dir, "PROBES");
	size_t ntests = 0;
	char **tests = sb_fs_list(root, NULL, &ntests);
	int rc = SB_OK;
	for (size_t t = 0; t < ntests && rc == SB_OK; t++) {
		char *tdir = sb_fs_join(root, tests[t]);
		b.decl = sb_rec_set_find(decls, tests[t]);
		if (b.decl == NULL) {
			size_t waiting = sb_trace_count_files(tdir);
			if (waiting > 0)
				sb_log(SB_LOG_WARNING, "updater",
				       "%s: no probe module here declares the record of test %s: "
				       "its %zu trace files stay in the spool",
				       tdir, tests[t], waiting);
			stats->kept += waiting;
		} else {
			rc = sb_trace_test_dir(&b, tdir);
			sb_rec_decl_unref(b.decl);
			b.decl = NULL;
		}
		free(tdir);
	}
	sb_fs_list_free(tests, ntests);
	free(root);
	free(b.rows);
	free(b.vals);
	free(b.when);
	free(b.files);
	sb_trace_count_unmap(&b.count);
	return rc;
}
