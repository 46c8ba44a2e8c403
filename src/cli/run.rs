//! Running each subcommand: the parsed flags become library configuration, inputs and a
//! sink go to the scan driver, and the result goes to an output.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::CommandFactory;

use errscan::input::walk::{self, GlobFilter, WalkOptions};
use errscan::output::catalog_list;
use errscan::output::file::OutputFile;
use errscan::output::{self, html, Format, RunInfo};
use errscan::report::grouping::{parse_group_by, DEFAULT_GROUP_BY};
use errscan::report::window::{parse_bound, Window};
use errscan::report::HitRecord;
use errscan::scan::{HitOutput, HitSink, Ticks, WindowSink};
use errscan::{Catalog, Input, Matcher, ScanConfig, Scanner};
use errscan::{GroupKey, Grouped};

use super::args::{CatalogArgs, Cli, Command, MergeArgs, PatternArgs, ScanArgs};
use super::progress::progress_bar;
use super::{explain, warn, watch, Outcome};

pub(super) fn load_catalog(args: &PatternArgs) -> anyhow::Result<Catalog> {
    if args.patterns.is_empty() && !args.no_builtin {
        return Ok(Catalog::embedded()?);
    }
    let dirs: Vec<&Path> = args.patterns.iter().map(PathBuf::as_path).collect();
    Ok(Catalog::with_dirs(!args.no_builtin, &dirs)?)
}

/// Runs the parsed command line.
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
    let Some(merged) = merged else {
        anyhow::bail!("no report to merge");
    };
    let format = args
        .format
        .unwrap_or(default_format(args.output.as_deref()));
    let baseline = read_baseline(args.baseline.as_deref(), format)?;
    let shape = Shape {
        format,
        top: args.top,
        baseline: baseline.as_ref(),
        sources,
    };
    emit(merged, shape, args.output.as_deref())?;
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

/// The format of a report when `-f` is not given: a table for a person at a terminal, CSV
/// for a file or a pipe.
fn default_format(output: Option<&Path>) -> Format {
    if output.is_none() && std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Csv
    }
}

/// How a grouped report is written: its format, `--top`, and what only the HTML page uses.
struct Shape<'a> {
    format: Format,
    top: Option<usize>,
    baseline: Option<&'a Grouped>,
    sources: Vec<(String, errscan::Summary)>,
}

/// Writes the report of `scan` or `merge` to `-o` or standard output: the HTML page keeps
/// every row (it cuts its own tables and says what it left out); other formats keep `--top`.
fn emit(mut grouped: Grouped, shape: Shape<'_>, output: Option<&Path>) -> anyhow::Result<()> {
    if shape.format == Format::Html {
        for note in html::limitations(&grouped) {
            warn(&format!("html: {note}"));
        }
    } else if let Some(n) = shape.top {
        grouped.top(n);
    }
    let info = run_info();
    if grouped.rows_cut > 0 && shape.format == Format::Csv {
        eprintln!(
            "errscan: --top {}: {} more rows not shown",
            shape.top.unwrap_or(0),
            grouped.rows_cut
        );
    }
    write_output(output, |out| {
        on_terminal(out, output.is_none(), |out| {
            write_grouped(out, &grouped, &info, shape)
        })
    })
}

/// Writes a grouped report; the HTML page also gets the baseline, the merged reports and
/// `--top` (its codes table's length: the page's totals always cover every row).
fn write_grouped(
    out: &mut dyn Write,
    report: &Grouped,
    info: &RunInfo,
    shape: Shape<'_>,
) -> errscan::Result<()> {
    if shape.format != Format::Html {
        return output::write_report(out, report, shape.format, info);
    }
    let opts = html::HtmlOptions {
        baseline: shape.baseline,
        sources: shape.sources,
        top: shape.top.unwrap_or(0),
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
    // A live scan catches its signals before the catalog is built, so that a signal sent
    // while it starts still ends it with its (empty) window written, not killed.
    let signals = match args.every {
        Some(_) => Some(stop_on_signals()?),
        None => None,
    };
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
        threads: args.threads.count(),
        chunk_size: args.chunk_size.max(1),
        mmap: args.mmap.into(),
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
                failed = print_hits(&scanner, &inputs, out)?;
                Ok(())
            })
        })?;
        return Ok(outcome(failed + walk_failed));
    }
    if let Some(every) = &args.every {
        let every = parse_every(every)?;
        let format = args.format.unwrap_or(Format::Ndjson);
        let signals = signals.expect("signals are caught whenever --every is given");
        let windows = scan_windows(
            &scanner, &inputs, &group_by, every, format, args.top, signals,
        )?;
        return Ok(if walk_failed > 0 {
            Outcome::InputErrors
        } else {
            windows
        });
    }
    let format = args
        .format
        .unwrap_or(default_format(args.output.as_deref()));
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
    let grouped = Grouped::from_report(&cat, &report, &group_by);
    let shape = Shape {
        format,
        top: args.top,
        baseline: baseline.as_ref(),
        sources: Vec::new(),
    };
    emit(grouped, shape, args.output.as_deref())?;
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
    (stop, signalled): (crossbeam_channel::Receiver<()>, Arc<AtomicI32>),
) -> anyhow::Result<Outcome> {
    if inputs.len() != 1 {
        anyhow::bail!("--every reads one stream (standard input, a pipe or a growing file)");
    }
    let cat = scanner.catalog();
    let stdout = std::io::stdout();
    let mut out: Box<dyn Write> = if stdout.is_terminal() {
        Box::new(output::terminal::TerminalSafe::new(stdout.lock()))
    } else {
        Box::new(stdout.lock())
    };
    let mut header_done = false;
    let on_window = |report: &errscan::Report, window_end: SystemTime| {
        let mut grouped = Grouped::from_report(cat, report, group_by);
        if let Some(n) = top {
            grouped.top(n);
        }
        let end = window_stamp(window_end);
        output::write_window(&mut out, &grouped, &end, format, !header_done)?;
        header_done = true;
        out.flush().map_err(stdout_error)
    };
    let mut sink = WindowSink::new(scanner, Ticks { every, stop }, on_window);
    let result = scanner.run(inputs, &mut sink);
    let signal = signalled.load(Ordering::SeqCst);
    match result {
        Ok(()) if signal != 0 => Ok(Outcome::Signalled(signal)),
        Ok(()) => match sink.into_error() {
            None => Ok(Outcome::Clean),
            Some(e) => {
                warn(&e);
                Ok(Outcome::InputErrors)
            }
        },
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

/// Writes each hit as an NDJSON line, and names on stderr each input that failed.
struct HitLines<'a> {
    out: &'a mut dyn Write,
    cat: &'a Catalog,
}

impl HitOutput for HitLines<'_> {
    fn hit(&mut self, input: &str, hit: HitRecord) -> errscan::Result<()> {
        output::write_hit(self.out, self.cat, input, &hit)
    }

    /// Live: hits are flushed as soon as the lines they are on have been read.
    fn flush(&mut self) -> errscan::Result<()> {
        self.out.flush().map_err(stdout_error)
    }

    fn failed(&mut self, _input: &str, error: errscan::Error) {
        warn(&error);
    }
}

/// Prints every hit of every input, in input order; returns how many inputs failed.
fn print_hits(
    scanner: &Scanner<'_>,
    inputs: &[Input],
    out: &mut dyn Write,
) -> errscan::Result<usize> {
    let cat = scanner.catalog();
    let mut sink = HitSink::new(scanner, HitLines { out, cat });
    scanner.run(inputs, &mut sink)?;
    Ok(sink.failed())
}
