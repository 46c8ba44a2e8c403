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

pub mod catalog;
pub mod error;
pub mod input;
pub mod matcher;
pub mod output;
pub mod report;
pub mod scan;
pub mod watch;

pub use catalog::{Catalog, Category, Entry, EntryId, Vendor, VendorId};
pub use error::{BuildError, Error, Result};
pub use input::{Input, MmapPolicy};
pub use matcher::{CodeRef, Hit, Matcher};
pub use report::counts::{Counts, Summary};
pub use report::grouping::{GroupKey, Grouped};
pub use report::{Annotation, HitRecord, Report};
pub use scan::{ScanConfig, Scanner};
