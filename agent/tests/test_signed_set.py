"""The signed set: its statement (canonical, strictly parsed), its wheel (reproducible, read strictly) and its
verification against real RSA keys and signatures made by openssl, as KMS's RSA_SIGN_PKCS1_*_SHA256 sign."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile

import pytest

from openssl_keys import private_key, public_pem
from pip_airlock_agent import sbom, signed_set, trust
from pip_airlock_agent.errors import Unverifiable

KEY = "projects/airlock-example/locations/us-central1/keyRings/pip-airlock/cryptoKeys/mirror-signing"
V1 = KEY + "/cryptoKeyVersions/1"
SHA = "ab" * 32
FILES = [("keyring-25.7.0-py3-none-any.whl", "1" * 64), ("pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.5-py3-none-any.whl", SHA)]
BUNDLES = [("3.11.2:x86_64:2.36", FILES[1][0], SHA)]

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def keys():
    made = {}
    for name, args in (("rsa3072", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]),
                       ("other", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                       ("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        private = private_key(f"signed-set-{name}", *args)
        made[name] = (private, public_pem(private))
    return made


def sign(private: str, data: bytes) -> bytes:
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", private], input=data, check=True, capture_output=True).stdout


class Key:
    def __init__(self, pem: str, algorithm: str = "RSA_SIGN_PKCS1_3072_SHA256") -> None:
        self.pem, self.algorithm = pem, algorithm


def statement(**changes) -> bytes:
    args = dict(key_version=V1, files=FILES, bundles=BUNDLES, lock_sha256="")
    args.update(changes)
    return signed_set.statement_bytes(**args)


# --- the statement ------------------------------------------------------------------------------------------
def test_the_statement_is_canonical_and_parses_back():
    data = statement()
    assert data == statement(files=list(reversed(FILES)))  # order given does not matter
    assert b", " not in data and b": " not in data and data.decode("ascii")
    parsed = signed_set.parse(data)
    assert parsed.key_version == V1 and parsed.files == dict(FILES)
    assert parsed.bundles == {"3.11.2:x86_64:2.36": (FILES[1][0], SHA)}
    assert parsed.digest == hashlib.sha256(data).hexdigest() and parsed.short == parsed.digest[:12]


@pytest.mark.parametrize("change, why", [
    (lambda d: d.update(format="pip-airlock-signed-set 2"), "is of format"),
    (lambda d: d.update(extra=1), "exactly the fields"),
    (lambda d: d.update(key_version=KEY), "names no key version"),
    (lambda d: d.update(lock_sha256="xyz"), "malformed lock_sha256"),
    (lambda d: d["files"].append({"name": "../../etc/x.whl", "sha256": SHA}), "malformed or repeated file entry"),
    (lambda d: d["files"].append(dict(d["files"][0])), "malformed or repeated file entry"),
    (lambda d: d["files"][0].update(sha256="AB" * 32), "malformed or repeated file entry"),
    (lambda d: d["bundles"][0].update(sha256="2" * 64), "not among its files"),
    (lambda d: d.update(files="x"), "malformed"),
])
def test_a_malformed_statement_is_refused(change, why):
    doc = json.loads(statement())
    change(doc)
    with pytest.raises(Unverifiable, match=why):
        signed_set.parse(json.dumps(doc).encode())


def test_a_statement_that_is_not_json_is_refused():
    with pytest.raises(Unverifiable, match="is not JSON"):
        signed_set.parse(b"\xff not json")


# --- the wheel ----------------------------------------------------------------------------------------------
def test_the_wheel_is_reproducible_and_reads_back(tmp_path):
    a = signed_set.build(str(tmp_path), "1.7", statement(), b"sig")
    first = open(a, "rb").read()
    os.rename(a, a + ".old")
    b = signed_set.build(str(tmp_path), "1.7", statement(), b"sig")
    assert open(b, "rb").read() == first
    assert os.path.basename(b) == "pip_airlock_signed_set-1.7-py3-none-any.whl"
    assert signed_set.read(b, "1.7") == (statement(), b"sig")


def test_a_wheel_with_anything_else_is_refused(tmp_path):
    path = signed_set.build(str(tmp_path), "1.7", statement(), b"sig")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("pip_airlock_signed_set/evil.pth", b"import os")
    with pytest.raises(Unverifiable, match="signed set refused: unexpected entry pip_airlock_signed_set/evil.pth"):
        signed_set.read(path, "1.7")


def test_a_wheel_without_its_signature_is_refused(tmp_path):
    from pip_airlock_agent import wheelfile
    path = wheelfile.write(str(tmp_path), signed_set.PROJECT, "1.7", f"Metadata-Version: 2.1\nName: {signed_set.PROJECT}\nVersion: 1.7\n",
                           [(signed_set.STATEMENT, statement())])
    with pytest.raises(Unverifiable, match="it holds no signature"):
        signed_set.read(path, "1.7")


def test_plan_reuses_the_newest_when_it_is_this_very_file_else_goes_above(tmp_path):
    import types
    os.makedirs(tmp_path / "a")
    first, present = signed_set.plan(str(tmp_path / "a"), [], statement(), b"sig")
    assert present is False and os.path.basename(first).startswith("pip_airlock_signed_set-1.")
    listed = [types.SimpleNamespace(filename=os.path.basename(first), sha256=hashlib.sha256(open(first, "rb").read()).hexdigest())]
    os.makedirs(tmp_path / "b")
    again, present = signed_set.plan(str(tmp_path / "b"), listed, statement(), b"sig")
    assert present is True and os.path.basename(again) == os.path.basename(first)
    listed.append(types.SimpleNamespace(filename="pip_airlock_signed_set-9.1-py3-none-any.whl", sha256="0" * 64))
    os.makedirs(tmp_path / "c")
    other, present = signed_set.plan(str(tmp_path / "c"), listed, statement(lock_sha256="c" * 64), b"sig")
    assert present is False and os.path.basename(other).startswith("pip_airlock_signed_set-10.")


# --- verification with real keys ------------------------------------------------------------------------------
def test_a_signature_made_with_the_key_verifies(keys):
    private, pem = keys["rsa3072"]
    data = statement()
    fetched = []
    verifier = signed_set.Verifier(KEY, lambda name: fetched.append(name) or Key(pem))
    assert verifier.verify(data, sign(private, data)).digest == hashlib.sha256(data).hexdigest()
    verifier.verify(data, sign(private, data))
    assert fetched == [V1]  # once per version and run


def test_one_flipped_bit_is_refused(keys):
    private, pem = keys["rsa3072"]
    data = statement()
    signature = bytearray(sign(private, data))
    signature[-1] ^= 1
    verifier = signed_set.Verifier(KEY, lambda name: Key(pem))
    with pytest.raises(Unverifiable, match="its signature does not verify with " + V1):
        verifier.verify(data, bytes(signature))
    with pytest.raises(Unverifiable, match="does not verify"):
        verifier.verify(statement(lock_sha256="c" * 64), sign(private, data))


def test_a_signature_by_another_key_is_refused(keys):
    data = statement()
    verifier = signed_set.Verifier(KEY, lambda name: Key(keys["rsa3072"][1]))
    with pytest.raises(Unverifiable, match="does not verify"):
        verifier.verify(data, sign(keys["other"][0], data))


def test_a_statement_naming_another_key_is_refused_before_any_key_is_fetched(keys):
    other = "projects/evil-project/locations/us/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"
    data = statement(key_version=other)
    fetched = []
    verifier = signed_set.Verifier(KEY, lambda name: fetched.append(name) or Key(keys["other"][1]))
    with pytest.raises(Unverifiable, match="not a version of the configured key"):
        verifier.verify(data, sign(keys["other"][0], data))
    assert fetched == []


def test_a_key_of_another_algorithm_is_refused(keys):
    private, pem = keys["ec"]
    data = statement()
    with pytest.raises(Unverifiable, match="is a EC_SIGN_P256_SHA256 key"):
        signed_set.Verifier(KEY, lambda name: Key(pem, "EC_SIGN_P256_SHA256")).verify(data, b"x")
    with pytest.raises(Unverifiable):  # an EC key claiming to be RSA
        signed_set.Verifier(KEY, lambda name: Key(pem)).verify(data, b"x" * 384)


# --- which signed files a host can run ------------------------------------------------------------------------
@pytest.mark.parametrize("name, ok", [
    ("keyring-25.7.0-py3-none-any.whl", True),
    ("six-1.16.0-py2.py3-none-any.whl", True),
    ("cffi-2.1.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
    ("cffi-2.1.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),
    ("cryptography-43.0.0-cp37-abi3-manylinux_2_28_x86_64.whl", True),
    ("cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl", False),  # needs a newer glibc
    ("cffi-2.1.1-cp312-cp312-manylinux_2_17_aarch64.whl", False),
    ("cffi-2.1.1-cp312-cp312-musllinux_1_2_x86_64.whl", False),
    ("not-a-wheel.tar.gz", False),
])
def test_compatible(name, ok):
    assert trust.compatible(name, "3.12.3", "x86_64", "2.39") is ok


# --- the SBOM -----------------------------------------------------------------------------------------------
def test_the_sbom_is_reproducible_cyclonedx_with_purls_hashes_and_decisions():
    wheels = [("keyring-25.7.0-py3-none-any.whl", "1" * 64), ("jaraco.classes-3.4.0-py3-none-any.whl", "2" * 64)]
    a = sbom.document("pip-airlock-bundle-x", "3.11.2:x86_64:2.36", wheels, {"keyring-25.7.0-py3-none-any.whl": ["kept: 30 days old"]},
                      {"keyring-25.7.0-py3-none-any.whl": "2026-10-01T00:00:00Z"}, {"keyring": "github:jaraco/keyring"})
    assert a == sbom.document("pip-airlock-bundle-x", "3.11.2:x86_64:2.36", list(reversed(wheels)),
                              {"keyring-25.7.0-py3-none-any.whl": ["kept: 30 days old"]},
                              {"keyring-25.7.0-py3-none-any.whl": "2026-10-01T00:00:00Z"}, {"keyring": "github:jaraco/keyring"})
    doc = json.loads(a)
    assert (doc["bomFormat"], doc["specVersion"], doc["version"]) == ("CycloneDX", "1.5", 1)
    assert doc["serialNumber"].startswith("urn:uuid:")
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    k = by_ref["keyring-25.7.0-py3-none-any.whl"]
    assert (k["name"], k["version"], k["purl"]) == ("keyring", "25.7.0", "pkg:pypi/keyring@25.7.0")
    assert k["hashes"] == [{"alg": "SHA-256", "content": "1" * 64}]
    props = {(p["name"], p["value"]) for p in k["properties"]}
    assert {("pip-airlock:policy", "kept: 30 days old"), ("pip-airlock:upload-time", "2026-10-01T00:00:00Z"),
            ("pip-airlock:publisher", "github:jaraco/keyring")} <= props
    assert by_ref["jaraco.classes-3.4.0-py3-none-any.whl"]["purl"] == "pkg:pypi/jaraco-classes@3.4.0"
    assert sbom.components(a)["keyring-25.7.0-py3-none-any.whl"] == ("keyring", "25.7.0", "1" * 64)
    assert a != sbom.document("pip-airlock-bundle-x", "3.11.2:x86_64:2.36", wheels, {}, {}, {})
