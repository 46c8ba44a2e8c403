//! The integration tests, as one test binary (one link, one place for shared helpers).
//!
//! | module         | what it checks                                                           |
//! |----------------|--------------------------------------------------------------------------|
//! | `accuracy`     | precision and recall on `tests/corpus/labelled.tsv`; no hit on Loghub    |
//! | `catalog_docs` | the catalog against the vendors' documents in `tests/data/vendor-docs/`  |
//! | `cli`          | the binary on `sample-logs/`: counts, formats (insta snapshots), merging |
//! | `inputs`       | finding and opening inputs: directories, archives, FIFOs, stdin, damage  |
//! | `label`        | `scan --label`: standard input reported under a file's name              |
//! | `memory`       | peak RSS within 256 MiB on NUL streams, gzip bombs, a 300 MB line      |
//! | `output_files` | `-o` through links, FIFOs, devices; modes; unwritable directories      |
//! | `oracle`       | a plain line-by-line matcher built from `patterns/*.toml` with `regex`   |
//! | `agreement`    | the fast matcher against the oracle on real and generated lines         |
//! | `golden`       | every row of the golden files against the oracle and the pattern files   |
//! | `explain`      | `errscan explain` shows exactly the hits `scan` counts, and why not      |
//! | `patterns`     | pattern directories added to, or replacing, the built-in catalog         |
//! | `properties`   | counts independent of threads, chunks and sources; merging               |
//! | `real_corpus`  | precision and recall per vendor on real lines, `tests/real-corpus/`     |
//! | `reliability`  | hostile input, huge lines, floods of unknown codes, killed runs          |
//!
//! Beside them, one module per area the defect fixes, the HTML report, time windows, the
//! unknown-code cap and `watch` added (`code_length`, `every_signals`, `file_names`,
//! `flag_combinations`, `html_report`, `input_edges`, `merge_checks`, `scan_time`,
//! `terminal_output`, `time_ranges`, `time_window`, `unknown_cap`, `watch`).
//!
//! `common` holds the helpers they share.

mod accuracy;
mod agreement;
mod catalog_docs;
mod cli;
mod code_length;
mod common;
mod every_signals;
mod explain;
mod file_names;
mod flag_combinations;
mod golden;
mod html_report;
mod input_edges;
mod inputs;
mod label;
mod memory;
mod merge_checks;
mod oracle;
mod output_files;
mod patterns;
mod properties;
mod real_corpus;
mod reliability;
mod scan_time;
mod terminal_output;
mod time_ranges;
mod time_window;
mod unknown_cap;
mod watch;
