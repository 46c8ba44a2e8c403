//! Group-by: turns a scan [`Report`] (counts per code, time bucket and input) into the rows a
//! report prints, keyed by the chosen keys (`vendor,code` by default). The same rows are read
//! back from JSON reports by `errscan merge` (through `output::json`, which owns that
//! layout), so merging works on exactly what was printed.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::report::counts::{admission_order, Summary, FOLDED_CODE};
use crate::report::timestamp::{self, Granularity};
use crate::report::Annotation;
use crate::report::Report;

/// A key to group counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKey {
    /// The vendor id.
    Vendor,
    /// The code (with its annotation columns).
    Code,
    /// The normalised category.
    Category,
    /// The vendor's own grouping.
    VendorCategory,
    /// The input the hit came from.
    File,
    /// The time bucket of the hit's line.
    Time(Granularity),
}

impl GroupKey {
    /// The key's name, used in `--group-by` and as the column name.
    pub fn name(self) -> &'static str {
        match self {
            GroupKey::Vendor => "vendor",
            GroupKey::Code => "code",
            GroupKey::Category => "category",
            GroupKey::VendorCategory => "vendor_category",
            GroupKey::File => "file",
            GroupKey::Time(Granularity::Minute) => "minute",
            GroupKey::Time(Granularity::Hour) => "hour",
            GroupKey::Time(Granularity::Day) => "day",
        }
    }

    fn parse(s: &str) -> Option<GroupKey> {
        Some(match s {
            "vendor" => GroupKey::Vendor,
            "code" => GroupKey::Code,
            "category" => GroupKey::Category,
            "vendor_category" => GroupKey::VendorCategory,
            "file" => GroupKey::File,
            "minute" => GroupKey::Time(Granularity::Minute),
            "hour" => GroupKey::Time(Granularity::Hour),
            "day" => GroupKey::Time(Granularity::Day),
            _ => return None,
        })
    }
}

impl fmt::Display for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The default keys: `vendor,code`.
pub const DEFAULT_GROUP_BY: [GroupKey; 2] = [GroupKey::Vendor, GroupKey::Code];

/// Parses a comma-separated key list. `code` implies `vendor` (the same string, such as
/// `invalid_grant`, is a code of several vendors); at most one time bucket.
///
/// # Errors
/// On an unknown key, a repeated key or two time buckets; the message lists the known keys.
pub fn parse_group_by(list: &str) -> Result<Vec<GroupKey>> {
    let mut keys = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let key = GroupKey::parse(name).ok_or_else(|| {
            Error::Invalid(format!(
                "unknown group-by key `{name}` (known: vendor, code, category, vendor_category, file, minute, hour, day)"
            ))
        })?;
        if keys.contains(&key) {
            return Err(Error::Invalid(format!("group-by key `{name}` given twice")));
        }
        if matches!(key, GroupKey::Time(_)) && keys.iter().any(|k| matches!(k, GroupKey::Time(_))) {
            return Err(Error::Invalid(
                "group by at most one of minute, hour, day".to_string(),
            ));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(Error::Invalid(
            "a grouping needs at least one key".to_string(),
        ));
    }
    if keys.contains(&GroupKey::Code) && !keys.contains(&GroupKey::Vendor) {
        let at = keys.iter().position(|k| *k == GroupKey::Code).unwrap_or(0);
        keys.insert(at, GroupKey::Vendor);
    }
    Ok(keys)
}

/// The annotation printed beside a code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    /// The documented name, empty when none.
    pub name: String,
    /// The normalised category (`unknown` for codes the catalog lacks).
    pub category: String,
    /// The vendor's own grouping.
    pub vendor_category: String,
    /// The documented HTTP status.
    pub http_status: Option<u16>,
    /// The description.
    pub description: String,
}

/// One printed row: the values of the group keys, the annotation when `code` is a key, the
/// count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// One value per group key, in key order.
    pub key: Vec<String>,
    /// The code's annotation, when grouped by code.
    pub notes: Option<Notes>,
    /// Hits.
    pub count: u64,
}

/// A report ready to print: keys, summary and sorted rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouped {
    /// The group-by keys.
    pub group_by: Vec<GroupKey>,
    /// What was scanned.
    pub summary: Summary,
    /// Rows sorted by count descending, then key values.
    pub rows: Vec<Row>,
    /// Rows removed by [`Grouped::top`].
    pub rows_cut: u64,
    /// The unknown codes admitted under the cap, with their hits, in admission order: what
    /// lets a merge apply the cap to the union exactly as one scan would.
    pub unknown: Vec<UnknownCode>,
}

