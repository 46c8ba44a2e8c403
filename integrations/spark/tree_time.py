#!/usr/bin/env python3
"""Runs a command and prints its wall time and the CPU time of it and of every process it
started, the JVM and the executors' workers included (which `time` misses: nobody waits for
them). CPU seconds say what a job costs even on a machine busy with other work.

    python3 tree_time.py python3 errscan_spark.py --master 'local[2]' -o out.json /data/logs
"""

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    # Orphaned descendants are re-parented to this process, so their CPU time is collected.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    start = time.monotonic()
    code = subprocess.call(sys.argv[1:])
    wall = time.monotonic() - start
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"wall {wall:.1f} s, cpu {usage.ru_utime + usage.ru_stime:.1f} s "
        f"(user {usage.ru_utime:.1f}, sys {usage.ru_stime:.1f})",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
