#!/usr/bin/python3
"""empty_results.py - an empty result is not a success. A scan (and run) of a day no log holds a
sample of exits 4 and says why (a day outside SCAN's ~3 days, a day not ended, logs that could not
be downloaded), spooling nothing; the days an earlier run left are stored all the same. A report
over a period without data exits 4 and keeps the workbook already there (xlsx and csv alike),
unless --force, which replaces it with an empty one; a script that queries nothing is not judged.
The dashboard answers 404 with the same words instead of an empty workbook. Also the old scanner's
positional form `scan FECHA [CAPA]` (and daily, run), and its ambiguous forms refused with what
was expected. Real files, real SQLite, openpyxl, `scanbackup serve` on a loopback port. TAP."""

import datetime
import hashlib
import os
import shutil
import zoneinfo

import sbtest
import sbweb

t = sbtest.Tap()
NO_XLSX = sbtest.missing("openpyxl")
D = sbweb.EXAMPLE_DATE
OLD = "2026-10-01"  # the example logs keep no 5-minute sample of it
TZ = "America/Caracas"

root = sbtest.tempdir("sbempty-")
src = os.path.join(sbtest.TOP_SRCDIR, "examples")
for name in ("sources", "mrtg"):
    shutil.copytree(os.path.join(src, name), os.path.join(root, name))
shutil.copy(os.path.join(src, ".env"), os.path.join(root, ".env"))
reports = os.path.join(root, "data", "reports")


def sb(*args, where=root):
    return sbtest.run(list(args), root=where)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def spooled(layer, day):
    return sbtest.spool_files(root, layer, day)


# ---- the old scanner's positional form ----
p = sb("scan", D, "BORDE")
t.ok(p.returncode == 0 and "scan: %s: 3 interfaces: 3 ok" % D in p.stdout,
     "scan FECHA CAPA: the day and the layer, as scanner.sh took them", p.stdout + p.stderr)
t.ok(spooled("BORDE", D) and not spooled("BRAS", D), "scan FECHA CAPA: only that layer spooled",
     (spooled("BORDE", D), spooled("BRAS", D)))
p = sb("daily", D, "borde")
t.ok(p.returncode == 0 and "daily: %s: 3 interfaces summarised in 1 layers" % D in p.stdout,
     "daily FECHA CAPA (the layer in any case)", p.stdout + p.stderr)
for args, says, what in [
        (["scan", "BORDE"], "'BORDE': expected FECHA [CAPA], a date YYYY-MM-DD first",
         "a layer alone"),
        (["scan", "20-11-2026"], "'20-11-2026': expected FECHA [CAPA], a date YYYY-MM-DD",
         "a date in another format"),
        (["scan", D, "--date", "2026-11-19"], "the day is given twice (--date and %s)" % D,
         "the day twice"),
        (["scan", D, "2026-11-21"], "two dates (%s and 2026-11-21): expected FECHA [CAPA]" % D,
         "two dates"),
        (["scan", D, "BORDE", "BRAS"], "unexpected argument BRAS: expected FECHA [CAPA]",
         "a third argument"),
        (["scan", D, "FRONTERA"], "unknown option or layer 'FRONTERA'", "an unknown layer"),
        (["updater", "data", D, "--force"], "--date and --force exclude each other",
         "a day with --force")]:
    p = sb(*args)
    t.ok(p.returncode == 2 and says in p.stderr, "refused, naming what was expected: " + what,
         (p.returncode, p.stderr))

# ---- a scan that finds nothing ----
p = sb("scan", "--date", OLD)
t.ok(p.returncode == 4, "scan of a day outside the logs' 5 minutes: exit 4", (p.returncode, p.stdout))
t.ok("scan: %s: nothing collected: no interface has a sample of the day" % OLD in p.stdout and
     "probably outside SCAN's window" in p.stdout and "scanbackup backfill" in p.stdout,
     "... says why: the day is probably outside SCAN's window", p.stdout)
t.ok(not spooled(None, OLD), "... and spools nothing", spooled(None, OLD))
alerts = sbtest.read(os.path.join(root, "data/logs/Alertas-SCAN.log"))
t.eq(sum(1 for line in alerts.splitlines() if "%s: 0 of 288 samples" % OLD in line), 16,
     "... each interface with its 0 of 288 samples in Alertas-SCAN.log")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("WARNING [scan] %s: nothing collected" % OLD in log, "... and the reason in ScanBackup.log")
status = [line.split("\t") for line in
          sbtest.read(os.path.join(root, "data/run-status.tsv")).splitlines()]
scan = [f for f in status if f[0] == "scan"]
t.ok(scan and "date=%s" % OLD in scan[0] and "status=empty" in scan[0] and "samples=0" in scan[0],
     "... and the run status says empty (data/run-status.tsv)", scan)

today = datetime.datetime.now(zoneinfo.ZoneInfo(TZ)).date()
later = (today + datetime.timedelta(days=3)).isoformat()
p = sb("scan", later, "IXP")
t.ok(p.returncode == 4 and "%s has not ended yet" % later in p.stdout,
     "scan of a day to come: exit 4, it has not ended", (p.returncode, p.stdout))

gone = sbtest.tempdir("sbempty-gone-")
sbtest.write(os.path.join(gone, ".env"), "TIMEZONE=%s\n" % TZ)
sbtest.write(os.path.join(gone, "sources/SCAN/IXP"),
             "mrtg/ixp/a.html;IXP-A;10;NAP\nmrtg/ixp/b.html;IXP-B;10;NAP\n")
p = sb("scan", D, "IXP", where=gone)
t.ok(p.returncode == 4 and "none of the 2 interfaces could be downloaded" in p.stdout,
     "no log could be read: exit 4, saying so", (p.returncode, p.stdout))

