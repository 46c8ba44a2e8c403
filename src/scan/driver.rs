//! The one scan driver: opens each input, reads it with the loop for its kind, scans every
//! stretch with the matcher and pushes the hits into a [`Sink`].
//!
//! | source kind | read loop | parallelism |
//! |---|---|---|
//! | content in memory (a map, a small file) | [`Scanner::scan_content_into`]: newline-aligned chunks | one worker per pool thread takes chunks in turn |
//! | stream (a pipe, a compressed file, a file not mapped) | [`Scanner::scan_stream_into`]: blocks of whole lines from a [`LineReader`] | blocks scanned by the pool while the next is read (pipelined), or on the reading thread |
//!
//! A line longer than [`ScanConfig::max_line`](super::ScanConfig::max_line) is never held
//! whole: the stream loop delivers it in overlapping windows, scanned in order on the reading
//! thread by [`Scanner::scan_window`]; content in memory sends a chunk holding such a line
//! through the stream loop over its bytes.
//!
//! The sink decides how its findings flow: counts take parts in any order (files scanned in
//! parallel, streams pipelined); hit records and live windows want them in order as soon as
//! possible (inputs one by one, content in small batches, streams read as lines come).

use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::bounded;
use rayon::prelude::*;

use super::sink::{At, Dated, InputEnd, Part, Seq, Sink, Stretch, Ticks};
use super::time::Clock;
use super::{LongLine, Scanner, STREAM_BUDGET};
use crate::error::{Error, Result};
use crate::input::chunk;
use crate::input::line_buffer::{LineReader, Piece, MAX_HELD_LINE};
use crate::input::{self, Input, MmapPolicy, Opened};
use crate::matcher::Scratch;
use crate::report::counts::Extent;
use crate::report::timestamp;

/// An input scanned into a part, and how it ended.
type Scanned<P> = (P, InputEnd);

/// A read error and the offset the stream was read to.
type ReadFailure = (u64, io::Error);

/// How much of a chunk is scanned before its lines are counted: well within a core's L2 cache.
const CACHED_PIECE: usize = 256 << 10;

/// Where a read loop puts the parts it filled: the sink itself, on the thread that runs the
/// scan, or one part gathering an input scanned on a pool thread.
pub(crate) trait Collect<P: Part> {
    /// Takes in a part.
    fn put(&mut self, part: P) -> Result<()>;
    /// Every stretch read so far has been put. Collectors that only gather ignore it.
    fn caught_up(&mut self) -> Result<()> {
        Ok(())
    }
    /// A wall-clock tick. Collectors that only gather ignore it.
    fn tick(&mut self) -> Result<()> {
        Ok(())
    }
    /// Whether parts must come in order as soon as they can ([`Sink::in_order`]); gathering
    /// needs no order.
    fn in_order(&self) -> bool {
        false
    }
}

/// A sink on the thread that runs the scan: parts go straight to it.
struct Direct<'s, S>(&'s mut S);

impl<S: Sink> Collect<S::Part> for Direct<'_, S> {
    fn put(&mut self, part: S::Part) -> Result<()> {
        self.0.append(part)
    }
    fn caught_up(&mut self) -> Result<()> {
        self.0.caught_up()
    }
    fn tick(&mut self) -> Result<()> {
        self.0.tick()
    }
    fn in_order(&self) -> bool {
        self.0.in_order()
    }
}

/// Gathers everything put into one part: the first part put, with every later one absorbed
/// into it (parts come in any order: stretches sort themselves by their place).
pub(crate) struct Gather<'p, P>(pub(crate) &'p mut Option<P>);

impl<P: Part> Collect<P> for Gather<'_, P> {
    fn put(&mut self, part: P) -> Result<()> {
        match self.0 {
            Some(gathered) => gathered.absorb(part),
            None => *self.0 = Some(part),
        }
        Ok(())
    }
}

/// Absorbs everything put into an existing part.
struct Absorb<'p, P>(&'p mut P);

impl<P: Part> Collect<P> for Absorb<'_, P> {
    fn put(&mut self, part: P) -> Result<()> {
        self.0.absorb(part);
        Ok(())
    }
}

