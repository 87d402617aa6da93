"""What the mirror's policy asks of the outside world, faked for the simulation (Debian python3, stdlib only):

  servers.py osv       --bind IP:PORT [--cert C --key K] --advisories FILE [--page-size N] [--fail-first N] [--log FILE]
  servers.py integrity --bind IP:PORT [--cert C --key K] --provenance FILE [--log FILE]
  servers.py static    ... --pep691 [--upload-times FILE] [--provenance FILE]   (the fake PyPI, see below)

- OSV's batch query (https://google.github.io/osv.dev/post-v1-querybatch/): `POST /v1/querybatch` with
  `{"queries": [{"package": {"name": N, "ecosystem": "PyPI"}, "version": V, "page_token"?: T}, ...]}` answered
  `{"results": [{"vulns": [{"id": ..., "modified": ...}], "next_page_token"?: ...}, ...]}` in query order, `{}`
  for a query without advisories; more than 1000 queries: HTTP 400 "Too many queries." (google/osv.dev#446).
  ADVISORIES FILE: `{"PROJECT==VERSION": ["GHSA-...", "PYSEC-..."], ...}` (project names compared
  PEP 503-normalized), read again on every request (a scenario edits it). `--page-size N` pages each
  query's advisories N at a time (next_page_token); `--fail-first N` answers the first N requests 503.
- PyPI's Integrity API (https://docs.pypi.org/api/integrity/, PEP 740): `GET /integrity/PROJECT/VERSION/FILENAME/provenance`
  answers a provenance object `{"version": 1, "attestation_bundles": [{"publisher": {...}, "attestations": [...]}]}`
  (content type application/vnd.pypi.integrity.v1+json), 404 `{"message": "No provenance available for F"}`
  for a file without one (or a project/version that does not match the file name), 406 for an Accept it
  does not offer. PROVENANCE FILE: `{"FILENAME": PUBLISHER}`, PUBLISHER a PEP 740 publisher object
  (`{"kind": "GitHub", "repository": "OWNER/REPO", "workflow": "release.yml"}`) or the shorthand
  "github:OWNER/REPO" / "gitlab:GROUP/PROJECT" / "google:EMAIL"; read again on every request. The attestations
  are placeholders: nothing verifies them (the mirror does not).
- The fake PyPI's PEP 691 JSON pages (`static --pep691`): a request for `/simple/PROJECT/` whose Accept prefers
  `application/vnd.pypi.simple.v1+json` (pip's does) is answered with the JSON form (API version 1.1, PEP 700)
  of that project's index.html: each file's absolute URL on the requested host, sha256, requires-python,
  size, and `upload-time` from UPLOAD-TIMES FILE (default ROOT/upload-times.json; read again on every
  request): `{"FILENAME": "2026-05-01T12:00:00Z"}`, or a number of days before now (`{"F": 2}`: uploaded two
  days ago), or null (no upload-time for that file). A file not in the table was uploaded DEFAULT_UPLOAD_TIME,
  old enough for any cooldown. Without `--pep691` the static server answers as before (HTML only).
  `static --provenance FILE` also answers the Integrity API's route on the same host (as pypi.org does)."""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servers import Links  # the PEP 503 page's anchors, as the fake PyPI reads them

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
INTEGRITY_TYPE = "application/vnd.pypi.integrity.v1+json"
DEFAULT_UPLOAD_TIME = "2020-01-01T00:00:00Z"
MAX_QUERIES = 1000


def log(name, msg):
    print(f"{time.strftime('%H:%M:%S')} {name}: {msg}", flush=True)


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_json(path, default):
    """A table a scenario may edit while the server runs: read on every request ({} when missing)."""
    if not path or not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def accept_q(accept, media_type):
    """The q-value an Accept header gives media_type (exact or */*), 0 when it gives none."""
    best = 0.0
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0] not in (media_type, "*/*", media_type.split("/")[0] + "/*"):
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


# ---------------------------------------------------------------------------------------------------
# PEP 691 JSON pages of the static fake PyPI


