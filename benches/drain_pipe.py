"""The bare pipe reader: widens the pipe on standard input to 1 MiB (as errscan does), reads it
1 MiB at a time and does nothing with it. `cat FILE | python3 benches/drain_pipe.py` measures
what the pipe alone costs, the floor under `cat FILE | errscan scan`."""
import fcntl
import sys

F_SETPIPE_SZ = 1031
try:
    fcntl.fcntl(0, F_SETPIPE_SZ, 1 << 20)
except OSError:
    pass  # not a pipe
buf = memoryview(bytearray(1 << 20))
raw = sys.stdin.buffer.raw
while raw.readinto(buf):
    pass
