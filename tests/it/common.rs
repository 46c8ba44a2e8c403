//! What the test modules share: the binary under test and running it (clean exit, expected
//! failure, pipes read on threads), paths of the test data in the repository, vendor lines
//! every test can count on, scanners and the line-by-line reference count, CSV and JSON
//! count parsing, the scan-time fields of reports, FIFOs, and running the binary as an
//! unprivileged user.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;
use errscan::report::Annotation;
use errscan::{Catalog, Counts, Matcher, ScanConfig, Scanner};

/// An Okta SDK exception line: one hit, `okta:E0000011`.
pub const OKTA: &str =
    "2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided), ErrorId oae1";
/// An Akamai error envelope: one hit, `akamai:210`.
pub const AKAMAI: &str =
    r#"{"stat":"error","code":210,"error":"invalid_credentials","request_id":"r"}"#;
/// A Stormpath SDK exception: one hit, `stormpath:2001`.
pub const STORMPATH: &str = "HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): x";

/// The vendor lines, with the (vendor, code) each one is one hit of.
pub const VENDOR_LINES: [(&str, &str, &str); 3] = [
    (OKTA, "okta", "E0000011"),
    (AKAMAI, "akamai", "210"),
    (STORMPATH, "stormpath", "2001"),
];

/// (vendor, code) -> hits.
pub type VendorCodeCounts = BTreeMap<(String, String), u64>;

/// The `errscan` binary built for these tests.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("errscan")
}

/// A command running `errscan`, killed if it runs for more than two minutes (a hang is a
/// failure, not a stuck suite).
pub fn errscan() -> Command {
    let mut cmd = Command::cargo_bin("errscan").unwrap();
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// `rel` under the repository's root.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `rel` under `tests/data/`, which must exist: a missing file fails the test with its path
/// (the data is part of the repository, so a missing file is a broken checkout).
pub fn test_data(rel: &str) -> PathBuf {
    let path = repo_path("tests/data").join(rel);
    assert!(
        path.exists(),
        "test data missing: {} (it is tracked in the repository under tests/data/)",
        path.display()
    );
    path
}

/// A bundled sample log, `sample-logs/NAME`.
pub fn sample(name: &str) -> PathBuf {
    repo_path("sample-logs").join(name)
}

/// The names of the bundled sample logs (`*.log` in `sample-logs/`), sorted.
pub fn sample_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_path("sample-logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    names.sort();
    names
}

/// The Loghub samples of 16 other systems in `tests/data/loghub/`, sorted.
pub fn loghub_logs() -> Vec<PathBuf> {
    let dir = test_data("loghub");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        16,
        "expected the 16 Loghub samples in {}",
        dir.display()
    );
    files
}

/// Runs `cmd`, asserts a clean exit (status 0; the message shows the status and standard
/// error) and returns its output.
pub fn success(cmd: &mut Command) -> Output {
    succeeded(cmd.output().unwrap())
}

/// Asserts that the run that gave `out` exited cleanly (as [`success`], for a command that
/// `assert_cmd` cannot run, such as one whose standard input is a file).
pub fn succeeded(out: Output) -> Output {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Asserts a clean exit and returns standard output, which must be UTF-8.
pub fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(success(cmd).stdout).unwrap()
}

/// Runs `cmd`, asserts that it exits with `status` and returns its standard error.
pub fn stderr_of_failure(cmd: &mut Command, status: i32) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(status), "stderr: {stderr}");
    stderr
}

/// Reads all of `from` on a thread of its own (so that a child's two pipes cannot block each
/// other); join the handle for the bytes.
pub fn read_on_thread(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = from.read_to_end(&mut v);
        v
    })
}

/// 1 MiB of text without an anchor of any rule, to pad lines with.
pub fn filler() -> Vec<u8> {
    b"the quick brown fox jumps over the lazy dog 0123456789 "
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect()
}

/// A scanner of `cat` with `config`.
pub fn scanner(cat: &Catalog, config: ScanConfig) -> Scanner<'_> {
    Scanner::new(Matcher::new(cat, None).unwrap(), config).unwrap()
}

/// The reference count: every line of `data` scanned on its own, on one thread, by `matcher`,
/// into `counts` (empty, made with the cap and vendor order to count under).
pub fn line_by_line(matcher: &Matcher<'_>, data: &[u8], mut counts: Counts) -> Counts {
    let mut scratch = Default::default();
    for line in data.split(|b| *b == b'\n') {
        matcher.find_lines(line, &mut scratch, |l| {
            for h in l.hits {
                counts.add(&h.code);
            }
        });
    }
    counts
}

/// The hits of one line, as `vendor:code`, in the order the scanner reports them.
pub fn hits_of(scanner: &Scanner<'_>, cat: &Catalog, line: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    scanner
        .hits_bytes(line, &mut |h| {
            let a = Annotation::of(cat, &h.code);
            out.push(format!("{}:{}", a.vendor, a.code));
            Ok(())
        })
        .expect("scanning one line in memory cannot fail");
    out
}

