#!/usr/bin/python3
"""serve_find.py - what the dashboard's finding and trusting rests on, against the real `scanbackup
serve` and checked against the SQLite store it reads: the search over every layer (words, fields,
natural order, every sort's tie-break, paging, CSV), the layers' totals, routers and top lists,
404 for an unknown interface or link, the time range of a chart, a link whose newest result is
old shown "stale", a silent box flagged, traceroute paths dated by their first run, the heat
map's highest RTT and the hours still to come."""

import csv
import io
import json
import os
import re
import sqlite3
import time
import urllib.parse
import zoneinfo
import datetime

import sbtest
import sbweb

t = sbtest.Tap()
root = sbweb.example_root()
D = sbweb.EXAMPLE_DATE
TZ = "America/Caracas"
db_path = os.path.join(root, "data/scanbackup.db")
db = sqlite3.connect(db_path)

# Interfaces of one router whose names sort differently in natural and in byte order, several of
# them at the same use (tied at 99.8 %), one without a use (capacity 0), one whose newest summary
# is older than the day; and IPBRAS counts of a BRAS.
extra = [  # name, capacity, inMax, outMax, use, date
    ("TST-R1 TRUNK10", 200, 80.0, 199.6, 99.8, D),
    ("TST-R1 TRUNK2", 100, 99.8, 50.0, 99.8, D),
    ("TST-R1 TRUNK13", 100, 99.8, 60.0, 99.8, D),
    ("TST-R1 TRUNK0", 100, 10.0, 5.0, 10.0, D),
    ("TST-R1 TRUNK1", 0, 10.0, 5.0, None, D),
    ("TST-R2 TRUNK3", 10, 1.0, 2.0, 20.0, "2026-11-12"),
]
for name, cap, inmax, outmax, use, date in extra:
    db.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
               "outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)",
               (name, "TESTVENDOR", date, "BORDE", cap, inmax / 2, inmax, outmax / 2, outmax, use, 288))
db.commit()

sbweb.add_user(root, "ana", "admin-secret-1", "admin")
srv = sbweb.Serve(root)
c = sbweb.Client(srv.port)
c.login("ana", "admin-secret-1")


def natkey(s):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", s) if p != ""]


def store_items():
    """The newest summary of each interface in the 30 days up to D, as the catalogue holds it."""
    rows = db.execute("select typeLayer, type, name, date, capacity, inProm, inMaxProm, outProm, outMaxProm, use, "
                      "samples from DAILY_SUMMARY_HISTORY where date between date(?, '-30 days') and ? "
                      "order by typeLayer, type, name, date", (D, D)).fetchall()
    items = {}
    for r in rows:
        items[(r[0], r[1], r[2])] = r
    return items


items = store_items()


def get(path, **params):
    st, h, body = c.get(path + ("?" + urllib.parse.urlencode(params) if params else ""))
    return st, h, body


def key3(f):
    return (f["layer"], f["type"], f["name"])


# ---- the search ----
st, _, res = get("/api/find", limit=1000)
t.ok(st == 200 and res["date"] == D and res["total"] == len(items) == res["interfaces"],
     "an empty search lists every interface of every layer (%d)" % len(items), (st, res.get("total")))
names = [f["name"] for f in res["items"]]
t.eq(names, sorted(names, key=lambda n: (natkey(n), n)), "in natural order of name")
t.ok(names.index("TST-R1 TRUNK2") < names.index("TST-R1 TRUNK10") < names.index("TST-R1 TRUNK13"),
     "TRUNK2 before TRUNK10 before TRUNK13")


def same_as_store(ck, found):
    for f in found:
        r = items.get(key3(f))
        ck.ok(r is not None, "%s is in the store" % (key3(f),))
        if r is None:
            continue
        ck.eq((f["date"], f["capacity"], f["in_prom"], f["in_max_prom"]), (r[3], r[4], r[5], r[6]), "%s" % f["name"])
        if not f["in_only"]:
            ck.eq((f["out_prom"], f["out_max_prom"], f["use"]), (r[7], r[8], r[9]), "%s out" % f["name"])
        ck.eq(f["router"], f["name"].split(" ")[0], "%s router" % f["name"])
        ck.eq(f["of_day"], r[3] == D, "%s of the day" % f["name"])


