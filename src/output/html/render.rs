//! The page's markup. maud escapes every interpolated value, so text from logs (codes, file
//! names, descriptions, error messages) is always text, never markup.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::model::{Change, CodeRow, Page, Total, CHANGE_FACTOR, CHANGE_MIN_HITS};
use super::svg::{self, group};

/// The page's style: system fonts only (nothing to fetch), a narrow-screen layout, and a
/// print layout that keeps the chart colours and table headers.
const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5b6474;--line:#dde1e8;--bg:#fff;--panel:#f6f7f9;--bad:#b3261e;--badbg:#fdecea;--good:#1e6b34}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub{color:var(--muted);margin:0 0 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:14px 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:21px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card.bad{background:var(--badbg);border-color:#f1b8b3}
.card.bad .v{color:var(--bad)}
.card.wide{grid-column:span 3}
.errors{background:var(--badbg);border:2px solid var(--bad);border-radius:6px;padding:10px 14px;margin:14px 0}
.errors h2{color:var(--bad);border:0;margin:0 0 6px;padding:0}
.errors li{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
.notes{background:#fff8e1;border:1px solid #f0d58c;border-radius:6px;padding:8px 14px;margin:14px 0}
.notes ul{margin:4px 0;padding-left:20px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.code,td.file{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
td.file{overflow-wrap:anywhere}
td.code{min-width:9em}
.desc{color:var(--muted);font-size:12px;margin-top:2px}
.cat{display:inline-block;white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0 0;padding:0;list-style:none;font-size:12.5px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}
svg.chart{width:100%;height:auto;display:block}
svg.bars{width:100%;height:auto;display:block}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#4a5261}
svg .xlab{text-anchor:start}
svg .grid{stroke:#e8eaef;stroke-width:1}
svg .axis,svg .tick{stroke:#9aa1ad;stroke-width:1}
svg.spark polyline{fill:none;stroke:#4e79a7;stroke-width:1.5;vector-effect:non-scaling-stroke}
svg.spark{display:block}
.chg{display:inline-block;font-size:11.5px;font-weight:600;padding:1px 6px;border-radius:9px;white-space:nowrap}
.chg.new{background:#e8defa;color:#4b2a8a}
.chg.rose{background:var(--badbg);color:var(--bad)}
.chg.fell{background:#e3f4e6;color:var(--good)}
.chg.gone{background:#eceff3;color:#4a5261}
.more{color:var(--muted);font-size:12.5px;margin:6px 0}
footer{color:var(--muted);font-size:12px;margin-top:30px;border-top:1px solid var(--line);padding-top:8px}
@media (max-width:760px){
 main{padding:12px 10px 30px}
 .two{grid-template-columns:1fr}
 .card.wide{grid-column:auto}
 .card .v{font-size:18px}
 th,td{padding:4px 5px}
 td.spark,th.spark{display:none}
 svg.chart{min-width:600px}
}
@media print{
 @page{margin:12mm}
 body{font-size:10pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 main{max-width:none;padding:0}
 .scroll{overflow:visible}
 h2{break-after:avoid}
 tr,.card,svg,.errors,.notes{break-inside:avoid}
 thead{display:table-header-group}
 .two{grid-template-columns:1fr 1fr}
 table{font-size:8.5pt}
 th,td{padding:3px 4px}
 td.code{min-width:0}
 td.spark,th.spark{display:none}
 .card .v{font-size:14pt}
}
"#;

/// Changes listed at the top of the page; the codes table marks the rest.
const CHANGES_SHOWN: usize = 12;

/// The whole page.
pub fn render(p: &Page) -> String {
    let s = &p.summary;
    let title = match &p.span {
        Some((from, to)) => format!("errscan report: {from} to {to}"),
        None => "errscan report".to_string(),
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Nothing may be loaded from anywhere: not even an image or a font.
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="generator" content=(concat!("errscan ", env!("CARGO_PKG_VERSION")));
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { "Identity error codes" }
                    p.sub {
                        @if let Some((from, to)) = &p.span {
                            "From " time datetime=(from) { (from) } " to " time datetime=(to) { (to) } " (UTC). "
                        }
                        (scanned(p))
                        " Generated " time datetime=(p.generated) { (p.generated) } " by errscan."
                    }
                    (headline(p))
                    @if !s.errors.is_empty() {
                        section.errors #errors {
                            h2 { "Input errors: " (s.errors.len()) }
                            p { "These inputs could not be read, fully or at all; the counts below cover what was read." }
                            ul { @for e in &s.errors { li { (e) } } }
                        }
                    }
                    @if !p.notes.is_empty() {
                        section.notes #notes {
                            strong { "Not shown: " }
                            ul { @for n in &p.notes { li { (n) } } }
                        }
                    }
                    @if let Some(c) = &p.changes { (changes(c)) }
                    (timeline(p))
                    (breakdowns(p))
                    (codes(p))
                    (unknown(p))
                    (files(p))
                    (sources(p))
                    footer {
                        "Counts are those of the JSON report of the same run (" code { "-f json" } "), grouped by "
                        code { (p.group_by.join(",")) } ". Times are line times, UTC; a line without its own time takes the time of the dated line before it."
                    }
                }
            }
        }
    };
    markup.into_string()
}

fn card(key: &str, id: &str, value: u64, shown: String, bad: bool) -> Markup {
    html! {
        div.card.bad[bad] {
            div.k { (key) }
            div.v #(id) data-n=(value) { (shown) }
        }
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `2026-11-21 03:00 – 04:00` for a span within a day, both dates otherwise.
fn span_text(from: &str, to: &str) -> String {
    let short = |t: &str| t.replace('T', " ").trim_end_matches(":00Z").to_string();
    let (f, t) = (short(from), short(to));
    match (f.split_once(' '), t.split_once(' ')) {
        (Some((fd, _)), Some((td, tt))) if fd == td => format!("{f} – {tt}"),
        _ => format!("{f} – {t}"),
    }
}

fn headline(p: &Page) -> Markup {
    let s = &p.summary;
    html! {
        section.cards #headline {
            (card("Hits", "hits", s.hits, group(s.hits), false))
            (card("Unknown codes", "unknown", s.unknown, group(s.unknown), s.unknown > 0))
            (card("Input errors", "errors-count", s.errors.len() as u64, group(s.errors.len() as u64), !s.errors.is_empty()))
            (card("Inputs", "inputs", s.inputs, group(s.inputs), false))
            (card("Lines", "lines", s.lines, group(s.lines), false))
            (card("Bytes", "bytes", s.bytes, bytes(s.bytes), false))
            @if let Some(u) = p.undated {
                (card("Undated hits", "undated", u, group(u), false))
            }
            @if let Some((from, to)) = &p.span {
                div.card.wide {
                    div.k { "Time span (UTC)" }
                    div.v #span style="font-size:16px" title=(format!("{from} to {to}")) { (span_text(from, to)) }
                }
            }
        }
    }
}

fn change_badge(c: &Change) -> Markup {
    let text = match c.kind {
        "new" => format!("new: {}", group(c.now)),
        "gone" => format!("gone: was {}", group(c.before)),
        _ => format!("{} {} → {}", c.kind, group(c.before), group(c.now)),
    };
    html! { span.chg.(c.kind) data-before=(c.before) data-now=(c.now) { (text) } }
}

fn changes(c: &super::model::Changes) -> Markup {
    html! {
        section #changes {
            h2 { "Changes since the baseline" }
            @if let Some(why) = &c.unavailable {
                p.more { (why) }
            } @else {
                p.more {
                    "Against a baseline of " (group(c.before_hits)) " hits. Marked: codes not in the baseline (new), "
                    "codes with at least ×" (CHANGE_FACTOR) " the baseline's hits (rose) or at most 1/" (CHANGE_FACTOR)
                    " of them (fell), each by at least " (CHANGE_MIN_HITS) " hits, and codes seen only in the baseline (gone)."
                }
                @if c.rows.is_empty() {
                    p { "No code changed that much." }
                } @else {
                    div.scroll { table {
                        thead { tr { th { "Change" } th { "Vendor" } th { "Code" } th { "Name or description" } th.n { "Before" } th.n { "Now" } } }
                        tbody {
                            @for (vendor, code, name, ch) in c.rows.iter().take(CHANGES_SHOWN) {
                                tr {
                                    td { (change_badge(ch)) }
                                    td { (vendor) } td.code { (breakable(code)) } td { (shorten(name, 100)) }
                                    td.n { (group(ch.before)) } td.n { (group(ch.now)) }
                                }
                            }
                        }
                    } }
                    @if c.rows.len() > CHANGES_SHOWN {
                        p.more { (c.rows.len() - CHANGES_SHOWN) " more changes not listed here; the Change column of the codes table marks every one." }
                    }
                }
            }
        }
    }
}

fn timeline(p: &Page) -> Markup {
    let Some(t) = &p.timeline else {
        return html! {};
    };
    html! {
        section #timeline {
            h2 { "Hits per " (t.granularity) " (UTC), by category" }
            div.scroll { (svg::timeline(t)) }
            ul.legend {
                @for (category, values) in &t.series {
                    li { span.sw style=(format!("background:{}", svg::colour(category))) {} (category) " " (group(values.iter().sum())) }
                }
            }
            @if let Some(u) = p.undated.filter(|u| *u > 0) {
                p.more { (group(u)) " hits had no time (before any dated line of their input) and are not drawn." }
            }
        }
    }
}

fn total_table(label: &str, rows: &[Total], class: &str, swatch: bool) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { th { (label) } th.n { "Hits" } th.n { "Share" } } }
            tbody {
                @for r in rows {
                    tr data-name=(r.name) {
                        td class=(class) {
                            @if swatch { span.sw style=(format!("background:{}", svg::colour(&r.name))) {} }
                            (r.name)
                        }
                        td.n data-n=(r.count) { (group(r.count)) }
                        td.n { (r.share) }
                    }
                }
            }
        } }
    }
}

