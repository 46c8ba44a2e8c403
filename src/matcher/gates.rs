//! What a line must hold before a rule's regex can match it, read off the regex itself: the
//! literals every match starts with, a few substrings that every match contains (a line with
//! none of them is passed over without a regex search), the same for case-insensitive regexes
//! over a lower-cased copy of the line, and the places where a rule's code can start.
//!
//! Everything here is sound by construction: a gate may let a line through that the regex then
//! rejects, but never stops a line the regex would match.

use std::ops::RangeInclusive;

use memchr::memmem::Finder;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

use crate::catalog;

/// The syntax tree of a pattern-file regex, parsed as the engine parses it, for analysis.
pub(crate) fn parse(pattern: &str) -> Option<Hir> {
    regex_automata::util::syntax::parse_with(pattern, &catalog::engine_syntax()).ok()
}

/// Substring searchers for `strings`.
pub(crate) fn finders(strings: &[Vec<u8>]) -> Vec<Finder<'static>> {
    strings
        .iter()
        .map(|s| Finder::new(s).into_owned())
        .collect()
}

/// The most prefix literals worth searching for one by one.
pub(crate) const MAX_PREFIX_LITERALS: usize = 8;

/// The most substrings a gate searches for (more cost more than a regex's own prefilter).
pub(crate) const MAX_GATE_SUBSTRINGS: usize = 3;

/// The literals every match of `pattern` starts with, when there is a finite set of them and
/// none is empty. A literal that begins with another one is left out: it adds no place.
pub(crate) fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = parse(pattern)?;
    literals_of(&hir, &Extractor::new(), MAX_PREFIX_LITERALS, |l| l.to_vec())
}

/// The prefix literals of `hir` (as `extractor` finds them, mapped by `map`), at most `max` of
/// them: a larger set is cut to shorter prefixes of the same literals until it is small.
fn literals_of(
    hir: &Hir,
    extractor: &Extractor,
    max: usize,
    map: impl Fn(&[u8]) -> Vec<u8>,
) -> Option<Vec<Vec<u8>>> {
    let mut extractor = extractor.clone();
    let prefixes = extractor.kind(ExtractKind::Prefix).extract(hir);
    let mut literals: Vec<Vec<u8>> = prefixes
        .literals()?
        .iter()
        .map(|l| map(l.as_bytes()))
        .collect();
    let minimize = |literals: &mut Vec<Vec<u8>>| {
        literals.sort_unstable();
        literals.dedup();
        // Sorted, a literal that begins with another one follows it.
        let mut kept: Vec<Vec<u8>> = Vec::with_capacity(literals.len());
        for l in literals.drain(..) {
            if !kept.last().is_some_and(|k| l.starts_with(k)) {
                kept.push(l);
            }
        }
        *literals = kept;
    };
    minimize(&mut literals);
    // Classes after the literal part (`"code"\s*:`) multiply the set; shorter prefixes of the
    // same literals are still prefixes of every match, and far fewer.
    while literals.len() > max {
        let longest = literals.iter().map(Vec::len).max().unwrap_or(0);
        if longest <= 1 {
            return None;
        }
        literals.iter_mut().for_each(|l| l.truncate(longest - 1));
        minimize(&mut literals);
    }
    (!literals.is_empty() && literals.iter().all(|l| !l.is_empty())).then_some(literals)
}

/// The offsets at which `sub` sits in any of `literals`, sorted and without repeats: where a
/// match starts relative to a found `sub`.
pub(crate) fn offsets_in(literals: &[Vec<u8>], sub: &[u8]) -> Vec<usize> {
    let mut offsets: Vec<usize> = literals
        .iter()
        .flat_map(|l| (0..l.len()).filter(|&i| l[i..].starts_with(sub)))
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets
}

