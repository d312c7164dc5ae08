#!/usr/bin/python3
"""scan_range.py - `scanbackup scan` asks for the start of each MRTG log in a byte range (the log
is newest first), on kept connections, with the SCAN credentials sent at once and to the portal
only: every log is collected exactly whether the server honours the range, ignores it, answers
416, gzips the body, holds less than the range, or the day starts past the first range."""

import json
import os
import urllib.request

import sbtest

t = sbtest.Tap()
TZ = "America/Caracas"
DATE = "2026-11-20"
start, end = sbtest.day_bounds(DATE, TZ)
now = end + 4 * 3600 + 197

www = sbtest.tempdir()
srv = sbtest.Server(www, auth="scan:r4nge pass")
root = sbtest.tempdir()
sbtest.write(os.path.join(root, ".env"), 'TIMEZONE=%s\nSCAN_PARALLEL=4\nSCAN_TIMEOUT=20\n'
             'USERSCAN=scan\nPASSWORDSCAN="r4nge pass"\n' % TZ)


def day_of(section):
    return sorted(x for x in section if start <= x[0] < end)


expected = {}
lines = []
paths = {}


def add(name, prefix, text, want):
    fname = "%s.log" % name.lower()
    sbtest.write(os.path.join(www, fname), text)
    expected[name] = want
    paths[name] = "/%s%s" % (prefix, fname)
    lines.append("%s/%s%s;%s;100;CISCO" % (srv.base, prefix, fname.replace(".log", ".html"), name))


for i in range(24):
    text, section = sbtest.mrtg_log(now, seed=100 + i)
    add("PLAIN%02d" % i, "auth/", text, day_of(section))
text, section = sbtest.mrtg_log(now, seed=7)
add("NORANGE", "auth/norange/", text, day_of(section))
text, section = sbtest.mrtg_log(now, seed=8)
add("REFUSED", "auth/range416/", text, day_of(section))
text, section = sbtest.mrtg_log(now, seed=9)
add("GZIPPED", "auth/gzip/", text, day_of(section))
# a log holding only its newest 100 five-minute lines: less than any range asked
text, section = sbtest.mrtg_log(now, seed=10)
short = text.splitlines(True)[:103]
add("SHORTLOG", "auth/", "".join(short), day_of(section[:102]))
# lines padded with blanks to 200 bytes: the day's start lies past the first range
text, section = sbtest.mrtg_log(now, seed=11)
padded = [l if i < 1 else l.rstrip("\n").ljust(199) + "\n" for i, l in enumerate(text.splitlines(True))]
add("PADDED", "auth/", "".join(padded), day_of(section))
sbtest.write(os.path.join(root, "sources/SCAN/BORDE"), "\n".join(lines) + "\n")
t.ok(len("".join(padded[:400])) > 64 * 640, "the padded log's day needs more than any first range")

r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE"], root=root)
n = len(expected)
t.eq(r.returncode, 0, "scan exits 0", r.stdout + r.stderr)
t.ok("%d interfaces: %d ok, 1 short, 0 failed" % (n, n - 1) in r.stdout, "every interface collected",
     r.stdout + r.stderr)

days = sbtest.spool_days(root, "BORDE", DATE)
wrong = [name for name in expected if days.get((name, "CISCO")) != expected[name]]
t.eq(wrong, [], "every interface's day is exactly the samples of its log")
t.eq(len(expected["PLAIN00"]), 288, "a full day has 288 samples")
t.ok(0 < len(expected["SHORTLOG"]) < 288, "the short log holds part of the day (%d samples)"
     % len(expected["SHORTLOG"]))

stats = srv.stats()
with urllib.request.urlopen(srv.base + "/_requests", timeout=5) as resp:
    seen = json.loads(resp.read().decode())


def ranges_of(name):
    return [x["headers"].get("Range") for x in seen if x["target"] == paths[name]]


t.eq(stats["auth_failures"], 0, "credentials sent with the first request: no 401 round trip")
t.eq(stats["pipelined"], 0, "without SCAN_PIPELINE each request waits for the answer before it")
t.ok(all(ranges_of("PLAIN%02d" % i) and ranges_of("PLAIN%02d" % i)[0].startswith("bytes=0-")
         for i in range(24)), "each plain log is asked for from its first byte",
     [ranges_of("PLAIN%02d" % i) for i in range(3)])
