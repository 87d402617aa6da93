"""Fake Google services for the pip-airlock air-gap simulation (Debian python3, stdlib only).

  servers.py ar       --bind IP:PORT --cert C --key K --data DIR --admin 127.0.0.1:PORT
                      --repo P/R[:standard|:remote=UPSTREAM_SIMPLE_URL|:virtual=P/R@PRIO,P/R@PRIO]...
                      --grant P/R=IDENTITY:reader|writer... [--resolve HOST=IP --cafile CA]
  servers.py metadata --bind IP:PORT --state DIR --name HOST --identity ID [--slow-first N --slow-seconds S] [--ttl S]
                      [--refresh-before S] [--token-burst N --token-window S]
  servers.py static   --bind IP:PORT [--cert C --key K] --root DIR [--stall] [--pep691 [--upload-times FILE]] [--provenance FILE]
  servers.py osv|integrity ...  (the mirror policy's OSV and Integrity API: sim/policy_services.py)
  servers.py recorder --bind IP:PORT [--cert C --key K] --log FILE [--name N]
  servers.py kms      --bind IP:PORT [--cert C --key K] --state DIR --admin 127.0.0.1:PORT
                      --grant KEY=IDENTITY:signer|publicKeyViewer... [--protection-level SOFTWARE|HSM]
                      (a fake Cloud KMS: sim/fake_kms.py)

Tokens: a metadata server issues random short-lived tokens `ya29.sim.<identity>.<expiry>.<nonce>.<hmac>`
signed with SIM_TOKEN_KEY (environment): each VM's metadata server its own service account (identity).
The fake Artifact Registry accepts exactly the tokens that verify and have not expired, as Basic auth
password of the user `oauth2accesstoken` (or as a Bearer token), and then applies its per-repository
reader/writer table (the IAM grants). Every issued token is appended to STATE/tokens.txt (leak hunt).

As Artifact Registry does: 401 without or with a bad token; 403 for a valid identity without the role
on that repository (or a repository that does not exist: IAM answers "denied (or it may not exist)");
404 for the root `/simple/` page even with valid credentials (only per-project pages exist:
bazel-contrib/rules_python#3709, #3826) and for a project the repository lacks; 400 `requested entity
already exists` on a duplicate upload (pypa/twine#816). A per-project request quota, off unless set
(admin POST /quota {"limit": N, "window": S}): at most N requests in any S seconds (a sliding window;
Artifact Registry's is 60,000 a minute per project and region), more answered 429 RESOURCE_EXHAUSTED
with Retry-After, the seconds until a request fits again; an answered 429 uses no quota. Every request
is counted per client address (a VM) and per identity (admin GET: by_client, by_identity). Simple pages carry sha256 fragments and,
for a wheel whose METADATA has Requires-Python, `data-requires-python` (PEP 503), as Google's do. A
remote repository proxies its upstream simple index (keeping its data-requires-python) and caches the
files it serves. A virtual repository lists a project's files from every upstream that has it, merged;
a file in several upstreams comes from the one with the highest priority ("a priority ... to have more
control over which repository Artifact Registry chooses when a requested artifact is in more than one
upstream repository": https://cloud.google.com/artifact-registry/docs/repositories/virtual-overview; users
report pip seeing the merged version list).

Hostile answers (admin POST {"hostile": [RULE...]}, for the token's way out): a RULE {"project": NAME,
"links": BASE} serves NAME's simple page with every link rewritten to BASE + file name (another host, or
http://); {"file_prefix": PREFIX, "redirect": BASE} answers a file whose name starts with PREFIX with a
302 to BASE + file name; "client": IP limits a rule to one VM. Fault {"unauthorized": N}: the next N
requests are answered 401 whatever their token. A `recorder` is such another origin: it answers 404 to
everything and records every request, with whether it carried an Authorization header.
"""
import argparse
import base64
import collections
import math
import email.parser
import email.policy
import hashlib
import hmac
import html
import html.parser
import json
import os
import re
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

KEY = os.environ.get("SIM_TOKEN_KEY", "").encode()


def log(name, msg):
    print(f"{time.strftime('%H:%M:%S')} {name}: {msg}", flush=True)


