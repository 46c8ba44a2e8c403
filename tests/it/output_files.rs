//! `-o FILE` on every kind of path an operator points it at: a symbolic link, a FIFO with a
//! reader, a device node, `/dev/fd/1`, new files under a umask, an existing file's mode and
//! group, directories that cannot be written, and a write that fails midway. Each test runs
//! the real binary and would fail if `-o` replaced what it should write through (or left a
//! report unreadable to other users).
#![cfg(unix)]

use std::fs::{File, Permissions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::{bin, is_root, read_on_thread};

const LOG: &str = "\
2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided), ErrorId oae1
{\"stat\":\"error\",\"code\":210,\"error\":\"invalid_credentials\",\"request_id\":\"r\"}
HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): x
";

/// The CSV report of [`LOG`], as `scan -f csv` prints it.
fn expected_report(dir: &Path) -> Vec<u8> {
    let out = run(dir, &["scan", "-f", "csv", "log.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"vendor,code"), "{}", stdout(&out));
    out.stdout
}

/// A temporary directory (readable by every user, for the tests that drop privileges) with
/// `log.txt` in it.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.path().join("log.txt"), LOG).unwrap();
    std::fs::set_permissions(dir.path().join("log.txt"), Permissions::from_mode(0o644)).unwrap();
    dir
}

/// Runs errscan in `dir` with `args`, killing it after a minute.
fn run(dir: &Path, args: &[&str]) -> Output {
    run_command(Command::new(bin()).args(args).current_dir(dir))
}

fn run_command(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let reader = read_on_thread(child.stdout.take().unwrap());
    let err_reader = read_on_thread(child.stderr.take().unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("errscan did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// Protection: a symbolic link (two levels here, the last one into another directory) is
// followed; its final target is replaced with the report, in the target's directory, and both
// links stay links. Replacing the link itself would leave the target with the old report.
#[test]
fn symlink_output_replaces_the_link_target_and_keeps_the_links() {
    let dir = workdir();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(reports.join("nightly.csv"), "old report\n").unwrap();
    std::os::unix::fs::symlink("reports/nightly.csv", dir.path().join("latest.csv")).unwrap();
    std::os::unix::fs::symlink("latest.csv", dir.path().join("current.csv")).unwrap();
    let expected = expected_report(dir.path());

    let out = run(
        dir.path(),
        &["scan", "-f", "csv", "-o", "current.csv", "log.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for link in ["latest.csv", "current.csv"] {
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} was replaced");
    }
    assert_eq!(
        std::fs::read(reports.join("nightly.csv")).unwrap(),
        expected
    );
    assert_eq!(names(&reports), ["nightly.csv"]);
    assert_eq!(
        names(dir.path()),
        ["current.csv", "latest.csv", "log.txt", "reports"]
    );

    // `merge -o` goes the same way.
    let json = run(dir.path(), &["scan", "-f", "json", "log.txt"]);
    std::fs::write(dir.path().join("r.json"), &json.stdout).unwrap();
    let out = run(
        dir.path(),
        &["merge", "-f", "csv", "-o", "current.csv", "r.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(dir.path().join("current.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(reports.join("nightly.csv"))
        .unwrap()
        .contains("E0000011"));
}

// Protection: a FIFO is opened and written, not replaced: the reader waiting on it receives
// the report and the FIFO is still there. Replacing it would leave the reader waiting for
// ever (here: until the test's timeout).
#[test]
fn fifo_output_is_written_to_its_reader() {
    let dir = workdir();
    let fifo = dir.path().join("report.fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success(), "mkfifo");
    let expected = expected_report(dir.path());

    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            let result = File::open(&fifo).and_then(|mut f| f.read_to_end(&mut got));
            let _ = tx.send(result.map(|_| got));
        });
    }
    let out = run(
        dir.path(),
        &["scan", "-f", "csv", "-o", "report.fifo", "log.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the FIFO's reader got nothing: the FIFO was not written")
        .unwrap();
    assert_eq!(got, expected);
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(names(dir.path()), ["log.txt", "report.fifo"]);
}

// Protection: a character device is written into, never replaced by a regular file (a cron
// job run as root must not turn a device node into a file). The node is made in a temporary
// directory with the numbers of /dev/null.
#[test]
fn device_node_output_is_written_not_replaced() {
    let dir = workdir();
    let node = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    if !made.status.success() {
        eprintln!(
            "SKIPPED device_node_output_is_written_not_replaced: mknod is not permitted here ({})",
            String::from_utf8_lossy(&made.stderr).trim()
        );
        return;
    }
    let before = std::fs::symlink_metadata(&node).unwrap();
    let out = run(dir.path(), &["scan", "-f", "csv", "-o", "null", "log.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::symlink_metadata(&node).unwrap();
    assert!(
        after.file_type().is_char_device(),
        "the device was replaced"
    );
    assert_eq!((after.rdev(), after.ino()), (before.rdev(), before.ino()));
    assert_eq!(names(dir.path()), ["log.txt", "null"]);
}

// Protection: `/dev/fd/1` names errscan's standard output, whatever it is: a pipe gets the
// report, and a file it was opened onto for appending is appended to, not replaced.
#[test]
fn dev_fd_output_writes_to_the_open_file() {
    let dir = workdir();
    let expected = expected_report(dir.path());
    let out = run(
        dir.path(),
        &["scan", "-f", "csv", "-o", "/dev/fd/1", "log.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, expected);

    let log = dir.path().join("out.log");
    std::fs::write(&log, "earlier line\n").unwrap();
    let appended = File::options().append(true).open(&log).unwrap();
    let status = Command::new(bin())
        .args(["scan", "-f", "csv", "-o", "/dev/fd/1", "log.txt"])
        .current_dir(dir.path())
        .stdout(appended)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read(&log).unwrap();
    assert_eq!(text, [b"earlier line\n".to_vec(), expected].concat());
}

// Protection: a new report gets mode 0666 minus the umask (so that node_exporter, running as
// its own user, can read what root's cron wrote), not the 0600 of a temporary file.
#[test]
fn new_output_file_mode_follows_the_umask() {
    let dir = workdir();
    for (umask, mode) in [("027", 0o640), ("022", 0o644), ("002", 0o664)] {
        let name = format!("report-{umask}.csv");
        let script = format!("umask {umask}; exec \"$0\" scan -f csv -o {name} log.txt");
        let out = run_command(
            Command::new("sh")
                .args(["-c", &script])
                .arg(bin())
                .current_dir(dir.path()),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let meta = std::fs::metadata(dir.path().join(&name)).unwrap();
        assert_eq!(
            meta.mode() & 0o7777,
            mode,
            "umask {umask}: mode {:o}",
            meta.mode() & 0o7777
        );
    }
}

// Protection: replacing an existing report keeps its mode and its group (root may set any
// group; the owner is the writer's).
#[test]
fn replaced_output_file_keeps_its_mode_and_group() {
    let dir = workdir();
    let target = dir.path().join("errscan.prom");
    std::fs::write(&target, "# old\n").unwrap();
    std::fs::set_permissions(&target, Permissions::from_mode(0o644)).unwrap();
    let am_root = is_root();
    if am_root {
        std::os::unix::fs::chown(&target, None, Some(65534)).unwrap();
    }
    let before = std::fs::metadata(&target).unwrap();

    let out = run(
        dir.path(),
        &["scan", "-f", "prom", "-o", "errscan.prom", "log.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::metadata(&target).unwrap();
    assert_ne!(after.ino(), before.ino(), "not replaced atomically");
    assert_eq!(after.mode() & 0o7777, 0o644);
    assert_eq!(after.gid(), before.gid());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("E0000011"));
    if !am_root {
        eprintln!("group kept only as the file's own group: not run as root");
    }
}

/// A command that runs errscan as the unprivileged user 65534 (root can write anywhere), or
/// `None` when this process cannot switch users.
fn as_nobody(dir: &Path, args: &[&str]) -> Option<Output> {
    if !is_root() {
        return Some(run(dir, args));
    }
    let probe = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return None;
    }
    Some(run_command(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin())
            .args(args)
            .current_dir(dir),
    ))
}

// Protection: when the directory that has to hold the new report cannot be written, the run
// fails with exit status 2 and a message naming the path and the directory, and leaves
// nothing behind. This includes a link whose target lies in such a directory: the link is
// not replaced by a file of its own (which would hide the failure from the collector reading
// the target).
#[test]
fn unwritable_directory_is_an_error_naming_it_and_leaves_nothing() {
    let dir = workdir();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("report.csv"), "old\n").unwrap();
    // The file itself is writable by anyone; only its directory is not.
    std::fs::set_permissions(locked.join("report.csv"), Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&locked, Permissions::from_mode(0o755)).unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::symlink("../locked/report.csv", open.join("latest.csv")).unwrap();

    let cases = [
        ("locked/report.csv", "locked"),
        ("locked/new.csv", "locked"),
        ("open/latest.csv", "locked"),
    ];
    for (path, named_dir) in cases {
        let Some(out) = as_nobody(dir.path(), &["scan", "-f", "csv", "-o", path, "log.txt"]) else {
            eprintln!("SKIPPED unwritable_directory test: cannot switch to user 65534 here");
            return;
        };
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(path), "{path}: the path is not named: {err}");
        assert!(
            err.contains("cannot create a file in directory") && err.contains(named_dir),
            "{path}: the directory is not named: {err}"
        );
        assert!(
            !err.contains(".errscan-"),
            "{path}: names a file never made: {err}"
        );
        assert_eq!(names(&locked), ["report.csv"], "{path}");
        assert_eq!(names(&open), ["latest.csv"], "{path}");
        assert!(std::fs::symlink_metadata(open.join("latest.csv"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(locked.join("report.csv")).unwrap(),
            "old\n"
        );
    }
}

// Protection: a write that fails midway (here the file size limit, with SIGXFSZ ignored so
// that the write returns an error) fails the run with exit status 2, leaves the old report as
// it was and removes the temporary file.
#[test]
fn failed_write_leaves_the_old_report_and_no_temporary_file() {
    let dir = workdir();
    // Many distinct unknown codes make a report far larger than the 512-byte limit.
    let mut log = String::new();
    for i in 0..500 {
        log.push_str(&format!(
            "HTTP 400, Stormpath {} (http://docs.stormpath.com/errors/{}): x\n",
            20_000 + i,
            20_000 + i
        ));
    }
    std::fs::write(dir.path().join("many.log"), log).unwrap();
    std::fs::write(dir.path().join("report.json"), "old\n").unwrap();
    let script = "trap '' XFSZ; ulimit -f 1; exec \"$0\" scan -f json -o report.json many.log";
    let out = run_command(
        Command::new("sh")
            .args(["-c", script])
            .arg(bin())
            .current_dir(dir.path()),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("report.json"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.json")).unwrap(),
        "old\n"
    );
    assert_eq!(names(dir.path()), ["log.txt", "many.log", "report.json"]);
}
