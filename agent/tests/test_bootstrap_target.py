"""What this host is, as the bootstrap sees it before it asks the auth repo: PEP 503 names, which of the mirror's
targets it is (and so which bundle it takes), and which pip wheel it can run."""
from __future__ import annotations

import re

import pytest

from bootstrap_fakes import PROJECT, Host, raw_settings
from fakes import FakeClock, logger
from pip_airlock_agent import context
from pip_airlock_agent.ar import IndexFile
from pip_airlock_agent.mirror import Mirror
from pip_airlock_agent.names import bundle_project, requirement_project, wheel_project
from pip_airlock_agent.settings import parse
from pip_airlock_agent.versions import pick_newest


# --- names ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("filename, project", [
    ("keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl", "keyrings-google-artifactregistry-auth"),
    ("/x/jaraco.classes-3.2.1-py3-none-any.whl", "jaraco-classes"),
    ("Foo__Bar-1-cp311-cp311-manylinux_2_17_x86_64.whl", "foo-bar"),
])
def test_wheel_project(filename, project):
    assert wheel_project(filename) == project


@pytest.mark.parametrize("spec, project", [
    ("keyrings.google-artifactregistry-auth", "keyrings-google-artifactregistry-auth"),
    ("pip>=23.1", "pip"),
    ("Foo_Bar[x]>=1", "foo-bar"),
    ('a._b ; python_version<"3"', "a-b"),
    ("x @ https://e/x.whl", "x"),
])
def test_requirement_project(spec, project):
    assert requirement_project(spec) == project


@pytest.mark.parametrize("target", ["3.11.2:x86_64:2.36", "3.13.5:aarch64:2.41", "3.9.21:x86_64:2.34"])
def test_the_mirror_and_the_bootstrap_name_a_targets_bundle_alike(tmp_path, monkeypatch, target):
    python, arch, glibc = target.split(":")
    raw = raw_settings("mirror")
    raw["TARGETS"] = [f"{python}:{arch}:manylinux_2_17_{arch}"]
    raw["MIRRORED_TARGETS"] = [target]
    log, _ = logger("mirror")
    mirror_settings = parse(raw, "mirror")
    mirror = Mirror(mirror_settings, context.build(mirror_settings, log, "agent.pyz", clock=FakeClock()))
    host = Host(tmp_path, monkeypatch, python=python, arch=arch, glibc=glibc, mirrored_targets=[target])
    b = host.bootstrap()
    b.check_mirrored_target()
    assert mirror.bundle_projects == [b.bundle_project] == [bundle_project(target)]
    assert re.fullmatch(r"pip-airlock-bundle-py[0-9-]+-(x86-64|aarch64)-glibc2-\d+", b.bundle_project)


# --- check_mirrored_target --------------------------------------------------------------------------------
TARGETS = ["3.11.2:x86_64:2.36", "3.13.5:x86_64:2.41", "3.12.3:aarch64:2.39"]


@pytest.mark.parametrize("python, glibc, arch, target", [
    ("3.11.2", "2.36", "x86_64", "3.11.2:x86_64:2.36"),
    ("3.11.9", "2.40", "x86_64", "3.11.2:x86_64:2.36"),  # same minor, a newer glibc runs the target's wheels
    ("3.13.1", "2.41", "x86_64", "3.13.5:x86_64:2.41"),  # same minor
    ("3.12.3", "2.39", "aarch64", "3.12.3:aarch64:2.39"),
])
def test_a_host_of_a_target(tmp_path, monkeypatch, python, glibc, arch, target):
    host = Host(tmp_path, monkeypatch, python=python, arch=arch, glibc=glibc, mirrored_targets=TARGETS)
    b = host.bootstrap()
    b.check_mirrored_target()
    assert (b.host_target, b.bundle_project) == (target, bundle_project(target))
    assert f"this host (CPython {python}, {arch}, glibc {glibc}) is a target of the mirror ({target})" in host.logged()
    assert "warning" not in host.logged()


