"""The pip / keyring / virtualenv pairing of each mirror target, decided on the wheels the mirror downloaded (the
step `policy`: policy.py calls `check` for every target's closure before anything is uploaded or signed).

Users authenticate through the keyring CLI the auth repo serves (keyring-provider = subprocess), with two pips: the
mirrored pip (bare hosts bootstrap with it: the keyring venv and Debian's WHEEL_PKG_DIR get it) and the pip the
mirrored virtualenv seeds every new venv with, which is virtualenv's own embedded wheel for the venv's CPython, not
the mirrored one. The facts (config/pip-facts.ts states the same ones, with the same sources):
- keyring-provider = subprocess came in pip 23.1 (pip's NEWS.rst, 23.1: #8719);
- pip >= 26.2 runs `keyring --mode=creds --output=json get SERVICE [USER]` and stops at a keyring CLI older than
  25.2.1: "Keyring util is outdated; must be at least version 25.2.1" (pypa/pip#14150; pip 26.0.1 and 26.1.2
  still call a plain `keyring get`). A pre-release of 26.2 is taken to ask in creds mode too;
- keyring 25.2.0 crashes in creds mode (jaraco/keyring#681), 25.4.0 on a plain `keyring get` (jaraco/keyring#694):
  never served.

What a virtualenv seeds is read from its wheel as data, never imported or run. `virtualenv/seed/wheels/embed/`
(virtualenv 20.0.24 on; `virtualenv/seed/embed/wheels/` before) holds the embedded wheels and an `__init__.py` whose
BUNDLE_SUPPORT is a literal dict, CPython "X.Y" -> {"pip": "pip-V-py3-none-any.whl", ...}. virtualenv's
get_embed_wheel (before 20.0.24: acquire.py's get_bundled_wheel) takes the target CPython's entry; for a CPython
BUNDLE_SUPPORT lacks, up to 21.5.0 it takes BUNDLE_SUPPORT[MAX] (`or BUNDLE_SUPPORT[MAX]`; MAX a literal, which
20.22.0 to 21.3.1 set to the OLDEST key, or from 21.3.2 `next(reversed(BUNDLE_SUPPORT))`), and from 21.5.1 the MAX
entry only for a CPython newer than MAX, none below the oldest key (it refuses to seed: pypa/virtualenv#3171). Read
in pypa/virtualenv's src/virtualenv/seed/wheels/embed/__init__.py at its tags 20.0.24 to 21.7.0,
src/virtualenv/seed/embed/wheels/{__init__,acquire}.py at 20.0.0 to 20.0.23, and virtualenv-21.14.1's wheel."""
from __future__ import annotations

import ast
import os
import re
import zipfile
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .names import normalize, wheel_project, wheel_version

PIP_KEYRING_PROVIDER = "23.1"
PIP_CREDS_MODE = "26.2"
KEYRING_CREDS_MODE = "25.2.1"
BROKEN_KEYRINGS = {
    "25.2.0": "crashes in creds mode (jaraco/keyring#681, fixed in 25.2.1)",
    "25.4.0": "crashes on a plain `keyring get` (jaraco/keyring#694, fixed in 25.4.1)",
}
GOOD_KEYRING = f"keyring>={KEYRING_CREDS_MODE},!=25.4.0"
#: Seeds pip 26.1.2 for CPython 3.10+ and 26.0.1 for 3.9: older than 26.2 everywhere (its embed/__init__.py).
OLDER_SEEDING_VIRTUALENV = "21.7.0"
#: The first virtualenv seeding pip >= 23.1 (20.21.1 embeds pip 23.1; 20.21.0 pip 23.0.1).
PROVIDER_SEEDING_VIRTUALENV = "20.21.1"
#: Where the embedded wheels and BUNDLE_SUPPORT live in a virtualenv wheel: the layout since 20.0.24, and before.
EMBED_DIRS = ("virtualenv/seed/wheels/embed/", "virtualenv/seed/embed/wheels/")
#: An __init__.py or acquire.py larger than this is not read (virtualenv's are about 5 KB).
MAX_SOURCE_BYTES = 1 << 20