/// At most `max` strings of `min_len` bytes or more such that each of `literals` contains one
/// of them: a line that holds none of them holds none of the literals.
pub(crate) fn covering_substrings(
    literals: &[Vec<u8>],
    min_len: usize,
    max: usize,
) -> Option<Vec<Vec<u8>>> {
    let contains = |l: &[u8], w: &[u8]| memchr::memmem::find(l, w).is_some();
    let mut left: Vec<&[u8]> = literals.iter().map(Vec::as_slice).collect();
    let mut chosen: Vec<Vec<u8>> = Vec::new();
    while let Some(&first) = left.first() {
        // The substring of `first` that the most literals share, the longest of those.
        let mut best: Option<(usize, usize, &[u8])> = None;
        for len in (min_len..=first.len()).rev() {
            for w in first.windows(len) {
                let count = left.iter().filter(|l| contains(l, w)).count();
                if best.is_none_or(|(c, n, _)| (count, len) > (c, n)) {
                    best = Some((count, len, w));
                }
            }
        }
        let (_, _, w) = best?;
        left.retain(|l| !contains(l, w));
        chosen.push(w.to_vec());
        if chosen.len() > max {
            return None;
        }
    }
    Some(chosen)
}

/// A few substrings, in ASCII lower case, one of which every match of a regex holds once
/// lower-cased: for case-insensitive regexes (`(?i:error[ _-]?code|code)`), whose case
/// variants are far too many to search for one by one. The gate looks at a lower-cased copy
/// of the line ([`FoldedLine`]), made once and shared by every gate that line meets.
#[derive(Debug, Clone)]
pub(crate) struct FoldedGate {
    substrings: Vec<Vec<u8>>,
    searcher: Searcher,
}

/// A search for any of a few substrings: memmem for one, the SIMD packed searcher for more
/// (one pass, not one per substring), memmem one by one where that searcher is not available.
#[derive(Debug, Clone)]
enum Searcher {
    Packed(aho_corasick::packed::Searcher),
    Each(Vec<Finder<'static>>),
}

impl FoldedGate {
    /// The gate of `pattern`, when a few substrings of three bytes or more cover its matches.
    pub(crate) fn new(pattern: &str) -> Option<FoldedGate> {
        let hir = lower_case(&parse(pattern)?)?;
        let folded = literals_of(&hir, &Extractor::new(), MAX_FOLDED_LITERALS, <[u8]>::to_vec)?;
        FoldedGate::of(covering_substrings(&folded, 3, MAX_GATE_SUBSTRINGS)?)
    }

    fn of(substrings: Vec<Vec<u8>>) -> Option<FoldedGate> {
        let packed = (substrings.len() > 1)
            .then(|| aho_corasick::packed::Searcher::new(&substrings))
            .flatten();
        let searcher = match packed {
            Some(packed) => Searcher::Packed(packed),
            None => Searcher::Each(finders(&substrings)),
        };
        Some(FoldedGate {
            substrings,
            searcher,
        })
    }

    /// One gate that admits what any of `gates` admits.
    pub(crate) fn any(gates: &[FoldedGate]) -> Option<FoldedGate> {
        let mut substrings: Vec<Vec<u8>> =
            gates.iter().flat_map(|g| g.substrings.clone()).collect();
        substrings.sort_unstable();
        substrings.dedup();
        FoldedGate::of(substrings)
    }

