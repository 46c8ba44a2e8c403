//! The fast matcher against the [oracle](crate::oracle): the same hits (line, offset, vendor,
//! code, describing vendor), in the same order, on every line of the sample logs, the labelled
//! corpus and the Loghub logs, on generated lines that splice catalog codes and rule fragments
//! into noise, and on small catalogs that exercise one rule field each. The golden counts of
//! `tests/data/sample-logs-expected.csv` are derived by the oracle too.

use std::collections::BTreeMap;

use errscan::Annotation;
use errscan::{Catalog, Matcher, ScanConfig, Scanner};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use regex_syntax::hir::{Hir, HirKind};

use crate::common::{loghub_logs, repo_path, sample, sample_names};
use crate::oracle::{Oracle, OracleHit};

/// (1-based line, offset in the input, hit).
type Hits = Vec<(u64, u64, OracleHit)>;

/// The hits of `data` found by errscan's scanner, in the oracle's terms.
fn fast_hits(scanner: &Scanner<'_>, data: &[u8]) -> Hits {
    let cat = scanner.catalog();
    let mut out = Vec::new();
    scanner
        .hits_bytes(data, &mut |h| {
            let a = Annotation::of(cat, &h.code);
            out.push((
                h.line,
                h.offset,
                OracleHit {
                    vendor: a.vendor.to_string(),
                    code: a.code.to_string(),
                    described_by: a.entry.map(|e| cat.vendor(e.vendor).id.clone()),
                },
            ));
            Ok(())
        })
        .unwrap();
    out
}

fn scanner(cat: &Catalog) -> Scanner<'_> {
    Scanner::new(Matcher::new(cat, None).unwrap(), ScanConfig::default()).unwrap()
}

/// The lines of `data` on which the two disagree, each with both answers.
fn disagreements(oracle: &Oracle, scanner: &Scanner<'_>, data: &[u8]) -> Vec<String> {
    let want = oracle.hits(data);
    let got = fast_hits(scanner, data);
    if want == got {
        return Vec::new();
    }
    let per_line = |hits: &Hits| {
        let mut m: BTreeMap<u64, Hits> = BTreeMap::new();
        for h in hits {
            m.entry(h.0).or_default().push(h.clone());
        }
        m
    };
    let (want, got) = (per_line(&want), per_line(&got));
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut numbers: Vec<u64> = want.keys().chain(got.keys()).copied().collect();
    numbers.sort();
    numbers.dedup();
    numbers
        .into_iter()
        .filter(|n| want.get(n) != got.get(n))
        .map(|n| {
            format!(
                "line {n}: {:?}\n  oracle: {:?}\n  errscan: {:?}",
                String::from_utf8_lossy(lines[n as usize - 1]),
                want.get(&n).map(short).unwrap_or_default(),
                got.get(&n).map(short).unwrap_or_default(),
            )
        })
        .collect()
}

fn short(hits: &Hits) -> Vec<String> {
    hits.iter()
        .map(|(_, offset, h)| {
            let by = h.described_by.as_deref().unwrap_or("unknown");
            format!("{}:{}@{offset} ({by})", h.vendor, h.code)
        })
        .collect()
}

/// Compares the two on every line of each named input, and fails listing the lines where
/// they differ. Returns (lines, hits) compared.
fn agree_on(inputs: &[(String, Vec<u8>)]) -> (usize, usize) {
    let oracle = Oracle::shipped();
    let cat = Catalog::embedded().unwrap();
    let scanner = scanner(&cat);
    let (mut lines, mut hits) = (0, 0);
    let mut wrong = Vec::new();
    for (name, data) in inputs {
        lines += data.split(|&b| b == b'\n').count();
        hits += oracle.hits(data).len();
        wrong.extend(
            disagreements(&oracle, &scanner, data)
                .into_iter()
                .map(|d| format!("{name} {d}")),
        );
    }
    assert!(
        wrong.is_empty(),
        "the matcher and the oracle disagree on {} lines:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!("agreement on {lines} lines, {hits} hits");
    (lines, hits)
}

#[test]
fn matcher_agrees_with_the_oracle_on_the_sample_logs() {
    let inputs: Vec<(String, Vec<u8>)> = sample_names()
        .into_iter()
        .map(|n| {
            let data = std::fs::read(sample(&n)).unwrap();
            (n, data)
        })
        .collect();
    let (_, hits) = agree_on(&inputs);
    assert!(hits > 250, "{hits}");
}

#[test]
fn matcher_agrees_with_the_oracle_on_the_labelled_corpus() {
    let text = std::fs::read(repo_path("tests/corpus/labelled.tsv")).unwrap();
    // The log lines, without their labels.
    let lines: Vec<u8> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .flat_map(|l| {
            let tab = l.iter().position(|&b| b == b'\t').unwrap();
            l[tab + 1..].iter().copied().chain([b'\n'])
        })
        .collect();
    let (_, hits) = agree_on(&[("labelled.tsv".to_string(), lines)]);
    assert!(hits > 400, "{hits}");
}

#[test]
fn matcher_agrees_with_the_oracle_on_the_loghub_logs() {
    let inputs: Vec<(String, Vec<u8>)> = loghub_logs()
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), data)
        })
        .collect();
    let (lines, _) = agree_on(&inputs);
    assert!(lines >= 31_000, "{lines}");
}

