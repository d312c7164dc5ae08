/* catalog.c - the interfaces of one day in memory: search, natural order, sorts, totals. */
#include "config.h"

#include "serve/catalog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/sb.h"

#define SB_CAT_LAYERS 32
#define SB_CAT_TERMS 16
#define SB_CAT_TERM_MAX 128
/* The matches of the words searched last are kept per catalogue (a bit per item each). */
#define SB_CAT_MEMO 64

typedef struct sb_memo {
	char key[SB_CAT_TERM_MAX + 2]; /* the field's letter, then the word; "" when free */
	unsigned char *bits;
	uint64_t used;
} sb_memo;

struct sb_cat {
	atomic_int refs;
	char day[11];
	sb_cat_item *v;
	size_t n, cap;
	char *layers[SB_CAT_LAYERS]; /* the layer names the items point to */
	char *hays;                  /* every item's hay, one after the other, NUL after each */
	size_t hays_len;
	size_t *starts; /* the offset of each item's hay in hays */
	size_t nlayers;
	int finished;
	pthread_mutex_t mu;
	uint32_t *order[SB_CAT_NKEYS][2]; /* [key][desc]: item indexes, made by sb_cat_finish */
	sb_memo memo[SB_CAT_MEMO];        /* under mu */
	uint64_t tick;
};

static const char *const sb_cat_keys[SB_CAT_NKEYS] = {
	"name",        "layer",    "type",         "router", "date", "capacity", "in_prom",
	"in_max_prom", "out_prom", "out_max_prom", "peak",   "use",  "samples",
};

const char *sb_cat_key_name(sb_cat_key k)
{
	return k < SB_CAT_NKEYS ? sb_cat_keys[k] : "";
}

int sb_cat_key_parse(const char *s, sb_cat_key *out)
{
	for (int k = 0; k < SB_CAT_NKEYS; k++)
		if (s != NULL && strcmp(s, sb_cat_keys[k]) == 0) {
			*out = (sb_cat_key)k;
			return SB_OK;
		}
	return SB_EINVAL;
}

/* ---- natural order ---- */

static int sb_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int sb_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* sb_natcmp over a[0..na) and b[0..nb). */
static int sb_natcmpn(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, k = 0;
	while (i < na && k < nb) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[k];
		if (sb_isdigit(x) && sb_isdigit(y)) {
			while (i < na && a[i] == '0')
				i++;
			while (k < nb && b[k] == '0')
				k++;
			size_t ei = i, ek = k;
			while (ei < na && sb_isdigit((unsigned char)a[ei]))
				ei++;
			while (ek < nb && sb_isdigit((unsigned char)b[ek]))
				ek++;
			if (ei - i != ek - k)
				return ei - i < ek - k ? -1 : 1;
			int c = memcmp(a + i, b + k, ei - i);
			if (c != 0)
				return c < 0 ? -1 : 1;
			i = ei;
			k = ek;
			continue;
		}
		int lx = sb_lower(x), ly = sb_lower(y);
		if (lx != ly)
			return lx < ly ? -1 : 1;
		i++;
		k++;
	}
	if (i < na || k < nb)
		return i < na ? 1 : -1;
	/* equal in natural order: the bytes decide ("a01" and "a1", "A" and "a") */
	size_t m = na < nb ? na : nb;
	int c = memcmp(a, b, m);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return na == nb ? 0 : na < nb ? -1 : 1;
}

int sb_natcmp(const char *a, const char *b)
{
	return sb_natcmpn(a, strlen(a), b, strlen(b));
}

/* ---- building ---- */

