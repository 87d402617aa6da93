"""The Cloud KMS client: the documented request shapes, every answer mapped to the error a caller acts on,
every damaged exchange (a checksum, a name) caught, and the token going nowhere but the endpoint."""
import base64
import email.utils
import hashlib
import json
import random

import pytest

from fakes import FakeClock, FakeTransport, logger
from pip_airlock_agent.crc32c import crc32c
from pip_airlock_agent.errors import Rejected, SettingsError, Unreachable, Unverifiable
from pip_airlock_agent.http import Response
from pip_airlock_agent.kms import KmsClient, PublicKey
from pip_airlock_agent.retry import RetryPolicy

ENDPOINT = "https://cloudkms.googleapis.com/v1/"
KEY = "projects/airlock-prod/locations/europe-west1/keyRings/pip-airlock/cryptoKeys/signed-set"
VERSION = KEY + "/cryptoKeyVersions/3"
SIGN_URL = ENDPOINT + VERSION + ":asymmetricSign"
PEM_URL = ENDPOINT + VERSION + "/publicKey"
TOKEN = "ya29.secret-token-value"
DIGEST = hashlib.sha256(b"statement").digest()
SIGNATURE = bytes(range(256)) + bytes(range(128))  # 384 bytes, as RSA 3072 gives
PEM = "-----BEGIN PUBLIC KEY-----\nMIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEA\n-----END PUBLIC KEY-----\n"


def json_response(status, obj, headers=None):
    return Response(status, dict({"Content-Type": "application/json"}, **(headers or {})), json.dumps(obj).encode())


def signed(**changes):
    answer = {"signature": base64.b64encode(SIGNATURE).decode(), "signatureCrc32c": str(crc32c(SIGNATURE)),
              "verifiedDigestCrc32c": True, "name": VERSION, "protectionLevel": "SOFTWARE"}
    answer.update(changes)
    return json_response(200, {k: v for k, v in answer.items() if v is not None})


def public(**changes):
    answer = {"pem": PEM, "algorithm": "RSA_SIGN_PKCS1_3072_SHA256", "pemCrc32c": str(crc32c(PEM.encode())),
              "name": VERSION, "protectionLevel": "HSM"}
    answer.update(changes)
    return json_response(200, {k: v for k, v in answer.items() if v is not None})


def google_error(code, status, message, headers=None):
    return json_response(code, {"error": {"code": code, "status": status, "message": message}}, headers)


def client(routes, clock=None):
    forgotten = []
    transport = FakeTransport(routes)
    kms = KmsClient(ENDPOINT, lambda: TOKEN, transport, on_rejected=lambda: forgotten.append(True),
                    clock=clock or FakeClock())
    return kms, transport, forgotten


def test_asymmetric_sign_sends_the_documented_request_and_returns_the_raw_signature():
    kms, transport, _ = client({SIGN_URL: signed()})
    assert kms.asymmetric_sign(VERSION, DIGEST) == SIGNATURE
    [(method, url, headers, body)] = transport.requests
    assert (method, url) == ("POST", SIGN_URL)
    assert headers["Authorization"] == "Bearer " + TOKEN
    assert headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert sent == {"digest": {"sha256": base64.b64encode(DIGEST).decode()}, "digestCrc32c": str(crc32c(DIGEST))}
    assert isinstance(sent["digestCrc32c"], str)  # an Int64Value travels as a decimal string
    assert kms.requests == 1


def test_public_key_sends_a_bare_get_and_returns_the_checked_key():
    kms, transport, _ = client({PEM_URL: public()})
    assert kms.public_key(VERSION) == PublicKey(VERSION, PEM, "RSA_SIGN_PKCS1_3072_SHA256", "HSM")
    [(method, url, headers, body)] = transport.requests
    assert (method, url, body) == ("GET", PEM_URL, None)
    assert headers["Authorization"] == "Bearer " + TOKEN


@pytest.mark.parametrize("answer, words", [
    (signed(verifiedDigestCrc32c=False), "did not confirm"),
    (signed(verifiedDigestCrc32c=None), "did not confirm"),          # the field absent: the checksum never arrived
    (signed(verifiedDigestCrc32c="true"), "did not confirm"),
    (signed(signatureCrc32c=str(crc32c(SIGNATURE) ^ 1)), "CRC32C"),
    (signed(signatureCrc32c=None), "CRC32C"),
    (signed(signatureCrc32c="0x" + format(crc32c(SIGNATURE), "x")), "CRC32C"),
    (signed(signature=base64.b64encode(SIGNATURE[:-1] + b"\x00").decode()), "CRC32C"),  # damaged in transit
    (signed(signature="not base64!"), "not base64"),
    (signed(signature=None), "signature"),
    (signed(name=KEY + "/cryptoKeyVersions/4"), "not this key version"),
    (signed(name=None), "not this key version"),
    (Response(200, {}, b"<html>proxy</html>"), "not JSON"),
    (json_response(200, ["a list"]), "not a JSON object"),
])
def test_a_damaged_sign_exchange_is_unreachable_so_the_caller_retries(answer, words):
    kms, _, _ = client({SIGN_URL: answer})
    with pytest.raises(Unreachable, match=words):
        kms.asymmetric_sign(VERSION, DIGEST)


