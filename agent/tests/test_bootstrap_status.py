"""The bootstrap's statuses, run whole on a host in a directory: `ready` when proven; `ready-stale` (with
`stale-step`) only when Artifact Registry or the metadata server could not be reached and an earlier boot's
configuration stays unchanged; `failed` for a 401/403 (at once, never retried), a local fault, or an auth repo
that still does not serve the helpers when the wait is over — on a configured host too."""
from __future__ import annotations

import os

import pytest

from bootstrap_fakes import CLOSURE, HELPERS, PROJECT, ROOT_ONLY, Host, make_bundle, sha256
from pip_airlock_agent import cli, signed_set
from pip_airlock_agent.errors import LocalError, NotServedYet, Rejected, Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.keyring_venv import BUNDLE_RECORD, MARKER
from pip_airlock_agent.pipconf import HEADER

pytestmark = ROOT_ONLY


SIGNED = signed_set.PROJECT


def serving_host(tmp_path, monkeypatch, configured: bool, **changes) -> Host:
    """A host whose auth repo serves its target's bundle in a signed set; `configured`: an earlier boot
    installed from it."""
    path = make_bundle(str(tmp_path / "mirror"))
    host = Host(tmp_path / "host", monkeypatch, **changes)
    host.repo.add_bundle(path)
    name = host.publish()
    if configured:
        host.configure(record=host.signed_record(name))
    return host


def installed_set(host: Host) -> str:
    name = host.repo.projects[SIGNED][-1][0]
    return host.signed_record(name).split()[2][:12] + " keyring==25.7.0"


def run(host: Host):
    return host.run_whole()


def failed(host: Host, err) -> list:
    """What cli.py publishes for a failure (the step the log is at), after the run's own attributes."""
    assert cli.fail(host.log, host.ctx.attrs, err) == 1
    return list(host.transport.attributes)


def retries(host: Host) -> int:
    return host.logged().count("; retrying in ")


# --- ready ---------------------------------------------------------------------------------------------------
def test_a_fresh_host_gets_ready_and_the_next_boot_changes_nothing(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=False)
    host.debian_wheel_dir("pip-23.0.1-py3-none-any.whl")
    status, attrs = run(host)
    assert status == "ready", host.logged()
    assert attrs == [("status", "running"), ("changes", "10"), ("installed-set", installed_set(host)), ("status", "ready")]
    venv = host.venv_dir
    with open(os.path.join(venv, MARKER)) as fh:
        assert fh.read().startswith("# Written by pip-airlock")
    assert os.readlink(host.keyring_link) == os.path.join(venv, "bin", "keyring")
    assert os.readlink(os.path.join(host.bin, "virtualenv")) == os.path.join(venv, "bin", "virtualenv")
    with open(host.path("/etc/pip.conf")) as fh:
        assert fh.read() == f"{HEADER}\n[global]\nindex-url = {host.settings.index_url}\nkeyring-provider = subprocess\n"
    bundle_file = host.repo.projects[PROJECT][0]
    signed_file = host.repo.projects[SIGNED][0]
    with open(os.path.join(venv, BUNDLE_RECORD)) as fh:
        assert fh.read() == host.signed_record(signed_file[0]) + "\n"
    assert host.transport.pages() == [SIGNED, PROJECT] and host.transport.downloads() == [signed_file[0], bundle_file[0]]
    assert host.transport.kms_requests() == 1
    assert host.probes == ["index", "user"]

    host.reboot()
    status, attrs = run(host)
    assert status == "ready", host.logged()
    assert attrs == [("status", "running"), ("changes", "0"), ("installed-set", installed_set(host)), ("status", "ready")]
    assert "an earlier boot left a working configuration" in host.logged()
    assert f"already installed from {signed_file[0]}" in host.logged()
    # one request: the signed sets' page; nothing downloaded, no key fetched
    assert host.transport.pages() == [SIGNED] and host.transport.downloads() == [] and host.transport.kms_requests() == 0
    assert not [argv for argv, _ in host.runner.calls if "install" in argv]


