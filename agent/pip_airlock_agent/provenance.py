"""Provenance: who published each downloaded file, as PyPI's Integrity API reports it (PEP 740;
https://docs.pypi.org/api/integrity/): `GET {INTEGRITY_URL}{project}/{version}/{filename}/provenance` with
`Accept: application/vnd.pypi.integrity.v1+json` answers a provenance object
`{"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub", "repository": "OWNER/REPO", "workflow":
..., "environment": ...}, "attestations": [...]}, ...]}`, or 404 when the file has none (uploaded without
attestations, e.g. with an API token). The publisher kinds are pypi-attestations' (GitHub, GitLab: `repository`;
Google: the service account's `email`).

A file's identity is `github:OWNER/REPO`, `gitlab:NAMESPACE/PROJECT`, `google:EMAIL` (lower case: those names
are case-insensitive), for another kind `KIND:` and its fields as canonical JSON; a project's identity this run
is its files' identities (one, or several joined by ` + `, `none` for a file without provenance). It is
recorded per project in a root-only file (PUBLISHERS_PATH) and compared with the record of earlier runs:
POLICY.PROVENANCE `refuse-changed` refuses a project whose identity differs from the recorded one (gaining or
losing provenance included) unless POLICY.PUBLISHERS names the new one (`none` accepts files without
provenance); `record` records and reports it. A project seen for the first time is recorded, unless
POLICY.PUBLISHERS names another identity for it (then refused, or reported under `record`).

What is NOT verified: the attestations themselves. The mirror does not check the Sigstore certificates, the
signatures over the files' digests, or the transparency log entries (that needs a Sigstore verifier, which the
standard library lacks); it relies on PyPI having verified them at upload and on TLS to PyPI. A change of
publisher is a signal of a takeover or of a moved release pipeline, not a proof either way."""
from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any, Dict, Iterable, Optional, Tuple

from .errors import LocalError, Unreachable, Unverifiable
from .fsutil import ensure_root_dir, read_small, write_atomic
from .http import redact, retry_after_seconds

#: The record of each project's publisher, on the public host (root only).
PUBLISHERS_PATH = "/var/lib/pip-airlock/publishers.json"
INTEGRITY_TYPE = "application/vnd.pypi.integrity.v1+json"
NONE = "none"


def publisher_identity(publisher: Any) -> str:
    """One PEP 740 publisher object as an identity string."""
    if not isinstance(publisher, dict) or not isinstance(publisher.get("kind"), str) or not publisher["kind"]:
        raise ValueError("a publisher without a kind")
    kind = publisher["kind"]
    field = {"GitHub": "repository", "GitLab": "repository", "Google": "email"}.get(kind)
    if field:
        value = publisher.get(field)
        if not isinstance(value, str) or not value:
            raise ValueError(f"a {kind} publisher without its {field}")
        return f"{kind.lower()}:{value.lower()}"
    rest = {k: v for k, v in publisher.items() if k not in ("kind", "claims")}
    return f"{kind.lower()}:{json.dumps(rest, sort_keys=True, separators=(',', ':'))}"


def provenance_identity(provenance: Any) -> str:
    """A provenance object's publisher identity (its bundles' identities, sorted, joined by ' + ')."""
    if not isinstance(provenance, dict):
        raise ValueError("not a provenance object")
    bundles = provenance.get("attestation_bundles")
    if not isinstance(bundles, list) or not bundles:
        raise ValueError("no attestation_bundles")
    return " + ".join(sorted({publisher_identity(b.get("publisher") if isinstance(b, dict) else None) for b in bundles}))


def project_identity(identities: Iterable[Optional[str]]) -> Optional[str]:
    """A project's identity from its files' (None: a file without provenance); None when no file has one."""
    names = sorted({i if i is not None else NONE for i in identities})
    if not names or names == [NONE]:
        return None
    return " + ".join(names)


