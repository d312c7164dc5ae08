#!/usr/bin/python3
"""monitor.py - the probe monitor on loopback: start twice, status, stop, a stale pid file; ping
127.0.0.1 and ::1; httping against a server answering 200, 500 and stalling; config reloads (a test
added, removed, retimed, a link disabled, a bad file, SIGHUP); a probe module dropped in while it
runs; an overrun; `updater probes` into SQLite while the daemon appends. TAP output."""

import glob
import json
import os
import re
import shutil
import signal
import sqlite3
import time

import sbtest

t = sbtest.Tap()
root = sbtest.tempdir("sbmon-")
mods = os.path.join(root, "modules")
os.makedirs(mods)
for name in ("ping", "httping", "traceroute"):
    shutil.copy(os.path.join(sbtest.MODULES_DIR, ".libs", name + ".so"), os.path.join(mods, name + ".so"))
testmods = os.environ.get("SB_TEST_MODULES_DIR", os.path.join(sbtest.TOP_BUILDDIR, "tests/modules"))
ENV = {"MODULES_DIR": mods, "MONITOR_STOP_GRACE": "5"}
CONFIG = os.path.join(root, "monitor.json")
LOG = os.path.join(root, "data/logs/monitor.log")
www = sbtest.tempdir("sbmonwww-")
sbtest.write(os.path.join(www, "x"), "hello\n")
srv = sbtest.Server(www)


def mon(*args, timeout=60):
    return sbtest.run(["monitor"] + list(args), root=root, env=ENV, timeout=timeout)


def config(tests, links=None, sleep=0.2):
    links = links if links is not None else {
        "lo": {"status": True, "ip": "127.0.0.1", "id": 1},
        "lo6": {"status": True, "ip": "::1", "id": 2},
    }
    text = json.dumps({"sleep_time": sleep, "tests": tests, "links": links, "id": 7}, indent=1)
    with open(CONFIG + ".tmp", "w") as f:
        f.write(text)
    os.replace(CONFIG + ".tmp", CONFIG)


def records(test, link):
    return sbtest.trace_records(root, test, 7, link)


def log():
    try:
        return sbtest.read(LOG)
    except FileNotFoundError:
        return ""


def wait(cond, timeout=10):
    return sbtest.wait_until(cond, timeout, 0.1)


def pid_of():
    try:
        return int(sbtest.read(os.path.join(root, "data/monitor.pid")).strip())
    except (FileNotFoundError, ValueError):
        return 0


def cleanup():
    pid = pid_of()
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


import atexit
atexit.register(cleanup)

PING = {"interval": 1, "count": 2, "probe_interval": 0.2, "timeout": 0.5}


def have_ipv6():
    import socket
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


V6 = have_ipv6()

# ---- check, and refusals before anything runs ----
config({"ping": PING})
r = mon("check")
t.ok(r.returncode == 0 and "ping" in r.stdout and "monitor 7, 1 tests, 2 links: ok" in r.stdout,
     "monitor check accepts a good config", r.stdout + r.stderr)
config({"ping": dict(PING, count=0)})
r = mon("start")
t.ok(r.returncode == 1 and "tests.ping.count: expected an integer from 1 to 100" in r.stderr,
     "start refuses a bad config, naming the key", r.stderr)
t.ok(pid_of() == 0, "and nothing was started")

# ---- start twice, status, stop ----
config({"ping": PING})
r = mon("start")
t.ok(r.returncode == 0 and "monitor started: pid" in r.stdout, "monitor start", r.stdout + r.stderr)
pid = pid_of()
t.ok(pid > 0 and os.path.exists("/proc/%d" % pid), "the pid file names a live process")
r = mon("start")
t.ok(r.returncode == 1 and ("already runs (pid %d)" % pid) in r.stderr, "a second start says which pid runs", r.stderr)
t.ok(wait(lambda: len(records("ping", 1)) >= 2), "ping records for 127.0.0.1", records("ping", 1))
if V6:
    t.ok(wait(lambda: len(records("ping", 2)) >= 2), "ping records for ::1", records("ping", 2))
else:
    t.skip("ping records for ::1", "no IPv6 loopback here (::1 cannot be bound)")
rec = records("ping", 1)
t.ok(all(x[1] == "ping" and x[2] == "127.0.0.1" and float(x[3]) > 0 and x[5:7] == ["2", "2"] for x in rec),
     "127.0.0.1 answers: rtt > 0, 2 of 2", rec)
stamps = [x[0] for x in rec]
t.ok(all(s.endswith("Z") for s in stamps) and len(set(stamps)) == len(stamps), "each run once, stamped on the grid", stamps)
r = mon("status")
t.ok(r.returncode == 0 and ("pid %d" % pid) in r.stdout and "ping" in r.stdout and "every 1 s" in r.stdout
     and "rtt " in r.stdout and "links: 2 (2 enabled)" in r.stdout and "start error" in r.stdout,
     "status: pid, uptime, tests, links, last results", r.stdout + r.stderr)
