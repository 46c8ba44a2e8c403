//! Finding the rules' anchor literals: every occurrence in a haystack, overlapping ones
//! included, with one SIMD search.
//!
//! The packed searcher (Teddy) screens 32 bytes at a time for the first four bytes of each
//! literal, with the literals spread over eight buckets whose bytes it compares by nybble.
//! Its speed is set by how often text passes that screen without holding a literal: a bucket
//! that mixes `"code"` with `Server.Access.Denied` also passes `"erv`, and text full of
//! `error` passes any bucket that starts with `"err`. So an anchor is searched for by one of
//! its substrings, its *window*: the window's occurrence is the anchor's when the bytes
//! around it spell the anchor. A [`SearchPlan`] says which window each anchor is searched by
//! and in which order the windows go to the searcher (the order sets their buckets); anchors
//! it does not name are searched for whole.

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span};

use crate::error::{BuildError, Result};

/// Which window each anchor is searched by, in the order the windows are given to the packed
/// searcher: `(anchor, offset of its window in it)`. The window runs to the anchor's end.
pub(crate) type SearchPlan<'a> = &'a [(&'a str, usize)];

/// The search plan of the embedded catalog's anchors, `patterns/anchor-plan.tsv` (see the
/// comment at its top for how it is made and read).
const EMBEDDED_PLAN_TEXT: &str = include_str!("../../patterns/anchor-plan.tsv");

/// The embedded search plan, parsed. A line that does not parse is passed over: the plan only
/// tunes the search, every anchor is found with or without it (a test keeps the file clean).
pub(crate) fn embedded_plan() -> Vec<(&'static str, usize)> {
    parse_plan(EMBEDDED_PLAN_TEXT)
        .filter_map(|entry| entry.ok())
        .collect()
}

/// The entries of a plan file, each `Err` with its line number when it does not parse.
fn parse_plan(text: &str) -> impl Iterator<Item = std::result::Result<(&str, usize), usize>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            let (offset, anchor) = l.split_once('\t').ok_or(n + 1)?;
            let offset = offset.parse().map_err(|_| n + 1)?;
            (!anchor.is_empty() && offset < anchor.len())
                .then_some((anchor, offset))
                .ok_or(n + 1)
        })
}

/// Finds the occurrences of a set of anchors.
#[derive(Debug)]
pub(crate) struct AnchorFinder {
    /// The windows in an inline screen, when this CPU and the windows allow it.
    #[cfg(target_arch = "x86_64")]
    screen: Option<super::screen::Screen>,
    /// The windows in the packed searcher, when this CPU and the windows allow it.
    packed: Option<packed::Searcher>,
    /// The same windows in an automaton, for when they do not.
    automaton: AhoCorasick,
    /// Per window: the anchors that may sit around an occurrence of it, with where each
    /// would start relative to the occurrence, and its bytes before its window (the window
    /// itself is known to be there). An anchor whose window is inside this one is listed too,
    /// since the search reports only the longest window that starts at a place and resumes
    /// past the places where no other window can begin.
    owners: Vec<Vec<Owner>>,
    /// Per window: how far past an occurrence of it the search resumes, the first offset at
    /// which another window could start and run past its end (its length when none can).
    resume: Vec<usize>,
}

