/* rules_test.c - alerts.conf: what it accepts, and each refusal naming file:line. */
#include "config.h"

#include <string.h>

#include "alert/alert_impl.h"
#include "alert/rules.h"
#include "tap.h"

static int parse(const char *text, sb_alert_rules *r, sb_err *err)
{
	sb_err_clear(err);
	return sb_alert_rules_parse("alerts.conf", text, strlen(text), r, err);
}

/* Checks that text is refused with a message starting with want. */
static void refused(const char *text, const char *want, const char *name)
{
	sb_alert_rules r;
	sb_err err = {0};
	int rc = parse(text, &r, &err);
	is_int(rc, SB_EINVAL, "%s: refused", name);
	ok(strncmp(err.msg, want, strlen(want)) == 0, "%s: says \"%s\"", name, want);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		printf("#   got \"%s\"\n", err.msg);
	if (rc == SB_OK)
		sb_alert_rules_free(&r);
}

int main(void)
{
	const char *good = "# the rules\n"
			   "[deliver]\n"
			   "mail = noc@example.net, ops@example.net\n"
			   "webhook = http://127.0.0.1:9/hook\n"
			   "rate_limit = 5\n"
			   "digest = no\n"
			   "\n"
			   "[rule borde-alto]\n"
			   "kind = use\n"
			   "layer = BORDE\n"
			   "interface = *CISCO*\n"
			   "stat = p95\n"
			   "over = 90\n"
			   "days = 2\n"
			   "severity = critical\n"
			   "[rule noche]\n"
			   "kind = nightly\n"
			   "  samples = 250  \n"
			   "[rule ping-caido]\n"
			   "kind = probe\n"
			   "on = loss\n"
			   "over = 20\n"
			   "minutes = 10\n"
			   "link = 7\n"
			   "enabled = no\n";
	sb_alert_rules r;
	sb_err err = {0};
	is_int(parse(good, &r, &err), SB_OK, "a good file parses (%s)", err.msg);
	is_int(r.n, 3, "three rules");
	is_int(r.nmail, 2, "two recipients");
	is_str(r.nmail > 1 ? r.mail[1] : NULL, "ops@example.net",
	       "blanks trimmed around addresses");
	is_str(r.webhook, "http://127.0.0.1:9/hook", "the webhook");
	is_int(r.rate_limit, 5, "rate_limit");
	is_int(r.digest, 0, "digest off");
	const sb_alert_rule *u = sb_alert_rules_find(&r, "borde-alto");
	ok(u != NULL && strcmp(u->kind->name, "use") == 0, "the use rule");
	if (u != NULL) {
		is_str(u->layer, "BORDE", "its layer");
		is_str(u->type, "*", "type defaults to any");
		is_str(u->iface, "*CISCO*", "its interface pattern");
		is_str(u->stat, "p95", "its statistic");
		is_double(u->over, 90, 0, "its threshold");
		is_int(u->days, 2, "its days");
		is_str(u->severity, "critical", "its severity");
		is_int(u->line, 8, "its line");
		double t = 0;
		is_int(sb_alert_rule_number(u, u->kind->threshold, &t), SB_OK, "a threshold key");
		is_double(t, 90, 0, "the threshold is over");
	}
	const sb_alert_rule *n = sb_alert_rules_find(&r, "noche");
	ok(n != NULL && n->samples == 250 && strcmp(n->stat, "peak") == 0,
	   "nightly: samples read, defaults kept");
	const sb_alert_rule *p = sb_alert_rules_find(&r, "ping-caido");
	ok(p != NULL && !p->enabled && p->link == 7 && p->monitor == -1 &&
		   strcmp(p->test, "ping") == 0 && strcmp(p->on, "loss") == 0,
	   "probe: link, any monitor, test ping, disabled");
	sb_alert_rules_free(&r);

	is_int(parse("", &r, &err), SB_OK, "an empty file is no rule");
	is_int(r.n, 0, "none");
	is_int(r.rate_limit, 20, "rate_limit's default");
	is_int(r.digest, 1, "digest's default");
	sb_alert_rules_free(&r);

	refused("[rule a]\nkind = use\nover = 90\novr = 3\n",
		"alerts.conf:4: rule a: ovr: unknown key (a use rule takes kind, severity, enabled "
		"and layer type interface stat over days)",
		"an unknown key");
	refused("[rule a]\nkind = use\nover = ninety\n",
		"alerts.conf:3: rule a: over: expected a number from 0 to 1000000, got \"ninety\"",
		"a bad number");
	refused("[rule a]\nkind = use\nstat = p99\nover = 1\n",
		"alerts.conf:3: rule a: stat: expected one of: peak p95; got \"p99\"",
		"a bad choice");
	refused("[rule a]\nkind = use\n\n[rule b]\nkind = run\n",
		"alerts.conf:1: rule a: over: missing (a use rule needs it)", "a required key");
	refused("[rule a]\nlayer = BORDE\n", "alerts.conf:2: rule a: layer: the kind comes first",
		"the kind first");
	refused("[rule a]\nkind = spool\n[rule a]\nkind = run\n",
		"alerts.conf:3: [rule a]: the name is also the rule of line 1", "a name twice");
	refused("[rule a]\nkind = nope\n", "alerts.conf:2: rule a: kind: unknown kind \"nope\"",
		"an unknown kind");
	refused("[rule a]\n", "alerts.conf:1: rule a: kind: missing", "no kind");
	refused("over = 3\n", "alerts.conf:1: over: a key outside a section", "no section");
	refused("[rules a]\n", "alerts.conf:1: [rules a]: unknown section", "an unknown section");
	refused("[deliver]\nmail = noc\n",
		"alerts.conf:2: [deliver]: mail: \"noc\": expected an address", "a bad address");
	refused("[deliver]\nwebhook = ftp://x\n",
		"alerts.conf:2: [deliver]: webhook: expected an http:// or https:// URL",
		"a bad webhook");
	refused("[deliver]\n[deliver]\n", "alerts.conf:2: [deliver]: the section appears twice",
		"deliver twice");
	refused("[rule a]\nkind = run\nhours = 1\nhours = 2\n",
		"alerts.conf:4: rule a: hours: the key appears twice", "a key twice");
	refused("[rule a b]\n", "alerts.conf:1: [rule a b]: a rule's name", "a bad name");
	refused("[rule a]\nkind run\n", "alerts.conf:2: expected key = value", "not key = value");
	refused("[rule a]\nkind = probe\nminutes = 0\n",
		"alerts.conf:3: rule a: minutes: expected a whole number from 1 to 525600, got "
		"\"0\"",
		"out of range");

	/* every kind of the table parses with its own keys and defaults */
	for (size_t i = 0; i < sb_alert_nkinds; i++) {
		char text[256];
		int len = snprintf(text, sizeof(text), "[rule k]\nkind = %s\n",
				   sb_alert_kinds[i].name);
		/* each key it requires, given 1 */
		char req[128];
		snprintf(req, sizeof(req), "%s", sb_alert_kinds[i].required);
		for (char *w = req; *w != '\0';) {
			char *sp = strchr(w, ' ');
			if (sp != NULL)
				*sp = '\0';
			len += snprintf(text + len, sizeof(text) - (size_t)len, "%s = 1\n", w);
			w = sp != NULL ? sp + 1 : w + strlen(w);
		}
		is_int(parse(text, &r, &err), SB_OK, "kind %s parses (%s)", sb_alert_kinds[i].name,
		       err.msg);
		if (err.code == SB_OK)
			sb_alert_rules_free(&r);
	}
	return tap_done();
}
