//! Throughput benchmarks of errscan's hot paths, reported in bytes per second.
//!
//! ```text
//! cargo bench --bench scan
//! # shorter, for a shared or busy machine:
//! cargo bench --bench scan -- --warm-up-time 1 --measurement-time 3
//! # one group only:
//! cargo bench --bench scan -- matcher/
//! ```
//!
//! Every benchmark reads the same ~32 MiB log held in memory, so the numbers measure CPU work
//! and never the disk. It is built once, before any timing, from the files in `sample-logs/`:
//! their records (a line plus its indented stack-trace lines) are interleaved in a
//! pseudo-random but fixed order, as if several services logged to one file, and every
//! `HH:MM:SS` time is rewritten from a simulated clock so that repeats are not byte-identical.
//! The result mixes vendor error lines of all six vendors with much more noise (access logs,
//! Java logs, JSON from unrelated services, CRLF lines from WSO2).
//!
//! - `matcher/find_lines`: [`Matcher::find_lines`] on one thread over the whole log, the cost
//!   of the anchor prefilter plus confirming candidate lines with the rules' regexes.
//! - `scan/bytes`: [`Scanner::scan_bytes`] end to end with the default configuration (one
//!   thread per core): chunking, matching, confirming and merging per-code counts.
//! - `scan/stream`: [`Scanner::scan_stream`] over the same bytes through a `&[u8]` reader: the
//!   block reading, line carry-over and buffer recycling of the streaming path, without any
//!   I/O wait.
//! - `files/*`: the per-file cost. The same bytes cut at line ends into 1,000 pieces of about
//!   32 KiB: `files/1000_files` scans them as 1,000 files of a temporary directory (in the
//!   page cache) with [`Scanner::scan_inputs`], `files/one_file` the same bytes as one file,
//!   and `files/1000_slices` calls [`Scanner::scan_bytes`] on each piece in memory. The
//!   difference between the first two, divided by 1,000, is what a file costs beyond its bytes.
//! - `chunk/newline_aligned/*`: [`chunk::newline_aligned`] alone, at the default chunk size
//!   and at 64 KiB. Its cost grows with the number of cuts (one short `memchr` each), not
//!   with the bytes, so its bytes per second are nominal: they show that cutting is
//!   negligible next to matching, nothing more.
//!
//! The expected answer is computed before timing, record by record from the sample files, and
//! each timed loop asserts its own result against it, so a broken matcher or scanner makes the
//! benchmark fail instead of reporting a fast but wrong number.

use std::fs;
use std::hint::black_box;
use std::path::Path;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use errscan::input::chunk;
use errscan::matcher::Scratch;
use errscan::{Catalog, CodeRef, Counts, Input, Matcher, ScanConfig, Scanner};

/// How many files the per-file benchmarks cut the log into.
const SMALL_FILES: usize = 1000;

/// Size the generated log reaches (it stops after the record that crosses it).
const TARGET_BYTES: usize = 32 << 20;
/// Seed of the record interleaving and of the simulated clock.
const SEED: u64 = 0x5EED_E225_BE4C_0032;
/// 03:14:07, the time the sample logs start at, in seconds since midnight.
const CLOCK_START: u64 = 3 * 3600 + 14 * 60 + 7;

/// The in-memory log and its answer.
struct Corpus {
    data: Vec<u8>,
    /// Hits `find_lines` and the scanner must report.
    hits: u64,
    /// The same hits, per code.
    counts: Counts,
    /// Newlines in `data`.
    newlines: u64,
}

/// A record of a sample file: one line and the indented continuation lines after it.
struct Record {
    text: Vec<u8>,
    hits: Vec<CodeRef>,
}

