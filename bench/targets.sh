#!/bin/sh
# targets.sh - every benchmark target in one run: the collection at 1,000, 10,000 and 50,000
# interfaces beside curl -Z (loopback, and over 30 ms + TLS), the nightly job, the store's load,
# the monthly report at the same three sizes and the monitor at 10,000 links. Each benchmark's
# whole output goes to bench/work/targets/<name>.out; at the end one table says, target by target,
# what was measured and whether it was met. Exit status 1 when a target was not. The collection
# runs each pair (scanbackup, curl -Z) five times on loopback, in turn first, after one warm-up
# run of each (collect.sh --warmup).
#
# Usage: bench/targets.sh [--quick]
#   --quick   the monitor for 120 s instead of 240 and no 50,000 row (the curve's last point)
#
# Environment: SCANBACKUP  the binary (default: ./scanbackup of an in-tree build, else
#                          ../build/scanbackup next to the repository); the store driver for
#                          report.sh is tests/store_cli beside it (`make tests/store_cli`)
#
# Needs what collect.sh, load.sh, report.sh and monitor.sh need (bench/README.md), and about
# 7 GB free under bench/work/ for the 50,000 logs. Takes about 13 minutes on 2 cores.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here/work/targets

die() { echo "targets.sh: $*" >&2; exit 1; }

quick=0
for a in "$@"; do
    case $a in
        --quick) quick=1 ;;
        *) die "unknown option $a (see the head of $0)" ;;
    esac
done

if [ -z "${SCANBACKUP:-}" ]; then
    if [ -x "$repo/scanbackup" ]; then SCANBACKUP=$repo/scanbackup
    elif [ -x "$repo/../build/scanbackup" ]; then SCANBACKUP=$(cd "$repo/../build" && pwd)/scanbackup
    elif [ -x "$repo/build/scanbackup" ]; then SCANBACKUP=$repo/build/scanbackup
    else die "no scanbackup binary found: set SCANBACKUP"
    fi
fi
# absolute: the benchmarks run it from their own folders
SCANBACKUP=$(cd "$(dirname "$SCANBACKUP")" && pwd)/$(basename "$SCANBACKUP")
[ -x "$SCANBACKUP" ] || die "$SCANBACKUP is not an executable"
export SCANBACKUP
bindir=$(dirname "$SCANBACKUP")
[ -x "$bindir/tests/store_cli" ] || die "no $bindir/tests/store_cli (make tests/store_cli in the build)"

sizes="1000 10000 50000"
secs=240
if [ "$quick" = 1 ]; then
    sizes="1000 10000"
    secs=120
fi

