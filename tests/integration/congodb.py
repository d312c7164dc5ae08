#!/usr/bin/python3
"""congodb.py - the MongoDB backend run for real over the wire against CongoDB (congo.py) and
compared with SQLite, which is the reference: the nightly job of the example root into both;
every stored row read back alike; every report (the example night, the report fixture's month
with its DST day, probe records) written from both and compared cell by cell with openpyxl;
the dashboard's store queries (`scanbackup serve`'s API) answering the same JSON. TAP output."""

import math
import os
import shutil
import subprocess
import time

import sbtest
import congo

t = sbtest.Tap()
congo.skip_rest_unless_available(t)
why = sbtest.missing("openpyxl")
if why:
    t.skip_rest(why)
import openpyxl  # noqa: E402
import report_fixture as fx  # noqa: E402
import sbweb  # noqa: E402

CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")
DATE = sbweb.EXAMPLE_DATE
LAYERS = ["BORDE", "BRAS", "CACHING", "RAI", "IXP", "IPBRAS"]
server = congo.Congo()


def store_cli(uri, *args):
    return subprocess.run([CLI, "-t", "5000", "-m", sbtest.MODULES_DIR, uri] + list(args), capture_output=True, text=True,
                          timeout=120)


def example_root(uri):
    """A copy of the example root whose store is uri."""
    root = sbtest.tempdir("sbcongo-")
    for name in ("sources", "mrtg"):
        shutil.copytree(os.path.join(sbtest.TOP_SRCDIR, "examples", name), os.path.join(root, name))
    env = sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "examples", ".env"))
    sbtest.write(os.path.join(root, ".env"), env + "DATABASE_URI=%s\n" % uri)
    return root


def dump(uri, what):
    """Every row of the store, as store_cli prints them: one list per layer and the summaries."""
    out = {}
    for layer in LAYERS:
        p = store_cli(uri, "query-history", layer, "-", "-")
        out[layer] = p.stdout.splitlines() if p.returncode == 0 else ["failed: " + p.stderr]
    p = store_cli(uri, "query-summary", "-", "-")
    out["summary"] = p.stdout.splitlines() if p.returncode == 0 else ["failed: " + p.stderr]
    return out


