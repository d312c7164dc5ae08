/* sb.h - error codes, the first-error-wins error record and small memory helpers used everywhere. */
#ifndef SB_BASE_SB_H
#define SB_BASE_SB_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Error codes. Functions that can fail return SB_OK or one of these. The values are stable: never
 * renumber one, only append. */
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
const char *sb_strerror(int code);

/* An error record owned by the caller. The first error set wins, so the root cause survives the
 * unwinding; later sb_err_set calls on a set record only return their code. */
typedef struct sb_err {
	int code;
	char msg[512];
} sb_err;

/* Records code and a printf-style message in err (if err is not NULL and not already set).
 * Returns code, so callers can write `return sb_err_set(err, SB_EIO, "...")`. */
int sb_err_set(sb_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Clears err so it can be reused. */
void sb_err_clear(sb_err *err);

/* Frees p and sets it to NULL. */
#define sb_free(p)                                                                                 \
	do {                                                                                       \
		free(p);                                                                           \
		(p) = NULL;                                                                        \
	} while (0)

#define SB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation helpers: abort the process with a message on out-of-memory, so callers never carry
 * an untested NULL path for tiny allocations. Use plain malloc where a failure must be recovered. */
void *sb_xmalloc(size_t n);
void *sb_xcalloc(size_t n, size_t size);
void *sb_xrealloc(void *p, size_t n);
char *sb_xstrdup(const char *s);
char *sb_xstrndup(const char *s, size_t n);
/* printf into a new string (caller frees). */
char *sb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a whole decimal integer or number; the entire string must be consumed (surrounding blanks
 * allowed). Return SB_OK or SB_EINVAL. */
int sb_parse_long(const char *s, long *out);
int sb_parse_int64(const char *s, int64_t *out);
int sb_parse_double(const char *s, double *out);

/* Boolean setting words: yes/no, true/false, on/off, 1/0 (any case). */
int sb_parse_bool(const char *s, int *out);

#endif
