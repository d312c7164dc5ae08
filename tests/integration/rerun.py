#!/usr/bin/python3
"""rerun.py - collecting a stored day again never makes it worse: after SCAN forgot part of an
interface's day (and all of another's), a second run summarises every sample the engine holds for
the day, stored and fresh, keeps the full summaries bit for bit, and says what it did."""

import os
import sqlite3

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATE = "2026-11-20"
F = 8.022e-9
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 61

root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n" % TZ)
IFACES = (("CCS 100GE0/0/1 - A", 1), ("VAL 100GE0/0/2 - B", 2), ("MCB ET-0/0/3 - C", 3))
full = {}
for name, seed in IFACES:
    text, section = sbtest.mrtg_log(now, seed=seed)
    sbtest.write(os.path.join(root, "mrtg/%d.log" % seed), text)
    full[name] = [s for s in section if start <= s[0] < end]
sbtest.write(os.path.join(root, "sources/SCAN/BORDE"),
             "".join("mrtg/%d.html;%s;100;CISCO\n" % (seed, name) for name, seed in IFACES))
def summaries():
    return {r[0]: r[1:] for r in db.execute(
        "select name, samples, inProm, outProm, inMaxProm, outMaxProm, use from DAILY_SUMMARY_HISTORY "
        "where date = ?", (DATE,))}


def raw_count(name):
    return db.execute("select count(*) from BORDE_HISTORY where name = ?", (name,)).fetchone()[0]


r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(r.returncode, 0, "the first run stores the day", r.stdout + r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
first = summaries()
t.eq(sorted(v[0] for v in first.values()), [288, 288, 288], "three full summaries of 288 samples")
day = full["CCS 100GE0/0/1 - A"]
t.eq(first["CCS 100GE0/0/1 - A"][1], sum(s[1] for s in day) / 288 * F, "computed by the old tool's formula")

# SCAN forgets: A keeps only its last 166 samples of the day, B's log is gone altogether
forgot = set(s[0] for s in day[:122])
text, section = sbtest.mrtg_log(now, seed=1, skip=forgot)
sbtest.write(os.path.join(root, "mrtg/1.log"), text)
os.unlink(os.path.join(root, "mrtg/2.log"))
r = sbtest.run(["run", "--date", DATE], root=root)
t.ok("1 ok, 1 short, 1 failed" in r.stdout and "166 of 288" in sbtest.read(os.path.join(root, "data/logs/Alertas-SCAN.log")),
     "the second scan finds 166 samples of A and none of B", r.stdout)
t.eq(r.returncode, 3, "the run exits 3: an interface could not be downloaded, nothing collected is lost",
     r.stdout + r.stderr)
again = summaries()
t.eq(again, first, "every summary is the same, bit for bit: 288 samples each", "before %r\nafter %r" % (first, again))
t.eq([raw_count(n) for n, _ in IFACES], [288, 288, 288], "the raw rows are all still there")
t.ok("3 interfaces summarised in 1 layers from 864 samples (410 of them already stored)" in r.stdout,
     "the daily line says how many samples came from the store (122 of A, 288 of B)", r.stdout)
t.ok("CCS 100GE0/0/1 - A (CISCO)" in r.stderr and "166 collected now, 122 already stored" in r.stderr,
     "the log names the interface summarised with stored samples", r.stderr)
t.ok("VAL 100GE0/0/2 - B (CISCO)" in r.stderr and "288 already stored" in r.stderr,
     "and the one summarised from the store alone", r.stderr)

# daily on its own, over a fresh partial spool: the same union
r = sbtest.run(["scan", "--date", DATE], root=root)
r = sbtest.run(["daily", "--date", DATE], root=root)
t.eq(r.returncode, 0, "daily over a partial spool", r.stderr)
rows = {l.split("\t")[0]: int(l.split("\t")[8])
        for l in sbtest.read(os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATE, "BORDE.tsv")).splitlines()[2:]}
t.eq(rows, {n: 288 for n, _ in IFACES}, "summarises the spool and the store together")

# a sample collected again with other values: the fresh one counts (it replaces the stored row)
db.execute("update BORDE_HISTORY set inProm = 0 where name = ?", ("MCB ET-0/0/3 - C",))
db.commit()
r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(summaries()["MCB ET-0/0/3 - C"], first["MCB ET-0/0/3 - C"],
     "where the spool and the store both hold a sample, the spool's (fresh) value is summarised")
db.close()
t.done()