/// A fixed-seed splitmix64, so the log is the same on every run and every machine.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476C_E9E7_5B5B);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Reads `sample-logs/*.log` (sorted by name) and splits each file into records, with the hits
/// the matcher finds in each record on its own.
fn sample_records(matcher: &Matcher<'_>) -> Vec<Vec<Record>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("sample-logs entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .log file in {}", dir.display());
    let mut scratch = Scratch::default();
    paths
        .iter()
        .map(|path| {
            let mut text =
                fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            if text.last().is_some_and(|&b| b != b'\n') {
                text.push(b'\n');
            }
            let mut records: Vec<Vec<u8>> = Vec::new();
            for line in text.split_inclusive(|&b| b == b'\n') {
                match records.last_mut() {
                    Some(last) if line.starts_with(b"\t") || line.starts_with(b" ") => {
                        last.extend_from_slice(line);
                    }
                    _ => records.push(line.to_vec()),
                }
            }
            records
                .into_iter()
                .map(|text| {
                    let mut hits = Vec::new();
                    matcher.find_lines(&text, &mut scratch, |line| {
                        hits.extend(line.hits.iter().map(|h| h.code.clone()));
                    });
                    Record { text, hits }
                })
                .collect()
        })
        .collect()
}

/// Rewrites every `HH:MM:SS` in `text` (not part of a longer run of digits and colons) to the
/// time `clock` seconds after midnight.
fn restamp(text: &mut [u8], clock: u64) {
    let clock = clock % 86_400;
    let stamp = [clock / 3600, clock / 60 % 60, clock % 60];
    let is_time_byte = |b: u8| b.is_ascii_digit() || b == b':';
    let mut i = 0;
    while i + 8 <= text.len() {
        let w = &text[i..i + 8];
        let shaped = w.iter().enumerate().all(|(j, &b)| {
            if j % 3 == 2 {
                b == b':'
            } else {
                b.is_ascii_digit()
            }
        });
        let bounded = (i == 0 || !is_time_byte(text[i - 1]))
            && text.get(i + 8).is_none_or(|&b| !is_time_byte(b));
        if shaped && bounded {
            for (k, part) in stamp.iter().enumerate() {
                text[i + 3 * k] = b'0' + (part / 10) as u8;
                text[i + 3 * k + 1] = b'0' + (part % 10) as u8;
            }
            i += 8;
        } else {
            i += 1;
        }
    }
}

/// Builds the log and its answer.
fn corpus(matcher: &Matcher<'_>, entries: usize) -> Corpus {
    let files = sample_records(matcher);
    let mut rng = SplitMix64(SEED);
    let mut cursors = vec![0usize; files.len()];
    let mut clock = CLOCK_START;
    let mut data = Vec::with_capacity(TARGET_BYTES + (1 << 16));
    let mut counts = Counts::new(entries);
    let mut hits = 0u64;
    while data.len() < TARGET_BYTES {
        let f = rng.below(files.len());
        let record = &files[f][cursors[f]];
        cursors[f] = (cursors[f] + 1) % files[f].len();
        clock += rng.below(3) as u64;
        let start = data.len();
        data.extend_from_slice(&record.text);
        restamp(&mut data[start..], clock);
        hits += record.hits.len() as u64;
        for code in &record.hits {
            counts.add(code);
        }
    }
    assert!(hits > 0, "the sample logs produced no hit");
    // The clock rewrite must not change what a record holds; check it once, untimed.
    assert_eq!(
        count_hits(matcher, &data, &mut Scratch::default()),
        hits,
        "the generated log's hits differ from the sample records' hits"
    );
    let newlines = bytecount::count(&data, b'\n') as u64;
    Corpus {
        data,
        hits,
        counts,
        newlines,
    }
}

fn count_hits(matcher: &Matcher<'_>, data: &[u8], scratch: &mut Scratch) -> u64 {
    let mut hits = 0u64;
    matcher.find_lines(data, scratch, |line| hits += line.hits.len() as u64);
    hits
}

