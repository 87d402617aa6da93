"""Where the helpers come from: the pages the bootstrap reads in the auth repo (its target's bundle first, the
helpers' own pages without one), the newest bundle, a pip wheel this CPython can run, and a bundle fetched,
checked against the index's sha256 and verified before anything is installed from it."""
from __future__ import annotations

import os

import pytest

from bootstrap_fakes import FILES, HELPERS, PROJECT, Host, forge, make_bundle
from pip_airlock_agent.ar import IndexFile
from pip_airlock_agent.errors import TRANSIENT, NotServedYet, Unreachable, Unverifiable
from pip_airlock_agent.names import dist_name
from pip_airlock_agent.versions import pick_newest

BUNDLE_1_5 = f"{dist_name(PROJECT)}-1.5-py3-none-any.whl"


def polling_host(tmp_path, monkeypatch, **changes):
    host = Host(tmp_path, monkeypatch, **changes)
    b = host.bootstrap()
    b.check_mirrored_target()
    return host, b


# --- helpers_served ---------------------------------------------------------------------------------------
def test_with_a_bundle_for_its_target_one_page(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.add(BUNDLE_1_5, requires="==3.11.*").helpers()
    b.helpers_served()
    assert host.transport.pages() == [PROJECT]
    assert (b.source, b.bundle.filename, b.pip_wheel) == ("bundle", BUNDLE_1_5, None)
    assert host.transport.downloads() == []  # the pip wheel is not taken from the index


def test_without_a_bundle_the_helpers_pages_then_the_bundle_once_more(tmp_path, monkeypatch):
    """An older mirror's auth repo: no bundle."""
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.helpers()
    b.helpers_served()
    assert host.transport.pages() == [PROJECT] + HELPERS + [PROJECT]
    assert (b.source, b.bundle, b.pip_wheel.filename) == ("index", None, "pip-26.2.1-py3-none-any.whl")


def test_a_bundle_uploaded_while_the_poll_read_the_helpers_pages_is_taken(tmp_path, monkeypatch):
    """The mirror uploads the bundle before the helpers: it can appear between the first page and the last."""
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.add(BUNDLE_1_5, requires="==3.11.*").helpers()
    host.repo.late[PROJECT] = 1
    b.helpers_served()
    assert host.transport.pages() == [PROJECT] + HELPERS + [PROJECT]
    assert (b.source, b.bundle.filename) == ("bundle", BUNDLE_1_5)


def test_while_the_auth_repo_is_not_filled_two_pages_a_poll(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.add("cffi-2.1.1-cp311-cp311-manylinux_2_17_x86_64.whl")
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert host.transport.pages() == [PROJECT, "keyring"]
    assert "the auth repo does not serve keyring keyrings-google-artifactregistry-auth pip virtualenv yet" in host.logged()
    assert b.source == ""


def test_a_repo_missing_one_helper_is_not_served(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch, mirrored_targets=[])
    host.repo.add("keyring-25.7.0-py3-none-any.whl").add("pip-26.2.1-py3-none-any.whl")
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert host.transport.pages() == HELPERS
    assert "the auth repo does not serve keyrings-google-artifactregistry-auth virtualenv yet" in host.logged()


def test_remote_mode_reads_the_index_pages_only(tmp_path, monkeypatch):
    """No target, so no bundle project: a bundle in the repo is not looked for."""
    host, b = polling_host(tmp_path, monkeypatch, mirrored_targets=[])
    host.repo.add(BUNDLE_1_5, requires="==3.11.*").helpers()
    b.helpers_served()
    assert host.transport.pages() == HELPERS
    assert (b.source, b.bundle, b.pip_wheel.filename) == ("index", None, "pip-26.2.1-py3-none-any.whl")


def test_a_host_that_is_no_target_reads_the_index_pages_only(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch, python="3.12.3", glibc="2.39")
    host.repo.add(BUNDLE_1_5, requires="==3.11.*").helpers()
    b.helpers_served()
    assert host.transport.pages() == HELPERS
    assert b.source == "index"


# --- a pip this host can run ------------------------------------------------------------------------------
def test_waits_for_a_pip_wheel_this_host_can_run(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch, python="3.9.21")
    host.repo.helpers(pip_requires=">=3.10")
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert "serves no pip wheel whose Requires-Python admits CPython 3.9.21 yet" in host.logged()
    assert b.pip_wheel is None

    host, b = polling_host(tmp_path / "other", monkeypatch, python="3.11.2")
    host.repo.helpers(pip_requires=">=3.10")
    b.helpers_served()
    served = host.repo.projects["pip"][0]
    assert (b.pip_wheel.filename, b.pip_wheel.sha256) == ("pip-26.2.1-py3-none-any.whl", served[2])
    assert b.pip_wheel.url == FILES + "pip-26.2.1-py3-none-any.whl"


# --- the newest bundle --------------------------------------------------------------------------------------
BUNDLES = [f"{dist_name(PROJECT)}-{v}-py3-none-any.whl" for v in ("1.4000000000", "10.3", "2.99")]


def test_the_newest_bundle_is_the_highest_n():
    listing = [IndexFile(name, f"https://h/files/{name}", f"sha{i}", "==3.11.*") for i, name in enumerate(BUNDLES)]
    listing.append(IndexFile("pip-26.2.1-py3-none-any.whl", "u", "s", ">=3.9"))
    picked = pick_newest(listing, PROJECT, "3.11.2")
    assert (picked.filename, picked.sha256, picked.url) == (BUNDLES[1], "sha1", f"https://h/files/{BUNDLES[1]}")
    assert pick_newest(listing, PROJECT, "3.12.3") is None  # ==3.11.* does not admit it


def test_the_bootstrap_takes_the_highest_n_the_repo_serves(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch)
    for name in BUNDLES:
        host.repo.add(name, requires="==3.11.*")
    b.helpers_served()
    assert (b.source, b.bundle.filename) == ("bundle", BUNDLES[1])
    assert f"the auth repo serves the bundle of 3.11.2:x86_64:2.36: {BUNDLES[1]}" in host.logged()
    # A CPython the bundles' Requires-Python does not admit finds none.
    b.host_python = "3.12.3"
    assert b.bundle_served() is False


# --- fetch_bundle -------------------------------------------------------------------------------------------
@pytest.fixture
def served(tmp_path, monkeypatch):
    """A host whose auth repo serves `path` (a bundle) with the sha256 given; returns (host, bootstrap, work_dir)."""
    def serve(path, sha="auto"):
        host, b = polling_host(tmp_path / "host", monkeypatch)
        host.repo.add_bundle(path, sha=sha)
        b.helpers_served()
        b.work_dir = str(tmp_path / "host" / "work-dir")
        os.mkdir(b.work_dir)
        return host, b
    return serve


def test_fetch_bundle_verified_pip_wheel_inside_the_work_dir_nothing_else_left(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path)
    b.fetch_bundle()
    assert b.pip_wheel_path == os.path.join(b.work_dir, "bundle", "wheels", "pip-26.2.1-py3-none-any.whl")
    assert os.path.isfile(b.pip_wheel_path)
    assert os.listdir(b.work_dir) == ["bundle"]
    assert sorted(os.listdir(os.path.join(b.work_dir, "bundle"))) == ["install.txt", "requirements.txt", "wheels"]
    assert f"verified {os.path.basename(path)}: 5 wheels" in host.logged()
    # once a run: asked again, nothing is fetched
    b.fetch_bundle()
    assert host.transport.downloads() == [os.path.basename(path)]


def test_fetch_bundle_a_damaged_transfer_is_retried_and_leaves_nothing(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path, sha="0" * 64)
    with pytest.raises(Unreachable, match="sha256 mismatch for " + os.path.basename(path)) as caught:
        b.fetch_bundle()
    assert isinstance(caught.value, TRANSIENT)
    assert os.listdir(b.work_dir) == [] and b.pip_wheel_path == ""
    # through the retry policy: fetched again, MAX_ATTEMPTS times in all, then the failure
    with pytest.raises(Unreachable):
        b.obtain_pip_wheel()
    assert len(host.transport.downloads()) == 1 + host.settings.max_attempts
    assert os.listdir(b.work_dir) == []


def test_fetch_bundle_a_bundle_that_fails_verification_is_permanent_and_leaves_nothing(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    os.mkdir(tmp_path / "forged")
    inner = "pip_airlock_bundle/wheels/jaraco_context-6.1.2-py3-none-any.whl"

    def change(entries):
        entries[inner] += b"x"
    forged = forge(path, str(tmp_path / "forged" / os.path.basename(path)), change)
    host, b = served(forged)  # the index's sha256 is the forged file's: the transfer is fine, the content is not
    with pytest.raises(Unverifiable, match="fails verification: nothing is installed from it") as caught:
        b.obtain_pip_wheel()
    assert not isinstance(caught.value, TRANSIENT)
    assert "jaraco_context-6.1.2-py3-none-any.whl: its sha256 is not the one the manifest pins" in str(caught.value)
    assert len(host.transport.downloads()) == 1  # never retried
    assert os.listdir(b.work_dir) == [] and b.unpacked is None and b.pip_wheel_path == ""


def test_fetch_bundle_without_a_sha256_on_the_index_cannot_be_verified(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path, sha=None)
    with pytest.raises(Unverifiable, match=f"gives no sha256 for {os.path.basename(path)}: it cannot be verified") as caught:
        b.obtain_pip_wheel()
    assert not isinstance(caught.value, TRANSIENT)
    assert host.transport.downloads() == [] and os.listdir(b.work_dir) == []
