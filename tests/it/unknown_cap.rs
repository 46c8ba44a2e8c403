//! The distinct-unknown-code cap: which codes are kept, and their counts, never depend on how
//! the input is split (threads, chunks, blocks, files, mmap or read) nor on merging reports.

use crate::common::{errscan, line_by_line, scanner, stdout_of, through_json};
use errscan::report::grouping::parse_group_by;
use errscan::{Catalog, Counts, Grouped, Matcher, Report, ScanConfig, Scanner, Summary};
use proptest::prelude::*;

/// Lines with unknown codes of several vendors and lengths, and a few known ones.
const FRAGMENTS: &[&str] = &[
    "HTTP 400, Stormpath 99001 (x)",
    "HTTP 400, Stormpath 99002 (x)",
    "HTTP 400, Stormpath 9991 (x)",
    "HTTP 400, Stormpath 9992 (x)",
    "HTTP 400, Stormpath 2001 (x)",
    "Okta E0000199 (x)",
    "Okta E0000198 (x)",
    "HTTP 401, Okta E0000011 (Invalid token provided)",
    r#"{"success":false,"code":"Operation.Failure","message":"Operation.Failure.Zed"}"#,
    r#"{"success":false,"code":"Operation.Failure.Foo.Bar"}"#,
    r#"{"success":false,"code":"Operation.Failure.Yo"}"#,
    "2026-11-21T03:14:07Z ",
    "2026-11-22T04:00:00Z ",
    "plain text",
];

fn log() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((0..FRAGMENTS.len(), any::<bool>()), 0..60).prop_map(|p| {
        let mut out = Vec::new();
        for (i, newline) in p {
            out.extend_from_slice(FRAGMENTS[i].as_bytes());
            if newline {
                out.push(b'\n');
            }
        }
        out
    })
}

/// Every line scanned on its own, one thread, one count.
fn reference(matcher: &Matcher<'_>, data: &[u8], cap: usize) -> Counts {
    let cat = matcher.catalog();
    let counts = Counts::new(cat.entries().len())
        .with_unknown_cap(cap)
        .with_vendor_order(cat);
    line_by_line(matcher, data, counts)
}

