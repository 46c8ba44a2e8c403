//! `errscan watch` end to end: the binary follows real files while the tests write, rotate,
//! truncate and delete them, and its /metrics must equal what `scan` finds in the same bytes.
//! Real parts: `promtool check metrics` and a Prometheus server scraping the exporter (both
//! from Debian's `prometheus` package; a test fails, never skips, when they are missing).

use crate::common::bin as errscan;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use errscan::{Annotation, Catalog, Matcher, ScanConfig, Scanner};

/// How long any condition is waited for before a test fails.
const PATIENCE: Duration = Duration::from_secs(60);

/// The lines of the in-repository sample logs, which hold codes of every vendor, each with
/// its newline.
fn sample_lines() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let mut lines = Vec::new();
    for name in ["mixed.log", "okta.log", "wso2.log", "akamai.log"] {
        let text = fs::read(dir.join(name)).unwrap();
        lines.extend(text.split_inclusive(|&b| b == b'\n').map(|l| {
            let mut l = l.to_vec();
            if !l.ends_with(b"\n") {
                l.push(b'\n');
            }
            l
        }));
    }
    lines
}

/// `n` sample lines starting at line `from` (wrapping).
fn log_text(from: usize, n: usize) -> Vec<u8> {
    let lines = sample_lines();
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(&lines[(from + i) % lines.len()]);
    }
    out
}

/// What `scan` counts in `bytes`: hits per (vendor, code), and lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Truth {
    errors: BTreeMap<(String, String), u64>,
    lines: u64,
    bytes: u64,
}

impl Truth {
    fn of(bytes: &[u8]) -> Truth {
        let cat = Catalog::embedded().unwrap();
        let scanner =
            Scanner::new(Matcher::new(&cat, None).unwrap(), ScanConfig::default()).unwrap();
        let (counts, extent) = scanner.scan_bytes(bytes);
        let mut errors = BTreeMap::new();
        for (code, _, n) in counts.rows(&cat) {
            let a = Annotation::of(&cat, &code);
            *errors
                .entry((a.vendor.to_string(), a.code.to_string()))
                .or_insert(0) += n;
        }
        let unterminated = u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
        Truth {
            errors,
            lines: extent.newlines + unterminated,
            bytes: bytes.len() as u64,
        }
    }

    /// The truth of several files: each counted on its own, as `scan` does.
    fn of_files(files: &[&[u8]]) -> Truth {
        let mut all = Truth::default();
        for f in files {
            let t = Truth::of(f);
            for (k, n) in t.errors {
                *all.errors.entry(k).or_insert(0) += n;
            }
            all.lines += t.lines;
            all.bytes += t.bytes;
        }
        all
    }

    fn total(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// One sample of a scrape: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the samples of a Prometheus text or OpenMetrics exposition.
fn parse_samples(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value.parse().unwrap();
        let (name, mut rest) = match series.split_once('{') {
            Some((n, r)) => (n, r.strip_suffix('}').unwrap()),
            None => (series, ""),
        };
        let mut labels = BTreeMap::new();
        while !rest.is_empty() {
            let (key, r) = rest.split_once("=\"").unwrap();
            let mut val = String::new();
            let mut chars = r.char_indices();
            let end = loop {
                match chars.next().unwrap() {
                    (_, '\\') => match chars.next().unwrap().1 {
                        'n' => val.push('\n'),
                        c => val.push(c),
                    },
                    (i, '"') => break i,
                    (_, c) => val.push(c),
                }
            };
            labels.insert(key.to_string(), val);
            rest = r[end + 1..].trim_start_matches(',');
        }
        out.push((name.to_string(), labels, value));
    }
    out
}

/// What an exporter serves, reduced to what the tests compare.
#[derive(Debug, PartialEq, Eq)]
struct Served {
    errors: BTreeMap<(String, String), u64>,
    lines: u64,
    bytes: u64,
    files: u64,
}

impl Served {
    fn of(text: &str) -> Served {
        let mut s = Served {
            errors: BTreeMap::new(),
            lines: 0,
            bytes: 0,
            files: 0,
        };
        for (name, labels, value) in parse_samples(text) {
            match name.as_str() {
                // Documented codes are served from 0; the truth lists codes found.
                "errscan_errors_total" if value == 0.0 => {}
                "errscan_errors_total" => {
                    *s.errors
                        .entry((labels["vendor"].clone(), labels["code"].clone()))
                        .or_insert(0) += value as u64;
                }
                "errscan_lines_total" => s.lines = value as u64,
                "errscan_bytes_total" => s.bytes = value as u64,
                "errscan_files_watched" => s.files = value as u64,
                _ => {}
            }
        }
        s
    }