sb_cat *sb_cat_new(const char *day)
{
	sb_cat *c = sb_xcalloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	snprintf(c->day, sizeof(c->day), "%s", day);
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static const char *sb_cat_layer(sb_cat *c, const char *layer)
{
	for (size_t i = 0; i < c->nlayers; i++)
		if (strcmp(c->layers[i], layer) == 0)
			return c->layers[i];
	if (c->nlayers == SB_CAT_LAYERS)
		return NULL;
	c->layers[c->nlayers] = sb_xstrdup(layer);
	return c->layers[c->nlayers++];
}

void sb_cat_add(sb_cat *c, const sb_summary_row *row, int in_only)
{
	sb_cat_item *last = c->n > 0 ? &c->v[c->n - 1] : NULL;
	if (last == NULL || strcmp(last->name, row->name) != 0 ||
	    strcmp(last->type, row->type) != 0 || strcmp(last->layer, row->layer) != 0) {
		const char *layer = sb_cat_layer(c, row->layer);
		if (layer == NULL)
			return;
		sb_grow(&c->v, &c->cap, c->n, sizeof(*c->v));
		last = &c->v[c->n++];
		memset(last, 0, sizeof(*last));
		last->layer = layer;
		last->name = sb_xstrdup(row->name);
		last->type = sb_xstrdup(row->type);
	}
	snprintf(last->date, sizeof(last->date), "%s", row->date);
	last->capacity = row->capacity;
	last->in_prom = row->in_prom;
	last->in_max_prom = row->in_max_prom;
	last->out_prom = in_only ? 0 : row->out_prom;
	last->out_max_prom = in_only ? 0 : row->out_max_prom;
	last->has_use = !in_only && row->has_use;
	last->use = last->has_use ? row->use : 0;
	last->in_only = in_only;
	last->samples = row->samples;
	last->resolution = row->resolution > 0 ? row->resolution : SB_RES_5MIN;
}

static int sb_nat_cmp(const void *pa, const void *pb, void *ctx)
{
	const sb_cat_item *v = ctx;
	const sb_cat_item *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	int c = sb_natcmp(a->name, b->name);
	if (c == 0)
		c = sb_natcmp(a->type, b->type);
	if (c == 0)
		c = strcmp(a->layer, b->layer);
	return c;
}

static void sb_cat_orders(sb_cat *c);

typedef struct sb_rank_ctx {
	const sb_cat_item *v;
	int which; /* 0 type, 1 router, 2 layer */
} sb_rank_ctx;

static int sb_rank_text_cmp(const sb_cat_item *a, const sb_cat_item *b, int which)
{
	if (which == 0)
		return sb_natcmp(a->type, b->type);
	if (which == 1)
		return sb_natcmpn(a->name, a->router_len, b->name, b->router_len);
	return sb_natcmp(a->layer, b->layer);
}

static int sb_rank_cmp(const void *pa, const void *pb, void *ctx)
{
	const sb_rank_ctx *r = ctx;
	return sb_rank_text_cmp(&r->v[*(const size_t *)pa], &r->v[*(const size_t *)pb], r->which);
}

/* The ranks of type, router and layer: one natural sort each, so the orders compare integers. */
static void sb_cat_ranks(sb_cat *c, size_t *idx)
{
	for (int which = 0; which < 3; which++) {
		for (size_t i = 0; i < c->n; i++)
			idx[i] = i;
		sb_rank_ctx r = {c->v, which};
		qsort_r(idx, c->n, sizeof(*idx), sb_rank_cmp, &r);
		uint32_t rank = 0;
		for (size_t i = 0; i < c->n; i++) {
			sb_cat_item *f = &c->v[idx[i]];
			if (i > 0 && sb_rank_text_cmp(&c->v[idx[i - 1]], f, which) != 0)
				rank++;
			if (which == 0)
				f->type_rank = rank;
			else if (which == 1)
				f->router_rank = rank;
			else
				f->layer_rank = rank;
		}
	}
}

void sb_cat_finish(sb_cat *c)
{
	size_t bytes = 1;
	for (size_t i = 0; i < c->n; i++)
		bytes += strlen(c->v[i].name) + strlen(c->v[i].type) + strlen(c->v[i].layer) + 3;
	c->hays = sb_xmalloc(bytes);
	char *p = c->hays;
	c->starts = sb_xmalloc((c->n + 1) * sizeof(*c->starts));
	for (size_t i = 0; i < c->n; i++) {
		sb_cat_item *f = &c->v[i];
		c->starts[i] = (size_t)(p - c->hays);
		f->of_day = strcmp(f->date, c->day) == 0;
		f->peak = f->in_max_prom > f->out_max_prom ? f->in_max_prom : f->out_max_prom;
		f->router_len = strcspn(f->name, " \t");
		size_t nn = strlen(f->name), nt = strlen(f->type), nl = strlen(f->layer);
		f->hay = p;
		for (size_t k = 0; k < nn; k++)
			*p++ = (char)sb_lower((unsigned char)f->name[k]);
		*p++ = '\n';
		f->type_at = nn + 1;
		for (size_t k = 0; k < nt; k++)
			*p++ = (char)sb_lower((unsigned char)f->type[k]);
		*p++ = '\n';
		f->layer_at = nn + nt + 2;
		for (size_t k = 0; k < nl; k++)
			*p++ = (char)sb_lower((unsigned char)f->layer[k]);
		f->hay_len = nn + nt + nl + 2;
		*p++ = '\0';
	}
	*p = '\0';
	c->hays_len = (size_t)(p - c->hays);
	size_t *idx = sb_xmalloc((c->n + 1) * sizeof(*idx));
	for (size_t i = 0; i < c->n; i++)
		idx[i] = i;
	qsort_r(idx, c->n, sizeof(*idx), sb_nat_cmp, c->v);
	for (size_t i = 0; i < c->n; i++)
		c->v[idx[i]].nat = (uint32_t)i;
	sb_cat_ranks(c, idx);
	free(idx);
	sb_cat_orders(c);
	c->finished = 1;
}

sb_cat *sb_cat_ref(sb_cat *c)
{
	if (c != NULL)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void sb_cat_unref(sb_cat *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].type);
	}
	free(c->hays);
	free(c->starts);
	free(c->v);
	for (size_t i = 0; i < c->nlayers; i++)
		free(c->layers[i]);
	for (int k = 0; k < SB_CAT_NKEYS; k++)
		for (int d = 0; d < 2; d++)
			free(c->order[k][d]);
	for (size_t i = 0; i < SB_CAT_MEMO; i++)
		free(c->memo[i].bits);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const char *sb_cat_day(const sb_cat *c)
{
	return c->day;
}

