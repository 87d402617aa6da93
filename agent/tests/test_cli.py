"""cli.run_script: a failure ends with the guest attributes failed-step, then status=failed (exit 1); the mirror
powers off when STOP_WHEN_DONE after a failure as after a success (and reports first); the bootstrap never does.
The run's context is built from fakes (context.build patched): no network, no sleep, no real power-off."""
from __future__ import annotations

import json
import os
import types

import pytest

from bootstrap_fakes import FIXTURES, PROJECT, ROOT_ONLY, Host, HostTransport, bootstrap_raw, make_bundle, raw_settings
from fakes import FakeClock, FakeRunner
from pip_airlock_agent import bootstrap, cli, context, mirror
from pip_airlock_agent.errors import LocalError, Unreachable
from pip_airlock_agent.runner import Completed

pytestmark = ROOT_ONLY  # the run lock lives in a root-owned directory

POWEROFF = ["systemctl", "poweroff"]


@pytest.fixture
def agent(tmp_path, monkeypatch):
    """run(script, settings) -> (exit status, events): attribute writes and commands, in order."""
    monkeypatch.chdir(os.getcwd())  # run_script changes to /: put the test's directory back afterwards
    umask = os.umask(0o022)
    os.umask(umask)
    monkeypatch.setattr(cli, "RUN_LOCK_DIR", str(tmp_path / "run" / "pip-airlock"))
    env = types.SimpleNamespace(events=[], transport=None, runner=None)
    env.transport = HostTransport(events=env.events)

    def record(argv, kwargs):
        env.events.append(("run", list(argv)))
        return env.answer(list(argv))
    env.answer = lambda argv: Completed(argv, 0, "")
    env.runner = FakeRunner(record)
    real_build = context.build

    def build(settings, log, agent_path, clock=None, **_):
        return real_build(settings, log, agent_path, clock=FakeClock(), transport=env.transport, runner=env.runner,
                          times_file=str(tmp_path / "guest-attribute-writes"))
    monkeypatch.setattr(context, "build", build)

    def run(script, settings):
        path = settings if isinstance(settings, str) else str(tmp_path / f"{script}.settings.json")
        if not isinstance(settings, str):
            with open(path, "w") as fh:
                json.dump(settings, fh)
        try:
            return cli.main([script, "--settings", path]), env.events
        finally:
            os.umask(umask)
    env.run = run
    return env


def attributes(events):
    return [(e[1], e[2]) for e in events if e[0] == "attribute"]


def script_failing(step, err):
    def run(settings, ctx):
        ctx.attrs.publish("status", "running")
        ctx.log.step(step)
        raise err
    return run


# --- failures -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("err, kind", [(LocalError("No space left on device\nwhile writing the venv"), "LocalError"),
                                       (KeyError("a bug"), "KeyError")])
def test_a_bootstrap_failure_publishes_failed_step_then_failed(agent, monkeypatch, capsys, err, kind):
    monkeypatch.setattr(bootstrap, "run", script_failing("install", err))
    code, events = agent.run("bootstrap", os.path.join(FIXTURES, "bootstrap.settings.json"))
    assert code == 1
    assert attributes(events) == [("status", "running"), ("failed-step", "install"), ("status", "failed")]
    out = capsys.readouterr().out
    assert f"pip-airlock-bootstrap [install] FAILED at step install ({kind})" in out
    if kind == "LocalError":
        assert "[install] No space left on device\n" in out and "[install] while writing the venv\n" in out
    assert ("run", POWEROFF) not in events  # the private host never powers off


def test_a_bootstrap_that_succeeds_exits_0_and_publishes_no_failure(agent, monkeypatch):
    monkeypatch.setattr(bootstrap, "run", lambda settings, ctx: ctx.attrs.publish("status", "ready") or "ready")
    code, events = agent.run("bootstrap", os.path.join(FIXTURES, "bootstrap.settings.json"))
    assert code == 0 and attributes(events) == [("status", "ready")] and ("run", POWEROFF) not in events


