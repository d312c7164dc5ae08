/* ixp.c - the IXP layer: exchange-point links, MRTG traffic. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_ixp_schema = {
	.layer = "IXP",
	.table = "IXP_HISTORY",
	.key = "name",
	.index_stem = "ixp",
	.in_only = 0,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "ixp",
	.kind = SB_KIND_LAYER,
	.schema = &sb_ixp_schema,
	.description = "exchange-point links, MRTG traffic",
};
