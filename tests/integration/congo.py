"""congo.py - CongoDB, a MongoDB wire server in JavaScript (tests/congodb/), on a random loopback
port: a real query engine (upserts, finds with filters and sorts, cursors, listCollections,
listIndexes) that the MongoDB backend runs against over the wire. It does not enforce $jsonSchema
validators, unique indexes, authentication or exact BSON numeric types: those stay with the
MockupDB tests (mongopeer.py), which check the commands themselves.

The build installs it into the build tree (tests/Makefile.inc) and exports its folder as
SB_CONGODB_DIR and node as NODE. Without them the tests using it report a named TAP skip saying
why (CI fails on any skip)."""

import os
import subprocess

import sbtest

DIR = os.environ.get("SB_CONGODB_DIR", "")
NODE = os.environ.get("NODE", "")
LAUNCHER = os.path.join(sbtest.TOP_SRCDIR, "tests", "congodb", "congodb.mjs")


def unavailable():
    """Why CongoDB cannot run here, or None when it can."""
    if not DIR or not NODE:
        return "CongoDB needs node and npm, which configure did not find (apt-get install nodejs npm)"
    entry = os.path.join(DIR, "node_modules", "@push.rocks", "smartmongo", "dist_ts", "congodb",
                         "index.js")
    if not os.path.exists(entry):
        return "CongoDB is not installed in %s (make check installs it)" % DIR
    return None


def skip_rest_unless_available(t):
    """Reports the rest of the script as one named skip, and ends it, when CongoDB cannot run
    (t: the script's sbtest.Tap)."""
    why = unavailable()
    if why is not None:
        t.skip_rest(why)


class Congo:
    """One CongoDB server (in memory) on a random loopback port; stop() ends it. It also ends by
    itself when this process goes, since it stops at the end of its standard input."""

    def __init__(self):
        self.log = open(os.path.join(sbtest.tempdir("congodb-"), "congodb.err"), "w+")
        self.proc = subprocess.Popen([NODE, LAUNCHER, DIR], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.log.seek(0)
            err = self.log.read()
            self.stop()
            raise RuntimeError("CongoDB did not start: %r %s" % (line, err))
        self.port = int(line)

    def uri(self, db="ScanBackupDB", query=""):
        return "mongodb://127.0.0.1:%d/%s%s" % (self.port, db, query)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
