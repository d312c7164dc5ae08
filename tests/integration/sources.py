#!/usr/bin/python3
"""sources.py - `scanbackup updater sources`: the Lua scrapers of scripts/sources/ against portal
pages made for the tests (tests/integration/portal/), served with Basic auth by sbhttpd.py: each
layer's name, capacity and type rules, accents, the first-block skip, the merge rule (hand-set
capacity kept, new, vanished, other vendor untouched), a missing capacity block, failures that
leave the file byte for byte as it was (401, structure change, no interfaces, a failing graph page),
the Lua API itself, a rule changed by editing Lua, and an index page written by Debian's mrtg
indexmaker."""

import os
import shutil
import subprocess
import time

import sbtest

t = sbtest.Tap()
USER, PASSWORD = "scan", "s3cret pass"

www = sbtest.tempdir()
shutil.copytree(os.path.join(sbtest.TOP_SRCDIR, "tests/integration/portal"), os.path.join(www, "p"))
srv = sbtest.Server(www, auth="%s:%s" % (USER, PASSWORD))
P = srv.base + "/auth/p"
URLS = {
    "SCAN_URL_BORDE_CISCO": P + "/borde/cisco.html",
    "SCAN_URL_BORDE_HUAWEI": P + "/borde/huawei.html",
    "SCAN_URL_BORDE_JUNIPER": P + "/borde/juniper.html",
    "SCAN_URL_BRAS_HUAWEI": P + "/bras/index.html",
    "SCAN_URL_CACHING_HUAWEI": P + "/caching/index.html",
    "SCAN_URL_RAI_HUAWEI": P + "/rai/huawei.html",
    "SCAN_URL_RAI_ZTE": P + "/rai/zte.html",
    "SCAN_URL_IXP": P + "/ixp/index.html",
    "SCAN_URL_IPBRAS": P + "/ipbras/index.html",
}


def make_root(urls, password=PASSWORD, extra=""):
    root = sbtest.tempdir()
    lines = ["SCAN_USERNAME=%s" % USER, 'SCAN_PASSWORD="%s"' % password, "SCAN_TIMEOUT=5",
             "SCAN_RETRIES=0"]
    lines += ["%s=%s" % kv for kv in sorted(urls.items())]
    sbtest.write(os.path.join(root, ".env"), "\n".join(lines) + "\n" + extra)
    return root


def run(root, *args):
    return sbtest.run(["updater", "sources"] + list(args), root=root)


def path(root, layer, bk=False):
    return os.path.join(root, "sources", "BK_SCAN" if bk else "SCAN", layer)


def rows(root, layer):
    """The data lines of a sources file as (url, name, capacity, type)."""
    out = []
    for line in sbtest.read(path(root, layer)).splitlines():
        if line and not line.startswith("#"):
            u, n, c, ty = line.split(";")
            out.append((u, n, c, ty))
    return out


def by_name(root, layer):
    return {(n, ty): (u, c) for u, n, c, ty in rows(root, layer)}


def sorted_rule(rs):
    return sorted(rs, key=lambda r: (r[3], float(r[2]), r[1]))


def graph(name):
    return P + "/" + name


def log_of(root):
    p = os.path.join(root, "data/logs/ScanBackup.log")
    return sbtest.read(p) if os.path.exists(p) else ""


# ---- BORDE: CISCO + HUAWEI refreshed, JUNIPER not configured: its lines stay as they are ----
no_juniper = {k: v for k, v in URLS.items() if k != "SCAN_URL_BORDE_JUNIPER"}
root = make_root(no_juniper)
OLD_BORDE = ("# BORDE: edited by hand, keep this comment\n"
             "http://old.example/c4.html;CCS-BORDE-02 - TE0/1/0/0 ENLACE D LEVEL3;40;CISCO\n"
             "http://old.example/c9.html;CCS-BORDE-09 - GI0/0/0/9 RETIRADO;10;CISCO\n"
             "http://old.example/h1.html;CANTV  -  TELXIUS 100GE AREA;0;HUAWEI\n"
             "http://old.example/j1.html;CANTV - ARSAT 10GB;25;JUNIPER\n")
