"""The mirror's per-target download for CPython 3.14 (Ubuntu 26.04: glibc 2.43), resolved for real: the argv the
mirror builds, run through the real zipapp's target-pip against this machine's local wheelhouse (a PEP 503 index in
files, /opt/pypi/simple: see `pip config list`). The wheelhouse has no cp314 wheels, only py3-none-any, cp311 and
cp311-abi3 ones: so pip must take cryptography's cp311-abi3 manylinux_2_34 wheel (abi3 holds for every later
CPython), refuse the cp311 cffi, and evaluate markers for 3.14 (keyring's `importlib_metadata; python_version <
"3.12"` not pulled in, as it would be for the public host's 3.11)."""
from __future__ import annotations

import io
import os
import subprocess
import zipapp
import zipfile

import pytest

from test_mirror import AGENT, AGENT_DIR, PYTHON, Host, raw_settings

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

WHEELHOUSE = "/opt/pypi/simple"
# config/targets.ts platformsFor({ glibc: "2.43", arch: "x86_64" }): manylinux_2_43 … 2_17, then manylinux2014.
TAGS_243 = [f"manylinux_2_{m}_x86_64" for m in range(43, 16, -1)] + ["manylinux2014_x86_64"]
TARGET_314 = "3.14:x86_64:" + ",".join(TAGS_243)


def cffi_cp314(directory) -> str:
    """A stand-in cffi wheel tagged cp314 (the wheelhouse has only cp311): metadata only, as pip download reads it."""
    dist = "cffi-2.1.1.dist-info/"
    files = {dist + "METADATA": "Metadata-Version: 2.1\nName: cffi\nVersion: 2.1.1\nRequires-Dist: pycparser; implementation_name != 'PyPy'\n",
             dist + "WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp314-cp314-manylinux_2_17_x86_64\n",
             dist + "RECORD": ""}
    path = os.path.join(str(directory), "cffi-2.1.1-cp314-cp314-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    with open(path, "wb") as fh:
        fh.write(out.getvalue())
    return path


@pytest.fixture
def argv_314(tmp_path):
    """The mirror's own pip argv for the Ubuntu 26.04 target (the fakes play pip; the argv is what matters here)."""
    h = Host(tmp_path / "host", raw_settings(TARGETS=[TARGET_314], MIRRORED_TARGETS=["3.14:x86_64:2.43"]))
    h.closures["3.14"] = h.closures["3.11.2"]
    h.run()
    argv, _ = h.calls("pip")[0]
    return argv


def test_the_argv_names_cpython_314_and_the_tags_of_glibc_243(argv_314):
    assert argv_314[3:6] == ["target-pip", "3.14", "x86_64"]
    assert argv_314[argv_314.index("--python-version") + 1] == "3.14"
    assert argv_314[argv_314.index("--implementation") + 1] == "cp"
    assert "--only-binary=:all:" in argv_314
    assert [argv_314[i + 1] for i, a in enumerate(argv_314) if a == "--platform"] == TAGS_243


def run_for_real(argv, tmp_path, requirements, find_links=()):
    if not os.path.exists(PYTHON) or not os.path.isdir(WHEELHOUSE):
        pytest.skip("needs /usr/bin/python3 and the local wheelhouse " + WHEELHOUSE)
    pyz = str(tmp_path / "agent.pyz")
    zipapp.create_archive(AGENT_DIR, pyz, filter=lambda p: p.parts[0] != "tests" and "__pycache__" not in p.parts)
    dest = tmp_path / "dist"
    first_requirement = argv.index("keyring")
    real = [pyz if a == AGENT else a for a in argv[:first_requirement]]
    real[real.index("--dest") + 1] = str(dest)
    real[real.index("--index-url") + 1] = "file://" + WHEELHOUSE + "/"
    for link in find_links:
        real += ["--find-links", str(link)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    done = subprocess.run(real + requirements, env=env, capture_output=True, text=True, timeout=300)
    return done, sorted(os.listdir(dest)) if dest.exists() else []


@pytest.mark.system_python
def test_keyrings_closure_for_314_takes_abi3_cryptography_and_the_markers_of_314(argv_314, tmp_path):
    standin = tmp_path / "standin"
    standin.mkdir()
    cffi_cp314(standin)
    done, files = run_for_real(argv_314, tmp_path, ["keyring", "pip>=23.1"], [standin])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl" in files
    assert "cffi-2.1.1-cp314-cp314-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" in files
    assert "keyring-25.7.0-py3-none-any.whl" in files and "secretstorage-3.5.0-py3-none-any.whl" in files
    assert not [f for f in files if f.startswith(("importlib_metadata", "backports.tarfile"))]  # python_version < "3.12"


@pytest.mark.system_python
def test_a_cp311_only_wheel_is_refused_for_314(argv_314, tmp_path):
    done, _ = run_for_real(argv_314, tmp_path, ["keyring"])
    assert done.returncode != 0
    assert "No matching distribution found for cffi" in done.stderr
