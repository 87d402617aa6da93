"""The helpers stay current (a new bundle over the old one, the same bundle again costs nothing, each changed
distribution reported), the pip wheel new venvs are born with, and the two probes' verdicts."""
from __future__ import annotations

import os
import sys
import types

import pytest

from bootstrap_fakes import CLOSURE, PROJECT, ROOT_ONLY, Host, make_bundle, sha256
from pip_airlock_agent import bootstrap, probe
from pip_airlock_agent.errors import TRANSIENT, LocalError, Rejected, Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.keyring_venv import BUNDLE_RECORD
from pip_airlock_agent.runner import Completed


# --- report_upgrades ----------------------------------------------------------------------------------------
BEFORE = {"cffi": "2.1.1", "keyring": "25.7.0", "pip": "26.2.1", "six": "1.0"}
AFTER = {"cffi": "2.1.1", "jaraco.context": "6.1.2", "keyring": "25.8.0", "pip": "26.2.1"}


@ROOT_ONLY
def test_report_upgrades_logs_each_changed_distribution_and_counts_one_change(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch)
    host.configure()
    b = host.bootstrap()
    host.runner.installed = dict(BEFORE)
    before = b.venv.freeze()
    host.runner.installed = dict(AFTER)
    b.report_upgrades(before)
    out = host.logged()
    assert "helpers: keyring 25.7.0 -> 25.8.0" in out
    # pip list's names, PEP 503-normalized (the shell's freeze printed jaraco.context)
    assert "helpers: jaraco-context (new) -> 6.1.2" in out
    assert "helpers: six 1.0 -> (gone)" in out
    assert "helpers: 3 distribution(s) changed" in out
    assert "cffi" not in out and "pip 26" not in out
    assert b.changes == 1


@ROOT_ONLY
def test_report_upgrades_of_an_unchanged_venv_says_nothing(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch)
    host.configure()
    b = host.bootstrap()
    host.runner.installed = dict(BEFORE)
    b.report_upgrades(b.venv.freeze())
    assert (b.changes, host.logged()) == (0, "")


# --- ensure_helpers from a bundle ---------------------------------------------------------------------------
def installs(host):
    return [argv for argv, _ in host.runner.calls if "install" in argv]


@ROOT_ONLY
def signed_bootstrap(host, work_dir):
    """A bootstrap past wait-for-auth-repo and verify, its work dir WORK_DIR."""
    from pip_airlock_agent.trust import SignedSource

    b = host.bootstrap()
    b.check_mirrored_target()
    b.work_dir = str(work_dir)
    os.mkdir(b.work_dir)
    b.trust = SignedSource(host.settings, host.ctx, b.work_dir)
    b.helpers_served()
    b.choose_signed_source()
    return b


def test_the_same_bundle_again_is_neither_fetched_nor_installed_another_is(tmp_path, monkeypatch):
    first = make_bundle(str(tmp_path / "mirror"))
    host = Host(tmp_path / "host", monkeypatch)
    host.repo.add_bundle(first)
    first_set = host.publish()
    host.configure(record=host.signed_record(first_set))
    b = signed_bootstrap(host, tmp_path / "work-1")
    b.ensure_helpers()
    assert f"already installed from {first_set}" in host.logged()
    assert host.transport.downloads() == [] and installs(host) == [] and b.changes == 0

    # The mirror published a newer closure (keyring 25.8.0): bundle 2.ID2 is fetched, installed, recorded.
    second = make_bundle(str(tmp_path / "mirror2"), names=[n.replace("keyring-25.7.0", "keyring-25.8.0") for n in CLOSURE],
                         listing=b.ctx.ar.project_files(host.settings.auth_repo_index_url, PROJECT))
    assert os.path.basename(second).split("-")[1].startswith("2.")
    host.repo.add_bundle(second)
    second_set = host.publish()
    host.transport.requests.clear()
    b = signed_bootstrap(host, tmp_path / "work-2")
    assert b.bundle.filename == os.path.basename(second)
    b.ensure_helpers()
    assert host.transport.downloads() == [second_set, os.path.basename(second)]
    [install] = installs(host)
    assert install[install.index("--find-links") + 1] == os.path.join(b.work_dir, "bundle", "wheels")
    assert "--require-hashes" in install and "--no-index" in install
    with open(os.path.join(host.venv_dir, BUNDLE_RECORD)) as fh:
        assert fh.read() == host.signed_record(second_set) + "\n"
    assert "helpers: keyring 25.7.0 -> 25.8.0" in host.logged()
    assert b.changes == 1


