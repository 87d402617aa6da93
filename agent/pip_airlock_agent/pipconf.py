"""The configuration files the bootstrap writes, each rewritten only when its content differs: pip's (every
user, every venv), uv's, twine's. A file someone else wrote is kept once beside ours."""
from __future__ import annotations

import os
import shutil
from typing import List, Tuple

from .errors import LocalError
from .fsutil import check_trusted_dir, read_small, write_atomic
from .log import Logger

HEADER = "# Written by pip-airlock (private host startup script); rewritten on boot if changed."


def config_files(index_url: str, upload_repo_url: str) -> List[Tuple[str, int, str]]:
    """(path, mode, content) of each file."""
    pypirc = (f"{HEADER}\n[distutils]\nindex-servers =\n    airlock\n\n[airlock]\n"
              f"repository = {upload_repo_url}\nusername = oauth2accesstoken\n")
    return [
        # pip (>= 23.1), every user and every venv: only Artifact Registry, credentials from the keyring CLI.
        ("/etc/pip.conf", 0o644, f"{HEADER}\n[global]\nindex-url = {index_url}\nkeyring-provider = subprocess\n"),
        # uv reads the system-level /etc/uv/uv.toml the same way.
        ("/etc/uv/uv.toml", 0o644, f'{HEADER}\nkeyring-provider = "subprocess"\n\n[[index]]\nname = "airlock"\nurl = "{index_url}"\ndefault = true\n'),
        # twine: `twine upload -r airlock dist/*`; root's own file, and /etc/skel's for users created later.
        ("/root/.pypirc", 0o600, pypirc),
        ("/etc/skel/.pypirc", 0o644, pypirc),
    ]


def write_if_changed(path: str, mode: int, content: str, log: Logger, root: str = "") -> bool:
    """(Re)writes `root + path` atomically when its content or mode differs. True when something changed."""
    target = root + path
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755, exist_ok=True)
    check_trusted_dir(directory)
    current = read_small(target)
    is_link = os.path.islink(target)
    if current == content and not is_link:
        if os.stat(target).st_mode & 0o7777 != mode:
            os.chmod(target, mode)
            log.info(f"fixed the mode of {path}")
            return True
        log.info(f"unchanged: {path}")
        return False
    keep = target + ".pip-airlock-orig"
    if current is not None and not is_link and not os.path.lexists(keep) and not current.startswith(HEADER + "\n"):
        try:
            shutil.copy2(target, keep, follow_symlinks=False)
        except OSError as err:
            raise LocalError(f"cannot keep {path}: {err}") from None
        log.info(f"kept the previous {path} as {path}.pip-airlock-orig")
    write_atomic(target, content, mode)
    log.info(f"wrote {path}")
    return True
