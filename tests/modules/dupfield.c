/* dupfield.c - a probe whose record declares one field twice: refused at load, the file and the
 * field named. */
#include <scanbackup/scanbackup.h>

static const sb_probe_field dupfield_fields[] = {
	{.name = "rtt", .type = SB_FIELD_NUMBER, .unit = "ms"},
	{.name = "loss", .type = SB_FIELD_NUMBER, .unit = "%"},
	{.name = "rtt", .type = SB_FIELD_INT},
	{.name = NULL},
};

static const sb_probe_record dupfield_record = {.fields = dupfield_fields};

static int dupfield_probe(sb_probe *p)
{
	sb_probe_done(p);
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,        .name = "dupfield",
	.kind = SB_KIND_PROBE,   .description = "test probe: a record field declared twice",
	.probe = dupfield_probe, .record = &dupfield_record,
};
