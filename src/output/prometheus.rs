//! Prometheus text exposition format, for the node_exporter textfile collector.
//!
//! Counts are a gauge (`errscan_errors`): a nightly report is a value per run, not an
//! ever-growing counter. Only bounded labels are used (`vendor`, `code`, `category`), never
//! descriptions, file names or time buckets (Prometheus keeps time itself); rows grouped by
//! other keys are summed over them. No sample timestamps are written; the scan's own time is
//! the value of `errscan_last_success_timestamp_seconds`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use super::stdout_error;
use crate::error::Result;
use crate::report::grouping::{GroupKey, Grouped};

/// Escapes a label value: backslash, double quote and line feed (exposition format spec).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn gauge(text: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} gauge");
    let _ = writeln!(text, "{name} {value}");
}

/// Writes the report as Prometheus metrics.
///
/// # Errors
/// When the writer fails.
pub fn write(out: &mut dyn Write, report: &Grouped) -> Result<()> {
    let mut labels: Vec<(&str, usize)> = Vec::new();
    for (i, k) in report.group_by.iter().enumerate() {
        if matches!(k, GroupKey::Vendor | GroupKey::Code | GroupKey::Category) {
            labels.push((k.name(), i));
        }
    }
    let with_code = report.group_by.contains(&GroupKey::Code);
    let with_category = report.group_by.contains(&GroupKey::Category);
    let mut series: BTreeMap<Vec<(&str, String)>, u64> = BTreeMap::new();
    for row in &report.rows {
        let mut set: Vec<(&str, String)> = labels
            .iter()
            .map(|(name, i)| (*name, row.key[*i].clone()))
            .collect();
        // The category follows from the code: a bounded label worth having on every series.
        if with_code && !with_category {
            if let Some(n) = &row.notes {
                set.push(("category", n.category.clone()));
            }
        }
        *series.entry(set).or_insert(0) += row.count;
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# HELP errscan_errors Identity-vendor error codes found by the last errscan run."
    );
    let _ = writeln!(text, "# TYPE errscan_errors gauge");
    for (set, count) in &series {
        let inner: Vec<String> = set
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect();
        if inner.is_empty() {
            let _ = writeln!(text, "errscan_errors {count}");
        } else {
            let _ = writeln!(text, "errscan_errors{{{}}} {count}", inner.join(","));
        }
    }
    let s = &report.summary;
    gauge(
        &mut text,
        "errscan_hits",
        "Error codes found by the last run, all codes together.",
        s.hits as f64,
    );
    gauge(
        &mut text,
        "errscan_unknown_hits",
        "Hits of codes the catalog lacks in the last run.",
        s.unknown as f64,
    );
    gauge(
        &mut text,
        "errscan_scanned_bytes",
        "Bytes scanned by the last run.",
        s.bytes as f64,
    );
    gauge(
        &mut text,
        "errscan_scanned_lines",
        "Lines scanned by the last run.",
        s.lines as f64,
    );
    gauge(
        &mut text,
        "errscan_inputs",
        "Inputs scanned by the last run.",
        s.inputs as f64,
    );
    gauge(
        &mut text,
        "errscan_input_errors",
        "Inputs the last run could not read, fully or at all.",
        s.errors.len() as f64,
    );
    // The scan's own time and duration, carried through `merge` (the oldest scan, the summed
    // durations): a merge of stale reports must not look fresh. Unknown for reports of
    // schema 2 or older, and then left out rather than guessed.
    if let Some(seconds) = s.scan_seconds {
        gauge(
            &mut text,
            "errscan_scan_duration_seconds",
            "How long the scan took (for a merged report: its scans together).",
            seconds,
        );
    }
    if let (Some(at), true) = (s.scanned_at, s.errors.is_empty()) {
        gauge(
            &mut text,
            "errscan_last_success_timestamp_seconds",
            "When the scan ended, if it read every input (for a merged report: its oldest scan), in seconds since the Unix epoch.",
            // Whole seconds and fraction apart: one f64 division of the nanoseconds rounds.
            at.as_second() as f64 + f64::from(at.subsec_nanosecond()) / 1e9,
        );
    }
    out.write_all(text.as_bytes()).map_err(stdout_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label("x\ny"), "x\\ny");
    }
}
