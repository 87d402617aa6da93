"""The bootstrap's two probes: the configured index answers this host through the keyring CLI (root), and a
user's fresh venv installs through keyring (an unprivileged identity of its own).

The user probe runs as `pip-airlock-probe`, a system user the bootstrap creates for itself and no other
process uses, in its own session (no terminal of root's). Root never opens, follows or executes anything in
a directory that user can write: the probe's directory is root's (0711), the user gets only its child `home`,
its output comes back through a pipe, and the directory is removed without following links. Each of its
processes runs in a session of its own, ended as a group at its time bound (runner.py); runs are serialized
by the bootstrap's lock, so no probe of an earlier run is left behind one that starts."""
from __future__ import annotations

import os
import pwd
import re
import shutil
import tempfile
import urllib.parse
from typing import Tuple

from .ar import ArtifactRegistry
from .errors import LocalError, Rejected, Unreachable
from .keyring_venv import KEYRING_LINK
from .names import requirement_project

PROBE_USER = "pip-airlock-probe"
USER_PATH = "/usr/local/bin:/usr/bin:/bin"


def probe_index(settings, ctx, work_dir: str) -> None:
    """The keyring CLI on PATH answers for the index, and Artifact Registry accepts its password for a project
    page of INDEX_URL. Artifact Registry serves no root listing (404 even with valid credentials), only
    per-project pages: 200 proves the index serves the project; 404 that the host accepted the credentials
    for a repository path that holds no such project (a fresh private repository)."""
    service = settings.index_url.replace("oauth2accesstoken@", "", 1)
    project = requirement_project(settings.packages[0])
    page = service + project + "/"
    done = ctx.run([KEYRING_LINK, "get", service, "oauth2accesstoken"], timeout=120)
    password = done.output.strip() if done.ok else ""
    if not done.ok or not password or "\n" in password:
        text = done.output if not done.ok else ""
        if re.search(r"\b(429|503)\b|Too Many Requests|timed out|Connection", text):
            raise Unreachable(f"keyring get {service}: the metadata server did not answer (exit {done.returncode})")
        raise LocalError(f"keyring get {service} gave no password (exit {done.returncode}): the keyring CLI or its Artifact Registry backend is broken")
    registry = ArtifactRegistry(settings.ar_host, lambda: password, ctx.ar.transport, ctx.clock)
    resp = registry.get(page)
    if resp.status == 200:
        ctx.log.info(f"probe {page}: HTTP 200, credentials accepted; the index serves {project}")
    elif resp.status == 404:
        ctx.log.info(f"probe {page}: HTTP 404, credentials accepted; the index holds no {project} (Artifact Registry answers 404 for a project a repository lacks)")
    else:
        try:
            registry._raise_for(f"probe {page}", resp)
        except Rejected as err:
            ctx.log.info(f"probe {page}: HTTP {resp.status}, credentials rejected")
            raise err from None


def ensure_probe_user(ctx) -> Tuple[int, int]:
    try:
        entry = pwd.getpwnam(PROBE_USER)
    except KeyError:
        done = ctx.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", PROBE_USER])
        if not done.ok:
            raise LocalError(f"cannot create the probe's user {PROBE_USER} (useradd exit {done.returncode}):\n{done.tail()}")
        ctx.log.info(f"created the system user {PROBE_USER}, which only the user probe runs as")
        entry = pwd.getpwnam(PROBE_USER)
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise LocalError(f"the user {PROBE_USER} has uid or gid 0: remove it, the bootstrap creates it anew")
    return entry.pw_uid, entry.pw_gid


def user_index_url(settings) -> str:
    """Where the user probe fetches from: the configured index when it is a virtual repository (it serves the
    helpers as well as the private packages), else the helpers' own index. Always with the user in the URL."""
    def repo(url: str) -> str:
        return "/".join(urllib.parse.urlsplit(url).path.split("/")[1:3])

    url = settings.index_url if repo(settings.index_url) != repo(settings.upload_repo_url) else settings.auth_repo_index_url
    return "https://oauth2accesstoken@" + url.split("://", 1)[1].split("@", 1)[-1]


