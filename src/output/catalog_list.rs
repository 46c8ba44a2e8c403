//! The `catalog` command's listing of entries, in table, CSV or JSON.

use std::io::Write;

use serde::Serialize;

use super::{stdout_error, table};
use crate::catalog::{Catalog, VendorId};
use crate::error::Result;

/// One catalog entry as listed.
#[derive(Debug, Serialize)]
pub struct CatalogRow<'a> {
    /// Vendor id.
    pub vendor: &'a str,
    /// Vendor display name.
    pub vendor_name: &'a str,
    /// The code as it appears in logs.
    pub code: &'a str,
    /// The documented name.
    pub name: Option<&'a str>,
    /// The documented HTTP status.
    pub http_status: Option<u16>,
    /// Normalised category.
    pub category: &'a str,
    /// The vendor's own grouping.
    pub vendor_category: &'a str,
    /// The documented description.
    pub description: &'a str,
    /// Stormpath's user message.
    pub user_message: Option<&'a str>,
    /// Stormpath's further information.
    pub further_info: Option<&'a str>,
    /// False for entries that document success; those are never counted.
    pub error: bool,
}

/// The catalog formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogFormat {
    /// Aligned columns.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl CatalogFormat {
    /// Every catalog format, with its name and what it is, for help texts.
    pub const ALL: [(CatalogFormat, &'static str, &'static str); 3] = [
        (CatalogFormat::Table, "table", "aligned columns"),
        (CatalogFormat::Csv, "csv", "CSV with a header row"),
        (CatalogFormat::Json, "json", "a JSON array of objects"),
    ];
}

/// The rows of the catalog, for the given vendors (all when `None`), in catalog order.
pub fn rows<'a>(catalog: &'a Catalog, vendors: Option<&[VendorId]>) -> Vec<CatalogRow<'a>> {
    catalog
        .entries()
        .iter()
        .filter(|e| vendors.is_none_or(|v| v.contains(&e.vendor)))
        .map(|e| {
            let v = catalog.vendor(e.vendor);
            CatalogRow {
                vendor: &v.id,
                vendor_name: &v.name,
                code: &e.code,
                name: e.name.as_deref(),
                http_status: e.http_status,
                category: e.category.as_str(),
                vendor_category: &e.vendor_category,
                description: &e.description,
                user_message: e.user_message.as_deref(),
                further_info: e.further_info.as_deref(),
                error: e.is_error,
            }
        })
        .collect()
}

const HEADER: [&str; 11] = [
    "vendor",
    "vendor_name",
    "code",
    "name",
    "http_status",
    "category",
    "vendor_category",
    "description",
    "user_message",
    "further_info",
    "error",
];

/// Writes the listing.
///
/// # Errors
/// When the writer fails.
pub fn write(out: &mut dyn Write, rows: &[CatalogRow<'_>], format: CatalogFormat) -> Result<()> {
    match format {
        CatalogFormat::Csv => {
            let records: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let opt = |o: Option<&str>| o.unwrap_or("").to_string();
                    vec![
                        r.vendor.to_string(),
                        r.vendor_name.to_string(),
                        r.code.to_string(),
                        opt(r.name),
                        r.http_status.map(|s| s.to_string()).unwrap_or_default(),
                        r.category.to_string(),
                        r.vendor_category.to_string(),
                        r.description.to_string(),
                        opt(r.user_message),
                        opt(r.further_info),
                        r.error.to_string(),
                    ]
                })
                .collect();
            super::csv::write_records(out, &HEADER, &records)
        }
        CatalogFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows).map_err(|e| stdout_error(e.into()))?;
            out.write_all(b"\n").map_err(stdout_error)
        }
        CatalogFormat::Table => {
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        table::cell(r.vendor, 12),
                        table::cell(r.code, 44),
                        r.http_status.map(|s| s.to_string()).unwrap_or_default(),
                        table::cell(r.category, 16),
                        table::cell(r.description, 60),
                    ]
                })
                .collect();
            table::write_table(
                out,
                &["VENDOR", "CODE", "HTTP", "CATEGORY", "DESCRIPTION"],
                &body,
                &format!("{} codes", rows.len()),
            )
        }
    }
}
