//! File names that are not UTF-8 stay distinct in every format and through merge.

#![cfg(unix)]

use crate::common::{errscan, stdout_of};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

#[test]
fn non_utf8_file_names_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let line = "HTTP 401, Okta E0000011 (Invalid token provided)\n";
    // Two names that decode to the same text lossily, and a valid one.
    for name in [&b"a\xfd.log"[..], b"a\xfe.log", "a\u{fffd}.log".as_bytes()] {
        std::fs::write(dir.path().join(OsStr::from_bytes(name)), line).unwrap();
    }
    let scan = |format: &str| {
        stdout_of(
            errscan()
                .current_dir(dir.path())
                .args(["scan", "-g", "file", "-f", format, "."]),
        )
    };
    let expected = ["./a\\xFD.log", "./a\\xFE.log", "./a\u{fffd}.log"];
    let csv = scan("csv");
    let ndjson = scan("ndjson");
    let json = scan("json");
    let table = scan("table");
    for name in expected {
        assert!(csv.contains(&format!("{name},1")), "{name} in {csv}");
        let quoted = serde_json::to_string(name).unwrap();
        assert!(ndjson.contains(&quoted), "{name} in {ndjson}");
        assert!(json.contains(&quoted), "{name} in {json}");
        assert!(table.contains(name), "{name} in {table}");
    }
    assert_eq!(csv.lines().count(), 4, "{csv}");
    std::fs::write(dir.path().join("r.json"), &json).unwrap();
    let merged = stdout_of(
        errscan()
            .current_dir(dir.path())
            .args(["merge", "-f", "csv", "r.json", "r.json"]),
    );
    for name in expected {
        assert!(merged.contains(&format!("{name},2")), "{name} in {merged}");
    }
    // Hits name the file the same way.
    let hits = stdout_of(
        errscan()
            .current_dir(dir.path())
            .args(["scan", "--hits", "."]),
    );
    for name in expected {
        let quoted = serde_json::to_string(name).unwrap();
        assert!(hits.contains(&quoted), "{name} in {hits}");
    }
}
