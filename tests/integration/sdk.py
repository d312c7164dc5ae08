#!/usr/bin/python3
"""sdk.py - the module SDK from outside: what the binary exports (nm -D) is exactly what the
headers of include/scanbackup declare; each header compiles on its own; `make install` into a
DESTDIR puts the headers and scanbackup.pc in place; the in-tree modules, compiled there with
nothing but the compiler and `pkg-config --cflags scanbackup`, load and list; and the example
layer (examples/modules/csvlayer.c), built the same way into the installed modules folder, runs
with the installed binary and scripts through scan, daily, the updater and the diario workbook
(read back with openpyxl); the example test (examples/modules/tcpconnect.c), built the same way,
runs through monitor.json, the monitor's trace files, `updater probes`, the dashboard's link API
and the mediciones workbook, against a loopback port that accepts and one that refuses."""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request

import sbtest
import sbweb

t = sbtest.Tap()
CC = os.environ.get("CC", "cc").split()
MAKE = os.environ.get("MAKE", "make").split()
INCLUDE = os.path.join(sbtest.TOP_SRCDIR, "include/scanbackup")
HEADERS = sorted(f for f in os.listdir(INCLUDE) if f.endswith(".h"))


def sdk_functions():
    """Names of the functions the SDK headers declare with SB_API."""
    names = set()
    for h in HEADERS:
        text = sbtest.read(os.path.join(INCLUDE, h))
        for decl in re.findall(r"^SB_API\b([^;]*);", text, re.M | re.S):
            m = re.search(r"\b(sb_\w+)\s*\(", decl)
            if m:
                names.add(m.group(1))
    return names


