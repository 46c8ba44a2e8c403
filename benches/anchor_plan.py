#!/usr/bin/env python3
"""Chooses the search plan of the anchors (patterns/anchor-plan.tsv, read by src/matcher/anchors.rs).

The packed searcher (Teddy, slim, 8 buckets, masks of the first 4 bytes) screens text for the
first four bytes of each search literal, comparing nybbles per bucket; every place that passes
the screen costs a verification, and most are false. This script counts, over a corpus, the
places that would pass the screen for a given choice of windows (each anchor is searched for by
a suffix of it, 4 bytes or more) and buckets, and searches for the choice with the fewest
(local search from random starts). Then it orders the windows so that aho-corasick's builder
puts them in those buckets (the first window of each low-nybble prefix goes to bucket
7 - id % 8) and prints the plan file.

Usage (needs numpy; a few minutes on a few MB):
    python3 benches/anchor_plan.py sample-logs/*.log tests/data/loghub/*.log > patterns/anchor-plan.tsv

The shipped plan was made with exactly that command: the repository's sample logs plus the real
logs of 16 systems without vendor codes (tests/data/README.md), not the benchmark's generated log.
"""
import glob
import random
import sys
import tomllib

import numpy as np

BUCKETS = 8
MASK = 4


def embedded_anchors():
    """The distinct anchors of patterns/*.toml, in the order the matcher collects them."""
    anchors = []
    for path in sorted(glob.glob("patterns/*.toml")):
        with open(path, "rb") as f:
            for rule in tomllib.load(f).get("rule", []):
                for a in rule["anchors"]:
                    if a not in anchors:
                        anchors.append(a)
    return [a.encode() for a in anchors]


class Corpus:
    def __init__(self, data):
        hay = np.frombuffer(data, dtype=np.uint8)
        self.n = len(hay) - MASK
        self.lo = hay & 15
        self.hi = hay >> 4
        self.cache = {}

    def passing(self, fingerprints):
        """Places whose next 4 bytes pass the screen of a bucket holding these fingerprints."""
        key = tuple(sorted(set(fingerprints)))
        if key not in self.cache:
            ok = np.ones(self.n, bool)
            for k in range(MASK):
                los = np.zeros(16, bool)
                his = np.zeros(16, bool)
                for f in key:
                    los[f[k] & 15] = True
                    his[f[k] >> 4] = True
                ok &= los[self.lo[k:self.n + k]] & his[self.hi[k:self.n + k]]
            self.cache[key] = int(ok.sum())
        return self.cache[key]


def low_key(window):
    return bytes(b & 15 for b in window[:MASK])


def cost(corpus, anchors, offsets, buckets):
    """Places passing the screen, each weighed by the windows its bucket verifies."""
    total = 0
    for b in range(BUCKETS):
        windows = {anchors[i][offsets[i]:] for i in range(len(anchors)) if buckets[i] == b}
        if windows:
            total += corpus.passing([w[:MASK] for w in windows]) * (1 + len(windows))
    return total


def feasible(anchors, offsets, buckets):
    """Whether the builder can be made to put the windows in these buckets: a low-nybble
    prefix lives in one bucket, and a bucket holds at most as many prefixes as ids lead to it."""
    windows = {anchors[i][offsets[i]:] for i in range(len(anchors))}
    seen = {}
    for i in range(len(anchors)):
        if seen.setdefault(low_key(anchors[i][offsets[i]:]), buckets[i]) != buckets[i]:
            return False
    for b in range(BUCKETS):
        keys = {k for k, kb in seen.items() if kb == b}
        slots = len([i for i in range(len(windows)) if BUCKETS - 1 - i % BUCKETS == b])
        if len(keys) > slots:
            return False
    return True


def search(corpus, anchors, restarts, rng):
    best = None
    for _ in range(restarts):
        offsets = [0] * len(anchors)
        buckets = [rng.randrange(BUCKETS) for _ in anchors]
        while not feasible(anchors, offsets, buckets):
            buckets = [rng.randrange(BUCKETS) for _ in anchors]
        c = cost(corpus, anchors, offsets, buckets)
        improved = True
        while improved:
            improved = False
            for i, anchor in enumerate(anchors):
                for k in range(max(1, len(anchor) - MASK + 1)):
                    for b in range(BUCKETS):
                        if (k, b) == (offsets[i], buckets[i]):
                            continue
                        o2, b2 = offsets[:], buckets[:]
                        o2[i], b2[i] = k, b
                        if not feasible(anchors, o2, b2):
                            continue
                        c2 = cost(corpus, anchors, o2, b2)
                        if c2 < c:
                            offsets, buckets, c = o2, b2, c2
                            improved = True
        print(f"start: {c} weighed places", file=sys.stderr)
        if best is None or c < best[0]:
            best = (c, offsets, buckets)
    return best


def order(anchors, offsets, buckets):
    """Window ids that lead the builder to the chosen buckets: the longest window of each
    low-nybble prefix (the first the builder sees) gets an id of its bucket's residue."""
    bucket_of = {}
    for i in range(len(anchors)):
        bucket_of.setdefault(anchors[i][offsets[i]:], buckets[i])
    groups = {}
    for w in bucket_of:
        groups.setdefault(low_key(w), []).append(w)
    free = list(range(len(bucket_of)))
    ids = {}
    for ws in groups.values():
        ws.sort(key=len, reverse=True)
        b = bucket_of[ws[0]]
        slot = next(i for i in free if BUCKETS - 1 - i % BUCKETS == b)
        ids[ws[0]] = slot
        free.remove(slot)
    for ws in groups.values():
        for w in ws[1:]:
            later = [i for i in free if i > ids[ws[0]]] or free
            ids[w] = later[-1]
            free.remove(later[-1])
    return sorted(bucket_of, key=lambda w: ids[w])


HEADER = """\
# The search plan of the embedded catalog's anchors: which window (a suffix of the anchor)
# each anchor is searched by, and in which order the windows go to the packed searcher (the
# order sets their buckets). One anchor a line: OFFSET<TAB>ANCHOR, the window starting OFFSET
# bytes into the anchor. Anchors the plan does not name are searched for whole, so a vendor
# added with new anchors works without a new plan; the plan only keeps the screen tight.
# Made by: python3 benches/anchor_plan.py sample-logs/*.log tests/data/loghub/*.log > patterns/anchor-plan.tsv
# (numpy, a few minutes), over the sample logs and real logs of 16 systems without vendor codes.
"""


def main():
    files = sys.argv[1:]
    if not files:
        sys.exit(__doc__)
    data = b"".join(open(f, "rb").read() for f in files)
    corpus = Corpus(data)
    anchors = embedded_anchors()
    rng = random.Random(1)
    c, offsets, buckets = search(corpus, anchors, restarts=3, rng=rng)
    whole = cost(corpus, anchors, [0] * len(anchors), [BUCKETS - 1 - i % BUCKETS for i in range(len(anchors))])
    print(f"{len(data)} bytes: {c} weighed places, anchors searched whole: about {whole}", file=sys.stderr)
    print(HEADER, end="")
    for w in order(anchors, offsets, buckets):
        for i, a in enumerate(anchors):
            if a[offsets[i]:] == w:
                print(f"{offsets[i]}\t{a.decode()}")


if __name__ == "__main__":
    main()