sbtest.write(path(root, "BORDE"), OLD_BORDE)
srv_before = srv.stats()
r = run(root, "--borde")
t.eq(r.returncode, 0, "BORDE: updater sources --borde succeeds")
b = by_name(root, "BORDE")
want = {
    ("CCS-BORDE-01 - GI0/0/0/1 ENLACE A TATA", "CISCO"): (graph("borde/graphs/cisco-c1.html"), "10"),
    ("CCS-BORDE-01 - GI0/0/0/2 ENLACE B TELXIUS", "CISCO"): (graph("borde/graphs/cisco-c2.html"), "2"),
    ("CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE", "CISCO"): (graph("borde/graphs/cisco-c3.html"), "0"),
    ("CCS-BORDE-02 - TE0/1/0/0 ENLACE D LEVEL3", "CISCO"): (graph("borde/graphs/cisco-c4.html"), "40"),
    ("CANTV - TELXIUS 100GE AREA", "HUAWEI"): (graph("borde/graphs/huawei-h1.html"), "100"),
    ("CANTV - LEVEL3 (2X10GE) 40GE", "HUAWEI"): (graph("borde/graphs/huawei-h2.html"), "40"),
    ("CANTV - SPARKLE CANON", "HUAWEI"): (graph("borde/graphs/huawei-h3.html"), "100"),
    ("CANTV AMERICAS-II 10GE", "HUAWEI"): (graph("borde/graphs/huawei-h4.html"), "10"),
    ("CANTV - GLOBENET 10GE", "HUAWEI"): (graph("borde/graphs/huawei-h5.html"), "10"),
    ("CANTV - ARSAT 10GB", "JUNIPER"): ("http://old.example/j1.html", "25"),
}
for k, v in want.items():
    t.eq(b.get(k), v, "BORDE %s %s: url and capacity" % (k[1], k[0]))
t.eq(len(b), len(want), "BORDE: exactly the expected lines (%d)" % len(want))
t.ok(not any("RESUMEN" in n for n, _ in b), "BORDE HUAWEI: the first ul.list-group (a header) is skipped")
t.ok(("CCS-BORDE-09 - GI0/0/0/9 RETIRADO", "CISCO") not in b, "BORDE: an interface gone from the portal is dropped")
t.eq(rows(root, "BORDE"), sorted_rule(rows(root, "BORDE")), "BORDE: sorted by type, capacity, name")
t.ok(sbtest.read(path(root, "BORDE")).startswith("# BORDE: edited by hand, keep this comment\n"),
     "BORDE: comment lines are kept")
t.ok(os.path.exists(path(root, "BORDE", bk=True)) and sbtest.read(path(root, "BORDE", bk=True)) == OLD_BORDE,
     "BORDE: the old file is copied to sources/BK_SCAN/BORDE first")
t.ok("BORDE: 9 found, 7 added, 1 removed, 1 with capacity 0" in r.stdout, "BORDE: found/added/removed/capacity-0 counts", r.stdout + r.stderr)
t.ok("removed: CCS-BORDE-09 - GI0/0/0/9 RETIRADO (CISCO)" in r.stdout, "BORDE: the vanished interface is listed", r.stdout)
t.ok("capacity 0: CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE (CISCO)" in r.stdout,
     "BORDE: a graph page without the capacity block gives 0, listed for review", r.stdout)
t.ok("review sources/SCAN/BORDE before the next run" in r.stdout, "BORDE: the reminder to review", r.stdout)
t.ok("no capacity on its graph page" in log_of(root), "BORDE: the missing capacity block is logged")
paths = srv.stats()["paths"]
t.ok("/auth/p/borde/graphs/huawei-h3.html" in paths and "/auth/p/borde/graphs/huawei-h1.html" not in paths,
     "BORDE HUAWEI: the graph page is read only when the name has no GE word")
t.eq(srv.stats()["auth_failures"], srv_before["auth_failures"], "every page was fetched with the SCAN credentials")

# a hand-set capacity survives the next run; an unchanged result leaves the file and backup alone
text = sbtest.read(path(root, "BORDE")).replace(";CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE;0;", ";CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE;100;")
sbtest.write(path(root, "BORDE"), text)
r = run(root, "--borde")
t.eq(by_name(root, "BORDE")[("CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE", "CISCO")][1], "100",
     "BORDE: a capacity set by hand in the file wins over the scraped 0")
