//! Following one file: its identity (device and inode), how far it has been counted (the end
//! of its last complete line), and a fingerprint of its head that tells a file truncated and
//! rewritten (copytruncate) from one that merely grew, even when the new content has already
//! grown past the old offset.
//!
//! A followed file is read through its own open descriptor, at explicit offsets, so that a
//! rename does not lose what is still to be read, and complete lines are handed to a sink in
//! blocks; a partial last line stays unread until its newline arrives.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many bytes of a file's head make its fingerprint, at most. A log line carries a
/// timestamp, so a kilobyte tells one file's content from another's.
pub const HEAD_BYTES: u64 = 1024;

/// The longest line kept whole: a longer run of bytes without a newline is counted in pieces
/// of this size, so that memory stays bounded whatever is written.
pub const MAX_LINE: usize = 64 << 20;

/// The message of the error [`Tailed::read_lines`] returns for a compressed or UTF-16 file.
const ENCODED: &str = "compressed or UTF-16, not plain text";

/// True for the error [`Tailed::read_lines`] returns for a compressed or UTF-16 file, which
/// cannot be followed line by line.
pub fn is_encoded_error(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidData && e.to_string() == ENCODED
}

/// Device and inode: what a file is, whatever its name.
pub type FileId = (u64, u64);

/// A hash of a file's first `len` bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// How many bytes were hashed (at most [`HEAD_BYTES`]).
    pub len: u64,
    /// FNV-1a of those bytes: stable across versions and runs, as the state file needs.
    pub hash: u64,
}

impl Fingerprint {
    /// The fingerprint of `bytes`.
    pub fn of(bytes: &[u8]) -> Fingerprint {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Fingerprint {
            len: bytes.len() as u64,
            hash,
        }
    }

    /// The fingerprint of the first `len` bytes of `file`, or `None` when the file holds
    /// fewer bytes than that.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn read(file: &File, len: u64) -> io::Result<Option<Fingerprint>> {
        let mut buf = vec![0; len as usize];
        let mut got = 0;
        while got < buf.len() {
            match file.read_at(&mut buf[got..], got as u64) {
                Ok(0) => return Ok(None),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Some(Fingerprint::of(&buf)))
    }
}

/// Where reading a file that was not followed before starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    /// At its first byte.
    Start,
    /// After its last complete line: what was written before is not counted.
    End,
    /// At this offset (a file followed before a restart).
    Offset(u64),
}

/// What a [`Tailed::check`] found out about the file behind the descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Same content, perhaps grown.
    Same,
    /// Shorter than what was counted, or its head is no longer what it was: it was
    /// truncated (and perhaps written again). Reading restarts at 0.
    Truncated {
        /// The fingerprint and offset the old content had, to recognise a copy of it.
        old_head: Fingerprint,
        /// How far the old content had been counted.
        old_offset: u64,
    },
}

/// One followed file.
#[derive(Debug)]
pub struct Tailed {
    /// The path it is followed under, or `None` once that path names another file (or none)
    /// and this one is being finished.
    pub path: Option<PathBuf>,
    /// The path it had last: for messages and the state file.
    pub last_path: PathBuf,
    file: File,
    /// Its identity.
    pub id: FileId,
    /// The end of the last complete line counted.
    pub offset: u64,
    /// The fingerprint of its head as counted so far.
    pub head: Fingerprint,
    /// Reads that failed.
    pub read_errors: u64,
    /// The last read failed (its error was named; the next one is not, until a success).
    pub failing: bool,
    /// When it last grew or was let go from its path (for finishing rotated files).
    pub last_change: std::time::Instant,
}

