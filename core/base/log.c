/* log.c - timestamped, rate-limited log lines to a file and the terminal. */
#include "config.h"

#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fsutil.h"
#include "base/sb.h"

static const char *const sb_level_names[] = {"ERROR", "WARNING", "INFO", "DEBUG"};

/* One slot per distinct (who, format) pair seen, for rate limiting. */
typedef struct sb_log_slot {
	const char *fmt;
	char who[32];
	unsigned count;
} sb_log_slot;

static struct {
	pthread_mutex_t mu;
	FILE *file;
	char *path; /* of file, for sb_log_reopen */
	int echo;
	sb_log_level level;
	sb_log_slot slots[256];
	size_t nslots;
	unsigned long suppressed;
} sb_log_state = {.mu = PTHREAD_MUTEX_INITIALIZER, .echo = 1, .level = SB_LOG_INFO};

static void sb_log_stamp(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static void sb_log_vwrite(FILE *f, sb_log_level level, const char *who, const char *fmt, va_list ap)
{
	char stamp[32];
	sb_log_stamp(stamp, sizeof(stamp));
	fprintf(f, "%s %s [%s] ", stamp, sb_level_names[level], who);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

int sb_log_open(const char *path, int echo, sb_log_level level)
{
	if (sb_fs_mkdirs_for(path) != SB_OK)
		return SB_EIO;
	FILE *f = fopen(path, "ae");
	if (f == NULL)
		return SB_EIO;
	char *copy = sb_xstrdup(path);
	pthread_mutex_lock(&sb_log_state.mu);
	if (sb_log_state.file != NULL)
		fclose(sb_log_state.file);
	free(sb_log_state.path);
	sb_log_state.file = f;
	sb_log_state.path = copy;
	sb_log_state.echo = echo;
	sb_log_state.level = level;
	pthread_mutex_unlock(&sb_log_state.mu);
	return SB_OK;
}

/* Reports the suppressed messages (if any) and forgets the burst counts. */
static void sb_log_report_suppressed(void)
{
	pthread_mutex_lock(&sb_log_state.mu);
	unsigned long suppressed = sb_log_state.suppressed;
	sb_log_state.suppressed = 0;
	sb_log_state.nslots = 0;
	pthread_mutex_unlock(&sb_log_state.mu);
	if (suppressed > 0)
		sb_log(SB_LOG_WARNING, "log",
		       "%lu repeated messages were suppressed (more than %d of a kind)", suppressed,
		       SB_LOG_BURST);
}

int sb_log_reopen(void)
{
	sb_log_report_suppressed();
	pthread_mutex_lock(&sb_log_state.mu);
	int rc = SB_OK;
	if (sb_log_state.path != NULL) {
		FILE *f = NULL;
		if (sb_fs_mkdirs_for(sb_log_state.path) == SB_OK)
			f = fopen(sb_log_state.path, "ae");
		if (f != NULL) {
			fclose(sb_log_state.file);
			sb_log_state.file = f;
		} else {
			rc = SB_EIO; /* the open file stays in use */
		}
	}
	pthread_mutex_unlock(&sb_log_state.mu);
	return rc;
}

/* Returns 1 if this (who, fmt) pair is over its burst. Called with the mutex held. */
static int sb_log_limited(const char *who, const char *fmt)
{
	for (size_t i = 0; i < sb_log_state.nslots; i++) {
		sb_log_slot *s = &sb_log_state.slots[i];
		if (s->fmt == fmt && strcmp(s->who, who) == 0)
			return ++s->count > SB_LOG_BURST;
	}
	if (sb_log_state.nslots < SB_ARRAY_SIZE(sb_log_state.slots)) {
		sb_log_slot *s = &sb_log_state.slots[sb_log_state.nslots++];
		s->fmt = fmt;
		snprintf(s->who, sizeof(s->who), "%s", who);
		s->count = 1;
	}
	return 0;
}

void sb_log(sb_log_level level, const char *who, const char *fmt, ...)
{
	pthread_mutex_lock(&sb_log_state.mu);
	if (level > sb_log_state.level) {
		pthread_mutex_unlock(&sb_log_state.mu);
		return;
	}
	if (sb_log_limited(who, fmt)) {
		sb_log_state.suppressed++;
		pthread_mutex_unlock(&sb_log_state.mu);
		return;
	}
	va_list ap;
	if (sb_log_state.file != NULL) {
		va_start(ap, fmt);
		sb_log_vwrite(sb_log_state.file, level, who, fmt, ap);
		va_end(ap);
	}
	if (sb_log_state.echo || sb_log_state.file == NULL) {
		va_start(ap, fmt);
		sb_log_vwrite(stderr, level, who, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sb_log_state.mu);
}

void sb_log_close(void)
{
	sb_log_report_suppressed();
	pthread_mutex_lock(&sb_log_state.mu);
	if (sb_log_state.file != NULL)
		fclose(sb_log_state.file);
	sb_log_state.file = NULL;
	free(sb_log_state.path);
	sb_log_state.path = NULL;
	sb_log_state.nslots = 0;
	pthread_mutex_unlock(&sb_log_state.mu);
}

int sb_log_level_parse(const char *s, sb_log_level *out)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	for (size_t i = 0; i < SB_ARRAY_SIZE(names); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (sb_log_level)i;
			return SB_OK;
		}
	}
	return SB_EINVAL;
}

int sb_logfile_open(sb_logfile *lf, const char *path)
{
	lf->f = NULL;
	if (sb_fs_mkdirs_for(path) != SB_OK)
		return SB_EIO;
	lf->f = fopen(path, "ae");
	return lf->f != NULL ? SB_OK : SB_EIO;
}

void sb_logfile_write(sb_logfile *lf, sb_log_level level, const char *who, const char *fmt, ...)
{
	if (lf->f == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	sb_log_vwrite(lf->f, level, who, fmt, ap);
	va_end(ap);
}

void sb_logfile_close(sb_logfile *lf)
{
	if (lf->f != NULL)
		fclose(lf->f);
	lf->f = NULL;
}
