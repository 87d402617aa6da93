"""The cooldown (POLICY.MIN_RELEASE_AGE_DAYS): a package index on loopback, in the mirror's own process, that pip
downloads through. For each project pip asks for, it fetches the source index's PEP 691 JSON page (Accept:
application/vnd.pypi.simple.v1+json; PyPI serves API version 1.1 and later, with PEP 700's `upload-time` per
file) and serves pip that page without the files uploaded after the cutoff (now minus the minimum age). The
rest of the page is the source's, byte for byte in meaning: hashes, requires-python, yanked, core metadata;
every file URL made absolute, so that pip downloads each file straight from the source's file host and checks
its hash. pip's resolver then picks, as always, the newest release it is shown: the newest one old enough.

Why a filter rather than a pip option: pip grew `--uploaded-prior-to` only after the pips the public host runs
(Debian 12's 23.0.1, Debian 13's 25.1.1), and a filter applies the same rule whatever the pip.

pip talks to it over plain http on 127.0.0.1: pip counts 127.0.0.0/8 among its secure origins
(`SECURE_ORIGINS` in pip/_internal/network/session.py: `("*", "127.0.0.0/8", "*")`, in 23.0.1 as in the newest
pip), so it neither warns nor needs --trusted-host. The filter listens on an ephemeral port, answers only
`GET /simple/PROJECT/`, and holds no credentials: it fetches only the public pages of the configured source.

A project in POLICY.AGE_EXEMPT (an urgent fix) is served whole. A file without an upload-time on a page that
gives others is hidden (its age cannot be shown); a page with files and no upload-time at all (an index
without PEP 700, or an HTML-only one) is refused: the mirror cannot enforce the cooldown, and says so naming
POLICY.MIN_RELEASE_AGE_DAYS. Each release hidden is logged (`skipped for age`), each page's times recorded."""
from __future__ import annotations

import datetime
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .errors import LocalError, PolicyRefused, Unreachable
from .http import redact
from .names import normalize, wheel_version

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
DAY_SECONDS = 86400
_UPLOAD_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
_PROJECT = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


def parse_upload_time(value: Any) -> Optional[float]:
    """PEP 700's `upload-time` (yyyy-mm-ddThh:mm:ss[.ffffff]Z, UTC) as seconds since the epoch; None for
    anything else."""
    if not isinstance(value, str) or not _UPLOAD_TIME.fullmatch(value):
        return None
    try:
        whole = datetime.datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    fraction = float("0" + value[19:-1]) if value[19:-1] else 0.0
    return whole.timestamp() + fraction


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def file_version(filename: str) -> str:
    """The version a distribution file's name carries (a wheel's second field, an sdist's last), or ''."""
    if filename.endswith(".whl"):
        return wheel_version(filename)
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            return stem.rsplit("-", 1)[1] if "-" in stem else ""
    return ""