class Integrity:
    def __init__(self, base_url: str, transport, clock, timeout: float = 60) -> None:
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.transport = transport
        self.clock = clock
        self.timeout = timeout
        self.requests = 0

    def url(self, project: str, version: str, filename: str) -> str:
        q = lambda part: urllib.parse.quote(part, safe="")  # noqa: E731
        return f"{self.base}{q(project)}/{q(version)}/{q(filename)}/provenance"

    def publisher(self, project: str, version: str, filename: str) -> Optional[str]:
        """The file's publisher identity; None when PyPI has no provenance for it (404). Unreachable for a
        connection failure, a 429 or 5xx, or a 403 (PyPI answers 403 while attestations are disabled);
        Unverifiable for another answer."""
        url = self.url(project, version, filename)
        self.requests += 1
        resp = self.transport.request("GET", url, {"Accept": INTEGRITY_TYPE, "User-Agent": "pip-airlock-agent"}, timeout=self.timeout)
        if resp.status == 404:
            return None
        if resp.status in (403, 429) or resp.status >= 500:
            wait = retry_after_seconds(resp.header("Retry-After"), self.clock.time())
            raise Unreachable(f"the Integrity API ({redact(url)}): HTTP {resp.status}", wait)
        if resp.status != 200:
            raise Unverifiable(f"the Integrity API ({redact(url)}) answered HTTP {resp.status}")
        try:
            return provenance_identity(json.loads(resp.body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError) as err:
            raise Unverifiable(f"the Integrity API ({redact(url)}) answered something other than a provenance object: {err}") from None


class PublisherRecords:
    """The recorded publisher of each project: {"format": 1, "projects": {PROJECT: {"publisher": ID or null,
    "since": TIME, "versions": "V1 V2"}}}, root's only (0600, in a root-owned directory, replaced atomically,
    never through a link)."""

    def __init__(self, path: str = PUBLISHERS_PATH) -> None:
        self.path = path

    def load(self) -> Dict[str, Dict[str, Any]]:
        text = read_small(self.path, limit=16 * 1024 * 1024)
        if text is None:
            if os.path.lexists(self.path):
                raise LocalError(f"cannot read the publisher record {self.path} (a link, or not a file): remove it to record every project afresh")
            return {}
        try:
            data = json.loads(text)
            projects = data["projects"]
            if data.get("format") != 1 or not isinstance(projects, dict) or not all(
                    isinstance(r, dict) and (r.get("publisher") is None or isinstance(r.get("publisher"), str)) for r in projects.values()):
                raise ValueError("not format 1")
        except (ValueError, KeyError, TypeError) as err:
            raise LocalError(f"the publisher record {self.path} is damaged ({err}): remove it to record every project afresh") from None
        return projects

    def save(self, projects: Dict[str, Dict[str, Any]]) -> None:
        ensure_root_dir(os.path.dirname(self.path) or "/", 0o755)
        text = json.dumps({"format": 1, "projects": projects}, indent=1, sort_keys=True) + "\n"
        if read_small(self.path) != text:  # an unchanged record is not rewritten
            write_atomic(self.path, text, 0o600)


def judge(observed: Optional[str], record: Optional[Dict[str, Any]], accepted: Optional[str], mode: str) -> Tuple[str, str, bool]:
    """One project's publisher: (the decision, its outcome, whether it refuses the run). `observed` is this run's
    identity (None: no provenance), `record` the earlier runs' (None: first seen), `accepted` POLICY.PUBLISHERS's
    entry (`none` accepts files without provenance), `mode` POLICY.PROVENANCE (refuse-changed or record).
    Outcomes: first-seen, unchanged, accepted, changed (recorded: mode record), unaccepted (first seen, not
    the accepted one: mode record), refused."""
    shown = observed or "none (no provenance)"
    matches_accepted = accepted is not None and (observed or NONE) == accepted
    refusing = mode == "refuse-changed"
    if record is None:
        if accepted is not None and not matches_accepted:
            if refusing:
                return f"publisher {shown} is not the one POLICY.PUBLISHERS accepts ({accepted}): refused", "refused", True
            return f"publisher {shown} is not the one POLICY.PUBLISHERS accepts ({accepted}): recorded (POLICY.PROVENANCE record)", "unaccepted", False
        return f"publisher {shown}: recorded (first seen)", "first-seen", False
    before = record.get("publisher")
    if observed == before:
        return f"publisher {shown}: unchanged", "unchanged", False
    change = f"publisher changed from {before or 'none (no provenance)'} to {shown}"
    if matches_accepted:
        return f"{change}: accepted (POLICY.PUBLISHERS)", "accepted", False
    if not refusing:
        return f"{change}: recorded (POLICY.PROVENANCE record)", "changed", False
    return f"{change}: refused", "refused", True
