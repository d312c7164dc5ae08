#!/usr/bin/python3
"""probe_iperf.py - the iperf3 test and ping's spread, end to end on loopback: the monitor runs the
iperf3 module (libiperf, in a child of the monitor) against a real `iperf3 -s` on an ephemeral port
for one second a run, and against an address where no server listens (a run with iperf3's error and
no rate: the link down), and ping on both; `updater probes` loads IPERF3_HISTORY and PING_HISTORY;
the dashboard's link API shows the throughput and the jitter; the mediciones workbook (read back
with openpyxl, cell by cell) agrees with the table. TAP output."""

import json
import os
import socket
import sqlite3
import subprocess
import time

import sbtest
import sbweb

t = sbtest.Tap()
reason = sbtest.missing("iperf3")
if reason:
    t.skip_rest(reason)
root = sbtest.tempdir("sbiperf-")
ENV = {"MONITOR_STOP_GRACE": "3"}
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
LOG = os.path.join(root, "data/logs/monitor.log")

port = sbtest.free_port()
server = subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
# 127.0.0.1 has the server; nothing listens on 127.0.0.2 at that port (the server is bound to .1)
links = {"srv": {"status": True, "ip": "127.0.0.1", "id": 1},
         "none": {"status": True, "ip": "127.0.0.2", "id": 2}}
conf = {"id": 6, "sleep_time": 0.2, "links": links,
        "tests": {"iperf3": {"interval": 3, "port": port, "duration": 1, "connect_timeout": 2},
                  "ping": {"interval": 1, "count": 3, "probe_interval": 0.05, "timeout": 1}}}
sbtest.write(os.path.join(root, "monitor.json"), json.dumps(conf))


def lines(test, link):
    return sbtest.trace_records(root, test, 6, link)


def log():
    return sbtest.read(LOG) if os.path.exists(LOG) else ""


for _ in range(50):  # the server listens
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
try:
    r = sbtest.run(["monitor", "start"], root=root, env=ENV)
    t.ok(r.returncode == 0, "the monitor starts with iperf3 and ping", r.stdout + r.stderr)
    try:
        t.ok(sbtest.wait_until(lambda: len(lines("iperf3", 1)) >= 2 and len(lines("iperf3", 2)) >= 1 and
                  len(lines("ping", 1)) >= 3, timeout=40),
             "iperf3 and ping records of both links", log()[-2000:])
    finally:
        sbtest.run(["monitor", "stop"], root=root, env=ENV)
finally:
    server.terminate()
    server.wait(10)