size_t sb_cat_count(const sb_cat *c)
{
	return c->n;
}

const sb_cat_item *sb_cat_at(const sb_cat *c, size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

/* ---- orders ---- */

typedef struct sb_sort_ctx {
	const sb_cat_item *v;
	sb_cat_key key;
	int desc;
} sb_sort_ctx;

/* A number, or none (last in either direction). */
static int sb_cmp_num(double x, int hx, double y, int hy, int desc)
{
	if (hx != hy)
		return hx ? -1 : 1;
	if (!hx || x == y)
		return 0;
	return (x < y) != (desc != 0) ? -1 : 1;
}

static int sb_key_cmp(const void *pa, const void *pb, void *ctx)
{
	const sb_sort_ctx *s = ctx;
	const sb_cat_item *a = &s->v[*(const size_t *)pa], *b = &s->v[*(const size_t *)pb];
	int c = 0, text = 1;
	switch (s->key) {
	case SB_CAT_NAME:
		c = a->nat < b->nat ? -1 : a->nat > b->nat;
		break;
	case SB_CAT_LAYER:
		c = a->layer_rank < b->layer_rank ? -1 : a->layer_rank > b->layer_rank;
		break;
	case SB_CAT_TYPE:
		c = a->type_rank < b->type_rank ? -1 : a->type_rank > b->type_rank;
		break;
	case SB_CAT_ROUTER:
		c = a->router_rank < b->router_rank ? -1 : a->router_rank > b->router_rank;
		break;
	case SB_CAT_DATE:
		c = strcmp(a->date, b->date);
		break;
	default:
		text = 0;
		break;
	}
	if (text) {
		if (s->desc)
			c = -c;
	} else {
		double x = 0, y = 0;
		int hx = 1, hy = 1;
		switch (s->key) {
		case SB_CAT_CAPACITY:
			x = a->capacity, y = b->capacity;
			break;
		case SB_CAT_IN_PROM:
			x = a->in_prom, y = b->in_prom;
			break;
		case SB_CAT_IN_MAX:
			x = a->in_max_prom, y = b->in_max_prom;
			break;
		case SB_CAT_OUT_PROM:
			x = a->out_prom, y = b->out_prom;
			hx = !a->in_only, hy = !b->in_only;
			break;
		case SB_CAT_OUT_MAX:
			x = a->out_max_prom, y = b->out_max_prom;
			hx = !a->in_only, hy = !b->in_only;
			break;
		case SB_CAT_PEAK:
			x = a->peak, y = b->peak;
			break;
		case SB_CAT_USE:
			x = a->use, y = b->use;
			hx = a->has_use, hy = b->has_use;
			break;
		default: /* SB_CAT_SAMPLES */
			x = (double)a->samples, y = (double)b->samples;
			hx = a->samples >= 0, hy = b->samples >= 0;
			break;
		}
		c = sb_cmp_num(x, hx, y, hy, s->desc);
	}
	if (c != 0)
		return c;
	/* the tie-break: the peak, higher first; then the name */
	if (s->key != SB_CAT_NAME && a->peak != b->peak)
		return a->peak > b->peak ? -1 : 1;
	return a->nat < b->nat ? -1 : a->nat > b->nat;
}

static int sb_order_cmp(const void *pa, const void *pb, void *ctx)
{
	size_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return sb_key_cmp(&a, &b, ctx);
}

/* Every order of every key and direction, made once when the catalogue is finished, so no
 * search waits for one. */
static void sb_cat_orders(sb_cat *c)
{
	for (int key = 0; key < SB_CAT_NKEYS; key++)
		for (int desc = 0; desc < 2; desc++) {
			uint32_t *o = sb_xmalloc((c->n + 1) * sizeof(*o));
			for (size_t i = 0; i < c->n; i++)
				o[i] = (uint32_t)i;
			sb_sort_ctx s = {c->v, (sb_cat_key)key, desc};
			qsort_r(o, c->n, sizeof(*o), sb_order_cmp, &s);
			c->order[key][desc] = o;
		}
}

/* ---- search ---- */

typedef enum { SB_IN_ANY, SB_IN_NAME, SB_IN_TYPE, SB_IN_LAYER, SB_IN_ROUTER } sb_term_field;

typedef struct sb_term {
	sb_term_field field;
	char text[SB_CAT_TERM_MAX];
	size_t len;
} sb_term;

/* Splits q into lower-case terms (at most SB_CAT_TERMS; longer terms are cut). */
static size_t sb_terms(const char *q, sb_term *t)
{
	static const struct {
		const char *prefix;
		sb_term_field field;
	} fields[] = {{"name:", SB_IN_NAME},
		      {"type:", SB_IN_TYPE},
		      {"layer:", SB_IN_LAYER},
		      {"router:", SB_IN_ROUTER}};
	size_t n = 0;
	const char *p = q != NULL ? q : "";
	while (*p != '\0' && n < SB_CAT_TERMS) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		size_t len = strcspn(p, " \t\n\r");
		if (len == 0)
			break;
		sb_term *x = &t[n];
		x->field = SB_IN_ANY;
		const char *w = p;
		size_t wl = len;
		for (size_t f = 0; f < SB_ARRAY_SIZE(fields); f++) {
			size_t pl = strlen(fields[f].prefix);
			if (wl > pl && strncasecmp(w, fields[f].prefix, pl) == 0) {
				x->field = fields[f].field;
				w += pl;
				wl -= pl;
				break;
			}
		}
		if (wl >= sizeof(x->text))
			wl = sizeof(x->text) - 1;
		for (size_t k = 0; k < wl; k++)
			x->text[k] = (char)sb_lower((unsigned char)w[k]);
		x->text[wl] = '\0';
		x->len = wl;
		n++;
		p += len;
	}
	return n;
}

