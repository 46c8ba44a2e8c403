//! JSON output (serde_json): one document, or one object per line (NDJSON).

use std::io::Write;

use serde_json::Value;

use super::stdout_error;
use crate::error::Result;
use crate::report::grouping::Grouped;

/// Writes the report as one pretty-printed JSON document; `errscan merge` reads it back.
///
/// # Errors
/// When the writer fails.
pub fn write_report(out: &mut dyn Write, report: &Grouped) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report.to_json())
        .map_err(|e| stdout_error(e.into()))?;
    out.write_all(b"\n").map_err(stdout_error)
}

/// Writes one compact JSON object per row.
///
/// # Errors
/// When the writer fails.
pub fn write_rows(out: &mut dyn Write, report: &Grouped) -> Result<()> {
    for row in &report.rows {
        serde_json::to_writer(&mut *out, &Value::Object(report.row_object(row)))
            .map_err(|e| stdout_error(e.into()))?;
        out.write_all(b"\n").map_err(stdout_error)?;
    }
    Ok(())
}