t.ok("0 added, 0 removed, 0 with capacity 0" in r.stdout, "BORDE: nothing left to review after the hand edit", r.stdout)
t.eq(sbtest.read(path(root, "BORDE", bk=True)), text, "BORDE: the backup is the file as it was before this run")
r = run(root, "--borde")
t.ok(r.returncode == 0 and "unchanged" in r.stdout, "BORDE: a run that changes nothing says so", r.stdout)
t.eq(sbtest.read(path(root, "BORDE", bk=True)), text, "BORDE: an unchanged run does not overwrite the backup")

# JUNIPER configured: its header skipped, GB (not GE) in the name, rule G otherwise, hand capacity kept
sbtest.write(os.path.join(root, ".env"), sbtest.read(os.path.join(root, ".env")) +
             "SCAN_URL_BORDE_JUNIPER=%s\n" % URLS["SCAN_URL_BORDE_JUNIPER"])
r = run(root, "--borde")
b = by_name(root, "BORDE")
t.eq(b.get(("CANTV - ARSAT 10GB", "JUNIPER")), (graph("borde/graphs/juniper-j1.html"), "25"),
     "BORDE JUNIPER: new URL, the file's 25 wins over the 10GB of the name")
t.eq(b.get(("CANTV - NAP 100GE", "JUNIPER")), (graph("borde/graphs/juniper-j2.html"), "40"),
     "BORDE JUNIPER: GE is not JUNIPER's word: rule G from the graph page")
t.ok(not any("CABECERA" in n for n, _ in b), "BORDE JUNIPER: the first block is skipped")
t.eq(b.get(("CCS-BORDE-02 - HU0/1/0/0 ENLACE C SPARKLE", "CISCO"), ("", ""))[1], "100", "BORDE: CISCO lines kept")

# ---- failures leave the file byte for byte as it was ----
before = sbtest.read(path(root, "BORDE"))
bk_before = sbtest.read(path(root, "BORDE", bk=True))

bad = make_root(URLS, password="N0t-the-Pa55")
sbtest.write(path(bad, "BORDE"), before)
r = run(bad, "--borde")
t.eq(r.returncode, 1, "401: the command fails")
t.ok("HTTP 401" in r.stdout + r.stderr and "SCAN_USERNAME" in r.stdout + r.stderr,
     "401: the error names the status and the credentials to check", r.stdout + r.stderr)
t.eq(sbtest.read(path(bad, "BORDE")), before, "401: the file is unchanged")
t.ok(not os.path.exists(path(bad, "BORDE", bk=True)), "401: no backup written")
t.ok("N0t-the-Pa55" not in r.stdout + r.stderr + log_of(bad), "401: the password is not printed")

huawei = os.path.join(www, "p/borde/huawei.html")
original = sbtest.read(huawei)
sbtest.write(huawei, original.replace('<ul class="list-group">', '<ol class="list-group">').replace("</ul>", "</ol>"))
r = run(root, "--borde")
t.eq(r.returncode, 1, "structure change: the command fails")
t.ok("'ul.list-group' found nothing on %s" % URLS["SCAN_URL_BORDE_HUAWEI"] in r.stdout,
     "structure change: the error names the selector and the URL", r.stdout)
t.ok("BORDE: FAILED" in r.stdout and "sources/SCAN/BORDE is left as it was" in r.stdout,
     "structure change: the layer is reported failed and its file kept", r.stdout)
t.eq(sbtest.read(path(root, "BORDE")), before, "structure change: the file is unchanged")
t.eq(sbtest.read(path(root, "BORDE", bk=True)), bk_before, "structure change: the backup is untouched")

header_only = original.split('<div class="col-md-6">')
sbtest.write(huawei, header_only[0] + '<div class="col-md-6">' + header_only[1] + "</div></section></div></body></html>")
r = run(root, "--borde")
t.ok(r.returncode == 1 and "no interfaces found on %s" % URLS["SCAN_URL_BORDE_HUAWEI"] in r.stdout,
     "a page with only its header block: no interfaces found, named with its URL", r.stdout)
