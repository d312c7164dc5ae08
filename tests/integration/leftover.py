#!/usr/bin/python3
"""leftover.py - nights that died half-way: a run killed between daily and the updater, another
killed between scan and daily, temporary files left by the kills. The next plain `run` stores every
day left in the spool, oldest first, says so, and removes the temporary files; `clean-data` deletes
what the store already holds, names what was never stored and keeps it unless --discard-unstored
is given."""

import glob
import os
import re
import sqlite3

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATES = ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
IFACES = (("BORDE", "CCS 100GE0/0/1", 1), ("BORDE", "VAL ET-0/0/2", 2), ("IPBRAS", "BRAS-CCS-01", 3))
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n" % TZ)
for layer in ("BORDE", "IPBRAS"):
    sbtest.write(os.path.join(root, "sources/SCAN", layer),
                 "".join("mrtg/%d.html;%s;10;HUAWEI\n" % (seed, name) for l, name, seed in IFACES if l == layer))


def night(date):
    """The logs as SCAN serves them at 04:00 the morning after date."""
    _, end = sbtest.day_bounds(date, TZ)
    for layer, name, seed in IFACES:
        text, _ = sbtest.mrtg_log(end + 4 * 3600 + 61, seed=seed, in_only=(layer == "IPBRAS"))
        sbtest.write(os.path.join(root, "mrtg/%d.log" % seed), text)


def spool():
    return sorted(os.path.relpath(os.path.join(d, f), os.path.join(root, "data/SCAN"))
                  for d, _, fs in os.walk(os.path.join(root, "data/SCAN")) for f in fs)


# night 1: killed between daily and the updater; night 2: killed between scan and daily
night(DATES[0])
sbtest.run(["scan", "--date", DATES[0]], root=root)
sbtest.run(["daily", "--date", DATES[0]], root=root)
sbtest.write(os.path.join(root, "data/SCAN/BORDE", DATES[0], "CCS%20100GE0%2F0%2F1@HUAWEI.tsv.tmp.4242"), "#scanbackup-spool\t1\nlay")
sbtest.write(os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATES[0], "BORDE.tsv.tmp.4242"), "#scanbackup-summary")
night(DATES[1])
sbtest.run(["scan", "--date", DATES[1]], root=root)
# a night's raw spool: one file per layer and day (docs/storage.md)
t.eq(len(spool()), 2 + 2 + 2 + 2, "two nights left raw files, summary files and two temporary files")

# night 3: a plain run
night(DATES[2])
r = sbtest.run(["run", "--date", DATES[2]], root=root)
t.eq(r.returncode, 0, "the third night's run exits 0", r.stdout + r.stderr)
t.ok("2 days left in the spool by earlier runs: %s, %s" % (DATES[0], DATES[1]) in r.stdout,
     "it says which days earlier runs left in the spool", r.stdout)
t.ok("2 temporary files" in r.stdout, "and that it removed the temporary files of interrupted writes", r.stdout)
order = re.findall(r"^updater data: (\S+):", r.stdout, re.M)
t.eq(order, DATES[:3], "it stores the days oldest first, then its own", r.stdout)
t.eq(spool(), [], "the spool is empty: every day stored, no temporary file left")
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
for date in DATES[:3]:
    raw = db.execute("select count(*) from BORDE_HISTORY where date = ?", (date,)).fetchone()[0]
    ipb = db.execute("select count(*) from IPBRAS_HISTORY where date = ?", (date,)).fetchone()[0]
    sums = sorted(db.execute("select typeLayer, name, samples from DAILY_SUMMARY_HISTORY where date = ?", (date,)).fetchall())
    t.ok(raw == 2 * 288 and ipb == 288 and sums == [("BORDE", "CCS 100GE0/0/1", 288), ("BORDE", "VAL ET-0/0/2", 288),
                                                   ("IPBRAS", "BRAS-CCS-01", 288)],
         "%s: raw rows and full summaries stored" % date, (raw, ipb, sums))
db.close()

# clean-data: night 3 collected again (already stored); night 4 collected but not stored
sbtest.run(["scan", "--date", DATES[2]], root=root)
night(DATES[3])
sbtest.run(["scan", "--date", DATES[3]], root=root)
sbtest.run(["daily", "--date", DATES[3]], root=root)
sbtest.write(os.path.join(root, "data/SCAN/IPBRAS", DATES[3], "BRAS-CCS-01@HUAWEI.tsv.tmp.77"), "")
sbtest.write(os.path.join(root, "data/SCAN/BORDE", DATES[3], "broken@X.tsv"), "not a spool file\n")
before = spool()
r = sbtest.run(["clean-data"], root=root)
t.ok(r.returncode == 1 and spool() == before, "clean-data without --yes on no terminal deletes nothing", r.stdout + r.stderr)
r = sbtest.run(["clean-data", "--yes"], root=root)
t.eq(r.returncode, 0, "clean-data --yes exits 0", r.stdout + r.stderr)
unstored = sorted(p for p in before if DATES[3] in p and ".tmp." not in p)
t.eq(spool(), unstored, "it deletes what the store holds and the temporary file, and keeps the night never stored")
for what in ("BORDE %s: 2 files never stored" % DATES[3], "IPBRAS %s: 1 file never stored" % DATES[3],
             "DAILY_SUMMARY %s: 2 files never stored" % DATES[3]):
    t.ok(what in r.stdout, "it names them: %s" % what, r.stdout)
t.ok("broken@X.tsv" in r.stdout + r.stderr, "it names the file it cannot read", r.stdout + r.stderr)
t.ok("--discard-unstored" in r.stdout, "and says how to delete them anyway", r.stdout)
t.ok("2 files already stored" in r.stdout and "1 temporary file" in r.stdout, "it counts what it deleted", r.stdout)
r = sbtest.run(["clean-data", "--yes", "--discard-unstored"], root=root)
t.ok(r.returncode == 0 and spool() == [], "--discard-unstored deletes the rest", r.stdout + r.stderr)
t.ok("5 files never stored deleted" in r.stdout and "BORDE %s: 2 files never stored, deleted" % DATES[3] in r.stdout,
     "and names what it deleted that was never stored", r.stdout)
t.done()
