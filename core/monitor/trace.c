/* trace.c - probe trace files: locked appends by the monitor, and the loader into the store. */
#include "config.h"

#include "monitor/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"

/* Rows per store call (a transaction), and the most bytes read from one trace file. */
#define SB_TRACE_BATCH 20000
#define SB_TRACE_MAX_FILE ((size_t)64 << 20)
/* The ranges a record's values must fall in (sb_trace_parse_line). */
#define SB_TRACE_MIN_TS INT64_C(946684800)  /* 2000-01-01 */
#define SB_TRACE_MAX_TS INT64_C(4102444800) /* 2100-01-01 */
#define SB_TRACE_MAX_MS 3600000.0
#define SB_TRACE_MAX_TARGET 2048

void sb_trace_stamp(int64_t ts, char *buf)
{
	time_t t = (time_t)ts;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sb_trace_parse_stamp(const char *s, int64_t *ts)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return SB_EINVAL;
	*ts = (int64_t)timegm(&tm);
	return SB_OK;
}

char *sb_trace_path(const char *data_dir, const char *test, int64_t monitor, int64_t link,
		    int64_t ts)
{
	time_t t = (time_t)ts;
	struct tm tm;
	gmtime_r(&t, &tm);
	char hour[32];
	strftime(hour, sizeof(hour), "%Y-%m-%dT%H", &tm);
	return sb_xasprintf("%s/PROBES/%s/%lld/%lld/%s.trace", data_dir, test, (long long)monitor,
			    (long long)link, hour);
}

/* Opens path for appending and locks it, making sure the lock is on the file the path names
 * (the loader may have replaced or removed it between our open and our lock). */
static int sb_trace_open_locked(const char *path, int flags, sb_err *err)
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
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);
		if (!(flags & O_CREAT))
			return sb_err_set(err, SB_ENOTFOUND, "%s: removed meanwhile", path);
	}
	return sb_err_set(err, SB_EIO, "%s: keeps being replaced", path);
}

int sb_trace_append(const char *path, const char *line, size_t len, sb_err *err)
{
	int fd = sb_trace_open_locked(path, O_WRONLY | O_APPEND | O_CREAT, err);
	if (fd < 0)
		return fd;
	char *buf = sb_xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	ssize_t w = write(fd, buf, len + 1);
	int saved = errno;
	free(buf);
	close(fd);
	if (w != (ssize_t)(len + 1))
		return sb_err_set(err, SB_EIO, "%s: cannot append: %s", path,
				  w < 0 ? strerror(saved) : "short write");
	return SB_OK;
}

/* ---- parsing ---- */

/* Splits line at tabs in place into at most max fields; returns the count. */
static size_t sb_trace_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		char *tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static int sb_trace_int(const char *s, int64_t *v)
{
	return sb_parse_int64(s, v);
}

/* A time in ms: -1 (none) or 0 to an hour. */
static int sb_trace_ms_ok(double v)
{
	return v == -1.0 || (v >= 0.0 && v <= SB_TRACE_MAX_MS);
}

/* 1 when the hops text is one closed JSON list (brackets balanced outside strings); counts the
 * hops (the lists directly inside it) into *nhops. */
static int sb_trace_hops_ok(const char *p, int64_t *nhops)
{
	int depth = 0, in_str = 0, closed = 0;
	*nhops = 0;
	if (*p != '[')
		return 0;
	for (; *p != '\0'; p++) {
		if (closed)
			return 0; /* text after the list */
		if (in_str) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"') {
			in_str = 1;
		} else if (*p == '[') {
			if (++depth == 2)
				(*nhops)++;
		} else if (*p == ']') {
			if (--depth < 0)
				return 0;
			closed = depth == 0;
		}
	}
	return closed && !in_str;
}

