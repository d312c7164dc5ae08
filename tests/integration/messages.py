#!/usr/bin/python3
"""messages.py - counts and causes in messages are exact: "N files kept" after a failed store is
the number of files left in the spool (1,216 of them, across layers and batches); a report that
fails on a store that does not answer says that, on the command line and through the dashboard,
without a Lua traceback; a malformed spool file's error names the line that is wrong."""

import os
import socket
import sqlite3

import sbtest
import sbweb

t = sbtest.Tap()
TZ = "UTC"
DATE = "2026-11-20"
start, _ = sbtest.day_bounds(DATE, TZ)


def spool_file(root, layer, name, n=288, rows=None, header=None):
    body = rows if rows is not None else "".join(
        "%d\t%02d:%02d:00\t%d\t%d\t%d\t%d\n" % (start + i * 300, i * 5 // 60, i * 5 % 60, 1000 + i, 2000 + i, 3000 + i, 4000 + i)
        for i in range(n))
    head = header if header is not None else (
        "#scanbackup-spool\t1\nlayer\t%s\nname\t%s\ntype\tCISCO\ncapacity\t10\ndate\t%s\nurl\tx\nsamples\t%d\n"
        "#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n" % (layer, name, DATE, n))
    path = os.path.join(root, "data/SCAN", layer, DATE, name + "@CISCO.tsv")
    sbtest.write(path, head + body)
    return path


def spool_count(root):
    return sum(len(fs) for _, _, fs in os.walk(os.path.join(root, "data/SCAN")))


# ---- N files kept: the real number, across layers and batches ----
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nDB_TIMEOUT=1\n" % TZ)
r = sbtest.run(["database", "start"], root=root)
for i in range(1200):
    spool_file(root, "BORDE", "IF%04d" % i)
for i in range(16):
    spool_file(root, "RAI", "R%02d" % i)
t.eq(spool_count(root), 1216, "1,216 spool files in two layers")
lock = sqlite3.connect(os.path.join(root, "data/scanbackup.db"), timeout=0)
lock.execute("BEGIN EXCLUSIVE")
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.eq(r.returncode, 1, "updater data fails on a locked database", r.stdout + r.stderr)
t.eq(spool_count(root), 1216, "every file is kept")
t.ok("0 samples from 0 spool files stored in sqlite; 1216 files kept" in r.stdout,
     "and the line says 1216 files kept", r.stdout)
lock.rollback()
lock.close()

r = sbtest.run(["daily", "--date", DATE], root=root)
lock = sqlite3.connect(os.path.join(root, "data/scanbackup.db"), timeout=0)
lock.execute("BEGIN EXCLUSIVE")
r = sbtest.run(["updater", "daily", "--date", DATE], root=root)
t.ok(r.returncode == 1 and "0 summaries from 0 files stored in sqlite; 2 files kept" in r.stdout,
     "updater daily says its 2 summary files are kept", r.stdout + r.stderr)
lock.rollback()
lock.close()
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.ok(r.returncode == 0 and "350208 samples from 1216 spool files" in r.stdout
     and "0 files kept" in r.stdout, "once the database answers, everything is stored and 0 files kept", r.stdout + r.stderr)

# ---- a malformed spool file: the error names the line that is wrong ----
bad = sbtest.tempdir()
sbtest.write(os.path.join(bad, ".env"), "TIMEZONE=%s\n" % TZ)
good_rows = "".join("%d\t00:%02d:00\t1\t2\t3\t4\n" % (start + i * 300, i * 5) for i in range(5))
cases = {
    "BADVALUE": (good_rows.replace("\t3\t4\n", "\tx\t4\n", 3).replace("\tx\t4\n", "\t3\t4\n", 2), 12),  # 3rd sample
    "BADTIME": (good_rows.replace("00:20:00", "00:20"), 14),                                          # 5th sample
    "EXTRA": (good_rows + "%d\t00:25:00\t1\t2\t3\t4\n" % (start + 1500), 15),                       # one too many
}
for name, (rows, line) in cases.items():
    spool_file(bad, "BORDE", name, n=5, rows=rows)
spool_file(bad, "BORDE", "BADHEAD", n=5, rows=good_rows,
           header="#scanbackup-spool\t1\nlayer\tBORDE\nname\tBADHEAD\ntype\tCISCO\ncapacity\tten\ndate\t%s\n"
                  "url\tx\nsamples\t5\n#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n" % DATE)
cases["BADHEAD"] = (None, 5)
r = sbtest.run(["updater", "data", "--date", DATE], root=bad)
for name, (_, line) in sorted(cases.items()):
    t.ok("%s@CISCO.tsv:%d: expected" % (name, line) in r.stderr,
         "a malformed spool file (%s) is named with its line %d" % (name, line),
         "\n".join(l for l in r.stderr.splitlines() if name in l))
t.ok("4 files kept" in r.stdout, "the four unreadable files are counted as kept", r.stdout)

# ---- a report on a store that does not answer: the cause, not a traceback ----
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()  # nothing listens there
down = sbweb.example_root()
with open(os.path.join(down, ".env"), "a") as f:
    f.write("DATABASE_URI=mongodb://127.0.0.1:%d/ScanBackupDB\nDB_TIMEOUT=1\n" % port)
r = sbtest.run(["report", "diario", "--date", sbweb.EXAMPLE_DATE], root=down)
last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
t.eq(r.returncode, 1, "the report exits 1 when the store does not answer", r.stderr)
t.ok("report diario failed" in last and "127.0.0.1:%d" % port in last,
     "its last line says the report failed and names the store it could not reach", r.stderr)
t.ok("traceback" not in r.stderr and "tail calls" not in r.stderr and "\t" not in r.stderr,
     "no Lua traceback is printed for a store fault", r.stderr)

sbweb.add_user(down, "ana", "a long enough password", "viewer")
srv = sbweb.Serve(down)
c = sbweb.Client(srv.port)
c.login("ana", "a long enough password")
st, _, body = c.get("/api/reports/diario?date=%s" % sbweb.EXAMPLE_DATE)
srv.stop()
msg = body.get("error", "") if isinstance(body, dict) else str(body)
t.ok(st == 503 and "127.0.0.1:%d" % port in msg and "tail calls" not in msg and "traceback" not in msg,
     "the dashboard answers the cause too", (st, body))
t.done()