/// An unknown code admitted under the distinct-unknown-code cap, with its hits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownCode {
    /// The vendor id.
    pub vendor: String,
    /// The code.
    pub code: String,
    /// Its hits.
    pub count: u64,
}

fn sort_unknown(codes: &mut [UnknownCode]) {
    codes.sort_by(|a, b| admission_order((&a.code, &a.vendor), (&b.code, &b.vendor)));
}

/// The value printed for a time bucket whose line had no readable time.
pub const UNKNOWN_TIME: &str = "unknown";

impl Grouped {
    /// Groups the counts of `report` by `group_by`.
    pub fn from_report(catalog: &Catalog, report: &Report, group_by: &[GroupKey]) -> Grouped {
        let mut report = report.clone();
        report.apply_unknown_cap();
        let total = report.total();
        let mut unknown: Vec<UnknownCode> = total
            .admitted_unknown()
            .into_iter()
            .map(|(vendor, code, count)| UnknownCode {
                vendor: catalog.vendor(vendor).id.clone(),
                code: code.to_string(),
                count,
            })
            .collect();
        sort_unknown(&mut unknown);
        if !report.counts.is_empty() {
            report.summary.unknown_cap = Some(total.unknown_cap() as u64);
        }
        let with_code = group_by.contains(&GroupKey::Code);
        let mut sums: HashMap<Vec<String>, (Option<Notes>, u64)> = HashMap::new();
        for (file, counts) in &report.counts {
            for (code, bucket, n) in counts.rows(catalog) {
                let a = Annotation::of(catalog, &code);
                let key: Vec<String> = group_by
                    .iter()
                    .map(|k| match k {
                        GroupKey::Vendor => a.vendor.to_string(),
                        GroupKey::Code => a.code.to_string(),
                        GroupKey::Category => a.category().to_string(),
                        GroupKey::VendorCategory => a.vendor_category().to_string(),
                        GroupKey::File => file.clone(),
                        GroupKey::Time(_) => bucket
                            .map(timestamp::format_bucket)
                            .unwrap_or_else(|| UNKNOWN_TIME.to_string()),
                    })
                    .collect();
                let slot = sums.entry(key).or_insert_with(|| {
                    let notes = with_code.then(|| Notes {
                        name: a.name().to_string(),
                        category: a.category().to_string(),
                        vendor_category: a.vendor_category().to_string(),
                        http_status: a.http_status(),
                        description: a.description().to_string(),
                    });
                    (notes, 0)
                });
                slot.1 += n;
            }
        }
        let mut g = Grouped {
            group_by: group_by.to_vec(),
            summary: report.summary.clone(),
            rows: sums
                .into_iter()
                .map(|(key, (notes, count))| Row { key, notes, count })
                .collect(),
            rows_cut: 0,
            unknown,
        };
        g.sort();
        g
    }

    /// Sorts rows by count descending, then by key values.
    pub fn sort(&mut self) {
        self.rows
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    }

    /// Keeps the `n` largest rows and remembers how many were cut.
    pub fn top(&mut self, n: usize) {
        if self.rows.len() > n {
            self.rows_cut += (self.rows.len() - n) as u64;
            self.rows.truncate(n);
        }
    }

    /// Adds `other` into `self`: counts summed per key, summaries summed.
    ///
    /// # Errors
    /// When the two were grouped by different keys, when either lost rows to
    /// [`Grouped::top`] (their sum would be short), or when a sum overflows.
    pub fn merge(&mut self, mut other: Grouped) -> Result<()> {
        other.reorder_keys(&self.group_by);
        if self.group_by != other.group_by {
            return Err(Error::Invalid(format!(
                "cannot merge reports grouped by `{}` and by `{}`",
                join(&self.group_by),
                join(&other.group_by)
            )));
        }
        for cut in [self.rows_cut, other.rows_cut] {
            if cut > 0 {
                return Err(Error::Invalid(cut_report(cut)));
            }
        }
        self.summary
            .checked_add(&other.summary)
            .map_err(|field| Error::Invalid(format!("summary.{field}: sum overflows 64 bits")))?;
        self.rows_cut += other.rows_cut;
        let evicted = self.merge_unknown(other.unknown);
        let mut rows = std::mem::take(&mut self.rows);
        rows.extend(other.rows);
        let vendor_at = self.group_by.iter().position(|k| *k == GroupKey::Vendor);
        let code_at = self.group_by.iter().position(|k| *k == GroupKey::Code);
        if let (Some(v), Some(c)) = (vendor_at, code_at) {
            for row in &mut rows {
                if evicted.contains(&(row.key[v].clone(), row.key[c].clone())) {
                    row.key[c] = FOLDED_CODE.to_string();
                }
            }
        }
        self.add_rows(rows).map_err(Error::Invalid)
    }

