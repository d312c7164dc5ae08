#!/usr/bin/python3
"""http_streams.py - the HTTP engine's transfers in flight per connection (tests/http_fetch), against
nginx over TLS, once with HTTP/2 and once with HTTP/1.1 only, in front of sbhttpd.py (whose
/stall/ makes each answer take a while, so that transfers overlap); prints TAP.

nginx logs each request with its connection's serial number ($connection) and its start and end
($msec - $request_time, $msec): how many requests were in flight at once on one connection, and
how many connections there were, is read from that log.
"""

import json
import os
import shutil
import signal
import subprocess
import time

import sbtest

FETCH = os.path.join(sbtest.TOP_BUILDDIR, "tests", "http_fetch")
SERVER = os.path.join(sbtest.TOP_SRCDIR, "tests", "integration", "sbhttpd.py")
PARALLEL = 4
STREAMS = 40
# nginx's clock is its cached time of the event loop: a request's start and end are read this much
# inside their true times, so that two back-to-back requests do not count as overlapping.
SLACK = 0.02

t = sbtest.Tap()


def nginx_path():
    return shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


class Portal:
    """sbhttpd.py serving the test files, behind nginx on two TLS ports: h2 (HTTP/2 by ALPN) and h1."""

    def __init__(self):
        self.tmp = sbtest.tempdir("sb-http-streams-")
        root = os.path.join(self.tmp, "root", "d")
        os.makedirs(root)
        self.files = {}
        for i in range(160):
            body = "".join("%d %d %d %d %d\n" % (1700000000 - 300 * k, i, k, i * k, i + k)
                           for k in range(40 + 7 * i)).encode()
            self.files["f%03d.log" % i] = body
            with open(os.path.join(root, "f%03d.log" % i), "wb") as f:
                f.write(body)
        self.cert = os.path.join(self.tmp, "cert.pem")
        key = os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        port_file = os.path.join(self.tmp, "upstream.port")
        self.upstream = subprocess.Popen([sbtest.PYTHON3, SERVER, "--root", os.path.join(self.tmp, "root"),
                                          "--port-file", port_file],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.nginx = None
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if time.time() > deadline or self.upstream.poll() is not None:
                raise RuntimeError("sbhttpd.py did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            upstream = int(f.read())
        self.h2, self.h1 = sbtest.free_port(), sbtest.free_port()
        self.log = os.path.join(self.tmp, "access.log")
        w = self.tmp
        conf = """
daemon off;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format sb '$connection $connection_requests $msec $request_time $status $server_protocol $request_uri';
    access_log {w}/access.log sb;
    client_body_temp_path {w}/tmp-body;
    proxy_temp_path {w}/tmp-proxy;
    fastcgi_temp_path {w}/tmp-fastcgi;
    uwsgi_temp_path {w}/tmp-uwsgi;
    scgi_temp_path {w}/tmp-scgi;
    keepalive_requests 100000;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    server {{
        listen 127.0.0.1:{h2} ssl http2;
        location / {{ proxy_pass http://127.0.0.1:{up}; }}
    }}
    server {{
        listen 127.0.0.1:{h1} ssl;
        location / {{ proxy_pass http://127.0.0.1:{up}; }}
    }}
}}
""".format(w=w, cert=self.cert, key=key, h2=self.h2, h1=self.h1, up=upstream)
        with open(os.path.join(w, "nginx.conf"), "w") as f:
            f.write(conf)
        user = ["-g", "user %s;" % os.popen("id -un").read().strip()] if os.geteuid() == 0 else []
        self.nginx = subprocess.Popen([nginx_path(), "-p", w, "-e", os.path.join(w, "error.log"),
                                       "-c", os.path.join(w, "nginx.conf")] + user,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(os.path.join(w, "nginx.pid")) or not self._answers():
            if time.time() > deadline or self.nginx.poll() is not None:
                raise RuntimeError("nginx did not start: " + self._error_log())
            time.sleep(0.05)

    def _answers(self):
        r = subprocess.run([FETCH, "--ca-bundle", self.cert, "--retries", "0",
                            "https://127.0.0.1:%d/d/f000.log" % self.h1], capture_output=True, text=True)
        return r.returncode == 0 and '"code": 0,' in r.stdout

    def _error_log(self):
        try:
            with open(os.path.join(self.tmp, "error.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        for p, sig in ((self.nginx, signal.SIGQUIT), (self.upstream, signal.SIGTERM)):
            if p is not None and p.poll() is None:
                p.send_signal(sig)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def fetch(self, urls, *args, answers=1):
        """Runs http_fetch on urls; returns (results in order of their ends, the log's lines of
        them, answers per URL)."""
        if os.path.exists(self.log):
            os.truncate(self.log, 0)
        r = subprocess.run([FETCH, "--ca-bundle", self.cert, "--timeout-ms", "20000"] + list(args) + urls,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or r.stderr.strip():
            raise RuntimeError("http_fetch exited %d: %s" % (r.returncode, r.stderr[-2000:]))
        results = [json.loads(line) for line in r.stdout.splitlines()]
        # nginx writes a request's line once it is over: wait until every one is there
        deadline = time.time() + 5
        while True:
            with open(self.log) as f:
                lines = [ln.split() for ln in f if "/stall/" in ln]
            if len(lines) >= answers * len(urls) or time.time() > deadline:
                return results, lines
            time.sleep(0.05)


def in_flight(intervals):
    """The most intervals (start, end) that overlap at one time."""
    ev = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    most = now = 0
    for _, d in ev:
        now += d
        most = max(most, now)
    return most


def concurrency(lines):
    """From the log's lines: {connection: most requests in flight on it}, and the most overall."""
    per = {}
    for ln in lines:
        end, took = float(ln[2]), float(ln[3])
        per.setdefault(ln[0], []).append((end - took + SLACK, end - SLACK))
    return ({c: in_flight(v) for c, v in per.items()},
            in_flight([x for v in per.values() for x in v]))


def exact(c, portal, results, urls, first=None, last=None):
    """Every URL answered once, SB_OK, its body byte for byte (the slice first-last when given)."""
    c.eq(sorted(r["url"] for r in results), sorted(urls), "one result per URL")
    for r in results:
        name = r["url"].rsplit("/", 1)[1]
        body = portal.files[name]
        if first is not None:
            want = body[first:last + 1]
            c.eq((r["code"], r["status"], r["range"]), (0, 206, [first, last, len(body)]),
                 "%s: a 206 of the range asked" % r["url"])
        else:
            want = body
            c.eq((r["code"], r["status"]), (0, 200), "%s: a 200" % r["url"], r.get("msg"))
        c.eq((r["bytes"], r["fnv"]), (len(want), sbtest.fnv1a(want)), "%s: the body" % r["url"])


def h2_streams(portal, *extra):
    urls = ["https://127.0.0.1:%d/stall/0.3/d/%s" % (portal.h2, n) for n in sorted(portal.files)]
    results, lines = portal.fetch(urls, "--parallel", str(PARALLEL), "--streams", str(STREAMS), *extra)
    per, overall = concurrency(lines)
    how = " (on an event loop)" if "--loop" in extra else ""

    def check(c):
        exact(c, portal, results, urls)
        c.eq(sorted(set(ln[5] for ln in lines)), ["HTTP/2.0"], "every request over HTTP/2")
        c.ok(len(per) <= PARALLEL, "at most %d connections" % PARALLEL, per)
        c.ok(max(per.values()) > PARALLEL, "more than %d requests in flight on one connection" % PARALLEL, per)
        c.ok(overall <= STREAMS, "at most %d in flight" % STREAMS, overall)
    t.check("HTTP/2, parallel %d, streams %d%s: %d logs exact over %d connection(s), up to %d in flight on "
            "one, %d in all" % (PARALLEL, STREAMS, how, len(urls), len(per), max(per.values()), overall), check)


def h2_ranges_retries(portal):
    # byte ranges, and a 500 for the first try of each: the retries wait, then go on the connection
    urls = ["https://127.0.0.1:%d/flaky/1/stall/0.2/d/%s" % (portal.h2, n) for n in sorted(portal.files)[:100]]
    results, lines = portal.fetch(urls, "--parallel", str(PARALLEL), "--streams", str(STREAMS),
                                  "--range", "10-209", "--retries", "1", "--backoff-ms", "100", answers=2)
    per, overall = concurrency([ln for ln in lines if ln[4] == "206"])

    def check(c):
        exact(c, portal, results, urls, 10, 209)
        c.eq(sorted(set(r["attempts"] for r in results)), [2], "each took two attempts (a 500, then 206)")
        c.ok(len(per) <= PARALLEL, "at most %d connections" % PARALLEL, per)
        c.ok(max(per.values()) > PARALLEL, "more than %d retries in flight on one connection" % PARALLEL, per)
    t.check("HTTP/2, byte ranges retried after a 500: %d slices exact, up to %d in flight on one connection"
            % (len(urls), max(per.values()) if per else 0), check)


def h2_default(portal):
    urls = ["https://127.0.0.1:%d/stall/0.2/d/%s" % (portal.h2, n) for n in sorted(portal.files)[:24]]
    results, lines = portal.fetch(urls, "--parallel", str(PARALLEL))
    _, overall = concurrency(lines)

    def check(c):
        exact(c, portal, results, urls)
        c.ok(overall <= PARALLEL, "at most %d in flight" % PARALLEL, overall)
    t.check("HTTP/2 without streams: at most parallel (%d) in flight (%d)" % (PARALLEL, overall), check)


def h1(portal, *extra):
    urls = ["https://127.0.0.1:%d/stall/0.2/d/%s" % (portal.h1, n) for n in sorted(portal.files)[:24]]
    results, lines = portal.fetch(urls, "--parallel", str(PARALLEL), "--streams", str(STREAMS), *extra)
    per, overall = concurrency(lines)
    how = " (on an event loop)" if "--loop" in extra else ""

    def check(c):
        exact(c, portal, results, urls)
        c.eq(sorted(set(ln[5] for ln in lines)), ["HTTP/1.1"], "every request over HTTP/1.1")
        c.ok(len(per) <= PARALLEL, "at most %d connections" % PARALLEL, per)
        c.ok(overall <= PARALLEL, "at most %d in flight" % PARALLEL, overall)
    t.check("HTTP/1.1, parallel %d, streams %d%s: %d logs exact over %d connections, %d in flight at most"
            % (PARALLEL, STREAMS, how, len(urls), len(per), overall), check)


why = sbtest.missing("openssl", "nginx")
if why:
    t.skip_rest(why, ["HTTP/2 and HTTP/1.1 through nginx"])
portal = Portal()
try:
    t.case("HTTP/2 streams", h2_streams, portal)
    t.case("HTTP/2 streams on a loop", h2_streams, portal, "--loop")
    t.case("HTTP/2 ranges and retries", h2_ranges_retries, portal)
    t.case("HTTP/2 without streams", h2_default, portal)
    t.case("HTTP/1.1", h1, portal)
    t.case("HTTP/1.1 on a loop", h1, portal, "--loop")
finally:
    portal.stop()
t.done()
