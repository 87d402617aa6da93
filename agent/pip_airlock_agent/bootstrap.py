"""The private host's bootstrap: on every boot, install keyring and the Artifact Registry backend from the auth
repo into a dedicated venv with a metadata-server token, link the keyring CLI onto PATH, configure pip (and uv,
and twine) system-wide, and prove it works as a user would.

Statuses: `ready` (proven), `failed` with the step (401/403 anywhere, a local fault, a bundle that cannot be
verified), `ready-stale` only when Artifact Registry or the metadata server could not be reached and an earlier
boot's configuration stays in place unchanged."""
from __future__ import annotations

import os
import platform
import shutil
import sys
import sysconfig
import tempfile
from typing import Dict, List, Optional

from . import bundle as bundle_format
from .ar import IndexFile
from .trust import Record, SignedSource, check_locked
from .errors import AgentError, LocalError, NotServedYet, Rejected, Unreachable, Unverifiable
from .fsutil import read_small
from .keyring_venv import KEYRING_LINK, PIP_ENV, KeyringVenv, ensure_link
from .names import bundle_project, normalize, requirement_project, wheel_version
from .pipconf import HEADER, config_files, write_if_changed
from .probe import probe_index, probe_user
from .settings import TARGET_WORD
from .versions import pick_newest, release

VENV_TOOL_LINK_DIR = "/usr/local/bin"


class Stale(Exception):
    """Artifact Registry could not be reached; the earlier configuration stays (ready-stale)."""


