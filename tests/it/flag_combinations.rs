//! Flags that meet: each combination either works or is a usage error (exit 2); none is
//! silently ignored.

use crate::common::{errscan, stdout_of, success};

const LINE: &str = "2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided)\n";

#[test]
fn hits_are_written_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, LINE.repeat(3)).unwrap();
    let file = dir.path().join("hits.ndjson");
    for input in [Some(&log), None] {
        let _ = std::fs::remove_file(&file);
        let mut cmd = errscan();
        cmd.args(["scan", "--hits", "-o"]).arg(&file);
        match input {
            Some(path) => cmd.arg(path),
            None => cmd.write_stdin(LINE.repeat(3)),
        };
        let out = success(&mut cmd);
        assert!(out.stdout.is_empty(), "hits went to stdout");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        for line in text.lines() {
            let hit: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(hit["code"], "E0000011");
        }
    }
}

#[test]
fn every_with_output_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("windows.ndjson");
    let out = errscan()
        .args(["scan", "--every", "1s", "-o"])
        .arg(&file)
        .write_stdin(LINE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--every") && err.contains("--output"), "{err}");
    assert!(!file.exists());
}

#[test]
fn hits_with_flags_for_counts_is_a_usage_error() {
    let cases: &[&[&str]] = &[
        &["--top", "1"],
        &["-g", "code"],
        &["--every", "1s"],
        &["--unknown-cap", "5"],
        &["-f", "csv"],
        &["-f", "table"],
    ];
    for extra in cases {
        let out = errscan()
            .args(["scan", "--hits"])
            .args(*extra)
            .write_stdin(LINE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(out.stdout.is_empty(), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--hits") && err.contains("Usage"),
            "{extra:?}: {err}"
        );
    }
    // ndjson is what --hits writes.
    errscan()
        .args(["scan", "--hits", "-f", "ndjson"])
        .write_stdin(LINE)
        .assert()
        .success();
}

#[test]
fn every_keeps_the_top_rows_of_each_window() {
    let log = format!(
        "{}{}HTTP 400, Stormpath 2001 (x)\n",
        LINE.repeat(3),
        "HTTP 401, Okta E0000004 (x)\n".repeat(2)
    );
    let rows = |extra: &[&str]| -> Vec<serde_json::Value> {
        stdout_of(
            errscan()
                .args(["scan", "--every", "1h"])
                .args(extra)
                .write_stdin(log.clone()),
        )
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
    };
    assert_eq!(rows(&[]).len(), 3);
    let top = rows(&["--top", "2"]);
    assert_eq!(top.len(), 2);
    assert_eq!(top[0]["code"], "E0000011");
    assert_eq!(top[1]["code"], "E0000004");
    // The window's end to the nanosecond: `2026-11-21T03:14:07.123456789Z`.
    let end = top[0]["window_end"].as_str().unwrap();
    let frac = end.split('.').nth(1).unwrap();
    assert_eq!(frac.len(), 10, "{end}");
    assert!(
        frac.ends_with('Z') && frac[..9].bytes().all(|b| b.is_ascii_digit()),
        "{end}"
    );
}

#[test]
fn every_in_a_format_it_cannot_write_is_a_usage_error() {
    for format in ["json", "table", "prom"] {
        let out = errscan()
            .args(["scan", "--every", "1s", "-f", format])
            .write_stdin(LINE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("--every writes ndjson or csv rows, not {format}")),
            "{err}"
        );
    }
}