/* 1 when a term found at offset rel of an item's hay lies in the term's field. */
static int sb_term_field_ok(const sb_cat_item *f, const sb_term *t, size_t rel)
{
	size_t from = 0, to = f->hay_len;
	switch (t->field) {
	case SB_IN_ANY:
		break;
	case SB_IN_NAME:
		to = f->type_at - 1;
		break;
	case SB_IN_ROUTER:
		to = f->router_len;
		break;
	case SB_IN_TYPE:
		from = f->type_at, to = f->layer_at - 1;
		break;
	case SB_IN_LAYER:
		from = f->layer_at;
		break;
	}
	return rel >= from && rel + t->len <= to;
}

/* Sets in bits the items where term t occurs: one search over every item's hay at once (hays
 * are joined by NUL bytes and a term holds neither NUL nor a line break, so a match never spans
 * two items or two fields). */
static void sb_term_hits(const sb_cat *c, const sb_term *t, unsigned char *bits)
{
	const char *p = c->hays, *end = c->hays + c->hays_len;
	size_t i = 0; /* the item at p: matches come in increasing offsets */
	while (p < end) {
		const char *m = memmem(p, (size_t)(end - p), t->text, t->len);
		if (m == NULL)
			break;
		size_t off = (size_t)(m - c->hays);
		while (i + 1 < c->n && c->starts[i + 1] <= off)
			i++;
		const sb_cat_item *f = &c->v[i];
		if (sb_term_field_ok(f, t, off - c->starts[i])) {
			bits[i / 8] |= (unsigned char)(1u << (i % 8));
			p = c->hays + c->starts[i] + f->hay_len +
			    1; /* one hit per item is enough */
		} else {
			p = m + 1;
		}
	}
}

