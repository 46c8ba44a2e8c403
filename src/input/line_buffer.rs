//! Reading a stream as blocks of whole lines, so that blocks can be scanned independently.
//!
//! The partial last line of a read is carried into the next block. A line longer than
//! [`MAX_LINE`] is the one exception: it is delivered in pieces of that size, so that a stream
//! of junk without newlines cannot grow memory without bound.

use std::io::{self, Read};

use memchr::{memchr, memrchr};

/// A line longer than this (256 MiB) is delivered in pieces; shorter lines are never cut.
pub const MAX_LINE: usize = 256 << 20;

/// How much a live read asks for at a time.
const LIVE_READ: usize = 64 << 10;

/// Reads a stream as blocks of whole lines.
pub struct LineReader<'a> {
    inner: &'a mut dyn Read,
    carry: Vec<u8>,
    block: usize,
    max_line: usize,
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
            max_line: MAX_LINE,
            delivered: 0,
            eof: false,
            error: None,
        }
    }

    /// Sets the longest line delivered whole (by default [`MAX_LINE`]).
    pub fn with_max_line(mut self, max_line: usize) -> LineReader<'a> {
        self.max_line = max_line.max(1);
        self
    }

    /// Bytes delivered so far: the input offset of the next block.
    pub fn offset(&self) -> u64 {
        self.delivered
    }

    /// Replaces the content of `buf` with the next block: whole lines, except the last line of
    /// the input (which may lack a newline) and the pieces of an over-long line. With `live`,
    /// returns as soon as the input has given at least one whole line, rather than filling a
    /// block, so that a slow pipe is processed as it comes. Returns `Ok(false)` at the end.
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
        let mut filled = carried;
        // The carry holds no newline (it is the start of one line): only new bytes are
        // searched for one.
        let mut checked = 0;
        let mut has_newline = false;
        let mut target = filled + self.block;
        while !self.eof {
            has_newline = has_newline || memchr(b'\n', &buf[checked..filled]).is_some();
            checked = filled;
            if has_newline && (live || filled >= target) {
                break;
            }
            if !has_newline && filled >= self.max_line {
                break;
            }
            if filled >= target {
                // One long line so far: read on until it ends.
                target = filled + self.block;
            }
            let end = if live { filled + LIVE_READ } else { target };
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
        let cut = if self.eof {
            buf.len()
        } else {
            memrchr(b'\n', buf).map_or(buf.len(), |i| i + 1)
        };
        self.carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        self.delivered += cut as u64;
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

    /// Reads everything through a `LineReader`, from a source that returns at most `step`
    /// bytes per read.
    fn blocks(data: &[u8], step: usize, block: usize, max_line: usize, live: bool) -> Vec<Vec<u8>> {
        struct Trickle<'d>(&'d [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
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
