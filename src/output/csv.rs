//! CSV output (the csv crate), one header row.

use std::io::Write;

use serde::Serialize;

use super::{stdout_error, CountRow};
use crate::error::Result;

/// Writes rows of any serialisable type as CSV with a header row.
///
/// # Errors
/// When the writer fails.
pub fn write_rows<T: Serialize>(out: &mut dyn Write, rows: &[T], header: &[&str]) -> Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    let fail = |e: ::csv::Error| stdout_error(std::io::Error::other(e));
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.flush().map_err(stdout_error)
}

/// The count columns, in order.
pub const COUNT_HEADER: [&str; 8] = [
    "vendor",
    "code",
    "name",
    "category",
    "vendor_category",
    "http_status",
    "description",
    "count",
];

/// Writes count rows.
///
/// # Errors
/// When the writer fails.
pub fn write_counts(out: &mut dyn Write, rows: &[CountRow<'_>]) -> Result<()> {
    write_rows(out, rows, &COUNT_HEADER)
}
