//! Integration tests of how inputs are found and opened, run on the real binary: directories
//! (nested, hidden entries, `--glob`, symbolic links), compressed files recognised by content
//! (gzip, multi-member gzip, zstd, bzip2), standard input, FIFOs, UTF-16 with a byte order
//! mark, devices, damaged archives, unreadable inputs, and files truncated while they are read.
//! Every variant must give the counts of the same log scanned as a plain file.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{bin, errscan, mkfifo, open_to_everyone, stdout_of, unprivileged};

/// Count rows keyed by every column but `count` (and `file`, which differs between variants),
/// each as `column=value`.
type Counts = BTreeMap<Vec<String>, u64>;

/// Deterministic noise, so that compressed test data is not trivially small.
fn noise(i: usize) -> u64 {
    let mut x = (i as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_4476_d1ce_4e5b);
    x ^ (x >> 32)
}

/// One block of log: one error line each of Okta, Akamai and Stormpath between noise lines
/// that must not count. The first line is noise, so a byte order mark never touches a hit.
fn block(i: usize) -> String {
    format!(
        "2026-11-21T03:14:06Z INFO request {i} GET /api/v1/users/{} took {} ms\n\
         2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided), ErrorId oae{i}\n\
         {{\"stat\":\"error\",\"code\":210,\"error\":\"invalid_credentials\",\"request_id\":\"r{i}\"}}\n\
         HTTP 400, Stormpath 2001 (http://docs.stormpath.com/errors/2001): x\n\
         2026-11-21T03:14:08Z INFO listening on port 17002\n",
        noise(i),
        noise(i + 1) % 1000
    )
}

/// A log of `blocks` blocks: `blocks` hits of each of the three codes.
fn log(blocks: usize) -> Vec<u8> {
    (0..blocks).map(block).collect::<String>().into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `data` compressed as two members (frames, streams), split in the middle of a line, as
/// logrotate or `cat a.gz b.gz > c.gz` produce.
fn two_members(data: &[u8], compress: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mid = data.len() / 2 + 7;
    let mut out = compress(&data[..mid]);
    out.extend(compress(&data[mid..]));
    out
}

fn utf16(data: &[u8], big_endian: bool) -> Vec<u8> {
    let text = std::str::from_utf8(data).unwrap();
    let mut out = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// What a run of `errscan scan -f csv` gave.
struct Run {
    code: Option<i32>,
    counts: Counts,
    stderr: String,
}

fn parse_counts(csv_text: &[u8]) -> Counts {
    let mut counts = Counts::new();
    if csv_text.is_empty() {
        return counts;
    }
    let mut rdr = csv::Reader::from_reader(csv_text);
    let headers = rdr.headers().unwrap().clone();
    let count_col = headers.iter().position(|h| h == "count").unwrap();
    for record in rdr.records() {
        let record = record.unwrap();
        let key = headers
            .iter()
            .zip(record.iter())
            .filter(|(h, _)| *h != "count" && *h != "file")
            .map(|(h, v)| format!("{h}={v}"))
            .collect();
        *counts.entry(key).or_insert(0) += record[count_col].parse::<u64>().unwrap();
    }
    counts
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code(),
        counts: parse_counts(&out.stdout),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `errscan scan -f csv ARGS`, with `stdin` as standard input when given (empty
/// otherwise).
fn scan<I, S>(args: I, stdin: Option<&[u8]>) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut cmd = errscan();
    cmd.args(["scan", "-f", "csv"]).args(&args);
    cmd.write_stdin(stdin.unwrap_or_default().to_vec());
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("errscan scan {args:?}: {e}"));
    finish(out)
}

/// Like [`scan`], asserting a clean exit.
fn scan_ok<I, S>(args: I, stdin: Option<&[u8]>) -> Counts
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let run = scan(args, stdin);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    run.counts
}

/// The count of one vendor's code.
fn count(counts: &Counts, vendor: &str, code: &str) -> u64 {
    let (v, c) = (format!("vendor={vendor}"), format!("code={code}"));
    counts
        .iter()
        .filter(|(k, _)| k.contains(&v) && k.contains(&c))
        .map(|(_, n)| n)
        .sum()
}

/// `counts` with every count multiplied by `k`.
fn times(counts: &Counts, k: u64) -> Counts {
    counts.iter().map(|(key, n)| (key.clone(), n * k)).collect()
}

fn plus(a: &Counts, b: &Counts) -> Counts {
    let mut sum = a.clone();
    for (key, n) in b {
        *sum.entry(key.clone()).or_insert(0) += n;
    }
    sum
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The counts of `log(blocks)` as a plain file, checked against what the log holds.
fn baseline(blocks: usize) -> Counts {
    let dir = tempfile::tempdir().unwrap();
    let counts = scan_ok([write(dir.path(), "plain.log", &log(blocks))], None);
    for (vendor, code) in [
        ("okta", "E0000011"),
        ("akamai", "210"),
        ("stormpath", "2001"),
    ] {
        assert_eq!(
            count(&counts, vendor, code),
            blocks as u64,
            "{vendor} {code}: {counts:?}"
        );
    }
    assert_eq!(
        counts.values().sum::<u64>(),
        3 * blocks as u64,
        "{counts:?}"
    );
    counts
}

/// What `reader` delivers before its first error (the error is returned too), read `step`
/// bytes at a time.
fn read_until_error(mut reader: impl Read, step: usize) -> (Vec<u8>, Option<std::io::Error>) {
    let mut out = Vec::new();
    let mut buf = vec![0; step];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Some(e)),
        }
    }
}

