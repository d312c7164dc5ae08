/* badfield.c - a probe whose record declares a field of a type the core does not know: refused at
 * load, the file and the field named. */
#include <scanbackup/scanbackup.h>

static const sb_probe_field badfield_fields[] = {
	{.name = "rtt", .type = SB_FIELD_NUMBER, .unit = "ms"},
	{.name = "colour", .type = (sb_field_type)42, .help = "a type of a later scanbackup"},
	{.name = NULL},
};

static const sb_probe_record badfield_record = {.fields = badfield_fields};

static int badfield_probe(sb_probe *p)
{
	sb_probe_done(p);
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,        .name = "badfield",
	.kind = SB_KIND_PROBE,   .description = "test probe: a record field of an unknown type",
	.probe = badfield_probe, .record = &badfield_record,
};
