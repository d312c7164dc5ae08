#!/bin/sh
# monitor.sh - the probe monitor benchmark: LINKS links on 127.0.x.y pinged every 60 s; the daemon's
# CPU (% of one core), RSS, probe start-time error p50/p99 and CPU per echo, over a bounded run;
# and between the daemon's runs fping on the same targets, the same echoes (count, period,
# timeout), for its CPU per echo in the same minutes.
#
#   bench/monitor.sh [LINKS [SECONDS]]      defaults: 10000 links, 240 s (at most 300)
#   SCANBACKUP=/path/to/scanbackup MODULES_DIR=/path/to/modules bench/monitor.sh
#
# When run as root where network namespaces can be made, the daemon runs in a namespace of its own
# (loopback only, net.ipv4.ping_group_range opened there) so that it pings over ICMP datagram
# sockets without touching the host's settings; otherwise on the host, where the ping module may
# fall back to the system ping (then the children's CPU is reported apart). Writes under
# bench/work/monitor/ and prints a Markdown row for bench/README.md.
set -eu
LINKS=${1:-10000}
SECONDS_RUN=${2:-240}
[ "$SECONDS_RUN" -le 300 ] || { echo "monitor.sh: at most 300 s" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
SB=${SCANBACKUP:-$TOP/scanbackup}
[ -x "$SB" ] || { echo "monitor.sh: no scanbackup binary at $SB (set SCANBACKUP)" >&2; exit 2; }
MODS=${MODULES_DIR:-$(dirname "$SB")/modules}
WORK=$HERE/work/monitor
rm -rf "$WORK"
mkdir -p "$WORK"
PY=/usr/bin/python3

# the config: links 127.0.<i/250>.<i%250+1>, ids 1..LINKS
$PY - "$WORK/monitor.json" "$LINKS" <<'PYEOF'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
ips = ["127.%d.%d.%d" % (i // 62500, i // 250 % 250, i % 250 + 1) for i in range(n)]
links = {"l%05d" % i: {"status": True, "ip": ips[i], "id": i + 1} for i in range(n)}
open(path.replace("monitor.json", "targets.txt"), "w").write("\n".join(ips) + "\n")
json.dump({"sleep_time": 10, "id": 1, "links": links,
           "tests": {"ping": {"interval": 60, "count": 3, "probe_interval": 1, "timeout": 1}}},
          open(path, "w"), indent=1)
PYEOF

NS=""
RUN=""
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "sbbench$$" 2>/dev/null; then
	NS="sbbench$$"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	RUN="ip netns exec $NS"
fi
cleanup() {
	[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

env MODULES_DIR="$MODS" MONITOR_STOP_GRACE=5 $RUN "$SB" --root "$WORK" monitor run \
	>"$WORK/stderr.log" 2>&1 &
i=0
PID=""
while [ $i -lt 100 ] && [ -z "$PID" ]; do
	sleep 0.1
	PID=$(cat "$WORK/data/monitor.pid" 2>/dev/null || true)
	i=$((i + 1))
done
[ -n "$PID" ] || { echo "monitor.sh: the monitor did not start:" >&2; cat "$WORK/stderr.log" >&2; exit 1; }

# CPU and RSS: the daemon's CPU from its process CPU clock (user and system, to the nanosecond), its
# children's from /proc in clock ticks, VmRSS sampled every second;
# the window starts 5 s before a minute (a run's grid time) and lasts whole minutes, so it holds
# whole runs; its start and end (unix seconds) go to proc.txt to count the echoes of those runs, and
# the CPU of each minute (one run) to its "run" lines. The daemon's first run makes every link's
# folder and its trace file of the hour (a folder once in a link's life, a file once an hour):
# it is in the window, and its figure is printed apart from the runs that only append.
# Half a minute after each of the daemon's runs, while it waits for the next, fping pings the same
# targets in the same namespace (3 echoes a target, 1 s apart, 1 s timeout, no pause between
# targets: -i 0, as the monitor sends a run at once), so that both programs' CPU per echo comes
# from the same minutes of the machine; each fping run's CPU is its own (wait4's rusage).
FPING=""
command -v fping >/dev/null && FPING=$(command -v fping)
$RUN $PY - "$PID" "$SECONDS_RUN" "$WORK/proc.txt" "$FPING" "$WORK/targets.txt" <<'PYEOF'
import os, subprocess, sys, time
pid, secs, out, fping, targets = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
secs = max(60, secs // 60 * 60)
hz = os.sysconf("SC_CLK_TCK")
time.sleep((55 - time.time() % 60) % 60)
w0 = time.time()
def stat():
    """(the daemon's CPU, its children's) in seconds: its own from the process's CPU clock, read
    to the nanosecond as wait4 gives fping's, else (no such clock) /proc's clock ticks."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    try:
        own = time.clock_gettime(((~pid) << 3) | 2)  # CPUCLOCK_SCHED of the process pid
    except OSError:
        own = (int(f[11]) + int(f[12])) / hz
    return own, (int(f[13]) + int(f[14])) / hz
def rss():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0
FPOUT = out + ".fping"
def fping_start():
    with open(FPOUT, "w") as err:
        return subprocess.Popen([fping, "-q", "-C", "3", "-p", "1000", "-t", "1000", "-i", "0",
                                 "-f", targets], stdout=subprocess.DEVNULL, stderr=err)
def fping_reap(p, block):
    """(cpu s, echoes sent, replies) of fping run p once it ended (wait4's rusage is its own);
    None while it runs."""
    wpid, status, ru = os.wait4(p.pid, 0 if block else os.WNOHANG)
    if wpid == 0:
        return None
    p.returncode = status
    sent = got = 0
    for line in open(FPOUT):
        if " : " in line:
            v = line.split(" : ", 1)[1].split()
            sent += len(v)
            got += sum(1 for x in v if x != "-")
    return ru.ru_utime + ru.ru_stime, sent, got
t0, (c0, k0) = time.monotonic(), stat()
peak = 0
runs = []
pings = []
mark, cm = t0, c0
proc, next_ping = None, t0 + 35
while time.monotonic() - t0 < secs:
    peak = max(peak, rss())
    time.sleep(max(0.0, min(1.0, t0 + secs - time.monotonic())))
    now = time.monotonic()
    if proc is not None:
        got = fping_reap(proc, False)
        if got is not None:
            pings.append(got)
            proc = None
    if fping and proc is None and now >= next_ping and now < t0 + secs - 10:
        proc = fping_start()
        next_ping += 60
    if now - mark >= 60 - 0.5:
        c, _ = stat()
        runs.append((int(w0 + (mark - t0)), c - cm))
        mark, cm = now, c
if proc is not None:
    pings.append(fping_reap(proc, True))
t1, (c1, k1) = time.monotonic(), stat()
hwm = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmHWM:")][0].split()[1]
wall = t1 - t0
with open(out, "w") as f:
    f.write("cpu %.3f\nchildren %.3f\nrss_peak_kb %d\nhwm_kb %s\nwall %.1f\n" % (
        100.0 * (c1 - c0) / wall, 100.0 * (k1 - k0) / wall, peak, hwm, wall))
    f.write("cpu_s %.4f\nfrom %d\nto %d\n" % (c1 - c0, int(w0), int(w0 + wall)))
    for start, cpu in runs:
        f.write("run %d %.4f\n" % (start, cpu))
    for cpu, sent, got in pings:
        f.write("fping %.4f %d %d\n" % (cpu, sent, got))
PYEOF

$RUN env MODULES_DIR="$MODS" "$SB" --root "$WORK" monitor status >"$WORK/status.txt"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PID=""

CPU=$(awk '/^cpu /{print $2}' "$WORK/proc.txt")
KIDS=$(awk '/^children /{print $2}' "$WORK/proc.txt")
RSS=$(awk '/^rss_peak_kb /{printf "%.1f", $2/1024}' "$WORK/proc.txt")
HWM=$(awk '/^hwm_kb /{printf "%.1f", $2/1024}' "$WORK/proc.txt")
ERR=$(grep '^start error' "$WORK/status.txt" | sed 's/^start error //')
PROBES=$(grep '^probes:' "$WORK/status.txt")
RECORDS=$(find "$WORK/data/PROBES/ping/1" -name '*.trace' -exec cat {} + 2>/dev/null | wc -l)
UP=$(find "$WORK/data/PROBES/ping/1" -name '*.trace' -exec cat {} + 2>/dev/null | awk -F'\t' '$7 > 0' | wc -l)
# the echoes of the runs inside the window: field 1 is the grid time (UTC, ISO 8601), 6 sent
FROM=$(date -u -d "@$(awk '/^from /{print $2}' "$WORK/proc.txt")" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "@$(awk '/^to /{print $2}' "$WORK/proc.txt")" +%Y-%m-%dT%H:%M:%SZ)
ECHOES=$(find "$WORK/data/PROBES/ping/1" -name '*.trace' -exec cat {} + 2>/dev/null |
	awk -F'\t' -v a="$FROM" -v b="$TO" '$1 >= a && $1 < b {n += $6} END {print n + 0}')
CPU_S=$(awk '/^cpu_s /{print $2}' "$WORK/proc.txt")
PER_ECHO=$(awk -v c="$CPU_S" -v n="$ECHOES" 'BEGIN {printf "%.2f", (n > 0 ? c * 1e6 / n : 0)}')
# each run apart: its minute's CPU over the echoes whose grid time falls in that minute
cat >"$WORK/runs.py" <<'PYEOF'
import sys, calendar, time
runs = [l.split()[1:] for l in open(sys.argv[1]) if l.startswith("run ")]
echo = {}
for line in sys.stdin:
    f = line.split("\t")
    t = calendar.timegm(time.strptime(f[0], "%Y-%m-%dT%H:%M:%SZ"))
    echo[t] = echo.get(t, 0) + int(f[5])
first = min(echo) if echo else 0
steady_c = steady_n = 0
for start, cpu in runs:
    start, cpu = int(start), float(cpu)
    n = sum(v for t, v in echo.items() if start <= t < start + 60)
    made = start <= first < start + 60 or (start + 5) % 3600 == 0
    what = ("first run: every link's folder and file made" if start <= first < start + 60 else
            "the hour's first run: every link's file of the hour made" if made else "appending")
    print("run at %s: %d echoes, CPU %.4f s: %.2f us per echo (%s)" % (
        time.strftime("%H:%M:%S", time.gmtime(start + 5)), n, cpu, cpu * 1e6 / n if n else 0, what))
    if not made:
        steady_c += cpu
        steady_n += n
print("steady %.2f" % (steady_c * 1e6 / steady_n if steady_n else 0))
PYEOF
RUNS=$(find "$WORK/data/PROBES/ping/1" -name '*.trace' -exec cat {} + 2>/dev/null |
	$PY "$WORK/runs.py" "$WORK/proc.txt")
STEADY=$(echo "$RUNS" | awk '/^steady /{print $2}')

# fping's runs between the daemon's (above): their CPU per echo, and the ratio to the daemon's
FPING_LINE="fping: not installed (Debian package fping)"
if grep -q '^fping ' "$WORK/proc.txt"; then
	F_RUNS=$(grep -c '^fping ' "$WORK/proc.txt")
	F_CPU=$(awk '/^fping /{c += $2} END {printf "%.3f", c}' "$WORK/proc.txt")
	F_SENT=$(awk '/^fping /{n += $3} END {print n + 0}' "$WORK/proc.txt")
	F_GOT=$(awk '/^fping /{n += $4} END {print n + 0}' "$WORK/proc.txt")
	F_EACH=$(awk '/^fping /{printf "%s%.2f", (n++ ? " / " : ""), ($3 > 0 ? $2 * 1e6 / $3 : 0)}' "$WORK/proc.txt")
	F_PER=$(awk -v c="$F_CPU" -v n="$F_SENT" 'BEGIN {printf "%.2f", (n > 0 ? c * 1e6 / n : 0)}')
	RATIO=$(awk -v a="$PER_ECHO" -v b="$F_PER" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
	SRATIO=$(awk -v a="$STEADY" -v b="$F_PER" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
	FPING_LINE="fping, $F_RUNS runs between the daemon's: $F_SENT echoes ($F_GOT replies), CPU $F_CPU s: $F_PER us per echo ($F_EACH); monitor/fping = $RATIO (the window), $SRATIO (the appending runs)"
fi
echo "links $LINKS, ${SECONDS_RUN} s, $([ -n "$NS" ] && echo 'own namespace (ICMP datagram sockets)' || echo 'host namespace')"
echo "daemon CPU ${CPU}% of one core (children ${KIDS}%), RSS peak ${RSS} MB (VmHWM ${HWM} MB)"
echo "start error $ERR"
echo "$PROBES"
echo "records written: $RECORDS ($UP with replies)"
echo "monitor: $ECHOES echoes in the window's runs, CPU $CPU_S s: $PER_ECHO us per echo"
echo "$RUNS" | grep '^run '
echo "monitor, the appending runs: $STEADY us per echo"
echo "$FPING_LINE"
echo
echo "| $(date +%Y-%m-%d) | $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') | $LINKS | ${SECONDS_RUN} s | ${CPU} % | ${RSS} MB | $ERR | $RECORDS | $PER_ECHO us ($STEADY us appending) | ${F_PER:-} us |"
