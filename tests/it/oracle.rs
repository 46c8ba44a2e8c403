//! An independent oracle for the matcher: a deliberately plain line-by-line matcher built
//! straight from `patterns/*.toml` with the `regex` crate. It parses the pattern files itself
//! (no errscan type is involved), tries every rule on every line that holds one of its
//! anchors, and applies the rules' fields as the README's "Pattern files" section and the
//! pattern files' comments state them. No anchor automaton, no DFA, no batching, no gate: the
//! point is to be obviously right, not fast.
//!
//! What one line gives, step by step ([`Oracle::line_hits`]):
//!
//! 1. **Trigger.** A rule is tried on a line that contains one of its `anchors` (byte
//!    strings, case-sensitive).
//! 2. **Match.** With `at_anchor = true`, the rule's `regex` is matched starting exactly at
//!    each place where one of its anchors starts (every occurrence, overlapping ones
//!    included); of matches that overlap, the one that starts first (the longer one when two
//!    start together) is kept: nested anchors (`Params.Illegal` inside
//!    `Operation.Params.Illegal...`) do not give a second, shorter match. Without `at_anchor`,
//!    the regex's successive non-overlapping matches in the line are taken (`captures_iter`).
//!    The code is the `code` group. Regexes are byte-oriented with ASCII classes.
//! 3. **Envelope.** With `require_any`, the line must match one of the regexes; with
//!    `reject_any`, it must match none of them. Otherwise the rule gives nothing.
//! 4. **Attribution.** The first `attribute` condition, in the rule's order, whose `when`
//!    matches the line names the vendor the line is attributed to.
//! 5. **Lookup.** The capture is looked up (in `code`, or in `name` with `lookup = "name"`,
//!    where the first entry with that name wins; with `fold_case = true` ignoring ASCII letter
//!    case, the hit taking the catalog's spelling) in the attributed vendor; then in the rule's
//!    own vendor (reported under the attributed vendor, if any, described by the rule vendor's
//!    entry); then in each vendor the rule can attribute to; else, unless `unknown = false`,
//!    it is an unknown code of the attributed vendor (or the rule's).
//! 6. **Settle.** A rule that gave a hit in step 5 drops, on that line, the hits of the rules
//!    its `suppresses` names (`vendor` for all its rules, `vendor/rule` for one). Entries with
//!    `error = false` are never counted. A `fallback` rule's hits count only when no other
//!    rule of its vendor has a hit on the line; then a `generic` entry's hit gives way to any
//!    other hit reported under the same vendor. Hits are put in order of offset, and a code
//!    counts once per line (its first occurrence).

use std::collections::HashMap;
use std::path::Path;

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

// ---- The pattern-file format, as the oracle reads it ---------------------------------------
// Unknown fields are refused, so that a field added to the format fails here until the oracle
// learns what it means.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    vendor: VendorDef,
    #[serde(default)]
    rule: Vec<RuleDef>,
    #[serde(default)]
    code: Vec<CodeDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorDef {
    id: String,
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    anchors: Vec<String>,
    regex: String,
    #[serde(default)]
    at_anchor: bool,
    #[serde(default)]
    lookup: Option<String>,
    #[serde(default = "yes")]
    unknown: bool,
    #[serde(default)]
    require_any: Vec<String>,
    #[serde(default)]
    reject_any: Vec<String>,
    #[serde(default)]
    attribute: Vec<AttributeDef>,
    #[serde(default)]
    suppresses: Vec<String>,
    #[serde(default)]
    fallback: bool,
    #[serde(default)]
    fold_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeDef {
    vendor: String,
    when: String,
}

/// A `[[code]]` table. Its descriptive fields play no part in matching; they are kept to check
/// the reports' annotation columns.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeDef {
    pub code: String,
    pub name: Option<String>,
    pub http_status: Option<u16>,
    pub category: String,
    #[serde(default)]
    pub vendor_category: String,
    pub description: String,
    #[allow(dead_code)]
    user_message: Option<String>,
    #[allow(dead_code)]
    further_info: Option<String>,
    #[serde(default = "yes")]
    error: bool,
    #[serde(default)]
    generic: bool,
}

fn yes() -> bool {
    true
}

// ---- The oracle ---------------------------------------------------------------------------

/// A catalog entry.
#[derive(Debug)]
struct Entry {
    vendor: usize,
    code: String,
    is_error: bool,
    generic: bool,
    def: CodeDef,
}

/// A vendor's codes and names, for lookups.
#[derive(Debug)]
struct Vendor {
    id: String,
    by_code: HashMap<Vec<u8>, usize>,
    by_name: HashMap<Vec<u8>, usize>,
}

