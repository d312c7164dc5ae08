/* fuzz_monitor.c - libFuzzer target: monitor.json parsed and validated, each test's parameters
 * built against a table of every parameter type (as a probe module declares them). */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "format/monitor_config.h"
#include "fuzz.h"

static const sb_probe_param sb_fuzz_params[] = {
	{"count", SB_PARAM_INT, "3", 1, 100, "a whole number"},
	{"timeout", SB_PARAM_NUMBER, "1", 0.01, 60, "a number"},
	{"method", SB_PARAM_STRING, "auto", 0, 16, "a short string"},
	{"url", SB_PARAM_STRING, NULL, 0, 0, "a required string"},
	{"resolve", SB_PARAM_BOOL, "false", 0, 0, "a boolean"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* A built value of a parameter is within its declared range and type. */
static void check_value(const sb_probe_param *d, const sb_pval *v)
{
	switch (d->type) {
	case SB_PARAM_INT:
		SB_FUZZ_CHECK(v->num == floor(v->num) && v->num >= d->min && v->num <= d->max);
		break;
	case SB_PARAM_NUMBER:
		SB_FUZZ_CHECK(isfinite(v->num) && v->num >= d->min && v->num <= d->max);
		break;
	case SB_PARAM_STRING:
		SB_FUZZ_CHECK(v->str != NULL &&
			      strlen(v->str) <= (d->max > 0 ? (size_t)d->max : (size_t)1024));
		break;
	case SB_PARAM_BOOL:
		SB_FUZZ_CHECK(v->b == 0 || v->b == 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sb_mon_config c;
	memset(&c, 0, sizeof(c));
	sb_err err = {0};
	int rc = sb_mon_config_parse("monitor.json", (const char *)data, size, &c, &err);
	if (rc != SB_OK) {
		SB_FUZZ_CHECK(rc == SB_EPARSE || rc == SB_EINVAL);
		SB_FUZZ_CHECK(strncmp(err.msg, "monitor.json", 12) == 0);
		SB_FUZZ_CHECK(c.tests == NULL && c.links == NULL);
		return 0;
	}
	SB_FUZZ_CHECK(isfinite(c.sleep_time) && c.sleep_time > 0);
	for (size_t i = 0; i < c.nlinks; i++) {
		const sb_mon_link *l = &c.links[i];
		SB_FUZZ_CHECK(l->name != NULL && l->ip != NULL && l->id >= 0);
		SB_FUZZ_CHECK(i == 0 || c.links[i - 1].id < l->id); /* sorted, unique */
		SB_FUZZ_CHECK(sb_mon_config_link(&c, l->id) == l);
		unsigned char buf[16];
		SB_FUZZ_CHECK(l->family == 4 || l->family == 6);
		SB_FUZZ_CHECK(inet_pton(l->family == 4 ? AF_INET : AF_INET6, l->ip, buf) == 1);
		SB_FUZZ_CHECK(l->status == 0 || l->status == 1);
	}
	for (size_t i = 0; i < c.ntests; i++) {
		const sb_mon_test *t = &c.tests[i];
		SB_FUZZ_CHECK(t->name != NULL && t->interval >= 1 && t->interval <= 86400);
		for (size_t k = 0; k < t->nkv; k++)
			SB_FUZZ_CHECK(t->kv[k].key != NULL &&
				      strcmp(t->kv[k].key, "interval") != 0);
		sb_paramset *ps = NULL;
		sb_err perr = {0};
		int prc = sb_mon_params_build("monitor.json", t, sb_fuzz_params, &ps, &perr);
		if (prc != SB_OK) {
			SB_FUZZ_CHECK(prc == SB_EINVAL && ps == NULL);
			SB_FUZZ_CHECK(strncmp(perr.msg, "monitor.json", 12) == 0);
			continue;
		}
		for (const sb_probe_param *d = sb_fuzz_params; d->name != NULL; d++) {
			sb_param_type type;
			const sb_pval *v = sb_paramset_get(ps, d->name, -1, &type);
			SB_FUZZ_CHECK(v != NULL && type == d->type);
			check_value(d, v);
			for (size_t l = 0; l < c.nlinks; l++) {
				v = sb_paramset_get(ps, d->name, c.links[l].id, &type);
				SB_FUZZ_CHECK(v != NULL && type == d->type);
				check_value(d, v);
			}
		}
		SB_FUZZ_CHECK(sb_paramset_get(ps, "no-such-parameter", -1, NULL) == NULL);
		sb_paramset_unref(ps);
	}
	sb_mon_config_free(&c);
	return 0;
}
