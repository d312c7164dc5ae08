#!/usr/bin/python3
"""settings.py - the one settings table, through the program: docs/settings.md holds exactly the
rows of `scanbackup config --doc`, `scanbackup config` prints every key of them; a misspelt key, a
bad time zone and a bad number in a .env are refused naming file:line (and the key or zone meant);
the environment: a bad value named, a misspelt variable of the engine's families warned about, an
unrelated one left alone; the MONITOR_ keys typed like the others. TAP output.

With --write it rewrites the table of docs/settings.md from the program instead (make
settings-doc)."""

import os
import re
import sys

import sbtest

DOC = os.path.join(sbtest.TOP_SRCDIR, "docs", "settings.md")
BEGIN = "<!-- the rows below are `scanbackup config --doc`; tests/integration/settings.py checks them -->\n"
END = "<!-- end of `scanbackup config --doc` -->\n"


def doc_rows():
    r = sbtest.run(["config", "--doc"])
    return r, r.stdout


def split_doc(text):
    """(before, table, after) of docs/settings.md, or None when the markers are missing."""
    if BEGIN not in text or END not in text:
        return None
    head, rest = text.split(BEGIN, 1)
    table, tail = rest.split(END, 1)
    return head, table, tail


if len(sys.argv) > 1 and sys.argv[1] == "--write":
    r, rows = doc_rows()
    parts = split_doc(sbtest.read(DOC))
    if r.returncode != 0 or parts is None:
        sys.exit("settings.py --write: %s" % (r.stderr or "the markers are missing in " + DOC))
    with open(DOC + ".tmp", "w") as f:
        f.write(parts[0] + BEGIN + rows + END + parts[2])
    os.replace(DOC + ".tmp", DOC)
    print("wrote the table of %s" % DOC)
    sys.exit(0)

t = sbtest.Tap()

# ---- docs/settings.md is the table ----
r, rows = doc_rows()
parts = split_doc(sbtest.read(DOC))
t.ok(r.returncode == 0 and rows.startswith("| key | type | default | meaning |"), "config --doc prints the table",
     r.stdout + r.stderr)
t.ok(parts is not None and parts[1] == rows,
     "docs/settings.md holds exactly the rows of config --doc (make settings-doc rewrites them)",
     "docs:\n%s\nprogram:\n%s" % (parts[1] if parts else "(no markers)", rows))
keys = re.findall(r"^\| `([A-Z][A-Z0-9_]*)\*?`", rows, re.M)
t.ok(len(keys) >= 50 and all(k in keys for k in ("MONITOR_PARALLEL", "MONITOR_TOKEN", "SERVE_THREADS",
                                                 "REPORT_TIMEOUT", "TIMEZONE")),
     "the table holds every family of keys (%d)" % len(keys), keys)
bad_rows = [line for line in rows.splitlines()[2:] if len(line.split(" | ")) != 4 or " |  | " in line]
t.ok(not bad_rows, "each row has a type, a default and a meaning", bad_rows)

root = sbtest.tempdir("sbset-")
r = sbtest.run(["config"], root=root)
printed = re.findall(r"^([A-Z][A-Z0-9_]*)=", r.stdout, re.M)
missing = [k for k in keys if k != "SCAN_URL_" and k not in printed]
t.ok(r.returncode == 0 and not missing, "scanbackup config prints every key of the table", missing)


# ---- the file: refused with file:line ----
def config_with(text, env=None, args=("config",)):
    sbtest.write(os.path.join(root, ".env"), text)
    return sbtest.run(list(args), root=root, env=env)


envf = os.path.join(os.path.realpath(root), ".env")
r = config_with("TIMEZONE=UTC\n# the dashboard\nSERVE_THRAEDS=8\n")
t.ok(r.returncode == 1 and "%s:3: unknown setting SERVE_THRAEDS (did you mean SERVE_THREADS?)" % envf in r.stderr,
     "a misspelt key: refused with file:line and the key meant", r.stderr)
r = config_with("MONITOR_SYNC_INTERVALL=5\n")
t.ok(r.returncode == 1 and ":1: unknown setting MONITOR_SYNC_INTERVALL (did you mean MONITOR_SYNC_INTERVAL?)"
     in r.stderr, "a MONITOR_ key too", r.stderr)
