#!/usr/bin/python3
"""dst.py - days whose local clock goes back (America/New_York and Europe/Madrid), collected from
logs written by Debian's MRTG (rateup) polling through the fall-back night: every one of the 300
samples stored exactly once in SQLite and sent once to MongoDB, the repeated hour told apart by the
rule of docs/storage.md, and every reader (daily summary from the store, the dashboard's series,
the percentile report) seeing the 300 samples in time order; a database holding the day as older
versions stored it (288 rows) is repaired by collecting the day again."""

import datetime
import glob
import json
import os
import re
import sqlite3
import threading
import zoneinfo

import sbtest
import sbweb

t = sbtest.Tap()
if sbtest.missing("rateup"):
    t.skip_rest(sbtest.missing("rateup"))
F = 8.022e-9
NAME, TYPE = "EDGE GI0/0/1", "CISCO"
CASES = (
    # zone, fall-back day, offset of the repeated hour's second pass, its first local hour
    ("America/New_York", "2026-11-01", "-05:00", 1),
    ("Europe/Madrid", "2026-10-25", "+01:00", 2),
)


def stored_ts(date, time, tz):
    """The instant of a stored (date, time) by docs/storage.md: HH:MM:SS is the first instant of
    the day showing that wall time; HH:MM:SS+hh:mm is the wall time at that UTC offset."""
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in time[:8].split(":"))
    if len(time) == 8:
        return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=zoneinfo.ZoneInfo(tz), fold=0).timestamp())
    sign = 1 if time[8] == "+" else -1
    off = sign * (int(time[9:11]) * 3600 + int(time[12:14]) * 60)
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=datetime.timezone.utc).timestamp()) - off


# The logs: MRTG polled every 5 minutes from an hour before the day to 04:00 the next morning.
logs = {}


def make_log(tz, date):
    start, end = sbtest.day_bounds(date, tz)
    logs[tz] = sbtest.rateup_log(start - 3600, end + 4 * 3600 + 17, seed=len(tz))


threads = [threading.Thread(target=make_log, args=(tz, date)) for tz, date, _, _ in CASES]
for th in threads:
    th.start()
for th in threads:
    th.join()



def mongo_case(tz, date, want):
    """MongoDB: the updater sends 300 upserts with 300 distinct keys."""
    from mongopeer import Peer
    peer = Peer()
    mroot = sbtest.tempdir()
    sbtest.write(os.path.join(mroot, ".env"), "TIMEZONE=%s\nDATABASE_URI=%s\nDB_TIMEOUT=5\n" % (tz, peer.uri("/ScanBackupDB")))
    sbtest.write(os.path.join(mroot, "mrtg/edge.log"), logs[tz])
    sbtest.write(os.path.join(mroot, "sources/SCAN/BORDE"), "mrtg/edge.html;%s;10;%s\n" % (NAME, TYPE))
    sbtest.run(["scan", "--date", date], root=mroot)
    peer.reset()
    r = sbtest.run(["updater", "data", "--date", date], root=mroot)
    t.eq(r.returncode, 0, "%s: updater data into MongoDB exits 0" % tz, r.stderr)
    keys = [(u["q"]["name"], u["q"]["type"], u["q"]["date"], u["q"]["time"])
            for d in peer.commands("update") if d["update"] == "BORDE_HISTORY" for u in d["updates"]]
    t.eq((len(keys), len(set(keys))), (300, 300), "%s: MongoDB gets 300 upserts on 300 distinct keys" % tz)
    t.ok({stored_ts(k[2], k[3], tz) for k in keys} == set(want), "%s: which are the day's 300 instants" % tz,
         sorted({stored_ts(k[2], k[3], tz) for k in keys} ^ set(want))[:10])
    peer.stop()


