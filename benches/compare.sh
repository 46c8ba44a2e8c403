#!/usr/bin/env bash
# Whole-process timings of errscan beside ripgrep and coreutils on the same generated log, the
# figures of docs/performance.md. Needs ripgrep, hyperfine and GNU time
# (apt-get install ripgrep hyperfine time). Usage: benches/compare.sh [SIZE] (default 1GiB).
# The log, the same bytes cut into files of 100 KB, and compressed copies go to $BENCH_DIR
# (default target/bench, about 4 GB for 1GiB). RUNS=0 skips hyperfine's table; INTERLEAVE sets
# how many alternating rounds give the medians and ratios (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GiB}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
log=$dir/mixed-$size.log
many=$dir/many-$size
cargo build --release --quiet --bin errscan --example gen_mixed_log
if [ ! -f "$log" ]; then
  ./target/release/examples/gen_mixed_log "$size" "$log" "$dir/mixed-$size.expected.csv"
fi
if [ ! -d "$many" ]; then
  # The same bytes as files of about 100 KB, cut at line ends (GNU split -C).
  mkdir -p "$many.tmp"
  whole=$(realpath "$log")
  (cd "$many.tmp" && split -C 100000 -d -a 6 "$whole" part-)
  mv "$many.tmp" "$many"
fi
files=$(find "$many" -type f | wc -l)
if [ "${RUNS:-5}" -gt 0 ]; then
  gzip -1 -c "$log" > "$log.gz"
  zstd -q -f -1 "$log" -o "$log.zst" 2>/dev/null || true
fi
errscan=./target/release/errscan
# Warm the page cache, then check the results on every shape before timing them.
cat "$log" > /dev/null
find "$many" -type f -exec cat {} + > /dev/null
check() {
  python3 benches/check_counts.py "$dir/mixed-$size.expected.csv" "$dir/out.csv" "errscan counts, $1"
}
$errscan scan -f csv "$log" > "$dir/out.csv" && check "one file"
$errscan scan -f csv "$many" > "$dir/out.csv" && check "$files files"
cat "$log" | $errscan scan -f csv > "$dir/out.csv" && check "stdin"
families=(-e 'E0000[0-9]{3}' -e 'Stormpath [0-9]{4,5}' -e '"code":\s*"?[0-9]+' -e 'error=[a-z_]+'
          -e '"error":\s*"[a-z_]+"' -e 'errorCode=[0-9]{5}' -e '(Operation\.Failure|Params\.(Blank|Illegal|Exist))[.A-Za-z]*'
          -e '"stat":\s*"error"')
rg_families="rg --count-matches $(printf "%q " "${families[@]}")"
# The bare reader: the pipe widened to 1 MiB, 1 MiB reads, nothing scanned.
drain="python3 benches/drain_pipe.py"
if [ "${RUNS:-5}" -gt 0 ]; then
  hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$dir/timings.md" \
    -n 'cat >/dev/null' "cat $log > /dev/null" \
    -n 'wc -l' "wc -l $log" \
    -n 'rg --count-matches, 8 families' "$rg_families $log" \
    -n "rg, $files files" "$rg_families --no-ignore $many > /dev/null" \
    -n 'errscan scan (mmap)' "$errscan scan -f csv --mmap always $log" \
    -n "errscan scan, $files files" "$errscan scan -f csv $many" \
    -n 'errscan scan -j1 (mmap)' "$errscan scan -f csv --mmap always -j1 $log" \
    -n 'cat | errscan scan (stdin)' "cat $log | $errscan scan -f csv" \
    -n 'cat | bare pipe reader (nothing scanned)' "cat $log | $drain" \
    -n 'errscan scan file.gz' "$errscan scan -f csv $log.gz" \
    -n 'zcat | errscan scan' "zcat $log.gz | $errscan scan -f csv" \
    -n 'zcat >/dev/null' "zcat $log.gz > /dev/null"
  cat "$dir/timings.md"
