//! The command line: clap derive types and the `run` function that turns them into library
//! calls. No scanning logic lives here.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use errscan::input::walk::{self, GlobFilter, WalkOptions};
use errscan::input::{self, Opened};
use errscan::output::catalog_list::{self, CatalogFormat};
use errscan::output::{self, html, Format, RunInfo};
use errscan::report::grouping::{parse_group_by, DEFAULT_GROUP_BY};
use errscan::report::window::{parse_bound, Window};
use errscan::report::HitRecord;
use errscan::{Catalog, Input, Matcher, MmapPolicy, ScanConfig, Scanner};
use errscan::{GroupKey, Grouped};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Find, annotate and count identity-vendor error codes in logs.
///
/// errscan knows the documented error codes of Okta, WSO2 Identity Server, Akamai Identity
/// Cloud (Janrain), Stormpath and Alibaba Cloud IDaaS, and the OAuth 2.0 / OpenID Connect error
/// strings. It counts a code only where it appears as an error code (an `"errorCode"` field,
/// an SDK exception, an error envelope), never a bare number such as a port or a duration.
#[derive(Debug, Parser)]
#[command(name = "errscan", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan logs and print counts per error code (or each hit with --hits).
    ///
    /// Examples:
    ///   errscan scan app.log                      counts as a table (CSV when piped)
    ///   kubectl logs deploy/idp | errscan scan    read standard input
    ///   errscan scan --glob '*.log*' /var/log/idp a directory, .gz/.zst/.bz2 included
    ///   errscan scan -g vendor,code,hour app.log  a time series per code
    ///   errscan scan -f json a.log b.log          one JSON report over both files
    ///   tail -F app.log | errscan scan --hits     print each hit as it is read (NDJSON)
    ///
    /// Exit status: 0 when every input was read (with or without hits), 2 when an input could
    /// not be read (it is named on stderr and in summary.errors; the others are still scanned)
    /// or on a usage or pattern-file error.
    #[command(verbatim_doc_comment)]
    Scan(Box<ScanArgs>),
    /// List the catalog: every known code with its description and category.
    ///
    /// Examples:
    ///   errscan catalog                           all codes as a table
    ///   errscan catalog --vendor okta -f json     Okta's codes as a JSON array
    ///   errscan catalog --patterns ./patterns     check and list a pattern directory
    #[command(verbatim_doc_comment)]
    Catalog(CatalogArgs),
    /// Merge JSON reports (from many hosts or nights) into one, summing counts per key.
    ///
    /// The reports must have been grouped by the same keys. Merging is exact:
    /// merging the reports of A and of B gives the report of A and B together.
    ///
    /// Examples:
    ///   errscan merge host1.json host2.json                 a table of the sums
    ///   errscan merge -f json -o week.json night-*.json     a report to merge again
    #[command(verbatim_doc_comment)]
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` or nothing reads standard input. A directory is
    /// scanned recursively, in file-name order. gzip, zstd and bzip2 files are decompressed and
    /// UTF-16 files with a byte order mark transcoded, whatever their names. A file that grows
    /// while it is scanned is scanned up to the size it had when it was opened.
    pub paths: Vec<PathBuf>,

    /// Only scan the files found in directories that match this glob (repeatable; a file is
    /// kept when it matches any). Matched against the file name, or against the path below the
    /// directory when the pattern contains `/`; a leading `!` excludes. Files named on the
    /// command line are always scanned. Example: `--glob '*.log' --glob '*.gz' --glob '!debug*'`.
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,

    /// Also scan hidden files and directories (names starting with `.`) found in directories.
    /// By default they are skipped. Example: `errscan scan --hidden /var/log/app`.
    #[arg(long)]
    pub hidden: bool,

    /// Follow symbolic links found in directories (a link loop is reported, not followed). By
    /// default they are skipped; links named on the command line are always followed.
    /// Example: `errscan scan -L /var/log/app`.
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Output format. By default: `table` when standard output is a terminal, `csv` otherwise.
    /// Example: `-f json`.
    #[arg(short = 'f', long, value_parser = format_parser())]
    pub format: Option<Format>,

    /// Print one JSON object per hit (file, line, offset, vendor, code, name, category,
    /// http_status, description, match) in input order instead of counts. On a pipe each hit
    /// is written as soon as its line is read. Example: `tail -F app.log | errscan scan --hits`.
    #[arg(long)]
    pub hits: bool,

    /// Only report these vendors (comma-separated ids, as `errscan catalog` lists them).
    /// Example: `--vendor okta,oauth`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    /// Worker threads, at most 1024. By default, one per core. Example: `-j 2`.
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true,
        value_parser = clap::value_parser!(u16).range(0..=1024)
    )]
    pub threads: u16,

    /// Load the catalog and rules from this directory of *.toml pattern files instead of the
    /// built-in one. Example: `--patterns ./my-patterns`.
    #[arg(long, value_name = "DIR")]
    pub patterns: Option<PathBuf>,

    /// When to memory-map files: `auto` maps only files unmodified for 30 s (a live log being
    /// truncated under a map would crash the process), `always` maps every file, `never` reads
    /// every file with read(). Example: `--mmap never`.
    #[arg(long, value_enum, default_value_t = MmapArg::Auto)]
    pub mmap: MmapArg,

    /// Size in bytes of the chunks files are split into for parallel scanning (default 8 MiB);
    /// counts never depend on it. Example: `--chunk-size 1048576`.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20, hide_default_value = true)]
    pub chunk_size: usize,

    /// Group counts by these keys (comma-separated): vendor, code, category, vendor_category,
    /// file, and one time bucket of minute, hour or day (UTC; the time of each hit's line, or
    /// of the dated line before it in the same input; `unknown` for hits before any dated
    /// line). `code` implies `vendor`; the code's name, category, HTTP status and description
    /// are printed when `code` is a key. Default: vendor,code (vendor,code,file,hour with
    /// `-f html`). Example: `-g vendor,code,hour` (a time series per code).
    #[arg(short = 'g', long, value_name = "KEYS")]
    pub group_by: Option<String>,

    /// Year of syslog timestamps (`Nov 21 03:14:07`), which carry none. Default: the current
    /// year. Example: `--year 2025`.
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i16>,

    /// Keep only the N largest rows; how many were cut is said in the table's totals line,
    /// in JSON `summary.rows_cut`, or on stderr for CSV. With `-f html`, the rows of each of
    /// the page's tables (50 by default; its totals still cover every row). Example: `--top 20`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Write the report to FILE instead of standard output, atomically (a temporary file in
    /// the same directory, renamed when complete), so a collector never reads half a report.
    /// Example: `-o /var/lib/node_exporter/textfile/errscan.prom`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Do not show a progress bar. By default one is drawn on stderr when stderr is a terminal
    /// and the inputs are regular files larger than 8 MB in all (never when stderr is piped;
    /// compressed files count by their size on disk).
    #[arg(long)]
    pub no_progress: bool,

    /// On a stream, print the counts of each window of this length as it closes (NDJSON, or
    /// CSV with `-f csv`, each row with a `window_end` field), then go on: a stream processor
    /// for dashboards. Example: `tail -F app.log | errscan scan --every 30s`.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,

    /// With `-f html`: an earlier JSON report (`-f json`) to compare with; the page marks new
    /// codes, codes that rose or fell by a factor of 2 or more (and by at least 5 hits), and
    /// codes gone, with both numbers. Example: `--baseline reports/2026-11-20.json`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Count (with --hits, list) only hits whose line time is at or after TIME: RFC 3339
    /// (`2026-11-21T03:00:00Z`), a date or wall-clock time in --tz (`2026-11-21`,
    /// `2026-11-21 03:00`), a duration before now (`24h`, `7d`), or `today` / `yesterday`
    /// (midnight in --tz). A line without a time of its own (a stack trace) has the time of the
    /// dated line before it in the same input; hits before any dated line are undated and
    /// outside every window. Example: `--since yesterday --until today`.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Count only hits whose line time is before TIME (same forms as --since), so that
    /// `--until T` and `--since T` split the dated hits exactly. Example: `--until 2h`.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Time zone of `today`, `yesterday`, dates and times without an offset in --since and
    /// --until (an IANA name). Default: UTC. Example: `--tz Europe/Berlin`.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Distinct unknown codes kept before the rest are counted in one `(other)` row per
    /// vendor, so that text injected into logs cannot blow up memory or the report.
    /// Example: `--unknown-cap 1000`.
    #[arg(long, value_name = "N", default_value_t = errscan::report::counts::DEFAULT_UNKNOWN_CAP)]
    pub unknown_cap: usize,
}

/// Parses a report format by the library's names, listing each with its help in `--help`.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    let names = Format::ALL.map(|f| PossibleValue::new(f.name()).help(f.about()));
    PossibleValuesParser::new(names).try_map(|name| name.parse::<Format>())
}

/// Parses a catalog format, listing each with its help in `--help`.
fn catalog_format_parser() -> impl TypedValueParser<Value = CatalogFormat> {
    let names = CatalogFormat::ALL.map(|(_, name, about)| PossibleValue::new(name).help(about));
    PossibleValuesParser::new(names).try_map(|name| {
        CatalogFormat::ALL
            .into_iter()
            .find(|&(_, n, _)| n == name)
            .map(|(f, _, _)| f)
            .ok_or("unknown format")
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MmapArg {
    /// Map only files that are not being written.
    Auto,
    /// Map every regular file.
    Always,
    /// Never map.
    Never,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// JSON reports written by `errscan scan -f json` (`-` reads one from standard input).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,

    /// Output format. By default: `table` when standard output is a terminal, `csv`
    /// otherwise. Example: `-f json` (a report that can be merged again).
    #[arg(short = 'f', long, value_parser = format_parser())]
    pub format: Option<Format>,

    /// Keep only the N largest rows (with `-f html`, of each of the page's tables). Example:
    /// `--top 20`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Write the merged report to FILE, atomically. Example: `-o all-hosts.json`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With `-f html`: an earlier JSON report to compare with (as for `scan --baseline`).
    /// Example: `--baseline merged/2026-11-20.json`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    /// Only list these vendors (comma-separated ids, as `errscan catalog` lists them).
    /// Example: `--vendor wso2,akamai`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    /// Output format. Example: `-f csv`.
    #[arg(short = 'f', long, value_parser = catalog_format_parser(), default_value = "table")]
    pub format: CatalogFormat,

    /// Load this directory of *.toml pattern files instead of the built-in catalog; a broken
    /// file is reported with its name and line. Example: `--patterns ./patterns`.
    #[arg(long, value_name = "DIR")]
    pub patterns: Option<PathBuf>,
}

/// How a run ended, for the exit status.
pub enum Outcome {
    /// Everything was read.
    Clean,
    /// Some input could not be read; what could be read was reported.
    InputErrors,
}

fn load_catalog(dir: Option<&PathBuf>) -> anyhow::Result<Catalog> {
    Ok(match dir {
        Some(d) => Catalog::from_dir(d)?,
        None => Catalog::embedded()?,
    })
}

/// Runs the parsed command line.
/// Parses the command line, with the built-in catalog's vendor ids named in the help of
/// `--vendor` (they come from `patterns/`, so a vendor added there is listed too).
pub fn parse() -> Cli {
    let mut command = Cli::command();
    let ids = Catalog::embedded_vendor_ids();
    if !ids.is_empty() {
        let ids = format!("built in: {}", ids.join(", "));
        for sub in ["scan", "catalog"] {
            command = command.mut_subcommand(sub, |c| {
                c.mut_arg("vendor", |a| {
                    let help = a.get_long_help().or(a.get_help()).map(|h| h.to_string());
                    let help = help.unwrap_or_default();
                    a.long_help(format!("{help}\n[{ids}]"))
                })
            });
        }
    }
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Catalog(args) => catalog(args),
        Command::Merge(args) => merge(args),
    }
}

fn merge(args: MergeArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut merged: Option<Grouped> = None;
    let mut sources = Vec::new();
    for path in &args.reports {
        let shown = path.display().to_string();
        let report = read_report(path)?;
        sources.push((shown.clone(), report.summary.clone()));
        match &mut merged {
            None => merged = Some(report),
            Some(m) => m.merge(report).with_context(|| shown.clone())?,
        }
    }
    let Some(mut merged) = merged else {
        anyhow::bail!("no report to merge");
    };
    let format = args.format.unwrap_or(
        if args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        },
    );
    let baseline = read_baseline(args.baseline.as_deref(), format)?;
    if format == Format::Html {
        for note in html::limitations(&merged) {
            warn(&format!("html: {note}"));
        }
    } else if let Some(n) = args.top {
        merged.top(n);
    }
    let info = run_info(started);
    write_output(args.output.as_deref(), |out| {
        write_grouped(
            out,
            &merged,
            format,
            &info,
            baseline.as_ref(),
            sources,
            args.top,
        )
    })?;
    Ok(Outcome::Clean)
}

/// Reads a JSON report written by `scan -f json` or `merge -f json` (`-`: standard input).
fn read_report(path: &Path) -> anyhow::Result<Grouped> {
    let shown = path.display().to_string();
    let text = if path.as_os_str() == "-" {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut t).context("<stdin>")?;
        t
    } else {
        std::fs::read_to_string(path).with_context(|| shown.clone())?
    };
    let doc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{shown}: not JSON"))?;
    Grouped::from_json(&doc).map_err(|e| anyhow::anyhow!("{shown}: not an errscan report: {e}"))
}

/// Reads `--baseline`, which only the HTML report uses.
fn read_baseline(path: Option<&Path>, format: Format) -> anyhow::Result<Option<Grouped>> {
    let Some(path) = path else {
        return Ok(None);
    };
    if format != Format::Html {
        anyhow::bail!("--baseline is drawn in the HTML report only (-f html)");
    }
    read_report(path)
        .map(Some)
        .with_context(|| "--baseline".to_string())
}

/// Writes a grouped report; the HTML page also gets the baseline, the merged reports and
/// `--top` (its codes table's length: the page's totals always cover every row).
fn write_grouped(
    out: &mut dyn Write,
    report: &Grouped,
    format: Format,
    info: &RunInfo,
    baseline: Option<&Grouped>,
    sources: Vec<(String, errscan::Summary)>,
    top: Option<usize>,
) -> errscan::Result<()> {
    if format != Format::Html {
        return output::write_report(out, report, format, info);
    }
    let opts = html::HtmlOptions {
        baseline,
        sources,
        top: top.unwrap_or(0),
        generated_unix: info.finished_unix,
    };
    html::write(out, report, &opts)
}

fn catalog(args: CatalogArgs) -> anyhow::Result<Outcome> {
    let cat = load_catalog(args.patterns.as_ref())?;
    let vendors = args.vendor.map(|l| cat.parse_vendor_list(&l)).transpose()?;
    let rows = catalog_list::rows(&cat, vendors.as_deref());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    catalog_list::write(&mut out, &rows, args.format)?;
    out.flush().context("<stdout>")?;
    Ok(Outcome::Clean)
}

fn scan(args: ScanArgs) -> anyhow::Result<Outcome> {
    let window = parse_window(&args)?;
    let cat = load_catalog(args.patterns.as_ref())?;
    let vendors = args.vendor.map(|l| cat.parse_vendor_list(&l)).transpose()?;
    let group_by = match &args.group_by {
        Some(list) => parse_group_by(list)?,
        None if args.format == Some(Format::Html) => html::HTML_GROUP_BY.to_vec(),
        None => DEFAULT_GROUP_BY.to_vec(),
    };
    let progress_bytes = Arc::new(AtomicU64::new(0));
    let config = ScanConfig {
        window,
        threads: usize::from(args.threads),
        chunk_size: args.chunk_size.max(1),
        mmap: config_mmap(args.mmap),
        time: group_by.iter().find_map(|k| match k {
            GroupKey::Time(g) => Some(*g),
            _ => None,
        }),
        year: args.year.unwrap_or_else(|| jiff::Zoned::now().year()),
        per_input: group_by.contains(&GroupKey::File),
        unknown_cap: args.unknown_cap,
        progress: Some(progress_bytes.clone()),
        ..ScanConfig::default()
    };
    let scanner = Scanner::new(Matcher::new(&cat, vendors)?, config)?;
    let (inputs, walk_errors) = if args.paths.is_empty() {
        (vec![Input::Stdin], Vec::new())
    } else {
        let opts = WalkOptions {
            hidden: args.hidden,
            follow: args.follow,
            filter: GlobFilter::new(&args.globs)?,
        };
        walk::expand(&args.paths, &opts)
    };
    // Reported like unreadable inputs: named on stderr (and in the report's
    // summary.errors), and the exit status says so.
    let walk_errors: Vec<String> = walk_errors.iter().map(ToString::to_string).collect();
    let walk_failed = walk_errors.len();
    if args.hits || args.every.is_some() {
        for e in &walk_errors {
            warn(&e);
        }
    }
    if args.hits {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        let failed = print_hits(&scanner, &inputs, config_mmap(args.mmap), &mut out)?;
        out.flush().map_err(stdout_error)?;
        return Ok(outcome(failed + walk_failed));
    }
    if let Some(every) = &args.every {
        let every = parse_every(every)?;
        let format = args.format.unwrap_or(Format::Ndjson);
        let windows = scan_windows(&scanner, &inputs, &group_by, every, format)?;
        return Ok(if walk_failed > 0 {
            Outcome::InputErrors
        } else {
            windows
        });
    }
    let format = args.format.unwrap_or(
        if args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        },
    );
    // Read before the scan, so that a bad baseline fails fast.
    let baseline = read_baseline(args.baseline.as_deref(), format)?;
    let started = Instant::now();
    let bar = progress_bar(&inputs, args.no_progress, progress_bytes);
    let mut report = scanner.scan_inputs(&inputs);
    report.summary.errors.splice(0..0, walk_errors);
    if let Some((bar, ticker)) = bar {
        bar.finish_and_clear();
        let _ = ticker.join();
    }
    for e in &report.summary.errors {
        warn(&e);
    }
    let mut grouped = Grouped::from_report(&cat, &report, &group_by);
    if format == Format::Html {
        for note in html::limitations(&grouped) {
            warn(&format!("html: {note}"));
        }
    } else if let Some(n) = args.top {
        grouped.top(n);
    }
    let info = run_info(started);
    if grouped.rows_cut > 0 && format == Format::Csv {
        eprintln!(
            "errscan: --top {}: {} more rows not shown",
            args.top.unwrap_or(0),
            grouped.rows_cut
        );
    }
    write_output(args.output.as_deref(), |out| {
        write_grouped(
            out,
            &grouped,
            format,
            &info,
            baseline.as_ref(),
            Vec::new(),
            args.top,
        )
    })?;
    Ok(outcome(report.summary.errors.len()))
}

/// The window of `--since`/`--until`, read in `--tz` (UTC by default).
fn parse_window(args: &ScanArgs) -> anyhow::Result<Window> {
    let tz = match &args.tz {
        None => jiff::tz::TimeZone::UTC,
        Some(name) => jiff::tz::TimeZone::get(name)
            .map_err(|e| anyhow::anyhow!("--tz {name:?}: not a time zone ({e})"))?,
    };
    let now = jiff::Zoned::now().with_time_zone(tz);
    let bound = |flag: &str, text: &Option<String>| -> anyhow::Result<Option<i64>> {
        text.as_deref()
            .map(|t| parse_bound(t, &now).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
            .transpose()
    };
    let window = Window {
        since: bound("--since", &args.since)?,
        until: bound("--until", &args.until)?,
    };
    if let (Some(s), Some(u)) = (window.since, window.until) {
        if s >= u {
            anyhow::bail!("--since must be before --until");
        }
    }
    Ok(window)
}

/// Prints a message on stderr, with control characters from paths or logs escaped so that
/// they cannot move the cursor or recolour the terminal.
pub fn warn(message: &dyn std::fmt::Display) {
    eprintln!("errscan: {}", printable(&message.to_string()));
}

/// `text` with every control character but none other written as an escape (`\u{1b}`).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn outcome(errors: usize) -> Outcome {
    if errors == 0 {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    }
}

fn stdout_error(cause: std::io::Error) -> errscan::Error {
    errscan::Error::Output {
        path: "<stdout>".into(),
        cause,
    }
}

fn run_info(started: Instant) -> RunInfo {
    RunInfo {
        duration_seconds: started.elapsed().as_secs_f64(),
        finished_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
        width: console::Term::stdout()
            .size_checked()
            .map_or(80, |(_, w)| usize::from(w)),
    }
}

/// Writes to standard output, or atomically to `path`: into a temporary file in the same
/// directory, renamed over `path` once complete, so that a collector or dashboard never reads
/// half a report and an interrupted run leaves the old file whole.
fn write_output(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> errscan::Result<()>,
) -> anyhow::Result<()> {
    let Some(path) = path else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        write(&mut out)?;
        out.flush().map_err(stdout_error)?;
        return Ok(());
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let shown = path.display().to_string();
    let tmp = tempfile::Builder::new()
        .prefix(".errscan-")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{shown}: cannot create a temporary file in {}",
                dir.display()
            )
        })?;
    let mut out = std::io::BufWriter::new(tmp);
    write(&mut out).map_err(|e| match e {
        errscan::Error::Output { cause, .. } => errscan::Error::Output {
            path: shown.clone(),
            cause,
        },
        other => other,
    })?;
    let tmp = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{shown}: {}", e.error()))?;
    tmp.as_file().sync_all().with_context(|| shown.clone())?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("{shown}: {}", e.error))?;
    Ok(())
}

/// A progress bar on stderr, for a terminal and inputs of more than a few MB whose size is
/// known; `None` otherwise. The bar is fed by the scanner's count of input bytes taken in,
/// which for a compressed file are its compressed bytes, like its size.
fn progress_bar(
    inputs: &[Input],
    disabled: bool,
    done: Arc<AtomicU64>,
) -> Option<(ProgressBar, std::thread::JoinHandle<()>)> {
    const MIN_BYTES: u64 = 8 << 20;
    if disabled || !std::io::stderr().is_terminal() {
        return None;
    }
    // The total is known for regular files only (named, or redirected to standard input);
    // a pipe among the inputs leaves nothing to measure against.
    let mut total = 0u64;
    for input in inputs {
        total += match input {
            Input::Stdin => input::stdin_file_size()?,
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => return None,
                // Reported when it is opened.
                Err(_) => 0,
            },
        };
    }
    if total < MIN_BYTES {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let ticker = {
        let bar = bar.clone();
        std::thread::spawn(move || {
            while !bar.is_finished() {
                bar.set_position(done.load(Ordering::Relaxed).min(total));
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    Some((bar, ticker))
}

/// Parses `--every` (`30s`, `5m`, `1h`).
fn parse_every(text: &str) -> anyhow::Result<Duration> {
    let d: jiff::SignedDuration = text.parse().map_err(|e| {
        anyhow::anyhow!("--every {text:?}: not a duration such as 30s, 5m or 1h ({e})")
    })?;
    let d =
        Duration::try_from(d).map_err(|_| anyhow::anyhow!("--every {text:?}: must be positive"))?;
    if d.is_zero() {
        anyhow::bail!("--every {text:?}: must be positive");
    }
    Ok(d)
}

/// `--every`: scans a stream and prints the counts of each window as it closes, with a
/// `window_end` field, then goes on.
fn scan_windows(
    scanner: &Scanner<'_>,
    inputs: &[Input],
    group_by: &[GroupKey],
    every: Duration,
    format: Format,
) -> anyhow::Result<Outcome> {
    if !matches!(format, Format::Ndjson | Format::Csv) {
        anyhow::bail!("--every writes ndjson or csv rows, not {format:?}");
    }
    let [input] = inputs else {
        anyhow::bail!("--every reads one stream (standard input, a pipe or a growing file)");
    };
    let reader: Box<dyn std::io::Read + Send> = match input::open(input, MmapPolicy::Never)? {
        Opened::Stream(r) => r,
        Opened::Bytes(b) => Box::new(std::io::Cursor::new(b.to_vec())),
    };
    let cat = scanner.catalog();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut header_done = false;
    let name = input.name();
    let result = scanner.scan_windows(reader, &name, every, &mut |report, window_end| {
        let grouped = Grouped::from_report(cat, report, group_by);
        let end = jiff::Timestamp::from_second(window_end)
            .map(|t| t.to_string())
            .unwrap_or_default();
        output::write_window(&mut out, &grouped, &end, format, !header_done)?;
        header_done = true;
        out.flush().map_err(stdout_error)
    });
    match result {
        Ok(None) => Ok(Outcome::Clean),
        Ok(Some(e)) => {
            warn(&e);
            Ok(Outcome::InputErrors)
        }
        Err(e) => Err(e.into()),
    }
}

fn config_mmap(arg: MmapArg) -> MmapPolicy {
    match arg {
        MmapArg::Auto => MmapPolicy::Auto,
        MmapArg::Always => MmapPolicy::Always,
        MmapArg::Never => MmapPolicy::Never,
    }
}

/// Prints every hit of every input; returns how many inputs failed.
fn print_hits(
    scanner: &Scanner<'_>,
    inputs: &[Input],
    mmap: MmapPolicy,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let cat = scanner.catalog();
    let mut failed = 0;
    for input in inputs {
        let name = input.name();
        let result = match input::open(input, mmap) {
            Err(e) => Err(e),
            Ok(Opened::Bytes(content)) => {
                let mut emit = |h: HitRecord| output::write_hit(out, cat, &name, &h);
                scanner.hits_bytes(&content, &mut emit).map(|_| None)
            }
            Ok(Opened::Stream(mut reader)) => {
                // Live: each hit is flushed as soon as its line has been read.
                let mut emit = |h: HitRecord| {
                    output::write_hit(out, cat, &name, &h)?;
                    out.flush().map_err(|e| errscan::Error::Output {
                        path: "<stdout>".into(),
                        cause: e,
                    })
                };
                scanner
                    .hits_stream(&mut reader, &name, &mut emit)
                    .map(|(_, e)| e)
            }
        };
        match result {
            Ok(None) => {}
            Ok(Some(e)) => {
                warn(&e);
                failed += 1;
            }
            Err(e) if e.is_broken_pipe() => return Err(e.into()),
            Err(e @ errscan::Error::Output { .. }) => return Err(e.into()),
            Err(e) => {
                warn(&e);
                failed += 1;
            }
        }
    }
    Ok(failed)
}
