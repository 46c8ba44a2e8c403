#!/usr/bin/env python3
"""Chooses the search plan of the anchors (patterns/anchor-plan.tsv, read by src/matcher/anchors.rs).

The packed searcher (Teddy, slim, 8 buckets, masks of the first 4 bytes) screens text for the
first four bytes of each search literal, comparing nybbles per bucket; every place that passes
the screen costs a verification, and most are false. Every occurrence of a window costs more: the
search returns it and is started again after it, so a window that occurs where its anchor does
not (`ror"` in `"mirror"`) is a cost of its own. This script counts, over a corpus, the places
that would pass the screen for a given choice of windows (each anchor is searched for by a
suffix of it, 4 bytes or more) and buckets, plus the windows' occurrences, and searches for the
choice with the fewest (local search from random starts). Then it orders the windows so that
aho-corasick's builder puts them in those buckets (the first window of each low-nybble prefix
goes to bucket 7 - id % 8) and prints the plan file.

Usage (needs numpy; a few minutes on a few MB):
    rustc --edition 2021 -O -o target/gen_mixed_log benches/gen_mixed_log.rs
    target/gen_mixed_log 3MB target/mixed-3MB.log target/mixed-3MB.expected.csv
    python3 benches/anchor_plan.py --from patterns/anchor-plan.tsv \
        sample-logs/*.log tests/data/loghub/*.log target/mixed-3MB.log > new-plan.tsv

With `--from PLAN` the first of the four local searches starts from that plan (the anchors it
does not name start whole), the others from random choices. The shipped plan was made with
exactly those commands, from the plan before it: over the repository's sample logs, the real
logs of 16 systems without vendor codes (tests/data/README.md), and the first 3 MB of the
benchmark's generated log (its mix of JSON gateways, access logs and vendor lines is where the
screen's cost was measured; the real logs keep the plan honest on text it was not made for).
Check a plan's screen with benches/teddy_screen.rs (`--slim`, the windows in the plan's order).
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
        self.data = data
        hay = np.frombuffer(data, dtype=np.uint8)
        n = len(hay) - MASK
        # Places are told apart only by their next 4 bytes: count each distinct 4-gram once.
        grams = np.zeros(n, np.uint32)
        for k in range(MASK):
            grams |= hay[k:n + k].astype(np.uint32) << (8 * k)
        grams, self.counts = np.unique(grams, return_counts=True)
        self.lo = [((grams >> (8 * k)) & 15).astype(np.uint8) for k in range(MASK)]
        self.hi = [((grams >> (8 * k + 4)) & 15).astype(np.uint8) for k in range(MASK)]
        self.cache = {}
        self.occurrences = {}

    def passing(self, fingerprints):
        """Places whose next 4 bytes pass the screen of a bucket holding these fingerprints."""
        key = tuple(sorted(set(fingerprints)))
        if key not in self.cache:
            ok = np.ones(len(self.counts), bool)
            for k in range(MASK):
                los = np.zeros(16, bool)
                his = np.zeros(16, bool)
                for f in key:
                    los[f[k] & 15] = True
                    his[f[k] >> 4] = True
                ok &= los[self.lo[k]] & his[self.hi[k]]
            self.cache[key] = int(self.counts[ok].sum())
        return self.cache[key]

    def count(self, window):
        """Occurrences of a window (overlapping ones apart)."""
        if window not in self.occurrences:
            self.occurrences[window] = self.data.count(window)
        return self.occurrences[window]


def low_key(window):
    return bytes(b & 15 for b in window[:MASK])


# What an occurrence of a window costs next to a place that only passes the screen: the search
# returns it and starts again (measured with benches/teddy_screen.rs under callgrind).
RESTART = 6


def cost(corpus, anchors, offsets, buckets):
    """Places passing the screen, each weighed by the windows its bucket verifies, and the
    windows' occurrences, each weighed by a restart of the search."""
    total = 0
    every = set()
    for b in range(BUCKETS):
        windows = {anchors[i][offsets[i]:] for i in range(len(anchors)) if buckets[i] == b}
        every |= windows
        if windows:
            total += corpus.passing([w[:MASK] for w in windows]) * (1 + len(windows))
    return total + RESTART * sum(corpus.count(w) for w in every)


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


def search(corpus, anchors, restarts, rng, start=None):
    best = None
    for r in range(restarts):
        if r == 0 and start is not None:
            offsets, buckets = start
            print(f"from the given plan: {cost(corpus, anchors, offsets, buckets)}", file=sys.stderr)
        else:
            offsets, buckets = random_start(anchors, rng)
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


def random_start(anchors, rng):
    """Anchors whole, in random buckets the builder can follow: ids dealt out over the buckets,
    one bucket per low-nybble prefix (drawing buckets at random rarely fits 32 windows in 8)."""
    offsets = [0] * len(anchors)
    while True:
        slots = [BUCKETS - 1 - i % BUCKETS for i in range(len(anchors))]
        rng.shuffle(slots)
        bucket_of = {}
        buckets = [bucket_of.setdefault(low_key(a), slots[i]) for i, a in enumerate(anchors)]
        if feasible(anchors, offsets, buckets):
            return offsets, buckets


def plan_start(anchors, path):
    """The offsets and buckets of a plan file, as the builder would take them (anchors it does
    not name start whole, in the bucket that their prefix or their id leads to), or None when
    the builder could not be led there."""
    planned = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            offset, anchor = line.split("\t", 1)
            if anchor.encode() in anchors:
                planned.setdefault(anchor.encode(), int(offset))
    offsets = [planned.get(a, 0) for a in anchors]
    # The windows in the order the matcher gives them: the plan's, then unplanned anchors'.
    windows = []
    for a in list(planned) + [a for a in anchors if a not in planned]:
        w = a[offsets[anchors.index(a)]:]
        if w not in windows:
            windows.append(w)
    # The builder's own assignment: longest windows first, a prefix's first window by its id.
    bucket_of, by_key = {}, {}
    for i in sorted(range(len(windows)), key=lambda i: -len(windows[i])):
        key = low_key(windows[i])
        bucket_of[windows[i]] = by_key.setdefault(key, BUCKETS - 1 - i % BUCKETS)
    buckets = [bucket_of[a[offsets[i]:]] for i, a in enumerate(anchors)]
    return (offsets, buckets) if feasible(anchors, offsets, buckets) else None


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
# Made by benches/anchor_plan.py --from the previous plan (numpy, a few minutes; the commands are
# at its top) over the sample logs, real logs of 16 systems without vendor codes and 3 MB of the
# generated benchmark log.
"""


def main():
    files = sys.argv[1:]
    start_from = None
    if files[:1] == ["--from"]:
        start_from, files = files[1], files[2:]
    if not files:
        sys.exit(__doc__)
    data = b"".join(open(f, "rb").read() for f in files)
    corpus = Corpus(data)
    anchors = embedded_anchors()
    rng = random.Random(1)
    start = plan_start(anchors, start_from) if start_from else None
    c, offsets, buckets = search(corpus, anchors, restarts=4, rng=rng, start=start)
    whole = cost(corpus, anchors, [0] * len(anchors), [BUCKETS - 1 - i % BUCKETS for i in range(len(anchors))])
    print(f"{len(data)} bytes: {c} weighed places, anchors searched whole: about {whole}", file=sys.stderr)
    print(HEADER, end="")
    for w in order(anchors, offsets, buckets):
        for i, a in enumerate(anchors):
            if a[offsets[i]:] == w:
                print(f"{offsets[i]}\t{a.decode()}")


if __name__ == "__main__":
    main()
