#!/usr/bin/python3
"""serve_api.py - the web server's JSON API against the real `scanbackup serve` on a loopback port:
sign-in and sessions, roles, CSRF, the login rate limit, bad input answered 4xx with a message
(never 500), the traffic data of the example night, the xlsx reports, the remote monitors'
protocol, the access log, TLS, MongoDB as the store, and the graceful stop on SIGTERM. What needs
a missing dependency (the built dashboard, python3-openpyxl, python3-mockupdb, openssl) is
reported as named skips."""

import io
import os
import re
import signal
import sqlite3
import threading
import time

import sbtest
import sbweb

t = sbtest.Tap()
root = sbweb.example_root("SERVE_LOGIN_MAX_FAILS=4\nSERVE_LOGIN_WINDOW=60\n")
ADMIN_PW, VIEWER_PW = "admin-secret-1", "viewer-secret-2"
sbweb.add_user(root, "ana", ADMIN_PW, "admin")
sbweb.add_user(root, "vic", VIEWER_PW, "viewer")
srv = sbweb.Serve(root)
web_built = os.path.exists(os.path.join(sbtest.TOP_BUILDDIR, "web/dist/index.html"))


def client():
    return sbweb.Client(srv.port)


def is_4xx_json(res, want, name):
    st, h, body = res
    good = st == want and isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]
    t.ok(good, name, "status %r body %r" % (st, body))


anon = client()

# ---- nothing but the login page without a session ----
is_4xx_json(anon.get("/api/layers"), 401, "API without a session: 401 with a message")
st, h, _ = anon.get("/")
t.ok(st == 302 and h.get("location") == "/login", "the dashboard redirects to /login", (st, h))
st, h, _ = anon.get("/assets/app.js")
t.eq(st, 401, "the dashboard's script needs a session")
if web_built:
    st, h, body = anon.get("/login")
    t.ok(st == 200 and b"login-form" in body and h["content-type"].startswith("text/html"),
         "the login page is served", st)
    st, h, _ = anon.get("/assets/login.js")
    t.eq(st, 200, "and what it loads")
    t.ok("default-src 'self'" in h.get("content-security-policy", ""), "with a same-origin CSP")
    t.eq(anon.get("/assets/../../etc/passwd")[0], 401, "no path outside the web folder")
else:
    why = "dashboard files not built (web/dist): " + (sbtest.missing("node") or "configure --disable-web")
    for name in ("the login page is served", "and what it loads", "with a same-origin CSP",
                 "no path outside the web folder"):
        t.skip(name, why)

# ---- sign-in ----
is_4xx_json(anon.request("POST", "/api/login", raw="user=ana", headers={"Content-Type": "text/plain"}),
            415, "login with a form body: 415")
is_4xx_json(anon.request("POST", "/api/login", raw="{not json",
                         headers={"Content-Type": "application/json"}), 400, "login with bad JSON: 400")
is_4xx_json(anon.request("POST", "/api/login", raw="[1,2]", headers={"Content-Type": "application/json"}),
            400, "login with a JSON array: 400")
is_4xx_json(anon.request("POST", "/api/login", {"user": "ana"}), 400, "login without a password: 400")
is_4xx_json(anon.request("POST", "/api/login", {"user": 7, "password": "x"}), 400,
            "login with a number as user: 400")
is_4xx_json(anon.login("ana", "wrong"), 401, "wrong password: 401")
is_4xx_json(anon.login("nobody", "wrong"), 401, "unknown user: the same 401")
st, h, body = anon.request("POST", "/api/login", {"user": "ana", "password": ADMIN_PW},
                           headers={"Origin": "http://evil.example"})
t.eq(st, 403, "a cross-site login is refused (Origin)")

admin = client()
st, h, body = admin.login("ana", ADMIN_PW)
t.ok(st == 200 and body.get("role") == "admin" and len(body.get("csrf", "")) == 64,
     "admin signs in: role and CSRF token", body)
cookie = [c for c in h["set-cookie-all"] if c.startswith("sb_session=")]
t.ok(len(cookie) == 1 and "HttpOnly" in cookie[0] and "SameSite=Strict" in cookie[0] and
     "Path=/" in cookie[0] and "Secure" not in cookie[0],
     "session cookie: HttpOnly, SameSite=Strict, not Secure over plain HTTP", cookie)
