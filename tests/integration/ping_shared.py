#!/usr/bin/python3
"""ping_shared.py - the ping test's shared ICMP sockets: hundreds of links pinged from one socket
give each link its own exact result. The monitor runs in a network namespace this test creates
(removed also on failure) where 500 loopback addresses answer; nftables rules of that namespace
drop one echo request in three to one address and every one to another; ten addresses are
routed to a peer that does not forward; and behind a veth pair a second namespace answers with a
responder of this test (the kernel's own answers turned off there) that delays its replies by a
known time, sends one of them past the timeout, answers twice, or answers with a wrong sequence
number. Addresses are 127.0.0.0/8 and 198.18.0.0/15 inside the test's own namespaces only."""

import atexit
import calendar
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import time

import sbtest

TAG = "sbp%d" % os.getpid()
NS_MON, NS_PEER = TAG + "m", TAG + "p"
made = []
children = []

# the responder's replies: address -> (delay in s, how it answers)
PEERS = {"198.18.1.2": (0.0, "once"), "198.18.1.3": (0.25, "once"), "198.18.1.4": (3.2, "once"),
         "198.18.1.5": (0.0, "twice"), "198.18.1.6": (0.0, "wrong-seq")}
LOOP = ["127.0.%d.%d" % (i // 250, i % 250 + 1) for i in range(500)]
PARTIAL, DROPPED = "127.0.5.1", "127.0.5.2"
SILENT = ["198.18.9.%d" % i for i in range(2, 12)]

# Answers ICMP echo requests read on a raw socket, as PEERS says, from the address asked, and
# counts the requests per address in a file when told to stop (SIGTERM).
RESPONDER = r'''
import heapq, json, select, signal, socket, struct, sys, time
peers, out = json.loads(sys.argv[1]), sys.argv[2]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF
rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
seen, due = {}, []
def stop(*_):
    json.dump(seen, open(out + ".tmp", "w"))
    import os
    os.rename(out + ".tmp", out)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    wait = max(0.0, due[0][0] - time.monotonic()) if due else 1.0
    if select.select([rx], [], [], wait)[0]:
        pkt, _ = rx.recvfrom(2048)
        hl = (pkt[0] & 15) * 4
        src, dst, icmp = socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20]), pkt[hl:]
        if icmp[0] == 8 and dst in peers:
            seen[dst] = seen.get(dst, 0) + 1
            # atomic datagrams (RFC 6864): don't fragment, identification 0
            if struct.unpack("!HH", pkt[4:8]) == (0, 0x4000):
                seen["atomic"] = seen.get("atomic", 0) + 1
            delay, how = peers[dst]
            ident, seq = struct.unpack("!HH", icmp[4:8])
            if how == "wrong-seq":
                seq = (seq + 0x8000) & 0xFFFF
            body = struct.pack("!BBHHH", 0, 0, 0, ident, seq) + icmp[8:]
            body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 1, 0,
                              socket.inet_aton(dst), socket.inet_aton(src))
            for _ in range(2 if how == "twice" else 1):
                heapq.heappush(due, (time.monotonic() + delay, len(due), hdr + body, src))
    while due and due[0][0] <= time.monotonic():
        _, _, p, to = heapq.heappop(due)
        tx.sendto(p, (to, 0))
'''


ip = sbtest.ip


def cleanup():
    for c in children:
        if c.poll() is None:
            c.kill()
            c.wait()
    sbtest.netns_remove(made)


atexit.register(cleanup)

t = sbtest.Tap()
CASES = ["500 loopback links from one socket: each 3 of 3, its own address and RTT",
         "a per-link count: 6 echoes, 6 replies",
         "nftables drops one echo in three: 4 of 6 answered, loss 33.3 %",
         "nftables drops every echo: loss 100 %, RTT -1, no min or max",
         "ten addresses routed into a peer that does not forward: loss 100 % each",
         "a peer answering at once: 3 of 3",
         "a peer answering 250 ms late: 3 of 3, every RTT at least 250 ms",
         "replies past the timeout count as lost, though they came",
         "a reply answered twice counts once",
         "a reply with another sequence number is not the link's",
         "the socket is shared: the monitor holds one ICMP socket for every link",
         "every echo leaves whole: don't fragment, identification 0",
         "the monitor stops cleanly",
         "ping removed while its run goes on, then added again: the run ends whole",
         "the new ping's runs go on after the old one is unloaded",
         "and the monitor stops cleanly"]

why = sbtest.missing("ip", "nft")
if why:
    t.skip_rest(why, CASES)
r = ip("netns", "add", NS_MON, check=False)
if r.returncode != 0:
    t.skip_rest("cannot create a network namespace: %s" % (r.stderr.strip() or "refused"), CASES)
made.append(NS_MON)
ip("netns", "add", NS_PEER)
made.append(NS_PEER)


def ns_run(ns, *args):
    subprocess.run(["ip", "netns", "exec", ns] + list(args), check=True, capture_output=True, text=True,
                   timeout=20)


for ns in (NS_MON, NS_PEER):
    ip("-n", ns, "link", "set", "lo", "up")
ip("-n", NS_MON, "link", "add", "va0", "type", "veth", "peer", "name", "vb0", "netns", NS_PEER)
ip("-n", NS_MON, "addr", "add", "198.18.1.1/24", "dev", "va0")
for a in PEERS:
    ip("-n", NS_PEER, "addr", "add", a + "/24", "dev", "vb0")
ip("-n", NS_MON, "link", "set", "va0", "up")
ip("-n", NS_PEER, "link", "set", "vb0", "up")
ip("-n", NS_MON, "route", "add", "198.18.9.0/24", "via", "198.18.1.2")  # the peer does not forward
ns_run(NS_MON, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
ns_run(NS_PEER, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1")
rules = """table inet sbtest {
  chain input {
    type filter hook input priority 0;
    ip daddr %s icmp type echo-request numgen inc mod 3 == 0 drop
    ip daddr %s icmp type echo-request drop
  }
}
""" % (PARTIAL, DROPPED)
subprocess.run(["ip", "netns", "exec", NS_MON, "nft", "-f", "-"], input=rules, text=True, check=True,
               capture_output=True, timeout=20)

root = sbtest.tempdir("sbping-")
mods = os.path.join(root, "modules")
os.makedirs(mods)
shutil.copy(os.path.join(sbtest.MODULES_DIR, ".libs", "ping.so"), os.path.join(mods, "ping.so"))
seen_path = os.path.join(root, "responder.json")
responder = subprocess.Popen(["ip", "netns", "exec", NS_PEER, sbtest.PYTHON3, "-c", RESPONDER,
                              json.dumps(PEERS), seen_path], stdout=subprocess.PIPE, text=True)
children.append(responder)
responder.stdout.readline()  # "ready": its socket is open

links = {}
addrs = LOOP + [PARTIAL, DROPPED] + SILENT + list(PEERS)
for i, a in enumerate(addrs):
    links["l%d" % (i + 1)] = {"status": True, "ip": a, "id": i + 1}
ID = {a: i + 1 for i, a in enumerate(addrs)}
# the peers' replies go through a responder in Python: 3 s before they count as lost (3.2 s, late)
test = {"interval": 5, "count": 3, "probe_interval": 0.2, "timeout": 1, "method": "socket",
        "count_%d" % ID[PARTIAL]: 6, "count_%d" % ID[LOOP[7]]: 6}
for a in PEERS:
    test["timeout_%d" % ID[a]] = 3
with open(os.path.join(root, "monitor.json"), "w") as f:
    json.dump({"sleep_time": 1, "id": 5, "tests": {"ping": test}, "links": links}, f)
env = dict(os.environ, MODULES_DIR=mods, MONITOR_STOP_GRACE="5", MONITOR_PARALLEL="16")
env.pop("PWDSCANBACKUP", None)
errlog = open(os.path.join(root, "stderr.log"), "w")
daemon = subprocess.Popen(["ip", "netns", "exec", NS_MON, sbtest.SCANBACKUP, "--root", root, "monitor", "run"],
                          env=env, stdout=errlog, stderr=subprocess.STDOUT)
children.append(daemon)


def records(link):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "data/PROBES/ping/5", str(link), "*.trace"))):
        with open(path) as f:
            out += [dict(zip(("ts", "tag", "ip", "rtt", "loss", "sent", "received", "min", "max", "jitter"),
                             l.rstrip("\n").split("\t"))) for l in f if l.endswith("\n")]
    return out


# two runs on every link
end = time.time() + 60
while time.time() < end and not all(len(records(ID[a])) >= 2 for a in addrs):
    time.sleep(0.5)
# the sockets the daemon holds, while it runs
fds = []
pid_path = os.path.join(root, "data/monitor.pid")
if os.path.exists(pid_path):
    pid = sbtest.read(pid_path).strip()
    for fd in glob.glob("/proc/%s/fd/*" % pid):
        try:
            fds.append(os.readlink(fd))
        except OSError:
            pass
sockets = sum(1 for x in fds if x.startswith("socket:"))
daemon.send_signal(signal.SIGTERM)
try:
    daemon.wait(15)
except subprocess.TimeoutExpired:
    daemon.kill()
responder.send_signal(signal.SIGTERM)
responder.wait(10)
seen = json.load(open(seen_path)) if os.path.exists(seen_path) else {}


def runs(a):
    """The records of a's complete runs (the last may have been cut by the stop)."""
    return records(ID[a])[:2]


def check_all(addresses, fn):
    bad = []
    for a in addresses:
        rs = runs(a)
        if len(rs) < 2:
            bad.append((a, "fewer than 2 runs", rs))
            continue
        for rec in rs:
            if rec["ip"] != a or not fn(rec):
                bad.append((a, rec))
    return bad


def timeout(a):
    return test.get("timeout_%d" % ID[a], test["timeout"])


def answered(n):
    def fn(rec):
        rtt, lo, hi = float(rec["rtt"]), float(rec["min"]), float(rec["max"])
        return (rec["sent"], rec["received"], rec["loss"]) == (str(n), str(n), "0.0") \
            and 0 <= lo <= rtt <= hi <= 1000 * float(timeout(rec["ip"]))
    return fn


def lost(rec):
    return (rec["sent"], rec["received"], rec["loss"], rec["rtt"], rec["min"], rec["max"]) == \
        ("3", "0", "100.0", "-1.000", "", "")


plain = [a for a in LOOP if a != LOOP[7]]
bad = check_all(plain, answered(3))
t.ok(not bad, CASES[0], bad[:5] or open(errlog.name).read()[-1500:])
bad = check_all([LOOP[7]], answered(6))
t.ok(not bad, CASES[1], bad)
bad = check_all([PARTIAL], lambda r: (r["sent"], r["received"], r["loss"]) == ("6", "4", "33.3")
                and float(r["min"]) <= float(r["rtt"]) <= float(r["max"]))
t.ok(not bad, CASES[2], bad)
bad = check_all([DROPPED], lost)
t.ok(not bad, CASES[3], bad)
bad = check_all(SILENT, lost)
t.ok(not bad, CASES[4], bad)
bad = check_all(["198.18.1.2"], answered(3))
t.ok(not bad, CASES[5], bad)
bad = check_all(["198.18.1.3"], lambda r: answered(3)(r) and float(r["min"]) >= 250)
t.ok(not bad, CASES[6], bad)
bad = check_all(["198.18.1.4"], lost)
t.ok(not bad and seen.get("198.18.1.4", 0) >= 6, CASES[7], (bad, seen))
bad = check_all(["198.18.1.5"], answered(3))
t.ok(not bad and seen.get("198.18.1.5", 0) >= 6, CASES[8], (bad, seen))
bad = check_all(["198.18.1.6"], lost)
t.ok(not bad and seen.get("198.18.1.6", 0) >= 6, CASES[9], (bad, seen))
t.ok(sockets == 1, CASES[10], fds)
requests = sum(n for a, n in seen.items() if a in PEERS)
t.ok(requests >= 30 and seen.get("atomic", 0) == requests, CASES[11], seen)
t.ok(daemon.returncode == 0 and "stopped:" in sbtest.read(os.path.join(root, "data/logs/monitor.log")),
     CASES[12], daemon.returncode)
# ---- the module loaded twice: ping removed from the config while a run of it goes on (6 echoes,
# 1.1 s apart), added again at once with runs every second (3 echoes, 0.3 s apart); the old test
# is unloaded when its run ends, half a second into the new one's run of that second, which has
# an echo still to send. The module's shared state is both tests'. ----
root2 = sbtest.tempdir("sbping2-")
CONFIG2 = os.path.join(root2, "monitor.json")


def config2(tests):
    with open(CONFIG2 + ".tmp", "w") as f:
        json.dump({"sleep_time": 60, "id": 6, "tests": tests,
                   "links": {"lo": {"status": True, "ip": "127.0.0.1", "id": 1}}}, f)
    os.replace(CONFIG2 + ".tmp", CONFIG2)


def log2():
    try:
        return sbtest.read(os.path.join(root2, "data/logs/monitor.log"))
    except FileNotFoundError:
        return ""


def records2():
    return sbtest.trace_records(root2, "ping", 6, 1)


config2({"ping": {"interval": 10, "count": 6, "probe_interval": 1.1, "timeout": 1, "method": "socket"}})
errlog2 = open(os.path.join(root2, "stderr.log"), "w")
daemon2 = subprocess.Popen(["ip", "netns", "exec", NS_MON, sbtest.SCANBACKUP, "--root", root2, "monitor", "run"],
                           env=env, stdout=errlog2, stderr=subprocess.STDOUT)
children.append(daemon2)
sbtest.wait_until(lambda: "module" in log2(), 10)
time.sleep(10 - time.time() % 10 + 0.5)  # the old run's first echoes are out
config2({})
daemon2.send_signal(signal.SIGHUP)
sbtest.wait_until(lambda: "removed from the config" in log2(), 5)
config2({"ping": {"interval": 1, "count": 3, "probe_interval": 0.3, "timeout": 0.4, "method": "socket"}})
daemon2.send_signal(signal.SIGHUP)
sbtest.wait_until(lambda: re.search(r"module \S+ unloaded", log2()), 10)
unloaded = time.time()
time.sleep(3)
alive = daemon2.poll() is None
daemon2.send_signal(signal.SIGTERM)
try:
    daemon2.wait(15)
except subprocess.TimeoutExpired:
    daemon2.kill()
    daemon2.wait()
recs = records2()
old = [x for x in recs if x[5] == "6"]
t.ok(len(old) == 1 and old[0][5:7] == ["6", "6"] and re.search(r"module \S+ unloaded\n(.*\n)*.*Terminated", log2()),
     CASES[13],
     (old, log2()[-1500:]))
after = [x for x in recs if x[5] == "3" and calendar.timegm(time.strptime(x[0], "%Y-%m-%dT%H:%M:%SZ")) >= unloaded]
t.ok(alive and len(after) >= 2 and all(x[5:7] == ["3", "3"] for x in after), CASES[14],
     (alive, daemon2.returncode, after, sbtest.read(errlog2.name)[-1500:]))
t.ok(daemon2.returncode == 0, CASES[15], (daemon2.returncode, sbtest.read(errlog2.name)[-1500:]))
t.done()
