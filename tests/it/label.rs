//! `scan --label`: standard input reported under a given name, exactly as the file of that
//! name would be, so that reports of piped pieces (the Spark job's tasks) merge per file.

use assert_cmd::Command;
use std::io::Write;

use serde_json::Value;

use crate::common::{errscan, input_summary, sample};

/// The JSON report of a run, and its exit code.
fn report(cmd: &mut Command) -> (Value, i32) {
    let out = cmd.output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (doc, out.status.code().unwrap_or(-1))
}

/// `counts` and `summary` less the scan's time and duration: the fields that depend on the
/// input only.
fn content(doc: &Value) -> (Value, Value) {
    (doc["counts"].clone(), input_summary(&doc["summary"]))
}

#[test]
fn labelled_stdin_reports_like_the_named_file() {
    let path = sample("mixed.log");
    let name = path.display().to_string();
    let (by_path, code) = report(
        errscan()
            .args(["scan", "-f", "json", "-g", "vendor,code,file"])
            .arg(&path),
    );
    assert_eq!(code, 0);
    let (piped, code) = report(
        errscan()
            .args(["scan", "-f", "json", "-g", "vendor,code,file", "--label"])
            .arg(&name)
            .pipe_stdin(&path)
            .unwrap(),
    );
    assert_eq!(code, 0);
    assert_eq!(content(&piped), content(&by_path));
    let files: Vec<&str> = piped["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|f| *f == name), "{files:?}");
}

#[test]
fn label_applies_to_dash_and_hits() {
    let out = errscan()
        .args(["scan", "--hits", "--label", "okta/app.log", "-"])
        .pipe_stdin(sample("okta.log"))
        .unwrap()
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = 0;
    for line in text.lines() {
        let hit: Value = serde_json::from_str(line).unwrap();
        assert_eq!(hit["file"], "okta/app.log");
        lines += 1;
    }
    assert!(lines > 0);
}

#[test]
fn unlabelled_stdin_is_named_stdin() {
    let (doc, _) = report(
        errscan()
            .args(["scan", "-f", "json", "-g", "file"])
            .pipe_stdin(sample("okta.log"))
            .unwrap(),
    );
    assert_eq!(doc["counts"][0]["file"], "<stdin>");
}

#[test]
fn damaged_archive_on_labelled_stdin_is_reported_like_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("night.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(sample("mixed.log")).unwrap())
        .unwrap();
    let mut bytes = enc.finish().unwrap();
    // Cut inside the deflate stream: the first part decodes, then the archive ends early.
    bytes.truncate(bytes.len() * 2 / 3);
    std::fs::write(&gz, &bytes).unwrap();
    let name = gz.display().to_string();
    let (by_path, code) = report(errscan().args(["scan", "-f", "json"]).arg(&gz));
    assert_eq!(code, 2);
    let (piped, code) = report(
        errscan()
            .args(["scan", "-f", "json", "--label"])
            .arg(&name)
            .pipe_stdin(&gz)
            .unwrap(),
    );
    assert_eq!(code, 2);
    assert_eq!(content(&piped), content(&by_path));
    let errors = piped["summary"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{name}: ")),
        "{errors:?}"
    );
}
