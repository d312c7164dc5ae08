#!/usr/bin/env python3
"""reports.py - every report script on a fixture database, through both store backends: SQLite
(a real file, loaded with tests/store_cli) and MongoDB (a MockupDB wire peer that answers the
find commands from the fixture documents, applying the filter and sort it was sent, which are
checked too). Workbooks are read back with openpyxl and checked cell by cell: sheet names,
headers, values to 1e-9, sort order, number formats, fills, borders, frozen header row, the use
colour rules, the Resumen chart and the daily traffic sheet with its charts, and the page setup
of every sheet. Also csv and json output, a script added by the user (with the default page
setup and widths), the --list, broken scripts (file:line, non-zero exit, no file left) and the
command line. TAP. How the workbooks look once rendered is checked by render.py.

A workbook is one check: it passes when every sheet, header, value, format and rule matches,
and when it does not, its diagnostic lists each detail that differs. Without python3-mockupdb
the MongoDB cases, without python3-openpyxl the workbook comparisons, are reported as named
skips; everything else still runs."""

import csv
import datetime
import json
import os
import subprocess
import sys
import threading
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sbtest  # noqa: E402
from sbtest import Tap, run, tempdir, write  # noqa: E402

import report_fixture as fx  # noqa: E402

NO_XLSX = sbtest.missing("openpyxl")
NO_PEER = sbtest.missing("mockupdb")
if not NO_XLSX:
    import openpyxl

STORE_CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")
EPS = 1e-9
t = Tap()

BBIP_HEADERS = ["Interfaz", "In Prom", "In Max Prom", "Out Prom", "Out Max Prom", "Capacidad",
                "Tipo", "Uso (%)", "Días con datos", "Completitud (%)"]
BBIP_KEYS = ["name", "inProm", "inMaxProm", "outProm", "outMaxProm", "capacity", "type", "use",
             "days", "completeness"]
BBIP_KINDS = ["text", "num", "num", "num", "num", "num", "text", "num", "int", "num"]
P95_HEADERS = ["Interfaz", "Tipo", "Capacidad", "In Prom", "In Pico", "In P95", "Out Prom",
               "Out Pico", "Out P95", "Uso P95 (%)", "Muestras", "Días con datos",
               "Completitud (%)"]
P95_KEYS = ["name", "type", "capacity", "inAvg", "inPeak", "inPct", "outAvg", "outPeak",
            "outPct", "use", "samples", "days", "completeness"]
P95_KINDS = ["text", "text", "num", "num", "num", "num", "num", "num", "num", "num", "int", "int",
             "num"]

SUMMARIES = fx.summaries()
HISTORY = fx.history()


def close(got, want):
    if want is None:
        return got is None
    if isinstance(want, str):
        return got == want
    return isinstance(got, (int, float)) and abs(got - want) <= EPS


# ---- the stores ----

def sqlite_root():
    """A root with the fixture in data/scanbackup.db (SQLite, loaded through the store code)."""
    root = tempdir("sb_reports.")
    write(os.path.join(root, ".env"), "TIMEZONE=%s\nDATABASE_URI=sqlite:data/scanbackup.db\n"
          % fx.TZ)
    db = os.path.join(root, "data", "scanbackup.db")
    os.makedirs(os.path.dirname(db), exist_ok=True)
    files = {"summary": fx.summary_lines(SUMMARIES)}
    for layer in fx.LAYERS:
        lines = fx.history_lines(HISTORY, layer)
        if lines:
            files[layer] = lines
    for what, lines in files.items():
        path = os.path.join(root, what + ".txt")
        write(path, "\n".join(lines) + "\n")
        args = ["put-summary", path] if what == "summary" else ["put-history", what, path]
        p = subprocess.run([STORE_CLI, "sqlite:" + db] + args, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("store_cli %s: %s" % (what, p.stderr))
    return root


class Peer:
    """A MockupDB answering find from fixture documents (filter with equality, $gte and $lte,
    then the requested sort) and recording every find."""

    def __init__(self):
        self.lock = threading.Lock()
        self.docs = {"DAILY_SUMMARY_HISTORY": fx.summary_docs(SUMMARIES)}
        for layer in fx.LAYERS:
            self.docs[layer + "_HISTORY"] = fx.history_docs(HISTORY, layer)
        self.finds = []
        from mockupdb import MockupDB
        self.server = MockupDB(auto_ismaster=True, max_wire_version=17)
        self.server.autoresponds(self.handle)
        self.port = self.server.run()
        self.uri = "mongodb://127.0.0.1:%d/ReportsDB" % self.port

    @staticmethod
    def match(doc, flt):
        for k, v in flt.items():
            x = doc.get(k)
            if isinstance(v, dict):
                for op, val in v.items():
                    if op == "$gte" and not (x is not None and x >= val):
                        return False
                    if op == "$lte" and not (x is not None and x <= val):
                        return False
                    if op not in ("$gte", "$lte"):
                        raise ValueError("unexpected operator %s" % op)
            elif x != v:
                return False
        return True

    def handle(self, req):
        from bson.int64 import Int64
        name = req.command_name or ""
        if name.lower() in ("ismaster", "hello"):
            return None
        if name != "find":
            return req.ok()
        coll = req.doc["find"]
        flt = dict(req.doc.get("filter", {}))
        sort = list(req.doc.get("sort", {}).keys())
        with self.lock:
            self.finds.append((coll, flt, sort))
        docs = [d for d in self.docs.get(coll, []) if self.match(d, flt)]
        docs.sort(key=lambda d: tuple(d.get(k) for k in sort))
        return req.ok(cursor={"id": Int64(0), "ns": "%s.%s" % (req.namespace, coll),
                              "firstBatch": docs})

    def take(self):
        with self.lock:
            f, self.finds = self.finds, []
        return f

    def stop(self):
        self.server.stop()


def mongo_root(peer):
    root = tempdir("sb_reports_mongo.")
    write(os.path.join(root, ".env"), "TIMEZONE=%s\nDATABASE_URI=%s\n" % (fx.TZ, peer.uri))
    return root


# ---- reading workbooks back ----

def logical_cols(ws, r):
    """The columns (1-based) of row r that start a cell: not covered by another cell's merge."""
    from openpyxl.cell.cell import MergedCell
    return [c for c in range(1, ws.max_column + 1) if not isinstance(ws.cell(r, c), MergedCell)]


def logical_row(ws, r, cols):
    return [ws.cell(r, c).value for c in cols]


def check_print(ck, tag, ws, title, period, fit_height=0, repeat=None):
    """Landscape, one page wide (fit_height pages tall, 0: as needed), the header rows repeated,
    the footer with the title, the period, the sheet and page N of M."""
    ps = ws.page_setup
    ck.ok(ps.orientation == "landscape" and ws.sheet_properties.pageSetUpPr is not None and
          ws.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth or 1) == 1 and
          int(ps.fitToHeight if ps.fitToHeight is not None else 1) == fit_height,
          "%s: printed landscape, one page wide, %s" % (tag, "%d page tall" % fit_height
                                                         if fit_height else "as tall as needed"),
          (ps.orientation, ps.fitToWidth, ps.fitToHeight))
    ck.eq(ws.print_title_rows, repeat, "%s: rows repeated on every page" % tag)
    f = ws.oddFooter
    got = (f.left.text, f.center.text, f.right.text)
    ck.eq(got, (title, "Período " + period, "&A · Página &P de &N"),
          "%s: footer: report, period, sheet, page N of M" % tag)


