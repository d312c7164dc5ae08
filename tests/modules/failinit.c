/* failinit.c - a module whose init fails: listed, but disabled for the run. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_failinit_schema = {
	.layer = "FAILINIT",
	.table = "FAILINIT_HISTORY",
	.key = "name",
	.index_stem = "failinit",
};

static int sb_failinit_init(const sb_module_def *self)
{
	(void)self;
	return SB_EIO;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,         .name = "failinit",
	.kind = SB_KIND_LAYER,    .schema = &sb_failinit_schema,
	.init = sb_failinit_init,
};
