/* abiskew.c - a probe module compiled against a copy of scanbackup/probes.h whose sb_probe_param
 * has one more field (the build makes the copy): the same ABI number, another signature, so the
 * loader must refuse it before it reads the parameter table with the wrong stride. */
#include <scanbackup/scanbackup.h>

static const sb_probe_param abiskew_params[] = {
	{.name = "count", .type = SB_PARAM_INT, .def = "1", .min = 1, .max = 9, .help = "unused"},
	{.name = NULL},
};

static int abiskew_probe(sb_probe *p)
{
	sb_probe_done(p);
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,         .name = "abiskew",
	.kind = SB_KIND_PROBE,    .description = "built against a changed sb_probe_param",
	.params = abiskew_params, .probe = abiskew_probe,
};
