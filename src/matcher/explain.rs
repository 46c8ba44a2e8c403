//! Why a line counted or not: its hits with the rules that found them, and for every anchor
//! that led to no hit, the rules tried there and why each gave nothing.
//!
//! The hits are the fast matcher's own (one call of [`Matcher::find_lines`] on the line), so
//! an explanation never disagrees with `scan`. The reasons are found by a second, plain pass
//! that asks each rule's regexes directly, in the order the matcher applies them.

use regex_automata::{Anchored, Input as RInput};

use super::{CodeRef, Hit, Matcher, Scratch};

/// Why a rule tried on a line gave no hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The rule's regex does not match at the anchor (or, for a rule searched in the whole
    /// line, anywhere in it).
    NoMatch,
    /// The line lacks the rule's envelope (`require_any`).
    EnvelopeMissing,
    /// The line matches the rule's `reject_any`.
    Rejected,
    /// The captured code is not in the catalog and the rule does not count unknown codes.
    NotInCatalog(String),
    /// The code is catalogued as a success, which is never counted.
    NotAnError(String),
    /// The match was dropped when the line's hits were settled: another vendor's rule claimed
    /// the line, a fallback or generic code gave way to a specific one, the code was already
    /// counted on the line, or `--vendor` filters its vendor out.
    Settled(String),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NoMatch => f.write_str("no match"),
            Reason::EnvelopeMissing => f.write_str("envelope (require_any) missing"),
            Reason::Rejected => f.write_str("rejected by reject_any"),
            Reason::NotInCatalog(c) => write!(f, "code {c:?} not in the catalog"),
            Reason::NotAnError(c) => write!(f, "code {c:?} documents a success"),
            Reason::Settled(c) => write!(f, "code {c:?} dropped when settling the line's hits"),
        }
    }
}

/// A rule tried on a line that gave no hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Index of the rule in [`crate::Catalog::rules`].
    pub rule: usize,
    /// The anchor literal that triggered it.
    pub anchor: String,
    /// Byte offset of the anchor in the line.
    pub at: usize,
    /// Why it gave no hit.
    pub reason: Reason,
}

/// What the matcher made of one line.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    /// The line's hits, exactly as `scan` counts them (offsets within the line).
    pub hits: Vec<Hit>,
    /// The rules its anchors triggered that gave no hit, in anchor order.
    pub rejected: Vec<Rejection>,
}

impl Matcher<'_> {
    /// Explains one line (without its newline).
    pub fn explain(&self, line: &[u8], scratch: &mut Scratch) -> Explanation {
        let mut hits = Vec::new();
        self.find_lines(line, scratch, |l| hits.extend(l.hits.iter().cloned()));
        let rules = self.catalog.rules();
        let mut rejected = Vec::new();
        let mut tried: Vec<(usize, usize)> = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            for anchor in &rule.anchors {
                for at in memchr::memmem::find_iter(line, anchor.as_bytes()) {
                    // A rule searched in the whole line is explained once, at its first anchor.
                    let place = if rule.at_anchor { at } else { usize::MAX };
                    if tried.contains(&(ri, place)) {
                        continue;
                    }
                    tried.push((ri, place));
                    if hits.iter().any(|h| h.rule == ri) {
                        continue;
                    }
                    rejected.push(Rejection {
                        rule: ri,
                        anchor: anchor.clone(),
                        at,
                        reason: self.why_not(ri, line, at),
                    });
                }
            }
        }
        rejected.sort_by_key(|r| (r.at, r.rule));
        Explanation { hits, rejected }
    }

    /// Why rule `ri`, triggered by an anchor at `at`, found nothing `scan` counts on `line`.
    fn why_not(&self, ri: usize, line: &[u8], at: usize) -> Reason {
        let rule = &self.catalog.rules()[ri];
        let input = if rule.at_anchor {
            RInput::new(line).range(at..).anchored(Anchored::Yes)
        } else {
            RInput::new(line)
        };
        let mut caps = rule.regex.create_captures();
        rule.regex.search_captures(&input, &mut caps);
        let Some(code) = caps.get_group(rule.code_group) else {
            return Reason::NoMatch;
        };
        if rule.require.as_ref().is_some_and(|r| !r.is_match(line)) {
            return Reason::EnvelopeMissing;
        }
        if rule.reject.as_ref().is_some_and(|r| r.is_match(line)) {
            return Reason::Rejected;
        }
        let text = &line[code.range()];
        let shown = String::from_utf8_lossy(text).into_owned();
        let found = self.lookup_anywhere(rule, text);
        match found {
            None if !rule.count_unknown => Reason::NotInCatalog(shown),
            Some(CodeRef::Known(id)) if !self.catalog.entry(id).is_error => {
                Reason::NotAnError(shown)
            }
            _ => Reason::Settled(shown),
        }
    }

    /// The catalog entry a captured code resolves to, by the rule's vendor or any vendor it
    /// attributes to (as settling does, whatever the line names).
    fn lookup_anywhere(&self, rule: &crate::catalog::Rule, code: &[u8]) -> Option<CodeRef> {
        std::iter::once(rule.vendor)
            .chain(rule.attribute.iter().map(|&(v, _)| v))
            .find_map(|v| self.catalog.lookup_for(rule, v, code))
            .map(CodeRef::Known)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Catalog, Matcher};

    use super::*;

    fn explain(line: &str) -> (Vec<String>, Vec<String>) {
        let cat = Catalog::embedded().unwrap();
        let m = Matcher::new(&cat, None).unwrap();
        let e = m.explain(line.as_bytes(), &mut Scratch::default());
        let hits = e
            .hits
            .iter()
            .map(|h| {
                crate::report::Annotation::of(&cat, &h.code)
                    .code
                    .to_string()
            })
            .collect();
        let rejected = e
            .rejected
            .iter()
            .map(|r| format!("{}: {}", cat.rules()[r.rule].id, r.reason))
            .collect();
        (hits, rejected)
    }

    #[test]
    fn a_hit_is_explained_by_its_rule_and_noise_by_its_reason() {
        let (hits, _) = explain("HTTP 401, Okta E0000011 (Invalid token provided)");
        assert_eq!(hits, ["E0000011"]);
        let (hits, rejected) = explain(r#"{"code":2001,"message":"quota exceeded"}"#);
        assert!(hits.is_empty());
        assert!(!rejected.is_empty());
        assert!(
            rejected.iter().all(|r| r.contains("no match")
                || r.contains("envelope")
                || r.contains("not in the catalog")
                || r.contains("reject")),
            "{rejected:?}"
        );
    }

    #[test]
    fn a_line_without_anchors_has_nothing_to_explain() {
        let (hits, rejected) = explain("listening on port 17002");
        assert!(hits.is_empty() && rejected.is_empty());
    }
}
