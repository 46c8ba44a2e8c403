//! Reading a stream as blocks of whole lines, so that blocks can be scanned independently.
//!
//! The partial last line of a read is carried into the next block. A line longer than the
//! reader's longest held line ([`MAX_HELD_LINE`] by default) is the one exception, so that a
//! stream of junk without newlines cannot grow memory without bound: it is delivered in
//! *windows* of at most that many bytes. With [`LineReader::with_windows`], consecutive windows
//! overlap by [`WINDOW_OVERLAP`] bytes and [`Piece::owned`] tells which match starts each
//! window reports, so that every match of up to [`MAX_MATCH`] bytes in the line is found in
//! exactly one window; without it, windows do not overlap (a match across a cut is lost).

use std::io::{self, Read};
use std::ops::Range;

use memchr::{memchr, memrchr};

/// The longest line held whole (16 MiB); a longer line is delivered in windows.
pub const MAX_HELD_LINE: usize = 16 << 20;

/// The longest match, context included (32 KiB), that windows of an over-long line are sure to
/// find exactly once: a rule match plus the byte on either side that a `\b` reads. Matches
/// are far shorter in practice (an envelope and a code).
pub const MAX_MATCH: usize = 32 << 10;

/// How many bytes consecutive windows of an over-long line share (64 KiB): the ownership
/// boundary sits in its middle, leaving [`MAX_MATCH`] bytes on either side.
pub const WINDOW_OVERLAP: usize = 2 * MAX_MATCH;

/// How much a live read asks for at a time.
const LIVE_READ: usize = 64 << 10;

/// What a delivered block is: whole lines, or a window of a line longer than the reader holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Piece {
    /// Input offset of the block's first byte.
    pub start: u64,
    /// How many bytes at the start of the block ended the previous block too: non-zero for
    /// the second and later windows of an over-long line (with windows enabled).
    pub overlap: usize,
    /// The block ends inside a line that the next block goes on with.
    pub continues: bool,
}

impl Piece {
    /// Whether the block is part of a line longer than the reader holds (rather than lines).
    pub fn is_window(&self) -> bool {
        self.overlap > 0 || self.continues
    }

    /// The offsets in a block of `len` bytes at which a match must start to be reported by
    /// this block: a match starting elsewhere is reported by the previous or the next window,
    /// which hold it whole (when it is at most [`MAX_MATCH`] bytes long). For whole lines,
    /// every offset.
    pub fn owned(&self, len: usize) -> Range<usize> {
        let start = self.overlap - self.overlap / 2;
        let end = if self.continues {
            let next = tail_overlap(len);
            len - next + (next - next / 2)
        } else {
            len
        };
        start..end.max(start)
    }
}

/// How many bytes of a window of `len` bytes the next window starts with.
fn tail_overlap(len: usize) -> usize {
    WINDOW_OVERLAP.min(len / 2)
}

/// Reads a stream as blocks of whole lines.
pub struct LineReader<'a> {
    inner: &'a mut dyn Read,
    carry: Vec<u8>,
    block: usize,
    max_line: usize,
    windows: bool,
    /// The carry is the end of a window: the next block goes on with the same line.
    in_line: bool,
    piece: Piece,
    delivered: u64,
    eof: bool,
    error: Option<io::Error>,
}

impl<'a> LineReader<'a> {
    /// A reader that fills blocks of about `block` bytes (at least 1).
    pub fn new(inner: &'a mut dyn Read, block: usize) -> LineReader<'a> {
        LineReader {
            inner,
            carry: Vec::new(),
            block: block.max(1),
            max_line: MAX_HELD_LINE,
            windows: false,
            in_line: false,
            piece: Piece::default(),
            delivered: 0,
            eof: false,
            error: None,
        }
    }

    /// Sets the longest line delivered whole (by default [`MAX_HELD_LINE`], at least 2).
    pub fn with_max_line(mut self, max_line: usize) -> LineReader<'a> {
        self.max_line = max_line.max(2);
        self
    }

