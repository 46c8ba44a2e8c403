//! Report writers, one per format. They only format: rows come from [`crate::counts`] and
//! [`crate::scan`], already aggregated and sorted.

pub mod catalog_list;
pub mod csv;
pub mod explain;
pub mod file;
pub mod html;
pub mod json;
pub mod prometheus;
pub mod table;
pub mod terminal;

use std::io::Write;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::report::counts::Summary;
use crate::report::grouping::Grouped;
use crate::report::{Annotation, HitRecord};

/// The output formats of `scan` and `merge`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal, descriptions cut to its width, a totals line.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document: `{"schema":3,"group_by":[...],"summary":{...},"counts":[...]}`.
    Json,
    /// One JSON object per row (per hit with `--hits`).
    Ndjson,
    /// Prometheus text exposition format, for the node_exporter textfile collector.
    Prom,
    /// One self-contained HTML page with charts, for people (see [`html`]).
    Html,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Ndjson,
        Format::Prom,
        Format::Html,
    ];

    /// The format's name as users type it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Prom => "prom",
            Format::Html => "html",
        }
    }

    /// One line on what the format is, for help texts.
    pub fn about(self) -> &'static str {
        match self {
            Format::Table => "aligned columns for a terminal, descriptions cut to its width",
            Format::Csv => "comma-separated values with a header row",
            Format::Json => "one JSON document, which `merge` reads back",
            Format::Ndjson => "one JSON object per row (per hit when hits are listed)",
            Format::Prom => "Prometheus text format, for node_exporter's textfile collector",
            Format::Html => "one self-contained page with charts, for a nightly report",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    fn from_str(name: &str) -> Result<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::Invalid(format!("unknown format `{name}`")))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Facts about the run that only some formats print.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunInfo {
    /// When the run ended, in seconds since the Unix epoch.
    pub finished_unix: f64,
    /// The width of the terminal, for tables (80 when unknown).
    pub width: usize,
}

/// One hit as printed by `--hits` (one JSON object per line).
#[derive(Debug, Serialize)]
pub struct HitRow<'a> {
    /// The input's name.
    pub file: &'a str,
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the code.
    pub offset: u64,
    /// Vendor id.
    pub vendor: &'a str,
    /// The code.
    pub code: &'a str,
    /// The documented name.
    pub name: &'a str,
    /// Normalised category.
    pub category: &'a str,
    /// The documented HTTP status.
    pub http_status: Option<u16>,
    /// The description.
    pub description: &'a str,
    /// The text the rule matched (lossily decoded when not UTF-8).
    #[serde(rename = "match")]
    pub matched: String,
}

/// Writes one hit as a JSON line.
///
/// # Errors
/// When the writer fails (a closed pipe included, see [`Error::is_broken_pipe`]).
pub fn write_hit(
    out: &mut dyn Write,
    catalog: &Catalog,
    file: &str,
    hit: &HitRecord,
) -> Result<()> {
    let a = Annotation::of(catalog, &hit.code);
    let row = HitRow {
        file,
        line: hit.line,
        offset: hit.offset,
        vendor: a.vendor,
        code: a.code,
        name: a.name(),
        category: a.category(),
        http_status: a.http_status(),
        description: a.description(),
        matched: String::from_utf8_lossy(&hit.matched).into_owned(),
    };
    serde_json::to_writer(&mut *out, &row).map_err(|e| stdout_error(e.into()))?;
    out.write_all(b"\n").map_err(stdout_error)
}

/// Writes a grouped report in `format`.
///
/// # Errors
/// When the writer fails.
pub fn write_report(
    out: &mut dyn Write,
    report: &Grouped,
    format: Format,
    info: &RunInfo,
) -> Result<()> {
    match format {
        Format::Csv => csv::write_grouped(out, report),
        Format::Json => json::write_report(out, report),
        Format::Ndjson => json::write_rows(out, report, None),
        Format::Table => table::write_grouped(out, report, info.width),
        Format::Prom => prometheus::write(out, report),
        Format::Html => html::write(
            out,
            report,
            &html::HtmlOptions {
                generated_unix: info.finished_unix,
                ..html::HtmlOptions::default()
            },
        ),
    }
}

/// Writes the rows of one `--every` window, each with a `window_end` field: NDJSON objects,
/// or CSV rows (with a header when `header`).
///
/// # Errors
/// When the writer fails, or for a format other than NDJSON and CSV.
pub fn write_window(
    out: &mut dyn Write,
    report: &Grouped,
    window_end: &str,
    format: Format,
    header: bool,
) -> Result<()> {
    match format {
        Format::Ndjson => json::write_rows(out, report, Some(window_end)),
        Format::Csv => {
            let mut w = ::csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(out);
            let fail = csv::write_error;
            if header {
                let mut cols = vec!["window_end"];
                cols.extend(report.columns());
                w.write_record(&cols).map_err(fail)?;
            }
            for row in &report.rows {
                let mut cells = vec![window_end.to_string()];
                cells.extend(
                    report
                        .row_cells(row)
                        .iter()
                        .map(|c| csv::neutralise(c).into_owned()),
                );
                w.write_record(&cells).map_err(fail)?;
            }
            w.flush().map_err(stdout_error)
        }
        other => Err(Error::Invalid(format!(
            "windows are written as ndjson or csv, not {other}"
        ))),
    }
}

/// The totals line of tables.
pub(crate) fn summary_line(s: &Summary, rows_cut: u64) -> String {
    let mut line = format!(
        "{} hits ({} unknown) in {} lines, {} bytes, {} inputs",
        s.hits, s.unknown, s.lines, s.bytes, s.inputs
    );
    if rows_cut > 0 {
        line.push_str(&format!("; {rows_cut} more rows not shown"));
    }
    if s.folded > 0 {
        line.push_str(&format!(
            "; {} hits of unknown codes folded into (other)",
            s.folded
        ));
    }
    if !s.errors.is_empty() {
        line.push_str(&format!("; {} errors", s.errors.len()));
    }
    line
}

/// Wraps an I/O error on standard output.
pub(crate) fn stdout_error(cause: std::io::Error) -> Error {
    Error::Output {
        path: "<stdout>".to_string(),
        cause,
    }
}
