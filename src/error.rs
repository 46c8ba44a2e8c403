//! The library's error type. Every error names the file (and, where it can, the line) it is
//! about, so that a message printed to a user points at the problem without a backtrace.

use std::path::PathBuf;

/// Everything that can go wrong while loading a catalog or scanning an input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A pattern file could not be parsed or failed validation.
    #[error("{file}:{line}: {message}")]
    Pattern {
        /// The pattern file, as given or as embedded (`<embedded>/okta.toml`).
        file: String,
        /// 1-based line of the offending item, 0 when the problem concerns the whole file.
        line: usize,
        /// What is wrong, lowercase, without a trailing period.
        message: String,
    },
    /// A pattern directory could not be read.
    #[error("{path}: {cause}")]
    PatternDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// An input could not be opened or read.
    #[error("{path}: {cause}")]
    Input {
        /// The input path (`<stdin>` for standard input).
        path: String,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// An input was only partly readable (for example a file truncated while it was read); the
    /// bytes before `offset` were scanned and counted.
    #[error("{path}: {message} at byte offset {offset}")]
    Partial {
        /// The input path.
        path: String,
        /// How many bytes were read before the problem.
        offset: u64,
        /// What went wrong.
        message: String,
    },
    /// An output could not be written.
    #[error("{path}: {cause}")]
    Output {
        /// Where the output was going (`<stdout>` for standard output).
        path: String,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// The matcher or the scanner's threads could not be built (an automaton too large, a
    /// thread pool the system refused).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A request the library cannot carry out: an unknown grouping key or vendor, reports
    /// that cannot be merged, a format that cannot hold what is asked of it.
    #[error("{0}")]
    Invalid(String),
    /// A `--glob` pattern could not be parsed.
    #[error("invalid glob {pattern:?}: {message}")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
}

/// What could not be built before a scan, with the library error that refused it as its
/// source.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The automaton searching for every rule's anchors (too many or too long anchors).
    #[error("cannot build the anchor automaton")]
    Anchors(#[source] aho_corasick::BuildError),
    /// The regex of a rule's attribution condition.
    #[error("{rule}: cannot build the attribution")]
    Attribution {
        /// The rule, as its pattern file names it.
        rule: String,
        /// Why the regex engine refused it.
        #[source]
        source: Box<regex_automata::meta::BuildError>,
    },
    /// The scanner's thread pool.
    #[error("cannot start {threads} threads")]
    Threads {
        /// How many threads were asked for (0: one per core).
        threads: usize,
        /// Why the system refused them.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

impl Error {
    /// A pattern-file error at a line.
    pub(crate) fn pattern(file: &str, line: usize, message: impl Into<String>) -> Error {
        Error::Pattern {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// True when the error is a closed pipe on output, which is how `| head` ends a run and
    /// not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Output { cause, .. } => cause.kind() == std::io::ErrorKind::BrokenPipe,
            _ => false,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A build error says what could not be built; the library error that refused it is its
    /// source, so that a chain printed with `{:#}` reads as the message did before.
    #[test]
    fn build_errors_name_the_problem_and_keep_their_cause() {
        // The second global pool is always refused: a real rayon error, whatever ran before.
        let _ = rayon::ThreadPoolBuilder::new().build_global();
        let source = rayon::ThreadPoolBuilder::new().build_global().unwrap_err();
        let cause = source.to_string();
        let e = Error::from(BuildError::Threads { threads: 3, source });
        assert_eq!(e.to_string(), "cannot start 3 threads");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some(cause.as_str()));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(e)),
            format!("cannot start 3 threads: {cause}")
        );
    }
}
