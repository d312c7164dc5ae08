/* login_limit.c - the sign-in rate limit: a fixed table of counters no key can evict early. */
#include "config.h"

#include "serve/login_limit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Entries a key may use: its hash's own and the next ones. */
#define SB_LL_PROBES 32
/* How long an entry taken by sb_login_limit_wait stays held without a failure: longer than any
 * password check, so the failure that follows always finds it. */
#define SB_LL_HOLD 120
#define SB_LL_KEY 16

typedef struct sb_ll_entry {
	unsigned char key[SB_LL_KEY];
	int used;
	long fails;
	int64_t since;         /* the first failure of the window, or when the entry was taken */
	int64_t blocked_until; /* > now: refused */
} sb_ll_entry;

struct sb_login_limit {
	sb_ll_entry *v;
	size_t n;
	long max_fails;
	int64_t window;
	unsigned char secret[crypto_generichash_KEYBYTES];
};

int sb_login_limit_new(size_t slots, long max_fails, int64_t window, sb_login_limit **out)
{
	*out = NULL;
	if (slots < 64 || max_fails < 1 || window < 1)
		return SB_EINVAL;
	if (sodium_init() < 0)
		return SB_ENOMEM;
	sb_login_limit *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return SB_ENOMEM;
	l->v = calloc(slots, sizeof(*l->v));
	if (l->v == NULL) {
		free(l);
		return SB_ENOMEM;
	}
	l->n = slots;
	l->max_fails = max_fails;
	l->window = window;
	randombytes_buf(l->secret, sizeof(l->secret));
	*out = l;
	return SB_OK;
}

void sb_login_limit_free(sb_login_limit **l)
{
	if (*l == NULL)
		return;
	sodium_memzero((*l)->secret, sizeof((*l)->secret));
	free((*l)->v);
	free(*l);
	*l = NULL;
}

/* The moment e stops counting: its block, its window (after a failure) or its hold. */
static int64_t sb_ll_end(const sb_login_limit *l, const sb_ll_entry *e)
{
	int64_t end = e->since + (e->fails > 0 ? l->window : SB_LL_HOLD);
	return e->blocked_until > end ? e->blocked_until : end;
}

static int sb_ll_live(const sb_login_limit *l, const sb_ll_entry *e, int64_t now)
{
	return e->used && sb_ll_end(l, e) > now;
}

/* The hash of (kind, addr, user). */
static void sb_ll_key(const sb_login_limit *l, char kind, const char *addr, const char *user,
		      unsigned char key[SB_LL_KEY])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, l->secret, sizeof(l->secret), SB_LL_KEY);
	crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
	if (addr != NULL)
		crypto_generichash_update(&st, (const unsigned char *)addr, strlen(addr) + 1);
	if (user != NULL)
		crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
	crypto_generichash_final(&st, key, SB_LL_KEY);
}

/* The entry of key: found (and restarted when it no longer counts), or taken from a free one.
 * NULL when every entry the key may use still counts; then *wait gets the seconds until the
 * soonest of them frees. */
static sb_ll_entry *sb_ll_find(sb_login_limit *l, const unsigned char key[SB_LL_KEY], int64_t now,
			       int64_t *wait)
{
	uint64_t h = 0;
	memcpy(&h, key, sizeof(h));
	size_t start = (size_t)(h % l->n);
	sb_ll_entry *free_e = NULL;
	int64_t soonest = INT64_MAX;
	for (size_t i = 0; i < SB_LL_PROBES && i < l->n; i++) {
		sb_ll_entry *e = &l->v[(start + i) % l->n];
		int live = sb_ll_live(l, e, now);
		if (e->used && memcmp(e->key, key, SB_LL_KEY) == 0) {
			if (!live) {
				e->fails = 0;
				e->blocked_until = 0;
				e->since = now;
			}
			return e;
		}
		if (!live && free_e == NULL)
			free_e = e;
		if (live && sb_ll_end(l, e) < soonest)
			soonest = sb_ll_end(l, e);
	}
	if (free_e == NULL) {
		*wait = soonest - now > 0 ? soonest - now : 1;
		return NULL;
	}
	memcpy(free_e->key, key, SB_LL_KEY);
	free_e->used = 1;
	free_e->fails = 0;
	free_e->blocked_until = 0;
	free_e->since = now;
	return free_e;
}

