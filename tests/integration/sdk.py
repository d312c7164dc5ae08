#!/usr/bin/python3
"""sdk.py - the module SDK from outside: what the binary exports (nm -D) is exactly what the
headers of include/scanbackup declare; each header compiles on its own; `make install` into a
DESTDIR puts the headers and scanbackup.pc in place; the in-tree modules, compiled there with
nothing but the compiler and `pkg-config --cflags scanbackup`, load and list."""

import os
import re
import shutil
import subprocess

import sbtest

t = sbtest.Tap()
CC = os.environ.get("CC", "cc").split()
MAKE = os.environ.get("MAKE", "make").split()
INCLUDE = os.path.join(sbtest.TOP_SRCDIR, "include/scanbackup")
HEADERS = sorted(f for f in os.listdir(INCLUDE) if f.endswith(".h"))


def sdk_functions():
    """Names of the functions the SDK headers declare with SB_API."""
    names = set()
    for h in HEADERS:
        text = sbtest.read(os.path.join(INCLUDE, h))
        for decl in re.findall(r"^SB_API\b([^;]*);", text, re.M | re.S):
            m = re.search(r"\b(sb_\w+)\s*\(", decl)
            if m:
                names.add(m.group(1))
    return names


def dynsyms(path, defined):
    """sb_* symbols of a shared object or executable's dynamic table (defined or undefined)."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True, check=True).stdout
    return {l.split()[-1].split("@")[0] for l in out.splitlines() if l.split()}


# ---- what the binary exports ----
api = sdk_functions()
t.ok(len(api) > 40 and "sb_probe_done" in api and "sb_job_set_url" in api,
     "the SDK headers declare their functions with SB_API (%d found)" % len(api), sorted(api))
exported = {s for s in dynsyms(sbtest.SCANBACKUP, True) if s.startswith("sb_")}
t.eq(sorted(exported - api), [], "nm -D: the binary exports no sb_ function outside the SDK")
t.eq(sorted(api - exported), [], "nm -D: every SDK function is exported")

# ---- the in-tree modules need nothing else ----
libs = os.path.join(sbtest.MODULES_DIR, ".libs")
mods = sorted(f for f in os.listdir(libs) if f.endswith(".so")) if os.path.isdir(libs) else []
t.ok(len(mods) >= 9, "the in-tree modules are built (%d)" % len(mods), mods)
for so in mods:
    path = os.path.join(libs, so)
    undef = {s for s in dynsyms(path, False) if s.startswith("sb_")}
    own = {s for s in dynsyms(path, True) if s.startswith("sb_")}
    t.ok(undef <= api and own == {"sb_module"},
         "%s calls only SDK functions and exports only sb_module" % so,
         "outside the SDK: %s; exported: %s" % (sorted(undef - api), sorted(own)))

# ---- each header stands alone, in strict C11 ----
work = sbtest.tempdir()
for h in HEADERS:
    src = os.path.join(work, "only_%s.c" % h[:-2])
    sbtest.write(src, "#include <scanbackup/%s>\nint sb_only(void);\nint sb_only(void)\n{\n"
                      "\treturn SB_OK;\n}\n" % h)
    r = subprocess.run(CC + ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c",
                             "-I", os.path.join(sbtest.TOP_SRCDIR, "include"), "-o", src + ".o", src],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "scanbackup/%s compiles on its own (C11, -Wpedantic -Werror)" % h,
         r.stderr)

# ---- installed: headers, scanbackup.pc, modules ----
dest = os.path.join(work, "destdir")
env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
r = subprocess.run(MAKE + ["-C", sbtest.TOP_BUILDDIR, "install", "DESTDIR=" + dest], env=env,
                   capture_output=True, text=True)
t.ok(r.returncode == 0, "make install DESTDIR=... succeeds", r.stdout[-2000:] + r.stderr[-2000:])
pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "scanbackup.pc"]
t.eq(len(pcs), 1, "scanbackup.pc is installed once", pcs)
pcdir = os.path.dirname(pcs[0]) if pcs else dest
pcenv = dict(env, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_SYSROOT_DIR=dest, PKG_CONFIG_LIBDIR=pcdir)


def pkgconfig(*args):
    r = subprocess.run(["pkg-config"] + list(args) + ["scanbackup"], env=pcenv, capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 else None


cflags = pkgconfig("--cflags")
t.ok(cflags is not None and cflags.startswith("-I" + dest), "pkg-config --cflags scanbackup", cflags)
incdir = cflags[2:] if cflags else ""
t.eq(sorted(os.listdir(os.path.join(incdir, "scanbackup"))) if os.path.isdir(incdir) else [],
     HEADERS, "the headers are installed under $(includedir)/scanbackup")
moduledir = pkgconfig("--variable=moduledir")
# pkgconf prefixes the sysroot to a path variable, pkg-config does not
if moduledir is not None and not moduledir.startswith(dest):
    moduledir = dest + moduledir
t.ok(moduledir is not None and os.path.isfile(os.path.join(moduledir, "borde.so")),
     "pkg-config --variable=moduledir names where make install put the modules", moduledir)
abi = pkgconfig("--variable=abi")
r = sbtest.run(["modules"], root=work)
t.ok(abi is not None and "(this scanbackup: ABI %s)" % abi in r.stdout,
     "pkg-config --variable=abi is the binary's module ABI", (abi, r.stdout[:200]))

# ---- the in-tree modules, built out of tree against the installed SDK ----
outmods = os.path.join(work, "modules")
os.makedirs(outmods)
built = []
for src in sorted(os.listdir(os.path.join(sbtest.TOP_SRCDIR, "modules"))):
    if not src.endswith(".c"):
        continue
    so = os.path.join(outmods, src[:-2] + ".so")
    cmd = CC + ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror"] + cflags.split() + \
        ["-o", so, os.path.join(sbtest.TOP_SRCDIR, "modules", src)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        built.append(src[:-2])
    else:
        t.ok(False, "modules/%s builds against the installed SDK" % src, r.stderr)
t.ok(len(built) >= 9, "every in-tree module builds with only cc and pkg-config --cflags (%d)"
     % len(built), built)
r = sbtest.run(["modules"], root=work, env={"MODULES_DIR": outmods})
rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()[2:] if l.strip()}
t.ok(r.returncode == 0 and all(rows.get(m, [""] * 5)[4] == "ok" for m in built),
     "scanbackup modules loads each of them", r.stdout + r.stderr)
shutil.rmtree(dest, True)
t.done()
