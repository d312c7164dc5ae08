#!/usr/bin/python3
"""gen-mrtg.py - write realistic MRTG .log files (and a scanbackup sources file) for benchmarks and examples.

Usage:
  gen-mrtg.py --out DIR [--count N] [--prefix NAME] [--layer LAYER] [--type TYPE] [--ipbras]
              [--sources FILE --url-base URL] [common options]
  gen-mrtg.py --from-sources FILE --out ROOT [--layer LAYER] [common options]

Common options:
  --date YYYY-MM-DD   target day (default: yesterday in --tz); the logs are written as SCAN would
                      serve them the next morning, so that day's 288 samples are all in the 5-minute part
  --tz ZONE           IANA zone of the portal and of --date/--now/--gap (default America/Caracas)
  --now WHEN          time of the latest poll: epoch seconds or 'YYYY-MM-DD HH:MM[:SS]' local
                      (default: the day after --date at 04:00, like the 04:00 cron)
  --poll-spread S     each log's poll happens 1..S seconds after --now, as MRTG polls its targets one
                      after another (default 150; 0 = exactly --now)
  --seed S            everything is a function of (seed, layer, interface index or name) (default 1)
  --gap HH:MM-HH:MM[@TEXT]
                      drop the 5-minute lines of --date in that local time range (end excluded), only in
                      logs whose interface name contains TEXT if given; repeatable (a short day)
  --keep-coarse N     keep only N lines after the 5-minute part (default: all, 600 + 600 + 732 + partials)
  --max-equals-avg    5-minute lines with max = avg exactly, as rateup writes them (default: the max
                      columns carry a small burst above the average, so a swapped column is visible)
  --jobs J            worker processes (default 1)
  -q, --quiet         no summary on stderr

--count mode writes OUT/PREFIX-00001.log ... with generated names, types and capacities; with
--sources FILE it also writes one line per log: `URL-BASE/PREFIX-00001.html;NAME;CAPACITY;TYPE`
(capacity in Gbps, 0 = unknown; the collector turns .html into .log).
--from-sources reads an existing sources file and writes, for each line, the log its URL points to:
a URL without a scheme is a path relative to --out (`mrtg/borde/x.html` -> OUT/mrtg/borde/x.log), an
http(s) URL is written as OUT/<basename>.log. Traffic follows the capacity (20-75 % of it at peak, never
above it).

Log format (MRTG rateup): line 1 `now in_counter out_counter`; line 2 `now in out in out` (the latest
poll, max = avg); if the previous poll (now-300) is not on a 5-minute boundary, a partial line stamped
with it; then 599 lines on 5-minute boundaries going back, then for each of 30 min / 2 h / 1 day an
optional partial line and 600 / 600 / 732 lines. Data lines: `ts avg_in avg_out max_in max_out`,
integer bytes/s. A daily curve in local time (low at 04-06, peak around 21), day-to-day variation,
slow growth over the 2-year tail, AR(1) noise; some logs show a counter reset (a 0 line) or failed
polls (a run of repeated values). A --gap keeps 599 5-minute lines: the section reaches further back.
IPBRAS (--ipbras, or --layer IPBRAS) writes active-IP counts (gauge, up to 200000); the out columns
repeat the in columns, as MRTG does when a gauge target polls the same OID for both, and line 1 holds
the current count twice.
"""

import argparse
import datetime
import math
import os
import random
import sys
import time
import zoneinfo
from itertools import repeat
from operator import mul

LAYERS = ("BORDE", "BRAS", "CACHING", "RAI", "IXP", "IPBRAS")
DEFAULT_TYPES = {
    "BORDE": ("HUAWEI", "CISCO", "JUNIPER"),
    "BRAS": ("UPLINK", "DOWNLINK"),
    "CACHING": ("GOOGLE", "NETFLIX", "FACEBOOK (META)", "AKAMAI"),
    "RAI": ("HUAWEI", "ZTE"),
    "IXP": ("CABASE", "NAP", "PIT", "IXP"),
    "IPBRAS": ("HUAWEI",),
}
# Peak rate of the busier direction, bytes/s (log-uniform): ~10 Mbit/s .. 80 Gbit/s overall.
PEAK_RANGE = {
    "BORDE": (1.25e8, 1e10), "BRAS": (1.25e7, 5e9), "CACHING": (1.25e8, 1e10),
    "RAI": (1.25e6, 1.25e9), "IXP": (1.25e7, 5e9), None: (1.25e6, 1e10),
}
IP_PEAK_RANGE = (2000.0, 200000.0)
CAPACITIES = (1, 10, 20, 40, 100, 200, 400)
SITES = ("CCS", "VAL", "MCB", "BQT", "MAT", "PLC", "MER", "SCR", "BNA", "CUM")
CARRIERS = ("TATA", "TELXIUS", "SPARKLE", "LUMEN", "GTT", "COLUMBUS", "ORANGE", "TELIA")

