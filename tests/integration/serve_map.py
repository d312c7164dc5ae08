#!/usr/bin/python3
"""serve_map.py - the map's data through the real `scanbackup serve`: the places of monitors and
links (lat, lon) set through the API, checked as monitor.json checks them, carried in the
monitor.json a box pulls and kept by a serve.db made before places existed; addresses placed by a
MaxMind DB file the test writes (tests/integration/geoip_db.pl, with Debian's
libmaxmind-db-writer-perl: documentation addresses such as 203.0.113.x and 198.51.100.x given
places; they are only looked up, never contacted), private ones reported as private even where the
file has a place for them; the map of monitors, links and their newest traceroute hop by hop; the
tile URL setting and the browsers' policy it opens."""

import json
import os
import sqlite3
import time

import sbtest
import sbweb

t = sbtest.Tap()
root = sbtest.tempdir("sbmap-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=America/Caracas\n")
sbweb.add_user(root, "ana", "admin-secret-1", "admin")
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
srv = sbweb.Serve(root)
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
viewer = sbweb.Client(srv.port)
viewer.login("vic", "viewer-secret-2")


def bad(res, want, name):
    st, _, body = res
    t.ok(st == 400 and want in (body or {}).get("error", ""), name, (st, body))


# ---- places of monitors and links ----
st, _, m = admin.request("POST", "/api/monitors", {"name": "caracas", "lat": 10.5006, "lon": -66.9146})
t.eq(st, 201, "a monitor added with its place", m)
mid = m["id"]
admin.request("POST", "/api/monitors/%d/shares" % mid, {"user": "vic"})  # the viewer sees it
st, _, got = viewer.get("/api/monitors/%d" % mid)
t.ok(st == 200 and got["lat"] == 10.5006 and got["lon"] == -66.9146, "its place is answered", got)
st, _, l1 = admin.request("POST", "/api/monitors/%d/links" % mid,
                          {"name": "lima", "ip": "203.0.113.9", "lat": -12.0464, "lon": -77.0428})
t.ok(st == 201 and l1["lat"] == -12.0464 and l1["lon"] == -77.0428, "a link added with its place", l1)
st, _, l2 = admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "nowhere", "ip": "198.51.100.7"})
t.ok(st == 201 and l2["lat"] is None and l2["lon"] is None, "a link without a place: null", l2)

bad(admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "192.0.2.1", "lat": 91, "lon": 0}),
    "lat, lon: expected degrees", "a latitude beyond 90 is refused")
bad(admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "192.0.2.1", "lat": 10}),
    "lon: missing", "a latitude without a longitude is refused")
bad(admin.request("POST", "/api/monitors", {"name": "y", "lat": "10", "lon": 5}),
    "lat", "a latitude that is no number is refused")
bad(admin.request("PUT", "/api/monitors/%d" % mid, {"lat": 0, "lon": 180.5}),
    "expected degrees", "a longitude beyond 180 is refused")
t.eq(admin.request("PUT", "/api/monitors/%d/links/%d" % (mid, l1["id"]), {"lat": 5, "lon": 5}, csrf=False)[0], 403,
     "without the CSRF token nothing changes")
t.eq(viewer.request("PUT", "/api/monitors/%d/links/%d" % (mid, l1["id"]), {"lat": 5, "lon": 5})[0], 403,
     "a viewer cannot move a link")

# the config a box pulls carries the places, and the monitor's own check takes it
st, h, cfg = viewer.get("/api/monitors/%d/config" % mid)
version = h.get("etag")
t.ok(st == 200 and cfg.get("lat") == 10.5006 and cfg["links"]["lima"]["lat"] == -12.0464
     and "lat" not in cfg["links"]["nowhere"], "monitor.json carries the places it has", cfg)
