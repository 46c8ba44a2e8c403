//! Envelopes and rejections: regexes a whole line must or must not match.

use super::dfa::AnchoredDfa;
use super::gates::{covering_substrings, offsets_in, prefix_literals, MAX_GATE_SUBSTRINGS};

/// A rule's envelope (a regex the whole line must match), or its rejection (one it must not).
#[derive(Debug)]
pub(super) struct Envelope<'c> {
    pub(super) regex: &'c regex::bytes::Regex,
    /// Substrings one of which every match contains, when a few of three bytes or more can be
    /// known (else none): most lines lack them, and substring searches cost a fraction of a
    /// regex search. (More than a few cost more than the regex's own prefilter.) With each,
    /// the offsets at which it sits in the literals a match starts with.
    pub(super) gate: Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>,
    /// With a gate: the regex as an anchored DFA, tried only where the gate places a match.
    pub(super) dfa: Option<AnchoredDfa>,
}

impl<'c> Envelope<'c> {
    pub(super) fn new(regex: &'c regex::bytes::Regex) -> Envelope<'c> {
        let literals = prefix_literals(regex.as_str()).unwrap_or_default();
        let gate: Vec<_> = covering_substrings(&literals, 3, MAX_GATE_SUBSTRINGS)
            .unwrap_or_default()
            .into_iter()
            .map(|g| {
                let finder = memchr::memmem::Finder::new(&g).into_owned();
                (finder, offsets_in(&literals, &g))
            })
            .collect();
        let dfa = (!gate.is_empty())
            .then(|| AnchoredDfa::new(regex.as_str()))
            .flatten();
        Envelope { regex, gate, dfa }
    }

    /// Whether most lines can be ruled out with a few substring searches.
    pub(super) fn is_cheap(&self) -> bool {
        !self.gate.is_empty()
    }

    #[inline(never)]
    pub(super) fn is_match(&self, line: &[u8]) -> bool {
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
                    if !dfa.may_start(line, at - offset) {
                        continue;
                    }
                    match dfa.matches_at(line, at - offset) {
                        Some(true) => return true,
                        Some(false) => {}
                        None => return self.regex.is_match(line),
                    }
                }
                from = at + 1;
            }
        }
        false
    }
}