    fn matches(&self, t: &Truth) -> bool {
        self.errors == t.errors && self.lines == t.lines && self.bytes == t.bytes
    }
}

/// A running `errscan watch`, killed when dropped (also when a test fails).
struct Exporter {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Exporter {
    /// Starts `errscan watch --listen 127.0.0.1:0 ARGS` and waits until it serves.
    fn start(args: &[&str]) -> Exporter {
        let mut child = Command::new(errscan())
            .args(["watch", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap());
        let kept = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("errscan: serving http://") {
                    let addr = rest.split('/').next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                kept.lock().unwrap().push(line);
            }
        });
        let mut exporter = Exporter {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        match rx.recv_timeout(PATIENCE) {
            Ok(addr) => exporter.addr = addr.parse().unwrap(),
            Err(_) => panic!("watch did not start: {:?}", exporter.stderr()),
        }
        exporter
    }

    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    fn scrape_as(&self, accept: &str) -> (String, String) {
        let r = minreq::get(format!("http://{}/metrics", self.addr))
            .with_header("Accept", accept)
            .with_timeout(10)
            .send()
            .unwrap();
        assert_eq!(r.status_code, 200);
        let ct = r.headers.get("content-type").cloned().unwrap_or_default();
        (r.as_str().unwrap().to_string(), ct)
    }

    fn scrape(&self) -> String {
        self.scrape_as("text/plain").0
    }

    fn served(&self) -> Served {
        Served::of(&self.scrape())
    }

