//! Flags that meet: each combination either works or is a usage error (exit 2); none is
//! silently ignored.

use assert_cmd::Command;

const LINE: &str = "2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided)\n";

fn errscan() -> Command {
    Command::cargo_bin("errscan").unwrap()
}

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
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
