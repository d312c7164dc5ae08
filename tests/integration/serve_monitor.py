#!/usr/bin/python3
"""serve_monitor.py - a remote monitor managed from the dashboard: a box (another process with its own
root and data directory) holding only the central URL and its token pulls its monitor.json, runs
the tests the dashboard set, and pushes its results; the dashboard edits a link and the box
applies it; the central server is stopped (SIGTERM) and killed (SIGKILL) mid-way and started
again; in the end every record the box wrote is stored exactly once or still in its spool, and a
revoked token stops the pushes without losing a line. TAP output."""

import glob
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time

import sbtest
import sbweb

t = sbtest.Tap()
testmods = os.environ.get("SB_TEST_MODULES_DIR", os.path.join(sbtest.TOP_BUILDDIR, "tests/modules"))
mods = sbtest.tempdir("sbmods-")
shutil.copy(os.path.join(testmods, ".libs", "echoprobe.so"), os.path.join(mods, "echoprobe.so"))

central = sbtest.tempdir("sbcentral-")
sbtest.write(os.path.join(central, ".env"), "TIMEZONE=America/Caracas\nSERVE_CACHE_SECONDS=0\n")
sbweb.add_user(central, "ana", "admin-secret-1", "admin")
srv = sbweb.Serve(central, env={"MODULES_DIR": mods})
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
st, _, m = admin.request("POST", "/api/monitors", {"name": "box-1", "sleep_time": 0.3})
MID = m["id"]
admin.request("POST", "/api/monitors/%d/links" % MID, {"name": "a", "ip": "127.0.0.1"})
admin.request("POST", "/api/monitors/%d/links" % MID, {"name": "b", "ip": "127.0.0.2"})
st, _, body = admin.request("PUT", "/api/monitors/%d/tests/echoprobe" % MID, {"interval": 1, "rtt": 2.5, "rtt_2": -1})
t.eq(st, 200, "the dashboard sets the box's test", body)
token = admin.request("POST", "/api/monitors/%d/token" % MID)[2]["token"]

box = sbtest.tempdir("sbbox-")
sbtest.write(os.path.join(box, ".env"),
             "TIMEZONE=America/Caracas\nMONITOR_CENTRAL_URL=http://127.0.0.1:%d/\nMONITOR_TOKEN=%s\n"
             "MONITOR_SYNC_INTERVAL=0.3\nMONITOR_STOP_GRACE=2\n" % (srv.port, token))
