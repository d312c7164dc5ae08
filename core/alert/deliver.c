/* deliver.c - the outbox: each change stored in ALERT_HISTORY and sent by mail and webhook, retried
 * by the next evaluation until every channel took it; the rate limit and the nightly digest. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alert/alert.h"
#include "alert/alert_impl.h"
#include "base/fsutil.h"
#include "base/json.h"
#include "base/log.h"
#include "format/alertstate.h"
#include "net/http.h"

#define SB_OUTBOX_FIELDS 15
#define SB_OUTBOX_MAX_AGE (7 * 86400)
#define SB_OUTBOX_FILE_MAX (4u * 1024u * 1024u)

/* One change waiting in the outbox. */
typedef struct sb_outmsg {
	char *path;
	char *text; /* the file's line, split in place */
	sb_alert_event ev;
	int nightly;
	int64_t batch;
	char done[4]; /* of "hmw": stored, mailed, posted */
	long attempts;
	int dirty;
} sb_outmsg;

/* The file's one line (caller frees): as long as its fields, never cut. */
static char *sb_outbox_format(const sb_alert_event *ev, int nightly, int64_t batch,
			      const char *done, long attempts, char **fields)
{
	return sb_xasprintf(
		"%lld\t%s\t%s\t%s\t%s\t%s\t%d\t%.17g\t%d\t%.17g\t%d\t%lld\t%s\t%ld\t%s\n",
		(long long)ev->ts, fields[0], fields[1], fields[2], fields[3], fields[4],
		ev->has_value, ev->value, ev->has_threshold, ev->threshold, nightly,
		(long long)batch, done[0] ? done : "-", attempts, fields[5]);
}

static int sb_outbox_write(const char *path, const sb_alert_event *ev, int nightly, int64_t batch,
			   const char *done, long attempts, sb_err *err)
{
	const char *src[6] = {ev->state,    ev->rule,    ev->kind,
			      ev->severity, ev->subject, ev->message};
	char *f[6];
	for (int i = 0; i < 6; i++) {
		f[i] = sb_xstrdup(src[i] != NULL ? src[i] : "");
		for (char *p = f[i]; *p != '\0'; p++)
			if (*p == '\t' || *p == '\n' || *p == '\r')
				*p = ' ';
	}
	char *line = sb_outbox_format(ev, nightly, batch, done, attempts, f);
	for (int i = 0; i < 6; i++)
		free(f[i]);
	int rc = sb_fs_write_atomic(path, line, strlen(line), err);
	free(line);
	return rc;
}

int sb_alert_outbox_put(const char *dir, const sb_alert_event *ev, int nightly, int64_t batch,
			unsigned seq, sb_err *err)
{
	char name[64];
	sb_alert_outbox_name(name, sizeof(name), ev->ts, seq);
	char *path = sb_fs_join(dir, name);
	int rc = sb_outbox_write(path, ev, nightly, batch, "", 0, err);
	free(path);
	return rc;
}

static int sb_outbox_read(const char *path, sb_outmsg *m)
{
	memset(m, 0, sizeof(*m));
	char *text = NULL;
	size_t len = 0;
	sb_err err = {0};
	if (sb_fs_read(path, SB_OUTBOX_FILE_MAX, &text, &len, &err) != SB_OK)
		return SB_EIO;
	char *f[SB_OUTBOX_FIELDS];
	char *nl = strchr(text, '\n');
	if (nl != NULL)
		*nl = '\0';
	size_t nf = sb_alert_split(text, f, SB_OUTBOX_FIELDS);
	long hv = 0, ht = 0, nightly = 0;
	if (nf != SB_OUTBOX_FIELDS || sb_parse_int64(f[0], &m->ev.ts) != SB_OK ||
	    sb_parse_long(f[6], &hv) != SB_OK || sb_parse_double(f[7], &m->ev.value) != SB_OK ||
	    sb_parse_long(f[8], &ht) != SB_OK || sb_parse_double(f[9], &m->ev.threshold) != SB_OK ||
	    sb_parse_long(f[10], &nightly) != SB_OK || sb_parse_int64(f[11], &m->batch) != SB_OK ||
	    sb_parse_long(f[13], &m->attempts) != SB_OK) {
		free(text);
		return SB_EPARSE;
	}
	m->text = text;
	m->path = sb_xstrdup(path);
	m->ev.state = f[1];
	m->ev.rule = f[2];
	m->ev.kind = f[3];
	m->ev.severity = f[4];
	m->ev.subject = f[5];
	m->ev.has_value = hv != 0;
	m->ev.has_threshold = ht != 0;
	m->nightly = nightly != 0;
	snprintf(m->done, sizeof(m->done), "%s", strcmp(f[12], "-") == 0 ? "" : f[12]);
	m->ev.message = f[14];
	return SB_OK;
}

