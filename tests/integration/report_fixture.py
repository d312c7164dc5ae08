"""report_fixture.py - the fixture of the report tests: a month of daily summaries and three days of
raw 5-minute samples, as store_cli input files (SQLite) and as BSON documents (MongoDB), and the
values every report must show, computed here independently of the Lua code.

Time zone America/New_York, March 2026: the 8th is 23 hours long (276 samples), the report periods
(docs/data.md) fall on known dates, and the interfaces cover the cases the reports must get right:
a capacity of 0 (no use), a type that changes mid-month (the newest wins), missing days (marked),
old summaries without a sample count (completeness unknown), short days, rows outside the period
and an IPBRAS summary that must never show."""

import datetime
import math
import random

TZ = "America/New_York"
FACTOR = 8.022e-9
LAYERS = ["BORDE", "BRAS", "CACHING", "RAI", "IXP"]
FIRST = datetime.date(2026, 2, 26)
LAST = datetime.date(2026, 4, 2)
DST_DAY = datetime.date(2026, 3, 8)

# (layer, name, [(from_date, type, capacity)], days missing, samples rule)
IFACES = [
    ("BORDE", "CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA", [(FIRST, "CISCO", 100)], (), "full"),
    ("BORDE", "CCS-BORDE-02 100GE1/0/3 - LINK TO TELXIUS", [(FIRST, "HUAWEI", 100)], (), "full"),
    ("BORDE", "MCB-BORDE-01 ET-0/0/2 40GB - LINK TO SPARKLE", [(FIRST, "JUNIPER", 40)],
     ("2026-03-05", "2026-03-10", "2026-03-20", "2026-03-21", "2026-03-22"), "full"),
    ("BORDE", "CCS-BORDE-03 NUEVO ENLACE", [(FIRST, "HUAWEI", 0)], (), "full"),
    ("BORDE", "CCS-BORDE-04 ENLACE MIGRADO", [(FIRST, "CISCO", 10),
                                              (datetime.date(2026, 3, 16), "HUAWEI", 40)],
     (), "full"),
    ("BORDE", "ARU-BORDE-01 ENLACE ANTIGUO", [(FIRST, "ZTE", 10)], (), "old"),
    ("BRAS", "BRAS-CCS-01 ETH-TRUNK1 (20GB) UPLINK", [(FIRST, "UPLINK", 20)], (), "full"),
    ("BRAS", "BRAS-CCS-01 ETH-TRUNK8 (10GB) DOWNLINK", [(FIRST, "DOWNLINK", 10)], (), "full"),
    ("BRAS", "BRAS-VAL-01 ETH-TRUNK2 UPLINK", [(FIRST, "UPLINK", 20)], (), "short"),
    ("CACHING", "CACHE-CCS-01 OCA 100G PORT 0/2", [(FIRST, "NETFLIX", 100)], (), "full"),
    ("CACHING", "CACHE-CCS-01 GGC 10G PORT 0/1", [(FIRST, "GOOGLE", 10)], (), "full"),
    ("CACHING", "CACHE-VAL-01 FNA 40G PORT 1/1", [(FIRST, "FACEBOOK (META)", 40)], (),
     "short"),
    ("RAI", "RAI-CCS-01 GE0/0/1 - CLIENTE BANCO NACIONAL", [(FIRST, "HUAWEI", 1)], (), "full"),
    ("RAI", "RAI-BQT-01 XGEI-0/1/0/3 - CLIENTE UNIVERSIDAD", [(datetime.date(2026, 3, 9), "ZTE",
                                                                10)], (), "full"),
    ("IXP", "IXP-CCS-01 10GB PEERING 1 - NAP", [(FIRST, "NAP", 10)], (), "full"),
    ("IXP", "IXP-CCS-01 10GB PEERING 2 - IXP", [(FIRST, "IXP", 10)], (), "full"),
]

# Raw samples for the percentile report: 2026-03-07 .. 2026-03-09 (852 samples with the DST day).
RAW_FROM, RAW_TO = "2026-03-07", "2026-03-09"
RAW = [("BORDE", "CCS-BORDE-01 HU0/0/0/1 - LINK TO TATA"),
       ("BORDE", "CCS-BORDE-04 ENLACE MIGRADO"),
       ("BORDE", "CCS-BORDE-03 NUEVO ENLACE"),
       ("IXP", "IXP-CCS-01 10GB PEERING 2 - IXP")]
RAW_MISSING = {("IXP", "IXP-CCS-01 10GB PEERING 2 - IXP"): ("2026-03-09",)}


def dates(first=FIRST, last=LAST):
    d = first
    while d <= last:
        yield d
        d += datetime.timedelta(days=1)


def day_samples(d):
    return 276 if d == DST_DAY else 288


def type_cap(spans, d):
    t = c = None
    for since, typ, cap in spans:
        if d >= since:
            t, c = typ, cap
    return t, c


