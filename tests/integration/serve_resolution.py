#!/usr/bin/python3
"""serve_resolution.py - the dashboard's API over days whose 5-minute samples are gone: the example
root after `backfill` (two years of MRTG's 30-minute, 2-hour and 1-day lines) served by the real
`scanbackup serve`. Checked: each day's summary says its resolution; /api/interface gives, for each
day without 5-minute samples, the lines of the finest resolution stored for it (the lines whose
interval's middle falls on the day, as the summaries count them), compared line by line with the
coarser tables, and none on a day drawn at 5 minutes; the 95th percentile stays that of 5-minute
samples; /api/find, its CSV and /api/layers say the resolution of each interface's summary and the
coarsest of a day; and the same pages in headless Chromium (tests/e2e/resolution.mjs): the lines drawn
as labelled segments, the completeness of such days given as their resolution."""

import csv
import datetime
import io
import json
import os
import sqlite3
import urllib.parse
import zoneinfo

import sbtest
import sbweb

t = sbtest.Tap()
TZ = zoneinfo.ZoneInfo("America/Caracas")
D = sbweb.EXAMPLE_DATE
root = sbweb.example_root()
r = sbtest.run(["backfill", "--to", D], root=root)
t.eq(r.returncode, 0, "backfill of the example logs", r.stdout + r.stderr)
sbweb.add_user(root, "vic", "viewer-secret-2", "viewer")
srv = sbweb.Serve(root)
c = sbweb.Client(srv.port)
c.login("vic", "viewer-secret-2")
db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
NAME, TYPE = db.execute("select name, type from BORDE_HISTORY order by name limit 1").fetchone()
RES = {1800: "_30M", 7200: "_2H", 86400: "_1D"}


def instant(date, time):
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in time[:8].split(":"))
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=TZ).timestamp())


def day_of(ts):
    return datetime.datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d")


def interface(frm, to):
    st, _, body = c.get("/api/interface?layer=BORDE&name=%s&type=%s&from=%s&to=%s" % (
        urllib.parse.quote(NAME), urllib.parse.quote(TYPE), frm, to))
    t.eq(st, 200, "/api/interface %s to %s answers" % (frm, to), body)
    return body


def span_start(ts, res):
    """A line stands for the resolution before its stamp; a section's partial line, off the
    multiples of the resolution (UTC), for the time since the multiple below (docs/mrtg.md)."""
    return ts - (ts % res or res)


def expect_lines(body):
    """What the store says the chart must draw: every line of the coarser tables, finest first,
    whose span is within the range and meets nothing finer
    drawn: 5-minute samples (the 5 minutes before each), then lines of finer tables."""
    drawn = [(span_start(x, 300), x) for x in body["t"]]
    want = {}
    for res, suffix in sorted(RES.items()):
        rows = db.execute("select date, time, inProm, inMaxProm, outProm, outMaxProm from BORDE_HISTORY%s "
                          "where name = ? and type = ?" % suffix, (NAME, TYPE)).fetchall()
        keep = []
        for date, time, i, im, o, om in rows:
            ts = instant(date, time)
            start = span_start(ts, res)
            if ts <= body["start"] or start >= body["end"]:
                continue
            if any(a < ts and b > start for a, b in drawn):
                continue
            keep.append((ts, i, im, o, om))
        if keep:
            want[res] = sorted(keep)
            drawn += [(span_start(x[0], res), x[0]) for x in keep]
    return want


def got_lines(body):
    return {e["resolution"]: list(zip(e["t"], e["in_avg"], e["in_max"], e["out_avg"], e["out_max"]))
            for e in body["coarse"]}


# A week across the end of the 30-minute section: 30 minutes, then 5 minutes
frm, to = "2026-11-14", D
body = interface(frm, to)
days = {d["date"]: d["resolution"] for d in body["daily"]}
stored = dict(db.execute("select date, coalesce(resolution, 300) from DAILY_SUMMARY_HISTORY where name = ? and type = ? "
                         "and date between ? and ?", (NAME, TYPE, frm, to)).fetchall())
t.eq(days, stored, "each day's summary carries the resolution it was stored with")
t.ok(set(days.values()) == {300, 1800}, "the week has days at 5 minutes and at 30 minutes", days)
want = expect_lines(body)
got = got_lines(body)
t.ok(list(want) == [1800] and len(want[1800]) > 0, "the days without 5-minute samples hold 30-minute lines", list(want))
t.eq(got, want, "the chart's coarser lines are the 30-minute table's, line by line, where no 5-minute sample is")
t.eq([e["label"] for e in body["coarse"]], ["30 min"], "the lines are labelled with their resolution")
fine_days = {day_of(x - 1) for x in body["t"]}
t.ok(fine_days and all(days.get(d) == 300 for d in fine_days if d in days),
     "the days with 5-minute samples have 5-minute summaries", sorted(fine_days))
