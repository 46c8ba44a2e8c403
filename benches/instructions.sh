#!/usr/bin/env bash
# Instructions per byte of `errscan scan -j1`, counted by callgrind, with the fixed costs (start-up,
# DFAs built the first time a rule is tried) cancelled: the count on a 100 MB generated log less
# the count on its first 20 MB, per 80 MB. Deterministic, unlike timings on a shared VM, so it
# can compare builds run at different times. Needs valgrind (apt-get install valgrind).
#
# Usage: benches/instructions.sh [OTHER_ERRSCAN]
#   with no argument: this tree's release build alone;
#   with the path of another build (say, of an older commit): both, and the ratio this / other.
# The logs go to $BENCH_DIR (default target/bench). Every 100 MB run's counts are checked against
# the generator's truth.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
log=$dir/mixed-100MB.log
head20=$dir/mixed-100MB.head20.log
cargo build --release --quiet --bin errscan --example gen_mixed_log
if [ ! -f "$log" ]; then
  ./target/release/examples/gen_mixed_log 100MB "$log" "$dir/mixed-100MB.expected.csv"
fi
if [ ! -f "$head20" ]; then
  # The first 20 MB, cut at a line end.
  head -c 20000000 "$log" | sed '$d' > "$head20"
fi

# Instructions of one run of `$1 scan -j1 -f csv $2`, its CSV left in $dir/out.csv.
count() {
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
    "$1" scan -j1 -f csv "$2" > "$dir/out.csv" 2> /dev/null
  callgrind_annotate "$dir/callgrind.out" 2> /dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

check() {
  python3 benches/check_counts.py "$dir/mixed-100MB.expected.csv" "$dir/out.csv" "$1"
}

# Prints the build's counts and sets `per80` to its instructions per 80 MB.
measure() {
  local bin=$1 full part
  full=$(count "$bin" "$log")
  check "$bin"
  part=$(count "$bin" "$head20")
  per80=$((full - part))
  printf '%s: 100 MB %d, first 20 MB %d, per 80 MB %d\n' "$bin" "$full" "$part" "$per80"
}

measure ./target/release/errscan
this=$per80
if [ $# -ge 1 ]; then
  measure "$1"
  awk -v a="$this" -v b="$per80" 'BEGIN { printf "per byte, this build / %s: %.3f\n", ARGV[1], a / b }' "$1"
fi
