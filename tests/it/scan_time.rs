//! A report carries when its scan ran (`summary.scanned_at`) and how long it took
//! (`summary.scan_seconds`); `merge` keeps the oldest time and the summed durations, and
//! `-f prom` / `-f html` show them rather than the merge's own run. Reports of schema 2 have
//! neither, and then the merged report has none.

use std::path::Path;

use serde_json::Value;

use crate::common::{errscan, stdout_of};

const LINE: &str = "HTTP 401, Okta E0000011 (Invalid token provided)\n";

/// A JSON report of [`LINE`], with `edit` applied to its summary, written to `dir/name`.
fn report(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let text = stdout_of(errscan().args(["scan", "-f", "json"]).write_stdin(LINE));
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    edit(doc["summary"].as_object_mut().unwrap());
    std::fs::write(dir.join(name), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// Sets the scan time and duration of a report.
fn scanned(at: &str, seconds: f64) -> impl FnOnce(&mut serde_json::Map<String, Value>) {
    let at = at.to_string();
    move |s| {
        s.insert("scanned_at".into(), at.into());
        s.insert("scan_seconds".into(), seconds.into());
    }
}

/// Makes a report of schema 2: no scan time, no duration.
fn schema_2(dir: &Path, name: &str) {
    report(dir, name, |s| {
        s.remove("scanned_at").unwrap();
        s.remove("scan_seconds").unwrap();
    });
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"schema\": 3", "\"schema\": 2")).unwrap();
}

fn merge(dir: &Path, format: &str, reports: &[&str]) -> String {
    stdout_of(
        errscan()
            .current_dir(dir)
            .args(["merge", "-f", format])
            .args(reports),
    )
}

/// The value of the sample of `metric` in Prometheus text, if any.
fn metric(prom: &str, name: &str) -> Option<f64> {
    let lines = prom.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let sample = scrape.samples.iter().find(|s| s.metric == name)?;
    match sample.value {
        prometheus_parse::Value::Gauge(v) => Some(v),
        ref other => panic!("{name} must be a gauge, got {other:?}"),
    }
}

#[test]
fn a_scan_says_when_it_ran_and_how_long_it_took() {
    let before = jiff::Timestamp::now();
    let text = stdout_of(errscan().args(["scan", "-f", "json"]).write_stdin(LINE));
    let after = jiff::Timestamp::now();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], 3);
    let at = doc["summary"]["scanned_at"].as_str().unwrap();
    // UTC, nine fractional digits.
    assert_eq!(at.len(), "2026-12-07T15:57:08.520115597Z".len(), "{at}");
    assert!(at.ends_with('Z'), "{at}");
    let at: jiff::Timestamp = at.parse().unwrap();
    assert!(before <= at && at <= after, "{before} <= {at} <= {after}");
    let seconds = doc["summary"]["scan_seconds"].as_f64().unwrap();
    let run = (after - before).total(jiff::Unit::Second).unwrap();
    assert!((0.0..=run).contains(&seconds), "{seconds} of {run}");
    // The scan's own numbers, in Prometheus as well.
    let before = jiff::Timestamp::now();
    let prom = stdout_of(errscan().args(["scan", "-f", "prom"]).write_stdin(LINE));
    let after = jiff::Timestamp::now();
    let run = (after - before).total(jiff::Unit::Second).unwrap();
    let at = metric(&prom, "errscan_last_success_timestamp_seconds").unwrap();
    assert!(
        before.as_second() as f64 <= at && at <= after.as_second() as f64 + 1.0,
        "{at}"
    );
    assert!(metric(&prom, "errscan_scan_duration_seconds").unwrap() <= run);
}

