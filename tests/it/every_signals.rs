//! A signal during `scan --every` writes the open window, then exits with 128 + the signal.

#![cfg(unix)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_signal_during_every_flushes_the_open_window() {
    for (name, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("errscan"))
            .args(["scan", "--every", "1h"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(&b"HTTP 400, Stormpath 2001 (x)\n".repeat(3))
            .unwrap();
        stdin.flush().unwrap();
        // The stream stays open: only the signal can end the window. Sent once errscan
        // catches it (before, it would die of it, whatever its handling), and once it has
        // read the lines out of the pipe and had time to scan them.
        wait_until_caught(child.id(), number);
        wait_until_drained(&stdin);
        std::thread::sleep(Duration::from_millis(500));
        let killed = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(out.status.code(), Some(128 + number), "SIG{name}");
        let text = String::from_utf8(out.stdout).unwrap();
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 1, "SIG{name}: {text}");
        assert_eq!(rows[0]["code"], "2001");
        assert_eq!(rows[0]["count"], 3, "SIG{name}");
    }
}

/// Waits until the reader of `pipe` has taken every byte written to it (`FIONREAD` on the
/// write end counts the bytes still in the pipe), for at most a minute.
fn wait_until_drained(pipe: &std::process::ChildStdin) {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut pending: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int through the pointer, which points at `pending`;
        // the descriptor is the open write end of the child's standard input.
        let rc = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &mut pending) };
        assert_eq!(rc, 0, "FIONREAD: {}", std::io::Error::last_os_error());
        if pending == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "errscan did not read its input within a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until process `pid` catches signal `number` (its bit in `SigCgt` of
/// `/proc/PID/status`), for at most a minute: a slow start on a loaded machine must not turn
/// into a signal that kills errscan before it has installed its handlers.
fn wait_until_caught(pid: u32, number: i32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .map(|mask| u64::from_str_radix(mask.trim(), 16).unwrap())
            .unwrap();
        if caught & (1 << (number - 1)) != 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "errscan did not catch signal {number} within a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