def upload_time(value, now):
    """A table entry as PEP 700's upload-time (None: the file has none)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - float(value) * 86400))
    return str(value)


def pep691_page(root, path, accept, host, scheme, times_file=None, now=None):
    """(status, content type, body) of the JSON page for `path`, or None when the request is not one for it
    (not /simple/PROJECT/, no such index.html, or an Accept that prefers HTML)."""
    m = re.fullmatch(r"/simple/([a-z0-9][a-z0-9._-]*)/", urllib.parse.urlsplit(path).path)
    if not m or accept_q(accept, JSON_TYPE) <= 0 or accept_q(accept, JSON_TYPE) < max(accept_q(accept, "text/html"),
                                                                                       accept_q(accept, "application/vnd.pypi.simple.v1+html")):
        return None
    project = m.group(1)
    index = os.path.join(root, "simple", project, "index.html")
    if project != normalize(project) or not os.path.isfile(index):
        return None
    parser = Links()
    with open(index, encoding="utf-8") as fh:
        parser.feed(fh.read())
    times = read_json(times_file or os.path.join(root, "upload-times.json"), {})
    now = time.time() if now is None else now
    page_url = f"{scheme}://{host}/simple/{project}/"
    files, versions = [], set()
    for href, requires_python in parser.anchors:
        url, _, fragment = urllib.parse.urljoin(page_url, href).partition("#")
        filename = urllib.parse.unquote(url.rsplit("/", 1)[-1])
        entry = {"filename": filename, "url": url, "hashes": {}, "yanked": False}
        if fragment.startswith("sha256="):
            entry["hashes"]["sha256"] = fragment[len("sha256="):]
        if requires_python:
            entry["requires-python"] = requires_python
        local = os.path.join(root, "files", filename)
        entry["size"] = os.path.getsize(local) if os.path.exists(local) else 0
        stamp = upload_time(times.get(filename, DEFAULT_UPLOAD_TIME), now)
        if stamp is not None:
            entry["upload-time"] = stamp
        files.append(entry)
        parts = filename.split("-")
        if len(parts) > 1:
            versions.add(parts[1] if filename.endswith(".whl") else re.sub(r"\.(tar\.gz|zip)$", "", filename).rsplit("-", 1)[-1])
    body = {"meta": {"api-version": "1.1"}, "name": project, "files": files, "versions": sorted(versions)}
    return 200, JSON_TYPE, json.dumps(body).encode()


# ---------------------------------------------------------------------------------------------------
# The Integrity API


def publisher_object(value):
    """A PROVENANCE FILE entry as a PEP 740 publisher object."""
    if isinstance(value, dict):
        return value
    kind, _, rest = str(value).partition(":")
    if kind == "github":
        return {"kind": "GitHub", "repository": rest, "workflow": "release.yml", "environment": None}
    if kind == "gitlab":
        return {"kind": "GitLab", "repository": rest, "workflow_filepath": ".gitlab-ci.yml", "environment": None}
    if kind == "google":
        return {"kind": "Google", "email": rest}
    raise ValueError(f"not a publisher: {value!r}")


def integrity_answer(path, accept, provenance_file):
    """(status, content type, body) for the Integrity API's route, or None for another path."""
    m = re.fullmatch(r"/integrity/([^/]+)/([^/]+)/([^/]+)/provenance", urllib.parse.urlsplit(path).path)
    if not m:
        return None
    if accept and accept_q(accept, INTEGRITY_TYPE) <= 0 and accept_q(accept, "application/json") <= 0:
        return 406, "application/json", json.dumps({"message": "Request not acceptable"}).encode()
    project, version, filename = (urllib.parse.unquote(g) for g in m.groups())
    table = read_json(provenance_file, {})
    parts = filename.split("-")
    matches = len(parts) > 1 and normalize(parts[0]) == normalize(project) and parts[1] == version
    if filename not in table or not matches:
        return 404, "application/json", json.dumps({"message": f"No provenance available for {filename}"}).encode()
    digest = hashlib.sha256(filename.encode()).hexdigest()  # a placeholder: nothing verifies these attestations
    statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": filename, "digest": {"sha256": digest}}],
                 "predicateType": "https://docs.pypi.org/attestations/publish/v1", "predicate": None}
    attestation = {"version": 1, "verification_material": {"certificate": "U0lNVUxBVEVE", "transparency_entries": []},
                   "envelope": {"statement": base64.b64encode(json.dumps(statement).encode()).decode(), "signature": "U0lNVUxBVEVE"}}
    body = {"version": 1, "attestation_bundles": [{"publisher": publisher_object(table[filename]), "attestations": [attestation]}]}
    return 200, INTEGRITY_TYPE, json.dumps(body).encode()


