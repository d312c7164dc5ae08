#!/usr/bin/python3
"""names.py - unusual interface names through the whole night: a leading dot, a tab or CR inside,
'/', names long enough that their escaped form passes a file name's 255 bytes, non-ASCII. Each is
either carried under one normalised name by every stage (spool, raw rows, summaries, report) or
refused with the sources file and line named; nothing collected is left behind unstored."""

import json
import glob
import os
import sqlite3
from urllib.parse import quote

import sbtest
import sbweb

t = sbtest.Tap()


def said(r):
    """What a run printed about the layer (its summary lines and the BORDE log lines)."""
    return r.stdout + "".join(l + "\n" for l in r.stderr.splitlines() if "[BORDE]" in l)


TZ = "America/Caracas"
DATE = "2026-11-20"
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 61

LONG = "LONG " + "x " * 124 + "END"             # 256 bytes, the most a name may have; 124 escapes
WIDE = "Peñón – 東京 " + "東" * 40                  # non-ASCII: 9 escaped bytes a character
TOO_LONG = "Y" * 257
# (name in the sources file, name every stage must show, type in the file, type shown);
# None: the line is refused
cases = [
    (".hidden-if", ".hidden-if", "CISCO", "CISCO"),
    ("TAB\tIN NAME", "TAB IN NAME", "CISCO", "CISCO"),
    ("CR\rIN NAME", "CR IN NAME", "CISCO", "CISCO"),
    ("CCS/VAL/MCB 100GE0/0/1", "CCS/VAL/MCB 100GE0/0/1", "HUAWEI", "HUAWEI"),
    (LONG, LONG, "JUNIPER", "JUNIPER"),
    (WIDE, WIDE, "HUAWEI", "HUAWEI"),
    ("TYPE WITH TAB", "TYPE WITH TAB", "CIS\tCO", "CIS CO"),
    (TOO_LONG, None, "CISCO", None),
    ("Pe\xf1on latin-1", None, "CISCO", None),
]
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n" % TZ)
lines = []
expect = {}
for i, (raw, shown, typ, typ_shown) in enumerate(cases, 1):
    text, section = sbtest.mrtg_log(now, seed=i)
    sbtest.write(os.path.join(root, "mrtg/%d.log" % i), text)
    lines.append(b"mrtg/%d.html;" % i + (raw.encode("latin-1") if "latin-1" in raw else raw.encode()) +
                 b";10;" + typ.encode())
    if shown is not None:
        expect[(shown, typ_shown)] = [s for s in section if start <= s[0] < end]
path = os.path.join(root, "sources/SCAN/BORDE")
os.makedirs(os.path.dirname(path))
with open(path, "wb") as f:
    f.write(b"\n".join(lines) + b"\n")
# the long name's spool file, as older versions named it, cannot exist
t.ok(len(LONG.replace(" ", "%20")) > 255, "the long name's escaped form passes 255 bytes")

r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(r.returncode, 0, "run exits 0: everything collected was stored", said(r))
t.ok("7 interfaces: 7 ok" in r.stdout, "the 7 accepted interfaces are collected", said(r))
t.ok("%s:8: " % path in r.stderr and "at most 256 bytes" in r.stderr,
     "a name over 256 bytes is refused naming the sources file and line", said(r))
t.ok("%s:9: " % path in r.stderr and "UTF-8" in r.stderr and "0xF1" in r.stderr,
     "a name that is not UTF-8 is refused naming the file, line and byte", said(r))
t.ok("%s:2: " % path in r.stderr and "%s:3: " % path in r.stderr and "%s:7: " % path in r.stderr,
     "a tab or CR made a space is said, with the line", said(r))
t.ok("line kept" in r.stderr and "(line skipped)" not in r.stderr,
     "each message says once what became of its line", said(r))
left = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "data/SCAN")) for f in fs]
t.eq(left, [], "no spool file is left behind, hidden or not")

db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
raw = {}
for name, typ, n in db.execute("select name, type, count(*) from BORDE_HISTORY group by name, type"):
    raw[(name, typ)] = n
t.eq(sorted(raw), sorted(expect), "raw rows hold the 7 normalised names")
t.ok(all(raw[k] == len(v) for k, v in expect.items() if k in raw), "each with its day's samples", raw)
summ = sorted(db.execute("select name, type from DAILY_SUMMARY_HISTORY where date = ?", (DATE,)).fetchall())
t.eq(summ, sorted(expect), "the summaries carry the same names: raw rows and summaries join")

out = sbtest.tempdir()
r = sbtest.run(["report", "diario", "--date", DATE, "--format", "json", "--out", out], root=root)
t.eq(r.returncode, 0, "the daily report runs", r.stderr)
rep = json.loads(sbtest.read(glob.glob(os.path.join(out, "*.json"))[0]))
names = sorted((row["name"], row["type"]) for s in rep["sheets"] if s["name"] == "BORDE" for row in s["rows"])
t.eq(names, sorted(expect), "the report shows the same names")

# a hidden spool file an older version wrote for a leading dot, left unstored: the next run stores it
older = "2026-11-19"
ostart, _ = sbtest.day_bounds(older, TZ)
rows = "".join("%d\t%02d:%02d:00\t%d\t%d\t%d\t%d\n" % (ostart + i * 300, i * 5 // 60, i * 5 % 60, 10 + i, 20 + i, 30 + i, 40 + i)
               for i in range(288))
sbtest.write(os.path.join(root, "data/SCAN/BORDE", older, ".hidden-if@CISCO.tsv"),
             "#scanbackup-spool\t1\nlayer\tBORDE\nname\t.hidden-if\ntype\tCISCO\ncapacity\t10\ndate\t%s\nurl\tx\n"
             "samples\t288\n#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n%s" % (older, rows))
r = sbtest.run(["run", "--date", DATE], root=root)
n = db.execute("select count(*) from BORDE_HISTORY where name = '.hidden-if' and date = ?", (older,)).fetchone()[0]
s = db.execute("select samples from DAILY_SUMMARY_HISTORY where name = '.hidden-if' and date = ?", (older,)).fetchall()
t.ok(r.returncode == 0 and n == 288 and s == [(288,)] and os.listdir(os.path.join(root, "data/SCAN/BORDE", older)) == [],
     "a hidden spool file left by an older version is stored by the next run", said(r))

# the dashboard finds the longest and the widest name
sbweb.add_user(root, "ana", "a long enough password", "viewer")
srv = sbweb.Serve(root)
c = sbweb.Client(srv.port)
c.login("ana", "a long enough password")
for name, typ in ((LONG, "JUNIPER"), (WIDE, "HUAWEI")):
    st, _, body = c.get("/api/interface?layer=BORDE&name=%s&type=%s&from=%s&to=%s" % (quote(name), typ, DATE, DATE))
    t.ok(st == 200 and len(body["t"]) == len(expect[(name, typ)]),
         "the dashboard shows %s... (%d bytes) with its samples" % (name[:12], len(name.encode())), (st, body if st != 200 else len(body["t"])))
srv.stop()
t.done()
