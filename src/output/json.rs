//! The JSON report layout, written and read here only: one pretty-printed document
//! (`scan -f json`, `merge -f json`), which `errscan merge` reads back, and one compact
//! object per row (NDJSON, also per `--every` window).
//!
//! ```text
//! {"schema": 3, "group_by": [...], "summary": {..., "rows_cut": N},
//!  "counts": [{<key columns>, <annotation columns>, "count": N}, ...],
//!  "unknown_codes": [{"vendor": ..., "code": ..., "count": N}, ...]}
//! ```
//!
//! Rows are streamed to the writer cell by cell ([`Grouped::cells`]), never built as JSON
//! values first.

use std::io::Write;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::stdout_error;
use crate::error::Result;
use crate::report::counts::Summary;
use crate::report::grouping::{parse_group_by, Grouped, Notes, Row, UnknownCode, DEFAULT_GROUP_BY};

/// The version of the JSON report layout. Reports carry it so that older ones stay readable:
/// 1 (no `schema`, no `group_by`), 2 (the unknown-code cap and `unknown_codes`), 3 (the
/// scan's `scanned_at` and `scan_seconds`).
pub const SCHEMA: u32 = 3;

/// Why a JSON report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is not an errscan report; the message says what is wrong, naming the row
    /// (`counts[3]`) where one is.
    #[error("not an errscan report: {0}")]
    Layout(String),
}

/// The whole document.
#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    group_by: Vec<&'static str>,
    summary: SummaryOut<'a>,
    counts: Rows<'a>,
    unknown_codes: &'a [UnknownCode],
}

/// The summary, with the rows `--top` cut.
#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    rows_cut: u64,
}

/// The rows, streamed as an array.
struct Rows<'a>(&'a Grouped);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.rows.iter().map(|row| RowOut {
            window_end: None,
            report: self.0,
            row,
        }))
    }
}

/// One row as an object: `window_end` first when given, then its cells in
/// [`Grouped::columns`] order.
struct RowOut<'a> {
    window_end: Option<&'a str>,
    report: &'a Grouped,
    row: &'a Row,
}

impl Serialize for RowOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let cells = self.report.cells(self.row);
        let mut map =
            s.serialize_map(Some(cells.len() + usize::from(self.window_end.is_some())))?;
        if let Some(end) = self.window_end {
            map.serialize_entry("window_end", end)?;
        }
        for (name, cell) in &cells {
            map.serialize_entry(name, cell)?;
        }
        map.end()
    }
}

/// Writes the report as one pretty-printed JSON document; `errscan merge` reads it back with
/// [`read_report`].
///
/// # Errors
/// When the writer fails.
pub fn write_report(out: &mut dyn Write, report: &Grouped) -> Result<()> {
    let doc = Document {
        schema: SCHEMA,
        group_by: report.group_by.iter().map(|k| k.name()).collect(),
        summary: SummaryOut {
            summary: &report.summary,
            rows_cut: report.rows_cut,
        },
        counts: Rows(report),
        unknown_codes: &report.unknown,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| stdout_error(e.into()))?;
    out.write_all(b"\n").map_err(stdout_error)
}

/// Writes one compact JSON object per row, each beginning with `"window_end"` when
/// `window_end` is given (the rows of one `--every` window).
///
/// # Errors
/// When the writer fails.
pub fn write_rows(out: &mut dyn Write, report: &Grouped, window_end: Option<&str>) -> Result<()> {
    for row in &report.rows {
        let obj = RowOut {
            window_end,
            report,
            row,
        };
        serde_json::to_writer(&mut *out, &obj).map_err(|e| stdout_error(e.into()))?;
        out.write_all(b"\n").map_err(stdout_error)?;
    }
    Ok(())
}

/// Reads a JSON report written by [`write_report`] (any schema up to [`SCHEMA`]; a report
/// without `schema` is a version-1 report, without `group_by` one grouped by `vendor,code`).
/// Rows with the same key are summed.
///
/// # Errors
/// When `text` is not JSON, or not such a report (the message says what is wrong and names
/// the row), or when a sum of rows overflows.
pub fn read_report(text: &str) -> std::result::Result<Grouped, ReadError> {
    let doc: Value = serde_json::from_str(text)?;
    from_value(&doc).map_err(ReadError::Layout)
}

