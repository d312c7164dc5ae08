#!/usr/bin/python3
"""serve_browser.py - the dashboard end to end in Debian's headless Chromium, driven by
playwright-core (tests/e2e/dashboard.mjs), on a desktop (1440x900) and a phone (390x844) screen:
a root with the example night and 60 more ports of one router (ties at the top, names whose
natural and byte orders differ), an admin and a viewer, a box whose day of ping and traceroute
results has a down hour, a hole and path changes, a link whose results stopped (stale), a
loopback link (RTT in microseconds) and a silent box. The figures the browser checks against are
passed to it from the store. Screenshots are kept in <build>/tests/artifacts/. Reported as a skip
when node, the built dashboard, playwright-core or chromium is missing."""

import datetime
import json
import os
import re
import sqlite3
import time
import zoneinfo

import sbtest
import sbweb

t = sbtest.Tap()
why = sbweb.e2e_missing()
if why:
    t.skip_rest(why, ["the dashboard end to end in headless Chromium (tests/e2e/dashboard.mjs)"])

D = sbweb.EXAMPLE_DATE
root = sbweb.example_root()
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
# 60 ports of TST-R1 in BORDE: TRUNK10, TRUNK2 and TRUNK13 tied at 99.8 % (peaks 199.6, 99.8, 99.8)
rows = []
for k in range(60):
    cap, inmax, outmax = 100.0, float(k % 40), float(k % 30)
    if k == 10:
        cap, inmax, outmax = 200.0, 80.0, 199.6
    elif k in (2, 13):
        inmax, outmax = 99.8, 50.0 + k
    use = max(inmax, outmax) / cap * 100
    rows.append(("TST-R1 TRUNK%d" % k, "TESTVENDOR", D, "BORDE", cap, inmax / 2, inmax, outmax / 2, outmax, use, 288))
