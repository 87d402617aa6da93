"""Real-shaped wheels for the tests, built in memory and byte for byte the same on every call: a plain wheel, and a
virtualenv wheel whose seed directory follows one of virtualenv's layouts (read in pypa/virtualenv's
src/virtualenv/seed/wheels/embed/__init__.py at its tags, and src/virtualenv/seed/embed/wheels/ before 20.0.24)."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Dict, Mapping, Optional, Sequence

EPOCH = (2020, 2, 2, 0, 0, 0)

#: get_embed_wheel from 21.5.1 on: the MAX entry above MAX, none below the oldest key.
STRICT = '''

def get_embed_wheel(distribution: str, for_py_version: str | None) -> Wheel | None:
    """Return the bundled wheel that ships with virtualenv for a given distribution and Python version."""
    if for_py_version is None or _release_tuple(for_py_version) > _release_tuple(MAX):
        # no specific target, or a Python newer than anything bundled: reuse the newest bundle
        mapping = BUNDLE_SUPPORT[MAX]
    else:  # versions below the oldest bundled one fall through to None instead of an incompatible newer wheel
        mapping = BUNDLE_SUPPORT.get(for_py_version)
    if not mapping:
        return None
    wheel_file = mapping.get(distribution)
    if wheel_file is None:
        return None
    path = BUNDLE_FOLDER / wheel_file
    _verify_bundled_wheel(path)
    return Wheel.from_path(path)
'''
#: get_embed_wheel from 20.31.1 to 21.5.0: BUNDLE_SUPPORT[MAX] for any CPython it lacks.
FALLBACK = '''

def get_embed_wheel(distribution: str, for_py_version: str) -> Wheel | None:
    mapping = BUNDLE_SUPPORT.get(for_py_version, {}) or BUNDLE_SUPPORT[MAX]
    wheel_file = mapping.get(distribution)
    if wheel_file is None:
        return None
    path = BUNDLE_FOLDER / wheel_file
    return Wheel.from_path(path)
'''
#: get_embed_wheel from 20.0.24 to 20.31.0, on one line.
FALLBACK_OLD = '''

def get_embed_wheel(distribution, for_py_version):
    path = BUNDLE_FOLDER / (BUNDLE_SUPPORT.get(for_py_version, {}) or BUNDLE_SUPPORT[MAX]).get(distribution)
    return Wheel.from_path(path)
'''
#: 20.0.0 to 20.0.23: acquire.py beside the __init__.py picks the wheel.
ACQUIRE = '''from __future__ import absolute_import, unicode_literals

from . import BUNDLE_SUPPORT, MAX

BUNDLE_FOLDER = Path(__file__).parent


def get_bundled_wheel(package, version_release):
    return BUNDLE_FOLDER / (BUNDLE_SUPPORT.get(version_release, {}) or BUNDLE_SUPPORT[MAX]).get(package)
'''


def wheel_bytes(name: str, version: str, files: Optional[Mapping[str, bytes]] = None, requires: Sequence[str] = ()) -> bytes:
    """A pure-Python wheel of `name` `version` holding `files` (path -> bytes) and its dist-info, RECORD included."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info/"
    content: Dict[str, bytes] = dict(files or {f"{name.replace('-', '_')}/__init__.py": b""})
    content[dist + "METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                  + "".join(f"Requires-Dist: {r}\n" for r in requires)).encode()
    content[dist + "WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    content[dist + "RECORD"] = ("".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                                        for n, d in content.items()) + dist + "RECORD,,\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in content.items():
            zf.writestr(zipfile.ZipInfo(n, EPOCH), d)
    return out.getvalue()


def bundle_support_source(pips: Mapping[str, Optional[str]], lookup: str = "strict", max_expr: Optional[str] = None) -> str:
    """An embed __init__.py: BUNDLE_SUPPORT with each CPython's pip wheel (None: no pip entry) in the given key order,
    MAX as `max_expr` (default: `next(reversed(BUNDLE_SUPPORT))`), and the get_embed_wheel of `lookup` ("strict",
    "fallback", "fallback-old", "acquire": none, acquire.py picks; or "custom": one this agent does not know)."""
    entries = {py: dict({"pip": f"pip-{pip}-py3-none-any.whl"} if pip else {}, setuptools="setuptools-82.0.1-py3-none-any.whl")
               for py, pip in pips.items()}
    header = "from __future__ import annotations\n\nfrom pathlib import Path\n\nfrom virtualenv.seed.wheels.util import Wheel\n\n"
    if lookup == "acquire":
        header = "from __future__ import absolute_import, unicode_literals\n\n"
    source = header + "BUNDLE_FOLDER = Path(__file__).absolute().parent\n" if lookup != "acquire" else header
    source += "BUNDLE_SUPPORT = " + json.dumps(entries, indent=4) + "\n"
    source += f"MAX = {max_expr or 'next(reversed(BUNDLE_SUPPORT))'}\n"
    if lookup == "strict":
        source += ("MIN = next(iter(BUNDLE_SUPPORT))\n\n\ndef _release_tuple(version: str) -> tuple[int, ...]:\n"
                   "    return tuple(int(part) for part in version.split(\".\"))\n\n\nOLDEST_SUPPORTED = _release_tuple(MIN)\n"
                   "BUNDLE_SHA256 = {}\n" + STRICT)
    elif lookup == "fallback":
        source += FALLBACK
    elif lookup == "fallback-old":
        source += FALLBACK_OLD
    elif lookup == "custom":
        source += "\n\ndef get_embed_wheel(distribution, for_py_version):\n    return choose(BUNDLE_SUPPORT, for_py_version)\n"
    return source


def virtualenv_wheel(version: str, pips: Mapping[str, Optional[str]], lookup: str = "strict", max_expr: Optional[str] = None,
                     init: Optional[str] = None, embedded: Optional[Sequence[str]] = None) -> bytes:
    """A virtualenv wheel whose seed directory embeds `embedded` pip versions (default: those `pips` names) beside an
    __init__.py (default: bundle_support_source). lookup "acquire" is the layout before 20.0.24."""
    embed = "virtualenv/seed/embed/wheels/" if lookup == "acquire" else "virtualenv/seed/wheels/embed/"
    files = {"virtualenv/__init__.py": b"", embed + "__init__.py": (init or bundle_support_source(pips, lookup, max_expr)).encode()}
    if lookup == "acquire":
        files[embed + "acquire.py"] = ACQUIRE.encode()
    for pip in sorted(set(embedded if embedded is not None else [p for p in pips.values() if p])):
        files[f"{embed}pip-{pip}-py3-none-any.whl"] = wheel_bytes("pip", pip)
    files[embed + "setuptools-82.0.1-py3-none-any.whl"] = wheel_bytes("setuptools", "82.0.1")
    return wheel_bytes("virtualenv", version, files)


#: BUNDLE_SUPPORT's pips of real releases, as their embed/__init__.py has them (CPython keys below 3.7 left out).
SEEDS = {
    # 21.14.1's wheel: from 21.5.1, no pip below the oldest key
    "21.14.1": {"3.9": "26.0.1", "3.10": "26.2.1", "3.11": "26.2.1", "3.12": "26.2.1", "3.13": "26.2.1", "3.14": "26.2.1",
                "3.15": "26.2.1", "3.16": "26.2.1"},
    "21.7.0": {"3.9": "26.0.1", "3.10": "26.1.2", "3.11": "26.1.2", "3.12": "26.1.2", "3.13": "26.1.2", "3.14": "26.1.2",
               "3.15": "26.1.2", "3.16": "26.1.2"},
    # 20.31.2: MAX = "3.8", the oldest key
    "20.31.2": {"3.8": "25.0.1", "3.9": "25.1.1", "3.10": "25.1.1", "3.11": "25.1.1", "3.12": "25.1.1", "3.13": "25.1.1", "3.14": "25.1.1"},
    # 20.21.0: the last before pip 23.1, keys in descending order, MAX = "3.12"
    "20.21.0": {"3.12": "23.0.1", "3.11": "23.0.1", "3.10": "23.0.1", "3.9": "23.0.1", "3.8": "23.0.1", "3.7": "23.0.1"},
    # 20.0.10: seed/embed/wheels/, acquire.py, MAX = "3.9"
    "20.0.10": {"3.9": "20.0.2", "3.8": "20.0.2", "3.7": "20.0.2"},
}
LOOKUPS = {"21.14.1": ("strict", None), "21.7.0": ("strict", None), "20.31.2": ("fallback", '"3.8"'),
           "20.21.0": ("fallback-old", '"3.12"'), "20.0.10": ("acquire", '"3.9"')}


def real_shaped_virtualenv(version: str) -> bytes:
    """The virtualenv wheel of a release SEEDS knows, in its own layout."""
    lookup, max_expr = LOOKUPS[version]
    return virtualenv_wheel(version, SEEDS[version], lookup, max_expr)