def same_value(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


def backend_cell(ws, cell, va, vb):
    """The cells that may differ: the store's name beside "Base de datos", and the minute the
    workbook was written beside "Generado" (a label may be merged over several columns to its
    left)."""
    left = [v for v in (ws.cell(cell.row, c).value for c in range(1, cell.column)) if v is not None]
    label = left[-1] if left else None
    if label == "Base de datos":
        return (va, vb) == ("sqlite", "mongodb")
    return label == "Generado" and isinstance(va, str) and isinstance(vb, str)


def compare_books(path_a, path_b):
    """Compares two workbooks cell by cell (value, its type, number format) over every sheet;
    only the store's own name and the minute it was written may differ. Returns (cells compared,
    differences)."""
    a = openpyxl.load_workbook(path_a)
    b = openpyxl.load_workbook(path_b)
    if a.sheetnames != b.sheetnames:
        return 0, ["sheets %r vs %r" % (a.sheetnames, b.sheetnames)]
    cells = 0
    diffs = []
    for name in a.sheetnames:
        wa, wb = a[name], b[name]
        rows = max(wa.max_row, wb.max_row)
        cols = max(wa.max_column, wb.max_column)
        if (wa.max_row, wa.max_column) != (wb.max_row, wb.max_column):
            diffs.append("%s: %dx%d vs %dx%d" % (name, wa.max_row, wa.max_column, wb.max_row,
                                                 wb.max_column))
        if wa.freeze_panes != wb.freeze_panes:
            diffs.append("%s: frozen %r vs %r" % (name, wa.freeze_panes, wb.freeze_panes))
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                ca, cb = wa.cell(r, c), wb.cell(r, c)
                cells += 1
                if backend_cell(wa, ca, ca.value, cb.value):
                    continue
                if not same_value(ca.value, cb.value):
                    diffs.append("%s!%s: %r vs %r" % (name, ca.coordinate, ca.value, cb.value))
                elif ca.value is not None and ca.number_format != cb.number_format:
                    diffs.append("%s!%s: format %r vs %r" % (name, ca.coordinate,
                                                             ca.number_format, cb.number_format))
    return cells, diffs


def compare_reports(tag, roots, reports):
    """Runs each report in both roots and compares the workbooks; returns the cells compared."""
    total = 0
    for args, fname in reports:
        paths = []
        for kind, root in roots:
            out = os.path.join(root, "out-" + "-".join(args).replace("/", "_"))
            r = sbtest.run(["report"] + args + ["--out", out], root=root)
            path = os.path.join(out, fname)
            t.ok(r.returncode == 0 and os.path.exists(path),
                 "%s: report %s on %s" % (tag, " ".join(args), kind), r.stdout + r.stderr)
            paths.append(path)
        if not all(os.path.exists(p) for p in paths):
            continue
        cells, diffs = compare_books(*paths)
        total += cells
        t.ok(cells > 0 and not diffs, "%s: %s: the MongoDB workbook equals the SQLite one, "
             "%d cells" % (tag, " ".join(args), cells), "\n".join(diffs[:30]))
    return total


# ---- the nightly job of the example root into both stores ----
sql_root = example_root("sqlite:data/scanbackup.db")
mongo_root = example_root(server.uri("ScanBackupDB"))
outs = {}
for kind, root in (("sqlite", sql_root), ("mongodb", mongo_root)):
    r = sbtest.run(["run", "--date", DATE], root=root)
    t.eq(r.returncode, 0, "the example night on %s" % kind, r.stdout + r.stderr)
    outs[kind] = r.stdout.splitlines()


def same_words(lines, kind):
    """run's lines without the store's name and the times taken."""
    return [x.split("; 0.")[0].replace(kind, "STORE") for x in lines]


t.eq(same_words(outs["mongodb"], "mongodb"), same_words(outs["sqlite"], "sqlite"),
     "run says the same on both stores")
t.ok("updater data: %s: 4566 samples from 6 spool files stored in mongodb; 0 files kept" % DATE
     in outs["mongodb"], "4566 samples stored in CongoDB", outs["mongodb"])
spool = [f for _, _, fs in os.walk(os.path.join(mongo_root, "data", "SCAN")) for f in fs]
t.eq(spool, [], "the spool is empty once CongoDB acknowledged")

sql_uri = "sqlite:" + os.path.join(sql_root, "data", "scanbackup.db")
mongo_uri = server.uri("ScanBackupDB")
a, b = dump(sql_uri, "sqlite"), dump(mongo_uri, "mongodb")
for k in LAYERS + ["summary"]:
    t.ok(len(a[k]) > 0 and a[k] == b[k], "%s: the %d rows read back from CongoDB equal SQLite's"
         % (k, len(a[k])), "sqlite %r\nmongo  %r" % (a[k][:3], b[k][:3]))
use0 = [x for x in b["summary"] if x.startswith("BRAS-VAL-01 ETH-TRUNK2 UPLINK;")]
t.ok(len(use0) == 1 and use0[0].split(";")[4] == "0" and use0[0].split(";")[9] == "null",
     "the capacity-0 interface reads back with capacity 0 and no use", use0)

# Running the night again changes nothing (one layer: CongoDB scans its collection per upsert).
r = sbtest.run(["run", "--date", DATE, "--layer", "IXP"], root=mongo_root)
t.eq(r.returncode, 0, "the example night's IXP again on CongoDB", r.stderr)
t.eq(dump(mongo_uri, "mongodb"), b, "re-running the night leaves the same rows (upserts)")

# ---- backfill: MRTG's consolidations of the example logs into both ----
# a day the nightly job would have stored at 5 minutes, which the logs now hold at 30 minutes:
# the coarser summary must not replace it (CongoDB's unique index refuses the conditional upsert)
keep = os.path.join(sql_root, "keep.txt")
sbtest.write(keep, "CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA;CISCO;2026-11-10;BORDE;100;1.5;2.5;3.5;4.5;4.5;288\n")
for kind, uri in (("sqlite", sql_uri), ("mongodb", mongo_uri)):
    p = store_cli(uri, "put-summary", keep)
    t.eq(p.returncode, 0, "a 5-minute summary of 2026-11-10 into %s" % kind, p.stderr)
BACKFILLS = (["--from", "2026-11-09", "--to", "2026-11-10"], ["--from", "2026-10-01", "--to", "2026-10-02"])
for kind, root in (("sqlite", sql_root), ("mongodb", mongo_root)):
    for args in BACKFILLS:
        r = sbtest.run(["backfill", "--layer", "BORDE"] + args, root=root)
        t.eq(r.returncode, 0, "backfill %s into %s" % (" ".join(args), kind), r.stdout + r.stderr)
COARSE = ["BORDE_30M", "BORDE_2H", "BORDE_1D"]


def dump_backfill(uri):
    out = {}
    for table in COARSE:
        p = store_cli(uri, "query-history", table, "-", "-")
        out[table] = p.stdout.splitlines() if p.returncode == 0 else ["failed: " + p.stderr]
    p = store_cli(uri, "query-summary", "2026-10-01", "2026-11-10", "BORDE")
    out["summary"] = p.stdout.splitlines() if p.returncode == 0 else ["failed: " + p.stderr]
    return out


a2, b2 = dump_backfill(sql_uri), dump_backfill(mongo_uri)
for k in ("BORDE_30M", "BORDE_2H", "summary"):
    t.ok(len(a2[k]) > 0 and a2[k] == b2[k], "backfill: %s: the %d rows read back from CongoDB "
         "equal SQLite's" % (k, len(a2[k])), "sqlite %r\nmongo  %r" % (a2[k][:3], b2[k][:3]))
kept = [x for x in b2["summary"] if x.startswith("CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA;CISCO;2026-11-10;")]
t.eq(kept, ["CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA;CISCO;2026-11-10;BORDE;100;1.5;2.5;3.5;4.5;4.5;288"],
     "backfill: CongoDB keeps the 5-minute summary the 30-minute one would replace")
t.ok(len([x for x in b2["summary"] if x.endswith(";1800")]) == 5 and
     len([x for x in b2["summary"] if x.endswith(";7200")]) == 6,
     "backfill: the other days stored with their resolution", b2["summary"])
r = sbtest.run(["backfill", "--layer", "BORDE"] + list(BACKFILLS[0]), root=mongo_root)
t.ok(r.returncode == 0 and dump_backfill(mongo_uri) == b2, "backfill again on CongoDB changes nothing",
     r.stdout + r.stderr)

# Probe records of a monitor, the same in both stores.
T0 = 1795132800 + 4 * 3600  # 2026-11-20 04:00 UTC, 00:00 in Caracas
lines = []
for i in range(180):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 60 * i))
    if 40 <= i < 55:
        lines.append("%s\tping\t127.0.0.1\t-1.000\t100.0\t3\t0" % ts)
    else:
        lines.append("%s\tping\t127.0.0.1\t%.3f\t0.0\t3\t3" % (ts, 1.0 + (i % 7) * 0.25))
    if i % 10 == 0:
        lines.append("%s\thttp\thttp://127.0.0.1:80/\t200\t%.3f\t" % (ts, 2.0 + i / 100.0))
    if i % 60 == 0:
        hop = "10.0.0.%d" % (1 + i // 60)
        lines.append('%s\ttrace\t10.0.0.9\t[[{"anno": null, "rtt": 0.5, "ipaddr": "%s", '
                     '"name": "%s"}]]' % (ts, hop, hop))
trace = os.path.join(sql_root, "probes.trace")
sbtest.write(trace, "\n".join(lines) + "\n")
# link 1 named by its monitor (LINKS_HISTORY), link 2 never
names = os.path.join(sql_root, "names.trace")
sbtest.write(names, "%s\tlinks\tRESIDE Caracas\t127.0.0.1\tCaracas\n" % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0)))
for uri in (sql_uri, mongo_uri):
    for link in (1, 2):
        p = store_cli(uri, "put-records", "7", str(link), trace)
        t.ok(p.returncode == 0, "probe records of link %d into %s" % (link, uri.split(":")[0]),
             p.stderr)
    p = store_cli(uri, "put-records", "7", "1", names)
    t.ok(p.returncode == 0, "the name of link 1 into %s" % uri.split(":")[0], p.stderr)