impl AnchorFinder {
    /// A finder of `anchors` (non-empty literals without newlines) that follows `plan` for
    /// the anchors it names, at offsets that leave a window of four bytes or more (or of the
    /// anchor's length, when shorter).
    ///
    /// # Errors
    /// When the windows cannot be built into an automaton (too many or too large).
    pub(crate) fn new(anchors: &[&str], plan: SearchPlan<'_>) -> Result<AnchorFinder> {
        let mut window_of: Vec<usize> = vec![0; anchors.len()];
        let mut windows: Vec<&[u8]> = Vec::new();
        let mut placed = vec![false; anchors.len()];
        let planned = plan.iter().filter_map(|&(anchor, offset)| {
            let i = anchors.iter().position(|&a| a == anchor)?;
            let keep = anchor.len().min(4);
            (anchor.len() - offset.min(anchor.len()) >= keep).then_some((i, offset))
        });
        let unplanned: Vec<(usize, usize)> = (0..anchors.len()).map(|i| (i, 0)).collect();
        for (i, offset) in planned.chain(unplanned) {
            if std::mem::replace(&mut placed[i], true) {
                continue;
            }
            let window = &anchors[i].as_bytes()[offset..];
            window_of[i] = offset;
            if !windows.contains(&window) {
                windows.push(window);
            }
        }
        let resume: Vec<usize> = windows
            .iter()
            .map(|w| {
                (1..w.len())
                    .find(|&k| {
                        let tail = &w[k..];
                        windows
                            .iter()
                            .any(|q| q.len() > tail.len() && q.starts_with(tail))
                    })
                    .unwrap_or(w.len())
            })
            .collect();
        // A window inside this one at an offset the search resumes at or beyond is found by
        // the search itself, not listed here: each occurrence is reported once, for the last
        // window found at or before it.
        let owners = windows
            .iter()
            .zip(&resume)
            .map(|(w, &resume)| {
                let mut owners = Vec::new();
                for (i, anchor) in anchors.iter().enumerate() {
                    let (before, inner) = anchor.as_bytes().split_at(window_of[i]);
                    for k in (0..resume).filter(|&k| w[k..].starts_with(inner)) {
                        owners.push(Owner {
                            anchor: i,
                            // Offsets within literals: far below `isize::MAX`.
                            delta: k as isize - before.len() as isize,
                            before: before.into(),
                        });
                    }
                }
                owners
            })
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&windows)
            .map_err(BuildError::Anchors)?;
        // The slim searcher (8 buckets, 32 bytes a step) even past 32 windows, where the
        // builder would take the fat one (16 buckets, 16 bytes a step): a few windows more in
        // a bucket cost less than halving the step (the plan keeps those buckets rare).
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .only_teddy_fat(Some(false))
            .builder()
            .extend(&windows)
            .build();
        Ok(AnchorFinder {
            #[cfg(target_arch = "x86_64")]
            screen: super::screen::Screen::new(&windows),
            packed,
            automaton,
            owners,
            resume,
        })
    }

    /// The first place at or after `from` where a window starts, and the window. Every
    /// occurrence of an anchor is reported by [`AnchorFinder::anchors_at`] for one window
    /// found, when each search starts where [`AnchorFinder::resume`] says.
    #[inline]
    pub(crate) fn next(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        #[cfg(target_arch = "x86_64")]
        if let Some(screen) = &self.screen {
            return screen.find(hay, from);
        }
        let m = match &self.packed {
            Some(packed) => packed.find_in(hay, Span::from(from..hay.len())),
            None => self.automaton.find(Input::new(hay).span(from..hay.len())),
        }?;
        Some((m.start(), m.pattern().as_usize()))
    }

    /// Where the search for the next window starts, after `window` was found at `at`.
    #[inline]
    pub(crate) fn resume(&self, at: usize, window: usize) -> usize {
        at + self.resume[window]
    }

    /// Calls `found(anchor, start)` for each anchor that occurs around the window found at
    /// `at`.
    #[inline]
    pub(crate) fn anchors_at(
        &self,
        hay: &[u8],
        at: usize,
        window: usize,
        mut found: impl FnMut(usize, usize),
    ) {
        for owner in &self.owners[window] {
            let Some(start) = at.checked_add_signed(owner.delta) else {
                continue;
            };
            if is_at(hay, start, &owner.before) {
                found(owner.anchor, start);
            }
        }
    }
}

/// Whether `literal` occurs in `hay` at `at` (an anchor or a part of one).
#[inline]
pub(crate) fn is_at(hay: &[u8], at: usize, literal: &[u8]) -> bool {
    // Anchors are short: a byte loop beats a call to `memcmp`.
    hay.len() >= at + literal.len() && literal.iter().zip(&hay[at..]).all(|(a, b)| a == b)
}

/// An anchor that may sit around a window's occurrence.
#[derive(Debug)]
struct Owner {
    anchor: usize,
    /// Where the anchor would start, relative to the occurrence.
    delta: isize,
    /// The anchor's bytes before its own window.
    before: Box<[u8]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (anchor, start) the finder reports over `hay`, searching as the matcher does.
    fn occurrences(finder: &AnchorFinder, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        let mut from = 0;
        while let Some((at, window)) = finder.next(hay, from) {
            finder.anchors_at(hay, at, window, |a, s| all.push((a, s)));
            from = finder.resume(at, window);
        }
        all.sort_unstable();
        all
    }

