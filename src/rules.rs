//! The matcher: compiles a [`Catalog`]'s rules into one Aho-Corasick automaton over the rules'
//! anchor literals, and confirms each candidate line with the rules' regexes.
//!
//! The automaton looks for a few dozen context literals (`"errorCode"`, `Stormpath `,
//! `Operation.Failure`, ...) rather than hundreds of codes, so the common case, a line with no
//! anchor, costs one pass of a SIMD prefilter. Only lines that contain an anchor are looked at
//! again, and only with the regexes of the rules whose anchors they contain.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use memchr::{memchr, memrchr};

use crate::catalog::{Catalog, EntryId, Rule, VendorId};
use crate::error::{Error, Result};

/// What a hit refers to: a catalog entry, or a code the catalog lacks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeRef {
    /// A documented code.
    Known(EntryId),
    /// A code found in an unmistakable context that the catalog lacks.
    Unknown {
        /// The vendor the context belongs to.
        vendor: VendorId,
        /// The code as it appeared.
        code: Box<str>,
    },
}

impl CodeRef {
    /// The vendor of the code.
    pub fn vendor(&self, catalog: &Catalog) -> VendorId {
        match self {
            CodeRef::Known(id) => catalog.entry(*id).vendor,
            CodeRef::Unknown { vendor, .. } => *vendor,
        }
    }
}

/// One confirmed error code in a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The code.
    pub code: CodeRef,
    /// Byte offset of the code in the haystack given to [`Matcher::find_lines`].
    pub offset: usize,
    /// Byte range of the whole rule match in the haystack.
    pub matched: std::ops::Range<usize>,
    /// Index of the rule that found it in [`Catalog::rules`].
    pub rule: usize,
}

/// A line with at least one hit.
#[derive(Debug)]
pub struct LineHits<'a> {
    /// Byte offset of the line's first byte in the haystack.
    pub start: usize,
    /// Byte offset just past the line's last byte (before `\r\n` or `\n`).
    pub end: usize,
    /// The hits, ordered by offset, one per (vendor, code).
    pub hits: &'a [Hit],
}

/// Reusable per-thread memory for [`Matcher::find_lines`], so the hot loop does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    triggered: Vec<bool>,
    hits: Vec<Hit>,
    suppressed: Vec<VendorId>,
}

/// The compiled rules of a catalog.
#[derive(Debug)]
pub struct Matcher<'c> {
    catalog: &'c Catalog,
    anchors: AhoCorasick,
    /// For each anchor pattern, the rules it triggers.
    anchor_rules: Vec<Vec<usize>>,
    /// When set, only hits of these vendors are reported.
    vendors: Option<Vec<VendorId>>,
}

