# TEMPORARY stand-in until the kms branch lands (untracked)
from __future__ import annotations
import base64, json
from typing import NamedTuple
from .crc32c import crc32c
from .errors import Rejected, Unreachable, Unverifiable

class PublicKey(NamedTuple):
    name: str
    pem: str
    algorithm: str
    protection_level: str

class KmsClient:
    def __init__(self, endpoint, token, transport, on_rejected=None):
        self.endpoint, self.token, self.transport, self.on_rejected = endpoint, token, transport, on_rejected
    def _call(self, method, url, body=None):
        resp = self.transport.request(method, url, headers={"Authorization": "Bearer " + self.token()}, body=body)
        if resp.status == 200:
            return json.loads(resp.body)
        if resp.status in (401, 403):
            raise Rejected(f"KMS HTTP {resp.status}", resp.status)
        if resp.status in (429,) or resp.status >= 500:
            raise Unreachable(f"KMS HTTP {resp.status}")
        raise Unverifiable(f"KMS HTTP {resp.status}: {resp.body[:200]!r}")
    def public_key(self, name):
        d = self._call("GET", self.endpoint + name + "/publicKey")
        return PublicKey(d["name"], d["pem"], d["algorithm"], d.get("protectionLevel", ""))
    def asymmetric_sign(self, name, digest):
        d = self._call("POST", self.endpoint + name + ":asymmetricSign", json.dumps({"digest": {"sha256": base64.b64encode(digest).decode()}}).encode())
        return base64.b64decode(d["signature"])
