//! `errscan explain` agrees with `scan`: the hits it shows for every line of the sample logs
//! and the labelled corpus add up to exactly the counts `scan` reports for the same file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::errscan;

fn run(args: &[&str], file: &Path) -> String {
    let out = errscan().args(args).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn files() -> Vec<PathBuf> {
    let root = crate::common::repo_path("");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("sample-logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(root.join("tests/corpus/labelled.tsv"));
    files.push(root.join("tests/real-corpus/dev.tsv"));
    files.push(root.join("tests/real-corpus/sealed.tsv"));
    files.sort();
    files
}

#[test]
fn explain_shows_exactly_the_hits_scan_counts() {
    for file in files() {
        let mut explained: BTreeMap<(String, String), u64> = BTreeMap::new();
        // (line number, vendor, code) of every hit, from explain and from `scan --hits`.
        let mut explained_lines: Vec<(u64, String, String)> = Vec::new();
        for line in run(&["explain", "-f", "json"], &file).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for h in v["hits"].as_array().unwrap() {
                let key = (
                    h["vendor"].as_str().unwrap().to_string(),
                    h["code"].as_str().unwrap().to_string(),
                );
                explained_lines.push((v["line"].as_u64().unwrap(), key.0.clone(), key.1.clone()));
                *explained.entry(key).or_default() += 1;
            }
        }
        let mut hit_lines: Vec<(u64, String, String)> = run(&["scan", "--hits"], &file)
            .lines()
            .map(|l| {
                let h: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    h["line"].as_u64().unwrap(),
                    h["vendor"].as_str().unwrap().to_string(),
                    h["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        explained_lines.sort();
        hit_lines.sort();
        assert_eq!(explained_lines, hit_lines, "{}", file.display());
        let mut scanned: BTreeMap<(String, String), u64> = BTreeMap::new();
        let report: serde_json::Value = serde_json::from_str(&run(
            &["scan", "-f", "json", "--unknown-cap", "100000"],
            &file,
        ))
        .unwrap();
        for row in report["counts"].as_array().unwrap() {
            let key = (
                row["vendor"].as_str().unwrap().to_string(),
                row["code"].as_str().unwrap().to_string(),
            );
            scanned.insert(key, row["count"].as_u64().unwrap());
        }
        assert!(!scanned.is_empty(), "{}", file.display());
        assert_eq!(explained, scanned, "{}", file.display());
    }
}

#[test]
fn explain_says_why_a_near_miss_did_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("near.log");
    std::fs::write(
        &log,
        "{\"code\":2001,\"message\":\"quota exceeded\"}\nport 17002\n",
    )
    .unwrap();
    let out = run(&["explain", "-f", "json"], &log);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["line"], 1);
    assert!(lines[0]["hits"].as_array().unwrap().is_empty());
    let reasons: Vec<&str> = lines[0]["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(!reasons.is_empty());
    assert!(
        reasons.iter().any(|r| r.contains("envelope")),
        "{reasons:?}"
    );
}
