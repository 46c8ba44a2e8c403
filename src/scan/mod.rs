//! The scan driver: runs the [`Matcher`] over inputs in parallel and aggregates the counts.
//!
//! Content in memory (a map or a small file) is cut into newline-aligned chunks scanned by a
//! rayon pool. A stream (standard input, a FIFO, a file that is not mapped) is read in large
//! blocks on the calling thread while the pool scans the previous blocks; a fixed set of
//! recycled buffers, and a budget of [`STREAM_BUDGET`] bytes for the blocks being scanned,
//! bound memory. Each task counts into its own [`Counts`]; the counts are merged once per
//! task, never shared on the hot path.
//!
//! A line longer than [`MAX_HELD_LINE`](crate::input::line_buffer::MAX_HELD_LINE) is never held whole: it is scanned in overlapping
//! windows of that size, in order, on the reading thread (see [`crate::input::line_buffer`]).
//! Every code whose match is at most [`MAX_MATCH`](crate::input::line_buffer::MAX_MATCH) bytes long is found exactly once, and the
//! line counts each (vendor, code) once, as a shorter line does; what a rule reads beyond the
//! match itself on the rest of the line (a vendor named elsewhere on it, to which an OAuth code
//! is attributed, or another vendor's envelope claiming the line) is read within the window
//! the code is in. Hits in later windows take the time at the line's start.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::bounded;
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::input::chunk;
use crate::input::line_buffer::{LineReader, Piece, MAX_HELD_LINE};
use crate::input::{self, Content, Input, MmapPolicy, Opened};
use crate::matcher::{CodeRef, Matcher, Scratch};
use crate::report::counts::{Counts, Extent, DEFAULT_UNKNOWN_CAP};
use crate::report::timestamp::{self, Granularity};
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
    /// The longest line of a stream held whole (by default 16 MiB,
    /// [`MAX_HELD_LINE`](crate::input::line_buffer::MAX_HELD_LINE)); a longer line is scanned
    /// in overlapping windows of this size.
    pub max_line: usize,
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
            max_line: MAX_HELD_LINE,
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

/// The most bytes of stream blocks being scanned at once (64 MiB): 16 blocks of the default
/// 4 MiB, or fewer larger ones (blocks of long lines), so that memory does not grow with the
/// number of threads times the longest line.
pub const STREAM_BUDGET: usize = 64 << 20;

/// A block of a stream in flight, with the scratch space and counts of the task scanning it.
struct Slot {
    block: Vec<u8>,
    scratch: Scratch,
    counts: Counts,
    extent: Extent,
    /// The edges of the blocks this slot scanned, with each block's place in the stream.
    edges: Vec<(u64, Edge)>,
    /// The bytes the block held when it was handed to the pool (counted against the budget).
    held: usize,
}

/// The most distinct codes one over-long line remembers to count each once; codes beyond
/// (only a line of junk full of unknown codes has so many) are counted at each window.
const LONG_LINE_CODES: usize = 4096;

/// What the windows of one over-long line share: the codes it has counted (a line counts
/// each code once) and the time at its start.
#[derive(Default)]
struct LongLine {
    seen: std::collections::HashSet<CodeRef>,
    /// The time at the line's start, when hits need one.
    time: Option<i64>,
}

impl LongLine {
    /// Whether `code` is counted now: the first time it is seen in the line.
    fn first(&mut self, code: &CodeRef) -> bool {
        if self.seen.contains(code) {
            return false;
        }
        if self.seen.len() < LONG_LINE_CODES {
            self.seen.insert(code.clone());
        }
        true
    }
}