def fill_of(cell):
    f = cell.fill
    if f is None or f.fill_type != "solid":
        return None
    return f.fgColor.rgb


def check_sheet(ck, tag, ws, headers, keys, kinds, want_rows):
    """Header, values, order, formats, fills, borders, freeze, widths, use rules of a data sheet."""
    got_headers = [ws.cell(1, c + 1).value for c in range(len(headers))]
    ck.eq(got_headers, headers, "%s: headers" % tag)
    h = ws.cell(1, 1)
    ck.ok(h.font.b and h.font.color is not None and h.font.color.rgb == "FFFFFFFF" and
         fill_of(h) == "FF16365C" and all(fill_of(ws.cell(1, c + 1)) == "FF16365C"
                                          for c in range(len(headers))),
         "%s: header bold white on #16365C" % tag,
         (h.font.b, h.font.color.rgb if h.font.color else None, fill_of(h)))
    ck.eq(ws.freeze_panes, "A2", "%s: header row frozen" % tag)
    ck.ok((ws.column_dimensions["A"].width or 0) >= 40, "%s: first column wide" % tag,
         ws.column_dimensions["A"].width)
    names = [ws.cell(r + 2, 1).value for r in range(len(want_rows))]
    ck.eq(names, [r["name"] for r in want_rows], "%s: rows sorted by type then name" % tag)
    bad = []
    fmt_bad = []
    for i, row in enumerate(want_rows):
        for c, (k, kind) in enumerate(zip(keys, kinds)):
            cell = ws.cell(i + 2, c + 1)
            want = row[k]
            if k == "completeness" and want is None:
                want = "desconocida"
            if not close(cell.value, want):
                bad.append("%s%d %s: got %r want %r" % (cell.column_letter, cell.row, k,
                                                        cell.value, want))
            b = cell.border
            if not (b.left.style == b.right.style == b.top.style == b.bottom.style == "thin" and
                    b.left.color is not None and b.left.color.rgb == "FF000000"):
                fmt_bad.append("%s%d border" % (cell.column_letter, cell.row))
            want_fmt = {"num": "0.00", "int": "0"}.get(kind, "General")
            if isinstance(want, str):
                want_fmt = "General"
            if cell.number_format != want_fmt:
                fmt_bad.append("%s%d format %r want %r" % (cell.column_letter, cell.row,
                                                          cell.number_format, want_fmt))
            marked_cell = row["marked"] and k in ("name", "days")
            want_fill = "FFFFF2CC" if marked_cell else None
            if fill_of(cell) != want_fill:
                fmt_bad.append("%s%d fill %r want %r" % (cell.column_letter, cell.row,
                                                        fill_of(cell), want_fill))
    ck.ok(not bad, "%s: %d rows, every value to 1e-9" % (tag, len(want_rows)), "\n".join(bad))
    ck.ok(not fmt_bad, "%s: number formats 0.00 / 0, thin black borders, fills of marked rows"
         % tag, "\n".join(fmt_bad))
    if keys is BBIP_KEYS:
        ck.eq(ws.max_row, len(want_rows) + 1, "%s: nothing after the rows" % tag)
    return use_rules(ck, ws, headers.index("Uso (%)" if "Uso (%)" in headers else "Uso P95 (%)"),
                     len(want_rows), tag)


def use_rules(ck, ws, col, n, tag, amber="50", red="80", first_row=2):
    """The use colour rules on column col (0-based) over n rows starting at first_row."""
    if n == 0:
        return
    letter = openpyxl.utils.get_column_letter(col + 1)
    want_range = "%s%d:%s%d" % (letter, first_row, letter, first_row + n - 1)
    if n == 1:
        want_range = "%s%d" % (letter, first_row)
    rules = []
    for rng in ws.conditional_formatting:
        for r in rng.rules:
            fill = r.dxf.fill.bgColor.rgb if r.dxf is not None and r.dxf.fill is not None else None
            rules.append((str(rng.sqref), r.type, r.operator, list(r.formula or []),
                          bool(r.stopIfTrue), fill))
    want = [(want_range, "containsBlanks", None, ["LEN(TRIM(%s%d))=0" % (letter, first_row)],
             True, None),
            (want_range, "cellIs", "lessThan", [amber], False, "FFC6EFCE"),
            (want_range, "cellIs", "between", [amber, red], False, "FFFFEB9C"),
            (want_range, "cellIs", "greaterThan", [red], False, "FFFFC7CE")]
    mine = [r for r in rules if r[0] == want_range]
    ck.eq(mine, want, "%s: Uso colours: blank cells none, green < %s, amber %s-%s, red > %s"
         % (tag, amber, amber, red, red))


def info_value(ws, label):
    """The value beside label in the header block of a Resumen sheet (the cell after its merge)."""
    r = find_row(ws, label)
    if r is None:
        return None
    return ws.cell(r, logical_cols(ws, r)[1]).value


def find_row(ws, text, col=1):
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, col).value == text:
            return r
    return None


