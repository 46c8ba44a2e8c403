//! Opening inputs: a memory map for files that are safe to map, a reader otherwise, pipes and
//! FIFOs as streams (standard input too, unless a regular file is redirected to it). What an
//! input holds is told by its first bytes, never by its name: gzip, zstd and bzip2 data is
//! decompressed as it is read, and UTF-16 text with a byte order mark is transcoded to UTF-8.
//! Device files are refused. Mapping and releasing a map are `unsafe`; the safety conditions
//! are stated where they are met.

pub mod chunk;
pub mod line_buffer;
pub mod walk;

use std::fs::{File, Metadata};
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use encoding_rs_io::DecodeReaderBytesBuilder;
use memmap2::{Mmap, MmapOptions};

use crate::error::{Error, Result};

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

/// How many leading bytes tell what an input holds (the longest magic number).
const HEAD: usize = 4;

/// The buffer between a compressed source and its decoder.
const COMPRESSED_BUFFER: usize = 1 << 16;

/// The most a decoder is asked to produce in one call. gzip and bzip2 decoders drop what a
/// call decoded when they meet damage later in the same call, so this bounds what can be lost
/// before the damage (zstd loses nothing, see [`ZstdBlocks`]).
const DECODED_SLICE: usize = 16 << 10;

/// The size of a zstd block header, which the input size zstd asks for includes after a block.
const ZSTD_BLOCK_HEADER: usize = 3;

/// One input named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (no path, or `-`).
    Stdin,
    /// A file path.
    Path(PathBuf),
}

impl Input {
    /// The name used in reports and messages (`<stdin>` or the path as given).
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
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

impl std::ops::Deref for Content {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Content::Mapped(m) => m,
            Content::Owned(v) => v,
        }
    }
}

impl Content {
    /// Lets the OS drop the page mappings of `range` of a memory map, which the caller will
    /// not read again (a later read maps the pages again, so nothing is lost). Does nothing
    /// for owned bytes.
    ///
    /// Why: unmapping a map costs time per mapped page (about 55 ms for 1 GiB), spent
    /// serially after the scan when the whole map is dropped; released chunk by chunk, the
    /// same work is shared by the scanning threads. Only the pages wholly inside `range` are
    /// released, so that a neighbouring chunk still being scanned keeps its pages.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(target_os = "linux")]
        if let Content::Mapped(map) = self {
            let page = rustix::param::page_size();
            let start = range.start.next_multiple_of(page);
            let end = range.end.min(map.len()) / page * page;
            if start < end {
                // SAFETY: the map is a read-only mapping of a file (`MAP_SHARED`): dropping
                // its page mappings discards nothing, and a later read maps the same bytes
                // again from the page cache. The range is within the map and page-aligned.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = range;
    }
}

/// What the first bytes of an input say it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Bytes to scan as they are (UTF-8, ASCII, Latin-1, ...).
    Plain,
    /// Compressed data.
    Compressed(Codec),
    /// UTF-16 text with a byte order mark (little- or big-endian).
    Utf16,
}

/// A compression format recognised by its magic number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Gzip,
    Zstd,
    Bzip2,
}

impl Codec {
    fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
            Codec::Bzip2 => "bzip2",
        }
    }
}

