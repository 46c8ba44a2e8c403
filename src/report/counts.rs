//! Aggregation: how often each code was seen (optionally per time bucket), and what was
//! scanned. Per-thread counts are built without sharing and merged once with
//! [`Counts::merge`].
//!
//! # The unknown-code cap
//!
//! Codes the catalog lacks come from the logs, so their number is open-ended. At most
//! `unknown_cap` distinct unknown codes are kept, with every one of their hits; the hits of
//! the others are counted in one `(other)` row per vendor. Which codes are kept does not
//! depend on how the input is split, read or merged: they are the `unknown_cap` smallest in
//! [`admission_order`] (shorter codes first, then by bytes, then by vendor id). Each task keeps
//! its own smallest `unknown_cap` codes; a code outside a task's smallest `unknown_cap` has at
//! least that many smaller codes in that task alone, so it cannot be among the smallest of the
//! whole input either. Reducing two tasks' counts therefore gives exactly the counts of one
//! task over both, and memory stays bounded by the cap times the number of tasks.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, VendorId};
use crate::matcher::CodeRef;

/// By default, at most this many distinct unknown codes are kept; the rest are folded into one
/// row per vendor, so that text injected into logs cannot blow up memory or the report.
pub const DEFAULT_UNKNOWN_CAP: usize = 10_000;

/// The code under which unknown codes past the cap are counted. The parentheses keep it from
/// ever colliding with a real code.
pub const FOLDED_CODE: &str = "(other)";

/// The order in which unknown codes are admitted under the cap: shorter codes first (real
/// codes are short, injected text tends to be long), then by bytes, then by vendor id. `vendor`
/// is anything ordered as the vendor ids are.
pub fn admission_order<V: Ord>(a: (&str, V), b: (&str, V)) -> Ordering {
    (a.0.len(), a.0.as_bytes(), a.1).cmp(&(b.0.len(), b.0.as_bytes(), b.1))
}

/// Hits per time bucket of one unknown code.
type Buckets = BTreeMap<Option<i64>, u64>;

/// An admitted unknown code, ordered by [`admission_order`] (the vendor by its id's rank).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Admitted {
    len: usize,
    code: Box<str>,
    rank: u16,
    vendor: VendorId,
}

/// Hit counts per code and time bucket. Catalog entries without a bucket, the common case,
/// are counted in a dense `Vec`; everything else (unknown and attributed codes, time buckets)
/// in maps.
#[derive(Clone, Debug)]
pub struct Counts {
    known: Vec<u64>,
    /// Known codes with a bucket and attributed codes. Keyed with a fast hash; randomly
    /// seeded, as bucket values come from the logs.
    other: HashMap<(CodeRef, Option<i64>), u64, foldhash::fast::RandomState>,
    /// Admitted unknown codes, with their hits per bucket.
    unknown: HashMap<(VendorId, Box<str>), Buckets, foldhash::fast::RandomState>,
    /// The keys of `unknown`, in admission order: the last is the first to go.
    admitted: BTreeSet<Admitted>,
    /// Hits of unknown codes past the cap, per vendor and bucket.
    folded: HashMap<(VendorId, Option<i64>), u64, foldhash::fast::RandomState>,
    unknown_cap: usize,
    /// The rank of each vendor's id among all ids (index: vendor), for admission order.
    vendor_rank: Option<Arc<[u16]>>,
}

impl PartialEq for Counts {
    /// Equal when they count the same hits under the same cap (the vendor ranks, derived from
    /// the catalog, are not compared).
    fn eq(&self, o: &Counts) -> bool {
        self.known == o.known
            && self.other == o.other
            && self.unknown == o.unknown
            && self.folded == o.folded
            && self.unknown_cap == o.unknown_cap
    }
}

