//! On a terminal, text from logs and file names is shown escaped in every format and on
//! stderr: no ESC sequence, bidi control or line separator reaches the terminal raw.

#![cfg(target_os = "linux")]

use std::process::Command;

/// Runs `errscan ARGS` on a pseudo-terminal (util-linux `script`) and returns what the
/// terminal received.
fn on_terminal(dir: &std::path::Path, args: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("errscan");
    let log = dir.join("typescript");
    let status = Command::new("script")
        .args(["-qfec", &format!("{} {args}", bin.display())])
        .arg(&log)
        .current_dir(dir)
        .status()
        .expect("util-linux `script` is needed to run errscan on a terminal");
    assert!(status.code().is_some());
    let text = std::fs::read_to_string(&log).unwrap();
    text.lines()
        .filter(|l| !l.starts_with("Script "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hostile_text_is_escaped_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a\u{1b}[31mb\u{202e}gol.exe\u{2028}.log";
    std::fs::write(
        dir.path().join(name),
        "HTTP 401, Okta E0000011 (Invalid token provided)\n",
    )
    .unwrap();
    for format in ["csv", "json", "ndjson", "table"] {
        let shown = on_terminal(dir.path(), &format!("scan -g file -f {format} ."));
        assert!(!shown.contains('\u{1b}'), "{format}: {shown:?}");
        assert!(!shown.contains('\u{202e}'), "{format}: {shown:?}");
        assert!(!shown.contains('\u{2028}'), "{format}: {shown:?}");
        if format != "table" {
            assert!(shown.contains("\\u001b[31m"), "{format}: {shown:?}");
        }
    }
    let hits = on_terminal(dir.path(), "scan --hits .");
    assert!(
        !hits.contains('\u{202e}') && hits.contains("\\u202e"),
        "{hits:?}"
    );
    // A message on stderr naming the file.
    let missing = on_terminal(dir.path(), "scan 'x\u{202e}y'");
    assert!(!missing.contains('\u{202e}'), "{missing:?}");
    assert!(missing.contains("x\\u202ey"), "{missing:?}");
}
