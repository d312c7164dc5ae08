#!/usr/bin/python3
"""monitor_reports.py - the monitor's reports over ping records in SQLite, read with the record the
ping module declares: disponibilidad.lua
(availability %, continuous up and down periods, active hours and days) and latencia.lua (an
RTT heat map hour x day per link with a colour scale), read back with openpyxl. TAP output; without
python3-openpyxl the reports still run and the reading back is reported as skips."""

import os
import subprocess

import sbtest

t = sbtest.Tap()
NEEDS = ("openpyxl",)

root = sbtest.tempdir("sbmonrep-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
os.makedirs(os.path.join(root, "data"))
DB = os.path.join(root, "data/scanbackup.db")
CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")
T0 = 1795132800  # 2026-11-20 00:00:00 UTC


def stamp(ts):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# link 1: a sample a minute 00:00-01:59, no reply 00:30-00:44; rtt 1 ms in hour 0, 3 ms in hour 1
lines = []
for i in range(120):
    ts = T0 + 60 * i
    if 30 <= i < 45:
        lines.append("%s\tping\t127.0.0.1\t-1.000\t100.0\t3\t0" % stamp(ts))
    else:
        lines.append("%s\tping\t127.0.0.1\t%.3f\t0.0\t3\t3" % (stamp(ts), 1.0 if i < 60 else 3.0))
sbtest.write(os.path.join(root, "l1.trace"), "\n".join(lines) + "\n")
# link 2: hour 0 never answered
sbtest.write(os.path.join(root, "l2.trace"), "\n".join(
    "%s\tping\t127.0.0.2\t-1.000\t100.0\t3\t0" % stamp(T0 + 60 * i) for i in range(60)) + "\n")
for link, f in ((1, "l1.trace"), (2, "l2.trace")):
    r = subprocess.run([CLI, "-m", sbtest.MODULES_DIR, "sqlite:" + DB, "put-records", "7", str(link), os.path.join(root, f)],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "records of link %d stored" % link, r.stderr)

out = os.path.join(root, "out")
r = sbtest.run(["report", "disponibilidad", "--from", "2026-11-20", "--to", "2026-11-20", "--out", out], root=root)
path = os.path.join(out, "Disponibilidad_Enlaces.xlsx")
t.ok(r.returncode == 0 and os.path.exists(path), "report disponibilidad writes its workbook", r.stdout + r.stderr)


def read_disponibilidad(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = wb["Disponibilidad"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    byl = {r[1]: r for r in rows if r[1] is not None}
    l1 = byl.get(1)
    t.ok(l1 is not None and l1[0] == "Enlace 1" and l1[2] == "Monitor 7",
         "a link its monitor never named goes by its number", l1)
    t.ok(l1 is not None and l1[4] == 120 and l1[5] == 105 and l1[6] == 15 and abs(l1[7] - 87.5) < 1e-9,
         "link 1: 120 samples, 105 answered, 87.5 %", l1)
    t.ok(l1 is not None and l1[8] == 2 and l1[9] == 1 and l1[10] == 60, "active hours 2, active days 1, interval 60 s", l1)
    t.ok(byl.get(2) and byl[2][7] == 0 and byl[2][8] == 0, "link 2: 0 %, no active hour", byl.get(2))
    ps = wb["Periodos"]
    per = [[c.value for c in row] for row in ps.iter_rows(min_row=4) if row[1].value == 1]
    t.ok([p[3] for p in per] == ["Arriba", "Abajo", "Arriba"], "link 1: up, down, up", per)
    t.ok(per and per[1][4] == "2026-11-20 00:30:00" and per[1][5] == "2026-11-20 00:45:00" and per[1][6] == "00:15:00"
         and per[1][8] == 15, "the down period: start, end, length, samples", per[1] if len(per) > 1 else per)
    t.ok(per and per[2][5] == "2026-11-20 02:00:00" and abs(per[2][7] - 75) < 1e-9, "the last period ends one interval after its last sample", per)


t.case("disponibilidad: the workbook read back", read_disponibilidad, path, needs=NEEDS)

r = sbtest.run(["report", "latencia", "--from", "2026-11-19", "--to", "2026-11-20", "--out", out], root=root)
path = os.path.join(out, "Latencia_Enlaces.xlsx")
t.ok(r.returncode == 0 and os.path.exists(path), "report latencia writes its workbook", r.stdout + r.stderr)


def read_latencia(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    t.ok(wb.sheetnames == ["Resumen", "Enlace 1", "Enlace 2"], "a summary and a sheet per link", wb.sheetnames)
    ws = wb["Enlace 1"]
    t.ok(ws.cell(4, 2).value == "11-19" and ws.cell(4, 3).value == "11-20" and ws.cell(5, 1).value == "00:00"
         and ws.cell(28, 1).value == "23:00", "hours down, days across", [ws.cell(4, c).value for c in range(1, 4)])
    t.ok(ws.cell(5, 3).value == 1.0 and ws.cell(6, 3).value == 3.0 and ws.cell(5, 2).value is None,
         "cells: the hour's median RTT; empty without records", [ws.cell(r, 3).value for r in (5, 6, 7)])
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    t.ok(any(r.type == "colorScale" for r in rules), "a colour scale over the map", [r.type for r in rules])
    t.ok(wb["Enlace 2"].cell(5, 3).value == "sin resp.", "an hour without any reply is marked")
    rs = wb["Resumen"]
    t.ok(rs.cell(4, 2).value == 1 and rs.cell(4, 7).value == 3.0 and rs.cell(4, 8).value == 1.0,
         "summary: median, minimum", [c.value for c in rs[4]])
    # two days make a map three columns of 7 wide: the title and the legend span more
    merged = sorted(str(m) for m in ws.merged_cells.ranges)
    spans = {m.min_row: m.max_col for m in ws.merged_cells.ranges if m.min_col == 1}
    t.ok(ws.cell(1, 1).value.startswith("Enlace 1") and spans.get(1, 0) > 3 and
         ws.cell(2, 1).value.startswith("Escala:") and spans.get(2, 0) > spans.get(1, 0),
         "a narrow map's title and legend merged over the columns they need", merged)
    t.ok(ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$4" and
         ws.oddFooter.center.text == "Período 2026-11-19 a 2026-11-20",
         "printed landscape, title, legend and hours header on every page, the period below",
         (ws.page_setup.orientation, ws.print_title_rows, ws.oddFooter.center.text))


t.case("latencia: the workbook read back", read_latencia, path, needs=NEEDS)

# a script of the team's own over the same functions: the figures, and a missing argument
mine = os.path.join(root, "mios")
sbtest.write(os.path.join(mine, "caidas.lua"), """-- caidas.lua - longest down per link.
local f = sb.output_file(sb.report.output("caidas.txt"))
for _, L in ipairs(sb.probes.availability{test = "ping", from = "2026-11-20", to = "2026-11-20"}) do
	f:write(L.link, " ", L.longest_down, " ", L.step, " ", #L.periods, " ", L.newest.ip, "\\n")
end
local h = sb.probes.heatmap{test = "ping", from = "2026-11-20", to = "2026-11-20", link = 1}
f:write(#h, " ", h[1].cells[1][0].value, " ", h[1].cells[1][1].value, " ", h[1].median, "\\n")
local n, down = 0, 0
for _, r in ipairs(sb.probes("ping", {from = "2026-11-20", to = "2026-11-20", link = 1})) do
	n = n + 1
	if r.received == 0 then down = down + 1 end
end
f:write(n, " ", down, "\\n")
f:close()
""")
sbtest.write(os.path.join(mine, "sinfin.lua"), "-- sinfin.lua - no end date.\nsb.probes.heatmap{test = 'ping', from = '2026-11-20'}\n")
sbtest.write(os.path.join(mine, "sintest.lua"), "-- sintest.lua - no test.\nsb.probes.heatmap{from = '2026-11-20', to = '2026-11-20'}\n")
sbtest.write(os.path.join(mine, "otro.lua"), "-- otro.lua - a test no module declares.\nsb.probes('smoke', {})\n")
env = {"REPORTS_SCRIPTS": "mios"}
r = sbtest.run(["report", "caidas", "--out", out], root=root, env=env)
got = sbtest.read(os.path.join(out, "caidas.txt")) if r.returncode == 0 else r.stdout + r.stderr
t.eq(got, "1 900 60 3 127.0.0.1\n2 3600 60 1 127.0.0.2\n1 1.0 3.0 3.0\n120 15\n",
     "sb.probes.availability, sb.probes.heatmap and sb.probes(test, ...) in a script of one's own")
r = sbtest.run(["report", "sinfin", "--out", out], root=root, env=env)
t.ok(r.returncode != 0 and "sb.probes.heatmap: from and to are required" in r.stdout + r.stderr,
     "a missing date is an error naming the function", r.stdout + r.stderr)
r = sbtest.run(["report", "sintest", "--out", out], root=root, env=env)
t.ok(r.returncode != 0 and "sb.probes.heatmap: test is required" in r.stdout + r.stderr,
     "so is a missing test", r.stdout + r.stderr)
r = sbtest.run(["report", "otro", "--out", out], root=root, env=env)
t.ok(r.returncode != 0 and "sb.probes: no probe module 'smoke'" in r.stdout + r.stderr,
     "and a test no module declares", r.stdout + r.stderr)
t.done()
