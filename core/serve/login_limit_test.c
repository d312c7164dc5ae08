/* login_limit_test.c - the sign-in rate limit: its three counters, a full table failing closed,
 * entries never evicted while they count, made-up names costing nothing, IPv6 by /64. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "serve/login_limit.h"
#include "tap.h"

/* Fails user from addr until refused; returns the password checks made (at most max). */
static int sb_checks_until_refused(sb_login_limit *l, const char *addr, const char *user, int known,
				   int64_t now, int max)
{
	int checks = 0;
	while (checks < max && sb_login_limit_wait(l, addr, user, known, now) == 0) {
		sb_login_limit_failed(l, addr, user, known, now);
		checks++;
	}
	return checks;
}

int main(void)
{
	sb_login_limit *l = NULL;
	is_int(sb_login_limit_new(8, 5, 900, &l), SB_EINVAL, "a table of 8 entries is refused");
	is_int(sb_login_limit_new(4096, 5, 900, &l), SB_OK, "a table of 4096 entries");
	int64_t now = 1000000;

	/* the pair */
	is_int(sb_checks_until_refused(l, "10.0.0.1", "ana", 1, now, 100), 5,
	       "one address gets 5 checks of one account");
	int64_t w = sb_login_limit_wait(l, "10.0.0.1", "ana", 1, now + 10);
	is_int(w, 890, "then waits out the window: %lld s", (long long)w);
	is_int(sb_login_limit_wait(l, "10.0.0.1", "bob", 1, now + 10), 0,
	       "another account from that address may still be tried");
	is_int(sb_login_limit_wait(l, "10.0.0.2", "ana", 1, now + 10), 0,
	       "and that account from another address");
	is_int(sb_login_limit_wait(l, "10.0.0.1", "ana", 1, now + 900), 0,
	       "after the window the pair may try again");

	/* the address, with made-up names: one entry, 20 checks */
	size_t used0 = sb_login_limit_used(l, now);
	char name[64];
	int checks = 0;
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "made-up-%d", i);
		if (sb_login_limit_wait(l, "10.0.0.3", name, 0, now) == 0) {
			sb_login_limit_failed(l, "10.0.0.3", name, 0, now);
			checks++;
		}
	}
	is_int(checks, 20, "100000 made-up names from one address: 20 checks");
	is_int(sb_login_limit_used(l, now) - used0, 1, "and one entry");
	ok(sb_login_limit_wait(l, "10.0.0.3", "ana", 1, now) > 0,
	   "that address may not try a real account either");

	/* the account, from many addresses */
	sb_login_limit_free(&l);
	is_int(sb_login_limit_new(4096, 5, 900, &l), SB_OK, "a new table");
	char addr[64];
	checks = 0;
	for (int i = 0; i < 50; i++) {
		snprintf(addr, sizeof(addr), "10.1.0.%d", i);
		checks += sb_checks_until_refused(l, addr, "ana", 1, now, 5);
	}
	is_int(checks, 20, "50 addresses get 20 checks of one account in the window");
	ok(sb_login_limit_wait(l, "10.9.9.9", "ana", 1, now + 60) > 0,
	   "then the account waits, from any address");
	is_int(sb_login_limit_wait(l, "10.9.9.9", "bob", 1, now + 60), 0, "other accounts do not");
	sb_login_limit_passed(l, "10.9.9.9", "bob", now + 60);

	/* IPv6 by /64, IPv4-mapped as IPv4 */
	char c[80];
	sb_login_limit_client("2001:db8:1:2:aaaa:bbbb:cccc:dddd", c, sizeof(c));
	is_str(c, "2001:db8:1:2::/64", "IPv6 counts by its /64");
	sb_login_limit_client("::ffff:192.0.2.7", c, sizeof(c));
	is_str(c, "192.0.2.7", "IPv4-mapped IPv6 counts as IPv4");
	sb_login_limit_client("192.0.2.7", c, sizeof(c));
	is_str(c, "192.0.2.7", "IPv4 as is");
	checks = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:1:2::%x", i + 1);
		snprintf(name, sizeof(name), "x%d", i);
		if (sb_login_limit_wait(l, addr, name, 0, now) == 0) {
			sb_login_limit_failed(l, addr, name, 0, now);
			checks++;
		}
	}
	is_int(checks, 20, "200 addresses of one /64 share one address limit");

	/* a full table fails closed and evicts nothing that counts */
	sb_login_limit_free(&l);
	is_int(sb_login_limit_new(64, 5, 900, &l), SB_OK, "a table of 64 entries");
	is_int(sb_checks_until_refused(l, "10.2.0.1", "ana", 1, now, 100), 5,
	       "the pair to protect is blocked");
	int refused = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(addr, sizeof(addr), "10.3.%d.%d", i / 250, i % 250);
		if (sb_login_limit_wait(l, addr, "nobody", 0, now + 1) > 0)
			refused++;
		else
			sb_login_limit_failed(l, addr, "nobody", 0, now + 1);
	}
	ok(refused > 4000, "5000 new addresses in a full table: refused until entries free (%d)",
	   refused);
	ok(sb_login_limit_used(l, now + 1) <= 64, "never more entries than the table holds");
	ok(sb_login_limit_wait(l, "10.2.0.1", "ana", 1, now + 2) > 0,
	   "the blocked pair is still blocked after the flood");
	ok(sb_login_limit_wait(l, "10.4.0.1", "ana", 1, now + 2) > 0,
	   "a new address is refused while the table is full");
	is_int(sb_login_limit_wait(l, "10.4.0.1", "ana", 1, now + 2000), 0,
	       "once the windows are over, entries free again");
	sb_login_limit_free(&l);
	ok(l == NULL, "freed");
	return tap_done();
}
