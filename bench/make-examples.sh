#!/bin/sh
# make-examples.sh - regenerate examples/mrtg/ from the example sources files (fixed seed: same bytes each time).
#
# Usage: bench/make-examples.sh
#
# Each line of examples/sources/SCAN/<LAYER> names a page relative to examples/; its log is written there
# (mrtg/<layer>/<name>.html -> examples/mrtg/<layer>/<name>.log) for the day 2026-11-20 in America/Caracas,
# as SCAN would serve it at 04:00 on the 21st. Each log is whole: its 5-minute part and MRTG's
# 30-minute, 2-hour and 1-day sections (two years), which `scanbackup backfill` reads. RAI-BQT-01 misses 09:30-13:00 (246 samples instead of 288), so the
# alert log shows a short day.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ex=$(cd "$here/../examples" && pwd)

rm -rf "$ex/mrtg"
for f in "$ex"/sources/SCAN/*; do
    /usr/bin/python3 "$here/gen-mrtg.py" --from-sources "$f" --out "$ex" --date 2026-11-20 \
        --tz America/Caracas --seed 20261120 --gap '09:30-13:00@RAI-BQT-01' -q
done
find "$ex/mrtg" -name '*.log' | sort
du -sh "$ex"
