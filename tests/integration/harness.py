#!/usr/bin/python3
"""harness.py - the test harness itself: what tests/tap.h and sbtest.py print for passing,
failing and skipped checks, that automake's TAP driver counts a skip as a skip, that
tests/results.sh counts and names them and fails on any, and that a real test with a dependency
taken away (SB_TEST_WITHOUT) runs what it can and reports the rest as named skips. TAP output."""

import os
import subprocess
import sys
import textwrap

import sbtest

t = sbtest.Tap()
SELFTEST = os.path.join(sbtest.TOP_BUILDDIR, "tests", "tap_selftest")
DRIVER = os.path.join(sbtest.TOP_SRCDIR, "build-aux", "tap-driver.sh")
RESULTS = os.path.join(sbtest.TOP_SRCDIR, "tests", "results.sh")
HERE = os.path.dirname(os.path.abspath(__file__))


def selftest(mode):
    return subprocess.run([SELFTEST, mode], capture_output=True, text=True, timeout=30)


# ---- tests/tap.h ----
r = selftest("pass")
t.ok(r.returncode == 0 and r.stdout == "ok 1 - first\nok 2 - last\n1..2\n", "tap.h: passing checks, exit 0",
     r.stdout)
r = selftest("fail")
t.ok(r.returncode == 1 and r.stdout.startswith("ok 1 - first\nnot ok 2 - arithmetic\n") and
     "#   got 4, want 5\n" in r.stdout and r.stdout.endswith("1..2\n"),
     "tap.h: a failing check says what differed, exit 1", r.stdout)
r = selftest("skip")
t.ok(r.returncode == 0 and r.stdout ==
     "ok 1 - first\nok 2 - needs thing 7 # SKIP no such thing here\nok 3 - last\n1..3\n",
     "tap.h: skip() prints a named, counted skip with its reason", r.stdout)
r = selftest("rest")
t.ok(r.returncode == 0 and r.stdout.startswith("ok 1 - first\nok 2 - the rest of ") and
     "tap_selftest.c from line " in r.stdout and " # SKIP thing is missing\n" in r.stdout and
     r.stdout.endswith("1..2\n") and "last" not in r.stdout,
     "tap.h: skip_rest() names where it stopped, gives the reason and ends the program", r.stdout)

# ---- sbtest.py ----
SCRIPT = textwrap.dedent("""\
    import sys
    sys.path.insert(0, %r)
    import sbtest
    t = sbtest.Tap()
    t.ok(True, "first # not a directive")
    t.case("needs openpyxl", lambda: t.ok(True, "ran with openpyxl"), needs=("openpyxl",))
    t.case("needs nothing", lambda: t.ok(True, "ran"))
    t.case("raises", lambda: 1 / 0)
    def detail(c):
        c.ok(True, "good detail")
        c.eq(1, 2, "A1")
        c.ok(False, "B2", "got x")
    t.check("a workbook", detail)
    t.check("a clean workbook", lambda c: c.ok(True, "fine"))
    if len(sys.argv) > 1:
        t.skip_rest("no " + sys.argv[1], ["case a", "case b"])
    t.done()
    """) % HERE


def script(*args, without=""):
    env = dict(os.environ, SB_TEST_WITHOUT=without)
    return subprocess.run([sbtest.PYTHON3, "-c", SCRIPT] + list(args), capture_output=True, text=True,
                          env=env, timeout=60)


r = script(without="openpyxl")
lines = r.stdout.splitlines()
t.eq(lines[:3], ["ok 1 - first \\# not a directive",
                 "ok 2 - needs openpyxl # SKIP missing python3-openpyxl (python module openpyxl)",
                 "ok 3 - ran"],
     "sbtest: a case whose dependency is missing is one named skip; '#' in a name is escaped", r.stdout)
t.ok(lines[3:5] == ["not ok 4 - raises: ran to its end", "#   Traceback (most recent call last):"] and
     "ZeroDivisionError" in r.stdout, "sbtest: a case that raises is a failed check with the traceback",
     r.stdout)
i = lines.index("not ok 5 - a workbook") if "not ok 5 - a workbook" in lines else -1
t.ok(i > 0 and lines[i + 1:i + 4] == ["#   2 of 3 details differ:", "#   A1: got 1, want 2", "#   B2: got x"],
     "sbtest: check() reports many details as one check listing each that failed", r.stdout)
t.ok("ok 6 - a clean workbook" in lines and lines[-1] == "1..6" and r.returncode == 1,
     "sbtest: a clean check passes; the plan; exit 1 after a failure", r.stdout)
r = script()
t.ok("ok 2 - ran with openpyxl" in r.stdout.splitlines(), "sbtest: with the dependency the case runs", r.stdout)
r = script("thing", without="openpyxl")
lines = r.stdout.splitlines()
t.eq(lines[-3:], ["ok 7 - case a # SKIP no thing", "ok 8 - case b # SKIP no thing", "1..8"],
     "sbtest: skip_rest() reports each named case left and ends the script", r.stdout)
r = subprocess.run([sbtest.PYTHON3, "-c", "import sys; sys.path.insert(0, %r); import sbtest\n"
                    "t = sbtest.Tap(); t.ok(True, 'first'); {}['gone']\nt.ok(True, 'never')" % HERE],
                   capture_output=True, text=True, timeout=60)
