"""The agent's command line: `bootstrap|mirror --settings FILE` (what the trampoline runs), the shims other
interpreters run (`pip-retry`, `target-pip`, `twine-compat`), `bundle-build` (a bundle of given wheels) and
`sbom` (an operator's: the SBOM of what a target's hosts install, sbom_fetch.py).

A run's failures are typed (errors.py) and end here: the serial log names the step and the cause, the guest
attributes say failed and the step, the exit status is 1. Modules load lazily: a shim run by a venv's python
imports nothing it does not need."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

RUN_LOCK_DIR = "/run/pip-airlock"
LOCK_WAIT_SECONDS = 900


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: agent.pyz bootstrap|mirror --settings FILE", file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "pip-retry":
        from .pip_retry import main as pip_retry
        return pip_retry(rest)
    if command == "target-pip":
        from .mirror_shims import target_pip
        return target_pip(rest)
    if command == "twine-compat":
        from .mirror_shims import twine_compat
        return twine_compat(rest)
    if command == "bundle-build":
        return bundle_build(rest)
    if command == "sbom":
        from .sbom_fetch import main as sbom
        return sbom(rest)
    if command in ("bootstrap", "mirror"):
        parser = argparse.ArgumentParser(prog=f"agent.pyz {command}")
        parser.add_argument("--settings", required=True)
        args = parser.parse_args(rest)
        return run_script(command, args.settings)
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


def bundle_build(argv: List[str]) -> int:
    """bundle-build OUT_DIR PROJECT TARGET WHEEL...: the bundle the mirror would publish of these wheels for a
    first upload (prints its path)."""
    from . import bundle

    if len(argv) < 4:
        print("usage: bundle-build OUT_DIR PROJECT TARGET WHEEL...", file=sys.stderr)
        return 2
    path, _ = bundle.plan(argv[0], argv[1], argv[2], argv[3:], [])
    print(path)
    return 0


def _reporting_settings(path: str):
    """The metadata host and guest-attribute namespace, for a failure report even when the settings are bad."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
        host, namespace = raw.get("METADATA_HOST"), raw.get("GUEST_ATTR_NAMESPACE")
        if isinstance(host, str) and isinstance(namespace, str):
            return host, namespace
    except (OSError, ValueError, AttributeError):
        pass
    return "metadata.google.internal", "pip-airlock"


def run_script(script: str, settings_path: str) -> int:
    from . import context, settings as settings_module
    from .clock import Clock
    from .errors import AgentError
    from .fsutil import AlreadyRunning, RunLock, ensure_root_dir
    from .http import Transport
    from .log import Logger
    from .metadata import GuestAttributes, Metadata

    os.umask(0o022)
    os.chdir("/")
    clock = Clock()
    log = Logger(script, clock)
    log.step("validate")
    agent_path = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    try:
        settings = settings_module.load(settings_path, script)
    except AgentError as err:
        host, namespace = _reporting_settings(settings_path)
        attrs = GuestAttributes(Metadata(host, Transport(), clock, log), namespace, clock, log)
        return fail(log, attrs, err)
    ctx = context.build(settings, log, agent_path, clock=clock)
    lock = RunLock(os.path.join(RUN_LOCK_DIR, f"{script}.lock"), clock, LOCK_WAIT_SECONDS)
    try:
        ensure_root_dir(RUN_LOCK_DIR, 0o755)
        lock.acquire(on_wait=lambda: log.info(f"another pip-airlock {script} run is under way: waiting for it (at most {LOCK_WAIT_SECONDS}s)"))
    except AgentError as err:
        status = fail(log, ctx.attrs, err)
        if script == "mirror" and settings.stop_when_done and not isinstance(err, AlreadyRunning):
            power_off(log, ctx)
        return status
    try:
        if script == "bootstrap":
            from . import bootstrap
            bootstrap.run(settings, ctx)
        else:
            from . import mirror
            mirror.run(settings, ctx)
        return 0
    except AgentError as err:
        return fail(log, ctx.attrs, err)
    except Exception as err:  # noqa: BLE001 - a bug is reported like any failure, with its type
        return fail(log, ctx.attrs, err)
    finally:
        lock.release()
        if script == "mirror" and settings.stop_when_done:
            power_off(log, ctx)


def fail(log, attrs, err: BaseException) -> int:
    step = log.current_step
    kind = type(err).__name__
    for line in str(err).splitlines() or [kind]:
        log.info(line)
    log.info(f"FAILED at step {step} ({kind})")
    attrs.publish("failed-step", step)
    attrs.publish("status", "failed")
    return 1


def power_off(log, ctx) -> None:
    """stop_when_done: after a failed run as after a successful one, so that the schedule's next start runs
    the mirror again (Cloud Scheduler's instances.start does nothing to a running VM) and no VM with internet
    egress and the auth repo's write token stays up."""
    log.info("stop_when_done: powering off")
    done = ctx.run(["systemctl", "poweroff"], timeout=60)
    if not done.ok:
        log.info(f"warning: systemctl poweroff failed (exit {done.returncode})")
