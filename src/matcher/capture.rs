//! How a rule's code is read off a match, from the regex's syntax.

use regex_syntax::hir::{Hir, HirKind};

use super::gates::{byte_set, parse, ByteSet};
use crate::catalog;

/// How a rule's code is taken from an anchored match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Capture {
    /// The regex is one-pass: captures cost one deterministic walk over the match.
    OnePass,
    /// The `code` group is the whole match (give or take zero-width assertions), so the
    /// match's span is the code's and no capture search is needed.
    WholeMatch,
    /// The code's bytes alone tell its place in the match (see [`code_suffix`]):
    /// `...#error-(?P<code>\d{4,5})\b`, `"error":"(?P<code>[a-z_]+)"`. The code is read off
    /// the span a DFA found.
    Suffix(Box<CodeSpan>),
    /// Captures need the backtracker, over the span a DFA found first.
    Backtrack,
}

/// Where the code is in a match's span, for a pattern whose code's bytes tell it (see
/// [`code_suffix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CodeSpan {
    /// Per byte, whether the code may hold it; `None` when the code is the whole match. (A
    /// table rather than a [`ByteSet`]: the scans below test a byte or two dozen per match.)
    bytes: Option<[bool; 256]>,
    /// The number of bytes that follow the code in every match, when it is always the same
    /// (`\b`, `"`): the code's end is then known without a scan.
    after: Option<usize>,
    /// The code's length, when it is always the same (`(?:1[78]|20)\d{3}`): its start is
    /// then known without a scan.
    len: Option<usize>,
}

impl CodeSpan {
    /// The code is the whole match.
    const WHOLE: CodeSpan = CodeSpan {
        bytes: None,
        after: None,
        len: None,
    };

    /// The code in the match `hay[start..end]`: the run of the code's bytes that ends where
    /// the trailing run of others begins, or the bytes a fixed length places there.
    pub(super) fn code_in(&self, hay: &[u8], start: usize, end: usize) -> (usize, usize) {
        let Some(bytes) = &self.bytes else {
            return (start, end);
        };
        let span = &hay[start..end];
        let code_end = match self.after {
            Some(after) => end.saturating_sub(after).max(start),
            None => span
                .iter()
                .rposition(|&b| bytes[usize::from(b)])
                .map_or(start, |i| start + i + 1),
        };
        let code_start = match self.len {
            Some(len) => code_end.saturating_sub(len).max(start),
            None => span[..code_end - start]
                .iter()
                .rposition(|&b| !bytes[usize::from(b)])
                .map_or(start, |i| start + i + 1),
        };
        (code_start, code_end)
    }
}

impl Capture {
    /// Where the code is in a match's span, when the span is enough.
    pub(super) fn code_bytes(&self) -> Option<&CodeSpan> {
        match self {
            Capture::WholeMatch => Some(&CodeSpan::WHOLE),
            Capture::Suffix(span) => Some(span),
            Capture::OnePass | Capture::Backtrack => None,
        }
    }

    pub(super) fn of(pattern: &str) -> Capture {
        let hir = parse(pattern);
        let parts = hir.as_ref().map(consuming_parts).unwrap_or_default();
        if let [code] = parts[..] {
            if is_code(code) {
                return Capture::WholeMatch;
            }
        }
        // A DFA's match end and a byte scan cost far less than even one-pass captures.
        let at = parts.iter().position(|h| is_code(h));
        if let (Some(bytes), Some(at)) = (code_suffix(&parts), at) {
            // The number of bytes a match of `hirs` holds, when it is always the same.
            let fixed = |hirs: &[&Hir]| {
                let (least, most) = hirs.iter().fold((Some(0), Some(0)), |(least, most), h| {
                    let p = h.properties();
                    (
                        least.zip(p.minimum_len()).map(|(a, b)| a + b),
                        most.zip(p.maximum_len()).map(|(a, b)| a + b),
                    )
                });
                least.filter(|&least| Some(least) == most)
            };
            return Capture::Suffix(Box::new(CodeSpan {
                bytes: Some(std::array::from_fn(|b| {
                    u8::try_from(b).is_ok_and(|b| bytes.contains(b))
                })),
                after: fixed(&parts[at + 1..]),
                len: fixed(&parts[at..=at]),
            }));
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
pub(super) fn consuming_parts(hir: &Hir) -> Vec<&Hir> {
    let is_look = |h: &&Hir| matches!(h.kind(), HirKind::Look(_));
    match hir.kind() {
        HirKind::Concat(parts) => parts.iter().filter(|h| !is_look(h)).collect(),
        _ => std::iter::once(hir).filter(|h| !is_look(h)).collect(),
    }
}

/// Whether `hir` is the `code` group.
pub(super) fn is_code(hir: &Hir) -> bool {
    matches!(hir.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("code"))
}

/// The bytes the `code` group may hold, when those bytes alone tell the code's place in a
/// match: the group is one of a pattern's `parts` and cannot be empty, none of its bytes can
/// end what precedes it (or nothing does), and none can occur in what follows it. The code
/// is then the run of such bytes that ends where the match's trailing run of other bytes
/// begins.
pub(super) fn code_suffix(parts: &[&Hir]) -> Option<ByteSet> {
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
pub(super) fn last_bytes(parts: &[&Hir]) -> Option<(ByteSet, bool)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_lengths_place_a_code_without_a_scan_and_agree_with_captures() {
        let fixed = r#"\\?"code\\?":(?P<code>(?:1[78]|20)\d{3})\b"#;
        let Capture::Suffix(span) = Capture::of(fixed) else {
            panic!("{fixed} is read off its span");
        };
        assert_eq!((span.after, span.len), (Some(0), Some(5)));
        let Capture::Suffix(span) = Capture::of(r#""(?P<code>[a-z]+(?:_[a-z]+)*)\\?""#) else {
            panic!("names are read off their span");
        };
        assert_eq!((span.after, span.len), (None, None));
        let Capture::Suffix(span) = Capture::of(r"V (?P<code>\d{4})x\.") else {
            panic!("a fixed code before a fixed tail is read off its span");
        };
        assert_eq!((span.after, span.len), (Some(2), Some(4)));
        for (pattern, line) in [
            (fixed, r#"a "code":17002, \"code\":20015"#),
            (r"V (?P<code>\d{4})x\.", "V 1234x. V 99999x. V 4321x."),
        ] {
            let Capture::Suffix(span) = Capture::of(pattern) else {
                panic!("{pattern}");
            };
            let re = regex::bytes::Regex::new(pattern).unwrap();
            let mut seen = 0;
            for caps in re.captures_iter(line.as_bytes()) {
                let (m, code) = (caps.get(0).unwrap(), caps.name("code").unwrap());
                assert_eq!(
                    span.code_in(line.as_bytes(), m.start(), m.end()),
                    (code.start(), code.end()),
                    "{pattern} on {line}"
                );
                seen += 1;
            }
            assert_eq!(seen, 2, "{pattern} on {line}");
        }
    }
}
