//! The `errscan` binary: parse the command line, run, map the outcome to an exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(cli::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(cli::Outcome::InputErrors) => ExitCode::from(2),
        Err(e) => {
            // A closed pipe (`errscan scan --hits | head -1`) is how a reader says "enough".
            if e.downcast_ref::<errscan::Error>()
                .is_some_and(errscan::Error::is_broken_pipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("errscan: {}", cli::printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