fn benches(c: &mut Criterion) {
    let catalog = Catalog::embedded().expect("the embedded catalog loads");
    let matcher = Matcher::new(&catalog, None).expect("the embedded catalog compiles");
    let corpus = corpus(&matcher, catalog.entries().len());
    let data = corpus.data.as_slice();
    let bytes = Throughput::Bytes(data.len() as u64);
    eprintln!(
        "bench input: {} bytes, {} lines, {} hits",
        data.len(),
        corpus.newlines,
        corpus.hits
    );

    // One pass takes tens of milliseconds: few samples, each of the same iteration count.
    let mut group = c.benchmark_group("matcher");
    group
        .throughput(bytes.clone())
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat);
    let mut scratch = Scratch::default();
    group.bench_function("find_lines", |b| {
        b.iter(|| {
            let hits = count_hits(&matcher, black_box(data), &mut scratch);
            assert_eq!(
                hits, corpus.hits,
                "find_lines found a different number of hits"
            );
            hits
        })
    });
    group.finish();

    let config = ScanConfig::default();
    let chunk_size = config.chunk_size;
    let scanner = Scanner::new(
        Matcher::new(&catalog, None).expect("the embedded catalog compiles"),
        config,
    )
    .expect("the thread pool starts");
    let mut group = c.benchmark_group("scan");
    group
        .throughput(bytes.clone())
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat);
    group.bench_function("bytes", |b| {
        b.iter(|| {
            let (counts, extent) = scanner.scan_bytes(black_box(data));
            assert_eq!(counts.total(), corpus.hits, "scan_bytes total differs");
            assert!(counts == corpus.counts, "scan_bytes per-code counts differ");
            assert_eq!(extent.newlines, corpus.newlines);
            counts
        })
    });
    group.bench_function("stream", |b| {
        b.iter(|| {
            let mut reader: &[u8] = black_box(data);
            let (counts, extent, error) = scanner.scan_stream(&mut reader, "bench");
            assert!(error.is_none(), "scan_stream failed: {error:?}");
            assert_eq!(counts.total(), corpus.hits, "scan_stream total differs");
            assert!(
                counts == corpus.counts,
                "scan_stream per-code counts differ"
            );
            assert_eq!(extent.bytes, data.len() as u64);
            counts
        })
    });
    group.finish();

    // The same bytes as 1,000 small files and as one file, each piece ending at a line end.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut pieces: Vec<&[u8]> = Vec::with_capacity(SMALL_FILES);
    let mut start = 0;
    for k in 1..=SMALL_FILES {
        let target = (data.len() * k / SMALL_FILES).max(start);
        let end = memchr::memchr(b'\n', &data[target..]).map_or(data.len(), |i| target + i + 1);
        let end = if k == SMALL_FILES { data.len() } else { end };
        pieces.push(&data[start..end]);
        start = end;
    }
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        Input::Path(path)
    };
    let small: Vec<Input> = pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| write(&format!("part-{i:04}.log"), piece))
        .collect();
    let one = [write("whole.log", data)];
    let mut group = c.benchmark_group("files");
    group
        .throughput(bytes.clone())
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat);
    for (label, inputs) in [("1000_files", small.as_slice()), ("one_file", &one[..])] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let report = scanner.scan_inputs(black_box(inputs));
                let counts = report.total();
                assert_eq!(counts.total(), corpus.hits, "{label}: total differs");
                assert!(counts == corpus.counts, "{label}: per-code counts differ");
                counts
            })
        });
    }
    group.bench_function("1000_slices", |b| {
        b.iter(|| {
            let mut hits = 0;
            for piece in &pieces {
                hits += scanner.scan_bytes(black_box(piece)).0.total();
            }
            assert_eq!(hits, corpus.hits, "1000_slices: total differs");
            hits
        })
    });
    group.finish();

    let mut group = c.benchmark_group("chunk");
    group.throughput(bytes);
    for (label, target) in [("default_8MiB", chunk_size), ("64KiB", 64 << 10)] {
        let expected = chunk::newline_aligned(data, target).len();
        group.bench_with_input(
            BenchmarkId::new("newline_aligned", label),
            &target,
            |b, &target| {
                b.iter(|| {
                    let chunks = chunk::newline_aligned(black_box(data), target);
                    assert_eq!(chunks.len(), expected);
                    assert_eq!(chunks.last().map(|r| r.end), Some(data.len()));
                    chunks
                })
            },
        );
    }
    group.finish();
}

criterion_group!(scan, benches);
criterion_main!(scan);
