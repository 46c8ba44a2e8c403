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
        let mut all = Counts::default();
        for (_, c) in &self.counts {
            all.merge(c.clone());
        }
        all
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
