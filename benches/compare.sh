#!/usr/bin/env bash
# Whole-process timings of errscan beside ripgrep and coreutils on the same generated log, the
# figures of docs/performance.md. Needs ripgrep, hyperfine and GNU time
# (apt-get install ripgrep hyperfine time). Usage: benches/compare.sh [SIZE] (default 1GiB).
# The log and its compressed copies go to $BENCH_DIR (default target/bench, about 3 GB for 1GiB).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GiB}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
log=$dir/mixed-$size.log
cargo build --release --quiet --bin errscan --example gen_mixed_log
if [ ! -f "$log" ]; then
  ./target/release/examples/gen_mixed_log "$size" "$log" "$dir/mixed-$size.expected.csv"
fi
gzip -1 -c "$log" > "$log.gz"
zstd -q -f -1 "$log" -o "$log.zst" 2>/dev/null || true
errscan=./target/release/errscan
# Warm the page cache, then check the result before timing it.
cat "$log" > /dev/null
$errscan scan -f csv "$log" > "$dir/out.csv"
python3 - "$dir/mixed-$size.expected.csv" "$dir/out.csv" <<'EOF'
import csv, sys
exp = {(r['vendor'], r['code']): int(r['count']) for r in csv.DictReader(open(sys.argv[1]))}
got = {(r['vendor'], r['code']): int(r['count']) for r in csv.DictReader(open(sys.argv[2]))}
bad = {k for k in exp.keys() | got.keys() if exp.get(k) != got.get(k)}
print(f"errscan counts: {sum(got.values())} hits, {len(bad)} (vendor, code) rows differ from the generator's truth")
sys.exit(1 if bad else 0)
EOF
families=(-e 'E0000[0-9]{3}' -e 'Stormpath [0-9]{4,5}' -e '"code":\s*"?[0-9]+' -e 'error=[a-z_]+'
          -e '"error":\s*"[a-z_]+"' -e 'errorCode=[0-9]{5}' -e '(Operation\.Failure|Params\.(Blank|Illegal|Exist))[.A-Za-z]*'
          -e '"stat":\s*"error"')
rg_families="rg --count-matches $(printf "%q " "${families[@]}") $log"
hyperfine --warmup 1 --runs ${RUNS:-5} --export-markdown "$dir/timings.md" \
  -n 'cat >/dev/null' "cat $log > /dev/null" \
  -n 'wc -l' "wc -l $log" \
  -n 'rg --count-matches, 8 families' "$rg_families" \
  -n 'errscan scan (mmap)' "$errscan scan -f csv --mmap always $log" \
  -n 'errscan scan -j1 (mmap)' "$errscan scan -f csv --mmap always -j1 $log" \
  -n 'cat | errscan scan (stdin)' "cat $log | $errscan scan -f csv" \
  -n 'cat | bare pipe reader (nothing scanned)' "cat $log | python3 benches/drain_pipe.py" \
  -n 'errscan scan file.gz' "$errscan scan -f csv $log.gz" \
  -n 'zcat | errscan scan' "zcat $log.gz | $errscan scan -f csv" \
  -n 'zcat >/dev/null' "zcat $log.gz > /dev/null"
cat "$dir/timings.md"
# The machine's speed may drift between hyperfine's groups of runs: errscan (mapped file and
# stdin), ripgrep and the bare pipe reader once more, in turn, INTERLEAVE times each (default
# 10), with the fastest and median times and stdin's speed as a share of the mapped file's.
times=$dir/interleaved
names=(rg errscan stdin drain)
for name in "${names[@]}"; do rm -f "$times.$name"; done
TIMEFORMAT=%R
for _ in $(seq "${INTERLEAVE:-10}"); do
  { time eval "$rg_families" > /dev/null; } 2>> "$times.rg"
  { time $errscan scan -f csv --mmap always "$log" > /dev/null; } 2>> "$times.errscan"
  { time cat "$log" | $errscan scan -f csv > /dev/null; } 2>> "$times.stdin"
  { time cat "$log" | python3 benches/drain_pipe.py; } 2>> "$times.drain"
done
python3 - "$times" "${names[@]}" <<'EOF'
import statistics, sys
median = {}
for name in sys.argv[2:]:
    t = [float(line) for line in open(f"{sys.argv[1]}.{name}")]
    median[name] = statistics.median(t)
    print(f"interleaved, {name}: fastest {min(t):.2f} s, median {median[name]:.2f} s ({len(t)} runs)")
print(f"medians: errscan {median['errscan'] / median['rg']:.2f} times ripgrep's time; "
      f"stdin at {100 * median['errscan'] / median['stdin']:.0f}% of the mapped file's speed")
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
