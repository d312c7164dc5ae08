#!/usr/bin/python3
"""serve_report_owners.py - the probe workbooks a dashboard account downloads hold only the monitors
its Monitors page shows it: its own, those shared with it, and those nobody registered; an admin's
hold every monitor. Three registered monitors push ping results (one a viewer's, one an admin's
shared with that viewer, one an admin's not shared); the disponibilidad workbook is read back with
openpyxl for each account. `scanbackup report --hide-monitors` is the command line's side of it, a
bad list refused. TAP output."""

import datetime
import io
import os

import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("openpyxl")
if why:
    t.skip_rest(why, ["the probe workbooks by account"])
import openpyxl  # noqa: E402

root = sbtest.tempdir("sbrepown-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\nSERVE_CACHE_SECONDS=0\n")
os.makedirs(os.path.join(root, "data"))
sbweb.add_user(root, "ana", "admin-secret-1", "admin")
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
srv = sbweb.Serve(root)
ana, vic = sbweb.Client(srv.port), sbweb.Client(srv.port)
t.ok(ana.login("ana", "admin-secret-1")[0] == 200 and vic.login("vic", "viewer-secret-2")[0] == 200,
     "an admin and a viewer sign in")

day = (datetime.datetime.utcnow() - datetime.timedelta(days=1)).date()
stamp = datetime.datetime(day.year, day.month, day.day, 12, 0, 0).strftime("%Y-%m-%dT%H:%M:%SZ")


def monitor(client, name, ip):
    """A monitor of client's with one link (name-link, ip), a ping test and a pushed result."""
    st, _, m = client.request("POST", "/api/monitors", {"name": name})
    mid = m["id"]
    client.request("POST", "/api/monitors/%d/links" % mid, {"name": name + "-link", "ip": ip})
    client.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 600, "count": 3})
    token = client.request("POST", "/api/monitors/%d/token" % mid)[2]["token"]
    st, res = sbweb.push(client, mid, token, ["1\t%s\tping\t%s\t0.5\t0\t3\t3" % (stamp, ip)])
    t.ok(st == 200 and res["stored"] == 1, "%s pushes a result" % name, res)
    return mid


mine = monitor(vic, "del-visor", "127.0.0.21")
shared = monitor(ana, "compartido", "127.0.0.22")
hidden = monitor(ana, "ajeno", "127.0.0.23")
st, _, _ = ana.request("POST", "/api/monitors/%d/shares" % shared, {"user": "vic"})
t.eq(st, 200, "the admin shares one of theirs with the viewer")


IPS = {"127.0.0.21": "del-visor", "127.0.0.22": "compartido", "127.0.0.23": "ajeno"}


def monitors_of(wb):
    """The monitors whose link (by its address) a workbook shows."""
    return {IPS[v] for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
            if isinstance(v, str) and v in IPS}


def links_in(client):
    """The monitors of the disponibilidad workbook of the day, as client downloads it."""
    st, h, body = client.get("/api/reports/disponibilidad?date=%s" % day.isoformat())
    if st != 200:
        return st, None
    return st, monitors_of(openpyxl.load_workbook(io.BytesIO(body), read_only=True))


st, names = links_in(ana)
t.ok(st == 200 and names == {"del-visor", "compartido", "ajeno"},
     "the admin's workbook: every monitor's link", (st, names))
st, names = links_in(vic)
t.ok(st == 200 and names == {"del-visor", "compartido"},
     "the viewer's workbook: its own monitor's link and the shared one's, not the other", (st, names))

# the command line's side: the records of the monitors listed are left out
out = os.path.join(root, "cli-out")
r = sbtest.run(["report", "disponibilidad", "--date", day.isoformat(), "--out", out,
                "--hide-monitors", "%d,%d" % (hidden, shared)], root=root)
t.eq(r.returncode, 0, "report --hide-monitors", r.stdout + r.stderr)
wb = openpyxl.load_workbook(os.path.join(out, "Disponibilidad_Enlaces.xlsx"), read_only=True)
got = monitors_of(wb)
t.eq(got, {"del-visor"}, "only the monitor not listed is in the workbook")
r = sbtest.run(["report", "disponibilidad", "--hide-monitors", "3,x"], root=root)
t.ok(r.returncode == 2 and "--hide-monitors 3,x: expected monitor ids" in r.stderr,
     "a bad list: the command line's usage error", r.stderr)
srv.stop()
t.done()