path = os.path.join(root, "pulled.json")
sbtest.write(path, json.dumps(cfg))
r = sbtest.run(["monitor", "check", "--config", path], root=root)
t.eq(r.returncode, 0, "monitor check takes the pulled monitor.json with its places", r.stdout + r.stderr)
cfg["links"]["lima"]["lon"] = 200
sbtest.write(path, json.dumps(cfg))
r = sbtest.run(["monitor", "check", "--config", path], root=root)
t.ok(r.returncode != 0 and "links.lima.lon: expected degrees of longitude" in r.stderr,
     "and refuses a place out of range, naming the key", r.stdout + r.stderr)

# moved, removed, and gone with its link
t.eq(admin.request("PUT", "/api/monitors/%d/links/%d" % (mid, l1["id"]), {"lat": -12.5, "lon": -76.9})[0], 200,
     "a link moved")
st, h, cfg = viewer.get("/api/monitors/%d/config" % mid)
t.ok(h.get("etag") != version and cfg["links"]["lima"]["lat"] == -12.5, "the move is a new config version",
     (version, h.get("etag"), cfg))
t.eq(admin.request("PUT", "/api/monitors/%d/links/%d" % (mid, l1["id"]), {"lat": None, "lon": None})[0], 200,
     "a link's place removed with nulls")
st, _, got = viewer.get("/api/monitors/%d" % mid)
lima = [x for x in got["links"] if x["name"] == "lima"][0]
t.ok(lima["lat"] is None and lima["ip"] == "203.0.113.9", "the link has no place, the rest kept", lima)
t.eq(admin.request("PUT", "/api/monitors/%d" % mid, {"name": "caracas-2"})[0], 200, "a monitor renamed")
st, _, got = viewer.get("/api/monitors/%d" % mid)
t.ok(got["name"] == "caracas-2" and got["lat"] == 10.5006, "its place stays", got)
admin.request("PUT", "/api/monitors/%d/links/%d" % (mid, l2["id"]), {"lat": 1, "lon": 2})
admin.request("DELETE", "/api/monitors/%d/links/%d" % (mid, l2["id"]))
st, _, again = admin.request("POST", "/api/monitors/%d/links" % mid, {"name": "nowhere", "ip": "198.51.100.7",
                                                                     "id": l2["id"]})
t.ok(st == 201 and again["lat"] is None, "a link deleted takes its place with it", again)

# a serve.db of a version before places
srv.stop()
db = sqlite3.connect(os.path.join(root, "data/serve.db"))
db.execute("drop table places")
db.commit()
db.close()
srv.start()
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
st, _, got = admin.get("/api/monitors/%d" % mid)
t.ok(st == 200 and got["lat"] is None and len(got["links"]) == 2, "an older serve.db opens and gains places", got)
st, _, _ = admin.request("PUT", "/api/monitors/%d" % mid, {"lat": 10.4, "lon": -66.8})
t.ok(st == 200 and admin.get("/api/monitors/%d" % mid)[2]["lat"] == 10.4, "and keeps them")

# ---- addresses without a database ----
st, _, g = admin.get("/api/geoip?ip=203.0.113.5,10.0.0.1")
t.ok(st == 200 and g["geoip"] is None and [a["kind"] for a in g["addresses"]] == ["unknown", "private"]
     and g["addresses"][0]["lat"] is None, "without a database public addresses are unknown, private ones private", g)
st, _, mp = admin.get("/api/map")
t.ok(st == 200 and mp["tiles"] is None and mp["geoip"] is None, "the map without tiles nor a database", mp)
csp = admin.last_headers.get("content-security-policy", "")
t.ok("img-src 'self' data:;" in csp, "and the pages may load images from nowhere else", csp)
t.eq(srv.stop(), 0, "the server stops cleanly")

why = sbtest.missing("mmdb-writer")
if why:
    t.skip_rest(why, ["addresses placed by a MaxMind DB file, the map's routes hop by hop"])