st, h, body = admin.get("/api/session")
t.ok(st == 200 and body["user"] == "ana" and body["csrf"] == admin.csrf, "the session is known")
viewer = client()
t.eq(viewer.login("vic", VIEWER_PW)[0], 200, "viewer signs in")

# ---- rate limit per IP and user ----
limited = client()
codes = [limited.login("vic", "nope-%d" % i)[0] for i in range(4)]
t.eq(codes, [401] * 4, "four wrong passwords: 401 each")
st, h, body = limited.login("vic", VIEWER_PW)
t.ok(st == 429 and int(h.get("retry-after", "0")) > 0 and "try again" in body.get("error", ""),
     "then even the right one is refused for a while: 429 with Retry-After", (st, h, body))
t.eq(client().login("ana", ADMIN_PW)[0], 200, "another user from the same address still signs in")

# ---- CSRF on every change ----
st, _, body = admin.request("POST", "/api/monitors", {"name": "box-a"}, csrf=False)
t.ok(st == 403 and "CSRF" in body["error"], "a change without the CSRF token: 403", (st, body))
st, _, body = admin.request("POST", "/api/monitors", {"name": "box-a"}, csrf=False,
                            headers={"X-CSRF-Token": "0" * 64})
t.eq(st, 403, "with a wrong token: 403")
other = client()
other.login("ana", ADMIN_PW)
st, _, _ = admin.request("POST", "/api/monitors", {"name": "box-a"}, csrf=False,
                         headers={"X-CSRF-Token": other.csrf})
t.eq(st, 403, "with another session's token: 403")
st, _, _ = admin.request("POST", "/api/monitors", {"name": "box-a"}, headers={"Origin": "http://evil.example"})
t.eq(st, 403, "from another origin: 403")
st, _, body = admin.request("POST", "/api/monitors", {"name": "box-a"})
t.ok(st == 201 and body["id"] == 1, "with the token: created", (st, body))
mid = body["id"]

# ---- roles ----
is_4xx_json(viewer.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "127.0.0.1"}), 404,
            "viewer cannot add a link to a monitor not shared with them: to them it does not exist")
st, _, body = viewer.request("POST", "/api/monitors", {"name": "box-v"})
t.ok(st == 201 and viewer.request("DELETE", "/api/monitors/%d" % body.get("id", 0))[0] == 200,
     "viewer adds a monitor of their own, and deletes it", body)
is_4xx_json(viewer.get("/api/users"), 403, "viewer cannot list users")
t.eq(admin.request("POST", "/api/monitors/%d/shares" % mid, {"user": "vic"})[0], 200, "the admin shares box-a with the viewer")
t.eq(viewer.get("/api/monitors")[0], 200, "viewer reads the monitors")
is_4xx_json(viewer.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "127.0.0.1"}), 403,
            "viewer cannot add a link to a monitor shared with them")
t.eq(viewer.get("/api/layers")[0], 200, "viewer reads the traffic")

