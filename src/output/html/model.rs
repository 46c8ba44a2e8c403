//! The data of the HTML page, computed from a grouped report: every number the page shows,
//! and nothing about markup. Kept apart so that it can be tested (and snapshot) on its own.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::catalog::Category;
use crate::report::counts::Summary;
use crate::report::grouping::{GroupKey, Grouped, UNKNOWN_TIME};
use crate::report::timestamp::Granularity;
use crate::report::UNKNOWN_CATEGORY;

/// A code is marked as risen (fallen) against the baseline when its count is at least this
/// many times (at most 1/this of) the baseline's.
pub const CHANGE_FACTOR: u64 = 2;

/// ... and differs by at least this many hits, so that 1 → 2 is not news.
pub const CHANGE_MIN_HITS: u64 = 5;

/// The time chart has at most this many bars; a finer bucket is merged into a coarser one
/// (minute → hour → day) until the span fits.
const MAX_BARS: i64 = 120;

/// The category name used when a report has neither code nor category among its keys.
const ALL: &str = "all";

/// What the HTML report is written with, beside the report itself.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions<'a> {
    /// An earlier JSON report to compare with (`--baseline`).
    pub baseline: Option<&'a Grouped>,
    /// The reports merged, each with its name and summary: drawn as the per-report (per-host)
    /// table. Empty for a scan.
    pub sources: Vec<(String, Summary)>,
    /// Rows of the codes table; 0 means the default, 50.
    pub top: usize,
    /// When the report was made, in seconds since the Unix epoch.
    pub generated_unix: f64,
}

/// The page's data.
#[derive(Clone, Debug, Serialize)]
pub struct Page {
    /// When the report was made (RFC 3339, UTC).
    pub generated: String,
    /// The keys the report was grouped by.
    pub group_by: Vec<String>,
    /// What was scanned, exactly as in the JSON report.
    pub summary: Summary,
    /// Rows cut by `--top` before the report was written (JSON `summary.rows_cut`).
    pub rows_cut: u64,
    /// The first and last instant covered by dated hits (start of the first bucket, end of
    /// the last), when the report has a time key and any dated hit.
    pub span: Option<(String, String)>,
    /// Hits without a time (before any dated line of their input), when the report has a
    /// time key.
    pub undated: Option<u64>,
    /// Hits over time, stacked by category.
    pub timeline: Option<Timeline>,
    /// Hits per category, largest first.
    pub categories: Vec<Total>,
    /// Hits per vendor, largest first.
    pub vendors: Vec<Total>,
    /// The top codes.
    pub codes: Vec<CodeRow>,
    /// Codes not shown in `codes`.
    pub codes_more: usize,
    /// Codes the catalog lacks, largest first.
    pub unknown: Vec<CodeRow>,
    /// Unknown codes not shown.
    pub unknown_more: usize,
    /// Hits per input file, when the report has the file key.
    pub files: Option<Vec<Total>>,
    /// Files not shown.
    pub files_more: usize,
    /// The merged reports (per host), when merged.
    pub sources: Vec<Source>,
    /// What changed against the baseline.
    pub changes: Option<Changes>,
    /// What the page cannot show, and why.
    pub notes: Vec<String>,
}

/// A name and its hits.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Total {
    /// Category, vendor or file.
    pub name: String,
    /// Hits.
    pub count: u64,
    /// Share of all hits in the rows, as printed (`12.5%`).
    pub share: String,
}

/// One code in the codes table.
#[derive(Clone, Debug, Serialize)]
pub struct CodeRow {
    /// Vendor id.
    pub vendor: String,
    /// The code.
    pub code: String,
    /// The documented name.
    pub name: String,
    /// The category.
    pub category: String,
    /// The documented HTTP status.
    pub http_status: Option<u16>,
    /// The documented description.
    pub description: String,
    /// Hits.
    pub count: u64,
    /// Share of all hits, as printed.
    pub share: String,
    /// Hits per bucket of the timeline (empty without one).
    pub trend: Vec<u64>,
    /// The change against the baseline, if marked.
    pub change: Option<Change>,
}

/// The hits over time.
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// The bucket width drawn: `minute`, `hour`, `day`, or `N days` for spans of more than
    /// 120 days.
    pub granularity: String,
    /// Each bucket's start, in seconds since the Unix epoch.
    pub starts: Vec<i64>,
    /// Per category (largest first), hits per bucket.
    pub series: Vec<(String, Vec<u64>)>,
}