/// (vendor, code) -> count from `scan -f csv` output (rows of other keys summed).
pub fn csv_counts(text: &str) -> VendorCodeCounts {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (v, c, n) = (col("vendor"), col("code"), col("count"));
    let mut out = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        *out.entry((rec[v].to_string(), rec[c].to_string()))
            .or_insert(0) += rec[n].parse::<u64>().unwrap();
    }
    out
}

/// (vendor, code) -> count from the `counts` of a `scan -f json` report.
pub fn json_counts(doc: &serde_json::Value) -> VendorCodeCounts {
    let mut counts = VendorCodeCounts::new();
    for row in doc["counts"].as_array().unwrap() {
        let key = (
            row["vendor"].as_str().unwrap().to_string(),
            row["code"].as_str().unwrap().to_string(),
        );
        *counts.entry(key).or_insert(0) += row["count"].as_u64().unwrap();
    }
    counts
}

/// Makes a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}
/// Whether this process runs as root, for which permission bits do not stop reads.
#[cfg(unix)]
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // The owner of a file this process just made is its effective user.
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

/// The user and group that [`unprivileged`] runs commands as when the tests run as root:
/// `nobody`/`nogroup` on Debian.
#[cfg(unix)]
pub const UNPRIVILEGED_ID: u32 = 65534;

/// A command running `program` with permission bits in force: as it is, when the tests do
/// not run as root; as user and group 65534 without supplementary groups (util-linux
/// `setpriv`) when they do. Panics, rather than letting a test run privileged, when `setpriv`
/// cannot drop privileges here. The files `program` opens must be reachable by that user:
/// see [`open_to_everyone`].
#[cfg(unix)]
pub fn unprivileged(program: &Path) -> std::process::Command {
    if !is_root() {
        return std::process::Command::new(program);
    }
    let id = UNPRIVILEGED_ID.to_string();
    let drop_args = [
        format!("--reuid={id}"),
        format!("--regid={id}"),
        "--clear-groups".to_string(),
    ];
    let check = std::process::Command::new("setpriv")
        .args(&drop_args)
        .args(["id", "-u"])
        .output()
        .unwrap_or_else(|e| {
            panic!("running as root and `setpriv` (util-linux) cannot be run ({e}): install it")
        });
    assert!(
        check.status.success() && String::from_utf8_lossy(&check.stdout).trim() == id,
        "running as root and `setpriv` cannot drop to uid {id}: {:?}, {}",
        check.status,
        String::from_utf8_lossy(&check.stderr)
    );
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(&drop_args).arg("--").arg(program);
    cmd
}

/// Opens `dir` (a temporary directory, 0700 when made) to every user, so that a command from
/// [`unprivileged`] can reach the files in it.
#[cfg(unix)]
pub fn open_to_everyone(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The peak resident memory of process `pid`'s own address space, in bytes (`VmHWM`). Read it
/// while the process runs: `ru_maxrss` from wait4 is no measure in a test binary, since Linux
/// carries into it the peak of the address space a child had before `exec`, and a child
/// spawned by vfork had its parent's.
pub fn vm_hwm(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The summary fields that say when and for how long a scan ran, not what it read.
pub const SCAN_TIME_FIELDS: [&str; 2] = ["scanned_at", "scan_seconds"];

/// A JSON report's text with the scan's time and duration replaced by `[scanned_at]` and
/// `[scan_seconds]`, and nothing else changed, for snapshots. Panics when the report lacks
/// them.
pub fn redact_scan_time(report: &str) -> String {
    let time = regex::Regex::new(r#""scanned_at": "[^"]+""#).unwrap();
    let seconds = regex::Regex::new(r#""scan_seconds": [0-9.eE+-]+"#).unwrap();
    assert!(time.is_match(report), "no scanned_at in {report}");
    assert!(seconds.is_match(report), "no scan_seconds in {report}");
    let report = time.replace(report, r#""scanned_at": "[scanned_at]""#);
    seconds
        .replace(&report, r#""scan_seconds": "[scan_seconds]""#)
        .into_owned()
}

/// A report's summary without [`SCAN_TIME_FIELDS`] (which it must have): the fields that
/// depend on the input only, to compare two scans of the same input.
pub fn input_summary(summary: &serde_json::Value) -> serde_json::Value {
    let mut s = summary.clone();
    let fields = s.as_object_mut().expect("summary is an object");
    for name in SCAN_TIME_FIELDS {
        assert!(fields.remove(name).is_some(), "no {name} in {summary}");
    }
    s
}

/// `report` written as a JSON report and read back, as `errscan merge` reads it.
pub fn through_json(report: &errscan::Grouped) -> errscan::Grouped {
    let mut text = Vec::new();
    errscan::output::json::write_report(&mut text, report).unwrap();
    errscan::output::json::read_report(std::str::from_utf8(&text).unwrap()).unwrap()
}
