/* misput.c - a probe whose records do not match its declaration: with shape "type", a string in
 * its number field; "missing", no value for a required field; "unknown", a field it never
 * declared; "range", a value out of its range; else a good record. The core must refuse each bad
 * one, name the module file and what was expected, and go on with the other tests. */
#include <string.h>

#include <scanbackup/scanbackup.h>

static const sb_probe_param misput_params[] = {
	{"shape", SB_PARAM_STRING, "good", 0, 16, "good, type, missing, unknown or range"},
	{NULL, 0, NULL, 0, 0, NULL},
};

static const sb_probe_field misput_fields[] = {
	{.name = "ms", .type = SB_FIELD_NUMBER, .unit = "ms", .min = 0, .max = 1000, .decimals = 1},
	{.name = "ok", .type = SB_FIELD_BOOL},
	{.name = NULL},
};

static const sb_probe_record misput_record = {.fields = misput_fields, .up = "ok"};

static int misput_probe(sb_probe *p)
{
	const char *shape = sb_probe_param_str(p, "shape");
	if (strcmp(shape, "type") == 0)
		sb_probe_set_string(p, "ms", "fast");
	else if (strcmp(shape, "range") == 0)
		sb_probe_set_number(p, "ms", 5000);
	else if (strcmp(shape, "missing") != 0)
		sb_probe_set_int(p, "ms", 12);
	if (strcmp(shape, "unknown") == 0)
		sb_probe_set_int(p, "colour", 3);
	sb_probe_set_bool(p, "ok", 1);
	sb_probe_put(p);
	sb_probe_done(p);
	return SB_OK;
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "misput",
	.kind = SB_KIND_PROBE,
	.description = "test probe: records that do not match the declaration",
	.params = misput_params,
	.probe = misput_probe,
	.record = &misput_record,
};