env = dict(os.environ, MODULES_DIR=mods)
env.pop("PWDSCANBACKUP", None)
boxlog = open(os.path.join(box, "monitor.out"), "w+")
mon = subprocess.Popen([sbtest.SCANBACKUP, "--root", box, "monitor", "run"], env=env, stdout=boxlog,
                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
db = os.path.join(central, "data/scanbackup.db")


def rows(link=None):
    try:
        c = sqlite3.connect(db, timeout=10)
        try:
            q = "select count(*) from ECHOPROBE_HISTORY where monitor = ?" + (" and link = ?" if link else "")
            return c.execute(q, (MID, link) if link else (MID,)).fetchone()[0]
        finally:
            c.close()
    except sqlite3.OperationalError:
        return 0


def spool_lines():
    n = 0
    for path in glob.glob(os.path.join(box, "data/PROBES/*/*/*/*.trace")):
        try:
            with open(path) as f:
                n += sum(1 for line in f if line.endswith("\n"))
        except FileNotFoundError:
            pass  # emptied and removed by the box between the listing and the read
    return n


def wait(cond, timeout=20):
    return sbtest.wait_until(cond, timeout, 0.1)


def box_output():
    boxlog.flush()
    boxlog.seek(0)
    return boxlog.read()


conf_path = os.path.join(box, "monitor.json")
t.ok(wait(lambda: os.path.exists(conf_path)), "the box pulls its monitor.json at start", box_output())
conf = json.loads(sbtest.read(conf_path))
t.ok(conf.get("id") == MID and set(conf.get("links", {})) == {"a", "b"}, "the dashboard's links and id", conf)
t.ok(wait(lambda: rows(1) >= 2 and rows(2) >= 2), "its results reach the central store", box_output()[-2000:])
c = sqlite3.connect(db)
rtts = dict(c.execute("select link, max(rtt) from ECHOPROBE_HISTORY where monitor = ? group by link", (MID,)))
c.close()
t.eq(rtts, {1: 2.5, 2: -1.0}, "with the per-link parameter applied (link b down)")

# the central server goes away for a while: the box keeps its lines
srv.stop()
before = rows()
time.sleep(2.5)
t.ok(spool_lines() >= 3, "central down: the results pile up in the box's spool (%d lines)" % spool_lines())
srv.start()
t.ok(wait(lambda: spool_lines() <= 2 and rows() >= before + 4), "central back on the same port: they are pushed",
     (spool_lines(), rows(), before))

# the dashboard edits the box: a third link
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
st, _, l3 = admin.request("POST", "/api/monitors/%d/links" % MID, {"name": "c", "ip": "127.0.0.3"})
t.eq(st, 201, "the admin adds link c on the dashboard")
t.ok(wait(lambda: "127.0.0.3" in sbtest.read(conf_path)), "the box's monitor.json follows")
t.ok(wait(lambda: rows(l3["id"]) >= 2), "and the box tests the new link at its next check", box_output()[-2000:])

# killed without warning while the box pushes; a lost answer means a resend, never a duplicate
time.sleep(0.4)
srv.stop(signal.SIGKILL)
time.sleep(1.2)
srv.start()
t.ok(wait(lambda: spool_lines() <= 3), "after a kill -9 of the server the box catches up")
time.sleep(1.0)

# a revoked token: pushes stop, nothing is lost
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
t.eq(admin.request("DELETE", "/api/monitors/%d/token" % MID)[0], 200, "the admin revokes the box's token")
time.sleep(0.6)
frozen = rows()
time.sleep(1.5)
t.ok(rows() == frozen and spool_lines() >= 2, "the central store takes no more, the box keeps its lines",
     (rows(), frozen, spool_lines()))
mon.send_signal(signal.SIGTERM)
try:
    code = mon.wait(30)
except subprocess.TimeoutExpired:
    mon.kill()
    code = None
t.eq(code, 0, "the box stops cleanly")
out = sbtest.read(os.path.join(box, "data/logs/monitor.log"))
written = [int(x) for x in re.findall(r"(\d+) records written", out)]
stored = rows()
left = spool_lines()
t.ok(len(written) == 1 and written[0] == stored + left,
     "every record written is stored once or still in the spool: %r = %d stored + %d kept" % (written, stored, left))
c = sqlite3.connect(db)
dups = c.execute("select count(*) from (select link, timestamp from ECHOPROBE_HISTORY where monitor = ? "
                 "group by link, timestamp having count(*) > 1)", (MID,)).fetchone()[0]
c.close()
sdb = sqlite3.connect(os.path.join(central, "data/serve.db"))
confirmed = sdb.execute("select results from monitors where id = ?", (MID,)).fetchone()[0]
sdb.close()
t.eq(dups, 0, "no record stored twice")
t.ok(confirmed >= stored, "the server confirmed %d lines for %d rows (resends upserted)" % (confirmed, stored))
t.eq(glob.glob(os.path.join(box, "data/PROBES/**/*.rejected"), recursive=True), [], "no line refused")
t.ok("refused a token for monitor %d" % MID in srv.output(), "the server logged the revoked token's attempts")
secret = token.split("_")[2]
logs = out + box_output() + srv.output() + sbtest.read(os.path.join(central, "data/logs/access.log"))
t.ok(secret not in logs, "the token is in no log")
t.eq(srv.stop(), 0, "the central server stops cleanly")
t.done()
