"""What a private host trusts in mirror mode: only files the mirror signed (signed_set.py), and, with a lock,
only files whose sha256 the lock pins.

A host reads the signed sets' page, takes the newest whose signature verifies with the configured key
(trying at most signed_set.MAX_CANDIDATES, newest first: a writer of the auth repo who is not the mirror can
add unverifiable ones above it), never goes back to an older one than it installed, and installs exactly the
files that statement names: its target's bundle, or, on a host that is none of the mirror's targets, the
statement's files this host can run, each checked against the statement's sha256 before pip sees it."""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Set, Tuple

from . import signed_set
from .ar import IndexFile
from .errors import NotServedYet, Unverifiable
from .names import normalize, wheel_project

_LOCK_HASH = re.compile(r"--hash[= ]sha256:([0-9a-f]{64})")


def lock_hashes(lock_content: str) -> Set[str]:
    """Every sha256 a lock (pip's hash-checking requirements format) pins."""
    return set(_LOCK_HASH.findall(lock_content or ""))


def check_locked(files: Dict[str, str], lock_content: str, what: str) -> None:
    """With a lock, every file (name -> sha256) must be one it pins: a signed file the lock does not pin is
    refused too."""
    if not lock_content:
        return
    pinned = lock_hashes(lock_content)
    stray = sorted(name for name, sha in files.items() if sha not in pinned)
    if stray:
        raise Unverifiable(f"{what} holds {len(stray)} file(s) the lock does not pin ({' '.join(stray)}): "
                           "nothing is installed from it; make the lock and the mirror agree (recipes/make-lock.sh), then run the mirror")


def version_key(filename: str) -> Tuple[int, int]:
    m = re.fullmatch(r"[^-]+-([0-9]+)\.([0-9]+)-py3-none-any\.whl", filename)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


class Record:
    """What the keyring venv records of the signed set it was installed from: FILE SHA256 DIGEST."""

    def __init__(self, text: Optional[str]) -> None:
        words = (text or "").split()
        self.filename, self.sha256, self.digest = (words + ["", "", ""])[:3] if len(words) == 3 else ("", "", "")

    def matches(self, item: IndexFile) -> bool:
        return bool(self.filename) and item.filename == self.filename and item.sha256 == self.sha256

    @staticmethod
    def text(item: IndexFile, statement: signed_set.Statement) -> str:
        return f"{item.filename} {item.sha256} {statement.digest}"


