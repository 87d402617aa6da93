"""Files root writes, written so that no other user can redirect them: never through a symbolic link, never
in a directory another user can write, replaced atomically (a reader sees the old or the new file, a power
loss leaves one of them)."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import tempfile
from typing import Optional

from .clock import Clock
from .errors import LocalError


def check_trusted_dir(path: str) -> None:
    """`path` and each directory above it is a real directory owned by root that no other user can write
    (a sticky world-writable one like /tmp passes only as an ancestor: its entries cannot be swapped)."""
    path = os.path.abspath(path)
    parts = [p for p in path.split("/") if p]
    prefixes = ["/"] + ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    for current in prefixes:
        try:
            st = os.lstat(current)
        except OSError as err:
            raise LocalError(f"{current}: {err.strerror}") from None
        if stat.S_ISLNK(st.st_mode):
            raise LocalError(f"{current} is a symbolic link: refusing to use {path}")
        if not stat.S_ISDIR(st.st_mode):
            raise LocalError(f"{current} is not a directory: refusing to use {path}")
        sticky_ancestor = bool(st.st_mode & stat.S_ISVTX) and st.st_uid == 0 and current != path
        if (st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)) and not sticky_ancestor:
            raise LocalError(f"{current} can be written by a user other than root: refusing to use {path}")


def ensure_root_dir(path: str, mode: int = 0o755) -> None:
    """Creates `path` (and its parents) root-owned with `mode` where missing; refuses one that is a link, not
    a directory, or writable by another user."""
    parent = os.path.dirname(path.rstrip("/")) or "/"
    if parent != path and not os.path.lexists(parent):
        ensure_root_dir(parent, 0o755)
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        pass
    except OSError as err:
        raise LocalError(f"cannot create {path}: {err.strerror}") from None
    check_trusted_dir(path)


def read_small(path: str, limit: int = 1024 * 1024) -> Optional[str]:
    """A small file's text, not through a link; None when it does not exist or cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def write_atomic(path: str, content: str, mode: int) -> None:
    """Replaces `path` with `content`: a new file in the same directory, renamed over it (a link at `path`
    is replaced, never followed)."""
    directory = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".pip-airlock.", dir=directory)
    except OSError as err:
        raise LocalError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise LocalError(f"cannot write {path}: {err.strerror}") from None


class RunLock:
    """One run at a time: an exclusive flock on a root-owned file. A second run waits up to `wait_seconds`,
    then says it is already running."""

    def __init__(self, path: str, clock: Clock, wait_seconds: float) -> None:
        self.path = path
        self.clock = clock
        self.wait_seconds = wait_seconds
        self.fd: Optional[int] = None

    def acquire(self, on_wait=None) -> None:
        ensure_root_dir(os.path.dirname(self.path), 0o755)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise LocalError(f"cannot open the lock {self.path}: {err.strerror}") from None
        deadline = self.clock.monotonic() + self.wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise LocalError(f"cannot lock {self.path}: {err.strerror}") from None
            if self.clock.monotonic() >= deadline:
                os.close(fd)
                raise LocalError(f"another pip-airlock run holds {self.path} (already running): gave up after {self.wait_seconds:g}s")
            if not told and on_wait:
                on_wait()
                told = True
            self.clock.sleep(1)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