cells = compare_reports("example night", [("sqlite", sql_root), ("mongodb", mongo_root)], [
    (["diario", "--date", DATE], "Data_Diario_BBIP.xlsx"),
    (["semanal", "--literal", "--date", "2026-11-21"], "Data_Semanal_BBIP.xlsx"),
    (["quincenal", "--literal", "--date", "2026-11-21"], "Data_Quincenal_BBIP.xlsx"),
    (["mensual", "--date", "2026-11-21"], "Data_Mensual_BBIP.xlsx"),
    (["percentil95", "--date", DATE], "Data_Percentil95_BBIP.xlsx"),
    (["disponibilidad", "--from", DATE, "--to", DATE], "Disponibilidad_Enlaces.xlsx"),
    (["latencia", "--from", DATE, "--to", DATE], "Latencia_Enlaces.xlsx"),
])


def names_in_mongodb_books():
    out = os.path.join(mongo_root, "out-" + "-".join(["latencia", "--from", DATE, "--to", DATE]))
    wb = openpyxl.load_workbook(os.path.join(out, "Latencia_Enlaces.xlsx"))
    rs = wb["Resumen"]
    t.eq([[rs.cell(r, c).value for c in (1, 2, 3)] for r in (4, 5)],
         [["RESIDE Caracas", 1, "Caracas"], ["Enlace 2", 2, "Monitor 7"]],
         "MongoDB: the workbook names link 1 as its monitor did, link 2 by its number")
    t.eq(wb.sheetnames, ["Resumen", "RESIDE Caracas", "Enlace 2"], "and its sheets")