# ---- a MaxMind DB file of test addresses ----
CARACAS = sbweb.CARACAS
mmdb = os.path.join(root, "places.mmdb")
r = sbweb.geoip_db(mmdb)
t.ok(r.returncode == 0 and os.path.getsize(mmdb) > 0, "a MaxMind DB file of test addresses written", r.stderr)

# a bad file or tile URL stops the server from starting, the setting named
sbtest.write(os.path.join(root, "bad.mmdb"), "not a database\n")
for env, want in (({"GEOIP_DATABASE": "bad.mmdb"}, "GEOIP_DATABASE: "),
                  ({"GEOIP_DATABASE": "nothere.mmdb"}, "nothere.mmdb"),
                  ({"SERVE_MAP_TILES": "http://127.0.0.1:9/tiles.png"}, "SERVE_MAP_TILES="),
                  ({"SERVE_MAP_TILES": "https://{s}.tiles.example.net/{z}/{x}/{y}.png"}, "the host written out")):
    try:
        bad_srv = sbweb.Serve(root, env=env)
        bad_srv.stop()
        t.ok(False, "serve refuses %s" % env)
    except RuntimeError as e:
        t.ok(want in str(e), "serve refuses %s, saying why" % env, str(e)[-400:])

TILES = "http://127.0.0.1:61999/tiles/{z}/{x}/{y}.png"
srv = sbweb.Serve(root, env={"GEOIP_DATABASE": "places.mmdb", "SERVE_MAP_TILES": TILES,
                             "SERVE_MAP_ATTRIBUTION": "Teselas de prueba"})
admin = sbweb.Client(srv.port)
admin.login("ana", "admin-secret-1")
viewer = sbweb.Client(srv.port)
viewer.login("vic", "viewer-secret-2")
t.ok("traceroute hops placed by" in srv.output(), "the server says which database places the hops", srv.output())

ips = ["203.0.113.5", "198.51.100.20", "192.0.2.9", "192.0.2.200", "2001:db8:1::5", "::ffff:203.0.113.77",
       "10.1.2.3", "172.16.5.4", "192.168.1.1", "100.64.0.9", "127.0.0.1", "fe80::1", "fd00::7"]
st, _, g = viewer.get("/api/geoip?ip=" + ",".join(ips))
t.ok(st == 200 and g["geoip"]["type"] == "scanbackup-test-City" and g["geoip"]["built"] > 1e9,
     "the database is named with its build time", g.get("geoip") if isinstance(g, dict) else g)
by = {a["ip"]: a for a in g["addresses"]}
t.eq([a["ip"] for a in g["addresses"]], ips, "one answer per address, in the order asked")
a = by["203.0.113.5"]
t.ok(a["kind"] == "place" and a["lat"] == -12.0464 and a["lon"] == -77.0428 and a["city"] == "Lima"
     and a["country"] == "PE" and a["accuracy_km"] == 20, "203.0.113.5 is placed in Lima", a)
a = by["198.51.100.20"]
t.ok(a["kind"] == "place" and a["city"] == "Bogotá" and a["lat"] == 4.711 and a["accuracy_km"] is None,
     "198.51.100.20 in Bogotá, the Spanish name first", a)
a = by["192.0.2.9"]
t.ok(a["kind"] == "unknown" and a["lat"] is None and a["country"] == "VE",
     "an address the file knows only the country of has no place", a)
a = by["192.0.2.200"]
t.ok(a["kind"] == "unknown" and a["lat"] is None and a["country"] is None, "an address it lacks is unknown", a)
t.ok(by["2001:db8:1::5"]["kind"] == "place" and by["2001:db8:1::5"]["city"] == "Sao Paulo",
     "IPv6 addresses are looked up too", by["2001:db8:1::5"])