    /// Whether a line, given lower-cased, may hold a match.
    pub(crate) fn admits(&self, folded: &[u8]) -> bool {
        match &self.searcher {
            Searcher::Packed(packed) => packed.find(folded).is_some(),
            Searcher::Each(finders) => finders.iter().any(|f| f.find(folded).is_some()),
        }
    }
}

/// The syntax tree of `pattern` rewritten for a lower-cased haystack, when the rewrite is
/// exact: the pattern ignores case throughout (every class that holds a letter holds both its
/// cases, no literal holds a letter), so it matches a line exactly where the rewrite matches
/// the line lower-cased, at the same offsets. `(?i)\bokta\b` qualifies; `okta|(?i)idaas` does
/// not.
pub(crate) fn lower_cased_exactly(pattern: &str) -> Option<Hir> {
    let hir = parse(pattern)?;
    ignores_case(&hir).then(|| lower_case(&hir)).flatten()
}

/// Whether `hir` matches the same strings whatever the case of their ASCII letters.
fn ignores_case(hir: &Hir) -> bool {
    use regex_syntax::hir::Class;
    let swapped = |b: u8| {
        if b.is_ascii_lowercase() {
            b.to_ascii_uppercase()
        } else {
            b.to_ascii_lowercase()
        }
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(l) => !l.0.iter().any(u8::is_ascii_alphabetic),
        HirKind::Class(Class::Bytes(c)) => {
            let holds = |b: u8| c.iter().any(|r| r.start() <= b && b <= r.end());
            (b'A'..=b'Z')
                .chain(b'a'..=b'z')
                .all(|b| !holds(b) || holds(swapped(b)))
        }
        HirKind::Class(Class::Unicode(c)) => {
            let holds = |b: u8| {
                c.iter()
                    .any(|r| r.start() <= char::from(b) && char::from(b) <= r.end())
            };
            (b'A'..=b'Z')
                .chain(b'a'..=b'z')
                .all(|b| !holds(b) || holds(swapped(b)))
        }
        HirKind::Repetition(r) => ignores_case(&r.sub),
        HirKind::Capture(c) => ignores_case(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().all(ignores_case),
    }
}

/// `hir` as it would read a lower-cased haystack: literals in lower case, and each class
/// replaced by the lower-case image of its bytes (`(?i)okta`, parsed as `[Oo][Kk][Tt][Aa]`,
/// becomes `okta`). Whatever `hir` matches, lower-cased, this matches. None for a class of
/// characters beyond ASCII, whose bytes are not known here.
fn lower_case(hir: &Hir) -> Option<Hir> {
    use regex_syntax::hir::{Capture, Class, ClassBytes, ClassBytesRange, Repetition};
    let all = |subs: &[Hir]| subs.iter().map(lower_case).collect::<Option<Vec<_>>>();
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => hir.clone(),
        HirKind::Literal(l) => Hir::literal(l.0.to_ascii_lowercase()),
        HirKind::Class(class) => {
            let mut bytes = [false; 256];
            match class {
                Class::Bytes(c) => c.iter().for_each(|r| {
                    (r.start()..=r.end()).for_each(|b| bytes[usize::from(b)] = true);
                }),
                Class::Unicode(c) => {
                    for r in c.iter() {
                        let (lo, hi) = (u8::try_from(r.start()).ok()?, u8::try_from(r.end()).ok()?);
                        if hi > 0x7F {
                            return None;
                        }
                        (lo..=hi).for_each(|b| bytes[usize::from(b)] = true);
                    }
                }
            }
            let ranges = (0..=255u8)
                .filter(|&b| bytes[usize::from(b)])
                .map(|b| b.to_ascii_lowercase())
                .map(|b| ClassBytesRange::new(b, b));
            Hir::class(Class::Bytes(ClassBytes::new(ranges)))
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(lower_case(&r.sub)?),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(lower_case(&c.sub)?),
            ..c.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(all(subs)?),
        HirKind::Alternation(subs) => Hir::alternation(all(subs)?),
    })
}

/// The most lower-cased prefix literals a [`FoldedGate`] is computed from.
const MAX_FOLDED_LITERALS: usize = 16;

/// A lower-cased copy of the current line, made when a [`FoldedGate`] first asks for it.
#[derive(Debug, Default)]
pub(crate) struct FoldedLine {
    buf: Vec<u8>,
    ready: bool,
}

impl FoldedLine {
    /// Forgets the copy: the next line is another one.
    pub(crate) fn reset(&mut self) {
        self.ready = false;
    }

    /// `line` in ASCII lower case.
    pub(crate) fn of(&mut self, line: &[u8]) -> &[u8] {
        if !self.ready {
            self.buf.resize(line.len(), 0);
            // A plain zip loop, which the compiler turns into SIMD.
            for (folded, &b) in self.buf.iter_mut().zip(line) {
                *folded = b.to_ascii_lowercase();
            }
            self.ready = true;
        }
        &self.buf
    }
}

/// Where a rule's matches can start, for a regex that puts its `code` group a bounded number
/// of bytes after the match's start and whose code starts with one of a few literals:
/// `(?:^|[\s(\[,;#])(?P<code>(?:1[78]|2[02]|4[01]|51)\d{3})...` starts at a site of `17`,
/// `18`, ... or one byte before it. Lines full of digits that are not codes are then looked
/// at only where a code could begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeLead {
    /// The literals the code starts with (two bytes or more each).
    pub(crate) literals: Vec<Vec<u8>>,
    /// The bytes each of the code's first positions may hold.
    pub(crate) shape: CodeShape,
    /// What of the match precedes the code.
    pub(crate) lead: Lead,
}

/// The part of a match before its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lead {
    /// At most [`MAX_LEAD`] bytes: how many.
    Bounded(RangeInclusive<usize>),
    /// Longer, or of any length: the regex's part before the code, to be read backwards
    /// from a code (`\b(?i:error[ _-]?code|code)\s*[:=]\s*(?P<code>...)`).
    Any(Hir),
}

