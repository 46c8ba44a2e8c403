//! The command line: clap derive types and the `run` function that turns them into library
//! calls. No scanning logic lives here.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use errscan::output::catalog_list::{self, CatalogFormat};
use errscan::output::{self, Format};
use errscan::scan::HitRecord;
use errscan::source::{self, Opened};
use errscan::{Catalog, Input, Matcher, MmapPolicy, ScanConfig, Scanner};

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
    ///   errscan scan -f json a.log b.log          one JSON report over both files
    ///   tail -F app.log | errscan scan --hits     print each hit as it is read (NDJSON)
    ///
    /// Exit status: 0 when every input was read (with or without hits), 2 when an input could
    /// not be read (it is named on stderr and in summary.errors; the others are still scanned)
    /// or on a usage or pattern-file error.
    #[command(verbatim_doc_comment)]
    Scan(ScanArgs),
    /// List the catalog: every known code with its description and category.
    ///
    /// Examples:
    ///   errscan catalog                           all codes as a table
    ///   errscan catalog --vendor okta -f json     Okta's codes as a JSON array
    ///   errscan catalog --patterns ./patterns     check and list a pattern directory
    #[command(verbatim_doc_comment)]
    Catalog(CatalogArgs),
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files to scan; `-` or nothing reads standard input. A file that grows while it is
    /// scanned is scanned up to the size it had when it was opened.
    pub paths: Vec<PathBuf>,

    /// Output format. By default: `table` when standard output is a terminal, `csv` otherwise.
    /// Example: `-f json`.
    #[arg(short = 'f', long, value_enum)]
    pub format: Option<Format>,

    /// Print one JSON object per hit (file, line, offset, vendor, code, name, category,
    /// http_status, description, match) in input order instead of counts. On a pipe each hit
    /// is written as soon as its line is read. Example: `tail -F app.log | errscan scan --hits`.
    #[arg(long)]
    pub hits: bool,

    /// Only report these vendors (comma-separated ids: okta, wso2, akamai, stormpath, idaas,
    /// oauth). Example: `--vendor okta,oauth`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    /// Worker threads. By default, one per core. Example: `-j 2`.
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub threads: usize,

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
pub struct CatalogArgs {
    /// Only list these vendors (comma-separated ids). Example: `--vendor wso2,akamai`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    /// Output format. Example: `-f csv`.
    #[arg(short = 'f', long, value_enum, default_value_t = CatalogFormat::Table)]
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
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Catalog(args) => catalog(args),
    }
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
    let cat = load_catalog(args.patterns.as_ref())?;
    let vendors = args.vendor.map(|l| cat.parse_vendor_list(&l)).transpose()?;
    let config = ScanConfig {
        threads: args.threads,
        chunk_size: args.chunk_size.max(1),
        mmap: config_mmap(args.mmap),
        ..ScanConfig::default()
    };
    let scanner = Scanner::new(Matcher::new(&cat, vendors)?, config)?;
    let inputs: Vec<Input> = if args.paths.is_empty() {
        vec![Input::Stdin]
    } else {
        args.paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p.clone())
                }
            })
            .collect()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let errors = if args.hits {
        print_hits(&scanner, &inputs, config_mmap(args.mmap), &mut out)?
    } else {
        let report = scanner.scan_inputs(&inputs);
        for e in &report.summary.errors {
            eprintln!("errscan: {e}");
        }
        let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        });
        output::write_report(&mut out, &cat, &report, format)?;
        report.summary.errors.len()
    };
    out.flush().map_err(|e| errscan::Error::Output {
        path: "<stdout>".into(),
        source: e,
    })?;
    Ok(if errors == 0 {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    })
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
        let result = match source::open(input, mmap) {
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
                        source: e,
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
                eprintln!("errscan: {e}");
                failed += 1;
            }
            Err(e) if e.is_broken_pipe() => return Err(e.into()),
            Err(e @ errscan::Error::Output { .. }) => return Err(e.into()),
            Err(e) => {
                eprintln!("errscan: {e}");
                failed += 1;
            }
        }
    }
    Ok(failed)
}