static int sb_outmsg_done(const sb_outmsg *m, char ch)
{
	return strchr(m->done, ch) != NULL;
}

static void sb_outmsg_mark(sb_outmsg *m, char ch)
{
	size_t n = strlen(m->done);
	if (!sb_outmsg_done(m, ch) && n + 1 < sizeof(m->done)) {
		m->done[n] = ch;
		m->done[n + 1] = '\0';
		m->dirty = 1;
	}
}

/* ---- the rate limit: data/alerts/sent, one "channel time" line per message of the last hour */

typedef struct sb_sent_log {
	char ch[512];
	int64_t ts[512];
	size_t n;
} sb_sent_log;

static void sb_sent_read(const sb_settings *s, int64_t now, sb_sent_log *l)
{
	l->n = 0;
	char *path = sb_alert_path(s, "sent");
	char *text = NULL;
	size_t len = 0;
	sb_err err = {0};
	if (sb_fs_is_file(path) && sb_fs_read(path, 1u << 20, &text, &len, &err) == SB_OK) {
		for (char *p = text; p != NULL && *p != '\0' && l->n < SB_ARRAY_SIZE(l->ts);) {
			char *nl = strchr(p, '\n');
			if (nl != NULL)
				*nl = '\0';
			int64_t ts = 0;
			if ((p[0] == 'm' || p[0] == 'w') && p[1] == ' ' &&
			    sb_parse_int64(p + 2, &ts) == SB_OK && ts > now - 3600) {
				l->ch[l->n] = p[0];
				l->ts[l->n++] = ts;
			}
			p = nl != NULL ? nl + 1 : NULL;
		}
	}
	free(text);
	free(path);
}

static void sb_sent_write(const sb_settings *s, const sb_sent_log *l)
{
	char text[512 * 24];
	size_t len = 0;
	for (size_t i = 0; i < l->n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%c %lld\n", l->ch[i],
					(long long)l->ts[i]);
	char *path = sb_alert_path(s, "sent");
	sb_err err = {0};
	if (sb_fs_write_atomic(path, text, len, &err) != SB_OK)
		sb_log(SB_LOG_WARNING, "alerts", "%s", err.msg);
	free(path);
}

static size_t sb_sent_count(const sb_sent_log *l, char ch)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->ch[i] == ch;
	return n;
}

static void sb_sent_add(sb_sent_log *l, char ch, int64_t now)
{
	if (l->n == SB_ARRAY_SIZE(l->ts)) {
		memmove(l->ch, l->ch + 1, l->n - 1);
		memmove(l->ts, l->ts + 1, (l->n - 1) * sizeof(*l->ts));
		l->n--;
	}
	l->ch[l->n] = ch;
	l->ts[l->n++] = now;
}

/* ---- the messages ---- */

static void sb_alert_stamp(int64_t ts, char *buf, size_t size, int mail)
{
	time_t t = (time_t)ts;
	struct tm tm;
	if (mail) {
		localtime_r(&t, &tm);
		strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm);
	} else {
		gmtime_r(&t, &tm);
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

static void sb_alert_upper(const char *s, char *out, size_t size)
{
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < size; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	out[i] = '\0';
}

/* The Subject header of text: as it is when it is printable ASCII and short; else (an interface's
 * name in Spanish, a long one) as RFC 2047 encoded words of UTF-8 in base64, one per folded line,
 * each at most 75 characters and never splitting a character. */
static void sb_alert_mail_subject(FILE *f, const char *text)
{
	size_t len = strlen(text);
	int plain = len <= 900;
	for (size_t i = 0; i < len && plain; i++)
		plain = text[i] >= 0x20 && text[i] < 0x7f;
	if (plain) {
		fprintf(f, "Subject: %s\r\n", text);
		return;
	}
	fputs("Subject:", f);
	for (size_t at = 0; at < len;) {
		size_t n = len - at > 45 ? 45 : len - at; /* 45 bytes: 60 base64 characters */
		while (n > 0 && at + n < len && ((unsigned char)text[at + n] & 0xC0) == 0x80)
			n--; /* the next chunk starts on a character */
		if (n == 0)
			n = len - at < 45 ? len - at : 45;
		char b64[64];
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)text + at, n,
				  sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, " =?UTF-8?B?%s?=\r\n", b64);
		at += n;
	}
}

