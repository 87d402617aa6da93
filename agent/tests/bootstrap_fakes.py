"""A private host in a directory: the bootstrap's settings pointed into tmp_path, an auth repo served by a fake
transport (pages and files, from what a test puts in it), a runner that plays the keyring venv's python and
pip, and every system path the bootstrap writes (/etc, /usr/local/bin, the keyring link, Debian's
WHEEL_PKG_DIR) moved below the test's directory. Nothing here sleeps or opens a socket."""
from __future__ import annotations

import hashlib
import html
import json
import os
import random
import socket
import sys
import types
import zipfile
from typing import Callable, Dict, List, Optional, Tuple

from fakes import FakeClock, FakeTransport, logger
from openssl_keys import private_key, public_pem
import pytest

from pip_airlock_agent import bootstrap, bundle, context, keyring_venv, pipconf, probe, sbom, signed_set
from pip_airlock_agent.crc32c import crc32c
from pip_airlock_agent.errors import Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.names import bundle_project, normalize, wheel_version
from pip_airlock_agent.runner import Completed
from pip_airlock_agent.settings import parse

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
HOST = "us-central1-python.pkg.dev"
SIMPLE = f"https://{HOST}/airlock-example/pip-auth-repo/simple/"
FILES = f"https://{HOST}/airlock-example/pip-auth-repo/files/"
METADATA = "http://metadata.google.internal/computeMetadata/v1"
TOKEN_URL = f"{METADATA}/instance/service-accounts/default/token"
ATTRS = f"{METADATA}/instance/guest-attributes/pip-airlock/"
TARGET = "3.11.2:x86_64:2.36"
PROJECT = bundle_project(TARGET)
HELPERS = ["keyring", "keyrings-google-artifactregistry-auth", "pip", "virtualenv"]
#: The closure a bundle holds in these tests (dummy bytes: the fake pip never opens them).
CLOSURE = ["jaraco_context-6.1.2-py3-none-any.whl", "keyring-25.7.0-py3-none-any.whl",
           "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl", "pip-26.2.1-py3-none-any.whl",
           "virtualenv-20.30.0-py3-none-any.whl"]
SIGNING_KEY = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock/cryptoKeys/mirror-signing"
KMS = "https://cloudkms.googleapis.com/v1/"
RUNNING_MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
#: The bootstrap writes only in directories root owns and no one else can write (fsutil.check_trusted_dir).
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the bootstrap writes only in root-owned directories")


def raw_settings(script: str = "bootstrap") -> dict:
    with open(os.path.join(FIXTURES, f"{script}.settings.json")) as fh:
        return json.load(fh)


def bootstrap_raw(root: str, **changes) -> dict:
    """The example's bootstrap settings with the keyring venv below `root` (an owned root of its own)."""
    raw = raw_settings("bootstrap")
    raw["OWNED_ROOTS"] = [os.path.join(root, "opt", "pip-airlock")]
    raw["PRODUCT_STATE_PATHS"] = [os.path.join(root, "var", "lib", "pip-airlock", "guest-attribute-writes")]
    raw["VENV_DIR"] = os.path.join(root, "opt", "pip-airlock", "keyring")
    raw.update({k.upper(): v for k, v in changes.items()})
    return raw


def bootstrap_settings(root: str, **changes):
    return parse(bootstrap_raw(root, **changes), "bootstrap")