/// The most bytes a match may hold before its code for [`CodeLead`] to apply (each possible
/// length is one more place to try).
const MAX_LEAD: usize = 4;

/// The top-level sequence of `hir` (itself alone when it is not a sequence) and the index of
/// its `code` capture, when the capture is one of the sequence's parts.
fn code_in_sequence(hir: &Hir) -> Option<(&[Hir], usize)> {
    let parts: &[Hir] = match hir.kind() {
        HirKind::Concat(parts) => parts,
        _ => std::slice::from_ref(hir),
    };
    let at = parts.iter().position(
        |h| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("code")),
    )?;
    Some((parts, at))
}

impl CodeLead {
    /// The code lead of `pattern`, when its code is a part of its top-level sequence and
    /// starts with a few literals of two bytes or more.
    pub(crate) fn of(pattern: &str) -> Option<CodeLead> {
        let hir = parse(pattern)?;
        let (parts, at) = code_in_sequence(&hir)?;
        let literals = literals_of(&parts[at], &Extractor::new(), MAX_PREFIX_LITERALS, |l| {
            l.to_vec()
        })?;
        if !literals.iter().all(|l| l.len() >= 2) {
            return None;
        }
        let shape = CodeShape::of(&parts[at]);
        let mut min = 0;
        let mut max = Some(0);
        for part in &parts[..at] {
            min += part.properties().minimum_len().unwrap_or(0);
            max = max.zip(part.properties().maximum_len()).map(|(a, b)| a + b);
        }
        let lead = match max {
            Some(max) if max <= MAX_LEAD => Lead::Bounded(min..=max),
            _ => Lead::Any(Hir::concat(parts[..at].to_vec())),
        };
        Some(CodeLead {
            literals,
            shape,
            lead,
        })
    }
}

/// The bytes that each of the first positions of every match of a regex (a rule's `code`
/// group) may hold: `(?:1[78]|2[02]|4[01]|51)\d{3}` gives `[1245]`, `[01278]`, then `[0-9]`
/// three times. A place in a line whose bytes do not fit cannot start a code, so a site of
/// `20` in `2026-11-21` is no code's start. Positions past a part whose length varies are
/// not known and not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CodeShape(Vec<ByteSet>);

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(super) fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.0[usize::from(b / 64)] |= 1 << (b % 64);
        }
    }

    pub(super) fn contains(self, b: u8) -> bool {
        self.0[usize::from(b / 64)] & (1 << (b % 64)) != 0
    }

    pub(super) fn union(self, other: ByteSet) -> ByteSet {
        let mut words = self.0;
        words.iter_mut().zip(other.0).for_each(|(a, b)| *a |= b);
        ByteSet(words)
    }

    pub(super) fn is_disjoint(self, other: ByteSet) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| a & b == 0)
    }
}

