#!/bin/sh
# serve.sh - the web server benchmarks, each under concurrent clients (wrk, Debian) for a bounded
# run; each prints wrk's latency percentiles and a Markdown row for bench/README.md.
#
#   bench/serve.sh [CONNECTIONS [SECONDS [THREADS]]]    the interface chart API (GET /api/interface)
#       over 30 days x 288 samples of one interface; defaults: 50 clients, 20 s, SERVE_THREADS 4
#   bench/serve.sh find [INTERFACES [CONNECTIONS [SECONDS [THREADS]]]]    the search over every
#       layer (GET /api/find) with INTERFACES interfaces (default 50000) x 31 days of daily
#       summaries: 200 searches of 20 words (fields, sorts, pages) in turn, then 5000 searches of
#       different words; 20 clients, 20 s each
#   SCANBACKUP=/path/to/scanbackup bench/serve.sh
#   CACHE=0 bench/serve.sh          every request computed afresh (SERVE_CACHE_SECONDS=0; default 60)
#
# Writes under bench/work/serve/: a root whose store holds the rows, a user, the server's logs. The
# server listens on 127.0.0.1 only, on a free port, and is stopped (SIGTERM) at the end.
set -eu
MODE=chart
if [ "${1:-}" = find ]; then
	MODE=find
	shift
	IFACES=${1:-50000}
	CONNS=${2:-20}
	SECS=${3:-20}
	THREADS=${4:-4}
else
	CONNS=${1:-50}
	SECS=${2:-20}
	THREADS=${3:-4}
