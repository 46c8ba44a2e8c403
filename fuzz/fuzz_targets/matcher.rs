//! Fuzzes the matcher, the chunker and the scan driver with arbitrary bytes and scanner
//! options, checking what must hold for any input:
//!
//! - nothing panics (matcher, chunker, timestamp reading, both scan paths, both hit paths);
//! - `Scanner::scan_bytes` == `Scanner::scan_stream` == a line-by-line reference that hands
//!   each `\n`-separated line alone to `Matcher::find_lines`: chunking, blocks, short reads
//!   and threads never change a count;
//! - one `find_lines` call over the whole input gives the same hits as the reference, line by
//!   line, and every hit lies in its line, and for a known code the text at its offset is the
//!   annotated code (or the documented name, for a rule that looks names up);
//! - the extents count every byte and every `\n`, and so does the progress counter of
//!   in-memory content (a stream's bytes are metered where it is opened, not by `scan_stream`);
//! - `chunk::newline_aligned` ranges are contiguous, non-empty, cover the input and end just
//!   after a `\n`, except the last;
//! - the `--hits` paths (`hits_bytes`, `hits_stream`) report the reference's hits, in order,
//!   with the right line numbers.
//!
//! The catalog and the reference matchers (one per vendor filter) are built once per process.
//! A scanner's options are fixed when it is built, and building one (an Aho-Corasick DFA, a
//! rayon pool of 1 to 3 threads) costs more than scanning a small input, so the last few
//! scanners are kept and reused for inputs with the same options (see [`with_scanner`]).
//!
//! The sanitizer is off in `.ci/fuzz` (`--sanitizer none`): the code under test is safe Rust,
//! and AddressSanitizer with its leak checks made each execution about 5 times slower.

#![no_main]

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arbitrary::{Arbitrary, Unstructured};
use errscan::catalog::Lookup;
use errscan::input::chunk;
use errscan::matcher::{Hit, Scratch};
use errscan::report::counts::Counts;
use errscan::report::timestamp::{self, Granularity};
use errscan::report::Annotation;
use errscan::{Catalog, CodeRef, Matcher, ScanConfig, Scanner, VendorId};
use libfuzzer_sys::fuzz_target;

/// A size in 1..=4096 bytes (chunk, block, or the most one `read` returns).
#[derive(Clone, Copy, Debug)]
struct Size(usize);

impl<'a> Arbitrary<'a> for Size {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Size> {
        Ok(Size(u.int_in_range(1..=4096)?))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (2, Some(2))
    }
}

/// Worker threads, 1..=3 (the machine has 2 cores; 3 oversubscribes on purpose).
#[derive(Clone, Copy, Debug)]
struct Threads(usize);

impl<'a> Arbitrary<'a> for Threads {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Threads> {
        Ok(Threads(u.int_in_range(1..=3)?))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(1))
    }
}

/// The time grouping of a scan, mirrored from `Granularity` (which is not `Arbitrary`).
#[derive(Clone, Copy, Debug, Arbitrary)]
enum Time {
    Minute,
    Hour,
    Day,
}

impl From<Time> for Granularity {
    fn from(t: Time) -> Granularity {
        match t {
            Time::Minute => Granularity::Minute,
            Time::Hour => Granularity::Hour,
            Time::Day => Granularity::Day,
        }
    }
}

/// One fuzz input. The options come first and the log takes the rest, so a file of raw log
/// bytes is a valid input too (its first few bytes become options).
#[derive(Debug, Arbitrary)]
struct Case {
    chunk_size: Size,
    block_size: Size,
    /// The most bytes one `read` of the stream hands back, to split lines across reads.
    read_size: Size,
    threads: Threads,
    /// `None`: every vendor; else bit `i` keeps the catalog's vendor `i` (an empty set is
    /// allowed: it must report nothing).
    vendors: Option<u8>,
    /// Time buckets, with the year for syslog stamps.
    time: Option<(Time, i16)>,
    /// Every byte left, as is (a derived `Vec<u8>` would spend a continuation byte per byte).
    #[arbitrary(with = rest)]
    log: Log,
}

