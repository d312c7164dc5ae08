/* servedb.h - the web server's own state in a small SQLite file: users, sessions, remote monitors.
 *
 * Kept apart from the history store (DATABASE_URI) on purpose: accounts, sessions and monitor
 * tokens are secrets of the box that serves the dashboard, not history; they work the same
 * whichever backend holds the data (an old ScanBackup MongoDB gets no new collections), and a
 * lost or copied history database leaks no password hash. Default file: <data>/serve.db
 * (SERVE_DB).
 *
 * Passwords are stored as libsodium argon2id strings (crypto_pwhash_str, the "interactive"
 * limits); session ids and monitor tokens are 256-bit random values of which only a BLAKE2b hash
 * is stored. A handle is thread-safe (one connection behind a mutex); the slow password hash
 * runs outside the mutex. Several processes may open the same file (WAL, busy timeout). */
#ifndef SB_SERVE_SERVEDB_H
#define SB_SERVE_SERVEDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "format/monitor_config.h"

typedef struct sb_servedb sb_servedb;

typedef enum sb_role { SB_ROLE_VIEWER = 0, SB_ROLE_ADMIN = 1 } sb_role;

/* "viewer" / "admin". */
const char *sb_role_name(sb_role r);
/* Parses a role name. Returns SB_OK or SB_EINVAL. */
int sb_role_parse(const char *s, sb_role *out);

/* 1 when name is a valid user name: 1-64 of letters, digits, '.', '_', '-', '@'. */
int sb_servedb_user_name_ok(const char *name);

/* Password rules: 8 to 1024 bytes. Returns SB_OK or SB_EINVAL with the reason in err. */
int sb_servedb_password_ok(const char *pw, sb_err *err);

/* Opens (creating the file, not its folder, and the tables) the database at path. Returns SB_OK
 * and *out (free with sb_servedb_close) or SB_ESTORE / SB_EINVAL with err filled. */
int sb_servedb_open(const char *path, sb_servedb **out, sb_err *err);
void sb_servedb_close(sb_servedb **db);

/* ---- users ---- */

/* Adds a user. SB_EINVAL for a bad name or password, or a name already taken (err says
 * which). */
int sb_servedb_user_add(sb_servedb *db, const char *name, const char *password, sb_role role,
			sb_err *err);
/* Sets a user's password and ends all of the user's sessions. SB_ENOTFOUND for no such user. */
int sb_servedb_user_passwd(sb_servedb *db, const char *name, const char *password, sb_err *err);
/* Changes a user's role (ends the user's sessions). Demoting the last admin is SB_EINVAL. */
int sb_servedb_user_role(sb_servedb *db, const char *name, sb_role role, sb_err *err);
/* Deletes a user and the user's sessions. SB_ENOTFOUND for no such user; deleting the last
 * admin is SB_EINVAL unless force. */
int sb_servedb_user_del(sb_servedb *db, const char *name, int force, sb_err *err);
/* Checks a password. SB_OK with *role, SB_EAUTH when the user is unknown or the password wrong
 * (the same work is done in both cases, so timing tells nothing). */
int sb_servedb_user_check(sb_servedb *db, const char *name, const char *password, sb_role *role,
			  sb_err *err);

typedef int (*sb_servedb_user_fn)(void *ctx, const char *name, sb_role role, int64_t created);
/* SB_OK when the user exists, SB_ENOTFOUND when not (a bad name included), else SB_ESTORE. */
int sb_servedb_user_exists(sb_servedb *db, const char *name, sb_err *err);
/* Every user, by name. */
int sb_servedb_users(sb_servedb *db, sb_servedb_user_fn fn, void *ctx, sb_err *err);
/* Number of users. */
int sb_servedb_user_count(sb_servedb *db, long *n, sb_err *err);

/* ---- sessions ---- */

#define SB_TOKEN_HEX 64 /* a session id, CSRF token or monitor secret: 32 random bytes in hex */

typedef struct sb_session {
	char user[65];
	sb_role role;
	char csrf[SB_TOKEN_HEX + 1];
	int64_t expires;
} sb_session;

/* Starts a session of user lasting ttl seconds: writes its id (the cookie value) to token and
 * fills *out. Old expired sessions are purged on the way. */
int sb_servedb_session_new(sb_servedb *db, const char *user, int64_t ttl,
			   char token[SB_TOKEN_HEX + 1], sb_session *out, sb_err *err);
/* Looks a session up by the cookie value: SB_OK and *out, or SB_ENOTFOUND when unknown, expired
 * or idle more than idle seconds (0 = no idle limit). Marks it used. */
int sb_servedb_session_get(sb_servedb *db, const char *token, int64_t idle, sb_session *out,
			   sb_err *err);
/* Ends a session (unknown: SB_OK). */
int sb_servedb_session_del(sb_servedb *db, const char *token, sb_err *err);

/* ---- remote monitors ---- */

/* A monitor as the dashboard knows it. */
typedef struct sb_monitor_rec {
	int64_t id;
	char name[65];
	double sleep_time;
	int has_token;
	int64_t token_created;
	int64_t version;   /* bumped on every change of its config */
	int64_t pulled;    /* version the monitor last pulled, 0 never */
	int64_t last_seen; /* unix time of its last authenticated request, 0 never */
	int64_t results;   /* result lines it pushed, in total */
	char owner[65];    /* the account it belongs to; "": the admins */
	sb_place place;    /* where it stands on the map (monitor_config.h) */
} sb_monitor_rec;

