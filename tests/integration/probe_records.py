#!/usr/bin/python3
"""probe_records.py - tests with records of their own, end to end with no core knowledge of them:
two test modules (echoprobe, and misput whose record holds a number and a bool) run by the monitor
on loopback, their trace files loaded by `updater probes` into ECHOPROBE_HISTORY and MISPUT_HISTORY,
read by a report script through sb.probes and shown by the dashboard's link API. Bad input, each
refused naming the module file and what was expected while the other tests run on: a record field
of an unknown type, a field declared twice (both refused at load), and records put that do not
match the declaration (a string in a number field, a required value missing, an undeclared field,
a value out of range). TAP output."""

import glob
import json
import os
import shutil
import sqlite3

import sbtest
import sbweb

t = sbtest.Tap()
testmods = os.environ.get("SB_TEST_MODULES_DIR", os.path.join(sbtest.TOP_BUILDDIR, "tests/modules"))
root = sbtest.tempdir("sbrec-")
mods = os.path.join(root, "modules")
os.makedirs(mods)
for name in ("echoprobe", "misput", "badfield", "dupfield"):
    shutil.copy(os.path.join(testmods, ".libs", name + ".so"), os.path.join(mods, name + ".so"))
ENV = {"MODULES_DIR": mods, "MONITOR_STOP_GRACE": "3"}
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
LOG = os.path.join(root, "data/logs/monitor.log")

# ---- at load: refused, named, the others listed ----
r = sbtest.run(["modules"], root=root, env=ENV)
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
t.ok(r.returncode == 0 and rows.get("echoprobe", [""] * 5)[4] == "ok" and rows.get("misput", [""] * 5)[4] == "ok",
     "the good probes load beside the refused ones", r.stdout + r.stderr)
t.ok("badfield" not in rows and "badfield.so: record field 2 'colour': unknown type 42: expected SB_FIELD_INT, "
     "SB_FIELD_NUMBER, SB_FIELD_STRING, SB_FIELD_JSON or SB_FIELD_BOOL: refused" in r.stderr,
     "a field of an unknown type: refused, the file, the field and what was expected named", r.stderr)
t.ok("dupfield" not in rows and "dupfield.so: record: field 'rtt' declared twice (fields 1 and 3): expected "
     "each name once: refused" in r.stderr, "a field declared twice: refused, the same way", r.stderr)

# ---- the monitor: good records written, bad ones refused, the other tests running ----
links = {"l%d" % i: {"status": True, "ip": "127.0.0.%d" % i, "id": i} for i in range(1, 6)}
conf = {"id": 4, "sleep_time": 0.2, "links": links,
        "tests": {"echoprobe": {"interval": 1, "rtt": 2.5, "rtt_3": -1},
                  "misput": {"interval": 1, "shape_2": "type", "shape_3": "missing", "shape_4": "unknown",
                             "shape_5": "range"},
                  "badfield": {"interval": 1}, "dupfield": {"interval": 1}}}
sbtest.write(os.path.join(root, "monitor.json"), json.dumps(conf))


def lines(test, link):
    return sbtest.trace_records(root, test, 4, link)


def log():
    return sbtest.read(LOG) if os.path.exists(LOG) else ""


wait = sbtest.wait_until
r = sbtest.run(["monitor", "start"], root=root, env=ENV)
t.ok(r.returncode == 0, "the monitor starts with the good and the bad tests", r.stdout + r.stderr)
try:
    t.ok(wait(lambda: len(lines("misput", 1)) >= 2 and len(lines("echoprobe", 1)) >= 2),
         "good records of both tests", log()[-2000:])
    t.ok(wait(lambda: all(w in log() for w in (
        'misput.so: record of test misput refused: sb_probe_set_string("ms"): the field is a number: expected '
        'sb_probe_set_number',
        "misput.so: record of test misput refused: ms: a value is required (a number)",
        'misput.so: record of test misput refused: sb_probe_set_int("colour"): the record declares no such field',
        "misput.so: record of test misput refused: ms: 5000: expected a number from 0 to 1000"))),
         "each record that does not match is refused, naming the module file and what was expected",
         log()[-3000:])
    t.eq([len(lines("misput", i)) for i in (2, 3, 4, 5)], [0, 0, 0, 0], "and none of them is written")
    t.ok("test badfield skipped" in log() and "badfield.so: record field 2 'colour': unknown type 42" in log() and
         "test dupfield skipped" in log() and "dupfield.so: record: field 'rtt' declared twice" in log(),
         "the tests of refused modules are skipped, naming the file", log()[-3000:])
    rec = lines("misput", 1)
    t.ok(rec and rec[0][1:] == ["misput", "12.0", "true"], "a good record: an int set into a number field, a bool",
         rec[:2])
    n = len(lines("echoprobe", 1))
    t.ok(wait(lambda: len(lines("echoprobe", 1)) >= n + 2), "echoprobe keeps running meanwhile")
    r = sbtest.run(["monitor", "status"], root=root, env=ENV)
    t.ok("its record does not match the module's declaration" in r.stdout and "ms 12.0 ms" in r.stdout,
         "status: the refused runs failed, the good ones summarised from their record", r.stdout)
