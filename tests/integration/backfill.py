#!/usr/bin/python3
"""backfill.py - `scanbackup backfill` and the nights `run` missed, on logs written by Debian's
MRTG (rateup): a log of two years is handed to rateup, which polls on for a day under a fake clock
and consolidates itself a day of known 5-minute samples (one of them a counter reset) into
30-minute lines, and writes a real counter reset among the new ones. Checked: the section
boundaries (the first 30-minute line 300 s after the last 5-minute one is never 5-minute data),
each coarser line stored once in its table, each day without 5-minute samples summarised from the
lines that count for it with its resolution (bit for bit with the rules of docs/data.md, and the
consolidated day equal to its 5-minute samples), the 5-minute days as scan stores them, a finer
summary kept, a re-run that changes nothing, a day the clock goes back (Europe/Madrid), the store
down (nothing lost), `run` backfilling the nights it missed and saying so, and MongoDB over the
wire (a MockupDB peer)."""

import datetime
import math
import os
import sqlite3
import zoneinfo
from fractions import Fraction

import sbtest

t = sbtest.Tap()
if sbtest.missing("rateup"):
    t.skip_rest(sbtest.missing("rateup"))
F = 8.022e-9
DAY = 86400


def local_date(ts, tz):
    return datetime.datetime.fromtimestamp(ts, zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d")


def stored_ts(date, time, tz):
    """The instant of a stored (date, time) (docs/storage.md)."""
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in time[:8].split(":"))
    if len(time) == 8:
        return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=zoneinfo.ZoneInfo(tz), fold=0).timestamp())
    sign = 1 if time[8] == "+" else -1
    off = sign * (int(time[9:11]) * 3600 + int(time[12:14]) * 60)
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=datetime.timezone.utc).timestamp()) - off


