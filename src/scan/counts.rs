//! The counting sink: hits per code (and time bucket), per input or over all of them, into a
//! [`Report`].

use std::collections::HashMap;

use super::sink::{At, Dated, InputEnd, Part, Seq, Sink, Stretch};
use super::time::{Edge, Timing};
use super::Scanner;
use crate::catalog::Catalog;
use crate::error::Result;
use crate::matcher::{CodeRef, Hit};
use crate::report::counts::{Counts, Extent};
use crate::report::Report;

/// What a thread counted: hits per code, the extent scanned, and, when hits need a time, the
/// edges of its stretches (their leading hits, dated once the stretches are in order).
#[derive(Debug)]
pub struct CountPart<'c> {
    catalog: &'c Catalog,
    timing: Timing,
    unknown_cap: usize,
    counts: Counts,
    extent: Extent,
    /// Hits of the current stretch before its first dated line.
    leading: HashMap<CodeRef, u64>,
    edges: Vec<(Seq, Edge)>,
}

impl<'c> CountPart<'c> {
    /// An empty part counting as `scanner` is configured to.
    pub(crate) fn new(scanner: &Scanner<'c>) -> CountPart<'c> {
        let catalog = scanner.catalog();
        let unknown_cap = scanner.config.unknown_cap;
        CountPart {
            catalog,
            timing: scanner.timing(),
            unknown_cap,
            counts: new_counts(catalog, unknown_cap),
            extent: Extent::default(),
            leading: HashMap::new(),
            edges: Vec::new(),
        }
    }

    /// The counts, with the leading hits of every stretch dated in input order (each takes
    /// the time of the last dated line of the stretches before it), and the extent scanned.
    pub(crate) fn resolve(mut self) -> (Counts, Extent) {
        self.edges.sort_unstable_by_key(|(seq, _)| *seq);
        self.timing
            .resolve(&mut self.counts, self.edges.into_iter().map(|(_, e)| e));
        (self.counts, self.extent)
    }

    /// Dates the leading hits of the stretches gathered so far, in order, with `carry` the
    /// time of the last dated line before them; returns the time the next stretch carries.
    pub(crate) fn resolve_from(&mut self, mut carry: Option<i64>) -> Option<i64> {
        self.edges.sort_unstable_by_key(|(seq, _)| *seq);
        for (_, edge) in self.edges.drain(..) {
            carry = self.timing.resolve_one(&mut self.counts, edge, carry);
        }
        carry
    }

    /// Takes the counts and extent gathered so far, leaving the part empty.
    pub(crate) fn take(&mut self) -> (Counts, Extent) {
        let counts =
            std::mem::replace(&mut self.counts, new_counts(self.catalog, self.unknown_cap));
        (counts, std::mem::take(&mut self.extent))
    }
}

/// Empty counts for `catalog` with an unknown-code cap.
fn new_counts(catalog: &Catalog, unknown_cap: usize) -> Counts {
    Counts::new(catalog.entries().len())
        .with_unknown_cap(unknown_cap)
        .with_vendor_order(catalog)
}

impl Part for CountPart<'_> {
    fn needs_time(&self) -> bool {
        self.timing.needed()
    }

    fn fork(&self) -> Self {
        CountPart {
            catalog: self.catalog,
            timing: self.timing,
            unknown_cap: self.unknown_cap,
            counts: new_counts(self.catalog, self.unknown_cap),
            extent: Extent::default(),
            leading: HashMap::new(),
            edges: Vec::new(),
        }
    }

    #[inline]
    fn hit(&mut self, hit: &Hit, at: &At<'_>) {
        match at.time {
            Dated::Untimed => self.counts.add_n(&hit.code, None, 1),
            Dated::At(t) => self.timing.count(&mut self.counts, &hit.code, Some(t), 1),
            Dated::Leading => *self.leading.entry(hit.code.clone()).or_insert(0) += 1,
        }
    }

    fn end_stretch(&mut self, stretch: Stretch) {
        self.extent += stretch.extent;
        if self.timing.needed() {
            let edge = Edge {
                leading: std::mem::take(&mut self.leading),
                last: stretch.last,
            };
            self.edges.push((stretch.seq, edge));
        }
    }

    fn absorb(&mut self, other: Self) {
        self.counts.merge(other.counts);
        self.extent += other.extent;
        self.edges.extend(other.edges);
    }
}

/// Counts the hits of every input into one [`Report`]: one entry of counts per input when
/// the scanner keeps inputs apart, else one for all. An input that cannot be read is named in
/// `summary.errors` and the others are still counted.
pub struct CountSink<'c> {
    /// An empty part, to fork.
    template: CountPart<'c>,
    /// The current input's counts, from its first part on.
    current: Option<CountPart<'c>>,
    per_input: bool,
    report: Report,
    all: Counts,
}

impl<'c> CountSink<'c> {
    /// A sink counting as `scanner` is configured to.
    pub fn new(scanner: &Scanner<'c>) -> CountSink<'c> {
        let template = CountPart::new(scanner);
        let all = template.fork().counts;
        CountSink {
            template,
            current: None,
            per_input: scanner.config.per_input,
            report: Report::default(),
            all,
        }
    }

    /// The report of the inputs scanned, with the unknown-code cap applied.
    pub fn finish(mut self) -> Report {
        if !self.per_input {
            self.report.counts.push((String::new(), self.all));
        }
        self.report.summary.unknown_cap = Some(self.template.unknown_cap as u64);
        self.report.apply_unknown_cap();
        self.report
    }

    /// Records an error that ended the scan early.
    pub fn fail(&mut self, error: &crate::error::Error) {
        self.report.summary.errors.push(error.to_string());
    }
}

impl<'c> Sink for CountSink<'c> {
    type Part = CountPart<'c>;

    fn part(&self) -> CountPart<'c> {
        self.template.fork()
    }

    fn append(&mut self, part: CountPart<'c>) -> Result<()> {
        match &mut self.current {
            Some(current) => current.absorb(part),
            None => self.current = Some(part),
        }
        Ok(())
    }

    fn end_input(&mut self, name: &str, end: InputEnd) -> Result<()> {
        let part = self.current.take();
        self.report
            .summary
            .errors
            .extend(end.error.map(|e| e.to_string()));
        if !end.opened {
            return Ok(());
        }
        let (counts, extent) = part.unwrap_or_else(|| self.template.fork()).resolve();
        let s = &mut self.report.summary;
        s.inputs += 1;
        s.bytes += extent.bytes;
        s.lines += extent.newlines + u64::from(end.last_byte.is_some_and(|b| b != b'\n'));
        s.hits += counts.total();
        s.unknown += counts.unknown_total();
        if self.per_input {
            self.report.counts.push((name.to_string(), counts));
        } else {
            self.all.merge(counts);
        }
        Ok(())
    }
}
