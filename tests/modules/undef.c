/* undef.c - a module that needs a core function this scanbackup does not have: refused at load. */
#include <scanbackup/scanbackup.h>

int sb_function_from_a_future_core(const sb_module_def *self);

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "undef",
	.kind = SB_KIND_PROBE,
	.init = sb_function_from_a_future_core,
};