    /// Puts the keys in the order of `order` when they are the same keys in another order
    /// (`-g code,vendor` and `-g vendor,code` count the same things); otherwise leaves them.
    pub fn reorder_keys(&mut self, order: &[GroupKey]) {
        if self.group_by == order || self.group_by.len() != order.len() {
            return;
        }
        let Some(from): Option<Vec<usize>> = order
            .iter()
            .map(|k| self.group_by.iter().position(|g| g == k))
            .collect()
        else {
            return;
        };
        for row in &mut self.rows {
            row.key = from.iter().map(|&i| row.key[i].clone()).collect();
        }
        self.group_by = order.to_vec();
        self.sort();
    }

    /// Adds `other`'s admitted unknown codes to `self`'s, keeps the smallest under the cap
    /// (`summary.unknown_cap`, already merged) and returns the (vendor, code) pairs that no
    /// longer fit, whose rows are to be folded. Sets `summary.folded`.
    fn merge_unknown(&mut self, other: Vec<UnknownCode>) -> HashSet<(String, String)> {
        let mut sums: HashMap<(String, String), u64> = HashMap::new();
        for u in std::mem::take(&mut self.unknown).into_iter().chain(other) {
            let n = sums.entry((u.vendor, u.code)).or_insert(0);
            *n = n.saturating_add(u.count);
        }
        let mut all: Vec<UnknownCode> = sums
            .into_iter()
            .map(|((vendor, code), count)| UnknownCode {
                vendor,
                code,
                count,
            })
            .collect();
        sort_unknown(&mut all);
        let Some(cap) = self.summary.unknown_cap else {
            // Reports from before the cap was recorded: nothing to re-apply it to.
            self.unknown = all;
            return HashSet::new();
        };
        let cap = usize::try_from(cap).unwrap_or(usize::MAX).min(all.len());
        let evicted = all
            .split_off(cap)
            .into_iter()
            .map(|u| (u.vendor, u.code))
            .collect();
        let kept = all.iter().fold(0u64, |a, u| a.saturating_add(u.count));
        self.summary.folded = self.summary.unknown.saturating_sub(kept);
        self.unknown = all;
        evicted
    }

