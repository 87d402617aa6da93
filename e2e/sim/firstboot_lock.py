"""Debian's first-boot jobs, as a public host runs them (with its own python3, from /tmp): hold the
dpkg lock for 10 s, logging when it was taken and released (/var/log/e2e-dpkg-lock.log), and touch
/tmp/lock-held once it is held."""
import fcntl
import os
import time

fds = [os.open(p, os.O_RDWR | os.O_CREAT, 0o640) for p in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock")]
for fd in fds:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
with open("/var/log/e2e-dpkg-lock.log", "w") as fh:
    fh.write(f"held {time.time()}\n")
open("/tmp/lock-held", "w").close()
time.sleep(10)
with open("/var/log/e2e-dpkg-lock.log", "a") as fh:
    fh.write(f"released {time.time()}\n")