impl Eq for Counts {}

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
            unknown: HashMap::default(),
            admitted: BTreeSet::new(),
            folded: HashMap::default(),
            unknown_cap: DEFAULT_UNKNOWN_CAP,
            vendor_rank: None,
        }
    }

    /// Sets how many distinct unknown codes are kept before the rest are folded.
    pub fn with_unknown_cap(mut self, cap: usize) -> Counts {
        self.unknown_cap = cap;
        self.evict_past_cap();
        self
    }

    /// Orders vendors by their ids in `catalog` when choosing which unknown codes to keep (by
    /// default, by vendor index), so that scans agree with merged JSON reports, which know
    /// vendors by id only.
    pub fn with_vendor_order(mut self, catalog: &Catalog) -> Counts {
        self.vendor_rank = Some(vendor_ranks(catalog));
        self
    }

    /// The distinct-unknown-code cap.
    pub fn unknown_cap(&self) -> usize {
        self.unknown_cap
    }

    fn rank(&self, vendor: VendorId) -> u16 {
        self.vendor_rank
            .as_ref()
            .and_then(|r| r.get(usize::from(vendor)).copied())
            .unwrap_or(vendor)
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
            (CodeRef::Unknown { vendor, code }, _) if &**code == FOLDED_CODE => {
                *self.folded.entry((*vendor, bucket)).or_insert(0) += n;
            }
            (CodeRef::Unknown { vendor, code }, _) => {
                self.add_unknown(*vendor, code, bucket, n);
            }
            _ => *self.other.entry((code.clone(), bucket)).or_insert(0) += n,
        }
    }

    fn add_unknown(&mut self, vendor: VendorId, code: &str, bucket: Option<i64>, n: u64) {
        let key = (vendor, Box::<str>::from(code));
        if let Some(buckets) = self.unknown.get_mut(&key) {
            *buckets.entry(bucket).or_insert(0) += n;
            return;
        }
        let admitted = Admitted {
            len: code.len(),
            code: key.1.clone(),
            rank: self.rank(vendor),
            vendor,
        };
        if self.unknown.len() >= self.unknown_cap {
            match self.admitted.last() {
                Some(last) if admitted < *last => self.evict_last(),
                _ => {
                    *self.folded.entry((vendor, bucket)).or_insert(0) += n;
                    return;
                }
            }
        }
        self.admitted.insert(admitted);
        self.unknown.insert(key, BTreeMap::from([(bucket, n)]));
    }

    /// Folds the last admitted code into its vendor's `(other)` row.
    fn evict_last(&mut self) {
        if let Some(last) = self.admitted.pop_last() {
            if let Some(buckets) = self.unknown.remove(&(last.vendor, last.code)) {
                for (bucket, n) in buckets {
                    *self.folded.entry((last.vendor, bucket)).or_insert(0) += n;
                }
            }
        }
    }

    fn evict_past_cap(&mut self) {
        while self.unknown.len() > self.unknown_cap {
            self.evict_last();
        }
    }

    /// Adds `other` into `self`. The smaller of the two caps applies to the union, which is
    /// kept exactly as one count over both would keep it (see the module documentation).
    pub fn merge(&mut self, other: Counts) {
        if self.known.len() < other.known.len() {
            self.known.resize(other.known.len(), 0);
        }
        for (a, b) in self.known.iter_mut().zip(other.known) {
            *a += b;
        }
        if other.unknown_cap < self.unknown_cap {
            self.unknown_cap = other.unknown_cap;
            self.evict_past_cap();
        }
        for (k, n) in other.other {
            *self.other.entry(k).or_insert(0) += n;
        }
        for (k, n) in other.folded {
            *self.folded.entry(k).or_insert(0) += n;
        }
        for ((vendor, code), buckets) in other.unknown {
            for (bucket, n) in buckets {
                self.add_unknown(vendor, &code, bucket, n);
            }
        }
    }

    /// Folds every unknown code that `keep` refuses into its vendor's `(other)` row: how
    /// counts kept apart (per input) are brought to the codes admitted over all of them.
    pub fn retain_unknown(&mut self, keep: impl Fn(VendorId, &str) -> bool) {
        let gone: Vec<Admitted> = self
            .admitted
            .iter()
            .filter(|a| !keep(a.vendor, &a.code))
            .cloned()
            .collect();
        for a in gone {
            self.admitted.remove(&a);
            if let Some(buckets) = self.unknown.remove(&(a.vendor, a.code)) {
                for (bucket, n) in buckets {
                    *self.folded.entry((a.vendor, bucket)).or_insert(0) += n;
                }
            }
        }
    }

    /// The admitted unknown codes with their hits (all buckets together), in admission order.
    pub fn admitted_unknown(&self) -> Vec<(VendorId, &str, u64)> {
        self.admitted
            .iter()
            .map(|a| {
                let n = self
                    .unknown
                    .get(&(a.vendor, a.code.clone()))
                    .map_or(0, |b| b.values().sum());
                (a.vendor, &*a.code, n)
            })
            .collect()
    }

    /// Total hits.
    pub fn total(&self) -> u64 {
        self.known.iter().sum::<u64>() + self.other.values().sum::<u64>() + self.unknown_total()
    }

    /// Hits of codes the catalog lacks (folded ones included).
    pub fn unknown_total(&self) -> u64 {
        self.unknown.values().flat_map(|b| b.values()).sum::<u64>() + self.folded()
    }

    /// Hits of unknown codes that were folded into a vendor's `(other)` row past the cap.
    pub fn folded(&self) -> u64 {
        self.folded.values().sum()
    }

    /// Every non-zero count: (code, time bucket, count), sorted by count descending, then
    /// vendor id, code and bucket. Folded hits are rows of the code [`FOLDED_CODE`].
    pub fn rows(&self, catalog: &Catalog) -> Vec<(CodeRef, Option<i64>, u64)> {
        let unknown = self.unknown.iter().flat_map(|((vendor, code), buckets)| {
            buckets.iter().map(|(b, n)| {
                let c = CodeRef::Unknown {
                    vendor: *vendor,
                    code: code.clone(),
                };
                (c, *b, *n)
            })
        });
        let folded = self.folded.iter().map(|((vendor, b), n)| {
            let c = CodeRef::Unknown {
                vendor: *vendor,
                code: FOLDED_CODE.into(),
            };
            (c, *b, *n)
        });
        let mut rows: Vec<(CodeRef, Option<i64>, u64)> = self
            .known
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (CodeRef::Known(i as u32), None, *n))
            .chain(self.other.iter().map(|((k, b), n)| (k.clone(), *b, *n)))
            .chain(unknown)
            .chain(folded)
            .filter(|(_, _, n)| *n > 0)
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