def use_of(in_max, out_max, cap):
    if not cap:
        return None
    return max(in_max, out_max) / cap * 100


def summaries():
    """Every DAILY_SUMMARY_HISTORY row: dicts with the store's field names (samples None when the
    row is old and has none)."""
    rnd = random.Random(20260301)
    rows = []
    for layer, name, spans, missing, rule in IFACES:
        for d in dates():
            typ, cap = type_cap(spans, d)
            if typ is None or d.isoformat() in missing:
                continue
            scale = cap if cap else 10
            in_prom = rnd.uniform(0.05, 0.5) * scale
            out_prom = rnd.uniform(0.02, 0.3) * scale
            in_max = in_prom * rnd.uniform(1.2, 2.1)
            out_max = out_prom * rnd.uniform(1.2, 2.0)
            samples = day_samples(d)
            if rule == "short":
                samples -= rnd.randrange(0, 40)
            elif rule == "old" and d < datetime.date(2026, 3, 5):
                samples = None
            rows.append({"name": name, "type": typ, "date": d.isoformat(), "typeLayer": layer,
                         "capacity": float(cap), "inProm": in_prom, "inMaxProm": in_max,
                         "outProm": out_prom, "outMaxProm": out_max,
                         "use": use_of(in_max, out_max, cap), "samples": samples})
    # an IPBRAS summary: never in the BBIP workbooks
    for d in dates():
        rows.append({"name": "BRAS-CCS-01", "type": "HUAWEI", "date": d.isoformat(),
                     "typeLayer": "IPBRAS", "capacity": 0.0, "inProm": 4000.0,
                     "inMaxProm": 4100.0, "outProm": 0.0, "outMaxProm": 0.0, "use": None,
                     "samples": 288})
    return rows


def local_times(d):
    """The HH:MM:SS of the 5-minute samples of local day d (a sample stamped T covers the 5 minutes
    before T); 02:xx does not exist on the DST day."""
    out = []
    for i in range(1, 289):
        m = i * 5
        hh, mm = divmod(m, 60)
        if hh == 24:
            continue  # 00:00 of the next day; the day's first sample is 00:05
        if d == DST_DAY and hh == 2:
            continue
        out.append("%02d:%02d:00" % (hh, mm))
    return out


def history():
    """Raw samples of RAW interfaces over RAW_FROM..RAW_TO (plus one day either side): dicts
    with layer, name, type, date, time, capacity, inProm, inMaxProm, outProm, outMaxProm."""
    rnd = random.Random(95)
    spans = {(layer, name): s for layer, name, s, _, _ in IFACES}
    rows = []
    first = datetime.date(2026, 3, 6)
    for layer, name in RAW:
        for d in dates(first, datetime.date(2026, 3, 10)):
            if d.isoformat() in RAW_MISSING.get((layer, name), ()):
                continue
            typ, cap = type_cap(spans[(layer, name)], d)
            times = local_times(d)
            if d == datetime.date(2026, 3, 9) and name.startswith("CCS-BORDE-01"):
                times = times[:-10]  # a short day
            for t in times:
                a_in = rnd.randrange(10 ** 8, 10 ** 10)
                a_out = rnd.randrange(10 ** 7, 10 ** 9)
                if rows and rows[-1]["name"] == name and rnd.random() < 0.05:
                    a_in = rows[-1]["inProm"]  # MRTG fills a failed poll with the last rate
                rows.append({"layer": layer, "name": name, "type": typ, "date": d.isoformat(),
                             "time": t, "capacity": float(cap), "inProm": a_in,
                             "inMaxProm": a_in + rnd.randrange(10 ** 6),
                             "outProm": a_out, "outMaxProm": a_out + rnd.randrange(10 ** 6)})
    return rows


def summary_lines(rows):
    """store_cli put-summary lines (repr keeps every double exact)."""
    out = []
    for r in rows:
        use = "null" if r["use"] is None else repr(r["use"])
        line = ";".join([r["name"], r["type"], r["date"], r["typeLayer"], repr(r["capacity"]),
                         repr(r["inProm"]), repr(r["inMaxProm"]), repr(r["outProm"]),
                         repr(r["outMaxProm"]), use])
        if r["samples"] is not None:
            line += ";%d" % r["samples"]
        out.append(line)
    return out


def history_lines(rows, layer):
    return ["%s;%s;%s;%s;%r;%d;%d;%d;%d" % (r["name"], r["type"], r["date"], r["time"],
                                            r["capacity"], r["inProm"], r["inMaxProm"],
                                            r["outProm"], r["outMaxProm"])
            for r in rows if r["layer"] == layer]


