#!/bin/sh
# quickstart.sh - sets scanbackup up on a Debian machine and runs it.
#   ./quickstart.sh          install dependencies, build, run the nightly job on the bundled
#                            examples (SQLite, no portal, no MongoDB) and write the daily report
#   ./quickstart.sh check    install dependencies, build and run the test suite
# The build lives in build/; the example run writes examples/data/.
set -e
cd "$(dirname "$0")"
top=$(pwd)
contrib/install-deps.sh
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure $CONFIGURE_FLAGS
make -j"$(nproc)"
case "${1:-run}" in
check)
	make -j"$(nproc)" check
	;;
run)
	./scanbackup --root "$top/examples" run --date 2026-11-20
	./scanbackup --root "$top/examples" diario --date 2026-11-20
	;;
*)
	echo "usage: $0 [run|check]" >&2
	exit 2
	;;
esac