    /// Adds rows, summing those whose key is already present, and sorts.
    ///
    /// # Errors
    /// When a sum overflows 64 bits; the message names the row by its key.
    fn add_rows(&mut self, rows: Vec<Row>) -> std::result::Result<(), String> {
        let mut index: HashMap<Vec<String>, usize> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i))
            .collect();
        for row in rows {
            match index.get(&row.key) {
                Some(&i) => {
                    let sum = self.rows[i].count.checked_add(row.count);
                    self.rows[i].count = sum.ok_or_else(|| {
                        let key: Vec<String> = self
                            .group_by
                            .iter()
                            .zip(&row.key)
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect();
                        format!(
                            "row {}: count {} + {} overflows 64 bits",
                            key.join(","),
                            self.rows[i].count,
                            row.count
                        )
                    })?;
                }
                None => {
                    index.insert(row.key.clone(), self.rows.len());
                    self.rows.push(row);
                }
            }
        }
        self.sort();
        Ok(())
    }

    /// The column names of a row, in order: the keys, the annotation columns that are not
    /// keys already (when grouped by code), then `count`.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut cols: Vec<&'static str> = self.group_by.iter().map(|k| k.name()).collect();
        if self.group_by.contains(&GroupKey::Code) {
            for c in [
                "name",
                "category",
                "vendor_category",
                "http_status",
                "description",
            ] {
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
        }
        cols.push("count");
        cols
    }

    /// A row's cells in [`Grouped::columns`] order, each with its column's name: the key
    /// values, the annotation (when grouped by code; a column that is a key already is not
    /// repeated), then the count.
    pub fn cells<'a>(&self, row: &'a Row) -> Vec<(&'static str, Cell<'a>)> {
        let mut cells: Vec<(&'static str, Cell<'a>)> = self
            .group_by
            .iter()
            .zip(&row.key)
            .map(|(k, v)| (k.name(), Cell::Text(v)))
            .collect();
        if let Some(n) = &row.notes {
            let notes = [
                ("name", Cell::Text(&n.name)),
                ("category", Cell::Text(&n.category)),
                ("vendor_category", Cell::Text(&n.vendor_category)),
                ("http_status", Cell::Status(n.http_status)),
                ("description", Cell::Text(&n.description)),
            ];
            for (name, cell) in notes {
                if !cells.iter().any(|(c, _)| *c == name) {
                    cells.push((name, cell));
                }
            }
        }
        cells.push(("count", Cell::Count(row.count)));
        cells
    }

    /// A row as text cells in [`Grouped::columns`] order (for CSV).
    pub fn row_cells(&self, row: &Row) -> Vec<String> {
        self.cells(row)
            .into_iter()
            .map(|(_, c)| c.to_string())
            .collect()
    }

    /// A report from rows read back from a file: rows with the same key are summed (so that a
    /// hand-edited report with repeated keys still adds up) and sorted, the unknown codes put
    /// in admission order.
    ///
    /// # Errors
    /// When a sum of rows overflows 64 bits; the message names the row by its key.
    pub fn from_rows(
        group_by: Vec<GroupKey>,
        summary: Summary,
        rows: Vec<Row>,
        rows_cut: u64,
        mut unknown: Vec<UnknownCode>,
    ) -> std::result::Result<Grouped, String> {
        sort_unknown(&mut unknown);
        let mut g = Grouped {
            group_by,
            summary,
            rows: Vec::new(),
            rows_cut,
            unknown,
        };
        g.add_rows(rows)?;
        Ok(g)
    }
}

/// One cell of a row: text, an HTTP status (empty when none) or a count. Serialised as a
/// string, a number or null, the values of a JSON report's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell<'a> {
    /// A key value or annotation text.
    Text(&'a str),
    /// The documented HTTP status, if any.
    Status(Option<u16>),
    /// Hits.
    Count(u64),
}

impl fmt::Display for Cell<'_> {
    /// The cell as text: a status that is absent is empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Status(None) => Ok(()),
            Cell::Status(Some(n)) => write!(f, "{n}"),
            Cell::Count(n) => write!(f, "{n}"),
        }
    }
}

/// Why a report cut by `--top` cannot be merged.
pub fn cut_report(rows_cut: u64) -> String {
    format!(
        "made with --top ({rows_cut} rows cut), so its sums would be short; \
         merge reports made without --top and cut the merged report with `merge --top`"
    )
}

