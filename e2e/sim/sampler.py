"""Samples the command line of every process until SIGTERM, then writes the distinct ones to OUT.

  sampler.py OUT [INTERVAL_SECONDS]

Used to prove that no token ever appears in a process's argv (readable by every user via /proc).
"""
import os
import signal
import sys
import time

out, interval = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
seen, scans, running = set(), 0, True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
me = str(os.getpid())
while running:
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                raw = fh.read()
        except OSError:
            continue
        if raw:
            seen.add(raw.replace(b"\0", b" ").strip())
    scans += 1
    time.sleep(interval)
with open(out, "wb") as fh:
    fh.write(b"\n".join(sorted(seen)) + b"\n")
print(f"sampler: {scans} scans, {len(seen)} distinct command lines", file=sys.stderr)
