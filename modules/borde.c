/* borde.c - the BORDE layer: international edge links, MRTG traffic in/out avg and max. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_borde_schema = {
	.layer = "BORDE",
	.table = "BORDE_HISTORY",
	.key = "name",
	.index_stem = "borde",
	.in_only = 0,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "borde",
	.kind = SB_KIND_LAYER,
	.schema = &sb_borde_schema,
	.description = "international edge links, MRTG traffic in/out avg and max",
};
