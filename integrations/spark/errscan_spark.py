#!/usr/bin/env python3
"""errscan as an Apache Spark job: count identity-vendor error codes in logs spread over a
cluster's storage (HDFS, S3, local directories), with the same report `errscan scan -f json`
would print over the same files on one machine.

Map: every task pipes its share of the input through the errscan binary (`scan -f json
--label FILE`). Plain files are split at line boundaries by Spark's text input (so one huge
file is scanned by many executors); compressed files (gzip, zstd, bzip2, recognised by their
first bytes or their name) and UTF-16 files are handed whole to errscan, which decodes them
itself. Reduce: the partial reports are summed on the executors (a tree aggregate of the
JSON counts), then written by `errscan merge`, so the layout of every format is errscan's own.

Run it with spark-submit (any cluster manager) or plain python3 (local mode by default).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import unquote

# Magic numbers errscan recognises compressed and UTF-16 input by (src/source.rs, `sniff`).
HEAD = 10
# What follows `BZh1`..`BZh9` in a bzip2 stream: a block, or the end of an empty stream.
BZIP2_BLOCK = bytes([0x31, 0x41, 0x59, 0x26, 0x53, 0x59])
BZIP2_END = bytes([0x17, 0x72, 0x45, 0x38, 0x50, 0x90])

# Hadoop's glob metacharacters: a path holding one is a pattern to Spark's readers.
GLOB_CHARS = set("{}[]*?\\")

# The largest file Spark's binaryFile source reads (a Java byte array).
MAX_WHOLE_FILE = 2**31 - 1

# Spark's own limit on the split size, which --min-partitions only ever lowers.
MAX_SPLIT_BYTES = 128 << 20

# The name under which the binary is shipped to the executors.
SHIPPED_NAME = "errscan"

PROG = "errscan_spark.py"

EPILOG = """\
examples:
  local mode over a directory (plain and compressed logs), JSON report:
    python3 errscan_spark.py --errscan target/release/errscan -o report.json /var/log/idp

  a cluster, logs in HDFS, a CSV of counts per code and file:
    spark-submit --master yarn --deploy-mode client errscan_spark.py \\
      --errscan /opt/errscan/bin/errscan -g vendor,code,file -f csv \\
      -o hdfs:///reports/idp-nightly.csv 'hdfs:///logs/idp/2025-11-21/*'

  logs in S3 (the s3a connector on the classpath), 64 tasks at least:
    spark-submit --master k8s://https://api.example:6443 ... errscan_spark.py \\
      --min-partitions 64 --glob '*.log' --glob '*.gz' -o s3a://reports/idp.json s3a://logs/idp/

exit status: 0 when every input was read, 2 when some input could not be read (it is named
in summary.errors and on stderr; the others are still counted) or on a usage error, 1 when
the job itself failed.
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Scan logs with errscan on a Spark cluster and write one report: the same counts "
            "and summary as `errscan scan -f json` over the same files."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=(
            "Files, directories or Hadoop globs to scan, in any file system Spark reads "
            "(file://, hdfs://, s3a://; a path without a scheme is in the default file system). "
            "Directories are scanned recursively in file-name order, skipping names that start "
            "with '.' and symbolic links, like errscan. Example: hdfs:///logs/idp/2025-11-*"
        ),
    )
    p.add_argument(
        "--master",
        metavar="URL",
        help=(
            "Spark master. By default: the one spark-submit was given, or local[*] under plain "
            "python3. Example: --master local[2]"
        ),
    )
    p.add_argument(
        "--errscan",
        metavar="PATH",
        help=(
            "The errscan binary on this machine; it is shipped to the executors with the job "
            "(SparkFiles), so they need no installation. By default: errscan on PATH. "
            "Example: --errscan target/release/errscan"
        ),
    )
    p.add_argument(
        "--min-partitions",
        type=positive_int,
        metavar="N",
        help=(
            "Split the plain files into at least N tasks (splits are at most 128 MiB, so large "
            "inputs get more); each compressed file is one task. By default: Spark's default "
            "parallelism. Example: --min-partitions 64"
        ),
    )
    p.add_argument(
        "-g",
        "--group-by",
        metavar="KEYS",
        default="vendor,code",
        help=(
            "Group counts by these keys, as errscan scan -g: vendor, code, category, "
            "vendor_category, file, and one of minute, hour, day. Default: vendor,code. "
            "Example: -g vendor,code,file"
        ),
    )
    p.add_argument(
        "--glob",
        action="append",
        default=[],
        metavar="PATTERN",
        help=(
            "Only scan the files found in directories that match this glob, as errscan scan "
            "--glob (repeatable; a leading '!' excludes; a pattern with '/' is matched against "
            "the path below the directory). Example: --glob '*.log' --glob '*.gz'"
        ),
    )
    p.add_argument(
        "-f",
        "--format",
        choices=["json", "csv", "html"],
        default="json",
        help=(
            "Report format, written by `errscan merge -f FORMAT` (html needs an errscan that "
            "writes HTML). Default: json. Example: -f csv"
        ),
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help=(
            "Where to write the report, in any file system Spark writes (a path without a "
            "scheme is in the default file system); '-' writes to standard output. The file is "
            "written under a temporary name and renamed when complete. Example: -o report.json"
        ),
    )
    return p.parse_args(argv)


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return n