#[derive(Debug)]
struct Rule {
    vendor: usize,
    anchors: Vec<Vec<u8>>,
    regex: Regex,
    at_anchor: bool,
    by_name: bool,
    unknown: bool,
    require_any: Vec<Regex>,
    reject_any: Vec<Regex>,
    attribute: Vec<(usize, Regex)>,
    /// (vendor, one rule of it or all of them).
    suppresses: Vec<(usize, Option<usize>)>,
    fallback: bool,
    fold_case: bool,
}

/// What a hit refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Code {
    /// A documented code, reported under its own vendor.
    Known(usize),
    /// A documented code of one vendor, reported under another (the one the line names).
    Attributed { vendor: usize, entry: usize },
    /// An undocumented code.
    Unknown { vendor: usize, code: Vec<u8> },
}

/// One hit, in terms that do not depend on either matcher's internals.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OracleHit {
    /// The vendor the hit is reported under.
    pub vendor: String,
    /// The code as the catalog writes it (or as the log did, for an unknown code).
    pub code: String,
    /// The vendor whose entry describes the code; `None` for an unknown code.
    pub described_by: Option<String>,
}

/// A rule's texts, for generating lines that meet it.
#[derive(Debug)]
pub struct RuleShape {
    pub anchors: Vec<Vec<u8>>,
    pub regex: String,
    pub codes: Vec<Vec<u8>>,
    pub conditions: Vec<String>,
}

/// The plain matcher.
#[derive(Debug)]
pub struct Oracle {
    vendors: Vec<Vendor>,
    entries: Vec<Entry>,
    rules: Vec<Rule>,
}