t.eq(sbtest.read(path(root, "BORDE")), before, "no interfaces: the file is unchanged")
sbtest.write(huawei, original)

os.rename(os.path.join(www, "p/borde/graphs/cisco-c1.html"), os.path.join(www, "cisco-c1.html"))
r = run(root, "--borde")
t.ok(r.returncode == 1 and "HTTP 404" in r.stdout and "cisco-c1.html" in r.stdout,
     "a graph page that fails fails the layer, naming the page", r.stdout)
t.eq(sbtest.read(path(root, "BORDE")), before, "failing graph page: the file is unchanged")
os.rename(os.path.join(www, "cisco-c1.html"), os.path.join(www, "p/borde/graphs/cisco-c1.html"))

# ---- every layer in one run ----
all_root = make_root({k: v for k, v in URLS.items() if k != "SCAN_URL_IXP"})
r = run(all_root)
t.eq(r.returncode, 0, "no flag: every layer whose URLs are set runs", r.stdout + r.stderr)
t.ok("IXP: skipped: none of SCAN_URL_IXP is set" in r.stdout, "no flag: a layer without URLs is skipped", r.stdout)
t.ok(not os.path.exists(path(all_root, "IXP")), "the skipped layer's file is not created")

bras = by_name(all_root, "BRAS")
t.eq(bras, {
    ("BRAS-CCS-01 ETH-TRUNK1 HACIA PE-CCS-01 (10GB)", "UPLINK"): (graph("bras/graphs/ccs-01-et1.html"), "10"),
    ("BRAS-CCS-01 ETH-TRUNK2 HACIA PE-CCS-02 2X10GB-(20GB)", "UPLINK"): (graph("bras/graphs/ccs-01-et2.html"), "20"),
    ("BRAS-MCBO-01 ETH-TRUNK1 HACIA PE-MCBO-01", "UPLINK"): (graph("bras/graphs/mcbo-01-et1.html"), "0"),
    ("BRAS-CCS-01 GE0/0/1 HACIA OLT CHACAO\\ALTAMIRA 1GB", "DOWNLINK"): (graph("bras/graphs/ccs-01-ge001.html"), "1"),
}, "BRAS: menu entries give the type, pages skip their first block, GB word after -()\\ -> spaces, else 0 (not 5)")

caching = by_name(all_root, "CACHING")
t.eq(caching, {
    ("PE-CCS-01 GOOGLE-GGC-(10G)", "GOOGLE"): (graph("caching/graphs/google-ccs.html"), "10"),
    ("PE-MCY-01 GOOGLE 0G GGC 20G", "GOOGLE"): (graph("caching/graphs/google-mcy.html"), "20"),
    ("PE-CCS-02 META FNA 100GE", "FACEBOOK (META)"): (graph("caching/graphs/fb-ccs.html"), "0"),
    ("PE-VAL-01 NETFLIX OCA (40G)", "NETFLIX"): (graph("caching/graphs/nflx-val.html"), "40"),
}, "CACHING: services from the menu (Suma dropped, ALIANZA -> FACEBOOK (META)), SUMATORIA skipped, G word")
t.ok("/auth/p/caching/resumen.html" not in srv.stats()["paths"], "CACHING: the first menu entry is not a service")

rai = by_name(all_root, "RAI")
t.eq(rai, {
    ("RAI-CCS-01 HACIA CORE", "HUAWEI"): (graph("rai/graphs/rai-h1.html"), "1.5"),
    ("RAI-CCS-02 HACIA CORE", "HUAWEI"): (graph("rai/graphs/rai-h2.html"), "10"),
    ("RAI-MCBO-01 HACIA CORE", "HUAWEI"): (graph("rai/graphs/rai-h3.html"), "100"),
    ("RAI-ZTE-VAL-01 ENLACE", "ZTE"): (graph("rai/graphs/rai-z1.html"), "43"),
    ("RAI-ZTE-PTO-01 ENLACE", "ZTE"): (graph("rai/graphs/rai-z2.html"), "10"),
    ("RAI-ZTE-BAR-01 ENLACE", "ZTE"): (graph("rai/graphs/rai-z3.html"), "0"),
}, "RAI: rule G' (1500 Mb -> 1.5, 7 -> 10, 95 -> 100, 43, 2500 Mbps -> 10, no block -> 0)")

