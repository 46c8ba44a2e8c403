//! Scanning: one driver runs the [`Matcher`] over inputs and pushes what it finds into a
//! sink.
//!
//! | file | owns |
//! |---|---|
//! | [`driver`] | opening inputs, the read loop of each source kind (content in memory in parallel chunks, streams in pipelined blocks), long-line windows, the scratch pool |
//! | [`sink`] | the [`Sink`] and [`Part`] traits and the events the driver sends |
//! | [`counts`] | [`CountSink`]: counts per code (and time bucket) into a [`Report`] |
//! | [`hits`] | [`HitSink`]: hit records in input order, for `--hits` |
//! | [`windows`] | [`WindowSink`]: counts per wall-clock window of a live stream, for `--every` |
//! | [`lines`] | one input line by line, for `errscan explain` |
//! | `time` | dating hits exactly across stretches scanned in parallel |
//!
//! Content in memory (a map or a small file) is cut into newline-aligned chunks scanned by
//! the pool. A stream (standard input, a FIFO, a file that is not mapped) is read in large
//! blocks on the calling thread while the pool scans the previous blocks; a fixed set of
//! recycled buffers, and a budget of [`STREAM_BUDGET`] bytes for the blocks being scanned,
//! bound memory. Each thread scans into its own [`Part`] of the sink; parts are combined
//! once per thread, never shared on the hot path.
//!
//! A line longer than [`MAX_HELD_LINE`](crate::input::line_buffer::MAX_HELD_LINE) is never
//! held whole: it is scanned in overlapping windows of that size, in order, on the reading
//! thread (see [`crate::input::line_buffer`]). Every code whose match is at most
//! [`MAX_MATCH`](crate::input::line_buffer::MAX_MATCH) bytes long is found exactly once, and
//! the line counts each (vendor, code) once, as a shorter line does; what a rule reads beyond
//! the match itself on the rest of the line (a vendor named elsewhere on it, to which an
//! OAuth code is attributed, or another vendor's envelope claiming the line) is read within
//! the window the code is in. Hits in later windows take the time at the line's start.

use std::io::Read;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use crate::catalog::Catalog;
use crate::error::{BuildError, Error, Result};
use crate::input::line_buffer::MAX_HELD_LINE;
use crate::input::{Input, MmapPolicy};
use crate::matcher::{CodeRef, Matcher, Scratch};
use crate::report::counts::{Counts, Extent, DEFAULT_UNKNOWN_CAP};
use crate::report::timestamp::Granularity;
use crate::report::window::Window;
use crate::report::{HitRecord, Report};

pub mod counts;
mod driver;
pub mod hits;
pub mod lines;
pub mod sink;
mod time;
pub mod windows;

pub use counts::{CountPart, CountSink};
pub use hits::{HitOutput, HitPart, HitSink};
pub use sink::{At, Dated, InputEnd, Part, Seq, Sink, Stretch, Ticks};
pub use windows::WindowSink;

use driver::Gather;
use time::Timing;

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

