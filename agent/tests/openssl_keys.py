"""Private keys made by `openssl genpkey`, each at most once per keys directory.

RSA key generation takes seconds; run-tests.sh gives the sessions of every CPython one directory
(AGENT_TEST_KEYS), kept between runs, so they share the keys. Without it a session has a directory of its own. A key is
published with a hard link, which never replaces one another session made meanwhile."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from typing import Optional

_directory: Optional[str] = None


def _keys_directory() -> str:
    global _directory
    if _directory is None:
        _directory = os.environ.get("AGENT_TEST_KEYS") or tempfile.mkdtemp(prefix="pip-airlock-test-keys.")
    return _directory


def private_key(label: str, *genpkey: str) -> str:
    """The path of the PEM private key called `label`, made by `openssl genpkey GENPKEY... `."""
    digest = hashlib.sha256("\0".join((label,) + genpkey).encode()).hexdigest()[:16]
    path = os.path.join(_keys_directory(), f"{label}-{digest}.pem")
    if not os.path.exists(path):
        made = f"{path}.{os.getpid()}"
        subprocess.run(["openssl", "genpkey", *genpkey, "-out", made], check=True, capture_output=True)
        try:
            os.link(made, path)
        except FileExistsError:
            pass  # another session made it first: use theirs
        os.unlink(made)
    return path


def public_pem(private: str) -> str:
    return subprocess.run(["openssl", "pkey", "-in", private, "-pubout"], check=True, capture_output=True).stdout.decode()