class JobError(Exception):
    """A failure of the job itself (not of one input): reported and exit status 1."""


class UsageError(Exception):
    """A usage error found before the job starts: reported and exit status 2."""


# ---------------------------------------------------------------------------------------------
# The errscan binary


def find_errscan(given: str | None) -> str:
    """The errscan binary to run, as an absolute path; a usage error when there is none."""
    path = given or shutil.which("errscan")
    if not path:
        raise UsageError("no errscan binary: give one with --errscan PATH or put errscan on PATH")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise UsageError(f"--errscan {path}: not an executable file")
    return os.path.abspath(path)


def scan_command(binary: str, group_by: str, label: str, year: int) -> list[str]:
    """The command a task runs: a JSON report of standard input under the file's name. One
    thread: a task is one core's share of the job (spark.task.cpus)."""
    return [
        binary, "scan", "-f", "json", "--no-progress", "-j", "1",
        "-g", group_by, "--year", str(year), "--label", label, "-",
    ]  # fmt: skip


def run_errscan(cmd: list[str], chunks, what: str) -> dict:
    """Runs `cmd` with `chunks` (an iterable of bytes-like objects) on its standard input and
    returns the JSON report it prints. Exit status 2 (an input could not be read, reported in
    the report) is a result; anything else, or no report, is a failure of the task."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err)
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
            proc.stdin.close()
        except BrokenPipeError:
            # errscan stopped reading: its status and stderr say why.
            pass
        code = proc.wait()
        out.seek(0)
        err.seek(0)
        text = out.read()
        message = err.read().decode("utf-8", "replace").strip()
    if code not in (0, 2):
        raise RuntimeError(f"errscan failed on {what} (exit status {code}): {message}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise RuntimeError(f"errscan printed no JSON report for {what} ({e}): {message}") from e


def probe_errscan(binary: str, group_by: str, fmt: str) -> list[str]:
    """Checks, before Spark starts, that `binary` accepts the group-by keys and writes `fmt`;
    returns the keys as errscan normalises them (`code` implies `vendor`)."""
    proc = subprocess.run(
        [binary, "scan", "-f", "json", "--no-progress", "-g", group_by, "-"],
        input=b"",
        capture_output=True,
    )
    if proc.returncode != 0:
        raise UsageError(f"-g {group_by}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    empty = json.loads(proc.stdout)
    proc = subprocess.run(
        [binary, "merge", "-f", fmt, "-"], input=proc.stdout, capture_output=True
    )
    if proc.returncode != 0:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True)
        raise UsageError(
            f"-f {fmt}: {version.stdout.strip() or binary} cannot write {fmt} reports "
            f"(`errscan merge -f {fmt}` says: {proc.stderr.decode('utf-8', 'replace').strip()})"
        )
    return empty["group_by"]


# ---------------------------------------------------------------------------------------------
# Listing the inputs through Hadoop's file system layer, the way errscan walks directories


@dataclass
class InputFile:
    """One file to scan, in errscan's input order."""

    index: int
    # The name in the report, as errscan would print it for the same argument.
    name: str
    # The fully qualified Hadoop path.
    path: str
    size: int
    # "split" (plain, split by Spark at line boundaries), "whole" (handed whole to errscan
    # on an executor) or "driver" (read by the driver, for names Spark's readers skip).
    route: str = "split"


@dataclass
class Listing:
    files: list[InputFile] = field(default_factory=list)
    # Errors of directory walks: errscan prints them before the errors of inputs.
    walk_errors: list[str] = field(default_factory=list)
    # (input index, message) for named paths that cannot be scanned.
    input_errors: list[tuple[int, str]] = field(default_factory=list)
    next_index: int = 0

    def take_index(self) -> int:
        self.next_index += 1
        return self.next_index - 1


