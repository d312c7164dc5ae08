#!/usr/bin/python3
"""spool_kill.py - a scan killed with SIGKILL half-way: what it spooled is whole and checked, a
record cut by the kill is never trusted, the next run stores everything exactly once, and a
damaged spool file is kept and named, its whole records stored."""

import os
import signal
import sqlite3
import subprocess
import time

import sbtest

t = sbtest.Tap()
TZ = "UTC"
DATE = "2026-11-20"
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 61

www = sbtest.tempdir()
srv = sbtest.Server(www)
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nSCAN_PARALLEL=4\nSCAN_TIMEOUT=60\n" % TZ)
want = {}
lines = []
for i in range(24):
    text, section = sbtest.mrtg_log(now, seed=300 + i)
    sbtest.write(os.path.join(www, "if%02d.log" % i), text)
    want["IF%02d" % i] = sorted(s for s in section if start <= s[0] < end)
    # the last four answer only after 30 s: the scan is still running when it is killed
    lines.append("%s/%sif%02d.html;IF%02d;10;CISCO" % (srv.base, "stall/30/" if i >= 20 else "", i, i))
sources = os.path.join(root, "sources/SCAN/BORDE")
sbtest.write(sources, "\n".join(lines) + "\n")

env = dict(os.environ, MODULES_DIR=sbtest.MODULES_DIR)
p = subprocess.Popen([sbtest.SCANBACKUP, "--root", root, "scan", "--date", DATE], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
spool = os.path.join(root, "data/SCAN/BORDE", DATE, "000001.spool")
deadline = time.time() + 30
while time.time() < deadline and p.poll() is None:
    if os.path.exists(spool) and len(sbtest.spool_records(spool)) == 20:
        break
    time.sleep(0.05)
os.kill(p.pid, signal.SIGKILL)
p.wait()
recs = sbtest.spool_records(spool) if os.path.exists(spool) else []
t.eq(len(recs), 20, "killed with the 20 quick interfaces spooled, the 4 slow ones not yet")
t.ok(recs and all([(x[0],) + x[2:] for x in r[4]] == want[r[0]] for r in recs),
     "each record killed mid-scan holds exactly its interface's day")

# a crash during the last record's write leaves it cut: simulated by cutting the file
size = os.path.getsize(spool)
with open(spool, "r+b") as f:
    f.truncate(size - 40)
t.eq(len(sbtest.spool_records(spool)), 19, "the cut record no longer checks out")
cut = recs[-1][0]

r = sbtest.run(["daily", "--date", DATE], root=root)
t.eq(r.returncode, 0, "daily reads the spool the kill left", r.stdout + r.stderr)
t.ok("19 interfaces summarised" in r.stdout, "19 whole interfaces summarised, not the cut one", r.stdout)
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.ok(r.returncode == 0 and "5472 samples from 1 spool files" in r.stdout and "0 files kept" in r.stdout,
     "updater data stores them; the file goes: its cut end was never counted", r.stdout + r.stderr)
t.ok("000001.spool:" in r.stderr and "cut short" in r.stderr, "the cut record is said, with the file",
     r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
names = dict(db.execute("select name, count(*) from BORDE_HISTORY group by name").fetchall())
t.ok(len(names) == 19 and cut not in names and all(n == 288 for n in names.values()),
     "19 interfaces of 288 rows stored, nothing of the cut one", names)

# the next night's run, the portal answering: everything, exactly once
sbtest.write(sources, "\n".join(l.replace("stall/30/", "") for l in lines) + "\n")
r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(r.returncode, 0, "the next run succeeds", r.stdout + r.stderr)
rows = db.execute("select name, time, inProm, outProm, inMaxProm, outMaxProm from BORDE_HISTORY").fetchall()
got = {}
for name, tm, a, b, c, d in rows:
    got.setdefault(name, []).append((tm, a, b, c, d))
ok_all = sorted(got) == sorted(want) and all(
    sorted(got[n]) == sorted(("%02d:%02d:00" % ((s[0] - start) // 3600, (s[0] - start) // 60 % 60),) + s[1:]
                             for s in want[n]) for n in want)
t.ok(ok_all, "all 24 interfaces stored, each row exactly once with its values",
     {n: len(v) for n, v in got.items()})
t.eq(sbtest.spool_files(root), [], "the spool is empty")

# a damaged spool file: its whole records are stored, it is kept and named
r = sbtest.run(["scan", "--date", DATE], root=root)
path = sbtest.spool_files(root)[0]
with open(path, "r+b") as f:
    data = bytearray(f.read())
    at = data.index(b"name\tIF05\n")
    data[at + 40] = ord("9") if data[at + 40] != ord("9") else ord("8")
    f.seek(0)
    f.write(data)
db.execute("delete from BORDE_HISTORY")
db.commit()
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.eq(r.returncode, 3, "updater data exits 3: a spool file is kept", r.stdout + r.stderr)
t.ok("IF05 (CISCO) does not match its CRC-32" in r.stderr and os.path.basename(path) in r.stderr,
     "the damaged record is named, with its file and line", r.stderr)
t.ok("1 files kept" in r.stdout, "the file is kept", r.stdout)
names = dict(db.execute("select name, count(*) from BORDE_HISTORY group by name").fetchall())
t.ok(len(names) == 23 and "IF05" not in names, "the 23 whole records are stored", names)
t.done()
