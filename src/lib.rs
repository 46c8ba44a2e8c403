//! errscan finds the error codes of identity vendors (Okta, WSO2 Identity Server, Akamai
//! Identity Cloud, Stormpath, Alibaba Cloud IDaaS) and OAuth 2.0 / OIDC errors in logs,
//! annotates each hit with the vendor's documented description and a category, and counts them.
//!
//! Data flows one way: a [`Catalog`] (vendors, codes, detection rules) is compiled into a
//! [`Matcher`]; a [`Scanner`] runs it over [`Input`]s in parallel and aggregates [`Counts`];
//! [`output`] formats the [`Report`].
//!
//! ```
//! use errscan::{Catalog, Matcher, ScanConfig, Scanner};
//!
//! let catalog = Catalog::embedded().unwrap();
//! let scanner = Scanner::new(Matcher::new(&catalog, None).unwrap(), ScanConfig::default()).unwrap();
//! let log = b"2026-11-21T03:14:07Z WARN okta call failed: HTTP 401, Okta E0000011 (Invalid token provided), ErrorId oae1\n\
//!             2026-11-21T03:14:08Z INFO listening on port 17002\n";
//! let (counts, extent) = scanner.scan_bytes(log);
//! assert_eq!(counts.total(), 1);
//! assert_eq!(extent.newlines, 2);
//! let rows = counts.rows(&catalog); // (code, time bucket, count), largest first
//! let okta = catalog.vendor_id("okta").unwrap();
//! let e0000011 = catalog.lookup_code(okta, "E0000011").unwrap();
//! assert_eq!(rows, [(errscan::CodeRef::Known(e0000011), None, 1)]);
//! ```

pub(crate) mod anchors;
pub mod catalog;
pub mod chunk;
pub mod counts;
pub mod error;
pub(crate) mod gates;
pub mod grouping;
pub mod line_buffer;
pub mod output;
pub mod rules;
pub mod scan;
pub mod source;
pub mod timestamp;
pub mod walk;

pub use catalog::{Catalog, Category, Entry, EntryId, Vendor, VendorId};
pub use counts::{Counts, Summary};
pub use error::{Error, Result};
pub use grouping::{GroupKey, Grouped};
pub use rules::{CodeRef, Hit, Matcher};
pub use scan::{Report, ScanConfig, Scanner};
pub use source::{Input, MmapPolicy};
