//! One spare read buffer per thread. The small files of a directory are read one after another
//! into the same memory, which stays in the core's cache, instead of into fresh pages that the
//! kernel zeroes and faults in for every file.

use std::cell::Cell;
use std::fs::File;
use std::io;

thread_local! {
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Buffers with room for more than this are not kept: one large file read into memory should
/// not pin its size for the rest of the run.
const KEEP: usize = 2 << 20;

/// An empty buffer with room for `len` bytes, the thread's spare one when it has one.
pub(super) fn take(len: usize) -> Vec<u8> {
    let mut buf = SPARE.with(Cell::take);
    buf.clear();
    if buf.capacity() < len {
        // Not `reserve`: growing would copy the old allocation's bytes, which are stale.
        buf = Vec::with_capacity(len);
    }
    buf
}

/// Keeps `buf` as the thread's spare buffer when it is the larger of the two and not larger
/// than [`KEEP`].
pub(super) fn give_back(buf: Vec<u8>) {
    if buf.capacity() == 0 || buf.capacity() > KEEP {
        return;
    }
    // `try_with`: a buffer dropped while the thread's locals are torn down is simply freed.
    let _ = SPARE.try_with(|spare| {
        let kept = spare.take();
        spare.set(if kept.capacity() >= buf.capacity() {
            kept
        } else {
            buf
        });
    });
}

/// Appends to `buf` the first `len` bytes of `file`, read from its current position (its
/// start), in as few reads as the kernel allows: one for a regular file in the page cache.
/// Bytes past `len` (the file grew since it was opened) are dropped, so the file is read as
/// it was at opening.
///
/// # Errors
/// A read error, or end of file before `len` bytes (the file was truncated while it was
/// read); `buf` keeps what was read before it.
pub(super) fn read_up_to(file: &File, len: usize, buf: &mut Vec<u8>) -> io::Result<()> {
    let want = buf.len() + len;
    buf.reserve(len);
    while buf.len() < want {
        if fill(file, buf)? == 0 {
            return Err(super::adapters::truncated(len as u64));
        }
    }
    buf.truncate(want);
    Ok(())
}

/// One read into `buf`'s spare capacity, without zeroing it first.
#[cfg(target_os = "linux")]
fn fill(file: &File, buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        match rustix::io::read(file, rustix::buffer::spare_capacity(buf)) {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(io::Error::from),
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn fill(mut file: &File, buf: &mut Vec<u8>) -> io::Result<usize> {
    use std::io::Read;
    let room = (buf.capacity() - buf.len()) as u64;
    file.take(room).read_to_end(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, Write};

    /// A file holding `bytes`, at its start.
    fn file_of(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.rewind().unwrap();
        f
    }

    #[test]
    fn reads_exactly_the_length_at_opening() {
        // The file "grew" past the 10 bytes it had: only those are kept.
        let mut buf = Vec::with_capacity(64);
        read_up_to(&file_of(b"0123456789abcdef"), 10, &mut buf).unwrap();
        assert_eq!(buf, b"0123456789");
    }

    #[test]
    fn a_short_file_is_an_error_after_its_bytes() {
        let mut buf = Vec::new();
        let err = read_up_to(&file_of(b"abc"), 8, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("8 bytes"), "{err}");
        assert_eq!(buf, b"abc");
    }

    #[test]
    fn the_spare_buffer_is_reused_and_empty() {
        let mut a = take(1000);
        a.extend_from_slice(b"stale");
        let ptr = a.as_ptr();
        give_back(a);
        let b = take(500);
        assert!(b.is_empty());
        assert_eq!(b.as_ptr(), ptr, "the same allocation comes back");
        give_back(b);
        // Too large to keep, and a larger request gets a new buffer.
        give_back(Vec::with_capacity(KEEP + 1));
        let c = take(5000);
        assert!(c.capacity() >= 5000 && c.is_empty());
    }
}