/// A pattern-file regex: bytes, ASCII classes (README: `\d` is `[0-9]`, `\b` an ASCII word
/// boundary).
fn compile(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// Every offset at which `needle` starts in `hay`, overlapping occurrences included.
fn occurrences(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    (0..hay.len())
        .filter(|&i| hay[i..].starts_with(needle))
        .collect()
}

impl Oracle {
    /// The oracle of the shipped catalog: every `patterns/*.toml`, in file-name order (the
    /// order in which errscan embeds them, which orders vendors and rules).
    pub fn shipped() -> Oracle {
        Oracle::from_dir(&crate::common::repo_path("patterns"))
    }

    /// The oracle of the pattern files in `dir`.
    pub fn from_dir(dir: &Path) -> Oracle {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let files: Vec<(String, FileDef)> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                let def = toml::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: the oracle cannot read it: {e}", p.display()));
                (p.display().to_string(), def)
            })
            .collect();
        let vendor_index = |id: &str| -> usize {
            files
                .iter()
                .position(|(_, f)| f.vendor.id == id)
                .unwrap_or_else(|| panic!("unknown vendor {id}"))
        };
        let mut oracle = Oracle {
            vendors: Vec::new(),
            entries: Vec::new(),
            rules: Vec::new(),
        };
        // Rule ids across files, for `suppresses = ["vendor/rule"]`.
        let mut rule_ids: Vec<(usize, &str)> = Vec::new();
        for (v, (_, f)) in files.iter().enumerate() {
            for r in &f.rule {
                rule_ids.push((v, &r.id));
            }
        }
        for (v, (file, f)) in files.iter().enumerate() {
            let mut vendor = Vendor {
                id: f.vendor.id.clone(),
                by_code: HashMap::new(),
                by_name: HashMap::new(),
            };
            for c in &f.code {
                let id = oracle.entries.len();
                let fresh = vendor.by_code.insert(c.code.as_bytes().to_vec(), id);
                assert!(fresh.is_none(), "{file}: code {} twice", c.code);
                if let Some(name) = &c.name {
                    vendor.by_name.entry(name.as_bytes().to_vec()).or_insert(id);
                }
                oracle.entries.push(Entry {
                    vendor: v,
                    code: c.code.clone(),
                    is_error: c.error,
                    generic: c.generic,
                    def: c.clone(),
                });
            }
            oracle.vendors.push(vendor);
            for r in &f.rule {
                let by_name = match r.lookup.as_deref() {
                    None | Some("code") => false,
                    Some("name") => true,
                    Some(other) => panic!("{file}: rule {}: lookup {other}", r.id),
                };
                let suppresses = r
                    .suppresses
                    .iter()
                    .map(|target| match target.split_once('/') {
                        None => (vendor_index(target), None),
                        Some((tv, tr)) => {
                            let tv = vendor_index(tv);
                            let index = rule_ids
                                .iter()
                                .position(|&(rv, rid)| rv == tv && rid == tr)
                                .unwrap_or_else(|| panic!("{file}: no rule {target}"));
                            (tv, Some(index))
                        }
                    })
                    .collect();
                oracle.rules.push(Rule {
                    vendor: v,
                    anchors: r.anchors.iter().map(|a| a.as_bytes().to_vec()).collect(),
                    regex: compile(&r.regex),
                    at_anchor: r.at_anchor,
                    by_name,
                    unknown: r.unknown,
                    require_any: r.require_any.iter().map(|p| compile(p)).collect(),
                    reject_any: r.reject_any.iter().map(|p| compile(p)).collect(),
                    attribute: r
                        .attribute
                        .iter()
                        .map(|a| (vendor_index(&a.vendor), compile(&a.when)))
                        .collect(),
                    suppresses,
                    fallback: r.fallback,
                    fold_case: r.fold_case,
                });
            }
        }
        oracle
    }

    /// For generating test lines: each rule's anchors, its regex, the documented codes (or
    /// names) it may capture, and the regexes of its line conditions (envelope, rejection,
    /// attribution).
    pub fn rule_shapes(&self) -> Vec<RuleShape> {
        self.rules
            .iter()
            .map(|r| {
                let vendors = std::iter::once(r.vendor).chain(r.attribute.iter().map(|a| a.0));
                let mut codes: Vec<Vec<u8>> = vendors
                    .flat_map(|v| {
                        let v = &self.vendors[v];
                        let map = if r.by_name { &v.by_name } else { &v.by_code };
                        map.keys().cloned().collect::<Vec<_>>()
                    })
                    .collect();
                codes.sort();
                codes.dedup();
                let conditions = r
                    .require_any
                    .iter()
                    .chain(&r.reject_any)
                    .chain(r.attribute.iter().map(|a| &a.1))
                    .map(|re| re.as_str().to_string())
                    .collect();
                RuleShape {
                    anchors: r.anchors.clone(),
                    regex: r.regex.as_str().to_string(),
                    codes,
                    conditions,
                }
            })
            .collect()
    }

    /// The `[[code]]` table of `vendor`'s `code`.
    pub fn entry(&self, vendor: &str, code: &str) -> Option<&CodeDef> {
        let v = self.vendors.iter().find(|v| v.id == vendor)?;
        Some(&self.entries[*v.by_code.get(code.as_bytes())?].def)
    }

    fn lookup(&self, vendor: usize, text: &[u8], rule: &Rule) -> Option<usize> {
        let v = &self.vendors[vendor];
        let map = if rule.by_name { &v.by_name } else { &v.by_code };
        if !rule.fold_case {
            return map.get(text).copied();
        }
        // Every key compared without regard to ASCII case; of several, the first entry.
        map.iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(text))
            .map(|(_, &e)| e)
            .min()
    }

    /// Step 5: what a capture of `rule` refers to, on a line attributed to `attributed`.
    fn resolve(&self, rule: &Rule, attributed: Option<usize>, text: &[u8]) -> Option<Code> {
        if let Some(v) = attributed {
            if let Some(e) = self.lookup(v, text, rule) {
                return Some(Code::Known(e));
            }
        }
        if let Some(e) = self.lookup(rule.vendor, text, rule) {
            return Some(match attributed {
                Some(v) if v != rule.vendor => Code::Attributed {
                    vendor: v,
                    entry: e,
                },
                _ => Code::Known(e),
            });
        }
        for &(v, _) in &rule.attribute {
            if let Some(e) = self.lookup(v, text, rule) {
                return Some(Code::Known(e));
            }
        }
        rule.unknown.then(|| Code::Unknown {
            vendor: attributed.unwrap_or(rule.vendor),
            code: bounded(text),
        })
    }

    /// Step 2: (match start, match end, code start, code end) of each match of `rule`.
    fn matches(rule: &Rule, line: &[u8]) -> Vec<(usize, usize, usize, usize)> {
        let spans = |c: regex::bytes::Captures<'_>| {
            let (m, code) = (c.get(0).unwrap(), c.name("code").unwrap());
            (m.start(), m.end(), code.start(), code.end())
        };
        if !rule.at_anchor {
            return rule.regex.captures_iter(line).map(spans).collect();
        }
        let mut starts: Vec<usize> = rule
            .anchors
            .iter()
            .flat_map(|a| occurrences(line, a))
            .collect();
        starts.sort();
        starts.dedup();
        // The leftmost-first match that starts at `s`: a search from `s` finds it when, and
        // only when, the leftmost match it finds starts at `s`.
        let found = starts.into_iter().filter_map(|s| {
            let m = rule.regex.captures_at(line, s).map(spans)?;
            (m.0 == s).then_some(m)
        });
        // `found` is in order of start, one match per start.
        let mut kept: Vec<(usize, usize, usize, usize)> = Vec::new();
        for m in found {
            if kept.last().is_none_or(|k| m.0 >= k.1) {
                kept.push(m);
            }
        }
        kept
    }

    /// The hits of one line (without its `\n`; a trailing `\r` is not part of it), with the
    /// offset of each code in the line, in order of offset.
    pub fn line_hits(&self, line: &[u8]) -> Vec<(usize, OracleHit)> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // (rule, code offset, code) of every resolved match: steps 1 to 5.
        let mut hits: Vec<(usize, usize, Code)> = Vec::new();
        let mut hit_rules: Vec<usize> = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if !rule
                .anchors
                .iter()
                .any(|a| !occurrences(line, a).is_empty())
            {
                continue;
            }
            let found = Oracle::matches(rule, line);
            if found.is_empty()
                || (!rule.require_any.is_empty()
                    && !rule.require_any.iter().any(|r| r.is_match(line)))
                || rule.reject_any.iter().any(|r| r.is_match(line))
            {
                continue;
            }
            let attributed = rule
                .attribute
                .iter()
                .find(|(_, when)| when.is_match(line))
                .map(|&(v, _)| v);
            let before = hits.len();
            for (_, _, cs, ce) in found {
                if let Some(code) = self.resolve(rule, attributed, &line[cs..ce]) {
                    hits.push((ri, cs, code));
                }
            }
            if hits.len() > before {
                hit_rules.push(ri);
            }
        }
        // Step 6.
        let suppressed = |ri: usize| {
            hit_rules.iter().any(|&by| {
                self.rules[by]
                    .suppresses
                    .iter()
                    .any(|&(v, r)| self.rules[ri].vendor == v && r.is_none_or(|r| r == ri))
            })
        };
        hits.retain(|(ri, _, code)| {
            let is_error = self.entry_of(code).is_none_or(|e| self.entries[e].is_error);
            is_error && !suppressed(*ri)
        });
        let spoken: Vec<usize> = hits
            .iter()
            .filter(|(ri, ..)| !self.rules[*ri].fallback)
            .map(|(ri, ..)| self.rules[*ri].vendor)
            .collect();
        hits.retain(|(ri, ..)| {
            let rule = &self.rules[*ri];
            !rule.fallback || !spoken.contains(&rule.vendor)
        });
        let generic = |code: &Code| self.entry_of(code).is_some_and(|e| self.entries[e].generic);
        let specific: Vec<usize> = hits
            .iter()
            .filter(|(_, _, code)| !generic(code))
            .map(|(_, _, code)| self.reported_vendor(code))
            .collect();
        hits.retain(|(_, _, code)| {
            !generic(code) || !specific.contains(&self.reported_vendor(code))
        });
        hits.sort_by_key(|&(_, offset, _)| offset);
        let mut once: Vec<(usize, Code)> = Vec::new();
        for (_, offset, code) in hits {
            if !once.iter().any(|(_, c)| *c == code) {
                once.push((offset, code));
            }
        }
        once.into_iter()
            .map(|(offset, code)| (offset, self.hit(&code)))
            .collect()
    }

    fn entry_of(&self, code: &Code) -> Option<usize> {
        match code {
            Code::Known(e) | Code::Attributed { entry: e, .. } => Some(*e),
            Code::Unknown { .. } => None,
        }
    }

    fn reported_vendor(&self, code: &Code) -> usize {
        match code {
            Code::Known(e) => self.entries[*e].vendor,
            Code::Attributed { vendor, .. } | Code::Unknown { vendor, .. } => *vendor,
        }
    }

    fn hit(&self, code: &Code) -> OracleHit {
        let vendor = self.vendors[self.reported_vendor(code)].id.clone();
        match self.entry_of(code) {
            Some(e) => OracleHit {
                vendor,
                code: self.entries[e].code.clone(),
                described_by: Some(self.vendors[self.entries[e].vendor].id.clone()),
            },
            None => {
                let Code::Unknown { code, .. } = code else {
                    unreachable!()
                };
                OracleHit {
                    vendor,
                    code: String::from_utf8_lossy(code).into_owned(),
                    described_by: None,
                }
            }
        }
    }

    /// The hits of every line of `data` (lines end at `\n`), as (1-based line, offset in
    /// `data`, hit), in input order.
    pub fn hits(&self, data: &[u8]) -> Vec<(u64, u64, OracleHit)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (n, line) in data.split(|&b| b == b'\n').enumerate() {
            for (offset, h) in self.line_hits(line) {
                out.push((n as u64 + 1, (start + offset) as u64, h));
            }
            start += line.len() + 1;
        }
        out
    }
}

/// An unknown code as errscan reports it (README: "a code is at most 128 bytes"): text past
/// 128 bytes is cut at the last character boundary within them and marked with `…`.
fn bounded(code: &[u8]) -> Vec<u8> {
    const MAX: usize = 128;
    let text = String::from_utf8_lossy(code);
    if text.len() <= MAX {
        return text.into_owned().into_bytes();
    }
    let cut = (0..=MAX)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &text[..cut]).into_bytes()
}
