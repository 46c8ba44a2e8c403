//! The integration tests, as one test binary (one link, one place for shared helpers).
//!
//! | module         | what it checks                                                           |
//! |----------------|--------------------------------------------------------------------------|
//! | `accuracy`     | precision and recall on `tests/corpus/labelled.tsv`; no hit on Loghub    |
//! | `catalog_docs` | the catalog against the vendors' documents in `tests/data/vendor-docs/`  |
//! | `cli`          | the binary on `sample-logs/`: counts, formats (insta snapshots), merging |
//! | `inputs`       | finding and opening inputs: directories, archives, FIFOs, stdin, damage  |
//! | `properties`   | counts independent of threads, chunks and sources; merging               |
//! | `reliability`  | hostile input, huge lines, floods of unknown codes, killed runs          |
//!
//! `common` holds the helpers they share.

mod accuracy;
mod catalog_docs;
mod cli;
mod common;
mod inputs;
mod properties;
mod reliability;
