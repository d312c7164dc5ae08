"""sbweb.py - helpers of the web server's tests: a root holding the example night, `scanbackup serve`
on a random loopback port (started, stopped, restarted), and an HTTP client that keeps the session
cookie and sends the CSRF token."""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import time

import sbtest

EXAMPLE_DATE = "2026-11-20"


def example_root(extra_env=""):
    """A fresh root with the quick start's example sources and MRTG logs, the night of
    EXAMPLE_DATE collected into its SQLite store."""
    root = sbtest.tempdir("sbweb-")
    src = os.path.join(sbtest.TOP_SRCDIR, "examples")
    for name in ("sources", "mrtg"):
        shutil.copytree(os.path.join(src, name), os.path.join(root, name))
    env = sbtest.read(os.path.join(src, ".env"))
    sbtest.write(os.path.join(root, ".env"), env + extra_env)
    r = sbtest.run(["run", "--date", EXAMPLE_DATE], root=root)
    if r.returncode != 0:
        raise RuntimeError("the example night failed:\n" + r.stdout + r.stderr)
    return root


def add_user(root, name, password, role="viewer"):
    """`scanbackup user add` with the password on standard input."""
    e = dict(os.environ, MODULES_DIR=sbtest.MODULES_DIR)
    e.pop("PWDSCANBACKUP", None)
    r = subprocess.run([sbtest.SCANBACKUP, "--root", root, "user", "add", name, "--role", role,
                        "--password-stdin"], input=password + "\n", capture_output=True, text=True,
                       timeout=60, env=e)
    if r.returncode != 0:
        raise RuntimeError("user add failed: " + r.stdout + r.stderr)
    return r


class Serve:
    """`scanbackup serve` on a random loopback port; stop() sends SIGTERM and waits."""

    def __init__(self, root, args=(), env=None, port=0):
        self.root = root
        self.args = list(args)
        self.env = env or {}
        self.port = port
        self.proc = None
        self.start()

    def start(self):
        portfile = os.path.join(sbtest.tempdir("sbserve-"), "port")
        e = dict(os.environ)
        e.setdefault("MODULES_DIR", sbtest.MODULES_DIR)
        e.pop("PWDSCANBACKUP", None)
        e.update(self.env)
        self.log = open(os.path.join(os.path.dirname(portfile), "serve.out"), "w+")
        self.proc = subprocess.Popen(
            [sbtest.SCANBACKUP, "--root", self.root, "serve", "--listen",
             "127.0.0.1:%d" % self.port, "--port-file", portfile] + self.args,
            env=e, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not os.path.exists(portfile):
            if time.time() > deadline or self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("scanbackup serve did not start:\n" + self.log.read())
            time.sleep(0.02)
        self.port = int(sbtest.read(portfile).strip())

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def restart(self):
        """Stops and starts again on the same port."""
        self.stop()
        self.start()


class Client:
    """One browser-like session against the server: cookies kept, CSRF token sent on changes."""

    def __init__(self, port, tls_context=None, host="127.0.0.1"):
        self.port = port
        self.host = host
        self.tls = tls_context
        self.cookies = {}
        self.csrf = None
        self.last_headers = {}

    def conn(self):
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=60, context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True):
        """Returns (status, headers dict lower-cased, parsed JSON or bytes)."""
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        c = self.conn()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            payload = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            hdrs["set-cookie-all"] = r.headers.get_all("Set-Cookie") or []
        finally:
            c.close()
        for sc in hdrs["set-cookie-all"]:
            name, _, rest = sc.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in sc or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        self.last_headers = hdrs
        if hdrs.get("content-type", "").startswith("application/json"):
            try:
                return r.status, hdrs, json.loads(payload.decode())
            except ValueError:
                return r.status, hdrs, payload
        return r.status, hdrs, payload

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def login(self, user, password):
        st, h, body = self.request("POST", "/api/login", {"user": user, "password": password})
        if st == 200:
            self.csrf = body["csrf"]
        return st, h, body


def tls_pair(dirpath):
    """A self-signed certificate and key for 127.0.0.1 (openssl); returns (cert, key)."""
    cert, key = os.path.join(dirpath, "cert.pem"), os.path.join(dirpath, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


def tls_context(cert):
    ctx = ssl.create_default_context(cafile=cert)
    return ctx