r = sbtest.run(["updater", "probes", "--force"], root=root, env=ENV)
t.ok(r.returncode == 0, "updater probes --force", r.stdout + r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
db.row_factory = sqlite3.Row
ip = [dict(x) for x in db.execute("SELECT * FROM IPERF3_HISTORY ORDER BY link, timestamp")]
good = [x for x in ip if x["link"] == 1]
bad = [x for x in ip if x["link"] == 2]
t.ok(good and all(x["received"] > 1e6 and x["sent"] >= x["received"] * 0.5 and x["error"] is None and
                  x["port"] == port and x["ip"] == "127.0.0.1" and x["reverse"] == 0 and
                  0.5 <= x["seconds"] <= 5 and x["retransmits"] is not None for x in good),
     "IPERF3_HISTORY: each run against iperf3 -s, its rates in bit/s, the time it ran", good)
t.ok(bad and all(x["received"] is None and x["sent"] is None and "connect" in (x["error"] or "")
                 for x in bad),
     "a run where no server listens: iperf3's error, no rate", bad)
cols = [c[1] for c in db.execute("PRAGMA table_info(IPERF3_HISTORY)")]
t.eq(cols, ["monitor", "link", "timestamp", "date", "time", "ip", "port", "received", "sent", "retransmits",
            "seconds", "reverse", "error"], "the table's columns follow the module's declaration")
pings = [dict(x) for x in db.execute("SELECT * FROM PING_HISTORY WHERE link = 1 ORDER BY timestamp")]
t.ok(pings and all(x["received"] == 3 and 0 <= x["min"] <= x["rtt"] <= x["max"] and
                   0 <= x["jitter"] <= x["max"] - x["min"] for x in pings),
     "PING_HISTORY: min, max and jitter of each run", pings[:3])
db.close()

# ---- the dashboard's link page ----
sbweb.add_user(root, "vic", "viewer-secret-7", "viewer")
srv = sbweb.Serve(root, env=ENV)
try:
    viewer = sbweb.Client(srv.port)
    viewer.login("vic", "viewer-secret-7")
    st, _, body = viewer.get("/api/probes/link?monitor=6&link=1")
    tests = {x["test"]: x for x in body.get("tests", [])} if st == 200 else {}
    ipf, png = tests.get("iperf3", {}), tests.get("ping", {})
    fields = {f["name"]: f for f in ipf.get("fields", [])}
    t.ok(st == 200 and ipf.get("headline") == "received" and ipf.get("up") == "received" and
         fields.get("received", {}).get("unit") == "bit/s" and
         sorted(ipf.get("values", {}).get("received", [])) == sorted(x["received"] for x in good) and
         ipf["availability"]["pct"] == 100,
         "the link page: iperf3's throughput series in bit/s, the link up", body)
    t.ok(sorted(v for v in png.get("values", {}).get("jitter", []) if v is not None) ==
         sorted(round(x["jitter"], 3) for x in pings),
         "the link page: ping's jitter series", png.get("values", {}).get("jitter"))
    st, _, body = viewer.get("/api/probes/link?monitor=6&link=2")
    tests = {x["test"]: x for x in body.get("tests", [])} if st == 200 else {}
    t.ok(st == 200 and tests.get("iperf3", {}).get("availability", {}).get("pct") == 0 and
         tests["iperf3"]["last"].get("error"),
         "the link without a server: iperf3 down, its error shown", body)
finally:
    srv.stop()

# ---- the mediciones workbook ----
out = os.path.join(root, "out")
today = time.strftime("%Y-%m-%d", time.gmtime())
yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))  # a run may cross midnight
r = sbtest.run(["report", "mediciones", "--from", yesterday, "--to", today, "--out", out], root=root, env=ENV)
path = os.path.join(out, "Mediciones_Enlaces.xlsx")
t.ok(r.returncode == 0 and os.path.exists(path), "report mediciones writes its workbook", r.stdout + r.stderr)


def near(a, b):
    """a workbook's number (written with 16 significant digits) against its value"""
    return isinstance(a, (int, float)) and abs(a - b) <= 1e-9 * max(1, abs(b))


def workbook(ck):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ck.ok({"iperf3", "ping"} <= set(wb.sheetnames), "a sheet per test with records", wb.sheetnames)
    ws = wb["iperf3"]
    head = [c.value for c in ws[3]]
    ck.eq(head[:7], ["Enlace", "Monitor", "Registros", "Disponibilidad (%)", "port media", "port mín.",
                     "port máx."], "iperf3: the header")
    col = head.index("received (bit/s) media")
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    g, b = rows.get(1), rows.get(2)
    rec = [x["received"] for x in good]
    ck.ok(g is not None and g[1:4] == (6, len(good), 100) and near(g[col], sum(rec) / len(rec)) and
          near(g[col + 1], min(rec)) and near(g[col + 2], max(rec)),
          "iperf3, link 1: records, availability, mean, min and max throughput", (g, rec))
    ck.ok(b is not None and b[2:4] == (len(bad), 0) and b[col] is None,
          "iperf3, link 2: down, no throughput", b)
    ws = wb["ping"]
    head = [c.value for c in ws[3]]
    col = head.index("jitter (ms) media")
    jit = [x["jitter"] for x in pings]
    p = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}.get(1)
    ck.ok(p is not None and p[2] == len(pings) and near(p[col], sum(jit) / len(jit)) and
          near(p[col + 1], min(jit)) and near(p[col + 2], max(jit)),
          "ping, link 1: the mean, min and max jitter", (p, jit))


reason = sbtest.missing("openpyxl")
if reason:
    t.skip("mediciones: the workbook read back, cell by cell", reason)
else:
    t.check("mediciones: the workbook read back, cell by cell", workbook)
t.done()
