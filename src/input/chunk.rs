//! Newline-aligned chunking of a byte slice, so that chunks can be scanned independently and
//! in parallel without a line ever being split. Pure: no I/O, no threads.

use std::ops::Range;

use memchr::memchr;

/// Splits `data` into consecutive ranges of about `target` bytes, each ending just after a
/// `\n` (or at the end of `data`). A line longer than `target` is kept whole in one chunk.
/// The ranges cover `data` exactly, in order; an empty `data` gives no range.
pub fn newline_aligned(data: &[u8], target: usize) -> Vec<Range<usize>> {
    newline_aligned_with(data, target, usize::MAX, |_| {})
}

/// [`newline_aligned`], calling `searched` with each stretch of `long` bytes searched in vain
/// for a newline (the inside of a line longer than `long`), so that the caller can let the OS
/// drop the pages of a memory map that such a search went through before they are scanned.
pub fn newline_aligned_with(
    data: &[u8],
    target: usize,
    long: usize,
    mut searched: impl FnMut(Range<usize>),
) -> Vec<Range<usize>> {
    let target = target.max(1);
    let long = long.max(1);
    let mut out = Vec::with_capacity(data.len() / target + 1);
    let mut start = 0;
    while start < data.len() {
        let probe = start.saturating_add(target).min(data.len());
        let end = if probe >= data.len() {
            data.len()
        } else {
            // Cut after the first newline at or past the probe point.
            let mut from = probe - 1;
            loop {
                let to = from.saturating_add(long).min(data.len());
                if let Some(i) = memchr(b'\n', &data[from..to]) {
                    break from + i + 1;
                }
                if to == data.len() {
                    break data.len();
                }
                searched(from..to);
                from = to;
            }
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// Where the complete lines of `buf` end: just past its last `\n`, or 0 when it holds none.
pub fn complete_lines_end(buf: &[u8]) -> usize {
    memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stretches_searched_are_reported_and_chunks_are_unchanged() {
        let data = [b"a\n".to_vec(), b"x".repeat(100), b"\nb\n".to_vec()].concat();
        for target in 1..6 {
            for long in 1..30 {
                let mut seen = Vec::new();
                let got = newline_aligned_with(&data, target, long, |r| seen.push(r));
                assert_eq!(got, newline_aligned(&data, target));
                assert!(seen
                    .iter()
                    .all(|r| r.len() == long && !data[r.clone()].contains(&b'\n')));
                assert!(seen.len() >= 100 / long - 2, "target {target} long {long}");
            }
        }
    }

    fn check(data: &[u8], target: usize) -> Vec<Range<usize>> {
        let chunks = newline_aligned(data, target);
        let mut next = 0;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.start, next, "chunks must be contiguous");
            assert!(c.end > c.start, "chunks must not be empty");
            if i + 1 < chunks.len() {
                assert_eq!(data[c.end - 1], b'\n', "inner chunks end after a newline");
            }
            next = c.end;
        }
        assert_eq!(next, data.len());
        chunks
    }

    #[test]
    fn table() {
        assert!(check(b"", 4).is_empty());
        assert_eq!(check(b"a\nb\nc\n", 1), vec![0..2, 2..4, 4..6]);
        assert_eq!(check(b"a\nb\nc", 2), vec![0..2, 2..4, 4..5]);
        assert_eq!(check(b"abcdef\nx\n", 2), vec![0..7, 7..9]);
        assert_eq!(check(b"abcdef", 2), vec![0..6]);
        assert_eq!(check(b"\n\n\n", 0), vec![0..1, 1..2, 2..3]);
        assert_eq!(check(b"ab\ncd\n", 100), vec![0..6]);
        assert_eq!(check(b"ab\ncd\n", 3), vec![0..3, 3..6]);
    }

    #[test]
    fn every_target_covers_the_data() {
        let data = b"one\r\ntwo\n\nthree four\nfive";
        for t in 0..data.len() + 2 {
            check(data, t);
        }
    }

    #[test]
    fn complete_lines() {
        assert_eq!(complete_lines_end(b""), 0);
        assert_eq!(complete_lines_end(b"abc"), 0);
        assert_eq!(complete_lines_end(b"a\nbc"), 2);
        assert_eq!(complete_lines_end(b"a\nb\n"), 4);
    }
}
