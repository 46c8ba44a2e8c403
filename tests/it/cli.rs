//! Integration tests that run the real binary on the bundled sample logs: counts, formats
//! (snapshot-tested), grouping, merging, exit statuses and pattern-file errors.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use crate::common::{
    bin, csv_counts, errscan, redact_scan_time, repo_path, sample, sample_names, stdout_of,
};

fn expected_sample_counts() -> BTreeMap<String, BTreeMap<(String, String), u64>> {
    let path = repo_path("tests/data/sample-logs-expected.csv");
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap();
    let mut out: BTreeMap<String, BTreeMap<(String, String), u64>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        out.entry(rec[0].to_string()).or_default().insert(
            (rec[1].to_string(), rec[2].to_string()),
            rec[3].parse().unwrap(),
        );
    }
    out
}

#[test]
fn sample_logs_give_their_expected_counts() {
    let expected = expected_sample_counts();
    // Every sample log has its expected counts.
    assert_eq!(expected.keys().cloned().collect::<Vec<_>>(), sample_names());
    for (file, counts) in &expected {
        let got = csv_counts(&stdout_of(
            errscan().args(["scan", "-f", "csv"]).arg(sample(file)),
        ));
        assert_eq!(&got, counts, "{file}");
    }
}

#[test]
fn many_files_are_one_report_and_stdin_equals_the_file() {
    let expected = expected_sample_counts();
    let mut total: BTreeMap<(String, String), u64> = BTreeMap::new();
    for counts in expected.values() {
        for (k, n) in counts {
            *total.entry(k.clone()).or_insert(0) += n;
        }
    }
    let mut cmd = errscan();
    cmd.args(["scan", "-f", "csv", "-j", "2"]);
    for f in expected.keys() {
        cmd.arg(sample(f));
    }
    assert_eq!(csv_counts(&stdout_of(&mut cmd)), total);

    let mixed = std::fs::read(sample("mixed.log")).unwrap();
    let from_file = stdout_of(
        errscan()
            .args(["scan", "-f", "csv"])
            .arg(sample("mixed.log")),
    );
    let from_stdin = stdout_of(
        errscan()
            .args(["scan", "-f", "csv"])
            .write_stdin(mixed.clone()),
    );
    let from_dash = stdout_of(
        errscan()
            .args(["scan", "-f", "csv", "-"])
            .write_stdin(mixed),
    );
    assert_eq!(from_file, from_stdin);
    assert_eq!(from_file, from_dash);
}

