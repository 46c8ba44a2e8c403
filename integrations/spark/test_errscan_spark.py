"""The Spark job in local mode (local[2]) against errscan itself: the job's report must equal
`errscan scan` over the same files, field for field in `counts` and `summary`.

The errscan binary is $ERRSCAN, else target/release/errscan, else target/debug/errscan.
The logs are made in a temporary directory from the repository's sample-logs/.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLES = REPO / "sample-logs"
JOB = HERE / "errscan_spark.py"

sys.path.insert(0, str(HERE))
import errscan_spark  # noqa: E402

# The big plain file: large enough for --min-partitions 8 to cut it into 8 or more splits.
BIG_REPEAT = 12


def find_errscan() -> str:
    given = os.environ.get("ERRSCAN")
    candidates = [given] if given else [
        REPO / "target" / "release" / "errscan",
        REPO / "target" / "debug" / "errscan",
    ]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return str(Path(c).resolve())
    pytest.fail(f"no errscan binary (set ERRSCAN or build it): looked at {candidates}")


@pytest.fixture(scope="session")
def errscan() -> str:
    return find_errscan()


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("errscan-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> Path:
    """Plain, gzip, bzip2 and zstd logs, one big plain file, and the awkward cases."""
    root = tmp_path_factory.mktemp("spark") / "logs"
    (root / "rotated").mkdir(parents=True)
    shutil.copy(SAMPLES / "okta.log", root / "okta.log")
    shutil.copy(SAMPLES / "wso2.log", root / "wso2.log")
    gz = lambda src, dst: dst.write_bytes(gzip.compress(src.read_bytes()))  # noqa: E731
    gz(SAMPLES / "akamai.log", root / "rotated" / "akamai.log.1.gz")
    gz(SAMPLES / "stormpath.log", root / "rotated" / "stormpath.log.2.gz")
    (root / "rotated" / "idaas.log.3.bz2").write_bytes(
        bz2.compress((SAMPLES / "idaas.log").read_bytes())
    )
    zst = root / "rotated" / "mixed.log.4.zst"
    subprocess.run(["zstd", "-q", "-f", str(SAMPLES / "mixed.log"), "-o", str(zst)], check=True)
    # gzip content under a plain name: errscan goes by the content.
    gz(SAMPLES / "okta.log", root / "rotated" / "okta-archive")
    # The big one: every sample, CRLF line ends in one copy, no newline at the very end.
    parts = [p.read_bytes() for p in sorted(SAMPLES.glob("*.log"))]
    body = b"".join(parts)
    big = body * (BIG_REPEAT - 1) + body.replace(b"\n", b"\r\n")
    (root / "big.log").write_bytes(big + b'{"errorCode":"E0000011","msg":"last, no newline"}')
    # After its first line, every line starts with bzip2's magic: so would every split
    # after the first, which errscan must not take for a compressed stream.
    line = b"BZh91AY&SY okta errorCode=E0000004 Authentication failed\n"
    (root / "bzh.log").write_bytes(b"2025-11-21T03:14:07Z start\n" + line * 60_000)
    (root / "empty.log").write_bytes(b"")
    (root / "last-line.log").write_bytes(b'{"errorCode": "E0000011"}')
    # Names Spark's readers skip, which errscan scans; and a hidden one both skip.
    shutil.copy(SAMPLES / "idaas.log", root / "_underscore.log")
    shutil.copy(SAMPLES / "okta.log", root / ".hidden.log")
    # A link inside a directory: errscan does not follow it.
    (root / "link.log").symlink_to(root / "okta.log")
    return root


@pytest.fixture(scope="session")
def broken(tmp_path_factory) -> Path:
    """Logs with damaged archives beside good files."""
    root = tmp_path_factory.mktemp("spark-broken") / "logs"
    root.mkdir(parents=True)
    shutil.copy(SAMPLES / "okta.log", root / "okta.log")
    whole = gzip.compress((SAMPLES / "mixed.log").read_bytes())
    # Cut short: what precedes the cut is counted, the rest reported.
    (root / "cut.log.gz").write_bytes(whole[: len(whole) * 2 // 3])
    # Not gzip past its magic number.
    (root / "garbage.gz").write_bytes(b"\x1f\x8b" + b"\x00" * 64 + b"not deflate")
    return root


def errscan_scan(errscan: str, *args: str) -> tuple[dict, int]:
    proc = subprocess.run(
        [errscan, "scan", "-f", "json", "--no-progress", *args], capture_output=True
    )
    return json.loads(proc.stdout), proc.returncode


# The summary fields that say when and how long the scan ran, not what it read.
TIME_FIELDS = ("scanned_at", "scan_seconds")


def run_job(spark, errscan: str, paths, group_by="vendor,code", globs=(), min_partitions=8):
    before = time.time_ns()
    result, _ = errscan_spark.scan(
        spark, errscan, [str(p) for p in paths], list(globs), group_by, min_partitions
    )
    after = time.time_ns()
    # The job's scan time is its oldest task's, so within the job's run; the durations are
    # the tasks' together.
    s = result.report["summary"]
    assert before <= errscan_spark.scan_time_ns(s["scanned_at"]) <= after, s["scanned_at"]
    assert 0 <= s["scan_seconds"], s
    return result


def same(job: dict, single: dict) -> None:
    """The fields that depend on the input only: equal, field for field; both carry the
    time fields."""
    assert job["group_by"] == single["group_by"]
    assert job["schema"] == single["schema"]
    assert list(job["summary"]) == list(single["summary"])
    for field in TIME_FIELDS:
        assert field in job["summary"] and field in single["summary"], field
    input_only = {k: v for k, v in job["summary"].items() if k not in TIME_FIELDS}
    assert input_only == {k: v for k, v in single["summary"].items() if k not in TIME_FIELDS}
    assert job["counts"] == single["counts"]


def piece(name: str, scanned_at: str | None, seconds: float | None) -> tuple:
    summary = {"inputs": 1, "bytes": 1, "lines": 1, "hits": 0, "unknown": 0, "folded": 0,
               "errors": []}  # fmt: skip
    if scanned_at is not None:
        summary["scanned_at"] = scanned_at
        summary["scan_seconds"] = seconds
    report = {"schema": 3, "group_by": ["vendor", "code"], "summary": summary, "counts": []}
    return (name, 0, json.dumps(report))


def test_reduce_keeps_the_oldest_scan_time_and_sums_durations():
    old = "2026-01-02T03:04:05.250000001Z"
    new = "2026-01-02T03:04:05.250000002Z"  # apart by 1 ns, which datetime alone cannot see
    keys = ["vendor", "code"]
    for order in ([old, new], [new, old]):
        a = errscan_spark.add_piece(errscan_spark.new_total(), piece("a", order[0], 1.5), keys)
        b = errscan_spark.add_piece(errscan_spark.new_total(), piece("b", order[1], 2.0), keys)
        total = errscan_spark.merge_totals(a, b)
        assert total["scanned_at"][1] == old
        assert total["scan_seconds"] == 3.5
    # Another offset, same instant order.
    assert errscan_spark.scan_time_ns("2026-01-02T05:04:05+02:00") == errscan_spark.scan_time_ns(
        "2026-01-02T03:04:05.000000000Z"
    )
    # A part from an errscan without scan times leaves the job's unknown, in either order.
    for pieces in ([piece("a", old, 1.0), piece("b", None, None)],
                   [piece("b", None, None), piece("a", old, 1.0)]):  # fmt: skip
        totals = [errscan_spark.add_piece(errscan_spark.new_total(), p, keys) for p in pieces]
        assert errscan_spark.merge_totals(*totals).get("untimed") is True
    with pytest.raises(errscan_spark.JobError):
        errscan_spark.scan_time_ns("yesterday")


def test_report_equals_errscan_and_big_file_is_split(spark, errscan, logs):
    single, code = errscan_scan(errscan, str(logs))
    assert code == 0, single["summary"]["errors"]
    result = run_job(spark, errscan, [logs])
    same(result.report, single)
    # Sanity of the comparison itself: the inputs really were counted.
    assert single["summary"]["inputs"] == 12
    assert single["summary"]["hits"] > 1000
    # At least 8 tasks over the plain files; big.log, over half of their bytes, in 4 or more.
    plain = ("big.log", "bzh.log", "okta.log", "wso2.log", "last-line.log")
    assert sum(result.pieces[str(logs / name)] for name in plain) >= 8, result.pieces
    assert result.pieces[str(logs / "big.log")] >= 4, result.pieces
    assert result.pieces[str(logs / "bzh.log")] >= 2, result.pieces
    for whole in ("rotated/akamai.log.1.gz", "rotated/mixed.log.4.zst", "_underscore.log"):
        assert result.pieces[str(logs / whole)] == 1


def test_file_names_are_kept_through_the_pipe(spark, errscan, logs):
    single, _ = errscan_scan(errscan, "-g", "vendor,code,file", str(logs))
    result = run_job(spark, errscan, [logs], group_by="vendor,code,file")
    same(result.report, single)
    files = {row["file"] for row in result.report["counts"]}
    assert str(logs / "big.log") in files
    assert str(logs / "rotated" / "akamai.log.1.gz") in files
    assert str(logs / "_underscore.log") in files
    assert not any("<stdin>" in f for f in files)


def test_time_buckets_and_globs(spark, errscan, logs):
    globs = ["*.log", "*.gz", "!okta*"]
    single, _ = errscan_scan(
        errscan, "-g", "category,hour", *[a for g in globs for a in ("--glob", g)], str(logs)
    )
    result = run_job(spark, errscan, [logs], group_by="category,hour", globs=globs)
    same(result.report, single)
    assert single["summary"]["inputs"] == 8


def test_unreadable_inputs_are_reported_not_fatal(spark, errscan, broken):
    missing = broken / "no-such.log"
    single, code = errscan_scan(errscan, str(broken), str(missing))
    assert code == 2
    assert len(single["summary"]["errors"]) == 3, single["summary"]["errors"]
    result = run_job(spark, errscan, [broken, missing])
    same(result.report, single)


def test_command_line_csv_and_exit_status(errscan, broken, tmp_path):
    out = tmp_path / "report.csv"
    proc = subprocess.run(
        [sys.executable, str(JOB), "--master", "local[2]", "--errscan", errscan,
         "--min-partitions", "3", "-g", "vendor,code,file", "-f", "csv", "-o", str(out),
         str(broken)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "cut.log.gz" in proc.stderr
    single = subprocess.run(
        [errscan, "scan", "-f", "csv", "-g", "vendor,code,file", str(broken)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.read_text() == single.stdout
    assert single.stdout.count("\n") > 5


def test_html_is_errscans_or_refused(errscan, logs, tmp_path):
    empty = subprocess.run([errscan, "scan", "-f", "json", "-"], input=b"", capture_output=True)
    writes_html = (
        subprocess.run(
            [errscan, "merge", "-f", "html", "-"], input=empty.stdout, capture_output=True
        ).returncode
        == 0
    )
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, str(JOB), "--master", "local[2]", "--errscan", errscan, "-f", "html",
         "-o", str(out), str(logs / "okta.log")],
        capture_output=True, text=True,
    )  # fmt: skip
    if writes_html:
        assert proc.returncode == 0, proc.stderr
        single = subprocess.run(
            [errscan, "scan", "-f", "html", str(logs / "okta.log")], capture_output=True
        )
        assert out.read_bytes().startswith(single.stdout[:15])
    else:
        # Refused before Spark starts, saying why; no report written.
        assert proc.returncode == 2
        assert "cannot write html" in proc.stderr, proc.stderr
        assert not out.exists()


def test_help_explains_every_flag():
    proc = subprocess.run([sys.executable, str(JOB), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for flag in ("--master", "--errscan", "--min-partitions", "--group-by", "--glob",
                 "--format", "--output", "Example", "spark-submit"):  # fmt: skip
        assert flag in proc.stdout, flag


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"\x50\x2a\x4d\x18", "zstd"),
        (b"BZh91AY&SY", "bzip2"),
        (b"BZh9", "plain"),
        (b"BZh9 is a line", "plain"),
        (b"BZh ", "plain"),
        (b"\xff\xfeh\x00", "utf-16"),
        (b"\xfe\xff\x00h", "utf-16"),
        (b"2025", "plain"),
        (b"", "plain"),
    ],
)
def test_sniff_agrees_with_errscan(errscan, head, kind, tmp_path):
    assert errscan_spark.sniff(head) == kind
    # errscan itself: a plain head scans cleanly, the others are decoded (and fail, being
    # only a head).
    f = tmp_path / "head"
    f.write_bytes(head)
    _, code = errscan_scan(errscan, str(f))
    assert (code == 0) == (kind in ("plain", "utf-16")), (head, code)