impl Tailed {
    /// Opens `path` to follow it from `start`.
    ///
    /// # Errors
    /// When the file cannot be opened or read.
    pub fn open(path: &Path, start: StartAt) -> io::Result<Tailed> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let offset = match start {
            StartAt::Start => 0,
            StartAt::End => after_last_newline(&file, meta.len())?,
            StartAt::Offset(o) => o,
        };
        let mut t = Tailed {
            path: Some(path.to_path_buf()),
            last_path: path.to_path_buf(),
            file,
            id: (meta.dev(), meta.ino()),
            offset,
            head: Fingerprint::default(),
            read_errors: 0,
            failing: false,
            last_change: std::time::Instant::now(),
        };
        t.head = t.current_head(meta.len())?;
        Ok(t)
    }

    /// The fingerprint of the head as it is now, over up to [`HEAD_BYTES`] of `len`.
    fn current_head(&self, len: u64) -> io::Result<Fingerprint> {
        Ok(Fingerprint::read(&self.file, len.min(HEAD_BYTES))?.unwrap_or_default())
    }

    /// The file's size and links now.
    ///
    /// # Errors
    /// When the descriptor cannot be queried.
    pub fn stat(&self) -> io::Result<(u64, u64)> {
        let m = self.file.metadata()?;
        Ok((m.len(), m.nlink()))
    }

    /// Compares the file with what was counted: a file shorter than the offset, or whose
    /// head no longer has the fingerprint it had, was truncated; reading then restarts at 0.
    /// A fingerprint shorter than [`HEAD_BYTES`] is lengthened as the file grows.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn check(&mut self) -> io::Result<Change> {
        let (len, _) = self.stat()?;
        let same_head = len >= self.offset
            && (self.head.len == 0
                || Fingerprint::read(&self.file, self.head.len)? == Some(self.head));
        if !same_head {
            let change = Change::Truncated {
                old_head: self.head,
                old_offset: self.offset,
            };
            self.offset = 0;
            self.head = self.current_head(len)?;
            return Ok(change);
        }
        if self.head.len < HEAD_BYTES && len > self.head.len {
            self.head = self.current_head(len)?;
        }
        Ok(Change::Same)
    }

    /// True when the file's first `head.len` bytes have the fingerprint `head` (always for
    /// an empty fingerprint).
    pub fn has_head(&self, head: Fingerprint) -> bool {
        head.len == 0 || matches!(Fingerprint::read(&self.file, head.len), Ok(Some(h)) if h == head)
    }

    /// Forgets the offset: the file is read again from its start.
    pub fn restart(&mut self) {
        self.offset = 0;
    }

    /// Reads every complete line after the offset, in blocks of about `block` bytes passed
    /// to `sink` (each block ends with a newline), and moves the offset past them. With
    /// `finish`, a last line without a newline is passed on too: the file is being let go
    /// and that newline will never come. Reading stops at the first block end at or past
    /// `limit` bytes, so that a large backlog is read in parts with other work in between.
    /// Returns the bytes passed on.
    ///
    /// A backlog of at least two blocks is read on a thread of its own while `sink` scans
    /// the block before, through three buffers of `block` bytes (each grows to [`MAX_LINE`]
    /// at most, for a long line); a smaller one is read into one. The buffers are kept in
    /// `bufs` from call to call, so that reading a backlog in parts does not allocate.
    ///
    /// # Errors
    /// When a read fails; the lines before it were passed on and counted in the offset.
    pub fn read_lines(
        &mut self,
        bufs: &mut Vec<Vec<u8>>,
        block: usize,
        finish: bool,
        limit: u64,
        sink: &mut dyn FnMut(&[u8]),
    ) -> io::Result<u64> {
        let block = block.max(1);
        let start = self.offset;
        let pending = self.file.metadata()?.len().saturating_sub(start);
        // A small append needs a small buffer: memory follows what there is to read.
        let first = block.min(usize::try_from(pending).unwrap_or(usize::MAX).max(64 << 10));
        let mut cut = Cutter {
            file: &self.file,
            pos: start,
            stop: start.saturating_add(limit.max(1)),
            size: first,
            finish,
        };
        let result = if pending.min(limit) >= 2 * block as u64 {
            read_overlapped(cut, &mut self.offset, bufs, sink)
        } else {
            if bufs.is_empty() {
                bufs.push(Vec::new());
            }
            let buf = &mut bufs[0];
            let mut carry = 0;
            loop {
                match cut.next(buf, carry) {
                    Ok(Some((len, filled))) => {
                        sink(&buf[..len]);
                        self.offset += len as u64;
                        buf.copy_within(len..filled, 0);
                        carry = filled - len;
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
        };
        // A long line may have grown a buffer; keep memory at the block size.
        for buf in bufs.iter_mut().filter(|b| b.len() > block) {
            buf.truncate(block);
            buf.shrink_to(block);
        }
        if self.offset > start {
            self.last_change = std::time::Instant::now();
        }
        result.map(|()| self.offset - start)
    }
}

/// Cuts what a file holds from an offset on into blocks of complete lines.
struct Cutter<'f> {
    file: &'f File,
    /// Where the bytes at the start of the next block are in the file.
    pos: u64,
    /// No block starts at or past this position.
    stop: u64,
    /// How many bytes a block is read into; doubled (up to [`MAX_LINE`]) for a long line.
    size: usize,
    /// Pass on a last line without a newline too.
    finish: bool,
}

impl Cutter<'_> {
    /// Fills `buf`, whose first `carry` bytes were read before (the start of a line), and
    /// returns `(len, filled)`: the first `len` bytes are the next block to pass on (they end
    /// with a newline, or are a run of [`MAX_LINE`] bytes without one, or with `finish` the
    /// last line), and `buf[len..filled]` begins the block after. `None` at the end of what
    /// the file holds now, or at the stop; the bytes of a partial last line are then not
    /// passed on.
    fn next(&mut self, buf: &mut Vec<u8>, mut carry: usize) -> io::Result<Option<(usize, usize)>> {
        if self.pos >= self.stop {
            return Ok(None);
        }
        loop {
            if buf.len() < self.size {
                buf.resize(self.size, 0);
            }
            let n = match self
                .file
                .read_at(&mut buf[carry..self.size], self.pos + carry as u64)
            {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let filled = carry + n;
            // Decided on the bytes read, not on an earlier look: the file may be growing.
            if self.pos == 0 && carry == 0 && n > 0 && crate::input::is_encoded(&buf[..n]) {
                return Err(io::Error::new(io::ErrorKind::InvalidData, ENCODED));
            }
            let len = match memchr::memrchr(b'\n', &buf[..filled]) {
                _ if n == 0 && !(self.finish && filled > 0) => return Ok(None),
                _ if n == 0 => filled,
                Some(i) => i + 1,
                // A run longer than any line kept whole: counted as a line of its own.
                None if filled == self.size && self.size >= MAX_LINE => filled,
                None if filled == self.size => {
                    self.size = (self.size * 2).min(MAX_LINE);
                    carry = filled;
                    continue;
                }
                None => {
                    carry = filled;
                    continue;
                }
            };
            self.pos += len as u64;
            return Ok(Some((len, filled)));
        }
    }
}

/// Reads the blocks `cut` gives on a thread of its own and passes them to `sink` on this
/// one, moving `offset` past each: reading the next block overlaps scanning this one. Three
/// buffers go round (one read into, one waiting, one scanned), taken from `bufs` and put
/// back there, so memory stays at three blocks.
fn read_overlapped(
    mut cut: Cutter<'_>,
    offset: &mut u64,
    bufs: &mut Vec<Vec<u8>>,
    sink: &mut dyn FnMut(&[u8]),
) -> io::Result<()> {
    const BUFFERS: usize = 3;
    let (full_tx, full_rx) = crossbeam_channel::bounded::<(Vec<u8>, usize)>(1);
    let (free_tx, free_rx) = crossbeam_channel::bounded::<Vec<u8>>(BUFFERS);
    bufs.resize_with(BUFFERS, Vec::new);
    let first = bufs.pop().unwrap_or_default();
    for b in bufs.drain(..) {
        let _ = free_tx.send(b);
    }
    let back = free_rx.clone();
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> (io::Result<()>, Vec<u8>) {
            let mut buf = first;
            let mut carry = 0;
            loop {
                let (len, filled) = match cut.next(&mut buf, carry) {
                    Ok(Some(cut)) => cut,
                    Ok(None) => return (Ok(()), buf),
                    Err(e) => return (Err(e), buf),
                };
                // The start of the next line goes to the next buffer; a closed channel means
                // the scanning side is gone, and there is no one to read for.
                let Ok(mut next) = free_rx.recv() else {
                    return (Ok(()), buf);
                };
                carry = filled - len;
                if next.len() < carry {
                    next.resize(carry, 0);
                }
                next[..carry].copy_from_slice(&buf[len..filled]);
                if let Err(e) = full_tx.send((buf, len)) {
                    return (Ok(()), e.into_inner().0);
                }
                buf = next;
            }
        });
        for (block, len) in &full_rx {
            sink(&block[..len]);
            *offset += len as u64;
            // Never blocks: the channel holds every buffer there is.
            let _ = free_tx.send(block);
        }
        let result = match reader.join() {
            Ok((result, last)) => {
                bufs.push(last);
                result
            }
            Err(_) => Err(io::Error::other("the reading thread failed")),
        };
        bufs.extend(back.try_iter());
        result
    })
}