def sign(payload):
    return hmac.new(KEY, payload.encode(), hashlib.sha256).hexdigest()[:32]


def issue_token(identity, ttl):
    expiry = int(time.time()) + ttl
    payload = f"{identity}.{expiry}.{secrets.token_urlsafe(24)}"
    return f"ya29.sim.{payload}.{sign(payload)}", expiry


def token_identity(token):
    """The identity a valid, unexpired token was issued to, else None."""
    m = re.fullmatch(r"ya29\.sim\.([a-z0-9-]+)\.(\d+)\.([A-Za-z0-9_-]+)\.([0-9a-f]{32})", token or "")
    if not m:
        return None
    payload = f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
    if hmac.compare_digest(sign(payload), m.group(4)) and int(m.group(2)) > time.time():
        return m.group(1)
    return None


def split_bind(bind):
    host, _, port = bind.rpartition(":")
    return host, int(port)


def tls_server(server, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


class Quiet:
    def log_message(self, fmt, *args):  # requests are logged by the handlers themselves
        pass


# ---------------------------------------------------------------------------------------------------
# Fake Artifact Registry (Python repositories)


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name(filename):
    return normalize(filename.split("-", 1)[0])


class Links(html.parser.HTMLParser):
    """The anchors of a PEP 503 page: (href, data-requires-python or None), attributes unescaped."""

    def __init__(self):
        super().__init__()
        self.anchors = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            if a.get("href"):
                self.anchors.append((a["href"], a.get("data-requires-python")))


def wheel_requires_python(path):
    """Requires-Python of a stored wheel's METADATA (None for no such field or not a wheel), as
    Artifact Registry reads it from an uploaded file for its simple pages."""
    try:
        with zipfile.ZipFile(path) as zf:
            meta = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(meta) != 1:
                return None
            head = zf.read(meta[0]).decode("utf-8", "replace").split("\n\n", 1)[0]
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    values = [l.split(":", 1)[1].strip() for l in head.split("\n") if l.lower().startswith("requires-python:")]
    return values[0] if values else None


def anchor(f, sha, requires_python):
    """One link of a simple page: sha256 fragment, data-requires-python (HTML-escaped, PEP 503)."""
    frag = f"#sha256={sha}" if sha else ""
    rp = f' data-requires-python="{html.escape(requires_python, quote=True)}"' if requires_python else ""
    return f'<a href="../../files/{urllib.parse.quote(f)}{frag}"{rp}>{html.escape(f)}</a><br>\n'


class Registry:
    """Repositories: standard (files on disk), remote (proxy + cache of an upstream simple index) and
    virtual (upstreams by priority). A project page is a list of (filename, sha256, requires_python):
    Requires-Python read from a stored wheel's METADATA (standard), or the upstream page's
    data-requires-python (remote)."""

    def __init__(self, data, specs, grants, cafile=None):
        self.data = data
        self.kinds, self.upstream, self.members = {}, {}, {}
        for spec in specs:
            repo, _, kind = spec.partition(":")
            kind, _, arg = (kind or "standard").partition("=")
            self.kinds[repo] = kind
            if kind == "remote":
                self.upstream[repo] = arg
            elif kind == "virtual":
                ups = [(int(prio), name) for name, _, prio in (u.partition("@") for u in arg.split(","))]
                self.members[repo] = [name for _, name in sorted(ups, key=lambda u: -u[0])]
            os.makedirs(os.path.join(data, repo), exist_ok=True)
        self.grants = {}
        for g in grants:
            repo, _, who = g.partition("=")
            identity, _, role = who.partition(":")
            self.grants.setdefault(repo, {})[identity] = role
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.lock = threading.Lock()
        self.faults = {}  # kind -> remaining count; kind_skip -> successes first
        self.stats = {"uploads": 0, "duplicates": 0, "unauthorized": 0, "forbidden": 0, "faults": 0,
                      "requests": 0, "stalls": 0, "upstream_fetches": 0, "throttled": 0, "corrupted": 0, "hostile": 0}
        self.quota = {"limit": 0, "window": 60}
        self.served_times = collections.deque()  # monotonic times of the requests the quota let through
        self.by_client = {}  # client address -> its counters and the files it fetched
        self.by_identity = {}

    def client(self, address):
        """The counters of one client address (call with the lock held)."""
        return self.by_client.setdefault(address, {"requests": 0, "throttled": 0, "pages": 0, "files": 0, "fetched": []})

    def throttle(self):
        """0 when a request fits the quota now (and is counted in it), else the seconds until one does
        (Retry-After). Call with the lock held."""
        limit, window = self.quota["limit"], self.quota["window"]
        if limit <= 0:
            return 0
        now = time.monotonic()
        while self.served_times and self.served_times[0] <= now - window:
            self.served_times.popleft()
        if len(self.served_times) >= limit:
            return max(1, math.ceil(self.served_times[0] + window - now))
        self.served_times.append(now)
        return 0

    def allowed(self, repo, identity, write):
        role = self.grants.get(repo, {}).get(identity)
        return role == "writer" or (role == "reader" and not write)

    def files(self, repo):
        d = os.path.join(self.data, repo)
        return sorted(f for f in os.listdir(d) if not f.startswith("."))

    def hostile(self, address, key, match):
        """The first hostile rule with KEY whose `client` (if any) is ADDRESS and for which match(rule) holds."""
        with self.lock:
            rules = list(self.faults.get("hostile") or [])
        for rule in rules:
            if key in rule and rule.get("client", address) == address and match(rule):
                with self.lock:
                    self.stats["hostile"] += 1
                return rule
        return None

    def take_fault(self, kind):
        with self.lock:
            if self.faults.get(kind + "_skip", 0) > 0:
                self.faults[kind + "_skip"] -= 1
                return False
            left = self.faults.get(kind, 0)
            if left > 0:
                self.faults[kind] = left - 1
                self.stats["faults"] += 1
                return True
        return False

    def fetch(self, url):
        with self.lock:
            self.stats["upstream_fetches"] += 1
        try:
            with urllib.request.urlopen(url, timeout=30, context=self.ctx) as resp:
                return resp.read()
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def project(self, repo, name):
        kind = self.kinds[repo]
        if kind == "standard":
            out = []
            for f in self.files(repo):
                if wheel_name(f) == name:
                    path = os.path.join(self.data, repo, f)
                    with open(path, "rb") as fh:
                        out.append((f, hashlib.sha256(fh.read()).hexdigest(), wheel_requires_python(path)))
            return out or None
        if kind == "virtual":
            # The merged list of every upstream's files; where one file is in several upstreams, the one of the
            # highest priority (Google documents priority only for "a requested artifact ... in more than one
            # upstream repository": a public project of a private package's name adds its versions).
            merged = {}
            for member in self.members[repo]:
                for entry in self.project(member, name) or ():
                    merged.setdefault(entry[0], entry)
            return sorted(merged.values()) or None
        url = self.upstream[repo] + name + "/"
        body = self.fetch(url)
        if body is None:
            return None
        links = Links()
        links.feed(body.decode("utf-8", "replace"))
        out = []
        sources = {}
        for href, requires_python in links.anchors:
            absolute = urllib.parse.urljoin(url, href)
            path, _, frag = absolute.partition("#")
            f = urllib.parse.unquote(path.rsplit("/", 1)[-1])
            out.append((f, frag[len("sha256="):] if frag.startswith("sha256=") else None, requires_python))
            sources[f] = path
        with self.lock:
            self.upstream.setdefault(repo + "#files", {}).update(sources)
        return out or None

    def file(self, repo, f):
        kind = self.kinds[repo]
        p = os.path.join(self.data, repo, f)
        if kind == "standard":
            return open(p, "rb").read() if os.path.isfile(p) else None
        if kind == "virtual":
            for member in self.members[repo]:
                data = self.file(member, f)
                if data is not None:
                    return data
            return None
        if os.path.isfile(p):  # the remote repository's cache
            return open(p, "rb").read()
        src = self.upstream.get(repo + "#files", {}).get(f)
        if src is None:
            self.project(repo, wheel_name(f))
            src = self.upstream.get(repo + "#files", {}).get(f)
        if src is None:
            return None
        data = self.fetch(src)
        if data is not None:
            with open(p + ".part", "wb") as fh:
                fh.write(data)
            os.rename(p + ".part", p)
        return data


def make_ar_handler(reg):
    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeArtifactRegistry/2.0"

        def send(self, code, body=b"", ctype="text/plain; charset=utf-8", headers=None):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            log("ar", f"{self.client_address[0]} {self.command} {self.path} -> {code}")

        def identity(self):
            auth = self.headers.get("Authorization", "")
            token = None
            if auth.startswith("Basic "):
                try:
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                except Exception:
                    return None
                if user == "oauth2accesstoken":
                    token = password
            elif auth.startswith("Bearer "):
                token = auth[7:]
            return token_identity(token)

        def guard(self, kind, write=False):
            """Returns (repo, rest) for /PROJECT/REPO/rest when the caller may do this, else answers."""
            address = self.client_address[0]
            with reg.lock:
                reg.stats["requests"] += 1
                counters = reg.client(address)
                counters["requests"] += 1
                wait = reg.throttle()
                if wait:
                    reg.stats["throttled"] += 1
                    counters["throttled"] += 1
            if wait:
                self.send(429, json.dumps({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message":
                    "Quota exceeded for quota metric 'Requests' and limit 'Requests per project per region per minute' "
                    "of service 'artifactregistry.googleapis.com'."}}) + "\n", "application/json", headers={"Retry-After": str(wait)})
                return None, None
            path = urllib.parse.urlsplit(self.path).path
            parts = path.lstrip("/").split("/", 2)
            if reg.take_fault("unauthorized"):  # as if the token were refused (revoked, wrong audience)
                with reg.lock:
                    reg.stats["unauthorized"] += 1
                self.send(401, "The request does not have valid authentication credentials.\n",
                          headers={"WWW-Authenticate": 'Basic realm="Artifact Registry"'})
                return None, None
            who = self.identity()
            if who is not None:
                with reg.lock:
                    reg.by_identity[who] = reg.by_identity.get(who, 0) + 1
            if who is None:
                with reg.lock:
                    reg.stats["unauthorized"] += 1
                self.send(401, "The request does not have valid authentication credentials.\n",
                          headers={"WWW-Authenticate": 'Basic realm="Artifact Registry"'})
                return None, None
            repo = f"{parts[0]}/{parts[1]}" if len(parts) >= 2 else None
            if repo not in reg.kinds or not reg.allowed(repo, who, write):
                with reg.lock:
                    reg.stats["forbidden"] += 1
                perm = "uploadArtifacts" if write else "downloadArtifacts"
                self.send(403, f"Permission 'artifactregistry.repositories.{perm}' denied on resource "
                               f"'projects/{parts[0]}/locations/-/repositories/{parts[1] if len(parts) > 1 else ''}' (or it may not exist)\n")
                return None, None
            if reg.take_fault(kind):
                self.send(503, "The service is currently unavailable.\n")
                return None, None
            return repo, "/" + (parts[2] if len(parts) > 2 else "")

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            repo, rest = self.guard("files" if "/files/" in path else "simple")
            if repo is None:
                return
            if rest == "/simple/":  # no root listing, even with valid credentials
                return self.send(404, "Not Found\n")
            m = re.fullmatch(r"/simple/([^/]+)/", rest)
            if m:
                name = m.group(1)
                if name != normalize(name):
                    return self.send(301, "", headers={"Location": f"../{normalize(name)}/"})
                try:
                    page = reg.project(repo, name)
                except OSError as err:
                    return self.send(502, f"upstream: {err}\n")
                if not page:
                    return self.send(404, "Not Found\n")
                links = "".join(anchor(*entry) for entry in page)
                rule = reg.hostile(self.client_address[0], "links", lambda r: r.get("project") == name)
                if rule:  # every link to another origin, the sha256 fragments kept
                    links = "".join(f'<a href="{html.escape(rule["links"] + urllib.parse.quote(f))}{"#sha256=" + sha if sha else ""}">'
                                    f'{html.escape(f)}</a><br>\n' for f, sha, _ in page)
                    log("ar", f"{self.client_address[0]} GET {name}: links rewritten to {rule['links']}")
                with reg.lock:
                    reg.client(self.client_address[0])["pages"] += 1
                return self.send(200, "<!DOCTYPE html><html><body>\n" + links + "</body></html>\n", "text/html")
            m = re.fullmatch(r"/files/([^/]+)", rest)
            if m:
                f = urllib.parse.unquote(m.group(1))
                if "/" in f or f.startswith("."):
                    return self.send(404, "Not Found\n")
                rule = reg.hostile(self.client_address[0], "redirect", lambda r: f.startswith(r.get("file_prefix", "\0")))
                if rule:
                    return self.send(302, "", headers={"Location": rule["redirect"] + urllib.parse.quote(f)})
                try:
                    data = reg.file(repo, f)
                except OSError as err:
                    return self.send(502, f"upstream: {err}\n")
                if data is None:
                    return self.send(404, "Not Found\n")
                if f.startswith(str(reg.faults.get("corrupt_prefix", ""))) and reg.take_fault("corrupt"):
                    data = data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1:]
                    with reg.lock:
                        reg.stats["corrupted"] += 1
                    log("ar", f"{self.client_address[0]} GET {f}: serving it with one byte flipped")
                with reg.lock:
                    counters = reg.client(self.client_address[0])
                    counters["files"] += 1
                    counters["fetched"].append(f)
                return self.send(200, data, "application/octet-stream")
            self.send(404, "Not Found\n")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            if reg.take_fault("upload_stall"):
                # Take half the body, then hang: a client without its own bound waits forever.
                self.rfile.read(length // 2)
                with reg.lock:
                    reg.stats["stalls"] += 1
                log("ar", f"{self.client_address[0]} POST {self.path}: stalling mid-upload")
                time.sleep(reg.faults.get("stall_seconds", 600))
                self.close_connection = True
                return
            body = self.rfile.read(length)
            repo, rest = self.guard("upload", write=True)
            if repo is None:
                return
            if rest not in ("/", "") or reg.kinds[repo] != "standard":
                return self.send(400, "uploads go to a standard repository's root\n")
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("multipart/form-data"):
                return self.send(400, "expected multipart/form-data\n")
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            fields, content, filename = {}, None, None
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "content":
                    content = part.get_payload(decode=True)
                    filename = part.get_filename()
                else:
                    fields[name] = part.get_content().strip() if part.get_content_maintype() == "text" else ""
            if fields.get(":action") != "file_upload" or content is None or not filename:
                return self.send(400, "invalid upload\n")
            if "/" in filename or filename.startswith("."):
                return self.send(400, "invalid file name\n")
            digest = hashlib.sha256(content).hexdigest()
            if fields.get("sha256_digest") and fields["sha256_digest"] != digest:
                return self.send(400, "sha256 digest mismatch\n")
            path = os.path.join(reg.data, repo, filename)
            with reg.lock:
                dup = os.path.exists(path)
                if dup:
                    reg.stats["duplicates"] += 1
                else:
                    with open(path + ".part", "wb") as fh:
                        fh.write(content)
                    os.rename(path + ".part", path)
                    reg.stats["uploads"] += 1
            if dup:
                return self.send(400, "requested entity already exists\n")
            self.send(200, "OK\n")

    return Handler


def make_admin_handler(reg):
    class Admin(Quiet, BaseHTTPRequestHandler):
        def reply(self, obj):
            body = json.dumps(obj, indent=1, sort_keys=True).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/files":
                out = {}
                for repo in sorted(reg.kinds):
                    out[repo] = {}
                    for f in reg.files(repo):
                        with open(os.path.join(reg.data, repo, f), "rb") as fh:
                            out[repo][f] = hashlib.sha256(fh.read()).hexdigest()
                return self.reply(out)
            with reg.lock:
                self.reply({"stats": dict(reg.stats), "faults": dict(reg.faults), "quota": dict(reg.quota),
                            "by_client": json.loads(json.dumps(reg.by_client)), "by_identity": dict(reg.by_identity)})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/grants":  # {"repo": R, "identity": I, "role": "reader"|"writer"|null}
                g = json.loads(body)
                with reg.lock:
                    if g.get("role"):
                        reg.grants.setdefault(g["repo"], {})[g["identity"]] = g["role"]
                    else:
                        reg.grants.get(g["repo"], {}).pop(g["identity"], None)
                    log("ar", f"grants now: {reg.grants}")
                return self.reply(reg.grants)
            if self.path == "/quota":  # {"limit": N, "window": S}: N <= 0 turns it off
                q = json.loads(body)
                with reg.lock:
                    reg.quota = {"limit": int(q.get("limit", 0)), "window": float(q.get("window", 60))}
                    reg.served_times.clear()
                    log("ar", f"quota now: {reg.quota}")
                return self.reply(reg.quota)
            with reg.lock:
                reg.faults.update({k: v if isinstance(v, (str, list, dict)) else int(v) for k, v in json.loads(body or b"{}").items()})
                log("ar", f"faults set: {reg.faults}")
            self.reply(dict(reg.faults))

    return Admin


def install_resolver(pairs):
    """--resolve HOST=IP: name resolution of the fake AR's own upstream fetches (no DNS here)."""
    table = dict(p.split("=", 1) for p in pairs)
    real = socket.getaddrinfo

    def getaddrinfo(host, *a, **kw):
        return real(table.get(host, host), *a, **kw)

    socket.getaddrinfo = getaddrinfo


def run_ar(args):
    install_resolver(args.resolve)
    reg = Registry(args.data, args.repo, args.grant, args.cafile)
    server = tls_server(ThreadingHTTPServer(split_bind(args.bind), make_ar_handler(reg)), args.cert, args.key)
    admin = ThreadingHTTPServer(split_bind(args.admin), make_admin_handler(reg))
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    log("ar", f"serving {reg.kinds} on https://{args.bind}; grants {reg.grants}")
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------
# Fake metadata server


def run_metadata(args):
    """The metadata server of one VM: its service account's token (and what google-auth asks on the
    way: the detection ping, the account's info, project id, universe domain), and guest attributes
    with GCE's documented write limits (about 10 a minute per VM, bursts of at most 3 a second):
    writes over them are answered 200 like any other but dropped, and recorded as dropped. With
    --token-burst N, a burst of token requests (more than N in any --token-window seconds) is answered
    429 Too Many Requests with Retry-After, the seconds until one fits again."""
    state = {"token": None, "expiry": 0, "token_requests": 0, "scoped_token_requests": 0, "pings": 0,
             "account_info_requests": 0, "attrs": {}, "accepted": [], "dropped": 0, "throttled_token_requests": 0}
    token_times = collections.deque()
    lock = threading.Lock()
    prefix_of = lambda n: os.path.join(args.state, f"{n}-{args.name}")
    tokens_file = os.path.join(args.state, "tokens.txt")
    email_addr = f"{args.identity}@airlock-example.iam.gserviceaccount.com"

    def save_stats():
        with open(prefix_of("metadata-stats") + ".json.tmp", "w") as fh:
            json.dump({k: state[k] for k in ("token_requests", "scoped_token_requests", "pings", "account_info_requests",
                                             "dropped", "throttled_token_requests")} | {"accepted_writes": len(state["accepted"])}, fh)
        os.replace(prefix_of("metadata-stats") + ".json.tmp", prefix_of("metadata-stats") + ".json")

    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Metadata Server for VM"

        def send(self, code, body=b"", ctype="application/text", headers=None):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Metadata-Flavor", "Google")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            log(f"metadata-{args.name}", f"{self.command} {self.path} -> {code}")

        def flavored(self):
            if self.headers.get("Metadata-Flavor") != "Google":
                self.send(403, "Missing Metadata-Flavor:Google header.\n", "text/html")
                return False
            return True

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            path, query = url.path, urllib.parse.parse_qs(url.query)
            if path == "/":  # google-auth's GCE detection ping (checks the Metadata-Flavor answer header)
                with lock:
                    state["pings"] += 1
                    save_stats()
                return self.send(200, "computeMetadata/\n")
            if not self.flavored():
                return
            v1 = "/computeMetadata/v1/"
            sa = v1 + "instance/service-accounts/default/"
            if path == sa + "token":
                with lock:
                    state["token_requests"] += 1
                    if "cloud-platform" in ",".join(query.get("scopes", [])):
                        state["scoped_token_requests"] += 1
                    n = state["token_requests"]
                    wait = 0
                    if args.token_burst > 0:
                        now = time.monotonic()
                        while token_times and token_times[0] <= now - args.token_window:
                            token_times.popleft()
                        if len(token_times) >= args.token_burst:
                            wait = max(1, math.ceil(token_times[0] + args.token_window - now))
                            state["throttled_token_requests"] += 1
                        else:
                            token_times.append(now)
                    save_stats()
                if wait:
                    return self.send(429, "Too many requests.\n", "text/plain", headers={"Retry-After": str(wait)})
                if n <= args.slow_first:
                    log(f"metadata-{args.name}", f"token request {n}: slow ({args.slow_seconds}s)")
                    time.sleep(args.slow_seconds)
                with lock:
                    now = int(time.time())
                    if state["token"] is None or state["expiry"] - now < args.refresh_before:
                        state["token"], state["expiry"] = issue_token(args.identity, args.ttl)
                        with open(tokens_file, "a") as fh:
                            fh.write(state["token"] + "\n")
                    body = json.dumps({"access_token": state["token"], "expires_in": state["expiry"] - now,
                                       "token_type": "Bearer"})
                return self.send(200, body, "application/json")
            if path == sa and query.get("recursive") == ["true"]:
                with lock:
                    state["account_info_requests"] += 1
                    save_stats()
                return self.send(200, json.dumps({"aliases": ["default"], "email": email_addr,
                                                  "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}),
                                 "application/json")
            if path == sa + "email":
                return self.send(200, email_addr)
            if path == v1 + "project/project-id":
                return self.send(200, "airlock-example")
            if path == v1 + "universe/universe-domain":
                return self.send(200, "googleapis.com")
            prefix = v1 + "instance/guest-attributes/"
            if path.startswith(prefix):
                key = path[len(prefix):]
                with lock:
                    if key in state["attrs"]:
                        return self.send(200, state["attrs"][key])
                return self.send(404, "not found\n")
            self.send(404, "not found\n")

        def do_PUT(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not self.flavored():
                return
            path = urllib.parse.urlsplit(self.path).path
            prefix = "/computeMetadata/v1/instance/guest-attributes/"
            key = path[len(prefix):] if path.startswith(prefix) else ""
            if key.count("/") != 1 or not all(key.split("/")):
                return self.send(400, "bad guest attribute path\n")
            value = body.decode("utf-8", "replace")
            with lock:
                now = time.time()
                recent = [t for t in state["accepted"] if t > now - 60]
                burst = [t for t in recent if t > now - 1]
                accepted = len(recent) < 10 and len(burst) < 3
                record = {"t": now, "key": key, "value": value, "accepted": accepted}
                with open(prefix_of("guest-attributes") + ".log", "a") as fh:
                    fh.write(json.dumps(record) + "\n")
                if accepted:
                    state["accepted"].append(now)
                    state["attrs"][key] = value
                    with open(prefix_of("guest-attributes") + ".json.tmp", "w") as fh:
                        json.dump(state["attrs"], fh, indent=1, sort_keys=True)
                    os.replace(prefix_of("guest-attributes") + ".json.tmp", prefix_of("guest-attributes") + ".json")
                else:
                    state["dropped"] += 1
                    log(f"metadata-{args.name}", f"guest attribute {key} DROPPED (over the write limits)")
                save_stats()
            self.send(200, "")

    with lock:
        save_stats()
    server = ThreadingHTTPServer(split_bind(args.bind), Handler)
    log(f"metadata-{args.name}", f"serving on http://{args.bind} for {email_addr}")
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------
# Static HTTPS site (the fake PyPI)


def run_static(args):
    root = args.root

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, fmt, *a):
            log(args.name, f"{self.client_address[0]} " + (fmt % a))

        def do_GET(self):
            if args.stall:  # accepts, reads the request, never answers
                log(args.name, f"{self.client_address[0]} GET {self.path}: stalling")
                time.sleep(3600)
                return
            if args.pep691 or args.provenance:  # PEP 691 JSON pages, the Integrity API: sim/policy_services.py
                import policy_services
                if policy_services.static_extras(self, root, args.pep691, args.upload_times, args.provenance, bool(args.cert)):
                    log(args.name, f"{self.client_address[0]} GET {self.path} (JSON)")
                    return
            super().do_GET()

    server = ThreadingHTTPServer(split_bind(args.bind), Handler)
    server.daemon_threads = True
    if args.cert:
        tls_server(server, args.cert, args.key)
    log(args.name, f"serving {root} on {args.bind}{' (stalling)' if args.stall else ''}")
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------
# Another origin (where a hostile index points): records whether a request carried credentials


def run_recorder(args):
    lock = threading.Lock()

    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self):
            auth = self.headers.get("Authorization")
            record = {"t": time.time(), "client": self.client_address[0], "method": self.command,
                      "host": self.headers.get("Host", ""), "path": self.path, "authorization": auth is not None,
                      "auth_scheme": auth.split(" ", 1)[0] if auth else None}
            with lock, open(args.log, "a") as fh:
                fh.write(json.dumps(record) + "\n")
            log(args.name, f"{self.client_address[0]} {self.command} {self.headers.get('Host', '')}{self.path} "
                           f"(Authorization: {'PRESENT' if auth is not None else 'none'}) -> 404")
            body = b"Not Found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = answer

    open(args.log, "a").close()
    server = ThreadingHTTPServer(split_bind(args.bind), Handler)
    server.daemon_threads = True
    if args.cert:
        tls_server(server, args.cert, args.key)
    log(args.name, f"recording on {args.bind}")
    server.serve_forever()


def main():
    if sys.argv[1:2] in (["osv"], ["integrity"]):  # the mirror policy's services: sim/policy_services.py
        import policy_services
        return policy_services.main(sys.argv[1:])
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ar")
    a.add_argument("--bind", required=True)
    a.add_argument("--admin", required=True)
    a.add_argument("--cert", required=True)
    a.add_argument("--key", required=True)
    a.add_argument("--data", required=True)
    a.add_argument("--repo", action="append", default=[])
    a.add_argument("--grant", action="append", default=[])
    a.add_argument("--resolve", action="append", default=[])
    a.add_argument("--cafile")
    m = sub.add_parser("metadata")
    m.add_argument("--bind", required=True)
    m.add_argument("--state", required=True)
    m.add_argument("--name", required=True)
    m.add_argument("--identity", required=True)
    m.add_argument("--ttl", type=int, default=120)
    # GCE's caches a token "until they have 5 minutes of remaining time before they expire" (300)
    m.add_argument("--refresh-before", type=int, default=10)
    m.add_argument("--slow-first", type=int, default=0)
    m.add_argument("--slow-seconds", type=float, default=0)
    m.add_argument("--token-burst", type=int, default=0)
    m.add_argument("--token-window", type=float, default=1)
    s = sub.add_parser("static")
    s.add_argument("--bind", required=True)
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--root", required=True)
    s.add_argument("--name", default="pypi")
    s.add_argument("--stall", action="store_true")
    s.add_argument("--pep691", action="store_true")
    s.add_argument("--upload-times")
    s.add_argument("--provenance")
    r = sub.add_parser("recorder")
    r.add_argument("--bind", required=True)
    r.add_argument("--cert")
    r.add_argument("--key")
    r.add_argument("--log", required=True)
    r.add_argument("--name", default="recorder")
    k = sub.add_parser("kms")
    k.add_argument("--bind", required=True)
    k.add_argument("--cert")
    k.add_argument("--key")
    k.add_argument("--state", required=True)
    k.add_argument("--admin", required=True)
    k.add_argument("--grant", action="append", default=[])
    k.add_argument("--protection-level", default="SOFTWARE", choices=["SOFTWARE", "HSM"])
    args = p.parse_args()
    if args.cmd in ("ar", "metadata", "kms") and not KEY:
        sys.exit("SIM_TOKEN_KEY is not set")
    if args.cmd == "kms":
        import fake_kms  # imported only here: it needs Debian's python3-cryptography, the other fakes do not
        return fake_kms.run(args)
    {"ar": run_ar, "metadata": run_metadata, "static": run_static, "recorder": run_recorder}[args.cmd](args)


if __name__ == "__main__":
    main()
