#!/bin/sh
# serve.sh - the web server benchmark: the interface chart API (GET /api/interface) over 30 days x
# 288 samples of one interface in SQLite, under 50 concurrent clients (wrk, Debian), for a bounded
# run; prints wrk's latency percentiles and a Markdown row for bench/README.md.
#
#   bench/serve.sh [CONNECTIONS [SECONDS [THREADS]]]    defaults: 50 clients, 20 s, SERVE_THREADS 4
#   SCANBACKUP=/path/to/scanbackup bench/serve.sh
#   CACHE=0 bench/serve.sh          every request computed afresh (SERVE_CACHE_SECONDS=0; default 60)
#
# Writes under bench/work/serve/: a root whose store holds BORDE_HISTORY rows of 30 days for the
# interface (and its daily summaries), a user, the server's logs. The server listens on 127.0.0.1
# only, on a free port, and is stopped (SIGTERM) at the end.
set -eu
CONNS=${1:-50}
SECS=${2:-20}
THREADS=${3:-4}
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
