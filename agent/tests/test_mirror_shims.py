"""The mirror's shims, run as production runs them: `PY -I agent.pyz SHIM ...` by another interpreter.

target-pip drives this machine's REAL pip (Debian's /usr/bin/python3 -m pip) over a local --find-links
directory of tiny wheels built here (--no-index: no network). twine is not installed for /usr/bin/python3, so
twine-compat runs a minimal fake `twine` (and `pkginfo`, packaging.metadata-like module) installed into a venv
of /usr/bin/python3, the shape of a twine that lives in its own venv."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipapp
import zipfile

import pytest

from pip_airlock_agent import mirror_shims

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

AGENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM_PYTHON = "/usr/bin/python3"
CLEAN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "PIP_CONFIG_FILE": os.devnull}


def build_zipapp(dest: str) -> str:
    """agent.pyz as the synth ships it: the package and __main__.py (no tests)."""
    def keep(path):
        return path.parts[0] != "tests" and "__pycache__" not in path.parts
    zipapp.create_archive(AGENT_DIR, dest, filter=keep)
    return dest


@pytest.fixture(scope="module")
def agent_pyz(tmp_path_factory):
    return build_zipapp(str(tmp_path_factory.mktemp("agent") / "agent.pyz"))


def make_wheel(directory: str, name: str, version: str, requires=(), tag: str = "py3-none-any") -> str:
    """A minimal valid wheel (one module, METADATA with Requires-Dist lines)."""
    dist = f"{name}-{version}.dist-info/"
    files = {
        f"{name}.py": b"",
        dist + "METADATA": ("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
                            + "".join(f"Requires-Dist: {r}\n" for r in requires)).encode(),
        dist + "WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    }
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in files.items()) + dist + "RECORD,,\n"
    files[dist + "RECORD"] = record.encode()
    path = os.path.join(directory, f"{name}-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    return path


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("wheelhouse"))
    make_wheel(d, "top", "1.0", [
        'old; python_version < "3.10"',
        'new; python_version >= "3.12"',
        'arm; platform_machine == "aarch64"',
        'win; sys_platform == "win32"',
        'pypy; implementation_name == "pypy"',
    ])
    for name in ("old", "new", "arm", "win", "pypy"):
        make_wheel(d, name, "1.0")
    return d


def pip_download(argv_head, wheelhouse, dest, python, machine):
    tag = f"manylinux2014_{machine}"
    argv = argv_head + ["download", "--no-index", "--find-links", wheelhouse, "--dest", dest,
                        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                        "--only-binary=:all:", "--implementation", "cp", "--python-version", python,
                        "--platform", tag, "top"]
    done = subprocess.run(argv, env=CLEAN_ENV, cwd="/", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(f.split("-")[0] for f in os.listdir(dest))


@pytest.mark.parametrize("python, machine, expected", [
    ("3.9.18", "x86_64", ["old", "top"]),
    ("3.11.2", "x86_64", ["top"]),
    ("3.12.1", "aarch64", ["arm", "new", "top"]),
    ("3.13.0", "x86_64", ["new", "top"]),
])
@pytest.mark.system_python
def test_target_pip_evaluates_markers_for_the_target(agent_pyz, wheelhouse, tmp_path, python, machine, expected):
    head = [SYSTEM_PYTHON, "-I", agent_pyz, "target-pip", python, machine, "--"]
    assert pip_download(head, wheelhouse, str(tmp_path / "dest"), python, machine) == expected


@pytest.mark.system_python
def test_plain_pip_evaluates_markers_for_itself(wheelhouse, tmp_path):
    """Why the shim exists (pypa/pip#11010): this pip, on CPython 3.11, drops a 3.9 target's `old`."""
    head = [SYSTEM_PYTHON, "-I", "-m", "pip"]
    got = pip_download(head, wheelhouse, str(tmp_path / "dest"), "3.9.18", "x86_64")
    host = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info >= (3, 10))"], capture_output=True, text=True).stdout.strip()
    if host == "True":
        assert got == ["top"]


@pytest.mark.system_python
def test_target_pip_passes_pips_exit_status(agent_pyz, tmp_path):
    done = subprocess.run([SYSTEM_PYTHON, "-I", agent_pyz, "target-pip", "3.9.18", "x86_64", "--", "download", "--no-index",
                           "--dest", str(tmp_path), "no-such-project"], env=CLEAN_ENV, cwd="/", capture_output=True, text=True)
    assert done.returncode == 1
    assert "No matching distribution found for no-such-project" in done.stdout + done.stderr


@pytest.mark.parametrize("argv", [[], ["3.9"], ["three", "x86_64", "--", "download"], ["3.9.18", "x86 64", "--", "download"]])
def test_target_pip_usage(argv, capsys):
    assert mirror_shims.target_pip(argv) == 2
    assert "usage: target-pip PYTHON ARCH -- PIP_ARGS..." in capsys.readouterr().err


def test_target_environment():
    host = {"python_version": "3.11", "python_full_version": "3.11.2", "platform_machine": "aarch64",
            "implementation_name": "pypy", "platform_release": "6.1.0", "sys_platform": "darwin"}
    env = mirror_shims.target_environment("3.9.18", "x86_64", lambda: dict(host))
    assert env == {"python_version": "3.9", "python_full_version": "3.9.18", "implementation_name": "cpython",
                   "implementation_version": "3.9.18", "platform_python_implementation": "CPython",
                   "platform_machine": "x86_64", "platform_system": "Linux", "sys_platform": "linux",
                   "os_name": "posix", "platform_release": "6.1.0"}


