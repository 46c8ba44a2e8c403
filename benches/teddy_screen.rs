//! Times aho-corasick's packed searcher (Teddy) alone over a file, for a set of literals given
//! in the order they go to the searcher: how much of the anchor pass is the screen, and what a
//! search plan's windows save.
//!
//! ```text
//! cargo run --release --example teddy_screen -- [--slim] FILE LITERAL...
//! # the 22 shipped anchors searched whole, then by the windows of src/anchors.rs's plan:
//! cargo run --release --example teddy_screen -- target/bench/mixed-100MB.log '"code"' '\"code\"' ...
//! cargo run --release --example teddy_screen -- target/bench/mixed-100MB.log ms.Exist 'ror=' .Failure ...
//! ```
//!
//! The search resumes after each match, as a count of non-overlapping matches does; the time
//! printed is the fastest of five passes over the file held in memory.

use std::time::Instant;

use aho_corasick::{packed, Span};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    // `--slim` keeps the 8-bucket searcher past 32 literals, as errscan's anchor search does.
    let slim = args.next_if(|a| a == "--slim").is_some();
    let (Some(path), literals) = (args.next(), args.collect::<Vec<String>>()) else {
        eprintln!("usage: teddy_screen [--slim] FILE LITERAL...");
        std::process::exit(2);
    };
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let Some(searcher) = packed::Config::new()
        .match_kind(packed::MatchKind::LeftmostLongest)
        .only_teddy_fat(slim.then_some(false))
        .builder()
        .extend(&literals)
        .build()
    else {
        eprintln!("the packed searcher is not available for these literals on this CPU");
        std::process::exit(2);
    };
    let mut best = f64::MAX;
    let mut matches = 0;
    for _ in 0..5 {
        let started = Instant::now();
        matches = 0;
        let mut at = 0;
        while let Some(m) = searcher.find_in(&data, Span::from(at..data.len())) {
            matches += 1;
            at = m.end();
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{matches} matches, {:.1} ms, {:.2} GB/s",
        best * 1e3,
        data.len() as f64 / best / 1e9
    );
}