fn breakdowns(p: &Page) -> Markup {
    html! {
        div.two {
            section #categories {
                h2 { "By category" }
                (svg::category_bars(&p.categories))
            }
            @if !p.vendors.is_empty() {
                section #vendors {
                    h2 { "By vendor" }
                    (total_table("Vendor", &p.vendors, "", false))
                }
            }
        }
    }
}

fn code_table(rows: &[CodeRow], trends: bool) -> Markup {
    let changes = rows.iter().any(|r| r.change.is_some());
    html! {
        div.scroll { table.codes {
            thead { tr {
                th.n { "#" } th { "Vendor" } th { "Code" } th { "Name and description" } th { "Category" }
                th.n { "HTTP" } th.n { "Hits" } th.n { "Share" }
                @if trends { th.spark { "Trend" } }
                @if changes { th { "Change" } }
            } }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    tr data-vendor=(r.vendor) data-code=(r.code) {
                        td.n { (i + 1) }
                        td { (r.vendor) }
                        td.code { (breakable(&r.code)) }
                        td {
                            @if !r.name.is_empty() { div { (r.name) } }
                            div.desc { (r.description) }
                        }
                        td { span.cat { span.sw style=(format!("background:{}", svg::colour(&r.category))) {} (r.category) } }
                        td.n { @if let Some(h) = r.http_status { (h) } }
                        td.n.count data-n=(r.count) { (group(r.count)) }
                        td.n { (r.share) }
                        @if trends { td.spark { (svg::sparkline(&r.trend)) } }
                        @if changes { td { @if let Some(c) = &r.change { (change_badge(c)) } } }
                    }
                }
            }
        } }
    }
}

