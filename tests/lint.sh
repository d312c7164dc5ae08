#!/bin/sh
# lint.sh - the style rules machines can check (STYLE.md 14), as TAP: no sprintf, strcpy, strcat,
# strtok, atoi, and no strtol/strtoll/strtoul whose end pointer is ignored, in core/, modules/, tests/.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
files=$(find core modules tests -name '*.c' -o -name '*.h' | sort)
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
echo "1..$n"
exit $fail
