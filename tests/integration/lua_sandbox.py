#!/usr/bin/python3
"""lua_sandbox.py - report and scraper scripts run in a sandbox: no os.execute, io.popen, C modules
or loadlib, no file outside their own output and the project's script folders, no secret through
sb.setting or os.getenv; REPORT_TIMEOUT ends a report that never ends, on the command line, whether
it loops in Lua or blocks in C; LUA_TRUSTED=yes gives a trusted installation full Lua back.
TAP output."""

import os
import subprocess
import time

import sbtest

t = sbtest.Tap()
TOKEN = "sbm_1_" + "c0ffee" * 10 + "abcd"
SCAN_PW = "scan-portal-pw-77"
root = sbtest.tempdir("sbsandbox-")
outside = sbtest.tempdir("sbsandbox-outside-")
sbtest.write(os.path.join(outside, "secret.txt"), "outside-secret\n")
sbtest.write(os.path.join(root, ".env"),
             "MONITOR_TOKEN=%s\nSCAN_USERNAME=scan\nSCAN_PASSWORD=%s\nREPORTS_SCRIPTS=misreportes\n"
             "TIMEZONE=UTC\n" % (TOKEN, SCAN_PW))
mine = os.path.join(root, "misreportes")
marker = os.path.join(outside, "executed")

PROBE = r'''
-- probe.lua - tries every way out of the sandbox and writes what happened.
local out = sb.output_file(sb.report.output("probe.txt"))
local function check(k, ...)
	local parts = {}
	for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
	out:write(k, "=", table.concat(parts, "|"):gsub("\n", " "), "\n")
end
local OUTSIDE, MARKER, ROOT = "@OUTSIDE@", "@MARKER@", "@ROOT@"
check("os.execute", pcall(function() return os.execute("touch " .. MARKER) end))
check("io.popen", pcall(function() return io.popen("touch " .. MARKER) end))
check("package.loadlib", package.loadlib)
check("loadfile", loadfile, dofile)
check("cpath", package.cpath, #package.searchers)
check("read_outside", pcall(function() return assert(io.open(OUTSIDE .. "/secret.txt")):read("a") end))
check("read_env", pcall(function() return assert(io.open(ROOT .. "/.env")):read("a") end))
check("lines_env", pcall(function() for l in io.lines(ROOT .. "/.env") do return l end end))
check("write_outside", pcall(function() return assert(io.open(OUTSIDE .. "/w.txt", "w")) end))
check("read_own", pcall(function() return #assert(io.open(ROOT .. "/misreportes/probe.lua")):read("a") > 0 end))
check("setting_token", pcall(sb.setting, "MONITOR_TOKEN"))
check("setting_pw", pcall(sb.setting, "SCAN_PASSWORD"))
check("getenv_token", os.getenv("MONITOR_TOKEN"))
check("getenv_home", os.getenv("HOME"))
check("getenv_pw", os.getenv("SB_TEST_DB_PASSWORD"))
check("load_binary", pcall(load, "\27Lua\84\0"))
check("string.dump", string.dump)
check("debug", debug.getregistry, debug.setupvalue, debug.sethook, type(debug.getinfo(1, "S").short_src))
check("debug_f", debug.getinfo(1, "f") and debug.getinfo(1, "f").func)
check("os.date", type(os.date("%Y")), type(os.time()), type(os.clock()))
check("require_lib", pcall(function() return type(require("bbip")) end))
package.path = OUTSIDE .. "/?.txt;" .. package.path
check("require_outside", pcall(require, "secret"))
check("xlsx_outside", pcall(sb.xlsx.workbook, OUTSIDE .. "/evil.xlsx"))
check("xlsx_tmpdir", pcall(sb.xlsx.workbook, sb.report.output("t.xlsx"), {tmpdir = OUTSIDE}))
check("output_outside", pcall(sb.output_file, ROOT .. "/.env"))
check("output_dotdot", pcall(sb.output_file, sb.report.out .. "/../../.env"))
check("reg_io", package.loaded.io.popen, package.loaded.os.execute, require("io").popen)
out:close()
'''.replace("@OUTSIDE@", outside).replace("@MARKER@", marker).replace("@ROOT@", root)
sbtest.write(os.path.join(mine, "probe.lua"), PROBE)
sbtest.write(os.path.join(mine, "spin.lua"), "-- spin.lua - never ends.\n"
             "local n = 0\nwhile true do pcall(function() while true do n = n + 1 end end) end\n")
