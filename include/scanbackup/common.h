/* scanbackup/common.h - what every module may use: error codes, the log, memory and number helpers.
 *
 * Part of the scanbackup SDK (docs/modules.md). Every function declared with SB_API in the
 * headers of this folder is exported by the scanbackup binary and resolved when a module is
 * loaded; nothing else of the binary is visible to a module. */
#ifndef SCANBACKUP_COMMON_H
#define SCANBACKUP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Marks a function of the SDK: the binary exports it (it is built with hidden visibility). */
#if defined(__GNUC__) || defined(__clang__)
#define SB_API __attribute__((visibility("default")))
#define SB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SB_API
#define SB_PRINTF(fmt, args)
#endif

/* Error codes. Functions that can fail return SB_OK or one of these; hooks return them too. The
 * values are stable: never renumbered, only appended to. */
enum {
	SB_OK = 0,
	SB_ENOMEM = -1,     /* out of memory */
	SB_EINVAL = -2,     /* bad argument or bad input */
	SB_EIO = -3,        /* file system error */
	SB_EPARSE = -4,     /* malformed input file */
	SB_ENOTFOUND = -5,  /* file, module or record not found */
	SB_EHTTP = -6,      /* HTTP status not 2xx */
	SB_ETIMEOUT = -7,   /* transfer or connect timeout */
	SB_ECONNECT = -8,   /* could not connect, or connection lost */
	SB_EAUTH = -9,      /* authentication refused */
	SB_EABI = -10,      /* module built for another ABI */
	SB_EMODULE = -11,   /* module refused (missing symbol, failing init, duplicate) */
	SB_ESTORE = -12,    /* database rejected or could not be reached */
	SB_ELOCKED = -13,   /* data directory locked by another process */
	SB_ETOOBIG = -14,   /* input over a hard cap */
	SB_ELUA = -15,      /* Lua script error */
	SB_EXLSX = -16,     /* xlsx writer error */
	SB_ETLS = -17,      /* TLS handshake or certificate error */
	SB_ECANCELED = -18, /* stopped on request */
	SB_ETRUNCATED = -19 /* transfer ended before the whole body arrived */
};

/* Returns a static English description of an SB_ code; never NULL. Thread-safe. */
SB_API const char *sb_strerror(int code);

/* ---- the log ---- */

typedef enum sb_log_level {
	SB_LOG_ERROR = 0,
	SB_LOG_WARNING = 1,
	SB_LOG_INFO = 2,
	SB_LOG_DEBUG = 3
} sb_log_level;

/* Writes one line "YYYY-MM-DD HH:MM:SS LEVEL [who] message" to data/logs/ScanBackup.log (and the
 * terminal). who names the speaker: a module passes its own name. The same format from the same
 * speaker is written at most 50 times per run, the rest counted. Thread-safe. */
SB_API void sb_log(sb_log_level level, const char *who, const char *fmt, ...) SB_PRINTF(3, 4);

/* ---- memory: these abort the process with a message when memory runs out ---- */

SB_API void *sb_xmalloc(size_t n);
SB_API void *sb_xcalloc(size_t n, size_t size);
SB_API void *sb_xrealloc(void *p, size_t n);
SB_API char *sb_xstrdup(const char *s);
SB_API char *sb_xstrndup(const char *s, size_t n);
/* printf into a new string; the caller frees it with free(). */
SB_API char *sb_xasprintf(const char *fmt, ...) SB_PRINTF(1, 2);

/* Frees p and sets it to NULL. */
#define sb_free(p)                                                                                 \
	do {                                                                                       \
		free(p);                                                                           \
		(p) = NULL;                                                                        \
	} while (0)

/* ---- numbers and time ---- */

/* Parse a whole decimal integer or number: the entire string must be consumed (surrounding blanks
 * allowed). Return SB_OK or SB_EINVAL. Thread-safe. */
SB_API int sb_parse_long(const char *s, long *out);
SB_API int sb_parse_int64(const char *s, int64_t *out);
SB_API int sb_parse_double(const char *s, double *out);
/* Boolean words: yes/no, true/false, on/off, 1/0 (any case). */
SB_API int sb_parse_bool(const char *s, int *out);

/* Order statistics, the same the reports and the dashboard use. Percentile by nearest rank: the
 * pct-th percentile (pct 1..100) of n samples is the sample at the 1-based rank ceil(pct·n/100)
 * once they are sorted ascending, computed in integers (so it is always one of the samples).
 * The median is the middle sample of an odd count, the mean of the two middle samples of an even
 * count. Each reorders v (no allocation), is thread-safe on distinct arrays and returns 0 when n
 * is 0 (check n to tell "no sample" apart); v must hold no NaN. */
SB_API int64_t sb_stats_rank(int64_t n, int pct);
SB_API int64_t sb_stats_percentile_i64(int64_t *v, size_t n, int pct);
SB_API double sb_stats_percentile_dbl(double *v, size_t n, int pct);
SB_API double sb_stats_median_i64(int64_t *v, size_t n);
SB_API double sb_stats_median_dbl(double *v, size_t n);

/* A monotonic clock in seconds, for measuring durations. Thread-safe. */
SB_API double sb_time_mono(void);

#endif