#[test]
fn plain_compressed_and_stdin_inputs_give_identical_counts() {
    let blocks = 300;
    let expected = baseline(blocks);
    let data = log(blocks);
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, Vec<u8>)] = &[
        ("plain.log", data.clone()),
        ("app.log.gz", gzip(&data)),
        ("multi-member.log.gz", two_members(&data, gzip)),
        ("app.log.zst", zstd(&data)),
        ("multi-frame.log.zst", two_members(&data, zstd)),
        ("app.log.bz2", bzip2(&data)),
        ("multi-stream.log.bz2", two_members(&data, bzip2)),
    ];
    for (name, bytes) in files {
        let path = write(dir.path(), name, bytes);
        assert_eq!(scan_ok([&path], None), expected, "{name}");
    }
    let stdin: &[(&str, Vec<u8>)] = &[
        ("-", data.clone()),
        ("-", gzip(&data)),
        ("-", two_members(&data, gzip)),
        ("-", zstd(&data)),
        ("-", bzip2(&data)),
    ];
    for (i, (arg, bytes)) in stdin.iter().enumerate() {
        assert_eq!(scan_ok([arg], Some(bytes)), expected, "stdin case {i}");
    }
    // No path at all reads standard input too.
    assert_eq!(scan_ok::<[&str; 0], _>([], Some(&gzip(&data))), expected);
}

#[test]
fn compressed_file_with_a_misleading_name_is_still_decompressed() {
    let expected = baseline(50);
    let dir = tempfile::tempdir().unwrap();
    let gz = write(dir.path(), "app.log", &gzip(&log(50)));
    let zst = write(dir.path(), "notes.txt", &zstd(&log(50)));
    let plain = write(dir.path(), "plain.gz", &log(50));
    assert_eq!(scan_ok([&gz], None), expected);
    assert_eq!(scan_ok([&zst], None), expected);
    // And plain text named like an archive is scanned as it is.
    assert_eq!(scan_ok([&plain], None), expected);
}

