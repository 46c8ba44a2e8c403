//! The live counters of `errscan watch` and their exposition, in the Prometheus text format
//! (version 0.0.4) or in OpenMetrics 1.0 text.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `errscan_errors_total` | counter | `vendor`, `code`, `category`: every documented code (from 0), and unknown codes counted |
//! | `errscan_code_info` | info (gauge 1) | `vendor`, `code`, `description`: codes counted so far |
//! | `errscan_lines_total`, `errscan_bytes_total` | counter | |
//! | `errscan_read_errors_total` | counter | |
//! | `errscan_rotations_total` | counter | `kind` = `rename`, `truncate` |
//! | `errscan_files_watched` | gauge | |
//! | `errscan_file_read_errors_total`, `errscan_file_offset_bytes` | counter, gauge | `path`: files followed now |
//! | `errscan_state_save_errors_total` | counter | |
//! | `errscan_build_info` | info (gauge 1) | `version` |
//! | `process_*` | | the usual process metrics (Linux) |
//!
//! Labels are bounded: codes come from the catalog, and unknown codes are folded into one
//! `(other)` code per vendor past the cap of [`Counts`], as in `scan`. Descriptions are kept
//! out of the error counters (they are long and would make every series heavier) and joined
//! from `errscan_code_info` in PromQL instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::catalog::Catalog;
use crate::output::prometheus::escape_label;
use crate::report::counts::Counts;
use crate::report::Annotation;

/// What `errscan watch` has counted, shared between the follower (which adds) and the HTTP
/// server (which renders). Everything a restart must continue is persisted by
/// [`super::state`].
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Hits per code, with the unknown-code cap of the scan configuration.
    pub errors: Counts,
    /// Complete lines counted.
    pub lines: u64,
    /// Bytes of complete lines counted.
    pub bytes: u64,
    /// Reads that failed, over all files.
    pub read_errors: u64,
    /// Rename rotations seen (a followed path that now names another file, or none, while
    /// the old file lives on under another name).
    pub renames: u64,
    /// Truncations seen (copytruncate), including a file rewritten past its old length.
    pub truncations: u64,
    /// Failed attempts to save the state file.
    pub state_save_errors: u64,
    /// The files followed now, by path: (read errors, offset).
    pub files: BTreeMap<String, FileMetrics>,
    /// The vendors counted, when not all: only their codes are served from 0.
    pub vendors: Option<Vec<crate::catalog::VendorId>>,
}

/// The per-file series of a followed file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileMetrics {
    /// Reads of this file that failed since it has been followed.
    pub read_errors: u64,
    /// How far the file has been counted (the end of its last complete line).
    pub offset: u64,
}

/// The exposition format asked for by a scraper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposition {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Exposition {
    /// Picks the format from an HTTP `Accept` header: OpenMetrics when it is named there,
    /// else the Prometheus text format (also for a missing header).
    pub fn from_accept(accept: Option<&str>) -> Exposition {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Exposition::OpenMetrics,
            _ => Exposition::Text,
        }
    }

    /// The `Content-Type` of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Info,
}

/// Writes metric families in one of the two formats, which differ in how a counter's or an
/// info's family is named (OpenMetrics names the family without `_total` / `_info`) and in
/// the closing `# EOF`.
struct Writer {
    text: String,
    format: Exposition,
}

