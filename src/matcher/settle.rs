//! Settling a line's hits: one error, one hit; which vendor a code belongs to.

use super::{CodeRef, Hit, Matcher, Scratch};
use crate::catalog::{self, Rule, VendorId};

impl<'c> Matcher<'c> {
    /// Applies the one-error-one-hit rules to the hits of one line.
    pub(super) fn settle(&self, scratch: &mut Scratch) {
        let cat = self.catalog;
        let Scratch {
            hits,
            suppressed,
            vendors_seen,
            ..
        } = scratch;
        // Success entries are catalogued but never counted. The rules of a suppressed vendor
        // lose their hits (wherever those were attributed) to the envelope rule of another
        // vendor that claimed the line.
        let rules = cat.rules();
        hits.retain(|h| {
            let is_error = h
                .code
                .entry()
                .is_none_or(|id| self.facts[id as usize].is_error);
            let vendor = rules[h.rule].vendor;
            is_error
                && !suppressed
                    .iter()
                    .any(|&(v, r)| v == vendor && r.is_none_or(|r| r == h.rule))
        });
        // A fallback rule speaks only when no other rule of its vendor did, and a generic
        // type code gives way to a specific code of the same vendor.
        let vendor = |code: &CodeRef| code.vendor_by(|id| self.facts[id as usize].vendor);
        give_way(hits, vendors_seen, vendor, |h| rules[h.rule].fallback);
        give_way(hits, vendors_seen, vendor, |h| {
            h.code
                .entry()
                .is_some_and(|id| self.facts[id as usize].generic)
        });
        if let Some(vendors) = &self.vendors {
            hits.retain(|h| vendors.contains(&vendor(&h.code)));
        }
        hits.sort_by_key(|h| h.offset);
        let mut i = 0;
        while i < hits.len() {
            if hits[..i].iter().any(|h| h.code == hits[i].code) {
                hits.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Whether [`Matcher::resolve`] can make a hit of the captured `code` for some vendor
    /// the line may be attributed to.
    pub(super) fn resolvable(&self, rule: &Rule, code: &[u8]) -> bool {
        rule.count_unknown || self.catalog.known_to_any(rule, code)
    }

    /// Looks a captured code up: in the vendor the line is attributed to, then in the rule's
    /// own vendor (reported under the attributed vendor when there is one: Okta's
    /// `invalid_grant` is described by RFC 6749), then in any vendor the rule can attribute
    /// to (a vendor-specific name such as IDaaS's `login_failed` belongs to that vendor even
    /// on a line that does not name it).
    pub(super) fn resolve(
        &self,
        rule: &Rule,
        attributed: Option<VendorId>,
        code: &[u8],
    ) -> Option<CodeRef> {
        let cat = self.catalog;
        if let Some(v) = attributed {
            if let Some(id) = cat.lookup_for(rule, v, code) {
                return Some(CodeRef::Known(id));
            }
        }
        if let Some(id) = cat.lookup_for(rule, rule.vendor, code) {
            return Some(match attributed {
                Some(vendor) if vendor != rule.vendor => CodeRef::Attributed { vendor, entry: id },
                _ => CodeRef::Known(id),
            });
        }
        for &(v, _) in &rule.attribute {
            if let Some(id) = cat.lookup_for(rule, v, code) {
                return Some(CodeRef::Known(id));
            }
        }
        rule.count_unknown.then(|| CodeRef::Unknown {
            vendor: attributed.unwrap_or(rule.vendor),
            code: bounded_code(code),
        })
    }
}

/// An unknown code as counted: cut to [`catalog::MAX_CODE_LEN`] bytes at a character boundary
/// and marked with `…` when longer, so that text injected into logs cannot make codes of any
/// size.
pub(super) fn bounded_code(code: &[u8]) -> Box<str> {
    let text = String::from_utf8_lossy(code);
    if text.len() <= catalog::MAX_CODE_LEN {
        return text.into();
    }
    let mut end = catalog::MAX_CODE_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end]).into()
}

/// Drops the `weak` hits of every vendor that also has a hit that is not weak.
pub(super) fn give_way(
    hits: &mut Vec<Hit>,
    strong: &mut Vec<VendorId>,
    vendor: impl Fn(&CodeRef) -> VendorId,
    weak: impl Fn(&Hit) -> bool,
) {
    if !hits.iter().any(&weak) {
        return;
    }
    strong.clear();
    strong.extend(hits.iter().filter(|h| !weak(h)).map(|h| vendor(&h.code)));
    hits.retain(|h| !(weak(h) && strong.contains(&vendor(&h.code))));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_unknown_codes_are_cut_at_a_character_boundary() {
        assert_eq!(
            &*bounded_code(b"Operation.Failure.X"),
            "Operation.Failure.X"
        );
        let exact = "a".repeat(catalog::MAX_CODE_LEN);
        assert_eq!(&*bounded_code(exact.as_bytes()), exact);
        let long = format!("Operation.Failure.{}", "Ab".repeat(10_000));
        let cut = bounded_code(long.as_bytes());
        assert_eq!(cut.len(), catalog::MAX_CODE_LEN + "…".len());
        assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')));
        // A character across the limit is left out whole.
        let wide = format!("{}é", "a".repeat(catalog::MAX_CODE_LEN - 1));
        assert_eq!(
            &*bounded_code(wide.as_bytes()),
            format!("{}…", "a".repeat(catalog::MAX_CODE_LEN - 1))
        );
    }
}
