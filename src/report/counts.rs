//! Aggregation: how often each code was seen (optionally per time bucket), and what was
//! scanned. Per-thread counts are built without sharing and merged once with
//! [`Counts::merge`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::matcher::CodeRef;

/// By default, at most this many distinct unknown codes are kept; the rest are folded into one
/// row per vendor, so that text injected into logs cannot blow up memory or the report.
pub const DEFAULT_UNKNOWN_CAP: usize = 10_000;

/// The code under which unknown codes past the cap are counted. The parentheses keep it from
/// ever colliding with a real code.
pub const FOLDED_CODE: &str = "(other)";

/// Hit counts per code and time bucket. Catalog entries without a bucket, the common case,
/// are counted in a dense `Vec`; everything else (unknown and attributed codes, time buckets)
/// in a map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    known: Vec<u64>,
    /// Keyed with a fast hash; randomly seeded, as unknown codes come from the logs.
    other: HashMap<(CodeRef, Option<i64>), u64, foldhash::fast::RandomState>,
    unknown_cap: usize,
    distinct_unknown: usize,
    folded: u64,
}

impl Default for Counts {
    fn default() -> Counts {
        Counts::new(0)
    }
}

impl Counts {
    /// Empty counts for a catalog with `entries` entries, with the default unknown-code cap.
    pub fn new(entries: usize) -> Counts {
        Counts {
            known: vec![0; entries],
            other: HashMap::default(),
            unknown_cap: DEFAULT_UNKNOWN_CAP,
            distinct_unknown: 0,
            folded: 0,
        }
    }

    /// Sets how many distinct unknown codes are kept before the rest are folded.
    pub fn with_unknown_cap(mut self, cap: usize) -> Counts {
        self.unknown_cap = cap;
        self
    }

    /// Counts one hit without a time bucket.
    pub fn add(&mut self, code: &CodeRef) {
        self.add_n(code, None, 1);
    }

    /// Counts `n` hits of one code in one time bucket (`None`: no time grouping, or a line
    /// whose time could not be read).
    pub fn add_n(&mut self, code: &CodeRef, bucket: Option<i64>, n: u64) {
        match (code, bucket) {
            (CodeRef::Known(id), None) => {
                let i = *id as usize;
                if i >= self.known.len() {
                    self.known.resize(i + 1, 0);
                }
                self.known[i] += n;
            }
            _ => self.add_other((code.clone(), bucket), n),
        }
    }

    fn add_other(&mut self, key: (CodeRef, Option<i64>), n: u64) {
        let key = match &key.0 {
            CodeRef::Unknown { vendor, code }
                if &**code != FOLDED_CODE && !self.other.contains_key(&key) =>
            {
                if self.distinct_unknown >= self.unknown_cap {
                    self.folded += n;
                    let folded = CodeRef::Unknown {
                        vendor: *vendor,
                        code: FOLDED_CODE.into(),
                    };
                    (folded, key.1)
                } else {
                    self.distinct_unknown += 1;
                    key
                }
            }
            _ => key,
        };
        *self.other.entry(key).or_insert(0) += n;
    }

    /// Adds `other` into `self`. The unknown-code cap of `self` applies to the union.
    pub fn merge(&mut self, other: Counts) {
        if self.known.len() < other.known.len() {
            self.known.resize(other.known.len(), 0);
        }
        for (a, b) in self.known.iter_mut().zip(other.known) {
            *a += b;
        }
        self.folded += other.folded;
        for (k, n) in other.other {
            self.add_other(k, n);
        }
    }

    /// Total hits.
    pub fn total(&self) -> u64 {
        self.known.iter().sum::<u64>() + self.other.values().sum::<u64>()
    }

    /// Hits of codes the catalog lacks (folded ones included).
    pub fn unknown_total(&self) -> u64 {
        self.other
            .iter()
            .filter(|((k, _), _)| matches!(k, CodeRef::Unknown { .. }))
            .map(|(_, n)| n)
            .sum()
    }