/* The (up to three) keys of an attempt and their limits; returns how many. */
static size_t sb_ll_keys(const sb_login_limit *l, const char *addr, const char *user, int known,
			 unsigned char keys[3][SB_LL_KEY], long limits[3])
{
	char client[INET6_ADDRSTRLEN + 8];
	sb_login_limit_client(addr, client, sizeof(client));
	sb_ll_key(l, 'a', client, NULL, keys[0]);
	limits[0] = l->max_fails * 4;
	if (!known)
		return 1;
	sb_ll_key(l, 'p', client, user, keys[1]);
	limits[1] = l->max_fails;
	sb_ll_key(l, 'u', NULL, user, keys[2]);
	limits[2] = l->max_fails * 4;
	return 3;
}

int64_t sb_login_limit_wait(sb_login_limit *l, const char *addr, const char *user, int known,
			    int64_t now)
{
	unsigned char keys[3][SB_LL_KEY];
	long limits[3];
	size_t n = sb_ll_keys(l, addr, user, known, keys, limits);
	int64_t wait = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t w = 0;
		sb_ll_entry *e = sb_ll_find(l, keys[i], now, &w);
		if (e != NULL) {
			w = e->blocked_until > now ? e->blocked_until - now : 0;
			if (e->fails == 0) /* held for the failure that may follow */
				e->since = now;
		}
		if (w > wait)
			wait = w;
	}
	return wait;
}

void sb_login_limit_failed(sb_login_limit *l, const char *addr, const char *user, int known,
			   int64_t now)
{
	unsigned char keys[3][SB_LL_KEY];
	long limits[3];
	size_t n = sb_ll_keys(l, addr, user, known, keys, limits);
	for (size_t i = 0; i < n; i++) {
		int64_t w = 0;
		sb_ll_entry *e = sb_ll_find(l, keys[i], now, &w);
		if (e == NULL)
			continue; /* cannot happen after sb_login_limit_wait held it */
		if (e->fails > 0 && e->since + l->window <= now && e->blocked_until <= now)
			e->fails = 0;
		if (e->fails == 0)
			e->since = now;
		if (++e->fails >= limits[i] && e->blocked_until <= now)
			e->blocked_until = now + l->window;
	}
}

void sb_login_limit_passed(sb_login_limit *l, const char *addr, const char *user, int64_t now)
{
	unsigned char keys[3][SB_LL_KEY];
	long limits[3];
	sb_ll_keys(l, addr, user, 1, keys, limits);
	int64_t w = 0;
	sb_ll_entry *e = sb_ll_find(l, keys[1], now, &w);
	if (e != NULL) {
		e->fails = 0;
		e->blocked_until = 0;
		e->used = 0;
	}
}

size_t sb_login_limit_used(const sb_login_limit *l, int64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += (size_t)sb_ll_live(l, &l->v[i], now);
	return n;
}

void sb_login_limit_client(const char *addr, char *out, size_t size)
{
	struct in6_addr a6;
	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(out, size, "%s", addr);
		return;
	}
	char buf[INET6_ADDRSTRLEN];
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		struct in_addr a4;
		memcpy(&a4, &a6.s6_addr[12], 4);
		if (inet_ntop(AF_INET, &a4, buf, sizeof(buf)) != NULL) {
			snprintf(out, size, "%s", buf);
			return;
		}
	}
	memset(&a6.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) == NULL)
		snprintf(out, size, "%s", addr);
	else
		snprintf(out, size, "%s/64", buf);
}
