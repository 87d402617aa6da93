"""The Cloud KMS client: `asymmetricSign` (the mirror signs its statement) and `getPublicKey` (hosts fetch the
key that verifies it), over KMS's REST API with this VM's token, every exchange checked end to end.

What KMS documents, and what is modelled here:
- asymmetricSign: POST {endpoint}{versionName}:asymmetricSign, body {"digest": {"sha256": B64},
  "digestCrc32c": "DECIMAL"}; answer {"signature", "signatureCrc32c", "verifiedDigestCrc32c", "name",
  "protectionLevel"}; permission cloudkms.cryptoKeyVersions.useToSign.
  https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys.cryptoKeyVersions/asymmetricSign
- getPublicKey: GET {endpoint}{versionName}/publicKey; answer {"pem", "algorithm", "pemCrc32c", "name",
  "protectionLevel"}; permission cloudkms.cryptoKeyVersions.viewPublicKey.
  https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys.cryptoKeyVersions/getPublicKey
- The integrity fields (https://cloud.google.com/kms/docs/data-integrity-guidelines): the *Crc32c fields are
  CRC32C values sent as decimal strings (Int64Value); a response whose checksum does not match, or whose
  verifiedDigestCrc32c is false although digestCrc32c was sent, is to be discarded and the call retried a
  limited number of times; `name` is there to check that the intended key version was used. So each of
  these is Unreachable here (a damaged exchange: RetryPolicy tries again), as is a refused digestCrc32c.
  KMS "will report an error" for the latter without documenting its code: modelled as 400 INVALID_ARGUMENT
  with a message naming the checksum (the shape other projects' fakes use).
- A key version not ENABLED (https://cloud.google.com/kms/docs/key-states: DISABLED "may not be used",
  DESTROYED has no key material): the REST pages do not say what getPublicKey answers then. Observed
  answers (e.g. hashicorp/terraform-provider-google#5895 for PENDING_GENERATION) are HTTP 400, status
  FAILED_PRECONDITION, message "<name> is not enabled, current state is: <STATE>.", with a
  google.rpc.PreconditionFailure detail. Modelled: the same for DISABLED and DESTROYED, on both methods,
  and it is Unverifiable (never retried): a version taken out of use signs nothing a host should accept.
- 401 (the token; the caller forgets it via on_rejected) and 403 (the permission) are Rejected; 404 (no such
  key version) Unverifiable; 429 and 5xx Unreachable with the Retry-After they give; 408 and 409 (ABORTED)
  Unreachable; a 3xx is never followed (http.Transport) and is Unverifiable.

The token goes only to the configured endpoint (https, a googleapis.com host: the settings' own pattern), on
a URL built from a version name that matches projects/P/locations/L/keyRings/R/cryptoKeys/K/
cryptoKeyVersions/N; it is never put in a message."""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Callable, Dict, NamedTuple, Optional

from .clock import Clock
from .crc32c import crc32c
from .errors import Rejected, SettingsError, Unreachable, Unverifiable
from .http import Response, Transport, redact, retry_after_seconds
from .settings import _KMS_ENDPOINT, _SIGNING_KEY

VERSION_NAME = re.compile(_SIGNING_KEY.pattern + r"/cryptoKeyVersions/[1-9][0-9]{0,9}")
_STATE = re.compile(r"current state is: ([A-Z_]+)")
_PERMISSION = {"asymmetricSign": "cloudkms.cryptoKeyVersions.useToSign",
               "getPublicKey": "cloudkms.cryptoKeyVersions.viewPublicKey"}


class PublicKey(NamedTuple):
    name: str
    pem: str
    algorithm: str
    protection_level: str


def check_version_name(version_name: Any) -> str:
    if not isinstance(version_name, str) or not VERSION_NAME.fullmatch(version_name):
        raise SettingsError(f"KMS key version {version_name!r}: must be "
                            "projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N")
    return version_name


def _printable(text: Any, limit: int = 300) -> str:
    """A service's message fit for one log line."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:limit]


def _error(resp: Response) -> Dict[str, Any]:
    """The google.rpc-style error object of a JSON error answer ({} when there is none)."""
    try:
        error = json.loads(resp.body.decode("utf-8")).get("error")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return {}
    return error if isinstance(error, dict) else {}


def _checksum(value: Any) -> Optional[int]:
    """An Int64Value field (a decimal string; a JSON number is accepted too) as an int, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None


