//! Opening inputs: a memory map for files that are safe to map, a reader otherwise, pipes and
//! FIFOs as streams (standard input too, unless a regular file is redirected to it). What an
//! input holds is told by its first bytes, never by its name: gzip, zstd and bzip2 data is
//! decompressed as it is read, and UTF-16 text with a byte order mark is transcoded to UTF-8.
//! Device files are refused. Mapping and releasing a map are `unsafe`; the safety conditions
//! are stated where they are met.

mod adapters;
pub mod chunk;
mod codec;
pub mod line_buffer;
mod mmap;
mod spare;
pub mod walk;

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use memmap2::Mmap;

use crate::error::{Error, Result};
use adapters::{AtOpen, FailOnce};
use codec::{decode, read_head, sniff, Kind, HEAD};
use mmap::{map, should_map};

/// When to memory-map a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MmapPolicy {
    /// Map regular files that have not been modified for [`QUIET_PERIOD`]; read the others.
    /// A file that is still being written may be truncated under us (logrotate's
    /// `copytruncate`), and touching a truncated mapping kills the process with SIGBUS, so
    /// live files are read with `read()` instead. This is the default.
    #[default]
    Auto,
    /// Map every regular file (fastest; unsafe for files that can shrink during the scan).
    Always,
    /// Never map; read every file with `read()`.
    Never,
}

/// A file modified more recently than this is treated as live by [`MmapPolicy::Auto`].
pub const QUIET_PERIOD: Duration = Duration::from_secs(30);

/// Files smaller than this are read into memory rather than mapped: a map costs more than a
/// read at that size.
const SMALL_FILE: u64 = 1 << 20;

/// One input named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (no path, or `-`), under a name given instead of `<stdin>`, if any.
    Stdin(Option<String>),
    /// A file path.
    Path(PathBuf),
}

impl Input {
    /// The name used in reports and messages (`<stdin>` or the path as given, written by
    /// [`path_name`]).
    pub fn name(&self) -> String {
        match self {
            Input::Stdin(label) => label.clone().unwrap_or_else(|| "<stdin>".to_string()),
            Input::Path(p) => path_name(p),
        }
    }
}

/// A path as text for reports and messages: on Unix, each byte that is not UTF-8 is written
/// `\xNN`, so that names differing only in such bytes stay apart (`U+FFFD` would make every
/// undecodable name one). Other text, backslashes included, is kept as it is. Elsewhere, the
/// path as displayed.
pub fn path_name(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

/// An opened input.
pub enum Opened {
    /// The whole content, mapped or read into memory.
    Bytes(Content),
    /// A stream to read in blocks. Its `read` fails with an [`io::Error`] that says what
    /// happened when the input turns out damaged (a truncated or corrupt archive, a file
    /// truncated while it was read); everything readable before the damage is delivered first.
    Stream(Box<dyn Read + Send>),
}

/// File content held in memory.
pub enum Content {
    /// A memory map.
    Mapped(Mmap),
    /// Bytes read into memory.
    Owned(Vec<u8>),
}

impl Drop for Content {
    fn drop(&mut self) {
        // The reading thread's next small file goes into the same memory.
        if let Content::Owned(buf) = self {
            spare::give_back(std::mem::take(buf));
        }
    }
}

impl std::ops::Deref for Content {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Content::Mapped(m) => m,
            Content::Owned(v) => v,
        }
    }
}

/// True when `head`, the first bytes of a file, opens compressed or UTF-16 data rather than
/// plain text: such a file cannot be followed line by line as it grows.
pub fn is_encoded(head: &[u8]) -> bool {
    sniff(head) != Kind::Plain
}

/// Opens an input according to `policy`.
///
/// Plain regular files of 1 MiB or more are mapped when `policy` allows it, smaller ones are
/// read into memory, the others are streamed; every regular file is read up to the size it had
/// when it was opened. Standard input is opened the same way when a regular file is redirected
/// to it and read from its start (`errscan scan < big.log`); otherwise standard input, FIFOs
/// and `/dev/stdin` on a pipe or terminal are streamed. Compressed data
/// (gzip, zstd, bzip2, also as multi-member files) and UTF-16 with a byte order mark are
/// recognised by their first bytes and streamed decoded, so memory stays bounded.
///
/// # Errors
/// When the path cannot be opened (missing, dangling symbolic link, permission denied), is a
/// directory, a device or a socket, or when the first bytes of the input cannot be read or
/// decoded; the error names the path.
pub fn open(input: &Input, policy: MmapPolicy) -> Result<Opened> {
    open_metered(input, policy, None)
}