/// Every byte a match of `hir` may hold, when that can be told (ASCII classes, bytes).
pub(super) fn byte_set(hir: &Hir) -> Option<ByteSet> {
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

/// The most positions a [`CodeShape`] checks.
const MAX_SHAPE: usize = 16;

impl CodeShape {
    /// The shape of `hir`'s matches, as far as it is known.
    pub(crate) fn of(hir: &Hir) -> CodeShape {
        let mut sets = Vec::new();
        shape_of(hir, &mut sets);
        sets.truncate(MAX_SHAPE);
        CodeShape(sets)
    }

    /// Whether a code may start at `at` in `line`: every known position is inside the line
    /// and holds one of its bytes.
    pub(crate) fn fits(&self, line: &[u8], at: usize) -> bool {
        line.get(at..at + self.0.len())
            .is_some_and(|bytes| bytes.iter().zip(&self.0).all(|(&b, set)| set.contains(b)))
    }
}

/// Appends to `sets` the bytes each position of `hir`'s matches may hold, from the start, for
/// as many positions as every match has before a part whose length varies; returns whether
/// every match has exactly the length appended (so that what follows can be appended too).
/// Zero-width assertions are left out: fewer conditions, still sound.
fn shape_of(hir: &Hir, sets: &mut Vec<ByteSet>) -> bool {
    if sets.len() >= MAX_SHAPE {
        return false;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => {
            for &b in lit.0.iter() {
                let mut set = ByteSet::default();
                set.insert_range(b, b);
                sets.push(set);
            }
            true
        }
        // One byte a position (an ASCII class), or not known.
        HirKind::Class(_) => byte_set(hir).map(|set| sets.push(set)).is_some(),
        HirKind::Capture(cap) => shape_of(&cap.sub, sets),
        HirKind::Concat(parts) => parts.iter().all(|part| shape_of(part, sets)),
        HirKind::Repetition(rep) => {
            for _ in 0..rep.min {
                if !shape_of(&rep.sub, sets) {
                    return false;
                }
            }
            rep.max == Some(rep.min)
        }
        HirKind::Alternation(branches) => {
            // Position by position, the union of the branches, as far as the shortest known
            // branch goes; a fixed length only when every branch has the same one.
            let mut shapes = Vec::with_capacity(branches.len());
            let mut fixed = true;
            for branch in branches {
                let mut own = Vec::new();
                fixed &= shape_of(branch, &mut own);
                shapes.push(own);
            }
            let known = shapes.iter().map(Vec::len).min().unwrap_or(0);
            fixed &= shapes.iter().all(|s| s.len() == known);
            sets.extend((0..known).map(|i| {
                shapes
                    .iter()
                    .fold(ByteSet::default(), |set, shape| set.union(shape[i]))
            }));
            fixed
        }
    }
}

/// Finds the sites of a [`CodeLead`]'s literals in a line, all of them (overlapping ones too).
#[derive(Debug)]
pub(crate) struct SiteFinder {
    literals: Vec<Vec<u8>>,
    /// What the code must look like from a site on; sites where it does not are dropped.
    shape: CodeShape,
    search: SiteSearch,
}

/// The search behind a [`SiteFinder`]: the SIMD packed searcher when the literals and the CPU
/// allow it, else an automaton; either reports the leftmost site from a given offset.
#[derive(Debug)]
enum SiteSearch {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl SiteFinder {
    /// A finder of the sites of `literals` where a code of `shape` fits.
    pub(crate) fn new(literals: &[Vec<u8>], shape: CodeShape) -> Option<SiteFinder> {
        let search = match aho_corasick::packed::Searcher::new(literals) {
            Some(packed) => SiteSearch::Packed(packed),
            None => SiteSearch::Automaton(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(literals)
                    .ok()?,
            ),
        };
        Some(SiteFinder {
            literals: literals.to_vec(),
            shape,
            search,
        })
    }

    /// Whether this finder looks for the sites of exactly `code`'s literals and shape.
    pub(crate) fn finds(&self, code: &CodeLead) -> bool {
        self.literals == code.literals && self.shape == code.shape
    }

    /// Pushes onto `out` the start of every occurrence of the literals in `line` where a code
    /// of the finder's shape fits, in order.
    pub(crate) fn sites(&self, line: &[u8], out: &mut Vec<usize>) {
        let span = |from: usize| aho_corasick::Span::from(from..line.len());
        let leftmost = |from: usize| match &self.search {
            SiteSearch::Packed(packed) => packed.find_in(line, span(from)),
            SiteSearch::Automaton(ac) => ac.find(aho_corasick::Input::new(line).span(span(from))),
        };
        // Each search resumes one byte after the last site, so overlapping sites are found.
        let mut from = 0;
        while let Some(m) = leftmost(from) {
            if self.shape.fits(line, m.start()) {
                out.push(m.start());
            }
            from = m.start() + 1;
        }
    }
}

/// Where a rule's code can start, told by the rule's anchors, for a regex whose `code` group
/// matches one of a few literals, each of which holds one of the rule's anchors: the OAuth
/// client-library shapes (`\[(?P<code>invalid_grant|...)\]`) are found by anchors inside
/// the error names. Every match's code then starts a known distance before an anchor found
/// in the line, and holds a known literal there: checking those few places rules out most
/// lines at once (the names in prose, `invalid_credentials`) and places the matches exactly.
#[derive(Debug, Clone)]
pub(crate) struct CodeAtAnchors {
    /// Per anchor literal (by the matcher's index): how far before the anchor a code that
    /// holds it starts, with the codes that hold it there.
    back: Vec<Vec<CodesAt>>,
    /// How many bytes of a match precede its code, when that is bounded by [`MAX_LEAD`].
    pub(crate) lead: Option<RangeInclusive<usize>>,
    /// The part of the regex before its code, when it can be as long as it likes: read
    /// backwards from a code, it tells where the matches holding that code start.
    pub(crate) unbounded_lead: Option<Hir>,
    /// The part of the regex after its code, when it cannot match nothing: a code not
    /// followed by it (`invalid_grant refresh` for `(?P<code>...)\)?:?\s+AADSTS\d`) is
    /// no match's, whatever precedes it.
    pub(crate) tail: Option<Hir>,
}

/// A distance before an anchor, and the codes that hold the anchor that far from their start.
type CodesAt = (usize, Vec<Box<[u8]>>);

/// The most code literals a [`CodeAtAnchors`] checks.
const MAX_CODE_LITERALS: usize = 64;

impl CodeAtAnchors {
    /// The code places of `pattern` for the anchor literals `literals` (the matcher's, by
    /// index), of which the rule's own are `own`, when the code is a part of the regex's
    /// top-level sequence, matches one of at most [`MAX_CODE_LITERALS`] literals, and each
    /// of those literals holds one of the rule's anchors.
    pub(crate) fn of(
        pattern: &str,
        literals: &[&str],
        own: impl Fn(&str) -> bool,
    ) -> Option<CodeAtAnchors> {
        let hir = parse(pattern)?;
        let (parts, at) = code_in_sequence(&hir)?;
        let mut extractor = Extractor::new();
        extractor.kind(ExtractKind::Prefix);
        let seq = extractor.extract(&parts[at]);
        let codes = seq.literals()?;
        if codes.is_empty()
            || codes.len() > MAX_CODE_LITERALS
            || !codes.iter().all(|l| l.is_exact())
        {
            return None;
        }
        let tail = Hir::concat(parts[at + 1..].to_vec());
        let mut places = CodeAtAnchors {
            back: vec![Vec::new(); literals.len()],
            lead: None,
            unbounded_lead: None,
            tail: (tail.properties().minimum_len() != Some(0)).then_some(tail),
        };
        for code in codes {
            let code = code.as_bytes();
            let mut held = false;
            for (li, anchor) in literals.iter().enumerate().filter(|(_, a)| own(a)) {
                let anchor = anchor.as_bytes();
                for k in (0..code.len()).filter(|&k| code[k..].starts_with(anchor)) {
                    places.add(li, k, code);
                    held = true;
                }
            }
            if !held {
                return None;
            }
        }
        let (mut min, mut max) = (0, Some(0));
        for part in &parts[..at] {
            min += part.properties().minimum_len()?;
            max = max.zip(part.properties().maximum_len()).map(|(a, b)| a + b);
        }
        places.lead = max.filter(|&max| max <= MAX_LEAD).map(|max| min..=max);
        if places.lead.is_none() {
            places.unbounded_lead = Some(Hir::concat(parts[..at].to_vec()));
        }
        Some(places)
    }

    /// Records that a code `code` holding anchor literal `li` starts `k` bytes before it.
    fn add(&mut self, li: usize, k: usize, code: &[u8]) {
        let at = &mut self.back[li];
        let i = at.iter().position(|(o, _)| *o == k).unwrap_or_else(|| {
            at.push((k, Vec::new()));
            at.len() - 1
        });
        if !at[i].1.iter().any(|c| **c == *code) {
            at[i].1.push(code.into());
        }
    }

    /// The places alone, without what a match holds before its code (a slot's places, which
    /// rules with other leads share).
    pub(crate) fn places(&self) -> CodeAtAnchors {
        CodeAtAnchors {
            back: self.back.clone(),
            lead: None,
            unbounded_lead: None,
            tail: None,
        }
    }

    /// Adds the codes that `other` places (for rules with the same anchors, whose own regexes
    /// then tell which of the places are theirs).
    pub(crate) fn add_places(&mut self, other: &CodeAtAnchors) {
        for (li, at) in other.back.iter().enumerate() {
            for (k, codes) in at {
                for code in codes {
                    self.add(li, *k, code);
                }
            }
        }
    }

    /// Calls `found` with the start and end of each code that the anchors at `at` place in
    /// `line` (`(anchor literal, its offset in the line)`), once per anchor, distance and
    /// code (`invalid_request` and `invalid_request_uri` both, where the longer one is).
    #[inline]
    pub(crate) fn codes(
        &self,
        line: &[u8],
        at: impl Iterator<Item = (usize, usize)>,
        mut found: impl FnMut(usize, usize),
    ) {
        for (literal, pos) in at {
            for (k, codes) in self.back.get(literal).into_iter().flatten() {
                let Some(start) = pos.checked_sub(*k) else {
                    continue;
                };
                let rest = &line[start..];
                for c in codes.iter().filter(|c| holds(rest, c)) {
                    found(start, start + c.len());
                }
            }
        }
    }
}

/// Whether `rest` starts with `code`. Codes placed at one anchor share their first bytes and
/// many their last (`invalid_grant`, `invalid_client`): their middle and last bytes rule most
/// of them out before a comparison of the whole.
#[inline]
fn holds(rest: &[u8], code: &[u8]) -> bool {
    let n = code.len();
    n > 0
        && rest.len() >= n
        && rest[n / 2] == code[n / 2]
        && rest[n - 1] == code[n - 1]
        && rest[..n] == *code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|w| String::from_utf8(w).unwrap())
            .collect()
    }

    #[test]
    fn a_folded_gate_covers_every_case_variant() {
        let gate =
            FoldedGate::new(r#"\b(?i:error[ _-]?code|code)\\?"?\s*[:=]\s*(?P<code>\d+)"#).unwrap();
        assert_eq!(gate.substrings, [b"code"]);
        assert!(gate.admits(b"x error_code=17002"));
        assert!(!gate.admits(b"failed for user erin: 20007 error while hashing"));
        let okta = FoldedGate::new(
            r"(?i)\bokta(?:preview)?\.com\b|\bokta\b|/oauth2/v1/|/oauth2/default/|/oauth2/aus\w+/",
        )
        .unwrap();
        for line in [
            "https://acme.okta.com/x",
            "okta",
            "post /oauth2/aus1x/v1/token",
        ] {
            assert!(okta.admits(line.as_bytes()), "{line}");
        }
        assert!(!okta.admits(b"https://login.example.com/token"));
        let either = FoldedGate::any(&[gate, okta]).unwrap();
        assert!(either.admits(b"okta") && either.admits(b"code") && !either.admits(b"cod okt"));
        // A literal too short to search for, or a regex with no literal start: no gate.
        assert!(FoldedGate::new(r"(?i)ab\d+").is_none());
        assert!(FoldedGate::new(r"\d+x").is_none());
    }

    #[test]
    fn folded_gates_agree_with_their_regex_on_a_mixed_case_line() {
        let pattern = r"(?i)\bidaas\b|aliyunidaas\.com|/api/bff/";
        let re = regex::bytes::Regex::new(pattern).unwrap();
        let gate = FoldedGate::new(pattern).unwrap();
        let mut folded = FoldedLine::default();
        for line in [
            "GET https://x.AliyunIDaaS.com/login",
            "IDAAS said no",
            "POST /API/BFF/login",
            "nothing here",
            "",
        ] {
            folded.reset();
            let admitted = gate.admits(folded.of(line.as_bytes()));
            assert!(admitted || !re.is_match(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn a_pattern_that_ignores_case_reads_a_lower_cased_line_alike() {
        let okta = r"(?i)\bokta(?:preview)?\.com\b|\bokta\b|/oauth2/v1/|/oauth2/aus\w+/";
        let hir = lower_cased_exactly(okta).unwrap();
        let folded = regex_automata::meta::Regex::builder()
            .build_from_hir(&hir)
            .unwrap();
        let re = regex::bytes::Regex::new(okta).unwrap();
        for line in [
            "GET https://ACME.OktaPreview.com/x",
            "the Okta SDK",
            "POST /OAuth2/AUSabc/v1/token",
            "oktax okta_y",
            "",
        ] {
            let lower = line.to_ascii_lowercase();
            assert_eq!(
                folded.find(lower.as_bytes()).map(|m| m.range()),
                re.find(line.as_bytes()).map(|m| m.range()),
                "{line}"
            );
        }
        // A letter that must keep its case, or a class with one case of a letter only.
        assert!(lower_cased_exactly(r"(?i:idaas)|Okta").is_none());
        assert!(lower_cased_exactly(r"[A-Z]\d").is_none());
        assert!(lower_cased_exactly(r"\d+[:=]\s*").is_some());
    }

    #[test]
    fn a_code_lead_is_found_only_a_few_bytes_before_the_code() {
        let carbon =
            CodeLead::of(r"(?:^|[\s(\[,;#])(?P<code>(?:1[78]|2[02]|4[01]|51)\d{3})\b").unwrap();
        assert_eq!(carbon.lead, Lead::Bounded(0..=1));
        assert_eq!(
            strings(carbon.literals),
            ["17", "18", "20", "22", "40", "41", "51"]
        );
        assert_eq!(
            CodeLead::of(r"\b(?P<code>E0000\d{3})\b").unwrap().lead,
            Lead::Bounded(0..=0)
        );
        // Up to four bytes before the code (`error - invalid_grant: ...`).
        assert_eq!(
            CodeLead::of(r"[rR] - (?P<code>E0000\d{3})").unwrap().lead,
            Lead::Bounded(4..=4)
        );
        // A longer or unbounded lead is read backwards from the code.
        let named = CodeLead::of(r"\bcode\s*:\s*(?P<code>(?:17|20)\d{3})").unwrap();
        assert!(matches!(named.lead, Lead::Any(_)));
        assert_eq!(strings(named.literals), ["17", "20"]);
        assert!(matches!(
            CodeLead::of(r"error - (?P<code>E0000\d{3})").unwrap().lead,
            Lead::Any(_)
        ));
        // Codes without a literal start, codes not at the top level.
        assert!(CodeLead::of(r"code\s*:\s*(?P<code>\d{5})").is_none());
        assert!(CodeLead::of(r"#err-(?P<code>\d{5})").is_none());
        assert!(CodeLead::of(r"x(?P<code>\d{5})").is_none());
        assert!(CodeLead::of(r"(x(?P<code>17\d{3}))").is_none());
    }

    #[test]
    fn a_code_shape_admits_every_match_and_rules_out_what_cannot_start_one() {
        let shape = |code: &str| CodeShape::of(&parse(code).unwrap());
        let carbon = shape(r"(?:1[78]|2[02]|4[01]|51)\d{3}");
        assert_eq!(carbon.0.len(), 5);
        assert!(carbon.fits(b"x 20001 y", 2));
        // A year, a date, a number cut by the line's end, a digit out of the class.
        assert!(!carbon.fits(b"2026-11-21", 0));
        assert!(!carbon.fits(b"at 2000", 3));
        assert!(!carbon.fits(b"23001", 0));
        // Positions past a part of varying length are not checked.
        assert_eq!(shape(r"E\d+x").0.len(), 2);
        assert_eq!(shape(r"(?:ab|c)d").0.len(), 1);
        assert_eq!(shape(r"(?:ab|cd)\d").0.len(), 3);
        assert_eq!(shape(r"\bE0000\d{3}\b").0.len(), 8);
        assert!(shape(r"(?u:\w)x").0.is_empty());
        assert_eq!(shape(r"\d{40}").0.len(), MAX_SHAPE);

        // Sound against the regex crate: every code it finds starts where the shape fits.
        let codes = [
            r"(?:1[78]|2[02]|4[01]|51)\d{3}",
            r"(?:ab|c)d[0-3]?x",
            r"E\d{2,4}[a-c]",
            r"(?:x|yz)+q",
            r"(?i:err)-\d",
        ];
        let alphabet = b"0123457ABCEabcdexyzqr-:R ";
        let mut state = 11u64;
        for code in codes {
            let shape = shape(code);
            let re = regex::bytes::Regex::new(code).unwrap();
            for _ in 0..3000 {
                let line: Vec<u8> = (0..state as usize % 24)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        alphabet[(state >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                for at in 0..=line.len() {
                    if re.find_at(&line, at).is_some_and(|m| m.start() == at) {
                        assert!(shape.fits(&line, at), "{code} at {at} of {line:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn sites_include_overlapping_occurrences_in_order() {
        let finder =
            SiteFinder::new(&[b"17".to_vec(), b"71".to_vec()], CodeShape::default()).unwrap();
        let mut out = Vec::new();
        finder.sites(b"a1717 71", &mut out);
        assert_eq!(out, [1, 2, 3, 6]);
        let literals = [b"171".to_vec(), b"71".to_vec()];
        let finder = SiteFinder {
            literals: literals.to_vec(),
            shape: CodeShape::default(),
            search: SiteSearch::Automaton(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(&literals)
                    .unwrap(),
            ),
        };
        out.clear();
        finder.sites(b"a1717 71", &mut out);
        assert_eq!(out, [1, 2, 6]);
    }
}