/// The offset just past the last newline of the first `len` bytes of `file` (0 when there is
/// none), looking back at most [`MAX_LINE`] bytes (beyond that, `len`).
fn after_last_newline(file: &File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 << 10];
    while end > 0 && len - end < MAX_LINE as u64 {
        let from = end.saturating_sub(buf.len() as u64);
        let piece = &mut buf[..(end - from) as usize];
        file.read_exact_at(piece, from)?;
        if let Some(i) = memchr::memrchr(b'\n', piece) {
            return Ok(from + i as u64 + 1);
        }
        end = from;
    }
    Ok(if end == 0 { 0 } else { len })
}

/// The identity of the file at `path` now, if there is a regular file.
pub fn id_of(path: &Path) -> Option<(FileId, std::fs::Metadata)> {
    let m = std::fs::metadata(path).ok()?;
    m.is_file().then(|| ((m.dev(), m.ino()), m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_read(t: &mut Tailed, block: usize, finish: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        t.read_lines(&mut buf, block, finish, u64::MAX, &mut |b| {
            assert!(finish || b.ends_with(b"\n"));
            out.extend_from_slice(b);
        })
        .unwrap();
        out
    }

    #[test]
    fn partial_lines_wait_for_their_newline_at_every_block_size() {
        for block in [1, 2, 3, 7, 64, 1 << 16] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.log");
            let mut f = File::create(&path).unwrap();
            let mut t = Tailed::open(&path, StartAt::Start).unwrap();
            let mut seen = Vec::new();
            for piece in ["ab", "c\nde", "f", "\n", "\n", "gh\nij\nk"] {
                f.write_all(piece.as_bytes()).unwrap();
                assert_eq!(t.check().unwrap(), Change::Same);
                seen.extend(lines_read(&mut t, block, false));
            }
            assert_eq!(seen, b"abc\ndef\n\ngh\nij\n", "block {block}");
            assert_eq!(t.offset, 15);
            assert_eq!(lines_read(&mut t, block, true), b"k");
        }
    }

    #[test]
    fn a_gzip_file_is_refused_when_its_first_bytes_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log.gz");
        std::fs::write(&path, b"").unwrap();
        let mut t = Tailed::open(&path, StartAt::Start).unwrap();
        assert_eq!(lines_read(&mut t, 64, false), b"");
        std::fs::write(&path, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\nzz\n").unwrap();
        // Read at once, and (a backlog of two blocks or more) on a thread of its own.
        for block in [64, 4] {
            let err = t.read_lines(&mut Vec::new(), block, false, u64::MAX, &mut |_| {});
            assert!(err.is_err_and(|e| is_encoded_error(&e)), "block {block}");
            assert_eq!(t.offset, 0);
        }
    }

    #[test]
    fn a_backlog_read_on_its_own_thread_passes_the_same_lines() {
        let mut content = Vec::new();
        for i in 0..3000 {
            content.extend(format!("line {i} {}\n", "x".repeat(i % 97)).bytes());
        }
        let complete = content.len();
        content.extend(b"partial");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, &content).unwrap();
        // From a block per line and less (read ahead) to all at once (read in place).
        for block in [1, 7, 100, 4096, 60_000, complete / 2, complete] {
            let mut t = Tailed::open(&path, StartAt::Start).unwrap();
            let mut blocks = 0;
            let mut out = Vec::new();
            let read = t
                .read_lines(&mut Vec::new(), block, false, u64::MAX, &mut |b| {
                    assert!(b.ends_with(b"\n"));
                    blocks += 1;
                    out.extend_from_slice(b);
                })
                .unwrap();
            assert_eq!(out, &content[..complete], "block {block}");
            assert_eq!((read, t.offset), (complete as u64, complete as u64));
            assert!(
                blocks >= complete / block.max(65536).min(complete),
                "block {block}"
            );
            assert_eq!(lines_read(&mut t, block, true), b"partial", "block {block}");
            assert_eq!(t.offset, content.len() as u64);
        }
    }

    #[test]
    fn a_backlog_is_read_in_parts_of_the_limit() {
        let content: Vec<u8> = (0..2000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, &content).unwrap();
        for (block, limit) in [(10, 1000), (100, 1), (4096, 5000), (1, 3)] {
            let mut t = Tailed::open(&path, StartAt::Start).unwrap();
            let mut out = Vec::new();
            loop {
                let before = out.len();
                let read = t
                    .read_lines(&mut Vec::new(), block, false, limit, &mut |b| {
                        out.extend_from_slice(b)
                    })
                    .unwrap();
                assert_eq!(read as usize, out.len() - before);
                if read == 0 {
                    break;
                }
                // Stopped at the first block end at or past the limit, or at the end.
                assert!(read >= limit || t.offset == content.len() as u64);
                assert!(read < limit + block.max(64 << 10) as u64);
            }
            assert_eq!(out, content, "block {block} limit {limit}");
        }
    }

    #[test]
    fn truncation_is_seen_even_past_the_old_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, "first line 1\nfirst line 2\n").unwrap();
        let mut t = Tailed::open(&path, StartAt::Start).unwrap();
        lines_read(&mut t, 1024, false);
        // Truncated and written again, longer than before, before it is looked at.
        std::fs::write(&path, "second content, a longer line\nand more\n").unwrap();
        assert!(matches!(
            t.check().unwrap(),
            Change::Truncated { old_offset: 26, .. }
        ));
        assert_eq!(
            lines_read(&mut t, 1024, false),
            b"second content, a longer line\nand more\n"
        );
        // Truncated to less than the offset.
        std::fs::write(&path, "x\n").unwrap();
        assert!(matches!(t.check().unwrap(), Change::Truncated { .. }));
        assert_eq!(lines_read(&mut t, 1024, false), b"x\n");
    }

    #[test]
    fn reading_from_the_end_starts_after_the_last_complete_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, "old 1\nold 2\npart").unwrap();
        let mut t = Tailed::open(&path, StartAt::End).unwrap();
        assert_eq!(t.offset, 12);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"ial\nnew\n").unwrap();
        assert_eq!(lines_read(&mut t, 4, false), b"partial\nnew\n");
    }
}