/// A code with a line-break opportunity after each `.` and `_`, so that long dotted codes
/// (`Operation.Failure.User.Locked`) wrap at their parts, never inside one.
fn breakable(code: &str) -> Markup {
    let parts: Vec<&str> = code.split_inclusive(['.', '_']).collect();
    html! { @for (i, part) in parts.iter().enumerate() { @if i > 0 { wbr; } (part) } }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
    }
}

/// Trends need at least two buckets to draw a line.
fn trends(p: &Page) -> bool {
    p.timeline.as_ref().is_some_and(|t| t.starts.len() > 1)
}

fn codes(p: &Page) -> Markup {
    if p.codes.is_empty() && p.codes_more == 0 {
        return html! {};
    }
    html! {
        section #codes {
            h2 { "Top codes" }
            (code_table(&p.codes, trends(p)))
            @if p.codes_more > 0 { p.more { (p.codes_more) " more codes not shown (" code { "--top" } " sets how many are)." } }
        }
    }
}

fn unknown(p: &Page) -> Markup {
    if p.codes.is_empty() && p.codes_more == 0 {
        return html! {};
    }
    html! {
        section #unknown-codes {
            h2 { "Unknown codes" }
            @if p.unknown.is_empty() {
                p { "Every code found is in the catalog." }
            } @else {
                p.more { "Codes in a vendor's error format that the catalog does not list: new codes, or codes to add to a pattern file." }
                (code_table(&p.unknown, trends(p)))
                @if p.unknown_more > 0 { p.more { (p.unknown_more) " more unknown codes not shown." } }
            }
            @if p.summary.folded > 0 {
                p.more { (group(p.summary.folded)) " hits of unknown codes past the distinct-code cap are counted as (other)." }
            }
        }
    }
}