t.check("every figure of every item is the newest summary's in the store", same_as_store, res["items"])


def matches(words):
    out = []
    for (layer, typ, name), r in items.items():
        hay = {"name": name.lower(), "type": typ.lower(), "layer": layer.lower(),
               "router": name.split(" ")[0].lower()}
        ok = True
        for w in words.lower().split():
            field, _, text = w.partition(":") if ":" in w else ("", "", w)
            if field:
                ok &= text in hay[field]
            else:
                ok &= text in "\n".join((hay["name"], hay["type"], hay["layer"]))
        if ok:
            out.append(name)
    return sorted(out, key=lambda n: (natkey(n), n))


for q in ("trunk1", "CCS", "huawei borde", "type:cisco", "router:bras-ccs", "layer:ipbras", "link to", "zzz"):
    st, _, res = get("/api/find", q=q, limit=1000)
    t.eq([f["name"] for f in res["items"]], matches(q), "search %r: the same matches as the store, in order" % q)
st, _, res = get("/api/find", q="TRUNK", sort="use", dir="desc")
want = sorted((r for k, r in items.items() if "trunk" in k[2].lower() or "trunk" in k[1].lower()),
              key=lambda r: (r[9] is None, -(r[9] or 0), -max(r[6], r[8]), natkey(r[2]), r[2]))
t.eq([f["name"] for f in res["items"]], [r[2] for r in want],
     "sorted by use: then the peak, then the name; no use last")
tied = [f["name"] for f in res["items"] if f.get("use") == 99.8]
t.eq(tied, ["TST-R1 TRUNK10", "TST-R1 TRUNK2", "TST-R1 TRUNK13"], "the 99.8 %% tie: higher peak first, then by name")
st, _, page = get("/api/find", q="TRUNK", sort="use", dir="desc", offset=2, limit=2)
t.eq([f["name"] for f in page["items"]], [r[2] for r in want][2:4], "offset and limit page through the same order")
t.eq(page["total"], len(want), "the total counts every match")
st, _, res = get("/api/find", sort="capacity")
t.eq(res["dir"], "desc", "figures sort from the highest by default")
caps = [f["capacity"] for f in res["items"]]
t.eq(caps, sorted(caps, reverse=True), "by capacity, highest first")
st, _, res = get("/api/find", router="tst-r1", layer="borde")
t.eq(sorted(f["name"] for f in res["items"]), sorted(n for n, *_ in extra if n.startswith("TST-R1")),
     "the interfaces of one router (exact, any case)")
bad = [({"sort": "speed"}, "sort"), ({"dir": "up"}, "dir"), ({"layer": "NOPE"}, "layer"),
       ({"limit": "5000"}, "limit"), ({"offset": "-1"}, "offset"), ({"date": "2026-13-01"}, "date"),
       ({"format": "xml"}, "format")]
for params, what in bad:
    st, _, body = get("/api/find", **params)
    t.ok(st == 400 and what in body.get("error", ""), "a bad %s is answered 400 naming it" % what, (st, body))

# ---- CSV of a search ----
st, h, body = get("/api/find", q="TRUNK", sort="use", dir="desc", format="csv", layer="BORDE")
rows = list(csv.reader(io.StringIO(body.decode())))
t.ok(st == 200 and h["content-type"].startswith("text/csv") and
     'filename="interfaces_BORDE_%s.csv"' % D in h.get("content-disposition", ""),
     "the CSV downloads named after its layer and day", (st, h))
t.eq([r[1] for r in rows[1:]], [r[2] for r in want if r[0] == "BORDE"], "every match, in the list's order")
t.eq(rows[0][:3], ["layer", "name", "type"], "a header row")
first = items[("BORDE", "TESTVENDOR", "TST-R1 TRUNK10")]
t.eq([float(x) for x in rows[1][5:11]], [first[4], first[5], first[6], first[7], first[8], first[9]],
     "the figures as stored")
