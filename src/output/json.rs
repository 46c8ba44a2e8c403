//! JSON output (serde_json): `{"summary":{...},"counts":[...]}`.

use std::io::Write;

use serde::Serialize;

use super::{stdout_error, CountRow};
use crate::counts::Summary;
use crate::error::Result;

#[derive(Serialize)]
struct Document<'a> {
    summary: &'a Summary,
    counts: &'a [CountRow<'a>],
}

/// Writes the report as one pretty-printed JSON document.
///
/// # Errors
/// When the writer fails.
pub fn write_report(out: &mut dyn Write, summary: &Summary, rows: &[CountRow<'_>]) -> Result<()> {
    let doc = Document {
        summary,
        counts: rows,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| stdout_error(e.into()))?;
    out.write_all(b"\n").map_err(stdout_error)
}