t.ok(by["::ffff:203.0.113.77"]["city"] == "Lima", "an IPv4-mapped address as its IPv4 one", by["::ffff:203.0.113.77"])
priv = [ip for ip in ips[6:] if by[ip]["kind"] != "private" or by[ip]["lat"] is not None or by[ip]["city"]]
t.ok(not priv, "private addresses are private, never placed, even where the file has a place for them", priv)
for q, want in (("", "ip: expected"), ("?ip=www.example.com", "is not a numeric"),
                ("?ip=203.0.113.5,10.0.0.1/8", "'10.0.0.1/8' is not"),
                ("?ip=" + ",".join(["203.0.113.1"] * 257), "at most 256")):
    bad(viewer.get("/api/geoip" + q), want, "/api/geoip%s is refused" % q[:40])
t.eq(sbweb.Client(srv.port).get("/api/geoip?ip=203.0.113.5")[0], 401, "not without a session")

# ---- the map: a box's traceroute, hop by hop ----
admin.request("PUT", "/api/monitors/%d" % mid, {"lat": CARACAS[0], "lon": CARACAS[1]})
admin.request("PUT", "/api/monitors/%d/links/%d" % (mid, l1["id"]), {"lat": -12.0464, "lon": -77.0428})
admin.request("PUT", "/api/monitors/%d/tests/traceroute" % mid, {"interval": 3600})
tok = admin.request("POST", "/api/monitors/%d/token" % mid)[2]["token"]


now = int(time.time()) // 3600 * 3600
lines = sbweb.trace_lines(l1["id"], [(now - 7200, sbweb.SHORT_ROUTE), (now - 3600, sbweb.ROUTE),
                                     (now - 10 * 86400, sbweb.SHORT_ROUTE)])
st, res = sbweb.push(admin, mid, tok, lines)
t.ok(st == 200 and res["stored"] == 3, "the box's traceroutes are stored", res)
st, h, mp = viewer.get("/api/map")
t.ok(st == 200 and mp["tiles"] == {"url": TILES, "attribution": "Teselas de prueba"}
     and mp["geoip"]["type"] == "scanbackup-test-City", "the map names its tiles and its database", mp)
csp = h.get("content-security-policy", "")
t.ok("img-src 'self' data: http://127.0.0.1:61999;" in csp, "the tiles' origin, and only it, may serve images", csp)
mon = [m for m in mp["monitors"] if m["id"] == mid][0]
t.ok(mon["lat"] == CARACAS[0] and mon["lon"] == CARACAS[1], "the monitor at its configured place", mon)
lima = [x for x in mon["links"] if x["id"] == l1["id"]][0]
other = [x for x in mon["links"] if x["id"] == l2["id"]][0]
t.ok(lima["lat"] == -12.0464 and other["lat"] is None and other["route"] is None,
     "links at their places, a link without one or a route has neither", mon["links"])
route = lima["route"] or {}
t.ok(route.get("test") == "traceroute" and route.get("t") == now - 3600, "a link's newest route", route)
hops = route.get("hops", [])
t.eq([(x["hop"], x["ip"], x["kind"]) for x in hops],
     [(1, "10.0.0.1", "private"), (2, "172.16.0.1", "private"), (3, None, "silent"),
      (4, "198.51.100.20", "place"), (5, "192.0.2.200", "unknown"), (6, "203.0.113.9", "place")],
     "every hop, private, silent and unknown ones said so", hops)
t.ok(len(hops) == 6 and hops[0]["rtt"] == 0.61 and hops[0]["replies"] == 3 and hops[0]["name"] == "gw"
     and hops[2]["rtt"] is None and hops[2]["replies"] == 0 and hops[2]["sent"] == 3
     and hops[3]["rtt"] == 40.8 and hops[3]["replies"] == 2 and hops[5]["rtt"] == 70.5,
     "each hop with the median RTT of its replies", hops)
t.ok(len(hops) == 6 and (hops[3]["lat"], hops[3]["lon"], hops[3]["city"]) == (4.711, -74.0721, "Bogotá")
     and hops[5]["city"] == "Lima" and hops[0]["lat"] is None and hops[4]["lat"] is None,
     "placed hops where the database puts them, no place guessed for the others", hops)

t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
