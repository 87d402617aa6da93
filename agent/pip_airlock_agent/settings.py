"""The settings the synth renders into the trampoline (the same JSON as `<script>.settings.json`), checked
again here: a script edited by hand, or attached to a VM outside the stack, fails at `validate` with the
field named, before anything is fetched or written."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Callable, Dict, List

from .errors import SettingsError
from .hostpaths import owned_directory

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._, -]+\])?( *(===|==|!=|~=|<=|>=|<|>) *[A-Za-z0-9.*+!_-]+( *, *(===|==|!=|~=|<=|>=|<|>) *[A-Za-z0-9.*+!_-]+)*)?( *;[ -~]+)?")
_MIRRORED_TARGET = re.compile(r"3\.[0-9]+(\.[0-9]+)?:(x86_64|aarch64):2\.[0-9]+")
#: A target's word, PYTHON:ARCH:GLIBC (MIRRORED_TARGETS, and the targets a signed set names bundles for).
TARGET_WORD = _MIRRORED_TARGET
_TARGET = re.compile(r"3\.[0-9]+(\.[0-9]+)?:(x86_64|aarch64):[a-z0-9_]+(,[a-z0-9_]+)*")
_NAMESPACE = re.compile(r"[A-Za-z0-9_-]{1,63}")


def forbidden_character(value: str) -> str:
    """The first control or line-separator character of `value` (Unicode Cc, Zl, Zp), or ''."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return ch
    return ""


def check_requirement(spec: Any, field: str) -> str:
    if not isinstance(spec, str) or not spec:
        raise SettingsError(f"{field}: must be a requirement specifier (a non-empty string)")
    bad = forbidden_character(spec)
    if bad:
        raise SettingsError(f"{field} {spec!r}: holds the control or line-separator character U+{ord(bad):04X}: one requirement, on one line")
    if not _REQUIREMENT.fullmatch(spec):
        raise SettingsError(f"{field} {spec!r}: is not a requirement specifier such as 'keyring>=25.6'")
    return spec


def _int(value: Any, field: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"{field}: must be an integer >= {minimum}, not {value!r}")
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{field}: must be a string, not {value!r}")
    if forbidden_character(value):
        raise SettingsError(f"{field}: holds a control or line-separator character")
    return value


def _list(value: Any, field: str, item: Callable[[Any, str], Any]) -> List[Any]:
    if not isinstance(value, list):
        raise SettingsError(f"{field}: must be a list")
    return [item(v, f"{field}[{i}]") for i, v in enumerate(value)]


def _host(value: Any, field: str) -> str:
    value = _str(value, field)
    if not _HOST.fullmatch(value):
        raise SettingsError(f"{field} {value!r}: must be a host name")
    return value


def _https_url(host_field: str, user: bool = False, slash: bool = True):
    def check(value: Any, field: str, settings: Dict[str, Any]) -> str:
        value = _str(value, field)
        prefix = f"https://{'oauth2accesstoken@' if user else ''}{settings[host_field]}/"
        if not value.startswith(prefix) or (slash and not value.endswith("/")) or re.search(r"[\s\"'\\<>]", value):
            want = f"https://{'oauth2accesstoken@' if user else ''}{settings[host_field]}/.../"
            raise SettingsError(f"{field} {value!r}: must be {want} (Artifact Registry over https, ending in /)")
        return value
    return check


def _pattern(regex, what: str):
    def check(value: Any, field: str) -> str:
        value = _str(value, field)
        if not regex.fullmatch(value):
            raise SettingsError(f"{field} {value!r}: must be {what}")
        return value
    return check


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{field}: must be true or false")
    return value


_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s\"'\\]*")


def _source_index(value: Any, field: str) -> str:
    value = _str(value, field)
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s\"'\\]*/", value):
        raise SettingsError(f"{field} {value!r}: must be an https:// index URL ending in /")
    return value


_SIGNING_KEY = re.compile(r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]{1,63}/keyRings/[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}")
#: The token goes to the KMS endpoint: only Google's API hosts (cloudkms.googleapis.com, or a Private Service
#: Connect name such as cloudkms-ENDPOINT.p.googleapis.com), over https.
_KMS_ENDPOINT = re.compile(r"https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.googleapis\.com/v1/")
_ADVISORY = re.compile(r"[A-Z][A-Z0-9]*-[A-Za-z0-9._:-]+")
_PROJECT = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?")


