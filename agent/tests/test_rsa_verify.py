"""RSASSA-PKCS1-v1_5 SHA-256 verification against real keys and signatures made by openssl at test time:
what openssl signs is accepted, and every forgery and every key of another shape is refused."""
import base64
import hashlib
import shutil
import subprocess

import pytest

from openssl_keys import private_key, public_pem
from pip_airlock_agent.errors import Unverifiable
from pip_airlock_agent.rsa_verify import (SHA256_DIGEST_INFO_PREFIX, KeyFormatError, load_public_key,
                                          verify_pkcs1_sha256, verify_pkcs1_sha256_digest)

DATA = b'{"files": [{"name": "keyring-25.7.0-py3-none-any.whl", "sha256": "00"}], "version": 1}\n'


class OpenSSL:
    """Keys made once a session; signatures made on request."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.keys = {}
        (tmp / "data").write_bytes(DATA)

    def run(self, *args, stdin=None):
        return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout

    def key(self, name, *genpkey):
        private = private_key(name, *genpkey)
        self.keys[name] = private
        return public_pem(private)

    def sign(self, name, data=DATA, *sigopts):
        (self.tmp / "in").write_bytes(data)
        return self.run("dgst", "-sha256", "-sign", str(self.keys[name]), *sigopts, str(self.tmp / "in"))

    def raw(self, name, block):
        """block^d mod n: an arbitrary encoded message signed without padding (to build forgeries). pkeyutl
        -sign takes only a hash; the raw private-key operation is -decrypt with no padding."""
        (self.tmp / "block").write_bytes(block)
        return self.run("pkeyutl", "-decrypt", "-inkey", str(self.keys[name]), "-pkeyopt", "rsa_padding_mode:none",
                        "-in", str(self.tmp / "block"))


@pytest.fixture(scope="session")
def ssl(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is absent")
    tool = OpenSSL(tmp_path_factory.mktemp("rsa"))
    tool.pems = {
        2048: tool.key("rsa2048", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
        3072: tool.key("rsa3072", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"),
        4096: tool.key("rsa4096", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"),
        "other2048": tool.key("other2048", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                              "-pkeyopt", "rsa_keygen_pubexp:3"),
        1024: tool.key("rsa1024", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"),
        "ec": tool.key("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
        "pss": tool.key("pss", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"),
    }
    return tool


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_an_openssl_signature_is_accepted(ssl, bits):
    pem = ssl.pems[bits]
    signature = ssl.sign(f"rsa{bits}")
    assert len(signature) * 8 == bits
    assert verify_pkcs1_sha256(pem, DATA, signature) is True
    assert verify_pkcs1_sha256_digest(pem, hashlib.sha256(DATA).digest(), signature) is True
    assert load_public_key(pem).size * 8 == bits


def test_an_exponent_of_3_is_a_valid_key(ssl):
    assert load_public_key(ssl.pems["other2048"]).e == 3
    assert verify_pkcs1_sha256(ssl.pems["other2048"], DATA, ssl.sign("other2048"))


@pytest.mark.parametrize("bit", [0, 7, 8 * 40 + 3, 8 * len(DATA) - 1])
def test_one_flipped_bit_in_the_data_is_refused(ssl, bit):
    signature = ssl.sign("rsa3072")
    changed = bytearray(DATA)
    changed[bit // 8] ^= 1 << (bit % 8)
    assert verify_pkcs1_sha256(ssl.pems[3072], bytes(changed), signature) is False


@pytest.mark.parametrize("bit", [0, 7, 1000, 3071])
def test_one_flipped_bit_in_the_signature_is_refused(ssl, bit):
    signature = bytearray(ssl.sign("rsa3072"))
    signature[bit // 8] ^= 1 << (bit % 8)
    assert verify_pkcs1_sha256(ssl.pems[3072], DATA, bytes(signature)) is False


def test_a_signature_by_another_key_is_refused(ssl):
    assert verify_pkcs1_sha256(ssl.pems[2048], DATA, ssl.sign("other2048")) is False
    assert verify_pkcs1_sha256(ssl.pems["other2048"], DATA, ssl.sign("rsa2048")) is False


def test_a_pss_signature_by_the_same_key_is_refused(ssl):
    pss = ssl.sign("rsa3072", DATA, "-sigopt", "rsa_padding_mode:pss")
    (ssl.tmp / "pub.pem").write_text(ssl.pems[3072])
    (ssl.tmp / "sig").write_bytes(pss)
    # the PSS signature is genuine: openssl itself verifies it (else this raises)
    ssl.run("dgst", "-sha256", "-verify", str(ssl.tmp / "pub.pem"), "-sigopt", "rsa_padding_mode:pss",
            "-signature", str(ssl.tmp / "sig"), str(ssl.tmp / "data"))
    assert verify_pkcs1_sha256(ssl.pems[3072], DATA, pss) is False


@pytest.mark.parametrize("change", ["short", "long", "empty", "zero-padded"])
def test_a_signature_of_the_wrong_length_is_refused(ssl, change):
    signature = ssl.sign("rsa3072")
    wrong = {"short": signature[1:], "long": signature + b"\x00", "empty": b"",
             "zero-padded": b"\x00" + signature}[change]
    assert verify_pkcs1_sha256(ssl.pems[3072], DATA, wrong) is False


def test_a_signature_plus_the_modulus_is_refused(ssl):
    """s + n has the modulus's length and the same s^e mod n: only the check s < n refuses it."""
    for name, bits in (("rsa2048", 2048), ("other2048", "other2048"), ("rsa3072", 3072), ("rsa4096", 4096)):
        key = load_public_key(ssl.pems[bits])
        for i in range(64):
            data = DATA + str(i).encode()
            s = int.from_bytes(ssl.sign(name, data), "big")
            if s + key.n < 2 ** (8 * key.size):
                assert verify_pkcs1_sha256(ssl.pems[bits], data, s.to_bytes(key.size, "big")) is True
                assert verify_pkcs1_sha256(ssl.pems[bits], data, (s + key.n).to_bytes(key.size, "big")) is False
                assert verify_pkcs1_sha256(ssl.pems[bits], data, key.n.to_bytes(key.size, "big")) is False
                return
    pytest.fail("no signature s with s + n below 2^(8k) among 256 tries")