#[test]
fn a_missing_path_is_reported_and_the_rest_scanned() {
    let out = errscan()
        .args(["scan", "-f", "json", "/nonexistent/errscan.log"])
        .arg(sample("okta.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/errscan.log"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["inputs"], 1);
    assert_eq!(doc["summary"]["hits"], 32);
    let errors = doc["summary"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .as_str()
        .unwrap()
        .contains("/nonexistent/errscan.log"));
}

#[test]
fn hits_are_ndjson_records_in_input_order() {
    let text = stdout_of(errscan().args(["scan", "--hits"]).arg(sample("mixed.log")));
    let hits: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(hits.len(), 133);
    let log = std::fs::read(sample("mixed.log")).unwrap();
    let mut last = 0;
    for h in &hits {
        for field in [
            "file",
            "line",
            "offset",
            "vendor",
            "code",
            "name",
            "category",
            "http_status",
            "description",
            "match",
        ] {
            assert!(h.get(field).is_some(), "{field} missing in {h}");
        }
        let offset = h["offset"].as_u64().unwrap() as usize;
        assert!(offset >= last);
        last = offset;
        let code = h["code"].as_str().unwrap();
        assert_eq!(&log[offset..offset + code.len()], code.as_bytes());
        let line = log[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        assert_eq!(h["line"].as_u64().unwrap() as usize, line);
    }
}

#[test]
fn broken_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    let mixed = std::fs::read(sample("mixed.log")).unwrap();
    std::fs::write(&big, mixed.repeat(200)).unwrap();
    let bin = bin();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' scan --hits '{}' | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            bin.display(),
            big.display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn vendor_filter_keeps_only_those_vendors() {
    let got = csv_counts(&stdout_of(
        errscan()
            .args(["scan", "-f", "csv", "--vendor", "okta,stormpath"])
            .arg(sample("mixed.log")),
    ));
    let all = csv_counts(&stdout_of(
        errscan()
            .args(["scan", "-f", "csv"])
            .arg(sample("mixed.log")),
    ));
    let expected: BTreeMap<_, _> = all
        .into_iter()
        .filter(|((v, _), _)| v == "okta" || v == "stormpath")
        .collect();
    assert_eq!(got, expected);
    errscan()
        .args(["scan", "--vendor", "nosuch", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown vendor `nosuch`"));
}

/// Formats are snapshot-tested on the Okta sample; time-dependent Prometheus values are
/// blanked first.
fn scan_okta(format: &str, extra: &[&str]) -> String {
    stdout_of(
        errscan()
            .args(["scan", "-f", format])
            .args(extra)
            .arg("sample-logs/okta.log")
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    )
}

#[test]
fn snapshot_csv() {
    insta::assert_snapshot!(scan_okta("csv", &[]));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(redact_scan_time(&scan_okta("json", &[])));
}

#[test]
fn snapshot_ndjson() {
    insta::assert_snapshot!(scan_okta("ndjson", &[]));
}

#[test]
fn snapshot_hits_ndjson() {
    insta::assert_snapshot!(scan_okta("ndjson", &["--hits"]));
}

#[test]
fn snapshot_table_fits_80_columns() {
    let text = scan_okta("table", &[]);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    insta::assert_snapshot!(text);
}

fn blank_times(prom: &str) -> String {
    prom.lines()
        .map(|l| {
            if l.starts_with("errscan_scan_duration_seconds ")
                || l.starts_with("errscan_last_success_timestamp_seconds ")
            {
                format!("{} <time>", l.split(' ').next().unwrap())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn snapshot_prom() {
    insta::assert_snapshot!(blank_times(&scan_okta("prom", &[])));
}

#[test]
fn snapshot_group_by_category_and_hour() {
    insta::assert_snapshot!("category", scan_okta("csv", &["-g", "category"]));
    insta::assert_snapshot!(
        "vendor_code_hour",
        scan_okta("csv", &["-g", "vendor,code,hour"])
    );
}

#[test]
fn prometheus_output_parses_with_a_real_parser() {
    let text = stdout_of(
        errscan()
            .args(["scan", "-f", "prom", "-g", "vendor,code,hour,file"])
            .arg(sample("mixed.log"))
            .arg(sample("okta.log")),
    );
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let errors: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "errscan_errors")
        .collect();
    assert!(!errors.is_empty());
    let mut total = 0.0;
    for s in &errors {
        let mut labels: Vec<&str> = s.labels.keys().map(|k| k.as_str()).collect();
        labels.sort();
        assert_eq!(
            labels,
            ["category", "code", "vendor"],
            "only bounded labels"
        );
        match s.value {
            prometheus_parse::Value::Gauge(v) => total += v,
            ref other => panic!("errscan_errors must be a gauge, got {other:?}"),
        }
    }
    assert_eq!(total, 133.0 + 32.0);
    for name in [
        "errscan_scanned_bytes",
        "errscan_scan_duration_seconds",
        "errscan_last_success_timestamp_seconds",
    ] {
        assert!(
            scrape.samples.iter().any(|s| s.metric == name),
            "{name} missing"
        );
    }
    assert!(scrape.docs.contains_key("errscan_errors"));
}

#[test]
fn top_keeps_the_largest_rows_and_says_how_many_were_cut() {
    let all = scan_okta("json", &[]);
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    let rows = all["counts"].as_array().unwrap().len() as u64;
    let top: serde_json::Value = serde_json::from_str(&scan_okta("json", &["--top", "3"])).unwrap();
    assert_eq!(top["counts"].as_array().unwrap().len(), 3);
    assert_eq!(top["summary"]["rows_cut"], rows - 3);
    assert_eq!(top["counts"][0], all["counts"][0]);
}

#[test]
fn output_file_is_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.csv");
    std::fs::write(&target, "old").unwrap();
    errscan()
        .args(["scan", "-o"])
        .arg(&target)
        .arg(sample("okta.log"))
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text
        .starts_with("vendor,code,name,category,vendor_category,http_status,description,count\n"));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind");
    // A failing run leaves the old report whole.
    errscan()
        .args(["scan", "--patterns", "/nonexistent", "-o"])
        .arg(&target)
        .arg(sample("okta.log"))
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
}

#[test]
fn merge_of_scans_equals_the_scan_of_all() {
    let dir = tempfile::tempdir().unwrap();
    for group_by in [
        "vendor,code",
        "category",
        "vendor,code,hour",
        "file,vendor",
        "vendor_category,day",
    ] {
        let report = |files: &[&str], name: &str| -> PathBuf {
            let path = dir.path().join(name);
            let mut cmd = errscan();
            cmd.args(["scan", "-f", "json", "-g", group_by, "-o"])
                .arg(&path);
            for f in files {
                cmd.arg(sample(f));
            }
            cmd.assert().success();
            path
        };
        let a = report(&["okta.log", "wso2.log"], "a.json");
        let b = report(&["mixed.log"], "b.json");
        let c = report(&["idaas.log"], "c.json");
        let all = report(
            &["okta.log", "wso2.log", "mixed.log", "idaas.log"],
            "all.json",
        );
        let merged = stdout_of(errscan().args(["merge", "-f", "json"]).args([&a, &b, &c]));
        let merged: serde_json::Value = serde_json::from_str(&merged).unwrap();
        let all: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&all).unwrap()).unwrap();
        assert_eq!(merged["counts"], all["counts"], "group by {group_by}");
        assert_eq!(merged["summary"]["hits"], all["summary"]["hits"]);
        assert_eq!(merged["summary"]["lines"], all["summary"]["lines"]);
        assert_eq!(merged["summary"]["bytes"], all["summary"]["bytes"]);
        assert_eq!(merged["summary"]["inputs"], all["summary"]["inputs"]);
    }
}

#[test]
fn merge_refuses_reports_grouped_differently() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    errscan()
        .args(["scan", "-f", "json", "-o"])
        .arg(&a)
        .arg(sample("okta.log"))
        .assert()
        .success();
    errscan()
        .args(["scan", "-f", "json", "-g", "category", "-o"])
        .arg(&b)
        .arg(sample("okta.log"))
        .assert()
        .success();
    errscan()
        .args(["merge"])
        .args([&a, &b])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot merge reports grouped by `vendor,code` and by `category`",
        ));
    std::fs::write(&b, "{\"hello\": 1}").unwrap();
    errscan()
        .args(["merge"])
        .args([&a, &b])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("b.json: not an errscan report"));
}

