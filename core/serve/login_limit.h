/* login_limit.h - the sign-in rate limit: failed password checks counted per client address, per
 * (address, account) and per account, in a fixed table that an attacker cannot flush.
 *
 * Three counters stand behind each password check, each over a window of `window` seconds from
 * its first failure:
 *   - the (address, account) pair: max_fails failures, then that pair waits the window out;
 *   - the client address: 4 * max_fails failures over any user names, known or not;
 *   - the account: 4 * max_fails failures from any addresses.
 * The pair and account counters exist only for accounts that exist, so made-up user names cost
 * no memory: they count against their address alone. An IPv6 client is counted by its /64 (one
 * host usually holds a whole /64); an IPv4-mapped IPv6 address as the IPv4 address.
 *
 * Memory is one table of `slots` fixed-size entries allocated once, keyed by a BLAKE2b hash with
 * a random key (no one can aim names at chosen entries). An entry is reused only when its window
 * is over and it is not blocked: a new key never evicts one that still counts. When no entry is
 * free among the few a key may use, the attempt is refused as if blocked (until the soonest of
 * them frees) and is not checked: the table fails closed.
 *
 * Not thread-safe: the caller serialises calls (the server holds a mutex). */
#ifndef SB_SERVE_LOGIN_LIMIT_H
#define SB_SERVE_LOGIN_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"

typedef struct sb_login_limit sb_login_limit;

/* A new limiter of slots entries (at least 64), max_fails >= 1, window >= 1 seconds. Returns
 * SB_OK and *out (free with sb_login_limit_free), SB_EINVAL or SB_ENOMEM. */
int sb_login_limit_new(size_t slots, long max_fails, int64_t window, sb_login_limit **out);
void sb_login_limit_free(sb_login_limit **l);

/* Before checking the password of user (known: the account exists) from addr (the client's
 * numeric address as text): returns 0 when the check may go on (the entries a failure would need
 * are then held), else the seconds to wait. */
int64_t sb_login_limit_wait(sb_login_limit *l, const char *addr, const char *user, int known,
			    int64_t now);

/* The check failed: counts it against the address and, when known, the pair and the account. */
void sb_login_limit_failed(sb_login_limit *l, const char *addr, const char *user, int known,
			   int64_t now);

/* The check passed: forgets the pair's failures (the address's and the account's stay). */
void sb_login_limit_passed(sb_login_limit *l, const char *addr, const char *user, int64_t now);

/* Entries in use (still counting or blocked) at now. */
size_t sb_login_limit_used(const sb_login_limit *l, int64_t now);

/* The address as the limiter counts it: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as
 * "<first 64 bits>::/64"; text that is no numeric address is used as is. */
void sb_login_limit_client(const char *addr, char *out, size_t size);

#endif
