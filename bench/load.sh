#!/bin/sh
# load.sh N [--repeat R] [--warmup W] - the store benchmark: N interfaces x 288 samples of spool
# (one file per layer, as a scan writes it) loaded into SQLite by `scanbackup updater data`.
# Prints samples/s and peak RSS of each run and the median run's. Target: N = 10,000 at >= 500,000
# samples/s on 2 cores. The spool is generated once per invocation (bench/work/load-N/spool/) and
# each run loads a fresh copy of it into a new database.
#   --repeat R  timed runs (default 3); the figure is the median run's
#   --warmup W  runs before them, not counted (default 1): the first run after a pause pays for
#               the program's pages and the spool's that nobody has touched since (the kernel's
#               reclaim may have taken them: bench/README.md, "Why the pairs needed a warm-up")
#   SCANBACKUP=/path/to/scanbackup bench/load.sh 10000
set -eu
N=10000 repeat=3 warmup=1
while [ $# -gt 0 ]; do
	case $1 in
		--repeat) repeat=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		[0-9]*) N=$1; shift ;;
		*) echo "load: unknown argument $1 (see the head of $0)" >&2; exit 2 ;;
	esac
done
case $N$repeat$warmup in *[!0-9]*) echo "load: N, --repeat and --warmup are whole numbers" >&2; exit 2 ;; esac
[ "$N" -gt 0 ] && [ "$repeat" -gt 0 ] || { echo "load: N and --repeat must be positive" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
SCANBACKUP=${SCANBACKUP:-}
if [ -z "$SCANBACKUP" ]; then
	for c in "$here/../scanbackup" "$here/../build/scanbackup" "$here/../../build/scanbackup"; do
		[ -x "$c" ] && SCANBACKUP=$c && break
	done
fi
[ -x "${SCANBACKUP:-}" ] || { echo "load: set SCANBACKUP to the scanbackup binary" >&2; exit 2; }
case $SCANBACKUP in /*) ;; *) SCANBACKUP=$PWD/$SCANBACKUP ;; esac # it runs from its root, below
root="$here/work/load-$N"
date=2026-11-20
rm -rf "$root"
mkdir -p "$root/spool"
printf 'TIMEZONE=UTC\nDATABASE_URI=sqlite:data/scanbackup.db\n' > "$root/.env"
/usr/bin/python3 - "$root/spool" "$N" "$date" <<'PY'
import os, sys, calendar, random, zlib
root, n, date = sys.argv[1], int(sys.argv[2]), sys.argv[3]
y, m, d = map(int, date.split("-"))
start = calendar.timegm((y, m, d, 0, 0, 0))
layers = ["BORDE", "BRAS", "CACHING", "RAI", "IXP"]
rnd = random.Random(1)
files = {}
for layer in layers:  # the spool as a scan writes it: one file per layer and day (docs/storage.md)
    folder = os.path.join(root, "data/SCAN", layer, date)
    os.makedirs(folder, exist_ok=True)
    files[layer] = open(os.path.join(folder, "000001.spool"), "wb")
    files[layer].write(("#scanbackup-spool\t2\t%s\t%s\n" % (layer, date)).encode())
for i in range(n):
    layer = layers[i % len(layers)]
    name = "%s-%05d ET-0/0/%d - LINK" % (layer, i, i % 48)
    rows = []
    for k in range(288):
        a, b = rnd.randrange(10 ** 9), rnd.randrange(10 ** 9)
        rows.append("%d\t%02d:%02d:00\t%d\t%d\t%d\t%d\n" % (start + k * 300, k * 5 // 60, k * 5 % 60, a, b, a + 7, b + 9))
    body = ("name\t%s\ntype\tCISCO\ncapacity\t100\nurl\tx\nsamples\t288\n%s" % (name, "".join(rows))).encode()
    files[layer].write(b"@\t%d\t%08x\n" % (len(body), zlib.crc32(body)) + body)
for f in files.values():
    f.close()
PY
echo "load: $N interfaces x 288 samples spooled in $root/spool"
[ -x /usr/bin/time ] || { echo "load: install the Debian package 'time' for the figures" >&2; exit 2; }
cd "$root"
samples=$((N * 288))
: >runs.txt
k=0
while [ $k -lt $((warmup + repeat)) ]; do
	k=$((k + 1))
	# a fresh copy of the spool, written out, and read once more so no run pays for the disk
	rm -rf data
	cp -a spool/data data
	sync
	find data -type f -exec cat {} + >/dev/null
	/usr/bin/time -v -o time.out "$SCANBACKUP" --root "$root" updater data --date "$date" > load.out 2>&1 ||
		{ echo "load: the updater failed ($SCANBACKUP):" >&2; cat load.out time.out >&2; exit 1; }
	rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' time.out)
	wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' time.out)
	secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
	grep '^updater data' load.out
	if [ $k -le "$warmup" ]; then
		label="warm-up $k"
	else
		label="run $((k - warmup))"
		echo "$secs $rss" >>runs.txt
	fi
	awk -v l="$label" -v s="$samples" -v t="$secs" -v r="$rss" 'BEGIN {
		printf "load: %s: %d samples in %.2f s, %.0f samples/s; peak RSS %.1f MB\n", l, s, t, s / t, r / 1024 }'
done
# the median run (the slower middle of an even count), every run's rate beside it
sort -n runs.txt | awk -v s="$samples" '{ t[NR] = $1; if ($2 > r) r = $2 } END {
	m = t[int(NR / 2) + 1]
	printf "load: %d samples in %.2f s = %.0f samples/s, the median of %d runs (target >= 500000); peak RSS %.1f MB\n",
		s, m, s / m, NR, r / 1024 }'
printf 'load: the runs: %s samples/s\n' "$(awk -v s="$samples" '{ printf "%s%.0f", (NR > 1 ? " / " : ""), s / $1 }' runs.txt)"