impl<'c> Matcher<'c> {
    /// Compiles the rules of `catalog`. With `vendors`, only hits attributed to those vendors
    /// are reported (attribution still sees every rule, so `--vendor oauth` does not turn an
    /// Okta line into an OAuth hit).
    ///
    /// # Errors
    /// When the anchors cannot be built into an automaton (too many or too large).
    pub fn new(catalog: &'c Catalog, vendors: Option<Vec<VendorId>>) -> Result<Matcher<'c>> {
        let mut literals: Vec<&str> = Vec::new();
        let mut anchor_rules: Vec<Vec<usize>> = Vec::new();
        for (ri, rule) in catalog.rules().iter().enumerate() {
            for anchor in &rule.anchors {
                match literals.iter().position(|l| l == anchor) {
                    Some(i) => anchor_rules[i].push(ri),
                    None => {
                        literals.push(anchor);
                        anchor_rules.push(vec![ri]);
                    }
                }
            }
        }
        let anchors = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .map_err(|e| Error::Usage(format!("cannot build the anchor automaton: {e}")))?;
        Ok(Matcher {
            catalog,
            anchors,
            anchor_rules,
            vendors,
        })
    }

    /// The catalog the matcher was built from.
    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    /// Finds every line of `hay` that holds at least one hit and calls `sink` with it, in
    /// order. Lines end at `\n`; a trailing `\r` is not part of the line; the last line may
    /// lack a newline. `hay` should start at a line start.
    pub fn find_lines<F>(&self, hay: &[u8], scratch: &mut Scratch, mut sink: F)
    where
        F: FnMut(&LineHits<'_>),
    {
        let mut pos = 0;
        while pos < hay.len() {
            let Some(m) = self.anchors.find(Input::new(hay).span(pos..hay.len())) else {
                break;
            };
            let start = memrchr(b'\n', &hay[pos..m.start()]).map_or(pos, |i| pos + i + 1);
            let nl = memchr(b'\n', &hay[m.end()..]).map_or(hay.len(), |i| m.end() + i);
            let end = if nl > start && hay[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            self.line_hits(hay, start, end, scratch);
            if !scratch.hits.is_empty() {
                sink(&LineHits {
                    start,
                    end,
                    hits: &scratch.hits,
                });
            }
            pos = nl + 1;
        }
    }

    /// Fills `scratch.hits` with the resolved hits of the line `hay[start..end]`.
    fn line_hits(&self, hay: &[u8], start: usize, end: usize, scratch: &mut Scratch) {
        let line = &hay[start..end];
        let rules = self.catalog.rules();
        scratch.triggered.clear();
        scratch.triggered.resize(rules.len(), false);
        scratch.hits.clear();
        scratch.suppressed.clear();
        for m in self.anchors.find_overlapping_iter(line) {
            for &ri in &self.anchor_rules[m.pattern().as_usize()] {
                scratch.triggered[ri] = true;
            }
        }
        for (ri, rule) in rules.iter().enumerate() {
            if !scratch.triggered[ri] || !envelope_ok(rule, line) {
                continue;
            }
            let before = scratch.hits.len();
            let mut attributed: Option<Option<VendorId>> = None;
            for caps in rule.regex.captures_iter(line) {
                let (Some(whole), Some(code)) = (caps.get(0), caps.name("code")) else {
                    continue;
                };
                let attributed = *attributed.get_or_insert_with(|| {
                    rule.attribute
                        .iter()
                        .find(|(_, when)| when.is_match(line))
                        .map(|(v, _)| *v)
                });
                if let Some(code_ref) = self.resolve(rule, attributed, code.as_bytes()) {
                    scratch.hits.push(Hit {
                        code: code_ref,
                        offset: start + code.start(),
                        matched: start + whole.start()..start + whole.end(),
                        rule: ri,
                    });
                }
            }
            if scratch.hits.len() > before {
                scratch.suppressed.extend_from_slice(&rule.suppresses);
            }
        }
        if scratch.hits.is_empty() {
            return;
        }
        self.settle(scratch);
    }

    /// Applies the one-error-one-hit rules to the hits of one line.
    fn settle(&self, scratch: &mut Scratch) {
        let cat = self.catalog;
        let Scratch {
            hits, suppressed, ..
        } = scratch;
        // Success entries are catalogued but never counted. The rules of a suppressed vendor
        // lose their hits (wherever those were attributed) to the envelope rule of another
        // vendor that claimed the line.
        let rules = cat.rules();
        hits.retain(|h| {
            let is_error = match &h.code {
                CodeRef::Known(id) => cat.entry(*id).is_error,
                CodeRef::Unknown { .. } => true,
            };
            is_error && !suppressed.contains(&rules[h.rule].vendor)
        });
        // A fallback rule speaks only when no other rule of its vendor did.
        if hits.iter().any(|h| rules[h.rule].fallback) {
            let primary: Vec<VendorId> = hits
                .iter()
                .filter(|h| !rules[h.rule].fallback)
                .map(|h| h.code.vendor(cat))
                .collect();
            hits.retain(|h| !(rules[h.rule].fallback && primary.contains(&h.code.vendor(cat))));
        }
        // A generic type code gives way to a specific code of the same vendor.
        let generic = |h: &Hit| matches!(h.code, CodeRef::Known(id) if cat.entry(id).generic);
        if hits.iter().any(generic) {
            let specific: Vec<VendorId> = hits
                .iter()
                .filter(|h| !generic(h))
                .map(|h| h.code.vendor(cat))
                .collect();
            hits.retain(|h| !(generic(h) && specific.contains(&h.code.vendor(cat))));
        }
        if let Some(vendors) = &self.vendors {
            hits.retain(|h| vendors.contains(&h.code.vendor(cat)));
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

    /// Looks a captured code up: in the vendor the line is attributed to, then in the rule's
    /// own vendor, then in any vendor the rule can attribute to (a vendor-specific name such
    /// as IDaaS's `login_failed` belongs to that vendor even on a line that does not name it).
    fn resolve(&self, rule: &Rule, attributed: Option<VendorId>, code: &[u8]) -> Option<CodeRef> {
        let cat = self.catalog;
        let text = String::from_utf8_lossy(code);
        let order = attributed
            .into_iter()
            .chain(std::iter::once(rule.vendor))
            .chain(rule.attribute.iter().map(|(v, _)| *v));
        for vendor in order {
            if let Some(id) = cat.lookup(vendor, &text, rule.lookup) {
                return Some(CodeRef::Known(id));
            }
        }
        rule.count_unknown.then(|| CodeRef::Unknown {
            vendor: attributed.unwrap_or(rule.vendor),
            code: text.into(),
        })
    }
}

fn envelope_ok(rule: &Rule, line: &[u8]) -> bool {
    (rule.require_any.is_empty() || rule.require_any.iter().any(|r| r.is_match(line)))
        && !rule.reject_any.iter().any(|r| r.is_match(line))
}