    /// Makes the windows of an over-long line overlap (see [`Piece::owned`]). The caller
    /// must then count only the new bytes of each block (after [`Piece::overlap`]) and report
    /// only the matches that start in [`Piece::owned`].
    pub fn with_windows(mut self) -> LineReader<'a> {
        self.windows = true;
        self
    }

    /// Bytes delivered so far, each counted once: the offset the input has been read to.
    pub fn offset(&self) -> u64 {
        self.delivered
    }

    /// What the block last delivered by [`LineReader::next_into`] is.
    pub fn piece(&self) -> Piece {
        self.piece
    }

    /// Replaces the content of `buf` with the next block: whole lines, except the last line of
    /// the input (which may lack a newline) and the windows of an over-long line (see
    /// [`LineReader::piece`]). With `live`, returns as soon as the input has given at least
    /// one whole line, rather than filling a block, so that a slow pipe is processed as it
    /// comes. Returns `Ok(false)` at the end.
    ///
    /// # Errors
    /// A read error, once every byte read before it has been delivered.
    pub fn next_into(&mut self, buf: &mut Vec<u8>, live: bool) -> io::Result<bool> {
        // `buf[..filled]` holds data; the rest is room for reads. The block keeps the length
        // of its last use, so that only room it never had is zeroed: zeroing a whole block
        // for every block read costs about as much as reading it from a pipe.
        let carried = self.carry.len();
        if buf.len() < carried {
            buf.resize(carried, 0);
        }
        buf[..carried].copy_from_slice(&self.carry);
        self.carry.clear();
        let continuing = self.in_line;
        let overlap = if continuing && self.windows {
            carried
        } else {
            0
        };
        let mut filled = carried;
        // The carry holds no newline (it is the start of a line, or the end of a window of
        // one): only new bytes are searched for one.
        let mut checked = carried;
        let mut has_newline = false;
        let mut target = filled + self.block;
        while !self.eof {
            has_newline = has_newline || memchr(b'\n', &buf[checked..filled]).is_some();
            checked = filled;
            // The rest of an over-long line is delivered as soon as its end is seen.
            if has_newline && (live || continuing || filled >= target) {
                break;
            }
            if !has_newline && filled >= self.max_line {
                break;
            }
            if filled >= target {
                // One long line so far: read on until it ends.
                target = filled + self.block;
            }
            let mut end = if live { filled + LIVE_READ } else { target };
            if !has_newline {
                // A window never exceeds the longest line held.
                end = end.min(self.max_line);
            }
            if buf.len() < end {
                buf.resize(end, 0);
            }
            match self.inner.read(&mut buf[filled..end]) {
                Ok(0) => self.eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                }
            }
        }
        buf.truncate(filled);
        let newline = if continuing {
            memchr(b'\n', &buf[carried..]).map(|i| carried + i)
        } else {
            memrchr(b'\n', buf)
        };
        let (cut, continues) = match newline {
            _ if self.eof => (buf.len(), false),
            Some(i) => (i + 1, false),
            // No newline in a full window: the line goes on in the next block.
            None => (buf.len(), true),
        };
        if continues && self.windows {
            let keep = tail_overlap(cut);
            self.carry.extend_from_slice(&buf[cut - keep..cut]);
        } else {
            self.carry.extend_from_slice(&buf[cut..]);
        }
        self.in_line = continues;
        buf.truncate(cut);
        let start = self.delivered - overlap as u64;
        self.delivered += (cut - overlap) as u64;
        self.piece = Piece {
            start,
            overlap,
            continues,
        };
        if buf.is_empty() {
            return match self.error.take() {
                Some(e) => Err(e),
                None => Ok(false),
            };
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that returns at most `.1` bytes of `.0` per read.
    struct Trickle<'d>(&'d [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Reads everything through a `LineReader`, from a source that returns at most `step`
    /// bytes per read.
    fn blocks(data: &[u8], step: usize, block: usize, max_line: usize, live: bool) -> Vec<Vec<u8>> {
        let mut src = Trickle(data, step);
        let mut r = LineReader::new(&mut src, block).with_max_line(max_line);
        let mut out = Vec::new();
        // Blocks are recycled: what a block held before must not show through.
        let mut buf = b"stale\nbytes\n".repeat(8);
        while r.next_into(&mut buf, live).unwrap() {
            out.push(buf.clone());
        }
        assert_eq!(r.offset(), data.len() as u64);
        out
    }

    #[test]
    fn blocks_are_whole_lines_and_cover_the_input() {
        let data = b"one\ntwo\r\n\nthree four five\nsix";
        for step in 1..8 {
            for block in 1..12 {
                for live in [false, true] {
                    let got = blocks(data, step, block, 1 << 20, live);
                    assert_eq!(got.concat(), data.to_vec());
                    for b in &got[..got.len() - 1] {
                        assert_eq!(b.last(), Some(&b'\n'), "step {step} block {block}");
                    }
                }
            }
        }
        assert!(blocks(b"", 3, 4, 1 << 20, false).is_empty());
    }

    #[test]
    fn over_long_lines_come_in_pieces() {
        let data = [b"x".repeat(25), b"\nab\n".to_vec()].concat();
        let got = blocks(&data, 4, 4, 10, false);
        assert_eq!(got.concat(), data);
        assert!(got.iter().all(|b| b.len() <= 10 + 4));
        assert!(got.len() >= 3);
    }

    /// Reads everything with overlapping windows: (block, piece) pairs.
    fn windows(data: &[u8], step: usize, block: usize, max_line: usize) -> Vec<(Vec<u8>, Piece)> {
        let mut src = Trickle(data, step);
        let mut r = LineReader::new(&mut src, block)
            .with_max_line(max_line)
            .with_windows();
        let mut out = Vec::new();
        let mut buf = b"stale\nbytes\n".repeat(8);
        while r.next_into(&mut buf, false).unwrap() {
            out.push((buf.clone(), r.piece()));
        }
        assert_eq!(r.offset(), data.len() as u64);
        out
    }

    #[test]
    fn windows_overlap_and_own_every_offset_once() {
        let data = [
            b"short\n".to_vec(),
            b"x".repeat(100),
            b"\nmid\n".to_vec(),
            b"y".repeat(57),
            b"\n".to_vec(),
            b"z".repeat(33),
        ]
        .concat();
        for step in [1, 3, 7, 64] {
            for block in [1, 4, 9] {
                for max_line in [8, 13, 20] {
                    let got = windows(&data, step, block, max_line);
                    let mut rebuilt = Vec::new();
                    let mut owners = vec![0u32; data.len()];
                    for (bytes, piece) in &got {
                        let start = piece.start as usize;
                        // The overlap is the end of the previous block, byte for byte.
                        assert_eq!(start + piece.overlap, rebuilt.len());
                        assert_eq!(&data[start..start + bytes.len()], &bytes[..]);
                        assert!(
                            bytes.len() <= max_line.max(block) * 2 + 8,
                            "{}",
                            bytes.len()
                        );
                        rebuilt.extend_from_slice(&bytes[piece.overlap..]);
                        for o in piece.owned(bytes.len()) {
                            owners[start + o] += 1;
                        }
                        if !piece.is_window() {
                            assert!(
                                bytes.last() == Some(&b'\n') || start + bytes.len() == data.len()
                            );
                        }
                    }
                    assert_eq!(rebuilt, data, "step {step} block {block} max {max_line}");
                    assert!(
                        owners.iter().all(|&n| n == 1),
                        "step {step} block {block} max {max_line}: {owners:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_over_long_line_that_ends_the_input_ends_in_a_window() {
        let data = b"q".repeat(50);
        let got = windows(&data, 50, 4, 16);
        assert!(got.len() >= 3);
        assert!(got[0].1.continues && got[0].1.overlap == 0);
        let last = got.last().unwrap().1;
        assert!(!last.continues && last.overlap > 0);
    }

    #[test]
    fn a_read_error_comes_after_the_bytes_before_it() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("boom"));
                }
                out[..7].copy_from_slice(b"a\nbc\nde");
                Ok(7)
            }
        }
        let mut src = Failing(false);
        let mut r = LineReader::new(&mut src, 100);
        let mut buf = Vec::new();
        assert!(r.next_into(&mut buf, false).unwrap());
        assert_eq!(buf, b"a\nbc\nde");
        assert_eq!(
            r.next_into(&mut buf, false).unwrap_err().to_string(),
            "boom"
        );
        assert_eq!(r.offset(), 7);
    }
}
