"""Fake Google services for the pip-airlock air-gap simulation (Debian python3, stdlib only).

  servers.py ar       --bind IP:PORT --cert C --key K --data DIR --repos P/R,P/R --admin 127.0.0.1:PORT
  servers.py metadata --bind IP:PORT --state DIR --name HOST [--slow-first N --slow-seconds S] [--ttl S]
  servers.py static   --bind IP:PORT --cert C --key K --root DIR

Tokens: a metadata server issues random short-lived tokens `ya29.sim.<expiry>.<nonce>.<hmac>` signed
with SIM_TOKEN_KEY (environment); the fake Artifact Registry accepts exactly the tokens that verify
and have not expired, as Basic auth password of the user `oauth2accesstoken` (or as a Bearer token).
Every issued token is appended to STATE/tokens.txt so that the harness can look for leaks.
"""
import argparse
import base64
import email.parser
import email.policy
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

KEY = os.environ.get("SIM_TOKEN_KEY", "").encode()


def log(name, msg):
    print(f"{time.strftime('%H:%M:%S')} {name}: {msg}", flush=True)


def sign(payload):
    return hmac.new(KEY, payload.encode(), hashlib.sha256).hexdigest()[:32]


def issue_token(ttl):
    expiry = int(time.time()) + ttl
    payload = f"{expiry}.{secrets.token_urlsafe(24)}"
    return f"ya29.sim.{payload}.{sign(payload)}", expiry


def token_valid(token):
    m = re.fullmatch(r"ya29\.sim\.(\d+)\.([A-Za-z0-9_-]+)\.([0-9a-f]{32})", token or "")
    if not m:
        return False
    payload = f"{m.group(1)}.{m.group(2)}"
    return hmac.compare_digest(sign(payload), m.group(3)) and int(m.group(1)) > time.time()


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


class Registry:
    def __init__(self, data, repos):
        self.data = data
        self.repos = set(repos)
        self.lock = threading.Lock()
        self.faults = {}  # kind -> remaining count of 503 answers; kind_skip -> successes first
        self.stats = {"uploads": 0, "duplicates": 0, "unauthorized": 0, "faults": 0, "requests": 0}
        for repo in self.repos:
            os.makedirs(os.path.join(data, repo), exist_ok=True)

    def files(self, repo):
        d = os.path.join(self.data, repo)
        return sorted(f for f in os.listdir(d) if not f.startswith("."))

    def take_fault(self, kind):
        with self.lock:
            if self.faults.get(kind + "_skip", 0) > 0:  # let this many through first
                self.faults[kind + "_skip"] -= 1
                return False
            left = self.faults.get(kind, 0)
            if left > 0:
                self.faults[kind] = left - 1
                self.stats["faults"] += 1
                return True
        return False


