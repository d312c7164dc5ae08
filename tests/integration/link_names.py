#!/usr/bin/python3
"""link_names.py - links keep the names their monitor.json gives them, end to end: the monitor
pings two loopback addresses and writes the names into its spool (at start and on a rename),
`updater probes` stores them in LINKS_HISTORY beside the results, the two workbooks name each link
and its monitor (read back cell by cell with openpyxl), the dashboard lists the monitor that
nobody registered (marked so) with its links' names and answers them on the link's API, a
registered box pushes its names with its results, and the browser shows it all. TAP output."""

import atexit
import datetime
import glob
import json
import os
import shutil
import signal
import sqlite3
import time

import sbtest
import sbweb

t = sbtest.Tap()
root = sbtest.tempdir("sbnames-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
mods = os.path.join(root, "modules")
os.makedirs(mods)
shutil.copy(os.path.join(sbtest.MODULES_DIR, ".libs", "ping.so"), os.path.join(mods, "ping.so"))
ENV = {"MODULES_DIR": mods, "MONITOR_STOP_GRACE": "5"}
CONFIG = os.path.join(root, "monitor.json")
DB = os.path.join(root, "data/scanbackup.db")
PING = {"interval": 1, "count": 1, "timeout": 0.5}


def config(links):
    text = json.dumps({"sleep_time": 0.2, "tests": {"ping": PING}, "links": links, "id": 7,
                       "name": "Caracas"})
    sbtest.write(CONFIG + ".tmp", text)
    os.replace(CONFIG + ".tmp", CONFIG)


def lines(test, link):
    return sbtest.trace_records(root, test, 7, link)


wait = sbtest.wait_until


def cleanup():
    """The monitor killed if the script ends before it stopped it."""
    try:
        os.kill(int(sbtest.read(os.path.join(root, "data/monitor.pid")).strip()), signal.SIGKILL)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass


atexit.register(cleanup)

# ---- the monitor writes the names into its spool ----
config({"RESIDE Caracas": {"ip": "127.0.0.1", "id": 1}, "Valencia": {"ip": "127.0.0.2", "id": 2}})
r = sbtest.run(["monitor", "check"], root=root, env=ENV)
t.ok(r.returncode == 0, "monitor.json with a monitor name is accepted", r.stdout + r.stderr)
r = sbtest.run(["monitor", "start"], root=root, env=ENV)
t.ok(r.returncode == 0, "monitor start", r.stdout + r.stderr)
t.ok(wait(lambda: len(lines("ping", 1)) >= 2 and len(lines("ping", 2)) >= 2), "ping records of both links")
t.eq([x[1:] for x in lines("links", 1)], [["links", "RESIDE Caracas", "127.0.0.1", "Caracas"]],
     "the spool holds link 1's name, address and monitor name, once")
config({"RESIDE Caracas": {"ip": "127.0.0.1", "id": 1}, "Valencia: troncal/2": {"ip": "127.0.0.2", "id": 2}})
t.ok(wait(lambda: len(lines("links", 2)) == 2), "a rename writes link 2's new name", lines("links", 2))
t.eq([x[2] for x in lines("links", 2)], ["Valencia", "Valencia: troncal/2"], "old name, then the new one")
t.eq(len(lines("links", 1)), 1, "the link not renamed is not written again")
time.sleep(1.5)  # a result or two under the new name
r = sbtest.run(["monitor", "stop"], root=root, env=ENV)
t.ok(r.returncode == 0, "monitor stop", r.stdout + r.stderr)

# ---- into the store beside the results ----
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
t.ok(r.returncode == 0, "updater probes --force", r.stdout + r.stderr)
t.ok(not glob.glob(os.path.join(root, "data/PROBES/links/7/*/*.trace")), "the names left the spool once stored")
db = sqlite3.connect(DB)
names = db.execute("SELECT monitor, link, name, ip, monitor_name FROM LINKS_HISTORY ORDER BY link, timestamp").fetchall()
t.eq(names, [(7, 1, "RESIDE Caracas", "127.0.0.1", "Caracas"), (7, 2, "Valencia", "127.0.0.2", "Caracas"),
             (7, 2, "Valencia: troncal/2", "127.0.0.2", "Caracas")], "LINKS_HISTORY: each naming, with its time")
db.close()
r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
db = sqlite3.connect(DB)
t.eq(db.execute("SELECT COUNT(*) FROM LINKS_HISTORY").fetchone()[0], 3, "a second load changes nothing")
db.close()

# ---- the workbooks ----
today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
out = os.path.join(root, "out")
for name in ("disponibilidad", "latencia"):
    r = sbtest.run(["report", name, "--from", today, "--to", today, "--out", out], root=root, env=ENV)
    t.ok(r.returncode == 0, "report %s" % name, r.stdout + r.stderr)


def read_disponibilidad():
    import openpyxl
    wb = openpyxl.load_workbook(os.path.join(out, "Disponibilidad_Enlaces.xlsx"))
    ws = wb["Disponibilidad"]
    t.eq([c.value for c in ws[3]][:4], ["Enlace", "Id", "Monitor", "IP"], "headers: name, id, monitor, address")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4) if row[1].value is not None]
    t.eq([r[:4] for r in rows], [["RESIDE Caracas", 1, "Caracas", "127.0.0.1"],
                                 ["Valencia: troncal/2", 2, "Caracas", "127.0.0.2"]],
         "each link by its name (the newest), its monitor by its name")
    per = {(r[0], r[2]) for r in ([c.value for c in row] for row in wb["Periodos"].iter_rows(min_row=4))}
    t.eq(per, {("RESIDE Caracas", "Caracas"), ("Valencia: troncal/2", "Caracas")}, "the periods name them too")