fn parse(pattern: &str) -> Hir {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// `hir` without its assertions (`\b`, `^`, `$`), which a generator cannot produce, with
/// classes that do not produce a newline (a piece stays on its line), and with its `code`
/// group, when `codes` is given, replaced by those codes.
fn generable(hir: &Hir, codes: Option<&[Vec<u8>]>) -> Hir {
    use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange};
    match hir.kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Empty | HirKind::Literal(_) => hir.clone(),
        HirKind::Class(Class::Bytes(c)) => {
            let mut c = c.clone();
            c.difference(&ClassBytes::new([ClassBytesRange::new(b'\n', b'\n')]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Class(Class::Unicode(_)) => panic!("pattern regexes are byte-oriented"),
        HirKind::Capture(c) => match (c.name.as_deref(), codes) {
            (Some("code"), Some(codes)) => {
                Hir::alternation(codes.iter().map(|c| Hir::literal(c.clone())).collect())
            }
            _ => Hir::capture(regex_syntax::hir::Capture {
                index: c.index,
                name: c.name.clone(),
                sub: Box::new(generable(&c.sub, codes)),
            }),
        },
        HirKind::Repetition(r) => Hir::repetition(regex_syntax::hir::Repetition {
            min: r.min,
            max: r.max.map(|m| m.min(r.min + 3)).or(Some(r.min + 3)),
            greedy: r.greedy,
            sub: Box::new(generable(&r.sub, codes)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(|s| generable(s, codes)).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(|s| generable(s, codes)).collect())
        }
    }
}

fn generator(hir: &Hir) -> BoxedStrategy<Vec<u8>> {
    proptest::string::bytes_regex_parsed(hir).unwrap().boxed()
}

/// The literal pieces of a regex (`"code`, `Stormpath `, `okta`, ...).
fn literals_of(hir: &Hir, out: &mut Vec<Vec<u8>>) {
    match hir.kind() {
        HirKind::Literal(l) => out.push(l.0.to_vec()),
        HirKind::Capture(c) => literals_of(&c.sub, out),
        HirKind::Repetition(r) => literals_of(&r.sub, out),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|s| literals_of(s, out))
        }
        HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

/// A piece of log text, one of:
/// - a string that a rule's regex matches (but for its assertions), its code a documented
///   one or whatever the regex admits, alone or beside a string that one of the rule's line
///   conditions matches;
/// - a string that a line condition (envelope, rejection, attribution) matches;
/// - a single word: a catalog code or name, an anchor, a literal piece of any rule regex, a
///   separator;
/// - numbers (in WSO2's ranges, three to five digits), letters, random bytes, line ends.
fn piece(oracle: &Oracle) -> BoxedStrategy<Vec<u8>> {
    let shapes = oracle.rule_shapes();
    let mut rules = Vec::new();
    let mut conditions = Vec::new();
    let mut bundles = Vec::new();
    let mut words: Vec<Vec<u8>> = Vec::new();
    for shape in &shapes {
        let hir = parse(&shape.regex);
        literals_of(&hir, &mut words);
        let shaped = [
            generator(&generable(&hir, None)),
            generator(&generable(&hir, Some(&shape.codes))),
        ];
        let mut own_conditions = Vec::new();
        for c in &shape.conditions {
            let hir = parse(c);
            literals_of(&hir, &mut words);
            own_conditions.push(generator(&generable(&hir, None)));
        }
        for g in shaped {
            rules.push(g.clone());
            // The rule's match with one of its conditions on the same line, either side.
            for c in &own_conditions {
                bundles.push(
                    (g.clone(), c.clone(), any::<bool>())
                        .prop_map(|(m, c, first)| {
                            if first {
                                [m, c].join(&b' ')
                            } else {
                                [c, m].join(&b' ')
                            }
                        })
                        .boxed(),
                );
            }
        }
        conditions.extend(own_conditions);
        words.extend(shape.anchors.iter().cloned());
        words.extend(shape.codes.iter().cloned());
    }
    for sep in [
        "\"", "\\\"", ":", ": ", " : ", "=", " - ", "-", " ", "  ", "(", ")", ",", ";", "#", "/",
        ".", "\t", "{", "}", "[", "]", "_", "ms", "port ", "ERROR ", "WARN ", "false", "true",
    ] {
        words.push(sep.as_bytes().to_vec());
    }
    words.sort();
    words.dedup();
    let word = proptest::sample::select(words);
    let rule = proptest::strategy::Union::new(rules);
    let condition = proptest::strategy::Union::new(conditions);
    let bundle = proptest::strategy::Union::new(bundles);
    prop_oneof![
        6 => rule,
        6 => bundle,
        3 => condition,
        6 => word,
        2 => proptest::string::string_regex("(1[78]|2[02]|4[01]|51)[0-9]{3}|[0-9]{3,5}")
            .unwrap()
            .prop_map(String::into_bytes),
        1 => proptest::string::string_regex("[A-Za-z_.]{1,6}").unwrap().prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 1..6),
        1 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
    ]
    .boxed()
}

/// Letters of `data` flipped to the other case where `flips` says, so that case-insensitive
/// conditions (`(?i)\bokta\b`) meet `OKTA` and `Okta`.
fn flip_case(mut data: Vec<u8>, flips: &[bool]) -> Vec<u8> {
    for (b, &flip) in data.iter_mut().zip(flips.iter().cycle()) {
        if flip && b.is_ascii_alphabetic() {
            *b ^= 0x20;
        }
    }
    data
}

#[test]
fn matcher_agrees_with_the_oracle_on_generated_lines() {
    let oracle = Oracle::shipped();
    let cat = Catalog::embedded().unwrap();
    let scanner = scanner(&cat);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(3000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let flips = proptest::collection::vec(proptest::bool::weighted(0.1), 1..64);
    let log = proptest::collection::vec(piece(&oracle), 0..24).prop_map(|p| p.concat());
    let strategy = (log, proptest::bool::weighted(0.2), flips).prop_map(|(data, flip, flips)| {
        if flip {
            flip_case(data, &flips)
        } else {
            data
        }
    });
    // Hits per vendor (and `unknown` for undocumented codes), to show what was exercised.
    let hits = std::cell::RefCell::new(BTreeMap::<String, usize>::new());
    let result = runner.run(&strategy, |data| {
        let wrong = disagreements(&oracle, &scanner, &data);
        for (_, _, h) in oracle.hits(&data) {
            let key = match h.described_by {
                Some(_) => h.vendor,
                None => format!("{} (unknown code)", h.vendor),
            };
            *hits.borrow_mut().entry(key).or_default() += 1;
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(wrong.join("\n")))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let hits = hits.into_inner();
    let total: usize = hits.values().sum();
    eprintln!("agreement on {cases} generated logs, {total} hits: {hits:?}");
    assert!(total > cases as usize, "too few hits generated: {hits:?}");
    for vendor in ["akamai", "idaas", "oauth", "okta", "stormpath", "wso2"] {
        assert!(
            hits.contains_key(vendor),
            "no {vendor} hit generated: {hits:?}"
        );
    }
}

/// The hits of `line` as `vendor:code`, by the oracle and by errscan, for the pattern files
/// `files` (name, text).
fn both_on(files: &[(&str, &str)], line: &str) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let oracle = Oracle::from_dir(dir.path());
    let cat = Catalog::from_dir(dir.path()).unwrap();
    let scanner = scanner(&cat);
    let named = |hits: Hits| -> Vec<String> {
        hits.into_iter()
            .map(|(_, _, h)| format!("{}:{}", h.vendor, h.code))
            .collect()
    };
    (
        named(oracle.hits(line.as_bytes())),
        named(fast_hits(&scanner, line.as_bytes())),
    )
}

/// One rule field at a time, on a small catalog: the oracle gives what the README says, and
/// so does errscan.
#[test]
fn each_rule_field_means_what_the_readme_says() {
    const V: &str = "[vendor]\nid = \"v\"\nname = \"V\"\n";
    const W: &str = "[vendor]\nid = \"w\"\nname = \"W\"\n";
    let code = |c: &str, extra: &str| {
        format!("[[code]]\ncode = \"{c}\"\ncategory = \"token\"\ndescription = \"d\"\n{extra}\n")
    };
    let nested = format!(
        "{V}[[rule]]\nid = \"t\"\nanchors = [\"Op.Fail\", \"Fail\"]\nat_anchor = true\n\
         regex = '\\b(?P<code>(?:Op\\.Fail|Fail)(?:\\.\\w+)*)\\b'\n{}",
        code("Fail.B", "")
    );
    let at_anchor = format!(
        "{V}[[rule]]\nid = \"a\"\nanchors = [\"V-\"]\nat_anchor = true\nregex = '(?P<code>\\d+)'\n"
    );
    let anywhere =
        format!("{V}[[rule]]\nid = \"a\"\nanchors = [\"V-\"]\nregex = '(?P<code>\\d+)'\n");
    let envelope = format!(
        "{V}[[rule]]\nid = \"e\"\nanchors = [\"V-\"]\nat_anchor = true\nregex = 'V-(?P<code>\\d+)'\n\
         require_any = ['\"req\"', 'REQ']\nreject_any = ['(?i)noise']\n"
    );
    let end_of_line =
        format!("{V}[[rule]]\nid = \"e\"\nanchors = [\"V-\"]\nregex = 'V-(?P<code>\\d+)$'\n");
    let lookups = format!(
        "{V}[[rule]]\nid = \"n\"\nanchors = [\"name=\"]\nat_anchor = true\n\
         regex = 'name=(?P<code>[a-z_]+)'\nlookup = \"name\"\nunknown = false\n\
         [[rule]]\nid = \"k\"\nanchors = [\"known=\"]\nat_anchor = true\n\
         regex = 'known=(?P<code>\\w+)'\nunknown = false\n{}{}{}",
        code("7", "name = \"bad_thing\""),
        code("8", "name = \"bad_thing\""),
        code("ok", "error = false"),
    );
    // `w` attributes its hits to `v` when the line says `(?i)v-host`, and `v` claims the
    // line from `w`'s `body` rule when its envelope rule hits.
    let v_file = format!(
        "{V}[[rule]]\nid = \"env\"\nanchors = [\"V:\"]\nat_anchor = true\n\
         regex = 'V:(?P<code>\\d+)'\nsuppresses = [\"w/body\"]\n\
         [[rule]]\nid = \"name\"\nanchors = [\"vname=\"]\nat_anchor = true\n\
         regex = 'vname=(?P<code>[a-z]+)'\nlookup = \"name\"\nunknown = false\nfallback = true\n\
         [[rule]]\nid = \"typed\"\nanchors = [\"T.\"]\nat_anchor = true\n\
         regex = '\\b(?P<code>T\\.\\w+(?:\\.\\w+)*)\\b'\n{}{}{}{}",
        code("1", "name = \"one\""),
        code("only_v", ""),
        code("T.Fail", "generic = true"),
        code("T.Fail.X", ""),
    );
    let w_file = format!(
        "{W}[[rule]]\nid = \"body\"\nanchors = [\"err=\"]\nat_anchor = true\n\
         regex = 'err=(?P<code>[a-z_]+)'\nunknown = false\n\
         attribute = [{{ vendor = \"v\", when = '(?i)\\bv-host\\b' }}]\n{}",
        code("denied", "")
    );
    let two = |line: &str| both_on(&[("v.toml", &v_file), ("w.toml", &w_file)], line);
    // The same rule with and without `fold_case`; its anchors name the case forms to find.
    let folding = |fold: bool| {
        format!(
            "{V}[[rule]]\nid = \"f\"\nanchors = [\"ERR=\", \"Err=\"]\nat_anchor = true\n\
             regex = '(?i:err)=(?P<code>\\w+)'\nfold_case = {fold}\n{}{}{}",
            code("bad_grant", "name = \"Bad_Thing\""),
            code("E0000X", ""),
            code("BAD_GRANT_TYPE", ""),
        )
    };
    let (folded, exact) = (folding(true), folding(false));
    /// (what is shown, (oracle's hits, errscan's hits), the hits wanted).
    type Case<'a> = (&'a str, (Vec<String>, Vec<String>), &'a [&'a str]);
    let cases: Vec<Case<'_>> = vec![
        // A match at a nested anchor inside a longer one is not a second hit.
        (
            "nested anchors",
            both_on(&[("v.toml", &nested)], "x Op.Fail.B y"),
            &["v:Op.Fail.B"],
        ),
        (
            "nested, alone",
            both_on(&[("v.toml", &nested)], "x Fail.B y"),
            &["v:Fail.B"],
        ),
        // `at_anchor`: the match starts at the anchor, not anywhere in the line.
        ("at_anchor", both_on(&[("v.toml", &at_anchor)], "V-12"), &[]),
        (
            "anywhere",
            both_on(&[("v.toml", &anywhere)], "V-12 and 34"),
            &["v:12", "v:34"],
        ),
        (
            "envelope met",
            both_on(&[("v.toml", &envelope)], "V-1 REQ"),
            &["v:1"],
        ),
        (
            "envelope missing",
            both_on(&[("v.toml", &envelope)], "V-1 req"),
            &[],
        ),
        (
            "rejected",
            both_on(&[("v.toml", &envelope)], "V-1 \"req\" NOISE"),
            &[],
        ),
        // A line ends before `\r\n`.
        (
            "crlf",
            both_on(&[("v.toml", &end_of_line)], "V-5\r\nV-6\r"),
            &["v:5", "v:6"],
        ),
        // `lookup = "name"` takes the first entry of that name; `unknown = false` drops the
        // rest; `error = false` is never counted.
        (
            "lookups",
            both_on(
                &[("v.toml", &lookups)],
                "name=bad_thing name=other known=ok known=x",
            ),
            &["v:7"],
        ),
        // Attribution: documented by `w`, reported under `v`.
        ("attributed", two("V-HOST err=denied"), &["v:denied"]),
        ("not attributed", two("vv-host err=denied"), &["w:denied"]),
        // Attributed to `v`, which documents it: `v`'s own entry.
        (
            "attributed, v's own",
            two("v-host err=only_v"),
            &["v:only_v"],
        ),
        // A code only an attribution target documents is that vendor's, line named or not.
        ("target's code", two("err=only_v"), &["v:only_v"]),
        // `suppresses`: `v`'s envelope claims the line from `w`'s body rule.
        ("suppressed", two("V:1 err=denied"), &["v:1"]),
        ("not suppressed", two("V:x err=denied"), &["w:denied"]),
        // `fallback`: the name counts only when no other rule of `v` hit.
        ("fallback alone", two("vname=one"), &["v:1"]),
        (
            "fallback gives way",
            two("V:1 vname=one T.Fail.X"),
            &["v:1", "v:T.Fail.X"],
        ),
        // `generic`: a type code gives way to a specific code of the same vendor.
        ("generic alone", two("T.Fail"), &["v:T.Fail"]),
        (
            "generic gives way",
            two("T.Fail then T.Fail.X"),
            &["v:T.Fail.X"],
        ),
        ("generic and unknown", two("T.Fail T.Other"), &["v:T.Other"]),
        // `fold_case`: any letter case finds the entry, reported as the catalog spells it,
        // once per line; a capture the catalog lacks stays as the log wrote it.
        (
            "fold_case",
            both_on(
                &[("v.toml", &folded)],
                "ERR=BAD_GRANT Err=e0000x ERR=Bad_Grant Err=bad_grant_type",
            ),
            &["v:bad_grant", "v:E0000X", "v:BAD_GRANT_TYPE"],
        ),
        (
            "fold_case, unknown",
            both_on(&[("v.toml", &folded)], "ERR=OTHER"),
            &["v:OTHER"],
        ),
        (
            "without fold_case",
            both_on(&[("v.toml", &exact)], "ERR=BAD_GRANT Err=bad_grant"),
            &["v:BAD_GRANT", "v:bad_grant"],
        ),
        // One hit per code and line, in order of offset.
        (
            "once per line",
            two("V:1 V:1 T.Fail.X V:1"),
            &["v:1", "v:T.Fail.X"],
        ),
    ];
    for (name, (oracle, fast), want) in cases {
        assert_eq!(oracle, want, "{name}: oracle");
        assert_eq!(fast, want, "{name}: errscan");
    }
}
