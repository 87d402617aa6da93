"""The wheels the product makes itself (bundles, signed sets): written byte for byte reproducibly (stored
entries, fixed times, in the order given) and read back strictly, before any content is used: no more
entries or bytes than allowed, no name that leaves the directory, no link, every entry exactly as RECORD
says and RECORD listing nothing missing, METADATA naming the expected project and version, and only the
payload entries the caller allows."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from typing import Callable, Dict, List, Pattern, Sequence, Tuple

from .errors import LocalError, Unverifiable
from .names import dist_name, normalize

#: What a product wheel may hold at most, all entries together as their headers declare them (and as read):
#: the closure of the auth helpers is about 10 MB; one declaring more is refused before anything is read.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: At most this many entries (a closure is a few dozen wheels).
MAX_ENTRIES = 4096

WHEEL = b"Wheel-Version: 1.0\nGenerator: pip-airlock\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def file_name(project: str, version: str) -> str:
    return f"{dist_name(project)}-{version}-py3-none-any.whl"


def write(out_dir: str, project: str, version: str, metadata: str, payload: Sequence[Tuple[str, bytes]]) -> str:
    """OUT_DIR/FILE (replacing one of the same name, never through a link): PAYLOAD's entries, then the
    dist-info's METADATA, WHEEL and RECORD. Returns its path."""
    info = f"{dist_name(project)}-{version}.dist-info/"
    entries = list(payload) + [(info + "METADATA", metadata.encode()), (info + "WHEEL", WHEEL)]
    record = "".join(f"{n},sha256={b64(hashlib.sha256(d).digest())},{len(d)}\n" for n, d in entries) + info + "RECORD,,\n"
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
        raise LocalError(f"cannot write {path}: {err}") from None
    return path


def safe_name(name: str) -> bool:
    """An entry name that stays inside the directory it is unpacked into, on any reader."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name or re.match(r"[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


class Reader:
    """Reads one product wheel strictly; every refusal is Unverifiable(PREFIX + why)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def refuse(self, why: str) -> Unverifiable:
        return Unverifiable(self.prefix + why)

    def _entry(self, zf: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
        """An entry's bytes, never more than its header declares (a lying size is refused)."""
        try:
            with zf.open(entry) as fh:
                data = fh.read(entry.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError, ValueError) as err:
            raise self.refuse(f"cannot read {entry.filename} ({err})") from None
        if len(data) != entry.file_size:
            raise self.refuse(f"{entry.filename} holds {len(data)}{'+' if len(data) > entry.file_size else ''} bytes, "
                              f"not the {entry.file_size} its header declares")
        return data

    def _check_entries(self, infos: List[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise self.refuse(f"{len(infos)} entries, more than the {MAX_ENTRIES} a product wheel may hold")
        total = 0
        for entry in infos:
            name = entry.filename
            if not safe_name(name):
                raise self.refuse(f"unsafe entry name {name!r}")
            kind = stat.S_IFMT(entry.external_attr >> 16)
            if kind == stat.S_IFLNK:
                raise self.refuse(f"{name} is a symbolic link")
            if kind not in (0, stat.S_IFREG):
                raise self.refuse(f"{name} is not a regular file")
            if entry.flag_bits & 0x1:
                raise self.refuse(f"{name} is encrypted")
            total += entry.file_size
            if total > MAX_TOTAL_BYTES:
                raise self.refuse(f"its entries declare more than {MAX_TOTAL_BYTES} bytes (at most {MAX_TOTAL_BYTES // (1024 * 1024)} MiB)")

    def read(self, path: str, project: str, version: str, payload: Pattern[str]) -> Dict[str, bytes]:
        """The payload entries by name (the dist-info's are checked, not returned)."""
        info = dist_name(project) + "-" + version + ".dist-info/"
        allowed = re.compile(re.escape(info) + r"(METADATA|WHEEL|RECORD)|" + payload.pattern)
        try:
            zf = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile, ValueError, EOFError) as err:
            raise self.refuse(f"not a zip file ({err})") from None
        contents: Dict[str, bytes] = {}
        with zf:
            infos = zf.infolist()
            self._check_entries(infos)
            names = [entry.filename for entry in infos]
            if len(names) != len(set(names)):
                raise self.refuse("an entry appears twice")
            by_name = {entry.filename: entry for entry in infos}
            if info + "RECORD" not in by_name:
                raise self.refuse(f"no {info}RECORD")
            try:
                rows = list(csv.reader(io.StringIO(self._entry(zf, by_name[info + "RECORD"]).decode("utf-8"))))
            except (UnicodeDecodeError, csv.Error) as err:
                raise self.refuse(f"{info}RECORD is not a UTF-8 CSV file ({err})") from None
            record: Dict[str, List[str]] = {}
            for row in rows:
                if not row:
                    continue
                if len(row) != 3 or row[0] in record:
                    raise self.refuse(f"a RECORD row is malformed or repeated: {row}")
                record[row[0]] = row
            for entry in infos:
                name = entry.filename
                if not allowed.fullmatch(name):
                    raise self.refuse(f"unexpected entry {name}")
                if name not in record:
                    raise self.refuse(f"{name} is not in RECORD")
                if name == info + "RECORD":
                    continue
                data = self._entry(zf, entry)
                if record[name][1:] != ["sha256=" + b64(hashlib.sha256(data).digest()), str(len(data))]:
                    raise self.refuse(f"{name} does not match its RECORD entry")
                contents[name] = data
            lacking = sorted(set(record) - set(names))
            if lacking:
                raise self.refuse(f"RECORD lists what the wheel lacks: {lacking}")
        fields: Dict[str, str] = {}
        for line in contents.get(info + "METADATA", b"").decode("utf-8", "replace").split("\n\n", 1)[0].split("\n"):
            key, _, value = line.partition(":")
            fields.setdefault(key.strip().lower(), value.strip())
        named = (fields.get("name", ""), fields.get("version", ""))
        if normalize(named[0]) != project or named[1] != version:
            raise self.refuse(f"its METADATA names {named[0]} {named[1]}, not {project} {version}")
        return {name: data for name, data in contents.items() if not name.startswith(info)}


def newest_version(listing, project: str) -> Tuple[Tuple[int, int], str, str]:
    """The newest N.ID version of PROJECT's files in `listing` (IndexFiles): ((N, ID), version, sha256 or '-'),
    or ((0, 0), '', '-') when there is none."""
    newest: Tuple[Tuple[int, int], str, str] = ((0, 0), "", "-")
    for version, item in versions(listing, project):
        if version[0] > newest[0]:
            newest = (version[0], version[1], item.sha256 or "-")
    return newest


def versions(listing, project: str) -> List[Tuple[Tuple[Tuple[int, int], str], object]]:
    """PROJECT's N.ID wheels in `listing`, newest first: [(((N, ID), 'N.ID'), IndexFile)]."""
    found = []
    for item in listing:
        parts = item.filename.split("-")
        m = re.fullmatch(r"([0-9]+)\.([0-9]+)", parts[1]) if len(parts) == 5 else None
        if m and item.filename.endswith("-py3-none-any.whl") and normalize(parts[0]) == project:
            found.append((((int(m.group(1)), int(m.group(2))), parts[1]), item))
    found.sort(key=lambda pair: pair[0][0], reverse=True)
    return found
