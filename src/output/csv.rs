//! CSV output (the csv crate), one header row. Text cells that a spreadsheet would run as a
//! formula are neutralised.

use std::borrow::Cow;
use std::io::Write;

use super::stdout_error;
use crate::error::Result;
use crate::report::grouping::Grouped;

/// Prefixes a cell that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) with `'`, so that text from logs cannot run as a formula when the CSV is opened
/// (OWASP "CSV injection"). Numbers are written by the caller and never pass through here.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Turns a csv writer error into an output error, keeping the I/O error itself (not wrapped
/// in `ErrorKind::Other`), so that a closed pipe is still recognised as one.
pub(crate) fn write_error(e: ::csv::Error) -> crate::error::Error {
    let io = if e.is_io_error() {
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        }
    } else {
        std::io::Error::other(e)
    };
    stdout_error(io)
}

/// Writes a header and text rows, neutralising every cell.
///
/// # Errors
/// When the writer fails.
pub fn write_records(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(header).map_err(write_error)?;
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .map_err(write_error)?;
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

    #[test]
    fn a_closed_pipe_stays_a_closed_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
        }
        let rows = vec![vec!["x".repeat(1 << 16)]];
        let e = write_records(&mut Closed, &["a"], &rows).unwrap_err();
        assert!(e.is_broken_pipe(), "{e}");
    }
}
