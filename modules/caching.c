/* caching.c - the CACHING layer: caching service links, MRTG traffic. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_caching_schema = {
	.layer = "CACHING",
	.table = "CACHING_HISTORY",
	.key = "name",
	.index_stem = "caching",
	.in_only = 0,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "caching",
	.kind = SB_KIND_LAYER,
	.schema = &sb_caching_schema,
	.description = "caching service links, MRTG traffic",
};
