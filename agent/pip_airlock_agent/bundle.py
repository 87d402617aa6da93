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

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import stat
import zipfile
import zlib
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .errors import LocalError, Unverifiable
from .fsutil import sha256_of
from .names import dist_name, normalize

FORMAT = "pip-airlock-bundle 1"
PAYLOAD = "pip_airlock_bundle/"

#: What a bundle may hold at most, all entries together as their headers declare them (and as read): the
#: closure of the auth helpers is about 10 MB; a bundle declaring more is refused before anything is read.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: At most this many entries (a closure is a few dozen wheels).
MAX_ENTRIES = 4096

_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")
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


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def closure_id(target_word: str, wheel_paths: Iterable[str]) -> int:
    """The ID part of a bundle's version: 32 bits of the sha256 over the format, the target and each wheel's
    name and sha256 (the same closure, the same ID)."""
    lines = [FORMAT, target_word] + sorted(
        f"{os.path.basename(w)} {hashlib.sha256(_read(w)).hexdigest()}" for w in wheel_paths)
    return int(hashlib.sha256("\n".join(lines).encode()).hexdigest()[:8], 16)


def file_name(project: str, version: str) -> str:
    """The bundle's wheel file name."""
    return f"{dist_name(project)}-{version}-py3-none-any.whl"


