"""Checksums OSS reports: CRC-64/ECMA (``x-oss-hash-crc64ecma``) and MD5 ETags."""

from __future__ import annotations

import base64
import hashlib

from fastcrc import crc64 as _crc64


def crc64(data: bytes, crc: int = 0) -> int:
    """CRC-64 of ``data`` as OSS computes it, continuing from ``crc``: the ECMA-182 polynomial,
    reflected, all ones in and out (CRC-64/XZ; what oss2 builds with crcmod). Native code: crcmod's
    took two thirds of a 1 MB PUT."""
    return int(_crc64.xz(data, initial=crc))


class Digest:
    """Running MD5 + CRC-64 of a byte stream, fed chunk by chunk."""

    def __init__(self) -> None:
        self._md5 = hashlib.md5()
        self.crc = 0
        self.size = 0

    def update(self, chunk: bytes) -> None:
        """Add ``chunk`` to the digests."""
        self._md5.update(chunk)
        self.crc = crc64(chunk, self.crc)
        self.size += len(chunk)

    @property
    def etag(self) -> str:
        """Upper-case hex MD5, as OSS shows it in ETags."""
        return self._md5.hexdigest().upper()

    @property
    def content_md5(self) -> str:
        """Base64 MD5, as in the Content-MD5 header."""
        return base64.b64encode(self._md5.digest()).decode()

    @property
    def md5_bytes(self) -> bytes:
        """The raw 16-byte MD5."""
        return self._md5.digest()
