//! The matcher: compiles a [`Catalog`]'s rules into one Aho-Corasick automaton over the rules'
//! anchor literals, and confirms each candidate line with the rules' regexes.
//!
//! The automaton looks for a few dozen context literals (`"errorCode"`, `Stormpath `,
//! `Operation.Failure`, ...) rather than hundreds of codes, so the common case, a line with no
//! anchor, costs one pass of a SIMD prefilter. Only lines that contain an anchor are looked at
//! again, and only with the regexes of the rules whose anchors they contain.
//!
//! Most anchor occurrences in real logs are noise (`"code"` is in every gateway's JSON), so
//! confirming is arranged to fail cheaply: an envelope that a substring search can rule out is
//! checked first, and its regex is tried only where those substrings place a match; a small
//! DFA walks from the anchor to find where a match ends, and no capture search is needed when
//! the code's bytes place it in that span; rules that share an envelope share its answer.
//! Lines with anchors are gathered in batches and confirmed grouped by the rules they trigger,
//! one kind of line after another, then reported in input order.

pub(crate) mod anchors;
mod batch;
mod capture;
mod confirm;
mod dfa;
mod envelope;
pub mod explain;
pub(crate) mod gates;
#[cfg(target_arch = "x86_64")]
mod screen;
mod settle;

use std::sync::OnceLock;

use memchr::{memchr, memrchr};
use regex_automata::meta;

use crate::catalog::{self, Catalog, EntryId, VendorId};
use crate::error::{BuildError, Result};
use anchors::{embedded_plan, AnchorFinder};
use batch::{Batch, PendingLine, BATCH_LINES};
use capture::Capture;
use confirm::{line_starts, RuleScratch};
use dfa::{AnchoredDfa, LeadDfa};
use envelope::Envelope;
use gates::{lower_cased_exactly, CodeAtAnchors, FoldedGate, FoldedLine, SiteFinder};

/// What a hit refers to: a catalog entry, or a code the catalog lacks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeRef {
    /// A documented code.
    Known(EntryId),
    /// A protocol-level code (an OAuth string) on a line that names a vendor whose own
    /// document does not list it: reported under that vendor, described by the entry.
    Attributed {
        /// The vendor the line names.
        vendor: VendorId,
        /// The entry that describes the code (of the rule's own vendor).
        entry: EntryId,
    },
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
        self.vendor_by(|id| catalog.entry(id).vendor)
    }

    /// The vendor of the code, with `of_entry` telling a catalog entry's vendor.
    fn vendor_by(&self, of_entry: impl Fn(EntryId) -> VendorId) -> VendorId {
        match self {
            CodeRef::Known(id) => of_entry(*id),
            CodeRef::Attributed { vendor, .. } | CodeRef::Unknown { vendor, .. } => *vendor,
        }
    }

    /// The catalog entry that describes the code, if any.
    pub fn entry(&self) -> Option<EntryId> {
        match self {
            CodeRef::Known(id) | CodeRef::Attributed { entry: id, .. } => Some(*id),
            CodeRef::Unknown { .. } => None,
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
    /// The rules triggered on the current line, as a set (see [`Matcher::anchor_rules`]).
    triggered: Vec<u64>,
    /// The rules triggered on the current line, in the catalog's order.
    fired: Vec<usize>,
    /// (position in the line, anchor literal) of every anchor occurrence of the current line:
    /// the rules of a literal share its entry (four OAuth rules are anchored at each name).
    at: Vec<(usize, usize)>,
    hits: Vec<Hit>,
    suppressed: Vec<(VendorId, Option<usize>)>,
    vendors_seen: Vec<VendorId>,
    /// Per rule: its search caches, made when the rule is first tried.
    rules: Vec<Option<RuleScratch>>,
    /// (match start, match end, code start, code end) of the current rule's matches.
    found: Vec<(usize, usize, usize, usize)>,
    /// Where the current rule's start literals occur in the line.
    starts: Vec<usize>,
    /// Per distinct envelope: whether the current line meets it, once known.
    envelopes: Vec<Option<bool>>,
    /// The current line in lower case, for case-insensitive gates.
    folded: FoldedLine,
    /// Per site finder: the current line's sites, once found.
    sites: Vec<(bool, Vec<usize>)>,
    /// Per slot of code places (see [`Compiled::code_places`]): the current line's (start and
    /// end of each code), once found.
    code_places: Vec<(bool, Vec<(usize, usize)>)>,
    /// The starts of the current rule's codes that are followed by its tail.
    code_starts: Vec<usize>,
    /// The lines with anchors found and not yet confirmed.
    batch: Batch,
}

/// The compiled rules of a catalog.
#[derive(Debug)]
pub struct Matcher<'c> {
    catalog: &'c Catalog,
    /// Finds the rules' anchors (the distinct anchor literals, by index).
    anchors: AnchorFinder,
    /// For each anchor literal, the rules it triggers, as a set: bit `ri % 64` of word
    /// `ri / 64`.
    anchor_rules: Vec<Box<[u64]>>,
    /// For each anchor literal, a digest of its rules that fits a word: bit `ri` for the
    /// first 63 rules, the last bit for the others (see [`batch::PendingLine::rules`]).
    anchor_kinds: Vec<u64>,
    /// When set, only hits of these vendors are reported.
    vendors: Option<Vec<VendorId>>,
    /// The distinct line regexes of the rules: envelopes (`require_any`) and rejections
    /// (`reject_any`).
    envelopes: Vec<Envelope<'c>>,
    /// Per rule: what it needs on the hot path.
    compiled: Vec<Compiled>,
    /// The distinct site finders of the rules tried where their code can start.
    sites: Vec<SiteFinder>,
    /// Where the anchors of the rules that find their codes by them place codes (see
    /// [`Compiled::code_places`]).
    places: Vec<CodeAtAnchors>,
    /// Per catalog entry, what settling a line's hits asks of it, packed tight: the entries
    /// themselves are large and read in no order.
    facts: Vec<EntryFacts>,
}

/// What settling hits needs to know of a catalog entry.
#[derive(Clone, Copy, Debug)]
struct EntryFacts {
    vendor: VendorId,
    is_error: bool,
    generic: bool,
}

