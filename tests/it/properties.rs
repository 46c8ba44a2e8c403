//! Property tests: counts never depend on thread count, chunk size, stream block size or
//! whether the input came from memory or a stream: they equal the same matcher run line by
//! line on one thread. (Whether the matcher is right is `agreement`'s question, answered
//! against an independent oracle.)

use crate::common::{self, line_by_line, through_json};
use errscan::{Catalog, Counts, Matcher, ScanConfig, Scanner};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011"}"#,
    "HTTP 401, Okta E0000004 (Authentication failed), ErrorId oae9",
    "Okta E0000199 (unknown)",
    r#"{"code":"20015","message":"m","description":"d","traceId":"t"}"#,
    "GET /authenticationendpoint/login.do?errorCode=17003&failedUsername=a&remainingAttempts=0",
    "[2026-11-21 03:14:07,123] ERROR {org.wso2.carbon.identity.X} - Error code: 18001",
    r#"{"code":210,"error":"invalid_credentials","stat":"error"}"#,
    r#"{"stat":"error","code":100,"error":"invalid_request"}"#,
    "HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): exists",
    r#"{"success":false,"code":"Operation.Failure","message":"Operation.Failure.User.Locked"}"#,
    "redirect ?error=invalid_grant&error_description=x",
    r#"{"error":"login_failed"}"#,
    "port 17002 took 2001 ms pid=20015 0xE0000242",
    "2026-11-21T03:14:07Z ",
    "2026-11-21 04:59:59,123 ",
    "Nov 22 13:00:00 host ",
    r#""GET / HTTP/1.1" 500 2326"#,
    "E0000",
    "Operation.Failure",
    "error=",
    "\"stat\"",
    "",
    "\r",
    "\u{0}\u{ff}",
];

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (0..FRAGMENTS.len()).prop_map(|i| FRAGMENTS[i].as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..20),
        1 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
    ]
}

fn log() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..40).prop_map(|p| p.concat())
}

/// The reference: every line scanned on its own, one thread, by the same matcher.
fn reference(matcher: &Matcher<'_>, data: &[u8]) -> Counts {
    line_by_line(
        matcher,
        data,
        Counts::new(matcher.catalog().entries().len()),
    )
}

fn scanner(cat: &Catalog, threads: usize, chunk: usize, block: usize) -> Scanner<'_> {
    let config = ScanConfig {
        threads,
        chunk_size: chunk,
        block_size: block,
        ..ScanConfig::default()
    };
    common::scanner(cat, config)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn counts_do_not_depend_on_threads_chunks_or_source(
        data in log(),
        threads in 1usize..4,
        chunk in 1usize..300,
        block in 1usize..300,
    ) {
        let cat = Catalog::embedded().unwrap();
        let expected = reference(&Matcher::new(&cat, None).unwrap(), &data);
        let s = scanner(&cat, threads, chunk, block);
        let (mem, mem_extent) = s.scan_bytes(&data);
        prop_assert_eq!(&mem, &expected);
        let (streamed, stream_extent, err) = s.scan_stream(&mut &data[..], "<test>");
        prop_assert!(err.is_none());
        prop_assert_eq!(&streamed, &expected);
        prop_assert_eq!(mem_extent, stream_extent);
        prop_assert_eq!(mem_extent.bytes, data.len() as u64);
        prop_assert_eq!(mem_extent.newlines, data.iter().filter(|b| **b == b'\n').count() as u64);
    }

    #[test]
    fn hits_agree_with_counts(data in log(), chunk in 1usize..300) {
        let cat = Catalog::embedded().unwrap();
        let s = scanner(&cat, 2, chunk, 64);
        let (counts, _) = s.scan_bytes(&data);
        let mut from_hits = Counts::new(cat.entries().len());
        let mut lines = Vec::new();
        s.hits_bytes(&data, &mut |h| {
            lines.push((h.line, h.offset));
            from_hits.add(&h.code);
            Ok(())
        }).unwrap();
        prop_assert_eq!(&from_hits, &counts);
        // Hits come in input order, with the right line numbers.
        prop_assert!(lines.windows(2).all(|w| w[0].1 <= w[1].1));
        for (line, offset) in &lines {
            let before = data[..*offset as usize].iter().filter(|b| **b == b'\n').count() as u64;
            prop_assert_eq!(*line, before + 1);
        }
        let mut streamed = Counts::new(cat.entries().len());
        s.hits_stream(&mut &data[..], "<test>", &mut |h| { streamed.add(&h.code); Ok(()) }).unwrap();
        prop_assert_eq!(&streamed, &counts);
    }
}

fn report_of(s: &Scanner<'_>, name: &str, data: &[u8]) -> errscan::Report {
    let (counts, extent) = s.scan_bytes(data);
    errscan::Report {
        summary: errscan::Summary {
            inputs: 1,
            bytes: extent.bytes,
            lines: extent.newlines + u64::from(data.last().is_some_and(|b| *b != b'\n')),
            hits: counts.total(),
            unknown: counts.unknown_total(),
            ..Default::default()
        },
        counts: vec![(name.to_string(), counts)],
    }
}

const GROUPINGS: &[&str] = &[
    "vendor,code",
    "category",
    "vendor_category",
    "file,vendor",
    "vendor,code,hour",
    "category,day",
    "file,code,minute",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// merge(scan(A), scan(B)) == scan(A and B), for every grouping, in either order.
    #[test]
    fn merging_reports_equals_scanning_everything(
        a in log(),
        b in log(),
        g in 0..GROUPINGS.len(),
    ) {
        let cat = Catalog::embedded().unwrap();
        let keys = errscan::report::grouping::parse_group_by(GROUPINGS[g]).unwrap();
        let time = keys.iter().find_map(|k| match k {
            errscan::GroupKey::Time(t) => Some(*t),
            _ => None,
        });
        let config = ScanConfig { threads: 1, time, year: 2026, ..ScanConfig::default() };
        let s = Scanner::new(Matcher::new(&cat, None).unwrap(), config).unwrap();
        let ra = report_of(&s, "a.log", &a);
        let rb = report_of(&s, "b.log", &b);
        let mut both = ra.clone();
        both.summary += &rb.summary;
        both.counts.extend(rb.counts.clone());
        let expected = errscan::Grouped::from_report(&cat, &both, &keys);

        let mut ab = errscan::Grouped::from_report(&cat, &ra, &keys);
        ab.merge(errscan::Grouped::from_report(&cat, &rb, &keys)).unwrap();
        prop_assert_eq!(&ab, &expected);
        let mut ba = errscan::Grouped::from_report(&cat, &rb, &keys);
        ba.merge(errscan::Grouped::from_report(&cat, &ra, &keys)).unwrap();
        prop_assert_eq!(&ba.rows, &expected.rows);
        // And through the JSON a report is written as.
        let mut from_json = through_json(&errscan::Grouped::from_report(&cat, &ra, &keys));
        from_json.merge(through_json(&errscan::Grouped::from_report(&cat, &rb, &keys))).unwrap();
        prop_assert_eq!(&from_json.rows, &expected.rows);
    }
}
