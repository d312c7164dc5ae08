#!/usr/bin/python3
"""nightly.py - the nightly job end to end into real SQLite: scan from the local HTTP server, daily
summaries checked against the old tool's formulas, raw rows, idempotent re-runs, a store that
refuses (spool kept, loaded on the next run), kill -9 of the updater mid-load, the housekeeping
commands and the settings file rules."""

import glob
import os
import signal
import sqlite3
import subprocess
import time

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATE = "2026-11-20"
F = 8.022e-9
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 61

www = sbtest.tempdir()
srv = sbtest.Server(www, auth="night:owl")
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nUSERSCAN=night\nPASSWORDSCAN=owl\n" % TZ)

layers = {
    "BORDE": [("CCS GI0/0/1 - TATA", 100, "CISCO"), ("VAL 100GE1/0/0", 0, "HUAWEI"), ("MCB ET-0/0/2", 40, "JUNIPER")],
    "IPBRAS": [("BRAS-CCS-01", 0, "HUAWEI"), ("BRAS-VAL-01", 0, "HUAWEI")],
}
expect = {}
seed = 0
for layer, ifaces in layers.items():
    lines = []
    for name, cap, typ in ifaces:
        seed += 1
        text, section = sbtest.mrtg_log(now, seed=seed, in_only=(layer == "IPBRAS"))
        sbtest.write(os.path.join(www, "%s/%d.log" % (layer.lower(), seed)), text)
        day = [s for s in section if start <= s[0] < end]
        expect[(layer, name)] = (cap, typ, day)
        lines.append("%s/auth/%s/%d.html;%s;%s;%s" % (srv.base, layer.lower(), seed, name, cap, typ))
    sbtest.write(os.path.join(root, "sources/SCAN", layer), "\n".join(lines) + "\n")

r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(r.returncode, 0, "run exits 0 when everything collected was stored")
t.ok("5 interfaces: 5 ok" in r.stdout, "scan stage summary", r.stdout + r.stderr)
db = os.path.join(root, "data/scanbackup.db")
t.ok(os.path.exists(db), "the default SQLite database is under data/")

def q(sql, *args):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()

t.eq(q("select count(*) from BORDE_HISTORY")[0][0], 3 * 288, "every raw BORDE sample is stored")
t.eq(q("select count(*) from IPBRAS_HISTORY")[0][0], 2 * 288, "every raw IPBRAS sample is stored")
row = q("select name, type, date, time, capacity, inProm, outProm, inMaxProm, outMaxProm from BORDE_HISTORY "
        "where name = ? order by time limit 1", "CCS GI0/0/1 - TATA")[0]
first = min(expect[("BORDE", "CCS GI0/0/1 - TATA")][2])
t.eq(row, ("CCS GI0/0/1 - TATA", "CISCO", DATE, "00:00:00", 100.0, first[1], first[2], first[3], first[4]),
     "a raw row: names, local date and time, values as they came")
cols = [c[1] for c in sqlite3.connect(db).execute("pragma table_info(IPBRAS_HISTORY)")]
t.ok("brasname" in cols and "outProm" not in cols, "IPBRAS_HISTORY is keyed on brasname, in only", cols)

sums = {(r[0], r[1]): r[2:] for r in q("select typeLayer, name, type, capacity, inProm, inMaxProm, outProm, outMaxProm, use, samples from DAILY_SUMMARY_HISTORY where date = ?", DATE)}
t.eq(len(sums), 5, "one daily summary per interface")
for (layer, name), (cap, typ, day) in expect.items():
    got = sums.get((layer, name))
    n = len(day)
    if layer == "IPBRAS":
        want = (typ, 0.0, float(round(sum(s[1] for s in day) / n)), float(max(s[3] for s in day)), 0.0, 0.0, 0.0, n)
    else:
        inmax, outmax = max(s[3] for s in day) * F, max(s[4] for s in day) * F
        use = max(inmax, outmax) / cap * 100 if cap else None
        want = (typ, float(cap), sum(s[1] for s in day) / n * F, inmax, sum(s[2] for s in day) / n * F, outmax, use, n)
    t.ok(got == want, "summary of %s %s matches the old tool's formula bit for bit" % (layer, name), "got %r\nwant %r" % (got, want))
t.ok(sums[("BORDE", "VAL 100GE1/0/0")][6] is None, "capacity 0: use is null")
left = [p for ext in ("tsv", "spool") for p in glob.glob(os.path.join(root, "data/SCAN/**/*." + ext), recursive=True)]
t.eq(left, [], "the spool is empty once everything is stored")