fn rest(u: &mut Unstructured<'_>) -> arbitrary::Result<Log> {
    Ok(Log(u.bytes(u.len())?.to_vec()))
}

/// The log bytes, shown as an escaped byte string in crash reports (`cargo fuzz fmt`).
struct Log(Vec<u8>);

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: String = self.0.escape_ascii().to_string();
        write!(f, "b\"{text}\"")
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().expect("the embedded catalog loads"))
}

/// The vendor filter a mask selects, and its index among all the masks (0 for no filter).
fn vendor_filter(mask: Option<u8>) -> (Option<Vec<VendorId>>, usize) {
    let n = catalog().vendors().len().min(8);
    match mask {
        None => (None, 0),
        Some(m) => {
            let m = usize::from(m) & ((1 << n) - 1);
            let ids = (0..n)
                .filter(|i| m & (1 << i) != 0)
                .map(|i| VendorId::try_from(i).expect("vendor index fits"))
                .collect();
            (Some(ids), 1 + m)
        }
    }
}

/// The reference matcher for a vendor filter, built once per filter.
fn reference_matcher(mask: Option<u8>) -> &'static Matcher<'static> {
    static MATCHERS: OnceLock<Vec<OnceLock<Matcher<'static>>>> = OnceLock::new();
    let all = MATCHERS.get_or_init(|| (0..=256).map(|_| OnceLock::new()).collect());
    let (vendors, index) = vendor_filter(mask);
    all[index].get_or_init(|| Matcher::new(catalog(), vendors).expect("the matcher builds"))
}

/// A reader that hands back at most `max` bytes per call.
struct Trickle<'a> {
    data: &'a [u8],
    max: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Where the line of `data` that starts at `start` ends, before its `\n` and one trailing
/// `\r` (as `Matcher::find_lines` defines a line).
fn line_end(data: &[u8], start: usize) -> usize {
    let nl = data[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| start + i);
    if nl > start && data[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// The time bucket of the hit line `data[start..end]`, as the scanner computes it: the time
/// of the line itself, else of the last line before it in the input that has one (a
/// continuation line: a stack trace, a body printed after its dated line), else none.
fn bucket(data: &[u8], start: usize, end: usize, time: Option<(Time, i16)>) -> Option<i64> {
    let (g, year) = time?;
    let own = timestamp::line_time(&data[start..end], year);
    let t = own.or_else(|| {
        data[..start]
            .split(|&b| b == b'\n')
            .rev()
            .find_map(|line| timestamp::line_time(line, year))
    })?;
    Some(timestamp::bucket_start(t, g.into()))
}

/// Checks one hit of the line `data[start..end]`.
fn check_hit(data: &[u8], start: usize, end: usize, hit: &Hit) {
    let cat = catalog();
    assert!(
        start <= hit.matched.start && hit.matched.end <= end,
        "match {:?} outside its line {start}..{end}",
        hit.matched
    );
    assert!(
        hit.matched.start <= hit.offset && hit.offset <= hit.matched.end,
        "code offset {} outside its match {:?}",
        hit.offset,
        hit.matched
    );
    let rule = &cat.rules()[hit.rule];
    let at = &data[hit.offset..end];
    match &hit.code {
        CodeRef::Known(id) | CodeRef::Attributed { entry: id, .. } => {
            let entry = cat.entry(*id);
            let annotated = Annotation::of(cat, &hit.code).code;
            assert_eq!(annotated, entry.code, "annotation of {:?}", hit.code);
            let expected = match rule.lookup {
                Lookup::Code => annotated,
                Lookup::Name => entry.name.as_deref().expect("a name lookup found a name"),
            };
            assert!(
                at.starts_with(expected.as_bytes()),
                "hit {:?} of rule {} at {}: text {:?} does not start with {expected:?}",
                hit.code,
                rule.origin,
                hit.offset,
                String::from_utf8_lossy(&at[..at.len().min(expected.len() + 8)]),
            );
        }
        CodeRef::Unknown { code, .. } => {
            // A code that was not UTF-8 is reported lossily and cannot be compared.
            if !code.contains('\u{FFFD}') {
                assert!(
                    at.starts_with(code.as_bytes()),
                    "unknown code {code:?} of rule {} is not the text at {}",
                    rule.origin,
                    hit.offset
                );
            }
        }
    }
}

/// The hits of each line with one, as (line start, line end, hits with input offsets),
/// finding them one line at a time: the reference for every other path.
type LineRecord = (usize, usize, Vec<Hit>);

fn reference(matcher: &Matcher<'_>, data: &[u8], scratch: &mut Scratch) -> Vec<LineRecord> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in data.split(|&b| b == b'\n') {
        matcher.find_lines(line, scratch, |lh| {
            assert_eq!(lh.start, 0, "a lone line's hits start at 0");
            let hits = lh
                .hits
                .iter()
                .map(|h| Hit {
                    offset: h.offset + start,
                    matched: h.matched.start + start..h.matched.end + start,
                    ..h.clone()
                })
                .collect();
            out.push((start, start + lh.end, hits));
        });
        start += line.len() + 1;
    }
    out
}

fn check_chunks(data: &[u8], target: usize) {
    let chunks = chunk::newline_aligned(data, target);
    let mut next = 0;
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.start, next, "chunks must be contiguous: {chunks:?}");
        assert!(c.end > c.start, "chunks must not be empty: {chunks:?}");
        if i + 1 < chunks.len() {
            assert_eq!(
                data[c.end - 1],
                b'\n',
                "inner chunk {c:?} must end after a newline"
            );
        }
        next = c.end;
    }
    assert_eq!(next, data.len(), "chunks must cover the input");
}

