#!/bin/sh
# report.sh - benchmark `scanbackup report mensual` on N interfaces x D days of daily summaries (SQLite).
#
# Usage: bench/report.sh [N] [--days D] [--date YYYY-MM-DD] [--seed S] [--repeat R] [--format F]
#                        [--report NAME]
#
#   N          interfaces (default 10000) over the five BBIP layers (BORDE 10 %, BRAS 45 %,
#              CACHING 15 %, RAI 25 %, IXP 5 %; largest remainder), each with a summary every day
#   --days     days of summaries ending at --date (default 30)
#   --date     the report's --date (default 2026-11-30: mensual covers 2026-11-01..30, all 30 days)
#   --seed     generator seed (default 1)
#   --repeat   timed runs (default 3; the fastest and the slowest are printed)
#   --format   xlsx (default), csv or json
#   --report   the report to time (default mensual)
#
# Environment: SCANBACKUP  the binary (default: ./scanbackup of an in-tree build, else ../build/scanbackup
#                          next to the repository); SB_MODULES_DIR defaults to the modules/ folder beside it
#              STORE_CLI   the store test driver that loads the fixture (default: tests/store_cli beside
#                          the binary; `make tests/store_cli` builds it)
#              BENCH_TZ    time zone (default America/Caracas)
#
# The database is built once per (N, days, date, seed) under bench/work/report-*/ and reused. Prints the
# wall time of each run, rows/s and the peak RSS (/usr/bin/time -v, Debian package `time`, else python3).
# Target: N = 10,000, 30 days, mensual in at most 2 s.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=$here/work

die() { echo "report.sh: $*" >&2; exit 1; }
note() { echo "report: $*"; }

n=10000 days=30 date=2026-11-30 seed=1 repeat=3 format=xlsx name=mensual
while [ $# -gt 0 ]; do
    case $1 in
        --days) days=$2; shift 2 ;;
        --date) date=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --format) format=$2; shift 2 ;;
        --report) name=$2; shift 2 ;;
        -h|--help) sed -n '3,/^set -eu$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        [0-9]*) n=$1; shift ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case $n$days$repeat in *[!0-9]*) die "N, --days and --repeat are positive integers" ;; esac
tz=${BENCH_TZ:-America/Caracas}

# --- the binaries ---
if [ -n "${SCANBACKUP:-}" ]; then
    bin=$SCANBACKUP
elif [ -x "$repo/scanbackup" ]; then
    bin=$repo/scanbackup
else
    bin=$(cd "$repo/.." && pwd)/build/scanbackup
fi
[ -x "$bin" ] || die "no scanbackup binary at $bin (set SCANBACKUP)"
bindir=$(cd "$(dirname "$bin")" && pwd)
export SB_MODULES_DIR="${SB_MODULES_DIR:-$bindir/modules}"
export MODULES_DIR="${MODULES_DIR:-$SB_MODULES_DIR}"
cli=${STORE_CLI:-$bindir/tests/store_cli}
[ -x "$cli" ] || die "no store driver at $cli (make tests/store_cli, or set STORE_CLI)"

# --- the root and its database (cached) ---
root=$work/report-$n-$days-$date-s$seed
stamp="$(cksum <"$0") $tz"
if [ ! -f "$root/complete" ] || [ "$(cat "$root/complete")" != "$stamp" ]; then
    rm -rf "$root"
    mkdir -p "$root/data"
    printf 'TIMEZONE=%s\nDATABASE_URI=sqlite:data/scanbackup.db\n' "$tz" >"$root/.env"
    note "generating $n interfaces x $days days of daily summaries"
    g0=$(date +%s)
    /usr/bin/python3 - "$n" "$days" "$date" "$seed" >"$root/summaries.txt" <<'EOF'
import datetime
import random
import sys

n, days, last, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
layers = [("BORDE", 10, ["HUAWEI", "CISCO", "JUNIPER", "ZTE"]),
          ("BRAS", 45, ["UPLINK", "DOWNLINK"]),
          ("CACHING", 15, ["NETFLIX", "GOOGLE", "FACEBOOK (META)", "AKAMAI"]),
          ("RAI", 25, ["HUAWEI", "ZTE", "CISCO"]),
          ("IXP", 5, ["IXP", "NAP"])]
