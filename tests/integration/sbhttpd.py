#!/usr/bin/python3
"""sbhttpd.py - a scripted HTTP/1.1 test server for scanbackup's integration tests (stdlib only).

Usage:
    sbhttpd.py --root DIR [--port-file FILE] [--auth USER:PASSWORD] [--log FILE]
               [--tls-cert FILE --tls-key FILE [--tls-stall-first SECONDS]]

Listens on 127.0.0.1 on a random port (keep-alive, one thread per connection; HTTPS with
--tls-cert and --tls-key, HTTP/1.1 only; --tls-stall-first delays the TLS handshake of the first
connection) and tells the port
by writing it to --port-file (written whole, then renamed into place) or, without it, as the first
line on stdout. Stops cleanly on SIGTERM or SIGINT. --auth may also come from the environment
variable SBHTTPD_AUTH, so that no password is seen on a command line.

Files under DIR are served by their path: GET /router1/eth0.log sends DIR/router1/eth0.log (any
query string is ignored for the lookup). Behaviours are path prefixes in front of such a path, and
they chain from left to right, e.g. /flaky/2/gzip/router1/eth0.log:

    /status/<code>[/<path>]   answer <code> with a short text body (none for 204 and 304); a 3xx
                              other than 304 carries Location: /<path>
    /auth/<path>              Basic auth with the --auth credentials required, else 401
    /flaky/<n>/<path>         the first n requests for this exact target (path and query) get 500
    /stall/<seconds>/<path>   sleep before answering
    /drip/<seconds>/<path>    send the headers and half the body, sleep, then send the rest
    /truncate/<bytes>/<path>  announce the full Content-Length, send only <bytes> bytes, close
    /gzip/<path>              Content-Encoding: gzip when the request's Accept-Encoding allows it
                              (the whole body then: a Range is not honoured)
    /norange/<path>           a Range is ignored: 200 with the whole body
    /range416/<path>          a request with a Range gets 416 (one without gets the body)
    /close/<path>             answer with Connection: close
    /chunked/<path>           the whole body with Transfer-Encoding: chunked (no Content-Length,
                              a Range is not honoured)
    /pipegarble/<kind>/<path> when the next request of the connection is already sent (pipelined),
                              a malformed answer, then the connection closed: <kind> status (no
                              status line), length (Content-Length not a number), header (a
                              header field of 17,000 bytes) or http10 (an HTTP/1.0 answer);
                              otherwise <path> as usual
    /redirect/<n>/<path>      302 to /redirect/<n-1>/<path>; /redirect/0/<path> serves <path>
    /etag/<tag>/<path>        ETag: "<tag>" on the answer; 304 without a body when the request's
                              If-None-Match is "<tag>"
    /gen/<bytes>              a generated body of that many bytes (lines "line 0000001\\n", ...)
    /echo                     JSON {"method", "headers": {lowercased name: value}, "body"}: what
                              the request sent

GET, HEAD and POST are answered alike (a POST's body is read first; /echo shows it). A file's
plain answer honours "Range: bytes=first-[last]" with 206 and that slice (cut at the body's end;
416 when first is past it).

Control paths:
    /_stats   JSON {"requests": total (control paths not counted), "connections": TCP connections accepted,
                   "ranges": requests that carried a Range header, "partial": 206s sent,
                   "targets": {target: count}, "paths": {path without query: count},
                   "gzip": responses sent gzip-encoded, "auth_failures": 401s sent,
                   "not_modified": 304s sent by /etag/, "pipelined": requests found with the
                   next one of their connection already sent, before they were answered}
    /_requests JSON list of the last 1000 requests: {"method", "target", "headers": {name: value},
              "body"} (the body as text, lossy)
    /_reset   zeroes all counters (flaky counters too) and forgets the requests

Only the loopback interface is ever bound.
"""