r = config_with("SCAN_PARALLEL=8\nTIMEZONE=America/Caracs\n")
t.ok(r.returncode == 1 and "%s:2: TIMEZONE=\"America/Caracs\": expected a time zone" % envf in r.stderr and
     "did you mean America/Caracas?" in r.stderr, "a misspelt TIMEZONE: refused, not taken as UTC", r.stderr)
r = config_with("TIMEZONE=Caracas\n")
t.ok(r.returncode == 1 and ":1: TIMEZONE=\"Caracas\"" in r.stderr and "America/Caracas" in r.stderr,
     "a city without its region: refused, the zone named", r.stderr)
r = config_with("TZ=Nowhere/Atall\n")
t.ok(r.returncode == 1 and ":1: TZ=\"Nowhere/Atall\": expected a time zone" in r.stderr,
     "TZ in the file is checked too", r.stderr)
r = config_with("DB_TIMEOUT=10\nSCAN_TIMEOUT=ten\n")
t.ok(r.returncode == 1 and "%s:2: SCAN_TIMEOUT=\"ten\": expected a whole number from 1 to 3600" % envf in r.stderr,
     "a bad number: refused with file:line and what was expected", r.stderr)
r = config_with("\n\nMONITOR_STOP_GRACE=-1\n")
t.ok(r.returncode == 1 and ":3: MONITOR_STOP_GRACE=\"-1\": expected a number from 0 to 3600" in r.stderr,
     "a number out of range", r.stderr)
r = config_with("MONITOR_PARALLEL=many\n", args=("monitor", "status"))
t.ok(r.returncode == 1 and ":1: MONITOR_PARALLEL=\"many\": expected a whole number" in r.stderr,
     "the monitor's keys stop the monitor's commands as well", r.stderr)
r = config_with("LOG_LEVEL=verbose\n")
t.ok(r.returncode == 1 and ":1: LOG_LEVEL=\"verbose\": expected error, warning, info or debug" in r.stderr,
     "a log level", r.stderr)
r = config_with("TIMEZONE=<-04>4\nMONITOR_SYNC_INTERVAL=2.5\nSCAN_URL_BORDE_HUAWEI=http://portal/b\n")
t.ok(r.returncode == 0 and "TIMEZONE=<-04>4\n" in r.stdout and "MONITOR_SYNC_INTERVAL=2.5\n" in r.stdout and
     "SCAN_URL_BORDE_HUAWEI=http://portal/b\n" in r.stdout, "a POSIX rule, a number and a family key are taken",
     r.stdout + r.stderr)

# the monitor reads its typed keys: MONITOR_CONFIG names the file `monitor check` checks
sbtest.write(os.path.join(root, "box.json"), '{"id": 3, "sleep_time": 5, "tests": {}, "links": {}}\n')
r = config_with("MONITOR_CONFIG=box.json\n", args=("monitor", "check"))
t.ok(r.returncode == 0 and "box.json: monitor 3" in r.stdout, "MONITOR_CONFIG is the monitor's file",
     r.stdout + r.stderr)

# ---- the environment ----
r = config_with("TIMEZONE=UTC\n", env={"TIMEZONE": "Mars/Olympus"})
t.ok(r.returncode == 1 and "environment variable TIMEZONE: TIMEZONE=\"Mars/Olympus\": expected a time zone" in r.stderr,
     "a bad value in the environment names the variable", r.stderr)
r = config_with("TIMEZONE=UTC\n", env={"SCAN_PARALLEL": "4", "SERVE_THRAEDS": "8", "MY_OWN_THING": "1",
                                        "SCAN_URL_IXP": "http://portal/ixp"})
t.ok(r.returncode == 0 and "SCAN_PARALLEL=4\n" in r.stdout and "SCAN_URL_IXP=http://portal/ixp\n" in r.stdout,
     "the environment overrides the file; a family key is taken", r.stdout + r.stderr)
t.ok("warning: environment variable SERVE_THRAEDS is no setting (did you mean SERVE_THREADS?): ignored"
     in r.stderr and "SERVE_THREADS=4\n" in r.stdout, "a misspelt variable of the engine's families: a warning",
     r.stderr)
t.ok("MY_OWN_THING" not in r.stderr and "SCAN_URL_IXP" not in r.stderr and "SCAN_PARALLEL" not in r.stderr,
     "nothing said about an unrelated variable or a known one", r.stderr)
t.done()