count = [n * p // 100 for _, p, _ in layers]
rest = sorted(range(len(layers)), key=lambda i: -(n * layers[i][1] % 100))
for i in rest[:n - sum(count)]:
    count[i] += 1
rnd = random.Random(seed)
end = datetime.date.fromisoformat(last)
dates = [(end - datetime.timedelta(days=k)).isoformat() for k in range(days - 1, -1, -1)]
out = sys.stdout
for (layer, _, types), c in zip(layers, count):
    for i in range(c):
        name = "%s-%03d-%02d %s%d/0/%d - LINK %05d" % (layer[:4], i % 997, i % 13, "GE", i % 8,
                                                       i % 48, i)
        typ = types[i % len(types)]
        cap = rnd.choice([0, 1, 10, 10, 20, 40, 100, 100]) if i % 31 else 0
        base = rnd.uniform(0.05, 0.8) * (cap or 10)
        for d in dates:
            if rnd.random() < 0.01:
                continue  # a missing day now and then
            ip = base * rnd.uniform(0.9, 1.1)
            op = ip * rnd.uniform(0.1, 0.6)
            im = ip * rnd.uniform(1.2, 1.9)
            om = op * rnd.uniform(1.2, 1.9)
            use = "null" if cap == 0 else repr(max(im, om) / cap * 100)
            samples = 288 - (rnd.randrange(30) if rnd.random() < 0.05 else 0)
            out.write("%s;%s;%s;%s;%r;%r;%r;%r;%r;%s;%d\n" % (name, typ, d, layer, float(cap), ip,
                                                             im, op, om, use, samples))
EOF
    note "loading $(wc -l <"$root/summaries.txt") rows into SQLite"
    "$cli" "sqlite:$root/data/scanbackup.db" put-summary "$root/summaries.txt" >/dev/null
    rm -f "$root/summaries.txt"
    note "fixture ready in $(( $(date +%s) - g0 )) s: $root"
    echo "$stamp" >"$root/complete"
fi
rows=$(/usr/bin/python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute('SELECT count(*) FROM DAILY_SUMMARY_HISTORY').fetchone()[0])" "$root/data/scanbackup.db")

# --- the timed runs ---
timed() { # runs scanbackup; prints "wall rss_kb"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$root/time.txt" "$bin" --root "$root" report "$name" --date "$date" \
            --format "$format" >"$root/report.out" 2>&1
        awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0
                        for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
                    /Maximum resident set size/ { r = $2 }
                    END { printf "%.3f %d\n", w, r }' "$root/time.txt"
    else
        /usr/bin/python3 - "$bin" "$root" "$name" "$date" "$format" <<'EOF'
import resource, subprocess, sys, time
b, root, name, date, fmt = sys.argv[1:]
t0 = time.monotonic()
with open(root + "/report.out", "w") as out:
    subprocess.run([b, "--root", root, "report", name, "--date", date, "--format", fmt],
                   stdout=out, stderr=subprocess.STDOUT, check=True)
print("%.3f %d" % (time.monotonic() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
    fi
}

note "$bin --root $root report $name --date $date --format $format ($rows summary rows in the database)"
best="" worst=""
i=0
while [ "$i" -lt "$repeat" ]; do
    i=$((i + 1))
    set -- $(timed)
    grep -q "wrote" "$root/report.out" || { cat "$root/report.out" >&2; die "the report failed"; }
    note "run $i: $1 s, peak RSS $(($2 / 1024)) MB"
    if [ -z "$best" ] || awk "BEGIN { exit !($1 < $best) }"; then best=$1; fi
    if [ -z "$worst" ] || awk "BEGIN { exit !($1 > $worst) }"; then worst=$1; fi
done
grep "wrote" "$root/report.out"
awk -v b="$best" -v w="$worst" -v r="$rows" -v n="$n" -v d="$days" 'BEGIN {
    printf "report: %d interfaces x %d days (%d rows): best %.2f s (%.0f rows/s), worst %.2f s; target <= 2 s: %s\n",
        n, d, r, b, r / b, w, b <= 2 ? "met" : "NOT met" }'
