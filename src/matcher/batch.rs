//! Gathering lines with anchors into batches and confirming them grouped by kind.

use super::{Hit, LineHits, Matcher, Scratch};

/// How many lines with anchors are gathered before they are confirmed.
pub(super) const BATCH_LINES: usize = 1024;

/// Lines with anchors, gathered to be confirmed together (see [`Matcher::find_lines`]).
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// In input order.
    pub(super) lines: Vec<PendingLine>,
    /// (position in the line, anchor literal) of every anchor occurrence of the lines.
    pub(super) at: Vec<(usize, usize)>,
    /// The distinct sets of rules triggered by the lines (their kinds), with how many lines
    /// have each, then where each kind's lines begin in `order`.
    pub(super) kinds: Vec<(u64, u32)>,
    /// Per line: the index of its kind in `kinds`.
    pub(super) kind_of: Vec<u32>,
    /// Line indexes, kind by kind: the order in which the lines are confirmed.
    pub(super) order: Vec<u32>,
    /// The hits of the lines.
    pub(super) hits: Vec<Hit>,
}

impl Batch {
    /// Fills `order` with the indexes of the lines grouped by kind, each kind's lines in input
    /// order. A counting sort: a batch holds few kinds, and sorting its lines by comparison
    /// took about 2.5% of the scan's instructions.
    pub(super) fn group_by_kind(&mut self) {
        let Batch {
            lines,
            kinds,
            kind_of,
            order,
            ..
        } = self;
        kinds.clear();
        kind_of.clear();
        // A kind's index is found by a hash of its rules in a small table (a mixed log
        // alternates between dozens of kinds, which a scan of `kinds` pays for per line);
        // a kind whose slot another holds is looked for in `kinds`.
        let mut slots = [u32::MAX; KIND_SLOTS];
        for l in lines.iter() {
            let slot = &mut slots[kind_slot(l.rules)];
            let k = match kinds.get(*slot as usize) {
                Some(&(rules, _)) if rules == l.rules => *slot as usize,
                _ => {
                    let k = match kinds.iter().position(|&(rules, _)| rules == l.rules) {
                        Some(k) => k,
                        None => {
                            kinds.push((l.rules, 0));
                            kinds.len() - 1
                        }
                    };
                    *slot = k as u32;
                    k
                }
            };
            kinds[k].1 += 1;
            kind_of.push(k as u32);
        }
        let mut begin = 0;
        for (_, n) in kinds.iter_mut() {
            (begin, *n) = (begin + *n, begin);
        }
        order.clear();
        order.resize(lines.len(), 0);
        for (i, &k) in kind_of.iter().enumerate() {
            let slot = &mut kinds[k as usize].1;
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
    }
}

/// The size of the table that finds a kind's index in [`Batch::group_by_kind`].
const KIND_SLOTS: usize = 64;

/// The slot of the kind with these rules in [`Batch::group_by_kind`]'s table.
fn kind_slot(rules: u64) -> usize {
    // Multiplicative hashing: the top bits of the product mix every bit of the set.
    (rules.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - KIND_SLOTS.trailing_zeros())) as usize
}

/// A line with anchors, waiting to be confirmed.
#[derive(Debug)]
pub(super) struct PendingLine {
    pub(super) start: usize,
    /// The offset of its newline (or the haystack's end).
    pub(super) nl: usize,
    /// The rules its anchors trigger, as a set (rules past the 63rd share the last bit).
    pub(super) rules: u64,
    /// Its anchor occurrences in [`Batch::at`].
    pub(super) at: std::ops::Range<usize>,
    /// Its hits in [`Batch::hits`], once confirmed.
    pub(super) hits: std::ops::Range<usize>,
}

/// Where the line that starts at `start` and ends at the newline at `nl` ends, without a `\r`
/// before the newline.
pub(super) fn line_end(hay: &[u8], start: usize, nl: usize) -> usize {
    if nl > start && hay[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

impl<'c> Matcher<'c> {
    /// Confirms the lines of the batch, grouped by the rules they triggered, and reports
    /// their hits in input order.
    ///
    /// Why grouped: lines of one kind (Akamai JSON, WSO2 carbon lines, Okta exceptions) take
    /// the same path through the rules, the same DFAs and envelopes; taken one kind after
    /// another rather than in the log's mixed order, they run faster (the branch predictor
    /// and the caches see one kind at a time).
    pub(super) fn confirm_batch<F>(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut F)
    where
        F: FnMut(&LineHits<'_>),
    {
        let mut batch = std::mem::take(&mut scratch.batch);
        batch.group_by_kind();
        batch.hits.clear();
        for &i in &batch.order {
            let l = &mut batch.lines[i as usize];
            for &(at, literal) in &batch.at[l.at.clone()] {
                for (t, w) in scratch
                    .triggered
                    .iter_mut()
                    .zip(&self.anchor_rules[literal][..])
                {
                    *t |= w;
                }
                scratch.at.push((at, literal));
            }
            // The rules in the catalog's order, whatever the order of their anchors (reading
            // the set empties it for the next line).
            for (wi, t) in scratch.triggered.iter_mut().enumerate() {
                while *t != 0 {
                    scratch.fired.push(wi * 64 + t.trailing_zeros() as usize);
                    *t &= *t - 1;
                }
            }
            self.finish_line(hay, l.start, l.nl, scratch);
            let first = batch.hits.len();
            batch.hits.append(&mut scratch.hits);
            l.hits = first..batch.hits.len();
        }
        for l in &batch.lines {
            if !l.hits.is_empty() {
                sink(&LineHits {
                    start: l.start,
                    end: line_end(hay, l.start, l.nl),
                    hits: &batch.hits[l.hits.clone()],
                });
            }
        }
        batch.lines.clear();
        batch.at.clear();
        scratch.batch = batch;
    }

    /// Confirms the triggered rules on the line `hay[start..nl]`, leaves its hits in
    /// `scratch.hits`, and resets the triggers.
    pub(super) fn finish_line(&self, hay: &[u8], start: usize, nl: usize, scratch: &mut Scratch) {
        self.line_hits(hay, start, line_end(hay, start, nl), scratch);
        scratch.fired.clear();
        scratch.envelopes.iter_mut().for_each(|e| *e = None);
        scratch
            .sites
            .iter_mut()
            .for_each(|(found, _)| *found = false);
        scratch
            .code_places
            .iter_mut()
            .for_each(|(found, _)| *found = false);
        scratch.folded.reset();
        scratch.at.clear();
    }
}
