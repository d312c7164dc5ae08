#!/usr/bin/env python3
"""store_mongo.py - the MongoDB store over the wire: tests/store_cli against a MockupDB peer.

Asserts on the commands the server receives (collections with their $jsonSchema validator, index
names and key orders, unordered bulk upserts with the PK as filter and the right BSON types,
write concern, queries) and on the driver's exit status and messages for server errors and an
unreachable server. TAP output. Without python3-mockupdb the scenarios that need the peer are
reported as skips; the ones that need no server (unreachable, silent, bad URIs) still run.
"""
import math
import os
import socket
import subprocess
import tempfile
import threading
import time

import sbtest

NO_PEER = sbtest.missing("mockupdb")
if not NO_PEER:
    from bson import ObjectId
    from bson.int64 import Int64

    from mongopeer import Peer

BUILD = os.environ.get("top_builddir", ".")
CLI = os.path.join(BUILD, "tests", "store_cli")

LAYERS = [("BORDE", "BORDE_HISTORY", "name", "borde", False),
          ("BRAS", "BRAS_HISTORY", "name", "bras", False),
          ("CACHING", "CACHING_HISTORY", "name", "caching", False),
          ("RAI", "RAI_HISTORY", "name", "rai", False),
          ("IXP", "IXP_HISTORY", "name", "ixp", False),
          ("IPBRAS", "IPBRAS_HISTORY", "brasname", "ip_bras", True)]
SUMMARY = "DAILY_SUMMARY_HISTORY"
# Each layer's tables of MRTG's consolidations (docs/data.md): table and index stem suffixes.
COARSE = [("_30M", "_30m"), ("_2H", "_2h"), ("_1D", "_1d")]


def all_tables():
    """(table, key, stem, in_only) of every layer table and of its coarser ones."""
    out = []
    for layer, table, key, stem, in_only in LAYERS:
        out.append((table, key, stem, in_only))
    for layer, table, key, stem, in_only in LAYERS:
        for ts, ss in COARSE:
            out.append((table + ts, key, stem + ss, in_only))
    return out
NUMBER = ["int", "long", "double"]

TAP = sbtest.Tap()
ok = TAP.ok
PEER = None  # the one MockupDB of the run (starting and stopping one costs a second)


def run(uri, *args, wc=None, timeout_ms=None):
    cmd = [CLI]
    if wc is not None:
        cmd += ["-w", wc]
    if timeout_ms is not None:
        cmd += ["-t", str(timeout_ms)]
    cmd += [uri] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def write(tmp, name, lines):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def expected_indexes():
    out = {}
    for table, key, stem, in_only in all_tables():
        pk = [key, "date", "time", "type"] if in_only else [key, "type", "date", "time"]
        out[table] = [("unique_%s_index" % stem, pk, True),
                      ("%s_by_date_index" % stem, ["date"], False)]
    out[SUMMARY] = [("unique_daily_summary_index", ["name", "typeLayer", "type", "date"], True),
                    ("daily_summary_by_date_index", ["date"], False),
                    ("daily_summary_by_date_typelayer_index", ["date", "typeLayer"], False)]
    return out


def expected_fields(table):
    for t, key, stem, in_only in all_tables():
        if t == table:
            f = [key, "type", "date", "time", "capacity", "inProm", "inMaxProm"]
            return f if in_only else f + ["outProm", "outMaxProm"]
    return ["name", "type", "date", "typeLayer", "capacity", "inProm", "inMaxProm", "outProm",
            "outMaxProm", "use"]