t.case("link names read from MongoDB", names_in_mongodb_books, needs=("openpyxl", "mockupdb"))

# ---- a database where `database start` never ran: the write paths make its indexes ----


def fresh_database():
    import pymongo
    uri = server.uri("FreshDB")
    root = example_root(uri)
    for args in (["scan", "--date", DATE], ["daily", "--date", DATE],
                 ["updater", "data", "--date", DATE, "--rai", "--ixp"],
                 ["updater", "daily", "--date", DATE]):
        r = sbtest.run(args, root=root)
        t.eq(r.returncode, 0, "fresh database: %s" % " ".join(args[:2]), r.stdout + r.stderr)
    p = store_cli(uri, "put-records", "7", "1", trace)
    t.eq(p.returncode, 0, "fresh database: probe records stored", p.stderr)
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        got = {c: sorted(i["name"] for i in client["FreshDB"][c].list_indexes())
               for c in client["FreshDB"].list_collection_names()}
    finally:
        client.close()
    want = {L + "_HISTORY": sorted(["_id_", "unique_%s_index" % stem, "%s_by_date_index" % stem])
            for L, stem in (("RAI", "rai"), ("IXP", "ixp"))}
    want["DAILY_SUMMARY_HISTORY"] = sorted(["_id_", "unique_daily_summary_index",
                                            "daily_summary_by_date_index",
                                            "daily_summary_by_date_typelayer_index"])
    for kind, stem in (("PING", "ping"), ("HTTPING", "httping"), ("TRACEROUTE", "traceroute")):
        want[kind + "_HISTORY"] = sorted(["_id_", "unique_%s_index" % stem,
                                          "%s_by_date_index" % stem])
    t.eq(got, want, "fresh database: every collection written has its unique and date indexes "
         "under the old names")
    fresh = dump(uri, "mongodb")
    t.ok(all(fresh[k] == b[k] for k in ("RAI", "IXP", "summary")),
         "fresh database: the same rows as the started one")


t.case("a database where database start never ran", fresh_database, needs=("mockupdb",))

# ---- summaries as the old tool's schema documents them: capacity a string ----


def capacity_strings():
    import pymongo
    client = pymongo.MongoClient(server.uri(), serverSelectionTimeoutMS=5000)
    try:
        docs = list(client["ScanBackupDB"]["DAILY_SUMMARY_HISTORY"].find({"date": DATE}, {"_id": 0}))
        for d in docs:
            cap = d["capacity"]
            d["capacity"] = "%d" % cap if cap == int(cap) else repr(cap)
        client["OldDocsDB"]["DAILY_SUMMARY_HISTORY"].insert_many(docs)
    finally:
        client.close()
    t.ok(len(docs) == 16 and all(isinstance(d["capacity"], str) for d in docs),
         "the night's summaries copied with capacity as a string")
    root = example_root(server.uri("OldDocsDB"))
    compare_reports("capacity strings", [("sqlite", sql_root), ("mongodb", root)],
                    [(["diario", "--date", DATE], "Data_Diario_BBIP.xlsx")])


t.case("capacity stored as a string", capacity_strings, needs=("mockupdb",))

