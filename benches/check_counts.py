"""Checks errscan's `-f csv` counts against the generator's truth.

Usage: python3 benches/check_counts.py EXPECTED.csv GOT.csv LABEL
Prints one line (the label, the hits, how many (vendor, code) rows differ) and exits 1 when
any row differs. Used by benches/compare.sh and benches/instructions.sh.
"""
import csv
import sys

expected_path, got_path, label = sys.argv[1:4]
exp = {(r['vendor'], r['code']): int(r['count']) for r in csv.DictReader(open(expected_path))}
got = {(r['vendor'], r['code']): int(r['count']) for r in csv.DictReader(open(got_path))}
bad = {k for k in exp.keys() | got.keys() if exp.get(k) != got.get(k)}
print(f"{label}: {sum(got.values())} hits, {len(bad)} (vendor, code) rows differ from the generator's truth")
sys.exit(1 if bad else 0)