def _encoded(size, t, ps_len=None, block_type=b"\x01", fill=b"\xff"):
    ps_len = size - len(t) - 3 if ps_len is None else ps_len
    block = b"\x00" + block_type + fill * ps_len + b"\x00" + t
    return block + b"\x00" * (size - len(block)) if len(block) < size else block


def test_the_exact_encoding_signed_raw_is_accepted(ssl):
    """The control for the forgeries below: a hand-built correct encoding, signed with no padding, verifies."""
    digest = hashlib.sha256(DATA).digest()
    assert verify_pkcs1_sha256(ssl.pems[2048], DATA, ssl.raw("rsa2048", _encoded(256, SHA256_DIGEST_INFO_PREFIX + digest)))


@pytest.mark.parametrize("forgery", [
    "garbage after the hash",          # Bleichenbacher 2006: a short FF run, the hash, then anything
    "digestinfo without NULL",         # the absent-parameters form: legal DER, not the one encoding
    "block type 02",
    "a non-FF padding byte",
    "sha1 digestinfo",
    "the hash of other data",
    "digestinfo with a long-form length",
])
def test_every_other_encoding_is_refused_even_when_signed_by_the_key(ssl, forgery):
    digest = hashlib.sha256(DATA).digest()
    t = SHA256_DIGEST_INFO_PREFIX + digest
    size = 256
    if forgery == "garbage after the hash":
        block = _encoded(size, t, ps_len=8)[:-1] + b"\x01"  # 8 FFs, 00, T, zero filler ending in 01
    elif forgery == "digestinfo without NULL":
        block = _encoded(size, bytes.fromhex("302f300b0609608648016503040201") + b"\x04\x20" + digest)
    elif forgery == "block type 02":
        block = _encoded(size, t, block_type=b"\x02")
    elif forgery == "a non-FF padding byte":
        block = bytearray(_encoded(size, t))
        block[20] = 0xFE
        block = bytes(block)
    elif forgery == "sha1 digestinfo":
        block = _encoded(size, bytes.fromhex("3021300906052b0e03021a05000414") + hashlib.sha1(DATA).digest())
    elif forgery == "the hash of other data":
        block = _encoded(size, SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(DATA + b" ").digest())
    else:  # a BER long-form length where DER has the short one: 30 81 31 for 30 31
        block = _encoded(size, bytes.fromhex("308131") + SHA256_DIGEST_INFO_PREFIX[2:] + digest)
    assert len(block) == size
    assert verify_pkcs1_sha256(ssl.pems[2048], DATA, ssl.raw("rsa2048", block)) is False


@pytest.mark.parametrize("which, words", [
    ("ec", "1.2.840.10045.2.1"),    # id-ecPublicKey
    ("pss", "1.2.840.113549.1.1.10"),  # an RSASSA-PSS-only key
    (1024, "1024-bit"),
])
def test_keys_of_another_kind_or_size_are_refused(ssl, which, words):
    with pytest.raises(KeyFormatError, match=words.replace(".", r"\.")):
        load_public_key(ssl.pems[which])
    with pytest.raises(Unverifiable):  # a typed refusal the callers already map
        verify_pkcs1_sha256(ssl.pems[which], DATA, b"\x00" * 256)