class Hadoop:
    """The driver's handle on Hadoop's file system classes."""

    def __init__(self, spark):
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()
        self.codecs = self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf)

    def path(self, text: str):
        return self.jvm.org.apache.hadoop.fs.Path(text)

    def fs(self, path):
        fs = path.getFileSystem(self.conf)
        # The raw local file system writes no .crc files beside the report.
        if fs.getUri().getScheme() == "file" and hasattr(fs, "getRaw"):
            return fs.getRaw()
        return fs

    def has_codec(self, path) -> bool:
        """True when Spark's text reader would decompress the file because of its name."""
        return self.codecs.getCodec(path) is not None


def java_message(e: Exception) -> str:
    """The message of a Java exception raised through py4j, or of any other exception."""
    java = getattr(e, "java_exception", None)
    if java is not None:
        message = java.getMessage()
        return str(message) if message is not None else str(java.toString())
    return str(e)


def is_hidden_to_spark(name: str) -> bool:
    """Names Spark's and Hadoop's file readers silently skip, even when named explicitly."""
    return name.startswith(("_", ".")) or name.endswith("._COPYING_")


class GlobFilter:
    """errscan's --glob: a pattern without '/' matches the file name, one with '/' the path
    below the walked directory (or the whole path), '*' not crossing '/'; '!' excludes."""

    def __init__(self, patterns: list[str]):
        from wcmatch import fnmatch, glob

        self.fnmatch, self.glob = fnmatch, glob
        self.name_flags = fnmatch.BRACE | fnmatch.DOTMATCH
        self.path_flags = glob.BRACE | glob.DOTMATCH | glob.GLOBSTAR
        self.include: list[str] = []
        self.exclude: list[str] = []
        for pattern in patterns:
            if pattern.startswith("!"):
                self.exclude.append(pattern[1:])
            else:
                self.include.append(pattern)

    def _any(self, patterns: list[str], rel: str, full: str) -> bool:
        name = full.rsplit("/", 1)[-1]
        for pattern in patterns:
            if "/" in pattern:
                if self.glob.globmatch(rel, pattern, flags=self.path_flags) or self.glob.globmatch(
                    full, pattern, flags=self.path_flags
                ):
                    return True
            elif self.fnmatch.fnmatch(name, pattern, flags=self.name_flags):
                return True
        return False

    def keep(self, rel: str, full: str) -> bool:
        return (not self.include or self._any(self.include, rel, full)) and not (
            self.exclude and self._any(self.exclude, rel, full)
        )


def join_name(root: str, rel: str) -> str:
    """`root` joined with `rel` as errscan (Rust's PathBuf) joins them."""
    return root + rel if root.endswith("/") else f"{root}/{rel}"


def local_name(qualified: str, arg: str) -> str:
    """The name of a file matched by the glob `arg`: as a path on this machine when `arg`
    named one (relative when `arg` was), else the full URI."""
    if ":" in arg.split("/", 1)[0] or not qualified.startswith("file:"):
        return qualified
    local = unquote(qualified[len("file:") :])
    return local if os.path.isabs(arg) else os.path.relpath(local)


def list_inputs(hadoop: Hadoop, args: list[str], globs: GlobFilter) -> Listing:
    """Expands the PATH arguments into files, in errscan's order: each argument in turn, a
    directory replaced by the regular files below it, sorted by name."""
    listing = Listing()
    missing = "No such file or directory (os error 2)"
    for arg in args:
        path = hadoop.path(arg)
        fs = hadoop.fs(path)
        if any(c in GLOB_CHARS for c in arg):
            matches = fs.globStatus(path) or []
            if not matches:
                listing.input_errors.append((listing.take_index(), f"{arg}: {missing}"))
            for st in sorted(matches, key=lambda s: str(s.getPath().toString())):
                name = local_name(str(st.getPath().toString()), arg)
                add_status(hadoop, fs, st, name, globs, listing)
            continue
        try:
            st = fs.getFileStatus(path)
        except Exception as e:  # noqa: BLE001 - py4j raises one type for every Java exception
            java = getattr(e, "java_exception", None)
            if java is not None and "FileNotFoundException" in str(java.getClass().getName()):
                listing.input_errors.append((listing.take_index(), f"{arg}: {missing}"))
            else:
                listing.input_errors.append((listing.take_index(), f"{arg}: {java_message(e)}"))
            continue
        add_status(hadoop, fs, st, arg, globs, listing)
    return listing