/// Opens an input like [`open`] and, when the input is streamed, adds to `meter` the bytes
/// read from the file or pipe as they are read, before any decoding: the progress of a
/// compressed file is measured against its size on disk. Content delivered whole
/// ([`Opened::Bytes`]) is not metered here: whoever scans it counts it as it goes.
///
/// # Errors
/// As [`open`].
pub fn open_metered(input: &Input, policy: MmapPolicy, meter: Meter) -> Result<Opened> {
    match input {
        Input::Stdin(_) => open_stdin(policy, meter).map_err(|cause| Error::Input {
            path: input.name(),
            cause,
        }),
        Input::Path(path) => open_path(path, policy, meter).map_err(|cause| Error::Input {
            path: path_name(path),
            cause,
        }),
    }
}

/// A counter of bytes read, shared with whoever shows the progress, or none.
pub type Meter = Option<Arc<AtomicU64>>;

/// The size of the regular file redirected to standard input, when it is read from its start
/// (`errscan scan < big.log`): what a progress display can measure against. `None` for a
/// pipe, a terminal, or a file read from elsewhere than its start.
pub fn stdin_file_size() -> Option<u64> {
    redirected_file(&io::stdin()).map(|(_, meta)| meta.len())
}

fn open_path(path: &Path, policy: MmapPolicy, meter: Meter) -> io::Result<Opened> {
    // Look before opening: opening some devices has side effects (a watchdog starts its
    // timer, a tape rewinds), and opening a socket fails with an unhelpful message.
    let meta = std::fs::metadata(path).map_err(|e| dangling_link(path).unwrap_or(e))?;
    check_type(path, &meta)?;
    let file = File::open(path)?;
    // Look again at what was opened, in case the path was replaced in between.
    let meta = file.metadata()?;
    check_type(path, &meta)?;
    if !meta.is_file() {
        // A FIFO (or `/dev/stdin` on a terminal) has no size: stream it.
        widen_pipe(&file);
        return stream(file, meter);
    }
    open_regular(file, &meta, policy, meter)
}

/// Standard input: a regular file redirected to it is opened like a file named on the command
/// line, so that `errscan scan < big.log` is mapped like `errscan scan big.log`; anything else
/// (a pipe, a terminal, a file read from elsewhere than its start) is streamed.
fn open_stdin(policy: MmapPolicy, meter: Meter) -> io::Result<Opened> {
    let stdin = io::stdin();
    if let Some((file, meta)) = redirected_file(&stdin) {
        return open_regular(file, &meta, policy, meter);
    }
    widen_pipe(&stdin);
    stream(stdin, meter)
}

