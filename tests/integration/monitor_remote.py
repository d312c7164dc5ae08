#!/usr/bin/python3
"""monitor_remote.py - a monitor box's pull of its monitor.json through the HTTP engine, against
sbhttpd.py on loopback: a good answer with an ETag, then a server that refuses the connection,
stalls, answers 401, or cuts the body short. Each failure is named in the engine's words, the box
starts with its local file (or not at all without one), and the token is never shown. TAP
output."""

import json
import os
import re
import signal
import subprocess
import time

import sbtest

t = sbtest.Tap()
www = sbtest.tempdir("sbcentralwww-")
CONFIG = {"id": 7, "sleep_time": 0.2, "tests": {},
          "links": {"lo": {"status": True, "ip": "127.0.0.1", "id": 1}}}
CONFIG_TEXT = json.dumps(CONFIG, indent=1) + "\n"
sbtest.write(os.path.join(www, "api/monitors/7/config"), CONFIG_TEXT)
srv = sbtest.Server(www)
SECRET = "Zq8cVt0pL3nM5bX7rW2yK4hJ6gF9dS1a"
TOKEN = "sbm_7_" + SECRET


def box(url, timeout="0.5"):
    root = sbtest.tempdir("sbbox-")
    sbtest.write(os.path.join(root, ".env"),
                 "TIMEZONE=UTC\nMONITOR_CENTRAL_URL=%s\nMONITOR_TOKEN=%s\nMONITOR_SYNC_TIMEOUT=%s\n"
                 "MONITOR_SYNC_INTERVAL=0.2\nMONITOR_STOP_GRACE=1\n" % (url, TOKEN, timeout))
    return root


def pull_fails(name, url, pattern):
    """A box whose only config would come from url: it says why the pull failed, and stops."""
    root = box(url)
    t0 = time.time()
    r = sbtest.run(["monitor", "run"], root=root, timeout=30)
    secs = time.time() - t0
    out = r.stdout + r.stderr
    m = re.search(r"central: (.*) \(starting with the local .*monitor\.json\)", out)
    t.ok(m is not None and re.fullmatch(pattern, m.group(1)) is not None,
         "%s: the pull fails as %s" % (name, pattern), out[-1500:])
    t.ok(r.returncode == 1 and not os.path.exists(os.path.join(root, "monitor.json")) and secs < 10,
         "%s: without a local monitor.json the box does not start (%.1f s)" % (name, secs), out[-800:])
    t.ok(SECRET not in out, "%s: the token is not shown" % name)


# ---- a good pull: the file is written with the server's ETag, then the daemon runs on it ----
root = box(srv.base + "/etag/v1")
env = dict(os.environ, MODULES_DIR=sbtest.MODULES_DIR)
env.pop("PWDSCANBACKUP", None)
out_path = os.path.join(root, "monitor.out")
with open(out_path, "w+") as out:
    mon = subprocess.Popen([sbtest.SCANBACKUP, "--root", root, "monitor", "run"], env=env, stdout=out,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    conf = os.path.join(root, "monitor.json")
    end = time.time() + 15
    while time.time() < end and not os.path.exists(conf):
        time.sleep(0.05)
    t.ok(os.path.exists(conf) and sbtest.read(conf) == CONFIG_TEXT, "a good answer: monitor.json written as sent")
    # the sync thread's own rounds: the same config asked for again with its tag, answered 304
    end = time.time() + 15
    while time.time() < end and srv.stats()["not_modified"] < 2:
        time.sleep(0.1)
    mon.send_signal(signal.SIGTERM)
    try:
        code = mon.wait(20)
    except subprocess.TimeoutExpired:
        mon.kill()
        code = None
    out.seek(0)
    text = out.read()
t.eq(code, 0, "the box ran on the pulled file and stopped cleanly", text[-1500:])
t.ok('central: new config "v1" written to %s' % conf in text, "the ETag header came through the engine",
     text[-1500:])
st = srv.stats()
t.ok(st["targets"].get("/etag/v1/api/monitors/7/config", 0) >= 3 and st["not_modified"] >= 2,
     "the sync thread asks again with the tag: 304, nothing rewritten", st)
t.eq(text.count("central: new config"), 1, "the config was written once", text[-1500:])
t.ok(SECRET not in text, "the token is not shown")

# ---- failures, in the HTTP engine's words ----
pull_fails("a closed port", "http://127.0.0.1:%d" % sbtest.free_port(),
           r"http://127\.0\.0\.1:\d+/api/monitors/7/config: connection refused")
pull_fails("a stalled server", srv.base + "/stall/5",
           r"http://127\.0\.0\.1:\d+/stall/5/api/monitors/7/config: "
           r"timed out after \d+ ms waiting for a response")
pull_fails("a 401", srv.base + "/status/401",
           r"http://127\.0\.0\.1:\d+/status/401/api/monitors/7/config: HTTP 401 Unauthorized: status 401 ")
pull_fails("a body cut short", srv.base + "/truncate/10",
           r"http://127\.0\.0\.1:\d+/truncate/10/api/monitors/7/config: body truncated after 10 of %d bytes"
           % len(CONFIG_TEXT))
t.done()
