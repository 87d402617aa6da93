"""The mirror's shims: entry points that ANOTHER interpreter runs, as `PY -I agent.pyz SHIM ARGS...`, to drive
its own pip or twine with a fix. This module imports only the standard library and that interpreter's pip or
twine (nothing else of the package): it runs under whatever Python the tool lives in.

- `target-pip PYTHON ARCH -- PIP_ARGS...`: pip with the environment markers of the target.
  `pip download` evaluates environment markers with the interpreter running it, not the target its
  --python-version names (pypa/pip#11010, #11198): run on CPython 3.11, it would skip a dependency marked
  `python_version < "3.10"` for a 3.9 target (virtualenv's typing-extensions), and on 3.13 every
  `python_version < "3.12"` one for a 3.11 target (keyring's importlib_metadata). So pip runs with the marker
  environment of the target: packaging's markers ask default_environment() at each evaluation, and pip
  evaluates every marker through them.
- `twine-compat -- TWINE_ARGS...`: twine with compatibility fixes for the twines Debian ships. The mirror
  uploads wheels exactly as PyPI serves them, and PyPI validated their metadata when they were published; an
  older twine refuses metadata newer than it knows, though those versions only add fields:
  - Debian 12's twine 4.0.2 reads wheel metadata with pkginfo 1.8.2, which knows Metadata-Version up to 2.2
    and rejects anything newer ("Metadata is missing required fields: Name, Version"): pkginfo is taught to
    read an unknown 2.x like the newest version it knows.
  - Debian 13's twine 6.1.0 validates with packaging.metadata and refuses what its packaging does not know:
    Metadata-Version 2.5 (virtualenv, filelock, platformdirs carry it), fields newer than it, and fields a
    wheel declares under an older Metadata-Version than introduced them (pypa/twine#1255, #1327). Those checks
    are skipped: twine still reads Name and Version and uploads the file unchanged.
  A twine whose libraries know these versions already is unaffected.
"""
from __future__ import annotations

import re
import sys
from typing import List, Optional, Sequence

_PYTHON = re.compile(r"3\.[0-9]+(\.[0-9]+)?")
_MACHINE = re.compile(r"[A-Za-z0-9_]+")


def _after_separator(args: Sequence[str]) -> List[str]:
    args = list(args)
    return args[1:] if args[:1] == ["--"] else args


def target_environment(python: str, machine: str, host_environment) -> dict:
    """The marker environment of CPython PYTHON on Linux/MACHINE: the host's, with every key that differs
    between the two replaced."""
    env = dict(host_environment())
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


def _markers_module():
    """packaging's markers module as this pip uses it: the vendored copy (a pip a distribution unvendored aliases
    pip._vendor.packaging to the packaging it imports, so this is that module then), else packaging's own."""
    try:
        from pip._vendor.packaging import markers
    except ImportError:
        try:
            from packaging import markers
        except ImportError:
            return None
    return markers


def target_pip(argv: Sequence[str]) -> int:
    """`target-pip PYTHON ARCH -- PIP_ARGS...` (argv without the command's name): pip's main with the marker
    environment of the target. Returns pip's exit status."""
    argv = list(argv)
    if len(argv) < 3 or not _PYTHON.fullmatch(argv[0]) or not _MACHINE.fullmatch(argv[1]):
        sys.stderr.write("usage: target-pip PYTHON ARCH -- PIP_ARGS...\n")
        return 2
    python, machine, pip_args = argv[0], argv[1], _after_separator(argv[2:])
    markers = _markers_module()
    if markers is None:
        sys.stderr.write("target-pip: this interpreter's pip has no packaging markers module\n")
        return 2
    host_environment = markers.default_environment
    markers.default_environment = lambda: target_environment(python, machine, host_environment)
    from pip._internal.cli.main import main
    sys.argv = ["pip"] + pip_args
    return int(main(pip_args) or 0)


def _teach_pkginfo() -> None:
    try:
        import pkginfo.distribution as dist
        newest = max(dist.HEADER_ATTRS, key=lambda v: tuple(int(p) for p in v.split(".")))
        for version in ("2.3", "2.4", "2.5"):
            dist.HEADER_ATTRS.setdefault(version, dist.HEADER_ATTRS[newest])
    except Exception:  # noqa: BLE001 - no pkginfo, or one that needs no fix
        pass


def _relax_twine_metadata() -> None:
    try:
        import twine.package as package
        meta = package.metadata
        parse_email = meta.parse_email
        meta.parse_email = lambda data: (parse_email(data)[0], {})
        from_raw = meta.Metadata.from_raw.__func__
        meta.Metadata.from_raw = classmethod(lambda cls, data, validate=True: from_raw(cls, data, validate=False))
    except Exception:  # noqa: BLE001 - a twine without packaging.metadata validation
        pass


def twine_compat(argv: Sequence[str]) -> int:
    """`twine-compat -- TWINE_ARGS...` (argv without the command's name): twine's main with the fixes above.
    Returns twine's exit status (1 for an error it reports as a message)."""
    twine_args = _after_separator(argv)
    _teach_pkginfo()
    _relax_twine_metadata()
    from twine.__main__ import main
    sys.argv = ["twine"] + twine_args
    result = main()
    if result is None or isinstance(result, int):
        return int(result or 0)
    sys.stderr.write(f"{result}\n")  # twine's main returns an error message for some failures
    return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`SHIM ARGS...`: for a caller that dispatches here with the shim's name first."""
    argv = list(sys.argv[1:] if argv is None else argv)
    shims = {"target-pip": target_pip, "twine-compat": twine_compat}
    if not argv or argv[0] not in shims:
        sys.stderr.write("usage: target-pip PYTHON ARCH -- PIP_ARGS... | twine-compat -- TWINE_ARGS...\n")
        return 2
    return shims[argv[0]](argv[1:])