/// The regular file standard input reads, when it is at its start. At another offset
/// (`(head -n 1; errscan scan) < log` leaves it after the first line) only the rest is
/// standard input's, and a stream reads exactly that.
#[cfg(unix)]
fn redirected_file(stdin: &io::Stdin) -> Option<(File, Metadata)> {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let mut file = File::from(stdin.as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    (meta.is_file() && file.stream_position().ok()? == 0).then_some((file, meta))
}

#[cfg(not(unix))]
fn redirected_file(_: &io::Stdin) -> Option<(File, Metadata)> {
    None
}

/// A regular file opened at its start, with its metadata at opening: read into memory when
/// small, mapped when `policy` allows, else streamed; decoded when its first bytes say so.
fn open_regular(
    file: File,
    meta: &Metadata,
    policy: MmapPolicy,
    meter: Meter,
) -> io::Result<Opened> {
    let len = meta.len();
    if len < SMALL_FILE {
        // Read whole, then told by its first bytes: a small plain file costs one read, into
        // the thread's spare buffer.
        let mut buf = spare::take(len as usize);
        let read = spare::read_up_to(&file, len as usize, &mut buf);
        let kind = sniff(&buf[..buf.len().min(HEAD)]);
        return match read {
            Ok(()) if kind == Kind::Plain => Ok(Opened::Bytes(Content::Owned(buf))),
            Ok(()) => decode(kind, buf, io::empty(), meter),
            // Deliver what was read, then the error, so that the caller counts the first and
            // reports the second with its offset.
            Err(e) => decode(kind, buf, FailOnce(Some(e)), meter),
        };
    }
    let mut reader = AtOpen { file, len, read: 0 };
    let head = read_head(&mut reader)?;
    let kind = sniff(&head);
    if kind != Kind::Plain {
        return decode(kind, head, reader, meter);
    }
    if should_map(policy, meta) {
        if let Some(map) = map(&reader.file, len) {
            return Ok(Opened::Bytes(Content::Mapped(map)));
        }
    }
    decode(Kind::Plain, head, reader, meter)
}

/// Accepts regular files, FIFOs, standard input under a path name and the null device;
/// refuses the rest.
fn check_type(path: &Path, meta: &Metadata) -> io::Result<()> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    if ft.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Ok(());
        }
        // `/dev/stdin` is the terminal or `/dev/null` when nothing is piped in: the user asked
        // for it by name. Any other device (`/dev/zero`, `/dev/urandom`, a disk) would be read
        // forever or make no sense as a log.
        if ft.is_char_device() && (is_stdin_alias(path) || is_null_device(meta)) {
            return Ok(());
        }
        let what = if ft.is_char_device() {
            "character device"
        } else if ft.is_block_device() {
            "block device"
        } else if ft.is_socket() {
            "socket"
        } else {
            "special file"
        };
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({what})"),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ))
    }
}

/// True for the names of the process's own standard input.
#[cfg(unix)]
/// The null device (`/dev/null` under any name): an empty input, as `cat` and `grep` read it,
/// so that a script can stand it in for a log.
#[cfg(unix)]
fn is_null_device(meta: &Metadata) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    std::fs::metadata("/dev/null")
        .is_ok_and(|null| null.file_type().is_char_device() && null.rdev() == meta.rdev())
}

fn is_stdin_alias(path: &Path) -> bool {
    path == Path::new("/dev/stdin")
        || path.starts_with("/dev/fd")
        || path.starts_with("/proc/self/fd")
}

/// When `path` is a symbolic link to nothing, an error that says so (the OS only says "no
/// such file", which is puzzling when `ls` shows the name).
pub(crate) fn dangling_link(path: &Path) -> Option<io::Error> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    let resolved = std::fs::metadata(path).err()?;
    let target = std::fs::read_link(path).ok()?;
    if is_loop(&resolved) {
        return Some(io::Error::other(format!(
            "symbolic link loop (target {} leads back to the link)",
            target.display()
        )));
    }
    Some(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "dangling symbolic link (target {} does not exist)",
            target.display()
        ),
    ))
}

/// True when resolving a path failed because its symbolic links loop (`ELOOP`).
fn is_loop(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(target_os = "linux"))]
    {
        e.to_string().contains("symbolic links")
    }
}

/// The pipe buffer errscan asks for: the default unprivileged maximum on Linux.
#[cfg(target_os = "linux")]
const PIPE_BUFFER: usize = 1 << 20;