# --- ensure_venv_wheel --------------------------------------------------------------------------------------
def venv_wheel_host(tmp_path, monkeypatch, ensurepip_version=None):
    host = Host(tmp_path, monkeypatch, mirrored_targets=[])
    host.repo.helpers()
    if ensurepip_version is None:
        monkeypatch.setitem(sys.modules, "ensurepip", None)  # `import ensurepip` fails
    else:
        monkeypatch.setitem(sys.modules, "ensurepip", types.SimpleNamespace(version=lambda: ensurepip_version))
    b = host.bootstrap()
    b.work_dir = str(tmp_path / "work-dir")
    os.mkdir(b.work_dir)
    b.helpers_served()
    return host, b


def test_a_non_debian_python_old_ensurepip_is_left_alone_and_users_are_told(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, "21.2.3")
    b.ensure_venv_wheel()
    out = host.logged()
    assert "seeds the pip 21.2.3 that ensurepip bundles, which ignores keyring-provider (needs >= 23.1)" in out
    assert f"users create venvs with virtualenv ({host.bin}/virtualenv)" in out
    assert b.changes == 0 and host.transport.downloads() == [] and host.runner.calls == []


def test_a_non_debian_python_new_ensurepip_is_enough(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, "24.0")
    b.ensure_venv_wheel()
    assert "seeds the pip 24.0 that ensurepip bundles, new enough for keyring-provider" in host.logged()
    assert b.changes == 0 and host.transport.downloads() == []


def test_a_python_without_ensurepip(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, None)
    host.wheel_dir = str(tmp_path / "no-such-dir")
    b.ensure_venv_wheel()
    assert "python3 has no ensurepip" in host.logged()
    assert b.changes == 0 and host.transport.downloads() == []


def test_debians_old_wheel_gets_the_mirrored_pip_beside_it(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, "23.0.1")
    wheel_dir = host.debian_wheel_dir("pip-23.0.1-py3-none-any.whl", "setuptools-66.1.1-py3-none-any.whl")
    b.ensure_venv_wheel()
    assert sorted(os.listdir(wheel_dir)) == ["pip-23.0.1-py3-none-any.whl", "pip-26.2.1-py3-none-any.whl",
                                             "setuptools-66.1.1-py3-none-any.whl"]
    with open(os.path.join(wheel_dir, "pip-23.0.1-py3-none-any.whl"), "rb") as fh:
        assert fh.read() == b"debian's pip-23.0.1-py3-none-any.whl"  # Debian's own file is left alone
    placed = os.path.join(wheel_dir, "pip-26.2.1-py3-none-any.whl")
    with open(placed, "rb") as fh:
        assert fh.read() == host.repo.projects["pip"][0][1]
    assert os.stat(placed).st_mode & 0o777 == 0o644
    assert f"placed pip-26.2.1-py3-none-any.whl in {wheel_dir}: new venvs are born with it" in host.logged()
    assert b.changes == 1 and host.transport.downloads() == ["pip-26.2.1-py3-none-any.whl"]


def test_debians_new_enough_wheel_is_kept(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, "24.2")
    wheel_dir = host.debian_wheel_dir("pip-24.2-py3-none-any.whl")
    b.ensure_venv_wheel()
    assert f"new venvs get pip-24.2-py3-none-any.whl from {wheel_dir}: new enough" in host.logged()
    assert b.changes == 0 and host.transport.downloads() == [] and os.listdir(wheel_dir) == ["pip-24.2-py3-none-any.whl"]