sbtest.write(os.path.join(mine, "block.lua"), "-- block.lua - waits on its standard input.\n"
             "local f = sb.output_file(sb.report.output('block.txt'))\nf:write(io.read('a'))\nf:close()\n")


def report(name, env=None, timeout=120, stdin=subprocess.DEVNULL):
    return sbtest.run(["report", name], root=root, env=dict(env or {}, SB_TEST_DB_PASSWORD="pw-in-env"),
                      timeout=timeout, stdin=stdin)


def results():
    got = {}
    for line in sbtest.read(os.path.join(root, "data/reports/probe.txt")).splitlines():
        k, _, v = line.partition("=")
        got[k] = v
    return got


r = report("probe")
t.eq(r.returncode, 0, "the probe report runs in the sandbox", r.stdout + r.stderr)
g = results()
t.ok(g["os.execute"].startswith("false") and g["io.popen"].startswith("false") and not os.path.exists(marker),
     "os.execute and io.popen do not exist", (g["os.execute"], g["io.popen"]))
t.eq((g["package.loadlib"], g["loadfile"], g["cpath"]), ("nil", "nil|nil", "|2"),
     "no loadlib, loadfile or dofile; no C module path, two searchers (preload and the script folders)")
t.ok(g["read_outside"].startswith("false") and "outside-secret" not in g["read_outside"],
     "a file outside the project's script folders cannot be read", g["read_outside"])
t.ok(g["read_env"].startswith("false") and TOKEN not in g["read_env"] and g["lines_env"].startswith("false"),
     "nor the .env file (io.open, io.lines)", (g["read_env"], g["lines_env"]))
t.ok(g["write_outside"].startswith("false") and not os.path.exists(os.path.join(outside, "w.txt")),
     "no file is written outside the output folder", g["write_outside"])
t.eq(g["read_own"], "true|true", "the script folders can be read")
t.ok(g["setting_token"].startswith("false") and TOKEN not in g["setting_token"],
     "sb.setting refuses MONITOR_TOKEN", g["setting_token"])
t.ok(g["setting_pw"].startswith("false") and SCAN_PW not in g["setting_pw"], "and SCAN_PASSWORD")
t.eq((g["getenv_token"], g["getenv_pw"]), ("nil", "nil"),
     "os.getenv gives no secret (MONITOR_TOKEN, a *_PASSWORD of the environment)")
t.eq(g["getenv_home"], "nil", "nor any variable outside the settings")
t.ok(g["load_binary"].startswith("false") or g["load_binary"].startswith("true|nil"),
     "binary chunks are not loaded", g["load_binary"])
t.eq(g["string.dump"], "nil", "string.dump is gone")
t.eq(g["debug"], "nil|nil|nil|string", "debug keeps getinfo and traceback only")
t.eq(g["debug_f"], "nil", "getinfo hands out no function")
t.eq(g["os.date"], "string|number|number", "os.date, os.time and os.clock work")
t.eq(g["require_lib"], "true|table", "require finds the built-in report library")
t.ok(g["require_outside"].startswith("false") and "outside-secret" not in g["require_outside"],
     "require does not read outside the script folders, whatever package.path says", g["require_outside"])
t.ok(g["xlsx_outside"].startswith("false") and not os.path.exists(os.path.join(outside, "evil.xlsx")),
     "sb.xlsx.workbook writes only into the output folder", g["xlsx_outside"])
t.ok(g["xlsx_tmpdir"].startswith("false"), "and keeps its temporary files there", g["xlsx_tmpdir"])
t.ok(g["output_outside"].startswith("false") and g["output_dotdot"].startswith("false"),
     "sb.output_file writes only into the output folder (no .. either)", (g["output_outside"], g["output_dotdot"]))
