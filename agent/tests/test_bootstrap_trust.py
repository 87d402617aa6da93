"""Hosts install only what the mirror signed: a writer of the auth repo who is not the mirror (a higher bundle, a
higher pip wheel, a forged or foreign-key signed set) gets nothing run; a key version KMS no longer serves signs
nothing; a lock refuses what it does not pin; a host never goes back to an older signed set. Run whole, on a
host in a directory, with real RSA keys (openssl) and the real verifier; KMS's getPublicKey as documented."""
from __future__ import annotations

import os

import pytest

from bootstrap_fakes import CLOSURE, PROJECT, ROOT_ONLY, Host, closure, make_bundle, sha256
from pip_airlock_agent import cli, signed_set
from pip_airlock_agent.errors import Rejected, Unreachable, Unverifiable
from pip_airlock_agent.http import Response
from pip_airlock_agent.keyring_venv import BUNDLE_RECORD

pytestmark = ROOT_ONLY
SIGNED = signed_set.PROJECT


def run(host: Host):
    return host.run_whole()


def signed_host(tmp_path, monkeypatch, **changes) -> Host:
    host = Host(tmp_path / "host", monkeypatch, **changes)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror")))
    host.publish()
    return host


def installs(host: Host):
    return [argv for argv, _ in host.runner.calls if "install" in argv]