@pytest.mark.parametrize("answer, words", [
    (public(pemCrc32c=str(crc32c(PEM.encode()) ^ 0x80000000)), "CRC32C"),
    (public(pem=PEM.replace("MIIB", "MIIC")), "CRC32C"),
    (public(pemCrc32c=None), "CRC32C"),
    (public(pem=None), "no PEM"),
    (public(name=KEY + "/cryptoKeyVersions/1"), "not this key version"),
    (public(name=VERSION + "x"), "not this key version"),
])
def test_a_damaged_public_key_exchange_is_unreachable(answer, words):
    kms, _, _ = client({PEM_URL: answer})
    with pytest.raises(Unreachable, match=words):
        kms.public_key(VERSION)


def test_a_checksum_sent_as_a_json_number_is_still_checked():
    kms, _, _ = client({PEM_URL: public(pemCrc32c=crc32c(PEM.encode()))})
    assert kms.public_key(VERSION).pem == PEM
    kms, _, _ = client({PEM_URL: public(pemCrc32c=crc32c(PEM.encode()) + 1)})
    with pytest.raises(Unreachable):
        kms.public_key(VERSION)


def call(kms, which):
    return kms.asymmetric_sign(VERSION, DIGEST) if which == "sign" else kms.public_key(VERSION)


def route(which):
    return SIGN_URL if which == "sign" else PEM_URL


@pytest.mark.parametrize("which", ["sign", "key"])
def test_401_makes_the_caller_forget_its_token_and_is_rejected(which):
    kms, _, forgotten = client({route(which): google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")})
    with pytest.raises(Rejected) as info:
        call(kms, which)
    assert info.value.status == 401 and forgotten == [True]


@pytest.mark.parametrize("which, permission", [("sign", "cloudkms.cryptoKeyVersions.useToSign"),
                                               ("key", "cloudkms.cryptoKeyVersions.viewPublicKey")])
def test_403_names_the_permission_the_service_account_lacks(which, permission):
    # KMS's own message may be the generic one: the client names the permission itself
    kms, _, forgotten = client({route(which): google_error(403, "PERMISSION_DENIED", "The caller does not have permission")})
    with pytest.raises(Rejected, match=permission.replace(".", r"\.")) as info:
        call(kms, which)
    assert info.value.status == 403 and forgotten == []  # the token is fine: only the role is missing


@pytest.mark.parametrize("which", ["sign", "key"])
def test_404_is_no_such_key_version(which):
    kms, _, _ = client({route(which): google_error(404, "NOT_FOUND", f"{VERSION} not found.")})
    with pytest.raises(Unverifiable, match="no such key version"):
        call(kms, which)


@pytest.mark.parametrize("which", ["sign", "key"])
@pytest.mark.parametrize("state", ["DISABLED", "DESTROYED", "DESTROY_SCHEDULED"])
def test_a_key_version_not_enabled_is_unverifiable_and_named(which, state):
    kms, transport, _ = client({route(which): google_error(
        400, "FAILED_PRECONDITION", f"{VERSION} is not enabled, current state is: {state}.")})
    with pytest.raises(Unverifiable, match=f"key version is {state},"):
        call(kms, which)
    policy = RetryPolicy(5, 30, 120, FakeClock(), random.Random(1))
    with pytest.raises(Unverifiable):
        policy.run("kms", lambda: call(kms, which), logger()[0])
    assert len(transport.requests) == 2  # never retried: a version out of use stays out of use


def test_a_refused_digest_checksum_is_a_damaged_exchange():
    kms, _, _ = client({SIGN_URL: google_error(
        400, "INVALID_ARGUMENT", "The checksum in field digest_crc32c did not match the data in field digest.")})
    with pytest.raises(Unreachable, match="checksum"):
        kms.asymmetric_sign(VERSION, DIGEST)


@pytest.mark.parametrize("answer", [
    google_error(400, "INVALID_ARGUMENT", "Digest type must match the algorithm of the key."),
    google_error(400, "FAILED_PRECONDITION_X", "?"),
    Response(405, {}, b""),
    Response(418, {}, b"teapot"),
])
def test_another_refusal_is_unverifiable_not_retried(answer):
    kms, _, _ = client({SIGN_URL: answer})
    with pytest.raises(Unverifiable):
        kms.asymmetric_sign(VERSION, DIGEST)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 408, 409])
def test_throttling_and_server_errors_are_unreachable_with_their_retry_after(status):
    kms, _, _ = client({SIGN_URL: google_error(status, "UNAVAILABLE", "try later", {"Retry-After": "7"})})
    with pytest.raises(Unreachable) as info:
        kms.asymmetric_sign(VERSION, DIGEST)
    assert info.value.retry_after == 7.0


