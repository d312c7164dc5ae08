/* ipbras.c - the IPBRAS layer: active IP count per BRAS, in avg and in max (counts, not bytes). */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_ipbras_schema = {
	.layer = "IPBRAS",
	.table = "IPBRAS_HISTORY",
	.key = "brasname",
	.index_stem = "ip_bras",
	.in_only = 1,
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "ipbras",
	.kind = SB_KIND_LAYER,
	.schema = &sb_ipbras_schema,
	.description = "active IP count per BRAS, in avg and in max (counts, not bytes)",
};
