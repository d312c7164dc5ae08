#!/usr/bin/python3
"""probe_store.py - probe records in both stores through tests/store_cli, each table made from the
record its probe module declares: PING_HISTORY, HTTPING_HISTORY, TRACEROUTE_HISTORY in SQLite
(types, PK, unique indexes, idempotent upserts, queries; a PING_HISTORY made before ping declared
min, max and jitter, and a trace line of that time, still read and load) and over the MongoDB wire
against a MockupDB peer (validators built from the declarations, index names, bulk upserts keyed
on monitor, link, timestamp with their BSON types). TAP output; without python3-mockupdb the three
MongoDB cases are reported as skips."""

import os
import sqlite3
import subprocess
import tempfile
import threading

import sbtest

BUILD = os.environ.get("top_builddir", ".")
CLI = os.path.join(BUILD, "tests", "store_cli")
t = sbtest.Tap()
ok = t.ok


def run(uri, *args):
    return subprocess.run([CLI, "-t", "3000", "-m", sbtest.MODULES_DIR, uri] + list(args), capture_output=True,
                          text=True, timeout=60)


tmp = tempfile.mkdtemp(prefix="sbprobestore-")
TRACE = os.path.join(tmp, "t.trace")
with open(TRACE, "w") as f:
    f.write("2026-11-20T10:15:00Z\tping\t127.0.0.1\t0.045\t0.0\t3\t3\n"
            "2026-11-20T10:16:00Z\tping\t127.0.0.1\t-1.000\t100.0\t3\t0\n"
            "2026-11-20T10:15:00Z\thttp\thttp://127.0.0.1:80/\t200\t1.250\t\n"
            "2026-11-20T10:16:00Z\thttp\thttp://127.0.0.1:80/\t0\t-1.000\tTimeout was reached\n"
            "2026-11-20T10:00:00Z\ttrace\t10.0.0.2\t[[{\"anno\": null, \"rtt\": 0.5, \"ipaddr\": \"10.0.0.1\", \"name\": \"10.0.0.1\"}]]\n")

# ---- SQLite ----
db = os.path.join(tmp, "p.db")
uri = "sqlite:" + db
p = run(uri, "put-records", "2", "7", TRACE)
ok(p.returncode == 0 and "stored 2 PING_HISTORY rows" in p.stdout and "stored 2 HTTPING_HISTORY rows" in p.stdout
   and "stored 1 TRACEROUTE_HISTORY rows" in p.stdout, "put-records into a fresh SQLite file creates the tables", p.stdout + p.stderr)
p = run(uri, "put-records", "2", "7", TRACE)
ok(p.returncode == 0, "the same records again", p.stderr)
c = sqlite3.connect(db)
ok(c.execute("SELECT COUNT(*) FROM PING_HISTORY").fetchone()[0] == 2, "idempotent: still 2 ping rows")
row = c.execute("SELECT monitor, link, timestamp, ip, rtt, loss, sent, received, typeof(timestamp), typeof(rtt), "
                "min, max, jitter FROM PING_HISTORY ORDER BY timestamp").fetchone()
ok(row == (2, 7, 1795169700, "127.0.0.1", 0.045, 0.0, 3, 3, "integer", "real", None, None, None),
   "ping row and types (a line without min, max and jitter stores them as NULL)", row)
cols = [(r[1], r[2], r[3]) for r in c.execute("PRAGMA table_info(PING_HISTORY)")]
ok(cols == [("monitor", "INTEGER", 1), ("link", "INTEGER", 1), ("timestamp", "INTEGER", 1), ("date", "TEXT", 1),
            ("time", "TEXT", 1), ("ip", "TEXT", 1), ("rtt", "REAL", 1), ("loss", "REAL", 1), ("sent", "INTEGER", 1),
            ("received", "INTEGER", 1), ("min", "REAL", 0), ("max", "REAL", 0), ("jitter", "REAL", 0)],
   "PING_HISTORY's columns: the key, then the declared fields (the optional ones nullable)", cols)
row = c.execute("SELECT status, total, error FROM HTTPING_HISTORY ORDER BY timestamp").fetchall()
ok(row == [(200, 1.25, None), (0, -1.0, "Timeout was reached")], "http rows: no error is NULL", row)
row = c.execute("SELECT ip, nhops, hops FROM TRACEROUTE_HISTORY").fetchone()
ok(row is not None and row[0] == "10.0.0.2" and row[1] == 1 and row[2].startswith("[["), "trace row keeps the JSON", row)


def unique_keys(table):
    """The column lists of the table's unique indexes (its PRIMARY KEY included)."""
    out = []
    for r in c.execute("PRAGMA index_list('%s')" % table):
        if r[2]:
            out.append([x[2] for x in c.execute("PRAGMA index_info('%s')" % r[1])])
    return out