def probe_user(settings, ctx, work_dir: str) -> None:
    """What a user does (the README's `virtualenv v && v/bin/pip install ...`): as an unprivileged user with a
    clean environment and an empty home, a throwaway venv made with the linked venv tool, whose own pip (the one
    the venv tool seeds) reads the system pip config and fetches a project through the keyring CLI."""
    uid, gid = ensure_probe_user(ctx)
    probe_dir = tempfile.mkdtemp(prefix="pip-airlock-probe.")
    try:
        os.chmod(probe_dir, 0o711)
        home = os.path.join(probe_dir, "home")
        os.mkdir(home, 0o700)
        os.chown(home, uid, gid)
        agent = os.path.join(probe_dir, "agent.pyz")
        shutil.copyfile(ctx.agent_path, agent)
        os.chmod(agent, 0o644)
        _probe_as(settings, ctx, (uid, gid), home, agent)
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)


def _probe_as(settings, ctx, user: Tuple[int, int], home: str, agent: str) -> None:
    env = {"HOME": home, "PATH": USER_PATH, "LANG": "C.UTF-8"}
    project = requirement_project(settings.packages[0])
    tool = "/usr/local/bin/" + requirement_project(settings.venv_tool)
    venv = os.path.join(home, "v")
    timeout = settings.install_timeout_seconds
    made = ctx.run([tool, "--quiet", "--no-periodic-update", "--", venv], env=env, replace_env=True, user=user, cwd=home, timeout=timeout)
    if not made.ok:
        raise LocalError(f"user probe: '{settings.venv_tool} v' failed as {PROBE_USER} (exit {made.returncode}):\n{made.tail()}")
    python = os.path.join(venv, "bin", "python")
    index = user_index_url(settings)
    fetched = ctx.run([python, "-I", agent, "pip-retry", str(settings.retry_after_max_seconds), "--", "download", "--no-deps",
                       "--only-binary", ":all:", "--dest", os.path.join(home, "dl"), "--disable-pip-version-check", "--no-input",
                       "--progress-bar", "off", "--timeout", str(settings.pip_socket_timeout_seconds), "--index-url", index, project],
                      env=env, replace_env=True, user=user, cwd=home, timeout=timeout)
    version = ctx.run([python, "-I", "-m", "pip", "--version"], env=env, replace_env=True, user=user, cwd=home, timeout=60)
    m = re.match(r"pip (\S+)", version.output.strip()) if version.ok else None
    venv_pip = m[1] if m else "unknown"
    where = index.split("@", 1)[1].split("/simple/")[0]
    if fetched.ok:
        ctx.log.info(f"user probe: as {PROBE_USER}, a fresh {settings.venv_tool} venv's pip {venv_pip} fetched {project} from {where} through keyring")
        return
    ctx.log.info(f"user probe: as {PROBE_USER}, a fresh {settings.venv_tool} venv's pip {venv_pip} could not fetch {project} (exit {fetched.returncode}):\n{fetched.tail()}")
    keyring_version = _keyring_version(ctx, settings)
    if "Keyring util is outdated" in fetched.output or (_ge(venv_pip, (26, 2)) and not _ge(keyring_version, (25, 2, 1))):
        ctx.log.info(f"the venv's pip {venv_pip} needs keyring >= 25.2.1; the auth repo serves {keyring_version}: mirror a newer keyring (mirror.packages or the lock)")
        raise LocalError(f"user probe: pip {venv_pip} cannot use keyring {keyring_version}")
    if re.search(r"\b(401|403)\b", fetched.output):
        raise Rejected("user probe: Artifact Registry rejected the user's credentials", 403)
    raise Unreachable(f"user probe: pip download failed (exit {fetched.returncode})")


def _keyring_version(ctx, settings) -> str:
    done = ctx.run([os.path.join(settings.venv_dir, "bin", "python"), "-I", "-m", "pip", "show", "keyring"],
                   env={"PIP_CONFIG_FILE": "/dev/null"})
    m = re.search(r"^Version: (\S+)", done.output, re.M) if done.ok else None
    return m[1] if m else "unknown"


def _ge(version: str, minimum) -> bool:
    m = re.match(r"[0-9]+(\.[0-9]+)*", version or "")
    return bool(m) and tuple(int(p) for p in m[0].split(".")) >= minimum
