#!/usr/bin/python3
"""serve_guard.py - the dashboard under attack, over HTTP on loopback: password guessing with
user names crafted to flush the sign-in limiter, guessing from many addresses, a flood of made-up
user names; cross-site requests with a forged Host; the public origin setting. Each client
speaks from its own loopback address (127.0.0.N), as separate machines would. TAP output."""

import hashlib
import http.client
import itertools
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
