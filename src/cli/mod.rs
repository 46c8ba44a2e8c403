//! The command line: clap derive types and the `run` function that turns them into library
//! calls. No scanning logic lives here.

mod explain;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use errscan::input::walk::{self, GlobFilter, WalkOptions};
use errscan::input::{self, Opened};
use errscan::output::catalog_list::{self, CatalogFormat};
use errscan::output::file::OutputFile;
use errscan::output::{self, html, Format, RunInfo};
use errscan::report::grouping::{parse_group_by, DEFAULT_GROUP_BY};
use errscan::report::window::{parse_bound, Window};
use errscan::report::HitRecord;
use errscan::{Catalog, Input, Matcher, MmapPolicy, ScanConfig, Scanner};
use errscan::{GroupKey, Grouped};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

mod watch;

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
    ///   errscan catalog --no-builtin --patterns ./patterns   check and list a pattern directory
    #[command(verbatim_doc_comment)]
    Catalog(CatalogArgs),
    /// Show why each line counted or not: its hits with the rule that found each, and the
    /// rules its anchors triggered that gave nothing, with the reason.
    ///
    /// Examples:
    ///   errscan explain app.log                   every line on which a rule was tried
    ///   grep E0000 app.log | errscan explain      the lines of standard input
    ///   errscan explain -f json app.log           one JSON object per line
    ///   errscan explain --patterns ./mine x.log   try a pattern file of your own
    #[command(verbatim_doc_comment)]
    Explain(explain::ExplainArgs),
    /// Merge JSON reports (from many hosts or nights) into one, summing counts per key.
    ///
    /// The reports must have been grouped by the same keys, in any order (the first
    /// report's order is kept). Merging is exact:
    /// merging the reports of A and of B gives the report of A and B together.
    /// A sum that would overflow 64 bits is an error naming the file and row. A report made
    /// with `--top` is refused, as its sums would be short: cut after merging instead. The
    /// unknown-code cap is applied to the union as one scan would (the smallest cap of the
    /// reports, the shortest codes kept), so unknown codes count the same merged or not.
    ///
    /// A merged report is only as fresh as its oldest part: it keeps the oldest
    /// `summary.scanned_at` of the reports (when each scan ended) and the sum of their
    /// `scan_seconds`, and `-f prom` (`errscan_last_success_timestamp_seconds`,
    /// `errscan_scan_duration_seconds`) and `-f html` show those, not the merge's own run.
    /// Reports of schema 2 or older carry no scan time: a merge with one has none, and
    /// `-f prom` then leaves both metrics out (alert on their absence too).
    ///
    /// Examples:
    ///   errscan merge host1.json host2.json                 a table of the sums
    ///   errscan merge -f json -o week.json night-*.json     a report to merge again
    #[command(verbatim_doc_comment)]
    Merge(MergeArgs),
    /// Follow log files like `tail -F` and serve live counters to Prometheus.
    ///
    /// Serves errscan_errors_total{vendor,code,category} and the lines and bytes counted on
    /// http://ADDR/metrics (Prometheus text, or OpenMetrics when the scraper asks for it).
    /// Lines are counted once complete, by the same rules as `scan`; rename and copytruncate
    /// rotations, deleted files and new files in followed directories are handled.
    ///
    /// Examples:
    ///   errscan watch --listen 127.0.0.1:9464 /var/log/idp/app.log
    ///   errscan watch --listen 127.0.0.1:9464 --glob '*.log' /var/log/idp
    ///   errscan watch --listen 127.0.0.1:9464 --state /var/lib/errscan/watch.json app.log
    ///
    /// Stops on SIGTERM or SIGINT, after reading what is pending and saving the state.
    /// Exit status: 0 after a stop, 2 when the address cannot be bound or on a usage error.
    #[command(verbatim_doc_comment)]
    Watch(watch::WatchArgs),
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` or nothing reads standard input. A directory is
    /// scanned recursively, in file-name order. gzip, zstd and bzip2 files are decompressed and
    /// UTF-16 files with a byte order mark transcoded, whatever their names. A file that grows
    /// while it is scanned is scanned up to the size it had when it was opened. `/dev/null`
    /// is an empty input; an empty path is a usage error.
    #[arg(value_parser = clap::builder::OsStringValueParser::new().try_map(non_empty_path))]
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

    /// Follow symbolic links found in directories. A link loop is not followed; it is named
    /// as a loop on stderr and in summary.errors, and the exit status is 2 so that a loop in a
    /// tree is noticed, although every file is still read once. By default links are skipped;
    /// links named on the command line are always followed (one that loops is an input that
    /// cannot be read).
    /// Example: `errscan scan -L /var/log/app`.
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Output format. By default: `table` when standard output is a terminal, `csv` otherwise.
    /// On a terminal, control characters, bidi controls and line separators from logs or file
    /// names are shown as `\uXXXX` escapes in every format (and on stderr). Example: `-f json`.
    #[arg(short = 'f', long, value_parser = format_parser())]
    pub format: Option<Format>,

    /// Print one JSON object per hit (file, line, offset, vendor, code, name, category,
    /// http_status, description, match) in input order instead of counts. On a pipe each hit
    /// is written as soon as its line is read. `offset` counts bytes of the text scanned: for a
    /// compressed input, of the decompressed text; for a UTF-16 input, of the UTF-8 text it is
    /// transcoded to (without its byte order mark), not of the file. Hits are always NDJSON (`-f` other than
    /// `ndjson` is a usage error), and they are not counts, so `--top`, `-g`, `--every` and
    /// `--unknown-cap` cannot be used with it. Example: `tail -F app.log | errscan scan --hits`.
    #[arg(long, conflicts_with_all = ["top", "group_by", "every", "unknown_cap"])]
    pub hits: bool,

    /// Only report these vendors (comma-separated ids, as `errscan catalog` lists them; an
    /// empty list is an error). Example: `--vendor okta,oauth`.
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

    #[command(flatten)]
    pub patterns: PatternArgs,

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
    /// line). A line's time is read at its start, or in its top-level JSON `timestamp`,
    /// `time`, `@timestamp` or `published` field, never a nested object's. `code` implies
    /// `vendor`; the code's name, category, HTTP status and description are printed when
    /// `code` is a key. In file names, each byte that is not UTF-8 is written `\xNN`, so that
    /// such files do not share a row. Default: vendor,code (vendor,code,file,hour with
    /// `-f html`). Example: `-g vendor,code,hour` (a time series per code).
    #[arg(short = 'g', long, value_name = "KEYS")]
    pub group_by: Option<String>,

    /// Year of syslog timestamps (`Nov 21 03:14:07`), which carry none: 0 to 9999, the years
    /// RFC 3339 can write. Default: the current year. Time buckets cover
    /// 0000-01-01T00:00:00Z to 9999-12-30T22:00:00Z; a line with a time outside goes to
    /// `unknown`, and `24:00:00` is the next day's midnight. Example: `--year 2025`.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i16).range(0..=9999))]
    pub year: Option<i16>,

    /// Keep only the N largest rows; how many were cut is said in the table's totals line,
    /// in JSON `summary.rows_cut`, or on stderr for CSV. With `-f html`, the rows of each of
    /// the page's tables (50 by default; its totals still cover every row). Example: `--top 20`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Write the report to FILE instead of standard output. A regular file is replaced
    /// atomically (a temporary file in its directory, renamed when complete), so a collector
    /// never reads half a report; it keeps its mode and group, and a new file gets mode
    /// 0666 minus the umask. A symbolic link is followed and its target replaced; a FIFO or a
    /// device (`/dev/stdout`) is written into directly, without atomicity. With `--hits`, the
    /// hits are written when the scan completes. Not with `--every`, which never completes:
    /// redirect its standard output (`>> FILE`) instead.
    /// Example: `-o /var/lib/node_exporter/textfile/errscan.prom`.
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "every")]
    pub output: Option<PathBuf>,

    /// Name standard input NAME instead of `<stdin>` in the report (the `file` key of `-g
    /// file`), in hits and in messages, for logs that arrive through a pipe.
    /// Example: `zcat app.log.gz | errscan scan --label app.log.gz -g vendor,code,file`.
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,

    /// Do not show a progress bar. By default one is drawn on stderr when stderr is a terminal
    /// and the inputs are regular files larger than 8 MB in all (never when stderr is piped;
    /// compressed files count by their size on disk).
    #[arg(long)]
    pub no_progress: bool,

    /// On a stream, print the counts of each window of this length as it closes (NDJSON, or
    /// CSV with `-f csv`, each row with a `window_end` field, the RFC 3339 time the window
    /// closed to the nanosecond, distinct per window; other formats are a usage
    /// error), then go on: a stream processor for dashboards. With `--top N`, each window
    /// keeps its N largest rows. SIGINT, SIGTERM or SIGHUP writes the open window, as the end
    /// of the stream does, then exits with status 128 plus the signal number (130, 143, 129);
    /// a second signal exits at once. Example: `tail -F app.log | errscan scan --every 30s`.
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
    /// vendor, so that text injected into logs cannot blow up memory or the report. The codes
    /// kept are the N shortest (then in byte order, then by vendor id), wherever they appear,
    /// so counts never depend on how inputs are split, read or merged; a kept code counts
    /// every hit. JSON reports record the cap and `merge` applies the smallest of its inputs'
    /// caps to the union. An unknown code longer than 128 bytes is cut to 128 bytes and
    /// marked with `…`, so the cap bounds memory and report size. Example: `--unknown-cap 1000`.
    #[arg(long, value_name = "N", default_value_t = errscan::report::counts::DEFAULT_UNKNOWN_CAP)]
    pub unknown_cap: usize,
}

