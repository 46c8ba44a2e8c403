//! `errscan merge` refuses what it cannot sum exactly, and says which file and row.

use crate::common::{errscan, stdout_of};

const LINE: &str = "HTTP 401, Okta E0000011 (Invalid token provided)\n";

/// A JSON report of `log` scanned with `args`, written to `dir/name`.
fn report(dir: &std::path::Path, name: &str, log: &str, args: &[&str]) {
    let out = stdout_of(
        errscan()
            .args(["scan", "-f", "json"])
            .args(args)
            .write_stdin(log),
    );
    std::fs::write(dir.join(name), out).unwrap();
}

#[test]
fn merge_overflow_is_an_error_naming_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "a.json", LINE, &[]);
    let text = std::fs::read_to_string(dir.path().join("a.json")).unwrap();
    let big = text
        .replace("\"count\": 1\n", "\"count\": 18446744073709551615\n")
        .replace("\"hits\": 1,", "\"hits\": 0,");
    assert_ne!(big, text);
    std::fs::write(dir.path().join("big.json"), big).unwrap();
    let out = errscan()
        .current_dir(dir.path())
        .args(["merge", "-f", "csv", "big.json", "a.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.json"), "{err}");
    assert!(err.contains("vendor=okta,code=E0000011"), "{err}");
    assert!(err.contains("overflows"), "{err}");
}

#[test]
fn merge_refuses_a_report_made_with_top() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!("{LINE}{LINE}HTTP 400, Stormpath 2001 (x)\n");
    report(dir.path(), "cut.json", &log, &["--top", "1"]);
    report(dir.path(), "whole.json", &log, &[]);
    for args in [["cut.json", "whole.json"], ["whole.json", "cut.json"]] {
        let out = errscan()
            .current_dir(dir.path())
            .args(["merge", "-f", "csv"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cut.json") && err.contains("--top"), "{err}");
    }
    // Cutting after merging is how it is done.
    let out = errscan()
        .current_dir(dir.path())
        .args([
            "merge",
            "-f",
            "csv",
            "--top",
            "1",
            "whole.json",
            "whole.json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(",4\n"));
}

#[test]
fn merge_accepts_the_same_keys_in_another_order() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "a.json", LINE, &["-g", "vendor,code"]);
    report(dir.path(), "b.json", LINE, &["-g", "code,vendor"]);
    let text = stdout_of(
        errscan()
            .current_dir(dir.path())
            .args(["merge", "-f", "ndjson", "a.json", "b.json"]),
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(r#"{"vendor":"okta","code":"E0000011""#),
        "{text}"
    );
    assert!(text.contains(r#""count":2"#), "{text}");
}
