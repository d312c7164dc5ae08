#!/usr/bin/python3
"""forecast.py - the capacity forecast against series of known slopes: 5-minute samples of a few
interfaces stored through the store's own code, the `pronostico` workbook read cell by cell with
openpyxl, each daily 95th percentile, fit and crossing day computed here independently
(docs/forecast.md); each reason a date is not given; and the dashboard's /api/forecast giving the
very same figures. TAP output."""

import datetime
import math
import os
import subprocess

import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("openpyxl")
if why:
    t.skip_rest(why)
import openpyxl  # noqa: E402

F = 8.022e-9
LAST = datetime.date(2026, 11, 9)
DAYS = 60
FIRST_WINDOW = LAST - datetime.timedelta(days=DAYS - 1)
STORE_CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")


def rising(d, i):
    """Bytes/s of sample i of day d: 250 MB/s plus 5 MB/s a day, under a swing within the day."""
    return 250000000 + 5000000 * d - 1000 * (i % 20)


# (layer, name, type, capacity, first day index, last day index, in(d, i))
IFACES = [
    ("BORDE", "BORDE-A SUBIENDO", "CISCO", 10, 0, 39, rising),
    ("BORDE", "BORDE-B PLANO", "HUAWEI", 10, 0, 39, lambda d, i: 300000000 - 500 * (i % 7)),
    ("BORDE", "BORDE-C NUEVO", "HUAWEI", 10, 30, 39, rising),
    ("BORDE", "BORDE-D SIN CAPACIDAD", "ZTE", 0, 0, 39, rising),
    ("BRAS", "BRAS-E LLENO", "UPLINK", 1, 0, 39, lambda d, i: 120000000 + 10000 * d),
    ("BORDE", "BORDE-F VIEJO", "CISCO", 10, -70, -51, lambda d, i: 400000000),  # before the window
    ("BORDE", "BORDE-G BAJANDO", "CISCO", 10, 0, 39, lambda d, i: 600000000 - 4000000 * d - 300 * (i % 5)),
]
DAY0 = datetime.date(2026, 10, 1)


