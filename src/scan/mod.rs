//! The scan driver: runs the [`Matcher`] over inputs in parallel and aggregates the counts.
//!
//! Content in memory (a map or a small file) is cut into newline-aligned chunks scanned by a
//! rayon pool. A stream (standard input, a FIFO, a file that is not mapped) is read in large
//! blocks on the calling thread while the pool scans the previous blocks; a fixed set of
//! recycled buffers bounds memory. Each task counts into its own [`Counts`]; the counts are
//! merged once per task, never shared on the hot path.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::bounded;
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::input::chunk;
use crate::input::line_buffer::LineReader;
use crate::input::{self, Content, Input, MmapPolicy, Opened};
use crate::matcher::{Matcher, Scratch};
use crate::report::counts::{Counts, Extent, DEFAULT_UNKNOWN_CAP};
use crate::report::timestamp::Granularity;
use crate::report::window::Window;
use crate::report::{HitRecord, Report};

mod time;

use time::{Clock, Edge, Timing};

/// How a scan runs. By default: all cores, 8 MiB chunks, 4 MiB stream blocks, safe mmap, no
/// time buckets, one report over all inputs.
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
    /// When set, hits are counted per time bucket of this width (the time of their line, see
    /// [`crate::report::window`] for lines without one).
    pub time: Option<Granularity>,
    /// Only hits whose time falls in this window are counted. By default, all are.
    pub window: Window,
    /// The year of syslog timestamps, which carry none.
    pub year: i16,
    /// Keep the counts of each input apart (for grouping by file).
    pub per_input: bool,
    /// Distinct unknown codes kept before the rest are folded.
    pub unknown_cap: usize,
    /// Input bytes, as stored, taken in so far, for a progress display: content held in
    /// memory as it is scanned, inputs streamed by [`Scanner::scan_inputs`] as they are read
    /// (compressed ones before decompression), so that the count ends at the inputs' size.
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig {
            threads: 0,
            chunk_size: 8 << 20,
            block_size: 4 << 20,
            mmap: MmapPolicy::Auto,
            time: None,
            window: Window::default(),
            year: 1970,
            per_input: false,
            unknown_cap: DEFAULT_UNKNOWN_CAP,
            progress: None,
        }
    }
}

/// What scanning one input gave: counts, extent and last byte when it could be read (fully
/// or partly), and the errors met.
#[derive(Clone)]
struct InputResult {
    scanned: Option<(Counts, Extent, Option<u8>)>,
    errors: Vec<String>,
}

/// How much of a chunk is scanned before its lines are counted: well within a core's L2 cache.
const CACHED_PIECE: usize = 256 << 10;