def test_a_fresh_host_without_a_bundle_installs_from_the_index(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch, mirrored_targets=[], signing_key="")
    host.repo.helpers()
    host.debian_wheel_dir("pip-24.2-py3-none-any.whl")
    status, attrs = run(host)
    assert status == "ready", host.logged()
    assert host.transport.pages() == HELPERS
    assert host.transport.downloads() == ["pip-26.2.1-py3-none-any.whl"]
    [install] = [argv for argv, _ in host.runner.calls if "pip-retry" in argv]
    assert install[install.index("--only-binary") + 1] == ":all:"
    assert not any("tok-a" in word for word in install)  # the token is in pip's environment only
    assert attrs[-2] == ("installed-set", "unsigned keyring==25.7.0")


def test_remote_mode_with_a_lock_installs_exactly_its_pins_with_hashes(tmp_path, monkeypatch):
    lock = "keyring==25.7.0 --hash=sha256:" + "a" * 64 + "\nvirtualenv==20.30.0 --hash=sha256:" + "b" * 64
    host = Host(tmp_path, monkeypatch, mirrored_targets=[], signing_key="", lock_content=lock)
    host.repo.helpers()
    host.debian_wheel_dir("pip-24.2-py3-none-any.whl")
    status, _ = run(host)
    assert status == "ready", host.logged()
    [(install, kwargs)] = [(argv, kw) for argv, kw in host.runner.calls if "pip-retry" in argv]
    assert install[install.index("--require-hashes"):][:2] == ["--require-hashes", "-r"]
    assert "--upgrade" not in install and "keyring" not in install
    assert install[install.index("--only-binary") + 1] == ":all:"


# --- 401/403 while waiting for the auth repo ------------------------------------------------------------------
@pytest.mark.parametrize("configured", [True, False])
@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_at_wait_for_auth_repo_fails_at_once(tmp_path, monkeypatch, status, configured):
    host = serving_host(tmp_path, monkeypatch, configured)
    host.repo.page_status[SIGNED] = status
    outcome, attrs = run(host)
    assert isinstance(outcome, Rejected) and outcome.status == status
    assert host.log.current_step == "wait-for-auth-repo"
    assert host.transport.ar_requests() == 1 and retries(host) == 0  # never retried
    assert attrs == [("status", "running")]  # neither stale-step nor ready-stale
    assert failed(host, outcome)[1:] == [("failed-step", "wait-for-auth-repo"), ("status", "failed")]
    if status == 401:
        assert host.ctx.metadata._token is None  # the token is forgotten


def test_a_refusal_of_a_helpers_page_fails_at_once_too(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch, mirrored_targets=[], signing_key="")
    host.repo.helpers()
    host.repo.page_status["pip"] = 403
    outcome, attrs = run(host)
    assert isinstance(outcome, Rejected)
    assert host.transport.pages() == ["keyring", "keyrings-google-artifactregistry-auth", "pip"] and retries(host) == 0


# --- Artifact Registry or the metadata server unreachable --------------------------------------------------------
@pytest.mark.parametrize("down", ["connection refused", 503])
def test_unreachable_on_a_configured_host_is_ready_stale_with_the_step(tmp_path, monkeypatch, down):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    if down == 503:
        host.repo.page_status[SIGNED] = 503
    else:
        host.transport.ar_down = Unreachable("GET https://us-central1-python.pkg.dev/...: connection refused")
    conf_before = open(host.path("/etc/pip.conf")).read()
    status, attrs = run(host)
    assert status == "ready-stale", host.logged()
    assert attrs == [("status", "running"), ("stale-step", "wait-for-auth-repo"), ("changes", "0"),
                     ("installed-set", installed_set(host)), ("status", "ready-stale")]
    # a configured host only checks for updates: MAX_ATTEMPTS polls, not the first boot's long wait
    assert host.transport.ar_requests() == host.settings.max_attempts
    assert "could not complete step wait-for-auth-repo; the configuration of an earlier boot stays in place" in host.logged()
    assert open(host.path("/etc/pip.conf")).read() == conf_before
    assert os.readlink(host.keyring_link) == os.path.join(host.venv_dir, "bin", "keyring")


