//! Aligned text table for terminals.

use std::io::Write;

use super::{stdout_error, summary_line, CountRow};
use crate::counts::Summary;
use crate::error::Result;

/// Longest description printed in a table cell; longer ones are cut with `…`.
const DESCRIPTION_WIDTH: usize = 60;

/// Writes rows as an aligned table: a header, one line per row, then a totals line.
///
/// # Errors
/// When the writer fails.
pub fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    footer: &str,
) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            if i + 1 < widths.len() {
                l.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
            }
        }
        text.push_str(l.trim_end());
        text.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    text.push_str(footer);
    text.push('\n');
    out.write_all(text.as_bytes()).map_err(stdout_error)
}

/// Cuts `s` to `max` characters, ending with `…` when cut; control characters become spaces
/// so that text from logs or files cannot move the cursor.
pub fn cell(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Writes count rows as a table.
///
/// # Errors
/// When the writer fails.
pub fn write_counts(out: &mut dyn Write, summary: &Summary, rows: &[CountRow<'_>]) -> Result<()> {
    let header = ["COUNT", "VENDOR", "CODE", "CATEGORY", "DESCRIPTION"];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.count.to_string(),
                cell(r.vendor, 12),
                cell(r.code, 40),
                cell(r.category, 16),
                cell(r.description, DESCRIPTION_WIDTH),
            ]
        })
        .collect();
    write_table(out, &header, &body, &summary_line(summary))
}
