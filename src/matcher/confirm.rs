//! Confirming a line: trying the rules its anchors triggered, at their places.

use regex_automata::util::captures::Captures;
use regex_automata::{meta, Anchored, Input as RInput};

use super::capture::Capture;
use super::dfa::{AnchoredDfa, LeadDfa};
use super::gates::{
    covering_substrings, offsets_in, prefix_literals, CodeAtAnchors, CodeLead, FoldedGate, Lead,
    SiteFinder,
};
use super::{Compiled, Hit, LazyDfa, LazyLead, LazyTail, Matcher, Scratch, Starts};
use crate::catalog::Rule;

/// One rule's reusable search memory (a rule's groups and caches are its own: no shared pool
/// on the hot path).
#[derive(Debug)]
pub(super) struct RuleScratch {
    pub(super) caps: Captures,
    pub(super) cache: meta::Cache,
    /// The caches of its attribution conditions.
    pub(super) attribution: Vec<meta::Cache>,
    /// The cache of its lead's DFA, for a rule tried behind its codes.
    pub(super) lead: Option<regex_automata::hybrid::dfa::Cache>,
}

impl RuleScratch {
    pub(super) fn new(rule: &Rule, compiled: &Compiled) -> RuleScratch {
        RuleScratch {
            caps: rule.regex.create_captures(),
            cache: rule.regex.create_cache(),
            attribution: compiled
                .attribution
                .iter()
                .map(|c| c.regex.create_cache())
                .collect(),
            lead: None,
        }
    }
}