def test_a_higher_bundle_and_a_higher_pip_wheel_from_another_writer_are_never_fetched(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    ours = host.repo.projects[PROJECT][0][0]
    evil = make_bundle(str(tmp_path / "evil"), names=[n.replace("keyring-25.7.0", "keyring-99.0") for n in CLOSURE],
                       listing=host.ctx.ar.project_files(host.settings.auth_repo_index_url, PROJECT))
    host.repo.add_bundle(evil)
    host.repo.add("pip-99.0-py3-none-any.whl", b"import os  # a .pth would run as root", requires=">=3.9")
    status, _ = run(host)
    assert status == "ready", host.logged()
    assert os.path.basename(evil) not in host.transport.downloads() and "pip-99.0-py3-none-any.whl" not in host.transport.downloads()
    assert ours in host.transport.downloads()
    assert host.runner.installed["keyring"] == "25.7.0"


def test_a_forged_signed_set_above_the_real_one_is_refused_and_the_real_one_used(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    real = host.repo.projects[SIGNED][0][0]
    # another writer signs with a key of its own while naming the mirror's version 1
    forged = host.publish(files={"keyring-99.0-py3-none-any.whl": "0" * 64}, bundles={}, signer=7)
    status, _ = run(host)
    assert status == "ready", host.logged()
    assert f"refused {forged}: signed set refused: its signature does not verify with {host.keys.version_name(1)}" in host.logged()
    assert f"verified {real}" in host.logged()
    with open(os.path.join(host.venv_dir, BUNDLE_RECORD)) as fh:
        assert fh.read().split()[0] == real


def test_a_signed_set_naming_another_key_is_refused(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    other = "projects/attacker-proj/locations/us-central1/keyRings/r/cryptoKeys/k"
    forged = host.publish(files={"keyring-99.0-py3-none-any.whl": "0" * 64}, bundles={}, key=other)
    status, _ = run(host)
    assert status == "ready", host.logged()
    assert f"refused {forged}: signed set refused: signed by {other}/cryptoKeyVersions/1, not a version of the configured key" in host.logged()
    assert all(not name.startswith(other) for name in host.keys.public_key_requests)  # its key is never even fetched


def test_nothing_that_verifies_fails_at_verify_and_changes_nothing(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror")))
    host.publish(signer=7)  # the only signed set: a forgery
    status, attrs = run(host)
    assert isinstance(status, Unverifiable), status
    assert host.log.current_step == "verify"
    assert "no signed set in the auth repo verifies with" in str(status) and "nothing was installed or changed" in str(status)
    assert not os.path.exists(host.venv_dir) and installs(host) == []
    assert not os.path.exists(host.path("/etc/pip.conf"))
    assert cli.fail(host.log, host.ctx.attrs, status) == 1
    assert host.transport.attributes[-2:] == [("failed-step", "verify"), ("status", "failed")]
    assert len(host.transport.downloads()) == 1  # never retried: a forgery does not become genuine


def test_at_most_max_candidates_are_tried(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    for i in range(signed_set.MAX_CANDIDATES):
        host.publish(files={f"junk{i}-1.0-py3-none-any.whl": "0" * 64}, bundles={}, signer=7)
    status, _ = run(host)
    assert isinstance(status, Unverifiable)
    assert f"({signed_set.MAX_CANDIDATES} tried" in str(status)
    assert len(host.transport.downloads()) == signed_set.MAX_CANDIDATES


def test_a_rotated_key_new_version_signs_and_a_disabled_version_signs_nothing(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    host.keys.enable(2)
    new = host.publish(version=2, files=dict(host.repo.files(), **{"extra-1.0-py3-none-any.whl": "e" * 64}))
    status, _ = run(host)
    assert status == "ready", host.logged()
    assert f"verified {new}: signed by {host.keys.version_name(2)}" in host.logged()

    # version 2 disabled: its signed set is refused (KMS serves no public key for it); version 1's still verifies
    host2 = signed_host(tmp_path / "two", monkeypatch)
    host2.keys.enable(2)
    newer = host2.publish(version=2, files=dict(host2.repo.files(), **{"extra-1.0-py3-none-any.whl": "e" * 64}))
    host2.keys.state[2] = "DISABLED"
    status, _ = run(host2)
    assert status == "ready", host2.logged()
    assert f"refused {newer}: " in host2.logged() and "not enabled" in host2.logged()
    assert f"verified {host2.repo.projects[SIGNED][0][0]}" in host2.logged()


def test_kms_refusing_the_host_is_failed_never_stale(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    host.transport.keys.public_key_response = lambda name: Response(
        403, {}, b'{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "Permission cloudkms.cryptoKeyVersions.viewPublicKey denied"}}')
    host.configure()
    status, attrs = run(host)
    assert isinstance(status, Rejected), status
    assert host.log.current_step == "verify" and attrs == [("status", "running")]


def test_kms_unreachable_on_a_configured_host_is_ready_stale_at_verify(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    newest = host.publish(files=dict(host.repo.files(), **{"extra-1.0-py3-none-any.whl": "e" * 64}))
    host.configure(record=host.signed_record(host.repo.projects[SIGNED][0][0]))
    host.transport.kms_down = Unreachable("GET https://cloudkms.googleapis.com/...: connection refused")
    status, attrs = run(host)
    assert status == "ready-stale", host.logged()
    assert ("stale-step", "verify") in attrs
    assert newest not in open(os.path.join(host.venv_dir, BUNDLE_RECORD)).read()


def test_going_back_to_an_older_signed_set_is_refused(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    first = host.repo.projects[SIGNED][0][0]
    second = host.publish(files=dict(host.repo.files(), **{"extra-1.0-py3-none-any.whl": "e" * 64}))
    host.configure(record=host.signed_record(second))
    # someone deletes the newest: the older one verifies, but the host was already past it
    host.repo.projects[SIGNED] = [f for f in host.repo.projects[SIGNED] if f[0] == first]
    status, _ = run(host)
    assert isinstance(status, Unverifiable) and "going back is refused" in str(status), status
    assert second in open(os.path.join(host.venv_dir, BUNDLE_RECORD)).read()


def test_with_a_lock_a_signed_bundle_holding_an_unpinned_wheel_is_refused(tmp_path, monkeypatch):
    wheels = closure(str(tmp_path / "lockwheels"))
    pins = {os.path.basename(p): sha256(open(p, "rb").read()) for p in wheels}
    lock = "\n".join(f"{n.split('-')[0]}=={n.split('-')[1]} --hash=sha256:{h}" for n, h in sorted(pins.items()) if not n.startswith("jaraco"))
    host = signed_host(tmp_path, monkeypatch, lock_content=lock)
    status, _ = run(host)
    assert isinstance(status, Unverifiable), status
    assert "holds 1 file(s) the lock does not pin (jaraco_context-6.1.2-py3-none-any.whl)" in str(status)
    # the bundle is fetched for its pip wheel first (step venv): refused there, before any pip runs from it
    assert host.log.current_step == "venv" and installs(host) == []

    full = "\n".join(f"{n.split('-')[0]}=={n.split('-')[1]} --hash=sha256:{h}" for n, h in sorted(pins.items()))
    ok = signed_host(tmp_path / "ok", monkeypatch, lock_content=full)
    status, _ = run(ok)
    assert status == "ready", ok.logged()


def test_a_host_that_is_no_target_installs_only_signed_files_it_can_run(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch, python="3.12.3", glibc="2.39")
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror"))).helpers()
    host.repo.add("cffi-2.1.1-cp311-cp311-manylinux_2_17_x86_64.whl")  # signed, but not for CPython 3.12
    host.publish()
    host.repo.add("keyring-99.0-py3-none-any.whl")  # not signed
    status, attrs = run(host)
    assert status == "ready", host.logged()
    fetched = sorted(host.transport.downloads())
    assert fetched == sorted([host.repo.projects[SIGNED][0][0], "keyring-25.7.0-py3-none-any.whl",
                              "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl", "pip-26.2.1-py3-none-any.whl",
                              "virtualenv-20.30.0-py3-none-any.whl"])
    [install] = [a for a in installs(host) if "--find-links" in a]
    assert "--no-index" in install and install[install.index("--only-binary") + 1] == ":all:"
    assert "the signed set names no bundle for this host" in host.logged()


def test_the_installed_set_says_which_statement_and_keyring(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    status, attrs = run(host)
    record = open(os.path.join(host.venv_dir, BUNDLE_RECORD)).read().split()
    assert ("installed-set", f"{record[2][:12]} keyring==25.7.0") in attrs
    assert record[0] == host.repo.projects[SIGNED][0][0] and record[1] == sha256(host.repo.projects[SIGNED][0][1])


def test_a_retry_after_verification_does_not_fetch_the_signed_set_again(tmp_path, monkeypatch):
    host = signed_host(tmp_path, monkeypatch)
    host.repo.page_status[PROJECT] = 503  # the bundle's page, after the signed set verified: retried
    calls = {"n": 0}
    real_page = host.repo.page

    def page(project):
        if project == PROJECT:
            calls["n"] += 1
            if calls["n"] == 1:
                from pip_airlock_agent.http import Response as R
                return R(503, {}, b"")
        return real_page(project)
    del host.repo.page_status[PROJECT]
    host.repo.page = page
    status, _ = run(host)
    assert status == "ready", host.logged()
    assert host.transport.downloads().count(host.repo.projects[SIGNED][0][0]) == 1