ipbras = by_name(all_root, "IPBRAS")
t.eq(ipbras, {
    ("IP BRAS-CCS-01", "HUAWEI"): (graph("ipbras/graphs/ip-ccs-01.html"), "0"),
    ("IP BRAS-MCBO-01", "HUAWEI"): (graph("ipbras/graphs/ip-mcbo-01.html"), "0"),
}, "IPBRAS: after SUMATORIA up to ' - ', capacity 0, type HUAWEI, header skipped")
t.ok("IPBRAS: 2 found, 2 added, 0 removed, 0 with capacity 0" in r.stdout, "IPBRAS: its zero capacities are not review items", r.stdout)
for layer in ("BRAS", "CACHING", "RAI", "IPBRAS"):
    t.eq(rows(all_root, layer), sorted_rule(rows(all_root, layer)), "%s: sorted by type, capacity, name" % layer)

ixp_root = make_root(URLS)
r = run(ixp_root, "--ixp")
t.eq(by_name(ixp_root, "IXP"), {
    ("IXP-CCS-01 - PIT CARACAS 10GB (AMSIX)", "AMSIX"): (graph("ixp/graphs/ixp-1.html"), "10"),
    ("IXP-CCS-02 - NAP AMERICAS 1GB", "IXP"): (graph("ixp/graphs/ixp-2.html"), "1"),
}, "IXP: the last word is the type (IXP when it holds a digit), GB capacity, header skipped")
r = run(all_root, "--ixp")
t.ok(r.returncode == 1 and "SCAN_URL_IXP" in r.stdout, "--ixp without its URL set: an error", r.stdout)
r = run(all_root, "--nosuchlayer")
t.ok(r.returncode == 1 and "nosuchlayer.lua" in r.stderr, "a flag without a script is refused, naming the script", r.stderr)

# ---- the team changes a rule by editing Lua: no rebuild ----
edit_root = make_root(URLS)
shutil.copytree(os.path.join(sbtest.TOP_SRCDIR, "scripts"), os.path.join(edit_root, "scripts"))
ixp_lua = os.path.join(edit_root, "scripts/sources/ixp.lua")
sbtest.write(ixp_lua, sbtest.read(ixp_lua).replace('"TRAFICO DE RED"', '" - "'))
r = run(edit_root, "--ixp")
t.eq(sorted(n for n, _ in by_name(edit_root, "IXP")), ["IXP-CCS-01", "IXP-CCS-02"],
     "a rule edited in <root>/scripts/sources/ixp.lua takes effect on the next run")

