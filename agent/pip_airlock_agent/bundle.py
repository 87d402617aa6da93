"""Bundles: a target's whole closure as one wheel, so a private host fetches one file instead of a page and a
file per project (a fleet booting at once stays within Artifact Registry's per-project request quota).

The mirror builds them (`plan`, `build`), the bootstrap checks and unpacks them (`verify_and_unpack`).
Byte-compatible with the shell scripts' BUNDLE_PY and UNBUNDLE_PY: the same closure gives the same file,
byte for byte (stored entries, fixed times, sorted), under the same name and the same version N.ID (N orders
the bundles, the private hosts take the highest; ID is drawn from the sha256s of the closure).

The wheel: PROJECT (dist name with _), Metadata-Version 2.1 with Requires-Python ==X.Y.* of the target, tag
py3-none-any, RECORD with every entry's sha256, and the payload
  pip_airlock_bundle/requirements.txt   the manifest: NAME==VERSION --hash=sha256:HEX per wheel
  pip_airlock_bundle/wheels/*.whl       the wheels, byte for byte as downloaded
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from . import wheelfile
from .errors import LocalError, Unverifiable
from .fsutil import sha256_of
from .names import normalize

FORMAT = "pip-airlock-bundle 1"
PAYLOAD = "pip_airlock_bundle/"
#: The closure's CycloneDX SBOM (sbom.py), beside the manifest.
SBOM = "sbom.cdx.json"
MAX_TOTAL_BYTES = wheelfile.MAX_TOTAL_BYTES
MAX_ENTRIES = wheelfile.MAX_ENTRIES

_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+) --hash=sha256:([0-9a-f]{64})")
_WHEEL_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.whl")


class Unpacked(NamedTuple):
    """What verify_and_unpack wrote: DEST/wheels/, DEST/requirements.txt (the manifest as the bundle holds it),
    DEST/install.txt (every pin but pip's, which is bootstrapped on its own), the pip wheel's file name (None
    when the bundle holds none) and the number of wheels."""
    wheels_dir: str
    requirements_path: str
    install_path: str
    pip_wheel: Optional[str]
    count: int
    #: sha256 of every wheel, by file name (what a lock or a signed set is checked against)
    wheel_sha256: Dict[str, str]
    sbom: bytes


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def closure_id(target_word: str, wheel_paths: Iterable[str], sbom: bytes = b"") -> int:
    """The ID part of a bundle's version: 32 bits of the sha256 over the format, the target, each wheel's
    name and sha256 and the SBOM (the same closure with the same SBOM, the same ID)."""
    lines = [FORMAT, target_word] + sorted(
        f"{os.path.basename(w)} {hashlib.sha256(_read(w)).hexdigest()}" for w in wheel_paths)
    if sbom:
        lines.append("sbom " + hashlib.sha256(sbom).hexdigest())
    return int(hashlib.sha256("\n".join(lines).encode()).hexdigest()[:8], 16)


def file_name(project: str, version: str) -> str:
    """The bundle's wheel file name."""
    return wheelfile.file_name(project, version)


def build(out_dir: str, project: str, version: str, target_word: str, wheel_paths: Sequence[str], sbom: bytes = b"") -> str:
    """Builds the bundle of `wheel_paths` for the target PYTHON:ARCH:GLIBC as OUT_DIR/FILE (replacing one of the
    same name) and returns its path. SBOM, when given, is carried as pip_airlock_bundle/sbom.cdx.json."""
    python, arch, glibc = target_word.split(":")
    minor = ".".join(python.split(".")[:2])
    pins: List[str] = []
    files: List[Tuple[str, bytes]] = []
    for path in sorted(wheel_paths, key=os.path.basename):
        name, data = os.path.basename(path), _read(path)
        parts = name[: -len(".whl")].split("-")
        pins.append(f"{normalize(parts[0])}=={parts[1]} --hash=sha256:{hashlib.sha256(data).hexdigest()}\n")
        files.append((PAYLOAD + "wheels/" + name, data))
    manifest = f"# {project} {version}: the wheels the mirror downloaded for CPython {python}, {arch}, glibc {glibc}\n"
    metadata = (f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
                f"Summary: pip-airlock bundle: the auth helpers and their closure for CPython {python}, {arch}, glibc {glibc}"
                f" ({len(pins)} wheels, sha256-pinned in {PAYLOAD}requirements.txt)\n"
                f"Requires-Python: =={minor}.*\n")
    payload = [(PAYLOAD + "requirements.txt", (manifest + "".join(sorted(pins))).encode())] + files
    if sbom:
        payload.append((PAYLOAD + SBOM, sbom))
    return wheelfile.write(out_dir, project, version, metadata, payload)


def plan(out_dir: str, project: str, target_word: str, wheel_paths: Sequence[str], listing, sbom: bytes = b"") -> Tuple[str, bool]:
    """Builds the target's bundle in OUT_DIR and returns (path, True) when the newest bundle of PROJECT the auth
    repo lists (`listing`: IndexFiles, any project's; only PROJECT's bundles count) is this very file, else
    (path, False): a new version N+1.ID, above every one there (1.ID when there is none)."""
    if not wheel_paths:
        raise LocalError(f"no wheel to bundle for {target_word}")
    ident = closure_id(target_word, wheel_paths, sbom)
    (n, newest_id), newest, newest_sha = wheelfile.newest_version(listing, project)
    if newest and newest_id == ident:
        path = build(out_dir, project, newest, target_word, wheel_paths, sbom)
        if newest_sha in ("-", sha256_of(path)):
            return path, True
        os.remove(path)
    return build(out_dir, project, f"{n + 1}.{ident}", target_word, wheel_paths, sbom), False


_READER = wheelfile.Reader("bundle refused: ")


def _refuse(why: str) -> Unverifiable:
    return _READER.refuse(why)


def _verify(bundle_path: str, project: str, version: str) -> Tuple[bytes, Dict[Tuple[str, str], str], Dict[str, bytes], Optional[str], bytes]:
    """(manifest bytes, pins, wheels by file name, pip wheel, SBOM bytes or b"")."""
    allowed = re.compile(re.escape(PAYLOAD) + r"(requirements\.txt|" + re.escape(SBOM) + r"|wheels/[A-Za-z0-9][A-Za-z0-9._+-]*\.whl)")
    contents = _READER.read(bundle_path, project, version, allowed)
    manifest = contents.get(PAYLOAD + "requirements.txt")
    if manifest is None:
        raise _refuse(f"no {PAYLOAD}requirements.txt (the manifest)")
    pins: Dict[Tuple[str, str], str] = {}
    try:
        manifest_text = manifest.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _refuse(f"{PAYLOAD}requirements.txt is not UTF-8 ({err})") from None
    for line in manifest_text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _PIN.fullmatch(line)
        if not m or (normalize(m.group(1)), m.group(2)) in pins:
            raise _refuse(f"a manifest line is not one NAME==VERSION --hash=sha256:HEX pin: {line}")
        pins[(normalize(m.group(1)), m.group(2))] = m.group(3)
    wheels: Dict[str, bytes] = {}
    seen = set()
    pip_wheel: Optional[str] = None
    for name, data in sorted(contents.items()):
        if not name.startswith(PAYLOAD + "wheels/"):
            continue
        filename = name[len(PAYLOAD + "wheels/"):]
        parts = filename[:-len(".whl")].split("-")
        key = (normalize(parts[0]), parts[1]) if len(parts) in (5, 6) else None
        if key is None or key not in pins or key in seen:
            raise _refuse(f"{filename} is not exactly one wheel the manifest pins")
        if hashlib.sha256(data).hexdigest() != pins[key]:
            raise _refuse(f"{filename}: its sha256 is not the one the manifest pins")
        seen.add(key)
        wheels[filename] = data
        if key[0] == "pip":
            pip_wheel = filename
    if set(pins) - seen:
        raise _refuse(f"the manifest pins wheels the bundle lacks: {sorted(set(pins) - seen)}")
    return manifest, pins, wheels, pip_wheel, contents.get(PAYLOAD + SBOM, b"")


def _create(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def verify_and_unpack(bundle_path: str, project: str, version: str, dest_dir: str) -> Unpacked:
    """Checks the bundle BUNDLE_PATH (the file of PROJECT, normalized, at VERSION) and unpacks it into DEST_DIR,
    a new directory this creates (0700; an existing path is refused): only METADATA, WHEEL and RECORD in its
    dist-info and pip_airlock_bundle/{requirements.txt,wheels/*.whl}, each entry exactly as RECORD says (sha256,
    size), nothing RECORD does not list nor anything it lists missing, its METADATA naming that project and
    version, and every wheel pinned in the manifest with its own sha256, every pin with its wheel. Raises
    Unverifiable("bundle refused: WHY") at the first thing that does not hold, before anything is written: such
    a bundle is refused, never half used."""
    if os.path.lexists(dest_dir):
        raise LocalError(f"{dest_dir} exists: a bundle is unpacked only into a new directory")
    manifest, pins, wheels, pip_wheel, sbom = _verify(bundle_path, project, version)
    wheels_dir = os.path.join(dest_dir, "wheels")
    requirements_path = os.path.join(dest_dir, "requirements.txt")
    install_path = os.path.join(dest_dir, "install.txt")
    try:
        os.mkdir(dest_dir, 0o700)
    except OSError as err:
        raise LocalError(f"cannot create {dest_dir}: {err}") from None
    try:
        os.mkdir(wheels_dir, 0o700)
        for filename, data in wheels.items():
            if not _WHEEL_FILE.fullmatch(filename):  # the checks above already hold this; never write elsewhere
                raise _refuse(f"unexpected wheel name {filename!r}")
            _create(os.path.join(wheels_dir, filename), data)
        _create(requirements_path, manifest)
        install = "".join(f"{name}=={pinned} --hash=sha256:{sha}\n"
                          for (name, pinned), sha in sorted(pins.items()) if name != "pip")
        _create(install_path, install.encode())
    except BaseException as err:
        shutil.rmtree(dest_dir, ignore_errors=True)
        if isinstance(err, OSError):
            raise LocalError(f"cannot unpack the bundle into {dest_dir}: {err}") from None
        raise
    return Unpacked(wheels_dir, requirements_path, install_path, pip_wheel, len(wheels),
                    {name: hashlib.sha256(data).hexdigest() for name, data in wheels.items()}, sbom)
