"""Child processes: a clean environment (nothing of the caller's), `/` as working directory, output through a
pipe (never a file another user could swap), a time bound that ends the whole process group."""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Dict, Mapping, Optional, Sequence, Tuple

BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
#: The exit status of a child ended by its time bound (as timeout(1) reports it).
TIMED_OUT = 124


class Completed:
    def __init__(self, argv: Sequence[str], returncode: int, output: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 5) -> str:
        return "\n".join("  | " + line for line in self.output.splitlines()[-lines:])


class Runner:
    def run(self, argv: Sequence[str], env: Optional[Mapping[str, str]] = None, timeout: Optional[float] = None,
            input: Optional[str] = None, user: Optional[Tuple[int, int]] = None, cwd: str = "/",
            replace_env: bool = False) -> Completed:
        """Runs argv; `env` adds to BASE_ENV (or replaces it with replace_env); `user` (uid, gid) drops every
        privilege and supplementary group first."""
        full: Dict[str, str] = dict(env or {}) if replace_env else dict(BASE_ENV, **(env or {}))
        kwargs = {}
        if user is not None:
            kwargs = {"user": user[0], "group": user[1], "extra_groups": []}
        try:
            proc = subprocess.Popen(list(argv), env=full, cwd=cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        except OSError as err:
            return Completed(argv, 127, f"{argv[0]}: {err.strerror}")
        try:
            out, _ = proc.communicate(input.encode() if input is not None else None, timeout=timeout)
            return Completed(argv, proc.returncode, out.decode("utf-8", "replace"))
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, _ = proc.communicate()
            return Completed(argv, TIMED_OUT, out.decode("utf-8", "replace") + f"\n(ended after {timeout:g}s)")


def _kill_group(pgid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