#[test]
fn utf16_with_bom_gives_the_same_counts() {
    let blocks = 40;
    let expected = baseline(blocks);
    let data = log(blocks);
    let dir = tempfile::tempdir().unwrap();
    let le = write(dir.path(), "windows-export.log", &utf16(&data, false));
    let be = write(dir.path(), "be.log", &utf16(&data, true));
    let gz = write(
        dir.path(),
        "windows-export.log.gz",
        &gzip(&utf16(&data, false)),
    );
    for path in [&le, &be, &gz] {
        assert_eq!(scan_ok([path], None), expected, "{}", path.display());
    }
    assert_eq!(scan_ok(["-"], Some(&utf16(&data, false))), expected);
    // A UTF-8 byte order mark is left as it is.
    let mut bom8 = b"\xef\xbb\xbf".to_vec();
    bom8.extend(&data);
    assert_eq!(
        scan_ok([write(dir.path(), "bom8.log", &bom8)], None),
        expected
    );
    // Without a byte order mark nothing is guessed: UTF-16 text is scanned as bytes.
    let no_bom = write(dir.path(), "no-bom.log", &utf16(&data, false)[2..]);
    assert_eq!(scan_ok([no_bom], None), Counts::new());
}

/// `log(blocks)` written to `dir/old.log` and dated an hour back: over the 1 MiB below which
/// files are read into memory (for 12,000 blocks) and quiet, so that `--mmap auto` maps it.
fn mappable_log(dir: &Path, blocks: usize) -> PathBuf {
    let data = log(blocks);
    assert!(data.len() > 2 << 20);
    let path = write(dir, "old.log", &data);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    path
}

#[test]
fn large_file_counts_match_under_every_mmap_policy() {
    let blocks = 12_000;
    let dir = tempfile::tempdir().unwrap();
    let path = mappable_log(dir.path(), blocks);
    let expected = times(&baseline(1), blocks as u64);
    for policy in ["auto", "always", "never"] {
        let args = [OsString::from("--mmap"), policy.into(), path.clone().into()];
        assert_eq!(scan_ok(args, None), expected, "--mmap {policy}");
    }
}

/// A tree of logs: three visible ones in nested directories, two hidden ones, and a text file
/// with other content.
struct Tree {
    dir: tempfile::TempDir,
    one: Counts,
    notes: Counts,
}

fn tree() -> Tree {
    let blocks = 30;
    let data = log(blocks);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.log", &data);
    write(root, "nested/deeper/old.log.gz", &gzip(&data));
    write(root, "nested/b.zst", &zstd(&data));
    write(root, ".hidden.log", &data);
    write(root, ".cache/c.log", &data);
    let notes_text = "2026-11-21T03:14:07Z WARN HTTP 401, Okta E0000011 (Invalid token provided)\n";
    write(root, "notes.txt", notes_text.repeat(7).as_bytes());
    let one = baseline(blocks);
    let notes = scan_ok(["-"], Some(notes_text.repeat(7).as_bytes()));
    assert_eq!(count(&notes, "okta", "E0000011"), 7);
    Tree { dir, one, notes }
}

#[test]
fn directory_is_walked_recursively_skipping_hidden_and_filtering_by_glob() {
    let t = tree();
    let root = t.dir.path();
    let r = |p: &str| root.join(p).into_os_string();
    // Nested files, compressed or not, all counted; hidden ones skipped.
    assert_eq!(scan_ok([root], None), plus(&times(&t.one, 3), &t.notes));
    assert_eq!(
        scan_ok([OsString::from("--hidden"), r("")], None),
        plus(&times(&t.one, 5), &t.notes)
    );
    let with_globs = |globs: &[&str], paths: &[OsString]| {
        let mut args = Vec::new();
        for g in globs {
            args.push(OsString::from("--glob"));
            args.push(OsString::from(g));
        }
        args.extend(paths.iter().cloned());
        scan_ok(args, None)
    };
    assert_eq!(
        with_globs(&["*.log", "*.gz", "*.zst"], &[r("")]),
        times(&t.one, 3)
    );
    assert_eq!(with_globs(&["!*.txt"], &[r("")]), times(&t.one, 3));
    assert_eq!(with_globs(&["nested/**"], &[r("")]), times(&t.one, 2));
    assert_eq!(with_globs(&["*.txt"], &[r("")]), t.notes);
    // A file named explicitly is scanned whatever the globs say.
    assert_eq!(
        with_globs(&["*.log"], &[r(""), r("notes.txt")]),
        plus(&t.one, &t.notes)
    );
    // A bad glob is a usage error that names it.
    let run = scan([OsString::from("--glob"), "[a-".into(), r("")], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("invalid glob \"[a-\""),
        "{}",
        run.stderr
    );
}

