//! The golden files, and the reason for every row of each, checked against answers that do not
//! come from errscan.
//!
//! - `tests/data/sample-logs-expected.csv`, the counts of each (vendor, code) in each sample
//!   log that `cli::sample_logs_give_their_expected_counts` expects: derived by the
//!   [oracle](crate::oracle) from `sample-logs/*.log`. A difference fails here;
//!   `ERRSCAN_REGENERATE=1 cargo test --test it golden::` writes the oracle's counts instead
//!   (then review the diff: every changed row is a changed hit on a sample line).
//! - `tests/it/snapshots/it__cli__*.snap`, errscan's output on `sample-logs/okta.log` in each
//!   format, written by insta (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).
//!   Every row is checked here as well:
//!   - each (vendor, code, count) is what the oracle finds in `okta.log`, and rows come in
//!     order of count (descending), then vendor and code;
//!   - the annotation columns (name, category, vendor category, HTTP status, description) are
//!     the `[[code]]` table of the entry that describes the code in `patterns/*.toml` (whose
//!     codes and descriptions `catalog_docs` checks against the vendors' documents); a code
//!     the catalog lacks has category `unknown` and the description
//!     `unknown code (not in catalog)`;
//!   - `--hits` rows are the oracle's hits one by one: line, byte offset, and the matched text
//!     holding the code;
//!   - totals (hits, unknown hits, lines, bytes, inputs) are the oracle's and the file's;
//!   - `-g category` sums the counts by the entries' category, and `-g vendor,code,hour` by
//!     the hour of each hit line's timestamp (`2026-11-21 03:15:24.084`, UTC);
//!   - the table shows the CSV rows, descriptions cut to fit 80 columns with `…`.
//!
//!   The time values of the Prometheus snapshot are blanked by the test that takes it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{repo_path, sample, sample_names, VendorCodeCounts};
use crate::oracle::{Oracle, OracleHit};

/// The counts of each (vendor, code) in `data`, by the oracle.
fn oracle_counts(oracle: &Oracle, data: &[u8]) -> VendorCodeCounts {
    let mut counts = VendorCodeCounts::new();
    for (_, _, h) in oracle.hits(data) {
        *counts.entry((h.vendor, h.code)).or_default() += 1;
    }
    counts
}

/// The comment lines that head `tests/data/sample-logs-expected.csv`.
const EXPECTED_CSV_HEADER: &str = "\
# The counts of each (vendor, code) in each sample log (sample-logs/*.log), which
# tests/it/cli.rs expects errscan to report. Derived by the plain matcher of
# tests/it/oracle.rs: tests/it/golden.rs fails when this file and the oracle differ, and
# `ERRSCAN_REGENERATE=1 cargo test --test it golden::` rewrites it.
";