t.eq(rows[[r[1] for r in rows].index("TST-R1 TRUNK1")][10], "", "an unknown use is an empty cell")

# ---- the layers overview: totals, routers, top ----
st, _, lay = get("/api/layers", date=D, list=0)
t.ok(st == 200 and all("interfaces" not in L for L in lay["layers"]), "list=0 leaves the interfaces out")
borde = [L for L in lay["layers"] if L["layer"] == "BORDE"][0]
day_rows = [r for k, r in items.items() if k[0] == "BORDE" and r[3] == D]
sums = [sum(r[i] for r in day_rows) for i in (4, 5, 6, 7, 8)]
tot = borde["totals"]
t.eq([tot["capacity"], tot["in_prom"], tot["in_max_prom"], tot["out_prom"], tot["out_max_prom"]],
     sums, "BORDE totals: the sums of the day's summaries")
t.ok(tot["interfaces"] == len([k for k in items if k[0] == "BORDE"]) and tot["of_day"] == len(day_rows),
     "BORDE totals count the interfaces and those of the day", tot)
r1 = [x for x in borde["routers"] if x["router"] == "TST-R1"]
r1_rows = [r for r in day_rows if r[2].startswith("TST-R1 ")]
t.ok(len(r1) == 1 and r1[0]["interfaces"] == 5 and abs(r1[0]["in_prom"] - sum(r[5] for r in r1_rows)) < 1e-9 and
     r1[0]["use_max"] == 99.8, "the router TST-R1: its 5 interfaces summed", r1)
r2 = [x for x in borde["routers"] if x["router"] == "TST-R2"]
t.ok(len(r2) == 1 and r2[0]["of_day"] == 0 and r2[0]["in_prom"] == 0, "a router with no summary of the day adds nothing", r2)
routers = [x["router"] for x in borde["routers"]]
t.eq(routers, sorted(routers, key=lambda n: (natkey(n), n)), "routers in natural order")
top_want = sorted((r for r in day_rows if r[9] is not None),
                  key=lambda r: (-r[9], -max(r[6], r[8]), natkey(r[2]), r[2]))[:10]
t.eq([f["name"] for f in borde["top"]], [r[2] for r in top_want], "the top 10 by use, then peak, then name")
out = sbtest.tempdir()
r = sbtest.run(["report", "diario", "--date", D, "--format", "json", "--out", out], root=root)
book = json.loads(sbtest.read(os.path.join(out, "Data_Diario_BBIP.json"))) if r.returncode == 0 else {}
per_layer = {x["layer"]: x for x in book.get("summary", {}).get("tables", [{}])[0].get("rows", [])}


def same_as_workbook(ck):
    ck.ok(len(per_layer) >= 5, "the workbook has its per-layer table")
    for L in lay["layers"]:
        w = per_layer.get(L["layer"])
        if w is None:
            continue
        T = L["totals"]
        ck.eq(T["of_day"], w["interfaces"], "%s interfaces" % L["layer"])
        for k_api, k_book in (("in_prom", "inProm"), ("in_max_prom", "inMaxProm"), ("out_prom", "outProm"),
                              ("out_max_prom", "outMaxProm"), ("capacity", "capacity")):
            ck.ok(abs(T[k_api] - w[k_book]) <= 1e-9 * max(1, abs(w[k_book])),
                  "%s %s: %r vs %r" % (L["layer"], k_api, T[k_api], w[k_book]))


t.check("each layer's totals of the day are the diario workbook's Resumen", same_as_workbook)
ipbras = [L for L in lay["layers"] if L["layer"] == "IPBRAS"][0]
ip_rows = [r for k, r in items.items() if k[0] == "IPBRAS" and r[3] == D]
t.ok(ipbras["totals"]["in_prom"] == sum(r[5] for r in ip_rows) and "use_max" not in ipbras["totals"],
     "IPBRAS totals: the day's active IPs summed, no use", ipbras["totals"])