#[test]
fn directory_files_are_scanned_in_file_name_order() {
    let t = tree();
    let out = stdout_of(errscan().args(["scan", "--hits"]).arg(t.dir.path()));
    let mut files: Vec<String> = Vec::new();
    for line in out.lines() {
        let hit: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = hit["file"].as_str().unwrap().to_string();
        if files.last() != Some(&file) {
            files.push(file);
        }
    }
    let expected: Vec<String> = [
        "app.log",
        "nested/b.zst",
        "nested/deeper/old.log.gz",
        "notes.txt",
    ]
    .iter()
    .map(|f| t.dir.path().join(f).display().to_string())
    .collect();
    assert_eq!(files, expected);
}

#[test]
fn empty_directory_scans_nothing_and_does_not_read_stdin() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(scan_ok([dir.path()], Some(&log(3))), Counts::new());
}

#[cfg(unix)]
#[test]
fn symlinks_in_directories_are_skipped_unless_followed_and_loops_reported() {
    use std::os::unix::fs::symlink;
    let t = tree();
    let root = t.dir.path();
    let outside = tempfile::tempdir().unwrap();
    let target = write(outside.path(), "linked.log", &log(30));
    symlink(&target, root.join("nested/linked.log")).unwrap();
    symlink(root, root.join("nested/loop")).unwrap();
    let walked = plus(&times(&t.one, 3), &t.notes);
    assert_eq!(scan_ok([root], None), walked);
    let run = scan([OsString::from("-L"), root.into()], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.counts, plus(&walked, &t.one));
    let lp = root.join("nested/loop").display().to_string();
    assert!(
        run.stderr
            .contains(&format!("errscan: {lp}: symbolic link loop")),
        "{}",
        run.stderr
    );
    // A link named on the command line is followed without -L.
    let explicit = scan_ok([root.join("nested/linked.log")], None);
    assert_eq!(explicit, t.one);
}

#[test]
fn truncated_gzip_is_reported_with_path_and_offsets_and_its_prefix_counted() {
    let blocks = 3000;
    let data = log(blocks);
    let gz = gzip(&data);
    let cut = &gz[..gz.len() / 2];
    let (prefix, err) = read_until_error(flate2::read::MultiGzDecoder::new(cut), 1 << 16);
    assert!(err.is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cut.log.gz", cut);
    let good = write(dir.path(), "good.log", &log(10));
    let prefix_counts = scan_ok([write(dir.path(), "prefix.log", &prefix)], None);
    let damaged = count(&prefix_counts, "okta", "E0000011");
    assert!(damaged > 0 && damaged < blocks as u64, "{damaged}");

    let run = scan([&path, &good], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    // The hits before the damage, and the other file, are counted.
    assert_eq!(run.counts, plus(&prefix_counts, &baseline(10)));
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("errscan: {}: ", path.display())))
        .unwrap_or_else(|| panic!("no error names {}: {}", path.display(), run.stderr));
    let msg = format!(
        "gzip: truncated data, unexpected end at compressed offset {}",
        cut.len()
    );
    assert!(line.contains(&msg), "{line}");
    assert!(
        run.stderr
            .contains(&format!("byte offset {}", prefix.len())),
        "{}",
        run.stderr
    );
}