fn join(keys: &[GroupKey]) -> String {
    keys.iter().map(|k| k.name()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keys() {
        assert_eq!(parse_group_by("vendor,code").unwrap(), DEFAULT_GROUP_BY);
        assert_eq!(
            parse_group_by("code,hour").unwrap(),
            [
                GroupKey::Vendor,
                GroupKey::Code,
                GroupKey::Time(Granularity::Hour)
            ]
        );
        assert_eq!(parse_group_by("category").unwrap(), [GroupKey::Category]);
        assert!(parse_group_by("hour,day").is_err());
        assert!(parse_group_by("vendor,vendor").is_err());
        assert!(parse_group_by("colour")
            .unwrap_err()
            .to_string()
            .contains("known: vendor"));
        assert!(parse_group_by("").is_err());
    }

    fn grouped(rows: &[(&str, u64)]) -> Grouped {
        Grouped {
            group_by: vec![GroupKey::Category],
            summary: Summary {
                inputs: 1,
                hits: rows.iter().map(|r| r.1).sum(),
                ..Summary::default()
            },
            rows: rows
                .iter()
                .map(|(k, n)| Row {
                    key: vec![k.to_string()],
                    notes: None,
                    count: *n,
                })
                .collect(),
            rows_cut: 0,
            unknown: Vec::new(),
        }
    }

    #[test]
    fn merge_sums_rows_and_summaries() {
        let mut a = grouped(&[("token", 2), ("mfa", 1)]);
        a.merge(grouped(&[("mfa", 5), ("billing", 1)])).unwrap();
        let rows: Vec<(&str, u64)> = a
            .rows
            .iter()
            .map(|r| (r.key[0].as_str(), r.count))
            .collect();
        assert_eq!(rows, [("mfa", 6), ("token", 2), ("billing", 1)]);
        assert_eq!(a.summary.inputs, 2);
        assert_eq!(a.summary.hits, 9);
    }

    #[test]
    fn merge_overflow_is_an_error_naming_the_row() {
        let mut a = grouped(&[("token", u64::MAX)]);
        a.summary.hits = 0;
        let mut b = grouped(&[("token", 32)]);
        b.summary.hits = 0;
        let e = a.merge(b).unwrap_err().to_string();
        assert!(e.contains("row category=token"), "{e}");
        assert!(e.contains("overflows"), "{e}");
        let mut a = grouped(&[("token", u64::MAX)]);
        let e = a.merge(grouped(&[("mfa", 1)])).unwrap_err().to_string();
        assert!(e.contains("summary.hits"), "{e}");
    }

    #[test]
    fn merge_refuses_a_report_cut_by_top() {
        let mut cut = grouped(&[("token", 2), ("mfa", 1)]);
        cut.top(1);
        let mut a = grouped(&[("mfa", 5)]);
        assert!(a
            .merge(cut.clone())
            .unwrap_err()
            .to_string()
            .contains("--top"));
        assert!(cut.merge(grouped(&[])).is_err());
    }

    #[test]
    fn merge_takes_the_same_keys_in_another_order() {
        let row = |k: &[&str], n| Row {
            key: k.iter().map(|s| s.to_string()).collect(),
            notes: None,
            count: n,
        };
        let mut a = grouped(&[]);
        a.group_by = vec![GroupKey::Vendor, GroupKey::Category];
        a.rows = vec![row(&["okta", "token"], 2)];
        let mut b = grouped(&[]);
        b.group_by = vec![GroupKey::Category, GroupKey::Vendor];
        b.rows = vec![row(&["token", "okta"], 3), row(&["mfa", "okta"], 1)];
        a.merge(b).unwrap();
        assert_eq!(a.group_by, [GroupKey::Vendor, GroupKey::Category]);
        assert_eq!(
            a.rows,
            [row(&["okta", "token"], 5), row(&["okta", "mfa"], 1)]
        );
    }

    #[test]
    fn merge_refuses_other_keys() {
        let mut a = grouped(&[]);
        let mut b = grouped(&[]);
        b.group_by = vec![GroupKey::Vendor];
        assert!(a.merge(b).unwrap_err().to_string().contains("cannot merge"));
    }

    #[test]
    fn cells_follow_the_columns_without_repeating_a_key() {
        let mut g = grouped(&[]);
        g.group_by = vec![GroupKey::Category, GroupKey::Vendor, GroupKey::Code];
        let row = Row {
            key: vec!["token".into(), "okta".into(), "E0000011".into()],
            notes: Some(Notes {
                name: "Invalid token".into(),
                category: "token".into(),
                vendor_category: String::new(),
                http_status: None,
                description: "d".into(),
            }),
            count: 7,
        };
        let cells = g.cells(&row);
        let names: Vec<&str> = cells.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, g.columns());
        assert_eq!(
            g.row_cells(&row),
            [
                "token",
                "okta",
                "E0000011",
                "Invalid token",
                "",
                "",
                "d",
                "7"
            ]
        );
        assert_eq!(cells[5], ("http_status", Cell::Status(None)));
    }

    #[test]
    fn merge_keeps_the_oldest_scan_time_and_sums_durations() {
        let at = |t: &str| Some(t.parse::<jiff::Timestamp>().unwrap());
        let mut old = grouped(&[("token", 1)]);
        (old.summary.scanned_at, old.summary.scan_seconds) =
            (at("2026-01-01T00:00:00Z"), Some(2.0));
        let mut new = grouped(&[("token", 1)]);
        (new.summary.scanned_at, new.summary.scan_seconds) =
            (at("2026-06-01T00:00:00Z"), Some(0.5));
        for (mut a, b) in [(old.clone(), new.clone()), (new.clone(), old.clone())] {
            a.merge(b).unwrap();
            assert_eq!(a.summary.scanned_at, at("2026-01-01T00:00:00Z"));
            assert_eq!(a.summary.scan_seconds, Some(2.5));
        }
        // A report without them (schema 2) makes them unknown, whatever the order.
        for (mut a, b) in [(old.clone(), grouped(&[])), (grouped(&[]), old)] {
            a.merge(b).unwrap();
            assert_eq!((a.summary.scanned_at, a.summary.scan_seconds), (None, None));
        }
    }
}