row = [l for l in r.stdout.splitlines() if l.split()[:2] == ["ping", "1"]]
t.ok(len(row) == 1 and re.search(r"  rtt \d+\.\d{3} ms, loss 0\.0 %, sent 2, received 2, min \d+\.\d{3} ms, "
                                 r"max \d+\.\d{3} ms, jitter \d+\.\d{3} ms$", row[0]),
     "status: the link's last record, summed up when asked for", r.stdout)

# ---- httping: 200, 500, a stall, a closed port, a 401 ----
closed = sbtest.free_port()
config({"ping": PING,
        "httping": {"interval": 1, "timeout": 1, "port": srv.port, "path_1": "/status/200/x",
                    "path_2": "/status/500/x", "path_3": "/stall/3/x", "port_3": srv.port,
                    "port_4": closed, "path_5": "/auth/x"}},
       links={"lo": {"status": True, "ip": "127.0.0.1", "id": 1},
              "lo6": {"status": True, "ip": "127.0.0.1", "id": 2},
              "slow": {"status": True, "ip": "127.0.0.1", "id": 3},
              "shut": {"status": True, "ip": "127.0.0.1", "id": 4},
              "locked": {"status": True, "ip": "127.0.0.1", "id": 5}})
t.ok(wait(lambda: "test added: module" in log() and all(records("httping", i) for i in (1, 2, 3, 4, 5)),
          timeout=15), "a test added to the file is loaded and scheduled", log()[-2000:])
h1, h2, h3 = records("httping", 1), records("httping", 2), records("httping", 3)
h4, h5 = records("httping", 4), records("httping", 5)
t.ok(h1 and h1[-1][3] == "200" and float(h1[-1][4]) > 0 and h1[-1][2].endswith(":%d/status/200/x" % srv.port),
     "HEAD answered 200: status and total time", h1)
t.ok(h2 and h2[-1][3] == "500" and float(h2[-1][4]) > 0, "HEAD answered 500", h2)
t.ok(h3 and h3[-1][3] == "0" and h3[-1][4] == "-1.000" and
     re.match(r"timed out after \d+ ms waiting for a response$", h3[-1][5]),
     "a stalled server times out: -1 and the HTTP engine's words", h3)
t.ok(h4 and h4[-1][3] == "0" and h4[-1][4] == "-1.000" and h4[-1][5] == "connection refused",
     "a closed port: refused, in the HTTP engine's words", h4)
t.ok(h5 and h5[-1][3] == "401" and float(h5[-1][4]) > 0 and h5[-1][5] == "",
     "HEAD answered 401: a status and a time, not an error", h5)
hits = srv.stats()["paths"]
t.ok(hits.get("/status/200/x", 0) >= 1, "the requests reached the server", hits)
n_ping = len(records("ping", 1))
t.ok(wait(lambda: len(records("ping", 1)) > n_ping + 1), "ping kept running meanwhile")

# ---- removed, retimed, a link disabled ----
config({"ping": dict(PING, interval=2)},
       links={"lo": {"status": True, "ip": "127.0.0.1", "id": 1},
              "lo6": {"status": False, "ip": "::1", "id": 2}})
t.ok(wait(lambda: "unscheduled" in log() and "rescheduled: every 2 s" in log()),
     "a removed test is unscheduled, a changed interval rescheduled", log()[-1500:])
t.ok(wait(lambda: "module" in log() and "httping.so unloaded" in log()), "the removed test's module is unloaded")
time.sleep(0.5)
n_http = sum(len(records("httping", i)) for i in (1, 2, 3, 4, 5))
n_lo6 = len(records("ping", 2))
before = len(records("ping", 1))
time.sleep(4.5)
after = records("ping", 1)
t.ok(sum(len(records("httping", i)) for i in (1, 2, 3, 4, 5)) == n_http, "no httping record after removal")
t.ok(len(records("ping", 2)) <= n_lo6 + 1, "no record for the disabled link")
new = after[before:]
secs = [int(time.mktime(time.strptime(x[0], "%Y-%m-%dT%H:%M:%SZ"))) for x in new]
t.ok(len(new) >= 2 and all(s % 2 == 0 for s in secs), "retimed runs fall on the 2 s grid", [x[0] for x in new])

# ---- a bad file keeps the old config; SIGHUP ----
with open(CONFIG, "w") as f:
    f.write('{"sleep_time": 0.2, "id": 7, "tests": {"ping": {"interval": "often"}}, "links": {}}')
t.ok(wait(lambda: "tests.ping.interval: expected a positive integer" in log() and "previous config keeps running" in log()),
     "a bad file is refused, naming the key", log()[-800:])
