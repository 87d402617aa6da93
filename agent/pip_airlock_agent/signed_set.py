"""The signed set: what the mirror published in one run, signed with the mirror's Cloud KMS key, so a private
host installs nothing the mirror did not sign.

The statement (`statement.json`, canonical JSON) lists every file of the run (name, sha256) and, per target,
its bundle (name, sha256), plus the key version that signs it and the lock's sha256. The mirror has KMS sign
sha256(statement) (RSASSA-PKCS1-v1_5, SHA-256, with RSA_SIGN_PKCS1_3072_SHA256) and publishes both as a wheel
of the project `pip-airlock-signed-set` (version N.ID like the bundles), uploaded after everything it names.
A host takes the newest signed set whose signature verifies with the public key KMS serves for the key
version the statement names, which must be a version of the configured key; KMS serves public keys of
enabled versions only, so a disabled or destroyed version signs nothing any more. RSASSA-PKCS1-v1_5 is
deterministic: the same statement signed by the same version is the same file, run after run."""
from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

from . import wheelfile
from .errors import Unverifiable
from .fsutil import sha256_of

PROJECT = "pip-airlock-signed-set"
PAYLOAD = "pip_airlock_signed_set/"
STATEMENT = PAYLOAD + "statement.json"
SIGNATURE = PAYLOAD + "statement.sig"
FORMAT = "pip-airlock-signed-set 1"
#: What the host accepts: the algorithm the stack creates the key with (KMS's names).
ALGORITHMS = ("RSA_SIGN_PKCS1_2048_SHA256", "RSA_SIGN_PKCS1_3072_SHA256", "RSA_SIGN_PKCS1_4096_SHA256")
#: How many signed sets, newest first, a host tries before it gives up (a writer of the auth repo who is not
#: the mirror may add any number of unverifiable ones above the real one).
MAX_CANDIDATES = 5

_SHA = re.compile(r"[0-9a-f]{64}")
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.whl")
_VERSION_NAME = re.compile(r"(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)/cryptoKeyVersions/([1-9][0-9]{0,9})")
_READER = wheelfile.Reader("signed set refused: ")


class Statement(NamedTuple):
    key_version: str
    files: Dict[str, str]  # file name -> sha256
    bundles: Dict[str, Tuple[str, str]]  # target word -> (bundle file name, sha256)
    lock_sha256: str
    digest: str  # sha256 of the statement's bytes

    @property
    def short(self) -> str:
        return self.digest[:12]