# --- the mirror's key, as Cloud KMS holds it ---------------------------------------------------------------
class SigningKeys:
    """Key versions of the mirror's key (RSA keys made by openssl, 2048 bits to keep the suite fast; the agent
    accepts RSA_SIGN_PKCS1_{2048,3072,4096}_SHA256), each ENABLED or not, served through getPublicKey as Cloud
    KMS does (a version that is not enabled: 400 FAILED_PRECONDITION)."""

    _cache: Dict[int, Tuple[str, str]] = {}

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.state: Dict[int, str] = {}
        self.public_key_requests: List[str] = []

    def version_name(self, version: int, key: str = SIGNING_KEY) -> str:
        return f"{key}/cryptoKeyVersions/{version}"

    def _key(self, version: int) -> Tuple[str, str]:
        if version not in SigningKeys._cache:
            private = private_key(f"signing-v{version}", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
            SigningKeys._cache[version] = (private, public_pem(private))
        return SigningKeys._cache[version]

    def enable(self, version: int) -> "SigningKeys":
        self._key(version)
        self.state[version] = "ENABLED"
        return self

    def sign(self, version: int, data: bytes) -> bytes:
        import subprocess
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", self._key(version)[0]], input=data,
                              check=True, capture_output=True).stdout

    def public_key_response(self, name: str) -> Response:
        self.public_key_requests.append(name)
        prefix = SIGNING_KEY + "/cryptoKeyVersions/"
        version = int(name[len(prefix):]) if name.startswith(prefix) and name[len(prefix):].isdigit() else 0
        if version not in self.state:
            return Response(404, {}, json.dumps({"error": {"code": 404, "status": "NOT_FOUND", "message": f"{name} not found."}}).encode())
        if self.state[version] != "ENABLED":
            return Response(400, {}, json.dumps({"error": {"code": 400, "status": "FAILED_PRECONDITION",
                                                           "message": f"{name} is not enabled, current state is: {self.state[version]}."}}).encode())
        pem = self._key(version)[1]
        return Response(200, {"content-type": "application/json"}, json.dumps({
            "pem": pem, "algorithm": "RSA_SIGN_PKCS1_2048_SHA256", "pemCrc32c": str(crc32c(pem.encode())),
            "name": name, "protectionLevel": "SOFTWARE"}).encode())


# --- the auth repo ----------------------------------------------------------------------------------------
def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AuthRepo:
    """What the auth repo serves: files per project (a page lists them), a status a page answers instead."""

    def __init__(self) -> None:
        #: project -> [(filename, data, sha256 the page gives or None, requires_python or None)]
        self.projects: Dict[str, List[Tuple[str, bytes, Optional[str], Optional[str]]]] = {}
        #: project -> HTTP status its page answers (401, 403, 503, ...), or an exception to raise.
        self.page_status: Dict[str, object] = {}
        #: file name -> HTTP status its download answers instead of the file.
        self.file_status: Dict[str, int] = {}
        #: project -> how many times its page answers 404 first (a file the mirror uploads during a poll).
        self.late: Dict[str, int] = {}

    def add(self, filename: str, data: Optional[bytes] = None, requires: Optional[str] = None, sha: object = "auto",
            project: Optional[str] = None) -> "AuthRepo":
        data = (f"content of {filename}".encode() * 4) if data is None else data
        digest = sha256(data) if sha == "auto" else sha
        project = project or normalize(filename.split("-", 1)[0])
        self.projects.setdefault(project, []).append((filename, data, digest, requires))
        return self

    def add_bundle(self, path: str, sha: object = "auto") -> "AuthRepo":
        with open(path, "rb") as fh:
            data = fh.read()
        return self.add(os.path.basename(path), data, "==3.11.*", sha)

    def helpers(self, pip_requires: str = ">=3.9") -> "AuthRepo":
        """keyring, the AR backend, pip and virtualenv, as an older mirror's auth repo holds them."""
        self.add("keyring-25.7.0-py3-none-any.whl", requires=">=3.9")
        self.add("keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl")
        self.add("pip-26.2.1-py3-none-any.whl", requires=pip_requires)
        self.add("virtualenv-20.30.0-py3-none-any.whl", requires=">=3.8")
        return self

    def files(self) -> Dict[str, str]:
        """Every file the repo holds but signed sets: name -> sha256 of its bytes."""
        return {name: sha256(data) for project, files in self.projects.items() if project != signed_set.PROJECT
                for name, data, _, _ in files}

    def publish_signed_set(self, keys: SigningKeys, directory: str, version: int = 1, bundles: Optional[Dict[str, str]] = None,
                           files: Optional[Dict[str, str]] = None, lock_sha256: str = "", key: str = SIGNING_KEY,
                           signer: Optional[int] = None) -> str:
        """What the mirror does last: the statement of `files` (default: every file in the repo) and `bundles`
        (target -> bundle file name, default: every bundle in the repo for TARGET), signed with `version` of the
        key (or `signer`'s private key while naming `version`: a forgery), added as the next signed set."""
        files = dict(self.files() if files is None else files)
        if bundles is None:
            ours = sorted((n for n in files if normalize(n.split("-")[0]) == PROJECT),
                          key=lambda n: tuple(int(x) for x in n.split("-")[1].split(".")))
            bundles = {TARGET: ours[-1]} if ours else {}
        statement = signed_set.statement_bytes(keys.version_name(version, key), sorted(files.items()),
                                               [(t, n, files[n]) for t, n in sorted(bundles.items())], lock_sha256)
        signature = keys.sign(signer or version, statement)
        os.makedirs(directory, exist_ok=True)
        listing = [types.SimpleNamespace(filename=n, sha256=sha256(d)) for n, d, _, _ in self.projects.get(signed_set.PROJECT, [])]
        path, present = signed_set.plan(directory, listing, statement, signature)
        if not present:
            with open(path, "rb") as fh:
                self.add(os.path.basename(path), fh.read(), project=signed_set.PROJECT)
        return os.path.basename(path)

    def page(self, project: str) -> Response:
        status = self.page_status.get(project)
        if isinstance(status, Exception):
            raise status
        if status is not None:
            return Response(int(status), {}, b"")
        if self.late.get(project, 0) > 0:
            self.late[project] -= 1
            return Response(404, {}, b"")
        files = self.projects.get(project)
        if not files:
            return Response(404, {}, b"not found")
        anchors = []
        for filename, _, digest, requires in files:
            href = f"../../files/{filename}" + (f"#sha256={digest}" if digest else "")
            extra = f' data-requires-python="{html.escape(requires)}"' if requires else ""
            anchors.append(f'<a href="{href}"{extra}>{filename}</a><br/>')
        return Response(200, {}, ("<html><body>" + "".join(anchors) + "</body></html>").encode())

    def file(self, filename: str) -> Response:
        if filename in self.file_status:
            return Response(self.file_status[filename], {}, b"")
        for files in self.projects.values():
            for name, data, _, _ in files:
                if name == filename:
                    return Response(200, {}, data)
        return Response(404, {}, b"")