def add_status(hadoop: Hadoop, fs, st, name: str, globs: GlobFilter, listing: Listing):
    if not st.isDirectory():
        # Named explicitly: scanned whatever its name, like errscan.
        listing.files.append(
            InputFile(listing.take_index(), name, str(st.getPath().toString()), st.getLen())
        )
        return
    walk(hadoop, fs, st.getPath(), name, "", globs, listing)


def walk(hadoop: Hadoop, fs, dir_path, root_name: str, rel: str, globs, listing: Listing):
    shown = join_name(root_name, rel) if rel else root_name
    try:
        children = fs.listStatus(dir_path)
    except Exception as e:  # noqa: BLE001
        listing.walk_errors.append(f"{shown}: {java_message(e)}")
        return
    local = fs.getUri().getScheme() == "file"
    for st in sorted(children, key=lambda s: str(s.getPath().getName()).encode()):
        child = str(st.getPath().getName())
        if child.startswith("."):
            continue
        child_rel = f"{rel}/{child}" if rel else child
        if local and is_symlink(hadoop, fs, st.getPath()):
            # errscan does not follow links found in directories.
            continue
        if st.isDirectory():
            walk(hadoop, fs, st.getPath(), root_name, child_rel, globs, listing)
        elif st.isFile():
            name = join_name(root_name, child_rel)
            if globs.keep(child_rel, name):
                listing.files.append(
                    InputFile(listing.take_index(), name, str(st.getPath().toString()), st.getLen())
                )


def is_symlink(hadoop: Hadoop, fs, path) -> bool:
    """True for a symbolic link on the local file system (asked without the scheme: with
    `file:` Hadoop's raw local file system reports the link's target instead)."""
    try:
        bare = hadoop.path(str(path.toUri().getPath()))
        return bool(fs.getFileLinkStatus(bare).isSymlink())
    except Exception:  # noqa: BLE001 - a file system without links
        return False