/// Grows the buffer of the pipe that `fd` reads, if it is a pipe, to [`PIPE_BUFFER`].
///
/// With the default 64 KiB buffer the writer and errscan take turns every 64 KiB, and the
/// switching costs more than the copying: `cat` pushes 1 GiB through a default pipe in about
/// 0.9 s and through a 1 MiB one in about 0.37 s. Failing (not a pipe, the user's pipe
/// memory limit reached) only leaves the pipe as it was.
#[cfg(target_os = "linux")]
fn widen_pipe(fd: impl std::os::fd::AsFd) {
    use rustix::pipe::{fcntl_getpipe_size, fcntl_setpipe_size};
    if fcntl_getpipe_size(&fd).is_ok_and(|size| size < PIPE_BUFFER) {
        let _ = fcntl_setpipe_size(&fd, PIPE_BUFFER);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_pipe<T>(_: T) {}

/// Streams a reader of unknown size, decoding it according to its first bytes.
fn stream<R: Read + Send + 'static>(mut reader: R, meter: Meter) -> io::Result<Opened> {
    let head = read_head(&mut reader)?;
    decode(sniff(&head), head, reader, meter)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::atomic::Ordering;

    use super::codec::Codec;
    use super::*;

    const LOG: &[u8] =
        b"2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided)\n\
                         2026-11-21T03:14:08Z INFO listening on port 17002\n";

    fn read_all(opened: Opened) -> io::Result<Vec<u8>> {
        match opened {
            Opened::Bytes(c) => Ok(c.to_vec()),
            Opened::Stream(mut r) => {
                let mut v = Vec::new();
                r.read_to_end(&mut v)?;
                Ok(v)
            }
        }
    }

    fn file_with(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> Input {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        Input::Path(path)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn utf16le(text: &[u8]) -> Vec<u8> {
        let text = std::str::from_utf8(text).unwrap();
        let mut out = vec![0xff, 0xfe];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[cfg(unix)]
    #[test]
    fn path_names_escape_undecodable_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| path_name(Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(name(b"/var/log/app.log"), "/var/log/app.log");
        assert_eq!(name(b"caf\xc3\xa9.log"), "café.log");
        assert_eq!(name(b"a\xfd.log"), "a\\xFD.log");
        assert_eq!(name(b"a\xfe.log"), "a\\xFE.log");
        assert_eq!(name(b"back\\slash.log"), "back\\slash.log");
    }

    #[test]
    fn sniff_table() {
        let table: &[(&[u8], Kind)] = &[
            (b"", Kind::Plain),
            (b"2026", Kind::Plain),
            (b"\x1f\x8b\x08\x00", Kind::Compressed(Codec::Gzip)),
            (b"\x28\xb5\x2f\xfd", Kind::Compressed(Codec::Zstd)),
            (b"\x50\x2a\x4d\x18", Kind::Compressed(Codec::Zstd)),
            (b"\x28\xb5\x2f", Kind::Plain),
            (b"BZh91AY&SY", Kind::Compressed(Codec::Bzip2)),
            (
                b"BZh1\x17\x72\x45\x38\x50\x90",
                Kind::Compressed(Codec::Bzip2),
            ),
            (b"BZh9", Kind::Plain),
            (b"BZh9 is a plain line", Kind::Plain),
            (b"BZh01AY&SY", Kind::Plain),
            (b"BZh ", Kind::Plain),
            (b"\xff\xfe2\x00", Kind::Utf16),
            (b"\xfe\xff\x002", Kind::Utf16),
            (b"\xef\xbb\xbf2", Kind::Plain),
        ];
        for (head, kind) in table {
            assert_eq!(sniff(head), *kind, "{head:?}");
        }
    }

    /// Text that starts like bzip2's magic is scanned as text, whatever way it is read.
    #[test]
    fn text_starting_with_the_bzip2_magic_is_plain() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"BZh9 HTTP 401, Okta E0000011 (Invalid token provided)\n";
        let path = dir.path().join("bzh.log");
        std::fs::write(&path, text).unwrap();
        for policy in [MmapPolicy::Never, MmapPolicy::Always] {
            let bytes = match open(&Input::Path(path.clone()), policy).unwrap() {
                Opened::Bytes(b) => b.to_vec(),
                Opened::Stream(mut r) => {
                    let mut v = Vec::new();
                    r.read_to_end(&mut v).unwrap();
                    v
                }
            };
            assert_eq!(bytes, text, "{policy:?}");
        }
        let mut empty = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        empty.write_all(b"").unwrap();
        assert_eq!(
            sniff(&empty.finish().unwrap()),
            Kind::Compressed(Codec::Bzip2)
        );
    }

    #[test]
    fn every_encoding_reads_back_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut multi = gzip(&LOG[..30]);
        multi.extend(gzip(&LOG[30..]));
        let zst = zstd::encode_all(LOG, 3).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(LOG).unwrap();
        let bz = bz.finish().unwrap();
        let mut be = vec![0xfe, 0xff];
        be.extend(
            std::str::from_utf8(LOG)
                .unwrap()
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        );
        // A skippable frame, then two frames.
        let mut skip = vec![0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3];
        skip.extend(zstd::encode_all(&LOG[..30], 1).unwrap());
        skip.extend(zstd::encode_all(&LOG[30..], 1).unwrap());
        let cases: &[(&str, Vec<u8>)] = &[
            ("plain.log", LOG.to_vec()),
            ("skip.zst", skip),
            ("gzip.log", gzip(LOG)),
            ("multi.gz", multi),
            ("z.zst", zst),
            ("b.bz2", bz),
            ("le.log", utf16le(LOG)),
            ("be.log", be),
            ("le.log.gz", gzip(&utf16le(LOG))),
        ];
        for (name, bytes) in cases {
            let input = file_with(&dir, name, bytes);
            for policy in [MmapPolicy::Auto, MmapPolicy::Always, MmapPolicy::Never] {
                let got = read_all(open(&input, policy).unwrap()).unwrap();
                assert_eq!(got, LOG, "{name} {policy:?}");
            }
        }
    }

    #[test]
    fn large_file_is_mapped_or_read_up_to_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let data = LOG.repeat((SMALL_FILE as usize / LOG.len()) + 1);
        let input = file_with(&dir, "big.log", &data);
        let opened = open(&input, MmapPolicy::Always).unwrap();
        assert!(matches!(opened, Opened::Bytes(Content::Mapped(_))));
        assert_eq!(read_all(opened).unwrap(), data);
        // Fresh, so `auto` reads it.
        let opened = open(&input, MmapPolicy::Auto).unwrap();
        assert!(matches!(opened, Opened::Stream(_)));
        assert_eq!(read_all(opened).unwrap(), data);
    }

    #[test]
    fn released_parts_of_a_map_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let data = LOG.repeat((SMALL_FILE as usize / LOG.len()) + 1);
        let input = file_with(&dir, "big.log", &data);
        let Ok(Opened::Bytes(content)) = open(&input, MmapPolicy::Always) else {
            panic!("a large file must be mapped");
        };
        // Unaligned ranges, the whole map, a range past its end, an empty one.
        for range in [10_001..700_003, 0..data.len(), 900_000..usize::MAX, 5..5] {
            content.release(range);
            assert!(*content == *data);
        }
    }

    #[test]
    fn truncated_gzip_delivers_the_prefix_then_names_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let data = LOG.repeat(2000);
        let gz = gzip(&data);
        let input = file_with(&dir, "cut.log", &gz[..gz.len() / 2]);
        let Opened::Stream(mut r) = open(&input, MmapPolicy::Auto).unwrap() else {
            panic!("compressed input must be a stream");
        };
        let mut got = Vec::new();
        let err = r.read_to_end(&mut got).unwrap_err();
        assert!(!got.is_empty() && got.len() < data.len());
        assert_eq!(got[..], data[..got.len()]);
        let msg = err.to_string();
        assert!(msg.starts_with("gzip: truncated data"), "{msg}");
        assert!(
            msg.contains(&format!("compressed offset {}", gz.len() / 2)),
            "{msg}"
        );
    }

    /// What `reader` delivers before its first error, read a byte at a time (zstd then
    /// delivers every block before a damaged one), and whether it failed.
    fn bytewise(mut reader: impl Read) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut byte = [0u8];
        loop {
            match reader.read(&mut byte) {
                Ok(0) => return (out, false),
                Ok(_) => out.push(byte[0]),
                Err(_) => return (out, true),
            }
        }
    }

    #[test]
    fn zstd_delivers_every_block_before_a_damaged_one() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..40_000u64)
            .flat_map(|i| {
                format!("line {i} {}\n", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).into_bytes()
            })
            .collect();
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        enc.include_checksum(true).unwrap();
        enc.write_all(&data).unwrap();
        let zst = enc.finish().unwrap();
        // Damage in the middle, and in the checksum (all data comes out, then the error).
        for at in [zst.len() / 2, zst.len() - 1] {
            let mut bad = zst.clone();
            bad[at] ^= 0xff;
            let (truth, failed) = bytewise(zstd::stream::read::Decoder::new(&bad[..]).unwrap());
            assert!(failed);
            let input = file_with(&dir, "bad.zst", &bad);
            let Opened::Stream(mut r) = open(&input, MmapPolicy::Auto).unwrap() else {
                panic!("compressed input must be a stream");
            };
            let mut got = Vec::new();
            let err = r.read_to_end(&mut got).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("zstd: corrupt data at compressed offset"),
                "{err}"
            );
            assert_eq!(got.len(), truth.len(), "damage at {at}");
            assert!(got == truth, "damage at {at}");
            if at == zst.len() - 1 {
                assert!(got == data);
            }
        }
    }

    #[test]
    fn a_stream_is_metered_in_its_stored_bytes_and_content_in_memory_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let text = LOG.repeat(40_000);
        let compressed = gzip(&text);
        let cases = [
            ("a.log.gz", compressed.clone(), compressed.len(), "stream"),
            ("b.log", text.clone(), 0, "bytes"),
            ("c.log", text.clone(), text.len(), "stream"),
        ];
        for (name, bytes, metered, shape) in cases {
            let input = file_with(&dir, name, &bytes);
            let policy = if name == "c.log" {
                MmapPolicy::Never
            } else {
                MmapPolicy::Always
            };
            let meter = Arc::new(AtomicU64::new(0));
            let opened = open_metered(&input, policy, Some(Arc::clone(&meter))).unwrap();
            assert_eq!(
                matches!(opened, Opened::Stream(_)),
                shape == "stream",
                "{name}"
            );
            assert_eq!(read_all(opened).unwrap(), text, "{name}");
            assert_eq!(meter.load(Ordering::Relaxed), metered as u64, "{name}");
        }
    }

    #[test]
    fn corrupt_gzip_says_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = gzip(&LOG.repeat(50));
        let n = gz.len();
        gz[n - 8] ^= 0xff; // the CRC
        let input = file_with(&dir, "bad.gz", &gz);
        let err = read_all(open(&input, MmapPolicy::Never).unwrap()).unwrap_err();
        assert!(err.to_string().starts_with("gzip: corrupt data"), "{err}");
    }

    #[test]
    fn damaged_header_fails_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let input = file_with(&dir, "hdr.gz", b"\x1f\x8b\x07\x00garbage");
        let err = open(&input, MmapPolicy::Never).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("hdr.gz: gzip: corrupt data"), "{msg}");
    }

    #[test]
    fn shrinking_file_ends_in_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = file_with(&dir, "live.log", &LOG.repeat(100_000));
        let Input::Path(path) = &input else {
            unreachable!()
        };
        let Opened::Stream(mut r) = open(&input, MmapPolicy::Never).unwrap() else {
            panic!("large files are streamed with `never`");
        };
        let mut first = vec![0; 4096];
        r.read_exact(&mut first).unwrap();
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(0)
            .unwrap();
        let mut rest = Vec::new();
        let err = r.read_to_end(&mut rest).unwrap_err();
        assert!(
            err.to_string().contains("truncated while it was read"),
            "{err}"
        );
    }

    #[test]
    fn growing_file_is_read_up_to_its_size_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let input = file_with(&dir, "grow.log", LOG);
        let opened = open(&input, MmapPolicy::Auto).unwrap();
        let Input::Path(path) = &input else {
            unreachable!()
        };
        File::options()
            .append(true)
            .open(path)
            .unwrap()
            .write_all(LOG)
            .unwrap();
        assert_eq!(read_all(opened).unwrap(), LOG);
    }

    #[cfg(unix)]
    #[test]
    fn devices_sockets_and_directories_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for (path, expect) in [
            (
                PathBuf::from("/dev/zero"),
                "not a regular file (character device)",
            ),
            (dir.path().to_path_buf(), "is a directory"),
        ] {
            let err = open(&Input::Path(path.clone()), MmapPolicy::Auto)
                .err()
                .unwrap();
            assert_eq!(err.to_string(), format!("{}: {expect}", path.display()));
        }
        let sock = dir.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let err = open(&Input::Path(sock), MmapPolicy::Auto).err().unwrap();
        assert!(
            err.to_string().ends_with("not a regular file (socket)"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("gone.log");
        std::os::unix::fs::symlink(dir.path().join("rotated-away.log"), &link).unwrap();
        let err = open(&Input::Path(link), MmapPolicy::Auto).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("gone.log: dangling symbolic link"), "{msg}");
        assert!(msg.contains("rotated-away.log does not exist"), "{msg}");
    }
}
