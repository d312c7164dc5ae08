#!/bin/sh
# collect.sh - benchmark `scanbackup scan` against N MRTG logs served by a local nginx with Basic auth,
# beside curl's own parallel downloader fetching the same logs whole, over loopback and over a link
# with a round-trip time and TLS.
#
# Usage: bench/collect.sh [N] [--date YYYY-MM-DD] [--seed S] [--layer LAYER] [--jobs J] [--workers W]
#                         [--run | --backfill] [--no-curl] [--wan] [--rtt-ms MS] [--rate-mbit R]
#                         [--file] [--hash apr1|ssha] [--pipeline P] [--repeat K] [--warmup W]
#
#   N          interfaces (default 10000), spread over the six layers (BORDE 10 %, BRAS 40 %, CACHING 15 %,
#              RAI 20 %, IXP 5 %, IPBRAS 10 %), or all in one layer with --layer
#   --date     the day to collect (default 2026-11-20); the logs look as SCAN serves them at 04:00 the next day
#   --seed     generator seed (default 1)
#   --jobs     generator processes (default 2)
#   --workers  nginx worker processes (default 1)
#   --run      time the whole nightly job (`scanbackup run`: scan, daily, both loads into SQLite)
#              instead of the scan alone; target: N = 10,000 in at most 30 s
#   --backfill time `scanbackup backfill --to DATE` instead: every log read whole, its 30-minute,
#              2-hour and 1-day lines and the day summaries made from them stored in SQLite with the
#              5-minute samples; prints interfaces/s and rows stored/s
#   --no-curl  do not time curl -Z beside the scan
#   --wan      also over a link of --rtt-ms round trip (default 30; bench/delayproxy.c, loopback
#              only) with TLS (a self-signed certificate), once with HTTP/1.1 and once with HTTP/2,
#              scanbackup and curl -Z through the same proxy in turn; over HTTP/2 also curl -Z with
#              --parallel-max set to the collector's transfers in flight there (SCAN_STREAMS)
#   --rate-mbit  give that link a rate too, R megabits a second each way, shared by every
#              connection (default: none, the link as fast as loopback): where the bytes moved
#              bound both programs rather than the round trips
#   --file     also without a server: the same scan with file:// URLs to the cached logs (no HTTP,
#              no TCP, no nginx), whose CPU per interface is the collector's own work (reading
#              byte ranges, parsing, the spool); no curl beside it
#   --hash     how nginx keeps the password (bench/nginx.sh): apr1, Apache's MD5 of 1,000 rounds
#              (default; about 0.2 ms of nginx's CPU per request, which then bounds both programs on
#              loopback), or ssha, one salted SHA-1 (the server no longer the bound: the clients are)
#   --pipeline run scanbackup with SCAN_PIPELINE=P (default 1: none): P requests written back to
#              back on each of its HTTP/1.1 connections, over the HTTP/2 link's nginx too (curl -Z
#              cannot pipeline; over HTTP/2 its --parallel-max is then SCAN_PARALLEL x P)
#   --repeat   run each pair (scanbackup and curl -Z) K times on each link (default 1), the two in
#              turn first (scanbackup in the odd pairs, curl -Z in the even ones): each pair
#              prints its ratio, so a run on a shared machine shows its spread
#   --warmup   before the pairs of each link, run each program W times more, not counted (default
#              1; 0 for none): the first run after the server starts pays for what nobody has yet
#              touched (the server's open files, the programs' own pages)
#
# Before every timed run the page cache's dirty pages are written (sync) and the logs read once
# more: neither program pays for the writeback of the run before it, nor for logs the kernel's
# reclaim took from the cache between two runs (DAMON's pageout takes pages untouched for a
# minute on some machines, and a page read back costs whoever reads it first).
#
# Environment: SCANBACKUP  the binary (default: ./scanbackup of an in-tree build, else ../build/scanbackup
#                          next to the repository); MODULES_DIR (or SB_MODULES_DIR) defaults to the
#                          modules/ folder beside it
#              USERSCAN, PASSWORDSCAN  Basic-auth credentials for nginx and scanbackup (default: user
#                          "bench" and a random password)
#              BENCH_TZ    time zone of the logs and of the collector (default America/Caracas)
#              CC          the compiler for bench/delayproxy.c (default cc)
#
# Logs are generated once per (N, date, seed, layer) under bench/work/cache-*/ and reused; the root
# directory is bench/work/root-N/ (sources/SCAN/<LAYER>, .env; data/ emptied before each run).
# Prints, per link: interfaces/s, CPU (user + sys) per interface and peak RSS (via /usr/bin/time -v,
# Debian package `time`, else python3), the same for curl -Z --parallel-max 32, and their ratio (over
# HTTP/2 also for curl -Z --parallel-max SCAN_STREAMS).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=$here/work

