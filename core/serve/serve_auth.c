/* serve_auth.c - sign-in, sessions in cookies, the login rate limit and the users API. */
#include "config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_impl.h"

#define SB_COOKIE "sb_session"
#define SB_MAX_HASHING 4 /* password hashes at once (64 MiB each) */

/* ---- the sign-in rate limit (login_limit.h) ---- */

/* Checks a password under the rate limits of the client address, of (address, user) and of the
 * account. SB_OK, or the answer was made (401 wrong, 429 too many, 503 busy) and an error is
 * returned. */
static int sb_check_password(sb_req *r, const char *user, const char *password, sb_role *role)
{
	sb_srv *s = r->srv;
	int64_t now = (int64_t)time(NULL);
	sb_err err = {0};
	int rc = sb_servedb_user_exists(s->db, user, &err);
	if (rc != SB_OK && rc != SB_ENOTFOUND) {
		sb_reply_store_error(r, &err);
		return rc;
	}
	int known = rc == SB_OK;
	pthread_mutex_lock(&s->rl_mu);
	int64_t wait = sb_login_limit_wait(s->limit, r->ip, user, known, now);
	pthread_mutex_unlock(&s->rl_mu);
	if (wait > 0) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%" PRId64, wait);
		sb_reply_header(r, "Retry-After", ra);
		sb_reply_error(r, 429, "too many failed sign-ins: try again in %" PRId64 " s",
			       wait);
		return SB_EAUTH;
	}
	if (atomic_fetch_add(&s->hashing, 1) >= SB_MAX_HASHING) {
		atomic_fetch_sub(&s->hashing, 1);
		sb_reply_header(r, "Retry-After", "1");
		sb_reply_error(r, 503, "busy checking other sign-ins: try again in a second");
		return SB_EAUTH;
	}
	sb_err_clear(&err);
	rc = sb_servedb_user_check(s->db, user, password, role, &err);
	atomic_fetch_sub(&s->hashing, 1);
	if (rc == SB_EAUTH) {
		pthread_mutex_lock(&s->rl_mu);
		sb_login_limit_failed(s->limit, r->ip, user, known, now);
		pthread_mutex_unlock(&s->rl_mu);
		sb_log(SB_LOG_WARNING, "serve", "failed sign-in for \"%.64s\" from %s", user,
		       r->ip);
		sb_reply_error(r, 401, "wrong user name or password");
		return rc;
	}
	if (rc != SB_OK) {
		sb_reply_store_error(r, &err);
		return rc;
	}
	pthread_mutex_lock(&s->rl_mu);
	sb_login_limit_passed(s->limit, r->ip, user, now);
	pthread_mutex_unlock(&s->rl_mu);
	return SB_OK;
}

/* ---- cookies ---- */

static void sb_set_cookie(sb_req *r, const char *value, int64_t max_age)
{
	char c[256];
	snprintf(c, sizeof(c),
		 SB_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%" PRId64 "%s", value,
		 max_age, r->srv->tls ? "; Secure" : "");
	sb_reply_header(r, "Set-Cookie", c);
}

void sb_auth_session(sb_req *r)
{
	if (r->have_session)
		return;
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SB_COOKIE);
	if (c == NULL || strlen(c) != SB_TOKEN_HEX)
		return;
	sb_err err = {0};
	int rc =
		sb_servedb_session_get(r->srv->db, c, r->srv->o->session_idle * 60, &r->sess, &err);
	if (rc == SB_OK) {
		r->have_session = 1;
		snprintf(r->cookie, sizeof(r->cookie), "%s", c);
	} else if (rc != SB_ENOTFOUND) {
		sb_log(SB_LOG_ERROR, "serve", "sessions: %s", err.msg);
	}
}

