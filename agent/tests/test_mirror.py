"""mirror.run: the public host's mirror, in process. A fake runner plays pip, twine and apt-get; the auth repo is the
real ArtifactRegistry client over an in-memory PEP 503 repository (FakeRepo); the clock never sleeps. One test
drives this machine's real pip through the real zipapp's target-pip shim over a local file:// index."""
from __future__ import annotations

import hashlib
import html
import json
import os
import random
import re
import stat
import types
import zipapp
from typing import Dict, List, Optional

import pytest

from fakes import FakeClock, FakeRunner, logger
from wheels import SEEDS, real_shaped_virtualenv, virtualenv_wheel, wheel_bytes
from pip_airlock_agent import bundle, mirror, sbom, settings as settings_module, signed_set
from pip_airlock_agent.ar import ArtifactRegistry
from pip_airlock_agent.context import Context
from pip_airlock_agent.errors import LocalError, NotServedYet, Rejected, SettingsError, Unreachable, Unverifiable
from pip_airlock_agent.http import Response
from pip_airlock_agent.names import normalize, wheel_project
from pip_airlock_agent.retry import RetryPolicy
from pip_airlock_agent.runner import Completed, Runner

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT_DIR = os.path.dirname(HERE)
HOST = "us-central1-python.pkg.dev"
INDEX = f"https://{HOST}/airlock-example/pip-auth-repo/simple/"
UPLOAD = f"https://{HOST}/airlock-example/pip-auth-repo/"
TOKEN = "ya29.SECRET-TOKEN-VALUE"
AGENT = "/tmp/pip-airlock-agent.X/agent.pyz"
PYTHON = "/usr/bin/python3"
TARGET_311 = "3.11.2:x86_64:manylinux_2_36_x86_64,manylinux_2_17_x86_64,manylinux2014_x86_64"
TARGET_39 = "3.9.2:aarch64:manylinux_2_31_aarch64,manylinux2014_aarch64"
PURE = ["keyring-25.6.0-py3-none-any.whl", "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl",
        "jaraco.classes-3.4.0-py3-none-any.whl", "pip-25.0-py3-none-any.whl", "virtualenv-20.31.2-py3-none-any.whl"]