/// A rule compiled for the hot path.
#[derive(Debug)]
struct Compiled {
    /// Its envelope's index in [`Matcher::envelopes`].
    envelope: Option<usize>,
    /// Whether the envelope is ruled out by substring searches on most lines, and so goes
    /// before the rule's own regex (`"code"` is everywhere, `"stat` is not).
    cheap: bool,
    /// Its rejection's index in [`Matcher::envelopes`].
    reject: Option<usize>,
    /// For a rule searched in the whole line: where its matches can start.
    starts: Starts,
    /// How its code is taken from a match.
    capture: Capture,
    /// For a rule searched in the whole line whose code is one of a few literals holding its
    /// anchors: its index in [`Matcher::places`], which tells where the line's anchors place
    /// codes (a line where they place none is passed over), and in [`Scratch`], where a
    /// line's code places are kept. Rules with the same anchors share one.
    code_places: Option<usize>,
    /// For a rule with code places: what follows the code in every match, when that is not
    /// nothing (see [`CodeAtAnchors::tail`]); codes not followed by it are not tried.
    tail: Option<LazyTail>,
    /// For a rule tried at places (anchors or start literals): its anchored DFA, when small,
    /// with skips for its own anchors when it is tried at them.
    dfa: Option<LazyDfa>,
    /// Its `attribute` conditions, in order.
    attribution: Vec<Condition>,
    /// When every condition has a gate: one gate for them all, so that a line that names no
    /// vendor costs one search.
    attribution_gate: Option<FoldedGate>,
}

/// A rule's anchored DFA, built the first time the rule is tried: a run tries the rules whose
/// anchors its input holds (a short pipe, one vendor's log: a few of them), and building every
/// rule's DFA is most of a matcher's start-up.
#[derive(Debug)]
struct LazyDfa {
    pattern: String,
    /// Per anchor literal (by index): the literal when a walk may start after it, the rule's
    /// own anchors (see [`AnchoredDfa::with_skips`]).
    skips: Vec<Option<Box<[u8]>>>,
    built: OnceLock<Option<AnchoredDfa>>,
}

impl LazyDfa {
    /// The DFA, built now if this is the first call; `None` when it would be large.
    fn get(&self) -> Option<&AnchoredDfa> {
        self.built
            .get_or_init(|| {
                AnchoredDfa::new(&self.pattern)
                    .map(|d| d.with_skips(self.skips.iter().map(|s| s.as_deref())))
            })
            .as_ref()
    }
}

/// A rule's [`LeadDfa`], built the first time the rule is tried (as [`LazyDfa`]).
#[derive(Debug)]
struct LazyLead {
    lead: regex_syntax::hir::Hir,
    built: OnceLock<Option<LeadDfa>>,
}

impl LazyLead {
    fn new(lead: regex_syntax::hir::Hir) -> LazyLead {
        LazyLead {
            lead,
            built: OnceLock::new(),
        }
    }

    /// The DFA, built now if this is the first call; `None` when it would be large (the rule
    /// is then searched for in the whole line).
    fn get(&self) -> Option<&LeadDfa> {
        self.built.get_or_init(|| LeadDfa::new(&self.lead)).as_ref()
    }
}

/// The part of a rule's regex after its code as an [`AnchoredDfa`], built the first time the
/// rule is tried (as [`LazyDfa`]).
#[derive(Debug)]
struct LazyTail {
    tail: regex_syntax::hir::Hir,
    built: OnceLock<Option<AnchoredDfa>>,
}

impl LazyTail {
    /// The DFA, built now if this is the first call; `None` when it would be large (every
    /// code is then tried).
    fn get(&self) -> Option<&AnchoredDfa> {
        self.built
            .get_or_init(|| AnchoredDfa::from_hir(&self.tail))
            .as_ref()
    }
}

/// One `attribute` condition of a rule, asked of a line only when its gate admits the line
/// (most lines name no vendor).
#[derive(Debug, Clone)]
struct Condition {
    gate: Option<FoldedGate>,
    regex: meta::Regex,
    /// Whether `regex` reads the line lower-cased: a condition that ignores case is rewritten
    /// for that (see [`lower_cased_exactly`]), so that its literals are searched for as they
    /// are, not as their case variants.
    folded: bool,
}

/// Where a rule searched in the whole line (not at its anchors) is tried.
#[derive(Debug)]
enum Starts {
    /// Where one of the literals that every match starts with occurs: found by substrings
    /// of them, each with the offsets at which it sits in the literals (one substring that
    /// all the literals hold is searched for once, not once per literal).
    Literals(Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>),
    /// At the sites found by a site finder (its index in [`Matcher::sites`]), and the given
    /// numbers of bytes before them (see [`CodeLead`]).
    BeforeCode {
        sites: usize,
        lead: std::ops::RangeInclusive<usize>,
    },
    /// At the given numbers of bytes before the codes its anchors place (see
    /// [`CodeAtAnchors`]).
    AtCodes {
        lead: std::ops::RangeInclusive<usize>,
    },
    /// Where the part of the regex before its code, read backwards from a code its anchors
    /// place, ends: for a lead of any length.
    BehindCodes(Box<LazyLead>),
    /// Where the part of the regex before its code, read backwards from a site found by a
    /// site finder (its index in [`Matcher::sites`]), ends.
    BehindSites { sites: usize, lead: Box<LazyLead> },
    /// Anywhere: the regex searches the line, if the gate (when there is one) admits it.
    Anywhere(Option<FoldedGate>),
}

impl<'c> Matcher<'c> {
    /// Whether rule `ri` is anchored at anchor literal `literal`.
    #[inline]
    fn owns(&self, ri: usize, literal: usize) -> bool {
        self.anchor_rules[literal][ri / 64] >> (ri % 64) & 1 == 1
    }

