//! `errscan watch`: the command-line side of the live exporter (flags, signals, messages).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use errscan::input::walk::GlobFilter;
use errscan::watch::http::MetricsServer;
use errscan::watch::{Watch, WatchConfig};
use errscan::{Matcher, ScanConfig, Scanner};

use super::{load_catalog, warn, Outcome, PatternArgs, ThreadArgs};

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Files and directories to follow. A file named here is followed whenever it exists
    /// (created later, or again after a rotation); a directory is followed recursively, and
    /// files that appear in it later (matching --glob) are read from their start.
    /// Example: `errscan watch --listen 127.0.0.1:9464 /var/log/idp/app.log`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Address to serve /metrics on, and only on it (port 0: a free port, printed on
    /// stderr). Example: `--listen 127.0.0.1:9464`; `--listen 0.0.0.0:9464` for every
    /// interface.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: SocketAddr,

    /// Save offsets, file fingerprints and counters to FILE every few seconds and on
    /// SIGTERM/SIGINT, atomically, so that a restart loses no line written while errscan was
    /// down, counts none twice and continues the counters. A broken state file, or one
    /// written for other paths, is named on stderr and replaced: a fresh start.
    /// Example: `--state /var/lib/errscan/watch.json`.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Only follow the files found in directories that match this glob (repeatable; a file
    /// is kept when it matches any). Matched against the file name, or against the path below
    /// the directory when the pattern contains `/`; a leading `!` excludes. Compressed files
    /// are never followed. Example: `--glob '*.log' --glob '!debug*'`.
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,

    /// Read the files present at the first start from their start. By default they are read
    /// from their end (after their last complete line) and only what is written later is
    /// counted; files that appear later are always read from their start, and a restart with
    /// --state continues where the last run stopped. Example: `--from-start`.
    #[arg(long)]
    pub from_start: bool,

    /// Also follow hidden files and directories (names starting with `.`) found in
    /// directories. Example: `errscan watch --hidden --listen 127.0.0.1:9464 /var/log/app`.
    #[arg(long)]
    pub hidden: bool,

    /// Poll for changes instead of using inotify (for network file systems, where inotify
    /// sees no remote writes): followed files are checked every second, directories for new
    /// files every 2 s. By default inotify is used, and polling only when inotify is not
    /// available. Example: `--poll`.
    #[arg(long)]
    pub poll: bool,

    /// Only count these vendors (comma-separated ids, as `errscan catalog` lists them).
    /// Example: `--vendor okta,oauth`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    #[command(flatten)]
    pub patterns: PatternArgs,

    #[command(flatten)]
    pub threads: ThreadArgs,

    /// Distinct unknown codes counted before the rest are counted in one `(other)` code per
    /// vendor, as in `scan`, so that text injected into logs cannot blow up the number of
    /// series. Example: `--unknown-cap 100`.
    #[arg(long, value_name = "N", default_value_t = errscan::report::counts::DEFAULT_UNKNOWN_CAP)]
    pub unknown_cap: usize,
}

/// Runs `errscan watch` until SIGTERM or SIGINT.
pub fn watch(args: WatchArgs) -> anyhow::Result<Outcome> {
    let cat = load_catalog(&args.patterns)?;
    let vendors = args.vendor.map(|l| cat.parse_vendor_list(&l)).transpose()?;
    let config = ScanConfig {
        threads: args.threads.count(),
        // Appended blocks are scanned in parallel pieces of this size.
        chunk_size: 4 << 20,
        unknown_cap: args.unknown_cap,
        ..ScanConfig::default()
    };
    let scanner = Scanner::new(Matcher::new(&cat, vendors.clone())?, config)?;
    // Bound before anything is read: a port in use ends the run at once (exit status 2).
    let server = MetricsServer::bind(args.listen)?;
    let config = WatchConfig {
        paths: args.paths,
        filter: GlobFilter::new(&args.globs)?,
        hidden: args.hidden,
        from_start: args.from_start,
        state: args.state,
        poll: args.poll,
        unknown_cap: args.unknown_cap,
        vendors,
        sweep_every: Duration::from_secs(1),
        ..WatchConfig::default()
    };
    let mut watch = Watch::new(&scanner, config, Box::new(|m: &str| warn(&m)));
    let stopper = watch.stopper();
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            stopper.stop();
        }
    });
    eprintln!(
        "errscan: serving http://{}/metrics; following {} files{}",
        server.addr(),
        watch.files_followed(),
        if watch.polling() { " (polling)" } else { "" }
    );
    let result = watch.run(&server);
    handle.close();
    result?;
    Ok(Outcome::Clean)
}
