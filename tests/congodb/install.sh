#!/bin/sh
# install.sh - installs CongoDB (the MongoDB wire server in JavaScript of @push.rocks/smartmongo)
# into a folder of the build tree for the test suite.
# Usage: install.sh SRCDIR DESTDIR      (NODE and NPM name the programs; default node, npm)
#
# smartmongo's own dependencies cannot be installed (some versions it asks for are not on the
# registry, and one downloads a mongod), so only what CongoDB imports is installed, exactly as
# package-lock.json pins it (npm ci, no install scripts run); smartmongo itself is fetched with
# npm pack, checked against the integrity recorded in package.json and unpacked beside them.
set -eu
src=$1
dest=$2
NODE=${NODE:-node}
NPM=${NPM:-npm}

fail() {
	echo "tests/congodb/install.sh: $*" >&2
	exit 1
}

major=$("$NODE" -p 'process.versions.node.split(".")[0]') || fail "cannot run $NODE"
[ "$major" -ge 18 ] || fail "CongoDB needs node >= 18; $NODE is $("$NODE" --version)"

mkdir -p "$dest"
if ! [ "$src/package.json" -ef "$dest/package.json" ]; then
	cp "$src/package.json" "$src/package-lock.json" "$dest/"
fi
cd "$dest"
"$NPM" ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null ||
	fail "npm ci failed (is the npm registry reachable?)"

spec=$("$NODE" -p 'const c = require("./package.json").congodb; c.package + "@" + c.version')
want=$("$NODE" -p 'require("./package.json").congodb.integrity')
rm -rf pack
mkdir pack
tgz=$("$NPM" pack "$spec" --ignore-scripts --pack-destination pack --loglevel=error) ||
	fail "npm pack $spec failed"
got=$("$NODE" -e 'const c = require("crypto"), fs = require("fs");
console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' \
	"pack/$tgz")
[ "$got" = "$want" ] || fail "$spec: integrity $got, package.json pins $want"
target=node_modules/@push.rocks/smartmongo
rm -rf "$target"
mkdir -p "$target"
tar -xzf "pack/$tgz" -C "$target" --strip-components=1
rm -rf pack
[ -f "$target/dist_ts/congodb/index.js" ] || fail "$spec holds no dist_ts/congodb/index.js"
