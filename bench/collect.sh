#!/bin/sh
# collect.sh - benchmark `scanbackup scan` against N MRTG logs served by a local nginx with Basic auth.
#
# Usage: bench/collect.sh [N] [--date YYYY-MM-DD] [--seed S] [--layer LAYER] [--jobs J] [--workers W] [--run]
#
#   N          interfaces (default 10000), spread over the six layers (BORDE 10 %, BRAS 40 %, CACHING 15 %,
#              RAI 20 %, IXP 5 %, IPBRAS 10 %), or all in one layer with --layer
#   --date     the day to collect (default 2026-11-20); the logs look as SCAN serves them at 04:00 the next day
#   --seed     generator seed (default 1)
#   --jobs     generator processes (default 2)
#   --workers  nginx worker processes (default 1)
#   --run      time the whole nightly job (`scanbackup run`: scan, daily, both loads into SQLite)
#              instead of the scan alone; target: N = 10,000 in at most 30 s
#
# Environment: SCANBACKUP  the binary (default: ./scanbackup of an in-tree build, else ../build/scanbackup
#                          next to the repository); SB_MODULES_DIR defaults to the modules/ folder beside it
#              USERSCAN, PASSWORDSCAN  Basic-auth credentials for nginx and scanbackup (default: user
#                          "bench" and a random password)
#              BENCH_TZ    time zone of the logs and of the collector (default America/Caracas)
#
# Logs are generated once per (N, date, seed, layer) under bench/work/cache-*/ and reused; the root
# directory is bench/work/root-N/ (sources/SCAN/<LAYER>, .env; data/ emptied before each run).
# Prints interfaces/s, MB/s and peak RSS (via /usr/bin/time -v, Debian package `time`, else python3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=$here/work

die() { echo "collect.sh: $*" >&2; exit 1; }
note() { echo "collect: $*"; }

n=10000 date=2026-11-20 seed=1 only="" jobs=2 workers=1 stage=scan
while [ $# -gt 0 ]; do
    case $1 in
        --date) date=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --layer) only=$(echo "$2" | tr '[:lower:]' '[:upper:]'); shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --run) stage=run; shift ;;
        -h|--help) sed -n '3,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
        [0-9]*) n=$1; shift ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case $n in *[!0-9]*|0) die "N must be a positive integer" ;; esac
tz=${BENCH_TZ:-America/Caracas}
export USERSCAN="${USERSCAN:-bench}"
export PASSWORDSCAN="${PASSWORDSCAN:-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')}"

# --- how many interfaces per layer (largest remainder, so they add up to N) ---
if [ -n "$only" ]; then
    case $only in BORDE|BRAS|CACHING|RAI|IXP|IPBRAS) ;; *) die "unknown layer $only" ;; esac
    plan="$only $n"
else
    plan=$(awk -v n="$n" 'BEGIN {
        split("BORDE BRAS CACHING RAI IXP IPBRAS", L, " "); split("10 40 15 20 5 10", P, " ")
        for (i = 1; i <= 6; i++) { c[i] = int(n * P[i] / 100); r[i] = n * P[i] / 100 - c[i]; s += c[i] }
        while (s < n) { b = 1; for (i = 2; i <= 6; i++) if (r[i] > r[b]) b = i; c[b]++; r[b] = -1; s++ }
        for (i = 1; i <= 6; i++) printf "%s %d\n", L[i], c[i] }')
fi

# --- logs (cached) ---
key="$n-$date-s$seed${only:+-$only}"
cache=$work/cache-$key
stamp="$(cksum <"$here/gen-mrtg.py") $tz"
if [ ! -f "$cache/complete" ] || [ "$(cat "$cache/complete")" != "$stamp" ]; then
    rm -rf "$cache"
    mkdir -p "$cache/mrtg" "$cache/sources"
    note "generating $n logs for $date into $cache"
    g0=$(date +%s)
    while read -r layer count; do
        [ "$count" -gt 0 ] || continue
        low=$(echo "$layer" | tr '[:upper:]' '[:lower:]')
        /usr/bin/python3 "$here/gen-mrtg.py" --count "$count" --layer "$layer" --date "$date" --tz "$tz" \
            --seed "$seed" --jobs "$jobs" -q --out "$cache/mrtg/$low" --prefix "$low" \
            --sources "$cache/sources/$layer" --url-base "http://127.0.0.1:@PORT@/$low"
    done <<EOF
$plan
EOF
    echo "$stamp" >"$cache/complete"
    note "generated in $(($(date +%s) - g0)) s"
else
    note "reusing the $n logs in $cache"