/* The mail of msgs[0..n) (one change, or a digest of a night's): headers and body, CRLF. */
static char *sb_alert_mail_text(const sb_settings *s, const sb_alert_rules *rules,
				sb_outmsg *const *msgs, size_t n, int64_t now)
{
	/* the body first: its longest line decides how it travels */
	char *body = NULL;
	size_t blen = 0;
	FILE *g = open_memstream(&body, &blen);
	if (g == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const sb_alert_event *x = &msgs[i]->ev;
		char when[64], st[16];
		sb_alert_stamp(x->ts / 1000, when, sizeof(when), 1);
		sb_alert_upper(x->state, st, sizeof(st));
		fprintf(g, "%s%s  %s\r\n  rule: %s (%s, %s)\r\n  subject: %s\r\n  since: %s\r\n",
			i ? "\r\n" : "", st, x->message, x->rule, x->kind, x->severity, x->subject,
			when);
		if (x->has_value)
			fprintf(g, "  value: %g\r\n", x->value);
		if (x->has_threshold)
			fprintf(g, "  threshold: %g\r\n", x->threshold);
	}
	fprintf(g, "\r\n-- \r\nscanbackup, %s\r\n", s->root);
	if (fclose(g) != 0) {
		free(body);
		return NULL;
	}
	/* SMTP carries lines of at most 998 bytes: a longer one (a long interface name) sends the
	 * body in base64, in lines of 76 */
	size_t longest = 0, run = 0;
	for (size_t i = 0; i < blen; i++) {
		run = body[i] == '\n' ? 0 : run + 1;
		if (run > longest)
			longest = run;
	}
	int b64 = longest > 990;

	char date[64], state[16];
	sb_alert_stamp(now, date, sizeof(date), 1); /* now: seconds */
	const sb_alert_event *e = &msgs[0]->ev;
	sb_alert_upper(e->state, state, sizeof(state));
	char *subject = n == 1 ? sb_xasprintf("[scanbackup] %s %s: %s", state, e->rule, e->subject)
			       : sb_xasprintf("[scanbackup] the nightly run: %zu changes", n);
	/* a stream, not a buffer sized beforehand: a long interface name or many recipients can
	 * make any estimate short */
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);
	if (f == NULL) {
		free(subject);
		free(body);
		return NULL;
	}
	fprintf(f, "From: %s\r\nTo: ", s->alert_mail_from);
	for (size_t i = 0; i < rules->nmail; i++)
		fprintf(f, "%s%s", i ? ", " : "", rules->mail[i]);
	fputs("\r\n", f);
	sb_alert_mail_subject(f, subject);
	free(subject);
	fprintf(f,
		"Date: %s\r\nMessage-ID: <%lld.%s.%s@scanbackup>\r\n"
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: %s\r\nAuto-Submitted: auto-generated\r\n\r\n",
		date, (long long)e->ts, e->state,
		msgs[0]->path != NULL ? strrchr(msgs[0]->path, '/') + 1 : "test",
		b64 ? "base64" : "8bit");
	if (!b64) {
		fwrite(body, 1, blen, f);
	} else {
		for (size_t at = 0; at < blen; at += 57) { /* 57 bytes: 76 characters */
			size_t k = blen - at < 57 ? blen - at : 57;
			char line[80];
			sodium_bin2base64(line, sizeof(line), (const unsigned char *)body + at, k,
					  sodium_base64_VARIANT_ORIGINAL);
			fprintf(f, "%s\r\n", line);
		}
	}
	free(body);
	if (fclose(f) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void sb_alert_json_event(sb_json *j, const sb_alert_event *e)
{
	char when[32];
	sb_alert_stamp(e->ts / 1000, when, sizeof(when), 0);
	sb_json_obj(j);
	sb_alert_event_json(j, e);
	sb_json_kstr(j, "time", when);
	sb_json_obj_end(j);
}

/* The webhook's body: one change as an object, a digest as {"digest": true, "alerts": [...]}. */
static char *sb_alert_hook_body(sb_outmsg *const *msgs, size_t n, size_t *len)
{
	sb_json j;
	sb_json_init(&j, 0);
	if (n == 1) {
		sb_alert_json_event(&j, &msgs[0]->ev);
	} else {
		sb_json_obj(&j);
		sb_json_kbool(&j, "digest", 1);
		sb_json_key(&j, "alerts");
		sb_json_arr(&j);
		for (size_t i = 0; i < n; i++)
			sb_alert_json_event(&j, &msgs[i]->ev);
		sb_json_arr_end(&j);
		sb_json_obj_end(&j);
	}
	return sb_json_take(&j, len);
}

static int sb_alert_mail(const sb_settings *s, const sb_alert_rules *rules, const char *text,
			 sb_err *err)
{
	if (s->alert_smtp_url == NULL)
		return sb_err_set(err, SB_EINVAL,
				  "mail: ALERT_SMTP_URL is not set (the rules name recipients)");
	if (s->alert_mail_from == NULL)
		return sb_err_set(err, SB_EINVAL, "mail: ALERT_MAIL_FROM is not set");
	sb_http_mail m = {.url = s->alert_smtp_url,
			  .user = s->alert_smtp_user,
			  .password = s->alert_smtp_password,
			  .starttls = s->alert_smtp_starttls,
			  .tls_verify = s->tls_verify,
			  .ca_bundle = s->ca_bundle,
			  .timeout_ms = s->timeout * 1000,
			  .from = s->alert_mail_from,
			  .to = (const char *const *)rules->mail,
			  .nto = rules->nmail,
			  .message = text,
			  .len = strlen(text)};
	return sb_http_send_mail(&m, err);
}

/* The answer of one POST. */
typedef struct sb_hook_done {
	sb_http_result res;
} sb_hook_done;

static void sb_hook_on_done(void *ctx, const sb_http_result *res)
{
	((sb_hook_done *)ctx)->res = *res;
}

static int sb_alert_hook(const sb_settings *s, const sb_alert_rules *rules, const char *body,
			 size_t len, sb_err *err)
{
	if (s->alert_webhook_secret == NULL)
		return sb_err_set(
			err, SB_EINVAL,
			"webhook: ALERT_WEBHOOK_SECRET is not set (the messages are signed)");
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	crypto_auth_hmacsha256_init(&hs, (const unsigned char *)s->alert_webhook_secret,
				    strlen(s->alert_webhook_secret));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&hs, mac);
	char hex[2 * sizeof(mac) + 1];
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	char sig[128];
	snprintf(sig, sizeof(sig), "X-Scanbackup-Signature: sha256=%s", hex);
	const char *headers[] = {"Content-Type: application/json", sig, NULL};
	sb_http_opts ho;
	sb_http_opts_settings(&ho, s);
	ho.parallel = 1;
	ho.retries = 0; /* the outbox retries, at the next evaluation */
	ho.follow_redirects = 0;
	ho.http_only = 1;
	sb_http *h = NULL;
	int rc = sb_http_new(&ho, &h, err);
	if (rc != SB_OK)
		return rc;
	sb_hook_done done = {0};
	sb_http_req req = {.url = rules->webhook,
			   .ctx = &done,
			   .method = SB_HTTP_POST,
			   .body = body,
			   .body_len = len,
			   .headers = headers,
			   .on_done = sb_hook_on_done,
			   .anonymous = 1};
	rc = sb_http_add(h, &req, NULL);
	if (rc == SB_OK)
		rc = sb_http_run(h);
	sb_http_free(&h);
	if (rc != SB_OK)
		return sb_err_set(err, rc, "webhook: %s", sb_strerror(rc));
	if (done.res.code != SB_OK) {
		char *shown = sb_http_redact_url(rules->webhook);
		sb_err_set(err, done.res.code, "webhook %s: %s", shown, done.res.msg);
		free(shown);
		return done.res.code;
	}
	return SB_OK;
}