for tz, date, second_off, hour in CASES:
    start, end = sbtest.day_bounds(date, tz)
    want = sbtest.mrtg_day(logs[tz], start, end)
    t.eq(len(want), 300, "%s %s: rateup's log holds the 25-hour day's 300 samples" % (tz, date))

    root = sbtest.tempdir()
    sbtest.write(os.path.join(root, ".env"), "TIMEZONE=%s\n" % tz)
    sbtest.write(os.path.join(root, "mrtg/edge.log"), logs[tz])
    sbtest.write(os.path.join(root, "sources/SCAN/BORDE"), "mrtg/edge.html;%s;10;%s\n" % (NAME, TYPE))
    r = sbtest.run(["run", "--date", date], root=root)
    t.eq(r.returncode, 0, "%s: run exits 0" % tz, r.stdout + r.stderr)
    t.ok("300 samples" in r.stdout, "%s: the scan says it took 300 samples" % tz, r.stdout)

    db = sqlite3.connect(os.path.join(root, "data/scanbackup.db"))
    rows = db.execute("select date, time, inProm, outProm, inMaxProm, outMaxProm from BORDE_HISTORY "
                      "where name = ? and type = ? order by date, time", (NAME, TYPE)).fetchall()
    t.eq(len(rows), 300, "%s: SQLite holds 300 rows of the day, none overwritten" % tz)
    got = {stored_ts(d, tm, tz): v for (d, tm, *v) in rows}
    t.eq(len(got), 300, "%s: the 300 rows are 300 distinct instants" % tz)
    t.ok(got == {ts: list(v) for ts, v in want.items()},
         "%s: each instant's values are the log's" % tz,
         sorted(set(got) ^ set(want))[:10])
    marked = [tm for (_, tm, *_) in rows if len(tm) != 8]
    t.eq(len(marked), 12, "%s: exactly the 12 samples of the repeated hour's second pass carry an offset" % tz)
    t.ok(all(re.fullmatch(r"%02d:[0-5][05]:00%s" % (hour, re.escape(second_off)), tm) for tm in marked),
         "%s: written HH:MM:SS%s" % (tz, second_off), marked)
    plain = [tm for (_, tm, *_) in rows if len(tm) == 8]
    t.ok(all(re.fullmatch(r"\d\d:\d\d:\d\d", tm) for tm in plain) and len(set(plain)) == 288,
         "%s: every other sample keeps the plain HH:MM:SS, once each" % tz)
    t.ok(all(m[:8] in plain for m in marked), "%s: each marked time follows its first pass twin" % tz)
    times = [tm for (_, tm, *_) in rows]
    t.eq(times, sorted(times), "%s: rows sorted by (date, time) read in the documented order" % tz)

    def summary():
        return db.execute("select samples, inProm, outProm, inMaxProm, outMaxProm from DAILY_SUMMARY_HISTORY "
                          "where name = ? and date = ?", (NAME, date)).fetchone()

    n = len(want)
    ref = (n, sum(v[0] for v in want.values()) / n * F, sum(v[1] for v in want.values()) / n * F,
           max(v[2] for v in want.values()) * F, max(v[3] for v in want.values()) * F)
    t.eq(summary(), ref, "%s: the stored daily summary counts 300 samples" % tz)

    # daily again: the spool is empty, the summary comes from the store
    r = sbtest.run(["daily", "--date", date], root=root)
    line = sbtest.read(os.path.join(root, "data/SCAN/DAILY_SUMMARY", date, "BORDE.tsv")).splitlines()[2].split("\t")
    t.eq((int(line[8]), float(line[3]), float(line[5]), float(line[4]), float(line[6])), ref,
         "%s: the summary from the store is the same, from 300 samples" % tz, r.stderr)
    os.unlink(os.path.join(root, "data/SCAN/DAILY_SUMMARY", date, "BORDE.tsv"))

    # the percentile report reads the raw rows
    out = sbtest.tempdir()
    r = sbtest.run(["report", "percentil95", "--from", date, "--to", date, "--format", "json", "--out", out], root=root)
    t.eq(r.returncode, 0, "%s: the percentile report runs" % tz, r.stderr)
    rep = json.loads(sbtest.read(glob.glob(os.path.join(out, "*.json"))[0]))
    sheet = [s for s in rep["sheets"] if s["name"] == "BORDE"][0]
    ins = sorted(v[0] for v in want.values())
    t.eq((sheet["rows"][0]["samples"], sheet["rows"][0]["inPct"]), (300, ins[-(-95 * 300 // 100) - 1] * F),
         "%s: the percentile report counts 300 samples and ranks all of them" % tz)

    # the dashboard's series: 300 points, in time order, at the samples' instants
    sbweb.add_user(root, "ana", "a long enough password", "viewer")
    srv = sbweb.Serve(root)
    c = sbweb.Client(srv.port)
    c.login("ana", "a long enough password")
    st, _, body = c.get("/api/interface?layer=BORDE&name=%s&from=%s&to=%s" % (NAME.replace(" ", "%20").replace("/", "%2F"), date, date))
    srv.stop()
    t.eq(st, 200, "%s: the dashboard answers the interface's day" % tz, body)
    if st == 200:
        t.ok(body["t"] == sorted(want), "%s: the dashboard's series holds the 300 instants in order" % tz,
             "%d points; first out of place: %r" % (len(body["t"]), next(((i, a, b) for i, (a, b) in enumerate(zip(body["t"], sorted(want))) if a != b), None)))
        t.ok(body["in_avg"] == [want[ts][0] for ts in sorted(want)], "%s: with their values" % tz)
        t.eq(body["expected"], 300, "%s: and expects 300 samples of the day" % tz)

    # a database written by older versions: the repeated hour stored once, under the plain time,
    # holding the second pass (the later upsert won); collecting the day again repairs it
    db.execute("delete from BORDE_HISTORY where length(time) > 8")
    for ts, v in want.items():
        tm = datetime.datetime.fromtimestamp(ts, zoneinfo.ZoneInfo(tz)).strftime("%H:%M:%S")
        if datetime.datetime.fromtimestamp(ts, zoneinfo.ZoneInfo(tz)).fold == 1:
            db.execute("update BORDE_HISTORY set inProm = ?, outProm = ?, inMaxProm = ?, outMaxProm = ? "
                       "where time = ?", (*v, tm))
    db.execute("update DAILY_SUMMARY_HISTORY set samples = 288")
    db.commit()
    r = sbtest.run(["run", "--date", date], root=root)
    rows = db.execute("select date, time, inProm, outProm, inMaxProm, outMaxProm from BORDE_HISTORY "
                      "where name = ?", (NAME,)).fetchall()
    t.ok(r.returncode == 0 and {stored_ts(d, tm, tz): v for (d, tm, *v) in rows} == {ts: list(v) for ts, v in want.items()},
         "%s: collecting the day again turns the older 288 rows into the right 300" % tz, r.stdout + r.stderr)
    t.eq(summary(), ref, "%s: and its summary counts 300 samples again" % tz)
    db.close()

    t.case("%s: the day into MongoDB" % tz, mongo_case, tz, date, want, needs=("mockupdb",))

t.done()
