"""Where the helpers come from: the pages the bootstrap reads in the auth repo (in mirror mode the signed sets'
page; in remote mode the helpers' own pages), a pip wheel this CPython can run, and the bundle the signed set
names, fetched, checked against the signed sha256 and verified before anything is installed from it."""
from __future__ import annotations

import os

import pytest

from bootstrap_fakes import FILES, HELPERS, PROJECT, Host, forge, make_bundle
from pip_airlock_agent import signed_set
from pip_airlock_agent.ar import IndexFile
from pip_airlock_agent.errors import TRANSIENT, NotServedYet, SettingsError, Unreachable, Unverifiable
from pip_airlock_agent.trust import SignedSource
from pip_airlock_agent.names import dist_name
from pip_airlock_agent.versions import pick_newest

BUNDLE_1_5 = f"{dist_name(PROJECT)}-1.5-py3-none-any.whl"


def polling_host(tmp_path, monkeypatch, **changes):
    host = Host(tmp_path, monkeypatch, **changes)
    b = host.bootstrap()
    b.check_mirrored_target()
    return host, b


# --- helpers_served: mirror mode polls the signed sets' page only ----------------------------------------------
def test_mirror_mode_polls_the_signed_sets_page_only(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror"))).helpers()
    host.publish()
    b.trust = SignedSource(host.settings, host.ctx, str(tmp_path))
    b.helpers_served()
    assert host.transport.pages() == [signed_set.PROJECT]
    assert host.transport.downloads() == [] and host.transport.kms_requests() == 0


def test_until_the_mirror_publishes_its_signed_set_nothing_is_served(tmp_path, monkeypatch):
    """The mirror uploads the signed set last: bundles and helpers without one are not served yet."""
    host, b = polling_host(tmp_path, monkeypatch)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror"))).helpers()
    b.trust = SignedSource(host.settings, host.ctx, str(tmp_path))
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert host.transport.pages() == [signed_set.PROJECT]
    assert "the auth repo serves no signed set yet" in host.logged()


def test_a_repo_missing_one_helper_is_not_served(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch, mirrored_targets=[], signing_key="")
    host.repo.add("keyring-25.7.0-py3-none-any.whl").add("pip-26.2.1-py3-none-any.whl")
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert host.transport.pages() == HELPERS
    assert "the auth repo does not serve keyrings-google-artifactregistry-auth virtualenv yet" in host.logged()


def test_remote_mode_reads_the_index_pages_only(tmp_path, monkeypatch):
    """No key, no target: nothing signed is looked for."""
    host, b = polling_host(tmp_path, monkeypatch, mirrored_targets=[], signing_key="")
    host.repo.add(BUNDLE_1_5, requires="==3.11.*").helpers()
    b.helpers_served()
    assert host.transport.pages() == HELPERS
    assert (b.source, b.bundle, b.pip_wheel.filename) == ("index", None, "pip-26.2.1-py3-none-any.whl")


def test_mirrored_targets_without_a_signing_key_are_refused(tmp_path, monkeypatch):
    with pytest.raises(SettingsError, match="SIGNING_KEY: empty while MIRRORED_TARGETS"):
        Host(tmp_path, monkeypatch, signing_key="", mirrored_targets=["3.11.2:x86_64:2.36"])


# --- a pip this host can run ------------------------------------------------------------------------------
def test_waits_for_a_pip_wheel_this_host_can_run(tmp_path, monkeypatch):
    host, b = polling_host(tmp_path, monkeypatch, python="3.9.21", mirrored_targets=[], signing_key="")
    host.repo.helpers(pip_requires=">=3.10")
    with pytest.raises(NotServedYet):
        b.helpers_served()
    assert "serves no pip wheel whose Requires-Python admits CPython 3.9.21 yet" in host.logged()
    assert b.pip_wheel is None

    host, b = polling_host(tmp_path / "other", monkeypatch, python="3.11.2", mirrored_targets=[], signing_key="")
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


# --- fetch_bundle -------------------------------------------------------------------------------------------
@pytest.fixture
def served(tmp_path, monkeypatch):
    """A host whose auth repo serves `path` (a bundle; its page gives `sha`) in a signed set naming it with its
    real sha256; returns (host, bootstrap) with the signed set verified and the bundle chosen."""
    def serve(path, sha="auto", signed_sha=None):
        host, b = polling_host(tmp_path / "host", monkeypatch)
        host.repo.add_bundle(path, sha=sha)
        files = host.repo.files()
        if signed_sha:
            files[os.path.basename(path)] = signed_sha
        host.publish(files=files)
        b.work_dir = str(tmp_path / "host" / "work-dir")
        os.mkdir(b.work_dir)
        b.trust = SignedSource(host.settings, host.ctx, b.work_dir)
        b.helpers_served()
        b.choose_signed_source()
        assert b.source == "bundle"
        host.transport.requests.clear()
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


def test_a_listing_that_disagrees_with_the_signed_sha256_is_refused(tmp_path, monkeypatch):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = polling_host(tmp_path / "host", monkeypatch)
    host.repo.add_bundle(path)
    files = host.repo.files()
    host.publish(files=files)
    host.repo.projects[PROJECT] = [(n, d, "0" * 64, r) for n, d, _, r in host.repo.projects[PROJECT]]
    b.trust = SignedSource(host.settings, host.ctx, str(tmp_path))
    b.helpers_served()
    with pytest.raises(Unverifiable, match="with sha256 0{64}, the signed set [0-9a-f]{64}: nothing is installed from it") as caught:
        b.choose_signed_source()
    assert not isinstance(caught.value, TRANSIENT)


def test_fetch_bundle_a_damaged_transfer_is_retried_and_leaves_nothing(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path, sha=None)
    host.repo.projects[PROJECT] = [(n, d[:-1] + b"x", s, r) for n, d, s, r in host.repo.projects[PROJECT]]  # damaged on its way
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


def test_fetch_bundle_without_a_sha256_on_the_index_is_checked_against_the_signed_sha256(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path, sha=None)
    assert b.obtain_pip_wheel().endswith("pip-26.2.1-py3-none-any.whl")


def test_a_bundle_whose_bytes_are_not_the_signed_ones_is_never_installed(tmp_path, served):
    path = make_bundle(str(tmp_path / "mirror"))
    host, b = served(path, sha=None, signed_sha="1" * 64)  # the page gives none; the statement another
    with pytest.raises(Unreachable, match="sha256 mismatch"):
        b.fetch_bundle()
    with pytest.raises(Unreachable):
        b.obtain_pip_wheel()
    assert os.listdir(b.work_dir) == [] and b.unpacked is None
