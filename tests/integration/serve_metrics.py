#!/usr/bin/python3
"""serve_metrics.py - /metrics read by Prometheus's own text-format parser: off by default (404),
its token refused and accepted, and each value against a state the test made: the stages' last
ends as the commands printed them (data/run-status.tsv), the spool's files and the age of their
day, the store's writes, and the probe links by test and state from results a box pushed. TAP
output."""

import calendar
import datetime
import glob
import os
import time

import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("prometheus_client")
if why:
    t.skip_rest(why)
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def families(text):
    """{name: {labels tuple: value}} of the exposition text."""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def value(m, name, **labels):
    return m.get(name, {}).get(tuple(sorted(labels.items())))


D = sbweb.EXAMPLE_DATE
root = sbweb.example_root("SERVE_CACHE_SECONDS=0\n")
sbweb.add_user(root, "ana", "admin-secret-1", "admin")

# off by default
srv = sbweb.Serve(root)
st, _, _ = sbweb.Client(srv.port).get("/metrics")
t.eq(st, 404, "without SERVE_METRICS, /metrics is not there")
srv.stop()

# a known state: the night scanned again (so its spool waits), the run status as scan printed it
r = sbtest.run(["scan", "--date", D], root=root)
line = [x for x in r.stdout.splitlines() if x.startswith("scan: ")][0]
nums = [int(x) for x in line.replace(";", " ").replace(",", " ").replace(":", " ").split() if x.isdigit()]
interfaces, ok, short, failed, samples = nums[0], nums[1], nums[2], nums[3], nums[4]
spool = {}
for p in glob.glob(os.path.join(root, "data/SCAN/*/%s/*.spool" % D)):
    layer = p.split(os.sep)[-3]
    spool[layer] = spool.get(layer, 0) + 1
t.ok(samples > 0 and sum(spool.values()) > 0, "scan spooled the night again", (line, spool))

sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) +
             "SERVE_METRICS=yes\nSERVE_METRICS_TOKEN=prom-secret-42\n")
srv = sbweb.Serve(root)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")

st, h, _ = sbweb.Client(srv.port).get("/metrics")
t.ok(st == 401 and "bearer" in h.get("www-authenticate", "").lower(), "no token: 401, asking for a bearer", (st, h))
st, _, _ = sbweb.Client(srv.port).get("/metrics", headers={"Authorization": "Bearer prom-secret-4"})
t.eq(st, 401, "a wrong token: 401")
st, _, _ = admin.get("/metrics")
t.eq(st, 401, "a signed-in user without the token: 401")
auth = {"Authorization": "Bearer prom-secret-42"}


def scrape():
    st, h, body = sbweb.Client(srv.port).get("/metrics", headers=auth)
    text = body.decode() if isinstance(body, bytes) else str(body)
    return st, h, text


st, h, text = scrape()
t.ok(st == 200 and h.get("content-type", "").startswith("text/plain; version=0.0.4"),
     "the right token: 200 in the text format", (st, h))
m = families(text)
t.ok(len(m) > 5, "the parser reads it", text[:400])

t.eq(value(m, "scanbackup_stage_last_interfaces", stage="scan", result="ok"), ok, "scan: interfaces ok")
t.eq(value(m, "scanbackup_stage_last_interfaces", stage="scan", result="short"), short, "scan: short days")
t.eq(value(m, "scanbackup_stage_last_interfaces", stage="scan", result="failed"), failed, "scan: failed")
t.eq(value(m, "scanbackup_stage_last_samples", stage="scan"), samples, "scan: samples")
t.eq(value(m, "scanbackup_stage_last_status", stage="scan", status="ok" if failed == 0 else "partial"), 1,
     "scan's status")
t.eq(value(m, "scanbackup_stage_last_status", stage="scan", status="failed"), 0, "not failed")
t.ok(value(m, "scanbackup_stage_last_status", stage="run", status="ok") == 1 and
     value(m, "scanbackup_stage_last_samples", stage="run") == samples,
     "the example root's run: ok, with the same samples")