/// The rank of each vendor's id among the catalog's vendor ids (index: vendor).
fn vendor_ranks(catalog: &Catalog) -> Arc<[u16]> {
    let vendors = catalog.vendors();
    let mut by_id: Vec<usize> = (0..vendors.len()).collect();
    by_id.sort_by(|&a, &b| vendors[a].id.cmp(&vendors[b].id));
    let mut rank = vec![0u16; vendors.len()];
    for (r, &v) in by_id.iter().enumerate() {
        rank[v] = u16::try_from(r).unwrap_or(u16::MAX);
    }
    rank.into()
}

/// What a scan read, beside the counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// The distinct-unknown-code cap the counts were kept under (absent in reports written
    /// before it was recorded); a merge keeps the smallest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_cap: Option<u64>,
    /// One message per input that could not be read, fully or at all.
    pub errors: Vec<String>,
    /// When the scan finished reading its inputs (JSON: RFC 3339 UTC to the nanosecond). A
    /// merge keeps the oldest: a merged report is only as fresh as its oldest part. `None`
    /// when unknown: before the scan ends, and in reports of schema 2 or older or merges of
    /// them.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "scan_time")]
    pub scanned_at: Option<jiff::Timestamp>,
    /// How long the scan took, in seconds; a merge sums them (the time its scans took
    /// together, so that `bytes / scan_seconds` stays their throughput). `None` when unknown,
    /// as [`Summary::scanned_at`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "seconds"
    )]
    pub scan_seconds: Option<f64>,
}

/// `scanned_at` as RFC 3339 text: written in UTC with nine fractional digits (so that the
/// stamps of errscan's reports sort as text), read with any offset and precision.
mod scan_time {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format!("{t:.9}")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<jiff::Timestamp>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        text.parse()
            .map(Some)
            .map_err(|e| D::Error::custom(format!("`{text}` is not an RFC 3339 time ({e})")))
    }
}

/// A duration in seconds, refused when negative (JSON has no infinities or NaN).
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = Option::<f64>::deserialize(d)?;
    match value {
        Some(s) if !(s >= 0.0 && s.is_finite()) => Err(serde::de::Error::custom(format!(
            "`{s}` is not a duration in seconds"
        ))),
        v => Ok(v),
    }
}

impl std::ops::AddAssign<&Summary> for Summary {
    fn add_assign(&mut self, o: &Summary) {
        self.inputs += o.inputs;
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.hits += o.hits;
        self.unknown += o.unknown;
        self.folded += o.folded;
        self.add_cap_and_errors(o);
    }
}