fn files(p: &Page) -> Markup {
    let Some(rows) = &p.files else {
        return html! {};
    };
    html! {
        section #files {
            h2 { "By file" }
            (total_table("File", rows, "file", false))
            @if p.files_more > 0 { p.more { (p.files_more) " more files not shown." } }
        }
    }
}

/// When the counts were scanned: for a merged report the oldest of its scans, which is how
/// fresh the page is (not when the page was made).
fn scanned(p: &Page) -> Markup {
    let of = if p.sources.len() > 1 {
        format!(" (the oldest of the {} merged reports)", p.sources.len())
    } else {
        String::new()
    };
    html! {
        @match &p.summary.scanned_at {
            Some(at) => {
                "Scanned " time.scanned datetime=(stamp(at)) { (format!("{at:.0}")) } (of) "."
            }
            None => {
                span.scanned { "Scan time unknown (a report of schema 2 or older was merged)." }
            }
        }
    }
}

/// A scan time as RFC 3339 text to the nanosecond, as in the JSON report.
fn stamp(at: &jiff::Timestamp) -> String {
    format!("{at:.9}")
}

fn sources(p: &Page) -> Markup {
    if p.sources.is_empty() {
        return html! {};
    }
    html! {
        section #reports {
            h2 { "By report (host)" }
            div.scroll { table {
                thead { tr { th { "Report" } th.n { "Inputs" } th.n { "Lines" } th.n { "Bytes" } th.n { "Hits" } th.n { "Unknown" } th.n { "Errors" } th { "Scanned" } } }
                tbody {
                    @for src in &p.sources {
                        @let s = &src.summary;
                        tr data-report=(src.name) {
                            td.file { (src.name) }
                            td.n { (group(s.inputs)) } td.n { (group(s.lines)) } td.n { (bytes(s.bytes)) }
                            td.n data-n=(s.hits) { (group(s.hits)) } td.n { (group(s.unknown)) }
                            td.n { (s.errors.len()) }
                            td {
                                @match &s.scanned_at {
                                    Some(at) => time datetime=(stamp(at)) { (format!("{at:.0}")) },
                                    None => "unknown",
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}