db.executemany("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, outProm, "
               "outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
total = db.execute("select count(*) from DAILY_SUMMARY_HISTORY where date = ?", (D,)).fetchone()[0]

sbweb.add_user(root, "ana", "admin-secret-1", "admin")
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
srv = sbweb.Serve(root)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
admin.request("POST", "/api/monitors", {"name": "box-e2e"})
admin.request("POST", "/api/monitors/1/links", {"name": "gateway", "ip": "192.0.2.1"})
admin.request("POST", "/api/monitors/1/links", {"name": "old-link", "ip": "192.0.2.2"})
admin.request("POST", "/api/monitors/1/links", {"name": "loopback", "ip": "127.0.0.1"})
admin.request("PUT", "/api/monitors/1/tests/ping", {"interval": 300})
tok = admin.request("POST", "/api/monitors/1/token")[2]["token"]
admin.request("POST", "/api/monitors", {"name": "box-silent"})
admin.request("POST", "/api/monitors/2/links", {"name": "far", "ip": "192.0.2.9"})
admin.request("PUT", "/api/monitors/2/tests/ping", {"interval": 60})
tok2 = admin.request("POST", "/api/monitors/2/token")[2]["token"]
# the viewer sees both boxes: they are shared with them
for mid in (1, 2):
    admin.request("POST", "/api/monitors/%d/shares" % mid, {"user": "vic"})


def stamp(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def push(mid, token, lines):
    st, _, res = admin.request("POST", "/api/monitors/%d/results" % mid, raw="\n".join(lines) + "\n",
                               headers={"Authorization": "Bearer " + token, "Content-Type": "text/plain"}, csrf=False)
    return st == 200 and res["stored"] == len(lines), res


# A day of the gateway: every 5 minutes, down for an hour, a 100-minute hole, some loss.
now = int(time.time()) // 300 * 300
lines = []
for i in range(288):
    if 150 <= i < 170:
        continue
    ts = now - (287 - i) * 300
    down = 100 <= i < 130
    rtt = -1 if down else 20 + (i % 24)
    loss = 100 if down else (33 if i % 40 == 0 else 0)
    # the spread of the replies: min, max and jitter (none without a reply)
    spread = "\t\t\t" if down else "\t%g\t%g\t%g" % (rtt - 3, rtt + 4 + i % 5, 1.5)
    lines.append("1\t%s\tping\t192.0.2.1\t%s\t%d\t3\t%d%s" % (stamp(ts), rtt, loss, 0 if down else 3, spread))


def hops(second):
    return json.dumps([[{"anno": "", "rtt": 0.8, "ipaddr": "10.0.0.1", "name": "gw"}],
                       [{"anno": "", "rtt": 5.2, "ipaddr": second, "name": ""}],
                       [{"anno": "", "rtt": 9.9, "ipaddr": "192.0.2.1", "name": "target"}]])


runs = [(now - 3 * 3600, "10.1.0.1"), (now - 2 * 3600, "10.1.0.1"), (now - 3600, "10.2.0.1")]
lines += ["1\t%s\ttrace\t192.0.2.1\t%s" % (stamp(ts), hops(ip)) for ts, ip in runs]
# old-link: its results stopped 20 minutes ago (two intervals are 10)
lines += ["2\t%s\tping\t192.0.2.2\t7\t0\t3\t3" % stamp(now - 1200 - 300 * k) for k in range(6)]
# loopback: 45 microseconds
lines += ["3\t%s\tping\t127.0.0.1\t0.045\t0\t3\t3" % stamp(now - 300 * k) for k in range(3)]
ok, res = push(1, tok, lines)
t.ok(ok, "the box's day of results is stored", res)
ok, res = push(2, tok2, ["1\t%s\tping\t192.0.2.9\t3\t0\t3\t3" % stamp(now - 3600)])
t.ok(ok, "the second box pushed once", res)
sdb = sqlite3.connect(os.path.join(root, "data/serve.db"))
sdb.execute("update monitors set last_seen = ? where id = 2", (int(time.time()) - 3600,))
sdb.commit()
sdb.close()

# What the browser is to find, from the store
def natkey(s):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", s) if p != ""]


top = [r[0] for r in sorted(db.execute(
    "select name, use, max(inMaxProm, outMaxProm) from DAILY_SUMMARY_HISTORY where date = ? and typeLayer = 'BORDE' "
    "and use is not null", (D,)).fetchall(), key=lambda r: (-r[1], -r[2], natkey(r[0])))[:3]]
one_g = db.execute("select inProm from DAILY_SUMMARY_HISTORY where name like 'RAI-CCS-01%' and date = ?", (D,)).fetchone()[0]

# the link pages' range: the week to tomorrow, so some hours are always still to come
today = datetime.datetime.now(zoneinfo.ZoneInfo("America/Caracas")).date()
link_range = "from=%s&to=%s" % (today - datetime.timedelta(days=6), today + datetime.timedelta(days=1))

env = sbweb.e2e_env(srv.port, SB_ADMIN="ana", SB_ADMIN_PW="admin-secret-1", SB_VIEWER="vic",
                    SB_VIEWER_PW="viewer-secret-2", SB_DATE=D, SB_TOKEN=tok, SB_NOW=str(now), SB_TOTAL=str(total),
                    SB_TOP=json.dumps(top), SB_ONE_G=repr(one_g), SB_RUNS=json.dumps(runs), SB_TZ="America/Caracas",
                    SB_LINK_RANGE=link_range)
artifacts = env["SB_ARTIFACTS"]
sbweb.run_e2e(t, "dashboard.mjs", env, 300, 60)
shots = sorted(os.listdir(artifacts)) if os.path.isdir(artifacts) else []
t.ok(len([s for s in shots if s.endswith(".png")]) >= 16, "screenshots kept in tests/artifacts/", shots)
log = sbtest.read(os.path.join(root, "data/logs/access.log"))
t.ok(" 500 " not in log, "no 500 answered during the run")
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
