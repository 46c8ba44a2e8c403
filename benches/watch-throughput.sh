#!/usr/bin/env bash
# Throughput of `errscan watch` against `errscan scan` on the same bytes: wall time and CPU time.
#
# Usage: cargo build --release
#        cargo run --release --example gen_mixed_log -- 1GiB /tmp/watch-bench-1g.log
#        bash benches/watch-throughput.sh [BINARY...]   (needs python3; port 19465 free)
#
# With several binaries (e.g. the release builds of two commits), each round runs each of
# them in turn, so that a change of load on a shared machine falls on all of them alike.
# ROUNDS (default 3) sets the number of rounds.
#
# Each run times `errscan scan -f csv` of the file (in the page cache), then starts
# `errscan watch` on an empty file, appends the file to it with one `cat`, and polls
# `/metrics` every 20 ms (from one python process) until `errscan_bytes_total` is the file's
# size. Printed per run: the load average, scan's wall and CPU time (user + system), the
# append's time, the time until watch had counted everything and watch's CPU time (from
# /proc/PID/stat), the ratio of watch's speed to scan's, peak memory, and the hits both
# counted (they must be equal). Then the same for a backlog: `errscan watch --from-start` of
# the file itself, timed from its start (which includes start-up) until all is counted.
set -euo pipefail
LOG=${LOG:-/tmp/watch-bench-1g.log}
ROUNDS=${ROUNDS:-3}
if [ $# -eq 0 ]; then set -- target/release/errscan; fi
D=/tmp/watch-bench-dir
cat "$LOG" > /dev/null
for round in $(seq "$ROUNDS"); do
  for E in "$@"; do
    rm -rf "$D"; mkdir -p "$D"
    python3 - "$E" "$LOG" "$D" "$round" <<'P'
import os, subprocess, sys, time, urllib.request

exe, log, d, rnd = sys.argv[1:]
size = os.stat(log).st_size
mib = size / 2**20
load = open("/proc/loadavg").read().split()[0]

t = time.monotonic()
ru0 = os.times()
with open(f"{d}/scan.csv", "wb") as out:
    subprocess.run([exe, "scan", "-f", "csv", log], stdout=out, check=True)
scan = time.monotonic() - t
ru1 = os.times()
scan_cpu = (ru1.children_user - ru0.children_user) + (ru1.children_system - ru0.children_system)
scan_hits = sum(int(l.rsplit(b",", 1)[1]) for l in open(f"{d}/scan.csv", "rb").read().splitlines()[1:])

app = f"{d}/app.log"
open(app, "wb").close()
err = open(f"{d}/err", "wb")
w = subprocess.Popen([exe, "watch", "--listen", "127.0.0.1:19465", app], stderr=err)
url = "http://127.0.0.1:19465/metrics"

def metrics():
    try:
        body = urllib.request.urlopen(url, timeout=5).read().decode()
    except OSError:
        return None
    m = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            m[name] = float(value)
    return m

while metrics() is None:
    time.sleep(0.05)

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def counted():
    """Polls /metrics until watch has counted every byte of the log; its metrics then."""
    while True:
        m = metrics()
        if m and m.get("errscan_bytes_total") == size:
            return m
        time.sleep(0.02)

cpu0 = cpu(w.pid)
t = time.monotonic()
subprocess.run(["sh", "-c", f'cat "{log}" >> "{app}"'], check=True)
append = time.monotonic() - t
m = counted()
watch = time.monotonic() - t
watch_cpu = cpu(w.pid) - cpu0
hwm = next(int(l.split()[1]) for l in open(f"/proc/{w.pid}/status") if l.startswith("VmHWM"))
hits = int(sum(v for k, v in m.items() if k.startswith("errscan_errors_total")))
w.terminate()
w.wait()

# A backlog: the whole file, present at start, read with --from-start.
t = time.monotonic()
b = subprocess.Popen([exe, "watch", "--listen", "127.0.0.1:19465", "--from-start", log], stderr=err)
m = counted()
backlog = time.monotonic() - t
backlog_cpu = cpu(b.pid)
backlog_hwm = next(int(l.split()[1]) for l in open(f"/proc/{b.pid}/status") if l.startswith("VmHWM"))
backlog_hits = int(sum(v for k, v in m.items() if k.startswith("errscan_errors_total")))
b.terminate()
b.wait()
print(
    f"round {rnd} {exe}: load {load} | scan {scan:.2f}s, cpu {scan_cpu:.2f}s | "
    f"append {append:.2f}s | watch {watch:.2f}s, cpu {watch_cpu:.2f}s | "
    f"watch/scan speed {scan / watch:.2f}, cpu/GiB {watch_cpu / (size / 2**30):.2f}s vs "
    f"{scan_cpu / (size / 2**30):.2f}s | peak rss {hwm / 1024:.0f} MiB | "
    f"hits watch {hits} scan {scan_hits}{'' if hits == scan_hits else ' MISMATCH'}\n"
    f"  backlog (--from-start): {backlog:.2f}s, cpu {backlog_cpu:.2f}s, "
    f"watch/scan speed {scan / backlog:.2f} | peak rss {backlog_hwm / 1024:.0f} MiB | "
    f"hits {backlog_hits}{'' if backlog_hits == scan_hits else ' MISMATCH'}",
    flush=True,
)
P
    rm -rf "$D"
  done
done
