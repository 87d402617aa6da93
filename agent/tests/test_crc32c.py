"""CRC32C against published vectors: a wrong polynomial, a missing reflection or final XOR fails each."""
import random
import zlib

import pytest

from pip_airlock_agent.crc32c import crc32c

# RFC 3720 appendix B.4 (the CRC bytes there are the little-endian wire order of these values).
ISCSI_READ_PDU = bytes.fromhex(
    "01c00000000000000000000000000000" "14000000000004000000001400000018" "28000000000000000200000000000000")


@pytest.mark.parametrize("data, expected", [
    (b"123456789", 0xE3069283),                  # the catalogue check value of CRC-32C
    (b"", 0x00000000),
    (bytes(32), 0x8A9136AA),                     # 32 bytes of zeros
    (b"\xff" * 32, 0x62A8AB43),                  # 32 bytes of ones
    (bytes(range(32)), 0x46DD794E),              # incrementing
    (bytes(range(31, -1, -1)), 0x113FDB5C),      # decrementing
    (ISCSI_READ_PDU, 0xD9963A56),                # an iSCSI read command PDU
])
def test_known_vectors(data, expected):
    assert crc32c(data) == expected


def _bitwise(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def test_matches_a_bitwise_reference_on_random_data_and_is_not_zlibs_crc32():
    rng = random.Random(23)
    for size in (1, 7, 255, 512, 1031):
        data = bytes(rng.randrange(256) for _ in range(size))
        assert crc32c(data) == _bitwise(data)
        assert crc32c(data) != zlib.crc32(data)
        assert 0 <= crc32c(data) < 2 ** 32
