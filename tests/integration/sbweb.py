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
            rc = self.proc.wait(timeout)
            if rc != 0:  # a crash at exit: its last words beside the check that will fail
                print("# scanbackup serve exited with %d; its last lines:" % rc)
                for line in self.output().splitlines()[-30:]:
                    print("#   " + line)
            return rc
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


# ---- the map's tests: places of documentation addresses, and a route through them ----

CARACAS = (10.4806, -66.9036)
LIMA = (-12.0464, -77.0428)
# The networks of the test MaxMind DB file (tests/integration/geoip_db.pl): documentation
# addresses given places (only looked up, never contacted), and private ranges with a place that
# the server must never use.
GEOIP_PLACES = {
    "203.0.113.0/24": {"city": {"en": "Lima", "es": "Lima"}, "country": "PE", "lat": LIMA[0], "lon": LIMA[1],
                       "radius": 20},
    "198.51.100.0/24": {"city": {"en": "Bogota", "es": "Bogotá"}, "country": "CO", "lat": 4.711, "lon": -74.0721},
    "192.0.2.0/25": {"country": "VE"},
    "2001:db8:1::/48": {"city": {"en": "Sao Paulo"}, "country": "BR", "lat": -23.5505, "lon": -46.6333},
    "10.0.0.0/8": {"city": {"en": "Caracas"}, "country": "VE", "lat": CARACAS[0], "lon": CARACAS[1]},
    "172.16.0.0/12": {"city": {"en": "Caracas"}, "country": "VE", "lat": CARACAS[0], "lon": CARACAS[1]},
}


def geoip_db(path):
    """Writes GEOIP_PLACES into the MaxMind DB file path (Debian's libmaxmind-db-writer-perl);
    returns the CompletedProcess."""
    return subprocess.run(["perl", os.path.join(sbtest.TOP_SRCDIR, "tests/integration/geoip_db.pl"), path],
                          input=json.dumps(GEOIP_PLACES), capture_output=True, text=True, timeout=120)


def _probe(rtt, ip, name=""):
    return {"anno": None, "rtt": rtt, "ipaddr": ip, "name": name or ip}


_SILENT = {"anno": None, "rtt": None, "ipaddr": None, "name": None}
# A traceroute to 203.0.113.9 as the probe records it: two private hops, a silent one, Bogotá
# (two replies of three), an address the database lacks, then Lima.
ROUTE = [[_probe(0.61, "10.0.0.1", "gw"), _probe(0.4, "10.0.0.1"), _probe(0.9, "10.0.0.1")],
         [_probe(3.1, "172.16.0.1")],
         [_SILENT, _SILENT, _SILENT],
         [_probe(41.5, "198.51.100.20"), _SILENT, _probe(40.1, "198.51.100.20")],
         [_probe(55.2, "192.0.2.200")],
         [_probe(70.25, "203.0.113.9"), _probe(70.75, "203.0.113.9")]]
SHORT_ROUTE = [[_probe(0.5, "10.0.0.1")], [_probe(30, "203.0.113.9")]]


def trace_lines(link, runs):
    """The lines a box pushes for traceroute runs [(unix time, hops), ...] to 203.0.113.9."""
    return ["%d\t%s\ttrace\t203.0.113.9\t%s" % (link, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)),
                                                json.dumps(hops)) for ts, hops in runs]


def push(client, monitor, token, lines):
    """POST /api/monitors/<monitor>/results with the box's token: (status, answer)."""
    st, _, res = client.request("POST", "/api/monitors/%d/results" % monitor, raw="\n".join(lines) + "\n",
                                headers={"Authorization": "Bearer " + token, "Content-Type": "text/plain"},
                                csrf=False)
    return st, res


def e2e_missing():
    """Why the scripts of tests/e2e/ cannot run here (node, chromium, playwright-core or the built
    dashboard missing), or None."""
    why = sbtest.missing("node", "chromium")
    lack = [what for what, ok in (
        ("web/node_modules/playwright-core", os.path.isdir(os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules/playwright-core"))),
        ("web/dist", os.path.exists(os.path.join(sbtest.TOP_BUILDDIR, "web/dist/index.html")))) if not ok]
    return why or ("missing " + ", ".join(lack) + " (configure found no node or npm)" if lack else None)


def e2e_env(port, **values):
    """The environment of a tests/e2e/ script against the server on port: SB_URL, SB_ARTIFACTS
    (<build>/tests/artifacts), SB_NODE_MODULES, CHROMIUM, and the script's own SB_* values."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return dict(os.environ, SB_URL="http://127.0.0.1:%d" % port,
                SB_ARTIFACTS=os.path.join(sbtest.TOP_BUILDDIR, "tests/artifacts"),
                SB_NODE_MODULES=os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules"), CHROMIUM=chromium, **values)


def run_e2e(t, script, env, timeout, min_checks):
    """Runs tests/e2e/<script> with node, each of its "ok - " / "not ok - " lines a TAP check of t
    and its "#" lines passed on, then one check that it ran to its end with at least min_checks
    checks. Returns the number of checks."""
    node = shutil.which("node")
    try:
        r = subprocess.run([node, os.path.join(sbtest.TOP_SRCDIR, "tests/e2e", script)], env=env,
                           capture_output=True, text=True, timeout=timeout)
        out, code, err = r.stdout, r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        code, err = None, "timeout"
    checks = 0
    for line in out.splitlines():
        if line.startswith("ok - ") or line.startswith("not ok - "):
            checks += 1
            t.ok(line.startswith("ok"), line.split(" - ", 1)[1])
        elif line.startswith("#"):
            print(line)
    t.ok(code == 0 and checks >= min_checks,
         "the browser script ran every check (exit %r, %d checks)" % (code, checks),
         err[-3000:] if code != 0 else None)
    return checks


def browser(t, srv, script, what, min_checks, timeout=240, **env):
    """run_e2e of tests/e2e/<script> (over tests/e2e/session.mjs) against the server srv in
    Debian's headless Chromium, env passed as SB_<KEY> variables; a skip named what when node,
    chromium or the built dashboard is missing."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    modules = os.path.join(sbtest.TOP_BUILDDIR, "web/node_modules")
    if not (shutil.which("node") and chromium and os.path.isdir(os.path.join(modules, "playwright-core"))
            and os.path.exists(os.path.join(sbtest.TOP_BUILDDIR, "web/dist/index.html"))):
        t.skip(what, "no node, chromium or built dashboard")
        return 0
    e = dict(os.environ, SB_URL="http://127.0.0.1:%d" % srv.port, SB_NODE_MODULES=modules, CHROMIUM=chromium,
             SB_ARTIFACTS=os.path.join(sbtest.TOP_BUILDDIR, "tests/artifacts"))
    e.update({"SB_" + k.upper(): str(v) for k, v in env.items()})
    return run_e2e(t, script, e, timeout, min_checks)