#[test]
fn every_prints_windows_of_a_stream() {
    let mut child = std::process::Command::new(bin())
        .args(["scan", "--every", "1s", "-g", "vendor"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(&std::fs::read(sample("okta.log")).unwrap())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!rows.is_empty());
    let total: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 32);
    for r in &rows {
        assert!(r["window_end"].as_str().unwrap().ends_with('Z'));
        assert_eq!(r["vendor"], "okta");
    }
}

#[test]
fn catalog_lists_every_vendor_in_json_and_csv() {
    let json = stdout_of(errscan().args(["catalog", "-f", "json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let mut per_vendor: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *per_vendor
            .entry(r["vendor"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        for field in [
            "code",
            "name",
            "http_status",
            "category",
            "vendor_category",
            "description",
        ] {
            assert!(r.get(field).is_some(), "{field} missing");
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("akamai", 43),
        ("idaas", 162),
        ("oauth", 21),
        ("okta", 156),
        ("stormpath", 147),
        ("wso2", 77),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(per_vendor, expected);
    let okta = rows.iter().find(|r| r["code"] == "E0000011").unwrap();
    assert_eq!(okta["name"], "Invalid token exception");
    assert_eq!(okta["http_status"], 401);
    assert_eq!(okta["category"], "token");

    let csv_text = stdout_of(errscan().args(["catalog", "-f", "csv", "--vendor", "wso2"]));
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "vendor",
            "vendor_name",
            "code",
            "name",
            "http_status",
            "category",
            "vendor_category",
            "description",
            "user_message",
            "further_info",
            "error"
        ]
    );
    assert_eq!(rdr.records().count(), 77);
}

#[test]
fn broken_pattern_files_name_the_file_and_line() {
    let cases = [
        ("dup.toml", "[vendor]\nid = \"x\"\nname = \"X\"\n[[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"a\"\n[[code]]\ncode = \"1\"\ncategory = \"token\"\ndescription = \"b\"\n", "dup.toml:8: duplicate code `1`"),
        ("cat.toml", "[vendor]\nid = \"x\"\nname = \"X\"\n[[code]]\ncode = \"1\"\ncategory = \"nope\"\ndescription = \"a\"\n", "cat.toml:6: unknown variant `nope`"),
        ("re.toml", "[vendor]\nid = \"x\"\nname = \"X\"\n[[rule]]\nid = \"r\"\nanchors = [\"x\"]\nregex = '(?P<code>['\n", "re.toml:4: rule `r`: regex does not compile"),
        ("field.toml", "[vendor]\nid = \"x\"\nname = \"X\"\n[[code]]\ncode = \"1\"\ncategory = \"token\"\n", "missing field `description`"),
        ("empty.toml", "", "empty.toml:0: empty pattern file"),
    ];
    for (name, text, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        for sub in ["catalog", "scan"] {
            errscan()
                .arg(sub)
                .arg("--patterns")
                .arg(dir.path())
                .write_stdin("")
                .assert()
                .code(2)
                .stderr(predicates::str::contains(message));
        }
    }
}

#[test]
fn no_builtin_with_a_user_pattern_directory_replaces_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        "[vendor]\nid = \"acme\"\nname = \"Acme IdP\"\n\
         [[rule]]\nid = \"err\"\nanchors = [\"ACME-\"]\nat_anchor = true\nregex = 'ACME-(?P<code>\\d{3})\\b'\n\
         [[code]]\ncode = \"401\"\ncategory = \"authentication\"\ndescription = \"Bad password.\"\n",
    )
    .unwrap();
    let out = stdout_of(
        errscan()
            .args(["scan", "-f", "csv", "--no-builtin", "--patterns"])
            .arg(dir.path())
            .write_stdin("x ACME-401 y\nOkta E0000011 (x)\nACME-999 z ACME-401\n"),
    );
    let counts = csv_counts(&out);
    let expected: BTreeMap<(String, String), u64> = [(("acme", "401"), 2), (("acme", "999"), 1)]
        .into_iter()
        .map(|((v, c), n)| ((v.to_string(), c.to_string()), n))
        .collect();
    assert_eq!(counts, expected);
}

#[test]
fn help_explains_every_scan_flag_with_an_example() {
    let help = stdout_of(errscan().args(["scan", "--help"]));
    for flag in [
        "--format",
        "--hits",
        "--vendor",
        "--threads",
        "--patterns",
        "--mmap",
        "--chunk-size",
        "--group-by",
        "--year",
        "--top",
        "--output",
        "--every",
        "--unknown-cap",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.matches("Example").count() >= 12, "{help}");
}

/// Spawns `errscan` with the arguments and a pipe on stdin, writes `input` without closing the
/// pipe, and returns the first line it prints within 10 s (the pipe is still open then).
fn first_line_while_stdin_open(args: &[&str], input: &[u8]) -> Option<String> {
    use std::io::{BufRead, Write};
    let mut child = std::process::Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(std::time::Duration::from_secs(10)).ok();
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    line
}

#[test]
fn hits_on_a_pipe_are_written_as_soon_as_their_line_is_read() {
    let line = first_line_while_stdin_open(
        &["scan", "--hits"],
        b"2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided), ErrorId oae1\n",
    )
    .expect("no hit printed while the pipe was open");
    let hit: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(hit["code"], "E0000011");
    assert_eq!(hit["line"], 1);
}

#[test]
fn every_closes_windows_while_the_stream_stays_open() {
    let line = first_line_while_stdin_open(
        &["scan", "--every", "1s"],
        b"HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): exists\n",
    )
    .expect("no window printed while the pipe was open");
    let row: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(row["vendor"], "stormpath");
    assert_eq!(row["code"], "2001");
    assert_eq!(row["count"], 1);
}

#[test]
fn an_absurd_thread_count_is_a_usage_error_not_a_crash() {
    errscan()
        .args(["scan", "-j", "1000000", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("1024"));
}
