"""A fake Cloud KMS for the air-gap simulation (Debian's python3 with python3-cryptography): key rings, keys and
key versions of purpose ASYMMETRIC_SIGN, algorithm RSA_SIGN_PKCS1_3072_SHA256, and the two methods the
mirror and the hosts call, as the REST reference documents them:

  POST /v1/{versionName}:asymmetricSign  {"digest": {"sha256": B64}, "digestCrc32c": "DECIMAL"}
       -> {"signature": B64, "signatureCrc32c": "DECIMAL", "verifiedDigestCrc32c": BOOL, "name", "protectionLevel"}
  GET  /v1/{versionName}/publicKey
       -> {"pem", "algorithm", "pemCrc32c": "DECIMAL", "name", "protectionLevel"}

https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys.cryptoKeyVersions/asymmetricSign
https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys.cryptoKeyVersions/getPublicKey
https://cloud.google.com/kms/docs/data-integrity-guidelines

Errors (google.rpc JSON bodies, {"error": {"code", "message", "status"[, "details"]}}), checked in this order:
401 UNAUTHENTICATED without a Bearer token that servers.token_identity accepts; 403 PERMISSION_DENIED when
the crypto key's IAM table does not give that identity the role the method needs (`signer`:
cloudkms.cryptoKeyVersions.useToSign, `publicKeyViewer`: cloudkms.cryptoKeyVersions.viewPublicKey), also for
a key that does not exist ("(or it may not exist)", as IAM answers); 404 NOT_FOUND for a version the key
lacks; 400 FAILED_PRECONDITION "<name> is not enabled, current state is: <STATE>." with a
google.rpc.PreconditionFailure detail (type KEY_DISABLED / KEY_DESTROYED) for a version not ENABLED, on both
methods; 400 INVALID_ARGUMENT for a digestCrc32c that does not match ("The checksum in field digest_crc32c
did not match the data in field digest."), a digest that is not 32 bytes of sha256, or `data`. What the
documentation does not give (the exact messages, the violation types, that getPublicKey refuses a DISABLED
version) is modelled on answers seen in the wild (hashicorp/terraform-provider-google#5895).

State (--state DIR): DIR/state.json {"keys": {KEY: {"iam": {IDENTITY: [ROLE...]}, "versions": {"N": {"state",
"createTime"}}}}} and DIR/private/<sha256 of the version name>.pem, each version's own RSA 3072 key (PKCS#8),
deleted when the version is DESTROYED (a destroyed version's key material is gone; it never comes back).
Every --grant KEY=IDENTITY:ROLE creates KEY (with version 1) if it does not exist yet.

Admin (--admin 127.0.0.1:PORT, JSON):
  GET  /                      {"stats", "by_identity": {ID: {METHOD: n, "refused": n}}, "faults", "keys"}
  POST /versions {"key": K}   a new version of K, ENABLED (rotation); K is created when new -> {"name"}
  POST /state {"name": V, "state": "ENABLED"|"DISABLED"|"DESTROYED"}   (DESTROYED is final: 409 after)
  POST /grants {"key": K, "identity": I, "roles": [ROLE...]}   that identity's roles on K, replaced
  POST /faults {"unavailable": N, "bad_signature_crc32c": N, "bad_pem_crc32c": N}   the next N answers:
       503 UNAVAILABLE with Retry-After 1, or a 200 whose checksum field is off by one
"""
import base64
import datetime
import hashlib
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from servers import Quiet, log, split_bind, tls_server, token_identity

ALGORITHM = "RSA_SIGN_PKCS1_3072_SHA256"
STATES = ("ENABLED", "DISABLED", "DESTROYED")
#: The role each method needs, and the permission a 403 names.
METHODS = {"asymmetricSign": ("signer", "cloudkms.cryptoKeyVersions.useToSign"),
           "getPublicKey": ("publicKeyViewer", "cloudkms.cryptoKeyVersions.viewPublicKey")}
ROLES = {role for role, _ in METHODS.values()}
KEY_NAME = re.compile(r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]{1,63}/keyRings/[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}")
VERSION_NAME = re.compile("(" + KEY_NAME.pattern + r")/cryptoKeyVersions/([1-9][0-9]*)")
MAX_BODY = 64 * 1024