class Bootstrap:
    def __init__(self, settings, ctx, work_root: Optional[str] = None) -> None:
        self.s = settings
        self.ctx = ctx
        self.log = ctx.log
        self.work_root = work_root
        self.work_dir = ""
        self.changes = 0
        self.configured = False
        self.host_python = platform.python_version()
        self.host_target = ""
        self.bundle_project = ""
        self.bundle: Optional[IndexFile] = None
        self.pip_wheel: Optional[IndexFile] = None
        self.pip_wheel_path = ""
        self.unpacked = None
        self.source = ""
        #: Mirror mode: the signed sets (trust.py); None in remote mode (SIGNING_KEY empty: nothing is signed).
        self.trust: Optional[SignedSource] = None
        self.installed_digest = ""
        self.signed_dir = ""
        self.signed_files: Dict[str, str] = {}
        self.venv = KeyringVenv(settings.venv_dir, ctx.runner, ctx.log, HEADER)
        self.venv_tool_link = os.path.join(VENV_TOOL_LINK_DIR, requirement_project(settings.venv_tool))
        self.required = [requirement_project(p) for p in settings.packages] + ["pip", requirement_project(settings.venv_tool)]

    # --- the run --------------------------------------------------------------------------------------
    def run(self) -> str:
        """Returns the final status (ready or ready-stale); raises AgentError for failed."""
        log, attrs = self.log, self.ctx.attrs
        if self.s.mirrored_targets:
            self.check_mirrored_target()
        log.info(f"bootstrapping {' '.join(self.s.packages)} from {self.s.auth_repo_index_url} ({self.s.ar_host}) into {self.s.venv_dir}")
        attrs.publish("status", "running")
        self.work_dir = tempfile.mkdtemp(prefix="pip-airlock-bootstrap.", dir=self.work_root)
        if self.s.signing_key:
            self.trust = SignedSource(self.s, self.ctx, self.work_dir)
        try:
            return self._steps()
        except Stale:
            return self.finish_stale()
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _steps(self) -> str:
        log, retry = self.log, self.ctx.retry
        self.configured = self.already_configured()
        if self.configured:
            log.info("an earlier boot left a working configuration: if Artifact Registry cannot be reached, it is kept (status ready-stale)")
        log.step("token")
        self.reachable(lambda: retry.run("metadata token", self.ctx.metadata.token, log))
        # On a fresh deployment both hosts boot together and the mirror needs minutes: the wait has its own
        # bound. A host already configured only checks for updates (max_attempts polls).
        log.step("wait-for-auth-repo")
        polls = self.s.max_attempts if self.configured else self.s.wait_attempts
        self.reachable(lambda: retry.run("waiting for the auth repo", self.helpers_served, log, max_attempts=polls))
        if self.trust:
            log.step("verify")
            self.reachable(lambda: retry.run("verify the newest signed set", self.choose_signed_source, log))
        log.step("venv")
        if self.venv.ensure(sys.executable):
            self.changes += 1
        self.ensure_venv_pip()
        log.step("install")
        unchanged = self.changes == 0
        self.reachable(self.ensure_helpers, stale_ok=unchanged)
        self.changes += ensure_link(KEYRING_LINK, os.path.join(self.s.venv_dir, "bin", "keyring"), log)
        self.changes += ensure_link(self.venv_tool_link, os.path.join(self.s.venv_dir, "bin", "virtualenv"), log)
        log.step("venv-wheel")
        self.ensure_venv_wheel()
        log.step("configure")
        self.write_configs()
        log.step("probe")
        unchanged = self.changes == 0
        self.reachable(lambda: retry.run(f"probe {self.s.index_url} through keyring", lambda: probe_index(self.s, self.ctx, self.work_dir), log),
                       stale_ok=unchanged)
        self.reachable(lambda: retry.run(f"probe as a user: {self.s.venv_tool} v && v/bin/pip", lambda: probe_user(self.s, self.ctx, self.work_dir), log),
                       stale_ok=unchanged)
        log.current_step = "finished"
        self.ctx.attrs.publish("changes", str(self.changes))
        self.ctx.attrs.publish("installed-set", self.installed_set())
        self.ctx.attrs.publish("status", "ready")
        log.info(f"ready: keyring {self.keyring_version()}, {self.changes} change(s) this boot")
        return "ready"

    def reachable(self, fn, stale_ok: bool = True):
        """fn(); when it could not reach Artifact Registry (or the metadata server) on a host an earlier boot
        configured, the run ends ready-stale instead of failed."""
        try:
            return fn()
        except Unreachable:
            if self.configured and stale_ok:
                raise Stale() from None
            raise

    def finish_stale(self) -> str:
        log = self.log
        step = log.current_step
        log.info(f"could not complete step {step}; the configuration of an earlier boot stays in place")
        self.write_configs()
        self.ctx.attrs.publish("stale-step", step)
        self.ctx.attrs.publish("changes", str(self.changes))
        if self.trust and not self.installed_digest:
            self.installed_digest = Record(self.venv.bundle_record()).digest
        self.ctx.attrs.publish("installed-set", self.installed_set())
        log.current_step = "finished"
        self.ctx.attrs.publish("status", "ready-stale")
        log.info(f"ready-stale: keyring {self.keyring_version()}, {self.changes} change(s) this boot, Artifact Registry not verified")
        return "ready-stale"

    # --- what this host is ----------------------------------------------------------------------------
    def check_mirrored_target(self, targets: Optional[List[str]] = None) -> None:
        """Is this host one of the mirror's targets (its CPython X.Y and CPU, a glibc at least the target's)?
        Of several that fit, the one with the newest glibc. A host that is none is told so (not a failure).
        `targets`: those the verified signed set names a bundle for (what the synthesized bootstrap goes by: its
        MIRRORED_TARGETS is empty, so the script stays the same when another target is added); by default
        MIRRORED_TARGETS, when the settings name some (a script rendered or edited to keep to them)."""
        targets = [t for t in (self.s.mirrored_targets if targets is None else targets) if TARGET_WORD.fullmatch(t)]
        self.host_target, self.bundle_project = "", ""
        if not targets:
            return
        arch = platform.machine()
        glibc = platform.libc_ver()[1] or "0.0"
        have = release(glibc) or (0,)
        minor = self.host_python.split(".")[:2]
        best = None
        for target in targets:
            python, t_arch, t_glibc = target.split(":")
            want = release(t_glibc) or (0,)
            if python.split(".")[:2] == minor and t_arch == arch and want <= have and (best is None or want > best[0]):
                best = (want, target)
        if best:
            self.host_target = best[1]
            self.bundle_project = bundle_project(self.host_target)
            self.log.info(f"this host (CPython {self.host_python}, {arch}, glibc {glibc}) is a target of the mirror ({self.host_target}): its bundle is {self.bundle_project}")
            return
        served = ";".join("CPython {} {} glibc {}".format(*t.split(":")) for t in targets)
        self.log.info(f"warning: this host (CPython {self.host_python}, {arch}, glibc {glibc}) is none of the mirror's targets ({served}): "
                      "compiled dependencies may have no wheel for it; declare its image in mirror.targets, or in the targets of "
                      "the consumer it belongs to (consumers.NAME.targets)")

    def already_configured(self) -> bool:
        conf = read_small("/etc/pip.conf") or ""
        return (os.path.exists(self.venv.python) and self.helpers_installed()
                and _readlink(KEYRING_LINK) == os.path.join(self.s.venv_dir, "bin", "keyring")
                and conf.startswith(HEADER + "\n") and f"index-url = {self.s.index_url}" in conf.splitlines())

    # --- the auth repo --------------------------------------------------------------------------------
    def choose_signed_source(self) -> None:
        """Mirror mode: what this boot installs from. The signed set the venv was installed from, when it is
        still the newest listed (no download); else the newest that verifies, and from it this host's bundle
        or, on a host that is none of the mirror's targets, the statement's files it can run."""
        installed = Record(self.venv.bundle_record())
        if installed.matches(self.trust.newest()) and self.helpers_installed():
            self.source, self.installed_digest = "installed", installed.digest
            self.log.info(f"the newest signed set, {installed.filename}, is the one installed: nothing to fetch")
            return
        statement = self.trust.verify(installed)
        self.installed_digest = statement.digest
        if installed.matches(self.trust.item) and self.helpers_installed():
            self.source = "installed"
            self.log.info(f"{installed.filename} is the one installed: nothing to fetch")
            return
        if not self.s.mirrored_targets:
            # This host's target is one the signed set names a bundle for: what the mirror serves is known from
            # what it signed, so the bootstrap carries no list of targets that another team's target would change.
            self.check_mirrored_target(sorted(statement.bundles))
        self.bundle = self.trust.bundle_for(self.host_target) if self.host_target else None
        if self.bundle:
            self.source = "bundle"
            self.log.info(f"the signed set names the bundle of {self.host_target}: {self.bundle.filename}")
            return
        self.source = "signed-index"
        self.log.info("the signed set names no bundle for this host: installing the signed files it can run")

    def helpers_served(self) -> None:
        """One poll. Where this host has a target, its bundle first (one page). Else the helpers' own pages, the
        first requested package's alone until it is there: served when the repo has a file of every required
        project and a pip wheel this CPython can run. The mirror uploads the bundle before the requested
        packages, so once they are all there the bundle's page is read once more before the index is taken."""
        ar, index = self.ctx.ar, self.s.auth_repo_index_url
        if self.trust:
            self.trust.poll()
            return
        listing: List[IndexFile] = list(ar.project_files(index, self.required[0]))
        if listing:
            for project in self.required[1:]:
                listing += ar.project_files(index, project)
        present = {normalize(f.filename.split("-", 1)[0]) for f in listing}
        missing = [p for p in self.required if p not in present]
        if missing:
            self.log.info(f"the auth repo does not serve {' '.join(missing)} yet")
            raise NotServedYet(f"the auth repo does not serve {' '.join(missing)} yet")
        pip_wheel = pick_newest(listing, "pip", self.host_python)
        if pip_wheel is None:
            self.log.info(f"the auth repo serves no pip wheel whose Requires-Python admits CPython {self.host_python} yet")
            raise NotServedYet("no pip wheel for this CPython yet")
        self.pip_wheel, self.source = pip_wheel, "index"
        self.log.info(f"the auth repo serves {' '.join(self.required)} (pip wheel for CPython {self.host_python}: {pip_wheel.filename})")

    def fetch_bundle(self) -> None:
        """Downloads this host's bundle (once a run), checks it against the index's sha256 (a damaged transfer
        is fetched again), then verifies and unpacks it: a bundle that cannot be verified is a failure, never a
        reason to install from elsewhere."""
        if self.unpacked is not None:
            return
        b = self.bundle
        if not b.sha256 or len(b.sha256) != 64:
            raise Unverifiable(f"the auth repo's index gives no sha256 for {b.filename}: it cannot be verified")
        dest = os.path.join(self.work_dir, b.filename)
        self.ctx.ar.download(b, dest)
        try:
            self.unpacked = bundle_format.verify_and_unpack(dest, self.bundle_project, wheel_version(b.filename), os.path.join(self.work_dir, "bundle"))
        except Unverifiable as err:
            shutil.rmtree(os.path.join(self.work_dir, "bundle"), ignore_errors=True)
            self.log.info(str(err))
            raise Unverifiable(f"{b.filename} (sha256 {b.sha256}) fails verification: nothing is installed from it ({err})") from None
        finally:
            _unlink(dest)
        check_locked(self.unpacked.wheel_sha256, self.s.lock_content, b.filename)
        if not self.unpacked.pip_wheel:
            raise Unverifiable(f"{b.filename} holds no pip wheel")
        self.pip_wheel_path = os.path.join(self.unpacked.wheels_dir, self.unpacked.pip_wheel)
        self.log.info(f"verified {b.filename}: {self.unpacked.count} wheels, each as the manifest pins it")

    def fetch_pip_wheel(self) -> None:
        dest = os.path.join(self.work_dir, self.pip_wheel.filename)
        if os.path.exists(dest):
            self.pip_wheel_path = dest
            return
        self.ctx.ar.download(self.pip_wheel, dest)
        self.pip_wheel_path = dest

    def fetch_signed_files(self) -> None:
        """A host that is none of the mirror's targets: the signed files it can run, once a run."""
        if self.signed_files:
            return
        self.signed_dir = os.path.join(self.work_dir, "signed")
        os.makedirs(self.signed_dir, mode=0o700, exist_ok=True)
        files = self.trust.download_files(self.signed_dir, self.host_python, platform.machine(), platform.libc_ver()[1] or "0.0")
        check_locked(files, self.s.lock_content, "the signed set")
        listing = [IndexFile(n, "", sha, None) for n, sha in files.items()]
        pip_wheel = pick_newest(listing, "pip", self.host_python)
        if pip_wheel is None:
            raise Unverifiable(f"the signed set names no pip wheel this host (CPython {self.host_python}) can run")
        self.signed_files = files
        self.pip_wheel_path = os.path.join(self.signed_dir, pip_wheel.filename)
        self.log.info(f"downloaded {len(files)} signed files this host can run, each as the signed set gives its sha256")

    def obtain_pip_wheel(self) -> str:
        if self.source == "installed":
            # the venv's pip is broken although its helpers were installed from the newest signed set: verify
            # it again and take the pip wheel from what it names
            self.venv.clear_bundle_record()
            self.ctx.retry.run("verify the newest signed set", self.choose_signed_source, self.log)
        if self.source == "signed-index":
            self.ctx.retry.run("download the signed files", self.fetch_signed_files, self.log)
            return self.pip_wheel_path
        if self.source == "bundle":
            self.ctx.retry.run(f"download {self.bundle.filename}", self.fetch_bundle, self.log)
        else:
            self.ctx.retry.run(f"download {self.pip_wheel.filename}", self.fetch_pip_wheel, self.log)
        return self.pip_wheel_path

    # --- the venv -------------------------------------------------------------------------------------
    def ensure_venv_pip(self) -> None:
        installed = self.venv.freeze()
        if self.venv.satisfies([self.s.bootstrap_pip], installed):
            self.log.info(f"venv pip satisfies {self.s.bootstrap_pip}: pip {installed.get('pip')}")
            return
        wheel = self.obtain_pip_wheel()
        # A pip wheel runs itself: this needs neither ensurepip nor any pip on the system, and the venv's
        # python is not "externally managed" (PEP 668). --force-reinstall mends a pip a cut-short boot half wrote.
        self.log.info(f"bootstrapping pip from {os.path.basename(wheel)}")
        done = self.ctx.run([self.venv.python, "-I", os.path.join(wheel, "pip"), "install", "--no-index", "--no-cache-dir",
                             "--force-reinstall", "--no-deps", "--quiet", wheel], env=PIP_ENV, timeout=self.s.install_timeout_seconds)
        if not done.ok or not self.venv.satisfies([self.s.bootstrap_pip]):
            raise LocalError(f"pip in the venv does not satisfy {self.s.bootstrap_pip} (exit {done.returncode}):\n{done.tail()}")
        self.changes += 1

    def helpers_installed(self) -> bool:
        return self.venv.satisfies(list(self.s.packages) + [self.s.venv_tool]) and self.venv.pip_check()

    def ensure_helpers(self) -> None:
        """With a bundle, exactly its pins (a new bundle is installed over the old one; the same bundle again
        changes nothing and costs no request); without one, pip upgrades to the newest the index serves."""
        before = self.venv.freeze()
        wanted = " ".join(list(self.s.packages) + [self.s.venv_tool])
        if self.source == "installed":
            self.log.info(f"already installed from {Record(self.venv.bundle_record()).filename}: {wanted}")
            return
        if self.source == "signed-index":
            self.ctx.retry.run("download the signed files", self.fetch_signed_files, self.log)
            self.log.info(f"installing {wanted} from the signed files, offline")
            self.venv.clear_bundle_record()
            done = self.ctx.run([self.venv.python, "-I", "-m", "pip", "install", "--no-index", "--find-links", self.signed_dir,
                                 "--only-binary", ":all:", "--no-cache-dir", "--progress-bar", "off", "--quiet"]
                                + list(self.s.packages) + [self.s.venv_tool], env=PIP_ENV, timeout=self.s.install_timeout_seconds)
            if not done.ok:
                raise LocalError(f"pip install from the signed files failed (exit {done.returncode}):\n{done.tail()}")
            self.venv.set_bundle_record(Record.text(self.trust.item, self.trust.statement))
        elif self.source == "bundle":
            self.ctx.retry.run(f"download {self.bundle.filename}", self.fetch_bundle, self.log)
            self.log.info(f"installing {wanted} from {self.bundle.filename}, offline")
            self.venv.clear_bundle_record()
            done = self.ctx.run([self.venv.python, "-I", "-m", "pip", "install", "--no-index", "--find-links", self.unpacked.wheels_dir,
                                 "--require-hashes", "-r", self.unpacked.install_path, "--no-cache-dir", "--progress-bar", "off", "--quiet"],
                                env=PIP_ENV, timeout=self.s.install_timeout_seconds)
            if not done.ok:
                raise LocalError(f"pip install from {self.bundle.filename} failed (exit {done.returncode}):\n{done.tail()}")
            if not self.helpers_installed():
                raise Unverifiable(f"{self.bundle.filename} does not hold what {wanted} need: run the mirror again")
            self.venv.set_bundle_record(Record.text(self.trust.item, self.trust.statement))
        else:
            self.ctx.retry.run(f"pip install --upgrade {wanted}", self.install_from_index, self.log)
        self.report_upgrades(before)

    def install_from_index(self) -> None:
        """One install attempt from the auth repo's index, binary only (no sdist is ever built here: a build
        would run PyPI code as root and hand the index URL, token included, to a subprocess's argv). The token
        is in pip's environment only; /etc/pip.conf is ignored (it points at the private repo)."""
        token = self.ctx.metadata.token()
        index = "https://oauth2accesstoken:" + token + "@" + self.s.auth_repo_index_url[len("https://"):]
        if self.s.lock_content:
            # Remote mode with a lock: exactly the lock's pins, each file checked against its hashes.
            lock = os.path.join(self.work_dir, "lock.txt")
            if not os.path.exists(lock):
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(self.s.lock_content + "\n")
            what = ["--require-hashes", "-r", lock]
        else:
            what = ["--upgrade", "--upgrade-strategy", "eager"] + list(self.s.packages) + [self.s.venv_tool]
        done = self.ctx.run([self.venv.python, "-I", self.ctx.agent_path, "pip-retry", str(self.s.retry_after_max_seconds), "--",
                             "install", "--only-binary", ":all:", "--no-cache-dir",
                             "--progress-bar", "off", "--timeout", str(self.s.pip_socket_timeout_seconds)] + what,
                            env=dict(PIP_ENV, PIP_KEYRING_PROVIDER="disabled", PIP_INDEX_URL=index), timeout=self.s.install_timeout_seconds)
        output = done.output.replace(token, "****")
        if done.ok:
            return
        if " 401 " in output or " 403 " in output or "401 Client Error" in output or "403 Client Error" in output:
            raise Rejected("pip install: Artifact Registry refused the credentials:\n" + _tail(output), 403)
        raise Unreachable(f"pip install --upgrade failed (exit {done.returncode}):\n" + _tail(output))

    def report_upgrades(self, before: Dict[str, str]) -> None:
        after = self.venv.freeze()
        changed = []
        for name in sorted(set(before) | set(after)):
            old, new = before.get(name), after.get(name)
            if old != new:
                changed.append(f"{name} {old or '(new)'} -> {new or '(gone)'}")
        for line in changed:
            self.log.info(f"helpers: {line}")
        if changed:
            self.changes += 1
            self.log.info(f"helpers: {len(changed)} distribution(s) changed")

    def installed_set(self) -> str:
        """The guest attribute installed-set: the signed statement's short digest (or `unsigned` in remote
        mode) and the keyring this host runs."""
        return f"{self.installed_digest[:12] if self.trust else 'unsigned'} keyring=={self.keyring_version()}"

    def keyring_version(self) -> str:
        return self.venv.freeze().get("keyring", "unknown")

    # --- system-wide --------------------------------------------------------------------------------
    def ensure_venv_wheel(self) -> None:
        """`keyring-provider = subprocess` needs pip >= 23.1. Debian's `python3 -m venv` seeds the pip wheel of
        sysconfig's WHEEL_PKG_DIR whose name sorts last (pip 23.0.1 on Debian 12): the mirrored pip wheel placed
        beside it makes it the one new venvs are born with. Debian's own files are left alone."""
        wheel_dir = sysconfig.get_config_var("WHEEL_PKG_DIR") or ""
        tool = f"{self.s.venv_tool} ({self.venv_tool_link})"
        if not wheel_dir or not os.path.isdir(wheel_dir):
            try:
                import ensurepip
                version = ensurepip.version()
            except Exception:  # noqa: BLE001 - a Python without ensurepip
                version = ""
            if not version:
                self.log.info(f"python3 has no ensurepip (and no WHEEL_PKG_DIR directory {wheel_dir or 'either'}): 'python3 -m venv' cannot seed pip on this host; users create venvs with {tool}")
            elif _at_least(version, (23, 1)):
                self.log.info(f"python3 has no WHEEL_PKG_DIR{' directory' if wheel_dir else ''}: 'python3 -m venv' seeds the pip {version} that ensurepip bundles, new enough for keyring-provider")
            else:
                self.log.info(f"warning: python3 has no WHEEL_PKG_DIR{' directory' if wheel_dir else ''}: 'python3 -m venv' seeds the pip {version} that ensurepip bundles, which ignores keyring-provider (needs >= 23.1), and Python's own files are left alone: users create venvs with {tool}")
            return
        last = _last_pip_wheel(wheel_dir)
        if not last:
            self.log.info(f"no pip wheel in {wheel_dir}: left as is")
            return
        if _at_least(wheel_version(last), (23, 1)):
            self.log.info(f"new venvs get {last} from {wheel_dir}: new enough for keyring-provider")
            return
        wheel = self.obtain_pip_wheel()
        name = os.path.basename(wheel)
        with open(wheel, "rb") as fh:
            data = fh.read()
        _copy_atomic(data, os.path.join(wheel_dir, name))
        self.changes += 1
        last = _last_pip_wheel(wheel_dir)
        if last == name:
            self.log.info(f"placed {name} in {wheel_dir}: new venvs are born with it")
        else:
            self.log.info(f"warning: placed {name} in {wheel_dir} but {last} sorts after it; new venvs keep {last}")

    def write_configs(self) -> None:
        for path, mode, content in config_files(self.s.index_url, self.s.upload_repo_url):
            self.changes += write_if_changed(path, mode, content, self.log)


def _copy_atomic(data: bytes, path: str) -> None:
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".pip-airlock.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        _unlink(tmp)
        raise LocalError(f"cannot write {path}: {err.strerror}") from None


def _last_pip_wheel(directory: str) -> str:
    names = sorted(n for n in os.listdir(directory) if n.startswith("pip-") and n.endswith(".whl"))
    return names[-1] if names else ""


def _at_least(version: str, minimum) -> bool:
    numbers = release(version.split("+")[0]) if version else None
    if numbers is None:
        import re
        m = re.match(r"[0-9]+(\.[0-9]+)*", version or "")
        numbers = release(m[0]) if m else None
    return numbers is not None and numbers >= minimum


def _readlink(path: str) -> Optional[str]:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _tail(text: str, lines: int = 5) -> str:
    return "\n".join("  | " + line for line in text.splitlines()[-lines:])


def run(settings, ctx) -> str:
    return Bootstrap(settings, ctx).run()
