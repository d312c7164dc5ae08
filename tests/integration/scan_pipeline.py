#!/usr/bin/python3
"""scan_pipeline.py - with SCAN_PIPELINE above 1, `scanbackup scan` writes several requests on each
HTTP/1.1 connection before their answers come (over TLS too), and still collects every log
exactly: ranges honoured, ignored or refused (416), a short log, a day past the first range, a
server closing the connection after an answer or in the middle of one, a 5xx, a 404, wrong
credentials, an answer that does not come in time, two portals sharing the connections, the
credentials written into each request whatever their length and in UTF-8; a server
answering in chunks, without a status line, with a Content-Length that is not a number, a header
over 16 KiB or in HTTP/1.0 is no longer pipelined to (one warning) and its logs are collected one
request at a time per connection. The backfill, whose whole logs go the same way, stores row for
row what it stores without pipelining."""

import os
import re
import sqlite3

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATE = "2026-11-20"
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 197
AUTH = "scan:p1pe pass"


def day_of(section):
    return sorted(x for x in section if start <= x[0] < end)


def portal(tls=False):
    www = sbtest.tempdir()
    return www, sbtest.Server(www, auth=AUTH, tls=tls)


def add(www, srv, lines, expected, name, prefix, text, want, paths=None):
    fname = "%s.log" % name.lower()
    sbtest.write(os.path.join(www, fname), text)
    if want is not None:
        expected[name] = want
    if paths is not None:
        paths[name] = "/%s%s" % (prefix, fname)
    lines.append("%s/%s%s;%s;100;CISCO" % (srv.base, prefix, fname.replace(".log", ".html"), name))


def root_for(lines, extra="", cert=None, parallel=2, user="scan", password="p1pe pass"):
    root = sbtest.tempdir()
    env = ('TIMEZONE=%s\nSCAN_PARALLEL=%d\nSCAN_PIPELINE=6\nUSERSCAN=%s\nPASSWORDSCAN="%s"\n'
           % (TZ, parallel, user, password)) + extra
    if cert:
        env += "CA_BUNDLE=%s\n" % cert
    sbtest.write(os.path.join(root, ".env"), env)
    sbtest.write(os.path.join(root, "sources/SCAN/BORDE"), "\n".join(lines) + "\n")
    return root


def scan(root):
    return sbtest.run(["scan", "--date", DATE, "--layer", "BORDE"], root=root, timeout=120)


def all_collected(root, expected, what):
    """Scans root and checks that every interface of expected was collected, each day exactly."""
    r = scan(root)
    n = len(expected)
    t.ok(r.returncode == 0 and "%d interfaces: %d ok" % (n, n) in r.stdout,
         "%s: every log collected" % what, r.stdout + r.stderr)
    days = sbtest.spool_days(root, "BORDE", DATE)
    t.eq([name for name in expected if days.get((name, "CISCO")) != expected[name]], [],
         "%s: every day exact" % what)


# --- a portal that answers every way a pipeline must follow ---
www, srv = portal()
lines, expected, paths = [], {}, {}
for i in range(30):
    text, section = sbtest.mrtg_log(now, seed=200 + i)
    add(www, srv, lines, expected, "PLAIN%02d" % i, "auth/", text, day_of(section), paths)
    if i == 5:
        text, section = sbtest.mrtg_log(now, seed=7)
        add(www, srv, lines, expected, "NORANGE", "auth/norange/", text, day_of(section), paths)
        text, section = sbtest.mrtg_log(now, seed=8)
        add(www, srv, lines, expected, "REFUSED", "auth/range416/", text, day_of(section), paths)
    if i == 10:
        text, section = sbtest.mrtg_log(now, seed=9)
        add(www, srv, lines, expected, "CLOSING", "auth/close/", text, day_of(section), paths)
        text, section = sbtest.mrtg_log(now, seed=10)
        add(www, srv, lines, expected, "FLAKY", "auth/flaky/1/", text, day_of(section), paths)
        add(www, srv, lines, expected, "MISSING", "auth/", "", None, paths)
        os.remove(os.path.join(www, "missing.log"))
    if i == 15:
        text, section = sbtest.mrtg_log(now, seed=11)
        add(www, srv, lines, expected, "SHORTLOG", "auth/", "".join(text.splitlines(True)[:103]),
            day_of(section[:102]), paths)
        text, section = sbtest.mrtg_log(now, seed=12)
        padded = [l if k < 1 else l.rstrip("\n").ljust(199) + "\n"
                  for k, l in enumerate(text.splitlines(True))]
        add(www, srv, lines, expected, "PADDED", "auth/", "".join(padded), day_of(section), paths)
# last, so that no request is written behind them on their connection
text, section = sbtest.mrtg_log(now, seed=13)
add(www, srv, lines, expected, "CUT", "auth/truncate/3000/", text, None, paths)
text, section = sbtest.mrtg_log(now, seed=14)
add(www, srv, lines, expected, "STALLED", "auth/stall/9/", text, None, paths)

