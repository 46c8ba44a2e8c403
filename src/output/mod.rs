//! Report writers, one per format. They only format: rows come from [`crate::counts`] and
//! [`crate::scan`], already aggregated and sorted.

pub mod catalog_list;
pub mod csv;
pub mod json;
pub mod table;

use std::io::Write;

use serde::Serialize;

use crate::catalog::{Catalog, Entry};
use crate::counts::Summary;
use crate::error::{Error, Result};
use crate::rules::CodeRef;
use crate::scan::{HitRecord, Report};

/// Description and category given to codes the catalog lacks.
pub const UNKNOWN_DESCRIPTION: &str = "unknown code (not in catalog)";
/// Category given to codes the catalog lacks.
pub const UNKNOWN_CATEGORY: &str = "unknown";

/// The output formats of `scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document: `{"summary":{...},"counts":[...]}`.
    Json,
}

/// One aggregated row: a code, its annotation and its count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CountRow<'a> {
    /// Vendor id.
    pub vendor: &'a str,
    /// The code.
    pub code: &'a str,
    /// The documented name, empty when none.
    pub name: &'a str,
    /// Normalised category (`unknown` for codes the catalog lacks).
    pub category: &'a str,
    /// The vendor's own grouping.
    pub vendor_category: &'a str,
    /// The documented HTTP status.
    pub http_status: Option<u16>,
    /// The documented description.
    pub description: &'a str,
    /// Hits.
    pub count: u64,
}

/// The annotation of a code, shared by count rows and hit records.
#[derive(Clone, Copy, Debug)]
pub struct Annotation<'a> {
    /// Vendor id.
    pub vendor: &'a str,
    /// The code.
    pub code: &'a str,
    /// The catalog entry, `None` for an unknown code.
    pub entry: Option<&'a Entry>,
}

impl<'a> Annotation<'a> {
    /// Looks up the annotation of `code`.
    pub fn of(catalog: &'a Catalog, code: &'a CodeRef) -> Annotation<'a> {
        match code {
            CodeRef::Known(id) => {
                let e = catalog.entry(*id);
                Annotation {
                    vendor: &catalog.vendor(e.vendor).id,
                    code: &e.code,
                    entry: Some(e),
                }
            }
            CodeRef::Attributed { vendor, entry } => {
                let e = catalog.entry(*entry);
                Annotation {
                    vendor: &catalog.vendor(*vendor).id,
                    code: &e.code,
                    entry: Some(e),
                }
            }
            CodeRef::Unknown { vendor, code } => Annotation {
                vendor: &catalog.vendor(*vendor).id,
                code,
                entry: None,
            },
        }
    }

    /// The documented name, or empty.
    pub fn name(&self) -> &'a str {
        self.entry.and_then(|e| e.name.as_deref()).unwrap_or("")
    }

    /// The category name.
    pub fn category(&self) -> &'a str {
        self.entry.map_or(UNKNOWN_CATEGORY, |e| e.category.as_str())
    }

    /// The vendor's grouping, or empty.
    pub fn vendor_category(&self) -> &'a str {
        self.entry.map_or("", |e| e.vendor_category.as_str())
    }

    /// The documented HTTP status.
    pub fn http_status(&self) -> Option<u16> {
        self.entry.and_then(|e| e.http_status)
    }

    /// The description, or [`UNKNOWN_DESCRIPTION`].
    pub fn description(&self) -> &'a str {
        self.entry
            .map_or(UNKNOWN_DESCRIPTION, |e| e.description.as_str())
    }
}

/// The sorted count rows of a report.
pub fn count_rows<'a>(catalog: &'a Catalog, rows: &'a [(CodeRef, u64)]) -> Vec<CountRow<'a>> {
    rows.iter()
        .map(|(code, count)| {
            let a = Annotation::of(catalog, code);
            CountRow {
                vendor: a.vendor,
                code: a.code,
                name: a.name(),
                category: a.category(),
                vendor_category: a.vendor_category(),
                http_status: a.http_status(),
                description: a.description(),
                count: *count,
            }
        })
        .collect()
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

/// Writes a scan report in `format`.
///
/// # Errors
/// When the writer fails.
pub fn write_report(
    out: &mut dyn Write,
    catalog: &Catalog,
    report: &Report,
    format: Format,
) -> Result<()> {
    let rows = report.counts.rows(catalog);
    let rows = count_rows(catalog, &rows);
    match format {
        Format::Csv => csv::write_counts(out, &rows),
        Format::Json => json::write_report(out, &report.summary, &rows),
        Format::Table => table::write_counts(out, &report.summary, &rows),
    }
}

/// Summary fields shared by formats.
pub(crate) fn summary_line(s: &Summary) -> String {
    format!(
        "{} hits ({} unknown) in {} lines, {} bytes, {} inputs{}",
        s.hits,
        s.unknown,
        s.lines,
        s.bytes,
        s.inputs,
        if s.errors.is_empty() {
            String::new()
        } else {
            format!(", {} errors", s.errors.len())
        }
    )
}

/// Wraps an I/O error on standard output.
pub(crate) fn stdout_error(source: std::io::Error) -> Error {
    Error::Output {
        path: "<stdout>".to_string(),
        source,
    }
}