import argparse
import base64
import gzip
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Stats:
    """Counters shared by all connection threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.zero()

    def reset(self):
        with self.lock:
            self.zero()

    def zero(self):
        self.requests = 0
        self.connections = 0
        self.targets = {}
        self.paths = {}
        self.flaky = {}
        self.gzip = 0
        self.auth_failures = 0
        self.not_modified = 0
        self.ranges = 0
        self.partial = 0
        self.pipelined = 0
        self.seen = []

    def record(self, method, target, headers, body):
        with self.lock:
            self.seen.append({"method": method, "target": target, "headers": dict(headers.items()),
                              "body": body.decode("utf-8", "replace")})
            del self.seen[:-1000]

    def requests_json(self):
        with self.lock:
            return json.dumps(self.seen)

    def count_request(self, target, path):
        with self.lock:
            self.requests += 1
            self.targets[target] = self.targets.get(target, 0) + 1
            self.paths[path] = self.paths.get(path, 0) + 1

    def count(self, name):
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)

    def flaky_hit(self, key):
        """Returns how many requests came for key before this one."""
        with self.lock:
            n = self.flaky.get(key, 0)
            self.flaky[key] = n + 1
            return n

    def as_json(self):
        with self.lock:
            return json.dumps({
                "requests": self.requests,
                "connections": self.connections,
                "targets": self.targets,
                "paths": self.paths,
                "gzip": self.gzip,
                "auth_failures": self.auth_failures,
                "not_modified": self.not_modified,
                "ranges": self.ranges,
                "partial": self.partial,
                "pipelined": self.pipelined,
            }, sort_keys=True)


class Reply(Exception):
    """Ends request handling with a status and a short text body."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def generated(n):
    out = bytearray()
    i = 1
    while len(out) < n:
        out += b"line %07d\n" % i
        i += 1
    return bytes(out[:n])