# ---- the Lua API, through a script of its own (SCRIPTS_DIR) ----
api_dir = sbtest.tempdir()
API = r'''
local sb = require("sb")
local function check(name, got) sb.log("info", "CHECK " .. name .. " = " .. tostring(got)) end
local base = arg[0] and sb.setting("SCAN_URL_API")
local body, err, status = sb.http.get(base .. "/status/404/x")
check("404", tostring(body) .. "|" .. tostring(status) .. "|" .. tostring(err:find("HTTP 404", 1, true) ~= nil))
body, err, status = sb.http.get(base .. "/auth/p/ixp/index.html", { auth = false })
check("401", tostring(body) .. "|" .. tostring(status))
body, status = sb.http.get(base .. "/auth/p/ixp/index.html")
check("200", tostring(status) .. "|" .. tostring(body:find("list-group", 1, true) ~= nil))
local urls = {}
for i = 1, 6 do urls[i] = base .. "/stall/1/p/ixp/index.html?" .. i end
urls[7] = base .. "/status/500/x"
local res, failures = sb.http.get_all(urls, { retries = 0 })
check("get_all", #res .. "|" .. failures .. "|" .. res[3].url:sub(-2) .. "|" .. tostring(res[7].status) .. "|" .. tostring(res[1].body ~= nil))
local doc = sb.html.parse([[<html><head><base href="sub/"></head><body>
  <div id="a" class="x y"><p>  Uno <b>dos</b>&nbsp; tres </p><i>cuatro</i><ul><li>1</li><li>2</li></ul></div>
  <a href="../g/n.html?q=1">link</a></body></html>]], "http://h.example/portal/page.html")
check("xpath_class", #doc:xpath("//div[@class='x']") .. "|" .. #doc:xpath("//div[@class='x y']"))
local div = doc:xpath("//div")[1]
check("text", div:xpath("./p")[1]:text())
check("attr", div:attr("id") .. "|" .. tostring(div:attr("nope")))
check("next", div:next("b"):text() .. "|" .. div:xpath("./p")[1]:next("i"):text())
check("children", #div:children("ul") .. "|" .. #div:xpath("./ul")[1]:children("li") .. "|" .. #div:children())
check("sibling", div:xpath("./p")[1]:next_sibling():name())
check("url", doc:xpath("//a")[1]:url())
check("count", doc:xpath("count(//li)"))
check("badxpath", tostring(pcall(doc.xpath, doc, "//[")))
check("upper", sb.text.upper("ñandú área"))
check("strip", sb.text.strip_accents("ÁREA Ñoño ß Œ – “x” çà"))
check("trim", "[" .. sb.text.trim("  a b \t\n") .. "]")
local parts = sb.text.split("A TRAFICO B TRAFICO", "TRAFICO")
check("split", #parts .. "|" .. parts[1] .. "|" .. parts[2] .. "|" .. parts[3])
check("words", table.concat(sb.text.split("  a  b\tc "), ","))
local rows, comments, exists = sb.sources.read("APITEST")
check("read_missing", #rows .. "|" .. #comments .. "|" .. tostring(exists))
local ok, e = pcall(sb.sources.write, "APITEST", { { url = "http://u", name = "a;b", capacity = 1, type = "T" } })
check("write_semicolon", tostring(ok) .. "|" .. tostring(e:find("holds a ';'", 1, true) ~= nil))
ok, e = pcall(sb.sources.write, "APITEST", { { url = "http://u", name = "A", capacity = 1, type = "T" },
	{ url = "http://v", name = "A", capacity = 2, type = "T" } })
check("write_duplicate", tostring(ok) .. "|" .. tostring(e:find("duplicate", 1, true) ~= nil))
ok, e = pcall(sb.sources.write, "../X", {})
check("write_badlayer", tostring(ok))
local changed = sb.sources.write("APITEST", { { url = "http://u", name = "A B", capacity = 2.5, type = "T" } },
	{ header = { "# made by the API test" } })
rows, comments, exists = sb.sources.read("APITEST")
check("roundtrip", tostring(changed) .. "|" .. rows[1].name .. "|" .. rows[1].capacity .. "|" .. comments[1] .. "|" .. tostring(exists))
check("secret", tostring(pcall(sb.setting, "SCAN_PASSWORD")))
return { layer = "APITEST", found = 1 }
'''
sbtest.write(os.path.join(api_dir, "sources/api.lua"), API)
api_root = make_root({"SCAN_URL_API": srv.base}, extra="SCRIPTS_DIR=%s\n" % api_dir)
t0 = time.time()
r = run(api_root, "--api")
elapsed = time.time() - t0
t.eq(r.returncode, 0, "the API script runs from SCRIPTS_DIR", r.stdout + r.stderr)
checks = {}
for line in log_of(api_root).splitlines():
    if "CHECK " in line:
        k, _, v = line.split("CHECK ", 1)[1].partition(" = ")
        checks[k] = v
expect = {
    "404": "nil|404|true",
    "401": "nil|401",
    "200": "200|true",
    "get_all": "7|1|?3|500|true",
    "xpath_class": "0|1",
    "text": "Uno dos tres",
    "attr": "a|nil",
    "next": "dos|cuatro",
    "children": "1|2|3",
    "sibling": "i",
    "url": "http://h.example/portal/g/n.html?q=1",
    "count": "2.0",
    "badxpath": "false",
    "upper": "ÑANDÚ ÁREA",
    "strip": 'AREA Nono ss OE - "x" ca',
    "trim": "[a b]",
    "split": "3|A | B |",
    "words": "a,b,c",
    "read_missing": "0|0|false",
    "write_semicolon": "false|true",
    "write_duplicate": "false|true",
    "write_badlayer": "false",
    "roundtrip": "true|A B|2.5|# made by the API test|true",
    "secret": "false",
}
for k, v in expect.items():
    t.eq(checks.get(k), v, "Lua API: %s" % k)