impl<'c> Matcher<'c> {
    /// Fills `scratch.hits` with the resolved hits of the line `hay[start..end]`, trying the
    /// rules in `scratch.fired`.
    pub(super) fn line_hits(&self, hay: &[u8], start: usize, end: usize, scratch: &mut Scratch) {
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
            // A rule tried at its start literals looks for them first: they are rarer than
            // what a cheap envelope's gate looks for (`"error_description` against `"error`).
            let literals_first = matches!(plan.starts, Starts::Literals(_)) && !rule.at_anchor;
            if plan.cheap
                && !literals_first
                && !self.envelope_met(plan.envelope, line, &mut scratch.envelopes)
            {
                continue;
            }
            // A rule whose lead DFA would be large is searched for in the whole line.
            let lead = match &plan.starts {
                Starts::BehindCodes(lazy) | Starts::BehindSites { lead: lazy, .. } => {
                    Some(lazy.get())
                }
                _ => None,
            };
            let whole_line =
                matches!(plan.starts, Starts::Anywhere(_)) || matches!(lead, Some(None));
            if let (Some(slot), true) = (plan.code_places, whole_line) {
                // The regex is searched in the whole line only if a code is where an anchor
                // places one.
                let places = &self.places[slot];
                if placed_codes(
                    places,
                    slot,
                    |l| self.owns(ri, l),
                    line,
                    &scratch.at,
                    &mut scratch.code_places,
                )
                .is_empty()
                {
                    continue;
                }
            }
            let before = scratch.hits.len();
            let memory = scratch.rules[ri].get_or_insert_with(|| RuleScratch::new(rule, plan));
            let found = &mut scratch.found;
            found.clear();
            if rule.at_anchor {
                if plan.envelope.is_some() && !plan.cheap {
                    // Whether the regex matches at an anchor at all decides if the envelope is
                    // worth its search; a DFA tells that more cheaply than captures.
                    let dfa = plan.dfa.as_ref().and_then(LazyDfa::get);
                    let matches = scratch.at.iter().any(|&(pos, literal)| {
                        self.owns(ri, literal)
                            && pos <= line.len()
                            && match_end(rule, dfa, Some(literal), line, pos, &mut memory.cache)
                                .is_some()
                    });
                    if !matches || !self.envelope_met(plan.envelope, line, &mut scratch.envelopes) {
                        continue;
                    }
                }
                for &(pos, literal) in &scratch.at {
                    if self.owns(ri, literal) && pos <= line.len() {
                        capture_at(rule, plan, Some(literal), line, pos, memory, found);
                    }
                }
            } else if !whole_line {
                // Every match begins at one of these places: the regex is tried, anchored,
                // there, leftmost first, as an unanchored search would.
                let at = &mut scratch.starts;
                at.clear();
                match &plan.starts {
                    Starts::Literals(starts) => {
                        for (finder, offsets) in starts {
                            let mut from = 0;
                            while let Some(i) = finder.find(&line[from..]) {
                                let p = from + i;
                                at.extend(offsets.iter().filter_map(|&o| p.checked_sub(o)));
                                from = p + 1;
                            }
                        }
                        // The envelope waits for a match: a walk from a start literal costs
                        // less than the envelope's search of the whole line.
                        if at.is_empty() {
                            continue;
                        }
                    }
                    Starts::BeforeCode { sites, lead } => {
                        let memo = &mut scratch.sites[*sites];
                        for &site in line_sites(&self.sites[*sites], line, memo) {
                            at.extend(lead.clone().filter_map(|k| site.checked_sub(k)));
                        }
                    }
                    Starts::BehindSites { sites, .. } => {
                        if let Some(Some(lead)) = lead {
                            let memo = &mut scratch.sites[*sites];
                            let places = line_sites(&self.sites[*sites], line, memo);
                            let cache = memory.lead.get_or_insert_with(|| lead.create_cache());
                            starts_behind(lead, cache, line, places, at);
                        }
                    }
                    Starts::AtCodes { lead } => {
                        if let Some(slot) = plan.code_places {
                            let (memo, starts) =
                                (&mut scratch.code_places, &mut scratch.code_starts);
                            for &c in self.followed_codes(ri, slot, line, &scratch.at, memo, starts)
                            {
                                at.extend(lead.clone().filter_map(|k| c.checked_sub(k)));
                            }
                        }
                    }
                    Starts::BehindCodes(_) => {
                        if let (Some(slot), Some(Some(lead))) = (plan.code_places, lead) {
                            let (memo, starts) =
                                (&mut scratch.code_places, &mut scratch.code_starts);
                            let codes =
                                self.followed_codes(ri, slot, line, &scratch.at, memo, starts);
                            let cache = memory.lead.get_or_insert_with(|| lead.create_cache());
                            starts_behind(lead, cache, line, codes, at);
                        }
                    }
                    Starts::Anywhere(_) => {}
                }
                at.sort_unstable();
                at.dedup();
                let mut from = 0;
                // Most places are no match's start (the byte before a code site, a gate's
                // other offset): the DFA's first byte rules them out before a walk.
                let dfa = plan.dfa.as_ref().and_then(LazyDfa::get);
                for &pos in at.iter() {
                    if pos >= from && dfa.is_none_or(|d| d.may_start(line, pos)) {
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
                || ((!plan.cheap || literals_first)
                    && !self.envelope_met(plan.envelope, line, &mut scratch.envelopes))
                || (plan.reject.is_some()
                    && self.envelope_met(plan.reject, line, &mut scratch.envelopes))
            {
                continue;
            }
            // A rule that counts no unknown codes adds nothing when none of its codes is in
            // a vendor it can report under: the conditions need not be asked.
            if !plan.attribution.is_empty()
                && !found
                    .iter()
                    .any(|&(_, _, cs, ce)| self.resolvable(rule, &line[cs..ce]))
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

    /// The starts of the codes that the anchors of rule `ri` (in `at`) place in `line` and
    /// that its tail follows (see [`placed_codes`] and [`followed`]); the line's code places
    /// are kept in `memo` for the rules of `slot`.
    fn followed_codes<'s>(
        &self,
        ri: usize,
        slot: usize,
        line: &[u8],
        at: &[(usize, usize)],
        memo: &mut Vec<(bool, Vec<(usize, usize)>)>,
        starts: &'s mut Vec<usize>,
    ) -> &'s [usize] {
        let codes = placed_codes(
            &self.places[slot],
            slot,
            |l| self.owns(ri, l),
            line,
            at,
            memo,
        );
        let tail = self.compiled[ri].tail.as_ref().and_then(LazyTail::get);
        followed(codes, tail, line, starts)
    }

    /// Whether `line` meets the envelope (none is always met). Rules with the same envelope
    /// (Akamai's number and name) share one answer per line, kept in `known`.
    #[inline]
    pub(super) fn envelope_met(
        &self,
        envelope: Option<usize>,
        line: &[u8],
        known: &mut [Option<bool>],
    ) -> bool {
        let Some(e) = envelope else { return true };
        match known[e] {
            Some(met) => met,
            None => {
                let met = self.envelopes[e].is_match(line);
                known[e] = Some(met);
                met
            }
        }
    }
}

/// The (start, end) of the codes that the anchors of rule `ri` (in `at`) place in `line`,
/// found once a line for all the rules that share `slot` of `memo` (see
/// [`code_place_slots`]).
fn placed_codes<'m>(
    codes: &CodeAtAnchors,
    slot: usize,
    own: impl Fn(usize) -> bool,
    line: &[u8],
    at: &[(usize, usize)],
    memo: &'m mut Vec<(bool, Vec<(usize, usize)>)>,
) -> &'m [(usize, usize)] {
    if memo.len() <= slot {
        memo.resize_with(slot + 1, Default::default);
    }
    let (known, places) = &mut memo[slot];
    if !*known {
        places.clear();
        let own = at.iter().filter(|a| own(a.1));
        codes.codes(line, own.map(|&(pos, literal)| (literal, pos)), |c, e| {
            places.push((c, e))
        });
        *known = true;
    }
    places
}