lines = r.stdout.splitlines()
t.ok(lines[:3] == ["ok 1 - first", "not ok 2 - the script stopped: KeyError: 'gone'",
                   "#   Traceback (most recent call last):"] and lines[-1] == "1..2" and r.returncode == 1
     and "never" not in r.stdout,
     "sbtest: an exception outside any check is a failed check naming it, then the plan", r.stdout + r.stderr)

# ---- the TAP driver and tests/results.sh ----
tmp = sbtest.tempdir("sbharness-")


def drive(name, cmd):
    """Runs cmd under automake's TAP driver as make check does; returns the .trs text."""
    base = os.path.join(tmp, "build", name)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    subprocess.run(["sh", DRIVER, "--test-name", name, "--log-file", base + ".log", "--trs-file", base + ".trs",
                    "--color-tests", "no", "--enable-hard-errors", "yes", "--expect-failure", "no", "--"] + cmd,
                   env=dict(os.environ, AM_TAP_AWK="awk"), capture_output=True, text=True, timeout=60)
    return sbtest.read(base + ".trs")


trs = drive("selftest_skip", [SELFTEST, "skip"])
t.eq([ln for ln in trs.splitlines() if ln.startswith(":test-result:")],
     [":test-result: PASS", ":test-result: SKIP", ":test-result: PASS"],
     "the TAP driver counts tap.h's skip as a skip", trs)
trs = drive("selftest_rest", [SELFTEST, "rest"])
t.eq([ln for ln in trs.splitlines() if ln.startswith(":test-result:")], [":test-result: PASS", ":test-result: SKIP"],
     "and skip_rest() as one skip", trs)
drive("selftest_pass", [SELFTEST, "pass"])
r = subprocess.run(["sh", RESULTS, os.path.join(tmp, "build")], capture_output=True, text=True, timeout=60)
lines = r.stdout.splitlines()
t.ok(r.returncode == 1 and lines[-1] == "5 passed, 0 failed, 2 skipped",
     "results.sh: counts over every .trs; exit 1 when anything was skipped", r.stdout)
t.ok(any(ln.endswith("selftest_skip 2 - needs thing 7 # SKIP no such thing here") for ln in lines) and
     any("selftest_rest 2 - the rest of" in ln and ln.endswith("# SKIP thing is missing") for ln in lines),
     "results.sh: each skip listed above the count, with its name and reason", r.stdout)
for name in ("selftest_skip", "selftest_rest"):
    for ext in (".trs", ".log"):
        os.remove(os.path.join(tmp, "build", name + ext))
drive("selftest_fail", [SELFTEST, "fail"])
r = subprocess.run(["sh", RESULTS, os.path.join(tmp, "build")], capture_output=True, text=True, timeout=60)
t.ok(r.returncode == 1 and r.stdout.splitlines()[-1] == "3 passed, 2 failed, 0 skipped" and
     "FAIL: selftest_fail 2 - arithmetic" in r.stdout and "ERROR: selftest_fail - exited with status 1" in r.stdout,
     "results.sh: a failed check and the failing exit status are counted and named", r.stdout)
t.ok(any(ln.endswith(": #   got 4, want 5") for ln in r.stdout.splitlines()) and
     r.stdout.count("#   got") == 1, "results.sh: and the failed test's diagnostics shown", r.stdout)
os.remove(os.path.join(tmp, "build", "selftest_fail.trs"))
r = subprocess.run(["sh", RESULTS, os.path.join(tmp, "build")], capture_output=True, text=True, timeout=60)
t.ok(r.returncode == 0 and r.stdout == "2 passed, 0 failed, 0 skipped\n", "results.sh: all passed: exit 0",
     r.stdout)
empty = sbtest.tempdir("sbharness-empty-")
r = subprocess.run(["sh", RESULTS, os.path.join(tmp, "build"), empty], capture_output=True, text=True, timeout=60)
t.ok(r.returncode == 1 and r.stdout.splitlines()[-1] == "2 passed, 1 failed, 0 skipped" and
     "the suite did not run" in r.stdout, "results.sh: a build tree without results is a failure", r.stdout)

# ---- a real test with a dependency taken away ----
env = dict(os.environ, SB_TEST_WITHOUT="mockupdb")
r = subprocess.run([sbtest.PYTHON3, os.path.join(HERE, "store_mongo.py")], capture_output=True, text=True,
                   env=env, timeout=120)
lines = r.stdout.splitlines()
skips = [ln for ln in lines if " # SKIP " in ln]
ran = [ln for ln in lines if ln.startswith("ok ") and " # SKIP " not in ln]
t.ok(r.returncode == 0 and len(skips) == 8 and
     all(ln.endswith("# SKIP missing python3-mockupdb (python module mockupdb)") for ln in skips) and
     "ok 1 - start # SKIP" in skips[0] and len(ran) >= 8 and not any(ln.startswith("not ok") for ln in lines),
     "store_mongo.py without mockupdb: 8 named skips, the checks needing no server still run", r.stdout + r.stderr)
sys.stdout.flush()
t.done()