def test_no_token_on_a_configured_host_is_ready_stale_at_token(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    host.transport.token_answer = Response(503, {}, b"")
    status, attrs = run(host)
    assert status == "ready-stale"
    assert ("stale-step", "token") in attrs and attrs[-1] == ("status", "ready-stale")
    assert host.transport.ar_requests() == 0


def test_unreachable_on_a_fresh_host_fails_after_the_long_wait(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=False, wait_attempts=5)
    host.repo.page_status[SIGNED] = 503
    outcome, attrs = run(host)
    assert isinstance(outcome, Unreachable)
    assert host.transport.ar_requests() == 5
    assert attrs == [("status", "running")]
    assert failed(host, outcome)[1:] == [("failed-step", "wait-for-auth-repo"), ("status", "failed")]


def test_unreachable_at_the_probe_is_ready_stale_only_on_an_unchanged_host(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    host.probe_raises["index"] = Unreachable("probe: HTTP 503")
    status, attrs = run(host)
    assert status == "ready-stale"
    assert ("stale-step", "probe") in attrs
    # A boot that changed something has not proven the new configuration: failed.
    os.unlink(os.path.join(host.bin, "virtualenv"))
    host.reboot()
    outcome, attrs = run(host)
    assert isinstance(outcome, Unreachable), outcome
    assert "linked" in host.logged() and attrs == [("status", "running")]


# --- local faults and refusals after the wait ------------------------------------------------------------------
@pytest.mark.parametrize("err", [
    LocalError("keyring get: gave no password: the keyring CLI or its Artifact Registry backend is broken"),
    Rejected("probe https://.../simple/keyring/: HTTP 403", 403),
])
def test_a_local_fault_or_a_refusal_at_the_probe_of_a_configured_unchanged_host_fails(tmp_path, monkeypatch, err):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    host.probe_raises["index"] = err
    outcome, attrs = run(host)
    assert outcome is err
    assert attrs == [("status", "running")] and retries(host) == 0
    assert failed(host, outcome)[1:] == [("failed-step", "probe"), ("status", "failed")]


def test_a_local_fault_while_installing_on_a_configured_host_fails(tmp_path, monkeypatch):
    from pip_airlock_agent.runner import Completed

    host = serving_host(tmp_path, monkeypatch, configured=True)
    os.unlink(os.path.join(host.venv_dir, BUNDLE_RECORD))  # so the bundle is installed again
    host.runner.fail["--find-links"] = Completed([], 1, "OSError: [Errno 28] No space left on device")
    outcome, attrs = run(host)
    assert isinstance(outcome, LocalError) and "No space left on device" in str(outcome)
    assert host.log.current_step == "install" and attrs == [("status", "running")]


def test_a_foreign_venv_dir_fails_at_venv_even_on_a_configured_host(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    os.unlink(os.path.join(host.venv_dir, MARKER))
    os.unlink(host.keyring_link)
    outcome, attrs = run(host)
    assert isinstance(outcome, LocalError) and "left untouched" in str(outcome)
    assert host.log.current_step == "venv" and attrs == [("status", "running")]


# --- an auth repo that does not serve the helpers ------------------------------------------------------------
def test_not_served_when_the_wait_is_over_fails(tmp_path, monkeypatch):
    host = Host(tmp_path, monkeypatch, wait_attempts=5)
    outcome, attrs = run(host)
    assert isinstance(outcome, NotServedYet)
    assert host.transport.pages() == [SIGNED] * 5  # one page a poll, WAIT_ATTEMPTS polls
    assert retries(host) == 4 and "waiting for the auth repo: failed after 5 attempts" in host.logged()
    assert failed(host, outcome)[1:] == [("failed-step", "wait-for-auth-repo"), ("status", "failed")]


def test_not_served_on_a_configured_host_fails_not_stale(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    del host.repo.projects[SIGNED]
    outcome, attrs = run(host)
    assert isinstance(outcome, NotServedYet)
    assert len(host.transport.pages()) == host.settings.max_attempts
    assert attrs == [("status", "running")]


def test_unreachable_downloading_a_new_bundle_on_a_configured_unchanged_host_is_ready_stale(tmp_path, monkeypatch):
    host = serving_host(tmp_path, monkeypatch, configured=True)
    newer = make_bundle(str(tmp_path / "mirror2"), listing=host.ctx.ar.project_files(host.settings.auth_repo_index_url, PROJECT),
                        names=[n.replace("keyring-25.7.0", "keyring-25.8.0") for n in CLOSURE])
    host.repo.add_bundle(newer)
    host.publish()
    host.repo.file_status[os.path.basename(newer)] = 503
    host.reboot()
    status, attrs = run(host)
    assert host.transport.downloads().count(os.path.basename(newer)) == host.settings.max_attempts
    assert status == "ready-stale", status
    assert ("stale-step", "install") in attrs
