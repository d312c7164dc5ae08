/* http_fetch.c - runs the HTTP engine on URLs from the command line and prints one JSON line each. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/sb.h"
#include "base/timeutil.h"
#include "net/evloop.h"
#include "net/http.h"

static const char usage[] =
	"usage: http_fetch [options] URL...\n"
	"  --parallel N            transfers in flight\n"
	"  --streams N             transfers in flight to a server that multiplexes\n"
	"  --timeout-ms N          whole transfer, per attempt\n"
	"  --connect-timeout-ms N  connect, per attempt\n"
	"  --retries N             extra attempts\n"
	"  --backoff-ms N          first retry wait\n"
	"  --max-body N            body cap in bytes\n"
	"  --user NAME             Basic auth user\n"
	"  --password-env VAR      take the password from environment variable VAR\n"
	"  --ca-bundle FILE        CA file\n"
	"  --insecure              do not verify TLS peers\n"
	"  --stop-after-bytes N    on_data asks to stop once N bytes arrived\n"
	"  --fail-after-bytes N    on_data returns SB_EPARSE once N bytes arrived\n"
	"  --again                 each URL's on_done queues the same URL once more\n"
	"  --urls-file FILE        read more URLs from FILE, one a line\n"
	"  --head | --post DATA    HEAD requests, or POSTs of DATA\n"
	"  --header LINE           an extra request header (up to 8)\n"
	"  --etag TAG              a conditional GET (If-None-Match)\n"
	"  --req-timeout-ms N      the request's own timeout\n"
	"  --no-redirects          a 3xx is the answer\n"
	"  --fresh-connect         a new connection per attempt\n"
	"  --http-only             refuse file:// URLs\n"
	"  --loop                  run the engine on an event loop instead of sb_http_run\n"
	"  --cancel-after-ms N     another thread calls sb_http_cancel after N ms\n"
	"  --drop-first-after-ms N (with --loop) drop the first request after N ms\n"
	"  --range FIRST-[LAST]    ask for a byte range\n"
	"  --anonymous             send no credentials\n"
	"Prints per request, in the order added: {url, code, error, status, attempts, starts, "
	"stopped,\n"
	"bytes, received, fnv, seconds, last_ms, done_ms, done, msg, range, excerpt, etag, body};\n"
	"range is the answer's Content-Range [first, last, total] (-1 when none); fnv is "
	"the\n"
	"FNV-1a 64 of the body received in the last attempt, etag the ETag header seen, body the "
	"first\n"
	"512 bytes of it.\n";

/* What one request received; the engine's ctx. */
typedef struct fetch_item {
	char *url;
	int again;       /* queue once more when done */
	int starts;      /* on_start calls */
	size_t received; /* bytes since the last on_start */
	uint64_t fnv;
	char head[513]; /* the first bytes of the body */
	char etag[128]; /* the ETag header seen */
	sb_http_job *job;
	int done;
	int64_t done_ms;
	sb_http_result res;
} fetch_item;

typedef struct fetch_run {
	sb_http *http;
	fetch_item **items;
	size_t n;
	size_t cap;
	long stop_after; /* -1 for never */
	long fail_after; /* -1 for never */
	int64_t t0_ms;
	sb_http_req base; /* method, body, headers, etag, timeout of every request */
	const char *headers[9];
	size_t nheaders;
	size_t ndone;
	long cancel_after_ms; /* -1 for never */
} fetch_run;

static fetch_run run;

static int64_t fetch_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fetch_on_start(void *ctx)
{
	fetch_item *it = ctx;
	it->starts++;
	it->received = 0;
	it->fnv = 14695981039346656037ULL;
	it->head[0] = '\0';
	it->etag[0] = '\0';
}

static void fetch_on_header(void *ctx, const char *name, const char *value)
{
	fetch_item *it = ctx;
	if (strcasecmp(name, "ETag") == 0)
		snprintf(it->etag, sizeof(it->etag), "%s", value);
}

static int fetch_on_data(void *ctx, const char *buf, size_t len)
{
	fetch_item *it = ctx;
	size_t have = strlen(it->head);
	if (have + 1 < sizeof(it->head))
		snprintf(it->head + have, sizeof(it->head) - have, "%.*s", (int)len, buf);
	for (size_t i = 0; i < len; i++) {
		it->fnv ^= (unsigned char)buf[i];
		it->fnv *= 1099511628211ULL;
	}
	it->received += len;
	if (run.fail_after >= 0 && it->received >= (size_t)run.fail_after)
		return SB_EPARSE;
	if (run.stop_after >= 0 && it->received >= (size_t)run.stop_after)
		return 1;
	return 0;
}

static void fetch_on_done(void *ctx, const sb_http_result *res);