for table, stem in (("PING_HISTORY", "ping"), ("HTTPING_HISTORY", "httping"), ("TRACEROUTE_HISTORY", "traceroute")):
    names = {r[1] for r in c.execute("PRAGMA index_list('%s')" % table)}
    ok(["monitor", "link", "timestamp"] in unique_keys(table) and ("%s_by_date_index" % stem) in names,
       "%s: unique on (monitor, link, timestamp), and %s_by_date_index" % (table, stem), (unique_keys(table), names))
c.close()
p = run(uri, "query-records", "ping", "-", "-", "2", "7")
lines = p.stdout.splitlines()
ok(len(lines) == 2 and lines[0].startswith("2;7;1795169700;") and lines[1].split(";")[6] == "-1"
   and lines[1].endswith(";null;null;null"), "query-records ping, ordered", p.stdout)
p = run(uri, "query-records", "httping", "1795169760", "1795169761")
ok(p.stdout.count("\n") == 1 and "Timeout was reached" in p.stdout, "a time range [from, to)", p.stdout)
p = run(uri, "query-records", "ping", "-", "-", "3")
ok(p.returncode == 0 and p.stdout == "", "another monitor: nothing")
p = run("sqlite:" + os.path.join(tmp, "empty.db"), "query-records", "traceroute", "-", "-")
ok(p.returncode == 0 and p.stdout == "", "a missing table yields no rows", p.stderr)
p = run(uri, "drop-records")
c = sqlite3.connect(db)
ok(p.returncode == 0 and c.execute("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_HISTORY'").fetchone()[0] == 0,
   "drop-records", p.stderr)
c.close()

# ---- a PING_HISTORY of before: the table exactly as it was made, and a trace line of then ----
old_db = os.path.join(tmp, "old.db")
c = sqlite3.connect(old_db)
c.executescript('''
CREATE TABLE "PING_HISTORY" ("monitor" INTEGER NOT NULL, "link" INTEGER NOT NULL, "timestamp" INTEGER NOT NULL,
 "date" TEXT NOT NULL, "time" TEXT NOT NULL, "ip" TEXT NOT NULL, "rtt" REAL NOT NULL, "loss" REAL NOT NULL,
 "sent" INTEGER NOT NULL, "received" INTEGER NOT NULL, PRIMARY KEY ("monitor", "link", "timestamp")) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "ping_by_date_index" ON "PING_HISTORY" ("date");
INSERT INTO PING_HISTORY VALUES (2, 7, 1795083300, '2026-11-19', '10:15:00', '127.0.0.1', 0.5, 0.0, 3, 3);
''')
c.commit()
c.close()
old_uri = "sqlite:" + old_db
p = run(old_uri, "query-records", "ping", "-", "-")
ok(p.returncode == 0 and p.stdout == "2;7;1795083300;2026-11-19;10:15:00;127.0.0.1;0.5;0;3;3;null;null;null\n",
   "an old PING_HISTORY reads, without values for the fields it lacks", p.stdout + p.stderr)
OLD_TRACE = os.path.join(tmp, "old.trace")
with open(OLD_TRACE, "w") as f:
    f.write("2026-11-20T10:15:00Z\tping\t127.0.0.1\t0.045\t0.0\t3\t3\n")
p = run(old_uri, "put-records", "2", "7", OLD_TRACE)
ok(p.returncode == 0 and "stored 1 PING_HISTORY rows" in p.stdout, "a trace line of before loads into it", p.stdout + p.stderr)
c = sqlite3.connect(old_db)
rows = c.execute("SELECT timestamp, rtt, min, jitter FROM PING_HISTORY ORDER BY timestamp").fetchall()
cols = [r[1] for r in c.execute("PRAGMA table_info(PING_HISTORY)")]
c.close()
ok(rows == [(1795083300, 0.5, None, None), (1795169700, 0.045, None, None)] and cols[-3:] == ["min", "max", "jitter"],
   "the old row kept, the new one beside it, the new columns added", (rows, cols))

# ---- MongoDB over the wire ----
seen = []
lock = threading.Lock()


def handle(req):
    from bson import ObjectId
    from bson.int64 import Int64

    name = req.command_name or ""
    with lock:
        seen.append((name, req.doc))
    if name.lower() in ("ismaster", "hello"):
        return None
    if name == "listCollections":
        return req.ok(cursor={"id": Int64(0), "ns": req.namespace + ".$cmd.listCollections", "firstBatch": []})
    if name == "update":
        ups = req.doc["updates"]
        return req.ok(n=len(ups), nModified=0, upserted=[{"index": i, "_id": ObjectId()} for i in range(len(ups))])
    if name == "find":
        return req.ok(cursor={"id": Int64(0), "ns": req.namespace + "." + req.doc["find"], "firstBatch": [
            {"monitor": Int64(2), "link": 7, "timestamp": Int64(1795169700), "date": "2026-11-20",
             "time": "10:15:00", "url": "http://x/", "status": 200, "total": 1.5, "error": None}]})
    return req.ok()


class Wire:
    server = None
    uri = None