def dynsyms(path, defined):
    """sb_* symbols of a shared object or executable's dynamic table (defined or undefined)."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True, check=True).stdout
    return {l.split()[-1].split("@")[0] for l in out.splitlines() if l.split()}


# ---- what the binary exports ----
api = sdk_functions()
t.ok(len(api) > 40 and "sb_probe_done" in api and "sb_job_set_url" in api,
     "the SDK headers declare their functions with SB_API (%d found)" % len(api), sorted(api))
exported = {s for s in dynsyms(sbtest.SCANBACKUP, True) if s.startswith("sb_")}
t.eq(sorted(exported - api), [], "nm -D: the binary exports no sb_ function outside the SDK")
t.eq(sorted(api - exported), [], "nm -D: every SDK function is exported")

# ---- the in-tree modules need nothing else ----
libs = os.path.join(sbtest.MODULES_DIR, ".libs")
mods = sorted(f for f in os.listdir(libs) if f.endswith(".so")) if os.path.isdir(libs) else []
t.ok(len(mods) >= 9, "the in-tree modules are built (%d)" % len(mods), mods)
for so in mods:
    path = os.path.join(libs, so)
    undef = {s for s in dynsyms(path, False) if s.startswith("sb_")}
    own = {s for s in dynsyms(path, True) if s.startswith("sb_")}
    t.ok(undef <= api and own == {"sb_module"},
         "%s calls only SDK functions and exports only sb_module" % so,
         "outside the SDK: %s; exported: %s" % (sorted(undef - api), sorted(own)))

# ---- each header stands alone, in strict C11 ----
work = sbtest.tempdir()
for h in HEADERS:
    src = os.path.join(work, "only_%s.c" % h[:-2])
    sbtest.write(src, "#include <scanbackup/%s>\nint sb_only(void);\nint sb_only(void)\n{\n"
                      "\treturn SB_OK;\n}\n" % h)
    r = subprocess.run(CC + ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c",
                             "-I", os.path.join(sbtest.TOP_SRCDIR, "include"), "-o", src + ".o", src],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "scanbackup/%s compiles on its own (C11, -Wpedantic -Werror)" % h,
         r.stderr)

# ---- installed: headers, scanbackup.pc, modules ----
dest = os.path.join(work, "destdir")
env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
r = subprocess.run(MAKE + ["-C", sbtest.TOP_BUILDDIR, "install", "DESTDIR=" + dest], env=env,
                   capture_output=True, text=True)
t.ok(r.returncode == 0, "make install DESTDIR=... succeeds", r.stdout[-2000:] + r.stderr[-2000:])
pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "scanbackup.pc"]
t.eq(len(pcs), 1, "scanbackup.pc is installed once", pcs)
pcdir = os.path.dirname(pcs[0]) if pcs else dest
pcenv = dict(env, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_SYSROOT_DIR=dest, PKG_CONFIG_LIBDIR=pcdir)


def pkgconfig(*args):
    r = subprocess.run(["pkg-config"] + list(args) + ["scanbackup"], env=pcenv, capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 else None


cflags = pkgconfig("--cflags")
t.ok(cflags is not None and cflags.startswith("-I" + dest), "pkg-config --cflags scanbackup", cflags)
incdir = cflags[2:] if cflags else ""
t.eq(sorted(os.listdir(os.path.join(incdir, "scanbackup"))) if os.path.isdir(incdir) else [],
     HEADERS, "the headers are installed under $(includedir)/scanbackup")
moduledir = pkgconfig("--variable=moduledir")
# pkgconf prefixes the sysroot to a path variable, pkg-config does not
if moduledir is not None and not moduledir.startswith(dest):
    moduledir = dest + moduledir
t.ok(moduledir is not None and os.path.isfile(os.path.join(moduledir, "borde.so")),
     "pkg-config --variable=moduledir names where make install put the modules", moduledir)
abi = pkgconfig("--variable=abi")
r = sbtest.run(["modules"], root=work)
t.ok(abi is not None and "(this scanbackup: ABI %s)" % abi in r.stdout,
     "pkg-config --variable=abi is the binary's module ABI", (abi, r.stdout[:200]))

# ---- the in-tree modules, built out of tree against the installed SDK ----
outmods = os.path.join(work, "modules")
OWN_LIBS = {"iperf3": ["-liperf"]}  # a library of the module's own, linked as usual
os.makedirs(outmods)
built = []
for src in sorted(os.listdir(os.path.join(sbtest.TOP_SRCDIR, "modules"))):
    if not src.endswith(".c"):
        continue
    so = os.path.join(outmods, src[:-2] + ".so")
    cmd = CC + ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"] + cflags.split() + \
        ["-o", so, os.path.join(sbtest.TOP_SRCDIR, "modules", src)] + OWN_LIBS.get(src[:-2], [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        built.append(src[:-2])
    else:
        t.ok(False, "modules/%s builds against the installed SDK" % src, r.stderr)
t.ok(len(built) >= 9, "every in-tree module builds with only cc and pkg-config --cflags (%d)"
     % len(built), built)
r = sbtest.run(["modules"], root=work, env={"MODULES_DIR": outmods})
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
t.ok(r.returncode == 0 and all(rows.get(m, [""] * 5)[4] == "ok" for m in built),
     "scanbackup modules loads each of them", r.stdout + r.stderr)

# ---- the example layer (examples/modules/csvlayer.c), end to end on the installed tree ----
example = os.path.join(sbtest.TOP_SRCDIR, "examples/modules/csvlayer.c")
r = subprocess.run(CC + ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"] + cflags.split() +
                   ["-o", os.path.join(moduledir, "csvlayer.so"), example], capture_output=True, text=True)
t.ok(r.returncode == 0, "the example layer builds with only cc and pkg-config --cflags, into "
     "the installed modules folder", r.stderr)
binary = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
          if f == "scanbackup" and os.path.basename(d) == "bin"]
scripts = [d for d, _, fs in os.walk(dest) if os.path.basename(d) == "scripts" and
           os.path.isfile(os.path.join(d, "reports/diario.lua"))]
t.ok(len(binary) == 1 and len(scripts) == 1, "the installed binary and scripts", (binary, scripts))
DATE, TZ = "2026-11-20", "UTC"
start, end = sbtest.day_bounds(DATE, TZ)
www = sbtest.tempdir()
srv = sbtest.Server(www)
ifaces = {"EDGE-1 xe-0/0/0": ("JUNIPER", 10.0, 7), "EDGE-2 xe-0/0/1": ("JUNIPER", 40.0, 11)}
want = {}
for k, (name, (typ, cap, seed)) in enumerate(sorted(ifaces.items())):
    rows = [(start + 300 * i, seed * 10 ** 6 + 997 * i, seed * 10 ** 6 + 991 * (287 - i))
            for i in range(288)]
    body = "time,in,out\n" + "".join("%d,%d,%d\n" % (ts - 86400, 5, 5) for ts, _, _ in rows[:4])
    body += "".join("%d,%d,%d\n" % x for x in rows)
    sbtest.write(os.path.join(www, "csv/%d.csv" % k), body)
    want[name] = rows
root = sbtest.tempdir()
os.symlink(scripts[0] if scripts else www, os.path.join(root, "scripts"))
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\nUSERSCAN=scan\nPASSWORDSCAN=s3cret\n" % TZ)
sbtest.write(os.path.join(root, "sources/SCAN/CSV"),
             "".join("%s/csv/%d.csv;%s;%g;%s\n" % (srv.base, k, name, ifaces[name][1], ifaces[name][0])
                     for k, name in enumerate(sorted(ifaces))))


def installed(*args):
    e = dict(os.environ, MODULES_DIR=moduledir)
    e.pop("PWDSCANBACKUP", None)
    return subprocess.run(binary[:1] + ["--root", root] + list(args), env=e, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


r = installed("modules")
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
t.ok(r.returncode == 0 and rows.get("csvlayer", [""] * 6)[1:5] == ["layer", abi, "CSV", "ok"],
     "scanbackup modules lists the example: a layer, CSV, ok", r.stdout + r.stderr)
steps = [("scan", "--date", DATE), ("daily", "--date", DATE), ("updater", "data", "--date", DATE),
         ("updater", "daily", "--date", DATE), ("diario", "--date", DATE, "--out", root + "/out")]
for step in steps:
    r = installed(*step)
    t.ok(r.returncode == 0, "the installed scanbackup %s with the example layer" % " ".join(step[:2]),
         r.stdout + r.stderr)
with urllib.request.urlopen(srv.base + "/_requests", timeout=5) as resp:
    seen = json.loads(resp.read().decode())
t.ok(len(seen) == 2 and all(q["target"].endswith("?date=" + DATE) and
                            q["headers"].get("Accept") == "text/csv" and
                            "Authorization" not in q["headers"] for q in seen),
     "its fetch hook asked for the day, as CSV, without the SCAN credentials", seen)
reason = sbtest.missing("openpyxl")
if reason:
    t.skip("the example's rows in the diario workbook, cell by cell", reason)
else:
    def workbook(ck):
        import openpyxl
        wb = openpyxl.load_workbook(os.path.join(root, "out/Data_Diario_BBIP.xlsx"))
        ck.eq(wb.sheetnames[-2:], ["IXP", "CSV"], "the layer's sheet follows the BBIP five")
        ws = wb["CSV"]
        ck.eq([c.value for c in ws[1]][:8], ["Interfaz", "In Prom", "In Max Prom", "Out Prom",
                                              "Out Max Prom", "Capacidad", "Tipo", "Uso (%)"],
              "header")
        F = 8.022e-9
        for i, name in enumerate(sorted(ifaces)):
            got = [c.value for c in ws[i + 2]][:8]
            ins, outs = [x[1] for x in want[name]], [x[2] for x in want[name]]
            typ, cap = ifaces[name][0], ifaces[name][1]
            exp = [name, sum(ins) / 288 * F, max(ins) * F, sum(outs) / 288 * F, max(outs) * F, cap,
                   typ, max(max(ins), max(outs)) * F / cap * 100]
            ck.eq([got[0], got[6]], [name, typ], "row %d: interface and type" % (i + 2))
            nums = [(g, e) for j, (g, e) in enumerate(zip(got, exp)) if j not in (0, 6)]
            ck.ok(all(isinstance(g, (int, float)) and abs(g - e) <= 1e-9 * max(1, abs(e)) for g, e in nums),
                  "row %d: the figures" % (i + 2), "got %s, want %s" % (got, exp))
    t.check("the example's rows in the diario workbook, cell by cell", workbook)
srv.stop()

# ---- the example test (examples/modules/tcpconnect.c), end to end on the installed tree ----
example = os.path.join(sbtest.TOP_SRCDIR, "examples/modules/tcpconnect.c")
r = subprocess.run(CC + ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"] + cflags.split() +
                   ["-o", os.path.join(moduledir, "tcpconnect.so"), example], capture_output=True, text=True)
t.ok(r.returncode == 0, "the example test builds with only cc and pkg-config --cflags, into the "
     "installed modules folder", r.stderr)
r = installed("modules")
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
t.ok(r.returncode == 0 and rows.get("csvlayer", [""] * 6)[1:5] == ["layer", abi, "CSV", "ok"] and
     rows.get("tcpconnect", [""] * 6)[1:5] == ["probe", abi, "-", "ok"] and
     rows["tcpconnect"][5] == os.path.join(moduledir, "tcpconnect.so"),
     "scanbackup modules lists both examples", r.stdout + r.stderr)

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
open_port, shut_port = listener.getsockname()[1], sbtest.free_port()


def accept():
    while True:
        try:
            c, _ = listener.accept()
        except OSError:
            return
        c.close()


threading.Thread(target=accept, daemon=True).start()
sbtest.write(os.path.join(root, "monitor.json"), json.dumps({
    "id": 7, "sleep_time": 0.2,
    "links": {"web": {"status": True, "ip": "127.0.0.1", "id": 1},
              "shut": {"status": True, "ip": "127.0.0.1", "id": 2}},
    "tests": {"tcpconnect": {"interval": 1, "port": open_port, "port_2": shut_port, "timeout": 2}}}))


def traces(link):
    return sbtest.trace_records(root, "tcpconnect", 7, link)


r = installed("monitor", "start")
t.ok(r.returncode == 0, "the installed monitor starts with the example test", r.stdout + r.stderr)
try:
    t.ok(sbtest.wait_until(lambda: len(traces(1)) >= 2 and len(traces(2)) >= 2, timeout=30),
         "its records in the trace files of both links",
         (traces(1), traces(2)))
finally:
    installed("monitor", "stop")
listener.close()
r = installed("updater", "probes", "--force")
t.ok(r.returncode == 0, "the installed updater probes stores them", r.stdout + r.stderr)
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
db.row_factory = sqlite3.Row
tcp = [dict(x) for x in db.execute("SELECT * FROM TCPCONNECT_HISTORY ORDER BY link, timestamp")]
db.close()
up = [x for x in tcp if x["link"] == 1]
down = [x for x in tcp if x["link"] == 2]
t.ok(up and all(x["open"] == 1 and x["port"] == open_port and x["ip"] == "127.0.0.1" and
                isinstance(x["connect"], float) and x["connect"] >= 0 and x["error"] is None for x in up),
     "TCPCONNECT_HISTORY: the open port, its connect time in ms", up)
t.ok(down and all(x["open"] == 0 and x["port"] == shut_port and x["connect"] is None and
                  x["error"] == "Connection refused" for x in down),
     "TCPCONNECT_HISTORY: the closed port, refused, without a time", down)

sbweb.add_user(root, "vic", "viewer-secret-7", "viewer")
sbtest.SCANBACKUP = binary[0] if binary else sbtest.SCANBACKUP  # the installed one serves
web = sbweb.Serve(root, env={"MODULES_DIR": moduledir})
try:
    viewer = sbweb.Client(web.port)
    viewer.login("vic", "viewer-secret-7")
    got = {}
    for link in (1, 2):
        st, _, body = viewer.get("/api/probes/link?monitor=7&link=%d" % link)
        got[link] = {x["test"]: x for x in body.get("tests", [])}.get("tcpconnect", {}) if st == 200 else {}
    t.ok(got[1].get("headline") == "connect" and got[1].get("up") == "open" and
         got[1]["availability"]["pct"] == 100 and
         sorted(got[1]["values"]["connect"]) == sorted(round(x["connect"], 3) for x in up),
         "the dashboard's link page: the connect times of the open port, the link up", got[1])
    t.ok(got[2].get("availability", {}).get("pct") == 0 and got[2]["last"].get("error") == "Connection refused",
         "the dashboard's link page: the refused port down, its error", got[2])
finally:
    web.stop()

today = time.strftime("%Y-%m-%d", time.gmtime())
yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))  # a run may cross midnight
r = installed("report", "mediciones", "--from", yesterday, "--to", today, "--out", root + "/out")
t.ok(r.returncode == 0, "the installed report mediciones over the example's records", r.stdout + r.stderr)
reason = sbtest.missing("openpyxl")
if reason:
    t.skip("the example test's rows in the mediciones workbook, cell by cell", reason)
else:
    def mediciones(ck):
        import openpyxl
        wb = openpyxl.load_workbook(os.path.join(root, "out/Mediciones_Enlaces.xlsx"))
        ck.eq(wb.sheetnames, ["tcpconnect"], "one sheet, the example test's")
        ws = wb["tcpconnect"]
        head = [c.value for c in ws[3]]
        ck.eq(head, ["Enlace", "Monitor", "Registros", "Disponibilidad (%)", "port media", "port mín.",
                     "port máx.", "connect (ms) media", "connect mín.", "connect máx."], "the header")
        got = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
        ms = [x["connect"] for x in up]
        ck.ok(got.get(1, ())[1:7] == (7, len(up), 100, open_port, open_port, open_port) and
              abs(got[1][7] - sum(ms) / len(ms)) <= 1e-9 * max(1, sum(ms) / len(ms)) and
              got[1][8] == min(ms) and got[1][9] == max(ms), "link 1: up, the connect times", (got.get(1), ms))
        ck.ok(got.get(2, ())[1:7] == (7, len(down), 0, shut_port, shut_port, shut_port) and
              got[2][7:10] == (None, None, None), "link 2: down, no time", got.get(2))
    t.check("the example test's rows in the mediciones workbook, cell by cell", mediciones)
shutil.rmtree(dest, True)
t.done()