class HostTransport(FakeTransport):
    """The metadata server (a token; guest attributes recorded in order) and the auth repo."""

    def __init__(self, repo: Optional[AuthRepo] = None, events: Optional[list] = None) -> None:
        super().__init__()
        self.repo = repo or AuthRepo()
        self.events = events if events is not None else []
        #: (key, value) of each guest attribute written, in order.
        self.attributes: List[Tuple[str, str]] = []
        self.token_answer: object = Response(200, {}, json.dumps({"access_token": "tok-a", "expires_in": 3600}).encode())
        #: When set, every request to Artifact Registry raises it (no route, DNS, a reset connection).
        self.ar_down: Optional[Exception] = None
        #: Cloud KMS: the mirror's key versions (getPublicKey); when set, a KMS request raises it instead.
        self.keys: Optional[SigningKeys] = None
        self.kms_down: Optional[Exception] = None

    def request(self, method, url, headers=None, body=None, timeout=60, dest=None):
        if url in self.routes:
            return super().request(method, url, headers, body, timeout, dest)
        self.requests.append((method, url, dict(headers or {}), body))
        if method == "PUT" and url.startswith(ATTRS):
            value = (body or b"").decode()
            self.attributes.append((url[len(ATTRS):], value))
            self.events.append(("attribute", url[len(ATTRS):], value))
            return Response(200, {})
        if url == TOKEN_URL:
            answer = self.token_answer() if callable(self.token_answer) else self.token_answer
        elif url.startswith(KMS) and url.endswith("/publicKey") and method == "GET":
            if self.kms_down is not None:
                raise self.kms_down
            assert (headers or {}).get("Authorization", "").startswith("Bearer ")
            answer = self.keys.public_key_response(url[len(KMS):-len("/publicKey")])
        elif url.startswith(f"https://{HOST}/"):
            if self.ar_down is not None:
                raise self.ar_down
            if url.startswith(SIMPLE):
                answer = self.repo.page(url[len(SIMPLE):].rstrip("/"))
            elif url.startswith(FILES):
                answer = self.repo.file(url[len(FILES):])
            else:
                answer = Response(404, {}, b"")
        else:
            answer = Response(404, {}, b"")
        if isinstance(answer, Exception):
            raise answer
        if dest is not None and answer.status == 200:
            with open(dest, "wb") as fh:
                fh.write(answer.body)
            return Response(answer.status, answer.headers)
        return answer

    def pages(self) -> List[str]:
        """The projects whose auth-repo page was read, in order."""
        return [url[len(SIMPLE):].rstrip("/") for method, url, _, _ in self.requests if url.startswith(SIMPLE)]

    def downloads(self) -> List[str]:
        return [url[len(FILES):] for method, url, _, _ in self.requests if url.startswith(FILES)]

    def kms_requests(self) -> int:
        return sum(1 for _, url, _, _ in self.requests if url.startswith(KMS))

    def ar_requests(self) -> int:
        return sum(1 for _, url, _, _ in self.requests if url.startswith(f"https://{HOST}/"))


