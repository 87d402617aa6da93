"""Typed failures. Each maps to what the host reports: the step it happened in, and whether an earlier
boot's configuration may stand (ready-stale: only when Artifact Registry could not be reached)."""
from __future__ import annotations

from typing import Optional


class AgentError(Exception):
    """A failure of a run, with a message for the serial log."""


class SettingsError(AgentError):
    """A setting is malformed (an edited script): the message names the field."""


class LocalError(AgentError):
    """A fault on this host: a missing tool, a full disk, a subprocess that failed."""


class Rejected(AgentError):
    """HTTP 401 or 403: the credentials or the permission are wrong. Never retried, never ready-stale."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(AgentError):
    """The service could not be reached (connection, timeout, HTTP 5xx) or asked us to wait (HTTP 429)."""

    def __init__(self, message: str, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unverifiable(AgentError):
    """What was fetched cannot be trusted: a sha256 that differs, a refused bundle, a link to another host."""


class PolicyRefused(AgentError):
    """The mirror's policy (POLICY: the cooldown, known vulnerabilities, provenance; and, always, the pip / keyring /
    virtualenv pairing) refuses what this run downloaded, or cannot be enforced on what the source index serves.
    Nothing is uploaded or signed: the auth repo keeps serving the set an earlier run published. Never retried: the
    same run would be refused again."""


class NotServedYet(AgentError):
    """The auth repo does not serve what this host needs yet (the mirror is still at work)."""


#: What a RetryPolicy tries again.
TRANSIENT = (Unreachable, NotServedYet)