def sniff(head: bytes) -> str:
    """What errscan makes of a file's first bytes: "plain" or the reason to read it whole."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] == b"\x28\xb5\x2f\xfd" or (
        len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == b"\x2a\x4d\x18"
    ):
        return "zstd"
    # bzip2's magic is text too (`BZh9`): as errscan, only with a block's or the end of
    # stream's magic after it.
    if (
        len(head) >= 10
        and head[:3] == b"BZh"
        and 0x31 <= head[3] <= 0x39
        and head[4:10] in (BZIP2_BLOCK, BZIP2_END)
    ):
        return "bzip2"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return "plain"


def choose_routes(hadoop: Hadoop, listing: Listing, timed: bool = False) -> None:
    """Decides how each file is read. A file errscan decodes (compressed, UTF-16) or Spark's
    text reader would decode (a codec's suffix) goes whole to one task; a file Spark's readers
    skip (by name, or empty), or too large to read whole, is read by the driver; the rest is
    split, unless hits are grouped by time (`timed`): a line without a time of its own takes
    the time of the dated line before it in its file, which a task scanning a later split
    cannot see, so then every file goes whole to one task."""

    def head(f: InputFile):
        path = hadoop.path(f.path)
        try:
            stream = hadoop.fs(path).open(path)
            try:
                return bytes(stream.readNBytes(HEAD)), None
            finally:
                stream.close()
        except Exception as e:  # noqa: BLE001
            return None, e

    with ThreadPoolExecutor(max_workers=16) as pool:
        heads = list(pool.map(head, listing.files))
    kept = []
    for f, (first, error) in zip(listing.files, heads):
        if error is not None:
            listing.input_errors.append((f.index, f"{f.name}: {java_message(error)}"))
            continue
        base = f.path.rsplit("/", 1)[-1]
        whole = timed or sniff(first) != "plain" or hadoop.has_codec(hadoop.path(f.path))
        # Spark's readers also skip empty files, which are inputs all the same.
        if f.size == 0 or is_hidden_to_spark(base) or (whole and f.size > MAX_WHOLE_FILE):
            f.route = "driver"
        elif whole:
            f.route = "whole"
        kept.append(f)
    listing.files = kept


# ---------------------------------------------------------------------------------------------
# The map side, run on the executors


def shipped_errscan() -> str:
    """The errscan shipped with the job, executable (SparkFiles may drop the mode bits)."""
    from pyspark import SparkFiles

    path = SparkFiles.get(SHIPPED_NAME)
    if not os.access(path, os.X_OK):
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def scan_split_batches(names, group_by: str, year: int):
    """mapInArrow function over (line, path, start) batches of plain files: each run of lines
    of one split goes through one errscan, after one empty line, so that the piece never
    starts with bytes errscan would take for a compressed stream; the reduce takes that line
    and its byte off again."""

    def scan(batches):
        import pyarrow as pa
        import pyarrow.compute as pc

        binary = shipped_errscan()
        table = names.value

        def pieces():
            # Runs of rows of one (path, split start), each as a list of buffers.
            key, bufs = None, []
            for batch in batches:
                lines, paths, starts = batch.column(0), batch.column(1), batch.column(2)
                if len(pc.unique(paths)) == 1 and len(pc.unique(starts)) == 1:
                    runs = [(0, batch.num_rows)]
                else:
                    runs = split_runs(paths.to_pylist(), starts.to_pylist())
                for lo, hi in runs:
                    run_key = (paths[lo].as_py(), starts[lo].as_py())
                    if run_key != key:
                        if key is not None:
                            yield key, bufs
                        key, bufs = run_key, []
                    bufs.append(line_bytes(lines, lo, hi))
            if key is not None:
                yield key, bufs

        for (path, start), bufs in pieces():
            name = table[unquote(path)]
            cmd = scan_command(binary, group_by, name, year)
            report = run_errscan(cmd, [b"\n", *bufs], f"{name} from byte {start}")
            yield pa.RecordBatch.from_pydict(
                {"name": [name], "start": [start], "report": [json.dumps(report)]}
            )

    return scan


def split_runs(paths: list, starts: list) -> list[tuple[int, int]]:
    runs, lo = [], 0
    for i in range(1, len(paths) + 1):
        if i == len(paths) or paths[i] != paths[lo] or starts[i] != starts[lo]:
            runs.append((lo, i))
            lo = i
    return runs


def line_bytes(lines, lo: int, hi: int) -> memoryview:
    """The bytes of rows lo..hi of a binary Arrow array, contiguous in its data buffer (each
    row of a split already ends with its newline)."""
    _, offsets, data = lines.buffers()
    first, last = struct.unpack_from("=i", offsets, 4 * (lines.offset + lo))[0], struct.unpack_from(
        "=i", offsets, 4 * (lines.offset + hi)
    )[0]
    return memoryview(data)[first:last]


def scan_whole_batches(names, group_by: str, year: int):
    """mapInArrow function over (path, content) batches of whole files: each file goes through
    one errscan, which decodes it as it would the file itself."""

    def scan(batches):
        import pyarrow as pa

        binary = shipped_errscan()
        table = names.value
        for batch in batches:
            paths, contents = batch.column(0), batch.column(1)
            for i in range(batch.num_rows):
                name = table[unquote(paths[i].as_py())]
                content = line_bytes(contents, i, i + 1)
                report = run_errscan(scan_command(binary, group_by, name, year), [content], name)
                yield pa.RecordBatch.from_pydict(
                    {"name": [name], "start": [0], "report": [json.dumps(report)]}
                )

    return scan


def hadoop_escape(path: str) -> str:
    """`path` with Hadoop's glob metacharacters escaped, so Spark's readers take it literally."""
    return "".join("\\" + c if c in GLOB_CHARS else c for c in path)


# ---------------------------------------------------------------------------------------------
# The reduce: partial reports summed per file, then over all files


def new_total() -> dict:
    return {"files": {}, "rows": {}}


def add_piece(total: dict, piece, group_by: list[str]) -> dict:
    """Adds one task's report (name, split start, JSON text) into `total`."""
    name, start, text = piece
    report = json.loads(text)
    s = report["summary"]
    f = total["files"].setdefault(
        name, {"inputs": 0, "bytes": 0, "lines": 0, "hits": 0, "unknown": 0, "folded": 0,
               "errors": [], "pieces": 0}
    )  # fmt: skip
    for k in ("inputs", "bytes", "lines", "hits", "unknown", "folded"):
        f[k] += s.get(k, 0)
    if "unknown_cap" in s:
        total["unknown_cap"] = min(total.get("unknown_cap", s["unknown_cap"]), s["unknown_cap"])
    total["schema"] = max(total.get("schema", 1), report.get("schema", 1))
    add_scan_time(total, s.get("scanned_at"), s.get("scan_seconds"))
    add_unknown(total, report.get("unknown_codes", []))
    f["errors"].extend((start, e) for e in s["errors"])
    f["pieces"] += 1
    add_rows(total["rows"], report["counts"], group_by)
    return total


def scan_time_ns(text: str) -> int:
    """Nanoseconds since the Unix epoch of an RFC 3339 time (errscan writes UTC with nine
    fractional digits; Python's datetime keeps only six)."""
    m = RFC3339.fullmatch(text)
    if m is None:
        raise JobError(f"`{text}` is not an RFC 3339 time")
    whole, frac, offset = m.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    seconds = int(datetime.datetime.fromisoformat(whole + offset).timestamp())
    return seconds * 1_000_000_000 + int((frac or "").ljust(9, "0")[:9])


RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)")