def check_resumen(ck, tag, path, ws, frm, to, layers_rows, source, rank_key, rank_title, totals,
                  top_cols):
    """The Resumen sheet: period block, the per-layer table with totals, the top 10 and its chart."""
    days = fx.period_days(frm, to)
    info = {}
    for r in range(3, 20):
        cols = logical_cols(ws, r)
        k = ws.cell(r, cols[0]).value
        if k is None:
            break
        info[k] = ws.cell(r, cols[1]).value
    all_rows = [r for rows in layers_rows.values() for r in rows]
    dates = set()
    ck.eq(info.get("Período"), "%s a %s" % (frm, to), "%s: Resumen period" % tag)
    ck.eq(info.get("Días del período"), days, "%s: days of the period" % tag)
    ck.eq(info.get("Interfaces"), len(all_rows), "%s: interfaces" % tag)
    ck.eq(info.get("Muestras esperadas por interfaz"), fx.expected_samples(frm, to),
         "%s: samples expected per interface (local time, DST)" % tag)

    r0 = find_row(ws, "Interfaces por capa")
    ck.ok(r0 is not None, "%s: per-layer table present" % tag)
    if r0 is None:
        return
    cols = logical_cols(ws, r0 + 1)[:5 + len(totals)]
    hdr = logical_row(ws, r0 + 1, cols)
    ck.eq(hdr, ["Capa", "Interfaces", "Días con datos", "Con menos días",
               "Completitud desconocida"] + [tt for _, tt in totals],
         "%s: per-layer header" % tag)
    bad = []
    sums = {k: 0.0 for k, _ in totals}
    for i, layer in enumerate(fx.LAYERS):
        rows = layers_rows[layer]
        ldates = layer_dates(source, layer, frm, to)
        dates |= ldates
        want = [layer, len(rows), len(ldates), sum(1 for r in rows if r["marked"]),
                sum(1 for r in rows if r["completeness"] is None)]
        want += [sum((r[k] or 0) for r in rows) for k, _ in totals]
        for k, _ in totals:
            sums[k] += sum((r[k] or 0) for r in rows)
        got = logical_row(ws, r0 + 2 + i, cols)
        if not all(close(g, w) for g, w in zip(got, want)):
            bad.append("%s: got %r want %r" % (layer, got, want))
    got = logical_row(ws, r0 + 7, cols)
    want = ["Total", len(all_rows), len(dates), sum(1 for r in all_rows if r["marked"]),
            sum(1 for r in all_rows if r["completeness"] is None)] + [sums[k] for k, _ in totals]
    if not all(close(g, w) for g, w in zip(got, want)):
        bad.append("Total: got %r want %r" % (got, want))
    ck.ok(not bad, "%s: interfaces, days with data and totals per layer" % tag, "\n".join(bad))
    ck.eq(info.get("Días con datos"), len(dates), "%s: days with data" % tag)
    ck.ok(ws.cell(r0 + 7, 1).font.b, "%s: totals in bold" % tag)

    r1 = find_row(ws, "Top 10 por " + rank_title)
    ck.ok(r1 is not None, "%s: top 10 present" % tag)
    if r1 is None:
        return
    ranked = sorted((r for r in all_rows if r[rank_key] is not None),
                    key=lambda r: (-r[rank_key], r["layer"].encode(), r["name"].encode()))[:10]
    cols = logical_cols(ws, r1 + 1)[:5 + len(top_cols)]
    hdr = logical_row(ws, r1 + 1, cols)
    ck.eq(hdr, ["#", "Interfaz", "Capa", "Tipo", rank_title] + [tt for _, tt in top_cols],
         "%s: top 10 header" % tag)
    bad = []
    for i, row in enumerate(ranked):
        want = [i + 1, row["name"], row["layer"], row["type"], row[rank_key]] + \
            [row[k] for k, _ in top_cols]
        got = logical_row(ws, r1 + 2 + i, cols)
        if not all(close(g, w) for g, w in zip(got, want)):
            bad.append("%d: got %r want %r" % (i + 1, got, want))
    ck.ok(not bad and len(ranked) == min(10, len([r for r in all_rows if r[rank_key] is not None])),
         "%s: the %d interfaces of highest %s, in order" % (tag, len(ranked), rank_title),
         "\n".join(bad))
    ck.eq(ws.cell(r1 + 2 + len(ranked), 1).value, None, "%s: nothing more in the top" % tag)
    use_rules(ck, ws, cols[4] - 1, len(ranked), tag + " top 10", first_row=r1 + 2)
    ck.eq(len(ws._charts), 1, "%s: one chart on Resumen" % tag)
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = z.read(charts[0]).decode() if charts else ""
    first, last = r1 + 2, r1 + 1 + len(ranked)
    letter = openpyxl.utils.get_column_letter
    ck.ok(len(charts) >= 1 and '<c:barDir val="bar"/>' in xml and
          "Resumen!$%s$%d:$%s$%d" % (letter(cols[4]), first, letter(cols[4]), last) in xml and
          "Resumen!$%s$%d:$%s$%d" % (letter(cols[1]), first, letter(cols[1]), last) in xml,
          "%s: a bar chart of %s by interface over the top rows" % (tag, rank_title),
          xml[:600])
    cat = xml[xml.find("<c:catAx>"):xml.find("</c:catAx>")]
    val = xml[xml.find("<c:valAx>"):xml.find("</c:valAx>")]
    ck.ok('<c:orientation val="maxMin"/>' in cat and '<c:orientation val="minMax"/>' in val and
          '<c:min val="0"/>' in val and '<c:crosses val="max"/>' in val and rank_title in val and
          "Interfaz" in cat,
          "%s: the first of the ranking on top, values from 0 at the left, axes titled Interfaz "
          "and %s" % (tag, rank_title), cat[:300] + "\n" + val[:500])


def layer_dates(source, layer, frm, to):
    """The dates with data of a layer: of the raw samples or of the daily summaries."""
    if source == "history":
        return {r["date"] for r in HISTORY if r["layer"] == layer and frm <= r["date"] <= to}
    return {r["date"] for r in SUMMARIES if r["typeLayer"] == layer and frm <= r["date"] <= to}


