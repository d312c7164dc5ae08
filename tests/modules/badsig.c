/* badsig.c - the right ABI number with another struct layout signature: refused. */
#include <scanbackup/scanbackup.h>

const sb_module_def sb_module = {
	.abi = SB_MODULE_ABI,
	.signature = 12345,
	.name = "badsig",
	.kind = SB_KIND_LAYER,
};