def make_ar_handler(reg):
    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeArtifactRegistry/1.0"

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

        def authorized(self):
            auth = self.headers.get("Authorization", "")
            token = None
            if auth.startswith("Basic "):
                try:
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                except Exception:
                    return False
                if user == "oauth2accesstoken":
                    token = password
            elif auth.startswith("Bearer "):
                token = auth[7:]
            return token_valid(token)

        def route(self):
            """Returns (repo, rest) for /PROJECT/REPO/rest, or (None, None)."""
            path = urllib.parse.urlsplit(self.path).path
            parts = path.lstrip("/").split("/", 2)
            if len(parts) < 2:
                return None, None
            repo = f"{parts[0]}/{parts[1]}"
            if repo not in reg.repos:
                return None, None
            return repo, "/" + (parts[2] if len(parts) > 2 else "")

        def guard(self, kind):
            with reg.lock:
                reg.stats["requests"] += 1
            repo, rest = self.route()
            if repo is None:
                self.send(404, "repository not found\n")
                return None, None
            if not self.authorized():
                with reg.lock:
                    reg.stats["unauthorized"] += 1
                self.send(401, "The request does not have valid authentication credentials.\n",
                          headers={"WWW-Authenticate": 'Basic realm="Artifact Registry"'})
                return None, None
            if reg.take_fault(kind):
                self.send(503, "The service is currently unavailable.\n")
                return None, None
            return repo, rest

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            kind = "files" if "/files/" in path else "simple"
            repo, rest = self.guard(kind)
            if repo is None:
                return
            files = reg.files(repo)
            if rest == "/simple/":
                names = sorted({wheel_name(f) for f in files})
                links = "".join(f'<a href="{n}/">{n}</a><br>\n' for n in names)
                return self.send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n", "text/html")
            m = re.fullmatch(r"/simple/([^/]+)/", rest)
            if m:
                name = m.group(1)
                if name != normalize(name):
                    return self.send(301, "", headers={"Location": f"../{normalize(name)}/"})
                mine = [f for f in files if wheel_name(f) == name]
                if not mine:
                    return self.send(404, "not found\n")
                links = []
                for f in mine:
                    with open(os.path.join(reg.data, repo, f), "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
                    q = urllib.parse.quote(f)
                    links.append(f'<a href="../../files/{q}#sha256={digest}">{html.escape(f)}</a><br>\n')
                return self.send(200, "<!DOCTYPE html><html><body>\n" + "".join(links) + "</body></html>\n", "text/html")
            m = re.fullmatch(r"/files/([^/]+)", rest)
            if m:
                f = urllib.parse.unquote(m.group(1))
                p = os.path.join(reg.data, repo, f)
                if "/" in f or not os.path.isfile(p):
                    return self.send(404, "not found\n")
                with open(p, "rb") as fh:
                    return self.send(200, fh.read(), "application/octet-stream")
            self.send(404, "not found\n")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            repo, rest = self.guard("upload")
            if repo is None:
                return
            if rest not in ("/", ""):
                return self.send(404, "not found\n")
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
                if os.path.exists(path):
                    reg.stats["duplicates"] += 1
                    dup = True
                else:
                    dup = False
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
                for repo in sorted(reg.repos):
                    out[repo] = {}
                    for f in reg.files(repo):
                        with open(os.path.join(reg.data, repo, f), "rb") as fh:
                            out[repo][f] = hashlib.sha256(fh.read()).hexdigest()
                return self.reply(out)
            with reg.lock:
                self.reply({"stats": dict(reg.stats), "faults": dict(reg.faults)})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with reg.lock:
                reg.faults.update({k: int(v) for k, v in json.loads(body or b"{}").items()})
                log("ar", f"faults set: {reg.faults}")
            self.reply(dict(reg.faults))

    return Admin


def run_ar(args):
    reg = Registry(args.data, args.repos.split(","))
    server = tls_server(ThreadingHTTPServer(split_bind(args.bind), make_ar_handler(reg)), args.cert, args.key)
    admin = ThreadingHTTPServer(split_bind(args.admin), make_admin_handler(reg))
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    log("ar", f"serving {sorted(reg.repos)} on https://{args.bind}")
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------
# Fake metadata server


def run_metadata(args):
    state = {"token": None, "expiry": 0, "token_requests": 0, "attrs": {}}
    lock = threading.Lock()
    attrs_file = os.path.join(args.state, f"guest-attributes-{args.name}.json")
    tokens_file = os.path.join(args.state, "tokens.txt")

    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Metadata Server for VM"

        def send(self, code, body=b"", ctype="application/text"):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Metadata-Flavor", "Google")
            self.end_headers()
            self.wfile.write(body)
            log(f"metadata-{args.name}", f"{self.command} {self.path} -> {code}")

        def flavored(self):
            if self.headers.get("Metadata-Flavor") != "Google":
                self.send(403, "Missing Metadata-Flavor:Google header.\n", "text/html")
                return False
            return True

        def do_GET(self):
            if not self.flavored():
                return
            path = urllib.parse.urlsplit(self.path).path
            if path == "/computeMetadata/v1/instance/service-accounts/default/token":
                with lock:
                    state["token_requests"] += 1
                    n = state["token_requests"]
                if n <= args.slow_first:
                    log(f"metadata-{args.name}", f"token request {n}: slow ({args.slow_seconds}s)")
                    time.sleep(args.slow_seconds)
                with lock:
                    now = int(time.time())
                    if state["token"] is None or state["expiry"] - now < 10:
                        state["token"], state["expiry"] = issue_token(args.ttl)
                        with open(tokens_file, "a") as fh:
                            fh.write(state["token"] + "\n")
                    body = json.dumps({"access_token": state["token"], "expires_in": state["expiry"] - now,
                                       "token_type": "Bearer"})
                return self.send(200, body, "application/json")
            prefix = "/computeMetadata/v1/instance/guest-attributes/"
            if path.startswith(prefix):
                key = path[len(prefix):]
                with lock:
                    if key.endswith("/") or key == "":
                        ns = key.rstrip("/")
                        items = [{"namespace": k.split("/")[0], "key": k.split("/", 1)[1], "value": v}
                                 for k, v in sorted(state["attrs"].items()) if not ns or k.startswith(ns + "/")]
                        return self.send(200, json.dumps({"queryValue": {"items": items}}), "application/json")
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
            with lock:
                state["attrs"][key] = body.decode("utf-8", "replace")
                history = os.path.join(args.state, f"guest-attributes-{args.name}.log")
                with open(history, "a") as fh:
                    fh.write(json.dumps({"t": time.time(), "key": key, "value": state["attrs"][key]}) + "\n")
                tmp = attrs_file + ".tmp"
                with open(tmp, "w") as fh:
                    json.dump(state["attrs"], fh, indent=1, sort_keys=True)
                os.replace(tmp, attrs_file)
            self.send(200, "")

    server = ThreadingHTTPServer(split_bind(args.bind), Handler)
    log(f"metadata-{args.name}", f"serving on http://{args.bind}")
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------
# Static HTTPS site (the fake PyPI)


def run_static(args):
    root = args.root

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, fmt, *a):
            log("pypi", f"{self.client_address[0]} " + (fmt % a))

    server = tls_server(ThreadingHTTPServer(split_bind(args.bind), Handler), args.cert, args.key)
    log("pypi", f"serving {root} on https://{args.bind}")
    server.serve_forever()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ar")
    a.add_argument("--bind", required=True)
    a.add_argument("--admin", required=True)
    a.add_argument("--cert", required=True)
    a.add_argument("--key", required=True)
    a.add_argument("--data", required=True)
    a.add_argument("--repos", required=True)
    m = sub.add_parser("metadata")
    m.add_argument("--bind", required=True)
    m.add_argument("--state", required=True)
    m.add_argument("--name", required=True)
    m.add_argument("--ttl", type=int, default=120)
    m.add_argument("--slow-first", type=int, default=0)
    m.add_argument("--slow-seconds", type=float, default=0)
    s = sub.add_parser("static")
    s.add_argument("--bind", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--root", required=True)
    args = p.parse_args()
    if args.cmd in ("ar", "metadata") and not KEY:
        sys.exit("SIM_TOKEN_KEY is not set")
    {"ar": run_ar, "metadata": run_metadata, "static": run_static}[args.cmd](args)


if __name__ == "__main__":
    main()
