"""Self-test of the fake Cloud KMS (`servers.py kms`), driven by the agent's own KmsClient and rsa_verify:
sign, fetch the public key, verify; rotation; a version taken out of use; IAM; the integrity faults.

  /usr/bin/python3 -m pytest e2e/sim/test_fake_kms.py

The fake runs as `servers.py kms` in a subprocess on loopback, over plain HTTP: the KmsClient only talks to
https://*.googleapis.com/v1/, so a transport in between rewrites that endpoint to the fake's address (the
client and everything it checks are the real ones; TLS itself is tested once, with a throwaway cert)."""
import base64
import hashlib
import json
import os
import random
import secrets
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

SIM = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [SIM, os.path.join(os.path.dirname(os.path.dirname(SIM)), "agent")]

import servers  # noqa: E402
from pip_airlock_agent.clock import Clock  # noqa: E402
from pip_airlock_agent.errors import Rejected, Unreachable, Unverifiable  # noqa: E402
from pip_airlock_agent.http import Transport  # noqa: E402
from pip_airlock_agent.kms import KmsClient  # noqa: E402
from pip_airlock_agent.log import Logger  # noqa: E402
from pip_airlock_agent.retry import RetryPolicy  # noqa: E402
from pip_airlock_agent.rsa_verify import load_public_key, verify_pkcs1_sha256  # noqa: E402

