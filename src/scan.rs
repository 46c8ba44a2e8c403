//! The scan driver: runs the [`Matcher`] over inputs in parallel and aggregates the counts.
//!
//! Content in memory (a map or a small file) is cut into newline-aligned chunks scanned by a
//! rayon pool. A stream (standard input, a FIFO, a file that is not mapped) is read in large
//! blocks on the calling thread while the pool scans the previous blocks; a fixed set of
//! recycled buffers bounds memory. Each task counts into its own [`Counts`]; the counts are
//! merged once per task, never shared on the hot path.

use std::io::{self, Read};

use crossbeam_channel::{bounded, unbounded};
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::chunk;
use crate::counts::{Counts, Extent, Summary};
use crate::error::{Error, Result};
use crate::rules::{CodeRef, Matcher, Scratch};
use crate::source::{self, Input, MmapPolicy, Opened};

/// How a scan runs. By default: all cores, 8 MiB chunks, 4 MiB stream blocks, safe mmap.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Target size of the chunks in-memory content is cut into.
    pub chunk_size: usize,
    /// Size of the blocks a stream is read in.
    pub block_size: usize,
    /// When files are memory-mapped.
    pub mmap: MmapPolicy,
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig {
            threads: 0,
            chunk_size: 8 << 20,
            block_size: 4 << 20,
            mmap: MmapPolicy::Auto,
        }
    }
}

/// The result of scanning a set of inputs.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// What was read.
    pub summary: Summary,
    /// Hits per code.
    pub counts: Counts,
}

/// One hit with its position, for `--hits`.
#[derive(Clone, Debug)]
pub struct HitRecord {
    /// 1-based line number in its input.
    pub line: u64,
    /// Byte offset of the code in its input.
    pub offset: u64,
    /// The code.
    pub code: CodeRef,
    /// The text the rule matched.
    pub matched: Vec<u8>,
}

/// Runs scans with one matcher and one thread pool.
pub struct Scanner<'c> {
    matcher: Matcher<'c>,
    config: ScanConfig,
    pool: rayon::ThreadPool,
}

impl<'c> Scanner<'c> {
    /// A scanner for `matcher` with `config`.
    ///
    /// # Errors
    /// When the thread pool cannot be created.
    pub fn new(matcher: Matcher<'c>, config: ScanConfig) -> Result<Scanner<'c>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", config.threads)))?;
        Ok(Scanner {
            matcher,
            config,
            pool,
        })
    }