/// The options a scanner is built with: threads, chunk size, block size, vendor filter index,
/// time grouping.
type ScanKey = (usize, usize, usize, usize, Option<(Granularity, i16)>);

/// A built scanner and its progress counter.
struct CachedScanner {
    key: ScanKey,
    scanner: Scanner<'static>,
    progress: Arc<AtomicU64>,
}

/// How many scanners are kept (each holds an idle pool of up to 3 threads).
const CACHED_SCANNERS: usize = 4;

/// Runs `f` with a scanner built with the options of `case`. Building one costs more than
/// scanning a small input (an Aho-Corasick DFA and a rayon pool), and the options are fixed at
/// construction; but most mutations leave the options (the first bytes of an input) alone, so
/// the last few scanners are kept and reused while their options repeat. A scanner holds no
/// state between scans but its progress counter, which `f` resets: an input reproduces the
/// same way in a fresh process.
fn with_scanner(case: &Case, f: impl FnOnce(&Scanner<'static>, &AtomicU64)) {
    static CACHE: Mutex<Vec<CachedScanner>> = Mutex::new(Vec::new());
    let (vendors, filter) = vendor_filter(case.vendors);
    let time = case.time.map(|(g, year)| (Granularity::from(g), year));
    let key = (
        case.threads.0,
        case.chunk_size.0,
        case.block_size.0,
        filter,
        time,
    );
    let lock = || CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    let cached = {
        let mut cache = lock();
        let found = cache.iter().position(|c| c.key == key);
        found.map(|i| cache.remove(i))
    };
    let entry = cached.unwrap_or_else(|| {
        let progress = Arc::new(AtomicU64::new(0));
        let config = ScanConfig {
            threads: key.0,
            chunk_size: key.1,
            block_size: key.2,
            time: time.map(|(g, _)| g),
            year: time.map_or(1970, |(_, year)| year),
            progress: Some(Arc::clone(&progress)),
            ..ScanConfig::default()
        };
        let matcher = Matcher::new(catalog(), vendors).expect("the matcher builds");
        CachedScanner {
            key,
            scanner: Scanner::new(matcher, config).expect("the pool starts"),
            progress,
        }
    });
    f(&entry.scanner, &entry.progress);
    let mut cache = lock();
    cache.insert(0, entry);
    cache.truncate(CACHED_SCANNERS);
}

fuzz_target!(|case: Case| {
    let data = &case.log.0[..];
    let cat = catalog();
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;

    check_chunks(data, case.chunk_size.0);

    // The reference: one line at a time.
    let matcher = reference_matcher(case.vendors);
    let mut scratch = Scratch::default();
    let expected = reference(matcher, data, &mut scratch);
    let mut want = Counts::new(cat.entries().len());
    for (start, end, hits) in &expected {
        let b = bucket(data, *start, *end, case.time);
        for h in hits {
            check_hit(data, *start, *end, h);
            want.add_n(&h.code, b, 1);
        }
        for (i, h) in hits.iter().enumerate() {
            assert!(
                hits[..i]
                    .iter()
                    .all(|g| g.code != h.code && g.offset <= h.offset),
                "a line's hits are ordered by offset, one per code: {hits:?}"
            );
        }
    }

    // The whole input in one call gives the same lines and hits.
    let mut whole = Vec::new();
    matcher.find_lines(data, &mut scratch, |lh| {
        assert!(
            lh.start == 0 || data[lh.start - 1] == b'\n',
            "line start {}",
            lh.start
        );
        assert_eq!(
            lh.end,
            line_end(data, lh.start),
            "line end of the line at {}",
            lh.start
        );
        whole.push((lh.start, lh.end, lh.hits.to_vec()));
    });
    assert_eq!(
        whole, expected,
        "one call over the input != one call per line"
    );

    // The scanner, both ways.
    with_scanner(&case, |scanner, progress| {
        progress.store(0, Ordering::Relaxed);
        let (counts, extent) = scanner.scan_bytes(data);
        assert_eq!(extent.bytes, data.len() as u64, "scan_bytes extent bytes");
        assert_eq!(extent.newlines, newlines, "scan_bytes extent newlines");
        assert_eq!(
            progress.load(Ordering::Relaxed),
            data.len() as u64,
            "scan_bytes progress"
        );
        assert_eq!(counts, want, "scan_bytes counts != reference counts");

        let mut reader = Trickle {
            data,
            max: case.read_size.0,
        };
        let (counts, extent, failure) = scanner.scan_stream(&mut reader, "fuzz");
        assert!(failure.is_none(), "scan_stream failed: {failure:?}");
        assert_eq!(extent.bytes, data.len() as u64, "scan_stream extent bytes");
        assert_eq!(extent.newlines, newlines, "scan_stream extent newlines");
        assert_eq!(
            progress.load(Ordering::Relaxed),
            data.len() as u64,
            "scan_stream of a reader errscan did not open meters nothing"
        );
        assert_eq!(counts, want, "scan_stream counts != reference counts");

        // The `--hits` paths: the reference's hits, in order, with 1-based line numbers.
        let flat: Vec<(u64, u64, &CodeRef)> = expected
            .iter()
            .flat_map(|(start, _, hits)| {
                let line = 1 + data[..*start].iter().filter(|&&b| b == b'\n').count() as u64;
                hits.iter().map(move |h| (line, h.offset as u64, &h.code))
            })
            .collect();
        let mut records = Vec::new();
        let extent = scanner
            .hits_bytes(data, &mut |r| {
                records.push(r);
                Ok(())
            })
            .expect("collecting hits does not fail");
        assert_eq!(extent.bytes, data.len() as u64, "hits_bytes extent bytes");
        assert_eq!(extent.newlines, newlines, "hits_bytes extent newlines");
        let got: Vec<(u64, u64, &CodeRef)> = records
            .iter()
            .map(|r| (r.line, r.offset, &r.code))
            .collect();
        assert_eq!(got, flat, "hits_bytes != reference hits");

        let mut reader = Trickle {
            data,
            max: case.read_size.0,
        };
        let mut records = Vec::new();
        let (extent, failure) = scanner
            .hits_stream(&mut reader, "fuzz", &mut |r| {
                records.push(r);
                Ok(())
            })
            .expect("collecting hits does not fail");
        assert!(failure.is_none(), "hits_stream failed: {failure:?}");
        assert_eq!(extent.bytes, data.len() as u64, "hits_stream extent bytes");
        assert_eq!(extent.newlines, newlines, "hits_stream extent newlines");
        let got: Vec<(u64, u64, &CodeRef)> = records
            .iter()
            .map(|r| (r.line, r.offset, &r.code))
            .collect();
        assert_eq!(got, flat, "hits_stream != reference hits");
    });
});