fi
[ "$SECS" -le 120 ] || { echo "serve.sh: at most 120 s" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
SB=${SCANBACKUP:-$TOP/scanbackup}
[ -x "$SB" ] || { echo "serve.sh: no scanbackup binary at $SB (set SCANBACKUP)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "serve.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
MODS=${MODULES_DIR:-$(dirname "$SB")/modules}
WORK=$HERE/work/serve
rm -rf "$WORK"
mkdir -p "$WORK/root/data"
PY=/usr/bin/python3
CACHE=${CACHE:-60}
printf 'TIMEZONE=America/Caracas\nDATABASE_URI=sqlite:data/scanbackup.db\nSERVE_THREADS=%s\nSERVE_CACHE_SECONDS=%s\n' \
	"$THREADS" "$CACHE" >"$WORK/root/.env"
MODULES_DIR=$MODS "$SB" --root "$WORK/root" database start >/dev/null

if [ "$MODE" = find ]; then
# IFACES interfaces spread over the six layers, 31 days of daily summaries each (the catalogue of
# a day reads the 30 days before it too); routers of 8 to 64 ports, names as SCAN writes them.
$PY - "$WORK/root/data/scanbackup.db" "$IFACES" <<'PYEOF'
import datetime, random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
rnd = random.Random(11)
split = [("BORDE", 10), ("BRAS", 40), ("CACHING", 15), ("RAI", 20), ("IXP", 5), ("IPBRAS", 10)]
vendors = {"BORDE": ["CISCO", "HUAWEI", "JUNIPER"], "BRAS": ["UPLINK", "DOWNLINK"],
           "CACHING": ["GOOGLE", "NETFLIX", "FACEBOOK (META)"], "RAI": ["HUAWEI", "ZTE"],
           "IXP": ["NAP", "IXP"], "IPBRAS": ["HUAWEI"]}
cities = ["CCS", "VAL", "MCB", "BQT", "PLC", "MDA", "BNA", "CUM"]
end = datetime.date(2026, 11, 20)
days = [(end - datetime.timedelta(days=30 - d)).isoformat() for d in range(31)]
ifaces = []
for layer, pct in split:
    k = n * pct // 100 if layer != "IPBRAS" else n - len(ifaces)
    r = 0
    while k > 0:
        r += 1
        ports = 1 if layer == "IPBRAS" else rnd.randrange(8, 65)
        router = "%s-%s-%02d" % (layer if layer != "IPBRAS" else "BRAS", cities[r % len(cities)], r)
        for p in range(min(ports, k)):
            name = router if layer == "IPBRAS" else "%s ETH-TRUNK%d - LINK %d" % (router, p, rnd.randrange(1000))
            ifaces.append((layer, name, rnd.choice(vendors[layer]), rnd.choice([1, 10, 40, 100])))
        k -= min(ports, k)
rows = []
for layer, name, vendor, cap in ifaces:
    for day in days:
        a, b = rnd.random() * cap, rnd.random() * cap
        if layer == "IPBRAS":
            rows.append((name, vendor, day, layer, 0, rnd.randrange(20000), rnd.randrange(30000), 0, 0, 0, 288))
        else:
            rows.append((name, vendor, day, layer, cap, a / 2, a, b / 2, b, max(a, b) / cap * 100, 288))
db.executemany("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
               "outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
print("store: %d interfaces, %d daily summaries" % (len(ifaces), len(rows)))
PYEOF
else
# 30 days x 288 samples of one BORDE interface, and its 30 daily summaries
$PY - "$WORK/root/data/scanbackup.db" <<'PYEOF'
import datetime, random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rnd = random.Random(7)
end = datetime.date(2026, 11, 20)
rows, days = [], []
for d in range(30):
    day = (end - datetime.timedelta(days=29 - d)).isoformat()
    ins, outs = [], []
    for k in range(288):
        a, b = rnd.randrange(10**9, 6 * 10**9), rnd.randrange(10**8, 10**9)
        ins.append(a); outs.append(b)
        rows.append(("BENCH-IF-01 HU0/0/0/1", "CISCO", day, "%02d:%02d:00" % (k // 12, k % 12 * 5), 100.0,
                     a, b, a + rnd.randrange(10**8), b + rnd.randrange(10**7)))
    f = 8.022e-9
    days.append(("BENCH-IF-01 HU0/0/0/1", "CISCO", day, "BORDE", 100.0, sum(ins) / 288 * f, max(ins) * f,
                 sum(outs) / 288 * f, max(outs) * f, max(ins) * f, 288))
db.executemany("insert into BORDE_HISTORY (name, type, date, time, capacity, inProm, outProm, inMaxProm, "
               "outMaxProm) values (?,?,?,?,?,?,?,?,?)", rows)
db.executemany("insert into DAILY_SUMMARY_HISTORY (name, type, date, typeLayer, capacity, inProm, inMaxProm, "
               "outProm, outMaxProm, use, samples) values (?,?,?,?,?,?,?,?,?,?,?)", days)
db.commit()
print("store: %d samples, %d daily summaries" % (len(rows), len(days)))
PYEOF
fi
printf 'bench-password\n' | MODULES_DIR=$MODS "$SB" --root "$WORK/root" user add bench \
	--role viewer --password-stdin >/dev/null

MODULES_DIR=$MODS "$SB" --root "$WORK/root" serve --listen 127.0.0.1:0 \
	--port-file "$WORK/port" >"$WORK/serve.out" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
i=0
while [ ! -s "$WORK/port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "serve.sh: the server did not start:" >&2; cat "$WORK/serve.out" >&2; exit 1; }
	sleep 0.05
done
PORT=$(cat "$WORK/port")
BASE=http://127.0.0.1:$PORT
COOKIE=$($PY - "$BASE" <<'PYEOF'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/login", data=json.dumps(
    {"user": "bench", "password": "bench-password"}).encode(), headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req) as r:
    print(r.headers["Set-Cookie"].split(";")[0])
PYEOF
)
if [ "$MODE" = find ]; then
	# the first search of the day builds its catalogue: timed once, then every search uses it
	T0=$(date +%s.%N)
	TOTAL=$(curl -s -H "Cookie: $COOKIE" "$BASE/api/find?date=2026-11-20&limit=1" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	T1=$(date +%s.%N)
	[ "$TOTAL" = "$IFACES" ] || { echo "serve.sh: expected $IFACES interfaces, got $TOTAL" >&2; exit 1; }
	BUILD=$(echo "$T0 $T1" | awk '{printf "%.2f s", $2 - $1}')
	echo "catalogue of 2026-11-20: $TOTAL interfaces, built in $BUILD (the first search)"
	$PY - "$WORK/find.lua" <<'PYEOF'
import random, sys, urllib.parse
rnd = random.Random(5)
words = ["trunk1", "ccs", "val-0", "link 9", "eth-trunk22", "type:cisco", "router:bras-ccs-1",
         "layer:rai zte", "netflix", "bras-mcb", "downlink", "nap", "- link 5", "ixp-plc", "huawei trunk3",
         "meta", "x-no-such-thing", "", "borde", "uplink 1"]
sorts = ["name", "use", "peak", "in_prom", "out_max_prom", "capacity", "router", "type", "samples"]
paths = []
for i in range(200):
    p = {"date": "2026-11-20", "q": rnd.choice(words), "sort": rnd.choice(sorts),
         "dir": rnd.choice(["asc", "desc"]), "offset": rnd.choice([0, 0, 0, 50, 500]), "limit": 50}
    if rnd.random() < 0.2:
        p["layer"] = rnd.choice(["BORDE", "BRAS", "RAI"])
    paths.append("/api/find?" + urllib.parse.urlencode(p))
with open(sys.argv[1], "w") as f:
    f.write("local paths = {%s}\n" % ", ".join('"%s"' % x for x in paths))
    f.write("local i = 0\nrequest = function()\n  i = i % #paths + 1\n"
            "  return wrk.format(\"GET\", paths[i])\nend\n")
PYEOF
	# the second list: 5000 searches of different words (pieces of the names), each back only
	# after 4999 others, so no word's matches are in the catalogue's memo of the last 64
	$PY - "$WORK/root/data/scanbackup.db" "$WORK/fresh.lua" <<'PYEOF'
import random, sqlite3, sys, urllib.parse
rnd = random.Random(9)
names = [r[0] for r in sqlite3.connect(sys.argv[1]).execute(
    "select name from DAILY_SUMMARY_HISTORY where date = '2026-11-20'")]
words = set()
while len(words) < 5000:
    n = rnd.choice(names).lower()
    k = rnd.randrange(3, 9)
    a = rnd.randrange(0, max(1, len(n) - k))
    words.add(n[a:a + k].strip())
paths = ["/api/find?" + urllib.parse.urlencode({"date": "2026-11-20", "q": w, "sort": rnd.choice(["name", "use", "peak"]),
         "limit": 50}) for w in sorted(words)]
rnd.shuffle(paths)
with open(sys.argv[2], "w") as f:
    f.write("local paths = {%s}\n" % ", ".join('"%s"' % x for x in paths))
    f.write("local i = 0\nrequest = function()\n  i = i % #paths + 1\n"
            "  return wrk.format(\"GET\", paths[i])\nend\n")
PYEOF
	for LIST in find fresh; do
		wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$WORK/$LIST.lua" -H "Cookie: $COOKIE" "$BASE" |
			tee "$WORK/wrk-$LIST.txt"
		REQS=$(awk '/requests in/ {print $1}' "$WORK/wrk-$LIST.txt")
		RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$LIST.txt")
		P50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-$LIST.txt")
		P99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$LIST.txt")
		ROW="| $(date +%F) | $(nproc) cores | $IFACES | $BUILD | $LIST | $CONNS | $THREADS | $SECS s | $REQS | $RPS | $P50 | $P99 |"
		if [ "$LIST" = find ]; then ROW_find=$ROW; else ROW_fresh=$ROW; fi
	done
	ERRS=$(grep -c '" 5[0-9][0-9] ' "$WORK/root/data/logs/access.log" || true)
	echo
	echo "5xx answers: $ERRS"
	echo "$ROW_find"
	echo "$ROW_fresh"
	exit 0
fi
URL="$BASE/api/interface?layer=BORDE&name=BENCH-IF-01%20HU0/0/0/1&type=CISCO&from=2026-10-22&to=2026-11-20"
BYTES=$(curl -s -H "Cookie: $COOKIE" "$URL" | wc -c)
SAMPLES=$(curl -s -H "Cookie: $COOKIE" "$URL" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["t"]))')
[ "$SAMPLES" = 8640 ] || { echo "serve.sh: expected 8640 samples in the answer, got $SAMPLES" >&2; exit 1; }
echo "answer: $SAMPLES samples, $BYTES bytes of JSON"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: $COOKIE" "$URL" | tee "$WORK/wrk.txt"
ERRS=$(grep -c '" 5[0-9][0-9] ' "$WORK/root/data/logs/access.log" || true)
REQS=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
P50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
echo
echo "| $(date +%F) | $(nproc) cores | $CONNS | $THREADS | $CACHE s | $SECS s | $SAMPLES | $REQS | $RPS | $P50 | $P99 | $ERRS |"