#[test]
fn corrupt_zstd_is_reported_with_path_and_offset_and_its_prefix_counted() {
    let blocks = 3000;
    let data = log(blocks);
    // A clean first frame, then a frame whose middle is damaged (with a checksum, so the
    // damage is always detected).
    let mut zst = zstd(&data);
    let first = zst.len();
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(&data).unwrap();
    zst.extend(enc.finish().unwrap());
    let mid = first + (zst.len() - first) / 2;
    for b in &mut zst[mid..mid + 64] {
        *b ^= 0x5a;
    }
    // Read a byte at a time, zstd delivers every block before the damaged one; errscan must
    // deliver as much.
    let (prefix, err) = read_until_error(zstd::stream::read::Decoder::new(&zst[..]).unwrap(), 1);
    assert!(err.is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "corrupt.log.zst", &zst);
    let prefix_counts = scan_ok([write(dir.path(), "prefix.log", &prefix)], None);
    let damaged = count(&prefix_counts, "okta", "E0000011");
    assert!(
        damaged >= blocks as u64 && damaged < 2 * blocks as u64,
        "{damaged}"
    );

    let run = scan([&path], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.counts, prefix_counts);
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("errscan: {}: ", path.display())))
        .unwrap_or_else(|| panic!("no error names {}: {}", path.display(), run.stderr));
    assert!(
        line.contains("zstd: corrupt data at compressed offset "),
        "{line}"
    );
    assert!(
        run.stderr
            .contains(&format!("byte offset {}", prefix.len())),
        "{}",
        run.stderr
    );
}

// Run as an unprivileged user when the tests run as root (as in CI), so that the unreadable
// file and directory really are unreadable to errscan; nothing here is skipped for root.
#[cfg(unix)]
#[test]
fn missing_and_unreadable_inputs_are_reported_and_the_rest_still_scanned() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    open_to_everyone(root);
    let good = write(root, "good.log", &log(20));
    write(root, "walked/ok.log", &log(20));
    let missing = root.join("missing.log");
    // Dangling symbolic links: one named, one met while walking with -L.
    let gone = root.join("gone.log");
    symlink(root.join("rotated-away.log"), &gone).unwrap();
    symlink(root.join("nowhere.log"), root.join("walked/dangling.log")).unwrap();
    // A file and a directory (met while walking) that errscan's user may not read.
    let secret = write(root, "secret.log", &log(5));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked = root.join("walked/locked");
    write(&locked, "x.log", &log(5));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();

    let out = unprivileged(&bin())
        .args(["scan", "-f", "csv", "-L"])
        .args([&good, &missing, &root.join("walked"), &gone, &secret])
        .output()
        .unwrap();
    // Let the temporary directory be removed by an unprivileged user too.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = finish(out);

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.counts, times(&baseline(20), 2), "{}", run.stderr);
    let mut expect_in_stderr = vec![format!("errscan: {}: ", missing.display())];
    for p in [gone, root.join("walked/dangling.log")] {
        expect_in_stderr.push(format!("errscan: {}: dangling symbolic link", p.display()));
    }
    for p in [secret, locked] {
        expect_in_stderr.push(format!("errscan: {}: Permission denied", p.display()));
    }
    for expected in &expect_in_stderr {
        assert!(
            run.stderr.contains(expected),
            "want {expected:?} in:\n{}",
            run.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn fifos_are_streamed_plain_or_compressed() {
    let blocks = 200;
    let data = log(blocks);
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.fifo");
    let gz = dir.path().join("gz.fifo");
    mkfifo(&plain);
    mkfifo(&gz);
    let writers: Vec<_> = [(plain.clone(), data.clone()), (gz.clone(), gzip(&data))]
        .into_iter()
        .map(|(path, bytes)| {
            std::thread::spawn(move || {
                // Opening blocks until errscan opens the other end.
                let mut w = File::options().write(true).open(path).unwrap();
                for piece in bytes.chunks(1000) {
                    w.write_all(piece).unwrap();
                }
            })
        })
        .collect();
    let counts = scan_ok([&plain, &gz], None);
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(counts, times(&baseline(blocks), 2));
}

#[cfg(unix)]
#[test]
fn char_devices_are_refused_but_dev_stdin_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.log", &log(10));
    let started = Instant::now();
    let run = scan([Path::new("/dev/zero"), good.as_path()], None);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("errscan: /dev/zero: not a regular file (character device)"),
        "{}",
        run.stderr
    );
    assert_eq!(run.counts, baseline(10));
    // Every Unix errscan runs on has `/dev/stdin`.
    assert!(Path::new("/dev/stdin").exists(), "no /dev/stdin here");
    assert_eq!(scan_ok(["/dev/stdin"], Some(&gzip(&log(10)))), baseline(10));
}

