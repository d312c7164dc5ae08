/* dupname.c - a second module named "testlayer": the duplicate is refused. */
#include <scanbackup/scanbackup.h>

static const sb_schema sb_dup_schema = {
	.layer = "DUPLAYER",
	.table = "DUPLAYER_HISTORY",
	.key = "name",
	.index_stem = "duplayer",
};

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "testlayer",
	.kind = SB_KIND_LAYER,
	.schema = &sb_dup_schema,
};