def check_daily(ck, path, ws, frm, to):
    """The daily traffic sheet: per layer the sums of the day's summaries, every day of the
    period (empty without data), and a line chart of the four sums."""
    days = []
    d = datetime.date.fromisoformat(frm)
    while d <= datetime.date.fromisoformat(to):
        days.append(d)
        d += datetime.timedelta(days=1)
    keys = ["inProm", "inMaxProm", "outProm", "outMaxProm"]
    bad = []
    blocks = []
    for layer in fx.LAYERS:
        r0 = find_row(ws, layer + ": suma de sus interfaces por día (Gbps)")
        if r0 is None:
            bad.append("%s: no block" % layer)
            continue
        blocks.append((layer, r0))
        hdr = [ws.cell(r0 + 1, c).value for c in range(1, 6)]
        if hdr != ["Fecha", "In Prom", "In Max Prom", "Out Prom", "Out Max Prom"]:
            bad.append("%s header %r" % (layer, hdr))
        for i, day in enumerate(days):
            rows = [r for r in SUMMARIES if r["typeLayer"] == layer and
                    r["date"] == day.isoformat()]
            want = [day] + [sum(r[k] for r in rows) if rows else None for k in keys]
            got = [ws.cell(r0 + 2 + i, c).value for c in range(1, 6)]
            if isinstance(got[0], datetime.datetime):
                got[0] = got[0].date()
            if got[0] != want[0] or not all(close(g, w) for g, w in zip(got[1:], want[1:])):
                bad.append("%s %s: got %r want %r" % (layer, day, got, want))
        fmt = ws.cell(r0 + 2, 1).number_format
        if fmt != "yyyy-mm-dd":
            bad.append("%s date format %r" % (layer, fmt))
    ck.ok(not bad, "Tráfico diario: daily sums per layer, every day of the period",
          "\n".join(bad[:10]))
    ck.eq(len(ws._charts), len(fx.LAYERS), "Tráfico diario: a line chart per layer")
    with zipfile.ZipFile(path) as z:
        xmls = [z.read(n).decode() for n in sorted(z.namelist())
                if n.startswith("xl/charts/chart")]
    line = [x for x in xmls if "<c:lineChart>" in x]
    bad = []
    sheet = "'Tráfico diario'"
    for layer, r0 in blocks:
        first, last = r0 + 2, r0 + 1 + len(days)
        mine = [x for x in line if "%s!$A$%d:$A$%d" % (sheet, first, last) in x]
        if len(mine) != 1:
            bad.append("%s: %d charts over its dates" % (layer, len(mine)))
            continue
        x = mine[0]
        for col in "BCDE":
            if "%s!$%s$%d:$%s$%d" % (sheet, col, first, col, last) not in x:
                bad.append("%s: no series over column %s" % (layer, col))
        val = x[x.find("<c:valAx>"):x.find("</c:valAx>")]
        if '<c:min val="0"/>' not in val or "Gbps" not in val or "Fecha" not in x:
            bad.append("%s: axes %r" % (layer, val[:200]))
    ck.ok(not bad and len(line) == len(fx.LAYERS),
          "Tráfico diario: each chart draws its layer's four sums by date, Gbps from 0",
          "\n".join(bad))


def check_bbip(ck, path, frm, to, title):
    """A period workbook against the fixture, every sheet cell by cell (one check)."""
    ck.ok(os.path.isfile(path), "%s written" % os.path.basename(path))
    if not os.path.isfile(path):
        return
    wb = openpyxl.load_workbook(path)
    daily = ["Tráfico diario"] if frm != to else []
    ck.eq(wb.sheetnames, ["Resumen"] + daily + fx.LAYERS,
          "sheets Resumen, %sthen the five layers" % ("the daily traffic, " if daily else ""))
    period = frm if frm == to else "%s a %s" % (frm, to)
    ck.eq((wb["Resumen"]["A1"].value, wb.properties.title, wb.properties.subject),
          (title, title, "%s a %s" % (frm, to)), "the title heads the Resumen and the properties")
    check_print(ck, "Resumen", wb["Resumen"], title, period, fit_height=1)
    if daily:
        check_daily(ck, path, wb[daily[0]], frm, to)
        check_print(ck, "Tráfico diario", wb[daily[0]], title, period)
    rows = {layer: fx.bbip_rows(SUMMARIES, layer, frm, to) for layer in fx.LAYERS}
    for layer in fx.LAYERS:
        check_sheet(ck, layer, wb[layer], BBIP_HEADERS, BBIP_KEYS, BBIP_KINDS, rows[layer])
        check_print(ck, layer, wb[layer], title, period, repeat="$1:$1")
    check_resumen(ck, "Resumen", path, wb["Resumen"], frm, to, rows, "summary", "use", "Uso (%)",
                  [("inProm", "In Prom"), ("inMaxProm", "In Max Prom"), ("outProm", "Out Prom"),
                   ("outMaxProm", "Out Max Prom"), ("capacity", "Capacidad")],
                  [("inMaxProm", "In Max Prom"), ("outMaxProm", "Out Max Prom"),
                   ("capacity", "Capacidad")])
    return rows


def check_p95(ck, path, frm, to):
    """The percentile workbook against the fixture, every sheet cell by cell (one check)."""
    ck.ok(os.path.isfile(path), "%s written" % os.path.basename(path))
    if not os.path.isfile(path):
        return
    wb = openpyxl.load_workbook(path)
    ck.eq(wb.sheetnames, ["Resumen"] + fx.LAYERS, "sheets")
    title, period = "Reporte Percentil 95 BBIP", "%s a %s" % (frm, to)
    check_print(ck, "Resumen", wb["Resumen"], title, period, fit_height=1)
    for layer in fx.LAYERS:
        check_print(ck, layer, wb[layer], title, period, repeat="$1:$1")
    rows = {layer: fx.p95_rows(HISTORY, layer, frm, to) for layer in fx.LAYERS}
    ck.ok(sum(len(r) for r in rows.values()) == len(fx.RAW), "fixture sanity")
    for layer in fx.LAYERS:
        ws = wb[layer]
        check_sheet(ck, layer, ws, P95_HEADERS, P95_KEYS, P95_KINDS, rows[layer])
        note = ws.cell(len(rows[layer]) + 3, 1).value or ""
        ck.ok("ceil(0,95·N)" in note and "de menor a mayor" in note,
             "%s: the rank rule is stated under the table" % layer, note)
    ws = wb["Resumen"]
    rule = info_value(ws, "Regla del percentil") or ""
    ck.ok("ceil(0,95·N)" in rule, "Resumen: rank rule", rule)
    check_resumen(ck, "Resumen", path, ws, frm, to, rows, "history", "use", "Uso P95 (%)",
                  [("inPct", "In P95"), ("outPct", "Out P95"), ("capacity", "Capacidad")],
                  [("inPct", "In P95"), ("outPct", "Out P95"), ("capacity", "Capacidad")])


def workbook(name, fn, *args):
    """One check comparing a workbook (fn(ck, *args) with a sbtest.Check ck), or its named skip
    when openpyxl is missing."""
    if NO_XLSX:
        t.skip(name, NO_XLSX)
    else:
        t.check(name, fn, *args)


def report(root, *args, env=None):
    p = run(["report"] + list(args), root=root, env=env)
    return p


def out_file(root, name):
    return os.path.join(root, "data", "reports", name)


# ---- scenarios ----

