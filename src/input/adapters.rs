//! Small readers that wrap a byte source: an error deferred to the first read, a meter of
//! bytes read, a reader that fails once.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::Ordering;

use super::Meter;

/// A regular file read up to the length it had when it was opened: a file that grows is read
/// as it was, and one that shrinks (truncated by `logrotate --copytruncate`, say) ends in an
/// error rather than silently short.
pub(super) struct AtOpen {
    pub(super) file: File,
    pub(super) len: u64,
    pub(super) read: u64,
}

/// The error of a file that ends before the length it had when it was opened.
pub(super) fn truncated(len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("file truncated while it was read, it had {len} bytes when opened"),
    )
}

impl Read for AtOpen {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len - self.read;
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..max])?;
        if n == 0 {
            return Err(truncated(self.len));
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Adds the bytes read through it to a meter, when there is one.
pub(super) struct Metered<R> {
    pub(super) inner: R,
    pub(super) meter: Meter,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(meter) = &self.meter {
            meter.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Returns its error once, then end of input.
pub(super) struct FailOnce(pub(super) Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}