def _signing_key(optional: bool):
    key = _pattern(_SIGNING_KEY, "projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY")

    def check(value: Any, field: str) -> str:
        return value if optional and value == "" else key(value, field)
    return check


def _lock_content(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{field}: must be a string, not {value!r}")
    for n, line in enumerate(value.split("\n"), 1):
        bad = forbidden_character(line.rstrip("\r"))
        if bad:
            raise SettingsError(f"{field} line {n}: holds the control or line-separator character U+{ord(bad):04X}")
    return value


def _choice(*allowed: str):
    def check(value: Any, field: str) -> str:
        if value not in allowed:
            raise SettingsError(f"{field}: must be one of {', '.join(allowed)}, not {value!r}")
        return value
    return check


def _waiver(value: Any, field: str) -> Dict[str, str]:
    if not isinstance(value, dict) or sorted(value) != ["ID", "REASON"]:
        raise SettingsError(f"{field}: must be an object with ID and REASON")
    _pattern(_ADVISORY, "an advisory id such as GHSA-xxxx-xxxx-xxxx or PYSEC-2024-1")(value["ID"], f"{field}.ID")
    if not _str(value["REASON"], f"{field}.REASON").strip():
        raise SettingsError(f"{field}.REASON: say why the advisory is waived")
    return dict(value)


def _publishers(value: Any, field: str) -> Dict[str, str]:
    if not isinstance(value, dict):
        raise SettingsError(f"{field}: must be an object of project -> publisher identity")
    for project, identity in value.items():
        _pattern(_PROJECT, "a normalized project name")(project, f"{field} key")
        if not _str(identity, f"{field}.{project}").strip():
            raise SettingsError(f"{field}.{project}: must be a publisher identity such as github:OWNER/REPO")
    return dict(value)


POLICY = {
    "MIN_RELEASE_AGE_DAYS": lambda v, f: _int(v, f, minimum=0),
    "AGE_EXEMPT": lambda v, f: _list(v, f, _pattern(_PROJECT, "a normalized project name")),
    "VULNERABILITIES": _choice("refuse", "report", "off"),
    "OSV_URL": _pattern(_HTTPS_URL, "an https:// URL"),
    "WAIVERS": lambda v, f: _list(v, f, _waiver),
    "PROVENANCE": _choice("refuse-changed", "record", "off"),
    "INTEGRITY_URL": _pattern(_HTTPS_URL, "an https:// URL"),
    "PUBLISHERS": _publishers,
}


def _policy(value: Any, field: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"{field}: must be an object")
    missing = sorted(set(POLICY) - set(value))
    unknown = sorted(set(value) - set(POLICY))
    if missing or unknown:
        raise SettingsError(f"{field}: " + "; ".join(
            part for part in (f"missing {', '.join(missing)}" if missing else "", f"unknown {', '.join(unknown)}" if unknown else "") if part))
    return {key: check(value[key], f"{field}.{key}") for key, check in POLICY.items()}


COMMON = {
    "AR_HOST": _host,
    "METADATA_HOST": _host,
    "GUEST_ATTR_NAMESPACE": _pattern(_NAMESPACE, "letters, digits, '_' and '-'"),
    "MAX_ATTEMPTS": _int,
    "MAX_BACKOFF_SECONDS": _int,
    "RETRY_AFTER_MAX_SECONDS": _int,
    "VENV_TOOL": check_requirement,
    "PIP_SOCKET_TIMEOUT_SECONDS": _int,
    "PACKAGES": lambda v, f: _list(v, f, check_requirement),
    "MIRRORED_TARGETS": lambda v, f: _list(v, f, _pattern(_MIRRORED_TARGET, "PYTHON:ARCH:GLIBC, e.g. 3.11.2:x86_64:2.36")),
    "BOOTSTRAP_PIP": check_requirement,
}
URLS = {"AUTH_REPO_INDEX_URL": _https_url("AR_HOST")}
BOOTSTRAP = {
    "WAIT_ATTEMPTS": _int,
    "VENV_DIR": _str,
    "OWNED_ROOTS": lambda v, f: _list(v, f, _pattern(re.compile(r"/[A-Za-z0-9._/-]+"), "an absolute path")),
    "PRODUCT_STATE_PATHS": lambda v, f: _list(v, f, _pattern(re.compile(r"/[A-Za-z0-9._/-]+"), "an absolute path")),
    "INSTALL_TIMEOUT_SECONDS": _int,
    "SIGNING_KEY": _signing_key(optional=True),
    "KMS_ENDPOINT": _pattern(_KMS_ENDPOINT, "https://cloudkms.googleapis.com/v1/ (a googleapis.com host)"),
    "LOCK_CONTENT": _lock_content,
}
BOOTSTRAP_URLS = {"INDEX_URL": _https_url("AR_HOST", user=True), "UPLOAD_REPO_URL": _https_url("AR_HOST")}
MIRROR = {
    "SOURCE_INDEX_URL": _source_index,
    "TARGETS": lambda v, f: _list(v, f, _pattern(_TARGET, "PYTHON:ARCH:TAG,TAG,...")),
    "LOCK_CONTENT": _lock_content,
    "SIGNING_KEY": _signing_key(optional=False),
    "SIGNING_KEY_VERSION": _int,
    "KMS_ENDPOINT": _pattern(_KMS_ENDPOINT, "https://cloudkms.googleapis.com/v1/ (a googleapis.com host)"),
    "POLICY": _policy,
    "STOP_WHEN_DONE": _bool,
    "DOWNLOAD_TIMEOUT_SECONDS": _int,
    "UPLOAD_TIMEOUT_SECONDS": _int,
    "DPKG_LOCK_TIMEOUT_SECONDS": _int,
}
MIRROR_URLS = {"AUTH_REPO_UPLOAD_URL": _https_url("AR_HOST")}


class Settings:
    """Validated settings; read as attributes in lower case (settings.max_attempts)."""

    def __init__(self, script: str, values: Dict[str, Any]) -> None:
        self.script = script
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name.upper()]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **changes: Any) -> "Settings":
        values = dict(self._values)
        values.update({k.upper(): v for k, v in changes.items()})
        return Settings(self.script, values)


def parse(raw: Dict[str, Any], script: str) -> Settings:
    if not isinstance(raw, dict):
        raise SettingsError("the settings must be a JSON object")
    plain = dict(COMMON, **(BOOTSTRAP if script == "bootstrap" else MIRROR))
    urls = dict(URLS, **(BOOTSTRAP_URLS if script == "bootstrap" else MIRROR_URLS))
    missing = [k for k in sorted(set(plain) | set(urls)) if k not in raw]
    if missing:
        raise SettingsError(f"missing setting(s): {', '.join(missing)}")
    unknown = sorted(set(raw) - set(plain) - set(urls))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    values = {key: check(raw[key], key) for key, check in plain.items()}
    for key, check in urls.items():
        values[key] = check(raw[key], key, values)
    if script == "bootstrap":
        if not values["PACKAGES"]:
            raise SettingsError("PACKAGES: no package to install")
        owned_directory(values["VENV_DIR"], values["OWNED_ROOTS"], values["PRODUCT_STATE_PATHS"])
        if values["MIRRORED_TARGETS"] and not values["SIGNING_KEY"]:
            raise SettingsError("SIGNING_KEY: empty while MIRRORED_TARGETS names the mirror's targets: a host installs "
                                "a mirror's files only when they are signed (render the script again with the stack)")
    else:
        if not values["PACKAGES"] and not values["LOCK_CONTENT"]:
            raise SettingsError("PACKAGES: nothing to mirror (no package and no lock)")
        if not values["TARGETS"]:
            raise SettingsError("TARGETS: no target")
        mirrored = values["MIRRORED_TARGETS"]
        if mirrored:
            if len(mirrored) != len(values["TARGETS"]):
                raise SettingsError(f"MIRRORED_TARGETS: {len(mirrored)} mirrored targets for {len(values['TARGETS'])} targets")
            for i, (word, target) in enumerate(zip(mirrored, values["TARGETS"])):
                if word.rsplit(":", 1)[0] != ":".join(target.split(":")[:2]):
                    raise SettingsError(f"MIRRORED_TARGETS[{i}] {word} is not TARGETS[{i}] {target.split(',')[0]}…")
    return Settings(script, values)


def load(path: str, script: str) -> Settings:
    try:
        with open(path, "rb") as fh:
            raw = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise SettingsError(f"cannot read the settings {path}: {err}") from None
    return parse(raw, script)