# /pipegarble/'s answers, each of which a client cannot follow
GARBLED = {
    "status": b"HELLO THERE\r\n\r\n",
    "length": b"HTTP/1.1 206 Partial Content\r\nContent-Length: 12x\r\n\r\n",
    "header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 17000 + b"\r\nContent-Length: 0\r\n\r\n",
    "http10": b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sbhttpd/1"
    timeout = 30  # an idle keep-alive connection is dropped after this
    disable_nagle_algorithm = True  # headers and body go in separate writes

    def setup(self):
        super().setup()
        self.server.stats.count("connections")
        if self.server.stall_first > 0 and self.server.stats.connections == 1:
            time.sleep(self.server.stall_first)  # before the first read, which does the handshake

    def log_message(self, fmt, *args):
        log = self.server.log
        if log is not None:
            with self.server.log_lock:
                log.write("%s %s\n" % (self.address_string(), fmt % args))
                log.flush()

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, socket.timeout, TimeoutError, ssl.SSLError):
            self.close_connection = True
            return
        self.linger()

    def linger(self):
        """Closes as nginx does (lingering_close): the writing side first, then whatever the client
        sent that will not be answered (pipelined requests behind a Connection: close) is read and
        dropped until the client closes too, for at most a few seconds. Closed with those requests
        unread, the connection would be reset at once, and the answers still on their way to a
        client slow to read them would be lost with it."""
        sock = self.connection
        try:
            self.wfile.flush()
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(1)
            end = time.monotonic() + 5
            while time.monotonic() < end and sock.recv(1 << 16):
                pass
        except (OSError, ValueError):
            pass

    def do_HEAD(self):
        self.req_body = b""
        self.serve(head=True)

    def do_GET(self):
        self.req_body = b""
        self.serve(head=False)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        self.req_body = self.rfile.read(n) if n > 0 else b""
        self.serve(head=False)

    def serve(self, head):
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        if path == "/_stats":
            return self.send_body(200, self.server.stats.as_json().encode(), "application/json", head)
        if path == "/_requests":
            return self.send_body(200, self.server.stats.requests_json().encode(), "application/json",
                                  head)
        if path == "/_reset":
            self.server.stats.reset()
            return self.send_body(200, b"reset\n", "text/plain", head)
        self.server.stats.count_request(self.path, path)
        if self.next_request_sent():
            self.server.stats.count("pipelined")
        if "Range" in self.headers:
            self.server.stats.count("ranges")
        self.server.stats.record(self.command, self.path, self.headers, self.req_body)
        try:
            self.run_behaviours(path.strip("/").split("/"), head)
        except Reply as r:
            if r.status in (204, 304):  # answers that never carry a body
                self.send_response(r.status)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                return
            body = r.body if r.body is not None else ("%d\n" % r.status).encode()
            self.send_body(r.status, body, "text/plain", head, r.headers)

    def next_request_sent(self):
        """Whether the client has sent more on this connection before this request was answered:
        the next request of a pipeline (a lower bound: it may still be on its way)."""
        sock = self.connection
        old = sock.gettimeout()
        try:
            sock.settimeout(0)
            return len(self.rfile.peek(1)) > 0
        except (OSError, ValueError):  # nothing there (EAGAIN, SSL's want-read), or closed
            return False
        finally:
            sock.settimeout(old)

    def run_behaviours(self, segs, head):
        gz = False
        chunked = False
        close = False
        ranges = True
        extra = {}
        drip = 0.0
        truncate = None
        while segs:
            name = segs[0]
            if name == "status" and len(segs) >= 2:
                code = self.number(segs[1])
                headers = {}
                if 300 <= code < 400 and code != 304:
                    headers["Location"] = "/" + "/".join(segs[2:])
                raise Reply(code, ("status %d\n" % code).encode(), headers)
            if name == "auth":
                self.check_auth()
                segs = segs[1:]
            elif name == "flaky" and len(segs) >= 2:
                if self.server.stats.flaky_hit(self.path) < self.number(segs[1]):
                    raise Reply(500, b"flaky failure\n")
                segs = segs[2:]
            elif name == "stall" and len(segs) >= 2:
                time.sleep(float(segs[1]))
                segs = segs[2:]
            elif name == "drip" and len(segs) >= 2:
                drip = float(segs[1])
                segs = segs[2:]
            elif name == "truncate" and len(segs) >= 2:
                truncate = self.number(segs[1])
                segs = segs[2:]
            elif name == "etag" and len(segs) >= 2:
                tag = '"%s"' % segs[1]
                extra["ETag"] = tag
                if self.headers.get("If-None-Match", "") == tag:
                    self.server.stats.count("not_modified")
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    return
                segs = segs[2:]
            elif name == "gzip":
                gz = True
                segs = segs[1:]
            elif name == "norange":
                ranges = False
                segs = segs[1:]
            elif name == "range416":
                if "Range" in self.headers:
                    raise Reply(416, b"range not satisfiable\n", {"Content-Range": "bytes */0"})
                segs = segs[1:]
            elif name == "close":
                close = True
                segs = segs[1:]
            elif name == "chunked":
                chunked = True
                segs = segs[1:]
            elif name == "pipegarble" and len(segs) >= 2:
                if self.next_request_sent():
                    self.wfile.write(GARBLED.get(segs[1], GARBLED["status"]))
                    self.wfile.flush()
                    self.close_connection = True
                    return
                segs = segs[2:]
            elif name == "redirect" and len(segs) >= 2:
                n = self.number(segs[1])
                rest = "/".join(segs[2:])
                if n > 0:
                    raise Reply(302, b"redirect\n", {"Location": "/redirect/%d/%s" % (n - 1, rest)})
                segs = segs[2:]
            else:
                break
        if len(segs) == 2 and segs[0] == "gen":
            body = generated(self.number(segs[1]))
        elif segs == ["echo"]:
            body = json.dumps({"method": self.command,
                               "headers": {k.lower(): v for k, v in self.headers.items()},
                               "body": self.req_body.decode("utf-8", "replace")},
                              sort_keys=True).encode()
        else:
            body = self.read_file(segs)
        if chunked:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head:
                self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n")
            return
        self.send_file(body, head, gz, close, drip, truncate, extra, ranges)

    def number(self, text):
        try:
            return int(text)
        except ValueError:
            raise Reply(400, b"bad number in path\n")

    def check_auth(self):
        want = self.server.auth
        got = self.headers.get("Authorization", "")
        if want is not None and got.startswith("Basic "):
            try:
                if base64.b64decode(got[6:], validate=True).decode("utf-8") == want:
                    return
            except ValueError:
                pass
        self.server.stats.count("auth_failures")
        raise Reply(401, b"authentication required\n", {"WWW-Authenticate": 'Basic realm="sbhttpd"'})

    def read_file(self, segs):
        if not segs or any(s in ("", ".", "..") for s in segs):
            raise Reply(404, b"not found\n")
        full = os.path.join(self.server.root, *segs)
        try:
            with open(full, "rb") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise Reply(404, b"not found\n")
        except PermissionError:
            raise Reply(403, b"forbidden\n")

    def send_file(self, body, head, gz, close, drip, truncate, extra, ranges=True):
        headers = dict(extra)
        accept = self.headers.get("Accept-Encoding", "")
        if gz and "gzip" in [a.split(";")[0].strip() for a in accept.split(",")]:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
            self.server.stats.count("gzip")
        if close:
            headers["Connection"] = "close"
            self.close_connection = True
        if truncate is not None and truncate < len(body):
            self.send_head(200, len(body), "text/plain", headers)
            if not head:
                self.wfile.write(body[:truncate])
                self.wfile.flush()
            self.close_connection = True
            return
        if drip > 0 and not head:
            self.send_head(200, len(body), "text/plain", headers)
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            time.sleep(drip)
            self.wfile.write(body[half:])
            return
        rng = self.headers.get("Range", "")
        if ranges and rng.startswith("bytes=") and "Content-Encoding" not in headers:
            first, _, last = rng[6:].partition("-")
            try:
                a, b = int(first), int(last) if last else max(int(first), len(body) - 1)
            except ValueError:
                a, b = -1, -1
            if 0 <= a <= b and a >= len(body):
                headers["Content-Range"] = "bytes */%d" % len(body)
                return self.send_body(416, b"range not satisfiable\n", "text/plain", head, headers)
            if 0 <= a <= b:
                part = body[a:b + 1]
                headers["Content-Range"] = "bytes %d-%d/%d" % (a, a + len(part) - 1, len(body))
                self.server.stats.count("partial")
                return self.send_body(206, part, "text/plain", head, headers)
        self.send_body(200, body, "text/plain", head, headers)

    def send_head(self, status, length, ctype, headers):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def send_body(self, status, body, ctype, head, headers=None):
        self.send_head(status, len(body), ctype, headers or {})
        if not head:
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops connects when many arrive at once

    def handle_error(self, request, client_address):
        # A client that went away is normal here (timeouts are what the tests provoke).
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="scripted HTTP test server (see the module docstring)")
    ap.add_argument("--root", required=True, help="directory of files to serve")
    ap.add_argument("--port-file", help="write the port here (else print it on stdout)")
    ap.add_argument("--auth", default=os.environ.get("SBHTTPD_AUTH"),
                    help="USER:PASSWORD for /auth/ (default: $SBHTTPD_AUTH)")
    ap.add_argument("--log", help="append a request log to this file")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    ap.add_argument("--tls-stall-first", type=float, default=0,
                    help="seconds the first connection waits before its TLS handshake")
    args = ap.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.stall_first = args.tls_stall_first if args.tls_cert else 0
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
        # the handshake happens on the connection's thread, at its first read
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.root = os.path.abspath(args.root)
    server.auth = args.auth
    server.stats = Stats()
    server.log = open(args.log, "a") if args.log else None
    server.log_lock = threading.Lock()

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