# ---- bad input: 4xx with a message, never 500 ----
bad = [
    (admin.get("/api/interface"), 400, "interface without layer and name"),
    (admin.get("/api/interface?layer=NOPE&name=x"), 400, "interface of an unknown layer"),
    (admin.get("/api/interface?layer=BORDE&name=x&from=2026-13-01"), 400, "a date that is not one"),
    (admin.get("/api/interface?layer=BORDE&name=x&from=2026-11-20&to=2026-11-01"), 400, "from after to"),
    (admin.get("/api/interface?layer=BORDE&name=x&from=2020-01-01&to=2026-11-20"), 400, "a range too long"),
    (admin.get("/api/layers?date=yesterday"), 400, "layers of a bad date"),
    (admin.get("/api/probes/link?monitor=x&link=1"), 400, "probe link with a bad monitor"),
    (admin.get("/api/nothing"), 404, "an unknown API call"),
    (admin.request("DELETE", "/api/layers"), 405, "a wrong method"),
    (admin.get("/api/monitors/abc"), 404, "a monitor id that is not a number"),
    (admin.get("/api/monitors/99"), 404, "a monitor that does not exist"),
    (admin.request("POST", "/api/monitors", {"name": ""}), 400, "a monitor without a name"),
    (admin.request("POST", "/api/monitors", {"name": "box-a"}), 400, "a second monitor of the same name"),
    (admin.request("POST", "/api/monitors", {"name": "x", "sleep_time": -3}), 400, "a negative sleep_time"),
    (admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "l", "ip": "not-an-ip"}), 400,
     "a link whose ip is not an address"),
    (admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "l", "ip": "10.0.0.1", "id": 1.5}), 400,
     "a link id with a fraction"),
    (admin.request("PUT", "/api/monitors/%d/tests/nosuch" % mid, {"interval": 60}), 400,
     "a test of no probe module"),
    (admin.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 60, "bogus": 1}), 400,
     "a test parameter the module does not know"),
    (admin.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 0}), 400,
     "an interval of 0"),
    (admin.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"count": [1]}), 400,
     "a list as a parameter"),
    (admin.request("POST", "/api/users", {"name": "bad name", "password": "long enough"}), 400,
     "a user name with a blank"),
    (admin.request("POST", "/api/users", {"name": "zed", "password": "short"}), 400, "a short password"),
    (admin.request("POST", "/api/users", {"name": "zed", "password": "long enough", "role": "root"}), 400,
     "an unknown role"),
    (admin.request("POST", "/api/users", raw="{\"name\": \"zed\", \"password\": \"" + "x" * 70000 + "\"}",
                   headers={"Content-Type": "application/json"}), 413, "a body over 64 KiB"),
    (admin.get("/api/reports/nosuch"), 404, "an unknown report"),
    (admin.get("/api/reports/diario?date=2026-02-30"), 400, "a report of a bad date"),
    (admin.get("/api/reports/diario?from=2026-11-01"), 400, "a report with from but no to"),
    (admin.request("PUT", "/api/users/ana", {"role": "viewer"}), 400, "demoting the last admin"),
    (admin.request("DELETE", "/api/users/ana"), 400, "deleting one's own account"),
    (admin.request("DELETE", "/api/users/nobody"), 404, "deleting a user that does not exist"),
]
for res, want, name in bad:
    is_4xx_json(res, want, name + ": %d with a message" % want)

# ---- traffic of the example night ----
db = os.path.join(root, "data/scanbackup.db")
st, _, lay = admin.get("/api/layers")
t.ok(st == 200 and lay["date"] == sbweb.EXAMPLE_DATE, "without a date: the newest day stored", lay.get("date"))
counts = {L["layer"]: len(L["interfaces"]) for L in lay["layers"]}
want = {}
for layer, n in sqlite3.connect(db).execute(
        "select typeLayer, count(*) from DAILY_SUMMARY_HISTORY where date = ? group by typeLayer",
        (sbweb.EXAMPLE_DATE,)):
    want[layer] = n
t.eq(counts, want, "every interface of every layer, as in the store")
rai = [L for L in lay["layers"] if L["layer"] == "RAI"][0]
t.ok(any(s["name"].startswith("RAI-BQT-01") and s["samples"] == 246 for s in rai["short"]),
     "the short day of RAI-BQT-01 (246 of 288) is flagged", rai["short"])
borde = [L for L in lay["layers"] if L["layer"] == "BORDE"][0]
uses = [f["use"] for f in borde["top"]]
t.ok(uses == sorted(uses, reverse=True) and len(uses) > 0, "top utilisation sorted by use", uses)
name, typ = borde["interfaces"][0]["name"], borde["interfaces"][0]["type"]
import urllib.parse
q = urllib.parse.urlencode({"layer": "BORDE", "name": name, "type": typ, "from": "2026-11-14",
                            "to": sbweb.EXAMPLE_DATE})
st, _, iface = admin.get("/api/interface?" + q)
rows = sqlite3.connect(db).execute(
    "select time, inProm, outProm, inMaxProm, outMaxProm from BORDE_HISTORY where name = ? and type = ? "
    "order by date, time", (name, typ)).fetchall()
