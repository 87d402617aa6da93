"""The public host's mirror: on every boot, `pip download` the auth helpers with all transitive dependencies for
each target (the CPython, glibc and CPU of every VM image the stack runs or declares, each with its own wheel
platform tags and environment markers; plus the pip and the venv tool that bare private hosts bootstrap with),
and upload to the auth repo only the files it does not hold yet. Per target, it also publishes a bundle: that
target's whole closure as one wheel with a sha256-pinned manifest (bundle.py), which a private host fetches
with two requests and installs offline. Progress goes to the serial log, the outcome to guest attributes.

The token lives in this process's memory and in the environment of one child at a time (twine): never on a
command line, in a file, or in the log. Steps: validate, tools, token, download, upload, report. A failure
raises an AgentError; cli.py reports it (failed, failed-step) and powers off when STOP_WHEN_DONE."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import sys
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from . import bundle, sbom, signed_set
from .errors import LocalError, NotServedYet, Rejected, SettingsError, Unreachable, Unverifiable
from .fsutil import read_small, sha256_of, write_atomic
from .policy import Policy
from .runner import BASE_ENV
from .names import bundle_project, normalize, requirement_project, wheel_project, wheel_version

#: On disk, not in /tmp: Debian 13 mounts /tmp as a tmpfs of half the RAM (about 1 GB on an e2-small). A
#: directory of the product's own, emptied before and after each run.
WORK_DIR = "/var/lib/pip-airlock/mirror-work"
#: What the mirror has published, run after run (file name -> sha256), so that a file in the auth repo it did
#: not publish is told apart from one an earlier run did. Root's, on the public host's disk.
PUBLISHED_RECORD = "/var/lib/pip-airlock/mirror-published.json"
#: At most this many foreign file names in the guest attribute (all of them go to the log).
FOREIGN_ATTR_NAMES = 20
#: The exit status of a child its time bound ended (runner.TIMED_OUT, as timeout(1) reports it).
TIMED_OUT = 124
#: Extra time the runner allows apt-get beyond the dpkg lock wait (the download and the unpacking).
APT_EXTRA_SECONDS = 900


def _output(result) -> str:
    """A finished child's output (the runner merges stderr into it)."""
    out = getattr(result, "output", None)
    if out is None:
        out = (getattr(result, "stdout", None) or "") + (getattr(result, "stderr", None) or "")
    return out


def _ended(result, seconds: float) -> str:
    return f"timed out after {seconds:g}s" if result.returncode == TIMED_OUT else f"exit {result.returncode}"


def unpinned_requirements(pip_output: str) -> List[str]:
    """The requirements pip's "These do not:" list names (a lock that does not pin a dependency, under
    --require-hashes), each as `NAME (from WHAT)`: the lines after it indented by exactly four spaces, without
    the file's URL and the lock's path."""
    lines = pip_output.splitlines()
    for start, line in enumerate(lines):
        if "These do not:" in line:
            break
    else:
        return []
    found = []
    for line in lines[start:]:
        m = re.fullmatch(r" {4}([^ ].*)", line)
        if m:
            text = re.sub(r" from [a-z]*://[^ ]*", "", m.group(1), count=1)
            text = re.sub(r"->-r [^)]*\)", "", text, count=1)
            found.append(text)
    return found


def fresh_work_dir(path: str) -> None:
    """Makes `path` a new empty directory owned by this user (root), mode 0700. Whatever was there goes: a
    directory with its content (never following a link inside it), a link or another file itself (never
    what a link leads to). Its parent is created 0755 where missing."""
    parent = os.path.dirname(path.rstrip("/")) or "/"
    try:
        os.makedirs(parent, mode=0o755, exist_ok=True)
        remove_path(path)
        os.mkdir(path, 0o700)
        os.chmod(path, 0o700)
        st = os.lstat(path)
    except OSError as err:
        raise LocalError(f"cannot create the work directory {path}: {err}") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) != 0o700:
        raise LocalError(f"{path} is not a private directory of this user after creating it: refusing to use it")


