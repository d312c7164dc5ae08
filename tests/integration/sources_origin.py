#!/usr/bin/python3
"""sources_origin.py - the scrapers send the SCAN credentials to the portal's origin only: two local
servers on different ports record every request's Authorization header while a scraper script
follows the links of a portal page (to the other server, to file://, through redirects off and on
the origin, a URL whose user info names the portal). TAP output."""

import base64
import http.server
import os
import threading

import sbtest

t = sbtest.Tap()
USER, PASSWORD = "scan", "portal pass 9"
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
seen = []  # (server, path, Authorization or None)
lock = threading.Lock()


def serve(name, routes):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with lock:
                seen.append((name, self.path, self.headers.get("Authorization")))
            status, headers, body = routes(self.path)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


ports = {}


def portal_routes(path):
    a, b = ports["A"], ports["B"]
    if path == "/portal.html":
        links = ["http://127.0.0.1:%d/other.html" % b, "file:///etc/passwd", "/go-other",
                 "/go-home", "/go-file", "http://127.0.0.1:%d@127.0.0.1:%d/userinfo.html" % (a, b),
                 "ftp://127.0.0.1:%d/x" % a, "/page2.html"]
        html = "<html><body>" + "".join('<a href="%s">l</a>' % u for u in links) + "</body></html>"
        return 200, {"Content-Type": "text/html"}, html.encode()
    if path == "/go-other":
        return 302, {"Location": "http://127.0.0.1:%d/from-redirect.html" % b}, b""
    if path == "/go-home":
        return 302, {"Location": "/home2.html"}, b""
    if path == "/go-file":
        return 302, {"Location": "file:///etc/passwd"}, b""
    return 200, {"Content-Type": "text/html"}, b"<html><body>a</body></html>"


def other_routes(path):
    if path == "/go-portal":
        return 302, {"Location": "http://127.0.0.1:%d/back.html" % ports["A"]}, b""
    return 200, {"Content-Type": "text/html"}, b"<html><body>b</body></html>"


sa = serve("A", portal_routes)
sb = serve("B", other_routes)
ports["A"], ports["B"] = sa.server_address[1], sb.server_address[1]
A, B = "http://127.0.0.1:%d" % ports["A"], "http://127.0.0.1:%d" % ports["B"]

scripts = sbtest.tempdir("sborigin-scripts-")
sbtest.write(os.path.join(scripts, "sources/origin.lua"), r'''
-- origin.lua - follows every link of the portal page and reports what came back.
local base = sb.setting("SCAN_URL_ORIGIN_TEST")
local body, err = sb.http.get(base)
assert(body, err)
local doc = sb.html.parse(body, base)
local out = {}
for _, a in ipairs(doc:xpath("//a")) do
	local u = a:url()
	local b, e = sb.http.get(u)
	out[#out + 1] = "GET " .. u .. " => " .. (b and "ok" or ("failed: " .. e))
end
local res = sb.http.get_all({ base:gsub("portal.html", "all-a.html"), OTHER .. "/all-b.html",
	"file:///etc/hostname", OTHER .. "/go-portal" })
for _, r in ipairs(res) do
	out[#out + 1] = "ALL " .. r.url .. " => " .. (r.body and "ok" or ("failed: " .. r.err))
end
return { layer = "ORIGIN", found = #out, removed_list = out }
'''.replace("OTHER", '"%s"' % B))
root = sbtest.tempdir("sborigin-")
sbtest.write(os.path.join(root, ".env"),
             'SCAN_USERNAME=%s\nSCAN_PASSWORD="%s"\nSCAN_RETRIES=0\nSCAN_TIMEOUT=5\n'
             "SCAN_URL_ORIGIN_TEST=%s/portal.html\nSCRIPTS_DIR=%s\n" % (USER, PASSWORD, A, scripts))
r = sbtest.run(["updater", "sources", "--origin"], root=root)
t.eq(r.returncode, 0, "the scraper script runs", r.stdout + r.stderr)
results = {}
for line in r.stdout.splitlines():
    line = line.strip()
    if line.startswith("removed: "):
        kind, _, rest = line[len("removed: "):].partition(" ")
        url, _, what = rest.partition(" => ")
        results[(kind, url)] = what


def auth(server, path):
    with lock:
        got = [h for s, p, h in seen if s == server and p == path]
    return got


t.eq(auth("A", "/portal.html"), [BASIC], "the portal page gets the credentials")
t.eq(auth("A", "/page2.html"), [BASIC], "so does another page of the portal's origin")
t.eq(auth("B", "/other.html"), [None], "a page of another port (another origin) linked from the portal gets none")
t.eq(auth("A", "/go-other"), [BASIC], "a portal URL redirecting elsewhere gets them")
t.eq(auth("B", "/from-redirect.html"), [None], "the redirect's target off the origin gets none")
t.eq(auth("A", "/go-home") + auth("A", "/home2.html"), [BASIC, BASIC],
     "a redirect within the origin keeps them")
got = auth("B", "/userinfo.html")
t.ok(len(got) == 1 and got[0] != BASIC,
     "a URL whose user info spells the portal's address goes to the other host without them", got)
t.ok(results.get(("GET", "file:///etc/passwd"), "").startswith("failed") and
     "http" in results.get(("GET", "file:///etc/passwd"), ""),
     "a file:// link of the portal page is refused, saying only http(s) is fetched",
     results.get(("GET", "file:///etc/passwd")))
t.ok(results.get(("GET", A + "/go-file"), "").startswith("failed"),
     "a redirect to file:// is not followed", results.get(("GET", A + "/go-file")))
t.ok(results.get(("GET", "ftp://127.0.0.1:%d/x" % ports["A"]), "").startswith("failed"),
     "an ftp:// link is refused")
t.eq(auth("A", "/all-a.html"), [BASIC], "get_all: the portal's URL gets the credentials")
t.eq(auth("B", "/all-b.html"), [None], "get_all: another origin's gets none, in the same call")
t.ok(results.get(("ALL", "file:///etc/hostname"), "").startswith("failed"), "get_all: file:// refused",
     results.get(("ALL", "file:///etc/hostname")))
t.eq(auth("B", "/go-portal") + auth("A", "/back.html"), [None, None],
     "a request started off the origin stays without credentials when redirected to the portal")
with lock:
    leaked = [x for x in seen if x[0] == "B" and x[2] == BASIC]
t.eq(leaked, [], "the other server never saw the credentials")
log = sbtest.read(os.path.join(root, "data/logs/ScanBackup.log"))
t.ok(PASSWORD not in log and PASSWORD not in r.stdout + r.stderr, "the password is in no output")
sa.shutdown()
sb.shutdown()
t.done()