/// A merged report and its totals.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    /// The report's file name as given.
    pub name: String,
    /// Its summary.
    pub summary: Summary,
}

/// How a code changed against the baseline.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Change {
    /// `new`, `rose`, `fell` or `gone`.
    pub kind: &'static str,
    /// Hits in the baseline.
    pub before: u64,
    /// Hits now.
    pub now: u64,
}

/// The comparison with a baseline report.
#[derive(Clone, Debug, Serialize)]
pub struct Changes {
    /// Hits of the baseline.
    pub before_hits: u64,
    /// The codes marked (vendor, code, name or else description, change): new, risen,
    /// fallen or gone, most changed first within each kind.
    pub rows: Vec<(String, String, String, Change)>,
    /// Why no comparison could be made, if none.
    pub unavailable: Option<String>,
}

/// What a report cannot show for lack of a key, one sentence each.
pub fn limitations(report: &Grouped) -> Vec<String> {
    let has = |k: GroupKey| report.group_by.contains(&k);
    let mut notes = Vec::new();
    if !report
        .group_by
        .iter()
        .any(|k| matches!(k, GroupKey::Time(_)))
    {
        notes.push(
            "no chart of hits over time and no trends: the report has no time key (scan with -g vendor,code,file,hour)"
                .to_string(),
        );
    }
    if !has(GroupKey::File) {
        notes.push(
            "no per-file table: the report has no file key (scan with -g vendor,code,file,hour)"
                .to_string(),
        );
    }
    if !has(GroupKey::Code) {
        notes.push(
            "no codes table and no unknown codes: the report has no code key (scan with -g vendor,code,file,hour)"
                .to_string(),
        );
    }
    if report.rows_cut > 0 {
        notes.push(format!(
            "{} rows were cut by --top before the report was written: the totals by category, vendor, file and time cover the rows kept, the headline all hits",
            report.rows_cut
        ));
    }
    notes
}

fn share(n: u64, of: u64) -> String {
    if of == 0 {
        return "0.0%".to_string();
    }
    format!("{:.1}%", n as f64 * 100.0 / of as f64)
}

fn totals(map: HashMap<String, u64>, of: u64) -> Vec<Total> {
    let mut v: Vec<Total> = map
        .into_iter()
        .map(|(name, count)| Total {
            share: share(count, of),
            name,
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v
}

fn width(g: Granularity) -> i64 {
    match g {
        Granularity::Minute => 60,
        Granularity::Hour => 3_600,
        Granularity::Day => 86_400,
    }
}

fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Minute => "minute",
        Granularity::Hour => "hour",
        Granularity::Day => "day",
    }
}

/// The order categories are listed and coloured in: the catalog's, then `unknown`, then any
/// other (from user pattern files) by name.
pub fn category_rank(name: &str) -> (usize, String) {
    match Category::ALL.iter().position(|c| c.as_str() == name) {
        Some(i) => (i, String::new()),
        None if name == UNKNOWN_CATEGORY => (Category::ALL.len(), String::new()),
        None => (Category::ALL.len() + 1, name.to_string()),
    }
}