def remove_path(path: str) -> None:
    """Removes `path`: a real directory with its tree (shutil.rmtree does not follow links inside it), anything
    else (a symbolic link, a file) itself."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _create_file(path: str, content: bytes, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)


def script_interpreter(script: str, which: Callable[[str], Optional[str]], default: str) -> str:
    """The interpreter a console script (twine) runs with: its `#!` line's program (through `env NAME`), when
    that can be found; else `default`."""
    try:
        with open(script, "rb") as fh:
            first = fh.readline(4096)
    except OSError:
        return default
    if not first.startswith(b"#!"):
        return default
    words = first[2:].decode("utf-8", "replace").split()
    if not words:
        return default
    program = words[0]
    if os.path.basename(program) == "env" and len(words) > 1:
        program = words[1]
    found = which(program) if "/" not in program else (program if os.access(program, os.X_OK) else None)
    return found or default


class Mirror:
    def __init__(self, settings, ctx, work_dir: str = WORK_DIR, python: Optional[str] = None,
                 which: Optional[Callable[[str], Optional[str]]] = None, published_record: str = PUBLISHED_RECORD,
                 policy: Optional[Policy] = None) -> None:
        self.s = settings
        self.published_record = published_record
        self.ctx = ctx
        self.log = ctx.log
        self.work_dir = work_dir
        #: The interpreter that runs pip (this one: the trampoline found it as python3).
        self.python = python or sys.executable
        #: Programs are found on the PATH the children get (the runner's).
        self.which = which or (lambda name: shutil.which(name, path=BASE_ENV["PATH"]))
        self.venv_project = requirement_project(settings.venv_tool)
        self.target_wheels: List[List[str]] = []
        self.upload_first: List[str] = []
        self.upload_last: List[str] = []
        self.projects: List[str] = []
        self.bundle_projects: List[str] = [bundle_project(t) for t in settings.mirrored_targets]
        self.bundles: List[str] = []
        self.sync_order: List[str] = []
        self.local_sha: Dict[str, str] = {}
        self.uploaded: Set[str] = set()
        #: Files a twine run of this mirror run reported stored (exit 0): never sent again while the listing lags,
        #: since AR refuses a duplicate upload with HTTP 400.
        self.stored: Set[str] = set()
        #: The policy before upload; its report holds every decision (policy.Report), which the SBOMs carry.
        self.policy = policy or Policy(settings, ctx)
        #: The index pip downloads from: the source, or the cooldown's loopback filter of it.
        self.index_url = settings.source_index_url
        self.version_name = f"{settings.signing_key}/cryptoKeyVersions/{settings.signing_key_version}"
        self.statement = b""
        self.signature = b""
        self.signed_set = ""
        self.foreign: List[str] = []

    # --- the run --------------------------------------------------------------------------------------
    def run(self) -> None:
        s, log = self.s, self.log
        log.step("validate")
        targets = " ".join(t.rsplit(":", 1)[0] for t in s.targets)
        log.info(f"mirroring {' '.join(s.packages) or '(lock)'} + {s.bootstrap_pip} + {s.venv_tool} for {len(s.targets)} "
                 f"target(s) ({targets}) from {s.source_index_url} to {s.auth_repo_index_url} ({s.ar_host})")
        self.ctx.attrs.publish("status", "running")

        log.step("tools")
        self.ensure_tools()

        log.step("token")
        self.ctx.retry.run("metadata token", self.ctx.metadata.token, log)

        log.step("download")
        fresh_work_dir(self.work_dir)
        try:
            with self.policy.download_index(s.source_index_url) as self.index_url:
                self.download()
            log.step("policy")
            self.policy.check(s.targets, self.target_wheels)
            log.step("upload")
            self.ctx.retry.run("upload to the auth repo", self.sync_auth_repo, log)
            log.step("report")
            self.report()
        finally:
            try:
                remove_path(self.work_dir)
            except OSError as err:
                log.info(f"warning: could not remove {self.work_dir}: {err}")

    # --- tools ----------------------------------------------------------------------------------------
    def missing_tools(self) -> List[str]:
        missing = []
        if self.ctx.run([self.python, "-I", "-c", "import pip"], timeout=60).returncode != 0:
            missing.append("python3-pip")
        if not self.which("twine"):
            missing.append("twine")
        return missing

    def ensure_tools(self) -> None:
        missing = self.missing_tools()
        if not missing:
            pip = _output(self.ctx.run([self.python, "-I", "-m", "pip", "--version"], timeout=60)).strip()
            twine = (_output(self.ctx.run([self.which("twine") or "twine", "--version"], timeout=60)).strip().splitlines() or [""])[0]
            self.log.info(f"tools present: {pip}, twine {twine}")
            return
        self.log.info(f"installing missing tools with apt-get: {' '.join(missing)}")
        if not self.which("apt-get"):
            raise LocalError(f"{', '.join(missing)} missing and no apt-get to install them: use a Debian image (hosts.publicImage)")
        lock = ["-o", f"DPkg::Lock::Timeout={self.s.dpkg_lock_timeout_seconds}"]
        self.ctx.retry.run("apt-get update", lambda: self.apt("update", lock + ["update", "-q"]), self.log)
        self.ctx.retry.run("apt-get install", lambda: self.apt("install", lock + ["install", "-y", "-q", "--no-install-recommends"] + missing), self.log)
        still = self.missing_tools()
        if still:
            raise LocalError(f"{', '.join(still)} still missing after apt-get install")

    def apt(self, what: str, args: List[str]) -> None:
        bound = self.s.dpkg_lock_timeout_seconds + APT_EXTRA_SECONDS
        done = self.ctx.run(["apt-get"] + args, env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=bound)
        if done.returncode != 0:
            self._log_output(done, tail=20)
            raise Unreachable(f"apt-get {what} failed ({_ended(done, bound)})")

    # --- download -------------------------------------------------------------------------------------
    def requirements(self) -> List[str]:
        if self.s.lock_content:
            return ["--require-hashes", "-r", os.path.join(self.work_dir, "lock.txt")]
        return list(self.s.packages) + [self.s.bootstrap_pip, self.s.venv_tool]

    def pip_download_argv(self, index: int, target: str) -> List[str]:
        python, arch, tags = target.split(":")
        platform_args: List[str] = []
        for tag in tags.split(","):
            platform_args += ["--platform", tag]
        return [self.python, "-I", self.ctx.agent_path, "target-pip", python, arch, "--", "download",
                "--no-cache-dir", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                "--timeout", str(self.s.pip_socket_timeout_seconds), "--retries", "2",
                "--index-url", self.index_url, "--dest", os.path.join(self.work_dir, "dist", str(index)),
                "--only-binary=:all:", "--implementation", "cp", "--python-version", python] + platform_args + self.requirements()

    def download_target(self, index: int, target: str) -> None:
        """One attempt at one target's closure, into a new dist/INDEX (what an attempt cut short left is gone)."""
        python, arch, tags = target.split(":")
        tag_list = tags.split(",")
        dest = os.path.join(self.work_dir, "dist", str(index))
        remove_path(dest)
        os.mkdir(dest, 0o700)
        self.log.info(f"pip download for CPython {python} on {arch} ({tag_list[0]} … {tag_list[-1]})")
        bound = self.s.download_timeout_seconds
        done = self.ctx.run(self.pip_download_argv(index, target), timeout=bound,
                            env={"PIP_CONFIG_FILE": os.devnull, "TMPDIR": os.path.join(self.work_dir, "tmp")})
        self._log_output(done)
        if done.returncode == 0:
            return
        unpinned = unpinned_requirements(_output(done)) if self.s.lock_content else []
        for line in unpinned:
            self.log.info(f"the lock does not pin {line} for CPython {python}: --require-hashes needs every dependency pinned; make the lock with recipes/make-lock.sh")
        if unpinned:
            raise SettingsError(f"LOCK_CONTENT: the lock does not pin every dependency for CPython {python} (pip download: {_ended(done, bound)})")
        self.policy.download_failed(_output(done), python)
        raise Unreachable(f"pip download for CPython {python} failed ({_ended(done, bound)})")

    def download(self) -> None:
        s, log = self.s, self.log
        for sub in ("dist", "tmp", "bundles"):
            os.mkdir(os.path.join(self.work_dir, sub), 0o700)
        if s.lock_content:
            _create_file(os.path.join(self.work_dir, "lock.txt"), (s.lock_content + "\n").encode("utf-8"))
            log.info("using the hash-pinned lock (--require-hashes)")
        for i, target in enumerate(s.targets):
            self.ctx.retry.run("pip download", lambda i=i, target=target: self.download_target(i, target), log)
        # Each target's closure, and every distinct file once: the same name from the same index is the same file.
        by_name: Dict[str, str] = {}
        for i, target in enumerate(s.targets):
            dest = os.path.join(self.work_dir, "dist", str(i))
            with os.scandir(dest) as entries:
                paths = sorted(os.path.join(dest, e.name) for e in entries if e.name.endswith(".whl") and e.is_file(follow_symlinks=False))
            if not paths:
                raise LocalError(f"pip download produced no wheel for {target.split(':')[0]}")
            self.target_wheels.append(paths)
            for path in paths:
                name = os.path.basename(path)
                sha = sha256_of(path)
                if name not in by_name:
                    by_name[name] = path
                    self.local_sha[name] = sha
                elif self.local_sha[name] != sha:
                    raise Unverifiable(f"two different files named {name} were downloaded")
        files = [by_name[name] for name in sorted(by_name)]

        # Upload order (see sync_auth_repo): dependencies first, then pip and the venv tool, then the bundles,
        # then the requested packages.
        top: Dict[str, int] = {"pip": 2}
        for requirement in s.packages:
            top[requirement_project(requirement)] = 3
        top[self.venv_project] = 2
        downloaded = {wheel_project(f) for f in files}
        for project in ("pip", self.venv_project):
            if project not in downloaded:
                raise LocalError(f"no {project} wheel was downloaded: private hosts need it (a lock must pin {project} too)")
        for rank in (1, 2, 3):
            for path in files:
                project = wheel_project(path)
                if top.get(project, 1) == rank:
                    (self.upload_first if rank < 3 else self.upload_last).append(path)
                    if project not in self.projects:
                        self.projects.append(project)
        log.info(f"downloaded {len(files)} wheels for {len(self.projects)} projects; {len(self.bundle_projects)} bundle(s): "
                 f"{' '.join(self.bundle_projects) or 'none'}")

    # --- upload ---------------------------------------------------------------------------------------
    def list_auth_repo(self) -> Dict[str, object]:
        """The auth repo's files of every project and bundle project, by file name."""
        remote: Dict[str, object] = {}
        for project in self.projects + self.bundle_projects + [signed_set.PROJECT]:
            for item in self.ctx.ar.project_files(self.s.auth_repo_index_url, project):
                remote[item.filename] = item
        return remote

    def sync_auth_repo(self) -> None:
        """One attempt: list the auth repo, upload with twine exactly the files it lacks, list again, and succeed
        only when every file is there with our sha256. AR answers a duplicate upload with HTTP 400 ("requested
        entity already exists"), so files already present are never sent (twine's --skip-existing is not relied
        on); after a partial failure the next attempt uploads only the rest. Order: the dependencies, pip and
        the venv tool, then each target's bundle, then the requested packages: a private host polling the auth
        repo sees a bundle only once all it holds is there too, and the requested packages only after their
        dependencies and the bundles."""
        log = self.log
        token = self.ctx.metadata.token()
        remote = self.list_auth_repo()
        listing = list(remote.values())
        self.bundles = []
        targets = []
        for project, target, wheels in zip(self.bundle_projects, self.s.mirrored_targets, self.target_wheels):
            path, present = bundle.plan(os.path.join(self.work_dir, "bundles"), project, target, wheels, listing,
                                        sbom=self.sbom_of(project, target, wheels))
            self.bundles.append(path)
            self.local_sha[os.path.basename(path)] = sha256_of(path)
            targets.append((target, os.path.basename(path)))
            if not present:
                log.info(f"bundle for {target}: {os.path.basename(path)} (new)")
        published = self.upload_first + self.bundles + self.upload_last
        path = self.sign(published, targets, listing)
        self.sync_order = published + [path]
        self.foreign = self.foreign_files(remote)
        missing: List[str] = []
        mismatched: List[str] = []
        for path in self.sync_order:
            name = os.path.basename(path)
            item = remote.get(name)
            if item is None:
                missing.append(path)
            elif item.sha256 and item.sha256 != self.local_sha[name]:
                log.info(f"auth repo holds {name} with sha256 {item.sha256}, expected {self.local_sha[name]}")
                mismatched.append(name)
        if mismatched:
            raise Unverifiable(f"the auth repo holds {len(mismatched)} file(s) with another sha256 ({' '.join(mismatched)}): "
                               "delete them from the auth repo (gcloud artifacts files delete), then start the host again")
        lagging = [os.path.basename(p) for p in missing if os.path.basename(p) in self.stored]
        missing = [p for p in missing if os.path.basename(p) not in self.stored]
        if missing:
            log.info(f"uploading {len(missing)} of {len(self.sync_order)} files to {self.s.auth_repo_upload_url}")
            self.uploaded.update(os.path.basename(p) for p in missing)
            self.twine_upload(missing, token)
            self.stored.update(os.path.basename(p) for p in missing)
        elif not lagging:
            return
        # Verify with a fresh listing before declaring success.
        remote = self.list_auth_repo()
        for path in self.sync_order:
            name = os.path.basename(path)
            item = remote.get(name)
            if item is None:
                raise NotServedYet(f"the auth repo does not list {name} after its upload yet")
            # No sha256 on the index: the file's presence is all that can be checked.
            if item.sha256 and item.sha256 != self.local_sha[name]:
                log.info(f"auth repo holds {name} with sha256 {item.sha256}, expected {self.local_sha[name]}")
                raise Unverifiable(f"the auth repo holds {name} with another sha256 after its upload")

    def sbom_of(self, project: str, target: str, wheels: Sequence[str]) -> bytes:
        report = self.policy.report
        publishers = {p: i for p, i in report.publishers.items() if i}
        # Only what holds of the files themselves: whether a publisher was first seen or unchanged is this
        # run's news (the log and the report say it), and would make the same closure another bundle.
        decisions = {n: [d for d in ds if not d.startswith("publisher ")] for n, ds in report.decisions.items()}
        return sbom.document(project, target, [(os.path.basename(w), self.local_sha[os.path.basename(w)]) for w in wheels],
                             decisions, report.upload_times, publishers)

    def sign(self, published: Sequence[str], targets: Sequence[Tuple[str, str]], listing) -> str:
        """The run's signed set (signed_set.py): the statement of every file published and each target's bundle,
        signed by KMS with SIGNING_KEY_VERSION (once a run: a retried upload reuses the signature). Returns
        its wheel's path."""
        names = [os.path.basename(p) for p in published]
        lock_sha = hashlib.sha256(self.s.lock_content.encode("utf-8")).hexdigest() if self.s.lock_content else ""
        statement = signed_set.statement_bytes(self.version_name, [(n, self.local_sha[n]) for n in names],
                                               [(t, n, self.local_sha[n]) for t, n in targets], lock_sha)
        if statement != self.statement:
            digest = hashlib.sha256(statement).digest()
            self.signature = self.ctx.kms.asymmetric_sign(self.version_name, digest)
            self.statement = statement
            self.log.info(f"signed the statement of {len(names)} files (sha256 {digest.hex()}) with {self.version_name}")
        path, present = signed_set.plan(os.path.join(self.work_dir, "bundles"), listing, self.statement, self.signature)
        name = os.path.basename(path)
        self.local_sha[name] = sha256_of(path)
        self.signed_set = name
        self.log.info(f"signed set: {name}{'' if present else ' (new)'}")
        return path

    def foreign_files(self, remote: Dict[str, object]) -> List[str]:
        """Files on the pages the mirror reads that neither this run nor an earlier one (the record) published:
        another writer's. Reported, never signed: hosts install only what the signed set names."""
        record = self.read_record()
        ours = {os.path.basename(p) for p in self.sync_order}
        foreign = []
        for name, item in remote.items():
            if name in ours:
                continue
            listed = getattr(item, "sha256", None)
            if name not in record or (listed and record[name] != listed):
                foreign.append(name)
        return sorted(foreign)

    def read_record(self) -> Dict[str, str]:
        text = read_small(self.published_record)
        if not text:
            return {}
        try:
            record = json.loads(text)
        except ValueError:
            self.log.info(f"warning: {self.published_record} is not JSON: every file of earlier runs counts as foreign this run")
            return {}
        return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(record, dict) else {}

    def write_record(self) -> None:
        record = self.read_record()
        before = dict(record)
        record.update({os.path.basename(p): self.local_sha[os.path.basename(p)] for p in self.sync_order})
        if record == before:
            return
        write_atomic(self.published_record, json.dumps(record, sort_keys=True, indent=0) + "\n", 0o600)

    def twine_command(self) -> List[str]:
        """twine, run by its own interpreter (the one its script names) through the twine-compat shim."""
        twine = self.which("twine")
        if not twine:
            raise LocalError("twine is not on PATH")
        interpreter = script_interpreter(twine, self.which, self.which("python3") or self.python)
        return [interpreter, "-I", self.ctx.agent_path, "twine-compat", "--"]

    def twine_upload(self, paths: Sequence[str], token: str) -> None:
        bound = self.s.upload_timeout_seconds
        argv = self.twine_command() + ["upload", "--non-interactive", "--disable-progress-bar",
                                       "--repository-url", self.s.auth_repo_upload_url] + list(paths)
        # twine sets no timeout of its own: a stalled upload is ended by the runner, and AR keeps no partial file.
        done = self.ctx.run(argv, timeout=bound, env={"TWINE_USERNAME": "oauth2accesstoken", "TWINE_PASSWORD": token,
                                                      "TWINE_NON_INTERACTIVE": "1"})
        self._log_output(done, secret=token)
        if done.returncode == 0:
            return
        denied = re.search(r"HTTPError: (401|403)\b", _output(done))
        if denied:
            status = int(denied.group(1))
            if status == 401:
                self.ctx.metadata.forget_token()
            else:
                raise Rejected(f"twine upload to {self.s.auth_repo_upload_url}: HTTP 403 (the public host may not write to the auth repo)", 403)
        raise Unreachable(f"twine upload failed ({_ended(done, bound)})")

    # --- report ---------------------------------------------------------------------------------------
    def manifest(self) -> str:
        lines = []
        for path in self.sync_order:
            name = os.path.basename(path)
            lines.append(f"{wheel_project(name)} {wheel_version(name)} {self.local_sha[name]} {name}\n")
        return "".join(lines)

    def report(self) -> None:
        log = self.log
        for path in self.sync_order:
            name = os.path.basename(path)
            how = "uploaded" if name in self.uploaded else "already-present"
            log.info(f"file {wheel_project(name)} {wheel_version(name)} sha256={self.local_sha[name]} {name} ({how})")
        self.ctx.attrs.publish("manifest", self.manifest())
        self.write_record()
        for name in self.foreign:
            log.info(f"foreign file in the auth repo: {name} (not published by this mirror: never signed, no host installs it; "
                     "find its writer in the audit log and delete it)")
        shown = " ".join(self.foreign[:FOREIGN_ATTR_NAMES]) + (" …" if len(self.foreign) > FOREIGN_ATTR_NAMES else "")
        self.ctx.attrs.publish("foreign-files", f"{len(self.foreign)}{': ' + shown if self.foreign else ''}")
        self.ctx.attrs.publish("signed-set", self.signed_set)
        log.current_step = "finished"
        self.ctx.attrs.publish("status", "ready")
        log.info(f"mirror ready: {len(self.sync_order)} files in the auth repo ({len(self.bundles)} of them bundles), "
                 f"{len(self.uploaded)} uploaded by this run")

    # --- helpers --------------------------------------------------------------------------------------
    def _log_output(self, done, tail: Optional[int] = None, secret: Optional[str] = None) -> None:
        lines = _output(done).splitlines()
        if tail is not None:
            lines = lines[-tail:]
        for line in lines:
            if secret:
                line = line.replace(secret, "****")
            self.log.info(line)


def run(settings, ctx, work_dir: str = WORK_DIR, python: Optional[str] = None,
        which: Optional[Callable[[str], Optional[str]]] = None, published_record: str = PUBLISHED_RECORD,
        policy: Optional[Policy] = None) -> None:
    """Today's mirror main(): returns when the auth repo holds every file (status ready published), raises an
    AgentError otherwise (cli.py reports it and powers off when STOP_WHEN_DONE)."""
    Mirror(settings, ctx, work_dir=work_dir, python=python, which=which, published_record=published_record, policy=policy).run()
