#!/usr/bin/python3
"""serve_map_browser.py - the map page end to end in Debian's headless Chromium, driven by
playwright-core (tests/e2e/map.mjs): a monitor in Caracas, a link in Lima with a traceroute whose
hops a MaxMind DB file of documentation addresses places (tests/integration/geoip_db.pl), a link
without a place; map tiles served by this test on a loopback port (SERVE_MAP_TILES), and the same
root served again without tiles nor a database. Screenshots are kept in <build>/tests/artifacts/.
Reported as a skip when node, the built dashboard, playwright-core, chromium or the MaxMind DB
writer is missing."""

import http.server
import json
import os
import shutil
import struct
import threading
import time
import zlib

import sbtest
import sbweb

t = sbtest.Tap()
chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
modules = os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules")
built = os.path.exists(os.path.join(sbtest.TOP_BUILDDIR, "web/dist/assets/vendor/leaflet.esm.js"))
why = sbtest.missing("node", "chromium", "mmdb-writer")
if not why and not (built and os.path.isdir(os.path.join(modules, "playwright-core"))):
    why = "missing web/dist or web/node_modules/playwright-core (configure found no node or npm)"
if why:
    t.skip_rest(why, ["the map in headless Chromium (tests/e2e/map.mjs)"])


def png(rgb):
    """A 256x256 PNG of one colour, as tiles are."""
    raw = b"".join(b"\x00" + bytes(rgb) * 256 for _ in range(256))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


TILE = png((210, 226, 240))
served = []


class Tiles(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        ok = len(parts) == 4 and parts[0] == "tiles" and parts[3].endswith(".png") and \
            all(p.isdigit() for p in (parts[1], parts[2], parts[3][:-4]))
        served.append(self.path)
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "image/png" if ok else "text/plain")
        body = TILE if ok else b"no such tile\n"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


tiles = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
threading.Thread(target=tiles.serve_forever, daemon=True).start()
tiles_origin = "http://127.0.0.1:%d" % tiles.server_address[1]

root = sbtest.tempdir("sbmapweb-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=America/Caracas\n")
r = sbweb.geoip_db(os.path.join(root, "places.mmdb"))
t.ok(r.returncode == 0, "a MaxMind DB file of test addresses written", r.stderr)
sbweb.add_user(root, "ana", "admin-secret-1", "admin")
MAPPED = {"GEOIP_DATABASE": "places.mmdb", "SERVE_MAP_TILES": tiles_origin + "/tiles/{z}/{x}/{y}.png",
          "SERVE_MAP_ATTRIBUTION": "Teselas de prueba"}
srv = sbweb.Serve(root, env=MAPPED)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
admin.request("POST", "/api/monitors", {"name": "caracas", "lat": sbweb.CARACAS[0], "lon": sbweb.CARACAS[1]})
admin.request("POST", "/api/monitors/1/links", {"name": "lima", "ip": "203.0.113.9",
                                                "lat": sbweb.LIMA[0], "lon": sbweb.LIMA[1]})
admin.request("POST", "/api/monitors/1/links", {"name": "lejos", "ip": "198.51.100.7"})
admin.request("PUT", "/api/monitors/1/tests/traceroute", {"interval": 3600})
tok = admin.request("POST", "/api/monitors/1/token")[2]["token"]
now = int(time.time()) // 3600 * 3600
st, res = sbweb.push(admin, 1, tok, sbweb.trace_lines(1, [(now - 7200, sbweb.SHORT_ROUTE), (now - 3600, sbweb.ROUTE)]))
t.ok(st == 200 and res["stored"] == 2, "the box's traceroutes are stored", res)

# the same root again, served without tiles nor a database
srv.stop()
plain_root = sbtest.tempdir("sbmapplain-")
shutil.rmtree(plain_root)
shutil.copytree(root, plain_root)
os.remove(os.path.join(plain_root, "places.mmdb"))
srv.start()
plain = sbweb.Serve(plain_root)

want = {
    "monitors": 1, "links": 1, "hops": 2, "legs": 2, "rtts": ["40,8 ms", "70,5 ms"],
    "table": [["private", "10.0.0.1", "dirección privada: sin ubicación"],
              ["private", "172.16.0.1", "dirección privada: sin ubicación"],
              ["silent", "*", "sin respuesta"],
              ["place", "198.51.100.20", "Bogotá, CO"],
              ["unknown", "192.0.2.200", "ubicación desconocida"],
              ["place", "203.0.113.9", "Lima, PE"]],
}
artifacts = os.path.join(sbtest.TOP_BUILDDIR, "tests/artifacts")
env = dict(os.environ, SB_URL="http://127.0.0.1:%d" % srv.port, SB_URL_PLAIN="http://127.0.0.1:%d" % plain.port,
           SB_TILES=tiles_origin, SB_ARTIFACTS=artifacts, SB_NODE_MODULES=modules, CHROMIUM=chromium,
           SB_USER="ana", SB_PASSWORD="admin-secret-1", SB_WANT=json.dumps(want))
sbweb.run_e2e(t, "map.mjs", env, 240, 20)
t.ok(served and all(p.startswith("/tiles/") for p in served), "the tiles were asked of the test's tile server",
     served[:5])
for s in (srv, plain):
    log = sbtest.read(os.path.join(s.root, "data/logs/access.log"))
    t.ok(" 500 " not in log, "no 500 answered during the run")
    t.eq(s.stop(), 0, "the server stops cleanly")
tiles.shutdown()
t.done()
