//! Inputs at the edges: text that looks like a compressed stream, empty devices.

use assert_cmd::Command;

fn errscan() -> Command {
    Command::cargo_bin("errscan").unwrap()
}

#[test]
fn text_starting_with_bzh9_is_scanned_as_text() {
    let text = "BZh9 HTTP 401, Okta E0000011 (Invalid token provided)\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bzh.log");
    std::fs::write(&path, text).unwrap();
    for from_stdin in [false, true] {
        let mut cmd = errscan();
        cmd.args(["scan", "-f", "csv"]);
        if from_stdin {
            cmd.write_stdin(text);
        } else {
            cmd.arg(&path);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("okta,E0000011"));
    }
}