t.ok(not any(x - 1800 < s and x > s - 300 for x in (e[0] for e in got.get(1800, [])) for s in body["t"]),
     "no coarser line is drawn over a 5-minute sample")
full = [d for d, res in days.items() if res == 1800]
per_day = {}
for x in got[1800]:
    per_day[day_of(x[0] - 900)] = per_day.get(day_of(x[0] - 900), 0) + 1
t.ok(all(per_day.get(d) == 48 for d in full if d not in fine_days),
     "a whole day at 30 minutes is drawn with its 48 lines", per_day)
t.eq(body["p95"]["samples"], len(body["t"]), "the 95th percentile is that of the 5-minute samples alone")

# Six weeks across the 1-day and the 2-hour sections
frm, to = "2026-09-05", "2026-10-05"
body = interface(frm, to)
want = expect_lines(body)
got = got_lines(body)
t.eq(body["t"], [], "no 5-minute samples that far back")
t.ok(sorted(want) == [7200, 86400], "the range holds 2-hour and 1-day days", sorted(want))
t.eq(got, want, "each part of the range drawn with the lines of its finest resolution, 2 hours or 1 day")
t.eq([e["label"] for e in body["coarse"]], ["2 h", "1 day"], "each resolution labelled")
# a day's summary takes the coarsest resolution of the lines that count for it (docs/data.md);
# a section's partial line counts too, though no table keeps it (its value changes at every poll)
res_of = {d["date"]: d["resolution"] for d in body["daily"]}
drawn, covered = {}, {}
for res, lines in got.items():
    for x in lines:
        day = day_of(x[0] - res // 2)
        drawn[day] = max(drawn.get(day, 0), res)
        covered[day] = covered.get(day, 0) + res
t.ok(len(drawn) > 20 and all(res_of.get(day, 0) >= res for day, res in drawn.items()),
     "no day's summary is finer than the lines drawn on it",
     {d: (res_of.get(d), r) for d, r in drawn.items() if res_of.get(d, 0) < r})
whole = [d for d in drawn if covered[d] == 86400]
t.ok(len(whole) > 20 and all(res_of.get(d) == drawn[d] for d in whole),
     "a day drawn whole at one resolution has its summary at that resolution",
     {d: (res_of.get(d), drawn[d]) for d in whole if res_of.get(d) != drawn[d]})

# The overview and the search say each interface's resolution
for date, res in (("2026-11-10", 1800), ("2026-10-01", 7200), ("2025-06-01", 86400), (D, 300)):
    st, _, body = c.get("/api/find?q=&date=%s&of_day=1&limit=1000" % date)
    t.ok(st == 200 and body["total"] > 0 and all(x["resolution"] == res for x in body["items"]),
         "/api/find on %s: every summary at %d s" % (date, res), body if st != 200 else None)
    st, _, body = c.get("/api/layers?date=%s" % date)
    t.ok(st == 200 and all(L["resolution"] == res for L in body["layers"]),
         "/api/layers on %s: the coarsest resolution of the day is %d s" % (date, res),
         [L.get("resolution") for L in body.get("layers", [])])
    t.ok(all(f["resolution"] == res for L in body["layers"] for f in L["top"]),
         "/api/layers on %s: the top ports say their resolution" % date)
st, _, raw = c.get("/api/find?q=&date=2026-11-10&of_day=1&format=csv")
rows = list(csv.DictReader(io.StringIO(raw.decode())))
t.ok(st == 200 and rows and all(x["resolution_s"] == "1800" for x in rows), "the CSV has the resolution of each row",
     rows[:1])

# The same in the browser (tests/e2e/resolution.mjs)
missing = sbweb.e2e_missing()
if missing:
    t.skip("the dashboard over coarser days in headless Chromium (tests/e2e/resolution.mjs)", missing)
else:
    def scene(frm, to):
        body = interface(frm, to)
        drawn = ([300] if body["t"] else []) + [e["resolution"] for e in body["coarse"]]
        coarse = {d["date"]: d["resolution"] for d in body["daily"] if d["resolution"] > 300}
        covered = {}
        for e in body["coarse"]:
            for x in e["t"]:
                day = day_of(x - e["resolution"] // 2)
                covered[day] = covered.get(day, 0) + e["resolution"]
        whole = sorted(d for d in coarse if covered.get(d) == 86400)
        return json.dumps({"from": frm, "to": to, "resolutions": drawn, "coarse": coarse, "whole": whole})
    sbweb.run_e2e(t, "resolution.mjs", sbweb.e2e_env(
        srv.port, SB_USER="vic", SB_PW="viewer-secret-2", SB_DATE=D, SB_NAME=NAME, SB_TYPE=TYPE,
        SB_WEEK=scene("2026-11-14", D), SB_MONTH=scene("2026-09-05", "2026-10-05"), SB_COARSE_DAY="2026-11-10"),
        300, 18)

t.eq(srv.stop(), 0, "the server stops cleanly")
t.done()