def _der(pem):
    return base64.b64decode("".join(pem.strip().splitlines()[1:-1]))


def _pem(der, label="PUBLIC KEY"):
    body = base64.b64encode(der).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def test_the_test_helpers_rebuild_the_key_faithfully(ssl):
    der = _der(ssl.pems[3072])
    assert load_public_key(_pem(der)) == load_public_key(ssl.pems[3072])
    rsa = der[19 + 5:]
    assert load_public_key(_rebuild(der, 19, rsa[4:9 + 384])) == load_public_key(ssl.pems[3072])


@pytest.mark.parametrize("damage", [
    "text after END", "text before BEGIN", "a second block", "RSA PUBLIC KEY (PKCS#1)", "not base64",
    "DER trailing byte", "DER inner trailing byte", "outer length too long", "outer length too short",
    "non-minimal length", "indefinite length", "modulus with a needless leading zero", "negative modulus",
    "bit string with unused bits", "truncated",
])
def test_a_malformed_key_is_refused(ssl, damage):
    pem = ssl.pems[3072]
    der = _der(pem)
    assert der[:4] == bytes.fromhex("308201a2")  # SEQUENCE, two length bytes: 418 bytes follow
    body = der[4:]
    bitstring_at = 4 + len(bytes.fromhex("300d06092a864886f70d0101010500"))
    if damage == "text after END":
        bad = pem + "garbage\n"
    elif damage == "text before BEGIN":
        bad = "garbage\n" + pem
    elif damage == "a second block":
        bad = pem + ssl.pems[2048]
    elif damage == "RSA PUBLIC KEY (PKCS#1)":
        bad = _pem(der[bitstring_at + 5:], "RSA PUBLIC KEY")
    elif damage == "not base64":
        bad = pem.replace(pem.splitlines()[2], pem.splitlines()[2][:-1] + "!")
    elif damage == "DER trailing byte":
        bad = _pem(der + b"\x00")
    elif damage == "DER inner trailing byte":
        bad = _pem(bytes.fromhex("308201a3") + body + b"\x00")
    elif damage == "outer length too long":
        bad = _pem(bytes.fromhex("308201a3") + body)
    elif damage == "outer length too short":
        bad = _pem(bytes.fromhex("308201a1") + body)
    elif damage == "non-minimal length":
        bad = _pem(bytes.fromhex("30830001a2") + body)
    elif damage == "indefinite length":
        bad = _pem(bytes.fromhex("3080") + body + b"\x00\x00")
    elif damage == "modulus with a needless leading zero":
        rsa = der[bitstring_at + 5:]   # SEQUENCE 30 82 01 8a, then INTEGER 02 82 01 81 00 <384 bytes>
        assert rsa[4:9] == bytes.fromhex("0282018100")
        inner = bytes.fromhex("0282018200") + b"\x00" + rsa[9:9 + 384]
        bad = _rebuild(der, bitstring_at, inner)
    elif damage == "negative modulus":
        rsa = der[bitstring_at + 5:]
        inner = bytes.fromhex("02820180") + rsa[9:9 + 384]  # the 00 dropped: the top bit now reads as the sign
        bad = _rebuild(der, bitstring_at, inner)
    elif damage == "bit string with unused bits":
        broken = bytearray(der)
        assert broken[bitstring_at:bitstring_at + 5] == bytes.fromhex("0382018f00")
        broken[bitstring_at + 4] = 1
        bad = _pem(bytes(broken))
    else:
        bad = _pem(der[:-10])
    with pytest.raises(KeyFormatError):
        load_public_key(bad)


def _rebuild(der, bitstring_at, inner_integers):
    """The SubjectPublicKeyInfo with the RSAPublicKey's INTEGERs replaced (lengths recomputed)."""
    def seq(tag, content):
        n = len(content)
        length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
        return bytes([tag]) + length + content
    rsa = der[bitstring_at + 5:]
    n_len = int.from_bytes(rsa[6:8], "big")
    exponent = rsa[8 + n_len:]
    rsa_public_key = seq(0x30, inner_integers + exponent)
    spki = der[4:bitstring_at] + seq(0x03, b"\x00" + rsa_public_key)
    return _pem(seq(0x30, spki))


def test_a_digest_that_is_not_sha256_sized_is_a_caller_error(ssl):
    with pytest.raises(ValueError):
        verify_pkcs1_sha256_digest(ssl.pems[3072], hashlib.sha1(DATA).digest(), ssl.sign("rsa3072"))