# run: the day left in the spool by the scan above is stored, this one has nothing
p = sb("run", OLD)
t.ok(p.returncode == 4 and "run: %s: nothing collected" % OLD in p.stdout,
     "run FECHA of a day without samples: exit 4, saying why", (p.returncode, p.stdout))
t.ok("updater data: %s: 864 samples from 1 spool files stored" % D in p.stdout and
     not spooled("BORDE", D), "... the day an earlier scan left is stored all the same", p.stdout)
p = sb("run", D)
t.ok(p.returncode == 0, "run of the example day: exit 0", p.stdout + p.stderr)

# ---- reports over a period without data ----
book = os.path.join(reports, "Data_Diario_BBIP.xlsx")
p = sb("diario", "--date", D)
t.ok(p.returncode == 0 and os.path.isfile(book), "diario of a day with data: exit 0", p.stdout)
good = digest(book)
p = sb("diario", "--date", OLD)
t.ok(p.returncode == 4, "diario of a day without data: exit 4", (p.returncode, p.stdout, p.stderr))
t.ok("report diario: no data for %s: kept %s as it was (--force replaces it" % (OLD, book)
     in p.stdout, "... says so, naming the workbook kept", p.stdout)
t.eq(digest(book), good, "... and the last good workbook is untouched")
t.eq(sorted(os.listdir(reports)), ["Data_Diario_BBIP.xlsx"], "... no temporary file left")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok("WARNING [report] report diario: no data for %s in the store" % OLD in log,
     "... a warning in the log, not INFO")
warned = [l for l in log.splitlines() if " WARNING " in l and "no data for %s" % OLD in l]
t.eq(len(warned), 1, "... once: the workbook kept is told as INFO", warned)

p = sb("semanal", "--date", OLD)
t.ok(p.returncode == 4 and "wrote %s (empty: no data from 2026-09-21 to 2026-09-27)" %
     os.path.join(reports, "Data_Semanal_BBIP.xlsx") in p.stdout,
     "no workbook there yet: the empty one is written, said empty, exit 4", p.stdout)

p = sb("diario", "--date", OLD, "--force")
t.ok(p.returncode == 4 and "wrote %s (empty: no data for %s)" % (book, OLD) in p.stdout and
     digest(book) != good, "--force: the empty workbook replaces it, still exit 4", p.stdout)
if NO_XLSX:
    t.skip("the forced workbook holds the headers and no row", NO_XLSX)
else:
    import openpyxl
    wb = openpyxl.load_workbook(book)
    ws = wb["BORDE"]
    t.ok(ws.max_row == 1 and ws["A1"].value == "Interfaz" and
         wb["Resumen"]["A1"].value == "Reporte Diario BBIP",
         "the forced workbook holds the headers and no row", (ws.max_row, ws["A1"].value))
p = sb("diario", "--date", D)
t.ok(p.returncode == 0 and "(empty" not in p.stdout, "a day with data again: exit 0", p.stdout)

csv_path = os.path.join(reports, "Data_Mensual_BBIP.csv")
p = sb("mensual", "--date", "2026-11-30", "--format", "csv")
t.ok(p.returncode == 0 and os.path.isfile(csv_path), "mensual csv with data: exit 0", p.stdout)
good = digest(csv_path)
p = sb("mensual", "--date", "2026-09-30", "--format", "csv")
t.ok(p.returncode == 4 and "kept %s as it was" % csv_path in p.stdout and digest(csv_path) == good,
     "an output file (csv) is kept the same way", p.stdout)

mine = os.path.join(root, "mine")
sbtest.write(os.path.join(mine, "fijo.lua"),
             "-- fijo.lua - Un libro sin consultas\n"
             "local wb = sb.xlsx.workbook(sb.report.output(\"Fijo.xlsx\"))\n"
             "wb:add_worksheet(\"Hoja\"):write_row(0, 0, {\"uno\", 2})\nwb:close()\n")
p = sbtest.run(["report", "fijo", "--date", OLD], root=root, env={"REPORTS_SCRIPTS": mine})
t.ok(p.returncode == 0 and "(empty" not in p.stdout,
     "a script that queries nothing is not judged: exit 0", (p.returncode, p.stdout, p.stderr))

# ---- the dashboard: the same rule, the same words ----
sbweb.add_user(root, "ana", "empty-secret-1", "admin")
srv = sbweb.Serve(root)
c = sbweb.Client(srv.port)
c.login("ana", "empty-secret-1")
st, h, body = c.get("/api/reports/diario?date=" + OLD)
t.ok(st == 404 and isinstance(body, dict) and
     body.get("error") == "report diario: no data for %s in the store" % OLD,
     "dashboard, a day without data: 404 with the command's words, no workbook", (st, body))
st, h, body = c.get("/api/reports/quincenal?segunda=1&date=" + D)
t.ok(st == 200 and 'filename="Data_Quincenal_Segunda_BBIP_2026-11-16_2026-11-30.xlsx"' in
     h.get("content-disposition", "") and body[:2] == b"PK",
     "dashboard, the second fortnight: its workbook named after days 16-30",
     (st, h.get("content-disposition")))
st, h, body = c.get("/api/reports/diario?segunda=1&date=" + D)
t.ok(st == 400 and "second fortnight is quincenal's" in body.get("error", ""),
     "dashboard, segunda of another report: refused", (st, body))
st, h, body = c.get("/api/reports")
flags = {r["name"]: r.get("segunda") for r in body.get("reports", [])}
t.ok(flags.get("quincenal") is True and flags.get("diario") is False and
     flags.get("mensual") is False, "the list says which reports have a second fortnight", flags)
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
