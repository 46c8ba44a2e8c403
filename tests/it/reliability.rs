//! Reliability tests that run the real binary on hostile input: random and invalid bytes, odd
//! line endings, empty and newline-only inputs, a 200 MB line, chunk boundaries, floods of
//! unknown codes, control characters and formula prefixes in file names and codes, a run
//! killed while writing `-o`, a closed output pipe, broken pattern files and unreadable
//! inputs. Each test names the protection it exercises in a comment; each would fail without
//! that protection.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{
    bin, errscan, filler, input_summary, json_counts, mkfifo, success, vm_hwm,
    VendorCodeCounts as Counts, AKAMAI, OKTA, STORMPATH, VENDOR_LINES,
};

fn counts(pairs: &[(&str, &str, u64)]) -> Counts {
    pairs
        .iter()
        .map(|(v, c, n)| ((v.to_string(), c.to_string()), *n))
        .collect()
}

/// Lines as errscan counts them: newlines, plus a last line that lacks one.
fn lines_of(data: &[u8]) -> u64 {
    let newlines = data.iter().filter(|b| **b == b'\n').count() as u64;
    newlines + u64::from(data.last().is_some_and(|b| *b != b'\n'))
}

/// What a `scan -f json` run gave.
#[derive(Debug)]
struct Report {
    status: Option<i32>,
    /// The summary less the scan's time and duration.
    summary: Value,
    counts: Counts,
    stderr: String,
}

fn report(out: &Output) -> Report {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    Report {
        status: out.status.code(),
        summary: input_summary(&doc["summary"]),
        counts: json_counts(&doc),
        stderr,
    }
}

/// Runs `errscan scan -f json ARGS`, with `stdin` as standard input (empty when `None`).
fn scan<I, S>(args: I, stdin: Option<&[u8]>) -> Report
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let out = errscan()
        .args(["scan", "-f", "json"])
        .args(&args)
        .write_stdin(stdin.unwrap_or_default().to_vec())
        .output()
        .unwrap();
    report(&out)
}

/// The hits of `scan --hits ARGS` as (line, offset, vendor, code), checking that every output
/// line is a JSON object and that the run was clean.
fn hits<I, S>(args: I, stdin: Option<&[u8]>) -> Vec<(u64, u64, String, String)>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let out = success(
        errscan()
            .args(["scan", "--hits"])
            .args(&args)
            .write_stdin(stdin.unwrap_or_default().to_vec()),
    );
    out.stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let h: Value = serde_json::from_slice(l).unwrap();
            (
                h["line"].as_u64().unwrap(),
                h["offset"].as_u64().unwrap(),
                h["vendor"].as_str().unwrap().to_string(),
                h["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Scans `data` as a file (under each given `--mmap` policy) and from standard input, asserts
/// a clean exit, the expected counts, the byte and line totals, and that every way of reading
/// agrees; also checks that `--hits` from the file and from standard input report each hit at
/// its line and at an offset that holds its code.
fn check_file_and_stdin(data: &[u8], expected: &Counts) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.log");
    std::fs::write(&path, data).unwrap();
    let mut runs = Vec::new();
    // Below 1 MiB a file is read into memory whatever the policy: one run is enough.
    let policies: &[&str] = if data.len() >= 1 << 20 {
        &["auto", "always", "never"]
    } else {
        &["auto"]
    };
    for mmap in policies {
        runs.push((
            format!("file, --mmap {mmap}"),
            scan(
                [
                    OsString::from("--mmap"),
                    (*mmap).into(),
                    path.clone().into_os_string(),
                ],
                None,
            ),
        ));
    }
    runs.push(("stdin".to_string(), scan(["-"], Some(data))));
    for (how, r) in &runs {
        assert_eq!(r.status, Some(0), "{how}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{how}: {}", r.stderr);
        assert_eq!(&r.counts, expected, "{how}");
        let s = &r.summary;
        assert_eq!(s["inputs"], 1, "{how}");
        assert_eq!(s["bytes"], data.len() as u64, "{how}");
        assert_eq!(s["lines"], lines_of(data), "{how}");
        assert_eq!(s["hits"], expected.values().sum::<u64>(), "{how}");
    }
    let from_file = hits([&path], None);
    let from_stdin = hits(["-"], Some(data));
    assert_eq!(from_file, from_stdin, "--hits: file and stdin differ");
    if data.len() >= 1 << 20 {
        let mapped = hits(
            [
                OsString::from("--mmap"),
                "always".into(),
                path.clone().into(),
            ],
            None,
        );
        assert_eq!(from_file, mapped, "--hits: read and mapped file differ");
    }
    let mut per_code = Counts::new();
    for (line, offset, vendor, code) in &from_file {
        let at = *offset as usize;
        assert_eq!(
            data.get(at..at + code.len()),
            Some(code.as_bytes()),
            "hit {code} at offset {offset}"
        );
        let newlines_before = data[..at].iter().filter(|b| **b == b'\n').count() as u64;
        assert_eq!(*line, newlines_before + 1, "line of offset {at}");
        *per_code.entry((vendor.clone(), code.clone())).or_insert(0) += 1;
    }
    assert_eq!(&per_code, expected, "--hits");
}

/// The tiny xorshift64 generator: random bytes with a fixed seed, the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn fill(&mut self, out: &mut Vec<u8>, len: usize) {
        let end = out.len() + len;
        while out.len() < end {
            let word = self.next().to_le_bytes();
            let take = (end - out.len()).min(8);
            out.extend_from_slice(&word[..take]);
        }
    }
}

