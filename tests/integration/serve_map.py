#!/usr/bin/python3
"""serve_map.py - the map's data through the real `scanbackup serve`: the places of monitors and
links (lat, lon) set through the API, checked as monitor.json checks them, carried in the
monitor.json a box pulls and kept by a serve.db made before places existed."""

import json
import os
import sqlite3

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

t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