t.ok(elapsed < 4.5, "sb.http.get_all fetches concurrently: six 1-second pages in %.1f s" % elapsed)
t.eq(sbtest.read(path(api_root, "APITEST")), "# made by the API test\nhttp://u;A B;2.5;T\n",
     "sb.sources.write wrote the checked file")

# ---- an MRTG index page made by Debian's indexmaker ----
def mrtg_index():
    indexmaker = shutil.which("indexmaker")
    mrtg = os.path.join(www, "mrtg")
    os.makedirs(mrtg)
    cfg = ("WorkDir: %s\n"
           "Target[rtr1-ge0]: 1:public@127.0.0.1\nMaxBytes[rtr1-ge0]: 125000000\n"
           "Title[rtr1-ge0]: Tráfico rtr1 GigabitEthernet0/0 - Enlace Ñ\n"
           "Target[rtr2-te1]: 2:public@127.0.0.1\nMaxBytes[rtr2-te1]: 1250000000\n"
           "Title[rtr2-te1]: rtr2 TenGigE1/0/1; uplink\n"
           "Target[sw3-p5]: 5:public@127.0.0.1\nMaxBytes[sw3-p5]: 12500000\n"
           "Title[sw3-p5]: sw3 puerto 5 hacia Peñón\n") % mrtg
    for enc, name in (("utf-8", "index.html"), ("latin-1", "index-latin1.html")):
        with open(os.path.join(mrtg, "mrtg-%s.cfg" % enc), "w", encoding=enc) as f:
            f.write(cfg)
        p = subprocess.run([indexmaker, "--section=title", "--output=" + os.path.join(mrtg, name),
                            os.path.join(mrtg, "mrtg-%s.cfg" % enc)], capture_output=True, text=True)
        t.eq(p.returncode, 0, "indexmaker wrote %s from a %s mrtg.cfg" % (name, enc))
    m_root = make_root({})
    r = run(m_root, "--mrtg-index", srv.base + "/mrtg/index.html", "--layer", "core", "--type", "Cisco")
    t.eq(r.returncode, 0, "mrtg-index: runs on the indexmaker page", r.stdout + r.stderr)
    want_m = {
        ("TRAFICO RTR1 GIGABITETHERNET0/0 - ENLACE N", "CISCO"): (srv.base + "/mrtg/rtr1-ge0.html", "0"),
        ("RTR2 TENGIGE1/0/1 UPLINK", "CISCO"): (srv.base + "/mrtg/rtr2-te1.html", "0"),
        ("SW3 PUERTO 5 HACIA PENON", "CISCO"): (srv.base + "/mrtg/sw3-p5.html", "0"),
    }
    t.eq(by_name(m_root, "CORE"), want_m, "mrtg-index: one line per graph, names cleaned, links resolved, capacity 0")
    t.ok("CORE: 3 found, 3 added, 0 removed, 3 with capacity 0" in r.stdout, "mrtg-index: counts, all for review", r.stdout)
    sbtest.write(path(m_root, "CORE"), sbtest.read(path(m_root, "CORE")).replace(";SW3 PUERTO 5 HACIA PENON;0;", ";SW3 PUERTO 5 HACIA PENON;1;"))
    r = run(m_root, "--mrtg-index", srv.base + "/mrtg/index-latin1.html", "--layer", "CORE", "--type", "CISCO")
    got = by_name(m_root, "CORE")
    t.eq(got.get(("SW3 PUERTO 5 HACIA PENON", "CISCO")), (srv.base + "/mrtg/sw3-p5.html", "1"),
         "mrtg-index: a Latin-1 index reads the same names; the hand-set capacity is kept")
    t.eq(len(got), 3, "mrtg-index: the Latin-1 page gives the same three interfaces")
    r = run(m_root, "--mrtg-index", srv.base + "/mrtg/index.html")
    t.eq(r.returncode, 2, "mrtg-index without --layer is a usage error")


t.case("--mrtg-index on pages made by indexmaker", mrtg_index, needs=("indexmaker",))

t.done()