class Page:
    """One answer to pip: status, content type, body."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body


def _text(status: int, message: str) -> Page:
    return Page(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


class IndexFilter:
    """The loopback index. `start()` returns the index URL to give pip; `stop()` ends it. What it decided is
    kept for the policy step and the report:

    - `upload_times`: file name -> its upload-time as the source gave it (every file of every page served);
    - `skipped`: "PROJECT VERSION" -> why that release was hidden (files younger than the cutoff, or without
      an upload-time);
    - `hidden`: project -> the names of its hidden files;
    - `refusal`: the first page it could not filter (a PolicyRefused), else None."""

    def __init__(self, source_index_url: str, min_age_days: int, exempt: Iterable[str], now: float, transport,
                 log: Callable[[str], None], timeout: float = 60) -> None:
        self.source = source_index_url
        self.min_age_days = min_age_days
        self.cutoff = now - min_age_days * DAY_SECONDS
        self.exempt = {normalize(p) for p in exempt}
        self.transport = transport
        self.log = log
        self.timeout = timeout
        self.lock = threading.Lock()
        self.pages: Dict[str, bytes] = {}
        self.upload_times: Dict[str, str] = {}
        self.skipped: Dict[str, str] = {}
        self.hidden: Dict[str, List[str]] = {}
        self.refusal: Optional[PolicyRefused] = None
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # --- the server ---------------------------------------------------------------------------------------
    def start(self) -> str:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        except OSError as err:
            raise LocalError(f"cannot start the cooldown's index on 127.0.0.1: {err}") from None
        server.daemon_threads = True
        server.index_filter = self  # type: ignore[attr-defined]
        # shutdown() waits for the loop's next poll: a short interval ends the filter at once after the download.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="pip-airlock-cooldown", daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the cooldown index is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- one page ------------------------------------------------------------------------------------------
    def refuse(self, project: str, why: str) -> Page:
        err = PolicyRefused(
            f"POLICY.MIN_RELEASE_AGE_DAYS is {self.min_age_days}, but {redact(self.source)} gives no PEP 700 upload-time "
            f"for {project} ({why}): the mirror cannot enforce the cooldown. Use a source index that serves the PEP 691 JSON "
            "simple API with upload-time (PyPI does), or set mirror.policy.minReleaseAgeDays to 0")
        with self.lock:
            if self.refusal is None:
                self.refusal = err
                self.log(f"cooldown: {err}")
        return _text(403, f"pip-airlock cooldown: {err}")

    def page(self, project: str) -> Page:
        """pip's page of `project` (normalized): the source's JSON page less the files too young."""
        with self.lock:
            cached = self.pages.get(project)
        if cached is not None:
            return Page(200, JSON_TYPE, cached)
        url = self.source + project + "/"
        try:
            resp = self.transport.request("GET", url, {"Accept": JSON_TYPE, "User-Agent": "pip-airlock-agent"}, timeout=self.timeout)
        except Unreachable as err:
            self.log(f"cooldown: {err}")
            return _text(502, f"pip-airlock cooldown: {err}")
        if resp.status == 404:
            return _text(404, f"{project}: not on {redact(self.source)}")
        if resp.status != 200:
            self.log(f"cooldown: GET {redact(url)}: HTTP {resp.status}")
            # pip retries a 503 (and a 502): the source's own failures come back to it as those.
            return _text(503 if resp.status == 429 or resp.status >= 500 else 502, f"pip-airlock cooldown: the source answered HTTP {resp.status}")
        content_type = (resp.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != JSON_TYPE:
            return self.refuse(project, f"it answered {content_type or 'no Content-Type'}, not the PEP 691 JSON simple API")
        try:
            data = json.loads(resp.body.decode("utf-8"))
            files = data["files"]
            if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("filename"), str)
                                                      and isinstance(f.get("url"), str) for f in files):
                raise ValueError("files is not a list of files")
        except (ValueError, KeyError, TypeError) as err:
            return self.refuse(project, f"its JSON page cannot be read: {err}")
        return self._filter(project, url, data, files)

    def _filter(self, project: str, url: str, data: Dict[str, Any], files: List[Dict[str, Any]]) -> Page:
        exempt = project in self.exempt
        kept: List[Dict[str, Any]] = []
        hidden: List[Tuple[str, Optional[str]]] = []
        times: Dict[str, str] = {}
        for f in files:
            entry = dict(f)
            entry["url"] = urllib.parse.urljoin(url, f["url"])
            raw = f.get("upload-time")
            seconds = parse_upload_time(raw)
            if seconds is not None:
                times[f["filename"]] = raw
            if exempt or (seconds is not None and seconds <= self.cutoff):
                kept.append(entry)
            else:
                hidden.append((f["filename"], raw if seconds is not None else None))
        if files and not times and not exempt:
            return self.refuse(project, "its JSON page gives no file an upload-time")
        page = dict(data)
        page["files"] = kept
        body = json.dumps(page, separators=(",", ":")).encode("utf-8")
        skipped: Dict[str, str] = {}
        by_version: Dict[str, List[Tuple[str, Optional[str]]]] = {}
        for name, raw in hidden:
            by_version.setdefault(file_version(name), []).append((name, raw))
        for version, entries in sorted(by_version.items()):
            young = sorted(raw for _, raw in entries if raw)
            unknown = len(entries) - len(young)
            parts = []
            if young:
                parts.append(f"{len(young)} file(s) uploaded {young[0]}" + (f" .. {young[-1]}" if young[-1] != young[0] else "")
                             + f", after the cutoff {iso(self.cutoff)}")
            if unknown:
                parts.append(f"{unknown} file(s) without an upload-time (their age cannot be shown)")
            skipped[f"{project} {version or '?'}"] = "; ".join(parts)
        with self.lock:
            if project in self.pages:  # another thread served it meanwhile: one decision per page
                return Page(200, JSON_TYPE, self.pages[project])
            self.pages[project] = body
            self.upload_times.update(times)
            self.hidden[project] = [name for name, _ in hidden]
            self.skipped.update(skipped)
            if exempt:
                self.log(f"cooldown: {project} is exempt (POLICY.AGE_EXEMPT): all {len(files)} file(s) served")
            for release, why in sorted(skipped.items()):
                self.log(f"skipped for age: {release}: {why}")
        return Page(200, JSON_TYPE, body)


class _Handler(BaseHTTPRequestHandler):
    server_version = "pip-airlock-cooldown"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's hook
        flt: IndexFilter = self.server.index_filter  # type: ignore[attr-defined]
        path = urllib.parse.urlsplit(self.path).path
        m = re.fullmatch(r"/simple/([^/]+)/", path)
        project = normalize(urllib.parse.unquote(m.group(1))) if m else ""
        if not _PROJECT.fullmatch(project):
            page = _text(404, "not found: this index serves /simple/PROJECT/ only")
        else:
            try:
                page = flt.page(project)
            except Exception as err:  # noqa: BLE001 - answered, and the download then fails with pip's message
                flt.log(f"cooldown: {project}: {type(err).__name__}: {err}")
                page = _text(500, f"pip-airlock cooldown: {type(err).__name__}")
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass
