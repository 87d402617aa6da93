"""Names of projects, wheels and bundles, as PEP 503 and the bundle format spell them."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    """PEP 503: lower case, every run of -, _ and . one -."""
    return _SEPARATORS.sub("-", name).lower()


def wheel_project(filename: str) -> str:
    """The normalized project of a wheel file (its name's first dash-separated field)."""
    return normalize(filename.rsplit("/", 1)[-1].split("-", 1)[0])


def wheel_version(filename: str) -> str:
    """The version field of a wheel file name."""
    parts = filename.rsplit("/", 1)[-1].split("-")
    return parts[1] if len(parts) > 1 else ""


def requirement_project(spec: str) -> str:
    """The normalized project a requirement specifier names."""
    return normalize(re.split(r"[<>=!~;\[ @]", spec, maxsplit=1)[0])


def bundle_project(target: str) -> str:
    """The auth repo project of a target's bundle, from its word PYTHON:ARCH:GLIBC:
    3.11.2:x86_64:2.36 -> pip-airlock-bundle-py3-11-2-x86-64-glibc2-36."""
    python, arch, glibc = target.split(":")
    return "pip-airlock-bundle-py{}-{}-glibc{}".format(python.replace(".", "-"), arch.replace("_", "-"), glibc.replace(".", "-"))


def dist_name(project: str) -> str:
    """A project's name as a wheel's file and dist-info spell it (runs of -, _ and . become _)."""
    return _SEPARATORS.sub("_", project)
