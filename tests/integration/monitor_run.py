#!/usr/bin/python3
"""monitor_run.py - `scanbackup monitor run`, the systemd unit's mode, with its standard error a
pipe as journald gives it: every line still reaches standard error after SIGHUP (a reload that
is refused included), as well as the log file. TAP output."""

import json
import os
import shutil
import signal
import subprocess
import threading

import sbtest

t = sbtest.Tap()
root = sbtest.tempdir("sbmonrun-")
mods = os.path.join(root, "modules")
os.makedirs(mods)
testmods = os.environ.get("SB_TEST_MODULES_DIR", os.path.join(sbtest.TOP_BUILDDIR, "tests/modules"))
shutil.copy(os.path.join(testmods, ".libs", "echoprobe.so"), os.path.join(mods, "echoprobe.so"))
CONFIG = os.path.join(root, "monitor.json")
LOG = os.path.join(root, "data/logs/monitor.log")


def config(text):
    with open(CONFIG + ".tmp", "w") as f:
        f.write(text)
    os.replace(CONFIG + ".tmp", CONFIG)


def good(interval):
    return json.dumps({"id": 3, "sleep_time": 0.2,
                       "tests": {"echoprobe": {"interval": interval, "rtt": 1.5}},
                       "links": {"lo": {"status": True, "ip": "127.0.0.1", "id": 1}}})


config(good(1))
env = dict(os.environ, MODULES_DIR=mods, MONITOR_STOP_GRACE="3")
env.pop("PWDSCANBACKUP", None)
proc = subprocess.Popen([sbtest.SCANBACKUP, "--root", root, "monitor", "run"], env=env,
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        text=True)
lines = []
lock = threading.Lock()


def reader():
    for line in proc.stderr:
        with lock:
            lines.append(line)


th = threading.Thread(target=reader, daemon=True)
th.start()


def stderr_text():
    with lock:
        return "".join(lines)


def wait(cond, timeout=10):
    return sbtest.wait_until(cond, timeout, 0.05)


try:
    t.ok(wait(lambda: "started" in stderr_text() or "running" in stderr_text()),
         "monitor run writes to standard error (a pipe, not a terminal)", stderr_text())
    proc.send_signal(signal.SIGHUP)
    t.ok(wait(lambda: "SIGHUP: reloading" in stderr_text()), "the SIGHUP line reaches standard error")
    config(good(2))
    proc.send_signal(signal.SIGHUP)
    t.ok(wait(lambda: "rescheduled: every 2 s" in stderr_text()),
         "after a SIGHUP, the next reload's lines still reach standard error", stderr_text()[-1500:])
    config('{"id": 3, "sleep_time": 0.2, "tests": {"echoprobe": {"interval": "often"}}, "links": {}}')
    proc.send_signal(signal.SIGHUP)
    t.ok(wait(lambda: "previous config keeps running" in stderr_text() and
              "tests.echoprobe.interval" in stderr_text()),
         "a refused config is reported on standard error after two SIGHUPs", stderr_text()[-1500:])
    t.ok("previous config keeps running" in sbtest.read(LOG), "and in the log file")
    # a second monitor on the same root is refused before its alert rules start: it reads and
    # evaluates nothing (the running one has read them)
    with open(os.path.join(root, "alerts.conf"), "w") as f:
        f.write("[rule corrida]\nkind = run\n")
    proc.send_signal(signal.SIGHUP)
    t.ok(wait(lambda: "alert rules read from" in stderr_text()), "the running monitor reads the alert rules",
         stderr_text()[-1500:])
    second = sbtest.run(["monitor", "run"], root=root, env={"MODULES_DIR": mods}, timeout=30)
    t.ok(second.returncode == 1 and "already runs" in second.stderr and "alert" not in second.stderr,
         "a second monitor run exits 1 before reading the alert rules", second.stderr[-1500:])
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(20)
    th.join(5)
    t.eq(rc, 0, "monitor run stops on SIGTERM with status 0", stderr_text()[-800:])
    t.ok("stopping" in stderr_text().split("previous config keeps running")[-1],
         "its stopping lines reach standard error too", stderr_text()[-800:])
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
t.done()
