/* bras.c - the BRAS layer: aggregation routers (UPLINK/DOWNLINK), MRTG traffic. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_bras_schema = {
	.layer = "BRAS",
	.table = "BRAS_HISTORY",
	.key = "name",
	.index_stem = "bras",
	.in_only = 0,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "bras",
	.kind = SB_KIND_LAYER,
	.schema = &sb_bras_schema,
	.description = "aggregation routers (UPLINK/DOWNLINK), MRTG traffic",
};