/* The values' ranges, once a record parsed: SB_OK, or SB_EPARSE with *why. */
static int sb_trace_check_row(sb_probe_kind kind, const sb_probe_row *row, const char **why)
{
	if (row->ts < SB_TRACE_MIN_TS || row->ts > SB_TRACE_MAX_TS)
		*why = "time stamp before 2000 or after 2100";
	else if (row->target[0] == '\0' || strlen(row->target) > SB_TRACE_MAX_TARGET)
		*why = "the target (ip or url) is empty or longer than 2048 bytes";
	else if (kind == SB_PROBE_PING && !sb_trace_ms_ok(row->rtt))
		*why = "rtt: expected -1 (no reply) or 0 to 3600000 ms";
	else if (kind == SB_PROBE_PING && !(row->loss >= 0.0 && row->loss <= 100.0))
		*why = "loss: expected 0 to 100 (%)";
	else if (kind == SB_PROBE_PING && (row->sent < 0 || row->sent > 1000000 ||
					   row->received < 0 || row->received > row->sent))
		*why = "sent and received: expected 0 <= received <= sent <= 1000000";
	else if (kind == SB_PROBE_HTTP && row->status != 0 &&
		 (row->status < 100 || row->status > 599))
		*why = "status: expected 0 (none) or an HTTP status 100 to 599";
	else if (kind == SB_PROBE_HTTP && !sb_trace_ms_ok(row->rtt))
		*why = "total: expected -1 (failed) or 0 to 3600000 ms";
	else if (kind == SB_PROBE_TRACE && row->nhops > 255)
		*why = "more than 255 hops";
	else
		return SB_OK;
	return SB_EPARSE;
}

int sb_trace_parse_line(char *line, int64_t monitor, int64_t link, sb_probe_kind *kind,
			sb_probe_row *row, const char **why)
{
	memset(row, 0, sizeof(*row));
	row->monitor = monitor;
	row->link = link;
	char *f[8];
	size_t n = sb_trace_split(line, f, SB_ARRAY_SIZE(f));
	if (n < 4) {
		*why = "too few fields";
		return SB_EPARSE;
	}
	if (sb_trace_parse_stamp(f[0], &row->ts) != SB_OK) {
		*why = "bad time stamp (expected YYYY-MM-DDTHH:MM:SSZ)";
		return SB_EPARSE;
	}
	row->target = f[2];
	if (strcmp(f[1], "ping") == 0) {
		*kind = SB_PROBE_PING;
		if (n != 7 || sb_parse_double(f[3], &row->rtt) != SB_OK ||
		    sb_parse_double(f[4], &row->loss) != SB_OK ||
		    sb_trace_int(f[5], &row->sent) != SB_OK ||
		    sb_trace_int(f[6], &row->received) != SB_OK) {
			*why = "a ping record has ip, rtt, loss, sent, received";
			return SB_EPARSE;
		}
	} else if (strcmp(f[1], "http") == 0) {
		*kind = SB_PROBE_HTTP;
		if (n != 6 || sb_trace_int(f[3], &row->status) != SB_OK ||
		    sb_parse_double(f[4], &row->rtt) != SB_OK) {
			*why = "an http record has url, status, total, error";
			return SB_EPARSE;
		}
		row->error = *f[5] != '\0' ? f[5] : NULL;
	} else if (strcmp(f[1], "trace") == 0) {
		*kind = SB_PROBE_TRACE;
		if (n != 4 || !sb_trace_hops_ok(f[3], &row->nhops)) {
			*why = "a trace record has ip and a JSON list of hops";
			return SB_EPARSE;
		}
		row->hops = f[3];
	} else {
		*why = "unknown record kind (expected ping, http or trace)";
		return SB_EPARSE;
	}
	return sb_trace_check_row(*kind, row, why);
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
	sb_store *st;
	int force;
	int64_t hour_now; /* start of the UTC hour in progress */
	sb_trace_file *files;
	size_t nfiles, capfiles;
	sb_probe_row *rows[SB_PROBE_KINDS];
	size_t n[SB_PROBE_KINDS], cap[SB_PROBE_KINDS];
	char (*when)[20]; /* date and time strings of every row, in order of reading */
	size_t nrows, capwhen;
	sb_trace_stats *stats;
	sb_err *err;
} sb_trace_batch;