PERIODS = [
    # (command line, file, from, to, what, title)
    (["diario", "--date", "2026-03-10"], "Data_Diario_BBIP.xlsx", "2026-03-10", "2026-03-10",
     "diario", "Reporte Diario BBIP"),
    (["semanal", "--date", "2026-03-10"], "Data_Semanal_BBIP.xlsx", "2026-03-02", "2026-03-08",
     "semanal (Monday-Sunday with the DST day)", "Reporte Semanal BBIP"),
    (["quincenal", "--date", "2026-03-20"], "Data_Quincenal_BBIP.xlsx", "2026-03-01",
     "2026-03-15", "quincenal", "Reporte Quincenal BBIP"),
    (["quincenal", "--segunda", "--date", "2026-03-31"], "Data_Quincenal_Segunda_BBIP.xlsx",
     "2026-03-16", "2026-03-31", "quincenal --segunda (days 16-31)",
     "Reporte Quincenal BBIP (segunda quincena)"),
    (["report", "quincenal", "--second", "--date", "2026-02-03"],
     "Data_Quincenal_Segunda_BBIP.xlsx", "2026-02-16", "2026-02-28",
     "quincenal --second (days 16-28 of February)", "Reporte Quincenal BBIP (segunda quincena)"),
    (["report", "mensual", "--date", "2026-03-31"], "Data_Mensual_BBIP.xlsx", "2026-03-01",
     "2026-03-31", "mensual", "Reporte Mensual BBIP"),
    (["mensual", "--literal", "--date", "2026-03-31"], "Data_Mensual_BBIP.xlsx", "2026-03-02",
     "2026-03-31", "mensual --literal", "Reporte Mensual BBIP"),
]


def test_bbip(root, backend, peer=None, periods=PERIODS):
    for args, name, frm, to, what, title in periods:
        tag = "%s %s" % (backend, what)
        p = run(args, root=root)
        t.ok(p.returncode == 0 and ("wrote " + out_file(root, name)) in p.stdout,
             "%s: exit 0, names the file it wrote" % tag, p.stdout + p.stderr)
        if peer is not None:
            finds = peer.take()
            want = [("DAILY_SUMMARY_HISTORY", {"date": {"$gte": frm, "$lte": to}},
                     ["typeLayer", "type", "name", "date"])]
            t.eq(finds, want, "%s: one find over the period's dates, sorted" % tag)
        workbook("%s: %s, every sheet cell by cell" % (tag, name), check_bbip,
                 out_file(root, name), frm, to, title)
        if os.path.isfile(out_file(root, name)):
            os.remove(out_file(root, name))


def test_p95(root, backend, peer=None):
    tag = "%s p95" % backend
    p = report(root, "percentil95", "--from", fx.RAW_FROM, "--to", fx.RAW_TO)
    path = out_file(root, "Data_Percentil95_BBIP.xlsx")
    t.ok(p.returncode == 0, "%s: exit 0" % tag, p.stdout + p.stderr)
    if peer is not None:
        finds = peer.take()
        want = [(layer + "_HISTORY", {"date": {"$gte": fx.RAW_FROM, "$lte": fx.RAW_TO}},
                 ["name", "type", "date", "time"]) for layer in fx.LAYERS]
        t.eq(finds, want, "%s: one find per layer on the raw samples, date range, sorted" % tag)
    workbook("%s: %s, every sheet cell by cell" % (tag, os.path.basename(path)), check_p95, path,
             fx.RAW_FROM, fx.RAW_TO)


def test_formats(root, backend):
    frm, to = "2026-03-01", "2026-03-31"
    rows = {layer: fx.bbip_rows(SUMMARIES, layer, frm, to) for layer in fx.LAYERS}
    p = run(["mensual", "--date", "2026-03-31", "--format", "csv"], root=root)
    path = out_file(root, "Data_Mensual_BBIP.csv")
    t.ok(p.returncode == 0 and os.path.isfile(path), "%s csv: written" % backend, p.stderr)
    if os.path.isfile(path):
        with open(path, newline="", encoding="utf-8") as f:
            got = list(csv.reader(f))
        t.eq(got[0], ["Hoja"] + BBIP_HEADERS, "%s csv: header" % backend)
        want = [[layer] + [r[k] for k in BBIP_KEYS] for layer in fx.LAYERS for r in rows[layer]]
        bad = []
        for g, w in zip(got[1:], want):
            for a, b in zip(g, w):
                ok = (a == "" and b is None) or (isinstance(b, str) and a == b) or \
                    (isinstance(b, (int, float)) and a != "" and abs(float(a) - b) <= EPS)
                if not ok:
                    bad.append("%r vs %r" % (a, b))
        t.ok(len(got) == len(want) + 1 and not bad,
             "%s csv: every row of every sheet, same values" % backend, "\n".join(bad[:10]))
    p = run(["mensual", "--date", "2026-03-31", "--format", "json"], root=root)
    path = out_file(root, "Data_Mensual_BBIP.json")
    t.ok(p.returncode == 0 and os.path.isfile(path), "%s json: written" % backend, p.stderr)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        t.eq((doc.get("report"), doc.get("from"), doc.get("to")), ("mensual", frm, to),
             "%s json: report and period" % backend)
        t.eq([s["name"] for s in doc["sheets"]], fx.LAYERS, "%s json: sheets" % backend)
        t.eq([c["key"] for c in doc["sheets"][0]["columns"]], BBIP_KEYS,
             "%s json: column keys are the store's field names" % backend)
        bad = []
        for s in doc["sheets"]:
            want = rows[s["name"]]
            if len(s["rows"]) != len(want):
                bad.append("%s: %d rows" % (s["name"], len(s["rows"])))
            for g, w in zip(s["rows"], want):
                for k in BBIP_KEYS:
                    if not close(g.get(k), w[k]):
                        bad.append("%s %s %s: %r vs %r" % (s["name"], w["name"], k, g.get(k),
                                                            w[k]))
        t.ok(not bad, "%s json: values (null for no use, unknown completeness)" % backend,
             "\n".join(bad[:10]))
        tables = doc.get("summary", {}).get("tables", [])
        t.ok(len(tables) == 2 and tables[0]["total"]["interfaces"] ==
             sum(len(r) for r in rows.values()), "%s json: the Resumen tables" % backend)


USER_SCRIPT = """-- top5.lua - Las 5 interfaces BORDE de mayor uso del período (Top5_BORDE.xlsx).
local bbip = require("bbip")
local p = bbip.period("mensual")
local rows = bbip.layer_rows("BORDE", p, {})
local top = {}
for _, r in ipairs(rows) do if r.use then top[#top + 1] = r end end
table.sort(top, function(a, b) return a.use > b.use end)
local wb = sb.xlsx.workbook(sb.report.output("Top5_BORDE.xlsx"))
local ws = wb:add_worksheet("Top5")
ws:write_row(0, 0, {"Interfaz", "Uso (%)"}, wb:add_format{bold = true})
for i = 1, math.min(5, #top) do ws:write_row(i, 0, {top[i].name, top[i].use}) end
wb:close()
"""

