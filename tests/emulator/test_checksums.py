"""The CRC-64 OSS reports in x-oss-hash-crc64ecma, against the catalogue's check value and oss2's own."""

from __future__ import annotations

import os

import pytest
from oss2.utils import Crc64

from ossimg_local.emulator.checksums import crc64


def test_the_catalogue_check_value():
    # CRC-64/XZ ("123456789" -> 0x995DC9BBDF1939FA), the reveng catalogue's check value.
    assert crc64(b"123456789") == 0x995DC9BBDF1939FA
    assert crc64(b"") == 0


@pytest.mark.parametrize("size", [1, 1000, 65537])
def test_the_same_as_oss2_and_continuable(size):
    data = os.urandom(size)
    oss2_crc = Crc64()  # what the SDK checks every response against
    oss2_crc.update(data)
    assert crc64(data) == oss2_crc.crc
    half = size // 2
    assert crc64(data[half:], crc64(data[:half])) == crc64(data)
