#!/usr/bin/python3
"""mongo_hang.py - a MongoDB server that stops answering: DB_TIMEOUT bounds every wait of the
updater, the reports and the dashboard. Two peers on loopback: one accepts connections and never
sends a byte; the other (MockupDB) completes the handshake, then answers nothing. With
DB_TIMEOUT=1 each command fails within seconds, says the server did not answer, and keeps its
spool; the dashboard answers with an error instead of hanging. TAP output."""

import glob
import os
import socket
import time

import sbtest
import sbweb

t = sbtest.Tap()
why = sbtest.missing("mockupdb")
if why:
    t.skip_rest(why)
from mockupdb import MockupDB  # noqa: E402

DATE = "2026-11-20"
TIMEOUT = 1   # DB_TIMEOUT of the roots, seconds
BOUND = 25    # what any one command may take here (libmongoc's own wait was 300 s)

# A peer that accepts and never answers, not even the handshake.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(64)
silent_port = silent.getsockname()[1]

# A peer that answers the handshake, then nothing: a server that stopped answering.
mute = MockupDB(auto_ismaster=True, max_wire_version=17)
mute.autoresponds(lambda req: False)  # every other command is left waiting
mute_port = mute.run()


def make_root(port):
    """The example night collected (scan + daily) into the spool, waiting for the store."""
    root = sbtest.tempdir("sbhang-")
    import shutil
    for name in ("sources", "mrtg"):
        shutil.copytree(os.path.join(sbtest.TOP_SRCDIR, "examples", name), os.path.join(root, name))
    env = sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "examples", ".env"))
    sbtest.write(os.path.join(root, ".env"), env + "DATABASE_URI=mongodb://127.0.0.1:%d/ScanBackupDB\n"
                 "DB_TIMEOUT=%d\n" % (port, TIMEOUT))
    for stage in ("scan", "daily"):
        r = sbtest.run([stage, "--date", DATE], root=root)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (stage, r.stdout + r.stderr))
    return root


def spool(root):
    return sorted(glob.glob(os.path.join(root, "data/SCAN/**/*.tsv"), recursive=True))


def timed(args, root):
    t0 = time.monotonic()
    try:
        r = sbtest.run(args, root=root, timeout=BOUND * 3)
    except Exception as e:  # still waiting: the bound did not hold
        return None, time.monotonic() - t0, repr(e)
    return r, time.monotonic() - t0, r.stdout + r.stderr


for label, port in (("a server that never answers", silent_port),
                    ("a server that stops answering after the handshake", mute_port)):
    root = make_root(port)
    before = spool(root)
    for args in (["updater", "data", "--date", DATE], ["updater", "daily", "--date", DATE]):
        r, secs, out = timed(args, root)
        t.ok(r is not None and r.returncode == 1 and secs < BOUND,
             "%s: %s fails in %.1f s (DB_TIMEOUT=%d)" % (label, " ".join(args[:2]), secs, TIMEOUT),
             out[-1500:])
        t.ok(r is not None and ("cannot reach MongoDB at 127.0.0.1:%d" % port) in r.stderr,
             "%s: %s says which server did not answer" % (label, " ".join(args[:2])), out[-1500:])
    t.eq(spool(root), before, "%s: every spool file is kept" % label)

    r, secs, out = timed(["report", "diario", "--date", DATE, "--out", os.path.join(root, "out")],
                         root)
    t.ok(r is not None and r.returncode != 0 and secs < BOUND,
         "%s: report diario fails in %.1f s" % (label, secs), out[-1500:])
    t.ok(r is not None and "127.0.0.1:%d" % port in r.stderr and
         not os.path.exists(os.path.join(root, "out", "Data_Diario_BBIP.xlsx")),
         "%s: the report names the server and writes no workbook" % label, out[-1500:])

    sbweb.add_user(root, "ana", "hang-secret-1", "viewer")
    srv = sbweb.Serve(root)
    c = sbweb.Client(srv.port)
    st, _, _ = c.login("ana", "hang-secret-1")
    t.eq(st, 200, "%s: the dashboard signs in (its accounts are not in MongoDB)" % label)
    for path in ("/api/layers?date=" + DATE,
                 "/api/interface?layer=BORDE&name=x&type=CISCO&from=%s&to=%s" % (DATE, DATE)):
        t0 = time.monotonic()
        try:
            st, _, body = c.get(path)
        except Exception as e:
            st, body = None, repr(e)
        secs = time.monotonic() - t0
        t.ok(st is not None and st >= 500 and secs < BOUND and isinstance(body, dict) and
             "127.0.0.1:%d" % port in body.get("error", ""),
             "%s: %s answers an error naming the server in %.1f s" % (label, path.split("?")[0], secs),
             (st, body))
    t.eq(srv.stop(), 0, "%s: serve stops cleanly" % label)

silent.close()
mute.stop()
t.done()
