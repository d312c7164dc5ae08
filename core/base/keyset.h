/* keyset.h - a set of byte strings, each with a value of the caller's of a size fixed for the
 * set: open addressing over the keys' 64-bit FNV-1a hashes (linear probing, the table doubled
 * before it is half full), so a key is found or added in constant time whatever the count. */
#ifndef SB_BASE_KEYSET_H
#define SB_BASE_KEYSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct sb_keyset_entry sb_keyset_entry;

typedef struct sb_keyset_slot {
	uint64_t hash;
	sb_keyset_entry *e; /* NULL: free */
} sb_keyset_slot;

typedef struct sb_keyset {
	sb_keyset_slot *slot;
	size_t cap; /* 0 or a power of two */
	size_t n;   /* keys */
	size_t value_size;
	char *join; /* the key sb_keyset_put_strs builds */
	size_t join_cap;
} sb_keyset;

/* An empty set whose values are value_size bytes each (0: keys alone). */
void sb_keyset_init(sb_keyset *s, size_t value_size);

/* The value of key[0..len): the key's own when it is in s (*added 0, added may be NULL), else
 * that of the key just added (*added 1), zeroed. Aligned for any type; it stays where it is until
 * sb_keyset_free. */
void *sb_keyset_put(sb_keyset *s, const void *key, size_t len, int *added);

/* sb_keyset_put of the key made of the n strings of parts, each followed by its NUL. */
void *sb_keyset_put_strs(sb_keyset *s, const char *const *parts, size_t n, int *added);

/* The value of key[0..len), or NULL when the key is not in s. */
void *sb_keyset_get(const sb_keyset *s, const void *key, size_t len);

/* The key of a value of s, NUL-terminated after its *len bytes (len may be NULL). */
const char *sb_keyset_key(const sb_keyset *s, const void *value, size_t *len);

/* Walks the values of s in no order: *i = 0 first; each call gives the next one, NULL at the end. */
void *sb_keyset_next(const sb_keyset *s, size_t *i);

/* Frees the keys and values; s is empty after, for the same value size. */
void sb_keyset_free(sb_keyset *s);

#endif