# daily after the load: the spool is empty, so the day is summarised from the stored raw samples
r = sbtest.run(["daily", "--date", DATE], root=root)
t.eq(r.returncode, 0, "daily after the load succeeds")
t.ok("from the store" in r.stderr, "and says it summarised from the store", r.stderr)
redo = {}
for layer in layers:
    path = os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATE, layer + ".tsv")
    for line in sbtest.read(path).splitlines()[2:]:
        f = line.split("\t")
        redo[(layer, f[0])] = (f[1], float(f[2]), float(f[3]), float(f[4]), float(f[5]), float(f[6]),
                               float(f[7]) if f[7] else None, int(f[8]))
t.ok(redo == sums, "the summaries from the store equal the ones from the spool, bit for bit",
     "from the store %r\nfrom the spool %r" % (redo, sums))
for layer in layers:
    os.unlink(os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATE, layer + ".tsv"))

r = sbtest.run(["run", "--date", DATE], root=root)
t.eq(r.returncode, 0, "a second run succeeds")
t.eq(q("select count(*) from BORDE_HISTORY")[0][0], 3 * 288, "a second run adds no duplicate")
t.eq(q("select count(*) from DAILY_SUMMARY_HISTORY")[0][0], 5, "nor duplicate summaries")

# The store refuses: the spool stays, and the next run loads it.
r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE"], root=root)
r = sbtest.run(["daily", "--date", DATE, "--layer", "BORDE"], root=root)
t.eq(r.returncode, 0, "daily alone")
t.ok(os.path.exists(os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATE, "BORDE.tsv")), "daily writes DAILY_SUMMARY/<date>/<LAYER>.tsv")
bad = {"DATABASE_URI": "sqlite:%s/no/such/dir/x.db" % root}
r = sbtest.run(["updater", "data", "--date", DATE], root=root, env=bad)
t.eq(r.returncode, 1, "updater data exits 1 when the database cannot be opened")
t.ok("kept" in r.stderr or "kept" in r.stdout, "and says the spool is kept", r.stdout + r.stderr)
t.ok(len(sbtest.spool_files(root, "BORDE", DATE)) == 1 and len(sbtest.spool_days(root, "BORDE", DATE)) == 3,
     "the spool file and its 3 interfaces are still there")
r = sbtest.run(["updater", "daily", "--date", DATE], root=root, env=bad)
t.eq(r.returncode, 1, "updater daily exits 1 too")
t.ok(os.path.exists(os.path.join(root, "data/SCAN/DAILY_SUMMARY", DATE, "BORDE.tsv")), "the summary file is kept")
r = sbtest.run(["updater", "data", "--force", "--borde"], root=root)
t.eq(r.returncode, 0, "the next updater run loads what was kept")
t.eq(sbtest.spool_files(root, "BORDE", DATE), [], "and empties the spool")
r = sbtest.run(["updater", "daily", "--force"], root=root)
t.eq(r.returncode, 0, "updater daily --force loads every date")
t.eq(q("select count(*) from BORDE_HISTORY")[0][0], 3 * 288, "still no duplicate")
r = sbtest.run(["updater", "data", "--date", DATE, "--force"], root=root)
t.eq(r.returncode, 2, "--date and --force exclude each other")
r = sbtest.run(["updater", "data", "--nosuchlayer"], root=root)
t.ok(r.returncode == 2 and "nosuchlayer" in r.stderr, "an unknown layer flag is a usage error", r.stderr)

