//! Anchored DFAs: confirming a candidate by walking its bytes.

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::hybrid;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::{primitives::StateID, start};
use regex_automata::Anchored;

use super::anchors::is_at;
use crate::catalog;

/// A rule's regex as a fully built DFA for anchored searches only: confirming a candidate
/// is then a walk over its bytes, with no setup beyond looking up the start state.
#[derive(Debug)]
pub(super) struct AnchoredDfa {
    dfa: dense::DFA<Vec<u32>>,
    /// The start state for each byte before the match, and (last) for none.
    starts: Vec<StateID>,
    /// The bytes a match can start with (from some start state, a transition to a state
    /// other than the dead one): a walk from any other byte ends at once.
    first: [bool; 256],
    /// Per anchor literal (by the matcher's index), where this DFA is after reading it, when
    /// a walk from that anchor may skip it. Kept inside the DFA so that the states a skip
    /// leads to are always this DFA's own: the unchecked walk in [`AnchoredDfa::end_at`]
    /// relies on it.
    skips: Vec<Option<Skip>>,
}

impl AnchoredDfa {
    /// The DFA of `pattern`, unless it would be large (then the lazy DFA serves).
    pub(super) fn new(pattern: &str) -> Option<AnchoredDfa> {
        Self::from_hir(
            &regex_automata::util::syntax::parse_with(pattern, &catalog::engine_syntax()).ok()?,
        )
    }