/* ---- draining ---- */

/* Sends group msgs[0..n) on channel ch ('m' or 'w'); marks them on success. */
static int sb_outbox_send(const sb_settings *s, const sb_alert_rules *rules, const char *who,
			  char ch, sb_outmsg **msgs, size_t n, int64_t now, sb_sent_log *sent,
			  size_t *nsent, int *limited)
{
	if ((long)sb_sent_count(sent, ch) >= rules->rate_limit) {
		if (!*limited)
			sb_log(SB_LOG_WARNING, who,
			       "%s: %ld messages in the last hour, the rate limit: the rest wait "
			       "in the outbox",
			       ch == 'm' ? "mail" : "webhook", rules->rate_limit);
		*limited = 1;
		return SB_ETOOBIG;
	}
	sb_err err = {0};
	int rc;
	if (ch == 'm') {
		char *text = sb_alert_mail_text(s, rules, msgs, n, now);
		rc = text != NULL ? sb_alert_mail(s, rules, text, &err)
				  : sb_err_set(&err, SB_ENOMEM, "mail: out of memory");
		free(text);
	} else {
		size_t len = 0;
		char *body = sb_alert_hook_body(msgs, n, &len);
		rc = body != NULL ? sb_alert_hook(s, rules, body, len, &err)
				  : sb_err_set(&err, SB_ETOOBIG, "webhook: the message is too big");
		free(body);
	}
	if (rc != SB_OK) {
		sb_log(SB_LOG_WARNING, who, "%s (%s %s: %s): kept in the outbox, retried next time",
		       err.msg, msgs[0]->ev.state, msgs[0]->ev.rule, msgs[0]->ev.subject);
		for (size_t i = 0; i < n; i++) {
			msgs[i]->attempts++;
			msgs[i]->dirty = 1;
		}
		return rc;
	}
	sb_sent_add(sent, ch, now);
	(*nsent)++;
	for (size_t i = 0; i < n; i++)
		sb_outmsg_mark(msgs[i], ch);
	sb_log(SB_LOG_INFO, who, "%s sent: %s %s: %s%s", ch == 'm' ? "mail" : "webhook",
	       msgs[0]->ev.state, msgs[0]->ev.rule, msgs[0]->ev.subject,
	       n > 1 ? " and the rest of the night's digest" : "");
	return SB_OK;
}