/// The starts of `codes` (start, end) after which `tail` (when there is one) matches in
/// `line`, each once: only there can a match hold the code.
fn followed<'s>(
    codes: &[(usize, usize)],
    tail: Option<&AnchoredDfa>,
    line: &[u8],
    starts: &'s mut Vec<usize>,
) -> &'s [usize] {
    starts.clear();
    for &(c, e) in codes {
        if starts.last() != Some(&c)
            && tail.is_none_or(|t| t.may_start(line, e) && t.matches_at(line, e) != Some(false))
        {
            starts.push(c);
        }
    }
    starts
}

/// The sites `finder` finds in `line`, found once a line for all the rules that share the
/// finder (`memo` holds them).
fn line_sites<'m>(
    finder: &SiteFinder,
    line: &[u8],
    memo: &'m mut (bool, Vec<usize>),
) -> &'m [usize] {
    let (known, places) = memo;
    if !*known {
        places.clear();
        finder.sites(line, places);
        *known = true;
    }
    places
}

/// Pushes onto `at` every place where `lead`, read backwards from one of `codes`, can begin
/// (every place up to a code where its DFA gives up).
fn starts_behind(
    lead: &LeadDfa,
    cache: &mut regex_automata::hybrid::dfa::Cache,
    line: &[u8],
    codes: &[usize],
    at: &mut Vec<usize>,
) {
    for &c in codes {
        if lead.starts_before(cache, line, c, at).is_none() {
            at.extend(0..=c);
        }
    }
}

/// Per rule with code places, its slot for the code places of a line, and each slot's places:
/// rules with the same anchors (OAuth's bracketed, AAD and client-library rules) share one
/// slot, whose places are those of all their codes, so a line's places are found once for
/// them all. A rule tried at a place that holds another rule's code finds no match there:
/// its own regex decides.
pub(super) fn code_place_slots(
    rules: &[Rule],
    codes: &[Option<CodeAtAnchors>],
) -> (Vec<Option<usize>>, Vec<CodeAtAnchors>) {
    let mut keys: Vec<&[String]> = Vec::new();
    let mut places: Vec<CodeAtAnchors> = Vec::new();
    let slots = rules
        .iter()
        .zip(codes)
        .map(|(rule, codes)| {
            let codes = codes.as_ref()?;
            let key = rule.anchors.as_slice();
            Some(match keys.iter().position(|k| *k == key) {
                Some(slot) => {
                    places[slot].add_places(codes);
                    slot
                }
                None => {
                    keys.push(key);
                    places.push(codes.places());
                    places.len() - 1
                }
            })
        })
        .collect();
    (slots, places)
}

/// Where a rule searched in the whole line is tried: at the literals its matches start with
/// when there are a few of three bytes or more (shorter ones occur too often to save
/// anything), else a few bytes before the sites of its code, else anywhere its gate admits.
/// A new site finder is added to `sites` unless one finds the same literals.
pub(super) fn line_starts(pattern: &str, sites: &mut Vec<SiteFinder>) -> Starts {
    if let Some(literals) = prefix_literals(pattern).filter(|l| l.iter().all(|l| l.len() >= 3)) {
        // Fewer substrings that the literals hold (`code` and `message` for `"code"`,
        // `\"code\"`, `"message"`, ...) are fewer searches of the line.
        let shared = covering_substrings(&literals, 3, literals.len().saturating_sub(1));
        let searched: Vec<(Vec<u8>, Vec<usize>)> = match shared {
            Some(few) => few
                .into_iter()
                .map(|w| {
                    let offsets = offsets_in(&literals, &w);
                    (w, offsets)
                })
                .collect(),
            None => literals.into_iter().map(|l| (l, vec![0])).collect(),
        };
        let finders = searched
            .into_iter()
            .map(|(w, offsets)| (memchr::memmem::Finder::new(&w).into_owned(), offsets))
            .collect();
        return Starts::Literals(finders);
    }
    if let Some(code) = CodeLead::of(pattern) {
        let index = sites.iter().position(|f| f.finds(&code));
        let index = index.or_else(|| {
            sites.push(SiteFinder::new(&code.literals, code.shape.clone())?);
            Some(sites.len() - 1)
        });
        if let Some(sites) = index {
            return match code.lead {
                Lead::Bounded(lead) => Starts::BeforeCode { sites, lead },
                Lead::Any(lead) => Starts::BehindSites {
                    sites,
                    lead: Box::new(LazyLead::new(lead)),
                },
            };
        }
    }
    Starts::Anywhere(FoldedGate::new(pattern))
}

