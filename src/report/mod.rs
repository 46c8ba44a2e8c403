//! The report model: what a scan found, aggregated (counts per code and time bucket, per
//! input), grouped into rows by the keys a user asked for, and annotated from the catalog.
//! Everything here is data; reading inputs is [`crate::scan`]'s, writing is [`crate::output`]'s.

pub mod annotation;
pub mod counts;
pub mod grouping;
pub mod timestamp;
pub mod window;

use crate::matcher::CodeRef;
use counts::{Counts, Summary};

pub use annotation::{Annotation, UNKNOWN_CATEGORY, UNKNOWN_DESCRIPTION};

/// The result of scanning a set of inputs.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// What was read.
    pub summary: Summary,
    /// Hits per code (and time bucket): one entry per input named by the input when the scan
    /// keeps inputs apart, else a single entry named `""` for all of them.
    pub counts: Vec<(String, Counts)>,
}

impl Report {
    /// The counts of every input together.
    pub fn total(&self) -> Counts {
        let mut parts = self.counts.iter();
        let Some((_, first)) = parts.next() else {
            return Counts::default();
        };
        let mut all = first.clone();
        for (_, c) in parts {
            all.merge(c.clone());
        }
        all
    }

    /// Brings counts kept apart (per input) to the unknown codes admitted over all of them,
    /// so that the cap is the same whether inputs are grouped apart or together, and sets
    /// `summary.folded`.
    pub fn apply_unknown_cap(&mut self) {
        let total = self.total();
        if self.counts.len() > 1 {
            let kept: std::collections::HashSet<(crate::catalog::VendorId, &str)> = total
                .admitted_unknown()
                .into_iter()
                .map(|(v, c, _)| (v, c))
                .collect();
            for (_, c) in &mut self.counts {
                c.retain_unknown(|v, code| kept.contains(&(v, code)));
            }
        }
        self.summary.folded = total.folded();
    }
}

/// One hit with its position, for `--hits`.
#[derive(Clone, Debug)]
pub struct HitRecord {
    /// 1-based line number in its input.
    pub line: u64,
    /// Byte offset of the code in its input.
    pub offset: u64,
    /// The code.
    pub code: CodeRef,
    /// The text the rule matched.
    pub matched: Vec<u8>,
}