/* After the store confirmed: removes the stored head of the file, keeping what was appended. */
static int sb_trace_consume(const sb_trace_file *f, sb_err *err)
{
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
	int fd = sb_trace_open_locked(f->path, O_RDWR, err);
	if (fd == SB_ENOTFOUND)
		return SB_OK;
	if (fd < 0)
		return fd;
	struct stat st;
	int rc = SB_OK;
	if (fstat(fd, &st) != 0) {
		rc = sb_err_set(err, SB_EIO, "%s: %s", f->path, strerror(errno));
	} else if (st.st_size <= f->stored) {
		if (unlink(f->path) != 0)
			rc = sb_err_set(err, SB_EIO, "%s: cannot remove: %s", f->path,
					strerror(errno));
	} else {
		/* lines were appended while we stored: keep them in a new file */
		size_t rest = (size_t)(st.st_size - f->stored);
		char *buf = sb_xmalloc(rest);
		ssize_t got = pread(fd, buf, rest, f->stored);
		if (got != (ssize_t)rest) {
			rc = sb_err_set(err, SB_EIO, "%s: cannot read its tail", f->path);
		} else {
			char *tmp = sb_xasprintf("%s.tmp.%ld", f->path, (long)getpid());
			int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (out < 0 || write(out, buf, rest) != (ssize_t)rest || fsync(out) != 0 ||
			    rename(tmp, f->path) != 0) {
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

/* Stores the batch, then removes what was stored from each file. */
static int sb_trace_flush(sb_trace_batch *b)
{
	int rc = SB_OK;
	for (int k = 0; k < SB_PROBE_KINDS && rc == SB_OK; k++)
		if (b->n[k] > 0)
			rc = sb_store_put_probe(b->st, (sb_probe_kind)k, b->rows[k], b->n[k],
						b->err);
	for (size_t i = 0; i < b->nfiles; i++) {
		sb_trace_file *f = &b->files[i];
		if (rc == SB_OK) {
			sb_err e = {0};
			if (sb_trace_consume(f, &e) != SB_OK) {
				sb_log(SB_LOG_ERROR, "updater",
				       "%s (stored; will be stored again next time)", e.msg);
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
		for (int k = 0; k < SB_PROBE_KINDS; k++)
			b->stats->rows += b->n[k];
	b->nfiles = 0;
	b->nrows = 0;
	for (int k = 0; k < SB_PROBE_KINDS; k++)
		b->n[k] = 0;
	return rc;
}

static void sb_trace_add_row(sb_trace_batch *b, sb_probe_kind k, const sb_probe_row *r)
{
	if (b->n[k] == b->cap[k]) {
		b->cap[k] = b->cap[k] ? b->cap[k] * 2 : 256;
		b->rows[k] = sb_xrealloc(b->rows[k], b->cap[k] * sizeof(*b->rows[k]));
	}
	b->rows[k][b->n[k]++] = *r;
}

/* Reads one trace file into the batch. */
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
	/* rows point into text; date and time strings into b->when (reallocated: fixed up below) */
	size_t lineno = 0;
	for (char *line = text; *line != '\0';) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		lineno++;
		if (*line != '\0') {
			char *copy = sb_xstrdup(line);
			sb_probe_kind kind = SB_PROBE_PING;
			sb_probe_row r;
			const char *why = NULL;
			if (sb_trace_parse_line(line, monitor, link, &kind, &r, &why) != SB_OK) {
				sb_log(SB_LOG_WARNING, "updater",
				       "%s:%zu: %s: line moved to %s.rejected", path, lineno, why,
				       path);
				size_t old = f->rejected != NULL ? strlen(f->rejected) : 0;
				f->rejected = sb_xrealloc(f->rejected, old + strlen(copy) + 2);
				memcpy(f->rejected + old, copy, strlen(copy));
				f->rejected[old + strlen(copy)] = '\n';
				f->rejected[old + strlen(copy) + 1] = '\0';
				f->nrejected++;
				b->stats->rejected++;
			} else {
				if (b->nrows == b->capwhen) {
					b->capwhen = b->capwhen ? b->capwhen * 2 : 1024;
					b->when =
						sb_xrealloc(b->when, b->capwhen * sizeof(*b->when));
				}
				/* index of the date/time slot, resolved to a pointer at flush time */
				r.date = (const char *)(uintptr_t)b->nrows;
				sb_time_local(r.ts, b->when[b->nrows], b->when[b->nrows] + 11);
				b->nrows++;
				sb_trace_add_row(b, kind, &r);
			}
			free(copy);
		}
		line = nl + 1;
	}
	return SB_OK;
}

/* Points the rows' date and time at their slots (b->when no longer moves), stores, consumes. */
static int sb_trace_commit(sb_trace_batch *b)
{
	for (int k = 0; k < SB_PROBE_KINDS; k++) {
		for (size_t i = 0; i < b->n[k]; i++) {
			size_t slot = (size_t)(uintptr_t)b->rows[k][i].date;
			b->rows[k][i].date = b->when[slot];
			b->rows[k][i].time = b->when[slot] + 11;
		}
	}
	return sb_trace_flush(b);
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

static int sb_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a folder (without . and ..); caller frees. */
static char **sb_trace_names(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	char **v = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = sb_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = sb_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), sb_cmp_names);
	return v;
}

static void sb_trace_free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The hour files of one link folder. */
static int sb_trace_link_dir(sb_trace_batch *b, const char *dir, int64_t monitor, int64_t link)
{
	size_t n = 0;
	char **names = sb_trace_names(dir, &n);
	int rc = SB_OK;
	for (size_t i = 0; i < n && rc == SB_OK; i++) {
		size_t len = strlen(names[i]);
		if (len < 7 || strcmp(names[i] + len - 6, ".trace") != 0)
			continue;
		char stamp[32];
		snprintf(stamp, sizeof(stamp), "%.*s:00:00Z", (int)(len - 6), names[i]);
		int64_t hour = 0;
		if (sb_trace_parse_stamp(stamp, &hour) != SB_OK)
			continue;
		if (!b->force && hour >= b->hour_now)
			continue; /* the hour in progress: next time, or with --force */
		char *path = sb_fs_join(dir, names[i]);
		rc = sb_trace_read(b, path, monitor, link);
		free(path);
		if (rc == SB_OK && b->nrows >= SB_TRACE_BATCH)
			rc = sb_trace_commit(b);
	}
	sb_trace_free_names(names, n);
	return rc;
}

int sb_trace_load(const char *data_dir, sb_store *st, int force, sb_trace_stats *stats, sb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	sb_trace_batch b = {.data_dir = data_dir,
			    .st = st,
			    .force = force,
			    .stats = stats,
			    .err = err};
	int64_t now = (int64_t)time(NULL);
	b.hour_now = now - now % 3600;
	char *root = sb_fs_join(data_dir, "PROBES");
	size_t ntests = 0;
	char **tests = sb_trace_names(root, &ntests);
	int rc = SB_OK;
	for (size_t t = 0; t < ntests && rc == SB_OK; t++) {
		char *tdir = sb_fs_join(root, tests[t]);
		size_t nmon = 0;
		char **mons = sb_trace_names(tdir, &nmon);
		for (size_t m = 0; m < nmon && rc == SB_OK; m++) {
			int64_t monitor = 0;
			if (!sb_trace_is_id(mons[m], &monitor))
				continue;
			char *mdir = sb_fs_join(tdir, mons[m]);
			size_t nlinks = 0;
			char **links = sb_trace_names(mdir, &nlinks);
			for (size_t l = 0; l < nlinks && rc == SB_OK; l++) {
				int64_t link = 0;
				if (!sb_trace_is_id(links[l], &link))
					continue;
				char *ldir = sb_fs_join(mdir, links[l]);
				rc = sb_trace_link_dir(&b, ldir, monitor, link);
				free(ldir);
			}
			sb_trace_free_names(links, nlinks);
			free(mdir);
		}
		sb_trace_free_names(mons, nmon);
		free(tdir);
	}
	if (rc == SB_OK)
		rc = sb_trace_commit(
			&b); /* a failed commit inside the walk already kept its files */
	sb_trace_free_names(tests, ntests);
	free(root);
	for (int k = 0; k < SB_PROBE_KINDS; k++)
		free(b.rows[k]);
	free(b.when);
	free(b.files);
	return rc;
}
