#!/usr/bin/python3
"""mongo_oldtool.py - MongoDB databases the engine meets in the field, replayed by a MockupDB peer
that keeps state like a server (collections with their validator, named indexes, rows) and checks
every upserted row against the collection's $jsonSchema validator, as MongoDB does:

* a database the old tool created, with its validators (`use` must be a number) and its indexes:
  the nightly rows are accepted, a capacity-0 interface included, and nothing of it is replaced;
* a database where `database start` never ran: every write path (updater data, updater daily, a
  remote monitor's push) first creates the collection with its validator and its unique index,
  once per process;
* collections a server created on a first write, without validator or index: `database start`
  and the write paths add what is missing;
* index conflicts the server refuses: the command fails naming the collection, the spool is kept.
TAP output."""

import glob
import math
import os
import shutil
import subprocess
import threading

import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("mockupdb")
if why:
    t.skip_rest(why)
from bson.int64 import Int64  # noqa: E402
from mockupdb import MockupDB  # noqa: E402

DATE = sbweb.EXAMPLE_DATE
CLI = os.path.join(sbtest.TOP_BUILDDIR, "tests", "store_cli")
NUMBER = ["int", "long", "double"]
LAYERS = [("BORDE", "name", "borde", False), ("BRAS", "name", "bras", False),
          ("CACHING", "name", "caching", False), ("RAI", "name", "rai", False),
          ("IXP", "name", "ixp", False), ("IPBRAS", "brasname", "ip_bras", True)]
SUMMARY = "DAILY_SUMMARY_HISTORY"


# ---- the old tool's collections, as it created them ----

def old_validator(fields):
    props = {f: {"bsonType": "string" if kind == "s" else NUMBER} for f, kind in fields}
    return {"$jsonSchema": {"bsonType": "object", "required": [f for f, _ in fields],
                            "properties": props}}


def old_collections():
    """name -> (validator, [(index name, keys, unique)]) of a database the old tool made."""
    out = {}
    for layer, key, stem, in_only in LAYERS:
        fields = [(key, "s"), ("type", "s"), ("date", "s"), ("time", "s"), ("capacity", "n"),
                  ("inProm", "n"), ("inMaxProm", "n")]
        if not in_only:
            fields += [("outProm", "n"), ("outMaxProm", "n")]
        pk = [key, "date", "time", "type"] if in_only else [key, "type", "date", "time"]
        out[layer + "_HISTORY"] = (old_validator(fields),
                                   [("unique_%s_index" % stem, pk, True),
                                    ("%s_by_date_index" % stem, ["date"], False)])
    fields = [("name", "s"), ("type", "s"), ("date", "s"), ("typeLayer", "s"), ("capacity", "n"),
              ("inProm", "n"), ("inMaxProm", "n"), ("outProm", "n"), ("outMaxProm", "n"),
              ("use", "n")]
    out[SUMMARY] = (old_validator(fields),
                    [("unique_daily_summary_index", ["name", "typeLayer", "type", "date"], True),
                     ("daily_summary_by_date_index", ["date"], False),
                     ("daily_summary_by_date_typelayer_index", ["date", "typeLayer"], False)])
    return out


def bson_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, Int64):
        return "long"
    if isinstance(v, int):
        return "int" if -2 ** 31 <= v < 2 ** 31 else "long"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def valid(doc, validator):
    """What MongoDB's $jsonSchema checks of these validators: required fields and bsonType."""
    if not validator:
        return True
    js = validator.get("$jsonSchema", {})
    for f in js.get("required", []):
        if f not in doc:
            return False
    for f, prop in js.get("properties", {}).items():
        if f not in doc or "bsonType" not in prop:
            continue
        want = prop["bsonType"]
        want = [want] if isinstance(want, str) else list(want)
        if "number" in want:
            want += NUMBER
        if bson_type(doc[f]) not in want:
            return False
    return True


