//! The HTML report (`-f html`), checked as a person would look at it: rendered in headless
//! Chromium (Debian's `chromium`; the test fails when it is missing), screenshot and DOM,
//! with hostile codes and file names, its numbers against the JSON report's, its size, and
//! what `merge -f html` says when reports lack a key.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use errscan::output::html::{self, HtmlOptions, HTML_GROUP_BY};
use errscan::{Catalog, Grouped, Input, Matcher, ScanConfig, Scanner};
use regex::Regex;
use serde_json::Value;

use crate::common::{errscan, success};

/// A log of several hours: the lines of the in-repo sample logs, each given a time (37 s
/// apart), every tenth one as an undated continuation line.
fn hours_log(skip: usize) -> String {
    let mut lines = Vec::new();
    for name in ["okta.log", "wso2.log", "akamai.log", "idaas.log"] {
        let text = std::fs::read_to_string(Path::new("sample-logs").join(name)).unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    let base = jiff::Timestamp::from_second(1_795_219_200).unwrap(); // 2026-11-21T00:00:00Z
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate().skip(skip) {
        if i % 10 == 9 {
            out.push_str("    at ");
        } else {
            let t = base
                .checked_add(jiff::SignedDuration::from_secs(i as i64 * 37))
                .unwrap();
            out.push_str(&format!("{t} "));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Fails, never skips, when Chromium is missing: `.ci/run` installs it.
fn chromium_path() -> PathBuf {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("chromium is not installed (apt-get install -y chromium); .ci/run installs it");
}

/// Runs headless Chromium on `page` with every network path closed: names resolve nowhere
/// and the proxy is a local listener that must see no connection.
fn chromium(page: &Path, action: &str) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let port = proxy.local_addr().unwrap().port();
    let out = Command::new(chromium_path())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1200,1800",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &format!("--proxy-server=http://127.0.0.1:{port}"),
            &format!("--user-data-dir={}", profile.path().display()),
            action,
            &format!("file://{}", page.display()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match proxy.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the page made a network request: {other:?}"),
    }
    out
}

/// Whether the PNG has content: several colours, and a good share of non-background pixels.
fn assert_not_blank(png_path: &Path) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let background = pixels[0];
    let other = pixels.iter().filter(|p| *p != &background).count();
    let mut colours: Vec<&[u8]> = pixels.clone();
    colours.sort();
    colours.dedup();
    assert!(colours.len() > 20, "only {} colours", colours.len());
    assert!(
        other * 20 > pixels.len(),
        "{other} of {} pixels differ from the background",
        pixels.len()
    );
}

/// The page must reference nothing: no element with a URL-taking attribute, no CSS `url(`
/// or `@import`, no script element.
fn assert_self_contained(dom: &str) {
    const URL_ATTRIBUTES: [&str; 9] = [
        "src",
        "href",
        "srcset",
        "action",
        "formaction",
        "poster",
        "background",
        "xlink:href",
        "ping",
    ];
    let value = r#"(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?"#;
    let tag = Regex::new(&format!(
        r#"<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s=>/]+{value})*)\s*/?>"#
    ))
    .unwrap();
    let attribute = Regex::new(&format!(r#"\s+([^\s=>/]+){value}"#)).unwrap();
    let mut tags = 0;
    for t in tag.captures_iter(dom) {
        tags += 1;
        let name = t[1].to_ascii_lowercase();
        assert!(
            !["script", "img", "iframe", "object", "embed", "link", "a", "image"]
                .contains(&name.as_str()),
            "a <{name}> element in the page"
        );
        for a in attribute.captures_iter(&t[2]) {
            let attr = a[1].to_ascii_lowercase();
            assert!(!URL_ATTRIBUTES.contains(&attr.as_str()), "{}", &t[0]);
            assert!(!attr.starts_with("on"), "an event handler: {}", &t[0]);
        }
    }
    assert!(tags > 100, "the page has only {tags} tags");
    // Style, the page's own: nothing in it may load anything.
    let style = Regex::new(r#"(?s)<style>(.*?)</style>|style="([^"]*)""#).unwrap();
    for s in style.captures_iter(dom) {
        let css = s.get(1).or(s.get(2)).unwrap().as_str();
        assert!(!css.contains("url(") && !css.contains("@import"), "{css}");
    }
}

/// Hits per (vendor, code) in a JSON report.
fn code_totals(json: &Value) -> HashMap<(String, String), u64> {
    let mut m = HashMap::new();
    for row in json["counts"].as_array().unwrap() {
        let key = (
            row["vendor"].as_str().unwrap().to_string(),
            row["code"].as_str().unwrap().to_string(),
        );
        *m.entry(key).or_insert(0) += row["count"].as_u64().unwrap();
    }
    m
}

/// (vendor, code) → count of the rows of the page's top-codes table.
fn page_codes(dom: &str) -> Vec<(String, String, u64)> {
    let section = &dom[dom.find(r#"id="codes""#).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let row = Regex::new(
        r#"(?s)<tr data-vendor="([^"]*)" data-code="([^"]*)">.*?class="n count" data-n="(\d+)""#,
    )
    .unwrap();
    row.captures_iter(section)
        .map(|c| (c[1].to_string(), c[2].to_string(), c[3].parse().unwrap()))
        .collect()
}

fn data_n(dom: &str, id: &str) -> u64 {
    let re = Regex::new(&format!(r#"id="{id}"[^>]*data-n="(\d+)""#)).unwrap();
    re.captures(dom)
        .unwrap_or_else(|| panic!("no #{id} in the page"))[1]
        .parse()
        .unwrap()
}

#[test]
fn chromium_renders_a_scan_with_hostile_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir
        .path()
        .join(r#"<script>alert("x")<\script> & 'q' <svg onload=alert(1)>.log"#);
    std::fs::write(&hostile, hours_log(0)).unwrap();
    std::fs::write(dir.path().join("b.log"), hours_log(400)).unwrap();
    let missing = dir.path().join("<td><img src=x onerror=alert(1)>.log");
    let page = dir.path().join("report.html");
    let json = dir.path().join("report.json");
    let paths = [hostile.clone(), dir.path().join("b.log"), missing.clone()];
    let out = errscan()
        .args(["scan", "-f", "html", "-o"])
        .arg(&page)
        .args(&paths)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a missing input exits 2");
    let _ = errscan()
        .args(["scan", "-f", "json", "-g", "vendor,code,file,hour", "-o"])
        .arg(&json)
        .args(&paths)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();

    let shot = dir.path().join("shot.png");
    chromium(&page, &format!("--screenshot={}", shot.display()));
    assert_not_blank(&shot);
    let dom = String::from_utf8(chromium(&page, "--dump-dom").stdout).unwrap();
    assert_self_contained(&dom);
    assert_self_contained(&std::fs::read_to_string(&page).unwrap());

    // The headline is the JSON report's summary.
    let s = &json["summary"];
    for (id, field) in [
        ("hits", "hits"),
        ("unknown", "unknown"),
        ("inputs", "inputs"),
        ("lines", "lines"),
        ("bytes", "bytes"),
    ] {
        assert_eq!(data_n(&dom, id), s[field].as_u64().unwrap(), "{id}");
    }
    assert_eq!(data_n(&dom, "errors-count"), 1);
    assert!(s["hits"].as_u64().unwrap() > 100);
    // The top codes are the JSON report's largest, with the same counts.
    let want = code_totals(&json);
    let shown = page_codes(&dom);
    assert!(shown.len() >= 20, "{}", shown.len());
    for (vendor, code, n) in &shown {
        assert_eq!(
            want.get(&(vendor.clone(), code.clone())),
            Some(n),
            "{vendor} {code}"
        );
    }
    let mut largest: Vec<u64> = want.values().copied().collect();
    largest.sort_unstable_by(|a, b| b.cmp(a));
    let counts: Vec<u64> = shown.iter().map(|r| r.2).collect();
    assert_eq!(counts, largest[..counts.len()]);
    // The charts are drawn: one bar per hour of the span, stacked, and trends.
    assert!(dom.contains(r#"<svg class="chart""#));
    assert!(dom.contains(r#"<svg class="bars""#));
    assert!(dom.contains(r#"<svg class="spark""#));
    assert!(dom.contains("Hits per hour (UTC)"));
    // Hostile names are text: escaped in the per-file table and the input error.
    assert!(dom.contains(
        r#"&lt;script&gt;alert("x")&lt;\script&gt; &amp; 'q' &lt;svg onload=alert(1)&gt;.log"#
    ));
    assert!(dom.contains("&lt;td&gt;&lt;img src=x onerror=alert(1)&gt;.log"));
    assert!(dom.contains(r#"id="errors""#));
}

/// A JSON report whose codes, names, descriptions and files try to break out of the page.
fn hostile_report(dir: &Path) -> PathBuf {
    let mut counts = Vec::new();
    for (i, code) in [
        "</svg><script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "'; background:url(http://evil.example/x);",
        "E0000011",
    ]
    .iter()
    .enumerate()
    {
        counts.push(serde_json::json!({
            "vendor": "okta", "code": code, "file": format!("<b>host{i}</b>"),
            "hour": "2026-11-21T0{i}:00:00Z",
            "name": "<style>body{display:none}</style>", "category": "</td><td>x",
            "vendor_category": "", "http_status": 401,
            "description": "<a href=\"https://evil.example/\">click</a> <!-- &amp; -->",
            "count": 10 + i,
        }));
    }
    let doc = serde_json::json!({
        "schema": 1, "group_by": ["vendor", "code", "file", "hour"],
        "summary": {"inputs": 1, "bytes": 10, "lines": 4, "hits": 46, "unknown": 0,
                    "errors": ["<script>alert(3)</script>: no such file"]},
        "counts": counts,
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    path
}

#[test]
fn chromium_shows_hostile_codes_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let report = hostile_report(dir.path());
    let page = dir.path().join("page.html");
    success(
        errscan()
            .args(["merge", "-f", "html", "--baseline"])
            .arg(&report)
            .arg("-o")
            .arg(&page)
            .arg(&report),
    );
    let dom = String::from_utf8(chromium(&page, "--dump-dom").stdout).unwrap();
    assert_self_contained(&dom);
    assert_eq!(
        dom.matches("<style>").count(),
        1,
        "only the page's own style"
    );
    assert!(!dom.contains("<a "));
    assert!(dom.contains("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(dom.contains("&lt;b&gt;host0&lt;/b&gt;"));
    assert!(dom.contains("&lt;script&gt;alert(3)&lt;/script&gt;: no such file"));
    assert_eq!(data_n(&dom, "hits"), 46);
}

#[test]
fn merge_html_keeps_hosts_apart_and_says_what_it_cannot_draw() {
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for (host, skip) in [("idp-1", 0), ("idp-2", 300)] {
        let log = dir.path().join(format!("{host}.log"));
        std::fs::write(&log, hours_log(skip)).unwrap();
        let json = dir.path().join(format!("{host}.json"));
        success(
            errscan()
                .args(["scan", "-f", "json", "-g", "vendor,code,file,hour", "-o"])
                .arg(&json)
                .arg(&log),
        );
        reports.push(json);
    }
    let page = dir.path().join("all.html");
    let out = success(
        errscan()
            .args(["merge", "-f", "html", "-o"])
            .arg(&page)
            .args(&reports),
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("By report (host)"));
    assert!(text.contains("idp-1.json") && text.contains("idp-2.json"));
    assert!(text.contains(r#"<svg class="chart""#));
    assert!(!text.contains(r#"id="notes""#));

    // A report without time and file keys: the page and stderr say what is missing.
    let flat = dir.path().join("flat.json");
    success(
        errscan()
            .args(["scan", "-f", "json", "-o"])
            .arg(&flat)
            .arg(dir.path().join("idp-1.log")),
    );
    let out = success(
        errscan()
            .args(["merge", "-f", "html", "-o"])
            .arg(&page)
            .arg(&flat),
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no chart of hits over time"), "{stderr}");
    assert!(stderr.contains("no per-file table"), "{stderr}");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains(r#"id="notes""#));
    assert!(text.contains("no chart of hits over time"));
    assert!(!text.contains(r#"<svg class="chart""#));
}

#[test]
fn baseline_marks_new_risen_and_fallen_codes_with_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let rows = |counts: &[(&str, u64)]| -> Value {
        let counts: Vec<Value> = counts
            .iter()
            .map(|(code, n)| {
                serde_json::json!({"vendor": "okta", "code": code, "name": "", "category": "token",
                "vendor_category": "", "http_status": null, "description": "", "count": n})
            })
            .collect();
        let hits: u64 = counts.iter().map(|c| c["count"].as_u64().unwrap()).sum();
        serde_json::json!({"schema": 1, "group_by": ["vendor", "code"],
            "summary": {"inputs": 1, "bytes": 1, "lines": 1, "hits": hits, "unknown": 0, "errors": []},
            "counts": counts})
    };
    let before = dir.path().join("before.json");
    let now = dir.path().join("now.json");
    let b = rows(&[("E1", 10), ("E2", 40), ("E3", 10), ("E4", 7), ("E6", 1)]);
    let n = rows(&[("E1", 25), ("E2", 12), ("E3", 15), ("E5", 3), ("E6", 4)]);
    std::fs::write(&before, b.to_string()).unwrap();
    std::fs::write(&now, n.to_string()).unwrap();
    let page = dir.path().join("page.html");
    success(
        errscan()
            .args(["merge", "-f", "html", "--baseline"])
            .arg(&before)
            .arg("-o")
            .arg(&page)
            .arg(&now),
    );
    let text = std::fs::read_to_string(&page).unwrap();
    let changes = &text[text.find(r#"id="changes""#).unwrap()..];
    let changes = &changes[..changes.find("</section>").unwrap()];
    let badge = |kind: &str, before: u64, now: u64| {
        format!(r#"class="chg {kind}" data-before="{before}" data-now="{now}""#)
    };
    assert!(changes.contains(&badge("rose", 10, 25)), "{changes}");
    assert!(changes.contains(&badge("fell", 40, 12)));
    assert!(changes.contains(&badge("new", 0, 3)));
    assert!(changes.contains(&badge("gone", 7, 0)));
    assert!(!changes.contains(">E3<"), "x1.5 is not marked");
    assert!(
        !changes.contains(">E6<"),
        "x4 but 3 hits more is not marked"
    );
    assert!(changes.contains("×2"));

    let out = errscan()
        .args(["merge", "-f", "json", "--baseline"])
        .arg(&before)
        .arg(&now)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-f html"));
}

/// However many codes, files and days a report holds, the page stays small: tables are cut
/// to their top rows and the chart to at most 120 bars.
#[test]
fn page_of_a_large_report_stays_under_one_megabyte() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for day in 0..40 {
        for hour in 0..24 {
            for f in 0..3 {
                for c in 0..8 {
                    counts.push(serde_json::json!({
                        "vendor": "okta", "code": format!("E{:07}", (day * 7 + c * 131 + f) % 900),
                        "file": format!("/var/log/idp/host-{:03}/app.log", (day * 24 + hour + f) % 300),
                        "hour": format!("2026-10-{:02}T{hour:02}:00:00Z", 1 + day % 31),
                        "name": "", "category": "unknown", "vendor_category": "",
                        "http_status": null, "description": "unknown code (not in catalog)",
                        "count": 1 + c,
                    }));
                }
            }
        }
    }
    let doc = serde_json::json!({"schema": 1, "group_by": ["vendor", "code", "file", "hour"],
        "summary": {"inputs": 300, "bytes": 1u64 << 30, "lines": 10_000_000u64, "hits": 0,
                    "unknown": 0, "errors": []},
        "counts": counts});
    let report = dir.path().join("big.json");
    std::fs::write(&report, doc.to_string()).unwrap();
    let page = dir.path().join("big.html");
    success(
        errscan()
            .args(["merge", "-f", "html", "-o"])
            .arg(&page)
            .arg(&report),
    );
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 1 << 20, "{size} bytes");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(
        text.contains("Hits per day (UTC)"),
        "31 days are drawn by day"
    );
    assert!(text.contains("more codes not shown"));
    assert!(text.contains("more files not shown"));
}

/// The page's data for the sample logs, as a snapshot: totals, buckets, codes and trends.
#[test]
fn snapshot_page_data_of_the_sample_logs() {
    let cat = Catalog::embedded().unwrap();
    let config = ScanConfig {
        time: Some(errscan::report::timestamp::Granularity::Hour),
        per_input: true,
        year: 2026,
        ..ScanConfig::default()
    };
    let scanner = Scanner::new(Matcher::new(&cat, None).unwrap(), config).unwrap();
    let inputs: Vec<Input> = ["okta.log", "wso2.log", "idaas.log"]
        .iter()
        .map(|n| Input::Path(Path::new("sample-logs").join(n)))
        .collect();
    let report = scanner.scan_inputs(&inputs);
    let grouped = Grouped::from_report(&cat, &report, &HTML_GROUP_BY);
    let opts = HtmlOptions {
        top: 10,
        generated_unix: 1_795_305_600.0,
        ..HtmlOptions::default()
    };
    let page = html::page(&grouped, &opts);
    insta::assert_json_snapshot!("html_page_sample_logs", page);
}