CLOSURES = {
    "3.11.2": PURE + ["cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
    "3.9.2": PURE + ["cffi-1.17.1-cp39-cp39-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
                     "importlib_metadata-8.0.0-py3-none-any.whl"],
}
#: The upload order: dependencies, then pip and the venv tool, then the bundles, then the requested packages.
FIRST = ["cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
         "cffi-1.17.1-cp39-cp39-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
         "importlib_metadata-8.0.0-py3-none-any.whl", "jaraco.classes-3.4.0-py3-none-any.whl",
         "pip-25.0-py3-none-any.whl", "virtualenv-20.31.2-py3-none-any.whl"]
LAST = ["keyring-25.6.0-py3-none-any.whl", "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl"]
BUNDLE_311 = "pip-airlock-bundle-py3-11-2-x86-64-glibc2-36"
BUNDLE_39 = "pip-airlock-bundle-py3-9-2-aarch64-glibc2-31"


def content(name: str) -> bytes:
    """A file's bytes as the fake pip downloads it: a real-shaped wheel for the virtualenv the pairing reads."""
    if name.startswith("virtualenv-"):
        return real_shaped_virtualenv(name.split("-")[1])
    return b"wheel bytes of " + name.encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_settings(**changes) -> dict:
    with open(os.path.join(HERE, "fixtures", "mirror.settings.json")) as fh:
        raw = json.load(fh)
    raw.update(TARGETS=[TARGET_311, TARGET_39], MIRRORED_TARGETS=["3.11.2:x86_64:2.36", "3.9.2:aarch64:2.31"])
    # The policy's checks off: these fakes play pip without an index (test_mirror_policy.py runs them).
    raw["POLICY"] = dict(raw["POLICY"], MIN_RELEASE_AGE_DAYS=0, VULNERABILITIES="off", PROVENANCE="off")
    raw.update(changes)
    return raw


# --- the fakes ------------------------------------------------------------------------------------------
class FakeRepo:
    """The auth repo: files by project, served as PEP 503 pages to the real ArtifactRegistry client."""

    def __init__(self) -> None:
        self.files: Dict[str, Dict[str, Optional[str]]] = {}  # project -> filename -> sha256 (None: not on the page)
        self.uploads: List[str] = []
        self.fail_listings: List[Response] = []  # answers to the next page requests
        self.lag: Dict[str, int] = {}  # file -> how many more pages leave it out (AR's listing lagging)
        self.requests = 0

    def put(self, filename: str, data: Optional[bytes] = None, digest: Optional[str] = "auto") -> None:
        if digest == "auto":
            digest = sha(data if data is not None else content(filename))
        self.files.setdefault(wheel_project(filename), {})[filename] = digest

    def request(self, method, url, headers=None, body=None, timeout=60, dest=None):
        self.requests += 1
        assert headers["Authorization"].startswith("Basic ")
        if self.fail_listings:
            return self.fail_listings.pop(0)
        assert method == "GET" and url.startswith(INDEX) and url.endswith("/")
        project = url[len(INDEX):-1]
        files = {}
        for n, d in self.files.get(project, {}).items():
            if self.lag.get(n, 0) > 0:
                self.lag[n] -= 1
                continue
            files[n] = d
        if not files:
            return Response(404, {}, b"")
        links = "".join(f'<a href="../../files/{html.escape(n)}{"#sha256=" + d if d else ""}">{html.escape(n)}</a>\n'
                        for n, d in sorted(files.items()))
        return Response(200, {"content-type": "text/html"}, f"<html><body>{links}</body></html>".encode())


class FakeMetadata:
    def __init__(self) -> None:
        self.tokens = 0
        self.forgotten = 0

    def token(self) -> str:
        self.tokens += 1
        return TOKEN

    def forget_token(self) -> None:
        self.forgotten += 1


class FakeKms:
    """KMS's asymmetricSign, deterministic as RSASSA-PKCS1-v1_5 is: the 'signature' is a keyed digest."""

    def __init__(self) -> None:
        self.signed: List[tuple] = []
        self.answers: List[Exception] = []

    def asymmetric_sign(self, version_name: str, digest: bytes) -> bytes:
        self.signed.append((version_name, digest))
        if self.answers:
            raise self.answers.pop(0)
        return hashlib.sha256(b"key " + version_name.encode() + digest).digest() * 12


class FakeAttrs:
    def __init__(self) -> None:
        self.published: List[tuple] = []

    def publish(self, key: str, value: str) -> None:
        self.published.append((key, value))


class Host:
    """The public host as the fakes play it: pip writes each target's closure, twine stores into the repo."""

    def __init__(self, tmp_path, raw: Optional[dict] = None) -> None:
        self.tmp = tmp_path
        self.work_dir = str(tmp_path / "var" / "lib" / "pip-airlock" / "mirror-work")
        self.settings = settings_module.parse(raw or raw_settings(), "mirror")
        self.repo = FakeRepo()
        self.clock = FakeClock()
        self.log, self.stream = logger("mirror", self.clock)
        self.metadata = FakeMetadata()
        self.attrs = FakeAttrs()
        self.closures = {k: list(v) for k, v in CLOSURES.items()}
        self.contents: Dict[str, bytes] = {}  # per-target overrides "PYTHON/NAME"
        self.pip_answers: List[Completed] = []  # answers to the next pip runs (then: success)
        self.twine_answers: List[tuple] = []  # (files to store before failing, Completed)
        self.apt_answers: List[int] = []
        self.tools = {"pip": True, "twine": True}
        self.seen: List[dict] = []  # what each child saw of the work dir
        twine = tmp_path / "bin" / "twine"
        twine.parent.mkdir(parents=True)
        twine.write_text("#!/usr/bin/env python3.11\n# -*- coding: utf-8 -*-\nfrom twine.__main__ import main\n")
        self.programs = {"twine": str(twine), "python3.11": "/usr/bin/python3.11", "python3": PYTHON, "apt-get": "/usr/bin/apt-get"}
        self.runner = FakeRunner(self.answer)
        self.retry = RetryPolicy(3, 30, 120, self.clock, random.Random(7))
        ar = ArtifactRegistry(HOST, self.metadata.token, self.repo, self.clock)
        self.kms = FakeKms()
        self.record = str(tmp_path / "mirror-published.json")
        self.ctx = Context(self.log, self.clock, self.metadata, self.attrs, ar, self.retry, self.runner, AGENT, kms=self.kms)

    def repo_sha(self, name: str) -> str:
        return next(files[name] for files in self.repo.files.values() if name in files)

    def signed_set_name(self) -> str:
        return next(value for key, value in self.attrs.published if key == "signed-set")

    def which(self, name):
        if name == "twine" and not self.tools["twine"]:
            return None
        return self.programs.get(name)

    def run(self):
        return mirror.run(self.settings, self.ctx, work_dir=self.work_dir, python=PYTHON, which=self.which, published_record=self.record)

    @property
    def lines(self) -> List[str]:
        return [re.sub(r"^\S+ pip-airlock-mirror ", "", line) for line in self.stream.getvalue().splitlines()]

    def calls(self, kind: str) -> List[tuple]:
        return [(argv, kw) for argv, kw in self.runner.calls if self.kind(argv) == kind]

    @staticmethod
    def kind(argv) -> str:
        if "target-pip" in argv:
            return "pip"
        if "twine-compat" in argv:
            return "twine"
        if argv[0] == "apt-get":
            return "apt"
        return "other"

    def answer(self, argv, kwargs) -> Completed:
        kind = self.kind(argv)
        if kind == "pip":
            return self.pip(argv, kwargs)
        if kind == "twine":
            return self.twine(argv, kwargs)
        if kind == "apt":
            rc = self.apt_answers.pop(0) if self.apt_answers else 0
            if rc == 0 and "install" in argv:
                self.tools.update(pip=True, twine=True)
            return Completed(argv, rc, "E: Could not get lock" if rc else "ok")
        if argv[1:] == ["-I", "-c", "import pip"]:
            return Completed(argv, 0 if self.tools["pip"] else 1, "")
        if argv[1:] == ["-I", "-m", "pip", "--version"]:
            return Completed(argv, 0, "pip 25.1.1 from /usr/lib/python3/dist-packages/pip (python 3.13)\n")
        if argv[1:] == ["--version"]:
            return Completed(argv, 0, "twine version 6.1.0 (pkginfo: 1.12.0)\nmore\n")
        raise AssertionError(f"unexpected command {argv}")

    def pip(self, argv, kwargs) -> Completed:
        dest = argv[argv.index("--dest") + 1]
        python = argv[argv.index("--python-version") + 1]
        self.seen.append({"dest_listing": sorted(os.listdir(dest)),
                          "lock": open(os.path.join(self.work_dir, "lock.txt")).read() if os.path.exists(os.path.join(self.work_dir, "lock.txt")) else None,
                          "mode": stat.S_IMODE(os.lstat(self.work_dir).st_mode)})
        if self.pip_answers:
            done = self.pip_answers.pop(0)
            with open(os.path.join(dest, "partial-1.0-py3-none-any.whl"), "wb") as fh:  # what a cut-short run leaves
                fh.write(b"partial")
            return Completed(argv, done.returncode, done.output)
        saved = []
        for name in self.closures[python]:
            with open(os.path.join(dest, name), "wb") as fh:
                fh.write(self.contents.get(f"{python}/{name}", content(name)))
            saved.append(f"Saved {dest}/{name}")
        return Completed(argv, 0, "\n".join(saved + ["Successfully downloaded ..."]) + "\n")

    def twine(self, argv, kwargs) -> Completed:
        files = argv[argv.index("--repository-url") + 2:]
        stored, done = len(files), Completed(argv, 0, "Uploading distributions to " + UPLOAD + "\n")
        if self.twine_answers:
            stored, done = self.twine_answers.pop(0)
        for path in files[:stored]:
            if any(os.path.basename(path) in names for names in self.repo.files.values()):
                # AR refuses a second upload of a file it holds, even while its listing lags.
                return Completed(argv, 1, f"ERROR    HTTPError: 400 Bad Request from {UPLOAD}\n         requested entity already exists\n")
            with open(path, "rb") as fh:
                data = fh.read()
            self.repo.put(os.path.basename(path), data)
            self.repo.uploads.append(os.path.basename(path))
        return Completed(argv, done.returncode, done.output)


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


def bundle_names(h: Host) -> List[str]:
    return sorted(n for n in h.repo.uploads if n.startswith("pip_airlock_bundle"))


# --- a first run, and a second -------------------------------------------------------------------------
def test_first_run_uploads_everything_in_order(host):
    host.run()
    twine = host.calls("twine")
    assert len(twine) == 1
    argv, kwargs = twine[0]
    assert argv[:5] == ["/usr/bin/python3.11", "-I", AGENT, "twine-compat", "--"]
    assert argv[5:10] == ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", UPLOAD]
    sent = [os.path.basename(p) for p in argv[10:]]
    assert sent[:6] == FIRST and sent[8:10] == LAST
    assert re.fullmatch(r"pip_airlock_signed_set-1\.[0-9]+-py3-none-any\.whl", sent[10])  # last: it names them all
    assert [wheel_project(n) for n in sent[6:8]] == [BUNDLE_311, BUNDLE_39]
    assert kwargs["timeout"] == 600
    assert kwargs["env"] == {"TWINE_USERNAME": "oauth2accesstoken", "TWINE_PASSWORD": TOKEN, "TWINE_NON_INTERACTIVE": "1"}
    # the token: only in twine's environment
    for call_argv, call_kwargs in host.runner.calls:
        assert TOKEN not in " ".join(call_argv)
        if call_argv is not argv:
            assert TOKEN not in json.dumps(call_kwargs.get("env") or {})
    assert TOKEN not in host.stream.getvalue()
    assert TOKEN not in json.dumps(host.attrs.published)
    # the report
    assert host.attrs.published[0] == ("status", "running")
    assert host.attrs.published[-1] == ("status", "ready")
    assert [k for k, _ in host.attrs.published].count("manifest") == 1
    manifest = dict(host.attrs.published)["manifest"]
    rows = [line.split(" ") for line in manifest.splitlines()]
    assert [r[3] for r in rows] == sent
    assert rows[0] == ["cffi", "1.17.1", sha(content(FIRST[0])), FIRST[0]]
    assert rows[-2] == ["keyrings-google-artifactregistry-auth", "1.1.2", sha(content(LAST[1])), LAST[1]]
    assert rows[6][:2] == [BUNDLE_311, "1." + str(bundle_id(host, 0))]
    lines = host.lines
    assert f"[report] file cffi 1.17.1 sha256={sha(content(FIRST[0]))} {FIRST[0]} (uploaded)" in lines
    assert lines[-1] == "[finished] mirror ready: 11 files in the auth repo (2 of them bundles), 11 uploaded by this run"
    assert "[upload] uploading 11 of 11 files to " + UPLOAD in lines
    assert any(line.startswith(f"[upload] bundle for 3.11.2:x86_64:2.36: pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.") and line.endswith(" (new)") for line in lines)
    assert "[download] downloaded 8 wheels for 7 projects; 2 bundle(s): " + f"{BUNDLE_311} {BUNDLE_39}" in lines
    assert not os.path.lexists(host.work_dir)  # emptied after the run


def policy_off(names) -> Dict[str, List[str]]:
    """The decisions the SBOM carries for each file with the policy off (raw_settings)."""
    return {n: ["kept: no cooldown (POLICY.MIN_RELEASE_AGE_DAYS 0)", "vulnerabilities not checked (POLICY.VULNERABILITIES off)",
                "provenance not checked (POLICY.PROVENANCE off)"] for n in names}


def bundle_id(h: Host, index: int) -> int:
    python = ["3.11.2", "3.9.2"][index]
    target = ["3.11.2:x86_64:2.36", "3.9.2:aarch64:2.31"][index]
    d = h.tmp / f"closure{index}"
    d.mkdir(exist_ok=True)
    paths = []
    for name in CLOSURES[python]:
        (d / name).write_bytes(content(name))
        paths.append(str(d / name))
    document = sbom.document([BUNDLE_311, BUNDLE_39][index], target, [(n, sha(content(n))) for n in CLOSURES[python]],
                             policy_off(CLOSURES[python]), {}, {})
    return bundle.closure_id(target, paths, document)


def test_the_log_lines_users_grep(host):
    host.run()
    lines = host.lines
    assert lines[:3] == [
        "[validate] step: validate",
        f"[validate] mirroring keyring keyrings.google-artifactregistry-auth + pip>=23.1 + virtualenv for 2 target(s) "
        f"(3.11.2:x86_64 3.9.2:aarch64) from https://pypi.org/simple/ to {INDEX} ({HOST})",
        "[tools] step: tools",
    ]
    assert "[tools] tools present: pip 25.1.1 from /usr/lib/python3/dist-packages/pip (python 3.13), twine twine version 6.1.0 (pkginfo: 1.12.0)" in lines
    assert "[download] pip download for CPython 3.11.2 on x86_64 (manylinux_2_36_x86_64 … manylinux2014_x86_64)" in lines
    assert "[download] pip download for CPython 3.9.2 on aarch64 (manylinux_2_31_aarch64 … manylinux2014_aarch64)" in lines
    steps = [line.split("step: ")[1] for line in lines if "step: " in line]
    assert steps == ["validate", "tools", "token", "download", "policy", "upload", "report"]


def test_pip_download_argv_and_environment(host):
    host.run()
    pip = host.calls("pip")
    assert len(pip) == 2
    argv, kwargs = pip[0]
    assert argv == [PYTHON, "-I", AGENT, "target-pip", "3.11.2", "x86_64", "--", "download",
                    "--no-cache-dir", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                    "--timeout", "60", "--retries", "2", "--index-url", "https://pypi.org/simple/",
                    "--dest", os.path.join(host.work_dir, "dist", "0"),
                    "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11.2",
                    "--platform", "manylinux_2_36_x86_64", "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
                    "keyring", "keyrings.google-artifactregistry-auth", "pip>=23.1", "virtualenv"]
    assert kwargs == {"timeout": 900, "env": {"PIP_CONFIG_FILE": os.devnull, "TMPDIR": os.path.join(host.work_dir, "tmp")}}
    assert pip[1][0][pip[1][0].index("--dest") + 1] == os.path.join(host.work_dir, "dist", "1")
    assert all(seen["mode"] == 0o700 for seen in host.seen)


def test_second_run_uploads_nothing(host, tmp_path):
    host.run()
    first_uploads = list(host.repo.uploads)
    again = Host(tmp_path / "again")
    again.repo = host.repo
    again.ctx.ar.transport = host.repo
    again.run()
    assert again.calls("twine") == []
    assert host.repo.uploads == first_uploads
    assert again.lines[-1] == "[finished] mirror ready: 11 files in the auth repo (2 of them bundles), 0 uploaded by this run"
    assert len(again.kms.signed) == 1  # signed again (deterministic): the same signed set, already there
    assert all(line.endswith("(already-present)") for line in again.lines if line.startswith("[report] file "))
    assert dict(again.attrs.published)["manifest"] == dict(host.attrs.published)["manifest"]  # the same manifest


def test_only_missing_files_are_uploaded(host):
    for name in FIRST[:3]:
        host.repo.put(name)
    host.repo.put(LAST[0], digest=None)  # no sha256 on the page: present is all that can be said
    host.run()
    sent = [os.path.basename(p) for p in host.calls("twine")[0][0][10:]]
    assert sent[:3] == FIRST[3:] and sent[-2:-1] == LAST[1:]
    assert "[upload] uploading 7 of 11 files to " + UPLOAD in host.lines
    assert host.lines[-1].endswith("7 uploaded by this run")
    assert f"[report] file cffi 1.17.1 sha256={sha(content(FIRST[0]))} {FIRST[0]} (already-present)" in host.lines


def test_a_new_closure_is_a_new_bundle_version_above_the_old(host):
    old = "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-4.123-py3-none-any.whl"
    host.repo.put(old, b"an older closure")
    host.run()
    new = [n for n in host.repo.uploads if n.startswith("pip_airlock_bundle_py3_11_2")]
    assert new == [f"pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-5.{bundle_id(host, 0)}-py3-none-any.whl"]


def test_without_mirrored_targets_there_is_no_bundle(tmp_path):
    h = Host(tmp_path, raw_settings(MIRRORED_TARGETS=[]))
    h.run()
    assert bundle_names(h) == []
    assert "[download] downloaded 8 wheels for 7 projects; 0 bundle(s): none" in h.lines
    assert h.lines[-1] == "[finished] mirror ready: 9 files in the auth repo (0 of them bundles), 9 uploaded by this run"


def test_the_venv_tool_in_packages_goes_with_pip(tmp_path):
    h = Host(tmp_path, raw_settings(PACKAGES=["keyring", "virtualenv"], MIRRORED_TARGETS=[]))
    h.run()
    sent = [os.path.basename(p) for p in h.calls("twine")[0][0][10:]]
    assert sent.index("virtualenv-20.31.2-py3-none-any.whl") < sent.index("keyring-25.6.0-py3-none-any.whl")
    assert sent[-2] == "keyring-25.6.0-py3-none-any.whl"


# --- failures of the upload ----------------------------------------------------------------------------
def test_a_file_with_another_sha256_in_the_repo_is_permanent(host):
    host.repo.put(FIRST[4], digest="0" * 64)
    with pytest.raises(Unverifiable, match=r"the auth repo holds 1 file\(s\) with another sha256 \(pip-25.0-py3-none-any.whl\)"):
        host.run()
    assert host.calls("twine") == []
    assert f"[upload] auth repo holds {FIRST[4]} with sha256 {'0' * 64}, expected {sha(content(FIRST[4]))}" in host.lines
    assert host.clock.sleeps == []  # not retried
    assert not os.path.lexists(host.work_dir)


def test_a_partial_upload_is_completed_by_the_next_attempt(host):
    host.twine_answers = [(4, Completed([], 1, "ERROR    HTTPError: 503 Service Unavailable from " + UPLOAD))]
    host.run()
    twine = host.calls("twine")
    assert len(twine) == 2
    assert len(twine[0][0][10:]) == 11 and len(twine[1][0][10:]) == 7
    assert sorted(host.repo.uploads) == sorted(set(host.repo.uploads))  # nothing twice (AR refuses a duplicate)
    assert len(host.clock.sleeps) == 1
    assert any("upload to the auth repo: attempt 1/3 failed (twine upload failed (exit 1))" in line for line in host.lines)
    assert host.lines[-1].endswith("11 uploaded by this run")


def test_a_listing_that_lags_after_the_upload_is_waited_for(host):
    host.repo.lag = {LAST[1]: 1}  # the page leaves it out once after its upload
    host.run()
    assert any("the auth repo does not list " + LAST[1] + " after its upload yet" in line for line in host.lines)
    assert len(host.calls("twine")) == 1  # the next attempt found it: nothing uploaded twice
    assert len(host.clock.sleeps) == 1


def test_the_lag_outlasting_every_attempt_fails(host):
    host.repo.lag = {LAST[1]: 100}
    with pytest.raises(NotServedYet):
        host.run()
    # The later attempts wait for the listing: the file twine stored is never sent again (AR would answer 400).
    assert len(host.calls("twine")) == 1
    assert len(host.clock.sleeps) == 2
    assert host.repo.uploads.count(LAST[1]) == 1


def test_a_forbidden_upload_is_not_retried(host):
    host.twine_answers = [(0, Completed([], 1, "Uploading distributions to x\nERROR    HTTPError: 403 Forbidden from " + UPLOAD + "\n         Forbidden"))]
    with pytest.raises(Rejected, match="HTTP 403"):
        host.run()
    assert len(host.calls("twine")) == 1 and host.clock.sleeps == []


def test_an_unauthorized_upload_retries_with_a_new_token(host):
    host.twine_answers = [(0, Completed([], 1, "ERROR    HTTPError: 401 Unauthorized from " + UPLOAD))]
    host.run()
    assert host.metadata.forgotten == 1
    assert len(host.calls("twine")) == 2


def test_a_token_twine_prints_is_hidden(host):
    host.twine_answers = [(11, Completed([], 0, f"debug: password {TOKEN}\n"))]
    host.run()
    assert TOKEN not in host.stream.getvalue()
    assert "[upload] debug: password ****" in host.lines


def test_a_throttled_listing_is_retried(host):
    host.repo.fail_listings = [Response(429, {"retry-after": "7"}, b"")]
    host.run()
    assert host.clock.sleeps and host.clock.sleeps[0] >= 7
    assert any("Retry-After 7s" in line for line in host.lines)


def test_a_rejected_listing_fails_at_upload(host):
    host.repo.fail_listings = [Response(403, {}, b"")]
    with pytest.raises(Rejected):
        host.run()
    assert host.log.current_step == "upload"


def test_the_twine_interpreter_is_the_one_its_script_names(host):
    (host.tmp / "bin" / "twine").write_text("#!/opt/twine/bin/python3 -sE\nimport twine\n")
    host.programs["twine"] = str(host.tmp / "bin" / "twine")
    host.run()
    # /opt/twine/bin/python3 does not exist here: python3 from PATH, as the shell's twine_upload did
    assert host.calls("twine")[0][0][0] == PYTHON


@pytest.mark.parametrize("first_line, expected", [
    (b"#!/usr/bin/env python3.11\n", "/found/python3.11"),
    (b"#!/usr/bin/env  python3\n", "/found/python3"),
    (b"#!EXE -sE\n", "EXE"),
    (b"#! EXE\n", "EXE"),
    (b"#!/no/such/python\n", "DEFAULT"),
    (b"#!/usr/bin/env nosuch\n", "DEFAULT"),
    (b"\x7fELF binary", "DEFAULT"),
    (b"#!\n", "DEFAULT"),
    (b"", "DEFAULT"),
])
def test_script_interpreter(tmp_path, first_line, expected):
    exe = tmp_path / "python"
    exe.write_text("")
    exe.chmod(0o755)
    script = tmp_path / "twine"
    script.write_bytes(first_line.replace(b"EXE", str(exe).encode()) + b"rest\n")
    which = {"python3.11": "/found/python3.11", "python3": "/found/python3"}.get
    assert mirror.script_interpreter(str(script), which, "DEFAULT") == expected.replace("EXE", str(exe))
    assert mirror.script_interpreter(str(tmp_path / "missing"), which, "DEFAULT") == "DEFAULT"


# --- failures of the download --------------------------------------------------------------------------
def test_a_failed_download_is_retried_from_a_clean_directory(host):
    host.pip_answers = [Completed([], 1, "ERROR: Could not fetch URL https://pypi.org/simple/keyring/: connection reset")]
    host.run()
    assert len(host.calls("pip")) == 3
    assert host.seen[1]["dest_listing"] == []  # what the failed attempt left is gone
    assert any(line == "[download] pip download: attempt 1/3 failed (pip download for CPython 3.11.2 failed (exit 1)); retrying in "
               + line.rsplit(" ", 1)[1] for line in host.lines)
    assert "[download] ERROR: Could not fetch URL https://pypi.org/simple/keyring/: connection reset" in host.lines
    assert "partial-1.0-py3-none-any.whl" not in " ".join(host.repo.uploads)


def test_a_download_past_its_time_fails_after_every_attempt(host):
    host.pip_answers = [Completed([], 124, "(ended after 900s)")] * 3
    with pytest.raises(Unreachable, match=r"pip download for CPython 3.11.2 failed \(timed out after 900s\)"):
        host.run()
    assert host.log.current_step == "download"
    assert not os.path.lexists(host.work_dir)


def test_no_wheel_downloaded(host):
    host.closures["3.9.2"] = []
    with pytest.raises(LocalError, match="pip download produced no wheel for 3.9.2"):
        host.run()


@pytest.mark.parametrize("drop, project", [("pip-25.0-py3-none-any.whl", "pip"), ("virtualenv-20.31.2-py3-none-any.whl", "virtualenv")])
def test_pip_and_the_venv_tool_must_be_downloaded(host, drop, project):
    for python in host.closures:
        host.closures[python].remove(drop)
    with pytest.raises(LocalError, match=f"no {project} wheel was downloaded: private hosts need it \\(a lock must pin {project} too\\)"):
        host.run()


def test_two_different_files_with_one_name_are_refused(host):
    host.contents["3.9.2/keyring-25.6.0-py3-none-any.whl"] = b"other bytes"
    with pytest.raises(Unverifiable, match="two different files named keyring-25.6.0-py3-none-any.whl were downloaded"):
        host.run()
    assert host.calls("twine") == []


# --- the lock --------------------------------------------------------------------------------------------
LOCK = "keyring==25.6.0 --hash=sha256:" + "a" * 64 + "\npip==25.0 --hash=sha256:" + "b" * 64


def test_the_lock_is_what_pip_downloads(tmp_path):
    h = Host(tmp_path, raw_settings(LOCK_CONTENT=LOCK))
    h.run()
    argv = h.calls("pip")[0][0]
    assert argv[-3:] == ["--require-hashes", "-r", os.path.join(h.work_dir, "lock.txt")]
    assert "keyring" not in argv
    assert h.seen[0]["lock"] == LOCK + "\n"
    assert "[download] using the hash-pinned lock (--require-hashes)" in h.lines


PIP_UNPINNED = """Collecting keyring==25.6.0
  Using cached keyring-25.6.0-py3-none-any.whl (39 kB)
Collecting jaraco.context
ERROR: In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:
    jaraco.context from https://files.pythonhosted.org/packages/ff/jaraco.context-6.0.1-py3-none-any.whl (from keyring==25.6.0->-r /var/lib/pip-airlock/mirror-work/lock.txt (line 1))
    importlib_metadata>=4.11.4 from https://files.pythonhosted.org/packages/aa/importlib_metadata-8.7.0-py3-none-any.whl (from keyring==25.6.0->-r /var/lib/pip-airlock/mirror-work/lock.txt (line 1))
     continuation indented by five
"""


@pytest.mark.parametrize("output, expected", [
    (PIP_UNPINNED, ["jaraco.context (from keyring==25.6.0)", "importlib_metadata>=4.11.4 (from keyring==25.6.0)"]),
    ("ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.\n    keyring==25.6.0 from https://x/k.whl:\n", []),
    ("    indented but no list\n", []),
    ("These do not:\n    b from file:///w/b-1.0-py3-none-any.whl (from a==1.0->-r /w/lock.txt (line 1))\n", ["b (from a==1.0)"]),
])
def test_unpinned_requirements(output, expected):
    assert mirror.unpinned_requirements(output) == expected


def test_a_lock_that_does_not_pin_a_dependency_fails_at_once(tmp_path):
    h = Host(tmp_path, raw_settings(LOCK_CONTENT=LOCK))
    h.pip_answers = [Completed([], 1, PIP_UNPINNED)]
    with pytest.raises(SettingsError, match="LOCK_CONTENT: the lock does not pin every dependency for CPython 3.11.2"):
        h.run()
    assert len(h.calls("pip")) == 1 and h.clock.sleeps == []
    assert ("[download] the lock does not pin jaraco.context (from keyring==25.6.0) for CPython 3.11.2: --require-hashes "
            "needs every dependency pinned; make the lock with recipes/make-lock.sh") in h.lines
    assert ("[download] the lock does not pin importlib_metadata>=4.11.4 (from keyring==25.6.0) for CPython 3.11.2: "
            "--require-hashes needs every dependency pinned; make the lock with recipes/make-lock.sh") in h.lines


def test_without_a_lock_the_these_do_not_list_is_not_explained(host):
    host.pip_answers = [Completed([], 1, PIP_UNPINNED)] * 3
    with pytest.raises(Unreachable):
        host.run()
    assert not any("the lock does not pin" in line for line in host.lines)


# --- tools ---------------------------------------------------------------------------------------------
def test_missing_tools_are_installed_with_apt(host):
    host.tools.update(pip=False, twine=False)
    host.apt_answers = [100]  # the dpkg lock held past its wait: retried
    host.run()
    apt = host.calls("apt")
    assert [a for a, _ in apt] == [
        ["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-q"],
        ["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-q"],
        ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "--no-install-recommends", "python3-pip", "twine"],
    ]
    assert all(kw["env"] == {"DEBIAN_FRONTEND": "noninteractive"} and kw["timeout"] == 600 + mirror.APT_EXTRA_SECONDS for _, kw in apt)
    assert "[tools] installing missing tools with apt-get: python3-pip twine" in host.lines
    assert any("apt-get update: attempt 1/3 failed (apt-get update failed (exit 100))" in line for line in host.lines)
    assert host.lines[-1].endswith("11 uploaded by this run")