impl Summary {
    /// The smaller of the two caps, both lists of errors, the older scan time and the sum of
    /// the scan durations (either unknown when one side's is).
    fn add_cap_and_errors(&mut self, o: &Summary) {
        self.unknown_cap = match (self.unknown_cap, o.unknown_cap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.errors.extend(o.errors.iter().cloned());
        self.scanned_at = self.scanned_at.zip(o.scanned_at).map(|(a, b)| a.min(b));
        self.scan_seconds = self.scan_seconds.zip(o.scan_seconds).map(|(a, b)| a + b);
    }

    /// Records that the scan that began at `started` has just finished: sets
    /// [`Summary::scanned_at`] to now and [`Summary::scan_seconds`] to the time since.
    pub fn stamp(&mut self, started: std::time::Instant) {
        self.scan_seconds = Some(started.elapsed().as_secs_f64());
        self.scanned_at = Some(jiff::Timestamp::now());
    }
}

impl Summary {
    /// Adds `o` like `+=`, but fails instead of wrapping: the error names the field whose sum
    /// overflows 64 bits (reports read back by `merge` may hold any number).
    ///
    /// # Errors
    /// The name of the first field that overflows; `self` is then left unchanged.
    pub fn checked_add(&mut self, o: &Summary) -> Result<(), &'static str> {
        let sum = |a: u64, b: u64, name| a.checked_add(b).ok_or(name);
        let inputs = sum(self.inputs, o.inputs, "inputs")?;
        let bytes = sum(self.bytes, o.bytes, "bytes")?;
        let lines = sum(self.lines, o.lines, "lines")?;
        let hits = sum(self.hits, o.hits, "hits")?;
        let unknown = sum(self.unknown, o.unknown, "unknown")?;
        let folded = sum(self.folded, o.folded, "folded")?;
        (self.inputs, self.bytes, self.lines) = (inputs, bytes, lines);
        (self.hits, self.unknown, self.folded) = (hits, unknown, folded);
        self.add_cap_and_errors(o);
        Ok(())
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
        for code in ["D", "B", "A", "C", "D", "C", "A"] {
            a.add(&unknown(code));
        }
        assert_eq!(a.unknown_total(), 7);
        // The two smallest are kept, whatever the order they came in.
        let kept: Vec<&str> = a.admitted_unknown().iter().map(|k| k.1).collect();
        assert_eq!(kept, ["A", "B"]);
        assert_eq!(a.folded(), 4);
        assert_eq!(a.folded[&(1, None)], 4);
        // The cap holds across a merge too.
        let mut b = Counts::new(0).with_unknown_cap(2);
        b.add(&unknown("E"));
        a.merge(b);
        assert_eq!(a.folded(), 5);
        assert_eq!(a.unknown.len(), 2);
    }

    #[test]
    fn shorter_codes_are_admitted_first() {
        let mut a = Counts::new(0).with_unknown_cap(1);
        for code in ["AAAA", "ZZ", "B"] {
            a.add(&unknown(code));
        }
        assert_eq!(a.admitted_unknown(), [(1, "B", 1)]);
        assert_eq!(a.folded(), 2);
    }

    /// The shape: a code seen in two pieces, with many other codes between, counts
    /// the same whether the pieces are counted together or apart and merged, in any order.
    #[test]
    fn capped_counts_do_not_depend_on_the_split() {
        let codes: Vec<String> = std::iter::once("99001".to_string())
            .chain((60_000..60_050).map(|c| c.to_string()))
            .chain(std::iter::once("99001".to_string()))
            .chain(std::iter::once("7".to_string()))
            .collect();
        for cap in [0, 1, 2, 5, 60, 100] {
            let mut whole = Counts::new(0).with_unknown_cap(cap);
            for c in &codes {
                whole.add(&unknown(c));
            }
            for cut in 0..=codes.len() {
                let mut a = Counts::new(0).with_unknown_cap(cap);
                let mut b = Counts::new(0).with_unknown_cap(cap);
                codes[..cut].iter().for_each(|c| a.add(&unknown(c)));
                codes[cut..].iter().for_each(|c| b.add(&unknown(c)));
                let mut ba = b.clone();
                ba.merge(a.clone());
                a.merge(b);
                assert_eq!(a, whole, "cap {cap}, cut {cut}");
                assert_eq!(ba, whole, "cap {cap}, cut {cut}");
            }
        }
    }
}
