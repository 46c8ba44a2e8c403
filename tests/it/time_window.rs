//! `--since`/`--until` and time buckets: a hit takes the time of its line, or of the last dated
//! line before it in its input; hits before any dated line are undated. Checked against a
//! sequential reading of the same log, for any chunk size, thread count and read path, and
//! the split identity `hits(until T) + hits(since T) + undated = all`.

use std::collections::BTreeMap;
use std::io::Write;

use errscan::report::timestamp::Granularity;
use errscan::report::window::Window;
use errscan::{Catalog, Input, MmapPolicy, ScanConfig};
use proptest::prelude::*;

use crate::common::scanner;

const BASE: i64 = 1_795_230_000; // 2026-11-21T...Z

/// A line of the generated log: dated or not, with a hit or not.
#[derive(Clone, Debug)]
struct Line {
    time: Option<i64>,
    hit: bool,
}

fn render(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        if let Some(t) = l.time {
            let ts = jiff::Timestamp::from_second(t).unwrap();
            write!(out, "{ts} INFO request ").unwrap();
        } else {
            out.extend_from_slice(b"    at com.example.Handler(Handler.java:42) ");
        }
        if l.hit {
            out.extend_from_slice(b"HTTP 401, Okta E0000011 (Invalid token provided)");
        } else {
            out.extend_from_slice(b"nothing to see");
        }
        out.push(b'\n');
    }
    out
}

/// The hit times a sequential reader gives: `None` for undated hits.
fn oracle(lines: &[Line]) -> Vec<Option<i64>> {
    let mut carry = None;
    let mut out = Vec::new();
    for l in lines {
        if l.time.is_some() {
            carry = l.time;
        }
        if l.hit {
            out.push(carry);
        }
    }
    out
}

fn lines() -> impl Strategy<Value = Vec<Line>> {
    prop::collection::vec(
        (prop::option::weighted(0.5, 0i64..200_000), any::<bool>()).prop_map(|(t, hit)| Line {
            time: t.map(|t| BASE + t),
            hit,
        }),
        0..120,
    )
}

/// Okta's patterns alone: a small catalog compiles fast, and the hits are Okta's.
fn catalog() -> &'static Catalog {
    static CAT: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CAT.get_or_init(|| {
        let okta = include_str!("../../patterns/okta.toml");
        Catalog::from_sources(&[("okta.toml".to_string(), okta.to_string())]).unwrap()
    })
}

/// Hits per hour bucket (`None`: undated) as counted by a scan.
fn buckets(cat: &Catalog, config: ScanConfig, data: &[u8]) -> BTreeMap<Option<i64>, u64> {
    let s = scanner(cat, config);
    let (counts, _) = s.scan_bytes(data);
    let mut m = BTreeMap::new();
    for (_, b, n) in counts.rows(cat) {
        *m.entry(b).or_insert(0) += n;
    }
    m
}

fn hits(cat: &Catalog, config: ScanConfig, data: &[u8]) -> u64 {
    scanner(cat, config).scan_bytes(data).0.total()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn buckets_equal_a_sequential_reading(
        lines in lines(),
        chunk in 1usize..400,
        threads in 1usize..4,
    ) {
        let cat = catalog();
        let data = render(&lines);
        let mut want = BTreeMap::new();
        for t in oracle(&lines) {
            *want.entry(t.map(|t| t.div_euclid(3600) * 3600)).or_insert(0u64) += 1;
        }
        let config = ScanConfig {
            threads,
            chunk_size: chunk,
            time: Some(Granularity::Hour),
            ..ScanConfig::default()
        };
        prop_assert_eq!(buckets(cat, config, &data), want);
    }

    #[test]
    fn until_plus_since_plus_undated_is_all(
        lines in lines(),
        t in 0i64..200_000,
        chunk in 1usize..400,
        threads in 1usize..4,
    ) {
        let cat = catalog();
        let data = render(&lines);
        let t = BASE + t;
        let base = ScanConfig { threads, chunk_size: chunk, ..ScanConfig::default() };
        let all = hits(cat, base.clone(), &data);
        let until = hits(cat, ScanConfig {
            window: Window { since: None, until: Some(t) },
            ..base.clone()
        }, &data);
        let since = hits(cat, ScanConfig {
            window: Window { since: Some(t), until: None },
            ..base.clone()
        }, &data);
        let undated = oracle(&lines).iter().filter(|t| t.is_none()).count() as u64;
        prop_assert_eq!(until + since + undated, all);
        let want_until = oracle(&lines).iter().filter(|x| x.is_some_and(|x| x < t)).count();
        prop_assert_eq!(until, want_until as u64);
    }
}

