//! Aligned text table for terminals.

use std::io::Write;

use super::{stdout_error, summary_line};
use crate::error::Result;
use crate::report::grouping::{GroupKey, Grouped};

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

/// Cuts `s` to `max` characters, ending with `…` when cut; control characters, bidirectional
/// controls and line separators ([`super::terminal::is_unsafe`]) become spaces so that text
/// from logs or files cannot move the cursor or reorder the line.
pub fn cell(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if super::terminal::is_unsafe(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Writes a grouped report as a table: the count, the key columns and, when grouped by code,
/// the description cut so that lines fit in `width` columns; then a totals line.
///
/// # Errors
/// When the writer fails.
pub fn write_grouped(out: &mut dyn Write, report: &Grouped, width: usize) -> Result<()> {
    let with_code = report.group_by.contains(&GroupKey::Code);
    let mut header: Vec<String> = vec!["COUNT".to_string()];
    header.extend(report.group_by.iter().map(|k| k.name().to_uppercase()));
    let mut body: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![r.count.to_string()];
            cells.extend(r.key.iter().map(|k| cell(k, 48)));
            cells
        })
        .collect();
    if with_code {
        // What is left of the line after the other columns and their two-space gaps.
        let used: usize = (0..header.len())
            .map(|i| {
                body.iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(header[i].len()))
                    .max()
                    .unwrap_or(0)
                    + 2
            })
            .sum();
        let room = width.saturating_sub(used).max(16);
        header.push("DESCRIPTION".to_string());
        for (cells, row) in body.iter_mut().zip(&report.rows) {
            let d = row.notes.as_ref().map_or("", |n| n.description.as_str());
            cells.push(cell(d, room));
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let totals = summary_line(&report.summary, report.rows_cut);
    write_table(out, &header, &body, &wrap(&totals, width.max(20)))
}

/// `text` broken between words into lines of at most `width` characters (a word longer than
/// that stands alone on its line).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_line_fits_the_terminal() {
        use crate::report::counts::Summary;
        let report = Grouped {
            group_by: vec![GroupKey::Category],
            summary: Summary {
                hits: 123_456_789,
                unknown: 12_345,
                lines: 987_654_321,
                bytes: 98_765_432_100,
                inputs: 1_234,
                folded: 4_567,
                errors: vec!["x: gone".to_string(); 3],
                ..Summary::default()
            },
            rows: Vec::new(),
            rows_cut: 1_000,
            unknown: Vec::new(),
        };
        for width in [40, 60, 80] {
            let mut out = Vec::new();
            write_grouped(&mut out, &report, width).unwrap();
            let text = String::from_utf8(out).unwrap();
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{width}: {line}");
            }
            let joined = text.lines().skip(1).collect::<Vec<_>>().join(" ");
            assert_eq!(joined, summary_line(&report.summary, report.rows_cut));
        }
    }

    #[test]
    fn cells_are_cut_and_cleaned() {
        assert_eq!(cell("abc", 3), "abc");
        assert_eq!(cell("abcdef", 4), "abc…");
        assert_eq!(cell("a\u{1b}[31mred", 20), "a [31mred");
        assert_eq!(cell("tab\there", 20), "tab here");
        assert_eq!(cell("a\u{202e}b\u{2028}c\u{2066}d", 20), "a b c d");
    }
}