def add_scan_time(total: dict, scanned_at, seconds) -> None:
    """Keeps the oldest scan time and sums the durations, as `errscan merge` does: the job's
    report is only as fresh as its oldest part. One part without them (an errscan older than
    report schema 3) leaves both unknown for good."""
    if scanned_at is None or seconds is None:
        total["untimed"] = True
        return
    at = (scan_time_ns(scanned_at), scanned_at)
    total["scanned_at"] = min(total.get("scanned_at", at), at)
    total["scan_seconds"] = total.get("scan_seconds", 0.0) + seconds


def add_unknown(total: dict, codes) -> None:
    """Sums the unknown codes the partial reports admitted, per (vendor, code)."""
    unknown = total.setdefault("unknown_codes", {})
    for c in codes:
        key = (c["vendor"], c["code"])
        unknown[key] = unknown.get(key, 0) + c["count"]


def add_rows(rows: dict, counts: list[dict], group_by: list[str]) -> None:
    for row in counts:
        key = tuple(row[k] for k in group_by)
        if key in rows:
            rows[key]["count"] += row["count"]
        else:
            rows[key] = dict(row)


def merge_totals(a: dict, b: dict) -> dict:
    if "unknown_cap" in b:
        a["unknown_cap"] = min(a.get("unknown_cap", b["unknown_cap"]), b["unknown_cap"])
    a["schema"] = max(a.get("schema", 1), b.get("schema", 1))
    if b.get("untimed"):
        a["untimed"] = True
    if "scanned_at" in b:
        add_scan_time(a, b["scanned_at"][1], b["scan_seconds"])
    add_unknown(a, [{"vendor": v, "code": c, "count": n}
                    for (v, c), n in b.get("unknown_codes", {}).items()])  # fmt: skip
    for name, f in b["files"].items():
        if name in a["files"]:
            g = a["files"][name]
            for k in ("inputs", "bytes", "lines", "hits", "unknown", "folded", "pieces"):
                g[k] += f[k]
            g["errors"].extend(f["errors"])
        else:
            a["files"][name] = f
    for key, row in b["rows"].items():
        if key in a["rows"]:
            a["rows"][key]["count"] += row["count"]
        else:
            a["rows"][key] = row
    return a


@dataclass
class Result:
    """The reduced report and how the input was spread over tasks."""

    report: dict
    # Tasks' pieces per file name (a split file has one per split).
    pieces: dict[str, int]


