#!/usr/bin/python3
"""layer_sdk.py - a layer module's own hooks through the whole nightly path: rowlayer (a test
module of JSON rows) describes its requests (URL, header lines, no SCAN credentials, a POST, a
byte range) and hands its samples to the core, which refuses another day's with the module's file
named, fails only the interface whose parse fails, and creates the layer's table from its schema
on the first write (SQLite, MongoDB) and at `database start` (MongoDB). Without python3-mockupdb
the MongoDB cases are reported as skips."""

import json
import os
import shutil
import sqlite3
import urllib.request

import sbtest

t = sbtest.Tap()
DATE, TZ = "2026-11-20", "UTC"
start, end = sbtest.day_bounds(DATE, TZ)
libs = os.path.join(os.environ.get("SB_TEST_MODULES_DIR",
                                   os.path.join(sbtest.TOP_BUILDDIR, "tests/modules")), ".libs")
mods = sbtest.tempdir()
shutil.copy(os.path.join(libs, "rowlayer.so"), mods)
MODFILE = os.path.join(mods, "rowlayer.so")


def row(ts, i, o):
    return '{"t": %d, "in": %d, "out": %d}' % (ts, i, o)


www = sbtest.tempdir()
srv = sbtest.Server(www)
# A: the whole day, 3 rows of the day before and 2 of the day after (refused), a repeated ts
# whose second value wins, a malformed line, and a last line without newline.
day = [(start + 300 * k, 1000 + k, 2000 + k) for k in range(288)]
lines = [row(start - 300 * k, 7, 7) for k in (3, 2, 1)] + [row(*x) for x in day[:100]]
lines += [row(day[50][0], 999999, 888888), "not a row"] + [row(*x) for x in day[100:]]
lines += [row(end, 5, 5), row(end + 300, 5, 5)]
sbtest.write(os.path.join(www, "rows/a.txt"), "\n".join(lines))
want_a = list(day)
want_a[50] = (day[50][0], 999999, 888888)
# B: POSTed; C: only its first 4096 bytes asked for; D: its parse fails half way
sbtest.write(os.path.join(www, "rows/b.txt"), "".join(row(*x) + "\n" for x in day[:12]))
c_text = "".join(row(*x) + "\n" for x in day)
sbtest.write(os.path.join(www, "rows/c.txt"), c_text)
want_c = [x for x in day if c_text.index(row(*x) + "\n") + len(row(*x)) + 1 <= 4096]
sbtest.write(os.path.join(www, "rows/d.txt"), "".join(row(*x) + "\n" for x in day[:5]) + "!fail\n")


def make_root(extra=""):
    root = sbtest.tempdir()
    sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nUSERSCAN=scan\nPASSWORDSCAN=s3cret\n"
                 "SCAN_RETRIES=0\n%s" % (TZ, extra))
    sbtest.write(os.path.join(root, "sources/SCAN/ROWLAYER"),
                 "%s/rows/a.txt;A;10;PLAIN\n%s/rows/b.txt;B;10;POST\n%s/rows/c.txt;C;10;RANGE\n"
                 "%s/rows/d.txt;D;10;FAIL\n" % (srv.base, srv.base, srv.base, srv.base))
    return root


def spooled(root, name, typ):
    rows = sbtest.spool_days(root, "ROWLAYER", DATE).get((name, typ))
    return None if rows is None else [(r[0], r[1], r[2]) for r in rows]


def requests():
    with urllib.request.urlopen(srv.base + "/_requests", timeout=5) as r:
        seen = json.loads(r.read().decode())
    return {q["target"].split("?")[0]: q for q in seen}


env = {"MODULES_DIR": mods}
root = make_root()
r = sbtest.run(["modules"], root=root, env=env)
t.ok(r.returncode == 0 and "rowlayer" in r.stdout and " ok " in r.stdout, "the module is loaded",
     r.stdout + r.stderr)

r = sbtest.run(["scan", "--date", DATE], root=root, env=env)
log = r.stdout + r.stderr
t.eq(r.returncode, 3, "scan exits 3: one interface failed, the others ran", log)
t.ok("4 interfaces: 1 ok, 2 short, 1 failed" in r.stdout, "three collected, one failed", log)

seen = requests()
a, b, c = seen.get("/rows/a.txt", {}), seen.get("/rows/b.txt", {}), seen.get("/rows/c.txt", {})
t.ok(a.get("target") == "/rows/a.txt?day=" + DATE and a.get("method") == "GET",
     "fetch chose the URL; a GET", a)
t.ok(a.get("headers", {}).get("Accept") == "application/x-ndjson" and
     a.get("headers", {}).get("X-Scan-Day") == DATE, "fetch's header lines were sent", a)
t.ok(all("Authorization" not in q.get("headers", {"Authorization": 1}) for q in (a, b, c)),
     "no SCAN credentials were sent, as fetch asked", seen)
t.ok(b.get("method") == "POST" and b.get("body") == "day=" + DATE, "a POST with fetch's body", b)
t.ok(c.get("headers", {}).get("Range") == "bytes=0-4095", "a byte range", c)
t.ok("Range" not in a.get("headers", {"Range": 1}),
     "a module parsing its own bodies gets no range of the core's (only the MRTG parser's logs do)", a)

got = spooled(root, "A", "PLAIN")
t.ok(got is not None and [x[0] for x in got] == [x[0] for x in day],
     "parse's samples of the day are spooled, oldest first, other days' refused",
     (len(got or []), (got or [None])[:2]))
t.eq(got, want_a, "the values: a repeated time's last row wins; the last line (no newline) read")
t.ok("%s: parse of module rowlayer handed 5 samples outside %s for A (PLAIN)" % (MODFILE, DATE) in log,
     "the refused samples are logged with the module's file, the day and the interface", log)