def test_start(tmp):
    peer = PEER.reset()
    p = run(peer.uri(), "start")
    ok(p.returncode == 0, "start on an empty database succeeds", p.stderr)
    tables = [t for (t, _, _, _) in all_tables()] + [SUMMARY]
    listed = [d["filter"]["name"] for d in peer.commands("listCollections")]
    ok(sorted(listed) == sorted(tables), "listCollections asked for each collection", listed)
    creates = {d["create"]: d for d in peer.commands("create")}
    ok(sorted(creates) == sorted(tables),
       "create sent for each of the 25 collections: 6 layers, each with 3 coarser ones, and "
       "the summaries", sorted(creates))
    good = True
    diag = []
    for t in tables:
        d = creates.get(t)
        if d is None:
            good = False
            continue
        js = d.get("validator", {}).get("$jsonSchema", {})
        props = js.get("properties", {})
        want = expected_fields(t)
        if js.get("bsonType") != "object" or list(js.get("required", [])) != want:
            good = False
            diag.append("%s required %s" % (t, js.get("required")))
        for f in want:
            bt = props.get(f, {}).get("bsonType")
            if f in ("name", "brasname", "type", "date", "time", "typeLayer"):
                exp = "string"
            elif f == "use":
                exp = NUMBER + ["null"]
            else:
                exp = NUMBER
            if bt != exp:
                good = False
                diag.append("%s.%s bsonType %r, want %r" % (t, f, bt, exp))
    ok(good, "each validator requires exactly the documented fields with their BSON types", diag)
    samples = creates.get(SUMMARY, {}).get("validator", {}).get("$jsonSchema", {}) \
        .get("properties", {}).get("samples", {}).get("bsonType")
    ok(samples == ["int", "long"], "summary validator allows the optional samples count",
       samples)
    sjs = creates.get(SUMMARY, {}).get("validator", {}).get("$jsonSchema", {})
    ok(sjs.get("properties", {}).get("resolution", {}).get("bsonType") == ["int", "long"] and
       "resolution" not in sjs.get("required", []),
       "summary validator allows an optional resolution", sjs)

    got = {}
    for d in peer.commands("createIndexes"):
        got[d["createIndexes"]] = [(i["name"], list(i["key"].keys()), bool(i.get("unique")))
                                   for i in d["indexes"]]
        if any(v != 1 for i in d["indexes"] for v in i["key"].values()):
            got[d["createIndexes"]].append("non-ascending key")
    want = expected_indexes()
    for t in tables:
        ok(got.get(t) == want[t], "createIndexes on %s: exact names, key orders, unique" % t,
           "got  %r\nwant %r" % (got.get(t), want[t]))
    dbs = {ns for (n, ns, _) in peer.seen if n.lower() not in ("ismaster", "hello")}
    ok(dbs == {"TestDB"}, "every command goes to the URI's database", dbs)
    apps = {doc.get("client", {}).get("application", {}).get("name")
            for (n, _, doc) in peer.seen if n.lower() in ("ismaster", "hello")}
    ok(apps == {"scanbackup"}, "handshake carries appname scanbackup", apps)
    wcs = [d.get("writeConcern") for d in peer.commands("createIndexes")]
    ok(all(w is None for w in wcs), "no write concern sent unless configured", wcs)


def test_start_existing(tmp):
    old_validator = {"$jsonSchema": {"bsonType": "object", "required": ["name"]}}
    peer = PEER.reset(existing={"BORDE_HISTORY": {"validator": old_validator}, SUMMARY: {}})
    p = run(peer.uri("/"), "start")
    ok(p.returncode == 0, "start with some collections present succeeds", p.stderr)
    creates = sorted(d["create"] for d in peer.commands("create"))
    ok("BORDE_HISTORY" not in creates and SUMMARY not in creates and len(creates) == 23,
       "existing collections are not created again", creates)
    mods = [d for d in peer.commands("collMod")]
    ok([d["collMod"] for d in mods] == [SUMMARY] and
       mods[0].get("validator", {}).get("$jsonSchema", {}).get("required") ==
       expected_fields(SUMMARY),
       "the one without a validator gets ours (collMod); BORDE_HISTORY keeps its own", mods)
    idx = sorted(d["createIndexes"] for d in peer.commands("createIndexes"))
    ok(len(idx) == 25 and "BORDE_HISTORY" in idx, "indexes are still ensured on all 25", idx)
    dbs = {ns for (n, ns, _) in peer.seen if n.lower() not in ("ismaster", "hello")}
    ok(dbs == {"ScanBackupDB"}, "no database in the URI: ScanBackupDB", dbs)


