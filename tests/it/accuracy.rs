//! Precision and recall of the shipped rules on a labelled corpus of real-shaped log lines
//! (`tests/corpus/labelled.tsv`: `EXPECTED<TAB>LINE`, EXPECTED being `-` or a comma-separated
//! list of `vendor:code`), and no hit at all on the real logs of 16 other systems in
//! `tests/data/loghub/`.

use std::collections::HashMap;

use errscan::{Catalog, Matcher, ScanConfig, Scanner};

use crate::common::{hits_of, loghub_logs, repo_path};

fn multiset(items: &[String]) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for i in items {
        *m.entry(i.as_str()).or_insert(0) += 1;
    }
    m
}

#[test]
fn precision_and_recall_on_the_labelled_corpus() {
    let cat = Catalog::embedded().unwrap();
    let scanner = Scanner::new(Matcher::new(&cat, None).unwrap(), ScanConfig::default()).unwrap();
    let text = std::fs::read(repo_path("tests/corpus/labelled.tsv")).unwrap();
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut mistakes = Vec::new();
    for (n, raw) in text.split(|b| *b == b'\n').enumerate() {
        if raw.is_empty() || raw.starts_with(b"#") {
            continue;
        }
        let tab = raw
            .iter()
            .position(|b| *b == b'\t')
            .expect("EXPECTED<TAB>LINE");
        let expected: Vec<String> = match std::str::from_utf8(&raw[..tab]).unwrap() {
            "-" => Vec::new(),
            list => list.split(',').map(|s| s.trim().to_string()).collect(),
        };
        let line = &raw[tab + 1..];
        let got = hits_of(&scanner, &cat, line);
        let (e, g) = (multiset(&expected), multiset(&got));
        let mut line_ok = true;
        for (k, &ge) in &g {
            let ee = e.get(k).copied().unwrap_or(0);
            tp += ge.min(ee);
            fp += ge.saturating_sub(ee);
            line_ok &= ge <= ee;
        }
        for (k, &ee) in &e {
            let ge = g.get(k).copied().unwrap_or(0);
            fn_ += ee.saturating_sub(ge);
            line_ok &= ge >= ee;
        }
        if !line_ok {
            mistakes.push(format!(
                "line {}: expected {expected:?}, got {got:?}: {}",
                n + 1,
                String::from_utf8_lossy(line)
            ));
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!("tp {tp} fp {fp} fn {fn_} precision {precision:.4} recall {recall:.4}");
    for m in &mistakes {
        eprintln!("{m}");
    }
    assert!(tp > 400, "the corpus should hold hundreds of positives");
    assert!(precision >= 0.99, "precision {precision:.4} below 0.99");
    assert!(recall >= 0.95, "recall {recall:.4} below 0.95");
}

#[test]
fn no_hits_on_real_logs_of_other_systems() {
    let files = loghub_logs();
    let cat = Catalog::embedded().unwrap();
    let scanner = Scanner::new(Matcher::new(&cat, None).unwrap(), ScanConfig::default()).unwrap();
    let mut lines = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let hits = hits_of(&scanner, &cat, &data);
        assert!(hits.is_empty(), "{}: false hits {hits:?}", f.display());
        lines += data.iter().filter(|b| **b == b'\n').count();
    }
    assert!(lines >= 31_000, "scanned {lines} lines");
}
