"""The directories the bootstrap may create, clear and rebuild (config/host-paths.ts says the same at synth):
a path in normalized form below one of pip-airlock's own roots, neither holding nor inside what the scripts
keep there, and no symbolic link on the way."""
from __future__ import annotations

import os
import re
from typing import Sequence

from .errors import SettingsError

_SAFE = re.compile(r"/[A-Za-z0-9._/-]+")


def owned_directory(path: str, owned_roots: Sequence[str], state_paths: Sequence[str], field: str = "VENV_DIR") -> str:
    if not isinstance(path, str) or not _SAFE.fullmatch(path):
        raise SettingsError(f"{field} {path!r}: must be an absolute path of letters, digits, '.', '_', '-' and '/'")
    if path.endswith("/") or "//" in path or "/./" in f"/{path}/" or "/../" in f"/{path}/":
        raise SettingsError(f"{field} {path}: must be in normalized form (no '.', '..', '//' or trailing '/')")
    if not any(path.startswith(root + "/") for root in owned_roots):
        raise SettingsError(f"{field} {path}: must be below {' '.join(owned_roots)} (a directory of pip-airlock's own)")
    for state in state_paths:
        if path == state or state.startswith(path + "/") or path.startswith(state + "/"):
            raise SettingsError(f"{field} {path}: must not be or hold {state}, which the scripts keep for themselves")
    real = os.path.realpath(path)
    if real != path:
        raise SettingsError(f"{field} {path}: a symbolic link on the way leads to {real}")
    return path