def finish(total: dict, listing: Listing, group_by: list[str], probe) -> Result:
    """The report of the whole input: per-file totals corrected for what the tasks added
    (one empty line per split) and checked against the listed sizes; errors in errscan's
    order (walk errors, then each input's in input order)."""
    summary = {"inputs": 0, "bytes": 0, "lines": 0, "hits": 0, "unknown": 0, "folded": 0}
    errors: list[tuple[int, int, str]] = [(i, 0, e) for i, e in listing.input_errors]
    pieces = {}
    for f in listing.files:
        got = total["files"].get(f.name)
        if got is None:
            errors.append((f.index, 0, f"{f.name}: {probe(f)}"))
            continue
        pieces[f.name] = got["pieces"]
        byte_count, lines = got["bytes"], got["lines"]
        if f.route == "split":
            # Each piece began with an added empty line; a last line without a newline got one.
            byte_count -= got["pieces"]
            lines -= got["pieces"]
            inputs = 1
            if byte_count < f.size:
                errors.append(
                    (f.index, 1 << 62, f"{f.name}: only {byte_count} of {f.size} bytes could be "
                     f"read ({probe(f)})")
                )  # fmt: skip
            byte_count = min(byte_count, f.size)
        else:
            inputs = got["inputs"]
        summary["inputs"] += inputs
        summary["bytes"] += byte_count
        summary["lines"] += lines
        for k in ("hits", "unknown", "folded"):
            summary[k] += got[k]
        errors.extend((f.index, start, e) for start, e in got["errors"])
    errors.sort(key=lambda e: (e[0], e[1]))
    if "unknown_cap" in total:
        summary["unknown_cap"] = total["unknown_cap"]
    summary["errors"] = listing.walk_errors + [e for _, _, e in errors]
    if not total.get("untimed"):
        if "scanned_at" in total:
            summary["scanned_at"] = total["scanned_at"][1]
            summary["scan_seconds"] = total["scan_seconds"]
        else:
            # Nothing was scanned (no input, or none readable): as errscan over nothing, the
            # scan ended now, having taken no time.
            now = datetime.datetime.now(datetime.timezone.utc)
            summary["scanned_at"] = now.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
            summary["scan_seconds"] = 0.0
    summary["rows_cut"] = 0
    counts = list(total["rows"].values())
    counts.sort(key=lambda r: (-r["count"], [r[k] for k in group_by]))
    if sum(r["count"] for r in counts) != summary["hits"]:
        raise JobError("the partial reports do not add up: counts and summary.hits differ")
    report = {"schema": total.get("schema", 1), "group_by": group_by, "summary": summary,
              "counts": counts}  # fmt: skip
    unknown = total.get("unknown_codes", {})
    if report["schema"] >= 2:
        cap = summary.get("unknown_cap")
        if cap is not None and len(unknown) > cap:
            # Which codes a cap keeps over the union is errscan merge's to decide; this reduce
            # sums rows and cannot move the codes past the cap into `(other)` rows.
            raise JobError(
                f"more than --unknown-cap ({cap}) distinct unknown codes over all inputs: "
                "reduce the task reports with `errscan merge` instead"
            )
        # Admission order, as errscan writes it: shorter codes first, then bytes, then vendor.
        report["unknown_codes"] = [
            {"vendor": v, "code": c, "count": n}
            for (v, c), n in sorted(
                unknown.items(), key=lambda kv: (len(kv[0][1].encode()), kv[0][1].encode(), kv[0][0])
            )
        ]
    return Result(report, pieces)


# ---------------------------------------------------------------------------------------------
# The job


def session(master: str | None):
    from pyspark.sql import SparkSession

    # Without --master: spark-submit's, or local[*] (spark-submit's default) under python3.
    builder = SparkSession.builder.appName("errscan")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def scan(spark, binary: str, paths: list[str], globs: list[str], group_by: str,
         min_partitions: int | None) -> tuple[Result, list[str]]:  # fmt: skip
    """Scans `paths` on `spark`; returns the reduced report and the group-by keys."""
    from pyspark.sql import functions as F

    keys = probe_errscan(binary, group_by, "json")
    sc = spark.sparkContext
    hadoop = Hadoop(spark)
    listing = list_inputs(hadoop, paths, GlobFilter(globs))
    timed = any(k in ("minute", "hour", "day") for k in keys)
    choose_routes(hadoop, listing, timed)
    year = datetime.datetime.now().year
    group = ",".join(keys)
    sc.addFile(binary)
    # Spark's readers report a file they cannot read and go on instead of failing the job;
    # the reduce finds every file that came up short against the listing and names it.
    spark.conf.set("spark.sql.files.ignoreCorruptFiles", "true")
    spark.conf.set("spark.sql.files.ignoreMissingFiles", "true")
    names = sc.broadcast({f.path: f.name for f in listing.files})

    split = [f for f in listing.files if f.route == "split"]
    whole = [f for f in listing.files if f.route == "whole"]
    frames = []
    if split:
        n = min_partitions or sc.defaultParallelism
        total = sum(f.size for f in split)
        spark.conf.set(
            "spark.sql.files.maxPartitionBytes",
            str(max(1, min(MAX_SPLIT_BYTES, math.ceil(total / n)))),
        )
        lines = spark.read.option("lineSep", "\n").text([hadoop_escape(f.path) for f in split])
        lines = lines.select(
            F.concat(F.col("value").cast("binary"), F.lit(b"\n")).alias("line"),
            F.col("_metadata.file_path").alias("path"),
            F.col("_metadata.file_block_start").alias("start"),
        )
        frames.append(
            lines.mapInArrow(
                scan_split_batches(names, group, year), "name string, start long, report string"
            )
        )
    if whole:
        files = spark.read.format("binaryFile").load([hadoop_escape(f.path) for f in whole])
        files = files.select("path", "content")
        frames.append(
            files.mapInArrow(
                scan_whole_batches(names, group, year), "name string, start long, report string"
            )
        )
    total = new_total()
    if frames:
        reports = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1])
        total = reports.rdd.map(tuple).treeAggregate(
            new_total(),
            lambda t, piece: add_piece(t, piece, keys),
            merge_totals,
        )
    for f in listing.files:
        if f.route == "driver":
            report = scan_on_driver(hadoop, binary, f, group, year)
            if report is not None:
                add_piece(total, (f.name, 0, json.dumps(report)), keys)

    def probe(f: InputFile) -> str:
        return why_unreadable(hadoop, f)

    return finish(total, listing, keys, probe), keys