# ---- the report fixture: a month with a DST day, loaded through the store code into both ----
RAW_KEPT = [fx.RAW[0]]
fix_roots = []
for kind, uri in (("sqlite", "sqlite:data/scanbackup.db"), ("mongodb", server.uri("FixtureDB"))):
    root = sbtest.tempdir("sbcongo-fx-")
    sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nDATABASE_URI=%s\n" % (fx.TZ, uri))
    os.makedirs(os.path.join(root, "data"))
    if kind == "sqlite":
        uri = "sqlite:" + os.path.join(root, "data", "scanbackup.db")
    files = [("summary", fx.summary_lines(fx.summaries()))]
    # The raw samples of one interface (its DST day and its short day): CongoDB scans the whole
    # collection for each upsert, so more would only slow the suite down.
    hist = [h for h in fx.history() if (h["layer"], h["name"]) in RAW_KEPT]
    files += [(layer, fx.history_lines(hist, layer)) for layer in fx.LAYERS
              if fx.history_lines(hist, layer)]
    good = True
    for what, rows in files:
        path = os.path.join(root, what + ".txt")
        sbtest.write(path, "\n".join(rows) + "\n")
        args = ["put-summary", path] if what == "summary" else ["put-history", what, path]
        p = store_cli(uri, *args)
        good = good and p.returncode == 0
    t.ok(good, "the report fixture loaded into %s" % kind)
    fix_roots.append((kind, root))
cells += compare_reports("fixture", fix_roots, [
    (["diario", "--date", "2026-03-10"], "Data_Diario_BBIP.xlsx"),
    (["semanal", "--date", "2026-03-10"], "Data_Semanal_BBIP.xlsx"),
    (["quincenal", "--date", "2026-03-20"], "Data_Quincenal_BBIP.xlsx"),
    (["mensual", "--date", "2026-03-31"], "Data_Mensual_BBIP.xlsx"),
    (["mensual", "--literal", "--date", "2026-03-31"], "Data_Mensual_BBIP.xlsx"),
    (["percentil95", "--from", fx.RAW_FROM, "--to", fx.RAW_TO], "Data_Percentil95_BBIP.xlsx"),
])
t.ok(cells > 5000, "%d workbook cells compared in all" % cells)

# ---- the dashboard's store queries: serve on the SQLite root, then on the same root with the
# store switched to CongoDB (the environment overrides .env) ----
from urllib.parse import urlencode  # noqa: E402

PW = "congo-secret-1"
sbweb.add_user(sql_root, "ana", PW, "viewer")


def answers(kind, env):
    """Every store-backed answer of serve: path -> (status, JSON without "backend" and "now",
    the server's clock when it answered)."""
    srv = sbweb.Serve(sql_root, env=env)
    c = sbweb.Client(srv.port)
    st, _, _ = c.login("ana", PW)
    t.eq(st, 200, "signed in to serve on %s" % kind)
    out = {}

    def get(path):
        st, _, body = c.get(path)
        if isinstance(body, dict):
            body.pop("backend", None)
            body.pop("now", None)
        out[path] = (st, body)
        return body

    layers = get("/api/layers?date=" + DATE)
    for L in layers.get("layers", []) if isinstance(layers, dict) else []:
        for f in L.get("interfaces", []):
            get("/api/interface?" + urlencode({"layer": L["layer"], "name": f["name"],
                                               "type": f["type"], "from": "2026-11-14",
                                               "to": DATE}))
    for link in (1, 2):
        get("/api/probes/link?monitor=7&link=%d&from=%s&to=%s" % (link, DATE, DATE))
    t.eq(srv.stop(), 0, "serve on %s stops cleanly" % kind)
    return out


want = answers("sqlite", None)
got = answers("mongodb", {"DATABASE_URI": mongo_uri})
paths = sorted(want)
t.ok(len([p for p in paths if p.startswith("/api/interface")]) == 16 and
     all(want[p][0] == 200 for p in paths), "serve on SQLite answers /api/layers, 16 interfaces "
     "and 2 probe links", [(p, want[p][0]) for p in paths])
probes = [want[p][1] for p in paths if p.startswith("/api/probes/link")]
t.ok(probes and all([x["test"] for x in b.get("tests", [])] == ["httping", "ping", "traceroute"] for b in probes),
     "the probe links show the three tests, each from its record", probes[:1])
for prefix in ("/api/layers", "/api/interface", "/api/probes/link"):
    diff = [p for p in paths if p.startswith(prefix) and got.get(p) != want[p]]
    t.ok(not diff and any(p.startswith(prefix) for p in paths),
         "%s: the same answers from CongoDB as from SQLite" % prefix,
         "\n".join("%s: %r\n  vs %r" % (p, got.get(p), want[p]) for p in diff[:3]))

server.stop()
t.done()