void sb_alert_outbox_drain(const sb_settings *s, const sb_alert_rules *rules, const char *who,
			   int64_t now, size_t *nsent, size_t *waiting)
{
	char *dir = sb_alert_path(s, "outbox");
	size_t nf = 0;
	char **names = sb_fs_list(dir, sb_alert_outbox_is_change, &nf);
	sb_outmsg *m = sb_xcalloc(nf ? nf : 1, sizeof(*m));
	size_t n = 0;
	for (size_t i = 0; i < nf; i++) {
		char *path = sb_fs_join(dir, names[i]);
		if (sb_outbox_read(path, &m[n]) == SB_OK) {
			n++;
		} else {
			sb_log(SB_LOG_ERROR, who, "%s: not an alert's change: removed", path);
			unlink(path);
		}
		free(path);
	}
	sb_fs_list_free(names, nf);

	/* 1. the history */
	sb_store *st = NULL;
	sb_store_opts so = {.write_concern = s->mongo_write_concern,
			    .timeout_ms = s->db_timeout * 1000};
	sb_err err = {0};
	size_t unstored = 0;
	for (size_t i = 0; i < n; i++)
		unstored += !sb_outmsg_done(&m[i], 'h');
	if (unstored > 0 && sb_store_open(s->database_uri, &so, &st, &err) == SB_OK) {
		sb_alert_event *ev = sb_xcalloc(unstored, sizeof(*ev));
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!sb_outmsg_done(&m[i], 'h'))
				ev[k++] = m[i].ev;
		if (sb_alert_history_put(st, ev, k, &err) == SB_OK) {
			for (size_t i = 0; i < n; i++)
				sb_outmsg_mark(&m[i], 'h');
		}
		free(ev);
		sb_store_close(&st);
	}
	if (err.code != SB_OK)
		sb_log(SB_LOG_WARNING, who, "the history: %s: the changes wait in the outbox",
		       err.msg);

	/* 2. the channels: a channel the rules do not name is done */
	sb_sent_log *sent = sb_xcalloc(1, sizeof(*sent));
	sb_sent_read(s, now, sent);
	static const char chans[2] = {'m', 'w'};
	sb_outmsg **group = sb_xcalloc(n ? n : 1, sizeof(*group));
	for (int c = 0; c < 2; c++) {
		char ch = chans[c];
		int wanted = ch == 'm' ? rules->nmail > 0 : rules->webhook != NULL;
		int limited = 0, failed = 0;
		for (size_t i = 0; i < n; i++) {
			if (sb_outmsg_done(&m[i], ch))
				continue;
			if (!wanted) {
				sb_outmsg_mark(&m[i], ch);
				continue;
			}
			if (limited || failed)
				continue;
			size_t g = 0;
			group[g++] = &m[i];
			if (rules->digest && m[i].nightly)
				for (size_t k = i + 1; k < n; k++)
					if (m[k].nightly && m[k].batch == m[i].batch &&
					    !sb_outmsg_done(&m[k], ch))
						group[g++] = &m[k];
			int rc = sb_outbox_send(s, rules, who, ch, group, g, now, sent, nsent,
						&limited);
			/* one refusal is enough for this round: the rest keep their order */
			failed = rc != SB_OK && rc != SB_ETOOBIG;
		}
	}
	free(group);
	sb_sent_write(s, sent);
	free(sent);

	/* 3. what is done leaves; what is not is written back, or dropped after 7 days */
	for (size_t i = 0; i < n; i++) {
		sb_outmsg *x = &m[i];
		int all =
			sb_outmsg_done(x, 'h') && sb_outmsg_done(x, 'm') && sb_outmsg_done(x, 'w');
		if (all) {
			unlink(x->path);
		} else if (now - x->ev.ts / 1000 > SB_OUTBOX_MAX_AGE) {
			sb_log(SB_LOG_ERROR, who,
			       "%s %s: %s: not delivered in 7 days (%ld attempts): dropped",
			       x->ev.state, x->ev.rule, x->ev.subject, x->attempts);
			unlink(x->path);
		} else {
			(*waiting)++;
			sb_err we = {0};
			if (x->dirty && sb_outbox_write(x->path, &x->ev, x->nightly, x->batch,
							x->done, x->attempts, &we) != SB_OK)
				sb_log(SB_LOG_WARNING, who, "%s", we.msg);
		}
		free(x->path);
		free(x->text);
	}
	free(m);
	free(dir);
}

