#!/usr/bin/python3
"""serve_owners.py - monitors have owners: a monitor belongs to the account that created it, its
owner and the admins manage it, the accounts it is shared with see it (and are refused a change,
403), nobody else knows it exists (404); the owner or an admin gives it to another account. An
accounts file made before owners existed opens as it was, its monitors belonging to the admins;
an account deleted gives its monitors back to them. Through the API, then in headless Chromium
(tests/e2e/owners.mjs). TAP output."""

import os
import sqlite3

import sbtest
import sbweb

t = sbtest.Tap()
root = sbtest.tempdir("sbowners-")
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
os.makedirs(os.path.join(root, "data"))

# ---- an accounts file of before: no owners, no shares, no places ----
SERVE_DB = os.path.join(root, "data/serve.db")
old = sqlite3.connect(SERVE_DB)
old.executescript("""
CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, created INTEGER NOT NULL,
  seen INTEGER NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX sessions_by_user ON sessions (user);
CREATE TABLE monitors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, sleep_time REAL NOT NULL,
  token_hash TEXT, token_created INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1,
  pulled INTEGER NOT NULL DEFAULT 0, last_seen INTEGER NOT NULL DEFAULT 0, results INTEGER NOT NULL DEFAULT 0);
CREATE TABLE links (monitor INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, ip TEXT NOT NULL,
  status INTEGER NOT NULL, PRIMARY KEY (monitor, id), UNIQUE (monitor, name));
CREATE TABLE tests (monitor INTEGER NOT NULL, name TEXT NOT NULL, params TEXT NOT NULL, PRIMARY KEY (monitor, name));
INSERT INTO monitors (id, name, sleep_time) VALUES (5, 'legacy', 10);
INSERT INTO links VALUES (5, 1, 'old-link', '192.0.2.5', 1);
""")
old.commit()
old.close()

sbweb.add_user(root, "ana", "admin-secret-1", "admin")
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
sbweb.add_user(root, "olga", "viewer-secret-3", "viewer")
sbweb.add_user(root, "pia", "viewer-secret-4", "viewer")
db = sqlite3.connect(SERVE_DB)
tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
t.ok({"owners", "shares"} <= tables and db.execute("SELECT name FROM monitors").fetchall() == [("legacy",)],
     "the old file gains the tables of owners and shares as it is opened, its monitor kept", tables)
db.close()

srv = sbweb.Serve(root)


def client(user, pw):
    c = sbweb.Client(srv.port)
    st = c.login(user, pw)[0]
    t.eq(st, 200, "%s signs in" % user)
    return c


ana, vic, olga, pia = (client("ana", "admin-secret-1"), client("vic", "viewer-secret-2"),
                       client("olga", "viewer-secret-3"), client("pia", "viewer-secret-4"))


def ids(c):
    st, _, body = c.get("/api/monitors")
    return sorted(m["id"] for m in body["monitors"]) if st == 200 else None


def status(res):
    return res[0]


# ---- a monitor of before belongs to the admins ----
st, _, m = ana.get("/api/monitors/5")
t.ok(st == 200 and m["owner"] is None and m["manage"] is True and m["links"][0]["name"] == "old-link",
     "the monitor of before: no owner (the admins'), managed by an admin", m)
t.eq(ids(vic), [], "a viewer does not see the admins' monitors")
t.eq(status(vic.get("/api/monitors/5")), 404, "nor reads one: 404, as if it did not exist")
t.eq(status(vic.request("PUT", "/api/monitors/5", {"name": "mine now"})), 404, "nor changes one: 404")
t.eq(status(vic.get("/api/monitors/5/config")), 404, "nor reads its monitor.json: 404")
t.eq(status(vic.get("/api/probes/link?monitor=5&link=1")), 404, "nor its links' results: 404")

# ---- a viewer's own monitor ----
st, _, mine = vic.request("POST", "/api/monitors", {"name": "caja de vic"})
t.eq(st, 201, "a viewer adds a monitor", mine)
mid = mine.get("id", 0)
st, _, m = vic.get("/api/monitors/%d" % mid)
t.ok(st == 200 and m["owner"] == "vic" and m["manage"] is True and m["shares"] == [],
     "it belongs to the account that created it, which manages it", m)
t.eq(status(vic.request("POST", "/api/monitors/%d/links" % mid, {"name": "gw", "ip": "192.0.2.1"})), 201,
     "its owner adds a link")
t.eq(status(vic.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 60})), 200, "and a test")
t.eq(status(vic.request("POST", "/api/monitors/%d/token" % mid)), 201, "and issues its token")
t.eq(ids(vic), [mid], "the viewer lists their own monitor only")
t.eq(ids(ana), [5, mid], "an admin lists every monitor")
st, _, m = ana.get("/api/monitors/%d" % mid)
t.ok(st == 200 and m["manage"] is True, "and manages the viewer's too", m)
t.eq(status(olga.get("/api/monitors/%d" % mid)), 404, "another viewer: 404")
t.eq(status(olga.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "192.0.2.9"})), 404,
     "another viewer adds no link to it: 404")
t.eq(status(olga.request("DELETE", "/api/monitors/%d" % mid)), 404, "nor deletes it: 404")