USER_CSV = """-- capas.lua - Filas por capa y muestras de una interfaz (Capas.csv), con sb.store directo.
local from, to = sb.report.range("mensual")
local f = sb.output_file(sb.report.output("Capas.csv"))
for _, l in ipairs(sb.store.layers()) do
  local rows = sb.store.summaries{layer = l.layer, from = from, to = to}
  f:write(l.layer, ",", tostring(l.in_only), ",", #rows, "\\n")
end
local h = sb.store.history{layer = "BORDE", name = "CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA",
  from = from, to = to}
local sum = 0
for _, r in ipairs(h) do sum = sum + r.inProm end
f:write("history,", #h, ",", h[1] and h[1].time or "", ",", sum, "\\n")
f:close()
"""


USER_REUSE = """-- reuso.lua - Filas en una tabla reutilizada (Reuso.csv): las mismas que sin ella.
local from, to = sb.report.range("mensual")
local function text(r)
  local keys = {}
  for k in pairs(r) do keys[#keys + 1] = k end
  table.sort(keys)
  local s = {}
  for _, k in ipairs(keys) do s[#s + 1] = k .. "=" .. tostring(r[k]) end
  return table.concat(s, " ")
end
local f = sb.output_file(sb.report.output("Reuso.csv"))
local function check(name, query, args)
  local want = {}
  args.each = function(r) want[#want + 1] = text(r) end
  query(args)
  local n, same, first, one = 0, true, nil, true
  args.each = function(r)
    n = n + 1
    first = first or r
    one = one and r == first
    same = same and text(r) == want[n]
  end
  args.reuse = true
  query(args)
  f:write(name, ",", n, ",", #want, ",", tostring(same), ",", tostring(one), "\\n")
end
check("summaries", sb.store.summaries, {from = from, to = to})
check("history", sb.store.history, {layer = "BORDE", from = from, to = to})
local ok, err = pcall(sb.store.summaries, {from = from, to = to, reuse = true})
f:write("list,", tostring(ok), ",", tostring(err):find("reuse needs each") and "named" or
  tostring(err), "\\n")
f:close()
"""


USER_PAGE = """-- hoja.lua - Una hoja con su propia impresión y otra con la de siempre (Hoja.xlsx, Sin.xlsx).
local wb = sb.xlsx.workbook(sb.report.output("Hoja.xlsx"), {constant_memory = true})
local ws = wb:add_worksheet("H")
ws:set_portrait(); ws:fit_to_pages(1, 2); ws:repeat_rows(0, 1); ws:set_footer("&CHoja &P")
ws:merge_range(0, 0, 0, 3, "Título de la hoja")
ws:set_row(1, 45); ws:write_row(1, 0, {"a", "b"})
for r = 2, 11 do ws:set_row(r, 30); ws:write_row(r, 0, {r, r * 2}) end
local ch = wb:add_chart("column")
ch:add_series{values = {"H", 2, 1, 11, 1}}
ws:insert_chart(1, 5, ch, {height = (45 + 10 * 30) * 4 / 3})
wb:add_worksheet("P"):write(0, 0, "x")
wb:close()
local sin = sb.xlsx.workbook(sb.report.output("Sin.xlsx"), {print_defaults = false})
sin:add_worksheet("S"):write(0, 0, "x")
sin:close()
"""


def test_page_setup(root):
    """A user's own page setup is kept; a sheet with none gets the defaults; print_defaults =
    false leaves them out; a chart covers rows of real heights under constant_memory."""
    mine = os.path.join(root, "paginas")
    write(os.path.join(mine, "hoja.lua"), USER_PAGE)
    p = run(["report", "hoja", "--from", "2026-03-01", "--to", "2026-03-02"], root=root,
            env={"REPORTS_SCRIPTS": "paginas"})
    path = out_file(root, "Hoja.xlsx")
    t.ok(p.returncode == 0 and os.path.isfile(path), "user script hoja: runs",
         p.stdout + p.stderr)

    def pages(ck):
        wb = openpyxl.load_workbook(path)
        ws = wb["H"]
        ps = ws.page_setup
        ck.eq((ps.orientation, int(ps.fitToWidth or 1), int(ps.fitToHeight or 1),
               ws.print_title_rows, ws.oddFooter.center.text, ws.oddFooter.left.text),
              ("portrait", 1, 2, "$1:$2", "Hoja &P", None),
              "the script's own orientation, fit, repeated rows and footer are kept")
        ck.eq([str(m) for m in ws.merged_cells.ranges], ["A1:D1"],
              "merge_range: one merged cell")
        a = ws._charts[0].anchor
        ck.eq((a._from.row, a.to.row, a.to.rowOff), (1, 12, 0),
              "constant_memory: a chart as tall as rows of 45 + 10 x 30 points ends below them")
        check_print(ck, "sheet P", wb["P"], "Reporte hoja", "2026-03-01 a 2026-03-02")
        ws = openpyxl.load_workbook(out_file(root, "Sin.xlsx"))["S"]
        ck.ok(ws.page_setup.orientation is None and ws.oddFooter.center.text is None and
              ws.column_dimensions["A"].width in (None, 13.0),
              "print_defaults = false: no page setup, no footer, no widths added",
              (ws.page_setup.orientation, ws.oddFooter.center.text,
               ws.column_dimensions["A"].width))
    if os.path.isfile(path):
        workbook("a script's own page setup, the defaults, print_defaults = false", pages)