def scan_on_driver(hadoop: Hadoop, binary: str, f: InputFile, group: str, year: int):
    """Scans a file Spark's readers would skip through Hadoop's file system on the driver;
    None when it cannot be opened (the reduce then names it)."""
    path = hadoop.path(f.path)
    try:
        stream = hadoop.fs(path).open(path)
    except Exception:  # noqa: BLE001
        return None

    def chunks():
        try:
            while True:
                chunk = bytes(stream.readNBytes(1 << 20))
                if not chunk:
                    return
                yield chunk
        finally:
            stream.close()

    return run_errscan(scan_command(binary, group, f.name, year), chunks(), f.name)


def why_unreadable(hadoop: Hadoop, f: InputFile) -> str:
    """Why the executors could not read `f`, as far as the driver can tell by opening it."""
    path = hadoop.path(f.path)
    try:
        stream = hadoop.fs(path).open(path)
        try:
            stream.readNBytes(1)
        finally:
            stream.close()
    except Exception as e:  # noqa: BLE001
        return java_message(e)
    return "the executors could not read it; their log has the cause"


def write_output(spark, binary: str, report: dict, fmt: str, out: str) -> None:
    """Writes `report` as `errscan merge -f FORMAT` does, to OUT (any Hadoop file system, or
    '-'), under a temporary name renamed when complete."""
    proc = subprocess.run(
        [binary, "merge", "-f", fmt, "-"],
        input=json.dumps(report).encode(),
        capture_output=True,
    )
    if proc.returncode != 0:
        raise JobError(f"errscan merge -f {fmt}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    if out == "-":
        sys.stdout.buffer.write(proc.stdout)
        sys.stdout.flush()
        return
    hadoop = Hadoop(spark)
    target = hadoop.path(out)
    fs = hadoop.fs(target)
    target = fs.makeQualified(target)
    parent = target.getParent()
    tmp = hadoop.path(f"{parent.toString()}/.{target.getName()}.errscan-tmp-{os.getpid()}")
    try:
        stream = fs.create(tmp, True)
        stream.write(proc.stdout)
        stream.close()
        if fs.exists(target):
            fs.delete(target, False)
        if not fs.rename(tmp, target):
            raise JobError(f"{out}: cannot rename {tmp.toString()} to it")
    except JobError:
        raise
    except Exception as e:  # noqa: BLE001
        raise JobError(f"{out}: {java_message(e)}") from e
    finally:
        try:
            if fs.exists(tmp):
                fs.delete(tmp, False)
        except Exception:  # noqa: BLE001
            pass


def warn(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        binary = find_errscan(args.errscan)
        probe_errscan(binary, args.group_by, args.format)
        spark = session(args.master)
        try:
            result, _ = scan(
                spark, binary, args.paths, args.glob, args.group_by, args.min_partitions
            )
            write_output(spark, binary, result.report, args.format, args.output)
        finally:
            spark.stop()
    except UsageError as e:
        warn(str(e))
        return 2
    except JobError as e:
        warn(str(e))
        return 1
    except Exception as e:  # noqa: BLE001 - a failed Spark job surfaces as any exception
        warn(f"the Spark job failed: {java_message(e)}")
        return 1
    summary = result.report["summary"]
    for e in summary["errors"]:
        warn(e)
    split = sum(n for n in result.pieces.values())
    warn(
        f"{summary['inputs']} inputs, {summary['bytes']} bytes, {summary['hits']} hits "
        f"in {split} pieces"
    )
    return 2 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