root = root_for(lines, "SCAN_TIMEOUT=3\nSCAN_RETRIES=1\n")
r = scan(root)
n = len(lines)
t.eq(r.returncode, 3, "scan exits 3: some interfaces could not be downloaded", r.stdout + r.stderr)
t.ok("%d interfaces: %d ok, 1 short, 3 failed" % (n, n - 4) in r.stdout,
     "every interface collected but the missing, the cut and the stalled one", r.stdout + r.stderr)
days = sbtest.spool_days(root, "BORDE", DATE)
wrong = [name for name in expected if days.get((name, "CISCO")) != expected[name]]
t.eq(wrong, [], "every interface's day is exactly the samples of its log")
t.ok(all((name, "CISCO") not in days for name in ("MISSING", "CUT", "STALLED")),
     "nothing spooled for the failed ones")
stats = srv.stats()
t.ok(stats["pipelined"] > 0, "requests were pipelined: %d found the next one sent" % stats["pipelined"])
t.eq(stats["auth_failures"], 0, "credentials written into each pipelined request")
counts = stats["targets"]
t.ok(all(counts.get(paths["PLAIN%02d" % i]) == 1 for i in range(30)),
     "each plain log asked for once", {k: v for k, v in counts.items() if v != 1})
t.eq(counts.get(paths["FLAKY"]), 2, "a 500 is asked again (the usual way)")
t.eq(counts.get(paths["MISSING"]), 1, "a 404 is final: asked once")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("pipelining stopped" not in log, "a portal answering in order stays pipelined", log[-3000:])
t.ok("MISSING (CISCO)" in log and "HTTP 404" in log, "the 404 said as without pipelining")
t.ok("CUT (CISCO)" in log and "truncated" in log, "the cut body said as truncated")
t.ok("STALLED (CISCO)" in log and "timed out" in log, "the stalled answer said as timed out")
t.ok("pipelined over HTTP/1.1" in log, "the log says the scan pipelines")
t.ok("12 in flight (100 over HTTP/2), pipelined" in log,
     "... with SCAN_PARALLEL x SCAN_PIPELINE requests in flight", [l for l in log.splitlines() if "in flight" in l])
t.ok("p1pe" not in log, "the password never reaches the log")

# --- over TLS ---
www, srv = portal(tls=True)
lines, expected = [], {}
for i in range(20):
    text, section = sbtest.mrtg_log(now, seed=300 + i)
    add(www, srv, lines, expected, "TLS%02d" % i, "auth/", text, day_of(section))
root = root_for(lines, cert=srv.cert)
all_collected(root, expected, "over TLS")
stats = srv.stats()
t.ok(stats["pipelined"] > 0 and stats["connections"] <= 4,
     "over TLS pipelined on few connections: %d pipelined, %d connections"
     % (stats["pipelined"], stats["connections"]))
said = re.search(r"pipelined: (\d+) answers on (\d+) connections, (\d+) requests given back "
                 r"\(written again or sent one at a time\), (\d+) servers no longer pipelined to",
                 sbtest.read(os.path.join(root, "data/logs/ScanBackup.log")))
t.ok(said is not None and int(said.group(1)) >= 20 and said.group(2) == "2" and
     said.group(3) == "0" and said.group(4) == "0",
     "the log says what pipelining did: every answer on the 2 connections, none again",
     said.group(0) if said else None)

# --- a portal answering in chunks: no longer pipelined to, every log still collected ---
www, srv = portal()
lines, expected = [], {}
text, section = sbtest.mrtg_log(now, seed=400)
add(www, srv, lines, expected, "CHUNKED", "auth/chunked/", text, day_of(section))
for i in range(20):
    text, section = sbtest.mrtg_log(now, seed=401 + i)
    add(www, srv, lines, expected, "AFTER%02d" % i, "auth/", text, day_of(section))
root = root_for(lines)
all_collected(root, expected, "a chunked portal")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
warned = [l for l in log.splitlines() if "pipelining stopped" in l]
t.ok(len(warned) == 1 and "WARNING" in warned[0] and "answers in chunks" in warned[0] and
     srv.base.split("//")[1] in warned[0], "one warning names the portal and why", warned)

# --- answers a pipeline cannot follow: no longer pipelined to, every log still collected ---
for kind, why in (("status", "an answer without an HTTP/1.x status line"),
                  ("length", "an answer whose Content-Length is not a number"),
                  ("header", "an answer's header over 16 KiB"),
                  ("http10", "HTTP/1.0")):
    www, srv = portal()
    lines, expected = [], {}
    for i in range(6):
        text, section = sbtest.mrtg_log(now, seed=700 + i)
        add(www, srv, lines, expected, "G%s%d" % (kind.upper(), i),
            "auth/" if i else "auth/pipegarble/%s/" % kind, text, day_of(section))
    root = root_for(lines, parallel=1)
    all_collected(root, expected, "a garbled answer (%s)" % kind)
    log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
    warned = [l for l in log.splitlines() if "pipelining stopped" in l]
    t.ok(len(warned) == 1 and "(%s)" % why in warned[0], "a garbled answer (%s): one warning says so"
         % kind, warned)

