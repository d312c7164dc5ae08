/* badabi.c - a module built for another ABI: the loader must refuse it before touching it. */
#include <scanbackup/scanbackup.h>

const sb_module_def sb_module = {
	.abi = 999,
	.signature = SB_MODULE_SIGNATURE,
	.name = "badabi",
	.kind = SB_KIND_LAYER,
};
