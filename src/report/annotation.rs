//! What the catalog says of a counted code: its vendor, name, category and description.

use crate::catalog::{Catalog, Entry};
use crate::matcher::CodeRef;

/// Description and category given to codes the catalog lacks.
pub const UNKNOWN_DESCRIPTION: &str = "unknown code (not in catalog)";
/// Category given to codes the catalog lacks.
pub const UNKNOWN_CATEGORY: &str = "unknown";

/// The annotation of a code, shared by count rows and hit records.
#[derive(Clone, Copy, Debug)]
pub struct Annotation<'a> {
    /// Vendor id.
    pub vendor: &'a str,
    /// The code.
    pub code: &'a str,
    /// The catalog entry, `None` for an unknown code.
    pub entry: Option<&'a Entry>,
}

impl<'a> Annotation<'a> {
    /// Looks up the annotation of `code`.
    pub fn of(catalog: &'a Catalog, code: &'a CodeRef) -> Annotation<'a> {
        match code {
            CodeRef::Known(id) => {
                let e = catalog.entry(*id);
                Annotation {
                    vendor: &catalog.vendor(e.vendor).id,
                    code: &e.code,
                    entry: Some(e),
                }
            }
            CodeRef::Attributed { vendor, entry } => {
                let e = catalog.entry(*entry);
                Annotation {
                    vendor: &catalog.vendor(*vendor).id,
                    code: &e.code,
                    entry: Some(e),
                }
            }
            CodeRef::Unknown { vendor, code } => Annotation {
                vendor: &catalog.vendor(*vendor).id,
                code,
                entry: None,
            },
        }
    }

    /// The documented name, or empty.
    pub fn name(&self) -> &'a str {
        self.entry.and_then(|e| e.name.as_deref()).unwrap_or("")
    }

    /// The category name.
    pub fn category(&self) -> &'a str {
        self.entry.map_or(UNKNOWN_CATEGORY, |e| e.category.as_str())
    }

    /// The vendor's grouping, or empty.
    pub fn vendor_category(&self) -> &'a str {
        self.entry.map_or("", |e| e.vendor_category.as_str())
    }

    /// The documented HTTP status.
    pub fn http_status(&self) -> Option<u16> {
        self.entry.and_then(|e| e.http_status)
    }

    /// The description, or [`UNKNOWN_DESCRIPTION`].
    pub fn description(&self) -> &'a str {
        self.entry
            .map_or(UNKNOWN_DESCRIPTION, |e| e.description.as_str())
    }
}