/// The most bytes of stream blocks being scanned at once (64 MiB): 16 blocks of the default
/// 4 MiB, or fewer larger ones (blocks of long lines), so that memory does not grow with the
/// number of threads times the longest line.
pub const STREAM_BUDGET: usize = 64 << 20;

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
            .map_err(|source| BuildError::Threads {
                threads: config.threads,
                source,
            })?;
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

    /// How hits are placed in time, by this scanner's configuration.
    pub(crate) fn timing(&self) -> Timing {
        Timing {
            granularity: self.config.time,
            window: self.config.window,
        }
    }

    /// Scans every input into one report of counts ([`CountSink`]). An input that cannot
    /// be read is named in `summary.errors` and the others are still scanned. Files are
    /// scanned in parallel with each other (and each one in parallel chunks); standard input
    /// and other pipes are read on this thread, after the files, with the pool scanning their
    /// blocks.
    pub fn scan_inputs(&self, inputs: &[Input]) -> Report {
        let mut sink = CountSink::new(self);
        if let Err(e) = self.run(inputs, &mut sink) {
            sink.fail(&e);
        }
        sink.finish()
    }

    /// Counts the hits of in-memory content, in parallel over newline-aligned chunks.
    pub fn scan_bytes(&self, data: &[u8]) -> (Counts, Extent) {
        let template = CountPart::new(self);
        let mut part = None;
        // Counting into a part cannot fail: there is no output to close.
        let _ = self.scan_content_into(data, &|_| {}, &template, &mut Gather(&mut part));
        part.unwrap_or_else(|| template.fork()).resolve()
    }

    /// Counts the hits of a stream read in blocks on this thread while the pool scans
    /// earlier blocks. A read error ends the stream; what was read before it is counted and
    /// the error is returned beside the counts.
    pub fn scan_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
    ) -> (Counts, Extent, Option<Error>) {
        let template = CountPart::new(self);
        let mut part = None;
        let failure =
            match self.scan_borrowed_into(reader, name, &template, &mut Gather(&mut part), true) {
                Ok((_, failure)) => failure,
                Err(e) => Some(e),
            };
        let (counts, extent) = part.unwrap_or_else(|| template.fork()).resolve();
        (counts, extent, failure)
    }

    /// Finds the hits of in-memory content ([`HitSink`]), in input order, in parallel
    /// batches of chunks.
    ///
    /// # Errors
    /// When `emit` fails.
    pub fn hits_bytes(
        &self,
        data: &[u8],
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<Extent> {
        let mut sink = HitSink::new(self, Emit { emit, error: None });
        self.run_bytes("", data, &mut sink)?;
        Ok(sink.extent())
    }

    /// Finds the hits of a stream ([`HitSink`]) as soon as each line is complete, so that a
    /// live pipe (`tail -F | errscan scan --hits`) shows them at once. Returns the extent
    /// read and the read error that ended the stream, if any.
    ///
    /// # Errors
    /// When `emit` fails.
    pub fn hits_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
        emit: &mut dyn FnMut(HitRecord) -> Result<()>,
    ) -> Result<(Extent, Option<Error>)> {
        let mut sink = HitSink::new(self, Emit { emit, error: None });
        self.run_reader(name, reader, &mut sink)?;
        let extent = sink.extent();
        Ok((extent, sink.into_output().error))
    }

    /// Scans a live stream in windows of `every` (wall-clock time) with a [`WindowSink`]:
    /// when a window closes, `on_window` gets the counts of the lines completed in it and the
    /// window's end (the clock when it closed, to the nanosecond, and always later than the
    /// previous window's end), then the next window starts. A reader thread feeds the scan so
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
        reader: Box<dyn Read + Send>,
        name: &str,
        every: std::time::Duration,
        stop: &crossbeam_channel::Receiver<()>,
        on_window: &mut dyn FnMut(&Report, std::time::SystemTime) -> Result<()>,
    ) -> Result<Option<Error>> {
        let ticks = Ticks {
            every,
            stop: stop.clone(),
        };
        let mut sink = WindowSink::new(self, ticks, |r: &Report, end| on_window(r, end));
        self.run_stream(name, reader, &mut sink)?;
        Ok(sink.into_error())
    }
}

/// A [`HitOutput`] that hands each hit to a closure and keeps the read error of its input.
struct Emit<'a> {
    emit: &'a mut dyn FnMut(HitRecord) -> Result<()>,
    error: Option<Error>,
}

impl HitOutput for Emit<'_> {
    fn hit(&mut self, _input: &str, hit: HitRecord) -> Result<()> {
        (self.emit)(hit)
    }

    fn failed(&mut self, _input: &str, error: Error) {
        self.error = Some(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};
    use std::sync::atomic::Ordering;

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
            // Read on a pool thread, as one of many files: blocks scanned where they are read.
            let template = CountPart::new(&s);
            let mut part = None;
            let mut reader: &[u8] = &data;
            s.pool
                .install(|| {
                    s.scan_borrowed_into(&mut reader, "x", &template, &mut Gather(&mut part), false)
                })
                .unwrap();
            let (got, extent) = part.unwrap().resolve();
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
