#!/usr/bin/python3
"""serve_guard.py - the dashboard under attack, over HTTP on loopback: password guessing with
user names crafted to flush the sign-in limiter, guessing from many addresses, a flood of made-up
user names; cross-site requests with a forged Host; the public origin setting. Each client
speaks from its own loopback address (127.0.0.N), as separate machines would. TAP output."""

import hashlib
import http.client
import itertools
import re
import time

import sbtest
import sbweb

t = sbtest.Tap()
MAX_FAILS = 5
root = sbweb.example_root("SERVE_PUBLIC_URL=https://dash.example.net\n")
ADMIN_PW, VIEWER_PW = "admin-secret-1", "viewer-secret-2"
sbweb.add_user(root, "ana", ADMIN_PW, "admin")
sbweb.add_user(root, "vic", VIEWER_PW, "viewer")
srv = sbweb.Serve(root)


class From(sbweb.Client):
    """A client speaking from one loopback address."""

    def __init__(self, addr):
        super().__init__(srv.port)
        self.addr = addr

    def conn(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=60,
                                          source_address=(self.addr, 0))


def home(key, slots=1024):
    """Where a limiter that hashes its keys unkeyed (BLAKE2b, 8 bytes) into a table of `slots`
    would put key: the names below aim at the slots of one address and one (address, user)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") % slots


def crafted(target, prefix, n):
    out = []
    for i in itertools.count():
        name = "%s%d" % (prefix, i)
        if home(target.rsplit("|", 1)[0] + "|" + name) == home(target):
            out.append(name)
            if len(out) == n:
                return out


# ---- guessing one account from one address, flushing the limiter with crafted names ----
ATT = "127.0.0.2"
att = From(ATT)
at_ip = crafted(ATT + "|", "x", 18)
at_pair = crafted(ATT + "|ana", "y", 18)
first = [att.login("ana", "first-%d" % k)[0] for k in range(3)]
t.eq(first, [401] * 3, "three wrong passwords for ana from one address: 401 each")
for name in at_ip[:16] + at_pair[:16]:
    att.login(name, "guess")
checks = 3
codes = list(first)
end = time.time() + 8
i = 0
while time.time() < end:
    st = att.login("ana", "guess-%d" % i)[0]
    codes.append(st)
    checks += st == 401
    att.login(at_pair[16 + i % 2], "guess")
    att.login(at_ip[16 + i % 2], "guess")
    att.login("made-up-%d" % i, "guess")
    i += 1
t.ok(checks <= MAX_FAILS, "crafted user names do not buy more password checks: %d checks of ana's "
     "password from one address in 8 s (at most %d)" % (checks, MAX_FAILS), codes)
st, h, body = att.login("ana", ADMIN_PW)
t.ok(st == 429 and int(h.get("retry-after", "0")) > 0,
     "the guessing address is refused even the right password, with Retry-After", (st, h, body))
st, _, _ = From("127.0.0.9").login("ana", ADMIN_PW)
t.eq(st, 200, "ana still signs in from another address")

# ---- one account guessed from many addresses ----
total = checks
spread = []
for n in range(3, 9):
    c = From("127.0.0.%d" % n)
    for k in range(MAX_FAILS):
        st = c.login("ana", "wide-%d-%d" % (n, k))[0]
        spread.append(st)
        total += st == 401
t.ok(total <= 4 * MAX_FAILS, "ana's password is checked at most %d times in the window whatever "
     "the addresses: %d" % (4 * MAX_FAILS, total), spread)
st, h, _ = From("127.0.0.10").login("ana", ADMIN_PW)
t.ok(st == 429 and int(h.get("retry-after", "0")) > 0,
     "then ana's account waits out the window, from any address", (st, h))
t.eq(From("127.0.0.10").login("vic", VIEWER_PW)[0], 200, "other accounts are not held up")

# ---- a flood of made-up names from many addresses costs no memory per name ----
rss0 = int(open("/proc/%d/statm" % srv.proc.pid).read().split()[1])
flood = From("127.0.0.11")
codes = [flood.login("nobody-%d" % k, "guess")[0] for k in range(4 * MAX_FAILS + 30)]
t.eq(codes.count(401), 4 * MAX_FAILS, "made-up names count against their address: %d checks, "
     "then 429" % (4 * MAX_FAILS), codes)
t.ok(all(c == 429 for c in codes[4 * MAX_FAILS:]), "every later try from it is refused")
rss1 = int(open("/proc/%d/statm" % srv.proc.pid).read().split()[1])
t.ok((rss1 - rss0) * 4096 < 8 << 20, "the server did not grow with the names (%d KiB)"
     % ((rss1 - rss0) * 4))

# ---- Origin: checked against the public origin and the listen address, never the Host ----
listen_origin = "http://127.0.0.1:%d" % srv.port
c = From("127.0.0.12")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "http://evil.example", "Host": "evil.example"})
t.ok(st == 403 and "cross-site" in body.get("error", ""),
     "a cross-site login whose Host is set to the same site is refused", (st, body))
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "null"})
t.eq(st, 403, "Origin: null is refused")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "http://127.0.0.1:%d" % (srv.port + 1)})
t.eq(st, 403, "the listen address on another port is another origin")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "https://dash.example.net",
                                 "Host": "dash.example.net"})
t.eq(st, 200, "the configured public origin is accepted (SERVE_PUBLIC_URL)")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "HTTPS://Dash.Example.NET:443"})
t.eq(st, 200, "in any case, with its default port written out")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": "http://dash.example.net"})
t.eq(st, 403, "the public host under another scheme is refused")
st, _, body = c.request("POST", "/api/login", {"user": "vic", "password": VIEWER_PW},
                        headers={"Origin": listen_origin, "Host": "evil.example"})
t.eq(st, 200, "the listen address's own origin is accepted")
st, _, body = c.request("POST", "/api/monitors", {"name": "box-x"},
                        headers={"Origin": "http://evil.example", "Host": "evil.example"})
t.eq(st, 403, "a signed-in change from another site with a forged Host is refused")
t.eq(c.request("GET", "/api/layers", headers={"Origin": "http://evil.example"})[0], 200,
     "reads are not origin-checked (the browser keeps their answers from other sites)")

# ---- remote boxes: own links only, values in range, a replay changes nothing, no overwrite ----
sbweb.add_user(root, "ops", "ops-secret-77", "admin")
ops = From("127.0.0.20")
t.eq(ops.login("ops", "ops-secret-77")[0], 200, "an admin signs in to set up two boxes")
box_a = ops.request("POST", "/api/monitors", {"name": "box-a"})[2]["id"]
box_b = ops.request("POST", "/api/monitors", {"name": "box-b"})[2]["id"]
link_a = ops.request("POST", "/api/monitors/%d/links" % box_a, {"name": "a1", "ip": "127.0.0.1"})[2]["id"]
link_b = ops.request("POST", "/api/monitors/%d/links" % box_b,
                     {"name": "b1", "ip": "127.0.0.2", "id": link_a + 40})[2]["id"]
token_a = ops.request("POST", "/api/monitors/%d/token" % box_a)[2]["token"]
ts = int(time.time()) // 60 * 60 - 3600


def stamp(t0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0))


def ping(link, t0, rtt="1.5", loss="0", sent="3", received="3", ip="127.0.0.1"):
    return "\t".join([str(link), stamp(t0), "ping", ip, rtt, loss, sent, received])


def push(lines, mid=box_a, token=token_a):
    return From("127.0.0.21").request("POST", "/api/monitors/%d/results" % mid, raw="\n".join(lines) + "\n",
                                      headers={"Content-Type": "text/plain",
                                               "Authorization": "Bearer " + token})


def stored_ping(mid, link):
    import sqlite3
    c = sqlite3.connect(sbtest.os.path.join(root, "data/scanbackup.db"), timeout=10)
    try:
        return c.execute("select timestamp, rtt, loss, sent, received from PING_HISTORY "
                         "where monitor = ? and link = ? order by timestamp", (mid, link)).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        c.close()


st, _, body = push([ping(link_a, ts), ping(link_a, ts + 60, rtt="2.25")])
t.ok(st == 200 and body.get("stored") == 2 and body.get("rejected") == 0,
     "box A pushes two records of its own link", (st, body))
st, _, body = push([ping(link_b, ts), ping(link_a + 7, ts)])
t.ok(st == 200 and body.get("stored") == 0 and body.get("rejected") == 2 and
     all("not a link of monitor" in e["why"] for e in body.get("errors", [])),
     "box A's token cannot push for box B's link or a link it does not have", (st, body))
t.eq(stored_ping(box_a, link_b) + stored_ping(box_b, link_b) + stored_ping(box_a, link_a + 7), [],
     "nothing stored for them")
st, _, body = push([ping(link_b, ts)], mid=box_b)
t.eq(st, 401, "nor push as box B")
bad = [ping(link_a, ts + 120, loss="150"), ping(link_a, ts + 180, rtt="-5"),
       ping(link_a, ts + 240, rtt="nan"), ping(link_a, ts + 300, rtt="inf"),
       ping(link_a, ts + 360, sent="3", received="9"), ping(link_a, ts + 420, sent="-1", received="0"),
       ping(link_a, ts + 86400 * 3), ping(link_a, 86400), ping(link_a, ts + 480, rtt="1e300"),
       "%d\t%s\thttp\thttp://x/\t999\t12.5\t" % (link_a, stamp(ts + 540)),
       "%d\t%s\thttp\thttp://x/\t200\t-7\t" % (link_a, stamp(ts + 600)),
       "%d\t%s\ttrace\t127.0.0.1\t[[\"1.1.1.1\"" % (link_a, stamp(ts + 660)),
       ping(link_a, ts + 720, ip="")]
st, _, body = push(bad)
whys = [e["why"] for e in body.get("errors", [])] if isinstance(body, dict) else body
t.ok(st == 200 and body.get("stored") == 0 and body.get("rejected") == len(bad),
     "values out of range are refused line by line: loss over 100, negative or infinite or absurd "
     "times, more received than sent, a time days ahead or in 1970, an HTTP status 999, a trace "
     "that is not a closed list, no target", whys)
before = stored_ping(box_a, link_a)
st, _, body = push([ping(link_a, ts), ping(link_a, ts + 60, rtt="2.25")])
t.ok(st == 200 and body.get("stored") == 2 and body.get("rejected") == 0 and body.get("new") == 0,
     "a replayed push is confirmed and changes nothing", (st, body))
t.eq(stored_ping(box_a, link_a), before, "the stored records are the same")
st, _, body = push([ping(link_a, ts + 60, rtt="99.5"), ping(link_a, ts + 900)])
t.ok(st == 200 and body.get("stored") == 1 and body.get("rejected") == 1 and
     "conflicts" in body["errors"][0]["why"] and body["errors"][0]["line"] == 1,
     "a push holding other values for a stored record is refused for that line", (st, body))
t.eq([r[1] for r in stored_ping(box_a, link_a)], [1.5, 2.25, 1.5], "the stored value was not overwritten")
t.ok(re.search(r"monitor %d: .*conflict" % box_a, srv.output()) is not None,
     "the conflict is in the server's log", srv.output()[-1500:])
st, _, body = push([ping(link_a, ts + 1200), ping(link_a, ts + 1200, rtt="3")])
t.ok(st == 200 and body.get("stored") == 1 and body.get("rejected") == 1,
     "two lines of one batch for the same record with other values: the second is refused", (st, body))

# ---- a public URL that is not an origin stops the server before it listens ----
try:
    bad = sbtest.run(["serve", "--listen", "127.0.0.1:0"], root=root, timeout=30,
                     env={"SERVE_PUBLIC_URL": "https://dash.example.net/app?x"})
    t.ok(bad.returncode != 0 and "SERVE_PUBLIC_URL" in bad.stderr, "SERVE_PUBLIC_URL with a path "
         "is refused, naming the setting", bad.stderr)
except sbtest.subprocess.TimeoutExpired:
    t.ok(False, "SERVE_PUBLIC_URL with a path is refused, naming the setting (it served instead)")

srv.stop()
t.done()