/// A path argument: an empty one names no file, which clap would report as a missing value.
fn non_empty_path(text: std::ffi::OsString) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("an empty path names no file (use `-` for standard input)".to_string());
    }
    Ok(PathBuf::from(text))
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

    /// Write the merged report to FILE, as `scan -o` does (a regular file or a link's target
    /// replaced atomically, a FIFO or device written into). Example: `-o all-hosts.json`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With `-f html`: an earlier JSON report to compare with (as for `scan --baseline`).
    /// Example: `--baseline merged/2026-11-20.json`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    /// Only list these vendors (comma-separated ids, as `errscan catalog` lists them; an
    /// empty list is an error). Example: `--vendor wso2,akamai`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    /// Output format. Example: `-f csv`.
    #[arg(short = 'f', long, value_parser = catalog_format_parser(), default_value = "table")]
    pub format: CatalogFormat,

    #[command(flatten)]
    pub patterns: PatternArgs,
}

/// Where the catalog comes from: the built-in pattern files, and the user's.
#[derive(Debug, clap::Args)]
pub struct PatternArgs {
    /// Add the *.toml pattern files of DIR to the built-in catalog (repeatable, in order). A
    /// file whose `[vendor] id` is a built-in vendor's replaces that vendor; a broken file is
    /// reported with its name and line. Example: `--patterns ./my-patterns`.
    #[arg(long, value_name = "DIR")]
    pub patterns: Vec<PathBuf>,