static int fetch_add(const char *url, int again)
{
	fetch_item *it = sb_xcalloc(1, sizeof(*it));
	it->url = sb_xstrdup(url);
	it->again = again;
	it->fnv = 14695981039346656037ULL;
	if (run.n == run.cap) {
		run.cap = run.cap ? run.cap * 2 : 64;
		run.items = sb_xrealloc(run.items, run.cap * sizeof(*run.items));
	}
	run.items[run.n++] = it;
	sb_http_req req = run.base;
	req.url = url;
	req.ctx = it;
	req.headers = run.nheaders > 0 ? run.headers : NULL;
	req.on_start = fetch_on_start;
	req.on_header = fetch_on_header;
	req.on_data = fetch_on_data;
	req.on_done = fetch_on_done;
	return sb_http_add(run.http, &req, &it->job);
}

static void fetch_on_done(void *ctx, const sb_http_result *res)
{
	fetch_item *it = ctx;
	it->done++;
	it->job = NULL;
	run.ndone++;
	it->done_ms = fetch_now_ms() - run.t0_ms;
	it->res = *res;
	if (it->again && fetch_add(it->url, 0) != SB_OK)
		fprintf(stderr, "http_fetch: cannot queue %s again\n", it->url);
}

static void fetch_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void fetch_print(const fetch_item *it)
{
	char *shown = sb_http_redact_url(it->url);
	const sb_http_result *r = &it->res;
	printf("{\"url\": ");
	fetch_json_str(shown);
	printf(", \"code\": %d, \"error\": ", r->code);
	fetch_json_str(sb_strerror(r->code));
	printf(", \"status\": %ld, \"attempts\": %d, \"starts\": %d, \"stopped\": %d, \"bytes\": "
	       "%zu, "
	       "\"received\": %zu, \"fnv\": \"%016" PRIx64
	       "\", \"seconds\": %.3f, \"last_ms\": %.3f, \"done_ms\": %" PRId64
	       ", \"done\": %d, \"msg\": ",
	       r->status, r->attempts, it->starts, r->stopped, r->bytes, it->received, it->fnv,
	       r->seconds, r->last_ms, it->done_ms, it->done);
	fetch_json_str(r->msg);
	printf(", \"range\": [%" PRId64 ", %" PRId64 ", %" PRId64 "]", r->range_first,
	       r->range_last, r->range_total);
	printf(", \"excerpt\": ");
	fetch_json_str(r->excerpt);
	printf(", \"etag\": ");
	fetch_json_str(it->etag);
	printf(", \"body\": ");
	fetch_json_str(it->head);
	printf("}\n");
	free(shown);
}

static int fetch_number(const char *opt, const char *arg, long *out)
{
	if (sb_parse_long(arg, out) != SB_OK || *out < 0) {
		fprintf(stderr, "http_fetch: %s wants a number >= 0, not '%s'\n", opt, arg);
		return -1;
	}
	return 0;
}

static int fetch_urls_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0 && fetch_add(line, 0) != SB_OK)
			rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/* --cancel-after-ms: sleeps, then cancels the engine from this other thread. */