# --- the mirror's power-off ------------------------------------------------------------------------------------
def test_the_mirror_powers_off_after_a_failure_once_it_reported_it(agent, monkeypatch):
    monkeypatch.setattr(mirror, "run", script_failing("download", Unreachable("pypi.org: timed out")))
    code, events = agent.run("mirror", raw_settings("mirror"))
    assert code == 1
    assert attributes(events) == [("status", "running"), ("failed-step", "download"), ("status", "failed")]
    assert events[-1] == ("run", POWEROFF)
    assert events.index(("attribute", "status", "failed")) < events.index(("run", POWEROFF))


def test_the_mirror_powers_off_after_a_success(agent, monkeypatch, capsys):
    done = []
    monkeypatch.setattr(mirror, "run", lambda settings, ctx: done.append("mirrored"))
    code, events = agent.run("mirror", raw_settings("mirror"))
    assert (code, done) == (0, ["mirrored"])
    assert [e for e in events if e[0] == "run"] == [("run", POWEROFF)]
    assert "stop_when_done: powering off" in capsys.readouterr().out


@pytest.mark.parametrize("fails", [True, False])
def test_without_stop_when_done_the_mirror_stays_up(agent, monkeypatch, fails):
    monkeypatch.setattr(mirror, "run", script_failing("upload", LocalError("x")) if fails else (lambda s, c: None))
    raw = raw_settings("mirror")
    raw["STOP_WHEN_DONE"] = False
    code, events = agent.run("mirror", raw)
    assert code == (1 if fails else 0)
    assert ("run", POWEROFF) not in events


def test_a_poweroff_that_fails_is_a_warning_not_another_status(agent, monkeypatch, capsys):
    monkeypatch.setattr(mirror, "run", lambda settings, ctx: None)
    agent.answer = lambda argv: Completed(argv, 1, "Failed to connect to bus") if argv == POWEROFF else Completed(argv, 0, "")
    code, events = agent.run("mirror", raw_settings("mirror"))
    assert code == 0 and attributes(events) == []
    assert "warning: systemctl poweroff failed (exit 1)" in capsys.readouterr().out


# --- the real bootstrap, through the command line --------------------------------------------------------------
def test_a_configured_host_refused_at_wait_for_auth_repo_reports_failed(agent, tmp_path, monkeypatch, capsys):
    """403 on the signed sets' page: one request, no retry, failed-step then failed (an earlier boot's configuration
    does not make a refusal ready-stale)."""
    path = make_bundle(str(tmp_path / "mirror"))
    host = Host(tmp_path / "host", monkeypatch)
    host.repo.add_bundle(path)
    host.configure(record=host.signed_record(host.publish()))
    host.repo.page_status["pip-airlock-signed-set"] = 403
    agent.transport.repo = host.repo
    agent.answer = lambda argv: host.runner.run(argv)  # the keyring venv's python and pip, played
    code, events = agent.run("bootstrap", bootstrap_raw(host.root))
    out = capsys.readouterr().out
    assert code == 1, out
    assert "an earlier boot left a working configuration" in out
    assert "FAILED at step wait-for-auth-repo (Rejected)" in out
    assert attributes(events) == [("status", "running"), ("failed-step", "wait-for-auth-repo"), ("status", "failed")]
    assert agent.transport.ar_requests() == 1 and "retrying in" not in out


def test_the_mirror_powers_off_after_a_failure_to_take_its_run_lock(agent, monkeypatch, tmp_path):
    (tmp_path / "not-a-dir").write_text("a file where the lock directory's parent should be")
    monkeypatch.setattr(cli, "RUN_LOCK_DIR", str(tmp_path / "not-a-dir" / "pip-airlock"))
    monkeypatch.setattr(mirror, "run", lambda settings, ctx: pytest.fail("ran without its lock"))
    code, events = agent.run("mirror", raw_settings("mirror"))
    assert code == 1
    assert attributes(events) == [("failed-step", "validate"), ("status", "failed")]
    assert events[-1] == ("run", POWEROFF)
