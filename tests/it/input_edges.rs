//! Inputs at the edges: text that looks like a compressed stream, empty devices.

use crate::common::{errscan, stderr_of_failure, stdout_of};

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
        assert!(stdout_of(&mut cmd).contains("okta,E0000011"));
    }
}

#[cfg(unix)]
#[test]
fn dev_null_is_an_empty_input() {
    let out = stdout_of(errscan().args(["scan", "-f", "json", "/dev/null"]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["inputs"], 1);
    assert_eq!(doc["summary"]["hits"], 0);
    assert_eq!(doc["summary"]["errors"], serde_json::json!([]));
}

#[test]
fn an_empty_path_is_a_usage_error_that_says_so() {
    let out = errscan().args(["scan", ""]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("an empty path names no file"), "{err}");
}

#[test]
fn an_empty_vendor_list_is_an_error() {
    for sub in ["scan", "catalog"] {
        let out = errscan()
            .args([sub, "--vendor", ""])
            .write_stdin("HTTP 401, Okta E0000011 (x)\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{sub}");
        assert!(out.stdout.is_empty(), "{sub}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("empty vendor list"), "{sub}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_link_to_itself_is_called_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("self.log", dir.path().join("self.log")).unwrap();
    let err = stderr_of_failure(
        errscan().current_dir(dir.path()).args(["scan", "self.log"]),
        2,
    );
    assert!(err.contains("self.log: symbolic link loop"), "{err}");
    assert!(!err.contains("dangling"), "{err}");
}

/// `--hits` offsets of a UTF-16 input count bytes of the UTF-8 text it is transcoded to,
/// without its byte order mark, as `--help` says.
#[test]
fn utf16_hit_offsets_count_transcoded_bytes() {
    let text = "x HTTP 401, Okta E0000011 (x)\n";
    let mut data = vec![0xff, 0xfe];
    data.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u16.log");
    std::fs::write(&path, data).unwrap();
    let out = errscan()
        .args(["scan", "--hits"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let hit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hit["offset"], text.find("E0000011").unwrap());
}