static void sb_session_json(sb_req *r, sb_json *j, const sb_session *s)
{
	const char *tz = r->srv->o->s->timezone != NULL ? r->srv->o->s->timezone : getenv("TZ");
	if (tz != NULL && tz[0] == ':')
		tz++;
	sb_json_obj(j);
	sb_json_kstr(j, "user", s->user);
	sb_json_kstr(j, "role", sb_role_name(s->role));
	sb_json_kstr(j, "csrf", s->csrf);
	sb_json_kint(j, "expires", s->expires);
	sb_json_kstr(j, "timezone", tz != NULL && tz[0] != '\0' ? tz : NULL);
	sb_json_obj_end(j);
}

/* ---- handlers ---- */

void sb_api_login(sb_req *r)
{
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *user = NULL, *pw = NULL;
	if (sb_body_str(r, &doc, "user", &user) < 0 || sb_body_str(r, &doc, "password", &pw) < 0) {
		bson_destroy(&doc);
		return;
	}
	if (user == NULL || pw == NULL || *user == '\0') {
		bson_destroy(&doc);
		sb_reply_error(r, 400, "user and password are required");
		return;
	}
	sb_role role;
	if (sb_check_password(r, user, pw, &role) != SB_OK) {
		bson_destroy(&doc);
		return;
	}
	char token[SB_TOKEN_HEX + 1];
	sb_session sess;
	sb_err err = {0};
	int64_t ttl = r->srv->o->session_hours * 3600;
	int rc = sb_servedb_session_new(r->srv->db, user, ttl, token, &sess, &err);
	bson_destroy(&doc);
	if (rc != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	r->sess = sess;
	r->have_session = 1;
	sb_log(SB_LOG_INFO, "serve", "%s signed in from %s", sess.user, r->ip);
	sb_set_cookie(r, token, ttl);
	sodium_memzero(token, sizeof(token));
	sb_json j;
	sb_json_init(&j, 0);
	sb_session_json(r, &j, &sess);
	sb_reply_json(r, 200, &j);
}

void sb_api_logout(sb_req *r)
{
	sb_err err = {0};
	if (sb_servedb_session_del(r->srv->db, r->cookie, &err) != SB_OK) {
		sb_reply_store_error(r, &err);
		return;
	}
	sb_set_cookie(r, "", 0);
	sb_reply_ok(r);
}

void sb_api_session(sb_req *r)
{
	sb_json j;
	sb_json_init(&j, 0);
	sb_session_json(r, &j, &r->sess);
	sb_reply_json(r, 200, &j);
}

void sb_api_password(sb_req *r)
{
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *old = NULL, *pw = NULL;
	if (sb_body_str(r, &doc, "old", &old) < 0 || sb_body_str(r, &doc, "password", &pw) < 0) {
		bson_destroy(&doc);
		return;
	}
	sb_err err = {0};
	if (old == NULL || pw == NULL) {
		sb_reply_error(r, 400, "old and password are required");
	} else if (sb_servedb_password_ok(pw, &err) != SB_OK) {
		sb_reply_error(r, 400, "password: %s", err.msg);
	} else {
		sb_role role;
		if (sb_check_password(r, r->sess.user, old, &role) == SB_OK) {
			int rc = sb_servedb_user_passwd(r->srv->db, r->sess.user, pw, &err);
			if (rc != SB_OK) {
				sb_reply_store_error(r, &err);
			} else {
				sb_log(SB_LOG_INFO, "serve", "%s changed their password",
				       r->sess.user);
				sb_set_cookie(r, "", 0);
				sb_reply_ok(r);
			}
		}
	}
	bson_destroy(&doc);
}

static int sb_user_row(void *ctx, const char *name, sb_role role, int64_t created)
{
	sb_json *j = ctx;
	sb_json_obj(j);
	sb_json_kstr(j, "name", name);
	sb_json_kstr(j, "role", sb_role_name(role));
	sb_json_kint(j, "created", created);
	sb_json_obj_end(j);
	return SB_OK;
}

void sb_api_users(sb_req *r)
{
	sb_json j;
	sb_json_init(&j, 0);
	sb_json_obj(&j);
	sb_json_key(&j, "users");
	sb_json_arr(&j);
	sb_err err = {0};
	if (sb_servedb_users(r->srv->db, sb_user_row, &j, &err) != SB_OK) {
		sb_json_free(&j);
		sb_reply_store_error(r, &err);
		return;
	}
	sb_json_arr_end(&j);
	sb_json_obj_end(&j);
	sb_reply_json(r, 200, &j);
}

void sb_api_user_add(sb_req *r)
{
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *name = NULL, *pw = NULL, *rname = NULL;
	if (sb_body_str(r, &doc, "name", &name) < 0 || sb_body_str(r, &doc, "password", &pw) < 0 ||
	    sb_body_str(r, &doc, "role", &rname) < 0) {
		bson_destroy(&doc);
		return;
	}
	sb_role role = SB_ROLE_VIEWER;
	sb_err err = {0};
	if (name == NULL || pw == NULL) {
		sb_reply_error(r, 400, "name and password are required");
	} else if (rname != NULL && sb_role_parse(rname, &role) != SB_OK) {
		sb_reply_error(r, 400, "role: expected admin or viewer");
	} else {
		int rc = sb_servedb_user_add(r->srv->db, name, pw, role, &err);
		if (rc != SB_OK) {
			sb_reply_db(r, rc, &err);
		} else {
			sb_log(SB_LOG_INFO, "serve", "%s added the user %s (%s)", r->sess.user,
			       name, sb_role_name(role));
			sb_json j;
			sb_json_init(&j, 0);
			sb_user_row(&j, name, role, (int64_t)time(NULL));
			sb_reply_json(r, 201, &j);
		}
	}
	bson_destroy(&doc);
}

void sb_api_user_put(sb_req *r)
{
	const char *name = r->segs[2];
	bson_t doc;
	if (sb_req_json(r, &doc) != SB_OK)
		return;
	const char *pw = NULL, *rname = NULL;
	if (sb_body_str(r, &doc, "password", &pw) < 0 || sb_body_str(r, &doc, "role", &rname) < 0) {
		bson_destroy(&doc);
		return;
	}
	sb_role role = SB_ROLE_VIEWER;
	sb_err err = {0};
	int rc = SB_OK;
	if (pw == NULL && rname == NULL) {
		sb_reply_error(r, 400, "nothing to change: give role and/or password");
	} else if (rname != NULL && sb_role_parse(rname, &role) != SB_OK) {
		sb_reply_error(r, 400, "role: expected admin or viewer");
	} else if (pw != NULL && sb_servedb_password_ok(pw, &err) != SB_OK) {
		sb_reply_error(r, 400, "password: %s", err.msg);
	} else {
		if (rname != NULL)
			rc = sb_servedb_user_role(r->srv->db, name, role, &err);
		if (rc == SB_OK && pw != NULL)
			rc = sb_servedb_user_passwd(r->srv->db, name, pw, &err);
		if (rc != SB_OK) {
			sb_reply_db(r, rc, &err);
		} else {
			sb_log(SB_LOG_INFO, "serve", "%s changed the user %s%s%s", r->sess.user,
			       name, rname != NULL ? " (role)" : "",
			       pw != NULL ? " (password)" : "");
			sb_reply_ok(r);
		}
	}
	bson_destroy(&doc);
}

void sb_api_user_del(sb_req *r)
{
	const char *name = r->segs[2];
	if (strcmp(name, r->sess.user) == 0) {
		sb_reply_error(r, 400, "you cannot delete your own account");
		return;
	}
	sb_err err = {0};
	int rc = sb_servedb_user_del(r->srv->db, name, 0, &err);
	if (rc != SB_OK) {
		sb_reply_db(r, rc, &err);
		return;
	}
	sb_log(SB_LOG_INFO, "serve", "%s deleted the user %s", r->sess.user, name);
	sb_reply_ok(r);
}
