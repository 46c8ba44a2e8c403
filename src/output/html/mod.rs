//! The HTML report: one self-contained page (inline CSS, charts drawn here as SVG, no script,
//! no font, nothing fetched from the network), for nightly reports read in a browser, a mail
//! client's previewer or printed to PDF.
//!
//! [`model`] computes every number the page shows from the grouped report (so the page's
//! numbers are the JSON report's); [`render`] turns them into markup with maud, which escapes
//! every value taken from logs or reports (codes, file names, descriptions, errors).
//!
//! The page needs a time key for its chart and trends and the file key for its per-file
//! table: a scan written as HTML is grouped by `vendor,code,file,hour` unless `-g` says
//! otherwise, and what a report cannot show for lack of a key is said in the page
//! ([`limitations`]).

pub mod model;
mod render;
mod svg;

use std::io::Write;

pub use model::{limitations, page, HtmlOptions, Page, CHANGE_FACTOR, CHANGE_MIN_HITS};

use super::stdout_error;
use crate::error::Result;
use crate::report::grouping::{GroupKey, Grouped};
use crate::report::timestamp::Granularity;

/// The keys a scan is grouped by when written as HTML and `-g` is not given: the chart needs
/// the hour, the per-file table the file.
pub const HTML_GROUP_BY: [GroupKey; 4] = [
    GroupKey::Vendor,
    GroupKey::Code,
    GroupKey::File,
    GroupKey::Time(Granularity::Hour),
];

/// Writes the report as one HTML page.
///
/// # Errors
/// When the writer fails.
pub fn write(out: &mut dyn Write, report: &Grouped, opts: &HtmlOptions<'_>) -> Result<()> {
    let page = model::page(report, opts);
    let html = render::render(&page);
    out.write_all(html.as_bytes()).map_err(stdout_error)
}
