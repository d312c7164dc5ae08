#!/usr/bin/python3
"""scan.py - `scanbackup scan` against the scripted local HTTP server: good, failing, retried,
stalled, truncated and gzip-encoded interfaces; spool contents; logs; lock; shards."""

import fcntl
import os
import time

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATE = "2026-11-20"
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 197

www = sbtest.tempdir()
srv = sbtest.Server(www, auth="scan:s3cret pass")
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), 'TIMEZONE=%s\nSCAN_TIMEOUT=3\nSCAN_CONNECT_TIMEOUT=3\n'
             'USERSCAN=scan\nPASSWORDSCAN="s3cret pass"\n' % TZ)

# name -> (url path prefix, seed); every log is generated for the same day
cases = {
    "GOOD GI0/0/0/1 - LINK A": ("auth/", 1),
    "GZIP ET-1/0/0": ("auth/gzip/", 2),
    "FLAKY 100GE0/1/0": ("auth/flaky/1/", 3),
    "NOT FOUND": ("auth/status/404/", 4),
    "DENIED": ("status/401/", 5),
    "STALLED": ("auth/stall/12/", 6),
    "TRUNCATED": ("auth/truncate/3000/", 7),
    "SHORT DAY": ("auth/", 8),
}
expected = {}
lines = []
for name, (prefix, seed) in cases.items():
    fname = "r%d.log" % seed
    skip = set(range(start + 3600, start + 4 * 3600, 300)) if name == "SHORT DAY" else ()
    text, section = sbtest.mrtg_log(now, seed=seed, skip=skip)
    sbtest.write(os.path.join(www, fname), text)
    expected[name] = sorted(s for s in section if start <= s[0] < end)
    lines.append("%s/%s%s;%s;100;CISCO" % (srv.base, prefix, fname.replace(".log", ".html"), name))
sbtest.write(os.path.join(root, "sources/SCAN/BORDE"), "# test sources\n" + "\n".join(lines) + "\n\nshort;line\n")

t0 = time.time()
r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE"], root=root)
elapsed = time.time() - t0
t.eq(r.returncode, 3, "scan with failing interfaces exits 3 (partial)")
t.ok("scan: %s: 8 interfaces: 3 ok, 1 short, 4 failed" % DATE in r.stdout, "summary line counts ok/short/failed",
     r.stdout + r.stderr + "\nthe server saw: %s" % srv.stats())
t.ok(elapsed < 40, "a stalled interface does not hold the scan (%.1f s)" % elapsed)

days = sbtest.spool_days(root, "BORDE", DATE)
t.eq(sbtest.spool_files(root), [os.path.join(root, "data/SCAN/BORDE", DATE, "000001.spool")],
     "one spool file for the layer's day")

for name in ("GOOD GI0/0/0/1 - LINK A", "GZIP ET-1/0/0", "FLAKY 100GE0/1/0", "SHORT DAY"):
    if t.ok((name, "CISCO") in days, "%r is in the spool" % name):
        got = days[(name, "CISCO")]
        want = expected[name]
        t.eq(len(got), len(want), "%r: %d samples of the day" % (name, len(want)))
        t.ok(got == want, "%r: exactly the day's samples, oldest first" % name)
t.eq(len(expected["GOOD GI0/0/0/1 - LINK A"]), 288, "a full day has 288 samples")
t.eq(len(expected["SHORT DAY"]), 288 - 36, "the short day misses 3 hours")
for name in ("NOT FOUND", "DENIED", "STALLED", "TRUNCATED"):
    t.ok((name, "CISCO") not in days, "nothing spooled for failed %r" % name)
t.eq(len(days), 4, "four interfaces spooled")

log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
for name in ("NOT FOUND", "DENIED", "STALLED", "TRUNCATED"):
    t.ok(any(name in l and " ERROR " in l for l in log.splitlines()), "log names failed %r" % name, log)
t.ok("s3cret" not in log and "s3cret" not in r.stderr, "the password never reaches the log")
t.ok("sources/SCAN/BORDE:11:" in log, "the short sources line is reported with its line", log)
alerts = sbtest.read(os.path.join(root, "data/logs/Alertas-SCAN.log"))
t.ok("GOOD GI0/0/0/1 - LINK A (CISCO) %s: 288 of 288 samples" % DATE in alerts, "alert line for a full day", alerts)
t.ok("SHORT DAY (CISCO) %s: 252 of 288 samples" % DATE in alerts and "WARNING" in alerts, "alert line for a short day")
t.eq(sum(1 for l in alerts.splitlines() if DATE in l), 8, "one alert line per interface")
stats = srv.stats()
t.ok(stats["paths"].get("/auth/flaky/1/r3.log", 0) == 2, "the 500 was retried once", stats["paths"])
t.ok(stats["paths"].get("/auth/status/404/r4.log", 0) == 1, "a 404 is not retried", stats["paths"])
t.ok(stats["gzip"] >= 1, "gzip was negotiated")
t.ok(stats["paths"].get("/auth/stall/12/r6.log", 0) == 3, "a timeout is retried twice")

# re-running is idempotent: a second file, the same days read from the spool
r = sbtest.run(["scan", "--date", DATE, "--layer", "borde", "--no-progress"], root=root)
t.eq([os.path.basename(p) for p in sbtest.spool_files(root)], ["000001.spool", "000002.spool"],
     "a second scan of the day writes the next spool file")
