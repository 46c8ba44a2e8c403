//! The command line: clap types ([`args`]), running each subcommand ([`run`]) and the
//! progress bar ([`progress`]). No scanning logic lives here: a scan hands its inputs and a
//! sink (counts, hits or windows) to the library's scan driver.

mod args;
mod explain;
mod progress;
mod run;
mod watch;

pub use args::parse;
pub use run::run;

use args::{PatternArgs, ThreadArgs};
use run::load_catalog;

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

/// Prints a message on stderr, with control characters from paths or logs escaped so that
/// they cannot move the cursor or recolour the terminal.
pub fn warn(message: &dyn std::fmt::Display) {
    eprintln!("errscan: {}", printable(&message.to_string()));
}

/// `text` with every character that could disguise a message on a terminal (controls, bidi
/// controls, line separators) written as a `\uXXXX` escape.
pub fn printable(text: &str) -> String {
    errscan::output::terminal::escape(text, |_| false)
}
