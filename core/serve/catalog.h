/* catalog.h - the interfaces of every layer as of one day, held in memory for the dashboard's
 * search, sorted lists, top lists and totals (docs/web-api.md, "Finding an interface").
 *
 * A catalogue of day D holds one item per interface (layer, type, name) that has a daily summary
 * in the window the caller queried (the server takes D-30..D): the figures of its newest summary
 * in it, and whether that summary is D's own ("of the day"). It is built once from the summary
 * rows (sb_cat_add in the store's order: layer, type, name, date), finished (sb_cat_finish), and
 * then only read: any number of threads may query a finished catalogue at once. It is reference
 * counted, so a newer one can replace it while queries still run on it.
 *
 * The router of an interface is the first word of its name ("CCS-BORDE-01 HU0/0/0/1 - LINK TO
 * TATA" -> "CCS-BORDE-01"; an IPBRAS name is the BRAS itself). Names, types and routers sort in
 * natural order (sb_natcmp). Every sort ends with the same tie-break: the key, then the peak
 * (the larger of in_max_prom and out_max_prom, higher first), then the name in natural order; an
 * item without a value for the key (no use, unknown samples) comes last in either direction. */
#ifndef SB_SERVE_CATALOG_H
#define SB_SERVE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One interface. Strings are the catalogue's. */
typedef struct sb_cat_item {
	const char *layer; /* as the summaries name it (typeLayer) */
	char *name, *type;
	size_t router_len; /* the router is name[0 .. router_len) */
	char date[11];     /* its newest summary's date */
	double capacity, in_prom, in_max_prom, out_prom, out_max_prom, use, peak;
	int has_use;
	int in_only;        /* a layer of counts with in values only (IPBRAS) */
	int of_day;         /* the newest summary is the catalogue's day */
	long samples;       /* -1: unknown */
	int32_t resolution; /* seconds of the data of the newest summary: SB_RES_5MIN, or a
			     * coarser SB_RES_* of MRTG's consolidations */
	const char *hay;    /* lower case "name\ntype\nlayer" (ASCII letters folded), in one
			     * buffer with every item's, in item order */
	size_t hay_len, type_at, layer_at; /* its length, the offsets of type and layer in it */
	uint32_t nat; /* rank in natural order of name, then type, then layer */
	uint32_t type_rank, router_rank, layer_rank; /* their ranks in natural order (equal texts,
						      * equal ranks) */
} sb_cat_item;

/* What a list can be sorted by. */
typedef enum sb_cat_key {
	SB_CAT_NAME,
	SB_CAT_LAYER,
	SB_CAT_TYPE,
	SB_CAT_ROUTER,
	SB_CAT_DATE,
	SB_CAT_CAPACITY,
	SB_CAT_IN_PROM,
	SB_CAT_IN_MAX,
	SB_CAT_OUT_PROM,
	SB_CAT_OUT_MAX,
	SB_CAT_PEAK,
	SB_CAT_USE,
	SB_CAT_SAMPLES,
	SB_CAT_NKEYS
} sb_cat_key;

typedef struct sb_cat sb_cat;

/* A new empty catalogue of day ("YYYY-MM-DD"), one reference. */
sb_cat *sb_cat_new(const char *day);
/* Adds a summary row of a layer (in_only: its schema's). Rows of one interface come in date
 * order, as the store returns them; the last one wins. Not thread-safe; before sb_cat_finish. */
void sb_cat_add(sb_cat *c, const sb_summary_row *row, int in_only);
/* Computes the routers, the search text, the natural order and the order of every key in both
 * directions (26 sorts). Call once, after the last add. */
void sb_cat_finish(sb_cat *c);

/* A reference more (returns c); one less, freeing at the last. NULL is ignored. Thread-safe. */
sb_cat *sb_cat_ref(sb_cat *c);
void sb_cat_unref(sb_cat *c);

const char *sb_cat_day(const sb_cat *c);
size_t sb_cat_count(const sb_cat *c);
const sb_cat_item *sb_cat_at(const sb_cat *c, size_t i);

/* "name", "layer", ... (the answer's field names); parse gives SB_OK or SB_EINVAL. */
const char *sb_cat_key_name(sb_cat_key k);
int sb_cat_key_parse(const char *s, sb_cat_key *out);

/* A search. q: words separated by blanks, each of which must occur in the item (case-insensitive
 * substring of its name, type or layer); a word "layer:X", "router:X", "type:X" or "name:X"
 * must occur in that field only. layer, router, type: that exact field (case-insensitive), NULL
 * for any. of_day: only items whose newest summary is the day's. */
typedef struct sb_cat_query {
	const char *q;
	const char *layer, *router, *type;
	int of_day;
	sb_cat_key key;
	int desc;
} sb_cat_query;

/* Runs a query on a finished catalogue: returns how many items match, and writes the indexes of
 * the matches offset .. offset + max - 1 in the query's order to out (out may be NULL when max is
 * 0). The orders of every key and direction are made by sb_cat_finish; the matches of the 64
 * words searched last are kept. Thread-safe. */
size_t sb_cat_find(sb_cat *c, const sb_cat_query *q, size_t offset, size_t max, size_t *out);

/* Sums over a group of interfaces: those of the day add their figures (a layer of counts adds
 * its counts); the peak sums are the sums of each interface's own peak, not one moment's. */
typedef struct sb_cat_total {
	const char *layer;
	const char *router; /* NULL for a layer's total (points into an item's name otherwise,
			     * router_len bytes) */
	size_t router_len;
	size_t interfaces; /* in the catalogue */
	size_t of_day;     /* of them, with a summary of the day */
	double capacity, in_prom, in_max_prom, out_prom, out_max_prom;
	int has_use;
	double use_max; /* the highest use of the day, valid when has_use */
} sb_cat_total;

/* The total of one layer (name as in the items, case-insensitive). */
void sb_cat_layer_total(sb_cat *c, const char *layer, sb_cat_total *out);
/* The totals of each router of a layer, in natural order of router: *out (free() it) and the
 * count. Thread-safe. */
size_t sb_cat_router_totals(sb_cat *c, const char *layer, sb_cat_total **out);

/* Natural order of two strings: runs of digits compare as numbers ("TRUNK2" < "TRUNK10"), ASCII
 * letters without case; equal so far, the plain byte order decides (0 only for equal strings). */
int sb_natcmp(const char *a, const char *b);

#endif