def read_latencia():
    import openpyxl
    wb = openpyxl.load_workbook(os.path.join(out, "Latencia_Enlaces.xlsx"))
    t.eq(wb.sheetnames, ["Resumen", "RESIDE Caracas", "Valencia- troncal-2"],
         "a sheet per link named after it (characters a sheet name cannot hold replaced)")
    rs = wb["Resumen"]
    t.eq([[rs.cell(r, c).value for c in (1, 2, 3, 4, 10)] for r in (4, 5)],
         [["RESIDE Caracas", 1, "Caracas", "127.0.0.1", "RESIDE Caracas"],
          ["Valencia: troncal/2", 2, "Caracas", "127.0.0.2", "Valencia- troncal-2"]], "the summary names each link")
    title = wb["RESIDE Caracas"].cell(1, 1).value
    t.ok(title.startswith("RESIDE Caracas (127.0.0.1), Caracas:"), "the map's title names link and monitor", title)


t.case("disponibilidad names the links", read_disponibilidad, needs=("openpyxl",))
t.case("latencia names the links", read_latencia, needs=("openpyxl",))

# ---- the dashboard: a monitor nobody registered, and a box that pushes ----
sbweb.add_user(root, "ana", "admin-secret-1", "admin")
srv = sbweb.Serve(root, env=ENV)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
st, _, body = admin.get("/api/monitors")
mons = {m["id"]: m for m in body.get("monitors", [])} if st == 200 else {}
m7 = mons.get(7, {})
t.ok(st == 200 and m7.get("registered") is False and m7.get("name") == "Caracas" and m7.get("box") == "unregistered",
     "/api/monitors lists the monitor whose results are stored, marked not registered", body)
t.eq([(l["id"], l["name"], l["ip"]) for l in m7.get("links", [])],
     [(1, "RESIDE Caracas", "127.0.0.1"), (2, "Valencia: troncal/2", "127.0.0.2")], "with its links' names")
t.ok(all(l.get("last") and l["last"]["test"] == "ping" for l in m7.get("links", [])), "and their newest results")
st, _, body = admin.get("/api/probes/link?monitor=7&link=1&from=%s&to=%s" % (today, today))
t.ok(st == 200 and body["name"] == "RESIDE Caracas" and body["ip"] == "127.0.0.1" and
     body["monitor_name"] == "Caracas" and body["registered"] is False and body["configured"] is False,
     "the link's API answers its name, not null", {k: body.get(k) for k in ("name", "ip", "monitor_name", "registered")}
     if isinstance(body, dict) else body)

st, _, m = admin.request("POST", "/api/monitors", {"name": "box-push", "id": 3})
admin.request("POST", "/api/monitors/3/links", {"name": "gateway", "ip": "192.0.2.1", "id": 4})
admin.request("PUT", "/api/monitors/3/tests/ping", {"interval": 60})
tok = admin.request("POST", "/api/monitors/3/token")[2]["token"]
now = int(time.time()) // 60 * 60
stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
st, _, res = admin.request("POST", "/api/monitors/3/results",
                           raw="4\t%s\tlinks\tgateway\t192.0.2.1\n4\t%s\tping\t192.0.2.1\t3\t0\t1\t1\n" % (stamp, stamp),
                           headers={"Authorization": "Bearer " + tok, "Content-Type": "text/plain"}, csrf=False)
t.ok(st == 200 and res["new"] == 2 and res["rejected"] == 0, "a box pushes its links' names with its results", res)
st, _, res = admin.request("POST", "/api/monitors/3/results", raw="9\t%s\tlinks\tother\t192.0.2.9\n" % stamp,
                           headers={"Authorization": "Bearer " + tok, "Content-Type": "text/plain"}, csrf=False)
t.ok(st == 200 and res["rejected"] == 1, "a name of a link not in its configuration is refused like a result", res)
db = sqlite3.connect(DB)
t.eq(db.execute("SELECT name, ip FROM LINKS_HISTORY WHERE monitor = 3").fetchall(), [("gateway", "192.0.2.1")],
     "the pushed name is stored")
db.close()
st, _, body = admin.get("/api/monitors")
t.eq(sorted((m["id"], m["registered"]) for m in body.get("monitors", [])), [(3, True), (7, False)],
     "a registered monitor is listed once")

# ---- the browser ----
sbweb.browser(t, srv, "link_names.mjs", "the Monitors page and the link page in headless Chromium", 7,
              user="ana", password="admin-secret-1", date=today)
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