n = len(records("ping", 1))
t.ok(wait(lambda: len(records("ping", 1)) >= n + 2, timeout=8), "the previous config keeps running")
r = mon("status")
t.ok("config refused" in r.stdout, "status shows the refusal", r.stdout)
config({"ping": dict(PING, interval=1)}, links={"lo": {"status": True, "ip": "127.0.0.1", "id": 1}})
os.kill(pid_of(), signal.SIGHUP)
t.ok(wait(lambda: "SIGHUP: reloading" in log() and "rescheduled: every 1 s" in log()), "SIGHUP reloads at once")

# ---- a module dropped in while running; an overrun ----
config({"ping": PING, "echoprobe": {"interval": 1, "delay": 2.5, "rtt": 4.25}},
       links={"lo": {"status": True, "ip": "127.0.0.1", "id": 1}})
t.ok(wait(lambda: "test echoprobe skipped" in log()), "an unknown module is logged and skipped", log()[-800:])
shutil.copy(os.path.join(testmods, ".libs", "echoprobe.so"), os.path.join(mods, "echoprobe.so"))
t.ok(wait(lambda: len(records("echoprobe", 1)) >= 1, timeout=10), "the dropped-in module runs without a restart")
t.ok(records("echoprobe", 1)[0][1:] == ["echoprobe", "4.250"],
     "its per-test parameter reached it, in a record of its own", records("echoprobe", 1))
t.ok(wait(lambda: "is still going at" in log() and "this run skipped" in log(), timeout=6),
     "a run that overruns is skipped for that link, and logged")
time.sleep(3)
ech = [int(time.mktime(time.strptime(x[0], "%Y-%m-%dT%H:%M:%SZ"))) for x in records("echoprobe", 1)]
t.ok(all(b - a >= 2 for a, b in zip(ech, ech[1:])), "never two runs at once on one link", ech)

# ---- updater probes while the daemon appends ----
dbfile = os.path.join(root, "data/scanbackup.db")
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
t.ok(r.returncode in (0, 3) and "records from" in r.stdout, "updater probes --force", r.stdout + r.stderr)
db = sqlite3.connect(dbfile)
rows = db.execute("SELECT COUNT(*) FROM PING_HISTORY").fetchone()[0]
t.ok(rows > 5, "ping records in PING_HISTORY", rows)
h = db.execute("SELECT status, total, error FROM HTTPING_HISTORY WHERE link = 2 ORDER BY timestamp DESC LIMIT 1").fetchone()
t.ok(h is not None and h[0] == 500, "httping records in HTTPING_HISTORY", h)
h = db.execute("SELECT status, total, error FROM HTTPING_HISTORY WHERE link = 3 LIMIT 1").fetchone()
t.ok(h is not None and h[0] == 0 and h[1] == -1 and "timed out" in h[2], "a timeout stored with its error", h)
db.close()
time.sleep(2.5)
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
t.ok(r.returncode in (0, 3), "a second load while appending", r.stdout + r.stderr)

# ---- stop; stale pid file ----
r = mon("stop")
t.ok(r.returncode == 0 and ("monitor stopped (pid %d)" % pid) in r.stdout, "monitor stop waits for the exit", r.stdout + r.stderr)


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] == "Z"
    except FileNotFoundError:
        return True


t.ok(gone(pid), "the process is gone once stop returns")
t.ok("stopped:" in log(), "the stop is logged")
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
db = sqlite3.connect(dbfile)
ts = [x[0] for x in db.execute("SELECT timestamp FROM PING_HISTORY WHERE link = 1 ORDER BY timestamp")]
db.close()
left = glob.glob(os.path.join(root, "data/PROBES/ping/7/1/*.trace"))
t.ok(not left, "every trace file left the spool once stored", left)
t.ok(len(ts) == len(set(ts)) and len(ts) >= 10, "no record stored twice", len(ts))
last_block = [b for a, b in zip(ts, ts[1:]) if b - a > 2]
t.ok(not last_block, "no record lost while loading during appends (no gap in the 1-2 s grid)", last_block)
r = mon("stop")
t.ok(r.returncode == 1 and "not running" in r.stderr, "stop when nothing runs says so", r.stderr)
sbtest.write(os.path.join(root, "data/monitor.pid"), "999999\n")
r = mon("status")
t.ok(r.returncode == 1 and "not running" in r.stdout, "a stale pid file is not a running monitor", r.stdout)
r = mon("start")
t.ok(r.returncode == 0, "start over a stale pid file", r.stdout + r.stderr)
t.ok(wait(lambda: "named pid 999999 but nobody held it" in log()), "the stale file is reported and replaced")
t.ok(pid_of() not in (0, 999999), "the pid file now names the new monitor")
r = mon("stop")
t.ok(r.returncode == 0, "stopped again")
t.done()
