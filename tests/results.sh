#!/bin/sh
# results.sh - the test results of one or more build trees, counted from the .trs files that
# automake's test driver writes beside each test's .log (one ":test-result:" line per TAP check).
#
# Usage: tests/results.sh BUILDDIR...
#
# Prints each skipped check with its reason (the "SKIP:" lines of the .log files), each failed
# one likewise with its test's diagnostics (the .log's "#" lines, at most 60), and ends with
# exactly one line "N passed, N failed, N skipped". PASS counts as passed; FAIL, ERROR, XPASS and
# XFAIL as failed (a check expected to fail is lost too); SKIP as skipped. A build tree holding
# no .trs file at all counts as one failure (its suite never ran). Exits 0 only when nothing
# failed and nothing was skipped.
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILDDIR..." >&2
	exit 2
fi
passed=0
failed=0
skipped=0
for dir in "$@"; do
	trs_list=$(find "$dir" -name '*.trs' 2>/dev/null | sort)
	if [ -z "$trs_list" ]; then
		echo "$dir: no test results (.trs files): the suite did not run"
		failed=$((failed + 1))
		continue
	fi
	for trs in $trs_list; do
		p=$(grep -c '^:test-result: PASS' "$trs")
		f=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS|XFAIL)' "$trs")
		s=$(grep -c '^:test-result: SKIP' "$trs")
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		[ "$s" -gt 0 ] || [ "$f" -gt 0 ] || continue
		log=${trs%.trs}.log
		if [ -f "$log" ]; then
			grep -E '^(SKIP|FAIL|ERROR|XPASS|XFAIL): ' "$log" | sed "s|^|$dir: |"
			# a failed test's diagnostics ("#" lines: what it got, a server's last words)
			[ "$f" = 0 ] || grep '^#' "$log" | head -n 60 | sed "s|^|$dir: |"
		else
			echo "$dir: $trs: $s skipped, $f failed (no $log to say which)"
		fi
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