def test_tools_still_missing_after_apt(host):
    host.tools["twine"] = False
    host.programs["twine"] = None
    with pytest.raises(LocalError, match="twine still missing after apt-get install"):
        host.run()
    assert host.log.current_step == "tools"


def test_no_apt_get(host):
    host.tools["pip"] = False
    host.programs["apt-get"] = None
    with pytest.raises(LocalError, match="python3-pip missing and no apt-get"):
        host.run()


# --- the work directory ----------------------------------------------------------------------------------
@pytest.mark.parametrize("existing", ["none", "dir", "symlink-to-dir", "dangling-symlink", "file"])
def test_the_work_directory_is_new_and_private(tmp_path, existing):
    path = str(tmp_path / "state" / "mirror-work")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious").write_text("keep")
    os.makedirs(os.path.dirname(path))
    if existing == "dir":
        os.makedirs(os.path.join(path, "dist", "0"))
        os.symlink(str(elsewhere), os.path.join(path, "dist", "link"))
        open(os.path.join(path, "old.whl"), "w").close()
    elif existing == "symlink-to-dir":
        os.symlink(str(elsewhere), path)
    elif existing == "dangling-symlink":
        os.symlink(str(tmp_path / "nowhere"), path)
    elif existing == "file":
        open(path, "w").close()
    mirror.fresh_work_dir(path)
    st = os.lstat(path)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
    assert os.listdir(path) == []
    assert (elsewhere / "precious").read_text() == "keep" and os.listdir(elsewhere) == ["precious"]
    assert not (tmp_path / "nowhere").exists()