typedef struct sb_link_rec {
	int64_t id;
	char name[65];
	char ip[64];
	int status;
	sb_place place; /* where its far end stands on the map */
} sb_link_rec;

typedef struct sb_test_rec {
	char name[33];
	char *params; /* JSON object text, interval included */
} sb_test_rec;

/* 1 when name is a valid monitor / link name: 1-64 printable characters, no control
 * characters. */
int sb_servedb_label_ok(const char *name);

/* Creates a monitor of that id (> 0; 0 = the next free) and name, owned by owner (the account
 * that creates it; NULL: the admins). SB_EINVAL when the id is taken or the name bad. *id_out
 * gets its id. */
int sb_servedb_monitor_add(sb_servedb *db, int64_t id, const char *name, double sleep_time,
			   const char *owner, int64_t *id_out, sb_err *err);
/* Renames / sets sleep_time. SB_ENOTFOUND for no such monitor. */
int sb_servedb_monitor_set(sb_servedb *db, int64_t id, const char *name, double sleep_time,
			   sb_err *err);
/* Sets (place->set) or clears the place of the monitor itself. SB_ENOTFOUND for no such
 * monitor, SB_EINVAL for a place out of range (sb_place_ok). Bumps the monitor's version. */
int sb_servedb_monitor_place(sb_servedb *db, int64_t id, const sb_place *place, sb_err *err);
/* Deletes a monitor with its links, tests, places and token (its stored results stay). */
int sb_servedb_monitor_del(sb_servedb *db, int64_t id, sb_err *err);
/* One monitor; SB_ENOTFOUND when there is none. */
int sb_servedb_monitor_get(sb_servedb *db, int64_t id, sb_monitor_rec *out, sb_err *err);

typedef int (*sb_servedb_monitor_fn)(void *ctx, const sb_monitor_rec *m);
int sb_servedb_monitors(sb_servedb *db, sb_servedb_monitor_fn fn, void *ctx, sb_err *err);

/* Issues a new token for the monitor (any old one stops working at once): writes the secret to
 * token ("sbm_<id>_<64 hex>") once; only its hash is kept. */
int sb_servedb_monitor_token(sb_servedb *db, int64_t id, char *token, size_t size, sb_err *err);
/* Revokes the monitor's token. */
int sb_servedb_monitor_revoke(sb_servedb *db, int64_t id, sb_err *err);
/* Authenticates a monitor token for monitor id: SB_OK (and marks it seen), SB_EAUTH otherwise. */
int sb_servedb_monitor_auth(sb_servedb *db, int64_t id, const char *token, sb_err *err);
/* Notes that the monitor pulled config version, or pushed n result lines. */
int sb_servedb_monitor_pulled(sb_servedb *db, int64_t id, int64_t version, sb_err *err);
int sb_servedb_monitor_pushed(sb_servedb *db, int64_t id, int64_t n, sb_err *err);

/* Links. link->id 0 on add = the next free id; an id or name already used on the monitor is
 * SB_EINVAL. Each change bumps the monitor's version; link->place is stored with the rest. */
int sb_servedb_link_put(sb_servedb *db, int64_t monitor, sb_link_rec *link, int create,
			sb_err *err);
int sb_servedb_link_del(sb_servedb *db, int64_t monitor, int64_t link, sb_err *err);
/* Every link of a monitor by id (caller frees *out). */
int sb_servedb_links(sb_servedb *db, int64_t monitor, sb_link_rec **out, size_t *n, sb_err *err);

/* Tests: params is a JSON object's text (checked by the caller). */
int sb_servedb_test_put(sb_servedb *db, int64_t monitor, const char *name, const char *params,
			sb_err *err);
int sb_servedb_test_del(sb_servedb *db, int64_t monitor, const char *name, sb_err *err);
/* Every test of a monitor by name (caller frees with sb_servedb_tests_free). */
int sb_servedb_tests(sb_servedb *db, int64_t monitor, sb_test_rec **out, size_t *n, sb_err *err);
void sb_servedb_tests_free(sb_test_rec *v, size_t n);

/* ---- who may see and manage a monitor ----
 * A monitor belongs to the account that created it (sb_monitor_rec.owner), or to the admins when
 * it has no owner (every monitor of a file made before owners existed). Its owner and every admin
 * manage it (settings, links, tests, token, shares, owner); the accounts it is shared with see it;
 * nobody else knows it exists. */

typedef enum sb_access { SB_ACCESS_NONE = 0, SB_ACCESS_READ = 1, SB_ACCESS_MANAGE = 2 } sb_access;

/* What user (of that role) may do with monitor id. SB_ENOTFOUND when there is no monitor id. */
int sb_servedb_monitor_access(sb_servedb *db, int64_t id, const char *user, sb_role role,
			      sb_access *out, sb_err *err);
/* Gives monitor id to the account owner (NULL: to the admins); a share the new owner had goes.
 * SB_ENOTFOUND for no such monitor, SB_EINVAL for no such user. */
int sb_servedb_monitor_owner(sb_servedb *db, int64_t id, const char *owner, sb_err *err);
/* Shares monitor id with user (add; again changes nothing) or stops sharing it. SB_EINVAL for no
 * such user, SB_ENOTFOUND for no such monitor or, on removal, no such share. */
int sb_servedb_share(sb_servedb *db, int64_t id, const char *user, int add, sb_err *err);
typedef char sb_user_name[65];
/* The accounts monitor id is shared with, by name (caller frees *out). */
int sb_servedb_shares(sb_servedb *db, int64_t id, sb_user_name **out, size_t *n, sb_err *err);

#endif
