#!/bin/sh
# load.sh N - the store benchmark: N interfaces x 288 samples of spool (one file per layer, as a
# scan writes it) loaded into SQLite by
# `scanbackup updater data`. Prints samples/s and peak RSS. Target: N = 10,000 at >= 500,000
# samples/s on 2 cores. The spool is generated afresh (bench/work/load-N/) on every run.
#   SCANBACKUP=/path/to/scanbackup bench/load.sh 10000
set -eu
N=${1:-10000}
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
mkdir -p "$root"
printf 'TIMEZONE=UTC\nDATABASE_URI=sqlite:data/scanbackup.db\n' > "$root/.env"
/usr/bin/python3 - "$root" "$N" "$date" <<'PY'
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
sync
echo "load: $N interfaces x 288 samples spooled in $root"
cd "$root"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v -o time.out "$SCANBACKUP" --root "$root" updater data --date "$date" > load.out 2>&1 ||
		{ echo "load: the updater failed ($SCANBACKUP):" >&2; cat load.out time.out >&2; exit 1; }
	rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' time.out)
	wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' time.out)
else
	echo "load: install the Debian package 'time' for the figures" >&2
	exit 2
fi
secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
samples=$((N * 288))
grep '^updater data' load.out
awk -v s="$samples" -v t="$secs" -v r="$rss" 'BEGIN {
	printf "load: %d samples in %.2f s = %.0f samples/s (target >= 500000); peak RSS %.1f MB\n", s, t, s / t, r / 1024 }'
