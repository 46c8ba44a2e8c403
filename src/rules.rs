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

use memchr::{memchr, memrchr};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::captures::Captures;
use regex_automata::util::{primitives::StateID, start};
use regex_automata::{meta, Anchored, Input as RInput};
use regex_syntax::hir::{Hir, HirKind};

use crate::anchors::{is_at, AnchorFinder, EMBEDDED_PLAN};
use crate::catalog::{self, Catalog, EntryId, Rule, VendorId};
use crate::error::{Error, Result};
use crate::gates::{
    covering_substrings, finders, lower_cased_exactly, parse, prefix_literals, CodeLead,
    FoldedGate, FoldedLine, SiteFinder, MAX_GATE_SUBSTRINGS,
};

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
    /// Per rule: whether an anchor of the current line triggered it.
    triggered: Vec<bool>,
    /// The rules triggered on the current line.
    fired: Vec<usize>,
    /// (rule, position in the line, anchor literal) of every anchor occurrence of the
    /// current line.
    at: Vec<(usize, usize, usize)>,
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
    /// The lines with anchors found and not yet confirmed.
    batch: Batch,
}

/// How many lines with anchors are gathered before they are confirmed.
const BATCH_LINES: usize = 1024;

/// Lines with anchors, gathered to be confirmed together (see [`Matcher::find_lines`]).
#[derive(Debug, Default)]
struct Batch {
    /// In input order.
    lines: Vec<PendingLine>,
    /// (rule, position in the line, anchor literal) of every anchor occurrence of the lines.
    at: Vec<(usize, usize, usize)>,
    /// The distinct sets of rules triggered by the lines (their kinds), with how many lines
    /// have each, then where each kind's lines begin in `order`.
    kinds: Vec<(u64, u32)>,
    /// Per line: the index of its kind in `kinds`.
    kind_of: Vec<u32>,
    /// Line indexes, kind by kind: the order in which the lines are confirmed.
    order: Vec<u32>,
    /// The hits of the lines.
    hits: Vec<Hit>,
}