/// How a stream is read and its blocks scanned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamMode {
    /// Scan blocks on the pool while the next is read (only outside the pool: a pool thread
    /// waiting for blocks that only pool jobs free could deadlock); else on this thread.
    pub(crate) pipelined: bool,
    /// Hand each block over as soon as it holds a whole line (a live pipe).
    pub(crate) live: bool,
    /// The first number of the stretches' [`Seq`]: the chunk a stream over content in memory
    /// comes from, 0 for a stream.
    pub(crate) major: u64,
    /// The input offset of the stream's first byte.
    pub(crate) base: u64,
    /// Size of the blocks.
    pub(crate) block: usize,
    /// The longest line held whole.
    pub(crate) max_line: usize,
}

/// A block of a stream in flight, with the scratch space and part of the task scanning it.
struct Slot<P> {
    block: Vec<u8>,
    scratch: Scratch,
    /// Pipelined only: the part its tasks scan into.
    part: Option<P>,
    /// The bytes the block held when it was handed to the pool (counted against the budget).
    held: usize,
}

/// What a stream loop gets next.
enum Next {
    /// A block (whole lines or a window), now in the buffer.
    Block(Piece),
    /// The stream ended.
    End,
    /// Reading failed after this many good bytes.
    Failed(u64, io::Error),
    /// A tick of the wall clock.
    Tick,
}

/// Where a stream loop's blocks come from.
trait Blocks {
    /// The next block, into `buf`.
    fn next(&mut self, buf: &mut Vec<u8>) -> Next;
}

/// Blocks read on the calling thread.
struct Lines<'a> {
    lines: LineReader<'a>,
    live: bool,
}

impl Blocks for Lines<'_> {
    fn next(&mut self, buf: &mut Vec<u8>) -> Next {
        match self.lines.next_into(buf, self.live) {
            Ok(true) => Next::Block(self.lines.piece()),
            Ok(false) => Next::End,
            Err(e) => Next::Failed(self.lines.offset(), e),
        }
    }
}

/// A block read by the reader thread, or the error that ended it with the offset reached.
type Sent = std::result::Result<(Vec<u8>, Piece), (u64, io::Error)>;

/// Blocks read by a reader thread, with wall-clock ticks between them, so that a tick comes
/// on time even when no data does. A stop message ends the blocks after those already read.
struct Timed {
    rx: crossbeam_channel::Receiver<Sent>,
    ticks: Ticks,
    deadline: Instant,
    stopping: bool,
}

impl Timed {
    /// Starts the reader thread. It lives until the stream ends or the loop goes away: a read
    /// blocked on a quiet pipe does not hold up a stop.
    fn spawn(mut reader: Box<dyn Read + Send>, max_line: usize, ticks: Ticks) -> Timed {
        let (tx, rx) = bounded::<Sent>(4);
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
        Timed {
            rx,
            deadline: Instant::now() + ticks.every,
            ticks,
            stopping: false,
        }
    }

    fn take(sent: Sent, buf: &mut Vec<u8>) -> Next {
        match sent {
            Ok((data, piece)) => {
                *buf = data;
                Next::Block(piece)
            }
            Err((offset, e)) => Next::Failed(offset, e),
        }
    }
}

impl Blocks for Timed {
    fn next(&mut self, buf: &mut Vec<u8>) -> Next {
        if self.stopping {
            // Lines already read belong to the scan.
            return match self.rx.try_recv() {
                Ok(Ok(block)) => Timed::take(Ok(block), buf),
                _ => Next::End,
            };
        }
        crossbeam_channel::select! {
            recv(self.rx) -> m => m.map_or(Next::End, |sent| Timed::take(sent, buf)),
            recv(self.ticks.stop) -> _ => {
                self.stopping = true;
                self.next(buf)
            }
            default(self.deadline.saturating_duration_since(Instant::now())) => {
                self.deadline += self.ticks.every;
                Next::Tick
            }
        }
    }
}