fn from_value(doc: &Value) -> std::result::Result<Grouped, String> {
    let obj = doc.as_object().ok_or("not a JSON object")?;
    let schema = obj
        .get("schema")
        .map_or(Some(1), Value::as_u64)
        .ok_or("`schema` is not a number")?;
    if schema == 0 || schema > u64::from(SCHEMA) {
        return Err(format!(
            "unsupported report schema {schema} (this errscan reads 1 to {SCHEMA})"
        ));
    }
    let group_by = match obj.get("group_by") {
        None => DEFAULT_GROUP_BY.to_vec(),
        Some(v) => {
            let names: Vec<&str> = v
                .as_array()
                .ok_or("`group_by` is not an array")?
                .iter()
                .map(|n| n.as_str().ok_or("`group_by` holds a non-string"))
                .collect::<std::result::Result<_, _>>()?;
            parse_group_by(&names.join(",")).map_err(|e| e.to_string())?
        }
    };
    let summary_value = obj.get("summary").ok_or("no `summary`")?;
    let summary: Summary =
        serde_json::from_value(summary_value.clone()).map_err(|e| format!("bad `summary`: {e}"))?;
    let rows_cut = summary_value
        .get("rows_cut")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let with_code = group_by.contains(&crate::report::grouping::GroupKey::Code);
    let text = |row: &Map<String, Value>, field: &str| -> std::result::Result<String, String> {
        match row.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Null) | None => Ok(String::new()),
            Some(other) => Err(format!("field `{field}` is not a string: {other}")),
        }
    };
    let mut rows = Vec::new();
    for (i, r) in obj
        .get("counts")
        .and_then(Value::as_array)
        .ok_or("no `counts` array")?
        .iter()
        .enumerate()
    {
        let row = r
            .as_object()
            .ok_or_else(|| format!("counts[{i}] is not an object"))?;
        let key = group_by
            .iter()
            .map(|k| {
                row.get(k.name())
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("counts[{i}] lacks `{}`", k.name()))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let count = row
            .get("count")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("counts[{i}] lacks a numeric `count`"))?;
        let notes = if with_code {
            Some(Notes {
                name: text(row, "name")?,
                category: text(row, "category")?,
                vendor_category: text(row, "vendor_category")?,
                http_status: row
                    .get("http_status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok()),
                description: text(row, "description")?,
            })
        } else {
            None
        };
        rows.push(Row { key, notes, count });
    }
    let unknown: Vec<UnknownCode> = match obj.get("unknown_codes") {
        None => Vec::new(),
        Some(v) => {
            serde_json::from_value(v.clone()).map_err(|e| format!("bad `unknown_codes`: {e}"))?
        }
    };
    // Summed, so that a hand-edited report with repeated keys still adds up.
    Grouped::from_rows(group_by, summary, rows, rows_cut, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::grouping::GroupKey;

    fn report() -> Grouped {
        let row = |k: &str, n| Row {
            key: vec!["okta".into(), k.into()],
            notes: Some(Notes {
                name: format!("name of {k}"),
                category: "token".into(),
                vendor_category: String::new(),
                http_status: (k == "E0000011").then_some(401),
                description: "a \"quoted\" description".into(),
            }),
            count: n,
        };
        let mut g = Grouped::from_rows(
            DEFAULT_GROUP_BY.to_vec(),
            Summary {
                inputs: 1,
                hits: 3,
                scanned_at: Some("2026-12-07T15:57:08.520115597Z".parse().unwrap()),
                scan_seconds: Some(0.013256149),
                ..Summary::default()
            },
            vec![row("E0000011", 2), row("E0000004", 1)],
            0,
            vec![UnknownCode {
                vendor: "okta".into(),
                code: "E0000199".into(),
                count: 0,
            }],
        )
        .unwrap();
        g.top(1);
        g
    }

    fn written(g: &Grouped) -> String {
        let mut out = Vec::new();
        write_report(&mut out, g).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn round_trip() {
        let g = report();
        let text = written(&g);
        assert_eq!(read_report(&text).unwrap(), g);
        assert!(text.contains("\"rows_cut\": 1"), "{text}");
    }

    #[test]
    fn rows_are_objects_in_column_order() {
        let g = report();
        let mut out = Vec::new();
        write_rows(&mut out, &g, Some("2026-12-07T00:00:00.000000000Z")).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"window_end":"2026-12-07T00:00:00.000000000Z","vendor":"okta","code":"E0000011","#,
                r#""name":"name of E0000011","category":"token","vendor_category":"","http_status":401,"#,
                r#""description":"a \"quoted\" description","count":2}"#,
                "\n"
            )
        );
        let mut g = g;
        g.group_by = vec![GroupKey::Category];
        g.rows = vec![Row {
            key: vec!["mfa".into()],
            notes: None,
            count: 4,
        }];
        let mut out = Vec::new();
        write_rows(&mut out, &g, None).unwrap();
        assert_eq!(out, b"{\"category\":\"mfa\",\"count\":4}\n");
    }

    #[test]
    fn what_is_not_a_report_is_refused_saying_why() {
        let bad = |text: &str| read_report(text).unwrap_err().to_string();
        assert!(bad("{").starts_with("not JSON"));
        assert!(bad(r#"{"schema": 99}"#).contains("unsupported report schema 99"));
        let good = written(&report());
        let doc = |edit: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&good).unwrap();
            edit(&mut v);
            v.to_string()
        };
        let e = bad(&doc(&|v| v["counts"][0]["count"] = "two".into()));
        assert_eq!(
            e,
            "not an errscan report: counts[0] lacks a numeric `count`"
        );
        let e = bad(&doc(&|v| {
            v["counts"][0].as_object_mut().unwrap().remove("code");
        }));
        assert!(e.contains("counts[0] lacks `code`"), "{e}");
        let e = bad(&doc(&|v| v["counts"][0]["name"] = 3.into()));
        assert!(e.contains("field `name` is not a string"), "{e}");
        let e = bad(&doc(&|v| v["summary"]["hits"] = (-1).into()));
        assert!(e.contains("bad `summary`"), "{e}");
    }
}
