#!/bin/sh
# run.sh - runs each built libFuzzer target for SECONDS on its seed corpus; fails on any crash.
#
# Usage: tests/fuzz/run.sh SECONDS [FUZZER...]
#
# FUZZER is the path of a built target named fuzz_<target> (fuzz_mrtg, fuzz_ping, fuzz_spool...).
# Without one, runs every executable fuzz_* found in $SB_FUZZ_BUILDDIR/tests/fuzz/ (default: the
# current directory), i.e. run it from a build tree configured with
#   CC=clang /path/to/configure --enable-fuzzers && make
# This script builds nothing. Each target reads tests/fuzz/corpus/<target>/ and
# tests/fuzz/regressions/<target>/ beside this script and never writes there: new inputs go to
# $SB_FUZZ_WORKDIR/corpus/<target>/ and crashes to $SB_FUZZ_WORKDIR/artifacts/<target>/
# (SB_FUZZ_WORKDIR defaults to a new temporary directory, kept and printed at the end).
# Copy a crash file into tests/fuzz/regressions/<target>/ so that `make check` replays it.
# Extra libFuzzer options may be given in SB_FUZZ_OPTS (e.g. "-jobs=2 -workers=2").
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 SECONDS [FUZZER...]" >&2
	exit 2
fi
seconds=$1
shift
case $seconds in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number, got '$seconds'" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	dir=${SB_FUZZ_BUILDDIR:-.}/tests/fuzz
	for fuzzer in "$dir"/fuzz_*; do
		if [ -f "$fuzzer" ] && [ -x "$fuzzer" ]; then
			set -- "$@" "$fuzzer"
		fi
	done
	if [ $# -eq 0 ]; then
		echo "$0: no fuzz_* target built in $dir (configure CC=clang --enable-fuzzers, make)" >&2
		exit 2
	fi
fi
work=${SB_FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/sb-fuzz.XXXXXX")}

failed=0
for fuzzer in "$@"; do
	name=$(basename "$fuzzer")
	target=${name#fuzz_}
	if [ ! -x "$fuzzer" ]; then
		echo "$0: $fuzzer is not a built fuzzer (configure CC=clang --enable-fuzzers, make)" >&2
		failed=1
		continue
	fi
	seeds=$here/corpus/$target
	if [ ! -d "$seeds" ]; then
		echo "$0: no seed corpus $seeds for $name" >&2
		failed=1
		continue
	fi
	mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
	echo "== $name: $seconds s, seeds $seeds, crashes to $work/artifacts/$target/"
	# shellcheck disable=SC2086 # SB_FUZZ_OPTS is a list of options
	if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" \
		${SB_FUZZ_OPTS:-} "$work/corpus/$target" "$seeds" "$here/regressions/$target"; then
		echo "$0: $name FAILED; inputs in $work/artifacts/$target/:" >&2
		ls -l "$work/artifacts/$target" >&2
		failed=1
	fi
done
echo "work directory: $work"
exit $failed
