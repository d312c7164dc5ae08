#!/usr/bin/python3
"""serve_report_owners.py - the probe workbooks a dashboard account downloads hold only the monitors
its Monitors page shows it: its own, those shared with it, and those nobody registered; an admin's
hold every monitor. Three registered monitors push ping results (one a viewer's, one an admin's
shared with that viewer, one an admin's not shared); the disponibilidad workbook is read back with
openpyxl for each account. `scanbackup report --hide-monitors` is the command line's side of it, a
bad list refused. The alerts about those monitors (a slow link, a silent box) follow the same rule on
the Alerts page's API and in a report's sb.alerts. TAP output."""

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


now = datetime.datetime.utcnow() - datetime.timedelta(seconds=90)
fresh = now.strftime("%Y-%m-%dT%H:%M:%SZ")


def monitor(client, name, ip):
    """A monitor of client's with one link (name-link, ip), a ping test and two pushed results
    (yesterday noon, and a slow one 90 s ago)."""
    st, _, m = client.request("POST", "/api/monitors", {"name": name})
    mid = m["id"]
    client.request("POST", "/api/monitors/%d/links" % mid, {"name": name + "-link", "ip": ip})
    client.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 600, "count": 3})
    token = client.request("POST", "/api/monitors/%d/token" % mid)[2]["token"]
    st, res = sbweb.push(client, mid, token, ["1\t%s\tping\t%s\t0.5\t0\t3\t3" % (when, ip)
                                              for when in (stamp, fresh)])
    t.ok(st == 200 and res["stored"] == 2, "%s pushes its results" % name, res)
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

# -- the alerts about a monitor: only for the accounts that see it
sbtest.write(os.path.join(root, "alerts.conf"),
             "[rule lento]\nkind = probe\ntest = ping\non = rtt\nover = 0.1\nminutes = 1\n\n"
             "[rule callado]\nkind = silent\nminutes = 1\n")
r = sbtest.run(["alerts", "check"], root=root)
t.ok(r.returncode in (0, 3) and "6 firing" in r.stdout + r.stderr,
     "a slow link and a silent box for each of the three monitors", r.stdout + r.stderr)
NAMES = {mine: "del-visor", shared: "compartido", hidden: "ajeno"}


def alerted(client):
    """The monitors named by the alerts client gets: (firing, changes), each rule:monitor."""
    st, _, a = client.get("/api/alerts")
    if st != 200:
        return st, None, None
    def names(lst):
        return sorted("%s:%s" % (x["rule"], NAMES[int(x["subject"].split("monitor ")[1].split()[0])])
                      for x in lst)
    return st, names(a["firing"]), names(a["changes"])


every = sorted("%s:%s" % (rule, n) for rule in ("callado", "lento") for n in NAMES.values())
st, firing, changes = alerted(ana)
t.ok(st == 200 and firing == every and changes == every, "the admin sees every monitor's alerts",
     (st, firing, changes))
seen = sorted(x for x in every if not x.endswith(":ajeno"))
st, firing, changes = alerted(vic)
t.ok(st == 200 and firing == seen and changes == seen,
     "the viewer sees its own monitor's alerts and the shared one's, not the other's", (st, firing, changes))
st, _, a = vic.get("/api/alerts?q=monitor%%20%d" % hidden)
t.ok(st == 200 and a["changes"] == [] and a["total"] == 0
     and not any(x["subject"].endswith("monitor %d" % hidden) or " monitor %d " % hidden in x["subject"]
                 for x in a["firing"]),
     "searching for the other monitor finds nothing (firing is never filtered, and lacks it too)", a)

sbtest.write(os.path.join(root, "misreportes/alertas.lua"), r'''
local out = sb.output_file(sb.report.output("alertas.txt"))
for _, a in ipairs(sb.alerts{}) do out:write(a.rule, " ", a.subject, "\n") end
out:close()
''')
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) + "REPORTS_SCRIPTS=misreportes\n")
r = sbtest.run(["report", "alertas", "--out", out, "--hide-monitors", str(hidden)], root=root)
got = sbtest.read(os.path.join(out, "alertas.txt")).splitlines() if r.returncode == 0 else []
t.ok(len(got) == 4 and not any(" monitor %d" % hidden in g or g.endswith("monitor %d" % hidden) for g in got),
     "sb.alerts leaves out the alerts of the monitors the report hides", r.stdout + r.stderr + "\n".join(got))
r = sbtest.run(["report", "alertas", "--out", out], root=root)
got = sbtest.read(os.path.join(out, "alertas.txt")).splitlines() if r.returncode == 0 else []
t.eq(len(got), 6, "and gives them all without --hide-monitors", r.stdout + r.stderr)
srv.stop()
t.done()
