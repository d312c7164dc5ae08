#!/bin/sh
# lint.sh - the style rules machines can check, as TAP: no sprintf, strcpy, strcat, strtok,
# atoi, and no strtol/strtoll/strtoul whose end pointer is ignored, in core/, include/, modules/,
# tests/, examples/; no reference to a document outside the repository;
# and every C file laid out as .clang-format says.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
files=$(find core include modules tests examples -name '*.c' -o -name '*.h' | sort)
n=0
fail=0
check() { # name, extended regex
	n=$((n + 1))
	hits=$(grep -nE "$2" $files 2>/dev/null | grep -v 'lint: allow')
	if [ -z "$hits" ]; then
		echo "ok $n - no $1"
	else
		echo "not ok $n - no $1"
		echo "$hits" | sed 's/^/#   /'
		fail=1
	fi
}
check "sprintf/vsprintf (use snprintf)" '(^|[^n_a-z])v?sprintf[[:space:]]*\('
check "strcpy (use snprintf or memcpy with a length)" '(^|[^a-z_])strcpy[[:space:]]*\('
check "strcat" '(^|[^a-z_])strcat[[:space:]]*\('
check "strtok (not reentrant)" '(^|[^a-z_])strtok[[:space:]]*\('
check "atoi/atol (no error checking)" '(^|[^a-z_])ato(i|l|ll)[[:space:]]*\('
check "strtol family with a NULL end pointer (unchecked)" 'strto(l|ll|ul|ull|d)[[:space:]]*\([^,]*,[[:space:]]*NULL'
check "gets" '(^|[^a-z_f])gets[[:space:]]*\('

# Comments and documents state their facts, or point into docs/: never to a document the
# repository does not hold (the design notes, the style notes, the portal notes, the thesis the
# monitor started from). This file names them only in the pattern below.
n=$((n + 1))
outside=$(find core include modules scripts tests docs man web/src bench contrib examples README.md \
	Makefile.am configure.ac m4 -type f ! -path tests/lint.sh 2>/dev/null |
	xargs grep -nIE 'DESIGN|STYLE\.md|SCAN-PORTAL|[Tt]hesis|§' 2>/dev/null)
if [ -z "$outside" ]; then
	echo "ok $n - no reference to a document outside the repository"
else
	echo "not ok $n - no reference to a document outside the repository"
	echo "$outside" | sed 's/^/#   /'
	fail=1
fi

# Every folder of core/ says what it owns and what it may call, and docs/architecture.md names it.
n=$((n + 1))
undocumented=""
for d in core/*/; do
	d=${d%/}
	[ -f "$d/README.md" ] || undocumented="$undocumented $d/README.md"
	grep -q "\`${d#core/}/\`" docs/architecture.md || undocumented="$undocumented docs/architecture.md:${d#core/}/"
done
if [ -z "$undocumented" ]; then
	echo "ok $n - every folder of core/ has its README and a place in docs/architecture.md"
else
	echo "not ok $n - every folder of core/ has its README and a place in docs/architecture.md"
	for f in $undocumented; do echo "#   missing: $f"; done
	fail=1
fi

# The layout of .clang-format, on every C file.
n=$((n + 1))
if ! command -v clang-format >/dev/null 2>&1; then
	# a skip, which tests/results.sh counts (and CI, which installs clang-format, fails on)
	echo "ok $n - every C file laid out as .clang-format says # SKIP clang-format not found (Debian: clang-format)"
else
	bad=""
	for f in $files; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
	if [ -z "$bad" ]; then
		echo "ok $n - every C file laid out as .clang-format says"
	else
		echo "not ok $n - every C file laid out as .clang-format says"
		for f in $bad; do echo "#   $f (clang-format -i $f)"; done
		fail=1
	fi
fi
echo "1..$n"
exit $fail