fi
log_bytes=$(find "$cache/mrtg" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')

# --- web server ---
ngx=$work/nginx-$n
port=$("$here/nginx.sh" start "$ngx" "$cache/mrtg" --bytes-log --workers "$workers")
trap '"$here/nginx.sh" stop "$ngx" >/dev/null 2>&1 || true' EXIT INT TERM
note "nginx on 127.0.0.1:$port (work dir $ngx)"

# --- root directory ---
root=$work/root-$n
rm -rf "$root/data" "$root/sources"
mkdir -p "$root/sources/SCAN"
for f in "$cache"/sources/*; do
    sed "s/@PORT@/$port/" "$f" >"$root/sources/SCAN/$(basename "$f")"
done
cat >"$root/.env" <<EOF
# written by bench/collect.sh
TIMEZONE=$tz
DATABASE_URI=sqlite:data/scanbackup.db
EOF

# --- auth check: one log with the credentials (200) and without (401) ---
first=$(cat "$root"/sources/SCAN/* | head -n 1 | cut -d';' -f1 | sed 's/\.html$/.log/')
esc() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
with=$(printf 'user = "%s:%s"\n' "$(esc "$USERSCAN")" "$(esc "$PASSWORDSCAN")" |
    curl -s -K - -o /dev/null -w '%{http_code}' "$first?authcheck")
without=$(curl -s -o /dev/null -w '%{http_code}' "$first?authcheck")
if [ "$with" != 200 ] || [ "$without" != 401 ]; then
    die "auth check failed on $first: $with with credentials (want 200), $without without (want 401)"
fi
note "auth check: $first -> $with with credentials, $without without"

# --- the binary ---
if [ -n "${SCANBACKUP:-}" ]; then
    sb=$SCANBACKUP
elif [ -x "$repo/scanbackup" ]; then
    sb=$repo/scanbackup
else
    sb=$(cd "$repo/.." && pwd)/build/scanbackup
fi
[ -x "$sb" ] || die "scanbackup binary not found at $sb: build it, or set SCANBACKUP=/path/to/scanbackup (the logs and $root are ready)"
if [ -z "${SB_MODULES_DIR:-}" ] && [ -d "$(dirname "$sb")/modules" ]; then
    SB_MODULES_DIR=$(dirname "$sb")/modules
    export SB_MODULES_DIR
fi

# --- run, measuring wall time and peak RSS ---
out=$root/scan.out
tv=$root/time.out
note "running $sb --root $root $stage --date $date"
t0=$(date +%s.%N)
set +e
if [ -x /usr/bin/time ]; then
    TZ=$tz /usr/bin/time -v -o "$tv" "$sb" --root "$root" "$stage" --date "$date" >"$out" 2>&1
else
    TZ=$tz /usr/bin/python3 -c '
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("Maximum resident set size (kbytes): %d\n" % ru.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status) & 255)' "$tv" "$sb" --root "$root" "$stage" --date "$date" >"$out" 2>&1
fi
rc=$?
set -e
t1=$(date +%s.%N)

"$here/nginx.sh" stop "$ngx"
trap - EXIT INT TERM

rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tv")
summary=$(grep '^scan:' "$out" | tail -n 1 || true)
read -r sent ok other <<EOF
$(awk '$3 == "/" || $3 ~ /[?]authcheck$/ { next }  # nginx.sh readiness probe, our auth check
    $1 == 200 { s += $2; ok++; next } { o++ } END { printf "%d %d %d", s, ok, o }' "$ngx/access.log")
EOF

note "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
note "scanbackup exit $rc; output in $out"
if [ -n "$summary" ]; then
    note "$summary"
else
    note "no 'scan:' summary line; last lines of the output:"
    tail -n 5 "$out" | sed 's/^/    /'
fi
awk -v n="$n" -v t0="$t0" -v t1="$t1" -v lb="$log_bytes" -v sent="$sent" -v ok="$ok" -v other="$other" \
    -v rss="${rss_kb:-0}" -v stage="$stage" 'BEGIN {
    s = t1 - t0
    if (stage == "run")
        printf "collect: the nightly run of %d interfaces took %.2f s end to end (target <= 30 s for 10,000)\n", n, s
    else
        printf "collect: %d interfaces in %.2f s = %.0f interfaces/s (target >= 1000 on 2 cores)\n", n, s, n / s
    printf "collect: whole log files %.1f MB = %.1f MB/s; bytes nginx sent in %d 200 responses (%d other) %.1f MB = %.1f MB/s\n",
        lb / 1e6, lb / 1e6 / s, ok, other, sent / 1e6, sent / 1e6 / s
    printf "collect: peak RSS %.1f MB (target <= 64 MB, flat in N)\n", rss / 1024
}'
exit "$rc"