    /// The DFA of a parsed regex, unless it would be large.
    pub(super) fn from_hir(hir: &regex_syntax::hir::Hir) -> Option<AnchoredDfa> {
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().which_captures(WhichCaptures::None))
            .build_from_hir(hir)
            .ok()?;
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .match_kind(regex_automata::MatchKind::LeftmostFirst)
                    .dfa_size_limit(Some(ANCHORED_DFA_LIMIT))
                    .determinize_size_limit(Some(ANCHORED_DFA_LIMIT)),
            )
            .build_from_nfa(&nfa)
            .ok()?;
        let starts = (0..=256)
            .map(|b| {
                let config = start::Config::new()
                    .anchored(Anchored::Yes)
                    .look_behind(u8::try_from(b).ok());
                dfa.start_state(&config).ok()
            })
            .collect::<Option<Vec<_>>>()?;
        // The start states by byte before are a handful of distinct ones.
        let mut distinct = starts.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let mut first = [false; 256];
        for &start in &distinct {
            for (b, may) in (0..=255u8).zip(first.iter_mut()) {
                *may |= !dfa.is_dead_state(dfa.next_state(start, b));
            }
        }
        Some(AnchoredDfa {
            dfa,
            starts,
            first,
            skips: Vec::new(),
        })
    }

    /// This DFA with skips for the anchor literals, by index: `Some(literal)` for the
    /// literals a walk may start after (the rule's own anchors), `None` for the others.
    pub(super) fn with_skips<'a>(
        mut self,
        literals: impl IntoIterator<Item = Option<&'a [u8]>>,
    ) -> Self {
        self.skips = literals
            .into_iter()
            .map(|l| l.and_then(|l| self.skip(l)))
            .collect();
        self
    }

    /// Where this DFA is after reading `literal` from each of its start states, for the
    /// start states from which no match ends inside it and it leads to no dead or quit state.
    fn skip(&self, literal: &[u8]) -> Option<Skip> {
        let after: Box<[Option<StateID>]> = self
            .starts
            .iter()
            .map(|&start| {
                let mut sid = start;
                for &b in literal {
                    sid = self.dfa.next_state(sid, b);
                    if self.dfa.is_special_state(sid) && !self.dfa.is_accel_state(sid) {
                        return None;
                    }
                }
                Some(sid)
            })
            .collect();
        after.iter().any(Option::is_some).then(|| Skip {
            literal: literal.into(),
            after,
        })
    }

    /// The end of the leftmost-first match that starts at `pos` in `hay`: `Some(None)` when
    /// there is none, `None` when this DFA cannot tell (a byte it gives up on). `anchor` is
    /// the anchor literal (by index, see [`AnchoredDfa::with_skips`]) that the anchor finder
    /// found at `pos`, if any: the walk then starts after it.
    pub(super) fn end_at(
        &self,
        hay: &[u8],
        pos: usize,
        anchor: Option<usize>,
    ) -> Option<Option<usize>> {
        let dfa = &self.dfa;
        let behind = pos.checked_sub(1).map_or(256, |i| usize::from(hay[i]));
        let mut sid = self.starts[behind];
        let mut from = pos;
        if let Some(skip) = anchor.and_then(|a| self.skips.get(a)?.as_ref()) {
            // The anchor finder found the literal at `pos`: only whether it ends inside `hay`
            // (a line without its `\r`) is left to check, not its bytes again.
            let end = pos + skip.literal.len();
            if let (Some(after), true) = (skip.after[behind], end <= hay.len()) {
                debug_assert!(is_at(hay, pos, &skip.literal));
                sid = after;
                from = end;
            }
        }
        let mut end = None;
        // Matches are reported one byte late: entering a match state at `i` ends one at `i`.
        for (i, &b) in hay[from..].iter().enumerate() {
            // SAFETY: `sid` is a start state of this DFA, a state its own skips lead to (they
            // are made from and stored in this DFA, never another's), or a state its
            // transitions led to (a walk stops at a dead or quit state): a valid state of it.
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

impl AnchoredDfa {
    /// Whether a match may start at `pos` in `hay`, from its first byte alone: a cheap
    /// check before a walk at places that are mostly not a match's start.
    pub(super) fn may_start(&self, hay: &[u8], pos: usize) -> bool {
        hay.get(pos).is_none_or(|&b| self.first[usize::from(b)])
    }

    /// Whether a match starts at `pos` in `hay`, `None` when this DFA cannot tell: as
    /// [`AnchoredDfa::end_at`] without an anchor, but the walk stops at the first match
    /// rather than the last (an envelope asks only whether there is one).
    pub(super) fn matches_at(&self, hay: &[u8], pos: usize) -> Option<bool> {
        let dfa = &self.dfa;
        let behind = pos.checked_sub(1).map_or(256, |i| usize::from(hay[i]));
        let mut sid = self.starts[behind];
        for &b in &hay[pos..] {
            // SAFETY: `sid` is a start state of this DFA or a state its transitions led to (a
            // walk stops at a dead or quit state): a valid state of it.
            sid = unsafe { dfa.next_state_unchecked(sid, b) };
            if dfa.is_special_state(sid) {
                if dfa.is_match_state(sid) {
                    return Some(true);
                } else if dfa.is_dead_state(sid) {
                    return Some(false);
                } else if dfa.is_quit_state(sid) {
                    return None;
                }
            }
        }
        Some(dfa.is_match_state(dfa.next_eoi_state(sid)))
    }
}

/// Where an [`AnchoredDfa`] is after reading a literal (a rule's anchor) from its start states:
/// a walk from an anchor need not read the anchor's bytes again.
#[derive(Debug)]
struct Skip {
    literal: Box<[u8]>,
    /// Per byte before the literal (as [`AnchoredDfa::starts`]): the state after reading it
    /// from that byte's start state, when the walk may skip it.
    after: Box<[Option<StateID>]>,
}

/// The largest anchored DFA built for a rule, in bytes.
const ANCHORED_DFA_LIMIT: usize = 1 << 20;

/// The part of a regex before its code, as a DFA that reads backwards from a code: for a
/// rule whose code is found at known places (see [`super::gates::CodeAtAnchors`]) but whose
/// lead can be any length, this tells where the matches holding a code can start, so the
/// rule is tried at those places rather than searched for in the whole line. A lazy DFA:
/// leads are long alternations (every way a library words an error) of which a log shows a
/// few, and a full DFA of one would cost more to build than most inputs to scan.
#[derive(Debug)]
pub(super) struct LeadDfa {
    dfa: hybrid::dfa::DFA,
}

impl LeadDfa {
    /// The reverse DFA of `lead`.
    pub(super) fn new(lead: &regex_syntax::hir::Hir) -> Option<LeadDfa> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .reverse(true)
                    .which_captures(WhichCaptures::None),
            )
            .build_from_hir(lead)
            .ok()?;
        let dfa = hybrid::dfa::Builder::new()
            .configure(
                hybrid::dfa::Config::new()
                    .starts_for_each_pattern(false)
                    // Every place a match can start, not only the first one found.
                    .match_kind(regex_automata::MatchKind::All),
            )
            .build_from_nfa(nfa)
            .ok()?;
        Some(LeadDfa { dfa })
    }

    /// A search memory for [`LeadDfa::starts_before`].
    pub(super) fn create_cache(&self) -> hybrid::dfa::Cache {
        self.dfa.create_cache()
    }

    /// Pushes onto `out` every `s` such that `hay[s..code]` matches the lead (look-around
    /// included): the places where a match whose code starts at `code` can start. `None`
    /// when this DFA cannot tell (a byte it gives up on, a cache it had to give up).
    pub(super) fn starts_before(
        &self,
        cache: &mut hybrid::dfa::Cache,
        hay: &[u8],
        code: usize,
        out: &mut Vec<usize>,
    ) -> Option<()> {
        let dfa = &self.dfa;
        // A reverse walk looks ahead at the byte after its span (as a forward one looks
        // behind at the byte before).
        let config = start::Config::new()
            .anchored(Anchored::Yes)
            .look_behind(hay.get(code).copied());
        let mut sid = dfa.start_state(cache, &config).ok()?;
        // Matches are reported one byte late: entering a match state on reading `hay[i]`
        // backwards means one starts at `i + 1`.
        for i in (0..code).rev() {
            sid = dfa.next_state(cache, sid, hay[i]).ok()?;
            if sid.is_tagged() {
                if sid.is_match() {
                    out.push(i + 1);
                } else if sid.is_dead() {
                    return Some(());
                } else if sid.is_quit() {
                    return None;
                }
            }
        }
        if dfa.next_eoi_state(cache, sid).ok()?.is_match() {
            out.push(0);
        }
        Some(())
    }
}
