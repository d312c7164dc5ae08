"""sbtest.py - shared helpers of the integration tests: TAP output, temp roots, the scanbackup
binary, the scripted HTTP server and realistic MRTG logs.

Every test script prints TAP ("ok N - ...", "not ok N - ...", then "1..N") and exits non-zero when
a check failed. Paths come from the environment the Makefile exports (top_srcdir, top_builddir,
SCANBACKUP, PYTHON3).

Missing dependencies are handled one way everywhere: what can run runs, and each case that cannot
is reported as a named TAP skip ("ok N - name # SKIP reason") saying what is missing. missing()
names the absent dependencies of a case (the keys of NEEDS); Tap.case() runs a case or skips it;
Tap.skip() and Tap.skip_rest() report skips directly. A check counts once: Tap.check() gathers
the details of one case (a workbook compared cell by cell) into one reported check that lists
every detail that failed. CI fails on any skip, since it installs everything (contrib/install-deps.sh)."""

import atexit
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

TOP_SRCDIR = os.environ.get("top_srcdir", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
TOP_BUILDDIR = os.environ.get("top_builddir", TOP_SRCDIR)
SCANBACKUP = os.environ.get("SCANBACKUP", os.path.join(TOP_BUILDDIR, "scanbackup"))
MODULES_DIR = os.environ.get("SB_MODULES_DIR", os.path.join(TOP_BUILDDIR, "modules"))
PYTHON3 = os.environ.get("PYTHON3", "/usr/bin/python3")


# The optional dependencies of the tests: name -> (what it is, how to look for it, the Debian
# package that brings it). configure prints the ones it cannot find (m4/sb_testdeps.m4).
NEEDS = {
    "mockupdb": ("python module", "mockupdb", "python3-mockupdb"),
    "openpyxl": ("python module", "openpyxl", "python3-openpyxl"),
    "prometheus_client": ("python module", "prometheus_client", "python3-prometheus-client"),
    "ip": ("program", "ip", "iproute2"),
    "nft": ("program", "nft", "nftables"),
    "indexmaker": ("program", "indexmaker", "mrtg"),
    "rateup": ("program", "rateup", "mrtg"),
    "openssl": ("program", "openssl", "openssl"),
    "nginx": ("program", "nginx", "nginx"),
    "node": ("program", "node", "nodejs"),
    "chromium": ("program", "chromium", "chromium"),
    "groff": ("program", "groff", "groff-base"),
    "man": ("program", "man", "man-db"),
    "soffice": ("program", "soffice", "libreoffice-calc-nogui"),
    "pdftotext": ("program", "pdftotext", "poppler-utils"),
    "pdftoppm": ("program", "pdftoppm", "poppler-utils"),
    "mmdb-writer": ("perl module", "MaxMind::DB::Writer::Tree", "libmaxmind-db-writer-perl"),
    "iperf3": ("program", "iperf3", "iperf3"),
}


def _present(name):
    # SB_TEST_WITHOUT="mockupdb openpyxl" treats those as missing, to exercise the skips.
    if name in os.environ.get("SB_TEST_WITHOUT", "").replace(",", " ").split():
        return False
    kind, what, _ = NEEDS[name]
    if kind == "program":
        if name == "chromium" and os.environ.get("CHROMIUM"):
            return os.access(os.environ["CHROMIUM"], os.X_OK)
        if name == "nginx":  # in /usr/sbin, which a user's PATH may lack
            return shutil.which(what, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is not None
        return shutil.which(what) is not None
    if kind == "perl module":
        return subprocess.run(["perl", "-M" + what, "-e", "1"], capture_output=True).returncode == 0
    import importlib.util
    try:
        return importlib.util.find_spec(what) is not None
    except (ImportError, ValueError):
        return False


def missing(*needs):
    """None when every named dependency (keys of NEEDS) is present, else the reason to skip:
    "missing python3-mockupdb (python module mockupdb)", the absent ones joined by commas."""
    gone = []
    for name in needs:
        if not _present(name):
            kind, what, pkg = NEEDS[name]
            gone.append("%s (%s %s)" % (pkg, kind, what))
    return "missing " + ", ".join(gone) if gone else None


class Check:
    """The details of one reported check: ok() and eq() as on Tap, but nothing is printed until
    Tap.check() reports them as one check whose diagnostic lists every detail that failed."""

    def __init__(self):
        self.n = 0
        self.bad = []

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.bad.append(name if diag is None else "%s: %s" % (name, str(diag).strip()))
        return cond

    def eq(self, got, want, name, diag=None):
        extra = "" if diag is None else "\n" + str(diag)
        return self.ok(got == want, name, "got %r, want %r%s" % (got, want, extra))


class Tap:
    """Numbered TAP checks; done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        self.skipped = 0
        sys.excepthook = self._uncaught

    def _uncaught(self, kind, value, tb):
        """An exception no check caught ends the script: it is reported as a failed check that
        names it, its traceback as the diagnostic, then the plan, so that the summary says what
        stopped the script instead of "missing test plan"."""
        self.ok(False, "the script stopped: %s: %s" % (kind.__name__, str(value)[:200]),
                "".join(traceback.format_exception(kind, value, tb)))
        print("1..%d" % self.n)
        sys.stdout.flush()

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, _line(name)))
        if not cond and diag is not None:
            lines = str(diag).splitlines()
            for line in lines[:40]:
                print("#   " + line)
            if len(lines) > 40:
                print("#   (%d more lines)" % (len(lines) - 40))
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name, diag=None):
        extra = "" if diag is None else "\n" + str(diag)
        return self.ok(got == want, name, "got %r, want %r%s" % (got, want, extra))

    def skip(self, name, reason):
        """One check that cannot run here, counted as a skip by the TAP driver."""
        self.n += 1
        self.skipped += 1
        print("ok %d - %s # SKIP %s" % (self.n, _line(name), " ".join(str(reason).split())))
        sys.stdout.flush()

    def skip_rest(self, reason, names=None):
        """Skips what is left of the script and ends it: one skip per name in names, or one
        named after the script when names is empty."""
        for name in names or ["the rest of " + os.path.basename(sys.argv[0])]:
            self.skip(name, reason)
        self.done()

    def check(self, name, fn, *args, **kw):
        """Runs fn(c, *args, **kw) with a fresh Check c and reports it as the one check name:
        ok when no detail failed, else not ok listing the failed details (an exception is a
        failed detail too). Returns what fn returned (None when it raised)."""
        c = Check()
        ret = None
        try:
            ret = fn(c, *args, **kw)
        except Exception:
            c.bad.append("raised:\n" + traceback.format_exc())
        diag = "%d of %d details differ:\n%s" % (len(c.bad), c.n, "\n".join(c.bad))
        self.ok(not c.bad, name, diag)
        return ret

    def case(self, name, fn, *args, needs=(), **kw):
        """Runs the case fn(*args, **kw), which reports its own checks, when every dependency in
        needs is present; otherwise reports it as the skipped check name. An exception inside
        is reported as a failed check (the script goes on with its next case)."""
        why = missing(*needs)
        if why:
            self.skip(name, why)
            return None
        try:
            return fn(*args, **kw)
        except Exception:
            self.ok(False, "%s: ran to its end" % name, traceback.format_exc())
            return None

    def done(self):
        print("1..%d" % self.n)
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)


def _line(text):
    """A check's name on one line, its "#" escaped so that it cannot start a TAP directive."""
    return " ".join(str(text).split()).replace("#", "\\#")


def ip(*args, check=True):
    """Runs ip(8) with args; its CompletedProcess (text output), raising on failure with check."""
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=20, check=check)


def netns_remove(names):
    """Kills whatever runs in the network namespaces names and deletes them (a test's atexit)."""
    for ns in names:
        for p in ip("netns", "pids", ns, check=False).stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        ip("netns", "del", ns, check=False)


def tempdir(prefix="sbtest-"):
    d = tempfile.mkdtemp(prefix=prefix)
    if not os.environ.get("SB_KEEP_TEMP"):
        atexit.register(shutil.rmtree, d, True)
    return d


def run(args, root=None, env=None, timeout=120, stdin=None):
    """Runs scanbackup with args; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.setdefault("MODULES_DIR", MODULES_DIR)
    e.pop("PWDSCANBACKUP", None)
    if env:
        e.update(env)
    cmd = [SCANBACKUP] + (["--root", root] if root else []) + list(args)
    return subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


class Server:
    """sbhttpd.py on a random loopback port, stopped at exit."""

    def __init__(self, root, auth=None, tls=False):
        """tls: HTTPS with a self-signed certificate for 127.0.0.1 made by openssl (self.cert)."""
        self.root = root
        here = tempdir("sbhttpd-")
        portfile = os.path.join(here, "port")
        env = dict(os.environ)
        if auth:
            env["SBHTTPD_AUTH"] = auth
        args = []
        self.cert = None
        if tls:
            self.cert = os.path.join(here, "cert.pem")
            key = os.path.join(here, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            args = ["--tls-cert", self.cert, "--tls-key", key]
        self.proc = subprocess.Popen([PYTHON3, os.path.join(TOP_SRCDIR, "tests/integration/sbhttpd.py"),
                                      "--root", root, "--port-file", portfile, *args], env=env)
        atexit.register(self.stop)
        deadline = time.time() + 10
        while not os.path.exists(portfile):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("sbhttpd did not start")
            time.sleep(0.02)
        self.port = int(read(portfile).strip())
        self.base = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)

    def get(self, path):
        """The body of a control path (/_stats, /_requests), over TLS too."""
        import ssl
        ctx = ssl.create_default_context(cafile=self.cert) if self.cert else None
        with urllib.request.urlopen(self.base + path, timeout=5, context=ctx) as r:
            return r.read().decode()

    def stats(self):
        import json
        return json.loads(self.get("/_stats"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def trace_records(root, test, monitor, link):
    """The complete lines of the monitor's trace files of test, monitor and link under root, in
    hour order, each split at its tabs: [time, tag, values...]."""
    out = []
    pattern = os.path.join(root, "data/PROBES", test, str(monitor), str(link), "*.trace")
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            out += [l.rstrip("\n").split("\t") for l in f if l.endswith("\n")]
    return out


def wait_until(cond, timeout=15, step=0.1):
    """Calls cond until it returns true or timeout seconds have passed; returns its last value."""
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def fnv1a(data):
    """The 64-bit FNV-1a hash of bytes, as tests/http_fetch prints a body's ("%016x")."""
    h = 14695981039346656037
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def free_port():
    """A loopback TCP port nothing listens on (bound, then closed): connecting to it is refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def day_bounds(date, tz):
    """Unix times of local midnight of date and of the next day in zone tz."""
    import datetime
    import zoneinfo
    z = zoneinfo.ZoneInfo(tz)
    d = datetime.date.fromisoformat(date)
    start = datetime.datetime(d.year, d.month, d.day, tzinfo=z)
    nd = d + datetime.timedelta(days=1)
    end = datetime.datetime(nd.year, nd.month, nd.day, tzinfo=z)
    return int(start.timestamp()), int(end.timestamp())


def mrtg_log(now, seed=1, skip=(), in_only=False, partial=True):
    """A realistic MRTG log whose last poll was at unix time `now` (not on a 5-minute boundary).

    Line 1 holds counters; line 2 the latest poll at `now`; then, with `partial`, a bucket stamped
    off the grid; then 599 lines on 5-minute boundaries; then 30-minute, 2-hour and daily lines.
    Returns (text, section): section is the list of (ts, in_avg, out_avg, in_max, out_max) of the
    5-minute section, newest first, without the timestamps in `skip` (a gap)."""
    rnd = random.Random(seed)
    lines = ["%d %d %d" % (now, rnd.randrange(1 << 40), rnd.randrange(1 << 40))]

    def sample(ts):
        a_in = rnd.randrange(1000, 10 ** 9)
        a_out = a_in if in_only else rnd.randrange(1000, 10 ** 9)
        m_in = a_in + rnd.randrange(10 ** 6)
        m_out = m_in if in_only else a_out + rnd.randrange(10 ** 6)
        return (ts, a_in, a_out, m_in, m_out)

    aligned = now - now % 300
    section = [sample(now)]
    if partial:
        section.append(sample(aligned - 120))
        aligned -= 300
    t = aligned
    for _ in range(599):
        section.append(sample(t))
        t -= 300
    coarse = []
    for step, count in ((1800, 600), (7200, 600), (86400, 732)):
        t = t - t % step
        for _ in range(count):
            coarse.append(sample(t))
            t -= step
    kept = [x for x in section if x[0] not in skip]
    for x in kept + coarse:
        lines.append("%d %d %d %d %d" % x)
    return "\n".join(lines) + "\n", kept


def rateup_log(first, now, seed=1, step=300, peak=9e8):
    """The .log Debian's MRTG (its rateup) writes when it polls an interface every `step` seconds
    from unix time `first` to `now`: rateup is given each poll's time on its command line (the
    clock it believes), a few seconds after each 5-minute mark as a cron-started MRTG polls, with
    octet counters growing at a daily-curve rate of up to `peak` bytes/s. Returns the log text."""
    import math
    rateup = shutil.which("rateup") or "/usr/bin/rateup"
    rnd = random.Random(seed)
    d = tempdir("rateup-")
    cin = rnd.randrange(1 << 32)
    cout = rnd.randrange(1 << 32)
    t = first - first % step
    prev = t
    while t <= now:
        poll = t + rnd.randrange(3, 40) if t + 40 <= now else now
        dt = poll - prev
        phase = 2 * math.pi * (poll % 86400) / 86400
        rate_in = peak * (0.55 + 0.4 * math.sin(phase)) * rnd.uniform(0.9, 1.1)
        rate_out = peak * (0.35 + 0.3 * math.cos(phase)) * rnd.uniform(0.9, 1.1)
        cin += int(rate_in * dt)
        cout += int(rate_out * dt)
        subprocess.run([rateup, d + "/", "x", str(poll), "-Z", "u", str(cin), str(cout),
                        str(int(peak * 1.25))], check=True, capture_output=True, timeout=60)
        prev = poll
        t += step
    return read(os.path.join(d, "x.log"))


def mrtg_layout(now):
    """The lines MRTG's rateup writes when it polls at `now`, 300 s after its previous poll, as
    (ts, resolution, window) newest first: line 2 at now; the previous poll as a partial bucket
    when it is off the 5-minute grid; 599 lines on it; then for 30 minutes, 2 hours and 1 day a
    partial line when the time reached is off that grid, and 600, 600, 732 lines (docs/mrtg.md).
    Each line covers `window` seconds before its ts, and they tile time."""
    prev = now - 300
    out = [(now, 300, 300)]
    plan = prev - prev % 300
    if plan < prev:
        out.append((prev, 300, prev - plan))
    t = plan
    for _ in range(599):
        out.append((t, 300, 300))
        t -= 300
    for step, count in ((1800, 600), (7200, 600), (86400, 732)):
        plan = t - t % step
        if plan < t:
            out.append((t, step, t - plan))
        t = plan
        for _ in range(count):
            out.append((t, step, step))
            t -= step
    return out


def rateup_seeded(lines, counters, polls):
    """The log Debian's MRTG writes when it goes on polling an interface whose log is `lines`:
    lines is [(ts, avg_in, avg_out, max_in, max_out), ...] newest first (mrtg_layout's stamps)
    and counters its line 1 (in, out); polls is [(unix time, in counter, out counter), ...], each
    handed to rateup as the time it believes and the counters it read (a counter lower than the
    one before is a reset: rateup writes a 0 rate). Returns the final log text."""
    rateup = shutil.which("rateup") or "/usr/bin/rateup"
    d = tempdir("rateup-")
    text = "%d %d %d\n" % (lines[0][0], counters[0], counters[1])
    text += "".join("%d %d %d %d %d\n" % tuple(l) for l in lines)
    write(os.path.join(d, "x.log"), text)
    for poll, cin, cout in polls:
        subprocess.run([rateup, d + "/", "x", str(poll), "-Z", "u", str(cin), str(cout),
                        str(10 ** 12)], check=True, capture_output=True, timeout=60)
    return read(os.path.join(d, "x.log"))


def mrtg_sections(text):
    """The lines of an MRTG log as rateup lays them out, read by position (docs/mrtg.md): a list
    of (ts, resolution, window, avg_in, avg_out, max_in, max_out) newest first."""
    rows = [tuple(int(x) for x in l.split()) for l in text.splitlines()[1:] if l.strip()]
    out = []
    i = 0

    def take(res, window):
        out.append((rows[i][0], res, window) + rows[i][1:])

    take(300, rows[0][0] - rows[1][0])
    i = 1
    if rows[i][0] % 300:
        take(300, rows[i][0] % 300)
        i += 1
    for _ in range(599):
        take(300, 300)
        i += 1
    for step, count in ((1800, 600), (7200, 600), (86400, 732)):
        if i < len(rows) and rows[i][0] % step:
            take(step, rows[i][0] % step)
            i += 1
        for _ in range(count):
            if i == len(rows):
                return out
            take(step, step)
            i += 1
    return out


def spool_records(path):
    """The records of one spool file of this version (docs/storage.md), checked as the engine
    checks them: [(name, type, capacity, url, rows)], rows [(ts, time, in_avg, out_avg, in_max,
    out_max)]; a record cut short or whose CRC-32 does not match is left out."""
    import zlib
    with open(path, "rb") as f:
        data = f.read()
    out = []
    at = data.find(b"\n") + 1
    while 0 < at < len(data):
        nl = data.find(b"\n", at)
        head = data[at:nl].split(b"\t") if nl > 0 else []
        if len(head) != 3 or head[0] != b"@":
            break
        size, crc = int(head[1]), int(head[2], 16)
        body = data[nl + 1:nl + 1 + size]
        at = nl + 1 + size
        if len(body) != size or zlib.crc32(body) != crc:
            continue
        lines = body.decode().split("\n")[:-1]
        meta = [l.split("\t", 1)[1] for l in lines[:5]]
        rows = [(int(f[0]), f[1]) + tuple(int(x) for x in f[2:6]) for f in (l.split("\t") for l in lines[5:])]
        out.append((meta[0], meta[1], meta[2], meta[3], rows))
    return out


def spool_v1(path):
    """The one record of a spool file of version 1: (name, type, capacity, url, rows)."""
    head, rows, body = {}, [], False
    for line in read(path).splitlines():
        fields = line.split("\t")
        if line.startswith("#ts"):
            body = True
        elif body:
            rows.append((int(fields[0]), fields[1]) + tuple(int(x) for x in fields[2:6]))
        else:
            head[fields[0]] = fields[1] if len(fields) > 1 else ""
    return (head["name"], head["type"], head["capacity"], head["url"], rows)


def spool_files(root, layer=None, date=None):
    """The spool files under root's data/SCAN (of a layer, of a date), either version, in the
    engine's reading order within a folder; the daily summary files are not spool files."""
    base = os.path.join(root, "data/SCAN")
    out = []
    for d, _, fs in sorted(os.walk(base)):
        rel = os.path.relpath(d, base).split(os.sep)
        if len(rel) != 2 or rel[0] == "DAILY_SUMMARY" or (layer and rel[0] != layer) or (date and rel[1] != date):
            continue
        out += [os.path.join(d, f) for f in sorted(fs, key=lambda f: (not f.endswith(".tsv"), f))
                if f.endswith(".tsv") or f.endswith(".spool")]
    return out


def spool_days(root, layer, date):
    """The interface days the spool of root holds for layer and date, as the engine reads them:
    {(name, type): rows}, rows [(ts, in_avg, out_avg, in_max, out_max), ...] oldest first, every
    record of every file merged, a later file's (record's) value winning for a timestamp."""
    merged = {}
    for path in spool_files(root, layer, date):
        recs = [spool_v1(path)] if path.endswith(".tsv") else spool_records(path)
        for name, typ, _, _, rows in recs:
            day = merged.setdefault((name, typ), {})
            for r in rows:
                day[r[0]] = (r[0],) + r[2:]
    return {k: [v[ts] for ts in sorted(v)] for k, v in merged.items()}


def mrtg_day(text, start, end):
    """The 5-minute samples of [start, end) in an MRTG log, read by the layout rules of docs/mrtg.md
    (line 2, an optional partial bucket, then 599 aligned lines): {ts: (in, out, in_max, out_max)}."""
    lines = [tuple(int(x) for x in l.split()) for l in text.splitlines()[1:] if l.strip()]
    section = [lines[0]]
    rest = lines[1:]
    if rest and rest[0][0] % 300 != 0:
        section.append(rest[0])
        rest = rest[1:]
    section += rest[:599]
    return {l[0]: l[1:] for l in section if start <= l[0] < end}