fn report_of(s: &Scanner<'_>, name: &str, data: &[u8]) -> Report {
    let (counts, extent) = s.scan_bytes(data);
    Report {
        summary: Summary {
            inputs: 1,
            bytes: extent.bytes,
            lines: extent.newlines + u64::from(data.last().is_some_and(|b| *b != b'\n')),
            hits: counts.total(),
            unknown: counts.unknown_total(),
            ..Default::default()
        },
        counts: vec![(name.to_string(), counts)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A small cap keeps the same codes with the same counts whatever the threads, chunk size,
    /// block size or source.
    #[test]
    fn capped_counts_do_not_depend_on_the_split(
        data in log(),
        cap in 0usize..5,
        threads in 1usize..4,
        chunk in 1usize..200,
        block in 1usize..200,
    ) {
        let cat = Catalog::embedded().unwrap();
        let expected = reference(&Matcher::new(&cat, None).unwrap(), &data, cap);
        let s = scanner(&cat, ScanConfig {
            threads,
            chunk_size: chunk,
            block_size: block,
            unknown_cap: cap,
            ..ScanConfig::default()
        });
        let (mem, _) = s.scan_bytes(&data);
        prop_assert_eq!(&mem, &expected);
        let (streamed, _, err) = s.scan_stream(&mut &data[..], "<test>");
        prop_assert!(err.is_none());
        prop_assert_eq!(&streamed, &expected);
        prop_assert!(mem.admitted_unknown().len() <= cap);
    }

    /// merge(scan A, scan B) == scan(A and B) under a small cap, for every grouping, in
    /// either order, through JSON.
    #[test]
    fn merge_equals_scan_with_an_unknown_cap(
        a in log(),
        b in log(),
        cap in 0usize..5,
        g in 0usize..5,
    ) {
        const GROUPINGS: &[&str] =
            &["vendor,code", "category", "file,vendor", "vendor,code,hour", "file,code,day"];
        let cat = Catalog::embedded().unwrap();
        let keys = parse_group_by(GROUPINGS[g]).unwrap();
        let time = keys.iter().find_map(|k| match k {
            errscan::GroupKey::Time(t) => Some(*t),
            _ => None,
        });
        let s = scanner(&cat, ScanConfig {
            threads: 2,
            chunk_size: 64,
            time,
            year: 2026,
            unknown_cap: cap,
            ..ScanConfig::default()
        });
        let ra = report_of(&s, "a.log", &a);
        let rb = report_of(&s, "b.log", &b);
        let mut both = ra.clone();
        both.summary += &rb.summary;
        both.counts.extend(rb.counts.clone());
        let expected = Grouped::from_report(&cat, &both, &keys);
        // One input holding both, as `cat a b | errscan scan` sees it. Not with a time key:
        // there, undated lines at the head of `b` take the time of `a`'s last dated line (a
        // continuation in one input), which they cannot when `b` is scanned alone.
        let joined = [a.clone(), b"\n".to_vec(), b.clone()].concat();
        let whole = Grouped::from_report(&cat, &report_of(&s, "", &joined), &keys);
        if !keys.contains(&errscan::GroupKey::File) && time.is_none() {
            prop_assert_eq!(&whole.rows, &expected.rows);
            prop_assert_eq!(&whole.unknown, &expected.unknown);
        }

        let json = |r: &Report| through_json(&Grouped::from_report(&cat, r, &keys));
        let mut ab = json(&ra);
        ab.merge(json(&rb)).unwrap();
        prop_assert_eq!(&ab.rows, &expected.rows);
        prop_assert_eq!(&ab.unknown, &expected.unknown);
        prop_assert_eq!(ab.summary.folded, expected.summary.folded);
        let mut ba = json(&rb);
        ba.merge(json(&ra)).unwrap();
        prop_assert_eq!(&ba.rows, &expected.rows);
        prop_assert_eq!(ba.summary.folded, expected.summary.folded);
    }
}

/// The count of `code` in a CSV report (0 when it has no row).
fn count_of(csv: &str, code: &str) -> u64 {
    csv.lines()
        .find(|l| l.split(',').nth(1) == Some(code))
        .and_then(|l| l.rsplit(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// A code seen once in A and once at the end of B, after more distinct codes than the cap:
/// counted the same whether A and B are files, one stream, mapped, read or merged.
#[test]
fn unknown_cap_does_not_depend_on_files_streams_or_merge() {
    let dir = tempfile::tempdir().unwrap();
    let line = |c: u32| format!("HTTP 400, Stormpath {c} (x)\n");
    let a = line(99001);
    let mut b: String = (60_000..60_300).map(line).collect();
    b.push_str(&line(99001));
    b.push_str(&line(9991));
    std::fs::write(dir.path().join("A.log"), &a).unwrap();
    std::fs::write(dir.path().join("B.log"), &b).unwrap();
    let cap = ["--unknown-cap", "200"];
    let scan = |extra: &[&str], stdin: Option<String>| {
        let mut cmd = errscan();
        cmd.current_dir(dir.path())
            .arg("scan")
            .args(cap)
            .args(extra);
        if !extra.contains(&"-f") {
            cmd.args(["-f", "csv"]);
        }
        if let Some(s) = stdin {
            cmd.write_stdin(s);
        }
        stdout_of(&mut cmd)
    };
    let files = scan(&["A.log", "B.log"], None);
    let piped = scan(&[], Some(format!("{a}{b}")));
    let never = scan(&["--mmap", "never", "A.log", "B.log"], None);
    let chunked = scan(
        &[
            "--mmap",
            "always",
            "--chunk-size",
            "64",
            "-j",
            "2",
            "A.log",
            "B.log",
        ],
        None,
    );
    for out in [&piped, &never, &chunked] {
        assert_eq!(out, &files);
    }
    // The shortest codes are kept: 9991 and the 199 smallest 5-digit codes; 99001 is not.
    assert_eq!(count_of(&files, "9991"), 1);
    assert_eq!(count_of(&files, "60000"), 1);
    assert_eq!(count_of(&files, "99001"), 0);
    assert_eq!(count_of(&files, "(other)"), 303 - 200);

    for (name, extra) in [("a.json", "A.log"), ("b.json", "B.log")] {
        let out = scan(&["-f", "json", extra], None);
        std::fs::write(dir.path().join(name), out).unwrap();
    }
    let merged = stdout_of(
        errscan()
            .current_dir(dir.path())
            .args(["merge", "-f", "csv", "a.json", "b.json"]),
    );
    assert_eq!(merged, files);
    // With a cap wide enough for every code, 99001 counts twice in every way.
    let wide = stdout_of(errscan().current_dir(dir.path()).args([
        "scan",
        "-f",
        "csv",
        "--unknown-cap",
        "1000",
        "A.log",
        "B.log",
    ]));
    assert_eq!(count_of(&wide, "99001"), 2);
}
