"""The keyring venv: the dedicated venv keyring, the Artifact Registry backend and the venv tool live in.

The bootstrap creates, clears and rebuilds only a directory that carries its marker; the directory appears
with the marker already in it (made beside it, renamed into place): a first boot cut short at any point (disk
full, power loss) leaves a directory the next boot recognises as its own and rebuilds, or none."""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import stat
from typing import Dict, Iterable, Optional

from .errors import LocalError
from .fsutil import check_trusted_dir, ensure_root_dir, read_small, write_atomic
from .log import Logger
from .names import normalize
from .runner import Runner
from .versions import admits, release

MARKER = ".pip-airlock-venv"
#: Which bundle the venv was last installed from (file name and sha256), next to the marker.
BUNDLE_RECORD = ".pip-airlock-bundle"
KEYRING_LINK = "/usr/local/bin/keyring"
#: Where the venv's directory is made, marked, before it is renamed into place.
STAGING_SUFFIX = ".pip-airlock-new"
PIP_ENV = {"PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


class KeyringVenv:
    def __init__(self, path: str, runner: Runner, log: Logger, marker_text: str) -> None:
        self.path = path
        self.python = os.path.join(path, "bin", "python")
        self.runner = runner
        self.log = log
        self.marker_text = marker_text

    # --- whose directory ---------------------------------------------------------------------------
    def is_ours(self) -> bool:
        """A directory with the marker; or a venv an earlier release made (no marker yet), recognised by the
        keyring link on PATH that only the bootstrap makes (it is marked then)."""
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            return False
        if os.path.isfile(os.path.join(self.path, MARKER)) and not os.path.islink(os.path.join(self.path, MARKER)):
            return True
        link = _readlink(KEYRING_LINK)
        if os.path.isfile(os.path.join(self.path, "pyvenv.cfg")) and link == os.path.join(self.path, "bin", "keyring"):
            write_atomic(os.path.join(self.path, MARKER), self.marker_text + "\n", 0o644)
            self.log.info(f"adopted {self.path}, made by an earlier pip-airlock ({KEYRING_LINK} leads into it): marked it")
            return True
        return False

    def python_minor(self) -> Optional[str]:
        if not os.path.exists(self.python):
            return None
        done = self.runner.run([self.python, "-I", "-V"])
        m = re.match(r"Python (\d+)\.(\d+)", done.output.strip()) if done.ok else None
        return f"{m[1]}.{m[2]}" if m else None

    # --- creation ----------------------------------------------------------------------------------
    def ensure(self, host_python: str = "/usr/bin/python3") -> bool:
        """The venv in place for this host's python (X.Y); True when it was (re)built."""
        if os.path.lexists(self.path) and not self.is_ours():
            raise LocalError(f"{self.path} exists but pip-airlock did not create it (no {MARKER}): left untouched; "
                             "set hosts.keyringVenv to a new directory, or remove this one")
        want = ".".join(platform.python_version_tuple()[:2])
        have = self.python_minor()
        if have == want and os.path.isfile(os.path.join(self.path, "pyvenv.cfg")):
            self.log.info(f"venv {self.path} (python {have}) is in place")
            return False
        self.log.info(f"creating the venv {self.path} for python {want}" + (f" (was {have})" if have else ""))
        self.rebuild(host_python)
        return True

    def rebuild(self, host_python: str) -> None:
        parent = os.path.dirname(self.path)
        ensure_root_dir(parent, 0o755)
        if not os.path.lexists(self.path):
            self._create_marked()
        check_trusted_dir(self.path)
        # The marker first: whatever happens next, the directory is known to be ours.
        write_atomic(os.path.join(self.path, MARKER), self.marker_text + "\n", 0o644)
        self.clear()
        # --without-pip: works without python3-venv/ensurepip; pip comes from the mirrored wheel.
        done = self.runner.run([host_python, "-I", "-m", "venv", "--without-pip", self.path])
        if not done.ok:
            raise LocalError(f"python3 -m venv {self.path} failed (exit {done.returncode}):\n{done.tail()}")

    def _create_marked(self) -> None:
        """The venv's directory appears with its marker already in it: made beside it and renamed into place, so
        that a boot cut between the two leaves no unmarked directory the next boot would have to refuse."""
        staging = f"{self.path}{STAGING_SUFFIX}"
        if os.path.lexists(staging):
            # Left by a boot cut before its rename. The parent is root's alone (ensure_root_dir): only a
            # pip-airlock run made it; still, anything but a real directory holding at most the marker stays.
            if os.path.islink(staging) or not os.path.isdir(staging) or set(os.listdir(staging)) - {MARKER}:
                raise LocalError(f"{staging} exists and is not what pip-airlock leaves there: left untouched; remove it")
            shutil.rmtree(staging)
        os.mkdir(staging, 0o755)
        write_atomic(os.path.join(staging, MARKER), self.marker_text + "\n", 0o644)
        os.rename(staging, self.path)

    def clear(self) -> None:
        """Everything in the venv but its marker (never through a link: rmtree does not follow them)."""
        for name in os.listdir(self.path):
            if name == MARKER:
                continue
            full = os.path.join(self.path, name)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)

    # --- what is installed -------------------------------------------------------------------------
    def freeze(self) -> Dict[str, str]:
        """The venv's distributions, normalized name -> version (pip list, offline); {} without pip."""
        if not os.path.exists(self.python):
            return {}
        done = self.runner.run([self.python, "-I", "-m", "pip", "list", "--format=json"], env=PIP_ENV)
        try:
            listed = json.loads(done.output.strip().splitlines()[-1]) if done.ok else []
        except (ValueError, IndexError):
            return {}
        return {normalize(d["name"]): d["version"] for d in listed if isinstance(d, dict) and "name" in d and "version" in d}

    def satisfies(self, requirements: Iterable[str], installed: Optional[Dict[str, str]] = None) -> bool:
        installed = self.freeze() if installed is None else installed
        for spec in requirements:
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)", spec)
            if not m:
                return False
            version = installed.get(normalize(m[1]))
            if version is None:
                return False
            numbers = release(re.match(r"[0-9]+(\.[0-9]+)*", version)[0]) if re.match(r"[0-9]", version) else None
            if m[3].strip() and (numbers is None or not admits(m[3], numbers)):
                return False
        return True

    def pip_check(self) -> bool:
        return self.runner.run([self.python, "-I", "-m", "pip", "check"], env=PIP_ENV).ok

    def bundle_record(self) -> Optional[str]:
        text = read_small(os.path.join(self.path, BUNDLE_RECORD))
        return text.strip() if text else None

    def set_bundle_record(self, record: str) -> None:
        write_atomic(os.path.join(self.path, BUNDLE_RECORD), record + "\n", 0o644)

    def clear_bundle_record(self) -> None:
        try:
            os.unlink(os.path.join(self.path, BUNDLE_RECORD))
        except FileNotFoundError:
            pass


def _readlink(path: str) -> Optional[str]:
    try:
        return os.readlink(path)
    except OSError:
        return None


def ensure_link(link: str, target: str, log: Logger) -> bool:
    """A symlink on PATH to a tool of the keyring venv, replaced atomically. True when it changed."""
    if not os.access(target, os.X_OK):
        raise LocalError(f"{target} is missing")
    if _readlink(link) == target:
        log.info(f"unchanged: {link} -> {target}")
        return False
    ensure_root_dir(os.path.dirname(link), 0o755)
    tmp = f"{link}.pip-airlock.{os.getpid()}"
    try:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, link)
    except OSError as err:
        raise LocalError(f"cannot link {link}: {err.strerror}") from None
    log.info(f"linked {link} -> {target}")
    return True
