#!/usr/bin/python3
"""probe_figures.py - the dashboard and the workbooks give the same probe figures: ping records
with irregular steps (their most common gap is not their median gap), silences longer than three
steps and an hour whose mean RTT is not its median go into SQLite; then the dashboard's
/api/probes/link answer is compared, link by link, with the cells of Disponibilidad_Enlaces.xlsx
and Latencia_Enlaces.xlsx read back with openpyxl: availability, expected step, every period,
longest up and down, active hours and days, and every heat-map cell. TAP output; without
python3-openpyxl the comparisons are reported as skips."""

import datetime
import os
import subprocess
import zoneinfo

import sbtest
import sbweb

t = sbtest.Tap()

TZ = "America/Caracas"  # UTC-4: local hours are not UTC hours
ZONE = zoneinfo.ZoneInfo(TZ)
FROM, TO = "2026-11-20", "2026-11-21"
T0 = int(datetime.datetime(2026, 11, 20, tzinfo=ZONE).timestamp())
MONITOR = 7

root = sbtest.tempdir("sbprobefig-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n" % TZ)
os.makedirs(os.path.join(root, "data"))
DB = os.path.join(root, "data/scanbackup.db")
CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")


def stamp(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(ts, rtt=None, loss=0.0):
    """A trace line: rtt None is a record without any reply."""
    if rtt is None:
        return "%s\tping\t127.0.0.9\t-1.000\t100.0\t3\t0" % stamp(ts)
    return "%s\tping\t127.0.0.9\t%.3f\t%.1f\t3\t%d" % (stamp(ts), rtt, loss, 3 if loss == 0 else 2)


DOWN1 = []  # the times of link 1's first down spell


def link1():
    """Gaps cycle 59, 59, 61, 62, 64 s (most common 59, median 61); down 00:50-01:20 local; a
    silence 03:00-05:00; hour 05 holds RTTs whose mean (about 10) is far from their median (1);
    then a silence to the second day, of 2-minute steps with a down spell across a 150 s gap."""
    out, ts, i = [], T0, 0
    cycle = (59, 59, 61, 62, 64)
    while ts < T0 + 3 * 3600:
        m = (ts - T0) // 60
        down = 50 <= m < 80
        if down:
            DOWN1.append(ts)
        out.append(record(ts, None if down else 2.0 + (m % 7) * 0.25, 33.3 if m % 11 == 0 else 0.0))
        ts += cycle[i % 5]
        i += 1
    ts = T0 + 5 * 3600
    while ts < T0 + 6 * 3600:
        m = (ts - T0) // 60
        out.append(record(ts, 50.0 if m % 5 == 0 else 1.0))
        ts += cycle[i % 5]
        i += 1
    day2 = T0 + 86400 + 8 * 3600
    for k in range(30):
        ts = day2 + 120 * k + (30 if k >= 20 else 0)
        out.append(record(ts, None if 10 <= k < 20 else 4.0 + k % 3))
    return out


def link2():
    """Never answered in hour 00, answered in hour 02 after a silence."""
    out = [record(T0 + 60 * k) for k in range(30)]
    out += [record(T0 + 2 * 3600 + 60 * k, 7.0 + k % 2) for k in range(10)]
    return out


for link, lines in ((1, link1()), (2, link2())):
    path = os.path.join(root, "l%d.trace" % link)
    sbtest.write(path, "\n".join(lines) + "\n")
    r = subprocess.run([CLI, "-m", sbtest.MODULES_DIR, "sqlite:" + DB, "put-records", str(MONITOR), str(link), path],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "%d records of link %d stored" % (len(lines), link), r.stderr)

# the workbooks
out = os.path.join(root, "out")
paths = {}
for name, f in (("disponibilidad", "Disponibilidad_Enlaces.xlsx"), ("latencia", "Latencia_Enlaces.xlsx")):
    r = sbtest.run(["report", name, "--from", FROM, "--to", TO, "--out", out], root=root)
    paths[name] = os.path.join(out, f)
    t.ok(r.returncode == 0 and os.path.exists(paths[name]), "report %s writes its workbook" % name,
         r.stdout + r.stderr)

# the dashboard
sbweb.add_user(root, "vic", "viewer-secret-9", "viewer")
srv = sbweb.Serve(root)
try:
    viewer = sbweb.Client(srv.port)
    t.eq(viewer.login("vic", "viewer-secret-9")[0], 200, "signed in to the dashboard")
    api = {}
    for link in (1, 2):
        st, _, body = viewer.get("/api/probes/link?monitor=%d&link=%d&from=%s&to=%s" % (MONITOR, link, FROM, TO))
        t.eq(st, 200, "the dashboard answers for link %d" % link)
        api[link] = {x["test"]: x for x in body.get("tests", [])}.get("ping", {})
finally:
    srv.stop()


def local(ts):
    return datetime.datetime.fromtimestamp(ts, ZONE).strftime("%Y-%m-%d %H:%M:%S")


av1 = api[1]["availability"]
t.ok(av1["step"] == 61 and len([p for p in av1["periods"] if p["state"] == "none"]) == 2,
     "link 1: the expected step is the median gap (61 s, not the most common 59 s); two silences",
     (av1["step"], [p["state"] for p in av1["periods"]]))
t.ok(av1["longest_down"] == DOWN1[-1] - DOWN1[0] + 61,
     "link 1: the longest down runs from its first down record to its last plus one step",
     av1["longest_down"])
t.eq(api[1]["heatmap"]["value"][0][5], 1.0, "hour 05 shows the median RTT (1 ms), not the mean (about 10 ms)")


def compare_availability():
    """Each link's row and periods in Disponibilidad_Enlaces.xlsx against the dashboard."""
    import openpyxl
    wb = openpyxl.load_workbook(paths["disponibilidad"])
    state = {"up": "Arriba", "down": "Abajo", "none": "Sin datos"}
    ws = wb["Disponibilidad"]
    rows = {r[1]: r[1:] for r in ([c.value for c in row] for row in ws.iter_rows(min_row=4)) if r[1] is not None}
    periods = [[c.value for c in row] for row in wb["Periodos"].iter_rows(min_row=4)]
    for link in (1, 2):
        av, hm, row = api[link]["availability"], api[link]["heatmap"], rows.get(link)
        t.ok(row is not None, "link %d has its row in the workbook" % link)
        if row is None:
            continue
        t.ok(row[3] == av["records"] and row[4] == av["up"] and abs(row[6] - av["pct"]) < 1e-9,
             "link %d: records, answered and availability %% agree" % link, (row[3:7], av["records"], av["up"], av["pct"]))
        t.eq(row[9], av["step"], "link %d: the same expected step" % link)
        t.ok(abs(row[12] * 60 - av["longest_up"]) < 1e-6 and abs(row[13] * 60 - av["longest_down"]) < 1e-6,
             "link %d: longest up and longest down agree (%d s, %d s)" % (link, av["longest_up"], av["longest_down"]),
             (row[12:14], av["longest_up"], av["longest_down"]))
        t.ok((row[7], row[8]) == (hm["active_hours"], hm["active_days"]),
             "link %d: active hours and days agree" % link, (row[7:9], hm["active_hours"], hm["active_days"]))
        want = [[state[p["state"]], local(p["start"]), local(p["end"])] for p in av["periods"]]
        got = [p[3:6] for p in periods if p[1] == link]
        t.ok(len(want) > 2 and got == want, "link %d: the same %d periods, state, start and end" % (link, len(want)),
             (got, want))

def compare_heatmap():
    """Every cell of each link's sheet in Latencia_Enlaces.xlsx against the dashboard's map."""
    import openpyxl
    lat = openpyxl.load_workbook(paths["latencia"])
    for link in (1, 2):
        hm = api[link]["heatmap"]
        ws = lat["Enlace %d" % link]
        t.eq([ws.cell(4, 2 + d).value for d in range(2)], [x[5:] for x in hm["days"]], "link %d: the same days" % link)
        bad = []
        for d in range(len(hm["days"])):
            for h in range(24):
                rtt, loss = hm["value"][d][h], hm["loss"][d][h]
                cell = ws.cell(5 + h, 2 + d).value
                if rtt is not None:
                    good = isinstance(cell, (int, float)) and round(cell, 3) == rtt
                elif loss is not None:
                    good = cell == "sin resp."
                else:
                    good = cell is None
                if not good:
                    bad.append((hm["days"][d], h, rtt, loss, cell))
        t.ok(not bad, "link %d: every heat-map cell agrees with the dashboard" % link, bad[:5])
    t.ok(lat["Enlace 1"].cell(10, 2).value == 1.0, "the workbook's hour 05 holds the median RTT too",
         lat["Enlace 1"].cell(10, 2).value)


t.case("the availability workbook agrees with the dashboard", compare_availability, needs=("openpyxl",))
t.case("the latency workbook agrees with the dashboard", compare_heatmap, needs=("openpyxl",))
t.done()