# --- twine-compat ---------------------------------------------------------------------------------------
FAKE_TWINE_MAIN = '''
import json, os, sys
def main():
    import pkginfo_probe
    report = pkginfo_probe.report()
    report["argv"] = sys.argv
    report["password_in_env"] = os.environ.get("TWINE_PASSWORD")
    with open(os.environ["FAKE_TWINE_REPORT"], "w") as fh:
        json.dump(report, fh)
    if "--fail" in sys.argv:
        return True
    if "--message" in sys.argv:
        return "HTTPError: 400 Bad Request from https://example.invalid/"
    return None
'''
FAKE_PROBE = '''
def report():
    out = {}
    try:
        import pkginfo.distribution as d
        out["header_attrs"] = {k: v for k, v in d.HEADER_ATTRS.items()}
    except ImportError:
        out["header_attrs"] = None
    try:
        import twine.package as p
        out["parse_email"] = list(p.metadata.parse_email("Name: x"))
        out["from_raw"] = p.metadata.Metadata.from_raw({"name": "x"})
    except AttributeError:
        out["parse_email"] = out["from_raw"] = None
    return out
'''
FAKE_METADATA = '''
def parse_email(data):
    return ({"name": "x"}, {"license_files": ["unparsed"]})
class Metadata:
    @classmethod
    def from_raw(cls, data, validate=True):
        return {"cls": cls.__name__, "data": data, "validate": validate}
'''
FAKE_PKGINFO = '''
HEADER_ATTRS = {"1.0": ["a"], "2.1": ["a", "b"], "2.2": ["a", "b", "c"], "1.2": ["x"]}
'''


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    """Two venvs of /usr/bin/python3 with a fake twine: one whose libraries need the fixes (pkginfo 1.8-like,
    packaging.metadata-like validation), one whose twine has neither (the fixes must do nothing there)."""
    made = {}
    for kind in ("old-libraries", "bare"):
        root = str(tmp_path_factory.mktemp(kind) / "venv")
        done = subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", root], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make a venv here: {done.stderr}")
        site = subprocess.run([os.path.join(root, "bin", "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        write(os.path.join(site, "twine", "__init__.py"), "")
        write(os.path.join(site, "twine", "__main__.py"), FAKE_TWINE_MAIN)
        write(os.path.join(site, "pkginfo_probe.py"), FAKE_PROBE)
        if kind == "old-libraries":
            write(os.path.join(site, "twine", "package.py"), "from twine import _metadata as metadata\n")
            write(os.path.join(site, "twine", "_metadata.py"), FAKE_METADATA)
            write(os.path.join(site, "pkginfo", "__init__.py"), "")
            write(os.path.join(site, "pkginfo", "distribution.py"), FAKE_PKGINFO)
        else:
            write(os.path.join(site, "twine", "package.py"), "")
        made[kind] = os.path.join(root, "bin", "python")
    return made


def run_twine(venv_python, agent_pyz, tmp_path, *args):
    report = str(tmp_path / "report.json")
    env = dict(CLEAN_ENV, FAKE_TWINE_REPORT=report, TWINE_PASSWORD="secret")
    done = subprocess.run([venv_python, "-I", agent_pyz, "twine-compat", "--", "upload", "--repository-url",
                           "https://example.invalid/"] + list(args), env=env, cwd="/", capture_output=True, text=True)
    with open(report) as fh:
        return done, json.load(fh)


@pytest.mark.system_python
def test_twine_compat_teaches_old_libraries(venvs, agent_pyz, tmp_path):
    done, report = run_twine(venvs["old-libraries"], agent_pyz, tmp_path, "a.whl")
    assert done.returncode == 0, done.stderr
    assert report["argv"] == ["twine", "upload", "--repository-url", "https://example.invalid/", "a.whl"]
    assert report["password_in_env"] == "secret"
    attrs = report["header_attrs"]
    assert attrs["2.3"] == attrs["2.4"] == attrs["2.5"] == ["a", "b", "c"]  # like the newest it knows (2.2)
    assert attrs["1.2"] == ["x"]
    assert report["parse_email"] == [{"name": "x"}, {}]  # nothing left unparsed to refuse
    assert report["from_raw"] == {"cls": "Metadata", "data": {"name": "x"}, "validate": False}


@pytest.mark.system_python
def test_twine_compat_leaves_a_twine_that_needs_nothing(venvs, agent_pyz, tmp_path):
    done, report = run_twine(venvs["bare"], agent_pyz, tmp_path, "a.whl")
    assert done.returncode == 0, done.stderr
    assert report["header_attrs"] is None and report["parse_email"] is None


@pytest.mark.system_python
@pytest.mark.parametrize("flag, status, stderr", [("--fail", 1, ""), ("--message", 1, "HTTPError: 400 Bad Request")])
def test_twine_compat_exit_status(venvs, agent_pyz, tmp_path, flag, status, stderr):
    done, report = run_twine(venvs["old-libraries"], agent_pyz, tmp_path, flag)
    assert done.returncode == status
    assert stderr in done.stderr


def test_shim_module_imports_nothing_else_of_the_package():
    """Run by other interpreters: the stdlib and their pip/twine only."""
    code = ("import sys; sys.path.insert(0, %r); import pip_airlock_agent.mirror_shims; "
            "print(sorted(m for m in sys.modules if m.startswith('pip_airlock_agent')))") % AGENT_DIR
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['pip_airlock_agent', 'pip_airlock_agent.mirror_shims']"