ends = value(m, "scanbackup_stage_last_end_timestamp_seconds", stage="scan")
t.ok(ends is not None and abs(ends - time.time()) < 3600, "scan ended now-ish", ends)
zone = sbtest.read(os.path.join(root, ".env"))
os.environ["TZ"] = "America/Caracas" if "America/Caracas" in zone else "UTC"
time.tzset()
day_start = time.mktime(datetime.datetime.strptime(D, "%Y-%m-%d").timetuple())
t.eq(value(m, "scanbackup_stage_last_day_timestamp_seconds", stage="scan"), day_start,
     "the day it worked on, as its local midnight")

for layer, n in sorted(spool.items()):
    t.eq(value(m, "scanbackup_spool_files", layer=layer), n, "%s: its spool files" % layer)
age = value(m, "scanbackup_spool_oldest_day_age_seconds", layer=sorted(spool)[0])
day_end = time.mktime((datetime.datetime.strptime(D, "%Y-%m-%d") + datetime.timedelta(days=1)).timetuple())
t.ok(age is not None and abs(age - (time.time() - day_end)) < 3600, "the age of the oldest day in the spool", age)

# the spool stored: the updater's figures
r = sbtest.run(["updater", "data", "--date", D], root=root)
stored = int(r.stdout.split(": ")[2].split()[0])
st, h, text = scrape()
m = families(text)
t.eq(value(m, "scanbackup_stage_last_rows", stage="updater_data"), stored, "updater data: rows stored")
t.eq(sum(value(m, "scanbackup_spool_files", layer=layer) for layer in spool), 0, "the spool is empty")
t.eq(value(m, "scanbackup_spool_oldest_day_age_seconds", layer=sorted(spool)[0]), None,
     "no age without files")
writes = value(m, "scanbackup_store_last_writes", stage="updater_data")
total = value(m, "scanbackup_store_last_write_seconds", stage="updater_data")
slowest = value(m, "scanbackup_store_last_write_max_seconds", stage="updater_data")
t.ok(writes is not None and writes >= 1 and total >= slowest > 0, "the store's writes: count, time, slowest",
     (writes, total, slowest))
t.eq(value(m, "scanbackup_stage_last_files_kept", stage="updater_data"), 0, "no file kept")

# the probes: a box pushes one link up and one down; a third has no result
st, _, mon = admin.request("POST", "/api/monitors", {"name": "box-m"})
mid = mon["id"]
for name, ip in (("a", "127.0.0.1"), ("b", "127.0.0.2"), ("c", "127.0.0.3")):
    admin.request("POST", "/api/monitors/%d/links" % mid, {"name": name, "ip": ip})
admin.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 600, "count": 3})
token = admin.request("POST", "/api/monitors/%d/token" % mid)[2]["token"]
now = datetime.datetime.utcnow() - datetime.timedelta(seconds=30)
ts = now.strftime("%Y-%m-%dT%H:%M:%SZ")
lines = "1\t%s\tping\t127.0.0.1\t0.5\t0\t3\t3\n2\t%s\tping\t127.0.0.2\t-1\t100\t3\t0\n" % (ts, ts)
st, _, res = sbweb.Client(srv.port).request("POST", "/api/monitors/%d/results" % mid, raw=lines,
                                            headers={"Authorization": "Bearer " + token,
                                                     "Content-Type": "text/plain"})
t.ok(st == 200 and res["stored"] == 2, "the box pushes two results", res)
st, h, text = scrape()
m = families(text)
t.eq(value(m, "scanbackup_probe_links", test="ping", state="up"), 1, "ping: one link up")
t.eq(value(m, "scanbackup_probe_links", test="ping", state="down"), 1, "one down")
t.eq(value(m, "scanbackup_probe_links", test="ping", state="unknown"), 1, "one without a result")
t.eq(value(m, "scanbackup_probes_readable"), 1, "the probes were read")
t.eq(value(m, "scanbackup_run_status_readable"), 1, "the run status was read")

