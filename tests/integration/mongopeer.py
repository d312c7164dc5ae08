"""mongopeer.py - a MockupDB peer that answers every command like a MongoDB server would and
records what it received, shared by the tests that speak to MongoDB over the wire."""
import threading

from bson import ObjectId
from bson.int64 import Int64
from mockupdb import MockupDB


class Peer:
    """A MockupDB that answers every command and records what it received.

    existing: the collections listCollections reports, names or a dict name -> their options
    (e.g. {"validator": {...}}); replies: command name -> handler
    returning True when it replied (to inject errors); docs: collection -> find results."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.server = MockupDB(auto_ismaster=True, max_wire_version=17)
        self.server.autoresponds(self.handle)
        self.port = self.server.run()

    def reset(self, existing=(), replies=None, docs=None):
        """Starts a scenario: forgets what was received, sets the canned answers."""
        with self.lock:
            self.existing = dict(existing) if isinstance(existing, dict) else \
                {c: {} for c in existing}
            self.replies = replies or {}
            self.docs = docs or {}
            self.seen = []
        return self

    def uri(self, path="/TestDB", query=""):
        return "mongodb://127.0.0.1:%d%s%s" % (self.port, path, query)

    def handle(self, req):
        name = req.command_name or ""
        with self.lock:
            self.seen.append((name, req.namespace, req.doc))
        if name.lower() in ("ismaster", "hello"):
            return None  # auto_ismaster answers
        if name in self.replies:
            return self.replies[name](req)
        if name == "listCollections":
            wanted = req.doc.get("filter", {}).get("name")
            batch = [{"name": c, "type": "collection", "options": self.existing[c]}
                     for c in sorted(self.existing) if wanted in (None, c)]
            return req.ok(cursor={"id": Int64(0), "ns": req.namespace + ".$cmd.listCollections",
                                  "firstBatch": batch})
        if name == "update":
            ups = req.doc["updates"]
            return req.ok(n=len(ups), nModified=0,
                          upserted=[{"index": i, "_id": ObjectId()} for i in range(len(ups))])
        if name == "find":
            coll = req.doc["find"]
            return req.ok(cursor={"id": Int64(0), "ns": "%s.%s" % (req.namespace, coll),
                                  "firstBatch": self.docs.get(coll, [])})
        return req.ok()

    def commands(self, name):
        with self.lock:
            return [doc for (n, _, doc) in self.seen if n == name]

    def stop(self):
        self.server.stop()