/// The text of `tests/data/sample-logs-expected.csv` for these counts per file.
fn expected_csv(per_file: &BTreeMap<String, VendorCodeCounts>) -> String {
    let mut w = csv::Writer::from_writer(EXPECTED_CSV_HEADER.as_bytes().to_vec());
    w.write_record(["file", "vendor", "code", "count"]).unwrap();
    for (file, counts) in per_file {
        for ((vendor, code), n) in counts {
            w.write_record([file, vendor, code, &n.to_string()])
                .unwrap();
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn sample_logs_expected_csv_is_what_the_oracle_derives() {
    let oracle = Oracle::shipped();
    let per_file: BTreeMap<String, VendorCodeCounts> = sample_names()
        .into_iter()
        .map(|n| {
            let counts = oracle_counts(&oracle, &std::fs::read(sample(&n)).unwrap());
            (n, counts)
        })
        .collect();
    let derived = expected_csv(&per_file);
    let path = repo_path("tests/data/sample-logs-expected.csv");
    if std::env::var_os("ERRSCAN_REGENERATE").is_some() {
        std::fs::write(&path, &derived).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap();
    assert!(
        golden == derived,
        "{} differs from the oracle's counts of sample-logs/ \
         (ERRSCAN_REGENERATE=1 writes them); the oracle's:\n{derived}",
        path.display()
    );
}

/// The body of snapshot `it__cli__NAME.snap`, without insta's header.
fn snapshot(name: &str) -> String {
    let path = repo_path(&format!("tests/it/snapshots/it__cli__{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("\n---\n"))
        .unwrap_or_else(|| panic!("{}: no insta header", path.display()))
        .1;
    body.to_string()
}

/// What the oracle says of `sample-logs/okta.log`.
struct Okta {
    oracle: Oracle,
    data: Vec<u8>,
    hits: Vec<(u64, u64, OracleHit)>,
    counts: VendorCodeCounts,
}

fn okta() -> Okta {
    let oracle = Oracle::shipped();
    let data = std::fs::read(sample("okta.log")).unwrap();
    let hits = oracle.hits(&data);
    let counts = oracle_counts(&oracle, &data);
    assert_eq!(hits.len(), 32, "okta.log");
    Okta {
        oracle,
        data,
        hits,
        counts,
    }
}

/// The annotation columns of a code as the pattern files write them: (name, category,
/// vendor category, HTTP status, description).
type Annotation = (String, String, String, Option<u16>, String);

impl Okta {
    fn annotation(&self, vendor: &str, code: &str) -> Annotation {
        let hit = self
            .hits
            .iter()
            .map(|(_, _, h)| h)
            .find(|h| h.vendor == vendor && h.code == code)
            .unwrap_or_else(|| panic!("{vendor}:{code} is not a hit of okta.log"));
        match &hit.described_by {
            None => (
                String::new(),
                "unknown".into(),
                String::new(),
                None,
                "unknown code (not in catalog)".into(),
            ),
            Some(by) => {
                let e = self.oracle.entry(by, code).unwrap();
                (
                    e.name.clone().unwrap_or_default(),
                    e.category.clone(),
                    e.vendor_category.clone(),
                    e.http_status,
                    e.description.clone(),
                )
            }
        }
    }

    fn unknown_hits(&self) -> usize {
        self.hits
            .iter()
            .filter(|(_, _, h)| h.described_by.is_none())
            .count()
    }

    fn lines(&self) -> usize {
        self.data.iter().filter(|&&b| b == b'\n').count()
    }
}

/// Asserts that (vendor, code, count) rows are the oracle's counts, in report order.
fn assert_counts_in_order(okta: &Okta, rows: &[(String, String, u64)], what: &str) {
    let got: VendorCodeCounts = rows
        .iter()
        .map(|(v, c, n)| ((v.clone(), c.clone()), *n))
        .collect();
    assert_eq!(got.len(), rows.len(), "{what}: a row twice");
    assert_eq!(got, okta.counts, "{what}: counts");
    let mut sorted = rows.to_vec();
    sorted.sort_by(|a, b| b.2.cmp(&a.2).then((&a.0, &a.1).cmp(&(&b.0, &b.1))));
    assert_eq!(rows, sorted, "{what}: row order");
}

fn json_annotation(row: &Value) -> Annotation {
    let s = |k: &str| row[k].as_str().unwrap().to_string();
    (
        s("name"),
        s("category"),
        row["vendor_category"].as_str().unwrap().to_string(),
        row["http_status"].as_u64().map(|n| n as u16),
        s("description"),
    )
}

#[test]
fn csv_json_and_ndjson_snapshots_are_the_oracles_counts_annotated_by_the_catalog() {
    let okta = okta();
    // CSV.
    let body = snapshot("snapshot_csv");
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let r = rec.unwrap();
        let (vendor, code) = (r[0].to_string(), r[1].to_string());
        let status = (!r[5].is_empty()).then(|| r[5].parse().unwrap());
        let annotation = (
            r[2].to_string(),
            r[3].to_string(),
            r[4].to_string(),
            status,
            r[6].to_string(),
        );
        assert_eq!(
            annotation,
            okta.annotation(&vendor, &code),
            "csv {vendor}:{code}"
        );
        rows.push((vendor, code, r[7].parse().unwrap()));
    }
    assert_counts_in_order(&okta, &rows, "csv");

    // NDJSON and the JSON document's counts: the same rows.
    let ndjson: Vec<Value> = snapshot("snapshot_ndjson")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let json: Value = serde_json::from_str(&snapshot("snapshot_json")).unwrap();
    for (what, rows) in [
        ("ndjson", &ndjson[..]),
        ("json", json["counts"].as_array().unwrap()),
    ] {
        let mut counted = Vec::new();
        for row in rows {
            let (vendor, code) = (
                row["vendor"].as_str().unwrap(),
                row["code"].as_str().unwrap(),
            );
            assert_eq!(
                json_annotation(row),
                okta.annotation(vendor, code),
                "{what} {vendor}:{code}"
            );
            counted.push((
                vendor.to_string(),
                code.to_string(),
                row["count"].as_u64().unwrap(),
            ));
        }
        assert_counts_in_order(&okta, &counted, what);
    }
    let s = &json["summary"];
    assert_eq!(s["inputs"], 1);
    assert_eq!(s["bytes"], okta.data.len() as u64);
    assert_eq!(s["lines"], okta.lines() as u64);
    assert_eq!(s["hits"], okta.hits.len() as u64);
    assert_eq!(s["unknown"], okta.unknown_hits() as u64);
    assert_eq!(json["group_by"], serde_json::json!(["vendor", "code"]));
}

#[test]
fn hits_snapshot_is_the_oracles_hits_one_by_one() {
    let okta = okta();
    let rows: Vec<Value> = snapshot("snapshot_hits_ndjson")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), okta.hits.len());
    for (row, (line, offset, hit)) in rows.iter().zip(&okta.hits) {
        assert_eq!(row["file"], "sample-logs/okta.log");
        assert_eq!(row["line"], *line, "{row}");
        assert_eq!(row["offset"], *offset, "{row}");
        assert_eq!(row["vendor"], hit.vendor.as_str(), "{row}");
        assert_eq!(row["code"], hit.code.as_str(), "{row}");
        // A hit row has no vendor category.
        let mut want = okta.annotation(&hit.vendor, &hit.code);
        want.2.clear();
        assert!(row.get("vendor_category").is_none(), "{row}");
        let mut row_with_category = row.clone();
        row_with_category["vendor_category"] = "".into();
        assert_eq!(json_annotation(&row_with_category), want, "{row}");
        // The matched text holds the code where the offset says, on the hit's line.
        let matched = row["match"].as_str().unwrap();
        let line_text = okta.data.split(|&b| b == b'\n').nth(*line as usize - 1);
        let line_text = String::from_utf8_lossy(line_text.unwrap());
        assert!(line_text.contains(matched), "{row}");
        assert!(matched.contains(&hit.code), "{row}");
        let at = *offset as usize;
        assert_eq!(&okta.data[at..at + hit.code.len()], hit.code.as_bytes());
    }
}

#[test]
fn prometheus_snapshot_is_the_oracles_counts_and_totals() {
    let okta = okta();
    let sample = regex::Regex::new(
        r#"^errscan_errors\{vendor="([^"]*)",code="([^"]*)",category="([^"]*)"\} (\d+)$"#,
    )
    .unwrap();
    let mut counts = VendorCodeCounts::new();
    let mut totals = BTreeMap::new();
    for line in snapshot("snapshot_prom").lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        if let Some(c) = sample.captures(line) {
            assert_eq!(okta.annotation(&c[1], &c[2]).1, &c[3], "{line}");
            counts.insert((c[1].to_string(), c[2].to_string()), c[4].parse().unwrap());
        } else {
            let (name, value) = line.split_once(' ').unwrap();
            totals.insert(name.to_string(), value.to_string());
        }
    }
    assert_eq!(counts, okta.counts);
    let want: BTreeMap<String, String> = [
        ("errscan_hits", okta.hits.len().to_string()),
        ("errscan_unknown_hits", okta.unknown_hits().to_string()),
        ("errscan_scanned_bytes", okta.data.len().to_string()),
        ("errscan_scanned_lines", okta.lines().to_string()),
        ("errscan_inputs", "1".to_string()),
        ("errscan_input_errors", "0".to_string()),
        ("errscan_scan_duration_seconds", "<time>".to_string()),
        (
            "errscan_last_success_timestamp_seconds",
            "<time>".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(totals, want);
}

/// The rows of a CSV snapshot grouped by `keys` (`count` last), as key columns -> count.
fn grouped_rows(name: &str, keys: usize) -> BTreeMap<Vec<String>, u64> {
    let body = snapshot(name);
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let count = headers.iter().position(|h| h == "count").unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let key = r.iter().take(keys).map(String::from).collect();
            (key, r[count].parse().unwrap())
        })
        .collect()
}

#[test]
fn grouped_snapshots_sum_the_oracles_hits_by_category_and_by_hour() {
    let okta = okta();
    let mut by_category: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut by_hour: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let stamp = regex::bytes::Regex::new(r"^(\d{4}-\d\d-\d\d) (\d\d):\d\d:\d\d").unwrap();
    let lines: Vec<&[u8]> = okta.data.split(|&b| b == b'\n').collect();
    for (line, _, hit) in &okta.hits {
        let category = okta.annotation(&hit.vendor, &hit.code).1;
        *by_category.entry(vec![category]).or_default() += 1;
        let c = stamp
            .captures(lines[*line as usize - 1])
            .unwrap_or_else(|| panic!("okta.log line {line}: hit on a line without a stamp"));
        let hour = format!(
            "{}T{}:00:00Z",
            String::from_utf8_lossy(&c[1]),
            String::from_utf8_lossy(&c[2])
        );
        *by_hour
            .entry(vec![hit.vendor.clone(), hit.code.clone(), hour])
            .or_default() += 1;
    }
    assert_eq!(grouped_rows("category", 1), by_category);
    assert_eq!(grouped_rows("vendor_code_hour", 3), by_hour);
}

#[test]
fn table_snapshot_is_the_csv_rows_cut_to_80_columns() {
    let okta = okta();
    let body = snapshot("snapshot_table_fits_80_columns");
    let mut lines = body.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["COUNT", "VENDOR", "CODE", "DESCRIPTION"]
    );
    let mut rows = Vec::new();
    let mut summary = None;
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.get(1) == Some(&"hits") {
            summary = Some(line.to_string());
            continue;
        }
        let (count, vendor, code) = (words[0], words[1], words[2]);
        // The description is what follows the code column.
        let after_code = line.find(&format!(" {code} ")).unwrap() + code.len() + 2;
        let description = line[after_code..].trim();
        let full = okta.annotation(vendor, code).4;
        match description.strip_suffix('…') {
            Some(cut) => assert!(full.starts_with(cut), "{line}"),
            None => assert_eq!(description, full, "{line}"),
        }
        assert!(line.chars().count() <= 80, "{line}");
        rows.push((vendor.to_string(), code.to_string(), count.parse().unwrap()));
    }
    assert_counts_in_order(&okta, &rows, "table");
    assert_eq!(
        summary.as_deref(),
        Some(
            format!(
                "{} hits ({} unknown) in {} lines, {} bytes, 1 inputs",
                okta.hits.len(),
                okta.unknown_hits(),
                okta.lines(),
                okta.data.len()
            )
            .as_str()
        )
    );
}