def summary_docs(rows):
    """BSON documents of DAILY_SUMMARY_HISTORY as an old ScanBackup database may hold them:
    int, long and double measures, null use, no samples field on old rows."""
    from bson.int64 import Int64  # python3-bson comes with python3-mockupdb
    out = []
    for i, r in enumerate(rows):
        d = {k: r[k] for k in ("name", "type", "date", "typeLayer")}
        cap = r["capacity"]
        d["capacity"] = int(cap) if i % 3 == 0 else (Int64(int(cap)) if i % 3 == 1 else cap)
        for k in ("inProm", "inMaxProm", "outProm", "outMaxProm"):
            d[k] = r[k]
        d["use"] = r["use"]
        if r["samples"] is not None:
            d["samples"] = Int64(r["samples"]) if i % 2 else r["samples"]
        out.append(d)
    return out


def history_docs(rows, layer):
    from bson.int64 import Int64
    out = []
    for r in rows:
        if r["layer"] != layer:
            continue
        d = {k: r[k] for k in ("name", "type", "date", "time")}
        d["capacity"] = r["capacity"]
        for k in ("inProm", "inMaxProm", "outProm", "outMaxProm"):
            d[k] = Int64(r[k])
        out.append(d)
    return out


# ---- what the reports must show ----

def expected_samples(frm, to):
    import zoneinfo
    z = zoneinfo.ZoneInfo(TZ)
    total = 0
    for d in dates(datetime.date.fromisoformat(frm), datetime.date.fromisoformat(to)):
        s = datetime.datetime(d.year, d.month, d.day, tzinfo=z)
        n = d + datetime.timedelta(days=1)
        e = datetime.datetime(n.year, n.month, n.day, tzinfo=z)
        total += int(e.timestamp() - s.timestamp()) // 300
    return total


def period_days(frm, to):
    return (datetime.date.fromisoformat(to) - datetime.date.fromisoformat(frm)).days + 1


def bbip_rows(rows, layer, frm, to):
    """The rows of one BBIP sheet, sorted by type then name, as dicts keyed like the columns."""
    sel = sorted((r for r in rows if r["typeLayer"] == layer and frm <= r["date"] <= to),
                 key=lambda r: (r["type"], r["name"], r["date"]))
    acc = {}
    order = []
    for r in sel:
        a = acc.get(r["name"])
        if a is None:
            a = acc[r["name"]] = {"n": 0, "inProm": 0.0, "inMaxProm": 0.0, "outProm": 0.0,
                                  "outMaxProm": 0.0, "samples": 0, "unknown": False,
                                  "dates": set(), "newest": ""}
            order.append(r["name"])
        a["n"] += 1
        for k in ("inProm", "inMaxProm", "outProm", "outMaxProm"):
            a[k] += r[k]
        if r["samples"] is None:
            a["unknown"] = True
        else:
            a["samples"] += r["samples"]
        a["dates"].add(r["date"])
        if r["date"] >= a["newest"]:
            a["newest"], a["type"], a["capacity"] = r["date"], r["type"], r["capacity"]
    expected = expected_samples(frm, to)
    days = period_days(frm, to)
    out = []
    for name in order:
        a = acc[name]
        row = {"name": name, "type": a["type"], "capacity": a["capacity"]}
        for k in ("inProm", "inMaxProm", "outProm", "outMaxProm"):
            row[k] = a[k] / a["n"]
        row["use"] = use_of(row["inMaxProm"], row["outMaxProm"], row["capacity"])
        row["days"] = len(a["dates"])
        row["completeness"] = None if a["unknown"] else a["samples"] / expected * 100
        row["marked"] = row["days"] < days
        row["layer"] = layer
        out.append(row)
    out.sort(key=lambda r: (r["type"].encode(), r["name"].encode()))
    return out


def p95_rows(hist, layer, frm, to, pct=95):
    sel = [r for r in hist if r["layer"] == layer and frm <= r["date"] <= to]
    names = sorted({r["name"] for r in sel})
    expected = expected_samples(frm, to)
    days = period_days(frm, to)
    out = []
    for name in names:
        s = sorted((r for r in sel if r["name"] == name), key=lambda r: (r["date"], r["time"]))
        n = len(s)
        rank = (pct * n + 99) // 100
        assert rank == math.ceil(pct * n / 100 - 1e-9)
        ins = sorted(r["inProm"] for r in s)
        outs = sorted(r["outProm"] for r in s)
        newest = s[-1]
        row = {"name": name, "type": newest["type"], "capacity": newest["capacity"],
               "inAvg": sum(r["inProm"] for r in s) / n * FACTOR,
               "inPeak": max(r["inMaxProm"] for r in s) * FACTOR,
               "inPct": ins[rank - 1] * FACTOR,
               "outAvg": sum(r["outProm"] for r in s) / n * FACTOR,
               "outPeak": max(r["outMaxProm"] for r in s) * FACTOR,
               "outPct": outs[rank - 1] * FACTOR,
               "samples": n, "days": len({r["date"] for r in s}), "layer": layer}
        row["use"] = use_of(row["inPct"], row["outPct"], row["capacity"])
        row["completeness"] = n / expected * 100
        row["marked"] = row["days"] < days
        out.append(row)
    out.sort(key=lambda r: (r["type"].encode(), r["name"].encode()))
    return out
