//! A code read from a log has a bounded length, so the unknown-code cap bounds the report.

use crate::common::{errscan, stdout_of};

#[test]
fn long_unknown_codes_are_cut_to_the_bound() {
    // 400 lines, each with a distinct 20 KB code.
    let mut log = String::new();
    for i in 0..400 {
        let tail = "Ab".repeat(10_000);
        log.push_str(&format!(
            "{{\"success\":false,\"code\":\"Operation.Failure.X{i:03}{tail}\"}}\n"
        ));
    }
    let csv = stdout_of(errscan().args(["scan", "-f", "csv"]).write_stdin(log));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 400, "distinct prefixes stay distinct");
    for row in &rows {
        let code = row.split(',').nth(1).unwrap();
        assert_eq!(code.len(), 128 + "…".len(), "{}", &code[..40]);
        assert!(code.starts_with("Operation.Failure.X") && code.ends_with('…'));
    }
    assert!(csv.len() < 400 * 300, "{} bytes", csv.len());
}
