//! The window sink: counts per wall-clock window of a live stream (`--every`), each window
//! passed on as a [`Report`] when it closes.

use std::time::{Duration, SystemTime};

use super::counts::CountPart;
use super::sink::{InputEnd, Part, Sink, Ticks};
use super::Scanner;
use crate::error::{Error, Result};
use crate::report::Report;

/// Counts the lines completed in each window of `every` and passes each window's counts on
/// when it closes, with the window's end: the clock when it closed, to the nanosecond, and
/// always later than the previous window's end. The end of an input closes a last (partial)
/// window. Hits take the time of their line, or of the last dated line before it in the
/// input, across windows.
pub struct WindowSink<'c, F> {
    current: CountPart<'c>,
    ticks: Ticks,
    on_window: F,
    per_input: bool,
    unknown_cap: u64,
    name: String,
    window: Report,
    /// The time of the last dated line counted.
    carry: Option<i64>,
    previous_end: Option<SystemTime>,
    error: Option<Error>,
}

impl<'c, F> WindowSink<'c, F>
where
    F: FnMut(&Report, SystemTime) -> Result<()>,
{
    /// A sink closing a window every `ticks.every` (and ending the scan on `ticks.stop`),
    /// counting as `scanner` is configured to, giving each window to `on_window`.
    pub fn new(scanner: &Scanner<'c>, ticks: Ticks, on_window: F) -> WindowSink<'c, F> {
        WindowSink {
            current: CountPart::new(scanner),
            ticks,
            on_window,
            per_input: scanner.config.per_input,
            unknown_cap: scanner.config.unknown_cap as u64,
            name: String::new(),
            window: Report::default(),
            carry: None,
            previous_end: None,
            error: None,
        }
    }

    /// Why the input could not be opened or read to its end, if it could not.
    pub fn into_error(self) -> Option<Error> {
        self.error
    }

    /// Passes the open window on and starts the next.
    fn close(&mut self) -> Result<()> {
        self.carry = self.current.resolve_from(self.carry);
        let (counts, extent) = self.current.take();
        let mut window = std::mem::take(&mut self.window);
        window.summary.bytes += extent.bytes;
        window.summary.lines += extent.newlines;
        window.summary.hits = counts.total();
        window.summary.unknown = counts.unknown_total();
        window.summary.folded = counts.folded();
        window.summary.unknown_cap = Some(self.unknown_cap);
        let name = if self.per_input {
            self.name.clone()
        } else {
            String::new()
        };
        window.counts = vec![(name, counts)];
        let mut end = SystemTime::now();
        if let Some(before) = self.previous_end.filter(|b| end <= *b) {
            // A clock that stood still or stepped back: still a distinct, later stamp.
            end = before + Duration::from_nanos(1);
        }
        self.previous_end = Some(end);
        (self.on_window)(&window, end)
    }
}

impl<'c, F> Sink for WindowSink<'c, F>
where
    F: FnMut(&Report, SystemTime) -> Result<()>,
{
    type Part = CountPart<'c>;

    fn part(&self) -> CountPart<'c> {
        self.current.fork()
    }

    fn in_order(&self) -> bool {
        true
    }

    fn ticks(&self) -> Option<Ticks> {
        Some(self.ticks.clone())
    }

    fn begin_input(&mut self, name: &str) {
        name.clone_into(&mut self.name);
        self.carry = None;
    }

    fn append(&mut self, part: CountPart<'c>) -> Result<()> {
        self.current.absorb(part);
        Ok(())
    }

    fn caught_up(&mut self) -> Result<()> {
        // Blocks come in order: each one's leading hits are dated at once.
        self.carry = self.current.resolve_from(self.carry);
        Ok(())
    }

    fn tick(&mut self) -> Result<()> {
        self.close()
    }

    fn end_input(&mut self, _name: &str, end: InputEnd) -> Result<()> {
        if end.opened {
            // A last line without a newline is a line too.
            self.window.summary.lines += u64::from(end.last_byte.is_some_and(|b| b != b'\n'));
            self.window.summary.inputs = 1;
            self.close()?;
        }
        self.error = end.error.or(self.error.take());
        Ok(())
    }
}