fi
# The machine's speed drifts between hyperfine's groups of runs: every case once more, in
# turn, INTERLEAVE times each, with wall time and CPU (user + system, of the whole pipeline
# for the piped cases) of each run; then the medians and the ratios of the speed goals
# (docs/performance.md, "Goal").
times=$dir/interleaved
names=(rg errscan rg_many errscan_many stdin drain)
for name in "${names[@]}"; do rm -f "$times.$name"; done
TIMEFORMAT='%R %U %S'
for _ in $(seq "${INTERLEAVE:-10}"); do
  { time eval "$rg_families $log" > /dev/null; } 2>> "$times.rg"
  { time $errscan scan -f csv --mmap always "$log" > /dev/null; } 2>> "$times.errscan"
  { time eval "$rg_families --no-ignore $many" > /dev/null; } 2>> "$times.rg_many"
  { time $errscan scan -f csv "$many" > /dev/null; } 2>> "$times.errscan_many"
  { time cat "$log" | $errscan scan -f csv > /dev/null; } 2>> "$times.stdin"
  { time cat "$log" | $drain; } 2>> "$times.drain"
done
python3 - "$times" "$files" "${names[@]}" <<'EOF'
import statistics, sys
wall, cpu = {}, {}
for name in sys.argv[3:]:
    runs = [[float(x) for x in line.split()] for line in open(f"{sys.argv[1]}.{name}")]
    wall[name] = statistics.median(r[0] for r in runs)
    cpu[name] = statistics.median(r[1] + r[2] for r in runs)
    print(f"interleaved, {name}: wall fastest {min(r[0] for r in runs):.3f} s, "
          f"median {wall[name]:.3f} s; CPU median {cpu[name]:.3f} s ({len(runs)} runs)")
files = sys.argv[2]
rows = [
    ("one file, wall, errscan / rg", wall["errscan"] / wall["rg"], "<= 0.6"),
    ("one file, CPU (user+sys), errscan / rg", cpu["errscan"] / cpu["rg"], "<= 1.0"),
    (f"{files} files, wall, errscan / rg", wall["errscan_many"] / wall["rg_many"], "<= 1.0"),
    (f"{files} files / one file, wall, errscan", wall["errscan_many"] / wall["errscan"], "<= 1.25"),
    ("cat F | errscan scan / cat F | bare reader, wall", wall["stdin"] / wall["drain"], "<= 1.3"),
]
print("| shape (medians of alternating runs) | ratio | goal |")
print("| --- | ---: | --- |")
for label, ratio, goal in rows:
    print(f"| {label} | {ratio:.2f} | {goal} |")
print(f"also: {files} files / one file, CPU, errscan {cpu['errscan_many'] / cpu['errscan']:.2f}; "
      f"ripgrep {wall['rg_many'] / wall['rg']:.2f} (wall), {cpu['rg_many'] / cpu['rg']:.2f} (CPU); "
      f"stdin at {100 * wall['errscan'] / wall['stdin']:.0f}% of the mapped file's speed")
EOF
for name in "${names[@]}"; do rm -f "$times.$name"; done
# Where stdin's CPU goes: each side of `cat | errscan` timed on its own, beside the scan of the
# mapped file. On n cores the pipeline takes at least (errscan's CPU + cat's CPU) / n; the
# mapped scan keeps every core busy (its CPU is close to n times its time), so stdin's speed as
# a share of the mapped file's is at most mapped CPU / (errscan's + cat's CPU).
cpu=$dir/cpu
sides=(mapped stdin cat)
for side in "${sides[@]}"; do rm -f "$cpu.$side"; done
for _ in $(seq "${INTERLEAVE:-10}"); do
  /usr/bin/time -a -o "$cpu.mapped" -f '%U %S' $errscan scan -f csv --mmap always "$log" > /dev/null
  /usr/bin/time -a -o "$cpu.cat" -f '%U %S' cat "$log" |
    /usr/bin/time -a -o "$cpu.stdin" -f '%U %S' $errscan scan -f csv > /dev/null
done
python3 - "$cpu" "${sides[@]}" <<'EOF'
import statistics, sys
cpu = {}
for side in sys.argv[2:]:
    runs = [line.split() for line in open(f"{sys.argv[1]}.{side}")]
    cpu[side] = statistics.median(float(u) + float(s) for u, s in runs)
print(f"CPU (user + system, medians): errscan on the mapped file {cpu['mapped']:.2f} s; "
      f"through stdin errscan {cpu['stdin']:.2f} s and cat {cpu['cat']:.2f} s")
print(f"stdin's speed can reach at most {100 * cpu['mapped'] / (cpu['stdin'] + cpu['cat']):.0f}% "
      f"of the mapped file's, with every core busy in both")
EOF
for side in "${sides[@]}"; do rm -f "$cpu.$side"; done
echo "peak memory, stdin:"
/usr/bin/time -f '%M KB max RSS, %e s' sh -c "cat $log | $errscan scan -f csv > /dev/null"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