t.ok(st == 200 and len(iface["t"]) == len(rows) == 288, "the interface's raw samples (288)", (st, len(rows)))
t.eq(iface["in_avg"], [r[1] for r in rows], "in avg as stored")
t.eq(iface["out_max"], [r[4] for r in rows], "out max as stored")
steps = {b - a for a, b in zip(iface["t"], iface["t"][1:])}
t.eq(steps, {300}, "timestamps 5 minutes apart")


def rank95(v):
    s = sorted(v)
    return s[-(-95 * len(s) // 100) - 1]


t.eq((iface["p95"]["in"], iface["p95"]["out"]), (rank95([r[1] for r in rows]), rank95([r[2] for r in rows])),
     "95th percentile of the range by the nearest-rank rule")
t.ok(len(iface["daily"]) == 1 and iface["daily"][0]["samples"] == 288, "the daily summary table", iface["daily"])

# ---- the xlsx reports: the same workbook the CLI writes ----
st, h, xlsx = admin.get("/api/reports/diario?date=" + sbweb.EXAMPLE_DATE)
t.ok(st == 200 and xlsx[:2] == b"PK" and "spreadsheetml" in h.get("content-type", "") and
     'filename="Data_Diario_BBIP_%s.xlsx"' % sbweb.EXAMPLE_DATE in h.get("content-disposition", ""),
     "diario downloads named after its day: Data_Diario_BBIP_%s.xlsx" % sbweb.EXAMPLE_DATE,
     (st, h.get("content-type"), h.get("content-disposition")))
cli_out = sbtest.tempdir()
r = sbtest.run(["report", "diario", "--date", sbweb.EXAMPLE_DATE, "--out", cli_out], root=root)


def same_cells(xlsx):
    import openpyxl

    def cells(data):
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}

    with open(os.path.join(cli_out, "Data_Diario_BBIP.xlsx"), "rb") as f:
        t.eq(cells(xlsx), cells(f.read()), "every sheet and cell as the CLI writes them")


t.case("every sheet and cell as the CLI writes them", same_cells, xlsx, needs=("openpyxl",))
st, _, body = admin.get("/api/reports")
t.ok(st == 200 and {"diario", "semanal", "quincenal", "mensual"} <= {r["name"] for r in body["reports"]},
     "the report list holds the four period reports")

# ---- users ----
st, _, body = admin.request("POST", "/api/users", {"name": "zoe", "password": "zoe-password", "role": "viewer"})
t.eq(st, 201, "admin adds a user")
zoe = client()
t.eq(zoe.login("zoe", "zoe-password")[0], 200, "who signs in")
t.eq(admin.request("PUT", "/api/users/zoe", {"role": "admin"})[0], 200, "admin promotes her")
t.eq(zoe.get("/api/session")[0], 401, "which ends her sessions")
t.eq(admin.request("DELETE", "/api/users/zoe")[0], 200, "admin deletes her")
t.eq(client().login("zoe", "zoe-password")[0], 401, "she cannot sign in any more")

# ---- remote monitors: token, config, results ----
st, _, link = admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "gateway", "ip": "192.0.2.1"})
t.ok(st == 201 and link["id"] == 1, "a link is added", link)
t.eq(admin.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 60, "count": 3, "count_1": 5})[0],
     200, "a ping test is set, with a per-link override")
st, _, tok = admin.request("POST", "/api/monitors/%d/token" % mid)
token = tok["token"]
t.ok(st == 201 and token.startswith("sbm_%d_" % mid), "a token is issued", tok)
box = sbweb.Client(srv.port)
auth = {"Authorization": "Bearer " + token}
st, h, conf = box.get("/api/monitors/%d/config" % mid, headers=auth)
t.ok(st == 200 and conf["id"] == mid and conf["links"]["gateway"]["ip"] == "192.0.2.1" and
     conf["tests"]["ping"]["count_1"] == 5, "the monitor pulls its monitor.json", conf)
etag = h.get("etag")
t.eq(box.get("/api/monitors/%d/config" % mid, headers=dict(auth, **{"If-None-Match": etag}))[0], 304,
     "unchanged: 304")
