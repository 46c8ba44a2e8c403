//! The accepted ranges of time buckets and of `--year`.

use crate::common::errscan;

#[test]
fn year_outside_rfc3339_is_a_usage_error() {
    for year in ["-5", "10000", "32767"] {
        let out = errscan()
            .args(["scan", "-g", "day", &format!("--year={year}")])
            .write_stdin("Nov 21 03:14:07 h HTTP 401, Okta E0000011 (x)\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--year {year}");
        assert!(out.stdout.is_empty(), "--year {year}");
    }
    for (year, day) in [
        ("0", "0000-11-21T00:00:00Z"),
        ("9999", "9999-11-21T00:00:00Z"),
    ] {
        let out = errscan()
            .args(["scan", "-g", "day", "-f", "csv", "--year", year])
            .write_stdin("Nov 21 03:14:07 h HTTP 401, Okta E0000011 (x)\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "--year {year}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("day,count\n{day},1\n")
        );
    }
}

#[test]
fn time_bucket_edges() {
    // A stamp past the range reads as no stamp: the line is undated, so it takes the time of
    // the dated line before it (the third line), or none at all when it is the first line
    // of its input (below).
    let log = "2026-11-20T24:00:00Z HTTP 401, Okta E0000011 (x)\n\
               9999-12-30T21:59:59Z HTTP 401, Okta E0000011 (x)\n\
               9999-12-31T00:00:00Z HTTP 401, Okta E0000011 (x)\n";
    let out = errscan()
        .args(["scan", "-g", "day", "-f", "csv"])
        .write_stdin(log)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows: Vec<&str> = text.lines().skip(1).collect();
    rows.sort_unstable();
    assert_eq!(rows, ["2026-11-21T00:00:00Z,1", "9999-12-30T00:00:00Z,2"]);
    let out = errscan()
        .args(["scan", "-g", "day", "-f", "csv"])
        .write_stdin("9999-12-31T00:00:00Z HTTP 401, Okta E0000011 (x)\n")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().skip(1).collect::<Vec<_>>(), ["unknown,1"]);
}