_VERSION = re.compile(
    r"v?(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?:[-_.]?(?P<pre_l>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?", re.IGNORECASE)
_PHASES = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def version_key(version: str) -> Optional[tuple]:
    """The PEP 440 sort key of a version (packaging's order; a local label ignored); None when it is not one."""
    m = _VERSION.fullmatch(version.strip())
    if not m:
        return None
    release = [int(p) for p in m.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post = m.group("post_n1") or (m.group("post_n2") or "0" if m.group("post_l") else None)
    dev = m.group("dev_n") or "0" if m.group("dev_l") else None
    if m.group("pre_l"):
        pre: Tuple[int, int, int] = (0, _PHASES[m.group("pre_l").lower()], int(m.group("pre_n") or 0))
    elif post is None and dev is not None:
        pre = (-1, 0, 0)  # X.devN sorts before X's pre-releases
    else:
        pre = (1, 0, 0)
    return (int(m.group("epoch") or 0), tuple(release), pre, (-1, 0) if post is None else (0, int(post)),
            (1, 0) if dev is None else (0, int(dev)))


def at_least(version: str, floor: str) -> bool:
    key = version_key(version)
    return key is not None and key >= version_key(floor)


def asks_creds(pip: str) -> bool:
    """pip >= 26.2, a pre-release or dev release of 26.2 included."""
    key = version_key(pip)
    floor = version_key(PIP_CREDS_MODE)
    return key is not None and key[:2] >= floor[:2]


def broken_keyring(keyring: str) -> Optional[str]:
    key = version_key(keyring)
    return next((why for v, why in BROKEN_KEYRINGS.items() if key is not None and key == version_key(v)), None)


class Unreadable(ValueError):
    """A virtualenv wheel that does not say, in a layout this module reads, which pip it seeds."""


def _source(zf: zipfile.ZipFile, name: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > MAX_SOURCE_BYTES:
        raise Unreadable(f"its {name} has {info.file_size} bytes")
    try:
        return zf.read(name).decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"its {name} is not UTF-8") from None


def _assignments(tree: ast.Module) -> Dict[str, ast.expr]:
    found: Dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def _max_key(value: Optional[ast.expr], keys: List[str]) -> Optional[str]:
    """MAX: a literal, `next(reversed(BUNDLE_SUPPORT))` (the last key) or `next(iter(BUNDLE_SUPPORT))` (the first)."""
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "next" and len(value.args) == 1
            and isinstance(value.args[0], ast.Call) and isinstance(value.args[0].func, ast.Name) and len(value.args[0].args) == 1
            and isinstance(value.args[0].args[0], ast.Name) and value.args[0].args[0].id == "BUNDLE_SUPPORT" and keys):
        return {"reversed": keys[-1], "iter": keys[0]}.get(value.args[0].func.id)
    return None


def _minor(python: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in python.split("."))


