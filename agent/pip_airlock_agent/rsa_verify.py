"""RSASSA-PKCS1-v1_5 with SHA-256 verification (RFC 8017 section 8.2.2), in pure Python: hosts check the
mirror's signed statement against the public key Cloud KMS gives for the key version it names
(`RSA_SIGN_PKCS1_3072_SHA256`), and the agent may import nothing outside the standard library.

Strict on purpose, because every leniency here has been a forgery somewhere:
- the key is read with a minimal DER reader that knows exactly one shape, a SubjectPublicKeyInfo
  SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }
  (RFC 5280 4.1, RFC 8017 A.1.1): definite minimal lengths, no trailing bytes at any level, positive
  minimal INTEGERs, a modulus of at least 2048 bits. An EC key, an RSASSA-PSS key (OID ...1.1.10), a PKCS#1
  `RSA PUBLIC KEY`, a PEM with anything after its END line: refused with KeyFormatError.
- the signature is never parsed: s must have exactly the modulus's length and be below n, and s^e mod n
  must equal, byte for byte, the one EMSA-PKCS1-v1_5 encoding of the digest: 00 01 FF..FF 00 DigestInfo(
  sha256, NULL parameters) H (RFC 8017 9.2). Parsing the padding instead lets garbage hide after the hash
  (Bleichenbacher's e=3 forgery, 2006) or inside a loosely read DigestInfo (BERserk, 2014)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import NamedTuple, Tuple

from .errors import Unverifiable

#: AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }, as DER.
RSA_ENCRYPTION = bytes.fromhex("300d06092a864886f70d0101010500")
#: DigestInfo { AlgorithmIdentifier { id-sha256 (2.16.840.1.101.3.4.2.1), NULL }, OCTET STRING (32) } up to H.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 16384

_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END PUBLIC KEY-----(?:\r?\n)?")
_SEQUENCE, _INTEGER, _BIT_STRING, _OID = 0x30, 0x02, 0x03, 0x06


class KeyFormatError(Unverifiable):
    """A public key this module will not use: not PEM, not an RSA SubjectPublicKeyInfo, malformed, too small."""


class RsaPublicKey(NamedTuple):
    n: int
    e: int
    #: The modulus's length in bytes: every signature has exactly this length.
    size: int


def _pem_der(pem: str) -> bytes:
    if not isinstance(pem, str):
        raise KeyFormatError("the public key is not PEM text")
    m = _PEM.fullmatch(pem)
    if not m:
        raise KeyFormatError("the public key is not one PEM 'PUBLIC KEY' block (and nothing else)")
    body = "".join(m.group(1).split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError("the public key's PEM body is not base64") from None
    if base64.b64encode(der).decode() != body:
        raise KeyFormatError("the public key's PEM body is not canonical base64")
    return der


def _tlv(der: bytes, pos: int, tag: int, what: str) -> Tuple[int, int]:
    """(start, end) of the contents of the element at `pos`, which must have `tag`: DER lengths only."""
    if pos + 2 > len(der):
        raise KeyFormatError(f"{what}: truncated")
    if der[pos] != tag:
        raise KeyFormatError(f"{what}: expected tag 0x{tag:02x}, found 0x{der[pos]:02x}")
    first = der[pos + 1]
    if first < 0x80:
        start, length = pos + 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise KeyFormatError(f"{what}: {'indefinite' if count == 0 else 'oversized'} length")
        raw = der[pos + 2:pos + 2 + count]
        if len(raw) != count:
            raise KeyFormatError(f"{what}: truncated length")
        length = int.from_bytes(raw, "big")
        if raw[0] == 0 or length < 0x80:
            raise KeyFormatError(f"{what}: length not in its shortest form (not DER)")
        start = pos + 2 + count
    end = start + length
    if end > len(der):
        raise KeyFormatError(f"{what}: length runs past the end")
    return start, end


def _whole(der: bytes, tag: int, what: str) -> bytes:
    start, end = _tlv(der, 0, tag, what)
    if end != len(der):
        raise KeyFormatError(f"{what}: {len(der) - end} trailing bytes")
    return der[start:end]


def _positive_integer(content: bytes, what: str) -> int:
    if not content:
        raise KeyFormatError(f"{what}: empty INTEGER")
    if content[0] & 0x80:
        raise KeyFormatError(f"{what}: negative")
    if len(content) > 1 and content[0] == 0 and not content[1] & 0x80:
        raise KeyFormatError(f"{what}: INTEGER not in its shortest form (not DER)")
    return int.from_bytes(content, "big")


def _oid_text(content: bytes) -> str:
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return "?"
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def load_public_key(pem: str) -> RsaPublicKey:
    """The RSA key in a PEM SubjectPublicKeyInfo; KeyFormatError for anything else."""
    spki = _whole(_pem_der(pem), _SEQUENCE, "SubjectPublicKeyInfo")
    alg_start, alg_end = _tlv(spki, 0, _SEQUENCE, "AlgorithmIdentifier")
    if spki[0:alg_end] != RSA_ENCRYPTION:
        oid_start, oid_end = _tlv(spki, alg_start, _OID, "algorithm")
        oid = _oid_text(spki[oid_start:oid_end])
        raise KeyFormatError(f"not an rsaEncryption key with NULL parameters (algorithm {oid}): "
                             "only RSASSA-PKCS1-v1_5 keys (RSA_SIGN_PKCS1_*) are accepted")
    bits = _whole(spki[alg_end:], _BIT_STRING, "subjectPublicKey")
    if not bits or bits[0] != 0:
        raise KeyFormatError("subjectPublicKey: a BIT STRING with unused bits")
    rsa = _whole(bits[1:], _SEQUENCE, "RSAPublicKey")
    n_start, n_end = _tlv(rsa, 0, _INTEGER, "modulus")
    e_content = _whole(rsa[n_end:], _INTEGER, "publicExponent")
    n = _positive_integer(rsa[n_start:n_end], "modulus")
    e = _positive_integer(e_content, "publicExponent")
    if not MIN_MODULUS_BITS <= n.bit_length() <= MAX_MODULUS_BITS:
        raise KeyFormatError(f"a {n.bit_length()}-bit modulus: RSA keys of {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} bits only")
    if not n & 1:
        raise KeyFormatError("an even modulus")
    if e < 3 or not e & 1 or e >= n:
        raise KeyFormatError(f"public exponent {e}: must be odd, at least 3 and below the modulus")
    return RsaPublicKey(n, e, (n.bit_length() + 7) // 8)


def _verify(key: RsaPublicKey, digest: bytes, signature: bytes) -> bool:
    if len(digest) != 32:
        raise ValueError(f"a SHA-256 digest has 32 bytes, not {len(digest)}")
    if not isinstance(signature, (bytes, bytearray)) or len(signature) != key.size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(key.size, "big")
    t = SHA256_DIGEST_INFO_PREFIX + bytes(digest)
    expected = b"\x00\x01" + b"\xff" * (key.size - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(encoded, expected)


def verify_pkcs1_sha256_digest(pem: str, digest: bytes, signature: bytes) -> bool:
    """Whether `signature` is the RSASSA-PKCS1-v1_5 signature of this SHA-256 `digest` by the key in `pem`
    (KeyFormatError when the key is unacceptable; ValueError when the digest is not 32 bytes)."""
    return _verify(load_public_key(pem), digest, signature)


def verify_pkcs1_sha256(pem: str, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is the RSASSA-PKCS1-v1_5 SHA-256 signature of `data` by the key in `pem`."""
    return verify_pkcs1_sha256_digest(pem, hashlib.sha256(data).digest(), signature)