    /// Hits of unknown codes that were folded into a vendor's `(other)` row past the cap.
    pub fn folded(&self) -> u64 {
        self.folded
    }

    /// Every non-zero count: (code, time bucket, count), sorted by count descending, then
    /// vendor id, code and bucket.
    pub fn rows(&self, catalog: &Catalog) -> Vec<(CodeRef, Option<i64>, u64)> {
        let mut rows: Vec<(CodeRef, Option<i64>, u64)> = self
            .known
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (CodeRef::Known(i as u32), None, *n))
            .chain(self.other.iter().map(|((k, b), n)| (k.clone(), *b, *n)))
            .collect();
        let key = |c: &CodeRef| -> (String, String) {
            let vendor = catalog.vendor(c.vendor(catalog)).id.clone();
            let code = match c {
                CodeRef::Unknown { code, .. } => code.to_string(),
                _ => c
                    .entry()
                    .map(|id| catalog.entry(id).code.clone())
                    .unwrap_or_default(),
            };
            (vendor, code)
        };
        rows.sort_by_cached_key(|(c, b, n)| (std::cmp::Reverse(*n), key(c), *b));
        rows
    }
}

/// What a scan read, beside the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Inputs (files, standard input) scanned, fully or partly.
    pub inputs: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Lines scanned (a last line without a newline counts).
    pub lines: u64,
    /// Hits counted.
    pub hits: u64,
    /// Hits of codes the catalog lacks (included in `hits`).
    pub unknown: u64,
    /// Hits of unknown codes folded into `(other)` rows past the distinct-code cap.
    #[serde(default)]
    pub folded: u64,
    /// One message per input that could not be read, fully or at all.
    pub errors: Vec<String>,
}

impl std::ops::AddAssign<&Summary> for Summary {
    fn add_assign(&mut self, o: &Summary) {
        self.inputs += o.inputs;
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.hits += o.hits;
        self.unknown += o.unknown;
        self.folded += o.folded;
        self.errors.extend(o.errors.iter().cloned());
    }
}

/// Bytes and lines of one scanned piece of input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    /// Bytes.
    pub bytes: u64,
    /// Newline characters.
    pub newlines: u64,
}

impl std::ops::AddAssign for Extent {
    fn add_assign(&mut self, o: Extent) {
        self.bytes += o.bytes;
        self.newlines += o.newlines;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(code: &str) -> CodeRef {
        CodeRef::Unknown {
            vendor: 1,
            code: code.into(),
        }
    }

    #[test]
    fn merge_adds_known_unknown_and_buckets() {
        let mut a = Counts::new(3);
        a.add(&CodeRef::Known(0));
        a.add(&unknown("X"));
        a.add_n(&CodeRef::Known(1), Some(60), 2);
        let mut b = Counts::new(3);
        b.add(&CodeRef::Known(0));
        b.add(&CodeRef::Known(2));
        b.add(&unknown("X"));
        b.add_n(&CodeRef::Known(1), Some(60), 1);
        a.merge(b);
        assert_eq!(a.total(), 8);
        assert_eq!(a.unknown_total(), 2);
        assert_eq!(a.known, vec![2, 0, 1]);
        assert_eq!(a.other[&(CodeRef::Known(1), Some(60))], 3);
    }

    #[test]
    fn unknown_codes_past_the_cap_are_folded() {
        let mut a = Counts::new(0).with_unknown_cap(2);
        for code in ["A", "B", "A", "C", "D", "C"] {
            a.add(&unknown(code));
        }
        assert_eq!(a.unknown_total(), 6);
        assert_eq!(a.folded(), 3);
        assert_eq!(a.other[&(unknown(FOLDED_CODE), None)], 3);
        assert_eq!(a.other.len(), 3);
        // The cap holds across a merge too.
        let mut b = Counts::new(0).with_unknown_cap(2);
        b.add(&unknown("E"));
        a.merge(b);
        assert_eq!(a.folded(), 4);
        assert_eq!(a.other.len(), 3);
    }
}
