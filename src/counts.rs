//! Aggregation: how often each code was seen, and what was scanned. Per-thread counts are
//! built without sharing and merged once with [`Counts::merge`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::rules::CodeRef;

/// Hit counts per code: a dense `Vec` for catalog entries, a map for the rest (unknown and
/// attributed codes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    known: Vec<u64>,
    other: HashMap<CodeRef, u64>,
}

impl Counts {
    /// Empty counts for a catalog with `entries` entries.
    pub fn new(entries: usize) -> Counts {
        Counts {
            known: vec![0; entries],
            other: HashMap::new(),
        }
    }

    /// Counts one hit.
    pub fn add(&mut self, code: &CodeRef) {
        self.add_n(code, 1);
    }

    /// Counts `n` hits of one code.
    pub fn add_n(&mut self, code: &CodeRef, n: u64) {
        match code {
            CodeRef::Known(id) => {
                let i = *id as usize;
                if i >= self.known.len() {
                    self.known.resize(i + 1, 0);
                }
                self.known[i] += n;
            }
            other => *self.other.entry(other.clone()).or_insert(0) += n,
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: Counts) {
        if self.known.len() < other.known.len() {
            self.known.resize(other.known.len(), 0);
        }
        for (a, b) in self.known.iter_mut().zip(other.known) {
            *a += b;
        }
        for (k, n) in other.other {
            *self.other.entry(k).or_insert(0) += n;
        }
    }

    /// Total hits.
    pub fn total(&self) -> u64 {
        self.known.iter().sum::<u64>() + self.other.values().sum::<u64>()
    }

    /// Hits of codes the catalog lacks.
    pub fn unknown_total(&self) -> u64 {
        self.other
            .iter()
            .filter(|(k, _)| matches!(k, CodeRef::Unknown { .. }))
            .map(|(_, n)| n)
            .sum()
    }

    /// The non-zero counts, sorted by count descending, then vendor id, then code.
    pub fn rows(&self, catalog: &Catalog) -> Vec<(CodeRef, u64)> {
        let mut rows: Vec<(CodeRef, u64)> = self
            .known
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (CodeRef::Known(i as u32), *n))
            .chain(self.other.iter().map(|(k, n)| (k.clone(), *n)))
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
        rows.sort_by_cached_key(|(c, n)| (std::cmp::Reverse(*n), key(c)));
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
    /// One message per input that could not be read, fully or at all.
    pub errors: Vec<String>,
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

    #[test]
    fn merge_adds_known_and_unknown() {
        let u = CodeRef::Unknown {
            vendor: 1,
            code: "X".into(),
        };
        let mut a = Counts::new(3);
        a.add(&CodeRef::Known(0));
        a.add(&u);
        let mut b = Counts::new(3);
        b.add(&CodeRef::Known(0));
        b.add(&CodeRef::Known(2));
        b.add(&u);
        a.merge(b);
        assert_eq!(a.total(), 5);
        assert_eq!(a.unknown_total(), 2);
        assert_eq!(a.known, vec![2, 0, 1]);
    }
}