# ---------------------------------------------------------------------------------------------------
# OSV


def osv_answer(body, advisories, page_size=0):
    """(status, content type, body) for one querybatch request body."""
    try:
        queries = json.loads(body.decode("utf-8"))["queries"]
        if not isinstance(queries, list):
            raise ValueError("queries is not a list")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        return 400, "application/json", json.dumps({"code": 3, "message": f"Invalid request: {err}"}).encode()
    if len(queries) > MAX_QUERIES:
        return 400, "application/json", json.dumps({"code": 3, "message": "Too many queries."}).encode()
    table = {}
    for key, ids in advisories.items():
        name, _, version = key.partition("==")
        table[(normalize(name), version)] = list(ids)
    results = []
    for q in queries:
        package = q.get("package") or {}
        if package.get("ecosystem") != "PyPI":
            results.append({})
            continue
        ids = table.get((normalize(package.get("name", "")), q.get("version", "")), [])
        start = int(q.get("page_token") or 0)
        end = start + page_size if page_size else len(ids)
        result = {"vulns": [{"id": i, "modified": "2026-01-01T00:00:00Z"} for i in ids[start:end]]} if ids[start:end] else {}
        if end < len(ids):
            result["next_page_token"] = str(end)
        results.append(result)
    return 200, "application/json", json.dumps({"results": results}).encode()


# ---------------------------------------------------------------------------------------------------
# The servers


def _send(handler, status, ctype, body):
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _record(path, record):
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


def make_server(kind, bind, args, cert=None, key=None):
    """An osv or integrity server (not yet serving): ThreadingHTTPServer on (host, port)."""
    lock = threading.Lock()
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                state["requests"] += 1
                n = state["requests"]
            if kind == "osv":
                if self.command != "POST" or urllib.parse.urlsplit(self.path).path != "/v1/querybatch":
                    status, ctype, out = 404, "application/json", b'{"code": 5, "message": "Not Found"}'
                elif n <= args.fail_first:
                    status, ctype, out = 503, "text/plain", b"Service Unavailable\n"
                else:
                    status, ctype, out = osv_answer(body, read_json(args.advisories, {}), args.page_size)
                queries = len(json.loads(body).get("queries", [])) if status == 200 else None
                _record(args.log, {"t": time.time(), "client": self.client_address[0], "path": self.path, "status": status, "queries": queries})
            else:
                got = integrity_answer(self.path, self.headers.get("Accept"), args.provenance) if self.command == "GET" else None
                status, ctype, out = got or (404, "application/json", b'{"message": "Not Found"}')
                _record(args.log, {"t": time.time(), "client": self.client_address[0], "path": self.path, "status": status})
            log(kind, f"{self.client_address[0]} {self.command} {self.path} -> {status}")
            _send(self, status, ctype, out)

        do_GET = do_POST = do_HEAD = answer

    host, _, port = bind.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


def static_extras(handler, root, pep691, upload_times, provenance, tls):
    """The static fake PyPI's additions, answered on `handler` when the request is theirs; True then."""
    got = None
    if provenance:
        got = integrity_answer(handler.path, handler.headers.get("Accept"), provenance)
    if got is None and pep691:
        got = pep691_page(root, handler.path, handler.headers.get("Accept"), handler.headers.get("Host", "localhost"),
                          "https" if tls else "http", upload_times)
    if got is None:
        return False
    _send(handler, *got)
    return True


def parser():
    p = argparse.ArgumentParser(prog="servers.py", description="the fake OSV and Integrity API (see policy_services.py)")
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("osv")
    o.add_argument("--bind", required=True)
    o.add_argument("--cert")
    o.add_argument("--key")
    o.add_argument("--advisories", required=True)
    o.add_argument("--page-size", type=int, default=0)
    o.add_argument("--fail-first", type=int, default=0)
    o.add_argument("--log")
    i = sub.add_parser("integrity")
    i.add_argument("--bind", required=True)
    i.add_argument("--cert")
    i.add_argument("--key")
    i.add_argument("--provenance", required=True)
    i.add_argument("--log")
    return p


def main(argv):
    args = parser().parse_args(argv)
    server = make_server(args.cmd, args.bind, args, args.cert, args.key)
    host, port = server.server_address[:2]
    log(args.cmd, f"serving on {host}:{port}{' (https)' if args.cert else ''}")
    server.serve_forever()