/// The file position of process `pid`'s open descriptor of `path` (Linux: from
/// `/proc/PID/fdinfo`), if it has one open.
#[cfg(target_os = "linux")]
fn read_position(pid: u32, path: &Path) -> Option<u64> {
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        if std::fs::read_link(entry.path()).is_ok_and(|t| t == path) {
            let info = format!("/proc/{pid}/fdinfo/{}", entry.file_name().to_string_lossy());
            let pos = std::fs::read_to_string(info).ok().and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("pos:"))
                    .and_then(|v| v.trim().parse::<u64>().ok())
            });
            if pos.is_some() {
                return pos;
            }
        }
    }
    None
}

/// Whether process `pid` has `path` mapped into memory (Linux: `/proc/PID/maps`).
#[cfg(target_os = "linux")]
fn is_mapped(pid: u32, path: &Path) -> bool {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let path = path.display().to_string();
    maps.lines().any(|l| l.ends_with(&path))
}

/// Sends `signal` (`STOP`, `CONT`) to process `pid`.
#[cfg(target_os = "linux")]
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// Waits until every thread of process `pid` is stopped (state `T` in
/// `/proc/PID/task/TID/stat`): `kill -s STOP` returns before the threads stop, and a thread in
/// the middle of a `read` finishes it first, moving the file's position on.
#[cfg(target_os = "linux")]
fn wait_stopped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
        let all = tasks.flatten().all(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            // The state follows the command name's closing parenthesis.
            let state = stat.rsplit_once(") ").map(|(_, rest)| rest.as_bytes()[0]);
            matches!(state, Some(b'T' | b't') | None)
        });
        if all {
            return;
        }
        assert!(Instant::now() < deadline, "process {pid} did not stop");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Writes a 200 MB log, starts `errscan scan EXTRA big.log`, and once it has begun reading the
/// file, stops it (SIGSTOP), checks that it has not read the file to its end, truncates the
/// file to nothing and lets it go on (SIGCONT). So the truncation always falls in the middle of
/// the read. The run must then end with status 2 and say that the file was truncated while it
/// was read: being killed by a signal (SIGBUS from a truncated map) or ending as if nothing had
/// happened are both failures. (A process that maps the file is stopped as soon as the map is
/// seen, and then dies of SIGBUS.)
#[cfg(target_os = "linux")]
fn truncate_while_scanning(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().canonicalize().unwrap().join("big.log");
    let mut piece = String::new();
    let mut i = 0;
    while piece.len() < 1 << 20 {
        piece.push_str(&format!(
            "2026-11-21T03:14:06Z INFO request {i} GET /api/v1/users/{} took {} ms\n",
            noise(i),
            noise(i + 1) % 1000
        ));
        if i % 500 == 0 {
            piece.push_str(&block(i));
        }
        i += 1;
    }
    let mut w = BufWriter::new(File::create(&path).unwrap());
    for _ in 0..200 {
        w.write_all(piece.as_bytes()).unwrap();
    }
    w.into_inner().unwrap().sync_all().unwrap();
    let len = std::fs::metadata(&path).unwrap().len();

    let mut child = std::process::Command::new(bin())
        .args(["scan", "-f", "csv", "-j", "2"])
        .args(extra)
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Stopped once it has read a few blocks of the file (past the bytes that tell plain text
    // from an archive), or has mapped it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mapped = loop {
        if read_position(pid, &path).is_some_and(|p| p > 4 << 20) {
            signal(pid, "STOP");
            wait_stopped(pid);
            break false;
        }
        if is_mapped(pid, &path) {
            signal(pid, "STOP");
            wait_stopped(pid);
            break true;
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "errscan {extra:?} was never seen reading {}",
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let at = read_position(pid, &path);
    if !mapped && at.is_none_or(|p| p >= len) {
        signal(pid, "CONT");
        let _ = child.kill();
        panic!("errscan {extra:?} had read {at:?} of {len} bytes when stopped: not mid-read");
    }
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    signal(pid, "CONT");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("errscan {extra:?} did not finish after the truncation");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(
        status.code(),
        Some(2),
        "errscan {extra:?} truncated after {at:?} of {len} bytes (mapped: {mapped}) ended \
         with {status:?} (a signal means a truncated map was read); stderr: {stderr}"
    );
    // The error names the file, says what happened, and where: after what had been read.
    let at = at.unwrap();
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&format!("errscan: {}: ", path.display())))
        .unwrap_or_else(|| panic!("no error names {}: {stderr}", path.display()));
    for want in [
        format!("file truncated while it was read, it had {len} bytes when opened"),
        format!("at byte offset {at}"),
    ] {
        assert!(line.contains(&want), "want {want:?} in: {line}");
    }
}