# --- the venv's python and pip ----------------------------------------------------------------------------
def _executable(path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n")
    os.chmod(path, 0o755)


class HostRunner:
    """Plays the commands the bootstrap runs: `python -V`, `python -m venv`, the venv's pip (list, check, the
    pip wheel's own install, an offline install of a bundle's install.txt, pip-retry's install from the index),
    the keyring CLI, systemctl. `installed` is what `pip list` reports (names as the distributions spell them)."""

    def __init__(self, venv_dir: str, events: Optional[list] = None) -> None:
        self.venv_dir = venv_dir
        self.events = events if events is not None else []
        self.calls: List[Tuple[List[str], dict]] = []
        self.installed: Dict[str, str] = {}
        self.venv_python_version = f"{RUNNING_MINOR}.0"
        #: What `pip install --upgrade` from the index installs.
        self.index_release: Dict[str, str] = {"keyring": "25.7.0", "keyrings.google-artifactregistry-auth": "1.1.2",
                                              "virtualenv": "20.30.0", "pip": "26.2.1"}
        #: argv word -> Completed returned instead (a failing subprocess).
        self.fail: Dict[str, Completed] = {}
        #: Asked first: (argv, kwargs) -> a Completed, or None for the usual answer.
        self.override: Optional[Callable[[List[str], dict], Optional[Completed]]] = None

    def run(self, argv, **kwargs):
        argv = list(argv)
        self.calls.append((argv, kwargs))
        self.events.append(("run", argv))
        for word, answer in self.fail.items():
            if word in argv:
                return answer
        if self.override is not None:
            answer = self.override(argv, kwargs)
            if answer is not None:
                return answer
        python = os.path.join(self.venv_dir, "bin", "python")
        if argv[1:] == ["-I", "-V"]:
            return Completed(argv, 0, f"Python {self.venv_python_version}\n")
        if argv[1:5] == ["-I", "-m", "venv", "--without-pip"]:
            path = argv[5]
            _executable(os.path.join(path, "bin", "python"))
            with open(os.path.join(path, "pyvenv.cfg"), "w") as fh:
                fh.write(f"version = {self.venv_python_version}\n")
            return Completed(argv, 0, "")
        if argv[0] == python and argv[1:4] == ["-I", "-m", "pip"] and argv[4:5] == ["list"]:
            if "pip" not in self.installed:
                return Completed(argv, 1, f"{python}: No module named pip")
            return Completed(argv, 0, json.dumps([{"name": n, "version": v} for n, v in sorted(self.installed.items())]) + "\n")
        if argv[0] == python and argv[1:5] == ["-I", "-m", "pip", "check"]:
            return Completed(argv, 0, "No broken requirements found.\n")
        if argv[0] == python and len(argv) > 2 and argv[2].endswith(".whl/pip"):
            self.installed["pip"] = wheel_version(os.path.basename(argv[-1]))
            return Completed(argv, 0, "")
        if argv[0] == python and "--find-links" in argv and "-r" in argv:
            with open(argv[argv.index("-r") + 1]) as fh:
                for line in fh:
                    name, _, rest = line.partition("==")
                    self.installed[name] = rest.split()[0]
            self.make_tools()
            return Completed(argv, 0, "")
        if argv[0] == python and "--find-links" in argv:
            # what pip resolves offline among the files of the --find-links directory: the newest of each
            found = argv[argv.index("--find-links") + 1]
            for name in sorted(os.listdir(found)):
                project = normalize(name.split("-")[0])
                self.installed[{"keyrings-google-artifactregistry-auth": "keyrings.google-artifactregistry-auth"}.get(project, project)] = name.split("-")[1]
            self.make_tools()
            return Completed(argv, 0, "")
        if argv[0] == python and "pip-retry" in argv and "install" in argv:
            self.installed.update(self.index_release)
            self.make_tools()
            return Completed(argv, 0, "")
        if argv[0].endswith("/keyring") and argv[1:2] == ["get"]:
            return Completed(argv, 0, "password-from-keyring\n")
        return Completed(argv, 0, "")

    def make_tools(self) -> None:
        for tool in ("keyring", "virtualenv"):
            _executable(os.path.join(self.venv_dir, "bin", tool))


# --- the host -------------------------------------------------------------------------------------------
class Host:
    """A private host below `root` (tmp_path): the bootstrap's system paths moved there, fakes wired in."""

    def __init__(self, root, monkeypatch, python: str = "3.11.2", arch: str = "x86_64", glibc: str = "2.36",
                 **settings_changes) -> None:
        self.root = str(root)
        self.monkeypatch = monkeypatch
        self.events: list = []
        self.bin = os.path.join(self.root, "usr", "local", "bin")
        self.keyring_link = os.path.join(self.bin, "keyring")
        self.wheel_dir: Optional[str] = None
        self.settings = bootstrap_settings(self.root, **settings_changes)
        self.venv_dir = self.settings.venv_dir
        self.repo = AuthRepo()
        self.transport = HostTransport(self.repo, self.events)
        self.keys = SigningKeys(os.path.join(self.root, "keys")).enable(1)
        self.transport.keys = self.keys
        self.runner = HostRunner(self.venv_dir, self.events)
        self.clock = FakeClock()
        self.log, self.out = logger("bootstrap", self.clock)
        self.probes: List[str] = []
        #: What each probe raises (an AgentError), by name: "index", "user".
        self.probe_raises: Dict[str, Exception] = {}
        for module in (keyring_venv, bootstrap, probe):
            monkeypatch.setattr(module, "KEYRING_LINK", self.keyring_link)
        monkeypatch.setattr(bootstrap, "VENV_TOOL_LINK_DIR", self.bin)
        monkeypatch.setattr(bootstrap, "config_files", lambda index, upload: [
            (self.path(p), mode, content) for p, mode, content in pipconf.config_files(index, upload)])
        real_read_small = bootstrap.read_small
        monkeypatch.setattr(bootstrap, "read_small", lambda p, *a: real_read_small(self.path(p) if p.startswith("/etc/") else p, *a))
        monkeypatch.setattr(bootstrap, "sysconfig", types.SimpleNamespace(
            get_config_var=lambda name: self.wheel_dir if name == "WHEEL_PKG_DIR" else None))
        monkeypatch.setattr(bootstrap, "platform", types.SimpleNamespace(
            python_version=lambda: python, machine=lambda: arch, libc_ver=lambda: ("glibc", glibc)))
        #: What the VPC's DNS answers (vip_dns.py): Artifact Registry and Cloud KMS in the private VIP's range.
        self.dns: Dict[str, List[str]] = {HOST: ["199.36.153.10"], "cloudkms.googleapis.com": ["199.36.153.11"]}
        monkeypatch.setattr(bootstrap, "resolve_ipv4", self._resolve)
        monkeypatch.setattr(bootstrap, "probe_index", self._probe("index"))
        monkeypatch.setattr(bootstrap, "probe_user", self._probe("user"))
        self.ctx = self.build_context(self.settings)

    def publish(self, **kwargs) -> str:
        """The mirror's last upload: a signed set of what the repo holds (see AuthRepo.publish_signed_set)."""
        return self.repo.publish_signed_set(self.keys, os.path.join(self.root, "mirror-out"), **kwargs)

    def path(self, system_path: str) -> str:
        return self.root + system_path

    def build_context(self, settings, log=None):
        return context.build(settings, log or self.log, os.path.join(self.root, "agent.pyz"), clock=self.clock,
                             transport=self.transport, runner=self.runner, rng=random.Random(7),
                             times_file=os.path.join(self.root, "var", "lib", "pip-airlock", "guest-attribute-writes"))

    def reboot(self) -> None:
        """The next boot: a new run's context (no token cached); the host's files and the auth repo stay."""
        self.ctx = self.build_context(self.settings)
        self.transport.requests.clear()
        self.transport.attributes.clear()
        self.runner.calls.clear()
        self.probes.clear()
        self.out.seek(0)
        self.out.truncate()

    def _resolve(self, name: str) -> List[str]:
        if name not in self.dns:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.dns[name]

    def _probe(self, name: str) -> Callable:
        def fake(settings, ctx, work_dir):
            self.probes.append(name)
            if name in self.probe_raises:
                raise self.probe_raises[name]
        return fake

    def bootstrap(self, settings=None) -> "bootstrap.Bootstrap":
        work = os.path.join(self.root, "work")
        os.makedirs(work, exist_ok=True)
        if settings is not None:
            self.settings = settings
            self.ctx = self.build_context(settings)
        return bootstrap.Bootstrap(self.settings, self.ctx, work_root=work)

    def run_whole(self):
        """(status or the exception raised, the guest attributes written); the run's work dir is gone either way."""
        b = self.bootstrap()
        try:
            status = b.run()
        except Exception as err:  # noqa: BLE001 - the test looks at it
            status = err
        assert os.listdir(os.path.join(self.root, "work")) == []
        return status, list(self.transport.attributes)

    def debian_wheel_dir(self, *names: str) -> str:
        self.wheel_dir = os.path.join(self.root, "usr", "share", "python-wheels")
        os.makedirs(self.wheel_dir, exist_ok=True)
        for name in names:
            with open(os.path.join(self.wheel_dir, name), "wb") as fh:
                fh.write(b"debian's " + name.encode())
        return self.wheel_dir

    # --- a host an earlier boot configured ----------------------------------------------------------------
    def signed_record(self, name: str) -> str:
        """The record a host installed from the signed set NAME keeps: FILE SHA256 STATEMENT-DIGEST."""
        data = next(d for n, d, _, _ in self.repo.projects[signed_set.PROJECT] if n == name)
        path = os.path.join(self.root, "record-" + name)
        with open(path, "wb") as fh:
            fh.write(data)
        statement, _ = signed_set.read(path, name.split("-")[1])
        return f"{name} {sha256(data)} {sha256(statement)}"

    def configure(self, bundle_file: Optional[Tuple[str, str]] = None, record: Optional[str] = None) -> None:
        """What a successful earlier boot left: the venv (marker, python, tools, the helpers installed), the
        keyring and venv-tool links, the four configuration files; with `record` (or `bundle_file`: FILE SHA)
        the record of what it was installed from."""
        os.makedirs(self.venv_dir)
        with open(os.path.join(self.venv_dir, keyring_venv.MARKER), "w") as fh:
            fh.write(pipconf.HEADER + "\n")
        with open(os.path.join(self.venv_dir, "pyvenv.cfg"), "w") as fh:
            fh.write(f"version = {RUNNING_MINOR}.0\n")
        _executable(os.path.join(self.venv_dir, "bin", "python"))
        self.runner.make_tools()
        self.runner.installed = dict(self.runner.index_release)
        os.makedirs(self.bin, exist_ok=True)
        os.symlink(os.path.join(self.venv_dir, "bin", "keyring"), self.keyring_link)
        os.symlink(os.path.join(self.venv_dir, "bin", "virtualenv"), os.path.join(self.bin, "virtualenv"))
        for path, mode, content in bootstrap.config_files(self.settings.index_url, self.settings.upload_repo_url):
            pipconf.write_if_changed(path, mode, content, logger()[0])
        if bundle_file or record:
            with open(os.path.join(self.venv_dir, keyring_venv.BUNDLE_RECORD), "w") as fh:
                fh.write((record or f"{bundle_file[0]} {bundle_file[1]}") + "\n")
        self.debian_wheel_dir("pip-26.2.1-py3-none-any.whl")

    def logged(self) -> str:
        return self.out.getvalue()


# --- bundles --------------------------------------------------------------------------------------------
def closure(directory: str, names: List[str] = CLOSURE) -> List[str]:
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name in names:
        path = os.path.join(directory, name)
        with open(path, "wb") as fh:
            fh.write(f"content of {name}".encode() * 10)
        paths.append(path)
    return paths


def make_bundle(directory: str, names: List[str] = CLOSURE, listing=()) -> str:
    """The bundle the mirror would publish of these wheels for TARGET, given what the auth repo lists."""
    out = os.path.join(directory, "out")
    os.makedirs(out, exist_ok=True)
    path, _ = bundle.plan(out, PROJECT, TARGET, closure(os.path.join(directory, "wheels"), names), list(listing))
    return path


def forge(src: str, dst: str, change: Callable[[Dict[str, bytes]], None]) -> str:
    """A copy of a bundle with its entries changed and RECORD rewritten to match them."""
    import base64

    with zipfile.ZipFile(src) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    change(entries)
    record_name = next(n for n in entries if n.endswith(".dist-info/RECORD"))
    del entries[record_name]
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in entries.items()) + f"{record_name},,\n"
    entries[record_name] = record.encode()
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return dst


def unreachable(message: str = "connection refused") -> Unreachable:
    return Unreachable(message)