/* sb_term_hits through the memo of the catalogue: a word searched lately is not searched again
 * (the catalogue never changes). bits gets the matches (nbytes bytes). */
static void sb_term_hits_memo(sb_cat *c, const sb_term *t, unsigned char *bits, size_t nbytes)
{
	char key[SB_CAT_TERM_MAX + 2];
	key[0] = (char)('a' + t->field);
	memcpy(key + 1, t->text, t->len + 1);
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < SB_CAT_MEMO; i++) {
		sb_memo *m = &c->memo[i];
		if (m->bits != NULL && strcmp(m->key, key) == 0) {
			memcpy(bits, m->bits, nbytes);
			m->used = ++c->tick;
			pthread_mutex_unlock(&c->mu);
			return;
		}
	}
	pthread_mutex_unlock(&c->mu);
	memset(bits, 0, nbytes);
	sb_term_hits(c, t, bits);
	unsigned char *copy = sb_xmalloc(nbytes);
	memcpy(copy, bits, nbytes);
	pthread_mutex_lock(&c->mu);
	sb_memo *slot = &c->memo[0];
	for (size_t i = 1; i < SB_CAT_MEMO && slot->bits != NULL; i++)
		if (c->memo[i].bits == NULL || c->memo[i].used < slot->used)
			slot = &c->memo[i];
	free(slot->bits);
	slot->bits = copy;
	snprintf(slot->key, sizeof(slot->key), "%s", key);
	slot->used = ++c->tick;
	pthread_mutex_unlock(&c->mu);
}

