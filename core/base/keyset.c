/* keyset.c - the open-addressing table of byte strings and their values. */
#include "config.h"

#include "base/keyset.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/sb.h"

/* One key with its value: the length, the value (rounded up to keep the key's start aligned
 * with it), then the key's bytes and a NUL. */
struct sb_keyset_entry {
	size_t len;
	alignas(max_align_t) unsigned char value[];
};

/* The bytes a value takes in its entry. */
static size_t sb_keyset_value_room(const sb_keyset *s)
{
	size_t a = alignof(max_align_t);
	return (s->value_size + a - 1) / a * a;
}

static uint64_t sb_keyset_hash(const void *key, size_t len)
{
	return sb_fnv1a64(SB_FNV64_BASIS, key, len);
}

/* The slot of key: its own, or the free one where it goes. */
static sb_keyset_slot *sb_keyset_slot_of(const sb_keyset *s, uint64_t h, const void *key,
					 size_t len)
{
	size_t mask = s->cap - 1, room = sb_keyset_value_room(s);
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		sb_keyset_slot *sl = &s->slot[i];
		if (sl->e == NULL || (sl->hash == h && sl->e->len == len &&
				      memcmp(sl->e->value + room, key, len) == 0))
			return sl;
	}
}

void sb_keyset_init(sb_keyset *s, size_t value_size)
{
	*s = (sb_keyset){.value_size = value_size};
}

void *sb_keyset_get(const sb_keyset *s, const void *key, size_t len)
{
	if (s->n == 0)
		return NULL;
	sb_keyset_slot *sl = sb_keyset_slot_of(s, sb_keyset_hash(key, len), key, len);
	return sl->e != NULL ? sl->e->value : NULL;
}

void *sb_keyset_put(sb_keyset *s, const void *key, size_t len, int *added)
{
	if (2 * (s->n + 1) > s->cap) {
		sb_keyset_slot *old = s->slot;
		size_t oldcap = s->cap;
		s->cap = oldcap ? oldcap * 2 : 64;
		s->slot = sb_xcalloc(s->cap, sizeof(*s->slot));
		size_t mask = s->cap - 1;
		for (size_t i = 0; i < oldcap; i++) {
			if (old[i].e == NULL)
				continue;
			size_t j = (size_t)old[i].hash & mask;
			while (s->slot[j].e != NULL)
				j = (j + 1) & mask;
			s->slot[j] = old[i];
		}
		free(old);
	}
	uint64_t h = sb_keyset_hash(key, len);
	sb_keyset_slot *sl = sb_keyset_slot_of(s, h, key, len);
	if (added != NULL)
		*added = sl->e == NULL;
	if (sl->e != NULL)
		return sl->e->value;
	size_t room = sb_keyset_value_room(s);
	sb_keyset_entry *e = sb_xmalloc(sizeof(*e) + room + len + 1);
	e->len = len;
	memset(e->value, 0, room);
	memcpy(e->value + room, key, len);
	e->value[room + len] = '\0';
	sl->hash = h;
	sl->e = e;
	s->n++;
	return e->value;
}

void *sb_keyset_put_strs(sb_keyset *s, const char *const *parts, size_t n, int *added)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]) + 1;
		while (s->join_cap < len + l)
			sb_grow(&s->join, &s->join_cap, s->join_cap, 1);
		memcpy(s->join + len, parts[i], l);
		len += l;
	}
	return sb_keyset_put(s, s->join, len, added);
}

const char *sb_keyset_key(const sb_keyset *s, const void *value, size_t *len)
{
	const sb_keyset_entry *e =
		(const sb_keyset_entry *)(const void *)((const char *)value -
							offsetof(sb_keyset_entry, value));
	if (len != NULL)
		*len = e->len;
	return (const char *)e->value + sb_keyset_value_room(s);
}

void *sb_keyset_next(const sb_keyset *s, size_t *i)
{
	for (; *i < s->cap; (*i)++)
		if (s->slot[*i].e != NULL)
			return s->slot[(*i)++].e->value;
	return NULL;
}

void sb_keyset_free(sb_keyset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i].e);
	free(s->slot);
	free(s->join);
	sb_keyset_init(s, s->value_size);
}