def build(out_dir: str, project: str, version: str, target_word: str, wheel_paths: Sequence[str]) -> str:
    """Builds the bundle of `wheel_paths` for the target PYTHON:ARCH:GLIBC as OUT_DIR/FILE (replacing one of the
    same name) and returns its path."""
    python, arch, glibc = target_word.split(":")
    minor = ".".join(python.split(".")[:2])
    dist = dist_name(project)
    info = f"{dist}-{version}.dist-info/"
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
    entries = [(PAYLOAD + "requirements.txt", (manifest + "".join(sorted(pins))).encode())] + files + [
        (info + "METADATA", metadata.encode()),
        (info + "WHEEL", b"Wheel-Version: 1.0\nGenerator: pip-airlock\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = "".join(f"{n},sha256={_b64(hashlib.sha256(d).digest())},{len(d)}\n" for n, d in entries) + info + "RECORD,,\n"
    entries.append((info + "RECORD", record.encode()))
    path = os.path.join(out_dir, file_name(project, version))
    part = path + ".part"
    try:
        if os.path.lexists(part):
            os.unlink(part)
        fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w+b") as fh:
            with zipfile.ZipFile(fh, "w") as zf:
                for name, data in entries:
                    entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    entry.create_system = 3
                    entry.external_attr = 0o644 << 16
                    entry.compress_type = zipfile.ZIP_STORED
                    zf.writestr(entry, data)
        os.replace(part, path)
    except OSError as err:
        raise LocalError(f"cannot write the bundle {path}: {err}") from None
    return path


def plan(out_dir: str, project: str, target_word: str, wheel_paths: Sequence[str], listing) -> Tuple[str, bool]:
    """Builds the target's bundle in OUT_DIR and returns (path, True) when the newest bundle of PROJECT the auth
    repo lists (`listing`: IndexFiles, any project's; only PROJECT's bundles count) is this very file, else
    (path, False): a new version N+1.ID, above every one there (1.ID when there is none)."""
    if not wheel_paths:
        raise LocalError(f"no wheel to bundle for {target_word}")
    ident = closure_id(target_word, wheel_paths)
    newest: Optional[Tuple[Tuple[int, int], str, str]] = None
    for item in listing:
        filename = item.filename
        parts = filename.split("-")
        m = _VERSION.fullmatch(parts[1]) if len(parts) > 1 else None
        if m and filename.endswith(".whl") and normalize(parts[0]) == project:
            key = (int(m.group(1)), int(m.group(2)))
            if newest is None or key > newest[0]:
                newest = (key, parts[1], item.sha256 or "-")
    if newest and newest[0][1] == ident:
        path = build(out_dir, project, newest[1], target_word, wheel_paths)
        if newest[2] in ("-", sha256_of(path)):
            return path, True
        os.remove(path)
    version = f"{newest[0][0] + 1 if newest else 1}.{ident}"
    return build(out_dir, project, version, target_word, wheel_paths), False


def _refuse(why: str) -> Unverifiable:
    return Unverifiable(f"bundle refused: {why}")


def _safe_name(name: str) -> bool:
    """An entry name that stays inside the directory it is unpacked into, on any reader."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name or re.match(r"[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _read_entry(zf: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, never more than its header declares (a lying size is refused)."""
    try:
        with zf.open(entry) as fh:
            data = fh.read(entry.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError, ValueError) as err:
        raise _refuse(f"cannot read {entry.filename} ({err})") from None
    if len(data) != entry.file_size:
        raise _refuse(f"{entry.filename} holds {len(data)}{'+' if len(data) > entry.file_size else ''} bytes, "
                      f"not the {entry.file_size} its header declares")
    return data


def _check_entries(infos: List[zipfile.ZipInfo]) -> None:
    """What no bundle holds, refused before any content is read: more entries or bytes than a bundle may
    hold, a name that leaves the directory it is unpacked into, a link or another non-file."""
    if len(infos) > MAX_ENTRIES:
        raise _refuse(f"{len(infos)} entries, more than the {MAX_ENTRIES} a bundle may hold")
    total = 0
    for entry in infos:
        name = entry.filename
        if not _safe_name(name):
            raise _refuse(f"unsafe entry name {name!r}")
        kind = stat.S_IFMT(entry.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise _refuse(f"{name} is a symbolic link")
        if kind not in (0, stat.S_IFREG):
            raise _refuse(f"{name} is not a regular file")
        if entry.flag_bits & 0x1:
            raise _refuse(f"{name} is encrypted")
        total += entry.file_size
        if total > MAX_TOTAL_BYTES:
            raise _refuse(f"its entries declare more than {MAX_TOTAL_BYTES} bytes (at most {MAX_TOTAL_BYTES // (1024 * 1024)} MiB)")


def _verify(bundle_path: str, project: str, version: str) -> Tuple[bytes, Dict[Tuple[str, str], str], Dict[str, bytes], Optional[str]]:
    """UNBUNDLE_PY's checks, in its order: (manifest bytes, pins, wheels by file name, pip wheel)."""
    info = dist_name(project) + "-" + version + ".dist-info/"
    allowed = re.compile(re.escape(info) + r"(METADATA|WHEEL|RECORD)|" + re.escape(PAYLOAD)
                         + r"(requirements\.txt|wheels/[A-Za-z0-9][A-Za-z0-9._+-]*\.whl)")
    try:
        zf = zipfile.ZipFile(bundle_path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as err:
        raise _refuse(f"not a zip file ({err})") from None
    contents: Dict[str, bytes] = {}
    with zf:
        infos = zf.infolist()
        _check_entries(infos)
        names = [entry.filename for entry in infos]
        if len(names) != len(set(names)):
            raise _refuse("an entry appears twice")
        by_name = {entry.filename: entry for entry in infos}
        if info + "RECORD" not in by_name:
            raise _refuse(f"no {info}RECORD")
        try:
            record_text = _read_entry(zf, by_name[info + "RECORD"]).decode("utf-8")
            rows = list(csv.reader(io.StringIO(record_text)))
        except (UnicodeDecodeError, csv.Error) as err:
            raise _refuse(f"{info}RECORD is not a UTF-8 CSV file ({err})") from None
        record: Dict[str, List[str]] = {}
        for row in rows:
            if not row:
                continue
            if len(row) != 3 or row[0] in record:
                raise _refuse(f"a RECORD row is malformed or repeated: {row}")
            record[row[0]] = row
        for entry in infos:
            name = entry.filename
            if not allowed.fullmatch(name):
                raise _refuse(f"unexpected entry {name}")
            if name not in record:
                raise _refuse(f"{name} is not in RECORD")
            if name == info + "RECORD":
                continue
            data = _read_entry(zf, entry)
            if record[name][1:] != ["sha256=" + _b64(hashlib.sha256(data).digest()), str(len(data))]:
                raise _refuse(f"{name} does not match its RECORD entry")
            contents[name] = data
        lacking = sorted(set(record) - set(names))
        if lacking:
            raise _refuse(f"RECORD lists what the bundle lacks: {lacking}")
    fields: Dict[str, str] = {}
    for line in contents.get(info + "METADATA", b"").decode("utf-8", "replace").split("\n\n", 1)[0].split("\n"):
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), value.strip())
    named = (fields.get("name", ""), fields.get("version", ""))
    if normalize(named[0]) != project or named[1] != version:
        raise _refuse(f"its METADATA names {named[0]} {named[1]}, not {project} {version}")
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
    return manifest, pins, wheels, pip_wheel


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
    manifest, pins, wheels, pip_wheel = _verify(bundle_path, project, version)
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
    return Unpacked(wheels_dir, requirements_path, install_path, pip_wheel, len(wheels))