def test_put_history(tmp):
    lines = ["if-%04d;HUAWEI;2026-01-02;%02d:%02d:00;100.5;%d;%d;%d;%d"
             % (i // 288, (i % 288) * 5 // 60, (i % 288) * 5 % 60, i, i + 1, i + 2, i + 3)
             for i in range(2500)]
    lines[0] = "if-0000;HUAWEI;2026-01-02;00:00:00;100.5;123456789012;2;3;4"
    path = write(tmp, "borde.txt", lines)
    peer = PEER.reset()
    p = run(peer.uri(), "put-history", "BORDE", path)
    ok(p.returncode == 0 and "stored 2500 rows" in p.stdout, "put-history of 2500 rows",
       p.stderr)
    ups = peer.commands("update")
    sizes = [len(u["updates"]) for u in ups]
    ok(sum(sizes) == 2500 and max(sizes) <= 1000 and len(sizes) >= 3,
       "sent in bulks of at most 1000", sizes)
    ok(all(u["update"] == "BORDE_HISTORY" and u.get("ordered") is False for u in ups),
       "update commands on BORDE_HISTORY with ordered: false")
    docs = [d for u in ups for d in u["updates"]]
    ok(all(d.get("upsert") is True and not d.get("multi") for d in docs),
       "every update is a single upsert")
    ok(all(list(d["q"].keys()) == ["name", "type", "date", "time"] and
           all(isinstance(v, str) for v in d["q"].values()) for d in docs),
       "q is the PK: name, type, date, time, all strings")
    first = docs[0]
    ok(first["q"] == {"name": "if-0000", "type": "HUAWEI", "date": "2026-01-02",
                      "time": "00:00:00"}, "first filter values", first["q"])
    st = first["u"].get("$set", {})
    ok(list(first["u"].keys()) == ["$set"] and
       list(st.keys()) == ["capacity", "inProm", "inMaxProm", "outProm", "outMaxProm"],
       "u = $set of capacity, inProm, inMaxProm, outProm, outMaxProm", first["u"])
    ok(type(st.get("capacity")) is float and st.get("capacity") == 100.5,
       "capacity is a double", st)
    ok(all(type(st.get(f)) is Int64 for f in ("inProm", "inMaxProm", "outProm", "outMaxProm")),
       "history measures are 64-bit integers", {k: type(v).__name__ for k, v in st.items()})
    ok([st["inProm"], st["inMaxProm"], st["outProm"], st["outMaxProm"]] ==
       [123456789012, 2, 3, 4], "measure values in their fields", st)
    times = {d["q"]["time"] for d in docs if d["q"]["name"] == "if-0001"}
    ok(len(times) == 288, "each sample keeps its own time", len(times))


def test_put_ipbras_and_summary(tmp):
    ip = write(tmp, "ipbras.txt", ["BRAS-1;HUAWEI;2026-01-02;00:05:00;0;4000;4100"])
    summ = write(tmp, "summary.txt", [
        "if-a;CISCO;2026-01-02;BORDE;10;1.5;2.5;3.5;4.5;45;288",
        "if-b;HUAWEI;2026-01-02;BORDE;0;1;2;3;4;null",
        "BRAS-1;HUAWEI;2026-01-02;IPBRAS;0;4000;4100;0;0;0;288"])
    peer = PEER.reset()
    p = run(peer.uri(), "put-history", "IPBRAS", ip, wc="majority")
    ok(p.returncode == 0, "put-history IPBRAS", p.stderr)
    ups = peer.commands("update")
    d = ups[0]["updates"][0] if ups else {"q": {}, "u": {}}
    ok(ups and ups[0]["update"] == "IPBRAS_HISTORY" and
       list(d["q"].keys()) == ["brasname", "type", "date", "time"],
       "IPBRAS filter on brasname, type, date, time", d)
    st = d["u"].get("$set", {})
    ok(list(st.keys()) == ["capacity", "inProm", "inMaxProm"] and
       type(st["inProm"]) is Int64 and st["inMaxProm"] == 4100,
       "IPBRAS sets capacity, inProm, inMaxProm only", st)
    ok(ups and ups[0].get("writeConcern", {}).get("w") == "majority",
       "write concern majority is sent", ups[0].get("writeConcern") if ups else None)

    p = run(peer.uri(), "put-summary", summ, wc="2")
    ok(p.returncode == 0, "put-summary", p.stderr)
    ups = [u for u in peer.commands("update") if u["update"] == SUMMARY]
    docs = [x for u in ups for x in u["updates"]]
    ok(len(docs) == 3 and all(u.get("ordered") is False for u in ups),
       "summary upserts, unordered")
    ok(all(list(x["q"].keys()) == ["name", "type", "date", "typeLayer"] and x["upsert"]
           for x in docs), "summary filter is name, type, date, typeLayer")
    a, b, c = (x["u"]["$set"] for x in docs)
    ok(list(a.keys()) == ["capacity", "inProm", "inMaxProm", "outProm", "outMaxProm", "use",
                          "samples"], "summary fields", list(a.keys()))
    ok(all(type(a[f]) is float for f in ("capacity", "inProm", "inMaxProm", "outProm",
                                        "outMaxProm", "use")) and a["inProm"] == 1.5,
       "summary measures and use are doubles", a)
    ok(type(a["samples"]) is Int64 and a["samples"] == 288, "samples is a 64-bit integer", a)
    ok(type(b.get("use")) is float and math.isnan(b["use"]) and "samples" not in b,
       "use unknown without capacity: a double NaN (the old validators require a number); "
       "samples absent when unknown", b)
    ok(docs[2]["q"]["typeLayer"] == "IPBRAS" and c["outProm"] == 0.0,
       "IPBRAS summary row with out 0", docs[2])
    ok(ups and ups[0].get("writeConcern", {}).get("w") == 2, "write concern w: 2 is sent",
       ups[0].get("writeConcern") if ups else None)


def test_coarse_summaries(tmp):
    summ = write(tmp, "coarse.txt", [
        "if-a;CISCO;2026-01-02;BORDE;10;1.5;2.5;3.5;4.5;45;288;1800",
        "if-a;CISCO;2026-01-03;BORDE;10;1.5;2.5;3.5;4.5;45;288",
        "if-a;CISCO;2026-01-04;BORDE;10;1.5;2.5;3.5;4.5;45;288;86400"])
    peer = PEER.reset()
    p = run(peer.uri(), "put-summary", summ)
    ok(p.returncode == 0, "put-summary of coarser and 5-minute summaries", p.stderr)
    docs = [x for u in peer.commands("update") for x in u["updates"]]
    a, b, c = docs if len(docs) == 3 else ({"q": {}, "u": {}},) * 3
    ok(a["q"].get("resolution") == {"$gte": 1800} and list(a["q"].keys())[:4] ==
       ["name", "type", "date", "typeLayer"],
       "a 30-minute summary replaces only one of 30 minutes or coarser", a["q"])
    ok(type(a["u"]["$set"].get("resolution")) is Int64 and a["u"]["$set"]["resolution"] == 1800
       and "$unset" not in a["u"], "... and stores its resolution, a 64-bit integer", a["u"])
    ok("resolution" not in b["q"] and "resolution" not in b["u"]["$set"] and
       b["u"].get("$unset") == {"resolution": ""},
       "a 5-minute summary replaces any and drops a coarser one's resolution", b["u"])
    ok(c["q"].get("resolution") == {"$gte": 86400}, "a 1-day one likewise", c["q"])

    # the server refuses the insert the upsert turns into where a finer summary is stored
    def kept(req):
        ups = req.doc["updates"]
        errs = [{"index": i, "code": 11000, "errmsg": "E11000 duplicate key error collection: "
                 "TestDB.DAILY_SUMMARY_HISTORY index: unique_daily_summary_index"}
                for i, u in enumerate(ups) if "resolution" in u["q"]]
        return req.ok(n=len(ups) - len(errs), nModified=0, writeErrors=errs)
    peer = PEER.reset(replies={"update": kept})
    p = run(peer.uri(), "put-summary", summ)
    ok(p.returncode == 0 and "stored 3 rows" in p.stdout,
       "a duplicate key on a coarser summary is a finer one kept: stored", p.stdout + p.stderr)
    # where a finer summary is stored, the coarser one is not even sent: read first
    peer = PEER.reset(docs={SUMMARY: [
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-02",
         "typeLayer": "BORDE"},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-04",
         "typeLayer": "BORDE", "resolution": Int64(86400)}]})
    p = run(peer.uri(), "put-summary", summ)
    finds = [d for d in peer.commands("find") if d["find"] == SUMMARY]
    docs = [x for u in peer.commands("update") for x in u["updates"]]
    ok(p.returncode == 0 and len(finds) == 1 and finds[0]["filter"] ==
       {"name": {"$in": ["if-a"]}, "date": {"$gte": "2026-01-02", "$lte": "2026-01-04"}},
       "the stored summaries of the coarser rows' interfaces and dates are read first",
       finds[:1])
    ok([x["q"]["date"] for x in docs] == ["2026-01-03", "2026-01-04"],
       "the 30-minute row the stored 5-minute summary keeps is left out; the 1-day one "
       "replaces a 1-day one", [x["q"] for x in docs])
    five = write(tmp, "five.txt", ["if-a;CISCO;2026-01-03;BORDE;10;1.5;2.5;3.5;4.5;45;288"])

    def dup(req):
        return req.ok(n=0, writeErrors=[{"index": 0, "code": 11000, "errmsg": "E11000 dup"}])
    peer = PEER.reset(replies={"update": dup})
    p = run(peer.uri(), "put-summary", five)
    ok(p.returncode != 0 and "E11000" in p.stderr,
       "a duplicate key on a 5-minute summary is still an error", p.stderr)
    peer = PEER.reset(docs={SUMMARY: [
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-02",
         "typeLayer": "BORDE", "capacity": 10.0, "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4, "use": 40, "samples": Int64(288), "resolution": Int64(7200)},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-03",
         "typeLayer": "BORDE", "capacity": 10.0, "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4, "use": 40, "samples": Int64(288)}]})
    p = run(peer.uri(), "query-summary", "2026-01-01", "2026-01-05")
    lines = p.stdout.splitlines()
    ok(len(lines) == 2 and lines[0].endswith(";288;7200") and lines[1].endswith(";288"),
       "read back: the resolution, and none (5 minutes) where absent", p.stdout)


def test_queries(tmp):
    docs = {SUMMARY: [
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-02",
         "typeLayer": "BORDE", "capacity": 10, "inProm": 1.25, "inMaxProm": Int64(2),
         "outProm": 3.0, "outMaxProm": 4.0, "use": None},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-03",
         "typeLayer": "BORDE", "capacity": 10.0, "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4, "use": 40, "samples": Int64(288)},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-04",
         "typeLayer": "BORDE", "capacity": "25", "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4, "use": float("nan")},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-05",
         "typeLayer": "BORDE", "capacity": " 2,5 ", "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4},
        {"_id": ObjectId(), "name": "if-a", "type": "CISCO", "date": "2026-01-06",
         "typeLayer": "BORDE", "capacity": "diez", "inProm": 1, "inMaxProm": 2, "outProm": 3,
         "outMaxProm": 4, "use": 8}],
        "IPBRAS_HISTORY": [
        {"brasname": "BRAS-1", "type": "HUAWEI", "date": "2026-01-02", "time": "00:05:00",
         "capacity": 0, "inProm": 4000, "inMaxProm": 4100.0},
        {"brasname": "BRAS-1", "type": "HUAWEI", "date": "2026-01-02", "time": "00:10:00",
         "capacity": "40", "inProm": 4001, "inMaxProm": 4101}]}
    peer = PEER.reset(docs=docs)
    p = run(peer.uri(), "query-summary", "2026-01-01", "2026-01-31", "BORDE", "if-a")
    ok(p.returncode == 0 and p.stdout.splitlines() == [
        "if-a;CISCO;2026-01-02;BORDE;10;1.25;2;3;4;null;-1",
        "if-a;CISCO;2026-01-03;BORDE;10;1;2;3;4;40;288",
        "if-a;CISCO;2026-01-04;BORDE;25;1;2;3;4;null;-1",
        "if-a;CISCO;2026-01-05;BORDE;2.5;1;2;3;4;null;-1",
        "if-a;CISCO;2026-01-06;BORDE;0;1;2;3;4;8;-1"],
       "query-summary reads int, long, double, null; a NaN or missing use as unknown; a "
       "capacity string as its number, one that holds none as 0", p.stdout + p.stderr)
    f = peer.commands("find")
    q = f[0] if f else {}
    ok(q.get("find") == SUMMARY and q.get("filter") == {
        "date": {"$gte": "2026-01-01", "$lte": "2026-01-31"}, "typeLayer": "BORDE",
        "name": "if-a"}, "find filter: date range, typeLayer, name", q.get("filter"))
    ok(list(q.get("sort", {}).items()) == [("typeLayer", 1), ("type", 1), ("name", 1),
                                           ("date", 1)],
       "sorted by typeLayer, type, name, date", q.get("sort"))
    p = run(peer.uri(), "query-history", "IPBRAS", "2026-01-02", "2026-01-02", "BRAS-1")
    ok(p.returncode == 0 and p.stdout.splitlines() ==
       ["BRAS-1;HUAWEI;2026-01-02;00:05:00;0;4000;4100",
        "BRAS-1;HUAWEI;2026-01-02;00:10:00;40;4001;4101"],
       "query-history IPBRAS, a capacity string read as its number", p.stdout + p.stderr)
    q = peer.commands("find")[-1]
    ok(q.get("find") == "IPBRAS_HISTORY" and q.get("filter", {}).get("brasname") == "BRAS-1"
       and list(q.get("sort", {}).keys()) == ["brasname", "type", "date", "time"],
       "history find on brasname, sorted by brasname, type, date, time", q)


def test_drop(tmp):
    def missing(req):
        if req.doc["drop"] in ("RAI_HISTORY", SUMMARY):
            return req.command_err(code=26, errmsg="ns not found")
        return req.ok()
    peer = PEER.reset(replies={"drop": missing})
    p = run(peer.uri(), "drop")
    dropped = sorted(d["drop"] for d in peer.commands("drop"))
    ok(p.returncode == 0, "drop succeeds; a missing collection is not an error", p.stderr)
    ok(len(dropped) == 25 and "IPBRAS_HISTORY_1D" in dropped,
       "drop sent for the 25 collections, the coarser ones too", dropped)


def test_errors(tmp):
    path = write(tmp, "one.txt", ["if-a;HUAWEI;2026-01-02;00:05:00;10;1;2;3;4"])

    def write_error(req):
        return req.ok(n=0, writeErrors=[{"index": 0, "code": 121,
                                         "errmsg": "Document failed validation"}])
    peer = PEER.reset(replies={"update": write_error})
    p = run(peer.uri(), "put-history", "BORDE", path)
    ok(p.returncode != 0 and "Document failed validation" in p.stderr,
       "writeErrors: non-zero exit with the server's message", p.stderr)

    def wc_error(req):
        return req.ok(n=1, writeConcernError={"code": 64, "errmsg": "waiting for replication "
                                              "timed out"})
    peer = PEER.reset(replies={"update": wc_error})
    p = run(peer.uri(), "put-history", "BORDE", path, wc="majority")
    ok(p.returncode != 0 and "waiting for replication timed out" in p.stderr,
       "writeConcernError: non-zero exit with the message", p.stderr)

    def index_conflict(req):
        return req.command_err(code=85, errmsg="Index with name: unique_borde_index already "
                               "exists with different options")
    peer = PEER.reset(replies={"createIndexes": index_conflict})
    p = run(peer.uri(), "start")
    ok(p.returncode != 0 and "already exists with different options" in p.stderr and
       "BORDE_HISTORY" in p.stderr, "createIndexes ok:0: non-zero exit naming the collection",
       p.stderr)
    ok(len(peer.commands("createIndexes")) == 1, "start stops at the first error")

    def unauthorized(req):
        return req.command_err(code=13, errmsg="not authorized on TestDB to execute command")
    peer = PEER.reset(replies={"find": unauthorized})
    p = run(peer.uri(), "query-summary", "2026-01-01", "2026-01-02")
    ok(p.returncode != 0 and "not authorized" in p.stderr, "failing find: non-zero exit",
       p.stderr)


def test_unreachable(tmp):
    path = write(tmp, "one.txt", ["if-a;HUAWEI;2026-01-02;00:05:00;10;1;2;3;4"])
    # Nothing listens on the port: refused at once.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.monotonic()
    p = run("mongodb://scan:s3cr3tpw@127.0.0.1:%d/TestDB?serverSelectionTimeoutMS=1000" % port,
            "put-history", "BORDE", path)
    elapsed = time.monotonic() - t0
    ok(p.returncode != 0 and ("cannot reach MongoDB at 127.0.0.1:%d" % port) in p.stderr,
       "connection refused: clear error", p.stderr)
    ok(elapsed < 5, "... quickly (%.1f s)" % elapsed)
    ok("s3cr3tpw" not in p.stderr + p.stdout, "... without the password", p.stderr)
    ok(p.stderr.count("cannot reach") == 1, "... reported once", p.stderr)

    # A server that accepts but never answers: opts.timeout_ms bounds the wait.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        t0 = time.monotonic()
        p = run("mongodb://127.0.0.1:%d/TestDB" % port, "start", timeout_ms=300)
        elapsed = time.monotonic() - t0
        ok(p.returncode != 0 and "cannot reach MongoDB" in p.stderr,
           "silent server: error", p.stderr)
        ok(elapsed < 4, "... within the -t 300 timeout (%.1f s)" % elapsed)
    finally:
        silent.close()

    p = run("mongodb://127.0.0.1:1/TestDB", "start", wc="bogus")
    ok(p.returncode != 0 and "bogus" in p.stderr, "bad write concern refused", p.stderr)
    p = run("mongodb://scan:hunter2@/TestDB", "start")
    ok(p.returncode != 0 and "hunter2" not in p.stderr and "***" in p.stderr,
       "invalid MongoDB URI: error without the password", p.stderr)
    p = run("mysql://scan:hunter2@db/x", "start")
    ok(p.returncode != 0 and "hunter2" not in p.stderr and "mongodb+srv://" in p.stderr and
       "sqlite:PATH" in p.stderr, "unsupported scheme: accepted forms listed, password masked",
       p.stderr)


def main():
    global PEER
    if not NO_PEER:
        PEER = Peer()
    with tempfile.TemporaryDirectory(prefix="sb_store_mongo.") as tmp:
        for t in (test_start, test_start_existing, test_put_history, test_put_ipbras_and_summary,
                  test_coarse_summaries, test_queries, test_drop, test_errors):
            TAP.case(t.__name__[5:].replace("_", " "), t, tmp, needs=("mockupdb",))
        TAP.case("unreachable, silent and badly written servers", test_unreachable, tmp)
    if PEER is not None:
        PEER.stop()
    TAP.done()


if __name__ == "__main__":
    main()
