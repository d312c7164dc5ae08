/* servedb_test.c - the web server's database: users and argon2id, sessions, monitors and tokens. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve/servedb.h"
#include "tap.h"

static int sb_count_users(void *ctx, const char *name, sb_role role, int64_t created)
{
	(void)name, (void)role, (void)created;
	(*(int *)ctx)++;
	return SB_OK;
}

int main(void)
{
	char dir[128];
	if (!tap_tempdir(dir, sizeof(dir), "servedb"))
		return 1;
	char path[160];
	snprintf(path, sizeof(path), "%s/serve.db", dir);
	sb_err err = {0};
	sb_servedb *db = NULL;
	is_int(sb_servedb_open(path, &db, &err), SB_OK, "opens a new file: %s", err.msg);

	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "ana", "correct horse", SB_ROLE_ADMIN, &err), SB_OK,
	       "add admin");
	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "ana", "another one", SB_ROLE_VIEWER, &err), SB_EINVAL,
	       "a taken name is refused");
	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "bob", "short", SB_ROLE_VIEWER, &err), SB_EINVAL,
	       "a short password is refused");
	ok(strstr(err.msg, "8 characters") != NULL, "and the message says why: %s", err.msg);
	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "bad name", "long enough", SB_ROLE_VIEWER, &err), SB_EINVAL,
	       "a name with a blank is refused");
	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "bob", "bob's secret", SB_ROLE_VIEWER, &err), SB_OK,
	       "add viewer");

	sb_role role = SB_ROLE_ADMIN;
	sb_err_clear(&err);
	is_int(sb_servedb_user_check(db, "bob", "bob's secret", &role, &err), SB_OK,
	       "right password");
	is_int(role, SB_ROLE_VIEWER, "with the user's role");
	sb_err_clear(&err);
	is_int(sb_servedb_user_check(db, "bob", "bob's Secret", &role, &err), SB_EAUTH,
	       "wrong password");
	sb_err_clear(&err);
	is_int(sb_servedb_user_check(db, "nobody", "whatever1", &role, &err), SB_EAUTH,
	       "unknown user");
	sb_err_clear(&err);
	is_int(sb_servedb_user_del(db, "ana", 0, &err), SB_EINVAL, "the last admin is not deleted");
	sb_err_clear(&err);
	is_int(sb_servedb_user_role(db, "ana", SB_ROLE_VIEWER, &err), SB_EINVAL, "nor demoted");

	char token[SB_TOKEN_HEX + 1];
	sb_session s, got;
	sb_err_clear(&err);
	is_int(sb_servedb_session_new(db, "bob", 3600, token, &s, &err), SB_OK, "session started");
	is_int((int)strlen(token), SB_TOKEN_HEX, "a 256-bit id in hex");
	is_int(sb_servedb_session_get(db, token, 0, &got, &err), SB_OK, "found by its id");
	is_str(got.user, "bob", "of its user");
	is_str(got.csrf, s.csrf, "with its CSRF token");
	token[0] = token[0] == 'a' ? 'b' : 'a';
	is_int(sb_servedb_session_get(db, token, 0, &got, &err), SB_ENOTFOUND,
	       "a changed id is unknown");
	token[0] = token[0] == 'a' ? 'b' : 'a';
	is_int(sb_servedb_user_passwd(db, "bob", "new secret!", &err), SB_OK, "password changed");
	is_int(sb_servedb_session_get(db, token, 0, &got, &err), SB_ENOTFOUND,
	       "which ended the user's sessions");
	sb_err_clear(&err);
	is_int(sb_servedb_session_new(db, "bob", -1, token, &s, &err), SB_OK, "an expired session");
	is_int(sb_servedb_session_get(db, token, 0, &got, &err), SB_ENOTFOUND, "is not valid");

	int64_t id = 0;
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_add(db, 0, "box-1", 10, NULL, &id, &err), SB_OK, "monitor added");
	is_int(id, 1, "with the first id");
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_add(db, 0, "box-1", 10, NULL, &id, &err), SB_EINVAL,
	       "names are unique");
	char mt[128];
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_token(db, 1, mt, sizeof(mt), &err), SB_OK, "token issued");
	ok(strncmp(mt, "sbm_1_", 6) == 0, "named after its monitor");
	is_int(sb_servedb_monitor_auth(db, 1, mt, &err), SB_OK, "the token authenticates");
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_auth(db, 2, mt, &err), SB_EAUTH, "not for another monitor");
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_revoke(db, 1, &err), SB_OK, "revoked");
	is_int(sb_servedb_monitor_auth(db, 1, mt, &err), SB_EAUTH, "then refused");

	sb_link_rec l = {.name = "core", .ip = "192.0.2.1", .status = 1};
	sb_err_clear(&err);
	is_int(sb_servedb_link_put(db, 1, &l, 1, &err), SB_OK, "link added");
	is_int(l.id, 1, "with the next id");
	sb_link_rec dup = {.name = "core", .ip = "192.0.2.2", .status = 1};
	sb_err_clear(&err);
	is_int(sb_servedb_link_put(db, 1, &dup, 1, &err), SB_EINVAL, "link names are unique");
	sb_monitor_rec m;
	sb_err_clear(&err);
	sb_servedb_monitor_get(db, 1, &m, &err);
	is_int(m.version, 2, "the link bumped the config version");
	sb_err_clear(&err);
	is_int(sb_servedb_test_put(db, 1, "ping", "{\"interval\":60}", &err), SB_OK, "test set");
	sb_test_rec *tests = NULL;
	size_t nt = 0;
	sb_servedb_tests(db, 1, &tests, &nt, &err);
	ok(nt == 1 && strcmp(tests[0].params, "{\"interval\":60}") == 0, "and read back");
	sb_servedb_tests_free(tests, nt);
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_del(db, 1, &err), SB_OK, "monitor deleted");
	sb_link_rec *links = NULL;
	size_t nl = 0;
	sb_servedb_links(db, 1, &links, &nl, &err);
	is_int((long)nl, 0, "with its links");
	free(links);
	int users = 0;
	sb_servedb_users(db, sb_count_users, &users, &err);
	is_int(users, 2, "two users listed");

	/* owners and shares: bob's monitor, ana an admin, carl a viewer who is shared it */
	sb_err_clear(&err);
	is_int(sb_servedb_user_add(db, "carl", "carl-secret-3", SB_ROLE_VIEWER, &err), SB_OK,
	       "a third account");
	is_int(sb_servedb_monitor_add(db, 0, "box-bob", 10, "bob", &id, &err), SB_OK,
	       "a monitor of bob's");
	sb_servedb_monitor_get(db, id, &m, &err);
	ok(strcmp(m.owner, "bob") == 0, "belongs to bob");
	sb_access a;
	sb_servedb_monitor_access(db, id, "bob", SB_ROLE_VIEWER, &a, &err);
	is_int(a, SB_ACCESS_MANAGE, "bob manages it");
	sb_servedb_monitor_access(db, id, "ana", SB_ROLE_ADMIN, &a, &err);
	is_int(a, SB_ACCESS_MANAGE, "so does an admin");
	sb_servedb_monitor_access(db, id, "carl", SB_ROLE_VIEWER, &a, &err);
	is_int(a, SB_ACCESS_NONE, "carl does not know it");
	is_int(sb_servedb_share(db, id, "carl", 1, &err), SB_OK, "shared with carl");
	sb_servedb_monitor_access(db, id, "carl", SB_ROLE_VIEWER, &a, &err);
	is_int(a, SB_ACCESS_READ, "who then sees it");
	is_int(sb_servedb_share(db, id, "nobody", 1, &err), SB_EINVAL, "no share with no account");
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_owner(db, id, "carl", &err), SB_OK, "given to carl");
	sb_user_name *sh = NULL;
	size_t nsh = 9;
	sb_servedb_shares(db, id, &sh, &nsh, &err);
	is_int((long)nsh, 0, "whose share is no longer needed");
	free(sh);
	is_int(sb_servedb_user_del(db, "carl", 0, &err), SB_OK, "carl deleted");
	sb_servedb_monitor_get(db, id, &m, &err);
	ok(m.owner[0] == '\0', "his monitor goes to the admins");
	sb_err_clear(&err);
	is_int(sb_servedb_monitor_access(db, 99, "bob", SB_ROLE_ADMIN, &a, &err), SB_ENOTFOUND,
	       "no monitor: not found, whoever asks");
	sb_servedb_close(&db);
	if (!tap_rmtree(dir))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