die() { echo "collect.sh: $*" >&2; exit 1; }
note() { echo "collect: $*"; }

n=10000 date=2026-11-20 seed=1 only="" jobs=2 workers=1 stage=scan curl_too=1 wan=0 file=0 rtt=30 rate="" hash=apr1 repeat=1 pipeline=1 warmup=1
while [ $# -gt 0 ]; do
    case $1 in
        --date) date=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --layer) only=$(echo "$2" | tr '[:lower:]' '[:upper:]'); shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --run) stage=run; shift ;;
        --backfill) stage=backfill; shift ;;
        --no-curl) curl_too=0; shift ;;
        --wan) wan=1; shift ;;
        --file) file=1; shift ;;
        --rtt-ms) rtt=$2; shift 2 ;;
        --rate-mbit) rate=$2; shift 2 ;;
        --hash) hash=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --pipeline) pipeline=$2; shift 2 ;;
        -h|--help) sed -n '3,/^set -eu$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        [0-9]*) n=$1; shift ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case $n in *[!0-9]*|0) die "N must be a positive integer" ;; esac
case $rtt in *[!0-9]*|'') die "--rtt-ms wants a whole number of milliseconds" ;; esac
case $hash in apr1|ssha) ;; *) die "--hash is apr1 or ssha" ;; esac
case $rate in *[!0-9]*|0) die "--rate-mbit wants a positive whole number of megabits a second" ;; esac
case $repeat in *[!0-9]*|''|0) die "--repeat wants a positive whole number" ;; esac
case $pipeline in *[!0-9]*|''|0) die "--pipeline wants a positive whole number" ;; esac
case $warmup in *[!0-9]*|'') die "--warmup wants a whole number" ;; esac
[ "$stage" != run ] || curl_too=0
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
log_bytes=$(find "$cache/mrtg" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')

# settle: before a timed run, the dirty pages written and every log read into the page cache, so
# that no timed run pays for the disk, for the writeback of the run before it or for pages the
# kernel took back since (the head of this file)
settle() {
    sync
    find "$cache/mrtg" -name '*.log' -exec cat {} + >/dev/null
}

# --- the binary ---
if [ -n "${SCANBACKUP:-}" ]; then
    sb=$SCANBACKUP
elif [ -x "$repo/scanbackup" ]; then
    sb=$repo/scanbackup
else
    sb=$(cd "$repo/.." && pwd)/build/scanbackup
fi
[ -x "$sb" ] || die "scanbackup binary not found at $sb: build it, or set SCANBACKUP=/path/to/scanbackup"
# the modules: MODULES_DIR (the engine's setting), else SB_MODULES_DIR (as `make check` names it),
# else the modules/ folder beside the binary
MODULES_DIR=${MODULES_DIR:-${SB_MODULES_DIR:-}}
if [ -z "$MODULES_DIR" ] && [ -d "$(dirname "$sb")/modules" ]; then
    MODULES_DIR=$(dirname "$sb")/modules
fi
[ -z "$MODULES_DIR" ] || export MODULES_DIR

# --- what runs in the background, stopped on any exit ---
servers=""  # nginx work dirs
proxy_pid=""
cleanup() {
    [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true
    for s in $servers; do "$here/nginx.sh" stop "$s" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timed CMD...: runs CMD with its output in $out, wall seconds in $wall, CPU seconds (user + sys)
# in $cpu, peak RSS in kB in $rss_kb, exit status in $rc; settles first.
timed() {
    settle
    tv=$out.time
    t0=$(date +%s.%N)
    set +e
    if [ -x /usr/bin/time ]; then
        TZ=$tz /usr/bin/time -v -o "$tv" "$@" >"$out" 2>&1
    else
        TZ=$tz /usr/bin/python3 -c '
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("User time (seconds): %.2f\nSystem time (seconds): %.2f\n" % (ru.ru_utime, ru.ru_stime))
    f.write("Maximum resident set size (kbytes): %d\n" % ru.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status) & 255)' "$tv" "$@" >"$out" 2>&1
    fi
    rc=$?
    set -e
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    cpu=$(awk -F': *' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tv")
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tv")
}

# server_ticks: CPU (user + sys) of the running nginx's workers in clock ticks, 0 without one.
server_ticks() {
    t=0
    for w in $servers; do
        [ -s "$w/nginx.pid" ] || continue
        for p in $(pgrep -P "$(cat "$w/nginx.pid")" 2>/dev/null); do
            t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
        done
    done
    echo "$t"
}

# server_cpu TICKS-BEFORE: ", nginx CPU X ms/request, its workers busy Y %" since TICKS-BEFORE, for
# N requests over the last run's wall time: near 100 % the server, not the client, sets the pace.
server_cpu() {
    awk -v a="$1" -v b="$(server_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$n" -v s="$wall" -v w="$workers" 'BEGIN {
        if (b > a) printf ", nginx CPU %.3f ms/request, its workers busy %.0f %%", (b - a) * 1000 / hz / n, (b - a) / hz / s / w * 100 }'
}

# scan ROOT LABEL: runs scanbackup on ROOT; sets sb_wall, sb_cpu, sb_rss_kb, sb_rc and prints a line.
scan() {
    rm -rf "$1/data"
    out=$1/scan.out
    if [ "$stage" = backfill ]; then
        note "running $sb --root $1 backfill --to $date ($2)"
        timed "$sb" --root "$1" backfill --to "$date"
        summary=$(grep '^backfill: the days' "$out" | tail -n 1 || true)
    else
        note "running $sb --root $1 $stage --date $date ($2)"
        ticks=$(server_ticks)
        timed "$sb" --root "$1" "$stage" --date "$date"
        srv=$(server_cpu "$ticks")
        summary=$(grep '^scan:' "$out" | tail -n 1 || true)
    fi
    sb_wall=$wall sb_cpu=$cpu sb_rss_kb=${rss_kb:-0} sb_rc=$rc
    if [ -n "$summary" ]; then
        note "$summary"
    else
        note "scanbackup exit $rc, no '$stage:' summary line; last lines of $out:"
        tail -n 5 "$out" | sed 's/^/    /'
    fi
    grep -o 'logs asked for in byte ranges.*' "$out" | sed 's/^/collect: /' || true
    # the rows backfill stored: its coarser lines, the day summaries made of them, the 5-minute samples
    rows=$(printf '%s\n' "$summary" | sed -n 's/.* \([0-9]*\) lines (.* and \([0-9]*\) day summaries.*(\([0-9]*\) samples).*/\1 \2 \3/p')
    awk -v n="$n" -v s="$wall" -v c="$cpu" -v r="$sb_rss_kb" -v l="$2" -v stage="$stage" -v rows="$rows" -v srv="${srv:-}" 'BEGIN {
        if (stage == "backfill") {
            split(rows, k, " ")
            t = k[1] + k[2] + k[3]
            printf "collect: %s: backfill of %d whole logs in %.2f s = %.0f interfaces/s, %d rows stored (%d coarser lines, %d day summaries, %d 5-minute samples) = %.0f rows/s, CPU %.3f ms/interface, peak RSS %.1f MB\n",
                l, n, s, n / s, t, k[1], k[2], k[3], t / s, c * 1000 / n, r / 1024
        } else if (stage == "run")
            printf "collect: %s: the nightly run of %d interfaces took %.2f s end to end (target <= 30 s for 10,000)\n", l, n, s
        else
            printf "collect: %s: scanbackup %d interfaces in %.2f s = %.0f interfaces/s, CPU %.3f ms/interface, peak RSS %.1f MB%s\n",
                l, n, s, n / s, c * 1000 / n, r / 1024, srv }'
}

# curl_z URLS-CONFIG LABEL [MAX]: curl -Z --parallel-max MAX (default 32) fetching every log whole;
# sets c_wall, c_cpu.
curl_z() {
    out=$1.out
    max=${3:-32}
    ticks=$(server_ticks)
    timed curl -Z --parallel-max "$max" -s --no-progress-meter -K "$1" -w '%{http_code}\n'
    c_wall=$wall c_cpu=$cpu
    srv=$(server_cpu "$ticks")
    got=$(grep -c '^200$' "$out" || true)
    [ "$got" = "$n" ] || note "curl -Z: only $got of $n answers were 200 (see $out)"
    awk -v n="$n" -v s="$wall" -v c="$cpu" -v l="$2" -v m="$max" -v srv="$srv" 'BEGIN {
        printf "collect: %s: curl -Z --parallel-max %d %d whole logs in %.2f s = %.0f files/s, CPU %.3f ms/file%s\n",
            l, m, n, s, n / s, c * 1000 / n, srv }'
}

