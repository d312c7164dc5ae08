/* catalog_test.c - the interfaces catalogue: natural order, the newest summary kept, search words
 * and fields, every sort's tie-break (then the peak, then the name), paging, the totals of a
 * layer and of its routers. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "serve/catalog.h"
#include "tap.h"

static void add(sb_cat *c, const char *layer, const char *type, const char *name, const char *date,
		double cap, double in, double inmax, double out, double outmax, int has_use,
		double use, long samples, int in_only)
{
	sb_summary_row r = {.name = name,
			    .type = type,
			    .date = date,
			    .layer = layer,
			    .capacity = cap,
			    .in_prom = in,
			    .in_max_prom = inmax,
			    .out_prom = out,
			    .out_max_prom = outmax,
			    .has_use = has_use,
			    .use = use,
			    .samples = samples};
	sb_cat_add(c, &r, in_only);
}

/* The names of a query's matches, joined with '|'. */
static const char *names(sb_cat *c, const sb_cat_query *q, size_t offset, size_t max, size_t *total)
{
	static char buf[1024];
	size_t idx[64];
	*total = sb_cat_find(c, q, offset, max, idx);
	buf[0] = '\0';
	size_t got = *total > offset ? *total - offset : 0;
	if (got > max)
		got = max;
	for (size_t i = 0; i < got; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "",
			 sb_cat_at(c, idx[i])->name);
	}
	return buf;
}

