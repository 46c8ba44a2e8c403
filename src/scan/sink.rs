//! What the driver pushes its findings into: the [`Sink`] trait and the events it receives.
//!
//! The driver ([`super::driver`]) reads every input the same way and calls a sink's part for
//! each hit and at the end of each *stretch* of input it scanned as one unit (a chunk of content
//! in memory, a block of a stream, a window of an over-long line). What the hits become is
//! the sink's business: counts ([`super::counts::CountSink`]), hit records written in input
//! order ([`super::hits::HitSink`]), or counts per wall-clock window
//! ([`super::windows::WindowSink`]).
//!
//! Stretches are scanned in parallel, each thread into its own [`Part`] of the sink, and the
//! parts are handed to the sink with [`Sink::append`]. Every stretch carries its place in the input
//! ([`Seq`]), so that a sink can put them back in order whatever order the threads finished
//! in: a hit before the first dated line of its stretch is [`Dated::Leading`] and takes the
//! time of the last dated line of the stretches before it.

use crate::error::{Error, Result};
use crate::matcher::Hit;
use crate::report::counts::Extent;

/// The place of a stretch in its input: (chunk, part of the chunk) for content in memory,
/// (block, 0) for a stream. Stretches of one input sort in input order by it.
pub type Seq = (u64, u64);

/// The time of a hit, as far as the stretch it was found in can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dated {
    /// The sink asked for no times ([`Part::needs_time`]).
    Untimed,
    /// The time of its line, or of the last dated line before it in the stretch.
    At(i64),
    /// The stretch has no dated line before it: the hit takes the time of the last dated
    /// line of the stretches before, in the same input (or none).
    Leading,
}

/// Where a hit was found.
#[derive(Clone, Copy, Debug)]
pub struct At<'a> {
    /// The bytes the hit's offsets and match range refer to.
    pub data: &'a [u8],
    /// The input offset of `data[0]` (of the decoded text, for a compressed input).
    pub base: u64,
    /// The 1-based number of the hit's line within its stretch when the sink asks for line
    /// numbers ([`Part::LINE_NUMBERS`]), else 0.
    pub line: u64,
    /// The hit's time.
    pub time: Dated,
}

/// The end of a stretch: what it covered and the time it leaves to the stretches after it.
#[derive(Clone, Copy, Debug)]
pub struct Stretch {
    /// Its place in the input.
    pub seq: Seq,
    /// The new bytes it covered (a window's overlap with the one before is not counted again)
    /// and their newlines.
    pub extent: Extent,
    /// The time of its last dated line; `None` when it has none or times are not needed.
    pub last: Option<i64>,
}

/// How an input ended.
#[derive(Debug)]
pub struct InputEnd {
    /// Whether the input could be opened: when not, nothing of it was scanned and `error`
    /// says why.
    pub opened: bool,
    /// The last byte of the input, to count a last line that lacks a newline.
    pub last_byte: Option<u8>,
    /// Why the input could not be opened, or why reading stopped early (everything read
    /// before was scanned).
    pub error: Option<Error>,
}

/// Live scans: wall-clock ticks delivered to the sink while a stream is read.
#[derive(Clone, Debug)]
pub struct Ticks {
    /// The time between ticks.
    pub every: std::time::Duration,
    /// Ends the scan (after the lines already read) when it receives a message or loses its
    /// last sender.
    pub stop: crossbeam_channel::Receiver<()>,
}

/// What one thread gathers while scanning stretches: hits and stretch ends. A part can be
/// forked on any thread (an empty part with the same settings) and parts of one input are
/// combined with [`Part::absorb`] before they reach their [`Sink`].
pub trait Part: Send + Sync + Sized {
    /// Whether [`At::line`] is wanted: counting the newlines before each hit line costs a
    /// pass over the bytes between hits.
    const LINE_NUMBERS: bool = false;

    /// Whether hits need a time. When not, every hit is [`Dated::Untimed`] and no timestamp
    /// is parsed.
    fn needs_time(&self) -> bool;

    /// An empty part with the same settings.
    fn fork(&self) -> Self;

    /// One hit.
    fn hit(&mut self, hit: &Hit, at: &At<'_>);

    /// The end of a stretch, after its hits.
    fn end_stretch(&mut self, stretch: Stretch);

    /// Takes in what `other` gathered from other stretches of the same input (before or
    /// after this part's: stretches are put in order by their [`Seq`]).
    fn absorb(&mut self, other: Self);
}

/// Receives the findings of a scan from the driver ([`crate::scan::Scanner::run`]), on the
/// thread that called it.
///
/// For each input in turn: [`Sink::begin_input`], then the parts its stretches were scanned
/// into ([`Sink::append`], with [`Sink::caught_up`] whenever every stretch so far has been
/// appended), then [`Sink::end_input`]. Files may be scanned in parallel with each other;
/// their parts are still appended input by input, in input order.
pub trait Sink {
    /// What threads scan into.
    type Part: Part;

    /// An empty part for this sink.
    fn part(&self) -> Self::Part;

    /// Whether findings must come in input order as soon as they can: inputs are then
    /// scanned one after the other, content in memory in small parallel batches appended in
    /// order, and streams read as lines come (a live pipe), each block appended at once.
    /// By default, files are scanned in parallel with each other and streams in large
    /// blocks.
    fn in_order(&self) -> bool {
        false
    }

    /// Wall-clock ticks for a live scan ([`Sink::tick`]); by default none. With ticks, every
    /// input is read as a stream by a reader thread, so that a tick comes on time even when
    /// no data does.
    fn ticks(&self) -> Option<Ticks> {
        None
    }

    /// An input starts.
    fn begin_input(&mut self, _name: &str) {}

    /// Takes in a part of the current input.
    ///
    /// # Errors
    /// When passing the findings on fails (an output closed).
    fn append(&mut self, part: Self::Part) -> Result<()>;

    /// Every stretch of the current input read so far has been appended.
    ///
    /// # Errors
    /// When passing the findings on fails (an output closed).
    fn caught_up(&mut self) -> Result<()> {
        Ok(())
    }

    /// A tick of [`Sink::ticks`], after the parts of the stretches read before it.
    ///
    /// # Errors
    /// When passing the findings on fails (an output closed).
    fn tick(&mut self) -> Result<()> {
        Ok(())
    }

    /// The current input ended: every part of it has been appended.
    ///
    /// # Errors
    /// When passing the findings on fails (an output closed).
    fn end_input(&mut self, name: &str, end: InputEnd) -> Result<()>;
}