    /// Compiles the rules of `catalog`. With `vendors`, only hits attributed to those vendors
    /// are reported (attribution still sees every rule, so `--vendor oauth` does not turn an
    /// Okta line into an OAuth hit).
    ///
    /// # Errors
    /// When the anchors cannot be built into an automaton (too many or too large).
    pub fn new(catalog: &'c Catalog, vendors: Option<Vec<VendorId>>) -> Result<Matcher<'c>> {
        let mut literals: Vec<&str> = Vec::new();
        for rule in catalog.rules() {
            for anchor in &rule.anchors {
                if !literals.contains(&anchor.as_str()) {
                    literals.push(anchor);
                }
            }
        }
        let words = catalog.rules().len().div_ceil(64);
        let anchor_rules: Vec<Box<[u64]>> = literals
            .iter()
            .map(|l| {
                let mut set = vec![0u64; words].into_boxed_slice();
                for (ri, r) in catalog.rules().iter().enumerate() {
                    if r.anchors.iter().any(|a| a == l) {
                        set[ri / 64] |= 1 << (ri % 64);
                    }
                }
                set
            })
            .collect();
        let anchor_kinds = anchor_rules
            .iter()
            .map(|set| {
                let (first, rest) = set.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
                let last = 1u64 << 63;
                let past = first & last != 0 || rest.iter().any(|&w| w != 0);
                (first & !last) | if past { last } else { 0 }
            })
            .collect();
        let anchors = AnchorFinder::new(&literals, &embedded_plan())?;
        // Rules that share a line regex (Akamai's envelope, WSO2's rejections) share its
        // answer for a line.
        let mut envelopes: Vec<Envelope<'c>> = Vec::new();
        let mut index_of = |re: &'c regex::bytes::Regex| {
            let same = envelopes
                .iter()
                .position(|e| e.regex.as_str() == re.as_str());
            same.unwrap_or_else(|| {
                envelopes.push(Envelope::new(re));
                envelopes.len() - 1
            })
        };
        let mut compiled = Vec::with_capacity(catalog.rules().len());
        let mut sites: Vec<SiteFinder> = Vec::new();
        let mut rule_codes: Vec<Option<CodeAtAnchors>> = Vec::new();
        // Rules of one vendor share their conditions (`(?i)\bokta\b|...` on every OAuth
        // rule): each distinct one is compiled once.
        let mut conditions: Vec<(&str, Condition)> = Vec::new();
        for r in catalog.rules() {
            let envelope = r.require.as_ref().map(&mut index_of);
            let reject = r.reject.as_ref().map(&mut index_of);
            let codes = (!r.at_anchor)
                .then(|| {
                    CodeAtAnchors::of(&r.pattern, &literals, |a| r.anchors.iter().any(|o| o == a))
                })
                .flatten();
            let starts = if r.at_anchor {
                Starts::Anywhere(None)
            } else if let Some(lead) = codes.as_ref().and_then(|c| c.lead.clone()) {
                Starts::AtCodes { lead }
            } else if let Some(lead) = codes.as_ref().and_then(|c| c.unbounded_lead.clone()) {
                Starts::BehindCodes(Box::new(LazyLead::new(lead)))
            } else {
                line_starts(&r.pattern, &mut sites)
            };
            let own = |l: &&str| r.at_anchor && r.anchors.iter().any(|a| a == l);
            // A rule tried behind its codes or sites is tried at few places, where the lazy
            // DFA of its regex serves: its full DFA would cost more to build than most scans.
            let tried_at = !matches!(
                starts,
                Starts::Anywhere(_) | Starts::BehindCodes(_) | Starts::BehindSites { .. }
            );
            let dfa = (r.at_anchor || tried_at).then(|| LazyDfa {
                pattern: r.pattern.clone(),
                skips: literals
                    .iter()
                    .map(|l| own(l).then(|| l.as_bytes().into()))
                    .collect(),
                built: OnceLock::new(),
            });
            let attribution = r
                .attribute
                .iter()
                .map(|(_, when)| {
                    let when = when.as_str();
                    if let Some((_, c)) = conditions.iter().find(|(w, _)| *w == when) {
                        return Ok(c.clone());
                    }
                    let lowered = lower_cased_exactly(when);
                    let builder = catalog::engine_builder();
                    let regex = match &lowered {
                        Some(hir) => builder.build_from_hir(hir),
                        None => builder.build(when),
                    };
                    let regex = regex.map_err(|e| BuildError::Attribution {
                        rule: r.origin.to_string(),
                        source: Box::new(e),
                    })?;
                    let condition = Condition {
                        gate: FoldedGate::new(when),
                        regex,
                        folded: lowered.is_some(),
                    };
                    conditions.push((when, condition.clone()));
                    Ok(condition)
                })
                .collect::<Result<Vec<_>>>()?;
            let gates: Option<Vec<FoldedGate>> =
                attribution.iter().map(|c| c.gate.clone()).collect();
            let attribution_gate = gates
                .filter(|g| !g.is_empty())
                .and_then(|g| FoldedGate::any(&g));
            let tail = codes.as_ref().and_then(|c| c.tail.clone());
            rule_codes.push(codes);
            compiled.push(Compiled {
                envelope,
                cheap: false,
                reject,
                starts,
                capture: Capture::of(&r.pattern),
                code_places: None,
                tail: tail.map(|tail| LazyTail {
                    tail,
                    built: OnceLock::new(),
                }),
                dfa,
                attribution,
                attribution_gate,
            });
        }
        for c in &mut compiled {
            c.cheap = c.envelope.is_some_and(|e| envelopes[e].is_cheap());
        }
        let (slots, places) = confirm::code_place_slots(catalog.rules(), &rule_codes);
        for (c, slot) in compiled.iter_mut().zip(slots) {
            c.code_places = slot;
        }
        Ok(Matcher {
            catalog,
            anchors,
            anchor_rules,
            anchor_kinds,
            vendors,
            envelopes,
            compiled,
            sites,
            places,
            facts: catalog
                .entries()
                .iter()
                .map(|e| EntryFacts {
                    vendor: e.vendor,
                    is_error: e.is_error,
                    generic: e.generic,
                })
                .collect(),
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
        let rules = self.catalog.rules().len();
        scratch.triggered.clear();
        scratch.triggered.resize(rules.div_ceil(64), 0);
        scratch.fired.clear();
        if scratch.rules.len() < rules {
            scratch.rules.resize_with(rules, || None);
        }
        scratch.envelopes.clear();
        scratch.envelopes.resize(self.envelopes.len(), None);
        scratch
            .sites
            .resize_with(self.sites.len(), Default::default);
        scratch.batch.lines.clear();
        scratch.batch.at.clear();
        // One pass of the searcher over the whole haystack, resumed after each window it
        // finds: the search that passes the end of a line yields a window of a later line.
        // The current line, once an anchor is found in it: (start, end at its newline, the
        // rules its anchors trigger as a set).
        let mut line: Option<(usize, usize, u64)> = None;
        // Where the line of the next anchor found begins, at the earliest.
        let mut pos = 0;
        let mut from = 0;
        loop {
            let next = self.anchors.next(hay, from);
            if let Some((start, nl, rules)) = line {
                if next.is_none_or(|(at, _)| at >= nl) {
                    let batch = &mut scratch.batch;
                    let at_start = batch.lines.last().map_or(0, |l| l.at.end);
                    batch.lines.push(PendingLine {
                        start,
                        nl,
                        rules,
                        at: at_start..batch.at.len(),
                        hits: 0..0,
                    });
                    if batch.lines.len() >= BATCH_LINES {
                        self.confirm_batch(hay, scratch, &mut sink);
                    }
                    line = None;
                    pos = nl + 1;
                }
            }
            let Some((at, window)) = next else { break };
            from = self.anchors.resume(at, window);
            self.anchors.anchors_at(hay, at, window, |literal, a| {
                // Anchors hold no newline: an anchor found before the current line's end
                // is in that line, and the first one after it begins a new line.
                let (start, _, rules) = line.get_or_insert_with(|| {
                    let start = memrchr(b'\n', &hay[pos..a]).map_or(pos, |i| pos + i + 1);
                    let nl = memchr(b'\n', &hay[a..]).map_or(hay.len(), |i| a + i);
                    (start, nl, 0)
                });
                *rules |= self.anchor_kinds[literal];
                scratch.batch.at.push((a - *start, literal));
            });
        }
        self.confirm_batch(hay, scratch, &mut sink);
    }
}

#[cfg(test)]
mod tests {
    use regex_automata::{Anchored, Input as RInput};

    use super::capture::{code_suffix, consuming_parts};
    use super::gates::{covering_substrings, parse, prefix_literals, ByteSet};
    use super::*;

    use crate::matcher::gates::MAX_PREFIX_LITERALS;

    fn suffix(pattern: &str) -> Option<ByteSet> {
        code_suffix(&consuming_parts(&parse(pattern).unwrap()))
    }

    fn whole(pattern: &str) -> bool {
        Capture::of(pattern) == Capture::WholeMatch
    }

    /// A catalog of one vendor, `v`, with these rules.
    pub(super) fn one_vendor(rules: &str) -> Catalog {
        let toml = format!("[vendor]\nid = \"v\"\nname = \"V\"\n{rules}");
        Catalog::from_sources(&[("t.toml".to_string(), toml)]).unwrap()
    }

    /// That the one rule of `rules`, whose regex is `re`, reports on each of `lines` the codes
    /// the regex crate captures there, one hit per code and line.
    fn assert_codes_as_regex(rules: &str, re: &regex::Regex, lines: &[&str]) {
        for line in lines {
            let want = distinct_codes(re, line);
            assert_eq!(codes(rules, &format!("{line}\n")), want, "{re} on {line}");
        }
    }

    /// The codes `re` captures in `line`, each once, in order: what a rule with that regex
    /// reports for the line.
    fn distinct_codes<'l>(re: &regex::Regex, line: &'l str) -> Vec<&'l str> {
        let mut want: Vec<&str> = Vec::new();
        for c in re.captures_iter(line) {
            let code = c.name("code").unwrap().as_str();
            if !want.contains(&code) {
                want.push(code);
            }
        }
        want
    }