t.ok("the first stamped 2026-11-19 23:45:00" in log, "and the first refused one's time", log)
t.ok("[ROWLAYER] A (PLAIN): 294 rows read, 1 malformed" in log, "the module's own log line (sb_job_log)", log)
t.eq(spooled(root, "B", "POST"), day[:12], "the POSTed interface's samples")
t.eq(spooled(root, "C", "RANGE"), want_c, "only the rows of the range's bytes")
t.ok(spooled(root, "D", "FAIL") is None, "nothing spooled for the interface whose parse failed")
t.ok("D (FAIL)" in log and "parse of module rowlayer (%s) failed: %s" % (MODFILE, "parse error") in log,
     "its failure names the module and its file", log)
alerts = sbtest.read(os.path.join(root, "data/logs/Alertas-SCAN.log"))
t.ok("ROWLAYER A (PLAIN) %s: 288 of 288 samples" % DATE in alerts and
     "ROWLAYER D (FAIL) %s: failed" % DATE in alerts, "Alertas-SCAN.log has a line per interface", alerts)

# daily and the updater into SQLite, no `database start`: the table comes from the schema
r = sbtest.run(["daily", "--date", DATE], root=root, env=env)
t.eq(r.returncode, 0, "daily summarises the layer", r.stderr)
r = sbtest.run(["updater", "data", "--date", DATE], root=root, env=env)
t.eq(r.returncode, 0, "updater data stores it", r.stderr)
r = sbtest.run(["updater", "daily", "--date", DATE], root=root, env=env)
t.eq(r.returncode, 0, "updater daily stores the summaries", r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
idx = {n: s for (n, s) in db.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = "
                                     "'ROWLAYER_HISTORY' AND type = 'index'")}
sql = (db.execute("SELECT sql FROM sqlite_master WHERE name = 'ROWLAYER_HISTORY'").fetchone() or [""])[0]
t.ok('PRIMARY KEY ("name", "type", "date", "time")' in sql and "rowlayer_by_date_index" in idx,
     "on the first write the table is created from the schema: its key, its date index", (sql, idx))
cols = [c[1] for c in db.execute("PRAGMA table_info(ROWLAYER_HISTORY)")]
t.ok(all(f in cols for f in ("name", "type", "date", "time", "capacity", "inProm", "outProm",
                             "inMaxProm", "outMaxProm")), "with the layer's fields", cols)
rows = db.execute("SELECT COUNT(*), SUM(inProm) FROM ROWLAYER_HISTORY WHERE name = 'A'").fetchone()
t.eq(rows, (288, sum(x[1] for x in want_a)), "the samples are stored")
s = db.execute("SELECT inProm FROM DAILY_SUMMARY_HISTORY WHERE typeLayer = 'ROWLAYER' AND "
               "name = 'A'").fetchone()
t.ok(s is not None and abs(s[0] - sum(x[1] for x in want_a) / 288 * 8.022e-9) < 1e-12,
     "and summarised by the core's rule", s)
t.eq(sbtest.spool_files(root, "ROWLAYER"), [],
     "the spool is emptied once stored")

# MongoDB: `database start` and the first write create the collection from the schema
reason = sbtest.missing("mockupdb")
if reason:
    t.skip_rest(reason, ["database start creates the layer's collection from its schema",
                         "the first write creates a missing collection, then upserts",
                         "an existing collection keeps its validator; its indexes are ensured"])
from mongopeer import Peer  # noqa: E402

peer = Peer()


def created(name):
    return [d for d in peer.commands("create") if d.get("create") == name]


def indexes(name):
    return sorted(i["name"] for d in peer.commands("createIndexes") if d["createIndexes"] == name
                  for i in d["indexes"])


mroot = make_root("DATABASE_URI=%s\nDB_TIMEOUT=2\n" % peer.uri("/ScanBackupDB"))
r = sbtest.run(["database", "start"], root=mroot, env=env)
v = (created("ROWLAYER_HISTORY") or [{}])[0].get("validator", {}).get("$jsonSchema", {})
t.ok(r.returncode == 0 and set(v.get("required", [])) >= {"name", "type", "date", "time", "inProm",
                                                           "outProm", "inMaxProm", "outMaxProm"} and
     indexes("ROWLAYER_HISTORY") == ["rowlayer_by_date_index", "unique_rowlayer_index"],
     "database start creates the layer's collection from its schema", (r.stderr, v))

peer.reset()
sbtest.run(["scan", "--date", DATE], root=mroot, env=env)
r = sbtest.run(["updater", "data", "--date", DATE], root=mroot, env=env)
names = [n for (n, _, d) in peer.seen if n in ("create", "createIndexes", "update")]
first_update = names.index("update") if "update" in names else -1
t.ok(r.returncode == 0 and created("ROWLAYER_HISTORY") and
     indexes("ROWLAYER_HISTORY") == ["rowlayer_by_date_index", "unique_rowlayer_index"] and
     0 <= names.index("createIndexes") < first_update,
     "the first write creates a missing collection, then upserts", (r.stderr, names[:6]))

peer.reset(existing={"ROWLAYER_HISTORY": {"validator": {"$jsonSchema": {"bsonType": "object"}}}})
sbtest.run(["scan", "--date", DATE], root=mroot, env=env)
r = sbtest.run(["updater", "data", "--date", DATE], root=mroot, env=env)
t.ok(r.returncode == 0 and not created("ROWLAYER_HISTORY") and not peer.commands("collMod") and
     indexes("ROWLAYER_HISTORY") == ["rowlayer_by_date_index", "unique_rowlayer_index"] and
     peer.commands("update"), "an existing collection keeps its validator; its indexes are ensured",
     r.stderr)
peer.stop()
t.done()
