//! CSV output (the csv crate), one header row. Text cells that a spreadsheet would run as a
//! formula are neutralised.

use std::borrow::Cow;
use std::io::Write;

use super::stdout_error;
use crate::error::Result;
use crate::grouping::Grouped;

/// Prefixes a cell that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) with `'`, so that text from logs cannot run as a formula when the CSV is opened
/// (OWASP "CSV injection"). Numbers are written by the caller and never pass through here.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Writes a header and text rows, neutralising every cell.
///
/// # Errors
/// When the writer fails.
pub fn write_records(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    let fail = |e: ::csv::Error| stdout_error(std::io::Error::other(e));
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .map_err(fail)?;
    }
    w.flush().map_err(stdout_error)
}

/// Writes a grouped report.
///
/// # Errors
/// When the writer fails.
pub fn write_grouped(out: &mut dyn Write, report: &Grouped) -> Result<()> {
    let rows: Vec<Vec<String>> = report.rows.iter().map(|r| report.row_cells(r)).collect();
    write_records(out, &report.columns(), &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("E0000011"), "E0000011");
        assert_eq!(neutralise(""), "");
    }
}
