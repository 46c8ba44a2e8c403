#!/usr/bin/env bash
# Usage: cargo build --release && cargo run --release --example gen_mixed_log -- 1GiB /tmp/watch-bench-1g.log
#        bash benches/watch-throughput.sh   (needs curl; port 19465 free)
# Throughput of `errscan watch` against `errscan scan` on the same bytes.
set -euo pipefail
E=${E:-target/release/errscan}
LOG=${LOG:-/tmp/watch-bench-1g.log}
D=/tmp/watch-bench-dir
SIZE=$(stat -c %s "$LOG")
cat "$LOG" > /dev/null
metric() { curl -s "http://127.0.0.1:19465/metrics" | awk -v m="$1" '$1==m {print $2}'; }
for round in 1 2 3; do
  s0=$(date +%s.%N); "$E" scan -f csv "$LOG" > /tmp/watch-bench-scan.csv; s1=$(date +%s.%N)
  rm -rf "$D"; mkdir -p "$D"; : > "$D/app.log"
  "$E" watch --listen 127.0.0.1:19465 "$D/app.log" 2> "$D/err" & pid=$!
  until curl -s -o /dev/null http://127.0.0.1:19465/metrics; do sleep 0.1; done
  w0=$(date +%s.%N)
  cat "$LOG" >> "$D/app.log"
  a1=$(date +%s.%N)
  until [ "$(metric errscan_bytes_total)" = "$SIZE" ]; do sleep 0.02; done
  w1=$(date +%s.%N)
  rss=$(metric process_resident_memory_bytes)
  hits=$(curl -s http://127.0.0.1:19465/metrics | awk '$1 ~ /^errscan_errors_total/ {s+=$2} END {printf "%d", s}')
  kill -TERM $pid; wait $pid || true
  scanhits=$(awk -F, 'NR>1 {s+=$NF} END {printf "%d", s}' /tmp/watch-bench-scan.csv)
  python3 - "$SIZE" "$s0" "$s1" "$w0" "$a1" "$w1" "$rss" "$hits" "$scanhits" <<'P'
import sys
size, s0, s1, w0, a1, w1, rss, hits, scanhits = sys.argv[1:]
size = int(size); mib = size / 2**20
scan = float(s1) - float(s0); watch = float(w1) - float(w0); append = float(a1) - float(w0)
print(f"scan {scan:.2f}s ({mib/scan:.0f} MiB/s) | append {append:.2f}s | watch counted all after {watch:.2f}s ({mib/watch:.0f} MiB/s) | watch/scan speed {scan/watch:.2f} | rss {int(rss)/2**20:.0f} MiB | hits watch {hits} scan {scanhits}")
P
  rm -rf "$D"
done
