"""A placeholder of the host agent's command line, so the trampoline can be tried end to end.

`bootstrap --settings FILE` and `mirror --settings FILE` print the settings' keys and return 0;
`target-pip PYTHON ARCH -- PIP_ARGS` runs pip with the environment markers of that target (what
recipes/make-lock.sh downloads with, as the mirror does). The real package replaces this file.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["target-pip"]:
        return target_pip(argv[1:])
    parser = argparse.ArgumentParser(prog="pip-airlock-agent")
    parser.add_argument("command", choices=["bootstrap", "mirror"])
    parser.add_argument("--settings", required=True)
    args = parser.parse_args(argv)
    with open(args.settings, encoding="utf-8") as fh:
        settings = json.load(fh)
    sys.stdout.write(f"pip-airlock-{args.command}: settings {', '.join(sorted(settings))}\n")
    return 0


def target_pip(argv: List[str]) -> int:
    """`target-pip PYTHON ARCH -- PIP_ARGS`: pip's main, its markers evaluated for CPython PYTHON on ARCH Linux."""
    if len(argv) < 3 or argv[2] != "--":
        sys.stderr.write("usage: target-pip PYTHON ARCH -- PIP_ARGS...\n")
        return 2
    python, machine, pip_args = argv[0], argv[1], argv[3:]
    from pip._vendor.packaging import markers

    host_environment = markers.default_environment

    def target_environment():
        env = host_environment()
        env.update(
            python_version=".".join(python.split(".")[:2]),
            python_full_version=python,
            implementation_name="cpython",
            implementation_version=python,
            platform_python_implementation="CPython",
            platform_machine=machine,
            platform_system="Linux",
            sys_platform="linux",
            os_name="posix",
        )
        return env

    markers.default_environment = target_environment
    from pip._internal.cli.main import main as pip_main

    sys.argv = ["pip"] + pip_args
    return int(pip_main(pip_args) or 0)