admin.request("PUT", "/api/monitors/%d/links/1" % mid, {"ip": "192.0.2.9"})
st, h2, conf = box.get("/api/monitors/%d/config" % mid, headers=dict(auth, **{"If-None-Match": etag}))
t.ok(st == 200 and conf["links"]["gateway"]["ip"] == "192.0.2.9" and h2.get("etag") != etag,
     "an edit on the dashboard changes it", (st, conf))
is_4xx_json(box.get("/api/monitors/%d/config" % mid, headers={"Authorization": "Bearer sbm_1_" + "0" * 64}), 401,
            "a wrong token: 401")
admin.request("POST", "/api/monitors", {"name": "box-b"})
is_4xx_json(box.get("/api/monitors/2/config", headers=auth), 401, "a token of another monitor: 401")
lines = "".join("1\t2026-11-20T10:%02d:00Z\tping\t192.0.2.9\t%s\t0\t3\t3\n" % (m, 10 + m) for m in range(5))
lines += "1\tgarbage\n1\t2026-11-20T10:10:00Z\tping\t192.0.2.9\t-1\t100\t3\t0\n"
st, _, res = box.request("POST", "/api/monitors/%d/results" % mid, raw=lines,
                         headers=dict(auth, **{"Content-Type": "text/plain"}))
t.ok(st == 200 and res["stored"] == 6 and res["rejected"] == 1 and res["errors"][0]["line"] == 6,
     "results pushed: 6 stored, the bad line named", res)
box.request("POST", "/api/monitors/%d/results" % mid, raw=lines, headers=dict(auth, **{"Content-Type": "text/plain"}))
n = sqlite3.connect(db).execute("select count(*) from PING_HISTORY where monitor = ?", (mid,)).fetchone()[0]
t.eq(n, 6, "sent twice, stored once")
is_4xx_json(box.request("POST", "/api/monitors/%d/results" % mid, raw=lines,
                        headers={"Content-Type": "text/plain"}), 401, "results without a token: 401")
is_4xx_json(box.request("POST", "/api/monitors/%d/results" % mid, raw="1\t" + "x" * 100000 + "\n",
                        headers={"Content-Type": "text/plain"}), 413,
            "a large body without a token is cut at 64 KiB: 413")
is_4xx_json(admin.request("POST", "/api/monitors/%d/results" % mid, raw=lines,
                          headers={"Content-Type": "text/plain"}), 401, "nor with a user's session")
is_4xx_json(box.request("POST", "/api/monitors/%d/results" % mid, {"x": 1}, headers=auth), 415,
            "results as JSON: 415")
st, _, mons = viewer.get("/api/monitors")
g = mons["monitors"][0]["links"][0]
t.ok(g["state"] in ("up", "down", "unknown"), "the dashboard lists the link with a state", g)
st, _, pl = viewer.get("/api/probes/link?monitor=%d&link=1&from=2026-11-20&to=2026-11-20" % mid)
tests = {x["test"]: x for x in pl.get("tests", [])} if st == 200 else {}
ping = tests.get("ping", {})
t.ok(st == 200 and list(tests) == ["ping"] and len(ping["t"]) == 6 and
     abs(ping["availability"]["pct"] - 500 / 6) < 1e-9,
     "the link's page: the ping test, 6 records, 5 of 6 up", pl)
t.ok(ping.get("up") == "received" and ping.get("headline") == "rtt" and ping["values"]["rtt"][5] == -1 and
     ping["values"]["jitter"] == [None] * 6 and [f["name"] for f in ping["fields"]][:3] == ["ip", "rtt", "loss"]
     and ping["last"]["ip"] == "192.0.2.9",
     "with its record's declaration, a series per number field, and the newest record", ping)
hm = ping.get("heatmap", {})
t.ok(hm.get("days") == [sbweb.EXAMPLE_DATE] and hm["value"][0][6] == 12.0 and hm["value"][0][5] is None and
     (hm["active_hours"], hm["active_days"]) == (1, 1),
     "heat map: 06:00 Caracas holds the median RTT of the replies; 1 active hour, 1 active day", hm)