def start_peer():
    from mockupdb import MockupDB
    Wire.server = MockupDB(auto_ismaster=True, max_wire_version=17)
    Wire.server.autoresponds(handle)
    Wire.uri = "mongodb://127.0.0.1:%d/TestDB" % Wire.server.run()


def commands(name):
    with lock:
        return [d for (n, d) in seen if n == name]


def mongo_start():
    muri = Wire.uri
    p = run(muri, "start-records")
    ok(p.returncode == 0, "start-records", p.stderr)
    creates = {d["create"]: d for d in commands("create")}
    ok({"HTTPING_HISTORY", "PING_HISTORY", "TRACEROUTE_HISTORY"} <= set(creates),
       "a collection per probe module's record", sorted(creates))
    props = creates.get("PING_HISTORY", {}).get("validator", {}).get("$jsonSchema", {}).get("properties", {})
    req = creates.get("PING_HISTORY", {}).get("validator", {}).get("$jsonSchema", {}).get("required", [])
    ok(props.get("monitor", {}).get("bsonType") == ["int", "long"] and props.get("ip", {}).get("bsonType") == "string"
       and props.get("rtt", {}).get("bsonType") == ["int", "long", "double"]
       and set(req) == {"monitor", "link", "timestamp", "date", "time", "ip", "rtt", "loss", "sent", "received"}
       and props.get("jitter", {}).get("bsonType") == ["int", "long", "double", "null"],
       "PING_HISTORY validator: fields and BSON types; an optional field may be null, and is not required",
       (props, req))
    hp = creates.get("HTTPING_HISTORY", {}).get("validator", {}).get("$jsonSchema", {}).get("properties", {})
    ok(hp.get("error", {}).get("bsonType") == ["string", "null"], "an HTTP error may be null", hp.get("error"))
    tp = creates.get("TRACEROUTE_HISTORY", {}).get("validator", {}).get("$jsonSchema", {}).get("properties", {})
    ok(tp.get("hops", {}).get("bsonType") == "string" and tp.get("nhops", {}).get("bsonType") == ["int", "long"],
       "the hops JSON as a string, their count an integer", tp)
    got = {d["createIndexes"]: [(i["name"], list(i["key"]), bool(i.get("unique"))) for i in d["indexes"]]
           for d in commands("createIndexes")}
    ok(got.get("PING_HISTORY") == [("unique_ping_index", ["monitor", "link", "timestamp"], True),
                                   ("ping_by_date_index", ["date"], False)]
       and got.get("TRACEROUTE_HISTORY", [("",)])[0][0] == "unique_traceroute_index",
       "index names and keys", got)


def mongo_put():
    from bson.int64 import Int64
    muri = Wire.uri
    with lock:
        seen.clear()
    p = run(muri, "put-records", "2", "7", TRACE)
    ok(p.returncode == 0 and "stored 2 PING_HISTORY rows" in p.stdout, "put-records over the wire", p.stdout + p.stderr)
    ups = {u["update"]: u for u in commands("update")}
    ok(sorted(ups) == ["HTTPING_HISTORY", "PING_HISTORY", "TRACEROUTE_HISTORY"] and all(u.get("ordered") is False for u in ups.values()),
       "one unordered bulk per table", sorted(ups))
    d = ups["PING_HISTORY"]["updates"][0]
    q, s = d["q"], d["u"]["$set"]
    ok(d.get("upsert") is True and list(q) == ["monitor", "link", "timestamp"]
       and all(isinstance(q[k], Int64) for k in q) and q["timestamp"] == 1795169700,
       "upsert filter: the PK as longs", d)
    ok(isinstance(s["rtt"], float) and isinstance(s["sent"], Int64) and s["ip"] == "127.0.0.1" and s["date"] == "2026-11-20",
       "$set: the other fields with their types", s)
    h = ups["HTTPING_HISTORY"]["updates"][0]["u"]["$set"]
    ok("error" in h and h["error"] is None, "no error is stored as null", h)


def mongo_query():
    muri = Wire.uri
    p = run(muri, "query-records", "httping", "0", "9999999999", "2")
    f = commands("find")
    ok(p.returncode == 0 and p.stdout == "2;7;1795169700;2026-11-20;10:15:00;http://x/;200;1.5;null\n",
       "query-records reads int or long, and a null error", p.stdout + p.stderr)
    ok(f and f[-1]["filter"].get("timestamp") == {"$gte": 0, "$lt": 9999999999} and f[-1]["filter"].get("monitor") == 2
       and list(f[-1].get("sort", {})) == ["monitor", "link", "timestamp"], "query filter and sort", f[-1] if f else None)


NEEDS = ("mockupdb",)
if not sbtest.missing(*NEEDS):
    start_peer()
t.case("MongoDB: start-records creates the collections with validators and indexes", mongo_start,
       needs=NEEDS)
t.case("MongoDB: put-records as unordered bulk upserts", mongo_put, needs=NEEDS)
t.case("MongoDB: query-records", mongo_query, needs=NEEDS)
if Wire.server is not None:
    Wire.server.stop()
t.done()
