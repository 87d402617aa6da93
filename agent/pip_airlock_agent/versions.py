"""Version arithmetic a bare host needs before pip is there: the newest wheel of a project whose
Requires-Python (PEP 503's data-requires-python) admits this host's CPython. pip 26.1 dropped 3.9
(pypa/pip#13795): a 3.9 host served pip 26.0.x and 26.2.x must take 26.0.x."""
from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple

from .names import normalize

_CLAUSE = re.compile(r"(===|==|!=|~=|<=|>=|<|>)(.+)")


def release(version: str) -> Optional[Tuple[int, ...]]:
    """A final release's numbers; None for a pre-release, dev or local version (never chosen)."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", version):
        return None
    return tuple(int(p) for p in version.split("."))


def _padded(a: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    return a + (0,) * (n - len(a))


def admits(spec: Optional[str], have: Tuple[int, ...]) -> bool:
    """Whether a Requires-Python specifier admits the version `have` (an unknown clause admits nothing)."""
    for clause in filter(None, "".join((spec or "").split()).split(",")):
        m = _CLAUSE.fullmatch(clause)
        if not m:
            return False
        op, v = m.groups()
        wild = v.endswith(".*")
        want = release(v[:-2] if wild else v)
        if want is None:
            return False
        n = max(len(want), len(have))
        a, b = _padded(have, n), _padded(want, n)
        if wild:
            hit = have[: len(want)] == want
            ok = hit if op == "==" else (not hit) if op == "!=" else False
        elif op == "~=":
            ok = len(want) > 1 and a >= b and have[: len(want) - 1] == want[:-1]
        else:
            ok = {"==": a == b, "===": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b}[op]
        if not ok:
            return False
    return True


def pick_newest(files: Iterable, project: str, host_python: str):
    """The newest final-release wheel of `project` among index files whose Requires-Python admits host_python."""
    host = tuple(int(p) for p in host_python.split("."))
    best = None
    for f in files:
        parts = f.filename.split("-")
        if not f.filename.endswith(".whl") or len(parts) < 2 or normalize(parts[0]) != project:
            continue
        version = release(parts[1])
        if version is None or (f.requires_python and not admits(f.requires_python, host)):
            continue
        if best is None or version > best[0]:
            best = (version, f)
    return best[1] if best else None
