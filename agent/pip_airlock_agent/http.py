"""HTTP for the agent: urllib with no redirect ever followed (a 3xx comes back as a response, so a token can
never follow a redirect to another host), bounded reads, and the failures every caller maps the same way."""
from __future__ import annotations

import email.utils
import functools
import os
import socket
import ssl
import urllib.error
import urllib.request
from typing import Dict, Mapping, Optional

from .errors import LocalError, Unreachable

#: The largest body read into memory (index pages, tokens); downloads go to a file.
MAX_BODY_BYTES = 32 * 1024 * 1024


class Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes = b"") -> None:
        self.status = status
        self.headers: Dict[str, str] = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401 - urllib's hook
        return None  # urllib then raises HTTPError with the 3xx, which request() returns as a Response


def retry_after_seconds(value: Optional[str], now: float) -> Optional[float]:
    """A Retry-After header in seconds (delta-seconds, or an HTTP date counted from now); None without one."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, float(email.utils.mktime_tz(parsed)) - now)


@functools.lru_cache(maxsize=None)
def https_context() -> ssl.SSLContext:
    """The process's one TLS context: the system CA store, the certificate and its host name checked, as
    ssl.create_default_context() makes it (whatever a host's ssl._create_default_https_context says). Loading
    the store costs about 20 ms, which urllib would otherwise pay for every connection (Python 3.11) or every
    opener (3.12 and later)."""
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class Transport:
    """One HTTP exchange at a time. No proxy from the environment (a root process takes none of the caller's
    variables), no redirects, and the system CA store."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect(), urllib.request.HTTPSHandler(context=https_context()))

    def request(self, method: str, url: str, headers: Optional[Mapping[str, str]] = None, body: Optional[bytes] = None,
                timeout: float = 60, dest: Optional[str] = None) -> Response:
        """The response, whatever its status. With `dest`, a 200's body is written to that new file (created
        exclusively, never through a link) instead of memory. Raises Unreachable when no answer came."""
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            resp = self._opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as err:
            try:
                data = err.read(MAX_BODY_BYTES)
            except OSError:
                data = b""
            return Response(err.code, dict(err.headers or {}), data)
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise Unreachable(f"{method} {redact(url)}: {reason}") from None
        with resp:
            status, head = resp.status, dict(resp.headers)
            try:
                if dest is not None and status == 200:
                    _save(resp, dest)
                    return Response(status, head)
                return Response(status, head, resp.read(MAX_BODY_BYTES))
            except (socket.timeout, ConnectionError) as err:
                raise Unreachable(f"{method} {redact(url)}: {err}") from None


def _save(resp, dest: str) -> None:
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as err:
        raise LocalError(f"cannot create {dest}: {err}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = resp.read(1024 * 1024)
                if not chunk:
                    break
                out.write(chunk)
    except OSError as err:
        if isinstance(err, (socket.timeout, ConnectionError)):
            raise
        raise LocalError(f"cannot write {dest}: {err}") from None


def redact(url: str) -> str:
    """A URL fit for a log line: any password in it replaced."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        userinfo, _, hostport = authority.rpartition("@")
        user = userinfo.split(":", 1)[0]
        authority = f"{user}:****@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    return f"{scheme}://{authority}{slash}{path}"