def test_a_retry_after_date_is_counted_from_the_clock():
    clock = FakeClock()
    when = email.utils.formatdate(clock.time() + 42, usegmt=True)
    kms, _, _ = client({PEM_URL: google_error(429, "RESOURCE_EXHAUSTED", "quota", {"Retry-After": when})}, clock)
    with pytest.raises(Unreachable) as info:
        kms.public_key(VERSION)
    assert info.value.retry_after == pytest.approx(42, abs=1)


def test_a_503_without_retry_after_leaves_the_wait_to_the_policy():
    kms, _, _ = client({PEM_URL: Response(503, {}, b"")})
    with pytest.raises(Unreachable) as info:
        kms.public_key(VERSION)
    assert info.value.retry_after is None


def test_a_damaged_answer_is_retried_by_the_policy_until_a_good_one():
    answers = [signed(signatureCrc32c="1"), google_error(503, "UNAVAILABLE", "x"), signed()]
    kms, transport, _ = client({SIGN_URL: lambda: answers.pop(0)})
    policy = RetryPolicy(5, 30, 120, FakeClock(), random.Random(1))
    assert policy.run("sign", lambda: kms.asymmetric_sign(VERSION, DIGEST), logger()[0]) == SIGNATURE
    assert len(transport.requests) == 3


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_token_goes_nowhere_else(status):
    kms, transport, _ = client({SIGN_URL: Response(status, {"Location": "https://evil.example/collect"}, b"")})
    with pytest.raises(Unverifiable, match="not followed"):
        kms.asymmetric_sign(VERSION, DIGEST)
    assert [url for _, url, _, _ in transport.requests] == [SIGN_URL]


@pytest.mark.parametrize("name", [
    KEY,                                                     # a key, not a version
    KEY + "/cryptoKeyVersions/0",
    KEY + "/cryptoKeyVersions/01",
    KEY + "/cryptoKeyVersions/3/../../../../x",
    KEY + "/cryptoKeyVersions/3?alt=media",
    KEY + "/cryptoKeyVersions/3#frag",
    "//evil.example/" + VERSION,
    "projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",  # project ids have 6 to 30 characters
    " " + VERSION,
    VERSION + "\n",
    None,
])
def test_a_malformed_version_name_is_refused_before_any_request(name):
    asked = []
    transport = FakeTransport({})
    kms = KmsClient(ENDPOINT, lambda: asked.append(1) or TOKEN, transport)
    for method in (lambda: kms.asymmetric_sign(name, DIGEST), lambda: kms.public_key(name)):
        with pytest.raises(SettingsError):
            method()
    assert transport.requests == [] and asked == []


@pytest.mark.parametrize("endpoint", [
    "http://cloudkms.googleapis.com/v1/",
    "https://cloudkms.googleapis.com.evil.example/v1/",
    "https://evil.example/v1/",
    "https://user@cloudkms.googleapis.com/v1/",
    "https://cloudkms.googleapis.com:8443/v1/",
    "https://cloudkms.googleapis.com/v1",
    "https://cloudkms.googleapis.com/v2/",
    "https://googleapis.com/v1/",
])
def test_the_endpoint_must_be_https_on_a_googleapis_host(endpoint):
    with pytest.raises(SettingsError):
        KmsClient(endpoint, lambda: TOKEN, FakeTransport({}))


def test_a_private_service_connect_endpoint_is_accepted():
    endpoint = "https://cloudkms-airlock.p.googleapis.com/v1/"
    transport = FakeTransport({endpoint + VERSION + "/publicKey": public()})
    assert KmsClient(endpoint, lambda: TOKEN, transport).public_key(VERSION).pem == PEM


@pytest.mark.parametrize("answer", [
    google_error(401, "UNAUTHENTICATED", "bad"), google_error(403, "PERMISSION_DENIED", "no"),
    google_error(404, "NOT_FOUND", "no"), google_error(400, "FAILED_PRECONDITION", "current state is: DISABLED."),
    google_error(503, "UNAVAILABLE", "x"), Response(302, {"Location": "https://evil.example/"}, b""),
    signed(signatureCrc32c="1"), signed(name="other"), Response(200, {}, b"junk"),
])
def test_no_error_message_carries_the_token(answer):
    kms, _, _ = client({SIGN_URL: answer})
    with pytest.raises(Exception) as info:
        kms.asymmetric_sign(VERSION, DIGEST)
    assert TOKEN not in str(info.value) and "secret" not in str(info.value)


def test_a_digest_that_is_not_sha256_sized_is_a_caller_error():
    kms, transport, _ = client({SIGN_URL: signed()})
    with pytest.raises(ValueError):
        kms.asymmetric_sign(VERSION, hashlib.sha1(b"x").digest())
    assert transport.requests == []


def test_a_hostile_error_message_cannot_forge_log_lines():
    kms, _, _ = client({SIGN_URL: google_error(403, "PERMISSION_DENIED", "denied\nbootstrap: ready")})
    with pytest.raises(Rejected) as info:
        kms.asymmetric_sign(VERSION, DIGEST)
    assert "\n" not in str(info.value)