# Normalised traffic of a residential ISP by local hour (peak 21:00, trough 05:00).
HOURLY = (0.78, 0.62, 0.47, 0.36, 0.30, 0.29, 0.33, 0.42, 0.52, 0.60, 0.65, 0.68,
          0.71, 0.72, 0.72, 0.73, 0.76, 0.80, 0.85, 0.91, 0.97, 1.00, 0.98, 0.90)
TRAFFIC_GAMMAS = (0.6, 0.8, 1.0, 1.25, 1.6)   # per-interface depth of the night trough
IP_GAMMAS = (0.8, 1.0, 1.3)
STEPS = ((1800, 600), (7200, 600), (86400, 732))  # MRTG's 30-min, 2-hour and 1-day sections
NOISE_LEN = 1 << 15


def base_curve(hour, ipbras):
    i = int(hour) % 24
    frac = hour - int(hour)
    v = HOURLY[i] + (HOURLY[(i + 1) % 24] - HOURLY[i]) * frac
    return 0.55 + 0.45 * v if ipbras else v


class Clock:
    """Local hour and per-day factor of a timestamp, cached by hour (zoneinfo calls are slow)."""

    def __init__(self, tz, now):
        self.tz, self.now, self.cache = tz, now, {}

    def point(self, ts):
        key = ts // 3600
        hit = self.cache.get(key)
        if hit is None:
            d = datetime.datetime.fromtimestamp(key * 3600, self.tz)
            day = d.date().toordinal()
            wobble = ((day * 2654435761) % 1000) / 1000.0 - 0.5      # +-4 % from day to day
            weekend = 1.03 if d.weekday() >= 5 else 1.0
            growth = 1.3 ** (-(self.now - ts) / (365.0 * 86400))   # ~30 %/year, seen in the tail
            hit = (d.hour + d.minute / 60.0, wobble * 0.08 + 1.0, weekend * growth)   # :30 zones too
            self.cache[key] = hit
        hour, f1, f2 = hit
        return hour + (ts % 3600) / 3600.0, f1 * f2


