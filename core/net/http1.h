/* http1.h - reads HTTP/1.1 answers one after another from the bytes of one connection, each framed
 * by its Content-Length, as a pipelined connection brings them back. No I/O and no libcurl: the
 * HTTP engine (http.c) feeds it what it reads. */
#ifndef SB_NET_HTTP1_H
#define SB_NET_HTTP1_H

#include <stddef.h>
#include <stdint.h>

/* The longest status line and header fields of one answer. */
#define SB_HTTP1_HEAD_MAX ((size_t)16 << 10)

/* The head of an answer (never an interim 1xx: those are read and skipped). */
typedef struct sb_http1_head {
	long status;    /* 200 to 999 */
	int close;      /* Connection: close: the server ends the connection after this answer */
	int64_t length; /* the body's bytes: its Content-Length (0 for a 204 or a 304 without one) */
	int64_t range_first, range_last, range_total; /* its Content-Range, -1 when none */
} sb_http1_head;

/* A reader's state between two feeds. */
typedef struct sb_http1_reader {
	char *buf;  /* the head being read: SB_HTTP1_HEAD_MAX bytes and a NUL */
	size_t len; /* bytes of it read */
	int crlf;   /* how much of "\r\n\r\n" ends them */
	int in_body;
	int64_t body_left;
	sb_http1_head head;
	const char *
		bad; /* why the bytes cannot be followed (a constant string), NULL while they can */
} sb_http1_reader;

/* What a feed finds, in the order of the bytes: for each answer its head, its body in pieces (none
 * when empty), then its end. A callback returns 0 to go on, anything else to end the feed there
 * (the reader is then not fed again: a new connection takes a new reader). */
typedef struct sb_http1_events {
	int (*head)(void *arg, const sb_http1_head *h);
	int (*body)(void *arg, const char *buf, size_t len);
	int (*end)(void *arg);
	void *arg;
} sb_http1_events;

/* A reader at the start of a connection (one reader a connection). sb_http1_free releases it. */
void sb_http1_init(sb_http1_reader *r);
void sb_http1_free(sb_http1_reader *r);

/* 1 when nothing of an answer has been read since the last one ended. */
int sb_http1_between(const sb_http1_reader *r);

/* Reads n bytes of the connection. Returns 0 once all are read, 1 when a callback ended the feed
 * (the bytes after that point are not read), or -1 when the answers cannot be followed: a status
 * line that is not HTTP/1.1's (HTTP/1.0 included), a head over SB_HTTP1_HEAD_MAX, a
 * Content-Length that is not a number, none on an answer that has a body, a body in chunks or
 * compressed; r->bad then says which, and every later feed returns -1 at once. */
int sb_http1_feed(sb_http1_reader *r, const char *d, size_t n, const sb_http1_events *ev);

/* Reads the value of a Content-Range header field, "bytes first-last/total" (total may be "*",
 * then -1), into the three offsets; a value that is not one leaves them as they were. */
void sb_http1_content_range(const char *v, size_t len, int64_t *first, int64_t *last,
			    int64_t *total);

#endif