# the alerts: none yet; then two rules fire, their webhook refusing (port 9 is closed): the changes wait
t.ok(value(m, "scanbackup_alerts_readable") == 1 and "scanbackup_alerts_firing" not in m and
     value(m, "scanbackup_alerts_outbox") == 0, "no alert yet: readable, none firing, nothing waiting")
sbtest.write(os.path.join(root, "alerts.conf"),
             "[deliver]\nwebhook = http://127.0.0.1:9/hook\n\n"
             "[rule uso-borde]\nkind = use\nlayer = BORDE\nover = 0\nseverity = critical\n\n"
             "[rule uso-rai]\nkind = use\nlayer = RAI\nover = 0\n")
r = sbtest.run(["alerts", "check", "--date", D], root=root)
t.eq(r.returncode, 3, "alerts check with a refusing webhook: 3, changes left waiting", r.stdout + r.stderr)
firing = {}
for ln in sbtest.read(os.path.join(root, "data/alerts/state")).splitlines():
    if ln and not ln.startswith("#"):
        f = ln.split("\t")
        firing[(f[0], f[3])] = firing.get((f[0], f[3]), 0) + 1
waiting = len(glob.glob(os.path.join(root, "data/alerts/outbox/*.alert")))
t.ok(firing.get(("uso-borde", "critical"), 0) > 0 and firing.get(("uso-rai", "warning"), 0) > 0 and
     waiting == sum(firing.values()), "both rules fire, every change waits in the outbox", (firing, waiting))
st, h, text = scrape()
m = families(text)
t.eq(value(m, "scanbackup_alerts_firing", rule="uso-borde", severity="critical"),
     firing.get(("uso-borde", "critical")), "alerts firing: uso-borde, critical")
t.eq(value(m, "scanbackup_alerts_firing", rule="uso-rai", severity="warning"),
     firing.get(("uso-rai", "warning")), "alerts firing: uso-rai, warning")
t.eq(value(m, "scanbackup_alerts_outbox"), waiting, "the changes waiting in the outbox")
# one rule removed: its alerts resolve (the resolutions wait too), the other keeps firing
sbtest.write(os.path.join(root, "alerts.conf"),
             "[deliver]\nwebhook = http://127.0.0.1:9/hook\n\n"
             "[rule uso-rai]\nkind = use\nlayer = RAI\nover = 0\n")
r = sbtest.run(["alerts", "check", "--date", D], root=root)
st, h, text = scrape()
m = families(text)
t.ok(value(m, "scanbackup_alerts_firing", rule="uso-borde", severity="critical") is None and
     value(m, "scanbackup_alerts_firing", rule="uso-rai", severity="warning") == firing.get(("uso-rai", "warning")),
     "a removed rule's alerts are no longer counted", text[-600:])
t.eq(value(m, "scanbackup_alerts_outbox"), waiting + firing.get(("uso-borde", "critical")),
     "their resolutions wait beside the firings")
# a damaged state is said, and the scrape still answers
sbtest.write(os.path.join(root, "data/alerts/state"), "uso-rai\tRAI/x\n")
st, h, text = scrape()
m = families(text)
t.ok(st == 200 and value(m, "scanbackup_alerts_readable") == 1 and "scanbackup_alerts_firing" not in m,
     "a state line that is not an alert's is dropped (and logged)", text[-400:])
t.ok("alerts/state:1: expected rule, subject" in srv.output(), "the log names the file and line",
     srv.output()[-600:])

# a damaged run status is said, not hidden, and the rest still answers
sbtest.write(os.path.join(root, "data/run-status.tsv"), "scan\tok=many\n")
st, h, text = scrape()
m = families(text)
t.ok(st == 200 and value(m, "scanbackup_run_status_readable") == 0 and
     value(m, "scanbackup_stage_last_samples", stage="scan") is None and
     value(m, "scanbackup_probe_links", test="ping", state="up") == 1,
     "a damaged run status: readable 0, the other figures still there")
srv.stop()
t.done()