t.eq(admin.request("DELETE", "/api/monitors/%d/token" % mid)[0], 200, "the token is revoked")
is_4xx_json(box.get("/api/monitors/%d/config" % mid, headers=auth), 401, "and refused from then on")

# ---- sign out ----
old_cookie = dict(viewer.cookies)
t.eq(viewer.request("POST", "/api/logout")[0], 200, "viewer signs out")
viewer.cookies = old_cookie
t.eq(viewer.get("/api/session")[0], 401, "the old cookie is dead")

# ---- the access log ----
log = sbtest.read(os.path.join(root, "data/logs/access.log"))
line_re = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING|ERROR) \[serve\] 127\.0\.0\.1 \S+ '
                     r'"[A-Z]+ /\S*" \d{3} \d+ [\d.]+ms$')
lines = log.splitlines()
t.ok(len(lines) > 50 and all(line_re.match(x) for x in lines), "access log lines in the log's line format",
     [x for x in lines if not line_re.match(x)][:3])
t.ok(any('ana "GET /api/layers" 200' in x for x in lines), "with the user and the status")
t.ok(any(x.startswith(x[:19] + " WARNING") and '" 401 ' in x for x in lines), "4xx logged as WARNING")
everything = log + sbtest.read(os.path.join(root, "data/logs/ScanBackup.log")) + srv.output()
t.ok(ADMIN_PW not in everything and VIEWER_PW not in everything and token.split("_")[2] not in everything,
     "no password or token in any log")
t.ok(" 500 " not in log, "no 500 in the whole run")

# ---- graceful stop: a request in flight is answered ----
result = {}


def slow():
    result["res"] = admin.get("/api/reports/mensual?date=" + sbweb.EXAMPLE_DATE)


th = threading.Thread(target=slow)
th.start()
time.sleep(0.15)
code = srv.stop()
th.join(30)
t.ok(result.get("res", (0,))[0] == 200, "SIGTERM: the report in flight is still delivered",
     result.get("res", (None,))[0])
t.eq(code, 0, "and the server exits 0")


# ---- TLS ----
def over_tls():
    cert, key = sbweb.tls_pair(sbtest.tempdir())
    tls = sbweb.Serve(root, ["--tls-cert", cert, "--tls-key", key])
    sc = sbweb.Client(tls.port, tls_context=sbweb.tls_context(cert))
    st, h, body = sc.login("ana", ADMIN_PW)
    cookie = [c for c in h["set-cookie-all"] if c.startswith("sb_session=")]
    t.ok(st == 200 and "Secure" in cookie[0], "over TLS the cookie is Secure", cookie)
    t.ok("max-age" in h.get("strict-transport-security", ""), "and HSTS is sent")
    t.eq(sc.get("/api/layers")[0], 200, "the API answers over TLS")
    t.eq(tls.stop(), 0, "TLS server stops cleanly")


t.case("over TLS", over_tls, needs=("openssl",))


# ---- MongoDB as the store (a wire peer answering the queries) ----
def mongo_store():
    import mongopeer
    peer = mongopeer.Peer()
    peer.reset(existing=["DAILY_SUMMARY_HISTORY"], docs={"DAILY_SUMMARY_HISTORY": [
        {"name": "MONGO-IF-1", "type": "CISCO", "date": sbweb.EXAMPLE_DATE, "typeLayer": "BORDE", "capacity": 10.0,
         "inProm": 1.0, "inMaxProm": 2.0, "outProm": 3.0, "outMaxProm": 4.0, "use": 40.0, "samples": 288}]})
    ms = sbweb.Serve(root, env={"DATABASE_URI": peer.uri()})
    mc = sbweb.Client(ms.port)
    mc.login("ana", ADMIN_PW)
    st, _, body = mc.get("/api/layers?date=" + sbweb.EXAMPLE_DATE)
    names = [f["name"] for L in body.get("layers", []) for f in L["interfaces"]]
    t.ok(st == 200 and body["backend"] == "mongodb" and "MONGO-IF-1" in names,
         "the same API over a MongoDB store", (st, body))
    ms.stop()
    peer.stop()


t.case("the same API over a MongoDB store", mongo_store, needs=("mockupdb",))

t.done()