/// Computes the page's data.
pub fn page(report: &Grouped, opts: &HtmlOptions<'_>) -> Page {
    let pos = |k: GroupKey| report.group_by.iter().position(|x| *x == k);
    let (vendor_at, code_at, cat_at, file_at) = (
        pos(GroupKey::Vendor),
        pos(GroupKey::Code),
        pos(GroupKey::Category),
        pos(GroupKey::File),
    );
    let time = report
        .group_by
        .iter()
        .enumerate()
        .find_map(|(i, k)| match k {
            GroupKey::Time(g) => Some((i, *g)),
            _ => None,
        });
    let category_of = |row: &crate::report::grouping::Row| -> String {
        match (&row.notes, cat_at) {
            (Some(n), _) => n.category.clone(),
            (None, Some(i)) => row.key[i].clone(),
            (None, None) => ALL.to_string(),
        }
    };
    let hits = report.summary.hits;

    // Time: each row's bucket start, or None when undated.
    let row_time = |row: &crate::report::grouping::Row| -> Option<i64> {
        let (i, _) = time?;
        let text = &row.key[i];
        if text == UNKNOWN_TIME {
            return None;
        }
        text.parse::<Timestamp>().ok().map(|t| t.as_second())
    };
    let mut undated = 0u64;
    let mut span: Option<(i64, i64)> = None;
    for row in &report.rows {
        match row_time(row) {
            Some(t) => {
                let (lo, hi) = span.get_or_insert((t, t));
                *lo = (*lo).min(t);
                *hi = (*hi).max(t);
            }
            None => undated += row.count,
        }
    }
    // The bucket drawn, (width in seconds, name, first start, last start): the report's, or
    // a coarser one when the span needs too many bars; past 120 days, several days a bar.
    let drawn: Option<(i64, String, i64, i64)> = match (time, span) {
        (Some((_, g)), Some((lo, hi))) => {
            let floor = |t: i64, w: i64| t.div_euclid(w) * w;
            let bars = |w: i64| (floor(hi, w) - floor(lo, w)) / w + 1;
            let choices = [Granularity::Minute, Granularity::Hour, Granularity::Day];
            let pick = choices
                .iter()
                .copied()
                .filter(|c| width(*c) >= width(g))
                .find(|c| bars(width(*c)) <= MAX_BARS);
            let (w, name) = match pick {
                Some(c) => (width(c), granularity_name(c).to_string()),
                None => {
                    // One bar less than the most, for the bars that alignment may add at the ends.
                    let days = ((bars(86_400) + MAX_BARS - 2) / (MAX_BARS - 1)).max(1);
                    (days * 86_400, format!("{days} days"))
                }
            };
            Some((w, name, floor(lo, w), floor(hi, w)))
        }
        _ => None,
    };
    let bar_of = |t: i64| -> usize {
        let (w, _, lo, _) = drawn
            .as_ref()
            .map_or((1, "", 0, 0), |d| (d.0, "", d.2, d.3));
        ((t.div_euclid(w) * w - lo) / w) as usize
    };
    let nbars = drawn
        .as_ref()
        .map_or(0, |(w, _, lo, hi)| ((hi - lo) / w + 1) as usize);

    let mut by_category: HashMap<String, u64> = HashMap::new();
    let mut by_vendor: HashMap<String, u64> = HashMap::new();
    let mut by_file: HashMap<String, u64> = HashMap::new();
    let mut series: HashMap<String, Vec<u64>> = HashMap::new();
    // (vendor, code) → (row with notes, count, trend)
    let mut codes: BTreeMap<(String, String), (crate::report::grouping::Row, u64, Vec<u64>)> =
        BTreeMap::new();
    for row in &report.rows {
        let category = category_of(row);
        *by_category.entry(category.clone()).or_insert(0) += row.count;
        if let Some(i) = vendor_at {
            *by_vendor.entry(row.key[i].clone()).or_insert(0) += row.count;
        }
        if let Some(i) = file_at {
            *by_file.entry(row.key[i].clone()).or_insert(0) += row.count;
        }
        let t = row_time(row);
        if let (Some(t), true) = (t, nbars > 0) {
            series.entry(category).or_insert_with(|| vec![0; nbars])[bar_of(t)] += row.count;
        }
        if let (Some(v), Some(c)) = (vendor_at, code_at) {
            let slot = codes
                .entry((row.key[v].clone(), row.key[c].clone()))
                .or_insert_with(|| (row.clone(), 0, vec![0; nbars]));
            slot.1 += row.count;
            if let (Some(t), true) = (t, nbars > 0) {
                slot.2[bar_of(t)] += row.count;
            }
        }
    }

    let baseline_codes = opts.baseline.and_then(code_totals);
    let mut code_rows: Vec<CodeRow> = codes
        .into_iter()
        .map(|((vendor, code), (row, count, trend))| {
            let notes = row.notes.unwrap_or_default();
            let change = baseline_codes
                .as_ref()
                .and_then(|b| change(b.get(&(vendor.clone(), code.clone())).copied(), count));
            CodeRow {
                share: share(count, hits),
                name: notes.name,
                category: notes.category,
                http_status: notes.http_status,
                description: notes.description,
                vendor,
                code,
                count,
                trend,
                change,
            }
        })
        .collect();
    code_rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (&a.vendor, &a.code).cmp(&(&b.vendor, &b.code)))
    });

    let changes = opts
        .baseline
        .map(|b| changes(b, &code_rows, baseline_codes.as_ref()));
    let top = if opts.top == 0 { 50 } else { opts.top };
    // The codes table lists every code, unknown ones included, so that its shares add up;
    // the unknown section repeats those the catalog lacks.
    let mut unknown: Vec<CodeRow> = code_rows
        .iter()
        .filter(|r| r.category == UNKNOWN_CATEGORY)
        .cloned()
        .collect();
    let unknown_more = unknown.len().saturating_sub(top);
    unknown.truncate(top);
    let codes_more = code_rows.len().saturating_sub(top);
    code_rows.truncate(top);

    let mut sorted_series: Vec<(String, Vec<u64>)> = series.into_iter().collect();
    sorted_series.sort_by_key(|(name, _)| category_rank(name));

    let mut files = (file_at.is_some()).then(|| totals(by_file, hits));
    let mut files_more = 0;
    if let Some(f) = &mut files {
        if f.len() > top {
            files_more = f.len() - top;
            f.truncate(top);
        }
    }
    Page {
        generated: Timestamp::from_second(opts.generated_unix as i64)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        group_by: report
            .group_by
            .iter()
            .map(|k| k.name().to_string())
            .collect(),
        summary: report.summary.clone(),
        rows_cut: report.rows_cut,
        span: span.and_then(|(lo, hi)| {
            let g = time?.1;
            let end = hi.checked_add(width(g))?;
            Some((stamp(lo), stamp(end)))
        }),
        undated: time.map(|_| undated),
        timeline: drawn.map(|(w, name, lo, _)| Timeline {
            granularity: name,
            starts: (0..nbars as i64).map(|i| lo + i * w).collect(),
            series: sorted_series,
        }),
        categories: totals(by_category, hits),
        vendors: if vendor_at.is_some() {
            totals(by_vendor, hits)
        } else {
            Vec::new()
        },
        codes: code_rows,
        codes_more,
        unknown,
        unknown_more,
        files,
        files_more,
        sources: opts
            .sources
            .iter()
            .map(|(name, summary)| Source {
                name: name.clone(),
                summary: summary.clone(),
            })
            .collect(),
        changes,
        notes: limitations(report),
    }
}