def test_user_scripts(root, backend, peer=None):
    mine = os.path.join(root, "misreportes")
    write(os.path.join(mine, "top5.lua"), USER_SCRIPT)
    write(os.path.join(mine, "capas.lua"), USER_CSV)
    env = {"REPORTS_SCRIPTS": "misreportes"}
    p = run(["report", "--list"], root=root, env=env)
    lines = p.stdout.splitlines()
    have = {ln.split()[0]: ln for ln in lines if ln.startswith("  ")}
    t.ok(p.returncode == 0 and all(n in have for n in
                                   ("diario", "semanal", "quincenal", "mensual", "percentil95",
                                    "top5", "capas")),
         "%s --list: the five reports and the user's two" % backend, p.stdout + p.stderr)
    t.ok("Las 5 interfaces BORDE de mayor uso" in have.get("top5", "") and
         "Reporte diario BBIP" in have.get("diario", "") and
         "Percentil 95" in have.get("percentil95", ""),
         "%s --list: one-line descriptions from the scripts' first comment" % backend,
         p.stdout)
    frm, to = "2026-03-09", "2026-03-15"
    if peer is not None:
        peer.take()  # what the earlier tests asked
    p = run(["report", "top5", "--from", frm, "--to", to], root=root, env=env)
    path = out_file(root, "Top5_BORDE.xlsx")
    t.ok(p.returncode == 0 and os.path.isfile(path), "%s user script top5: runs, writes its file"
         % backend, p.stdout + p.stderr)
    if peer is not None:
        t.eq(peer.take(), [("DAILY_SUMMARY_HISTORY", {"date": {"$gte": frm, "$lte": to},
                                                      "typeLayer": "BORDE"},
                            ["typeLayer", "type", "name", "date"])],
             "%s top5: bbip.layer_rows asks for its layer only" % backend)

    def top5(ck):
        ws = openpyxl.load_workbook(path)["Top5"]
        want = sorted((r for r in fx.bbip_rows(SUMMARIES, "BORDE", frm, to) if r["use"]),
                      key=lambda r: -r["use"])[:5]
        got = [(ws.cell(i + 2, 1).value, ws.cell(i + 2, 2).value) for i in range(5)]
        ck.ok(all(g[0] == w["name"] and close(g[1], w["use"]) for g, w in zip(got, want)) and
              ws.cell(1, 1).font.b, "the five of highest use, in order, bold header", got)
        check_print(ck, "Top5", ws, "Reporte top5", "%s a %s" % (frm, to))
        widest = max(len(w["name"]) for w in want)
        ck.ok(widest <= (ws.column_dimensions["A"].width or 0) <= 60 and
              8 <= (ws.column_dimensions["B"].width or 0) < 20,
              "columns it never sized get the width of their content",
              (widest, ws.column_dimensions["A"].width, ws.column_dimensions["B"].width))
    if os.path.isfile(path):
        workbook("%s user script top5: values over --from/--to, the default page setup and "
                 "widths" % backend, top5)
    p = run(["report", "capas", "--date", "2026-03-31"], root=root, env=env)
    path = out_file(root, "Capas.csv")
    t.ok(p.returncode == 0 and os.path.isfile(path), "%s user script capas: runs" % backend,
         p.stdout + p.stderr)
    if peer is not None:
        month = {"$gte": "2026-03-01", "$lte": "2026-03-31"}
        finds = peer.take()
        t.eq(finds[-1], ("BORDE_HISTORY", {"date": month,
                                           "name": "CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA"},
                         ["name", "type", "date", "time"]),
             "%s sb.store.history: filter on the interface's name" % backend)
        t.eq(sorted(f[1].get("typeLayer", "") for f in finds[:-1]),
             ["BORDE", "BRAS", "CACHING", "IPBRAS", "IXP", "RAI"],
             "%s sb.store.summaries{layer =}: one find per layer module" % backend)
    if os.path.isfile(path):
        lines = sbtest.read(path).splitlines()
        counts = {}
        for r in SUMMARIES:
            if "2026-03-01" <= r["date"] <= "2026-03-31":
                counts[r["typeLayer"]] = counts.get(r["typeLayer"], 0) + 1
        want = ["%s,%s,%d" % (layer, "true" if layer == "IPBRAS" else "false",
                              counts.get(layer, 0))
                for layer in ("BORDE", "BRAS", "CACHING", "IPBRAS", "IXP", "RAI")]
        t.eq(sorted(lines[:-1]), sorted(want),
             "%s sb.store.layers / summaries: every layer module, rows per layer" % backend)
        h = [r for r in HISTORY if r["name"].startswith("CCS-BORDE-01") and
             "2026-03-01" <= r["date"] <= "2026-03-31"]
        h.sort(key=lambda r: (r["date"], r["time"]))
        t.eq(lines[-1], "history,%d,%s,%d" % (len(h), h[0]["time"], sum(r["inProm"] for r in h)),
             "%s sb.store.history: the interface's samples in order, integers" % backend)
    write(os.path.join(mine, "reuso.lua"), USER_REUSE)
    p = run(["report", "reuso", "--date", "2026-03-31"], root=root, env=env)
    path = out_file(root, "Reuso.csv")
    if peer is not None:
        peer.take()
    lines = sbtest.read(path).splitlines() if p.returncode == 0 and os.path.isfile(path) else []
    n_sum = sum(1 for r in SUMMARIES if "2026-03-01" <= r["date"] <= "2026-03-31")
    t.eq(lines[:1], ["summaries,%d,%d,true,true" % (n_sum, n_sum)],
         "%s summaries{reuse = true}: one table for every row, the same fields as without "
         "(a field a row lacks cleared)" % backend, p.stdout + p.stderr)
    t.ok(len(lines) == 3 and lines[1].startswith("history,") and
         lines[1].endswith(",true,true") and lines[1].split(",")[1] == lines[1].split(",")[2] and
         int(lines[1].split(",")[1]) > 0,
         "%s history{reuse = true}: likewise" % backend, lines)
    t.eq(lines[2:], ["list,false,named"], "%s reuse without each: refused, and says why" % backend)