def test_the_venv_wheel_is_chosen_like_debians_ensurepip_by_file_name_the_last_wins(tmp_path, monkeypatch):
    host, b = venv_wheel_host(tmp_path, monkeypatch, "9.0.1")
    wheel_dir = host.debian_wheel_dir("pip-23.0.1-py3-none-any.whl", "pip-9.0.1-py3-none-any.whl")
    assert bootstrap._last_pip_wheel(wheel_dir) == "pip-9.0.1-py3-none-any.whl"  # LC_ALL=C sort | tail -n1
    b.ensure_venv_wheel()
    assert (f"warning: placed pip-26.2.1-py3-none-any.whl in {wheel_dir} but pip-9.0.1-py3-none-any.whl sorts after it; "
            "new venvs keep pip-9.0.1-py3-none-any.whl") in host.logged()


# --- the probes ---------------------------------------------------------------------------------------------
PRIVATE_PAGE = "https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/keyring/"


@pytest.mark.parametrize("status, raised", [(200, None), (404, None), (401, Rejected), (403, Rejected)])
def test_probe_index_reads_a_project_page_never_the_root(tmp_path, monkeypatch, status, raised):
    host = Host(tmp_path, monkeypatch)
    host.transport.routes[PRIVATE_PAGE] = Response(status, {}, b"")
    if raised:
        with pytest.raises(raised):
            probe.probe_index(host.settings, host.ctx, str(tmp_path))
        assert "credentials rejected" in host.logged()
    else:
        probe.probe_index(host.settings, host.ctx, str(tmp_path))
    urls = [url for _, url, _, _ in host.transport.requests]
    assert urls == [PRIVATE_PAGE]
    assert not any(url.endswith("/simple/") for url in urls)


def user_probe_host(tmp_path, monkeypatch, download_output, keyring_version="23.9.3", pip_version="26.2.1"):
    host = Host(tmp_path, monkeypatch)
    monkeypatch.setattr(probe, "ensure_probe_user", lambda ctx: (65534, 65534))
    with open(host.ctx.agent_path, "wb") as fh:
        fh.write(b"agent")

    def handler(argv, kwargs):
        if "download" in argv:
            return Completed(argv, 1, download_output)
        if argv[-1] == "--version":
            return Completed(argv, 0, f"pip {pip_version} from /home/v/lib/python3.11/site-packages/pip (python 3.11)\n")
        if argv[-2:] == ["show", "keyring"]:
            return Completed(argv, 0, f"Name: keyring\nVersion: {keyring_version}\n")
        return None
    host.runner.override = handler
    return host


def test_the_user_probe_names_a_pip_keyring_skew_and_it_is_permanent(tmp_path, monkeypatch):
    host = user_probe_host(tmp_path, monkeypatch, "ERROR: Keyring util is outdated; must be at least version 25.2.1\n")
    with pytest.raises(LocalError, match="pip 26.2.1 cannot use keyring 23.9.3") as caught:
        host.ctx.retry.run("probe as a user", lambda: probe.probe_user(host.settings, host.ctx, str(tmp_path)), host.log)
    assert not isinstance(caught.value, TRANSIENT)
    assert "the venv's pip 26.2.1 needs keyring >= 25.2.1; the auth repo serves 23.9.3" in host.logged()
    downloads = [(argv, kw) for argv, kw in host.runner.calls if "download" in argv]
    assert len(downloads) == 1  # tried once
    argv, kw = downloads[0]
    assert kw["user"] == (65534, 65534) and kw["replace_env"] is True
    assert "https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example/pip-auth-repo/simple/" in argv


@pytest.mark.parametrize("output, raised", [
    ("ERROR: HTTP error 403 while getting https://x/keyring-25.7.0-py3-none-any.whl", Rejected),
    ("WARNING: Retrying after connection broken by 'ConnectionResetError'", Unreachable),
])
def test_the_user_probe_other_failures(tmp_path, monkeypatch, output, raised):
    host = user_probe_host(tmp_path, monkeypatch, output, keyring_version="25.7.0")
    with pytest.raises(raised):
        probe.probe_user(host.settings, host.ctx, str(tmp_path))
    assert "needs keyring" not in host.logged()