class Timeline:
    """Timestamps and per-profile shapes of every line after the partial 5-minute one, shared by all
    logs with the same 5-minute bucket and the same gaps."""

    def __init__(self, p0, gaps, keep_coarse, clock, gammas, ipbras):
        stamps, windows = [], []
        t = p0
        while len(stamps) < 599:
            if not any(a <= t < b for a, b in gaps):
                stamps.append(t)
                windows.append(300)
            t -= 300
        self.n5 = len(stamps)
        now = stamps[-1] - 300
        for step, count in STEPS:
            plan = now - now % step
            if plan < now:
                stamps.append(now)
                windows.append(now - plan)
                now = plan
            for _ in range(count):
                stamps.append(now)
                windows.append(step)
                now -= step
        if keep_coarse is not None:
            del stamps[self.n5 + keep_coarse:], windows[self.n5 + keep_coarse:]
        self.stamps = stamps
        self.n = len(stamps)
        self.mean = [[] for _ in gammas]
        self.peak = [[] for _ in gammas]
        for ts, w in zip(stamps, windows):
            k = max(1, min(24, w // 300))
            pts = []
            for i in range(k):
                hour, f = clock.point(int(ts - w + (i + 0.5) * w / k))
                pts.append((base_curve(hour, ipbras), f))
            for g, gamma in enumerate(gammas):
                vals = [b ** gamma * f for b, f in pts]
                self.mean[g].append(sum(vals) / k)
                self.peak[g].append(max(vals))
        self.fmt = "".join("%d %%d %%d %%d %%d\n" % ts for ts in stamps)   # stamps baked in


def ar1_table(rng, length, sigma, rho):
    """exp() of an AR(1) series with stationary std sigma: a wobble around 1 with some memory."""
    out, x, e = [], 0.0, sigma * math.sqrt(1 - rho * rho)
    for _ in range(length):
        x = rho * x + rng.gauss(0.0, e)
        out.append(math.exp(x))
    return out


def burst_table(rng, length, scale):
    return [1.0 + abs(rng.gauss(0.0, scale)) for _ in range(length)]


def pick_capacity(peak_bytes):
    gbps = peak_bytes * 8 / 1e9
    for c in CAPACITIES:
        if gbps <= 0.9 * c:
            return c
    return CAPACITIES[-1]


def gen_name(layer, typ, idx, cap):
    """A realistic, unique interface name for generated interface idx (0-based); the capacity shows in
    the name the way the portal's scraper reads it back, except when it is 0 (unknown)."""
    per = 48
    r, p = idx // per + 1, idx % per
    site = SITES[r % len(SITES)]
    slot, port = p // 12, p % 12
    gb = " %dGB" % cap if cap else ""
    if layer == "BORDE":
        peer = CARRIERS[(idx * 7 + r) % len(CARRIERS)]
        if typ == "CISCO":
            ifn = "HU0/%d/0/%d" % (slot, port)
        elif typ == "JUNIPER":
            ifn = "ET-%d/0/%d%s" % (slot, port, gb)
        else:
            ifn = "%sGE%d/0/%d" % (cap if cap else "", slot, port)
        return "%s-BORDE-%02d %s - LINK TO %s" % (site, r, ifn, peer)
    if layer == "BRAS":
        return "BRAS-%s-%02d ETH-TRUNK%d%s %s" % (site, r, p, " (%dGB)" % cap if cap else "", typ)
    if layer == "CACHING":
        return "CACHE-%s-%02d %s%s PORT %d/%d" % (site, r, typ.split()[0], " %dG" % cap if cap else "",
                                                 slot, port)
    if layer == "RAI":
        return "RAI-%s-%02d GE%d/0/%d - CLIENTE %04d" % (site, r, slot, port, idx + 1)
    if layer == "IXP":
        return "IXP-%s-%02d%s PEERING %d - %s" % (site, r, gb, p, typ)
    if layer == "IPBRAS":
        return "BRAS-%s-%02d" % (SITES[idx % len(SITES)], idx // len(SITES) + 1)
    return "%s-%02d PORT %d/%d" % (site, r, slot, port)


class Iface:
    __slots__ = ("name", "typ", "cap", "rng", "peak_in", "peak_out", "g_in", "g_out", "limit")


def make_iface(seed, layer, key, ipbras, typ=None, cap=None, name=None, idx=0):
    """Per-interface parameters; deterministic in (seed, layer, key)."""
    it = Iface()
    rng = random.Random("%s:%s:%s" % (seed, layer, key))
    it.rng = rng
    types = DEFAULT_TYPES.get(layer, ("HUAWEI",))
    it.typ = typ if typ else types[rng.randrange(len(types))]
    if ipbras:
        lo, hi = IP_PEAK_RANGE
        peak = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        it.peak_in = it.peak_out = min(peak, 200000.0 / 1.15)
        it.g_in = it.g_out = rng.randrange(len(IP_GAMMAS))
        it.cap = 0 if cap is None else cap
    else:
        if cap:
            peak = cap * 1.25e8 * rng.uniform(0.20, 0.75)
        else:
            lo, hi = PEAK_RANGE.get(layer, PEAK_RANGE[None])
            peak = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            if rng.random() < 0.02:
                peak = rng.uniform(2e3, 5e4)        # a backup link: routing protocols only
        ratio = math.exp(rng.uniform(math.log(0.05), 0.0))
        if rng.random() < 0.3:
            it.peak_in, it.peak_out = peak * ratio, peak
        else:
            it.peak_in, it.peak_out = peak, peak * ratio
        it.g_in = rng.randrange(len(TRAFFIC_GAMMAS))
        it.g_out = rng.randrange(len(TRAFFIC_GAMMAS))
        if cap is None:
            cap = 0 if rng.random() < 0.03 else pick_capacity(peak)
        it.cap = cap
    # no rate above the line rate (capacity in Gbps -> bytes/s), no count above 200000
    it.limit = 200000 if ipbras else (it.cap * 1.25e8 * 0.995 if it.cap else None)
    it.name = name if name is not None else gen_name(layer, it.typ, idx, it.cap)
    return it


class Gen:
    def __init__(self, args):
        self.args = args
        self.tz = zoneinfo.ZoneInfo(args.tz)
        self.ipbras = args.ipbras
        self.gammas = IP_GAMMAS if self.ipbras else TRAFFIC_GAMMAS
        self.clock = Clock(self.tz, args.now_ts)
        nrng = random.Random("%s:noise:%s" % (args.seed, self.ipbras))
        if self.ipbras:
            self.noise = ar1_table(nrng, NOISE_LEN, 0.006, 0.9)
            self.burst = burst_table(nrng, NOISE_LEN, 0.004)
        else:
            self.noise = ar1_table(nrng, NOISE_LEN, 0.05, 0.8)
            self.burst = burst_table(nrng, NOISE_LEN, 0.04)
        self.coarse_burst = burst_table(nrng, NOISE_LEN, 0.08)
        self.timelines = {}

    def timeline(self, p0, gaps):
        key = (p0, gaps)
        tl = self.timelines.get(key)
        if tl is None:
            tl = Timeline(p0, gaps, self.args.keep_coarse, self.clock, self.gammas, self.ipbras)
            self.timelines[key] = tl
        return tl

    def point(self, ts, window, it):
        hour, f = self.clock.point(int(ts - window / 2))
        b = base_curve(hour, self.ipbras)
        return (b ** self.gammas[it.g_in] * f * it.peak_in, b ** self.gammas[it.g_out] * f * it.peak_out)

    def render(self, it):
        """The whole text of one log."""
        a, rng = self.args, it.rng
        spread = min(a.poll_spread, 299 - a.now_ts % 300) if a.now_ts % 300 else min(a.poll_spread, 299)
        now = a.now_ts + (rng.randint(1, spread) if spread > 0 else 0)
        prev = now - 300
        p0 = prev - prev % 300
        gaps = tuple(g for g, match in a.gap_ranges if match is None or match in it.name)
        tl = self.timeline(p0, gaps)
        n, n5 = tl.n, tl.n5
        L = NOISE_LEN - n - 1
        o = [rng.randrange(L) for _ in range(6)]
        nz, bz, cb = self.noise, self.burst, self.coarse_burst
        # averages: shape * peak * noise; maxima: peak shape * peak * noise * burst (>= average)
        ai = list(map(mul, map(mul, tl.mean[it.g_in], repeat(it.peak_in, n)), nz[o[0]:o[0] + n]))
        ao = list(map(mul, map(mul, tl.mean[it.g_out], repeat(it.peak_out, n)), nz[o[1]:o[1] + n]))
        if a.max_equals_avg:
            mi = ai[:n5] + list(map(mul, map(mul, tl.peak[it.g_in][n5:], repeat(it.peak_in)),
                                    map(mul, nz[o[0] + n5:o[0] + n], cb[o[4] + n5:o[4] + n])))
            mo = ao[:n5] + list(map(mul, map(mul, tl.peak[it.g_out][n5:], repeat(it.peak_out)),
                                    map(mul, nz[o[1] + n5:o[1] + n], cb[o[5] + n5:o[5] + n])))
        else:
            mi = list(map(mul, ai[:n5], bz[o[2]:o[2] + n5])) + list(
                map(mul, map(mul, tl.peak[it.g_in][n5:], repeat(it.peak_in)),
                    map(mul, nz[o[0] + n5:o[0] + n], cb[o[4] + n5:o[4] + n])))
            mo = list(map(mul, ao[:n5], bz[o[3]:o[3] + n5])) + list(
                map(mul, map(mul, tl.peak[it.g_out][n5:], repeat(it.peak_out)),
                    map(mul, nz[o[1] + n5:o[1] + n], cb[o[5] + n5:o[5] + n])))
        if it.limit is not None:
            lim = it.limit
            ai, ao, mi, mo = [c if max(c) <= lim else [min(x, lim) for x in c] for c in (ai, ao, mi, mo)]
        if self.ipbras:
            ao, mo = ai, mi
        # failed polls: MRTG repeats the last good rate (the older line, next in the file)
        if rng.random() < 0.05 and n5 > 10:
            start, length = rng.randrange(n5 - 8), rng.randint(1, 6)
            src = start + length
            for j in range(start, src):
                ai[j], ao[j], mi[j], mo[j] = ai[src], ao[src], mi[src], mo[src]
        # counter reset: a 0 rate
        if rng.random() < 0.04:
            for _ in range(rng.randint(1, 2)):
                j = rng.randrange(n5)
                ai[j] = ao[j] = mi[j] = mo[j] = 0
        if self.ipbras:
            ao, mo = ai, mi
        flat = [0] * (4 * n)
        flat[0::4] = ai
        flat[1::4] = ao
        flat[2::4] = mi
        flat[3::4] = mo
        body = tl.fmt % tuple(flat)
        # head: line 1, line 2 (the latest poll, max = avg), the partial 5-minute line
        lim = it.limit if it.limit is not None else float("inf")
        cur_in, cur_out = self.point(now, 300, it)
        cur_in = min(cur_in * nz[o[0] + n], lim)
        cur_out = cur_in if self.ipbras else min(cur_out * nz[o[1] + n], lim)
        if self.ipbras:
            c_in = c_out = int(cur_in)
        else:
            c_in, c_out = rng.randrange(10 ** 10, 10 ** 15), rng.randrange(10 ** 10, 10 ** 15)
        head = ["%d %d %d\n" % (now, c_in, c_out),
                "%d %d %d %d %d\n" % (now, cur_in, cur_out, cur_in, cur_out)]
        if prev > p0:
            pi, po = self.point(prev, prev - p0, it)
            pi = min(pi * nz[o[0] + n - 1], lim)
            po = pi if self.ipbras else min(po * nz[o[1] + n - 1], lim)
            if a.max_equals_avg:
                bi = bo = 1.0
            else:
                bi, bo = bz[o[2] + n5], bz[o[3] + n5]
            if self.ipbras:
                bo = bi
            head.append("%d %d %d %d %d\n" % (prev, pi, po, min(pi * bi, lim), min(po * bo, lim)))
        return "".join(head) + body


def parse_when(text, tz):
    if text.isdigit():
        return int(text)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            d = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return int(d.replace(tzinfo=tz).timestamp())
    raise ValueError("not an epoch or 'YYYY-MM-DD HH:MM[:SS]': %r" % text)


def parse_gap(text, day, tz):
    rng, _, match = text.partition("@")
    try:
        a, b = rng.split("-")
        t0 = datetime.datetime.combine(day, datetime.time.fromisoformat(a), tz)
        if b in ("24:00", "24:00:00"):
            t1 = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tz)
        else:
            t1 = datetime.datetime.combine(day, datetime.time.fromisoformat(b), tz)
    except ValueError:
        raise ValueError("--gap wants HH:MM-HH:MM[@TEXT], got %r" % text) from None
    if t1 <= t0:
        raise ValueError("--gap end must be after its start: %r" % text)
    return (int(t0.timestamp()), int(t1.timestamp())), (match or None)


def read_sources(path):
    """(url, name, capacity, type) of each usable line of a sources file."""
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(";")
            if len(parts) < 4:
                print("gen-mrtg: %s:%d: fewer than 4 fields, skipped" % (path, lineno), file=sys.stderr)
                continue
            try:
                cap = float(parts[2])
            except ValueError:
                cap = 0.0
            out.append((parts[0], parts[1], cap, parts[3]))
    return out


def log_path_for(url, out_dir):
    if "://" in url:
        rel = url.split("://", 1)[1].split("?")[0].rsplit("/", 1)[-1]
    else:
        rel = url.lstrip("/")
    if rel.endswith(".html"):
        rel = rel[:-5] + ".log"
    elif not rel.endswith(".log"):
        rel += ".log"
    return os.path.join(out_dir, rel)


def build_jobs(args):
    """(iface, log path) for every log to write, plus the sources lines to write (count mode)."""
    layer = args.layer
    jobs, src_lines = [], []
    if args.from_sources:
        for url, name, cap, typ in read_sources(args.from_sources):
            it = make_iface(args.seed, layer, name, args.ipbras, typ=typ, cap=cap, name=name)
            jobs.append((it, log_path_for(url, args.out)))
        return jobs, src_lines
    width = max(5, len(str(args.count)))
    prefix = args.prefix or (layer.lower() if layer else "if")
    for i in range(args.count):
        it = make_iface(args.seed, layer, i, args.ipbras, typ=args.type, idx=i)
        stem = "%s-%0*d" % (prefix, width, i + 1)
        jobs.append((it, os.path.join(args.out, stem + ".log")))
        if args.sources:
            cap = ("%g" % it.cap) if it.cap else "0"
            src_lines.append("%s/%s.html;%s;%s;%s\n" % (args.url_base.rstrip("/"), stem, it.name, cap, it.typ))
    return jobs, src_lines


def write_logs(args, jobs):
    gen = Gen(args)
    total = 0
    made = set()
    for it, path in jobs:
        d = os.path.dirname(path)
        if d not in made:
            os.makedirs(d or ".", exist_ok=True)
            made.add(d)
        text = gen.render(it)
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
        total += len(text)
    return total


def write_logs_parallel(args, jobs):
    if args.jobs <= 1 or len(jobs) < 2 * args.jobs:
        return write_logs(args, jobs)
    kids = []
    for k in range(args.jobs):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 1
            try:
                n = write_logs(args, jobs[k::args.jobs])
                os.write(w, str(n).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        kids.append((pid, r))
    total, failed = 0, False
    for pid, r in kids:
        with os.fdopen(r) as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            failed = True
        else:
            total += int(data)
    if failed:
        raise RuntimeError("a worker process failed")
    return total


def main(argv=None):
    p = argparse.ArgumentParser(prog="gen-mrtg.py", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    p.add_argument("--out", required=True, help="directory for the logs (the root with --from-sources)")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--prefix", help="file name prefix (default: the layer in lower case, or 'if')")
    p.add_argument("--layer", help="layer: " + ", ".join(LAYERS))
    p.add_argument("--type", help="type of every generated interface (default: spread over the layer's types)")
    p.add_argument("--ipbras", action="store_true", help="active-IP counts instead of traffic")
    p.add_argument("--sources", help="also write this sources file (count mode)")
    p.add_argument("--url-base", help="URL prefix of the .html pages in --sources")
    p.add_argument("--from-sources", help="write the logs named by this sources file")
    p.add_argument("--date")
    p.add_argument("--tz", default="America/Caracas")
    p.add_argument("--now")
    p.add_argument("--poll-spread", type=int, default=150)
    p.add_argument("--seed", default="1")
    p.add_argument("--gap", action="append", default=[])
    p.add_argument("--keep-coarse", type=int)
    p.add_argument("--max-equals-avg", action="store_true")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)

    try:
        tz = zoneinfo.ZoneInfo(args.tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        p.error("unknown time zone %r (Debian package tzdata)" % args.tz)
    if args.layer:
        args.layer = args.layer.upper()
    elif args.from_sources and os.path.basename(args.from_sources).upper() in LAYERS:
        args.layer = os.path.basename(args.from_sources).upper()
    if args.layer == "IPBRAS":
        args.ipbras = True
    if args.sources and not args.url_base:
        p.error("--sources needs --url-base")
    if args.count < 0 or args.jobs < 1 or args.poll_spread < 0 or (args.keep_coarse or 0) < 0:
        p.error("--count, --jobs, --poll-spread and --keep-coarse must not be negative (--jobs >= 1)")
    try:
        if args.date:
            day = datetime.date.fromisoformat(args.date)
        else:
            day = datetime.datetime.now(tz).date() - datetime.timedelta(days=1)
        if args.now:
            args.now_ts = parse_when(args.now, tz)
        else:
            nxt = day + datetime.timedelta(days=1)
            args.now_ts = int(datetime.datetime.combine(nxt, datetime.time(4, 0), tz).timestamp())
        args.gap_ranges = [parse_gap(g, day, tz) for g in args.gap]
    except ValueError as e:
        p.error(str(e))

    t0 = time.monotonic()
    jobs, src_lines = build_jobs(args)
    total = write_logs_parallel(args, jobs)
    if args.sources:
        os.makedirs(os.path.dirname(args.sources) or ".", exist_ok=True)
        tmp = args.sources + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(src_lines)
        os.replace(tmp, args.sources)
    dt = time.monotonic() - t0
    if not args.quiet:
        print("gen-mrtg: %d logs, %.1f MB in %.2f s (%.0f logs/s, %.1f MB/s)%s"
              % (len(jobs), total / 1e6, dt, len(jobs) / dt if dt else 0, total / 1e6 / dt if dt else 0,
                 ", sources " + args.sources if args.sources else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