def seeded_pip(wheel_path: str, python: str) -> Optional[str]:
    """The pip version the virtualenv wheel at `wheel_path` seeds new venvs with on CPython `python` ("3.11"), as
    its get_embed_wheel picks it; None when it seeds no pip there. Raises Unreadable when the wheel does not say."""
    try:
        with zipfile.ZipFile(wheel_path) as zf:
            names = set(zf.namelist())
            embed = next((d for d in EMBED_DIRS if d + "__init__.py" in names), None)
            if embed is None:
                raise Unreadable(f"it has neither {EMBED_DIRS[0]}__init__.py nor {EMBED_DIRS[1]}__init__.py")
            source = _source(zf, embed + "__init__.py")
            acquire = _source(zf, embed + "acquire.py") if embed + "acquire.py" in names else ""
    except (OSError, zipfile.BadZipFile) as err:
        raise Unreadable(f"it is not a readable wheel ({err})") from None
    init = embed + "__init__.py"
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as err:
        raise Unreadable(f"its {init} does not parse ({err})") from None
    values = _assignments(tree)
    if "BUNDLE_SUPPORT" not in values:
        raise Unreadable(f"its {init} assigns no BUNDLE_SUPPORT")
    try:
        support = ast.literal_eval(values["BUNDLE_SUPPORT"])
    except ValueError:
        raise Unreadable(f"its {init} assigns BUNDLE_SUPPORT no literal") from None
    if not isinstance(support, dict) or not all(isinstance(k, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)*", k)
                                                and isinstance(v, dict) for k, v in support.items()):
        raise Unreadable(f"its {init}'s BUNDLE_SUPPORT is not a mapping of CPython versions")
    keys = list(support)
    entry = support.get(python)
    if entry is None:
        function = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_embed_wheel"), None)
        lookup = "".join((ast.get_source_segment(source, function) or "" if function is not None else acquire).split())
        top = _max_key(values.get("MAX"), keys)
        if top not in support:
            raise Unreadable(f"BUNDLE_SUPPORT lacks CPython {python}, and its {init}'s MAX is no key of it")
        if "_release_tuple(for_py_version)>_release_tuple(MAX)" in lookup:  # 21.5.1 on
            entry = support[top] if _minor(python) > _minor(top) else {}
        elif "orBUNDLE_SUPPORT[MAX]" in lookup:  # up to 21.5.0
            entry = support[top]
        else:
            raise Unreadable(f"BUNDLE_SUPPORT lacks CPython {python}, and what its get_embed_wheel takes then is not known here")
    pip = entry.get("pip")
    if pip is None:
        return None
    if not isinstance(pip, str) or wheel_project(pip) != "pip" or not pip.endswith(".whl"):
        raise Unreadable(f"BUNDLE_SUPPORT[{python!r}]['pip'] is {pip!r}, not a pip wheel")
    if embed + pip not in names:
        raise Unreadable(f"BUNDLE_SUPPORT names {pip} for CPython {python}, which {embed} lacks")
    return wheel_version(pip)


class Pairing:
    """One target's pairing: the versions its closure holds, what its virtualenv seeds, and the refusals."""

    def __init__(self, label: str, python: str) -> None:
        self.label = label
        self.python = python
        self.keyrings: List[str] = []
        self.pips: List[str] = []
        self.virtualenv: Optional[str] = None
        #: The pip virtualenv seeds for `python`; None with `seeds_none` (it seeds none) or `unreadable` (it does not say).
        self.seeded: Optional[str] = None
        self.seeds_none = False
        self.unreadable: Optional[str] = None
        self.refusals: List[str] = []

    def decision(self) -> str:
        pips = ", ".join(self.pips) or "none"
        if self.virtualenv is None:
            seeds = "no virtualenv"
        elif self.seeded is not None:
            seeds = f"virtualenv {self.virtualenv} seeds {self.seeded} for {self.python}"
        elif self.seeds_none:
            seeds = f"virtualenv {self.virtualenv} seeds no pip for {self.python}"
        else:
            seeds = f"virtualenv {self.virtualenv} seeds an unknown pip for {self.python}"
        keyrings = ("keyring " + ", ".join(self.keyrings)) if self.keyrings else "no keyring"
        return f"pairing {self.label}: pip {pips} ({seeds}) with {keyrings}: {'refused' if self.refusals else 'ok'}"

    def as_dict(self) -> Dict[str, Any]:
        return {"python": self.python, "keyring": self.keyrings, "pip": self.pips, "virtualenv": self.virtualenv,
                "seeded_pip": self.seeded, "decision": self.decision(), "refusals": self.refusals}