/// A block of a stream in flight, with the scratch space and counts of the task scanning it.
struct Slot {
    block: Vec<u8>,
    scratch: Scratch,
    counts: Counts,
    extent: Extent,
    /// The edges of the blocks this slot scanned, with each block's place in the stream.
    edges: Vec<(u64, Edge)>,
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
            .map_err(|e| Error::Build(format!("cannot start {} threads: {e}", config.threads)))?;
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
        Counts::new(self.catalog().entries().len()).with_unknown_cap(self.config.unknown_cap)
    }

    fn timing(&self) -> Timing {
        Timing {
            granularity: self.config.time,
            window: self.config.window,
            year: self.config.year,
        }
    }

    /// Scans one chunk of whole lines into `counts`. When hits need a time, the hits the
    /// chunk cannot date itself are left in the returned [`Edge`], to be dated in input order
    /// by [`Timing::resolve`].
    fn scan_chunk(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        counts: &mut Counts,
    ) -> (Extent, Option<Edge>) {
        let timing = self.timing();
        let mut clock = timing.needed().then(Clock::default);
        let mut newlines = 0;
        // Lines are counted piece by piece, right after the piece is scanned, while it is
        // still in the core's cache: a second pass over a whole chunk would read it from memory.
        for range in chunk::newline_aligned(data, CACHED_PIECE) {
            let base = range.start;
            let piece = &data[range];
            match &mut clock {
                None => self.matcher.find_lines(piece, scratch, |line| {
                    for hit in line.hits {
                        counts.add_n(&hit.code, None, 1);
                    }
                }),
                // Only lines with a hit need a time, which keeps its extraction off the hot
                // path.
                Some(clock) => self.matcher.find_lines(piece, scratch, |line| {
                    let t = clock.line(data, base + line.start, base + line.end, timing.year);
                    for hit in line.hits {
                        clock.count(&timing, counts, &hit.code, t);
                    }
                }),
            }
            newlines += bytecount::count(piece, b'\n') as u64;
        }
        let extent = Extent {
            bytes: data.len() as u64,
            newlines,
        };
        (extent, clock.map(|c| c.finish(data, timing.year)))
    }

    /// Scans in-memory content, in parallel over newline-aligned chunks.
    pub fn scan_bytes(&self, data: &[u8]) -> (Counts, Extent) {
        self.scan_chunks(data, |_| {})
    }

    /// Scans an opened file's content like [`Scanner::scan_bytes`], releasing each chunk of a
    /// memory map as soon as it is scanned (see [`Content::release`]).
    pub fn scan_content(&self, content: &Content) -> (Counts, Extent) {
        self.scan_chunks(content, |range| content.release(range))
    }

    /// Scans `data` in parallel over newline-aligned chunks, calling `done` with each chunk's
    /// range once it is scanned.
    fn scan_chunks(
        &self,
        data: &[u8],
        done: impl Fn(std::ops::Range<usize>) + Sync,
    ) -> (Counts, Extent) {
        let chunks = chunk::newline_aligned(data, self.config.chunk_size);
        type Acc = (Counts, Extent, Vec<(usize, Edge)>);
        let (mut counts, extent, mut edges) = self.pool.install(|| {
            chunks
                .into_par_iter()
                .enumerate()
                .fold(
                    || {
                        let acc: Acc = (self.new_counts(), Extent::default(), Vec::new());
                        (acc, Scratch::default())
                    },
                    |((mut counts, mut extent, mut edges), mut scratch), (i, range)| {
                        let (e, edge) =
                            self.scan_chunk(&data[range.clone()], &mut scratch, &mut counts);
                        extent += e;
                        edges.extend(edge.map(|edge| (i, edge)));
                        if let Some(p) = &self.config.progress {
                            p.fetch_add(range.len() as u64, Ordering::Relaxed);
                        }
                        done(range);
                        ((counts, extent, edges), scratch)
                    },
                )
                .map(|(acc, _)| acc)
                .reduce(
                    || (self.new_counts(), Extent::default(), Vec::new()),
                    |(mut c1, mut x1, mut e1), (c2, x2, e2)| {
                        c1.merge(c2);
                        x1 += x2;
                        e1.extend(e2);
                        (c1, x1, e1)
                    },
                )
        });
        edges.sort_unstable_by_key(|(i, _)| *i);
        self.timing()
            .resolve(&mut counts, edges.into_iter().map(|(_, e)| e));
        (counts, extent)
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
        // Each slot carries a block and what scanning it needs: the search caches stay warm
        // from block to block, and counts are merged once per slot at the end.
        let (free_tx, free_rx) = bounded::<Slot>(in_flight);
        for _ in 0..in_flight {
            let _ = free_tx.send(Slot {
                block: Vec::new(),
                scratch: Scratch::default(),
                counts: self.new_counts(),
                extent: Extent::default(),
                edges: Vec::new(),
            });
        }
        let mut lines = LineReader::new(reader, block);
        let mut failure = None;
        let mut seq = 0u64;
        self.pool.in_place_scope(|scope| {
            while let Ok(mut slot) = free_rx.recv() {
                match lines.next_into(&mut slot.block, false) {
                    Ok(true) => {
                        let free_tx = free_tx.clone();
                        let at = seq;
                        seq += 1;
                        scope.spawn(move |_| {
                            let Slot {
                                block,
                                scratch,
                                counts,
                                extent,
                                edges,
                            } = &mut slot;
                            let (e, edge) = self.scan_chunk(block, scratch, counts);
                            *extent += e;
                            edges.extend(edge.map(|edge| (at, edge)));
                            let _ = free_tx.send(slot);
                        });
                    }
                    Ok(false) => {
                        let _ = free_tx.send(slot);
                        break;
                    }
                    Err(e) => {
                        let _ = free_tx.send(slot);
                        failure = Some(read_failure(name, lines.offset(), &e));
                        break;
                    }
                }
            }
        });
        drop(free_tx);
        let mut counts = self.new_counts();
        let mut extent = Extent::default();
        let mut edges = Vec::new();
        for slot in free_rx.try_iter() {
            counts.merge(slot.counts);
            extent += slot.extent;
            edges.extend(slot.edges);
        }
        edges.sort_unstable_by_key(|(i, _)| *i);
        self.timing()
            .resolve(&mut counts, edges.into_iter().map(|(_, e)| e));
        (counts, extent, failure)
    }

    /// Scans every input into one report. An input that cannot be read is named in
    /// `summary.errors` and the others are still scanned. Files are scanned in parallel with
    /// each other (and each one in parallel chunks); standard input and other pipes are read
    /// on this thread, after the files, with the pool scanning their blocks.
    pub fn scan_inputs(&self, inputs: &[Input]) -> Report {
        let is_pipe = |input: &Input| match input {
            Input::Stdin => true,
            Input::Path(p) => std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()),
        };
        let mut results: Vec<Option<InputResult>> = vec![None; inputs.len()];
        let files: Vec<usize> = (0..inputs.len())
            .filter(|&i| !is_pipe(&inputs[i]))
            .collect();
        let scanned: Vec<(usize, InputResult)> = if files.len() == 1 {
            // One file: its stream, if it is one, gets the pipelined reader.
            vec![(files[0], self.scan_input(&inputs[files[0]], true))]
        } else {
            self.pool.install(|| {
                files
                    .par_iter()
                    .map(|&i| (i, self.scan_input(&inputs[i], false)))
                    .collect()
            })
        };
        for (i, r) in scanned {
            results[i] = Some(r);
        }
        for (i, input) in inputs.iter().enumerate() {
            if results[i].is_none() {
                results[i] = Some(self.scan_input(input, true));
            }
        }
        let mut report = Report::default();
        let mut all = self.new_counts();
        for (input, result) in inputs.iter().zip(results.into_iter().flatten()) {
            report.summary.errors.extend(result.errors);
            let Some((counts, extent, last_byte)) = result.scanned else {
                continue;
            };
            let s = &mut report.summary;
            s.inputs += 1;
            s.bytes += extent.bytes;
            s.lines += extent.newlines + u64::from(last_byte.is_some_and(|b| b != b'\n'));
            s.hits += counts.total();
            s.unknown += counts.unknown_total();
            if self.config.per_input {
                s.folded += counts.folded();
                report.counts.push((input.name(), counts));
            } else {
                all.merge(counts);
            }
        }
        if !self.config.per_input {
            report.summary.folded = all.folded();
            report.counts.push((String::new(), all));
        }
        report
    }

    /// Opens and scans one input. `pipelined`: read a stream on this thread while the pool
    /// scans its blocks (only outside the pool: a pool thread waiting for buffers that only
    /// pool jobs free could deadlock); otherwise scan the blocks inline.
    fn scan_input(&self, input: &Input, pipelined: bool) -> InputResult {
        let name = input.name();
        let (counts, extent, last_byte, error) =
            match input::open_metered(input, self.config.mmap, self.config.progress.clone()) {
                Err(e) => {
                    return InputResult {
                        scanned: None,
                        errors: vec![e.to_string()],
                    }
                }
                Ok(Opened::Bytes(content)) => {
                    let (c, e) = self.scan_content(&content);
                    (c, e, content.last().copied(), None)
                }
                Ok(Opened::Stream(mut reader)) => {
                    let mut tail = LastByte::new(&mut reader);
                    let (c, e, err) = if pipelined {
                        self.scan_stream(&mut tail, &name)
                    } else {
                        self.scan_stream_inline(&mut tail, &name)
                    };
                    (c, e, tail.last, err)
                }
            };
        InputResult {
            scanned: Some((counts, extent, last_byte)),
            errors: error.map(|e| e.to_string()).into_iter().collect(),
        }
    }

    /// Scans a stream block by block on the current thread.
    fn scan_stream_inline(
        &self,
        reader: &mut dyn Read,
        name: &str,
    ) -> (Counts, Extent, Option<Error>) {
        let mut counts = self.new_counts();
        let mut extent = Extent::default();
        let mut scratch = Scratch::default();
        let mut lines = LineReader::new(reader, self.config.block_size);
        let mut buf = Vec::new();
        let mut edges = Vec::new();
        let failure = loop {
            match lines.next_into(&mut buf, false) {
                Ok(true) => {
                    let (e, edge) = self.scan_chunk(&buf, &mut scratch, &mut counts);
                    extent += e;
                    edges.extend(edge);
                }
                Ok(false) => break None,
                Err(e) => break Some(read_failure(name, lines.offset(), &e)),
            }
        };
        self.timing().resolve(&mut counts, edges);
        (counts, extent, failure)
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
        let mut carry = None;
        for group in chunks.chunks(batch.max(1)) {
            let results: Vec<ChunkHits> = self.pool.install(|| {
                group
                    .par_iter()
                    .map(|r| self.chunk_hits(&data[r.clone()], r.start))
                    .collect()
            });
            for (range, hits) in group.iter().zip(results) {
                let newlines = hits.newlines;
                extent += self.emit_in_place(hits, line_base, 0, range.len(), &mut carry, emit)?;
                line_base += newlines;
            }
        }
        Ok(extent)
    }

    /// The hits of one chunk, with line numbers relative to the chunk (1-based) and offsets
    /// relative to the input (`base` is the chunk's offset); with a time window, each hit's
    /// time as far as the chunk alone tells it.
    fn chunk_hits(&self, data: &[u8], base: usize) -> ChunkHits {
        let mut out = ChunkHits::default();
        let mut scratch = Scratch::default();
        let year = self.config.year;
        let mut clock = (!self.config.window.is_open()).then(Clock::default);
        let mut counted_to = 0usize;
        let mut newlines = 0u64;
        self.matcher.find_lines(data, &mut scratch, |line| {
            newlines += bytecount::count(&data[counted_to..line.start], b'\n') as u64;
            counted_to = line.start;
            let time = clock
                .as_mut()
                .and_then(|c| c.line(data, line.start, line.end, year));
            for h in line.hits {
                out.hits.push(HitRecord {
                    line: newlines + 1,
                    offset: (base + h.offset) as u64,
                    code: h.code.clone(),
                    matched: data[h.matched.clone()].to_vec(),
                });
                if clock.is_some() {
                    out.times.push(time);
                }
            }
        });
        newlines += bytecount::count(&data[counted_to..], b'\n') as u64;
        out.newlines = newlines;
        out.last = clock.and_then(|c| c.finish(data, year).last());
        out
    }

    /// Emits the hits of one chunk, placed in their input (line numbers and offsets), keeping
    /// only those in the time window: a hit the chunk could not date takes `carry`, the time
    /// of the last dated line before the chunk. Returns the chunk's extent.
    fn emit_in_place(
        &self,
        chunk: ChunkHits,
        line_base: u64,
        offset_base: u64,
        bytes: usize,
        carry: &mut Option<i64>,
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<Extent> {
        let window = self.config.window;
        let timed = !window.is_open();
        for (i, mut h) in chunk.hits.into_iter().enumerate() {
            if timed {
                let time = chunk.times.get(i).copied().flatten().or(*carry);
                if !window.keeps(time) {
                    continue;
                }
            }
            h.line += line_base;
            h.offset += offset_base;
            emit(h)?;
        }
        if timed {
            *carry = chunk.last.or(*carry);
        }
        Ok(Extent {
            bytes: bytes as u64,
            newlines: chunk.newlines,
        })
    }

    /// Finds the hits of a stream as soon as each line is complete, so that a live pipe
    /// (`tail -F | errscan scan --hits`) shows them at once. Sequential by design.
    pub fn hits_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<(Extent, Option<Error>)> {
        let mut lines = LineReader::new(reader, self.config.block_size);
        let mut buf = Vec::new();
        let mut line_base = 0u64;
        let mut extent = Extent::default();
        let mut carry = None;
        loop {
            let offset = lines.offset();
            match lines.next_into(&mut buf, true) {
                Ok(true) => {
                    let hits = self.chunk_hits(&buf, 0);
                    let newlines = hits.newlines;
                    extent +=
                        self.emit_in_place(hits, line_base, offset, buf.len(), &mut carry, emit)?;
                    line_base += newlines;
                }
                Ok(false) => return Ok((extent, None)),
                Err(e) => return Ok((extent, Some(read_failure(name, lines.offset(), &e)))),
            }
        }
    }
}

