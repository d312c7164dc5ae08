#!/usr/bin/env python3
"""store_sqlite.py - the SQLite store through tests/store_cli, read back with Python's sqlite3.

Checks tables, column types, index names and key orders, idempotent reloads, null use, query
order, WAL (a reader does not block the writer), auto-created tables and clean errors. TAP output.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

BUILD = os.environ.get("top_builddir", ".")
CLI = os.path.join(BUILD, "tests", "store_cli")

_n = 0
_failed = 0


def ok(cond, desc, diag=None):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", _n, desc))
    if not cond and diag is not None:
        for line in str(diag).splitlines():
            print("#   " + line)
    sys.stdout.flush()


def run(uri, *args):
    return subprocess.run([CLI, "-t", "2000", uri] + list(args), capture_output=True, text=True,
                          timeout=30)


def write(tmp, name, lines):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def rows(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def main():
    if not os.access(CLI, os.X_OK):
        # make check builds it first: missing, it is a broken build, not a dependency to skip
        print("not ok 1 - %s is built\n1..1" % CLI)
        return 1
    with tempfile.TemporaryDirectory(prefix="sb_store_sqlite.") as tmp:
        db = os.path.join(tmp, "history.db")
        uri = "sqlite:" + db
        p = run(uri, "start")
        ok(p.returncode == 0, "start", p.stderr)
        p = run(uri, "start")
        ok(p.returncode == 0, "start again", p.stderr)
        tables = sorted(r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type='table'"))
        layers = ["BORDE", "BRAS", "CACHING", "RAI", "IXP", "IPBRAS"]
        ok(tables == sorted(["%s_HISTORY%s" % (l, s) for l in layers
                             for s in ("", "_30M", "_2H", "_1D")] + ["DAILY_SUMMARY_HISTORY"]),
           "the 25 tables: each layer's, its coarser ones, the summaries", tables)
        ok(rows(db, "PRAGMA journal_mode") == [("wal",)], "WAL journal")

        def index(name):
            info = rows(db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", name)
            uniq = rows(db, "SELECT \"unique\" FROM pragma_index_list("
                        "(SELECT tbl_name FROM sqlite_master WHERE name = ?)) WHERE name = ?",
                        name, name)
            return [r[0] for r in info], bool(uniq and uniq[0][0])
        want = {"ixp_by_date_index": (["date"], False),
                "ip_bras_by_date_index": (["date"], False),
                "daily_summary_by_date_index": (["date"], False),
                "daily_summary_by_date_typelayer_index": (["date", "typeLayer"], False)}
        got = {k: index(k) for k in want}
        ok(got == want, "secondary index names, key orders and uniqueness", got)

        def pk(table):
            return [r[0] for r in rows(db, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table)]
        got = {t: pk(t) for t in ("IXP_HISTORY", "IPBRAS_HISTORY", "DAILY_SUMMARY_HISTORY")}
        ok(got == {"IXP_HISTORY": ["name", "type", "date", "time"],
                   "IPBRAS_HISTORY": ["brasname", "date", "time", "type"],
                   "DAILY_SUMMARY_HISTORY": ["name", "typeLayer", "type", "date"]},
           "primary keys are the unique indexes' fields in their order", got)
        cols = rows(db, "SELECT name, type FROM pragma_table_info('DAILY_SUMMARY_HISTORY')")
        ok(cols == [("name", "TEXT"), ("type", "TEXT"), ("date", "TEXT"), ("typeLayer", "TEXT"),
                    ("capacity", "REAL"), ("inProm", "REAL"), ("inMaxProm", "REAL"),
                    ("outProm", "REAL"), ("outMaxProm", "REAL"), ("use", "REAL"),
                    ("samples", "INTEGER"), ("resolution", "INTEGER")], "summary columns", cols)

        lines = ["if-%d;CISCO;2026-01-02;%02d:%02d:00;10;%d;%d;%d;%d"
                 % (i % 3, (i // 3) * 5 // 60, (i // 3) * 5 % 60, i, i + 1, i + 2, i + 3)
                 for i in range(3 * 288)]
        hist = write(tmp, "rai.txt", lines)
        p = run(uri, "put-history", "RAI", hist)
        ok(p.returncode == 0 and "stored 864 rows" in p.stdout, "put 864 RAI rows", p.stderr)
        p = run(uri, "put-history", "RAI", hist)
        ok(p.returncode == 0, "put them again", p.stderr)
        ok(rows(db, "SELECT count(*) FROM RAI_HISTORY") == [(864,)], "still 864 rows")
        types = rows(db, "SELECT DISTINCT typeof(name), typeof(date), typeof(time), "
                     "typeof(capacity), typeof(inProm), typeof(outMaxProm) FROM RAI_HISTORY")
        ok(types == [("text", "text", "text", "real", "integer", "integer")],
           "strings text, capacity real, measures integer", types)
        lines[0] = "if-0;CISCO;2026-01-02;00:00:00;40;7000000000;1;2;3"
        write(tmp, "rai.txt", lines)
        p = run(uri, "put-history", "RAI", hist)
        r = rows(db, "SELECT capacity, inProm, inMaxProm, outProm, outMaxProm FROM RAI_HISTORY "
                 "WHERE name = 'if-0' AND time = '00:00:00'")
        ok(p.returncode == 0 and r == [(40.0, 7000000000, 1, 2, 3)],
           "a changed row is updated in place (64-bit value kept)", r)

        # WAL: a reader with an open transaction does not block the writer.
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM RAI_HISTORY").fetchall()
        ip = write(tmp, "ipbras.txt", ["BRAS-2;ZTE;2026-01-02;00:05:00;0;5000;5100",
                                       "BRAS-1;HUAWEI;2026-01-02;00:05:00;0;4000;4100"])
        p = run(uri, "put-history", "IPBRAS", ip)
        ok(p.returncode == 0, "writing while a reader is open", p.stderr)
        reader.rollback()
        reader.close()
        r = rows(db, "SELECT * FROM IPBRAS_HISTORY ORDER BY brasname")
        ok(r == [("BRAS-1", "HUAWEI", "2026-01-02", "00:05:00", 0.0, 4000, 4100),
                 ("BRAS-2", "ZTE", "2026-01-02", "00:05:00", 0.0, 5000, 5100)],
           "IPBRAS rows: brasname and no out columns", r)
        p = run(uri, "query-history", "IPBRAS", "2026-01-02", "2026-01-02")
        ok(p.stdout.splitlines() == ["BRAS-1;HUAWEI;2026-01-02;00:05:00;0;4000;4100",
                                     "BRAS-2;ZTE;2026-01-02;00:05:00;0;5000;5100"],
           "query-history IPBRAS ordered by brasname", p.stdout + p.stderr)
        p = run(uri, "query-history", "RAI", "2026-01-02", "2026-01-02", "if-1", "CISCO")
        out = p.stdout.splitlines()
        ok(len(out) == 288 and out == sorted(out) and out[0].startswith("if-1;CISCO;2026-01-02;00:00:00"),
           "query-history of one interface: 288 rows in time order", out[:2])

        summ = write(tmp, "summary.txt", [
            "if-b;CISCO;2026-01-02;BORDE;10;1.5;2.5;3.5;4.5;45;288",
            "if-a;HUAWEI;2026-01-02;BORDE;0;1;2;3;4;null",
            "if-a;CISCO;2026-01-03;BORDE;10;1;2;3;4;40;288",
            "BRAS-1;HUAWEI;2026-01-02;IPBRAS;0;4000;4100;0;0;0;288"])
        p = run(uri, "put-summary", summ)
        ok(p.returncode == 0, "put-summary", p.stderr)
        p = run(uri, "put-summary", summ)
        ok(rows(db, "SELECT count(*) FROM DAILY_SUMMARY_HISTORY") == [(4,)], "reload: 4 rows")
        r = rows(db, "SELECT use, samples, typeof(inProm) FROM DAILY_SUMMARY_HISTORY "
                 "WHERE name = 'if-a' AND type = 'HUAWEI'")
        ok(r == [(None, None, "real")], "use NULL without capacity; samples NULL when unknown", r)
        p = run(uri, "query-summary", "2026-01-01", "2026-01-31")
        ok(p.stdout.splitlines() == [
            "if-a;CISCO;2026-01-03;BORDE;10;1;2;3;4;40;288",
            "if-b;CISCO;2026-01-02;BORDE;10;1.5;2.5;3.5;4.5;45;288",
            "if-a;HUAWEI;2026-01-02;BORDE;0;1;2;3;4;null;-1",
            "BRAS-1;HUAWEI;2026-01-02;IPBRAS;0;4000;4100;0;0;0;288"],
           "query-summary ordered by layer, type, name, date", p.stdout + p.stderr)
        p = run(uri, "query-summary", "2026-01-03", "-", "BORDE")
        ok(len(p.stdout.splitlines()) == 1, "query-summary from a date, one layer", p.stdout)

        p = run(uri, "drop")
        ok(p.returncode == 0 and rows(db, "SELECT count(*) FROM sqlite_master") == [(0,)],
           "drop removes tables and indexes", p.stderr)

        fresh = os.path.join(tmp, "fresh.db")
        p = run("sqlite:" + fresh, "put-history", "IPBRAS", ip)
        ok(p.returncode == 0 and rows(fresh, "SELECT count(*) FROM IPBRAS_HISTORY") == [(2,)],
           "a fresh file works without start (table created on first put)", p.stderr)
        ok(len(rows(fresh, "SELECT name FROM sqlite_master WHERE name = 'ip_bras_by_date_index'")) == 1
           and len(rows(fresh, "SELECT name FROM pragma_table_info('IPBRAS_HISTORY') WHERE pk > 0")) == 4,
           "... with its key and index")
        p = run("sqlite:" + fresh, "query-summary", "-", "-")
        ok(p.returncode == 0 and p.stdout == "", "query of a missing table: no rows", p.stderr)

        junk = write(tmp, "junk.db", ["not a database " * 300])
        p = run("sqlite:" + junk, "start")
        ok(p.returncode != 0 and "not a database" in p.stderr and junk in p.stderr,
           "corrupt file: clean error naming it", p.stderr)
        p = run("sqlite:" + os.path.join(tmp, "missing", "x.db"), "start")
        ok(p.returncode != 0 and "cannot open" in p.stderr, "missing directory: clean error",
           p.stderr)
        bad = write(tmp, "bad.txt", ["if-a;CISCO;2026-01-02;00:05:00;ten;1;2;3;4"])
        p = run(uri, "put-history", "RAI", bad)
        ok(p.returncode != 0 and "bad.txt:1" in p.stderr, "bad input line: driver names it",
           p.stderr)
    print("1..%d" % _n)
    return 0 if _failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
