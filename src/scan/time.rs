//! The time of a hit, for time buckets and `--since`/`--until` windows, exact across chunks.
//!
//! A hit takes the time of its line, or of the last dated line before it in the same input
//! (see [`crate::report::window`]). Stretches (chunks, blocks) are scanned in parallel, so a stretch cannot know the time its
//! first lines carry over from the stretch before. The driver dates each hit line with a
//! [`Clock`] as far as its stretch tells ([`super::sink::Dated`]); a sink that counts keeps the
//! hits before the stretch's first dated line in an [`Edge`] with the time of its last dated
//! line. Walking the edges in input order then dates every leading hit exactly as a
//! sequential scan would.
//!
//! Finding a line's time costs a timestamp parse, so only lines with a hit are read, plus,
//! for a hit line with no time, the lines back to the last one read; every line of a chunk
//! is read at most once.

use std::collections::HashMap;

use memchr::memrchr_iter;

use crate::matcher::CodeRef;
use crate::report::counts::Counts;
use crate::report::timestamp::{self, Granularity};
use crate::report::window::Window;

/// How hits are placed in time: bucket width and window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    pub(crate) granularity: Option<Granularity>,
    pub(crate) window: Window,
}

impl Timing {
    /// Whether hits need a time at all; when not, the scan skips every timestamp parse.
    pub(crate) fn needed(&self) -> bool {
        self.granularity.is_some() || !self.window.is_open()
    }

    /// Counts `n` hits of `code` at `time` (`None`: undated), if the window keeps them.
    #[inline]
    pub(crate) fn count(&self, counts: &mut Counts, code: &CodeRef, time: Option<i64>, n: u64) {
        if !self.window.keeps(time) {
            return;
        }
        let bucket = match (self.granularity, time) {
            (Some(g), Some(t)) => Some(timestamp::bucket_start(t, g)),
            _ => None,
        };
        counts.add_n(code, bucket, n);
    }

    /// Counts the leading hits of each chunk's edge, the edges in input order: each takes the
    /// time of the last dated line of the chunks before it, or none.
    pub(crate) fn resolve(&self, counts: &mut Counts, edges: impl IntoIterator<Item = Edge>) {
        let mut carry = None;
        for edge in edges {
            carry = self.resolve_one(counts, edge, carry);
        }
    }

    /// Counts the leading hits of one edge at `carry`, the time of the last dated line before
    /// its chunk; returns the time the next chunk carries.
    pub(crate) fn resolve_one(
        &self,
        counts: &mut Counts,
        edge: Edge,
        carry: Option<i64>,
    ) -> Option<i64> {
        for (code, n) in edge.leading {
            self.count(counts, &code, carry, n);
        }
        edge.last.or(carry)
    }
}

/// What a stretch leaves to be resolved against the stretches before it.
#[derive(Debug, Default)]
pub(crate) struct Edge {
    /// Hits on lines before the stretch's first dated line, per code.
    pub(crate) leading: HashMap<CodeRef, u64>,
    /// The time of the stretch's last dated line, if it has one.
    pub(crate) last: Option<i64>,
}

/// Dates the hit lines of one stretch in order.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    /// Where the lines not yet read start (or the end of the last hit line read).
    pos: usize,
    /// The time of the last dated line read, `None` while no dated line was met.
    time: Option<i64>,
}

impl Clock {
    /// The time of the hit line `data[start..end]`: its own, else the last dated line's
    /// since the stretch started; `None` when the stretch has had no dated line yet.
    pub(crate) fn line(&mut self, data: &[u8], start: usize, end: usize, year: i16) -> Option<i64> {
        let own = timestamp::line_time(&data[start..end], year);
        let time = own.or_else(|| last_dated(&data[self.pos.min(start)..start], year));
        if time.is_some() {
            self.time = time;
        }
        self.pos = end;
        self.time
    }

    /// Ends the stretch `data`: the time of its last dated line.
    pub(crate) fn finish(self, data: &[u8], year: i16) -> Option<i64> {
        let tail = last_dated(&data[self.pos.min(data.len())..], year);
        tail.or(self.time)
    }
}

/// The time of the last line of `region` that has one, reading lines from the end.
fn last_dated(region: &[u8], year: i16) -> Option<i64> {
    let mut end = region.len();
    for nl in memrchr_iter(b'\n', region) {
        if let Some(t) = timestamp::line_time(&region[nl + 1..end], year) {
            return Some(t);
        }
        end = nl;
    }
    timestamp::line_time(&region[..end], year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_dated_reads_back_to_the_last_stamp() {
        let year = 2026;
        let region = b"2026-11-21T03:00:00Z a\n  at x\n2026-11-21T04:00:00Z b\n  at y\n  at z\n";
        let t = last_dated(region, year).unwrap();
        assert_eq!(timestamp::format_bucket(t), "2026-11-21T04:00:00Z");
        assert_eq!(last_dated(b"  at x\n  at y", year), None);
        assert_eq!(last_dated(b"", year), None);
        // A partial first line (the tail of the line before) is read like any other.
        let t = last_dated(b"\r\n2026-11-21T05:00:00Z c", year).unwrap();
        assert_eq!(timestamp::format_bucket(t), "2026-11-21T05:00:00Z");
    }
}