def check(label: str, python: str, paths: Sequence[str], venv_project: str = "virtualenv") -> Pairing:
    """The pairing of one target (`label` as "3.11.2:x86_64", its CPython "3.11.2") from its closure's wheel paths."""
    minor = ".".join(python.split(".")[:2])
    p = Pairing(label, minor)
    venvs: List[str] = []
    for path in paths:
        name = os.path.basename(path)
        project = wheel_project(name)
        if project == "keyring":
            p.keyrings.append(wheel_version(name))
        elif project == "pip":
            p.pips.append(wheel_version(name))
        elif project == normalize(venv_project):
            venvs.append(path)
    p.keyrings, p.pips = sorted(set(p.keyrings), key=str), sorted(set(p.pips), key=str)
    refuse = p.refusals.append
    where = f"{label} (CPython {minor})"
    if venvs:
        p.virtualenv = wheel_version(os.path.basename(venvs[0]))
        try:
            p.seeded = seeded_pip(venvs[0], minor)
            p.seeds_none = p.seeded is None
        except Unreadable as err:
            p.unreadable = str(err)

    # what is served at all
    if not p.keyrings:
        refuse(f"{where}: the closure holds no keyring wheel, and the pips users run authenticate through the keyring CLI "
               f"the auth repo serves: add keyring to mirror.packages (and to the lock)")
    if not p.pips:
        refuse(f"{where}: the closure holds no pip wheel, which bare hosts bootstrap with: the mirror downloads mirror.bootstrapPip")
    if p.virtualenv is None:
        refuse(f"{where}: the closure holds no {venv_project} wheel, which users create their venvs with")
    for keyring in p.keyrings:
        why = broken_keyring(keyring)
        if why:
            refuse(f"{where}: keyring {keyring} would be served, whose CLI {why}: mirror another keyring "
                   f"(\"keyring!=25.2.0,!=25.4.0\" in mirror.packages, or a lock pinning a good one, e.g. \"{GOOD_KEYRING}\")")

    # keyring-provider = subprocess
    for pip in p.pips:
        if not at_least(pip, PIP_KEYRING_PROVIDER):
            refuse(f"{where}: pip {pip} would be mirrored for bare hosts, but keyring-provider = subprocess needs pip >= "
                   f"{PIP_KEYRING_PROVIDER}: set mirror.bootstrapPip to \"pip>={PIP_KEYRING_PROVIDER}\" (or pin such a pip in the lock)")
    if p.unreadable is not None:
        refuse(f"{where}: cannot tell which pip {venv_project} {p.virtualenv} seeds new venvs with: {p.unreadable}. Pin "
               f"{venv_project} to a release whose wheel says it in {EMBED_DIRS[0]}__init__.py (e.g. "
               f"\"{venv_project}=={OLDER_SEEDING_VIRTUALENV}\")")
    elif p.seeds_none:
        refuse(f"{where}: {venv_project} {p.virtualenv} seeds no pip for CPython {minor} (it refuses to create such venvs): "
               f"mirror a {venv_project} that supports CPython {minor}")
    elif p.seeded is not None and not at_least(p.seeded, PIP_KEYRING_PROVIDER):
        refuse(f"{where}: {venv_project} {p.virtualenv} seeds new venvs with pip {p.seeded}, but keyring-provider = "
               f"subprocess needs pip >= {PIP_KEYRING_PROVIDER}: mirror a newer {venv_project} "
               f"(\"{venv_project}>={PROVIDER_SEEDING_VIRTUALENV}\" seeds pip >= {PIP_KEYRING_PROVIDER})")

    # creds mode: pip >= 26.2 with a keyring older than 25.2.1
    old = [k for k in p.keyrings if not at_least(k, KEYRING_CREDS_MODE)]
    for keyring in old:
        why = (f"which asks keyring in creds mode and refuses a keyring CLI older than {KEYRING_CREDS_MODE} (\"Keyring util "
               f"is outdated\", pypa/pip#14150), but keyring {keyring} would be served")
        newer = f"mirror a keyring >= {KEYRING_CREDS_MODE} (e.g. \"{GOOD_KEYRING}\")"
        for pip in p.pips:
            if asks_creds(pip):
                refuse(f"{where}: the bootstrap pip {pip} is one users run, {why}: {newer}, or cap mirror.bootstrapPip "
                       f"below {PIP_CREDS_MODE} (\"pip>={PIP_KEYRING_PROVIDER},<{PIP_CREDS_MODE}\", or pin such a pip in the lock)")
        if p.seeded is not None and asks_creds(p.seeded):
            refuse(f"{where}: {venv_project} {p.virtualenv} seeds new venvs with pip {p.seeded}, {why}: {newer}, or pin "
                   f"{venv_project} to one that seeds a pip older than {PIP_CREDS_MODE} (\"{venv_project}<={OLDER_SEEDING_VIRTUALENV}\" "
                   f"seeds 26.1.2 at most)")
    return p