    /// Use only the pattern files of `--patterns`, not the built-in catalog.
    /// Example: `--no-builtin --patterns ./patterns`.
    #[arg(long)]
    pub no_builtin: bool,
}

/// How a run ended, for the exit status.
pub enum Outcome {
    /// Everything was read.
    Clean,
    /// Some input could not be read; what could be read was reported.
    InputErrors,
    /// A live scan was ended by this signal after its last window was written; the exit
    /// status is 128 plus the signal number, as a shell reports it.
    Signalled(i32),
}

fn load_catalog(args: &PatternArgs) -> anyhow::Result<Catalog> {
    if args.patterns.is_empty() && !args.no_builtin {
        return Ok(Catalog::embedded()?);
    }
    let dirs: Vec<&Path> = args.patterns.iter().map(PathBuf::as_path).collect();
    Ok(Catalog::with_dirs(!args.no_builtin, &dirs)?)
}

/// Runs the parsed command line.
/// Parses the command line, with the built-in catalog's vendor ids named in the help of
/// `--vendor` (they come from `patterns/`, so a vendor added there is listed too).
pub fn parse() -> Cli {
    let mut command = Cli::command();
    let ids = Catalog::embedded_vendor_ids();
    if !ids.is_empty() {
        let ids = format!("built in: {}", ids.join(", "));
        for sub in ["scan", "catalog", "watch"] {
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
        Command::Explain(args) => explain::run(args),
        Command::Merge(args) => merge(args),
        Command::Watch(args) => watch::watch(args),
    }
}

fn merge(args: MergeArgs) -> anyhow::Result<Outcome> {
    let mut merged: Option<Grouped> = None;
    let mut sources = Vec::new();
    for path in &args.reports {
        let shown = path.display().to_string();
        let report = read_report(path)?;
        if report.rows_cut > 0 {
            anyhow::bail!(
                "{shown}: {}",
                errscan::report::grouping::cut_report(report.rows_cut)
            );
        }
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
    let info = run_info();
    write_output(args.output.as_deref(), |out| {
        on_terminal(out, args.output.is_none(), |out| {
            write_grouped(
                out,
                &merged,
                format,
                &info,
                baseline.as_ref(),
                sources,
                args.top,
            )
        })
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
    output::json::read_report(&text).map_err(|e| anyhow::anyhow!("{shown}: {e}"))
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
    let cat = load_catalog(&args.patterns)?;
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
    let cat = load_catalog(&args.patterns)?;
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
    let (mut inputs, walk_errors) = if args.paths.is_empty() {
        (vec![Input::Stdin(None)], Vec::new())
    } else {
        let opts = WalkOptions {
            hidden: args.hidden,
            follow: args.follow,
            filter: GlobFilter::new(&args.globs)?,
        };
        walk::expand(&args.paths, &opts)
    };
    for input in &mut inputs {
        if let Input::Stdin(label) = input {
            label.clone_from(&args.label);
        }
    }
    // Reported like unreadable inputs: named on stderr (and in the report's
    // summary.errors), and the exit status says so.
    let walk_errors: Vec<String> = walk_errors.iter().map(ToString::to_string).collect();
    let walk_failed = walk_errors.len();
    if let Some(f) = args.format.filter(|f| *f != Format::Ndjson) {
        if args.hits {
            usage_error(&format!("--hits writes ndjson, not {f}"));
        }
    }
    if let Some(f) = args
        .format
        .filter(|f| !matches!(f, Format::Ndjson | Format::Csv))
    {
        if args.every.is_some() {
            usage_error(&format!("--every writes ndjson or csv rows, not {f}"));
        }
    }
    if args.hits || args.every.is_some() {
        for e in &walk_errors {
            warn(&e);
        }
    }
    if args.hits {
        let mut failed = 0;
        write_output(args.output.as_deref(), |out| {
            on_terminal(out, args.output.is_none(), |out| {
                failed = print_hits(&scanner, &inputs, config_mmap(args.mmap), out)?;
                Ok(())
            })
        })?;
        return Ok(outcome(failed + walk_failed));
    }
    if let Some(every) = &args.every {
        let every = parse_every(every)?;
        let format = args.format.unwrap_or(Format::Ndjson);
        let windows = scan_windows(&scanner, &inputs, &group_by, every, format, args.top)?;
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
    report.summary.stamp(started);
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
    let info = run_info();
    if grouped.rows_cut > 0 && format == Format::Csv {
        eprintln!(
            "errscan: --top {}: {} more rows not shown",
            args.top.unwrap_or(0),
            grouped.rows_cut
        );
    }
    write_output(args.output.as_deref(), |out| {
        on_terminal(out, args.output.is_none(), |out| {
            write_grouped(
                out,
                &grouped,
                format,
                &info,
                baseline.as_ref(),
                Vec::new(),
                args.top,
            )
        })
    })?;
    Ok(outcome(report.summary.errors.len()))
}

/// Ends the run with a usage error (exit status 2), as clap reports its own.
fn usage_error(message: &str) -> ! {
    let mut command = Cli::command();
    let scan = command.find_subcommand_mut("scan").cloned();
    let mut command = scan.unwrap_or(command).bin_name("errscan scan");
    command
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
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

/// `text` with every character that could disguise a message on a terminal (controls, bidi
/// controls, line separators) written as a `\uXXXX` escape.
pub fn printable(text: &str) -> String {
    output::terminal::escape(text, |_| false)
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

fn run_info() -> RunInfo {
    RunInfo {
        finished_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
        width: console::Term::stdout()
            .size_checked()
            .map_or(80, |(_, w)| usize::from(w)),
    }
}

/// Runs `write` on `out`, through [`output::terminal::TerminalSafe`] when `to_stdout` and
/// standard output is a terminal: whatever the format, text from logs or file names (an ESC
/// in a CSV cell, a bidi control) is shown escaped rather than acted on.
fn on_terminal(
    out: &mut dyn Write,
    to_stdout: bool,
    write: impl FnOnce(&mut dyn Write) -> errscan::Result<()>,
) -> errscan::Result<()> {
    if !(to_stdout && std::io::stdout().is_terminal()) {
        return write(out);
    }
    let mut safe = output::terminal::TerminalSafe::new(out);
    write(&mut safe)?;
    safe.flush().map_err(stdout_error)
}

/// Writes to standard output, or to `path` as [`OutputFile`] does: a regular file (or the
/// target of a link) is replaced atomically, so that a collector or dashboard never reads half
/// a report and a failed run leaves the old file whole; a FIFO or a device is written into.
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
    let mut out = OutputFile::create(path)?;
    write(&mut out).map_err(|e| match e {
        errscan::Error::Output { cause, .. } => errscan::Error::Output {
            path: out.shown().to_string(),
            cause,
        },
        other => other,
    })?;
    out.commit()?;
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
            Input::Stdin(_) => input::stdin_file_size()?,
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
    top: Option<usize>,
) -> anyhow::Result<Outcome> {
    let [input] = inputs else {
        anyhow::bail!("--every reads one stream (standard input, a pipe or a growing file)");
    };
    let reader: Box<dyn std::io::Read + Send> = match input::open(input, MmapPolicy::Never)? {
        Opened::Stream(r) => r,
        Opened::Bytes(b) => Box::new(std::io::Cursor::new(b.to_vec())),
    };
    let cat = scanner.catalog();
    let stdout = std::io::stdout();
    let mut out: Box<dyn Write> = if stdout.is_terminal() {
        Box::new(output::terminal::TerminalSafe::new(stdout.lock()))
    } else {
        Box::new(stdout.lock())
    };
    let mut header_done = false;
    let name = input.name();
    let (stop, signalled) = stop_on_signals()?;
    let result =
        scanner.scan_windows_until(reader, &name, every, &stop, &mut |report, window_end| {
            let mut grouped = Grouped::from_report(cat, report, group_by);
            if let Some(n) = top {
                grouped.top(n);
            }
            let end = window_stamp(window_end);
            output::write_window(&mut out, &grouped, &end, format, !header_done)?;
            header_done = true;
            out.flush().map_err(stdout_error)
        });
    let signal = signalled.load(Ordering::SeqCst);
    match result {
        Ok(_) if signal != 0 => Ok(Outcome::Signalled(signal)),
        Ok(None) => Ok(Outcome::Clean),
        Ok(Some(e)) => {
            warn(&e);
            Ok(Outcome::InputErrors)
        }
        Err(e) => Err(e.into()),
    }
}

/// Catches SIGINT, SIGTERM and SIGHUP for a live scan: the first one sends on the returned
/// channel (so that the open window is written) and is recorded in the returned number; a
/// second one ends the process as the signal would have.
#[cfg(unix)]
fn stop_on_signals() -> anyhow::Result<(crossbeam_channel::Receiver<()>, Arc<AtomicI32>)> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot catch signals")?;
    let (tx, rx) = crossbeam_channel::bounded(1);
    let signalled = Arc::new(AtomicI32::new(0));
    let seen = Arc::clone(&signalled);
    std::thread::spawn(move || {
        let mut pending = signals.forever();
        if let Some(signal) = pending.next() {
            seen.store(signal, Ordering::SeqCst);
            let _ = tx.send(());
        }
        for signal in pending {
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    });
    Ok((rx, signalled))
}

#[cfg(not(unix))]
fn stop_on_signals() -> anyhow::Result<(crossbeam_channel::Receiver<()>, Arc<AtomicI32>)> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    // The sender lives as long as the process: the channel never stops the scan.
    std::mem::forget(tx);
    Ok((rx, Arc::new(AtomicI32::new(0))))
}

/// RFC 3339 UTC text of a window's end, to the nanosecond (always nine digits, so that the
/// stamps of one run sort as text).
fn window_stamp(end: SystemTime) -> String {
    jiff::Timestamp::try_from(end).map_or_else(|_| String::new(), |t| format!("{t:.9}"))
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
) -> errscan::Result<usize> {
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
            Err(e @ errscan::Error::Output { .. }) => return Err(e),
            Err(e) => {
                warn(&e);
                failed += 1;
            }
        }
    }
    Ok(failed)
}