    /// Waits until the served counters equal `truth`.
    fn wait_for(&self, truth: &Truth) {
        let start = Instant::now();
        loop {
            let served = self.served();
            if served.matches(truth) {
                return;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "served {served:?}\nexpected {truth:?}\nstderr: {:?}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code.
    fn stop(&mut self) -> Option<i32> {
        // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(start.elapsed() < PATIENCE, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

/// Appends `n` sample lines from line `from` to `path` in pieces, and to `all`.
fn write_log(path: &Path, from: usize, n: usize, all: &mut Vec<u8>) {
    let text = log_text(from, n);
    for piece in text.chunks(997) {
        append(path, piece);
    }
    all.extend_from_slice(&text);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Three seconds: more than two sweeps, so that anything pending has been looked at.
fn settle() {
    std::thread::sleep(Duration::from_secs(3));
}

#[test]
fn appends_in_small_writes_count_complete_lines_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    File::create(&log).unwrap();
    let w = Exporter::start(&[s(&log)]);
    let text = log_text(0, 400);
    let mut f = OpenOptions::new().append(true).open(&log).unwrap();
    // Pieces of 1 to 97 bytes: most lines arrive split over several writes.
    let mut at = 0;
    let mut step = 1;
    while at < text.len() {
        let end = (at + step).min(text.len());
        f.write_all(&text[at..end]).unwrap();
        at = end;
        step = step * 7 % 97 + 1;
        if at % 13 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let truth = Truth::of(&text);
    assert!(truth.total() > 50, "the sample must hold hits");
    w.wait_for(&truth);
    // A partial line is not counted until its newline comes.
    f.write_all(b"2026-11-21T03:14:07Z WARN okta: Okta E0000011 (Invalid")
        .unwrap();
    settle();
    assert!(w.served().matches(&truth));
    f.write_all(b" token provided)\n").unwrap();
    let mut all = text.clone();
    all.extend_from_slice(
        b"2026-11-21T03:14:07Z WARN okta: Okta E0000011 (Invalid token provided)\n",
    );
    let truth = Truth::of(&all);
    w.wait_for(&truth);
    assert_eq!(w.served().files, 1);
}

#[test]
fn files_present_at_first_start_are_read_from_their_end_unless_from_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let old = log_text(0, 100);
    fs::write(&log, &old).unwrap();
    let w = Exporter::start(&[s(&log)]);
    let new = log_text(100, 100);
    append(&log, &new);
    w.wait_for(&Truth::of(&new));
    drop(w);
    let w = Exporter::start(&["--from-start", s(&log)]);
    let mut all = old.clone();
    all.extend_from_slice(&new);
    w.wait_for(&Truth::of(&all));
}

#[test]
fn rename_rotation_finishes_the_old_file_and_reads_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    File::create(&log).unwrap();
    let w = Exporter::start(&["--glob", "app.log", s(dir.path())]);
    let mut all = Vec::new();
    let a = log_text(0, 150);
    append(&log, &a);
    all.extend_from_slice(&a);
    w.wait_for(&Truth::of(&all));
    // Rotated away; the writer goes on writing to the old file for a moment.
    fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    let b = log_text(150, 80);
    append(&dir.path().join("app.log.1"), &b);
    all.extend_from_slice(&b);
    let c = log_text(230, 120);
    append(&log, &c);
    all.extend_from_slice(&c);
    w.wait_for(&Truth::of(&all));
    let rotations = parse_samples(&w.scrape())
        .into_iter()
        .find(|(n, l, _)| n == "errscan_rotations_total" && l["kind"] == "rename")
        .map(|(_, _, v)| v);
    assert_eq!(rotations, Some(1.0));
}

#[test]
fn a_file_renamed_into_a_followed_name_is_not_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let old = dir.path().join("app.log.1");
    File::create(&log).unwrap();
    let w = Exporter::start(&["--glob", "app.log*", s(dir.path())]);
    let mut first = log_text(0, 150);
    append(&log, &first);
    w.wait_for(&Truth::of(&first));
    fs::rename(&log, &old).unwrap();
    let more = log_text(150, 60);
    append(&old, &more);
    first.extend_from_slice(&more);
    let second = log_text(210, 90);
    append(&log, &second);
    w.wait_for(&Truth::of_files(&[&first, &second]));
    // Both names are followed, each file once; still so after a full sweep.
    settle();
    let served = w.served();
    assert!(served.matches(&Truth::of_files(&[&first, &second])));
    assert_eq!(served.files, 2);
}

#[test]
fn copytruncate_is_seen_even_when_the_file_grew_past_the_old_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let state = dir.path().join("state.json");
    File::create(&log).unwrap();
    let args = ["--state", s(&state), "--glob", "app.log*", s(dir.path())];
    let mut w = Exporter::start(&args);
    let a = log_text(0, 100);
    append(&log, &a);
    let mut all = a.clone();
    w.wait_for(&Truth::of(&all));
    // Live: truncated and rewritten with more than was counted, in one write.
    let b = log_text(100, 300);
    fs::write(&log, &b).unwrap();
    all.extend_from_slice(&b);
    w.wait_for(&Truth::of(&all));
    // While errscan is down: lines appended, the file copied (and the copy followed, by
    // --glob), truncated and rewritten longer than before. The copy goes on where the old
    // content was counted; the new content is read from its start.
    assert_eq!(w.stop(), Some(0));
    let c = log_text(400, 50);
    append(&log, &c);
    all.extend_from_slice(&c);
    fs::copy(&log, dir.path().join("app.log.1")).unwrap();
    let d = log_text(450, 500);
    fs::write(&log, &d).unwrap();
    all.extend_from_slice(&d);
    let w = Exporter::start(&args);
    w.wait_for(&Truth::of(&all));
    let truncations = parse_samples(&w.scrape())
        .into_iter()
        .find(|(n, l, _)| n == "errscan_rotations_total" && l["kind"] == "truncate")
        .map(|(_, _, v)| v);
    assert_eq!(truncations, Some(2.0));
}

#[test]
fn a_deleted_file_is_read_to_its_end_and_let_go() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    File::create(&log).unwrap();
    let w = Exporter::start(&[s(dir.path())]);
    let mut text = log_text(0, 200);
    append(&log, &text);
    w.wait_for(&Truth::of(&text));
    // A last line without a newline is a line once the file is gone, as for `scan`.
    let last = b"2026-11-21T03:14:07Z WARN okta: Okta E0000011 (Invalid token provided)";
    append(&log, last);
    text.extend_from_slice(last);
    fs::remove_file(&log).unwrap();
    w.wait_for(&Truth::of(&text));
    let start = Instant::now();
    while w.served().files != 0 {
        assert!(
            start.elapsed() < PATIENCE,
            "the deleted file is still followed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // A new file in the directory is picked up from its start.
    let new = log_text(300, 40);
    fs::write(dir.path().join("other.log"), &new).unwrap();
    w.wait_for(&Truth::of_files(&[&text, &new]));
}

#[test]
fn a_restart_with_state_loses_nothing_and_counts_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let state = dir.path().join("state.json");
    File::create(&log).unwrap();
    let text = log_text(0, 3000);
    let writer = {
        let (log, text) = (log.clone(), text.clone());
        std::thread::spawn(move || {
            let mut f = OpenOptions::new().append(true).open(&log).unwrap();
            for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
                f.write_all(line).unwrap();
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
    };
    // Three runs, stopped while the writer goes on; the last one sees the writer finish.
    for run_ms in [400, 300] {
        let mut w = Exporter::start(&["--from-start", "--state", s(&state), s(&log)]);
        std::thread::sleep(Duration::from_millis(run_ms));
        assert_eq!(w.stop(), Some(0));
        std::thread::sleep(Duration::from_millis(300));
    }
    let w = Exporter::start(&["--from-start", "--state", s(&state), s(&log)]);
    writer.join().unwrap();
    // The first run started at the end of an empty file: everything written is counted.
    w.wait_for(&Truth::of(&text));
}

#[test]
fn after_a_kill_the_restart_serves_no_counter_lower_than_was_served() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let state = dir.path().join("state.json");
    File::create(&log).unwrap();
    let args = ["--from-start", "--state", s(&state), s(&log)];
    let w = Exporter::start(&args);
    let mut all = Vec::new();
    write_log(&log, 0, 200, &mut all);
    w.wait_for(&Truth::of(&all));
    // Counted and served a moment before the kill, well within the 5 s between saves.
    write_log(&log, 200, 300, &mut all);
    w.wait_for(&Truth::of(&all));
    let before = w.served();
    drop(w); // SIGKILL: nothing is saved on the way out
    let w = Exporter::start(&args);
    let after = w.served();
    assert!(
        after.lines >= before.lines
            && after.bytes >= before.bytes
            && before
                .errors
                .iter()
                .all(|(k, n)| after.errors.get(k).is_some_and(|m| m >= n)),
        "served before the kill {before:?}\nfirst served after {after:?}"
    );
    // Nothing lost, nothing counted twice.
    write_log(&log, 500, 100, &mut all);
    w.wait_for(&Truth::of(&all));
}

#[test]
fn a_state_file_that_cannot_be_written_is_named_and_the_counters_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let state = dir.path().join("no-such-dir").join("state.json");
    File::create(&log).unwrap();
    let w = Exporter::start(&["--from-start", "--state", s(&state), s(&log)]);
    let mut all = Vec::new();
    write_log(&log, 0, 100, &mut all);
    w.wait_for(&Truth::of(&all));
    let failures = parse_samples(&w.scrape())
        .into_iter()
        .find(|(name, _, _)| name == "errscan_state_save_errors_total")
        .map(|(_, _, v)| v);
    assert!(failures.is_some_and(|v| v >= 1.0), "{failures:?}");
    assert!(
        w.stderr().iter().any(|l| l.contains("no-such-dir")),
        "{:?}",
        w.stderr()
    );
}

#[test]
fn a_corrupt_or_foreign_state_file_is_named_and_replaced_by_a_fresh_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let other = dir.path().join("other.log");
    let state = dir.path().join("state.json");
    fs::write(&log, log_text(0, 50)).unwrap();
    fs::write(&other, log_text(0, 50)).unwrap();
    fs::write(&state, b"{\"version\": 1, \"files\": [garbage").unwrap();
    let mut w = Exporter::start(&["--state", s(&state), s(&log)]);
    let said = w.stderr().join("\n");
    assert!(
        said.contains(&format!("{}: not an errscan watch state file", s(&state))),
        "{said}"
    );
    assert!(said.contains("starting afresh"), "{said}");
    // A fresh start reads the files present from their end: nothing counted twice.
    let new = log_text(50, 30);
    append(&log, &new);
    w.wait_for(&Truth::of(&new));
    assert_eq!(w.stop(), Some(0));
    // The state saved now is for app.log; given to a run over other.log it is foreign.
    let mut w = Exporter::start(&["--state", s(&state), s(&other)]);
    let said = w.stderr().join("\n");
    assert!(said.contains("written for other paths"), "{said}");
    let new2 = log_text(80, 30);
    append(&other, &new2);
    w.wait_for(&Truth::of(&new2));
    assert_eq!(w.stop(), Some(0));
}

#[test]
fn an_idle_watch_costs_next_to_no_cpu_and_skips_its_own_state_file() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        fs::write(dir.path().join(format!("f{i}.log")), log_text(i * 10, 10)).unwrap();
    }
    let state = dir.path().join("state.json");
    let w = Exporter::start(&["--state", s(&state), s(dir.path())]);
    // A directory created below a followed one is walked; its files are new.
    fs::create_dir(dir.path().join("sub")).unwrap();
    let new = log_text(100, 20);
    fs::write(dir.path().join("sub/app.log"), &new).unwrap();
    w.wait_for(&Truth::of(&new));
    let cpu = || {
        parse_samples(&w.scrape())
            .into_iter()
            .find(|(n, _, _)| n == "process_cpu_seconds_total")
            .map(|(_, _, v)| v)
            .unwrap()
    };
    // Past a save of the state file, which sits in the followed directory.
    let before = cpu();
    std::thread::sleep(Duration::from_secs(6));
    let used = cpu() - before;
    // Idle, a sweep a second costs microseconds; a loop on its own events would take a core.
    assert!(used < 1.0, "{used} s of CPU in 6 s of idleness");
    let served = w.served();
    assert_eq!(served.files, 6, "the state file is not followed");
    assert!(served.matches(&Truth::of(&new)));
}

#[test]
fn a_compressed_file_in_a_followed_directory_is_named_and_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let w = Exporter::start(&[s(dir.path())]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&log_text(0, 200)).unwrap();
    fs::write(dir.path().join("app.log.1.gz"), gz.finish().unwrap()).unwrap();
    let plain = log_text(200, 20);
    fs::write(dir.path().join("app.log"), &plain).unwrap();
    w.wait_for(&Truth::of(&plain));
    let start = Instant::now();
    while !w
        .stderr()
        .iter()
        .any(|l| l.contains("app.log.1.gz: compressed"))
    {
        assert!(start.elapsed() < PATIENCE, "{:?}", w.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    settle();
    assert_eq!(w.served().files, 1);
    assert!(w.served().matches(&Truth::of(&plain)));
}

#[test]
fn polling_follows_appends_new_files_and_rotations() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    File::create(&log).unwrap();
    let w = Exporter::start(&["--poll", "--glob", "*.log", s(dir.path())]);
    let mut first = log_text(0, 100);
    append(&log, &first);
    w.wait_for(&Truth::of(&first));
    fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    let more = log_text(100, 30);
    append(&dir.path().join("app.log.1"), &more);
    first.extend_from_slice(&more);
    let second = log_text(130, 50);
    append(&log, &second);
    let other = log_text(180, 40);
    fs::write(dir.path().join("other.log"), &other).unwrap();
    w.wait_for(&Truth::of_files(&[&first, &second, &other]));
}

#[test]
fn a_port_in_use_is_named_and_ends_with_status_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(errscan())
        .args(["watch", "--listen", &addr.to_string(), s(dir.path())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

/// Runs `promtool check metrics` on `text`; promtool must be installed (CI installs it).
fn promtool_check(text: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus) must be installed for this test");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn metrics_pass_promtool_and_openmetrics_is_served_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    File::create(&log).unwrap();
    let w = Exporter::start(&[s(&log)]);
    let text = log_text(0, 600);
    append(&log, &text);
    w.wait_for(&Truth::of(&text));
    let (prom, ct) = w.scrape_as("text/plain;version=0.0.4");
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    assert!(prom.contains("errscan_build_info{version="));
    assert!(prom.contains("errscan_code_info{vendor=\"okta\",code=\"E0000011\",description="));
    assert!(prom.contains("process_resident_memory_bytes "));
    promtool_check(&prom);
    let (om, ct) = w.scrape_as(
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    );
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE errscan_errors counter\n"));
    assert_eq!(Served::of(&om), Served::of(&prom));
}

/// A Prometheus server with its own config and storage, killed when dropped.
struct PrometheusServer {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl PrometheusServer {
    fn start(target: SocketAddr) -> PrometheusServer {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: errscan\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(dir.path().join("log")).unwrap())
            .spawn()
            .expect("prometheus (Debian package prometheus) must be installed for this test");
        let server = PrometheusServer {
            child,
            addr,
            _dir: dir,
        };
        let start = Instant::now();
        loop {
            let ready = minreq::get(format!("http://{addr}/-/ready"))
                .with_timeout(2)
                .send()
                .is_ok_and(|r| r.status_code == 200);
            if ready {
                return server;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "prometheus did not become ready"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The instant vector of `query`: (labels, value) per series.
    fn query(&self, query: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        let r = minreq::get(format!("http://{}/api/v1/query", self.addr))
            .with_param("query", query)
            .with_timeout(10)
            .send()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(r.as_str().unwrap()).unwrap();
        assert_eq!(doc["status"], "success", "{doc}");
        let mut out = Vec::new();
        for series in doc["data"]["result"].as_array().unwrap() {
            let labels = series["metric"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let value = series["value"][1].as_str().unwrap().parse().unwrap();
            out.push((labels, value));
        }
        out
    }

    /// What Prometheus stored last, in the terms of [`Served`].
    fn stored(&self) -> Served {
        let one = |q: &str| self.query(q).first().map_or(u64::MAX, |(_, v)| *v as u64);
        let mut errors = BTreeMap::new();
        for (labels, v) in self.query("sum by (vendor, code) (errscan_errors_total) > 0") {
            errors.insert((labels["vendor"].clone(), labels["code"].clone()), v as u64);
        }
        Served {
            errors,
            lines: one("errscan_lines_total"),
            bytes: one("errscan_bytes_total"),
            files: one("errscan_files_watched"),
        }
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn prometheus_stores_the_true_counts_through_rotations() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let app = logs.join("app.log");
    let auth = logs.join("auth.log");
    File::create(&app).unwrap();
    let w = Exporter::start(&["--glob", "*.log", s(&logs)]);
    let prometheus = PrometheusServer::start(w.addr);
    // Prometheus takes up its targets a few seconds after it is ready: the writes start once
    // it has scraped the exporter, so that it sees the counters grow.
    let start = Instant::now();
    while prometheus.query("up == 1").is_empty() {
        assert!(
            start.elapsed() < PATIENCE,
            "Prometheus does not scrape the exporter"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Each step is given time for a scrape or two, so that Prometheus sees the counters
    // grow through the rotations.
    let scrape = || std::thread::sleep(Duration::from_millis(1500));
    let mut all = Vec::new();
    write_log(&app, 0, 300, &mut all);
    scrape();
    // A new file in the directory, read from its start.
    write_log(&auth, 300, 200, &mut all);
    scrape();
    // A rename rotation; the new name is not followed, the old file is finished.
    fs::rename(&app, logs.join("app.log.1")).unwrap();
    write_log(&app, 500, 250, &mut all);
    scrape();
    // A copytruncate rotation of the other file, after its lines were counted.
    w.wait_for(&Truth::of(&all));
    fs::copy(&auth, logs.join("auth.log.1")).unwrap();
    fs::write(&auth, b"").unwrap();
    write_log(&auth, 750, 400, &mut all);
    let truth = Truth::of(&all);
    w.wait_for(&truth);
    let start = Instant::now();
    loop {
        let stored = prometheus.stored();
        if stored.matches(&truth) {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "Prometheus stored {stored:?}\nexpected {truth:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // Every query of the Grafana dashboard in docs/ runs and finds series, and the top codes
    // carry their descriptions (once there are samples enough for a rate over 30 s).
    let samples = || {
        prometheus
            .query("count_over_time(errscan_lines_total[30s])")
            .first()
            .map_or(0.0, |(_, v)| *v)
    };
    while samples() < 4.0 {
        assert!(start.elapsed() < PATIENCE, "Prometheus stopped scraping");
        std::thread::sleep(Duration::from_millis(500));
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/grafana-dashboard.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$job", ".*")
                .replace("$instance", ".*")
                .replace("$__rate_interval", "30s")
                .replace("$__range", "5m");
            // Scrapes may be late on a loaded machine: a query is retried until it has data.
            let result = loop {
                let result = prometheus.query(&expr);
                if !result.is_empty() {
                    break result;
                }
                assert!(
                    start.elapsed() < PATIENCE * 2,
                    "no series for {expr}; samples in the last minute: {:?}",
                    prometheus.query("count_over_time(errscan_lines_total[1m])"),
                );
                std::thread::sleep(Duration::from_millis(500));
            };
            if expr.contains("errscan_code_info") {
                assert!(result.iter().all(|(l, _)| !l["description"].is_empty()));
            }
            queries += 1;
        }
    }
    assert!(queries >= 5);
}

/// The dashboard in docs/ as Grafana imports it. Grafana itself is not installed by the
/// tests (it is in none of the package registries they use): this checks the structure its
/// import needs, and the Prometheus test above runs every query.
#[test]
fn the_grafana_dashboard_has_what_a_grafana_import_needs() {
    use serde_json::Value;
    let d: Value = serde_json::from_str(
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/grafana-dashboard.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let text = |v: &Value, what: &str| -> String {
        match v.as_str() {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => panic!("{what}: not a non-empty string: {v}"),
        }
    };
    let int = |v: &Value, what: &str| -> i64 {
        v.as_i64()
            .unwrap_or_else(|| panic!("{what}: not an integer: {v}"))
    };
    text(&d["title"], "title");
    let uid = text(&d["uid"], "uid");
    assert!(
        uid.len() <= 40
            && uid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "uid {uid}"
    );
    // Data sources given as objects in panels need schema 33 or later.
    assert!(int(&d["schemaVersion"], "schemaVersion") >= 33);
    text(&d["time"]["from"], "time.from");
    text(&d["time"]["to"], "time.to");
    assert!(d["annotations"]["list"].is_array());

    // What an import asks the user for, and what it needs installed.
    let inputs: Vec<String> = d["__inputs"]
        .as_array()
        .expect("__inputs")
        .iter()
        .map(|i| {
            assert_eq!(i["type"], "datasource");
            assert_eq!(i["pluginId"], "prometheus");
            text(&i["name"], "__inputs name")
        })
        .collect();
    let required: BTreeSet<(String, String)> = d["__requires"]
        .as_array()
        .expect("__requires")
        .iter()
        .map(|r| {
            (
                text(&r["type"], "__requires type"),
                text(&r["id"], "__requires id"),
            )
        })
        .collect();
    assert!(required.contains(&("datasource".into(), "prometheus".into())));

    // Template variables, and every variable used is defined (or is one of Grafana's own).
    let mut variables: BTreeSet<String> = ["__rate_interval", "__range", "__interval", "__all"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for v in d["templating"]["list"].as_array().expect("templating.list") {
        let name = text(&v["name"], "variable name");
        let kind = text(&v["type"], "variable type");
        assert!(["datasource", "query", "custom", "constant", "interval"].contains(&kind.as_str()));
        if kind == "query" {
            assert!(v["datasource"]["uid"].is_string(), "variable {name}");
            text(&v["query"]["query"], "variable query");
        }
        assert!(
            variables.insert(name.clone()),
            "variable {name} defined twice"
        );
    }
    let used = |s: &str| -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            rest = &rest[i + 1..];
            let braced = rest.starts_with('{');
            let body = if braced { &rest[1..] } else { rest };
            let name: String = body
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
        names
    };
    let check_uses = |s: &str| {
        for name in used(s) {
            assert!(
                variables.contains(&name) || inputs.contains(&name),
                "${name} in {s} is not defined"
            );
        }
    };
    for v in d["templating"]["list"].as_array().unwrap() {
        check_uses(&v.to_string());
    }

    // Panels: unique ids, a known type, a place on the 24-column grid that no other panel
    // takes, a Prometheus data source, and queries with unique refIds.
    let panels = d["panels"].as_array().expect("panels");
    assert!(panels.len() >= 5);
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for p in panels {
        let title = text(&p["title"], "panel title");
        assert!(
            int(&p["id"], &title) > 0 && ids.insert(int(&p["id"], &title)),
            "{title}: id"
        );
        let kind = text(&p["type"], &title);
        assert!(
            required.contains(&("panel".into(), kind.clone())),
            "{title}: panel type {kind} not in __requires"
        );
        let g = &p["gridPos"];
        let (x, y, w, h) = (
            int(&g["x"], &title),
            int(&g["y"], &title),
            int(&g["w"], &title),
            int(&g["h"], &title),
        );
        assert!(
            x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24,
            "{title}: gridPos {g}"
        );
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(
                    cells.insert((cx, cy)),
                    "{title} overlaps another panel at {cx},{cy}"
                );
            }
        }
        assert_eq!(p["datasource"]["type"], "prometheus", "{title}");
        check_uses(&text(&p["datasource"]["uid"], &title));
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        let mut refs = BTreeSet::new();
        for t in targets {
            assert!(
                refs.insert(text(&t["refId"], &title)),
                "{title}: refId twice"
            );
            assert_eq!(t["datasource"], p["datasource"], "{title}");
            let expr = text(&t["expr"], &title);
            assert!(expr.contains("errscan_"), "{title}: {expr}");
            check_uses(&expr);
        }
        for tr in p["transformations"].as_array().into_iter().flatten() {
            text(&tr["id"], "transformation id");
        }
    }
}