/// Matches `rule` anchored at `pos` of `line` (where the anchor finder found the anchor literal
/// `anchor`, if any); on success, records the spans in `found` and returns the match's end.
pub(super) fn capture_at(
    rule: &Rule,
    plan: &Compiled,
    anchor: Option<usize>,
    line: &[u8],
    pos: usize,
    memory: &mut RuleScratch,
    found: &mut Vec<(usize, usize, usize, usize)>,
) -> Option<usize> {
    let RuleScratch { caps, cache, .. } = memory;
    let mut span_end = None;
    if plan.capture != Capture::OnePass {
        // A DFA finds where the match ends (or that there is none) far more cheaply than the
        // backtracker that captures would take.
        let dfa = plan.dfa.as_ref().and_then(LazyDfa::get);
        let end = match_end(rule, dfa, anchor, line, pos, cache)?;
        if let Some(bytes) = plan.capture.code_bytes() {
            let (code_start, code_end) = bytes.code_in(line, pos, end);
            found.push((pos, end, code_start, code_end));
            return Some(end);
        }
        span_end = Some(end);
    }
    let mut input = RInput::new(line).range(pos..).anchored(Anchored::Yes);
    if let Some(end) = span_end {
        // Look-around still sees past the shortened span's end.
        input.set_end(end);
    }
    rule.regex.search_captures_with(cache, &input, caps);
    let end = caps.get_match()?.end();
    push_match(caps, rule.code_group, found);
    Some(end)
}

/// The end of the match of `rule` that starts at `pos` in `line` (where the anchor finder found
/// the anchor literal `anchor`, if any), if there is one.
#[inline(always)]
pub(super) fn match_end(
    rule: &Rule,
    dfa: Option<&AnchoredDfa>,
    anchor: Option<usize>,
    line: &[u8],
    pos: usize,
    cache: &mut meta::Cache,
) -> Option<usize> {
    if let Some(answer) = dfa.and_then(|d| d.end_at(line, pos, anchor)) {
        return answer;
    }
    let input = RInput::new(line).range(pos..).anchored(Anchored::Yes);
    Some(rule.regex.search_half_with(cache, &input)?.offset())
}

/// Records the (whole match, code group) spans of a successful search.
pub(super) fn push_match(
    caps: &Captures,
    code_group: usize,
    found: &mut Vec<(usize, usize, usize, usize)>,
) {
    if let (Some(m), Some(c)) = (caps.get_match(), caps.get_group(code_group)) {
        found.push((m.start(), m.end(), c.start, c.end));
    }
}

#[cfg(test)]
mod tests {
    use crate::matcher::tests::{one_vendor, unknown_hits};
    use crate::matcher::Matcher;

    #[test]
    fn rules_that_place_the_same_codes_share_their_places_and_keep_their_hits() {
        let names = "invalid_grant|invalid_request|login_required";
        let rules = format!(
            "[[rule]]\nid = \"a\"\nanchors = [\"invalid_\", \"_required\"]\n\
             regex = '\\[(?P<code>{names})\\]'\n\
             [[rule]]\nid = \"b\"\nanchors = [\"invalid_\", \"_required\"]\n\
             regex = '\\b(?P<code>{names}):\\s+AADSTS\\d'\n\
             [[rule]]\nid = \"c\"\nanchors = [\"invalid_\", \"_required\", \"Xq\"]\n\
             regex = '\\b(?P<code>{names}):\\s+AADSTS\\d'\n\
             [[rule]]\nid = \"d\"\nanchors = [\"invalid_\", \"_required\"]\n\
             regex = '\\((?P<code>invalid_grant|login_required)\\)'\n"
        );
        let cat = one_vendor(&rules);
        let m = Matcher::new(&cat, None).unwrap();
        let slots: Vec<Option<usize>> = m.compiled.iter().map(|c| c.code_places).collect();
        assert!(slots.iter().all(Option::is_some));
        // Same anchors: one slot, whatever the codes; other anchors: their own.
        assert_eq!(slots[0], slots[1]);
        assert_eq!(slots[0], slots[3]);
        assert_ne!(slots[0], slots[2]);
        let text = "[login_required] invalid_grant: AADSTS70 (invalid_grant)\n\
                    invalid_request: AADSTS9 [invalid_grant] (login_required)\n";
        let found: Vec<(String, String)> = unknown_hits(&m, text)
            .into_iter()
            .map(|(ri, code)| (cat.rules()[ri].origin.to_string(), code))
            .collect();
        let codes: Vec<&str> = found.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "login_required",
                "invalid_grant",
                "invalid_request",
                "invalid_grant",
                "login_required"
            ],
            "{found:?}"
        );
    }
}