class OldDB:
    """A MockupDB peer with a server's state: collections (validator, indexes, rows keyed on the
    upsert filter), validating each upserted row; every command received is recorded in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.server = MockupDB(auto_ismaster=True, max_wire_version=17)
        self.server.autoresponds(self.handle)
        self.port = self.server.run()
        self.reset({})

    def reset(self, colls):
        """colls: name -> (validator or None, [(index name, keys, unique)])."""
        with self.lock:
            self.colls = {n: {"validator": v, "indexes": list(ix), "rows": {}}
                          for n, (v, ix) in colls.items()}
            self.seen = []
        return self

    def uri(self, db="ScanBackupDB"):
        return "mongodb://127.0.0.1:%d/%s" % (self.port, db)

    def handle(self, req):
        name = req.command_name or ""
        if name.lower() in ("ismaster", "hello"):
            return None
        with self.lock:
            self.seen.append((name, req.doc))
            return getattr(self, "cmd_" + name, self.cmd_other)(req)

    def cmd_other(self, req):
        return req.ok()

    def cmd_listCollections(self, req):
        wanted = req.doc.get("filter", {}).get("name")
        batch = [{"name": n, "type": "collection",
                  "options": {"validator": c["validator"]} if c["validator"] else {}}
                 for n, c in sorted(self.colls.items()) if wanted in (None, n)]
        return req.ok(cursor={"id": Int64(0), "ns": req.namespace + ".$cmd.listCollections",
                              "firstBatch": batch})

    def cmd_create(self, req):
        n = req.doc["create"]
        if n in self.colls:
            return req.command_err(code=48, errmsg="Collection %s already exists." % n)
        self.colls[n] = {"validator": req.doc.get("validator"), "indexes": [], "rows": {}}
        return req.ok()

    def cmd_collMod(self, req):
        n = req.doc["collMod"]
        if n not in self.colls:
            return req.command_err(code=26, errmsg="ns does not exist")
        if "validator" in req.doc:
            self.colls[n]["validator"] = req.doc["validator"]
        return req.ok()

    def cmd_createIndexes(self, req):
        n = req.doc["createIndexes"]
        c = self.colls.setdefault(n, {"validator": None, "indexes": [], "rows": {}})
        for spec in req.doc["indexes"]:
            keys, iname, unique = list(spec["key"].keys()), spec["name"], bool(spec.get("unique"))
            for (en, ek, eu) in c["indexes"]:
                if en == iname and (ek != keys or eu != unique):
                    return req.command_err(code=85 if ek == keys else 86, errmsg=(
                        "An existing index has the same name as the requested index. "
                        "Requested index: %s, existing index: %s" % (iname, en)))
                if ek == keys and en != iname:
                    return req.command_err(code=85, errmsg=(
                        "Index already exists with a different name: %s" % en))
            if any(en == iname for en, _, _ in c["indexes"]):
                continue
            if unique:
                seen = set()
                for row in c["rows"].values():
                    k = tuple(row.get(f) for f in keys)
                    if k in seen:
                        return req.command_err(code=11000, errmsg=(
                            "E11000 duplicate key error collection: %s index: %s" % (n, iname)))
                    seen.add(k)
            c["indexes"].append((iname, keys, unique))
        return req.ok()

    def cmd_update(self, req):
        n = req.doc["update"]
        c = self.colls.setdefault(n, {"validator": None, "indexes": [], "rows": {}})
        errors = []
        done = 0
        for i, u in enumerate(req.doc["updates"]):
            key = tuple(sorted(u["q"].items()))
            row = dict(c["rows"].get(key, {}))
            row.update(u["q"])
            row.update(u["u"].get("$set", {}))
            if c["validator"] and not valid(row, c["validator"]):
                errors.append({"index": i, "code": 121, "errmsg": "Document failed validation"})
                continue
            c["rows"][key] = row
            done += 1
        if errors:
            return req.ok(n=done, writeErrors=errors)
        return req.ok(n=done, nModified=0)

    def cmd_find(self, req):
        n = req.doc["find"]
        c = self.colls.get(n, {"rows": {}})
        ops = {"$gte": lambda x, v: x >= v, "$gt": lambda x, v: x > v,
               "$lte": lambda x, v: x <= v, "$lt": lambda x, v: x < v}

        def match(row):
            for k, v in req.doc.get("filter", {}).items():
                x = row.get(k)
                if isinstance(v, dict):
                    if x is None or not all(ops[op](x, val) for op, val in v.items()):
                        return False
                elif x != v:
                    return False
            return True
        rows = [r for r in c["rows"].values() if match(r)]
        rows.sort(key=lambda r: tuple(r.get(k) for k in req.doc.get("sort", {})))
        return req.ok(cursor={"id": Int64(0), "ns": "%s.%s" % (req.namespace, n),
                              "firstBatch": rows})

    def commands(self, name=None):
        with self.lock:
            return [(n, d) for (n, d) in self.seen if name in (None, n)]

    def stop(self):
        self.server.stop()


def example_root(uri):
    """The example night collected into the spool (scan + daily), waiting for the store."""
    root = sbtest.tempdir("sboldtool-")
    for name in ("sources", "mrtg"):
        shutil.copytree(os.path.join(sbtest.TOP_SRCDIR, "examples", name), os.path.join(root, name))
    env = sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "examples", ".env"))
    sbtest.write(os.path.join(root, ".env"), env + "DATABASE_URI=%s\nDB_TIMEOUT=5\n" % uri)
    for stage in ("scan", "daily"):
        r = sbtest.run([stage, "--date", DATE], root=root)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (stage, r.stdout + r.stderr))
    return root


def spool(root):
    return sorted(glob.glob(os.path.join(root, "data/SCAN/**/*.tsv"), recursive=True))


def ensured_before_writes(db, colls):
    """For each collection written: its listCollections, create (or collMod) and createIndexes
    came before its first update, each once. Returns the problems found."""
    bad = []
    seen = db.commands()
    for coll in colls:
        order = [n for (n, d) in seen
                 if d.get(n) == coll or (n == "listCollections" and
                                         d.get("filter", {}).get("name") == coll)]
        if "update" not in order:
            bad.append("%s: never written" % coll)
            continue
        first = order.index("update")
        setup = ("listCollections", "create", "collMod", "createIndexes")
        before = [n for n in order[:first] if n in setup]
        if before.count("listCollections") != 1 or before.count("createIndexes") != 1:
            bad.append("%s: before its first row %r" % (coll, before))
        after = [n for n in order[first:] if n in setup]
        if after:
            bad.append("%s: after its first row %r" % (coll, after))
    return bad


db = OldDB()

# ---- a database the old tool created ----
old = old_collections()
db.reset(old)
root = example_root(db.uri())
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.ok(r.returncode == 0, "old tool's database: updater data stores the night", r.stdout + r.stderr)
r = sbtest.run(["updater", "daily", "--date", DATE], root=root)
t.ok(r.returncode == 0 and "16 summaries" in r.stdout,
     "old tool's database: updater daily stores every summary, the capacity-0 one included",
     r.stdout + r.stderr)
t.eq(spool(root), [], "old tool's database: the spool is empty")
rows = db.colls[SUMMARY]["rows"]
zero = [x for x in rows.values() if x["name"] == "BRAS-VAL-01 ETH-TRUNK2 UPLINK"]
t.ok(len(zero) == 1 and zero[0]["capacity"] == 0 and type(zero[0]["use"]) is float and
     math.isnan(zero[0]["use"]), "the capacity-0 summary holds use as a double NaN, which the old "
     "validator accepts", zero)
t.ok(all(valid(x, old[SUMMARY][0]) for x in rows.values()) and len(rows) == 16,
     "every stored summary passes the old validator", len(rows))
t.ok(not db.commands("create") and not db.commands("collMod"),
     "old tool's database: no collection created, no validator replaced",
     [n for n, _ in db.commands() if n in ("create", "collMod")])
t.ok(all(db.colls[n]["validator"] == old[n][0] and db.colls[n]["indexes"] == old[n][1]
         for n in old), "old tool's database: its validators and indexes are as it left them")
# the tables of the probe modules shipped, of the links' names and of the alerts, which the old tool never had either
PROBES = ("PING_HISTORY", "HTTPING_HISTORY", "TRACEROUTE_HISTORY", "IPERF3_HISTORY", "LINKS_HISTORY", "ALERT_HISTORY")
# the tables of MRTG's consolidations, which the old tool never had (docs/data.md)
COARSE = tuple("%s_HISTORY_%s" % (l[0], s) for l in LAYERS for s in ("30M", "2H", "1D"))
r = sbtest.run(["database", "start"], root=root)
t.ok(r.returncode == 0 and all(d["create"] in PROBES + COARSE for _, d in db.commands("create"))
     and not db.commands("collMod") and all(db.colls[n]["validator"] == old[n][0] for n in old),
     "old tool's database: database start keeps every validator it created (and adds the probe "
     "collections and the coarser layer tables)", r.stderr)

# ---- a database where `database start` never ran ----
db.reset({})
root = example_root(db.uri())
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.ok(r.returncode == 0, "fresh database: updater data", r.stdout + r.stderr)
r = sbtest.run(["updater", "daily", "--date", DATE], root=root)
t.ok(r.returncode == 0, "fresh database: updater daily", r.stdout + r.stderr)
written = [L + "_HISTORY" for L, _, _, _ in LAYERS] + [SUMMARY]
bad = ensured_before_writes(db, written)
t.ok(not bad, "fresh database: each collection is created and indexed once, before its first row",
     "\n".join(bad))
creates = {d["create"]: d for _, d in db.commands("create")}
t.ok(sorted(creates) == sorted(written) and
     all("$jsonSchema" in d.get("validator", {}) for d in creates.values()),
     "fresh database: each collection is created with its $jsonSchema validator", sorted(creates))
want = {n: ix for n, (_, ix) in old.items()}
t.ok(all(db.colls[n]["indexes"] == want[n] for n in written),
     "fresh database: the unique indexes and date indexes under the old names",
     {n: db.colls[n]["indexes"] for n in written})
t.ok(all(valid(row, db.colls[n]["validator"]) for n in written
         for row in db.colls[n]["rows"].values()), "every row passes the validator it was given")

# Three batches into one collection in one process: ensured once.
db.reset({})
lines = ["if-%04d;HUAWEI;%s;%02d:%02d:00;10;%d;%d;%d;%d" % (i // 288, DATE, (i % 288) * 5 // 60,
                                                          (i % 288) * 5 % 60, i, i, i, i)
         for i in range(2500)]
path = os.path.join(sbtest.tempdir(), "borde.txt")
sbtest.write(path, "\n".join(lines) + "\n")
p = subprocess.run([CLI, db.uri(), "put-history", "BORDE", path], capture_output=True, text=True,
                   timeout=60)
names = [n for n, _ in db.commands()]
t.ok(p.returncode == 0 and names.count("update") == 3 and names.count("listCollections") == 1
     and names.count("createIndexes") == 1 and names.count("create") == 1,
     "2500 rows in 3 batches: the collection is ensured once", names)

# ---- collections a server created on a first write: no validator, no index ----
bare = {n: (None, []) for n in old}
bare["BORDE_HISTORY"] = old["BORDE_HISTORY"]
db.reset(bare)
r = sbtest.run(["database", "start"], root=root)
mods = sorted(d["collMod"] for _, d in db.commands("collMod"))
t.ok(r.returncode == 0 and mods == sorted(n for n in old if n != "BORDE_HISTORY"),
     "database start adds a validator to each collection without one", (mods, r.stderr))
t.ok(db.colls["BORDE_HISTORY"]["validator"] == old["BORDE_HISTORY"][0] and
     all(d["create"] in PROBES + COARSE for _, d in db.commands("create")),
     "and keeps the one the old tool gave BORDE_HISTORY")
t.ok(all(db.colls[n]["indexes"] == want[n] for n in old), "and creates the missing indexes",
     {n: db.colls[n]["indexes"] for n in old})
js = db.colls[SUMMARY]["validator"]["$jsonSchema"]
t.ok("use" in js["required"] and "null" in js["properties"]["use"]["bsonType"],
     "the summary validator it adds requires use, number or null (rows written before NaN)", js)

db.reset({n: (None, []) for n in old})
root = example_root(db.uri())
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
bad = ensured_before_writes(db, [L + "_HISTORY" for L, _, _, _ in LAYERS])
mods = sorted(d["collMod"] for _, d in db.commands("collMod"))
t.ok(r.returncode == 0 and not bad and len(mods) == 6,
     "updater data on collections without validator: each gets one and its indexes before its "
     "first row", "\n".join(bad) + repr(mods) + r.stderr)


def no_rights(req):
    return req.command_err(code=13, errmsg="not authorized on ScanBackupDB to execute command "
                           "{ collMod: ... }")


db.reset({n: (None, []) for n in old})
root = example_root(db.uri())
db.cmd_collMod = no_rights
r = sbtest.run(["updater", "data", "--date", DATE], root=root)
t.ok(r.returncode == 0 and [f for f in spool(root) if "DAILY_SUMMARY" not in f] == [],
     "a user who may not add validators: updater data still stores", r.stdout + r.stderr)
t.ok("has no validator and this user may not add one" in r.stderr,
     "... and says what is missing and how to add it", r.stderr)
r = sbtest.run(["database", "start"], root=root)
t.ok(r.returncode != 0 and "not authorized" in r.stderr,
     "... while database start fails with the server's refusal", r.stderr)
del db.cmd_collMod

# ---- index conflicts the server refuses ----
for label, colls in (
        ("the unique key indexed under another name",
         dict(old, BORDE_HISTORY=(old["BORDE_HISTORY"][0],
                                  [("name_1_type_1_date_1_time_1", ["name", "type", "date", "time"],
                                    True)]))),
        ("the old index name on other keys",
         dict(old, BORDE_HISTORY=(old["BORDE_HISTORY"][0],
                                  [("unique_borde_index", ["name", "date"], True)])))):
    db.reset(colls)
    root = example_root(db.uri())
    before = spool(root)
    r = sbtest.run(["updater", "data", "--date", DATE], root=root)
    t.ok(r.returncode == 1 and "BORDE_HISTORY" in r.stderr and
         ("different name" in r.stderr or "same name" in r.stderr),
         "%s: updater data fails naming the collection and the server's reason" % label, r.stderr)
    t.ok(spool(root) == before and not [d for n, d in db.commands("update")
                                        if d["update"] == "BORDE_HISTORY"],
         "%s: no BORDE row is written without its unique index; every file is kept" % label)

# Duplicates left by writes without a unique index: the index cannot be built.
db.reset({"BORDE_HISTORY": (None, [])})
dup = {"name": "x", "type": "CISCO", "date": DATE, "time": "00:05:00", "capacity": 1.0,
       "inProm": 1, "inMaxProm": 1, "outProm": 1, "outMaxProm": 1}
db.colls["BORDE_HISTORY"]["rows"] = {1: dup, 2: dict(dup)}
root = example_root(db.uri())
before = spool(root)
r = sbtest.run(["updater", "data", "--date", DATE, "--borde"], root=root)
t.ok(r.returncode == 1 and "E11000" in r.stderr and "BORDE_HISTORY" in r.stderr and
     spool(root) == before, "duplicate rows block the unique index: updater data says so and "
     "keeps the files", r.stderr)

# ---- a remote monitor's push into a database where `database start` never ran ----
db.reset({})
root = sbtest.tempdir("sboldtool-serve-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\nDATABASE_URI=%s\n" % db.uri())
sbweb.add_user(root, "ana", "oldtool-secret-1", "admin")
srv = sbweb.Serve(root)
admin = sbweb.Client(srv.port)
admin.login("ana", "oldtool-secret-1")
st, _, mon = admin.request("POST", "/api/monitors", {"name": "box-a"})
mid = mon.get("id") if isinstance(mon, dict) else None
admin.request("POST", "/api/monitors/%s/links" % mid, {"name": "gateway", "ip": "192.0.2.1"})
st, _, tok = admin.request("POST", "/api/monitors/%s/token" % mid)
auth = {"Authorization": "Bearer " + tok.get("token", ""), "Content-Type": "text/plain"}
box = sbweb.Client(srv.port)
for minute in (0, 1):
    lines = "".join("1\t2026-11-20T10:%02d:%02dZ\tping\t192.0.2.1\t1.5\t0\t3\t3\n" % (minute, s)
                    for s in (0, 30))
    st, _, res = box.request("POST", "/api/monitors/%s/results" % mid, raw=lines, headers=auth)
    t.ok(st == 200 and res.get("stored") == 2, "push %d stored" % (minute + 1), (st, res))
bad = ensured_before_writes(db, ["PING_HISTORY"])
t.ok(not bad and db.colls["PING_HISTORY"]["validator"] and
     [i[0] for i in db.colls["PING_HISTORY"]["indexes"]] == ["unique_ping_index",
                                                            "ping_by_date_index"],
     "the push creates PING_HISTORY with its validator and indexes first, once for both pushes",
     "\n".join(bad) + repr(db.colls.get("PING_HISTORY", {}).get("indexes")))
t.eq(srv.stop(), 0, "serve stops cleanly")

db.stop()
t.done()