# kill -9 in the middle of a load, then a re-run: every row exactly once.
kroot = sbtest.tempdir()
sbtest.write(os.path.join(kroot, ".env"), "TIMEZONE=UTC\n")
kstart, _ = sbtest.day_bounds(DATE, "UTC")
NFILES = 1500
head = "#scanbackup-spool\t1\nlayer\tBRAS\nname\t%s\ntype\tUPLINK\ncapacity\t10\ndate\t" + DATE + "\nurl\tx\nsamples\t288\n#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n"
body = "".join("%d\t%02d:%02d:00\t%d\t%d\t%d\t%d\n" % (kstart + i * 300, (i * 5) // 60, (i * 5) % 60, i, i + 1, i + 2, i + 3) for i in range(288))
sdir = os.path.join(kroot, "data/SCAN/BRAS", DATE)
os.makedirs(sdir)
for i in range(NFILES):
    with open(os.path.join(sdir, "IF%05d@UPLINK.tsv" % i), "w") as f:
        f.write(head % ("IF%05d" % i) + body)
env = dict(os.environ, MODULES_DIR=sbtest.MODULES_DIR)
p = subprocess.Popen([sbtest.SCANBACKUP, "--root", kroot, "updater", "data", "--date", DATE],
                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
killed = False
deadline = time.time() + 60
while time.time() < deadline and p.poll() is None:
    if len(os.listdir(sdir)) < NFILES:
        os.kill(p.pid, signal.SIGKILL)
        killed = True
        break
    time.sleep(0.002)
p.wait()
remaining = len(os.listdir(sdir))
t.ok(killed and 0 < remaining < NFILES, "the updater was killed mid-load (%d of %d files left)" % (remaining, NFILES))
r = sbtest.run(["updater", "data", "--date", DATE], root=kroot)
t.eq(r.returncode, 0, "the re-run after kill -9 succeeds")
kdb = os.path.join(kroot, "data/scanbackup.db")
c = sqlite3.connect(kdb)
t.eq(c.execute("select count(*) from BRAS_HISTORY").fetchone()[0], NFILES * 288, "every row is stored")
t.eq(c.execute("select count(*) from (select distinct name, type, date, time from BRAS_HISTORY)").fetchone()[0], NFILES * 288, "exactly once")
t.eq(c.execute("select sum(inProm) from BRAS_HISTORY").fetchone()[0], NFILES * sum(range(288)), "with the values of the spool")
c.close()
t.eq(os.listdir(sdir), [], "the spool is empty")

# housekeeping
hroot = sbtest.tempdir()
r = sbtest.run(["setup-files"], root=hroot)
t.eq(r.returncode, 0, "setup-files")
for layer in ("BORDE", "BRAS", "CACHING", "RAI", "IXP", "IPBRAS"):
    t.ok(os.path.isfile(os.path.join(hroot, "sources/SCAN", layer)) and os.path.isdir(os.path.join(hroot, "data/SCAN", layer)),
         "setup-files creates sources/SCAN/%s and data/SCAN/%s" % (layer, layer))
sbtest.write(os.path.join(hroot, "sources/SCAN/BORDE"), "u;KEEP;1;CISCO\n")
r = sbtest.run(["setup-files"], root=hroot)
t.eq(sbtest.read(os.path.join(hroot, "sources/SCAN/BORDE")), "u;KEEP;1;CISCO\n", "setup-files never overwrites a sources file")
sbtest.write(os.path.join(hroot, "data/SCAN/BORDE/2026-11-20/x.tsv"), "x")
r = sbtest.run(["clean-data", "--discard-unstored"], root=hroot)
t.ok(r.returncode == 1 and os.path.exists(os.path.join(hroot, "data/SCAN/BORDE/2026-11-20/x.tsv")),
     "clean-data without a terminal and without --yes deletes nothing")
r = sbtest.run(["clean-data", "--yes"], root=hroot)
t.ok(r.returncode == 0 and os.path.exists(os.path.join(hroot, "data/SCAN/BORDE/2026-11-20/x.tsv")),
     "clean-data --yes keeps a file it cannot tell stored", r.stdout + r.stderr)
r = sbtest.run(["clean-data", "--yes", "--discard-unstored"], root=hroot)
t.ok(r.returncode == 0 and not os.path.exists(os.path.join(hroot, "data/SCAN/BORDE/2026-11-20/x.tsv")),
     "clean-data --yes --discard-unstored empties the spool")
t.ok(os.path.isdir(os.path.join(hroot, "data/logs")), "clean-data keeps the logs")

r = sbtest.run(["database", "start"], root=hroot)
t.eq(r.returncode, 0, "database start")
idx = set(x[0] for x in sqlite3.connect(os.path.join(hroot, "data/scanbackup.db")).execute("select name from sqlite_master where type='index'"))
for name in ("borde_by_date_index", "ip_bras_by_date_index", "daily_summary_by_date_index",
             "daily_summary_by_date_typelayer_index"):
    t.ok(name in idx, "index %s exists" % name)
tabs = set(x[0] for x in sqlite3.connect(os.path.join(hroot, "data/scanbackup.db")).execute(
    "select name from sqlite_master where type='table'"))
t.ok({"LINKS_HISTORY", "ALERT_HISTORY"} <= tabs, "database start makes LINKS_HISTORY and ALERT_HISTORY too",
     sorted(tabs))
hdb = sqlite3.connect(os.path.join(hroot, "data/scanbackup.db"))
for table, pk in (("BORDE_HISTORY", ["name", "type", "date", "time"]), ("IPBRAS_HISTORY", ["brasname", "date", "time", "type"]),
                  ("DAILY_SUMMARY_HISTORY", ["name", "typeLayer", "type", "date"])):
    got = [c[1] for c in sorted((c for c in hdb.execute("pragma table_info(%s)" % table) if c[5]), key=lambda c: c[5])]
    t.eq(got, pk, "%s's primary key is the unique key of the old indexes, in their order" % table)
hdb.close()
r = sbtest.run(["database", "drop"], root=hroot)
t.eq(r.returncode, 1, "database drop asks, and without a terminal refuses")
r = sbtest.run(["database", "drop", "--yes"], root=hroot)
tables = sqlite3.connect(os.path.join(hroot, "data/scanbackup.db")).execute("select count(*) from sqlite_master where type='table'").fetchone()[0]
t.ok(r.returncode == 0 and tables == 0, "database drop --yes drops every table")

# settings: the file's rules, the environment's precedence
sroot = sbtest.tempdir()
sbtest.write(os.path.join(sroot, ".env"), "# comment\nexport SCAN_PARALLEL=8\nDATABASE_URI='sqlite:x.db'\nSCAN_PARALEL=3\n")
r = sbtest.run(["config"], root=sroot)
t.ok(r.returncode == 1 and ".env:4: unknown setting SCAN_PARALEL" in r.stderr, "an unknown key names file and line", r.stderr)
sbtest.write(os.path.join(sroot, ".env"), "export SCAN_PARALLEL=8\nURI_MONGO=\"sqlite:old.db\"\nSCAN_TIMEOUT=soon\n")
r = sbtest.run(["config"], root=sroot)
t.ok(r.returncode == 1 and ".env:3: SCAN_TIMEOUT=\"soon\": expected a whole number" in r.stderr, "a bad value names file, line and what was expected", r.stderr)
sbtest.write(os.path.join(sroot, ".env"), "export SCAN_PARALLEL=8\nURI_MONGO=\"sqlite:old.db\"\n")
r = sbtest.run(["config"], root=sroot, env={"SCAN_PARALLEL": "4"})
t.ok("SCAN_PARALLEL=4\n" in r.stdout, "the environment overrides the file", r.stdout)
t.ok("DATABASE_URI=********" in r.stdout, "the database URI is masked")
r = sbtest.run(["config"], root=sroot)
t.ok("SCAN_PARALLEL=8\n" in r.stdout, "export prefix understood")
sbtest.write(os.path.join(sroot, ".env.production"), "SCAN_PARALLEL=16\n")
r = sbtest.run(["config"], root=sroot)
t.ok("SCAN_PARALLEL=16\n" in r.stdout, ".env.production wins over .env")
r = sbtest.run(["config", "--dev"], root=sroot)
t.ok(r.returncode == 1 and ".env.development" in r.stderr, "--dev without .env.development is a clear error", r.stderr)
sbtest.write(os.path.join(sroot, ".env.development"), "SCAN_PARALLEL=2\n")
r = sbtest.run(["config", "--dev"], root=sroot)
t.ok("SCAN_PARALLEL=2\n" in r.stdout, "--dev reads .env.development")
r = sbtest.run(["config"], env={"PWDSCANBACKUP": sroot})
t.ok("root=%s" % os.path.realpath(sroot) in r.stdout, "the root comes from PWDSCANBACKUP", r.stdout)
r = sbtest.run(["--version"])
t.ok(r.returncode == 0 and r.stdout.startswith("scanbackup "), "--version")
# its processor line agrees with the kernel's own reading of the processor's flags
flags = set()
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
except OSError:
    pass
proc = [l for l in r.stdout.splitlines() if l.startswith("processor: ")]
x86 = os.uname().machine == "x86_64"
t.ok(len(proc) == 1 and ("SSSE3" in proc[0]) == (x86 and "ssse3" in flags) and
     ("PCLMULQDQ" in proc[0]) == (x86 and "pclmulqdq" in flags) and
     (("portable" in proc[0]) == (not (x86 and ("ssse3" in flags or "pclmulqdq" in flags)))),
     "--version says which processor paths run, as /proc/cpuinfo's flags have them",
     (r.stdout, sorted(flags & {"ssse3", "pclmulqdq"})))
for cmd in ("run", "scan", "daily", "updater", "database", "setup-files", "clean-data", "modules", "config"):
    r = sbtest.run([cmd, "--help"])
    t.ok(r.returncode == 0 and r.stdout.startswith("usage: scanbackup " + cmd), "%s --help" % cmd, r.stdout + r.stderr)
t.done()