t.ok(all(len(ranges_of("PLAIN%02d" % i)) == 1 for i in range(24)), "one request per plain log")
plain_len = len(sbtest.read(os.path.join(www, "plain00.log")))
first = int(ranges_of("PLAIN23")[0].split("-")[1]) + 1
t.ok(first < plain_len / 3, "a range sized from what the layer's logs needed: %d of %d bytes"
     % (first, plain_len))
t.eq(stats["partial"], 24 + 1 + 2, "206 answers: the plain logs, the short one, the padded one twice")
t.eq(len(ranges_of("NORANGE")), 1, "a server ignoring the range: one request, the whole log")
refused = ranges_of("REFUSED")
t.ok(len(refused) == 2 and refused[0] is not None and refused[1] is None,
     "a 416: asked again without a range", refused)
t.eq(len(ranges_of("GZIPPED")), 1, "a gzip body: one request")
t.eq(stats["gzip"], 1, "... sent gzip-encoded")
padded_asked = ranges_of("PADDED")
t.ok(len(padded_asked) == 2 and all(x and x.startswith("bytes=0-") for x in padded_asked) and
     int(padded_asked[1].split("-")[1]) > int(padded_asked[0].split("-")[1]),
     "a day past the first range: a longer range from the start follows", padded_asked)
# 4 transfers in flight: every log over at most 4 connections (and this check's own)
t.ok(stats["connections"] <= 5, "connections kept: %d for %d requests" % (stats["connections"], stats["requests"]))
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("%d logs asked for in byte ranges: 1 needed a longer one, 2 came whole" % n in log and
     "1 were asked again whole (416)" in log, "the log counts the ranges", log[-2000:])
t.ok("r4nge" not in log, "the password never reaches the log")

# The credentials go to the portal only: with SCAN_URL_* set, to those origins, at once (no 401
# round trip); a sources line on another server gets none.
other_www = sbtest.tempdir()
other = sbtest.Server(other_www)
text, section = sbtest.mrtg_log(now, seed=12)
sbtest.write(os.path.join(other_www, "elsewhere.log"), text)
root2 = sbtest.tempdir()
sbtest.write(os.path.join(root2, ".env"), 'TIMEZONE=%s\nUSERSCAN=scan\nPASSWORDSCAN="r4nge pass"\n'
             "SCAN_URL_BORDE_CISCO=%s/portal/borde.html\n" % (TZ, srv.base))
sbtest.write(os.path.join(root2, "sources/SCAN/BORDE"),
             "%s/auth/plain00.html;PLAIN00;100;CISCO\n%s/auth/plain01.html;PLAIN01;100;CISCO\n"
             "%s/elsewhere.html;ELSEWHERE;10;CISCO\n" % (srv.base, srv.base, other.base))
before = srv.stats()["auth_failures"]
r = sbtest.run(["scan", "--date", DATE, "--layer", "BORDE"], root=root2)
t.ok(r.returncode == 0 and "3 interfaces: 3 ok" in r.stdout, "portal and other server collected",
     r.stdout + r.stderr)
with urllib.request.urlopen(other.base + "/_requests", timeout=5) as resp:
    theirs = json.loads(resp.read().decode())
with urllib.request.urlopen(srv.base + "/_requests", timeout=5) as resp:
    ours = [x for x in json.loads(resp.read().decode()) if x["target"] in ("/auth/plain00.log", "/auth/plain01.log")][-2:]
t.ok(theirs and all("Authorization" not in x["headers"] for x in theirs),
     "a server that is not the portal never sees the credentials", theirs)
t.ok(len(ours) == 2 and all(x["headers"].get("Authorization", "").startswith("Basic ") for x in ours) and
     srv.stats()["auth_failures"] == before, "the portal gets them with each first request", ours)
t.eq(sbtest.spool_days(root2, "BORDE", DATE).get(("ELSEWHERE", "CISCO")), day_of(section),
     "the other server's log is collected exactly")

t.done()