# --- two portals on one connection's worth of pipes: each takes the pipe the other left ---
www_a, srv_a = portal()
www_b, srv_b = portal()
lines, expected = [], {}
for i in range(12):
    www, srv = (www_a, srv_a) if i % 3 else (www_b, srv_b)
    text, section = sbtest.mrtg_log(now, seed=600 + i)
    add(www, srv, lines, expected, "TWO%02d" % i, "auth/", text, day_of(section))
all_collected(root_for(lines, parallel=1), expected, "two portals, one pipe at most")
t.ok(srv_a.stats()["pipelined"] > 0, "the portal with most logs was pipelined to")

# --- the credentials written into each pipelined request, whatever their length (base64 pads
# the last group of three bytes with none, two or one '=') and in UTF-8 ---
for user, password in (("scan", "pass"), ("scan", "pass1"), ("scan", "pass12"), ("nöc", "contraseña ñ")):
    www = sbtest.tempdir()
    srv = sbtest.Server(www, auth="%s:%s" % (user, password))
    lines, expected = [], {}
    for i in range(4):
        text, section = sbtest.mrtg_log(now, seed=650 + i)
        add(www, srv, lines, expected, "CRED%02d" % i, "auth/", text, day_of(section))
    what = "credentials of %d bytes" % len(("%s:%s" % (user, password)).encode())
    all_collected(root_for(lines, parallel=1, user=user, password=password), expected, what)
    stats = srv.stats()
    t.ok(stats["pipelined"] > 0 and stats["auth_failures"] == 0,
         "%s: pipelined, each request's accepted" % what, stats)

# --- backfill: the whole logs pipelined store what they store read one at a time ---
www, srv = portal()
lines = []
for i in range(10):
    text, section = sbtest.mrtg_log(now, seed=800 + i)
    add(www, srv, lines, {}, "BACK%02d" % i, "auth/", text, None)


def backfill(pipeline):
    root = root_for(lines)
    env = os.path.join(root, ".env")
    sbtest.write(env, sbtest.read(env).replace("SCAN_PIPELINE=6", "SCAN_PIPELINE=%d" % pipeline))
    before = srv.stats()["pipelined"]
    r = sbtest.run(["backfill", "--to", DATE], root=root, timeout=120)
    db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
    tables = [n for (n,) in db.execute("select name from sqlite_master where type = 'table' "
                                       "order by name")]
    rows = {n: sorted(map(repr, db.execute('select * from "%s"' % n))) for n in tables}
    db.close()
    start = [l for l in sbtest.read(os.path.join(root, "data/logs/ScanBackup.log")).splitlines()
             if "reading the whole logs" in l]
    return r, rows, srv.stats()["pipelined"] - before, start


r1, one_at_a_time, p1, start1 = backfill(1)
r6, pipelined, p6, start6 = backfill(6)
t.ok(len(start1) == 1 and start1[0].endswith(", 2 in flight (100 over HTTP/2)"),
     "the backfill's first line: SCAN_PARALLEL requests in flight", start1)
t.ok(len(start6) == 1 and start6[0].endswith(", 12 in flight (100 over HTTP/2), pipelined over HTTP/1.1"),
     "... pipelined: SCAN_PARALLEL x SCAN_PIPELINE, said so", start6)
t.ok(r1.returncode == 0 and r6.returncode == 0 and "10 interfaces: 10 ok" in r6.stdout,
     "backfill pipelined: every log read", r6.stdout + r6.stderr)
t.ok(p1 == 0 and p6 > 0, "backfill pipelined only with SCAN_PIPELINE (%d, %d)" % (p1, p6))
t.ok(sum(len(v) for v in pipelined.values()) > 1000 and pipelined == one_at_a_time,
     "backfill pipelined stores row for row what it stores one request at a time",
     [n for n in pipelined if pipelined[n] != one_at_a_time.get(n)])

# --- wrong credentials: every request refused once, said as such ---
www, srv = portal()
lines, expected = [], {}
for i in range(8):
    text, section = sbtest.mrtg_log(now, seed=500 + i)
    add(www, srv, lines, expected, "DENIED%02d" % i, "auth/", text, day_of(section))
root = root_for(lines)
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")).replace("p1pe pass", "wrong"))
r = scan(root)
t.ok("8 interfaces: 0 ok, 0 short, 8 failed" in r.stdout, "wrong credentials: every interface failed",
     r.stdout + r.stderr)
stats = srv.stats()
t.eq((stats["requests"], stats["auth_failures"]), (8, 8), "each refused once: a 401 is final")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.eq(log.count("HTTP 401 Unauthorized (after 1 attempt)"), 8, "each said as a 401")

t.done()