static void *fetch_canceller(void *arg)
{
	(void)arg;
	struct timespec ts = {run.cancel_after_ms / 1000, (run.cancel_after_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	sb_http_cancel(run.http);
	return NULL;
}

static void fetch_drop_first(void *arg)
{
	(void)arg;
	if (run.n > 0 && run.items[0]->job != NULL) {
		sb_http_drop(run.http, run.items[0]->job);
		run.items[0]->job = NULL;
		run.ndone++; /* it never ends otherwise */
	}
}

/* --loop: runs the loop until every request ended. */
static int fetch_loop(sb_loop *loop, long drop_after_ms)
{
	if (drop_after_ms >= 0)
		sb_loop_timer(loop, sb_time_mono() + (double)drop_after_ms / 1000.0,
			      fetch_drop_first, NULL);
	while (run.ndone < run.n)
		if (sb_loop_run_once(loop, 1.0) != SB_OK)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"parallel", required_argument, NULL, 'p'},
		{"streams", required_argument, NULL, 'S'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"connect-timeout-ms", required_argument, NULL, 'c'},
		{"retries", required_argument, NULL, 'r'},
		{"backoff-ms", required_argument, NULL, 'b'},
		{"max-body", required_argument, NULL, 'm'},
		{"user", required_argument, NULL, 'u'},
		{"password-env", required_argument, NULL, 'P'},
		{"ca-bundle", required_argument, NULL, 'C'},
		{"insecure", no_argument, NULL, 'k'},
		{"stop-after-bytes", required_argument, NULL, 's'},
		{"fail-after-bytes", required_argument, NULL, 'f'},
		{"again", no_argument, NULL, 'a'},
		{"urls-file", required_argument, NULL, 'F'},
		{"head", no_argument, NULL, 'H'},
		{"post", required_argument, NULL, 'D'},
		{"header", required_argument, NULL, 'L'},
		{"etag", required_argument, NULL, 'E'},
		{"req-timeout-ms", required_argument, NULL, 'T'},
		{"no-redirects", no_argument, NULL, 'N'},
		{"fresh-connect", no_argument, NULL, 'R'},
		{"http-only", no_argument, NULL, 'O'},
		{"loop", no_argument, NULL, 'l'},
		{"cancel-after-ms", required_argument, NULL, 'x'},
		{"drop-first-after-ms", required_argument, NULL, 'X'},
		{"range", required_argument, NULL, 'G'},
		{"anonymous", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	sb_http_opts opts;
	sb_http_opts_default(&opts);
	run.stop_after = -1;
	run.fail_after = -1;
	run.cancel_after_ms = -1;
	long drop_after_ms = -1;
	int use_loop = 0;
	int again = 0;
	const char *urls_file = NULL;
	long v = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = optind > 1 ? argv[optind - 1] : "option";
		switch (c) {
		case 'p':
		case 'S':
		case 't':
		case 'c':
		case 'r':
		case 'b':
		case 'm':
		case 's':
		case 'f':
		case 'T':
		case 'x':
		case 'X':
			if (fetch_number(name, optarg, &v) != 0)
				return 2;
			if (c == 'T')
				run.base.timeout_ms = v;
			else if (c == 'x')
				run.cancel_after_ms = v;
			else if (c == 'X')
				drop_after_ms = v;
			if (c == 'p')
				opts.parallel = v;
			else if (c == 'S')
				opts.streams = v;
			else if (c == 't')
				opts.timeout_ms = v;
			else if (c == 'c')
				opts.connect_timeout_ms = v;
			else if (c == 'r')
				opts.retries = v;
			else if (c == 'b')
				opts.backoff_ms = v;
			else if (c == 'm')
				opts.max_body = (size_t)v;
			else if (c == 's')
				run.stop_after = v;
			else if (c == 'f')
				run.fail_after = v;
			break;
		case 'H':
			run.base.method = SB_HTTP_HEAD;
			break;
		case 'D':
			run.base.method = SB_HTTP_POST;
			run.base.body = optarg;
			run.base.body_len = strlen(optarg);
			break;
		case 'L':
			if (run.nheaders + 1 >= SB_ARRAY_SIZE(run.headers)) {
				fprintf(stderr, "http_fetch: too many --header\n");
				return 2;
			}
			run.headers[run.nheaders++] = optarg;
			break;
		case 'G':
			run.base.range = optarg;
			break;
		case 'A':
			run.base.anonymous = 1;
			break;
		case 'E':
			run.base.etag = optarg;
			break;
		case 'N':
			opts.follow_redirects = 0;
			break;
		case 'R':
			opts.fresh_connect = 1;
			break;
		case 'O':
			opts.http_only = 1;
			break;
		case 'l':
			use_loop = 1;
			break;
		case 'u':
			opts.user = optarg;
			break;
		case 'P':
			opts.password = getenv(optarg);
			if (opts.password == NULL) {
				fprintf(stderr, "http_fetch: environment variable %s is not set\n",
					optarg);
				return 2;
			}
			break;
		case 'C':
			opts.ca_bundle = optarg;
			break;
		case 'k':
			opts.tls_verify = 0;
			break;
		case 'a':
			again = 1;
			break;
		case 'F':
			urls_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind == argc && urls_file == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	if (sb_http_global_init() != SB_OK) {
		fprintf(stderr, "http_fetch: libcurl initialisation failed\n");
		return 1;
	}
	sb_err err = {0};
	sb_loop *loop = NULL;
	if (use_loop && sb_loop_new(&loop, &err) != SB_OK) {
		fprintf(stderr, "http_fetch: %s\n", err.msg);
		return 1;
	}
	opts.loop = loop;
	if (sb_http_new(&opts, &run.http, &err) != SB_OK) {
		fprintf(stderr, "http_fetch: %s (%s)\n", err.msg, sb_strerror(err.code));
		sb_loop_free(&loop);
		sb_http_global_cleanup();
		return 1;
	}
	int rc = 0;
	for (int i = optind; i < argc && rc == 0; i++)
		if (fetch_add(argv[i], again) != SB_OK)
			rc = 1;
	if (rc == 0 && urls_file != NULL && fetch_urls_file(urls_file) != 0)
		rc = 1;
	run.t0_ms = fetch_now_ms();
	pthread_t canceller;
	int cancelling = rc == 0 && run.cancel_after_ms >= 0 &&
			 pthread_create(&canceller, NULL, fetch_canceller, NULL) == 0;
	if (rc == 0 && loop != NULL)
		rc = fetch_loop(loop, drop_after_ms);
	else if (rc == 0 && sb_http_run(run.http) != SB_OK)
		rc = 1;
	if (cancelling)
		pthread_join(canceller, NULL);
	for (size_t i = 0; i < run.n; i++) {
		fetch_print(run.items[i]);
		free(run.items[i]->url);
		free(run.items[i]);
	}
	free(run.items);
	sb_http_free(&run.http);
	sb_loop_free(&loop);
	sb_http_global_cleanup();
	return rc;
}
