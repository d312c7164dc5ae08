/* rai.c - the RAI layer: RAI service links, MRTG traffic. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_rai_schema = {
	.layer = "RAI",
	.table = "RAI_HISTORY",
	.key = "name",
	.index_stem = "rai",
	.in_only = 0,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "rai",
	.kind = SB_KIND_LAYER,
	.schema = &sb_rai_schema,
	.description = "RAI service links, MRTG traffic",
};