def test_the_work_directory_goes_after_a_failure(host):
    host.closures["3.11.2"] = []
    with pytest.raises(LocalError):
        host.run()
    assert not os.path.lexists(host.work_dir)


# --- with this machine's real pip, through the real zipapp ----------------------------------------------
def make_wheel(directory, name, version, requires=()):
    """A wheel file; a virtualenv one is real-shaped, its seed directory as 21.14.1's (pip 26.0.1 for CPython 3.9,
    26.2.1 for 3.10+), for the mirror's pairing to read."""
    path = os.path.join(directory, f"{name}-{version}-py3-none-any.whl")
    with open(path, "wb") as fh:
        fh.write(virtualenv_wheel(version, SEEDS["21.14.1"]) if name == "virtualenv" else wheel_bytes(name, version, {f"{name}.py": b""}, requires))
    return path


@pytest.fixture
def local_index(tmp_path):
    """A PEP 503 index in files (file://), as pip reads one: each project a directory with an index.html."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    paths = [make_wheel(str(wheels), "top", "1.0", ["dep", 'old; python_version < "3.10"']),
             make_wheel(str(wheels), "dep", "1.0"), make_wheel(str(wheels), "old", "1.0"),
             make_wheel(str(wheels), "pip", "99.0"), make_wheel(str(wheels), "virtualenv", "99.0"),
             make_wheel(str(wheels), "keyring", "25.7.0")]
    simple = tmp_path / "simple"
    for path in paths:
        name = os.path.basename(path)
        project = simple / normalize(name.split("-")[0])
        project.mkdir(parents=True)
        digest = sha(open(path, "rb").read())
        (project / "index.html").write_text(f'<html><body><a href="file://{path}#sha256={digest}">{name}</a></body></html>')
    return "file://" + str(simple) + "/", {os.path.basename(p): sha(open(p, "rb").read()) for p in paths}


class RealPip(Runner):
    """pip for real (the zipapp's target-pip); twine and the rest from the fake host."""

    def __init__(self, host: Host, agent_pyz: str) -> None:
        self.host = host
        self.agent_pyz = agent_pyz

    def run(self, argv, **kwargs):
        if "target-pip" in argv:
            self.host.runner.calls.append((list(argv), kwargs))
            argv = [a if a != AGENT else self.agent_pyz for a in argv]
            return super().run(argv, **kwargs)
        return self.host.runner.run(argv, **kwargs)


def real_pip_host(tmp_path, local_index, **changes) -> Host:
    if not os.path.exists(PYTHON):
        pytest.skip("no /usr/bin/python3")
    url, _ = local_index
    raw = raw_settings(PACKAGES=["keyring", "top"], BOOTSTRAP_PIP="pip", TARGETS=["3.9.2:x86_64:manylinux2014_x86_64", "3.11.2:x86_64:manylinux2014_x86_64"],
                       MIRRORED_TARGETS=["3.9.2:x86_64:2.17", "3.11.2:x86_64:2.17"], **changes)
    h = Host(tmp_path / "host", raw)
    h.settings = h.settings.replace(source_index_url=url)
    pyz = str(tmp_path / "agent.pyz")
    zipapp.create_archive(AGENT_DIR, pyz, filter=lambda p: p.parts[0] != "tests" and "__pycache__" not in p.parts)
    h.ctx.runner = RealPip(h, pyz)
    return h


@pytest.mark.system_python
def test_real_pip_downloads_each_targets_closure(tmp_path, local_index):
    h = real_pip_host(tmp_path, local_index)
    h.run()
    _, shas = local_index
    by_target = {}
    for line in dict(h.attrs.published)["manifest"].splitlines():
        project, version, digest, name = line.split(" ")
        if not project.startswith("pip-airlock-"):
            assert shas[name] == digest
    # the bundles: the 3.9 target's closure holds `old`, the 3.11 one's does not
    for name in h.repo.uploads:
        if name.startswith("pip_airlock_bundle"):
            by_target[name.split("-")[0]] = name
    assert sorted(by_target) == ["pip_airlock_bundle_py3_11_2_x86_64_glibc2_17", "pip_airlock_bundle_py3_9_2_x86_64_glibc2_17"]
    sent = [os.path.basename(p) for p in h.calls("twine")[0][0][10:]]
    assert sent == ["dep-1.0-py3-none-any.whl", "old-1.0-py3-none-any.whl", "pip-99.0-py3-none-any.whl",
                    "virtualenv-99.0-py3-none-any.whl", by_target["pip_airlock_bundle_py3_9_2_x86_64_glibc2_17"],
                    by_target["pip_airlock_bundle_py3_11_2_x86_64_glibc2_17"], "keyring-25.7.0-py3-none-any.whl",
                    "top-1.0-py3-none-any.whl", h.signed_set_name()]
    assert [line for line in dict(h.attrs.published)["policy"].splitlines() if line.startswith("pairing")] == [
        "pairing 3.9.2:x86_64: pip 99.0 (virtualenv 99.0 seeds 26.0.1 for 3.9) with keyring 25.7.0: ok",
        "pairing 3.11.2:x86_64: pip 99.0 (virtualenv 99.0 seeds 26.2.1 for 3.11) with keyring 25.7.0: ok"]


@pytest.mark.system_python
def test_real_pip_names_what_a_lock_leaves_unpinned(tmp_path, local_index):
    _, shas = local_index
    lock = "\n".join(f"{n}==99.0 --hash=sha256:{shas[f'{n}-99.0-py3-none-any.whl']}" for n in ("pip", "virtualenv"))
    lock += f"\ntop==1.0 --hash=sha256:{shas['top-1.0-py3-none-any.whl']}"
    h = real_pip_host(tmp_path, local_index, LOCK_CONTENT=lock)
    with pytest.raises(SettingsError, match="LOCK_CONTENT"):
        h.run()
    told = [line for line in h.lines if "the lock does not pin" in line]
    assert told == ["[download] the lock does not pin dep (from top==1.0) for CPython 3.9.2: --require-hashes needs every "
                    "dependency pinned; make the lock with recipes/make-lock.sh"]


# --- the signed set ------------------------------------------------------------------------------------
def signed_set_of(h: Host):
    """(statement, signature) of the signed set the run uploaded, read back from the wheel twine sent."""
    name = h.signed_set_name()
    path = next(p for argv, _ in h.calls("twine") for p in argv if os.path.basename(p) == name)
    return name, path


def test_the_signed_set_names_every_file_and_each_targets_bundle(host, monkeypatch):
    kept = {}
    real_build = signed_set.build

    def keep(out_dir, version, statement, signature):
        kept.update(statement=statement, signature=signature, version=version)
        return real_build(out_dir, version, statement, signature)
    monkeypatch.setattr(signed_set, "build", keep)
    host.run()
    statement = signed_set.parse(kept["statement"])
    version_name = host.settings.signing_key + "/cryptoKeyVersions/1"
    assert statement.key_version == version_name
    sent = [os.path.basename(p) for p in host.calls("twine")[0][0][10:]]
    assert sorted(statement.files) == sorted(sent[:-1])  # everything but the signed set itself
    for name, digest in statement.files.items():
        assert digest == host.repo_sha(name)
    assert sorted(statement.bundles) == ["3.11.2:x86_64:2.36", "3.9.2:aarch64:2.31"]
    assert statement.bundles["3.11.2:x86_64:2.36"][0].startswith("pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.")
    assert statement.lock_sha256 == ""
    # KMS signed sha256(statement) with the configured version, once
    assert host.kms.signed == [(version_name, hashlib.sha256(kept["statement"]).digest())]
    assert kept["signature"] == host.kms.asymmetric_sign(version_name, hashlib.sha256(kept["statement"]).digest())
    assert sent[-1] == host.signed_set_name() == f"pip_airlock_signed_set-{kept['version']}-py3-none-any.whl"
    assert ("signed-set", sent[-1]) in host.attrs.published
    assert ("foreign-files", "0") in host.attrs.published


def test_a_rotated_key_version_signs(tmp_path):
    h = Host(tmp_path, raw_settings(SIGNING_KEY_VERSION=2))
    h.run()
    assert h.kms.signed[0][0].endswith("/cryptoKeyVersions/2")


def test_a_mirror_that_may_not_sign_uploads_nothing(host):
    host.kms.answers = [Rejected("KMS: HTTP 403 (cloudkms.cryptoKeyVersions.useToSign)", 403)]
    with pytest.raises(Rejected):
        host.run()
    assert host.calls("twine") == [] and host.repo.uploads == []
    assert host.clock.sleeps == []


def test_files_another_writer_added_are_reported_and_never_signed(host, monkeypatch):
    statements = []
    real_build = signed_set.build
    monkeypatch.setattr(signed_set, "build", lambda o, v, st, sig: statements.append(st) or real_build(o, v, st, sig))
    planted = ["pip-99.0-py3-none-any.whl", "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-99.1-py3-none-any.whl",
               "pip_airlock_signed_set-99.1-py3-none-any.whl"]
    for name in planted:
        host.repo.put(name, b"not the mirror's")
    host.run()
    statement = signed_set.parse(statements[-1])
    assert not set(planted) & set(statement.files)
    assert statement.bundles["3.11.2:x86_64:2.36"][0].startswith("pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-100.")
    assert host.signed_set_name().startswith("pip_airlock_signed_set-100.")
    assert ("foreign-files", "3: " + " ".join(sorted(planted))) in host.attrs.published
    for name in planted:
        assert any(line.startswith(f"[report] foreign file in the auth repo: {name} ") for line in host.lines)


def test_files_of_earlier_runs_are_not_foreign(host, tmp_path):
    host.repo.put("keyring-25.5.0-py3-none-any.whl")  # an earlier run's, in the record
    host.repo.put("pip-24.0-py3-none-any.whl", b"replaced by someone")  # recorded with other bytes
    with open(host.record, "w") as fh:
        json.dump({"keyring-25.5.0-py3-none-any.whl": sha(content("keyring-25.5.0-py3-none-any.whl")),
                   "pip-24.0-py3-none-any.whl": sha(content("pip-24.0-py3-none-any.whl"))}, fh)
    host.run()
    assert ("foreign-files", "1: pip-24.0-py3-none-any.whl") in host.attrs.published
    record = json.load(open(host.record))
    assert host.signed_set_name() in record and "keyring-25.5.0-py3-none-any.whl" in record
    assert stat.S_IMODE(os.stat(host.record).st_mode) == 0o600


def test_the_lock_is_part_of_the_statement(tmp_path, monkeypatch):
    statements = []
    real_build = signed_set.build
    monkeypatch.setattr(signed_set, "build", lambda o, v, st, sig: statements.append(st) or real_build(o, v, st, sig))
    lock = "keyring==25.6.0 --hash=sha256:" + "a" * 64
    h = Host(tmp_path, raw_settings(LOCK_CONTENT=lock))
    h.run()
    assert signed_set.parse(statements[-1]).lock_sha256 == hashlib.sha256(lock.encode()).hexdigest()


def test_each_bundle_carries_its_sbom(host):
    host.run()
    bundle_path = next(p for argv, _ in host.calls("twine") for p in argv if os.path.basename(p).startswith("pip_airlock_bundle_py3_9"))
    name = os.path.basename(bundle_path)
    project, version = "pip-airlock-bundle-py3-9-2-aarch64-glibc2-31", name.split("-")[1]
    # the bundle's wheels are gone with the work dir: rebuild the same bundle from the closure to read it
    d = host.tmp / "sbom-check"
    d.mkdir()
    paths = []
    for n in CLOSURES["3.9.2"]:
        (d / n).write_bytes(content(n))
        paths.append(str(d / n))
    document = sbom.document(project, "3.9.2:aarch64:2.31", [(n, sha(content(n))) for n in CLOSURES["3.9.2"]],
                             policy_off(CLOSURES["3.9.2"]), {}, {})
    rebuilt = bundle.build(str(d), project, version, "3.9.2:aarch64:2.31", paths, document)
    assert sha(open(rebuilt, "rb").read()) == host.repo_sha(name)  # what was uploaded carries exactly this SBOM
    unpacked = bundle.verify_and_unpack(rebuilt, project, version, str(d / "out"))
    components = sbom.components(unpacked.sbom)
    assert {n: c[2] for n, c in components.items()} == unpacked.wheel_sha256
    doc = json.loads(unpacked.sbom)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5"
    assert components["cffi-1.17.1-cp39-cp39-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"][:2] == ("cffi", "1.17.1")
    assert "pkg:pypi/importlib-metadata@8.0.0" in {c["purl"] for c in doc["components"]}
    keyring = next(c for c in doc["components"] if c["name"] == "keyring")
    assert {"name": "pip-airlock:policy", "value": "provenance not checked (POLICY.PROVENANCE off)"} in keyring["properties"]