ENDPOINT = "https://cloudkms.googleapis.com/v1/"
RING = "projects/airlock-test/locations/europe-west1/keyRings/pip-airlock"
KEY = RING + "/cryptoKeys/signed-set"
STATEMENT = b'{"files": [], "key": "signed-set", "time": "2026-01-01T00:00:00Z"}\n'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake:
    """One `servers.py kms` process and its admin interface."""

    def __init__(self, tmp, *extra):
        self.sim_key = secrets.token_hex(16)
        self.port, self.admin_port = free_port(), free_port()
        self.state_dir = tmp / "state"
        self.log_path = tmp / "kms.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-u", os.path.join(SIM, "servers.py"), "kms", "--bind", f"127.0.0.1:{self.port}",
             "--state", str(self.state_dir), "--admin", f"127.0.0.1:{self.admin_port}", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ, SIM_TOKEN_KEY=self.sim_key))
        deadline = time.monotonic() + 60
        while True:
            try:
                self.admin("GET", "/")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the fake KMS did not start: " + self.log_path.read_text())
                time.sleep(0.1)
        self.tokens = []

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()

    def admin(self, method, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def token(self, identity):
        old, servers.KEY = servers.KEY, self.sim_key.encode()
        try:
            token, _ = servers.issue_token(identity, 600)
        finally:
            servers.KEY = old
        self.tokens.append(token)
        return token

    def client(self, identity, on_rejected=None, token=None):
        token = token if token is not None else self.token(identity)
        return KmsClient(ENDPOINT, lambda: token, Loopback(self.port), on_rejected=on_rejected)


class NoSleep(Clock):
    def sleep(self, seconds):
        pass


class Loopback(Transport):
    """The agent's Transport, with the KMS endpoint's URLs sent to the fake on loopback instead."""

    def __init__(self, port):
        super().__init__()
        self.base = f"http://127.0.0.1:{port}/v1/"
        self.urls = []

    def request(self, method, url, headers=None, body=None, timeout=60, dest=None):
        assert url.startswith(ENDPOINT), url  # the client never asks for anything else
        self.urls.append(url)
        return super().request(method, self.base + url[len(ENDPOINT):], headers, body, timeout, dest)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    f = Fake(tmp_path_factory.mktemp("kms"),
             "--grant", f"{KEY}=mirror-sa:signer", "--grant", f"{KEY}=mirror-sa:publicKeyViewer",
             "--grant", f"{KEY}=host-sa:publicKeyViewer")
    yield f
    f.stop()
    log = f.log_path.read_text()
    assert f.tokens and not any(t in log for t in f.tokens), "a token reached the fake's log"


def new_key(fake, name, grants):
    """A crypto key of its own for one test (version 1 ENABLED) with these {identity: [roles]}."""
    key = f"{RING}/cryptoKeys/{name}"
    for identity, roles in grants.items():
        assert fake.admin("POST", "/grants", {"key": key, "identity": identity, "roles": roles})[0] == 200
    return key


def test_sign_fetch_the_key_and_verify(fake):
    version = KEY + "/cryptoKeyVersions/1"
    digest = hashlib.sha256(STATEMENT).digest()
    signature = fake.client("mirror-sa").asymmetric_sign(version, digest)
    public = fake.client("host-sa").public_key(version)
    assert public.algorithm == "RSA_SIGN_PKCS1_3072_SHA256" and public.protection_level == "SOFTWARE"
    assert load_public_key(public.pem).size * 8 == 3072
    assert len(signature) == 384
    assert verify_pkcs1_sha256(public.pem, STATEMENT, signature)
    assert not verify_pkcs1_sha256(public.pem, STATEMENT + b" ", signature)


def test_rotation_signs_with_the_new_version_and_the_old_one_still_verifies(fake):
    key = new_key(fake, "rotated", {"mirror-sa": ["signer", "publicKeyViewer"]})
    mirror = fake.client("mirror-sa")
    v1 = key + "/cryptoKeyVersions/1"
    old_signature = mirror.asymmetric_sign(v1, hashlib.sha256(STATEMENT).digest())
    status, answer = fake.admin("POST", "/versions", {"key": key})
    v2 = key + "/cryptoKeyVersions/2"
    assert (status, answer) == (200, {"name": v2})
    new_statement = STATEMENT.replace(b"2026", b"2027")
    new_signature = mirror.asymmetric_sign(v2, hashlib.sha256(new_statement).digest())
    pem1, pem2 = mirror.public_key(v1).pem, mirror.public_key(v2).pem
    assert pem1 != pem2  # each version is its own key pair
    assert verify_pkcs1_sha256(pem2, new_statement, new_signature)
    assert verify_pkcs1_sha256(pem1, STATEMENT, old_signature)
    assert not verify_pkcs1_sha256(pem2, STATEMENT, old_signature)
    assert not verify_pkcs1_sha256(pem1, new_statement, new_signature)


def test_a_disabled_version_refuses_both_methods_until_enabled_again(fake):
    key = new_key(fake, "disabled", {"mirror-sa": ["signer", "publicKeyViewer"]})
    version = key + "/cryptoKeyVersions/1"
    mirror = fake.client("mirror-sa")
    pem = mirror.public_key(version).pem
    assert fake.admin("POST", "/state", {"name": version, "state": "DISABLED"})[0] == 200
    with pytest.raises(Unverifiable, match="key version is DISABLED"):
        mirror.public_key(version)
    with pytest.raises(Unverifiable, match="key version is DISABLED"):
        mirror.asymmetric_sign(version, hashlib.sha256(STATEMENT).digest())
    assert fake.admin("POST", "/state", {"name": version, "state": "ENABLED"})[0] == 200
    assert mirror.public_key(version).pem == pem


def test_a_destroyed_version_is_gone_for_good(fake):
    key = new_key(fake, "destroyed", {"host-sa": ["publicKeyViewer"]})
    version = key + "/cryptoKeyVersions/1"
    private = fake.state_dir / "private" / (hashlib.sha256(version.encode()).hexdigest()[:32] + ".pem")
    host = fake.client("host-sa")
    host.public_key(version)
    assert private.exists()
    assert fake.admin("POST", "/state", {"name": version, "state": "DESTROYED"})[0] == 200
    with pytest.raises(Unverifiable, match="key version is DESTROYED"):
        host.public_key(version)
    assert fake.admin("POST", "/state", {"name": version, "state": "ENABLED"})[0] == 409
    assert fake.admin("GET", "/")[1]["keys"][key]["versions"]["1"]["state"] == "DESTROYED"
    assert not private.exists()  # the key material is gone, not just hidden


def test_an_identity_without_the_role_gets_403_naming_the_permission(fake):
    version = KEY + "/cryptoKeyVersions/1"
    with pytest.raises(Rejected, match=r"cloudkms\.cryptoKeyVersions\.useToSign") as info:
        fake.client("host-sa").asymmetric_sign(version, hashlib.sha256(STATEMENT).digest())
    assert info.value.status == 403
    with pytest.raises(Rejected, match=r"cloudkms\.cryptoKeyVersions\.viewPublicKey") as info:
        fake.client("stranger-sa").public_key(version)
    assert info.value.status == 403
    with pytest.raises(Rejected) as info:  # a key that does not exist: IAM answers 403, not 404
        fake.client("host-sa").public_key(RING + "/cryptoKeys/nothing/cryptoKeyVersions/1")
    assert info.value.status == 403


def test_a_missing_or_bad_token_gets_401_and_the_client_forgets_it(fake):
    version = KEY + "/cryptoKeyVersions/1"
    forgotten = []
    forged = fake.token("host-sa")[:-1] + "0"
    for token in ("", forged, "ya29.real-looking-but-not-issued"):
        with pytest.raises(Rejected) as info:
            fake.client("host-sa", on_rejected=lambda: forgotten.append(1), token=token).public_key(version)
        assert info.value.status == 401
    assert len(forgotten) == 3


def test_an_unknown_version_of_a_granted_key_is_404(fake):
    with pytest.raises(Unverifiable, match="no such key version"):
        fake.client("host-sa").public_key(KEY + "/cryptoKeyVersions/99")


def test_a_digest_checksum_that_does_not_match_is_refused(fake):
    digest = hashlib.sha256(STATEMENT).digest()
    body = json.dumps({"digest": {"sha256": base64.b64encode(digest).decode()},
                       "digestCrc32c": "12345"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{fake.port}/v1/{KEY}/cryptoKeyVersions/1:asymmetricSign",
                                 data=body, method="POST",
                                 headers={"Authorization": "Bearer " + fake.token("mirror-sa"),
                                          "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    error = json.loads(info.value.read())["error"]
    assert (info.value.code, error["status"]) == (400, "INVALID_ARGUMENT")
    assert "digest_crc32c" in error["message"]


def test_damaged_answers_and_outages_are_retried_through(fake):
    version = KEY + "/cryptoKeyVersions/1"
    mirror = fake.client("mirror-sa")
    digest = hashlib.sha256(STATEMENT).digest()
    assert fake.admin("POST", "/faults", {"bad_signature_crc32c": 1})[0] == 200
    with pytest.raises(Unreachable, match="CRC32C"):
        mirror.asymmetric_sign(version, digest)
    assert fake.admin("POST", "/faults", {"bad_pem_crc32c": 1})[0] == 200
    with pytest.raises(Unreachable, match="CRC32C"):
        mirror.public_key(version)
    assert fake.admin("POST", "/faults", {"unavailable": 1})[0] == 200
    with pytest.raises(Unreachable) as info:
        mirror.public_key(version)
    assert info.value.retry_after == 1.0

    policy = RetryPolicy(4, 1, 1, NoSleep(), random.Random(0))
    assert fake.admin("POST", "/faults", {"unavailable": 1, "bad_signature_crc32c": 1})[0] == 200
    signature = policy.run("sign", lambda: mirror.asymmetric_sign(version, digest), Logger("test", NoSleep()))
    assert verify_pkcs1_sha256(mirror.public_key(version).pem, STATEMENT, signature)


def test_requests_are_counted_per_identity(fake):
    before = fake.admin("GET", "/")[1]["by_identity"]
    host = fake.client("host-sa")
    for _ in range(3):
        host.public_key(KEY + "/cryptoKeyVersions/1")
    with pytest.raises(Rejected):
        host.asymmetric_sign(KEY + "/cryptoKeyVersions/1", bytes(32))
    after = fake.admin("GET", "/")[1]["by_identity"]["host-sa"]
    was = before.get("host-sa", {"getPublicKey": 0, "asymmetricSign": 0, "refused": 0})
    assert after["getPublicKey"] - was["getPublicKey"] == 3
    assert after["asymmetricSign"] == was["asymmetricSign"]
    assert after["refused"] - was["refused"] == 1


def test_state_survives_a_restart(tmp_path):
    f = Fake(tmp_path, "--grant", f"{KEY}=host-sa:publicKeyViewer")
    try:
        pem = f.client("host-sa").public_key(KEY + "/cryptoKeyVersions/1").pem
    finally:
        f.stop()
    g = Fake(tmp_path, "--grant", f"{KEY}=host-sa:publicKeyViewer")
    try:
        assert g.client("host-sa").public_key(KEY + "/cryptoKeyVersions/1").pem == pem
    finally:
        g.stop()


def test_tls_with_cert_and_key(tmp_path):
    if subprocess.run(["openssl", "version"], capture_output=True).returncode != 0:
        pytest.skip("openssl is absent")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    f = Fake(tmp_path, "--cert", str(cert), "--key", str(key), "--grant", f"{KEY}=host-sa:publicKeyViewer")
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        req = urllib.request.Request(f"https://127.0.0.1:{f.port}/v1/{KEY}/cryptoKeyVersions/1/publicKey",
                                     headers={"Authorization": "Bearer " + f.token("host-sa")})
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
            assert json.loads(resp.read())["name"] == KEY + "/cryptoKeyVersions/1"
    finally:
        f.stop()
