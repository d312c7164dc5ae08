#!/usr/bin/python3
"""migrating.py - the old tool's users keep their habits. The make fragment (contrib/scanbackup.mk,
as a root's Makefile) run as cron runs it, with no terminal: `make clean-data` refuses to delete
without an answer, `make clean-data YES=1` deletes what the store holds; `DATE=` reaches the
targets that take a day. docs/migrating.md is linked from the README, names every make target,
`python -m scanbackup.*` command and .env key of the old manual, and every make target and
scanbackup command it gives as the new form exists. Real files, real SQLite, GNU make. TAP."""

import os
import re
import shutil
import subprocess

import sbtest
import sbweb

t = sbtest.Tap()
D = sbweb.EXAMPLE_DATE
MK = os.path.join(sbtest.TOP_SRCDIR, "contrib", "scanbackup.mk")
DOC = sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "docs", "migrating.md"))
README = sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "README.md"))

# The old manual's make targets, `python -m` commands and settings (its sections 2 to 4).
OLD_TARGETS = ["setup", "run", "run-dev", "setup-files", "run-scan", "run-daily", "run-base",
               "run-updater", "run-updater-dev", "clean-data", "updater-sources"]
OLD_MODULES = ["python3 -m scanbackup.routines.daily", "python3 -m scanbackup.updater data",
               "python3 -m scanbackup.updater daily", "python3 -m scanbackup.updater sources",
               "python3 -m scanbackup.database start", "python3 -m scanbackup.database drop",
               "python3 -m scanbackup diario", "python3 -m scanbackup semanal",
               "python3 -m scanbackup quincenal", "python3 -m scanbackup mensual",
               "scanner.sh <FECHA> <CAPA>", "python -m scanbackup.routines.daily",
               "python -m scanbackup.updater data"]
OLD_KEYS = ["URI_MONGO", "PWDSCANBACKUP", "USERSCAN", "PASSWORDSCAN", "SCAN_USERNAME",
            "SCAN_PASSWORD", "SCAN_URL_BORDE_HUAWEI", "SCAN_URL_BORDE_CISCO",
            "SCAN_URL_BORDE_JUNIPER", "SCAN_URL_BRAS_HUAWEI", "SCAN_URL_CACHING_HUAWEI",
            "SCAN_URL_RAI_HUAWEI", "SCAN_URL_RAI_ZTE", "SCAN_URL_IPBRAS", "SCAN_URL_IXP",
            ".env.development"]

make = shutil.which("make")
root = sbtest.tempdir("sbmig-")
src = os.path.join(sbtest.TOP_SRCDIR, "examples")
for name in ("sources", "mrtg"):
    shutil.copytree(os.path.join(src, name), os.path.join(root, name))
shutil.copy(os.path.join(src, ".env"), os.path.join(root, ".env"))
shutil.copy(MK, os.path.join(root, "Makefile"))


def cron_make(*args):
    """make in the root as cron runs it: no terminal, PWDSCANBACKUP set, the binary named."""
    e = dict(os.environ, PWDSCANBACKUP=root, MODULES_DIR=sbtest.MODULES_DIR)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DATE", "YES"):
        e.pop(k, None)
    return subprocess.run([make, "-s", "SCANBACKUP=" + sbtest.SCANBACKUP] + list(args), cwd=root,
                          env=e, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


p = cron_make("run", "DATE=" + D)
t.ok(p.returncode == 0 and "updater daily: %s: 16 summaries" % D in p.stdout,
     "make run DATE=D: the nightly job of that day", p.stdout + p.stderr)
p = cron_make("run-scan", "DATE=" + D)
stored_again = sbtest.spool_files(root, None, D)
t.ok(p.returncode == 0 and len(stored_again) == 6,
     "make run-scan DATE=D: the day spooled again (already in the store)", (p.stdout, stored_again))

p = cron_make("clean-data")
t.ok(p.returncode != 0 and "nothing deleted (confirm on a terminal, or pass --yes)" in p.stderr and
     sbtest.spool_files(root, None, D) == stored_again,
     "make clean-data from cron: nobody answers, nothing deleted, make fails", p.stdout + p.stderr)
p = cron_make("clean-data", "YES=1")
t.ok(p.returncode == 0 and sbtest.spool_files(root) == [],
     "make clean-data YES=1: what the store holds is deleted", p.stdout + p.stderr)

p = cron_make("run-scan", "DATE=2026-10-01")
t.ok(p.returncode != 0 and "nothing collected" in p.stdout,
     "make run-scan of a day with no sample stops make (exit 4 is no success)", p.stdout)
p = cron_make("quincenal-segunda", "DATE=2026-11-30")
t.ok(p.returncode == 0 and "Data_Quincenal_Segunda_BBIP.xlsx" in p.stdout,
     "make quincenal-segunda: the second fortnight's workbook", p.stdout + p.stderr)

# ---- docs/migrating.md ----
t.ok("docs/migrating.md" in README, "the README links docs/migrating.md")
missing = [x for x in OLD_TARGETS if "`make %s`" % x not in DOC]
t.eq(missing, [], "every make target of the old manual has its line")
missing = [x for x in OLD_MODULES if x not in DOC]
t.eq(missing, [], "every routine and python -m command of the old manual has its line")
missing = [x for x in OLD_KEYS if x not in DOC]
t.eq(missing, [], "every .env key and shell variable of the old manual has its line")

rows = "\n".join(line for line in DOC.splitlines() if line.startswith("|"))
targets = sorted(set(re.findall(r"`make ([a-z][a-z-]*)", rows)))
bad = []
for target in targets:
    p = subprocess.run([make, "-n", "-f", MK, target, "SCANBACKUP=scanbackup"],
                       capture_output=True, text=True, cwd=root)
    if p.returncode != 0:
        bad.append("%s: %s" % (target, p.stderr.strip()))
t.ok(len(targets) >= len(OLD_TARGETS) and not bad,
     "every make target the document's tables name exists (%d)" % len(targets), bad)

# the new forms: every `scanbackup COMMAND [SUBCOMMAND]` the document gives is a command
subs = {"updater": ("data", "daily", "sources"), "database": ("start", "drop")}
forms = set()
for m in re.finditer(r"`scanbackup (?:--root R )?([a-z-]+)(?: ([a-z]+))?", DOC):
    cmd, sub = m.group(1), m.group(2)
    forms.add((cmd, sub if cmd in subs else None))
bad = []
for cmd, sub in sorted(forms, key=lambda f: (f[0], f[1] or "")):
    if cmd in subs and sub not in subs[cmd]:
        bad.append("%s %s: not one of %s" % (cmd, sub, subs[cmd]))
        continue
    args = [cmd] + ([sub] if sub and cmd != "updater" else []) + ["--help"]
    p = sbtest.run(args, root=root)
    if p.returncode != 0:
        bad.append("%s: exit %d %s" % (" ".join(args), p.returncode, p.stderr.strip()))
t.ok(len(forms) >= 12 and not bad, "every scanbackup command the document gives exists (%d)" %
     len(forms), bad)
p = sbtest.run(["updater", "sources", "--ixp", "--help"], root=root)
t.eq(p.returncode, 0, "updater sources takes --ixp, as the document says", p.stderr)
t.done()