    /// Every (anchor, start) in `hay`, overlapping ones included, by brute force.
    fn truth(anchors: &[&str], hay: &[u8]) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        for (i, a) in anchors.iter().enumerate() {
            for start in 0..hay.len() {
                if hay[start..].starts_with(a.as_bytes()) {
                    all.push((i, start));
                }
            }
        }
        all.sort_unstable();
        all
    }

    /// The embedded catalog's distinct anchors, in the order the matcher collects them.
    fn embedded_anchors(catalog: &crate::Catalog) -> Vec<&str> {
        let mut anchors: Vec<&str> = Vec::new();
        for rule in catalog.rules() {
            for a in &rule.anchors {
                if !anchors.contains(&a.as_str()) {
                    anchors.push(a);
                }
            }
        }
        anchors
    }

    #[test]
    fn the_plan_file_parses_and_names_only_embedded_anchors() {
        // Anchors missing from the plan are searched whole (a new vendor needs no new plan);
        // a planned anchor that no rule has any more is a stale line, and a line that does
        // not parse would be passed over silently at run time.
        let bad: Vec<usize> = parse_plan(EMBEDDED_PLAN_TEXT)
            .filter_map(|e| e.err())
            .collect();
        assert_eq!(
            bad,
            Vec::<usize>::new(),
            "lines of patterns/anchor-plan.tsv"
        );
        let catalog = crate::Catalog::embedded().unwrap();
        let anchors = embedded_anchors(&catalog);
        for (anchor, offset) in embedded_plan() {
            assert!(
                anchors.contains(&anchor),
                "{anchor} is planned but no rule has it"
            );
            assert!(
                anchor.len() - offset >= anchor.len().min(4),
                "{anchor} {offset}"
            );
        }
        assert!(embedded_plan().len() > 10);
    }

    #[test]
    fn an_anchor_the_plan_does_not_name_is_found_whole() {
        let plan = embedded_plan();
        let anchors = ["Stormpath ", "\"code\"", "NewVendorError:"];
        let finder = AnchorFinder::new(&anchors, &plan).unwrap();
        let hay = b"x \"code\": NewVendorError: 5, Stormpath 2001 NewVendorError:";
        assert_eq!(occurrences(&finder, hay), truth(&anchors, hay));
        assert_eq!(occurrences(&finder, hay).len(), 4);
    }

    #[test]
    fn the_embedded_plan_finds_every_anchor_in_the_samples() {
        let catalog = crate::Catalog::embedded().unwrap();
        let anchors = embedded_anchors(&catalog);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = Vec::new();
        for name in ["mixed", "akamai", "idaas", "okta", "stormpath", "wso2"] {
            text.extend(std::fs::read(dir.join(format!("sample-logs/{name}.log"))).unwrap());
        }
        text.extend(std::fs::read(dir.join("tests/corpus/labelled.tsv")).unwrap());
        let finder = AnchorFinder::new(&anchors, &embedded_plan()).unwrap();
        let want = truth(&anchors, &text);
        assert!(want.len() > 1000, "{}", want.len());
        assert_eq!(occurrences(&finder, &text), want);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        const ANCHORS: [&str; 9] = [
            "\"code\"",
            "\"error\"",
            "error=",
            "errorCode=",
            "wso2",
            "{org.wso2.",
            "Params.Illegal",
            "Operation.Params.Illegal",
            "E0000",
        ];

        /// Text made of pieces of the anchors, so that they occur, overlap and nearly occur.
        fn text() -> impl Strategy<Value = Vec<u8>> {
            let piece = (0..ANCHORS.len(), 0usize..24, 0usize..24, any::<bool>());
            proptest::collection::vec(piece, 0..40).prop_map(|pieces| {
                let mut text = Vec::new();
                for (i, a, b, newline) in pieces {
                    let anchor = ANCHORS[i].as_bytes();
                    let (a, b) = (a.min(anchor.len()), b.min(anchor.len()));
                    text.extend_from_slice(&anchor[a.min(b)..a.max(b).max(1)]);
                    if newline {
                        text.push(b'\n');
                    }
                }
                text
            })
        }

        proptest! {
            /// Anchors and text over three letters, so that anchors nest in, overlap and
            /// begin each other in every way.
            #[test]
            fn any_anchors_and_plan_find_every_occurrence_once(
                mut anchors in proptest::collection::vec("[abc]{1,7}", 1..7),
                hay in "[abc\n]{0,80}",
                offsets in proptest::collection::vec(0usize..7, 7),
            ) {
                anchors.sort_unstable();
                anchors.dedup();
                let anchors: Vec<&str> = anchors.iter().map(String::as_str).collect();
                let plan: Vec<(&str, usize)> =
                    anchors.iter().zip(&offsets).map(|(&a, &o)| (a, o)).rev().collect();
                let finder = AnchorFinder::new(&anchors, &plan).unwrap();
                prop_assert_eq!(
                    occurrences(&finder, hay.as_bytes()),
                    truth(&anchors, hay.as_bytes())
                );
            }

            /// Windows of four bytes or more, which the inline screen takes on x86-64 with
            /// AVX2: over text long enough for whole steps and a tail, from every start.
            #[test]
            fn any_long_anchors_find_every_occurrence_once(
                mut anchors in proptest::collection::vec("[abc]{4,9}", 1..12),
                hay in "[abc\n]{0,300}",
                offsets in proptest::collection::vec(0usize..6, 12),
            ) {
                anchors.sort_unstable();
                anchors.dedup();
                let anchors: Vec<&str> = anchors.iter().map(String::as_str).collect();
                let plan: Vec<(&str, usize)> =
                    anchors.iter().zip(&offsets).map(|(&a, &o)| (a, o)).collect();
                let finder = AnchorFinder::new(&anchors, &plan).unwrap();
                #[cfg(target_arch = "x86_64")]
                prop_assert_eq!(
                    finder.screen.is_some(),
                    std::arch::is_x86_feature_detected!("avx2")
                );
                for from in [0, 1, 2, 3, 31, 32, 35, 64] {
                    let tail = hay.as_bytes().get(from..).unwrap_or_default();
                    prop_assert_eq!(occurrences(&finder, tail), truth(&anchors, tail));
                }
            }

            #[test]
            fn any_plan_finds_every_occurrence(
                hay in text(),
                offsets in proptest::collection::vec(0usize..24, ANCHORS.len()),
                order in Just((0..ANCHORS.len()).collect::<Vec<_>>()).prop_shuffle(),
            ) {
                let plan: Vec<(&str, usize)> =
                    order.iter().map(|&i| (ANCHORS[i], offsets[i])).collect();
                let finder = AnchorFinder::new(&ANCHORS, &plan).unwrap();
                prop_assert_eq!(occurrences(&finder, &hay), truth(&ANCHORS, &hay));
            }
        }
    }

    #[test]
    fn an_anchor_inside_another_is_reported_once() {
        // The search resumes one byte into `abcdwso2` (where `bcdwso2Z` could start) and
        // finds `wso2` itself: it is not reported again as nested in `abcdwso2`.
        let anchors = ["abcdwso2", "wso2", "bcdwso2Z"];
        let finder = AnchorFinder::new(&anchors, &[]).unwrap();
        for hay in [&b"abcdwso2"[..], b"xabcdwso2Zwso2", b"bcdwso2Z abcdwso2"] {
            assert_eq!(occurrences(&finder, hay), truth(&anchors, hay));
        }
    }

    #[test]
    fn every_occurrence_is_found_whatever_the_windows() {
        let anchors = [
            "\"error\"",
            "error=",
            "errorCode=",
            "wso2",
            "{org.wso2.",
            "Params.Illegal",
            "Operation.Params.Illegal",
            "E0000",
        ];
        let hay: &[u8] = b"x {org.wso2.a} \"error\":\"e\" error=errorCode=1 \
            Operation.Params.Illegal.X Params.Illegal wso2wso2 E00000E0000 {org.wso2.";
        let want = truth(&anchors, hay);
        assert!(want.len() > 10);
        let plans: [SearchPlan<'_>; 4] = [
            &[],
            &[
                ("\"error\"", 3),
                ("errorCode=", 6),
                ("{org.wso2.", 5),
                ("E0000", 1),
            ],
            // A window that is a prefix of another anchor's window, and one left whole.
            &[
                ("{org.wso2.", 5),
                ("Operation.Params.Illegal", 10),
                ("error=", 1),
            ],
            // Offsets that leave too short a window are ignored.
            &[("wso2", 2), ("E0000", 4)],
        ];
        for plan in plans {
            let finder = AnchorFinder::new(&anchors, plan).unwrap();
            assert_eq!(occurrences(&finder, hay), want, "{plan:?}");
            // At every start, as chunk boundaries would put it.
            for from in 0..hay.len() {
                let tail = &hay[from..];
                assert_eq!(occurrences(&finder, tail), truth(&anchors, tail));
            }
        }
    }
}
