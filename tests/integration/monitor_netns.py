#!/usr/bin/python3
"""monitor_netns.py - the monitor across network namespaces this test creates (and removes, also on
failure): ping over ICMP datagram sockets to an address behind a veth pair that goes down and up
again, and traceroute across a namespace acting as router. Where namespaces cannot be made (no ip,
no privilege) its three cases are reported as named skips. Addresses are 198.18.0.0/15 inside the test's own namespaces only."""

import atexit
import glob
import json
import os
import shutil
import signal
import subprocess

import sbtest

TAG = "sbt%d" % os.getpid()
NS = {k: TAG + k for k in "abrc"}
made = []


ip = sbtest.ip
atexit.register(sbtest.netns_remove, made)


t = sbtest.Tap()


def skip(why):
    t.skip_rest(why, ["ping over an ICMP datagram socket across a veth pair",
                      "ping down and up again with the link",
                      "traceroute across a namespace acting as router"])


if sbtest.missing("ip"):
    skip(sbtest.missing("ip"))
r = ip("netns", "add", NS["a"], check=False)
if r.returncode != 0:
    skip("cannot create a network namespace: %s" % (r.stderr.strip() or "refused"))
made.append(NS["a"])
try:
    for k in "brc":
        ip("netns", "add", NS[k])
        made.append(NS[k])
    for ns in NS.values():
        ip("-n", ns, "link", "set", "lo", "up")

    def veth(ns1, if1, addr1, ns2, if2, addr2):
        ip("-n", ns1, "link", "add", if1, "type", "veth", "peer", "name", if2, "netns", ns2)
        ip("-n", ns1, "addr", "add", addr1, "dev", if1)
        ip("-n", ns2, "addr", "add", addr2, "dev", if2)
        ip("-n", ns1, "link", "set", if1, "up")
        ip("-n", ns2, "link", "set", if2, "up")

    veth(NS["a"], "va0", "198.18.1.1/24", NS["b"], "vb0", "198.18.1.2/24")
    veth(NS["a"], "va1", "198.18.2.1/24", NS["r"], "vr1", "198.18.2.2/24")
    veth(NS["r"], "vr2", "198.18.3.1/24", NS["c"], "vc2", "198.18.3.2/24")
    ip("-n", NS["a"], "route", "add", "198.18.3.0/24", "via", "198.18.2.2")
    ip("-n", NS["c"], "route", "add", "default", "via", "198.18.3.1")
    subprocess.run(["ip", "netns", "exec", NS["r"], "sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True)
    subprocess.run(["ip", "netns", "exec", NS["a"], "sysctl", "-qw",
                    "net.ipv4.ping_group_range=0 2147483647"], check=True)
except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
    skip("cannot set up the namespaces: %s" % getattr(e, "stderr", e))

root = sbtest.tempdir("sbmonns-")
mods = os.path.join(root, "modules")
os.makedirs(mods)
for name in ("ping", "traceroute"):
    shutil.copy(os.path.join(sbtest.MODULES_DIR, ".libs", name + ".so"), os.path.join(mods, name + ".so"))
with open(os.path.join(root, "monitor.json"), "w") as f:
    json.dump({"sleep_time": 1, "id": 3,
               "tests": {"ping": {"interval": 1, "count": 1, "timeout": 0.5, "method": "socket"},
                         "traceroute": {"interval": 2, "count": 1, "max_ttl": 4, "timeout": 1,
                                        "max_ttl_1": 1, "max_ttl_2": 1}},
               "links": {"lo": {"status": True, "ip": "127.0.0.1", "id": 1},
                         "peer": {"status": True, "ip": "198.18.1.2", "id": 2},
                         "far": {"status": True, "ip": "198.18.3.2", "id": 3}}}, f)
env = dict(os.environ, MODULES_DIR=mods, MONITOR_STOP_GRACE="3")
env.pop("PWDSCANBACKUP", None)
errlog = open(os.path.join(root, "stderr.log"), "w")
daemon = subprocess.Popen(["ip", "netns", "exec", NS["a"], sbtest.SCANBACKUP, "--root", root, "monitor", "run"],
                          env=env, stdout=errlog, stderr=subprocess.STDOUT)


def stop_daemon():
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()


atexit.register(stop_daemon)


def records(test, link):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "data/PROBES", test, "3", str(link), "*.trace"))):
        with open(path) as f:
            out += [l.rstrip("\n").split("\t") for l in f if l.endswith("\n")]
    return out


def wait(cond, timeout=12):
    return sbtest.wait_until(cond, timeout, 0.1)


def up(rec):
    return rec[1] == "ping" and float(rec[3]) > 0 and rec[6] == "1"


t.ok(wait(lambda: any(up(x) for x in records("ping", 1))), "ping 127.0.0.1 over an ICMP datagram socket",
     records("ping", 1) or open(errlog.name).read())
t.ok(wait(lambda: any(up(x) for x in records("ping", 2))), "ping the peer namespace across the veth pair",
     records("ping", 2))
ip("-n", NS["b"], "link", "set", "vb0", "down")
mark = len(records("ping", 2))
t.ok(wait(lambda: any(x[3] == "-1.000" and x[4] == "100.0" for x in records("ping", 2)[mark:])),
     "the link taken down: RTT -1, loss 100%", records("ping", 2)[mark:])
ip("-n", NS["b"], "link", "set", "vb0", "up")
mark = len(records("ping", 2))
t.ok(wait(lambda: any(up(x) for x in records("ping", 2)[mark:])), "and back up", records("ping", 2)[mark:])
t.ok(wait(lambda: len(records("traceroute", 3)) >= 1), "a traceroute record for the far namespace",
     open(errlog.name).read()[-1500:])
tr = records("traceroute", 3)
hops = json.loads(tr[-1][3]) if tr else []
t.ok(len(hops) == 2, "two hops: the router, then the target", hops)
t.ok(len(hops) == 2 and hops[0][0]["ipaddr"] == "198.18.2.2" and hops[1][0]["ipaddr"] == "198.18.3.2"
     and isinstance(hops[1][0]["rtt"], float) and set(hops[0][0]) == {"anno", "rtt", "ipaddr", "name"},
     "each hop a list of probes with address, name, rtt and annotation", hops)
stop_daemon()
t.ok(daemon.returncode == 0, "the monitor stops cleanly on SIGTERM", daemon.returncode)
t.ok("stopped:" in sbtest.read(os.path.join(root, "data/logs/monitor.log")), "and says so in its log")
t.done()