impl Writer {
    /// Starts the family whose samples are named `sample` (`errscan_lines_total`).
    fn family(&mut self, sample: &str, kind: Kind, help: &str) {
        let (family, type_name) = match (self.format, kind) {
            (Exposition::Text, Kind::Counter) => (sample, "counter"),
            (Exposition::Text, _) => (sample, "gauge"),
            (Exposition::OpenMetrics, Kind::Counter) => {
                (sample.strip_suffix("_total").unwrap_or(sample), "counter")
            }
            (Exposition::OpenMetrics, Kind::Gauge) => (sample, "gauge"),
            (Exposition::OpenMetrics, Kind::Info) => {
                (sample.strip_suffix("_info").unwrap_or(sample), "info")
            }
        };
        let _ = writeln!(self.text, "# HELP {family} {help}");
        let _ = writeln!(self.text, "# TYPE {family} {type_name}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape_label(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl std::fmt::Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

impl Metrics {
    /// Renders every metric, sorted so that the output is stable (errors by vendor and code).
    pub fn render(&self, catalog: &Catalog, format: Exposition) -> String {
        let mut w = Writer {
            text: String::with_capacity(16 << 10),
            format,
        };
        let mut rows: Vec<(Annotation<'_>, u64)> = Vec::new();
        let counted = self.errors.rows(catalog);
        for (code, _, n) in &counted {
            rows.push((Annotation::of(catalog, code), *n));
        }
        rows.sort_by(|(a, _), (b, _)| (a.vendor, a.code).cmp(&(b.vendor, b.code)));
        // Every documented code is served from the start, at 0: a counter that appears with
        // its first hit already counted would be missed by rate() and increase().
        let mut series: BTreeMap<(&str, &str, &str), u64> = catalog
            .entries()
            .iter()
            .filter(|e| e.is_error && self.vendors.as_ref().is_none_or(|v| v.contains(&e.vendor)))
            .map(|e| {
                let vendor = catalog.vendor(e.vendor).id.as_str();
                ((vendor, e.code.as_str(), e.category.as_str()), 0)
            })
            .collect();
        for (a, n) in &rows {
            *series.entry((a.vendor, a.code, a.category())).or_insert(0) += n;
        }
        w.family(
            "errscan_errors_total",
            Kind::Counter,
            "Identity-vendor error codes counted in the followed logs.",
        );
        for ((vendor, code, category), n) in &series {
            let labels = [
                ("vendor", *vendor),
                ("code", *code),
                ("category", *category),
            ];
            w.sample("errscan_errors_total", &labels, n);
        }
        w.family(
            "errscan_code_info",
            Kind::Info,
            "The catalog's description of each documented code counted so far.",
        );
        let mut described: Vec<(&str, &str, &str)> = rows
            .iter()
            .filter(|(a, _)| a.entry.is_some())
            .map(|(a, _)| (a.vendor, a.code, a.description()))
            .collect();
        described.dedup();
        for (vendor, code, description) in described {
            let labels = [
                ("vendor", vendor),
                ("code", code),
                ("description", description),
            ];
            w.sample("errscan_code_info", &labels, 1);
        }
        w.single(
            "errscan_lines_total",
            Kind::Counter,
            "Complete lines counted.",
            self.lines,
        );
        w.single(
            "errscan_bytes_total",
            Kind::Counter,
            "Bytes of complete lines counted.",
            self.bytes,
        );
        w.single(
            "errscan_read_errors_total",
            Kind::Counter,
            "Reads of followed files that failed, over all files.",
            self.read_errors,
        );
        w.family(
            "errscan_rotations_total",
            Kind::Counter,
            "Log rotations seen: rename (the path names a new file) or truncate (copytruncate).",
        );
        w.sample(
            "errscan_rotations_total",
            &[("kind", "rename")],
            self.renames,
        );
        w.sample(
            "errscan_rotations_total",
            &[("kind", "truncate")],
            self.truncations,
        );
        w.single(
            "errscan_files_watched",
            Kind::Gauge,
            "Files followed now.",
            self.files.len(),
        );
        w.family(
            "errscan_file_read_errors_total",
            Kind::Counter,
            "Reads that failed, per file followed now.",
        );
        for (path, f) in &self.files {
            w.sample(
                "errscan_file_read_errors_total",
                &[("path", path)],
                f.read_errors,
            );
        }
        w.family(
            "errscan_file_offset_bytes",
            Kind::Gauge,
            "How far each file followed now has been counted (the end of its last complete line).",
        );
        for (path, f) in &self.files {
            w.sample("errscan_file_offset_bytes", &[("path", path)], f.offset);
        }
        w.single(
            "errscan_state_save_errors_total",
            Kind::Counter,
            "Failed attempts to save the state file.",
            self.state_save_errors,
        );
        w.family(
            "errscan_build_info",
            Kind::Info,
            "The errscan version serving these metrics.",
        );
        w.sample(
            "errscan_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1,
        );
        process_metrics(&mut w);
        if format == Exposition::OpenMetrics {
            w.text.push_str("# EOF\n");
        }
        w.text
    }
}

/// The standard process metrics, read from `/proc/self` (Linux only; elsewhere none).
#[cfg(target_os = "linux")]
fn process_metrics(w: &mut Writer) {
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    let page = rustix::param::page_size() as f64;
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
        if let (Some(utime), Some(stime)) = (field(14), field(15)) {
            w.single(
                "process_cpu_seconds_total",
                Kind::Counter,
                "Total user and system CPU time spent in seconds.",
                (utime + stime) / ticks,
            );
        }
        let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<f64>().ok())
        });
        if let (Some(start), Some(boot)) = (field(22), boot) {
            w.single(
                "process_start_time_seconds",
                Kind::Gauge,
                "Start time of the process since unix epoch in seconds.",
                boot + start / ticks,
            );
        }
        if let Some(vsize) = field(23) {
            w.single(
                "process_virtual_memory_bytes",
                Kind::Gauge,
                "Virtual memory size in bytes.",
                vsize,
            );
        }
        if let Some(rss) = field(24) {
            w.single(
                "process_resident_memory_bytes",
                Kind::Gauge,
                "Resident memory size in bytes.",
                rss * page,
            );
        }
    }
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        w.single(
            "process_open_fds",
            Kind::Gauge,
            "Number of open file descriptors.",
            dir.count(),
        );
    }
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        });
    if let Some(max) = max_fds {
        w.single(
            "process_max_fds",
            Kind::Gauge,
            "Maximum number of open file descriptors.",
            max,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn process_metrics(_: &mut Writer) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::CodeRef;

    #[test]
    fn accept_header_picks_the_format() {
        assert_eq!(Exposition::from_accept(None), Exposition::Text);
        assert_eq!(
            Exposition::from_accept(Some("text/plain;version=0.0.4;q=0.5,*/*;q=0.1")),
            Exposition::Text
        );
        let prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Exposition::from_accept(Some(prom)), Exposition::OpenMetrics);
    }

    #[test]
    fn counters_are_named_by_format() {
        let cat = Catalog::embedded().unwrap();
        let okta = cat.vendor_id("okta").unwrap();
        let id = cat.lookup_code(okta, "E0000011").unwrap();
        let mut m = Metrics {
            errors: Counts::new(cat.entries().len()),
            lines: 7,
            ..Metrics::default()
        };
        m.errors.add(&CodeRef::Known(id));
        let text = m.render(&cat, Exposition::Text);
        assert!(text.contains("# TYPE errscan_errors_total counter\n"));
        assert!(text.contains("errscan_errors_total{vendor=\"okta\",code=\"E0000011\","));
        assert!(text.contains("errscan_lines_total 7\n"));
        assert!(text.contains("errscan_code_info{vendor=\"okta\",code=\"E0000011\",description="));
        assert!(!text.contains("# EOF"));
        let om = m.render(&cat, Exposition::OpenMetrics);
        assert!(om.contains("# TYPE errscan_errors counter\n"));
        assert!(om.contains("# TYPE errscan_code info\n"));
        assert!(om.contains("errscan_lines_total 7\n"));
        assert!(om.ends_with("# EOF\n"));
    }
}