st, _, full = get("/api/layers", date=D)
short = [s["name"] for L in full["layers"] for s in L["short"]]
t.ok("TST-R2 TRUNK3" in short and "RAI-BQT-01 XGEI-0/1/0/3 - CLIENTE UNIVERSIDAD CENTRAL" in short,
     "short days: the interface last seen before the day, and the short one", short)

# ---- an interface: 404 when unknown, its range otherwise ----
st, _, body = get("/api/interface", layer="BORDE", name="NO-SUCH-ROUTER XE0/0/0")
t.ok(st == 404 and "NO-SUCH-ROUTER" in body.get("error", ""), "an unknown interface: 404 naming it", (st, body))
st, _, body = get("/api/interface", layer="BORDE", name="TST-R2 TRUNK3", type="TESTVENDOR", to=D)
t.ok(st == 200 and body["t"] == [] and body["capacity"] == 10, "a known interface without samples in the range: "
     "200, no samples, its capacity from its newest day", (st, body.get("capacity")))
st, _, body = get("/api/interface", layer="BORDE", name="TST-R2 TRUNK3", type="OTHER", to=D)
t.eq(st, 404, "the same name with another type is unknown")
a, _ = sbtest.day_bounds("2026-11-14", TZ)
_, b = sbtest.day_bounds(D, TZ)
st, _, body = get("/api/interface", layer="BORDE", name="TST-R2 TRUNK3", type="TESTVENDOR", **{"from": "2026-11-14", "to": D})
t.ok((body["start"], body["end"], body["step"]) == (a, b, 300), "start and end: the local bounds of the range asked",
     (body.get("start"), body.get("end"), a, b))

# ---- a box and its links: stale, silent, traceroute since, heat map ----
c.request("POST", "/api/monitors", {"name": "box-1"})
c.request("POST", "/api/monitors/1/links", {"name": "fresh", "ip": "192.0.2.1"})
c.request("POST", "/api/monitors/1/links", {"name": "old", "ip": "192.0.2.2"})
c.request("POST", "/api/monitors/1/links", {"name": "silent", "ip": "192.0.2.3"})
c.request("PUT", "/api/monitors/1/tests/ping", {"interval": 60})
c.request("PUT", "/api/monitors/1/tests/traceroute", {"interval": 600})
tok = c.request("POST", "/api/monitors/1/token")[2]["token"]
now = int(time.time())


