//! `--patterns DIR` adds to the built-in catalog, a built-in vendor's id replaces it, and
//! `--no-builtin` uses only the given directories; `scan` and `catalog` follow the same flags.

use crate::common::{errscan, stderr_of_failure, stdout_of};

const ACME: &str = "[vendor]\nid = \"acme\"\nname = \"Acme IdP\"\n\
    [[rule]]\nid = \"err\"\nanchors = [\"ACME-\"]\nat_anchor = true\nregex = 'ACME-(?P<code>\\d{3})\\b'\n\
    [[code]]\ncode = \"401\"\ncategory = \"authentication\"\ndescription = \"Bad password.\"\n";

const LOG: &str =
    "x ACME-401 y\nHTTP 401, Okta E0000011 (Invalid token provided)\nACME-999 z ACME-401\n";

fn scan_csv(args: &[&str], dir: &std::path::Path) -> String {
    let text = stdout_of(
        errscan()
            .args(["scan", "-f", "csv", "-g", "vendor,code"])
            .args(args)
            .arg("--patterns")
            .arg(dir)
            .write_stdin(LOG),
    );
    let mut rows: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{}:{}={}", cells[0], cells[1], cells[cells.len() - 1])
        })
        .collect();
    rows.sort();
    rows.join(" ")
}

#[test]
fn a_pattern_directory_adds_a_vendor_to_the_builtin_catalog() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.toml"), ACME).unwrap();
    assert_eq!(
        scan_csv(&[], dir.path()),
        "acme:401=2 acme:999=1 okta:E0000011=1"
    );
    assert_eq!(
        scan_csv(&["--no-builtin"], dir.path()),
        "acme:401=2 acme:999=1"
    );
}

#[test]
fn a_builtin_vendor_id_replaces_that_vendor_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("okta.toml"),
        ACME.replace("id = \"acme\"", "id = \"okta\""),
    )
    .unwrap();
    // Okta's own rules are gone (E0000011 is no longer found); its replacement's are in.
    assert_eq!(scan_csv(&[], dir.path()), "okta:401=2 okta:999=1");
    let listed = errscan()
        .args([
            "catalog",
            "-f",
            "csv",
            "--vendor",
            "okta,wso2",
            "--patterns",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(listed.stdout).unwrap();
    assert!(text.contains("okta,Acme IdP,401,"), "{text}");
    assert!(!text.contains("E0000011"), "{text}");
    assert!(text.contains("\nwso2,"), "{text}");
}

#[test]
fn no_builtin_without_a_directory_is_a_clear_error() {
    let err = stderr_of_failure(errscan().args(["catalog", "--no-builtin"]), 2);
    assert!(err.contains("no pattern files"), "{err}");
}