int sb_alert_send_test(const sb_settings *s, const sb_alert_rules *rules, sb_err *err)
{
	int64_t now = (int64_t)time(NULL);
	sb_outmsg t = {0};
	t.ev = (sb_alert_event){.ts = now * 1000,
				.rule = "test",
				.kind = "test",
				.severity = "warning",
				.subject = "scanbackup alerts test",
				.state = "test",
				.message = "a test message: this channel works"};
	sb_outmsg *one = &t;
	int rc = SB_OK;
	if (rules->nmail == 0 && rules->webhook == NULL)
		return sb_err_set(err, SB_EINVAL, "%s: [deliver] names no mail nor webhook",
				  rules->path);
	if (rules->nmail > 0) {
		char *text = sb_alert_mail_text(s, rules, &one, 1, now);
		sb_err e = {0};
		if (sb_alert_mail(s, rules, text, &e) != SB_OK) {
			sb_log(SB_LOG_ERROR, "alerts", "%s", e.msg);
			rc = sb_err_set(err, e.code, "%s", e.msg);
		} else {
			sb_log(SB_LOG_INFO, "alerts", "test mail sent to %zu recipients",
			       rules->nmail);
		}
		free(text);
	}
	if (rules->webhook != NULL) {
		size_t len = 0;
		char *body = sb_alert_hook_body(&one, 1, &len);
		sb_err e = {0};
		if (sb_alert_hook(s, rules, body, len, &e) != SB_OK) {
			sb_log(SB_LOG_ERROR, "alerts", "%s", e.msg);
			rc = sb_err_set(err, e.code, "%s", e.msg);
		} else {
			sb_log(SB_LOG_INFO, "alerts", "test webhook posted");
		}
		free(body);
	}
	return rc;
}