def stamp(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def hops(second):
    return json.dumps([[{"anno": "", "rtt": 1.1, "ipaddr": "10.0.0.1", "name": "gw"}],
                       [{"anno": "", "rtt": 5.2, "ipaddr": second, "name": ""}]])


lines = ["1\t%s\tping\t192.0.2.1\t%s\t0\t3\t3" % (stamp(now - 60 * k), 10 + k) for k in range(4)]
lines += ["2\t%s\tping\t192.0.2.2\t5\t0\t3\t3" % stamp(now - 60 * k) for k in range(3, 6)]  # newest 3 min old
runs = [(now - 3000, "10.1.0.1"), (now - 2400, "10.1.0.1"), (now - 1800, "10.2.0.1"), (now - 1200, "10.2.0.1"),
        (now - 600, "10.1.0.1")]
lines += ["1\t%s\ttrace\t192.0.2.1\t%s" % (stamp(ts), hops(ip)) for ts, ip in runs]
st, _, res = c.request("POST", "/api/monitors/1/results", raw="\n".join(lines) + "\n",
                       headers={"Authorization": "Bearer " + tok, "Content-Type": "text/plain"}, csrf=False)
t.ok(st == 200 and res["stored"] == len(lines), "the box's results are stored", res)
st, _, mons = c.get("/api/monitors")
m = mons["monitors"][0]
states = {l["name"]: l["state"] for l in m["links"]}
t.eq(states, {"fresh": "up", "old": "stale", "silent": "unknown"},
     "a result within two intervals is up, an older one stale, none unknown")
t.ok(m["box"] == "ok" and m["interval"] == 60, "the box that just pushed is not silent", m)
sdb = sqlite3.connect(os.path.join(root, "data/serve.db"))
sdb.execute("update monitors set last_seen = ? where id = 1", (now - 181,))
sdb.commit()
st, _, mons = c.get("/api/monitors")
t.eq(mons["monitors"][0]["box"], "silent", "a box not heard of in three of its intervals is flagged silent")
st, _, link = get("/api/probes/link", monitor=1, link=2)
t.ok(st == 200 and link["state"] == "stale" and link["interval"] == 60 and link["configured"],
     "the link page says stale too", {k: link.get(k) for k in ("state", "interval", "configured")})
st, _, link = get("/api/probes/link", monitor=1, link=1)
tests = {x["test"]: x for x in link.get("tests", [])}
tr = tests.get("traceroute", {})
ch = tr.get("changes", {}).get("hops", [])
t.eq([(x["t"], x["until"], x["runs"]) for x in ch],
     [(runs[0][0], runs[1][0], 2), (runs[2][0], runs[3][0], 2), (runs[4][0], runs[4][0], 1)],
     "traceroute paths dated by their first run, with their last one")
t.ok(ch[0]["from_start"] and not ch[1]["from_start"], "the first path may have started before the range")
t.eq(tr.get("last", {}).get("t"), runs[4][0], "the last run is the newest one")
t.ok(tests["ping"]["state"] == "up" and tests["ping"]["interval"] == 60 and tr.get("state") is None and
     tr.get("interval") == 600, "each test with its interval; a state for the test with an up field",
     {k: (v.get("state"), v.get("interval")) for k, v in tests.items()})
hm = tests["ping"]["heatmap"]
cells = [(d, hr) for d in range(len(hm["days"])) for hr in range(24) if hm["value"][d][hr] is not None]
t.ok(len(cells) >= 1 and all(hm["max"][d][hr] >= hm["value"][d][hr] for d, hr in cells) and
     max(hm["max"][d][hr] for d, hr in cells) == 13, "the heat map's highest RTT per cell (13 ms)",
     [hm["max"][d][hr] for d, hr in cells])
ln = datetime.datetime.fromtimestamp(now, zoneinfo.ZoneInfo(TZ))
want_cell = hm["days"].index(ln.date().isoformat()) * 24 + ln.hour
t.eq(hm["now_cell"], want_cell, "the heat map knows the cell of now (the later ones are still to come)")
st, _, body = get("/api/probes/link", monitor=1, link=9)
t.ok(st == 404 and "no link 9" in body.get("error", ""), "an unknown link: 404", (st, body))
st, _, body = get("/api/probes/link", monitor=7, link=1)
t.ok(st == 404 and "no such monitor" in body.get("error", ""), "an unknown monitor: 404", (st, body))

# ---- reports: the newest day with data offered, downloads named after their period ----
st, _, body = c.get("/api/reports")
t.eq(body.get("date"), D, "the reports page offers the newest day with data, not yesterday")
st, h, xlsx = c.get("/api/reports/semanal?date=2026-11-22")
t.ok(st == 200 and 'filename="Data_Semanal_BBIP_2026-11-16_2026-11-22.xlsx"' in h.get("content-disposition", ""),
     "the weekly workbook is named after its Monday and Sunday", (st, h.get("content-disposition")))
st, h, xlsx = c.get("/api/reports/mensual?from=2026-11-01&to=2026-11-20")
t.ok(st == 200 and 'filename="Data_Mensual_BBIP_2026-11-01_2026-11-20.xlsx"' in h.get("content-disposition", ""),
     "a range asked for names the file", (st, h.get("content-disposition")))

log = sbtest.read(os.path.join(root, "data/logs/access.log"))
t.ok(" 500 " not in log, "no 500 answered")
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