t.ok(TOKEN in sbtest.read(os.path.join(root, ".env")), "the .env file is untouched")
t.eq(g["reg_io"], "nil|nil|nil", "package.loaded and require hold the same restricted io and os")

# ---- the time limit on the command line ----
t0 = time.time()
r = report("spin", env={"REPORT_TIMEOUT": "2"}, timeout=60)
took = time.time() - t0
t.ok(r.returncode == 1 and "REPORT_TIMEOUT" in r.stderr and took < 20,
     "a report looping in Lua (even under pcall) ends after REPORT_TIMEOUT: %.1f s" % took, r.stderr[-600:])
p = subprocess.Popen([sbtest.SCANBACKUP, "--root", root, "report", "block"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     env=dict(os.environ, REPORT_TIMEOUT="2", MODULES_DIR=sbtest.MODULES_DIR))
t0 = time.time()
try:
    p.wait(60)  # its standard input stays open: the script waits in read()
    took = time.time() - t0
    err = p.stderr.read()
    p.stdin.close()
    t.ok(p.returncode != 0 and "REPORT_TIMEOUT" in err and took < 30,
         "a report blocked in C (reading a pipe) is ended by the process limit: %.1f s" % took, err[-600:])
except subprocess.TimeoutExpired:
    p.kill()
    p.communicate()
    t.ok(False, "a report blocked in C (reading a pipe) is ended by the process limit (still running at 60 s)")
left = [f for f in os.listdir(os.path.join(root, "data/reports")) if f.startswith("block")]
t.eq(left, [], "and leaves no file, whole or half")
bad = report("spin", env={"REPORT_TIMEOUT": "soon"})
t.ok(bad.returncode != 0 and "REPORT_TIMEOUT" in bad.stderr, "a bad REPORT_TIMEOUT stops the command", bad.stderr)

# ---- LUA_TRUSTED=yes: full Lua back ----
r = report("probe", env={"LUA_TRUSTED": "yes"})
g = results()
t.ok(r.returncode == 0 and g["os.execute"].startswith("true") and os.path.exists(marker),
     "LUA_TRUSTED=yes: os.execute works", (r.stderr, g.get("os.execute")))
t.ok(g["read_outside"].strip() == "true|outside-secret", "and any file can be read", g["read_outside"])
t.ok(g["setting_token"].startswith("false"), "secrets still never come through sb.setting", g["setting_token"])

# ---- the scrapers are sandboxed too ----
scripts = sbtest.tempdir("sbsandbox-scripts-")
sbtest.write(os.path.join(scripts, "sources/probe.lua"), r'''
local out = {}
local function check(k, ok, v) out[#out + 1] = k .. "=" .. tostring(ok) .. "|" .. tostring(v):gsub("\n", " ") end
check("execute", pcall(function() return os.execute("true") end))
check("read", pcall(function() return assert(io.open("@OUTSIDE@/secret.txt")):read("a") end))
check("token", pcall(sb.setting, "MONITOR_TOKEN"))
check("portal", pcall(function() return type(require("portal")) end))
return { layer = "PROBE", found = #out, removed_list = out }
'''.replace("@OUTSIDE@", outside))
shutil_src = os.path.join(sbtest.TOP_SRCDIR, "scripts/sources/lib/portal.lua")
sbtest.write(os.path.join(scripts, "sources/lib/portal.lua"), sbtest.read(shutil_src))
r = sbtest.run(["updater", "sources", "--probe"], root=root, env={"SCRIPTS_DIR": scripts})
lines = dict(l.strip()[len("removed: "):].split("=", 1) for l in r.stdout.splitlines()
             if l.strip().startswith("removed: "))
t.ok(r.returncode == 0 and lines.get("execute", "").startswith("false") and
     lines.get("read", "").startswith("false") and "outside-secret" not in r.stdout and
     lines.get("token", "").startswith("false") and lines.get("portal") == "true|table",
     "a scraper script gets the same sandbox, and its lib/ folder", r.stdout + r.stderr)
t.done()
