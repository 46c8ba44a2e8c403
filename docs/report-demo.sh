#!/usr/bin/env bash
# Makes the HTML report shown in docs/report.png: the sample logs re-timed over one day on
# two hosts (with a burst of Okta rate limiting on one), a baseline day, then the nightly
# recipe: per-host JSON reports, merged into one page against the baseline.
# Usage: docs/report-demo.sh OUTDIR   (needs errscan on PATH, or ERRSCAN=path/to/errscan)
set -euo pipefail
out=${1:?usage: docs/report-demo.sh OUTDIR}
errscan=${ERRSCAN:-errscan}
here="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$out"
# day HOST DATE BURST SEED: every sample line, several times, at pseudo-random times of DATE.
day() {
  cat "$here"/sample-logs/*.log | awk -v date="$2" -v burst="$3" -v seed="$4" '
    BEGIN { srand(seed) }
    { lines[n++] = $0 }
    END {
      for (h = 0; h < 24; h++) {
        k = 120 + int(80 * (h > 12 ? h - 12 : 12 - h) / 12)
        for (i = 0; i < k; i++) {
          printf "%sT%02d:%02d:%02dZ %s\n", date, h, int(rand() * 60), int(rand() * 60), lines[int(rand() * n)]
        }
        if (burst && (h == 14 || h == 15)) {
          for (i = 0; i < 250; i++) {
            printf "%sT%02d:%02d:%02dZ WARN okta call failed: HTTP 429, Okta E0000047 (API call exceeded rate limit due to too many requests.)\n", date, h, int(rand() * 60), int(rand() * 60)
          }
        }
      }
    }' > "$out/$1.log"
}
day idp-1 2026-11-21 1 1
day idp-2 2026-11-21 0 2
day idp-1-before 2026-11-20 0 3
for host in idp-1 idp-2 idp-1-before; do
  "$errscan" scan -f json -g vendor,code,file,hour -o "$out/$host.json" "$out/$host.log"
done
"$errscan" merge -f html --baseline "$out/idp-1-before.json" -o "$out/report.html" \
  "$out/idp-1.json" "$out/idp-2.json"
echo "$out/report.html"