# ratio LABEL TARGET [MAX]: scanbackup's wall time against the last curl_z's (with --parallel-max MAX)
ratio() {
    awk -v a="$sb_wall" -v b="$c_wall" -v l="$1" -v t="$2" -v m="${3:-32}" 'BEGIN {
        if (t == "")
            printf "collect: %s: scanbackup is %.2fx curl -Z --parallel-max %d (no target: the same transfers in flight)\n", l, b / a, m
        else
            printf "collect: %s: scanbackup is %.2fx curl -Z --parallel-max %d (target >= %s)\n", l, b / a, m, t }'
}

# urls PORT SCHEME CONFIG [CACERT]: the curl config fetching every log of the cache through PORT.
urls() {
    esc() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
    {
        printf 'user = "%s:%s"\n' "$(esc "$USERSCAN")" "$(esc "$PASSWORDSCAN")"
        [ -z "${4:-}" ] || printf 'cacert = "%s"\n' "$4"
        cat "$cache"/sources/* | cut -d';' -f1 | sed "s/@PORT@/$1/; s/^http:/$2:/; s/\.html\$/.log/" |
            awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0 }'
    } >"$3"
}

# root DIR PORT SCHEME [CA_BUNDLE]: a root directory whose sources point at PORT.
make_root() {
    rm -rf "$1/data" "$1/sources"
    mkdir -p "$1/sources/SCAN"
    for f in "$cache"/sources/*; do
        sed "s/@PORT@/$2/; s/^http:/$3:/" "$f" >"$1/sources/SCAN/$(basename "$f")"
    done
    {
        echo "# written by bench/collect.sh"
        echo "TIMEZONE=$tz"
        echo "DATABASE_URI=sqlite:data/scanbackup.db"
        [ -z "${4:-}" ] || echo "CA_BUNDLE=$4"
        [ "$pipeline" = 1 ] || echo "SCAN_PIPELINE=$pipeline"
    } >"$1/.env"
}

note "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$pipeline" = 1 ] || note "scanbackup pipelines: SCAN_PIPELINE=$pipeline (HTTP/1.1, also where nginx offers HTTP/2)"

# --- loopback, HTTP/1.1 ---
ngx=$work/nginx-$n
port=$("$here/nginx.sh" start "$ngx" "$cache/mrtg" --bytes-log --workers "$workers" --hash "$hash")
servers="$ngx"
note "nginx on 127.0.0.1:$port (work dir $ngx)"
root=$work/root-$n
make_root "$root" "$port" http

# auth check: one log with the credentials (200) and without (401)
first=$(cat "$root"/sources/SCAN/* | head -n 1 | cut -d';' -f1 | sed 's/\.html$/.log/')
esc() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
with=$(printf 'user = "%s:%s"\n' "$(esc "$USERSCAN")" "$(esc "$PASSWORDSCAN")" |
    curl -s -K - -o /dev/null -w '%{http_code}' "$first?authcheck")
without=$(curl -s -o /dev/null -w '%{http_code}' "$first?authcheck")
if [ "$with" != 200 ] || [ "$without" != 401 ]; then
    die "auth check failed on $first: $with with credentials (want 200), $without without (want 401)"
fi
note "auth check ($hash password hash): $first -> $with with credentials, $without without"

status=0
# compare ROOT LABEL TARGET CURL-CONFIG [STREAMS]: scanbackup and curl -Z, --repeat times, in
# turn first (scanbackup first in the odd pairs, curl -Z in the even ones, so that whatever the
# first run of a pair pays or leaves warm is shared); with STREAMS (the collector's transfers in
# flight over HTTP/2), curl -Z --parallel-max STREAMS too. The --warmup runs come first, each
# program's under the label "warm-up, LABEL", which no pair's figures are read from.
compare() {
    k=0
    while [ $k -lt "$warmup" ]; do
        k=$((k + 1))
        scan "$1" "warm-up, $2"
        [ "$sb_rc" = 0 ] || status=$sb_rc
        [ "$curl_too" = 0 ] || curl_z "$4" "warm-up, $2" ${5:-}
    done
    k=0
    while [ $k -lt "$repeat" ]; do
        k=$((k + 1))
        if [ "$curl_too" = 1 ] && [ $((k % 2)) = 0 ]; then
            curl_z "$4" "$2"
        fi
        scan "$1" "$2"
        [ "$sb_rc" = 0 ] || status=$sb_rc
        if [ "$curl_too" = 1 ]; then
            [ $((k % 2)) = 0 ] || curl_z "$4" "$2"
            ratio "$2" "$3"
            if [ -n "${5:-}" ]; then
                curl_z "$4" "$2" "$5"
                ratio "$2" "" "$5"
            fi
        fi
    done
}
[ "$curl_too" = 0 ] || urls "$port" http "$work/curl-$n.cfg"
compare "$root" "loopback http/1.1" 1.0 "$work/curl-$n.cfg"
"$here/nginx.sh" stop "$ngx"
servers=""
# Sums in awk's doubles, printed with %.0f/%.1f: mawk's %d stops at 2^31 (2147.5 MB).
awk -v lb="$log_bytes" -v n="$n" '$3 == "/" || $3 ~ /[?]authcheck$/ { next }  # nginx.sh readiness probe, our auth check
    $1 == 206 { rs += $2; rn++; next } $1 == 200 { ws += $2; wn++; next } { o++ }
    END {
        printf "collect: whole log files %.1f MB, %.1f KB a log; nginx sent %d byte ranges (206) of %.1f KB on average, %d whole logs (200) of %.1f KB, %d other answers\n",
            lb / 1e6, lb / 1e3 / n, rn, rn ? rs / rn / 1e3 : 0, wn, wn ? ws / wn / 1e3 : 0, o + 0 }' "$ngx/access.log"

# --- no server: file:// URLs to the cached logs ---
if [ "$file" = 1 ]; then
    froot=$work/root-$n-file
    make_root "$froot" 0 http
    for f in "$froot"/sources/SCAN/*; do
        sed "s|^http://127\.0\.0\.1:0/|file://$cache/mrtg/|" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    done
    k=0
    while [ $k -lt "$repeat" ]; do
        k=$((k + 1))
        scan "$froot" "file://, no server"
        [ "$sb_rc" = 0 ] || status=$sb_rc
    done
fi

# --- a link with a round-trip time, over TLS: HTTP/1.1, then HTTP/2 ---
if [ "$wan" = 1 ]; then
    command -v openssl >/dev/null 2>&1 || die "--wan needs openssl (Debian: apt-get install openssl)"
    proxy=$work/delayproxy
    if [ ! -x "$proxy" ] || [ "$here/delayproxy.c" -nt "$proxy" ]; then
        "${CC:-cc}" -O2 -Wall -o "$proxy" "$here/delayproxy.c" || die "could not build $proxy"
    fi
    tls=$work/tls
    if [ ! -s "$tls/cert.pem" ]; then
        mkdir -p "$tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
            -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null || die "openssl could not make a certificate"
    fi
    for proto in 1.1 2; do
        label="${rtt} ms RTT${rate:+ at $rate Mbit/s} + TLS, HTTP/$proto"
        w=$work/nginx-$n-tls-$proto
        h2=""
        [ "$proto" = 2 ] && h2=--http2
        tport=$("$here/nginx.sh" start "$w" "$cache/mrtg" --workers "$workers" --hash "$hash" --tls "$tls/cert.pem" "$tls/key.pem" $h2)
        servers="$w"
        rm -f "$w/proxy.port"
        "$proxy" --target "$tport" --rtt-ms "$rtt" ${rate:+--rate-mbit "$rate"} --port-file "$w/proxy.port" >/dev/null &
        proxy_pid=$!
        i=0
        while [ ! -s "$w/proxy.port" ]; do
            i=$((i + 1))
            [ $i -lt 100 ] || die "the delay proxy did not start"
            sleep 0.05
        done
        pport=$(cat "$w/proxy.port")
        note "$label: nginx on 127.0.0.1:$tport behind the delay proxy on 127.0.0.1:$pport"
        wroot=$work/root-$n-wan-$proto
        make_root "$wroot" "$pport" https "$tls/cert.pem"
        # the collector's transfers in flight over HTTP/2: SCAN_STREAMS, not below SCAN_PARALLEL;
        # pipelined (over HTTP/1.1 then), SCAN_PARALLEL x SCAN_PIPELINE
        streams=$("$sb" --root "$wroot" config | awk -F= '$1 == "SCAN_STREAMS" { s = $2 }
            $1 == "SCAN_PARALLEL" { p = $2 } $1 == "SCAN_PIPELINE" { q = $2 }
            END { if (q + 0 > 1) print p * q; else print (s + 0 > p + 0 ? s : p) }')
        if [ "$curl_too" = 1 ]; then
            urls "$pport" https "$work/curl-$n-wan.cfg" "$tls/cert.pem"
            [ "$proto" = 2 ] && echo 'http2' >>"$work/curl-$n-wan.cfg"
            [ "$proto" = 1.1 ] && echo 'http1.1' >>"$work/curl-$n-wan.cfg"
        fi
        if [ "$proto" = 2 ]; then
            compare "$wroot" "$label" 1.5 "$work/curl-$n-wan.cfg" "$streams"
        else
            compare "$wroot" "$label" 1.5 "$work/curl-$n-wan.cfg"
        fi
        kill "$proxy_pid" 2>/dev/null || true
        wait "$proxy_pid" 2>/dev/null || true
        proxy_pid=""
        "$here/nginx.sh" stop "$w"
        servers=""
    done
fi
exit "$status"