def samples(iface):
    layer, name, typ, cap, d0, d1, fn = iface
    for d in range(d0, d1 + 1):
        date = DAY0 + datetime.timedelta(days=d)
        for i in range(288):
            v = fn(d, i)
            out = v // 2
            yield date, "%02d:%02d:00" % ((i * 5) // 60, (i * 5) % 60), v, v + 5000000, out, out + 100


root = sbtest.tempdir("sbforecast-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\nDATABASE_URI=sqlite:data/scanbackup.db\n"
             "FORECAST_DAYS=%d\n" % DAYS)
os.makedirs(os.path.join(root, "data"))
db = os.path.join(root, "data", "scanbackup.db")
for layer in ("BORDE", "BRAS"):
    lines = []
    for iface in IFACES:
        if iface[0] != layer:
            continue
        for date, tm, vin, vmax, vout, omax in samples(iface):
            lines.append("%s;%s;%s;%s;%d;%d;%d;%d;%d" % (iface[1], iface[2], date, tm, iface[3], vin,
                                                          vmax, vout, omax))
    path = os.path.join(root, layer + ".txt")
    sbtest.write(path, "\n".join(lines) + "\n")
    p = subprocess.run([STORE_CLI, "sqlite:" + db, "put-history", layer, path], capture_output=True,
                       text=True)
    t.eq(p.returncode, 0, "%s: %d samples stored" % (layer, len(lines)), p.stderr)


def p95(values):
    v = sorted(values)
    return v[(len(v) * 95 + 99) // 100 - 1]


def expected(iface):
    """The row the workbook must hold, computed from the samples."""
    layer, name, typ, cap, d0, d1, fn = iface
    xs, ys, ks = [], [], []
    by_day = {}
    for date, tm, vin, vmax, vout, omax in samples(iface):
        if FIRST_WINDOW <= date <= LAST:
            by_day.setdefault(date, []).append((vin, vmax, vout, omax))
    for date in sorted(by_day):
        rows = by_day[date]
        xs.append(date.toordinal())
        ys.append(max(p95([r[0] for r in rows]), p95([r[2] for r in rows])) * F)
        ks.append(max(max(r[1] for r in rows), max(r[3] for r in rows)) * F)

    def fit(y):
        n = len(xs)
        mx, my = sum(xs) / n, sum(y) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        sxy = sum((x - mx) * (v - my) for x, v in zip(xs, y))
        syy = sum((v - my) ** 2 for v in y)
        m = sxy / sxx
        b = my - m * mx
        r2 = sxy * sxy / (sxx * syy) if syy > 0 else 1.0
        return m, b, r2, b + m * xs[-1]

    m, b, r2, last = fit(ys)
    km, kb, kr2, klast = fit(ks)
    limit = cap * 0.8 if cap > 0 else None
    cross = until = None
    if len(xs) < 30:
        status = "pocos días"
    elif r2 < 0.5:
        status = "sin tendencia clara"
    elif limit is not None and last >= limit:
        status = "ya supera el umbral"
    elif m <= 0:
        status = "no crece"
    elif limit is None:
        status = "sin capacidad"
    elif (limit - b) / m - xs[-1] > 365:
        status = "más allá del horizonte"
    else:
        day = math.ceil((limit - b) / m)
        cross = datetime.date.fromordinal(day).isoformat()
        until = day - LAST.toordinal()
        status = "fecha proyectada"
    return [layer, name, typ, cap if cap > 0 else None, len(xs), last, m, r2, klast, km, kr2,
            limit if limit is not None else "sin capacidad", cross, until, status]


p = sbtest.run(["report", "pronostico", "--date", LAST.isoformat()], root=root)
t.eq(p.returncode, 0, "report pronostico runs", p.stdout + p.stderr)
path = os.path.join(root, "data", "reports", "Data_Pronostico_BBIP.xlsx")
HEAD = ["Capa", "Interfaz", "Tipo", "Capacidad", "Días", "P95 actual (Gbps)", "P95 pendiente (Gbps/día)",
        "P95 R²", "Pico actual (Gbps)", "Pico pendiente (Gbps/día)", "Pico R²", "Umbral (Gbps)",
        "Cruce del umbral", "Días hasta el cruce", "Estado"]
want = [expected(i) for i in IFACES if i[1] != "BORDE-F VIEJO"]
# soonest crossing first, then by layer, type, name
want.sort(key=lambda r: (r[12] is None, r[12] or "", r[0], r[2], r[1]))


def sheet(ck):
    wb = openpyxl.load_workbook(path)
    ck.eq(wb.sheetnames, ["Pronóstico"], "one sheet, Pronóstico")
    ws = wb["Pronóstico"]
    ck.eq([c.value for c in ws[1]][:len(HEAD)], HEAD, "the header")
    for r, row in enumerate(want, start=2):
        got = [c.value for c in ws[r]][:len(HEAD)]
        for col, (g, w) in enumerate(zip(got, row)):
            what = "row %d (%s) %s" % (r, row[1], HEAD[col])
            if isinstance(w, float):
                ck.ok(isinstance(g, (int, float)) and abs(g - w) <= 1e-9 * max(1.0, abs(w)),
                      what, "got %r, want %r" % (g, w))
            else:
                ck.eq(g, w, what)
    ck.eq(ws.cell(row=len(want) + 2, column=2).value, None, "no other interface (none before the window)")


t.check("the Pronóstico sheet, cell by cell", sheet)
a = expected(IFACES[0])
t.ok(a[-1] == "fecha proyectada" and a[12] is not None and abs(a[6] - 5000000 * F) < 1e-9,
     "the rising link: its known slope (5 MB/s a day) and a date", a)
t.eq(expected(IFACES[2])[-1], "pocos días", "ten days: too few")
t.eq(expected(IFACES[4])[-1], "ya supera el umbral", "the full link: already over")
t.eq(expected(IFACES[6])[-1], "no crece", "the falling link: not rising")
t.eq(expected(IFACES[1])[-1], "sin tendencia clara", "the flat one swinging within its days: no clear trend")
t.eq(expected(IFACES[3])[-1], "sin capacidad", "rising without a capacity: no limit to reach")

# the dashboard's /api/forecast: the same figures as the workbook

sbweb.add_user(root, "ana", "forecast-pass-1")
srv = sbweb.Serve(root)
c = sbweb.Client(srv.port)
t.eq(c.get("/api/forecast?layer=BORDE&date=" + LAST.isoformat())[0], 401, "the API asks for a session")
c.login("ana", "forecast-pass-1")
st, _, fc = c.get("/api/forecast?layer=BORDE&date=" + LAST.isoformat())
t.ok(st == 200 and fc["from"] == FIRST_WINDOW.isoformat() and fc["to"] == LAST.isoformat() and
     fc["threshold"] == 80, "/api/forecast: the window and the threshold", fc)
STATUS = {"few": "pocos días", "weak": "sin tendencia clara", "above": "ya supera el umbral",
          "flat": "no crece", "date": "fecha proyectada"}
borde = [r for r in want if r[0] == "BORDE"]
borde.sort(key=lambda r: (r[12] is None, r[12] or "", r[1]))


def api(ck):
    got = fc["interfaces"]
    ck.eq([f["name"] for f in got], [r[1] for r in borde], "the soonest crossing first, then by name")
    for f, r in zip(got, borde):
        tag = f["name"]
        for key, col in (("last", 5), ("slope", 6), ("r2", 7)):
            ck.ok(abs(f["p95"][key] - r[col]) <= 1e-9 * max(1.0, abs(r[col])), "%s p95 %s" % (tag, key),
                  "got %r, want %r" % (f["p95"][key], r[col]))
        for key, col in (("last", 8), ("slope", 9), ("r2", 10)):
            ck.ok(abs(f["peak"][key] - r[col]) <= 1e-9 * max(1.0, abs(r[col])), "%s peak %s" % (tag, key),
                  "got %r, want %r" % (f["peak"][key], r[col]))
        ck.eq(f["p95"]["days"], r[4], "%s days" % tag)
        ck.eq(f["cross"], r[12], "%s crossing" % tag)
        ck.eq(f["until"], r[13], "%s days until it" % tag)
        ck.eq(f["capacity"], r[3], "%s capacity" % tag)
        shown = "sin capacidad" if f["capacity"] is None and f["p95"]["status"] == "far" else STATUS.get(
            f["p95"]["status"])
        ck.eq(shown, r[14], "%s status" % tag)


t.check("the dashboard and the workbook agree, interface by interface", api)
st, _, e = c.get("/api/forecast?layer=IPBRAS")
t.eq(st, 400, "IPBRAS counts: no forecast", e)
t.eq(c.get("/api/forecast?layer=BORDE&date=2026-13-01")[0], 400, "a bad date: 400")
srv.stop()
t.done()
