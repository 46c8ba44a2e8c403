//! The hit sink: every hit as a [`HitRecord`] (line, offset, code, match), passed to a
//! [`HitOutput`] in input order, as soon as the stretches before it are done.

use super::sink::{At, Dated, InputEnd, Part, Seq, Sink, Stretch};
use super::Scanner;
use crate::error::{Error, Result};
use crate::matcher::Hit;
use crate::report::counts::Extent;
use crate::report::window::Window;
use crate::report::HitRecord;

/// Where hit records go.
pub trait HitOutput {
    /// One hit of the input `input`, in input order.
    ///
    /// # Errors
    /// When the hit cannot be written.
    fn hit(&mut self, input: &str, hit: HitRecord) -> Result<()>;

    /// The hits so far are all out: a live pipe shows them now. By default, nothing.
    ///
    /// # Errors
    /// When the output cannot be flushed.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// The input `input` could not be opened or read to its end (what was read was
    /// scanned). By default, nothing.
    fn failed(&mut self, _input: &str, _error: Error) {}
}

/// The hits of one stretch, before they are placed in their input.
#[derive(Debug)]
struct Segment {
    seq: Seq,
    /// Line numbers relative to the stretch; each hit's time as far as the stretch tells.
    hits: Vec<(HitRecord, Dated)>,
    extent: Extent,
    /// The time of the stretch's last dated line.
    last: Option<i64>,
}

/// The hits a thread found, per stretch.
#[derive(Debug, Default)]
pub struct HitPart {
    /// Whether hits are kept by time (`--since`/`--until`).
    timed: bool,
    /// Hits of the stretch being scanned.
    pending: Vec<(HitRecord, Dated)>,
    segments: Vec<Segment>,
}

impl Part for HitPart {
    const LINE_NUMBERS: bool = true;

    fn needs_time(&self) -> bool {
        self.timed
    }

    fn fork(&self) -> Self {
        HitPart {
            timed: self.timed,
            ..HitPart::default()
        }
    }

    fn hit(&mut self, hit: &Hit, at: &At<'_>) {
        let record = HitRecord {
            line: at.line,
            offset: at.base + hit.offset as u64,
            code: hit.code.clone(),
            matched: at.data[hit.matched.clone()].to_vec(),
        };
        self.pending.push((record, at.time));
    }

    fn end_stretch(&mut self, stretch: Stretch) {
        self.segments.push(Segment {
            seq: stretch.seq,
            hits: std::mem::take(&mut self.pending),
            extent: stretch.extent,
            last: stretch.last,
        });
    }

    fn absorb(&mut self, other: Self) {
        self.segments.extend(other.segments);
    }
}

/// Passes every hit to a [`HitOutput`] in input order, with its line number in the input,
/// keeping only the hits in the scanner's time window (a hit without a time of its own takes
/// the time of the last dated line before it in the same input).
pub struct HitSink<O> {
    out: O,
    window: Window,
    input: String,
    waiting: Vec<Segment>,
    /// Lines of the current input before the stretches waiting.
    line_base: u64,
    /// The time of the last dated line passed.
    carry: Option<i64>,
    extent: Extent,
    failed: usize,
}

impl<O: HitOutput> HitSink<O> {
    /// A sink for `scanner`'s time window, writing to `out`.
    pub fn new(scanner: &Scanner<'_>, out: O) -> HitSink<O> {
        HitSink {
            out,
            window: scanner.config.window,
            input: String::new(),
            waiting: Vec::new(),
            line_base: 0,
            carry: None,
            extent: Extent::default(),
            failed: 0,
        }
    }

    /// How many inputs could not be opened or read to their end.
    pub fn failed(&self) -> usize {
        self.failed
    }

    /// The extent of the inputs scanned so far.
    pub fn extent(&self) -> Extent {
        self.extent
    }

    /// The output.
    pub fn into_output(self) -> O {
        self.out
    }
}

impl<O: HitOutput> Sink for HitSink<O> {
    type Part = HitPart;

    fn part(&self) -> HitPart {
        HitPart {
            timed: !self.window.is_open(),
            ..HitPart::default()
        }
    }

    fn in_order(&self) -> bool {
        true
    }

    fn begin_input(&mut self, name: &str) {
        name.clone_into(&mut self.input);
        self.line_base = 0;
        self.carry = None;
    }

    fn append(&mut self, part: HitPart) -> Result<()> {
        self.waiting.extend(part.segments);
        Ok(())
    }

    fn caught_up(&mut self) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        self.waiting.sort_unstable_by_key(|s| s.seq);
        let timed = !self.window.is_open();
        let mut wrote = false;
        for segment in std::mem::take(&mut self.waiting) {
            for (mut h, dated) in segment.hits {
                if timed {
                    let time = match dated {
                        Dated::At(t) => Some(t),
                        Dated::Leading | Dated::Untimed => self.carry,
                    };
                    if !self.window.keeps(time) {
                        continue;
                    }
                }
                h.line += self.line_base;
                self.out.hit(&self.input, h)?;
                wrote = true;
            }
            self.line_base += segment.extent.newlines;
            self.extent += segment.extent;
            if timed {
                self.carry = segment.last.or(self.carry);
            }
        }
        if wrote {
            self.out.flush()?;
        }
        Ok(())
    }

    fn end_input(&mut self, name: &str, end: InputEnd) -> Result<()> {
        self.caught_up()?;
        if let Some(e) = end.error {
            self.failed += 1;
            self.out.failed(name, e);
        }
        Ok(())
    }
}
