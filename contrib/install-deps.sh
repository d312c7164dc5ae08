#!/bin/sh
# install-deps.sh - installs the Debian packages scanbackup builds, runs and tests with.
# Usage: contrib/install-deps.sh        (as root, or with sudo available)
set -e
PKGS="build-essential autoconf automake libtool libltdl-dev pkg-config
 libcurl4-openssl-dev libmongoc-dev libbson-dev libxlsxwriter-dev liblua5.4-dev lua5.4
 libsqlite3-dev sqlite3 libxml2-dev zlib1g-dev tzdata ca-certificates
 python3 python3-mockupdb python3-openpyxl python3-prometheus-client nginx openssl time
 clang clang-format libclang-rt-14-dev iputils-ping traceroute iproute2 nftables fping mrtg
 libmicrohttpd-dev libsodium-dev libmaxminddb-dev libmaxmind-db-writer-perl libiperf-dev iperf3
 nodejs chromium wrk groff-base man-db
 libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm builds the dashboard; a nodejs from elsewhere may bring its own (then Debian's conflicts).
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