class SignedSource:
    def __init__(self, settings, ctx, work_dir: str, public_key=None) -> None:
        self.s = settings
        self.ctx = ctx
        self.log = ctx.log
        self.work_dir = work_dir
        self.verifier = signed_set.Verifier(settings.signing_key, public_key or ctx.kms.public_key)
        self.listing: List[IndexFile] = []
        self.statement: Optional[signed_set.Statement] = None
        self.item: Optional[IndexFile] = None

    # --- the page ------------------------------------------------------------------------------------
    def poll(self) -> None:
        """One read of the signed sets' page; NotServedYet while it lists none (the mirror uploads it last)."""
        self.listing = self.ctx.ar.project_files(self.s.auth_repo_index_url, signed_set.PROJECT)
        found = signed_set.candidates(self.listing)
        if not found:
            self.log.info("the auth repo serves no signed set yet (the mirror publishes it last)")
            raise NotServedYet("the auth repo serves no signed set yet")
        self.log.info(f"the auth repo serves {len(found)} signed set(s), the newest {found[0][1].filename}")

    def newest(self) -> IndexFile:
        return signed_set.candidates(self.listing)[0][1]

    # --- verification --------------------------------------------------------------------------------
    def verify(self, installed: Record) -> signed_set.Statement:
        """The newest signed set that verifies (downloaded, read strictly, its signature checked with the key
        version's public key from KMS). Refusals are logged one by one; none verifying is Unverifiable."""
        refused: List[str] = []
        candidates = signed_set.candidates(self.listing)[:signed_set.MAX_CANDIDATES]
        if self.statement is not None and self.item is not None and candidates and \
                (candidates[0][1].filename, candidates[0][1].sha256) == (self.item.filename, self.item.sha256):
            return self.statement  # verified earlier this run (a retry after a failure past verification)
        for version, item in candidates:
            try:
                statement = self._verify_one(item, version)
            except Unverifiable as err:
                self.log.info(f"refused {item.filename}: {err}")
                refused.append(f"{item.filename}: {err}")
                continue
            if installed.filename and version_key(item.filename) < version_key(installed.filename):
                raise Unverifiable(f"the newest signed set that verifies, {item.filename}, is older than the one installed "
                                   f"({installed.filename}): going back is refused (was a newer one deleted?); nothing was changed")
            self.statement, self.item = statement, item
            self.log.info(f"verified {item.filename}: signed by {statement.key_version}; statement {statement.digest[:12]}, "
                          f"{len(statement.files)} files")
            return statement
        raise Unverifiable(
            f"no signed set in the auth repo verifies with {self.s.signing_key} ({len(refused)} tried: {'; '.join(refused)}): "
            "nothing was installed or changed. Run the mirror again (it signs with the key version mirror.signing.keyVersion "
            "names; that version must be enabled), and delete signed sets it did not publish")

    def _verify_one(self, item: IndexFile, version: str) -> signed_set.Statement:
        if not item.sha256 or len(item.sha256) != 64:
            raise Unverifiable("the index gives no sha256 for it")
        dest = os.path.join(self.work_dir, item.filename)
        try:
            self.ctx.ar.download(item, dest, timeout=60)
            statement, signature = signed_set.read(dest, version)
        finally:
            try:
                os.unlink(dest)
            except OSError:
                pass
        return self.verifier.verify(statement, signature)

    # --- what the statement names --------------------------------------------------------------------
    def bundle_for(self, target: str) -> Optional[IndexFile]:
        """This target's bundle as the auth repo lists it, with the sha256 the statement gives; None when the
        statement names no bundle for it."""
        assert self.statement is not None
        named = self.statement.bundles.get(target)
        if not named:
            return None
        name, sha = named
        listing = self.ctx.ar.project_files(self.s.auth_repo_index_url, wheel_project(name))
        item = next((f for f in listing if f.filename == name), None)
        if item is None:
            raise NotServedYet(f"the signed set names {name}, which the auth repo does not list yet")
        if item.sha256 and item.sha256 != sha:
            raise Unverifiable(f"the auth repo lists {name} with sha256 {item.sha256}, the signed set {sha}: nothing is installed from it")
        return IndexFile(item.filename, item.url, sha, item.requires_python)

    def download_files(self, dest_dir: str, python: str, arch: str, glibc: str) -> Dict[str, str]:
        """For a host that is none of the mirror's targets: every file the statement names that this host can
        run (by its wheel tags), downloaded into DEST_DIR and checked against the statement's sha256.
        Returns name -> sha256."""
        assert self.statement is not None
        wanted = {n: sha for n, sha in self.statement.files.items()
                  if not n.startswith(("pip_airlock_bundle", "pip_airlock_signed_set")) and compatible(n, python, arch, glibc)}
        got: Dict[str, str] = {}
        for project in sorted({wheel_project(n) for n in wanted}):
            for item in self.ctx.ar.project_files(self.s.auth_repo_index_url, project):
                if item.filename in wanted and item.filename not in got:
                    if item.sha256 and item.sha256 != wanted[item.filename]:
                        raise Unverifiable(f"the auth repo lists {item.filename} with another sha256 than the signed set's")
                    signed = IndexFile(item.filename, item.url, wanted[item.filename], item.requires_python)
                    dest = os.path.join(dest_dir, item.filename)
                    if not os.path.exists(dest):
                        self.ctx.ar.download(signed, dest)
                    got[item.filename] = wanted[item.filename]
        missing = sorted(set(wanted) - set(got))
        if missing:
            raise NotServedYet(f"the auth repo does not list {len(missing)} file(s) the signed set names: {' '.join(missing[:5])}")
        return got


def compatible(filename: str, python: str, arch: str, glibc: str) -> bool:
    """Whether a wheel's tags (PEP 425, compressed tag sets) let CPython PYTHON on ARCH with GLIBC run it."""
    parts = filename[:-len(".whl")].split("-") if filename.endswith(".whl") else []
    if len(parts) not in (5, 6):
        return False
    py_tags, abi_tags, plat_tags = (set(t.split(".")) for t in parts[-3:])
    major, minor = python.split(".")[:2]
    cp = f"cp{major}{minor}"
    py_ok = bool(py_tags & {"py3", f"py{major}{minor}", cp}) or any(
        t.startswith("cp3") and t[2:].isdigit() and int(t[3:] or 0) <= int(minor) for t in py_tags if "abi3" in abi_tags)
    abi_ok = bool(abi_tags & {"none", "abi3", cp})
    return py_ok and abi_ok and any(_platform_ok(t, arch, glibc) for t in plat_tags)


def _platform_ok(tag: str, arch: str, glibc: str) -> bool:
    if tag == "any":
        return True
    if not tag.endswith("_" + arch):
        return False
    have = tuple(int(p) for p in glibc.split(".")[:2])
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    base = tag[: -len(arch) - 1]
    if base in legacy:
        return legacy[base] <= have
    m = re.fullmatch(r"manylinux_([0-9]+)_([0-9]+)", base)
    return bool(m) and (int(m.group(1)), int(m.group(2))) <= have


def projects_of(names: Iterable[str]) -> List[str]:
    return sorted({normalize(n.split("-", 1)[0]) for n in names})
