"""The bootstrap as the synth renders it names no target (MIRRORED_TARGETS empty): a host finds its target among
those the verified signed set names a bundle for. So one script serves every target the mirror serves, the
stack's own and other teams' (consumers), and stays byte for byte the same when another team's target is added:
the mirror signs a new set naming the new bundle, and the hosts already running the script take it at their
next boot."""
from __future__ import annotations

import os

import pytest

from bootstrap_fakes import CLOSURE, PROJECT, ROOT_ONLY, TARGET, Host, closure, raw_settings
from pip_airlock_agent import bundle, signed_set
from pip_airlock_agent.names import bundle_project

pytestmark = ROOT_ONLY
SIGNED = signed_set.PROJECT
ROCKY9 = "3.9.21:x86_64:2.34"
#: A Rocky 9 host's closure: its own pip (26.0.x: pip 26.1 dropped 3.9) and a cp39 wheel.
ROCKY9_CLOSURE = ["cffi-2.0.0-cp39-cp39-manylinux_2_17_x86_64.whl", "keyring-25.7.0-py3-none-any.whl",
                  "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl", "pip-26.0.1-py3-none-any.whl",
                  "virtualenv-20.30.0-py3-none-any.whl"]


def run(host: Host):
    b = host.bootstrap()
    try:
        return b.run()
    except Exception as err:  # noqa: BLE001 - the test looks at it
        return err


def add_bundle(host: Host, directory, target: str, names=CLOSURE) -> str:
    """The mirror's bundle of `names` for `target`, added to the auth repo; its file name."""
    out = os.path.join(str(directory), "out")
    os.makedirs(out, exist_ok=True)
    path, _ = bundle.plan(out, bundle_project(target), target, closure(os.path.join(str(directory), "wheels"), names), [])
    host.repo.add_bundle(path)
    return os.path.basename(path)


def test_the_rendered_bootstrap_names_no_target():
    # the fixture is the example's bootstrap settings as the synth renders them (__tests__/targets.test.ts)
    assert raw_settings("bootstrap")["MIRRORED_TARGETS"] == []


@pytest.mark.parametrize("python, glibc, target", [("3.11.2", "2.36", TARGET), ("3.9.21", "2.34", ROCKY9)])
def test_each_host_takes_its_own_bundle_from_the_signed_set(tmp_path, monkeypatch, python, glibc, target):
    host = Host(tmp_path / "host", monkeypatch, python=python, glibc=glibc)
    assert host.settings.mirrored_targets == []
    debian = add_bundle(host, tmp_path / "debian", TARGET)
    rocky = add_bundle(host, tmp_path / "rocky", ROCKY9, ROCKY9_CLOSURE)
    host.publish(bundles={TARGET: debian, ROCKY9: rocky})
    status = run(host)
    assert status == "ready", host.logged()
    ours, theirs = (debian, rocky) if target == TARGET else (rocky, debian)
    assert ours in host.transport.downloads() and theirs not in host.transport.downloads()
    assert f"is a target of the mirror ({target}): its bundle is {bundle_project(target)}" in host.logged()
    assert f"the signed set names the bundle of {target}: {ours}" in host.logged()


def test_another_teams_target_added_later_needs_no_new_script(tmp_path, monkeypatch):
    # The stack's hosts run the script before the Rocky 9 consumer is declared ...
    debian_host = Host(tmp_path / "debian-host", monkeypatch)
    first = add_bundle(debian_host, tmp_path / "debian", TARGET)
    debian_host.publish(bundles={TARGET: first})
    assert run(debian_host) == "ready", debian_host.logged()

    # ... then the mirror adds the consumer's target and signs a new set naming both bundles.
    rocky = add_bundle(debian_host, tmp_path / "rocky", ROCKY9, ROCKY9_CLOSURE)
    newer = debian_host.publish(bundles={TARGET: first, ROCKY9: rocky})
    debian_host.reboot()
    assert run(debian_host) == "ready", debian_host.logged()
    assert f"verified {newer}" in debian_host.logged()
    assert rocky not in debian_host.transport.downloads()

    # The consumer's Rocky 9 VM runs the same settings (the fixture's, but for the paths moved below its directory)
    # and finds its bundle in the newest signed set.
    rocky_host = Host(tmp_path / "rocky-host", monkeypatch, python="3.9.21", glibc="2.34")
    rocky_host.repo = debian_host.repo
    rocky_host.transport.repo = debian_host.repo
    assert run(rocky_host) == "ready", rocky_host.logged()
    assert rocky in rocky_host.transport.downloads() and first not in rocky_host.transport.downloads()


def test_a_host_none_of_the_signed_targets_fits_is_told_so_and_installs_the_signed_files_it_can_run(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch, python="3.12.3", glibc="2.39")
    debian = add_bundle(host, tmp_path / "debian", TARGET)
    host.repo.helpers()
    host.publish(bundles={TARGET: debian})
    status = run(host)
    assert status == "ready", host.logged()
    out = host.logged()
    assert "warning: this host (CPython 3.12.3, x86_64, glibc 2.39) is none of the mirror's targets (CPython 3.11.2 x86_64 glibc 2.36)" in out
    assert "consumers.NAME.targets" in out
    assert "the signed set names no bundle for this host" in out
    assert debian not in host.transport.downloads()


def test_target_words_that_are_not_targets_are_ignored(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch)
    b = host.bootstrap()
    b.check_mirrored_target(["3.11.2:x86_64", "../../etc:x86_64:2.36", "3.11.2:x86_64:2.36:x", TARGET])
    assert (b.host_target, b.bundle_project) == (TARGET, PROJECT)
    b.check_mirrored_target(["3.11.2;rm -rf /:x86_64:2.36"])
    assert (b.host_target, b.bundle_project) == ("", "")


def test_settings_that_name_targets_keep_to_them(tmp_path, monkeypatch):
    # A script rendered (or edited) with MIRRORED_TARGETS: the host takes only a bundle of those, as before.
    host = Host(tmp_path / "host", monkeypatch, mirrored_targets=["3.11.2:x86_64:2.28"])
    debian = add_bundle(host, tmp_path / "debian", TARGET)
    host.repo.helpers()
    host.publish(bundles={TARGET: debian})
    status = run(host)
    assert status == "ready", host.logged()
    assert "is a target of the mirror (3.11.2:x86_64:2.28)" in host.logged()
    assert debian not in host.transport.downloads()