    /// The catalog being scanned for.
    pub fn catalog(&self) -> &'c Catalog {
        self.matcher.catalog()
    }

    fn new_counts(&self) -> Counts {
        Counts::new(self.catalog().entries().len())
    }

    /// Scans one chunk of whole lines into `counts`.
    fn scan_chunk(&self, data: &[u8], scratch: &mut Scratch, counts: &mut Counts) -> Extent {
        self.matcher.find_lines(data, scratch, |line| {
            for hit in line.hits {
                counts.add(&hit.code);
            }
        });
        Extent {
            bytes: data.len() as u64,
            newlines: bytecount::count(data, b'\n') as u64,
        }
    }

    /// Scans in-memory content, in parallel over newline-aligned chunks.
    pub fn scan_bytes(&self, data: &[u8]) -> (Counts, Extent) {
        let chunks = chunk::newline_aligned(data, self.config.chunk_size);
        self.pool.install(|| {
            chunks
                .into_par_iter()
                .fold(
                    || (self.new_counts(), Extent::default(), Scratch::default()),
                    |(mut counts, mut extent, mut scratch), range| {
                        extent += self.scan_chunk(&data[range], &mut scratch, &mut counts);
                        (counts, extent, scratch)
                    },
                )
                .map(|(c, e, _)| (c, e))
                .reduce(
                    || (self.new_counts(), Extent::default()),
                    |(mut c1, mut e1), (c2, e2)| {
                        c1.merge(c2);
                        e1 += e2;
                        (c1, e1)
                    },
                )
        })
    }

    /// Scans a stream in blocks, reading on this thread while the pool scans earlier blocks.
    /// Memory stays bounded by a fixed number of recycled blocks (plus the longest line).
    /// A read error ends the stream; what was read before it is counted and the error is
    /// returned beside the counts.
    pub fn scan_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
    ) -> (Counts, Extent, Option<Error>) {
        let block = self.config.block_size.max(1);
        let in_flight = self.pool.current_num_threads() * 2 + 1;
        let (free_tx, free_rx) = bounded::<Vec<u8>>(in_flight);
        for _ in 0..in_flight {
            let _ = free_tx.send(Vec::new());
        }
        let (done_tx, done_rx) = unbounded::<(Counts, Extent)>();
        let mut carry: Vec<u8> = Vec::new();
        let mut read_total: u64 = 0;
        let mut failure = None;
        self.pool.in_place_scope(|scope| {
            while let Ok(mut buf) = free_rx.recv() {
                buf.clear();
                buf.append(&mut carry);
                let want = buf.len() + block;
                let eof = match fill(reader, &mut buf, want) {
                    Ok(eof) => eof,
                    Err(e) => {
                        failure = Some(Error::Partial {
                            path: name.to_string(),
                            offset: read_total + buf.len() as u64,
                            message: format!("read failed ({e})"),
                        });
                        true
                    }
                };
                let cut = if eof {
                    buf.len()
                } else {
                    chunk::complete_lines_end(&buf)
                };
                carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                read_total += cut as u64;
                if buf.is_empty() {
                    // A line longer than a block: keep reading until it ends.
                    let _ = free_tx.send(buf);
                } else {
                    let (free_tx, done_tx) = (free_tx.clone(), done_tx.clone());
                    scope.spawn(move |_| {
                        let mut counts = self.new_counts();
                        let extent = self.scan_chunk(&buf, &mut Scratch::default(), &mut counts);
                        let _ = done_tx.send((counts, extent));
                        let _ = free_tx.send(buf);
                    });
                }
                if eof {
                    break;
                }
            }
        });
        drop(done_tx);
        let mut counts = self.new_counts();
        let mut extent = Extent::default();
        for (c, e) in done_rx {
            counts.merge(c);
            extent += e;
        }
        (counts, extent, failure)
    }

    /// Scans every input into one report. An input that cannot be read is named in
    /// `summary.errors` and the others are still scanned.
    pub fn scan_inputs(&self, inputs: &[Input]) -> Report {
        let mut report = Report {
            summary: Summary::default(),
            counts: self.new_counts(),
        };
        for input in inputs {
            let name = input.name();
            let (counts, extent, last_byte, error) = match source::open(input, self.config.mmap) {
                Err(e) => {
                    report.summary.errors.push(e.to_string());
                    continue;
                }
                Ok(Opened::Bytes(content)) => {
                    let (c, e) = self.scan_bytes(&content);
                    (c, e, content.last().copied(), None)
                }
                Ok(Opened::Stream(mut reader)) => {
                    let mut tail = LastByte::new(&mut reader);
                    let (c, e, err) = self.scan_stream(&mut tail, &name);
                    (c, e, tail.last, err)
                }
            };
            if let Some(e) = error {
                report.summary.errors.push(e.to_string());
            }
            let s = &mut report.summary;
            s.inputs += 1;
            s.bytes += extent.bytes;
            s.lines += extent.newlines + u64::from(last_byte.is_some_and(|b| b != b'\n'));
            s.hits += counts.total();
            s.unknown += counts.unknown_total();
            report.counts.merge(counts);
        }
        report
    }

    /// Finds the hits of in-memory content, in input order, in parallel batches of chunks.
    pub fn hits_bytes(
        &self,
        data: &[u8],
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<Extent> {
        let chunks = chunk::newline_aligned(data, self.config.chunk_size.min(1 << 20));
        let batch = self.pool.current_num_threads() * 4;
        let mut line_base = 0u64;
        let mut extent = Extent::default();
        for group in chunks.chunks(batch.max(1)) {
            let results: Vec<(Vec<HitRecord>, u64)> = self.pool.install(|| {
                group
                    .par_iter()
                    .map(|r| self.chunk_hits(&data[r.clone()], r.start))
                    .collect()
            });
            for (range, (hits, newlines)) in group.iter().zip(results) {
                for mut h in hits {
                    h.line += line_base;
                    emit(h)?;
                }
                line_base += newlines;
                extent += Extent {
                    bytes: range.len() as u64,
                    newlines,
                };
            }
        }
        Ok(extent)
    }

    /// The hits of one chunk, with line numbers relative to the chunk (1-based) and offsets
    /// relative to the input (`base` is the chunk's offset).
    fn chunk_hits(&self, data: &[u8], base: usize) -> (Vec<HitRecord>, u64) {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        let (mut counted_to, mut newlines) = (0usize, 0u64);
        self.matcher.find_lines(data, &mut scratch, |line| {
            newlines += bytecount::count(&data[counted_to..line.start], b'\n') as u64;
            counted_to = line.start;
            for h in line.hits {
                out.push(HitRecord {
                    line: newlines + 1,
                    offset: (base + h.offset) as u64,
                    code: h.code.clone(),
                    matched: data[h.matched.clone()].to_vec(),
                });
            }
        });
        newlines += bytecount::count(&data[counted_to..], b'\n') as u64;
        (out, newlines)
    }

    /// Finds the hits of a stream as soon as each line is complete, so that a live pipe
    /// (`tail -F | errscan scan --hits`) shows them at once. Sequential by design.
    pub fn hits_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<(Extent, Option<Error>)> {
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
        let mut read = vec![0u8; 1 << 16];
        let (mut offset, mut line_base) = (0u64, 0u64);
        let mut extent = Extent::default();
        let mut failure = None;
        loop {
            let n = match reader.read(&mut read) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failure = Some(Error::Partial {
                        path: name.to_string(),
                        offset: offset + buf.len() as u64,
                        message: format!("read failed ({e})"),
                    });
                    0
                }
            };
            buf.extend_from_slice(&read[..n]);
            let cut = if n == 0 {
                buf.len()
            } else {
                chunk::complete_lines_end(&buf)
            };
            if cut > 0 {
                let (hits, newlines) = self.chunk_hits(&buf[..cut], 0);
                for mut h in hits {
                    h.line += line_base;
                    h.offset += offset;
                    emit(h)?;
                }
                line_base += newlines;
                offset += cut as u64;
                extent += Extent {
                    bytes: cut as u64,
                    newlines,
                };
                buf.drain(..cut);
            }
            if n == 0 {
                return Ok((extent, failure));
            }
        }
    }
}

/// Reads into `buf` until it holds `want` bytes or the reader ends; true at the end.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    while buf.len() < want {
        let before = buf.len();
        match reader.take((want - before) as u64).read_to_end(buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// A reader that remembers the last byte it passed on, to count a final line that lacks a
/// newline.
pub(crate) struct LastByte<'a> {
    inner: &'a mut dyn Read,
    /// The last byte read, if any.
    pub(crate) last: Option<u8>,
}

impl<'a> LastByte<'a> {
    pub(crate) fn new(inner: &'a mut dyn Read) -> LastByte<'a> {
        LastByte { inner, last: None }
    }
}

impl Read for LastByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}