mkdir -p "$out"
rm -f "$out"/*.out
results=$out/results.tsv
: >"$results"

# row NAME GOAL MEASURED MET: one line of the final table (tab-separated until then)
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }

# step NAME COMMAND...: runs one benchmark, its output to $out/NAME.out and the terminal's
# last line; a benchmark that fails is a target not met, not the end of the run
step() {
    name=$1
    shift
    echo "targets: $name: $*"
    rc=0
    "$@" >"$out/$name.out" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        echo "targets: $name failed (exit status $rc); see $out/$name.out"
        tail -n 5 "$out/$name.out" | sed 's/^/    /'
    fi
}

# The figures of a collect.sh output, from its "scanbackup N interfaces in" and "scanbackup is Rx"
# lines. A ratio target is judged on the median of the pairs (each pair is printed): one pair of a
# run of 0.2 s moves by the clock's hundredths.
pairs() { # FILE LABEL: the ratio to curl -Z --parallel-max 32 of each pair, one a line
    grep "collect: $2: scanbackup is .* --parallel-max 32 " "$1" |
        sed 's/.* scanbackup is \([0-9.]*\)x.*/\1/'
}
ratios() { # FILE LABEL: every pair's ratio, "a / b / c"
    pairs "$1" "$2" | paste -sd' ' - | sed 's| | / |g'
}
median_ratio() { # FILE LABEL: the middle pair's ratio (the lower middle of an even count)
    pairs "$1" "$2" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
field_range() { # FILE LABEL TEXT-BEFORE-NUMBER: "min-max" of the number after the regex
    grep "collect: $2: scanbackup [0-9]* interfaces in" "$1" |
        sed -n "s/.*$3 \([0-9.]*\).*/\1/p" | sort -n | sed -n '1p;$p' | paste -sd'-' - |
        awk -F- '{ print ($1 == $2 || $2 == "") ? $1 : $0 }'
}
max_of() { echo "$1" | awk -F- '{ print $NF }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
met() { if "$@"; then echo met; else echo "NOT met"; fi; }

start=$(date +%s)
echo "targets: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets: $SCANBACKUP ($("$SCANBACKUP" --version | head -n 1))"

# --- the collection: loopback at each size, the defaults (apr1, one request at a time) ---
rss=""
for n in $sizes; do
    step "collect-$n" "$here/collect.sh" "$n" --repeat 5
    f=$out/collect-$n.out
    r=$(ratios "$f" "loopback http/1.1")
    w=$(median_ratio "$f" "loopback http/1.1")
    cpu=$(field_range "$f" "loopback http/1.1" ", CPU")
    mb=$(field_range "$f" "loopback http/1.1" "peak RSS")
    rate=$(field_range "$f" "loopback http/1.1" "=")
    rss="$rss $(max_of "$mb")"
    row "collect $n, loopback HTTP/1.1: ratio to curl -Z" ">= 1.0x" "${r:-none} ($rate interfaces/s)" "$(met ge "$w" 1.0)"
    row "collect $n: CPU per interface" "<= 0.3 ms" "$cpu ms" "$(met le "$(max_of "$cpu")" 0.3)"
    row "collect $n: peak RSS" "<= 64 MB" "$mb MB" "$(met le "$(max_of "$mb")" 64)"
done
# flat: the largest size's peak within a quarter of the smallest's
lo=$(echo "$rss" | awk '{ print $1 }')
hi=$(echo "$rss" | awk '{ print $NF }')
row "collect: peak RSS flat ($(echo $sizes | sed 's/ / \/ /g'))" "last <= 1.25 x first" \
    "$(echo $rss | sed 's/ / \/ /g') MB" "$(met awk -v a="$lo" -v b="$hi" 'BEGIN { exit !(a > 0 && b <= 1.25 * a) }')"

# --- the collection where the collector, not nginx's password check, is the bound ---
step collect-ssha "$here/collect.sh" 10000 --hash ssha --pipeline 4 --repeat 5
f=$out/collect-ssha.out
row "collect 10000, ssha, SCAN_PIPELINE=4: ratio to curl -Z" ">= 1.0x" \
    "$(ratios "$f" "loopback http/1.1") ($(field_range "$f" "loopback http/1.1" ", CPU") ms per interface)" \
    "$(met ge "$(median_ratio "$f" "loopback http/1.1")" 1.0)"

# --- over 30 ms + TLS, HTTP/1.1 pipelined and HTTP/2 ---
step collect-wan "$here/collect.sh" 10000 --wan --pipeline 4
f=$out/collect-wan.out
grep ': scanbackup is .* --parallel-max 32 ' "$f" | sed 's/^collect: \(.*\): scanbackup is .*/\1/' |
    grep -v '^loopback' | sort -u >"$out/wan-labels"
while IFS= read -r l; do
    row "collect 10000, $l: ratio to curl -Z" ">= 1.5x" "$(ratios "$f" "$l")" "$(met ge "$(median_ratio "$f" "$l")" 1.5)"
done <"$out/wan-labels"

# --- the whole nightly job ---
step collect-run "$here/collect.sh" 10000 --run --no-curl
s=$(sed -n 's/.*took \([0-9.]*\) s end to end.*/\1/p' "$out/collect-run.out" | head -n 1)
row "scanbackup run, 10000 interfaces" "<= 30 s" "${s:-none} s" "$(met le "$s" 30)"

# curve SCRIPT LABEL UNIT SED GOAL CMP LIMIT: SCRIPT.sh at each size, its figure (in UNIT) taken
# out of its output by SED; the target (GOAL: met when CMP FIGURE LIMIT holds) at 10,000, the
# other sizes the curve's points
curve() {
    for n in $sizes; do
        step "$1-$n" "$here/$1.sh" "$n"
        v=$(sed -n "$4" "$out/$1-$n.out")
        if [ "$n" = 10000 ]; then
            row "$(printf "$2" "$n")" "$5" "${v:-none} $3" "$(met "$6" "$v" "$7")"
        else
            row "$(printf "$2" "$n")" "(the curve)" "${v:-none} $3" ""
        fi
    done
}

# --- the store's load (updater) and the monthly report at each size ---
curve load "updater, %s interfaces" "samples/s" 's/.* = \([0-9]*\) samples\/s.*/\1/p' \
    ">= 500000 samples/s" ge 500000
curve report "report mensual, %s interfaces x 30 days" "s" 's/.*: best \([0-9.]*\) s.*/\1/p' \
    "<= 2 s" le 2

# --- the monitor at 10,000 links ---
step monitor "$here/monitor.sh" 10000 "$secs"
f=$out/monitor.out
cpu=$(sed -n 's/^daemon CPU \([0-9.]*\)%.*/\1/p' "$f")
mb=$(sed -n 's/.*RSS peak \([0-9.]*\) MB.*/\1/p' "$f")
p99=$(sed -n 's/^start error.* p99 \([0-9.]*\) ms.*/\1/p' "$f")
mon=$(sed -n 's/^monitor, the appending runs: \([0-9.]*\) us per echo.*/\1/p' "$f")
fp=$(sed -n 's/^fping, .* CPU [0-9.]* s: \([0-9.]*\) us per echo.*/\1/p' "$f")
row "monitor, 10000 links every 60 s: CPU" "<= 5 % of a core" "${cpu:-none} %" "$(met le "$cpu" 5)"
row "monitor: RSS" "<= 32 MB" "${mb:-none} MB" "$(met le "$mb" 32)"
row "monitor: start error p99" "<= 50 ms" "${p99:-none} ms" "$(met le "$p99" 50)"
row "monitor: CPU per echo" "<= fping's" "${mon:-none} us (fping ${fp:-none} us)" "$(met le "$mon" "${fp:-0}")"

# --- the table ---
echo
echo "targets: $(nproc) x $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(date -u +%Y-%m-%d), $(($(date +%s) - start)) s; outputs in $out"
echo
echo "| target | goal | measured | |"
echo "|---|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$results"
missed=$(awk -F'\t' '$4 == "NOT met"' "$results" | wc -l)
echo
echo "targets: $(awk -F'\t' '$4 == "met"' "$results" | wc -l) met, $missed not met"
[ "$missed" = 0 ]