def test_broken(root):
    mine = os.path.join(root, "rotos")
    out = os.path.join(root, "salida")
    write(os.path.join(mine, "roto.lua"),
          "-- roto.lua - falla a mitad del libro\n"
          "local wb = sb.xlsx.workbook(sb.report.output('Roto.xlsx'), {constant_memory = true})\n"
          "local ws = wb:add_worksheet('A')\n"
          "ws:write(0, 0, 'medio libro')\n"
          "local cfg = nil\n"
          "ws:write(1, 0, cfg.valor)\n"
          "wb:close()\n")
    write(os.path.join(mine, "sintaxis.lua"), "-- sintaxis.lua - no compila\nlocal x = = 1\n")
    write(os.path.join(mine, "vacio.lua"), "-- vacio.lua - no escribe nada\nlocal x = 1\n")
    write(os.path.join(mine, "libro.lua"),
          "local b = require('book')\nb.write{file = 'X', title = 'X', from = '2026-03-01',\n"
          "  to = '2026-03-01', sheets = {{name = 'A', columns = {{title = 'a', key = 'a'}},\n"
          "  rows = {{a = {}}}}}}\n")
    write(os.path.join(mine, "anidado.lua"),
          "-- anidado.lua - una consulta dentro de otra\n"
          "sb.store.summaries{from = '2026-03-01', to = '2026-03-01', each = function(r)\n"
          "  sb.store.history{layer = 'BORDE', name = r.name}\n"
          "end}\n")
    write(os.path.join(mine, "cada.lua"),
          "-- cada.lua - falla dentro de each\n"
          "sb.store.summaries{from = '2026-03-01', to = '2026-03-31', each = function(r)\n"
          "  if r.date == '2026-03-02' then error('fila rechazada: ' .. r.name) end\n"
          "end}\n")
    env = {"REPORTS_SCRIPTS": "rotos"}
    p = run(["report", "cada"], root=root, env=env)
    t.ok(p.returncode == 1 and "cada.lua:3: fila rechazada: " in p.stderr,
         "an error inside each stops the query with its own file:line", p.stderr)
    p = run(["report", "anidado"], root=root, env=env)
    t.ok(p.returncode == 1 and "anidado.lua:3:" in p.stderr and
         "cannot start inside another query" in p.stderr,
         "a query inside another query's each function is refused at its line", p.stderr)
    p = run(["report", "roto", "--out", out], root=root, env=env)
    msg = p.stderr
    t.ok(p.returncode == 1, "broken script: exit 1", p.returncode)
    t.ok(os.path.join(mine, "roto.lua") + ":6:" in msg and "attempt to index" in msg and
         "cfg" in msg, "broken script: the message names file:line and the cause", msg)
    t.ok("stack traceback" in msg, "broken script: with a traceback", msg)
    left = os.listdir(out) if os.path.isdir(out) else []
    t.eq(left, [], "broken script: no file, not even a temp file, in the output folder")
    p = run(["report", "sintaxis"], root=root, env=env)
    t.ok(p.returncode == 1 and "sintaxis.lua:2:" in p.stderr, "syntax error: file:line",
         p.stderr)
    p = run(["report", "vacio"], root=root, env=env)
    t.ok(p.returncode == 1 and "finished without writing a file" in p.stderr,
         "a script that writes nothing fails and says so", p.stderr)
    p = run(["report", "libro", "--out", out], root=root, env=env)
    t.ok(p.returncode == 1 and "cannot write a table" in p.stderr and
         "book.lua:" in p.stderr and os.listdir(out) == [],
         "an error inside the library names the library's line and leaves nothing", p.stderr)


def test_cli(root):
    p = run(["report"], root=root)
    t.ok(p.returncode == 2 and "which report" in p.stderr, "report without a name: usage",
         p.stderr)
    p = run(["report", "nada"], root=root)
    t.ok(p.returncode == 1 and "unknown report 'nada'" in p.stderr and "--list" in p.stderr,
         "unknown report: named, with a hint", p.stderr)
    p = run(["report", "../etc/passwd"], root=root)
    t.eq(p.returncode, 2, "a path is not a report name")
    p = run(["mensual", "--from", "2026-03-01"], root=root)
    t.ok(p.returncode == 2 and "--from and --to go together" in p.stderr, "--from needs --to",
         p.stderr)
    p = run(["mensual", "--from", "2026-03-05", "--to", "2026-03-01"], root=root)
    t.eq(p.returncode, 2, "--from after --to is refused")
    p = run(["mensual", "--date", "2026-02-30"], root=root)
    t.ok(p.returncode == 2 and "2026-02-30" in p.stderr, "an impossible date is refused",
         p.stderr)
    p = run(["diario", "--format", "pdf"], root=root)
    t.eq(p.returncode, 2, "unknown --format refused")

    out = tempdir("sb_reports_out.")
    p = run(["diario", "--date", "2026-03-10", "--out", out], root=root,
            env={"USE_AMBER": "60", "USE_RED": "90"})
    path = os.path.join(out, "Data_Diario_BBIP.xlsx")
    t.ok(p.returncode == 0 and os.path.isfile(path), "--out DIR: the file goes there", p.stderr)

    def amber_red(ck):
        ws = openpyxl.load_workbook(path)["BORDE"]
        use_rules(ck, ws, 7, len(fx.bbip_rows(SUMMARIES, "BORDE", "2026-03-10", "2026-03-10")),
                  "BORDE", amber="60", red="90")
    if os.path.isfile(path):
        workbook("USE_AMBER=60 USE_RED=90: the Uso colour rules move", amber_red)

    # default date: yesterday in the root's time zone
    import zoneinfo
    today = datetime.datetime.now(zoneinfo.ZoneInfo(fx.TZ)).date()
    y = today - datetime.timedelta(days=1)
    sunday = y - datetime.timedelta(days=y.isoweekday() % 7)
    p = run(["semanal", "--out", out], root=root)
    path = os.path.join(out, "Data_Semanal_BBIP.xlsx")
    t.ok(p.returncode == 4 and os.path.isfile(path) and "(empty: no data from" in p.stdout,
         "semanal without --date: written, said empty (exit 4: the fixture ends in April 2026)",
         (p.returncode, p.stdout, p.stderr))

    def last_week(ck):
        ws = openpyxl.load_workbook(path)["Resumen"]
        got = info_value(ws, "Período")
        ck.eq(got, "%s a %s" % (sunday - datetime.timedelta(days=6), sunday), "Resumen: Período")
    if os.path.isfile(path):
        workbook("semanal without --date: the last Monday-Sunday before today", last_week)


def main():
    root = sqlite_root()
    t.case("sqlite: the period reports", test_bbip, root, "sqlite")
    t.case("sqlite: percentil95", test_p95, root, "sqlite")
    t.case("sqlite: csv and json", test_formats, root, "sqlite")
    t.case("sqlite: the user's scripts", test_user_scripts, root, "sqlite")
    t.case("broken scripts", test_broken, root)
    t.case("page setup", test_page_setup, root)
    t.case("the command line", test_cli, root)
    mongo = [("mongodb: %s" % p[4], lambda r, peer, p=p: test_bbip(r, "mongodb", peer, [p]))
             for p in PERIODS]
    mongo += [("mongodb: percentil95", lambda r, peer: test_p95(r, "mongodb", peer)),
              ("mongodb: csv and json", lambda r, peer: test_formats(r, "mongodb")),
              ("mongodb: the user's scripts", lambda r, peer: test_user_scripts(r, "mongodb", peer))]
    if NO_PEER:
        t.skip_rest(NO_PEER, [name for name, _ in mongo])
    peer = Peer()
    try:
        mroot = mongo_root(peer)
        for name, fn in mongo:
            t.case(name, fn, mroot, peer)
    finally:
        peer.stop()
    t.done()


if __name__ == "__main__":
    main()
