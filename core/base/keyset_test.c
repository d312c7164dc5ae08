/* keyset_test.c - the set against a plain list: keys added once, found again after the table
 * grew, values kept where they were, binary keys, walking every value once. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/keyset.h"
#include "tap.h"

typedef struct val {
	long first; /* the index of the key's first put */
	double d;   /* only to see the value is aligned for it */
} val;

int main(void)
{
	enum { N = 50000 };
	sb_keyset s;
	sb_keyset_init(&s, sizeof(val));
	ok(sb_keyset_get(&s, "x", 1) == NULL, "an empty set finds nothing");
	size_t ni = 0;
	ok(sb_keyset_next(&s, &ni) == NULL, "... and walks nothing");

	/* keys of 0 to 11 bytes over a small alphabet with NULs: many repeat (M of them: the
	 * reference is a plain scan) */
	enum { M = 4000 };
	char(*keys)[12] = calloc(M, sizeof(*keys));
	size_t *lens = calloc(M, sizeof(*lens));
	val **first = calloc(M, sizeof(*first));
	uint64_t st = 0x9e3779b97f4a7c15u;
	size_t added = 0, wrong_added = 0, moved = 0, misaligned = 0;
	for (long i = 0; i < M; i++) {
		lens[i] = (size_t)(tap_rnd(&st) % 12);
		for (size_t k = 0; k < lens[i]; k++)
			keys[i][k] = "ab\0c"[tap_rnd(&st) % 4];
		long earlier = -1;
		for (long j = 0; j < i && earlier < 0; j++)
			if (lens[j] == lens[i] && memcmp(keys[j], keys[i], lens[i]) == 0)
				earlier = j;
		int was_added = -1;
		val *v = sb_keyset_put(&s, keys[i], lens[i], &was_added);
		misaligned += ((uintptr_t)v % _Alignof(max_align_t)) != 0;
		if (earlier < 0) {
			wrong_added += was_added != 1 || v->first != 0 || v->d != 0;
			v->first = i + 1;
			v->d = (double)i;
			first[i] = v;
			added++;
		} else {
			wrong_added += was_added != 0 || v->first != earlier + 1;
			moved += v != first[earlier];
		}
	}
	is_int(wrong_added, 0, "a new key is added zeroed, a known one gives its own value");
	is_int(moved, 0, "values stay where they are as the table grows");
	is_int(misaligned, 0, "values are aligned for any type");
	is_int(s.n, added, "the count is the distinct keys (%zu)", added);

	/* many distinct keys: grown many times, each found again */
	sb_keyset big;
	sb_keyset_init(&big, sizeof(long));
	char buf[32];
	for (long i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "if-%ld", i * 7919);
		*(long *)sb_keyset_put(&big, buf, (size_t)n, NULL) = i;
	}
	size_t found = 0, keyok = 0;
	for (long i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "if-%ld", i * 7919);
		long *v = sb_keyset_get(&big, buf, (size_t)n);
		if (v != NULL && *v == i)
			found++;
		size_t len = 0;
		if (v != NULL && strcmp(sb_keyset_key(&big, v, &len), buf) == 0 && len == (size_t)n)
			keyok++;
	}
	is_int(big.n, N, "%d distinct keys counted", N);
	is_int(found, N, "each found with its value");
	is_int(keyok, N, "each value gives back its key, NUL-terminated, and its length");
	ok(sb_keyset_get(&big, "if-1", 4) == NULL, "a key never added is not found");
	ok(sb_keyset_get(&big, "if-0", 3) == NULL, "... nor a prefix of one");
	unsigned char *seen = calloc(N, 1);
	size_t walked = 0, twice = 0;
	size_t i = 0;
	for (long *v; (v = sb_keyset_next(&big, &i)) != NULL; walked++)
		twice += seen[*v]++ != 0;
	is_int(walked, N, "the walk gives every value");
	is_int(twice, 0, "... each once");
	sb_keyset_free(&big);
	ok(big.n == 0 && sb_keyset_get(&big, "if-0", 4) == NULL, "a freed set is empty");
	ok(*(long *)sb_keyset_put(&big, "again", 5, NULL) == 0, "... and can be used again");
	sb_keyset_free(&big);

	sb_keyset_free(&s);
	free(seen);
	free(first);
	free(lens);
	free(keys);
	return tap_done();
}