class KmsClient:
    def __init__(self, endpoint: str, token: Callable[[], str], transport: Transport,
                 on_rejected: Optional[Callable[[], None]] = None, clock: Optional[Clock] = None) -> None:
        if not isinstance(endpoint, str) or not _KMS_ENDPOINT.fullmatch(endpoint):
            raise SettingsError(f"KMS endpoint {endpoint!r}: must be https://cloudkms.googleapis.com/v1/ (a googleapis.com host)")
        self.endpoint = endpoint
        self.token = token
        self.transport = transport
        self.on_rejected = on_rejected
        self.clock = clock or Clock()
        #: Requests sent this run.
        self.requests = 0

    def _call(self, method: str, version_name: str, suffix: str, what: str,
              body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        url = self.endpoint + check_version_name(version_name) + suffix
        headers = {"Authorization": f"Bearer {self.token()}", "User-Agent": "pip-airlock-agent"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":")).encode()
        self.requests += 1
        resp = self.transport.request(method, url, headers, body=data, timeout=30)
        label = f"KMS {what} {version_name}"
        if resp.status != 200:
            self._raise_for(label, what, resp)
        try:
            answer = json.loads(resp.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise Unreachable(f"{label}: the answer is not JSON (a damaged exchange)") from None
        if not isinstance(answer, dict):
            raise Unreachable(f"{label}: the answer is not a JSON object (a damaged exchange)")
        if answer.get("name") != version_name:
            raise Unreachable(f"{label}: the answer is for {_printable(answer.get('name'))!r}, not this key version (a damaged exchange)")
        return answer

    def _raise_for(self, label: str, what: str, resp: Response) -> None:
        error = _error(resp)
        status, message = _printable(error.get("status", "")), _printable(error.get("message", ""))
        said = f" ({status}: {message})" if status or message else ""
        if resp.status == 401:
            if self.on_rejected:
                self.on_rejected()
            raise Rejected(f"{label}: HTTP 401, the token was refused{said}", 401)
        if resp.status == 403:
            raise Rejected(f"{label}: HTTP 403, this VM's service account may not use this key: it needs "
                           f"{_PERMISSION[what]} on the key (or the key does not exist){said}", 403)
        if resp.status == 404:
            raise Unverifiable(f"{label}: HTTP 404, no such key version{said}")
        if resp.status == 400 and status == "FAILED_PRECONDITION":
            state = _STATE.search(message)
            raise Unverifiable(f"{label}: the key version is {state.group(1) if state else 'not ENABLED'}, "
                               f"so KMS will not use it{said}")
        if resp.status == 400 and status == "INVALID_ARGUMENT" and "crc32c" in message.lower():
            raise Unreachable(f"{label}: KMS refused the digest's checksum (a damaged exchange){said}")
        if resp.status == 429 or resp.status >= 500 or resp.status in (408, 409):
            wait = retry_after_seconds(resp.header("Retry-After"), self.clock.time())
            raise Unreachable(f"{label}: HTTP {resp.status}" + (f" (Retry-After {wait:g}s)" if wait is not None else "") + said, wait)
        if 300 <= resp.status < 400:
            raise Unverifiable(f"{label}: HTTP {resp.status} redirect to {redact(resp.header('Location') or '?')}: not followed")
        raise Unverifiable(f"{label}: HTTP {resp.status}{said}")

    def asymmetric_sign(self, version_name: str, digest: bytes) -> bytes:
        """KMS's signature of this SHA-256 digest with the key version (raw bytes), checked end to end."""
        if not isinstance(digest, (bytes, bytearray)) or len(digest) != 32:
            raise ValueError("asymmetric_sign takes a 32-byte SHA-256 digest")
        answer = self._call("POST", version_name, ":asymmetricSign", "asymmetricSign",
                            {"digest": {"sha256": base64.b64encode(bytes(digest)).decode()},
                             "digestCrc32c": str(crc32c(bytes(digest)))})
        label = f"KMS asymmetricSign {version_name}"
        if answer.get("verifiedDigestCrc32c") is not True:
            raise Unreachable(f"{label}: KMS did not confirm the digest's checksum (a damaged exchange)")
        try:
            signature = base64.b64decode(answer.get("signature") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise Unreachable(f"{label}: the signature is not base64 (a damaged exchange)") from None
        if not signature:
            raise Unreachable(f"{label}: no signature in the answer (a damaged exchange)")
        if _checksum(answer.get("signatureCrc32c")) != crc32c(signature):
            raise Unreachable(f"{label}: the signature's CRC32C does not match signatureCrc32c (a damaged exchange)")
        return signature

    def public_key(self, version_name: str) -> PublicKey:
        """The key version's public key as KMS gives it (PEM), its checksum and name checked."""
        answer = self._call("GET", version_name, "/publicKey", "getPublicKey")
        label = f"KMS getPublicKey {version_name}"
        pem = answer.get("pem")
        if not isinstance(pem, str) or not pem:
            raise Unreachable(f"{label}: no PEM in the answer (a damaged exchange)")
        if _checksum(answer.get("pemCrc32c")) != crc32c(pem.encode("utf-8")):
            raise Unreachable(f"{label}: the PEM's CRC32C does not match pemCrc32c (a damaged exchange)")
        return PublicKey(version_name, pem, _printable(answer.get("algorithm", ""), 80),
                         _printable(answer.get("protectionLevel", ""), 40))
