"""CRC32C (Castagnoli, RFC 3720 appendix B.4): the checksum Cloud KMS puts beside every digest, signature and
public key it exchanges (`digestCrc32c`, `signatureCrc32c`, `pemCrc32c`), so a client can tell a damaged
exchange from a refusal. zlib.crc32 is the other polynomial (IEEE 802.3) and the standard library has no
CRC32C, so this is the reflected table-driven form, pure Python: KMS's messages are a few hundred bytes."""
from __future__ import annotations

from typing import List

#: The reversed Castagnoli polynomial 0x1EDC6F41.
POLYNOMIAL = 0x82F63B78


def _table() -> List[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLYNOMIAL if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc32c(data: bytes) -> int:
    """The CRC32C of `data`, an integer in [0, 2**32)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF
