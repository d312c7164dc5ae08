#!/usr/bin/python3
"""serve_reports.py - one report registry for `scanbackup report` and the web server's
/api/reports: the same list and titles (a script of REPORTS_SCRIPTS hiding a shipped one of the
same name), bad names refused in the same words, unknown ones alike; a report run by the web server
while its one request thread keeps answering; a report that never ends stopped at REPORT_TIMEOUT; a
stop while a report runs (the child killed). No child process and no temporary folder is left. TAP output."""

import os
import re
import signal
import threading
import time
import urllib.parse

import sbtest
import sbweb

t = sbtest.Tap()
root = sbtest.tempdir("sbreg-")
tmp = sbtest.tempdir("sbregtmp-")
sbtest.write(os.path.join(root, ".env"),
             "TIMEZONE=UTC\nREPORTS_SCRIPTS=mine\nSERVE_THREADS=1\nREPORT_TIMEOUT=2\nSERVE_STOP_GRACE=0.5\n")
mine = os.path.join(root, "mine")
sbtest.write(os.path.join(mine, "diario.lua"),
             "-- diario.lua - Mi diario, no el de la casa\n"
             "local wb = sb.xlsx.workbook(sb.report.output(\"Mio.xlsx\"))\n"
             "wb:add_worksheet(\"Hoja\"):write_row(0, 0, {\"uno\", 2})\nwb:close()\n")
sbtest.write(os.path.join(mine, "lento.lua"), "#!/usr/bin/lua\n-- lento.lua - Nunca termina: \u00f1and\u00fa\n"
             "while true do end\n")
sbtest.write(os.path.join(mine, "README.txt"), "not a script\n")
sbtest.write(os.path.join(mine, ".oculto.lua"), "-- .oculto.lua - a hidden file is no report\n")
sbweb.add_user(root, "ana", "reg-secret-1", "admin")


def cli(*args):
    return sbtest.run(list(args), root=root, env={"TMPDIR": tmp})


# ---- the list: the same names and titles on both sides ----
p = cli("report", "--list")
cli_titles, section, hidden = {}, None, []
for line in p.stdout.splitlines():
    if line.startswith("reports in "):
        section = "mine" if "(REPORTS_SCRIPTS)" in line else "shipped"
    elif line.startswith("  ") and line.strip() != "(none)":
        name, _, title = line.strip().partition(" ")
        title = title.strip()
        if title.endswith("(hidden by the one above)"):
            hidden.append((section, name))
        elif name not in cli_titles:
            cli_titles[name] = title
t.ok(p.returncode == 0 and {"diario", "lento", "semanal", "mensual"} <= set(cli_titles) and
     "README" not in cli_titles and ".oculto" not in cli_titles, "report --list: both folders", p.stdout)
t.eq(hidden, [("shipped", "diario")], "report --list: the shipped diario is hidden by the user's")
t.eq(cli_titles.get("lento"), "Nunca termina: \u00f1and\u00fa", "a title after a #! line, UTF-8 kept")

srv = sbweb.Serve(root, env={"TMPDIR": tmp})
admin = sbweb.Client(srv.port)
admin.login("ana", "reg-secret-1")
st, _, body = admin.get("/api/reports")
web_titles = {x["name"]: x["title"] for x in body.get("reports", [])} if st == 200 else {}
t.eq(web_titles, cli_titles, "/api/reports: the names and titles the command line shows")

# ---- names: refused in the same words ----
for bad in ("..", ".env", "a b", "x" * 65, "-f", "diario;id"):
    p = cli("report", "--", bad) if bad.startswith("-") else cli("report", bad)
    cli_msg = p.stderr.splitlines()[0].partition(": ")[2] if p.stderr else ""
    st, _, body = admin.get("/api/reports/" + urllib.parse.quote(bad, safe=""))
    web_msg = body.get("error") if isinstance(body, dict) else body
    t.ok(p.returncode == 2 and st == 400 and cli_msg == web_msg and "is not a report name" in cli_msg,
         "%r: refused with the same words by both (%s)" % (bad, cli_msg), (p.returncode, p.stderr, st, body))
p = cli("report", "nada")
st, _, body = admin.get("/api/reports/nada.xlsx")
t.ok(p.returncode == 1 and "unknown report 'nada'" in p.stderr and st == 404 and
     body.get("error") == "unknown report 'nada'", "an unknown report: the same words", (p.stderr, st, body))

# ---- a report written while the one request thread answers others ----
res = {}


def get(key, path):
    t0 = time.time()
    c = sbweb.Client(srv.port)
    c.cookies = dict(admin.cookies)
    res[key] = c.get(path) + (time.time() - t0,)


th = threading.Thread(target=get, args=("slow", "/api/reports/lento"))
th.start()
time.sleep(0.4)
t0 = time.time()
st, _, body = admin.get("/api/session")
quick = time.time() - t0
t.ok(st == 200 and quick < 1.0 and th.is_alive(),
     "while a report runs, the only request thread answers another request (%.2f s)" % quick)
st, h, xlsx = admin.get("/api/reports/diario.xlsx")
t.ok(st == 200 and xlsx[:2] == b"PK" and re.search(r'filename="Mio_\d{4}-\d\d-\d\d\.xlsx"', h.get("content-disposition", "")) and
     th.is_alive(), "and writes another report meanwhile: the user's diario", (st, h))
th.join(30)
st, _, body, secs = res.get("slow", (0, None, {}, 0))
t.ok(st == 503 and "longer than REPORT_TIMEOUT allows (2 s)" in body.get("error", "") and 1.8 < secs < 8,
     "REPORT_TIMEOUT: the report stops and is answered 503 with its words (%.1f s)" % secs, (st, body))
t.ok("report lento failed: " in srv.output() and "REPORT_TIMEOUT" in srv.output(), "and the server's log says so",
     srv.output()[-1500:])


def children():
    """Processes running `report lento`."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"report" in argv and b"lento" in argv and b"--root" in argv and root.encode() in argv:
            out.append(pid)
    return out


t.eq(children(), [], "no report process is left")
t.eq(os.listdir(tmp), [], "no temporary folder is left")

# ---- a stop while a report runs: answered, killed, cleaned ----
th = threading.Thread(target=get, args=("stopped", "/api/reports/lento"))
th.start()
time.sleep(0.5)
t0 = time.time()
code = srv.stop()
stop_secs = time.time() - t0
th.join(30)
st, _, body, _ = res.get("stopped", (0, None, {}, 0))
t.ok(code == 0 and stop_secs < 5, "the server stops within its grace (%.1f s)" % stop_secs, srv.output()[-1500:])
t.ok(st == 503 and "the server is stopping" in body.get("error", ""),
     "the report in flight is answered 503", (st, body))
t.eq(children(), [], "its process was killed")
t.eq(os.listdir(tmp), [], "its temporary folder removed")
t.done()