def crc32c(data):
    """CRC32C (Castagnoli), bitwise: written apart from the agent's table-driven one, so the two check each other."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """Keys, versions, their states and IAM tables: state.json plus one private key file per version."""

    def __init__(self, directory, protection_level="SOFTWARE"):
        self.dir = directory
        self.protection_level = protection_level
        self.lock = threading.RLock()
        os.makedirs(os.path.join(directory, "private"), mode=0o700, exist_ok=True)
        self.path = os.path.join(directory, "state.json")
        try:
            with open(self.path) as fh:
                self.state = json.load(fh)
        except FileNotFoundError:
            self.state = {"keys": {}}
        self._private = {}

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(self.state, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def _key_file(self, version_name):
        return os.path.join(self.dir, "private", hashlib.sha256(version_name.encode()).hexdigest()[:32] + ".pem")

    def new_version(self, key):
        """A new ENABLED version of `key` (created with no IAM bindings when new); its name."""
        if not KEY_NAME.fullmatch(key or ""):
            raise ValueError(f"not a crypto key name: {key!r}")
        with self.lock:
            entry = self.state["keys"].setdefault(key, {"iam": {}, "versions": {}})
            number = max((int(n) for n in entry["versions"]), default=0) + 1
            name = f"{key}/cryptoKeyVersions/{number}"
            private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            fd = os.open(self._key_file(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            self._private[name] = private
            entry["versions"][str(number)] = {"state": "ENABLED", "createTime": now_rfc3339()}
            self.save()
        log("kms", f"created {name}")
        return name

    def ensure_key(self, key):
        with self.lock:
            if key not in self.state["keys"]:
                self.new_version(key)

    def set_roles(self, key, identity, roles):
        bad = set(roles) - ROLES
        if bad:
            raise ValueError(f"unknown roles {sorted(bad)}: {sorted(ROLES)}")
        with self.lock:
            iam = self.state["keys"][key]["iam"]
            if roles:
                iam[identity] = sorted(set(roles))
            else:
                iam.pop(identity, None)
            self.save()

    def roles(self, key, identity):
        with self.lock:
            return set(self.state["keys"].get(key, {}).get("iam", {}).get(identity, []))

    def version(self, name):
        """(key, version entry) of a version name, or (key, None)."""
        m = VERSION_NAME.fullmatch(name)
        with self.lock:
            entry = self.state["keys"].get(m.group(1), {}).get("versions", {}).get(m.group(2))
            return m.group(1), (dict(entry) if entry else None)

    def set_state(self, name, state):
        """Returns an HTTP status for the admin: 200, 400 (no such state), 404, 409 (DESTROYED is final)."""
        if state not in STATES or not VERSION_NAME.fullmatch(name or ""):
            return 400
        with self.lock:
            _, entry = self.version(name)
            if entry is None:
                return 404
            m = VERSION_NAME.fullmatch(name)
            stored = self.state["keys"][m.group(1)]["versions"][m.group(2)]
            if stored["state"] == "DESTROYED" and state != "DESTROYED":
                return 409
            stored["state"] = state
            if state == "DESTROYED":
                stored.setdefault("destroyTime", now_rfc3339())
                self._private.pop(name, None)
                try:
                    os.unlink(self._key_file(name))
                except FileNotFoundError:
                    pass
            self.save()
        log("kms", f"{name} is now {state}")
        return 200

    def private_key(self, name):
        with self.lock:
            if name not in self._private:
                with open(self._key_file(name), "rb") as fh:
                    self._private[name] = serialization.load_pem_private_key(fh.read(), password=None)
            return self._private[name]

    def public_pem(self, name):
        return self.private_key(name).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "unauthorized": 0, "forbidden": 0, "not_found": 0, "not_enabled": 0,
                      "invalid": 0, "faults": 0, "signatures": 0, "public_keys": 0}
        self.by_identity = {}
        self.faults = {"unavailable": 0, "bad_signature_crc32c": 0, "bad_pem_crc32c": 0}

    def count(self, stat, identity=None, method=None):
        with self.lock:
            self.stats[stat] = self.stats.get(stat, 0) + 1
            if identity:
                mine = self.by_identity.setdefault(identity, {"asymmetricSign": 0, "getPublicKey": 0, "refused": 0})
                mine[method or "refused"] += 1

    def take_fault(self, kind):
        with self.lock:
            if self.faults.get(kind, 0) > 0:
                self.faults[kind] -= 1
                self.stats["faults"] += 1
                return True
            return False


def google_error(code, status, message, details=None):
    error = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def make_kms_handler(store, counters):
    class Handler(Quiet, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeCloudKMS/1.0"

        def reply(self, code, obj, headers=None):
            body = (json.dumps(obj, indent=2) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            log("kms", f"{self.client_address[0]} {self.command} {self.path} -> {code}")

        def do_GET(self):
            self.handle_call("GET")

        def do_POST(self):
            self.handle_call("POST")

        def route(self, verb):
            """(method, version name) of a documented call, else (None, None)."""
            path = self.path.split("?", 1)[0]
            if verb == "POST" and path.startswith("/v1/") and path.endswith(":asymmetricSign"):
                name, method = path[len("/v1/"):-len(":asymmetricSign")], "asymmetricSign"
            elif verb == "GET" and path.startswith("/v1/") and path.endswith("/publicKey"):
                name, method = path[len("/v1/"):-len("/publicKey")], "getPublicKey"
            else:
                return None, None
            return (method, name) if VERSION_NAME.fullmatch(name) else (None, None)

        def handle_call(self, verb):
            counters.count("requests")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                return self.reply(413, google_error(413, "INVALID_ARGUMENT", "Request too large."))
            body = self.rfile.read(length) if length else b""
            method, name = self.route(verb)
            if method is None:
                counters.count("not_found")
                return self.reply(404, google_error(404, "NOT_FOUND", f"Method not found: {verb} {self.path}"))
            auth = self.headers.get("Authorization", "")
            identity = token_identity(auth[7:]) if auth.startswith("Bearer ") else None
            if identity is None:
                counters.count("unauthorized")
                return self.reply(401, google_error(401, "UNAUTHENTICATED", "Request had invalid authentication "
                                  "credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."),
                                  {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
            if counters.take_fault("unavailable"):
                return self.reply(503, google_error(503, "UNAVAILABLE", "The service is currently unavailable."), {"Retry-After": "1"})
            role, permission = METHODS[method]
            key, version = store.version(name)
            if role not in store.roles(key, identity):
                counters.count("forbidden", identity)
                return self.reply(403, google_error(403, "PERMISSION_DENIED",
                                  f"Permission '{permission}' denied on resource '{name}' (or it may not exist)."))
            if version is None:
                counters.count("not_found", identity)
                return self.reply(404, google_error(404, "NOT_FOUND", f"{name} not found."))
            if version["state"] != "ENABLED":
                counters.count("not_enabled", identity)
                return self.reply(400, google_error(400, "FAILED_PRECONDITION",
                                  f"{name} is not enabled, current state is: {version['state']}.",
                                  [{"@type": "type.googleapis.com/google.rpc.PreconditionFailure",
                                    "violations": [{"type": f"KEY_{version['state']}", "subject": name,
                                                    "description": f"{name} is not enabled, current state is: {version['state']}."}]}]))
            if method == "getPublicKey":
                return self.public_key(name, identity)
            return self.sign(name, identity, body)

        def invalid(self, identity, message):
            counters.count("invalid", identity)
            return self.reply(400, google_error(400, "INVALID_ARGUMENT", message))

        def public_key(self, name, identity):
            pem = store.public_pem(name)
            checksum = crc32c(pem.encode()) + (1 if counters.take_fault("bad_pem_crc32c") else 0)
            counters.count("public_keys", identity, "getPublicKey")
            self.reply(200, {"pem": pem, "algorithm": ALGORITHM, "pemCrc32c": str(checksum % 2 ** 32), "name": name,
                             "protectionLevel": store.protection_level})

        def sign(self, name, identity, body):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                return self.invalid(identity, "Invalid JSON payload received.")
            if not isinstance(request, dict):
                return self.invalid(identity, "Invalid JSON payload received.")
            if "data" in request:
                return self.invalid(identity, f"The fake supports only a digest for {ALGORITHM}.")
            digest_field = request.get("digest")
            if not isinstance(digest_field, dict) or set(digest_field) != {"sha256"}:
                return self.invalid(identity, f"The digest must be a sha256 digest for algorithm {ALGORITHM}.")
            try:
                digest = base64.b64decode(digest_field["sha256"], validate=True)
            except (ValueError, TypeError):
                return self.invalid(identity, "Invalid value at 'digest.sha256': not base64.")
            if len(digest) != 32:
                return self.invalid(identity, f"The digest has {len(digest)} bytes: a sha256 digest has 32.")
            checksum = request.get("digestCrc32c")
            if checksum is not None and str(checksum) != str(crc32c(digest)):
                return self.invalid(identity, "The checksum in field digest_crc32c did not match the data in field digest.")
            signature = store.private_key(name).sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            crc = crc32c(signature) + (1 if counters.take_fault("bad_signature_crc32c") else 0)
            counters.count("signatures", identity, "asymmetricSign")
            self.reply(200, {"signature": base64.b64encode(signature).decode(), "signatureCrc32c": str(crc % 2 ** 32),
                             "verifiedDigestCrc32c": checksum is not None, "name": name,
                             "protectionLevel": store.protection_level})

    return Handler


def make_admin_handler(store, counters):
    class Admin(Quiet, BaseHTTPRequestHandler):
        def reply(self, code, obj):
            body = json.dumps(obj, indent=1, sort_keys=True).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with store.lock:
                keys = json.loads(json.dumps(store.state["keys"]))
            with counters.lock:
                self.reply(200, {"stats": dict(counters.stats), "faults": dict(counters.faults), "keys": keys,
                                 "by_identity": json.loads(json.dumps(counters.by_identity))})

        def do_POST(self):
            try:
                req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                if self.path == "/versions":
                    return self.reply(200, {"name": store.new_version(req["key"])})
                if self.path == "/state":
                    code = store.set_state(req.get("name"), req.get("state"))
                    return self.reply(code, {"name": req.get("name"), "state": req.get("state"), "ok": code == 200})
                if self.path == "/grants":
                    store.ensure_key(req["key"])
                    store.set_roles(req["key"], req["identity"], req.get("roles") or [])
                    log("kms", f"grants on {req['key']}: {store.state['keys'][req['key']]['iam']}")
                    return self.reply(200, store.state["keys"][req["key"]]["iam"])
                if self.path == "/faults":
                    with counters.lock:
                        for kind, n in req.items():
                            if kind not in counters.faults:
                                raise ValueError(f"unknown fault {kind!r}: {sorted(counters.faults)}")
                            counters.faults[kind] = int(n)
                    log("kms", f"faults set: {counters.faults}")
                    return self.reply(200, dict(counters.faults))
                return self.reply(404, {"error": f"no admin path {self.path}"})
            except (ValueError, KeyError, TypeError) as err:
                return self.reply(400, {"error": str(err)})

    return Admin


def parse_grant(spec):
    """KEY=IDENTITY:ROLE -> (key, identity, role)."""
    key, _, who = spec.partition("=")
    identity, _, role = who.rpartition(":")
    if not KEY_NAME.fullmatch(key) or not identity or role not in ROLES:
        raise SystemExit(f"--grant {spec!r}: must be KEY=IDENTITY:{'|'.join(sorted(ROLES))}")
    return key, identity, role


def run(args):
    """servers.py kms --bind IP:PORT [--cert C --key K] --state DIR --admin 127.0.0.1:PORT --grant KEY=ID:ROLE..."""
    store = Store(args.state, args.protection_level)
    for key, identity, role in (parse_grant(g) for g in args.grant):
        store.ensure_key(key)
        store.set_roles(key, identity, store.roles(key, identity) | {role})
    counters = Counters()
    server = ThreadingHTTPServer(split_bind(args.bind), make_kms_handler(store, counters))
    server.daemon_threads = True
    if args.cert:
        tls_server(server, args.cert, args.key)
    admin = ThreadingHTTPServer(split_bind(args.admin), make_admin_handler(store, counters))
    admin.daemon_threads = True
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    log("kms", f"serving {'https' if args.cert else 'http'}://{args.bind}/v1/; keys "
               f"{ {k: v['iam'] for k, v in store.state['keys'].items()} }")
    server.serve_forever()