def rate(ts, k, resets=()):
    """The 5-minute rate (bytes/s) of interface k over the 5 minutes before ts: a daily curve and
    some noise; 0 where a counter reset shows."""
    if ts in resets:
        return 0
    noise = ((ts // 300) * 2654435761 + k * 40503) % 1000003
    return int(3e8 * (k + 1) * (1.3 + math.sin(2 * math.pi * (ts % DAY) / DAY))) + noise * 31


def seed_lines(now, k, resets=()):
    """A log in MRTG's layout at `now` whose every line consolidates rate(): the mean of the
    5-minute rates of its window (rounded down, as rateup writes them), the peak their largest."""
    out = []
    for ts, res, window in sbtest.mrtg_layout(now):
        slots = [rate(s, k, resets) for s in range(ts - window + 300, ts + 1, 300)] or [rate(ts, k, resets)]
        avg = sum(slots) // len(slots)
        out.append((ts, avg, avg // 3, max(slots), max(slots) // 3))
    return out


def build_root(tz, sources, logs, env=""):
    root = sbtest.tempdir()
    sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n%s" % (tz, env))
    for layer, lines in sources.items():
        sbtest.write(os.path.join(root, "sources/SCAN/%s" % layer), "".join(lines))
    for path, text in logs.items():
        sbtest.write(os.path.join(root, path), text)
    return root


def expected_days(text, tz, in_only, capacity, first, last):
    """The summaries of the days without 5-minute samples, by the rules of docs/data.md, from
    the log as rateup laid it out: {date: (inProm, inMaxProm, outProm, outMaxProm, use, samples,
    resolution)}."""
    lines = sbtest.mrtg_sections(text)
    fine = {local_date(l[0], tz) for l in lines if l[1] == 300}
    days = {}
    for ts, res, w, ai, ao, mi, mo in lines:
        if res == 300:
            continue
        d = local_date(ts - w // 2, tz)
        if d in fine or not (first <= d <= last):
            continue
        days.setdefault(d, []).append((res, w, ai, ao, mi, mo))
    out = {}
    for d, ls in days.items():
        secs = sum(l[1] for l in ls)
        mean_in = float(Fraction(sum(l[2] * l[1] for l in ls), secs))
        mean_out = float(Fraction(sum(l[3] * l[1] for l in ls), secs))
        max_in, max_out = max(l[4] for l in ls), max(l[5] for l in ls)
        if in_only:
            row = (float(round(mean_in)), float(max_in), 0.0, 0.0, 0.0)
        else:
            use = max(max_in * F, max_out * F) / capacity * 100 if capacity else None
            row = (mean_in * F, max_in * F, mean_out * F, max_out * F, use)
        out[d] = row + (secs // 300, max(l[0] for l in ls))
    return out


def dump(db):
    """Every table's rows, for comparing a database before and after a re-run."""
    c = sqlite3.connect(db)
    out = {}
    for (name,) in c.execute("select name from sqlite_master where type = 'table' order by name"):
        out[name] = c.execute('select * from "%s" order by 1, 2, 3, 4' % name).fetchall()
    c.close()
    return out


# ---- the Caracas log: two years, then a day of polls by rateup ----
TZ = "America/Caracas"
D = "2026-06-10"
D_START, D_END = sbtest.day_bounds(D, TZ)
T0 = D_START + 2 * DAY + 137                  # 00:02 on D+2: D is whole in the 5-minute part
RESET_SEED = D_START + 13 * 3600 + 300          # 13:05 on D: a counter reset, a 0 rate
POLLS = [T0 + 1800 * k for k in range(1, 56)]   # every 30 minutes to 04:02 on D+3
RESET_POLL = POLLS[9]                          # rateup sees a counter go back here
IFACES = [("CCS-BORDE-01 HU0/0/0/1", "CISCO", 100, False), ("VAL-BORDE-02", "HUAWEI", 0, False),
          ("BRAS-CCS-01", "HUAWEI", 0, True)]

texts = []
for k, (name, typ, cap, in_only) in enumerate(IFACES):
    lines = seed_lines(T0, k, resets={RESET_SEED})
    if in_only:
        lines = [(ts, ai, ai, mi, mi) for ts, ai, ao, mi, mo in lines]
    cin, cout = 10 ** 12, 10 ** 11
    polls = []
    for p in POLLS:
        r = rate(p, k)
        cin += r * 1800
        cout += (r if in_only else r // 3) * 1800
        if p == RESET_POLL:
            cin, cout = 12345, 6789
        polls.append((p, cin, cout))
    texts.append(sbtest.rateup_seeded(lines, (10 ** 12, 10 ** 11), polls))
LAST = local_date(POLLS[-1], TZ)
TO = (datetime.date.fromisoformat(LAST) - datetime.timedelta(days=1)).isoformat()   # D+2


def caracas_root(env=""):
    srcs = {"BORDE": [], "IPBRAS": []}
    logs = {}
    for k, (name, typ, cap, in_only) in enumerate(IFACES):
        srcs["IPBRAS" if in_only else "BORDE"].append("mrtg/if%d.html;%s;%s;%s\n" % (k, name, cap, typ))
        logs["mrtg/if%d.log" % k] = texts[k]
    return build_root(TZ, srcs, logs, env)


sec = sbtest.mrtg_sections(texts[0])
five = [l for l in sec if l[1] == 300]
coarse = [l for l in sec if l[1] != 300]
t.eq(len(five), 601, "rateup's log: line 2, the partial bucket and 599 lines of 5 minutes")
t.ok(coarse[0][0] == five[-1][0] - 300 and coarse[0][1] == 1800,
     "rateup's log: the first 30-minute line sits 300 s after the last 5-minute one",
     (five[-1][0], coarse[0][:3]))
t.ok(local_date(five[-1][0], TZ) > D, "rateup's log: D has left the 5-minute part", five[-1][0])
t.ok(any(l[3] == 0 for l in five if abs(l[0] - RESET_POLL) < 1800),
     "rateup wrote a 0 rate where the counter went back", [l[:4] for l in five if abs(l[0] - RESET_POLL) < 1800])

root = caracas_root()
db = os.path.join(root, "data/scanbackup.db")
# a summary the nightly job stored at 5 minutes for a day the logs now hold coarser: kept
r = sbtest.run(["database", "start"], root=root)
c = sqlite3.connect(db)
KEEP = "2026-06-01"
c.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
          "outProm, outMaxProm, use, samples) values (?, ?, ?, 'BORDE', 100, 1.5, 2.5, 3.5, 4.5, 4.5, 288)",
          (IFACES[0][0], IFACES[0][1], KEEP))
c.commit()
c.close()

r = sbtest.run(["backfill", "--to", TO], root=root)
t.eq(r.returncode, 0, "backfill exits 0", r.stdout + r.stderr)
out = r.stdout
t.ok("3 interfaces: 3 ok, 0 failed" in out, "backfill: every interface read", out)
c = sqlite3.connect(db)

# the coarser tables: every full line stamped up to TO, once, with the log's values
for k, (name, typ, cap, in_only) in enumerate(IFACES):
    layer = "IPBRAS" if in_only else "BORDE"
    key = "brasname" if in_only else "name"
    lines = sbtest.mrtg_sections(texts[k])
    for res, suffix in ((1800, "30M"), (7200, "2H"), (86400, "1D")):
        want = {l[0]: l[3:5] + l[5:7] for l in lines
                if l[1] == res and l[2] == res and local_date(l[0], TZ) <= TO}
        cols = "inProm, inMaxProm" if in_only else "inProm, outProm, inMaxProm, outMaxProm"
        rows = c.execute("select date, time, %s from %s_HISTORY_%s where %s = ? and type = ?"
                         % (cols, layer, suffix, key), (name, typ)).fetchall()
        got = {stored_ts(d, tm, TZ): tuple(v) for d, tm, *v in rows}
        if in_only:
            want = {ts: (v[0], v[2]) for ts, v in want.items()}
        t.ok(len(rows) == len(got) and got == want,
             "%s: %s_HISTORY_%s holds each full %s line once, with the log's values (%d)"
             % (name, layer, suffix, {1800: "30-minute", 7200: "2-hour", 86400: "1-day"}[res],
                len(want)), sorted(set(got) ^ set(want))[:6])
    first30 = min(stored_ts(d, tm, TZ) for d, tm in c.execute(
        "select date, time from %s_HISTORY_30M where %s = ?" % (layer, key), (name,)))
    stamps5 = {l[0] for l in lines if l[1] == 300}
    top30 = max(stored_ts(d, tm, TZ) for d, tm in c.execute(
        "select date, time from %s_HISTORY_30M where %s = ?" % (layer, key), (name,)))
    t.ok(top30 < min(stamps5) and top30 % 1800 == 0 and first30 % 1800 == 0,
         "%s: no 30-minute row comes from the 5-minute part or its boundary" % name, (top30, min(stamps5)))

# the daily summaries of the days without 5-minute samples
for k, (name, typ, cap, in_only) in enumerate(IFACES):
    layer = "IPBRAS" if in_only else "BORDE"
    want = expected_days(texts[k], TZ, in_only, cap, "0000", TO)
    if k == 0:
        want.pop(KEEP)
    rows = c.execute("select date, inProm, inMaxProm, outProm, outMaxProm, use, samples, resolution "
                     "from DAILY_SUMMARY_HISTORY where typeLayer = ? and name = ? and resolution is not null",
                     (layer, name)).fetchall()
    got = {d: tuple(v) for d, *v in rows}
    bad = [(d, got.get(d), want.get(d)) for d in sorted(set(got) | set(want)) if got.get(d) != want.get(d)]
    t.ok(not bad and len(got) > 700,
         "%s: %d days summarised from the coarser lines, bit for bit with docs/data.md" % (name, len(want)), bad[:4])
    res = {v[-1] for v in got.values()}
    t.eq(res, {1800, 7200, 86400}, "%s: days at 30 minutes, 2 hours and 1 day" % name)

# the day rateup consolidated: its 30-minute summary is its 5-minute samples' own average
row = c.execute("select inProm, inMaxProm, outProm, samples, resolution from DAILY_SUMMARY_HISTORY "
                "where typeLayer = 'BORDE' and name = ? and date = ?", (IFACES[0][0], D)).fetchone()
slots = [rate(s, 0, {RESET_SEED}) for s in range(D_START + 300, D_END + 1, 300)]
t.ok(row is not None and row[3] == 288 and row[4] == 1800, "D: 288 intervals at 30 minutes", row)
t.ok(row is not None and abs(row[0] - sum(slots) / 288 * F) <= F and row[1] == max(slots) * F,
     "D: inProm within one byte/s of the mean of the 5-minute samples rateup consolidated (their "
     "reset included), inMaxProm their peak", (row, sum(slots) / 288 * F, max(slots) * F))
t.ok(0 in slots and row[0] < sum(s for s in slots if s) / 287 * F, "D: the counter reset's 0 counts")

# the 5-minute days, as scan stores them; the finer summary kept
rows = c.execute("select date, count(*) from BORDE_HISTORY where name = ? group by date order by date",
                 (IFACES[0][0],)).fetchall()
fine = {local_date(l[0], TZ): 0 for l in five}
for l in five:
    fine[local_date(l[0], TZ)] += 1
t.eq(dict(rows), {d: n for d, n in fine.items() if d <= TO},
     "the 5-minute days up to --to are in BORDE_HISTORY with every sample of the 5-minute part")
zeros = c.execute("select count(*) from BORDE_HISTORY where name = ? and inProm = 0", (IFACES[0][0],)).fetchone()[0]
t.ok(zeros >= 5 and zeros == sum(1 for l in five if l[3] == 0 and local_date(l[0], TZ) <= TO),
     "the reset rateup saw is stored as it came: its 5-minute samples of 0 (%d)" % zeros)
summ = c.execute("select date, samples, resolution from DAILY_SUMMARY_HISTORY where typeLayer = 'BORDE' "
                 "and name = ? and date >= ? order by date", (IFACES[0][0], local_date(five[-1][0], TZ))).fetchall()
t.ok(all(s[2] is None for s in summ) and summ[-1][0] == TO and summ[-1][1] == 288 and summ[0][1] < 288,
     "5-minute days: summaries of 5 minutes, the oldest one short", summ)
t.eq(c.execute("select inProm, resolution from DAILY_SUMMARY_HISTORY where name = ? and date = ?",
               (IFACES[0][0], KEEP)).fetchone(), (1.5, None), "a 5-minute summary already stored is kept")
t.ok(("%s: 30 min" % D) in out or ("to %s: 30 min" % D) in out or
     any(seg.endswith(": 30 min") and seg.split(":")[0].split(" to ")[0] <= D <= seg.split(":")[0].split(" to ")[-1]
         for seg in out.split("days by resolution: ")[-1].split("\n")[0].split("; ")),
     "backfill says D is held at 30 minutes", out)
c.close()

# the workbooks: a day held only at 30 minutes says so in its completeness column
def workbooks():
    import openpyxl
    outdir = os.path.join(root, "wb")
    r = sbtest.run(["report", "diario", "--date", D, "--out", outdir], root=root)
    wb = openpyxl.load_workbook(os.path.join(outdir, "Data_Diario_BBIP.xlsx"))
    ws = wb["BORDE"]
    head = [c.value for c in ws[1]]
    col = head.index("Completitud (%)")
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2) if row[0].value}
    cell = rows[IFACES[0][0]][col].value if IFACES[0][0] in rows else None
    t.ok(r.returncode == 0 and cell == "30 min",
         "diario of D: the completeness of a day held at 30 minutes reads \"30 min\"", (cell, r.stderr[-300:]))
    want = sqlite3.connect(db).execute("select inProm from DAILY_SUMMARY_HISTORY where name = ? and date = ?",
                                       (IFACES[0][0], D)).fetchone()[0]
    got = rows[IFACES[0][0]][head.index("In Prom")].value if IFACES[0][0] in rows else None
    t.eq(got, want, "diario of D: In Prom is that day's summary")
    notes = [c.value for row in wb["Resumen"].iter_rows() for c in row if isinstance(c.value, str)]
    t.ok(any("consolidados de MRTG" in n for n in notes), "the Resumen says what those days are", notes[-4:])
    # a week across the end of the 5-minute part: 5-minute days and coarser ones
    first = (datetime.date.fromisoformat(TO) - datetime.timedelta(days=6)).isoformat()
    r = sbtest.run(["report", "semanal", "--from", first, "--to", TO, "--out", outdir], root=root)
    ws = openpyxl.load_workbook(os.path.join(outdir, "Data_Semanal_BBIP.xlsx"))["BORDE"]
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2) if row[0].value}
    cell = rows[IFACES[0][0]][col].value if IFACES[0][0] in rows else None
    ncoarse = sqlite3.connect(db).execute(
        "select count(*) from DAILY_SUMMARY_HISTORY where name = ? and date between ? and ? and "
        "resolution is not null", (IFACES[0][0], first, TO)).fetchone()[0]
    t.eq(cell, "30 min en %d días" % ncoarse,
         "a week of both: the completeness says how many days are at 30 minutes")


t.case("workbooks of coarser days", workbooks, needs=("openpyxl",))

# nothing changes when it runs again; run stores nothing more
before = dump(db)
r = sbtest.run(["backfill", "--to", TO], root=root)
t.eq((r.returncode, dump(db) == before), (0, True), "a second backfill changes nothing", r.stderr[-400:])
t.ok(not os.path.exists(os.path.join(root, "data/SCAN/BACKFILL")), "the backfill files are gone once stored")

# ---- the store down: nothing lost ----
down = caracas_root("DATABASE_URI=sqlite:no/such/dir/x.db\n")
r = sbtest.run(["backfill", "--from", "2026-06-01", "--to", TO], root=down)
kept = sorted(os.listdir(os.path.join(down, "data/SCAN/BACKFILL/BORDE")))
t.ok(r.returncode == 1 and len(kept) == 2 and "stays in the spool" in r.stdout,
     "store down: exit 1, the backfill files kept", (r.returncode, kept, r.stdout[-300:]))
sbtest.write(os.path.join(down, ".env"), "TIMEZONE=%s\n" % TZ)
r = sbtest.run(["run", "--date", TO], root=down)
c = sqlite3.connect(os.path.join(down, "data/scanbackup.db"))
n30 = c.execute("select count(*) from DAILY_SUMMARY_HISTORY where resolution = 1800").fetchone()[0]
t.ok(r.returncode == 0 and "from 3 backfill files stored" in r.stdout and n30 > 0 and
     not os.path.exists(os.path.join(down, "data/SCAN/BACKFILL")),
     "the next run stores what the backfill left", r.stdout[-600:])
c.close()

# ---- run notices the nights it missed ----
miss = caracas_root()
sbtest.run(["database", "start"], root=miss)
c = sqlite3.connect(os.path.join(miss, "data/scanbackup.db"))
before_d = (datetime.date.fromisoformat(D) - datetime.timedelta(days=1)).isoformat()
for typeLayer, name in (("BORDE", IFACES[0][0]), ("IPBRAS", IFACES[2][0])):
    c.execute("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
              "outProm, outMaxProm, use, samples) values (?, 'X', ?, ?, 0, 1, 1, 1, 1, null, 288)",
              (name, before_d, typeLayer))
c.commit()
c.close()
r = sbtest.run(["run", "--date", TO], root=miss)
t.ok(r.returncode == 0 and ("run: BORDE, IPBRAS: %s to " % D) in r.stdout and "never stored: backfilled" in r.stdout,
     "run says which nights it missed and backfills them", r.stdout)
c = sqlite3.connect(os.path.join(miss, "data/scanbackup.db"))
got = dict(c.execute("select date, coalesce(resolution, 300) from DAILY_SUMMARY_HISTORY where name = ? and date >= ?",
                     (IFACES[0][0], D)).fetchall())
t.ok(got.get(D) == 1800 and got.get(TO) == 300 and len(got) == 3 and
     not c.execute("select count(*) from DAILY_SUMMARY_HISTORY where date < ? and date > ? and typeLayer = 'BORDE'",
                   (before_d, "2024-01-01")).fetchone()[0],
     "run: the missed days only, the 5-minute ones at 5 minutes", got)
c.close()

# ---- a day the clock goes back, in 30-minute lines ----
MZ = "Europe/Madrid"
FOLD = "2026-10-25"
M0 = sbtest.day_bounds("2026-10-29", MZ)[0] + 4 * 3600 + 137
mlines = seed_lines(M0, 3)
mtext = sbtest.rateup_seeded(mlines, (10 ** 12, 10 ** 11),
                             [(M0 + 300 * k, 10 ** 12 + k * 10 ** 9, 10 ** 11 + k * 10 ** 8) for k in range(1, 4)])
mroot = build_root(MZ, {"BORDE": ["mrtg/m.html;MAD-EDGE;10;CISCO\n"]}, {"mrtg/m.log": mtext})
r = sbtest.run(["backfill", "--from", "2026-10-20", "--to", "2026-10-26"], root=mroot)
t.eq(r.returncode, 0, "Madrid: backfill exits 0", r.stdout + r.stderr)
c = sqlite3.connect(os.path.join(mroot, "data/scanbackup.db"))
rows = c.execute("select time from BORDE_HISTORY_30M where date = ?", (FOLD,)).fetchall()
marked = sorted(tm for (tm,) in rows if len(tm) > 8)
t.ok(len(rows) == 50 and marked == ["02:00:00+01:00", "02:30:00+01:00"],
     "Madrid %s: 50 lines of 30 minutes, the repeated hour's second pass marked +01:00" % FOLD, (len(rows), marked))
want = expected_days(mtext, MZ, False, 10, "2026-10-20", "2026-10-26")
got = {d: tuple(v) for d, *v in c.execute(
    "select date, inProm, inMaxProm, outProm, outMaxProm, use, samples, resolution from DAILY_SUMMARY_HISTORY")}
t.ok(got == want and got[FOLD][5:] == (300, 1800),
     "Madrid: the 25-hour day covers 300 intervals at 30 minutes, every day bit for bit", (got.get(FOLD), want.get(FOLD)))
c.close()

# ---- MongoDB over the wire ----
if sbtest.missing("mockupdb"):
    t.skip_rest(sbtest.missing("mockupdb"))
from mongopeer import Peer  # noqa: E402
peer = Peer()
mg = caracas_root("DATABASE_URI=%s\nDB_TIMEOUT=5\n" % peer.uri("/ScanBackupDB"))
r = sbtest.run(["backfill", "--from", "2026-06-01", "--to", TO], root=mg)
t.eq(r.returncode, 0, "MongoDB: backfill exits 0", r.stdout + r.stderr)
creates = {d["create"]: d for d in peer.commands("create")}
js = creates.get("BORDE_HISTORY_30M", {}).get("validator", {}).get("$jsonSchema", {})
t.ok(js.get("required") == ["name", "type", "date", "time", "capacity", "inProm", "inMaxProm", "outProm",
                            "outMaxProm"],
     "MongoDB: BORDE_HISTORY_30M created with its validator", creates.keys())
idx = {d["createIndexes"]: [i["name"] for i in d["indexes"]] for d in peer.commands("createIndexes")}
t.eq(idx.get("IPBRAS_HISTORY_1D"), ["unique_ip_bras_1d_index", "ip_bras_1d_by_date_index"],
     "MongoDB: the coarser tables' indexes named after the layer's")
ups = [u for d in peer.commands("update") if d["update"] == "BORDE_HISTORY_30M" for u in d["updates"]]
t.ok(ups and all(list(u["q"]) == ["name", "type", "date", "time"] and u["upsert"] for u in ups),
     "MongoDB: 30-minute lines upserted on the layer's key", ups[:1])
sums = [u for d in peer.commands("update") if d["update"] == "DAILY_SUMMARY_HISTORY" for u in d["updates"]]
coarse_sums = [u for u in sums if "resolution" in u["q"]]
t.ok(coarse_sums and all(u["q"]["resolution"] == {"$gte": u["u"]["$set"]["resolution"]} for u in coarse_sums),
     "MongoDB: each coarser summary replaces only one of its resolution or coarser", coarse_sums[:1])
t.ok(any(u["u"].get("$unset") == {"resolution": ""} for u in sums),
     "MongoDB: the 5-minute days' summaries carry no resolution", sums[:1])
peer.stop()
t.done()