t.ok(sbtest.spool_days(root, "BORDE", DATE) == days, "the spool holds the same days")

# the lock: a second process is refused and told who holds it
with open(os.path.join(root, "data/.lock"), "a+") as lk:
    fcntl.flock(lk, fcntl.LOCK_EX)
    lk.seek(0)
    lk.truncate()
    lk.write("pid 4242, 'scan', since 2026-11-21 04:00:00\n")
    lk.flush()
    r = sbtest.run(["scan", "--date", DATE], root=root)
    t.eq(r.returncode, 1, "scan exits 1 while another process holds the lock")
    t.ok("pid 4242" in r.stderr and "another scanbackup" in r.stderr, "the message says who holds the lock", r.stderr)

# shards: two collectors split the interfaces without overlap
for k in (1, 2):
    rootk = sbtest.tempdir()
    sbtest.write(os.path.join(rootk, ".env"), sbtest.read(os.path.join(root, ".env")))
    sbtest.write(os.path.join(rootk, "sources/SCAN/BORDE"), sbtest.read(os.path.join(root, "sources/SCAN/BORDE")))
    r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE", "--shard", "%d/2" % k], root=rootk)
    files = set(sbtest.spool_days(rootk, "BORDE", DATE))
    if k == 1:
        shard1 = files
        n1 = r.stdout
    else:
        t.ok(not (shard1 & files), "shards 1/2 and 2/2 share no interface")
        t.eq(len(shard1 | files), 4, "together the shards collect every reachable interface")
r = sbtest.run(["scan", "--shard", "3/2"], root=root)
t.eq(r.returncode, 2, "--shard 3/2 is a usage error")
r = sbtest.run(["scan", "--date", "2026-02-30"], root=root)
t.ok(r.returncode == 2 and "YYYY-MM-DD" in r.stderr, "a bad date is a usage error naming the format")
# Many interfaces in two layers, one of which cannot be written (its spool folder's place is taken
# by a file): every interface of the other is spooled exactly, each of the first fails on its own
# with the reason and the file, and nothing is counted twice or lost.
rootw = sbtest.tempdir()
sbtest.write(os.path.join(rootw, ".env"), sbtest.read(os.path.join(root, ".env")))
many = {}
for layer, n in (("BORDE", 150), ("BRAS", 90)):
    lines = []
    for i in range(n):
        seed = 100 + i % 7
        name = "%s-%03d GI0/%d" % (layer, i, i)
        many[(layer, name)] = seed
        lines.append("%s/auth/r%d.html?%s-%d;%s;10;CISCO" % (srv.base, seed, layer, i, name))
    sbtest.write(os.path.join(rootw, "sources/SCAN", layer), "\n".join(lines) + "\n")
want = {}
for seed in range(100, 107):
    text, section = sbtest.mrtg_log(now, seed=seed)
    sbtest.write(os.path.join(www, "r%d.log" % seed), text)
    want[seed] = sorted(x for x in section if start <= x[0] < end)
sbtest.write(os.path.join(rootw, "data/SCAN/BRAS"), "not a folder\n")
r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE", "--no-progress"], root=rootw)
t.eq(r.returncode, 0, "150 interfaces of one layer: the scan succeeds", r.stdout + r.stderr)
days = sbtest.spool_days(rootw, "BORDE", DATE)
exact = sum(1 for (layer, name), seed in many.items()
            if layer == "BORDE" and days.get((name, "CISCO")) == want[seed])
t.eq(exact, 150, "every one of them spooled with exactly its day's samples")
r = sbtest.run(["scan", "--date", DATE, "--no-progress"], root=rootw)
t.eq(r.returncode, 3, "a layer whose spool cannot be written: the scan is partial (exit 3)", r.stdout + r.stderr)
t.ok("scan: %s: 240 interfaces: 150 ok, 0 short, 90 failed" % DATE in r.stdout,
     "... its 90 interfaces failed, the other layer's 150 collected", r.stdout + r.stderr)
days = sbtest.spool_days(rootw, "BORDE", DATE)
exact = sum(1 for (layer, name), seed in many.items()
            if layer == "BORDE" and days.get((name, "CISCO")) == want[seed])
t.eq(exact, 150, "the writable layer's interfaces spooled again, exactly")
log = sbtest.read(os.path.join(rootw, "data/logs/ScanBackup.log"))
failed = [l for l in log.splitlines() if " ERROR " in l and "cannot write the spool" in l]
t.eq(len(failed), 50, "an ERROR line per interface that could not be written, the first 50 of them",
     log[-3000:])
t.ok("40 repeated messages were suppressed" in log, "... and how many more there were")
t.ok(all(os.path.join(rootw, "data/SCAN/BRAS") in l for l in failed), "... each naming the folder", failed[:2])
t.eq(len(set(l.split(" (CISCO)")[0].split()[-2] for l in failed)), 50, "... each its own interface")
alerts = sbtest.read(os.path.join(rootw, "data/logs/Alertas-SCAN.log")).splitlines()
t.eq(sum(1 for l in alerts if " BRAS " in l and "failed: cannot write the spool" in l), 90,
     "the alerts file has each failure")
t.eq(sum(1 for l in alerts if " BORDE " in l and ": 288 of 288 samples" in l), 300,
     "... and each day collected, once a scan")
t.done()