/// Streams (read in blocks, scanned in parallel slots) date continuation lines across block
/// boundaries exactly like mapped files.
#[test]
fn streamed_blocks_carry_the_time_across_boundaries() {
    let cat = catalog();
    let mut lines = Vec::new();
    for i in 0..400 {
        lines.push(Line {
            time: (i % 7 == 0).then_some(BASE + i * 60),
            hit: i % 3 != 1,
        });
    }
    let data = render(&lines);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, &data).unwrap();
    let t = BASE + 200 * 60;
    let want = oracle(&lines)
        .iter()
        .filter(|x| x.is_some_and(|x| x >= t))
        .count() as u64;
    for (mmap, block) in [
        (MmapPolicy::Never, 1),
        (MmapPolicy::Never, 333),
        (MmapPolicy::Always, 1),
    ] {
        let config = ScanConfig {
            threads: 2,
            chunk_size: block,
            block_size: block,
            mmap,
            window: Window {
                since: Some(t),
                until: None,
            },
            ..ScanConfig::default()
        };
        let report = scanner(cat, config).scan_inputs(&[Input::Path(path.clone())]);
        assert_eq!(report.summary.hits, want, "{mmap:?} {block}");
    }
}

/// `--hits` keeps the same hits as the counts, for a mapped file and for a pipe, and
/// `--since`/`--until` split them exactly.
#[test]
fn hits_listing_keeps_the_hits_the_counts_keep() {
    use assert_cmd::cargo::CommandCargoExt;
    use std::process::{Command, Stdio};

    let mut lines = Vec::new();
    for i in 0..300 {
        lines.push(Line {
            time: (i % 5 == 3).then_some(BASE + i * 90),
            hit: i % 4 != 2,
        });
    }
    let data = render(&lines);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, &data).unwrap();
    let t = jiff::Timestamp::from_second(BASE + 150 * 90)
        .unwrap()
        .to_string();
    let run = |args: &[&str], stdin: bool| -> String {
        let mut cmd = Command::cargo_bin("errscan").unwrap();
        cmd.arg("scan").args(args).arg("--chunk-size").arg("100");
        if stdin {
            cmd.stdin(Stdio::from(std::fs::File::open(&path).unwrap()));
            cmd.arg("-");
        } else {
            cmd.arg(&path);
        }
        String::from_utf8(crate::common::succeeded(cmd.output().unwrap()).stdout).unwrap()
    };
    let count = |args: &[&str]| -> u64 {
        let mut a = vec!["-f", "json"];
        a.extend(args);
        let doc: serde_json::Value = serde_json::from_str(&run(&a, false)).unwrap();
        doc["summary"]["hits"].as_u64().unwrap()
    };
    let listed = |args: &[&str], stdin: bool| -> u64 {
        let mut a = vec!["--hits"];
        a.extend(args);
        run(&a, stdin).lines().count() as u64
    };
    let all = count(&[]);
    let since = count(&["--since", &t]);
    let until = count(&["--until", &t]);
    let undated = oracle(&lines).iter().filter(|t| t.is_none()).count() as u64;
    assert_eq!(since + until + undated, all);
    assert!(since > 0 && until > 0 && undated > 0);
    for stdin in [false, true] {
        assert_eq!(listed(&["--since", &t], stdin), since, "stdin: {stdin}");
        assert_eq!(listed(&["--until", &t], stdin), until, "stdin: {stdin}");
        assert_eq!(listed(&[], stdin), all, "stdin: {stdin}");
    }
}
