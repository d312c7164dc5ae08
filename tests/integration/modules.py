#!/usr/bin/python3
"""modules.py - the module loader: the six layer modules, refusals (ABI, signature, missing
symbol, unresolved core function, duplicate name), a failing init, and a module's own hooks."""

import os
import re

import sbtest

t = sbtest.Tap()
ABI = int(re.search(r"^#define SB_MODULE_ABI (\d+)$",
                    sbtest.read(os.path.join(sbtest.TOP_SRCDIR, "include/scanbackup/scanbackup.h")),
                    re.M).group(1))
root = sbtest.tempdir()

r = sbtest.run(["modules"], root=root)
t.eq(r.returncode, 0, "scanbackup modules exits 0")
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
for name, layer in (("borde", "BORDE"), ("bras", "BRAS"), ("caching", "CACHING"), ("rai", "RAI"),
                    ("ixp", "IXP"), ("ipbras", "IPBRAS")):
    row = rows.get(name)
    t.ok(row is not None and row[1] == "layer" and row[2] == str(ABI) and row[3] == layer and row[4] == "ok"
         and row[5].endswith(name + ".la"), "module %s: layer %s, ABI %d, ok, its file" % (name, layer, ABI), r.stdout)

testmods = os.environ.get("SB_TEST_MODULES_DIR", os.path.join(sbtest.TOP_BUILDDIR, "tests/modules"))
r = sbtest.run(["modules"], root=root, env={"MODULES_DIR": testmods})
t.eq(r.returncode, 0, "refused modules do not stop the command")
out, err = r.stdout, r.stderr
rows = {l.split()[0]: l.split() for l in out.splitlines()[2:] if l.strip()}
t.ok("testlayer" in rows and rows["testlayer"][4] == "ok", "the good test module is loaded", out)
t.ok("failinit" in rows and rows["failinit"][4] == "disabled", "a failing init leaves the module disabled", out)
t.ok("init of module failinit failed" in err, "the failing init is reported", err)
for bad in ("badabi", "badsig", "nosym", "undef", "abiskew", "oldabi"):
    t.ok(bad not in rows, "%s is refused" % bad)
t.ok("badabi.la: built for module ABI 999, this scanbackup has ABI %d" % ABI in err, "ABI refusal names the file and both versions", err)
t.ok("badsig.la: ABI %d but signature 0x3039" % ABI in err, "signature refusal names the file and both signatures", err)
t.ok(re.search(r"abiskew\.la: ABI \d+ but signature 0x[0-9a-f]+, this scanbackup has 0x[0-9a-f]+", err),
     "a module built against a header whose shared struct changed is refused, the file named", err)
t.ok("abiskew" not in out, "and it is not listed", out)
t.ok(ABI >= 2 and "oldabi.la: built for module ABI 1, this scanbackup has ABI %d" % ABI in err,
     "a module of ABI 1 (whose store hook would abort) is refused by its number", err)
t.ok("nosym.la: no sb_module symbol" in err, "a missing descriptor is named", err)
t.ok("undef.la: cannot load" in err and "sb_function_from_a_future_core" in err, "an unresolved core function is named", err)
t.ok("module name 'testlayer' is already taken" in err and "zdupname.la" in err, "a duplicate name is refused", err)

r = sbtest.run(["modules"], root=root, env={"MODULES_DIR": "/nonexistent/modules"})
t.ok(r.returncode == 1 and "/nonexistent/modules" in r.stderr, "a missing modules directory is a clear error", r.stderr)

# the test layer's own fetch and parse hooks run the scan
www = sbtest.tempdir()
srv = sbtest.Server(www)
DATE, TZ = "2026-11-20", "UTC"
start, end = sbtest.day_bounds(DATE, TZ)
text, section = sbtest.mrtg_log(end + 3600 + 11, seed=9)
sbtest.write(os.path.join(www, "x.log"), text)
sbtest.write(os.path.join(root, ".env"), "TIMEZONE=UTC\n")
sbtest.write(os.path.join(root, "sources/SCAN/TESTLAYER"), "%s/x.html;X;10;T\n" % srv.base)
r = sbtest.run(["scan", "--date", DATE], root=root, env={"MODULES_DIR": testmods})
t.ok(r.returncode == 0 and "1 ok" in r.stdout, "a scan runs through the module's hooks", r.stdout + r.stderr)
t.ok(srv.stats()["targets"].get("/x.log?from=testlayer") == 1, "the fetch hook chose the URL", srv.stats())
t.ok(("X", "T") in sbtest.spool_days(root, "TESTLAYER", DATE), "the parse hook's samples were spooled")
t.done()
