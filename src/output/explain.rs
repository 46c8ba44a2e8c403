//! `errscan explain`'s output: per line, its hits with their rules and the rules that gave
//! nothing, with why. Text for a terminal, or one JSON object per line.

use std::io::Write;

use serde::Serialize;

use super::stdout_error;
use crate::catalog::Catalog;
use crate::error::Result;
use crate::matcher::explain::Explanation;
use crate::report::Annotation;

/// One hit of an explained line.
#[derive(Debug, Serialize)]
struct HitOut<'a> {
    vendor: &'a str,
    code: &'a str,
    category: &'a str,
    /// The rule, as `vendor/id`.
    rule: String,
    /// Where the rule is declared (`file:line`).
    origin: &'a str,
    offset: usize,
    #[serde(rename = "match")]
    matched: String,
}

/// One rule that gave no hit.
#[derive(Debug, Serialize)]
struct RejectedOut<'a> {
    rule: String,
    origin: &'a str,
    anchor: &'a str,
    at: usize,
    reason: String,
}

/// One explained line, as printed by `-f json`.
#[derive(Debug, Serialize)]
struct LineOut<'a> {
    file: &'a str,
    line: u64,
    text: String,
    hits: Vec<HitOut<'a>>,
    rejected: Vec<RejectedOut<'a>>,
}

fn line_out<'a>(
    catalog: &'a Catalog,
    file: &'a str,
    number: u64,
    text: &[u8],
    e: &'a Explanation,
) -> LineOut<'a> {
    let rule_name = |ri: usize| {
        let r = &catalog.rules()[ri];
        format!("{}/{}", catalog.vendor(r.vendor).id, r.id)
    };
    LineOut {
        file,
        line: number,
        text: String::from_utf8_lossy(text).into_owned(),
        hits: e
            .hits
            .iter()
            .map(|h| {
                let a = Annotation::of(catalog, &h.code);
                HitOut {
                    vendor: a.vendor,
                    code: a.code,
                    category: a.category(),
                    rule: rule_name(h.rule),
                    origin: &catalog.rules()[h.rule].origin,
                    offset: h.offset,
                    matched: String::from_utf8_lossy(&text[h.matched.clone()]).into_owned(),
                }
            })
            .collect(),
        rejected: e
            .rejected
            .iter()
            .map(|r| RejectedOut {
                rule: rule_name(r.rule),
                origin: &catalog.rules()[r.rule].origin,
                anchor: &r.anchor,
                at: r.at,
                reason: r.reason.to_string(),
            })
            .collect(),
    }
}

/// Writes one explained line as a JSON object on its own line.
///
/// # Errors
/// When the writer fails.
pub fn write_json(
    out: &mut dyn Write,
    catalog: &Catalog,
    file: &str,
    number: u64,
    text: &[u8],
    e: &Explanation,
) -> Result<()> {
    let obj = line_out(catalog, file, number, text, e);
    serde_json::to_writer(&mut *out, &obj).map_err(|e| stdout_error(e.into()))?;
    out.write_all(b"\n").map_err(stdout_error)
}

/// Writes one explained line for a person: the line, then a `hit` or `no` row per rule.
/// Text from the log is printed with control characters escaped.
///
/// # Errors
/// When the writer fails.
pub fn write_text(
    out: &mut dyn Write,
    catalog: &Catalog,
    file: &str,
    number: u64,
    text: &[u8],
    e: &Explanation,
) -> Result<()> {
    let o = line_out(catalog, file, number, text, e);
    let mut s = format!("{}:{}: {}\n", printable(o.file), o.line, printable(&o.text));
    for h in &o.hits {
        s.push_str(&format!(
            "  hit {}:{} ({}) by {} [{}] at {}: {}\n",
            h.vendor,
            printable(h.code),
            h.category,
            h.rule,
            h.origin,
            h.offset,
            printable(&h.matched)
        ));
    }
    for r in &o.rejected {
        s.push_str(&format!(
            "  no  {} [{}] at {} ({}): {}\n",
            r.rule,
            r.origin,
            r.at,
            printable(r.anchor),
            printable(&r.reason)
        ));
    }
    out.write_all(s.as_bytes()).map_err(stdout_error)
}

/// `text` with control characters (and the bidirectional overrides that reorder a terminal's
/// line) shown as escapes, so a log line cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let hidden = c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c);
            let hidden = hidden || ('\u{2066}'..='\u{2069}').contains(&c) || c == '\u{2028}';
            let shown: Vec<char> = if hidden {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            shown
        })
        .collect()
}
