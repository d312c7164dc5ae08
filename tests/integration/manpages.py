#!/usr/bin/python3
"""manpages.py - the manual pages (man/scanbackup.1, man/scanbackup.env.5) against the program:
both render without a warning (groff -ww, and man -l --warnings at 80 columns); scanbackup(1)
names every command of `scanbackup --help` and every option of each command's --help; the
settings page documents every key `scanbackup config` prints, and every key it documents is one
the engine reads. TAP output."""

import os
import re
import subprocess

import sbtest

t = sbtest.Tap()
MAN1 = os.path.join(sbtest.TOP_SRCDIR, "man", "scanbackup.1")
MAN5 = os.path.join(sbtest.TOP_SRCDIR, "man", "scanbackup.env.5")
PAGE1 = sbtest.read(MAN1)
PAGE5 = sbtest.read(MAN5)


def groff(path):
    r = subprocess.run(["groff", "-mandoc", "-ww", "-z", path], capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and r.stderr == "", "%s: groff -ww renders it without a warning"
         % os.path.basename(path), r.stderr)


def man(path):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
    r = subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True, env=env, timeout=60)
    t.ok(r.returncode == 0 and r.stderr == "" and len(r.stdout.splitlines()) > 40,
         "%s: man -l --warnings renders it without a warning" % os.path.basename(path), r.stderr)
    return r.stdout


for page in (MAN1, MAN5):
    name = os.path.basename(page)
    t.case("%s: groff -ww renders it without a warning" % name, groff, page, needs=("groff",))
    t.case("%s: man -l --warnings renders it without a warning" % name, man, page, needs=("man",))


# ---- scanbackup(1): every command and option of the program's own help ----
def helptext(*args):
    r = sbtest.run(list(args) + ["--help"])
    return r.stdout + r.stderr


top = helptext()
commands = re.findall(r"^  ([a-z][a-z-]+) {2,}", top.split("commands:", 1)[-1], re.M)
t.ok(len(commands) >= 15, "scanbackup --help lists the commands", top)
NM = r"^(?:\.It |\.)Nm "  # a command entry: ".Nm run" (inside Xo) or ".It Nm config"
documented = set(re.findall(NM + r"([a-z][a-z-]+)", PAGE1, re.M)) | \
    set(w for line in re.findall(NM + r"([a-z |-]+)$", PAGE1, re.M) for w in line.split(" | "))
missing = [c for c in commands if c not in documented]
t.ok(not missing, "scanbackup(1) has an entry for each of the %d commands" % len(commands),
     "missing: %s" % missing)

# Subcommands named in the help of their command: updater data|daily|probes|sources, database
# start|drop, monitor start|stop|status|run|check, user add|passwd|del|list.
subs = {"updater": ["data", "daily", "probes", "sources"], "database": ["start", "drop"],
        "monitor": ["start", "stop", "status", "run", "check"], "user": ["add", "passwd", "del", "list"]}
bad = []
for cmd, words in subs.items():
    h = helptext(cmd)
    for w in words:
        if not re.search(r"\b%s\b" % w, h):
            bad.append("%s --help does not name %s" % (cmd, w))
        if not re.search(NM + r"%s (\S+ \| )*%s\b" % (cmd, w), PAGE1, re.M):
            bad.append("scanbackup(1) has no entry for %s %s" % (cmd, w))
t.ok(not bad, "scanbackup(1) has an entry for each subcommand", "\n".join(bad))

options = {}
for cmd in commands:
    for opt in re.findall(r"(?<![\w-])--([a-z][a-z-]+)", helptext(cmd)):
        options.setdefault(opt, set()).add(cmd)
in_page = set(re.findall(r"\bFl -([a-z][a-z-]+)", PAGE1))
missing = sorted("--%s (%s)" % (o, ", ".join(sorted(c))) for o, c in options.items() if o not in in_page)
t.ok(len(options) >= 25 and not missing,
     "scanbackup(1) documents every option of every command's --help (%d options)" % len(options),
     "missing: %s" % missing)
exits = re.search(r"^\.Sh EXIT STATUS\n(.*?)^\.Sh", PAGE1, re.M | re.S)
t.ok(exits is not None and all(re.search(r"^\.It %d$" % n, exits.group(1), re.M) for n in (0, 1, 2, 3)),
     "scanbackup(1): the exit statuses 0, 1, 2 and 3")
t.ok(all(("\n.Sh %s\n" % s) in PAGE1 for s in ("ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO")),
     "scanbackup(1): ENVIRONMENT, FILES, EXIT STATUS and SEE ALSO sections")

# ---- scanbackup.env(5): the keys of `scanbackup config` and the keys the engine reads ----
root = sbtest.tempdir("sbman-")
r = sbtest.run(["config"], root=root)
config_keys = re.findall(r"^([A-Z][A-Z0-9_]+)=", r.stdout, re.M)
t.ok(r.returncode == 0 and len(config_keys) >= 30, "scanbackup config prints the settings", r.stdout + r.stderr)
page_keys = re.findall(r"^\.It Ev ([A-Z][A-Z0-9_]+)(?: Pq (.+))?$", PAGE5, re.M)
typed = {k: ty for k, ty in page_keys}
missing = [k for k in config_keys if k not in typed]
t.ok(not missing, "scanbackup.env(5) documents every key scanbackup config prints (%d)" % len(config_keys),
     "missing: %s" % missing)
untyped = [k for k in config_keys if k in typed and not typed[k]]
t.ok(not untyped, "each with its type", "without a type: %s" % untyped)
nodefault = []
for k in config_keys:
    m = re.search(r"^\.It Ev %s .*?\n(.*?)(?=^\.It |^\.El)" % k, PAGE5, re.M | re.S)
    if m is None or "Default" not in m.group(1):
        nodefault.append(k)
t.ok(not nodefault, "each with its default", "without a default: %s" % nodefault)


def source_literals():
    """The string literals naming settings in the engine's and the scripts' sources."""
    found = set()
    for top_dir in ("core", "scripts"):
        for dirpath, _, files in os.walk(os.path.join(sbtest.TOP_SRCDIR, top_dir)):
            for f in files:
                if f.endswith((".c", ".h", ".lua")):
                    found |= set(re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", sbtest.read(os.path.join(dirpath, f))))
    return found


read_by_engine = source_literals() | set(config_keys)
extra = [k for k, _ in page_keys if k not in config_keys]
unread = [k for k in extra if k not in read_by_engine and k != "SCAN_URL_"]
t.ok(not unread, "every other key the page documents is read by the engine (%s)" % ", ".join(extra),
     "documented but never read: %s" % unread)
t.done()