finally:
    sbtest.run(["monitor", "stop"], root=root, env=ENV)

# ---- updater probes: each test into its own table ----
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
t.ok(r.returncode == 0 and "records from" in r.stdout, "updater probes --force", r.stdout + r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
ms = db.execute("SELECT link, ms, ok, typeof(ms), typeof(ok) FROM MISPUT_HISTORY ORDER BY timestamp").fetchall()
t.ok(ms and all(x == (1, 12.0, 1, "real", "integer") for x in ms), "MISPUT_HISTORY: a REAL and a bool as 0/1", ms[:3])
ech = dict(db.execute("SELECT link, max(rtt) FROM ECHOPROBE_HISTORY GROUP BY link").fetchall())
t.eq(ech, {1: 2.5, 2: 2.5, 3: -1.0, 4: 2.5, 5: 2.5}, "ECHOPROBE_HISTORY: the per-link parameter applied")
cols = [r[1] for r in db.execute("PRAGMA index_list(MISPUT_HISTORY)")]
db.close()
t.ok("misput_by_date_index" in cols, "the test's indexes are named after it", cols)
left = glob.glob(os.path.join(root, "data/PROBES/*/4/*/*.trace"))
t.eq(left, [], "every trace file left the spool")

# ---- a report script reads them through sb.probes ----
mine = os.path.join(root, "mine")
sbtest.write(os.path.join(mine, "misput_check.lua"), """-- misput_check.lua - the records of a test the core knows nothing of.
local f = sb.output_file(sb.report.output("misput.txt"))
for _, d in ipairs(sb.probes.tests()) do
	f:write(d.name, " ", d.table, " ", d.up or "-", " ", #d.fields, "\\n")
end
local n, up = 0, 0
for _, r in ipairs(sb.probes("misput", {link = 1})) do
	n = n + 1
	if r.ok == true and math.type(r.ms) == "float" then up = up + 1 end
end
local a = sb.probes.availability{test = "misput", from = os.date("!%Y-%m-%d"), to = os.date("!%Y-%m-%d")}
f:write(n, " ", up, " ", #a, " ", a[1].pct, "\\n")
f:close()
""")
out = os.path.join(root, "out")
r = sbtest.run(["report", "misput_check", "--out", out], root=root, env=dict(ENV, REPORTS_SCRIPTS="mine"))
got = sbtest.read(os.path.join(out, "misput.txt")).splitlines() if r.returncode == 0 else [r.stdout + r.stderr]
t.ok(got[:2] == ["echoprobe ECHOPROBE_HISTORY rtt 1", "misput MISPUT_HISTORY ok 2"] and len(got) == 3 and
     got[2].split()[0] == got[2].split()[1] and got[2].split()[2:] == ["1", "100.0"],
     "sb.probes.tests, sb.probes(test, ...) and the availability of the bool up field", got)

# ---- the dashboard's link page ----
sbweb.add_user(root, "vic", "viewer-secret-7", "viewer")
srv = sbweb.Serve(root, env=ENV)
try:
    viewer = sbweb.Client(srv.port)
    viewer.login("vic", "viewer-secret-7")
    st, _, body = viewer.get("/api/probes/link?monitor=4&link=1")
    tests = {x["test"]: x for x in body.get("tests", [])} if st == 200 else {}
    m = tests.get("misput", {})
    t.ok(st == 200 and sorted(tests) == ["echoprobe", "misput"] and m.get("up") == "ok" and
         m.get("headline") == "ms" and m["availability"]["pct"] == 100 and set(m["values"]) == {"ms", "ok"} and
         all(v == 12.0 for v in m["values"]["ms"]) and all(v for v in m["values"]["ok"]) and
         m["last"]["ok"] is True,
         "the link page: a series per number field, availability from the bool up field", body)
finally:
    srv.stop()
t.done()
