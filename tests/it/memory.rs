//! Memory on hostile input, measured: a stream of NUL bytes with no newline on standard input,
//! a gzip bomb (a small file that inflates to hundreds of megabytes of zeros), a mapped file
//! that is one line of zeros, and a 300 MB line with three codes. Each run's peak resident
//! memory is the high-water mark of that very child's address space (`VmHWM`), and must stay
//! within 256 MiB.
//!
//! Sizes: 272 MiB of NULs and of zeros (inflated, or mapped), more than the 256 MiB bound, so
//! that any build that held the line whole (or one copy of it per block in flight) fails;
//! errscan's memory does not grow with the size past one window (16 MiB), so a 2 GiB stream
//! behaves the same, only slower in a debug build (release: 24 MB peak for 2 GiB of NULs).
#![cfg(target_os = "linux")]

use std::io::Write;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{bin, filler, read_on_thread, vm_hwm};

/// The bound on errscan's peak resident memory, on any input.
const RSS_BOUND: u64 = 256 << 20;

/// Size of the NUL stream and of the inflated bomb: beyond the bound.
const JUNK: usize = 272 << 20;

struct Measured {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    /// Peak resident memory in bytes.
    peak: u64,
}

/// Runs errscan with `args`, feeding its standard input with `feed` (on another thread),
/// and returns its output and its peak resident memory as the kernel counted it (`VmHWM` of
/// its own address space, read every 10 ms while it runs). Killed after ten minutes.
///
/// Why not `ru_maxrss` from wait4: Linux carries into it the peak of the address space a
/// child had before `exec`, and a child spawned by vfork had its parent's: in a test binary
/// whose other tests hold large buffers, that is the test process's peak, not errscan's.
fn run_measured(args: &[&str], feed: impl FnOnce(ChildStdin) + Send + 'static) -> Measured {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || feed(stdin));
    let out_reader = read_on_thread(child.stdout.take().unwrap());
    let err_reader = read_on_thread(child.stderr.take().unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watcher = {
        let done = Arc::clone(&done);
        let peak = Arc::clone(&peak);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(600);
            while !done.load(Ordering::SeqCst) {
                if let Some(hwm) = vm_hwm(pid) {
                    peak.fetch_max(hwm, Ordering::SeqCst);
                }
                if Instant::now() > deadline {
                    // SAFETY: a plain system call; `pid` is a child not yet waited for (the
                    // flag is set only after wait4 returns), so it cannot name another process.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills; all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child with valid pointers to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let _ = usage;
    let _ = feeder.join();
    // The child has been reaped here; keep `Child` from trying again.
    std::mem::forget(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Measured {
        code,
        stdout: out_reader.join().unwrap(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
        peak: peak.load(Ordering::SeqCst),
    }
}

/// Writes `len` zero bytes, ignoring a reader that went away (the test then fails on the
/// reader's report).
fn write_zeros(mut w: impl Write, mut len: usize) {
    let zeros = vec![0u8; 1 << 20];
    while len > 0 {
        let n = len.min(zeros.len());
        if w.write_all(&zeros[..n]).is_err() {
            return;
        }
        len -= n;
    }
}

fn summary(m: &Measured) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_slice(&m.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", m.stderr));
    doc["summary"].clone()
}

fn assert_within_bound(m: &Measured, what: &str) {
    eprintln!("{what}: peak RSS {} MiB", m.peak >> 20);
    assert!(
        m.peak <= RSS_BOUND,
        "{what}: peak RSS {} MiB, more than {} MiB",
        m.peak >> 20,
        RSS_BOUND >> 20
    );
}

// Protection: a stream with no newline at all is held one window at a time, not grown into
// blocks the size of the line; every byte is still read and counted.
#[test]
fn nul_stream_without_newline_stays_within_256_mib() {
    let m = run_measured(&["scan", "-f", "json"], |stdin| write_zeros(stdin, JUNK));
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let s = summary(&m);
    assert_eq!(s["bytes"], JUNK as u64);
    assert_eq!(s["lines"], 1);
    assert_eq!(s["hits"], 0);
    assert_within_bound(&m, "NUL stream");
}

// Protection: the same for a compressed file that inflates to far more than it weighs (a
// gzip bomb, or a binary file that got into a log directory): 272 gzip members of 1 MiB of
// zeros each, 272 MiB inflated, a few hundred KB on disk.
#[test]
fn gzip_bomb_stays_within_256_mib() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.log.gz");
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    write_zeros(&mut member, 1 << 20);
    let member = member.finish().unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for _ in 0..JUNK >> 20 {
        file.write_all(&member).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    assert!(std::fs::metadata(&path).unwrap().len() < 4 << 20);

    let m = run_measured(&["scan", "-f", "json", path.to_str().unwrap()], |_| {});
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let s = summary(&m);
    assert_eq!(s["bytes"], JUNK as u64);
    assert_eq!(s["hits"], 0);
    assert_within_bound(&m, "gzip bomb");
}

// Protection: a memory-mapped file that is one line of zeros: the search for the line's end
// and the scan of its windows let the map's pages go as they pass, so that the file's pages
// do not all become resident. (The file is sparse: nothing is written to disk.)
#[test]
fn mapped_file_without_newline_stays_within_256_mib() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zeros.log");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(JUNK as u64)
        .unwrap();
    let m = run_measured(
        &[
            "scan",
            "-f",
            "json",
            "--mmap",
            "always",
            path.to_str().unwrap(),
        ],
        |_| {},
    );
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let s = summary(&m);
    assert_eq!(s["bytes"], JUNK as u64);
    assert_eq!(s["lines"], 1);
    assert_within_bound(&m, "mapped file of zeros");
}

/// Size of the long line, newline included.
const LONG_LINE: usize = 300_000_000;

const START: &[u8] = b"2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided) ";
const MIDDLE: &[u8] = b" HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): x ";
const END: &[u8] =
    b" {\"stat\":\"error\",\"code\":210,\"error\":\"invalid_credentials\",\"request_id\":\"r\"}\n";

/// Where MIDDLE starts in the long line.
const MIDDLE_AT: usize = LONG_LINE / 2;

/// Writes the 300 MB line: the Okta code at its start, the Stormpath code in its middle, the
/// Akamai code at its end, filler without anchors between.
fn write_long_line(mut w: impl Write) {
    let filler = filler();
    let fill = |w: &mut dyn Write, mut n: usize| -> std::io::Result<()> {
        while n > 0 {
            let take = n.min(filler.len());
            w.write_all(&filler[..take])?;
            n -= take;
        }
        Ok(())
    };
    let result = (|| -> std::io::Result<()> {
        w.write_all(START)?;
        fill(&mut w, MIDDLE_AT - START.len())?;
        w.write_all(MIDDLE)?;
        fill(&mut w, LONG_LINE - MIDDLE_AT - MIDDLE.len() - END.len())?;
        w.write_all(END)
    })();
    // A reader that went away is reported by the reader's own output.
    let _ = result;
}

// Protection: a line far longer than what is held at once is still scanned whole, in
// windows: its three codes (start, middle, end) are three hits, none lost at a window's edge
// and none counted twice in two windows, with memory within the bound. Through a pipe, so
// that nothing can map it.
#[test]
fn line_of_300_mb_on_stdin_yields_three_hits_within_256_mib() {
    let m = run_measured(&["scan", "--hits"], write_long_line);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let hits: Vec<serde_json::Value> = m
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let got: Vec<(String, String, u64, u64)> = hits
        .iter()
        .map(|h| {
            (
                h["vendor"].as_str().unwrap().to_string(),
                h["code"].as_str().unwrap().to_string(),
                h["line"].as_u64().unwrap(),
                h["offset"].as_u64().unwrap(),
            )
        })
        .collect();
    let find = |hay: &[u8], needle: &[u8]| {
        hay.windows(needle.len()).position(|w| w == needle).unwrap() as u64
    };
    let end_at = (LONG_LINE - END.len()) as u64;
    assert_eq!(
        got,
        [
            (
                "okta".into(),
                "E0000011".into(),
                1,
                find(START, b"E0000011")
            ),
            (
                "stormpath".into(),
                "2001".into(),
                1,
                MIDDLE_AT as u64 + find(MIDDLE, b"2001")
            ),
            ("akamai".into(), "210".into(), 1, end_at + find(END, b"210")),
        ]
    );
    assert_within_bound(&m, "300 MB line, --hits");

    // Counted (the parallel stream reader), the same three.
    let m = run_measured(&["scan", "-f", "json"], write_long_line);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let s = summary(&m);
    assert_eq!(s["hits"], 3, "{s}");
    assert_eq!(s["lines"], 1);
    assert_eq!(s["bytes"], LONG_LINE as u64);
    assert_within_bound(&m, "300 MB line, counts");
}