# ---- shares ----
st, _, body = vic.request("POST", "/api/monitors/%d/shares" % mid, {"user": "olga"})
t.ok(st == 200 and body["shares"] == ["olga"], "the owner shares it with olga", body)
st, _, body = vic.request("POST", "/api/monitors/%d/shares" % mid, {"user": "olga"})
t.ok(st == 200 and body["shares"] == ["olga"], "sharing again changes nothing", body)
st, _, body = vic.request("POST", "/api/monitors/%d/shares" % mid, {"user": "nobody"})
t.ok(st == 400 and "no user nobody" in body.get("error", ""), "sharing with an unknown account: 400", body)
t.eq(status(vic.request("POST", "/api/monitors/%d/shares" % mid, {})), 400, "sharing with no one: 400")
st, _, m = olga.get("/api/monitors/%d" % mid)
t.ok(st == 200 and m["manage"] is False and m["owner"] == "vic", "olga now sees it, not to manage", m)
t.eq(ids(olga), [mid], "and lists it")
t.eq(status(olga.get("/api/monitors/%d/config" % mid)), 200, "and reads its monitor.json")
for what, res in (("rename it", olga.request("PUT", "/api/monitors/%d" % mid, {"name": "olga's"})),
                  ("add a link", olga.request("POST", "/api/monitors/%d/links" % mid, {"name": "x", "ip": "192.0.2.9"})),
                  ("change a test", olga.request("PUT", "/api/monitors/%d/tests/ping" % mid, {"interval": 30})),
                  ("issue its token", olga.request("POST", "/api/monitors/%d/token" % mid)),
                  ("share it on", olga.request("POST", "/api/monitors/%d/shares" % mid, {"user": "pia"})),
                  ("take it", olga.request("PUT", "/api/monitors/%d/owner" % mid, {"owner": "olga"})),
                  ("delete it", olga.request("DELETE", "/api/monitors/%d" % mid))):
    st, _, body = res
    t.ok(st == 403 and "owner or an admin" in body.get("error", ""), "shared, olga may not %s: 403" % what, (st, body))
t.eq(status(pia.get("/api/monitors/%d" % mid)), 404, "pia, not shared with: 404")
st, _, body = vic.request("DELETE", "/api/monitors/%d/shares/pia" % mid)
t.eq(st, 404, "unsharing what was not shared: 404", body)

# ---- transfer ----
st, _, body = vic.request("PUT", "/api/monitors/%d/owner" % mid, {"owner": "nobody"})
t.ok(st == 400 and "no user nobody" in body.get("error", ""), "a transfer to an unknown account: 400", body)
t.eq(status(vic.request("PUT", "/api/monitors/%d/owner" % mid, {})), 400, "a transfer to no one named: 400")
st, _, body = vic.request("PUT", "/api/monitors/%d/owner" % mid, {"owner": "olga"})
t.ok(st == 200 and body["owner"] == "olga", "the owner gives the monitor to olga", body)
st, _, m = olga.get("/api/monitors/%d" % mid)
t.ok(st == 200 and m["owner"] == "olga" and m["manage"] is True and m["shares"] == [],
     "olga owns and manages it; her share is no longer needed", m)
t.eq(status(vic.get("/api/monitors/%d" % mid)), 404, "the old owner no longer sees it")
t.eq(status(olga.request("POST", "/api/monitors/%d/shares" % mid, {"user": "vic"})), 200, "the new owner shares it back")
t.eq(status(vic.request("PUT", "/api/monitors/%d/links/1" % mid, {"name": "gw2"})), 403, "and vic may only see it now")
st, _, body = ana.request("PUT", "/api/monitors/%d/owner" % mid, {"owner": "pia"})
t.ok(st == 200 and body["owner"] == "pia", "an admin gives any monitor to anyone", body)
st, _, body = ana.request("PUT", "/api/monitors/5/owner", {"owner": "vic"})
t.ok(st == 200 and ids(vic) == [5, mid], "even one of before: vic now lists it beside the one shared with him", ids(vic))
st, _, body = ana.request("PUT", "/api/monitors/5/owner", {"owner": None})
t.ok(st == 200 and body["owner"] is None and ids(vic) == [mid], "and back to the admins (null)", body)

# ---- an account deleted: its monitors go back to the admins ----
t.eq(status(ana.request("DELETE", "/api/users/pia")), 200, "the admin deletes pia, the owner")
st, _, m = ana.get("/api/monitors/%d" % mid)
t.ok(st == 200 and m["owner"] is None and m["shares"] == ["vic"], "her monitor belongs to the admins, still shared", m)
db = sqlite3.connect(SERVE_DB)
t.eq(db.execute("SELECT COUNT(*) FROM owners WHERE owner = 'pia'").fetchone()[0], 0, "nothing of pia's left")
db.close()

# ---- the browser ----
sbweb.browser(t, srv, "owners.mjs", "owners and shares in headless Chromium", 12, shared=mid)
db = sqlite3.connect(SERVE_DB)
t.eq(db.execute("SELECT m.name, o.owner FROM monitors m JOIN owners o ON o.monitor = m.id "
                "WHERE m.name = 'caja de olga'").fetchall(), [("caja de olga", "vic")],
     "the transfer made in the browser is in the accounts file")
db.close()
t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