/// Tells what an input holds from its first [`HEAD`] bytes. None of these prefixes can start
/// a line of UTF-8 text, so a plain log is never mistaken for one.
fn sniff(head: &[u8]) -> Kind {
    match head {
        [0x1f, 0x8b, ..] => Kind::Compressed(Codec::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Kind::Compressed(Codec::Zstd),
        // A zstd skippable frame (0x184D2A50..=0x184D2A5F, little-endian) may open a file.
        [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50 => Kind::Compressed(Codec::Zstd),
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Kind::Compressed(Codec::Bzip2),
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => Kind::Utf16,
        _ => Kind::Plain,
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
        Input::Stdin => open_stdin(policy, meter).map_err(|cause| Error::Input {
            path: input.name(),
            cause,
        }),
        Input::Path(path) => open_path(path, policy, meter).map_err(|cause| Error::Input {
            path: path.display().to_string(),
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
    let mut reader = AtOpen { file, len, read: 0 };
    let head = read_head(&mut reader)?;
    let kind = sniff(&head);
    if kind != Kind::Plain {
        return decode(kind, head, reader, meter);
    }
    if len < SMALL_FILE {
        let mut buf = Vec::with_capacity(len as usize + 1);
        buf.extend_from_slice(&head);
        return match reader.read_to_end(&mut buf) {
            Ok(_) => Ok(Opened::Bytes(Content::Owned(buf))),
            // Deliver what was read, then the error, so that the caller counts the first and
            // reports the second with its offset.
            Err(e) => decode(Kind::Plain, buf, FailOnce(Some(e)), meter),
        };
    }
    if should_map(policy, meta) {
        if let Some(map) = map(&reader.file, len) {
            return Ok(Opened::Bytes(Content::Mapped(map)));
        }
    }
    decode(Kind::Plain, head, reader, meter)
}

/// Accepts regular files, FIFOs and standard input under a path name; refuses the rest.
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
        if ft.is_char_device() && is_stdin_alias(path) {
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
fn is_stdin_alias(path: &Path) -> bool {
    path == Path::new("/dev/stdin")
        || path.starts_with("/dev/fd")
        || path.starts_with("/proc/self/fd")
}

/// When `path` is a symbolic link to nothing, an error that says so (the OS only says "no
/// such file", which is puzzling when `ls` shows the name).
pub(crate) fn dangling_link(path: &Path) -> Option<io::Error> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_symlink() || std::fs::metadata(path).is_ok() {
        return None;
    }
    let target = std::fs::read_link(path).ok()?;
    Some(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "dangling symbolic link (target {} does not exist)",
            target.display()
        ),
    ))
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

/// A stream of `head` followed by `rest`, decoded as `kind` says, its bytes (before decoding)
/// added to `meter` as they are read.
fn decode<R: Read + Send + 'static>(
    kind: Kind,
    head: Vec<u8>,
    rest: R,
    meter: Meter,
) -> io::Result<Opened> {
    let source = Metered {
        inner: Cursor::new(head).chain(rest),
        meter,
    };
    Ok(Opened::Stream(match kind {
        Kind::Plain => Box::new(source),
        Kind::Utf16 => Box::new(utf16_to_utf8(source)),
        Kind::Compressed(codec) => {
            // What was compressed may itself be UTF-16 (a Windows export, gzipped).
            let mut decoded = decompress(codec, source)?;
            let head = read_head(&mut decoded)?;
            let decoded = Cursor::new(head).chain(decoded);
            if sniff(decoded.get_ref().0.get_ref()) == Kind::Utf16 {
                Box::new(utf16_to_utf8(decoded))
            } else {
                Box::new(decoded)
            }
        }
    }))
}

/// Transcodes UTF-16 (the byte order mark says which endianness) to UTF-8, dropping the mark.
/// Invalid sequences become U+FFFD rather than errors.
fn utf16_to_utf8<R: Read>(source: R) -> impl Read {
    DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        .build(source)
}

/// Reads up to [`HEAD`] bytes, fewer only at the end of the input. A pipe may deliver them one
/// at a time, which a single `fill_buf` would not wait for.
fn read_head(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = vec![0; HEAD];
    let mut filled = 0;
    while filled < HEAD {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// A decoder for `codec` over `source`. Multi-member gzip files (logrotate's, or
/// `cat a.gz b.gz`), multi-frame zstd and multi-stream bzip2 files are decoded whole.
fn decompress<R: Read + Send + 'static>(codec: Codec, source: R) -> io::Result<Decompressed> {
    let consumed = Arc::new(AtomicU64::new(0));
    let input = Counted {
        inner: BufReader::with_capacity(COMPRESSED_BUFFER, source),
        consumed: Arc::clone(&consumed),
    };
    let decoder: Box<dyn Read + Send> = match codec {
        Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Codec::Zstd => Box::new(ZstdBlocks {
            input,
            decoder: zstd::stream::raw::Decoder::new()?,
            want: 1,
            frame_done: false,
        }),
        Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
    };
    Ok(Decompressed {
        decoder,
        codec,
        consumed,
    })
}

/// A multi-frame zstd decoder that hands zstd one block at a time, as much input as it asks
/// for, so that a damaged block fails alone and every block before it is delivered.
/// (`zstd::stream::read::Decoder` passes all the input it has, and a single zstd call that
/// decodes good blocks and then meets a bad one returns only the error.)
struct ZstdBlocks<R> {
    input: R,
    decoder: zstd::stream::raw::Decoder<'static>,
    /// The input size zstd asked for last: the rest of a block plus the next block's header.
    want: usize,
    /// The last frame is complete: the input may end here, or another frame begin.
    frame_done: bool,
}

impl<R: BufRead> Read for ZstdBlocks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
        if buf.is_empty() {
            return Ok(0);
        }
        let mut out = OutBuffer::around(buf);
        // What zstd holds from the last block goes first, alone, with no new input.
        self.decoder.run(&mut InBuffer::around(&[]), &mut out)?;
        if out.pos() > 0 {
            return Ok(out.pos());
        }
        loop {
            let data = self.input.fill_buf()?;
            if data.is_empty() {
                if self.frame_done {
                    return Ok(0);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "incomplete zstd frame",
                ));
            }
            if self.frame_done {
                self.decoder.reinit()?;
                self.frame_done = false;
                self.want = 1;
            }
            // A block's content without the header after it: a damaged header then fails
            // in a call of its own, not in the one that decoded the block before it.
            let feed = if self.want > ZSTD_BLOCK_HEADER {
                self.want - ZSTD_BLOCK_HEADER
            } else {
                self.want.max(1)
            };
            let mut src = InBuffer::around(&data[..feed.min(data.len())]);
            let want = self.decoder.run(&mut src, &mut out)?;
            let used = src.pos();
            self.input.consume(used);
            self.want = want;
            self.frame_done = want == 0;
            if out.pos() > 0 {
                return Ok(out.pos());
            }
        }
    }
}

/// Counts the compressed bytes a decoder has consumed, to say where damage was found.
struct Counted<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(SourceError::wrap)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf().map_err(SourceError::wrap)
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.consumed.fetch_add(amt as u64, Ordering::Relaxed);
    }
}