#[test]
fn merge_keeps_the_oldest_scan_time_and_sums_durations() {
    let dir = tempfile::tempdir().unwrap();
    let old = "2026-01-02T03:04:05.250000000Z";
    let new = "2026-11-30T23:00:00.000000001Z";
    report(dir.path(), "old.json", scanned(old, 1.5));
    report(dir.path(), "new.json", scanned(new, 2.25));
    for order in [["old.json", "new.json"], ["new.json", "old.json"]] {
        let merged: Value = serde_json::from_str(&merge(dir.path(), "json", &order)).unwrap();
        assert_eq!(merged["summary"]["scanned_at"], old, "{order:?}");
        assert_eq!(merged["summary"]["scan_seconds"], 3.75, "{order:?}");
        assert_eq!(merged["summary"]["hits"], 2);

        let prom = merge(dir.path(), "prom", &order);
        let want = "2026-01-02T03:04:05.25Z"
            .parse::<jiff::Timestamp>()
            .unwrap();
        let at = metric(&prom, "errscan_last_success_timestamp_seconds").unwrap();
        assert_eq!(at, want.as_millisecond() as f64 / 1000.0, "{prom}");
        assert_eq!(metric(&prom, "errscan_scan_duration_seconds"), Some(3.75));

        let html = merge(dir.path(), "html", &order);
        assert!(
            html.contains(r#"Scanned <time class="scanned" datetime="2026-01-02T03:04:05.250000000Z">2026-01-02T03:04:05Z</time> (the oldest of the 2 merged reports)"#),
            "{html}"
        );
    }
    // A merge of merges keeps the oldest as well.
    std::fs::write(
        dir.path().join("merged.json"),
        merge(dir.path(), "json", &["new.json", "new.json"]),
    )
    .unwrap();
    let merged: Value =
        serde_json::from_str(&merge(dir.path(), "json", &["merged.json", "old.json"])).unwrap();
    assert_eq!(merged["summary"]["scanned_at"], old);
    assert_eq!(merged["summary"]["scan_seconds"], 6.0);
}

#[test]
fn a_report_of_schema_2_merges_with_its_time_unknown() {
    let dir = tempfile::tempdir().unwrap();
    schema_2(dir.path(), "v2.json");
    report(dir.path(), "v3.json", scanned("2026-11-30T23:00:00Z", 1.0));
    for order in [["v2.json", "v3.json"], ["v3.json", "v2.json"]] {
        let merged: Value = serde_json::from_str(&merge(dir.path(), "json", &order)).unwrap();
        assert_eq!(merged["schema"], 3);
        assert_eq!(merged["summary"]["hits"], 2, "{order:?}");
        let summary = merged["summary"].as_object().unwrap();
        assert!(!summary.contains_key("scanned_at"), "{merged}");
        assert!(!summary.contains_key("scan_seconds"), "{merged}");

        // Left out rather than the merge's own time: an alert on staleness sees it absent.
        let prom = merge(dir.path(), "prom", &order);
        assert_eq!(metric(&prom, "errscan_hits"), Some(2.0), "{prom}");
        assert_eq!(
            metric(&prom, "errscan_last_success_timestamp_seconds"),
            None
        );
        assert_eq!(metric(&prom, "errscan_scan_duration_seconds"), None);

        let html = merge(dir.path(), "html", &order);
        assert!(html.contains("Scan time unknown"), "{html}");
    }
    // A schema-2 report alone merges as well, with no time.
    let prom = merge(dir.path(), "prom", &["v2.json"]);
    assert_eq!(metric(&prom, "errscan_hits"), Some(1.0));
    assert_eq!(
        metric(&prom, "errscan_last_success_timestamp_seconds"),
        None
    );
}

#[test]
fn a_bad_scan_time_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "good.json", |_| {});
    for (name, edit) in [
        ("word.json", Value::from("yesterday")),
        ("number.json", Value::from(1_700_000_000)),
    ] {
        report(dir.path(), name, move |s| {
            s.insert("scanned_at".into(), edit);
        });
        let out = errscan()
            .current_dir(dir.path())
            .args(["merge", "-f", "json", "good.json", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name) && err.contains("summary"), "{err}");
    }
    report(dir.path(), "negative.json", |s| {
        s.insert("scan_seconds".into(), (-1.0).into());
    });
    let out = errscan()
        .current_dir(dir.path())
        .args(["merge", "-f", "json", "negative.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("negative.json") && err.contains("not a duration"),
        "{err}"
    );
}