    /// The (rule, code) of each hit `m` finds in `text`, in order, for a catalog that lists
    /// no codes (every hit is an unknown code).
    pub(super) fn unknown_hits(m: &Matcher, text: &str) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        m.find_lines(text.as_bytes(), &mut Scratch::default(), |line| {
            for hit in line.hits {
                let CodeRef::Unknown { code, .. } = &hit.code else {
                    panic!("the catalog lists no codes");
                };
                found.push((hit.rule, code.to_string()));
            }
        });
        found
    }

    /// The codes found in `text` by the rules of a one-vendor catalog, in order.
    fn codes(rules: &str, text: &str) -> Vec<String> {
        let cat = one_vendor(rules);
        let matcher = Matcher::new(&cat, None).unwrap();
        let mut found = Vec::new();
        matcher.find_lines(text.as_bytes(), &mut Scratch::default(), |line| {
            for hit in line.hits {
                match &hit.code {
                    CodeRef::Unknown { code, .. } => found.push(code.to_string()),
                    other => found.push(cat.entry(other.entry().unwrap()).code.clone()),
                }
            }
        });
        found
    }

    #[test]
    fn an_anchor_that_overlaps_the_end_of_another_is_found() {
        let rules = "[[rule]]\nid = \"a\"\nanchors = [\"xy\"]\nat_anchor = true\n\
                     regex = 'xy(?P<code>\\d)'\n\
                     [[rule]]\nid = \"b\"\nanchors = [\"yz\"]\nat_anchor = true\n\
                     regex = 'yz(?P<code>\\d)'\n";
        assert_eq!(codes(rules, "xyz1\nxy2 yz3\n"), ["1", "2", "3"]);
    }

    #[test]
    fn whole_match_and_backtracking_rules_capture_the_same_codes() {
        // Not one-pass, and the code is the whole match: the DFA's span is the code.
        let token = "[[rule]]\nid = \"t\"\nanchors = [\"Op.\"]\nat_anchor = true\n\
                     regex = '\\b(?P<code>Op\\.\\w+(?:\\.\\w+)*)\\b'\n";
        assert_eq!(
            Capture::of(r"\b(?P<code>Op\.\w+(?:\.\w+)*)\b"),
            Capture::WholeMatch
        );
        assert_eq!(codes(token, "x Op.A.B, Op.C\n"), ["Op.A.B", "Op.C"]);
        // Not one-pass, code at the end: captures over the span the DFA found.
        let url = "(?i:host\\.com)(?:/[^\\s]*?)?/errors/(?P<code>\\d{4})\\b";
        assert!(matches!(Capture::of(url), Capture::Suffix(_)));
        let rule = format!(
            "[[rule]]\nid = \"u\"\nanchors = [\"host.com\"]\nat_anchor = true\nregex = '{url}'\n"
        );
        assert_eq!(
            codes(
                &rule,
                "see https://host.com/a/b/errors/1234 and host.com/errors/56789\n"
            ),
            ["1234"]
        );
        assert!(matches!(
            Capture::of(r"V (?P<code>\d+)"),
            Capture::Suffix(_)
        ));
        assert_eq!(Capture::of(r"V (?P<code>\d+)-\d"), Capture::OnePass);
    }

    #[test]
    fn a_line_rule_is_tried_where_its_prefix_literals_occur() {
        let rules = "[[rule]]\nid = \"l\"\nanchors = [\"S:\"]\n\
                     regex = '\\\\?\"(?:code|message)\\\\?\"\\s*:\\s*\"(?P<code>[A-Z]\\w*)\"'\n";
        let text =
            r#"S: "code":"Ab" "message" : "Cd" "code":"x" \"code\": "Ef" "code":"code":"Gh""#;
        assert_eq!(codes(rules, &format!("{text}\n")), ["Ab", "Cd", "Ef", "Gh"]);
        let cat = one_vendor(rules);
        let m = Matcher::new(&cat, None).unwrap();
        assert!(
            matches!(&m.compiled[0].starts, Starts::Literals(s) if s.len() <= MAX_PREFIX_LITERALS)
        );
    }

    #[test]
    fn a_line_rule_is_tried_before_its_code_sites_as_a_search_would_find_it() {
        let regex = r"(?:^|[\s(\[,;#])(?P<code>(?:1[78]|2[02]|4[01]|51)\d{3})(?:[:-]\s+|\s+)[A-Z]";
        let rules = format!("[[rule]]\nid = \"c\"\nanchors = [\"S:\"]\nregex = '{regex}'\n");
        let cat = one_vendor(&rules);
        let m = Matcher::new(&cat, None).unwrap();
        assert!(
            matches!(&m.compiled[0].starts, Starts::BeforeCode { lead, .. } if *lead == (0..=1))
        );
        let re = regex::Regex::new(regex).unwrap();
        let lines = [
            "S: 17002 Invalid credentials",
            "17003 - Locked S:",
            "S: 2017002 Not, 41717001 No, (17004: Yes) #51001 Ok,18002 x 22001 Zed",
            "S:(17001 Aa 17001-  Bb",
            "S: 417002 X 170017 Y 1700 Z",
        ];
        assert_codes_as_regex(&rules, &re, &lines);
    }

    #[test]
    fn a_line_rule_with_a_long_lead_is_tried_where_it_ends_before_a_code_site() {
        let regex = r#"\b(?i:error[ _-]?code|code)\\?"?\s*[:=]\s*\\?"?(?P<code>(?:1[78]|2[02]|4[01]|51)\d{3})\b"#;
        let rules = format!("[[rule]]\nid = \"c\"\nanchors = [\"S:\"]\nregex = '{regex}'\n");
        let cat = one_vendor(&rules);
        let m = Matcher::new(&cat, None).unwrap();
        assert!(matches!(&m.compiled[0].starts, Starts::BehindSites { .. }));
        let re = regex::Regex::new(regex).unwrap();
        let lines = [
            "S: error code 17002, ERROR_CODE=  18001 errorcode:\"51003\" code=20013x",
            "S: xcode: 17002 Code :22001 code = 170021 \\\"code\\\": \\\"40001 encode: 41001",
            "code: 17003 S: error-code:17004 error code: code: 17005",
            "S: code:\t2017002 code:17002code:18002 error  code: 22002",
        ];
        assert_codes_as_regex(&rules, &re, &lines);
    }

    #[test]
    fn a_rule_found_by_anchors_inside_its_codes_is_tried_where_they_place_a_code() {
        let anchors = r#"anchors = ["invalid_", "_required", "server_error"]"#;
        let names = "invalid_grant|invalid_request|login_required|consent_required|server_error";
        for (regex, places) in [
            (format!(r"\[(?P<code>{names})\]"), true),
            (format!(r"\b(?P<code>{names}):\s+AADSTS\d"), true),
            // A tail with look-around at its start, after codes one of which is a prefix of
            // another.
            (
                format!(r"\((?P<code>invalid_request_uri|{names})\b\)?[!?]"),
                true,
            ),
            (
                format!(r"\((?P<code>invalid_request_uri|{names})(?:_urix)?[!?]"),
                true,
            ),
            (format!(r"(?i:error)\s*:\s*(?P<code>{names})\b"), false),
            // Leads of any length, with look-around at their start, or none at all.
            (
                format!(
                    r#"(?:\bwith message \\?["\x27]|(?i:failed)(?::|\s+with)\s+|[a-z]Exception\s+|\b(?i:cause)(?:d by)?:\s*)(?P<code>{names})\b"#
                ),
                false,
            ),
            (format!(r"(?:x\s*|\by+)?(?P<code>{names})(?:\s|$)"), false),
        ] {
            let rules = format!("[[rule]]\nid = \"c\"\n{anchors}\nregex = '{regex}'\n");
            let cat = one_vendor(&rules);
            let m = Matcher::new(&cat, None).unwrap();
            assert!(m.compiled[0].code_places.is_some(), "{regex}");
            // A bounded lead: tried at a few offsets before each code; any other: where the
            // lead, read backwards from each code, can begin.
            if places {
                assert!(
                    matches!(m.compiled[0].starts, Starts::AtCodes { .. }),
                    "{regex}"
                );
            } else {
                assert!(
                    matches!(m.compiled[0].starts, Starts::BehindCodes(_)),
                    "{regex}"
                );
            }
            // What follows the code, when it cannot be nothing, rules codes out first.
            let tail =
                regex.ends_with("AADSTS\\d") || regex.ends_with(']') || regex.ends_with("[!?]");
            assert_eq!(m.compiled[0].tail.is_some(), tail, "{regex}");
            let re = regex::Regex::new(&regex).unwrap();
            let lines = [
                "(invalid_request_uri)! (invalid_request_uri? (invalid_request)? (invalid_request_ur)!",
                "(invalid_requestx)! (login_required) ! (server_error)?(invalid_grant!(invalid_grant)",
                "(invalid_request_urix! (invalid_request_uri_urix? (invalid_request_urix)",
                "[invalid_grant] [login_required][consent_required] [invalid_requests]",
                "x[[invalid_request]] [server_error]x [invalid_credentials] [_required]",
                "invalid_grant: AADSTS7000 login_required:  AADSTS1 xinvalid_grant: AADSTS2",
                "server_error: AADSTSx invalid_request:AADSTS3 consent_required:\tAADSTS4",
                "Error: invalid_grant, error : login_required error:server_errors ERROR:server_error",
                "on invalid_grant refresh, on login_required show the page",
                "error: invalid_credentials error: invalid_",
                "Failed with  invalid_grant xfailed:server_error Caused by: login_required",
                "with message 'invalid_request' awith message \"invalid_grant\" ValueException  consent_required",
                "invalid_grant xinvalid_request x  server_error yyyinvalid_grant ayinvalid_grant",
                "caused by:invalid_grant, CAUSE:  server_error! failed: invalid_grantx",
            ];
            assert_codes_as_regex(&rules, &re, &lines);
        }
        // A code without any of the anchors: the rule is searched as before.
        let rules = "[[rule]]\nid = \"c\"\nanchors = [\"invalid_\"]\nregex = '\\[(?P<code>invalid_grant|access_denied)\\]'\n";
        let cat = one_vendor(rules);
        let m = Matcher::new(&cat, None).unwrap();
        assert!(m.compiled[0].code_places.is_none());
    }

    #[test]
    fn a_code_suffix_is_taken_only_where_it_cannot_run_into_what_precedes_it() {
        assert!(suffix(r"(?:/errors/|#error-)(?P<code>\d{4,5})\b").is_some());
        assert!(suffix(r"x\d(?P<code>\d+)").is_none());
        assert!(suffix(r"a(?P<code>\d*)").is_none());
        assert!(suffix(r"a(?P<code>.+)").is_none());
        // What follows the code must not hold its bytes; a match may begin with the code.
        assert!(suffix(r"(?P<code>\d+)").is_some());
        assert!(suffix(r"a(?P<code>\d+)b").is_some());
        assert!(suffix(r#""(?P<code>[a-z]+(?:_[a-z]+)*)\\?""#).is_some());
        assert!(suffix(r"(?:^|[\s(])(?P<code>\d{5})(?:[:-]\s+|\s+)[A-Z][a-z]").is_some());
        assert!(suffix(r"a(?P<code>\d+)x?\d").is_none());
        assert!(suffix(r"a(?P<code>[a-z]+)\s*\w").is_none());
        assert!(suffix(r"a(?P<other>\d+)(?P<code>\d)").is_none());
        // Not one-pass, code in the middle: captures over the span the DFA found.
        assert_eq!(Capture::of(r"ID:(?P<code>\w+)\d\b"), Capture::Backtrack);
        let rule = "[[rule]]\nid = \"b\"\nanchors = [\"ID:\"]\nat_anchor = true\n\
                    regex = 'ID:(?P<code>\\w+)\\d\\b'\n";
        assert_eq!(codes(rule, "ID:abc12 ID:z9 ID:q\n"), ["abc1", "z"]);
    }

    #[test]
    fn codes_read_off_the_span_are_the_captured_codes() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#"\\?"error\\?"\s*:\s*\\?"(?P<code>[a-z]+(?:_[a-z]+)*)\\?""#,
                &[
                    r#"{"error": "invalid_grant", "x":1}"#,
                    r#"{\"error\":\"a_b\"}"#,
                ],
            ),
            (
                r"\bStormpath (?P<code>\d{4,5})\s*[(:,-]",
                &["HTTP 400, Stormpath 2001 (http://x)", "Stormpath 12345:"],
            ),
            (
                r"(?:^|[\s(\[,;#])(?P<code>(?:1[78]|20)\d{3})(?:[:-]\s+|\s+(?:[:-]\s+)?)[A-Z][a-z]",
                &[
                    "17002 User locked",
                    "x - (20015: No user",
                    "a 18001 - Bad 17003 Xy",
                ],
            ),
        ];
        for (pattern, lines) in cases {
            let Capture::Suffix(bytes) = Capture::of(pattern) else {
                panic!("{pattern} is read off its span");
            };
            let re = regex::bytes::Regex::new(pattern).unwrap();
            for line in *lines {
                let line = line.as_bytes();
                let caps = re.captures(line).unwrap();
                let (m, code) = (caps.get(0).unwrap(), caps.name("code").unwrap());
                assert_eq!(
                    bytes.code_in(line, m.start(), m.end()),
                    (code.start(), code.end()),
                    "{pattern} on {}",
                    String::from_utf8_lossy(line)
                );
            }
        }
    }

    #[test]
    fn the_catalog_rules_read_codes_off_spans_as_captures_would() {
        let cat = Catalog::embedded().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = Vec::new();
        for sub in ["sample-logs", "tests/corpus"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                text.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
        }
        let mut checked = 0;
        for rule in cat.rules() {
            let capture = Capture::of(&rule.pattern);
            let Some(bytes) = capture.code_bytes() else {
                continue;
            };
            for line in text.split(|&b| b == b'\n') {
                for caps in rule.regex.captures_iter(line) {
                    let m = caps.get_match().unwrap();
                    let code = caps.get_group(rule.code_group).unwrap();
                    assert_eq!(
                        bytes.code_in(line, m.start(), m.end()),
                        (code.start, code.end),
                        "{}",
                        rule.origin
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn attribution_takes_the_first_condition_in_order_not_the_leftmost() {
        let cat = Catalog::embedded().unwrap();
        let matcher = Matcher::new(&cat, None).unwrap();
        let vendor_of = |line: &str| {
            let mut vendors = Vec::new();
            matcher.find_lines(line.as_bytes(), &mut Scratch::default(), |l| {
                for hit in l.hits {
                    vendors.push(cat.vendor(hit.code.vendor(&cat)).id.clone());
                }
            });
            vendors
        };
        // The IDaaS host comes first, but the Okta condition is listed first.
        let both = r#"via https://x.aliyunidaas.com/api {"error":"invalid_grant"} https://acme.okta.com/oauth2/v1/token"#;
        assert_eq!(vendor_of(both), ["okta"]);
        let idaas = r#"via https://x.aliyunidaas.com/api {"error":"invalid_grant"}"#;
        assert_eq!(vendor_of(idaas), ["idaas"]);
        assert_eq!(vendor_of(r#"{"error":"invalid_grant"}"#), ["oauth"]);
    }

    #[test]
    fn anchored_dfas_end_matches_where_the_engine_does() {
        let cat = Catalog::embedded().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = std::fs::read(dir.join("sample-logs/mixed.log")).unwrap();
        text.extend(std::fs::read(dir.join("tests/corpus/labelled.tsv")).unwrap());
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let mut matched = 0;
        let mut skipped = 0;
        for rule in cat.rules() {
            let dfa = AnchoredDfa::new(&rule.pattern).expect("small rules get a DFA");
            let dfa = dfa.with_skips(rule.anchors.iter().map(|a| Some(a.as_bytes())));
            let mut cache = rule.regex.create_cache();
            for (n, line) in lines.iter().enumerate() {
                // Every place in the first lines; elsewhere, where the rule's anchors are.
                let places: Vec<usize> = if n < 100 {
                    (0..=line.len()).collect()
                } else {
                    rule.anchors
                        .iter()
                        .flat_map(|a| memchr::memmem::find_iter(line, a.as_bytes()))
                        .collect()
                };
                for pos in places {
                    let input = RInput::new(*line).range(pos..).anchored(Anchored::Yes);
                    let want = rule
                        .regex
                        .search_half_with(&mut cache, &input)
                        .map(|h| h.offset());
                    assert_eq!(
                        dfa.end_at(line, pos, None),
                        Some(want),
                        "{} at {pos}",
                        rule.origin
                    );
                    assert_eq!(dfa.matches_at(line, pos), Some(want.is_some()));
                    assert!(want.is_none() || dfa.may_start(line, pos));
                    // Starting after an anchor found there changes nothing.
                    for (i, anchor) in rule.anchors.iter().enumerate() {
                        if !line[pos..].starts_with(anchor.as_bytes()) {
                            continue;
                        }
                        assert_eq!(
                            dfa.end_at(line, pos, Some(i)),
                            Some(want),
                            "{} at {pos}, after {anchor:?}",
                            rule.origin,
                        );
                        skipped += 1;
                    }
                    matched += usize::from(want.is_some());
                }
            }
        }
        assert!(matched > 1000, "{matched}");
        assert!(skipped > 1000, "{skipped}");
    }

    #[test]
    fn code_is_whole_match_only_between_assertions() {
        assert!(whole(r"\b(?P<code>E0000\d{3})\b"));
        assert!(whole(r"(?P<code>\d+)"));
        assert!(!whole(r"E(?P<code>\d+)"));
        assert!(!whole(r"(?P<code>\d+)x"));
        assert!(!whole(r"(?P<other>\d+)"));
    }

    #[test]
    fn an_envelope_gate_covers_every_match() {
        let gate = |p: &str| {
            prefix_literals(p)
                .and_then(|l| covering_substrings(&l, 3, 6))
                .map(|v| {
                    v.into_iter()
                        .map(|w| String::from_utf8(w).unwrap())
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(
            gate(r#"(?:\\?"stat\\?"\s*:\s*\\?"error\\?")"#).unwrap(),
            ["\"stat"]
        );
        assert_eq!(
            gate(r#"(?:developerMessage)|(?:\\?"moreInfo\\?")"#).unwrap(),
            ["\"moreInfo", "developerMessage"]
        );
        // The classes after `"moreInfo"` multiply the literals: they are shortened to a few.
        assert_eq!(
            gate(r#"(?:developerMessage)|(?:\\?"moreInfo\\?"\s*:)"#).unwrap(),
            ["\"moreInfo", "developerM"]
        );
        assert_eq!(
            gate(r"(?:\b(?:ERROR|WARN|FATAL)\b)").unwrap(),
            ["ERROR", "FATAL", "WARN"]
        );
        // Too many alternatives, too short a literal, or no literal prefix: no gate.
        assert_eq!(gate(r"(?i)wso2|a1|b2|c3|d4|e5|f6|g7"), None);
        assert_eq!(gate(r"ab|cde"), None);
        assert_eq!(gate(r"\d+x"), None);
        let re = regex::bytes::Regex::new(
            r#"(?:\\?"traceId\\?")|(?:\\?"message\\?".*\\?"description\\?")|(?:\{org\.wso2\.)"#,
        )
        .unwrap();
        let envelope = Envelope::new(&re);
        assert_eq!(envelope.gate.len(), 3);
        for line in [
            r#"{"traceId":"x"}"#,
            r#"{\"message\":\"m\",\"description\":\"d\"}"#,
            r#"{"message":"m"}"#,
            r#"{"description":"d","message":"m"}"#,
            "[x] ERROR {org.wso2.carbon} - y",
            "",
        ] {
            assert_eq!(
                envelope.is_match(line.as_bytes()),
                re.is_match(line.as_bytes()),
                "{line}"
            );
        }
    }

    #[test]
    fn a_gated_envelope_is_tried_where_its_gate_places_a_match() {
        let lines = [
            r#"{"stat":"error","code":210}"#,
            r#"{"code":210,"stat" : "error"}"#,
            r#"{\"stat\":\"error\"}"#,
            r#"{"stat":"ok"} then {"stat":"error"}"#,
            r#"{"stat":"ok","status":"error"}"#,
            r#"{"status":"error"}"#,
            "ERRORS, xERROR, WARNING: none; FATAL: one",
            "[x] ERROR: one",
            "ERROR",
            r#"{"moreInfo":"https://x.io/a", "moreInfo": "https://docs.Stormpath.com/e"}"#,
            r#"{"moreInfo":"https://x.io/stormpath"}"#,
            "",
        ];
        for pattern in [
            r#"\\?"stat\\?"\s*:\s*\\?"error\\?""#,
            r"\b(?:ERROR|WARN|FATAL)\b",
            r#"developerMessage|\\?"moreInfo\\?"\s*:\s*\\?"[^"\\]*(?i:stormpath)"#,
        ] {
            let re = regex::bytes::Regex::new(pattern).unwrap();
            let envelope = Envelope::new(&re);
            assert!(envelope.is_cheap() && envelope.dfa.is_some(), "{pattern}");
            for line in lines {
                assert_eq!(
                    envelope.is_match(line.as_bytes()),
                    re.is_match(line.as_bytes()),
                    "{pattern} on {line}"
                );
            }
        }
    }

    #[test]
    fn an_anchor_that_runs_into_a_stripped_carriage_return_is_walked_not_skipped() {
        // The line `a ERR9` ends before the `\r` the anchor holds: the DFA walks from the
        // anchor's start instead of skipping past the line's end.
        let rules = "[[rule]]\nid = \"cr\"\nanchors = [\"ERR9\\r\"]\nat_anchor = true\n\
                     regex = 'ERR9\\r(?P<code>\\d)'\n";
        assert_eq!(codes(rules, "a ERR9\r\nb ERR9\r7 x\r\nERR9\r"), ["7"]);
    }

    #[test]
    fn rules_past_the_64th_are_triggered_by_their_anchors_as_the_first_are() {
        // Rule i is anchored at `k{i}-` and at `shared` (every third rule); rule 130 at
        // `k0-` as well, so one literal triggers rules in the first and the third word. The
        // odd rules are tried at their anchors, the even ones searched in the line.
        let mut rules = String::new();
        for i in 0..140 {
            let mut anchors = format!("\"k{i}-\"");
            if i % 3 == 0 {
                anchors.push_str(", \"shared\"");
            }
            if i == 130 {
                anchors.push_str(", \"k0-\"");
            }
            rules.push_str(&format!(
                "[[rule]]\nid = \"r{i}\"\nanchors = [{anchors}]\nat_anchor = {}\n\
                 regex = '\\bk{i}-(?P<code>\\d+)'\n",
                i % 2 == 1
            ));
        }
        let cat = one_vendor(&rules);
        let m = Matcher::new(&cat, None).unwrap();
        assert_eq!(m.anchor_rules[0].len(), 3);
        let found = |text: &str| -> Vec<(String, String)> {
            let hits = unknown_hits(&m, text).into_iter();
            hits.map(|(ri, code)| (cat.rules()[ri].id.clone(), code))
                .collect()
        };
        let hit = |i: usize, code: &str| (format!("r{i}"), code.to_string());
        assert_eq!(
            found("k139-1 k63-2 k64-3 k0-4 shared k129-5 k130-6\nk127-7 k128-8\n"),
            [
                hit(139, "1"),
                hit(63, "2"),
                hit(64, "3"),
                hit(0, "4"),
                hit(129, "5"),
                hit(130, "6"),
                hit(127, "7"),
                hit(128, "8"),
            ]
        );
        // An anchor triggers only its own rules: `k7-` is not rule 70's.
        assert_eq!(found("k7-1 k70\n"), [hit(7, "1")]);
    }

    #[test]
    fn lines_confirmed_in_batches_report_what_lines_taken_one_by_one_do() {
        let cat = Catalog::embedded().unwrap();
        let matcher = Matcher::new(&cat, None).unwrap();
        let mut hay = Vec::new();
        for _ in 0..8 {
            for name in ["akamai", "idaas", "mixed", "okta", "stormpath", "wso2"] {
                let path = format!("{}/sample-logs/{name}.log", env!("CARGO_MANIFEST_DIR"));
                hay.extend(std::fs::read(path).unwrap());
            }
        }
        let mut scratch = Scratch::default();
        let mut whole = Vec::new();
        matcher.find_lines(&hay, &mut scratch, |l| {
            whole.push((l.start, l.end, l.hits.to_vec()));
        });
        let mut one_by_one = Vec::new();
        let mut start = 0;
        for line in hay.split_inclusive(|&b| b == b'\n') {
            matcher.find_lines(line, &mut scratch, |l| {
                let shift = |h: &Hit| Hit {
                    offset: h.offset + start,
                    matched: h.matched.start + start..h.matched.end + start,
                    ..h.clone()
                };
                one_by_one.push((
                    l.start + start,
                    l.end + start,
                    l.hits.iter().map(shift).collect(),
                ));
            });
            start += line.len();
        }
        // More lines with hits than one batch holds, so that batches follow one another.
        assert!(whole.len() > 2 * BATCH_LINES, "{} lines", whole.len());
        assert_eq!(whole, one_by_one);
    }

    #[test]
    fn a_batch_is_grouped_by_kind_with_each_kind_in_input_order() {
        let kinds = [5u64, 1, 5, 3, 1, 1, 9, 5, 3];
        let mut batch = Batch::default();
        for (i, &rules) in kinds.iter().enumerate() {
            batch.lines.push(PendingLine {
                start: i,
                nl: i,
                rules,
                at: 0..0,
                hits: 0..0,
            });
        }
        batch.group_by_kind();
        let order: Vec<u32> = batch.order.clone();
        // Kinds in the order they first occur, each one's lines in input order.
        assert_eq!(order, [0, 2, 7, 1, 4, 5, 3, 8, 6]);
        // Recycled: a second, smaller batch leaves nothing of the first behind.
        batch.lines.truncate(2);
        batch.group_by_kind();
        assert_eq!(batch.order, [0, 1]);
    }
}