impl Scanner<'_> {
    /// Scans a live stream in windows of `every` (wall-clock time): when a window closes,
    /// `on_window` gets the counts of the lines completed in it and the window's end (seconds
    /// since the Unix epoch), then the next window starts. A reader thread feeds the scan so
    /// that a window closes on time even when no data comes. Ends with the stream, after a
    /// last (partial) window; returns a read error of the stream, if any.
    ///
    /// # Errors
    /// When `on_window` fails (output closed, for instance).
    pub fn scan_windows(
        &self,
        mut reader: Box<dyn Read + Send>,
        name: &str,
        every: std::time::Duration,
        on_window: &mut dyn FnMut(&Report, i64) -> Result<()>,
    ) -> Result<Option<Error>> {
        use crossbeam_channel::RecvTimeoutError;
        use std::time::{Instant, SystemTime, UNIX_EPOCH};

        // Blocks of whole lines, as they come; the offset reached travels with an error.
        let (tx, rx) = bounded::<std::result::Result<Vec<u8>, (u64, io::Error)>>(4);
        std::thread::spawn(move || {
            let mut lines = LineReader::new(&mut *reader, 1 << 16);
            loop {
                let mut buf = Vec::new();
                let sent = match lines.next_into(&mut buf, true) {
                    Ok(true) => tx.send(Ok(buf)),
                    Ok(false) => break,
                    Err(e) => tx.send(Err((lines.offset(), e))),
                };
                if sent.is_err() {
                    break;
                }
            }
        });
        let per_input = if self.config.per_input {
            name.to_string()
        } else {
            String::new()
        };
        let mut window = Report::default();
        let mut counts = self.new_counts();
        let mut scratch = Scratch::default();
        let mut failure = None;
        let mut last = None;
        let timing = self.timing();
        let mut carry = None;
        let mut deadline = Instant::now() + every;
        let mut close = |window: &mut Report, counts: &mut Counts| -> Result<()> {
            window.summary.hits = counts.total();
            window.summary.unknown = counts.unknown_total();
            window.summary.folded = counts.folded();
            window.counts = vec![(
                per_input.clone(),
                std::mem::replace(counts, self.new_counts()),
            )];
            let end = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            on_window(window, end)?;
            *window = Report::default();
            Ok(())
        };
        loop {
            match rx.recv_deadline(deadline) {
                Ok(Ok(data)) => {
                    let (e, edge) = self.scan_chunk(&data, &mut scratch, &mut counts);
                    // Blocks come in order: each one's leading hits are dated at once.
                    if let Some(edge) = edge {
                        carry = timing.resolve_one(&mut counts, edge, carry);
                    }
                    window.summary.bytes += e.bytes;
                    window.summary.lines += e.newlines;
                    last = data.last().copied();
                }
                Ok(Err((offset, e))) => {
                    failure = Some(read_failure(name, offset, &e));
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    close(&mut window, &mut counts)?;
                    deadline += every;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // A last line without a newline is a line too.
        window.summary.lines += u64::from(last.is_some_and(|b| b != b'\n'));
        window.summary.inputs = 1;
        close(&mut window, &mut counts)?;
        Ok(failure)
    }
}

/// The hits of one chunk for `--hits`, before they are placed in their input.
#[derive(Default)]
struct ChunkHits {
    hits: Vec<HitRecord>,
    /// With a time window: each hit's time, `None` when the chunk had no dated line before it.
    times: Vec<Option<i64>>,
    newlines: u64,
    /// The time of the chunk's last dated line.
    last: Option<i64>,
}

/// The error for a stream that failed after `offset` good bytes.
fn read_failure(name: &str, offset: u64, e: &io::Error) -> Error {
    Error::Partial {
        path: name.to_string(),
        offset,
        message: format!("read failed ({e})"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The progress count ends at the inputs' size as stored, whatever way each was read:
    /// mapped, read into memory, streamed, or decompressed.
    #[test]
    fn progress_ends_at_the_stored_size_of_the_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let line = b"2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided)\n";
        let big = line.repeat(30_000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&big).unwrap();
        let files = [
            ("big.log", big.clone()),
            ("small.log", line.repeat(3)),
            ("big.log.gz", gz.finish().unwrap()),
        ];
        let mut inputs = Vec::new();
        let mut stored = 0;
        for (name, bytes) in &files {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            inputs.push(Input::Path(path));
            stored += bytes.len() as u64;
        }
        let cat = Catalog::embedded().unwrap();
        for mmap in [MmapPolicy::Always, MmapPolicy::Never] {
            let progress = Arc::new(AtomicU64::new(0));
            let config = ScanConfig {
                threads: 2,
                chunk_size: 64 << 10,
                block_size: 64 << 10,
                mmap,
                progress: Some(Arc::clone(&progress)),
                ..ScanConfig::default()
            };
            let scanner = Scanner::new(Matcher::new(&cat, None).unwrap(), config).unwrap();
            let report = scanner.scan_inputs(&inputs);
            assert_eq!(report.summary.hits, 2 * 30_000 + 3, "{mmap:?}");
            assert_eq!(progress.load(Ordering::Relaxed), stored, "{mmap:?}");
        }
    }
}