fn stamp(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

/// Hits per (vendor, code) of a report grouped by code; `None` without the code key.
fn code_totals(report: &Grouped) -> Option<HashMap<(String, String), u64>> {
    let v = report
        .group_by
        .iter()
        .position(|k| *k == GroupKey::Vendor)?;
    let c = report.group_by.iter().position(|k| *k == GroupKey::Code)?;
    let mut m = HashMap::new();
    for row in &report.rows {
        *m.entry((row.key[v].clone(), row.key[c].clone()))
            .or_insert(0) += row.count;
    }
    Some(m)
}

/// The change of a code seen `now` times against `before` in the baseline, if marked.
fn change(before: Option<u64>, now: u64) -> Option<Change> {
    let before = before.unwrap_or(0);
    let kind = if before == 0 && now > 0 {
        "new"
    } else if now == 0 && before > 0 {
        "gone"
    } else if now >= before.saturating_mul(CHANGE_FACTOR) && now - before >= CHANGE_MIN_HITS {
        "rose"
    } else if before >= now.saturating_mul(CHANGE_FACTOR) && before - now >= CHANGE_MIN_HITS {
        "fell"
    } else {
        return None;
    };
    Some(Change { kind, before, now })
}

/// What names a code in the changes table: its documented name, else its description.
fn label(name: &str, description: &str) -> String {
    if name.is_empty() {
        description.to_string()
    } else {
        name.to_string()
    }
}

/// The codes marked against the baseline: new, risen, fallen, and those seen in the
/// baseline only (gone).
fn changes(
    baseline: &Grouped,
    now: &[CodeRow],
    before: Option<&HashMap<(String, String), u64>>,
) -> Changes {
    let Some(before) = before else {
        return Changes {
            before_hits: baseline.summary.hits,
            rows: Vec::new(),
            unavailable: Some(
                "the baseline report has no code key, so codes cannot be compared".to_string(),
            ),
        };
    };
    let mut rows: Vec<(String, String, String, Change)> = now
        .iter()
        .filter_map(|r| {
            let c = r.change.clone()?;
            Some((
                r.vendor.clone(),
                r.code.clone(),
                label(&r.name, &r.description),
                c,
            ))
        })
        .collect();
    let seen: std::collections::HashSet<(&str, &str)> = now
        .iter()
        .map(|r| (r.vendor.as_str(), r.code.as_str()))
        .collect();
    let mut names: HashMap<(String, String), String> = HashMap::new();
    if let (Some(v), Some(c)) = (
        baseline
            .group_by
            .iter()
            .position(|k| *k == GroupKey::Vendor),
        baseline.group_by.iter().position(|k| *k == GroupKey::Code),
    ) {
        for row in &baseline.rows {
            if let Some(n) = &row.notes {
                names
                    .entry((row.key[v].clone(), row.key[c].clone()))
                    .or_insert_with(|| label(&n.name, &n.description));
            }
        }
    }
    for ((vendor, code), n) in before {
        if *n > 0 && !seen.contains(&(vendor.as_str(), code.as_str())) {
            let name = names
                .get(&(vendor.clone(), code.clone()))
                .cloned()
                .unwrap_or_default();
            rows.push((
                vendor.clone(),
                code.clone(),
                name,
                Change {
                    kind: "gone",
                    before: *n,
                    now: 0,
                },
            ));
        }
    }
    let order = |k: &str| ["new", "rose", "fell", "gone"].iter().position(|x| *x == k);
    rows.sort_by(|a, b| {
        order(a.3.kind)
            .cmp(&order(b.3.kind))
            .then_with(|| {
                b.3.now
                    .abs_diff(b.3.before)
                    .cmp(&a.3.now.abs_diff(a.3.before))
            })
            .then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
    });
    Changes {
        before_hits: baseline.summary.hits,
        rows,
        unavailable: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::grouping::{Notes, Row};

    fn report(rows: &[(&str, &str, u64)]) -> Grouped {
        Grouped {
            group_by: vec![
                GroupKey::Vendor,
                GroupKey::Code,
                GroupKey::Time(Granularity::Hour),
            ],
            summary: Summary {
                hits: rows.iter().map(|r| r.2).sum(),
                ..Summary::default()
            },
            rows: rows
                .iter()
                .map(|(code, hour, count)| Row {
                    key: vec!["okta".into(), code.to_string(), hour.to_string()],
                    notes: Some(Notes {
                        category: "token".into(),
                        ..Notes::default()
                    }),
                    count: *count,
                })
                .collect(),
            rows_cut: 0,
            unknown: Vec::new(),
        }
    }

    #[test]
    fn buckets_coarsen_to_fit_the_chart() {
        let day = report(&[
            ("E1", "2026-11-21T00:00:00Z", 1),
            ("E1", "2026-11-21T23:00:00Z", 2),
            ("E2", UNKNOWN_TIME, 4),
        ]);
        let p = page(&day, &HtmlOptions::default());
        let t = p.timeline.unwrap();
        assert_eq!((t.granularity.as_str(), t.starts.len()), ("hour", 24));
        assert_eq!(p.undated, Some(4));
        assert_eq!(p.codes[0].trend.iter().sum::<u64>(), 0, "E2 is undated");
        assert_eq!(p.codes[1].trend.iter().sum::<u64>(), 3);
        let week = report(&[
            ("E1", "2026-11-21T00:00:00Z", 1),
            ("E1", "2026-11-28T05:00:00Z", 2),
        ]);
        let t = page(&week, &HtmlOptions::default()).timeline.unwrap();
        assert_eq!((t.granularity.as_str(), t.starts.len()), ("day", 8));
        // Ten thousand years: a few hundred bars at most, never one per day.
        let ages = report(&[
            ("E1", "0001-01-01T00:00:00Z", 1),
            ("E1", "9999-01-01T00:00:00Z", 2),
        ]);
        let t = page(&ages, &HtmlOptions::default()).timeline.unwrap();
        assert!(t.starts.len() <= MAX_BARS as usize, "{}", t.starts.len());
        assert!(t.granularity.ends_with(" days"), "{}", t.granularity);
        assert_eq!(t.series[0].1.iter().sum::<u64>(), 3);
    }

    #[test]
    fn changes_need_the_factor_and_the_minimum() {
        assert_eq!(change(None, 3).unwrap().kind, "new");
        assert_eq!(change(Some(0), 3).unwrap().kind, "new");
        assert_eq!(change(Some(4), 0).unwrap().kind, "gone");
        assert_eq!(change(Some(10), 20).unwrap().kind, "rose");
        assert_eq!(change(Some(10), 19), None);
        assert_eq!(change(Some(1), 4), None, "x4 but only 3 more hits");
        assert_eq!(change(Some(20), 10).unwrap().kind, "fell");
        assert_eq!(change(Some(20), 11), None);
        assert_eq!(change(Some(0), 0), None);
    }
}
