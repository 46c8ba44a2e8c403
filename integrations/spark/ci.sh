#!/usr/bin/env bash
# The Spark job's tests in local mode: installs what is missing (Java 17, zstd, the pinned
# Python packages), then runs pytest against a built errscan binary: $ERRSCAN, else
# target/release/errscan, else target/debug/errscan (built here when neither exists).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
missing=()
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    missing+=(openjdk-17-jre-headless)
fi
# The tests compress a log with zstd to check that errscan decodes it on an executor.
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update
    apt-get install -y "${missing[@]}"
fi
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    # An older java stays first on PATH: put the one just installed before it.
    JAVA_HOME="$(ls -d /usr/lib/jvm/java-17-openjdk-* | head -n 1)"
    export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
fi

python3 -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

if [ -z "${ERRSCAN:-}" ]; then
    for candidate in "$repo/target/release/errscan" "$repo/target/debug/errscan"; do
        if [ -x "$candidate" ]; then
            ERRSCAN="$candidate"
            break
        fi
    done
fi
if [ -z "${ERRSCAN:-}" ]; then
    (cd "$repo" && cargo build --quiet)
    ERRSCAN="$repo/target/debug/errscan"
fi
export ERRSCAN
echo "errscan: $ERRSCAN ($("$ERRSCAN" --version))"

cd "$here"
python3 -m pytest -p no:cacheprovider -v test_errscan_spark.py
