#!/usr/bin/python3
"""updater_mongo.py - the updater and `database start` against a MongoDB wire peer (mockupdb):
bulk upserts keyed on the PK with the old tool's field names and types, the spool removed only
after the server acknowledged, kept on a server error or when the server cannot be reached.
Without python3-mockupdb the cases that need the peer are reported as skips."""

import glob
import os
import socket
import time

import sbtest

t = sbtest.Tap()
DATE = "2026-11-20"
NEEDS = ("mockupdb",)
peer = None
if not sbtest.missing(*NEEDS):
    from bson.int64 import Int64

    from mongopeer import Peer
    peer = Peer()


def make_root(uri=None):
    root = sbtest.tempdir()
    uri = uri or peer.uri("/ScanBackupDB")
    sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\nDATABASE_URI=%s\nDB_TIMEOUT=2\n" % uri)
    start, _ = sbtest.day_bounds(DATE, "UTC")
    for layer, name, typ, cap in (("BORDE", "CCS GI0/0/1", "CISCO", "100"), ("IPBRAS", "BRAS-CCS-01", "HUAWEI", "")):
        rows = "".join("%d\t%02d:%02d:00\t%d\t%d\t%d\t%d\n" % (start + i * 300, i * 5 // 60, i * 5 % 60, 1000 + i, 2000 + i, 3000 + i, 4000 + i)
                       for i in range(288))
        sbtest.write(os.path.join(root, "data/SCAN", layer, DATE, name.replace(" ", "%20").replace("/", "%2F") + "@" + typ + ".tsv"),
                     "#scanbackup-spool\t1\nlayer\t%s\nname\t%s\ntype\t%s\ncapacity\t%s\ndate\t%s\nurl\tx\nsamples\t288\n"
                     "#ts\ttime\tin_avg\tout_avg\tin_max\tout_max\n%s" % (layer, name, typ, cap, DATE, rows))
    return root


def spool(root):
    return sorted(glob.glob(os.path.join(root, "data/SCAN/**/*.tsv"), recursive=True))


def stored_and_removed():
    """updater data and daily: upserts with the PK, the spool removed once acknowledged."""
    root = make_root()
    r = sbtest.run(["daily", "--date", DATE], root=root)
    t.eq(r.returncode, 0, "daily summaries computed")
    t.eq(len(spool(root)), 4, "two raw spool files and two summary files")

    peer.reset()
    r = sbtest.run(["updater", "data", "--date", DATE], root=root)
    t.eq(r.returncode, 0, "updater data against MongoDB exits 0", r.stderr)
    ups = [(d["update"], u) for d in peer.commands("update") for u in d["updates"]]
    borde = [u for (c, u) in ups if c == "BORDE_HISTORY"]
    ipb = [u for (c, u) in ups if c == "IPBRAS_HISTORY"]
    t.eq(len(borde), 288, "288 upserts into BORDE_HISTORY")
    t.eq(len(ipb), 288, "288 upserts into IPBRAS_HISTORY")
    t.ok(all(u.get("upsert") is True for (_, u) in ups), "every write is an upsert")
    t.ok(all(d.get("ordered") is False for d in peer.commands("update")), "bulk writes are unordered")
    u = borde[0]
    t.eq(sorted(u["q"].keys()), ["date", "name", "time", "type"], "the BORDE filter is the PK")
    t.ok(u["q"]["name"] == "CCS GI0/0/1" and u["q"]["type"] == "CISCO" and u["q"]["date"] == DATE and u["q"]["time"] == "00:00:00",
         "PK values are strings in the old formats", u["q"])
    s = u["u"]["$set"]
    t.ok(isinstance(s["capacity"], float) and s["capacity"] == 100.0, "capacity is a number", s)
    t.ok(all(isinstance(s[k], (int, Int64)) and not isinstance(s[k], bool) for k in ("inProm", "outProm", "inMaxProm", "outMaxProm")),
         "raw measures are integers", s)
    t.eq((s["inProm"], s["outProm"], s["inMaxProm"], s["outMaxProm"]), (1000, 2000, 3000, 4000), "values as they came")
    q = ipb[0]["q"]
    t.eq(sorted(q.keys()), ["brasname", "date", "time", "type"], "IPBRAS is keyed on brasname")
    t.ok("outProm" not in ipb[0]["u"]["$set"], "IPBRAS rows carry no out fields")
    t.eq(len(spool(root)), 2, "the raw spool files left once acknowledged; the summaries wait")

    peer.reset()
    r = sbtest.run(["updater", "daily", "--date", DATE], root=root)
    t.eq(r.returncode, 0, "updater daily against MongoDB exits 0", r.stderr)
    sums = [u for d in peer.commands("update") if d["update"] == "DAILY_SUMMARY_HISTORY" for u in d["updates"]]
    t.eq(len(sums), 2, "two daily summaries upserted")
    b = [x for x in sums if x["q"]["typeLayer"] == "BORDE"][0]
    t.eq(sorted(b["q"].keys()), ["date", "name", "type", "typeLayer"], "summary filter is its PK")
    t.ok(isinstance(b["u"]["$set"]["use"], float) and isinstance(b["u"]["$set"]["inProm"], float), "summary measures are doubles", b)
    t.eq(b["u"]["$set"]["samples"], 288, "the sample count is stored beside the summary")
    t.eq(spool(root), [], "the spool is empty")


def server_error():
    """A server error: nothing removed, the next run loads it."""
    root = make_root()
    peer.reset(replies={"update": lambda req: req.ok(n=0, writeErrors=[{"index": 0, "code": 121, "errmsg": "Document failed validation"}])})
    r = sbtest.run(["updater", "data", "--date", DATE], root=root)
    t.eq(r.returncode, 1, "a write error from the server exits 1")
    t.ok("Document failed validation" in r.stderr, "the server's message is shown", r.stderr)
    t.eq(len(spool(root)), 2, "every spool file is kept")
    peer.reset()
    r = sbtest.run(["updater", "data", "--force"], root=root)
    t.ok(r.returncode == 0 and spool(root) == [], "the next run loads what was kept", r.stderr)


def unreachable():
    """The server cannot be reached: exit 1, one clear message, every file kept."""
    root = make_root("mongodb://127.0.0.1:1/Unused")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.time()
    r = sbtest.run(["updater", "data", "--date", DATE], root=root,
                   env={"DATABASE_URI": "mongodb://127.0.0.1:%d/ScanBackupDB?serverSelectionTimeoutMS=1500" % port})
    t.eq(r.returncode, 1, "connection refused exits 1")
    t.ok("cannot reach MongoDB" in r.stderr and "127.0.0.1:%d" % port in r.stderr, "the message says which server", r.stderr)
    t.eq(r.stderr.count("cannot reach MongoDB"), 1, "the connection error is reported once")
    t.ok(time.time() - t0 < 20, "and quickly")
    t.eq(len(spool(root)), 2, "every spool file is kept")


def database_start():
    """database start creates the collections with the old index names."""
    root = make_root()
    peer.reset()
    r = sbtest.run(["database", "start"], root=root)
    t.eq(r.returncode, 0, "database start against MongoDB")
    names = sorted(i["name"] for d in peer.commands("createIndexes") for i in d["indexes"])
    t.ok("unique_borde_index" in names and "unique_ip_bras_index" in names and "daily_summary_by_date_typelayer_index" in names,
         "the old index names are used", names)


t.case("updater data and daily into MongoDB", stored_and_removed, needs=NEEDS)
t.case("a server error keeps the spool", server_error, needs=NEEDS)
t.case("the server cannot be reached", unreachable)
t.case("database start", database_start, needs=NEEDS)
if peer is not None:
    peer.stop()
t.done()