/// Runs scans with one matcher and one thread pool.
pub struct Scanner<'c> {
    matcher: Matcher<'c>,
    config: ScanConfig,
    pool: rayon::ThreadPool,
    /// Scratch space returned by finished tasks, for the next ones. A fresh [`Scratch`] builds
    /// its search caches on first use, which cost about as much as scanning 100 KB; reused,
    /// a directory of small files costs what its bytes cost. Locked only to take or give one.
    scratches: Mutex<Vec<Scratch>>,
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
            scratches: Mutex::new(Vec::new()),
        })
    }

    /// Scratch space for a task: one a finished task gave back, or a new one.
    fn take_scratch(&self) -> Scratch {
        let reused = self.scratches.lock().ok().and_then(|mut free| free.pop());
        reused.unwrap_or_default()
    }

    /// Gives a task's scratch space back for the next task. The pool never holds more than
    /// the tasks that ran at once.
    fn give_scratch(&self, scratch: Scratch) {
        if let Ok(mut free) = self.scratches.lock() {
            free.push(scratch);
        }
    }

    /// The catalog being scanned for.
    pub fn catalog(&self) -> &'c Catalog {
        self.matcher.catalog()
    }

    fn new_counts(&self) -> Counts {
        Counts::new(self.catalog().entries().len())
            .with_unknown_cap(self.config.unknown_cap)
            .with_vendor_order(self.catalog())
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

    /// Scans a block from a [`LineReader`] made `with_windows`: whole lines as
    /// [`Scanner::scan_chunk`] does, or a window of an over-long line, reporting the hits it
    /// owns that the line has not had yet. Returns the extent of the block's new bytes and,
    /// when hits need a time, the block's [`Edge`]: a window's hits take the time at the
    /// line's start, or, when it has none, the time carried from the lines before it.
    fn scan_piece(
        &self,
        data: &[u8],
        piece: Piece,
        long: &mut LongLine,
        scratch: &mut Scratch,
        counts: &mut Counts,
    ) -> (Extent, Option<Edge>) {
        if !piece.is_window() {
            return self.scan_chunk(data, scratch, counts);
        }
        let timing = self.timing();
        if piece.overlap == 0 {
            long.seen.clear();
            long.time = timing
                .needed()
                .then(|| timestamp::line_time(data, self.config.year))
                .flatten();
        }
        let mut edge = timing.needed().then(|| Edge::of_line(long.time));
        let owned = piece.owned(data.len());
        self.matcher.find_lines(data, scratch, |line| {
            for hit in line.hits {
                if owned.contains(&hit.offset) && long.first(&hit.code) {
                    match (&mut edge, long.time) {
                        (None, _) => counts.add_n(&hit.code, None, 1),
                        (Some(_), Some(t)) => timing.count(counts, &hit.code, Some(t), 1),
                        (Some(edge), None) => edge.add_leading(&hit.code),
                    }
                }
            }
        });
        let new = &data[piece.overlap..];
        let extent = Extent {
            bytes: new.len() as u64,
            newlines: bytecount::count(new, b'\n') as u64,
        };
        (extent, edge)
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
        // The search for the end of an over-long line goes through pages of a map that will
        // not be scanned for a while: they are let go as it passes.
        let chunks =
            chunk::newline_aligned_with(data, self.config.chunk_size, self.config.max_line, &done);
        // Edges are ordered by (chunk, part): a chunk holding an over-long line leaves one
        // edge per part it is scanned in.
        type Acc = (Counts, Extent, Vec<((usize, usize), Edge)>);
        let (mut counts, extent, mut edges) = self.pool.install(|| {
            chunks
                .into_par_iter()
                .enumerate()
                .fold(
                    || {
                        let acc: Acc = (self.new_counts(), Extent::default(), Vec::new());
                        (acc, self.take_scratch())
                    },
                    |((mut counts, mut extent, mut edges), mut scratch), (i, range)| {
                        if range.len() > self.config.max_line {
                            let (e, parts) = self.scan_long_chunk(
                                data,
                                range.clone(),
                                &mut scratch,
                                &mut counts,
                                &done,
                            );
                            extent += e;
                            edges.extend(parts.into_iter().enumerate().map(|(j, e)| ((i, j), e)));
                        } else {
                            let (e, edge) =
                                self.scan_chunk(&data[range.clone()], &mut scratch, &mut counts);
                            extent += e;
                            edges.extend(edge.map(|edge| ((i, 0), edge)));
                        }
                        if let Some(p) = &self.config.progress {
                            p.fetch_add(range.len() as u64, Ordering::Relaxed);
                        }
                        done(range);
                        ((counts, extent, edges), scratch)
                    },
                )
                .map(|(acc, scratch)| {
                    self.give_scratch(scratch);
                    acc
                })
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

    /// Scans a chunk of in-memory content that holds a line longer than `max_line` as a
    /// stream is scanned: whole lines in blocks, the long line in windows, in order. Each part
    /// is released (`done`) once it has been read, so that a mapped file's pages do not all
    /// stay resident while its one line is scanned.
    fn scan_long_chunk(
        &self,
        data: &[u8],
        range: std::ops::Range<usize>,
        scratch: &mut Scratch,
        counts: &mut Counts,
        done: &impl Fn(std::ops::Range<usize>),
    ) -> (Extent, Vec<Edge>) {
        let mut src = &data[range.clone()];
        let mut lines = LineReader::new(&mut src, self.config.block_size)
            .with_max_line(self.config.max_line)
            .with_windows();
        let mut buf = Vec::new();
        let mut long = LongLine::default();
        let mut extent = Extent::default();
        let mut edges = Vec::new();
        let mut released = range.start;
        // Reading a slice cannot fail.
        while let Ok(true) = lines.next_into(&mut buf, false) {
            let piece = lines.piece();
            let (e, edge) = self.scan_piece(&buf, piece, &mut long, scratch, counts);
            extent += e;
            edges.extend(edge);
            // Everything up to the block's end has been copied out of `data`.
            let end = range.start + piece.start as usize + buf.len();
            done(released..end);
            released = end;
        }
        done(range);
        (extent, edges)
    }

    /// Scans a stream in blocks, reading on this thread while the pool scans earlier blocks.
    /// Memory stays bounded by a fixed number of recycled blocks, at most [`STREAM_BUDGET`]
    /// bytes of them being scanned at once, and one window of an over-long line, which is
    /// scanned on this thread. A read error ends the stream; what was read before it is
    /// counted and the error is returned beside the counts.
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
        let mut stash: Vec<Slot> = (0..in_flight)
            .map(|_| Slot {
                block: Vec::new(),
                scratch: self.take_scratch(),
                counts: self.new_counts(),
                extent: Extent::default(),
                held: 0,
                edges: Vec::new(),
            })
            .collect();
        // Bytes handed to the pool and not yet returned.
        let mut busy = 0usize;
        let mut long = LongLine::default();
        let mut lines = LineReader::new(reader, block)
            .with_max_line(self.config.max_line)
            .with_windows();
        // Edges of the windows of over-long lines, which are scanned on this thread.
        let mut window_edges: Vec<(u64, Edge)> = Vec::new();
        let mut failure = None;
        let mut seq = 0u64;
        self.pool.in_place_scope(|scope| {
            loop {
                let mut slot = match stash.pop() {
                    Some(slot) => slot,
                    None => match free_rx.recv() {
                        Ok(slot) => {
                            busy -= slot.held;
                            slot
                        }
                        Err(_) => break,
                    },
                };
                match lines.next_into(&mut slot.block, false) {
                    Ok(true) => {
                        let piece = lines.piece();
                        if piece.is_window() {
                            // In order, here: a line counts each code once over its windows.
                            let Slot {
                                block,
                                scratch,
                                counts,
                                extent,
                                ..
                            } = &mut slot;
                            let (e, edge) =
                                self.scan_piece(block, piece, &mut long, scratch, counts);
                            *extent += e;
                            window_edges.extend(edge.map(|edge| (seq, edge)));
                            seq += 1;
                            if !piece.continues {
                                shrink(block, block_cap(self.config.block_size));
                            }
                            stash.push(slot);
                            continue;
                        }
                        // Wait for blocks to come back while this one would pass the budget.
                        let held = slot.block.capacity();
                        while busy > 0 && busy + held > STREAM_BUDGET {
                            let Ok(back) = free_rx.recv() else { break };
                            busy -= back.held;
                            stash.push(back);
                        }
                        slot.held = held;
                        busy += held;
                        let free_tx = free_tx.clone();
                        let cap = block_cap(self.config.block_size);
                        let at = seq;
                        seq += 1;
                        scope.spawn(move |_| {
                            let Slot {
                                block,
                                scratch,
                                counts,
                                extent,
                                edges,
                                ..
                            } = &mut slot;
                            let (e, edge) = self.scan_chunk(block, scratch, counts);
                            *extent += e;
                            edges.extend(edge.map(|edge| (at, edge)));
                            // A block grown by a long line goes back to the usual size, so
                            // that idle slots do not keep it.
                            shrink(block, cap);
                            let _ = free_tx.send(slot);
                        });
                    }
                    Ok(false) => {
                        stash.push(slot);
                        break;
                    }
                    Err(e) => {
                        stash.push(slot);
                        failure = Some(read_failure(name, lines.offset(), &e));
                        break;
                    }
                }
            }
        });
        drop(free_tx);
        let mut counts = self.new_counts();
        let mut extent = Extent::default();
        let mut edges = window_edges;
        for slot in stash.into_iter().chain(free_rx.try_iter()) {
            counts.merge(slot.counts);
            extent += slot.extent;
            edges.extend(slot.edges);
            self.give_scratch(slot.scratch);
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
            Input::Stdin(_) => true,
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
                report.counts.push((input.name(), counts));
            } else {
                all.merge(counts);
            }
        }
        if !self.config.per_input {
            report.counts.push((String::new(), all));
        }
        report.summary.unknown_cap = Some(self.config.unknown_cap as u64);
        report.apply_unknown_cap();
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

    /// Scans a stream block by block on the current thread, with windows of at most an
    /// equal share of [`STREAM_BUDGET`] per pool thread for over-long lines.
    fn scan_stream_inline(
        &self,
        reader: &mut dyn Read,
        name: &str,
    ) -> (Counts, Extent, Option<Error>) {
        let mut counts = self.new_counts();
        let mut extent = Extent::default();
        let mut scratch = self.take_scratch();
        let mut long = LongLine::default();
        // Streams scanned side by side, one per thread, share the budget of stream blocks for
        // their long lines: more threads, shorter windows (never under 1 MiB).
        let share = (STREAM_BUDGET / self.pool.current_num_threads().max(1)).max(1 << 20);
        let mut lines = LineReader::new(reader, self.config.block_size)
            .with_max_line(share.min(self.config.max_line))
            .with_windows();
        let mut buf = Vec::new();
        let mut edges = Vec::new();
        let failure = loop {
            match lines.next_into(&mut buf, false) {
                Ok(true) => {
                    let piece = lines.piece();
                    let (e, edge) =
                        self.scan_piece(&buf, piece, &mut long, &mut scratch, &mut counts);
                    extent += e;
                    edges.extend(edge);
                    if !piece.continues {
                        shrink(&mut buf, block_cap(self.config.block_size));
                    }
                }
                Ok(false) => break None,
                Err(e) => break Some(read_failure(name, lines.offset(), &e)),
            }
        };
        self.give_scratch(scratch);
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
        let long = |r: &std::ops::Range<usize>| r.len() > self.config.max_line;
        let mut carry = None;
        for group in chunks.chunks(batch.max(1)) {
            let results: Vec<ChunkHits> = self.pool.install(|| {
                group
                    .par_iter()
                    .map(|r| match long(r) {
                        true => ChunkHits::default(),
                        false => self.chunk_hits(&data[r.clone()], r.start),
                    })
                    .collect()
            });
            for (range, hits) in group.iter().zip(results) {
                if long(range) {
                    // A line too long to hold is searched in windows, as on a stream (dated by
                    // its own start, or by the line before it within the window search).
                    let base = line_base;
                    let mut shifted = |mut h: HitRecord| {
                        h.line += base;
                        h.offset += range.start as u64;
                        emit(h)
                    };
                    let (e, _) = self.hits_stream(&mut &data[range.clone()], "", &mut shifted)?;
                    extent += e;
                    line_base += e.newlines;
                    continue;
                }
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
        let mut scratch = self.take_scratch();
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
        self.give_scratch(scratch);
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
        let mut lines = LineReader::new(reader, self.config.block_size)
            .with_max_line(self.config.max_line)
            .with_windows();
        let mut buf = Vec::new();
        let mut long = LongLine::default();
        let mut line_base = 0u64;
        let mut extent = Extent::default();
        let mut carry = None;
        loop {
            match lines.next_into(&mut buf, true) {
                Ok(true) => {
                    let piece = lines.piece();
                    let mut hits = self.chunk_hits(&buf, 0);
                    if piece.is_window() {
                        // As in counting: each hit once, from the window that owns it, and
                        // each code once per line.
                        if piece.overlap == 0 {
                            long.seen.clear();
                        }
                        let owned = piece.owned(buf.len());
                        hits.retain(|h| {
                            usize::try_from(h.offset).is_ok_and(|o| owned.contains(&o))
                                && long.first(&h.code)
                        });
                    }
                    let newlines = hits.newlines;
                    let bytes = buf.len() - piece.overlap;
                    extent +=
                        self.emit_in_place(hits, line_base, piece.start, bytes, &mut carry, emit)?;
                    line_base += newlines;
                    if !piece.continues {
                        shrink(&mut buf, block_cap(self.config.block_size));
                    }
                }
                Ok(false) => return Ok((extent, None)),
                Err(e) => return Ok((extent, Some(read_failure(name, lines.offset(), &e)))),
            }
        }
    }
}

impl Scanner<'_> {
    /// Scans a live stream in windows of `every` (wall-clock time): when a window closes,
    /// `on_window` gets the counts of the lines completed in it and the window's end (the
    /// clock when it closed, to the nanosecond, and always later than the previous window's
    /// end), then the next window starts. A reader thread feeds the scan so
    /// that a window closes on time even when no data comes. Ends with the stream, after a
    /// last (partial) window; returns a read error of the stream, if any.
    ///
    /// # Errors
    /// When `on_window` fails (output closed, for instance).
    pub fn scan_windows(
        &self,
        reader: Box<dyn Read + Send>,
        name: &str,
        every: std::time::Duration,
        on_window: &mut dyn FnMut(&Report, std::time::SystemTime) -> Result<()>,
    ) -> Result<Option<Error>> {
        let never = crossbeam_channel::never();
        self.scan_windows_until(reader, name, every, &never, on_window)
    }

    /// [`Scanner::scan_windows`] that also ends, after a last (partial) window with every
    /// line read so far, when `stop` receives a message or loses its last sender: how a
    /// signal ends a live scan without losing the open window.
    ///
    /// # Errors
    /// When `on_window` fails (output closed, for instance).
    pub fn scan_windows_until(
        &self,
        mut reader: Box<dyn Read + Send>,
        name: &str,
        every: std::time::Duration,
        stop: &crossbeam_channel::Receiver<()>,
        on_window: &mut dyn FnMut(&Report, std::time::SystemTime) -> Result<()>,
    ) -> Result<Option<Error>> {
        use std::time::{Duration, Instant, SystemTime};

        // Blocks of whole lines (or windows of an over-long one), as they come; the offset
        // reached travels with an error.
        type Block = std::result::Result<(Vec<u8>, Piece), (u64, io::Error)>;
        let (tx, rx) = bounded::<Block>(4);
        let max_line = self.config.max_line;
        std::thread::spawn(move || {
            let mut lines = LineReader::new(&mut *reader, 1 << 16)
                .with_max_line(max_line)
                .with_windows();
            loop {
                let mut buf = Vec::new();
                let sent = match lines.next_into(&mut buf, true) {
                    Ok(true) => tx.send(Ok((buf, lines.piece()))),
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
        let mut long = LongLine::default();
        let mut failure = None;
        let mut last = None;
        let timing = self.timing();
        let mut carry = None;
        let mut deadline = Instant::now() + every;
        let mut previous_end: Option<SystemTime> = None;
        let mut close = |window: &mut Report, counts: &mut Counts| -> Result<()> {
            window.summary.hits = counts.total();
            window.summary.unknown = counts.unknown_total();
            window.summary.folded = counts.folded();
            window.summary.unknown_cap = Some(self.config.unknown_cap as u64);
            window.counts = vec![(
                per_input.clone(),
                std::mem::replace(counts, self.new_counts()),
            )];
            let mut end = SystemTime::now();
            if let Some(before) = previous_end.filter(|b| end <= *b) {
                // A clock that stood still or stepped back: still a distinct, later stamp.
                end = before + Duration::from_nanos(1);
            }
            previous_end = Some(end);
            on_window(window, end)?;
            *window = Report::default();
            Ok(())
        };
        /// What the window loop waits for.
        enum Next {
            Data(Block),
            Closed,
            Stop,
            Timeout,
        }
        let mut scan =
            |(data, piece): &(Vec<u8>, Piece), window: &mut Report, counts: &mut Counts| {
                let (e, edge) = self.scan_piece(data, *piece, &mut long, &mut scratch, counts);
                // Blocks come in order: each one's leading hits are dated at once.
                if let Some(edge) = edge {
                    carry = timing.resolve_one(counts, edge, carry);
                }
                window.summary.bytes += e.bytes;
                window.summary.lines += e.newlines;
                last = data.last().copied();
            };
        loop {
            let next = crossbeam_channel::select! {
                recv(rx) -> m => m.map_or(Next::Closed, Next::Data),
                recv(stop) -> _ => Next::Stop,
                default(deadline.saturating_duration_since(Instant::now())) => Next::Timeout,
            };
            match next {
                Next::Data(Ok(data)) => scan(&data, &mut window, &mut counts),
                Next::Data(Err((offset, e))) => {
                    failure = Some(read_failure(name, offset, &e));
                    break;
                }
                Next::Timeout => {
                    close(&mut window, &mut counts)?;
                    deadline += every;
                }
                Next::Closed => break,
                Next::Stop => {
                    // Lines already read belong to this window.
                    while let Ok(Ok(data)) = rx.try_recv() {
                        scan(&data, &mut window, &mut counts);
                    }
                    break;
                }
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

impl ChunkHits {
    /// Keeps the hits (and their times) that `keep` accepts, in order.
    fn retain(&mut self, mut keep: impl FnMut(&HitRecord) -> bool) {
        let kept: Vec<bool> = self.hits.iter().map(&mut keep).collect();
        let mut flags = kept.iter();
        self.hits.retain(|_| flags.next().copied().unwrap_or(false));
        if !self.times.is_empty() {
            let mut flags = kept.iter();
            self.times
                .retain(|_| flags.next().copied().unwrap_or(false));
        }
    }
}

/// The capacity a recycled block is brought back to once it has held a long line: room for
/// the usual blocks (which grow past the block size by the line they end with) without
/// reallocating them.
fn block_cap(block_size: usize) -> usize {
    block_size.max(1).saturating_mul(4).min(MAX_HELD_LINE)
}

/// Gives back the memory of a block beyond `cap` bytes.
fn shrink(block: &mut Vec<u8>, cap: usize) {
    if block.capacity() > cap {
        block.truncate(cap);
        block.shrink_to(cap);
    }
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

    /// A line of `len` bytes of filler with `Okta E0000nnn` codes (distinct ones, and one of
    /// them twice) at offsets sweeping across many window boundaries.
    fn long_line(len: usize) -> Vec<u8> {
        let mut line: Vec<u8> = b"the quick brown fox 0123 "
            .iter()
            .copied()
            .cycle()
            .take(len)
            .collect();
        for i in 0..90 {
            let code = format!(" Okta E0000{:03} ", i % 80 + 1);
            let at = 37 + i * (len - 100) / 90 + (i * 13) % 41;
            line[at..at + code.len()].copy_from_slice(code.as_bytes());
        }
        line.push(b'\n');
        line
    }

    fn scanner_with(cat: &Catalog, max_line: usize, block_size: usize) -> Scanner<'_> {
        let config = ScanConfig {
            threads: 2,
            block_size,
            max_line,
            ..ScanConfig::default()
        };
        Scanner::new(Matcher::new(cat, None).unwrap(), config).unwrap()
    }

    /// Windows of an over-long line find every code once, wherever the windows cut: the
    /// counts, and the hits with their offsets, are those of the line read whole.
    #[test]
    fn windows_of_a_long_line_find_each_code_once() {
        let cat = Catalog::embedded().unwrap();
        let data = [b"before\n".to_vec(), long_line(60_000), b"after\n".to_vec()].concat();
        let whole = scanner_with(&cat, 1 << 20, 1 << 20);
        let (want, want_extent, _) = whole.scan_stream(&mut &data[..], "x");
        let rows = want.rows(&cat);
        assert_eq!(rows.len(), 80, "{rows:?}");
        assert!(rows.iter().all(|r| r.2 == 1));
        let mut want_hits = Vec::new();
        whole
            .hits_stream(&mut &data[..], "x", &mut |h| {
                want_hits.push((h.line, h.offset, h.code));
                Ok(())
            })
            .unwrap();
        for (max_line, block) in [(1000, 300), (4096, 1024), (7777, 100)] {
            let s = scanner_with(&cat, max_line, block);
            let (got, extent, _) = s.scan_stream(&mut &data[..], "x");
            assert_eq!(got.rows(&cat), rows, "max_line {max_line}");
            assert_eq!(
                (extent.bytes, extent.newlines),
                (want_extent.bytes, want_extent.newlines)
            );
            let (got, extent, _) = s.scan_stream_inline(&mut &data[..], "x");
            assert_eq!(got.rows(&cat), rows, "inline, max_line {max_line}");
            assert_eq!(extent.bytes, data.len() as u64);
            let mut hits = Vec::new();
            s.hits_stream(&mut &data[..], "x", &mut |h| {
                hits.push((h.line, h.offset, h.code));
                Ok(())
            })
            .unwrap();
            assert_eq!(hits, want_hits, "hits, max_line {max_line}");
            // Content in memory (a mapped file) goes the same way.
            let (got, extent) = s.scan_bytes(&data);
            assert_eq!(got.rows(&cat), rows, "in memory, max_line {max_line}");
            assert_eq!(extent.bytes, data.len() as u64);
            let mut hits = Vec::new();
            s.hits_bytes(&data, &mut |h| {
                hits.push((h.line, h.offset, h.code));
                Ok(())
            })
            .unwrap();
            assert_eq!(hits, want_hits, "hits in memory, max_line {max_line}");
        }
    }

    /// A reader that yields one line per read, after a pause.
    struct SlowLines(Vec<&'static [u8]>, std::time::Duration);

    impl Read for SlowLines {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            std::thread::sleep(self.1);
            let line = self.0.remove(0);
            buf[..line.len()].copy_from_slice(line);
            Ok(line.len())
        }
    }

    /// Windows shorter than a second each get their own stamp, later than the one before.
    #[test]
    fn window_ends_are_distinct_and_finer_than_a_second() {
        let cat = Catalog::embedded().unwrap();
        let scanner =
            Scanner::new(Matcher::new(&cat, None).unwrap(), ScanConfig::default()).unwrap();
        let line: &'static [u8] = b"HTTP 400, Stormpath 2001 (x)\n";
        let reader = SlowLines(vec![line; 4], std::time::Duration::from_millis(60));
        let mut ends = Vec::new();
        let mut hits = 0;
        scanner
            .scan_windows(
                Box::new(reader),
                "<test>",
                std::time::Duration::from_millis(20),
                &mut |report, end| {
                    hits += report.summary.hits;
                    ends.push(end);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(hits, 4);
        assert!(ends.len() >= 5, "{ends:?}");
        assert!(ends.windows(2).all(|w| w[0] < w[1]), "{ends:?}");
        let nanos = |t: &std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        };
        assert!(ends.iter().any(|t| nanos(t) != 0), "{ends:?}");
    }

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
