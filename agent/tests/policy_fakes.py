"""Fakes of what the mirror's policy asks: a PyPI (PEP 691 JSON simple pages with PEP 700 upload-times, the
files), OSV's querybatch API and PyPI's Integrity API. One object answers all three, either as an injected
transport (`request`, like http.Transport) or over loopback HTTP (`serve()`: a real http.server on 127.0.0.1,
for the real pip and the real Transport)."""
from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple

from pip_airlock_agent.errors import Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.names import normalize, wheel_project, wheel_version

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
DAY = 86400


def stamp(seconds: float, fraction: bool = False) -> str:
    """A PEP 700 upload-time."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return base + (".123456Z" if fraction else "Z")


class FakePyPI:
    """PyPI, OSV and the Integrity API in one. `files[project]` lists (filename, upload-time or None, bytes);
    `advisories[(project, version)]` the OSV ids; `provenance[filename]` a publisher object (absent: 404)."""

    def __init__(self, origin: str = "https://pypi.org") -> None:
        self.origin = origin
        self.files: Dict[str, List[Tuple[str, Optional[str], bytes]]] = {}
        self.advisories: Dict[Tuple[str, str], List[str]] = {}
        self.provenance: Dict[str, dict] = {}
        self.requests: List[Tuple[str, str, Dict[str, str], Optional[bytes]]] = []
        self.osv_queries: List[List[dict]] = []
        self.page_size = 0  # > 0: OSV pages each query's advisories this many at a time
        self.html = False  # the simple pages as PEP 503 HTML only (no upload-time)
        self.no_times = False  # JSON without upload-time
        self.relative_urls = False
        self.fail: Dict[str, List[object]] = {"simple": [], "osv": [], "integrity": []}  # next answers (a Response or an exception)
        self.server: Optional[ThreadingHTTPServer] = None

    # --- content ----------------------------------------------------------------------------------------
    def add(self, filename: str, upload_time: Optional[str], data: Optional[bytes] = None) -> None:
        self.files.setdefault(wheel_project(filename), []).append((filename, upload_time, data if data is not None else b"bytes of " + filename.encode()))

    def simple_url(self) -> str:
        return self.origin + "/simple/"

    def osv_url(self) -> str:
        return self.origin + "/v1/querybatch"

    def integrity_url(self) -> str:
        return self.origin + "/integrity/"

    # --- the answers ---------------------------------------------------------------------------------------
    def request(self, method, url, headers=None, body=None, timeout=60, dest=None):
        self.requests.append((method, url, dict(headers or {}), body))
        resp = self.answer(method, urllib.parse.urlsplit(url).path, dict(headers or {}), body)
        if isinstance(resp, Exception):
            raise resp
        if dest is not None and resp.status == 200:
            with open(dest, "wb") as fh:
                fh.write(resp.body)
            return Response(200, resp.headers)
        return resp

    def _next_fault(self, kind: str):
        return self.fail[kind].pop(0) if self.fail[kind] else None

    def answer(self, method: str, path: str, headers: Dict[str, str], body: Optional[bytes]):
        if method == "GET" and path.startswith("/simple/"):
            return self._next_fault("simple") or self.page(path[len("/simple/"):].strip("/"), headers)
        if method == "GET" and path.startswith("/files/"):
            name = urllib.parse.unquote(path[len("/files/"):])
            for entries in self.files.values():
                for filename, _, data in entries:
                    if filename == name:
                        return Response(200, {"Content-Type": "application/octet-stream"}, data)
            return Response(404, {}, b"")
        if method == "POST" and path == "/v1/querybatch":
            return self._next_fault("osv") or self.querybatch(body or b"")
        if method == "GET" and path.startswith("/integrity/") and path.endswith("/provenance"):
            return self._next_fault("integrity") or self.integrity(path, headers)
        return Response(404, {}, b"not found")

    def page(self, project: str, headers: Dict[str, str]) -> Response:
        entries = self.files.get(normalize(project))
        if not entries or project != normalize(project):
            return Response(404, {}, b"not found")
        if self.html or "application/vnd.pypi.simple.v1+json" not in headers.get("Accept", ""):
            links = "".join(f'<a href="{self.origin}/files/{n}#sha256={hashlib.sha256(d).hexdigest()}">{n}</a>\n' for n, _, d in entries)
            return Response(200, {"Content-Type": "text/html"}, f"<html><body>{links}</body></html>".encode())
        files = []
        for name, upload_time, data in entries:
            entry = {"filename": name, "url": (f"../../files/{name}" if self.relative_urls else f"{self.origin}/files/{name}"),
                     "hashes": {"sha256": hashlib.sha256(data).hexdigest()}, "requires-python": ">=3.8", "yanked": False,
                     "size": len(data)}
            if upload_time is not None and not self.no_times:
                entry["upload-time"] = upload_time
            files.append(entry)
        page = {"meta": {"api-version": "1.1"}, "name": project, "files": files,
                "versions": sorted({wheel_version(n) for n, _, _ in entries})}
        return Response(200, {"Content-Type": JSON_TYPE}, json.dumps(page).encode())

    def querybatch(self, body: bytes) -> Response:
        queries = json.loads(body.decode())["queries"]
        self.osv_queries.append(queries)
        if len(queries) > 1000:
            return Response(400, {"Content-Type": "application/json"}, b'{"code": 3, "message": "Too many queries."}')
        results = []
        for q in queries:
            assert q["package"]["ecosystem"] == "PyPI"
            ids = self.advisories.get((q["package"]["name"], q["version"]), [])
            start = int(q.get("page_token") or 0)
            if self.page_size:
                page, rest = ids[start:start + self.page_size], ids[start + self.page_size:]
            else:
                page, rest = ids, []
            result: dict = {"vulns": [{"id": i, "modified": "2026-01-01T00:00:00Z"} for i in page]} if page else {}
            if rest:
                result["next_page_token"] = str(start + len(page))
            results.append(result)
        return Response(200, {"Content-Type": "application/json"}, json.dumps({"results": results}).encode())

    def integrity(self, path: str, headers: Dict[str, str]) -> Response:
        project, version, filename = [urllib.parse.unquote(p) for p in path[len("/integrity/"):-len("/provenance")].split("/")]
        publisher = self.provenance.get(filename)
        if publisher is None or wheel_project(filename) != project or wheel_version(filename) != version:
            return Response(404, {"Content-Type": "application/json"}, json.dumps({"message": f"No provenance available for {filename}"}).encode())
        body = {"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": [
            {"version": 1, "verification_material": {"certificate": "MII...", "transparency_entries": []},
             "envelope": {"statement": "eyJ...", "signature": "MEU..."}}]}]}
        return Response(200, {"Content-Type": "application/vnd.pypi.integrity.v1+json"}, json.dumps(body).encode())

    # --- over loopback -------------------------------------------------------------------------------------
    def serve(self) -> str:
        """Serves this fake on 127.0.0.1 (an ephemeral port); returns its origin (also set as self.origin)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()}
                fake.requests.append((self.command, fake.origin + self.path, headers, body))
                resp = fake.answer(self.command, urllib.parse.urlsplit(self.path).path, headers, body)
                if isinstance(resp, Exception):
                    resp = Response(503, {}, str(resp).encode())
                self.send_response(resp.status)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)

            do_GET = do_POST = handle_one

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # shutdown() waits for the loop's next poll (0.5 s by default): close() returns at once with a short one.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.origin

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def unreachable() -> Unreachable:
    return Unreachable("connection refused")


def github(repository: str) -> dict:
    return {"kind": "GitHub", "repository": repository, "workflow": "release.yml", "environment": "pypi"}