// Protection: lines are cut on `\n` only and matching is byte-oriented, so arbitrary bytes
// (NUL, stray `\r`, invalid UTF-8, bytes that look like nothing) neither hide a hit on its own
// line nor invent one, whichever way the input is read (map, read(), stdin), and `--hits`
// points at the code. A scanner that decoded UTF-8 (and stopped or skipped at invalid bytes),
// or lost the line structure around junk, would miss or shift hits here.
#[test]
fn random_bytes_around_vendor_lines_give_exactly_those_hits() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    // A vendor line at offset 0 (so the content is never mistaken for compressed data or a
    // byte order mark), then 16 pieces of 64 KiB of random bytes (1 MiB in all), each followed
    // by a vendor line on a line of its own, and a last piece of random bytes after them.
    let mut data = format!("{OKTA}\n").into_bytes();
    let mut expected = counts(&[("okta", "E0000011", 1)]);
    for k in 0..16 {
        rng.fill(&mut data, 64 << 10);
        let (line, vendor, code) = VENDOR_LINES[k % 3];
        data.push(b'\n');
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        *expected
            .entry((vendor.to_string(), code.to_string()))
            .or_insert(0) += 1;
    }
    rng.fill(&mut data, 4096);
    check_file_and_stdin(&data, &expected);
}

// Protection: a file of NUL bytes (a preallocated or zeroed log) is one line without a hit:
// it is not mistaken for UTF-16, compressed data or binary junk to refuse.
#[test]
fn all_nul_file_is_one_line_without_hits() {
    check_file_and_stdin(&vec![0u8; (1 << 20) + 3], &Counts::new());
}

// Protection: invalid UTF-8 on the same line as a code does not hide it. At offset 0,
// `\xff\xfe` is a UTF-16 byte order mark (and the file is transcoded, as documented), so the
// hostile line comes second.
#[test]
fn invalid_utf8_around_a_code_on_its_line_still_counts() {
    let data = b"2026-11-21T03:14:06Z INFO start\n\
                 \xff\xfe Okta E0000011 (x) \xc3\n\
                 \xc3\x28\xa0 HTTP 400, Stormpath 2001 (\xe2\x82) \xf0\x9f\x98\n"
        .to_vec();
    check_file_and_stdin(
        &data,
        &counts(&[("okta", "E0000011", 1), ("stormpath", "2001", 1)]),
    );
}

// Protection: line counting over input that is nothing but newlines (no line is lost or
// invented at block or chunk edges), and no hit from nothing.
#[test]
fn newline_only_file_counts_every_line_and_no_hit() {
    check_file_and_stdin(&vec![b'\n'; 300_000], &Counts::new());
}

// Protection: `\r\n` endings are lines ending before the `\r`, a lone `\r` is an ordinary
// byte inside a line (not a line end), and a last line that ends in `\r` without `\n` is
// still a line.
#[test]
fn crlf_endings_and_lone_cr_inside_lines_are_handled() {
    let data = format!(
        "a\r\n{OKTA}\r\nb\rOkta E0000012 (Unsupported media type)\rc\r\n{AKAMAI}\r\n\r\r\n\
         {STORMPATH}\r\nx {{\"errorCode\":\"E0000013\"}}\r\nend\r"
    )
    .into_bytes();
    check_file_and_stdin(
        &data,
        &counts(&[
            ("akamai", "210", 1),
            ("okta", "E0000011", 1),
            ("okta", "E0000012", 1),
            ("okta", "E0000013", 1),
            ("stormpath", "2001", 1),
        ]),
    );
}

// Protection: an empty input is zero lines, zero bytes, zero hits and a clean exit (not an
// error, not one phantom empty line).
#[test]
fn empty_input_is_zero_lines_zero_hits_and_exit_0() {
    check_file_and_stdin(b"", &Counts::new());
}

// Protection: a code at the very first byte, in an input without any newline, is found (the
// first line has no `\n` before it, the last none after it).
#[test]
fn code_at_offset_0_without_any_newline_counts() {
    check_file_and_stdin(
        b"E0000011 Invalid token provided",
        &counts(&[("okta", "E0000011", 1)]),
    );
}

// Protection: a code whose last character is the file's last byte (no trailing newline) is
// found: the final partial line is scanned, and `\b` holds at the end of the input.
#[test]
fn code_ending_at_the_last_byte_without_newline_counts() {
    for (data, vendor, code) in [
        (
            format!("{OKTA}\nHTTP 401, Okta E0000011"),
            "okta",
            "E0000011",
        ),
        (
            format!("{OKTA}\n{{\"stat\":\"error\",\"code\":210"),
            "akamai",
            "210",
        ),
        (
            format!("{OKTA}\nlogin failed: Operation.Failure.User.Locked"),
            "idaas",
            "Operation.Failure.User.Locked",
        ),
    ] {
        let mut expected = counts(&[(vendor, code, 1)]);
        *expected
            .entry(("okta".to_string(), "E0000011".to_string()))
            .or_insert(0) += 1;
        check_file_and_stdin(data.as_bytes(), &expected);
    }
}

// Protection: chunks are cut only after a newline, so a code never straddles a chunk
// boundary, whatever `--chunk-size` is (1 and 7 put a boundary in nearly every code); counts
// and `--hits` equal those of the default 8 MiB chunk. The file is below 1 MiB, so it is read
// into memory and cut into chunks scanned in parallel.
#[test]
fn counts_and_hits_do_not_depend_on_chunk_size() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut data = Vec::new();
    for i in 0..1500u64 {
        // Lines of varied lengths and endings, so that the cut points fall everywhere.
        let pad = (rng.next() % 40) as usize;
        data.extend(std::iter::repeat_n(b'.', pad));
        let (line, _, _) = VENDOR_LINES[(i % 3) as usize];
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
        if i % 7 == 0 {
            data.extend_from_slice(b"2026-11-21T03:14:08Z INFO listening on port 17002\n");
        }
    }
    data.extend_from_slice(b"last Okta E0000004 (no newline)");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chunks.log");
    std::fs::write(&path, &data).unwrap();
    let expected = counts(&[
        ("akamai", "210", 500),
        ("okta", "E0000004", 1),
        ("okta", "E0000011", 500),
        ("stormpath", "2001", 500),
    ]);
    let default = scan([&path], None);
    assert_eq!(default.status, Some(0), "{}", default.stderr);
    assert_eq!(default.counts, expected);
    let default_hits = hits([&path], None);
    assert_eq!(default_hits.len() as u64, expected.values().sum::<u64>());
    for chunk in ["1", "7", "64", "4096"] {
        let args = || -> Vec<OsString> {
            vec![
                "--chunk-size".into(),
                chunk.into(),
                "-j".into(),
                "2".into(),
                path.clone().into(),
            ]
        };
        let r = scan(args(), None);
        assert_eq!(r.counts, default.counts, "--chunk-size {chunk}");
        assert_eq!(r.summary, default.summary, "--chunk-size {chunk}");
        assert_eq!(
            hits(args(), None),
            default_hits,
            "--hits --chunk-size {chunk}"
        );
    }
}

/// Size of the single long line.
const LONG_LINE: usize = 200 << 20;

/// Writes one line of `LONG_LINE` bytes (newline included): an Okta code near its start, a
/// Stormpath code in its middle and the same Okta code again near its end.
fn write_long_line(path: &Path) {
    let head = format!("{OKTA} ");
    let middle = format!(" {STORMPATH} ");
    let tail = " Okta E0000011 (Invalid token provided)\n";
    let filler = filler();
    let fill = LONG_LINE - head.len() - middle.len() - tail.len();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let write_filler = |w: &mut BufWriter<File>, mut n: usize| {
        while n > 0 {
            let take = n.min(filler.len());
            w.write_all(&filler[..take]).unwrap();
            n -= take;
        }
    };
    w.write_all(head.as_bytes()).unwrap();
    write_filler(&mut w, fill / 2);
    w.write_all(middle.as_bytes()).unwrap();
    write_filler(&mut w, fill - fill / 2);
    w.write_all(tail.as_bytes()).unwrap();
    w.flush().unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().len(), LONG_LINE as u64);
}

/// Runs `errscan ARGS` with `stdin`, returning its output and its peak resident memory in
/// bytes, the high-water mark of its own address space (see [`vm_hwm`]).
#[cfg(target_os = "linux")]
fn run_measured(args: &[OsString], stdin: impl Into<Stdio>) -> (Output, u64) {
    use std::os::unix::process::ExitStatusExt;
    // Waited for with `wait4` below, which std's `Child` cannot do.
    #[allow(clippy::zombie_processes)]
    let mut child = std::process::Command::new(bin())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                peak = vm_hwm(pid).unwrap_or(0).max(peak);
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            peak
        })
    };
    let mut status = 0;
    // SAFETY: `rusage` is plain integers, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet waited for (`child` is never waited on or
        // killed after this), and both pointers are to live, writable locals.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak = watcher.join().unwrap();
    let _ = usage;
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    (output, peak)
}

#[cfg(target_os = "linux")]
fn check_long_line(out: &Output, peak: u64, how: &str) {
    let r = report(out);
    assert_eq!(r.status, Some(0), "{how}: {}", r.stderr);
    // One line counts one error once: the Okta code twice on the line is one hit.
    assert_eq!(
        r.counts,
        counts(&[("okta", "E0000011", 1), ("stormpath", "2001", 1)]),
        "{how}"
    );
    assert_eq!(r.summary["lines"], 1, "{how}");
    assert_eq!(r.summary["bytes"], LONG_LINE as u64, "{how}");
    eprintln!("{how}: peak memory {} MiB", peak >> 20);
    // The line is scanned in windows, never held whole (nor in copies): memory stays far
    // below its size. A reading of zero would mean nothing was measured.
    assert!(peak > 0, "{how}: peak memory not measured");
    assert!(
        peak < LONG_LINE as u64 / 2,
        "{how}: peak memory {} MiB for a {} MiB line",
        peak >> 20,
        LONG_LINE >> 20
    );
}

// Protection: a line longer than any window is scanned in overlapping windows (neither code
// is lost or counted twice), one line counts one (vendor, code) once however far apart its two
// occurrences are, and memory stays far below the size of the line.
#[cfg(target_os = "linux")]
#[test]
fn single_200mb_line_through_read_counts_each_code_once_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    write_long_line(&path);
    let args: Vec<OsString> = vec![
        "scan".into(),
        "-f".into(),
        "json".into(),
        "--mmap".into(),
        "never".into(),
        path.into(),
    ];
    let (out, peak) = run_measured(&args, Stdio::null());
    check_long_line(&out, peak, "file, --mmap never");
}

// Protection: the same on standard input (the stream reader, with the last-byte tracking of
// stdin). Standard input is the file itself rather than a pipe, to keep the debug binary's
// run time reasonable; the code path inside errscan is the same.
#[cfg(target_os = "linux")]
#[test]
fn single_200mb_line_through_stdin_counts_each_code_once_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    write_long_line(&path);
    let args: Vec<OsString> = vec!["scan".into(), "-f".into(), "json".into()];
    let (out, peak) = run_measured(&args, File::open(&path).unwrap());
    check_long_line(&out, peak, "stdin");
}