// A file modified just now is live: `--mmap auto` reads it rather than mapping it.
#[cfg(target_os = "linux")]
#[test]
fn file_truncated_while_scanned_with_default_mmap_auto_does_not_kill_the_process() {
    truncate_while_scanning(&[]);
}

#[cfg(target_os = "linux")]
#[test]
fn file_truncated_while_scanned_with_mmap_never_does_not_kill_the_process() {
    truncate_while_scanning(&["--mmap", "never"]);
}

/// The scheduling policy of each thread of process `pid`: field 41 of `/proc/PID/task/TID/stat`.
#[cfg(target_os = "linux")]
fn thread_policies(pid: u32) -> Vec<u32> {
    let mut policies = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let stat = std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap();
        // The command name, in parentheses, may hold spaces: count fields after it.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let policy = after_name.split(' ').nth(41 - 3).unwrap();
        policies.push(policy.parse().unwrap());
    }
    policies
}

#[cfg(target_os = "linux")]
#[test]
fn every_thread_runs_as_a_batch_job_while_a_pipe_is_read() {
    const SCHED_BATCH: u32 = 3;
    let bin = bin();
    let mut child = std::process::Command::new(bin)
        .args(["scan", "-f", "csv", "-j", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"x Okta E0000011 (Invalid token provided)\n")
        .unwrap();
    // The pool's two workers and the reader, once started.
    let deadline = Instant::now() + Duration::from_secs(10);
    let policies = loop {
        let policies = thread_policies(child.id());
        if policies.len() >= 3 || Instant::now() > deadline {
            break policies;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("E0000011"));
    assert!(policies.len() >= 3, "threads: {policies:?}");
    assert!(
        policies.iter().all(|&p| p == SCHED_BATCH),
        "policies: {policies:?}"
    );
}

/// Runs `errscan scan -f csv ARGS` with `file` as standard input, asserting a clean exit.
fn scan_redirected(args: &[&str], file: File) -> Counts {
    let out = std::process::Command::new(bin())
        .args(["scan", "-f", "csv"])
        .args(args)
        .stdin(file)
        .output()
        .unwrap();
    let run = finish(out);
    assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
    run.counts
}

#[test]
fn a_file_redirected_to_stdin_is_read_from_where_stdin_stands() {
    use std::io::{Seek, SeekFrom};
    let blocks = 12_000;
    let dir = tempfile::tempdir().unwrap();
    let path = mappable_log(dir.path(), blocks);
    let one = baseline(1);
    for policy in ["auto", "always", "never"] {
        let counts = scan_redirected(&["--mmap", policy], File::open(&path).unwrap());
        assert_eq!(counts, times(&one, blocks as u64), "--mmap {policy}");
    }
    // Standard input left past its first blocks (`(head -c N; errscan scan) < log`) holds only
    // the rest of the file, and only the rest is counted.
    let skipped = 2_500;
    for policy in ["auto", "always", "never"] {
        let mut file = File::open(&path).unwrap();
        file.seek(SeekFrom::Start(log(skipped).len() as u64))
            .unwrap();
        let counts = scan_redirected(&["--mmap", policy], file);
        assert_eq!(
            counts,
            times(&one, (blocks - skipped) as u64),
            "--mmap {policy}"
        );
    }
}
