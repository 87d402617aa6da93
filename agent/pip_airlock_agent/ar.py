"""The Artifact Registry client: PEP 503 simple pages and file downloads with this run's token.

The token goes only to https:// on the configured Artifact Registry host: every URL is checked before a
request carries it (a link on an index page to another host or scheme is refused, not followed), and no
redirect is ever followed (http.Transport). Outcomes are typed: 404 is "not there", 401/403 Rejected (the
credentials or the permission: never retried), 429/5xx Unreachable (with the Retry-After it gave)."""
from __future__ import annotations

import base64
import html.parser
import os
import urllib.parse
from typing import Callable, List, Optional

from .clock import Clock
from .errors import LocalError, Rejected, Unreachable, Unverifiable
from .fsutil import sha256_of
from .http import Response, Transport, redact, retry_after_seconds
from .names import normalize


class IndexFile:
    """One file a simple page lists."""

    def __init__(self, filename: str, url: str, sha256: Optional[str], requires_python: Optional[str]) -> None:
        self.filename = filename
        self.url = url
        self.sha256 = sha256
        self.requires_python = requires_python

    def __repr__(self) -> str:
        return f"IndexFile({self.filename!r}, sha256={self.sha256!r}, requires_python={self.requires_python!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexFile) and vars(self) == vars(other)


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: List[tuple] = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        found = dict(attrs)
        if found.get("href"):
            self.anchors.append((found["href"], found.get("data-requires-python")))


class ArtifactRegistry:
    def __init__(self, host: str, token: Callable[[], str], transport: Transport, clock: Clock,
                 on_rejected: Optional[Callable[[], None]] = None) -> None:
        self.host = host
        self.token = token
        self.transport = transport
        self.clock = clock
        self.on_rejected = on_rejected
        #: Requests sent this run (docs/operations.md's counts per boot).
        self.requests = 0

    def guard(self, url: str) -> str:
        """The URL when a request to it may carry the token: https, exactly this host, no user or port."""
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme != "https" or parts.hostname != self.host or parts.username or parts.password \
                or port not in (None, 443) or parts.netloc.lower() not in (self.host, f"{self.host}:443"):
            raise Unverifiable(f"refusing to send this host's token to {redact(url)}: only https://{self.host}/ gets it")
        return url

    def _headers(self) -> dict:
        credentials = base64.b64encode(f"oauth2accesstoken:{self.token()}".encode()).decode()
        return {"Authorization": f"Basic {credentials}", "User-Agent": "pip-airlock-agent"}

    def get(self, url: str, dest: Optional[str] = None, timeout: float = 60) -> Response:
        """One authenticated GET; the answer whatever its status (a 3xx is never followed)."""
        self.guard(url)
        self.requests += 1
        return self.transport.request("GET", url, self._headers(), timeout=timeout, dest=dest)

    def _raise_for(self, what: str, resp: Response) -> None:
        if resp.status in (401, 403):
            if resp.status == 401 and self.on_rejected:
                self.on_rejected()
            raise Rejected(f"{what}: HTTP {resp.status} ({'no or bad credentials' if resp.status == 401 else 'this identity lacks the permission on that repository'})", resp.status)
        if resp.status == 429 or resp.status >= 500:
            wait = retry_after_seconds(resp.header("Retry-After"), self.clock.time())
            raise Unreachable(f"{what}: HTTP {resp.status}" + (f" (Retry-After {wait:g}s)" if wait is not None else ""), wait)
        if 300 <= resp.status < 400:
            raise Unverifiable(f"{what}: HTTP {resp.status} redirect to {redact(resp.header('Location') or '?')}: not followed")
        raise Unreachable(f"{what}: HTTP {resp.status}")

    def project_files(self, index_url: str, project: str) -> List[IndexFile]:
        """The files the index serves of a project ([] when it has none: HTTP 404)."""
        url = index_url + normalize(project) + "/"
        resp = self.get(url)
        if resp.status == 404:
            return []
        if resp.status != 200:
            self._raise_for(f"listing {url}", resp)
        parser = _Anchors()
        parser.feed(resp.body.decode("utf-8", "replace"))
        files = []
        for href, requires_python in parser.anchors:
            absolute = urllib.parse.urljoin(url, href)
            path, _, fragment = absolute.partition("#")
            self.guard(path)
            filename = urllib.parse.unquote(path.rsplit("/", 1)[-1])
            sha256 = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
            requires = "".join(requires_python.split()) if requires_python else None
            files.append(IndexFile(filename, path, sha256, requires))
        return files

    def download(self, file: IndexFile, dest: str, timeout: float = 300) -> None:
        """The file into `dest` (a new file in a directory only root can write), its sha256 checked when the
        index gave one: a damaged transfer is Unreachable (fetched again), never kept."""
        part = dest + ".part"
        _remove(part)
        resp = self.get(file.url, dest=part, timeout=timeout)
        if resp.status != 200:
            _remove(part)
            self._raise_for(f"GET {file.url}", resp)
        if file.sha256:
            got = sha256_of(part)
            if got != file.sha256:
                _remove(part)
                raise Unreachable(f"sha256 mismatch for {file.filename} (the index gives {file.sha256}, got {got}): fetching it again")
        os.replace(part, dest)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise LocalError(f"cannot remove {path}: {err}") from None