/// A log of `distinct` distinct unknown codes, two thirds Stormpath (5-digit codes from
/// 20000, beyond the documented range that ends at 13113) and one third IDaaS
/// (`Operation.Failure.X<n>`), each once in order; then every third code again. Returns the
/// log and its codes in order of first appearance.
fn unknown_code_flood(distinct: usize) -> (Vec<u8>, Vec<(&'static str, String)>) {
    let mut text = String::new();
    let mut codes = Vec::new();
    for i in 0..distinct {
        if i % 3 == 2 {
            let code = format!("Operation.Failure.X{i}");
            text.push_str(&format!(
                "2026-11-21T03:14:07Z ERROR idaas {{\"code\":\"{code}\"}}\n"
            ));
            codes.push(("idaas", code));
        } else {
            let code = (20_000 + i).to_string();
            text.push_str(&format!(
                "HTTP 400, Stormpath {code} (http://docs.stormpath.com/errors/{code}): x\n"
            ));
            codes.push(("stormpath", code));
        }
    }
    for (vendor, code) in codes.iter().step_by(3) {
        if *vendor == "idaas" {
            text.push_str(&format!("again {{\"code\":\"{code}\"}}\n"));
        } else {
            text.push_str(&format!("again HTTP 400, Stormpath {code} (y)\n"));
        }
    }
    (text.into_bytes(), codes)
}

/// Hits per code of `unknown_code_flood(distinct)`.
fn flood_hits(codes: &[(&'static str, String)]) -> Counts {
    let mut hits = Counts::new();
    for (i, (vendor, code)) in codes.iter().enumerate() {
        hits.insert(
            (vendor.to_string(), code.clone()),
            1 + u64::from(i % 3 == 0),
        );
    }
    hits
}

fn assert_no_catalog_code(codes: &[(&'static str, String)]) {
    let out = errscan()
        .args(["catalog", "-f", "json", "--vendor", "stormpath,idaas"])
        .output()
        .unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let known: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["vendor"].as_str().unwrap().to_string(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (v, c) in codes {
        assert!(
            !known.contains(&(v.to_string(), c.clone())),
            "{v} {c} is known"
        );
    }
}

// Protection: the unknown-code cap. 15,000 distinct unknown codes with `--unknown-cap 1000`:
// one thread and one chunk keep exactly the first 1000 distinct codes (in input order) with
// their full counts, fold every other hit into one `(other)` row per vendor, say how many in
// `summary.folded`, and lose no hit. Without the cap, the report would have 15,000 rows.
#[test]
fn unknown_codes_past_the_cap_fold_into_one_other_row_per_vendor() {
    let (data, codes) = unknown_code_flood(15_000);
    assert_no_catalog_code(&codes);
    let all = flood_hits(&codes);
    let total: u64 = all.values().sum();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.log");
    std::fs::write(&path, &data).unwrap();
    let r = scan(
        [
            OsString::from("--unknown-cap"),
            "1000".into(),
            "-j".into(),
            "1".into(),
            path.into(),
        ],
        None,
    );
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let mut expected = Counts::new();
    let mut folded: BTreeMap<&str, u64> = BTreeMap::new();
    // The codes kept are the 1000 first in admission order (shorter first, then by bytes, then
    // by vendor id), wherever they appear in the input.
    let mut admitted: Vec<&(&str, String)> = codes.iter().collect();
    admitted
        .sort_by(|a, b| (a.1.len(), a.1.as_bytes(), a.0).cmp(&(b.1.len(), b.1.as_bytes(), b.0)));
    let kept: std::collections::HashSet<&(&str, String)> =
        admitted.into_iter().take(1000).collect();
    let mut kept_hits = 0;
    for pair @ (vendor, code) in codes.iter() {
        let n = all[&(vendor.to_string(), code.clone())];
        if kept.contains(pair) {
            kept_hits += n;
            expected.insert((vendor.to_string(), code.clone()), n);
        } else {
            *folded.entry(vendor).or_insert(0) += n;
        }
    }
    for (vendor, n) in &folded {
        expected.insert((vendor.to_string(), "(other)".to_string()), *n);
    }
    assert_eq!(r.counts, expected);
    assert_eq!(r.counts.len(), 1000 + 2);
    assert_eq!(r.summary["folded"], folded.values().sum::<u64>());
    assert_eq!(r.summary["folded"], total - kept_hits);
    assert!(
        kept_hits > 1000,
        "some kept codes occur more than once: {kept_hits}"
    );
    assert_eq!(r.summary["hits"], total);
    assert_eq!(r.summary["unknown"], total);
}

// Protection: the cap also holds when many small chunks are counted in parallel and merged:
// never more than 1000 distinct unknown rows plus one `(other)` row per vendor, `folded` is
// exactly what the `(other)` rows hold, and every hit is still counted somewhere.
#[test]
fn unknown_code_cap_holds_across_parallel_chunks_and_keeps_totals() {
    let (data, codes) = unknown_code_flood(15_000);
    let all = flood_hits(&codes);
    let total: u64 = all.values().sum();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.log");
    std::fs::write(&path, &data).unwrap();
    for extra in [
        &["-j", "2", "--chunk-size", "4096", "--mmap", "always"][..],
        &["-j", "2", "--mmap", "never"][..],
    ] {
        let mut args: Vec<OsString> = vec!["--unknown-cap".into(), "1000".into()];
        args.extend(extra.iter().map(OsString::from));
        args.push(path.clone().into());
        let r = scan(args, None);
        assert_eq!(r.status, Some(0), "{extra:?}: {}", r.stderr);
        let other: u64 = r
            .counts
            .iter()
            .filter(|((_, c), _)| c == "(other)")
            .map(|(_, n)| n)
            .sum();
        let kept = r.counts.len() - r.counts.keys().filter(|(_, c)| c == "(other)").count();
        assert!(kept <= 1000, "{extra:?}: {kept} distinct unknown rows");
        assert!(r.counts.len() <= 1000 + 2, "{extra:?}");
        assert_eq!(r.summary["folded"], other, "{extra:?}");
        assert_eq!(r.counts.values().sum::<u64>(), total, "{extra:?}");
        assert_eq!(r.summary["hits"], total, "{extra:?}");
        for (key, n) in &r.counts {
            if key.1 != "(other)" {
                assert!(*n <= all[key], "{extra:?}: {key:?} over-counted");
            }
        }
    }
}

// Protection: table output turns control characters into spaces, so that a file name (or a
// code captured from a log by a user rule) holding an escape sequence cannot recolour the
// terminal or move its cursor.
#[test]
fn table_output_has_no_escape_byte_from_file_names_or_codes() {
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("a\x1b[31mred\x1b[2J.log");
    std::fs::write(&evil, format!("{OKTA}\n")).unwrap();
    let out = errscan()
        .args(["scan", "-g", "file", "-f", "table"])
        .arg(&evil)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !out.stdout.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("red"));

    let patterns = acme_patterns(dir.path());
    let out = errscan()
        .args([
            "scan",
            "-f",
            "table",
            "-g",
            "vendor,code,file",
            "--patterns",
        ])
        .arg(&patterns)
        .arg("-")
        .write_stdin(b"x ACME-\x1b[2J\x1b]0;owned\x07 y\nx ACME-\x9b31m\xc2\x9b1m y\n".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("acme"), "{text}");
    assert!(
        !out.stdout.iter().any(|b| matches!(b, 0x1b | 0x07)),
        "{text:?}"
    );
    // C1 controls (U+009B is a one-character CSI) are control characters too.
    assert!(!text.contains('\u{9b}'), "{text:?}");
}

// Protection: `--hits` writes each hit with a JSON serialiser, so that escape bytes, quotes,
// backslashes and invalid UTF-8 in the matched text, and quotes or newlines in the file name,
// still give one valid JSON object per line.
#[test]
fn hits_ndjson_stays_valid_around_escapes_quotes_and_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("we\"ird\\name\nwith newline.log");
    let data: &[u8] = b"first\n\
        \x1b[2J\"quoted\" \xff\xfe Okta E0000011 (x\x1b\"\xc3) \"\x1b\\\n\
        HTTP 400 see https://docs.stormpath.com/\x1b[31m\xff\\/rest/errors/2001 \xc3\n\
        {\"stat\":\"error\",\"code\":210,\"error\":\"invalid_credentials\",\"x\":\"\x1b\xfe\\\"\"}\n";
    std::fs::write(&path, data).unwrap();
    for stdin in [false, true] {
        let mut cmd = errscan();
        cmd.args(["scan", "--hits"]);
        if stdin {
            cmd.write_stdin(data.to_vec());
        } else {
            cmd.arg(&path);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = std::str::from_utf8(&out.stdout).expect("NDJSON is UTF-8");
        let rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect();
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r["vendor"].as_str().unwrap(), r["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("okta", "E0000011"),
                ("stormpath", "2001"),
                ("akamai", "210")
            ],
            "stdin: {stdin}"
        );
        let expected_name = if stdin {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        for r in &rows {
            assert_eq!(r["file"], expected_name.as_str());
        }
        let url = rows[1]["match"].as_str().unwrap();
        assert!(
            url.contains('\u{1b}') && url.contains('\u{fffd}'),
            "{url:?}"
        );
    }
}

// Protection: CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) are
// prefixed with `'` (OWASP "CSV injection"), for file names and for codes captured from logs;
// the prefixed file still parses as CSV.
#[test]
fn csv_cells_that_start_a_formula_are_prefixed_with_a_quote() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["=cmd.log", "+1.log", "-2.log", "@SUM(A1).log", "plain.log"];
    for n in names {
        std::fs::write(dir.path().join(n), format!("{OKTA}\n")).unwrap();
    }
    let out = errscan()
        .current_dir(dir.path())
        .args(["scan", "-g", "file", "-f", "csv", "--"])
        .args(names)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(rdr.headers().unwrap(), vec!["file", "count"]);
    let files: BTreeSet<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    let expected: BTreeSet<String> = [
        "'=cmd.log",
        "'+1.log",
        "'-2.log",
        "'@SUM(A1).log",
        "plain.log",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(files, expected);

    // A code captured from a log by a user rule.
    let patterns = acme_patterns(dir.path());
    let out = errscan()
        .args(["scan", "-f", "csv", "--patterns"])
        .arg(&patterns)
        .write_stdin("x ACME-=HYPERLINK(\"http://x\",\"y\") z\nx ACME-@SUM(1) z\n")
        .output()
        .unwrap();
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let codes: BTreeSet<String> = rdr.records().map(|r| r.unwrap()[1].to_string()).collect();
    let expected: BTreeSet<String> = ["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(1)"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(codes, expected);
}

// Protection: the JSON report is built with a serialiser, so file names with quotes, a
// newline, a backslash and an escape byte still give a valid document that names each file
// exactly (and `errscan merge` can read it back).
#[test]
fn json_report_stays_valid_for_file_names_with_quotes_newlines_and_backslashes() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "q\"uote.log",
        "new\nline.log",
        "back\\slash.log",
        "esc\x1b[0m.log",
    ];
    let mut paths = Vec::new();
    for n in names {
        let p = dir.path().join(n);
        std::fs::write(&p, format!("{OKTA}\n{STORMPATH}\n")).unwrap();
        paths.push(p);
    }
    let out = errscan()
        .args(["scan", "-f", "json", "-g", "file,vendor,code"])
        .args(&paths)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut per_file: BTreeMap<String, u64> = BTreeMap::new();
    for row in doc["counts"].as_array().unwrap() {
        *per_file
            .entry(row["file"].as_str().unwrap().to_string())
            .or_insert(0) += row["count"].as_u64().unwrap();
    }
    let expected: BTreeMap<String, u64> =
        paths.iter().map(|p| (p.display().to_string(), 2)).collect();
    assert_eq!(per_file, expected);
    let report = dir.path().join("report.json");
    std::fs::write(&report, &out.stdout).unwrap();
    let merged = errscan()
        .args(["merge", "-f", "json"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
    assert_eq!(merged["counts"], doc["counts"]);
}

// Protection: `-o FILE` writes into a temporary file renamed over FILE only when the report
// is complete, so a run killed in the middle (here with SIGKILL while it is blocked reading a
// FIFO that has had half its input) leaves the old report exactly as it was. SIGKILL runs no
// destructor, so a `.errscan-*` temporary file could be left behind; any other new file, or
// any change to FILE, is a failure. An implementation that opened FILE for writing up front
// would leave it truncated here.
#[cfg(unix)]
#[test]
fn killed_run_leaves_the_old_output_file_whole() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.csv");
    let old = "vendor,code,count\nokta,E0000011,41\n";
    std::fs::write(&target, old).unwrap();
    let fifo = dir.path().join("input.fifo");
    mkfifo(&fifo);
    let mut data = String::new();
    for i in 0..40_000 {
        let (line, _, _) = VENDOR_LINES[i % 3];
        data.push_str(line);
        data.push('\n');
    }
    let half = data.as_bytes()[..data.len() / 2].to_vec();

    let mut child = std::process::Command::new(bin())
        .args(["scan", "-f", "csv", "-o"])
        .arg(&target)
        .arg(&fifo)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Opening blocks until errscan opens the other end; writing the half blocks until
            // errscan has read nearly all of it (a pipe holds 64 KiB).
            let mut w = File::options().write(true).open(&fifo).unwrap();
            w.write_all(&half).unwrap();
            tx.send(()).unwrap();
            w // kept open: errscan must not see the end of its input
        })
    };
    if rx.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        // Release the writer if it is still waiting for a reader.
        let _ = File::open(&fifo);
        panic!("errscan did not read the FIFO");
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "errscan ended before its input did"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    drop(writer.join().unwrap());

    assert_eq!(std::fs::read_to_string(&target).unwrap(), old);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "report.csv" || name == "input.fifo" || name.starts_with(".errscan-"),
            "unexpected file left behind: {name:?}"
        );
    }
}

