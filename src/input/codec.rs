//! What an input holds, told by its first bytes, and the readers that decode it: gzip, zstd
//! and bzip2 decompression that delivers everything before a damaged part and then names it,
//! and UTF-16 transcoding.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::adapters::Metered;
use super::{Meter, Opened};

/// How many leading bytes tell what an input holds: bzip2's magic with the magic of its
/// first block, the longest.
pub(super) const HEAD: usize = 10;

/// What follows `BZh1`..`BZh9` in a bzip2 stream: a block (the digits of pi in BCD) or, for an
/// empty stream, the end-of-stream mark (those of the square root of pi).
const BZIP2_BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/// The buffer between a compressed source and its decoder.
pub(super) const COMPRESSED_BUFFER: usize = 1 << 16;

/// The most a decoder is asked to produce in one call. gzip and bzip2 decoders drop what a
/// call decoded when they meet damage later in the same call, so this bounds what can be lost
/// before the damage (zstd loses nothing, see [`ZstdBlocks`]).
pub(super) const DECODED_SLICE: usize = 16 << 10;

/// The size of a zstd block header, which the input size zstd asks for includes after a block.
pub(super) const ZSTD_BLOCK_HEADER: usize = 3;

/// What the first bytes of an input say it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Bytes to scan as they are (UTF-8, ASCII, Latin-1, ...).
    Plain,
    /// Compressed data.
    Compressed(Codec),
    /// UTF-16 text with a byte order mark (little- or big-endian).
    Utf16,
}

/// A compression format recognised by its magic number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Codec {
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
/// a line of UTF-8 text, so a plain log is never mistaken for one; bzip2's magic can (`BZh9`
/// is text), so it counts only with the magic of a block or of the end of the stream after it.
pub(super) fn sniff(head: &[u8]) -> Kind {
    match head {
        [0x1f, 0x8b, ..] => Kind::Compressed(Codec::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Kind::Compressed(Codec::Zstd),
        // A zstd skippable frame (0x184D2A50..=0x184D2A5F, little-endian) may open a file.
        [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50 => Kind::Compressed(Codec::Zstd),
        [b'B', b'Z', b'h', b'1'..=b'9', block @ ..]
            if block.starts_with(&BZIP2_BLOCK) || block.starts_with(&BZIP2_END) =>
        {
            Kind::Compressed(Codec::Bzip2)
        }
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => Kind::Utf16,
        _ => Kind::Plain,
    }
}

/// A stream of `head` followed by `rest`, decoded as `kind` says, its bytes (before decoding)
/// added to `meter` as they are read.
pub(super) fn decode<R: Read + Send + 'static>(
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
pub(super) fn utf16_to_utf8<R: Read>(source: R) -> impl Read {
    DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        .build(source)
}

/// Reads up to [`HEAD`] bytes, fewer only at the end of the input. A pipe may deliver them one
/// at a time, which a single `fill_buf` would not wait for.
pub(super) fn read_head(reader: &mut impl Read) -> io::Result<Vec<u8>> {
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
pub(super) fn decompress<R: Read + Send + 'static>(
    codec: Codec,
    source: R,
) -> io::Result<Decompressed> {
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
pub(super) struct ZstdBlocks<R> {
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
pub(super) struct Counted<R> {
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
pub(super) struct SourceError(io::Error);

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
pub(super) struct Decompressed {
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