/* The exact filters of q (layer, type, router, of the day). */
static int sb_cat_filter(const sb_cat_item *f, const sb_cat_query *q, size_t router_len)
{
	if (q->of_day && !f->of_day)
		return 0;
	if (q->layer != NULL && strcasecmp(q->layer, f->layer) != 0)
		return 0;
	if (q->type != NULL && strcasecmp(q->type, f->type) != 0)
		return 0;
	if (q->router != NULL &&
	    (f->router_len != router_len || strncasecmp(q->router, f->name, router_len) != 0))
		return 0;
	return 1;
}

size_t sb_cat_find(sb_cat *c, const sb_cat_query *q, size_t offset, size_t max, size_t *out)
{
	if (!c->finished || q->key >= SB_CAT_NKEYS)
		return 0;
	sb_term t[SB_CAT_TERMS];
	size_t nt = sb_terms(q->q, t);
	size_t rl = q->router != NULL ? strlen(q->router) : 0;
	const uint32_t *o = c->order[q->key][q->desc != 0];
	int filters = q->of_day || q->layer != NULL || q->router != NULL || q->type != NULL;
	/* the matches first, as a bit per item (each word searched once over every item), then the
	 * order of the key walked over them */
	size_t nbytes = c->n / 8 + 1;
	unsigned char *hit = NULL;
	if (nt > 0 || filters) {
		hit = sb_xmalloc(nbytes);
		memset(hit, nt > 0 ? 0 : 0xff, nbytes);
	}
	unsigned char *one = nt > 1 ? sb_xmalloc(nbytes) : NULL;
	for (size_t k = 0; k < nt; k++) {
		if (k == 0) {
			sb_term_hits_memo(c, &t[k], hit, nbytes);
			continue;
		}
		sb_term_hits_memo(c, &t[k], one, nbytes);
		for (size_t b = 0; b < nbytes; b++)
			hit[b] &= one[b];
	}
	free(one);
	for (size_t i = 0; filters && i < c->n; i++)
		if ((hit[i / 8] & (1u << (i % 8))) && !sb_cat_filter(&c->v[i], q, rl))
			hit[i / 8] &= (unsigned char)~(1u << (i % 8));
	size_t total = 0, got = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t k = o[i];
		if (hit != NULL && !(hit[k / 8] & (1u << (k % 8))))
			continue;
		if (total >= offset && got < max)
			out[got++] = k;
		total++;
	}
	free(hit);
	return total;
}

/* ---- totals ---- */

static void sb_total_add(sb_cat_total *t, const sb_cat_item *f)
{
	t->interfaces++;
	if (!f->of_day)
		return;
	t->of_day++;
	t->capacity += f->capacity;
	t->in_prom += f->in_prom;
	t->in_max_prom += f->in_max_prom;
	t->out_prom += f->out_prom;
	t->out_max_prom += f->out_max_prom;
	if (f->has_use && (!t->has_use || f->use > t->use_max)) {
		t->use_max = f->use;
		t->has_use = 1;
	}
}

void sb_cat_layer_total(sb_cat *c, const char *layer, sb_cat_total *out)
{
	memset(out, 0, sizeof(*out));
	out->layer = layer;
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->v[i].layer, layer) == 0)
			sb_total_add(out, &c->v[i]);
}

size_t sb_cat_router_totals(sb_cat *c, const char *layer, sb_cat_total **out)
{
	*out = NULL;
	if (!c->finished)
		return 0;
	const uint32_t *o = c->order[SB_CAT_ROUTER][0];
	sb_cat_total *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < c->n; i++) {
		const sb_cat_item *f = &c->v[o[i]];
		if (strcasecmp(f->layer, layer) != 0)
			continue;
		sb_cat_total *t = n > 0 ? &v[n - 1] : NULL;
		if (t == NULL || t->router_len != f->router_len ||
		    memcmp(t->router, f->name, f->router_len) != 0) {
			sb_grow(&v, &cap, n, sizeof(*v));
			t = &v[n++];
			memset(t, 0, sizeof(*t));
			t->layer = f->layer;
			t->router = f->name;
			t->router_len = f->router_len;
		}
		sb_total_add(t, f);
	}
	*out = v;
	return n;
}
