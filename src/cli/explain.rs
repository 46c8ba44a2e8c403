//! `errscan explain`: why each line counted or not.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use errscan::matcher::Scratch;
use errscan::output::explain;
use errscan::scan::lines::each_line;
use errscan::{Error, Input, Matcher};

use super::{load_catalog, warn, Outcome, PatternArgs};

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Files to explain, line by line (compressed ones too). By default, standard input.
    /// Example: `errscan explain app.log`.
    pub paths: Vec<PathBuf>,

    /// `text` (the line, then a row per rule: `hit` with what it found, `no` with why not) or
    /// `json` (one object per line: file, line, text, hits, rejected). By default, `text`.
    /// Example: `-f json`.
    #[arg(short = 'f', long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,

    /// Also print lines that hold no anchor (nothing was tried on them). By default only lines
    /// on which a rule was tried are printed. Example: `--all`.
    #[arg(long)]
    pub all: bool,

    /// Only report hits of these vendors (comma-separated ids); rules of the others are still
    /// tried, as in `scan`. Example: `--vendor okta`.
    #[arg(long, value_name = "LIST")]
    pub vendor: Option<String>,

    #[command(flatten)]
    pub patterns: PatternArgs,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<Outcome> {
    let cat = load_catalog(&args.patterns)?;
    let vendors = args
        .vendor
        .as_deref()
        .map(|l| cat.parse_vendor_list(l))
        .transpose()?;
    let matcher = Matcher::new(&cat, vendors)?;
    let mut scratch = Scratch::default();
    let inputs: Vec<Input> = if args.paths.is_empty() {
        vec![Input::Stdin(None)]
    } else {
        args.paths
            .iter()
            .map(|p| match p.to_str() {
                Some("-") => Input::Stdin(None),
                _ => Input::Path(p.clone()),
            })
            .collect()
    };
    let json = args.format == "json";
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut errors = 0;
    for input in &inputs {
        let name = input.name();
        let walked = each_line(input, |number, text| {
            let e = matcher.explain(text, &mut scratch);
            if !args.all && e.hits.is_empty() && e.rejected.is_empty() {
                return Ok(());
            }
            if json {
                explain::write_json(&mut out, &cat, &name, number, text, &e)?;
            } else {
                explain::write_text(&mut out, &cat, &name, number, text, &e)?;
            }
            if terminal {
                out.flush().map_err(|cause| Error::Output {
                    path: "<stdout>".into(),
                    cause,
                })?;
            }
            Ok(())
        });
        match walked {
            Ok(()) => {}
            // An input that cannot be read is reported and the others are still explained.
            Err(e @ (Error::Input { .. } | Error::Partial { .. })) => {
                warn(&e);
                errors += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    out.flush().context("<stdout>")?;
    Ok(if errors > 0 {
        Outcome::InputErrors
    } else {
        Outcome::Clean
    })
}
