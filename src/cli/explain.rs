//! `errscan explain`: why each line counted or not.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use errscan::input::{self, Opened};
use errscan::matcher::Scratch;
use errscan::output::explain;
use errscan::{Input, Matcher, MmapPolicy};

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
        let reader: Box<dyn Read> = match input::open(input, MmapPolicy::Never) {
            Ok(Opened::Bytes(content)) => Box::new(std::io::Cursor::new(content.to_vec())),
            Ok(Opened::Stream(r)) => r,
            Err(e) => {
                warn(&e);
                errors += 1;
                continue;
            }
        };
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    warn(&format!("{name}: {e}"));
                    errors += 1;
                    break;
                }
            }
            number += 1;
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let e = matcher.explain(text, &mut scratch);
            if !args.all && e.hits.is_empty() && e.rejected.is_empty() {
                continue;
            }
            if json {
                explain::write_json(&mut out, &cat, &name, number, text, &e)?;
            } else {
                explain::write_text(&mut out, &cat, &name, number, text, &e)?;
            }
            if terminal {
                out.flush().context("<stdout>")?;
            }
        }
    }
    out.flush().context("<stdout>")?;
    Ok(if errors > 0 {
        Outcome::InputErrors
    } else {
        Outcome::Clean
    })
}