@pytest.mark.parametrize("python, glibc, arch", [
    ("3.12.3", "2.39", "x86_64"),   # Ubuntu 24.04: no target of its CPython
    ("3.13.5", "2.36", "x86_64"),   # an older glibc than the target's cannot run its wheels
    ("3.11.2", "2.36", "aarch64"),  # another CPU
    ("3.10.12", "2.35", "x86_64"),
])
def test_a_host_that_is_none_of_the_targets_is_told_so_and_goes_on(tmp_path, monkeypatch, python, glibc, arch):
    host = Host(tmp_path, monkeypatch, python=python, arch=arch, glibc=glibc, mirrored_targets=TARGETS)
    b = host.bootstrap()
    b.check_mirrored_target()  # no exception: not a failure
    assert (b.host_target, b.bundle_project) == ("", "")
    out = host.logged()
    assert f"warning: this host (CPython {python}, {arch}, glibc {glibc}) is none of the mirror's targets" in out
    assert "declare its image in mirror.targets" in out


def test_of_several_targets_the_newest_glibc_the_host_can_run(tmp_path, monkeypatch):
    targets = ["3.11.2:x86_64:2.28", "3.11.2:x86_64:2.36", "3.11.2:x86_64:2.39", "3.13.5:x86_64:2.36"]
    host = Host(tmp_path, monkeypatch, python="3.11.2", glibc="2.36", mirrored_targets=targets)
    b = host.bootstrap()
    b.check_mirrored_target()
    assert (b.host_target, b.bundle_project) == ("3.11.2:x86_64:2.36", PROJECT)


def test_remote_mode_has_no_target_and_says_nothing(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch, mirrored_targets=[])
    b = host.bootstrap()
    b.check_mirrored_target()
    assert (b.host_target, b.bundle_project) == ("", "")
    assert host.logged() == ""


# --- pick pip -------------------------------------------------------------------------------------------
def f(filename, requires=None, sha="s"):
    return IndexFile(filename, "https://h/p/" + filename, sha, requires)


LISTING = [
    f("pip-26.2.1-py3-none-any.whl", ">=3.10", "abc"),
    f("pip-26.0.1-py3-none-any.whl", ">=3.9", "def"),
    f("pip-26.3b1-py3-none-any.whl", ">=3.9", "000"),     # a pre-release: never
    f("pip-23.0.1-py3-none-any.whl", ">=3.7", "111"),
    f("pip-26.1.tar.gz", ">=3.9", "222"),                 # an sdist: never
    f("pipx-9.9-py3-none-any.whl", None, "333"),          # another project
    f("keyring-25.7.0-py3-none-any.whl", ">=3.9", "444"),
]


@pytest.mark.parametrize("python, picked", [
    ("3.9.21", "pip-26.0.1-py3-none-any.whl"),   # 26.2.1 needs >= 3.10
    ("3.11.2", "pip-26.2.1-py3-none-any.whl"),
    ("3.8.10", "pip-23.0.1-py3-none-any.whl"),
    ("3.6.8", None),
])
def test_pick_pip_the_newest_wheel_the_host_can_run(python, picked):
    got = pick_newest(LISTING, "pip", python)
    assert (got.filename if got else None) == picked
    if got:
        assert got.sha256 == {"pip-26.0.1-py3-none-any.whl": "def", "pip-26.2.1-py3-none-any.whl": "abc",
                              "pip-23.0.1-py3-none-any.whl": "111"}[picked]


@pytest.mark.parametrize("listing, python, picked", [
    # no Requires-Python admits every Python; exclusions are honoured
    ([f("pip-25.0-py3-none-any.whl"), f("pip-26.0-py3-none-any.whl", ">=3.9,!=3.9.0,!=3.9.1")], "3.9.1", "pip-25.0-py3-none-any.whl"),
    ([f("pip-25.0-py3-none-any.whl"), f("pip-26.0-py3-none-any.whl", ">=3.9,!=3.9.0,!=3.9.1")], "3.9.2", "pip-26.0-py3-none-any.whl"),
    # ~=3.11 admits 3.12.3, ==3.11.* does not
    ([f("pip-24.0-py3-none-any.whl", "~=3.11"), f("pip-25.0-py3-none-any.whl", "==3.11.*")], "3.12.3", "pip-24.0-py3-none-any.whl"),
    ([f("pip-24.0-py3-none-any.whl", "~=3.11"), f("pip-25.0-py3-none-any.whl", "==3.11.*")], "3.11.2", "pip-25.0-py3-none-any.whl"),
])
def test_pick_pip_honours_requires_python(listing, python, picked):
    assert pick_newest(listing, "pip", python).filename == picked