def statement_bytes(key_version: str, files: Sequence[Tuple[str, str]], bundles: Sequence[Tuple[str, str, str]],
                    lock_sha256: str) -> bytes:
    """The canonical statement: sorted keys, no spaces, ASCII; files sorted by name."""
    doc = {
        "format": FORMAT,
        "key_version": key_version,
        "files": [{"name": n, "sha256": s} for n, s in sorted(files)],
        "bundles": [{"target": t, "name": n, "sha256": s} for t, n, s in sorted(bundles)],
        "lock_sha256": lock_sha256,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def parse(data: bytes) -> Statement:
    """A statement's fields, each checked; anything else is Unverifiable."""
    def refuse(why: str) -> Unverifiable:
        return _READER.refuse("its statement " + why)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise refuse(f"is not JSON ({err})") from None
    if not isinstance(doc, dict) or sorted(doc) != ["bundles", "files", "format", "key_version", "lock_sha256"]:
        raise refuse("does not have exactly the fields bundles, files, format, key_version, lock_sha256")
    if doc["format"] != FORMAT:
        raise refuse(f"is of format {doc['format']!r}, not {FORMAT!r}")
    if not isinstance(doc["key_version"], str) or not _VERSION_NAME.fullmatch(doc["key_version"]):
        raise refuse(f"names no key version ({doc['key_version']!r})")
    if not isinstance(doc["lock_sha256"], str) or not (doc["lock_sha256"] == "" or _SHA.fullmatch(doc["lock_sha256"])):
        raise refuse("has a malformed lock_sha256")
    files: Dict[str, str] = {}
    for item in doc["files"] if isinstance(doc["files"], list) else [None]:
        if (not isinstance(item, dict) or sorted(item) != ["name", "sha256"] or not isinstance(item["name"], str)
                or not _FILE.fullmatch(item["name"]) or not isinstance(item["sha256"], str) or not _SHA.fullmatch(item["sha256"])
                or item["name"] in files):
            raise refuse(f"has a malformed or repeated file entry: {item!r}")
        files[item["name"]] = item["sha256"]
    bundles: Dict[str, Tuple[str, str]] = {}
    for item in doc["bundles"] if isinstance(doc["bundles"], list) else [None]:
        if (not isinstance(item, dict) or sorted(item) != ["name", "sha256", "target"] or not all(isinstance(v, str) for v in item.values())
                or item["target"] in bundles or files.get(item["name"]) != item["sha256"]):
            raise refuse(f"has a malformed bundle entry, or one that is not among its files: {item!r}")
        bundles[item["target"]] = (item["name"], item["sha256"])
    return Statement(doc["key_version"], files, bundles, doc["lock_sha256"], hashlib.sha256(data).hexdigest())


def key_of(version_name: str) -> str:
    """projects/.../cryptoKeys/K of a version name (''  when it is none)."""
    m = _VERSION_NAME.fullmatch(version_name)
    return m.group(1) if m else ""


def build(out_dir: str, version: str, statement: bytes, signature: bytes) -> str:
    metadata = (f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: {version}\n"
                "Summary: pip-airlock signed set: the files one mirror run published, signed with its Cloud KMS key\n")
    return wheelfile.write(out_dir, PROJECT, version, metadata, [(STATEMENT, statement), (SIGNATURE, signature)])


def read(path: str, version: str) -> Tuple[bytes, bytes]:
    """(statement bytes, signature bytes) of a signed-set wheel, read strictly."""
    allowed = re.compile(re.escape(PAYLOAD) + r"statement\.(json|sig)")
    contents = _READER.read(path, PROJECT, version, allowed)
    if STATEMENT not in contents:
        raise _READER.refuse("it holds no statement")
    if SIGNATURE not in contents:
        raise _READER.refuse("it holds no signature")
    return contents[STATEMENT], contents[SIGNATURE]


def ident(statement: bytes) -> int:
    return int(hashlib.sha256(statement).hexdigest()[:8], 16)


class Verifier:
    """Verifies statements against the configured key: `public_key(version_name)` is KMS's getPublicKey
    (kms.KmsClient.public_key); public keys are fetched once per version and run."""

    def __init__(self, signing_key: str, public_key: Callable[[str], object]) -> None:
        self.signing_key = signing_key
        self.public_key = public_key
        self._keys: Dict[str, object] = {}

    def verify(self, statement: bytes, signature: bytes) -> Statement:
        parsed = parse(statement)
        if key_of(parsed.key_version) != self.signing_key:
            raise _READER.refuse(f"signed by {parsed.key_version}, not a version of the configured key {self.signing_key}")
        key = self._keys.get(parsed.key_version)
        if key is None:
            key = self.public_key(parsed.key_version)
            self._keys[parsed.key_version] = key
        algorithm = getattr(key, "algorithm", "")
        if algorithm not in ALGORITHMS:
            raise _READER.refuse(f"{parsed.key_version} is a {algorithm} key, not one of {', '.join(ALGORITHMS)}")
        from . import rsa_verify
        try:
            good = rsa_verify.verify_pkcs1_sha256(key.pem, statement, signature)
        except ValueError as err:
            raise _READER.refuse(f"the public key of {parsed.key_version} cannot be used ({err})") from None
        if not good:
            raise _READER.refuse(f"its signature does not verify with {parsed.key_version}")
        return parsed


def candidates(listing) -> List[Tuple[str, object]]:
    """The signed sets in an index listing, newest first: [(version, IndexFile)]."""
    return [(version, item) for (_, version), item in wheelfile.versions(listing, PROJECT)]


def plan(out_dir: str, listing, statement: bytes, signature: bytes) -> Tuple[str, bool]:
    """Builds the signed set in OUT_DIR: (path, True) when the newest the auth repo lists is this very file,
    else (path, False) at a new version N+1.ID above every one listed (1.ID when there is none)."""
    (n, newest_id), newest, newest_sha = wheelfile.newest_version(listing, PROJECT)
    if newest and newest_id == ident(statement):
        path = build(out_dir, newest, statement, signature)
        if newest_sha in ("-", sha256_of(path)):
            return path, True
        os.remove(path)
    return build(out_dir, f"{n + 1}.{ident(statement)}", statement, signature), False