int main(void)
{
	/* natural order */
	ok(sb_natcmp("TRUNK2", "TRUNK10") < 0, "TRUNK2 before TRUNK10");
	ok(sb_natcmp("TRUNK10", "TRUNK13") < 0, "TRUNK10 before TRUNK13");
	ok(sb_natcmp("trunk0", "TRUNK2") < 0, "letters without case: trunk0 before TRUNK2");
	ok(sb_natcmp("ge0/0/10", "ge0/0/9") > 0, "ge0/0/10 after ge0/0/9");
	ok(sb_natcmp("a01", "a1") != 0 && sb_natcmp("a01", "a1") == -sb_natcmp("a1", "a01"),
	   "equal numbers with other digits are still ordered, both ways alike");
	is_int(sb_natcmp("X 1", "X 1"), 0, "equal strings are equal");
	ok(sb_natcmp("A", "AB") < 0, "a prefix comes first");
	ok(sb_natcmp("99999999999999999999999", "100000000000000000000000") < 0,
	   "digit runs longer than any integer compare by length");

	sb_cat *c = sb_cat_new("2026-11-20");
	/* rows in the store's order: layer, type, name, date */
	add(c, "BORDE", "CISCO", "CCS-BORDE-01 TRUNK10", "2026-11-19", 100, 1, 2, 3, 4, 1, 50, 288,
	    0);
	add(c, "BORDE", "CISCO", "CCS-BORDE-01 TRUNK10", "2026-11-20", 200, 10, 80, 20, 199.6, 1,
	    99.8, 288, 0);
	add(c, "BORDE", "CISCO", "CCS-BORDE-01 TRUNK2", "2026-11-20", 100, 10, 99.8, 20, 50, 1,
	    99.8, 288, 0);
	add(c, "BORDE", "CISCO", "CCS-BORDE-01 TRUNK13", "2026-11-20", 100, 10, 99.8, 20, 60, 1,
	    99.8, 200, 0);
	add(c, "BORDE", "HUAWEI", "MCB-BORDE-02 100GE1/0/3", "2026-11-18", 40, 1, 2, 3, 4, 1, 10,
	    288, 0);
	add(c, "BORDE", "HUAWEI", "CCS-BORDE-01 TRUNK0", "2026-11-20", 0, 5, 6, 7, 8, 0, 0, -1, 0);
	add(c, "IPBRAS", "HUAWEI", "BRAS-CCS-01", "2026-11-20", 0, 1000, 1500, 0, 0, 0, 0, 288, 1);
	add(c, "IPBRAS", "HUAWEI", "BRAS-VAL-01", "2026-11-20", 0, 500, 700, 0, 0, 0, 0, 288, 1);
	sb_cat_finish(c);
	is_int(sb_cat_count(c), 7, "one item per interface");
	size_t total = 0;
	sb_cat_query q = {.key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total),
	       "BRAS-CCS-01|BRAS-VAL-01|CCS-BORDE-01 TRUNK0|CCS-BORDE-01 TRUNK2|"
	       "CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK13|MCB-BORDE-02 100GE1/0/3",
	       "every layer, names in natural order");
	is_int(total, 7, "seven matches");
	size_t idx[8];
	sb_cat_find(c, &(sb_cat_query){.q = "trunk10", .key = SB_CAT_NAME}, 0, 1, idx);
	const sb_cat_item *t10 = sb_cat_at(c, idx[0]);
	ok(strcmp(t10->date, "2026-11-20") == 0 && t10->in_prom == 10 && t10->of_day,
	   "the newest summary of an interface is kept");
	ok(t10->router_len == 12 && strncmp(t10->name, "CCS-BORDE-01", 12) == 0,
	   "the router is the name's first word");

	/* search */
	q = (sb_cat_query){.q = "trunk1", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total), "CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK13",
	       "a substring, any case");
	q = (sb_cat_query){.q = "huawei", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total),
	       "BRAS-CCS-01|BRAS-VAL-01|CCS-BORDE-01 TRUNK0|MCB-BORDE-02 100GE1/0/3",
	       "a type matches too");
	q = (sb_cat_query){.q = "  huawei   borde ", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total), "CCS-BORDE-01 TRUNK0|MCB-BORDE-02 100GE1/0/3",
	       "every word must match");
	q = (sb_cat_query){.q = "type:cisco", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 3, "type: looks at the type only");
	q = (sb_cat_query){.q = "name:cisco", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 0, "name: looks at the name only");
	q = (sb_cat_query){.q = "layer:ipbras", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 2, "layer: looks at the layer");
	q = (sb_cat_query){.q = "router:borde-02", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total), "MCB-BORDE-02 100GE1/0/3",
	       "router: looks at the first word");
	q = (sb_cat_query){.q = "router:100ge", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 0, "not at the rest of the name");
	q = (sb_cat_query){.router = "ccs-borde-01", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 4, "an exact router, any case");
	q = (sb_cat_query){.router = "CCS-BORDE", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 0, "a router filter is exact");
	q = (sb_cat_query){.layer = "borde", .of_day = 1, .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 4, "the layer's interfaces of the day");
	q = (sb_cat_query){.q = "nothing-like-this", .key = SB_CAT_NAME};
	is_int((names(c, &q, 0, 10, &total), total), 0, "no match");

	/* sorts and the tie-break */
	q = (sb_cat_query){.layer = "BORDE", .key = SB_CAT_USE, .desc = 1};
	is_str(names(c, &q, 0, 10, &total),
	       "CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK2|CCS-BORDE-01 TRUNK13|"
	       "MCB-BORDE-02 100GE1/0/3|CCS-BORDE-01 TRUNK0",
	       "use, high first: the tied 99.8 %% by peak, then by name; no use last");
	q.desc = 0;
	is_str(names(c, &q, 0, 10, &total),
	       "MCB-BORDE-02 100GE1/0/3|CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK2|"
	       "CCS-BORDE-01 TRUNK13|CCS-BORDE-01 TRUNK0",
	       "use, low first: the ties still by peak then name; no use still last");
	q = (sb_cat_query){.layer = "BORDE", .key = SB_CAT_USE, .desc = 1};
	is_str(names(c, &q, 1, 2, &total), "CCS-BORDE-01 TRUNK2|CCS-BORDE-01 TRUNK13",
	       "offset and count page through the same order");
	is_int(total, 5, "the total counts every match");
	q = (sb_cat_query){.layer = "BORDE", .key = SB_CAT_SAMPLES, .desc = 0};
	is_str(names(c, &q, 0, 10, &total),
	       "CCS-BORDE-01 TRUNK13|CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK2|"
	       "MCB-BORDE-02 100GE1/0/3|CCS-BORDE-01 TRUNK0",
	       "samples: unknown counts last");
	q = (sb_cat_query){.key = SB_CAT_ROUTER};
	is_str(names(c, &q, 0, 3, &total), "BRAS-CCS-01|BRAS-VAL-01|CCS-BORDE-01 TRUNK10",
	       "router order, then the peak within a router");
	q = (sb_cat_query){.key = SB_CAT_NAME, .desc = 1};
	is_str(names(c, &q, 0, 2, &total), "MCB-BORDE-02 100GE1/0/3|CCS-BORDE-01 TRUNK13",
	       "names backwards");
	sb_cat_key k;
	ok(sb_cat_key_parse("out_max_prom", &k) == SB_OK && k == SB_CAT_OUT_MAX &&
		   strcmp(sb_cat_key_name(k), "out_max_prom") == 0,
	   "sort keys by their field names");
	ok(sb_cat_key_parse("bogus", &k) == SB_EINVAL, "an unknown key is refused");

	/* totals */
	sb_cat_total lt;
	sb_cat_layer_total(c, "borde", &lt);
	ok(lt.interfaces == 5 && lt.of_day == 4, "the layer: 5 interfaces, 4 of the day");
	is_double(lt.in_prom, 35, 1e-9, "in_prom summed over the day's");
	is_double(lt.out_max_prom, 199.6 + 50 + 60 + 8, 1e-9, "out_max_prom summed likewise");
	is_double(lt.capacity, 400, 1e-9, "capacity summed");
	ok(lt.has_use && lt.use_max == 99.8, "the highest use of the day");
	sb_cat_total *rt = NULL;
	size_t nr = sb_cat_router_totals(c, "BORDE", &rt);
	is_int(nr, 2, "two routers in BORDE");
	ok(nr == 2 && rt[0].router_len == 12 && strncmp(rt[0].router, "CCS-BORDE-01", 12) == 0 &&
		   rt[0].interfaces == 4 && rt[0].of_day == 4,
	   "CCS-BORDE-01: 4 interfaces of the day");
	ok(nr == 2 && rt[1].interfaces == 1 && rt[1].of_day == 0 && rt[1].in_prom == 0,
	   "MCB-BORDE-02: its one interface is not of the day and adds nothing");
	free(rt);
	nr = sb_cat_router_totals(c, "IPBRAS", &rt);
	ok(nr == 2 && rt[0].in_prom == 1000 && rt[1].in_max_prom == 700 && !rt[0].has_use,
	   "a layer of counts sums its counts, without a use");
	free(rt);

	/* the memo of the words searched last: a word comes back the same after 70 others */
	q = (sb_cat_query){.q = "trunk1", .key = SB_CAT_NAME};
	char before[1024];
	snprintf(before, sizeof(before), "%s", names(c, &q, 0, 10, &total));
	for (int i = 0; i < 70; i++) {
		char w[16];
		snprintf(w, sizeof(w), "x%d", i);
		sb_cat_query o = {.q = w, .key = SB_CAT_NAME};
		names(c, &o, 0, 10, &total);
	}
	q = (sb_cat_query){.q = "trunk1 cisco", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total), "CCS-BORDE-01 TRUNK10|CCS-BORDE-01 TRUNK13",
	       "a word searched again, after others, with another word");
	q = (sb_cat_query){.q = "trunk1", .key = SB_CAT_NAME};
	is_str(names(c, &q, 0, 10, &total), before, "and alone, as the first time");

	sb_cat *kept = sb_cat_ref(c);
	sb_cat_unref(c);
	is_int(sb_cat_count(kept), 7, "a reference keeps the catalogue");
	sb_cat_unref(kept);
	return tap_done();
}
