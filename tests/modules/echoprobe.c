/* echoprobe.c - a probe module only the tests load: records a fixed RTT after an optional delay. */
#include <scanbackup/scanbackup.h>

static const sb_probe_param echoprobe_params[] = {
	{"delay", SB_PARAM_NUMBER, "0", 0, 60, "seconds before the record is written"},
	{"rtt", SB_PARAM_NUMBER, "1.5", -1, 1e6, "the RTT recorded"},
	{NULL, 0, NULL, 0, 0, NULL},
};

static const sb_probe_field echoprobe_fields[] = {
	{.name = "rtt",
	 .type = SB_FIELD_NUMBER,
	 .unit = "ms",
	 .min = -1,
	 .max = 1e6,
	 .decimals = 3,
	 .help = "the RTT of the parameters; -1 is down"},
	{.name = NULL},
};

static const sb_probe_record echoprobe_record = {.fields = echoprobe_fields, .up = "rtt"};

static void echoprobe_fire(sb_probe *p, void *arg)
{
	(void)arg;
	sb_probe_set_number(p, "rtt", sb_probe_param_number(p, "rtt"));
	sb_probe_put(p);
	sb_probe_done(p);
}

static int echoprobe_probe(sb_probe *p)
{
	return sb_probe_timer(p, sb_probe_param_number(p, "delay"), echoprobe_fire, NULL);
}

const sb_module_def sb_module = {
	SB_MODULE_HEADER,
	.name = "echoprobe",
	.kind = SB_KIND_PROBE,
	.description = "test probe: a fixed RTT record after a delay",
	.params = echoprobe_params,
	.probe = echoprobe_probe,
	.record = &echoprobe_record,
};