/// Marks an error of the compressed source (an I/O error, a file truncated while read) so that
/// it is not reported as damaged data.
#[derive(Debug)]
struct SourceError(io::Error);

impl SourceError {
    fn wrap(e: io::Error) -> io::Error {
        if e.kind() == io::ErrorKind::Interrupted {
            return e;
        }
        io::Error::new(e.kind(), SourceError(e))
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

/// Decompressed data; its errors say what went wrong and at which compressed offset.
struct Decompressed {
    decoder: Box<dyn Read + Send>,
    codec: Codec,
    consumed: Arc<AtomicU64>,
}

impl Read for Decompressed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(DECODED_SLICE);
        self.decoder.read(&mut buf[..n]).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let at = self.consumed.load(Ordering::Relaxed);
            let codec = self.codec.name();
            let message = if e.get_ref().is_some_and(|inner| inner.is::<SourceError>()) {
                format!("{codec}: at compressed offset {at}: {e}")
            } else if e.kind() == io::ErrorKind::UnexpectedEof {
                format!("{codec}: truncated data, unexpected end at compressed offset {at}")
            } else {
                format!("{codec}: corrupt data at compressed offset {at}: {e}")
            };
            io::Error::new(e.kind(), message)
        })
    }
}

/// A regular file read up to the length it had when it was opened: a file that grows is read
/// as it was, and one that shrinks (truncated by `logrotate --copytruncate`, say) ends in an
/// error rather than silently short.
struct AtOpen {
    file: File,
    len: u64,
    read: u64,
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
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "file truncated while it was read, it had {} bytes when opened",
                    self.len
                ),
            ));
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Adds the bytes read through it to a meter, when there is one.
struct Metered<R> {
    inner: R,
    meter: Meter,
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
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

fn should_map(policy: MmapPolicy, meta: &Metadata) -> bool {
    match policy {
        MmapPolicy::Never => false,
        MmapPolicy::Always => true,
        MmapPolicy::Auto => meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= QUIET_PERIOD),
    }
}

/// Maps the first `len` bytes of `file` (its size when opened, so that what it gained since is
/// not scanned), or returns `None` (and the caller reads instead) when the OS refuses.
fn map(file: &File, len: u64) -> Option<Mmap> {
    let len = usize::try_from(len).ok()?;
    // SAFETY: the map is only read. Another process truncating the file while it is mapped
    // would make reads fault (SIGBUS); `MmapPolicy::Auto` maps only files that have been quiet
    // for `QUIET_PERIOD`, and `Always` is an explicit user choice documented as unsafe for
    // live files.
    unsafe { MmapOptions::new().len(len).map(file) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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

    #[test]
    fn sniff_table() {
        let table: &[(&[u8], Kind)] = &[
            (b"", Kind::Plain),
            (b"2026", Kind::Plain),
            (b"\x1f\x8b\x08\x00", Kind::Compressed(Codec::Gzip)),
            (b"\x28\xb5\x2f\xfd", Kind::Compressed(Codec::Zstd)),
            (b"\x50\x2a\x4d\x18", Kind::Compressed(Codec::Zstd)),
            (b"\x28\xb5\x2f", Kind::Plain),
            (b"BZh9", Kind::Compressed(Codec::Bzip2)),
            (b"BZh ", Kind::Plain),
            (b"\xff\xfe2\x00", Kind::Utf16),
            (b"\xfe\xff\x002", Kind::Utf16),
            (b"\xef\xbb\xbf2", Kind::Plain),
        ];
        for (head, kind) in table {
            assert_eq!(sniff(head), *kind, "{head:?}");
        }
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
