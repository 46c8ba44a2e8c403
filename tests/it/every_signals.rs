//! A signal during `scan --every` writes the open window, then exits with 128 + the signal.

#![cfg(unix)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

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
        // The stream stays open: only the signal can end the window.
        std::thread::sleep(Duration::from_millis(1500));
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