impl<'c> Scanner<'c> {
    /// Scans every input into `sink`. An input that cannot be opened or read is passed to
    /// [`Sink::end_input`] with its error and the others are still scanned.
    ///
    /// By default files are scanned in parallel with each other (and each one in parallel
    /// chunks), then standard input and other pipes on this thread, with the pool scanning
    /// their blocks; the sink receives the inputs in their order. A sink that wants its
    /// findings in order ([`Sink::in_order`]) gets the inputs one after the other.
    ///
    /// # Errors
    /// When the sink fails to pass its findings on (an output closed); the scan stops there.
    pub fn run<S: Sink>(&self, inputs: &[Input], sink: &mut S) -> Result<()> {
        let template = sink.part();
        let ticks = sink.ticks();
        if sink.in_order() || ticks.is_some() {
            for input in inputs {
                let name = input.name();
                sink.begin_input(&name);
                let end = self.scan_input(
                    input,
                    &template,
                    ticks.clone(),
                    &mut Direct(&mut *sink),
                    true,
                )?;
                sink.end_input(&name, end)?;
            }
            return Ok(());
        }
        let is_pipe = |input: &Input| match input {
            Input::Stdin(_) => true,
            Input::Path(p) => std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()),
        };
        let paths: Vec<usize> = (0..inputs.len())
            .filter(|&i| !matches!(inputs[i], Input::Stdin(_)))
            .collect();
        let mut results: Vec<Option<(S::Part, InputEnd)>> = Vec::new();
        results.resize_with(inputs.len(), || None);
        let gathered = |input: &Input, pipelined: bool| -> Result<(S::Part, InputEnd)> {
            let mut part = None;
            let end = self.scan_input(input, &template, None, &mut Gather(&mut part), pipelined)?;
            Ok((part.unwrap_or_else(|| template.fork()), end))
        };
        match paths[..] {
            // One file: its stream, if it is one, gets the pipelined reader.
            [only] if !is_pipe(&inputs[only]) => {
                results[only] = Some(gathered(&inputs[only], true)?);
            }
            _ => {
                // Pipes are told apart on the scanning threads, so that the thousands of files
                // of a directory are not looked at one by one before the scan starts; a pipe
                // is left for after (opening a FIFO waits for its writer). One file at a time
                // per task, so that neither thread is left with a long run of files at the end.
                let scanned: Vec<(usize, Result<Scanned<S::Part>>)> = self.pool.install(|| {
                    paths
                        .par_iter()
                        .with_max_len(1)
                        .filter_map(|&i| {
                            let input = &inputs[i];
                            (!is_pipe(input)).then(|| (i, gathered(input, false)))
                        })
                        .collect()
                });
                for (i, r) in scanned {
                    results[i] = Some(r?);
                }
            }
        }
        for (input, result) in inputs.iter().zip(results) {
            let name = input.name();
            sink.begin_input(&name);
            let end = match result {
                Some((part, end)) => {
                    sink.append(part)?;
                    end
                }
                None => self.scan_input(input, &template, None, &mut Direct(&mut *sink), true)?,
            };
            sink.end_input(&name, end)?;
        }
        Ok(())
    }

    /// Scans content in memory as one input named `name` into `sink` (for a sink with
    /// ticks, as a stream read by a reader thread).
    ///
    /// # Errors
    /// When the sink fails to pass its findings on.
    pub fn run_bytes<S: Sink>(&self, name: &str, data: &[u8], sink: &mut S) -> Result<()> {
        if sink.ticks().is_some() {
            return self.run_stream(name, Box::new(io::Cursor::new(data.to_vec())), sink);
        }
        let template = sink.part();
        sink.begin_input(name);
        self.scan_content_into(data, &|_| {}, &template, &mut Direct(&mut *sink))?;
        let end = InputEnd {
            opened: true,
            last_byte: data.last().copied(),
            error: None,
        };
        sink.end_input(name, end)
    }

    /// Scans a stream as one input named `name` into `sink`, read on this thread (so a
    /// sink's ticks are not delivered: [`Scanner::run_stream`] delivers them).
    ///
    /// # Errors
    /// When the sink fails to pass its findings on. A read error ends the stream and goes to
    /// [`Sink::end_input`].
    pub fn run_reader<S: Sink>(
        &self,
        name: &str,
        reader: &mut dyn Read,
        sink: &mut S,
    ) -> Result<()> {
        let template = sink.part();
        sink.begin_input(name);
        let (last_byte, error) =
            self.scan_borrowed_into(reader, name, &template, &mut Direct(&mut *sink), true)?;
        let end = InputEnd {
            opened: true,
            last_byte,
            error,
        };
        sink.end_input(name, end)
    }

    /// Scans a stream as one input named `name` into `sink`; with ticks, from a reader
    /// thread, so that a tick comes on time even when no data does.
    ///
    /// # Errors
    /// As [`Scanner::run_reader`].
    pub fn run_stream<S: Sink>(
        &self,
        name: &str,
        reader: Box<dyn Read + Send>,
        sink: &mut S,
    ) -> Result<()> {
        let template = sink.part();
        let ticks = sink.ticks();
        sink.begin_input(name);
        let (last_byte, error) = self.scan_reader_into(
            reader,
            name,
            ticks,
            &template,
            &mut Direct(&mut *sink),
            true,
        )?;
        let end = InputEnd {
            opened: true,
            last_byte,
            error,
        };
        sink.end_input(name, end)
    }

    /// Opens one input and scans it into `out`, with the read loop of its kind.
    fn scan_input<P: Part, C: Collect<P>>(
        &self,
        input: &Input,
        template: &P,
        ticks: Option<Ticks>,
        out: &mut C,
        pipelined: bool,
    ) -> Result<InputEnd> {
        let name = input.name();
        // A live scan reads every input as a stream, from a reader thread.
        let opened = match ticks {
            Some(_) => input::open(input, MmapPolicy::Never),
            None => input::open_metered(input, self.config.mmap, self.config.progress.clone()),
        };
        let opened = match opened {
            Ok(opened) => opened,
            Err(e) => {
                return Ok(InputEnd {
                    opened: false,
                    last_byte: None,
                    error: Some(e),
                })
            }
        };
        let (last_byte, failure) = match (opened, ticks) {
            (Opened::Bytes(content), None) => {
                self.scan_content_into(&content, &|range| content.release(range), template, out)?;
                (content.last().copied(), None)
            }
            (opened, ticks) => {
                let reader: Box<dyn Read + Send> = match opened {
                    Opened::Stream(r) => r,
                    Opened::Bytes(b) => Box::new(io::Cursor::new(b.to_vec())),
                };
                self.scan_reader_into(reader, &name, ticks, template, out, pipelined)?
            }
        };
        Ok(InputEnd {
            opened: true,
            last_byte,
            error: failure,
        })
    }

    /// Scans a stream into `out`, as [`Scanner::run`] does for one that is not a file: with
    /// `ticks`, read by a reader thread; otherwise on this thread, pipelined when `pipelined`
    /// (and the sink does not want findings in order). Returns the stream's last byte and
    /// the read error that ended it, if any.
    pub(crate) fn scan_reader_into<P: Part, C: Collect<P>>(
        &self,
        mut reader: Box<dyn Read + Send>,
        name: &str,
        ticks: Option<Ticks>,
        template: &P,
        out: &mut C,
        pipelined: bool,
    ) -> Result<(Option<u8>, Option<Error>)> {
        let live = out.in_order() || ticks.is_some();
        let threads = self.pool.current_num_threads().max(1);
        let mode = StreamMode {
            pipelined: pipelined && !live,
            live,
            major: 0,
            base: 0,
            block: self.config.block_size,
            // Streams scanned side by side, one per thread, share the budget of stream
            // blocks for their long lines: more threads, shorter windows (never under 1 MiB).
            max_line: if pipelined || live {
                self.config.max_line
            } else {
                (STREAM_BUDGET / threads)
                    .max(1 << 20)
                    .min(self.config.max_line)
            },
        };
        let (last, failure) = match ticks {
            Some(ticks) => {
                let mut blocks = Timed::spawn(reader, mode.max_line, ticks);
                self.scan_stream_into(&mut blocks, mode, template, out, &|_| {})?
            }
            None => {
                let lines = LineReader::new(&mut *reader, mode.block)
                    .with_max_line(mode.max_line)
                    .with_windows();
                let mut blocks = Lines { lines, live };
                self.scan_stream_into(&mut blocks, mode, template, out, &|_| {})?
            }
        };
        Ok((
            last,
            failure.map(|(offset, e)| read_failure(name, offset, &e)),
        ))
    }

    /// Scans a borrowed stream into `out` on this thread (pipelined when `pipelined`), as
    /// [`Scanner::scan_reader_into`] does without ticks.
    pub(crate) fn scan_borrowed_into<P: Part, C: Collect<P>>(
        &self,
        reader: &mut dyn Read,
        name: &str,
        template: &P,
        out: &mut C,
        pipelined: bool,
    ) -> Result<(Option<u8>, Option<Error>)> {
        let live = out.in_order();
        let mode = StreamMode {
            pipelined: pipelined && !live,
            live,
            major: 0,
            base: 0,
            block: self.config.block_size,
            max_line: self.config.max_line,
        };
        let lines = LineReader::new(reader, mode.block)
            .with_max_line(mode.max_line)
            .with_windows();
        let mut blocks = Lines { lines, live };
        let (last, failure) = self.scan_stream_into(&mut blocks, mode, template, out, &|_| {})?;
        Ok((
            last,
            failure.map(|(offset, e)| read_failure(name, offset, &e)),
        ))
    }

    /// The read loop of content in memory: newline-aligned chunks, scanned by one worker per
    /// pool thread, each with its own part and scratch space, taking chunks in turn. A sink
    /// that wants its findings in order gets them after each small batch of chunks; others
    /// once, at the end. `done` gets each chunk's range once it is scanned (a map lets its
    /// pages go).
    pub(crate) fn scan_content_into<P: Part, C: Collect<P>>(
        &self,
        data: &[u8],
        done: &(dyn Fn(Range<usize>) + Sync),
        template: &P,
        out: &mut C,
    ) -> Result<()> {
        let in_order = out.in_order();
        let threads = self.pool.current_num_threads().max(1);
        let size = if in_order {
            // Small chunks, so that hits flow early and a batch holds little.
            self.config.chunk_size.min(1 << 20)
        } else {
            self.config.chunk_size
        };
        // The search for the end of an over-long line goes through pages of a map that will
        // not be scanned for a while: they are let go as it passes.
        let chunks = chunk::newline_aligned_with(data, size, self.config.max_line, done);
        let batch = if in_order {
            threads * 4
        } else {
            chunks.len().max(1)
        };
        for (b, group) in chunks.chunks(batch).enumerate() {
            let first = b * batch;
            let workers = threads.min(group.len());
            let mut parts: Vec<P> = (0..workers).map(|_| template.fork()).collect();
            if let [part] = &mut parts[..] {
                let mut scratch = self.take_scratch();
                for (k, range) in group.iter().enumerate() {
                    self.scan_chunk(data, range, first + k, &mut scratch, template, part, done)?;
                }
                self.give_scratch(scratch);
            } else {
                let next = AtomicUsize::new(0);
                let failed = std::sync::Mutex::new(None);
                self.pool.in_place_scope(|scope| {
                    for part in &mut parts {
                        let (next, failed) = (&next, &failed);
                        scope.spawn(move |_| {
                            let mut scratch = self.take_scratch();
                            loop {
                                let k = next.fetch_add(1, Ordering::Relaxed);
                                let Some(range) = group.get(k) else { break };
                                let r = self.scan_chunk(
                                    data,
                                    range,
                                    first + k,
                                    &mut scratch,
                                    template,
                                    part,
                                    done,
                                );
                                if let Err(e) = r {
                                    if let Ok(mut f) = failed.lock() {
                                        f.get_or_insert(e);
                                    }
                                }
                            }
                            self.give_scratch(scratch);
                        });
                    }
                });
                if let Some(e) = failed.into_inner().ok().flatten() {
                    return Err(e);
                }
            }
            for part in parts {
                out.put(part)?;
            }
            if in_order {
                out.caught_up()?;
            }
        }
        Ok(())
    }

    /// Scans chunk number `k` of content in memory into `part`, metering its bytes.
    #[allow(clippy::too_many_arguments)]
    fn scan_chunk<P: Part>(
        &self,
        data: &[u8],
        range: &Range<usize>,
        k: usize,
        scratch: &mut Scratch,
        template: &P,
        part: &mut P,
        done: &(dyn Fn(Range<usize>) + Sync),
    ) -> Result<()> {
        if range.len() > self.config.max_line {
            // A line too long to hold: read as a stream is, whole lines in blocks and the
            // long line in windows, in order. Each block is released once it has been
            // copied out, so that a map's pages do not all stay resident meanwhile.
            let mut src = &data[range.clone()];
            let mode = StreamMode {
                pipelined: false,
                live: false,
                major: k as u64,
                base: range.start as u64,
                block: self.config.block_size,
                max_line: self.config.max_line,
            };
            let lines = LineReader::new(&mut src, mode.block)
                .with_max_line(mode.max_line)
                .with_windows();
            let mut blocks = Lines { lines, live: false };
            let start = range.start;
            let released = std::sync::atomic::AtomicUsize::new(start);
            let release = |end: u64| {
                let end = start + end as usize;
                done(released.swap(end, Ordering::Relaxed)..end);
            };
            // Reading a slice cannot fail.
            self.scan_stream_into(&mut blocks, mode, template, &mut Absorb(part), &release)?;
        } else {
            let base = range.start as u64;
            self.scan_stretch(&data[range.clone()], base, (k as u64, 0), scratch, part);
        }
        if let Some(p) = &self.config.progress {
            p.fetch_add(range.len() as u64, Ordering::Relaxed);
        }
        done(range.clone());
        Ok(())
    }

    /// The read loop of a stream: blocks of whole lines (or windows of an over-long line)
    /// from `blocks`. Whole lines are scanned by the pool while the next block is read when
    /// `mode.pipelined`, else here; windows always here, in order, since a line counts each
    /// code once over its windows. Memory stays bounded by a fixed number of recycled
    /// blocks, at most [`STREAM_BUDGET`] bytes of them being scanned at once, and one window.
    /// `consumed` gets the stream offset reached after each block. Returns the last byte
    /// read and the read error that ended the stream (what was read before it is scanned).
    fn scan_stream_into<P: Part, C: Collect<P>>(
        &self,
        blocks: &mut dyn Blocks,
        mode: StreamMode,
        template: &P,
        out: &mut C,
        consumed: &dyn Fn(u64),
    ) -> Result<(Option<u8>, Option<ReadFailure>)> {
        let in_flight = if mode.pipelined {
            self.pool.current_num_threads() * 2 + 1
        } else {
            1
        };
        // Each slot carries a block and what scanning it needs: the search caches stay warm
        // from block to block, and parts are put once per slot at the end.
        let (free_tx, free_rx) = bounded::<Slot<P>>(in_flight);
        let mut stash: Vec<Slot<P>> = (0..in_flight)
            .map(|_| Slot {
                block: Vec::new(),
                scratch: self.take_scratch(),
                part: mode.pipelined.then(|| template.fork()),
                held: 0,
            })
            .collect();
        let cap = block_cap(mode.block);
        // What is scanned on this thread: windows, and every block when not pipelined.
        let mut here = template.fork();
        // Bytes handed to the pool and not yet returned.
        let mut busy = 0usize;
        let mut long = LongLine::default();
        let mut failure = None;
        let mut refused = None;
        let mut last = None;
        let mut seq = 0u64;
        self.pool.in_place_scope(|scope| loop {
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
            let piece = match blocks.next(&mut slot.block) {
                Next::Block(piece) => piece,
                Next::End => {
                    stash.push(slot);
                    break;
                }
                Next::Failed(offset, e) => {
                    stash.push(slot);
                    failure = Some((offset, e));
                    break;
                }
                Next::Tick => {
                    stash.push(slot);
                    let part = std::mem::replace(&mut here, template.fork());
                    if let Err(e) = out.put(part).and_then(|()| out.tick()) {
                        refused = Some(e);
                        break;
                    }
                    continue;
                }
            };
            last = slot.block.last().copied().or(last);
            consumed(piece.start + slot.block.len() as u64);
            let at = (mode.major, seq);
            seq += 1;
            if piece.is_window() || !mode.pipelined {
                let Slot { block, scratch, .. } = &mut slot;
                if piece.is_window() {
                    self.scan_window(block, piece, mode.base, at, &mut long, scratch, &mut here);
                } else {
                    self.scan_stretch(block, mode.base + piece.start, at, scratch, &mut here);
                }
                if !piece.continues {
                    shrink(block, cap);
                }
                stash.push(slot);
                if mode.live {
                    let part = std::mem::replace(&mut here, template.fork());
                    if let Err(e) = out.put(part).and_then(|()| out.caught_up()) {
                        refused = Some(e);
                        break;
                    }
                }
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
            let base = mode.base + piece.start;
            scope.spawn(move |_| {
                let Slot {
                    block,
                    scratch,
                    part,
                    ..
                } = &mut slot;
                if let Some(part) = part {
                    self.scan_stretch(block, base, at, scratch, part);
                }
                // A block grown by a long line goes back to the usual size, so that idle
                // slots do not keep it.
                shrink(block, cap);
                let _ = free_tx.send(slot);
            });
        });
        drop(free_tx);
        let mut parts = vec![here];
        for slot in stash.into_iter().chain(free_rx.try_iter()) {
            parts.extend(slot.part);
            self.give_scratch(slot.scratch);
        }
        if let Some(e) = refused {
            return Err(e);
        }
        for part in parts {
            out.put(part)?;
        }
        out.caught_up()?;
        Ok((last, failure))
    }

    /// Scans one stretch of whole lines, `data` at input offset `base`, into `part`. When
    /// hits need a time, each hit line is dated as far as the stretch tells.
    pub(crate) fn scan_stretch<P: Part>(
        &self,
        data: &[u8],
        base: u64,
        seq: Seq,
        scratch: &mut Scratch,
        part: &mut P,
    ) -> Extent {
        let year = self.config.year;
        let mut clock = part.needs_time().then(Clock::default);
        let mut newlines = 0;
        // Lines are counted piece by piece, right after the piece is scanned, while it is
        // still in the core's cache: a second pass over a whole chunk would read it from memory.
        for range in chunk::newline_aligned(data, CACHED_PIECE) {
            let start = range.start;
            let piece = &data[range];
            let mut lines = LineCounter::new(newlines);
            let at_base = base + start as u64;
            match &mut clock {
                None => self.matcher.find_lines(piece, scratch, |line| {
                    let at = At {
                        data: piece,
                        base: at_base,
                        line: lines.number::<P>(piece, line.start),
                        time: Dated::Untimed,
                    };
                    for hit in line.hits {
                        part.hit(hit, &at);
                    }
                }),
                // Only lines with a hit need a time, which keeps its extraction off the hot
                // path.
                Some(clock) => self.matcher.find_lines(piece, scratch, |line| {
                    let t = clock.line(data, start + line.start, start + line.end, year);
                    let at = At {
                        data: piece,
                        base: at_base,
                        line: lines.number::<P>(piece, line.start),
                        time: t.map_or(Dated::Leading, Dated::At),
                    };
                    for hit in line.hits {
                        part.hit(hit, &at);
                    }
                }),
            }
            newlines += bytecount::count(piece, b'\n') as u64;
        }
        let extent = Extent {
            bytes: data.len() as u64,
            newlines,
        };
        let last = clock.and_then(|c| c.finish(data, year));
        part.end_stretch(Stretch { seq, extent, last });
        extent
    }

    /// Scans a window of an over-long line, reporting the hits it owns that the line has not
    /// had yet: every code whose match fits in [`MAX_MATCH`](crate::input::line_buffer::MAX_MATCH)
    /// is found exactly once, and the line counts each code once, as a shorter line does.
    /// A window's hits take the time at the line's start, or, when it has none, the time
    /// carried from the lines before it.
    #[allow(clippy::too_many_arguments)]
    fn scan_window<P: Part>(
        &self,
        data: &[u8],
        piece: Piece,
        base: u64,
        seq: Seq,
        long: &mut LongLine,
        scratch: &mut Scratch,
        part: &mut P,
    ) -> Extent {
        let timed = part.needs_time();
        if piece.overlap == 0 {
            long.seen.clear();
            long.time = timed
                .then(|| timestamp::line_time(data, self.config.year))
                .flatten();
        }
        let time = match (timed, long.time) {
            (false, _) => Dated::Untimed,
            (true, Some(t)) => Dated::At(t),
            (true, None) => Dated::Leading,
        };
        let owned = piece.owned(data.len());
        let at_base = base + piece.start;
        let mut lines = LineCounter::new(0);
        self.matcher.find_lines(data, scratch, |line| {
            let at = At {
                data,
                base: at_base,
                line: lines.number::<P>(data, line.start),
                time,
            };
            for hit in line.hits {
                if owned.contains(&hit.offset) && long.first(&hit.code) {
                    part.hit(hit, &at);
                }
            }
        });
        let new = &data[piece.overlap..];
        let extent = Extent {
            bytes: new.len() as u64,
            newlines: bytecount::count(new, b'\n') as u64,
        };
        let last = if timed { long.time } else { None };
        part.end_stretch(Stretch { seq, extent, last });
        extent
    }
}

/// The line numbers of hit lines within a stretch, counted only for parts that want them.
struct LineCounter {
    /// Newlines before `counted_to`.
    newlines: u64,
    counted_to: usize,
}

impl LineCounter {
    fn new(newlines: u64) -> LineCounter {
        LineCounter {
            newlines,
            counted_to: 0,
        }
    }

    /// The 1-based number of the line starting at `start` of `piece` (0 when `P` does not
    /// want line numbers). Lines are asked for in order.
    #[inline]
    fn number<P: Part>(&mut self, piece: &[u8], start: usize) -> u64 {
        if !P::LINE_NUMBERS {
            return 0;
        }
        let from = self.counted_to.min(start);
        self.newlines += bytecount::count(&piece[from..start], b'\n') as u64;
        self.counted_to = start;
        self.newlines + 1
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
