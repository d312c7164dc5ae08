#!/usr/bin/python3
"""serve_browser.py - the dashboard end to end in Debian's headless Chromium, driven by
playwright-core (tests/e2e/dashboard.mjs): a root with the example night, an admin and a viewer,
a monitor whose box pushed a day of ping and traceroute results; screenshots are kept in
<build>/tests/artifacts/. Reported as a skip when node, the built dashboard, playwright-core or
chromium is missing."""

import json
import os
import shutil
import subprocess
import time

import sbtest
import sbweb

t = sbtest.Tap()
node = shutil.which("node")
chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
modules = os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules")
dist = os.path.join(sbtest.TOP_BUILDDIR, "web/dist/index.html")
missing = [what for what, ok in (("web/node_modules/playwright-core", os.path.isdir(os.path.join(modules, "playwright-core"))),
                                 ("web/dist", os.path.exists(dist))) if not ok]
why = sbtest.missing("node", "chromium")
if why or missing:
    t.skip_rest(why or "missing " + ", ".join(missing) + " (configure found no node or npm)",
                ["the dashboard end to end in headless Chromium (tests/e2e/dashboard.mjs)"])

root = sbweb.example_root()
sbweb.add_user(root, "ana", "admin-secret-1", "admin")
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
srv = sbweb.Serve(root)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
admin.request("POST", "/api/monitors", {"name": "box-e2e"})
admin.request("POST", "/api/monitors/1/links", {"name": "gateway", "ip": "192.0.2.1"})
admin.request("PUT", "/api/monitors/1/tests/ping", {"interval": 300})
tok = admin.request("POST", "/api/monitors/1/token")[2]["token"]

# A day of results of the box: ping every 5 minutes with a down hour, two traceroute paths.
now = int(time.time()) // 300 * 300
lines = []
for i in range(288):
    ts = now - (287 - i) * 300
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    down = 100 <= i < 112
    rtt = -1 if down else 20 + (i % 24)
    lines.append("1\t%s\tping\t192.0.2.1\t%s\t%d\t3\t%d" % (stamp, rtt, 100 if down else 0, 0 if down else 3))


def hops(second):
    return json.dumps([[{"anno": "", "rtt": 1.1, "ipaddr": "10.0.0.1", "name": "gw"}],
                       [{"anno": "", "rtt": 5.2, "ipaddr": second, "name": ""}],
                       [{"anno": "", "rtt": 9.9, "ipaddr": "192.0.2.1", "name": "target"}]])


for k, second in enumerate(("10.1.0.1", "10.1.0.1", "10.2.0.1")):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - (2 - k) * 3600))
    lines.append("1\t%s\ttrace\t192.0.2.1\t%s" % (stamp, hops(second)))
st, _, res = admin.request("POST", "/api/monitors/1/results", raw="\n".join(lines) + "\n",
                           headers={"Authorization": "Bearer " + tok, "Content-Type": "text/plain"}, csrf=False)
t.ok(st == 200 and res["stored"] == 291, "the box's day of results is stored", res)

artifacts = os.path.join(sbtest.TOP_BUILDDIR, "tests/artifacts")
env = dict(os.environ, SB_URL="http://127.0.0.1:%d" % srv.port, SB_ARTIFACTS=artifacts,
           SB_NODE_MODULES=modules, CHROMIUM=chromium, SB_ADMIN="ana", SB_ADMIN_PW="admin-secret-1",
           SB_VIEWER="vic", SB_VIEWER_PW="viewer-secret-2")
try:
    r = subprocess.run([node, os.path.join(sbtest.TOP_SRCDIR, "tests/e2e/dashboard.mjs")], env=env,
                       capture_output=True, text=True, timeout=240)
    out, code = r.stdout, r.returncode
except subprocess.TimeoutExpired as e:
    out, code = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), None
checks = 0
for line in out.splitlines():
    if line.startswith("ok - ") or line.startswith("not ok - "):
        checks += 1
        t.ok(line.startswith("ok"), line.split(" - ", 1)[1])
    elif line.startswith("#"):
        print(line)
t.ok(code == 0 and checks >= 20, "the browser script ran every check (exit %r, %d checks)" % (code, checks),
     (r.stderr if code is not None else "timeout")[-3000:] if code != 0 else None)
shots = sorted(os.listdir(artifacts)) if os.path.isdir(artifacts) else []
t.ok(len([s for s in shots if s.endswith(".png")]) >= 7, "screenshots kept in tests/artifacts/", shots)
log = sbtest.read(os.path.join(root, "data/logs/access.log"))
t.ok(" 500 " not in log, "no 500 answered during the run")
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