// Protection: a reader that closes the pipe early (`| head -c 10`) ends the run quietly with
// status 0, for `--hits` (file and stdin) and for counts in every format: EPIPE is recognised
// however the writer wraps it (the CSV writer's error included), and no message is printed.
// The outputs are far larger than a pipe's buffer, so the pipe really is closed under errscan.
#[test]
fn closed_pipe_ends_hits_and_counts_quietly_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    // 5000 distinct unknown codes: every counts format has thousands of rows.
    let (data, _) = unknown_code_flood(5000);
    let path = dir.path().join("many.log");
    std::fs::write(&path, &data).unwrap();
    let bin = bin();
    let q = |p: &Path| format!("'{}'", p.display());
    let mut commands = vec![
        format!("{} scan --hits {} | head -c 10", q(&bin), q(&path)),
        format!("cat {} | {} scan --hits | head -c 10", q(&path), q(&bin)),
    ];
    for format in ["csv", "json", "ndjson", "table", "prom"] {
        commands.push(format!(
            "{} scan -f {format} {} | head -c 10",
            q(&bin),
            q(&path)
        ));
    }
    commands.push(format!("{} catalog -f csv | head -c 10", q(&bin)));
    for command in &commands {
        // The status of errscan itself, wherever it sits in the pipeline.
        let index = if command.starts_with("cat ") { 1 } else { 0 };
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{command} >/dev/null; echo ${{PIPESTATUS[{index}]}}"
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "0",
            "{command}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A pattern directory holding one file, `name`, with `text`.
fn pattern_dir(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

/// Asserts that `scan` and `catalog` with `--patterns dir` exit with status 2 and a message
/// containing each of `wanted`.
fn assert_pattern_error(dir: &Path, wanted: &[&str]) {
    for sub in ["scan", "catalog"] {
        let out = errscan()
            .arg(sub)
            .arg("--patterns")
            .arg(dir)
            .write_stdin(format!("{OKTA}\n"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        for w in wanted {
            assert!(stderr.contains(w), "{sub}: want {w:?} in {stderr}");
        }
        if sub == "scan" {
            assert!(out.stdout.is_empty(), "no report from a broken catalog");
        }
    }
}

// Protection: the 1 MiB compiled-size limit on pattern regexes, so that a pattern file cannot
// make errscan build a huge automaton; the error names the file and the rule's line. The
// second regex is accepted by the regex crate's default limit (checked here), so only
// errscan's own limit refuses it.
#[test]
fn regex_over_the_size_limit_is_refused_naming_file_and_line() {
    for regex in [r"(?P<code>\w{1000}){1000}", r"(?P<code>\w{1000}){20}"] {
        let dir = pattern_dir(
            "huge.toml",
            &format!(
                "[vendor]\nid = \"acme\"\nname = \"Acme\"\n\n\
                 [[rule]]\nid = \"big\"\nanchors = [\"ACME\"]\nregex = '{regex}'\n\n\
                 [[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"x\"\n"
            ),
        );
        let shown = dir.path().join("huge.toml").display().to_string();
        assert_pattern_error(
            dir.path(),
            &[&format!("{shown}:5:"), "rule `big`", "size limit"],
        );
    }
    assert!(
        regex::bytes::RegexBuilder::new(r"(?P<code>\w{1000}){20}")
            .unicode(false)
            .build()
            .is_ok(),
        "the default limit accepts it"
    );
}

// Protection: an empty pattern file is an error naming it, not a silently empty vendor.
#[test]
fn empty_pattern_file_is_refused_naming_it() {
    let dir = pattern_dir("empty.toml", "");
    let shown = dir.path().join("empty.toml").display().to_string();
    assert_pattern_error(dir.path(), &[&shown, "empty pattern file"]);
}

// Protection: unknown keys are refused (not ignored), so a misspelt `[[rules]]` table cannot
// silently disable detection; the error names the file, the line and the key.
#[test]
fn unknown_top_level_key_in_a_pattern_file_is_refused_naming_it() {
    let dir = pattern_dir(
        "typo.toml",
        "[vendor]\nid = \"acme\"\nname = \"Acme\"\n\n\
         [[rules]]\nid = \"r\"\nanchors = [\"ACME-\"]\nregex = 'ACME-(?P<code>\\d+)'\n",
    );
    let shown = dir.path().join("typo.toml").display().to_string();
    assert_pattern_error(dir.path(), &[&format!("{shown}:5:"), "rules"]);
    let dir = pattern_dir(
        "top.toml",
        "colour = \"red\"\n[vendor]\nid = \"a\"\nname = \"A\"\n",
    );
    let shown = dir.path().join("top.toml").display().to_string();
    assert_pattern_error(dir.path(), &[&format!("{shown}:1:"), "colour"]);
}

// Protection: an input that cannot be read (a missing path, a character device that would be
// read forever) is named in `summary.errors` and on stderr, the run still scans and counts the
// good inputs around it, and the exit status is 2.
#[cfg(unix)]
#[test]
fn unreadable_inputs_are_named_and_the_good_ones_still_counted() {
    let dir = tempfile::tempdir().unwrap();
    let good1 = dir.path().join("good1.log");
    let good2 = dir.path().join("good2.log");
    std::fs::write(&good1, format!("{OKTA}\n{AKAMAI}\n")).unwrap();
    std::fs::write(&good2, format!("{STORMPATH}\n{OKTA}\n")).unwrap();
    let missing = dir.path().join("missing.log");
    let started = Instant::now();
    let r = scan(
        [
            good1.as_os_str(),
            missing.as_os_str(),
            "/dev/zero".as_ref(),
            good2.as_os_str(),
        ],
        None,
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert_eq!(
        r.counts,
        counts(&[
            ("akamai", "210", 1),
            ("okta", "E0000011", 2),
            ("stormpath", "2001", 1)
        ])
    );
    assert_eq!(r.summary["inputs"], 2);
    let errors: Vec<&str> = r.summary["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let missing = missing.display().to_string();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{missing}: "))),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/dev/zero: ")),
        "{errors:?}"
    );
    for name in [missing.as_str(), "/dev/zero"] {
        assert!(
            r.stderr.contains(&format!("errscan: {name}: ")),
            "{}",
            r.stderr
        );
    }
}

/// Writes `DIR/patterns/acme.toml`, a user vendor whose one rule captures any text after
/// `ACME-` as a code (so codes come straight from the log), and returns `DIR/patterns`.
fn acme_patterns(dir: &Path) -> std::path::PathBuf {
    let patterns = dir.join("patterns");
    std::fs::create_dir(&patterns).unwrap();
    std::fs::write(
        patterns.join("acme.toml"),
        "[vendor]\nid = \"acme\"\nname = \"Acme\"\n\
         [[rule]]\nid = \"any\"\nanchors = [\"ACME-\"]\nat_anchor = true\nregex = 'ACME-(?P<code>[^ ]+)'\n\
         [[code]]\ncode = \"401\"\ncategory = \"authentication\"\ndescription = \"Bad password.\"\n",
    )
    .unwrap();
    patterns
}
