/* module_test.c - the one walk over the layer modules: enabled layers only, in load order, the
 * layer filter, and finding a layer by name. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/module.h"
#include "tap.h"

static const sb_schema borde = {.layer = "BORDE"}, bras = {.layer = "BRAS"}, rai = {.layer = "RAI"};
static const sb_module_def d_borde = {.name = "borde", .kind = SB_KIND_LAYER, .schema = &borde},
			   d_bras = {.name = "bras", .kind = SB_KIND_LAYER, .schema = &bras},
			   d_ping = {.name = "ping", .kind = SB_KIND_PROBE},
			   d_rai = {.name = "rai", .kind = SB_KIND_LAYER, .schema = &rai};

/* The layers the walk gives, joined by spaces. */
static const char *walk(const sb_modules *mods, const sb_layer_filter *f)
{
	static char buf[128];
	buf[0] = '\0';
	const sb_loaded_module *m;
	for (size_t i = 0; (m = sb_layers_next(mods, f, &i)) != NULL;) {
		if (m != &mods->v[i - 1])
			return "the module is not mods->v[i - 1]";
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "",
			 m->def->schema->layer);
	}
	return buf;
}

int main(void)
{
	sb_loaded_module v[] = {
		{.def = &d_borde, .enabled = 1},
		{.def = &d_ping, .enabled = 1},
		{.def = &d_rai, .enabled = 0}, /* its init failed */
		{.def = &d_bras, .enabled = 1},
	};
	sb_modules mods = {v, 4};
	is_str(walk(&mods, NULL), "BORDE BRAS", "enabled layer modules only, in load order");
	sb_layer_filter none = {.n = 0};
	is_str(walk(&mods, &none), "BORDE BRAS", "an empty filter is every layer");
	sb_layer_filter f = {.names = {"bras", "rai", "IXP"}, .n = 3};
	is_str(walk(&mods, &f), "BRAS",
	       "the filter (case-insensitive); a disabled layer stays out");
	is_str(walk(NULL, NULL), "", "no modules: nothing");

	ok(sb_layer_find(&mods, "borde") == &v[0], "a layer found by its name, in any case");
	ok(sb_layer_find(&mods, "RAI") == NULL, "not a disabled one");
	ok(sb_layer_find(&mods, "ping") == NULL, "nor a probe module's name");
	ok(sb_layer_find(&mods, NULL) == NULL, "NULL finds nothing");

	size_t n = 0;
	const sb_schema **s = sb_layer_schemas(&mods, &n);
	ok(n == 2 && s[0] == &borde && s[1] == &bras, "sb_layer_schemas walks the same way");
	free(s);
	return tap_done();
}