impl Batch {
    /// Fills `order` with the indexes of the lines grouped by kind, each kind's lines in input
    /// order. A counting sort: a batch holds few kinds, and sorting its lines by comparison
    /// took about 2.5% of the scan's instructions.
    fn group_by_kind(&mut self) {
        let Batch {
            lines,
            kinds,
            kind_of,
            order,
            ..
        } = self;
        kinds.clear();
        kind_of.clear();
        let mut last = 0;
        for l in lines.iter() {
            // Lines of one kind tend to come together: the last kind is tried first.
            if kinds.get(last).is_none_or(|&(rules, _)| rules != l.rules) {
                last = match kinds.iter().position(|&(rules, _)| rules == l.rules) {
                    Some(k) => k,
                    None => {
                        kinds.push((l.rules, 0));
                        kinds.len() - 1
                    }
                };
            }
            kinds[last].1 += 1;
            kind_of.push(last as u32);
        }
        let mut begin = 0;
        for (_, n) in kinds.iter_mut() {
            (begin, *n) = (begin + *n, begin);
        }
        order.clear();
        order.resize(lines.len(), 0);
        for (i, &k) in kind_of.iter().enumerate() {
            let slot = &mut kinds[k as usize].1;
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
    }
}

/// A line with anchors, waiting to be confirmed.
#[derive(Debug)]
struct PendingLine {
    start: usize,
    /// The offset of its newline (or the haystack's end).
    nl: usize,
    /// The rules its anchors trigger, as a set (rules past the 63rd share the last bit).
    rules: u64,
    /// Its anchor occurrences in [`Batch::at`].
    at: std::ops::Range<usize>,
    /// Its hits in [`Batch::hits`], once confirmed.
    hits: std::ops::Range<usize>,
}

/// Where the line that starts at `start` and ends at the newline at `nl` ends, without a `\r`
/// before the newline.
fn line_end(hay: &[u8], start: usize, nl: usize) -> usize {
    if nl > start && hay[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// One rule's reusable search memory (a rule's groups and caches are its own: no shared pool
/// on the hot path).
#[derive(Debug)]
struct RuleScratch {
    caps: Captures,
    cache: meta::Cache,
    /// The caches of its attribution conditions.
    attribution: Vec<meta::Cache>,
}

impl RuleScratch {
    fn new(rule: &Rule, compiled: &Compiled) -> RuleScratch {
        RuleScratch {
            caps: rule.regex.create_captures(),
            cache: rule.regex.create_cache(),
            attribution: compiled
                .attribution
                .iter()
                .map(|c| c.regex.create_cache())
                .collect(),
        }
    }
}

/// The compiled rules of a catalog.
#[derive(Debug)]
pub struct Matcher<'c> {
    catalog: &'c Catalog,
    /// Finds the rules' anchors (the distinct anchor literals, by index).
    anchors: AnchorFinder,
    /// For each anchor literal, the rules it triggers.
    anchor_rules: Vec<Vec<usize>>,
    /// When set, only hits of these vendors are reported.
    vendors: Option<Vec<VendorId>>,
    /// The distinct line regexes of the rules: envelopes (`require_any`) and rejections
    /// (`reject_any`).
    envelopes: Vec<Envelope<'c>>,
    /// Per rule: what it needs on the hot path.
    compiled: Vec<Compiled>,
    /// The distinct site finders of the rules tried where their code can start.
    sites: Vec<SiteFinder>,
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
    /// For a rule tried at places (anchors or start literals): its anchored DFA, when small.
    dfa: Option<AnchoredDfa>,
    /// Per anchor literal (by index), for a rule tried at its anchors: where its DFA is after
    /// reading that anchor.
    skips: Vec<Option<Skip>>,
    /// Its `attribute` conditions, in order.
    attribution: Vec<Condition>,
    /// When every condition has a gate: one gate for them all, so that a line that names no
    /// vendor costs one search.
    attribution_gate: Option<FoldedGate>,
}

/// One `attribute` condition of a rule, asked of a line only when its gate admits the line
/// (most lines name no vendor).
#[derive(Debug)]
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
    /// Where one of these literals, which every match starts with, occurs.
    Literals(Vec<memchr::memmem::Finder<'static>>),
    /// At the sites found by a site finder (its index in [`Matcher::sites`]), and the given
    /// numbers of bytes before them (see [`CodeLead`]).
    BeforeCode {
        sites: usize,
        lead: std::ops::RangeInclusive<usize>,
    },
    /// Anywhere: the regex searches the line, if the gate (when there is one) admits it.
    Anywhere(Option<FoldedGate>),
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
        for rule in catalog.rules() {
            for anchor in &rule.anchors {
                if !literals.contains(&anchor.as_str()) {
                    literals.push(anchor);
                }
            }
        }
        let anchor_rules: Vec<Vec<usize>> = literals
            .iter()
            .map(|l| {
                let rules = catalog.rules().iter().enumerate();
                rules
                    .filter(|(_, r)| r.anchors.iter().any(|a| a == l))
                    .map(|(ri, _)| ri)
                    .collect()
            })
            .collect();
        let anchors = AnchorFinder::new(&literals, EMBEDDED_PLAN)?;
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
        for r in catalog.rules() {
            let envelope = r.require.as_ref().map(&mut index_of);
            let reject = r.reject.as_ref().map(&mut index_of);
            let starts = if r.at_anchor {
                Starts::Anywhere(None)
            } else {
                line_starts(&r.pattern, &mut sites)
            };
            let dfa = (r.at_anchor || !matches!(starts, Starts::Anywhere(_)))
                .then(|| AnchoredDfa::new(&r.pattern))
                .flatten();
            let skips = literals
                .iter()
                .map(|l| {
                    let own = r.at_anchor && r.anchors.iter().any(|a| a == l);
                    dfa.as_ref()
                        .filter(|_| own)
                        .and_then(|d| d.skip(l.as_bytes()))
                })
                .collect();
            let attribution = r
                .attribute
                .iter()
                .map(|(_, when)| {
                    let when = when.as_str();
                    let lowered = lower_cased_exactly(when);
                    let builder = catalog::engine_builder();
                    let regex = match &lowered {
                        Some(hir) => builder.build_from_hir(hir),
                        None => builder.build(when),
                    };
                    let regex = regex.map_err(|e| {
                        Error::Usage(format!("{}: cannot build the attribution: {e}", r.origin))
                    })?;
                    Ok(Condition {
                        gate: FoldedGate::new(when),
                        regex,
                        folded: lowered.is_some(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let gates: Option<Vec<FoldedGate>> =
                attribution.iter().map(|c| c.gate.clone()).collect();
            let attribution_gate = gates
                .filter(|g| !g.is_empty())
                .and_then(|g| FoldedGate::any(&g));
            compiled.push(Compiled {
                envelope,
                cheap: false,
                reject,
                starts,
                capture: Capture::of(&r.pattern),
                dfa,
                skips,
                attribution,
                attribution_gate,
            });
        }
        for c in &mut compiled {
            c.cheap = c.envelope.is_some_and(|e| envelopes[e].is_cheap());
        }
        Ok(Matcher {
            catalog,
            anchors,
            anchor_rules,
            vendors,
            envelopes,
            compiled,
            sites,
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
        scratch.triggered.resize(rules, false);
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
                for &ri in &self.anchor_rules[literal] {
                    *rules |= 1 << ri.min(63);
                    scratch.batch.at.push((ri, a - *start, literal));
                }
            });
        }
        self.confirm_batch(hay, scratch, &mut sink);
    }

    /// Confirms the lines of the batch, grouped by the rules they triggered, and reports
    /// their hits in input order.
    ///
    /// Why grouped: lines of one kind (Akamai JSON, WSO2 carbon lines, Okta exceptions) take
    /// the same path through the rules, the same DFAs and envelopes; taken one kind after
    /// another rather than in the log's mixed order, they run faster (the branch predictor
    /// and the caches see one kind at a time).
    fn confirm_batch<F>(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut F)
    where
        F: FnMut(&LineHits<'_>),
    {
        let mut batch = std::mem::take(&mut scratch.batch);
        batch.group_by_kind();
        batch.hits.clear();
        for &i in &batch.order {
            let l = &mut batch.lines[i as usize];
            for &(ri, at, literal) in &batch.at[l.at.clone()] {
                if !scratch.triggered[ri] {
                    scratch.triggered[ri] = true;
                    scratch.fired.push(ri);
                }
                scratch.at.push((ri, at, literal));
            }
            self.finish_line(hay, l.start, l.nl, scratch);
            let first = batch.hits.len();
            batch.hits.append(&mut scratch.hits);
            l.hits = first..batch.hits.len();
        }
        for l in &batch.lines {
            if !l.hits.is_empty() {
                sink(&LineHits {
                    start: l.start,
                    end: line_end(hay, l.start, l.nl),
                    hits: &batch.hits[l.hits.clone()],
                });
            }
        }
        batch.lines.clear();
        batch.at.clear();
        scratch.batch = batch;
    }

    /// Confirms the triggered rules on the line `hay[start..nl]`, leaves its hits in
    /// `scratch.hits`, and resets the triggers.
    fn finish_line(&self, hay: &[u8], start: usize, nl: usize, scratch: &mut Scratch) {
        // Rules are tried in the catalog's order, whatever the order of their anchors.
        scratch.fired.sort_unstable();
        self.line_hits(hay, start, line_end(hay, start, nl), scratch);
        for &ri in &scratch.fired {
            scratch.triggered[ri] = false;
        }
        scratch.fired.clear();
        scratch.envelopes.iter_mut().for_each(|e| *e = None);
        scratch
            .sites
            .iter_mut()
            .for_each(|(found, _)| *found = false);
        scratch.folded.reset();
        scratch.at.clear();
    }

    /// Fills `scratch.hits` with the resolved hits of the line `hay[start..end]`, trying the
    /// rules in `scratch.fired`.
    fn line_hits(&self, hay: &[u8], start: usize, end: usize, scratch: &mut Scratch) {
        let line = &hay[start..end];
        let rules = self.catalog.rules();
        scratch.hits.clear();
        scratch.suppressed.clear();
        for i in 0..scratch.fired.len() {
            let ri = scratch.fired[i];
            let (rule, plan) = (&rules[ri], &self.compiled[ri]);
            // A rule whose hits an earlier rule has already claimed for this line has
            // nothing to add (unless its own hits would suppress others).
            if rule.suppresses.is_empty()
                && scratch
                    .suppressed
                    .iter()
                    .any(|&(v, r)| v == rule.vendor && r.is_none_or(|r| r == ri))
            {
                continue;
            }
            if plan.cheap && !self.envelope_met(plan.envelope, line, &mut scratch.envelopes) {
                continue;
            }
            let before = scratch.hits.len();
            let memory = scratch.rules[ri].get_or_insert_with(|| RuleScratch::new(rule, plan));
            let found = &mut scratch.found;
            found.clear();
            if rule.at_anchor {
                if plan.envelope.is_some() && !plan.cheap {
                    // Whether the regex matches at an anchor at all decides if the envelope is
                    // worth its search; a DFA tells that more cheaply than captures.
                    let dfa = plan.dfa.as_ref();
                    let matches = scratch.at.iter().any(|&(r, pos, literal)| {
                        let skip = plan.skips[literal].as_ref();
                        r == ri
                            && pos <= line.len()
                            && match_end(rule, dfa, skip, line, pos, &mut memory.cache).is_some()
                    });
                    if !matches || !self.envelope_met(plan.envelope, line, &mut scratch.envelopes) {
                        continue;
                    }
                }
                for &(r, pos, literal) in &scratch.at {
                    if r == ri && pos <= line.len() {
                        let skip = plan.skips[literal].as_ref();
                        capture_at(rule, plan, skip, line, pos, memory, found);
                    }
                }
            } else if !matches!(plan.starts, Starts::Anywhere(_)) {
                // Every match begins at one of these places: the regex is tried, anchored,
                // there, leftmost first, as an unanchored search would.
                let at = &mut scratch.starts;
                at.clear();
                match &plan.starts {
                    Starts::Literals(starts) => {
                        for literal in starts {
                            let mut from = 0;
                            while let Some(i) = literal.find(&line[from..]) {
                                at.push(from + i);
                                from += i + 1;
                            }
                        }
                    }
                    Starts::BeforeCode { sites, lead } => {
                        let (found, places) = &mut scratch.sites[*sites];
                        if !*found {
                            places.clear();
                            self.sites[*sites].sites(line, places);
                            *found = true;
                        }
                        for &site in places.iter() {
                            at.extend(lead.clone().filter_map(|k| site.checked_sub(k)));
                        }
                    }
                    Starts::Anywhere(_) => {}
                }
                at.sort_unstable();
                at.dedup();
                let mut from = 0;
                for &pos in at.iter() {
                    if pos >= from {
                        if let Some(end) = capture_at(rule, plan, None, line, pos, memory, found) {
                            from = end.max(pos + 1);
                        }
                    }
                }
            } else {
                if let Starts::Anywhere(Some(gate)) = &plan.starts {
                    if !gate.admits(scratch.folded.of(line)) {
                        continue;
                    }
                }
                let mut from = 0;
                while from <= line.len() {
                    let input = RInput::new(line).range(from..);
                    let m = if let Some(bytes) = plan.capture.code_bytes() {
                        // The match's span tells the code: no capture search.
                        let Some(m) = rule.regex.search_with(&mut memory.cache, &input) else {
                            break;
                        };
                        let (code_start, code_end) = bytes.code_in(line, m.start(), m.end());
                        found.push((m.start(), m.end(), code_start, code_end));
                        m
                    } else {
                        let RuleScratch { caps, cache, .. } = memory;
                        rule.regex.search_captures_with(cache, &input, caps);
                        let Some(m) = caps.get_match() else { break };
                        push_match(caps, rule.code_group, found);
                        m
                    };
                    from = if m.is_empty() { m.end() + 1 } else { m.end() };
                }
            }
            if rule.at_anchor && found.len() > 1 {
                // Matches at nested anchors (`Params.Illegal` inside
                // `Operation.Params.Illegal...`) overlap an earlier, longer one: keep that.
                found.sort_unstable_by_key(|&(ws, we, _, _)| (ws, std::cmp::Reverse(we)));
                let mut kept_end = 0;
                let mut first = true;
                found.retain(|&(ws, we, _, _)| {
                    let keep = first || ws >= kept_end;
                    if keep {
                        kept_end = we;
                        first = false;
                    }
                    keep
                });
            }
            if found.is_empty()
                || (!plan.cheap && !self.envelope_met(plan.envelope, line, &mut scratch.envelopes))
                || (plan.reject.is_some()
                    && self.envelope_met(plan.reject, line, &mut scratch.envelopes))
            {
                continue;
            }
            // The first condition, in the rule's order, that the line meets.
            let folded = &mut scratch.folded;
            let names_none = plan
                .attribution_gate
                .as_ref()
                .is_some_and(|g| !g.admits(folded.of(line)));
            let attributed = (!names_none)
                .then_some(&plan.attribution)
                .into_iter()
                .flatten()
                .zip(&mut memory.attribution)
                .position(|(c, cache)| {
                    if c.gate.as_ref().is_some_and(|g| !g.admits(folded.of(line))) {
                        return false;
                    }
                    let text = if c.folded { folded.of(line) } else { line };
                    c.regex.is_match_with(cache, &RInput::new(text))
                })
                .map(|i| rule.attribute[i].0);
            for &(ws, we, cs, ce) in found.iter() {
                if let Some(code_ref) = self.resolve(rule, attributed, &line[cs..ce]) {
                    scratch.hits.push(Hit {
                        code: code_ref,
                        offset: start + cs,
                        matched: start + ws..start + we,
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

    /// Whether `line` meets the envelope (none is always met). Rules with the same envelope
    /// (Akamai's number and name) share one answer per line, kept in `known`.
    fn envelope_met(
        &self,
        envelope: Option<usize>,
        line: &[u8],
        known: &mut [Option<bool>],
    ) -> bool {
        let Some(e) = envelope else { return true };
        *known[e].get_or_insert_with(|| self.envelopes[e].is_match(line))
    }

    /// Applies the one-error-one-hit rules to the hits of one line.
    fn settle(&self, scratch: &mut Scratch) {
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

    /// Looks a captured code up: in the vendor the line is attributed to, then in the rule's
    /// own vendor (reported under the attributed vendor when there is one: Okta's
    /// `invalid_grant` is described by RFC 6749), then in any vendor the rule can attribute
    /// to (a vendor-specific name such as IDaaS's `login_failed` belongs to that vendor even
    /// on a line that does not name it).
    fn resolve(&self, rule: &Rule, attributed: Option<VendorId>, code: &[u8]) -> Option<CodeRef> {
        let cat = self.catalog;
        if let Some(v) = attributed {
            if let Some(id) = cat.lookup(v, code, rule.lookup) {
                return Some(CodeRef::Known(id));
            }
        }
        if let Some(id) = cat.lookup(rule.vendor, code, rule.lookup) {
            return Some(match attributed {
                Some(vendor) if vendor != rule.vendor => CodeRef::Attributed { vendor, entry: id },
                _ => CodeRef::Known(id),
            });
        }
        for &(v, _) in &rule.attribute {
            if let Some(id) = cat.lookup(v, code, rule.lookup) {
                return Some(CodeRef::Known(id));
            }
        }
        rule.count_unknown.then(|| CodeRef::Unknown {
            vendor: attributed.unwrap_or(rule.vendor),
            code: String::from_utf8_lossy(code).into(),
        })
    }
}

/// Where a rule searched in the whole line is tried: at the literals its matches start with
/// when there are a few of three bytes or more (shorter ones occur too often to save
/// anything), else a few bytes before the sites of its code, else anywhere its gate admits.
/// A new site finder is added to `sites` unless one finds the same literals.
fn line_starts(pattern: &str, sites: &mut Vec<SiteFinder>) -> Starts {
    if let Some(literals) = prefix_literals(pattern).filter(|l| l.iter().all(|l| l.len() >= 3)) {
        return Starts::Literals(finders(&literals));
    }
    if let Some(code) = CodeLead::of(pattern) {
        let index = sites.iter().position(|f| f.finds(&code.literals));
        let index = index.or_else(|| {
            sites.push(SiteFinder::new(&code.literals)?);
            Some(sites.len() - 1)
        });
        if let Some(sites) = index {
            return Starts::BeforeCode {
                sites,
                lead: code.lead,
            };
        }
    }
    Starts::Anywhere(FoldedGate::new(pattern))
}

/// Drops the `weak` hits of every vendor that also has a hit that is not weak.
fn give_way(
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

/// Matches `rule` anchored at `pos` of `line` (where `skip`'s anchor may be); on success,
/// records the spans in `found` and returns the match's end.
fn capture_at(
    rule: &Rule,
    plan: &Compiled,
    skip: Option<&Skip>,
    line: &[u8],
    pos: usize,
    memory: &mut RuleScratch,
    found: &mut Vec<(usize, usize, usize, usize)>,
) -> Option<usize> {
    let RuleScratch { caps, cache, .. } = memory;
    let mut input = RInput::new(line).range(pos..).anchored(Anchored::Yes);
    if plan.capture != Capture::OnePass {
        // A DFA finds where the match ends (or that there is none) far more cheaply than the
        // backtracker that captures would take.
        let end = match_end(rule, plan.dfa.as_ref(), skip, line, pos, cache)?;
        if let Some(bytes) = plan.capture.code_bytes() {
            let (code_start, code_end) = bytes.code_in(line, pos, end);
            found.push((pos, end, code_start, code_end));
            return Some(end);
        }
        // Look-around still sees past the shortened span's end.
        input.set_end(end);
    }
    rule.regex.search_captures_with(cache, &input, caps);
    let end = caps.get_match()?.end();
    push_match(caps, rule.code_group, found);
    Some(end)
}

/// The end of the match of `rule` that starts at `pos` in `line` (where `skip`'s anchor may
/// be), if there is one.
fn match_end(
    rule: &Rule,
    dfa: Option<&AnchoredDfa>,
    skip: Option<&Skip>,
    line: &[u8],
    pos: usize,
    cache: &mut meta::Cache,
) -> Option<usize> {
    if let Some(answer) = dfa.and_then(|d| d.end_at(line, pos, skip)) {
        return answer;
    }
    let input = RInput::new(line).range(pos..).anchored(Anchored::Yes);
    Some(rule.regex.search_half_with(cache, &input)?.offset())
}

/// A rule's regex as a fully built DFA for anchored searches only: confirming a candidate
/// is then a walk over its bytes, with no setup beyond looking up the start state.
#[derive(Debug)]
struct AnchoredDfa {
    dfa: dense::DFA<Vec<u32>>,
    /// The start state for each byte before the match, and (last) for none.
    starts: Vec<StateID>,
}

impl AnchoredDfa {
    /// The DFA of `pattern`, unless it would be large (then the lazy DFA serves).
    fn new(pattern: &str) -> Option<AnchoredDfa> {
        let dfa = dense::Builder::new()
            .syntax(catalog::engine_syntax())
            .thompson(thompson::Config::new().which_captures(WhichCaptures::None))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .match_kind(regex_automata::MatchKind::LeftmostFirst)
                    .dfa_size_limit(Some(ANCHORED_DFA_LIMIT))
                    .determinize_size_limit(Some(ANCHORED_DFA_LIMIT)),
            )
            .build(pattern)
            .ok()?;
        let starts = (0..=256)
            .map(|b| {
                let config = start::Config::new()
                    .anchored(Anchored::Yes)
                    .look_behind(u8::try_from(b).ok());
                dfa.start_state(&config).ok()
            })
            .collect::<Option<Vec<_>>>()?;
        Some(AnchoredDfa { dfa, starts })
    }

    /// Where this DFA is after reading `literal` from each of its start states, for the
    /// start states from which no match ends inside it and it leads to no dead or quit state.
    fn skip(&self, literal: &[u8]) -> Option<Skip> {
        let mut starts = self.starts.clone();
        starts.sort_unstable();
        starts.dedup();
        let after: Vec<(StateID, StateID)> = starts
            .into_iter()
            .filter_map(|start| {
                let mut sid = start;
                for &b in literal {
                    sid = self.dfa.next_state(sid, b);
                    if self.dfa.is_special_state(sid) && !self.dfa.is_accel_state(sid) {
                        return None;
                    }
                }
                Some((start, sid))
            })
            .collect();
        (!after.is_empty()).then(|| Skip {
            literal: literal.into(),
            after,
        })
    }

    /// The end of the leftmost-first match that starts at `pos` in `hay`: `Some(None)` when
    /// there is none, `None` when this DFA cannot tell (a byte it gives up on). When `skip`'s
    /// literal is at `pos`, the walk starts after it.
    fn end_at(&self, hay: &[u8], pos: usize, skip: Option<&Skip>) -> Option<Option<usize>> {
        let dfa = &self.dfa;
        let behind = pos.checked_sub(1).map_or(256, |i| usize::from(hay[i]));
        let mut sid = self.starts[behind];
        let mut from = pos;
        if let Some(skip) = skip {
            if let Some(&(_, after)) = skip.after.iter().find(|&&(start, _)| start == sid) {
                if is_at(hay, pos, &skip.literal) {
                    sid = after;
                    from = pos + skip.literal.len();
                }
            }
        }
        let mut end = None;
        // Matches are reported one byte late: entering a match state at `i` ends one at `i`.
        for (i, &b) in hay[from..].iter().enumerate() {
            // SAFETY: `sid` is a start state of this DFA or a state its transitions led to
            // (a walk stops at a dead or quit state), so it is a valid state of this DFA.
            sid = unsafe { dfa.next_state_unchecked(sid, b) };
            if dfa.is_special_state(sid) {
                if dfa.is_match_state(sid) {
                    end = Some(from + i);
                } else if dfa.is_dead_state(sid) {
                    return Some(end);
                } else if dfa.is_quit_state(sid) {
                    return None;
                }
            }
        }
        if dfa.is_match_state(dfa.next_eoi_state(sid)) {
            end = Some(hay.len());
        }
        Some(end)
    }
}

/// Where an [`AnchoredDfa`] is after reading a literal (a rule's anchor) from its start states:
/// a walk from an anchor need not read the anchor's bytes again.
#[derive(Debug)]
struct Skip {
    literal: Box<[u8]>,
    /// (start state, state after the literal).
    after: Vec<(StateID, StateID)>,
}

/// The largest anchored DFA built for a rule, in bytes.
const ANCHORED_DFA_LIMIT: usize = 1 << 20;

/// Records the (whole match, code group) spans of a successful search.
fn push_match(caps: &Captures, code_group: usize, found: &mut Vec<(usize, usize, usize, usize)>) {
    if let (Some(m), Some(c)) = (caps.get_match(), caps.get_group(code_group)) {
        found.push((m.start(), m.end(), c.start, c.end));
    }
}

/// A rule's envelope (a regex the whole line must match), or its rejection (one it must not).
#[derive(Debug)]
struct Envelope<'c> {
    regex: &'c regex::bytes::Regex,
    /// Substrings one of which every match contains, when a few of three bytes or more can be
    /// known (else none): most lines lack them, and substring searches cost a fraction of a
    /// regex search. (More than a few cost more than the regex's own prefilter.) With each,
    /// the offsets at which it sits in the literals a match starts with.
    gate: Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>,
    /// With a gate: the regex as an anchored DFA, tried only where the gate places a match.
    dfa: Option<AnchoredDfa>,
}

impl<'c> Envelope<'c> {
    fn new(regex: &'c regex::bytes::Regex) -> Envelope<'c> {
        let literals = prefix_literals(regex.as_str()).unwrap_or_default();
        let gate: Vec<_> = covering_substrings(&literals, 3, MAX_GATE_SUBSTRINGS)
            .unwrap_or_default()
            .into_iter()
            .map(|g| {
                let finder = memchr::memmem::Finder::new(&g).into_owned();
                let mut offsets: Vec<usize> = literals
                    .iter()
                    .flat_map(|l| (0..l.len()).filter(|&i| l[i..].starts_with(&g)))
                    .collect();
                offsets.sort_unstable();
                offsets.dedup();
                (finder, offsets)
            })
            .collect();
        let dfa = (!gate.is_empty())
            .then(|| AnchoredDfa::new(regex.as_str()))
            .flatten();
        Envelope { regex, gate, dfa }
    }

    /// Whether most lines can be ruled out with a few substring searches.
    fn is_cheap(&self) -> bool {
        !self.gate.is_empty()
    }

    fn is_match(&self, line: &[u8]) -> bool {
        if self.gate.is_empty() {
            return self.regex.is_match(line);
        }
        let Some(dfa) = &self.dfa else {
            return self.gate.iter().any(|(g, _)| g.find(line).is_some())
                && self.regex.is_match(line);
        };
        // Every match starts with a literal that holds a gate substring at a known offset:
        // the DFA is tried where those occurrences place a start, and nowhere else.
        for (gate, offsets) in &self.gate {
            let mut from = 0;
            while let Some(i) = gate.find(&line[from..]) {
                let at = from + i;
                for &offset in offsets.iter().filter(|&&o| o <= at) {
                    match dfa.end_at(line, at - offset, None) {
                        Some(Some(_)) => return true,
                        Some(None) => {}
                        None => return self.regex.is_match(line),
                    }
                }
                from = at + 1;
            }
        }
        false
    }
}

/// How a rule's code is taken from an anchored match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Capture {
    /// The regex is one-pass: captures cost one deterministic walk over the match.
    OnePass,
    /// The `code` group is the whole match (give or take zero-width assertions), so the
    /// match's span is the code's and no capture search is needed.
    WholeMatch,
    /// The code's bytes alone tell its place in the match (see [`code_suffix`]):
    /// `...#error-(?P<code>\d{4,5})\b`, `"error":"(?P<code>[a-z_]+)"`. The code is read off
    /// the span a DFA found.
    Suffix(ByteSet),
    /// Captures need the backtracker, over the span a DFA found first.
    Backtrack,
}

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.0[usize::from(b / 64)] |= 1 << (b % 64);
        }
    }

    fn contains(self, b: u8) -> bool {
        self.0[usize::from(b / 64)] & (1 << (b % 64)) != 0
    }

    fn union(self, other: ByteSet) -> ByteSet {
        let mut words = self.0;
        words.iter_mut().zip(other.0).for_each(|(a, b)| *a |= b);
        ByteSet(words)
    }

    fn is_disjoint(self, other: ByteSet) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| a & b == 0)
    }

    /// The code in the match `hay[start..end]` of a pattern whose code's bytes are these (see
    /// [`code_suffix`]): the run of them that ends where the trailing run of others begins.
    fn code_in(self, hay: &[u8], start: usize, end: usize) -> (usize, usize) {
        if self == ByteSet::ALL {
            return (start, end);
        }
        let span = &hay[start..end];
        let code_end = span
            .iter()
            .rposition(|&b| self.contains(b))
            .map_or(start, |i| start + i + 1);
        let code_start = span[..code_end - start]
            .iter()
            .rposition(|&b| !self.contains(b))
            .map_or(start, |i| start + i + 1);
        (code_start, code_end)
    }
}

impl Capture {
    /// The bytes that tell the code in a match's span, when the span is enough.
    fn code_bytes(self) -> Option<ByteSet> {
        match self {
            Capture::WholeMatch => Some(ByteSet::ALL),
            Capture::Suffix(bytes) => Some(bytes),
            Capture::OnePass | Capture::Backtrack => None,
        }
    }

    fn of(pattern: &str) -> Capture {
        let hir = parse(pattern);
        let parts = hir.as_ref().map(consuming_parts).unwrap_or_default();
        if let [code] = parts[..] {
            if is_code(code) {
                return Capture::WholeMatch;
            }
        }
        // A DFA's match end and a byte scan cost far less than even one-pass captures.
        if let Some(bytes) = code_suffix(&parts) {
            return Capture::Suffix(bytes);
        }
        let one_pass = regex_automata::dfa::onepass::DFA::builder()
            .syntax(catalog::engine_syntax())
            .build(pattern)
            .is_ok();
        if one_pass {
            Capture::OnePass
        } else {
            Capture::Backtrack
        }
    }
}

/// The parts of `hir` in order, without its zero-width assertions (`\b`, `^`).
fn consuming_parts(hir: &Hir) -> Vec<&Hir> {
    let is_look = |h: &&Hir| matches!(h.kind(), HirKind::Look(_));
    match hir.kind() {
        HirKind::Concat(parts) => parts.iter().filter(|h| !is_look(h)).collect(),
        _ => std::iter::once(hir).filter(|h| !is_look(h)).collect(),
    }
}

/// Whether `hir` is the `code` group.
fn is_code(hir: &Hir) -> bool {
    matches!(hir.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("code"))
}

/// The bytes the `code` group may hold, when those bytes alone tell the code's place in a
/// match: the group is one of a pattern's `parts` and cannot be empty, none of its bytes can
/// end what precedes it (or nothing does), and none can occur in what follows it. The code
/// is then the run of such bytes that ends where the match's trailing run of other bytes
/// begins.
fn code_suffix(parts: &[&Hir]) -> Option<ByteSet> {
    let at = parts.iter().position(|h| is_code(h))?;
    let code = parts[at];
    if code.properties().minimum_len().is_none_or(|n| n == 0) {
        return None;
    }
    let bytes = byte_set(code)?;
    for after in &parts[at + 1..] {
        if !byte_set(after)?.is_disjoint(bytes) {
            return None;
        }
    }
    // What precedes the code may also be empty: the match's start then bounds the code.
    let (before, _) = last_bytes(&parts[..at])?;
    before.is_disjoint(bytes).then_some(bytes)
}

/// The bytes a match of the concatenation of `parts` may end with, and whether it may be empty.
fn last_bytes(parts: &[&Hir]) -> Option<(ByteSet, bool)> {
    let mut set = ByteSet::default();
    for part in parts.iter().rev() {
        let (last, empty) = match part.kind() {
            HirKind::Empty | HirKind::Look(_) => (ByteSet::default(), true),
            HirKind::Literal(l) => {
                let mut last = ByteSet::default();
                if let Some(&b) = l.0.last() {
                    last.insert_range(b, b);
                }
                (last, l.0.is_empty())
            }
            HirKind::Class(_) => (byte_set(part)?, false),
            HirKind::Repetition(r) => {
                let (last, empty) = last_bytes(&[&r.sub])?;
                (last, empty || r.min == 0)
            }
            HirKind::Capture(c) => last_bytes(&[&c.sub])?,
            HirKind::Concat(subs) => last_bytes(&subs.iter().collect::<Vec<_>>())?,
            HirKind::Alternation(subs) => {
                let mut any = (ByteSet::default(), false);
                for sub in subs {
                    let (last, empty) = last_bytes(&[sub])?;
                    any = (any.0.union(last), any.1 || empty);
                }
                any
            }
        };
        set = set.union(last);
        if !empty {
            return Some((set, false));
        }
    }
    Some((set, true))
}

/// Every byte a match of `hir` may hold, when that can be told (ASCII classes, bytes).
fn byte_set(hir: &Hir) -> Option<ByteSet> {
    use regex_syntax::hir::Class;
    let mut set = ByteSet::default();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => l.0.iter().for_each(|&b| set.insert_range(b, b)),
        HirKind::Class(Class::Bytes(c)) => {
            c.iter().for_each(|r| set.insert_range(r.start(), r.end()));
        }
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.iter() {
                let (lo, hi) = (u8::try_from(r.start()).ok()?, u8::try_from(r.end()).ok()?);
                if hi > 0x7F {
                    return None;
                }
                set.insert_range(lo, hi);
            }
        }
        HirKind::Repetition(r) => set = byte_set(&r.sub)?,
        HirKind::Capture(c) => set = byte_set(&c.sub)?,
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            for part in parts {
                set = set.union(byte_set(part)?);
            }
        }
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gates::MAX_PREFIX_LITERALS;

    fn suffix(pattern: &str) -> Option<ByteSet> {
        code_suffix(&consuming_parts(&parse(pattern).unwrap()))
    }

    fn whole(pattern: &str) -> bool {
        Capture::of(pattern) == Capture::WholeMatch
    }

    /// A catalog of one vendor, `v`, with these rules.
    fn one_vendor(rules: &str) -> Catalog {
        let toml = format!("[vendor]\nid = \"v\"\nname = \"V\"\n{rules}");
        Catalog::from_sources(&[("t.toml".to_string(), toml)]).unwrap()
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
        for line in [
            "S: 17002 Invalid credentials",
            "17003 - Locked S:",
            "S: 2017002 Not, 41717001 No, (17004: Yes) #51001 Ok,18002 x 22001 Zed",
            "S:(17001 Aa 17001-  Bb",
            "S: 417002 X 170017 Y 1700 Z",
        ] {
            // One hit per code and line.
            let mut want: Vec<&str> = Vec::new();
            for c in re.captures_iter(line) {
                let code = c.name("code").unwrap().as_str();
                if !want.contains(&code) {
                    want.push(code);
                }
            }
            assert_eq!(codes(&rules, &format!("{line}\n")), want, "{line}");
        }
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
            let Some(bytes) = Capture::of(&rule.pattern).code_bytes() else {
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
            let skips: Vec<Skip> = rule
                .anchors
                .iter()
                .filter_map(|a| dfa.skip(a.as_bytes()))
                .collect();
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
                    // Starting after an anchor changes nothing, whether it is there or not.
                    for skip in &skips {
                        assert_eq!(
                            dfa.end_at(line, pos, Some(skip)),
                            Some(want),
                            "{} at {pos}, after {:?}",
                            rule.origin,
                            String::from_utf8_lossy(&skip.literal)
                        );
                        skipped += usize::from(line[pos..].starts_with(&skip.literal));
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
